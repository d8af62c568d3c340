//! AWS Systems Manager resource types.

use crate::template::{Handle, Value};

cfn_enum! {
    /// `Type` of `AWS::SSM::Parameter`: CloudFormation creates no `SecureString`
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html>).
    ParameterType {
        String => "String",
        StringList => "StringList",
    }
}

cfn_enum! {
    /// `Tier` of `AWS::SSM::Parameter` (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html>).
    ParameterTier {
        Standard => "Standard",
        Advanced => "Advanced",
        IntelligentTiering => "Intelligent-Tiering",
    }
}

cfn_resource! {
    /// A Parameter Store parameter (moto, like CloudFormation, needs the `Name`).
    Parameter / ParameterBuilder = "AWS::SSM::Parameter" {
        optional description: Value => "Description",
        required name: Value => "Name",
        required parameter_type: ParameterType => "Type",
        optional tier: ParameterTier => "Tier",
        required value: Value => "Value",
    }
}

cfn_resource! {
    /// A Systems Manager document (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-document.html>).
    /// `Name` and `DocumentType` are create-only; with a fixed `Name`, `UpdateMethod:
    /// NewVersion` lets a content change update the document in place (a replacement
    /// would need a second document of the same name).
    Document / DocumentBuilder = "AWS::SSM::Document" {
        required content: Value => "Content",
        optional document_format: Value => "DocumentFormat",
        optional document_type: Value => "DocumentType",
        optional name: Value => "Name",
        optional update_method: Value => "UpdateMethod",
    }
}

impl Handle<Document> {
    /// `Ref` of a document: its name.
    pub fn name(&self) -> Value {
        self.reference()
    }
}

impl Handle<Parameter> {
    /// `Ref` of a parameter: its name.
    pub fn name(&self) -> Value {
        self.reference()
    }
}

/// SSM actions.
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// Reads one parameter by name.
    pub const GET_PARAMETER: Action = Action::new("ssm:GetParameter");
    /// Reads up to 10 parameters by name.
    pub const GET_PARAMETERS: Action = Action::new("ssm:GetParameters");
    /// Authorized against the path in the request, not the parameters it returns.
    pub const GET_PARAMETERS_BY_PATH: Action = Action::new("ssm:GetParametersByPath");

    /// Starts a Session Manager session: authorized against the target instance and the
    /// Session document.
    pub const START_SESSION: Action = Action::new("ssm:StartSession");
    /// Ends a session (`session/<user id>-*`).
    pub const TERMINATE_SESSION: Action = Action::new("ssm:TerminateSession");
    /// Reconnects to a session (`session/<user id>-*`).
    pub const RESUME_SESSION: Action = Action::new("ssm:ResumeSession");
    /// The SSM Agent reports its instance (ping, platform, agent version).
    pub const UPDATE_INSTANCE_INFORMATION: Action = Action::new("ssm:UpdateInstanceInformation");

    /// The SSM Agent's Session Manager channels (`ssmmessages`, no resource-level
    /// permissions).
    pub const SESSION_CHANNELS: &[Action] = &[
        Action::new("ssmmessages:CreateControlChannel"),
        Action::new("ssmmessages:CreateDataChannel"),
        Action::new("ssmmessages:OpenControlChannel"),
        Action::new("ssmmessages:OpenDataChannel"),
    ];
    /// The SSM Agent's message delivery calls (`ec2messages`, no resource-level
    /// permissions; agents from 3.3.40.0 use `ssmmessages` instead). The list of the
    /// Systems Manager user guide, "Reference: ec2messages, ssmmessages, and other API
    /// operations".
    pub const AGENT_MESSAGES: &[Action] = &[
        Action::new("ec2messages:AcknowledgeMessage"),
        Action::new("ec2messages:DeleteMessage"),
        Action::new("ec2messages:FailMessage"),
        Action::new("ec2messages:GetEndpoint"),
        Action::new("ec2messages:GetMessages"),
        Action::new("ec2messages:SendReply"),
    ];

    /// Reading parameters by name, one or several per request.
    pub const READ_PARAMETERS: &[Action] = &[GET_PARAMETER, GET_PARAMETERS];
}

/// Systems Manager's condition keys.
pub mod keys {
    use crate::resources::iam::policy::ConditionKey;

    /// Whether `ssm:StartSession` must be allowed on the Session document explicitly
    /// (true when the request names a document; absent when it uses the default one).
    pub const SESSION_DOCUMENT_ACCESS_CHECK: ConditionKey =
        ConditionKey::single("ssm:SessionDocumentAccessCheck");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_have_the_allowed_values_of_the_resource_reference() {
        assert_allowed_values!(ParameterType, ["String", "StringList"]);
        assert_allowed_values!(
            ParameterTier,
            ["Standard", "Advanced", "Intelligent-Tiering"]
        );
    }

    #[test]
    fn parameter_serializes_enums_as_their_values() {
        let parameter = Parameter::builder()
            .name("/p")
            .parameter_type(ParameterType::String)
            .tier(ParameterTier::IntelligentTiering)
            .value("v")
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(Value::Map(crate::template::Resource::into_properties(
                parameter
            )))
            .unwrap(),
            serde_json::json!({
                "Name": "/p",
                "Type": "String",
                "Tier": "Intelligent-Tiering",
                "Value": "v"
            })
        );
    }
}
