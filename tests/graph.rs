//! `synth graph`: the shipped stacks' diagrams (snapshots, and the copies in docs/stacks.md),
//! their Mermaid structure, collapsing, escaping of hostile names, and the command line.
//!
//! Mermaid itself is not run here but in tests/mermaid_render.rs (its parser needs Node.js,
//! its renderer a browser, which only the installed CI tools provide); the structural check
//! below covers what breaks a flowchart: unbalanced subgraphs, duplicate
//! or keyword ids, edges to undeclared nodes, and quotes or markup inside labels.

mod support;

use std::collections::BTreeSet;

use indexmap::IndexMap;
use sagesynth::graph::{self, COLLAPSE_ABOVE};
use sagesynth::synth::Synthesis;
use sagesynth::template::SourcePath;
use serde_json::json;
use support::{manifest_dir, stacks};

/// What the structural check counted.
#[derive(Debug, Default)]
struct Shape {
    nodes: usize,
    edges: usize,
    subgraphs: usize,
}

const SHAPES: &[(&str, &str)] = &[
    ("([", "])"),
    ("[(", ")]"),
    ("[[", "]]"),
    ("[/", "/]"),
    ("{{", "}}"),
    ("((", "))"),
    ("[", "]"),
    ("(", ")"),
    (">", "]"),
];

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
];

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s.to_ascii_lowercase().as_str())
}

/// A quoted label's content: no quote, no markup but `<br/>`, `#` only in entity codes.
fn check_label(label: &str) -> Result<(), String> {
    let plain = label.replace("<br/>", "\n");
    if plain.contains('"') || plain.contains('<') || plain.contains('>') || plain.contains('|') {
        return Err(format!("unescaped character in label {label:?}"));
    }
    let mut rest = plain.as_str();
    while let Some(i) = rest.find('#') {
        let after = &rest[i + 1..];
        let code_len = after
            .find(';')
            .filter(|&n| n > 0 && after[..n].chars().all(|c| c.is_ascii_alphanumeric()));
        match code_len {
            Some(n) => rest = &after[n + 1..],
            None => return Err(format!("`#` outside an entity code in label {label:?}")),
        }
    }
    Ok(())
}

/// Parses `"…"` at the start of `s`, returning the content and what follows.
fn quoted(s: &str) -> Result<(&str, &str), String> {
    let inner = s
        .strip_prefix('"')
        .ok_or_else(|| format!("label not quoted: {s:?}"))?;
    let end = inner
        .find('"')
        .ok_or_else(|| format!("unterminated label: {s:?}"))?;
    Ok((&inner[..end], &inner[end + 1..]))
}

/// A strict reading of the flowchart subset `synth graph` writes: every line must be the
/// header, a comment, a subgraph start or end, a node, or an edge.
fn check_mermaid(text: &str) -> Result<Shape, String> {
    let mut lines = text.lines();
    if lines.next() != Some("flowchart LR") {
        return Err("the first line is not `flowchart LR`".into());
    }
    let mut shape = Shape::default();
    let mut ids = BTreeSet::new();
    let mut depth = 0usize;
    let mut edges = Vec::new();
    for (n, raw) in lines.enumerate() {
        let line = raw.trim_start();
        let at = |e: String| format!("line {}: {e}: {raw:?}", n + 2);
        if line.starts_with("%%") {
            continue;
        }
        if line == "end" {
            depth = depth
                .checked_sub(1)
                .ok_or_else(|| at("`end` without subgraph".into()))?;
            continue;
        }
        if let Some(rest) = line.strip_prefix("subgraph ") {
            let (id, title) = rest
                .split_once('[')
                .ok_or_else(|| at("subgraph without a title".into()))?;
            let (label, after) = quoted(title).map_err(at)?;
            check_label(label).map_err(at)?;
            if after != "]" || !is_id(id) || !ids.insert(id.to_string()) {
                return Err(at("bad or repeated subgraph id".into()));
            }
            depth += 1;
            shape.subgraphs += 1;
            continue;
        }
        let id_end = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(line.len());
        let (id, rest) = line.split_at(id_end);
        if !is_id(id) {
            return Err(at(format!("bad id `{id}`")));
        }
        if let Some(rest) = rest.strip_prefix(' ') {
            let (arrow, rest) = ["-.->", "-->"]
                .iter()
                .find_map(|a| rest.strip_prefix(a).map(|r| (*a, r)))
                .ok_or_else(|| at("unknown arrow".into()))?;
            let target = match rest.strip_prefix('|') {
                Some(labelled) => {
                    let (label, after) = quoted(labelled).map_err(at)?;
                    check_label(label).map_err(at)?;
                    after
                        .strip_prefix("| ")
                        .ok_or_else(|| at("edge label not closed by `| `".into()))?
                }
                None => rest
                    .strip_prefix(' ')
                    .ok_or_else(|| at(format!("no space after `{arrow}`")))?,
            };
            if !is_id(target) {
                return Err(at(format!("bad edge target `{target}`")));
            }
            edges.push((id.to_string(), target.to_string()));
            shape.edges += 1;
            continue;
        }
        let (open, close) = SHAPES
            .iter()
            .find(|(open, _)| rest.starts_with(open))
            .ok_or_else(|| at("unknown node shape".into()))?;
        let (label, after) = quoted(&rest[open.len()..]).map_err(at)?;
        check_label(label).map_err(at)?;
        if after != *close {
            return Err(at(format!("node shape not closed by `{close}`")));
        }
        if !ids.insert(id.to_string()) {
            return Err(at(format!("node id `{id}` declared twice")));
        }
        shape.nodes += 1;
    }
    if depth != 0 {
        return Err(format!("{depth} subgraph(s) not closed"));
    }
    for (from, to) in edges {
        for end in [&from, &to] {
            if !ids.contains(end.as_str()) {
                return Err(format!("edge {from} → {to}: `{end}` is not declared"));
            }
        }
    }
    Ok(shape)
}

#[test]
fn every_shipped_stack_has_a_small_valid_graph_matching_its_snapshot() {
    for (name, _) in stacks::shipped() {
        let s = stacks::synthesize_shipped(&name);
        let text = sagesynth::synth::mermaid(&s);
        let shape = check_mermaid(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert!(
            shape.nodes < 80,
            "{name}: {} nodes is too many to read",
            shape.nodes
        );
        assert_eq!(
            text,
            sagesynth::synth::mermaid(&s),
            "{name}: not deterministic"
        );
        println!(
            "{name}: {} nodes, {} edges, {} subgraphs",
            shape.nodes, shape.edges, shape.subgraphs
        );
        insta::assert_snapshot!(format!("graph_{name}"), text);
        // The definition's other templates (a StackSet member) are drawn on their own too.
        for child in &s.children {
            let text = sagesynth::synth::mermaid(child);
            let shape =
                check_mermaid(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", child.name));
            assert!(shape.nodes < 80, "{}: {} nodes", child.name, shape.nodes);
            insta::assert_snapshot!(format!("graph_{}", child.name), text);
        }
    }
}

#[test]
fn the_structural_check_rejects_broken_flowcharts() {
    let good = "flowchart LR\n    subgraph c_a[\"a\"]\n        A[\"x\"]\n    end\n    B((\"y\"))\n    A -->|\"l\"| B\n";
    assert!(check_mermaid(good).is_ok());
    for broken in [
        good.replace("    end\n", ""),
        good.replace("B((\"y\"))", "A((\"y\"))"),
        good.replace("| B\n", "| C\n"),
        good.replace("\"x\"", "\"x \" y\""),
        good.replace("\"x\"", "\"<b>x</b>\""),
        good.replace("A[", "end["),
        good.replace("-->", "--o"),
    ] {
        assert!(check_mermaid(&broken).is_err(), "accepted:\n{broken}");
    }
}

fn studio_private_with_users(n: usize) -> Synthesis {
    let text = stacks::definition("studio-private");
    let users: String = (1..=n)
        .map(|i| format!("    - data-scientist-{i}\n"))
        .collect();
    let original = "    - data-scientist-1\n    - data-scientist-2\n";
    assert!(text.contains(original), "the shipped definition changed");
    stacks::synthesize("studio-private", &text.replace(original, &users))
}

#[test]
fn user_profiles_collapse_above_the_threshold() {
    let at = sagesynth::synth::mermaid(&studio_private_with_users(COLLAPSE_ABOVE));
    check_mermaid(&at).unwrap();
    assert_eq!(
        at.matches("(\"user profile data-scientist-").count(),
        COLLAPSE_ABOVE
    );
    assert!(!at.contains("user profiles"));

    let above = sagesynth::synth::mermaid(&studio_private_with_users(COLLAPSE_ABOVE + 1));
    let shape = check_mermaid(&above).unwrap();
    assert!(
        !above.contains("(\"user profile data-scientist-"),
        "{above}"
    );
    assert!(
        above.contains(&format!(
            "UserProfiles_studio(\"{} user profiles<br/>data-scientist-1 … data-scientist-{}<br/>emptied by the Studio cleanup before deletion\")",
            COLLAPSE_ABOVE + 1,
            COLLAPSE_ABOVE + 1
        )),
        "{above}"
    );
    // The presigned-URL grant names the caller's own profile by one pattern
    // (user-profile/<domain id>/${aws:username}): one edge to the domain, however many users.
    assert_eq!(
        above
            .matches("PresignedUrlPolicy -->|\"sagemaker: CreatePresignedDomainUrl if aws:SourceVpce\"| StudioDomain")
            .count(),
        1
    );
    // A thousand users are still one node.
    let many = sagesynth::synth::mermaid(&studio_private_with_users(1000));
    assert_eq!(check_mermaid(&many).unwrap().nodes, shape.nodes);
}

#[test]
fn hostile_names_and_types_stay_inside_their_labels() {
    let template = json!({"Resources": {
        "end": {"Type": "Custom::Weird\"<b>#1;|`x`", "Properties": {}},
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "a\"b<c>d#e;f|g\nh"}},
        "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "SecurityGroupIngress": [{"IpProtocol": "tcp\"", "FromPort": 1, "ToPort": 2, "CidrIp": "1.2.3.4/32\"<x>"}]
        }},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "x\"y"}}]},
            "Policies": [{"PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": ["s3:Get\"Object"], "Resource": ["arn:aws:s3:::b\"|#/*"]},
                {"Effect": "Allow", "Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Bucket.Arn}/*"}}
            ]}}]
        }}
    }});
    let origins: IndexMap<String, SourcePath> = [
        ("end".to_string(), SourcePath::field("teams").then("a\"b")),
        ("Bucket".to_string(), SourcePath::field("buckets").then("x")),
    ]
    .into_iter()
    .collect();
    let text = graph::render(&graph::diagram(&template.into(), &origins), "comment");
    check_mermaid(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(text.contains("end_["), "{text}");
    assert!(
        text.contains("Role -->|\"s3: PutObject\"| Bucket"),
        "{text}"
    );
}

#[test]
fn other_templates_of_a_definition_are_nodes() {
    let mut s = stacks::synthesize_shipped("studio-private");
    let mut child = s.clone();
    child.name = "studio-private.member".to_string();
    s.children.push(child);
    let text = sagesynth::synth::mermaid(&s);
    check_mermaid(&text).unwrap();
    assert!(
        text.contains(
            "child_studio_private_member[[\"template studio-private.member<br/>65 resources\"]]"
        ),
        "{text}"
    );
}

/// `synth ARGS` at the package root.
fn synth(args: &[&str]) -> (i32, String, String) {
    support::bin::synth(manifest_dir(), args)
}

#[test]
fn the_command_prints_the_graph_and_refuses_unknown_stacks() {
    let s = stacks::synthesize_shipped("team-notebooks");
    let (code, stdout, stderr) = synth(&["graph", "--stack", "team-notebooks"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(stdout, sagesynth::synth::mermaid(&s));
    let (code, by_file, _) = synth(&["graph", "--file", "stacks/team-notebooks.yaml"]);
    assert_eq!((code, by_file), (0, stdout));

    let (code, stdout, stderr) = synth(&["graph", "--stack", "team-notebook"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("unknown stack `team-notebook`")
            && stderr.contains("did you mean `team-notebooks`?"),
        "{stderr}"
    );
    let (code, _, stderr) = synth(&["graph"]);
    assert_eq!(code, 2, "{stderr}");

    // --template draws one of the definition's other templates.
    let multi = stacks::synthesize_shipped("studio-multi-account");
    let (code, stdout, stderr) = synth(&[
        "graph",
        "--stack",
        "studio-multi-account",
        "--template",
        "member",
    ]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(stdout, sagesynth::synth::mermaid(&multi.children[0]));
    let (code, stdout, stderr) = synth(&[
        "graph",
        "--stack",
        "studio-multi-account",
        "--template",
        "membr",
    ]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.contains("has no template `membr`") && stderr.contains("did you mean `member`?"),
        "{stderr}"
    );
    let (code, _, stderr) = synth(&["graph", "--stack", "team-notebooks", "--template", "member"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("has no template but its own"), "{stderr}");
    let (code, _, stderr) = synth(&["graph", "--stack", "x", "--stacks-dir", "no-such-dir"]);
    assert_eq!(code, 2, "{stderr}");
}

/// The marker before each embedded graph in docs/stacks.md names the stack it shows.
const MARKER: &str = "<!-- synth graph --stack ";

/// The README and the topic pages of `docs/`, each with its text.
fn documents() -> Vec<(String, String)> {
    let mut docs = vec![(
        "README.md".to_string(),
        std::fs::read_to_string(manifest_dir().join("README.md")).unwrap(),
    )];
    let mut pages: Vec<_> = std::fs::read_dir(manifest_dir().join("docs"))
        .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    pages.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "md"));
    pages.sort();
    for page in pages {
        let name = format!("docs/{}", page.file_name().unwrap().to_string_lossy());
        docs.push((name, std::fs::read_to_string(&page).unwrap()));
    }
    docs
}

#[test]
fn the_readme_shows_every_stack_as_synth_graph_draws_it_now() {
    let mut embedded = IndexMap::new();
    for (file, text) in documents() {
        for (i, _) in text.match_indices(MARKER) {
            let rest = &text[i + MARKER.len()..];
            let (name, rest) = rest
                .split_once(" -->\n")
                .expect("a marker ends with ` -->`");
            let body = rest.strip_prefix("```mermaid\n").unwrap_or_else(|| {
                panic!("{file}: the marker for {name} is not followed by a mermaid fence")
            });
            let (graph, _) = body.split_once("```\n").expect("the fence is closed");
            let earlier = embedded.insert(name.to_string(), graph.to_string());
            assert!(earlier.is_none(), "{file}: a second graph of {name}");
        }
    }
    // The README holds its graphs in name order; a topic page in docs/ holds its own.
    embedded.sort_keys();
    let names: Vec<String> = stacks::shipped().into_iter().map(|(n, _)| n).collect();
    // `NAME` is a stack's own template; `NAME --template SUFFIX` one of its others.
    let shown: Vec<&String> = embedded.keys().filter(|k| !k.contains(' ')).collect();
    assert_eq!(
        shown,
        names.iter().collect::<Vec<_>>(),
        "README and docs/: one embedded graph per shipped stack"
    );
    for (key, text) in &embedded {
        let (name, suffix) = match key.split_once(" --template ") {
            Some((name, suffix)) => (name, Some(suffix)),
            None => (key.as_str(), None),
        };
        assert!(
            names.iter().any(|n| n == name),
            "docs/stacks.md: a graph of `{name}`, which is no shipped stack"
        );
        let s = stacks::synthesize_shipped(name);
        let drawn = match suffix {
            None => &s,
            Some(suffix) => s
                .children
                .iter()
                .find(|c| c.name == format!("{name}.{suffix}"))
                .unwrap_or_else(|| panic!("docs/stacks.md: `{name}` has no template `{suffix}`")),
        };
        assert!(
            *text == sagesynth::synth::mermaid(drawn),
            "docs/stacks.md: the graph of {key} is stale; replace its mermaid block with the output of \
             `cargo run --release -- graph --stack {key}`"
        );
    }
}
