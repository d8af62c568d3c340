//! S3 buckets (`AWS::S3::Bucket`) and the policies the template attaches to them
//! (`AWS::S3::BucketPolicy`), read back with `aws s3api get-bucket-*`.
//!
//! What moto 5.2.1 does with them, found by experiment (deploying the buckets, keys and
//! bucket policies of out/team-notebooks.template.json to `moto_server` and calling each
//! `get-bucket-*`; then setting the same values through the S3 API to see the shape of a
//! populated answer), and confirmed in its source (`FakeBucket.create_from_cloudformation_json`
//! passes on only `BucketEncryption` and `Tags`):
//!
//! - `BucketEncryption`: applied, but only the first rule's `SSEAlgorithm` and
//!   `KMSMasterKeyID` (`moto.s3.cloud_formation.cfn_to_api_encryption`). The key id is
//!   reported as the template gave it, here the key's ARN from `Fn::GetAtt Key.Arn`.
//!   `BucketKeyEnabled: true` is dropped: get-bucket-encryption reports
//!   `"BucketKeyEnabled": false`. (`put-bucket-encryption` with `BucketKeyEnabled: true`
//!   is honoured, so the comparison below works once moto's CloudFormation passes it on.)
//!   The test compares `ServerSideEncryptionByDefault` exactly and, when the template sets
//!   `BucketKeyEnabled: true` and moto reports exactly `false`, prints a "not verified"
//!   line; any other difference fails.
//! - Not applied at all; what moto answers for a bucket created by CloudFormation:
//!   - `VersioningConfiguration`: get-bucket-versioning succeeds and prints nothing.
//!   - `PublicAccessBlockConfiguration`: get-public-access-block fails with
//!     `NoSuchPublicAccessBlockConfiguration`.
//!   - `OwnershipControls`: get-bucket-ownership-controls fails with
//!     `OwnershipControlsNotFoundError`.
//!   - `LoggingConfiguration`: get-bucket-logging succeeds and prints nothing.
//!   - `LifecycleConfiguration`: get-bucket-lifecycle-configuration fails with
//!     `NoSuchLifecycleConfiguration`.
//!   - `AWS::S3::BucketPolicy` is a type moto's CloudFormation skips: get-bucket-policy
//!     fails with `NoSuchBucketPolicy`.
//!   - `ObjectLockEnabled` / `ObjectLockConfiguration` (only in the test definition
//!     tests/data/object-lock.yaml): get-object-lock-configuration fails with
//!     `ObjectLockConfigurationNotFoundError` (moto's `get_object_lock_configuration` raises
//!     it for a bucket whose lock was never enabled).
//!
//!   For each property the template sets, exactly that answer ("nothing") prints a "not
//!   verified (moto)" line; a non-empty answer is compared with the template (translated
//!   to the API's shape) and any difference fails, as does any other error. Properties the
//!   template does not set are not checked (AWS's defaults for them are not moto's).
//! - `DeletionPolicy`/`UpdateReplacePolicy` are not observable without deleting the stack:
//!   not checked.

use serde_json::{Map, Value, json};

use crate::support::cfn::{self, compare, is_unresolved, prop, scalar, type_of};
use crate::support::moto::policy_document;
use crate::{Ctx, is_true};

/// The error code each call answers with when the bucket has no such configuration
/// (`None`: the call succeeds and prints nothing instead).
const VERSIONING: (&str, Option<&str>) = ("get-bucket-versioning", None);
const PUBLIC_ACCESS_BLOCK: (&str, Option<&str>) = (
    "get-public-access-block",
    Some("NoSuchPublicAccessBlockConfiguration"),
);
const OWNERSHIP_CONTROLS: (&str, Option<&str>) = (
    "get-bucket-ownership-controls",
    Some("OwnershipControlsNotFoundError"),
);
const LOGGING: (&str, Option<&str>) = ("get-bucket-logging", None);
const LIFECYCLE: (&str, Option<&str>) = (
    "get-bucket-lifecycle-configuration",
    Some("NoSuchLifecycleConfiguration"),
);
const POLICY: (&str, Option<&str>) = ("get-bucket-policy", Some("NoSuchBucketPolicy"));
const OBJECT_LOCK: (&str, Option<&str>) = (
    "get-object-lock-configuration",
    Some("ObjectLockConfigurationNotFoundError"),
);

const PUBLIC_ACCESS_BLOCK_KEYS: [&str; 4] = [
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
];

pub(crate) fn check_buckets(ctx: &mut Ctx) {
    for (id, r, bucket) in ctx.created("AWS::S3::Bucket") {
        let what = format!("{id} (AWS::S3::Bucket {bucket})");
        check_encryption(ctx, &what, &r, &bucket);

        if let Some(v) = prop(&r, "VersioningConfiguration") {
            let expected = json!({ "Status": ctx.r.resolve(&v["Status"]) });
            let answer = s3api(ctx, VERSIONING, &bucket);
            applied(ctx, &what, "VersioningConfiguration", &expected, answer);
        }
        if let Some(v) = prop(&r, "PublicAccessBlockConfiguration") {
            let v = ctx.r.resolve(v);
            // An omitted flag is false.
            let expected: Map<String, Value> = PUBLIC_ACCESS_BLOCK_KEYS
                .iter()
                .map(|k| (k.to_string(), boolean(v.get(*k))))
                .collect();
            let answer = s3api(ctx, PUBLIC_ACCESS_BLOCK, &bucket)
                .map(|a| a.map(|a| a["PublicAccessBlockConfiguration"].clone()));
            let expected = Value::Object(expected);
            applied(
                ctx,
                &what,
                "PublicAccessBlockConfiguration",
                &expected,
                answer,
            );
        }
        if let Some(v) = prop(&r, "OwnershipControls") {
            // The same shape in the template and the API: {"Rules": [{"ObjectOwnership"}]}.
            let expected = ctx.r.resolve(v);
            let answer = s3api(ctx, OWNERSHIP_CONTROLS, &bucket)
                .map(|a| a.map(|a| a["OwnershipControls"].clone()));
            applied(ctx, &what, "OwnershipControls", &expected, answer);
        }
        if let Some(v) = prop(&r, "LoggingConfiguration") {
            let expected = logging(&ctx.r.resolve(v), &bucket);
            let answer =
                s3api(ctx, LOGGING, &bucket).map(|a| a.map(|a| a["LoggingEnabled"].clone()));
            applied(ctx, &what, "LoggingConfiguration", &expected, answer);
        }
        if let Some(v) = prop(&r, "LifecycleConfiguration") {
            let lifecycle = ctx.r.resolve(v);
            check_lifecycle(ctx, &what, &lifecycle, &bucket);
        }
        if let Some(v) = prop(&r, "ObjectLockConfiguration") {
            // The same shape in the template and the API.
            let expected = ctx.r.resolve(v);
            let answer = s3api(ctx, OBJECT_LOCK, &bucket)
                .map(|a| a.map(|a| a["ObjectLockConfiguration"].clone()));
            applied(ctx, &what, "ObjectLockConfiguration", &expected, answer);
        }
        check_policies(ctx, &what, &bucket);
    }
}

/// Encryption, which moto's CloudFormation applies except for `BucketKeyEnabled`.
fn check_encryption(ctx: &mut Ctx, what: &str, r: &Value, bucket: &str) {
    let Some(encryption) = prop(r, "BucketEncryption") else {
        return;
    };
    let property = format!("{what}.BucketEncryption");
    let expected = ctx
        .r
        .resolve(&encryption["ServerSideEncryptionConfiguration"]);
    let expected = expected.as_array().cloned().unwrap_or_default();
    let answer = match s3api(ctx, ("get-bucket-encryption", None), bucket) {
        Ok(Some(answer)) => answer,
        Ok(None) => {
            ctx.diffs
                .push(format!("{property}: get-bucket-encryption printed nothing"));
            return;
        }
        Err(e) => {
            ctx.diffs.push(format!("{property}: {e}"));
            return;
        }
    };
    let actual = answer["ServerSideEncryptionConfiguration"]["Rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if expected.len() != actual.len() {
        ctx.diffs.push(format!(
            "{property}: expected {} rule(s) {expected:?}, got {answer}",
            expected.len()
        ));
        return;
    }
    for (i, (e, a)) in expected.iter().zip(&actual).enumerate() {
        let rule = format!("{property}.ServerSideEncryptionConfiguration[{i}]");
        // SSEAlgorithm, and KMSMasterKeyID (the key's ARN, resolved from the template).
        compare(
            &e["ServerSideEncryptionByDefault"],
            &a["ApplyServerSideEncryptionByDefault"],
            &format!("{rule}.ServerSideEncryptionByDefault"),
            &mut ctx.tally,
            &mut ctx.diffs,
        );
        let template_key = e.get("BucketKeyEnabled");
        if template_key.is_some_and(is_unresolved) {
            ctx.tally.unresolved += 1;
            continue;
        }
        let expected_key = is_true(template_key);
        let actual_key = &a["BucketKeyEnabled"];
        if actual_key.as_bool() == Some(expected_key) {
            ctx.tally.compared += 1;
        } else if expected_key && *actual_key == json!(false) {
            // moto's cfn_to_api_encryption keeps only SSEAlgorithm and KMSMasterKeyID.
            ctx.gap(format!(
                "{rule}.BucketKeyEnabled=true: moto's CloudFormation drops it (reports false)"
            ));
        } else {
            ctx.diffs.push(format!(
                "{rule}.BucketKeyEnabled: expected {expected_key}, got {actual_key}"
            ));
        }
    }
}

/// The template's `LifecycleConfiguration`, translated rule by rule to the API's shape and
/// compared with get-bucket-lifecycle-configuration (rules matched by id).
fn check_lifecycle(ctx: &mut Ctx, what: &str, lifecycle: &Value, bucket: &str) {
    let property = "LifecycleConfiguration";
    let answer = match s3api(ctx, LIFECYCLE, bucket) {
        Ok(Some(answer)) => answer,
        other => return applied(ctx, what, property, &Value::Null, other),
    };
    let path = format!("{what}.{property}");
    if let Some(size) = lifecycle.get("TransitionDefaultMinimumObjectSize") {
        compare(
            size,
            &answer["TransitionDefaultMinimumObjectSize"],
            &format!("{path}.TransitionDefaultMinimumObjectSize"),
            &mut ctx.tally,
            &mut ctx.diffs,
        );
    }
    let rules = lifecycle["Rules"].as_array().cloned().unwrap_or_default();
    let actual_rules = answer["Rules"].as_array().cloned().unwrap_or_default();
    let ids = |rules: &[Value], key: &str| -> Vec<String> {
        rules.iter().filter_map(|r| scalar(&r[key])).collect()
    };
    let (mut expected_ids, mut actual_ids) = (ids(&rules, "Id"), ids(&actual_rules, "ID"));
    expected_ids.sort();
    actual_ids.sort();
    if expected_ids != actual_ids || rules.len() != actual_rules.len() {
        ctx.diffs.push(format!(
            "{path}: expected rules {expected_ids:?}, got {answer}"
        ));
        return;
    }
    for rule in &rules {
        let id = scalar(&rule["Id"]).unwrap_or_default();
        let actual = actual_rules
            .iter()
            .find(|a| scalar(&a["ID"]).as_deref() == Some(id.as_str()))
            .expect("ids compared above");
        let w = format!("{path}.Rules[{id}]");
        let (expected, untranslated) = lifecycle_rule(rule);
        // Template keys this translation does not know: counted, not compared.
        ctx.tally.unresolved += untranslated;
        for (key, e) in &expected {
            compare(
                e,
                &actual[key],
                &format!("{w}.{key}"),
                &mut ctx.tally,
                &mut ctx.diffs,
            );
        }
        for key in [
            "Expiration",
            "NoncurrentVersionExpiration",
            "AbortIncompleteMultipartUpload",
            "Transitions",
            "NoncurrentVersionTransitions",
        ] {
            if !expected.contains_key(key) && !actual[key].is_null() {
                ctx.diffs
                    .push(format!("{w}.{key}: unexpected {}", actual[key]));
            }
        }
        if !expected.contains_key("Filter") {
            // No filter: the API reports none, an empty one or an empty prefix.
            let f = &actual["Filter"];
            let empty = f.is_null()
                || *f == json!({})
                || *f == json!({"Prefix": ""})
                || actual.get("Prefix").is_some_and(|p| *p == json!(""));
            if !empty {
                ctx.diffs.push(format!("{w}.Filter: unexpected {f}"));
            }
        }
    }
}

/// One CloudFormation lifecycle rule in the API's shape (`ID` excluded), and how many of
/// its keys have no translation here.
fn lifecycle_rule(rule: &Value) -> (Map<String, Value>, usize) {
    let mut out = Map::new();
    let mut untranslated = 0;
    let mut expiration = Map::new();
    let mut filter = Map::new();
    let mut tags = Vec::new();
    for (key, v) in rule.as_object().into_iter().flatten() {
        match key.as_str() {
            "Id" => {}
            "Status" | "NoncurrentVersionExpiration" | "AbortIncompleteMultipartUpload" => {
                out.insert(key.clone(), v.clone());
            }
            "ExpiredObjectDeleteMarker" => {
                expiration.insert(key.clone(), v.clone());
            }
            "ExpirationInDays" => {
                expiration.insert("Days".into(), v.clone());
            }
            "NoncurrentVersionExpirationInDays" => {
                out.insert(
                    "NoncurrentVersionExpiration".into(),
                    json!({ "NoncurrentDays": v }),
                );
            }
            "Transitions" | "NoncurrentVersionTransitions" => {
                let days = if key == "Transitions" {
                    "Days"
                } else {
                    "NoncurrentDays"
                };
                let mut items = Vec::new();
                for t in v.as_array().into_iter().flatten() {
                    let mut item = Map::new();
                    for (k, x) in t.as_object().into_iter().flatten() {
                        match k.as_str() {
                            "TransitionInDays" => {
                                item.insert(days.into(), x.clone());
                            }
                            "StorageClass" | "NewerNoncurrentVersions" => {
                                item.insert(k.clone(), x.clone());
                            }
                            _ => untranslated += 1,
                        }
                    }
                    items.push(Value::Object(item));
                }
                out.insert(key.clone(), Value::Array(items));
            }
            "Prefix" | "ObjectSizeGreaterThan" | "ObjectSizeLessThan" => {
                filter.insert(key.clone(), v.clone());
            }
            "TagFilters" => tags.extend(v.as_array().cloned().unwrap_or_default()),
            _ => untranslated += 1,
        }
    }
    if !expiration.is_empty() {
        out.insert("Expiration".into(), Value::Object(expiration));
    }
    // One condition is the filter itself; several are combined with `And`.
    match (filter.len(), tags.len()) {
        (0, 0) => {}
        (1, 0) => {
            out.insert("Filter".into(), Value::Object(filter));
        }
        (0, 1) => {
            out.insert("Filter".into(), json!({ "Tag": tags[0] }));
        }
        _ => {
            if !tags.is_empty() {
                filter.insert("Tags".into(), Value::Array(tags));
            }
            out.insert("Filter".into(), json!({ "And": filter }));
        }
    }
    (out, untranslated)
}

/// The template's `AWS::S3::BucketPolicy` documents for this bucket, against
/// get-bucket-policy.
fn check_policies(ctx: &mut Ctx, what: &str, bucket: &str) {
    let policies: Vec<(String, Value)> = cfn::resources(ctx.r.template)
        .filter(|(_, r)| type_of(r) == "AWS::S3::BucketPolicy")
        .filter(|(_, r)| {
            prop(r, "Bucket")
                .and_then(|b| ctx.r.resolve_str(b))
                .as_deref()
                == Some(bucket)
        })
        .filter_map(|(id, r)| Some((id.clone(), prop(r, "PolicyDocument")?.clone())))
        .collect();
    for (policy_id, document) in policies {
        let document = with_bucket_arns(ctx, &document);
        let expected = ctx.r.resolve(&document);
        let answer = s3api(ctx, POLICY, bucket).map(|a| a.map(|a| policy_document(&a["Policy"])));
        let property = format!("BucketPolicy {policy_id}");
        applied(ctx, what, &property, &expected, answer);
    }
}

/// `document` with every `Fn::GetAtt [B, Arn]` and `${B.Arn}` of a created bucket B
/// replaced by the bucket's ARN, which the shared resolver does not compute.
fn with_bucket_arns(ctx: &Ctx, document: &Value) -> Value {
    let arns: Vec<(String, String)> = ctx
        .created("AWS::S3::Bucket")
        .into_iter()
        .map(|(id, _, name)| (id, format!("arn:{}:s3:::{name}", ctx.r.partition)))
        .collect();
    fn walk(v: &Value, arns: &[(String, String)]) -> Value {
        match v {
            Value::Object(m) if m.len() == 1 && m.contains_key("Fn::GetAtt") => {
                match cfn::getatt_parts(&m["Fn::GetAtt"]) {
                    Some((x, a)) if a == "Arn" => arns
                        .iter()
                        .find(|(id, _)| *id == x)
                        .map_or_else(|| v.clone(), |(_, arn)| json!(arn)),
                    _ => v.clone(),
                }
            }
            Value::Object(m) if m.len() == 1 && m.contains_key("Fn::Sub") => {
                let sub = |s: &str| {
                    arns.iter().fold(s.to_string(), |s, (id, arn)| {
                        s.replace(&format!("${{{id}.Arn}}"), arn)
                    })
                };
                match &m["Fn::Sub"] {
                    Value::String(s) => json!({ "Fn::Sub": sub(s) }),
                    Value::Array(a) if a.len() == 2 => json!({ "Fn::Sub": [
                        a[0].as_str().map_or_else(|| a[0].clone(), |s| json!(sub(s))),
                        walk(&a[1], arns),
                    ]}),
                    _ => v.clone(),
                }
            }
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, x)| (k.clone(), walk(x, arns))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| walk(x, arns)).collect()),
            other => other.clone(),
        }
    }
    walk(document, &arns)
}

/// `LoggingConfiguration` in the API's shape (`LoggingEnabled`): logs go to the bucket
/// itself when no destination is given, with an empty prefix when none is given.
fn logging(config: &Value, bucket: &str) -> Value {
    let mut out = Map::new();
    out.insert(
        "TargetBucket".into(),
        config
            .get("DestinationBucketName")
            .cloned()
            .unwrap_or_else(|| json!(bucket)),
    );
    out.insert(
        "TargetPrefix".into(),
        config
            .get("LogFilePrefix")
            .cloned()
            .unwrap_or_else(|| json!("")),
    );
    if let Some(format) = config.get("TargetObjectKeyFormat") {
        out.insert("TargetObjectKeyFormat".into(), format.clone());
    }
    Value::Object(out)
}

/// A resolved flag as a boolean (absent is false); an unresolved one stays as it is.
fn boolean(v: Option<&Value>) -> Value {
    match v {
        Some(x) if is_unresolved(x) => x.clone(),
        x => json!(is_true(x)),
    }
}

/// `aws s3api CALL --bucket BUCKET`: `Ok(Some(answer))`, `Ok(None)` when the bucket has no
/// such configuration (the call's not-found error, or a success that printed nothing),
/// `Err` for any other failure.
fn s3api(
    ctx: &Ctx,
    (call, not_found): (&str, Option<&str>),
    bucket: &str,
) -> Result<Option<Value>, String> {
    let out = ctx.aws.run(&["s3api", call, "--bucket", bucket]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let code = stderr
            .split_once("An error occurred (")
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(code, _)| code);
        return match (code, not_found) {
            (Some(code), Some(expected)) if code == expected => Ok(None),
            _ => Err(format!(
                "`aws s3api {call}` failed ({}): {}",
                out.status,
                stderr.trim()
            )),
        };
    }
    if stdout.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&stdout)
        .map(Some)
        .map_err(|e| format!("`aws s3api {call}` printed no JSON ({e}): {stdout}"))
}

/// One property moto's CloudFormation does not apply: nothing is a gap, the template's
/// value is a match, anything else a difference.
fn applied(
    ctx: &mut Ctx,
    what: &str,
    property: &str,
    expected: &Value,
    answer: Result<Option<Value>, String>,
) {
    match answer {
        Ok(None) => ctx.gap(format!(
            "{what}.{property}: moto's CloudFormation does not apply it"
        )),
        Ok(Some(actual)) => compare(
            expected,
            &actual,
            &format!("{what}.{property}"),
            &mut ctx.tally,
            &mut ctx.diffs,
        ),
        Err(e) => ctx.diffs.push(format!("{what}.{property}: {e}")),
    }
}
