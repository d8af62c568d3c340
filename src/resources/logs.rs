//! Amazon CloudWatch Logs resource types and action names.

use crate::template::{Handle, Value};

cfn_resource! {
    LogGroup / LogGroupBuilder = "AWS::Logs::LogGroup" {
        optional kms_key_id: Value => "KmsKeyId",
        optional log_group_name: Value => "LogGroupName",
        optional retention_in_days: i64 => "RetentionInDays",
    }
}

impl Handle<LogGroup> {
    /// `Ref` of a log group: its name.
    pub fn name(&self) -> Value {
        self.reference()
    }
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

/// CloudWatch Logs actions.
pub mod actions {
    use crate::resources::iam::policy::Action;

    pub const CREATE_LOG_GROUP: Action = Action::new("logs:CreateLogGroup");
    pub const CREATE_LOG_STREAM: Action = Action::new("logs:CreateLogStream");
    pub const PUT_LOG_EVENTS: Action = Action::new("logs:PutLogEvents");
    pub const DESCRIBE_LOG_STREAMS: Action = Action::new("logs:DescribeLogStreams");
    /// Has no resource-level permissions.
    pub const DESCRIBE_LOG_GROUPS: Action = Action::new("logs:DescribeLogGroups");

    /// What a writer of its own log streams needs.
    pub const WRITE: &[Action] = &[
        CREATE_LOG_GROUP,
        CREATE_LOG_STREAM,
        PUT_LOG_EVENTS,
        DESCRIBE_LOG_STREAMS,
    ];
    /// Writing into an existing log group: its streams and their events.
    pub const WRITE_TO_GROUP: &[Action] = &[CREATE_LOG_STREAM, PUT_LOG_EVENTS];
}
