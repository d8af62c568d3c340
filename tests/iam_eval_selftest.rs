//! Self-test of the IAM policy evaluator in `tests/support/iam_eval.rs`, on hand-written
//! template fragments: attachments, intrinsics, policy variables, the MFA guard, wildcards,
//! conditions, decisions and reasons, and the panics for what it does not understand.

mod support;

use serde_json::{Value as Json, json};
use support::iam_eval::{Decision, Evaluator};

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
