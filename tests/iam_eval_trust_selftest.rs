//! Self-test of the evaluator's trust-policy half (`tests/support/iam_eval/trust.rs`), on
//! hand-written roles: a service trust, a role that trusts itself through the account
//! principal under conditions, a role trusted by another role's own ARN, an explicit Deny,
//! and the panics for what it does not read.

mod support;

use serde_json::{Value as Json, json};
use support::iam_eval::Evaluator;
use support::iam_eval::trust::Caller;

fn doc(statements: Json) -> Json {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn role(trust: Json, policy: Option<Json>) -> Json {
    let mut properties = json!({"AssumeRolePolicyDocument": doc(trust)});
    if let Some(policy) = policy {
        properties["Policies"] = json!([{"PolicyName": "p", "PolicyDocument": doc(policy)}]);
    }
    json!({"Type": "AWS::IAM::Role", "Properties": properties})
}

const SELF_ARN: &str = "arn:aws:iam::111122223333:role/nb/Shared";

fn template() -> Json {
    let account = json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"});
    json!({"Resources": {
        "Service": role(json!([{"Effect": "Allow", "Principal": {"Service": ["sagemaker.amazonaws.com"]}, "Action": "sts:AssumeRole"}]), None),
        "Shared": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "Shared", "Path": "/nb/",
            "AssumeRolePolicyDocument": doc(json!([{"Effect": "Allow", "Principal": {"AWS": [account]}, "Action": ["sts:AssumeRole"],
                "Condition": {"ArnEquals": {"aws:PrincipalArn": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/nb/Shared"}},
                              "StringEquals": {"sts:RoleSessionName": ["a", "b"], "aws:SourceVpce": {"Ref": "Sts"}}}}])),
            "Policies": [{"PolicyName": "p", "PolicyDocument": doc(json!([
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": SELF_ARN}]))}]}},
        "Stranger": role(json!([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]),
            Some(json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]))),
        "Trusted": role(json!([{"Effect": "Allow", "Principal": {"AWS": {"Fn::GetAtt": ["Stranger", "Arn"]}}, "Action": "sts:AssumeRole"},
                               {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                                "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}]), None),
        "Sts": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {}}
    }})
}

fn evaluator(t: &Json) -> Evaluator<'_> {
    Evaluator::new(t).with_ref("Sts", "vpce-0sts")
}

#[test]
fn a_service_trust_admits_that_service_only() {
    let t = template();
    let iam = evaluator(&t);
    let d = iam.decide_assume_role(Caller::Service("sagemaker.amazonaws.com"), "Service", &[]);
    assert!(d.allowed, "{}", d.reason);
    assert!(
        !iam.decide_assume_role(Caller::Service("lambda.amazonaws.com"), "Service", &[])
            .allowed
    );
    let d = iam.decide_assume_role(Caller::Role("Stranger"), "Service", &[]);
    assert!(!d.allowed);
    assert!(
        d.reason
            .starts_with("implicit deny: the trust policy of Service"),
        "{}",
        d.reason
    );
}

#[test]
fn a_self_trust_holds_only_with_its_conditions_and_the_identity_policy() {
    let t = template();
    let iam = evaluator(&t);
    let ok = [
        ("sts:RoleSessionName", "a"),
        ("aws:SourceVpce", "vpce-0sts"),
    ];
    let d = iam.decide_assume_role(Caller::Role("Shared"), "Shared", &ok);
    assert!(d.allowed, "{}", d.reason);
    assert!(
        d.reason
            .contains("identity: allowed by Shared inline policy p"),
        "{}",
        d.reason
    );
    for context in [
        vec![
            ("sts:RoleSessionName", "c"),
            ("aws:SourceVpce", "vpce-0sts"),
        ],
        vec![("sts:RoleSessionName", "a")],
        vec![
            ("sts:RoleSessionName", "a"),
            ("aws:SourceVpce", "vpce-other"),
        ],
    ] {
        let d = iam.decide_assume_role(Caller::Role("Shared"), "Shared", &context);
        assert!(!d.allowed, "{context:?}: {}", d.reason);
    }
    // Another role of the account has the right session name and endpoint, but is not the
    // role the trust's aws:PrincipalArn names (and the caller's identity allows it).
    let d = iam.decide_assume_role(Caller::Role("Stranger"), "Shared", &ok);
    assert!(!d.allowed, "{}", d.reason);
}

#[test]
fn a_role_named_by_its_own_arn_needs_no_identity_policy_and_a_deny_wins() {
    let t = template();
    let iam = evaluator(&t);
    let d = iam.decide_assume_role(
        Caller::Role("Stranger"),
        "Trusted",
        &[("aws:SourceVpce", "vpce-1")],
    );
    assert!(d.allowed, "{}", d.reason);
    assert!(!d.reason.contains("identity:"), "{}", d.reason);
    let d = iam.decide_assume_role(Caller::Role("Stranger"), "Trusted", &[]);
    assert!(!d.allowed);
    assert!(
        d.reason
            .starts_with("denied by Trusted trust policy statement #1"),
        "{}",
        d.reason
    );
    // The account principal does not admit a role that the trust names by ARN only.
    assert!(
        !iam.decide_assume_role(
            Caller::Role("Shared"),
            "Trusted",
            &[("aws:SourceVpce", "vpce-1")]
        )
        .allowed
    );
}

#[test]
#[should_panic(expected = "NotPrincipal")]
fn not_principal_panics() {
    let t = json!({"Resources": {"R": role(json!([{"Effect": "Deny", "NotPrincipal": {"AWS": "x"}, "Action": "sts:AssumeRole"}]), None)}});
    let _ = Evaluator::new(&t).decide_assume_role(Caller::Service("x"), "R", &[]);
}

#[test]
#[should_panic(expected = "principal type `Federated`")]
fn federated_principals_panic() {
    let t = json!({"Resources": {"R": role(json!([{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]), None)}});
    let _ = Evaluator::new(&t).decide_assume_role(Caller::Service("x"), "R", &[]);
}

/// A principal of another account: named by its own ARN, or through its account, the
/// trust policy alone decides; a trust naming only this account's principals refuses it.
#[test]
fn an_external_principal_is_admitted_only_where_the_trust_names_it_or_its_account() {
    let named = "arn:aws:iam::999988887777:role/central";
    let other = "arn:aws:iam::444455556666:role/Exfiltrator";
    let t = json!({"Resources": {
        "ByArn": role(json!([{"Effect": "Allow", "Principal": {"AWS": named}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abcde12345"}}}]), None),
        "ByAccount": role(json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"}]), None),
        "Local": role(json!([{"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}, "Action": "sts:AssumeRole"}]), None)
    }});
    let iam = Evaluator::new(&t);
    let org = [("aws:PrincipalOrgID", "o-abcde12345")];
    let d = iam.decide_assume_role(Caller::External(named), "ByArn", &org);
    assert!(d.allowed, "{}", d.reason);
    assert!(
        !iam.decide_assume_role(Caller::External(named), "ByArn", &[])
            .allowed,
        "the org condition holds"
    );
    assert!(
        !iam.decide_assume_role(Caller::External(other), "ByArn", &org)
            .allowed
    );
    assert!(
        iam.decide_assume_role(Caller::External(named), "ByAccount", &[])
            .allowed
    );
    assert!(
        !iam.decide_assume_role(Caller::External(other), "ByAccount", &[])
            .allowed
    );
    let d = iam.decide_assume_role(Caller::External(other), "Local", &[]);
    assert!(!d.allowed, "{}", d.reason);
}
