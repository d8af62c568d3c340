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

impl Handle<Stack> {
    /// `Ref` of a nested stack: its stack ID (an ARN).
    pub fn stack_id(&self) -> Value {
        self.reference()
    }
}

cfn_properties! {
    /// `AWS::CloudFormation::StackSet.AutoDeployment`: new accounts of a target OU get
    /// the stack; `RetainStacksOnAccountRemoval` says what happens when one leaves.
    AutoDeployment / AutoDeploymentBuilder ("AWS::CloudFormation::StackSet.AutoDeployment") {
        required enabled: bool => "Enabled",
        required retain_stacks_on_account_removal: bool => "RetainStacksOnAccountRemoval",
    }
}

cfn_properties! {
    /// `AWS::CloudFormation::StackSet.OperationPreferences`.
    OperationPreferences / OperationPreferencesBuilder ("AWS::CloudFormation::StackSet.OperationPreferences") {
        optional failure_tolerance_percentage: i64 => "FailureTolerancePercentage",
        optional max_concurrent_percentage: i64 => "MaxConcurrentPercentage",
        optional region_concurrency_type: Value => "RegionConcurrencyType",
    }
}

cfn_properties! {
    /// `AWS::CloudFormation::StackSet.DeploymentTargets`.
    DeploymentTargets / DeploymentTargetsBuilder ("AWS::CloudFormation::StackSet.DeploymentTargets") {
        optional account_filter_type: Value => "AccountFilterType",
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

cfn_resource! {
    StackSet / StackSetBuilder = "AWS::CloudFormation::StackSet" {
        optional auto_deployment: AutoDeployment => "AutoDeployment",
        optional call_as: Value => "CallAs",
        list capabilities: Value => "Capabilities",
        optional description: Value => "Description",
        optional managed_execution: Value => "ManagedExecution",
        optional operation_preferences: OperationPreferences => "OperationPreferences",
        list parameters: StackSetParameter => "Parameters",
        required permission_model: Value => "PermissionModel",
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
