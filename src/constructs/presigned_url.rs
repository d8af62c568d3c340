//! Entry to a VpcOnly Studio domain through a presigned URL issued from inside the VPC.
//!
//! The issuing role may describe the domain and create presigned URLs for its user
//! profiles only when the request arrives through the sagemaker.api or the studio
//! endpoint. IAM evaluates that policy on every request of the Studio session, so a URL
//! opened outside the VPC is refused (403).
//!
//! The grant names the domain's user profiles by one ARN pattern,
//! `user-profile/<domain id>/*`, not profile by profile. Least privilege is kept where it
//! matters: the domain is this stack's own IAM-mode domain, its profiles come only from
//! the definition (no role of the stack may create user profiles), and whoever can use
//! the issuing role could open every listed profile anyway, so a list would separate no
//! one. A list would grow by one ARN per user and break IAM's 6,144-character quota on
//! managed policies at about a hundred users; it would make the policy change (and wait
//! for every profile) whenever a user is added, and it cannot name profiles that live in
//! nested stacks (`split: nested`). What the pattern admits beyond the list: a profile an
//! administrator creates in this domain outside the stack.

use crate::resources::iam::policy::{Condition, PolicyDocument, keys};
use crate::resources::iam::{ManagedPolicy, Role};
use crate::sub;
use crate::template::{Handle, Output, Pseudo, Value};

use super::ConstructError;
use super::grants::sagemaker::UserProfiles;
use super::network::{EndpointService, PrivateNetwork};
use super::scope::Scope;
use super::studio::StudioDomain;

/// CreatePresignedDomainUrl's limits: the URL lives 5–300 s (default 300); the session
/// 1,800–43,200 s (default 43,200).
pub const EXPIRES_IN_SECONDS: (u32, u32) = (5, 300);
/// The session's limits (minimum, maximum), in seconds: see [`EXPIRES_IN_SECONDS`].
pub const SESSION_EXPIRATION_SECONDS: (u32, u32) = (1800, 43200);

/// The lifetimes written into each user's presigned-URL command (defaults: the maximums).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresignedUrlProps {
    /// How long the URL can be used to sign in (`--expires-in-seconds`).
    pub expires_in_seconds: u32,
    /// How long the Studio session it opens lasts (`--session-expiration-duration-in-seconds`).
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

/// Grants `issuer` the presigned-URL permission for the domain's user profiles (when the
/// domain has users: `has_users`), as the managed policy `<id>Policy` in the scope
/// (`PresignedUrlPolicy` in the shipped stacks). The per-user outputs come from
/// [`user_outputs`], in whichever template holds the profiles.
pub fn new(
    scope: &mut Scope,
    id: &str,
    network: &PrivateNetwork,
    studio: &StudioDomain,
    issuer: &Handle<Role>,
    has_users: bool,
) -> Result<Handle<ManagedPolicy>, ConstructError> {
    // A missing endpoint is left out here and reported by the rule pack
    // (ENV-STUDIO-ENDPOINTS, ENV-PRESIGNED-THROUGH-ENDPOINTS), which judges the template.
    let endpoint_ids: Vec<Value> = REQUIRED_ENDPOINTS
        .into_iter()
        .filter_map(|service| network.endpoint(service).map(|e| e.id()))
        .collect();
    // aws:SourceVpce is single-valued: StringEquals with a list, never ForAnyValue.
    let through_endpoints = Condition::string_equals(keys::SOURCE_VPCE, endpoint_ids);

    let mut policy = PolicyDocument::new();
    studio
        .domain
        .grant_describe()
        .sid("DescribeDomainThroughEndpoints")
        .condition(through_endpoints.clone())
        .to(&mut policy)?;
    if has_users {
        studio
            .domain
            .grant_presigned_url(&UserProfiles::All)
            .sid("PresignedUrlThroughEndpoints")
            .condition(through_endpoints)
            .to(&mut policy)?;
    }
    scope.child(id).add(
        "Policy",
        ManagedPolicy::builder()
            .description("Presigned Studio URLs for this domain's users, from inside the VPC only")
            .roles(issuer.name())
            .policy_document(policy)
            .build()?,
    )
}

/// Adds, per user, an output with the exact CLI command to run on the bastion.
/// `domain_id` is the domain's ID as this template knows it (an attribute of the domain,
/// or a parameter of a nested stack).
pub fn user_outputs<'a>(
    scope: &mut Scope,
    domain_id: &Value,
    users: impl IntoIterator<Item = &'a str>,
    props: &PresignedUrlProps,
) -> Result<(), ConstructError> {
    for user in users {
        scope.add_output(
            &["PresignedUrlCommand", user],
            Output::new(presigned_url_command(domain_id, user, props))
                .description(&format!("Run on the bastion to open Studio as {user}")),
        )?;
    }
    Ok(())
}

/// `aws sagemaker create-presigned-domain-url …` for one user, with the domain ID and
/// region filled in by CloudFormation.
fn presigned_url_command(domain_id: &Value, user: &str, props: &PresignedUrlProps) -> Value {
    sub![
        "aws sagemaker create-presigned-domain-url --region ",
        Pseudo::Region,
        " --domain-id ",
        domain_id.clone(),
        format!(
            " --user-profile-name {user} --expires-in-seconds {} --session-expiration-duration-in-seconds {} --query AuthorizedUrl --output text",
            props.expires_in_seconds, props.session_expiration_seconds
        )
    ]
}
