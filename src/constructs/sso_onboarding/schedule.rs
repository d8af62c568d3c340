//! The scheduled full reconciliation and the metrics every run publishes.
//!
//! The schedule is an `AWS::Events::Rule` with a rate `ScheduleExpression`, not an
//! `AWS::Scheduler::Schedule`: a rule invokes the function through a resource-based
//! permission bound to the rule's ARN, with the same retry policy and dead-letter queue as
//! the event rules, and needs no role of its own that Scheduler would assume. A rate
//! expression "starts when you create the scheduled event rule"
//! (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html>), so
//! the first run, which is also the backfill of users already in mapped groups, comes one
//! interval after the first deployment; the README gives the one-off invocation that runs
//! it at once.

use crate::resources::events::{self, Rule};
use crate::resources::iam::policy::{Action, Condition, ConditionKey, Statement};
use crate::resources::lambda::{Function, Permission};
use crate::resources::sqs::Queue;
use crate::template::{Handle, Pseudo, Value};

use super::super::ConstructError;
use super::super::onboarding_metrics as metrics;
use super::super::scope::Scope;

/// The shortest interval: a full run lists every user and profile, and a run cut short by
/// the function's timeout leaves the rest to the next one.
pub const MIN_MINUTES: u32 = 5;
/// The longest interval: a missed event is fixed, and an offboarding grace ends, within a
/// day at most.
pub const MAX_MINUTES: u32 = 24 * 60;

const PUT_METRIC_DATA: Action = Action::new("cloudwatch:PutMetricData");
/// `cloudwatch:namespace`, the only condition key `PutMetricData` supports besides
/// request tags (Service Authorization Reference, Amazon CloudWatch).
const NAMESPACE_KEY: ConditionKey = ConditionKey::single("cloudwatch:namespace");

/// EventBridge's rate expression for an interval in minutes: the largest whole unit, with
/// the singular unit for 1 (`rate(1 hour)`, `rate(90 minutes)`), as the rate-expression
/// reference requires.
pub fn rate_expression(minutes: u32) -> String {
    let (value, unit) = if minutes.is_multiple_of(24 * 60) {
        (minutes / (24 * 60), "day")
    } else if minutes.is_multiple_of(60) {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    let plural = if value == 1 { "" } else { "s" };
    format!("rate({value} {unit}{plural})")
}

/// `<Kind>Schedule` and `<Kind>SchedulePermission`: the rule that runs the function's
/// full reconciliation every `minutes`, parking what it cannot deliver in the queue.
pub(super) fn add(
    scope: &mut Scope,
    name: &str,
    function: &Handle<Function>,
    queue: &Handle<Queue>,
    minutes: u32,
) -> Result<Handle<Rule>, ConstructError> {
    let rule = scope.add(
        &format!("{name}Schedule"),
        Rule::builder()
            .description(format!(
                "{name}: full reconciliation of every user from the Identity Store"
            ))
            .schedule_expression(rate_expression(minutes))
            .state(events::RuleState::Enabled)
            .targets(super::function_target(
                name,
                function,
                queue,
                2,
                i64::from(minutes.min(60)) * 60,
            )?)
            .build()?,
    )?;
    scope.add(
        &format!("{name}SchedulePermission"),
        Permission::builder()
            .action("lambda:InvokeFunction")
            .function_name(function.arn())
            .principal("events.amazonaws.com")
            .source_arn(rule.arn())
            .build()?,
    )?;
    Ok(rule)
}

/// Publishing the run's counts, in the onboarding namespace only.
pub(super) fn metric_statement() -> Statement {
    Statement::allow()
        .sid("PublishOnlyOnboardingMetrics")
        .actions([&PUT_METRIC_DATA])
        .any_resource()
        .condition(Condition::string_equals(
            NAMESPACE_KEY,
            [Value::from(metrics::NAMESPACE)],
        ))
}

/// The metric names the code publishes, from [`metrics`] (so an alarm on them watches what
/// the code writes), and the offboarding grace.
pub(super) fn environment(grace_days: u32) -> Vec<(&'static str, Value)> {
    vec![
        (
            "OFFBOARDING_GRACE_DAYS",
            Value::from(grace_days.to_string()),
        ),
        ("METRIC_NAMESPACE", Value::from(metrics::NAMESPACE)),
        ("METRIC_DIMENSION", Value::from(metrics::STACK_DIMENSION)),
        ("METRIC_STACK_NAME", Value::from(Pseudo::StackName)),
        (
            "METRIC_PROFILES_FIXED",
            Value::from(metrics::PROFILES_FIXED),
        ),
        (
            "METRIC_PROFILES_QUARANTINED",
            Value::from(metrics::PROFILES_QUARANTINED),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_expressions_use_the_largest_whole_unit_and_the_singular_for_one() {
        assert_eq!(rate_expression(5), "rate(5 minutes)");
        assert_eq!(rate_expression(1), "rate(1 minute)");
        assert_eq!(rate_expression(60), "rate(1 hour)");
        assert_eq!(rate_expression(90), "rate(90 minutes)");
        assert_eq!(rate_expression(120), "rate(2 hours)");
        assert_eq!(rate_expression(1440), "rate(1 day)");
    }

    #[test]
    fn metrics_are_granted_in_the_onboarding_namespace_only() {
        let s = serde_json::to_value(metric_statement().to_value()).unwrap();
        assert_eq!(s["Action"], serde_json::json!(["cloudwatch:PutMetricData"]));
        assert_eq!(
            s["Condition"]["StringEquals"]["cloudwatch:namespace"],
            metrics::NAMESPACE
        );
    }

    #[test]
    fn the_environment_names_the_metrics_of_onboarding_metrics() {
        let env = environment(7);
        let get = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
        assert_eq!(
            get("METRIC_PROFILES_FIXED"),
            Some(Value::from(metrics::PROFILES_FIXED))
        );
        assert_eq!(
            get("METRIC_STACK_NAME"),
            Some(Value::from(Pseudo::StackName))
        );
        assert_eq!(get("OFFBOARDING_GRACE_DAYS"), Some(Value::from("7")));
    }
}
