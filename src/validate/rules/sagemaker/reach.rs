//! SM-STUDIO-UNREACHABLE: a Studio domain with users that none of them can open. An IAM
//! domain is entered only through a presigned URL (`sagemaker:CreatePresignedDomainUrl`);
//! this stack grants it only through its VPC endpoints, so someone must also be inside
//! the VPC to call them: the bastion, or a VPN or transit gateway into a VPC of the
//! stack's own (an existing VPC is assumed to be reachable already: that is why it
//! exists). An SSO domain is entered through the IAM Identity Center access portal,
//! which needs nothing of the template, so it is not judged here.

use super::super::{Context, Violation, target};

/// A way into a VPC the template creates: an instance inside it (the bastion), or a
/// connection from the users' own network.
const WAYS_INTO_A_VPC: &[&str] = &[
    "AWS::EC2::Instance",
    "AWS::EC2::ClientVpnEndpoint",
    "AWS::EC2::VPNGatewayAttachment",
    "AWS::EC2::TransitGatewayAttachment",
    "AWS::EC2::TransitGatewayVpcAttachment",
];

/// Condition keys that confine a grant to requests from inside a VPC.
const VPC_KEYS: &[&str] = &["aws:sourcevpce", "aws:sourcevpc"];

const ACTION: &str = "sagemaker:CreatePresignedDomainUrl";

/// The user profiles of `domain`, in words: those in this template, and the nested stacks
/// that receive its id (split definitions put the profiles there). `None`: it has none.
fn users_of(cx: &Context, domain: &str) -> Option<String> {
    let here = cx
        .of_type("AWS::SageMaker::UserProfile")
        .filter(|(_, p)| target(&p["DomainId"]) == Some(domain))
        .count();
    let nested = cx
        .of_type("AWS::CloudFormation::Stack")
        .filter(|(_, p)| {
            p["Parameters"]
                .as_object()
                .is_some_and(|m| m.values().any(|v| target(v) == Some(domain)))
        })
        .count();
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    match (here, nested) {
        (0, 0) => None,
        (_, 0) => Some(plural(here, "user profile", "user profiles")),
        (0, _) => Some(format!(
            "the user profiles of {}",
            plural(nested, "nested stack", "nested stacks")
        )),
        _ => Some(format!(
            "{} and those of {}",
            plural(here, "user profile", "user profiles"),
            plural(nested, "nested stack", "nested stacks")
        )),
    }
}

pub(in super::super) fn studio_unreachable(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (domain, p) in cx.of_type("AWS::SageMaker::Domain") {
        if p["AuthMode"].as_str() != Some("IAM") {
            continue;
        }
        let Some(profiles) = users_of(cx, domain) else {
            continue;
        };
        let grants: Vec<_> = cx.identity_allows(ACTION).map(|(_, s)| s).collect();
        if grants.is_empty() {
            out.push(Violation::at(
                domain,
                "Properties.AuthMode",
                format!(
                    "nobody can open Studio for {profiles}: an IAM domain is entered through a presigned URL, and no policy of the template allows {ACTION}"
                ),
            ));
            continue;
        }
        let only_inside = grants.iter().all(|s| {
            s.conditions()
                .iter()
                .any(|c| VPC_KEYS.contains(&c.key.to_ascii_lowercase().as_str()))
        });
        let own_vpc = target(&p["VpcId"]).filter(|v| cx.type_of(v) == Some("AWS::EC2::VPC"));
        let way_in = WAYS_INTO_A_VPC.iter().any(|t| cx.count(t) > 0);
        if let (true, Some(vpc), false) = (only_inside, own_vpc, way_in) {
            out.push(Violation::at(
                domain,
                "Properties.VpcId",
                format!(
                    "nobody can open Studio for {profiles}: presigned URLs may be created only from inside VPC {vpc}, which this template creates with nothing to enter it by (no bastion instance, client VPN or VPN or transit gateway attachment)"
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::super::test_support::{assert_rule, fire};
    use super::*;
    use crate::json;
    use crate::template::json::Json;

    const RULE: &str = "SM-STUDIO-UNREACHABLE";

    fn template(auth: &str, extra: Json) -> Json {
        let mut resources = json!({
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}},
            "StudioDomain": {"Type": "AWS::SageMaker::Domain", "Properties": {"AuthMode": auth, "VpcId": {"Ref": "Vpc"}}},
            "UserProfileAlice": {"Type": "AWS::SageMaker::UserProfile", "Properties": {"DomainId": {"Fn::GetAtt": ["StudioDomain", "DomainId"]}}}
        });
        for (k, v) in extra.as_object().into_iter().flatten() {
            resources[k] = v.clone();
        }
        json!({"Resources": resources})
    }

    fn grant(condition: Json) -> Json {
        json!({"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": [ACTION], "Resource": "*", "Condition": condition}
        ]}}})
    }

    fn bastion() -> Json {
        json!({"Type": "AWS::EC2::Instance", "Properties": {}})
    }

    #[test]
    fn an_iam_domain_needs_a_presigned_url_grant() {
        assert_rule(
            RULE,
            template(
                "IAM",
                json!({"Open": grant(json!({})), "Bastion": bastion()}),
            ),
            template("IAM", json!({"Bastion": bastion()})),
            "Resources.StudioDomain.Properties.AuthMode",
        );
    }

    #[test]
    fn a_grant_through_the_endpoints_needs_a_way_into_the_vpc() {
        let inside = || grant(json!({"StringEquals": {"aws:SourceVpce": [{"Ref": "Endpoint"}]}}));
        assert_rule(
            RULE,
            template("IAM", json!({"Open": inside(), "Bastion": bastion()})),
            template("IAM", json!({"Open": inside()})),
            "Resources.StudioDomain.Properties.VpcId",
        );
        // A grant without the VPC condition is usable from anywhere.
        assert!(fire(RULE, template("IAM", json!({"Open": grant(json!({}))}))).is_empty());
        // A VPC the template does not create (an existing one) is reachable already.
        let mut existing = template("IAM", json!({"Open": inside()}));
        existing["Resources"]["StudioDomain"]["Properties"]["VpcId"] =
            json!({"Ref": "VpcIdParameter"});
        assert!(fire(RULE, existing).is_empty());
    }

    #[test]
    fn a_domain_without_users_and_an_sso_domain_are_not_judged() {
        let mut empty = template("IAM", json!({}));
        empty["Resources"]
            .as_object_mut()
            .unwrap()
            .shift_remove("UserProfileAlice");
        assert!(fire(RULE, empty).is_empty());
        assert!(fire(RULE, template("SSO", json!({}))).is_empty());
    }

    #[test]
    fn users_in_nested_stacks_count() {
        let mut nested = template(
            "IAM",
            json!({"Users001": {"Type": "AWS::CloudFormation::Stack", "Properties": {"Parameters": {"DomainId": {"Fn::GetAtt": ["StudioDomain", "DomainId"]}}}}}),
        );
        nested["Resources"]
            .as_object_mut()
            .unwrap()
            .shift_remove("UserProfileAlice");
        let found = fire(RULE, nested);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .starts_with("nobody can open Studio for the user profiles of 1 nested stack:"),
            "{}",
            found[0].message
        );
    }
}
