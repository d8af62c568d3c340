//! The documentation: README.md stays short enough to read to a deploy, every relative
//! link of README.md and docs/ leads somewhere (file and heading), the rule catalogue in
//! docs/rules.md is what `synth rules` lists now, the README's example definition is a
//! valid one, and docs/stacks.md shows a rendered picture of every graph it embeds.
//!
//! docs/rules.md is generated: `SAGESYNTH_UPDATE_DOCS=1 cargo test --test docs` rewrites
//! it from `synth rules --format json` (the pictures: `bash .ci/render-graphs.sh`).

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::bin::synth;
use support::manifest_dir;

/// "≤ 25 KB": what a reader gets through before the first `aws cloudformation deploy`.
const README_MAX_BYTES: u64 = 25 * 1024;

/// README.md and every Markdown file of docs/, relative to the repository.
fn documents() -> Vec<PathBuf> {
    let mut found = vec![PathBuf::from("README.md")];
    let dir = manifest_dir().join("docs");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            found.push(path.strip_prefix(manifest_dir()).unwrap().to_path_buf());
        }
    }
    found.sort();
    found
}

/// The lines outside fenced code blocks, with their line numbers.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            lines.push((i + 1, line));
        }
    }
    lines
}

/// GitHub's anchor for a heading: lower case, punctuation dropped (letters, digits, `-`,
/// `_` and spaces kept), spaces as `-`; a repeated one gets `-1`, `-2`, ….
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut found = BTreeSet::new();
    for (_, line) in prose(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        let Some(heading) = line.get(hashes..).and_then(|h| h.strip_prefix(' ')) else {
            continue;
        };
        if hashes == 0 || hashes > 6 {
            continue;
        }
        let slug: String = heading
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let n = seen.iter().filter(|s| **s == slug).count();
        found.insert(if n == 0 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        });
        seen.push(slug);
    }
    found
}

/// The targets of the inline links and images of a line (`[text](target)`), outside
/// code spans; an escaped `\\]` ends no link text.
fn link_targets(line: &str) -> Vec<String> {
    let mut outside = String::new();
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 0 {
            outside.push_str(part);
        }
    }
    outside
        .match_indices("](")
        .filter(|(i, _)| !outside[..*i].ends_with('\\'))
        .filter_map(|(i, _)| {
            let rest = &outside[i + 2..];
            rest.find(')').map(|end| rest[..end].to_string())
        })
        .collect()
}

#[test]
fn the_readme_is_at_most_25_kb() {
    let size = std::fs::metadata(manifest_dir().join("README.md"))
        .unwrap()
        .len();
    assert!(
        size <= README_MAX_BYTES,
        "README.md is {size} bytes, over {README_MAX_BYTES}: move reference material to docs/"
    );
}

#[test]
fn every_relative_link_resolves_to_a_file_and_heading() {
    let root = manifest_dir();
    let mut broken = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(root.join(&doc)).unwrap();
        for (number, line) in prose(&text) {
            for target in link_targets(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let (path, fragment) = target.split_once('#').unwrap_or((&target, ""));
                let file = if path.is_empty() {
                    root.join(&doc)
                } else {
                    root.join(doc.parent().unwrap_or(Path::new(""))).join(path)
                };
                let at = format!("{}:{number}: ({target})", doc.display());
                if !file.exists() {
                    broken.push(format!("{at}: no file {}", file.display()));
                } else if !fragment.is_empty() && file.extension().is_some_and(|e| e == "md") {
                    let headings = anchors(&std::fs::read_to_string(&file).unwrap());
                    if !headings.contains(fragment) {
                        broken.push(format!("{at}: no heading #{fragment} there"));
                    }
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} relative links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_link_checker_finds_anchors_as_github_makes_them() {
    let headings = anchors(
        "## Before deploying: `synth diff`\n```sh\n# not a heading\n```\n### notebook-identity\n\
         ### notebook-identity\n#### `teams` — notebooks, groups and users per team\n",
    );
    let expected = [
        "before-deploying-synth-diff",
        "notebook-identity",
        "notebook-identity-1",
        "teams--notebooks-groups-and-users-per-team",
    ];
    assert_eq!(headings, expected.iter().map(|s| s.to_string()).collect());
    assert_eq!(
        link_targets("see [a](x.md#b) and `[c](not-a-link)`, ![d](graphs/e.svg), \\[f\\](g)"),
        ["x.md#b", "graphs/e.svg"]
    );
}

/// Markdown-escapes the characters of a rule's text that would otherwise format it,
/// leaving `code spans` as they are.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(part);
            continue;
        }
        for c in part.chars() {
            if matches!(c, '\\' | '*' | '_' | '<' | '>' | '[' | ']' | '|' | '#') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

fn list(values: &Value) -> String {
    let items: Vec<String> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| format!("`{}`", v.as_str().unwrap()))
        .collect();
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

/// docs/rules.md as `synth rules --format json` describes the rule pack now.
fn rules_catalogue() -> String {
    let (code, json, stderr) = synth(manifest_dir(), &["rules", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let rules: Value = serde_json::from_str(&json).unwrap();
    let rules = rules["rules"].as_array().unwrap();
    let mut out = format!(
        "# Rule catalogue\n\n\
         Generated from `synth rules --format json` (do not edit: \
         `SAGESYNTH_UPDATE_DOCS=1 cargo test --test docs` rewrites this file, and the test \
         fails when it is stale). `synth rules` lists all {} rules; `synth explain ID` prints \
         one, with how to suppress it. What the pack covers, and why, is in \
         [security checks](security.md).\n\n\
         | rule | severity | rationale |\n|---|---|---|\n",
        rules.len()
    );
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        out.push_str(&format!(
            "| [{id}](#{}) | {} | {} |\n",
            id.to_lowercase(),
            rule["severity"].as_str().unwrap(),
            escape(rule["rationale"].as_str().unwrap())
        ));
    }
    for rule in rules {
        let eq = &rule["equivalents"];
        out.push_str(&format!(
            "\n## {}\n\n{}\n\n- **Checks**: {}\n- **Fix**: {}\n- **Severity**: {}; \
             **applies to**: {}\n- **Equivalents**: cfn-lint {}; checkov {}\n",
            rule["id"].as_str().unwrap(),
            escape(rule["rationale"].as_str().unwrap()),
            escape(rule["checks"].as_str().unwrap()),
            escape(rule["fix"].as_str().unwrap()),
            rule["severity"].as_str().unwrap(),
            list(&rule["applies_to"]),
            list(&eq["cfn_lint"]),
            list(&eq["checkov"]),
        ));
    }
    out
}

#[test]
fn the_rule_catalogue_is_what_synth_rules_lists_now() {
    let path = manifest_dir().join("docs/rules.md");
    let want = rules_catalogue();
    if std::env::var("SAGESYNTH_UPDATE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is not what `synth rules` lists now; regenerate it with \
         `SAGESYNTH_UPDATE_DOCS=1 cargo test --test docs` and commit it"
    );
}

/// The README's example under "## Define a stack" is a definition `synth` accepts.
#[test]
fn the_readme_example_definition_synthesizes() {
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    let section = readme
        .split_once("\n## Define a stack\n")
        .expect("README has `## Define a stack`")
        .1;
    let example = section
        .split_once("```yaml\n")
        .and_then(|(_, rest)| rest.split_once("```\n"))
        .expect("a ```yaml block in `## Define a stack`")
        .0;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("stacks")).unwrap();
    std::fs::write(dir.path().join("stacks/studio-private.yaml"), example).unwrap();
    let (code, template, stderr) = synth(dir.path(), &["--stack", "studio-private"]);
    assert_eq!(
        code, 0,
        "the README's example does not synthesize:\n{stderr}"
    );
    let template: Value = serde_json::from_str(&template).unwrap();
    assert!(
        template["Resources"]["StudioDomain"].is_object(),
        "the example makes a Studio domain"
    );
}

/// Each graph docs/stacks.md embeds has its rendered picture, shown there.
#[test]
fn the_stacks_doc_shows_a_rendered_picture_of_every_graph() {
    let doc = std::fs::read_to_string(manifest_dir().join("docs/stacks.md")).unwrap();
    let mut graphs = 0;
    for line in doc.lines() {
        let Some(args) = line
            .strip_prefix("<!-- synth graph ")
            .and_then(|l| l.strip_suffix(" -->"))
        else {
            continue;
        };
        graphs += 1;
        let words: Vec<&str> = args.split(' ').collect();
        let name = match words.as_slice() {
            ["--stack", name] => name.to_string(),
            ["--stack", name, "--template", suffix] => format!("{name}.{suffix}"),
            _ => panic!("docs/stacks.md: unexpected marker arguments `{args}`"),
        };
        let picture = format!("graphs/{name}.svg");
        assert!(
            doc.contains(&format!("]({picture})")),
            "docs/stacks.md does not show {picture}"
        );
        let svg = std::fs::read_to_string(manifest_dir().join("docs").join(&picture))
            .unwrap_or_else(|e| panic!("docs/{picture}: {e}; run bash .ci/render-graphs.sh"));
        let header = format!(
            "<!-- rendered by .ci/render-graphs.sh from synth graph of {name}, mermaid text sha256 "
        );
        assert!(
            svg.starts_with(&header) && svg.contains("<svg") && svg.contains("flowchart"),
            "docs/{picture} is not a Mermaid flowchart written by .ci/render-graphs.sh"
        );
        // An XML comment may not hold "--": the browser would show a parse error instead.
        let first = svg.lines().next().unwrap();
        assert!(
            first.ends_with(" -->") && !first[4..first.len() - 4].contains("--"),
            "docs/{picture}: its first line is no valid XML comment"
        );
    }
    assert!(graphs >= 7, "docs/stacks.md embeds {graphs} graphs");
}
