//! Grants for a team's machine-learning work on SageMaker: training, processing and
//! transform jobs, models, endpoints, experiments and the model registry, each confined
//! to the team and to the environment it was given.
//!
//! # Confined to the team
//! Every resource the team creates is named `<team>-…` (the resource ARNs of the grants
//! end in `<team>-*`) **and** must carry the tag [`TEAM_TAG_KEY`] = team at creation
//! (`aws:RequestTag`). Everything after creation (describe, stop, delete, update) needs
//! both the name and the tag (`aws:ResourceTag`): a name prefix alone would let team `a`
//! reach the jobs of a team `a-b`, whose names also start with `a-`. Tags can be added
//! only while creating (`sagemaker:AddTags` with `sagemaker:TaggingAction` one of the
//! create calls, and the team tag in the request), so nobody moves a resource into a team
//! by tagging it later. The Service Authorization Reference for SageMaker lists
//! `sagemaker:AddTags` as a dependent action of every create call granted here, and
//! `sagemaker:TaggingAction` as a key of `AddTags`.
//!
//! # Forced into the environment
//! The create calls carry what the request asks for as condition keys (Service
//! Authorization Reference, "Actions, resources, and condition keys for Amazon SageMaker
//! AI"). A key an action does not take is absent from its request, and an absent key
//! fails every condition but `Null`, `…IfExists`, negated operators and `ForAllValues:`;
//! so each create call gets a statement of its own with exactly the keys it takes:
//!
//! | action | keys required here |
//! |---|---|
//! | `CreateTrainingJob`, `CreateProcessingJob` | `VpcSubnets`, `VpcSecurityGroupIds`, `VolumeKmsKey`, `OutputKmsKey`, `InstanceTypes`, `InterContainerTrafficEncryption` = true, `NetworkIsolation` = true if asked |
//! | `CreateTransformJob` | `InstanceTypes`, `VolumeKmsKey`, `OutputKmsKey`, `ModelArn` (a team model, which carries the VPC) |
//! | `CreateModel` | `VpcSubnets`, `VpcSecurityGroupIds`, `NetworkIsolation` = true if asked |
//! | `CreateEndpointConfig` | `InstanceTypes`, `VolumeKmsKey`, `ModelArn` (a team model) |
//! | `CreateEndpoint`, `CreateExperiment`, `CreateTrial`, `CreateTrialComponent`, `CreateModelPackageGroup`, `CreateModelPackage` | the team tag only (they take no environment key) |
//!
//! `VpcSubnets`, `VpcSecurityGroupIds` and `InstanceTypes` are multivalued
//! (ArrayOfString): `ForAllValues:StringEquals` says every value is one of the team's,
//! but it is also true when the request has no value at all, so each is paired with
//! `Null` = false: a job without a VPC configuration (or a request that leaves out the
//! instance types) is refused instead of passing. The key ARNs and booleans are
//! single-valued and compared without a set operator, which an absent key fails.
//!
//! # What jobs need around them
//! `iam:PassRole` of the team's own execution role only, only to
//! `sagemaker.amazonaws.com` (`iam:PassedToService`); the jobs' and endpoints' logs in
//! the `/aws/sagemaker/…` groups, only in streams named after the team's resources;
//! `cloudwatch:PutMetricData` only in `/aws/sagemaker/*` namespaces; image pulls from the
//! AWS Deep Learning Containers registry ([`DEEP_LEARNING_CONTAINERS_ACCOUNT`]) and the
//! team's own ECR repositories. Use of the team's key is the key's own grant
//! (`grant_volume_use` of the key handle).

use crate::resources::arn;
use crate::resources::cloudwatch;
use crate::resources::ecr;
use crate::resources::iam;
use crate::resources::iam::policy::{Action, Condition, ConditionKey, SetQualifier, keys};
use crate::resources::logs;
use crate::resources::sagemaker::{self, actions, keys as sm_keys};
use crate::template::{Pseudo, Sub, SubPart, Value, pascal_case};

use super::grant::Grant;

/// The tag key every SageMaker resource a team creates must carry, with the team's name
/// as its value.
pub const TEAM_TAG_KEY: &str = "sagesynth:team";

/// The account of the AWS Deep Learning Containers registries
/// (`763104351884.dkr.ecr.<region>.amazonaws.com`) in the commercial regions SageMaker's
/// "Docker Registry Paths and Example Code" pages list; a few opt-in regions use other
/// accounts, which these grants do not name.
pub const DEEP_LEARNING_CONTAINERS_ACCOUNT: &str = "763104351884";

/// The SageMaker service principal a team's role may be passed to.
const SAGEMAKER_SERVICE: &str = "sagemaker.amazonaws.com";

/// A kind of SageMaker job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// `CreateTrainingJob`.
    Training,
    /// `CreateProcessingJob`.
    Processing,
    /// `CreateTransformJob` (batch inference with a team model).
    Transform,
}

impl JobKind {
    /// The ARN resource type (`training-job`, …).
    fn resource_type(self) -> &'static str {
        match self {
            JobKind::Training => "training-job",
            JobKind::Processing => "processing-job",
            JobKind::Transform => "transform-job",
        }
    }

    /// The word in Sids and log groups: `Training`, `Processing`, `Transform`.
    fn word(self) -> &'static str {
        match self {
            JobKind::Training => "Training",
            JobKind::Processing => "Processing",
            JobKind::Transform => "Transform",
        }
    }

    fn create(self) -> Action {
        match self {
            JobKind::Training => actions::CREATE_TRAINING_JOB,
            JobKind::Processing => actions::CREATE_PROCESSING_JOB,
            JobKind::Transform => actions::CREATE_TRANSFORM_JOB,
        }
    }

    fn manage(self) -> [Action; 2] {
        match self {
            JobKind::Training => [actions::DESCRIBE_TRAINING_JOB, actions::STOP_TRAINING_JOB],
            JobKind::Processing => [
                actions::DESCRIBE_PROCESSING_JOB,
                actions::STOP_PROCESSING_JOB,
            ],
            JobKind::Transform => [actions::DESCRIBE_TRANSFORM_JOB, actions::STOP_TRANSFORM_JOB],
        }
    }

    fn list(self) -> Action {
        match self {
            JobKind::Training => actions::LIST_TRAINING_JOBS,
            JobKind::Processing => actions::LIST_PROCESSING_JOBS,
            JobKind::Transform => actions::LIST_TRANSFORM_JOBS,
        }
    }
}

/// What a team may do on SageMaker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MlAccess {
    /// The jobs it may start (and describe, stop and list).
    pub jobs: Vec<JobKind>,
    /// Create, describe and delete its models.
    pub models: bool,
    /// Create, update, invoke and delete its endpoints and endpoint configurations.
    pub endpoints: bool,
    /// Create and update its experiments, trials and trial components.
    pub experiments: bool,
    /// Create its model package groups and register model versions in them.
    pub model_registry: bool,
}

impl MlAccess {
    /// Whether anything is granted.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
            && !self.models
            && !self.endpoints
            && !self.experiments
            && !self.model_registry
    }
}

/// Where a team's SageMaker work must run: what the grants force every create call into.
#[derive(Clone, Debug)]
pub struct MlEnvironment {
    /// The team's name: resource name prefix (`<team>-`) and tag value. A SageMaker name,
    /// lower-case (SageMaker lower-cases names in ARNs).
    pub team: String,
    /// The team's execution role, the only role it may pass.
    pub role_arn: Value,
    /// The only subnets jobs and models may use.
    pub subnets: Vec<Value>,
    /// The only security groups jobs and models may use.
    pub security_groups: Vec<Value>,
    /// The only key for ML volumes and job output.
    pub key_arn: Value,
    /// The only instance types of jobs and endpoints (`ml.m5.xlarge`, …).
    pub instance_types: Vec<String>,
    /// Whether jobs and models must run with network isolation.
    pub network_isolation: bool,
}

impl MlEnvironment {
    /// `arn:…:sagemaker:<region>:<account>:<resource type>/<team>-*`.
    fn team_arn(&self, resource_type: &str) -> Value {
        arn::regional(
            "sagemaker",
            [SubPart::from(format!("{resource_type}/{}-*", self.team))],
        )
    }

    fn stem(&self) -> String {
        pascal_case(&self.team)
    }

    fn request_tag(&self) -> Condition {
        Condition::string_equals(REQUEST_TEAM_TAG, [Value::from(self.team.as_str())])
    }

    fn resource_tag(&self) -> Condition {
        Condition::string_equals(RESOURCE_TEAM_TAG, [Value::from(self.team.as_str())])
    }

    /// `ForAllValues:StringEquals` on a multivalued key, and `Null` = false so that a
    /// request without the key is refused (see the module documentation).
    fn every_value_in(
        key: ConditionKey,
        values: impl IntoIterator<Item = Value>,
    ) -> [Condition; 2] {
        [
            Condition::string_equals(key, values).qualified(SetQualifier::ForAllValues),
            Condition::null(key, false),
        ]
    }

    fn in_vpc(&self) -> Vec<Condition> {
        let mut conditions = Vec::new();
        conditions.extend(Self::every_value_in(
            sm_keys::VPC_SUBNETS,
            self.subnets.clone(),
        ));
        conditions.extend(Self::every_value_in(
            sm_keys::VPC_SECURITY_GROUP_IDS,
            self.security_groups.clone(),
        ));
        conditions
    }

    fn instance_types(&self) -> [Condition; 2] {
        Self::every_value_in(
            sm_keys::INSTANCE_TYPES,
            self.instance_types.iter().map(|t| Value::from(t.as_str())),
        )
    }

    fn volume_key(&self) -> Condition {
        Condition::arn_equals(sm_keys::VOLUME_KMS_KEY, [self.key_arn.clone()])
    }

    fn output_key(&self) -> Condition {
        Condition::arn_equals(sm_keys::OUTPUT_KMS_KEY, [self.key_arn.clone()])
    }

    fn isolation(&self) -> Option<Condition> {
        self.network_isolation
            .then(|| Condition::bool(sm_keys::NETWORK_ISOLATION, true))
    }

    fn team_model(&self) -> Condition {
        Condition::arn_like(sm_keys::MODEL_ARN, [self.team_arn("model")])
    }

    /// The first input error, if any.
    fn invalid(&self) -> Option<String> {
        if !sagemaker::is_valid_name(&self.team)
            || self.team.bytes().any(|b| b.is_ascii_uppercase())
        {
            return Some(format!(
                "`{}` is not a team name for SageMaker resources (lower-case letters, digits and hyphens)",
                self.team
            ));
        }
        if self.subnets.is_empty() || self.security_groups.is_empty() {
            return Some("jobs need at least one subnet and one security group".to_string());
        }
        if let Some(bad) = self.instance_types.iter().find(|t| !is_ml_instance_type(t)) {
            return Some(format!(
                "`{bad}` is not a SageMaker instance type (ml.family.size)"
            ));
        }
        None
    }

    /// The create calls `access` asks for, confined as the module documentation says,
    /// and their tags at creation. Sids start with the team's name in PascalCase.
    pub fn grant_create(&self, access: &MlAccess) -> Grant {
        let subject = format!("SageMaker resources of team `{}`", self.team);
        if let Some(why) = self.refusal(access) {
            return Grant::invalid(subject, why);
        }
        let stem = self.stem();
        let mut grant = Grant::new(subject);
        let mut created: Vec<(Action, Vec<&str>)> = Vec::new();
        for kind in &access.jobs {
            grant = self.create_job(grant, &stem, *kind);
            created.push((kind.create(), vec![kind.resource_type()]));
        }
        if access.models {
            let mut conditions = vec![self.request_tag()];
            conditions.extend(self.in_vpc());
            conditions.extend(self.isolation());
            grant = grant.conditional_statement(
                format!("{stem}CreateModels"),
                &[actions::CREATE_MODEL],
                [self.team_arn("model")],
                conditions,
            );
            created.push((actions::CREATE_MODEL, vec!["model"]));
        }
        if access.endpoints {
            let mut conditions = vec![self.request_tag()];
            conditions.extend(self.instance_types());
            conditions.push(self.volume_key());
            conditions.push(self.team_model());
            grant = grant
                .conditional_statement(
                    format!("{stem}CreateEndpointConfigs"),
                    &[actions::CREATE_ENDPOINT_CONFIG],
                    [self.team_arn("endpoint-config")],
                    conditions,
                )
                .conditional_statement(
                    format!("{stem}CreateEndpoints"),
                    &[actions::CREATE_ENDPOINT],
                    [self.team_arn("endpoint"), self.team_arn("endpoint-config")],
                    [self.request_tag()],
                );
            created.push((actions::CREATE_ENDPOINT_CONFIG, vec!["endpoint-config"]));
            created.push((actions::CREATE_ENDPOINT, vec!["endpoint"]));
        }
        if access.experiments {
            let types = [
                "experiment",
                "experiment-trial",
                "experiment-trial-component",
            ];
            let creates = [
                actions::CREATE_EXPERIMENT,
                actions::CREATE_TRIAL,
                actions::CREATE_TRIAL_COMPONENT,
            ];
            grant = grant.conditional_statement(
                format!("{stem}CreateExperiments"),
                &creates,
                types.iter().map(|t| self.team_arn(t)),
                [self.request_tag()],
            );
            for create in creates {
                created.push((create, types.to_vec()));
            }
        }
        if access.model_registry {
            let types = ["model-package-group", "model-package"];
            let creates = [
                actions::CREATE_MODEL_PACKAGE_GROUP,
                actions::CREATE_MODEL_PACKAGE,
            ];
            grant = grant.conditional_statement(
                format!("{stem}CreateModelPackages"),
                &creates,
                types.iter().map(|t| self.team_arn(t)),
                [self.request_tag()],
            );
            for create in creates {
                created.push((create, types.to_vec()));
            }
        }
        self.tag_at_creation(grant, &stem, &created)
    }

    /// What working with the resources of [`MlEnvironment::grant_create`] needs:
    /// describe, stop, update and delete of the team's own (name and tag), the list calls,
    /// `iam:PassRole` of the team's role, job logs and metrics.
    pub fn grant_operate(&self, access: &MlAccess) -> Grant {
        let subject = format!("SageMaker work of team `{}`", self.team);
        if let Some(why) = self.refusal(access) {
            return Grant::invalid(subject, why);
        }
        let stem = self.stem();
        let grant = self.launch(Grant::new(subject), &stem, access);
        self.logs_and_metrics(grant, &stem, access)
    }

    /// What a role that starts jobs under another role (the separate job role of
    /// [`MlEnvironment::role_arn`]) needs besides [`MlEnvironment::grant_create`]:
    /// [`MlEnvironment::grant_operate`] with the job logs to read instead of to write,
    /// and no metrics: only the running job writes those.
    pub fn grant_launch(&self, access: &MlAccess) -> Grant {
        let subject = format!("SageMaker jobs of team `{}`", self.team);
        if let Some(why) = self.refusal(access) {
            return Grant::invalid(subject, why);
        }
        let stem = self.stem();
        let grant = self.launch(Grant::new(subject), &stem, access);
        self.read_logs(grant, &stem, access)
    }

    /// What the job role itself needs while SageMaker runs the team's jobs and endpoints
    /// under it: their logs and metrics, and nothing that starts, stops or passes
    /// anything.
    pub fn grant_run(&self, access: &MlAccess) -> Grant {
        let subject = format!("SageMaker job runs of team `{}`", self.team);
        if let Some(why) = self.refusal(access) {
            return Grant::invalid(subject, why);
        }
        let stem = self.stem();
        self.logs_and_metrics(Grant::new(subject), &stem, access)
    }

    fn launch(&self, grant: Grant, stem: &str, access: &MlAccess) -> Grant {
        let grant = self.manage_own(grant, stem, access);
        let grant = list(grant, stem, access);
        self.pass_role(grant, stem)
    }

    fn refusal(&self, access: &MlAccess) -> Option<String> {
        if let Some(why) = self.invalid() {
            return Some(why);
        }
        if access.is_empty() {
            return Some("no SageMaker access is asked for".to_string());
        }
        let needs_instance_types = !access.jobs.is_empty() || access.endpoints;
        if needs_instance_types && self.instance_types.is_empty() {
            return Some("jobs and endpoints need at least one instance type".to_string());
        }
        None
    }

    fn create_job(&self, grant: Grant, stem: &str, kind: JobKind) -> Grant {
        let mut conditions = vec![self.request_tag()];
        if kind == JobKind::Transform {
            conditions.extend(self.instance_types());
            conditions.push(self.volume_key());
            conditions.push(self.output_key());
            conditions.push(self.team_model());
        } else {
            conditions.extend(self.in_vpc());
            conditions.push(self.volume_key());
            conditions.push(self.output_key());
            conditions.extend(self.instance_types());
            conditions.push(Condition::bool(
                sm_keys::INTER_CONTAINER_TRAFFIC_ENCRYPTION,
                true,
            ));
            conditions.extend(self.isolation());
        }
        grant.conditional_statement(
            format!("{stem}Create{}Jobs", kind.word()),
            &[kind.create()],
            [self.team_arn(kind.resource_type())],
            conditions,
        )
    }

    /// `sagemaker:AddTags` on the team's resources, only inside the create calls granted
    /// (`sagemaker:TaggingAction`) and only with the team tag.
    fn tag_at_creation(&self, grant: Grant, stem: &str, created: &[(Action, Vec<&str>)]) -> Grant {
        let mut operations: Vec<Value> = Vec::new();
        let mut resources: Vec<Value> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (action, types) in created {
            let operation = action.as_str().trim_start_matches("sagemaker:");
            operations.push(Value::from(operation));
            for t in types {
                if !seen.contains(t) {
                    seen.push(t);
                    resources.push(self.team_arn(t));
                }
            }
        }
        grant.conditional_statement(
            format!("{stem}TagAtCreation"),
            &[actions::ADD_TAGS],
            resources,
            [
                Condition::string_equals(sagemaker::keys::TAGGING_ACTION, operations),
                self.request_tag(),
            ],
        )
    }

    /// Describe, stop, update and delete of the team's resources: named `<team>-*` and
    /// tagged with the team.
    fn manage_own(&self, grant: Grant, stem: &str, access: &MlAccess) -> Grant {
        let mut acts: Vec<Action> = Vec::new();
        let mut types: Vec<&str> = Vec::new();
        for kind in &access.jobs {
            acts.extend(kind.manage());
            types.push(kind.resource_type());
        }
        if access.models {
            acts.extend([actions::DESCRIBE_MODEL, actions::DELETE_MODEL]);
            types.push("model");
        }
        if access.endpoints {
            acts.extend([
                actions::DESCRIBE_ENDPOINT_CONFIG,
                actions::DELETE_ENDPOINT_CONFIG,
                actions::DESCRIBE_ENDPOINT,
                actions::UPDATE_ENDPOINT,
                actions::DELETE_ENDPOINT,
                actions::INVOKE_ENDPOINT,
            ]);
            types.extend(["endpoint-config", "endpoint"]);
        }
        if access.experiments {
            acts.extend([
                actions::DESCRIBE_EXPERIMENT,
                actions::DESCRIBE_TRIAL,
                actions::DESCRIBE_TRIAL_COMPONENT,
                actions::UPDATE_TRIAL_COMPONENT,
                actions::ASSOCIATE_TRIAL_COMPONENT,
            ]);
            types.extend([
                "experiment",
                "experiment-trial",
                "experiment-trial-component",
            ]);
        }
        if access.model_registry {
            acts.extend([
                actions::DESCRIBE_MODEL_PACKAGE_GROUP,
                actions::DESCRIBE_MODEL_PACKAGE,
                actions::UPDATE_MODEL_PACKAGE,
                actions::LIST_MODEL_PACKAGES,
            ]);
            types.extend(["model-package-group", "model-package"]);
        }
        grant.conditional_statement(
            format!("{stem}ManageOwn"),
            &acts,
            types.iter().map(|t| self.team_arn(t)),
            [self.resource_tag()],
        )
    }

    /// `iam:PassRole` of the team's own role, only to SageMaker.
    fn pass_role(&self, grant: Grant, stem: &str) -> Grant {
        grant.conditional_statement(
            format!("{stem}PassOwnRole"),
            &[iam::actions::PASS_ROLE],
            [self.role_arn.clone()],
            [Condition::string_equals(
                keys::PASSED_TO_SERVICE,
                [Value::from(SAGEMAKER_SERVICE)],
            )],
        )
    }

    /// The log streams SageMaker names after the team's jobs (`<job name>/…`) and
    /// endpoints (groups `/aws/sagemaker/Endpoints/<endpoint name>`), and metrics in
    /// SageMaker's namespaces.
    fn logs_and_metrics(&self, mut grant: Grant, stem: &str, access: &MlAccess) -> Grant {
        let (groups, streams) = self.log_arns(access);
        if !groups.is_empty() {
            grant = grant
                .statement(
                    format!("{stem}JobLogGroups"),
                    &[
                        logs::actions::CREATE_LOG_GROUP,
                        logs::actions::DESCRIBE_LOG_STREAMS,
                    ],
                    groups,
                )
                .statement(
                    format!("{stem}JobLogStreams"),
                    &[
                        logs::actions::CREATE_LOG_STREAM,
                        logs::actions::PUT_LOG_EVENTS,
                        logs::actions::GET_LOG_EVENTS,
                    ],
                    streams,
                );
        }
        grant.conditional_statement(
            format!("{stem}SageMakerMetrics"),
            &[cloudwatch::actions::PUT_METRIC_DATA],
            [Value::from("*")],
            [Condition::string_like(
                cloudwatch::keys::NAMESPACE,
                [Value::from("/aws/sagemaker/*")],
            )],
        )
    }

    /// The log groups (`…:*`) and streams SageMaker writes for the team's jobs and
    /// endpoints.
    fn log_arns(&self, access: &MlAccess) -> (Vec<Value>, Vec<Value>) {
        let mut groups: Vec<Value> = Vec::new();
        let mut streams: Vec<Value> = Vec::new();
        for kind in &access.jobs {
            let group = format!("/aws/sagemaker/{}Jobs", kind.word());
            groups.push(log_arn(&format!("log-group:{group}:*")));
            streams.push(log_arn(&format!(
                "log-group:{group}:log-stream:{}-*",
                self.team
            )));
        }
        if access.endpoints {
            let group = format!("/aws/sagemaker/Endpoints/{}-*", self.team);
            groups.push(log_arn(&format!("log-group:{group}:*")));
            streams.push(log_arn(&format!("log-group:{group}:log-stream:*")));
        }
        (groups, streams)
    }

    /// Reading the logs of the team's jobs and endpoints (what the SageMaker Python SDK
    /// does while it waits for a job), without writing any.
    fn read_logs(&self, grant: Grant, stem: &str, access: &MlAccess) -> Grant {
        let (groups, streams) = self.log_arns(access);
        if groups.is_empty() {
            return grant;
        }
        grant
            .statement(
                format!("{stem}ReadJobLogGroups"),
                &[logs::actions::DESCRIBE_LOG_STREAMS],
                groups,
            )
            .statement(
                format!("{stem}ReadJobLogStreams"),
                &[logs::actions::GET_LOG_EVENTS],
                streams,
            )
    }

    /// Pulls of the AWS Deep Learning Containers images (every repository of
    /// [`DEEP_LEARNING_CONTAINERS_ACCOUNT`] in the stack's region) and of the team's own
    /// `repositories` in this account; `ecr:GetAuthorizationToken` has no resource-level
    /// permissions, so it is on `*`.
    pub fn grant_pull_images(&self, repositories: &[String]) -> Grant {
        let subject = format!("image pulls of team `{}`", self.team);
        if let Some(bad) = repositories.iter().find(|r| !is_repository_name(r)) {
            return Grant::invalid(subject, format!("`{bad}` is not an ECR repository name"));
        }
        let stem = self.stem();
        let mut pulls = vec![ecr_arn(
            SubPart::from(DEEP_LEARNING_CONTAINERS_ACCOUNT),
            "*",
        )];
        pulls.extend(
            repositories
                .iter()
                .map(|r| ecr_arn(SubPart::from(Pseudo::AccountId), r)),
        );
        Grant::new(subject)
            .statement(
                format!("{stem}RegistryToken"),
                &[ecr::actions::GET_AUTHORIZATION_TOKEN],
                [Value::from("*")],
            )
            .statement(format!("{stem}PullImages"), ecr::actions::PULL, pulls)
    }
}

fn list(grant: Grant, stem: &str, access: &MlAccess) -> Grant {
    let mut acts: Vec<Action> = access.jobs.iter().map(|k| k.list()).collect();
    if access.models {
        acts.push(actions::LIST_MODELS);
    }
    if access.endpoints {
        acts.extend([actions::LIST_ENDPOINTS, actions::LIST_ENDPOINT_CONFIGS]);
    }
    if access.experiments {
        acts.extend([
            actions::LIST_EXPERIMENTS,
            actions::LIST_TRIALS,
            actions::LIST_TRIAL_COMPONENTS,
        ]);
    }
    if access.model_registry {
        acts.push(actions::LIST_MODEL_PACKAGE_GROUPS);
    }
    grant.statement(format!("{stem}List"), &acts, [Value::from("*")])
}

/// `aws:RequestTag/<TEAM_TAG_KEY>`: the team tag's value in a create request.
const REQUEST_TEAM_TAG: ConditionKey = ConditionKey::single("aws:RequestTag/sagesynth:team");
/// `aws:ResourceTag/<TEAM_TAG_KEY>`: the team tag's value on an existing resource.
const RESOURCE_TEAM_TAG: ConditionKey = ConditionKey::single("aws:ResourceTag/sagesynth:team");

fn log_arn(resource: &str) -> Value {
    arn::regional("logs", [SubPart::from(resource.to_string())])
}

/// `arn:${AWS::Partition}:ecr:${AWS::Region}:<account>:repository/<name>`.
fn ecr_arn(account: SubPart, repository: &str) -> Value {
    let mut sub = Sub::from_parts(vec![
        SubPart::from("arn:"),
        SubPart::from(Pseudo::Partition),
        SubPart::from(":ecr:"),
        SubPart::from(Pseudo::Region),
        SubPart::from(":"),
        account,
    ]);
    sub.push(SubPart::from(format!(":repository/{repository}")));
    sub.into_value()
}

/// `ml.<family>.<size>`: lower-case letters and digits, as SageMaker's instance types are
/// written (`ml.m5.xlarge`, `ml.g5.12xlarge`, `ml.p4d.24xlarge`, `ml.trn1n.32xlarge`).
pub fn is_ml_instance_type(text: &str) -> bool {
    let mut parts = text.split('.');
    let (Some("ml"), Some(family), Some(size), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let word = |s: &str| {
        !s.is_empty()
            && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    family.starts_with(|c: char| c.is_ascii_lowercase()) && word(family) && word(size)
}

/// An ECR repository name: lower-case letters, digits and `._-/` separators, 2 to 256
/// characters, starting with a letter or digit.
pub fn is_repository_name(name: &str) -> bool {
    (2..=256).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/".contains(&b))
        && !name.ends_with(['.', '_', '-', '/'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::grants::testing::{fixture, fn_sub, getatt, granted, refused};
    use serde_json::{Value as Json, json};

    const ARN: &str = "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}";
    const ROLE: &str = "arn:aws:iam::111122223333:role/vision";

    fn environment() -> MlEnvironment {
        MlEnvironment {
            team: "vision".to_string(),
            role_arn: Value::from(ROLE),
            subnets: vec![Value::from("subnet-1"), Value::from("subnet-2")],
            security_groups: vec![Value::from("sg-1")],
            key_arn: fixture().key.arn(),
            instance_types: vec!["ml.m5.xlarge".to_string()],
            network_isolation: false,
        }
    }

    fn everything() -> MlAccess {
        MlAccess {
            jobs: vec![JobKind::Training, JobKind::Processing, JobKind::Transform],
            models: true,
            endpoints: true,
            experiments: true,
            model_registry: true,
        }
    }

    /// The statements of both grants.
    fn both(env: &MlEnvironment, access: &MlAccess) -> Json {
        let mut statements = granted(env.grant_create(access));
        let operate = granted(env.grant_operate(access));
        statements
            .as_array_mut()
            .unwrap()
            .extend(operate.as_array().unwrap().iter().cloned());
        statements
    }

    fn statement<'a>(statements: &'a Json, sid: &str) -> &'a Json {
        statements
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no statement {sid} in {statements:#}"))
    }

    #[test]
    fn a_training_job_is_confined_to_the_team_vpc_key_and_instance_types() {
        let statements = both(&environment(), &everything());
        assert_eq!(
            statement(&statements, "VisionCreateTrainingJobs"),
            &json!({"Sid": "VisionCreateTrainingJobs", "Effect": "Allow",
                "Action": ["sagemaker:CreateTrainingJob"],
                "Resource": [fn_sub(&format!("{ARN}:training-job/vision-*"))],
                "Condition": {
                    "StringEquals": {"aws:RequestTag/sagesynth:team": "vision"},
                    "ForAllValues:StringEquals": {
                        "sagemaker:VpcSubnets": ["subnet-1", "subnet-2"],
                        "sagemaker:VpcSecurityGroupIds": "sg-1",
                        "sagemaker:InstanceTypes": "ml.m5.xlarge"},
                    "Null": {"sagemaker:VpcSubnets": "false", "sagemaker:VpcSecurityGroupIds": "false",
                             "sagemaker:InstanceTypes": "false"},
                    "ArnEquals": {"sagemaker:VolumeKmsKey": getatt("DataKey", "Arn"),
                                  "sagemaker:OutputKmsKey": getatt("DataKey", "Arn")},
                    "Bool": {"sagemaker:InterContainerTrafficEncryption": "true"}}})
        );
    }

    #[test]
    fn each_create_call_is_conditioned_only_on_the_keys_it_takes() {
        let statements = both(&environment(), &everything());
        let keys_of = |sid: &str| -> Vec<String> {
            let mut keys: Vec<String> = statement(&statements, sid)["Condition"]
                .as_object()
                .unwrap()
                .values()
                .flat_map(|block| block.as_object().unwrap().keys().cloned())
                .collect();
            keys.sort();
            keys.dedup();
            keys
        };
        assert_eq!(
            keys_of("VisionCreateTransformJobs"),
            [
                "aws:RequestTag/sagesynth:team",
                "sagemaker:InstanceTypes",
                "sagemaker:ModelArn",
                "sagemaker:OutputKmsKey",
                "sagemaker:VolumeKmsKey"
            ]
        );
        assert_eq!(
            keys_of("VisionCreateModels"),
            [
                "aws:RequestTag/sagesynth:team",
                "sagemaker:VpcSecurityGroupIds",
                "sagemaker:VpcSubnets"
            ]
        );
        assert_eq!(
            keys_of("VisionCreateEndpointConfigs"),
            [
                "aws:RequestTag/sagesynth:team",
                "sagemaker:InstanceTypes",
                "sagemaker:ModelArn",
                "sagemaker:VolumeKmsKey"
            ]
        );
        for sid in [
            "VisionCreateEndpoints",
            "VisionCreateExperiments",
            "VisionCreateModelPackages",
        ] {
            assert_eq!(keys_of(sid), ["aws:RequestTag/sagesynth:team"], "{sid}");
        }
        let isolated = MlEnvironment {
            network_isolation: true,
            ..environment()
        };
        let statements = both(&isolated, &everything());
        for sid in [
            "VisionCreateTrainingJobs",
            "VisionCreateProcessingJobs",
            "VisionCreateModels",
        ] {
            assert_eq!(
                statement(&statements, sid)["Condition"]["Bool"]["sagemaker:NetworkIsolation"],
                "true",
                "{sid}"
            );
        }
    }

    #[test]
    fn tags_only_at_creation_pass_role_only_to_sagemaker_and_management_needs_the_tag() {
        let statements = both(
            &environment(),
            &MlAccess {
                jobs: vec![JobKind::Training],
                ..MlAccess::default()
            },
        );
        assert_eq!(
            statement(&statements, "VisionTagAtCreation")["Condition"],
            json!({"StringEquals": {"sagemaker:TaggingAction": "CreateTrainingJob",
                                    "aws:RequestTag/sagesynth:team": "vision"}})
        );
        assert_eq!(
            statement(&statements, "VisionPassOwnRole"),
            &json!({"Sid": "VisionPassOwnRole", "Effect": "Allow", "Action": ["iam:PassRole"],
                    "Resource": [ROLE],
                    "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}})
        );
        assert_eq!(
            statement(&statements, "VisionManageOwn")["Condition"],
            json!({"StringEquals": {"aws:ResourceTag/sagesynth:team": "vision"}})
        );
        assert_eq!(
            statement(&statements, "VisionJobLogStreams")["Resource"],
            json!([fn_sub(
                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/sagemaker/TrainingJobs:log-stream:vision-*"
            )])
        );
        assert_eq!(
            statement(&statements, "VisionSageMakerMetrics")["Condition"],
            json!({"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}})
        );
    }

    #[test]
    fn image_pulls_name_the_deep_learning_containers_account_and_the_teams_repositories() {
        let statements = granted(environment().grant_pull_images(&["vision/train".to_string()]));
        assert_eq!(
            statement(&statements, "VisionPullImages")["Resource"],
            json!([
                fn_sub("arn:${AWS::Partition}:ecr:${AWS::Region}:763104351884:repository/*"),
                fn_sub(
                    "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/vision/train"
                )
            ])
        );
        assert_eq!(
            statement(&statements, "VisionRegistryToken")["Resource"],
            json!(["*"])
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let env = environment();
        assert!(refused(env.grant_create(&MlAccess::default())).contains("no SageMaker access"));
        let no_types = MlEnvironment {
            instance_types: vec![],
            ..environment()
        };
        assert!(
            refused(no_types.grant_create(&everything())).contains("at least one instance type")
        );
        let bad_type = MlEnvironment {
            instance_types: vec!["m5.xlarge".to_string()],
            ..environment()
        };
        assert!(refused(bad_type.grant_create(&everything())).contains("`m5.xlarge` is not"));
        let bad_team = MlEnvironment {
            team: "Vision".to_string(),
            ..environment()
        };
        assert!(refused(bad_team.grant_create(&everything())).contains("not a team name"));
        let no_vpc = MlEnvironment {
            subnets: vec![],
            ..environment()
        };
        assert!(refused(no_vpc.grant_create(&everything())).contains("at least one subnet"));
        assert!(refused(env.grant_pull_images(&["Bad".to_string()])).contains("not an ECR"));
    }

    #[test]
    fn instance_types_and_repository_names() {
        for good in [
            "ml.m5.xlarge",
            "ml.g5.12xlarge",
            "ml.p4d.24xlarge",
            "ml.trn1n.32xlarge",
        ] {
            assert!(is_ml_instance_type(good), "{good}");
        }
        for bad in [
            "m5.xlarge",
            "ml.m5",
            "ml.M5.xlarge",
            "ml..xlarge",
            "ml.m5.xlarge.x",
            "ml.5m.large",
        ] {
            assert!(!is_ml_instance_type(bad), "{bad}");
        }
        assert!(is_repository_name("team/images-1"));
        for bad in ["", "a", "Team", "-a", "a-", "a b"] {
            assert!(!is_repository_name(bad), "{bad}");
        }
        assert!(REQUEST_TEAM_TAG.name.ends_with(TEAM_TAG_KEY));
        assert!(RESOURCE_TEAM_TAG.name.ends_with(TEAM_TAG_KEY));
    }
}
