//! AWS CloudFormation resource types: nested stacks, and a StackSet that rolls a
//! template out to the accounts of an organization.

use crate::template::{Handle, Value};

cfn_resource! {
    /// A nested stack: CloudFormation creates the template at `TemplateURL` as a stack of
    /// its own, passing it `Parameters`. `aws cloudformation package` uploads a local
    /// template file named there and rewrites the property to its S3 URL.
    Stack / StackBuilder = "AWS::CloudFormation::Stack" {
        optional parameters: Value => "Parameters",
        required template_url: Value => "TemplateURL",
        optional timeout_in_minutes: i64 => "TimeoutInMinutes",
    }
}

cfn_resource! {
    /// The Studio cleanup, a custom resource
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html>:
    /// `ServiceToken`, the function's ARN, of the stack's region and not updatable;
    /// `ServiceTimeout`, 1 to 3600 seconds, default 3600). The other properties are the
    /// function's (`constructs::studio_cleanup`): what `Kind` of thing to empty before
    /// CloudFormation deletes it, and where. Referencing the profile or domain makes
    /// CloudFormation delete this resource, and so run the cleanup, before it.
    StudioCleanup / StudioCleanupBuilder = "Custom::StudioCleanup" {
        required service_token: Value => "ServiceToken",
        optional service_timeout: i64 => "ServiceTimeout",
        required kind: Value => "Kind",
        optional domain_id: Value => "DomainId",
        optional bucket_name: Value => "BucketName",
        optional user_profile_name: Value => "UserProfileName",
        optional user_profile_arn: Value => "UserProfileArn",
        optional home_efs_file_system_id: Value => "HomeEfsFileSystemId",
        optional home_storage_on_delete: Value => "HomeStorageOnDelete",
        optional ownership_tag_key: Value => "OwnershipTagKey",
        optional offboard_after: Value => "OffboardAfter",
        optional vpc_id: Value => "VpcId",
    }
}

impl Handle<Stack> {
    /// `Ref` of a nested stack: its stack ID (an ARN).
    pub fn stack_id(&self) -> Value {
        self.reference()
    }
}

cfn_properties! {
    /// `AWS::CloudFormation::StackSet.AutoDeployment`: new accounts of a target OU get
    /// the stack; `RetainStacksOnAccountRemoval` says what happens when one leaves, and
    /// the reference allows it only with `Enabled: true`, so both are optional
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudformation-stackset-autodeployment.html>).
    AutoDeployment / AutoDeploymentBuilder ("AWS::CloudFormation::StackSet.AutoDeployment") {
        optional enabled: bool => "Enabled",
        optional retain_stacks_on_account_removal: bool => "RetainStacksOnAccountRemoval",
    }
}

cfn_enum! {
    /// `RegionConcurrencyType` of `AWS::CloudFormation::StackSet.OperationPreferences`:
    /// one region at a time, or all at once
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudformation-stackset-operationpreferences.html>).
    RegionConcurrencyType {
        Sequential => "SEQUENTIAL",
        Parallel => "PARALLEL",
    }
}

cfn_properties! {
    /// `AWS::CloudFormation::StackSet.OperationPreferences`.
    OperationPreferences / OperationPreferencesBuilder ("AWS::CloudFormation::StackSet.OperationPreferences") {
        optional failure_tolerance_percentage: i64 => "FailureTolerancePercentage",
        optional max_concurrent_percentage: i64 => "MaxConcurrentPercentage",
        optional region_concurrency_type: RegionConcurrencyType => "RegionConcurrencyType",
    }
}

cfn_enum! {
    /// `AccountFilterType` of `AWS::CloudFormation::StackSet.DeploymentTargets`: how
    /// `Accounts` combines with `OrganizationalUnitIds` (`NONE`: every account of the OUs;
    /// `INTERSECTION`: only the accounts named; `DIFFERENCE`: the OUs but those accounts;
    /// `UNION`: the OUs and those accounts, which a stack set resource cannot create)
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudformation-stackset-deploymenttargets.html>).
    AccountFilterType {
        None => "NONE",
        Union => "UNION",
        Intersection => "INTERSECTION",
        Difference => "DIFFERENCE",
    }
}

cfn_properties! {
    /// `AWS::CloudFormation::StackSet.DeploymentTargets`.
    DeploymentTargets / DeploymentTargetsBuilder ("AWS::CloudFormation::StackSet.DeploymentTargets") {
        optional account_filter_type: AccountFilterType => "AccountFilterType",
        list accounts: Value => "Accounts",
        list organizational_unit_ids: Value => "OrganizationalUnitIds",
    }
}

cfn_properties! {
    /// `AWS::CloudFormation::StackSet.Parameter`: a parameter value of the stack set, or
    /// an override for one group of stack instances.
    StackSetParameter / StackSetParameterBuilder ("AWS::CloudFormation::StackSet.Parameter") {
        required parameter_key: Value => "ParameterKey",
        required parameter_value: Value => "ParameterValue",
    }
}

cfn_properties! {
    /// `AWS::CloudFormation::StackSet.StackInstances`: where stacks are created.
    StackInstances / StackInstancesBuilder ("AWS::CloudFormation::StackSet.StackInstances") {
        required deployment_targets: DeploymentTargets => "DeploymentTargets",
        list parameter_overrides: StackSetParameter => "ParameterOverrides",
        list regions: Value => "Regions",
    }
}

cfn_enum! {
    /// `CallAs` of `AWS::CloudFormation::StackSet`: the management account itself, or a
    /// delegated administrator (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stackset.html>).
    CallAs {
        /// `SELF` (named as aws-sdk-rust names it: `Self` is a Rust keyword).
        SelfValue => "SELF",
        DelegatedAdmin => "DELEGATED_ADMIN",
    }
}

cfn_enum! {
    /// One of the `Capabilities` of `AWS::CloudFormation::StackSet`: what the member
    /// template may do that CloudFormation asks to acknowledge
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stackset.html>).
    Capability {
        CapabilityIam => "CAPABILITY_IAM",
        CapabilityNamedIam => "CAPABILITY_NAMED_IAM",
        CapabilityAutoExpand => "CAPABILITY_AUTO_EXPAND",
    }
}

cfn_enum! {
    /// `PermissionModel` of `AWS::CloudFormation::StackSet`: roles created by
    /// Organizations, or roles the administrator created
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stackset.html>).
    PermissionModel {
        ServiceManaged => "SERVICE_MANAGED",
        SelfManaged => "SELF_MANAGED",
    }
}

cfn_resource! {
    StackSet / StackSetBuilder = "AWS::CloudFormation::StackSet" {
        optional auto_deployment: AutoDeployment => "AutoDeployment",
        optional call_as: CallAs => "CallAs",
        list capabilities: Capability => "Capabilities",
        optional description: Value => "Description",
        optional managed_execution: Value => "ManagedExecution",
        optional operation_preferences: OperationPreferences => "OperationPreferences",
        list parameters: StackSetParameter => "Parameters",
        required permission_model: PermissionModel => "PermissionModel",
        list stack_instances_group: StackInstances => "StackInstancesGroup",
        required stack_set_name: Value => "StackSetName",
        optional template_body: Value => "TemplateBody",
        optional template_url: Value => "TemplateURL",
    }
}

impl Handle<StackSet> {
    /// `Ref` of a stack set: its id.
    pub fn id(&self) -> Value {
        self.reference()
    }
}

/// The largest `TemplateBody` a stack set accepts (bytes).
pub const MAX_STACK_SET_TEMPLATE_BODY: usize = 51_200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_have_the_allowed_values_of_the_resource_reference() {
        assert_allowed_values!(RegionConcurrencyType, ["SEQUENTIAL", "PARALLEL"]);
        assert_allowed_values!(
            AccountFilterType,
            ["NONE", "UNION", "INTERSECTION", "DIFFERENCE"]
        );
        assert_allowed_values!(CallAs, ["SELF", "DELEGATED_ADMIN"]);
        assert_allowed_values!(
            Capability,
            [
                "CAPABILITY_IAM",
                "CAPABILITY_NAMED_IAM",
                "CAPABILITY_AUTO_EXPAND"
            ]
        );
        assert_allowed_values!(PermissionModel, ["SERVICE_MANAGED", "SELF_MANAGED"]);
    }

    #[test]
    fn a_builder_keeps_each_property_in_its_own_place() {
        // Setters in another order than declared; a list setter appends; a required
        // property left out is named by `build`.
        let cleanup = StudioCleanup::builder()
            .user_profile_name("alice")
            .kind("UserProfile")
            .service_token("arn:token")
            .domain_id("d-1");
        let debug = format!("{cleanup:?}");
        assert!(
            debug.starts_with("StudioCleanupBuilder { service_token: Some("),
            "{debug}"
        );
        assert!(debug.contains("user_profile_name: Some("), "{debug}");
        let json = serde_json::to_value(Value::Map(crate::template::Resource::into_properties(
            cleanup.build().unwrap(),
        )))
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"ServiceToken": "arn:token", "Kind": "UserProfile",
                "DomainId": "d-1", "UserProfileName": "alice"})
        );
        assert_eq!(
            serde_json::to_string(&json).unwrap(),
            r#"{"ServiceToken":"arn:token","Kind":"UserProfile","DomainId":"d-1","UserProfileName":"alice"}"#,
            "declaration order"
        );
        let missing = StudioCleanup::builder().kind("Bucket").build().unwrap_err();
        assert_eq!(missing.property, "ServiceToken");
    }

    #[test]
    fn stack_set_serializes_enums_as_their_values() {
        let stack_set = StackSet::builder()
            .call_as(CallAs::DelegatedAdmin)
            .capabilities(Capability::CapabilityNamedIam)
            .capabilities(Capability::CapabilityAutoExpand)
            .operation_preferences(
                OperationPreferences::builder()
                    .region_concurrency_type(RegionConcurrencyType::Sequential)
                    .build()
                    .unwrap(),
            )
            .permission_model(PermissionModel::ServiceManaged)
            .stack_instances_group(
                StackInstances::builder()
                    .deployment_targets(
                        DeploymentTargets::builder()
                            .account_filter_type(AccountFilterType::Intersection)
                            .accounts("111122223333")
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .stack_set_name("s")
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(Value::Map(crate::template::Resource::into_properties(
                stack_set
            )))
            .unwrap(),
            serde_json::json!({
                "CallAs": "DELEGATED_ADMIN",
                "Capabilities": ["CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
                "OperationPreferences": {"RegionConcurrencyType": "SEQUENTIAL"},
                "PermissionModel": "SERVICE_MANAGED",
                "StackInstancesGroup": [{"DeploymentTargets": {
                    "AccountFilterType": "INTERSECTION",
                    "Accounts": ["111122223333"]
                }}],
                "StackSetName": "s"
            })
        );
    }
}
