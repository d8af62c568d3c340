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

use crate::constructs::cross_account::{
    self, MemberAccessProps, MemberGroup, MemberTemplate, RolloutAccount, StackSetProps,
};
use crate::constructs::sso_onboarding::{
    self, GroupRole, Mapping, Onboarding, OnboardingProps, ProfileTarget, ProvisioningRole, RoleRef,
};
use crate::constructs::trail;
use crate::resources::cloudformation::MAX_STACK_SET_TEMPLATE_BODY;
use crate::template::FileExtension;
use crate::template::ParameterType;
use crate::template::{LogicalId, Output, Parameter, Template, Value};

use super::compose::{
    ComposeError, Composition, Environment, apply_suppressions_to, bucket_grants, bucket_outputs,
    environment, environment_outputs, id, identity_store_parameter, record,
};
use super::definition::{CallAs, TrailMode};
use super::load::LoadedStack;

/// The suffix of the member template's file: `NAME.member.template.json`.
pub const MEMBER_SUFFIX: &str = "member";

/// What a member parameter holding a central role ARN accepts.
const ROLE_ARN_PATTERN: &str = "^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$";

/// The parameter that enables a group's execution role in an account.
fn enable_parameter(group: &LogicalId) -> Result<LogicalId, ComposeError> {
    Ok(LogicalId::new(format!("Enable{group}"))?)
}

/// `extension` is that of the files written (the member environment never splits its
/// users, so it names no file; it is passed for the shared composition).
pub fn compose(stack: &LoadedStack, extension: FileExtension) -> Result<Composition, ComposeError> {
    let def = &stack.definition;
    let (Some(rollout), Some(ic), Some(onboarding_spec)) =
        (&def.rollout, &def.identity_center, &def.onboarding)
    else {
        return Err(crate::constructs::ConstructError::Invalid(
            "a multi-account definition needs rollout, identity_center and onboarding".into(),
        )
        .into());
    };

    // The member template: the environment, the groups' roles, the provisioning role.
    let mut member = Template::new();
    member.set_description(&format!(
        "Studio account environment of {} (deployed to each Studio account by the StackSet {})",
        stack.name, stack.name
    ));
    let mut member_origins = IndexMap::new();
    let mut member_names: IndexMap<String, LogicalId> = IndexMap::new();
    let Environment {
        buckets,
        network,
        studio,
        ..
    } = environment(
        stack,
        &mut member,
        &mut member_origins,
        &mut member_names,
        false,
        extension,
    )?;
    let Some(studio) = studio else {
        return Err(crate::constructs::ConstructError::Invalid(
            "the member environment needs a network and a studio".into(),
        )
        .into());
    };
    let trusted: Vec<Value> = [
        ("CentralOnboardingRoleArn", "onboarding"),
        ("CentralOffboardingRoleArn", "offboarding"),
    ]
    .into_iter()
    .map(|(name, what)| {
        member
            .add_parameter(
                id(name),
                Parameter::new(ParameterType::String)
                    .description(&format!(
                        "The role of the central {what} function (set by the StackSet)"
                    ))
                    .allowed_pattern(ROLE_ARN_PATTERN)
                    .constraint_description("an IAM role ARN"),
            )
            .map(|p| p.value())
    })
    .collect::<Result<_, _>>()?;

    let mut member_groups = Vec::new();
    let mut central_groups = Vec::new();
    let mut rollout_accounts = Vec::new();
    for (account, account_spec) in &def.accounts {
        let mut overrides = Vec::new();
        for (group, spec) in &account_spec.groups {
            let path = format!("accounts.{account}.groups.{group}");
            let mark = member.resources().count();
            let role_id = sso_onboarding::group_role_id(&group.0)?;
            let enable = enable_parameter(&role_id)?;
            let switch = member.add_parameter(
                enable.clone(),
                Parameter::new(ParameterType::String)
                    .description(&format!(
                        "Whether this account has the execution role of group {group} (true in account {account})"
                    ))
                    .allowed_value("true")
                    .allowed_value("false")
                    .default_value("false"),
            )?;
            let enabled = member.add_condition(
                LogicalId::new(format!("{role_id}Enabled"))?,
                Value::equals(switch.value(), "true"),
            )?;
            let grants = bucket_grants(&buckets, &spec.grants.buckets)?;
            let role = studio.group_role(&mut member, role_id.clone(), &group.0, grants)?;
            member.entry(&role).condition(&enabled);
            let parameter_name =
                cross_account::execution_role_parameter_name(&stack.name, &role_id);
            member_groups.push(MemberGroup {
                role: role.clone(),
                enabled,
                parameter_name: parameter_name.clone(),
                parameter_id: LogicalId::new(format!("{role_id}Parameter"))?,
            });
            record(&member, mark, &path, &mut member_origins);
            member_names.insert(group.0.clone(), role.logical_id().clone());
            central_groups.push(GroupRole {
                name: group.0.clone(),
                group_id: spec.group_id.as_ref().map(|g| g.0.clone()),
                role: RoleRef::InAccount {
                    account_id: account_spec.account_id.0.clone(),
                    parameter: parameter_name,
                },
            });
            overrides.push((enable.to_string(), "true".to_string()));
        }
        rollout_accounts.push(RolloutAccount {
            account_id: account_spec.account_id.0.clone(),
            overrides,
        });
    }
    let conditions: Vec<_> = member_groups.iter().map(|g| g.enabled.clone()).collect();
    if conditions.is_empty() {
        return Err(crate::constructs::ConstructError::Invalid(
            "a multi-account definition maps at least one group".into(),
        )
        .into());
    }
    let any_group = member.add_condition(id("AnyGroupRoleEnabled"), Value::any_of(&conditions))?;
    let mark = member.resources().count();
    let provisioning = cross_account::member_access(
        &mut member,
        &MemberAccessProps {
            stack: &stack.name,
            domain: &studio.domain,
            groups: &member_groups,
            any_group_enabled: &any_group,
            trusted_roles: trusted,
            organization_id: rollout.organization_id.as_ref().map(|o| o.0.as_str()),
        },
    )?;
    record(&member, mark, "rollout", &mut member_origins);
    member_names.insert("provisioning".into(), provisioning.logical_id().clone());
    environment_outputs(&mut member, &network, &Some(studio))?;
    bucket_outputs(&mut member, &buckets)?;

    // The central template: the functions, their mapping, and the StackSet.
    let mut central = Template::new();
    if let Some(description) = &def.description {
        central.set_description(description);
    }
    let mut central_origins = IndexMap::new();
    let central_names: IndexMap<String, LogicalId> = IndexMap::new();
    let identity_store = identity_store_parameter(&mut central, ic)?;
    let mut provisioning_roles = Vec::new();
    for account in def.accounts.values() {
        for region in &rollout.regions {
            provisioning_roles.push(ProvisioningRole {
                account_id: account.account_id.0.clone(),
                region: region.0.clone(),
                name: cross_account::provisioning_role_name(&stack.name, &region.0),
                arn: cross_account::provisioning_role_arn(
                    &stack.name,
                    &account.account_id.0,
                    &region.0,
                ),
            });
        }
    }
    let mark = central.resources().count();
    let onboarding = Onboarding::build(
        &mut central,
        &OnboardingProps {
            target: ProfileTarget::Accounts {
                provisioning_roles,
                domain_id_parameter: cross_account::domain_id_parameter_name(&stack.name),
            },
            identity_store_id: identity_store.value(),
            groups: central_groups,
            mapping: Mapping::Inline,
            app_delete_timeout_seconds: onboarding_spec.app_delete_timeout_seconds,
        },
    )?;
    if onboarding_spec.trail == TrailMode::Create {
        let mut logs = crate::constructs::secure_bucket::LogBucket::build(
            &mut central,
            &crate::constructs::secure_bucket::LogBucketProps::default(),
        )?;
        trail::build(&mut central, &mut logs)?;
    }
    record(&central, mark, "onboarding", &mut central_origins);

    // Suppressions may name resources of either template; then the member is final.
    apply_suppressions_to(
        stack,
        &mut [(&mut central, &central_names), (&mut member, &member_names)],
    )?;
    if !def.escalate.is_empty() {
        let escalate = Value::map([(
            "escalate",
            Value::list(def.escalate.iter().map(|r| Value::from(r.as_str()))),
        )]);
        central.set_metadata("sagesynth", escalate.clone());
        member.set_metadata("sagesynth", escalate);
    }
    let member_body = serde_json::to_string(&member).expect("a template always serializes");
    let member_source = if member_body.len() <= MAX_STACK_SET_TEMPLATE_BODY {
        MemberTemplate::Body(member_body)
    } else {
        let url = central.add_parameter(
            id("MemberTemplateUrl"),
            Parameter::new(ParameterType::String)
                .description(&format!(
                    "The S3 URL of {}.{MEMBER_SUFFIX}.template.json (too large to embed: over {MAX_STACK_SET_TEMPLATE_BODY} bytes)",
                    stack.name
                ))
                .allowed_pattern("^https://.+$"),
        )?;
        MemberTemplate::Url(url.value())
    };
    let mark = central.resources().count();
    let organizational_units: Vec<String> = rollout
        .organizational_units
        .iter()
        .map(|o| o.0.clone())
        .collect();
    let regions: Vec<String> = rollout.regions.iter().map(|r| r.0.clone()).collect();
    let stack_set = cross_account::stack_set(
        &mut central,
        &StackSetProps {
            name: &stack.name,
            description: &format!(
                "Studio environment of {} in every Studio account",
                stack.name
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
            accounts: &rollout_accounts,
            organizational_units: &organizational_units,
            regions: &regions,
            max_concurrent_percentage: rollout.max_concurrent_percentage,
            failure_tolerance_percentage: rollout.failure_tolerance_percentage,
            call_as_delegated_admin: rollout.call_as == CallAs::DelegatedAdmin,
        },
    )?;
    record(&central, mark, "rollout", &mut central_origins);
    central.add_output(
        id("OnboardingDeadLetterQueueUrl"),
        Output::new(onboarding.dead_letter_queue.url())
            .description("Events the onboarding or offboarding function could not process"),
    )?;
    central.add_output(
        id("MemberStackSetId"),
        Output::new(stack_set.id()).description("The StackSet that deploys the member template"),
    )?;
    Ok(Composition {
        template: central,
        origins: central_origins,
        children: vec![(
            MEMBER_SUFFIX.to_string(),
            Composition {
                template: member,
                origins: member_origins,
                children: Vec::new(),
            },
        )],
    })
}
