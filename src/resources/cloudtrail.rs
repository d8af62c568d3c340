//! AWS CloudTrail resource types.

use crate::template::{Handle, Value};

cfn_resource! {
    Trail / TrailBuilder = "AWS::CloudTrail::Trail" {
        optional enable_log_file_validation: bool => "EnableLogFileValidation",
        optional include_global_service_events: bool => "IncludeGlobalServiceEvents",
        required is_logging: bool => "IsLogging",
        optional is_multi_region_trail: bool => "IsMultiRegionTrail",
        required s3_bucket_name: Value => "S3BucketName",
        optional trail_name: Value => "TrailName",
    }
}

impl Handle<Trail> {
    /// `Fn::GetAtt` `Arn`: the trail's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}
