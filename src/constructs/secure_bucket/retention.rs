//! What a bucket keeps of its past: how long noncurrent object versions live
//! ([`NoncurrentVersions`]), whether new versions are locked ([`ObjectLock`]), and the
//! lifecycle configuration both lead to.
//!
//! A retained bucket holds data that must outlive the stack (raw data, audit logs), so
//! by default its noncurrent versions are kept: with versioning on, an overwrite or a
//! delete from a notebook only makes the old version noncurrent, and a lifecycle rule
//! that expires noncurrent versions would finish, 90 days later, what the notebook could
//! not do itself. A bucket that is deleted with the stack holds working data, so its old
//! versions expire by default and do not pile up.

use crate::resources::s3::{
    self, AbortIncompleteMultipartUpload, DefaultRetention, LifecycleConfiguration, LifecycleRule,
    NoncurrentVersionExpiration, ObjectLockConfiguration, ObjectLockEnabled,
    ObjectLockRetentionMode, ObjectLockRule,
};

use super::super::ConstructError;

/// How long noncurrent versions of a bucket that is not retained are kept, unless its
/// props say otherwise.
pub const DEFAULT_NONCURRENT_VERSION_DAYS: u32 = 90;
/// Parts of an upload that was never completed or aborted are billed until removed.
pub const ABORT_INCOMPLETE_UPLOAD_DAYS: i64 = 7;
/// The shortest and longest default retention S3 accepts for Object Lock, in days: a
/// positive number (S3 answers `InvalidArgument` "Default retention period must be a
/// positive integer value" for 0), at most 100 years (Amazon S3 User Guide, "Object Lock
/// considerations").
pub const OBJECT_LOCK_DAYS: (u32, u32) = (1, 36_500);

/// The lifecycle rule that expires noncurrent versions; the S3-RETAINED-VERSIONS rule
/// reads the template, not this id.
const EXPIRE_NONCURRENT_RULE: &str = "ExpireNoncurrentVersions";

/// How long noncurrent object versions (overwritten or deleted ones) are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NoncurrentVersions {
    /// Kept in a retained bucket; deleted [`DEFAULT_NONCURRENT_VERSION_DAYS`] after they
    /// become noncurrent in any other.
    #[default]
    ByRetention,
    /// Deleted this many days (at least 1) after they become noncurrent. On a retained
    /// bucket this is an exception to S3-RETAINED-VERSIONS, recorded on the bucket.
    ExpireAfterDays(u32),
    /// Never deleted by the lifecycle.
    Keep,
}

impl NoncurrentVersions {
    /// The days after which noncurrent versions expire, `None` when they are kept.
    pub fn expiry_days(self, retain: bool) -> Option<u32> {
        match self {
            NoncurrentVersions::ByRetention if retain => None,
            NoncurrentVersions::ByRetention => Some(DEFAULT_NONCURRENT_VERSION_DAYS),
            NoncurrentVersions::ExpireAfterDays(days) => Some(days),
            NoncurrentVersions::Keep => None,
        }
    }

    /// An expiry of 0 days would delete every old version at once.
    pub fn check(self, bucket: &str) -> Result<(), ConstructError> {
        if self == NoncurrentVersions::ExpireAfterDays(0) {
            return Err(ConstructError::Invalid(format!(
                "bucket `{bucket}`: noncurrent versions must be kept at least 1 day"
            )));
        }
        Ok(())
    }

    /// Why a retained bucket expires its noncurrent versions, for its Metadata; `None`
    /// when it keeps them (or is not retained).
    pub(super) fn exception(self, retain: bool) -> Option<String> {
        match self {
            NoncurrentVersions::ExpireAfterDays(days) if retain => Some(format!(
                "Noncurrent versions of this retained bucket expire {days} days after they become noncurrent, as its configuration asks (noncurrent_version_days)"
            )),
            _ => None,
        }
    }
}

/// S3 Object Lock in governance mode: every new object version is locked for `days`, so
/// that it cannot be deleted, nor its lock shortened or removed, except by a caller that
/// holds `s3:BypassGovernanceRetention` and sends `x-amz-bypass-governance-retention:
/// true`. The bucket policy denies that action to everyone but the perimeter's
/// administrators, so no notebook, function or user of the stack can.
///
/// Only governance mode is offered. Compliance mode cannot be undone by anyone, the root
/// user included, for the whole period: a mistaken period (a typo of a year for a day)
/// would keep every version, and its cost, for years, and the bucket could not be deleted
/// until the last lock ends. Governance mode gives the protection the stacks need (the
/// stack's principals cannot delete locked versions) while the administrators can still
/// correct a mistake.
///
/// Object Lock needs versioning (every secure bucket has it); once on, it cannot be
/// turned off and versioning cannot be suspended. S3 cannot deliver server access logs
/// into a bucket with Object Lock, so the [`LogBucket`](super::LogBucket) never has it.
/// An upload to a locked bucket must carry `Content-MD5` or `x-amz-sdk-checksum-algorithm`
/// (the AWS SDKs and CLI send a checksum by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectLock {
    /// How long each new version is locked, in days ([`OBJECT_LOCK_DAYS`]).
    pub days: u32,
}

impl ObjectLock {
    /// The period is within what S3 accepts.
    pub fn check(self, bucket: &str) -> Result<(), ConstructError> {
        let (min, max) = OBJECT_LOCK_DAYS;
        if (min..=max).contains(&self.days) {
            Ok(())
        } else {
            Err(ConstructError::Invalid(format!(
                "bucket `{bucket}`: an Object Lock period of {} days; S3 accepts {min} to {max}",
                self.days
            )))
        }
    }

    /// `ObjectLockConfiguration`: enabled, every new version locked in governance mode.
    pub(super) fn configuration(self) -> Result<ObjectLockConfiguration, ConstructError> {
        Ok(ObjectLockConfiguration::builder()
            .object_lock_enabled(ObjectLockEnabled::Enabled)
            .rule(
                ObjectLockRule::builder()
                    .default_retention(
                        DefaultRetention::builder()
                            .mode(ObjectLockRetentionMode::Governance)
                            .days(i64::from(self.days))
                            .build()?,
                    )
                    .build()?,
            )
            .build()?)
    }
}

/// The lifecycle every bucket has: incomplete multipart uploads are aborted; noncurrent
/// versions expire after `noncurrent_days` (and the delete markers they leave behind are
/// removed) when given; current objects expire after `expiration_days` when given.
pub(super) fn lifecycle(
    noncurrent_days: Option<u32>,
    expiration_days: Option<u32>,
) -> Result<LifecycleConfiguration, ConstructError> {
    let mut rules = Vec::new();
    if let Some(days) = noncurrent_days {
        rules.push(
            LifecycleRule::builder()
                .id(EXPIRE_NONCURRENT_RULE)
                .status(s3::LifecycleRuleStatus::Enabled)
                .noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(i64::from(days))
                        .build()?,
                )
                .expired_object_delete_marker(true)
                .build()?,
        );
    }
    rules.push(
        LifecycleRule::builder()
            .id("AbortIncompleteMultipartUploads")
            .status(s3::LifecycleRuleStatus::Enabled)
            .abort_incomplete_multipart_upload(
                AbortIncompleteMultipartUpload::builder()
                    .days_after_initiation(ABORT_INCOMPLETE_UPLOAD_DAYS)
                    .build()?,
            )
            .build()?,
    );
    if let Some(days) = expiration_days {
        if days == 0 {
            return Err(ConstructError::Invalid(
                "log objects must be kept at least 1 day".to_string(),
            ));
        }
        rules.push(
            LifecycleRule::builder()
                .id("ExpireObjects")
                .status(s3::LifecycleRuleStatus::Enabled)
                .expiration_in_days(i64::from(days))
                .build()?,
        );
    }
    Ok(LifecycleConfiguration::builder().rules(rules).build()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Value;
    use serde_json::json;

    fn json_of(v: impl Into<Value>) -> serde_json::Value {
        serde_json::to_value(v.into()).unwrap()
    }

    #[test]
    fn retained_buckets_keep_noncurrent_versions_unless_told_otherwise() {
        use NoncurrentVersions::*;
        assert_eq!(ByRetention.expiry_days(true), None);
        assert_eq!(
            ByRetention.expiry_days(false),
            Some(DEFAULT_NONCURRENT_VERSION_DAYS)
        );
        assert_eq!(ExpireAfterDays(30).expiry_days(true), Some(30));
        assert_eq!(ExpireAfterDays(30).expiry_days(false), Some(30));
        assert_eq!(Keep.expiry_days(false), None);
        assert_eq!(Keep.expiry_days(true), None);
        // Only an expiry the props ask for on a retained bucket is an exception.
        assert!(
            ExpireAfterDays(30)
                .exception(true)
                .unwrap()
                .contains("30 days")
        );
        assert_eq!(ExpireAfterDays(30).exception(false), None);
        assert_eq!(ByRetention.exception(true), None);
        assert_eq!(Keep.exception(true), None);
        assert!(ExpireAfterDays(0).check("raw").is_err());
        assert!(ExpireAfterDays(1).check("raw").is_ok());
    }

    #[test]
    fn a_lifecycle_without_noncurrent_expiry_still_aborts_uploads() {
        let kept = Value::from(lifecycle(None, None).unwrap());
        assert_eq!(
            json_of(kept),
            json!({"Rules": [{
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                "Id": "AbortIncompleteMultipartUploads",
                "Status": "Enabled"
            }]})
        );
        let expiring = json_of(Value::from(lifecycle(Some(30), Some(400)).unwrap()));
        assert_eq!(
            expiring["Rules"][0],
            json!({
                "ExpiredObjectDeleteMarker": true,
                "Id": "ExpireNoncurrentVersions",
                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                "Status": "Enabled"
            })
        );
        assert_eq!(expiring["Rules"][2]["ExpirationInDays"], 400);
        assert!(lifecycle(None, Some(0)).is_err());
    }

    #[test]
    fn object_lock_is_governance_mode_within_s3s_bounds() {
        assert_eq!(
            json_of(Value::from(
                ObjectLock { days: 30 }.configuration().unwrap()
            )),
            json!({
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Days": 30, "Mode": "GOVERNANCE"}}
            })
        );
        for days in [1, 36_500] {
            assert!(ObjectLock { days }.check("raw").is_ok(), "{days}");
        }
        for days in [0, 36_501] {
            let err = ObjectLock { days }.check("raw").unwrap_err();
            assert!(err.to_string().contains("1 to 36500"), "{err}");
        }
    }
}
