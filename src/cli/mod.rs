//! The `synth` command line: the flags in [`args`], one module per command, and
//! [`Outcome::exit_code`], the one table from what a command came to to the exit code.
//! Each command parses its arguments, calls the library and prints; the logic is in the
//! library.

pub mod allocator;
pub mod args;
mod check;
pub mod console;
pub mod diff;
pub mod explain;
pub mod graph;
mod list;
pub mod manual;
pub mod rules;
pub mod synthesize;

use sagesynth::diagnostic::Diagnostic;
use sagesynth::diff::Verdict;
use sagesynth::synth::SynthError;

/// What a command came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done as asked (`--help` and `--version` included).
    Done,
    /// A template breaks a rule, or a construct refused a definition (a bug): nothing is
    /// written.
    RuleBroken,
    /// `--check` found files that differ, are missing or belong to no stack.
    Stale,
    /// What the user asked for could not be written (stdout, `--report-file`): not the
    /// closed pipe of a reader that has read enough, which ends [`Outcome::Done`].
    WriteFailed,
    /// The command line makes no sense (clap's errors included).
    UsageError,
    /// A definition, template or folder is wrong, missing or unreadable.
    InputError,
    /// `synth diff` finished; the verdict of the worst template.
    Diff(Verdict),
}

impl Outcome {
    /// The process's exit code: the one place `synth` decides it.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Done | Outcome::Diff(Verdict::NoChange) => 0,
            Outcome::RuleBroken | Outcome::Stale => 1,
            Outcome::UsageError | Outcome::InputError | Outcome::WriteFailed => 2,
            Outcome::Diff(Verdict::Update) => 3,
            Outcome::Diff(Verdict::Replacement) => 4,
        }
    }
}

/// The command line could not be parsed, or asked for `--help` or `--version`: clap's
/// text on stdout or stderr as clap decides.
pub fn not_parsed(e: &clap::Error) -> Outcome {
    if let Err(stopped) = console::clap_error(e) {
        return stopped.into();
    }
    if e.use_stderr() {
        Outcome::UsageError
    } else {
        Outcome::Done
    }
}

/// Sets how much the run says on stderr from `-q`/`-v` (clap refuses both at once).
pub fn set_verbosity(quiet: bool, verbose: bool) {
    console::set_verbosity(match (quiet, verbose) {
        (true, _) => console::Verbosity::Quiet,
        (false, true) => console::Verbosity::Verbose,
        (false, false) => console::Verbosity::Normal,
    });
}

/// The outcome of a command whose last act was printing: done, or why it stopped.
fn printed(result: Result<(), console::Stopped>) -> Outcome {
    match result {
        Ok(()) => Outcome::Done,
        Err(stopped) => stopped.into(),
    }
}

fn input_error(d: &Diagnostic) -> Outcome {
    console::err(&d.to_string());
    Outcome::InputError
}

/// Prints why a definition could not be built.
fn print_synth_error(e: &SynthError) {
    match e {
        // An input error ends with its own newline.
        SynthError::Input(_) => console::err(&e.to_string()),
        SynthError::Construct { .. } => console::say(&e.to_string()),
    }
}

/// Prints why a definition could not be built: a wrong definition is an input error, a
/// construct that refuses a checked one a broken rule.
fn synth_failure(e: &SynthError) -> Outcome {
    print_synth_error(e);
    match e {
        SynthError::Input(_) => Outcome::InputError,
        SynthError::Construct { .. } => Outcome::RuleBroken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagesynth::diff::{TemplateDiff, diff};
    use sagesynth::json;

    #[test]
    fn every_outcome_has_the_documented_exit_code() {
        let codes: Vec<(Outcome, u8)> = [
            Outcome::Done,
            Outcome::RuleBroken,
            Outcome::Stale,
            Outcome::WriteFailed,
            Outcome::UsageError,
            Outcome::InputError,
            Outcome::Diff(Verdict::NoChange),
            Outcome::Diff(Verdict::Update),
            Outcome::Diff(Verdict::Replacement),
        ]
        .into_iter()
        .map(|o| (o, o.exit_code()))
        .collect();
        assert_eq!(
            codes.iter().map(|(_, c)| *c).collect::<Vec<u8>>(),
            [0, 1, 1, 2, 2, 2, 0, 3, 4]
        );
    }

    /// The library's `TemplateDiff::exit_code` (which tests use) says the same as `synth`.
    #[test]
    fn a_diff_exits_as_the_library_says() {
        let bucket = |name: &str| json!({"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}}}});
        let queue = json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}});
        let diffs: [TemplateDiff; 3] = [
            diff(&queue, &queue),
            diff(&json!({"Resources": {}}), &queue),
            diff(&bucket("a"), &bucket("b")),
        ];
        for (d, verdict) in
            diffs
                .iter()
                .zip([Verdict::NoChange, Verdict::Update, Verdict::Replacement])
        {
            assert_eq!(d.verdict(), verdict);
            assert_eq!(Outcome::Diff(d.verdict()).exit_code(), d.exit_code());
        }
    }

    #[test]
    fn help_and_version_succeed_and_a_bad_flag_is_a_usage_error() {
        use clap::Parser;
        for (argv, outcome) in [
            (&["synth", "--version"][..], Outcome::Done),
            (&["synth", "--format", "xml", "--all"], Outcome::UsageError),
        ] {
            let e = args::Cli::try_parse_from(argv).unwrap_err();
            assert_eq!(e.use_stderr(), outcome == Outcome::UsageError, "{argv:?}");
        }
    }
}
