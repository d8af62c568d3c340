//! Reporters for rule findings: text for a terminal, JSON for tools, SARIF 2.1.0 for
//! code scanning. Each takes the same input, so adding a format is adding a file.

mod json;
mod sarif;
mod text;

use crate::synth::Synthesis;
use crate::validate::rules;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
    Sarif,
}

/// Renders the findings of the given syntheses.
pub fn render(format: ReportFormat, syntheses: &[&Synthesis]) -> String {
    match format {
        ReportFormat::Text => text::render(syntheses),
        ReportFormat::Json => json::render(syntheses),
        ReportFormat::Sarif => sarif::render(syntheses),
    }
}

/// The resource type of a finding's resource, if the template has it.
fn resource_type<'a>(s: &'a Synthesis, resource: &str) -> Option<&'a str> {
    s.template.resource(resource).map(|r| r.type_name)
}

/// The documented fix of a rule.
fn fix(rule: &str) -> &'static str {
    rules::find(rule).map_or("", |r| r.fix)
}
