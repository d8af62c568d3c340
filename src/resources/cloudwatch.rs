//! Amazon CloudWatch: alarms (resource types), and the metric action names and condition keys.

use crate::template::{Handle, Value};

cfn_enum! {
    /// `ComparisonOperator` of `AWS::CloudWatch::Alarm`
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html>).
    ComparisonOperator {
        GreaterThanOrEqualToThreshold => "GreaterThanOrEqualToThreshold",
        GreaterThanThreshold => "GreaterThanThreshold",
        GreaterThanUpperThreshold => "GreaterThanUpperThreshold",
        LessThanLowerOrGreaterThanUpperThreshold => "LessThanLowerOrGreaterThanUpperThreshold",
        LessThanLowerThreshold => "LessThanLowerThreshold",
        LessThanOrEqualToThreshold => "LessThanOrEqualToThreshold",
        LessThanThreshold => "LessThanThreshold",
    }
}

cfn_enum! {
    /// `Statistic` of `AWS::CloudWatch::Alarm` (percentiles go in `ExtendedStatistic`).
    Statistic {
        Average => "Average",
        Maximum => "Maximum",
        Minimum => "Minimum",
        SampleCount => "SampleCount",
        Sum => "Sum",
    }
}

cfn_enum! {
    /// `TreatMissingData` of `AWS::CloudWatch::Alarm`: what a period without a data point
    /// counts as (default `missing`).
    TreatMissingData {
        Breaching => "breaching",
        NotBreaching => "notBreaching",
        Ignore => "ignore",
        Missing => "missing",
    }
}

cfn_properties! {
    /// `AWS::CloudWatch::Alarm.Dimension`: one name/value pair of the metric.
    Dimension / DimensionBuilder ("AWS::CloudWatch::Alarm.Dimension") {
        required name: Value => "Name",
        required value: Value => "Value",
    }
}

cfn_resource! {
    Alarm / AlarmBuilder = "AWS::CloudWatch::Alarm" {
        list alarm_actions: Value => "AlarmActions",
        optional alarm_description: Value => "AlarmDescription",
        required comparison_operator: ComparisonOperator => "ComparisonOperator",
        optional datapoints_to_alarm: i64 => "DatapointsToAlarm",
        list dimensions: Dimension => "Dimensions",
        required evaluation_periods: i64 => "EvaluationPeriods",
        optional metric_name: Value => "MetricName",
        optional namespace: Value => "Namespace",
        list ok_actions: Value => "OKActions",
        optional period: i64 => "Period",
        optional statistic: Statistic => "Statistic",
        /// A Double in the reference; the thresholds written here are counts.
        optional threshold: i64 => "Threshold",
        optional treat_missing_data: TreatMissingData => "TreatMissingData",
    }
}

impl Handle<Alarm> {
    /// `Fn::GetAtt` `Arn`: the alarm's ARN (what CloudWatch names as `aws:SourceArn`
    /// when it publishes the alarm's notifications).
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

/// CloudWatch actions.
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// Publishes metric data points; no resource-level permissions, but the
    /// `cloudwatch:namespace` key ([`super::keys::NAMESPACE`]).
    pub const PUT_METRIC_DATA: Action = Action::new("cloudwatch:PutMetricData");
}

/// CloudWatch condition keys.
pub mod keys {
    use crate::resources::iam::policy::ConditionKey;

    /// The namespace of `PutMetricData` (String).
    pub const NAMESPACE: ConditionKey = ConditionKey::single("cloudwatch:namespace");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_have_the_allowed_values_of_the_resource_reference() {
        assert_allowed_values!(
            ComparisonOperator,
            [
                "GreaterThanOrEqualToThreshold",
                "GreaterThanThreshold",
                "GreaterThanUpperThreshold",
                "LessThanLowerOrGreaterThanUpperThreshold",
                "LessThanLowerThreshold",
                "LessThanOrEqualToThreshold",
                "LessThanThreshold"
            ]
        );
        assert_allowed_values!(
            Statistic,
            ["Average", "Maximum", "Minimum", "SampleCount", "Sum"]
        );
        assert_allowed_values!(
            TreatMissingData,
            ["breaching", "notBreaching", "ignore", "missing"]
        );
    }

    #[test]
    fn an_alarm_needs_its_comparison_and_evaluation_periods() {
        let err = Alarm::builder().evaluation_periods(1).build().unwrap_err();
        assert_eq!(err.property, "ComparisonOperator");
        let err = Alarm::builder()
            .comparison_operator(ComparisonOperator::GreaterThanThreshold)
            .build()
            .unwrap_err();
        assert_eq!(err.property, "EvaluationPeriods");
    }
}
