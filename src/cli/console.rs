//! Every byte `synth` prints goes through here (clap's usage, help and version text
//! included, through [`clap_error`]), so what a failed write means is decided in this
//! file, once for every command:
//!
//! - stdout closed by its reader (`synth rules | head -1`: `EPIPE`) is how a pipeline
//!   says it has read enough, not a failure: the command stops quietly with exit 0, as
//!   ripgrep and the coreutils do;
//! - any other write error (`> /dev/full`, a vanished disk) means the output the user
//!   asked for is missing or cut short: a message on stderr and exit 2, so no script
//!   mistakes a truncated template for a complete one;
//! - stderr itself is the channel of last resort: when even it cannot be written there is
//!   nowhere left to say so, and the exit code alone tells what happened.
//!
//! How much is said on stderr follows `-q`/`-v` ([`Verbosity`]).

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicU8, Ordering};

use super::Outcome;

/// How much `synth` says on stderr besides errors and the findings report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: errors and error-level findings only; no progress lines (`wrote …`, `… are
    /// up to date`, `deleted …`) and no warnings in the text report.
    Quiet = 0,
    /// The default: errors, findings, and one line per file written or deleted.
    Normal = 1,
    /// `-v`: also each definition read and each template made, with its resource count
    /// and size in bytes.
    Verbose = 2,
}

static VERBOSITY: AtomicU8 = AtomicU8::new(Verbosity::Normal as u8);

/// Sets how much the rest of the run says; `main` calls it once, from `-q`/`-v`.
pub fn set_verbosity(v: Verbosity) {
    VERBOSITY.store(v as u8, Ordering::Relaxed);
}

/// The verbosity set by [`set_verbosity`].
pub fn verbosity() -> Verbosity {
    match VERBOSITY.load(Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

/// Why a command stopped writing stdout: the [`Outcome`] it ends with (exit 0 for a
/// closed pipe, [`Outcome::WriteFailed`] otherwise, its message already printed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped(pub Outcome);

impl From<Stopped> for Outcome {
    fn from(s: Stopped) -> Outcome {
        s.0
    }
}

/// Writes `text` to stdout and flushes it, so that an error is seen here and not lost in
/// the flush at exit.
pub fn out(text: &str) -> Result<(), Stopped> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| stopped(&e, "standard output"))
}

/// What a failed write to `what` ends the command with (see the module documentation).
pub fn stopped(e: &std::io::Error, what: &str) -> Stopped {
    if e.kind() == ErrorKind::BrokenPipe {
        return Stopped(Outcome::Done);
    }
    say(&format!("error: cannot write to {what}: {e}"));
    Stopped(Outcome::WriteFailed)
}

/// Writes `text` to stderr.
pub fn err(text: &str) {
    if let Err(e) = std::io::stderr().lock().write_all(text.as_bytes()) {
        unreportable(&e);
    }
}

/// A failed write to stderr: there is nowhere left to report it (see the module
/// documentation), so it is dropped here, in one visible place.
fn unreportable(_: &std::io::Error) {}

/// Writes one line to stderr.
pub fn say(line: &str) {
    err(&format!("{line}\n"));
}

/// A progress line (`wrote …`): hidden by `-q`.
pub fn info(line: &str) {
    if verbosity() >= Verbosity::Normal {
        say(line);
    }
}

/// A detail line: shown with `-v` only.
pub fn detail(line: &str) {
    if verbosity() >= Verbosity::Verbose {
        say(line);
    }
}

/// Prints clap's usage error, help or version text where clap directs it, with the same
/// rules for a failed write as every other output.
pub fn clap_error(e: &clap::Error) -> Result<(), Stopped> {
    let printed = e.print().and_then(|()| {
        if e.use_stderr() {
            Ok(())
        } else {
            std::io::stdout().flush()
        }
    });
    match printed {
        Ok(()) => Ok(()),
        Err(io) if e.use_stderr() => {
            unreportable(&io);
            Ok(())
        }
        Err(io) => Err(stopped(&io, "standard output")),
    }
}
