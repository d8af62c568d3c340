//! `synth --stack NAME | --file PATH | --all`: synthesize, report the findings, then print,
//! write (`--out`, `--prune`) or compare (`--check`). Nothing is written unless every
//! stack passes.

use std::path::Path;

use sagesynth::output::{self, Comparison, Staging};
use sagesynth::report::ReportFormat;
use sagesynth::synth::{self, Batch, Failure, Format, Selection};

use super::args::{FormatArg, ListFormat, SynthArgs};
use super::console::{self, Verbosity};
use super::{Outcome, check, list};

pub fn run(args: &SynthArgs) -> Outcome {
    if args.list {
        let format = match args.format {
            Some(FormatArg::Json) => ListFormat::Json,
            None => ListFormat::Text,
            Some(FormatArg::Yaml) => {
                console::say("error: --list prints text or JSON; --format yaml is for templates");
                return Outcome::UsageError;
            }
        };
        return list::run(&args.stacks_dir, format);
    }
    if args.all && args.out.is_none() {
        console::say("error: --all writes one file per stack; add --out DIR");
        return Outcome::UsageError;
    }
    if args.prune && !args.all {
        // Only a run over every definition knows every file that belongs in DIR.
        console::say("error: --prune deletes what no stack writes, so it needs --all");
        return Outcome::UsageError;
    }
    let template_format = args.format.unwrap_or(FormatArg::Json);
    let Some(format) = template_format.with_minify(args.minify) else {
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
            let message = format!(
                "error: {} holds no *.yaml or *.yml stack definitions",
                args.stacks_dir.display()
            );
            console::say(&message);
            return stopped_early(args, &message);
        }
        Ok(paths) => paths,
        Err(d) => {
            console::err(&d.to_string());
            return stopped_early(args, &d.to_string());
        }
    };
    for path in &paths {
        console::detail(&format!("reading {}", path.display()));
    }
    // `--out` writes or compares each template the moment it is judged, so that the run
    // never holds every template: nothing is in place until every stack has passed.
    match &args.out {
        None => {
            let batch = synth::synthesize_all(&paths, format);
            // The process ends soon: freeing the templates node by node took 6 % of a
            // 1,000-user run and bought nothing, since the system takes the memory back
            // at exit at once.
            let batch = std::mem::ManuallyDrop::new(batch);
            match judge(&batch, args, format) {
                Ok(_) => print(&batch, format),
                Err(outcome) => outcome,
            }
        }
        Some(out) if args.check => {
            let comparison = Comparison::new(out);
            let batch = synth::synthesize_all_into(&paths, format, &comparison);
            match judge(&batch, args, format) {
                Ok(names) => check::run(out, comparison, &names, args.all),
                Err(outcome) => outcome,
            }
        }
        Some(out) => {
            let staging = Staging::new(out);
            let batch = synth::synthesize_all_into(&paths, format, &staging);
            match judge(&batch, args, format) {
                Ok(names) => write(out, staging, &names, args.prune),
                Err(outcome) => outcome,
            }
        }
    }
}

/// Reports what the run found and says why nothing may be written, if anything stops
/// it; otherwise the names of the files the run writes, in order.
fn judge<T>(batch: &Batch<T>, args: &SynthArgs, format: Format) -> Result<Vec<String>, Outcome> {
    for e in &batch.errors {
        super::print_synth_error(e);
    }
    report(batch, args)?;
    if let Some(failure) = batch.failure() {
        if failure == Failure::Input || args.out.is_some() {
            console::say("nothing was written");
        }
        return Err(match failure {
            Failure::Input => Outcome::InputError,
            Failure::RuleBroken => Outcome::RuleBroken,
        });
    }
    for t in batch.templates() {
        console::detail(&format!(
            "made {}: {} resources, {} bytes",
            t.file_name(format),
            t.resource_count,
            t.body_len
        ));
    }
    Ok(batch.file_names(format))
}

/// A run that no definition was judged in (an unknown stack, an empty folder): an input
/// error, and a report that says so when one was asked for in a machine format or a file,
/// so a code-scanning upload does not read it as clean.
fn stopped_early(args: &SynthArgs, error: &str) -> Outcome {
    let format: ReportFormat = args.report.into();
    if format != ReportFormat::Text || args.report_file.is_some() {
        let text = synth::report_run::<synth::HandedOver>(format, &[], &[error.to_string()]);
        if let Err(outcome) = emit_report(&text, args) {
            return outcome;
        }
    }
    Outcome::InputError
}

/// The findings, on stderr or in `--report-file`. With `-q`, a text report on stderr that
/// holds no error is left out: it would list warnings only.
fn report<T>(batch: &Batch<T>, args: &SynthArgs) -> Result<(), Outcome> {
    let Some(text) = batch.report(args.report.into(), args.report_file.is_some()) else {
        return Ok(());
    };
    let text_on_stderr =
        args.report_file.is_none() && ReportFormat::from(args.report) == ReportFormat::Text;
    if text_on_stderr && console::verbosity() == Verbosity::Quiet && batch.failure().is_none() {
        return Ok(());
    }
    emit_report(&text, args)
}

fn emit_report(text: &str, args: &SynthArgs) -> Result<(), Outcome> {
    match &args.report_file {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            console::say(&format!(
                "error: cannot write the report to {}: {e}",
                path.display()
            ));
            Outcome::WriteFailed
        }),
        None => {
            console::err(text);
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
        if let Err(stopped) = console::out(s.body()) {
            return stopped.into();
        }
    }
    Outcome::Done
}

/// Puts every staged file in place; with `prune`, then deletes the templates no stack
/// wrote.
fn write(out: &Path, staging: Staging, names: &[String], prune: bool) -> Outcome {
    match staging.commit(names) {
        Ok(written) => {
            for path in written {
                console::info(&format!("wrote {}", path.display()));
            }
        }
        Err(e) => {
            console::say(&format!("error: cannot write to {}: {e}", out.display()));
            return Outcome::WriteFailed;
        }
    }
    if !prune {
        return Outcome::Done;
    }
    match output::prune(out, names) {
        Ok(deleted) => {
            for path in deleted {
                console::info(&format!("deleted {}", path.display()));
            }
            Outcome::Done
        }
        Err(e) => {
            console::say(&format!("error: cannot prune {}: {e}", out.display()));
            Outcome::WriteFailed
        }
    }
}
