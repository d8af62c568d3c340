//! Name rules of the services behind the resources, and IAM's policy-size quotas. Only
//! literal names are checked; a name computed at deploy time is checked by the service.

use serde_json::Value as Json;

use super::Finding;
use super::rules::id;
use crate::resources::sagemaker;
use crate::template::read::section;

/// IAM quotas on policy text, counted without whitespace.
pub const MAX_ROLE_INLINE_POLICIES_CHARS: usize = 10_240;
pub const MAX_MANAGED_POLICY_CHARS: usize = 6_144;
pub const MAX_TRUST_POLICY_CHARS: usize = 2_048;

pub fn check(template: &Json, findings: &mut Vec<Finding>) {
    for (id, resource) in section(template, "Resources") {
        let Some(kind) = resource.get("Type").and_then(Json::as_str) else {
            continue;
        };
        let props = resource.get("Properties");
        let literal = |name: &str| props.and_then(|p| p.get(name)).and_then(Json::as_str);
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
                    && let Err(why) = check_bucket_name(name)
                {
                    findings.push(Finding::error(id::NAME_S3_BUCKET, at("BucketName"), why));
                }
            }
            "AWS::IAM::Role"
            | "AWS::IAM::User"
            | "AWS::IAM::Group"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::InstanceProfile" => {
                let (prop, max) = match kind {
                    "AWS::IAM::Role" => ("RoleName", 64),
                    "AWS::IAM::User" => ("UserName", 64),
                    "AWS::IAM::Group" => ("GroupName", 128),
                    "AWS::IAM::InstanceProfile" => ("InstanceProfileName", 128),
                    _ => ("ManagedPolicyName", 128),
                };
                if let Some(name) = literal(prop) {
                    let valid = !name.is_empty()
                        && name.len() <= max
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
                    if !valid {
                        findings.push(Finding::error(
                            id::NAME_IAM,
                            at(prop),
                            format!("`{name}` is not a valid IAM name (1 to {max} of letters, digits and +=,.@_-)"),
                        ));
                    }
                }
                if let Some(path) = literal("Path") {
                    let valid = path == "/"
                        || (path.len() <= 512
                            && path.starts_with('/')
                            && path.ends_with('/')
                            && path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c)));
                    if !valid {
                        findings.push(Finding::error(
                            id::NAME_IAM_PATH,
                            at("Path"),
                            format!("`{path}` is not a valid IAM path (`/` or `/segment/…/`)"),
                        ));
                    }
                }
                check_policy_sizes(id, kind, props, findings);
            }
            _ => {}
        }
    }
}

/// Checks an S3 bucket name against S3's general-purpose bucket rules.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return Err(format!(
            "`{name}` is {len} characters; a bucket name has 3 to 63"
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return Err(format!(
            "`{name}` may only hold lower-case letters, digits, hyphens and dots"
        ));
    }
    let first = name.as_bytes()[0];
    let last = name.as_bytes()[len - 1];
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return Err(format!(
            "`{name}` must start and end with a letter or digit"
        ));
    }
    if name.contains("..") {
        return Err(format!("`{name}` has two adjacent dots"));
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return Err(format!("`{name}` looks like an IP address"));
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Err(format!(
                "`{name}` starts with the reserved prefix `{prefix}`"
            ));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", "--x-s3", "--table-s3", ".mrap"] {
        if name.ends_with(suffix) {
            return Err(format!("`{name}` ends with the reserved suffix `{suffix}`"));
        }
    }
    Ok(())
}

/// Policy size as IAM counts it: the JSON text without whitespace outside strings.
fn policy_chars(policy: &Json) -> usize {
    serde_json::to_string(policy).map_or(0, |s| s.len())
}

fn check_policy_sizes(id: &str, kind: &str, props: Option<&Json>, findings: &mut Vec<Finding>) {
    let Some(props) = props else { return };
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
    use serde_json::json;

    #[test]
    fn bucket_names() {
        assert!(check_bucket_name("team-raw-data-123456789012").is_ok());
        for bad in [
            "ab",
            "Upper",
            "-start",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "name-s3alias",
            &"a".repeat(64),
        ] {
            assert!(check_bucket_name(bad).is_err(), "{bad}");
        }
    }

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
