//! A reader for the part of YAML that nearly every definition is written in: block
//! mappings and lists, one plain or simply quoted scalar to a line, comments. It gives
//! the events yaml-rust2's parser gives for such a text, with the same positions, at a
//! fraction of the cost: reading a definition with 1,000 users into its tree took 3.78 M
//! instructions through yaml-rust2 (some 3,400 a line), and takes 1.14 M this way. It
//! matters because reading comes before any template is composed: no thread can share
//! it.
//!
//! It gives up (`None`) at anything else: flow collections, block scalars, anchors,
//! aliases, tags, a scalar over several lines, escapes in quotes, a tab or a carriage
//! return, a document marker, a line it does not expect. [`super::tree::Tree::parse`] then
//! reads the text with yaml-rust2, which also words the errors, so a text is never read
//! differently; the tests compare the two on the shipped definitions and on generated
//! texts inside and outside this subset.

use yaml_rust2::Event;
use yaml_rust2::scanner::TScalarStyle;

use crate::diagnostic::Position;
use crate::template::json_text::{HIGH, ONES};

/// Reads `text`, handing each event and its position to `emit`, which answers whether to
/// go on. `None` when the text leaves the subset or `emit` stops.
pub fn read(text: &str, emit: impl FnMut(Event, Position) -> bool) -> Option<()> {
    let mut reader = Reader {
        rest: text,
        number: 0,
        line: None,
        emit,
    };
    reader.next_content_line()?;
    // A text without content is yaml-rust2's to word; a first line deeper than the
    // root's column stops `mapping` at once.
    reader.line?;
    reader.event(Event::DocumentStart, Position { line: 1, column: 1 })?;
    reader.mapping(0)
}

/// A line with content (not blank, not only a comment), or what is left of it after a
/// list item's `- `.
#[derive(Clone, Copy)]
struct Line<'t> {
    /// The whole line, without its line break.
    text: &'t str,
    /// Its number, from 1.
    number: usize,
    /// Where the content starts: a byte offset into `text`, all spaces or a list item's
    /// dash and spaces before it.
    indent: usize,
    /// Whether `text` is ASCII, so that a byte offset is also a column.
    ascii: bool,
}

impl<'t> Line<'t> {
    fn content(&self) -> &'t str {
        &self.text[self.indent..]
    }

    /// The position of byte `offset` of the line: yaml-rust2 counts columns in
    /// characters.
    fn position(&self, offset: usize) -> Position {
        let column = if self.ascii {
            offset
        } else {
            self.text[..offset].chars().count()
        };
        Position {
            line: self.number,
            column: column + 1,
        }
    }

    /// Where the content of a list item starts, after its dash and spaces, when the
    /// content is a list item (`-` then a space or the end).
    fn item(&self) -> Option<usize> {
        let content = self.content().as_bytes();
        match content {
            [b'-'] => Some(self.indent + 1),
            [b'-', b' ', ..] => Some(self.indent + 1 + spaces(&content[1..])),
            _ => None,
        }
    }
}

/// Where the first byte of `bytes` below 0x20 or from 0x80 on is (a line break, a tab,
/// a carriage return, or part of a character that is not ASCII: the text has no other
/// control characters), or its length: 8 bytes a step, for a line of a long list of
/// users is some 25 bytes with nothing but its line break to find. A byte is below 0x20
/// where subtracting 0x20 borrows into its top bit (`& !word` leaves out the bytes whose
/// top bit was set already, which `| word` then adds); the first flagged byte is a true
/// one, as a borrow only marks bytes after it.
fn first_break_or_non_ascii(bytes: &[u8]) -> usize {
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let flagged = (word.wrapping_sub(ONES * 0x20) & !word | word) & HIGH;
        if flagged != 0 {
            return at + (flagged.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| !(0x20..0x80).contains(&b))
        .map_or(bytes.len(), |i| at + i)
}

/// Where the first `:` or `#` of `bytes` from `from` on is, 8 bytes a step: a byte equal
/// to one of them becomes zero when compared (xor) with it, and then borrows when 1 is
/// subtracted.
fn next_colon_or_hash(bytes: &[u8], from: usize) -> Option<usize> {
    let flagged = |word: u64| {
        let colon = word ^ (ONES * u64::from(b':'));
        let hash = word ^ (ONES * u64::from(b'#'));
        (colon.wrapping_sub(ONES) & !colon | hash.wrapping_sub(ONES) & !hash) & HIGH
    };
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let found = flagged(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes
        .get(at..)?
        .iter()
        .position(|&b| b == b':' || b == b'#')
        .map(|i| at + i)
}

/// How many spaces `bytes` starts with.
fn spaces(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|&&b| b == b' ').count()
}

/// What ends a line's content: nothing but spaces and, after a space, a comment.
fn only_comment(rest: &str) -> bool {
    let trimmed = rest.trim_start_matches(' ');
    trimmed.is_empty() || (trimmed.starts_with('#') && trimmed.len() < rest.len())
}

/// Bytes no plain scalar of the subset starts with: YAML's indicators. (`-`, `?` and `:`
/// may start one when a non-space follows; the subset leaves those to yaml-rust2.)
fn indicator(b: u8) -> bool {
    matches!(
        b,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

/// A line's content split at what the subset needs to know.
enum Content<'t> {
    /// `key:` and what follows the colon; `colon` is the colon's byte offset in the
    /// content, `after` that of the value's text.
    Entry {
        key: &'t str,
        colon: usize,
        after: usize,
    },
    /// A scalar alone: its text (a comment and the spaces before it left out) and style.
    Scalar(&'t str, TScalarStyle),
}

/// Reads a content that does not start a list item: an entry or a scalar, `None` for
/// anything outside the subset.
fn split(content: &str) -> Option<Content<'_>> {
    let bytes = content.as_bytes();
    let first = *bytes.first()?;
    if first == b'"' || first == b'\'' {
        let end = content[1..].find(first as char)? + 1;
        let inner = &content[1..end];
        let rest = &content[end + 1..];
        if (first == b'"' && inner.contains('\\')) || !only_comment(rest) {
            // An escape, a doubled quote, a quoted key or text after the quote.
            return None;
        }
        let style = if first == b'"' {
            TScalarStyle::DoubleQuoted
        } else {
            TScalarStyle::SingleQuoted
        };
        return Some(Content::Scalar(inner, style));
    }
    if indicator(first) {
        return None;
    }
    let mut end = bytes.len();
    let mut from = 0;
    while let Some(at) = next_colon_or_hash(bytes, from) {
        match bytes[at] {
            b':' if at + 1 == bytes.len() || bytes[at + 1] == b' ' => {
                let key = content[..at].trim_end_matches(' ');
                return Some(Content::Entry {
                    key,
                    colon: at,
                    after: at + 1 + spaces(&bytes[at + 1..]),
                });
            }
            // Not the first byte, which is no indicator.
            b'#' if bytes[at - 1] == b' ' => {
                end = at;
                break;
            }
            _ => from = at + 1,
        }
    }
    Some(Content::Scalar(
        content[..end].trim_end_matches(' '),
        TScalarStyle::Plain,
    ))
}

/// A value after `key: ` or `- `: a scalar that ends the line, `None` for one that does
/// not (a second `key:`, a scalar over lines) or is not in the subset.
fn value(content: &str) -> Option<(&str, TScalarStyle)> {
    match split(content)? {
        Content::Scalar(text, style) => Some((text, style)),
        Content::Entry { .. } => None,
    }
}

/// The position given with the end of a mapping or list, which the tree does not keep.
const END: Position = Position { line: 1, column: 1 };

/// A list written `[a, b]` on one line, of plain scalars without `:`, `#`, quotes or
/// brackets: the items and their byte offsets in `content`, which starts with `[`.
fn flow_list(content: &str) -> Option<Vec<(usize, &str)>> {
    let close = content.find(']')?;
    if !only_comment(&content[close + 1..]) {
        return None;
    }
    let inner = &content[1..close];
    if inner.bytes().all(|b| b == b' ') {
        return Some(Vec::new());
    }
    let mut items = Vec::new();
    let mut start = 1;
    for piece in inner.split(',') {
        let item = piece.trim_matches(' ');
        let at = start + spaces(piece.as_bytes());
        start += piece.len() + 1;
        let bytes = item.as_bytes();
        if bytes.is_empty()
            || indicator(bytes[0])
            || bytes
                .iter()
                .any(|b| matches!(b, b':' | b'#' | b'[' | b'{' | b'}' | b'\'' | b'"'))
        {
            return None;
        }
        items.push((at, item));
    }
    Some(items)
}

struct Reader<'t, E> {
    /// The text after the lines read so far.
    rest: &'t str,
    /// The number of the last line read.
    number: usize,
    /// The line with content being read, `None` at the end of the text.
    line: Option<Line<'t>>,
    emit: E,
}

impl<'t, E: FnMut(Event, Position) -> bool> Reader<'t, E> {
    fn event(&mut self, event: Event, position: Position) -> Option<()> {
        (self.emit)(event, position).then_some(())
    }

    fn scalar(&mut self, text: &str, style: TScalarStyle, position: Position) -> Option<()> {
        self.event(Event::Scalar(text.to_string(), style, 0, None), position)
    }

    /// Reads the value that starts at byte `at` of `line`, after `key: ` or `- `: a
    /// scalar or a flow list that ends the line. (A line after it deeper than the entry's
    /// key or the item's dash, which would continue the scalar, stops the mapping or list
    /// it is in.)
    fn value_on_line(&mut self, line: Line<'t>, at: usize) -> Option<()> {
        let rest = &line.text[at..];
        if rest.starts_with('[') {
            let items = flow_list(rest)?;
            self.event(Event::SequenceStart(0, None), line.position(at))?;
            for (offset, item) in items {
                self.scalar(item, TScalarStyle::Plain, line.position(at + offset))?;
            }
            self.event(Event::SequenceEnd, END)?;
        } else {
            let (text, style) = value(rest)?;
            self.scalar(text, style, line.position(at))?;
        }
        self.next_content_line()
    }

    /// Moves to the next line with content; `None` for a line outside the subset.
    fn next_content_line(&mut self) -> Option<()> {
        loop {
            if self.rest.is_empty() {
                self.line = None;
                return Some(());
            }
            let mut end = first_break_or_non_ascii(self.rest.as_bytes());
            let ascii = self.rest.as_bytes().get(end).is_none_or(|&b| b == b'\n');
            if !ascii {
                end = self.rest[end..]
                    .find('\n')
                    .map_or(self.rest.len(), |i| end + i);
            }
            let text = &self.rest[..end];
            self.rest = self.rest.get(end + 1..).unwrap_or_default();
            self.number += 1;
            if !ascii && text.contains(['\t', '\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{feff}']) {
                return None;
            }
            let bytes = text.as_bytes();
            let indent = spaces(bytes);
            match bytes.get(indent) {
                None | Some(b'#') => continue,
                _ => {}
            }
            if indent == 0 && (text.starts_with("---") || text.starts_with("...")) {
                return None;
            }
            self.line = Some(Line {
                text,
                number: self.number,
                indent,
                ascii,
            });
            return Some(());
        }
    }

    /// Reads the node that starts on the next line with content, the value of an entry
    /// or item that has nothing after its `key:` or `-` at `column`: deeper than that
    /// column, or for an entry's value (`key_column`) a list at the key's own column.
    fn nested(&mut self, column: usize, key_column: Option<usize>) -> Option<()> {
        self.next_content_line()?;
        let line = self.line?;
        if line.indent > column {
            if line.item().is_some() {
                self.sequence(line.indent, false)
            } else {
                self.mapping(line.indent)
            }
        } else if Some(line.indent) == key_column && line.item().is_some() {
            self.sequence(line.indent, true)
        } else {
            // A null value, which the checks of the tree refuse with yaml-rust2's words.
            None
        }
    }

    /// The current line when it continues a collection at byte `indent`: `Some(None)` when
    /// the collection ends there (the end of the text, or a line less deep), `None` for a
    /// deeper line, which would continue a scalar or is an error.
    fn line_at(&self, indent: usize) -> Option<Option<Line<'t>>> {
        match self.line {
            Some(line) if line.indent > indent => None,
            Some(line) if line.indent == indent => Some(Some(line)),
            _ => Some(None),
        }
    }

    /// Reads a block mapping whose keys are at byte `indent` of their lines, starting at
    /// the current line.
    fn mapping(&mut self, indent: usize) -> Option<()> {
        let mut first = true;
        while let Some(line) = self.line_at(indent)? {
            let Content::Entry { key, colon, after } = split(line.content())? else {
                return None;
            };
            // yaml-rust2 refuses a key of more than 1,024 characters (YAML's limit on a key
            // without `?`); 1,000 bytes are at most as many characters.
            if key.is_empty() || colon > 1000 {
                return None;
            }
            if first {
                // yaml-rust2 places a block mapping at its first key's colon.
                self.event(Event::MappingStart(0, None), line.position(indent + colon))?;
                first = false;
            }
            self.scalar(key, TScalarStyle::Plain, line.position(indent))?;
            let rest = &line.content()[after..];
            // The colon is followed by a space or the end, so `#` starts a comment.
            if rest.is_empty() || rest.starts_with('#') {
                self.nested(indent, Some(indent))?;
            } else {
                self.value_on_line(line, indent + after)?;
            }
        }
        self.event(Event::MappingEnd, END)
    }

    /// Reads a block list whose dashes are at byte `indent` of their lines, starting at
    /// the current line; `indentless` when the dashes are at the column of the key whose
    /// value the list is.
    fn sequence(&mut self, indent: usize, indentless: bool) -> Option<()> {
        let mut first = true;
        while let Some(line) = self.line_at(indent)? {
            let Some(start) = line.item() else {
                if indentless {
                    // The next key of the mapping the list belongs to.
                    break;
                }
                return None;
            };
            let rest = &line.text[start..];
            let empty = rest.is_empty() || rest.starts_with('#');
            if first {
                // yaml-rust2 places a list at its first dash, or an indentless one after
                // its first dash and what follows on that line up to the item's content.
                let at = match (indentless, empty) {
                    (false, _) => indent,
                    (true, false) => start,
                    (true, true) => line.text.len(),
                };
                self.event(Event::SequenceStart(0, None), line.position(at))?;
                first = false;
            }
            if empty {
                self.nested(indent, None)?;
                continue;
            }
            let inner = Line {
                indent: start,
                ..line
            };
            if inner.item().is_some() {
                // A list in a list's item on the same line.
                return None;
            }
            if rest.starts_with('[') {
                self.value_on_line(line, start)?;
                continue;
            }
            match split(rest)? {
                Content::Entry { .. } => {
                    self.line = Some(inner);
                    self.mapping(start)?;
                }
                Content::Scalar(..) => self.value_on_line(line, start)?,
            }
        }
        self.event(Event::SequenceEnd, END)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tree::{Tree, TreeError};
    use super::{first_break_or_non_ascii, next_colon_or_hash};

    /// Whether the subset reader takes `text`; when it does, its tree must be the one
    /// yaml-rust2's events give, nodes, kinds, values and positions.
    fn agrees(text: &str) -> bool {
        let Some(fast) = Tree::parse_block_subset(text) else {
            return false;
        };
        match Tree::parse_events(text) {
            Ok(slow) => assert_eq!(fast, slow, "the two readings differ on:\n{text}"),
            Err(TreeError::Malformed(e)) => {
                panic!("yaml-rust2 refuses ({e}) a text read as:\n{text}")
            }
            Err(_) => panic!("the tree checks refuse a text read as:\n{text}"),
        }
        true
    }

    /// The word-at-a-time searches against the byte-by-byte rule, with each kind of byte
    /// at every place of texts of 0 to 24 bytes (one, two and three words and a tail).
    #[test]
    fn the_searches_find_the_first_byte_they_look_for() {
        let filler = b"abcdefghijklmnopqrstuvwx";
        for len in 0..=filler.len() {
            for place in 0..len {
                for byte in [
                    b'\n', b'\t', b'\r', 0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xff, b':', b'#', b' ',
                ] {
                    let mut bytes = filler[..len].to_vec();
                    bytes[place] = byte;
                    // A second one later must not hide the first.
                    if place + 3 < len {
                        bytes[place + 3] = byte;
                    }
                    let breaks = bytes.iter().position(|&b| !(0x20..0x80).contains(&b));
                    assert_eq!(
                        first_break_or_non_ascii(&bytes),
                        breaks.unwrap_or(len),
                        "{bytes:?}"
                    );
                    for from in 0..=len {
                        let marks = bytes[from..]
                            .iter()
                            .position(|&b| b == b':' || b == b'#')
                            .map(|i| from + i);
                        assert_eq!(
                            next_colon_or_hash(&bytes, from),
                            marks,
                            "{bytes:?} from {from}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_shipped_definitions_and_the_test_inputs_read_alike() {
        let mut files = Vec::new();
        let mut folders = vec![
            std::path::PathBuf::from("stacks"),
            std::path::PathBuf::from("tests"),
            std::path::PathBuf::from("examples"),
        ];
        while let Some(folder) = folders.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    files.push(path);
                }
            }
        }
        files.sort();
        let taken: Vec<String> = files
            .iter()
            .filter(|path| {
                let text = std::fs::read_to_string(path).unwrap();
                let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
                agrees(text)
            })
            .map(|path| path.to_string_lossy().replace('\\', "/"))
            .collect();
        assert!(files.len() > 200, "{} files", files.len());
        // The definition the user series are made from; the other shipped ones have flow
        // mappings (`{ a: 1 }`) or text over several lines.
        assert!(
            taken.iter().any(|t| t == "stacks/studio-private.yaml"),
            "{taken:?}"
        );
        assert!(
            taken.len() > 100,
            "only {} of {} read",
            taken.len(),
            files.len()
        );
    }

    #[test]
    fn a_long_list_of_users_reads_alike() {
        let base = std::fs::read_to_string("stacks/studio-private.yaml").unwrap();
        let users: String = (1..=1000)
            .map(|i| format!("    - data-scientist-{i}\n"))
            .collect();
        let text = base.replacen("  users:\n", &format!("  users:\n{users}"), 1);
        assert!(text.len() > base.len() + 20_000);
        assert!(agrees(&text));
    }

    /// Where yaml-rust2 places a mapping (its first key's colon) and a list (its first
    /// dash, or for a list at its key's column what follows that dash), in every shape the
    /// subset reads.
    #[test]
    fn collections_are_placed_where_yaml_rust2_places_them() {
        for text in [
            "a: 1\n",
            "ab  : v\nb:\n- q: 1\n  r: 2\nc:\n-\n  s: 3\n",
            "a: 1\nb:\n  c: x y # hi\n  d:\n  - p\n  - q: 1\n    r: 2\n  -\n    s: 3\ne:\n  - k\n",
            "# c\n\nnetwork:   # x\n  cidr: 10.0.0.0/16\n  endpoints:\n    - s3   # y\n\n    # z\n    - sts\n",
            "studio:\n    auth: iam\n    users:\n    -   alice\n    - bob\nlast key: v w\n",
            "c:\n-   \n  s: 3\nd:\n- # c\n  t: 3\n",
            "d:\n  -\n    t: 4\n  -   # c\n      u: 5\n",
            "a: x [1], {b} c\nb: \"q r\"  # c\nc: 's t'\ne: a#b\nf:\n  - \"x\"\n  - ''\n",
            "\u{e9}\u{e9}: v # x\nk\u{e9}y: \u{65e5}\u{672c} \u{e9}\nl:\n- \u{e9}\n",
            "a:\n# at the left\n  b: 1\n",
            "a: 1 # c: d\nb: it's\nc: x:y\n",
        ] {
            assert!(agrees(text), "not read:\n{text}");
        }
    }

    /// Texts outside the subset are left to yaml-rust2 whole, whatever its reading.
    #[test]
    fn texts_outside_the_subset_are_left_to_yaml_rust2() {
        for text in [
            "",
            "# only a comment\n",
            "  a: 1\n",
            "- a\n",
            "a: [1, [2]]\n",
            "a: [x: 1]\n",
            "a: {b: 1}\n",
            "a: |\n  text\n",
            "a: >\n  text\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: text\n  over two lines\n",
            "a:\n  text on the next line\n",
            "a: \"esc\\\"aped\"\n",
            "a: 'it''s'\n",
            "a:\tb\n",
            "a: b\r\n",
            "---\na: 1\n",
            "a: 1\n...\n",
            "a: 1\n---\nb: 2\n",
            "a: -1\n",
            "a: b: c\n",
            "a: b:\n",
            "\"a\": 1\n",
            "? a\n: 1\n",
            "a:\n- - x\n",
            "a:\n  - x\n  b: 1\n",
            "a: 1\n- b\n",
            "a:\n",
            "a: ~\n",
            "a: 1\na: 2\n",
            "a: x\u{2028}y\n",
        ] {
            assert!(Tree::parse_block_subset(text).is_none(), "read:\n{text}");
        }
        // yaml-rust2 refuses a key of more than 1,024 characters; the subset stops at
        // 1,000 bytes.
        let long_key = format!("{}: v\n", "k".repeat(1100));
        assert!(Tree::parse_events(&long_key).is_err());
        assert!(Tree::parse_block_subset(&long_key).is_none());
        assert!(agrees(&format!("{}: v\n", "k".repeat(1000))));
    }

    /// A small deterministic generator (xorshift), so the test needs no crate and fails
    /// the same way each time.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick(&mut self, from: &[&'static str]) -> &'static str {
            from[self.below(from.len())]
        }
    }

    /// Keys and values of the subset, and others near it or outside, picked one time in
    /// five.
    const KEYS: &[&str] = &[
        "a",
        "name",
        "cidr",
        "two words",
        "k\u{e9}y",
        "x[1]",
        "a#b",
        "a-b",
        "x:y",
        "it's",
        "\u{65e5}\u{672c}",
        "1",
        "a b ",
    ];
    const ODD_KEYS: &[&str] = &[
        "\"q\"", "'q'", "a #b", "-a", "? a", "&a", "null", "a\tb", "[a]", "{a}", "",
    ];
    const VALUES: &[&str] = &[
        "1",
        "x",
        "two words",
        "10.0.0.0/16",
        "arn:aws:iam::1:role/r",
        "a#b",
        "a # c",
        "x [1], {b}",
        "it's",
        "\"q r\"",
        "'q r'",
        "\"\"",
        "''",
        "\"a # b\" # c",
        "\u{e9}t\u{e9}",
        "true",
        "[a, b]",
        "[]",
        "[ a ,b ]",
        "[a b, c]  # c",
        "[\u{e9}, x.y]",
        "[ ]",
    ];
    const ODD_VALUES: &[&str] = &[
        "~",
        "null",
        "-1",
        "a: b",
        "x:",
        ":x",
        "?x",
        "&a x",
        "*a",
        "!t x",
        "|",
        ">",
        "[1, 2",
        "{a: 1}",
        "'it''s'",
        "\"e\\\"s\"",
        "a\tb",
        "@x",
        "`x",
        "%x",
        "\"open",
        "x\u{2028}y",
        "#c",
        "-",
        "- x",
        "[a, [b]]",
        "[a: 1]",
        "[a, b,]",
        "[a,b]x",
        "[a, 'b']",
        "[a #b]",
        "[,]",
        "\"x\"y",
        "'x' y",
        "x\u{85}y",
        "a\u{feff}",
    ];

    fn any_key(random: &mut Random) -> &'static str {
        if random.below(5) == 0 {
            random.pick(ODD_KEYS)
        } else {
            random.pick(KEYS)
        }
    }

    fn any_value(random: &mut Random) -> &'static str {
        if random.below(5) == 0 {
            random.pick(ODD_VALUES)
        } else {
            random.pick(VALUES)
        }
    }

    /// Writes a random node at `indent`; `inline` when it follows `- ` on the same line.
    fn node(random: &mut Random, out: &mut String, indent: usize, depth: usize) {
        let pad = " ".repeat(indent);
        let kind = if depth > 3 { 2 } else { random.below(3) };
        match kind {
            0 => {
                for _ in 0..1 + random.below(3) {
                    let key = any_key(random);
                    out.push_str(&format!("{pad}{key}:"));
                    entry_value(random, out, indent, depth);
                }
            }
            _ => {
                for _ in 0..1 + random.below(3) {
                    out.push_str(&pad);
                    out.push('-');
                    match random.below(4) {
                        0 => {
                            out.push('\n');
                            let deeper = indent + 1 + random.below(3);
                            node(random, out, deeper, depth + 1);
                        }
                        1 => {
                            // A mapping on the item's line.
                            let spaces = 1 + random.below(3);
                            out.push_str(&" ".repeat(spaces));
                            let key_indent = indent + 1 + spaces;
                            let key = any_key(random);
                            out.push_str(&format!("{key}:"));
                            entry_value(random, out, key_indent, depth);
                            if random.below(2) == 0 {
                                out.push_str(&" ".repeat(key_indent));
                                out.push_str(&format!("{}:", any_key(random)));
                                entry_value(random, out, key_indent, depth);
                            }
                        }
                        _ => {
                            out.push_str(&" ".repeat(1 + random.below(2)));
                            out.push_str(any_value(random));
                            end_of_line(random, out);
                        }
                    }
                }
            }
        }
    }

    /// What follows `key:`: a scalar on the line, or a node on the next lines (deeper, or
    /// a list at the key's column).
    fn entry_value(random: &mut Random, out: &mut String, indent: usize, depth: usize) {
        match random.below(4) {
            0 | 1 => {
                out.push_str(&" ".repeat(1 + random.below(2)));
                out.push_str(any_value(random));
                end_of_line(random, out);
            }
            2 => {
                end_of_line(random, out);
                let deeper = indent + 1 + random.below(3);
                node(random, out, deeper, depth + 1);
            }
            _ => {
                end_of_line(random, out);
                let pad = " ".repeat(indent);
                for _ in 0..1 + random.below(2) {
                    out.push_str(&format!("{pad}- {}", any_value(random)));
                    end_of_line(random, out);
                }
            }
        }
    }

    /// Ends a line, now and then with spaces, a comment, a blank or comment line.
    fn end_of_line(random: &mut Random, out: &mut String) {
        match random.below(8) {
            0 => out.push_str("   "),
            1 => out.push_str(" # note: x"),
            2 => out.push_str("#x"),
            _ => {}
        }
        out.push('\n');
        match random.below(10) {
            0 => out.push('\n'),
            1 => out.push_str(&format!("{}# c\n", " ".repeat(random.below(6)))),
            _ => {}
        }
    }

    /// Shifts, removes or repeats a line, or puts a character into one.
    fn mutate(random: &mut Random, text: &str) -> String {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let at = random.below(lines.len());
        match random.below(5) {
            0 => lines[at].insert(0, ' '),
            1 if lines[at].starts_with(' ') => {
                lines[at].remove(0);
            }
            2 => {
                lines.remove(at);
            }
            3 => lines.insert(at, lines[at].clone()),
            _ => {
                let c = random.pick(&[":", " ", "-", "#", "'", "\"", "\t", "\u{e9}", " #"]);
                let mut place = random.below(lines[at].len() + 1);
                while !lines[at].is_char_boundary(place) {
                    place -= 1;
                }
                lines[at].insert_str(place, c);
            }
        }
        lines.join("\n") + "\n"
    }

    #[test]
    fn random_texts_read_alike_or_are_left_to_yaml_rust2() {
        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        let (mut texts, mut taken, mut taken_mutated) = (0, 0, 0);
        for round in 0..6000 {
            let mut text = String::new();
            for _ in 0..1 + random.below(3) {
                out_entry(&mut random, &mut text);
            }
            let mutated = round % 3 == 2;
            if mutated {
                text = mutate(&mut random, &text);
            }
            texts += 1;
            if agrees(&text) {
                taken += 1;
                taken_mutated += usize::from(mutated);
            }
        }
        // Enough of them inside the subset for the comparison to mean something.
        assert!(taken * 10 > texts, "{taken} of {texts} read");
        assert!(taken_mutated > 100, "{taken_mutated} mutated texts read");
    }

    /// A top-level entry.
    fn out_entry(random: &mut Random, out: &mut String) {
        out.push_str(&format!("{}:", any_key(random)));
        entry_value(random, out, 0, 0);
    }
}
