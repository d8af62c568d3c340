//! `src/diff/interruption.json`, the reviewed table `synth diff` reads to tell an in-place
//! update that interrupts the resource ("Some interruptions" in the CloudFormation resource
//! reference) from one that does not.
//!
//! Every (type, top-level property) pair the shipped templates of `out/` emit must be
//! decided: create-only or conditionally create-only in `src/diff/replacement.json`, or
//! listed for its type under `some_interruptions`, `no_interruption` or `not_verified`, or
//! its type listed as `unknown`. A new emitted type or property fails here until someone
//! reads its reference page and records what it says. The test definitions of
//! `tests/data/` count as emitters too (the Studio image types appear only there), and
//! `unknown` may only shrink: a type new to the templates gets its page read.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use sagesynth::diff::interruption_table;
use serde_json::Value;

const TABLE: &str = "src/diff/interruption.json";

fn read_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(support::manifest_dir().join(rel))
        .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not valid JSON: {e}"))
}

/// The test definitions of `tests/data/`, whose templates count as emitted.
const TEST_DEFINITIONS: &[&str] = &[
    "object-lock",
    "existing-network",
    "nat-egress",
    "empty-on-delete",
    "studio-images",
];

/// The types left unknown when the table last changed. A type may leave this list (its
/// page read), none may join it.
const UNKNOWN_AT_MOST: &[&str] = &[
    "AWS::SSO::ApplicationAssignment",
    "AWS::SageMaker::StudioLifecycleConfig",
    "Custom::StudioCleanup",
];

/// Type → top-level property names, over every resource of `out/*.template.json` and of
/// the templates of [`TEST_DEFINITIONS`].
fn emitted() -> BTreeMap<String, BTreeSet<String>> {
    let mut templates: Vec<Value> = support::shipped_templates()
        .iter()
        .map(|path| support::read_template(path))
        .collect();
    for name in TEST_DEFINITIONS {
        let file = format!("tests/data/{name}.yaml");
        let text = std::fs::read_to_string(support::manifest_dir().join(&file))
            .unwrap_or_else(|e| panic!("reading {file}: {e}"));
        templates.push(support::stacks::template(name, &text));
    }
    let mut pairs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in templates {
        for r in t["Resources"].as_object().expect("Resources").values() {
            let props = pairs
                .entry(r["Type"].as_str().expect("Type").to_string())
                .or_default();
            if let Some(p) = r["Properties"].as_object() {
                props.extend(p.keys().cloned());
            }
        }
    }
    pairs
}

/// The top-level properties of `rtype` that replacement.json lists as (conditionally)
/// create-only.
fn create_only(replacement: &Value, rtype: &str) -> BTreeSet<String> {
    ["create_only", "conditional_create_only"]
        .iter()
        .flat_map(|k| {
            replacement["types"][rtype][*k]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|p| p.as_str().map(str::to_string))
        .filter(|p| !p.contains('.'))
        .collect()
}

#[test]
fn every_emitted_property_is_decided() {
    let table = interruption_table();
    let replacement = read_json("src/diff/replacement.json");
    let mut undecided = Vec::new();
    for (rtype, props) in emitted() {
        let unknown = table.unknown.contains(&rtype);
        let Some(entry) = table.types.get(&rtype) else {
            if !unknown {
                undecided.push(format!("{rtype} (the type: neither checked nor unknown)"));
            }
            continue;
        };
        let replaced = create_only(&replacement, &rtype);
        for p in props {
            let decided = replaced.contains(&p)
                || entry.some.contains(&p)
                || entry.none.contains(&p)
                || entry.not_verified.contains(&p)
                || entry.page_says_replacement.contains(&p);
            if !decided {
                undecided.push(format!("{rtype}.{p}"));
            }
        }
    }
    assert!(
        undecided.is_empty(),
        "{TABLE} does not decide these emitted types or properties: {undecided:?}. Look the \
         property up in the CloudFormation resource reference (\"Update requires\") and list \
         it under some_interruptions, no_interruption or not_verified (with why), or list \
         the type under unknown."
    );
}

#[test]
fn no_type_joins_the_unknown_ones() {
    let table = interruption_table();
    let joined: Vec<&String> = table
        .unknown
        .iter()
        .filter(|t| !UNKNOWN_AT_MOST.contains(&t.as_str()))
        .collect();
    assert!(
        joined.is_empty(),
        "{TABLE}: {joined:?} joined `unknown`; read the type's reference page and record \
         its properties under `types` instead"
    );
    for t in [
        "AWS::CodeArtifact::Domain",
        "AWS::CodeArtifact::Repository",
        "AWS::SageMaker::Image",
        "AWS::SageMaker::ImageVersion",
        "AWS::SageMaker::AppImageConfig",
    ] {
        assert!(table.types.contains_key(t), "{TABLE}: {t} is not checked");
    }
}

#[test]
fn the_table_is_consistent_and_follows_the_shipped_templates() {
    let table = interruption_table();
    let json = read_json(TABLE);
    let emitted = emitted();
    for t in &table.unknown {
        assert!(
            !table.types.contains_key(t),
            "{TABLE}: {t} is both checked and unknown"
        );
        assert!(
            emitted.contains_key(t),
            "{TABLE}: unknown {t} is not emitted by out/ or a test definition"
        );
    }
    assert!(
        table.unknown.windows(2).all(|w| w[0] < w[1]),
        "{TABLE}: unknown is not sorted"
    );
    for (t, entry) in &table.types {
        let raw = &json["types"][t];
        let page = raw["page"].as_str().unwrap_or_default();
        assert!(
            page.starts_with("https://docs.aws.amazon.com/AWSCloudFormation/latest/"),
            "{TABLE}: {t} has no reference page URL"
        );
        assert!(
            raw["retrieved_from"]
                .as_str()
                .is_some_and(|s| s.starts_with("https://")),
            "{TABLE}: {t} does not say where the page was read"
        );
        let page_replacements = raw["page_says_replacement"].as_object().cloned();
        for (p, url) in raw["some_interruptions"]
            .as_object()
            .expect("an object")
            .iter()
            .chain(page_replacements.iter().flatten())
        {
            let url = url.as_str().unwrap_or_default();
            assert!(
                url.starts_with(&format!("{page}#")),
                "{TABLE}: {t}.{p}: the source {url:?} is not an entry of {page}"
            );
        }
        let props = emitted.get(t).unwrap_or_else(|| {
            panic!("{TABLE}: {t} is not emitted by out/ or a test definition; remove it")
        });
        let mut seen = BTreeSet::new();
        for p in entry
            .some
            .iter()
            .chain(&entry.none)
            .chain(&entry.not_verified)
            .chain(&entry.page_says_replacement)
        {
            assert!(seen.insert(p), "{TABLE}: {t}.{p} is listed twice");
            assert!(
                props.contains(p),
                "{TABLE}: {t}.{p} is not emitted by out/; keep the table to what is emitted"
            );
        }
    }
    // Facts read on the reference pages (see the URLs in the table).
    let ec2 = &table.types["AWS::EC2::Instance"];
    assert!(ec2.some.contains(&"InstanceType".to_string()));
    assert!(ec2.none.contains(&"IamInstanceProfile".to_string()));
    let nb = &table.types["AWS::SageMaker::NotebookInstance"];
    assert!(nb.some.contains(&"VolumeSizeInGB".to_string()));
    assert!(nb.none.contains(&"RoleArn".to_string()));
    assert!(table.types["AWS::Lambda::Function"].some.is_empty());
    // The Studio domain's and user profiles' pages say a Tags update replaces them; the
    // domain's page says so of AppNetworkAccessType and SubnetIds too.
    assert_eq!(
        table.types["AWS::SageMaker::UserProfile"].page_says_replacement,
        ["Tags"]
    );
    assert_eq!(
        table.types["AWS::SageMaker::Domain"].page_says_replacement,
        ["AppNetworkAccessType", "SubnetIds", "Tags"]
    );
    // A key's policy and rotation, a bucket's encryption and public access block, and a
    // policy's document change in place without interruption.
    let key = &table.types["AWS::KMS::Key"];
    assert!(
        key.none.contains(&"KeyPolicy".to_string())
            && key.none.contains(&"EnableKeyRotation".to_string())
    );
    let bucket = &table.types["AWS::S3::Bucket"];
    assert!(bucket.none.contains(&"BucketEncryption".to_string()));
    assert!(
        bucket
            .none
            .contains(&"PublicAccessBlockConfiguration".to_string())
    );
    assert!(
        table.types["AWS::IAM::ManagedPolicy"]
            .none
            .contains(&"PolicyDocument".to_string())
    );
    // The archived bucket page says Object Lock needs a new bucket (the schema does not):
    // a possible replacement, as for the Studio domain.
    assert_eq!(bucket.page_says_replacement, ["ObjectLockEnabled"]);
}
