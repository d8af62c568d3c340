//! A role's SageMaker work (see [`super::grants::ml`]) as managed policies attached to
//! it. The grants name the role jobs run under (`iam:PassRole` of its ARN), which an
//! inline policy of that same role cannot do without a circular reference; a policy
//! attached to the role waits for it instead.
//!
//! [`attach_with_job_role`] gives a role that people work in (a team's notebook role, a
//! Studio execution role, a notebook's role) a separate job role to pass. The job role
//! can write its jobs' logs, pull their images, use the key, put the jobs' network
//! interfaces in the stack's subnets and reach the data its owner gives it, but cannot
//! start, stop or pass anything, nor open Studio or a notebook: code running in a job (a
//! training script, a container from a registry) gets no more than the job needs.

use crate::resources::ec2::SecurityGroup;
use crate::resources::iam::policy::PolicyDocument;
use crate::resources::iam::service_trust::{Service, service_trust_policy};
use crate::resources::iam::{ManagedPolicy, Policy, Role};
use crate::resources::kms::Key;
use crate::template::Handle;

use super::ConstructError;
use super::grants::ml::{MlAccess, MlEnvironment};
use super::network::PrivateNetwork;
use super::scope::Scope;

/// What a role may do on SageMaker, and where.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MlWorkProps {
    /// The team name: resource name prefix and team tag value.
    pub team: String,
    /// What it may create and manage.
    pub access: MlAccess,
    /// The only instance types of its jobs and endpoints.
    pub instance_types: Vec<String>,
    /// Jobs and models only with network isolation.
    pub network_isolation: bool,
    /// Its own ECR repositories in this account.
    pub repositories: Vec<String>,
}

/// Where the work runs: the private subnets, the group and the key the grants force it
/// into.
pub struct MlPlacement<'a> {
    /// Its private subnets are the only subnets of jobs and models.
    pub network: &'a PrivateNetwork,
    /// The only security group of jobs and models.
    pub security_group: &'a Handle<SecurityGroup>,
    /// The only key of volumes and job output.
    pub key: &'a Handle<Key>,
}

/// The role SageMaker runs the work of [`attach_with_job_role`] under, and the policies
/// attached to the role that starts it.
pub struct MlJobs {
    /// `<scope>MlJobRole`: trusted by SageMaker only, with the jobs' logs and metrics, image
    /// pulls and the use of the key.
    pub job_role: Handle<Role>,
    /// `<scope>MlCreate` and `<scope>MlLaunch`, attached to the starting role.
    pub policies: Vec<Handle<ManagedPolicy>>,
}

/// `MlJobRole`, `MlCreate` and `MlLaunch` in the scope: `launcher` may create the work
/// `props` asks for, confined to the placement, and passes only `MlJobRole`, which runs
/// it. `job_grants` are what the jobs may do besides: the data their owner may reach,
/// never more than the owner has.
pub fn attach_with_job_role(
    scope: &mut Scope,
    launcher: &Handle<Role>,
    placement: &MlPlacement,
    props: &MlWorkProps,
    job_grants: PolicyDocument,
) -> Result<MlJobs, ConstructError> {
    if props.access.is_empty() {
        return Err(ConstructError::Invalid(format!(
            "a job role for team `{}` needs SageMaker access to run",
            props.team
        )));
    }
    let mut run = job_grants;
    let mut job_role = Role::builder()
        .description(format!(
            "SageMaker jobs of team {}: run only, cannot start jobs or open Studio",
            props.team
        ))
        .assume_role_policy_document(service_trust_policy(Service::SageMakerStudio));
    // Built from a stand-in environment: the run grants name no role.
    let runs = environment(launcher, placement, props);
    runs.grant_run(&props.access).to(&mut run)?;
    runs.grant_pull_images(&props.repositories).to(&mut run)?;
    placement.key.grant_volume_use().to(&mut run)?;
    // SageMaker creates a job's interfaces in the subnets with the job's role; without
    // this no job forced into the VPC could start.
    placement.grant_job_network_interfaces().to(&mut run)?;
    job_role = job_role.policies(Policy::new("MlJobRun", run));
    let job_role = scope.add("MlJobRole", job_role.build()?)?;

    let environment = environment(&job_role, placement, props);
    let mut create = PolicyDocument::new();
    let mut launch = PolicyDocument::new();
    environment.grant_create(&props.access).to(&mut create)?;
    environment.grant_launch(&props.access).to(&mut launch)?;
    let policies = add_policies(
        scope,
        launcher,
        &props.team,
        [
            ("MlCreate", CREATE_WHAT, create),
            (
                "MlLaunch",
                "work with its own SageMaker resources, pass only the team's job role to SageMaker, read job logs",
                launch,
            ),
        ],
    )?;
    Ok(MlJobs { job_role, policies })
}

const CREATE_WHAT: &str = "create its jobs, models and endpoints only in the stack's subnets, with its key, on its instance types";

/// Where `props` confines work whose jobs run as `runner`.
fn environment(
    runner: &Handle<Role>,
    placement: &MlPlacement,
    props: &MlWorkProps,
) -> MlEnvironment {
    MlEnvironment {
        team: props.team.clone(),
        role_arn: runner.arn(),
        subnets: placement.network.subnets.iter().map(|s| s.id()).collect(),
        security_groups: vec![placement.security_group.group_id()],
        key_arn: placement.key.arn(),
        instance_types: props.instance_types.clone(),
        network_isolation: props.network_isolation,
    }
}

/// One managed policy attached to `role` per non-empty document, `Team <team>: <what>`.
fn add_policies<const N: usize>(
    scope: &mut Scope,
    role: &Handle<Role>,
    team: &str,
    documents: [(&str, &str, PolicyDocument); N],
) -> Result<Vec<Handle<ManagedPolicy>>, ConstructError> {
    let mut policies = Vec::new();
    for (id, what, document) in documents {
        if document.is_empty() {
            continue;
        }
        policies.push(
            scope.add(
                id,
                ManagedPolicy::builder()
                    .description(format!("Team {team}: {what}"))
                    .roles(role.name())
                    .policy_document(document)
                    .build()?,
            )?,
        );
    }
    Ok(policies)
}
