//! AWS CloudFormation resource types.

use crate::template::{Handle, Value};

cfn_resource! {
    /// A nested stack: CloudFormation creates the template at `TemplateURL` as a stack of
    /// its own, passing it `Parameters`. `aws cloudformation package` uploads a local
    /// template file named there and rewrites the property to its S3 URL.
    Stack / StackBuilder = "AWS::CloudFormation::Stack" {
        optional parameters: Value => "Parameters",
        required template_url: Value => "TemplateURL",
        optional timeout_in_minutes: i64 => "TimeoutInMinutes",
    }
}

impl Handle<Stack> {
    /// `Ref` of a nested stack: its stack ID (an ARN).
    pub fn stack_id(&self) -> Value {
        self.reference()
    }
}
