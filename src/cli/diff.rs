//! `synth diff`: what a template change does to a deployed stack, for two files or for
//! every stack against the templates committed at a git revision (`--base`).

use std::io::IsTerminal;
use std::path::Path;

use sagesynth::diff::{self, TemplateDiff, Verdict, base};
use sagesynth::synth::{self, Format, Selection};

use super::args::{DiffArgs, DiffFormat};
use super::{Outcome, console};

pub fn run(args: &DiffArgs) -> Outcome {
    match (&args.old, &args.new, &args.base) {
        (Some(old), Some(new), _) => files(old, new, args.format),
        (_, _, Some(rev)) => against_base(rev, args),
        _ => {
            console::say("error: give OLD and NEW templates, or --base GIT_REF");
            Outcome::UsageError
        }
    }
}

/// Two templates, either of them `-` (stdin): a note on stderr for each that had to be
/// unwrapped, so that what was compared is never in doubt.
fn files(old: &Path, new: &Path, format: DiffFormat) -> Outcome {
    let stdin = Path::new("-");
    if old == stdin && new == stdin {
        console::say("error: only one of OLD and NEW can be `-` (stdin)");
        return Outcome::UsageError;
    }
    let (a, b) = match (diff::read_template(old), diff::read_template(new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return error(&e),
    };
    for note in [&a.unwrapped, &b.unwrapped].into_iter().flatten() {
        console::info(&format!("note: {note}"));
    }
    match print(&diff::diff(&a.template, &b.template), format) {
        Ok(verdict) => Outcome::Diff(verdict),
        Err(outcome) => outcome,
    }
}

/// Each stack's templates committed in `--out` at `rev` against what it synthesizes now;
/// the repository is the working directory.
fn against_base(rev: &str, args: &DiffArgs) -> Outcome {
    match diff_base(rev, args) {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

/// [`against_base`], with every early end (an input error, a failed write) as `Err`.
fn diff_base(rev: &str, args: &DiffArgs) -> Result<Outcome, Outcome> {
    let selection = match &args.stack {
        Some(name) => Selection::Stack(name),
        None => Selection::All,
    };
    let paths = synth::select(&args.stacks_dir, selection).map_err(|d| super::input_error(&d))?;
    let repo = Path::new(".");
    let mut worst = Verdict::NoChange;
    for path in paths {
        let synthesis = match synth::synthesize_file(&path, Format::Json) {
            Ok(s) => s,
            Err(e) => {
                // Whatever stops a definition, its diff cannot be told: exit 2.
                super::print_synth_error(&e);
                return Err(Outcome::InputError);
            }
        };
        let now = synthesis.json_templates();
        let templates = base::templates_to_compare(repo, rev, &args.out, &synthesis.name, now)
            .map_err(|e| error(&e))?;
        for (name, now) in &templates {
            let d = base::diff_with_committed(repo, rev, &args.out, name, now)
                .map_err(|e| error(&e))?;
            out(&header(name, rev, args.format))?;
            worst = worst.max(print(&d, args.format)?);
            out("\n")?;
        }
    }
    Ok(Outcome::Diff(worst))
}

fn header(name: &str, rev: &str, format: DiffFormat) -> String {
    match format {
        DiffFormat::Markdown => format!("### `{name}` ({rev} → working tree)\n\n"),
        DiffFormat::Text => format!("== {name} ({rev} → working tree)\n"),
    }
}

/// Prints the diff; colours only on a terminal, and not with `NO_COLOR` set.
fn print(d: &TemplateDiff, format: DiffFormat) -> Result<Verdict, Outcome> {
    let text = match format {
        DiffFormat::Markdown => diff::render_markdown(d),
        DiffFormat::Text => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            diff::render_text(d, colour)
        }
    };
    out(&text)?;
    Ok(d.verdict())
}

/// Writes to stdout. A reader that closed the pipe (`synth diff … | head`) does not
/// change the verdict: the exit code of a diff is its answer (3, 4: a replacement, data
/// loss), known before a byte is printed, so it is kept rather than turned into 0.
/// Any other write error ends the command ([`Outcome::WriteFailed`]).
fn out(text: &str) -> Result<(), Outcome> {
    match console::out(text) {
        Ok(()) | Err(console::Stopped(Outcome::Done)) => Ok(()),
        Err(stopped) => Err(stopped.into()),
    }
}

fn error(message: &str) -> Outcome {
    console::say(&format!("error: {message}"));
    Outcome::InputError
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_template_of_a_base_diff_has_a_header() {
        assert_eq!(
            header("a.member", "main", DiffFormat::Text),
            "== a.member (main → working tree)\n"
        );
        assert_eq!(
            header("a", "HEAD~1", DiffFormat::Markdown),
            "### `a` (HEAD~1 → working tree)\n\n"
        );
    }
}
