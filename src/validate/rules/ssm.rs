//! Session Manager rules: sessions of the stack use its own Session document, recorded in
//! an encrypted log, encrypted with a customer key, ended when idle; instances are not
//! given the broad AWS-managed SSM policy.
//!
//! None of them has an equivalent to list: checkov 3.3's CloudFormation checks read no
//! `AWS::SSM::Document` and no `ManagedPolicyArns` (its one SSM check, CKV_AWS_384, looks
//! for secrets in `AWS::SSM::Parameter` values), and cfn-lint 1.58's one document rule, E3051,
//! checks a document's structure, not its session settings.

use crate::template::json::Json;

use super::iam::managed_policy_arns;
use super::{Context, Equivalents, Rule, Severity, Violation};

/// The account-wide default Session document (one per account and region).
const DEFAULT_DOCUMENT: &str = "SSM-SessionManagerRunShell";

pub static RULES: &[Rule] = &[
    Rule {
        id: "SSM-SESSION-LOGGING",
        severity: Severity::Error,
        rationale: "An unrecorded shell on a bastion leaves no trace of what was done with its role and network position.",
        checks: "Every Standard_Stream Session document sends sessions to a CloudWatch Logs group with cloudWatchEncryptionEnabled true, or to an S3 bucket with s3EncryptionEnabled true.",
        fix: "Use the bastion construct's Session document (it records to an encrypted, retained log group).",
        applies_to: &["AWS::SSM::Document"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: session_logging,
    },
    Rule {
        id: "SSM-SESSION-ENCRYPTION",
        severity: Severity::Error,
        rationale: "Without kmsKeyId the session stream is protected by TLS only, not by a key the account controls; an idle session left open is a shell anyone at the desk can use.",
        checks: "Every Standard_Stream Session document names a kmsKeyId and an idleSessionTimeout of 1 to 60 minutes.",
        fix: "Use the bastion construct's Session document; set `bastion.idle_session_timeout_minutes` within 1–60.",
        applies_to: &["AWS::SSM::Document"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: session_encryption,
    },
    Rule {
        id: "SSM-NO-DEFAULT-SESSION-DOCUMENT",
        severity: Severity::Error,
        rationale: "SSM-SessionManagerRunShell holds the preferences of every session of the account and region: a stack that creates it clobbers them, and deleting the stack deletes them.",
        checks: "No AWS::SSM::Document is named SSM-SessionManagerRunShell.",
        fix: "Give the stack's Session document a name of its own and allow StartSession only with it (the bastion construct does).",
        applies_to: &["AWS::SSM::Document"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: no_default_document,
    },
    Rule {
        id: "IAM-NO-MANAGED-SSM-CORE",
        severity: Severity::Error,
        rationale: "AmazonSSMManagedInstanceCore allows ssm:GetParameter* on every parameter of the account: whoever has a shell on the instance can read them.",
        checks: "No role, user or group has AmazonSSMManagedInstanceCore in ManagedPolicyArns.",
        fix: "Grant the SSM Agent's actions only (the bastion construct's SessionManagerAgent policy).",
        applies_to: &["AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: no_managed_ssm_core,
    },
];

/// (logical id, inputs) of every Standard_Stream Session document.
fn stream_documents<'a>(cx: &'a Context) -> Vec<(&'a str, &'a Json)> {
    cx.of_type("AWS::SSM::Document")
        .filter(|(_, p)| {
            p["DocumentType"] == "Session" && p["Content"]["sessionType"] == "Standard_Stream"
        })
        .map(|(id, p)| (id, &p["Content"]["inputs"]))
        .collect()
}

fn is_set(value: &Json) -> bool {
    !(value.is_null() || value == "")
}

fn is_true(value: &Json) -> bool {
    value == &Json::Bool(true) || value == "true"
}

fn session_logging(cx: &Context) -> Vec<Violation> {
    stream_documents(cx)
        .into_iter()
        .filter(|(_, i)| {
            let cloudwatch =
                is_set(&i["cloudWatchLogGroupName"]) && is_true(&i["cloudWatchEncryptionEnabled"]);
            let s3 = is_set(&i["s3BucketName"]) && is_true(&i["s3EncryptionEnabled"]);
            !(cloudwatch || s3)
        })
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.Content.inputs",
                "sessions are not recorded to an encrypted log group or bucket",
            )
        })
        .collect()
}

fn session_encryption(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, i) in stream_documents(cx) {
        if !is_set(&i["kmsKeyId"]) {
            out.push(Violation::at(
                id,
                "Properties.Content.inputs.kmsKeyId",
                "sessions are not encrypted with a customer key",
            ));
        }
        let idle = match &i["idleSessionTimeout"] {
            Json::String(s) => s.parse::<u64>().ok(),
            other => other.as_u64(),
        };
        if !idle.is_some_and(|m| (1..=60).contains(&m)) {
            out.push(Violation::at(
                id,
                "Properties.Content.inputs.idleSessionTimeout",
                "no idle session timeout of 1 to 60 minutes",
            ));
        }
    }
    out
}

fn no_default_document(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::SSM::Document")
        .filter(|(_, p)| p["Name"] == DEFAULT_DOCUMENT)
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.Name",
                format!("creates the account-wide default Session document {DEFAULT_DOCUMENT}"),
            )
        })
        .collect()
}

fn no_managed_ssm_core(cx: &Context) -> Vec<Violation> {
    managed_policy_arns(cx)
        .filter(|(_, _, text)| text.ends_with("/AmazonSSMManagedInstanceCore"))
        .map(|(id, i, _)| {
            Violation::at(
                id,
                &format!("Properties.ManagedPolicyArns[{i}]"),
                "AmazonSSMManagedInstanceCore reads every SSM parameter of the account",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_rule;
    use crate::json;
    use crate::template::json::Json as Value;

    fn document(name: &str, inputs: Value) -> Value {
        json!({"Resources": {"D": {"Type": "AWS::SSM::Document", "Properties": {
            "Name": name, "DocumentType": "Session", "DocumentFormat": "JSON",
            "Content": {"schemaVersion": "1.0", "sessionType": "Standard_Stream", "inputs": inputs}}}}})
    }

    fn good() -> Value {
        json!({"cloudWatchLogGroupName": {"Ref": "L"}, "cloudWatchEncryptionEnabled": true,
               "kmsKeyId": {"Ref": "K"}, "idleSessionTimeout": "15", "runAsEnabled": false})
    }

    #[test]
    fn session_logging() {
        let mut unencrypted = good();
        unencrypted["cloudWatchEncryptionEnabled"] = json!(false);
        assert_rule(
            "SSM-SESSION-LOGGING",
            document("s", good()),
            document("s", unencrypted),
            "Resources.D.Properties.Content.inputs",
        );
        let mut nowhere = good();
        nowhere["cloudWatchLogGroupName"] = json!("");
        assert_rule(
            "SSM-SESSION-LOGGING",
            document("s", good()),
            document("s", nowhere),
            "Resources.D.Properties.Content.inputs",
        );
    }

    #[test]
    fn session_encryption_and_idle_timeout() {
        let mut no_key = good();
        no_key["kmsKeyId"] = json!("");
        assert_rule(
            "SSM-SESSION-ENCRYPTION",
            document("s", good()),
            document("s", no_key),
            "Resources.D.Properties.Content.inputs.kmsKeyId",
        );
        let mut never_idle = good();
        never_idle["idleSessionTimeout"] = json!("61");
        assert_rule(
            "SSM-SESSION-ENCRYPTION",
            document("s", good()),
            document("s", never_idle),
            "Resources.D.Properties.Content.inputs.idleSessionTimeout",
        );
    }

    #[test]
    fn no_default_document() {
        assert_rule(
            "SSM-NO-DEFAULT-SESSION-DOCUMENT",
            document("Bastion-sessions-x", good()),
            document("SSM-SessionManagerRunShell", good()),
            "Resources.D.Properties.Name",
        );
    }

    #[test]
    fn no_managed_ssm_core() {
        let role = |arns: Value| {
            json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {}, "ManagedPolicyArns": arns}}}})
        };
        assert_rule(
            "IAM-NO-MANAGED-SSM-CORE",
            role(json!([{"Ref": "P"}])),
            role(
                json!([{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"}]),
            ),
            "Resources.R.Properties.ManagedPolicyArns[0]",
        );
    }
}
