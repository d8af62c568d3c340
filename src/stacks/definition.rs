//! The stack-definition format: what a user writes in `stacks/NAME.yaml`. Every struct
//! rejects unknown fields; values that have rules (CIDRs, names, endpoint names) are
//! checked while parsing, so the error points at the value.

use std::fmt;

use indexmap::IndexMap;
use ipnet::Ipv4Net;
use serde::Deserialize;

use crate::constructs::bastion::BastionOs;
use crate::constructs::network::EndpointService;
use crate::diagnostic::did_you_mean;
use crate::resources::sagemaker;

/// A whole stack definition: optional components, composed in `compose`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StackDefinition {
    /// The template's Description (≤ 1,024 bytes).
    pub description: Option<String>,
    pub network: Option<NetworkSpec>,
    pub studio: Option<StudioSpec>,
    pub bastion: Option<BastionSpec>,
    pub presigned_url: Option<PresignedUrlSpec>,
    pub notebooks: Option<NotebooksSpec>,
    /// Secure S3 buckets by name (logging into one shared access-log bucket).
    #[serde(default)]
    pub buckets: IndexMap<BucketKey, BucketSpec>,
    /// Teams by name: each gets a notebook with a role holding exactly its bucket
    /// access, an IAM group that may use only that notebook, and its users.
    #[serde(default)]
    pub teams: IndexMap<TeamName, TeamSpec>,
    /// The IAM Identity Center instance an SSO domain uses.
    pub identity_center: Option<IdentityCenterSpec>,
    /// Identity Center groups by display name, each with its Studio execution role.
    #[serde(default)]
    pub groups: IndexMap<GroupName, GroupSpec>,
    /// Automatic Studio user profiles from group membership (SSO domains).
    pub onboarding: Option<OnboardingSpec>,
    /// Studio accounts by name (multi-account): each gets the environment from one member
    /// template; its groups' users get profiles there. Makes the definition produce a
    /// central template (this account) and a member template (every Studio account).
    #[serde(default)]
    pub accounts: IndexMap<AccountKey, AccountSpec>,
    /// Where the member template is rolled out with a service-managed StackSet.
    pub rollout: Option<RolloutSpec>,
    /// Rules silenced for one resource each, with the reason a reviewer reads.
    #[serde(default)]
    pub suppressions: Vec<Suppression>,
    /// Warning rules this stack treats as errors.
    #[serde(default)]
    pub escalate: Vec<String>,
    /// `nested`: Studio user profiles go into nested stacks of 100, so that a domain
    /// may have more users than one template holds. Default `none`: one template.
    #[serde(default)]
    pub split: SplitMode,
}

/// How a definition's template is split.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SplitMode {
    /// One template.
    #[default]
    None,
    /// Studio user profiles (and their outputs) in nested stacks.
    Nested,
}

/// Silences one rule on one resource. The reason is recorded in the resource's Metadata
/// (and for cfn-lint and checkov where they have the same check).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// A rule id, as `synth rules` lists them.
    pub rule: String,
    /// A logical ID of the template, or a name in this definition (a user, an endpoint,
    /// or a component: `network` → the VPC, `studio` → the domain, `bastion` → the
    /// instance, `presigned_url` → its policy).
    pub resource: String,
    /// Why this is acceptable, in at least one full sentence.
    pub reason: String,
}

/// The private network component.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// The VPC's IPv4 range, /16 to /24.
    pub cidr: VpcCidr,
    /// How many AZs get a private subnet (2–6; Studio needs at least two).
    #[serde(default = "default_availability_zones")]
    pub availability_zones: AzCount,
    /// Prefix length of each subnet; defaults to the VPC's plus 4 (at most /28).
    pub subnet_prefix_length: Option<u8>,
    /// VPC endpoints by short name; the default is every endpoint Studio and Session
    /// Manager need.
    #[serde(default = "default_endpoints")]
    pub endpoints: Vec<EndpointName>,
    /// Log all VPC traffic to CloudWatch Logs (default true).
    #[serde(default = "default_true")]
    pub flow_logs: bool,
    /// How long flow logs are kept, in days (a CloudWatch Logs retention value; default 365).
    #[serde(default = "default_flow_log_retention")]
    pub flow_log_retention_days: RetentionDays,
}

/// The Studio domain component.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StudioSpec {
    /// The domain name; defaults to the stack's name.
    pub domain_name: Option<SageMakerName>,
    /// How users sign in. `iam`: user profiles are opened through presigned URLs.
    #[serde(default)]
    pub auth: AuthMode,
    /// One user profile per entry.
    #[serde(default)]
    pub users: Vec<SageMakerName>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    #[default]
    Iam,
    /// IAM Identity Center; user profiles come from the `onboarding` component.
    Sso,
}

/// The bastion component.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BastionSpec {
    #[serde(default)]
    pub os: OsName,
    #[serde(default = "default_instance_type")]
    pub instance_type: InstanceType,
    /// Root volume size in GiB; defaults to 50 (Windows) or 20 (Linux).
    pub root_volume_gb: Option<u32>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OsName {
    #[default]
    Windows,
    Linux,
}

impl From<OsName> for BastionOs {
    fn from(os: OsName) -> Self {
        match os {
            OsName::Windows => BastionOs::Windows,
            OsName::Linux => BastionOs::Linux,
        }
    }
}

/// The notebooks component: notebook instances sharing one execution role.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotebooksSpec {
    /// The shared execution role's fixed name and path.
    pub role: RoleSpec,
    /// Give each notebook its own identity in CloudTrail (default true): a lifecycle
    /// configuration makes its default profile assume the role with its own name.
    #[serde(default = "default_true")]
    pub identity_per_instance: bool,
    /// Notebook instances by name.
    pub instances: IndexMap<SageMakerName, NotebookSpec>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    pub name: IamName,
    #[serde(default = "default_path")]
    pub path: IamPath,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotebookSpec {
    #[serde(default = "default_notebook_type")]
    pub instance_type: NotebookInstanceType,
    /// ML storage volume size in GiB (5-16384; default 20).
    #[serde(default = "default_notebook_volume")]
    pub volume_size_gb: u32,
}

fn default_path() -> IamPath {
    IamPath("/".to_string())
}
fn default_notebook_type() -> NotebookInstanceType {
    NotebookInstanceType("ml.t3.medium".to_string())
}
fn default_notebook_volume() -> u32 {
    20
}

/// An IAM role or user name: 1-64 of letters, digits and `+=,.@_-`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct IamName(pub String);

impl TryFrom<String> for IamName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if valid {
            Ok(IamName(name))
        } else {
            Err(format!(
                "`{name}` is not a valid IAM name: 1 to 64 letters, digits and +=,.@_-"
            ))
        }
    }
}

/// An IAM path: `/` or `/segment/…/`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct IamPath(pub String);

impl TryFrom<String> for IamPath {
    type Error = String;
    fn try_from(path: String) -> Result<Self, String> {
        let valid = path == "/"
            || (path.len() <= 512
                && path.starts_with('/')
                && path.ends_with('/')
                && !path.contains("//")
                && path
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/+=,.@_-".contains(c)));
        if valid {
            Ok(IamPath(path))
        } else {
            Err(format!(
                "`{path}` is not a valid IAM path: `/` or `/segment/…/` (letters, digits and +=,.@_-)"
            ))
        }
    }
}

/// A SageMaker notebook instance type such as `ml.t3.medium`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct NotebookInstanceType(pub String);

impl TryFrom<String> for NotebookInstanceType {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        match text
            .strip_prefix("ml.")
            .map(|rest| InstanceType::try_from(rest.to_string()))
        {
            Some(Ok(_)) => Ok(NotebookInstanceType(text)),
            _ => Err(format!(
                "`{text}` is not a notebook instance type; expected ml.family.size such as ml.t3.medium"
            )),
        }
    }
}

/// A secure bucket.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BucketSpec {
    /// Keep the bucket (and its key) when the stack is deleted or the bucket replaced.
    #[serde(default)]
    pub retain: bool,
    /// Days before a noncurrent object version is deleted (default 90).
    #[serde(default = "default_noncurrent_days")]
    pub noncurrent_version_days: u32,
    /// An explicit, globally unique bucket name; by default CloudFormation names it.
    pub bucket_name: Option<String>,
}

fn default_noncurrent_days() -> u32 {
    crate::constructs::secure_bucket::DEFAULT_NONCURRENT_VERSION_DAYS
}

/// A bucket's name in the definition (`raw-data`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct BucketKey(pub String);

impl TryFrom<String> for BucketKey {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        crate::constructs::secure_bucket::check_logical_name(&name)?;
        Ok(BucketKey(name))
    }
}

impl fmt::Display for BucketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A team's name: lower-case letters, digits and hyphens (it names a notebook).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct TeamName(pub String);

/// A short lower-case name that becomes part of resource names (a team's notebook, an
/// account's entries): 1 to 32 lower-case letters, digits and hyphens, as SageMaker allows.
fn short_lower_case_name(name: String, what: &str) -> Result<String, String> {
    let valid = name.len() <= 32
        && sagemaker::is_valid_name(&name)
        && !name.bytes().any(|b| b.is_ascii_uppercase());
    if valid {
        Ok(name)
    } else {
        Err(format!(
            "`{name}` is not a valid {what} name: 1 to 32 lower-case letters, digits and hyphens"
        ))
    }
}

impl TryFrom<String> for TeamName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        short_lower_case_name(name, "team").map(TeamName)
    }
}

impl fmt::Display for TeamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One team.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TeamSpec {
    /// The team's notebook instance (named `<stack>-<team>`).
    #[serde(default = "default_notebook")]
    pub notebook: NotebookSpec,
    /// What the team's notebook may do with each bucket.
    #[serde(default)]
    pub access: IndexMap<BucketKey, Vec<AccessLevel>>,
    /// IAM users of the team: a name, or `{ name: …, console_access: true }`. No access
    /// keys are created; a console password only with `console_access`.
    #[serde(default)]
    pub users: Vec<UserSpec>,
}

/// A team user: `eng-bob`, or `{ name: eng-bob, console_access: true }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSpec {
    pub name: IamName,
    pub console_access: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserMap {
    name: IamName,
    #[serde(default)]
    console_access: bool,
}

impl<'de> Deserialize<'de> for UserSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = UserSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a user name, or a mapping with `name` and `console_access`")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<UserSpec, E> {
                Ok(UserSpec {
                    name: IamName::try_from(name.to_string()).map_err(E::custom)?,
                    console_access: false,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<UserSpec, A::Error> {
                let m = UserMap::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(UserSpec {
                    name: m.name,
                    console_access: m.console_access,
                })
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

fn default_notebook() -> NotebookSpec {
    NotebookSpec {
        instance_type: default_notebook_type(),
        volume_size_gb: default_notebook_volume(),
    }
}

/// An access level of the bucket grants.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum AccessLevel {
    Read,
    Write,
    Delete,
    List,
}

impl From<AccessLevel> for crate::constructs::secure_bucket::Access {
    fn from(level: AccessLevel) -> Self {
        use crate::constructs::secure_bucket::Access;
        match level {
            AccessLevel::Read => Access::Read,
            AccessLevel::Write => Access::Write,
            AccessLevel::Delete => Access::Delete,
            AccessLevel::List => Access::List,
        }
    }
}

/// The IAM Identity Center component.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IdentityCenterSpec {
    /// The identity store id (`d-1234567890`); becomes the default of the template
    /// parameter `IdentityStoreId`.
    pub identity_store_id: IdentityStoreId,
}

/// An identity store id.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct IdentityStoreId(pub String);

/// The pattern AWS documents for identity store ids.
pub const IDENTITY_STORE_ID_PATTERN: &str =
    "^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, p)| {
            p.len() == *n
                && p.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

impl TryFrom<String> for IdentityStoreId {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        let short = id.strip_prefix("d-").is_some_and(|rest| {
            rest.len() == 10
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if short || is_uuid(&id) {
            Ok(IdentityStoreId(id))
        } else {
            Err(format!(
                "`{id}` is not an identity store id such as d-1234567890"
            ))
        }
    }
}

/// An Identity Center group's display name, as synced from the directory.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct GroupName(pub String);

impl TryFrom<String> for GroupName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        let valid = !name.is_empty()
            && name.len() <= 128
            && name.chars().any(|c| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " ._-@".contains(c));
        if valid {
            Ok(GroupName(name))
        } else {
            Err(format!(
                "`{name}` is not a supported group name: 1 to 128 letters, digits, spaces and ._-@"
            ))
        }
    }
}

impl fmt::Display for GroupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One Identity Center group.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// The Identity Store group id; when given, the group is assigned to the domain's
    /// Identity Center application by the stack.
    pub group_id: Option<GroupId>,
    #[serde(default)]
    pub grants: GrantsSpec,
}

/// What a group's execution role may do beyond the Studio baseline.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GrantsSpec {
    #[serde(default)]
    pub buckets: IndexMap<BucketKey, Vec<AccessLevel>>,
}

/// An Identity Store group id (a UUID, optionally prefixed with 10 hex digits and `-`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct GroupId(pub String);

impl TryFrom<String> for GroupId {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        let lower = id.to_ascii_lowercase();
        let uuid = match lower.split_once('-') {
            Some((prefix, rest)) if prefix.len() == 10 && is_uuid(rest) => true,
            _ => is_uuid(&lower),
        };
        if uuid {
            Ok(GroupId(id))
        } else {
            Err(format!(
                "`{id}` is not an Identity Store group id (a UUID, e.g. 9a6749d5-1234-4abc-8def-0123456789ab)"
            ))
        }
    }
}

/// The onboarding component.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OnboardingSpec {
    /// `inline` (the functions' configuration) or `dynamodb` (a table admins edit).
    #[serde(default)]
    pub mapping: MappingMode,
    /// How long offboarding waits for a user's apps to be deleted (60-840 s; default 600).
    #[serde(default = "default_app_timeout")]
    pub app_delete_timeout_seconds: u32,
    /// `existing` (default): a trail in this account and region already logs management
    /// events. `create`: the stack adds one (multi-region, validated, its own bucket).
    #[serde(default)]
    pub trail: TrailMode,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TrailMode {
    #[default]
    Existing,
    Create,
}

fn default_app_timeout() -> u32 {
    600
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MappingMode {
    #[default]
    Inline,
    Dynamodb,
}

/// The presigned-URL component: how long a URL and a session last.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PresignedUrlSpec {
    #[serde(default = "default_expires")]
    pub expires_in_seconds: u32,
    #[serde(default = "default_session")]
    pub session_expiration_seconds: u32,
}

fn default_true() -> bool {
    true
}
fn default_flow_log_retention() -> RetentionDays {
    RetentionDays(365)
}
fn default_availability_zones() -> AzCount {
    AzCount(2)
}
fn default_endpoints() -> Vec<EndpointName> {
    [
        EndpointService::S3,
        EndpointService::SagemakerApi,
        EndpointService::SagemakerRuntime,
        EndpointService::Studio,
        EndpointService::Sts,
        EndpointService::Logs,
        EndpointService::Ssm,
        EndpointService::SsmMessages,
        EndpointService::Ec2Messages,
    ]
    .into_iter()
    .map(EndpointName)
    .collect()
}
fn default_instance_type() -> InstanceType {
    InstanceType("t3.medium".to_string())
}
fn default_expires() -> u32 {
    crate::constructs::presigned_url::EXPIRES_IN_SECONDS.1
}
fn default_session() -> u32 {
    crate::constructs::presigned_url::SESSION_EXPIRATION_SECONDS.1
}

/// A VPC CIDR: a network address (no host bits) with a prefix AWS accepts for a VPC.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct VpcCidr(pub Ipv4Net);

impl TryFrom<String> for VpcCidr {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let address = text.split('/').next().unwrap_or("");
        if address
            .split('.')
            .any(|octet| octet.len() > 1 && octet.starts_with('0'))
        {
            let cleaned: Vec<String> = address
                .split('.')
                .map(|o| o.trim_start_matches('0').to_string())
                .map(|o| if o.is_empty() { "0".to_string() } else { o })
                .collect();
            let prefix = text
                .split_once('/')
                .map_or(String::new(), |(_, p)| format!("/{p}"));
            return Err(format!(
                "`{text}` has leading zeros, which some tools read as octal; did you mean `{}{prefix}`?",
                cleaned.join(".")
            ));
        }
        let net: Ipv4Net = text.parse().map_err(|_| {
            format!("`{text}` is not an IPv4 CIDR block; expected a network address and prefix such as 10.20.0.0/16")
        })?;
        if net.network() != net.addr() {
            return Err(format!(
                "`{text}` has host bits set; did you mean `{}`?",
                net.trunc()
            ));
        }
        if !(16..=24).contains(&net.prefix_len()) {
            return Err(format!(
                "`{text}` has a /{} prefix; a VPC takes /16 to /24 here (/24 leaves room for two /28 subnets at most)",
                net.prefix_len()
            ));
        }
        Ok(VpcCidr(net))
    }
}

/// A retention period CloudWatch Logs accepts.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "u16")]
pub struct RetentionDays(pub u16);

impl TryFrom<u16> for RetentionDays {
    type Error = String;
    fn try_from(days: u16) -> Result<Self, String> {
        use crate::constructs::network::LOG_RETENTION_DAYS;
        if LOG_RETENTION_DAYS.contains(&days) {
            return Ok(RetentionDays(days));
        }
        let closest = LOG_RETENTION_DAYS
            .iter()
            .min_by_key(|d| d.abs_diff(days))
            .copied()
            .unwrap_or(365);
        Err(format!(
            "{days} days is not a CloudWatch Logs retention period; the closest is {closest} (allowed: {})",
            LOG_RETENTION_DAYS.map(|d| d.to_string()).join(", ")
        ))
    }
}

/// Number of AZs with a private subnet.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "u8")]
pub struct AzCount(pub u8);

impl TryFrom<u8> for AzCount {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        if (2..=6).contains(&n) {
            Ok(AzCount(n))
        } else {
            Err(format!(
                "{n} availability zones: expected 2 to 6 (Studio needs subnets in at least two AZs)"
            ))
        }
    }
}

/// An endpoint by short name.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct EndpointName(pub EndpointService);

impl TryFrom<String> for EndpointName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        if let Some(service) = EndpointService::from_short_name(&name) {
            return Ok(EndpointName(service));
        }
        let known: Vec<&str> = EndpointService::ALL
            .iter()
            .map(|s| s.short_name())
            .collect();
        let mut message = format!("unknown endpoint `{name}`");
        if let Some(close) = did_you_mean(&name, known.iter().copied()) {
            message.push_str(&format!("; did you mean `{close}`?"));
        }
        message.push_str(&format!(" (known: {})", known.join(", ")));
        Err(message)
    }
}

/// A name that follows SageMaker's rule for domains, user profiles and notebook instances.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct SageMakerName(pub String);

impl TryFrom<String> for SageMakerName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        if sagemaker::is_valid_name(&name) {
            return Ok(SageMakerName(name));
        }
        let suggestion: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .trim_matches('-')
            .chars()
            .take(63)
            .collect();
        let mut message = format!(
            "`{name}` is not a valid SageMaker name: 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit (pattern {})",
            sagemaker::NAME_PATTERN
        );
        if sagemaker::is_valid_name(&suggestion) {
            message.push_str(&format!("; for example `{suggestion}`"));
        }
        Err(message)
    }
}

impl fmt::Display for SageMakerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An EC2 instance type such as `t3.medium`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct InstanceType(pub String);

impl TryFrom<String> for InstanceType {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let valid = text.split_once('.').is_some_and(|(family, size)| {
            family.starts_with(|c: char| c.is_ascii_lowercase())
                && !size.is_empty()
                && family
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && size
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if valid {
            Ok(InstanceType(text))
        } else {
            Err(format!(
                "`{text}` is not an EC2 instance type; expected family.size such as t3.medium"
            ))
        }
    }
}

/// Names of the top-level components, for suggestions.
pub const COMPONENTS: [&str; 5] = [
    "description",
    "network",
    "studio",
    "bastion",
    "presigned_url",
];

/// A Studio account's name in the definition: lower-case letters, digits and hyphens.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct AccountKey(pub String);

impl TryFrom<String> for AccountKey {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        short_lower_case_name(name, "account").map(AccountKey)
    }
}

impl fmt::Display for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One Studio account: its id and the Identity Center groups whose users work there.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    pub account_id: AccountId,
    /// Groups by display name, in precedence order within this account: a user in two
    /// of them gets the first one's execution role here.
    #[serde(default)]
    pub groups: IndexMap<GroupName, GroupSpec>,
}

/// A 12-digit AWS account id (the definition's text is kept as written, leading zeros too).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct AccountId(pub String);

impl TryFrom<String> for AccountId {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(id))
        } else {
            Err(format!(
                "`{id}` is not an AWS account id: 12 digits, such as \"111111111111\""
            ))
        }
    }
}

/// The StackSet rollout of the member template.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RolloutSpec {
    /// Organizational units (or the root, `r-…`) whose accounts get the member stack.
    pub organizational_units: Vec<OrganizationalUnitId>,
    /// Regions each account gets the environment in.
    pub regions: Vec<RegionName>,
    /// The organization id (`o-…`): when given, the member provisioning role also
    /// requires the caller to be in this organization (`aws:PrincipalOrgID`).
    pub organization_id: Option<OrganizationId>,
    /// How many accounts StackSets changes at once, in percent of the targets (1-100).
    #[serde(default = "default_max_concurrent")]
    pub max_concurrent_percentage: u8,
    /// How many accounts may fail, in percent, before StackSets stops (0-100; default 0:
    /// stop at the first failure).
    #[serde(default)]
    pub failure_tolerance_percentage: u8,
    /// Whether this account is the organization's management account (`self`) or a
    /// delegated administrator for StackSets (`delegated_admin`).
    #[serde(default)]
    pub call_as: CallAs,
}

fn default_max_concurrent() -> u8 {
    25
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CallAs {
    #[default]
    #[serde(rename = "self")]
    Myself,
    DelegatedAdmin,
}

/// An organizational unit id (`ou-ab12-cdef3456`) or the organization root (`r-ab12`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct OrganizationalUnitId(pub String);

fn lower_alnum(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

impl TryFrom<String> for OrganizationalUnitId {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        // The patterns AWS Organizations documents: ^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$ and
        // ^r-[0-9a-z]{4,32}$.
        let valid = match id.strip_prefix("ou-").map(|rest| rest.split_once('-')) {
            Some(Some((root, unit))) => lower_alnum(root, 4, 32) && lower_alnum(unit, 8, 32),
            Some(None) => false,
            None => id.strip_prefix("r-").is_some_and(|r| lower_alnum(r, 4, 32)),
        };
        if valid {
            Ok(OrganizationalUnitId(id))
        } else {
            Err(format!(
                "`{id}` is not an organizational unit id (ou-ab12-cdef3456) or a root id (r-ab12)"
            ))
        }
    }
}

/// An organization id (`o-` and 10 to 32 lower-case letters or digits).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct OrganizationId(pub String);

impl TryFrom<String> for OrganizationId {
    type Error = String;
    fn try_from(id: String) -> Result<Self, String> {
        if id
            .strip_prefix("o-")
            .is_some_and(|r| lower_alnum(r, 10, 32))
        {
            Ok(OrganizationId(id))
        } else {
            Err(format!(
                "`{id}` is not an organization id (o- and 10 to 32 lower-case letters or digits)"
            ))
        }
    }
}

/// An AWS Region name such as `eu-west-1` or `us-gov-west-1`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(try_from = "String")]
pub struct RegionName(pub String);

impl TryFrom<String> for RegionName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        let parts: Vec<&str> = name.split('-').collect();
        let valid = (3..=4).contains(&parts.len())
            && parts[..parts.len() - 1]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts[parts.len() - 1].len() == 1
            && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
            && parts[0].len() == 2;
        if valid {
            Ok(RegionName(name))
        } else {
            Err(format!(
                "`{name}` is not an AWS Region name such as eu-west-1"
            ))
        }
    }
}

impl fmt::Display for RegionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StackDefinition {
    /// Every Identity Center group with its definition path: the single-account `groups`,
    /// then each account's, in definition order.
    pub fn all_groups(&self) -> Vec<(String, &GroupName, &GroupSpec)> {
        let mut all: Vec<(String, &GroupName, &GroupSpec)> = self
            .groups
            .iter()
            .map(|(g, s)| (format!("groups.{g}"), g, s))
            .collect();
        for (account, spec) in &self.accounts {
            for (g, s) in &spec.groups {
                all.push((format!("accounts.{account}.groups.{g}"), g, s));
            }
        }
        all
    }
}
