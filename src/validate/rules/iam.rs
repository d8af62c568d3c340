//! IAM rules: what policies allow, how roles are trusted and passed, and which
//! AWS-managed policies are attached.

use crate::template::json::Json;

use super::policy::{PolicyDoc, PolicyKind, action_matches};
use super::{Context, Equivalents, Rule, Severity, Violation, list, props, target};

/// Actions that have no resource-level permissions, so `Resource: "*"` is the only way
/// to allow them (Service Authorization Reference: no resource types listed).
pub const NO_RESOURCE_LEVEL: &[(&str, &str)] = &[
    (
        "sagemaker:List*",
        "SageMaker List calls are not scoped to a resource",
    ),
    (
        "sagemaker:Search",
        "SageMaker Search is not scoped to a resource",
    ),
    (
        "ec2:Describe*",
        "EC2 Describe calls are not scoped to a resource",
    ),
    (
        "sts:GetCallerIdentity",
        "needs no permission and has no resource",
    ),
    (
        "sts:GetServiceBearerToken",
        "a bearer token for the service `sts:AWSServiceName` names (CodeArtifact's tokens); no resource type",
    ),
    (
        "iam:ListVirtualMFADevices",
        "lists the account's devices; no resource type",
    ),
    (
        "iam:GetAccountPasswordPolicy",
        "account-level setting; no resource type",
    ),
    (
        "iam:ListUsers",
        "lists the account's users; no resource type",
    ),
    ("iam:GetAccountSummary", "account-level; no resource type"),
    (
        "kms:ListAliases",
        "lists the account's aliases; no resource type",
    ),
    ("kms:ListKeys", "lists the account's keys; no resource type"),
    (
        "logs:DescribeLogGroups",
        "lists log groups; no resource type",
    ),
    (
        "ssmmessages:*",
        "the SSM Agent's Session Manager channels (Amazon Session Manager Message Gateway Service); no resource type",
    ),
    (
        "ec2messages:*",
        "the SSM Agent's message delivery (Amazon Message Delivery Service); no resource type",
    ),
    (
        "s3:ListAllMyBuckets",
        "lists the account's buckets; no resource type",
    ),
    ("cloudwatch:PutMetricData", "metrics have no resource type"),
    (
        "ecr:GetAuthorizationToken",
        "a registry token for the caller's account; no resource type",
    ),
    ("xray:PutTraceSegments", "traces have no resource type"),
    ("xray:PutTelemetryRecords", "traces have no resource type"),
    (
        "identitystore:ListGroupMembershipsForMember",
        "called with an identity-store id; no resource scope in a policy",
    ),
];

/// AWS-managed policies attached without a warning, each with the reason.
///
/// Empty: `AmazonSSMManagedInstanceCore`, once listed for the bastion, reads every SSM
/// parameter of the account (rule IAM-NO-MANAGED-SSM-CORE); the bastion's role now holds
/// only what the SSM Agent needs.
pub const MANAGED_POLICY_ALLOW_LIST: &[(&str, &str)] = &[];

/// Condition keys a request carries at most one value of: set operators
/// (ForAnyValue/ForAllValues) on them change the meaning (ForAllValues passes when the
/// key is missing).
pub const SINGLE_VALUED_KEYS: &[&str] = &[
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:SourceIp",
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:SecureTransport",
    "aws:MultiFactorAuthPresent",
    "aws:RequestedRegion",
    "iam:PassedToService",
    "kms:ViaService",
    "kms:CallerAccount",
];

pub static RULES: &[Rule] = &[
    Rule {
        id: "IAM-NO-WILDCARD-ACTION",
        severity: Severity::Error,
        rationale: "Allowing every action, or every action of a service, grants far more than any workload needs.",
        checks: "No Allow statement of a policy that grants (identity, trust, bucket or queue policy) has Action \"*\" or \"<service>:*\". VPC endpoint policies grant nothing and are judged by EC2-ENDPOINT-POLICY.",
        fix: "List the actions the workload calls; use the grants of the construct (read, write, list …).",
        applies_to: &[
            "AWS::IAM::Role",
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::Policy",
            "AWS::IAM::User",
            "AWS::IAM::Group",
            "AWS::S3::BucketPolicy",
            "AWS::SQS::QueuePolicy",
        ],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_63"],
        },
        check: wildcard_action,
    },
    Rule {
        id: "IAM-NO-ALLOW-NOT-ACTION",
        severity: Severity::Error,
        rationale: "Allow with NotAction allows every action but a few, including ones that do not exist yet.",
        checks: "No Allow statement uses NotAction (Deny with NotAction, as in the MFA guard, is fine).",
        fix: "Allow the listed actions with Action instead.",
        applies_to: super::IDENTITY_POLICY_TYPES,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: allow_not_action,
    },
    Rule {
        id: "IAM-NO-WILDCARD-RESOURCE",
        severity: Severity::Error,
        rationale: "Resource \"*\" with an action that supports resource-level permissions reaches every resource of the account.",
        checks: "Identity-policy Allow statements with Resource \"*\" hold only actions from the documented table of actions without resource-level permissions.",
        fix: "Scope the statement to the ARNs it needs (built with Fn::Sub and pseudo parameters), or split off the actions that need \"*\".",
        applies_to: super::IDENTITY_POLICY_TYPES,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: wildcard_resource,
    },
    Rule {
        id: "IAM-PASSROLE-SCOPED",
        severity: Severity::Error,
        rationale: "An unscoped iam:PassRole lets the holder hand any role, and so its permissions, to any service.",
        checks: "Every Allow of iam:PassRole names role ARNs without wildcards and has StringEquals iam:PassedToService.",
        fix: "List the role ARNs (GetAtt Role.Arn) and add StringEquals iam:PassedToService = the service that needs them.",
        applies_to: super::IDENTITY_POLICY_TYPES,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: passrole_scoped,
    },
    Rule {
        id: "IAM-TRUST-NO-SELF-PRINCIPAL",
        severity: Severity::Error,
        rationale: "A role whose trust policy names its own ARN fails at creation (\"Invalid principal in policy\"); GetAtt on itself is circular.",
        checks: "No role's AssumeRolePolicyDocument names that role (Ref, GetAtt or its name-built ARN) as an AWS principal.",
        fix: "Trust the account principal and add ArnEquals aws:PrincipalArn = the role's ARN built with Fn::Sub from its name and path.",
        applies_to: &["AWS::IAM::Role"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: trust_self_principal,
    },
    Rule {
        id: "IAM-CROSS-ACCOUNT-TRUST",
        severity: Severity::Error,
        rationale: "Trusting another account's root lets every principal that account's administrators allow assume the role, not just the one workload meant.",
        checks: "Trust-policy Allow statements that name another account (its root ARN or a bare account id) also pin the callers with an aws:PrincipalOrgID or aws:PrincipalArn condition; otherwise they must name exact role ARNs.",
        fix: "Name the caller roles' ARNs as principals (the cross-account construct passes them as parameters), or add aws:PrincipalOrgID / ArnEquals aws:PrincipalArn.",
        applies_to: &["AWS::IAM::Role"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: cross_account_trust,
    },
    Rule {
        id: "IAM-AWS-MANAGED-POLICY",
        severity: Severity::Warning,
        rationale: "AWS-managed policies are broad and change without notice; each one should be a reviewed choice.",
        checks: "ManagedPolicyArns name AWS-managed policies only from the allow-list (each with its reason).",
        fix: "Replace it with a customer-managed policy built from grants, or add it to the allow-list with a reason.",
        applies_to: &["AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: aws_managed_policy,
    },
    Rule {
        id: "IAM-SET-OPERATOR-SINGLE-VALUED-KEY",
        severity: Severity::Error,
        rationale: "ForAnyValue/ForAllValues on a single-valued key such as aws:SourceVpce changes the test (ForAllValues passes when the key is absent).",
        checks: "No condition uses a ForAnyValue: or ForAllValues: operator on a single-valued key (aws:SourceVpce, aws:PrincipalArn, iam:PassedToService, …).",
        fix: "Use the plain operator with a list of values, e.g. StringEquals aws:SourceVpce [vpce-1, vpce-2].",
        applies_to: &[
            "AWS::IAM::Role",
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::Policy",
            "AWS::S3::BucketPolicy",
            "AWS::KMS::Key",
        ],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: set_operator_on_single_valued_key,
    },
];

fn statement_path(doc_path: &str, index: usize) -> String {
    format!("{doc_path}.Statement[{index}]")
}

/// Only documents that grant: a key policy's `kms:*` for the account root is judged by the
/// KMS rules, and an endpoint policy's `*` lets through only what identity and resource
/// policies already grant (it is a filter, whose `*` saves restating every service's
/// actions).
fn wildcard_action(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    let grants = |d: &&PolicyDoc| {
        matches!(
            d.kind,
            PolicyKind::Identity | PolicyKind::Trust | PolicyKind::Resource
        )
    };
    for doc in cx.policies().iter().filter(grants) {
        for s in doc.statements.iter().filter(|s| s.allow && !s.not_action) {
            for a in &s.actions {
                if *a == "*" || a.ends_with(":*") {
                    out.push(Violation::at(
                        doc.resource,
                        &statement_path(&doc.path, s.index),
                        format!("Allow of `{a}`"),
                    ));
                }
            }
        }
    }
    out
}

fn allow_not_action(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for doc in cx
        .policies()
        .iter()
        .filter(|d| d.kind == PolicyKind::Identity)
    {
        for s in doc.statements.iter().filter(|s| s.allow && s.not_action) {
            out.push(Violation::at(
                doc.resource,
                &statement_path(&doc.path, s.index),
                "Allow with NotAction",
            ));
        }
    }
    out
}

fn exempt(action: &str) -> bool {
    NO_RESOURCE_LEVEL
        .iter()
        .any(|(pattern, _)| action_matches(pattern, action))
}

fn wildcard_resource(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for doc in cx
        .policies()
        .iter()
        .filter(|d| d.kind == PolicyKind::Identity)
    {
        for s in doc
            .statements
            .iter()
            .filter(|s| s.allow && s.any_resource())
        {
            let scoped: Vec<&str> = if s.not_action {
                vec!["(NotAction)"]
            } else {
                s.actions.iter().copied().filter(|a| !exempt(a)).collect()
            };
            if !scoped.is_empty() {
                out.push(Violation::at(
                    doc.resource,
                    &statement_path(&doc.path, s.index),
                    format!(
                        "Resource \"*\" with actions that support resource-level permissions: {}",
                        scoped.join(", ")
                    ),
                ));
            }
        }
    }
    out
}

fn is_wildcard_resource(value: &Json) -> bool {
    match value {
        Json::String(s) => s.contains('*'),
        Json::Object(m) => m
            .get("Fn::Sub")
            .and_then(|v| v.as_str().or_else(|| v.get(0).and_then(Json::as_str)))
            .is_some_and(|s| s.contains('*')),
        _ => false,
    }
}

fn passrole_scoped(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (doc, s) in cx.identity_allows("iam:PassRole") {
        let path = statement_path(&doc.path, s.index);
        if s.resources.iter().any(|r| is_wildcard_resource(r)) || s.not_resource {
            out.push(Violation::at(
                doc.resource,
                &path,
                "iam:PassRole on a wildcard resource",
            ));
        }
        let has_condition = s
            .conditions()
            .iter()
            .any(|c| c.operator == "StringEquals" && c.key == "iam:PassedToService");
        if !has_condition {
            out.push(Violation::at(
                doc.resource,
                &path,
                "iam:PassRole without StringEquals iam:PassedToService",
            ));
        }
    }
    out
}

fn trust_self_principal(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for doc in cx.policies().iter().filter(|d| d.kind == PolicyKind::Trust) {
        let role = cx.resource(doc.resource).map(props);
        let name = role.and_then(|p| p.get("RoleName")).and_then(Json::as_str);
        for s in &doc.statements {
            let Some(principal) = s.principal.and_then(|p| p.get("AWS")) else {
                continue;
            };
            let principals = match principal {
                Json::Array(items) => items.iter().collect(),
                one => vec![one],
            };
            for p in principals {
                let names_self = target(p) == Some(doc.resource)
                    || name.is_some_and(|n| {
                        let text = p
                            .as_str()
                            .or_else(|| p.get("Fn::Sub").and_then(Json::as_str));
                        text.is_some_and(|t| t.ends_with(&format!("/{n}")) && t.contains(":role/"))
                    });
                if names_self {
                    out.push(Violation::at(
                        doc.resource,
                        &format!("{}.Statement[{}].Principal", doc.path, s.index),
                        "the trust policy names the role itself as principal",
                    ));
                }
            }
        }
    }
    out
}

/// The account a principal names as a whole (a bare account id or an account root
/// ARN), as written: `None` for a role or user ARN or an intrinsic we cannot read.
fn whole_account(principal: &Json) -> Option<&str> {
    let text = principal
        .as_str()
        .or_else(|| principal.get("Fn::Sub").and_then(Json::as_str))?;
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(text);
    }
    let (_, rest) = text.split_once(":iam::")?;
    rest.strip_suffix(":root")
}

fn cross_account_trust(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for doc in cx.policies().iter().filter(|d| d.kind == PolicyKind::Trust) {
        for s in doc.statements.iter().filter(|s| s.allow) {
            let Some(principal) = s.principal.and_then(|p| p.get("AWS")) else {
                continue;
            };
            let pinned = s.conditions().iter().any(|c| {
                c.key.eq_ignore_ascii_case("aws:PrincipalOrgID")
                    || c.key.eq_ignore_ascii_case("aws:PrincipalArn")
            });
            if pinned {
                continue;
            }
            let principals = match principal {
                Json::Array(items) => items.iter().collect(),
                one => vec![one],
            };
            for p in principals {
                if let Some(account) = whole_account(p)
                    && account != "${AWS::AccountId}"
                {
                    out.push(Violation::at(
                        doc.resource,
                        &format!("{}.Statement[{}].Principal", doc.path, s.index),
                        format!("the role trusts the whole account {account} without a PrincipalOrgID or PrincipalArn condition"),
                    ));
                }
            }
        }
    }
    out
}

/// Every entry of the `ManagedPolicyArns` of the roles, users and groups: the resource,
/// the entry's index and its text (a literal ARN, or the string of a one-argument
/// `Fn::Sub`; empty otherwise).
pub(super) fn managed_policy_arns<'a>(
    cx: &'a Context<'a>,
) -> impl Iterator<Item = (&'a str, usize, &'a str)> + 'a {
    ["AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"]
        .into_iter()
        .flat_map(move |kind| cx.of_type(kind))
        .flat_map(|(id, p)| {
            list(&p["ManagedPolicyArns"])
                .iter()
                .enumerate()
                .map(move |(i, arn)| (id, i, managed_policy_arn_text(arn)))
        })
}

/// The text of one `ManagedPolicyArns` entry (see [`managed_policy_arns`]).
pub(super) fn managed_policy_arn_text(arn: &Json) -> &str {
    arn.as_str()
        .or_else(|| arn.get("Fn::Sub").and_then(Json::as_str))
        .unwrap_or("")
}

fn aws_managed_policy(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, i, text) in managed_policy_arns(cx) {
        let Some((_, name)) = text.split_once(":iam::aws:policy/") else {
            continue;
        };
        let name = name.rsplit('/').next().unwrap_or(name);
        if !MANAGED_POLICY_ALLOW_LIST.iter().any(|(n, _)| *n == name) {
            out.push(Violation::at(
                id,
                &format!("Properties.ManagedPolicyArns[{i}]"),
                format!("AWS-managed policy `{name}` is not on the allow-list"),
            ));
        }
    }
    out
}

fn set_operator_on_single_valued_key(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for doc in cx.policies() {
        for s in &doc.statements {
            for c in s.conditions() {
                let qualified = c.operator.starts_with("ForAnyValue:")
                    || c.operator.starts_with("ForAllValues:");
                if qualified
                    && SINGLE_VALUED_KEYS
                        .iter()
                        .any(|k| k.eq_ignore_ascii_case(c.key))
                {
                    out.push(Violation::at(
                        doc.resource,
                        &format!(
                            "{}.Statement[{}].Condition.{}",
                            doc.path, s.index, c.operator
                        ),
                        format!("`{}` on the single-valued key `{}`", c.operator, c.key),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_rule;
    use crate::json;
    use crate::template::json::Json as Value;

    fn policy(statement: Value) -> Value {
        json!({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}}}})
    }
    const AT: &str = "Resources.P.Properties.PolicyDocument.Statement[0]";

    #[test]
    fn wildcard_action() {
        assert_rule(
            "IAM-NO-WILDCARD-ACTION",
            policy(
                json!({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}),
            ),
            policy(json!({"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::b/*"]})),
            AT,
        );
        assert_rule(
            "IAM-NO-WILDCARD-ACTION",
            policy(json!({"Effect": "Deny", "Action": "*", "Resource": "*"})),
            policy(json!({"Effect": "Allow", "Action": "*", "Resource": "*"})),
            AT,
        );
        // Bucket policies grant, so `*` is refused there; an endpoint policy only filters
        // (its `*` admits nothing that identity and resource policies do not grant).
        let on = |kind: &str, key: &str| {
            let statement = json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}});
            json!({"Resources": {"R": {"Type": kind, "Properties": {key: {"Version": "2012-10-17", "Statement": [statement]}}}}})
        };
        assert_rule(
            "IAM-NO-WILDCARD-ACTION",
            on("AWS::EC2::VPCEndpoint", "PolicyDocument"),
            on("AWS::S3::BucketPolicy", "PolicyDocument"),
            "Resources.R.Properties.PolicyDocument.Statement[0]",
        );
    }

    #[test]
    fn allow_not_action() {
        assert_rule(
            "IAM-NO-ALLOW-NOT-ACTION",
            policy(json!({"Effect": "Deny", "NotAction": ["iam:ListMFADevices"], "Resource": "*"})),
            policy(json!({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"})),
            AT,
        );
    }

    #[test]
    fn wildcard_resource() {
        assert_rule(
            "IAM-NO-WILDCARD-RESOURCE",
            policy(
                json!({"Effect": "Allow", "Action": ["sagemaker:ListApps", "ec2:DescribeVpcs"], "Resource": "*"}),
            ),
            policy(
                json!({"Effect": "Allow", "Action": ["sagemaker:ListApps", "sagemaker:DescribeDomain"], "Resource": ["*"]}),
            ),
            AT,
        );
    }

    #[test]
    fn passrole() {
        let good = json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": [{"Fn::GetAtt": ["R", "Arn"]}],
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}});
        assert_rule(
            "IAM-PASSROLE-SCOPED",
            policy(good),
            policy(
                json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": [{"Fn::GetAtt": ["R", "Arn"]}]}),
            ),
            AT,
        );
        assert_rule(
            "IAM-PASSROLE-SCOPED",
            policy(json!({"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"})),
            policy(
                json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/*",
                "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}),
            ),
            AT,
        );
    }

    #[test]
    fn trust_self_principal() {
        let role = |principal: Value| {
            json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "shared", "Path": "/nb/",
                "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": [principal]}, "Action": "sts:AssumeRole"}]}}}}})
        };
        assert_rule(
            "IAM-TRUST-NO-SELF-PRINCIPAL",
            role(json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"})),
            role(json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/nb/shared"})),
            "Resources.R.Properties.AssumeRolePolicyDocument.Statement[0].Principal",
        );
        assert_rule(
            "IAM-TRUST-NO-SELF-PRINCIPAL",
            role(json!({"Fn::GetAtt": ["Other", "Arn"]})),
            role(json!({"Fn::GetAtt": ["R", "Arn"]})),
            "Resources.R.Properties.AssumeRolePolicyDocument.Statement[0].Principal",
        );
    }

    #[test]
    fn cross_account_trust() {
        let role = |principal: Value, condition: Value| {
            json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": [principal]},
                    "Action": "sts:AssumeRole", "Condition": condition}]}}}}})
        };
        let location = "Resources.R.Properties.AssumeRolePolicyDocument.Statement[0].Principal";
        let foreign_root = json!({"Fn::Sub": "arn:${AWS::Partition}:iam::111111111111:root"});
        // Exact role ARNs pass; the other account's root alone does not.
        assert_rule(
            "IAM-CROSS-ACCOUNT-TRUST",
            role(
                json!({"Fn::Sub": "arn:${AWS::Partition}:iam::111111111111:role/onboarding"}),
                json!({}),
            ),
            role(foreign_root.clone(), json!({})),
            location,
        );
        // A bare account id is the same as its root.
        assert_rule(
            "IAM-CROSS-ACCOUNT-TRUST",
            role(json!({"Ref": "CentralRoleArn"}), json!({})),
            role(json!("222222222222"), json!({})),
            location,
        );
        // PrincipalOrgID pins the callers to the organization.
        assert_rule(
            "IAM-CROSS-ACCOUNT-TRUST",
            role(
                foreign_root.clone(),
                json!({"StringEquals": {"aws:PrincipalOrgID": "o-abcde12345"}}),
            ),
            role(
                foreign_root,
                json!({"StringEquals": {"aws:SourceIp": "10.0.0.1"}}),
            ),
            location,
        );
        // The stack's own account is not another account.
        assert_rule(
            "IAM-CROSS-ACCOUNT-TRUST",
            role(
                json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}),
                json!({}),
            ),
            role(json!("arn:aws:iam::333333333333:root"), json!({})),
            location,
        );
    }

    #[test]
    fn aws_managed_policy() {
        let role = |name: &str| {
            json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
                "ManagedPolicyArns": [{"Fn::Sub": format!("arn:${{AWS::Partition}}:iam::aws:policy/{name}")}]}}}})
        };
        assert_rule(
            "IAM-AWS-MANAGED-POLICY",
            json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
                "ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/own"}]}}}}),
            role("AmazonSageMakerFullAccess"),
            "Resources.R.Properties.ManagedPolicyArns[0]",
        );
    }

    #[test]
    fn set_operator_on_single_valued_key() {
        assert_rule(
            "IAM-SET-OPERATOR-SINGLE-VALUED-KEY",
            policy(
                json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}, "ForAnyValue:StringLike": {"aws:TagKeys": "a*"}}}),
            ),
            policy(
                json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                "Condition": {"ForAnyValue:StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}}}),
            ),
            "Resources.P.Properties.PolicyDocument.Statement[0].Condition.ForAnyValue:StringEquals",
        );
    }
}
