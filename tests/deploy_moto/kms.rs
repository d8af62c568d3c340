//! KMS keys and aliases.

use serde_json::json;

use crate::support::cfn::{compare, prop, scalar};
use crate::support::moto::policy_document;
use crate::{Ctx, is_true};

pub(crate) fn check_kms(ctx: &mut Ctx) {
    // Not DescribeKey: for a key created from a template with an object KeyPolicy, moto
    // answers it (and Encrypt, ...) with HTTP 500: it json.loads() the stored object.
    for (id, r, key_id) in ctx.created("AWS::KMS::Key") {
        let what = format!("{id} (AWS::KMS::Key {key_id})");
        let rotation = ctx
            .aws
            .json(&["kms", "get-key-rotation-status", "--key-id", &key_id]);
        let expected = is_true(
            prop(&r, "EnableKeyRotation")
                .map(|v| ctx.r.resolve(v))
                .as_ref(),
        );
        ctx.check(
            &format!("{what}.EnableKeyRotation"),
            &json!(expected),
            &rotation["KeyRotationEnabled"],
        );
        if let Some(doc) = prop(&r, "KeyPolicy") {
            let policy = ctx.aws.json(&[
                "kms",
                "get-key-policy",
                "--key-id",
                &key_id,
                "--policy-name",
                "default",
            ]);
            // AWS returns a JSON string; moto returns the object it stored.
            let actual = policy_document(&policy["Policy"]);
            ctx.check(&format!("{what}.KeyPolicy"), doc, &actual);
        }
    }
    let aliases = ctx.created("AWS::KMS::Alias");
    if aliases.is_empty() {
        return;
    }
    let listed = ctx.aws.json(&["kms", "list-aliases"]);
    for (id, r, _) in aliases {
        let what = format!("{id} (AWS::KMS::Alias)");
        let Some(name) = prop(&r, "AliasName").and_then(|v| ctx.r.resolve_str(v)) else {
            ctx.tally.unresolved += 1;
            continue;
        };
        let found = listed["Aliases"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["AliasName"] == json!(name));
        let Some(alias) = found else {
            ctx.diffs
                .push(format!("{what}: alias {name} not found by list-aliases"));
            continue;
        };
        ctx.tally.compared += 1;
        if let Some(target) = prop(&r, "TargetKeyId") {
            // TargetKeyId may be the key id (Ref) or its ARN (GetAtt Arn).
            let expected = ctx.r.resolve(target);
            let expected = match scalar(&expected) {
                Some(s) => json!(s.rsplit('/').next().unwrap_or(&s)),
                None => expected,
            };
            compare(
                &expected,
                &alias["TargetKeyId"],
                &format!("{what}.TargetKeyId"),
                &mut ctx.tally,
                &mut ctx.diffs,
            );
        }
    }
}
