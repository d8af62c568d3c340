//! The pipeline the CLI, tests and benchmarks share: find definitions, load, compose,
//! render and validate.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::constructs::ConstructError;
use indexmap::IndexMap;

use crate::constructs::nested_users::USERS_PER_STACK;
use crate::diagnostic::{Diagnostic, Position, did_you_mean};
use crate::graph;
use crate::parallel;
use crate::report::{self, ReportFormat};
use crate::stacks::{self, ComposeError, Composition, InputErrors, LoadedStack};
use crate::template::json::Json;
use crate::template::{FileExtension, MapHasher, OrderedMap, SourcePath, Template, read};
use crate::validate::{self, BodySize, Finding, Severity, rules};

mod batch;

pub use batch::{
    Batch, Failure, Listed, Selection, list, select, synthesize_all, synthesize_all_into,
};

/// Output format of a template.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Pretty-printed JSON (two-space indent, one value per line).
    #[default]
    Json,
    /// JSON without whitespace (`--minify`): the smallest body to upload.
    MinifiedJson,
    Yaml,
}

impl Format {
    pub fn extension(self) -> FileExtension {
        match self {
            Format::Json | Format::MinifiedJson => FileExtension::Json,
            Format::Yaml => FileExtension::Yaml,
        }
    }
}

/// A synthesized stack: what validation found and what the run kept of the template:
/// [`Kept`] (the template, its origins and its text) from [`synthesize`], or
/// [`HandedOver`] from [`synthesize_into`], whose text went to a [`Handover`] as soon as
/// it was judged. Only a kept synthesis has [`Synthesis::model`], [`Synthesis::origins`]
/// and [`Synthesis::body`]:
///
/// ```
/// # use sagesynth::synth::Synthesis;
/// fn text(synthesis: &Synthesis) -> &str {
///     synthesis.body()
/// }
/// ```
///
/// and asking a handed-over one for its text does not compile:
///
/// ```compile_fail,E0599
/// # use sagesynth::synth::{HandedOver, Synthesis};
/// fn text(synthesis: &Synthesis<HandedOver>) -> &str {
///     synthesis.body()
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Synthesis<T = Kept> {
    pub name: String,
    /// The definition file, as the user named it.
    pub file: String,
    /// How many resources the template holds.
    pub resource_count: usize,
    /// The length of the template's text in bytes.
    pub body_len: usize,
    pub findings: Vec<Finding>,
    /// Each resource a finding names, by logical ID: its type and where it comes from in
    /// the definition (what the report shows; a split run's templates hold thousands of
    /// resources, the findings name a few).
    pub found_resources: HashMap<String, FoundResource>,
    /// The template itself, or the mark that it was handed over.
    kept: T,
    /// The other templates of this definition (`NAME.SUFFIX.template.json`), in file order.
    pub children: Vec<Synthesis<T>>,
}

/// What [`synthesize`] keeps of a template and a run with a [`Handover`] does not: its
/// model, origins and text ([`Synthesis::model`], [`Synthesis::origins`],
/// [`Synthesis::body`]).
#[derive(Clone, Debug)]
pub struct Kept {
    template: Template,
    origins: OrderedMap<String, Origin>,
    body: String,
}

/// What a run with a [`Handover`] keeps of a template beside its findings: nothing, its
/// text went to the handover.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HandedOver;

/// A resource a finding names, as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundResource {
    /// Its type; `None` when the template does not hold it.
    pub type_name: Option<&'static str>,
    pub origin: Option<Origin>,
}

/// Where a run hands each template's text the moment it is rendered and judged, on the
/// thread that rendered it, and then forgets the template: the CLI compares the text
/// with its file or writes it to a temporary file. At 10,000 users a run that kept every
/// template until the end peaked at 73 MiB, a fifth of its time spent by the kernel
/// zeroing the pages for them; handed over, 17 MiB.
pub trait Handover: Sync {
    /// Takes the text of the template that is written as `file_name`.
    fn hand_over(&self, file_name: String, body: String);
}

/// What a run does with each template once it is judged: keeps it ([`Kept`]) or hands
/// its text over ([`HandedOver`]).
trait Keeping: Sync {
    type Kept: Send;

    /// Takes the template named `name`, rendered in `format` as `body`.
    fn keep(
        &self,
        stack: &LoadedStack,
        name: &str,
        format: Format,
        template: Template,
        body: String,
    ) -> Self::Kept;
}

/// Keeps every template: [`synthesize`].
struct KeepAll;

impl Keeping for KeepAll {
    type Kept = Kept;

    fn keep(
        &self,
        stack: &LoadedStack,
        _: &str,
        _: Format,
        template: Template,
        body: String,
    ) -> Kept {
        Kept {
            origins: origins(stack, &template),
            template,
            body,
        }
    }
}

impl Keeping for dyn Handover + '_ {
    type Kept = HandedOver;

    fn keep(
        &self,
        _: &LoadedStack,
        name: &str,
        format: Format,
        _: Template,
        body: String,
    ) -> HandedOver {
        self.hand_over(file_name(name, format), body);
        HandedOver
    }
}

impl Synthesis {
    /// The template's model.
    pub fn model(&self) -> &Template {
        &self.kept.template
    }

    /// Logical ID → the definition entry that produced it, with its position.
    pub fn origins(&self) -> &OrderedMap<String, Origin> {
        &self.kept.origins
    }

    /// The template's text.
    pub fn body(&self) -> &str {
        &self.kept.body
    }

    /// Every template of the definition as JSON, named `NAME` or `NAME.SUFFIX`, read back
    /// from the text written (so it compares equal to the same text read from a file).
    /// The synthesis must be in one of the JSON formats.
    pub fn json_templates(&self) -> Vec<(String, Json)> {
        self.all()
            .iter()
            .map(|t| {
                let json = serde_json::from_str(t.body()).expect("synthesized as JSON");
                (t.name.clone(), json)
            })
            .collect()
    }
}

impl<T> Synthesis<T> {
    /// Whether an unsuppressed error-level finding stops this stack.
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Error && f.suppressed.is_none())
    }

    /// `NAME.template.json` (or `.yaml`); a child's name is `PARENT.SUFFIX`.
    pub fn file_name(&self, format: Format) -> String {
        file_name(&self.name, format)
    }

    /// This template and then every child, depth first: what a definition writes.
    pub fn all(&self) -> Vec<&Synthesis<T>> {
        let mut all = vec![self];
        for child in &self.children {
            all.extend(child.all());
        }
        all
    }

    /// Whether this template or any child breaks a rule: then none of them is written.
    pub fn breaks_a_rule(&self) -> bool {
        self.all().iter().any(|s| s.has_errors())
    }

    /// The definition's template `NAME.SUFFIX` (`member`, `users-001`).
    pub fn template(&self, suffix: &str) -> Result<&Synthesis<T>, NoSuchTemplate> {
        let all = self.all();
        let name = format!("{}.{suffix}", self.name);
        if let Some(found) = all.iter().find(|t| t.name == name) {
            return Ok(found);
        }
        let suffixes: Vec<&str> = all
            .iter()
            .skip(1)
            .map(|t| &t.name[self.name.len() + 1..])
            .collect();
        if suffixes.is_empty() {
            return Err(NoSuchTemplate::OnlyOwn {
                stack: self.name.clone(),
            });
        }
        let d = Diagnostic::new(
            &self.file,
            format!("stack `{}` has no template `{suffix}`", self.name),
        )
        .expected(format!("one of {}", suffixes.join(", ")));
        let d = match did_you_mean(suffix, suffixes.iter().copied()) {
            Some(close) => d.help(format!("did you mean `{close}`?")),
            None => d,
        };
        Err(NoSuchTemplate::Unknown(Box::new(d)))
    }
}

/// Why a definition has no template of the suffix asked for.
#[derive(Debug)]
pub enum NoSuchTemplate {
    /// The definition produces one template only.
    OnlyOwn { stack: String },
    /// Other templates exist, under other suffixes.
    Unknown(Box<Diagnostic>),
}

impl fmt::Display for NoSuchTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoSuchTemplate::OnlyOwn { stack } => writeln!(
                f,
                "error: stack `{stack}` has no template but its own; remove --template"
            ),
            NoSuchTemplate::Unknown(d) => d.fmt(f),
        }
    }
}

impl std::error::Error for NoSuchTemplate {}

/// The Mermaid flowchart of a synthesized stack (`synth graph`): its template, the
/// definition paths of its resources, and its other templates drawn as one node each.
pub fn mermaid(synthesis: &Synthesis) -> String {
    let template = json_tree(synthesis.model());
    let origins: IndexMap<String, SourcePath> = synthesis
        .origins()
        .iter()
        .map(|(id, origin)| (id.clone(), origin.path.clone()))
        .collect();
    let children: Vec<graph::ChildTemplate> = synthesis
        .all()
        .into_iter()
        .skip(1)
        .map(|child| graph::ChildTemplate {
            name: child.name.clone(),
            resources: child.resource_count,
        })
        .collect();
    graph::mermaid(&synthesis.name, &template, &origins, &children)
}

/// The findings report of syntheses, in `format`: each template is a stack of the report.
pub fn report<T>(format: ReportFormat, syntheses: &[&Synthesis<T>]) -> String {
    report_run(format, syntheses, &[])
}

/// [`report()`] of a run that `errors` stopped before every definition was judged (each
/// error as printed), so the report does not read as complete.
pub fn report_run<T>(
    format: ReportFormat,
    syntheses: &[&Synthesis<T>],
    errors: &[String],
) -> String {
    let level = |severity: Severity| match severity {
        Severity::Error => report::Level::Error,
        Severity::Warning => report::Level::Warning,
    };
    let rules: Vec<report::Rule> = rules::catalogue()
        .into_iter()
        .map(|r| report::Rule {
            id: r.id,
            level: level(r.severity),
            rationale: r.rationale,
            checks: r.checks,
            fix: r.fix,
            applies_to: r.applies_to,
        })
        .collect();
    let stacks: Vec<report::Stack> = syntheses
        .iter()
        .map(|s| {
            let findings = s
                .findings
                .iter()
                .map(|f| report::Finding {
                    rule: f.rule,
                    level: level(f.severity),
                    location: &f.location,
                    resource: f.resource(),
                    property_path: f.property_path(),
                    message: &f.message,
                    suppressed: f.suppressed.as_deref(),
                })
                .collect();
            let resources: HashMap<&str, report::Resource> = s
                .found_resources
                .iter()
                .map(|(id, found)| {
                    let resource = report::Resource {
                        type_name: found.type_name,
                        origin: found.origin.as_ref().map(|origin| report::Origin {
                            path: &origin.path,
                            position: origin.position,
                        }),
                    };
                    (id.as_str(), resource)
                })
                .collect();
            report::Stack {
                name: &s.name,
                file: &s.file,
                findings,
                resources,
            }
        })
        .collect();
    report::render(format, &stacks, &rules, errors)
}

/// Where a resource comes from in the definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub path: SourcePath,
    pub position: Option<Position>,
}

/// Why a stack could not be synthesized.
#[derive(Debug)]
pub enum SynthError {
    /// The definition is wrong (exit code 2).
    Input(InputErrors),
    /// A construct refused a definition that passed the checks: a bug in the checks,
    /// reported with the file so it can be reproduced.
    Construct { file: String, error: ConstructError },
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SynthError::Input(e) => e.fmt(f),
            SynthError::Construct { file, error } => write!(
                f,
                "error: {file}: the definition passed its checks but could not be built: {error}\n  = note: this is a bug in sagesynth; please report it with the definition"
            ),
        }
    }
}

impl std::error::Error for SynthError {}

impl From<InputErrors> for SynthError {
    fn from(e: InputErrors) -> Self {
        SynthError::Input(e)
    }
}

/// Composes, renders and validates a loaded definition. The children of a split run's
/// nested stacks of user profiles (ten at 1,000 users) are each composed and rendered in
/// one go on the machine's other cores ([`parallel::map_alongside`]) while this thread
/// composes and renders the parent: the threads start once, at the start of the work, and
/// no thread waits for another between composing and rendering.
pub fn synthesize(stack: &LoadedStack, format: Format) -> Result<Synthesis, SynthError> {
    synthesize_keeping(stack, format, &KeepAll)
}

/// [`synthesize`], handing each template's text to `handover` as soon as it is judged
/// and keeping only what validation found of it: see [`Handover`].
pub fn synthesize_into(
    stack: &LoadedStack,
    format: Format,
    handover: &dyn Handover,
) -> Result<Synthesis<HandedOver>, SynthError> {
    synthesize_keeping(stack, format, handover)
}

fn synthesize_keeping<K: Keeping + ?Sized>(
    stack: &LoadedStack,
    format: Format,
    keeping: &K,
) -> Result<Synthesis<K::Kept>, SynthError> {
    let extension = format.extension();
    let composed = |error: ComposeError| match error {
        ComposeError::Input(errors) => SynthError::Input(errors),
        ComposeError::Construct(error) => SynthError::Construct {
            file: stack.source.file.clone(),
            error,
        },
    };
    let user_stacks = stacks::NestedUserStacks::of(stack, extension).map_err(composed)?;
    let chunks: Vec<_> = user_stacks
        .iter()
        .flat_map(|user_stacks| user_stacks.chunks().map(move |i| (user_stacks, i)))
        .collect();
    let (parent, children) = parallel::map_alongside(
        || {
            stacks::compose_parent(stack, extension).map(|composition| {
                let name = stack.name.clone();
                render(stack, name, composition, format, false, keeping)
            })
        },
        chunks,
        |(user_stacks, i)| {
            let composition = user_stacks.compose(stack, i)?;
            let name = format!("{}.{}", stack.name, user_stacks.suffix(i));
            Ok(render(stack, name, composition, format, true, keeping))
        },
    );
    let mut parent = parent.map_err(composed)?;
    for child in children {
        parent.children.push(child.map_err(composed)?);
    }
    Ok(parent)
}

/// Renders and validates one composed template and the children it holds (a
/// multi-account definition's member template; a split run's children are composed and
/// rendered by [`synthesize`]). The children are independent of each other and of their
/// parent: they are rendered on the machine's other cores while this thread renders the
/// parent ([`parallel::map_alongside`]; on this thread when the call is already one of
/// several), and come back in the order composed.
fn render<K: Keeping + ?Sized>(
    stack: &LoadedStack,
    name: String,
    composition: Composition,
    format: Format,
    nested: bool,
    keeping: &K,
) -> Synthesis<K::Kept> {
    let Composition { template, children } = composition;
    let children: Vec<(String, Composition)> = children
        .into_iter()
        .map(|(suffix, child)| (format!("{name}.{suffix}"), child))
        .collect();
    let (mut own, children) = parallel::map_alongside(
        || render_one(stack, name, template, format, nested, keeping),
        children,
        |(name, child)| render(stack, name, child, format, true, keeping),
    );
    own.children = children;
    own
}

/// Renders and validates one composed template, without its children; keeps it or hands
/// its text over, as `keeping` does.
fn render_one<K: Keeping + ?Sized>(
    stack: &LoadedStack,
    name: String,
    template: Template,
    format: Format,
    nested: bool,
    keeping: &K,
) -> Synthesis<K::Kept> {
    let json = json_tree(&template);
    let (body, size) = render_template(&json, format, !nested);
    let mut findings = if nested {
        validate::validate_nested(&json, size)
    } else {
        validate::validate(&json, size)
    };
    add_split_hint(&json, &mut findings);
    drop(json);
    Synthesis {
        file: stack.source.file.clone(),
        resource_count: template.resources().count(),
        body_len: body.len(),
        found_resources: found_resources(stack, &template, &findings),
        findings,
        kept: keeping.keep(stack, &name, format, template, body),
        name,
        children: Vec::new(),
    }
}

/// The file a template named `name` is written to in `format`:
/// `NAME.template.json` (or `.yaml`).
fn file_name(name: &str, format: Format) -> String {
    format!("{name}.template.{}", format.extension())
}

/// Where each resource of `template` comes from, with the position of its definition
/// entry: looked up once for the run of resources an entry makes (a user's profile and
/// its cleanup, say), not per resource.
fn origins(stack: &LoadedStack, template: &Template) -> OrderedMap<String, Origin> {
    let mut origins =
        OrderedMap::with_capacity_and_hasher(template.resources().count(), MapHasher::default());
    let mut last: Option<(&SourcePath, Option<Position>)> = None;
    for (id, path) in template.origins() {
        let position = match last {
            Some((previous, position)) if previous == path => position,
            _ => stack.source.key_position_at(path),
        };
        last = Some((path, position));
        origins.insert(
            id.to_string(),
            Origin {
                path: path.clone(),
                position,
            },
        );
    }
    origins
}

/// The type and origin of each resource `findings` name: one pass over the template's
/// resources, whatever the number of findings.
fn found_resources(
    stack: &LoadedStack,
    template: &Template,
    findings: &[Finding],
) -> HashMap<String, FoundResource> {
    let mut found: HashMap<String, FoundResource> = findings
        .iter()
        .filter_map(Finding::resource)
        .map(|id| {
            let resource = FoundResource {
                type_name: None,
                origin: None,
            };
            (id.to_string(), resource)
        })
        .collect();
    if found.is_empty() {
        return found;
    }
    for (id, resource) in template.resources() {
        if let Some(entry) = found.get_mut(id.as_str()) {
            entry.type_name = Some(resource.type_name);
            entry.origin = template.origin(id).map(|path| Origin {
                path: path.clone(),
                position: stack.source.key_position_at(path),
            });
        }
    }
    found
}

/// What to do about a template over a CloudFormation quota when it holds Studio user
/// profiles: the definition option that moves them (and their outputs) out of it. The
/// validator judges the template; this advice is about the definition, so the pipeline
/// gives it.
fn add_split_hint(json: &Json, findings: &mut [Finding]) {
    let profiles = read::section(json, "Resources")
        .filter(|(_, r)| {
            r.get("Type").and_then(Json::as_str) == Some("AWS::SageMaker::UserProfile")
        })
        .count();
    if profiles == 0 {
        return;
    }
    for f in findings
        .iter_mut()
        .filter(|f| f.rule == rules::id::CFN_LIMIT_COUNT || f.rule == rules::id::CFN_LIMIT_BODY)
    {
        f.message.push_str(&format!(
            "; the template holds {profiles} Studio user profiles: add `split: nested` to the definition to move them and their outputs into nested stacks of {USERS_PER_STACK} each"
        ));
    }
}

/// The template as a JSON tree, which validation and the rule pack read. Never inlined,
/// so that a profile of the whole process shows this phase under its own name
/// (`.ci/profile-phases.py` reads it).
#[inline(never)]
pub fn json_tree(template: &Template) -> Json {
    template.to_json_tree()
}

/// The text of a template's JSON tree in `format`: JSON exactly as serde_json prints it
/// ([`crate::template::json_text`]), YAML by serde_yaml_ng.
pub fn render_body(json: &Json, format: Format) -> String {
    render_template(json, format, false).0
}

/// [`render_body`], with the size validation judges: the text's bytes and, for JSON,
/// those of its minified form: the text's own when minified, else counted by the
/// printer as it goes when `inline` (whether the template may be deployed inline, the
/// only case that judges it). Never inlined, so that a profile of the whole process
/// shows this phase under its own name (`.ci/profile-phases.py` reads it).
#[inline(never)]
pub fn render_template(json: &Json, format: Format, inline: bool) -> (String, BodySize) {
    use crate::template::json_text::{write_compact, write_pretty, write_pretty_counted};
    // A template is tens to hundreds of KiB: start there rather than grow from nothing.
    let mut out = String::with_capacity(1 << 18);
    let whitespace = match format {
        Format::Json if inline => Some(write_pretty_counted(&mut out, json)),
        Format::Json => {
            write_pretty(&mut out, json);
            None
        }
        Format::MinifiedJson => {
            write_compact(&mut out, json);
            Some(0)
        }
        Format::Yaml => {
            let out = serde_yaml_ng::to_string(json).expect("JSON values serialize as YAML");
            let size = BodySize::from(out.len());
            return (out, size);
        }
    };
    out.push('\n');
    let size = BodySize {
        bytes: out.len(),
        minified: whitespace.map(|whitespace| out.len() - whitespace),
    };
    (out, size)
}

/// Loads and synthesizes one definition file.
pub fn synthesize_file(path: &Path, format: Format) -> Result<Synthesis, SynthError> {
    synthesize_file_keeping(path, format, &KeepAll)
}

/// [`synthesize_file`], handing each template over as [`synthesize_into`] does.
pub fn synthesize_file_into(
    path: &Path,
    format: Format,
    handover: &dyn Handover,
) -> Result<Synthesis<HandedOver>, SynthError> {
    synthesize_file_keeping(path, format, handover)
}

fn synthesize_file_keeping<K: Keeping + ?Sized>(
    path: &Path,
    format: Format,
    keeping: &K,
) -> Result<Synthesis<K::Kept>, SynthError> {
    let stack = stacks::load_file(path, &path.display().to_string())?;
    synthesize_keeping(&stack, format, keeping)
}

/// The extensions of a definition file, the usual first.
pub const DEFINITION_EXTENSIONS: [&str; 2] = ["yaml", "yml"];

/// The definitions in a stacks folder, sorted by name: every `*.yaml` and `*.yml` file.
/// Both spellings are common, so both are read; `x.yaml` beside `x.yml` would be two
/// definitions of one stack, which is an error rather than a silent choice.
pub fn discover(stacks_dir: &Path) -> Result<Vec<(String, PathBuf)>, Box<Diagnostic>> {
    let entries = std::fs::read_dir(stacks_dir)
        .map_err(|e| {
            Diagnostic::new(
                &stacks_dir.display().to_string(),
                format!("cannot read the stacks folder: {e}"),
            )
            .help("run synth from the repository root, or pass --stacks-dir")
        })
        .map_err(Box::new)?;
    let mut stacks: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let is_definition = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| DEFINITION_EXTENSIONS.contains(&e));
        if is_definition
            && path.is_file()
            && let Some(name) = path.file_stem().and_then(|s| s.to_str())
        {
            stacks.push((name.to_string(), path.clone()));
        }
    }
    stacks.sort();
    if let Some(pair) = stacks.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        let (name, a, b) = (&pair[0].0, pair[0].1.display(), pair[1].1.display());
        return Err(Box::new(
            Diagnostic::new(
                &stacks_dir.display().to_string(),
                format!("stack `{name}` is defined twice: {a} and {b}"),
            )
            .help("keep one of the two files"),
        ));
    }
    Ok(stacks)
}

/// The path of stack `name` in `stacks_dir`, or an error with a did-you-mean (or, for
/// what looks like a path, the `--file` that reads one).
pub fn find_stack(stacks_dir: &Path, name: &str) -> Result<PathBuf, Box<Diagnostic>> {
    let known = discover(stacks_dir)?;
    if let Some((_, path)) = known.iter().find(|(n, _)| n == name) {
        return Ok(path.clone());
    }
    let dir = stacks_dir.display().to_string();
    let mut d = Diagnostic::new(&dir, format!("unknown stack `{name}`"));
    let looks_like_a_path = name.contains(['/', '\\'])
        || DEFINITION_EXTENSIONS
            .iter()
            .any(|e| name.ends_with(&format!(".{e}")));
    if looks_like_a_path {
        return Err(Box::new(
            d.note("--stack takes a stack's name, the file name without its folder and extension")
                .help(format!(
                    "to synthesize a definition file, use `--file {name}`"
                )),
        ));
    }
    if known.is_empty() {
        d = d.note(format!("{dir} holds no *.yaml or *.yml definitions"));
    } else {
        let names: Vec<&str> = known.iter().map(|(n, _)| n.as_str()).collect();
        d = d.expected(format!("one of {}", names.join(", ")));
        if let Some(close) = did_you_mean(name, names.iter().copied()) {
            d = d.help(format!("did you mean `{close}`?"));
        }
    }
    Err(Box::new(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(name: &str) -> Synthesis {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("stacks")
            .join(name);
        synthesize_file(&path, Format::Json).unwrap()
    }

    /// Every shipped definition, loaded, by name.
    fn shipped_stacks() -> Vec<(String, LoadedStack)> {
        let stacks = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks");
        discover(&stacks)
            .unwrap()
            .into_iter()
            .map(|(name, path)| {
                let stack = stacks::load_file(&path, &name).unwrap();
                (name, stack)
            })
            .collect()
    }

    #[test]
    fn every_origin_of_the_shipped_stacks_is_placed_as_its_path_text_places_it() {
        let mut placed = 0;
        for (name, stack) in shipped_stacks() {
            let synthesis = synthesize(&stack, Format::Json).unwrap();
            for t in synthesis.all() {
                for origin in t.origins().values() {
                    let by_text = stack.source.key_position(&origin.path.to_string());
                    assert_eq!(origin.position, by_text, "{name}: {}", origin.path);
                    placed += usize::from(by_text.is_some());
                }
            }
        }
        assert!(placed > 100, "only {placed} origins have a position");
    }

    #[test]
    fn the_minified_size_the_printer_counts_is_the_length_of_the_minified_text() {
        let mut templates = 0;
        for (_, stack) in shipped_stacks() {
            for (name, json) in synthesize(&stack, Format::Json).unwrap().json_templates() {
                let (body, size) = render_template(&json, Format::Json, true);
                assert_eq!(render_template(&json, Format::Json, false).1.minified, None);
                let minified = render_body(&json, Format::MinifiedJson);
                assert_eq!(size.bytes, body.len(), "{name}");
                assert_eq!(size.minified, Some(minified.len()), "{name}");
                assert_eq!(
                    render_template(&json, Format::MinifiedJson, false).1,
                    BodySize {
                        bytes: minified.len(),
                        minified: Some(minified.len())
                    }
                );
                templates += 1;
            }
        }
        assert!(templates >= 8, "{templates} templates");
    }

    #[test]
    fn a_definition_with_children_names_its_other_templates() {
        let s = shipped("studio-multi-account.yaml");
        let names: Vec<String> = s.all().iter().map(|t| t.file_name(Format::Yaml)).collect();
        assert_eq!(
            names,
            [
                "studio-multi-account.template.yaml",
                "studio-multi-account.member.template.yaml"
            ]
        );
        assert_eq!(
            s.template("member").unwrap().name,
            "studio-multi-account.member"
        );
        let e = s.template("membr").unwrap_err().to_string();
        assert!(
            e.starts_with("error: stack `studio-multi-account` has no template `membr`\n"),
            "{e}"
        );
        assert!(e.contains("  = expected: one of member\n"), "{e}");
        assert!(e.ends_with("  = help: did you mean `member`?\n"), "{e}");
        let json: Vec<String> = s.json_templates().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            json,
            ["studio-multi-account", "studio-multi-account.member"]
        );
        assert_eq!(
            s.json_templates()[1].1,
            serde_json::to_value(s.children[0].model()).unwrap()
        );
    }

    #[test]
    fn yml_is_a_definition_too_but_not_beside_the_same_yaml() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str| std::fs::write(dir.path().join(name), "description: d\n").unwrap();
        write("a.yaml");
        write("b.yml");
        write("c.txt");
        let names: Vec<String> = discover(dir.path())
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(
            find_stack(dir.path(), "b").unwrap(),
            dir.path().join("b.yml")
        );
        write("b.yaml");
        let e = discover(dir.path()).unwrap_err().to_string();
        assert!(e.contains("stack `b` is defined twice: "), "{e}");
        assert!(
            e.contains("b.yaml and ")
                && e.contains("b.yml\n")
                && e.ends_with("  = help: keep one of the two files\n"),
            "{e}"
        );
    }

    #[test]
    fn a_path_given_to_stack_suggests_file() {
        let stacks = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks");
        for name in ["stacks/studio-private.yaml", "studio-private.yml", "x/y"] {
            let e = find_stack(&stacks, name).unwrap_err().to_string();
            assert!(
                e.contains(&format!(
                    "  = help: to synthesize a definition file, use `--file {name}`\n"
                )),
                "{e}"
            );
        }
        let e = find_stack(&stacks, "studio-privat")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("--file"), "{e}");
    }

    #[test]
    fn a_single_template_definition_has_no_other_template() {
        let s = shipped("studio-private.yaml");
        assert!(!s.breaks_a_rule());
        assert_eq!(
            s.template("member").unwrap_err().to_string(),
            "error: stack `studio-private` has no template but its own; remove --template\n"
        );
    }
}
