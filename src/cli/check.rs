//! `synth --out DIR --check`: compare what would be written with what `DIR` holds.

use std::path::Path;

use sagesynth::output::{CheckReport, Comparison};

use super::{Outcome, console};

/// What `comparison` found of the templates `names`. With `complete` (`--all`), a template
/// in `out` that no stack writes is reported too.
pub fn run(out: &Path, comparison: Comparison, names: &[String], complete: bool) -> Outcome {
    match comparison.report(names, complete) {
        Ok(report) if report.is_clean() => {
            console::info(&format!(
                "{} template(s) in {} are up to date",
                names.len(),
                out.display()
            ));
            Outcome::Done
        }
        Ok(report) => {
            console::err(&stale(out, &report));
            Outcome::Stale
        }
        Err(e) => {
            console::say(&format!("error: cannot read {}: {e}", out.display()));
            Outcome::InputError
        }
    }
}

/// Each file that differs, is missing or belongs to no stack, and how to fix it.
fn stale(out: &Path, report: &CheckReport) -> String {
    let mut text = String::new();
    let mut line = |label: &str, name: &str| {
        text.push_str(&format!("{label}: {}\n", out.join(name).display()));
    };
    for name in &report.differ {
        line("differs", name);
    }
    for name in &report.missing {
        line("missing", name);
    }
    for name in &report.extra {
        line("extra (no stack defines it)", name);
    }
    // `--out` alone rewrites but never deletes: the leftovers need `--prune`, or the
    // advice would loop.
    let prune = if report.extra.is_empty() {
        ""
    } else {
        " --prune"
    };
    text.push_str(&format!(
        "{} is stale: run `synth --all --out {}{prune}` and commit the result\n",
        out.display(),
        out.display()
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_leftovers_the_advice_needs_no_prune() {
        let report = CheckReport {
            differ: vec!["a.template.json".into()],
            ..CheckReport::default()
        };
        let a = Path::new("out")
            .join("a.template.json")
            .display()
            .to_string();
        assert_eq!(
            stale(Path::new("out"), &report),
            format!(
                "differs: {a}\nout is stale: run `synth --all --out out` and commit the result\n"
            )
        );
    }

    #[test]
    fn a_stale_folder_lists_differing_then_missing_then_extra_files() {
        let report = CheckReport {
            differ: vec!["a.template.json".into()],
            missing: vec!["b.template.json".into(), "c.template.json".into()],
            extra: vec!["old.template.json".into()],
        };
        let out = Path::new("out");
        let a = out.join("a.template.json").display().to_string();
        let b = out.join("b.template.json").display().to_string();
        let c = out.join("c.template.json").display().to_string();
        let old = out.join("old.template.json").display().to_string();
        assert_eq!(
            stale(out, &report),
            format!(
                "differs: {a}\nmissing: {b}\nmissing: {c}\nextra (no stack defines it): {old}\nout is stale: run `synth --all --out out --prune` and commit the result\n"
            )
        );
    }
}
