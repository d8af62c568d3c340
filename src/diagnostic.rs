//! Errors about the user's input, printed the way cargo and rustc print theirs: file,
//! line and column, the offending line with a caret, what was expected, and a `help:`.

use std::fmt;

/// A position in a source file (1-based line and column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One problem with an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    /// The file as the user named it (never made absolute).
    pub file: String,
    pub position: Option<Position>,
    /// The offending source line, for the caret display.
    pub source_line: Option<String>,
    /// The field path inside the definition, e.g. `network.availability_zones`.
    pub field: Option<String>,
    pub expected: Option<String>,
    pub help: Option<String>,
    /// Further notes, such as where the other half of a collision is.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(file: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            file: file.to_string(),
            position: None,
            source_line: None,
            field: None,
            expected: None,
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn at(mut self, position: Position, source: &str) -> Diagnostic {
        self.position = Some(position);
        self.source_line =
            nth_line(source, position.line).map(|line| displayable(line, position.column));
        self
    }

    pub fn field(mut self, path: impl Into<String>) -> Diagnostic {
        let path = path.into();
        if !path.is_empty() && path != "." {
            self.field = Some(path);
        }
        self
    }

    pub fn expected(mut self, text: impl Into<String>) -> Diagnostic {
        self.expected = Some(text.into());
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Diagnostic {
        self.help = Some(text.into());
        self
    }

    pub fn note(mut self, text: impl Into<String>) -> Diagnostic {
        self.notes.push(text.into());
        self
    }
}

/// The `n`-th line (1-based), with line breaks as YAML counts them: LF, CR LF or a lone CR.
fn nth_line(source: &str, n: usize) -> Option<&str> {
    if source.is_empty() {
        return None;
    }
    let mut rest = source;
    let mut current = 1;
    loop {
        let end = rest.find(['\n', '\r']);
        if current == n {
            return Some(end.map_or(rest, |i| &rest[..i]));
        }
        let i = end?;
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + skip..];
        current += 1;
    }
}

/// The widest excerpt of a source line that is shown.
const MAX_EXCERPT_CHARS: usize = 120;

/// A source line as it can be shown on a terminal: control characters (which could
/// move the cursor or change colours) become U+FFFD and tabs a space, one character
/// each so the caret stays aligned; a long line is cut to a window around `column`,
/// with the cut-off parts marked by `…` and the caret column kept.
fn displayable(line: &str, column: usize) -> String {
    let chars: Vec<char> = line
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect();
    if chars.len() <= MAX_EXCERPT_CHARS {
        return chars.into_iter().collect();
    }
    // Keep the caret column: replace the hidden start by spaces and a marker.
    let start = column
        .saturating_sub(MAX_EXCERPT_CHARS / 2)
        .min(chars.len());
    let end = (start + MAX_EXCERPT_CHARS).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push_str(&" ".repeat(start.saturating_sub(1)));
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// The length of the token starting at `column` (1-based), for the caret underline.
fn token_len(line: &str, column: usize) -> usize {
    let rest: String = line.chars().skip(column.saturating_sub(1)).collect();
    let quoted = rest.starts_with('"') || rest.starts_with('\'');
    let len = (if quoted {
        let quote = rest.chars().next().unwrap_or('"');
        rest.chars()
            .skip(1)
            .position(|c| c == quote)
            .map_or(rest.chars().count(), |p| p + 2)
    } else {
        rest.chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ':' | ',' | ']' | '}' | '#'))
            .count()
    })
    .min(MAX_EXCERPT_CHARS / 2);
    len.max(1)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        match self.position {
            Some(p) => writeln!(f, "  --> {}:{}:{}", self.file, p.line, p.column)?,
            None => writeln!(f, "  --> {}", self.file)?,
        }
        if let (Some(p), Some(line)) = (self.position, &self.source_line) {
            let number = p.line.to_string();
            let pad = " ".repeat(number.len());
            writeln!(f, "{pad} |")?;
            writeln!(f, "{number} | {line}")?;
            writeln!(
                f,
                "{pad} | {}{}",
                " ".repeat(p.column.saturating_sub(1)),
                "^".repeat(token_len(line, p.column))
            )?;
        }
        if let Some(field) = &self.field {
            writeln!(f, "  = field: {field}")?;
        }
        if let Some(expected) = &self.expected {
            writeln!(f, "  = expected: {expected}")?;
        }
        for note in &self.notes {
            writeln!(f, "  = note: {note}")?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

/// The closest candidate to `input` by edit distance, if it is close enough to be a
/// plausible typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(input, c), c))
        .filter(|(d, c)| *d <= (c.len().max(input.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["availability_zones", "cidr", "endpoints"];
        assert_eq!(
            did_you_mean("availabilty_zones", names),
            Some("availability_zones")
        );
        assert_eq!(did_you_mean("cdir", names), Some("cidr"));
        assert_eq!(did_you_mean("colour", names), None);
    }

    #[test]
    fn renders_with_caret() {
        let source = "network:\n  cidr: 10.0.0.300/16\n";
        let d = Diagnostic::new("stacks/x.yaml", "invalid CIDR")
            .at(Position { line: 2, column: 9 }, source)
            .field("network.cidr")
            .help("write it like 10.20.0.0/16");
        assert_eq!(
            d.to_string(),
            "error: invalid CIDR\n  --> stacks/x.yaml:2:9\n  |\n2 |   cidr: 10.0.0.300/16\n  |         ^^^^^^^^^^^^^\n  = field: network.cidr\n  = help: write it like 10.20.0.0/16\n"
        );
    }
}
