//! Judges literal names against the rules of the services behind the resources, and
//! policies against IAM's size quotas; the rules and quotas live with the resource types
//! (`resources::{s3, sagemaker, iam}`). Only literal names are checked; a name computed
//! at deploy time is checked by the service.

use crate::template::json::Json;

use super::Finding;
use super::rules::id;
use crate::resources::iam::{
    self, MAX_MANAGED_POLICY_CHARS, MAX_ROLE_INLINE_POLICIES_CHARS, MAX_TRUST_POLICY_CHARS,
};
use crate::resources::{s3, sagemaker};

/// [`check_resources`] of a whole template's resources (for the tests, which start
/// from a template; a run starts from the rules' context).
#[cfg(test)]
pub fn check(template: &Json, findings: &mut Vec<Finding>) {
    let resources = crate::template::read::section(template, "Resources").map(|(id, resource)| {
        let kind = resource.get("Type").and_then(Json::as_str);
        (id, kind, super::rules::props(resource))
    });
    check_resources(resources, findings);
}

/// [`check`] of resources given as logical ID, `Type` and `Properties` (`null` when none),
/// as the rules' context has read them.
pub fn check_resources<'a>(
    resources: impl Iterator<Item = (&'a str, Option<&'a str>, &'a Json)>,
    findings: &mut Vec<Finding>,
) {
    for (id, kind, props) in resources {
        let Some(kind) = kind else {
            continue;
        };
        let literal = |name: &str| props.get(name).and_then(Json::as_str);
        let at = |name: &str| format!("Resources.{id}.Properties.{name}");
        let sagemaker_name = |prop: &str, findings: &mut Vec<Finding>| {
            if let Some(name) = literal(prop)
                && !sagemaker::is_valid_name(name)
            {
                findings.push(Finding::error(
                    id::NAME_SAGEMAKER,
                    at(prop),
                    format!("`{name}` does not match {}", sagemaker::NAME_PATTERN),
                ));
            }
        };
        match kind {
            "AWS::SageMaker::Domain" => sagemaker_name("DomainName", findings),
            "AWS::SageMaker::UserProfile" => sagemaker_name("UserProfileName", findings),
            "AWS::SageMaker::NotebookInstance" => sagemaker_name("NotebookInstanceName", findings),
            "AWS::SageMaker::NotebookInstanceLifecycleConfig" => {
                sagemaker_name("NotebookInstanceLifecycleConfigName", findings)
            }
            "AWS::S3::Bucket" => {
                if let Some(name) = literal("BucketName")
                    && let Err(why) = s3::check_bucket_name(name)
                {
                    findings.push(Finding::error(id::NAME_S3_BUCKET, at("BucketName"), why));
                }
            }
            _ => {
                let Some((prop, max)) = iam::name_property(kind) else {
                    continue;
                };
                if let Some(name) = literal(prop)
                    && !iam::is_valid_name(name, max)
                {
                    findings.push(Finding::error(
                        id::NAME_IAM,
                        at(prop),
                        format!("`{name}` is not a valid IAM name (1 to {max} of letters, digits and +=,.@_-)"),
                    ));
                }
                if let Some(path) = literal("Path")
                    && !iam::is_valid_path(path)
                {
                    findings.push(Finding::error(
                        id::NAME_IAM_PATH,
                        at("Path"),
                        format!("`{path}` is not a valid IAM path (`/` or `/segment/…/`)"),
                    ));
                }
                check_policy_sizes(id, kind, props, findings);
            }
        }
    }
}

/// Policy size as IAM counts it: the JSON text without whitespace outside strings.
fn policy_chars(policy: &Json) -> usize {
    crate::template::json_text::compact_len(policy)
}

fn check_policy_sizes(id: &str, kind: &str, props: &Json, findings: &mut Vec<Finding>) {
    if kind == "AWS::IAM::ManagedPolicy" {
        if let Some(doc) = props.get("PolicyDocument") {
            let n = policy_chars(doc);
            if n > MAX_MANAGED_POLICY_CHARS {
                findings.push(Finding::error(
                    id::IAM_POLICY_SIZE,
                    format!("Resources.{id}.Properties.PolicyDocument"),
                    format!("the managed policy is {n} characters; IAM allows {MAX_MANAGED_POLICY_CHARS}"),
                ));
            }
        }
        return;
    }
    if let Some(doc) = props.get("AssumeRolePolicyDocument") {
        let n = policy_chars(doc);
        if n > MAX_TRUST_POLICY_CHARS {
            findings.push(Finding::error(
                id::IAM_POLICY_SIZE,
                format!("Resources.{id}.Properties.AssumeRolePolicyDocument"),
                format!("the trust policy is {n} characters; IAM allows {MAX_TRUST_POLICY_CHARS} by default"),
            ));
        }
    }
    if let Some(Json::Array(policies)) = props.get("Policies") {
        let total: usize = policies
            .iter()
            .filter_map(|p| p.get("PolicyDocument"))
            .map(policy_chars)
            .sum();
        if kind == "AWS::IAM::Role" && total > MAX_ROLE_INLINE_POLICIES_CHARS {
            findings.push(Finding::error(
                id::IAM_POLICY_SIZE,
                format!("Resources.{id}.Properties.Policies"),
                format!("inline policies total {total} characters; a role's may total {MAX_ROLE_INLINE_POLICIES_CHARS}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn reports_bad_literal_names() {
        let t = json!({"Resources": {
            "D": {"Type": "AWS::SageMaker::Domain", "Properties": {"DomainName": "bad_name"}},
            "U": {"Type": "AWS::SageMaker::UserProfile", "Properties": {"UserProfileName": {"Ref": "P"}}},
            "R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "has space", "Path": "no-slash"}},
            "M": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"S": "x".repeat(7000)}}}
        }});
        let mut f = Vec::new();
        check(&t, &mut f);
        let rules: Vec<&str> = f.iter().map(|f| f.rule).collect();
        assert_eq!(
            rules,
            vec![
                "NAME-SAGEMAKER",
                "NAME-IAM",
                "NAME-IAM-PATH",
                "IAM-POLICY-SIZE"
            ]
        );
    }
}
