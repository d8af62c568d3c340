//! Helpers shared by the integration tests; a test file includes them with `mod support;`.
//! [`stacks`]: the shipped definitions, and definitions loaded and synthesized in process;
//! [`bin`]: the real `synth` binary, run in a scratch project or the package root; here:
//! the templates of `out/`, and the external tools (`cfn-lint`, the AWS CLI,
//! `moto_server`), with [`cfn`] and [`moto`] for the deploy tests and [`iam_eval`] for
//! policies.
//!
//! The tools are Python packages pinned in `.ci/requirements.txt`; `bash .ci/tools.sh`
//! installs them into `.venv/` at the package root, where these helpers look first.
//!
//! Environment variables read here:
//! - `CI`: when set to anything non-empty other than `false`/`0`, a missing tool fails the
//!   test. Otherwise the test prints a SKIP notice and passes, so `cargo test` works on a
//!   machine without Python.
//! - `SAGESYNTH_TEMPLATES_DIR`: test the `*.template.json` files of this directory instead
//!   of `out/` (relative paths are relative to the package root). Meant for developing these
//!   tests against hand-written templates; unset, the shipped templates in `out/` are tested.

// Each test binary uses only some of the helpers.
#![allow(dead_code)]

pub mod bin;
pub mod cfn;
pub mod iam_eval;
pub mod ml_job;
pub mod moto;
pub mod stacks;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How to install the tools, quoted in every message about a missing one.
pub const INSTALL_HINT: &str = "bash .ci/tools.sh";

/// Environment variable that points the tests at another directory of templates.
pub const TEMPLATES_DIR_VAR: &str = "SAGESYNTH_TEMPLATES_DIR";

/// The package root (where Cargo.toml, `.venv/` and `out/` are).
pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// True when `CI` is set to anything non-empty other than `false` or `0`.
pub fn in_ci() -> bool {
    match std::env::var("CI") {
        Ok(v) => {
            let v = v.trim();
            !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false")
        }
        Err(_) => false,
    }
}

/// Writes a line to the real stderr, bypassing libtest's output capture (which swallows
/// `eprintln!` of passing tests), so skips and moto workarounds are always visible.
pub fn loud(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{msg}");
}

/// The virtual environments `.ci/tools.sh` installs, in the order they are searched:
/// `.venv/` (cfn-lint, the AWS CLI, moto, pytest) and `.venv-checkov/` (checkov, kept apart
/// because its dependency pins differ from cfn-lint's).
pub const VENVS: &[&str] = &[".venv", ".venv-checkov"];

/// Locates `name` (e.g. `cfn-lint`, `aws`, `moto_server`, `checkov`): first
/// `<venv>/bin/<name>` in the package root for each of [`VENVS`], then every directory of
/// `PATH`.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    for venv in VENVS {
        let candidate = manifest_dir().join(venv).join("bin").join(name);
        if is_executable(&candidate) {
            return Some(candidate);
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

/// Finds `name`, or decides what a test without it does. In CI a missing tool panics; on a
/// developer machine this prints a loud SKIP notice and returns `None`, and the test
/// returns early:
///
/// ```ignore
/// let Some(cfn_lint) = support::require_tool("cfn-lint", "cfn_lint") else { return };
/// ```
pub fn require_tool(name: &str, test: &str) -> Option<PathBuf> {
    if let Some(path) = find_tool(name) {
        return Some(path);
    }
    let msg = format!(
        "`{name}` was not found in .venv/bin/ nor on PATH; install the test tools with \
         `{INSTALL_HINT}` (from the repository root)"
    );
    skip(test, &msg);
    None
}

/// Environment variable naming a file to which every skip is appended, one line each;
/// `.ci/test` sets it and prints the file once at the end of the run, so a skip cannot
/// hide in the output of one test.
pub const SKIP_LOG_VAR: &str = "SAGESYNTH_SKIP_LOG";

/// Decides what a test that cannot run here does. In CI (see [`in_ci`]) it panics: after
/// `.ci/tools.sh` nothing may skip. Elsewhere it prints a loud SKIP notice, records it in
/// the skip log, and the caller returns early.
pub fn skip(test: &str, reason: &str) {
    if in_ci() {
        panic!("{reason}. CI is set, so a missing tool is a failure, not a skip.");
    }
    record_skip(test, reason);
}

/// Records a skip that is allowed even in CI: a tool no registry this project's machines
/// reach can provide (actionlint). Loud on stderr, and in the skip log.
pub fn record_skip(test: &str, reason: &str) {
    let bar = "!".repeat(78);
    loud(&format!("\n{bar}\nSKIP {test}: {reason}\n{bar}\n"));
    if let Some(log) = std::env::var_os(SKIP_LOG_VAR).filter(|v| !v.is_empty()) {
        let line = format!("SKIP {test}: {reason}\n");
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = appended {
            panic!(
                "cannot append to the skip log {}: {e}",
                Path::new(&log).display()
            );
        }
    }
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// The directory whose templates are tested: `out/`, or `$SAGESYNTH_TEMPLATES_DIR`.
pub fn templates_dir() -> PathBuf {
    match std::env::var_os(TEMPLATES_DIR_VAR) {
        Some(dir) if !dir.is_empty() => {
            let dir = manifest_dir().join(dir);
            loud(&format!(
                "NOTE: {TEMPLATES_DIR_VAR} is set: testing the templates in {} instead of out/",
                dir.display()
            ));
            dir
        }
        _ => manifest_dir().join("out"),
    }
}

/// Every `*.template.json` in the templates directory (see [`templates_dir`]), sorted.
/// Panics when there is none: an empty `out/` must not let the tests pass vacuously.
pub fn shipped_templates() -> Vec<PathBuf> {
    templates_in(&templates_dir())
}

/// Every `*.template.json` in `dir`, sorted. Panics when there is none.
pub fn templates_in(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
        panic!(
            "cannot read the templates directory {}: {e}; generate it with \
             `cargo run -- --all --out out`",
            dir.display()
        )
    });
    let mut templates: Vec<PathBuf> = entries
        .map(|entry| entry.expect("reading the templates directory").path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(OsStr::to_str)
                    .is_some_and(|n| n.ends_with(".template.json"))
        })
        .collect();
    templates.sort();
    assert!(
        !templates.is_empty(),
        "no *.template.json in {}: generate them with `cargo run -- --all --out out`",
        dir.display()
    );
    templates
}

/// Reads a template file and parses it as JSON.
pub fn read_template(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// `out/NAME.template.json` as committed at the package root (never
/// `$SAGESYNTH_TEMPLATES_DIR`), parsed.
pub fn out_template(name: &str) -> serde_json::Value {
    read_template(
        &manifest_dir()
            .join("out")
            .join(format!("{name}.template.json")),
    )
}

/// `out/studio-private.template.json` -> `studio-private`.
pub fn template_name(path: &Path) -> String {
    let file = path
        .file_name()
        .and_then(OsStr::to_str)
        .expect("template file name is UTF-8");
    file.strip_suffix(".template.json")
        .unwrap_or(file)
        .to_string()
}

/// Runs `cmd` to completion with stdin closed, capturing stdout and stderr. Panics if it
/// cannot start or has not finished after `timeout` (it is killed then), so a hung tool
/// fails the test instead of hanging it.
pub fn run_bounded(cmd: &mut Command, timeout: Duration) -> Output {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {shown}: {e}"));
    let mut out_pipe = child.stdout.take().expect("piped stdout");
    let mut err_pipe = child.stderr.take().expect("piped stderr");
    // Read both pipes while waiting, so a chatty child never blocks on a full pipe.
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for a child process") {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            let stdout = out_reader.join().unwrap_or_default();
            let stderr = err_reader.join().unwrap_or_default();
            panic!(
                "{shown} did not finish within {timeout:?} and was killed\n--- stdout ---\n{}\n\
                 --- stderr ---\n{}",
                String::from_utf8_lossy(&stdout),
                String::from_utf8_lossy(&stderr)
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
    }
}

/// Removes every `AWS_*` variable from `cmd`'s environment, so a developer's profile,
/// region, endpoint or credentials never leak into a test.
pub fn clear_aws_env(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("AWS_")) {
            cmd.env_remove(&key);
        }
    }
    cmd
}
