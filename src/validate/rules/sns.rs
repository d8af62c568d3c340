//! SNS rules: a topic is encrypted with a customer key of the stack, refuses publishing
//! without TLS, and, when CloudWatch alarms notify it, its key lets CloudWatch in (without
//! that, every alarm action fails and nobody is told).
//!
//! checkov 3.3's CKV_AWS_26 checks that a topic has a `KmsMasterKeyId` (any value, the
//! AWS-managed `alias/aws/sns` included); SNS-TOPIC-KMS implies it. cfn-lint 1.58 has no
//! rule on topic encryption, topic policies or alarm actions.

use crate::template::json::Json;

use super::{Context, Equivalents, Rule, Severity, Violation, list, target};

pub static RULES: &[Rule] = &[
    Rule {
        id: "SNS-TOPIC-KMS",
        severity: Severity::Error,
        rationale: "An unencrypted topic stores its messages under no key the account controls; the AWS-managed alias/aws/sns has a policy no one can change, so AWS services such as CloudWatch alarms cannot publish to a topic encrypted with it.",
        checks: "Every AWS::SNS::Topic has KmsMasterKeyId referring (Ref or Fn::GetAtt) to an AWS::KMS::Key or AWS::KMS::Alias of the template.",
        fix: "Encrypt the topic with a key of the stack whose policy names the services that publish to it (EncryptionKey::with_users).",
        applies_to: &["AWS::SNS::Topic"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_26"],
        },
        check: topic_kms,
    },
    Rule {
        id: "SNS-TOPIC-TLS-ONLY",
        severity: Severity::Error,
        rationale: "A publish over plain HTTP exposes the message and the credentials that signed it.",
        checks: "Every topic is in the Topics of an AWS::SNS::TopicPolicy with a Deny statement on Bool aws:SecureTransport = false.",
        fix: "Add a TopicPolicy Deny of sns:Publish to any principal with Condition Bool aws:SecureTransport \"false\".",
        applies_to: &["AWS::SNS::Topic", "AWS::SNS::TopicPolicy"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: topic_tls_only,
    },
    Rule {
        id: "SNS-ALARM-TOPIC-KEY",
        severity: Severity::Error,
        rationale: "CloudWatch publishes to an encrypted topic only with kms:GenerateDataKey* and kms:Decrypt on its key; without them every alarm action fails silently (the alarm history shows it, nobody is notified).",
        checks: "For every alarm action or OK action that refers to a topic of the template encrypted with a key of the template, the key policy has an Allow for cloudwatch.amazonaws.com of kms:Decrypt and kms:GenerateDataKey* (or kms:GenerateDataKey).",
        fix: "Add encryption_key::cloudwatch_alarms_may_use() to the topic key's users.",
        applies_to: &["AWS::CloudWatch::Alarm", "AWS::SNS::Topic", "AWS::KMS::Key"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: alarm_topic_key,
    },
];

/// The key of the template a `KmsMasterKeyId` refers to, directly or through an alias.
fn template_key<'a>(cx: &Context<'a>, value: &'a Json) -> Option<&'a str> {
    let id = target(value)?;
    match cx.type_of(id)? {
        "AWS::KMS::Key" => Some(id),
        "AWS::KMS::Alias" => {
            let key = target(&cx.resource(id)?["Properties"]["TargetKeyId"])?;
            (cx.type_of(key)? == "AWS::KMS::Key").then_some(key)
        }
        _ => None,
    }
}

fn topic_kms(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::SNS::Topic")
        .filter(|(_, p)| template_key(cx, &p["KmsMasterKeyId"]).is_none())
        .map(|(id, p)| {
            let message = if p.get("KmsMasterKeyId").is_some() {
                "KmsMasterKeyId does not refer to a KMS key of the template"
            } else {
                "the topic has no KmsMasterKeyId: its messages are not encrypted with a key of the account"
            };
            Violation::at(id, "Properties.KmsMasterKeyId", message)
        })
        .collect()
}

fn topic_tls_only(cx: &Context) -> Vec<Violation> {
    let mut protected: Vec<&str> = Vec::new();
    for doc in cx
        .policies()
        .iter()
        .filter(|d| d.resource_type == "AWS::SNS::TopicPolicy")
    {
        let denies_plain_http = doc.statements.iter().any(|s| {
            !s.allow
                && s.conditions().iter().any(|c| {
                    c.operator == "Bool"
                        && c.key.eq_ignore_ascii_case("aws:SecureTransport")
                        && c.values
                            .iter()
                            .any(|v| v == &&Json::from("false") || v == &&Json::Bool(false))
                })
        });
        if denies_plain_http && let Some(policy) = cx.resource(doc.resource) {
            protected.extend(
                list(&policy["Properties"]["Topics"])
                    .iter()
                    .filter_map(target),
            );
        }
    }
    cx.of_type("AWS::SNS::Topic")
        .filter(|(id, _)| !protected.contains(id))
        .map(|(id, _)| {
            Violation::at(
                id,
                "",
                "no topic policy denies publishing without TLS (aws:SecureTransport = false)",
            )
        })
        .collect()
}

/// Whether the key policy lets CloudWatch encrypt into and read back the topic.
fn cloudwatch_may_use(cx: &Context, key: &str) -> bool {
    let docs = cx
        .policies()
        .iter()
        .filter(|d| d.resource == key && d.resource_type == "AWS::KMS::Key");
    let statements: Vec<_> = docs
        .flat_map(|d| d.statements.iter())
        .filter(|s| s.allow && !s.not_action)
        .filter(|s| {
            s.principal
                .and_then(|p| p.get("Service"))
                .is_some_and(|service| match service {
                    Json::Array(items) => items.iter().any(|v| v == "cloudwatch.amazonaws.com"),
                    one => one == "cloudwatch.amazonaws.com",
                })
        })
        .collect();
    let grants = |wanted: &[&str]| {
        statements
            .iter()
            .any(|s| s.actions.iter().any(|a| wanted.contains(a)))
    };
    grants(&["kms:Decrypt", "kms:*"])
        && grants(&["kms:GenerateDataKey*", "kms:GenerateDataKey", "kms:*"])
}

fn alarm_topic_key(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::CloudWatch::Alarm") {
        for property in ["AlarmActions", "OKActions"] {
            for (i, action) in list(&p[property]).iter().enumerate() {
                let Some(topic) =
                    target(action).filter(|t| cx.type_of(t) == Some("AWS::SNS::Topic"))
                else {
                    continue;
                };
                let key = cx
                    .resource(topic)
                    .and_then(|r| template_key(cx, &r["Properties"]["KmsMasterKeyId"]));
                if let Some(key) = key
                    && !cloudwatch_may_use(cx, key)
                {
                    out.push(Violation::at(
                        id,
                        &format!("Properties.{property}[{i}]"),
                        format!("topic `{topic}` is encrypted with `{key}`, whose policy does not let cloudwatch.amazonaws.com use it (kms:GenerateDataKey*, kms:Decrypt): the alarm cannot notify it"),
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

    fn template(topic: Value, policy: Value, key_statements: Value) -> Value {
        json!({"Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {
                "Version": "2012-10-17", "Statement": key_statements}}},
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": topic},
            "TopicPolicy": {"Type": "AWS::SNS::TopicPolicy", "Properties": {
                "Topics": [{"Ref": "Topic"}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": policy}}},
            "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
                "AlarmActions": [{"Ref": "Topic"}], "OKActions": [{"Ref": "Topic"}]}}
        }})
    }

    fn encrypted() -> Value {
        json!({"KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}})
    }

    fn deny_plain_http() -> Value {
        json!([{"Effect": "Deny", "Principal": {"AWS": ["*"]}, "Action": ["sns:Publish"],
            "Resource": [{"Ref": "Topic"}], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}])
    }

    fn cloudwatch_uses_key() -> Value {
        json!([{"Effect": "Allow", "Principal": {"Service": ["cloudwatch.amazonaws.com"]},
            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": ["*"]}])
    }

    #[test]
    fn a_topic_needs_a_key_of_the_template() {
        let good = template(encrypted(), deny_plain_http(), cloudwatch_uses_key());
        let unencrypted = template(json!({}), deny_plain_http(), cloudwatch_uses_key());
        assert_rule(
            "SNS-TOPIC-KMS",
            good.clone(),
            unencrypted,
            "Resources.Topic.Properties.KmsMasterKeyId",
        );
        let aws_managed = template(
            json!({"KmsMasterKeyId": "alias/aws/sns"}),
            deny_plain_http(),
            cloudwatch_uses_key(),
        );
        assert_rule(
            "SNS-TOPIC-KMS",
            good,
            aws_managed,
            "Resources.Topic.Properties.KmsMasterKeyId",
        );
    }

    #[test]
    fn a_topic_policy_must_deny_plain_http() {
        let good = template(encrypted(), deny_plain_http(), cloudwatch_uses_key());
        let allow_only = json!([{"Effect": "Allow", "Principal": {"Service": ["cloudwatch.amazonaws.com"]},
            "Action": ["sns:Publish"], "Resource": [{"Ref": "Topic"}]}]);
        let bad = template(encrypted(), allow_only, cloudwatch_uses_key());
        assert_rule("SNS-TOPIC-TLS-ONLY", good, bad, "Resources.Topic");
    }

    #[test]
    fn an_alarm_topic_key_must_let_cloudwatch_in() {
        let good = template(encrypted(), deny_plain_http(), cloudwatch_uses_key());
        let decrypt_only = json!([{"Effect": "Allow", "Principal": {"Service": ["cloudwatch.amazonaws.com"]},
            "Action": ["kms:Decrypt"], "Resource": ["*"]}]);
        let bad = template(encrypted(), deny_plain_http(), decrypt_only);
        assert_rule(
            "SNS-ALARM-TOPIC-KEY",
            good,
            bad,
            "Resources.Alarm.Properties.AlarmActions[0]",
        );
    }
}
