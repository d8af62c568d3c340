//! KMS rules: rotation, and key policies that give `kms:*` only to the account.

use serde_json::Value as Json;

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

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_rule;
    use serde_json::{Value, json};

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
