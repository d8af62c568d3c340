//! `synth`: the command-line shell over the sagesynth library.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

use sagesynth::diagnostic::{Diagnostic, did_you_mean};
use sagesynth::output::{self, OutputFile};
use sagesynth::report::ReportFormat;
use sagesynth::stacks;
use sagesynth::synth::{self, Format, SynthError, Synthesis};
use sagesynth::validate::rules;

const EXAMPLES: &str = "\
Examples:
  synth --stack studio-private                  template (JSON) on stdout
  synth --stack studio-private --format yaml    the same as YAML
  synth --all --out out/ --minify               compact JSON, for pipelines that upload it
  synth --file my-stack.yaml                    any definition file
  synth --all --out out/                        every stack in stacks/, written atomically
  synth --all --out out/ --check                CI: exit 1 if out/ is stale
  synth --list                                  the stacks and what they are
  synth rules                                   every rule of the security pack
  synth explain IAM-PASSROLE-SCOPED             what a rule checks and how to fix it
  synth --all --out out/ --check --report sarif --report-file findings.sarif
  synth diff old.template.json out/studio-private.template.json --format markdown
  synth graph --stack studio-private            the stack as a Mermaid flowchart

Exit codes: 0 success; 1 the template breaks a rule (security, limits, references)
or --check found differences; 2 usage or input error (nothing is written).
synth diff: 0 no change; 3 changes without replacement (interruptions included); 4 a replacement or data-loss risk.";

/// Synthesizes deterministic CloudFormation templates for secure SageMaker environments
/// from the stack definitions in stacks/.
#[derive(Parser, Debug)]
#[command(name = "synth", version, after_help = EXAMPLES)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    synth: SynthArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List every rule of the security pack: id, severity and rationale.
    Rules,
    /// Explain one rule: why it matters, what it checks, how to fix a finding.
    Explain {
        /// A rule id, e.g. IAM-PASSROLE-SCOPED.
        rule: String,
    },
    /// Compare two templates: what is added, removed or modified, which changes replace a
    /// resource or interrupt it, and which risk data loss. Exit 0: no change; 3: changes
    /// without replacement (interruptions included); 4: a replacement or data-loss risk.
    #[command(group(ArgGroup::new("against").args(["old", "base"]).required(true)))]
    Diff {
        /// The template as it is deployed (JSON or YAML).
        #[arg(requires = "new")]
        old: Option<PathBuf>,
        /// The template to deploy.
        new: Option<PathBuf>,
        /// Instead of two files: compare each stack's template committed in <OUT> at this
        /// git revision with what the definitions synthesize now.
        #[arg(long, value_name = "GIT_REF", conflicts_with = "old")]
        base: Option<String>,
        /// With --base: only this stack.
        #[arg(long, value_name = "NAME", requires = "base")]
        stack: Option<String>,
        /// With --base: folder of the definitions.
        #[arg(long, value_name = "DIR", default_value = "stacks")]
        stacks_dir: PathBuf,
        /// With --base: folder of the committed templates.
        #[arg(long, value_name = "DIR", default_value = "out")]
        out: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Draw a stack as a Mermaid flowchart (on stdout): network, security-group rules,
    /// what each role may do, the Studio domain, functions and their events, data stores;
    /// grouped by the definition component that produced them.
    #[command(group(ArgGroup::new("which").args(["stack", "file"]).required(true)))]
    Graph {
        /// The stack defined in <STACKS_DIR>/<NAME>.yaml.
        #[arg(long, value_name = "NAME")]
        stack: Option<String>,
        /// The definition in this file.
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
        /// Folder holding the stack definitions.
        #[arg(long, value_name = "DIR", default_value = "stacks")]
        stacks_dir: PathBuf,
        /// Draw one of the definition's other templates instead (the SUFFIX of
        /// NAME.SUFFIX.template.json: `member`, `users-001`).
        #[arg(long, value_name = "SUFFIX")]
        template: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DiffFormat {
    Text,
    Markdown,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("what").args(["stack", "file", "all", "list"]).required(true)))]
struct SynthArgs {
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

    /// JSON without whitespace (with --format json only): the smallest body for CI
    /// pipelines that upload templates. Size limits are checked on what is written.
    #[arg(long)]
    minify: bool,

    /// Format of the rule findings (on stderr, or in --report-file).
    #[arg(long, value_enum, default_value_t = ReportArg::Text)]
    report: ReportArg,

    /// Write the findings report to this file instead of stderr.
    #[arg(long, value_name = "PATH")]
    report_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ReportArg {
    Text,
    Json,
    Sarif,
}

impl From<ReportArg> for ReportFormat {
    fn from(r: ReportArg) -> Self {
        match r {
            ReportArg::Text => ReportFormat::Text,
            ReportArg::Json => ReportFormat::Json,
            ReportArg::Sarif => ReportFormat::Sarif,
        }
    }
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

/// Writes a line to stderr. A closed pipe (`synth … 2>&1 | head`) is not an error
/// worth a panic, so write errors are ignored.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Writes text to stderr, ignoring a closed pipe.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

/// Writes a line to stdout, ignoring a closed pipe (`synth rules | head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

const OK: u8 = 0;
const RULE_BROKEN: u8 = 1;
const INPUT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(match &cli.command {
        Some(Command::Rules) => list_rules(),
        Some(Command::Explain { rule }) => explain(rule),
        Some(Command::Diff {
            old,
            new,
            base,
            stack,
            stacks_dir,
            out,
            format,
        }) => match (old, new, base) {
            (Some(old), Some(new), _) => diff(old, new, *format),
            (_, _, Some(base)) => diff_base(base, stack.as_deref(), stacks_dir, out, *format),
            _ => {
                say!("error: give OLD and NEW templates, or --base GIT_REF");
                INPUT_ERROR
            }
        },
        Some(Command::Graph {
            stack,
            file,
            stacks_dir,
            template,
        }) => graph(
            stack.as_deref(),
            file.as_deref(),
            stacks_dir,
            template.as_deref(),
        ),
        None => run(&cli.synth),
    })
}

fn list_rules() -> u8 {
    let catalogue = rules::catalogue();
    let width = catalogue.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in &catalogue {
        let severity = match r.severity {
            sagesynth::validate::Severity::Error => "error",
            sagesynth::validate::Severity::Warning => "warning",
        };
        out!("{:width$}  {severity:7}  {}", r.id, r.rationale);
    }
    out!(
        "\n{} rules; `synth explain RULE-ID` for details",
        catalogue.len()
    );
    OK
}

fn read_template(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .or_else(|_| serde_yaml_ng::from_str(&text))
        .map_err(|e| format!("{} is not a JSON or YAML template: {e}", path.display()))
}

fn diff(old: &Path, new: &Path, format: DiffFormat) -> u8 {
    let (a, b) = match (read_template(old), read_template(new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            say!("error: {e}");
            return INPUT_ERROR;
        }
    };
    print_diff(&sagesynth::diff::diff(&a, &b), format)
}

/// Each stack's committed template at `base` against what it synthesizes now.
fn diff_base(
    base: &str,
    only: Option<&str>,
    stacks_dir: &Path,
    out: &str,
    format: DiffFormat,
) -> u8 {
    let stacks: Vec<(String, PathBuf)> = match only {
        Some(name) => match synth::find_stack(stacks_dir, name) {
            Ok(path) => vec![(name.to_string(), path)],
            Err(d) => return input_error(&d),
        },
        None => match synth::discover(stacks_dir) {
            Ok(found) => found,
            Err(d) => return input_error(&d),
        },
    };
    let mut worst = OK;
    for (_, path) in stacks {
        let synthesis = match synth::synthesize_file(&path, Format::Json) {
            Ok(s) => s,
            Err(e) => {
                say_raw!("{e}");
                return INPUT_ERROR;
            }
        };
        // A definition's children (nested stacks, a StackSet's member) are diffed file by
        // file; a child committed at the base and gone now shows every resource removed.
        let mut templates: Vec<(String, serde_json::Value)> = synthesis
            .all()
            .iter()
            .map(|t| {
                let json = serde_json::from_str(&t.body).expect("synth writes JSON");
                (t.name.clone(), json)
            })
            .collect();
        match sagesynth::diff::base::committed_children(Path::new("."), base, out, &synthesis.name)
        {
            Ok(children) => {
                for child in children {
                    if !templates.iter().any(|(n, _)| *n == child) {
                        templates.push((child, serde_json::json!({"Resources": {}})));
                    }
                }
            }
            Err(e) => {
                say!("error: {e}");
                return INPUT_ERROR;
            }
        }
        for (name, now) in &templates {
            let then =
                match sagesynth::diff::base::committed_template(Path::new("."), base, out, name) {
                    Ok(t) => t.unwrap_or_else(|| serde_json::json!({"Resources": {}})),
                    Err(e) => {
                        say!("error: {e}");
                        return INPUT_ERROR;
                    }
                };
            let header = match format {
                DiffFormat::Markdown => format!("### `{name}` ({base} → working tree)\n\n"),
                DiffFormat::Text => format!("== {name} ({base} → working tree)\n"),
            };
            let _ = std::io::stdout().write_all(header.as_bytes());
            worst = worst.max(print_diff(&sagesynth::diff::diff(&then, now), format));
            let _ = std::io::stdout().write_all(b"\n");
        }
    }
    worst
}

fn print_diff(d: &sagesynth::diff::TemplateDiff, format: DiffFormat) -> u8 {
    let text = match format {
        DiffFormat::Markdown => sagesynth::diff::render_markdown(d),
        DiffFormat::Text => {
            use std::io::IsTerminal;
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            sagesynth::diff::render_text(d, colour)
        }
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    d.exit_code()
}

/// Draws what `synth` would write; a template that breaks a rule is never written, so it
/// is not drawn either.
fn graph(
    stack: Option<&str>,
    file: Option<&Path>,
    stacks_dir: &Path,
    template: Option<&str>,
) -> u8 {
    let path = match (file, stack) {
        (Some(file), _) => file.to_path_buf(),
        (None, Some(name)) => match synth::find_stack(stacks_dir, name) {
            Ok(path) => path,
            Err(d) => return input_error(&d),
        },
        (None, None) => {
            say!("error: give --stack NAME or --file PATH");
            return INPUT_ERROR;
        }
    };
    let synthesis = match synth::synthesize_file(&path, Format::Json) {
        Ok(s) => s,
        Err(e @ SynthError::Input(_)) => {
            say_raw!("{e}");
            return INPUT_ERROR;
        }
        Err(e) => {
            say!("{e}");
            return RULE_BROKEN;
        }
    };
    let all = synthesis.all();
    if all.iter().any(|s| s.has_errors()) {
        say_raw!("{}", synth::report(ReportFormat::Text, &all));
        say!("no graph: the template breaks a rule, so synth would not write it");
        return RULE_BROKEN;
    }
    let drawn = match template {
        None => &synthesis,
        Some(suffix) => {
            let name = format!("{}.{suffix}", synthesis.name);
            match all.iter().find(|t| t.name == name) {
                Some(child) => child,
                None => {
                    let suffixes: Vec<String> = all
                        .iter()
                        .skip(1)
                        .map(|t| t.name[synthesis.name.len() + 1..].to_string())
                        .collect();
                    if suffixes.is_empty() {
                        say!(
                            "error: stack `{}` has no template but its own; remove --template",
                            synthesis.name
                        );
                    } else {
                        let d = Diagnostic::new(
                            &synthesis.file,
                            format!("stack `{}` has no template `{suffix}`", synthesis.name),
                        )
                        .expected(format!("one of {}", suffixes.join(", ")));
                        let d = match did_you_mean(suffix, suffixes.iter().map(String::as_str)) {
                            Some(close) => d.help(format!("did you mean `{close}`?")),
                            None => d,
                        };
                        return input_error(&d);
                    }
                    return INPUT_ERROR;
                }
            }
        }
    };
    let _ = std::io::stdout().write_all(sagesynth::synth::mermaid(drawn).as_bytes());
    OK
}

fn explain(id: &str) -> u8 {
    let Some(r) = rules::find(id) else {
        say!("error: unknown rule `{id}`");
        let ids: Vec<&str> = rules::catalogue().iter().map(|r| r.id).collect();
        if let Some(close) = did_you_mean(id, ids.iter().copied()) {
            say!("  = help: did you mean `{close}`?");
        }
        say!("  = help: `synth rules` lists every rule");
        return INPUT_ERROR;
    };
    let severity = match r.severity {
        sagesynth::validate::Severity::Error => "error (exit code 1)",
        sagesynth::validate::Severity::Warning => "warning (printed; exit code 0 unless escalated)",
    };
    out!("{}\n", r.id);
    out!("severity:   {severity}");
    out!("applies to: {}", r.applies_to.join(", "));
    out!("why:        {}", r.rationale);
    out!("checks:     {}", r.checks);
    out!("fix:        {}", r.fix);
    let mut same = Vec::new();
    if !r.equivalents.cfn_lint.is_empty() {
        same.push(format!("cfn-lint {}", r.equivalents.cfn_lint.join(", ")));
    }
    if !r.equivalents.checkov.is_empty() {
        same.push(format!("checkov {}", r.equivalents.checkov.join(", ")));
    }
    if !same.is_empty() {
        out!(
            "same check: {} (a suppression silences these too)",
            same.join("; ")
        );
    }
    out!("suppress:   in the stack definition, with a reason of at least one sentence:");
    out!(
        "              suppressions:\n                - rule: {}\n                  resource: <logical ID or definition name>\n                  reason: <why this is acceptable here>.",
        r.id
    );
    OK
}

fn run(cli: &SynthArgs) -> u8 {
    if cli.list {
        return list(&cli.stacks_dir);
    }
    if cli.all && cli.out.is_none() {
        say!("error: --all writes one file per stack; add --out DIR");
        return INPUT_ERROR;
    }
    let template_format = match (cli.format, cli.minify) {
        (FormatArg::Json, true) => Format::MinifiedJson,
        (FormatArg::Yaml, true) => {
            say!("error: --minify compacts JSON; it cannot be used with --format yaml");
            say!("  = help: drop --minify, or use --format json");
            return INPUT_ERROR;
        }
        (format, false) => Format::from(format),
    };

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
                say!(
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
        match synth::synthesize_file(path, template_format) {
            Ok(s) => results.push(s),
            Err(e @ SynthError::Input(_)) => {
                say_raw!("{e}");
                status = status.max(INPUT_ERROR);
            }
            Err(e) => {
                say!("{e}");
                status = status.max(RULE_BROKEN);
            }
        }
    }
    // Every template a definition produces: the stack's own, then its children.
    let refs: Vec<&Synthesis> = results.iter().flat_map(Synthesis::all).collect();
    let format = ReportFormat::from(cli.report);
    let has_findings = refs.iter().any(|s| !s.findings.is_empty());
    if has_findings || format != ReportFormat::Text || cli.report_file.is_some() {
        let text = synth::report(format, &refs);
        match &cli.report_file {
            Some(path) => {
                if let Err(e) = std::fs::write(path, text) {
                    say!("error: cannot write the report to {}: {e}", path.display());
                    return INPUT_ERROR;
                }
            }
            None => say_raw!("{text}"),
        }
    }
    if refs.iter().any(|s| s.has_errors()) {
        status = status.max(RULE_BROKEN);
    }
    if status != OK {
        if status == INPUT_ERROR || cli.out.is_some() {
            say!("nothing was written");
        }
        return if status == INPUT_ERROR {
            INPUT_ERROR
        } else {
            RULE_BROKEN
        };
    }

    let Some(out) = &cli.out else {
        if let Some(s) = results.iter().find(|s| !s.children.is_empty()) {
            let names: Vec<String> = s
                .all()
                .iter()
                .map(|t| t.file_name(template_format))
                .collect();
            say!(
                "error: stack `{}` produces {} templates ({}); add --out DIR to write them",
                s.name,
                names.len(),
                names.join(", ")
            );
            return INPUT_ERROR;
        }
        let mut stdout = std::io::stdout().lock();
        for s in &results {
            if stdout.write_all(s.body.as_bytes()).is_err() {
                return RULE_BROKEN;
            }
        }
        return OK;
    };
    let files: Vec<OutputFile> = refs
        .iter()
        .map(|s| OutputFile {
            name: s.file_name(template_format),
            body: s.body.clone(),
        })
        .collect();
    if cli.check {
        check(out, &files, cli.all)
    } else {
        match output::write_all(out, &files) {
            Ok(written) => {
                for path in written {
                    say!("wrote {}", path.display());
                }
                OK
            }
            Err(e) => {
                say!("error: cannot write to {}: {e}", out.display());
                INPUT_ERROR
            }
        }
    }
}

fn check(out: &Path, files: &[OutputFile], complete: bool) -> u8 {
    match output::check(out, files, complete) {
        Ok(report) if report.is_clean() => {
            say!(
                "{} template(s) in {} are up to date",
                files.len(),
                out.display()
            );
            OK
        }
        Ok(report) => {
            for name in &report.differ {
                say!("differs: {}", out.join(name).display());
            }
            for name in &report.missing {
                say!("missing: {}", out.join(name).display());
            }
            for name in &report.extra {
                say!("extra (no stack defines it): {}", out.join(name).display());
            }
            say!(
                "{} is stale: run `synth --all --out {}` and commit the result",
                out.display(),
                out.display()
            );
            RULE_BROKEN
        }
        Err(e) => {
            say!("error: cannot read {}: {e}", out.display());
            INPUT_ERROR
        }
    }
}

fn input_error(d: &Diagnostic) -> u8 {
    say_raw!("{d}");
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
        out!("{name:width$}  {description}");
    }
    OK
}
