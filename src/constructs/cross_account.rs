//! Studio in many accounts of an organization. The member side lives in every Studio
//! account (one template for all of them, rolled out by a StackSet): a provisioning role
//! per central onboarding function, which only that function may assume and which holds
//! only the calls that function makes, and the ids they need,
//! published in SSM parameters. The central side is the StackSet itself.
//!
//! Per-account choices (which groups' execution roles an account has) are StackSet
//! parameters with per-account overrides, never values written into the member template.

use crate::resources::cloudformation::{
    AccountFilterType, CallAs, Capability, PermissionModel, RegionConcurrencyType,
};
use crate::resources::cloudformation::{
    AutoDeployment, DeploymentTargets, OperationPreferences, StackInstances, StackSet,
    StackSetParameter,
};
use crate::resources::iam::policy::{Condition, PolicyDocument, Principal, Statement, keys};
use crate::resources::iam::{self, Policy, Role};
use crate::resources::sagemaker::Domain;
use crate::resources::ssm::{self, Parameter};
use crate::sub;
use crate::template::{ConditionName, Handle, LogicalId, Pseudo, Sub, SubPart, Value};

use super::ConstructError;
use super::grants::ssm::ParameterPath;
use super::scope::Scope;
use super::sso_onboarding::{Duty, domain_statements};

/// The name of a function's provisioning role in one region. Roles are global to an
/// account and the StackSet deploys to several regions, so the name carries the region;
/// the central functions compute the same name.
pub fn provisioning_role_name(stack: &str, duty: Duty, region: &str) -> String {
    format!("{stack}-{}-{region}", duty.word())
}

/// The SSM parameter holding the member domain's id.
pub fn domain_id_parameter_name(stack: &str) -> String {
    format!("/sagesynth/{stack}/studio-domain-id")
}

/// The SSM parameter holding a group's execution role ARN (by the group's logical ID:
/// group names may hold characters parameter names do not).
pub fn execution_role_parameter_name(stack: &str, group: &LogicalId) -> String {
    format!("/sagesynth/{stack}/execution-roles/{group}")
}

/// A group's execution role in the member template, present where `enabled` holds.
pub struct MemberGroup {
    /// The group's name in the definition: its parameter is
    /// `<Group>ExecutionRoleParameter`.
    pub name: String,
    /// The group's Studio execution role, which onboarding passes to its profiles.
    pub role: Handle<Role>,
    /// True in the accounts that have the group (a StackSet parameter decides).
    pub enabled: ConditionName,
    /// The SSM parameter that publishes the role's ARN
    /// ([`execution_role_parameter_name`]).
    pub parameter_name: String,
}

/// What the member side of a multi-account stack is built from.
pub struct MemberAccessProps<'a> {
    /// The stack's name: it names the SSM parameters and the provisioning role.
    pub stack: &'a str,
    /// The member account's Studio domain.
    pub domain: &'a Handle<Domain>,
    /// The groups whose execution roles onboarding may pass.
    pub groups: &'a [MemberGroup],
    /// True where at least one group is enabled: without one, there is nothing to
    /// provision, and a PassRole statement would list no role.
    pub any_group_enabled: &'a ConditionName,
    /// The central onboarding function's role ARN: the only principal that may assume
    /// the onboarding provisioning role.
    pub onboarding_function_role: Value,
    /// The central offboarding function's role ARN: the only principal that may assume
    /// the offboarding provisioning role.
    pub offboarding_function_role: Value,
    /// When set, the role can only be assumed from accounts of this organization
    /// (`aws:PrincipalOrgID`).
    pub organization_id: Option<&'a str>,
}

/// The member side's provisioning roles, one per central function.
pub struct MemberRoles {
    /// Assumed by the onboarding function: creates profiles, updates its own.
    pub onboarding: Handle<Role>,
    /// Assumed by the offboarding function: updates and deletes its own profiles, deletes
    /// apps and spaces of the domain.
    pub offboarding: Handle<Role>,
}

/// The member side: SSM parameters with the domain id and each enabled group's role ARN,
/// and the provisioning roles: `<id>StudioDomainIdParameter`,
/// `<id>OnboardingProvisioningRole`, `<id>OffboardingProvisioningRole` and
/// `<id><Group>ExecutionRoleParameter` in the scope (the shipped member template uses
/// [`super::scope::ONLY`]).
pub fn member_access(
    scope: &mut Scope,
    id: &str,
    props: &MemberAccessProps,
) -> Result<MemberRoles, ConstructError> {
    let scope = &mut scope.child(id);
    let domain_parameter = domain_id_parameter_name(props.stack);
    scope.add(
        "StudioDomainIdParameter",
        Parameter::builder()
            .description("The Studio domain id, read by the central onboarding functions")
            .name(domain_parameter.as_str())
            .parameter_type(ssm::ParameterType::String)
            .value(props.domain.domain_id())
            .build()?,
    )?;
    let mut passable = Vec::new();
    for group in props.groups {
        let handle = scope.add_named(
            &[group.name.as_str(), "execution-role-parameter"],
            Parameter::builder()
                .description(
                    "A group's Studio execution role, read by the central onboarding functions",
                )
                .name(group.parameter_name.as_str())
                .parameter_type(ssm::ParameterType::String)
                .value(group.role.arn())
                .build()?,
        )?;
        scope.entry(&handle).condition(&group.enabled);
        passable.push(Value::if_(
            &group.enabled,
            group.role.arn(),
            Pseudo::NoValue,
        ));
    }

    let onboarding = provisioning_role(scope, props, Duty::Onboarding, &passable)?;
    let offboarding = provisioning_role(scope, props, Duty::Offboarding, &passable)?;
    Ok(MemberRoles {
        onboarding,
        offboarding,
    })
}

/// `<Duty>ProvisioningRole`: trusted by that central function only, holding only its calls
/// in the domain and the reading of the stack's parameters.
fn provisioning_role(
    scope: &mut Scope,
    props: &MemberAccessProps,
    duty: Duty,
    passable: &[Value],
) -> Result<Handle<Role>, ConstructError> {
    let (function_role, name) = match duty {
        Duty::Onboarding => (&props.onboarding_function_role, "Onboarding"),
        Duty::Offboarding => (&props.offboarding_function_role, "Offboarding"),
    };
    let mut trust = Statement::allow()
        .sid(&format!("OnlyTheCentral{name}Function"))
        .principal(Principal::Aws(vec![function_role.clone()]))
        .actions([&iam::actions::ASSUME_ROLE]);
    if let Some(organization) = props.organization_id {
        trust = trust.condition(Condition::string_equals(
            keys::PRINCIPAL_ORG_ID,
            [Value::from(organization)],
        ));
    }
    let mut statements = domain_statements(props.domain, duty, passable.to_vec());
    // The stack's own parameter path: the domain id and the enabled groups' role ARNs,
    // published for this reader and nothing secret. One ARN, however many groups: a list
    // of each group's parameter would outgrow IAM's 10,240 characters per role at a few
    // dozen groups (PassRole keeps its exact list: a wildcard there would be a risk).
    statements.extend(
        ParameterPath::new(&format!("/sagesynth/{}", props.stack))?
            .grant_read()
            .only([&ssm::actions::GET_PARAMETER])
            .sid("ReadTheStudioParameters")
            .statements()?,
    );
    let role = scope.add(
        &format!("{name}ProvisioningRole"),
        Role::builder()
            .description(format!(
                "Assumed by the central {} function to manage this account's Studio user profiles",
                duty.word()
            ))
            .role_name(sub![
                format!("{}-{}-", props.stack, duty.word()),
                Pseudo::Region
            ])
            .assume_role_policy_document(PolicyDocument::new().statement(trust))
            .policies(Policy::new(
                &format!("{name}StudioUserProfiles"),
                PolicyDocument::new().statements(statements),
            ))
            .build()?,
    )?;
    scope.entry(&role).condition(props.any_group_enabled);
    Ok(role)
}

/// Where the StackSet gets the member template from.
pub enum MemberTemplate {
    /// Inline (at most 51,200 bytes).
    Body(String),
    /// An S3 URL, for a larger member template.
    Url(Value),
}

/// One Studio account of the rollout and the member parameters it overrides.
pub struct RolloutAccount {
    /// The 12-digit account ID.
    pub account_id: String,
    /// Member parameters (name, value) that differ from the defaults in this account.
    pub overrides: Vec<(String, String)>,
}

/// What the StackSet of a multi-account stack is built from.
pub struct StackSetProps<'a> {
    /// `StackSetName`, unique in the region of the management (or delegated admin) account.
    pub name: &'a str,
    /// The StackSet's description.
    pub description: &'a str,
    /// The member template, inline or by URL.
    pub member: MemberTemplate,
    /// Member parameters every account gets.
    pub parameters: Vec<(String, Value)>,
    /// Accounts with their own overrides (they must be inside `organizational_units`).
    pub accounts: &'a [RolloutAccount],
    /// The organizational units whose accounts get the member stack.
    pub organizational_units: &'a [String],
    /// The regions each account gets it in, deployed one region after the other.
    pub regions: &'a [String],
    /// How many accounts of a region CloudFormation deploys to at once, in percent.
    pub max_concurrent_percentage: u8,
    /// How many accounts of a region may fail before the operation stops, in percent.
    pub failure_tolerance_percentage: u8,
    /// Create the StackSet as a delegated administrator (`CallAs: DELEGATED_ADMIN`)
    /// instead of from the management account.
    pub call_as_delegated_admin: bool,
    /// Which accounts of the organizational units get the member stack.
    pub targets: Targets,
}

/// Which accounts of the organizational units get the member stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Targets {
    /// Only the listed accounts. Auto-deployment is off: it acts on every account that
    /// joins a target unit, which would widen the rollout beyond the list. An account
    /// leaves by leaving the list, and the StackSet then deletes its stack instances.
    ListedAccounts,
    /// The listed accounts and every other account of the units, now and later
    /// (auto-deployment). `retain_stacks` decides whether an account that leaves the
    /// units keeps its member stack (and with it the provisioning role).
    OrganizationalUnits {
        /// `AutoDeployment.RetainStacksOnAccountRemoval`.
        retain_stacks: bool,
    },
}

fn stack_set_parameter(
    key: &str,
    value: impl Into<Value>,
) -> Result<StackSetParameter, ConstructError> {
    Ok(StackSetParameter::builder()
        .parameter_key(key)
        .parameter_value(value.into())
        .build()?)
}

/// The service-managed StackSet: each listed account (within the OUs) with its
/// overrides; with [`Targets::OrganizationalUnits`] also every other account of the OUs
/// with the defaults, and new accounts of the OUs automatically.
///
/// The StackSet is `<id>StackSet` in the scope (`MemberStackSet` in the shipped stacks).
pub fn stack_set(
    scope: &mut Scope,
    id: &str,
    props: &StackSetProps,
) -> Result<Handle<StackSet>, ConstructError> {
    let ous = || {
        props
            .organizational_units
            .iter()
            .map(|o| Value::from(o.as_str()))
    };
    let regions = || props.regions.iter().map(|r| Value::from(r.as_str()));
    let mut builder = StackSet::builder()
        .stack_set_name(props.name)
        .description(props.description)
        .permission_model(PermissionModel::ServiceManaged)
        .call_as(if props.call_as_delegated_admin {
            CallAs::DelegatedAdmin
        } else {
            CallAs::SelfValue
        })
        .auto_deployment(match props.targets {
            // RetainStacksOnAccountRemoval is only valid with Enabled: true.
            Targets::ListedAccounts => AutoDeployment::builder().enabled(false).build()?,
            Targets::OrganizationalUnits { retain_stacks } => AutoDeployment::builder()
                .enabled(true)
                .retain_stacks_on_account_removal(retain_stacks)
                .build()?,
        })
        .operation_preferences(
            OperationPreferences::builder()
                .failure_tolerance_percentage(i64::from(props.failure_tolerance_percentage))
                .max_concurrent_percentage(i64::from(props.max_concurrent_percentage))
                .region_concurrency_type(RegionConcurrencyType::Sequential)
                .build()?,
        )
        .capabilities(Capability::CapabilityNamedIam)
        .managed_execution(Value::map([("Active", Value::from(true))]));
    builder = match &props.member {
        MemberTemplate::Body(body) => builder.template_body(body.as_str()),
        MemberTemplate::Url(url) => builder.template_url(url.clone()),
    };
    for (key, value) in &props.parameters {
        builder = builder.parameters(stack_set_parameter(key, value.clone())?);
    }
    for account in props.accounts {
        let mut targets = DeploymentTargets::builder()
            .account_filter_type(AccountFilterType::Intersection)
            .accounts(account.account_id.as_str());
        for ou in ous() {
            targets = targets.organizational_unit_ids(ou);
        }
        let mut group = StackInstances::builder().deployment_targets(targets.build()?);
        for region in regions() {
            group = group.regions(region);
        }
        for (key, value) in &account.overrides {
            group = group.parameter_overrides(stack_set_parameter(key, value.as_str())?);
        }
        builder = builder.stack_instances_group(group.build()?);
    }
    if props.targets == Targets::ListedAccounts {
        return scope.child(id).add("StackSet", builder.build()?);
    }
    let mut rest = DeploymentTargets::builder();
    if props.accounts.is_empty() {
        rest = rest.account_filter_type(AccountFilterType::None);
    } else {
        rest = rest.account_filter_type(AccountFilterType::Difference);
        for account in props.accounts {
            rest = rest.accounts(account.account_id.as_str());
        }
    }
    for ou in ous() {
        rest = rest.organizational_unit_ids(ou);
    }
    let mut group = StackInstances::builder().deployment_targets(rest.build()?);
    for region in regions() {
        group = group.regions(region);
    }
    builder = builder.stack_instances_group(group.build()?);
    scope.child(id).add("StackSet", builder.build()?)
}

/// A function's provisioning role of `account` in `region`, as the central template
/// names it.
pub fn provisioning_role_arn(stack: &str, duty: Duty, account_id: &str, region: &str) -> Value {
    Sub::from_parts(vec![
        SubPart::from("arn:"),
        SubPart::from(Pseudo::Partition),
        SubPart::from(format!(
            ":iam::{account_id}:role/{}",
            provisioning_role_name(stack, duty, region)
        )),
    ])
    .into_value()
}
