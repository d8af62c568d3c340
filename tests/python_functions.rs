//! The Python code the templates embed (the Lambda functions of `src/constructs/functions/`)
//! passes its unit tests, and the event patterns of the shipped templates match their
//! sample events: runs `pytest tests/python -q` from the package root.
//!
//! Needs `pytest` (pinned in `.ci/requirements.txt`; `bash .ci/tools.sh` installs it, with
//! boto3/botocore, into `.venv/`). Without it the test is skipped, except in CI
//! (`CI=true`), where it fails. The Python tests stub every AWS call (botocore Stubber): no
//! network and no credentials; the `AWS_*` variables are removed all the same.

mod support;

use std::process::Command;
use std::time::Duration;

#[test]
fn python_function_tests_pass() {
    let Some(pytest) = support::require_tool("pytest", "python_functions") else {
        return;
    };
    let mut cmd = Command::new(&pytest);
    support::clear_aws_env(&mut cmd)
        .current_dir(support::manifest_dir())
        // No __pycache__ next to the embedded sources, no .pytest_cache in the tree.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args(["tests/python", "-q", "-p", "no:cacheprovider"]);
    let out = support::run_bounded(&mut cmd, Duration::from_secs(600));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // pytest exits 0 only when tests ran and all passed (5: none collected, 1: failures,
    // 2-4: interrupted, internal or usage error).
    assert!(
        out.status.success(),
        "pytest failed (exit status {:?}; 1 failures, 2 interrupted, 3 internal error, \
         4 usage error, 5 no tests collected)\ncommand: {cmd:?}\n--- pytest stdout ---\n\
         {stdout}\n--- pytest stderr ---\n{stderr}",
        out.status.code(),
    );
    let summary = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(
        summary.contains(" passed"),
        "pytest succeeded but reported no passed test: {summary:?}\n{stdout}"
    );
    println!("pytest: {summary}");
}
