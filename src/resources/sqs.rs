//! Amazon SQS resource types.

use crate::template::{Handle, Value};

use super::iam::policy::PolicyDocument;

cfn_resource! {
    Queue / QueueBuilder = "AWS::SQS::Queue" {
        optional message_retention_period: i64 => "MessageRetentionPeriod",
        optional sqs_managed_sse_enabled: bool => "SqsManagedSseEnabled",
    }
}

impl Handle<Queue> {
    /// `Ref` of a queue: its URL.
    pub fn url(&self) -> Value {
        self.reference()
    }
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

cfn_resource! {
    QueuePolicy / QueuePolicyBuilder = "AWS::SQS::QueuePolicy" {
        required policy_document: PolicyDocument => "PolicyDocument",
        list queues: Value => "Queues",
    }
}

/// SQS actions.
pub mod actions {
    use crate::resources::iam::policy::Action;

    pub const SEND_MESSAGE: Action = Action::new("sqs:SendMessage");
}
