//! A SageMaker Studio domain that is reachable only from inside its VPC: execution role,
//! customer-managed KMS key for its storage, the Studio security group, the domain in
//! `VpcOnly` mode, and one user profile per user.

use crate::calendar::Date;
use crate::resources::cloudformation::StudioCleanup as Cleanup;
use indexmap::IndexMap;

use crate::resources::ec2::{SecurityGroup, SecurityGroupEgress, SecurityGroupIngress, protocol};
use crate::resources::iam::policy::{Action, Condition, PolicyDocument, SetQualifier, Statement};
use crate::resources::iam::{self, ManagedPolicy, Policy, Role};
use crate::resources::kms::Key;
use crate::resources::sagemaker::{self, Domain, DomainSettings, UserProfile, UserSettings};
use crate::resources::sso::ApplicationAssignment;
use crate::resources::sso::PrincipalType;
use crate::resources::{arn, logs};
use crate::template::{DeletionPolicy, Handle, LogicalId, MapHasher, OrderedMap, SubPart, Value};

use super::ConstructError;
use super::encryption_key::{EncryptionKey, EncryptionKeyProps, logs_may_use};
use super::network::PrivateNetwork;
use super::scope::{ONLY, Scope};
use super::studio_cleanup::{HomeStorage, StudioCleanup, StudioCleanupProps};
use super::studio_settings::{StudioSettings, StudioSettingsProps, instance_type_conditions};

/// Ports Studio apps use between each other: NFS to the home EFS volume, and the range
/// SageMaker documents for traffic between apps in VpcOnly mode.
pub const NFS_PORT: i64 = 2049;
/// The port range (first, last) open between Studio apps (see [`NFS_PORT`]).
pub const APP_PORTS: (i64, i64) = (8192, 65535);

/// What a Studio domain is built from; the network, key and VpcOnly mode are not choices.
#[derive(Clone, Debug, PartialEq)]
pub struct StudioDomainProps {
    /// The domain's name, unique in the account and region.
    pub domain_name: String,
    /// How users sign in.
    pub auth: StudioAuth,
    /// User-profile names; each becomes `UserProfile<PascalName>`. (SSO domains get their
    /// profiles from onboarding instead.)
    pub users: Vec<String>,
    /// Users of `users` being offboarded, with the date after which their entry may go
    /// (IAM mode): their profile's cleanup deletes their apps on the deploy that adds
    /// them, and the presigned-URL policy denies their profile.
    pub offboarded: IndexMap<String, Date>,
    /// Whether users may create shared spaces (which every user of the domain can open and
    /// start apps in) besides their private ones. Default off: each user's work stays in
    /// spaces only its owner can change or delete.
    pub shared_spaces: bool,
    /// What happens to the users' home directories when the domain is deleted.
    pub home_storage: HomeStorage,
    /// Idle shutdown, instance types, storage and lifecycle scripts of the domain's apps.
    pub settings: StudioSettingsProps,
    /// What the stack lets every app of the domain do besides (reading its package
    /// repository, ...): statements added to the execution policy, so that per-group
    /// roles, which attach that policy, hold them too.
    pub execution_grants: PolicyDocument,
}

/// How users sign in to the domain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StudioAuth {
    /// IAM users or roles, entering through presigned URLs.
    #[default]
    Iam,
    /// IAM Identity Center users; profiles name the Identity Center user.
    Sso,
}

impl StudioAuth {
    fn as_str(self) -> &'static str {
        match self {
            StudioAuth::Iam => "IAM",
            StudioAuth::Sso => "SSO",
        }
    }
}

/// A Studio domain's resources, for the constructs that build on it (presigned URLs,
/// onboarding, nested user stacks).
#[derive(Clone, Debug)]
pub struct StudioDomain {
    /// The domain, in `VpcOnly` mode.
    pub domain: Handle<Domain>,
    /// The default execution role of the domain's users.
    pub execution_role: Handle<Role>,
    /// What every execution role of the domain may do (attach it to per-group roles).
    pub execution_policy: Handle<ManagedPolicy>,
    /// The customer-managed key of the domain's storage (the home EFS volume, app volumes).
    pub key: Handle<Key>,
    /// The security group of the domain's apps: each other, NFS, HTTPS to the endpoints.
    pub security_group: Handle<SecurityGroup>,
    /// The user profiles, by user name, in definition order.
    pub user_profiles: OrderedMap<String, Handle<UserProfile>>,
    /// Each profile's cleanup, by user name (it carries an offboarded user's date).
    pub profile_cleanups: OrderedMap<String, Handle<Cleanup>>,
    /// What empties the profiles and the domain before CloudFormation deletes them.
    pub cleanup: StudioCleanup,
    /// The domain's app settings and lifecycle configurations.
    pub settings: StudioSettings,
}

/// The logical ID of a user's profile, derived from the name alone.
pub fn user_profile_id(user: &str) -> Result<LogicalId, ConstructError> {
    Ok(LogicalId::from_words(&["UserProfile", user])?)
}

/// One `AWS::SageMaker::UserProfile` per user, `UserProfile<Name>` in the scope, in the
/// domain `domain_id` (the domain's attribute, or a nested stack's parameter). Profiles
/// take the domain's default user settings (execution role, security group).
pub fn user_profiles(
    scope: &mut Scope,
    domain_id: &Value,
    users: &[String],
) -> Result<OrderedMap<String, Handle<UserProfile>>, ConstructError> {
    // Up to 10,000 users: sized once, and hashed as the template's own maps are.
    let mut profiles = OrderedMap::with_capacity_and_hasher(users.len(), MapHasher::default());
    for user in users {
        let profile = scope.add_named(
            &["UserProfile", user.as_str()],
            UserProfile::builder()
                .domain_id(domain_id.clone())
                .user_profile_name(user.as_str())
                .build()?,
        )?;
        profiles.insert(user.clone(), profile);
    }
    Ok(profiles)
}

impl StudioDomain {
    /// The domain `id` in the scope (`Studio` in the shipped stacks): `<id>Domain`,
    /// `<id>ExecutionRole`, `<id>ExecutionPolicy`, `<id>Key`, `<id>SecurityGroup`; the user
    /// profiles are `UserProfile<Name>` in the enclosing scope (a profile's name is its
    /// identity in the domain).
    pub fn new(
        scope: &mut Scope,
        id: &str,
        network: &PrivateNetwork,
        props: &StudioDomainProps,
    ) -> Result<StudioDomain, ConstructError> {
        let mut own = scope.child(id);
        let security_group = studio_security_group(&mut own, network)?;
        let key = domain_key(&mut own)?;

        let execution_role = own.add(
            "ExecutionRole",
            Role::builder()
                .description("Execution role of the Studio domain's apps")
                // SetSourceIdentity lets Studio stamp each session with the user-profile
                // name (ExecutionRoleIdentityConfig below).
                .assume_role_policy_document(studio_trust())
                .build()?,
        )?;

        let settings = StudioSettings::new(&mut own, ONLY, &props.domain_name, &props.settings)?;
        let mut domain_builder = Domain::builder();
        for subnet in &network.subnets {
            domain_builder = domain_builder.subnet_ids(subnet.id());
        }
        let domain = own.add(
            "Domain",
            domain_builder
                .domain_name(props.domain_name.as_str())
                .auth_mode(props.auth.as_str())
                .app_network_access_type(sagemaker::AppNetworkAccessType::VpcOnly)
                .default_user_settings(
                    settings
                        .apply(
                            UserSettings::builder()
                                .execution_role(execution_role.arn())
                                .security_groups(security_group.group_id()),
                        )?
                        .build()?,
                )
                .domain_settings(
                    DomainSettings::builder()
                        .execution_role_identity_config(
                            sagemaker::ExecutionRoleIdentityConfig::UserProfileName,
                        )
                        .build()?,
                )
                .kms_key_id(key.arn())
                .vpc_id(network.vpc.id())
                .build()?,
        )?;

        // Scoped to this domain, so it cannot live in the role itself: the domain needs the
        // role's ARN first.
        let execution_policy = own.add(
            "ExecutionPolicy",
            ManagedPolicy::builder()
                .description("What Studio apps of this domain may do")
                .roles(execution_role.name())
                .policy_document({
                    let mut doc = execution_policy(
                        &domain,
                        &key,
                        props.shared_spaces,
                        &props.settings.instance_types,
                        &settings.image_arns(),
                    )?;
                    doc.push(props.execution_grants.statement_list().iter().cloned());
                    doc
                })
                .build()?,
        )?;

        let cleanup = StudioCleanup::new(
            &mut own,
            ONLY,
            network,
            &domain,
            &key,
            &StudioCleanupProps {
                home_storage: props.home_storage,
                onboarded_profiles: props.auth == StudioAuth::Sso,
            },
        )?;
        let user_profiles = user_profiles(scope, &domain.domain_id(), &props.users)?;
        let mut profile_cleanups =
            OrderedMap::with_capacity_and_hasher(user_profiles.len(), MapHasher::default());
        for (user, profile) in &user_profiles {
            let offboard_after = props.offboarded.get(user).copied();
            let handle =
                cleanup.profile(scope, user, &domain.domain_id(), profile, offboard_after)?;
            profile_cleanups.insert(user.clone(), handle);
        }

        Ok(StudioDomain {
            domain,
            execution_role,
            execution_policy,
            key,
            security_group,
            user_profiles,
            profile_cleanups,
            cleanup,
            settings,
        })
    }
}

impl StudioDomain {
    /// An execution role for one group of users: what every user of the domain may do
    /// (the domain's execution policy) plus the group's own grants.
    ///
    /// The role is `<Group>ExecutionRole` in the scope; grants from [`super::grants`] go
    /// into its inline policy `GroupData` (absent when there is none).
    pub fn group_role(
        &self,
        scope: &mut Scope,
        group: &str,
        grants: PolicyDocument,
    ) -> Result<Handle<Role>, ConstructError> {
        let mut builder = Role::builder()
            .description(format!("Studio execution role of group {group}"))
            .assume_role_policy_document(studio_trust())
            .managed_policy_arns(self.execution_policy.arn());
        if !grants.is_empty() {
            builder = builder.policies(Policy::new("GroupData", grants));
        }
        scope.add_named(&[group, "execution-role"], builder.build()?)
    }

    /// Assigns an Identity Center group to the domain's Identity Center application, so
    /// that its members see the domain (no console step): `<Group>DomainAssignment` in the
    /// scope.
    pub fn assign_group(
        &self,
        scope: &mut Scope,
        group: &str,
        group_id: &str,
    ) -> Result<Handle<ApplicationAssignment>, ConstructError> {
        scope.add_named(
            &[group, "domain-assignment"],
            ApplicationAssignment::builder()
                .application_arn(self.domain.single_sign_on_application_arn())
                .principal_id(group_id)
                .principal_type(PrincipalType::Group)
                .build()?,
        )
    }
}

/// The Studio apps' group: NFS and the app port range from itself only (self-references
/// are separate resources; inline they would be circular), HTTPS out.
fn studio_security_group(
    scope: &mut Scope,
    network: &PrivateNetwork,
) -> Result<Handle<SecurityGroup>, ConstructError> {
    let sg = scope.add(
        "SecurityGroup",
        SecurityGroup::builder()
            .group_description("SageMaker Studio apps: EFS and app-to-app traffic within the group")
            .vpc_id(network.vpc.id())
            .security_group_egress(super::network::https_out()?)
            .build()?,
    )?;
    let self_rules = [
        (
            "Nfs",
            NFS_PORT,
            NFS_PORT,
            "NFS to the domain's EFS home volumes",
        ),
        (
            "AppPorts",
            APP_PORTS.0,
            APP_PORTS.1,
            "Traffic between Studio apps",
        ),
    ];
    for (name, from, to, description) in self_rules {
        scope.add(
            &format!("SecurityGroup{name}Ingress"),
            SecurityGroupIngress::builder()
                .group_id(sg.group_id())
                .description(format!("{description}, from this group only"))
                .ip_protocol(protocol::TCP)
                .from_port(from)
                .to_port(to)
                .source_security_group_id(sg.group_id())
                .build()?,
        )?;
        scope.add(
            &format!("SecurityGroup{name}Egress"),
            SecurityGroupEgress::builder()
                .group_id(sg.group_id())
                .description(format!("{description}, to this group only"))
                .ip_protocol(protocol::TCP)
                .from_port(from)
                .to_port(to)
                .destination_security_group_id(sg.group_id())
                .build()?,
        )?;
    }
    Ok(sg)
}

/// The customer-managed key for the domain's EFS and EBS volumes. It is kept when the
/// stack is deleted: CloudFormation deletes the domain but not its home EFS file system
/// (DeleteDomain retains it unless told otherwise, and the resource type gives no way to
/// tell it: <https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/1085>),
/// so the users' home directories outlive the stack and stay readable only with this key.
/// A rolled-back first creation leaves at most an empty file system (no user has worked
/// in it yet), so that case deletes the key (`RetainExceptOnCreate`).
///
/// The Studio cleanup's log group, kept like the home volume, is encrypted with it too, so
/// CloudWatch Logs may use it for this account's log groups.
fn domain_key(scope: &mut Scope) -> Result<Handle<Key>, ConstructError> {
    Ok(EncryptionKey::with_users(
        scope,
        ONLY,
        &EncryptionKeyProps {
            alias_suffix: "studio",
            description: "Encrypts the Studio domain's EFS and EBS volumes and the Studio cleanup's logs",
            via_services: &["sagemaker", "elasticfilesystem"],
            deletion_policy: DeletionPolicy::RetainExceptOnCreate,
        },
        [logs_may_use()],
    )?
    .key)
}

/// What Studio may do with a user's execution role: read the domain, its profiles, apps
/// and spaces; create, change and delete only the caller's own spaces and the apps in its
/// own private spaces (or of its own profile); write logs and use the domain key. List
/// calls cannot be scoped to a resource, so they are the only `Resource: "*"` statement.
///
/// The Studio UI calls these APIs with the execution role, and one role serves every user
/// of the domain (IAM mode) or of a group (SSO mode), so the role alone separates no one:
/// the caller is told apart by `${sagemaker:UserProfileName}`, which SageMaker supplies in
/// the calls of a user's apps (see [`sagemaker::variables`]). The statements follow the
/// owner-scoped ones of AWS's `AmazonSageMakerFullAccess` (Amazon SageMaker AI developer
/// guide, "AWS managed policies for Amazon SageMaker AI"), narrowed to this domain, to the
/// caller's own profile-level apps, and to shared spaces only when `shared_spaces` is set.
fn execution_policy(
    domain: &Handle<Domain>,
    key: &Handle<Key>,
    shared_spaces: bool,
    instance_types: &[String],
    images: &(Vec<Value>, Vec<Value>),
) -> Result<PolicyDocument, ConstructError> {
    use sagemaker::actions as sm;
    use sagemaker::keys;
    let in_domain = |kind: &str, rest: &str| {
        arn::regional(
            "sagemaker",
            [
                SubPart::from(format!("{kind}/")),
                SubPart::from(domain.domain_id()),
                SubPart::from(rest.to_string()),
            ],
        )
    };
    let caller = sagemaker::variables::USER_PROFILE_NAME;
    let owned_by_caller = Condition::arn_equals(
        keys::OWNER_USER_PROFILE_ARN,
        [in_domain("user-profile", &format!("/{caller}"))],
    );
    let sharing = |types: &[&str]| {
        Condition::string_equals(
            keys::SPACE_SHARING_TYPE,
            types.iter().map(|t| Value::from(*t)),
        )
    };
    let own_space_types: &[&str] = if shared_spaces {
        &["Private", "Shared"]
    } else {
        &["Private"]
    };
    let app_resource = in_domain("app", "/*");
    let space_resource = in_domain("space", "/*");
    let own_profile_apps = in_domain("app", &format!("/{caller}/*"));
    let confined = Confined { instance_types };
    let mut doc = PolicyDocument::new();
    domain.grant_describe().sid("ReadDomain").to(&mut doc)?;
    let mut doc = doc
        .statement(
            Statement::allow()
                .sid("ReadUserProfiles")
                .actions([&sm::DESCRIBE_USER_PROFILE])
                .resource(in_domain("user-profile", "/*")),
        )
        .statement(
            Statement::allow()
                .sid("ReadAppsAndSpaces")
                .actions([&sm::DESCRIBE_APP, &sm::DESCRIBE_SPACE])
                .resources([in_domain("app", "/*"), in_domain("space", "/*")]),
        );
    // An app of a profile itself (not in a space) has the profile's name in its ARN and
    // no owner key.
    doc.push(
        confined.statements("OwnProfileApps", Creating::App, &[&sm::DELETE_APP], &|s| {
            s.resource(own_profile_apps.clone())
                .condition(Condition::null(keys::OWNER_USER_PROFILE_ARN, true))
        }),
    );
    doc.push(
        confined.statements("OwnSpaces", Creating::Space, &[&sm::DELETE_SPACE], &|s| {
            s.resource(space_resource.clone())
                .condition(owned_by_caller.clone())
                .condition(sharing(own_space_types))
        }),
    );
    doc.push(confined.statements(
        "OwnPrivateSpaceApps",
        Creating::App,
        &[&sm::DELETE_APP],
        &|s| {
            s.resource(app_resource.clone())
                .condition(owned_by_caller.clone())
                .condition(sharing(&["Private"]))
        },
    ));
    if shared_spaces {
        // A shared space is for working together: any user of the domain may start and
        // stop its apps (only its owner may change or delete the space itself).
        doc.push(
            confined.statements("SharedSpaceApps", Creating::App, &[&sm::DELETE_APP], &|s| {
                s.resource(app_resource.clone())
                    .condition(sharing(&["Shared"]))
            }),
        );
    }
    doc.push(unlisted_images_denied(&app_resource, images));
    let mut doc = doc
        .statement(
            // Spaces are tagged only while they are created (their owner tag among them).
            Statement::allow()
                .sid("TagSpacesWhenCreated")
                .actions([&sm::ADD_TAGS])
                .resource(in_domain("space", "/*"))
                .condition(Condition::string_equals(
                    keys::TAGGING_ACTION,
                    [Value::from("CreateSpace")],
                )),
        )
        .statement(
            Statement::allow()
                .sid("TagAppsInDomain")
                .actions([&sm::ADD_TAGS])
                .resource(in_domain("app", "/*")),
        )
        .statement(list_apps_spaces_and_profiles())
        .statement(
            Statement::allow()
                .sid("WriteSageMakerLogs")
                .actions(logs::actions::WRITE)
                .resource(arn::regional(
                    "logs",
                    [SubPart::from("log-group:/aws/sagemaker/*")],
                )),
        );
    key.grant_volume_use().to(&mut doc)?;
    Ok(doc)
}

/// What a statement's creating actions create: apps start on an instance, spaces only
/// store the settings their apps start with.
#[derive(Clone, Copy)]
enum Creating {
    /// `CreateApp`.
    App,
    /// `CreateSpace` and `UpdateSpace`.
    Space,
}

/// Statements whose creating actions are confined to the domain's instance types.
struct Confined<'a> {
    /// Empty: any type, and the statements stay whole.
    instance_types: &'a [String],
}

/// `CreateApp` refused when it names an image (`sagemaker:ImageArns`) or image version
/// (`sagemaker:ImageVersionArns`) of this account that the stack did not list: apps start
/// on SageMaker's own images (which live in SageMaker's accounts) or the definition's.
/// The Service Authorization Reference lists both keys (ArrayOfString) for `CreateApp`.
/// `ForAnyValue:ArnLike` this account's images and `ForAnyValue:ArnNotLike` the listed
/// ones (exact ARNs, no wildcard): some image is this account's and some image is not listed, which for a request
/// of one image (an app runs one) is exactly "an unlisted image of this account"; a
/// request without the key (the space's or domain's default, both the stack's) matches
/// neither. A Deny written once, rather than conditions on each `CreateApp` Allow, keeps
/// the execution policy within IAM's size limit.
fn unlisted_images_denied(
    app_resource: &Value,
    images: &(Vec<Value>, Vec<Value>),
) -> Vec<Statement> {
    [
        (
            "DenyUnlistedImagesOfThisAccount",
            sagemaker::keys::IMAGE_ARNS,
            "image/*",
            &images.0,
        ),
        (
            "DenyUnlistedImageVersionsOfThisAccount",
            sagemaker::keys::IMAGE_VERSION_ARNS,
            "image-version/*",
            &images.1,
        ),
    ]
    .into_iter()
    .map(|(sid, key, pattern, listed)| {
        let mut statement = Statement::deny()
            .sid(sid)
            .actions([&sagemaker::actions::CREATE_APP])
            .resource(app_resource.clone())
            .condition(
                Condition::arn_like(key, [arn::regional("sagemaker", [SubPart::from(pattern)])])
                    .qualified(SetQualifier::ForAnyValue),
            );
        if !listed.is_empty() {
            statement = statement.condition(
                Condition::arn_not_like(key, listed.iter().cloned())
                    .qualified(SetQualifier::ForAnyValue),
            );
        }
        statement
    })
    .collect()
}

impl Confined<'_> {
    /// One statement `sid` of the creating actions and `others` when any instance type is
    /// allowed; otherwise the creating actions in `<sid>OfAllowedTypes` under
    /// [`instance_type_conditions`] (which `DeleteApp` / `DeleteSpace` requests, naming no
    /// instance type, could never meet) and `others` in `sid`. `scoped` adds the resource
    /// and the conditions both share.
    fn statements(
        &self,
        sid: &str,
        creating: Creating,
        others: &[&Action],
        scoped: &dyn Fn(Statement) -> Statement,
    ) -> Vec<Statement> {
        use sagemaker::actions as sm;
        let creating_actions: &[&Action] = match creating {
            Creating::App => &[&sm::CREATE_APP],
            Creating::Space => &[&sm::CREATE_SPACE, &sm::UPDATE_SPACE],
        };
        if self.instance_types.is_empty() {
            let all = creating_actions.iter().chain(others).copied();
            return vec![scoped(Statement::allow().sid(sid).actions(all))];
        }
        let mut limited = scoped(
            Statement::allow()
                .sid(&format!("{sid}OfAllowedTypes"))
                .actions(creating_actions.iter().copied()),
        );
        for condition in instance_type_conditions(self.instance_types) {
            limited = limited.condition(condition);
        }
        vec![
            limited,
            scoped(Statement::allow().sid(sid).actions(others.iter().copied())),
        ]
    }
}

/// The trust of a Studio execution role: SageMaker Studio of this account and region
/// only (the guard of [`iam::Service::SageMakerStudio`]), which may also stamp the
/// session with the user-profile name.
/// ListApps, ListSpaces and ListUserProfiles, which take no resource (Service
/// Authorization Reference for SageMaker): what both the Studio execution role and the
/// Studio cleanup list with, written once.
pub(super) fn list_apps_spaces_and_profiles() -> Statement {
    Statement::allow()
        .sid("ListCallsHaveNoResourceScope")
        .actions([
            &sagemaker::actions::LIST_APPS,
            &sagemaker::actions::LIST_SPACES,
            &sagemaker::actions::LIST_USER_PROFILES,
        ])
        .any_resource()
}

fn studio_trust() -> PolicyDocument {
    PolicyDocument::new().statement(iam::Service::SageMakerStudio.statement(&[
        &iam::actions::ASSUME_ROLE,
        &iam::actions::SET_SOURCE_IDENTITY,
    ]))
}
