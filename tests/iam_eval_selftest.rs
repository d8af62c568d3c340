//! Self-test of the IAM policy evaluator in `tests/support/iam_eval.rs`, on hand-written
//! template fragments: attachments, intrinsics, policy variables, the MFA guard, wildcards,
//! conditions, decisions and reasons, and the panics for what it does not understand.

mod support;

use serde_json::{Value as Json, json};
use support::iam_eval::{Decision, Evaluator, Request, Who};

const RAW: &str = "arn:aws:s3:::test-stack-rawdatabucket";
const RESULTS: &str = "arn:aws:s3:::data-team-results-111122223333";
const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/DataKey";
const ALICE_NOTEBOOK: &str =
    "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/analyst-alice";
const AWS_READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

/// The actions the MFA guard lets through without MFA.
const MFA_SETUP: [&str; 7] = [
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
];

fn doc(statements: Json) -> Json {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// One template exercising every feature, assembled from the parts below. Action and
/// Resource are sometimes strings and sometimes lists, on purpose.
fn template() -> Json {
    let mut resources = serde_json::Map::new();
    for part in [
        data_resources(),
        analyst_resources(),
        engineer_resources(),
        erin_resources(),
    ] {
        let Json::Object(part) = part else {
            unreachable!()
        };
        resources.extend(part);
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"TeamName": {"Type": "String", "Default": "data-team"}},
        "Resources": resources
    })
}

/// Buckets, key, log group, notebook, endpoint.
fn data_resources() -> Json {
    json!({
            "RawDataBucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "ResultsBucket": {"Type": "AWS::S3::Bucket", "Properties": {
                "BucketName": {"Fn::Sub": "${TeamName}-results-${AWS::AccountId}"}}},
            "DataKey": {"Type": "AWS::KMS::Key", "Properties": {}},
            "NotebookLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {
                "LogGroupName": "/aws/sagemaker/NotebookInstances"}},
            "AliceNotebook": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
                "NotebookInstanceName": "Analyst-Alice"}},
            "NotebookEndpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {}}
    })
}

/// A role with inline, managed (by Roles and by ManagedPolicyArns), AWS-managed and
/// AWS::IAM::Policy attachments.
fn analyst_resources() -> Json {
    json!({
            "AnalystRole": {"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": "analyst",
                "Path": "/team/",
                "AssumeRolePolicyDocument": doc(json!([{"Effect": "Allow",
                    "Principal": {"Service": ["sagemaker.amazonaws.com"]},
                    "Action": ["sts:AssumeRole"]}])),
                "Policies": [{"PolicyName": "Results", "PolicyDocument": doc(json!([
                    {"Sid": "ResultsReadWrite", "Effect": "Allow",
                     "Action": ["s3:Get*", "s3:PutObject", "s3:DeleteObject"],
                     "Resource": [{"Fn::Sub": "${ResultsBucket.Arn}/*"}]},
                    {"Effect": "Allow", "Action": "logs:*",
                     "Resource": {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/sagemaker/*"}},
                    {"Sid": "NeverDeleteRaw", "Effect": "Deny", "Action": ["s3:DeleteObject*"],
                     "Resource": [{"Fn::Sub": ["${Arn}/*", {"Arn": {"Fn::GetAtt": ["RawDataBucket", "Arn"]}}]}]}
                ]))}],
                "ManagedPolicyArns": [{"Ref": "KeyUse"}, AWS_READ_ONLY]
            }},
            "RawAccess": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "ManagedPolicyName": "raw-access",
                "Roles": [{"Ref": "AnalystRole"}],
                "PolicyDocument": doc(json!([
                    {"Sid": "RawReadIncoming", "Effect": "Allow", "Action": ["s3:GetObject"],
                     "Resource": [{"Fn::Sub": "${RawDataBucket.Arn}/incoming/*"}]},
                    {"Sid": "RawListIncoming", "Effect": "Allow", "Action": ["s3:ListBucket"],
                     "Resource": [{"Fn::GetAtt": ["RawDataBucket", "Arn"]}],
                     "Condition": {"StringLike": {"s3:prefix": ["incoming/*", "day-??/"]}}},
                    {"Sid": "RawDeleteAnything", "Effect": "Allow", "Action": ["s3:DeleteObject"],
                     "Resource": [{"Fn::Sub": "${RawDataBucket.Arn}/*"}]}
                ]))
            }},
            "KeyUse": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "PolicyDocument": doc(json!({
                    "Sid": "UseDataKeyThroughS3", "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": {"Fn::GetAtt": ["DataKey", "Arn"]},
                    "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.${AWS::URLSuffix}"}}}
                }))
            }},
            "NotebookAccess": {"Type": "AWS::IAM::Policy", "Properties": {
                "PolicyName": "notebook-access",
                "Roles": ["analyst"],
                "PolicyDocument": doc(json!([
                    {"Sid": "DescribeAlice", "Effect": "Allow",
                     "Action": ["sagemaker:DescribeNotebookInstance"],
                     "Resource": [{"Ref": "AliceNotebook"}]}
                ]))
            }}
    })
}

/// A group with an inline policy and the MFA guard; users in it by Ref, by name and by
/// AWS::IAM::UserToGroupAddition.
fn engineer_resources() -> Json {
    json!({
            "EngineersGroup": {"Type": "AWS::IAM::Group", "Properties": {
                "GroupName": "engineers",
                "Policies": [{"PolicyName": "SelfService", "PolicyDocument": doc(json!([
                    {"Sid": "ManageOwnUser", "Effect": "Allow",
                     "Action": ["iam:*AccessKey*", "iam:GetUser", "iam:EnableMFADevice",
                                "iam:ListMFADevices", "iam:ResyncMFADevice"],
                     "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/${!aws:username}"}]},
                    {"Sid": "ManageOwnVirtualMfa", "Effect": "Allow",
                     "Action": ["iam:CreateVirtualMFADevice"],
                     "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:mfa/${!aws:username}"}]},
                    {"Sid": "ListVirtualMfa", "Effect": "Allow",
                     "Action": ["iam:ListVirtualMFADevices"], "Resource": ["*"]},
                    {"Sid": "HomeFolder", "Effect": "Allow", "Action": ["s3:*"],
                     "Resource": [{"Fn::Sub": "${RawDataBucket.Arn}/home/${!aws:username}/*"}]}
                ]))}]
            }},
            "MfaGuard": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "Groups": [{"Ref": "EngineersGroup"}],
                "PolicyDocument": doc(json!([
                    {"Sid": "DenyAllExceptListedIfNoMfa", "Effect": "Deny",
                     "NotAction": MFA_SETUP, "Resource": "*",
                     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
                ]))
            }},
            "Bob": {"Type": "AWS::IAM::User", "Properties": {
                "UserName": "eng-bob",
                "Groups": [{"Ref": "EngineersGroup"}],
                "Policies": [{"PolicyName": "Personal", "PolicyDocument": doc(json!([
                    {"Effect": "Allow", "Action": ["sagemaker:DescribeNotebookInstance"],
                     "Resource": [{"Ref": "AliceNotebook"}]}
                ]))}]
            }},
            "Carol": {"Type": "AWS::IAM::User", "Properties": {"Groups": ["engineers"]}},
            "Dave": {"Type": "AWS::IAM::User", "Properties": {}},
            "AddDave": {"Type": "AWS::IAM::UserToGroupAddition", "Properties": {
                "GroupName": {"Ref": "EngineersGroup"}, "Users": [{"Ref": "Dave"}]}}
    })
}

/// A user with a managed policy attached by ARN and an AWS::IAM::UserPolicy of conditions.
fn erin_resources() -> Json {
    json!({
            "Erin": {"Type": "AWS::IAM::User", "Properties": {
                "Path": "/contractors/",
                "ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/raw-access"}]
            }},
            "ErinConditions": {"Type": "AWS::IAM::UserPolicy", "Properties": {
                "PolicyName": "conditions",
                "UserName": {"Ref": "Erin"},
                "PolicyDocument": doc(json!([
                    {"Sid": "TagOnlyWithKnownKeys", "Effect": "Allow", "Action": ["sagemaker:AddTags"],
                     "Resource": ["*"],
                     "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "project"]}}},
                    {"Sid": "UntagProjects", "Effect": "Allow", "Action": ["sagemaker:DeleteTags"],
                     "Resource": ["*"],
                     "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["project*"]}}},
                    {"Sid": "PresignedUrl", "Effect": "Allow",
                     "Action": ["sagemaker:CreatePresignedNotebookInstanceUrl"],
                     "Resource": [{"Ref": "AliceNotebook"}]},
                    {"Sid": "PresignedUrlOnlyThroughEndpoint", "Effect": "Deny",
                     "Action": ["sagemaker:CreatePresignedNotebookInstanceUrl"], "Resource": ["*"],
                     "Condition": {"StringNotEquals": {"aws:SourceVpce": [{"Ref": "NotebookEndpoint"}]}}},
                    {"Sid": "PassAnalystRoleToNotebooks", "Effect": "Allow", "Action": ["iam:PassRole"],
                     "Resource": [{"Fn::GetAtt": ["AnalystRole", "Arn"]}],
                     "Condition": {
                         "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"},
                         "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:sagemaker:*:${AWS::AccountId}:notebook-instance/*"}}}},
                    {"Sid": "ReadLogsUntagged", "Effect": "Allow", "Action": ["logs:GetLogEvents"],
                     "Resource": [{"Fn::GetAtt": ["NotebookLogs", "Arn"]}],
                     "Condition": {"Null": {"aws:RequestTag/team": "true"}}},
                    {"Sid": "PutAnywhere", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["*"]},
                    {"Sid": "PutOnlyIntoRaw", "Effect": "Deny", "Action": ["s3:PutObject"],
                     "NotResource": [{"Fn::Sub": "${RawDataBucket.Arn}/*"}]},
                    {"Sid": "GrantForAwsResources", "Effect": "Allow", "Action": ["kms:CreateGrant"],
                     "Resource": [{"Fn::GetAtt": ["DataKey", "Arn"]}],
                     "Condition": {"Bool": {"kms:GrantIsForAWSResource": true}}}
                ]))
            }}
    })
}

fn evaluator(t: &Json) -> Evaluator<'_> {
    Evaluator::new(t)
        .accept_aws_managed(AWS_READ_ONLY)
        .with_ref("NotebookEndpoint", "vpce-0notebook")
}

// ----- resolution ---------------------------------------------------------------------------

#[test]
fn resolves_ref_getatt_and_sub() {
    let t = template();
    let e = evaluator(&t);
    let r = |v: Json| e.resolve(&v);
    assert_eq!(r(json!("literal")), "literal");
    assert_eq!(r(json!({"Ref": "AWS::Partition"})), "aws");
    assert_eq!(r(json!({"Ref": "AWS::Region"})), "eu-west-1");
    assert_eq!(r(json!({"Ref": "AWS::AccountId"})), "111122223333");
    assert_eq!(r(json!({"Ref": "AWS::StackName"})), "test-stack");
    assert_eq!(r(json!({"Ref": "AWS::URLSuffix"})), "amazonaws.com");
    assert_eq!(
        r(json!({"Ref": "TeamName"})),
        "data-team",
        "parameter default"
    );
    // Buckets: generated name lower-case, or the (resolved) BucketName.
    assert_eq!(
        r(json!({"Ref": "RawDataBucket"})),
        "test-stack-rawdatabucket"
    );
    assert_eq!(r(json!({"Fn::GetAtt": ["RawDataBucket", "Arn"]})), RAW);
    assert_eq!(r(json!({"Fn::GetAtt": "ResultsBucket.Arn"})), RESULTS);
    assert_eq!(r(json!({"Ref": "AliceNotebook"})), ALICE_NOTEBOOK);
    assert_eq!(r(json!({"Fn::GetAtt": ["DataKey", "Arn"]})), KEY);
    assert_eq!(r(json!({"Ref": "DataKey"})), "DataKey");
    assert_eq!(
        r(json!({"Fn::GetAtt": ["NotebookLogs", "Arn"]})),
        "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/NotebookInstances:*"
    );
    // Principals: names, paths, generated names keep the logical id's case.
    assert_eq!(r(json!({"Ref": "AnalystRole"})), "analyst");
    assert_eq!(
        r(json!({"Fn::GetAtt": ["AnalystRole", "Arn"]})),
        "arn:aws:iam::111122223333:role/team/analyst"
    );
    assert_eq!(r(json!({"Ref": "Carol"})), "test-stack-Carol");
    assert_eq!(
        r(json!({"Fn::GetAtt": ["Erin", "Arn"]})),
        "arn:aws:iam::111122223333:user/contractors/test-stack-Erin"
    );
    assert_eq!(
        r(json!({"Fn::GetAtt": ["EngineersGroup", "Arn"]})),
        "arn:aws:iam::111122223333:group/engineers"
    );
    assert_eq!(
        r(json!({"Ref": "RawAccess"})),
        "arn:aws:iam::111122223333:policy/raw-access"
    );
    assert_eq!(
        r(json!({"Ref": "KeyUse"})),
        "arn:aws:iam::111122223333:policy/test-stack-KeyUse"
    );
    // Fn::Sub: pseudo parameters, resources, attributes, variables, escapes.
    assert_eq!(
        r(
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::${RawDataBucket}/home/${!aws:username}/*"})
        ),
        "arn:aws:s3:::test-stack-rawdatabucket/home/${aws:username}/*"
    );
    assert_eq!(
        r(
            json!({"Fn::Sub": ["${Bucket}/${Key}-${AWS::Region} costs $5", {
            "Bucket": {"Fn::GetAtt": ["ResultsBucket", "Arn"]}, "Key": "k"}]})
        ),
        format!("{RESULTS}/k-eu-west-1 costs $5")
    );
    assert_eq!(r(json!({"Fn::Sub": "${DataKey.Arn}"})), KEY);
    // Explicit values for what the evaluator has no physical name for.
    assert_eq!(r(json!({"Ref": "NotebookEndpoint"})), "vpce-0notebook");
    let e = Evaluator::new(&t).with_attribute("AliceNotebook", "NotebookInstanceName", "x");
    assert_eq!(
        e.resolve(&json!({"Fn::GetAtt": ["AliceNotebook", "NotebookInstanceName"]})),
        "x"
    );
}

// ----- attachments --------------------------------------------------------------------------

#[test]
fn finds_inline_managed_and_policy_resources_of_a_role() {
    let t = template();
    let e = evaluator(&t);
    let mut policies = e.policies("AnalystRole");
    policies.sort();
    assert_eq!(
        policies,
        [
            "AnalystRole inline policy Results",
            "KeyUse",         // ManagedPolicyArns: {"Ref": ...}
            "NotebookAccess", // AWS::IAM::Policy, Roles: literal role name
            "RawAccess",      // ManagedPolicy, Roles: {"Ref": ...}
        ]
    );
    assert_eq!(e.aws_managed_policies("AnalystRole"), [AWS_READ_ONLY]);
    // Each attachment is effective.
    e.assert_allowed("AnalystRole", "s3:GetObject", &format!("{RESULTS}/a"), &[]);
    e.assert_allowed(
        "AnalystRole",
        "s3:GetObject",
        &format!("{RAW}/incoming/a"),
        &[],
    );
    e.assert_allowed(
        "AnalystRole",
        "kms:Decrypt",
        KEY,
        &[("kms:ViaService", "s3.eu-west-1.amazonaws.com")],
    );
    e.assert_allowed(
        "AnalystRole",
        "sagemaker:DescribeNotebookInstance",
        ALICE_NOTEBOOK,
        &[],
    );
}

#[test]
fn users_inherit_their_groups_policies() {
    let t = template();
    let e = evaluator(&t);
    let expected_group = ["EngineersGroup inline policy SelfService", "MfaGuard"];
    assert_eq!(
        e.policies("Bob"),
        [
            "Bob inline policy Personal",
            expected_group[0],
            expected_group[1]
        ]
    );
    assert_eq!(e.policies("EngineersGroup"), expected_group);
    // Group by literal name; group through AWS::IAM::UserToGroupAddition.
    assert_eq!(e.policies("Carol"), expected_group);
    assert_eq!(e.policies("Dave"), expected_group);
    // Managed policy attached by ARN, and an AWS::IAM::UserPolicy.
    assert_eq!(e.policies("Erin"), ["RawAccess", "ErinConditions"]);
    for user in ["Bob", "Carol", "Dave", "Erin", "EngineersGroup"] {
        assert!(e.aws_managed_policies(user).is_empty(), "{user}");
    }
    // Carol reaches her home folder through the group, as her own user name.
    let carol = [
        ("aws:username", "test-stack-Carol"),
        ("aws:MultiFactorAuthPresent", "true"),
    ];
    e.assert_allowed(
        "Carol",
        "s3:PutObject",
        &format!("{RAW}/home/test-stack-Carol/notes.txt"),
        &carol,
    );
    // Policies of the role are not the user's.
    e.assert_denied(
        "Carol",
        "s3:GetObject",
        &format!("{RAW}/incoming/a"),
        &carol,
    );
}

#[test]
#[should_panic(expected = "accept them explicitly with Evaluator::accept_aws_managed")]
fn decide_refuses_unaccepted_aws_managed_policies() {
    let t = template();
    Evaluator::new(&t).decide("AnalystRole", "s3:GetObject", RESULTS, &[]);
}

#[test]
fn accepted_aws_managed_policies_are_named_in_the_reason() {
    let t = template();
    let d = evaluator(&t).decide("AnalystRole", "ec2:DescribeVpcs", "*", &[]);
    assert_eq!(
        d,
        Decision {
            allowed: false,
            reason: format!(
                "implicit deny: no statement allows ec2:DescribeVpcs on * \
                 (not evaluated: AWS-managed {AWS_READ_ONLY})"
            ),
        }
    );
}

// ----- MFA guard ----------------------------------------------------------------------------

#[test]
fn mfa_guard_lets_only_mfa_setup_through_without_mfa() {
    let t = template();
    let e = evaluator(&t);
    let bob_user = "arn:aws:iam::111122223333:user/eng-bob";
    let bob_mfa = "arn:aws:iam::111122223333:mfa/eng-bob";
    let home = format!("{RAW}/home/eng-bob/x");
    let without: &[(&str, &str)] = &[("aws:username", "eng-bob")];
    let mfa_false: &[(&str, &str)] = &[
        ("aws:username", "eng-bob"),
        ("aws:MultiFactorAuthPresent", "false"),
    ];
    let mfa_true: &[(&str, &str)] = &[
        ("aws:username", "eng-bob"),
        ("aws:MultiFactorAuthPresent", "true"),
    ];
    // Absent key (long-term keys) and "false" are both "no MFA" for BoolIfExists.
    for ctx in [without, mfa_false] {
        for (action, resource) in [
            ("iam:GetUser", bob_user),
            ("iam:EnableMFADevice", bob_user),
            ("iam:CreateVirtualMFADevice", bob_mfa),
            ("iam:ListVirtualMFADevices", "*"),
        ] {
            e.assert_allowed("Bob", action, resource, ctx);
        }
        for (action, resource) in [
            ("iam:CreateAccessKey", bob_user),
            ("s3:PutObject", home.as_str()),
            ("sagemaker:DescribeNotebookInstance", ALICE_NOTEBOOK),
        ] {
            let d = e.assert_denied("Bob", action, resource, ctx);
            assert_eq!(
                d.reason,
                "denied by MfaGuard statement DenyAllExceptListedIfNoMfa"
            );
        }
        // Listed, but nothing allows it: the guard never grants anything.
        let d = e.assert_denied("Bob", "sts:GetSessionToken", "*", ctx);
        assert!(d.reason.starts_with("implicit deny"), "{}", d.reason);
    }
    // With MFA, everything that is allowed passes; the rest stays denied.
    for (action, resource) in [
        ("iam:GetUser", bob_user),
        ("iam:CreateAccessKey", bob_user),
        ("s3:PutObject", home.as_str()),
        ("sagemaker:DescribeNotebookInstance", ALICE_NOTEBOOK),
    ] {
        e.assert_allowed("Bob", action, resource, mfa_true);
    }
    e.assert_denied("Bob", "s3:PutObject", &format!("{RAW}/x"), mfa_true);
    // Action names are case-insensitive: the guard's list too.
    e.assert_allowed("Bob", "IAM:getuser", bob_user, mfa_false);
    e.assert_denied("Bob", "IAM:createaccesskey", bob_user, mfa_false);
}

// ----- policy variables ---------------------------------------------------------------------

#[test]
fn policy_variables_come_from_the_request_context() {
    let t = template();
    let e = evaluator(&t);
    let bob = [
        ("aws:username", "eng-bob"),
        ("aws:MultiFactorAuthPresent", "true"),
    ];
    e.assert_allowed(
        "Bob",
        "iam:CreateAccessKey",
        "arn:aws:iam::111122223333:user/eng-bob",
        &bob,
    );
    e.assert_denied(
        "Bob",
        "iam:CreateAccessKey",
        "arn:aws:iam::111122223333:user/eng-alice",
        &bob,
    );
    e.assert_denied(
        "Bob",
        "s3:GetObject",
        &format!("{RAW}/home/eng-alice/x"),
        &bob,
    );
    // A context key is matched case-insensitively, as AWS does.
    e.assert_allowed(
        "Bob",
        "s3:GetObject",
        &format!("{RAW}/home/eng-bob/x"),
        &[
            ("AWS:UserName", "eng-bob"),
            ("aws:multifactorauthpresent", "true"),
        ],
    );
}

#[test]
#[should_panic(expected = "policy variable `${aws:username}`")]
fn a_missing_policy_variable_panics() {
    let t = template();
    // The action matches ManageOwnUser, whose resource needs ${aws:username}.
    evaluator(&t).decide(
        "Bob",
        "iam:CreateAccessKey",
        "arn:aws:iam::111122223333:user/eng-bob",
        &[("aws:MultiFactorAuthPresent", "true")],
    );
}

#[test]
fn an_absent_policy_variable_matches_nothing_when_the_test_says_so() {
    let t = role_with(json!({"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/home/${aws:username}/*",
        "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::src/${aws:username}"}}}));
    let e = Evaluator::new(&t).with_absent_policy_variables();
    let own = "arn:aws:s3:::b/home/bob/k";
    let with_source = [("aws:SourceArn", "arn:aws:s3:::src/bob")];
    // Present: the variable is substituted in the Resource and in the condition.
    e.assert_allowed(
        "R",
        "s3:GetObject",
        own,
        &[("aws:username", "bob"), with_source[0]],
    );
    e.assert_denied(
        "R",
        "s3:GetObject",
        own,
        &[("aws:username", "eve"), with_source[0]],
    );
    // Absent: neither a `*` in the Resource nor any key value matches it.
    e.assert_denied("R", "s3:GetObject", own, &with_source);
    e.assert_denied("R", "s3:GetObject", "arn:aws:s3:::b/home/*/k", &with_source);
    let t = role_with(json!({"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::src/*${aws:username}*"}}}));
    Evaluator::new(&t)
        .with_absent_policy_variables()
        .assert_denied("R", "s3:GetObject", "arn:aws:s3:::b/k", &with_source);
}

// ----- wildcards, prefixes, deny over allow -------------------------------------------------

#[test]
fn wildcard_actions_and_resources() {
    let t = template();
    let e = evaluator(&t);
    // s3:Get* in the policy.
    for action in ["s3:GetObject", "s3:GetObjectVersion", "S3:GETOBJECTTAGGING"] {
        e.assert_allowed(
            "AnalystRole",
            action,
            &format!("{RESULTS}/deep/path/f"),
            &[],
        );
    }
    e.assert_denied("AnalystRole", "s3:ListBucket", RESULTS, &[]);
    // The bucket's objects, not the bucket itself nor a bucket sharing the prefix.
    e.assert_denied("AnalystRole", "s3:GetObject", RESULTS, &[]);
    e.assert_denied(
        "AnalystRole",
        "s3:GetObject",
        "arn:aws:s3:::data-team-results-111122223333-copy/a",
        &[],
    );
    // logs:* on a wildcard log-group ARN (an unnamed statement: reason by index).
    let d = e.assert_allowed(
        "AnalystRole",
        "logs:PutLogEvents",
        "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/Endpoints:log-stream:x",
        &[],
    );
    assert_eq!(
        d.reason,
        "allowed by AnalystRole inline policy Results statement #1 (not evaluated: AWS-managed arn:aws:iam::aws:policy/ReadOnlyAccess)"
    );
    e.assert_denied(
        "AnalystRole",
        "logs:PutLogEvents",
        "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/f",
        &[],
    );
    // kms:GenerateDataKey* covers the variants, not other actions.
    let via = [("kms:ViaService", "s3.eu-west-1.amazonaws.com")];
    e.assert_allowed(
        "AnalystRole",
        "kms:GenerateDataKeyWithoutPlaintext",
        KEY,
        &via,
    );
    e.assert_denied("AnalystRole", "kms:Encrypt", KEY, &via);
    // kms:ViaService: StringEquals is exact, and an absent key fails it.
    e.assert_denied(
        "AnalystRole",
        "kms:Decrypt",
        KEY,
        &[("kms:ViaService", "s3.eu-west-1.amazonaws.com.evil")],
    );
    e.assert_denied("AnalystRole", "kms:Decrypt", KEY, &[]);
}

#[test]
fn string_like_on_s3_prefix() {
    let t = template();
    let e = evaluator(&t);
    for prefix in ["incoming/", "incoming/2024/", "day-01/"] {
        e.assert_allowed(
            "AnalystRole",
            "s3:ListBucket",
            RAW,
            &[("s3:prefix", prefix)],
        );
    }
    for prefix in ["", "outgoing/", "Incoming/", "day-1/", "day-001/"] {
        e.assert_denied(
            "AnalystRole",
            "s3:ListBucket",
            RAW,
            &[("s3:prefix", prefix)],
        );
    }
    // Listing without a prefix carries no s3:prefix key: the condition fails.
    e.assert_denied("AnalystRole", "s3:ListBucket", RAW, &[]);
}

#[test]
fn explicit_deny_beats_allow() {
    let t = template();
    let e = evaluator(&t);
    // RawAccess allows s3:DeleteObject on every raw object; the inline NeverDeleteRaw denies.
    let d = e.decide("AnalystRole", "s3:DeleteObject", &format!("{RAW}/a"), &[]);
    assert!(!d.allowed);
    assert!(
        d.reason
            .starts_with("denied by AnalystRole inline policy Results statement NeverDeleteRaw"),
        "{}",
        d.reason
    );
    // The same user without the deny (Erin has RawAccess only): allowed by it.
    let d = e.decide("Erin", "s3:DeleteObject", &format!("{RAW}/a"), &[]);
    assert_eq!(
        d,
        Decision {
            allowed: true,
            reason: "allowed by RawAccess statement RawDeleteAnything".to_string()
        }
    );
}

#[test]
fn implicit_deny_names_the_request() {
    let t = template();
    let d = evaluator(&t).decide("Erin", "s3:DeleteObject", "arn:aws:s3:::x/y", &[]);
    assert_eq!(
        d,
        Decision {
            allowed: false,
            reason: "implicit deny: no statement allows s3:DeleteObject on arn:aws:s3:::x/y"
                .to_string()
        }
    );
}

// ----- condition operators ------------------------------------------------------------------

#[test]
fn set_operators_on_multivalued_keys() {
    let t = template();
    let e = evaluator(&t);
    let add = |keys: &[&str]| {
        let ctx: Vec<(&str, &str)> = keys.iter().map(|k| ("aws:TagKeys", *k)).collect();
        e.decide("Erin", "sagemaker:AddTags", ALICE_NOTEBOOK, &ctx)
            .allowed
    };
    // ForAllValues: every requested key is listed; holds on an absent key.
    assert!(add(&["team"]));
    assert!(add(&["team", "project"]));
    assert!(!add(&["team", "owner"]));
    assert!(add(&[]));
    let delete = |keys: &[&str]| {
        let ctx: Vec<(&str, &str)> = keys.iter().map(|k| ("aws:TagKeys", *k)).collect();
        e.decide("Erin", "sagemaker:DeleteTags", ALICE_NOTEBOOK, &ctx)
            .allowed
    };
    // ForAnyValue: at least one matches; fails on an absent key.
    assert!(delete(&["owner", "project-x"]));
    assert!(delete(&["project"]));
    assert!(!delete(&["owner", "team"]));
    assert!(!delete(&[]));
}

#[test]
#[should_panic(expected = "use ForAnyValue: or ForAllValues:")]
fn a_single_valued_operator_on_several_values_panics() {
    let t = template();
    evaluator(&t).decide(
        "AnalystRole",
        "s3:ListBucket",
        RAW,
        &[("s3:prefix", "incoming/"), ("s3:prefix", "other/")],
    );
}

#[test]
fn negated_operator_on_an_absent_key_holds() {
    let t = template();
    let e = evaluator(&t);
    let url = "sagemaker:CreatePresignedNotebookInstanceUrl";
    e.assert_allowed(
        "Erin",
        url,
        ALICE_NOTEBOOK,
        &[("aws:SourceVpce", "vpce-0notebook")],
    );
    let d = e.assert_denied(
        "Erin",
        url,
        ALICE_NOTEBOOK,
        &[("aws:SourceVpce", "vpce-0other")],
    );
    assert_eq!(
        d.reason,
        "denied by ErinConditions statement PresignedUrlOnlyThroughEndpoint"
    );
    // AWS: StringNotEquals holds when the key is absent, so the Deny applies.
    e.assert_denied("Erin", url, ALICE_NOTEBOOK, &[]);
}

#[test]
fn arn_like_null_bool_and_not_resource() {
    let t = template();
    let e = evaluator(&t);
    let role = "arn:aws:iam::111122223333:role/team/analyst";
    let pass = |source_arn: &str, service: &str| {
        e.decide(
            "Erin",
            "iam:PassRole",
            role,
            &[
                ("aws:SourceArn", source_arn),
                ("iam:PassedToService", service),
            ],
        )
        .allowed
    };
    assert!(pass(ALICE_NOTEBOOK, "sagemaker.amazonaws.com"));
    assert!(pass(
        "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/other",
        "sagemaker.amazonaws.com"
    ));
    // The region wildcard does not span colons; the account must match.
    assert!(!pass(
        "arn:aws:sagemaker:eu-west-1:extra:111122223333:notebook-instance/x",
        "sagemaker.amazonaws.com"
    ));
    assert!(!pass(
        "arn:aws:sagemaker:eu-west-1:444455556666:notebook-instance/x",
        "sagemaker.amazonaws.com"
    ));
    assert!(!pass("not-an-arn", "sagemaker.amazonaws.com"));
    assert!(!pass(ALICE_NOTEBOOK, "ec2.amazonaws.com"));
    e.assert_denied(
        "Erin",
        "iam:PassRole",
        role,
        &[("iam:PassedToService", "sagemaker.amazonaws.com")],
    );

    // Null: "true" holds only while the key is absent.
    let logs = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/NotebookInstances:*";
    e.assert_allowed("Erin", "logs:GetLogEvents", logs, &[]);
    e.assert_denied(
        "Erin",
        "logs:GetLogEvents",
        logs,
        &[("aws:RequestTag/team", "x")],
    );

    // Bool with a JSON boolean in the policy.
    e.assert_allowed(
        "Erin",
        "kms:CreateGrant",
        KEY,
        &[("kms:GrantIsForAWSResource", "true")],
    );
    e.assert_denied(
        "Erin",
        "kms:CreateGrant",
        KEY,
        &[("kms:GrantIsForAWSResource", "false")],
    );
    e.assert_denied("Erin", "kms:CreateGrant", KEY, &[]);

    // NotResource Deny: PutObject anywhere but the raw bucket is denied.
    e.assert_allowed("Erin", "s3:PutObject", &format!("{RAW}/a"), &[]);
    let d = e.assert_denied("Erin", "s3:PutObject", &format!("{RESULTS}/a"), &[]);
    assert_eq!(
        d.reason,
        "denied by ErinConditions statement PutOnlyIntoRaw"
    );
}

#[test]
fn if_exists_and_escaped_wildcards() {
    let t = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
    "Policies": [{"PolicyName": "P", "PolicyDocument": doc(json!([
        {"Sid": "Star", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/literal-${*}-${?}-${$}"},
        {"Sid": "Vpce", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"},
                       "ArnNotLikeIfExists": {"aws:SourceArn": "arn:aws:s3:::evil-*"}}}
    ]))}]}}}});
    let e = Evaluator::new(&t);
    e.assert_allowed("R", "s3:GetObject", "arn:aws:s3:::b/literal-*-?-$", &[]);
    e.assert_denied("R", "s3:GetObject", "arn:aws:s3:::b/literal-x-y-$", &[]);
    e.assert_allowed("R", "s3:PutObject", "arn:aws:s3:::b/k", &[]);
    e.assert_allowed(
        "R",
        "s3:PutObject",
        "arn:aws:s3:::b/k",
        &[("aws:SourceVpce", "vpce-1")],
    );
    e.assert_denied(
        "R",
        "s3:PutObject",
        "arn:aws:s3:::b/k",
        &[("aws:SourceVpce", "vpce-2")],
    );
    e.assert_denied(
        "R",
        "s3:PutObject",
        "arn:aws:s3:::b/k",
        &[("aws:SourceArn", "arn:aws:s3:::evil-bucket")],
    );
}

// ----- panics on what the evaluator does not understand -------------------------------------

/// A role whose one inline policy has `statement`.
fn role_with(statement: Json) -> Json {
    json!({"Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Endpoint": {"Type": "AWS::EC2::VPCEndpoint"},
        "R": {"Type": "AWS::IAM::Role", "Properties": {
            "Policies": [{"PolicyName": "P", "PolicyDocument": doc(json!([statement]))}]}}}})
}

fn decide_on(statement: Json) -> Decision {
    let t = role_with(statement);
    Evaluator::new(&t).decide("R", "s3:GetObject", "arn:aws:s3:::b/k", &[("k", "v")])
}

#[test]
#[should_panic(expected = "unsupported intrinsic function `Fn::Join`")]
fn unknown_intrinsic_panics() {
    decide_on(json!({"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": {"Fn::Join": ["", ["arn:aws:s3:::b/", "*"]]}}));
}

#[test]
#[should_panic(expected = "unsupported attribute Fn::GetAtt Bucket.DomainName")]
fn unknown_attribute_panics() {
    decide_on(json!({"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": {"Fn::GetAtt": ["Bucket", "DomainName"]}}));
}

#[test]
#[should_panic(expected = "it is an AWS::EC2::VPCEndpoint")]
fn ref_without_physical_value_panics() {
    decide_on(
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceVpce": {"Ref": "Endpoint"}}}}),
    );
}

#[test]
#[should_panic(expected = "must be written `${!aws:username}` inside Fn::Sub")]
fn unescaped_policy_variable_in_sub_panics() {
    decide_on(json!({"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": {"Fn::Sub": "arn:aws:s3:::b/${aws:username}/*"}}));
}

#[test]
#[should_panic(expected = "unsupported condition operator `NumericLessThan`")]
fn unsupported_operator_panics_even_if_the_statement_does_not_match() {
    decide_on(json!({"Effect": "Deny", "Action": "ec2:*", "Resource": "*",
        "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}));
}

#[test]
#[should_panic(expected = "unsupported condition operator `NullIfExists`")]
fn null_if_exists_panics() {
    decide_on(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
        "Condition": {"NullIfExists": {"k": "true"}}}));
}

#[test]
#[should_panic(expected = "which an identity-based policy cannot have")]
fn principal_in_an_identity_policy_panics() {
    decide_on(json!({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}));
}

#[test]
#[should_panic(expected = "must have exactly one of Resource and NotResource")]
fn statement_without_resource_panics() {
    decide_on(json!({"Effect": "Allow", "Action": "s3:*"}));
}

#[test]
#[should_panic(expected = "compares booleans, but the request context gives `yes`")]
fn non_boolean_context_value_for_bool_panics() {
    let t = role_with(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}}}));
    Evaluator::new(&t).decide(
        "R",
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        &[("aws:SecureTransport", "yes")],
    );
}

#[test]
#[should_panic(expected = "the evaluator reads \"2012-10-17\" policies only")]
fn old_policy_version_panics() {
    let t = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
        "Policies": [{"PolicyName": "P", "PolicyDocument": {
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}]}}}});
    Evaluator::new(&t).decide("R", "s3:GetObject", "arn:aws:s3:::b/k", &[]);
}

#[test]
#[should_panic(expected = "principal `Nobody` is not a resource of the template")]
fn unknown_principal_panics() {
    let t = template();
    evaluator(&t).decide("Nobody", "s3:GetObject", RAW, &[]);
}

#[test]
#[should_panic(expected = "is an AWS::S3::Bucket, not an AWS::IAM::Role, User or Group")]
fn non_principal_panics() {
    let t = template();
    evaluator(&t).decide("RawDataBucket", "s3:GetObject", RAW, &[]);
}

#[test]
#[should_panic(expected = "the requested action must be a concrete `service:Action`")]
fn wildcard_request_action_panics() {
    let t = template();
    evaluator(&t).decide("AnalystRole", "s3:Get*", RAW, &[]);
}

#[test]
#[should_panic(expected = "neither an AWS::IAM::ManagedPolicy of the template nor AWS-managed")]
fn customer_managed_policy_outside_the_template_panics() {
    let t = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
        "ManagedPolicyArns": ["arn:aws:iam::111122223333:policy/elsewhere"]}}}});
    Evaluator::new(&t).policies("R");
}

#[test]
#[should_panic(expected = "group `strangers`, which the template does not define")]
fn group_outside_the_template_panics() {
    let t = json!({"Resources": {"U": {"Type": "AWS::IAM::User", "Properties": {
        "Groups": ["strangers"]}}}});
    Evaluator::new(&t).policies("U");
}

#[test]
#[should_panic(expected = "has a PermissionsBoundary")]
fn permissions_boundary_panics() {
    let t = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
        "PermissionsBoundary": "arn:aws:iam::aws:policy/PowerUserAccess"}}}});
    Evaluator::new(&t).decide("R", "s3:GetObject", "arn:aws:s3:::b/k", &[]);
}

#[test]
#[should_panic(expected = "has a CloudFormation Condition")]
fn conditional_policy_panics() {
    let t = json!({"Resources": {
        "R": {"Type": "AWS::IAM::Role", "Properties": {}},
        "P": {"Type": "AWS::IAM::ManagedPolicy", "Condition": "IsProd", "Properties": {
            "Roles": [{"Ref": "R"}],
            "PolicyDocument": doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]))}}}});
    Evaluator::new(&t).policies("R");
}

// ----- whole requests: bucket, key and endpoint policies ----------------------------------

const ACCOUNT: &str = "111122223333";
const PARTNER: &str = "444455556666";
const DATA: &str = "arn:aws:s3:::data-bucket";
const SHARED: &str = "arn:aws:s3:::shared-bucket";
const PLAIN: &str = "arn:aws:s3:::plain-bucket";
const DATA_KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/DataKey";
const ADMIN: &str = "arn:aws:iam::111122223333:role/Admin";
const AUDITOR: &str = "arn:aws:iam::111122223333:role/Auditor";
const PARTNER_ROLE: &str = "arn:aws:iam::444455556666:role/Partner";
const TRUSTED_ORG: &str = "o-trusted";
const VIA_S3: (&str, &str) = ("kms:ViaService", "s3.eu-west-1.amazonaws.com");
const TLS: (&str, &str) = ("aws:SecureTransport", "true");

fn s3_endpoint(policy: Option<Json>) -> Json {
    let mut properties = json!({
        "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"},
        "VpcEndpointType": "Gateway"});
    if let Some(policy) = policy {
        properties["PolicyDocument"] = policy;
    }
    json!({"Type": "AWS::EC2::VPCEndpoint", "Properties": properties})
}

/// Deny `s3:*` on `bucket` under `condition`, to everyone.
fn bucket_deny(sid: &str, bucket: &str, actions: Json, condition: Json) -> Json {
    json!({"Sid": sid, "Effect": "Deny", "Principal": {"AWS": ["*"]}, "Action": actions,
        "Resource": [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": format!("${{{bucket}.Arn}}/*")}],
        "Condition": condition})
}

/// The data bucket's policy: the data perimeter of the shipped buckets, plus log delivery
/// and a direct grant to a role outside the template.
fn data_bucket_policy() -> Json {
    let puts = json!(["s3:PutObject"]);
    doc(json!([
        bucket_deny("DenyInsecureTransport", "DataBucket", json!(["s3:*"]),
            json!({"Bool": {"aws:SecureTransport": "false"}})),
        bucket_deny("DenyOutsideIdentities", "DataBucket", json!(["s3:*"]), json!({
            "StringNotEqualsIfExists": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}})),
        bucket_deny("DenyOutsideNetwork", "DataBucket", json!(["s3:*"]), json!({
            "StringNotEqualsIfExists": {"aws:SourceVpce": {"Ref": "S3AccountEndpoint"}},
            "BoolIfExists": {"aws:ViaAWSService": "false", "aws:PrincipalIsAWSService": "false"},
            "ArnNotLikeIfExists": {"aws:PrincipalArn": ADMIN}})),
        bucket_deny("DenyOtherEncryption", "DataBucket", puts.clone(), json!({
            "Null": {"s3:x-amz-server-side-encryption": "false"},
            "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}})),
        bucket_deny("DenyOtherKeys", "DataBucket", puts.clone(), json!({
            "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
            "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id":
                {"Fn::GetAtt": ["DataKey", "Arn"]}}})),
        bucket_deny("DenyAwsManagedKey", "DataBucket", puts, json!({
            "Null": {"s3:x-amz-server-side-encryption": "false",
                     "s3:x-amz-server-side-encryption-aws-kms-key-id": "true"}})),
        bucket_deny("DenyDeletingVersions", "DataBucket", json!(["s3:DeleteObjectVersion"]),
            json!({"ArnNotLikeIfExists": {"aws:PrincipalArn": ADMIN}})),
        {"Sid": "LogDelivery", "Effect": "Allow",
         "Principal": {"Service": ["logging.s3.amazonaws.com"]}, "Action": ["s3:PutObject"],
         "Resource": [{"Fn::Sub": "${DataBucket.Arn}/logs/*"}],
         "Condition": {"ArnLike": {"aws:SourceArn": {"Fn::GetAtt": ["PlainBucket", "Arn"]}},
                       "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}},
        {"Sid": "AuditorReads", "Effect": "Allow", "Principal": {"AWS": AUDITOR},
         "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${DataBucket.Arn}/*"}}
    ]))
}

/// Buckets, the key and the endpoints of [`perimeter_template`].
fn perimeter_resources() -> Json {
    let root = json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"});
    json!({
        "DataBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "data-bucket"}},
        "DataBucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "DataBucket"}, "PolicyDocument": data_bucket_policy()}},
        "SharedBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "shared-bucket"}},
        "SharedBucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": "shared-bucket", "PolicyDocument": doc(json!([
                {"Sid": "PartnerAccountReadsShared", "Effect": "Allow", "Principal": {"AWS": PARTNER},
                 "Action": "s3:GetObject", "Resource": format!("{SHARED}/shared/*")},
                {"Sid": "PartnerRoleReadsPublic", "Effect": "Allow", "Principal": {"AWS": [PARTNER_ROLE]},
                 "Action": "s3:GetObject", "Resource": format!("{SHARED}/public/*")}]))}},
        "PlainBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "plain-bucket"}},
        "DataKey": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": doc(json!([
            {"Sid": "AccountAdministersKey", "Effect": "Allow", "Principal": {"AWS": [root]},
             "Action": ["kms:DescribeKey", "kms:PutKeyPolicy"], "Resource": "*"},
            {"Sid": "AccountUsesKeyThroughS3", "Effect": "Allow", "Principal": {"AWS": [root]},
             "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
             "Condition": {"StringEquals": {"kms:CallerAccount": {"Ref": "AWS::AccountId"},
                                            "kms:ViaService": "s3.eu-west-1.amazonaws.com"}}},
            {"Sid": "KeyUserDecrypts", "Effect": "Allow",
             "Principal": {"AWS": {"Fn::GetAtt": ["KeyUserRole", "Arn"]}},
             "Action": "kms:Decrypt", "Resource": "*"},
            {"Sid": "PartnerAccountDecrypts", "Effect": "Allow", "Principal": {"AWS": PARTNER},
             "Action": "kms:Decrypt", "Resource": "*"},
            {"Sid": "LogsEncrypt", "Effect": "Allow",
             "Principal": {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}},
             "Action": "kms:GenerateDataKey*", "Resource": "*",
             "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                 "arn:aws:logs:eu-west-1:111122223333:log-group:*"}}}]))}},
        // The identity and resource perimeter of an endpoint by organization...
        "S3OrgEndpoint": s3_endpoint(Some(doc(json!([
            {"Sid": "OrgPrincipalsToOrgResources", "Effect": "Allow", "Principal": "*",
             "Action": "s3:*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": TRUSTED_ORG,
                                            "aws:ResourceOrgID": TRUSTED_ORG}}}])))),
        // ... and by account.
        "S3AccountEndpoint": s3_endpoint(Some(doc(json!([
            {"Sid": "AccountPrincipalsToAccountResources", "Effect": "Allow",
             "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"},
                                            "aws:ResourceAccount": {"Ref": "AWS::AccountId"}}}},
            {"Sid": "NeverDeleteBuckets", "Effect": "Deny", "Principal": "*",
             "Action": "s3:DeleteBucket", "Resource": "*"}])))),
        "S3DefaultEndpoint": s3_endpoint(None),
        "S3RootOnlyEndpoint": s3_endpoint(Some(doc(json!([
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "s3:*", "Resource": "*"}])))),
        "KmsEndpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
            "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.kms"}}}
    })
}

/// The requesters of [`perimeter_template`].
fn perimeter_principals() -> Json {
    json!({
        "ReaderRole": {"Type": "AWS::IAM::Role", "Properties": {
            "Policies": [{"PolicyName": "Data", "PolicyDocument": doc(json!([
                {"Sid": "UseData", "Effect": "Allow",
                 "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObjectVersion"],
                 "Resource": [{"Fn::Sub": "${DataBucket.Arn}/*"}, format!("{PLAIN}/*"),
                              "arn:aws:s3:::partner-bucket/*"]},
                {"Sid": "UseDataKeyThroughS3", "Effect": "Allow",
                 "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                 "Resource": [{"Fn::GetAtt": ["DataKey", "Arn"]},
                              "arn:aws:kms:eu-west-1:444455556666:key/partner"],
                 "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}},
                {"Sid": "DescribeNotebooks", "Effect": "Allow",
                 "Action": "sagemaker:DescribeNotebookInstance", "Resource": "*"}]))}]}},
        "NoGrantRole": {"Type": "AWS::IAM::Role", "Properties": {}},
        "KeyUserRole": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "key-user"}},
        "ExtraRole": {"Type": "AWS::IAM::Role", "Condition": "WantsExtra", "Properties": {
            "Policies": [{"PolicyName": "P", "PolicyDocument": doc(json!([
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("{PLAIN}/*")}]))}]}},
        "Dana": {"Type": "AWS::IAM::User", "Properties": {"UserName": "dana",
            "Groups": [{"Ref": "Staff"}],
            "Policies": [{"PolicyName": "Home", "PolicyDocument": doc(json!([
                {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": format!("{PLAIN}/home/${{aws:username}}/*")}]))}]}},
        "Staff": {"Type": "AWS::IAM::Group", "Properties": {}}
    })
}

fn perimeter_template() -> Json {
    let mut resources = serde_json::Map::new();
    for part in [perimeter_resources(), perimeter_principals()] {
        let Json::Object(part) = part else {
            unreachable!()
        };
        resources.extend(part);
    }
    json!({"Conditions": {"WantsExtra": {"Fn::Equals": ["a", "a"]}}, "Resources": resources})
}

fn perimeter(t: &Json) -> Evaluator<'_> {
    Evaluator::new(t)
        .with_vpc_endpoint_ids()
        .without_organization()
        .assume_condition("WantsExtra", true)
}

fn reader(action: &str, resource: &str) -> Request {
    Request::new(Who::template("ReaderRole"), action, resource)
}

/// Allows only what `statements` allow: an external principal's identity-based policy.
fn external(arn: &str, statements: Json) -> Who {
    Who::external(arn)
        .identity_policy(doc(statements))
        .without_org()
}

fn allow_all() -> Json {
    json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
}

#[test]
fn requests_through_the_endpoint_are_allowed_by_identity_and_endpoint() {
    let t = perimeter_template();
    let e = perimeter(&t);
    let get = reader("s3:GetObject", &format!("{DATA}/a"))
        .context(TLS.0, TLS.1)
        .through("S3AccountEndpoint");
    assert_eq!(
        e.evaluate(&get),
        Decision {
            allowed: true,
            reason: "allowed by ReaderRole inline policy Data statement UseData (endpoint: \
                     allowed by S3AccountEndpoint PolicyDocument statement \
                     AccountPrincipalsToAccountResources)"
                .to_string()
        }
    );
    // The endpoint given as its aws:SourceVpce is the same route.
    let same = reader("s3:GetObject", &format!("{DATA}/a"))
        .context(TLS.0, TLS.1)
        .context("aws:SourceVpce", "vpce-s3accountendpoint");
    assert_eq!(e.evaluate(&same), e.evaluate(&get));
    // A role without a grant: the bucket policy has no Allow for it either.
    let d = e.expect(
        &Request::new(
            Who::template("NoGrantRole"),
            "s3:GetObject",
            &format!("{DATA}/a"),
        )
        .context(TLS.0, TLS.1)
        .through("S3AccountEndpoint"),
        false,
    );
    assert!(
        d.reason.starts_with(
            "implicit deny: within the account, an identity-based or the resource policy must \
             allow; identity-based: no statement allows it; DataBucketPolicy: no statement"
        ),
        "{}",
        d.reason
    );
    // Identity-only services have no resource policy: the identity-based policy decides.
    e.expect(&reader("sagemaker:DescribeNotebookInstance", "*"), true);
}

#[test]
fn the_network_perimeter_of_a_bucket_policy() {
    let t = perimeter_template();
    let e = perimeter(&t);
    let object = format!("{DATA}/a");
    let outside = |request: Request| {
        let d = e.expect(&request, false);
        assert_eq!(
            d.reason,
            "denied by DataBucketPolicy statement DenyOutsideNetwork"
        );
    };
    // No endpoint; another VPC's endpoint; another endpoint of the template.
    outside(reader("s3:GetObject", &object).context(TLS.0, TLS.1));
    outside(
        reader("s3:GetObject", &object)
            .context(TLS.0, TLS.1)
            .context("aws:SourceVpce", "vpce-0elsewhere"),
    );
    outside(
        reader("s3:GetObject", &object)
            .context(TLS.0, TLS.1)
            .through("S3DefaultEndpoint"),
    );
    // An AWS service using the role's credentials, and the administrator, are let through.
    e.expect(
        &reader("s3:GetObject", &object)
            .context(TLS.0, TLS.1)
            .via_aws_service(),
        true,
    );
    let admin =
        Request::new(external(ADMIN, allow_all()), "s3:GetObject", &object).context(TLS.0, TLS.1);
    let d = e.expect(&admin, true);
    assert_eq!(
        d.reason,
        "allowed by arn:aws:iam::111122223333:role/Admin identity policy statement #0"
    );
    // Without TLS nothing passes, whoever asks.
    let d = e.expect(
        &reader("s3:GetObject", &object)
            .context("aws:SecureTransport", "false")
            .through("S3AccountEndpoint"),
        false,
    );
    assert_eq!(
        d.reason,
        "denied by DataBucketPolicy statement DenyInsecureTransport"
    );
}

#[test]
fn the_encryption_and_version_perimeter_of_a_bucket_policy() {
    let t = perimeter_template();
    let e = perimeter(&t);
    let put = |headers: &[(&str, &str)]| {
        let mut request = reader("s3:PutObject", &format!("{DATA}/a"))
            .context(TLS.0, TLS.1)
            .through("S3AccountEndpoint");
        for (k, v) in headers {
            request = request.context(k, v);
        }
        e.evaluate(&request)
    };
    const SSE: &str = "s3:x-amz-server-side-encryption";
    const KEY_ID: &str = "s3:x-amz-server-side-encryption-aws-kms-key-id";
    assert!(
        put(&[]).allowed,
        "no headers: the bucket's default encryption"
    );
    assert!(put(&[(SSE, "aws:kms"), (KEY_ID, DATA_KEY)]).allowed);
    // SSE-S3 carries no key id, so DenyAwsManagedKey refuses it too.
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[(SSE, "AES256")],
            "DenyOtherEncryption; also denied by DataBucketPolicy statement DenyAwsManagedKey",
        ),
        (
            &[
                (SSE, "aws:kms"),
                (KEY_ID, "arn:aws:kms:eu-west-1:444455556666:key/other"),
            ],
            "DenyOtherKeys",
        ),
        (&[(SSE, "aws:kms")], "DenyAwsManagedKey"),
    ];
    for (headers, sid) in cases {
        assert_eq!(
            put(headers).reason,
            format!("denied by DataBucketPolicy statement {sid}"),
            "{headers:?}"
        );
    }
    // A key id without the algorithm header is also another key.
    assert_eq!(
        put(&[(KEY_ID, "arn:aws:kms:eu-west-1:444455556666:key/other")]).reason,
        "denied by DataBucketPolicy statement DenyOtherKeys"
    );
    // Versions: the role's grant does not help; the administrator may.
    let delete = format!("{DATA}/a");
    let d = e.expect(
        &reader("s3:DeleteObjectVersion", &delete)
            .context(TLS.0, TLS.1)
            .through("S3AccountEndpoint"),
        false,
    );
    assert_eq!(
        d.reason,
        "denied by DataBucketPolicy statement DenyDeletingVersions"
    );
    e.expect(
        &Request::new(
            external(ADMIN, allow_all()),
            "s3:DeleteObjectVersion",
            &delete,
        )
        .context(TLS.0, TLS.1),
        true,
    );
}

#[test]
fn the_identity_perimeter_and_cross_account_requests() {
    let t = perimeter_template();
    let e = perimeter(&t);
    // A foreign principal, even one whose own account allows everything.
    let foreign = Request::new(
        external(PARTNER_ROLE, allow_all()),
        "s3:GetObject",
        &format!("{DATA}/a"),
    )
    .context(TLS.0, TLS.1);
    let d = e.expect(&foreign, false);
    assert_eq!(
        d.reason,
        "denied by DataBucketPolicy statement DenyOutsideIdentities; also denied by \
         DataBucketPolicy statement DenyOutsideNetwork"
    );
    // Across accounts both sides must allow: the bucket names the partner's account
    // (delegation) for shared/ and the partner's role for public/.
    let partner = |statements: Json, key: &str| {
        e.evaluate(&Request::new(
            external(PARTNER_ROLE, statements),
            "s3:GetObject",
            &format!("{SHARED}/{key}"),
        ))
    };
    let d = partner(allow_all(), "shared/x");
    assert_eq!(
        d.reason,
        "allowed by SharedBucketPolicy statement PartnerAccountReadsShared with \
         arn:aws:iam::444455556666:role/Partner identity policy statement #0"
    );
    assert!(partner(allow_all(), "public/x").allowed);
    let d = partner(allow_all(), "private/x");
    assert!(!d.allowed);
    assert!(
        d.reason.starts_with(
            "implicit deny: across accounts, both the identity-based and the resource policy \
             must allow; identity-based: allowed by"
        ),
        "{}",
        d.reason
    );
    let nothing = json!([{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}]);
    assert!(
        !partner(nothing, "public/x").allowed,
        "the bucket alone is not enough"
    );
    // Within the account, the bucket policy alone is enough (a role outside the template
    // whose policies allow nothing of S3).
    let auditor = external(
        AUDITOR,
        json!([{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}]),
    );
    let d = e.expect(
        &Request::new(auditor, "s3:GetObject", &format!("{DATA}/a"))
            .context(TLS.0, TLS.1)
            .through("S3AccountEndpoint"),
        true,
    );
    assert!(
        d.reason
            .starts_with("allowed by DataBucketPolicy statement AuditorReads"),
        "{}",
        d.reason
    );
}

#[test]
fn service_principals_need_the_resource_policy() {
    let t = perimeter_template();
    let e = perimeter(&t);
    let logging = Who::service("logging.s3.amazonaws.com");
    let delivery = |key: &str, source: &str, account: &str| {
        e.evaluate(
            &Request::new(logging.clone(), "s3:PutObject", &format!("{DATA}/{key}"))
                .context(TLS.0, TLS.1)
                .context("aws:SourceArn", source)
                .context("aws:SourceAccount", account),
        )
    };
    let d = delivery("logs/2024-01-01", PLAIN, ACCOUNT);
    assert_eq!(
        d.reason,
        "allowed by DataBucketPolicy statement LogDelivery"
    );
    // The confused-deputy conditions, and the prefix.
    assert!(!delivery("logs/x", SHARED, ACCOUNT).allowed);
    assert!(!delivery("logs/x", PLAIN, PARTNER).allowed);
    assert!(!delivery("other/x", PLAIN, ACCOUNT).allowed);
    // A service the policy does not name, and a bucket without a policy.
    let cloudtrail = Request::new(
        Who::service("cloudtrail.amazonaws.com"),
        "s3:PutObject",
        &format!("{DATA}/logs/x"),
    )
    .context(TLS.0, TLS.1);
    let d = e.expect(&cloudtrail, false);
    assert!(
        d.reason.starts_with(
            "implicit deny: a service principal needs the resource policy to allow it"
        ),
        "{}",
        d.reason
    );
    e.expect(
        &Request::new(logging, "s3:PutObject", &format!("{PLAIN}/logs/x"))
            .context("aws:SourceArn", DATA)
            .context("aws:SourceAccount", ACCOUNT),
        false,
    );
}

#[test]
fn key_policies_must_allow() {
    let t = perimeter_template();
    let e = perimeter(&t);
    let decrypt = |who: Who, via: bool| {
        let request = Request::new(who, "kms:Decrypt", DATA_KEY);
        e.evaluate(&if via {
            request.context(VIA_S3.0, VIA_S3.1)
        } else {
            request
        })
    };
    // The key lets IAM policies allow (through S3), and the role's policy does.
    let d = decrypt(Who::template("ReaderRole"), true);
    assert_eq!(
        d.reason,
        "allowed by DataKey KeyPolicy statement AccountUsesKeyThroughS3 with ReaderRole inline \
         policy Data statement UseDataKeyThroughS3"
    );
    assert!(!decrypt(Who::template("ReaderRole"), false).allowed);
    // The key's delegation alone grants nothing.
    assert!(!decrypt(Who::template("NoGrantRole"), true).allowed);
    // A role the key policy names needs no IAM policy.
    let d = decrypt(Who::template("KeyUserRole"), false);
    assert_eq!(
        d.reason,
        "allowed by DataKey KeyPolicy statement KeyUserDecrypts"
    );
    // An account principal outside the template whose policies allow everything, but
    // whom the key policy does not let in: the root statement needs kms:ViaService.
    assert!(!decrypt(external(AUDITOR, allow_all()), false).allowed);
    // Across accounts: the key names the partner's account, and the partner's policy must
    // allow too.
    assert!(decrypt(external(PARTNER_ROLE, allow_all()), false).allowed);
    let d = decrypt(
        external(
            PARTNER_ROLE,
            json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]),
        ),
        false,
    );
    assert!(
        d.reason.starts_with("implicit deny: across accounts"),
        "{}",
        d.reason
    );
    // A service principal named by the key policy.
    let logs = Request::new(
        Who::service("logs.eu-west-1.amazonaws.com"),
        "kms:GenerateDataKey",
        DATA_KEY,
    );
    assert!(
        !e.evaluate(&logs).allowed,
        "no encryption context: ArnLike fails"
    );
    let logs = logs.context(
        "kms:EncryptionContext:aws:logs:arn",
        "arn:aws:logs:eu-west-1:111122223333:log-group:/x",
    );
    assert_eq!(
        e.evaluate(&logs).reason,
        "allowed by DataKey KeyPolicy statement LogsEncrypt"
    );
}

#[test]
fn endpoint_policies_by_account() {
    let t = perimeter_template();
    let e = perimeter(&t);
    let through = |who: Who, action: &str, resource: &str, account: Option<&str>| {
        let mut request = Request::new(who, action, resource).through("S3AccountEndpoint");
        if let Some(account) = account {
            request = request.resource_account(account);
        }
        e.evaluate(&request)
    };
    let reader = || Who::template("ReaderRole");
    assert!(through(reader(), "s3:GetObject", &format!("{PLAIN}/a"), None).allowed);
    // Data out to a bucket of another account: the endpoint refuses, whatever that
    // bucket's policy says.
    let d = through(
        reader(),
        "s3:GetObject",
        "arn:aws:s3:::partner-bucket/a",
        Some(PARTNER),
    );
    assert_eq!(
        d.reason,
        "implicit deny: no statement of S3AccountEndpoint PolicyDocument allows ReaderRole \
         s3:GetObject on arn:aws:s3:::partner-bucket/a"
    );
    // A principal of another account, into a bucket of this one.
    let d = through(
        external(PARTNER_ROLE, allow_all()),
        "s3:GetObject",
        &format!("{PLAIN}/a"),
        None,
    );
    assert!(
        d.reason
            .starts_with("implicit deny: no statement of S3AccountEndpoint PolicyDocument"),
        "{}",
        d.reason
    );
    // An explicit Deny of the endpoint policy.
    let d = through(reader(), "s3:DeleteBucket", PLAIN, None);
    assert_eq!(
        d.reason,
        "denied by S3AccountEndpoint PolicyDocument statement NeverDeleteBuckets"
    );
    // No policy: AWS's default, full access.
    let d = e.expect(
        &Request::new(reader(), "s3:GetObject", &format!("{PLAIN}/a")).through("S3DefaultEndpoint"),
        true,
    );
    assert_eq!(
        d.reason,
        "allowed by ReaderRole inline policy Data statement UseData (endpoint: allowed by \
         S3DefaultEndpoint PolicyDocument (none: AWS's default policy allows full access))"
    );
    // An account principal in a gateway endpoint's policy is the root user only.
    let d = e.expect(
        &Request::new(reader(), "s3:GetObject", &format!("{PLAIN}/a"))
            .through("S3RootOnlyEndpoint"),
        false,
    );
    assert!(
        d.reason
            .starts_with("implicit deny: no statement of S3RootOnlyEndpoint")
    );
}

#[test]
fn endpoint_policies_by_organization() {
    let t = perimeter_template();
    let object = format!("{PLAIN}/a");
    let request = |who: Who, resource: &str| {
        Request::new(who, "s3:GetObject", resource).through("S3OrgEndpoint")
    };
    let reader = || Who::template("ReaderRole");
    // The account is in the trusted organization: its principals and its buckets pass.
    let inside = Evaluator::new(&t)
        .with_vpc_endpoint_ids()
        .in_organization(TRUSTED_ORG);
    inside.expect(&request(reader(), &object), true);
    // A bucket of another organization, a principal of another organization.
    let out = request(reader(), "arn:aws:s3:::partner-bucket/a")
        .resource_account(PARTNER)
        .resource_org("o-other");
    let d = inside.expect(&out, false);
    assert!(
        d.reason
            .starts_with("implicit deny: no statement of S3OrgEndpoint"),
        "{}",
        d.reason
    );
    let stranger = Who::external(PARTNER_ROLE)
        .identity_policy(doc(allow_all()))
        .in_org("o-other");
    inside.expect(&request(stranger, &object), false);
    // An account outside any organization carries no aws:PrincipalOrgID.
    let alone = Evaluator::new(&t)
        .with_vpc_endpoint_ids()
        .without_organization();
    alone.expect(&request(reader(), &object), false);
}

#[test]
fn derived_keys_come_from_the_requester() {
    let t = perimeter_template();
    let e = perimeter(&t);
    // aws:username of a template user, in a policy variable.
    let dana = |key: &str| {
        e.evaluate(&Request::new(
            Who::template("Dana"),
            "s3:GetObject",
            &format!("{PLAIN}/{key}"),
        ))
    };
    assert!(dana("home/dana/x").allowed);
    assert!(!dana("home/erin/x").allowed);
    // A conditional role exists as assumed.
    assert!(e.principals().contains(&"ExtraRole".to_string()));
    e.expect(
        &Request::new(
            Who::template("ExtraRole"),
            "s3:GetObject",
            &format!("{PLAIN}/a"),
        ),
        true,
    );
    let without = Evaluator::new(&t).assume_condition("WantsExtra", false);
    assert_eq!(
        without.principals(),
        ["Dana", "KeyUserRole", "NoGrantRole", "ReaderRole"]
    );
}

#[test]
#[should_panic(expected = "is derived from the request's principal, resource or route")]
fn a_derived_key_given_by_the_test_panics() {
    let _ = reader("s3:GetObject", DATA).context("aws:PrincipalArn", ADMIN);
}

#[test]
#[should_panic(expected = "reads `aws:SecureTransport`, whose value this request cannot have")]
fn a_key_aws_always_sets_must_be_given() {
    let t = perimeter_template();
    perimeter(&t)
        .evaluate(&reader("s3:GetObject", &format!("{DATA}/a")).through("S3AccountEndpoint"));
}

#[test]
#[should_panic(expected = "say whether the principal's account is in an organization")]
fn an_unknown_organization_panics() {
    let t = perimeter_template();
    Evaluator::new(&t)
        .with_vpc_endpoint_ids()
        .evaluate(&reader("s3:GetObject", &format!("{PLAIN}/a")).through("S3OrgEndpoint"));
}

#[test]
#[should_panic(expected = "a policy the template does not hold could still deny it")]
fn an_allow_that_a_foreign_bucket_policy_could_deny_panics() {
    let t = perimeter_template();
    perimeter(&t).evaluate(
        &reader("s3:GetObject", "arn:aws:s3:::partner-bucket/a").resource_account(ACCOUNT),
    );
}

#[test]
#[should_panic(
    expected = "the identity-based policies of arn:aws:iam::111122223333:role/Auditor are not given"
)]
fn a_decision_on_unknown_identity_policies_panics() {
    let t = perimeter_template();
    perimeter(&t).evaluate(&Request::new(
        Who::external(AUDITOR).without_org(),
        "s3:GetObject",
        &format!("{PLAIN}/a"),
    ));
}

#[test]
#[should_panic(expected = "which is no endpoint of the template: its policy is unknown")]
fn an_allow_through_a_foreign_endpoint_panics() {
    let t = perimeter_template();
    perimeter(&t).evaluate(
        &reader("s3:GetObject", &format!("{PLAIN}/a")).context("aws:SourceVpce", "vpce-0elsewhere"),
    );
}

#[test]
#[should_panic(expected = "the resource's account decides the evaluation logic")]
fn an_unknown_resource_account_panics() {
    let t = perimeter_template();
    perimeter(&t).evaluate(&reader("s3:GetObject", "arn:aws:s3:::partner-bucket/a"));
}

#[test]
#[should_panic(expected = "KmsEndpoint is an endpoint of `kms`, not of `s3`")]
fn an_endpoint_of_another_service_panics() {
    let t = perimeter_template();
    perimeter(&t).evaluate(&reader("s3:GetObject", &format!("{PLAIN}/a")).through("KmsEndpoint"));
}

#[test]
#[should_panic(expected = "does not come through the customer's VPC endpoints")]
fn a_service_principal_through_an_endpoint_panics() {
    let t = perimeter_template();
    perimeter(&t).evaluate(
        &Request::new(
            Who::service("logging.s3.amazonaws.com"),
            "s3:PutObject",
            &format!("{PLAIN}/a"),
        )
        .through("S3DefaultEndpoint"),
    );
}

#[test]
#[should_panic(expected = "a kms request needs a key ARN")]
fn a_kms_request_without_a_key_arn_panics() {
    let t = perimeter_template();
    perimeter(&t).evaluate(&reader(
        "kms:Decrypt",
        "arn:aws:kms:eu-west-1:111122223333:alias/data",
    ));
}

#[test]
#[should_panic(expected = "role trust policies are not evaluated")]
fn assume_role_panics() {
    let t = perimeter_template();
    perimeter(&t).evaluate(&reader(
        "sts:AssumeRole",
        "arn:aws:iam::111122223333:role/key-user",
    ));
}

#[test]
#[should_panic(expected = "is a group, which makes no requests")]
fn a_group_as_requester_panics() {
    let t = perimeter_template();
    perimeter(&t).evaluate(&Request::new(Who::template("Staff"), "s3:GetObject", PLAIN));
}

#[test]
#[should_panic(expected = "does not exist: its CloudFormation Condition is assumed false")]
fn a_principal_under_a_false_condition_panics() {
    let t = perimeter_template();
    Evaluator::new(&t)
        .assume_condition("WantsExtra", false)
        .evaluate(&Request::new(
            Who::template("ExtraRole"),
            "s3:GetObject",
            PLAIN,
        ));
}

#[test]
#[should_panic(expected = "`Nope` is not a condition of the template")]
fn assuming_an_unknown_condition_panics() {
    let t = perimeter_template();
    let _ = Evaluator::new(&t).assume_condition("Nope", true);
}

/// A template whose plain bucket has the policy `statement`, evaluated for ReaderRole.
fn bucket_statement(statement: Json) -> Decision {
    let mut t = perimeter_template();
    t["Resources"]["PlainBucketPolicy"] = json!({"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": {"Ref": "PlainBucket"}, "PolicyDocument": doc(json!([statement]))}});
    perimeter(&t).evaluate(&reader("s3:GetObject", &format!("{PLAIN}/a")))
}

#[test]
#[should_panic(expected = "has NotPrincipal, which the evaluator does not implement")]
fn not_principal_panics() {
    bucket_statement(json!({"Effect": "Deny", "NotPrincipal": {"AWS": ADMIN},
        "Action": "s3:*", "Resource": "*"}));
}

#[test]
#[should_panic(expected = "has no Principal, which a resource-based policy needs")]
fn a_resource_statement_without_principal_panics() {
    bucket_statement(json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}));
}

#[test]
#[should_panic(expected = "unsupported principal type `Federated`")]
fn a_federated_principal_panics() {
    bucket_statement(
        json!({"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "s3:*", "Resource": "*"}),
    );
}

#[test]
#[should_panic(expected = "wildcards are not allowed in principals")]
fn a_wildcard_in_an_aws_principal_panics() {
    bucket_statement(
        json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/*"},
        "Action": "s3:*", "Resource": "*"}),
    );
}

#[test]
#[should_panic(expected = "a resource-based policy the evaluator does not read")]
fn an_unread_resource_policy_type_panics() {
    let mut t = perimeter_template();
    t["Resources"]["Queue"] = json!({"Type": "AWS::SQS::QueuePolicy", "Properties": {}});
    perimeter(&t).evaluate(&reader(
        "sqs:SendMessage",
        "arn:aws:sqs:eu-west-1:111122223333:q",
    ));
}

// ----- template conditions ------------------------------------------------------------------

fn conditional_template() -> Json {
    json!({
        "Conditions": {"WithArchive": {"Fn::Equals": ["x", "x"]}},
        "Resources": {
            "R": {"Type": "AWS::IAM::Role", "Properties": {
                "ManagedPolicyArns": [
                    {"Fn::If": ["WithArchive", {"Ref": "ListArchive"}, {"Ref": "AWS::NoValue"}]}],
                "Policies": [{"PolicyName": "P", "PolicyDocument": doc(json!([
                    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": [
                        "arn:aws:s3:::live/*",
                        {"Fn::If": ["WithArchive", "arn:aws:s3:::archive/*", {"Ref": "AWS::NoValue"}]}]}
                ]))}]}},
            "ListArchive": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "PolicyDocument": doc(json!([
                    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::archive"}]))}}}
    })
}

#[test]
fn fn_if_follows_the_assumed_condition() {
    let t = conditional_template();
    let with = Evaluator::new(&t).assume_condition("WithArchive", true);
    with.assert_allowed("R", "s3:GetObject", "arn:aws:s3:::archive/a", &[]);
    with.assert_allowed("R", "s3:ListBucket", "arn:aws:s3:::archive", &[]);
    let without = Evaluator::new(&t).assume_condition("WithArchive", false);
    assert_eq!(without.policies("R"), ["R inline policy P"]);
    // AWS::NoValue leaves the element out; the rest of the list stays.
    without.assert_denied("R", "s3:GetObject", "arn:aws:s3:::archive/a", &[]);
    without.assert_allowed("R", "s3:GetObject", "arn:aws:s3:::live/a", &[]);
}

#[test]
#[should_panic(expected = "depends on the template condition `WithArchive`")]
fn fn_if_on_an_undecided_condition_panics() {
    let t = conditional_template();
    Evaluator::new(&t).decide("R", "s3:GetObject", "arn:aws:s3:::live/a", &[]);
}

#[test]
#[should_panic(expected = "{\"Ref\": \"AWS::NoValue\"} where a value is needed")]
fn no_value_where_a_value_is_needed_panics() {
    let t = conditional_template();
    Evaluator::new(&t).resolve(&json!({"Ref": "AWS::NoValue"}));
}
