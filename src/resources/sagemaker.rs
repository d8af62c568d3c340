//! Amazon SageMaker resource types and action names.

use crate::template::{Handle, Value};

cfn_properties! {
    /// `AWS::SageMaker::Domain.UserSettings` (also a user profile's `UserSettings`).
    UserSettings / UserSettingsBuilder ("AWS::SageMaker::Domain.UserSettings") {
        required execution_role: Value => "ExecutionRole",
        list security_groups: Value => "SecurityGroups",
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
