//! S3-BUCKET-PERIMETER: every bucket's policy draws the data perimeter of SPEC §6 —
//! trusted identities, the stack's network, and (for a bucket with a customer key) that
//! key only.
//!
//! What counts is the statements' meaning, not their Sids: a Deny to everyone, of `s3:*`
//! (or `*`) on the bucket and all its objects, whose only conditions are the perimeter
//! test and the documented exceptions (AWS service principals, AWS services acting for the
//! caller, the administrators by ARN). A Deny with any other condition denies less, and
//! does not count.

use crate::template::json::Json;

use super::super::policy::Stmt;
use super::super::{Context, Violation, list, target};
use super::statements::{
    ARN_NOT, BOOL, STRING_NOT_EQUALS, Test, all_false, all_true, any, bucket_policies,
    conditions_are, denies_to_everyone,
};

/// The algorithms of SSE-KMS default encryption.
const KMS_ALGORITHMS: &[&str] = &["aws:kms", "aws:kms:dsse"];

pub fn check(cx: &Context) -> Vec<Violation> {
    let policies = bucket_policies(cx);
    let endpoints = s3_gateway_endpoints(cx);
    let mut out = Vec::new();
    for (bucket, p) in cx.of_type("AWS::S3::Bucket") {
        let statements: Vec<&Stmt> = policies
            .iter()
            .filter(|(b, _)| *b == bucket)
            .flat_map(|(_, d)| &d.statements)
            .collect();
        let mut missing = Vec::new();
        if !statements.iter().any(|s| identity_deny(s, bucket)) {
            missing.push("a Deny of s3:* to principals outside this account or organization (aws:PrincipalAccount or aws:PrincipalOrgID)".to_string());
        }
        if !endpoints.is_empty() && !statements.iter().any(|s| network_deny(s, bucket, cx)) {
            missing.push("a Deny of s3:* to requests that do not come through this stack's S3 gateway endpoint (aws:SourceVpce)".to_string());
        }
        if let Some(key) = kms_key(p) {
            match key {
                Some(key) => missing.extend(missing_encryption_denies(&statements, bucket, key)),
                None => missing.push(
                    "a customer key in its SSE-KMS default encryption (KMSMasterKeyID), so that uploads can be held to it".to_string(),
                ),
            }
        }
        if !missing.is_empty() {
            out.push(Violation::at(
                bucket,
                "",
                format!("the bucket's data perimeter lacks {}", missing.join("; ")),
            ));
        }
    }
    out
}

/// The template's S3 gateway endpoints (the stack's network for S3).
fn s3_gateway_endpoints<'a>(cx: &Context<'a>) -> Vec<&'a str> {
    cx.of_type("AWS::EC2::VPCEndpoint")
        .filter(|(_, p)| p["VpcEndpointType"] == "Gateway")
        .filter(|(_, p)| {
            crate::template::read::text(&p["ServiceName"]).is_some_and(|s| s.ends_with(".s3"))
        })
        .map(|(id, _)| id)
        .collect()
}

/// `Some(Some(key))` for SSE-KMS with a key, `Some(None)` for SSE-KMS without one (the
/// AWS managed key), `None` for any other default encryption.
fn kms_key(bucket: &Json) -> Option<Option<&Json>> {
    let rules = list(&bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]);
    let default = &rules.first()?["ServerSideEncryptionByDefault"];
    let algorithm = default["SSEAlgorithm"].as_str()?;
    KMS_ALGORITHMS
        .contains(&algorithm)
        .then(|| default.get("KMSMasterKeyID"))
}

/// Denies `s3:*` on the bucket and its objects to principals outside this account (or an
/// organization), AWS service principals excepted.
fn identity_deny(s: &Stmt, bucket: &str) -> bool {
    let this_account = |values: &[&Json]| {
        values.len() == 1 && values[0].get("Ref").and_then(Json::as_str) == Some("AWS::AccountId")
    };
    denies_to_everyone(s, bucket, "s3:*", true)
        && (conditions_are(
            s,
            &[Test {
                operators: STRING_NOT_EQUALS,
                key: "aws:PrincipalAccount",
                values: &this_account,
            }],
            &[service_principals_excepted()],
        ) || conditions_are(
            s,
            &[Test {
                operators: STRING_NOT_EQUALS,
                key: "aws:PrincipalOrgID",
                values: &|v: &[&Json]| !v.is_empty() && v.iter().all(|x| x.is_string()),
            }],
            &[service_principals_excepted()],
        ))
}

fn service_principals_excepted() -> Test<'static> {
    Test {
        operators: BOOL,
        key: "aws:PrincipalIsAWSService",
        values: &all_false,
    }
}

/// Denies `s3:*` on the bucket and its objects to requests that come through none of the
/// template's VPC endpoints, with only the documented exceptions.
fn network_deny(s: &Stmt, bucket: &str, cx: &Context) -> bool {
    let endpoints_of_this_stack = |values: &[&Json]| {
        !values.is_empty()
            && values.iter().all(|v| {
                v.get("Ref").is_some()
                    && target(v).is_some_and(|id| cx.type_of(id) == Some("AWS::EC2::VPCEndpoint"))
            })
    };
    denies_to_everyone(s, bucket, "s3:*", true)
        && conditions_are(
            s,
            &[Test {
                operators: STRING_NOT_EQUALS,
                key: "aws:SourceVpce",
                values: &endpoints_of_this_stack,
            }],
            &[
                service_principals_excepted(),
                Test {
                    operators: BOOL,
                    key: "aws:ViaAWSService",
                    values: &all_false,
                },
                Test {
                    operators: ARN_NOT,
                    key: "aws:PrincipalArn",
                    values: &any,
                },
            ],
        )
}

/// Which of the three uploads that would not use the bucket's key are not denied.
fn missing_encryption_denies(statements: &[&Stmt], bucket: &str, key: &Json) -> Vec<String> {
    let sse = "s3:x-amz-server-side-encryption";
    let key_id = "s3:x-amz-server-side-encryption-aws-kms-key-id";
    let kms = |v: &[&Json]| {
        !v.is_empty()
            && v.iter()
                .all(|x| x.as_str().is_some_and(|a| KMS_ALGORITHMS.contains(&a)))
    };
    let this_key = |v: &[&Json]| v.len() == 1 && v[0] == key;
    let null = |key: &'static str, values: &'static dyn Fn(&[&Json]) -> bool| Test {
        operators: &["Null"],
        key,
        values,
    };
    let denied = |required: &[Test], allowed: &[Test]| {
        statements.iter().any(|s| {
            denies_to_everyone(s, bucket, "s3:PutObject", false)
                && conditions_are(s, required, allowed)
        })
    };
    let mut missing = Vec::new();
    if !denied(
        &[Test {
            operators: STRING_NOT_EQUALS,
            key: sse,
            values: &kms,
        }],
        &[null(sse, &all_false)],
    ) {
        missing.push(format!(
            "a Deny of s3:PutObject that names another encryption ({sse} not aws:kms)"
        ));
    }
    if !denied(
        &[Test {
            operators: STRING_NOT_EQUALS,
            key: key_id,
            values: &this_key,
        }],
        &[null(key_id, &all_false)],
    ) {
        missing.push(format!(
            "a Deny of s3:PutObject that names another key ({key_id} not the bucket's key)"
        ));
    }
    if !denied(&[null(key_id, &all_true)], &[null(sse, &all_false)]) {
        missing.push(format!(
            "a Deny of s3:PutObject that asks for aws:kms without a key id ({key_id} absent: the AWS managed key)"
        ));
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::super::super::test_support::{assert_rule, fire};
    use crate::json;
    use crate::template::json::Json as Value;

    const RULE: &str = "S3-BUCKET-PERIMETER";

    fn deny(sid: &str, actions: Value, resources: Value, condition: Value) -> Value {
        json!({"Sid": sid, "Effect": "Deny", "Principal": {"AWS": ["*"]}, "Action": actions,
               "Resource": resources, "Condition": condition})
    }

    fn everything() -> Value {
        json!([{"Fn::GetAtt": ["Raw", "Arn"]}, {"Fn::Sub": "${Raw.Arn}/*"}])
    }

    fn identity() -> Value {
        deny(
            "DenyOutsideIdentities",
            json!(["s3:*"]),
            everything(),
            json!({"StringNotEqualsIfExists": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}},
                   "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}),
        )
    }

    fn network() -> Value {
        deny(
            "DenyOutsideNetwork",
            json!(["s3:*"]),
            everything(),
            json!({"StringNotEqualsIfExists": {"aws:SourceVpce": {"Ref": "S3Endpoint"}},
                   "BoolIfExists": {"aws:ViaAWSService": "false", "aws:PrincipalIsAWSService": "false"},
                   "ArnNotLikeIfExists": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/deploy"}}),
        )
    }

    fn encryption() -> Vec<Value> {
        let objects = json!([{"Fn::Sub": "${Raw.Arn}/*"}]);
        vec![
            deny(
                "DenyOtherEncryption",
                json!(["s3:PutObject"]),
                objects.clone(),
                json!({"Null": {"s3:x-amz-server-side-encryption": "false"},
                       "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}),
            ),
            deny(
                "DenyOtherKeys",
                json!(["s3:PutObject"]),
                objects.clone(),
                json!({"Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
                       "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": {"Fn::GetAtt": ["Key", "Arn"]}}}),
            ),
            deny(
                "DenyAwsManagedKey",
                json!(["s3:PutObject"]),
                objects,
                json!({"Null": {"s3:x-amz-server-side-encryption": "false",
                                "s3:x-amz-server-side-encryption-aws-kms-key-id": "true"}}),
            ),
        ]
    }

    /// A KMS bucket with the stack's S3 gateway endpoint, and a bucket policy of
    /// `statements`.
    fn template(statements: Vec<Value>) -> Value {
        json!({"Resources": {
            "S3Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
                "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"}, "VpcEndpointType": "Gateway"}},
            "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
            "Raw": {"Type": "AWS::S3::Bucket", "Properties": {"BucketEncryption": {"ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]}}}]}}},
            "RawPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Raw"},
                "PolicyDocument": {"Statement": statements}}}
        }})
    }

    fn full() -> Vec<Value> {
        let mut all = vec![identity(), network()];
        all.extend(encryption());
        all
    }

    fn without(sid: &str) -> Value {
        template(full().into_iter().filter(|s| s["Sid"] != sid).collect())
    }

    fn message(t: Value) -> String {
        let found = fire(RULE, t);
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].message.clone()
    }

    #[test]
    fn every_part_of_the_perimeter_is_required() {
        for sid in [
            "DenyOutsideIdentities",
            "DenyOutsideNetwork",
            "DenyOtherEncryption",
            "DenyOtherKeys",
            "DenyAwsManagedKey",
        ] {
            assert_rule(RULE, template(full()), without(sid), "Resources.Raw");
        }
        assert!(message(without("DenyOutsideNetwork")).contains("aws:SourceVpce"));
        assert!(message(without("DenyOtherKeys")).contains("another key"));
    }

    #[test]
    fn a_deny_that_is_narrower_does_not_count() {
        // One more condition (only requests from one IP are denied).
        let mut narrowed = identity();
        narrowed["Condition"]["IpAddress"] = json!({"aws:SourceIp": "203.0.113.0/24"});
        let mut statements = full();
        statements[0] = narrowed;
        assert_rule(
            RULE,
            template(full()),
            template(statements),
            "Resources.Raw",
        );
        // Objects only: the bucket itself (ListBucket, its policy) stays outside.
        let mut objects_only = identity();
        objects_only["Resource"] = json!([{"Fn::Sub": "${Raw.Arn}/*"}]);
        let mut statements = full();
        statements[0] = objects_only;
        assert_rule(
            RULE,
            template(full()),
            template(statements),
            "Resources.Raw",
        );
        // Another account trusted instead of this one.
        let mut elsewhere = identity();
        elsewhere["Condition"]["StringNotEqualsIfExists"]["aws:PrincipalAccount"] =
            json!("444455556666");
        let mut statements = full();
        statements[0] = elsewhere;
        assert_rule(
            RULE,
            template(full()),
            template(statements),
            "Resources.Raw",
        );
        // Uploads with another key are denied only for one principal.
        let mut one_principal = encryption()[1].clone();
        one_principal["Principal"] = json!({"AWS": ["arn:aws:iam::111122223333:role/x"]});
        let mut statements = full();
        statements[3] = one_principal;
        assert_rule(
            RULE,
            template(full()),
            template(statements),
            "Resources.Raw",
        );
    }

    #[test]
    fn the_organization_and_a_stack_without_network_or_key() {
        let mut org = identity();
        org["Condition"] = json!({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abcde12345"},
                                  "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}});
        let mut statements = full();
        statements[0] = org;
        assert!(fire(RULE, template(statements)).is_empty());
        // No S3 gateway endpoint and SSE-S3: the identity deny is all there is to have.
        let mut t = template(vec![identity()]);
        t["Resources"]
            .as_object_mut()
            .unwrap()
            .shift_remove("S3Endpoint");
        t["Resources"]["Raw"]["Properties"]["BucketEncryption"] = json!({"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]});
        assert!(fire(RULE, t.clone()).is_empty());
        t["Resources"]["RawPolicy"]["Properties"]["PolicyDocument"]["Statement"] = json!([]);
        assert!(message(t).contains("aws:PrincipalAccount"));
        // SSE-KMS with the AWS managed key has no key to hold uploads to.
        let mut t = template(full());
        t["Resources"]["Raw"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
            ["ServerSideEncryptionByDefault"]
            .as_object_mut()
            .unwrap()
            .shift_remove("KMSMasterKeyID");
        assert!(message(t).contains("KMSMasterKeyID"));
    }

    #[test]
    fn a_bucket_without_a_policy_has_no_perimeter() {
        let mut t = template(full());
        t["Resources"]
            .as_object_mut()
            .unwrap()
            .shift_remove("RawPolicy");
        let m = message(t);
        assert!(
            m.contains("aws:PrincipalAccount") && m.contains("aws:SourceVpce"),
            "{m}"
        );
    }
}
