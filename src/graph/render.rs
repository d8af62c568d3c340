//! The diagram model and its Mermaid text. Kept apart from how a template becomes a
//! diagram, so that escaping and syntax are decided in one place and tested on their own.

use std::fmt::Write as _;

use indexmap::IndexMap;

/// How a node is drawn: the shape tells the kind of resource at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Network pieces and anything without a shape of its own.
    Box,
    /// Things that run: a Studio domain, a notebook, an instance, a function.
    Rounded,
    /// Identities: roles, groups, users.
    Stadium,
    /// Where data stays: buckets, log groups, queues, tables, secrets.
    Cylinder,
    /// Security groups.
    Hexagon,
    /// Keys, and the other templates of a definition.
    Subroutine,
    /// Managed policies.
    Parallelogram,
    /// Event rules.
    Flag,
    /// Address ranges outside the stack.
    Circle,
}

impl Shape {
    fn delimiters(self) -> (&'static str, &'static str) {
        match self {
            Shape::Box => ("[", "]"),
            Shape::Rounded => ("(", ")"),
            Shape::Stadium => ("([", "])"),
            Shape::Cylinder => ("[(", ")]"),
            Shape::Hexagon => ("{{", "}}"),
            Shape::Subroutine => ("[[", "]]"),
            Shape::Parallelogram => ("[/", "/]"),
            Shape::Flag => (">", "]"),
            Shape::Circle => ("((", "))"),
        }
    }
}

/// Solid edges are flows and permissions; dotted ones are placement and attachment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    Solid,
    Dotted,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub shape: Shape,
    /// Label lines, unescaped; drawn one under the other.
    pub lines: Vec<String>,
    /// The construct the node belongs to, outermost first (`teams`, `teams.engineers`);
    /// empty for nodes outside every construct.
    pub group: Vec<String>,
}

/// A diagram: nodes by id in drawing order, edges in drawing order with their label
/// lines. Insertion order is the output order, so equal input gives equal text.
#[derive(Clone, Debug, Default)]
pub struct Diagram {
    pub nodes: IndexMap<String, Node>,
    pub edges: IndexMap<(String, String, Style), Vec<String>>,
}

impl Diagram {
    /// Adds an edge, or adds `label` to the edge already drawn between the two nodes in
    /// that style: one arrow per pair keeps the picture readable.
    pub fn edge(&mut self, from: &str, to: &str, style: Style, label: Option<String>) {
        let labels = self
            .edges
            .entry((from.to_string(), to.to_string(), style))
            .or_default();
        if let Some(label) = label
            && !labels.contains(&label)
        {
            labels.push(label);
        }
    }
}

/// Mermaid keywords that cannot be node ids in a flowchart, in any case.
const KEYWORDS: &[&str] = &[
    "end",
    "subgraph",
    "graph",
    "flowchart",
    "direction",
    "style",
    "linkstyle",
    "classdef",
    "class",
    "click",
    "call",
    "href",
    "default",
    "interpolate",
    "acctitle",
    "accdescr",
];

/// A node id from a name: alphanumerics and `_` only (logical IDs already are), and never
/// a Mermaid keyword. Names that differ only in other characters map to one id, so
/// callers only pass names that are unique once sanitized (logical IDs, or a prefix with
/// `_` that no logical ID has).
pub fn node_id(name: &str) -> String {
    let mut id: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if id.is_empty() || KEYWORDS.contains(&id.to_ascii_lowercase().as_str()) {
        id.push('_');
    }
    id
}

/// Text for inside a quoted Mermaid label. Mermaid decodes `#name;` and `#123;` entity
/// codes inside labels, and renders labels as HTML, so the characters that would end the
/// string, start an entity, or be read as markup are written as entity codes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A label of several lines: each escaped, joined by line breaks.
fn label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| escape(l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// The Mermaid flowchart: subgraphs per construct (nested as their paths are), in the
/// order their first node appears; then the nodes outside every construct; then edges.
pub fn render(diagram: &Diagram, comment: &str) -> String {
    let mut out = String::from("flowchart LR\n");
    for line in comment.lines() {
        let _ = writeln!(out, "    %% {line}");
    }
    let mut tree = Tree::default();
    for (id, node) in &diagram.nodes {
        tree.insert(&node.group, id);
    }
    let mut subgraph_ids = IndexMap::new();
    write_tree(&mut out, &tree, diagram, 1, &mut subgraph_ids);
    for ((from, to, style), labels) in &diagram.edges {
        let arrow = match style {
            Style::Solid => "-->",
            Style::Dotted => "-.->",
        };
        if labels.is_empty() {
            let _ = writeln!(out, "    {from} {arrow} {to}");
        } else {
            let _ = writeln!(out, "    {from} {arrow}|\"{}\"| {to}", label(labels));
        }
    }
    out
}

/// Nodes grouped by construct path.
#[derive(Default)]
struct Tree {
    nodes: Vec<String>,
    children: IndexMap<String, Tree>,
}

impl Tree {
    fn insert(&mut self, group: &[String], id: &str) {
        match group.split_first() {
            None => self.nodes.push(id.to_string()),
            Some((first, rest)) => self
                .children
                .entry(first.clone())
                .or_default()
                .insert(rest, id),
        }
    }
}

fn write_tree(
    out: &mut String,
    tree: &Tree,
    diagram: &Diagram,
    depth: usize,
    subgraph_ids: &mut IndexMap<String, String>,
) {
    let indent = "    ".repeat(depth);
    for (name, child) in &tree.children {
        // Subgraph ids share the node id space: `c_` plus the path, made unique.
        let base = format!("c_{}", node_id(name));
        let mut id = base.clone();
        let mut n = 2;
        while subgraph_ids.values().any(|v| v == &id) || diagram.nodes.contains_key(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        subgraph_ids.insert(name.clone(), id.clone());
        let _ = writeln!(out, "{indent}subgraph {id}[\"{}\"]", escape(name));
        write_tree(out, child, diagram, depth + 1, subgraph_ids);
        let _ = writeln!(out, "{indent}end");
    }
    for id in &tree.nodes {
        let node = &diagram.nodes[id];
        let (open, close) = node.shape.delimiters();
        let _ = writeln!(out, "{indent}{id}{open}\"{}\"{close}", label(&node.lines));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_labels_inside_their_quotes() {
        assert_eq!(
            escape(r#"say "hi" <b> & #1; a|b `c`"#),
            "say #quot;hi#quot; #lt;b#gt; #amp; #35;1; a#124;b #96;c#96;"
        );
        assert_eq!(escape("line\nbreak\ttab"), "line break tab");
        assert_eq!(escape("${AWS::StackName}-x/*"), "${AWS::StackName}-x/*");
    }

    #[test]
    fn node_ids_are_never_keywords() {
        assert_eq!(node_id("Vpc"), "Vpc");
        assert_eq!(node_id("end"), "end_");
        assert_eq!(node_id("End"), "End_");
        assert_eq!(node_id("teams.data-science"), "teams_data_science");
        assert_eq!(node_id(""), "_");
    }

    #[test]
    fn edges_between_the_same_nodes_merge_their_labels() {
        let mut d = Diagram::default();
        d.edge("A", "B", Style::Solid, Some("one".into()));
        d.edge("A", "B", Style::Solid, Some("two".into()));
        d.edge("A", "B", Style::Solid, Some("one".into()));
        d.edge("A", "B", Style::Dotted, None);
        assert_eq!(d.edges.len(), 2);
        assert_eq!(
            d.edges[&("A".into(), "B".into(), Style::Solid)],
            ["one", "two"]
        );
    }

    #[test]
    fn renders_nested_subgraphs_and_quoted_labels() {
        let mut d = Diagram::default();
        let node = |lines: &[&str], group: &[&str]| Node {
            shape: Shape::Box,
            lines: lines.iter().map(|s| s.to_string()).collect(),
            group: group.iter().map(|s| s.to_string()).collect(),
        };
        d.nodes.insert(
            "A".into(),
            node(&["a \"quoted\"", "two"], &["teams", "teams.x"]),
        );
        d.nodes.insert("B".into(), node(&["b"], &["teams"]));
        d.nodes.insert("C".into(), node(&["c"], &[]));
        d.edge("A", "C", Style::Dotted, Some("in".into()));
        d.edge("B", "A", Style::Solid, None);
        assert_eq!(
            render(&d, "comment"),
            "flowchart LR\n    %% comment\n    subgraph c_teams[\"teams\"]\n        subgraph c_teams_x[\"teams.x\"]\n            A[\"a #quot;quoted#quot;<br/>two\"]\n        end\n        B[\"b\"]\n    end\n    C[\"c\"]\n    A -.->|\"in\"| C\n    B --> A\n"
        );
    }
}
