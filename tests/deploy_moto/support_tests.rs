//! Unit tests of the helpers in tests/support/ (resolver, moto variant, comparison, the
//! parser of moto's policy documents) on small inputs; no tool needed. They live here so
//! they run once: tests/support/ is compiled into every test binary that uses it.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::cfn::{self, Resolver, Tally, compare};
use crate::support::moto::policy_document;

fn resolver(template: &Value) -> Resolver<'_> {
    Resolver {
        template,
        physical: [
            ("Vpc", "vpc-1"),
            ("Sg", "sg-1"),
            ("Api", "vpce-1"),
            ("Role", "stack-Role-X"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect(),
        params: [("Cidr".to_string(), "10.0.0.0/16".to_string())].into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        partition: "aws".into(),
        stack_name: "stack".into(),
        stack_id: "arn:stack".into(),
    }
}

fn template() -> Value {
    json!({
        "Parameters": {
            "Cidr": {"Type": "String", "Default": "10.0.0.0/16"},
            "Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
                    "Default": "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"}
        },
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": {"Ref": "Cidr"}}},
            "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}},
            "Api": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"Path": "/svc/"}},
            "Domain": {"Type": "AWS::SageMaker::Domain", "Properties": {}},
            "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
                "Statement": [{
                    "Resource": [{"Fn::GetAtt": ["Domain", "DomainArn"]},
                                 {"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:user-profile/${Domain.DomainId}/*"},
                                 {"Fn::Sub": ["${Domain}-${!Literal}", {"Domain": "local"}]}],
                    "Condition": {"StringEquals": {"aws:SourceVpce": [{"Ref": "Api"}, {"Ref": "Domain"}]}}
                }]
            }}}
        }
    })
}

fn supported() -> BTreeSet<String> {
    [
        "AWS::EC2::VPC",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::VPCEndpoint",
        "AWS::IAM::Role",
        "AWS::IAM::ManagedPolicy",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn variant_replaces_the_windows_ami_and_references_to_skipped_resources() {
    let v = cfn::moto_variant(&template(), &supported());
    assert_eq!(
        v.template["Parameters"]["Ami"]["Default"],
        cfn::MOTO_AMI_PARAMETER
    );
    assert_eq!(v.template["Parameters"]["Cidr"]["Default"], "10.0.0.0/16");
    let st = &v.template["Resources"]["Policy"]["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(
        st["Resource"][0],
        json!({"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:moto-skipped/Domain/DomainArn"})
    );
    assert_eq!(
        st["Resource"][1]["Fn::Sub"],
        "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:user-profile/moto-skipped-Domain-DomainId/*"
    );
    // A Fn::Sub variable of the same name and an escaped ${!...} are left alone.
    assert_eq!(st["Resource"][2]["Fn::Sub"][0], "${Domain}-${!Literal}");
    assert_eq!(
        st["Condition"]["StringEquals"]["aws:SourceVpce"][0],
        json!({"Ref": "Api"})
    );
    assert_eq!(
        st["Condition"]["StringEquals"]["aws:SourceVpce"][1],
        "moto-skipped-Domain"
    );
    assert_eq!(v.changes.len(), 4, "{:#?}", v.changes);
}

#[test]
fn resolver_evaluates_what_follows_from_the_stack() {
    let t = cfn::moto_variant(&template(), &supported()).template;
    let r = resolver(&t);
    let doc = r.resolve(&t["Resources"]["Policy"]["Properties"]["PolicyDocument"]);
    assert_eq!(
        doc["Statement"][0]["Resource"],
        json!([
            "arn:aws:sagemaker:us-east-1:123456789012:moto-skipped/Domain/DomainArn",
            "arn:aws:sagemaker:us-east-1:123456789012:user-profile/moto-skipped-Domain-DomainId/*",
            "local-${Literal}"
        ])
    );
    assert_eq!(
        doc["Statement"][0]["Condition"]["StringEquals"]["aws:SourceVpce"][0],
        "vpce-1"
    );
    let get = |v: Value| r.resolve(&v);
    assert_eq!(
        get(json!({"Fn::GetAtt": ["Vpc", "CidrBlock"]})),
        "10.0.0.0/16"
    );
    assert_eq!(get(json!({"Fn::GetAtt": "Sg.GroupId"})), "sg-1");
    assert_eq!(
        get(json!({"Fn::GetAtt": ["Role", "Arn"]})),
        "arn:aws:iam::123456789012:role/svc/stack-Role-X"
    );
    assert_eq!(
        get(json!({"Fn::Select": [1, {"Fn::GetAZs": ""}]})),
        "us-east-1b"
    );
    assert_eq!(
        get(json!({"Fn::Join": ["-", ["a", {"Ref": "AWS::Region"}]]})),
        "a-us-east-1"
    );
    assert_eq!(
        get(json!({"k": {"Ref": "AWS::NoValue"}, "l": [1, {"Ref": "AWS::NoValue"}]})),
        json!({"l": [1]})
    );
    assert!(cfn::is_unresolved(&get(json!({"Fn::If": ["C", 1, 2]}))));
    assert!(cfn::is_unresolved(&get(
        json!({"Fn::GetAtt": ["Role", "RoleId"]})
    )));
    assert!(cfn::is_unresolved(&get(
        json!({"Fn::Sub": "${Role.RoleId}/x"})
    )));
}

#[test]
fn compare_reports_differences_and_counts_what_it_cannot_resolve() {
    let (mut tally, mut diffs) = (Tally::default(), Vec::new());
    let expected =
        json!({"A": "1", "B": [true, {"$unresolved": {"Fn::If": []}}], "C": {"$unresolved": 0}});
    compare(
        &expected,
        &json!({"A": 1, "B": ["true", "x"]}),
        "p",
        &mut tally,
        &mut diffs,
    );
    assert!(diffs.is_empty(), "{diffs:?}");
    assert_eq!((tally.compared, tally.unresolved), (2, 2));
    compare(
        &json!({"A": [1, 2]}),
        &json!({"A": [1, 3], "Z": 0}),
        "p",
        &mut tally,
        &mut diffs,
    );
    assert_eq!(diffs, ["p.A[1]: expected 2, got 3", "p.Z: unexpected 0"]);
}

#[test]
fn parses_the_python_repr_moto_returns_for_inline_policies() {
    let text = r#"{'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': ["it's", 'a\\b'], 'N': 1, 'T': True, 'X': None}]}"#;
    assert_eq!(
        policy_document(&json!(text)),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["it's", "a\\b"], "N": 1, "T": true, "X": null}]})
    );
    assert_eq!(policy_document(&json!("{\"a\": [1]}")), json!({"a": [1]}));
}
