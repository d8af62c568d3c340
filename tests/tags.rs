//! A definition's `tags:` reach every resource that takes tags, in every template the
//! definition produces: the main template, nested user stacks, the StackSet member
//! template (its file and the copy the StackSet embeds). And the table of how each type
//! takes tags agrees with the resource provider schemas cfn-lint bundles.

mod support;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use sagesynth::constructs::scope::Scope;
use sagesynth::resources::ec2::{Tag, Vpc};
use sagesynth::resources::kms::Alias;
use sagesynth::synth::Synthesis;
use sagesynth::template::Tags;
use sagesynth::template::tags::{TAG_SUPPORT, TagShape, support as tag_support};
use serde_json::Value;
use support::stacks::{definition, json, load, shipped, synthesize};

const TAGS: &[(&str, &str)] = &[
    ("cost-center", "cc-4711"),
    ("owner", "ml-platform"),
    ("environment", "test"),
];

/// `text` with its `tags:` block (if any) replaced by [`TAGS`].
fn with_test_tags(text: &str) -> String {
    let mut out = String::new();
    let mut in_tags = false;
    for line in text.lines() {
        if line.starts_with("tags:") {
            in_tags = true;
            continue;
        }
        if in_tags && line.starts_with("  ") {
            continue;
        }
        in_tags = false;
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("tags:\n");
    for (k, v) in TAGS {
        out.push_str(&format!("  {k}: {v}\n"));
    }
    out
}

/// Every resource of `template` whose type takes tags carries every tag of [`TAGS`]; the
/// others have no `Tags`. Records the types seen with tags. StackSet members embedded as
/// `TemplateBody` are walked too.
fn assert_tagged(where_: &str, template: &Value, tagged: &mut BTreeSet<String>) {
    for (id, r) in template["Resources"].as_object().expect("Resources") {
        let t = r["Type"].as_str().expect("Type");
        let support = tag_support(t).unwrap_or_else(|| {
            panic!("{where_}: {id} is a {t}, which src/template/tags.rs TAG_SUPPORT does not list")
        });
        let tags = &r["Properties"]["Tags"];
        match support.shape {
            None => assert!(tags.is_null(), "{where_}: {id} ({t}) takes no tags: {tags}"),
            Some(TagShape::KeyValueList) => {
                for (k, v) in TAGS {
                    let found = tags
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|tag| tag["Key"] == *k && tag["Value"] == *v);
                    assert!(found, "{where_}: {id} ({t}) lacks the tag {k}={v}: {tags}");
                }
                tagged.insert(t.to_string());
            }
            Some(TagShape::Map) => {
                for (k, v) in TAGS {
                    assert_eq!(tags[*k], *v, "{where_}: {id} ({t}) lacks the tag {k}={v}");
                }
                tagged.insert(t.to_string());
            }
        }
        if let Some(body) = r["Properties"]["TemplateBody"].as_str() {
            let member: Value = serde_json::from_str(body).expect("an embedded JSON template");
            assert_tagged(&format!("{where_}: {id}.TemplateBody"), &member, tagged);
        }
    }
}

fn assert_all_tagged(s: &Synthesis, tagged: &mut BTreeSet<String>) -> usize {
    assert_tagged(&s.name, &json(s), tagged);
    1 + s
        .children
        .iter()
        .map(|c| assert_all_tagged(c, tagged))
        .sum::<usize>()
}

#[test]
fn every_taggable_resource_of_every_template_carries_the_definitions_tags() {
    let mut tagged = BTreeSet::new();
    let mut templates = 0;
    let mut definitions: Vec<(String, String)> = shipped()
        .into_iter()
        .map(|(name, _)| {
            let text = with_test_tags(&definition(&name));
            (name, text)
        })
        .collect();
    // Nested stacks of user profiles: the children carry the tags as the parent does.
    definitions.push((
        "studio-private".into(),
        format!(
            "{}split: nested\n",
            with_test_tags(&definition("studio-private"))
        ),
    ));
    for (name, text) in &definitions {
        assert_eq!(load(name, text).definition.tags.len(), TAGS.len(), "{name}");
        templates += assert_all_tagged(&synthesize(name, text), &mut tagged);
    }
    assert!(templates > definitions.len(), "children were walked");
    // The walk reached the types that are easy to miss: another shape, nested stacks,
    // the StackSet, and the member template's domain.
    for t in [
        "AWS::SSM::Parameter",
        "AWS::CloudFormation::Stack",
        "AWS::CloudFormation::StackSet",
        "AWS::SageMaker::Domain",
        "AWS::SageMaker::UserProfile",
        "AWS::SageMaker::NotebookInstance",
        "AWS::IAM::Role",
        "AWS::S3::Bucket",
    ] {
        assert!(tagged.contains(t), "no {t} was tagged: {tagged:?}");
    }
}

/// Without `tags:` a definition adds none: the shipped stacks without them keep the
/// templates they had.
#[test]
fn a_definition_without_tags_adds_none() {
    let text = definition("notebook-identity");
    assert!(
        !text.contains("\ntags:"),
        "the case needs a stack without tags"
    );
    let t = json(&synthesize("notebook-identity", &text));
    for (id, r) in t["Resources"].as_object().unwrap() {
        let keys: Vec<&str> = r["Properties"]["Tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|tag| tag["Key"].as_str())
            .collect();
        assert!(
            keys.iter().all(|k| *k == "Name"),
            "{id} has tags it was not given: {keys:?}"
        );
    }
}

/// The Rust API: `Scope::tags` reaches resources added before and after it, in the shape
/// each type takes, and refuses a clash with a construct's own tag.
#[test]
fn scope_tags_reach_resources_added_before_and_after() {
    let mut template = sagesynth::template::Template::new();
    let mut scope = Scope::root(&mut template);
    let vpc = || {
        Vpc::builder()
            .cidr_block("10.0.0.0/16")
            .tags(Tag::new("Name", "net"))
            .build()
            .unwrap()
    };
    scope.add("Before", vpc()).unwrap();
    let tags = Tags::from_pairs([("owner", "ml")]).unwrap();
    scope.tags(&tags).unwrap();
    scope.child("inner").add("After", vpc()).unwrap();
    scope
        .add(
            "Alias",
            Alias::builder()
                .alias_name("alias/x")
                .target_key_id("k")
                .build()
                .unwrap(),
        )
        .unwrap();
    let json = serde_json::to_value(&template).unwrap();
    for id in ["Before", "InnerAfter"] {
        assert_eq!(
            json["Resources"][id]["Properties"]["Tags"],
            serde_json::json!([{"Key": "Name", "Value": "net"}, {"Key": "owner", "Value": "ml"}]),
            "{id}"
        );
    }
    assert!(json["Resources"]["Alias"]["Properties"]["Tags"].is_null());

    let mut scope = Scope::root(&mut template);
    let clash = Tags::from_pairs([("Name", "other")]).unwrap();
    let err = scope.tags(&clash).unwrap_err();
    assert!(
        err.to_string().contains("tag `Name` is already set"),
        "{err}"
    );
    let again = Tags::from_pairs([("owner", "someone-else")]).unwrap();
    assert!(
        scope.tags(&again).is_err(),
        "a key set twice with two values"
    );
    let json_after = serde_json::to_value(&template).unwrap();
    assert_eq!(
        json, json_after,
        "a refused set_tags leaves the template unchanged"
    );
}

/// TAG_SUPPORT against the resource provider schemas cfn-lint bundles (its pinned version,
/// in `.venv/`): the property is `Tags`, a list of Key/Value or an object, or absent.
/// Skipped without the venv's Python, except in CI.
#[test]
fn the_table_agrees_with_the_provider_schemas() {
    let test = "tags";
    let python = support::manifest_dir().join(".venv/bin/python3");
    if !python.exists() {
        if support::in_ci() {
            panic!("{} is missing; {}", python.display(), support::INSTALL_HINT);
        }
        support::skip(test, "no .venv/bin/python3 with cfn-lint");
        return;
    }
    const SCRIPT: &str = r#"
import json, sys, cfnlint
from pathlib import Path
schemas = Path(cfnlint.__file__).resolve().parent / "data" / "schemas"
providers = json.load(open(schemas / "providers" / "us-east-1.json"))
out = {}
for t in sys.argv[1:]:
    schema = json.load(open(schemas / "resources" / (providers[t] + ".json")))
    tags = schema.get("properties", {}).get("Tags")
    if tags is None:
        out[t] = None
    elif tags.get("type") == "array":
        item = tags.get("items", {}).get("$ref", "").split("/")[-1]
        props = schema["definitions"][item]["properties"] if item else tags["items"]["properties"]
        out[t] = "list" if {"Key", "Value"} <= set(props) else "other"
    elif tags.get("type") == "object":
        out[t] = "map"
    else:
        out[t] = "other"
print(json.dumps(out))
"#;
    let mut cmd = Command::new(&python);
    cmd.arg("-c").arg(SCRIPT);
    // Custom resources have no provider schema: their properties are their provider's.
    let checked: Vec<_> = TAG_SUPPORT
        .iter()
        .filter(|s| !s.type_name.starts_with("Custom::"))
        .collect();
    cmd.args(checked.iter().map(|s| s.type_name));
    let out = support::run_bounded(&mut cmd, Duration::from_secs(120));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let schemas: Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in checked {
        let expected = match s.shape {
            None => Value::Null,
            Some(TagShape::KeyValueList) => Value::from("list"),
            Some(TagShape::Map) => Value::from("map"),
        };
        assert_eq!(schemas[s.type_name], expected, "{}", s.type_name);
    }
}
