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

#[cfg(test)]
mod tests {
    use crate::constructs::grants::testing::{fixture, getatt, granted, refused};
    use crate::resources::sqs::actions;
    use serde_json::json;

    #[test]
    fn send_and_consume() {
        let queue = fixture().queue;
        assert_eq!(
            granted(queue.grant_send_messages()),
            json!([{"Sid": "DeadLetterQueueSendMessages", "Effect": "Allow",
                    "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                    "Resource": [getatt("DeadLetterQueue", "Arn")]}])
        );
        assert_eq!(
            granted(queue.grant_consume_messages()),
            json!([{"Sid": "DeadLetterQueueConsumeMessages", "Effect": "Allow",
                    "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                               "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                    "Resource": [getatt("DeadLetterQueue", "Arn")]}])
        );
    }

    #[test]
    fn a_dead_letter_queue_needs_send_message_alone() {
        assert_eq!(
            granted(
                fixture()
                    .queue
                    .grant_send_messages()
                    .only([&actions::SEND_MESSAGE])
                    .sid("SendFailedEventsToTheDeadLetterQueue")
            ),
            json!([{"Sid": "SendFailedEventsToTheDeadLetterQueue", "Effect": "Allow",
                    "Action": ["sqs:SendMessage"], "Resource": [getatt("DeadLetterQueue", "Arn")]}])
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let queue = fixture().queue;
        let err = refused(
            queue
                .grant_send_messages()
                .only([&actions::RECEIVE_MESSAGE]),
        );
        assert!(
            err.starts_with("send messages to queue `DeadLetterQueue`: `sqs:ReceiveMessage` is not an action of this grant"),
            "{err}"
        );
        let err = refused(queue.grant_consume_messages().sid("Dead-Letters"));
        assert!(err.contains("Sid `Dead-Letters`"), "{err}");
    }
}
