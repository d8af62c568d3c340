//! Amazon SQS resource types.

use crate::template::{Handle, Value};

use super::iam::policy::PolicyDocument;

cfn_resource! {
    Queue / QueueBuilder = "AWS::SQS::Queue" {
        optional kms_master_key_id: Value => "KmsMasterKeyId",
        optional message_retention_period: i64 => "MessageRetentionPeriod",
        optional sqs_managed_sse_enabled: bool => "SqsManagedSseEnabled",
    }
}

impl Handle<Queue> {
    /// `Ref` of a queue: its URL.
    pub fn url(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `Arn`: the queue's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
    /// `Fn::GetAtt` `QueueName`: the queue's name, the `QueueName` dimension of its
    /// CloudWatch metrics.
    pub fn name(&self) -> Value {
        self.attribute("QueueName")
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

    /// Sends a message (also authorizes SendMessageBatch).
    pub const SEND_MESSAGE: Action = Action::new("sqs:SendMessage");
    /// Reads the queue's attributes (SDKs read its ARN and limits).
    pub const GET_QUEUE_ATTRIBUTES: Action = Action::new("sqs:GetQueueAttributes");
    /// Finds the queue's URL from its name.
    pub const GET_QUEUE_URL: Action = Action::new("sqs:GetQueueUrl");
    /// Receives messages, which hides them for the visibility timeout.
    pub const RECEIVE_MESSAGE: Action = Action::new("sqs:ReceiveMessage");
    /// Also authorizes DeleteMessageBatch.
    pub const DELETE_MESSAGE: Action = Action::new("sqs:DeleteMessage");
    /// Also authorizes ChangeMessageVisibilityBatch.
    pub const CHANGE_MESSAGE_VISIBILITY: Action = Action::new("sqs:ChangeMessageVisibility");

    /// Sending messages (SendMessage also authorizes SendMessageBatch), and finding the
    /// queue.
    pub const SEND_MESSAGES: &[Action] = &[SEND_MESSAGE, GET_QUEUE_ATTRIBUTES, GET_QUEUE_URL];
    /// Receiving and deleting messages, extending their visibility timeout, and finding
    /// the queue.
    pub const CONSUME_MESSAGES: &[Action] = &[
        RECEIVE_MESSAGE,
        DELETE_MESSAGE,
        CHANGE_MESSAGE_VISIBILITY,
        GET_QUEUE_ATTRIBUTES,
        GET_QUEUE_URL,
    ];
}
