//! A CloudTrail trail for management events, so that EventBridge receives "AWS API
//! Call via CloudTrail" events: multi-region, with log-file validation, delivering into a
//! secure bucket of its own (SSE-S3: CloudTrail writes with its own credentials, and a
//! customer key would need a key policy for the service). The bucket draws the stack's
//! data perimeter like every other bucket: CloudTrail is a service principal, so the
//! identity and network perimeters leave its delivery alone.

use crate::resources::arn;
use crate::resources::cloudtrail::Trail;
use crate::sub;
use crate::template::{Handle, Pseudo, SubPart, Value};

use super::ConstructError;
use super::scope::Scope;
use super::secure_bucket::{Encryption, LogBucket, Perimeter, SecureBucket, SecureBucketProps};

/// The trail `<id>Trail` in the scope (`ManagementEventsTrail` in the shipped stacks),
/// and its bucket `CloudtrailLogsBucket`, which keeps the logical ID deployed stacks
/// already have: one trail per scope (a second one goes in a child scope). The bucket
/// gets `perimeter`, and admits requests through `endpoints` only (the stack's S3
/// gateway endpoint; empty: a stack without a network has none to restrict to).
pub fn new(
    scope: &mut Scope,
    id: &str,
    logs: &mut LogBucket,
    perimeter: &Perimeter,
    endpoints: Vec<Value>,
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
    let mut bucket = SecureBucket::new(
        scope,
        "cloudtrail-logs",
        logs,
        &SecureBucketProps {
            retain: true,
            encryption: Encryption::S3Managed,
            trail_delivery: Some(trail_arn),
            perimeter: perimeter.clone(),
            ..SecureBucketProps::default()
        },
    )?;
    if !endpoints.is_empty() {
        bucket.restrict_network(scope, endpoints);
    }
    let mut trail_scope = scope.child(id);
    let trail = trail_scope.add(
        "Trail",
        Trail::builder()
            .trail_name(name)
            .s3_bucket_name(bucket.bucket.name())
            .is_logging(true)
            .is_multi_region_trail(true)
            .include_global_service_events(true)
            .enable_log_file_validation(true)
            .build()?,
    )?;
    trail_scope.entry(&trail).depends_on(&bucket.policy);
    Ok(trail)
}
