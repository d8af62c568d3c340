//! Entry to a VpcOnly Studio domain through a presigned URL created inside the VPC.
//!
//! A presigned URL opens Studio as its user profile, so whoever may create one for a
//! profile may act as that person. By default ([`Issuer::People`]) the policy is for
//! people: each IAM user may create URLs only for the profile that has the user's own
//! name (`user-profile/<domain id>/${aws:username}`), and CloudTrail records the person.
//! `aws:username` exists only for IAM users, so the policy gives a role, an instance
//! profile or a federated session nothing, even if it is attached to one by mistake.
//! [`Issuer::Bastion`] is the source document's flow, kept as an explicit choice: the
//! bastion's instance role may create URLs for every profile of the domain, so anyone
//! with a session on the bastion (or any process on it) can open Studio as anyone, and
//! CloudTrail shows only the instance (rule `SM-PRESIGNED-OWN-PROFILE` warns).
//!
//! Either way the calls are allowed only through the sagemaker.api or the studio endpoint
//! (`aws:SourceVpce`). IAM evaluates that policy on every request of the Studio session,
//! so a URL opened outside the VPC is refused (403).
//!
//! The bastion's grant names the profiles by one pattern, `user-profile/<domain id>/*`:
//! whoever can use a shared role could open every listed profile anyway, so a list would
//! separate no one, while it would break IAM's 6,144-character quota on managed policies
//! at about a hundred users and could not name profiles in nested stacks.

use crate::resources::iam::policy::{Condition, PolicyDocument, Statement, keys};
use crate::resources::iam::{ManagedPolicy, Role};
use crate::resources::{arn, sagemaker};
use crate::sub;
use crate::template::{Handle, Output, Pseudo, SubPart, Value};

use super::ConstructError;
use super::bastion::BastionOs;
use super::grants::sagemaker::UserProfiles;
use super::network::{EndpointService, PrivateNetwork};
use super::scope::Scope;
use super::studio::StudioDomain;

/// CreatePresignedDomainUrl's limits: the URL lives 5–300 s (default 300); the session
/// 1,800–43,200 s (default 43,200).
pub const EXPIRES_IN_SECONDS: (u32, u32) = (5, 300);
/// The session's limits (minimum, maximum), in seconds: see [`EXPIRES_IN_SECONDS`].
pub const SESSION_EXPIRATION_SECONDS: (u32, u32) = (1800, 43200);

/// Who creates the presigned URLs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Issuer {
    /// Each person, with their own IAM user's credentials, for their own profile only.
    #[default]
    People,
    /// The bastion's instance role, for every profile of the domain (the source
    /// document's flow: anyone on the bastion can open Studio as anyone).
    Bastion,
}

/// The command-line tool the bastion has, which the per-user commands are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    /// The AWS Tools for PowerShell: the AWS Windows AMIs ship them, not the AWS CLI
    /// (Amazon EC2 documentation, "Managed AWS Windows AMIs": EC2Launch, Systems Manager,
    /// CloudFormation helpers, the AWS Tools for Windows PowerShell, drivers), and the
    /// bastion has no internet to install anything.
    PowerShell,
    /// The AWS CLI, as on Amazon Linux.
    AwsCli,
}

impl From<BastionOs> for Shell {
    fn from(os: BastionOs) -> Shell {
        match os {
            BastionOs::Windows => Shell::PowerShell,
            BastionOs::Linux => Shell::AwsCli,
        }
    }
}

/// The lifetimes and tool written into each user's presigned-URL command (defaults: the
/// maximum lifetimes, people's own credentials, PowerShell as on the Windows bastion).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresignedUrlProps {
    /// How long the URL can be used to sign in (`--expires-in-seconds`).
    pub expires_in_seconds: u32,
    /// How long the Studio session it opens lasts (`--session-expiration-duration-in-seconds`).
    pub session_expiration_seconds: u32,
    /// Whose credentials the command runs with.
    pub issuer: Issuer,
    /// The tool the command is written for.
    pub shell: Shell,
}

impl Default for PresignedUrlProps {
    fn default() -> Self {
        PresignedUrlProps {
            expires_in_seconds: EXPIRES_IN_SECONDS.1,
            session_expiration_seconds: SESSION_EXPIRATION_SECONDS.1,
            issuer: Issuer::People,
            shell: Shell::PowerShell,
        }
    }
}

/// The endpoints the presigned-URL flow must go through.
pub const REQUIRED_ENDPOINTS: [EndpointService; 2] =
    [EndpointService::SagemakerApi, EndpointService::Studio];

/// The domain's profiles as the presigned-URL policy sees them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Profiles<'a> {
    /// Whether the domain has profiles at all: [`Issuer::Bastion`] is granted URLs only then.
    pub any: bool,
    /// Profiles of users being offboarded: a Deny of the same action on each, whoever
    /// issues. A Deny rather than a narrower grant, because neither grant names
    /// profiles one by one (`${aws:username}`, `*`), and an explicit Deny in the policy
    /// that grants is what a reviewer reads as "closed".
    pub offboarded: &'a [String],
}

/// The managed policy `<id>Policy` in the scope (`PresignedUrlPolicy` in the shipped
/// stacks). With [`Issuer::People`] it is attached to no one (an administrator
/// attaches it to the people's IAM users or their group; output `PresignedUrlPolicyArn`)
/// and `bastion_role` gets nothing; with [`Issuer::Bastion`] it is attached to
/// `bastion_role`, and grants URLs only when the domain has users. Either way the
/// profiles of users being offboarded are denied ([`Profiles::offboarded`]). The
/// per-user commands come from [`user_outputs`], in whichever template holds the profiles.
pub fn new(
    scope: &mut Scope,
    id: &str,
    network: &PrivateNetwork,
    studio: &StudioDomain,
    issuer: Issuer,
    bastion_role: &Handle<Role>,
    profiles: &Profiles<'_>,
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
    let builder = match issuer {
        Issuer::People => {
            // Names no profile of the definition, so it holds with or without them.
            studio
                .domain
                .grant_presigned_url(&UserProfiles::Caller)
                .sid("OwnProfileThroughEndpoints")
                .condition(through_endpoints)
                .to(&mut policy)?;
            ManagedPolicy::builder().description(
                "Presigned Studio URLs, each IAM user for the own profile (same name) only, from inside the VPC only",
            )
        }
        Issuer::Bastion => {
            studio
                .domain
                .grant_describe()
                .sid("DescribeDomainThroughEndpoints")
                .condition(through_endpoints.clone())
                .to(&mut policy)?;
            if profiles.any {
                studio
                    .domain
                    .grant_presigned_url(&UserProfiles::All)
                    .sid("PresignedUrlThroughEndpoints")
                    .condition(through_endpoints)
                    .to(&mut policy)?;
            }
            ManagedPolicy::builder()
                .description(
                    "Presigned Studio URLs for this domain's users, from inside the VPC only",
                )
                .roles(bastion_role.name())
        }
    };
    if !profiles.offboarded.is_empty() {
        policy = policy.statement(deny_offboarded(
            &studio.domain.domain_id(),
            profiles.offboarded,
        ));
    }
    scope
        .child(id)
        .add("Policy", builder.policy_document(policy).build()?)
}

/// `sagemaker:CreatePresignedDomainUrl` denied on each offboarded profile, by its ARN
/// (`user-profile/<domain id>/<name>`, lower-cased as SageMaker authorizes it; see
/// `grants::sagemaker`). No condition: from any network, for any caller holding this
/// policy.
fn deny_offboarded(domain_id: &Value, users: &[String]) -> Statement {
    Statement::deny()
        .sid("NoUrlForOffboardedProfiles")
        .actions([&sagemaker::actions::CREATE_PRESIGNED_DOMAIN_URL])
        .resources(users.iter().map(|user| {
            arn::regional(
                "sagemaker",
                [
                    SubPart::from("user-profile/"),
                    SubPart::from(domain_id.clone()),
                    SubPart::from(format!("/{}", user.to_ascii_lowercase())),
                ],
            )
        }))
}

/// Adds, per user, an output with the exact command to run on the bastion.
/// `domain_id` is the domain's ID as this template knows it (an attribute of the domain,
/// or a parameter of a nested stack).
pub fn user_outputs<'a>(
    scope: &mut Scope,
    domain_id: &Value,
    users: impl IntoIterator<Item = &'a str>,
    props: &PresignedUrlProps,
) -> Result<(), ConstructError> {
    // The same for every user but the profile name.
    let text = CommandText::new(props);
    for user in users {
        // Joined rather than formatted: a `format!` a user was 1 % of a 1,000-user run.
        let description = match (props.issuer, props.shell) {
            (Issuer::People, Shell::PowerShell) => [
                "Run on the bastion as ",
                user,
                ", in a PowerShell window after Set-AWSCredential with your own temporary credentials",
            ]
            .concat(),
            (Issuer::People, Shell::AwsCli) => [
                "Run on the bastion as ",
                user,
                ", in a shell after exporting your own temporary credentials",
            ]
            .concat(),
            (Issuer::Bastion, _) => ["Run on the bastion to open Studio as ", user].concat(),
        };
        let mut options =
            String::with_capacity(text.profile.len() + user.len() + text.after_profile.len());
        options.push_str(text.profile);
        options.push_str(user);
        options.push_str(&text.after_profile);
        let command = sub![
            text.before_region,
            Pseudo::Region,
            text.before_domain,
            domain_id.clone(),
            options
        ];
        scope.add_output(
            &["PresignedUrlCommand", user],
            Output::new(command).description(description),
        )?;
    }
    Ok(())
}

/// The text of the command for one user, with the domain ID and region filled in by
/// CloudFormation: `New-SMPresignedDomainUrl` (which returns the URL as a string) or
/// `aws sagemaker create-presigned-domain-url`.
struct CommandText {
    before_region: &'static str,
    before_domain: &'static str,
    /// The profile-name option, which the user's name follows.
    profile: &'static str,
    after_profile: String,
}

impl CommandText {
    fn new(props: &PresignedUrlProps) -> CommandText {
        match props.shell {
            Shell::PowerShell => CommandText {
                before_region: "New-SMPresignedDomainUrl -Region ",
                before_domain: " -DomainId ",
                profile: " -UserProfileName ",
                after_profile: format!(
                    " -ExpiresInSecond {} -SessionExpirationDurationInSecond {}",
                    props.expires_in_seconds, props.session_expiration_seconds
                ),
            },
            Shell::AwsCli => CommandText {
                before_region: "aws sagemaker create-presigned-domain-url --region ",
                before_domain: " --domain-id ",
                profile: " --user-profile-name ",
                after_profile: format!(
                    " --expires-in-seconds {} --session-expiration-duration-in-seconds {} --query AuthorizedUrl --output text",
                    props.expires_in_seconds, props.session_expiration_seconds
                ),
            },
        }
    }
}
