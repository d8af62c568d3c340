//! Amazon SageMaker resource types and action names.

use crate::template::{Handle, Value};

cfn_properties! {
    /// `AWS::SageMaker::Domain.UserSettings` (also a user profile's `UserSettings`).
    UserSettings / UserSettingsBuilder ("AWS::SageMaker::Domain.UserSettings") {
        required execution_role: Value => "ExecutionRole",
        list security_groups: Value => "SecurityGroups",
    }
}

cfn_properties! {
    /// `AWS::SageMaker::Domain.DomainSettings`.
    DomainSettings / DomainSettingsBuilder ("AWS::SageMaker::Domain.DomainSettings") {
        optional execution_role_identity_config: Value => "ExecutionRoleIdentityConfig",
        list security_group_ids: Value => "SecurityGroupIds",
    }
}

cfn_resource! {
    Domain / DomainBuilder = "AWS::SageMaker::Domain" {
        optional app_network_access_type: Value => "AppNetworkAccessType",
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
    pub fn arn(&self) -> Value {
        self.attribute("DomainArn")
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

cfn_resource! {
    NotebookInstance / NotebookInstanceBuilder = "AWS::SageMaker::NotebookInstance" {
        optional direct_internet_access: Value => "DirectInternetAccess",
        optional instance_metadata_service_configuration: InstanceMetadataServiceConfiguration => "InstanceMetadataServiceConfiguration",
        required instance_type: Value => "InstanceType",
        optional kms_key_id: Value => "KmsKeyId",
        optional lifecycle_config_name: Value => "LifecycleConfigName",
        optional notebook_instance_name: Value => "NotebookInstanceName",
        optional platform_identifier: Value => "PlatformIdentifier",
        required role_arn: Value => "RoleArn",
        optional root_access: Value => "RootAccess",
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

    pub const DESCRIBE_DOMAIN: Action = Action::new("sagemaker:DescribeDomain");
    pub const CREATE_PRESIGNED_DOMAIN_URL: Action =
        Action::new("sagemaker:CreatePresignedDomainUrl");
    pub const DESCRIBE_USER_PROFILE: Action = Action::new("sagemaker:DescribeUserProfile");
    pub const CREATE_USER_PROFILE: Action = Action::new("sagemaker:CreateUserProfile");
    pub const UPDATE_USER_PROFILE: Action = Action::new("sagemaker:UpdateUserProfile");
    pub const DELETE_USER_PROFILE: Action = Action::new("sagemaker:DeleteUserProfile");
    pub const CREATE_APP: Action = Action::new("sagemaker:CreateApp");
    pub const DELETE_APP: Action = Action::new("sagemaker:DeleteApp");
    pub const DESCRIBE_APP: Action = Action::new("sagemaker:DescribeApp");
    pub const ADD_TAGS: Action = Action::new("sagemaker:AddTags");
    pub const LIST_TAGS: Action = Action::new("sagemaker:ListTags");
    pub const CREATE_SPACE: Action = Action::new("sagemaker:CreateSpace");
    pub const UPDATE_SPACE: Action = Action::new("sagemaker:UpdateSpace");
    pub const DELETE_SPACE: Action = Action::new("sagemaker:DeleteSpace");
    pub const DESCRIBE_SPACE: Action = Action::new("sagemaker:DescribeSpace");
    /// List calls, which SageMaker does not scope to a resource (they need `Resource: "*"`).
    pub const LIST_APPS: Action = Action::new("sagemaker:ListApps");
    pub const LIST_SPACES: Action = Action::new("sagemaker:ListSpaces");
    pub const LIST_USER_PROFILES: Action = Action::new("sagemaker:ListUserProfiles");
    pub const LIST_DOMAINS: Action = Action::new("sagemaker:ListDomains");
    pub const DESCRIBE_NOTEBOOK_INSTANCE: Action =
        Action::new("sagemaker:DescribeNotebookInstance");
    pub const CREATE_PRESIGNED_NOTEBOOK_INSTANCE_URL: Action =
        Action::new("sagemaker:CreatePresignedNotebookInstanceUrl");
    pub const START_NOTEBOOK_INSTANCE: Action = Action::new("sagemaker:StartNotebookInstance");
    pub const STOP_NOTEBOOK_INSTANCE: Action = Action::new("sagemaker:StopNotebookInstance");
    pub const LIST_NOTEBOOK_INSTANCES: Action = Action::new("sagemaker:ListNotebookInstances");
}

#[cfg(test)]
mod tests {
    use super::*;

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
