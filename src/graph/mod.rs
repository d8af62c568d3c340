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

use crate::template::json::Json;
use indexmap::IndexMap;

use crate::template::SourcePath;

pub use render::{Diagram, Node, Shape, Style, escape, node_id, render};

/// Up to this many user profiles, notebook instances or IAM users of one construct are
/// drawn one node each; more are drawn as one node with their count.
pub const COLLAPSE_ABOVE: usize = 4;

/// Another template of the same definition (a nested stack's, a StackSet member's),
/// drawn as one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildTemplate {
    /// `PARENT.SUFFIX`, the name of its file without `.template.json`.
    pub name: String,
    /// How many resources it holds.
    pub resources: usize,
}

/// The Mermaid flowchart of stack `name`: its template (JSON), with the definition path
/// that produced each resource (logical ID → `studio.users[1]`), and the definition's
/// other templates drawn as one node each, linked from the resource that deploys them.
pub fn mermaid(
    name: &str,
    template: &Json,
    origins: &IndexMap<String, SourcePath>,
    children: &[ChildTemplate],
) -> String {
    let mut diagram = diagram(template, origins);
    for child in children {
        let child_node = format!("child_{}", node_id(&child.name));
        diagram.nodes.insert(
            child_node.clone(),
            Node {
                shape: Shape::Subroutine,
                lines: vec![
                    format!("template {}", child.name),
                    format!("{} resources", child.resources),
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
    let resources = template["Resources"].as_object().map_or(0, |r| r.len());
    render::render(
        &diagram,
        &format!(
            "{name}: {resources} resources drawn as {} nodes",
            diagram.nodes.len()
        ),
    )
}

/// The diagram of a template (its JSON), with the definition path that produced each
/// resource (logical ID → `studio.users[1]`); resources without an origin are drawn
/// outside every construct.
pub fn diagram(template: &Json, origins: &IndexMap<String, SourcePath>) -> Diagram {
    build::Builder::new(template, origins).build()
}

/// Components whose entries are constructs of their own (a team has a notebook, a role,
/// a group and users), drawn as a subgraph inside the component's. A bucket or an
/// Identity Center group is one or two nodes, which a nested box would only frame.
const NESTED_COMPONENTS: &[&str] = &["teams"];

/// The subgraphs a definition path belongs to, outermost first: `network.endpoints[2]`
/// → `network`; `teams.engineers.users[0]` → `teams`, `teams.engineers`.
fn construct(path: &SourcePath) -> Vec<String> {
    let mut segments = path.fields();
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

    fn path(fields: &[&str]) -> SourcePath {
        fields
            .iter()
            .fold(SourcePath::root(), |path, field| path.then(*field))
    }

    #[test]
    fn constructs_from_definition_paths() {
        assert_eq!(
            construct(&path(&["network", "endpoints"]).at(2)),
            ["network"]
        );
        assert_eq!(construct(&path(&["studio", "users"]).at(1)), ["studio"]);
        assert_eq!(
            construct(&path(&["teams", "engineers", "users"]).at(0)),
            ["teams", "teams.engineers"]
        );
        assert_eq!(construct(&path(&["teams"])), ["teams"]);
        assert_eq!(construct(&path(&["buckets", "raw-data"])), ["buckets"]);
        assert!(construct(&SourcePath::root()).is_empty());
    }
}
