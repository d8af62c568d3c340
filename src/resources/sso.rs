//! AWS IAM Identity Center (SSO) resource types.

use crate::template::Value;

cfn_resource! {
    /// Assigns a user or group to an Identity Center application, e.g. a Studio domain's
    /// (`SingleSignOnApplicationArn` of `AWS::SageMaker::Domain`).
    ApplicationAssignment / ApplicationAssignmentBuilder = "AWS::SSO::ApplicationAssignment" {
        required application_arn: Value => "ApplicationArn",
        required principal_id: Value => "PrincipalId",
        required principal_type: Value => "PrincipalType",
    }
}
