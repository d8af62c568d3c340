//! SageMaker notebook instances kept inside the private network: no direct internet, no
//! root access, IMDSv2, a customer-managed key for the volume, a security group with no
//! inbound rule, and the current platform.

use crate::resources::ec2::SecurityGroup;
use crate::resources::iam::policy::{Condition, PolicyDocument, Statement, keys};
use crate::resources::kms::Key;
use crate::resources::sagemaker::{
    InstanceMetadataServiceConfiguration, LifecycleHook, NotebookInstance,
    NotebookInstanceLifecycleConfig,
};
use crate::resources::{arn, sagemaker};
use crate::template::{Handle, LogicalId, SubPart, Value};

use super::ConstructError;
use super::grants::sagemaker::{NotebookInstanceName, grant_list_notebook_instances};
use super::lifecycle_script::{self, ScriptFragment};
use super::network::{EndpointService, PrivateNetwork};
use super::scope::Scope;

/// The platform new notebooks run on (Amazon Linux 2023, the default SageMaker documents).
pub const PLATFORM: &str = "notebook-al2023-v1";

/// One notebook instance: what differs between notebooks of a group.
#[derive(Clone, Debug, PartialEq)]
pub struct NotebookProps {
    /// The instance's name, unique in the account and region; it also names the logical ID.
    pub name: String,
    /// The ML instance type, e.g. `ml.t3.medium`.
    pub instance_type: String,
    /// The size of its encrypted storage volume (`/home/ec2-user/SageMaker`).
    pub volume_size_gb: u32,
    /// Minutes of Jupyter inactivity after which the notebook stops itself
    /// ([`idle_stop_fragment`]); its role then holds `sagemaker:StopNotebookInstance`
    /// on this notebook alone ([`grant_stop_self`]). None: it runs until stopped.
    pub idle_stop_minutes: Option<u32>,
}

/// The idle limits a notebook may have, in minutes: the checker runs every five minutes,
/// so less than ten would stop a notebook between two looks at it; more than a week
/// is no limit worth a cron job.
pub const IDLE_STOP_MINUTES: (u32, u32) = (10, 10_080);

/// The idle-stop fragment's text; `@IDLE_LIMITS@` becomes one `case` branch per notebook.
const IDLE_STOP_SCRIPT: &str = include_str!("scripts/notebook_idle_stop.sh");

/// The on-start fragment that makes each notebook of `limits` (name, minutes) stop
/// itself when idle that long. One fragment serves every notebook of a lifecycle
/// configuration: it finds its own notebook's limit by name, and installs nothing on a
/// notebook without one. None when no notebook has a limit.
pub fn idle_stop_fragment(
    limits: &[(String, u32)],
) -> Result<Option<ScriptFragment>, ConstructError> {
    if limits.is_empty() {
        return Ok(None);
    }
    let mut branches = Vec::new();
    for (name, minutes) in limits {
        // The name goes into a root shell script: only SageMaker's plain name characters.
        if !sagemaker::is_valid_name(name) {
            return Err(ConstructError::Invalid(format!(
                "`{name}` is not a notebook name the idle-stop script can take"
            )));
        }
        if !(IDLE_STOP_MINUTES.0..=IDLE_STOP_MINUTES.1).contains(minutes) {
            return Err(ConstructError::Invalid(format!(
                "idle stop of `{name}` after {minutes} minutes is outside {} to {}",
                IDLE_STOP_MINUTES.0, IDLE_STOP_MINUTES.1
            )));
        }
        branches.push(format!("  {name}) minutes={minutes} ;;"));
    }
    Ok(Some(ScriptFragment::new(
        "idle stop",
        IDLE_STOP_SCRIPT.replace("@IDLE_LIMITS@", &branches.join("\n")),
    )?))
}

/// `sagemaker:StopNotebookInstance` on notebook `name` only: what its idle-stop checker
/// calls with the notebook's own credentials.
pub fn grant_stop_self(name: &str, doc: &mut PolicyDocument) -> Result<(), ConstructError> {
    NotebookInstanceName::new(name)?
        .grant_use()
        .only([&sagemaker::actions::STOP_NOTEBOOK_INSTANCE])
        .sid("StopOwnNotebookWhenIdle")
        .to(doc)?;
    Ok(())
}

/// The logical ID of a notebook instance, from its name alone.
pub fn notebook_id(name: &str) -> Result<LogicalId, ConstructError> {
    Ok(LogicalId::from_words(&["Notebook", name])?)
}

/// A notebook instance's ARN, built from its name (SageMaker lower-cases names in ARNs).
pub fn notebook_arn(name: &str) -> Value {
    arn::regional(
        "sagemaker",
        [SubPart::from(format!(
            "notebook-instance/{}",
            name.to_ascii_lowercase()
        ))],
    )
}

/// The notebooks' security group `<id>SecurityGroup`: no inbound rule; HTTPS out to the
/// endpoints.
pub fn security_group(
    scope: &mut Scope,
    id: &str,
    network: &PrivateNetwork,
) -> Result<Handle<SecurityGroup>, ConstructError> {
    scope.child(id).add(
        "SecurityGroup",
        SecurityGroup::builder()
            .group_description(
                "Notebook instances: no inbound rule; HTTPS to the VPC endpoints only",
            )
            .vpc_id(network.vpc.id())
            .security_group_egress(super::network::https_out()?)
            .build()?,
    )
}

/// What every notebook of a group shares.
pub struct NotebookPlacement<'a> {
    /// The network whose private subnets the notebooks are spread over.
    pub network: &'a PrivateNetwork,
    /// Their security group ([`security_group`]).
    pub security_group: &'a Handle<SecurityGroup>,
    /// The key that encrypts their volumes.
    pub key: &'a Handle<Key>,
    /// The execution role the notebooks run as.
    pub role_arn: Value,
    /// A lifecycle configuration to run at every start (e.g. the notebook identity's).
    pub lifecycle_config: Option<&'a Handle<NotebookInstanceLifecycleConfig>>,
}

/// Adds one notebook instance, `Notebook<Name>` in the scope (its logical ID comes from
/// its name, which is unique in the account). Notebooks are spread over the private
/// subnets by a hash of their name, so adding a notebook never moves another one.
pub fn new(
    scope: &mut Scope,
    placement: &NotebookPlacement,
    props: &NotebookProps,
) -> Result<Handle<NotebookInstance>, ConstructError> {
    let subnets = &placement.network.subnets;
    if subnets.is_empty() {
        return Err(ConstructError::Invalid("the network has no subnet".into()));
    }
    let subnet = &subnets[stable_index(&props.name, subnets.len())];
    let mut builder = NotebookInstance::builder()
        .notebook_instance_name(props.name.as_str())
        .instance_type(props.instance_type.as_str())
        .role_arn(placement.role_arn.clone())
        .platform_identifier(PLATFORM)
        .root_access(sagemaker::RootAccess::Disabled)
        .direct_internet_access(sagemaker::DirectInternetAccess::Disabled)
        .subnet_id(subnet.id())
        .security_group_ids(placement.security_group.group_id())
        .kms_key_id(placement.key.arn())
        .volume_size_in_gb(i64::from(props.volume_size_gb))
        .instance_metadata_service_configuration(
            InstanceMetadataServiceConfiguration::builder()
                .minimum_instance_metadata_service_version("2")
                .build()?,
        );
    if let Some(config) = placement.lifecycle_config {
        builder = builder.lifecycle_config_name(config.name());
    }
    scope.add_named(&["Notebook", props.name.as_str()], builder.build()?)
}

/// The lifecycle configuration `<id>` of the scope, named `config_name`, whose OnStart
/// runs `fragments` and then `main` ([`lifecycle_script::compose`]), emitted as
/// `Fn::Base64` of the plain text so reviewers read it in the diff. None when there is
/// nothing to run.
pub fn lifecycle_config(
    scope: &mut Scope,
    id: &str,
    config_name: &str,
    fragments: &[ScriptFragment],
    main: Option<&str>,
) -> Result<Option<Handle<NotebookInstanceLifecycleConfig>>, ConstructError> {
    let Some(script) = lifecycle_script::compose(fragments, main)? else {
        return Ok(None);
    };
    let config = scope.add(
        id,
        NotebookInstanceLifecycleConfig::builder()
            .notebook_instance_lifecycle_config_name(config_name)
            .on_start(
                LifecycleHook::builder()
                    .content(Value::base64(script))
                    .build()?,
            )
            .build()?,
    )?;
    Ok(Some(config))
}

/// FNV-1a of the name: a placement that depends on the name only (not on its position).
fn stable_index(name: &str, buckets: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % buckets as u64) as usize
}

/// What a notebook's role needs for the notebook itself: its logs and its volume key.
pub fn runtime_policy(key: &Handle<Key>) -> Result<PolicyDocument, ConstructError> {
    let mut doc = PolicyDocument::new().statement(
        Statement::allow()
            .sid("WriteNotebookLogs")
            .actions(crate::resources::logs::actions::WRITE)
            .resource(arn::regional(
                "logs",
                [SubPart::from("log-group:/aws/sagemaker/NotebookInstances*")],
            )),
    );
    key.grant_volume_use().to(&mut doc)?;
    Ok(doc)
}

/// Where people may ask for a notebook's presigned URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlAccess {
    /// Only through the stack's `sagemaker.api` and `notebook` endpoints
    /// (`aws:SourceVpce`): from inside the VPC, or a network joined to it.
    ThroughEndpoints,
    /// Only from these public ranges (`aws:SourceIp`, CIDR), e.g. for the console.
    FromRanges(Vec<String>),
}

/// The endpoints a notebook's presigned URL goes through: the API call through
/// `sagemaker.api`, the browser's connection to Jupyter through `notebook` (SageMaker
/// Developer Guide, "Connect to a Notebook Instance Through a VPC Interface Endpoint",
/// lists both ids in its `aws:SourceVpce` policy).
pub const URL_ENDPOINTS: [EndpointService; 2] =
    [EndpointService::SagemakerApi, EndpointService::Notebook];

/// The condition on `sagemaker:CreatePresignedNotebookInstanceUrl`. Without a notebook
/// URL condition the URL works from anywhere: SageMaker's guide warns that even with a
/// notebook endpoint, people outside the VPC can connect over the internet. A missing
/// endpoint is left out of the list here and reported by the rule pack
/// (ENV-NOTEBOOK-URL-THROUGH-NETWORK).
pub fn url_condition(access: &UrlAccess, network: &PrivateNetwork) -> Condition {
    match access {
        // aws:SourceVpce is single-valued: StringEquals with a list, never ForAnyValue.
        UrlAccess::ThroughEndpoints => Condition::string_equals(
            keys::SOURCE_VPCE,
            URL_ENDPOINTS
                .into_iter()
                .filter_map(|service| network.endpoint(service).map(|e| e.id())),
        ),
        UrlAccess::FromRanges(ranges) => Condition::ip_address(
            keys::SOURCE_IP,
            ranges.iter().map(|r| Value::from(r.as_str())),
        ),
    }
}

/// What a person needs to use one notebook: open it (its presigned URL, only where `url`
/// allows), see it, start and stop it; and list notebooks, which has no resource scope.
pub fn user_access(name: &str, url: &Condition) -> Result<PolicyDocument, ConstructError> {
    let mut doc = PolicyDocument::new();
    let notebook = NotebookInstanceName::new(name)?;
    notebook
        .grant_use()
        .only([&sagemaker::actions::CREATE_PRESIGNED_NOTEBOOK_INSTANCE_URL])
        .sid("OpenOwnTeamNotebookFromTheNetwork")
        .condition(url.clone())
        .to(&mut doc)?;
    notebook
        .grant_use()
        .only([
            &sagemaker::actions::DESCRIBE_NOTEBOOK_INSTANCE,
            &sagemaker::actions::START_NOTEBOOK_INSTANCE,
            &sagemaker::actions::STOP_NOTEBOOK_INSTANCE,
        ])
        .sid("UseOwnTeamNotebook")
        .to(&mut doc)?;
    grant_list_notebook_instances()
        .sid("ListNotebooksHasNoResourceScope")
        .to(&mut doc)?;
    Ok(doc)
}

/// Notebook name limits and the SageMaker name rule, for definition checks.
pub fn is_valid_name(name: &str) -> bool {
    sagemaker::is_valid_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_depends_on_the_name_only() {
        assert_eq!(
            stable_index("analyst-alice", 2),
            stable_index("analyst-alice", 2)
        );
        let spread: std::collections::HashSet<usize> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|n| stable_index(n, 2))
            .collect();
        assert_eq!(spread.len(), 2, "names spread over both subnets");
    }

    #[test]
    fn arns_use_lower_case_names() {
        assert_eq!(
            serde_json::to_string(&notebook_arn("Analyst-Alice")).unwrap(),
            r#"{"Fn::Sub":"arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:notebook-instance/analyst-alice"}"#
        );
    }
}
