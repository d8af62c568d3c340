//! Amazon EventBridge resource types.

use crate::template::{Handle, Value};

cfn_properties! {
    /// `AWS::Events::Rule.RetryPolicy`.
    RetryPolicy / RetryPolicyBuilder ("AWS::Events::Rule.RetryPolicy") {
        optional maximum_event_age_in_seconds: i64 => "MaximumEventAgeInSeconds",
        optional maximum_retry_attempts: i64 => "MaximumRetryAttempts",
    }
}

cfn_properties! {
    /// `AWS::Events::Rule.DeadLetterConfig`.
    DeadLetterConfig / DeadLetterConfigBuilder ("AWS::Events::Rule.DeadLetterConfig") {
        optional arn: Value => "Arn",
    }
}

cfn_properties! {
    /// `AWS::Events::Rule.Target`.
    Target / TargetBuilder ("AWS::Events::Rule.Target") {
        required arn: Value => "Arn",
        optional dead_letter_config: DeadLetterConfig => "DeadLetterConfig",
        required id: Value => "Id",
        optional retry_policy: RetryPolicy => "RetryPolicy",
    }
}

cfn_resource! {
    Rule / RuleBuilder = "AWS::Events::Rule" {
        optional description: Value => "Description",
        optional event_pattern: Value => "EventPattern",
        optional state: Value => "State",
        list targets: Target => "Targets",
    }
}

impl Handle<Rule> {
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}
