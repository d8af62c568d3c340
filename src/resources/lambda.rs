//! AWS Lambda resource types.

use crate::template::{Handle, Value};

cfn_properties! {
    /// `AWS::Lambda::Function.Code`: here always inline (`ZipFile`, Python or Node.js).
    Code / CodeBuilder ("AWS::Lambda::Function.Code") {
        optional zip_file: Value => "ZipFile",
    }
}

cfn_properties! {
    /// `AWS::Lambda::Function.DeadLetterConfig`.
    DeadLetterConfig / DeadLetterConfigBuilder ("AWS::Lambda::Function.DeadLetterConfig") {
        optional target_arn: Value => "TargetArn",
    }
}

cfn_properties! {
    /// `AWS::Lambda::Function.Environment`.
    Environment / EnvironmentBuilder ("AWS::Lambda::Function.Environment") {
        optional variables: Value => "Variables",
    }
}

cfn_enum! {
    /// `LogFormat` of `AWS::Lambda::Function.LoggingConfig`: plain text, or structured
    /// JSON (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-loggingconfig.html>).
    LogFormat {
        Text => "Text",
        Json => "JSON",
    }
}

cfn_properties! {
    /// `AWS::Lambda::Function.LoggingConfig`.
    LoggingConfig / LoggingConfigBuilder ("AWS::Lambda::Function.LoggingConfig") {
        optional log_format: LogFormat => "LogFormat",
        optional log_group: Value => "LogGroup",
    }
}

cfn_properties! {
    /// `AWS::Lambda::Function.VpcConfig`: the subnets and security groups of the network
    /// interfaces Lambda creates for the function in a VPC (at most 16 subnets and 5 groups;
    /// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-vpcconfig.html>).
    VpcConfig / VpcConfigBuilder ("AWS::Lambda::Function.VpcConfig") {
        optional ipv6_allowed_for_dual_stack: bool => "Ipv6AllowedForDualStack",
        list security_group_ids: Value => "SecurityGroupIds",
        list subnet_ids: Value => "SubnetIds",
    }
}

cfn_resource! {
    Function / FunctionBuilder = "AWS::Lambda::Function" {
        required code: Code => "Code",
        optional dead_letter_config: DeadLetterConfig => "DeadLetterConfig",
        optional description: Value => "Description",
        optional environment: Environment => "Environment",
        optional handler: Value => "Handler",
        optional kms_key_arn: Value => "KmsKeyArn",
        optional logging_config: LoggingConfig => "LoggingConfig",
        optional memory_size: i64 => "MemorySize",
        optional reserved_concurrent_executions: i64 => "ReservedConcurrentExecutions",
        required role: Value => "Role",
        optional runtime: Value => "Runtime",
        optional timeout: i64 => "Timeout",
        optional vpc_config: VpcConfig => "VpcConfig",
    }
}

impl Handle<Function> {
    /// `Ref` of a function: its name.
    pub fn name(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `Arn`: the function's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

cfn_resource! {
    Permission / PermissionBuilder = "AWS::Lambda::Permission" {
        required action: Value => "Action",
        required function_name: Value => "FunctionName",
        required principal: Value => "Principal",
        optional source_account: Value => "SourceAccount",
        optional source_arn: Value => "SourceArn",
    }
}

/// Lambda actions (Service Authorization Reference, "Actions, resources, and condition
/// keys for AWS Lambda": `InvokeFunction` on the `function` resource).
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// Invokes a function (synchronously or, with `InvocationType: Event`, asynchronously).
    pub const INVOKE_FUNCTION: Action = Action::new("lambda:InvokeFunction");
}

/// The Python runtime of new functions (a current one: see LAMBDA-RUNTIME-CURRENT).
pub const PYTHON_RUNTIME: &str = "python3.13";

/// Lambda's limit on a function's environment variables, names and values together.
pub const MAX_ENVIRONMENT_BYTES: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_have_the_allowed_values_of_the_resource_reference() {
        assert_allowed_values!(LogFormat, ["Text", "JSON"]);
    }

    #[test]
    fn logging_config_serializes_the_format_as_its_value() {
        let config = LoggingConfig::builder()
            .log_format(LogFormat::Json)
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(Value::from(config)).unwrap(),
            serde_json::json!({"LogFormat": "JSON"})
        );
    }
}
