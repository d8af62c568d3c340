//! Amazon CloudWatch (metrics) action names and condition keys.

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
