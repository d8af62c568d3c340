//! The bastion's Session Manager access matrix, evaluated over the generated policies:
//! the instance role can do what the SSM Agent needs for the stack's recorded, encrypted
//! sessions and cannot read the account's parameters; the operators' policy allows
//! sessions only with the stack's Session document.

mod support;

use serde_json::{Value as Json, json};
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION, STACK_NAME};
use support::stacks;

const INSTANCE: &str = "i-0123456789abcdef0";
const KEY_ARN: &str = "arn:aws:kms:eu-west-1:111122223333:key/5e55-10n";
const OTHER_KEY_ARN: &str = "arn:aws:kms:eu-west-1:111122223333:key/0the-r";

/// studio-private (Windows bastion) with an `Operator` role the operators' policy is
/// attached to, as an administrator would attach it.
fn template() -> Json {
    let mut t = stacks::shipped_template("studio-private");
    t["Resources"]["Operator"] = json!({"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}}});
    t["Resources"]["BastionOperatorPolicy"]["Properties"]["Roles"] = json!([{"Ref": "Operator"}]);
    t
}

fn evaluator(t: &Json) -> Evaluator<'_> {
    let logs = format!(
        "arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/sagesynth/{STACK_NAME}/Bastion-sessions:*"
    );
    Evaluator::new(t)
        .with_ref("Bastion", INSTANCE)
        .with_ref(
            "BastionSessionDocument",
            &format!("Bastion-sessions-{STACK_NAME}"),
        )
        .with_attribute("BastionSessionKey", "Arn", KEY_ARN)
        .with_attribute("BastionSessionLogs", "Arn", &logs)
}

fn ssm(resource: &str) -> String {
    format!("arn:aws:ssm:{REGION}:{ACCOUNT_ID}:{resource}")
}

#[test]
fn the_instance_role_does_what_the_agent_needs_and_reads_no_parameter() {
    let t = template();
    let e = evaluator(&t);
    assert!(e.aws_managed_policies("BastionRole").is_empty());
    let instance = format!("arn:aws:ec2:{REGION}:{ACCOUNT_ID}:instance/{INSTANCE}");
    let stream = format!(
        "arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/sagesynth/{STACK_NAME}/Bastion-sessions:log-stream:alice-0abc"
    );
    // (action, resource, allowed)
    let rows: &[(&str, &str, bool)] = &[
        ("ssmmessages:CreateControlChannel", "*", true),
        ("ssmmessages:OpenDataChannel", "*", true),
        ("ec2messages:GetMessages", "*", true),
        ("ssm:UpdateInstanceInformation", &instance, true),
        ("kms:Decrypt", KEY_ARN, true),
        ("kms:Decrypt", OTHER_KEY_ARN, false),
        ("kms:GenerateDataKey", KEY_ARN, false),
        ("logs:PutLogEvents", &stream, true),
        ("logs:CreateLogStream", &stream, true),
        ("logs:DescribeLogGroups", "*", true),
        (
            "logs:PutLogEvents",
            "arn:aws:logs:eu-west-1:111122223333:log-group:/other:log-stream:x",
            false,
        ),
        (
            "ssm:GetParameter",
            &ssm("parameter/prod/db-password"),
            false,
        ),
        (
            "ssm:GetParameters",
            &ssm("parameter/prod/db-password"),
            false,
        ),
        ("ssm:GetParametersByPath", &ssm("parameter/prod"), false),
        ("ssm:StartSession", &instance, false),
        ("s3:GetObject", "arn:aws:s3:::any-bucket/key", false),
        (
            "sagemaker:DescribeDomain",
            "arn:aws:sagemaker:eu-west-1:111122223333:domain/d-abc123",
            false,
        ),
    ];
    for (action, resource, allowed) in rows {
        if *allowed {
            e.assert_allowed("BastionRole", action, resource, &[]);
        } else {
            e.assert_denied("BastionRole", action, resource, &[]);
        }
    }
    // People create presigned URLs with their own credentials: the instance role gets
    // nothing of SageMaker, not even through the endpoints.
    for action in [
        "sagemaker:DescribeDomain",
        "sagemaker:CreatePresignedDomainUrl",
    ] {
        let resource = if action.ends_with("Domain") {
            "arn:aws:sagemaker:eu-west-1:111122223333:domain/d-abc123"
        } else {
            "arn:aws:sagemaker:eu-west-1:111122223333:user-profile/d-abc123/data-scientist-1"
        };
        e.assert_denied(
            "BastionRole",
            action,
            resource,
            &[("aws:SourceVpce", "vpce-0api")],
        );
    }
}

#[test]
fn operators_start_sessions_only_with_the_stack_document() {
    let t = template();
    let e = evaluator(&t);
    let instance = format!("arn:aws:ec2:{REGION}:{ACCOUNT_ID}:instance/{INSTANCE}");
    let other_instance = format!("arn:aws:ec2:{REGION}:{ACCOUNT_ID}:instance/i-0fedcba987654321");
    let stack_document = ssm(&format!("document/Bastion-sessions-{STACK_NAME}"));
    let default_document = ssm("document/SSM-SessionManagerRunShell");
    let rdp = format!("arn:aws:ssm:{REGION}::document/AWS-StartPortForwardingSession");
    let check = [("ssm:SessionDocumentAccessCheck", "true")];
    // StartSession is authorized against the instance and the document.
    e.assert_allowed("Operator", "ssm:StartSession", &instance, &check);
    e.assert_allowed("Operator", "ssm:StartSession", &stack_document, &check);
    e.assert_denied("Operator", "ssm:StartSession", &default_document, &check);
    e.assert_denied(
        "Operator",
        "ssm:StartSession",
        &ssm("document/AWS-StartInteractiveCommand"),
        &check,
    );
    e.assert_denied("Operator", "ssm:StartSession", &other_instance, &check);
    // Without --document-name the request carries SessionDocumentAccessCheck false: refused.
    e.assert_denied(
        "Operator",
        "ssm:StartSession",
        &instance,
        &[("ssm:SessionDocumentAccessCheck", "false")],
    );
    // Windows: Fleet Manager's Remote Desktop document, on this instance.
    e.assert_allowed("Operator", "ssm:StartSession", &rdp, &check);
    // The session data key; their own sessions only.
    e.assert_allowed("Operator", "kms:GenerateDataKey", KEY_ARN, &[]);
    e.assert_denied("Operator", "kms:Decrypt", KEY_ARN, &[]);
    e.assert_allowed(
        "Operator",
        "ssm:TerminateSession",
        &ssm("session/AROAOPERATOR:alice-0abc123"),
        &[("aws:userid", "AROAOPERATOR:alice")],
    );
    e.assert_denied(
        "Operator",
        "ssm:TerminateSession",
        &ssm("session/AROAOTHER:bob-0abc123"),
        &[("aws:userid", "AROAOPERATOR:alice")],
    );
}

#[test]
fn the_session_document_is_the_stacks_own_and_the_output_uses_it() {
    let t = stacks::shipped_template("studio-private");
    let doc = &t["Resources"]["BastionSessionDocument"]["Properties"];
    assert_eq!(
        doc["Name"],
        json!({"Fn::Sub": "Bastion-sessions-${AWS::StackName}"})
    );
    let inputs = &doc["Content"]["inputs"];
    assert_eq!(
        inputs["cloudWatchLogGroupName"],
        json!({"Ref": "BastionSessionLogs"})
    );
    assert_eq!(inputs["kmsKeyId"], json!({"Ref": "BastionSessionKey"}));
    assert_eq!(inputs["runAsEnabled"], false);
    assert_eq!(
        t["Outputs"]["BastionSessionCommand"]["Value"]["Fn::Sub"],
        "aws ssm start-session --region ${AWS::Region} --target ${Bastion} --document-name ${BastionSessionDocument}"
    );
    for retained in ["BastionSessionLogs", "BastionSessionKey"] {
        assert_eq!(
            t["Resources"][retained]["DeletionPolicy"], "RetainExceptOnCreate",
            "{retained}"
        );
        assert_eq!(
            t["Resources"][retained]["UpdateReplacePolicy"], "Retain",
            "{retained}"
        );
    }
}
