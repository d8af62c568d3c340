//! `synth --stack NAME | --file PATH | --all`: synthesize, report the findings, then print,
//! write (`--out`) or compare (`--check`). Nothing is written unless every stack passes.

use std::path::Path;

use sagesynth::output::{self, OutputFile};
use sagesynth::synth::{self, Batch, Failure, Format, Selection};

use super::args::SynthArgs;
use super::{Outcome, check, console, list};

pub fn run(args: &SynthArgs) -> Outcome {
    if args.list {
        return list::run(&args.stacks_dir);
    }
    if args.all && args.out.is_none() {
        console::say("error: --all writes one file per stack; add --out DIR");
        return Outcome::UsageError;
    }
    let Some(format) = args.format.with_minify(args.minify) else {
        console::say("error: --minify compacts JSON; it cannot be used with --format yaml");
        console::say("  = help: drop --minify, or use --format json");
        return Outcome::UsageError;
    };
    let selection = match (&args.file, &args.stack) {
        (Some(file), _) => Selection::File(file),
        (None, Some(name)) => Selection::Stack(name),
        (None, None) => Selection::All,
    };
    let paths = match synth::select(&args.stacks_dir, selection) {
        Ok(paths) if paths.is_empty() => {
            console::say(&format!(
                "error: {} holds no *.yaml stack definitions",
                args.stacks_dir.display()
            ));
            return Outcome::InputError;
        }
        Ok(paths) => paths,
        Err(d) => return super::input_error(&d),
    };
    let batch = synth::synthesize_all(&paths, format);
    for e in &batch.errors {
        super::print_synth_error(e);
    }
    if let Err(outcome) = report(&batch, args) {
        return outcome;
    }
    if let Some(failure) = batch.failure() {
        if failure == Failure::Input || args.out.is_some() {
            console::say("nothing was written");
        }
        return match failure {
            Failure::Input => Outcome::InputError,
            Failure::RuleBroken => Outcome::RuleBroken,
        };
    }
    match &args.out {
        None => print(&batch, format),
        Some(out) if args.check => check::run(out, &batch.files(format), args.all),
        Some(out) => write(out, &batch.files(format)),
    }
}

/// The findings, on stderr or in `--report-file`.
fn report(batch: &Batch, args: &SynthArgs) -> Result<(), Outcome> {
    let Some(text) = batch.report(args.report.into(), args.report_file.is_some()) else {
        return Ok(());
    };
    match &args.report_file {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            console::say(&format!(
                "error: cannot write the report to {}: {e}",
                path.display()
            ));
            Outcome::InputError
        }),
        None => {
            console::err(&text);
            Ok(())
        }
    }
}

/// Every template on stdout; a definition with several templates needs `--out`.
fn print(batch: &Batch, format: Format) -> Outcome {
    if let Some(s) = batch.multi_template() {
        let names: Vec<String> = s.all().iter().map(|t| t.file_name(format)).collect();
        console::say(&format!(
            "error: stack `{}` produces {} templates ({}); add --out DIR to write them",
            s.name,
            names.len(),
            names.join(", ")
        ));
        return Outcome::UsageError;
    }
    for s in &batch.syntheses {
        if console::try_out(&s.body).is_err() {
            return Outcome::StdoutFailed;
        }
    }
    Outcome::Done
}

fn write(out: &Path, files: &[OutputFile]) -> Outcome {
    match output::write_all(out, files) {
        Ok(written) => {
            for path in written {
                console::say(&format!("wrote {}", path.display()));
            }
            Outcome::Done
        }
        Err(e) => {
            console::say(&format!("error: cannot write to {}: {e}", out.display()));
            Outcome::InputError
        }
    }
}
