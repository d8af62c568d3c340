//! One on-start script from several sources: script fragments that constructs generate
//! (idle stop, package configuration, ...) followed by a main script (a definition's
//! Studio lifecycle script, the shared-role notebook identity script). A notebook
//! instance or a Studio app runs exactly one lifecycle script per start, so everything
//! that has to happen at a start must be in that one script; composing it here keeps
//! each piece in one place instead of each construct pasting its code into the others.
//!
//! A script without fragments is the main script, byte for byte: adding the mechanism
//! changes no template that uses none.

use crate::resources::sagemaker::MAX_LIFECYCLE_CONTENT;

use super::ConstructError;

/// A piece of generated on-start work: bash without a `#!` line, run in a subshell of
/// its own with `set -euo pipefail`, so a failing fragment fails the start (SageMaker then
/// reports the lifecycle failure) instead of leaving a half-configured instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptFragment {
    /// What the fragment does, in a few words (`idle stop`); a comment line of the
    /// composed script names it.
    pub name: String,
    /// The bash commands.
    pub body: String,
}

impl ScriptFragment {
    /// A fragment; its body may not start with a `#!` line (the composed script has one).
    pub fn new(
        name: impl Into<String>,
        body: impl Into<String>,
    ) -> Result<ScriptFragment, ConstructError> {
        let (name, body) = (name.into(), body.into());
        if body.starts_with("#!") || name.contains('\n') || name.trim().is_empty() {
            return Err(ConstructError::Invalid(format!(
                "script fragment `{name}`: it needs a one-line name and a body without a `#!` line"
            )));
        }
        Ok(ScriptFragment { name, body })
    }
}

/// The options a main script's `#!` line sets (`#!/bin/bash -e` → `set -e`), and for a
/// `sh` script bash's POSIX mode, so that it behaves as it would on its own.
fn main_options(first_line: &str) -> Result<Vec<String>, ConstructError> {
    let line = first_line
        .strip_prefix("#!")
        .ok_or_else(|| ConstructError::Invalid("the main script has no `#!` line".into()))?;
    let mut words = line.split_whitespace();
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let mut interpreter = words.next().map(base).unwrap_or_default();
    if interpreter == "env" {
        interpreter = words.next().map(base).unwrap_or_default();
    }
    let mut options = Vec::new();
    match interpreter.as_str() {
        "bash" => {}
        "sh" => options.push("set -o posix".to_string()),
        other => {
            return Err(ConstructError::Invalid(format!(
                "the main script runs with `{other}`; only bash and sh scripts can be combined with generated fragments"
            )));
        }
    }
    for word in words {
        let plain = word.len() > 1
            && word.starts_with('-')
            && word[1..].chars().all(|c| c.is_ascii_alphabetic());
        if !plain {
            return Err(ConstructError::Invalid(format!(
                "the main script's `#!` line has the argument `{word}`, which cannot be carried into a combined script"
            )));
        }
        options.push(format!("set {word}"));
    }
    Ok(options)
}

/// The on-start script: `fragments` in order, then `main` (a complete script with its own
/// `#!` line). With no fragment it is `main` unchanged; with no main and no fragment there
/// is no script. The result is checked against SageMaker's 16,384 base64 characters.
pub fn compose(
    fragments: &[ScriptFragment],
    main: Option<&str>,
) -> Result<Option<String>, ConstructError> {
    let script = match (fragments.is_empty(), main) {
        (true, None) => return Ok(None),
        (true, Some(main)) => main.to_string(),
        (false, main) => {
            // `set -e` of the outer shell stops the start when a part fails. The parts'
            // subshells must not stand in a `||` list: bash ignores `set -e` inside one.
            let mut out = String::from("#!/bin/bash\n");
            out.push_str(
                "# Composed by sagesynth: each generated part runs in a subshell of its own and\n\
                 # stops the start when it fails; the main script, if any, runs last.\n\
                 set -e\n",
            );
            for fragment in fragments {
                out.push_str(&format!(
                    "\n# --- {} (generated) ---\n(\nset -euo pipefail\n{}\n)\n",
                    fragment.name,
                    fragment.body.trim_end()
                ));
            }
            if let Some(main) = main {
                let (first, rest) = main.split_once('\n').unwrap_or((main, ""));
                // The main script starts from bash's defaults, as it would on its own.
                out.push_str("\n# --- main script ---\n(\nset +e\n");
                for option in main_options(first)? {
                    out.push_str(&option);
                    out.push('\n');
                }
                out.push_str(rest.trim_end());
                out.push_str("\n)\n");
            }
            out
        }
    };
    let base64_len = script.len().div_ceil(3) * 4;
    if base64_len > MAX_LIFECYCLE_CONTENT {
        return Err(ConstructError::Invalid(format!(
            "the on-start script is {base64_len} characters of base64; SageMaker takes at most {MAX_LIFECYCLE_CONTENT}"
        )));
    }
    Ok(Some(script))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragment(name: &str, body: &str) -> ScriptFragment {
        ScriptFragment::new(name, body).unwrap()
    }

    #[test]
    fn without_fragments_the_main_script_is_unchanged() {
        let main = "#!/bin/sh\necho hi\n";
        assert_eq!(compose(&[], Some(main)).unwrap().as_deref(), Some(main));
        assert_eq!(compose(&[], None).unwrap(), None);
    }

    #[test]
    fn fragments_run_first_each_in_a_failing_subshell_then_the_main_script() {
        let script = compose(
            &[fragment("a", "echo a\n"), fragment("b", "echo b")],
            Some("#!/bin/bash -e\necho main\n"),
        )
        .unwrap()
        .unwrap();
        assert!(script.starts_with("#!/bin/bash\n"), "{script}");
        let a = script.find("(\nset -euo pipefail\necho a\n)\n").unwrap();
        let b = script.find("(\nset -euo pipefail\necho b\n)\n").unwrap();
        let main = script.find("(\nset +e\nset -e\necho main\n)\n").unwrap();
        assert!(a < b && b < main, "{script}");
        let sh = compose(&[fragment("a", "true")], Some("#!/usr/bin/env sh\ntrue"))
            .unwrap()
            .unwrap();
        assert!(sh.ends_with("(\nset +e\nset -o posix\ntrue\n)\n"), "{sh}");
    }

    #[test]
    fn the_composed_script_runs_and_a_failing_fragment_stops_it() {
        let run = |script: &str| {
            std::process::Command::new("bash")
                .arg("-c")
                .arg(script)
                .output()
                .unwrap()
        };
        let ok = compose(&[fragment("a", "echo a")], Some("#!/bin/bash\necho main\n"))
            .unwrap()
            .unwrap();
        let out = run(&ok);
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a\nmain\n");
        let failing = compose(
            &[fragment("a", "false\necho after"), fragment("b", "echo b")],
            Some("#!/bin/bash\necho main\n"),
        )
        .unwrap()
        .unwrap();
        let out = run(&failing);
        assert!(!out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout), "");
        let main_keeps_going = compose(
            &[fragment("a", "true")],
            Some("#!/bin/bash\nfalse\necho main\n"),
        )
        .unwrap()
        .unwrap();
        let out = run(&main_keeps_going);
        assert!(
            out.status.success(),
            "a main script without -e goes on after a failure"
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "main\n");
    }

    #[test]
    fn unusable_pieces_are_refused() {
        assert!(ScriptFragment::new("x", "#!/bin/bash\ntrue").is_err());
        assert!(ScriptFragment::new("a\nb", "true").is_err());
        assert!(compose(&[fragment("a", "true")], Some("echo no shebang")).is_err());
        assert!(compose(&[fragment("a", "true")], Some("#!/usr/bin/python3\n")).is_err());
        assert!(compose(&[fragment("a", "true")], Some("#!/bin/bash -o pipefail\n")).is_err());
    }

    #[test]
    fn a_script_over_sagemakers_limit_is_refused() {
        let fits = MAX_LIFECYCLE_CONTENT / 4 * 3;
        let main = format!("#!/bin/bash\n{}", "#".repeat(fits - 12));
        assert!(compose(&[], Some(&main)).is_ok());
        let err = compose(&[], Some(&format!("{main}#"))).unwrap_err();
        assert!(err.to_string().contains("at most 16384"), "{err}");
        let err = compose(&[fragment("a", "true")], Some(&main)).unwrap_err();
        assert!(err.to_string().contains("at most 16384"), "{err}");
    }
}
