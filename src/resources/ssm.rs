//! AWS Systems Manager resource types.

use crate::template::{Handle, Value};

cfn_resource! {
    /// A Parameter Store parameter (moto, like CloudFormation, needs the `Name`).
    Parameter / ParameterBuilder = "AWS::SSM::Parameter" {
        optional description: Value => "Description",
        required name: Value => "Name",
        required parameter_type: Value => "Type",
        optional tier: Value => "Tier",
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

    pub const GET_PARAMETER: Action = Action::new("ssm:GetParameter");
    pub const GET_PARAMETERS: Action = Action::new("ssm:GetParameters");
    /// Authorized against the path in the request, not the parameters it returns.
    pub const GET_PARAMETERS_BY_PATH: Action = Action::new("ssm:GetParametersByPath");

    /// Reading parameters by name, one or several per request.
    pub const READ_PARAMETERS: &[Action] = &[GET_PARAMETER, GET_PARAMETERS];
}
