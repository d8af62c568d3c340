//! Amazon SNS resource types and action names.

use crate::template::{Handle, Value};

use super::iam::policy::PolicyDocument;

cfn_resource! {
    Topic / TopicBuilder = "AWS::SNS::Topic" {
        optional display_name: Value => "DisplayName",
        optional kms_master_key_id: Value => "KmsMasterKeyId",
        optional topic_name: Value => "TopicName",
    }
}

impl Handle<Topic> {
    /// `Ref` of a topic: its ARN.
    pub fn arn(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `TopicName`: the topic's name.
    pub fn name(&self) -> Value {
        self.attribute("TopicName")
    }
}

cfn_resource! {
    TopicPolicy / TopicPolicyBuilder = "AWS::SNS::TopicPolicy" {
        required policy_document: PolicyDocument => "PolicyDocument",
        list topics: Value => "Topics",
    }
}

cfn_enum! {
    /// The `Protocol` values of `AWS::SNS::Subscription` this crate subscribes with (the
    /// Subscribe API lists more: http, https, email-json, sms, sqs, application, lambda,
    /// firehose), <https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html>.
    SubscriptionProtocol {
        Email => "email",
    }
}

cfn_resource! {
    Subscription / SubscriptionBuilder = "AWS::SNS::Subscription" {
        optional endpoint: Value => "Endpoint",
        required protocol: SubscriptionProtocol => "Protocol",
        required topic_arn: Value => "TopicArn",
    }
}

/// Amazon SNS actions.
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// Sends a message to a topic's subscribers.
    pub const PUBLISH: Action = Action::new("sns:Publish");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_needs_its_topic_and_protocol() {
        let err = Subscription::builder()
            .protocol(SubscriptionProtocol::Email)
            .build()
            .unwrap_err();
        assert_eq!(err.property, "TopicArn");
        let err = Subscription::builder()
            .topic_arn("arn")
            .build()
            .unwrap_err();
        assert_eq!(err.property, "Protocol");
    }
}
