//! `synth completions SHELL` and `synth man`: generated from the same clap model as
//! `--help`, so they can never list a flag the binary lacks. The man page is a
//! subcommand rather than a build step: a build script would write it into `target/`,
//! where an installed binary (`cargo install`) cannot find it, while `synth man` works
//! wherever the binary does and a release packs its output.

use clap::CommandFactory;

use super::args::Cli;
use super::{Outcome, console};

/// The completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> Outcome {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "synth", &mut buffer);
    super::printed(console::out(&String::from_utf8_lossy(&buffer)))
}

/// The manual page, roff, on stdout.
pub fn man() -> Outcome {
    let mut buffer = Vec::new();
    match clap_mangen::Man::new(Cli::command()).render(&mut buffer) {
        Ok(()) => super::printed(console::out(&String::from_utf8_lossy(&buffer))),
        Err(e) => {
            console::say(&format!("error: cannot render the manual page: {e}"));
            Outcome::WriteFailed
        }
    }
}
