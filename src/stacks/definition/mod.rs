//! The stack-definition format: what a user writes in `stacks/NAME.yaml`, component by
//! component. Every struct rejects unknown fields. The values
//! that have rules of their own (CIDRs, names, ids) are types in `values.rs`, checked
//! while parsing, so the error points at the value.

mod existing;
mod values;

use std::fmt;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::constructs::bastion::BastionOs;
use crate::constructs::network::EndpointService;

pub use existing::{
    Existing, ExistingList, ExistingNetworkSpec, ListParameterSpec, ParameterSpec, RouteTableId,
    SubnetId, VpcId,
};
pub use values::{
    AccessPortalUrl, AccountId, AccountKey, AzCount, BucketKey, EmailAddress, EndpointName,
    GroupId, GroupName, IDENTITY_STORE_ID_PATTERN, IamName, IamPath, IdentityStoreId, InstanceType,
    MlInstanceType, NoncurrentVersionDays, NotebookInstanceType, OrganizationId,
    OrganizationalUnitId, PrincipalArnPattern, RegionName, RepositoryName, RetentionDays,
    SageMakerName, SourceIpRange, StackName, TagKey, TagValue, TeamName, VpcCidr,
};

/// A whole stack definition: optional components, composed in `compose`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StackDefinition {
    /// The name the stack's resources are named after: the Studio domain, the CodeArtifact
    /// domain (unless they name themselves), the team notebooks, the notebook lifecycle
    /// configurations, the StackSet and the multi-account roles and parameters. Changing
    /// any of those names replaces the resource, so it is written here rather than taken
    /// from the file name (the default), which a rename or a copy changes silently.
    pub name: Option<StackName>,
    /// The template's Description (≤ 1,024 bytes).
    pub description: Option<String>,
    /// Tags on every resource that takes tags, in every template the definition produces
    /// (cost allocation: `cost-center`, `owner`, `environment`), in this order after the
    /// tags the constructs set themselves.
    #[serde(default)]
    pub tags: IndexMap<TagKey, TagValue>,
    pub network: Option<NetworkSpec>,
    /// Private package repositories the network's notebooks install from.
    pub packages: Option<PackagesSpec>,
    pub studio: Option<StudioSpec>,
    pub bastion: Option<BastionSpec>,
    pub presigned_url: Option<PresignedUrlSpec>,
    pub notebooks: Option<NotebooksSpec>,
    /// Secure S3 buckets by name (logging into one shared access-log bucket).
    #[serde(default)]
    pub buckets: IndexMap<BucketKey, BucketSpec>,
    /// Who is inside the data perimeter of the buckets and VPC endpoints: this account
    /// (or an organization) and the administrators exempt from the network perimeter.
    #[serde(default)]
    pub perimeter: PerimeterSpec,
    /// Teams by name: each gets a notebook with a role holding exactly its bucket
    /// access, an IAM group that may use only that notebook, and its users.
    #[serde(default)]
    pub teams: IndexMap<TeamName, TeamSpec>,
    /// Where the teams' users may open their notebooks from. Default: only through this
    /// stack's `sagemaker.api` and `notebook` endpoints.
    pub notebook_access: Option<NotebookAccessSpec>,
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

impl StackDefinition {
    /// The name resources are named after: `name`, or else `file_name` (the file's name
    /// without `.yaml`), which is what the rule DEF-NAME-FROM-FILE reports.
    pub fn resource_name<'a>(&'a self, file_name: &'a str) -> &'a str {
        self.name.as_ref().map_or(file_name, |n| n.0.as_str())
    }

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
    /// instance, `presigned_url` → its policy). Without it, the suppression is about the
    /// template as a whole: it silences the findings of its rule that concern no resource
    /// (`CFN-LIMIT-INLINE-BODY`, a section quota), in the definition's first template.
    #[serde(default)]
    pub resource: Option<String>,
    /// Why this is acceptable, in at least one full sentence.
    pub reason: String,
}

/// The private network component: a VPC of the stack's own (`cidr`), or an existing one
/// (`existing`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// The VPC's IPv4 range, /16 to /24: the stack creates the VPC.
    pub cidr: Option<VpcCidr>,
    /// An existing VPC, its private subnets and route tables, instead of `cidr`.
    pub existing: Option<ExistingNetworkSpec>,
    /// How many AZs get a private subnet (2–6; Studio needs at least two).
    #[serde(default = "default_availability_zones")]
    pub availability_zones: AzCount,
    /// Prefix length of each subnet; defaults to the VPC's plus 4 (at most /28).
    pub subnet_prefix_length: Option<u8>,
    /// VPC endpoints by short name; the default is every endpoint Studio and Session
    /// Manager need.
    #[serde(default = "default_endpoints")]
    pub endpoints: Vec<EndpointName>,
    /// Log all VPC traffic to CloudWatch Logs. Default: on for a VPC of the stack's own,
    /// off for an existing VPC, whose owner usually logs it already (a second flow log
    /// of the same traffic doubles the cost, and the owner may not want another).
    pub flow_logs: Option<bool>,
    /// How long flow logs are kept, in days (a CloudWatch Logs retention value; default 365).
    #[serde(default = "default_flow_log_retention")]
    pub flow_log_retention_days: RetentionDays,
    /// Whether the private subnets reach the internet (default `none`).
    #[serde(default)]
    pub internet_egress: InternetEgressMode,
}

impl NetworkSpec {
    /// Whether the stack writes a flow log of the VPC.
    pub fn flow_logs(&self) -> bool {
        self.flow_logs.unwrap_or(self.existing.is_none())
    }
}

/// `network.internet_egress`.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InternetEgressMode {
    /// No route to the internet: AWS services through the endpoints only.
    #[default]
    None,
    /// NAT gateways (one per AZ) and an internet gateway: the rule ENV-INTERNET-EGRESS
    /// warns about it on every synth.
    Nat,
}

/// The `packages` component: a CodeArtifact domain of the stack, reached through the
/// network's `codeartifact.*` endpoints.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PackagesSpec {
    /// A repository for pip whose upstream is the public PyPI (default false).
    #[serde(default)]
    pub pypi: bool,
    /// The CodeArtifact domain's name; defaults to the stack's name. Unique in the
    /// account and region, and visible in DNS.
    pub domain_name: Option<String>,
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
    /// One user profile per entry: a name, or `{ name: …, offboard_after: YYYY-MM-DD }` for
    /// a user being offboarded (the profile and its spaces stay, its apps are deleted and
    /// nobody may open it; after the date the entry can be removed).
    #[serde(default)]
    pub users: Vec<StudioUserSpec>,
    /// Whether users may create shared spaces besides their private ones (default false).
    #[serde(default)]
    pub shared_spaces: bool,
    /// What happens to the users' home directories (the domain's EFS file system) when the
    /// domain is deleted: `retain` (default) or `delete`.
    #[serde(default)]
    pub home_storage_on_delete: HomeStorageOnDelete,
    /// Minutes after which idle JupyterLab and Code Editor apps are shut down (60 to
    /// 525,600); users may choose a shorter time, never a longer one. Absent: apps run
    /// until they are stopped.
    pub idle_shutdown_minutes: Option<u32>,
    /// The instance types Studio apps may run on (`ml.t3.medium`, …); the first is the
    /// domain's default. Absent: any type.
    #[serde(default)]
    pub instance_types: Vec<NotebookInstanceType>,
    /// Size in GiB of a new space's EBS volume (5 to 16,384; needs `max_ebs_gb`).
    pub default_ebs_gb: Option<u32>,
    /// The largest size in GiB a user may grow a space's volume to (at least
    /// `default_ebs_gb`, at most 16,384).
    pub max_ebs_gb: Option<u32>,
    /// Studio lifecycle configurations by name, each a shell script in the definition's
    /// folder that runs whenever an app of its type starts.
    #[serde(default)]
    pub lifecycle_configs: IndexMap<SageMakerName, StudioLifecycleSpec>,
    /// Custom images offered to JupyterLab or Code Editor apps, by SageMaker image name
    /// (unique in the account and region), each a container image in an ECR repository of
    /// this account. Users may start apps on these and on SageMaker's own images only.
    #[serde(default)]
    pub images: IndexMap<String, StudioImageSpec>,
    /// SageMaker work the users may start from Studio (the domain's execution role), as
    /// a team named after the domain: jobs named `<domain>-…`, tagged with it, in the
    /// stack's subnets and the Studio security group, with the domain's key, run by a
    /// job role of their own.
    pub sagemaker: Option<SageMakerGrantsSpec>,
    /// ECR repositories of this account the users' jobs pull images from.
    pub ecr: Option<EcrGrantsSpec>,
}

/// The fate of a domain's home file system when the domain is deleted.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum HomeStorageOnDelete {
    /// Kept with its data; its mount targets are removed so the network can be deleted.
    #[default]
    Retain,
    /// Deleted with its data.
    Delete,
}

/// One Studio lifecycle configuration.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StudioLifecycleSpec {
    /// The app type it runs in: `jupyterlab` or `code-editor`.
    pub app: StudioAppType,
    /// The script, relative to the definition file (a `#!` shell script, at most 12,288
    /// bytes so that its base64 fits SageMaker's 16,384 characters).
    pub script: String,
    /// Whether it runs by default in every app of its type (at most one per type); the
    /// others are offered to users to choose.
    #[serde(default)]
    pub default: bool,
}

/// One custom Studio image.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StudioImageSpec {
    /// The app type that runs it: `jupyterlab` or `code-editor`.
    pub app: StudioAppType,
    /// The ECR repository of this account that holds it.
    pub repository: String,
    /// The image tag in the repository (exactly one of `tag` and `digest`).
    pub tag: Option<String>,
    /// The image digest, `sha256:` and 64 hex digits (exactly one of `tag` and `digest`).
    pub digest: Option<String>,
    /// Whether apps of its type start on it unless the user picks another (at most one
    /// per app type).
    #[serde(default)]
    pub default: bool,
}

/// Studio app types that take lifecycle configurations and idle shutdown here.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum StudioAppType {
    Jupyterlab,
    CodeEditor,
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
    /// Minutes of inactivity before a Session Manager session ends (1–60; default 15).
    pub idle_session_timeout_minutes: Option<u32>,
    /// Minutes before any Session Manager session ends (1–1440; default 480).
    pub max_session_duration_minutes: Option<u32>,
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

/// The notebooks component: notebook instances, each with an identity of its own.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotebooksSpec {
    /// How each notebook gets an identity of its own (default `role-per-notebook`).
    #[serde(default)]
    pub identity: NotebookIdentityMode,
    /// The execution roles' names and path.
    #[serde(default)]
    pub role: NotebookRoleSpec,
    /// Notebook instances by name.
    pub instances: IndexMap<SageMakerName, NotebookSpec>,
    /// SageMaker work each notebook's role may start (`role-per-notebook` only), each
    /// notebook as a team of its own: jobs named `<notebook>-…`, tagged with it, in the
    /// stack's subnets and notebook security group, with the notebook key, run by a job
    /// role of the notebook's own.
    pub sagemaker: Option<SageMakerGrantsSpec>,
    /// ECR repositories of this account the notebooks' jobs pull images from.
    pub ecr: Option<EcrGrantsSpec>,
}

/// How notebooks of the `notebooks` component tell themselves apart in CloudTrail.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum NotebookIdentityMode {
    /// One execution role per notebook, named after it: IAM itself names the notebook,
    /// and no notebook can act as another.
    #[default]
    RolePerNotebook,
    /// One shared role, assumed again by each notebook with its name as the session
    /// name (a lifecycle script writes that profile). Any notebook can still assume it
    /// under another listed notebook's name: IAM cannot tell which notebook asks.
    SharedRoleWithSessionNames,
}

/// The notebooks' execution roles. With `role-per-notebook`, each role is named
/// `<name_prefix><notebook name>` (at most 64 characters); with
/// `shared-role-with-session-names`, the one role has the fixed `name`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotebookRoleSpec {
    /// The shared role's fixed name (`shared-role-with-session-names` only, required there).
    pub name: Option<IamName>,
    /// What each notebook's role name starts with (`role-per-notebook` only; default none).
    pub name_prefix: Option<IamName>,
    /// The roles' IAM path (default `/`).
    #[serde(default = "default_path")]
    pub path: IamPath,
}

impl Default for NotebookRoleSpec {
    fn default() -> Self {
        NotebookRoleSpec {
            name: None,
            name_prefix: None,
            path: default_path(),
        }
    }
}

/// Where the teams' users may open their notebooks from.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotebookAccessSpec {
    /// Public ranges the users connect from: the notebook URL is then allowed only from
    /// these (`aws:SourceIp`) instead of only through the stack's endpoints.
    #[serde(default)]
    pub source_ip: Vec<SourceIpRange>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotebookSpec {
    #[serde(default = "default_notebook_type")]
    pub instance_type: NotebookInstanceType,
    /// ML storage volume size in GiB (5-16384; default 20).
    #[serde(default = "default_notebook_volume")]
    pub volume_size_gb: u32,
    /// Minutes without Jupyter activity after which the notebook stops itself (10-10080;
    /// default none: stopping ends running kernels, so it is a choice, and the rule
    /// SM-NOTEBOOK-IDLE-STOP reports a notebook without one).
    pub idle_stop_minutes: Option<u32>,
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

/// A secure bucket.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BucketSpec {
    /// Keep the bucket (and its key) when the stack is deleted or the bucket replaced,
    /// with its versions. Absent: retained unless `empty_on_delete` (CloudFormation
    /// cannot delete a bucket that holds objects, so a bucket nobody empties is kept).
    pub retain: Option<bool>,
    /// Delete every object version when the stack is deleted or the bucket removed from
    /// the definition, so that the bucket goes with the stack (warning
    /// S3-EMPTY-ON-DELETE). Needs the stack's Studio cleanup; not with `retain: true` or
    /// `object_lock`.
    #[serde(default)]
    pub empty_on_delete: bool,
    /// Days before a noncurrent object version is deleted, or `never`. Absent: kept in a
    /// retained bucket, 90 days in another.
    pub noncurrent_version_days: Option<NoncurrentVersionDays>,
    /// Lock every new object version for a period (S3 Object Lock, governance mode).
    pub object_lock: Option<ObjectLockSpec>,
    /// An explicit, globally unique bucket name; by default CloudFormation names it.
    pub bucket_name: Option<String>,
}

impl BucketSpec {
    /// Whether the bucket is retained: as written, else unless it is emptied on delete.
    pub fn retained(&self) -> bool {
        self.retain.unwrap_or(!self.empty_on_delete)
    }

    /// What the construct keeps of noncurrent versions.
    pub fn noncurrent_versions(&self) -> crate::constructs::secure_bucket::NoncurrentVersions {
        use crate::constructs::secure_bucket::NoncurrentVersions;
        match self.noncurrent_version_days {
            None => NoncurrentVersions::ByRetention,
            Some(NoncurrentVersionDays::Days(days)) => NoncurrentVersions::ExpireAfterDays(days),
            Some(NoncurrentVersionDays::Never) => NoncurrentVersions::Keep,
        }
    }
}

/// S3 Object Lock on a bucket: every new object version is locked in governance mode
/// for `days` (see `constructs::secure_bucket::ObjectLock`).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ObjectLockSpec {
    /// How long each new version is locked (1 to 36,500 days).
    pub days: u32,
}

/// The data perimeter (see `constructs::secure_bucket::Perimeter`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PerimeterSpec {
    /// IAM role or user ARNs (`*` allowed in the name) that may reach the buckets from
    /// outside this stack's S3 endpoint and delete versions of retained buckets: the
    /// deployment role, the administrators. Default: none.
    #[serde(default)]
    pub admin_principals: Vec<PrincipalArnPattern>,
    /// Trust the accounts of this organization instead of this account only.
    pub organization_id: Option<OrganizationId>,
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
    /// SageMaker work of the team's notebook role: jobs, models, endpoints, experiments,
    /// the model registry, confined to the team and the stack's network and key.
    pub sagemaker: Option<SageMakerGrantsSpec>,
    /// ECR repositories of this account the team's jobs pull images from (the AWS Deep
    /// Learning Containers come with `sagemaker`).
    pub ecr: Option<EcrGrantsSpec>,
}

/// What a team may do on SageMaker (see `constructs::grants::ml`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SageMakerGrantsSpec {
    /// The jobs it may start: `training`, `processing`, `transform`.
    #[serde(default)]
    pub jobs: Vec<JobName>,
    /// Create its models (default false).
    #[serde(default)]
    pub models: bool,
    /// Create and invoke its endpoints (default false).
    #[serde(default)]
    pub endpoints: bool,
    /// Experiments, trials and trial components (default false).
    #[serde(default)]
    pub experiments: bool,
    /// Model package groups and versions (default false).
    #[serde(default)]
    pub model_registry: bool,
    /// The only instance types of jobs and endpoints; required with `jobs` or `endpoints`.
    #[serde(default)]
    pub instance_types: Vec<MlInstanceType>,
    /// Jobs and models must run with network isolation (default false).
    #[serde(default)]
    pub network_isolation: bool,
}

/// A kind of SageMaker job.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum JobName {
    Training,
    Processing,
    Transform,
}

impl From<JobName> for crate::constructs::grants::ml::JobKind {
    fn from(job: JobName) -> Self {
        use crate::constructs::grants::ml::JobKind;
        match job {
            JobName::Training => JobKind::Training,
            JobName::Processing => JobKind::Processing,
            JobName::Transform => JobKind::Transform,
        }
    }
}

/// The team's own ECR repositories.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EcrGrantsSpec {
    /// Repository names in this account and region.
    #[serde(default)]
    pub repositories: Vec<RepositoryName>,
}

/// The scalar visits of a user entry's visitor, each the name as its text: a plain
/// scalar that YAML reads as a number or a boolean is still the name as written
/// (`users: [1234]`, and `1.5`: IAM names may have dots), as for every other name of a
/// definition. The input checks refuse one that reads back otherwise (`0x1F` is 31:
/// `check::names_as_written`).
macro_rules! names_from_scalars {
    ($entry:ty) => {
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<$entry, E> {
            self.visit_str(&n.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<$entry, E> {
            self.visit_str(&n.to_string())
        }
        fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<$entry, E> {
            self.visit_str(&b.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<$entry, E> {
            self.visit_str(&f.to_string())
        }
    };
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
            names_from_scalars!(UserSpec);
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

/// One Studio user of an IAM-mode domain: `ana`, or `{ name: ana, offboard_after:
/// 2027-01-31 }`.
#[derive(Clone, Debug, PartialEq)]
pub struct StudioUserSpec {
    pub name: SageMakerName,
    /// Set: the user is offboarded from the deploy that sets it; the profile and its spaces
    /// (with their EBS volumes) are kept until the entry is removed, which synth suggests
    /// once the date has passed (rule SM-OFFBOARD-DUE).
    pub offboard_after: Option<OffboardDate>,
}

/// A date of the definition (`YYYY-MM-DD`), checked while parsing.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct OffboardDate(pub crate::calendar::Date);

impl TryFrom<String> for OffboardDate {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        crate::calendar::Date::parse(&text).map(OffboardDate)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StudioUserMap {
    name: SageMakerName,
    offboard_after: Option<OffboardDate>,
}

impl<'de> Deserialize<'de> for StudioUserSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = StudioUserSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a user name, or a mapping with `name` and `offboard_after`")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<StudioUserSpec, E> {
                Ok(StudioUserSpec {
                    name: SageMakerName::try_from(name.to_string()).map_err(E::custom)?,
                    offboard_after: None,
                })
            }
            names_from_scalars!(StudioUserSpec);
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<StudioUserSpec, A::Error> {
                let m =
                    StudioUserMap::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(StudioUserSpec {
                    name: m.name,
                    offboard_after: m.offboard_after,
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
        idle_stop_minutes: None,
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
    /// The AWS access portal URL users sign in at (`https://d-xxxxxxxxxx.awsapps.com/start`
    /// or a customized `https://<subdomain>.awsapps.com/start`); written into the outputs
    /// that tell users how to reach Studio.
    pub access_portal_url: Option<AccessPortalUrl>,
}

/// One Identity Center group.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// The Identity Store group id: what onboarding matches events by, and what the stack
    /// assigns to the domain's Identity Center application. Required (the check says how
    /// to find it); optional here only so that its absence is reported with the field's
    /// position rather than as a parse error.
    pub group_id: Option<GroupId>,
    #[serde(default)]
    pub grants: GrantsSpec,
    /// SageMaker work the group's members may start from Studio (the group's execution
    /// role), as a team named after the group: jobs named `<group>-…`, tagged with it, in
    /// the stack's subnets and the Studio security group, with the domain's key, run by a
    /// job role of the group's own that reaches the group's buckets.
    pub sagemaker: Option<SageMakerGrantsSpec>,
    /// ECR repositories of this account the group's jobs pull images from.
    pub ecr: Option<EcrGrantsSpec>,
}

/// What a group's execution role may do beyond the Studio baseline.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GrantsSpec {
    #[serde(default)]
    pub buckets: IndexMap<BucketKey, Vec<AccessLevel>>,
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
    /// How often every user is reconciled: `<n>m`, `<n>h` or `<n>d`, 5 minutes to 1 day
    /// (default `1h`).
    #[serde(default = "default_reconcile_every")]
    pub reconcile_every: String,
    /// Days a leaving user's spaces and profile are kept (apps stop at once); 0 deletes
    /// them at once (default 7).
    #[serde(default = "default_grace_days")]
    pub offboarding_grace_days: u32,
    /// Who the onboarding alarms notify (the alarms exist either way).
    #[serde(default)]
    pub alarms: AlarmsSpec,
}

/// The onboarding alarms' notifications.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlarmsSpec {
    /// Addresses subscribed to the alarm topic by e-mail; each confirms once.
    #[serde(default)]
    pub email: Vec<EmailAddress>,
}

fn default_reconcile_every() -> String {
    "1h".into()
}

fn default_grace_days() -> u32 {
    7
}

impl OnboardingSpec {
    /// `reconcile_every` in minutes, or None when it is not `<n>m`, `<n>h` or `<n>d`.
    pub fn reconcile_minutes(&self) -> Option<u32> {
        let s = self.reconcile_every.trim();
        let (digits, unit) = s.split_at(s.len().checked_sub(1)?);
        let n: u32 = digits.parse().ok()?;
        n.checked_mul(match unit {
            "m" => 1,
            "h" => 60,
            "d" => 24 * 60,
            _ => return None,
        })
    }
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

/// The presigned-URL component: who creates the URLs, how long a URL and a session last.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PresignedUrlSpec {
    #[serde(default = "default_expires")]
    pub expires_in_seconds: u32,
    #[serde(default = "default_session")]
    pub session_expiration_seconds: u32,
    /// `people` (default): each IAM user, for the own profile only. `bastion`: the
    /// bastion's instance role, for every profile (the source document's shared flow).
    #[serde(default)]
    pub issuer: IssuerName,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum IssuerName {
    #[default]
    People,
    Bastion,
}

impl From<IssuerName> for crate::constructs::presigned_url::Issuer {
    fn from(issuer: IssuerName) -> Self {
        match issuer {
            IssuerName::People => Self::People,
            IssuerName::Bastion => Self::Bastion,
        }
    }
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
    /// Whether the central stack runs in a StackSets delegated administrator account
    /// (`delegated_admin`, the default) or in the organization's management account
    /// (`self`). The default keeps the central functions, which hold cross-account
    /// permissions, out of the one account service control policies do not restrict.
    #[serde(default)]
    pub call_as: CallAs,
    /// Which accounts get the member stack: only those under `accounts` (the default), or
    /// every account of the organizational units.
    #[serde(default)]
    pub targets: RolloutTargets,
    /// What happens to a member stack, and with it the account's provisioning role, Studio
    /// domain and execution roles, when its account leaves the rollout. No default: the
    /// account's Studio data depends on it.
    pub account_removal: AccountRemoval,
}

/// The accounts a rollout deploys to.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RolloutTargets {
    /// The accounts under `accounts`, each within the organizational units (a new account
    /// of those units gets nothing until it is listed).
    #[default]
    Accounts,
    /// Those accounts with their groups, and every other account of the organizational
    /// units (and those that join them later) with an environment but no group roles.
    OrganizationalUnits,
}

/// What StackSets does with the member stack of an account that leaves the rollout.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AccountRemoval {
    /// The member stack is deleted: its provisioning role first (it names the domain).
    DeleteStack,
    /// The member stack stays, no longer managed by the StackSet (only with
    /// `targets: organizational_units`, for accounts that leave the units).
    RetainStack,
}

fn default_max_concurrent() -> u8 {
    25
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CallAs {
    #[serde(rename = "self")]
    Myself,
    #[default]
    DelegatedAdmin,
}
