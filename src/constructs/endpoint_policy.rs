//! VPC endpoint policies: the network half of the data perimeter. Without one, AWS
//! attaches a policy that lets any principal through, so credentials of another account
//! typed into a notebook could send data out through the stack's own endpoints
//! (`s3:PutObject` into their bucket, `logs:PutLogEvents` into their log group).
//!
//! The shape follows AWS's data-perimeter guidance (`aws-samples/data-perimeter-policy-examples`,
//! `vpc_endpoint_policies/`): one Allow for trusted identities acting on trusted
//! resources, plus exactly the exceptions the stacks' own traffic needs. Trusted means
//! this account (`aws:PrincipalAccount`, `aws:ResourceAccount`), or the organization
//! given as `perimeter.organization_id` (`aws:PrincipalOrgID`, `aws:ResourceOrgID`).
//!
//! What the shipped stacks send through their endpoints, and why the resource test
//! holds for it:
//! - notebooks and Studio apps act with roles of the account on the account's domain,
//!   apps, spaces, profiles, notebooks, log groups, keys and buckets, and assume roles of
//!   the account (`sts`); the bastion's SSM Agent reports its own instance (`ssm`) and
//!   writes session logs to the stack's log group. The data-perimeter service guidance
//!   lists no additional consideration for the VPC-endpoint resource perimeter of STS,
//!   CloudWatch, CloudWatch Logs and KMS.
//! - AWS-owned resources they would touch are refused on purpose, because none of the
//!   stacks' roles may use them today: SageMaker JumpStart's bucket, Amazon Linux and
//!   SSM Agent update buckets (whose unsigned requests carry the principal account
//!   `anonymous`), AWS-owned SSM documents and public parameters, and images in AWS's
//!   ECR repositories. A definition that needs one adds it knowingly.
//! - two kinds of AWS-owned resources are admitted, each only where the network needs
//!   it: ECR's image-layer bucket in a network with an `ecr.dkr` endpoint (every image
//!   pull downloads its layers from it with a presigned URL that an ECR account signs,
//!   so its principal is never ours), and the Amazon Linux package repositories in a
//!   network whose instances run Amazon Linux (notebook instances, a Linux bastion):
//!   `dnf`/`yum` read them unsigned, so no principal test can pass them either.
//!
//! No statement admits AWS service principals (the guidance's
//! `AllowRequestsByAWSServicePrincipals`): the traffic above is made with the stacks'
//! roles, and nothing else is meant to pass.

use crate::resources::iam::policy::{
    Condition, EVERY_ACTION, PolicyDocument, Principal, Statement, keys,
};
use crate::resources::s3;
use crate::sub;
use crate::template::{Pseudo, Value};

use super::network::EndpointService;

/// What the endpoint policies of one network admit besides this account's identities
/// acting on this account's resources.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EndpointPolicyProps {
    /// Trust the identities and resources of this organization (`o-…`) instead of this
    /// account only.
    pub organization_id: Option<String>,
    /// The S3 gateway endpoint admits this statement (the stack's buckets, see
    /// [`super::secure_bucket::endpoint_allowance`]) instead of every bucket of the
    /// account or organization; the trusted-identity test is added to it. `None`: every
    /// trusted bucket.
    pub s3_buckets: Option<Statement>,
    /// The S3 gateway endpoint admits reading the Amazon Linux 2 and AL2023 package
    /// repositories of the region ([`amazon_linux_repositories`]): the network has
    /// instances that run Amazon Linux and install or update packages.
    pub amazon_linux_repositories: bool,
}

impl EndpointPolicyProps {
    /// `StringEquals aws:PrincipalAccount` = this account, or `aws:PrincipalOrgID` = the
    /// organization. Not `IfExists`: anonymous requests carry `anonymous` or no org id,
    /// and must not pass.
    pub fn trusted_principal(&self) -> Condition {
        match &self.organization_id {
            Some(org) => {
                Condition::string_equals(keys::PRINCIPAL_ORG_ID, [Value::from(org.as_str())])
            }
            None => {
                Condition::string_equals(keys::PRINCIPAL_ACCOUNT, [Value::from(Pseudo::AccountId)])
            }
        }
    }

    /// `StringEquals aws:ResourceAccount` = this account, or `aws:ResourceOrgID` = the
    /// organization.
    pub fn trusted_resource(&self) -> Condition {
        match &self.organization_id {
            Some(org) => {
                Condition::string_equals(keys::RESOURCE_ORG_ID, [Value::from(org.as_str())])
            }
            None => {
                Condition::string_equals(keys::RESOURCE_ACCOUNT, [Value::from(Pseudo::AccountId)])
            }
        }
    }
}

/// The policy of `service`'s endpoint in a network whose endpoints are `network`, or
/// `None` when the service takes no endpoint policy
/// ([`EndpointService::supports_policy`]).
pub fn for_service(
    service: EndpointService,
    network: &[EndpointService],
    props: &EndpointPolicyProps,
) -> Option<PolicyDocument> {
    if !service.supports_policy() {
        return None;
    }
    let trusted = match (service, &props.s3_buckets) {
        (EndpointService::Studio, _) => studio_apps_of_this_account(),
        (EndpointService::S3, Some(buckets)) => buckets
            .clone()
            .principal(Principal::anyone())
            .condition(props.trusted_principal()),
        _ => Statement::allow()
            .sid("TrustedIdentitiesToTrustedResources")
            .principal(Principal::anyone())
            .actions([&EVERY_ACTION])
            .any_resource()
            .condition(props.trusted_principal())
            .condition(props.trusted_resource()),
    };
    let mut doc = PolicyDocument::new().statement(trusted);
    if service == EndpointService::S3 && network.contains(&EndpointService::EcrDkr) {
        doc = doc.statement(ecr_image_layers());
    }
    // Always, not only while the stack has a custom resource in the network: removing the
    // last one (a whole `studio` section) would change this policy in the update phase,
    // before the cleanup phase runs the removed cleanups' Delete handlers, whose answer
    // would then be refused and the stack operation would hang for the custom resource's
    // hour. The statement lets only PutObject through, into CloudFormation's response
    // bucket of this region, with URLs CloudFormation presigned: nothing of the stack's
    // can be written there by anyone who does not hold such a URL.
    if service == EndpointService::S3 {
        doc = doc.statement(cloudformation_responses());
    }
    if service == EndpointService::S3 && props.amazon_linux_repositories {
        doc = doc.statement(amazon_linux_repositories());
    }
    Some(doc)
}

/// The Studio endpoint, in the shape SageMaker documents for it ("Create a VPC Endpoint
/// Policy for Studio or Studio Classic",
/// <https://docs.aws.amazon.com/sagemaker/latest/dg/studio-interface-endpoint.html#studio-private-link-policy>):
/// `sagemaker:CreateApp` on apps, for any principal. Studio's browser traffic is
/// authenticated by the presigned URL's session, not signed by an IAM principal of ours,
/// so the page's example names no principal, and whether such requests carry
/// `aws:PrincipalAccount` is documented nowhere; a test on it could lock users out of
/// Studio. The resource is what keeps data in: apps of this account's domains only, so a
/// foreign domain's Studio opened from inside the VPC is refused.
fn studio_apps_of_this_account() -> Statement {
    Statement::allow()
        .sid("StudioAppsOfThisAccount")
        .principal(Principal::anyone())
        .actions([&crate::resources::sagemaker::actions::CREATE_APP])
        .resource(sub![
            "arn:",
            Pseudo::Partition,
            ":sagemaker:",
            Pseudo::Region,
            ":",
            Pseudo::AccountId,
            ":app/*"
        ])
}

/// Reading image layers from ECR's bucket in this region (ECR, "Minimum Amazon S3
/// bucket permissions for Amazon ECR",
/// <https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-minimum-s3-perms>).
/// The request is signed by an ECR account, so no test on our principal can pass it;
/// `s3:GetObject` on AWS's bucket carries nothing of ours out.
fn ecr_image_layers() -> Statement {
    Statement::allow()
        .sid("EcrImageLayers")
        .principal(Principal::anyone())
        .actions([&s3::actions::GET_OBJECT])
        .resource(sub![
            "arn:",
            Pseudo::Partition,
            ":s3:::prod-",
            Pseudo::Region,
            "-starport-layer-bucket/*"
        ])
}

/// The objects of CloudFormation's custom-resource response bucket of this region, the
/// bucket a custom resource's `ResponseURL` (an S3 presigned URL) writes its answer to.
/// CloudFormation's reference ("AWS::CloudFormation::CustomResource",
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html>)
/// says that a custom resource in a VPC must reach these buckets or the stack operation
/// fails, and "Access CloudFormation using an interface endpoint"
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/vpc-interface-endpoints.html>)
/// names the bucket `cloudformation-custom-resource-response-<region>` with the region
/// spelled without dashes (`uswest2`), which `Fn::Split`/`Fn::Join` produce from
/// `AWS::Region`. The URL is signed by CloudFormation, so its principal is never ours and
/// no principal test can admit it; the exact bucket name (never a wildcard, which another
/// account could register a bucket under) and `s3:PutObject` alone keep it narrow.
pub fn cloudformation_responses() -> Statement {
    Statement::allow()
        .sid("CloudFormationCustomResourceResponses")
        .principal(Principal::anyone())
        .actions([&s3::actions::PUT_OBJECT])
        .resource(sub![
            "arn:",
            Pseudo::Partition,
            ":s3:::cloudformation-custom-resource-response-",
            Value::without("-", Pseudo::Region),
            "/*"
        ])
}

/// Reading the Amazon Linux package repositories of this region, read-only: the AL2023
/// repository bucket `al2023-repos-<region>-de612dc2`, and Amazon Linux 2's
/// `amazonlinux-2-repos-<region>` with its mirror list in `amazonlinux.<region>.amazonaws.com`,
/// the buckets AWS's knowledge-center article "How do I update yum or install packages
/// without internet access on my EC2 instances that run Amazon Linux 1, Amazon Linux 2,
/// or AL2023?" (<https://repost.aws/knowledge-center/ec2-al1-al2-update-yum-without-internet>)
/// tells an S3 endpoint policy to admit. `dnf` and `yum` send unsigned requests (principal
/// account `anonymous`), so the statement names no principal test; `s3:GetObject` on
/// AWS's buckets carries nothing of ours out. Nothing else of those accounts is admitted:
/// the resources are the three buckets' objects, not a wildcard on the bucket name.
pub fn amazon_linux_repositories() -> Statement {
    Statement::allow()
        .sid("AmazonLinuxRepositories")
        .principal(Principal::anyone())
        .actions([&s3::actions::GET_OBJECT])
        .resource(sub![
            "arn:",
            Pseudo::Partition,
            ":s3:::al2023-repos-",
            Pseudo::Region,
            "-de612dc2/*"
        ])
        .resource(sub![
            "arn:",
            Pseudo::Partition,
            ":s3:::amazonlinux-2-repos-",
            Pseudo::Region,
            "/*"
        ])
        .resource(sub![
            "arn:",
            Pseudo::Partition,
            ":s3:::amazonlinux.",
            Pseudo::Region,
            ".amazonaws.com/*"
        ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(doc: PolicyDocument) -> serde_json::Value {
        serde_json::to_value(Value::from(doc)).unwrap()
    }

    #[test]
    fn every_statement_names_the_trusted_principal() {
        let props = EndpointPolicyProps::default();
        let doc = json(for_service(EndpointService::Logs, &[], &props).unwrap());
        assert_eq!(
            doc["Statement"],
            serde_json::json!([{
                "Sid": "TrustedIdentitiesToTrustedResources",
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {"StringEquals": {
                    "aws:PrincipalAccount": {"Ref": "AWS::AccountId"},
                    "aws:ResourceAccount": {"Ref": "AWS::AccountId"}
                }}
            }])
        );
    }

    #[test]
    fn an_organization_replaces_the_account() {
        let props = EndpointPolicyProps {
            organization_id: Some("o-abcde12345".into()),
            s3_buckets: None,
            amazon_linux_repositories: false,
        };
        let doc = json(for_service(EndpointService::Sts, &[], &props).unwrap());
        assert_eq!(
            doc["Statement"][0]["Condition"],
            serde_json::json!({"StringEquals": {
                "aws:PrincipalOrgID": "o-abcde12345",
                "aws:ResourceOrgID": "o-abcde12345"
            }})
        );
    }

    #[test]
    fn the_bucket_list_keeps_its_resources_and_gains_the_principal_test() {
        let buckets = Statement::allow()
            .sid("OnlyThisStacksBuckets")
            .actions([&s3::actions::GET_OBJECT])
            .resource("arn:aws:s3:::b/*");
        let props = EndpointPolicyProps {
            organization_id: None,
            s3_buckets: Some(buckets),
            amazon_linux_repositories: false,
        };
        let doc = json(for_service(EndpointService::S3, &[], &props).unwrap());
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(
            statements[1]["Sid"],
            "CloudFormationCustomResourceResponses"
        );
        assert_eq!(
            statements[0]["Resource"],
            serde_json::json!(["arn:aws:s3:::b/*"])
        );
        assert_eq!(
            statements[0]["Condition"],
            serde_json::json!({"StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}})
        );
        // Only the other endpoints' test mentions resource accounts: the list is narrower.
        assert!(!statements[0].to_string().contains("aws:ResourceAccount"));
    }

    #[test]
    fn ecr_layers_only_where_images_are_pulled() {
        let props = EndpointPolicyProps::default();
        let sids = |network: &[EndpointService]| -> Vec<String> {
            json(for_service(EndpointService::S3, network, &props).unwrap())["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["Sid"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            sids(&[EndpointService::S3]),
            [
                "TrustedIdentitiesToTrustedResources",
                "CloudFormationCustomResourceResponses"
            ]
        );
        assert_eq!(
            sids(&[EndpointService::S3, EndpointService::EcrDkr]),
            [
                "TrustedIdentitiesToTrustedResources",
                "EcrImageLayers",
                "CloudFormationCustomResourceResponses"
            ]
        );
        // The ECR endpoints themselves get the plain perimeter.
        let ecr =
            json(for_service(EndpointService::EcrDkr, &[EndpointService::EcrDkr], &props).unwrap());
        assert_eq!(ecr["Statement"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn services_without_policy_support_get_none() {
        let props = EndpointPolicyProps::default();
        for service in EndpointService::ALL {
            assert_eq!(
                for_service(service, &EndpointService::ALL, &props).is_some(),
                service.supports_policy(),
                "{service}"
            );
        }
        assert!(for_service(EndpointService::SsmMessages, &[], &props).is_none());
        assert!(for_service(EndpointService::Ec2Messages, &[], &props).is_none());
    }

    #[test]
    fn amazon_linux_repositories_only_on_s3_and_only_when_asked() {
        let with = EndpointPolicyProps {
            amazon_linux_repositories: true,
            ..EndpointPolicyProps::default()
        };
        let s3 = json(for_service(EndpointService::S3, &[EndpointService::S3], &with).unwrap());
        let statements = s3["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 3);
        assert_eq!(statements[2]["Sid"], "AmazonLinuxRepositories");
        assert_eq!(statements[2]["Action"], serde_json::json!(["s3:GetObject"]));
        assert_eq!(
            statements[2]["Resource"],
            serde_json::json!([
                {"Fn::Sub": "arn:${AWS::Partition}:s3:::al2023-repos-${AWS::Region}-de612dc2/*"},
                {"Fn::Sub": "arn:${AWS::Partition}:s3:::amazonlinux-2-repos-${AWS::Region}/*"},
                {"Fn::Sub": "arn:${AWS::Partition}:s3:::amazonlinux.${AWS::Region}.amazonaws.com/*"}
            ])
        );
        let without = json(
            for_service(
                EndpointService::S3,
                &[EndpointService::S3],
                &EndpointPolicyProps::default(),
            )
            .unwrap(),
        );
        assert!(!without.to_string().contains("amazonlinux"));
        let logs = json(for_service(EndpointService::Logs, &[], &with).unwrap());
        assert!(!logs.to_string().contains("amazonlinux"));
    }
}
