//! The flags and subcommands, as clap reads them; `--help` is generated from the doc
//! comments here.

// The doc comments below are the `--help` text, where `<NAME>` is the usual placeholder
// for a value; rustdoc would read it as an HTML tag.
#![allow(rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

use sagesynth::report::ReportFormat;
use sagesynth::synth::Format;

const EXAMPLES: &str = "\
Examples:
  synth --stack studio-private                  template (JSON) on stdout
  synth --stack studio-private --format yaml    the same as YAML
  synth --all --out out/ --minify               compact JSON, for pipelines that upload it
  synth --file my-stack.yaml                    any definition file
  synth --all --out out/                        every stack in stacks/, written atomically
  synth --all --out out/ --check                CI: exit 1 if out/ is stale
  synth --all --out out/ --prune                also delete templates no stack writes any more
  synth --list                                  the stacks and what they are
  synth --list --format json                    the same, for scripts
  synth rules                                   every rule of the security pack
  synth rules --format json                     the same, for scripts
  synth explain IAM-PASSROLE-SCOPED             what a rule checks and how to fix it
  synth --all --out out/ --check --report sarif --report-file findings.sarif
  synth diff old.template.json out/studio-private.template.json --format markdown
  synth graph --stack studio-private            the stack as a Mermaid flowchart
  synth completions bash > /etc/bash_completion.d/synth
  synth man > synth.1                           the manual page (roff)

Exit codes: 0 success (also when a reader closes the pipe early: synth | head);
1 the template breaks a rule (security, limits, references) or --check found differences;
2 usage or input error, or the output cannot be written (nothing is written).
synth diff: 0 no change; 3 changes without replacement (interruptions included); 4 a replacement or data-loss risk.

Environment: SAGESYNTH_THREADS=N, the most threads a split run composes and renders on
(default: the processor cores, at most 8; 1 keeps everything on one thread).
SAGESYNTH_TODAY=YYYY-MM-DD, the day offboarding dates are judged against (default: today, UTC).";

/// Synthesizes deterministic CloudFormation templates for secure SageMaker environments
/// from the stack definitions in stacks/.
#[derive(Parser, Debug)]
#[command(name = "synth", version, after_help = EXAMPLES)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub synth: SynthArgs,

    /// Say less on stderr: errors and error-level findings only, no progress lines
    /// (`wrote …`, `deleted …`, `… up to date`) and no warnings in the text report.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more on stderr: also each definition read and each template made, with its
    /// resource count and size.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List every rule of the security pack: id, severity and rationale.
    Rules {
        /// `json`: one object per rule with every field `synth explain` shows.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Explain one rule: why it matters, what it checks, how to fix a finding.
    Explain {
        /// A rule id, e.g. IAM-PASSROLE-SCOPED.
        rule: String,
    },
    /// Compare two templates: what is added, removed or modified, which changes replace a
    /// resource or interrupt it, and which risk data loss. Exit 0: no change; 3: changes
    /// without replacement (interruptions included); 4: a replacement or data-loss risk.
    Diff(DiffArgs),
    /// Draw a stack as a Mermaid flowchart (on stdout): network, security-group rules,
    /// what each role may do, the Studio domain, functions and their events, data stores;
    /// grouped by the definition component that produced them.
    Graph(GraphArgs),
    /// Print a completion script for a shell on stdout (bash, zsh, fish, powershell).
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on stdout: `synth man > synth.1; man ./synth.1`.
    Man,
}

/// How a listing (`--list`, `rules`) is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns for a person.
    Text,
    /// A JSON document with a stable shape, for scripts.
    Json,
}

// `synth diff` (no doc comment: the variant's is the subcommand's description).
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("against").args(["old", "base"]).required(true)))]
pub struct DiffArgs {
    /// The template as it is deployed: JSON or YAML (short-form tags included), or the
    /// output of `aws cloudformation get-template`; `-` reads it from stdin.
    #[arg(requires = "new")]
    pub old: Option<PathBuf>,
    /// The template to deploy (`-`: stdin, when OLD is a file).
    pub new: Option<PathBuf>,
    /// Instead of two files: compare each stack's template committed in <OUT> at this
    /// git revision (or, where <OUT> is not committed, its definition as committed
    /// there, synthesized) with what the definitions synthesize now.
    #[arg(long, value_name = "GIT_REF", conflicts_with = "old")]
    pub base: Option<String>,
    /// With --base: only this stack.
    #[arg(long, value_name = "NAME", requires = "base")]
    pub stack: Option<String>,
    /// With --base: folder of the definitions.
    #[arg(long, value_name = "DIR", default_value = "stacks")]
    pub stacks_dir: PathBuf,
    /// With --base: folder of the committed templates.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
}

// `synth graph` (no doc comment: the variant's is the subcommand's description).
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("which").args(["stack", "file"]).required(true)))]
pub struct GraphArgs {
    /// The stack defined in <STACKS_DIR>/<NAME>.yaml.
    #[arg(long, value_name = "NAME")]
    pub stack: Option<String>,
    /// The definition in this file.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Folder holding the stack definitions.
    #[arg(long, value_name = "DIR", default_value = "stacks")]
    pub stacks_dir: PathBuf,
    /// Draw one of the definition's other templates instead (the SUFFIX of
    /// NAME.SUFFIX.template.json: `member`, `users-001`).
    #[arg(long, value_name = "SUFFIX")]
    pub template: Option<String>,
}

// `synth` without a subcommand (no doc comment: the flags are the top-level ones).
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("what").args(["stack", "file", "all", "list"]).required(true)))]
pub struct SynthArgs {
    /// Synthesize the stack defined in <STACKS_DIR>/<NAME>.yaml.
    #[arg(long, value_name = "NAME")]
    pub stack: Option<String>,

    /// Synthesize the definition in this file.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// Synthesize every stack in the stacks folder (needs --out).
    #[arg(long)]
    pub all: bool,

    /// List the stacks in the stacks folder with their descriptions.
    #[arg(long)]
    pub list: bool,

    /// Folder holding the stack definitions.
    #[arg(long, value_name = "DIR", default_value = "stacks")]
    pub stacks_dir: PathBuf,

    /// Write <DIR>/<NAME>.template.<json|yaml> instead of printing; each file is replaced
    /// atomically, and nothing is written if any stack fails.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// With --out: write nothing; compare with the files in DIR and exit 1 listing those
    /// that differ, are missing, or belong to no stack.
    #[arg(long, requires = "out")]
    pub check: bool,

    /// With --all --out: after writing, delete the templates in DIR that no stack writes
    /// any more (a renamed or removed stack, the other format), listing each.
    #[arg(long, requires = "out", conflicts_with = "check")]
    pub prune: bool,

    /// Template format [default: json]. With --list: `json` prints the listing as JSON.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,

    /// JSON without whitespace (with --format json only): the smallest body for CI
    /// pipelines that upload templates. Size limits are checked on what is written.
    #[arg(long)]
    pub minify: bool,

    /// Format of the rule findings (on stderr, or in --report-file).
    #[arg(long, value_enum, default_value_t = ReportArg::Text)]
    pub report: ReportArg,

    /// Write the findings report to this file instead of stderr.
    #[arg(long, value_name = "PATH")]
    pub report_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReportArg {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Json,
    Yaml,
}

impl FormatArg {
    /// The template format of `--format` with `--minify`, or `None` for the one
    /// combination that makes no sense (minified YAML).
    pub fn with_minify(self, minify: bool) -> Option<Format> {
        match (self, minify) {
            (FormatArg::Json, false) => Some(Format::Json),
            (FormatArg::Json, true) => Some(Format::MinifiedJson),
            (FormatArg::Yaml, false) => Some(Format::Yaml),
            (FormatArg::Yaml, true) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_flags_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn minify_compacts_json_only() {
        assert_eq!(FormatArg::Json.with_minify(false), Some(Format::Json));
        assert_eq!(
            FormatArg::Json.with_minify(true),
            Some(Format::MinifiedJson)
        );
        assert_eq!(FormatArg::Yaml.with_minify(false), Some(Format::Yaml));
        assert_eq!(FormatArg::Yaml.with_minify(true), None);
    }

    #[test]
    fn a_subcommand_and_the_synth_flags_do_not_mix() {
        let cli = Cli::try_parse_from(["synth", "--stack", "a", "--out", "o", "--check"]).unwrap();
        assert!(cli.command.is_none());
        assert!(cli.synth.check);
        assert!(
            Cli::try_parse_from(["synth", "--check", "--all"]).is_err(),
            "--check needs --out"
        );
        assert!(
            Cli::try_parse_from(["synth"]).is_err(),
            "what to synthesize is required"
        );
        let cli = Cli::try_parse_from(["synth", "diff", "--base", "HEAD"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Diff(DiffArgs { base: Some(_), .. }))
        ));
        assert!(
            Cli::try_parse_from(["synth", "diff", "a.json"]).is_err(),
            "NEW is missing"
        );
        assert!(
            Cli::try_parse_from(["synth", "graph"]).is_err(),
            "--stack or --file"
        );
    }
}
