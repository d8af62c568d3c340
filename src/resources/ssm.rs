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

    /// Reading parameters by name, one or several per request.
    pub const READ_PARAMETERS: &[Action] = &[GET_PARAMETER, GET_PARAMETERS];
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
