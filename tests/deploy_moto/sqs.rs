//! SQS queues (`AWS::SQS::Queue`) and their policies (`AWS::SQS::QueuePolicy`), read back
//! with `aws sqs get-queue-attributes` and `list-queue-tags`.
//!
//! What moto 5.2.1 does with them, found by experiment (deploying the moto variant of
//! out/studio-sso-onboarding.template.json, and small templates for the cases it lacks, to
//! `moto_server`), and confirmed in its source (`Queue.create_from_cloudformation_json`
//! passes every property but `Tags` to CreateQueue as an attribute, and the tags as tags):
//!
//! - The physical id is the queue's URL, `https://sqs.<region>.amazonaws.com/<account>/
//!   <name>` (`<stack>-<logical id>-<suffix>` without `QueueName`); moto answers calls that
//!   pass that URL although its own endpoint is elsewhere. `QueueArn` is
//!   `arn:aws:sqs:<region>:<account>:<name>`, which the test derives
//!   (tests/deploy_moto/events.rs), checks against moto's and uses for `Fn::GetAtt
//!   Queue.Arn` elsewhere (a rule's dead-letter queue, a function's `DeadLetterConfig`).
//! - Attributes are reported as given, as strings: `MessageRetentionPeriod` (moto's default,
//!   as AWS's, 345600), `SqsManagedSseEnabled` (default true, as on AWS; `false` is
//!   honoured too, so the comparison tells them apart), `VisibilityTimeout`, ... are
//!   compared with the template; `RedrivePolicy` and `RedriveAllowPolicy` are JSON strings,
//!   parsed and compared in full; `QueueName` is the URL's last segment; `Tags` are compared
//!   with list-queue-tags.
//! - `AWS::SQS::QueuePolicy` is a type moto's CloudFormation skips: get-queue-attributes
//!   reports no `Policy` for the queues it names. For each queue of each policy, no `Policy`
//!   prints a "not verified (moto)" line; a `Policy` moto reports is compared with the
//!   template's document (the rules' and queue's ARNs resolved), and must be equal.
//! - Other properties are not compared: listed as not verified.

use serde_json::{Map, Value, json};

use crate::Ctx;
use crate::events::{check, of_type, queue_name, resolve};
use crate::support::cfn::{compare, is_unresolved, prop, scalar};
use crate::support::moto::policy_document;

/// Properties reported as the attribute of the same name.
const ATTRIBUTES: &[&str] = &[
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
];

/// Properties reported as an attribute of the same name holding JSON.
const JSON_ATTRIBUTES: &[&str] = &["RedrivePolicy", "RedriveAllowPolicy"];

pub(crate) fn check_queues(ctx: &mut Ctx) {
    for (id, r, url) in ctx.created("AWS::SQS::Queue") {
        let what = format!("{id} (AWS::SQS::Queue {url})");
        let answer = ctx.aws.json(&[
            "sqs",
            "get-queue-attributes",
            "--queue-url",
            &url,
            "--attribute-names",
            "All",
        ]);
        let attributes = &answer["Attributes"];
        let arn = json!({"Fn::GetAtt": [id, "Arn"]});
        check(
            ctx,
            &format!("{what}.Arn (derived)"),
            &arn,
            &attributes["QueueArn"],
        );
        for (property, value) in r["Properties"].as_object().into_iter().flatten() {
            let p = property.as_str();
            let path = format!("{what}.{p}");
            if ATTRIBUTES.contains(&p) {
                check(ctx, &path, value, &attributes[p]);
            } else if JSON_ATTRIBUTES.contains(&p) {
                let actual = match &attributes[p] {
                    Value::String(s) => serde_json::from_str(s).unwrap_or(json!(s)),
                    other => other.clone(),
                };
                // The template may give the policy as an object or as a JSON string.
                let expected = match resolve(ctx, value) {
                    Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
                    other => other,
                };
                compare(&expected, &actual, &path, &mut ctx.tally, &mut ctx.diffs);
            } else if p == "QueueName" {
                check(ctx, &path, value, &json!(queue_name(&url)));
            } else if p == "Tags" {
                check_tags(ctx, &path, value, &url);
            } else {
                ctx.gap(format!("{path}: not compared by this test"));
            }
        }
    }
    check_queue_policies(ctx);
}

/// The template's `Tags` (a list of `{Key, Value}`) against list-queue-tags (a map).
fn check_tags(ctx: &mut Ctx, path: &str, tags: &Value, url: &str) {
    let resolved = resolve(ctx, tags);
    let mut expected = Map::new();
    for tag in resolved.as_array().into_iter().flatten() {
        match scalar(&tag["Key"]) {
            Some(key) => {
                expected.insert(key, tag["Value"].clone());
            }
            None => ctx.tally.unresolved += 1,
        }
    }
    let answer = ctx
        .aws
        .json(&["sqs", "list-queue-tags", "--queue-url", url]);
    let actual = match &answer["Tags"] {
        Value::Null => json!({}),
        other => other.clone(),
    };
    compare(
        &Value::Object(expected),
        &actual,
        path,
        &mut ctx.tally,
        &mut ctx.diffs,
    );
}

/// Each `AWS::SQS::QueuePolicy` document against the `Policy` of every queue it names.
fn check_queue_policies(ctx: &mut Ctx) {
    let queues = ctx.created("AWS::SQS::Queue");
    for (policy_id, r) in of_type(ctx, "AWS::SQS::QueuePolicy") {
        let Some(document) = prop(&r, "PolicyDocument") else {
            continue;
        };
        let expected = resolve(ctx, document);
        let named = prop(&r, "Queues").map(|q| resolve(ctx, q));
        for queue in named
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if is_unresolved(queue) {
                ctx.tally.unresolved += 1;
                continue;
            }
            let Some(url) = scalar(queue) else {
                ctx.diffs
                    .push(format!("{policy_id}.Queues: {queue} is not a queue URL"));
                continue;
            };
            let what = match queues.iter().find(|(_, _, u)| *u == url) {
                Some((id, _, _)) => format!("{id} (AWS::SQS::Queue {url})"),
                None => format!("queue {url}"),
            };
            let answer = ctx.aws.json(&[
                "sqs",
                "get-queue-attributes",
                "--queue-url",
                &url,
                "--attribute-names",
                "Policy",
            ]);
            let path = format!("{what}.Policy (AWS::SQS::QueuePolicy {policy_id})");
            match &answer["Attributes"]["Policy"] {
                Value::Null => ctx.gap(format!(
                    "{path}: moto's CloudFormation does not implement AWS::SQS::QueuePolicy \
                     (get-queue-attributes reports no Policy)"
                )),
                policy => compare(
                    &expected,
                    &policy_document(policy),
                    &path,
                    &mut ctx.tally,
                    &mut ctx.diffs,
                ),
            }
        }
    }
}
