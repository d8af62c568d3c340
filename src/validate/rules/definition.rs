//! Rules about what the definition leaves to chance. The template records, in
//! `Metadata.sagesynth`, the file name its resources were named after when the definition
//! names none itself; the rule judges which names of the emitted template it gave.

use super::{Context, Equivalents, Rule, Severity, Violation};

/// The key of `Metadata.sagesynth` that holds the file name a definition without `name`
/// was named after.
pub const NAME_FROM_FILE_METADATA: &str = "name_from_file";

/// The name properties the composer derives from the stack's name, by resource type, and
/// how: (type, property, whether a value was made from the name). Each is create-only
/// (CloudFormation replaces the resource when it changes). A name the definition gives
/// itself (`studio.domain_name`, a notebook role's `name`) may equal the file name by
/// choice; the patterns are what the composer makes, so that such a name is not counted.
type Made = fn(&str, &str) -> bool;
const DERIVED: &[(&str, &str, Made)] = &[
    ("AWS::SageMaker::Domain", "DomainName", |v, stem| v == stem),
    ("AWS::CodeArtifact::Domain", "DomainName", |v, stem| {
        v == stem
    }),
    // Team notebooks: `<name>-<team>`.
    (
        "AWS::SageMaker::NotebookInstance",
        "NotebookInstanceName",
        |v, stem| suffix(v, stem).is_some_and(|s| !s.is_empty()),
    ),
    (
        "AWS::SageMaker::NotebookInstanceLifecycleConfig",
        "NotebookInstanceLifecycleConfigName",
        |v, stem| matches!(suffix(v, stem), Some("on-start" | "identity")),
    ),
    // Multi-account provisioning roles: `<name>-onboarding-<region>`, `<name>-offboarding-<region>`.
    ("AWS::IAM::Role", "RoleName", |v, stem| {
        suffix(v, stem)
            .is_some_and(|s| s.starts_with("onboarding-") || s.starts_with("offboarding-"))
    }),
    (
        "AWS::CloudFormation::StackSet",
        "StackSetName",
        |v, stem| v == stem,
    ),
    ("AWS::SSM::Parameter", "Name", |v, stem| {
        v.starts_with(&format!("/sagesynth/{stem}/"))
    }),
];

/// What follows `<stem>-` in `value`, if it starts so.
fn suffix<'v>(value: &'v str, stem: &str) -> Option<&'v str> {
    value.strip_prefix(stem)?.strip_prefix('-')
}

pub static RULES: &[Rule] = &[Rule {
    id: "DEF-NAME-FROM-FILE",
    severity: Severity::Warning,
    rationale: "Without `name:` the file name names the Studio domain and the other resources named after the stack; renaming or copying the file renames them, and a new name replaces the resource (a new domain: every user's home directory is lost).",
    checks: "When Metadata.sagesynth.name_from_file records that the definition has no `name`, no name of the template is made from that file name the way the stack's name makes names: a Studio or CodeArtifact DomainName or a StackSetName equal to it, a NotebookInstanceName `<file>-…`, a NotebookInstanceLifecycleConfigName `<file>-on-start` or `<file>-identity`, a RoleName `<file>-onboarding-…` or `<file>-offboarding-…`, an SSM parameter Name under `/sagesynth/<file>/`.",
    fix: "Add `name:` with the file name the message gives to the definition: the names stay what they are, and the file may then be renamed or copied. A copy meant to change the same deployed stack takes the `name` of the original.",
    applies_to: &["*"],
    equivalents: Equivalents {
        cfn_lint: &[],
        checkov: &[],
    },
    check: name_from_file,
}];

fn name_from_file(cx: &Context) -> Vec<Violation> {
    let Some(stem) = cx.template["Metadata"]["sagesynth"][NAME_FROM_FILE_METADATA].as_str() else {
        return Vec::new();
    };
    let names: Vec<String> = DERIVED
        .iter()
        .flat_map(|(kind, prop, made)| {
            cx.of_type(kind).filter_map(move |(id, p)| {
                let value = p[*prop].as_str().filter(|v| made(v, stem))?;
                Some(format!("{id} {prop} `{value}`"))
            })
        })
        .collect();
    if names.is_empty() {
        return Vec::new();
    }
    vec![Violation {
        location: format!("Metadata.sagesynth.{NAME_FROM_FILE_METADATA}"),
        message: format!(
            "{} named after the file name `{stem}` ({}): renaming or copying the file renames and so replaces {}; set the top-level field `name: {stem}` in the definition",
            if names.len() == 1 {
                "1 resource is".to_string()
            } else {
                format!("{} resources are", names.len())
            },
            names.join(", "),
            if names.len() == 1 { "it" } else { "them" },
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_rule, fire};
    use super::*;
    use crate::json;
    use crate::template::json::Json;

    fn template(metadata: Json, domain: &str) -> Json {
        json!({
            "Metadata": metadata,
            "Resources": {
                "StudioDomain": {"Type": "AWS::SageMaker::Domain", "Properties": {"DomainName": domain}},
                "Member": {"Type": "AWS::CloudFormation::StackSet", "Properties": {"StackSetName": "other"}},
                "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/sagesynth/sp2/studio-domain-id"}}
            }
        })
    }

    #[test]
    fn names_from_the_file_are_reported_and_a_named_definition_is_not() {
        assert_rule(
            "DEF-NAME-FROM-FILE",
            template(json!({}), "sp2"),
            template(json!({"sagesynth": {"name_from_file": "sp2"}}), "sp2"),
            "Metadata.sagesynth.name_from_file",
        );
        let found = fire(
            "DEF-NAME-FROM-FILE",
            template(json!({"sagesynth": {"name_from_file": "sp2"}}), "sp2"),
        );
        assert_eq!(
            found[0].message,
            "2 resources are named after the file name `sp2` (StudioDomain DomainName `sp2`, Param Name `/sagesynth/sp2/studio-domain-id`): renaming or copying the file renames and so replaces them; set the top-level field `name: sp2` in the definition"
        );
    }

    #[test]
    fn names_the_definition_gives_itself_are_not_the_files() {
        // `studio.domain_name: research` and a user named like the stack's prefix.
        let found = fire(
            "DEF-NAME-FROM-FILE",
            json!({
                "Metadata": {"sagesynth": {"name_from_file": "sp"}},
                "Resources": {
                    "StudioDomain": {"Type": "AWS::SageMaker::Domain", "Properties": {"DomainName": "research"}},
                    "Notebook": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {"NotebookInstanceName": "sp2-team"}}
                }
            }),
        );
        assert!(found.is_empty(), "{found:?}");
        // A role the definition names like the file (a shared notebook role) is its own.
        let role = |name: &str| {
            json!({
                "Metadata": {"sagesynth": {"name_from_file": "sp"}},
                "Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": name}}}
            })
        };
        assert!(fire("DEF-NAME-FROM-FILE", role("sp")).is_empty());
        assert_eq!(
            fire("DEF-NAME-FROM-FILE", role("sp-onboarding-eu-west-1")).len(),
            1
        );
        assert_eq!(suffix("sp-team", "sp"), Some("team"));
        assert_eq!(suffix("spx", "sp"), None);
    }
}
