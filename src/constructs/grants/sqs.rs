//! Grants on SQS queues: sending and consuming messages.

use crate::resources::sqs::{Queue, actions};
use crate::template::Handle;

use super::grant::{Grant, default_sid};

impl Handle<Queue> {
    /// `sqs:SendMessage` (which also authorizes `SendMessageBatch`),
    /// `sqs:GetQueueAttributes`, `sqs:GetQueueUrl` on the queue (Sid
    /// `<Queue>SendMessages`).
    ///
    /// A Lambda function or an EventBridge target delivering to a dead-letter queue
    /// needs `sqs:SendMessage` alone: `.only([&sqs::actions::SEND_MESSAGE])`.
    pub fn grant_send_messages(&self) -> Grant {
        Grant::new(format!("send messages to queue `{}`", self.logical_id())).statement(
            default_sid(self.logical_id(), "SendMessages"),
            actions::SEND_MESSAGES,
            [self.arn()],
        )
    }

    /// `sqs:ReceiveMessage`, `sqs:DeleteMessage`, `sqs:ChangeMessageVisibility` (the
    /// last two also authorize their batch forms), `sqs:GetQueueAttributes`,
    /// `sqs:GetQueueUrl` on the queue (Sid `<Queue>ConsumeMessages`).
    pub fn grant_consume_messages(&self) -> Grant {
        Grant::new(format!("consume messages of queue `{}`", self.logical_id())).statement(
            default_sid(self.logical_id(), "ConsumeMessages"),
            actions::CONSUME_MESSAGES,
            [self.arn()],
        )
    }
}
