//! A CloudTrail trail for management events, so that EventBridge receives "AWS API
//! Call via CloudTrail" events: multi-region, with log-file validation, delivering into a
//! secure bucket of its own (SSE-S3: CloudTrail writes with its own credentials, and a
//! customer key would need a key policy for the service).

use crate::resources::arn;
use crate::resources::cloudtrail::Trail;
use crate::sub;
use crate::template::{Handle, Pseudo, SubPart, Template};

use super::secure_bucket::{Encryption, LogBucket, SecureBucket, SecureBucketProps};
use super::{ConstructError, id};

pub fn build(
    template: &mut Template,
    logs: &mut LogBucket,
) -> Result<Handle<Trail>, ConstructError> {
    // The trail's ARN is built from its fixed name: the bucket policy needs it, and the
    // trail needs the policy first (a GetAtt would be circular).
    let name = sub![Pseudo::StackName, "-management-events"];
    let trail_arn = arn::regional(
        "cloudtrail",
        [
            SubPart::from("trail/"),
            SubPart::from(Pseudo::StackName),
            SubPart::from("-management-events"),
        ],
    );
    let bucket = SecureBucket::build(
        template,
        logs,
        &SecureBucketProps {
            retain: true,
            encryption: Encryption::S3Managed,
            trail_delivery: Some(trail_arn),
            ..SecureBucketProps::new("cloudtrail-logs")
        },
    )?;
    let trail = template.add(
        id("ManagementEventsTrail"),
        Trail::builder()
            .trail_name(name)
            .s3_bucket_name(bucket.bucket.name())
            .is_logging(true)
            .is_multi_region_trail(true)
            .include_global_service_events(true)
            .enable_log_file_validation(true)
            .build()?,
    )?;
    template.entry(&trail).depends_on(&bucket.policy);
    Ok(trail)
}
