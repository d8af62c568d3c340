//! The confused-deputy rule: every trust or resource policy that lets an AWS service in
//! keeps it to this account's resources where the service's documentation shows how,
//! and goes without a guard only where it shows none (the table of
//! [`crate::resources::iam::service_trust::PRINCIPALS`]).

use crate::template::json::Json;

use super::policy::{CondTest, PolicyKind, Stmt};
use super::{Context, Equivalents, Rule, Severity, Violation, target};
use crate::resources::iam::service_trust::{SourceKeys, source_keys};

/// SageMaker's principal: the one whose guard depends on the feature.
const SAGEMAKER: &str = "sagemaker.amazonaws.com";

pub static RULES: &[Rule] = &[Rule {
    id: "IAM-SERVICE-SOURCE-GUARD",
    severity: Severity::Error,
    rationale: "A service principal without aws:SourceAccount / aws:SourceArn lets the service act on our role or resource for anyone's resource, in any account (the cross-service confused deputy); a guard the service does not satisfy stops it instead.",
    checks: "Every Allow statement of a trust, bucket, queue, topic or key policy naming a service principal whose documentation shows source keys has a positive condition (StringEquals/StringLike/ArnEquals/ArnLike, no IfExists) on aws:SourceAccount or aws:SourceArn naming this account or a resource of the template (for CloudWatch Logs in a key policy: kms:EncryptionContext:aws:logs:arn). Roles of SageMaker notebook instances carry no such guard (SageMaker documents none for them), and a service principal missing from the table of documented services is reported.",
    fix: "Build the trust with iam::Service (its guard is the documented one); in a resource policy add StringEquals aws:SourceAccount = ${AWS::AccountId} and/or ArnLike aws:SourceArn = the source resource's ARN; for a new service, read its confused-deputy page and add it to service_trust::PRINCIPALS.",
    applies_to: &[
        "AWS::IAM::Role",
        "AWS::S3::BucketPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::KMS::Key",
    ],
    equivalents: Equivalents {
        cfn_lint: &[],
        checkov: &[],
    },
    check: service_source_guard,
}];

/// The service principals of a statement, as written: a string, or the text of a
/// one-argument `Fn::Sub` (`logs.${AWS::Region}.amazonaws.com`).
fn services<'a>(s: &Stmt<'a>) -> Vec<&'a str> {
    let Some(service) = s.principal.and_then(|p| p.get("Service")) else {
        return Vec::new();
    };
    let items: Vec<&Json> = match service {
        Json::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    items
        .into_iter()
        .filter_map(|v| {
            v.as_str()
                .or_else(|| v.get("Fn::Sub").and_then(Json::as_str))
        })
        .collect()
}

/// Whether a condition value names this account: the account pseudo parameter, an ARN
/// built on it, or a resource of the template (whose ARN is this account's).
fn names_this_account(cx: &Context, value: &Json) -> bool {
    if value.get("Ref").and_then(Json::as_str) == Some("AWS::AccountId") {
        return true;
    }
    if let Some(text) = value.get("Fn::Sub").and_then(Json::as_str) {
        return text.contains("${AWS::AccountId}") || text.contains(".Arn}");
    }
    target(value).is_some_and(|id| cx.resource(id).is_some())
}

/// The keys that keep a service to this account's resources.
const GUARD_KEYS: &[&str] = &[
    "aws:SourceAccount",
    "aws:SourceArn",
    "kms:EncryptionContext:aws:logs:arn",
];

/// A positive test of a guard key whose every value names this account.
fn is_guard(cx: &Context, c: &CondTest) -> bool {
    let positive = matches!(
        c.operator,
        "StringEquals" | "StringLike" | "ArnEquals" | "ArnLike"
    );
    positive
        && GUARD_KEYS.iter().any(|k| k.eq_ignore_ascii_case(c.key))
        && !c.values.is_empty()
        && c.values.iter().all(|v| names_this_account(cx, v))
}

/// The roles a SageMaker notebook instance runs as (its `RoleArn`).
fn notebook_instance_roles<'a>(cx: &Context<'a>) -> Vec<&'a str> {
    cx.of_type("AWS::SageMaker::NotebookInstance")
        .filter_map(|(_, p)| target(&p["RoleArn"]))
        .collect()
}

fn service_source_guard(cx: &Context) -> Vec<Violation> {
    let notebook_roles = notebook_instance_roles(cx);
    let mut out = Vec::new();
    let kinds = [PolicyKind::Trust, PolicyKind::Resource, PolicyKind::Key];
    for doc in cx.policies().iter().filter(|d| kinds.contains(&d.kind)) {
        for s in doc.statements.iter().filter(|s| s.allow) {
            let guarded = s.conditions().iter().any(|c| is_guard(cx, c));
            let at = format!("{}.Statement[{}]", doc.path, s.index);
            for service in services(s) {
                let notebook_role = doc.kind == PolicyKind::Trust
                    && service == SAGEMAKER
                    && notebook_roles.contains(&doc.resource);
                match source_keys(service) {
                    None => out.push(Violation::at(
                        doc.resource,
                        &at,
                        format!("service principal `{service}` is not in the table of services whose confused-deputy guard was checked"),
                    )),
                    Some(SourceKeys::Documented { .. }) if notebook_role && guarded => {
                        out.push(Violation::at(
                            doc.resource,
                            &at,
                            "a SageMaker notebook instance runs as this role, and SageMaker documents no source keys for notebook instances: the guard could stop the notebook",
                        ));
                    }
                    Some(SourceKeys::Documented { page }) if !notebook_role && !guarded => {
                        out.push(Violation::at(
                            doc.resource,
                            &at,
                            format!("`{service}` without an aws:SourceAccount / aws:SourceArn condition naming this account ({page})"),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fire;
    use crate::json;
    use crate::template::json::Json as Value;

    /// The rule reports exactly `locations` on `template`.
    fn assert_rule(rule: &str, template: &Value, locations: &[&str]) {
        let found: Vec<String> = fire(rule, template.clone())
            .into_iter()
            .map(|v| v.location)
            .collect();
        assert_eq!(found, locations, "{template}");
    }

    const RULE: &str = "IAM-SERVICE-SOURCE-GUARD";
    const AT: &str = "Resources.R.Properties.AssumeRolePolicyDocument.Statement[0]";

    fn role(service: &str, condition: Option<Value>) -> Value {
        let mut statement = json!({"Effect": "Allow", "Principal": {"Service": [service]}, "Action": ["sts:AssumeRole"]});
        if let Some(c) = condition {
            statement["Condition"] = c;
        }
        json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}}}})
    }

    fn studio_guard() -> Value {
        json!({"ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:*"}}})
    }

    fn with_notebook(mut t: Value) -> Value {
        t["Resources"]["N"] = json!({"Type": "AWS::SageMaker::NotebookInstance",
            "Properties": {"RoleArn": {"Fn::GetAtt": ["R", "Arn"]}}});
        t
    }

    #[test]
    fn a_studio_role_needs_the_guard() {
        assert_rule(
            RULE,
            &role("sagemaker.amazonaws.com", Some(studio_guard())),
            &[],
        );
        assert_rule(RULE, &role("sagemaker.amazonaws.com", None), &[AT]);
    }

    #[test]
    fn the_guard_must_name_this_account_and_be_positive() {
        let other = json!({"StringEquals": {"aws:SourceAccount": "*"}});
        assert_rule(RULE, &role("sagemaker.amazonaws.com", Some(other)), &[AT]);
        let if_exists = json!({"ArnLikeIfExists": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:*"}}});
        assert_rule(
            RULE,
            &role("sagemaker.amazonaws.com", Some(if_exists)),
            &[AT],
        );
        let account = json!({"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}});
        assert_rule(
            RULE,
            &role("vpc-flow-logs.amazonaws.com", Some(account)),
            &[],
        );
    }

    #[test]
    fn a_notebook_instance_role_goes_without_the_guard() {
        assert_rule(
            RULE,
            &with_notebook(role("sagemaker.amazonaws.com", None)),
            &[],
        );
        assert_rule(
            RULE,
            &with_notebook(role("sagemaker.amazonaws.com", Some(studio_guard()))),
            &[AT],
        );
    }

    #[test]
    fn undocumented_services_pass_and_unknown_ones_are_reported() {
        assert_rule(RULE, &role("lambda.amazonaws.com", None), &[]);
        assert_rule(RULE, &role("ec2.amazonaws.com", None), &[]);
        assert_rule(RULE, &role("glue.amazonaws.com", None), &[AT]);
    }

    #[test]
    fn resource_policies_need_the_guard_too() {
        let queue = |condition: Option<Value>| {
            let mut s = json!({"Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com"]},
                "Action": ["sqs:SendMessage"], "Resource": [{"Fn::GetAtt": ["Q", "Arn"]}]});
            if let Some(c) = condition {
                s["Condition"] = c;
            }
            json!({"Resources": {
                "Rule": {"Type": "AWS::Events::Rule", "Properties": {}},
                "Q": {"Type": "AWS::SQS::Queue", "Properties": {}},
                "P": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [s]}}}}})
        };
        let rule_arn = json!({"ArnEquals": {"aws:SourceArn": [{"Fn::GetAtt": ["Rule", "Arn"]}]}});
        assert_rule(RULE, &queue(Some(rule_arn)), &[]);
        assert_rule(
            RULE,
            &queue(None),
            &["Resources.P.Properties.PolicyDocument.Statement[0]"],
        );
    }

    #[test]
    fn a_topic_policy_keeps_cloudwatch_to_this_accounts_alarms() {
        let topic = |condition: Option<Value>| {
            let mut s = json!({"Effect": "Allow", "Principal": {"Service": ["cloudwatch.amazonaws.com"]},
                "Action": ["sns:Publish"], "Resource": [{"Ref": "T"}]});
            if let Some(c) = condition {
                s["Condition"] = c;
            }
            json!({"Resources": {
                "A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}},
                "T": {"Type": "AWS::SNS::Topic", "Properties": {}},
                "P": {"Type": "AWS::SNS::TopicPolicy", "Properties": {"Topics": [{"Ref": "T"}],
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [s]}}}}})
        };
        let alarm = json!({"ArnEquals": {"aws:SourceArn": [{"Fn::GetAtt": ["A", "Arn"]}]}});
        assert_rule(RULE, &topic(Some(alarm)), &[]);
        assert_rule(
            RULE,
            &topic(None),
            &["Resources.P.Properties.PolicyDocument.Statement[0]"],
        );
    }

    #[test]
    fn logs_in_a_key_policy_are_guarded_by_the_encryption_context() {
        let key = |condition: Value| {
            json!({"Resources": {"K": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": [{"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}]},
                "Action": ["kms:Encrypt"], "Resource": ["*"], "Condition": condition}]}}}}})
        };
        let context = json!({"ArnLike": {"kms:EncryptionContext:aws:logs:arn": {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"}}});
        assert_rule(RULE, &key(context), &[]);
        assert_rule(
            RULE,
            &key(json!({"Bool": {"aws:SecureTransport": "true"}})),
            &["Resources.K.Properties.KeyPolicy.Statement[0]"],
        );
    }
}
