//! Automatic Studio user profiles for IAM Identity Center users: when a user joins a
//! mapped group, the onboarding function creates their profile with the group's execution
//! role; when they leave, the offboarding function removes their apps and the profile (or
//! switches it to the role of another mapped group they still belong to).
//!
//! Events: IAM Identity Center and the Identity Store API record group-membership changes
//! in CloudTrail, and EventBridge delivers them as "AWS API Call via CloudTrail" events
//! (Amazon EventBridge reference, "AWS IAM Identity Center events" and "AWS Identity Store
//! events": `source` `aws.<service>`, `detail.eventSource` `<service>.amazonaws.com`). They are
//! delivered only where a trail logs management events, in the Identity Center home region.

use crate::resources::arn;
use crate::resources::dynamodb::{
    self, AttributeDefinition, KeySchema, PointInTimeRecoverySpecification, SseSpecification, Table,
};
use crate::resources::events::{self, RetryPolicy, Rule, Target};
use crate::resources::iam::policy::{
    Action, Condition, ConditionKey, PolicyDocument, Principal, SetQualifier, Statement, keys,
};
use crate::resources::iam::{self, Policy, Role};
use crate::resources::kms::{self, Key};
use crate::resources::lambda::{self, Code, Environment, Function, LoggingConfig, Permission};
use crate::resources::logs::LogGroup;
use crate::resources::sagemaker::{self, Domain};
use crate::resources::sqs::{self, Queue, QueuePolicy};
use crate::sub;
use crate::template::{DeletionPolicy, Handle, LogicalId, Pseudo, SubPart, Value};

use super::ConstructError;
use super::encryption_key::{EncryptionKey, EncryptionKeyProps, events_may_use, logs_may_use};
use super::function_network::{FunctionNetwork, FunctionNetworkProps};
use super::grants::kms::via_services;
use super::network::PrivateNetwork;
use super::scope::Scope;

pub mod schedule;

/// Both handlers, in one file so that they share the mapping and naming code; embedded
/// as the `ZipFile` of both functions (handlers `index.onboard` / `index.offboard`).
pub const FUNCTION_CODE: &str = include_str!("functions/studio_sso_onboarding.py");

/// The CloudTrail events that may change who should have a profile, as
/// (`eventSource`, `eventName`); both functions get every one of them as a hint and
/// reconcile from the Identity Store (EventBridge delivers them as "AWS API Call via
/// CloudTrail" in the Identity Center home Region, where they are recorded). Names from:
/// - `sso-directory.amazonaws.com` (console and directory): "AWS SSO identity store
///   CloudTrail operations" of the IAM Identity Center user guide's CloudTrail page
///   (archived in github.com/awsdocs/aws-single-sign-on-user-guide,
///   `doc_source/sso-info-in-cloudtrail.md`);
/// - `identitystore.amazonaws.com`: the Identity Store API's write operations
///   (<https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_Operations.html>);
/// - `identitystore-scim.amazonaws.com`: SCIM provisioning, "Logging IAM Identity Center
///   SCIM API calls with AWS CloudTrail"
///   (<https://docs.aws.amazon.com/singlesignon/latest/userguide/scim-logging-using-cloudtrail.html>)
///   and the SCIM implementation's PatchGroup, PatchUser and PutUser operations.
pub const HINT_EVENTS: [(&str, &[&str]); 3] = [
    (
        "sso-directory.amazonaws.com",
        &[
            "AddMemberToGroup",
            "RemoveMemberFromGroup",
            "DeleteUser",
            "DisableUser",
            "EnableUser",
            "UpdateUser",
            "DeleteGroup",
        ],
    ),
    (
        "identitystore.amazonaws.com",
        &[
            "CreateGroupMembership",
            "DeleteGroupMembership",
            "DeleteUser",
            "UpdateUser",
            "DeleteGroup",
        ],
    ),
    (
        "identitystore-scim.amazonaws.com",
        &[
            "PatchGroup",
            "DeleteGroup",
            "DeleteUser",
            "PatchUser",
            "PutUser",
        ],
    ),
];

/// Where the group → role mapping lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// In the functions' environment (changing it means redeploying).
    Inline,
    /// In a DynamoDB table that administrators edit without redeploying.
    DynamoDb,
}

/// One mapped group.
#[derive(Clone, Debug)]
pub struct GroupRole {
    /// The group's name in the definition (for logs and logical IDs only: events are
    /// matched by id, as a display name can be given to another group).
    pub name: String,
    /// The Identity Store group id, the only thing an event's group is matched by.
    pub group_id: String,
    /// The execution role its members' profiles get.
    pub role: RoleRef,
}

/// Where a group's execution role is.
#[derive(Clone, Debug)]
pub enum RoleRef {
    /// In this stack: its ARN.
    Arn(Value),
    /// In a Studio account, published there in an SSM parameter that the provisioning
    /// role may read (the role's name is CloudFormation's, so the ARN is not known here).
    InAccount {
        /// The Studio account.
        account_id: String,
        /// The SSM parameter there that holds the role's ARN.
        parameter: String,
    },
}

/// Where the functions make profiles.
#[derive(Clone, Debug)]
pub enum ProfileTarget {
    /// The domain of this stack.
    Domain(Handle<Domain>),
    /// The domains of the Studio accounts, through each one's provisioning role; the
    /// domain id is read from an SSM parameter of that name in the account.
    Accounts {
        /// Every account's provisioning roles (one per function), in every region of the
        /// rollout.
        provisioning_roles: Vec<ProvisioningRole>,
        /// The SSM parameter, in each account, holding its domain id.
        domain_id_parameter: String,
    },
}

/// A member account's provisioning role of one function in one region.
#[derive(Clone, Debug)]
pub struct ProvisioningRole {
    /// The function that assumes it (and only it).
    pub duty: Duty,
    /// The member account.
    pub account_id: String,
    /// The region its domain is in.
    pub region: String,
    /// Its name; the functions build the ARN with the partition they run in.
    pub name: String,
    /// Its ARN, for the functions' `sts:AssumeRole` grant.
    pub arn: Value,
}

/// What onboarding is built from.
pub struct OnboardingProps {
    /// Where profiles are made: this stack's domain, or the Studio accounts'.
    pub target: ProfileTarget,
    /// The Identity Store (`d-…`) of the IAM Identity Center instance, where the functions
    /// look up users and groups.
    pub identity_store_id: Value,
    /// In precedence order: a user in two mapped groups gets the first group's role (in
    /// each account, among the groups of that account).
    pub groups: Vec<GroupRole>,
    /// Where the group → role mapping is kept.
    pub mapping: Mapping,
    /// How long offboarding waits for a leaving user's apps to be deleted before it
    /// deletes the profile (the offboarding function's timeout is a minute more).
    pub app_delete_timeout_seconds: u32,
    /// The private network the functions run in: with [`ProfileTarget::Domain`], the
    /// domain's network, whose endpoints must serve what the functions call: the Identity
    /// Store API (`identitystore`), the SageMaker API (`sagemaker.api`) and, with
    /// [`Mapping::DynamoDb`], DynamoDB (`dynamodb`); rule ENV-FUNCTION-ENDPOINTS checks the
    /// template for them. `None` across accounts, where no endpoint reaches the calls
    /// ([`OUTSIDE_VPC_ACROSS_ACCOUNTS`]).
    pub network: Option<PrivateNetwork>,
    /// How often both functions reconcile every user (minutes, within
    /// [`schedule::MIN_MINUTES`]..=[`schedule::MAX_MINUTES`]).
    pub reconcile_every_minutes: u32,
    /// Days a leaving user's profile and spaces are kept (apps stop at once); 0 deletes at
    /// once.
    pub offboarding_grace_days: u32,
}

/// Why the functions of a cross-account onboarding are not in a VPC, written into their
/// Metadata for LAMBDA-IN-VPC and checkov's CKV_AWS_117.
pub const OUTSIDE_VPC_ACROSS_ACCOUNTS: &str = "Across accounts these functions call the SageMaker API (CreateUserProfile, DescribeUserProfile, UpdateUserProfile, DeleteUserProfile, ListTags, AddTags, DeleteTags, ListApps, DeleteApp, ListSpaces, DeleteSpace, ListUserProfiles) and Systems Manager (GetParameter) in each Studio account's rollout Region, which need not be the Region this stack runs in. An interface endpoint reaches its own Region only, and neither SageMaker nor Systems Manager is among the services reachable through cross-Region interface endpoints (https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-cross-region-privatelink-support.html): in a VPC these calls would need a NAT gateway and an internet route, so the central template has no network.";

/// Onboarding's resources, for the constructs that trust or grant to them.
#[derive(Clone, Debug)]
pub struct Onboarding {
    /// The function that gives a user a profile when they join a mapped group.
    pub onboard: Handle<Function>,
    /// The function that deletes or re-maps a profile when a user leaves one.
    pub offboard: Handle<Function>,
    /// The onboarding function's role (what a member account's onboarding provisioning
    /// role trusts).
    pub onboard_role: Handle<Role>,
    /// The offboarding function's role.
    pub offboard_role: Handle<Role>,
    /// Where events go that still fail after EventBridge's and Lambda's retries.
    pub dead_letter_queue: Handle<Queue>,
    /// The mapping table, with [`Mapping::DynamoDb`].
    pub table: Option<Handle<Table>>,
}

/// The event pattern of every hint: matched on `detail.eventSource` and `detail.eventName`
/// only (no `source` value to guess); a name recorded by one source and listed under
/// another matches too, and is only one more hint.
pub fn event_pattern(events: &[(&str, &[&str])]) -> Value {
    let mut names: Vec<&str> = events.iter().flat_map(|e| e.1.iter().copied()).collect();
    names.sort_unstable();
    names.dedup();
    Value::map([
        (
            "detail-type",
            Value::list([Value::from("AWS API Call via CloudTrail")]),
        ),
        (
            "detail",
            Value::map([
                (
                    "eventSource",
                    Value::list(events.iter().map(|e| Value::from(e.0))),
                ),
                ("eventName", Value::list(names.into_iter().map(Value::from))),
                // CloudTrail records failed calls too; they changed nothing.
                (
                    "errorCode",
                    Value::list([Value::map([("exists", Value::from(false))])]),
                ),
            ]),
        ),
    ])
}

fn identity_store_resources(identity_store_id: &Value) -> Vec<Value> {
    vec![
        arn::global(
            "identitystore",
            [
                SubPart::from("identitystore/"),
                SubPart::from(identity_store_id.clone()),
            ],
        ),
        sub!["arn:", Pseudo::Partition, ":identitystore:::user/*"],
        sub!["arn:", Pseudo::Partition, ":identitystore:::group/*"],
        sub!["arn:", Pseudo::Partition, ":identitystore:::membership/*"],
    ]
}

fn in_domain(domain: &Handle<Domain>, kind: &str) -> Value {
    arn::regional(
        "sagemaker",
        [
            SubPart::from(format!("{kind}/")),
            SubPart::from(domain.domain_id()),
            SubPart::from("/*"),
        ],
    )
}

/// The tag the functions put on every profile they create (value: the Identity Store
/// user id), and the only profiles their roles may update or delete: the Python's `TAG`.
pub const OWNERSHIP_TAG: &str = "sagesynth:identitystore-user-id";
/// The date (ISO) after which offboarding deletes a leaving user's spaces and profile: the
/// Python's `OFFBOARD_AFTER`.
pub const OFFBOARD_AFTER_TAG: &str = "sagesynth:offboard-after";
/// The mark of a profile whose user name another user now holds (its value: that user's
/// id): never updated, deleted or handed over. The Python's `QUARANTINED`.
pub const QUARANTINED_TAG: &str = "sagesynth:quarantined";
/// [`OWNERSHIP_TAG`] on the profile a request acts on.
pub(crate) const OWNED_PROFILE: ConditionKey =
    ConditionKey::single("aws:ResourceTag/sagesynth:identitystore-user-id");
/// [`OWNERSHIP_TAG`] in the tags a request creates.
const OWNERSHIP_TAG_REQUESTED: ConditionKey =
    ConditionKey::single("aws:RequestTag/sagesynth:identitystore-user-id");

/// Which of the two functions a role serves: each role holds only the calls its function
/// makes (onboarding never deletes, offboarding never creates).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duty {
    /// Creates a joining user's profile, or switches the role of one it made before.
    Onboarding,
    /// Switches the role of a leaving user's profile, or deletes its apps, private spaces
    /// and the profile.
    Offboarding,
}

impl Duty {
    /// Both, in the order the functions are built.
    pub const ALL: [Duty; 2] = [Duty::Onboarding, Duty::Offboarding];

    /// `onboarding` / `offboarding`, in role names.
    pub fn word(self) -> &'static str {
        match self {
            Duty::Onboarding => "onboarding",
            Duty::Offboarding => "offboarding",
        }
    }
}

const DESCRIBE_USER: Action = Action::new("identitystore:DescribeUser");
const LIST_MEMBERSHIPS: Action = Action::new("identitystore:ListGroupMembershipsForMember");
const LIST_USERS: Action = Action::new("identitystore:ListUsers");
const LIST_GROUP_MEMBERSHIPS: Action = Action::new("identitystore:ListGroupMemberships");

/// What one function (or, across accounts, its provisioning role) may do in one domain.
/// Reading any profile and its tags, so that the code can tell its own from others';
/// updating and deleting only profiles that carry [`OWNERSHIP_TAG`] (SageMaker evaluates
/// `aws:ResourceTag` on the `user-profile` resource); creating only with that tag and no
/// other, and `AddTags` only as part of `CreateUserProfile` (`sagemaker:TaggingAction`),
/// so that the role cannot adopt a profile by tagging it. Offboarding also deletes apps
/// and spaces of the domain: they do not carry the profile's tag, so only the domain in
/// their ARNs confines them. Only `execution_roles` may be passed to SageMaker.
pub(crate) fn domain_statements(
    domain: &Handle<Domain>,
    duty: Duty,
    execution_roles: Vec<Value>,
) -> Vec<Statement> {
    use sagemaker::actions as sm;
    let profiles = in_domain(domain, "user-profile");
    let owned = || Condition::null(OWNED_PROFILE, false);
    let mut statements = vec![
        Statement::allow()
            .sid("ReadProfilesOfThisDomain")
            .actions([&sm::DESCRIBE_USER_PROFILE, &sm::LIST_TAGS])
            .resource(profiles.clone()),
    ];
    match duty {
        Duty::Onboarding => {
            let tagged_by_us = || {
                [
                    Condition::null(OWNERSHIP_TAG_REQUESTED, false),
                    Condition::string_equals(keys::TAG_KEYS, [Value::from(OWNERSHIP_TAG)])
                        .qualified(SetQualifier::ForAllValues),
                ]
            };
            let [requested, only_ours] = tagged_by_us();
            statements.push(
                Statement::allow()
                    .sid("CreateProfilesOnlyWithTheOwnershipTag")
                    .actions([&sm::CREATE_USER_PROFILE])
                    .resource(profiles.clone())
                    .condition(requested)
                    .condition(only_ours),
            );
            let [requested, only_ours] = tagged_by_us();
            statements.push(
                Statement::allow()
                    .sid("TagProfilesOnlyAsTheyAreCreated")
                    .actions([&sm::ADD_TAGS])
                    .resource(profiles.clone())
                    .condition(Condition::string_equals(
                        sagemaker::keys::TAGGING_ACTION,
                        [Value::from("CreateUserProfile")],
                    ))
                    .condition(requested)
                    .condition(only_ours),
            );
            statements.push(
                Statement::allow()
                    .sid("UpdateOnlyProfilesWithTheOwnershipTag")
                    .actions([&sm::UPDATE_USER_PROFILE])
                    .resource(profiles.clone())
                    .condition(owned()),
            );
            statements.push(marking_statement(duty, profiles));
            statements.push(
                Statement::allow()
                    .sid("ListProfilesHasNoResourceScope")
                    .actions([&sm::LIST_USER_PROFILES])
                    .any_resource(),
            );
        }
        Duty::Offboarding => statements.extend([
            Statement::allow()
                .sid("UpdateOrDeleteOnlyProfilesWithTheOwnershipTag")
                .actions([&sm::UPDATE_USER_PROFILE, &sm::DELETE_USER_PROFILE])
                .resource(profiles.clone())
                .condition(owned()),
            marking_statement(duty, profiles),
            Statement::allow()
                .sid("DeleteAppsOfThisDomain")
                .actions([&sm::DELETE_APP])
                .resource(in_domain(domain, "app")),
            Statement::allow()
                .sid("DeleteSpacesOfThisDomain")
                .actions([&sm::DELETE_SPACE])
                .resource(in_domain(domain, "space")),
            Statement::allow()
                .sid("ListCallsHaveNoResourceScope")
                .actions([&sm::LIST_APPS, &sm::LIST_SPACES, &sm::LIST_USER_PROFILES])
                .any_resource(),
        ]),
    }
    statements.push(
        Statement::allow()
            .sid("PassOnlyTheGroupRolesToSageMaker")
            .actions([&iam::actions::PASS_ROLE])
            .resources(execution_roles)
            .condition(Condition::string_equals(
                keys::PASSED_TO_SERVICE,
                [Value::from("sagemaker.amazonaws.com")],
            )),
    );
    statements
}

/// The tags a function may change on profiles that carry [`OWNERSHIP_TAG`], never that tag
/// itself (so no profile can be adopted): onboarding takes a returning user's profile back
/// by removing its offboarding date; offboarding sets that date or the quarantine mark.
fn marking_statement(duty: Duty, profiles: Value) -> Statement {
    use sagemaker::actions as sm;
    let (sid, action, tag_keys) = match duty {
        Duty::Onboarding => (
            "RemoveOnlyTheOffboardingDateOfOwnedProfiles",
            &sm::DELETE_TAGS,
            vec![Value::from(OFFBOARD_AFTER_TAG)],
        ),
        Duty::Offboarding => (
            "MarkOnlyOwnedProfilesForOffboardingOrQuarantine",
            &sm::ADD_TAGS,
            vec![
                Value::from(OFFBOARD_AFTER_TAG),
                Value::from(QUARANTINED_TAG),
            ],
        ),
    };
    Statement::allow()
        .sid(sid)
        .actions([action])
        .resource(profiles)
        .condition(Condition::null(OWNED_PROFILE, false))
        .condition(
            Condition::string_equals(keys::TAG_KEYS, tag_keys)
                .qualified(SetQualifier::ForAllValues),
        )
}

/// Reading users, groups and memberships of one identity store.
fn identity_store_statement(identity_store_id: &Value) -> Statement {
    Statement::allow()
        .sid("ReadUsersAndGroupsOfThisIdentityStore")
        .actions([
            &DESCRIBE_USER,
            &LIST_MEMBERSHIPS,
            &LIST_USERS,
            &LIST_GROUP_MEMBERSHIPS,
        ])
        .resources(identity_store_resources(identity_store_id))
}

/// What one function's role may do: read users and memberships, its own profile calls
/// (or assume its own provisioning roles), the mapping, its logs and the queue.
fn function_policy(
    props: &OnboardingProps,
    duty: Duty,
    log_group: &Handle<LogGroup>,
    queue: &Handle<Queue>,
    key: &Handle<Key>,
    table: Option<&Handle<Table>>,
) -> Result<PolicyDocument, ConstructError> {
    let mut doc =
        PolicyDocument::new().statement(identity_store_statement(&props.identity_store_id));
    match &props.target {
        ProfileTarget::Domain(domain) => {
            let roles = props.groups.iter().filter_map(|g| match &g.role {
                RoleRef::Arn(arn) => Some(arn.clone()),
                RoleRef::InAccount { .. } => None,
            });
            doc = doc.statements(domain_statements(domain, duty, roles.collect()));
        }
        ProfileTarget::Accounts {
            provisioning_roles, ..
        } => {
            doc = doc.statement(
                Statement::allow()
                    .sid("AssumeOnlyTheMemberProvisioningRoles")
                    .actions([&iam::actions::ASSUME_ROLE])
                    .resources(
                        provisioning_roles
                            .iter()
                            .filter(|r| r.duty == duty)
                            .map(|r| r.arn.clone()),
                    ),
            );
        }
    }
    if let Some(table) = table {
        // Scan: a full reconciliation needs every mapped group.
        table
            .grant_read_data()
            .only([&dynamodb::actions::GET_ITEM, &dynamodb::actions::SCAN])
            .sid("ReadTheMapping")
            .to(&mut doc)?;
    }
    queue
        .grant_send_messages()
        .only([&sqs::actions::SEND_MESSAGE])
        .sid("SendFailedEventsToTheDeadLetterQueue")
        .to(&mut doc)?;
    log_group.grant_write().sid("WriteOwnLogs").to(&mut doc)?;
    doc = doc.statement(schedule::metric_statement());
    // Sending to the SSE-KMS queue needs a data key; reading the environment, decrypting.
    key.grant_encrypt_decrypt()
        .only([&kms::actions::GENERATE_DATA_KEY, &kms::actions::DECRYPT])
        .sid("UseTheOnboardingKey")
        .condition(via_services(&["lambda", "sqs"])?)
        .to(&mut doc)?;
    Ok(doc)
}

/// One of the two functions: what triggers it and what it may do to profiles.
struct FunctionKind {
    name: &'static str,
    handler: &'static str,
    duty: Duty,
    timeout: i64,
    /// Offboarding runs one at a time: a DeleteGroupMembership event names no user, so
    /// the function re-checks every profile it owns, which must not race with itself.
    reserved: i64,
}

/// The group → role list the functions read in inline mode, in precedence order: a JSON
/// document built with Fn::Sub, so that each role ARN is filled in at deploy time. Only
/// groups whose role is in this stack; across accounts the mapping is in the code
/// ([`code_with_mapping`]).
fn inline_mapping(groups: &[GroupRole]) -> Value {
    let mut parts: Vec<SubPart> = vec![SubPart::from("[")];
    let with_arn = groups.iter().filter_map(|g| match &g.role {
        RoleRef::Arn(arn) => Some((g, arn)),
        RoleRef::InAccount { .. } => None,
    });
    for (i, (g, arn)) in with_arn.enumerate() {
        if i > 0 {
            parts.push(SubPart::from(", "));
        }
        parts.push(SubPart::from(format!(
            "{{\"group\": {}, \"group_id\": {}, \"role_arn\": \"",
            serde_json::to_string(&g.name).expect("strings serialize"),
            serde_json::to_string(&g.group_id).expect("strings serialize")
        )));
        parts.push(SubPart::from(arn.clone()));
        parts.push(SubPart::from("\"}"));
    }
    parts.push(SubPart::from("]"));
    crate::template::Sub::from_parts(parts).into_value()
}

/// The functions' code for a cross-account target: the shared file, with the mapping
/// appended as a constant. Lambda caps a function's environment variables at 4 KB, which
/// the mapping of a few dozen groups and accounts would exceed; the code may be 4 MB.
/// The mapping holds no intrinsics (role names, not ARNs), so the code stays a plain
/// string; group names, ids and role names hold no quote or backslash.
fn code_with_mapping(groups: &[GroupRole], roles: &[&ProvisioningRole]) -> String {
    let groups: Vec<serde_json::Value> = groups
        .iter()
        .filter_map(|g| match &g.role {
            RoleRef::InAccount {
                account_id,
                parameter,
            } => Some(serde_json::json!({
                "group": g.name,
                "group_id": g.group_id,
                "account_id": account_id,
                "role_parameter": parameter,
            })),
            RoleRef::Arn(_) => None,
        })
        .collect();
    let targets: Vec<serde_json::Value> = roles
        .iter()
        .map(|r| {
            serde_json::json!({
                "account_id": r.account_id,
                "region": r.region,
                "role_name": r.name,
            })
        })
        .collect();
    let mapping = serde_json::to_string_pretty(&serde_json::json!({
        "groups": groups,
        "targets": targets,
    }))
    .expect("JSON values serialize");
    format!(
        "{FUNCTION_CODE}\n\n# The group -> account mapping of this stack and each account's provisioning role\n# (appended by sagesynth).\nMAPPING = json.loads(r\"\"\"\n{mapping}\n\"\"\")\n"
    )
}

/// A function of the onboarding, with its role and its EventBridge rule.
struct BuiltFunction {
    function: Handle<Function>,
    role: Handle<Role>,
    rule: Handle<Rule>,
    /// The full reconciliation's schedule.
    schedule: Handle<Rule>,
}

impl Onboarding {
    /// Every function onboarding runs, for the alarms that watch their errors and throttles.
    pub fn functions(&self) -> Vec<&Handle<Function>> {
        vec![&self.onboard, &self.offboard]
    }

    /// The onboarding `id` in the scope (the shipped stacks use [`super::scope::ONLY`]):
    /// `<id>OnboardingFunction`, `<id>OffboardingFunction` with their roles, log groups,
    /// rules and invoke permissions, `<id>OnboardingDeadLetterQueue` (and its policy),
    /// and `<id>GroupRoleMappingTable` in DynamoDB mode.
    pub fn new(
        scope: &mut Scope,
        id: &str,
        props: &OnboardingProps,
    ) -> Result<Onboarding, ConstructError> {
        let scope = &mut scope.child(id);
        let key = onboarding_key(scope)?;
        let queue = scope.add("OnboardingDeadLetterQueue", dead_letter_queue(&key)?)?;
        // The queue outlives the stack like the functions' logs: an event EventBridge
        // could not deliver never reached a function, so its message here is the only
        // record that a membership change was not applied (for the 14 days the queue
        // keeps it).
        scope
            .entry(&queue)
            .retain(DeletionPolicy::RetainExceptOnCreate);
        let table = match props.mapping {
            Mapping::Inline => None,
            Mapping::DynamoDb => Some(scope.add("GroupRoleMappingTable", mapping_table()?)?),
        };
        let environment = function_environment(props, table.as_ref());
        let placement = function_network(scope, props)?;
        let on = FunctionKind {
            name: "Onboarding",
            handler: "index.onboard",
            duty: Duty::Onboarding,
            // A full reconciliation reads every profile; what it cannot finish in time is
            // left to the next run.
            timeout: 300,
            reserved: 5,
        };
        let off = FunctionKind {
            name: "Offboarding",
            handler: "index.offboard",
            duty: Duty::Offboarding,
            timeout: i64::from(props.app_delete_timeout_seconds) + 60,
            reserved: 1,
        };
        let parts = FunctionParts {
            props,
            environment: &environment,
            queue: &queue,
            key: &key,
            table: table.as_ref(),
            placement: placement.as_ref(),
        };
        let onboard = add_function(scope, &on, &parts)?;
        let offboard = add_function(scope, &off, &parts)?;
        scope.add(
            "OnboardingDeadLetterQueuePolicy",
            dead_letter_queue_policy(
                &queue,
                [
                    &onboard.rule,
                    &offboard.rule,
                    &onboard.schedule,
                    &offboard.schedule,
                ],
            )?,
        )?;
        Ok(Onboarding {
            onboard: onboard.function,
            offboard: offboard.function,
            onboard_role: onboard.role,
            offboard_role: offboard.role,
            dead_letter_queue: queue,
            table,
        })
    }
}

/// The functions' place in the domain's network (`<id>OnboardingFunctionsSecurityGroup`),
/// or none across accounts.
fn function_network(
    scope: &mut Scope,
    props: &OnboardingProps,
) -> Result<Option<FunctionNetwork>, ConstructError> {
    match (&props.target, &props.network) {
        (ProfileTarget::Domain(_), Some(network)) => Ok(Some(FunctionNetwork::new(
            scope,
            "onboarding-functions",
            network,
            &FunctionNetworkProps {
                // The mapping table is reached through the DynamoDB gateway endpoint.
                uses_gateway_endpoints: props.mapping == Mapping::DynamoDb,
            },
        )?)),
        (ProfileTarget::Domain(_), None) => Err(ConstructError::Invalid(
            "onboarding for this stack's domain runs in the domain's network: `network` is required".into(),
        )),
        (ProfileTarget::Accounts { .. }, None) => Ok(None),
        (ProfileTarget::Accounts { .. }, Some(_)) => Err(ConstructError::Invalid(
            "onboarding across accounts calls other Regions' SageMaker and Systems Manager APIs, which no endpoint of this network reaches: give no `network`".into(),
        )),
    }
}

/// The key of the functions' logs, environment and dead-letter queue (`<id>OnboardingKey`,
/// retained). Its policy names CloudWatch Logs (for this account's log groups) and
/// EventBridge (for this account's rules, which park undeliverable events in the queue);
/// the account uses it only through Lambda (the deploying principal encrypts the functions'
/// environment when CloudFormation creates them, and Lambda decrypts it for the function)
/// and SQS (the function roles, granted by name in their policies, send failed events).
fn onboarding_key(scope: &mut Scope) -> Result<Handle<Key>, ConstructError> {
    let key = EncryptionKey::with_users(
        scope,
        "Onboarding",
        &EncryptionKeyProps {
            alias_suffix: "onboarding",
            description: "Encrypts the onboarding functions' logs, environment and dead-letter queue",
            via_services: &["lambda", "sqs"],
            // Kept for the functions' logs, which are kept with the same policy; on a
            // rolled-back first creation those logs are deleted too.
            deletion_policy: DeletionPolicy::RetainExceptOnCreate,
        },
        [logs_may_use(), events_may_use()],
    )?;
    Ok(key.key)
}

/// Events neither function could process, kept 14 days, encrypted with the onboarding key.
fn dead_letter_queue(key: &Handle<Key>) -> Result<Queue, ConstructError> {
    Ok(Queue::builder()
        .kms_master_key_id(key.arn())
        .message_retention_period(14 * 24 * 3600)
        .build()?)
}

/// The group → role mapping that administrators edit without redeploying, keyed by the
/// Identity Store group id (a display name can be given to another group).
fn mapping_table() -> Result<Table, ConstructError> {
    Ok(Table::builder()
        .billing_mode(dynamodb::BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("group_id")
                .attribute_type(dynamodb::AttributeType::S)
                .build()?,
        )
        .key_schema(
            KeySchema::builder()
                .attribute_name("group_id")
                .key_type(dynamodb::KeyType::Hash)
                .build()?,
        )
        .point_in_time_recovery_specification(
            PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(true)
                .build()?,
        )
        .sse_specification(
            SseSpecification::builder()
                .sse_enabled(true)
                .sse_type(dynamodb::SseType::Kms)
                .build()?,
        )
        .build()?)
}

/// The functions' environment variables: where profiles go, the identity store, and the
/// mapping (inline or in the table; across accounts it is in the code, [`function_code`]).
fn function_environment(
    props: &OnboardingProps,
    table: Option<&Handle<Table>>,
) -> Vec<(&'static str, Value)> {
    let mut environment = match &props.target {
        ProfileTarget::Domain(domain) => vec![("DOMAIN_ID", domain.domain_id())],
        ProfileTarget::Accounts {
            domain_id_parameter,
            ..
        } => vec![
            (
                "DOMAIN_ID_PARAMETER",
                Value::from(domain_id_parameter.as_str()),
            ),
            ("PARTITION", Value::from(Pseudo::Partition)),
            // AssumeRole goes to STS in the function's own Region whatever boto3 version
            // the runtime bundles (boto3 used the global endpoint by default before 1.40).
            ("AWS_STS_REGIONAL_ENDPOINTS", Value::from("regional")),
        ],
    };
    environment.extend([
        ("IDENTITY_STORE_ID", props.identity_store_id.clone()),
        (
            "MAPPING_MODE",
            Value::from(match props.mapping {
                Mapping::Inline => "inline",
                Mapping::DynamoDb => "dynamodb",
            }),
        ),
    ]);
    match (&props.target, table) {
        (ProfileTarget::Accounts { .. }, _) => {}
        (ProfileTarget::Domain(_), None) => {
            environment.push(("GROUP_ROLES", inline_mapping(&props.groups)));
        }
        (ProfileTarget::Domain(_), Some(t)) => {
            environment.push(("MAPPING_TABLE", t.name()));
        }
    }
    environment.push((
        "APP_DELETE_TIMEOUT_SECONDS",
        Value::from(props.app_delete_timeout_seconds.to_string()),
    ));
    environment.extend(schedule::environment(props.offboarding_grace_days));
    environment
}

/// One function's code: the shared file, and across accounts the mapping with the
/// provisioning roles of this function only.
fn function_code(props: &OnboardingProps, duty: Duty) -> String {
    match &props.target {
        ProfileTarget::Accounts {
            provisioning_roles, ..
        } => {
            let own: Vec<&ProvisioningRole> = provisioning_roles
                .iter()
                .filter(|r| r.duty == duty)
                .collect();
            code_with_mapping(&props.groups, &own)
        }
        ProfileTarget::Domain(_) => FUNCTION_CODE.to_string(),
    }
}

/// What both functions share.
struct FunctionParts<'a> {
    props: &'a OnboardingProps,
    environment: &'a [(&'static str, Value)],
    queue: &'a Handle<Queue>,
    key: &'a Handle<Key>,
    table: Option<&'a Handle<Table>>,
    /// The functions' place in the network; `None` across accounts.
    placement: Option<&'a FunctionNetwork>,
}

/// One function: its log group, role, the function, its rule and the rule's permission
/// to invoke it (`<Kind>FunctionLogs`, `<Kind>FunctionRole`, `<Kind>Function`,
/// `<Kind>Rule`, `<Kind>InvokePermission`).
fn add_function(
    scope: &mut Scope,
    kind: &FunctionKind,
    parts: &FunctionParts,
) -> Result<BuiltFunction, ConstructError> {
    let name = kind.name;
    let log_group = scope.add(
        &format!("{name}FunctionLogs"),
        LogGroup::builder()
            .retention_in_days(90)
            .kms_key_id(parts.key.arn())
            .build()?,
    )?;
    // What the function did to whose profile: kept when the stack goes.
    scope
        .entry(&log_group)
        .retain(DeletionPolicy::RetainExceptOnCreate);
    let role = function_role(scope, kind, parts, &log_group)?;
    let function = scope.add(
        &format!("{name}Function"),
        function(kind, parts, &role, &log_group)?,
    )?;
    if parts.placement.is_none() {
        scope.exempt(&function, "LAMBDA-IN-VPC", OUTSIDE_VPC_ACROSS_ACCOUNTS);
    }
    let rule = scope.add(&format!("{name}Rule"), rule(kind, &function, parts.queue)?)?;
    scope.add(
        &format!("{name}InvokePermission"),
        Permission::builder()
            .action("lambda:InvokeFunction")
            .function_name(function.arn())
            .principal("events.amazonaws.com")
            .source_arn(rule.arn())
            .build()?,
    )?;
    let schedule = schedule::add(
        scope,
        name,
        &function,
        parts.queue,
        parts.props.reconcile_every_minutes,
    )?;
    Ok(BuiltFunction {
        function,
        role,
        rule,
        schedule,
    })
}

/// `<Kind>FunctionRole`: what the function's code may do, and in a VPC the network
/// interfaces Lambda manages for it.
fn function_role(
    scope: &mut Scope,
    kind: &FunctionKind,
    parts: &FunctionParts,
    log_group: &Handle<LogGroup>,
) -> Result<Handle<Role>, ConstructError> {
    let name = kind.name;
    let mut policy = function_policy(
        parts.props,
        kind.duty,
        log_group,
        parts.queue,
        parts.key,
        parts.table,
    )?;
    if let Some(placement) = parts.placement {
        placement.grant_network_interfaces().to(&mut policy)?;
    }
    scope.add(
        &format!("{name}FunctionRole"),
        Role::builder()
            .description(format!("{name} function of the Studio SSO onboarding"))
            .assume_role_policy_document(iam::service_trust_policy(iam::Service::Lambda))
            .policies(Policy::new(name, policy))
            .build()?,
    )
}

/// The function itself: code, limits, encrypted environment, dead-letter queue, log
/// group and, in a VPC, its place there.
fn function(
    kind: &FunctionKind,
    parts: &FunctionParts,
    role: &Handle<Role>,
    log_group: &Handle<LogGroup>,
) -> Result<Function, ConstructError> {
    let name = kind.name;
    let mut function = Function::builder()
        .description(format!(
            "{name} of Studio user profiles from IAM Identity Center group membership"
        ))
        .runtime(lambda::PYTHON_RUNTIME)
        .handler(kind.handler)
        .kms_key_arn(parts.key.arn())
        .code(
            Code::builder()
                .zip_file(function_code(parts.props, kind.duty))
                .build()?,
        )
        .role(role.arn())
        .timeout(kind.timeout)
        .memory_size(256)
        .reserved_concurrent_executions(kind.reserved)
        .environment(
            Environment::builder()
                .variables(Value::map(
                    parts.environment.iter().map(|(k, v)| (*k, v.clone())),
                ))
                .build()?,
        )
        .dead_letter_config(
            lambda::DeadLetterConfig::builder()
                .target_arn(parts.queue.arn())
                .build()?,
        )
        .logging_config(
            LoggingConfig::builder()
                .log_format(lambda::LogFormat::Json)
                .log_group(log_group.name())
                .build()?,
        );
    if let Some(placement) = parts.placement {
        function = function.vpc_config(placement.vpc_config()?);
    }
    Ok(function.build()?)
}

/// The EventBridge rule that sends a function its events, retrying for an hour and
/// parking what it cannot deliver in the dead-letter queue.
fn rule(
    kind: &FunctionKind,
    function: &Handle<Function>,
    queue: &Handle<Queue>,
) -> Result<Rule, ConstructError> {
    let name = kind.name;
    Ok(Rule::builder()
        .description(format!(
            "{name}: IAM Identity Center user, group and membership changes, via CloudTrail, as hints"
        ))
        .event_pattern(event_pattern(&HINT_EVENTS))
        .state(events::RuleState::Enabled)
        .targets(function_target(name, function, queue, 8, 3600)?)
        .build()?)
}

/// The target of a rule that invokes `<name>Function` with EventBridge retries
/// (`retries` times, for at most `max_age_seconds`), parking what it cannot deliver in
/// the dead-letter queue. Shared by the hint rules and the reconciliation schedules.
pub(super) fn function_target(
    name: &str,
    function: &Handle<Function>,
    queue: &Handle<Queue>,
    retries: i64,
    max_age_seconds: i64,
) -> Result<Target, ConstructError> {
    Ok(Target::builder()
        .id(format!("{name}Function"))
        .arn(function.arn())
        .retry_policy(
            RetryPolicy::builder()
                .maximum_retry_attempts(retries)
                .maximum_event_age_in_seconds(max_age_seconds)
                .build()?,
        )
        .dead_letter_config(
            events::DeadLetterConfig::builder()
                .arn(queue.arn())
                .build()?,
        )
        .build()?)
}

/// Only this stack's rules may send undeliverable events to the queue.
fn dead_letter_queue_policy<'a>(
    queue: &Handle<Queue>,
    rules: impl IntoIterator<Item = &'a Handle<Rule>>,
) -> Result<QueuePolicy, ConstructError> {
    Ok(QueuePolicy::builder()
        .queues(queue.url())
        .policy_document(
            PolicyDocument::new().statement(
                Statement::allow()
                    .sid("RulesSendUndeliverableEvents")
                    .principal(Principal::service("events.amazonaws.com"))
                    .actions([&sqs::actions::SEND_MESSAGE])
                    .resource(queue.arn())
                    .condition(Condition::arn_equals(
                        keys::SOURCE_ARN,
                        rules.into_iter().map(|r| r.arn()),
                    )),
            ),
        )
        .build()?)
}

/// The logical ID of a group's execution role.
pub fn group_role_id(group: &str) -> Result<LogicalId, ConstructError> {
    Ok(LogicalId::from_words(&[group, "execution-role"])?)
}
