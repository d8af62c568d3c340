//! Reporters for rule findings: text for a terminal, JSON for tools, SARIF 2.1.0 for
//! code scanning. Each takes the same input, so adding a format is adding a file. The
//! input is plain data ([`Stack`], [`Rule`]): the reporters know nothing of how findings
//! were made or where the pipeline keeps them.

mod json;
mod sarif;
mod text;

use std::collections::HashMap;

use crate::diagnostic::Position;
use crate::template::SourcePath;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Warning,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// A rule as the reports describe it.
#[derive(Clone, Copy, Debug)]
pub struct Rule<'a> {
    pub id: &'a str,
    pub level: Level,
    pub rationale: &'a str,
    pub checks: &'a str,
    pub fix: &'a str,
    pub applies_to: &'a [&'a str],
}

/// One finding in a template.
#[derive(Clone, Copy, Debug)]
pub struct Finding<'a> {
    pub rule: &'a str,
    pub level: Level,
    /// Where in the template (`Resources.Bastion.Properties.SubnetId`, `template`).
    pub location: &'a str,
    /// The logical ID it is about, when it is about a resource.
    pub resource: Option<&'a str>,
    /// The path inside that resource (`Properties.SubnetId`), if any.
    pub property_path: Option<&'a str>,
    pub message: &'a str,
    /// The reason of the suppression that silences it.
    pub suppressed: Option<&'a str>,
}

/// Where the definition made a resource.
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    pub path: &'a SourcePath,
    pub position: Option<Position>,
}

/// A resource of the template or of the definition, as far as a report names it.
#[derive(Clone, Copy, Debug)]
pub struct Resource<'a> {
    /// Its type; `None` when the template does not hold it.
    pub type_name: Option<&'a str>,
    pub origin: Option<Origin<'a>>,
}

/// What a report says of one template: its name, the definition file it comes from, its
/// findings, and its resources by logical ID.
#[derive(Clone, Debug)]
pub struct Stack<'a> {
    pub name: &'a str,
    pub file: &'a str,
    pub findings: Vec<Finding<'a>>,
    pub resources: HashMap<&'a str, Resource<'a>>,
}

impl<'a> Stack<'a> {
    /// The resource type of a finding's resource, if the template has it.
    fn resource_type(&self, resource: &str) -> Option<&'a str> {
        self.resources.get(resource).and_then(|r| r.type_name)
    }

    /// Where the definition made a finding's resource, if it is known.
    fn origin(&self, resource: &str) -> Option<Origin<'a>> {
        self.resources.get(resource).and_then(|r| r.origin)
    }
}

/// Renders the findings of the given stacks; `rules` is the catalogue they refer to.
/// `errors` are what stopped the run before every definition could be judged (an input
/// error): a consumer must not read the findings as complete then. SARIF says so in
/// `invocations[].executionSuccessful` and `toolExecutionNotifications`, JSON in
/// `errors`; the text report leaves them to the error messages printed beside it.
pub fn render(format: ReportFormat, stacks: &[Stack], rules: &[Rule], errors: &[String]) -> String {
    match format {
        ReportFormat::Text => text::render(stacks, rules),
        ReportFormat::Json => json::render(stacks, rules, errors),
        ReportFormat::Sarif => sarif::render(stacks, rules, errors),
    }
}

/// The documented fix of a rule.
fn fix<'a>(rules: &[Rule<'a>], rule: &str) -> &'a str {
    rules.iter().find(|r| r.id == rule).map_or("", |r| r.fix)
}
