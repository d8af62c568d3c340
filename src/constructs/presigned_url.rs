//! Entry to a VpcOnly Studio domain through a presigned URL issued from inside the VPC.
//!
//! The issuing role may describe the domain and create presigned URLs for its user
//! profiles only when the request arrives through the sagemaker.api or the studio
//! endpoint. IAM evaluates that policy on every request of the Studio session, so a URL
//! opened outside the VPC is refused (403).

use crate::resources::iam::policy::{Condition, PolicyDocument, Statement, keys};
use crate::resources::iam::{ManagedPolicy, Role};
use crate::resources::sagemaker::actions as sm;
use crate::sub;
use crate::template::{Handle, LogicalId, Output, Pseudo, Template, Value};

use super::network::{EndpointService, PrivateNetwork};
use super::studio::StudioDomain;
use super::{ConstructError, id};

/// CreatePresignedDomainUrl's limits: the URL lives 5–300 s (default 300); the session
/// 1,800–43,200 s (default 43,200).
pub const EXPIRES_IN_SECONDS: (u32, u32) = (5, 300);
pub const SESSION_EXPIRATION_SECONDS: (u32, u32) = (1800, 43200);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresignedUrlProps {
    pub expires_in_seconds: u32,
    pub session_expiration_seconds: u32,
}

impl Default for PresignedUrlProps {
    fn default() -> Self {
        PresignedUrlProps {
            expires_in_seconds: EXPIRES_IN_SECONDS.1,
            session_expiration_seconds: SESSION_EXPIRATION_SECONDS.1,
        }
    }
}

/// The endpoints the presigned-URL flow must go through.
pub const REQUIRED_ENDPOINTS: [EndpointService; 2] =
    [EndpointService::SagemakerApi, EndpointService::Studio];

/// The logical ID of the presigned-URL policy.
pub fn policy_id() -> LogicalId {
    id("PresignedUrlPolicy")
}

/// Grants `issuer` the presigned-URL permission and adds, per user, an output with the
/// exact CLI command to run on the bastion.
pub fn build(
    template: &mut Template,
    network: &PrivateNetwork,
    studio: &StudioDomain,
    issuer: &Handle<Role>,
    props: &PresignedUrlProps,
) -> Result<(), ConstructError> {
    // A missing endpoint is left out here and reported by the rule pack
    // (ENV-STUDIO-ENDPOINTS, ENV-PRESIGNED-THROUGH-ENDPOINTS), which judges the template.
    let endpoint_ids: Vec<Value> = REQUIRED_ENDPOINTS
        .into_iter()
        .filter_map(|service| network.endpoint(service).map(|e| e.id()))
        .collect();
    // aws:SourceVpce is single-valued: StringEquals with a list, never ForAnyValue.
    let through_endpoints = Condition::string_equals(keys::SOURCE_VPCE, endpoint_ids);

    let mut policy = PolicyDocument::new().statement(
        Statement::allow()
            .sid("DescribeDomainThroughEndpoints")
            .actions([&sm::DESCRIBE_DOMAIN])
            .resource(studio.domain.arn())
            .condition(through_endpoints.clone()),
    );
    if !studio.user_profiles.is_empty() {
        policy = policy.statement(
            Statement::allow()
                .sid("PresignedUrlThroughEndpoints")
                .actions([&sm::CREATE_PRESIGNED_DOMAIN_URL])
                .resources(studio.user_profiles.values().map(|p| p.arn()))
                .condition(through_endpoints),
        );
    }
    template.add(
        policy_id(),
        ManagedPolicy::builder()
            .description("Presigned Studio URLs for this domain's users, from inside the VPC only")
            .roles(issuer.name())
            .policy_document(policy)
            .build()?,
    )?;

    for user in studio.user_profiles.keys() {
        template.add_output(
            LogicalId::from_words(&["PresignedUrlCommand", user])?,
            Output::new(presigned_url_command(studio, user, props))
                .description(&format!("Run on the bastion to open Studio as {user}")),
        )?;
    }
    Ok(())
}

/// `aws sagemaker create-presigned-domain-url …` for one user, with the domain ID and
/// region filled in by CloudFormation.
fn presigned_url_command(studio: &StudioDomain, user: &str, props: &PresignedUrlProps) -> Value {
    sub![
        "aws sagemaker create-presigned-domain-url --region ",
        Pseudo::Region,
        " --domain-id ",
        studio.domain.domain_id(),
        format!(
            " --user-profile-name {user} --expires-in-seconds {} --session-expiration-duration-in-seconds {} --query AuthorizedUrl --output text",
            props.expires_in_seconds, props.session_expiration_seconds
        )
    ]
}
