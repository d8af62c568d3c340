//! AWS IAM Identity Center (SSO) resource types.

use crate::template::Value;

cfn_enum! {
    /// `PrincipalType` of `AWS::SSO::ApplicationAssignment`
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sso-applicationassignment.html>).
    PrincipalType {
        User => "USER",
        Group => "GROUP",
    }
}

cfn_resource! {
    /// Assigns a user or group to an Identity Center application, e.g. a Studio domain's
    /// (`SingleSignOnApplicationArn` of `AWS::SageMaker::Domain`).
    ApplicationAssignment / ApplicationAssignmentBuilder = "AWS::SSO::ApplicationAssignment" {
        required application_arn: Value => "ApplicationArn",
        required principal_id: Value => "PrincipalId",
        required principal_type: PrincipalType => "PrincipalType",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_have_the_allowed_values_of_the_resource_reference() {
        assert_allowed_values!(PrincipalType, ["USER", "GROUP"]);
    }

    #[test]
    fn assignment_serializes_the_principal_type_as_its_value() {
        let assignment = ApplicationAssignment::builder()
            .application_arn("arn:aws:sso::111122223333:application/i/a")
            .principal_id("g")
            .principal_type(PrincipalType::Group)
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(Value::Map(crate::template::Resource::into_properties(
                assignment
            )))
            .unwrap()["PrincipalType"],
            "GROUP"
        );
    }
}
