//! S3-RETAINED-VERSIONS and S3-OBJECT-LOCK-BYPASS: the versions of data that must
//! outlive the stack cannot be destroyed by the stack's own principals.
//!
//! A retained bucket (`DeletionPolicy` Retain or RetainExceptOnCreate) keeps every
//! version unless its construct records an exception; its bucket policy denies
//! `s3:DeleteObjectVersion` to everyone but principals named by ARN (the administrators);
//! and no policy of the template allows that action on its objects to anyone else. A
//! bucket with Object Lock holds `s3:BypassGovernanceRetention` to the same standard.
//!
//! A role, user or group of the template is a principal of the stack (a notebook, a
//! function, a team member), never one of the administrators, who are listed by ARN in
//! the definition and live outside it; so any identity policy of the template that allows
//! the action on the bucket's objects is a finding. In a bucket policy, an Allow counts
//! only when every principal it names is one the bucket policy's own Deny exempts.

use crate::template::json::Json;

use super::super::policy::{PolicyKind, Stmt, action_matches};
use super::super::{Context, Violation, list};
use super::statements::{
    ARN_NOT, Test, any, bucket_policies, conditions_are, covers_action, denies_to_everyone,
    exempted_principals, reaches_objects,
};

const DELETE_OBJECT_VERSION: &str = "s3:DeleteObjectVersion";
const BYPASS_GOVERNANCE: &str = "s3:BypassGovernanceRetention";

/// S3-RETAINED-VERSIONS.
pub fn retained_versions(cx: &Context) -> Vec<Violation> {
    let retained: Vec<&str> = cx
        .of_type("AWS::S3::Bucket")
        .map(|(id, _)| id)
        .filter(|id| {
            cx.resource(id)
                .and_then(|r| r["DeletionPolicy"].as_str())
                .is_some_and(|p| matches!(p, "Retain" | "RetainExceptOnCreate"))
        })
        .collect();
    let mut out = Vec::new();
    for bucket in &retained {
        let rules = list(
            &cx.resource(bucket).expect("listed above")["Properties"]["LifecycleConfiguration"]["Rules"],
        );
        for (i, rule) in rules.iter().enumerate() {
            let days = rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
                .as_i64()
                .or_else(|| rule["NoncurrentVersionExpirationInDays"].as_i64());
            if rule["Status"] == "Enabled"
                && (days.is_some() || rule.get("NoncurrentVersionExpiration").is_some())
            {
                let after = days.map_or(String::new(), |d| format!(" after {d} days"));
                out.push(Violation::at(
                    bucket,
                    &format!("Properties.LifecycleConfiguration.Rules[{i}]"),
                    format!("the retained bucket expires its noncurrent versions{after}: an overwrite or delete becomes permanent then"),
                ));
            }
        }
    }
    out.extend(protected_action(
        cx,
        &retained,
        DELETE_OBJECT_VERSION,
        "retained",
    ));
    out
}

/// S3-OBJECT-LOCK-BYPASS.
pub fn lock_bypass(cx: &Context) -> Vec<Violation> {
    let locked: Vec<&str> = cx
        .of_type("AWS::S3::Bucket")
        .filter(|(_, p)| {
            p["ObjectLockEnabled"] == true
                || p["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
        })
        .map(|(id, _)| id)
        .collect();
    protected_action(cx, &locked, BYPASS_GOVERNANCE, "Object Lock")
}

/// For each bucket: its policy denies `action` on its objects to everyone but principals
/// named by ARN, and no policy of the template allows `action` on its objects to anyone
/// else. `kind` says what the bucket is, in messages.
fn protected_action(cx: &Context, buckets: &[&str], action: &str, kind: &str) -> Vec<Violation> {
    let policies = bucket_policies(cx);
    let mut out = Vec::new();
    for bucket in buckets {
        let own: Vec<_> = policies.iter().filter(|(b, _)| b == bucket).collect();
        let deny = own
            .iter()
            .flat_map(|(_, d)| &d.statements)
            .find(|s| admins_only_deny(s, bucket, action));
        let admins: Vec<&str> = deny.map(|s| exempted_principals(s)).unwrap_or_default();
        if deny.is_none() {
            let (resource, path) = match own.first() {
                Some((_, d)) => (d.resource, d.path.as_str()),
                None => (*bucket, ""),
            };
            out.push(Violation::at(
                resource,
                path,
                format!("no bucket policy statement of {kind} bucket {bucket} denies {action} on its objects to everyone but the administrators (a Deny to Principal * whose only condition is ArnNotLike aws:PrincipalArn)"),
            ));
        }
        let name = cx
            .resource(bucket)
            .and_then(|r| r["Properties"]["BucketName"].as_str());
        for doc in cx.policies() {
            let identity = doc.kind == PolicyKind::Identity;
            let bucket_policy =
                doc.kind == PolicyKind::Resource && doc.resource_type == "AWS::S3::BucketPolicy";
            if !identity && !bucket_policy {
                continue;
            }
            for s in &doc.statements {
                if !s.allow
                    || !covers_action(s, action)
                    || !(s.not_resource
                        || s.resources.iter().any(|r| reaches_objects(r, bucket, name)))
                    || (bucket_policy && only_admins(s.principal, &admins))
                {
                    continue;
                }
                let whom = if identity {
                    "a principal of this stack"
                } else {
                    "a principal the bucket policy does not exempt"
                };
                out.push(Violation::at(
                    doc.resource,
                    &format!("{}.Statement[{}]", doc.path, s.index),
                    format!("allows {action} on the objects of {kind} bucket {bucket} to {whom}; only the administrators (perimeter.admin_principals) may"),
                ));
            }
        }
    }
    out
}

/// A Deny of `action` on every object of the bucket to everyone, exempting at most some
/// principals by ARN.
fn admins_only_deny(s: &Stmt, bucket: &str, action: &str) -> bool {
    denies_to_everyone(s, bucket, action, false)
        && conditions_are(
            s,
            &[],
            &[Test {
                operators: ARN_NOT,
                key: "aws:PrincipalArn",
                values: &any,
            }],
        )
}

/// Whether an Allow's principal names only ARNs that match the exempted patterns.
fn only_admins(principal: Option<&Json>, admins: &[&str]) -> bool {
    let arns: Vec<&Json> = match principal.and_then(|p| p.get("AWS")) {
        Some(Json::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => return false,
    };
    !arns.is_empty()
        && arns.iter().all(|arn| {
            arn.as_str()
                .is_some_and(|a| a != "*" && admins.iter().any(|p| action_matches(p, a)))
        })
}

#[cfg(test)]
mod tests {
    use super::super::super::test_support::{assert_rule, fire};
    use crate::json;
    use crate::template::json::Json as Value;

    const ADMIN: &str = "arn:aws:iam::111122223333:role/deploy";

    fn keep(action: &str) -> Value {
        json!({"Sid": "Keep", "Effect": "Deny", "Principal": {"AWS": ["*"]}, "Action": [action],
               "Resource": [{"Fn::Sub": "${Raw.Arn}/*"}],
               "Condition": {"ArnNotLikeIfExists": {"aws:PrincipalArn": ADMIN}}})
    }

    /// A retained bucket with Object Lock that keeps its versions, its policy (`extra`
    /// after the two Denies), and a role whose policy has `role`.
    fn template(lifecycle: Value, extra: Vec<Value>, role: Vec<Value>) -> Value {
        let mut statements = vec![
            keep("s3:DeleteObjectVersion"),
            keep("s3:BypassGovernanceRetention"),
        ];
        statements.extend(extra);
        json!({"Resources": {
            "Raw": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "RetainExceptOnCreate",
                    "Properties": {"LifecycleConfiguration": {"Rules": lifecycle},
                                   "ObjectLockEnabled": true,
                                   "ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}}},
            "RawPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Raw"},
                "PolicyDocument": {"Statement": statements}}},
            "Notebook": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [
                {"PolicyName": "Data", "PolicyDocument": {"Statement": role}}]}}
        }})
    }

    fn uploads() -> Value {
        json!([{"Id": "AbortIncompleteMultipartUploads", "Status": "Enabled",
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}])
    }

    fn allow(actions: Value, resource: Value) -> Value {
        json!({"Effect": "Allow", "Action": actions, "Resource": [resource]})
    }

    fn good() -> Value {
        template(
            uploads(),
            vec![],
            vec![allow(
                json!(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
                json!({"Fn::Sub": "${Raw.Arn}/*"}),
            )],
        )
    }

    #[test]
    fn a_retained_bucket_keeps_its_noncurrent_versions() {
        let expiring = json!([{"Id": "ExpireNoncurrentVersions", "Status": "Enabled",
                               "NoncurrentVersionExpiration": {"NoncurrentDays": 90}}]);
        assert_rule(
            "S3-RETAINED-VERSIONS",
            good(),
            template(expiring.clone(), vec![], vec![]),
            "Resources.Raw.Properties.LifecycleConfiguration.Rules[0]",
        );
        // A disabled rule expires nothing; a bucket that is not retained may expire them.
        let mut disabled = expiring.clone();
        disabled[0]["Status"] = json!("Disabled");
        assert!(fire("S3-RETAINED-VERSIONS", template(disabled, vec![], vec![])).is_empty());
        let mut deleted = template(expiring, vec![], vec![]);
        deleted["Resources"]["Raw"]["DeletionPolicy"] = json!("Delete");
        assert!(fire("S3-RETAINED-VERSIONS", deleted).is_empty());
    }

    #[test]
    fn no_policy_of_the_stack_may_delete_versions_of_a_retained_bucket() {
        for (actions, resource) in [
            (
                json!(["s3:DeleteObjectVersion"]),
                json!({"Fn::Sub": "${Raw.Arn}/*"}),
            ),
            (
                json!(["s3:Delete*"]),
                json!({"Fn::Sub": "${Raw.Arn}/incoming/*"}),
            ),
            (json!("s3:*"), json!("*")),
            (json!("*"), json!("arn:aws:s3:::*")),
        ] {
            assert_rule(
                "S3-RETAINED-VERSIONS",
                good(),
                template(uploads(), vec![], vec![allow(actions, resource)]),
                "Resources.Notebook.Properties.Policies[0].PolicyDocument.Statement[0]",
            );
        }
        // Another bucket's objects, or the bucket itself, are not the retained versions.
        let elsewhere = template(
            uploads(),
            vec![],
            vec![
                allow(
                    json!(["s3:DeleteObjectVersion"]),
                    json!({"Fn::Sub": "${Results.Arn}/*"}),
                ),
                allow(json!(["s3:*"]), json!({"Fn::GetAtt": ["Raw", "Arn"]})),
            ],
        );
        assert!(fire("S3-RETAINED-VERSIONS", elsewhere).is_empty());
    }

    #[test]
    fn the_bucket_policy_denies_deleting_versions_to_all_but_the_administrators() {
        let mut without = good();
        without["Resources"]["RawPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Action"] =
            json!(["s3:DeleteObject"]);
        assert_rule(
            "S3-RETAINED-VERSIONS",
            good(),
            without,
            "Resources.RawPolicy.Properties.PolicyDocument",
        );
        // Narrowed by another condition, the Deny does not count.
        let mut narrowed = good();
        narrowed["Resources"]["RawPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Condition"]
            ["Bool"] = json!({"aws:MultiFactorAuthPresent": "false"});
        assert_rule(
            "S3-RETAINED-VERSIONS",
            good(),
            narrowed,
            "Resources.RawPolicy.Properties.PolicyDocument",
        );
        // An Allow in the bucket policy counts only for the exempted administrators.
        let to = |principal: &str| {
            json!({"Effect": "Allow", "Principal": {"AWS": [principal]},
                   "Action": ["s3:DeleteObjectVersion"], "Resource": [{"Fn::Sub": "${Raw.Arn}/*"}]})
        };
        assert!(
            fire(
                "S3-RETAINED-VERSIONS",
                template(uploads(), vec![to(ADMIN)], vec![])
            )
            .is_empty()
        );
        assert_rule(
            "S3-RETAINED-VERSIONS",
            good(),
            template(
                uploads(),
                vec![to("arn:aws:iam::111122223333:role/notebook")],
                vec![],
            ),
            "Resources.RawPolicy.Properties.PolicyDocument.Statement[2]",
        );
    }

    #[test]
    fn only_the_administrators_may_bypass_an_object_lock() {
        let mut without = good();
        without["Resources"]["RawPolicy"]["Properties"]["PolicyDocument"]["Statement"]
            .as_array_mut()
            .unwrap()
            .remove(1);
        assert_rule(
            "S3-OBJECT-LOCK-BYPASS",
            good(),
            without,
            "Resources.RawPolicy.Properties.PolicyDocument",
        );
        assert_rule(
            "S3-OBJECT-LOCK-BYPASS",
            good(),
            template(
                uploads(),
                vec![],
                vec![allow(
                    json!(["s3:Bypass*"]),
                    json!({"Fn::Sub": "${Raw.Arn}/*"}),
                )],
            ),
            "Resources.Notebook.Properties.Policies[0].PolicyDocument.Statement[0]",
        );
        // A bucket without Object Lock has nothing to bypass.
        let mut unlocked = template(
            uploads(),
            vec![],
            vec![allow(json!(["s3:BypassGovernanceRetention"]), json!("*"))],
        );
        let raw = unlocked["Resources"]["Raw"]["Properties"]
            .as_object_mut()
            .unwrap();
        raw.shift_remove("ObjectLockEnabled");
        raw.shift_remove("ObjectLockConfiguration");
        assert!(fire("S3-OBJECT-LOCK-BYPASS", unlocked).is_empty());
    }
}
