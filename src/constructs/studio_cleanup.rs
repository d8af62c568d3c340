//! Teardown of a Studio domain that completes: a `Custom::StudioCleanup` resource per user
//! profile and one for the domain, served by one function (`functions/studio_cleanup.py`).
//!
//! Why: CloudFormation deletes an `AWS::SageMaker::UserProfile` with `DeleteUserProfile`,
//! which SageMaker refuses while the profile has apps ("ResourceInUse … App(s) are
//! associated with it"; CloudFormation coverage roadmap issue 1754, closed without a change
//! to the resource, whose reference says nothing of apps); profiles made by the onboarding
//! functions live outside CloudFormation and keep the domain from being deleted; and the
//! domain's home EFS file system outlives it (roadmap issue 1085), its mount targets' network
//! interfaces holding the subnets and the Studio security group.
//!
//! Order: each profile's cleanup references the profile (`UserProfileArn`) and the domain,
//! so CloudFormation deletes it — and runs the cleanup — before them, in an update that
//! drops the profile as in a stack deletion. Each profile depends on the domain's cleanup,
//! so that one runs after every profile is gone and before the domain. The function depends
//! on the endpoints it calls through and every cleanup on the function's self-invoke
//! policy, which CloudFormation would otherwise be free to delete before a cleanup runs.
//!
//! Waiting: deleting an app can take longer than one Lambda run (up to 15 minutes). The
//! choice is the custom resource's `ServiceTimeout` (at most 3600 s, the default) with the
//! function re-invoking itself asynchronously with the event and its progress, rather than a
//! Step Functions state machine: the state machine would need its own role, a `states`
//! endpoint, an activity or polling loop of its own and a second function to start it from
//! the custom resource event, for waits that fit in the hour the custom resource allows. The
//! function reports FAILED with the reason (an app that did not delete, access denied,
//! still waiting after 55 minutes) rather than letting CloudFormation time out.
//!
//! Network: the function runs in the domain's VPC, calling SageMaker (`sagemaker.api`),
//! EFS (`elasticfilesystem`), EC2 (`ec2`, for the NFS groups) and Lambda (`lambda`, to
//! invoke itself) through their
//! endpoints, and answers CloudFormation by a `PUT` to the event's `ResponseURL`, an S3
//! presigned URL of CloudFormation's response bucket, through the S3 gateway endpoint, whose
//! policy admits that bucket ([`super::endpoint_policy::cloudformation_responses`]).
//!
//! Buckets: a bucket whose definition says `empty_on_delete` gets a cleanup of `Kind`
//! `Bucket` ([`StudioCleanup::bucket`]) on the same function, which deletes every version
//! and delete marker before CloudFormation deletes the bucket; the grant to do so is a
//! policy of its own per bucket, on that bucket only. One function serves every kind: the
//! network, the endpoints and the response route are the same.
//!
//! NFS groups: `DeleteDomain` leaves the two security groups SageMaker made for the home
//! volume in the VPC, so in a network the stack creates a cleanup of `Kind` `NfsGroups`
//! runs after the domain is gone and before the VPC goes (see `nfs_groups_cleanup`).
//! The domain depends on it, so nothing it depends on may reference the domain: the
//! grants on the domain are a policy of their own (`<id>CleanupFunctionDomainGrant`), not
//! the role's.

use crate::calendar::Date;
use crate::resources::cloudformation::StudioCleanup as Cleanup;
use crate::resources::ec2::Vpc;
use crate::resources::iam::policy::{Action, Condition, PolicyDocument, Statement};
use crate::resources::iam::{self, Policy, Role, StandalonePolicy};
use crate::resources::kms::Key;
use crate::resources::lambda::{self, Code, Function, LoggingConfig};
use crate::resources::logs::LogGroup;
use crate::resources::s3::{self, Bucket};
use crate::resources::sagemaker::{self, Domain, UserProfile};
use crate::resources::{arn, efs};
use crate::template::{DeletionPolicy, Handle, SubPart, Value};

use super::ConstructError;
use super::function_network::{FunctionNetwork, FunctionNetworkProps};
use super::network::{EndpointService, PrivateNetwork};
use super::scope::Scope;
use super::sso_onboarding::{OWNED_PROFILE, OWNERSHIP_TAG};

/// The function's code, shared by every kind of cleanup (dispatch on `Kind`).
pub const FUNCTION_CODE: &str = include_str!("functions/studio_cleanup.py");
/// The custom resource type.
pub const RESOURCE_TYPE: &str = "Custom::StudioCleanup";
/// How long CloudFormation waits for an answer: the most it allows. The function answers
/// FAILED after 55 minutes of waiting, before this expires.
pub const SERVICE_TIMEOUT_SECONDS: i64 = 3600;
/// One run of the function; longer waits continue in the next run.
pub const FUNCTION_TIMEOUT_SECONDS: i64 = 600;
/// The endpoints only the cleanup needs in a Studio network (the others Studio needs
/// anyway): a Studio stack's network gets them whether the definition names them or not.
pub const OWN_ENDPOINTS: [EndpointService; 2] =
    [EndpointService::ElasticFileSystem, EndpointService::Lambda];
/// The endpoint the NFS groups' cleanup calls through, which a Studio stack's network gets
/// like [`OWN_ENDPOINTS`] when the stack creates the network (the only case with that
/// cleanup).
pub const NFS_GROUPS_ENDPOINT: EndpointService = EndpointService::Ec2;
/// The endpoints the function calls through, which must outlive every cleanup.
pub const ENDPOINTS: [EndpointService; 5] = [
    EndpointService::S3,
    EndpointService::SagemakerApi,
    EndpointService::ElasticFileSystem,
    EndpointService::Lambda,
    EndpointService::Ec2,
];
/// The names SageMaker gives the security groups it makes for the home volume's NFS
/// traffic, followed by the domain's ID.
pub const NFS_GROUP_PREFIXES: [&str; 2] = [
    "security-group-for-inbound-nfs-",
    "security-group-for-outbound-nfs-",
];

/// What happens to the users' home directories (the domain's EFS file system) when the
/// domain is deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HomeStorage {
    /// Kept, with its data; only its mount targets go, so that the subnets and the
    /// security group can be deleted.
    #[default]
    Retain,
    /// Deleted with its data, after its mount targets.
    Delete,
}

impl HomeStorage {
    /// The `HomeStorageOnDelete` property's value.
    pub fn as_str(self) -> &'static str {
        match self {
            HomeStorage::Retain => "retain",
            HomeStorage::Delete => "delete",
        }
    }
}

/// What the cleanup of one domain needs to know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StudioCleanupProps {
    /// The home file system's fate.
    pub home_storage: HomeStorage,
    /// Profiles are made by the onboarding functions (SSO): the domain's cleanup deletes
    /// those carrying [`OWNERSHIP_TAG`], and only those.
    pub onboarded_profiles: bool,
}

/// The cleanup's function and the domain's cleanup resource.
#[derive(Clone, Debug)]
pub struct StudioCleanup {
    /// The function behind every cleanup resource.
    pub function: Handle<Function>,
    /// Its role.
    pub role: Handle<Role>,
    /// The domain's cleanup: every profile depends on it.
    pub domain_cleanup: Handle<Cleanup>,
    /// The cleanup of SageMaker's NFS security groups, when the stack creates the network:
    /// the domain depends on it.
    pub nfs_groups_cleanup: Option<Handle<Cleanup>>,
    /// What every cleanup resource must outlive (see the module doc).
    needs: Needs,
}

/// What a cleanup must depend on besides the function it references (which itself
/// depends on the endpoints it calls through): the self-invoke policy, which references the
/// function and so cannot be one of the function's dependencies; and the grant on the
/// domain, a policy of its own rather than the role's so that the role (which the NFS
/// groups' cleanup needs, and on which the domain depends) does not reference the domain.
#[derive(Clone, Debug)]
struct Needs {
    invoke_self: Handle<StandalonePolicy>,
    domain_grant: Handle<StandalonePolicy>,
}

impl StudioCleanup {
    /// The cleanup `id` of `domain` in `scope` (`Studio` in the shipped stacks):
    /// `<id>CleanupFunction` with its role, log group, security group and self-invoke
    /// policy, and `<id>DomainCleanup`.
    pub fn new(
        scope: &mut Scope,
        id: &str,
        network: &PrivateNetwork,
        domain: &Handle<Domain>,
        key: &Handle<Key>,
        props: &StudioCleanupProps,
    ) -> Result<StudioCleanup, ConstructError> {
        // Those the network lacks are reported by the rules (ENV-STUDIO-ENDPOINTS,
        // ENV-FUNCTION-ENDPOINTS); the stacks' own composition adds the cleanup's own two
        // ([`OWN_ENDPOINTS`]).
        let endpoints: Vec<_> = ENDPOINTS
            .iter()
            .filter_map(|&service| network.endpoint(service).cloned())
            .collect();
        let mut own = scope.child(id);
        let placement = FunctionNetwork::new(
            &mut own,
            "cleanup-function",
            network,
            // The response goes to S3 through the gateway endpoint.
            &FunctionNetworkProps {
                uses_gateway_endpoints: true,
            },
        )?;
        let logs = own.add(
            "CleanupFunctionLogs",
            LogGroup::builder()
                .retention_in_days(365)
                .kms_key_id(key.arn())
                .build()?,
        )?;
        // What the cleanup deleted, and why a teardown failed: kept when the stack goes.
        own.entry(&logs)
            .retain(DeletionPolicy::RetainExceptOnCreate);
        let mut policy = PolicyDocument::new();
        logs.grant_write().sid("WriteOwnLogs").to(&mut policy)?;
        placement.grant_network_interfaces().to(&mut policy)?;
        let role = own.add(
            "CleanupFunctionRole",
            Role::builder()
                .description("Studio cleanup: empties profiles and the domain before CloudFormation deletes them")
                .assume_role_policy_document(iam::service_trust_policy(iam::Service::Lambda))
                .policies(Policy::new("RunInTheNetwork", policy))
                .build()?,
        )?;
        let domain_grant = own.add(
            "CleanupFunctionDomainGrant",
            StandalonePolicy::builder()
                .policy_name("StudioCleanup")
                .roles(role.name())
                .policy_document(cleanup_policy(domain, props)?)
                .build()?,
        )?;
        let function = own.add("CleanupFunction", function(&role, &logs, &placement)?)?;
        // Every cleanup references the function, so depending on the endpoints here keeps
        // them until the last cleanup has run.
        for endpoint in &endpoints {
            own.entry(&function).depends_on(endpoint);
        }
        own.exempt(
            &function,
            "LAMBDA-DLQ",
            "Only CloudFormation (and the function itself, to go on waiting) invokes this function, with custom-resource events it answers itself: every failure is reported to CloudFormation as FAILED with its reason. A dead-letter queue would hold events nobody reads while the stack operation waits.",
        );
        // Naming the function's ARN in its own role would be a cycle: a policy of its own.
        let invoke_self = own.add(
            "CleanupFunctionInvokeSelf",
            StandalonePolicy::builder()
                .policy_name("InvokeSelfToGoOnWaiting")
                .roles(role.name())
                .policy_document(
                    PolicyDocument::new().statement(
                        Statement::allow()
                            .sid("InvokeOnlyItself")
                            .actions([&lambda::actions::INVOKE_FUNCTION])
                            .resource(function.arn()),
                    ),
                )
                .build()?,
        )?;
        let nfs_groups_cleanup = match network.vpc.resource() {
            Some(vpc) => Some(nfs_groups_cleanup(
                &mut own,
                &function,
                &role,
                vpc,
                &invoke_self,
                domain,
            )?),
            None => None,
        };
        let needs = Needs {
            invoke_self,
            domain_grant,
        };
        let mut builder = Cleanup::builder()
            .service_token(function.arn())
            .service_timeout(SERVICE_TIMEOUT_SECONDS)
            .kind("Domain")
            .domain_id(domain.domain_id())
            .home_efs_file_system_id(domain.home_efs_file_system_id())
            .home_storage_on_delete(props.home_storage.as_str());
        if props.onboarded_profiles {
            builder = builder.ownership_tag_key(OWNERSHIP_TAG);
        }
        let domain_cleanup = own.add("DomainCleanup", builder.build()?)?;
        needs.apply(&mut own, &domain_cleanup);
        Ok(StudioCleanup {
            function,
            role,
            domain_cleanup,
            nfs_groups_cleanup,
            needs,
        })
    }

    /// The cleanup of one profile in this template: `<Profile>Cleanup` in `scope`, and the
    /// profile made to depend on the domain's cleanup. With `offboard_after` the user is
    /// being offboarded (see [`profile_cleanup`]).
    pub fn profile(
        &self,
        scope: &mut Scope,
        user: &str,
        domain_id: &Value,
        profile: &Handle<UserProfile>,
        offboard_after: Option<Date>,
    ) -> Result<Handle<Cleanup>, ConstructError> {
        let cleanup = profile_cleanup(
            scope,
            &self.function.arn(),
            domain_id,
            user,
            profile,
            offboard_after,
        )?;
        self.needs.apply(scope, &cleanup);
        scope.entry(profile).depends_on(&self.domain_cleanup);
        Ok(cleanup)
    }

    /// What a nested stack of profiles must depend on, so that its profiles' cleanups run
    /// while the function, its endpoints and its policy still exist, and before the
    /// domain's cleanup.
    pub fn nested_stack_needs<R: crate::template::Resource>(
        &self,
        scope: &mut Scope,
        stack: &Handle<R>,
    ) {
        self.needs.apply(scope, stack);
        scope.entry(stack).depends_on(&self.domain_cleanup);
    }
}

impl StudioCleanup {
    /// The cleanup of a bucket that empties on delete: `<Name>BucketCleanup`, referencing
    /// the bucket (so CloudFormation deletes it first, in an update that drops the bucket
    /// as in a stack deletion), and `<Name>BucketCleanupGrant`, the function's permission
    /// to list and delete the versions of that bucket and no other. Deleting needs no KMS
    /// permission (nothing is decrypted or encrypted), so the bucket's key is not named.
    pub fn bucket(
        &self,
        scope: &mut Scope,
        name: &str,
        bucket: &Handle<Bucket>,
    ) -> Result<Handle<Cleanup>, ConstructError> {
        use s3::actions::{DELETE_OBJECT, DELETE_OBJECT_VERSION, LIST_BUCKET_VERSIONS};
        let mut own = scope.child(name);
        let grant = own.add_named(
            &["Bucket", "Cleanup", "Grant"],
            StandalonePolicy::builder()
                .policy_name(format!(
                    "Empty{}BucketOnDelete",
                    crate::template::pascal_case(name)
                ))
                .roles(self.role.name())
                .policy_document(
                    PolicyDocument::new()
                        .statement(
                            Statement::allow()
                                .sid("ListVersionsOfThisBucket")
                                .actions([&LIST_BUCKET_VERSIONS])
                                .resource(bucket.arn()),
                        )
                        .statement(
                            Statement::allow()
                                .sid("DeleteVersionsOfThisBucket")
                                .actions([&DELETE_OBJECT, &DELETE_OBJECT_VERSION])
                                .resource(bucket.objects_arn("")),
                        ),
                )
                .build()?,
        )?;
        let cleanup = own.add_named(
            &["Bucket", "Cleanup"],
            Cleanup::builder()
                .service_token(self.function.arn())
                .service_timeout(SERVICE_TIMEOUT_SECONDS)
                .kind("Bucket")
                .bucket_name(bucket.name())
                .build()?,
        )?;
        // Not the domain grant: emptying a bucket needs none of it.
        own.entry(&cleanup).depends_on(&self.needs.invoke_self);
        own.entry(&cleanup).depends_on(&grant);
        Ok(cleanup)
    }
}

impl Needs {
    fn apply<R: crate::template::Resource>(&self, scope: &mut Scope, handle: &Handle<R>) {
        scope.entry(handle).depends_on(&self.invoke_self);
        scope.entry(handle).depends_on(&self.domain_grant);
    }
}

/// `<Profile>Cleanup`: the cleanup of `profile` (user `user`, in domain `domain_id`),
/// served by the function `service_token` (in a nested stack, the parent's, passed as a
/// parameter).
///
/// `offboard_after` (IAM-mode offboarding) becomes the `OffboardAfter` property: the
/// deploy that adds it is an Update of this resource, whose old and new properties the
/// function compares, and it deletes the profile's apps then (the spaces and the profile
/// stay until the user leaves the definition). The date itself is only carried, never
/// compared with the clock, so the template does not change from one day to the next.
pub fn profile_cleanup(
    scope: &mut Scope,
    service_token: &Value,
    domain_id: &Value,
    user: &str,
    profile: &Handle<UserProfile>,
    offboard_after: Option<Date>,
) -> Result<Handle<Cleanup>, ConstructError> {
    let mut builder = Cleanup::builder()
        .service_token(service_token.clone())
        .service_timeout(SERVICE_TIMEOUT_SECONDS)
        .kind("UserProfile")
        .domain_id(domain_id.clone())
        .user_profile_name(user)
        .user_profile_arn(profile.arn());
    if let Some(date) = offboard_after {
        builder = builder.offboard_after(date.to_string());
    }
    scope.add_after(profile, "Cleanup", builder.build()?)
}

/// `<id>NfsGroupsCleanup`: removes the security groups SageMaker made for the home
/// volume's NFS traffic ([`NFS_GROUP_PREFIXES`] and the domain's ID, tagged
/// `ManagedByAmazonSageMakerResource` with the domain's ARN), which `DeleteDomain` leaves in
/// the VPC, each with a rule naming the other, so that the VPC could not be deleted.
///
/// Order: it references the VPC (`VpcId`), so CloudFormation deletes it before the VPC,
/// and the domain depends on it, so it is deleted after the domain. It cannot name the
/// domain (the domain depends on it), so on Delete it finds the groups by VPC, name and
/// tag, and removes only those whose domain no longer exists. Only in a network the stack
/// creates: an existing VPC is another team's, and so are the groups in it.
///
/// Its grant (`<id>NfsGroupsCleanupGrant`) may revoke rules of and delete any security
/// group of this VPC and nothing outside it (the group name is no condition key), and
/// describe the account's domains, to learn whether a group's domain is gone.
fn nfs_groups_cleanup(
    own: &mut Scope,
    function: &Handle<Function>,
    role: &Handle<Role>,
    vpc: &Handle<Vpc>,
    invoke_self: &Handle<StandalonePolicy>,
    domain: &Handle<Domain>,
) -> Result<Handle<Cleanup>, ConstructError> {
    let mut doc = PolicyDocument::new().statement(
        Statement::allow()
            .sid("DescribeDomainsOfThisAccount")
            .actions([&sagemaker::actions::DESCRIBE_DOMAIN])
            .resource(arn::regional("sagemaker", [SubPart::from("domain/*")])),
    );
    vpc.grant_delete_security_groups().to(&mut doc)?;
    let grant = own.add(
        "NfsGroupsCleanupGrant",
        StandalonePolicy::builder()
            .policy_name("DeleteSageMakerNfsGroupsOfThisVpc")
            .roles(role.name())
            .policy_document(doc)
            .build()?,
    )?;
    let cleanup = own.add(
        "NfsGroupsCleanup",
        Cleanup::builder()
            .service_token(function.arn())
            .service_timeout(SERVICE_TIMEOUT_SECONDS)
            .kind("NfsGroups")
            .vpc_id(vpc.id())
            .build()?,
    )?;
    own.entry(&cleanup).depends_on(invoke_self);
    own.entry(&cleanup).depends_on(&grant);
    own.entry(domain).depends_on(&cleanup);
    Ok(cleanup)
}

/// The function: Python, one run of [`FUNCTION_TIMEOUT_SECONDS`], in the network.
fn function(
    role: &Handle<Role>,
    logs: &Handle<LogGroup>,
    placement: &FunctionNetwork,
) -> Result<Function, ConstructError> {
    Ok(Function::builder()
        .description("Studio cleanup: deletes apps, spaces, onboarded profiles and home mount targets before CloudFormation deletes a profile or the domain")
        .runtime(lambda::PYTHON_RUNTIME)
        .handler("index.handler")
        .code(Code::builder().zip_file(FUNCTION_CODE).build()?)
        .role(role.arn())
        .timeout(FUNCTION_TIMEOUT_SECONDS)
        .memory_size(256)
        // Every profile of a stack may be cleaned up at once; more events wait in Lambda's
        // queue (asynchronous invocations are retried for up to six hours).
        .reserved_concurrent_executions(10)
        .logging_config(
            LoggingConfig::builder()
                .log_format(lambda::LogFormat::Json)
                .log_group(logs.name())
                .build()?,
        )
        .vpc_config(placement.vpc_config()?)
        .build()?)
}

/// What the function may do: list what a domain holds (list calls take no resource);
/// delete apps and spaces of this domain only (their ARNs hold the domain's id); with
/// onboarded profiles, read profiles' tags in this domain and delete only those carrying
/// [`OWNERSHIP_TAG`] (the profiles this template names are deleted by CloudFormation, never
/// by the function); and remove the mount targets of this domain's home file system only
/// (and, with [`HomeStorage::Delete`], that file system). The network interface of a mount
/// target lies in the domain's subnets, where [`FunctionNetwork::grant_network_interfaces`]
/// already lets the role delete interfaces (`DeleteMountTarget` needs
/// `ec2:DeleteNetworkInterface` on it).
fn cleanup_policy(
    domain: &Handle<Domain>,
    props: &StudioCleanupProps,
) -> Result<PolicyDocument, ConstructError> {
    use sagemaker::actions as sm;
    let in_domain = |kind: &str| {
        arn::regional(
            "sagemaker",
            [
                SubPart::from(format!("{kind}/")),
                SubPart::from(domain.domain_id()),
                SubPart::from("/*"),
            ],
        )
    };
    let mut doc = PolicyDocument::new()
        .statement(super::studio::list_apps_spaces_and_profiles())
        .statement(
            Statement::allow()
                .sid("DeleteAppsOfThisDomain")
                .actions([&sm::DELETE_APP, &sm::DESCRIBE_APP])
                .resource(in_domain("app")),
        )
        .statement(
            Statement::allow()
                .sid("DeleteSpacesOfThisDomain")
                .actions([&sm::DELETE_SPACE])
                .resource(in_domain("space")),
        );
    if props.onboarded_profiles {
        doc = doc
            .statement(
                Statement::allow()
                    .sid("ReadProfileTagsOfThisDomain")
                    .actions([&sm::LIST_TAGS])
                    .resource(in_domain("user-profile")),
            )
            .statement(
                Statement::allow()
                    .sid("DeleteOnlyOnboardedProfiles")
                    .actions([&sm::DELETE_USER_PROFILE])
                    .resource(in_domain("user-profile"))
                    .condition(Condition::null(OWNED_PROFILE, false)),
            );
    }
    use efs::actions::{DELETE_FILE_SYSTEM, DELETE_MOUNT_TARGET, DESCRIBE_MOUNT_TARGETS};
    let efs_actions: &[&Action] = match props.home_storage {
        HomeStorage::Retain => &[&DESCRIBE_MOUNT_TARGETS, &DELETE_MOUNT_TARGET],
        HomeStorage::Delete => &[
            &DESCRIBE_MOUNT_TARGETS,
            &DELETE_MOUNT_TARGET,
            &DELETE_FILE_SYSTEM,
        ],
    };
    Ok(doc.statement(
        Statement::allow()
            .sid("OnlyThisDomainsHomeFileSystem")
            .actions(efs_actions.iter().copied())
            .resource(arn::regional(
                "elasticfilesystem",
                [
                    SubPart::from("file-system/"),
                    SubPart::from(domain.home_efs_file_system_id()),
                ],
            )),
    ))
}
