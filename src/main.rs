//! `synth`: the command-line shell over the sagesynth library. [`cli`] holds the flags
//! and one module per command; this file parses, dispatches, and turns the outcome into
//! the exit code in one place ([`cli::Outcome::exit_code`]).

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::args::{Cli, Command};

/// Blocks from one region of huge pages once the run starts ([`cli::allocator`]).
#[global_allocator]
static ALLOCATOR: cli::allocator::RunAllocator = cli::allocator::RunAllocator;

fn main() -> ExitCode {
    let outcome = match Cli::try_parse() {
        Ok(cli) => {
            // Not for `--help`, `--version` or a usage error: a huge page costs its first
            // write some 0.5 ms here, more than such a run takes in all.
            cli::allocator::start();
            run(&cli)
        }
        Err(e) => cli::not_parsed(&e),
    };
    ExitCode::from(outcome.exit_code())
}

fn run(cli: &Cli) -> cli::Outcome {
    cli::set_verbosity(cli.quiet, cli.verbose);
    if let Err(e) = sagesynth::parallel::threads_variable() {
        cli::console::say(&format!("error: {e}"));
        return cli::Outcome::UsageError;
    }
    match &cli.command {
        None => cli::synthesize::run(&cli.synth),
        Some(Command::Rules { format }) => cli::rules::run(*format),
        Some(Command::Completions { shell }) => cli::manual::completions(*shell),
        Some(Command::Man) => cli::manual::man(),
        Some(Command::Explain { rule }) => cli::explain::run(rule),
        Some(Command::Diff(args)) => cli::diff::run(args),
        Some(Command::Graph(args)) => cli::graph::run(args),
    }
}
