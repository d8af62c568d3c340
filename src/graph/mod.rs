//! `synth graph`: a Mermaid diagram of a synthesized stack, for a reviewer who wants the
//! shape of an environment before reading its template.
//!
//! It is drawn from the emitted template (and the origins of its resources), never from
//! the definition, so it shows exactly what CloudFormation will create: what runs where,
//! which security-group rules admit what, and what each identity may do according to
//! its policy statements. Repetitive pieces are collapsed (subnets, endpoints, and user
//! profiles, notebooks or IAM users above [`COLLAPSE_ABOVE`]) so a stack stays readable,
//! and every order is the template's, so equal templates give equal text.

mod build;
mod iam;
mod network;
mod nodes;
mod render;

use indexmap::IndexMap;

use crate::synth::Synthesis;

pub use render::{Diagram, Node, Shape, Style, escape, node_id, render};

/// Up to this many user profiles, notebook instances or IAM users of one construct are
/// drawn one node each; more are drawn as one node with their count.
pub const COLLAPSE_ABOVE: usize = 4;

/// The Mermaid flowchart of a synthesized stack. A definition's other templates
/// (nested-stack children) are drawn as one node each.
pub fn mermaid(synthesis: &Synthesis) -> String {
    let template = serde_json::to_value(&synthesis.template).expect("a template always serializes");
    let origins: IndexMap<String, String> = synthesis
        .origins
        .iter()
        .map(|(id, origin)| (id.clone(), origin.path.clone()))
        .collect();
    let mut diagram = diagram(&template, &origins);
    for child in synthesis.all().into_iter().skip(1) {
        let count = child.template.resources().count();
        let child_node = format!("child_{}", node_id(&child.name));
        diagram.nodes.insert(
            child_node.clone(),
            Node {
                shape: Shape::Subroutine,
                lines: vec![
                    format!("template {}", child.name),
                    format!("{count} resources"),
                ],
                group: Vec::new(),
            },
        );
        // The resource that deploys the child: a nested stack names its file, a StackSet
        // deploys the member template.
        let stem = |url: &str| {
            url.rsplit('/')
                .next()
                .map(|f| f.split(".template.").next().unwrap_or(f).to_string())
        };
        for (id, resource) in template["Resources"].as_object().into_iter().flatten() {
            let props = &resource["Properties"];
            let label = match resource["Type"].as_str() {
                Some("AWS::CloudFormation::Stack")
                    if props["TemplateURL"].as_str().and_then(stem).as_deref()
                        == Some(child.name.as_str()) =>
                {
                    "nested stack"
                }
                Some("AWS::CloudFormation::StackSet") if child.name.ends_with(".member") => {
                    "deploys to every account"
                }
                _ => continue,
            };
            let from = node_id(id);
            if diagram.nodes.contains_key(&from) {
                diagram.edge(&from, &child_node, Style::Solid, Some(label.to_string()));
            }
        }
    }
    let resources = synthesis.template.resources().count();
    render::render(
        &diagram,
        &format!(
            "{}: {resources} resources drawn as {} nodes",
            synthesis.name,
            diagram.nodes.len()
        ),
    )
}

/// The diagram of a template (its JSON), with the definition path that produced each
/// resource (logical ID → `studio.users[1]`); resources without an origin are drawn
/// outside every construct.
pub fn diagram(template: &serde_json::Value, origins: &IndexMap<String, String>) -> Diagram {
    build::Builder::new(template, origins).build()
}

/// Components whose entries are constructs of their own (a team has a notebook, a role,
/// a group and users), drawn as a subgraph inside the component's. A bucket or an
/// Identity Center group is one or two nodes, which a nested box would only frame.
const NESTED_COMPONENTS: &[&str] = &["teams"];

/// The subgraphs a definition path belongs to, outermost first: `network.endpoints[2]`
/// → `network`; `teams.engineers.users[0]` → `teams`, `teams.engineers`.
fn construct(path: &str) -> Vec<String> {
    let mut segments = path
        .split('.')
        .map(|s| s.split_once('[').map_or(s, |(name, _)| name));
    let Some(first) = segments.next().filter(|s| !s.is_empty()) else {
        return Vec::new();
    };
    let mut group = vec![first.to_string()];
    if NESTED_COMPONENTS.contains(&first)
        && let Some(name) = segments.next()
    {
        group.push(format!("{first}.{name}"));
    }
    group
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructs_from_definition_paths() {
        assert_eq!(construct("network.endpoints[2]"), ["network"]);
        assert_eq!(construct("studio.users[1]"), ["studio"]);
        assert_eq!(
            construct("teams.engineers.users[0]"),
            ["teams", "teams.engineers"]
        );
        assert_eq!(construct("teams"), ["teams"]);
        assert_eq!(construct("buckets.raw-data"), ["buckets"]);
        assert!(construct("").is_empty());
    }
}
