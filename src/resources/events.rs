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

cfn_enum! {
    /// `State` of `AWS::Events::Rule`; `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`
    /// also matches read-only management events delivered by CloudTrail
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-rule.html>).
    RuleState {
        Disabled => "DISABLED",
        Enabled => "ENABLED",
        EnabledWithAllCloudtrailManagementEvents => "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
    }
}

cfn_resource! {
    Rule / RuleBuilder = "AWS::Events::Rule" {
        optional description: Value => "Description",
        optional event_pattern: Value => "EventPattern",
        optional schedule_expression: Value => "ScheduleExpression",
        optional state: RuleState => "State",
        list targets: Target => "Targets",
    }
}

impl Handle<Rule> {
    /// `Fn::GetAtt` `Arn`: the rule's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_have_the_allowed_values_of_the_resource_reference() {
        assert_allowed_values!(
            RuleState,
            [
                "DISABLED",
                "ENABLED",
                "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
            ]
        );
    }

    #[test]
    fn rule_serializes_the_state_as_its_value() {
        let rule = Rule::builder().state(RuleState::Enabled).build().unwrap();
        assert_eq!(
            serde_json::to_value(Value::Map(crate::template::Resource::into_properties(rule)))
                .unwrap(),
            serde_json::json!({"State": "ENABLED"})
        );
    }
}
