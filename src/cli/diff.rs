//! `synth diff`: what a template change does to a deployed stack, for two files or for
//! every stack against the templates committed at a git revision (`--base`).

use std::io::IsTerminal;
use std::path::Path;

use sagesynth::diff::base::{self, DefinitionsAt};
use sagesynth::diff::{self, TemplateDiff, Verdict};
use sagesynth::stacks;
use sagesynth::synth::{self, Format, Selection, SynthError, Synthesis};

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

/// Each stack's templates at `rev` against what it synthesizes now; the repository is
/// the working directory. The old side is the template committed in `--out` at `rev`;
/// where there is none (a repository that does not commit its build output), the
/// definition as committed at `rev`, synthesized now; where neither exists, nothing (a
/// new stack). Which one was used is said on stderr for each stack.
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
    // Read at the first stack whose template is not committed, and kept for the rest.
    let mut definitions: Option<DefinitionsAt> = None;
    let mut worst = Verdict::NoChange;
    for path in paths {
        let synthesis = synthesize(synth::synthesize_file(&path, Format::Json))?;
        let name = synthesis.name.clone();
        let committed =
            base::committed_templates(repo, rev, &args.out, &name).map_err(|e| error(&e))?;
        let then = match committed {
            Some(templates) => {
                let file = format!("{}/{name}.template.json", args.out.trim_end_matches('/'));
                console::info(&format!("{name}: compared with {file} at {rev}"));
                templates
            }
            None => {
                if definitions.is_none() {
                    definitions = Some(
                        DefinitionsAt::read(repo, rev, &args.stacks_dir).map_err(|e| error(&e))?,
                    );
                }
                let at = definitions.as_ref().expect("read above");
                match at.definition(&path) {
                    Some(copy) => {
                        let display = format!("{} as of {rev}", path.display());
                        let stack = stacks::load_file(&copy, &display)
                            .map_err(|e| synth_failed(&SynthError::Input(e)))?;
                        let old = synthesize(synth::synthesize(&stack, Format::Json))?;
                        console::info(&format!(
                            "{name}: {} is not committed at {rev}; synthesized {} as of {rev}",
                            format_args!("{}/{name}.template.json", args.out.trim_end_matches('/')),
                            path.display()
                        ));
                        old.json_templates()
                    }
                    None => {
                        console::info(&format!(
                            "{name}: neither {}/{name}.template.json nor {} is committed at \
                             {rev}: a new stack, every resource is added",
                            args.out.trim_end_matches('/'),
                            path.display()
                        ));
                        Vec::new()
                    }
                }
            }
        };
        for (template, old, new) in base::pair(synthesis.json_templates(), then) {
            out(&header(&template, rev, args.format))?;
            worst = worst.max(print(&diff::diff(&old, &new), args.format)?);
            out("\n")?;
        }
    }
    Ok(Outcome::Diff(worst))
}

/// A synthesis, or its error printed: whatever stops a definition, its diff cannot be
/// told (exit 2).
fn synthesize(result: Result<Synthesis, SynthError>) -> Result<Synthesis, Outcome> {
    result.map_err(|e| synth_failed(&e))
}

fn synth_failed(e: &SynthError) -> Outcome {
    super::print_synth_error(e);
    Outcome::InputError
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
