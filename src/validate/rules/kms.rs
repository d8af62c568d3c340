//! KMS rules: rotation, key policies that give `kms:*` only to the account, keys kept as
//! long as what they encrypt, and customer-managed keys on the data of the services that
//! have no rule file of their own (SQS queues, Secrets Manager secrets).

use crate::template::json::Json;

use super::policy::PolicyKind;
use super::{Context, Equivalents, Rule, Severity, Violation};

pub static RULES: &[Rule] = &[
    Rule {
        id: "KMS-KEY-ROTATION",
        severity: Severity::Error,
        rationale: "Rotation limits how much data one key version protects.",
        checks: "Symmetric encryption keys have EnableKeyRotation true.",
        fix: "Set EnableKeyRotation: true (the constructs do).",
        applies_to: &["AWS::KMS::Key"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_7"],
        },
        check: rotation,
    },
    Rule {
        id: "KMS-NO-WILDCARD-ACTION",
        severity: Severity::Error,
        rationale: "kms:* in a key policy for anyone but the account root hands out full control of the key.",
        checks: "Key-policy Allow statements with kms:* or * have only the account root as principal.",
        fix: "List the administration or usage actions the principal needs.",
        applies_to: &["AWS::KMS::Key"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_33"],
        },
        check: wildcard_action,
    },
    Rule {
        id: "KMS-KEY-RETAINED",
        severity: Severity::Error,
        rationale: "Deleting a stack schedules the deletion of its keys: whatever a key encrypted and the stack kept (buckets, log groups, queues, home directories) becomes unreadable when the waiting period ends.",
        checks: "Every AWS::KMS::Key has an explicit DeletionPolicy and UpdateReplacePolicy; a key that a resource outliving the stack refers to (DeletionPolicy Retain, RetainExceptOnCreate or Snapshot, or UpdateReplacePolicy Retain or Snapshot; IAM resources aside), directly or through an alias, has UpdateReplacePolicy Retain and a DeletionPolicy that keeps it at least as long: Retain for a Retain or Snapshot resource, Retain or RetainExceptOnCreate otherwise.",
        fix: "Give the key the deletion policy of the longest-lived resource it encrypts (`EncryptionKeyProps::deletion_policy`).",
        applies_to: &["AWS::KMS::Key"],
        equivalents: Equivalents {
            cfn_lint: &["I3011"],
            checkov: &[],
        },
        check: key_retained,
    },
    Rule {
        id: "SQS-QUEUE-KMS",
        severity: Severity::Error,
        rationale: "A queue without a customer key keeps its messages under SQS-managed encryption or the AWS-managed aws/sqs key, whose policies the account does not write: no key policy limits who may read them.",
        checks: "Every AWS::SQS::Queue has KmsMasterKeyId, and it is not an AWS-managed alias (alias/aws/...).",
        fix: "Set KmsMasterKeyId to a customer-managed key whose policy names the queue's producers (the onboarding construct's key).",
        applies_to: &["AWS::SQS::Queue"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_27"],
        },
        check: queue_key,
    },
    Rule {
        id: "SECRET-KMS",
        severity: Severity::Error,
        rationale: "A secret on the AWS-managed key aws/secretsmanager can be read by every principal of the account allowed GetSecretValue on it; a customer key's policy adds who may decrypt it.",
        checks: "Every AWS::SecretsManager::Secret has KmsKeyId, and it is not an AWS-managed alias (alias/aws/...).",
        fix: "Set KmsKeyId to a customer-managed key whose policy lets Secrets Manager use it for this account's callers (`secrets_manager_may_use` in the encryption-key construct).",
        applies_to: &["AWS::SecretsManager::Secret"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_149"],
        },
        check: secret_key,
    },
];

fn rotation(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::KMS::Key")
        .filter(|(_, p)| {
            let symmetric = p["KeySpec"]
                .as_str()
                .is_none_or(|s| s == "SYMMETRIC_DEFAULT");
            symmetric && p["EnableKeyRotation"] != Json::Bool(true)
        })
        .map(|(id, _)| Violation::at(id, "Properties.EnableKeyRotation", "key rotation is off"))
        .collect()
}

fn is_account_root(principal: &Json) -> bool {
    let text = principal
        .as_str()
        .or_else(|| principal.get("Fn::Sub").and_then(Json::as_str))
        .unwrap_or("");
    text.ends_with(":root") || principal.get("Ref").and_then(Json::as_str) == Some("AWS::AccountId")
}

fn wildcard_action(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for doc in cx.policies().iter().filter(|d| d.kind == PolicyKind::Key) {
        for s in doc.statements.iter().filter(|s| s.allow && !s.not_action) {
            if !s.actions.iter().any(|a| *a == "*" || *a == "kms:*") {
                continue;
            }
            let principals: Vec<&Json> = match s.principal {
                Some(Json::String(star)) if star == "*" => vec![s.principal.unwrap()],
                Some(p) => match p.get("AWS") {
                    Some(Json::Array(items)) => items.iter().collect(),
                    Some(one) => vec![one],
                    None => vec![p],
                },
                None => Vec::new(),
            };
            if principals.iter().any(|p| !is_account_root(p)) {
                out.push(Violation::at(
                    doc.resource,
                    &format!("{}.Statement[{}]", doc.path, s.index),
                    "kms:* for a principal other than the account root",
                ));
            }
        }
    }
    out
}

/// How long a resource outlives its stack by its `DeletionPolicy`: 0 deleted (the
/// default), 1 kept unless the operation that created it rolls back, 2 always kept (a
/// snapshot is kept data too).
fn deletion_rank(resource: &Json) -> u8 {
    match resource["DeletionPolicy"].as_str() {
        Some("Retain" | "Snapshot") => 2,
        Some("RetainExceptOnCreate") => 1,
        _ => 0,
    }
}

fn kept_on_replacement(resource: &Json) -> bool {
    matches!(
        resource["UpdateReplacePolicy"].as_str(),
        Some("Retain" | "Snapshot")
    )
}

/// The keys the Properties of the resource at `position` refer to, directly or through
/// an `AWS::KMS::Alias` of the template, in order of first appearance (the reference
/// pass's index: names that are not resources are no keys).
fn keys_in<'a>(cx: &Context<'a>, position: usize) -> Vec<&'a str> {
    let mut keys = Vec::new();
    for name in cx.property_references(position).map(|at| cx.id_at(at)) {
        let key = match cx.type_of(name) {
            Some("AWS::KMS::Key") => Some(name),
            Some("AWS::KMS::Alias") => cx
                .resource(name)
                .and_then(|alias| super::target(&alias["Properties"]["TargetKeyId"]))
                .filter(|k| cx.type_of(k) == Some("AWS::KMS::Key")),
            _ => None,
        };
        if let Some(key) = key.filter(|k| !keys.contains(k)) {
            keys.push(key);
        }
    }
    keys
}

fn key_retained(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, _) in cx.of_type("AWS::KMS::Key") {
        let key = cx.resource(id).expect("listed by type");
        if key.get("DeletionPolicy").is_none() || key.get("UpdateReplacePolicy").is_none() {
            out.push(Violation::at(
                id,
                "DeletionPolicy",
                "no explicit DeletionPolicy and UpdateReplacePolicy: deleting the stack or replacing the key schedules its deletion without anyone having decided it",
            ));
        }
    }
    for (position, (id, resource)) in cx.resources().enumerate() {
        let kind = cx.kind_at(position).unwrap_or("");
        if kind.starts_with("AWS::KMS::") || kind.starts_with("AWS::IAM::") {
            continue;
        }
        let needed = deletion_rank(resource).max(u8::from(kept_on_replacement(resource)));
        if needed == 0 {
            continue;
        }
        for key_id in keys_in(cx, position) {
            let key = cx.resource(key_id).expect("a key of the template");
            let key_rank = match key["DeletionPolicy"].as_str() {
                Some("Retain") => 2,
                Some("RetainExceptOnCreate") => 1,
                _ => 0,
            };
            if key_rank < needed || key["UpdateReplacePolicy"] != "Retain" {
                let policy = |r: &Json, attribute: &str| {
                    r[attribute].as_str().unwrap_or("Delete").to_string()
                };
                out.push(Violation::at(
                    key_id,
                    "DeletionPolicy",
                    format!(
                        "`{id}` outlives the stack (DeletionPolicy {}, UpdateReplacePolicy {}) and refers to this key, which has DeletionPolicy {} and UpdateReplacePolicy {}",
                        policy(resource, "DeletionPolicy"),
                        policy(resource, "UpdateReplacePolicy"),
                        policy(key, "DeletionPolicy"),
                        policy(key, "UpdateReplacePolicy"),
                    ),
                ));
            }
        }
    }
    out
}

/// Whether `value` names an AWS-managed key by its alias (`alias/aws/sqs`,
/// `alias/aws/secretsmanager`, or an ARN of such an alias).
fn aws_managed_alias(value: &Json) -> bool {
    value.as_str().is_some_and(|s| s.contains("alias/aws/"))
}

fn queue_key(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::SQS::Queue")
        .filter_map(|(id, p)| {
            let key = &p["KmsMasterKeyId"];
            let problem = if key.is_null() {
                "no customer-managed key (SQS-managed encryption at most)"
            } else if aws_managed_alias(key) {
                "the AWS-managed key instead of a customer-managed one"
            } else {
                return None;
            };
            Some(Violation::at(id, "Properties.KmsMasterKeyId", problem))
        })
        .collect()
}

fn secret_key(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::SecretsManager::Secret")
        .filter_map(|(id, p)| {
            let key = &p["KmsKeyId"];
            let problem = if key.is_null() {
                "no KmsKeyId: the AWS-managed key aws/secretsmanager"
            } else if aws_managed_alias(key) {
                "the AWS-managed key instead of a customer-managed one"
            } else {
                return None;
            };
            Some(Violation::at(id, "Properties.KmsKeyId", problem))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_rule, fire};
    use crate::json;
    use crate::template::json::Json as Value;

    fn key(rotation: bool, principal: Value) -> Value {
        json!({"Resources": {"K": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": rotation, "KeyPolicy": {"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}]}}}}})
    }
    const ROOT: &str = "arn:${AWS::Partition}:iam::${AWS::AccountId}:root";

    #[test]
    fn rotation() {
        assert_rule(
            "KMS-KEY-ROTATION",
            key(true, json!({"Fn::Sub": ROOT})),
            key(false, json!({"Fn::Sub": ROOT})),
            "Resources.K.Properties.EnableKeyRotation",
        );
    }

    /// A key `K` and a resource `R` of `kind` whose `property` refers to it through
    /// `reference`, with the given (DeletionPolicy, UpdateReplacePolicy) pairs; `None`
    /// leaves the attributes out.
    fn kept(
        kind: &str,
        property: &str,
        reference: Value,
        resource: Option<(&str, &str)>,
        key: Option<(&str, &str)>,
    ) -> Value {
        let with = |mut r: Value, policies: Option<(&str, &str)>| {
            if let Some((deletion, replace)) = policies {
                r["DeletionPolicy"] = json!(deletion);
                r["UpdateReplacePolicy"] = json!(replace);
            }
            r
        };
        json!({"Resources": {
            "K": with(json!({"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": true}}), key),
            "A": {"Type": "AWS::KMS::Alias", "Properties": {"AliasName": "alias/k", "TargetKeyId": {"Ref": "K"}}},
            "R": with(json!({"Type": kind, "Properties": {property: reference}}), resource)
        }})
    }

    const AT_KEY: &str = "Resources.K.DeletionPolicy";

    fn arn() -> Value {
        json!({"Fn::GetAtt": ["K", "Arn"]})
    }

    #[test]
    fn a_key_lives_as_long_as_what_it_encrypts() {
        let group = |resource, key| kept("AWS::Logs::LogGroup", "KmsKeyId", arn(), resource, key);
        let kept_except_on_create = Some(("RetainExceptOnCreate", "Retain"));
        let deleted = Some(("Delete", "Delete"));
        assert_rule(
            "KMS-KEY-RETAINED",
            group(kept_except_on_create, kept_except_on_create),
            group(kept_except_on_create, deleted),
            AT_KEY,
        );
        // A resource kept even when its creation rolls back needs a key kept then too.
        assert_rule(
            "KMS-KEY-RETAINED",
            group(Some(("Retain", "Retain")), Some(("Retain", "Retain"))),
            group(Some(("Retain", "Retain")), kept_except_on_create),
            AT_KEY,
        );
        // A replaced key would leave the kept data behind with a deleted key.
        assert_rule(
            "KMS-KEY-RETAINED",
            group(kept_except_on_create, kept_except_on_create),
            group(
                kept_except_on_create,
                Some(("RetainExceptOnCreate", "Delete")),
            ),
            AT_KEY,
        );
        // Kept only on replacement: the old resource still outlives the stack.
        assert_rule(
            "KMS-KEY-RETAINED",
            group(Some(("Delete", "Retain")), kept_except_on_create),
            group(Some(("Delete", "Retain")), deleted),
            AT_KEY,
        );
        // Through an alias, in an Fn::Sub.
        let through_alias = |key| {
            kept(
                "AWS::SQS::Queue",
                "KmsMasterKeyId",
                json!({"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:${A}"}),
                kept_except_on_create,
                key,
            )
        };
        assert_rule(
            "KMS-KEY-RETAINED",
            through_alias(kept_except_on_create),
            through_alias(deleted),
            AT_KEY,
        );
    }

    #[test]
    fn a_key_states_its_deletion_policy() {
        // Nothing retained uses the key: Delete is a decision, no policy is none.
        let unused = |key| kept("AWS::SQS::Queue", "KmsMasterKeyId", arn(), None, key);
        assert_rule(
            "KMS-KEY-RETAINED",
            unused(Some(("Delete", "Delete"))),
            unused(None),
            AT_KEY,
        );
    }

    #[test]
    fn retained_iam_resources_do_not_keep_keys() {
        // A kept role that may use the key encrypts nothing with it.
        let role = kept(
            "AWS::IAM::Role",
            "Policies",
            json!([{"PolicyName": "p", "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": arn()}]}}]),
            Some(("Retain", "Retain")),
            Some(("Delete", "Delete")),
        );
        assert!(fire("KMS-KEY-RETAINED", role).is_empty());
    }

    fn resource(kind: &str, properties: Value) -> Value {
        json!({"Resources": {"R": {"Type": kind, "Properties": properties}}})
    }

    #[test]
    fn queues_and_secrets_have_customer_keys() {
        for (rule, kind, property, aws_managed) in [
            (
                "SQS-QUEUE-KMS",
                "AWS::SQS::Queue",
                "KmsMasterKeyId",
                "alias/aws/sqs",
            ),
            (
                "SECRET-KMS",
                "AWS::SecretsManager::Secret",
                "KmsKeyId",
                "alias/aws/secretsmanager",
            ),
        ] {
            let location = format!("Resources.R.Properties.{property}");
            let customer = resource(kind, json!({property: arn()}));
            assert_rule(rule, customer.clone(), resource(kind, json!({})), &location);
            assert_rule(
                rule,
                customer,
                resource(kind, json!({property: aws_managed})),
                &location,
            );
        }
    }

    #[test]
    fn wildcard_action() {
        assert_rule(
            "KMS-NO-WILDCARD-ACTION",
            key(true, json!([{"Fn::Sub": ROOT}])),
            key(true, json!([{"Fn::GetAtt": ["Role", "Arn"]}])),
            "Resources.K.Properties.KeyPolicy.Statement[0]",
        );
    }
}
