//! What `synth` does when its output cannot be written, in every subcommand: a reader that
//! closed the pipe (`synth … | head -1`) ends the run quietly with exit 0 (a diff keeps its
//! verdict, 4 here: its exit code is its answer); any other write
//! error (`> /dev/full`) prints a message and exits 2.

mod support;

use std::process::{Command, Stdio};

use support::manifest_dir;

/// Every command that prints on stdout, run in the package root: the template, the
/// graph, a diff, an explanation, the rules, the listing, completions, the man page and
/// `--help`; and `--check`, which prints on stderr only.
const COMMANDS: &[&[&str]] = &[
    &["--stack", "studio-sso-onboarding"],
    &["graph", "--stack", "studio-private"],
    &[
        "diff",
        "out/studio-private.template.json",
        "out/studio-sso-onboarding.template.json",
    ],
    &["explain", "SM-DOMAIN-VPC-ONLY"],
    &["rules"],
    &["rules", "--format", "json"],
    &["--list"],
    &["--list", "--format", "json"],
    &["completions", "bash"],
    &["man"],
    &["--help"],
    &["--all", "--out", "out", "--check", "-q"],
];

/// Runs `synth ARGS` with `stdout` as its standard output; (exit code, stderr).
fn run_with_stdout(args: &[&str], stdout: Stdio) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_synth"))
        .args(args)
        .current_dir(manifest_dir())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("synth starts");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stderr).expect("UTF-8"),
    )
}

/// The reading end of a pipe is closed before `synth` starts, so its first write to
/// stdout meets EPIPE every time (no race with a reader that has not closed yet).
#[test]
fn a_closed_pipe_ends_quietly_with_exit_0() {
    let mut table = String::new();
    for args in COMMANDS {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let (code, stderr) = run_with_stdout(args, Stdio::from(writer));
        let stderr = stderr
            .lines()
            .filter(|l| !l.contains("CFN-LIMIT-INLINE-BODY") && !l.starts_with("  "))
            .filter(|l| !l.contains(": 0 error(s), 1 warning(s)"))
            .collect::<Vec<_>>()
            .join("\n");
        table.push_str(&format!(
            "synth {} → exit {code}; stderr: {stderr:?}\n",
            args.join(" ")
        ));
    }
    insta::assert_snapshot!(table);
}

/// `/dev/full` accepts the open and refuses every write with ENOSPC.
#[cfg(target_os = "linux")]
#[test]
fn any_other_write_error_prints_a_message_and_exits_2() {
    let mut table = String::new();
    for args in COMMANDS {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let (code, stderr) = run_with_stdout(args, Stdio::from(full));
        let message: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        table.push_str(&format!(
            "synth {} → exit {code}; {message:?}\n",
            args.join(" ")
        ));
    }
    insta::assert_snapshot!(table);
}
