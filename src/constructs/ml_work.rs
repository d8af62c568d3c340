//! A role's SageMaker work (see [`super::grants::ml`]) as a managed policy attached to
//! it. The grants name the role itself (`iam:PassRole` of its own ARN), which an inline
//! policy of the role cannot do without a circular reference; a policy attached to the
//! role waits for it instead.

use crate::resources::ec2::SecurityGroup;
use crate::resources::iam::policy::PolicyDocument;
use crate::resources::iam::{ManagedPolicy, Role};
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

/// `MlCreate` and `MlOperate` in the scope: managed policies attached to `role` with the
/// team's SageMaker grants, its image pulls and the use of the key for volumes and job
/// output.
pub fn attach(
    scope: &mut Scope,
    role: &Handle<Role>,
    placement: &MlPlacement,
    props: &MlWorkProps,
) -> Result<Vec<Handle<ManagedPolicy>>, ConstructError> {
    let environment = MlEnvironment {
        team: props.team.clone(),
        role_arn: role.arn(),
        subnets: placement.network.subnets.iter().map(|s| s.id()).collect(),
        security_groups: vec![placement.security_group.group_id()],
        key_arn: placement.key.arn(),
        instance_types: props.instance_types.clone(),
        network_isolation: props.network_isolation,
    };
    // Two policies: all statements together pass the 6,144 characters of one managed
    // policy once a team has most of the access.
    let mut create = PolicyDocument::new();
    let mut operate = PolicyDocument::new();
    if !props.access.is_empty() {
        environment.grant_create(&props.access).to(&mut create)?;
        environment.grant_operate(&props.access).to(&mut operate)?;
    }
    environment
        .grant_pull_images(&props.repositories)
        .to(&mut operate)?;
    placement.key.grant_volume_use().to(&mut operate)?;
    let mut policies = Vec::new();
    for (id, what, document) in [
        (
            "MlCreate",
            "create its jobs, models and endpoints only in the stack's subnets, with its key, on its instance types",
            create,
        ),
        (
            "MlOperate",
            "work with its own SageMaker resources, pass its role to SageMaker, write job logs, pull images, use its key",
            operate,
        ),
    ] {
        if document.is_empty() {
            continue;
        }
        policies.push(
            scope.add(
                id,
                ManagedPolicy::builder()
                    .description(format!("Team {}: {what}", props.team))
                    .roles(role.name())
                    .policy_document(document)
                    .build()?,
            )?,
        );
    }
    Ok(policies)
}
