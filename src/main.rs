//! `synth`: the command-line shell over the sagesynth library.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Parser, ValueEnum};

use sagesynth::diagnostic::Diagnostic;
use sagesynth::output::{self, OutputFile};
use sagesynth::stacks;
use sagesynth::synth::{self, Format, SynthError, Synthesis};
use sagesynth::validate::Severity;

const EXAMPLES: &str = "\
Examples:
  synth --stack studio-private                  template (JSON) on stdout
  synth --stack studio-private --format yaml    the same as YAML
  synth --file my-stack.yaml                    any definition file
  synth --all --out out/                        every stack in stacks/, written atomically
  synth --all --out out/ --check                CI: exit 1 if out/ is stale
  synth --list                                  the stacks and what they are

Exit codes: 0 success; 1 the template breaks a rule (security, limits, references)
or --check found differences; 2 usage or input error (nothing is written).";

/// Synthesizes deterministic CloudFormation templates for secure SageMaker environments
/// from the stack definitions in stacks/.
#[derive(Parser, Debug)]
#[command(name = "synth", version, after_help = EXAMPLES)]
#[command(group(ArgGroup::new("what").args(["stack", "file", "all", "list"]).required(true)))]
struct Cli {
    /// Synthesize the stack defined in <STACKS_DIR>/<NAME>.yaml.
    #[arg(long, value_name = "NAME")]
    stack: Option<String>,

    /// Synthesize the definition in this file.
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,

    /// Synthesize every stack in the stacks folder (needs --out).
    #[arg(long)]
    all: bool,

    /// List the stacks in the stacks folder with their descriptions.
    #[arg(long)]
    list: bool,

    /// Folder holding the stack definitions.
    #[arg(long, value_name = "DIR", default_value = "stacks")]
    stacks_dir: PathBuf,

    /// Write <DIR>/<NAME>.template.<json|yaml> instead of printing; each file is replaced
    /// atomically, and nothing is written if any stack fails.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// With --out: write nothing; compare with the files in DIR and exit 1 listing those
    /// that differ, are missing, or belong to no stack.
    #[arg(long, requires = "out")]
    check: bool,

    /// Template format.
    #[arg(long, value_enum, default_value_t = FormatArg::Json)]
    format: FormatArg,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Json,
    Yaml,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Json => Format::Json,
            FormatArg::Yaml => Format::Yaml,
        }
    }
}

const OK: u8 = 0;
const RULE_BROKEN: u8 = 1;
const INPUT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(run(&cli))
}

fn run(cli: &Cli) -> u8 {
    if cli.list {
        return list(&cli.stacks_dir);
    }
    if cli.all && cli.out.is_none() {
        eprintln!("error: --all writes one file per stack; add --out DIR");
        return INPUT_ERROR;
    }
    let format = Format::from(cli.format);

    let paths: Vec<PathBuf> = if let Some(file) = &cli.file {
        vec![file.clone()]
    } else if let Some(name) = &cli.stack {
        match synth::find_stack(&cli.stacks_dir, name) {
            Ok(path) => vec![path],
            Err(d) => return input_error(&d),
        }
    } else {
        match synth::discover(&cli.stacks_dir) {
            Ok(found) if found.is_empty() => {
                eprintln!(
                    "error: {} holds no *.yaml stack definitions",
                    cli.stacks_dir.display()
                );
                return INPUT_ERROR;
            }
            Ok(found) => found.into_iter().map(|(_, p)| p).collect(),
            Err(d) => return input_error(&d),
        }
    };

    // Synthesize everything before writing anything.
    let mut results = Vec::new();
    let mut status = OK;
    for path in &paths {
        match synth::synthesize_file(path, format) {
            Ok(s) => results.push(s),
            Err(e @ SynthError::Input(_)) => {
                eprint!("{e}");
                status = status.max(INPUT_ERROR);
            }
            Err(e) => {
                eprintln!("{e}");
                status = status.max(RULE_BROKEN);
            }
        }
    }
    for s in &results {
        report_findings(s);
        if s.has_errors() {
            status = status.max(RULE_BROKEN);
        }
    }
    if status != OK {
        if status == INPUT_ERROR || cli.out.is_some() {
            eprintln!("nothing was written");
        }
        return if status == INPUT_ERROR {
            INPUT_ERROR
        } else {
            RULE_BROKEN
        };
    }

    let Some(out) = &cli.out else {
        let mut stdout = std::io::stdout().lock();
        for s in &results {
            if stdout.write_all(s.body.as_bytes()).is_err() {
                return RULE_BROKEN;
            }
        }
        return OK;
    };
    let files: Vec<OutputFile> = results
        .iter()
        .map(|s| OutputFile {
            name: s.file_name(format),
            body: s.body.clone(),
        })
        .collect();
    if cli.check {
        check(out, &files, cli.all)
    } else {
        match output::write_all(out, &files) {
            Ok(written) => {
                for path in written {
                    eprintln!("wrote {}", path.display());
                }
                OK
            }
            Err(e) => {
                eprintln!("error: cannot write to {}: {e}", out.display());
                INPUT_ERROR
            }
        }
    }
}

fn check(out: &Path, files: &[OutputFile], complete: bool) -> u8 {
    match output::check(out, files, complete) {
        Ok(report) if report.is_clean() => {
            eprintln!(
                "{} template(s) in {} are up to date",
                files.len(),
                out.display()
            );
            OK
        }
        Ok(report) => {
            for name in &report.differ {
                eprintln!("differs: {}", out.join(name).display());
            }
            for name in &report.missing {
                eprintln!("missing: {}", out.join(name).display());
            }
            for name in &report.extra {
                eprintln!("extra (no stack defines it): {}", out.join(name).display());
            }
            eprintln!(
                "{} is stale: run `synth --all --out {}` and commit the result",
                out.display(),
                out.display()
            );
            RULE_BROKEN
        }
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", out.display());
            INPUT_ERROR
        }
    }
}

fn report_findings(s: &Synthesis) {
    for f in &s.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        eprintln!(
            "{level}[{}]: {}: {}\n  --> {}",
            f.rule, s.name, f.message, f.location
        );
    }
}

fn input_error(d: &Diagnostic) -> u8 {
    eprint!("{d}");
    INPUT_ERROR
}

fn list(stacks_dir: &Path) -> u8 {
    let found = match synth::discover(stacks_dir) {
        Ok(found) => found,
        Err(d) => return input_error(&d),
    };
    let width = found.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, path) in &found {
        let description = match stacks::load_file(path, &path.display().to_string()) {
            Ok(stack) => stack.definition.description.unwrap_or_default(),
            Err(_) => format!("(invalid: run `synth --stack {name}` to see why)"),
        };
        println!("{name:width$}  {description}");
    }
    OK
}
