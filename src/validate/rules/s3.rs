//! S3 rules: public access, encryption, versioning, TLS, access logs, retention, object
//! ownership, the data perimeter of bucket policies (`perimeter`), and what keeps the
//! versions of retained and locked buckets (`versions`).

mod perimeter;
mod statements;
mod versions;

use crate::template::json::Json;

use super::policy::PolicyKind;
use super::{Context, Equivalents, Rule, Severity, Violation, list, target};

const BUCKET: &[&str] = &["AWS::S3::Bucket"];

pub static RULES: &[Rule] = &[
    Rule {
        id: "S3-BLOCK-PUBLIC-ACCESS",
        severity: Severity::Error,
        rationale: "A bucket without all four Block Public Access settings can be made public by one ACL or policy change.",
        checks: "PublicAccessBlockConfiguration sets BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and RestrictPublicBuckets to true.",
        fix: "Use the secure-bucket construct, which sets all four.",
        applies_to: BUCKET,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"],
        },
        check: block_public_access,
    },
    Rule {
        id: "S3-DEFAULT-ENCRYPTION",
        severity: Severity::Error,
        rationale: "Reviewers and scanners read the template, not S3's defaults: encryption must be stated.",
        checks: "BucketEncryption has at least one ServerSideEncryptionConfiguration rule.",
        fix: "Set BucketEncryption (SSE-KMS with a bucket key, or SSE-S3).",
        applies_to: BUCKET,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_19"],
        },
        check: default_encryption,
    },
    Rule {
        id: "S3-VERSIONING",
        severity: Severity::Error,
        rationale: "Without versioning an overwrite or delete loses data for good.",
        checks: "VersioningConfiguration.Status is Enabled.",
        fix: "Enable versioning (and expire noncurrent versions with a lifecycle rule).",
        applies_to: BUCKET,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_21"],
        },
        check: versioning,
    },
    Rule {
        id: "S3-TLS-ONLY",
        severity: Severity::Error,
        rationale: "Requests over plain HTTP expose data and credentials in transit.",
        checks: "A bucket policy for the bucket denies every request with Bool aws:SecureTransport = false.",
        fix: "Add a BucketPolicy Deny statement on the bucket and its objects with Condition Bool aws:SecureTransport \"false\".",
        applies_to: &["AWS::S3::Bucket", "AWS::S3::BucketPolicy"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: tls_only,
    },
    Rule {
        id: "S3-ACCESS-LOGGING",
        severity: Severity::Error,
        rationale: "Server access logs are the record of who read or changed the data.",
        checks: "Every bucket that is not itself a logging destination has LoggingConfiguration.DestinationBucketName.",
        fix: "Log to the stack's log bucket (the secure-bucket construct does).",
        applies_to: BUCKET,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_18"],
        },
        check: access_logging,
    },
    Rule {
        id: "S3-RETAIN-RAW-DATA",
        severity: Severity::Error,
        rationale: "Raw data outlives any one deployment: deleting or replacing the stack must not delete it.",
        checks: "Buckets whose logical ID or name mentions raw data have DeletionPolicy Retain (or RetainExceptOnCreate) and UpdateReplacePolicy Retain.",
        fix: "Set `retain: true` on the bucket in the definition.",
        applies_to: BUCKET,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: retain_raw_data,
    },
    Rule {
        id: "S3-OWNERSHIP-ENFORCED",
        severity: Severity::Warning,
        rationale: "With ACLs enabled, objects written by others can stay out of the bucket owner's control.",
        checks: "OwnershipControls has ObjectOwnership BucketOwnerEnforced.",
        fix: "Set OwnershipControls to BucketOwnerEnforced.",
        applies_to: BUCKET,
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: ownership_enforced,
    },
    Rule {
        id: "S3-BUCKET-PERIMETER",
        severity: Severity::Error,
        rationale: "Credentials copied off a notebook, or a principal of another account, must not reach the data: every bucket draws the perimeter of trusted identities, networks and keys.",
        checks: "The bucket policy of every bucket denies s3:* on the bucket and its objects to principals outside this account (aws:PrincipalAccount) or organization (aws:PrincipalOrgID); with an S3 gateway endpoint in the template, to requests that come through none of the template's endpoints (aws:SourceVpce); and for SSE-KMS with a customer key, PutObject that names another encryption, another key, or aws:kms without a key id. Each Deny is to Principal * and carries no condition beyond its test and the documented exceptions (AWS service principals, AWS services acting for the caller, principals by ARN).",
        fix: "Use the secure-bucket construct, which writes these statements; for a hand-built bucket, copy them from a synthesized template.",
        applies_to: &["AWS::S3::Bucket", "AWS::S3::BucketPolicy"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: perimeter::check,
    },
    Rule {
        id: "S3-RETAINED-VERSIONS",
        severity: Severity::Error,
        rationale: "Raw data must survive a notebook that overwrites or deletes it: a retained bucket keeps its old versions, and only the administrators can delete one.",
        checks: "A bucket with DeletionPolicy Retain or RetainExceptOnCreate has no enabled lifecycle rule that expires noncurrent versions (unless its construct records the definition's choice as an exemption); its bucket policy denies s3:DeleteObjectVersion on its objects to Principal *, with no condition but ArnNotLike aws:PrincipalArn (the administrators); and no identity policy of the template, nor a bucket-policy Allow to a principal that Deny does not exempt, allows s3:DeleteObjectVersion (or a wildcard covering it) on its objects.",
        fix: "Keep `noncurrent_version_days` off the bucket (or set `never`), build it with the secure-bucket construct, and grant `delete` on it (which gives s3:DeleteObject only) instead of writing s3:DeleteObjectVersion; list the people who may delete versions in `perimeter.admin_principals`.",
        applies_to: &[
            "AWS::S3::Bucket",
            "AWS::S3::BucketPolicy",
            "AWS::IAM::Role",
            "AWS::IAM::User",
            "AWS::IAM::Group",
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::Policy",
        ],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: versions::retained_versions,
    },
    Rule {
        id: "S3-OBJECT-LOCK-BYPASS",
        severity: Severity::Error,
        rationale: "A governance-mode Object Lock protects nothing from whoever may bypass it: only the administrators may.",
        checks: "A bucket with Object Lock enabled has a bucket policy that denies s3:BypassGovernanceRetention on its objects to Principal *, with no condition but ArnNotLike aws:PrincipalArn (the administrators), and no identity policy of the template, nor a bucket-policy Allow to a principal that Deny does not exempt, allows s3:BypassGovernanceRetention (or a wildcard covering it) on its objects.",
        fix: "Build the bucket with the secure-bucket construct (`object_lock: { days: N }`), which writes the Deny, and grant no s3:BypassGovernanceRetention in the stack; list the people who may bypass the lock in `perimeter.admin_principals`.",
        applies_to: &[
            "AWS::S3::Bucket",
            "AWS::S3::BucketPolicy",
            "AWS::IAM::Role",
            "AWS::IAM::User",
            "AWS::IAM::Group",
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::Policy",
        ],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: versions::lock_bypass,
    },
    Rule {
        id: "S3-EMPTY-ON-DELETE",
        severity: Severity::Warning,
        rationale: "A bucket that empties on delete loses every object and every old version when the stack is deleted or the bucket is removed from the definition: the reviewer must see which data goes, on every synth.",
        checks: "Every AWS::S3::Bucket referenced by a Custom::StudioCleanup of Kind Bucket (the definition's `empty_on_delete: true`) is reported, with the cleanup that empties it.",
        fix: "Keep it if the data may go with the stack; otherwise drop `empty_on_delete`, and the bucket is retained (list the rule under `suppress` with the reason to accept it silently).",
        applies_to: &["AWS::S3::Bucket", "Custom::StudioCleanup"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: empty_on_delete,
    },
];

/// The buckets a cleanup of Kind Bucket references, with that cleanup.
fn empty_on_delete(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (cleanup, p) in cx.of_type("Custom::StudioCleanup") {
        if p["Kind"] != "Bucket" {
            continue;
        }
        for bucket in crate::template::read::references(p) {
            if cx.type_of(bucket) == Some("AWS::S3::Bucket") {
                out.push(Violation::at(
                    bucket,
                    "DeletionPolicy",
                    format!("every object version and delete marker of bucket {bucket} is deleted by {cleanup} when the stack is deleted or the bucket removed from the definition: its data is lost then"),
                ));
            }
        }
    }
    out
}

fn block_public_access(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::S3::Bucket") {
        let config = &p["PublicAccessBlockConfiguration"];
        let missing: Vec<&str> = [
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        ]
        .into_iter()
        .filter(|k| config[*k] != Json::Bool(true))
        .collect();
        if !missing.is_empty() {
            out.push(Violation::at(
                id,
                "Properties.PublicAccessBlockConfiguration",
                format!("not true: {}", missing.join(", ")),
            ));
        }
    }
    out
}

fn default_encryption(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::S3::Bucket")
        .filter(|(_, p)| {
            list(&p["BucketEncryption"]["ServerSideEncryptionConfiguration"]).is_empty()
        })
        .map(|(id, _)| Violation::at(id, "Properties.BucketEncryption", "no default encryption"))
        .collect()
}

fn versioning(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::S3::Bucket")
        .filter(|(_, p)| p["VersioningConfiguration"]["Status"] != "Enabled")
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.VersioningConfiguration",
                "versioning is not enabled",
            )
        })
        .collect()
}

fn tls_only(cx: &Context) -> Vec<Violation> {
    let mut protected = Vec::new();
    for doc in cx
        .policies()
        .iter()
        .filter(|d| d.kind == PolicyKind::Resource && d.resource_type == "AWS::S3::BucketPolicy")
    {
        let denies_plain_http = doc.statements.iter().any(|s| {
            !s.allow
                && s.conditions().iter().any(|c| {
                    c.operator == "Bool"
                        && c.key == "aws:SecureTransport"
                        && c.values
                            .iter()
                            .any(|v| v == &&Json::from("false") || v == &&Json::Bool(false))
                })
        });
        if denies_plain_http
            && let Some(bucket) = cx
                .resource(doc.resource)
                .and_then(|r| target(&r["Properties"]["Bucket"]))
        {
            protected.push(bucket);
        }
    }
    cx.of_type("AWS::S3::Bucket")
        .filter(|(id, _)| !protected.contains(id))
        .map(|(id, _)| {
            Violation::at(
                id,
                "",
                "no bucket policy denies requests without TLS (aws:SecureTransport = false)",
            )
        })
        .collect()
}

fn access_logging(cx: &Context) -> Vec<Violation> {
    let destinations: Vec<&str> = cx
        .of_type("AWS::S3::Bucket")
        .filter_map(|(_, p)| target(&p["LoggingConfiguration"]["DestinationBucketName"]))
        .collect();
    cx.of_type("AWS::S3::Bucket")
        .filter(|(id, p)| {
            p["LoggingConfiguration"]["DestinationBucketName"].is_null()
                && !destinations.contains(id)
        })
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.LoggingConfiguration",
                "no server access logging",
            )
        })
        .collect()
}

fn retain_raw_data(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::S3::Bucket") {
        let name = p["BucketName"].as_str().unwrap_or("");
        let raw = id.to_ascii_lowercase().contains("raw") || name.contains("raw");
        if !raw {
            continue;
        }
        let r = cx.resource(id).expect("listed above");
        let deletion = r["DeletionPolicy"].as_str().unwrap_or("Delete");
        let replace = r["UpdateReplacePolicy"].as_str().unwrap_or("Delete");
        if !matches!(deletion, "Retain" | "RetainExceptOnCreate") || replace != "Retain" {
            out.push(Violation::at(
                id,
                "DeletionPolicy",
                format!("raw-data bucket with DeletionPolicy {deletion} and UpdateReplacePolicy {replace}"),
            ));
        }
    }
    out
}

fn ownership_enforced(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::S3::Bucket")
        .filter(|(_, p)| {
            !list(&p["OwnershipControls"]["Rules"])
                .iter()
                .any(|r| r["ObjectOwnership"] == "BucketOwnerEnforced")
        })
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.OwnershipControls",
                "ObjectOwnership is not BucketOwnerEnforced",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_rule;
    use crate::json;
    use crate::template::json::Json as Value;

    #[test]
    fn a_bucket_emptied_on_delete_is_named() {
        let template = |kind: &str| {
            json!({"Resources": {
                "B": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Delete", "Properties": {}},
                "C": {"Type": "Custom::StudioCleanup", "Properties": {
                    "ServiceToken": {"Fn::GetAtt": ["F", "Arn"]}, "Kind": kind, "BucketName": {"Ref": "B"}}},
            }})
        };
        assert_rule(
            "S3-EMPTY-ON-DELETE",
            template("UserProfile"),
            template("Bucket"),
            "Resources.B.DeletionPolicy",
        );
        let found = super::super::test_support::fire("S3-EMPTY-ON-DELETE", template("Bucket"));
        assert!(
            found[0].message.contains("bucket B is deleted by C"),
            "{found:?}"
        );
    }

    fn secure_bucket() -> Value {
        json!({
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            "VersioningConfiguration": {"Status": "Enabled"},
            "LoggingConfiguration": {"DestinationBucketName": {"Ref": "Logs"}},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        })
    }

    fn template(bucket: Value, policy_condition: Value, retain: bool) -> Value {
        let mut data = json!({"Type": "AWS::S3::Bucket", "Properties": bucket});
        if retain {
            data["DeletionPolicy"] = json!("Retain");
            data["UpdateReplacePolicy"] = json!("Retain");
        }
        json!({"Resources": {
            "RawData": data,
            "Logs": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "RawDataPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "RawData"}, "PolicyDocument": {"Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": policy_condition}]}}}
        }})
    }

    fn good() -> Value {
        template(
            secure_bucket(),
            json!({"Bool": {"aws:SecureTransport": "false"}}),
            true,
        )
    }

    fn without(key: &str) -> Value {
        let mut b = secure_bucket();
        b.as_object_mut().unwrap().shift_remove(key);
        template(b, json!({"Bool": {"aws:SecureTransport": "false"}}), true)
    }

    /// The good fragment passes every S3 rule except on the bare log bucket.
    fn clean(rule: &str) -> Value {
        let mut t = good();
        t["Resources"]["Logs"]["Properties"] = secure_bucket();
        t["Resources"]["Logs"]["Properties"]
            .as_object_mut()
            .unwrap()
            .shift_remove("LoggingConfiguration");
        if rule == "S3-TLS-ONLY" {
            t["Resources"]["LogsPolicy"] = json!({"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Logs"}, "PolicyDocument": {"Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}});
        }
        t
    }

    #[test]
    fn each_bucket_rule() {
        assert_rule(
            "S3-BLOCK-PUBLIC-ACCESS",
            clean(""),
            without("PublicAccessBlockConfiguration"),
            "Resources.RawData.Properties.PublicAccessBlockConfiguration",
        );
        assert_rule(
            "S3-DEFAULT-ENCRYPTION",
            clean(""),
            without("BucketEncryption"),
            "Resources.RawData.Properties.BucketEncryption",
        );
        assert_rule(
            "S3-VERSIONING",
            clean(""),
            without("VersioningConfiguration"),
            "Resources.RawData.Properties.VersioningConfiguration",
        );
        assert_rule(
            "S3-ACCESS-LOGGING",
            clean(""),
            without("LoggingConfiguration"),
            "Resources.RawData.Properties.LoggingConfiguration",
        );
        assert_rule(
            "S3-OWNERSHIP-ENFORCED",
            clean(""),
            without("OwnershipControls"),
            "Resources.RawData.Properties.OwnershipControls",
        );
        assert_rule(
            "S3-TLS-ONLY",
            clean("S3-TLS-ONLY"),
            template(
                secure_bucket(),
                json!({"Bool": {"aws:SecureTransport": "true"}}),
                true,
            ),
            "Resources.RawData",
        );
        assert_rule(
            "S3-RETAIN-RAW-DATA",
            clean(""),
            template(
                secure_bucket(),
                json!({"Bool": {"aws:SecureTransport": "false"}}),
                false,
            ),
            "Resources.RawData.DeletionPolicy",
        );
    }
}
