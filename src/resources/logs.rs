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
    /// `Fn::GetAtt` `Arn`: the log group's ARN, which ends in `:*` (its streams).
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

/// CloudWatch Logs actions.
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// Creates a log group (Lambda creates its function's group on first write if missing).
    pub const CREATE_LOG_GROUP: Action = Action::new("logs:CreateLogGroup");
    /// Creates a stream in a log group.
    pub const CREATE_LOG_STREAM: Action = Action::new("logs:CreateLogStream");
    /// Writes events to a stream.
    pub const PUT_LOG_EVENTS: Action = Action::new("logs:PutLogEvents");
    /// Lists a group's streams (some agents check before writing).
    pub const DESCRIBE_LOG_STREAMS: Action = Action::new("logs:DescribeLogStreams");
    /// Reads a stream's events.
    pub const GET_LOG_EVENTS: Action = Action::new("logs:GetLogEvents");
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
