//! Composition of a multi-account definition (`accounts` + `rollout`): a central
//! template for the Identity Center account (the onboarding functions and the StackSet)
//! and one member template that the StackSet deploys to every Studio account.
//!
//! The member template is the same for every account. Which groups' execution roles an
//! account has is a parameter per group (`Enable<Group>Role`), set to `true` for the
//! account's own groups by the StackSet's per-account overrides; a role, its SSM
//! parameter and its place in the provisioning role's policy exist only where it is
//! enabled. No account id is written into the member template.

use indexmap::IndexMap;

use crate::constructs::ConstructError;
use crate::constructs::cross_account::{
    self, MemberAccessProps, MemberGroup, MemberTemplate, RolloutAccount, StackSetProps, Targets,
};
use crate::constructs::network::PrivateNetwork;
use crate::constructs::scope::{ONLY, Scope};
use crate::constructs::secure_bucket::{LogBucket, LogBucketProps, Perimeter, SecureBucket};
use crate::constructs::sso_onboarding::{
    self, Duty, GroupRole, Mapping, Onboarding, OnboardingProps, ProfileTarget, ProvisioningRole,
    RoleRef,
};
use crate::constructs::studio::StudioDomain;
use crate::constructs::trail;
use crate::resources::cloudformation::MAX_STACK_SET_TEMPLATE_BODY;
use crate::template::FileExtension;
use crate::template::ParameterType;
use crate::template::{LogicalId, Output, Parameter, Template, Value};

use super::compose::{
    ComposeError, Composition, Environment, Names, access_portal_output, alarm_outputs,
    apply_suppressions_to, at, bucket_grants, bucket_outputs, environment, environment_outputs,
    group_ml_work, identity_store_parameter, mapped_group_id, onboarding_alarms, stack_tags,
    studio_auth, template_metadata,
};
use super::definition::{
    AccountRemoval, CallAs, IdentityCenterSpec, OnboardingSpec, RolloutSpec, RolloutTargets,
    TrailMode,
};
use super::load::LoadedStack;

/// The suffix of the member template's file: `NAME.member.template.json`.
pub const MEMBER_SUFFIX: &str = "member";

/// What a member parameter holding a central role ARN accepts.
const ROLE_ARN_PATTERN: &str = "^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$";

/// The parameter that enables a group's execution role in an account.
fn enable_parameter(group: &LogicalId) -> Result<LogicalId, ComposeError> {
    Ok(LogicalId::new(format!("Enable{group}"))?)
}

/// The member template as far as it is built before suppressions, and what the central
/// template needs from it.
struct Member {
    template: Template,
    names: Names,
    /// The groups as the central functions map them, in precedence order.
    central_groups: Vec<GroupRole>,
    accounts: Vec<RolloutAccount>,
}

/// `extension` is that of the files written (the member environment never splits its
/// users, so it names no file; it is passed for the shared composition).
pub fn compose(stack: &LoadedStack, extension: FileExtension) -> Result<Composition, ComposeError> {
    let def = &stack.definition;
    let (Some(rollout), Some(ic), Some(onboarding_spec)) =
        (&def.rollout, &def.identity_center, &def.onboarding)
    else {
        return Err(ConstructError::Invalid(
            "a multi-account definition needs rollout, identity_center and onboarding".into(),
        )
        .into());
    };
    let Member {
        template: mut member,
        names: member_names,
        central_groups,
        accounts,
    } = member_template(stack, rollout, extension)?;

    // The central template: the functions, their mapping, and the StackSet.
    let mut central = Template::new();
    central.set_tags(&stack_tags(stack)?)?;
    if let Some(description) = &def.description {
        central.set_description(description);
    }
    let central_names = Names::new();
    let onboarding = central_onboarding(
        stack,
        &mut Scope::root(&mut central),
        ic,
        onboarding_spec,
        central_groups,
    )?;

    let alarms = onboarding_alarms(
        &mut Scope::root(&mut central).at(at("onboarding")),
        &onboarding,
        onboarding_spec,
    )?;

    // Suppressions may name resources of either template; then the member is final.
    apply_suppressions_to(
        stack,
        &mut [(&mut central, &central_names), (&mut member, &member_names)],
    )?;
    if let Some(metadata) = template_metadata(stack, true) {
        central.set_metadata("sagesynth", metadata);
    }
    if let Some(metadata) = template_metadata(stack, false) {
        member.set_metadata("sagesynth", metadata);
    }
    rollout_stack_set(
        stack,
        &mut Scope::root(&mut central),
        rollout,
        &member,
        &onboarding,
        &accounts,
    )?;
    alarm_outputs(&mut Scope::root(&mut central), &alarms)?;
    access_portal_output(&mut Scope::root(&mut central), ic)?;
    Ok(Composition {
        template: central,
        children: vec![(
            MEMBER_SUFFIX.to_string(),
            Composition {
                template: member,
                children: Vec::new(),
            },
        )],
    })
}

/// The member template: the environment, the groups' roles, the provisioning roles.
fn member_template(
    stack: &LoadedStack,
    rollout: &RolloutSpec,
    extension: FileExtension,
) -> Result<Member, ComposeError> {
    let mut template = Template::new();
    template.set_tags(&stack_tags(stack)?)?;
    template.set_description(&format!(
        "Studio account environment of {} (deployed to each Studio account by the StackSet {})",
        stack.resource_name(),
        stack.resource_name()
    ));
    let mut names = Names::new();
    let root = &mut Scope::root(&mut template);
    let Environment {
        buckets,
        network,
        studio,
        ..
    } = environment(stack, root, &mut names, false, extension)?;
    let Some(studio) = studio else {
        return Err(ConstructError::Invalid(
            "the member environment needs a network and a studio".into(),
        )
        .into());
    };
    let [onboarding_function_role, offboarding_function_role] = [
        ("CentralOnboardingRoleArn", "onboarding"),
        ("CentralOffboardingRoleArn", "offboarding"),
    ]
    .map(|(name, what)| {
        root.add_parameter(
            name,
            Parameter::new(ParameterType::String)
                .description(&format!(
                    "The role of the central {what} function (set by the StackSet)"
                ))
                .allowed_pattern(ROLE_ARN_PATTERN)
                .constraint_description("an IAM role ARN"),
        )
        .map(|p| p.value())
    });
    let (onboarding_function_role, offboarding_function_role) =
        (onboarding_function_role?, offboarding_function_role?);
    let groups = member_groups(stack, root, &mut names, &buckets, &studio, network.as_ref())?;
    let conditions: Vec<_> = groups.member.iter().map(|g| g.enabled.clone()).collect();
    if conditions.is_empty() {
        return Err(ConstructError::Invalid(
            "a multi-account definition maps at least one group".into(),
        )
        .into());
    }
    let any_group = root.add_condition("AnyGroupRoleEnabled", Value::any_of(&conditions))?;
    let provisioning = cross_account::member_access(
        &mut root.at(at("rollout")),
        ONLY,
        &MemberAccessProps {
            stack: stack.resource_name(),
            domain: &studio.domain,
            groups: &groups.member,
            any_group_enabled: &any_group,
            onboarding_function_role,
            offboarding_function_role,
            organization_id: rollout.organization_id.as_ref().map(|o| o.0.as_str()),
        },
    )?;
    names.insert(
        "onboarding-provisioning".into(),
        provisioning.onboarding.logical_id().clone(),
    );
    names.insert(
        "offboarding-provisioning".into(),
        provisioning.offboarding.logical_id().clone(),
    );
    environment_outputs(
        root,
        &network,
        &Some(studio),
        studio_auth(&stack.definition),
    )?;
    bucket_outputs(root, &buckets)?;
    Ok(Member {
        template,
        names,
        central_groups: groups.central,
        accounts: groups.accounts,
    })
}

/// Each account's groups, as the member template has them and as the central functions
/// map them, with the StackSet overrides that enable them.
struct Groups {
    member: Vec<MemberGroup>,
    central: Vec<GroupRole>,
    accounts: Vec<RolloutAccount>,
}

/// Every group of every account: an `Enable<Group>ExecutionRole` parameter, a condition,
/// and the group's role under that condition, with its SageMaker work and job role under
/// the same condition.
fn member_groups(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
    buckets: &IndexMap<String, SecureBucket>,
    studio: &StudioDomain,
    network: Option<&PrivateNetwork>,
) -> Result<Groups, ComposeError> {
    let mut groups = Groups {
        member: Vec::new(),
        central: Vec::new(),
        accounts: Vec::new(),
    };
    for (account, account_spec) in &stack.definition.accounts {
        let mut overrides = Vec::new();
        for (group, spec) in &account_spec.groups {
            let scope = &mut root.at(at("accounts")
                .then(account.to_string())
                .then("groups")
                .then(group.0.as_str()));
            let role_id = sso_onboarding::group_role_id(&group.0)?;
            let enable = enable_parameter(&role_id)?;
            let switch = scope.add_parameter(
                enable.as_str(),
                Parameter::new(ParameterType::String)
                    .description(&format!(
                        "Whether this account has the execution role of group {group} (true in account {account})"
                    ))
                    .allowed_value("true")
                    .allowed_value("false")
                    .default_value("false"),
            )?;
            let enabled = scope.add_condition(
                &format!("{role_id}Enabled"),
                Value::equals(switch.value(), "true"),
            )?;
            let grants = bucket_grants(buckets, &spec.grants.buckets)?;
            let role = studio.group_role(scope, &group.0, grants.clone())?;
            scope.entry(&role).condition(&enabled);
            if let Some(jobs) =
                group_ml_work(scope, &group.0, spec, &role, studio, network, grants)?
            {
                scope.entry(&jobs.job_role).condition(&enabled);
                for policy in &jobs.policies {
                    scope.entry(policy).condition(&enabled);
                }
            }
            let parameter_name =
                cross_account::execution_role_parameter_name(stack.resource_name(), &role_id);
            groups.member.push(MemberGroup {
                name: group.0.clone(),
                role: role.clone(),
                enabled,
                parameter_name: parameter_name.clone(),
            });
            names.insert(group.0.clone(), role.logical_id().clone());
            groups.central.push(GroupRole {
                name: group.0.clone(),
                group_id: mapped_group_id(&group.0, spec)?,
                role: RoleRef::InAccount {
                    account_id: account_spec.account_id.0.clone(),
                    parameter: parameter_name,
                },
            });
            overrides.push((enable.to_string(), "true".to_string()));
        }
        groups.accounts.push(RolloutAccount {
            account_id: account_spec.account_id.0.clone(),
            overrides,
        });
    }
    Ok(groups)
}

/// The central onboarding functions, which reach every account's provisioning role.
fn central_onboarding(
    stack: &LoadedStack,
    root: &mut Scope,
    ic: &IdentityCenterSpec,
    spec: &OnboardingSpec,
    groups: Vec<GroupRole>,
) -> Result<Onboarding, ComposeError> {
    let def = &stack.definition;
    let identity_store = identity_store_parameter(root, ic)?;
    let mut provisioning_roles = Vec::new();
    let regions = def.rollout.iter().flat_map(|r| &r.regions);
    for account in def.accounts.values() {
        for region in regions.clone() {
            for duty in Duty::ALL {
                provisioning_roles.push(ProvisioningRole {
                    duty,
                    account_id: account.account_id.0.clone(),
                    region: region.0.clone(),
                    name: cross_account::provisioning_role_name(
                        stack.resource_name(),
                        duty,
                        &region.0,
                    ),
                    arn: cross_account::provisioning_role_arn(
                        stack.resource_name(),
                        duty,
                        &account.account_id.0,
                        &region.0,
                    ),
                });
            }
        }
    }
    let scope = &mut root.at(at("onboarding"));
    let onboarding = Onboarding::new(
        scope,
        ONLY,
        &OnboardingProps {
            target: ProfileTarget::Accounts {
                provisioning_roles,
                domain_id_parameter: cross_account::domain_id_parameter_name(stack.resource_name()),
            },
            identity_store_id: identity_store.value(),
            groups,
            mapping: Mapping::Inline,
            app_delete_timeout_seconds: spec.app_delete_timeout_seconds,
            reconcile_every_minutes: spec.reconcile_minutes().ok_or_else(|| {
                ConstructError::Invalid("onboarding.reconcile_every was not checked".into())
            })?,
            offboarding_grace_days: spec.offboarding_grace_days,
            // The member accounts' Regions are out of reach of any endpoint here.
            network: None,
        },
    )?;
    if spec.trail == TrailMode::Create {
        let mut logs = LogBucket::new(scope, "access-logs", &LogBucketProps::default())?;
        trail::new(
            scope,
            "ManagementEvents",
            &mut logs,
            &Perimeter::default(),
            Vec::new(),
        )?;
    }
    Ok(onboarding)
}

/// The StackSet that deploys the (finished) member template, embedded or from S3, and the
/// central outputs.
fn rollout_stack_set(
    stack: &LoadedStack,
    root: &mut Scope,
    rollout: &RolloutSpec,
    member: &Template,
    onboarding: &Onboarding,
    accounts: &[RolloutAccount],
) -> Result<(), ComposeError> {
    let member_body = serde_json::to_string(member).expect("a template always serializes");
    let member_source = if member_body.len() <= MAX_STACK_SET_TEMPLATE_BODY {
        MemberTemplate::Body(member_body)
    } else {
        let url = root.add_parameter(
            "MemberTemplateUrl",
            Parameter::new(ParameterType::String)
                .description(&format!(
                    "The S3 URL of {}.{MEMBER_SUFFIX}.template.json (too large to embed: over {MAX_STACK_SET_TEMPLATE_BODY} bytes)",
                    stack.name
                ))
                .allowed_pattern("^https://.+$"),
        )?;
        MemberTemplate::Url(url.value())
    };
    let organizational_units: Vec<String> = rollout
        .organizational_units
        .iter()
        .map(|o| o.0.clone())
        .collect();
    let regions: Vec<String> = rollout.regions.iter().map(|r| r.0.clone()).collect();
    let stack_set = cross_account::stack_set(
        &mut root.at(at("rollout")),
        "Member",
        &StackSetProps {
            name: stack.resource_name(),
            description: &format!(
                "Studio environment of {} in every Studio account",
                stack.resource_name()
            ),
            member: member_source,
            parameters: vec![
                (
                    "CentralOnboardingRoleArn".into(),
                    onboarding.onboard_role.arn(),
                ),
                (
                    "CentralOffboardingRoleArn".into(),
                    onboarding.offboard_role.arn(),
                ),
            ],
            accounts,
            organizational_units: &organizational_units,
            regions: &regions,
            max_concurrent_percentage: rollout.max_concurrent_percentage,
            failure_tolerance_percentage: rollout.failure_tolerance_percentage,
            call_as_delegated_admin: rollout.call_as == CallAs::DelegatedAdmin,
            targets: match rollout.targets {
                RolloutTargets::Accounts => Targets::ListedAccounts,
                RolloutTargets::OrganizationalUnits => Targets::OrganizationalUnits {
                    retain_stacks: rollout.account_removal == AccountRemoval::RetainStack,
                },
            },
        },
    )?;
    root.add_output(
        &["OnboardingDeadLetterQueueUrl"],
        Output::new(onboarding.dead_letter_queue.url())
            .description("Events the onboarding or offboarding function could not process"),
    )?;
    root.add_output(
        &["MemberStackSetId"],
        Output::new(stack_set.id()).description("The StackSet that deploys the member template"),
    )?;
    Ok(())
}
