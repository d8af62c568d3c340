//! Composition: turns a checked definition into a template by running the constructs
//! its components ask for, in dependency order, and adding the stack's outputs
//! (per-user outputs last, so that the fixed ones lead the list). It also records which
//! definition entry produced each resource, so that findings and suppressions can be
//! tied back to the file.

use indexmap::IndexMap;

use crate::constructs::ConstructError;
use crate::constructs::bastion::{Bastion, BastionOs, BastionProps};
use crate::constructs::encryption_key::{self, EncryptionKeyProps};
use crate::constructs::mfa_guard;
use crate::constructs::nested_users::{self, NestedUsersProps, UserChunk};
use crate::constructs::network::{PrivateNetwork, PrivateNetworkProps};
use crate::constructs::notebook_identity::{self, SharedRoleProps};
use crate::constructs::notebooks::{self, NotebookPlacement, NotebookProps};
use crate::constructs::presigned_url::{self, PresignedUrlProps};
use crate::constructs::secure_bucket::{
    self, Access, LogBucket, LogBucketProps, SecureBucket, SecureBucketProps,
};
use crate::constructs::sso_onboarding::{
    self, GroupRole, Mapping, Onboarding, OnboardingProps, ProfileTarget, RoleRef,
};
use crate::constructs::studio::{self, StudioAuth, StudioDomain, StudioDomainProps};
use crate::constructs::team::{Team, TeamProps, TeamUser};
use crate::constructs::trail;
use crate::diagnostic::did_you_mean;
use crate::resources::iam::Group;
use crate::resources::iam::policy::Statement;
use crate::sub;
use crate::template::FileExtension;
use crate::template::ParameterType;
use crate::template::{Handle, LogicalId, Output, Parameter, Pseudo, Template, Value};
use crate::validate::rules;

use super::check;
use super::definition::{
    AccessLevel, AuthMode, BucketKey, IDENTITY_STORE_ID_PATTERN, MappingMode, SplitMode, TrailMode,
};
use super::load::{InputErrors, LoadedStack};

pub(super) fn id(literal: &str) -> LogicalId {
    LogicalId::new(literal).expect("logical IDs written in the code are alphanumeric")
}

/// A composed stack: the template, and where in the definition each resource comes from.
#[derive(Clone, Debug)]
pub struct Composition {
    pub template: Template,
    /// Logical ID → the definition path that produced it (`studio.users[1]`, `bastion`).
    pub origins: IndexMap<String, String>,
    /// Further templates this definition produces (nested-stack children, a StackSet's
    /// member template), each with the suffix of its file name: `NAME.SUFFIX.template.json`.
    /// Their order is their file order; suffixes are derived from names, never positions.
    pub children: Vec<(String, Composition)>,
}

/// Why a definition could not be composed.
#[derive(Debug)]
pub enum ComposeError {
    /// A definition entry names something the template does not have (exit 2).
    Input(InputErrors),
    /// A construct refused input that passed the checks (a bug).
    Construct(ConstructError),
}

impl From<ConstructError> for ComposeError {
    fn from(e: ConstructError) -> Self {
        ComposeError::Construct(e)
    }
}

impl From<crate::template::DuplicateLogicalId> for ComposeError {
    fn from(e: crate::template::DuplicateLogicalId) -> Self {
        ComposeError::Construct(e.into())
    }
}

impl From<crate::template::InvalidLogicalId> for ComposeError {
    fn from(e: crate::template::InvalidLogicalId) -> Self {
        ComposeError::Construct(e.into())
    }
}

/// The statements of the bucket grants a team or group asks for.
pub(super) fn bucket_grants(
    buckets: &IndexMap<String, SecureBucket>,
    access: &IndexMap<BucketKey, Vec<AccessLevel>>,
) -> Result<Vec<Statement>, ConstructError> {
    let mut grants = Vec::new();
    for (bucket, levels) in access {
        let levels: Vec<Access> = levels.iter().map(|l| Access::from(*l)).collect();
        let bucket = buckets
            .get(&bucket.0)
            .ok_or_else(|| ConstructError::Invalid(format!("bucket `{bucket}` is not defined")))?;
        grants.extend(bucket.grant(&levels, None));
    }
    Ok(grants)
}

/// Records the resources added since `mark` as coming from `path`.
pub(super) fn record(
    template: &Template,
    mark: usize,
    path: &str,
    origins: &mut IndexMap<String, String>,
) {
    for (id, _) in template.resources().skip(mark) {
        origins.insert(id.to_string(), path.to_string());
    }
}

/// Composes a definition whose templates are written as JSON.
pub fn compose(stack: &LoadedStack) -> Result<Composition, ComposeError> {
    compose_for(stack, FileExtension::Json)
}

/// Composes a definition whose templates are written with the file extension `extension`:
/// nested stacks name their child templates by file name.
pub fn compose_for(
    stack: &LoadedStack,
    extension: FileExtension,
) -> Result<Composition, ComposeError> {
    let def = &stack.definition;
    if !def.accounts.is_empty() {
        return super::compose_accounts::compose(stack, extension);
    }
    let mut template = Template::new();
    let mut origins = IndexMap::new();
    // Definition names that stand for one resource, for suppressions.
    let mut names_by_definition: IndexMap<String, LogicalId> = IndexMap::new();
    let mut onboarding_built: Option<Onboarding> = None;
    if let Some(description) = &def.description {
        template.set_description(description);
    }

    let wants_trail = def
        .onboarding
        .as_ref()
        .is_some_and(|o| o.trail == TrailMode::Create);
    let Environment {
        buckets,
        mut logs,
        network,
        studio,
        user_chunks,
    } = environment(
        stack,
        &mut template,
        &mut origins,
        &mut names_by_definition,
        wants_trail,
        extension,
    )?;

    // Identity Center groups: an execution role each (and an application assignment
    // where the group id is known), then the onboarding functions that use them.
    let mut group_roles = Vec::new();
    let mut group_role_arns: Vec<(String, Value)> = Vec::new();
    if let (Some(studio), Some(ic)) = (&studio, &def.identity_center) {
        let identity_store = identity_store_parameter(&mut template, ic)?;
        for (group, spec) in &def.groups {
            let mark = template.resources().count();
            let grants = bucket_grants(&buckets, &spec.grants.buckets)?;
            let role = studio.group_role(
                &mut template,
                sso_onboarding::group_role_id(&group.0)?,
                &group.0,
                grants,
            )?;
            if let Some(group_id) = &spec.group_id {
                studio.assign_group(
                    &mut template,
                    LogicalId::from_words(&[group.0.as_str(), "domain-assignment"])?,
                    &group_id.0,
                )?;
            }
            record(&template, mark, &format!("groups.{group}"), &mut origins);
            names_by_definition.insert(group.0.clone(), role.logical_id().clone());
            group_role_arns.push((group.0.clone(), role.arn()));
            group_roles.push(GroupRole {
                name: group.0.clone(),
                group_id: spec.group_id.as_ref().map(|g| g.0.clone()),
                role: RoleRef::Arn(role.arn()),
            });
        }
        if let Some(spec) = &def.onboarding {
            let mark = template.resources().count();
            let onboarding = Onboarding::build(
                &mut template,
                &OnboardingProps {
                    target: ProfileTarget::Domain(studio.domain.clone()),
                    identity_store_id: identity_store.value(),
                    groups: group_roles.clone(),
                    mapping: match spec.mapping {
                        MappingMode::Inline => Mapping::Inline,
                        MappingMode::Dynamodb => Mapping::DynamoDb,
                    },
                    app_delete_timeout_seconds: spec.app_delete_timeout_seconds,
                },
            )?;
            if spec.trail == TrailMode::Create {
                let logs = logs.as_mut().ok_or_else(|| {
                    ConstructError::Invalid("the trail needs the log bucket".into())
                })?;
                trail::build(&mut template, logs)?;
            }
            record(&template, mark, "onboarding", &mut origins);
            onboarding_built = Some(onboarding);
        }
    }

    let bastion = match (&def.bastion, &network) {
        (Some(spec), Some(network)) => {
            let os = BastionOs::from(spec.os);
            let mark = template.resources().count();
            let bastion = Bastion::build(
                &mut template,
                network,
                &BastionProps {
                    os,
                    instance_type: spec.instance_type.0.clone(),
                    root_volume_gb: spec
                        .root_volume_gb
                        .unwrap_or_else(|| os.default_root_volume_gb()),
                },
            )?;
            record(&template, mark, "bastion", &mut origins);
            names_by_definition.insert("bastion".into(), bastion.instance.logical_id().clone());
            Some(bastion)
        }
        _ => None,
    };

    let mut notebook_outputs = Vec::new();
    // The key and security group every notebook of the stack shares.
    let notebook_base = match &network {
        Some(network) if def.notebooks.is_some() || !def.teams.is_empty() => {
            let mark = template.resources().count();
            let key = encryption_key::build(
                &mut template,
                &EncryptionKeyProps {
                    id_stem: "Notebook",
                    alias_suffix: "notebooks",
                    description: "Encrypts the notebook instances' storage volumes",
                    via_services: &["sagemaker"],
                },
            )?;
            let security_group = notebooks::security_group(&mut template, network, "Notebook")?;
            let component = if def.notebooks.is_some() {
                "notebooks"
            } else {
                "teams"
            };
            record(&template, mark, component, &mut origins);
            Some((key, security_group))
        }
        _ => None,
    };
    if let (Some(spec), Some(network), Some((key, security_group))) =
        (&def.notebooks, &network, &notebook_base)
    {
        let mark = template.resources().count();
        let names: Vec<String> = spec.instances.keys().map(|n| n.0.clone()).collect();
        let role = notebook_identity::shared_role(
            &mut template,
            &SharedRoleProps {
                name: spec.role.name.0.clone(),
                path: spec.role.path.0.clone(),
                notebooks: names.clone(),
            },
            key,
        )?;
        let lifecycle = if spec.identity_per_instance {
            Some(notebook_identity::lifecycle_config(
                &mut template,
                &check::notebook_identity_config_name(&stack.name),
            )?)
        } else {
            None
        };
        let placement = NotebookPlacement {
            network,
            security_group,
            key,
            role_arn: role.arn(),
            lifecycle_config: lifecycle.as_ref(),
        };
        record(&template, mark, "notebooks", &mut origins);
        for (name, notebook) in &spec.instances {
            let handle = notebooks::build(
                &mut template,
                &placement,
                &NotebookProps {
                    name: name.0.clone(),
                    instance_type: notebook.instance_type.0.clone(),
                    volume_size_gb: notebook.volume_size_gb,
                },
            )?;
            origins.insert(
                handle.logical_id().to_string(),
                format!("notebooks.instances.{name}"),
            );
            names_by_definition.insert(name.0.clone(), handle.logical_id().clone());
            notebook_outputs.push(name.0.clone());
        }
    }

    let mut team_notebooks = Vec::new();
    let mut console_users = Vec::new();
    if let (Some(network), Some((key, security_group))) = (&network, &notebook_base)
        && !def.teams.is_empty()
    {
        for (team, spec) in &def.teams {
            let mark = template.resources().count();
            let notebook_name = check::team_notebook_name(&stack.name, &team.0);
            let grants = bucket_grants(&buckets, &spec.access)?;
            let built = Team::build(
                &mut template,
                network,
                security_group,
                key,
                &TeamProps {
                    name: team.0.clone(),
                    notebook: NotebookProps {
                        name: notebook_name.clone(),
                        instance_type: spec.notebook.instance_type.0.clone(),
                        volume_size_gb: spec.notebook.volume_size_gb,
                    },
                    grants,
                    users: spec
                        .users
                        .iter()
                        .map(|u| TeamUser {
                            name: u.name.0.clone(),
                            console_access: u.console_access,
                        })
                        .collect(),
                },
            )?;
            record(&template, mark, &format!("teams.{team}"), &mut origins);
            names_by_definition.insert(team.0.clone(), built.notebook.logical_id().clone());
            for (i, (user, handle, secret)) in built.users.iter().enumerate() {
                origins.insert(
                    handle.logical_id().to_string(),
                    format!("teams.{team}.users[{i}]"),
                );
                names_by_definition.insert(user.clone(), handle.logical_id().clone());
                if let Some(secret) = secret {
                    origins.insert(
                        secret.logical_id().to_string(),
                        format!("teams.{team}.users[{i}]"),
                    );
                    console_users.push((user.clone(), secret.clone()));
                }
            }
            team_notebooks.push((team.0.clone(), notebook_name, built.group));
        }
        let mark = template.resources().count();
        let group_handles: Vec<&Handle<Group>> = team_notebooks.iter().map(|(_, _, g)| g).collect();
        mfa_guard::build(&mut template, &group_handles)?;
        record(&template, mark, "teams", &mut origins);
    }

    environment_outputs(&mut template, &network, &studio)?;
    nested_users::outputs(&mut template, &user_chunks)?;
    if let Some(bastion) = &bastion {
        template.add_output(
            id("BastionInstanceId"),
            Output::new(bastion.instance.id())
                .description("Connect with Session Manager or Fleet Manager (RDP)"),
        )?;
    }
    bucket_outputs(&mut template, &buckets)?;
    for (team, notebook, _) in &team_notebooks {
        template.add_output(
            LogicalId::from_words(&[team.as_str(), "notebook-name"])?,
            Output::new(notebook.as_str()).description(&format!(
                "Notebook of team {team}; members open it from the SageMaker console after signing in with MFA"
            )),
        )?;
    }
    if let Some(onboarding) = &onboarding_built {
        template.add_output(
            id("OnboardingDeadLetterQueueUrl"),
            Output::new(onboarding.dead_letter_queue.url())
                .description("Events the onboarding or offboarding function could not process"),
        )?;
        if let Some(table) = &onboarding.table {
            for (i, (name, arn)) in group_role_arns.iter().enumerate() {
                template.add_output(
                    LogicalId::from_words(&["map", name.as_str()])?,
                    Output::new(sub![
                        "aws dynamodb put-item --region ",
                        Pseudo::Region,
                        " --table-name ",
                        table.name(),
                        format!(
                            " --item '{{\"group\": {{\"S\": {}}}, \"precedence\": {{\"N\": \"{}\"}}, \"role_arn\": {{\"S\": \"",
                            serde_json::to_string(name).expect("strings serialize"),
                            i + 1
                        ),
                        arn.clone(),
                        "\"}}'"
                    ])
                    .description(&format!("Run once after deploying: maps group {name} to its role")),
                )?;
            }
        }
    }
    for (user, secret) in &console_users {
        template.add_output(
            LogicalId::from_words(&[user.as_str(), "sign-in"])?,
            Output::new(sub![
                "https://",
                Pseudo::AccountId,
                ".signin.aws.amazon.com/console"
            ])
            .description(&format!(
                "Console sign-in for {user} (MFA set-up is the first step)"
            )),
        )?;
        template.add_output(
            LogicalId::from_words(&[user.as_str(), "initial-password-secret"])?,
            Output::new(secret.arn()).description(&format!(
                "Secret with {user}'s initial password (read by an administrator, changed at first sign-in)"
            )),
        )?;
    }
    for name in &notebook_outputs {
        template.add_output(
            LogicalId::from_words(&["CloudTrailLookup", name])?,
            Output::new(sub![
                "aws cloudtrail lookup-events --region ",
                Pseudo::Region,
                format!(" --lookup-attributes AttributeKey=Username,AttributeValue={name}")
            ])
            .description(&format!(
                "The API calls made from notebook {name}, by its own name"
            )),
        )?;
    }
    if let (Some(spec), Some(network), Some(studio), Some(bastion)) =
        (&def.presigned_url, &network, &studio, &bastion)
    {
        let mark = template.resources().count();
        let has_users = def.studio.as_ref().is_some_and(|s| !s.users.is_empty());
        presigned_url::build(&mut template, network, studio, &bastion.role, has_users)?;
        record(&template, mark, "presigned_url", &mut origins);
        names_by_definition.insert("presigned_url".into(), presigned_url::policy_id());
        // Split, each nested stack has its own users' outputs.
        presigned_url::user_outputs(
            &mut template,
            &studio.domain.domain_id(),
            studio.user_profiles.keys().map(String::as_str),
            &PresignedUrlProps {
                expires_in_seconds: spec.expires_in_seconds,
                session_expiration_seconds: spec.session_expiration_seconds,
            },
        )?;
    }

    apply_suppressions(stack, &mut template, &names_by_definition)?;
    if !def.escalate.is_empty() {
        template.set_metadata(
            "sagesynth",
            Value::map([(
                "escalate",
                Value::list(def.escalate.iter().map(|r| Value::from(r.as_str()))),
            )]),
        );
    }
    let children = user_chunks
        .into_iter()
        .map(|chunk| {
            let origins = chunk
                .users
                .iter()
                .map(|(i, user)| {
                    Ok((
                        studio::user_profile_id(user)?.to_string(),
                        format!("studio.users[{i}]"),
                    ))
                })
                .collect::<Result<IndexMap<_, _>, ConstructError>>()?;
            Ok((
                chunk.suffix,
                Composition {
                    template: chunk.template,
                    origins,
                    children: Vec::new(),
                },
            ))
        })
        .collect::<Result<Vec<_>, ComposeError>>()?;
    Ok(Composition {
        template,
        origins,
        children,
    })
}

/// The `IdentityStoreId` parameter, defaulting to the definition's id.
pub(super) fn identity_store_parameter(
    template: &mut Template,
    ic: &super::definition::IdentityCenterSpec,
) -> Result<crate::template::ParameterHandle, ComposeError> {
    Ok(template.add_parameter(
        id("IdentityStoreId"),
        Parameter::new(ParameterType::String)
            .description(
                "The IAM Identity Center identity store id (in the Identity Center home region)",
            )
            .default_value(ic.identity_store_id.0.as_str())
            .allowed_pattern(IDENTITY_STORE_ID_PATTERN)
            .constraint_description("an identity store id such as d-1234567890"),
    )?)
}

/// The parts of an environment every Studio stack shares.
pub(super) struct Environment {
    pub buckets: IndexMap<String, SecureBucket>,
    pub logs: Option<LogBucket>,
    pub network: Option<PrivateNetwork>,
    pub studio: Option<StudioDomain>,
    /// With `split: nested`, the nested stacks holding the user profiles.
    pub user_chunks: Vec<UserChunk>,
}

/// Buckets, the private network and the Studio domain of a definition, as far as it
/// asks for them. `wants_log_bucket` adds the access-log bucket even without buckets
/// (a trail needs it).
pub(super) fn environment(
    stack: &LoadedStack,
    template: &mut Template,
    origins: &mut IndexMap<String, String>,
    names_by_definition: &mut IndexMap<String, LogicalId>,
    wants_log_bucket: bool,
    extension: FileExtension,
) -> Result<Environment, ComposeError> {
    let def = &stack.definition;
    let split = def.split == SplitMode::Nested;
    let mut user_chunks: Vec<UserChunk> = Vec::new();
    // Buckets first: the network's S3 endpoint admits only them.
    let mut buckets: IndexMap<String, SecureBucket> = IndexMap::new();
    let mut logs = None;
    if !def.buckets.is_empty() || wants_log_bucket {
        let mark = template.resources().count();
        logs = Some(LogBucket::build(template, &LogBucketProps::default())?);
        record(template, mark, "buckets", origins);
    }
    if let Some(logs) = logs.as_mut() {
        for (key, spec) in &def.buckets {
            let mark = template.resources().count();
            let bucket = SecureBucket::build(
                template,
                logs,
                &SecureBucketProps {
                    bucket_name: spec.bucket_name.clone(),
                    retain: spec.retain,
                    noncurrent_version_days: spec.noncurrent_version_days,
                    ..SecureBucketProps::new(&key.0)
                },
            )?;
            record(template, mark, &format!("buckets.{key}"), origins);
            names_by_definition.insert(key.0.clone(), bucket.bucket.logical_id().clone());
            buckets.insert(key.0.clone(), bucket);
        }
    }
    let s3_endpoint_policy =
        (!buckets.is_empty()).then(|| secure_bucket::endpoint_policy(buckets.values()));

    let network = match &def.network {
        Some(spec) => {
            let mark = template.resources().count();
            let network = PrivateNetwork::build(
                template,
                &PrivateNetworkProps {
                    cidr: spec.cidr.0,
                    availability_zones: spec.availability_zones.0,
                    subnet_prefix_length: spec
                        .subnet_prefix_length
                        .unwrap_or_else(|| PrivateNetworkProps::default_subnet_prefix(spec.cidr.0)),
                    endpoints: spec.endpoints.iter().map(|e| e.0).collect(),
                    flow_log_retention_days: spec
                        .flow_logs
                        .then_some(spec.flow_log_retention_days.0),
                    s3_endpoint_policy: s3_endpoint_policy.clone(),
                },
            )?;
            record(template, mark, "network", origins);
            names_by_definition.insert("network".into(), network.vpc.logical_id().clone());
            let written = stack.source.value_position("network.endpoints").is_some();
            for (i, e) in spec.endpoints.iter().enumerate() {
                let endpoint_id = e.0.logical_id();
                if written {
                    origins.insert(endpoint_id.to_string(), format!("network.endpoints[{i}]"));
                }
                names_by_definition.insert(e.0.short_name().to_string(), endpoint_id);
            }
            Some(network)
        }
        None => None,
    };

    let studio = match (&def.studio, &network) {
        (Some(spec), Some(network)) => {
            let users: Vec<String> = spec.users.iter().map(|u| u.0.clone()).collect();
            let mark = template.resources().count();
            let studio = StudioDomain::build(
                template,
                network,
                &StudioDomainProps {
                    domain_name: spec
                        .domain_name
                        .as_ref()
                        .map_or_else(|| stack.name.clone(), |n| n.0.clone()),
                    auth: match spec.auth {
                        AuthMode::Iam => StudioAuth::Iam,
                        AuthMode::Sso => StudioAuth::Sso,
                    },
                    // Split: the profiles go into nested stacks, below.
                    users: if split { Vec::new() } else { users.clone() },
                },
            )?;
            record(template, mark, "studio", origins);
            names_by_definition.insert("studio".into(), studio.domain.logical_id().clone());
            if split {
                let mark = template.resources().count();
                user_chunks = nested_users::build(
                    template,
                    &studio.domain,
                    &NestedUsersProps {
                        stack_name: &stack.name,
                        extension,
                        users: &users,
                        presigned_url: def.presigned_url.as_ref().map(|p| PresignedUrlProps {
                            expires_in_seconds: p.expires_in_seconds,
                            session_expiration_seconds: p.session_expiration_seconds,
                        }),
                    },
                )?;
                record(template, mark, "studio.users", origins);
            } else {
                for (i, user) in users.iter().enumerate() {
                    let profile = studio::user_profile_id(user)?;
                    origins.insert(profile.to_string(), format!("studio.users[{i}]"));
                    names_by_definition.insert(user.clone(), profile);
                }
            }
            Some(studio)
        }
        _ => None,
    };

    Ok(Environment {
        buckets,
        logs,
        network,
        studio,
        user_chunks,
    })
}

/// The outputs of the network and the domain.
pub(super) fn environment_outputs(
    template: &mut Template,
    network: &Option<PrivateNetwork>,
    studio: &Option<StudioDomain>,
) -> Result<(), ComposeError> {
    if let Some(network) = &network {
        template.add_output(
            id("VpcId"),
            Output::new(network.vpc.id()).description("The private VPC"),
        )?;
        for (service, endpoint) in network.endpoints() {
            template.add_output(
                LogicalId::new(format!("{}Id", service.logical_id()))?,
                Output::new(endpoint.id()).description(&format!("VPC endpoint for {service}")),
            )?;
        }
    }
    if let Some(studio) = &studio {
        template.add_output(
            id("StudioDomainId"),
            Output::new(studio.domain.domain_id()).description("The Studio domain"),
        )?;
    }
    Ok(())
}

/// Each bucket's name.
pub(super) fn bucket_outputs(
    template: &mut Template,
    buckets: &IndexMap<String, SecureBucket>,
) -> Result<(), ComposeError> {
    for (key, bucket) in buckets {
        template.add_output(
            LogicalId::from_words(&[key.as_str(), "bucket-name"])?,
            Output::new(bucket.bucket.name()).description(&format!("Bucket {key}")),
        )?;
    }
    Ok(())
}

/// Records each suppression in its resource's Metadata: ours (`sagesynth`), and
/// cfn-lint's and checkov's where they have the same check, with the same reason.
fn apply_suppressions(
    stack: &LoadedStack,
    template: &mut Template,
    names: &IndexMap<String, LogicalId>,
) -> Result<(), ComposeError> {
    apply_suppressions_to(stack, &mut [(template, names)])
}

/// Suppressions over several templates of one definition: each names a resource of the
/// first template that has it (by logical ID, or by a name in the definition).
pub(super) fn apply_suppressions_to(
    stack: &LoadedStack,
    targets: &mut [(&mut Template, &IndexMap<String, LogicalId>)],
) -> Result<(), ComposeError> {
    let def = &stack.definition;
    let mut per_resource: IndexMap<(usize, LogicalId), Vec<usize>> = IndexMap::new();
    let mut problems = Vec::new();
    for (i, s) in def.suppressions.iter().enumerate() {
        let found = targets
            .iter()
            .enumerate()
            .find_map(|(t, (template, names))| {
                template
                    .resources()
                    .find(|(id, _)| id.as_str() == s.resource)
                    .map(|(id, _)| id.clone())
                    .or_else(|| names.get(&s.resource).cloned())
                    .map(|id| (t, id))
            });
        match found {
            Some(key) => per_resource.entry(key).or_default().push(i),
            None => {
                let candidates: Vec<&str> = targets
                    .iter()
                    .flat_map(|(template, names)| {
                        names
                            .keys()
                            .map(String::as_str)
                            .chain(template.resources().map(|(id, _)| id.as_str()))
                    })
                    .collect();
                let mut d = stack.source.error_at_value(
                    &format!("suppressions[{i}].resource"),
                    format!(
                        "`{}` is neither a logical ID of this stack's template nor a name in its definition",
                        s.resource
                    ),
                );
                if let Some(close) = did_you_mean(&s.resource, candidates.iter().copied()) {
                    d = d.help(format!("did you mean `{close}`?"));
                }
                problems.push(d);
            }
        }
    }
    if !problems.is_empty() {
        return Err(ComposeError::Input(InputErrors(problems)));
    }
    for ((t, resource), indexes) in per_resource {
        let template = &mut *targets[t].0;
        let mut ours = Vec::new();
        let mut cfn_lint = Vec::new();
        let mut checkov = Vec::new();
        for i in indexes {
            let s = &def.suppressions[i];
            ours.push(Value::map([
                ("rule", Value::from(s.rule.as_str())),
                ("reason", Value::from(s.reason.trim())),
            ]));
            if let Some(rule) = rules::find(&s.rule) {
                cfn_lint.extend(rule.equivalents.cfn_lint.iter().map(|c| Value::from(*c)));
                checkov.extend(rule.equivalents.checkov.iter().map(|c| {
                    Value::map([
                        ("id", Value::from(*c)),
                        ("comment", Value::from(s.reason.trim())),
                    ])
                }));
            }
        }
        let entry = template
            .entry_by_id(&resource)
            .expect("resolved from the template's own resources");
        entry.metadata(
            "sagesynth",
            Value::map([("suppressions", Value::List(ours))]),
        );
        if !cfn_lint.is_empty() {
            entry.metadata(
                "cfn-lint",
                Value::map([(
                    "config",
                    Value::map([("ignore_checks", Value::List(cfn_lint))]),
                )]),
            );
        }
        if !checkov.is_empty() {
            entry.metadata("checkov", Value::map([("skip", Value::List(checkov))]));
        }
    }
    Ok(())
}
