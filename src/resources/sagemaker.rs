//! Amazon SageMaker resource types and action names.

use crate::template::{Handle, Value};

cfn_properties! {
    /// `AWS::SageMaker::Domain.UserSettings` (also a user profile's `UserSettings`).
    UserSettings / UserSettingsBuilder ("AWS::SageMaker::Domain.UserSettings") {
        optional code_editor_app_settings: AppSettings => "CodeEditorAppSettings",
        required execution_role: Value => "ExecutionRole",
        optional jupyter_lab_app_settings: AppSettings => "JupyterLabAppSettings",
        list security_groups: Value => "SecurityGroups",
        optional space_storage_settings: DefaultSpaceStorageSettings => "SpaceStorageSettings",
    }
}

cfn_enum! {
    /// `LifecycleManagement` of `AWS::SageMaker::Domain.IdleSettings`: whether idle
    /// shutdown is on for an app type
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-domain-idlesettings.html>).
    LifecycleManagement {
        Enabled => "ENABLED",
        Disabled => "DISABLED",
    }
}

/// The range of every idle timeout of `AWS::SageMaker::Domain.IdleSettings`, in minutes
/// (the resource reference: minimum 60, maximum 525,600).
pub const IDLE_TIMEOUT_MINUTES: (u32, u32) = (60, 525_600);

cfn_properties! {
    /// `AWS::SageMaker::Domain.IdleSettings`: when idle apps are shut down, and the range
    /// in which a user may choose their own timeout.
    IdleSettings / IdleSettingsBuilder ("AWS::SageMaker::Domain.IdleSettings") {
        optional idle_timeout_in_minutes: i64 => "IdleTimeoutInMinutes",
        optional lifecycle_management: LifecycleManagement => "LifecycleManagement",
        optional max_idle_timeout_in_minutes: i64 => "MaxIdleTimeoutInMinutes",
        optional min_idle_timeout_in_minutes: i64 => "MinIdleTimeoutInMinutes",
    }
}

cfn_properties! {
    /// `AWS::SageMaker::Domain.AppLifecycleManagement`.
    AppLifecycleManagement / AppLifecycleManagementBuilder ("AWS::SageMaker::Domain.AppLifecycleManagement") {
        optional idle_settings: IdleSettings => "IdleSettings",
    }
}

cfn_properties! {
    /// `AWS::SageMaker::Domain.ResourceSpec`: what an app starts on unless the request
    /// says otherwise.
    ResourceSpec / ResourceSpecBuilder ("AWS::SageMaker::Domain.ResourceSpec") {
        optional instance_type: Value => "InstanceType",
        optional lifecycle_config_arn: Value => "LifecycleConfigArn",
        optional sage_maker_image_arn: Value => "SageMakerImageArn",
        optional sage_maker_image_version_arn: Value => "SageMakerImageVersionArn",
    }
}

cfn_properties! {
    /// `AWS::SageMaker::Domain.CustomImage`: an image of this account offered to the
    /// apps of one type, with the configuration they run it with.
    CustomImage / CustomImageBuilder ("AWS::SageMaker::Domain.CustomImage") {
        required app_image_config_name: Value => "AppImageConfigName",
        required image_name: Value => "ImageName",
        optional image_version_number: Value => "ImageVersionNumber",
    }
}

cfn_properties! {
    /// `AWS::SageMaker::Domain.JupyterLabAppSettings` and
    /// `AWS::SageMaker::Domain.CodeEditorAppSettings`, which have the same properties
    /// (the two reference pages list the same six; `CodeRepositories` is JupyterLab's
    /// only and is not used here).
    AppSettings / AppSettingsBuilder ("AWS::SageMaker::Domain.JupyterLabAppSettings") {
        optional app_lifecycle_management: AppLifecycleManagement => "AppLifecycleManagement",
        list custom_images: CustomImage => "CustomImages",
        optional default_resource_spec: ResourceSpec => "DefaultResourceSpec",
        list lifecycle_config_arns: Value => "LifecycleConfigArns",
    }
}

/// The range of a space's EBS volume sizes in GiB (`SpaceEbsVolumeSizeInGb` of the
/// resource reference: 5 to 16,384).
pub const SPACE_EBS_GB: (u32, u32) = (5, 16_384);

cfn_properties! {
    /// `AWS::SageMaker::Domain.DefaultEbsStorageSettings`: a new space's volume size and
    /// the most a user may grow it to.
    DefaultEbsStorageSettings / DefaultEbsStorageSettingsBuilder ("AWS::SageMaker::Domain.DefaultEbsStorageSettings") {
        required default_ebs_volume_size_in_gb: i64 => "DefaultEbsVolumeSizeInGb",
        required maximum_ebs_volume_size_in_gb: i64 => "MaximumEbsVolumeSizeInGb",
    }
}

cfn_properties! {
    /// `AWS::SageMaker::Domain.DefaultSpaceStorageSettings`.
    DefaultSpaceStorageSettings / DefaultSpaceStorageSettingsBuilder ("AWS::SageMaker::Domain.DefaultSpaceStorageSettings") {
        optional default_ebs_storage_settings: DefaultEbsStorageSettings => "DefaultEbsStorageSettings",
    }
}

cfn_enum! {
    /// `ExecutionRoleIdentityConfig` of `AWS::SageMaker::Domain.DomainSettings`: whether
    /// sessions of an execution role carry the user profile name as their source identity
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sagemaker-domain-domainsettings.html>).
    ExecutionRoleIdentityConfig {
        UserProfileName => "USER_PROFILE_NAME",
        Disabled => "DISABLED",
    }
}

cfn_properties! {
    /// `AWS::SageMaker::Domain.DomainSettings`.
    DomainSettings / DomainSettingsBuilder ("AWS::SageMaker::Domain.DomainSettings") {
        optional execution_role_identity_config: ExecutionRoleIdentityConfig => "ExecutionRoleIdentityConfig",
        list security_group_ids: Value => "SecurityGroupIds",
    }
}

cfn_enum! {
    /// `AppNetworkAccessType` of `AWS::SageMaker::Domain`: whether apps reach the internet
    /// through a SageMaker-managed VPC or only through the domain's own subnets
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sagemaker-domain.html>).
    AppNetworkAccessType {
        PublicInternetOnly => "PublicInternetOnly",
        VpcOnly => "VpcOnly",
    }
}

cfn_enum! {
    /// `AuthMode` of `AWS::SageMaker::Domain`: IAM Identity Center or IAM
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sagemaker-domain.html>).
    AuthMode {
        Sso => "SSO",
        Iam => "IAM",
    }
}

cfn_resource! {
    Domain / DomainBuilder = "AWS::SageMaker::Domain" {
        optional app_network_access_type: AppNetworkAccessType => "AppNetworkAccessType",
        /// Takes an [`AuthMode`], or any value (the Studio construct passes its own choice).
        required auth_mode: Value => "AuthMode",
        required default_user_settings: UserSettings => "DefaultUserSettings",
        required domain_name: Value => "DomainName",
        optional domain_settings: DomainSettings => "DomainSettings",
        optional kms_key_id: Value => "KmsKeyId",
        list subnet_ids: Value => "SubnetIds",
        optional vpc_id: Value => "VpcId",
    }
}

impl Handle<Domain> {
    /// The domain ID (`d-…`), which the presigned-URL API and user profiles take.
    pub fn domain_id(&self) -> Value {
        self.attribute("DomainId")
    }
    /// `Fn::GetAtt` `Url`: the domain's Studio URL.
    pub fn url(&self) -> Value {
        self.attribute("Url")
    }
    /// `Fn::GetAtt` `DomainArn`: the domain's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("DomainArn")
    }
    /// `Fn::GetAtt` `HomeEfsFileSystemId`: the EFS file system SageMaker made for the
    /// users' home directories.
    pub fn home_efs_file_system_id(&self) -> Value {
        self.attribute("HomeEfsFileSystemId")
    }
    /// The ARN of the domain's IAM Identity Center application (SSO domains only).
    pub fn single_sign_on_application_arn(&self) -> Value {
        self.attribute("SingleSignOnApplicationArn")
    }
}

cfn_resource! {
    UserProfile / UserProfileBuilder = "AWS::SageMaker::UserProfile" {
        required domain_id: Value => "DomainId",
        optional single_sign_on_user_identifier: Value => "SingleSignOnUserIdentifier",
        optional single_sign_on_user_value: Value => "SingleSignOnUserValue",
        required user_profile_name: Value => "UserProfileName",
        optional user_settings: UserSettings => "UserSettings",
    }
}

impl Handle<UserProfile> {
    /// `Fn::GetAtt` `UserProfileArn`: the user profile's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("UserProfileArn")
    }
}

cfn_enum! {
    /// `StudioLifecycleConfigAppType` of `AWS::SageMaker::StudioLifecycleConfig`: the app
    /// type a script runs in
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sagemaker-studiolifecycleconfig.html>).
    StudioLifecycleConfigAppType {
        JupyterServer => "JupyterServer",
        KernelGateway => "KernelGateway",
        CodeEditor => "CodeEditor",
        JupyterLab => "JupyterLab",
    }
}

cfn_resource! {
    StudioLifecycleConfig / StudioLifecycleConfigBuilder = "AWS::SageMaker::StudioLifecycleConfig" {
        required studio_lifecycle_config_app_type: StudioLifecycleConfigAppType => "StudioLifecycleConfigAppType",
        /// Base64 (at most [`MAX_LIFECYCLE_CONTENT`] characters); `Value::base64` of the
        /// plain script keeps it readable in the template.
        required studio_lifecycle_config_content: Value => "StudioLifecycleConfigContent",
        required studio_lifecycle_config_name: Value => "StudioLifecycleConfigName",
    }
}

impl Handle<StudioLifecycleConfig> {
    /// `Fn::GetAtt` `StudioLifecycleConfigArn`, which the domain's app settings take.
    pub fn arn(&self) -> Value {
        self.attribute("StudioLifecycleConfigArn")
    }
}

/// The length of an image name and the rule of its characters (`ImageName` of
/// `AWS::SageMaker::Image`: 1 to 63 characters, `^[a-zA-Z0-9]([-.]?[a-zA-Z0-9]){0,62}$`).
pub const IMAGE_NAME_PATTERN: &str = "^[a-zA-Z0-9]([-.]?[a-zA-Z0-9]){0,62}$";

/// Whether `name` satisfies [`IMAGE_NAME_PATTERN`]: letters and digits, single `-` or `.`
/// between them, at most 63 characters.
pub fn is_valid_image_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.')
        && bytes
            .windows(2)
            .all(|w| w[0].is_ascii_alphanumeric() || w[1].is_ascii_alphanumeric())
}

cfn_resource! {
    /// A SageMaker image: a named set of versions, each a container image in ECR.
    Image / ImageBuilder = "AWS::SageMaker::Image" {
        optional image_description: Value => "ImageDescription",
        optional image_display_name: Value => "ImageDisplayName",
        required image_name: Value => "ImageName",
        /// A role that "enables Amazon SageMaker to perform tasks on your behalf" (the
        /// CreateImage API reference): reading the image's container images.
        required image_role_arn: Value => "ImageRoleArn",
    }
}

impl Handle<Image> {
    /// `Fn::GetAtt` `ImageArn`.
    pub fn arn(&self) -> Value {
        self.attribute("ImageArn")
    }
}

cfn_resource! {
    /// One version of an image: the container image `BaseImage` (an ECR URI), both
    /// create-only, so a new tag or digest is a new version.
    ImageVersion / ImageVersionBuilder = "AWS::SageMaker::ImageVersion" {
        required base_image: Value => "BaseImage",
        required image_name: Value => "ImageName",
    }
}

impl Handle<ImageVersion> {
    /// `Fn::GetAtt` `ImageArn`: the parent image's ARN.
    pub fn image_arn(&self) -> Value {
        self.attribute("ImageArn")
    }
    /// `Fn::GetAtt` `ImageVersionArn`.
    pub fn arn(&self) -> Value {
        self.attribute("ImageVersionArn")
    }
    /// `Fn::GetAtt` `Version`: the version number, which a domain's `CustomImage` pins.
    pub fn version(&self) -> Value {
        self.attribute("Version")
    }
}

/// `AWS::SageMaker::AppImageConfig.JupyterLabAppImageConfig` and
/// `AWS::SageMaker::AppImageConfig.CodeEditorAppImageConfig`, which have the same one
/// optional property, `ContainerConfig` (entry point, arguments, environment), not set
/// here: the image starts as it was built. Its presence alone says which app type runs
/// the image, so it is written as an empty object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AppImageSettings;

impl From<AppImageSettings> for Value {
    fn from(_: AppImageSettings) -> Self {
        Value::Map(crate::template::ValueMap::default())
    }
}

cfn_resource! {
    /// How apps of one type run an image. A JupyterLab or Code Editor image runs as the
    /// Studio user (UID 1000, GID 100) with the home volume at `/home/sagemaker-user`
    /// (the custom image specifications of the SageMaker developer guide), so neither
    /// takes a file-system configuration.
    AppImageConfig / AppImageConfigBuilder = "AWS::SageMaker::AppImageConfig" {
        required app_image_config_name: Value => "AppImageConfigName",
        optional code_editor_app_image_config: AppImageSettings => "CodeEditorAppImageConfig",
        optional jupyter_lab_app_image_config: AppImageSettings => "JupyterLabAppImageConfig",
    }
}

impl Handle<AppImageConfig> {
    /// `Ref` of an app image configuration: its name, which a domain's `CustomImage` takes.
    pub fn name(&self) -> Value {
        self.reference()
    }
}

cfn_properties! {
    /// `AWS::SageMaker::NotebookInstance.InstanceMetadataServiceConfiguration`.
    InstanceMetadataServiceConfiguration / InstanceMetadataServiceConfigurationBuilder ("AWS::SageMaker::NotebookInstance.InstanceMetadataServiceConfiguration") {
        required minimum_instance_metadata_service_version: Value => "MinimumInstanceMetadataServiceVersion",
    }
}

cfn_enum! {
    /// `DirectInternetAccess` of `AWS::SageMaker::NotebookInstance`: `Disabled` leaves the
    /// instance only its VPC (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sagemaker-notebookinstance.html>).
    DirectInternetAccess {
        Disabled => "Disabled",
        Enabled => "Enabled",
    }
}

cfn_enum! {
    /// `RootAccess` of `AWS::SageMaker::NotebookInstance`: whether users of the instance
    /// may become root (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sagemaker-notebookinstance.html>).
    RootAccess {
        Disabled => "Disabled",
        Enabled => "Enabled",
    }
}

cfn_resource! {
    NotebookInstance / NotebookInstanceBuilder = "AWS::SageMaker::NotebookInstance" {
        optional direct_internet_access: DirectInternetAccess => "DirectInternetAccess",
        optional instance_metadata_service_configuration: InstanceMetadataServiceConfiguration => "InstanceMetadataServiceConfiguration",
        required instance_type: Value => "InstanceType",
        optional kms_key_id: Value => "KmsKeyId",
        optional lifecycle_config_name: Value => "LifecycleConfigName",
        optional notebook_instance_name: Value => "NotebookInstanceName",
        optional platform_identifier: Value => "PlatformIdentifier",
        required role_arn: Value => "RoleArn",
        optional root_access: RootAccess => "RootAccess",
        list security_group_ids: Value => "SecurityGroupIds",
        optional subnet_id: Value => "SubnetId",
        optional volume_size_in_gb: i64 => "VolumeSizeInGB",
    }
}

impl Handle<NotebookInstance> {
    /// `Ref` of a notebook instance: its ARN.
    pub fn arn(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `NotebookInstanceName`: the notebook instance's name.
    pub fn name(&self) -> Value {
        self.attribute("NotebookInstanceName")
    }
}

cfn_properties! {
    /// `AWS::SageMaker::NotebookInstanceLifecycleConfig.NotebookInstanceLifecycleHook`.
    LifecycleHook / LifecycleHookBuilder ("AWS::SageMaker::NotebookInstanceLifecycleConfig.NotebookInstanceLifecycleHook") {
        optional content: Value => "Content",
    }
}

cfn_resource! {
    NotebookInstanceLifecycleConfig / NotebookInstanceLifecycleConfigBuilder = "AWS::SageMaker::NotebookInstanceLifecycleConfig" {
        optional notebook_instance_lifecycle_config_name: Value => "NotebookInstanceLifecycleConfigName",
        list on_create: LifecycleHook => "OnCreate",
        list on_start: LifecycleHook => "OnStart",
    }
}

impl Handle<NotebookInstanceLifecycleConfig> {
    /// The configuration's name, which a notebook instance's `LifecycleConfigName` takes.
    pub fn name(&self) -> Value {
        self.attribute("NotebookInstanceLifecycleConfigName")
    }
}

/// The name rule shared by domains, user profiles and notebook instances.
pub const NAME_PATTERN: &str = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$";

/// Whether `name` satisfies [`NAME_PATTERN`]: 1–63 letters, digits and hyphens, starting
/// and ending with a letter or digit.
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

/// SageMaker's limit on a lifecycle script's `Content` (base64 characters).
pub const MAX_LIFECYCLE_CONTENT: usize = 16_384;

/// SageMaker actions.
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// Reads a Studio domain's settings.
    pub const DESCRIBE_DOMAIN: Action = Action::new("sagemaker:DescribeDomain");
    /// Creates a sign-in URL to Studio for one user profile.
    pub const CREATE_PRESIGNED_DOMAIN_URL: Action =
        Action::new("sagemaker:CreatePresignedDomainUrl");
    /// Reads a user profile.
    pub const DESCRIBE_USER_PROFILE: Action = Action::new("sagemaker:DescribeUserProfile");
    /// Creates a user profile in a domain.
    pub const CREATE_USER_PROFILE: Action = Action::new("sagemaker:CreateUserProfile");
    /// Changes a user profile's settings.
    pub const UPDATE_USER_PROFILE: Action = Action::new("sagemaker:UpdateUserProfile");
    /// Deletes a user profile (its apps must be deleted first).
    pub const DELETE_USER_PROFILE: Action = Action::new("sagemaker:DeleteUserProfile");
    /// Starts a Studio app (JupyterLab, Code Editor, ...) for a profile or space.
    pub const CREATE_APP: Action = Action::new("sagemaker:CreateApp");
    /// Stops and deletes a Studio app.
    pub const DELETE_APP: Action = Action::new("sagemaker:DeleteApp");
    /// Reads a Studio app's status.
    pub const DESCRIBE_APP: Action = Action::new("sagemaker:DescribeApp");
    /// Tags a SageMaker resource (Studio tags what it creates).
    pub const ADD_TAGS: Action = Action::new("sagemaker:AddTags");
    /// Removes tags from a SageMaker resource (onboarding takes back a returning user's
    /// profile by removing its offboarding date).
    pub const DELETE_TAGS: Action = Action::new("sagemaker:DeleteTags");
    /// Reads a SageMaker resource's tags.
    pub const LIST_TAGS: Action = Action::new("sagemaker:ListTags");
    /// Creates a Studio space.
    pub const CREATE_SPACE: Action = Action::new("sagemaker:CreateSpace");
    /// Changes a Studio space's settings.
    pub const UPDATE_SPACE: Action = Action::new("sagemaker:UpdateSpace");
    /// Deletes a Studio space.
    pub const DELETE_SPACE: Action = Action::new("sagemaker:DeleteSpace");
    /// Reads a Studio space.
    pub const DESCRIBE_SPACE: Action = Action::new("sagemaker:DescribeSpace");
    /// List calls, which SageMaker does not scope to a resource (they need `Resource: "*"`).
    pub const LIST_APPS: Action = Action::new("sagemaker:ListApps");
    /// Lists spaces (no resource-level permissions, as `LIST_APPS`).
    pub const LIST_SPACES: Action = Action::new("sagemaker:ListSpaces");
    /// Lists user profiles (no resource-level permissions).
    pub const LIST_USER_PROFILES: Action = Action::new("sagemaker:ListUserProfiles");
    /// Lists domains (no resource-level permissions).
    pub const LIST_DOMAINS: Action = Action::new("sagemaker:ListDomains");
    /// Reads a notebook instance's settings and status.
    pub const DESCRIBE_NOTEBOOK_INSTANCE: Action =
        Action::new("sagemaker:DescribeNotebookInstance");
    /// Creates a sign-in URL to a notebook instance's Jupyter.
    pub const CREATE_PRESIGNED_NOTEBOOK_INSTANCE_URL: Action =
        Action::new("sagemaker:CreatePresignedNotebookInstanceUrl");
    /// Starts a stopped notebook instance.
    pub const START_NOTEBOOK_INSTANCE: Action = Action::new("sagemaker:StartNotebookInstance");
    /// Stops a notebook instance (its volume is kept).
    pub const STOP_NOTEBOOK_INSTANCE: Action = Action::new("sagemaker:StopNotebookInstance");
    /// Lists notebook instances (no resource-level permissions).
    pub const LIST_NOTEBOOK_INSTANCES: Action = Action::new("sagemaker:ListNotebookInstances");
    /// Opening a notebook instance from the console or a presigned URL.
    pub const OPEN_NOTEBOOK_INSTANCE: &[Action] = &[
        CREATE_PRESIGNED_NOTEBOOK_INSTANCE_URL,
        DESCRIBE_NOTEBOOK_INSTANCE,
    ];
    /// Opening a notebook instance, and starting and stopping it.
    pub const USE_NOTEBOOK_INSTANCE: &[Action] = &[
        CREATE_PRESIGNED_NOTEBOOK_INSTANCE_URL,
        DESCRIBE_NOTEBOOK_INSTANCE,
        START_NOTEBOOK_INSTANCE,
        STOP_NOTEBOOK_INSTANCE,
    ];

    /// Starts a training job (dependent actions `iam:PassRole`, `sagemaker:AddTags`).
    pub const CREATE_TRAINING_JOB: Action = Action::new("sagemaker:CreateTrainingJob");
    /// Starts a processing job (dependent actions `iam:PassRole`, `sagemaker:AddTags`).
    pub const CREATE_PROCESSING_JOB: Action = Action::new("sagemaker:CreateProcessingJob");
    /// Starts a batch transform job with an existing model.
    pub const CREATE_TRANSFORM_JOB: Action = Action::new("sagemaker:CreateTransformJob");
    /// Reads a training job.
    pub const DESCRIBE_TRAINING_JOB: Action = Action::new("sagemaker:DescribeTrainingJob");
    /// Reads a processing job.
    pub const DESCRIBE_PROCESSING_JOB: Action = Action::new("sagemaker:DescribeProcessingJob");
    /// Reads a transform job.
    pub const DESCRIBE_TRANSFORM_JOB: Action = Action::new("sagemaker:DescribeTransformJob");
    /// Stops a training job.
    pub const STOP_TRAINING_JOB: Action = Action::new("sagemaker:StopTrainingJob");
    /// Stops a processing job.
    pub const STOP_PROCESSING_JOB: Action = Action::new("sagemaker:StopProcessingJob");
    /// Stops a transform job.
    pub const STOP_TRANSFORM_JOB: Action = Action::new("sagemaker:StopTransformJob");
    /// Lists training jobs (no resource-level permissions).
    pub const LIST_TRAINING_JOBS: Action = Action::new("sagemaker:ListTrainingJobs");
    /// Lists processing jobs (no resource-level permissions).
    pub const LIST_PROCESSING_JOBS: Action = Action::new("sagemaker:ListProcessingJobs");
    /// Lists transform jobs (no resource-level permissions).
    pub const LIST_TRANSFORM_JOBS: Action = Action::new("sagemaker:ListTransformJobs");
    /// Creates a model from an image and artifacts (dependent action `iam:PassRole`).
    pub const CREATE_MODEL: Action = Action::new("sagemaker:CreateModel");
    /// Reads a model.
    pub const DESCRIBE_MODEL: Action = Action::new("sagemaker:DescribeModel");
    /// Deletes a model.
    pub const DELETE_MODEL: Action = Action::new("sagemaker:DeleteModel");
    /// Lists models (no resource-level permissions).
    pub const LIST_MODELS: Action = Action::new("sagemaker:ListModels");
    /// Creates an endpoint configuration (instances, volume key, models).
    pub const CREATE_ENDPOINT_CONFIG: Action = Action::new("sagemaker:CreateEndpointConfig");
    /// Reads an endpoint configuration.
    pub const DESCRIBE_ENDPOINT_CONFIG: Action = Action::new("sagemaker:DescribeEndpointConfig");
    /// Deletes an endpoint configuration.
    pub const DELETE_ENDPOINT_CONFIG: Action = Action::new("sagemaker:DeleteEndpointConfig");
    /// Creates an endpoint from an endpoint configuration.
    pub const CREATE_ENDPOINT: Action = Action::new("sagemaker:CreateEndpoint");
    /// Reads an endpoint.
    pub const DESCRIBE_ENDPOINT: Action = Action::new("sagemaker:DescribeEndpoint");
    /// Moves an endpoint to another endpoint configuration.
    pub const UPDATE_ENDPOINT: Action = Action::new("sagemaker:UpdateEndpoint");
    /// Deletes an endpoint.
    pub const DELETE_ENDPOINT: Action = Action::new("sagemaker:DeleteEndpoint");
    /// Sends a request to an endpoint's model.
    pub const INVOKE_ENDPOINT: Action = Action::new("sagemaker:InvokeEndpoint");
    /// Lists endpoints (no resource-level permissions).
    pub const LIST_ENDPOINTS: Action = Action::new("sagemaker:ListEndpoints");
    /// Lists endpoint configurations (no resource-level permissions).
    pub const LIST_ENDPOINT_CONFIGS: Action = Action::new("sagemaker:ListEndpointConfigs");
    /// Creates an experiment.
    pub const CREATE_EXPERIMENT: Action = Action::new("sagemaker:CreateExperiment");
    /// Creates a trial of an experiment.
    pub const CREATE_TRIAL: Action = Action::new("sagemaker:CreateTrial");
    /// Creates a trial component.
    pub const CREATE_TRIAL_COMPONENT: Action = Action::new("sagemaker:CreateTrialComponent");
    /// Reads an experiment.
    pub const DESCRIBE_EXPERIMENT: Action = Action::new("sagemaker:DescribeExperiment");
    /// Reads a trial.
    pub const DESCRIBE_TRIAL: Action = Action::new("sagemaker:DescribeTrial");
    /// Reads a trial component.
    pub const DESCRIBE_TRIAL_COMPONENT: Action = Action::new("sagemaker:DescribeTrialComponent");
    /// Changes a trial component (metrics, parameters).
    pub const UPDATE_TRIAL_COMPONENT: Action = Action::new("sagemaker:UpdateTrialComponent");
    /// Attaches a trial component to a trial.
    pub const ASSOCIATE_TRIAL_COMPONENT: Action = Action::new("sagemaker:AssociateTrialComponent");
    /// Lists experiments (no resource-level permissions).
    pub const LIST_EXPERIMENTS: Action = Action::new("sagemaker:ListExperiments");
    /// Lists trials (no resource-level permissions).
    pub const LIST_TRIALS: Action = Action::new("sagemaker:ListTrials");
    /// Lists trial components (no resource-level permissions).
    pub const LIST_TRIAL_COMPONENTS: Action = Action::new("sagemaker:ListTrialComponents");
    /// Creates a model package group (a model registry entry).
    pub const CREATE_MODEL_PACKAGE_GROUP: Action = Action::new("sagemaker:CreateModelPackageGroup");
    /// Registers a model version in a group.
    pub const CREATE_MODEL_PACKAGE: Action = Action::new("sagemaker:CreateModelPackage");
    /// Reads a model package group.
    pub const DESCRIBE_MODEL_PACKAGE_GROUP: Action =
        Action::new("sagemaker:DescribeModelPackageGroup");
    /// Reads a model package.
    pub const DESCRIBE_MODEL_PACKAGE: Action = Action::new("sagemaker:DescribeModelPackage");
    /// Changes a model package (approval status).
    pub const UPDATE_MODEL_PACKAGE: Action = Action::new("sagemaker:UpdateModelPackage");
    /// Lists model package groups (no resource-level permissions).
    pub const LIST_MODEL_PACKAGE_GROUPS: Action = Action::new("sagemaker:ListModelPackageGroups");
    /// Lists the packages of a group.
    pub const LIST_MODEL_PACKAGES: Action = Action::new("sagemaker:ListModelPackages");
}

/// SageMaker's condition keys for Studio apps and spaces, as the Service Authorization
/// Reference lists them ("Actions, resources, and condition keys for Amazon SageMaker
/// AI"): which actions take which key is noted per key, because a key an action does not
/// take is absent from its request and fails every condition but `Null`.
pub mod keys {
    use crate::resources::iam::policy::ConditionKey;

    /// The ARN of the user profile that owns the space of the request (type ARN). Taken
    /// by `CreateApp`, `DeleteApp`, `CreateSpace`, `UpdateSpace`, `DeleteSpace`; absent
    /// for an app of a user profile itself (no space).
    pub const OWNER_USER_PROFILE_ARN: ConditionKey =
        ConditionKey::single("sagemaker:OwnerUserProfileArn");
    /// The sharing type of the space of the request, `Private` or `Shared`; taken by the
    /// same actions as [`OWNER_USER_PROFILE_ARN`].
    pub const SPACE_SHARING_TYPE: ConditionKey = ConditionKey::single("sagemaker:SpaceSharingType");
    /// The API operation whose resource is being tagged (`CreateSpace`, `CreateApp`, …);
    /// taken by `AddTags`, so that tags can be allowed at creation only.
    pub const TAGGING_ACTION: ConditionKey = ConditionKey::single("sagemaker:TaggingAction");
    /// The subnets of the request's VPC configuration (ArrayOfString). Taken by
    /// `CreateTrainingJob`, `CreateProcessingJob`, `CreateModel`, `CreateEndpointConfig`;
    /// absent when the request has no VPC configuration.
    pub const VPC_SUBNETS: ConditionKey = ConditionKey::multi("sagemaker:VpcSubnets");
    /// The security groups of the request's VPC configuration (ArrayOfString); taken by
    /// the same actions as [`VPC_SUBNETS`].
    pub const VPC_SECURITY_GROUP_IDS: ConditionKey =
        ConditionKey::multi("sagemaker:VpcSecurityGroupIds");
    /// The key of the ML storage volumes (ARN). Taken by `CreateTrainingJob`,
    /// `CreateProcessingJob`, `CreateTransformJob`, `CreateEndpointConfig`.
    pub const VOLUME_KMS_KEY: ConditionKey = ConditionKey::single("sagemaker:VolumeKmsKey");
    /// The key of the job's output in S3 (ARN). Taken by `CreateTrainingJob`,
    /// `CreateProcessingJob`, `CreateTransformJob`.
    pub const OUTPUT_KMS_KEY: ConditionKey = ConditionKey::single("sagemaker:OutputKmsKey");
    /// The instance types of the request (ArrayOfString). Taken by `CreateTrainingJob`,
    /// `CreateProcessingJob`, `CreateTransformJob`, `CreateEndpointConfig`.
    pub const INSTANCE_TYPES: ConditionKey = ConditionKey::multi("sagemaker:InstanceTypes");
    /// Whether the containers run without network access (Bool). Taken by
    /// `CreateTrainingJob`, `CreateProcessingJob`, `CreateModel`, `CreateEndpointConfig`.
    pub const NETWORK_ISOLATION: ConditionKey = ConditionKey::single("sagemaker:NetworkIsolation");
    /// Whether traffic between the instances of a job is encrypted (Bool). Taken by
    /// `CreateTrainingJob`, `CreateProcessingJob`.
    pub const INTER_CONTAINER_TRAFFIC_ENCRYPTION: ConditionKey =
        ConditionKey::single("sagemaker:InterContainerTrafficEncryption");
    /// The SageMaker images of the request (ArrayOfString of ARNs); taken by `CreateApp`
    /// (an app's image), absent when the request names none.
    pub const IMAGE_ARNS: ConditionKey = ConditionKey::multi("sagemaker:ImageArns");
    /// The SageMaker image versions of the request (ArrayOfString of ARNs); taken by
    /// `CreateApp` like [`IMAGE_ARNS`].
    pub const IMAGE_VERSION_ARNS: ConditionKey = ConditionKey::multi("sagemaker:ImageVersionArns");
    /// The model a transform job or endpoint configuration uses (ARN). Taken by
    /// `CreateTransformJob`, `CreateEndpointConfig`.
    pub const MODEL_ARN: ConditionKey = ConditionKey::single("sagemaker:ModelArn");
}

/// SageMaker's request values usable as IAM policy variables in the calls Studio makes
/// with a user's execution role: the Service Authorization Reference describes
/// `sagemaker:UserProfileName` as "You can use the UserProfileName as a policy variable to
/// filter requests from specific user profiles within a SageMaker Domain. This context
/// key is not applicable to user profiles within shared spaces", and
/// `sagemaker:DomainId` likewise for the domain. A shared execution role is scoped to the
/// calling person through them; where they are absent (a shared space, the role's
/// credentials used outside Studio) a statement naming them matches nothing.
pub mod variables {
    /// The calling user profile's name, written as a policy variable.
    pub const USER_PROFILE_NAME: &str = "${sagemaker:UserProfileName}";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_have_the_allowed_values_of_the_resource_reference() {
        assert_allowed_values!(AppNetworkAccessType, ["PublicInternetOnly", "VpcOnly"]);
        assert_allowed_values!(AuthMode, ["SSO", "IAM"]);
        assert_allowed_values!(
            ExecutionRoleIdentityConfig,
            ["USER_PROFILE_NAME", "DISABLED"]
        );
        assert_allowed_values!(DirectInternetAccess, ["Disabled", "Enabled"]);
        assert_allowed_values!(RootAccess, ["Disabled", "Enabled"]);
        assert_allowed_values!(LifecycleManagement, ["ENABLED", "DISABLED"]);
        assert_allowed_values!(
            StudioLifecycleConfigAppType,
            ["JupyterServer", "KernelGateway", "CodeEditor", "JupyterLab"]
        );
    }

    #[test]
    fn builders_serialize_enums_as_their_values() {
        let domain = Domain::builder()
            .app_network_access_type(AppNetworkAccessType::VpcOnly)
            .auth_mode(AuthMode::Iam)
            .default_user_settings(
                UserSettings::builder()
                    .execution_role("arn:aws:iam::111122223333:role/r")
                    .build()
                    .unwrap(),
            )
            .domain_name("d")
            .domain_settings(
                DomainSettings::builder()
                    .execution_role_identity_config(ExecutionRoleIdentityConfig::UserProfileName)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(Value::Map(crate::template::Resource::into_properties(
                domain
            )))
            .unwrap(),
            serde_json::json!({
                "AppNetworkAccessType": "VpcOnly",
                "AuthMode": "IAM",
                "DefaultUserSettings": {"ExecutionRole": "arn:aws:iam::111122223333:role/r"},
                "DomainName": "d",
                "DomainSettings": {"ExecutionRoleIdentityConfig": "USER_PROFILE_NAME"}
            })
        );
        let notebook = NotebookInstance::builder()
            .direct_internet_access(DirectInternetAccess::Disabled)
            .instance_type("ml.t3.medium")
            .role_arn("arn:aws:iam::111122223333:role/n")
            .root_access(RootAccess::Disabled)
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(Value::Map(crate::template::Resource::into_properties(
                notebook
            )))
            .unwrap(),
            serde_json::json!({
                "DirectInternetAccess": "Disabled",
                "InstanceType": "ml.t3.medium",
                "RoleArn": "arn:aws:iam::111122223333:role/n",
                "RootAccess": "Disabled"
            })
        );
    }

    #[test]
    fn image_names_follow_the_image_pattern() {
        for ok in ["a", "team-torch", "torch.v2", "A1.b-2", &"x".repeat(63)] {
            assert!(is_valid_image_name(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a.",
            "a--b",
            "a.-b",
            "a..b",
            "a_b",
            &"x".repeat(64),
        ] {
            assert!(!is_valid_image_name(bad), "{bad}");
        }
    }

    #[test]
    fn names_follow_the_sagemaker_pattern() {
        for ok in ["a", "data-scientist-1", "A--b", &"x".repeat(63)] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a_b",
            "a.b",
            "alice@example.com",
            &"x".repeat(64),
        ] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }
}
