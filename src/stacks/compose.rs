//! Composition: turns a checked definition into a template by running the constructs
//! its components ask for, in dependency order, and adding the stack's outputs
//! (per-user outputs last, so that the fixed ones lead the list). Each component is
//! built in a scope at its definition path (`Scope::at`), so the template records which
//! definition entry produced each resource, and findings and suppressions can be tied
//! back to the file.

use indexmap::IndexMap;

use crate::calendar::Date;
use crate::constructs::ConstructError;
use crate::constructs::bastion::{Bastion, BastionOs, BastionProps};
use crate::constructs::encryption_key::{EncryptionKey, EncryptionKeyProps};
use crate::constructs::endpoint_policy::EndpointPolicyProps;
use crate::constructs::grants::ml::{JobKind, MlAccess};
use crate::constructs::lifecycle_script::ScriptFragment;
use crate::constructs::mfa_guard;
use crate::constructs::ml_work::{self, MlJobs, MlPlacement, MlWorkProps};
use crate::constructs::nested_users::{self, NestedUsersProps, UserChunk};
use crate::constructs::network::{EndpointService, PrivateNetwork};
use crate::constructs::notebook_identity::{self, NotebookRoleProps};
use crate::constructs::notebooks::{self, NotebookPlacement, NotebookProps, UrlAccess};
use crate::constructs::onboarding_alarms::{OnboardingAlarms, OnboardingAlarmsProps};
use crate::constructs::package_repository::{PackageRepository, PackageRepositoryProps, PipTarget};
use crate::constructs::presigned_url::{self, Issuer, PresignedUrlProps, Shell};
use crate::constructs::scope::{ONLY, Scope};
use crate::constructs::secure_bucket::{
    self, Access, LogBucket, LogBucketProps, ObjectLock, Perimeter, SecureBucket, SecureBucketProps,
};
use crate::constructs::session_manager::SessionProps;
use crate::constructs::shared_notebook_role::{SharedNotebookRole, SharedRoleProps};
use crate::constructs::sso_onboarding::{
    GroupRole, Mapping, Onboarding, OnboardingProps, ProfileTarget, RoleRef,
};
use crate::constructs::studio::{StudioAuth, StudioDomain, StudioDomainProps};
use crate::constructs::studio_cleanup::HomeStorage;
use crate::constructs::studio_settings::{
    ImageReference, StudioApp, StudioImage, StudioLifecycleScript, StudioSettingsProps,
};
use crate::constructs::team::{self, Team, TeamProps, TeamUser};
use crate::constructs::trail;
use crate::diagnostic::did_you_mean;
use crate::resources::ec2::SecurityGroup;
use crate::resources::iam::policy::PolicyDocument;
use crate::resources::iam::{Group, Role};
use crate::resources::kms::Key;
use crate::resources::secretsmanager::Secret;
use crate::sub;
use crate::template::{
    DeletionPolicy, FileExtension, Handle, LogicalId, Output, Parameter, ParameterHandle,
    ParameterType, Pseudo, ResourceEntry, SourcePath, TagError, Tags, Template, Value,
};
use crate::validate::rules;

use super::check;
use super::definition::{
    AccessLevel, AuthMode, BucketKey, EcrGrantsSpec, HomeStorageOnDelete,
    IDENTITY_STORE_ID_PATTERN, IdentityCenterSpec, MappingMode, NotebookIdentityMode,
    NotebooksSpec, OnboardingSpec, SageMakerGrantsSpec, SplitMode, StackDefinition, StudioAppType,
    StudioSpec, TeamSpec, TrailMode,
};
use super::load::{InputErrors, LoadedStack};

/// A composed stack: the template (which records where in the definition each resource
/// comes from, see [`Template::origin`]), and its other templates.
#[derive(Clone, Debug)]
pub struct Composition {
    pub template: Template,
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

impl From<crate::template::AddError> for ComposeError {
    fn from(e: crate::template::AddError) -> Self {
        ComposeError::Construct(e.into())
    }
}

impl From<crate::template::InvalidLogicalId> for ComposeError {
    fn from(e: crate::template::InvalidLogicalId) -> Self {
        ComposeError::Construct(e.into())
    }
}

/// Definition names that stand for one resource (a bucket's, a user's), for
/// suppressions that name the resource by its definition name.
pub(super) type Names = IndexMap<String, LogicalId>;

/// The definition path of a top-level component: `SourcePath::field("bastion")`.
pub(super) fn at(component: &str) -> SourcePath {
    SourcePath::field(component)
}

/// The bucket grants a team or group asks for, as the policy document of its principal.
pub(super) fn bucket_grants(
    buckets: &IndexMap<String, SecureBucket>,
    access: &IndexMap<BucketKey, Vec<AccessLevel>>,
) -> Result<PolicyDocument, ConstructError> {
    let mut grants = PolicyDocument::new();
    for (bucket, levels) in access {
        let levels: Vec<Access> = levels.iter().map(|l| Access::from(*l)).collect();
        let bucket = buckets
            .get(&bucket.0)
            .ok_or_else(|| ConstructError::Invalid(format!("bucket `{bucket}` is not defined")))?;
        bucket.grant(&mut grants, &levels, None)?;
    }
    Ok(grants)
}

/// Composes a definition whose templates are written as JSON.
pub fn compose(stack: &LoadedStack) -> Result<Composition, ComposeError> {
    compose_for(stack, FileExtension::Json)
}

/// Composes a definition whose templates are written with the file extension `extension`:
/// nested stacks name their child templates by file name. The parent first, then the
/// nested stacks of user profiles ([`NestedUserStacks`]), side by side.
pub fn compose_for(
    stack: &LoadedStack,
    extension: FileExtension,
) -> Result<Composition, ComposeError> {
    let user_stacks = NestedUserStacks::of(stack, extension)?;
    let mut parent = compose_parent(stack, extension)?;
    if let Some(user_stacks) = &user_stacks {
        let (_, children) = crate::parallel::map_alongside(
            || (),
            user_stacks.chunks().collect(),
            |i| user_stacks.compose(stack, i),
        );
        for (i, child) in children.into_iter().enumerate() {
            parent.children.push((user_stacks.suffix(i), child?));
        }
    }
    Ok(parent)
}

/// Composes a definition's templates but the children of its nested stacks of user
/// profiles, which [`NestedUserStacks`] composes: the parent holds their nested stacks
/// and does not depend on their templates, so that a run composes those side by side with
/// it. Never inlined, so that a profile of the whole process shows this phase under its
/// own name (`.ci/profile-phases.py` reads it).
#[inline(never)]
pub fn compose_parent(
    stack: &LoadedStack,
    extension: FileExtension,
) -> Result<Composition, ComposeError> {
    let composed = if stack.definition.accounts.is_empty() {
        compose_single_account(stack, extension)
    } else {
        super::compose_accounts::compose(stack, extension)
    };
    composed.map_err(|e| locate_tag_error(stack, e))
}

/// The children of a split definition's nested stacks of Studio user profiles
/// (`split: nested`, see [`nested_users`]): what composing them needs, taken from the
/// definition alone, so that they can be composed before, after or beside the parent.
pub struct NestedUserStacks {
    stack_name: String,
    extension: FileExtension,
    tags: Tags,
    users: Vec<String>,
    offboarded: IndexMap<String, Date>,
    presigned_url: Option<PresignedUrlProps>,
}

impl NestedUserStacks {
    /// The nested stacks of `stack`'s users, or `None` when it keeps them in its template.
    pub fn of(
        stack: &LoadedStack,
        extension: FileExtension,
    ) -> Result<Option<NestedUserStacks>, ComposeError> {
        let def = &stack.definition;
        let Some(users) = split_users(def) else {
            return Ok(None);
        };
        Ok(Some(NestedUserStacks {
            stack_name: stack.name.clone(),
            extension,
            tags: stack_tags(stack)?,
            users: users.iter().map(|u| u.name.0.clone()).collect(),
            offboarded: offboarded_users(def),
            presigned_url: presigned_url_props(def),
        }))
    }

    /// The chunks of users, each a child template: `0..n`.
    pub fn chunks(&self) -> std::ops::Range<usize> {
        0..nested_users::chunk_count(self.users.len())
    }

    /// The file-name suffix of chunk `i`'s template: `users-001` for chunk 0.
    pub fn suffix(&self, i: usize) -> String {
        nested_users::chunk_suffix(i + 1)
    }

    /// The template of chunk `i`, each profile's origin its user's entry in `stack`'s
    /// definition. Never inlined, so that a profile of the whole process adds it to the
    /// composition (`.ci/profile-phases.py` reads it).
    #[inline(never)]
    pub fn compose(&self, stack: &LoadedStack, i: usize) -> Result<Composition, ComposeError> {
        let (mut template, profiles) = nested_users::child_template(&self.tags, i, &self.props())
            .map_err(|e| locate_tag_error(stack, e.into()))?;
        let first = nested_users::chunk_first(i);
        for (j, profile) in profiles.iter().enumerate() {
            template.set_origin(profile, at("studio").then("users").at(first + j));
        }
        Ok(Composition {
            template,
            children: Vec::new(),
        })
    }

    fn props(&self) -> NestedUsersProps<'_> {
        NestedUsersProps {
            stack_name: &self.stack_name,
            extension: self.extension,
            users: &self.users,
            offboarded: &self.offboarded,
            presigned_url: self.presigned_url,
        }
    }
}

/// The Studio users of a definition that moves them into nested stacks, and `None` for
/// one that keeps them in its template: a single-account definition with `split: nested`
/// and a Studio domain (which has a network: the input checks refuse `studio` without
/// one). A multi-account definition's member environment never splits.
fn split_users(def: &StackDefinition) -> Option<&[super::definition::StudioUserSpec]> {
    if !def.accounts.is_empty() || def.split != SplitMode::Nested {
        return None;
    }
    def.studio.as_ref().map(|s| s.users.as_slice())
}

/// The definition's `tags`, which every template it produces carries
/// ([`Template::set_tags`], set on each template before anything is added to it).
pub(super) fn stack_tags(stack: &LoadedStack) -> Result<Tags, ComposeError> {
    Tags::from_pairs(
        stack
            .definition
            .tags
            .iter()
            .map(|(k, v)| (k.0.as_str(), v.0.as_str())),
    )
    .map_err(|e| ComposeError::Input(InputErrors(vec![stack.source.error_at_key("tags", e)])))
}

/// A definition tag that does not fit a resource is the definition's error: it points at
/// the tag (a clash with a construct's tag) or at `tags` (too many with the resource's own).
fn locate_tag_error(stack: &LoadedStack, e: ComposeError) -> ComposeError {
    let ComposeError::Construct(ConstructError::Tags { id, error }) = &e else {
        return e;
    };
    let resource = id
        .as_ref()
        .map_or_else(|| "the template".to_string(), |id| format!("`{id}`"));
    let d = match error {
        TagError::Clash { key, .. } => stack
            .source
            .error_at_key(
                &format!("tags.{key}"),
                format!("tag `{key}` on {resource}: {error}"),
            )
            .help(format!(
                "`{key}` is a tag the construct sets itself; choose another key"
            )),
        TagError::TooMany { .. } => stack
            .source
            .error_at_key("tags", format!("tags on {resource}: {error}"))
            .help("drop tags: the resource's own tags count toward the limit"),
        TagError::UnknownType { .. } | TagError::Malformed { .. } => return e,
    };
    ComposeError::Input(InputErrors(vec![d]))
}

/// A single-account definition: one template, and its nested stacks of user profiles.
fn compose_single_account(
    stack: &LoadedStack,
    extension: FileExtension,
) -> Result<Composition, ComposeError> {
    let def = &stack.definition;
    let mut template = Template::new();
    template.set_tags(&stack_tags(stack)?)?;
    if let Some(description) = &def.description {
        template.set_description(description);
    }
    let mut names = Names::new();
    let user_chunks = compose_single(
        stack,
        &mut Scope::root(&mut template),
        &mut names,
        extension,
    )?;
    apply_suppressions(stack, &mut template, &names)?;
    if let Some(metadata) = template_metadata(stack, true) {
        template.set_metadata("sagesynth", metadata);
    }
    // The children are composed by `NestedUserStacks`, from the same users of the
    // definition: the chunks the parent holds are the ones it composes.
    debug_assert_eq!(
        user_chunks.len(),
        split_users(def).map_or(0, |users| nested_users::chunk_count(users.len())),
        "the parent's nested stacks of user profiles and the children composed differ"
    );
    Ok(Composition {
        template,
        children: Vec::new(),
    })
}

/// Everything of a single-account definition, in the order of its template; returns the
/// nested stacks of user profiles (with `split: nested`).
fn compose_single(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
    extension: FileExtension,
) -> Result<Vec<UserChunk>, ComposeError> {
    let def = &stack.definition;
    let wants_trail = def
        .onboarding
        .as_ref()
        .is_some_and(|o| o.trail == TrailMode::Create);
    let mut env = environment(stack, root, names, wants_trail, extension)?;
    let identity = identity_center(stack, root, names, &mut env)?;
    let bastion = bastion(stack, root, names, env.network.as_ref())?;
    let base = notebook_base(stack, root, env.network.as_ref())?;
    let notebook_lookups = notebooks(stack, root, names, &env, base.as_ref())?;
    let teams = teams(stack, root, names, &env, base.as_ref())?;

    environment_outputs(root, &env.network, &env.studio, studio_auth(def))?;
    if let (Some(_), Some(ic)) = (&env.studio, &def.identity_center) {
        access_portal_output(root, ic)?;
    }
    if let Some(packages) = &env.packages {
        root.add_output(
            &["PipIndexUrl"],
            Output::new(packages.pip_index_url())
                .description("pip index URL of the CodeArtifact repository (log in with aws codeartifact login --tool pip)"),
        )?;
    }
    nested_users::outputs(root, &env.user_chunks)?;
    if let Some(bastion) = &bastion {
        root.add_output(
            &["BastionInstanceId"],
            Output::new(bastion.instance.id())
                .description("Connect with Session Manager or Fleet Manager (RDP)"),
        )?;
        bastion_outputs(root, bastion)?;
    }
    bucket_outputs(root, &env.buckets)?;
    team_outputs(root, &teams, &url_access(&stack.definition))?;
    if let Some(identity) = &identity {
        onboarding_outputs(root, identity)?;
    }
    console_user_outputs(root, &teams)?;
    notebook_outputs(root, &notebook_lookups)?;
    if let (Some(network), Some(studio), Some(bastion)) = (&env.network, &env.studio, &bastion) {
        presigned_url(stack, root, names, network, studio, bastion)?;
    }
    Ok(env.user_chunks)
}

/// How the definition's Studio users sign in (IAM when there is no `studio`).
pub(super) fn studio_auth(def: &StackDefinition) -> AuthMode {
    def.studio.as_ref().map(|s| s.auth).unwrap_or_default()
}

/// Identity Center groups, and the onboarding built for them.
struct IdentityCenter {
    onboarding: Option<Onboarding>,
    /// The alarms on the onboarding, when there is one.
    alarms: Option<OnboardingAlarms>,
    /// Each group's name, Identity Store id and role ARN, in definition (precedence)
    /// order.
    group_role_arns: Vec<(String, String, Value)>,
}

/// Identity Center groups: an execution role and an application assignment each, then the
/// onboarding functions that use them.
fn identity_center(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
    env: &mut Environment,
) -> Result<Option<IdentityCenter>, ComposeError> {
    let def = &stack.definition;
    let (Some(studio), Some(ic)) = (&env.studio, &def.identity_center) else {
        return Ok(None);
    };
    let identity_store = identity_store_parameter(root, ic)?;
    let mut group_roles = Vec::new();
    let mut group_role_arns = Vec::new();
    for (group, spec) in &def.groups {
        let scope = &mut root.at(at("groups").then(group.0.as_str()));
        let grants = bucket_grants(&env.buckets, &spec.grants.buckets)?;
        let role = studio.group_role(scope, &group.0, grants.clone())?;
        group_ml_work(
            scope,
            &group.0,
            spec,
            &role,
            studio,
            env.network.as_ref(),
            grants,
        )?;
        let group_id = mapped_group_id(&group.0, spec)?;
        studio.assign_group(scope, &group.0, &group_id)?;
        names.insert(group.0.clone(), role.logical_id().clone());
        group_role_arns.push((group.0.clone(), group_id.clone(), role.arn()));
        group_roles.push(GroupRole {
            name: group.0.clone(),
            group_id,
            role: RoleRef::Arn(role.arn()),
        });
    }
    let mut onboarding = None;
    let mut alarms = None;
    if let Some(spec) = &def.onboarding {
        let scope = &mut root.at(at("onboarding"));
        let built = Onboarding::new(
            scope,
            ONLY,
            &OnboardingProps {
                target: ProfileTarget::Domain(studio.domain.clone()),
                identity_store_id: identity_store.value(),
                groups: group_roles,
                mapping: match spec.mapping {
                    MappingMode::Inline => Mapping::Inline,
                    MappingMode::Dynamodb => Mapping::DynamoDb,
                },
                app_delete_timeout_seconds: spec.app_delete_timeout_seconds,
                reconcile_every_minutes: spec.reconcile_minutes().ok_or_else(|| {
                    ConstructError::Invalid("onboarding.reconcile_every was not checked".into())
                })?,
                offboarding_grace_days: spec.offboarding_grace_days,
                network: env.network.clone(),
            },
        )?;
        if spec.trail == TrailMode::Create {
            let through = env
                .network
                .as_ref()
                .and_then(|n| n.endpoint(EndpointService::S3))
                .map(|endpoint| vec![endpoint.id()])
                .unwrap_or_default();
            let logs = env
                .logs
                .as_mut()
                .ok_or_else(|| ConstructError::Invalid("the trail needs the log bucket".into()))?;
            trail::new(scope, "ManagementEvents", logs, &perimeter(def), through)?;
        }
        alarms = Some(onboarding_alarms(scope, &built, spec)?);
        onboarding = Some(built);
    }
    Ok(Some(IdentityCenter {
        onboarding,
        alarms,
        group_role_arns,
    }))
}

/// The SageMaker work of an Identity Center group's execution role `role`, if the group
/// has any: a team named after the group in the Studio domain's placement, whose jobs
/// reach the group's buckets (`grants`), as its role does.
pub(super) fn group_ml_work(
    scope: &mut Scope,
    group: &str,
    spec: &super::definition::GroupSpec,
    role: &Handle<Role>,
    studio: &StudioDomain,
    network: Option<&PrivateNetwork>,
    grants: PolicyDocument,
) -> Result<Option<MlJobs>, ComposeError> {
    let (Some(work), Some(network)) = (
        ml_work_props(group, spec.sagemaker.as_ref(), spec.ecr.as_ref()),
        network,
    ) else {
        return Ok(None);
    };
    let jobs = ml_work::attach_with_job_role(
        &mut scope.child(group),
        role,
        &MlPlacement {
            network,
            security_group: &studio.security_group,
            key: &studio.key,
        },
        &work,
        grants,
    )?;
    Ok(Some(jobs))
}

/// How to connect: the session command with the stack's document, and the operators'
/// policy to attach to the people who connect.
fn bastion_outputs(root: &mut Scope, bastion: &Bastion) -> Result<(), ComposeError> {
    root.add_output(
        &["BastionSessionCommand"],
        Output::new(sub![
            "aws ssm start-session --region ",
            Pseudo::Region,
            " --target ",
            bastion.instance.id(),
            " --document-name ",
            bastion.sessions.document.name()
        ])
        .description("Open a recorded, encrypted shell on the bastion (the stack's Session document; a session without it is refused)"),
    )?;
    root.add_output(
        &["BastionSessionDocument"],
        Output::new(bastion.sessions.document.name())
            .description("The Session document every bastion session must use"),
    )?;
    root.add_output(
        &["BastionOperatorPolicyArn"],
        Output::new(bastion.operator_policy.arn())
            .description("Attach to the roles or groups of the people who connect to the bastion"),
    )?;
    Ok(())
}

fn bastion(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
    network: Option<&PrivateNetwork>,
) -> Result<Option<Bastion>, ComposeError> {
    let (Some(spec), Some(network)) = (&stack.definition.bastion, network) else {
        return Ok(None);
    };
    let os = BastionOs::from(spec.os);
    let bastion = Bastion::new(
        &mut root.at(at("bastion")),
        "Bastion",
        network,
        &BastionProps {
            os,
            instance_type: spec.instance_type.0.clone(),
            root_volume_gb: spec
                .root_volume_gb
                .unwrap_or_else(|| os.default_root_volume_gb()),
            sessions: {
                let default = SessionProps::default();
                SessionProps {
                    idle_timeout_minutes: spec
                        .idle_session_timeout_minutes
                        .unwrap_or(default.idle_timeout_minutes),
                    max_duration_minutes: spec
                        .max_session_duration_minutes
                        .unwrap_or(default.max_duration_minutes),
                    ..default
                }
            },
        },
    )?;
    names.insert("bastion".into(), bastion.instance.logical_id().clone());
    Ok(Some(bastion))
}

/// The key and security group every notebook of the stack shares.
struct NotebookBase {
    key: Handle<Key>,
    security_group: Handle<SecurityGroup>,
}

fn notebook_base(
    stack: &LoadedStack,
    root: &mut Scope,
    network: Option<&PrivateNetwork>,
) -> Result<Option<NotebookBase>, ComposeError> {
    let def = &stack.definition;
    let Some(network) = network else {
        return Ok(None);
    };
    if def.notebooks.is_none() && def.teams.is_empty() {
        return Ok(None);
    }
    let component = if def.notebooks.is_some() {
        "notebooks"
    } else {
        "teams"
    };
    let scope = &mut root.at(at(component));
    let key = EncryptionKey::new(
        scope,
        "Notebook",
        &EncryptionKeyProps {
            alias_suffix: "notebooks",
            description: "Encrypts the notebook instances' storage volumes",
            via_services: &["sagemaker"],
            // A notebook's storage volume is deleted with the instance, and the instances
            // with the stack: nothing the key encrypts outlives it.
            deletion_policy: DeletionPolicy::Delete,
        },
    )?
    .key;
    let security_group = notebooks::security_group(scope, "Notebook", network)?;
    Ok(Some(NotebookBase {
        key,
        security_group,
    }))
}

/// How to find a notebook's calls in CloudTrail, for the outputs.
struct NotebookLookup {
    notebook: String,
    command: Value,
    description: String,
}

/// The notebooks of `notebooks.instances`, each with its own role, or all with the shared
/// role and the identity lifecycle configuration; returns how to find their calls.
fn notebooks(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
    env: &Environment,
    base: Option<&NotebookBase>,
) -> Result<Vec<NotebookLookup>, ComposeError> {
    let (Some(spec), Some(network), Some(base)) = (&stack.definition.notebooks, &env.network, base)
    else {
        return Ok(Vec::new());
    };
    let scope = &mut root.at(at("notebooks"));
    let limits: Vec<(String, u32)> = spec
        .instances
        .iter()
        .filter_map(|(name, n)| n.idle_stop_minutes.map(|m| (name.0.clone(), m)))
        .collect();
    let fragments = notebook_fragments(&limits, env.packages.as_ref())?;
    let grants = package_grants(env.packages.as_ref())?;
    let (shared, on_start) = match spec.identity {
        NotebookIdentityMode::RolePerNotebook => (
            None,
            notebooks::lifecycle_config(
                scope,
                "NotebookOnStartConfig",
                &check::notebook_on_start_config_name(stack.resource_name()),
                &fragments,
                None,
            )?,
        ),
        NotebookIdentityMode::SharedRoleWithSessionNames => {
            let shared = shared_role(stack, scope, spec, base, network, &fragments)?;
            let config = shared.lifecycle_config.clone();
            (Some(shared), Some(config))
        }
    };
    let mut lookups = Vec::new();
    for (name, notebook) in &spec.instances {
        let scope = &mut scope.at(at("notebooks").then("instances").then(name.0.as_str()));
        let (role_arn, lookup) = match &shared {
            Some(shared) => (shared.role.arn(), session_lookup(&name.0)),
            None => {
                let props = NotebookRoleProps {
                    notebook: name.0.clone(),
                    name_prefix: spec
                        .role
                        .name_prefix
                        .as_ref()
                        .map_or_else(String::new, |p| p.0.clone()),
                    path: spec.role.path.0.clone(),
                    idle_stop: notebook.idle_stop_minutes.is_some(),
                };
                let role = notebook_identity::new(scope, &props, &base.key, &grants)?;
                if let Some(work) =
                    ml_work_props(&name.0, spec.sagemaker.as_ref(), spec.ecr.as_ref())
                {
                    ml_work::attach_with_job_role(
                        &mut scope.child(&format!("notebook-{}", name.0)),
                        &role,
                        &MlPlacement {
                            network,
                            security_group: &base.security_group,
                            key: &base.key,
                        },
                        &work,
                        PolicyDocument::new(),
                    )?;
                }
                (role.arn(), role_lookup(&name.0, &props.role_name()))
            }
        };
        let handle = notebooks::new(
            scope,
            &NotebookPlacement {
                network,
                security_group: &base.security_group,
                key: &base.key,
                role_arn,
                lifecycle_config: on_start.as_ref(),
            },
            &NotebookProps {
                name: name.0.clone(),
                instance_type: notebook.instance_type.0.clone(),
                volume_size_gb: notebook.volume_size_gb,
                idle_stop_minutes: notebook.idle_stop_minutes,
            },
        )?;
        names.insert(name.0.clone(), handle.logical_id().clone());
        lookups.push(lookup);
    }
    Ok(lookups)
}

/// The shared role of `identity: shared-role-with-session-names` and its lifecycle
/// configuration (`NotebookExecutionRole`, `NotebookIdentityLifecycleConfig`).
fn shared_role(
    stack: &LoadedStack,
    scope: &mut Scope,
    spec: &NotebooksSpec,
    base: &NotebookBase,
    network: &PrivateNetwork,
    extra_on_start: &[ScriptFragment],
) -> Result<SharedNotebookRole, ComposeError> {
    let name = spec.role.name.as_ref().ok_or_else(|| {
        ConstructError::Invalid(
            "the shared notebook role has no name (the definition check requires one)".into(),
        )
    })?;
    Ok(SharedNotebookRole::new(
        scope,
        "Notebook",
        &SharedRoleProps {
            name: name.0.clone(),
            path: spec.role.path.0.clone(),
            notebooks: spec.instances.keys().map(|n| n.0.clone()).collect(),
        },
        &base.key,
        network,
        &check::notebook_identity_config_name(stack.resource_name()),
        extra_on_start,
    )?)
}

/// CloudTrail's user name of an assumed-role call is its session name: with the shared
/// role, the notebook's.
fn session_lookup(notebook: &str) -> NotebookLookup {
    NotebookLookup {
        notebook: notebook.to_string(),
        command: sub![
            "aws cloudtrail lookup-events --region ",
            Pseudo::Region,
            format!(" --lookup-attributes AttributeKey=Username,AttributeValue={notebook}")
        ],
        description: format!(
            "The API calls made as notebook {notebook}'s session (any notebook of the shared role can take this name)"
        ),
    }
}

/// With a role per notebook every call's identity is `assumed-role/<role name>/…`, whatever
/// the session name: the events are found by the role's name in them.
fn role_lookup(notebook: &str, role_name: &str) -> NotebookLookup {
    NotebookLookup {
        notebook: notebook.to_string(),
        command: sub![
            "aws cloudtrail lookup-events --region ",
            Pseudo::Region,
            format!(
                " --query \"Events[?contains(CloudTrailEvent, ':assumed-role/{role_name}/')].[EventTime,EventSource,EventName]\" --output text"
            )
        ],
        description: format!(
            "The API calls made with notebook {notebook}'s role {role_name} (reads the region's last 90 days of management events)"
        ),
    }
}

/// A built team, for the outputs.
struct BuiltTeam {
    name: String,
    notebook_name: String,
    /// (user name, initial-password secret) of its console users.
    console_users: Vec<(String, Handle<Secret>)>,
}

/// The teams, then the MFA guard of all their groups.
/// A team role's grants: its buckets as its `access` says, and the package repository's
/// read grant when the stack has one.
fn team_grants(env: &Environment, spec: &TeamSpec) -> Result<PolicyDocument, ComposeError> {
    let mut grants = bucket_grants(&env.buckets, &spec.access)?;
    grants.push(
        package_grants(env.packages.as_ref())?
            .statement_list()
            .iter()
            .cloned(),
    );
    Ok(grants)
}

fn teams(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
    env: &Environment,
    base: Option<&NotebookBase>,
) -> Result<Vec<BuiltTeam>, ComposeError> {
    let def = &stack.definition;
    let (Some(network), Some(base)) = (&env.network, base) else {
        return Ok(Vec::new());
    };
    if def.teams.is_empty() {
        return Ok(Vec::new());
    }
    let mut built_teams = Vec::new();
    let mut groups: Vec<Handle<Group>> = Vec::new();
    let console_users = def
        .teams
        .values()
        .any(|spec| spec.users.iter().any(|u| u.console_access));
    let password_key = if console_users {
        Some(team::initial_password_key(
            &mut root.at(at("teams")),
            "InitialPassword",
        )?)
    } else {
        None
    };
    let limits: Vec<(String, u32)> = def
        .teams
        .iter()
        .filter_map(|(team, spec)| {
            let minutes = spec.notebook.idle_stop_minutes?;
            Some((
                check::team_notebook_name(stack.resource_name(), &team.0),
                minutes,
            ))
        })
        .collect();
    let fragments = notebook_fragments(&limits, env.packages.as_ref())?;
    let on_start = notebooks::lifecycle_config(
        &mut root.at(at("teams")),
        "NotebookOnStartConfig",
        &check::notebook_on_start_config_name(stack.resource_name()),
        &fragments,
        None,
    )?;
    for (team, spec) in &def.teams {
        let path = at("teams").then(team.0.as_str());
        let scope = &mut root.at(path.clone());
        let notebook_name = check::team_notebook_name(stack.resource_name(), &team.0);
        let built = Team::new(
            scope,
            &team.0,
            network,
            &base.security_group,
            &base.key,
            &TeamProps {
                notebook: NotebookProps {
                    name: notebook_name.clone(),
                    instance_type: spec.notebook.instance_type.0.clone(),
                    volume_size_gb: spec.notebook.volume_size_gb,
                    idle_stop_minutes: spec.notebook.idle_stop_minutes,
                },
                lifecycle_config: on_start.clone(),
                grants: team_grants(env, spec)?,
                job_grants: bucket_grants(&env.buckets, &spec.access)?,
                url_access: url_access(def),
                users: spec
                    .users
                    .iter()
                    .map(|u| TeamUser {
                        name: u.name.0.clone(),
                        console_access: u.console_access,
                    })
                    .collect(),
                password_key: password_key.clone(),
                ml_work: team_ml_work(&team.0, spec),
            },
        )?;
        names.insert(team.0.clone(), built.notebook.logical_id().clone());
        let mut console_users = Vec::new();
        for (i, (user, handle, secret)) in built.users.iter().enumerate() {
            let user_path = path.clone().then("users").at(i);
            scope.record_origin(handle, user_path.clone());
            names.insert(user.clone(), handle.logical_id().clone());
            if let Some(secret) = secret {
                scope.record_origin(secret, user_path);
                console_users.push((user.clone(), secret.clone()));
            }
        }
        groups.push(built.group);
        built_teams.push(BuiltTeam {
            name: team.0.clone(),
            notebook_name,
            console_users,
        });
    }
    let group_handles: Vec<&Handle<Group>> = groups.iter().collect();
    mfa_guard::new(&mut root.at(at("teams")), "MfaGuard", &group_handles)?;
    Ok(built_teams)
}

/// The SageMaker work a team's definition asks for, if any.
fn team_ml_work(team: &str, spec: &TeamSpec) -> Option<MlWorkProps> {
    ml_work_props(team, spec.sagemaker.as_ref(), spec.ecr.as_ref())
}

/// The SageMaker work of `sagemaker` and `ecr` (of a team or of Studio) for `team`, if
/// either is given.
fn ml_work_props(
    team: &str,
    sagemaker: Option<&SageMakerGrantsSpec>,
    ecr: Option<&EcrGrantsSpec>,
) -> Option<MlWorkProps> {
    if sagemaker.is_none() && ecr.is_none() {
        return None;
    }
    let sagemaker = sagemaker.cloned().unwrap_or_default();
    Some(MlWorkProps {
        team: team.to_string(),
        access: MlAccess {
            jobs: sagemaker.jobs.iter().map(|j| JobKind::from(*j)).collect(),
            models: sagemaker.models,
            endpoints: sagemaker.endpoints,
            experiments: sagemaker.experiments,
            model_registry: sagemaker.model_registry,
        },
        instance_types: sagemaker
            .instance_types
            .iter()
            .map(|t| t.0.clone())
            .collect(),
        network_isolation: sagemaker.network_isolation,
        repositories: ecr
            .iter()
            .flat_map(|e| e.repositories.iter().map(|r| r.0.clone()))
            .collect(),
    })
}

/// Where the teams' users may open their notebooks: the definition's public ranges, or
/// (by default) only through the stack's endpoints.
fn url_access(def: &super::definition::StackDefinition) -> UrlAccess {
    match &def.notebook_access {
        Some(access) if !access.source_ip.is_empty() => {
            UrlAccess::FromRanges(access.source_ip.iter().map(|r| r.0.to_string()).collect())
        }
        _ => UrlAccess::ThroughEndpoints,
    }
}

/// The Studio users being offboarded (`offboard_after`), with their dates.
fn offboarded_users(def: &super::definition::StackDefinition) -> IndexMap<String, Date> {
    def.studio
        .iter()
        .flat_map(|s| &s.users)
        .filter_map(|u| Some((u.name.0.clone(), u.offboard_after?.0)))
        .collect()
}

/// The presigned-URL policy (for people, or on the bastion's role), its ARN as an output
/// when people attach it, and the per-user commands (none for a user being offboarded).
fn presigned_url(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
    network: &PrivateNetwork,
    studio: &StudioDomain,
    bastion: &Bastion,
) -> Result<(), ComposeError> {
    let def = &stack.definition;
    let Some(props) = presigned_url_props(def) else {
        return Ok(());
    };
    let offboarded = offboarded_users(def);
    let offboarded_names: Vec<String> = offboarded.keys().cloned().collect();
    let policy = presigned_url::new(
        &mut root.at(at("presigned_url")),
        "PresignedUrl",
        network,
        studio,
        props.issuer,
        &bastion.role,
        &presigned_url::Profiles {
            any: def.studio.as_ref().is_some_and(|s| !s.users.is_empty()),
            offboarded: &offboarded_names,
        },
    )?;
    names.insert("presigned_url".into(), policy.logical_id().clone());
    if props.issuer == Issuer::People {
        root.add_output(
            &["PresignedUrlPolicyArn"],
            Output::new(policy.arn()).description(
                "Attach to the IAM users (or their group) who open Studio; each user's name must be the profile's",
            ),
        )?;
    }
    // Split, each nested stack has its own users' outputs.
    presigned_url::user_outputs(
        root,
        &studio.domain.domain_id(),
        studio
            .user_profiles
            .keys()
            .filter(|u| !offboarded.contains_key(*u))
            .map(String::as_str),
        &props,
    )?;
    Ok(())
}

/// What the per-user commands need: the lifetimes, who runs them, and on which bastion.
fn presigned_url_props(def: &super::definition::StackDefinition) -> Option<PresignedUrlProps> {
    let spec = def.presigned_url.as_ref()?;
    let os = def
        .bastion
        .as_ref()
        .map_or(BastionOs::Windows, |b| BastionOs::from(b.os));
    Some(PresignedUrlProps {
        expires_in_seconds: spec.expires_in_seconds,
        session_expiration_seconds: spec.session_expiration_seconds,
        issuer: spec.issuer.into(),
        shell: Shell::from(os),
    })
}

fn team_outputs(
    root: &mut Scope,
    teams: &[BuiltTeam],
    access: &UrlAccess,
) -> Result<(), ComposeError> {
    for team in teams {
        let name = &team.name;
        let notebook = &team.notebook_name;
        let how = match access {
            UrlAccess::ThroughEndpoints => format!(
                "open it from inside the VPC (or a network joined to it), through the stack's sagemaker.api and notebook endpoints, with the command of output {}NotebookUrlCommand",
                crate::template::pascal_case(name)
            ),
            UrlAccess::FromRanges(_) => {
                "open it from the SageMaker console, from the network ranges of notebook_access.source_ip".to_string()
            }
        };
        root.add_output(
            &[name.as_str(), "notebook-name"],
            Output::new(notebook.as_str()).description(format!(
                "Notebook of team {name}; members sign in with MFA and {how}"
            )),
        )?;
        if *access == UrlAccess::ThroughEndpoints {
            root.add_output(
                &[name.as_str(), "notebook-url-command"],
                Output::new(sub![
                    "aws sagemaker create-presigned-notebook-instance-url --region ",
                    Pseudo::Region,
                    format!(
                        " --notebook-instance-name {notebook} --query AuthorizedUrl --output text"
                    )
                ])
                .description(format!(
                    "Run inside the VPC, with MFA session credentials, to open the notebook of team {name}; refused elsewhere"
                )),
            )?;
        }
    }
    Ok(())
}

/// The alarms on `onboarding`, notifying the definition's addresses.
pub(super) fn onboarding_alarms(
    scope: &mut Scope,
    onboarding: &Onboarding,
    spec: &OnboardingSpec,
) -> Result<OnboardingAlarms, ComposeError> {
    Ok(OnboardingAlarms::new(
        scope,
        ONLY,
        &OnboardingAlarmsProps {
            onboarding,
            emails: spec.alarms.email.iter().map(|e| e.0.clone()).collect(),
        },
    )?)
}

/// The topic the onboarding alarms notify, for subscriptions beyond the definition's.
pub(super) fn alarm_outputs(
    root: &mut Scope,
    alarms: &OnboardingAlarms,
) -> Result<(), ComposeError> {
    root.add_output(
        &["OnboardingAlarmTopicArn"],
        Output::new(alarms.topic.arn()).description(
            "SNS topic of the onboarding alarms (dead-letter queue, function errors and throttles, drift, quarantine); subscribe to it to be notified",
        ),
    )?;
    Ok(())
}

/// Where Identity Center users sign in, when the definition gives it.
pub(super) fn access_portal_output(
    root: &mut Scope,
    ic: &IdentityCenterSpec,
) -> Result<(), ComposeError> {
    if let Some(url) = &ic.access_portal_url {
        root.add_output(
            &["AccessPortalUrl"],
            Output::new(url.0.as_str()).description(
                "Users sign in here with their Identity Center credentials and open Studio from its application tile",
            ),
        )?;
    }
    Ok(())
}

fn onboarding_outputs(root: &mut Scope, identity: &IdentityCenter) -> Result<(), ComposeError> {
    let Some(onboarding) = &identity.onboarding else {
        return Ok(());
    };
    root.add_output(
        &["OnboardingDeadLetterQueueUrl"],
        Output::new(onboarding.dead_letter_queue.url())
            .description("Events the onboarding or offboarding function could not process"),
    )?;
    if let Some(alarms) = &identity.alarms {
        alarm_outputs(root, alarms)?;
    }
    let Some(table) = &onboarding.table else {
        return Ok(());
    };
    for (i, (name, group_id, arn)) in identity.group_role_arns.iter().enumerate() {
        root.add_output(
            &["map", name.as_str()],
            Output::new(sub![
                "aws dynamodb put-item --region ",
                Pseudo::Region,
                " --table-name ",
                table.name(),
                format!(
                    " --item '{{\"group_id\": {{\"S\": {}}}, \"group\": {{\"S\": {}}}, \"precedence\": {{\"N\": \"{}\"}}, \"role_arn\": {{\"S\": \"",
                    serde_json::to_string(group_id).expect("strings serialize"),
                    serde_json::to_string(name).expect("strings serialize"),
                    i + 1
                ),
                arn.clone(),
                "\"}}'"
            ])
            .description(format!("Run once after deploying: maps group {name} to its role")),
        )?;
    }
    Ok(())
}

fn console_user_outputs(root: &mut Scope, teams: &[BuiltTeam]) -> Result<(), ComposeError> {
    for (user, secret) in teams.iter().flat_map(|t| &t.console_users) {
        root.add_output(
            &[user.as_str(), "sign-in"],
            Output::new(sub![
                "https://",
                Pseudo::AccountId,
                ".signin.aws.amazon.com/console"
            ])
            .description(format!(
                "Console sign-in for {user} (MFA set-up is the first step)"
            )),
        )?;
        root.add_output(
            &[user.as_str(), "initial-password-secret"],
            Output::new(secret.arn()).description(format!(
                "Secret with {user}'s initial password (read by an administrator, changed at first sign-in)"
            )),
        )?;
    }
    Ok(())
}

fn notebook_outputs(root: &mut Scope, lookups: &[NotebookLookup]) -> Result<(), ComposeError> {
    for lookup in lookups {
        root.add_output(
            &["CloudTrailLookup", lookup.notebook.as_str()],
            Output::new(lookup.command.clone()).description(&lookup.description),
        )?;
    }
    Ok(())
}

/// The `IdentityStoreId` parameter, defaulting to the definition's id.
/// A group's Identity Store id, which the definition check requires of every group
/// (onboarding maps groups by id only).
pub(super) fn mapped_group_id(
    group: &str,
    spec: &super::definition::GroupSpec,
) -> Result<String, ComposeError> {
    spec.group_id
        .as_ref()
        .map(|g| g.0.clone())
        .ok_or_else(|| ConstructError::Invalid(format!("group `{group}` has no `group_id`")).into())
}

pub(super) fn identity_store_parameter(
    scope: &mut Scope,
    ic: &super::definition::IdentityCenterSpec,
) -> Result<ParameterHandle, ComposeError> {
    Ok(scope.add_parameter(
        "IdentityStoreId",
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
    /// The CodeArtifact domain and repositories of `packages`, whose read grant and pip
    /// index URL the notebooks' and Studio's configuration use.
    pub packages: Option<PackageRepository>,
    pub studio: Option<StudioDomain>,
    /// With `split: nested`, the nested stacks holding the user profiles.
    pub user_chunks: Vec<UserChunk>,
}

/// Buckets, the private network and the Studio domain of a definition, as far as it
/// asks for them. `wants_log_bucket` adds the access-log bucket even without buckets
/// (a trail needs it).
pub(super) fn environment(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
    wants_log_bucket: bool,
    extension: FileExtension,
) -> Result<Environment, ComposeError> {
    // Buckets first: the network's S3 endpoint admits only them.
    let (mut logs, mut buckets) = buckets(stack, root, names, wants_log_bucket)?;
    // The endpoints trust whom the buckets trust.
    let policies = EndpointPolicyProps {
        organization_id: perimeter(&stack.definition).organization_id,
        s3_buckets: (!buckets.is_empty())
            .then(|| secure_bucket::endpoint_allowance(buckets.values())),
        amazon_linux_repositories: runs_amazon_linux(&stack.definition),
    };
    let network = super::compose_network::network(stack, root, names, policies)?;
    // The network perimeter: with an S3 gateway endpoint, every bucket admits requests
    // through it only (AWS services and the administrators excepted). Without one there
    // is no network of the stack's to restrict to (see `Perimeter`).
    if let Some(endpoint) = network
        .as_ref()
        .and_then(|n| n.endpoint(EndpointService::S3))
    {
        let through = vec![endpoint.id()];
        for bucket in buckets.values_mut() {
            bucket.restrict_network(root, through.clone());
        }
        if let Some(logs) = &mut logs {
            logs.restrict_network(root, through);
        }
    }
    let packages = match &network {
        Some(_) => packages(stack, root, names)?,
        None => None,
    };
    let (studio, user_chunks) = match &network {
        Some(network) => studio_domain(stack, root, names, network, packages.as_ref(), extension)?,
        None => (None, Vec::new()),
    };
    // A bucket that empties on delete is emptied by the Studio cleanup's function (the
    // input checks refuse `empty_on_delete` in a stack without `studio`).
    if let Some(studio) = &studio {
        for (key, bucket) in buckets.iter().filter(|(_, b)| b.empties_on_delete()) {
            studio.cleanup.bucket(
                &mut root.at(at("buckets").then(key.as_str())),
                key,
                &bucket.bucket,
            )?;
        }
    }
    Ok(Environment {
        buckets,
        logs,
        network,
        packages,
        studio,
        user_chunks,
    })
}

/// Whether the definition places instances that run Amazon Linux in its network (notebook
/// instances, a Linux bastion), whose package managers read the Amazon Linux repositories
/// through the S3 endpoint.
fn runs_amazon_linux(def: &super::definition::StackDefinition) -> bool {
    def.notebooks.is_some()
        || !def.teams.is_empty()
        || def
            .bastion
            .as_ref()
            .is_some_and(|b| b.os == super::definition::OsName::Linux)
}

/// The access-log bucket and the definition's buckets.
fn buckets(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
    wants_log_bucket: bool,
) -> Result<(Option<LogBucket>, IndexMap<String, SecureBucket>), ComposeError> {
    let def = &stack.definition;
    let mut buckets: IndexMap<String, SecureBucket> = IndexMap::new();
    if def.buckets.is_empty() && !wants_log_bucket {
        return Ok((None, buckets));
    }
    let perimeter = perimeter(def);
    let mut logs = LogBucket::new(
        &mut root.at(at("buckets")),
        "access-logs",
        &LogBucketProps {
            perimeter: perimeter.clone(),
            ..LogBucketProps::default()
        },
    )?;
    for (key, spec) in &def.buckets {
        let bucket = SecureBucket::new(
            &mut root.at(at("buckets").then(key.0.as_str())),
            &key.0,
            &mut logs,
            &SecureBucketProps {
                bucket_name: spec.bucket_name.clone(),
                retain: spec.retained(),
                empty_on_delete: spec.empty_on_delete,
                noncurrent_versions: spec.noncurrent_versions(),
                object_lock: spec.object_lock.map(|lock| ObjectLock { days: lock.days }),
                perimeter: perimeter.clone(),
                ..SecureBucketProps::default()
            },
        )?;
        names.insert(key.0.clone(), bucket.bucket.logical_id().clone());
        buckets.insert(key.0.clone(), bucket);
    }
    Ok((Some(logs), buckets))
}

/// The definition's data perimeter.
pub(super) fn perimeter(def: &super::definition::StackDefinition) -> Perimeter {
    Perimeter {
        organization_id: def.perimeter.organization_id.as_ref().map(|o| o.0.clone()),
        admin_principals: def
            .perimeter
            .admin_principals
            .iter()
            .map(|a| a.0.clone())
            .collect(),
    }
}

/// The domain's settings from the definition, with the script files the loader read.
fn studio_settings(
    stack: &LoadedStack,
    spec: &StudioSpec,
    packages: Option<&PackageRepository>,
) -> Result<StudioSettingsProps, ComposeError> {
    let mut lifecycle_scripts = Vec::new();
    for (name, config) in &spec.lifecycle_configs {
        let script = stack.scripts.get(&config.script).ok_or_else(|| {
            ConstructError::Invalid(format!(
                "the script `{}` of lifecycle configuration `{name}` was not read with the definition",
                config.script
            ))
        })?;
        lifecycle_scripts.push(StudioLifecycleScript {
            name: name.0.clone(),
            app: studio_app(config.app),
            script: script.clone(),
            default: config.default,
        });
    }
    let mut images = Vec::new();
    for (name, image) in &spec.images {
        let reference = match (&image.tag, &image.digest) {
            (Some(tag), None) => ImageReference::Tag(tag.clone()),
            (None, Some(digest)) => ImageReference::Digest(digest.clone()),
            _ => {
                return Err(ConstructError::Invalid(format!(
                    "image `{name}` names neither exactly one tag nor one digest"
                ))
                .into());
            }
        };
        images.push(StudioImage {
            name: name.clone(),
            app: studio_app(image.app),
            repository: image.repository.clone(),
            reference,
            default: image.default,
        });
    }
    Ok(StudioSettingsProps {
        idle_shutdown_minutes: spec.idle_shutdown_minutes,
        instance_types: spec.instance_types.iter().map(|t| t.0.clone()).collect(),
        ebs_gb: spec.default_ebs_gb.zip(spec.max_ebs_gb),
        lifecycle_scripts,
        extra_on_start: packages
            .map(|p| p.pip_fragment(PipTarget::StudioApp))
            .transpose()?
            .into_iter()
            .collect(),
        images,
    })
}

fn studio_app(app: StudioAppType) -> StudioApp {
    match app {
        StudioAppType::Jupyterlab => StudioApp::JupyterLab,
        StudioAppType::CodeEditor => StudioApp::CodeEditor,
    }
}

/// What every role that runs notebooks or Studio apps may do with the stack's package
/// repository: read it (empty without `packages`).
fn package_grants(packages: Option<&PackageRepository>) -> Result<PolicyDocument, ComposeError> {
    let mut doc = PolicyDocument::new();
    if let Some(packages) = packages {
        packages.grant_read().to(&mut doc)?;
    }
    Ok(doc)
}

/// The on-start fragments of the notebooks' lifecycle configuration: idle stop of the
/// notebooks of `limits` (name, minutes), then pip through the package repository.
fn notebook_fragments(
    limits: &[(String, u32)],
    packages: Option<&PackageRepository>,
) -> Result<Vec<ScriptFragment>, ComposeError> {
    let mut fragments: Vec<_> = notebooks::idle_stop_fragment(limits)?.into_iter().collect();
    if let Some(packages) = packages {
        fragments.push(packages.pip_fragment(PipTarget::NotebookInstance)?);
    }
    Ok(fragments)
}

/// The CodeArtifact domain of `packages`, named after the stack unless the definition
/// names it.
fn packages(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
) -> Result<Option<PackageRepository>, ComposeError> {
    let Some(spec) = stack.definition.packages.as_ref().filter(|p| p.pypi) else {
        return Ok(None);
    };
    let scope = &mut root.at(at("packages"));
    let packages = PackageRepository::new(
        scope,
        "Packages",
        &PackageRepositoryProps {
            domain_name: spec
                .domain_name
                .clone()
                .unwrap_or_else(|| stack.resource_name().to_string()),
            organization_id: perimeter(&stack.definition).organization_id,
        },
    )?;
    names.insert("packages".into(), packages.domain.logical_id().clone());
    Ok(Some(packages))
}

/// The domain, and its user profiles (in this template, or in nested stacks with
/// `split: nested`).
fn studio_domain(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
    network: &PrivateNetwork,
    packages: Option<&PackageRepository>,
    extension: FileExtension,
) -> Result<(Option<StudioDomain>, Vec<UserChunk>), ComposeError> {
    let def = &stack.definition;
    let Some(spec) = &def.studio else {
        return Ok((None, Vec::new()));
    };
    let split = def.split == SplitMode::Nested;
    let users: Vec<String> = spec.users.iter().map(|u| u.name.0.clone()).collect();
    let offboarded = offboarded_users(def);
    // The domain's name also names its SageMaker work (jobs `<domain>-*`, team tag), so
    // both follow `name:` (or `studio.domain_name`), never the file name alone.
    let domain_name = spec
        .domain_name
        .as_ref()
        .map_or_else(|| stack.resource_name().to_string(), |n| n.0.clone());
    let scope = &mut root.at(at("studio"));
    let studio = StudioDomain::new(
        scope,
        "Studio",
        network,
        &StudioDomainProps {
            domain_name: domain_name.clone(),
            auth: match spec.auth {
                AuthMode::Iam => StudioAuth::Iam,
                AuthMode::Sso => StudioAuth::Sso,
            },
            // Split: the profiles go into nested stacks, below.
            users: if split { Vec::new() } else { users.clone() },
            offboarded: offboarded.clone(),
            shared_spaces: spec.shared_spaces,
            home_storage: match spec.home_storage_on_delete {
                HomeStorageOnDelete::Retain => HomeStorage::Retain,
                HomeStorageOnDelete::Delete => HomeStorage::Delete,
            },
            settings: studio_settings(stack, spec, packages)?,
            execution_grants: package_grants(packages)?,
        },
    )?;
    names.insert("studio".into(), studio.domain.logical_id().clone());
    if let Some(work) = ml_work_props(&domain_name, spec.sagemaker.as_ref(), spec.ecr.as_ref()) {
        ml_work::attach_with_job_role(
            &mut scope.child("Studio"),
            &studio.execution_role,
            &MlPlacement {
                network,
                security_group: &studio.security_group,
                key: &studio.key,
            },
            &work,
            PolicyDocument::new(),
        )?;
    }
    if split {
        let chunks = nested_users::new(
            &mut scope.at(at("studio").then("users")),
            "StudioUsers",
            &studio.domain,
            &studio.cleanup,
            &NestedUsersProps {
                stack_name: &stack.name,
                extension,
                users: &users,
                offboarded: &offboarded,
                presigned_url: presigned_url_props(def),
            },
        )?;
        return Ok((Some(studio), chunks));
    }
    for (i, user) in users.iter().enumerate() {
        let profile = &studio.user_profiles[user.as_str()];
        scope.record_origin(profile, at("studio").then("users").at(i));
        // SM-OFFBOARD-DUE is reported on the cleanup: point it at the user's entry too.
        let cleanup = &studio.profile_cleanups[user.as_str()];
        scope.record_origin(cleanup, at("studio").then("users").at(i));
        names.insert(user.clone(), profile.logical_id().clone());
    }
    Ok((Some(studio), Vec::new()))
}

/// The outputs of the network and the domain.
pub(super) fn environment_outputs(
    scope: &mut Scope,
    network: &Option<PrivateNetwork>,
    studio: &Option<StudioDomain>,
    auth: AuthMode,
) -> Result<(), ComposeError> {
    if let Some(network) = &network {
        scope.add_output(
            &["VpcId"],
            Output::new(network.vpc.id()).description("The private VPC"),
        )?;
        for (service, endpoint) in network.endpoints() {
            scope.add_output(
                &[format!("{}Id", endpoint.logical_id())],
                Output::new(endpoint.id()).description(format!("VPC endpoint for {service}")),
            )?;
        }
    }
    if let Some(studio) = &studio {
        scope.add_output(
            &["StudioDomainId"],
            Output::new(studio.domain.domain_id()).description("The Studio domain"),
        )?;
        scope.add_output(
            &["StudioDomainUrl"],
            Output::new(studio.domain.url()).description(match auth {
                AuthMode::Sso => "Studio's URL; users open it from the AWS access portal (the domain's Studio application) over a network that reaches the VPC's studio endpoint",
                AuthMode::Iam => "Studio's URL; in IAM mode it opens only through a presigned URL, created and opened inside the VPC (the bastion; see the PresignedUrlCommand outputs)",
            }),
        )?;
    }
    Ok(())
}

/// Each bucket's name.
pub(super) fn bucket_outputs(
    scope: &mut Scope,
    buckets: &IndexMap<String, SecureBucket>,
) -> Result<(), ComposeError> {
    for (key, bucket) in buckets {
        scope.add_output(
            &[key.as_str(), "bucket-name"],
            Output::new(bucket.bucket.name()).description(format!("Bucket {key}")),
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

/// What one resource's Metadata tells the scanners: the definition's suppressions and
/// the constructs' exemptions (ours), and the same decisions in the words of cfn-lint and
/// checkov (the rules' equivalents), each with its reason.
#[derive(Default)]
struct ScannerMetadata {
    suppressions: Vec<Value>,
    exemptions: Vec<Value>,
    cfn_lint: Vec<Value>,
    checkov: Vec<Value>,
}

impl ScannerMetadata {
    fn add_equivalents(&mut self, rule: &rules::Rule, reason: &str) {
        for check in rule.equivalents.cfn_lint {
            if !self.cfn_lint.contains(&Value::from(*check)) {
                self.cfn_lint.push(Value::from(*check));
            }
        }
        self.checkov.extend(
            rule.equivalents
                .checkov
                .iter()
                .map(|c| Value::map([("id", Value::from(*c)), ("comment", Value::from(reason))])),
        );
    }

    fn write(self, entry: &mut ResourceEntry) {
        let mut ours = Vec::new();
        if !self.suppressions.is_empty() {
            ours.push(("suppressions", Value::List(self.suppressions)));
        }
        if !self.exemptions.is_empty() {
            ours.push(("exemptions", Value::List(self.exemptions)));
        }
        entry.metadata("sagesynth", Value::map(ours));
        if !self.cfn_lint.is_empty() {
            entry.metadata(
                "cfn-lint",
                Value::map([(
                    "config",
                    Value::map([("ignore_checks", Value::List(self.cfn_lint))]),
                )]),
            );
        }
        if !self.checkov.is_empty() {
            entry.metadata("checkov", Value::map([("skip", Value::List(self.checkov))]));
        }
    }
}

/// A template's own `Metadata.sagesynth`, if it needs one: the rules the definition
/// escalates, and (in its `first` template only, the one deployed directly) the
/// suppressions that name no resource and, when the definition has no `name`, the file
/// name its resources are named after (the rule DEF-NAME-FROM-FILE judges which names of
/// the template it gave).
pub(super) fn template_metadata(stack: &LoadedStack, first: bool) -> Option<Value> {
    let def = &stack.definition;
    let mut entries = Vec::new();
    if first && def.name.is_none() {
        entries.push((
            rules::NAME_FROM_FILE_METADATA,
            Value::from(stack.name.as_str()),
        ));
    }
    if !def.escalate.is_empty() {
        let escalate = def
            .escalate
            .iter()
            .map(|r| Value::from(rules::canonical(r)));
        entries.push(("escalate", Value::list(escalate)));
    }
    let whole: Vec<Value> = def
        .suppressions
        .iter()
        .filter(|s| first && s.resource.is_none())
        .map(|s| {
            Value::map([
                ("rule", Value::from(rules::canonical(&s.rule))),
                ("reason", Value::from(s.reason.trim())),
            ])
        })
        .collect();
    if !whole.is_empty() {
        entries.push(("suppressions", Value::list(whole)));
    }
    (!entries.is_empty()).then(|| Value::map(entries))
}

/// Suppressions over several templates of one definition: each names a resource of the
/// first template that has it (by logical ID, or by a name in the definition). The
/// constructs' exemptions (`Scope::exempt`) are written by the same code, so a check that
/// does not fit a resource is explained alike to synth, cfn-lint and checkov.
pub(super) fn apply_suppressions_to(
    stack: &LoadedStack,
    targets: &mut [(&mut Template, &IndexMap<String, LogicalId>)],
) -> Result<(), ComposeError> {
    let def = &stack.definition;
    let mut per_resource: IndexMap<(usize, LogicalId), Vec<usize>> = IndexMap::new();
    let mut problems = Vec::new();
    for (i, s) in def.suppressions.iter().enumerate() {
        // One that names no resource is the template's own (`template_metadata`).
        let Some(resource) = &s.resource else {
            continue;
        };
        let found = targets
            .iter()
            .enumerate()
            .find_map(|(t, (template, names))| {
                template
                    .resources()
                    .find(|(id, _)| id.as_str() == resource)
                    .map(|(id, _)| id.clone())
                    .or_else(|| names.get(resource).cloned())
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
                        "`{resource}` is neither a logical ID of this stack's template nor a name in its definition",
                    ),
                );
                if let Some(close) = did_you_mean(resource, candidates.iter().copied()) {
                    d = d.help(format!("did you mean `{close}`?"));
                }
                problems.push(d);
            }
        }
    }
    if !problems.is_empty() {
        return Err(ComposeError::Input(InputErrors(problems)));
    }
    let mut metadata: IndexMap<(usize, LogicalId), ScannerMetadata> = IndexMap::new();
    for ((t, resource), indexes) in per_resource {
        let entry = metadata.entry((t, resource)).or_default();
        for i in indexes {
            let s = &def.suppressions[i];
            entry.suppressions.push(Value::map([
                ("rule", Value::from(rules::canonical(&s.rule))),
                ("reason", Value::from(s.reason.trim())),
            ]));
            if let Some(rule) = rules::find(&s.rule) {
                entry.add_equivalents(rule, s.reason.trim());
            }
        }
    }
    for (t, (template, _)) in targets.iter().enumerate() {
        for (resource, exemption) in template.exemptions() {
            let rule = rules::find(&exemption.rule).ok_or_else(|| {
                ConstructError::Invalid(format!(
                    "`{resource}` is exempted from `{}`, which is no rule of the pack",
                    exemption.rule
                ))
            })?;
            let entry = metadata.entry((t, resource.clone())).or_default();
            entry.exemptions.push(Value::map([
                ("rule", Value::from(exemption.rule.as_str())),
                ("reason", Value::from(exemption.reason.as_str())),
            ]));
            entry.add_equivalents(rule, &exemption.reason);
        }
    }
    for ((t, resource), found) in metadata {
        let entry = targets[t]
            .0
            .entry_by_id(&resource)
            .expect("resolved from the template's own resources");
        found.write(entry);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::s3::Bucket;

    /// A definition's suppression and a construct's exemption on one resource end up in
    /// one Metadata block each scanner reads, each with its own reason.
    #[test]
    fn suppressions_and_exemptions_of_one_resource_share_its_metadata() {
        let mut t = Template::new();
        let bucket = t
            .add(
                LogicalId::new("B").unwrap(),
                Bucket::builder().build().unwrap(),
            )
            .unwrap();
        let logging = rules::find("S3-ACCESS-LOGGING").expect("a rule of the pack");
        let mut found = ScannerMetadata::default();
        found.suppressions.push(Value::from("user"));
        found.add_equivalents(logging, "the user's reason");
        found.exemptions.push(Value::from("construct"));
        found.add_equivalents(logging, "the construct's reason");
        found.write(t.entry(&bucket));
        let json = serde_json::to_value(&t).unwrap();
        let metadata = &json["Resources"]["B"]["Metadata"];
        assert_eq!(metadata["sagesynth"]["suppressions"][0], "user");
        assert_eq!(metadata["sagesynth"]["exemptions"][0], "construct");
        let skips = metadata["checkov"]["skip"].as_array().unwrap();
        assert_eq!(skips.len(), 2);
        assert_eq!(skips[0]["id"], "CKV_AWS_18");
        assert_eq!(skips[1]["comment"], "the construct's reason");
    }
}
