//! Secure S3 buckets: a [`LogBucket`] that receives server access logs, and
//! [`SecureBucket`]s that log into it, each with every secure default written into the
//! template, plus a grants API ([`SecureBucket::grant`]) that is the only way policies
//! for a bucket are written.
//!
//! Every bucket gets, explicitly:
//! - all four Block Public Access settings;
//! - default encryption (see [`Encryption`]);
//! - versioning, with a lifecycle that aborts incomplete multipart uploads and expires
//!   noncurrent versions, except in a retained bucket (see [`NoncurrentVersions`]);
//! - `OwnershipControls` `BucketOwnerEnforced` (ACLs off);
//! - a bucket policy that denies every request made without TLS, and draws the data
//!   perimeter (see [`Perimeter`]);
//! - server access logging into the log bucket under `<logical-name>/` (the log bucket
//!   itself does not log: logging into itself would log its own log deliveries).
//!
//! **Names.** A bucket gets an explicit `BucketName` only when the definition gives one
//! (validated at synth time). Otherwise `BucketName` is left out and CloudFormation
//! generates `<stack-name>-<logical-id>-<random>`, lower-cased and cut to fit: unique,
//! always valid, and derived from the stack. A name of the form
//! `${AWS::StackName}-raw-data-${AWS::AccountId}-${AWS::Region}` cannot be made safe at
//! synth time: the stack name is chosen at deploy time (`--stack-name`), may be 128
//! characters long, and may contain upper-case letters, which bucket names may not and
//! which no intrinsic function can lower-case ([`derived_name_worst_case_len`] shows
//! the bound). Everything else refers to a bucket through its handle (`Ref`, `GetAtt`),
//! so nothing needs to know the generated name; and a bucket without a fixed name can
//! still be replaced by CloudFormation if a create-only property ever changes.
//!
//! **Retention.** `retain: true` sets `DeletionPolicy: RetainExceptOnCreate` and
//! `UpdateReplacePolicy: Retain` on the bucket (and on its own KMS key, without which
//! the retained objects could not be read). `RetainExceptOnCreate` keeps the bucket when
//! the stack is deleted or the resource removed or replaced, exactly like `Retain`,
//! but deletes it when the operation that created it rolls back: such a bucket cannot
//! hold data yet, and keeping it would leave an orphan to clean up by hand (and, with an
//! explicit name, block the next deploy with "already exists"). A retained bucket also
//! keeps its noncurrent versions, and denies deleting them to all but the administrators;
//! [`ObjectLock`] can lock every new version for a period on top of that.
//!
//! **Deletion.** CloudFormation does not empty a bucket before deleting it, so a bucket
//! with `DeletionPolicy: Delete` that holds objects makes the stack deletion fail. A
//! bucket that is not retained says [`SecureBucketProps::empty_on_delete`] when the
//! stack's cleanup deletes every version first (see [`super::studio_cleanup`]); the
//! stack definitions retain every bucket that does not say so.

mod retention;

pub use retention::{
    ABORT_INCOMPLETE_UPLOAD_DAYS, DEFAULT_NONCURRENT_VERSION_DAYS, NoncurrentVersions,
    OBJECT_LOCK_DAYS, ObjectLock,
};

use crate::resources::iam::policy::{
    Action, Condition, PolicyDocument, Principal, Statement, keys,
};
use crate::resources::kms::Key;
use crate::resources::s3::{
    self, Bucket, BucketEncryption, BucketPolicy, LifecycleConfiguration, LoggingConfiguration,
    OwnershipControls, PublicAccessBlockConfiguration, ServerSideEncryptionByDefault,
    ServerSideEncryptionRule, VersioningConfiguration,
};
use crate::sub;
use crate::template::{DeletionPolicy, Handle, Pseudo, Value, pascal_case};

use super::ConstructError;
use super::encryption_key::{EncryptionKey, EncryptionKeyProps};
use super::grants::Grantee;
use super::scope::Scope;

/// The service principal that delivers S3 server access logs.
pub const LOGGING_SERVICE: &str = "logging.s3.amazonaws.com";

/// The data perimeter of the buckets (and of the VPC endpoints), in the shape of AWS's
/// data-perimeter guidance (whitepaper "Building a data perimeter on AWS", and the
/// `data-perimeter-policy-examples` bucket policy): every bucket policy denies
///
/// - **identities outside the perimeter**: `s3:*` unless `aws:PrincipalAccount` is this
///   account (or `aws:PrincipalOrgID` the [`Perimeter::organization_id`]), with
///   `...IfExists` so that a request without the key (an anonymous one) is denied too, and
///   except for AWS service principals (`aws:PrincipalIsAWSService`: log delivery,
///   CloudTrail), which act under their own confused-deputy conditions;
/// - **networks outside the perimeter** (once [`SecureBucket::restrict_network`] names
///   this stack's S3 gateway endpoint): `s3:*` unless `aws:SourceVpce` is that endpoint,
///   or an AWS service makes the request with the caller's credentials
///   (`aws:ViaAWSService`: CloudFormation and SageMaker acting for the caller), or is the
///   caller (`aws:PrincipalIsAWSService`), or the caller is one of the
///   [`Perimeter::admin_principals`] (`aws:PrincipalArn`). Credentials copied off a
///   notebook are useless outside the VPC;
/// - for a bucket with a KMS key, **uploads that would not use that key**: a
///   `x-amz-server-side-encryption` header other than `aws:kms`, a KMS key id other than
///   the bucket key's ARN, or `aws:kms` without a key id (S3 would use the AWS managed
///   `aws/s3` key). A request without the headers gets the bucket's default encryption
///   (the bucket key), so plain uploads work: each test is paired with `Null = false` on
///   its header, the pattern of the Amazon S3 User Guide ("Requiring server-side
///   encryption" bucket policies);
/// - for a retained bucket, `s3:DeleteObjectVersion` to everyone but the administrators;
/// - for a bucket with [`ObjectLock`], `s3:BypassGovernanceRetention` to everyone but the
///   administrators (to everyone when there are none: the lock then holds for its whole
///   period unless the bucket policy is changed first).
///
/// A stack without an S3 gateway endpoint (no `network`) has no network to restrict to:
/// its buckets keep the identity and encryption parts only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Perimeter {
    /// Trusted identities are the accounts of this organization instead of this account.
    pub organization_id: Option<String>,
    /// IAM principal ARNs (`ArnLike` patterns) exempt from the network perimeter and the
    /// retained buckets' version protection: the deployment role and the administrators
    /// who manage the buckets from outside the VPC. Default: none.
    pub admin_principals: Vec<String>,
}

impl Perimeter {
    /// The identity test of a Deny: true for a principal outside the perimeter.
    fn outside_identity(&self) -> Condition {
        match &self.organization_id {
            Some(org) => {
                Condition::string_not_equals(keys::PRINCIPAL_ORG_ID, [Value::from(org.as_str())])
            }
            None => Condition::string_not_equals(
                keys::PRINCIPAL_ACCOUNT,
                [Value::from(Pseudo::AccountId)],
            ),
        }
        .if_exists()
    }

    /// `ArnNotLikeIfExists aws:PrincipalArn` the administrators, when there are any.
    fn not_admin(&self) -> Option<Condition> {
        (!self.admin_principals.is_empty()).then(|| {
            Condition::arn_not_like(
                keys::PRINCIPAL_ARN,
                self.admin_principals
                    .iter()
                    .map(|a| Value::from(a.as_str())),
            )
            .if_exists()
        })
    }

    /// Deny `s3:*` on the bucket and its objects to principals outside the account or
    /// organization, except AWS service principals.
    fn identity_statement(&self, bucket: &Handle<Bucket>) -> Statement {
        Statement::deny()
            .sid("DenyOutsideIdentities")
            .principal(Principal::Aws(vec![Value::from("*")]))
            .actions([&s3::actions::ALL])
            .resources([bucket.arn(), bucket.objects_arn("")])
            .condition(self.outside_identity())
            .condition(Condition::bool(keys::PRINCIPAL_IS_AWS_SERVICE, false).if_exists())
    }

    /// Deny `s3:*` to requests that come through none of `endpoints`, unless an AWS
    /// service makes it or the caller is an administrator.
    fn network_statement(&self, bucket: &Handle<Bucket>, endpoints: &[Value]) -> Statement {
        let mut statement = Statement::deny()
            .sid("DenyOutsideNetwork")
            .principal(Principal::Aws(vec![Value::from("*")]))
            .actions([&s3::actions::ALL])
            .resources([bucket.arn(), bucket.objects_arn("")])
            // aws:SourceVpce is single-valued: a list under StringNotEquals means "none
            // of these"; IfExists denies requests that carry no endpoint at all.
            .condition(
                Condition::string_not_equals(keys::SOURCE_VPCE, endpoints.iter().cloned())
                    .if_exists(),
            )
            .condition(Condition::bool(keys::VIA_AWS_SERVICE, false).if_exists())
            .condition(Condition::bool(keys::PRINCIPAL_IS_AWS_SERVICE, false).if_exists());
        if let Some(admins) = self.not_admin() {
            statement = statement.condition(admins);
        }
        statement
    }

    /// Deny deleting object versions of a retained bucket to all but the administrators.
    fn keep_versions_statement(&self, bucket: &Handle<Bucket>) -> Statement {
        self.admins_only(
            "DenyDeletingVersions",
            bucket,
            &s3::actions::DELETE_OBJECT_VERSION,
        )
    }

    /// Deny bypassing the governance-mode lock of a bucket with Object Lock to all but
    /// the administrators.
    fn keep_locks_statement(&self, bucket: &Handle<Bucket>) -> Statement {
        self.admins_only(
            "DenyGovernanceBypass",
            bucket,
            &s3::actions::BYPASS_GOVERNANCE_RETENTION,
        )
    }

    /// Deny `action` on the bucket's objects to everyone but the administrators.
    fn admins_only(&self, sid: &str, bucket: &Handle<Bucket>, action: &Action) -> Statement {
        let mut statement = Statement::deny()
            .sid(sid)
            .principal(Principal::Aws(vec![Value::from("*")]))
            .actions([action])
            .resource(bucket.objects_arn(""));
        if let Some(admins) = self.not_admin() {
            statement = statement.condition(admins);
        }
        statement
    }
}

/// Deny uploads to `bucket` that would not be encrypted with `key` (see [`Perimeter`]).
fn encryption_statements(bucket: &Handle<Bucket>, key: &Handle<Key>) -> [Statement; 3] {
    let upload = |sid: &str| {
        Statement::deny()
            .sid(sid)
            .principal(Principal::Aws(vec![Value::from("*")]))
            .actions([&s3::actions::PUT_OBJECT])
            .resource(bucket.objects_arn(""))
    };
    [
        upload("DenyOtherEncryption")
            .condition(Condition::null(s3::keys::SSE, false))
            .condition(Condition::string_not_equals(
                s3::keys::SSE,
                [Value::from("aws:kms")],
            )),
        upload("DenyOtherKeys")
            .condition(Condition::null(s3::keys::SSE_KMS_KEY_ID, false))
            .condition(Condition::string_not_equals(
                s3::keys::SSE_KMS_KEY_ID,
                [key.arn()],
            )),
        // `aws:kms` without a key id means the AWS managed key aws/s3, not the bucket's.
        upload("DenyAwsManagedKey")
            .condition(Condition::null(s3::keys::SSE, false))
            .condition(Condition::null(s3::keys::SSE_KMS_KEY_ID, true)),
    ]
}

/// Default encryption of a [`SecureBucket`].
///
/// The default is [`Encryption::KmsOwnKey`]: SSE-KMS with a customer-managed key of the
/// bucket's own, with rotation and an S3 Bucket Key. Compared with SSE-S3, a customer
/// key is a second, independent gate: reading an object needs `kms:Decrypt` on the key
/// as well as `s3:GetObject`, so a too-broad S3 statement elsewhere in the account does
/// not expose the data; every use of the key is in CloudTrail; and disabling the key
/// cuts off all access at once. The key policy lets the account administer the key and
/// use it only through S3, so the grants ([`SecureBucket::grant`]) decide who reads and
/// writes. The Bucket Key makes S3 ask KMS for a bucket-level key instead of one data
/// key per object, which keeps KMS requests (cost and request quotas) low.
///
/// SSE-S3 remains for data that needs no second gate, and is what the [`LogBucket`]
/// uses: S3 server access logging delivers only to destinations whose default
/// encryption is SSE-S3 (Amazon S3 User Guide, "Enabling Amazon S3 server access
/// logging": SSE-KMS default encryption is not supported on the destination bucket).
#[derive(Clone, Debug)]
pub enum Encryption {
    /// SSE-KMS with a new customer-managed key for this bucket (rotation on) and a
    /// bucket key.
    KmsOwnKey,
    /// SSE-KMS with an existing key of the template (shared by several buckets), and a
    /// bucket key.
    Kms(Handle<Key>),
    /// SSE-S3 (`AES256`).
    S3Managed,
}

/// What a secure bucket is made of.
#[derive(Clone, Debug)]
pub struct SecureBucketProps {
    /// An explicit bucket name, checked against S3's rules at synth time. Default
    /// `None`: CloudFormation generates a unique name (see the module documentation).
    pub bucket_name: Option<String>,
    /// Keep the bucket (and its own key) when the stack is deleted or the bucket
    /// replaced. Default `false`.
    pub retain: bool,
    /// The stack deletes every object version before CloudFormation deletes the bucket
    /// (its caller adds the cleanup that does it, [`super::studio_cleanup::StudioCleanup::bucket`]).
    /// Refused with `retain` and with `object_lock`. Default `false`.
    pub empty_on_delete: bool,
    /// How long noncurrent object versions are kept. Default
    /// [`NoncurrentVersions::ByRetention`]: forever in a retained bucket,
    /// [`DEFAULT_NONCURRENT_VERSION_DAYS`] in another.
    pub noncurrent_versions: NoncurrentVersions,
    /// Lock every new object version for a period (governance mode). Default `None`.
    pub object_lock: Option<ObjectLock>,
    /// Default [`Encryption::KmsOwnKey`].
    pub encryption: Encryption,
    /// A CloudTrail trail (its ARN) that may deliver its log files into this bucket,
    /// under `AWSLogs/<account>/`. Default `None`.
    pub trail_delivery: Option<Value>,
    /// Who is inside the data perimeter. Default: this account, no administrators.
    pub perimeter: Perimeter,
}

impl Default for SecureBucketProps {
    /// Props with the documented defaults.
    fn default() -> SecureBucketProps {
        SecureBucketProps {
            bucket_name: None,
            retain: false,
            empty_on_delete: false,
            noncurrent_versions: NoncurrentVersions::ByRetention,
            object_lock: None,
            encryption: Encryption::KmsOwnKey,
            trail_delivery: None,
            perimeter: Perimeter::default(),
        }
    }
}

/// What the access-log bucket is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogBucketProps {
    /// Default `None` (CloudFormation names it).
    pub bucket_name: Option<String>,
    /// Default `true`: access logs are the audit record of the data buckets, so a
    /// retained log bucket also keeps its versions (see [`Perimeter`]).
    pub retain: bool,
    /// Default [`NoncurrentVersions::ByRetention`] (kept, as the bucket is retained).
    pub noncurrent_versions: NoncurrentVersions,
    /// Delete log objects this many days after delivery. Default `None`: kept.
    pub expiration_days: Option<u32>,
    /// Who is inside the data perimeter. Default: this account, no administrators.
    pub perimeter: Perimeter,
}

impl Default for LogBucketProps {
    fn default() -> LogBucketProps {
        LogBucketProps {
            bucket_name: None,
            retain: true,
            noncurrent_versions: NoncurrentVersions::ByRetention,
            expiration_days: None,
            perimeter: Perimeter::default(),
        }
    }
}

/// The destination of the stack's server access logs: secured like every bucket, with
/// SSE-S3, and a bucket policy that lets the S3 logging service write each source
/// bucket's logs under that bucket's prefix only (and, when retained, keeps their
/// versions as a retained data bucket does).
#[derive(Clone, Debug)]
pub struct LogBucket {
    /// The log bucket.
    pub bucket: Handle<Bucket>,
    /// Its policy: TLS only, the data perimeter, and the logging service's writes per
    /// source.
    pub policy: Handle<BucketPolicy>,
    /// `(logical name, bucket ARN)` of each bucket that logs here, in build order.
    sources: Vec<(String, Value)>,
    /// Kept with its versions: the audit record outlives the stack and cannot be pruned.
    retain: bool,
    perimeter: Perimeter,
    /// The VPC endpoints requests must come through; empty: no network perimeter.
    endpoints: Vec<Value>,
}

/// A data bucket with every secure default; see the module documentation.
#[derive(Clone, Debug)]
pub struct SecureBucket {
    /// The bucket.
    pub bucket: Handle<Bucket>,
    /// Its policy: TLS only, and CloudTrail's delivery when the bucket receives a trail.
    pub policy: Handle<BucketPolicy>,
    /// The SSE-KMS key, own or shared; `None` for SSE-S3.
    pub key: Option<Handle<Key>>,
    logical_name: String,
    retain: bool,
    empty_on_delete: bool,
    object_lock: Option<ObjectLock>,
    perimeter: Perimeter,
    trail_delivery: Option<Value>,
    /// The VPC endpoints requests must come through; empty: no network perimeter.
    endpoints: Vec<Value>,
}

/// What a principal may do with a bucket's objects or keys. Each level maps to a fixed
/// list of actions (`s3::actions`), never to a wildcard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// `s3:GetObject`, `s3:GetObjectVersion` on the objects; `kms:Decrypt` on the key.
    Read,
    /// `s3:PutObject`, `s3:AbortMultipartUpload` on the objects; `kms:Decrypt` and
    /// `kms:GenerateDataKey` on the key.
    Write,
    /// `s3:DeleteObject`, `s3:DeleteObjectVersion` on the objects; on a retained bucket
    /// `s3:DeleteObject` only (a delete marker: every version stays recoverable).
    Delete,
    /// `s3:ListBucket` (limited to the prefix, if any) and `s3:GetBucketLocation` on the
    /// bucket itself.
    List,
}

impl Access {
    /// Read and list.
    pub const READ_ONLY: &'static [Access] = &[Access::Read, Access::List];
    /// Read, write and list, but not delete.
    pub const READ_WRITE: &'static [Access] = &[Access::Read, Access::Write, Access::List];
    /// Everything the grants hand out.
    pub const FULL: &'static [Access] =
        &[Access::Read, Access::Write, Access::Delete, Access::List];

    fn name(self) -> &'static str {
        match self {
            Access::Read => "Read",
            Access::Write => "Write",
            Access::Delete => "Delete",
            Access::List => "List",
        }
    }

    fn object_actions(self) -> &'static [Action] {
        match self {
            Access::Read => s3::actions::READ_OBJECTS,
            Access::Write => s3::actions::WRITE_OBJECTS,
            Access::Delete => s3::actions::DELETE_OBJECTS,
            Access::List => &[],
        }
    }

    fn key_actions(self) -> &'static [Action] {
        match self {
            Access::Read => s3::key_actions::READ,
            Access::Write => s3::key_actions::WRITE,
            Access::Delete | Access::List => &[],
        }
    }
}

/// What an S3 gateway endpoint admits of these buckets: the object and list actions the
/// grants hand out, on the buckets and their objects. The endpoint's policy
/// ([`super::endpoint_policy`]) adds who may use it.
pub fn endpoint_allowance<'a>(buckets: impl IntoIterator<Item = &'a SecureBucket>) -> Statement {
    let mut resources = Vec::new();
    let mut empties = false;
    for b in buckets {
        resources.push(b.bucket.arn());
        resources.push(b.bucket.objects_arn(""));
        empties |= b.empty_on_delete;
    }
    let mut actions: Vec<&Action> = [Access::Read, Access::Write, Access::Delete]
        .iter()
        .flat_map(|a| a.object_actions())
        .chain(s3::actions::LIST)
        .collect();
    // The cleanup of a bucket that empties on delete lists its versions.
    if empties {
        const VERSIONS: &[Action] = &[s3::actions::LIST_BUCKET_VERSIONS];
        actions.extend(VERSIONS);
    }
    Statement::allow()
        .sid("OnlyThisStacksBuckets")
        .actions(actions)
        .resources(resources)
}

/// What CloudTrail needs to deliver one trail's log files into a bucket (CloudTrail User
/// Guide, "Amazon S3 bucket policy for CloudTrail"): read the bucket ACL, and write
/// objects under `AWSLogs/<account>/` with the owner-full-control ACL, both only for this
/// trail (`aws:SourceArn`).
fn trail_delivery(bucket: &Handle<Bucket>, trail_arn: &Value) -> [Statement; 2] {
    let this_trail = Condition::string_equals(keys::SOURCE_ARN, [trail_arn.clone()]);
    [
        Statement::allow()
            .sid("CloudTrailChecksTheAcl")
            .principal(Principal::service("cloudtrail.amazonaws.com"))
            .actions([&s3::actions::GET_BUCKET_ACL])
            .resource(bucket.arn())
            .condition(this_trail.clone()),
        Statement::allow()
            .sid("CloudTrailWritesLogFiles")
            .principal(Principal::service("cloudtrail.amazonaws.com"))
            .actions([&s3::actions::PUT_OBJECT])
            .resource(crate::sub![
                bucket.arn(),
                "/AWSLogs/",
                Pseudo::AccountId,
                "/*"
            ])
            .condition(Condition::string_equals(
                S3_ACL,
                [Value::from("bucket-owner-full-control")],
            ))
            .condition(this_trail),
    ]
}

/// The canned ACL of a PutObject request.
const S3_ACL: crate::resources::iam::policy::ConditionKey =
    crate::resources::iam::policy::ConditionKey::single("s3:x-amz-acl");

/// The longest stack name CloudFormation accepts.
pub const MAX_STACK_NAME_LEN: usize = 128;
/// The longest region name in use is 14 characters (`ap-southeast-5`); two spare.
pub const MAX_REGION_LEN: usize = 16;
/// The longest bucket name S3 accepts.
pub const MAX_BUCKET_NAME_LEN: usize = 63;

/// The worst-case length of `${AWS::StackName}-<logical_name>-${AWS::AccountId}-${AWS::Region}`.
/// It exceeds [`MAX_BUCKET_NAME_LEN`] for every logical name, which is why buckets
/// without an explicit name are left for CloudFormation to name.
pub fn derived_name_worst_case_len(logical_name: &str) -> usize {
    MAX_STACK_NAME_LEN + 1 + logical_name.len() + 1 + 12 + 1 + MAX_REGION_LEN
}

/// Checks a bucket's name in the definition: 1 to 63 lower-case letters and digits in
/// words joined by single hyphens.
pub fn check_logical_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= MAX_BUCKET_NAME_LEN
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid bucket name in a definition (1 to {MAX_BUCKET_NAME_LEN} lower-case letters and digits, words joined by single hyphens)"
        ))
    }
}

/// Checks an explicit bucket name: S3's rules, and no dots (a dotted name does not
/// match the wildcard TLS certificate of virtual-hosted-style requests, and the bucket
/// policy refuses requests without TLS).
pub fn check_explicit_name(name: &str) -> Result<(), String> {
    crate::resources::s3::check_bucket_name(name)?;
    if name.contains('.') {
        return Err(format!(
            "`{name}` has a dot: HTTPS to a dotted bucket name fails certificate checks, and these buckets accept only HTTPS"
        ));
    }
    Ok(())
}

/// Checks a key prefix given to [`SecureBucket::grant`]: not empty (grant without a
/// prefix instead), no IAM wildcards (`*`, `?`), no leading `/`, no control characters.
/// End it with `/` to mean a folder: `incoming` also matches `incoming-old/…`.
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Err("an empty prefix: grant on the whole bucket instead".to_string());
    }
    if prefix.starts_with('/') {
        return Err(format!("prefix `{prefix}` starts with `/`"));
    }
    if let Some(c) = prefix
        .chars()
        .find(|c| *c == '*' || *c == '?' || c.is_control())
    {
        return Err(format!(
            "prefix `{prefix}` holds {c:?}, which IAM would read as a wildcard or which S3 keys should not hold"
        ));
    }
    Ok(())
}

/// The deletion and update-replace policy of a bucket, always explicit so that a
/// reviewer reads the decision in the template: `RetainExceptOnCreate` (and `Retain` on
/// replacement) for retained data, `Delete` otherwise (CloudFormation cannot delete a
/// bucket that still holds objects, so unless the stack's cleanup empties it first the
/// stack deletion then stops and says so).
fn deletion_policy(retain: bool) -> DeletionPolicy {
    if retain {
        DeletionPolicy::RetainExceptOnCreate
    } else {
        DeletionPolicy::Delete
    }
}

/// The log prefix of a source bucket in the log bucket.
pub fn log_prefix(logical_name: &str) -> String {
    format!("{logical_name}/")
}

fn invalid(message: String) -> ConstructError {
    ConstructError::Invalid(message)
}

/// `empty_on_delete` contradicts `retain` (keep the data) and cannot work on an
/// Object Lock bucket, whose locked versions no one of the stack may delete.
fn check_empty_on_delete(name: &str, props: &SecureBucketProps) -> Result<(), ConstructError> {
    if !props.empty_on_delete {
        return Ok(());
    }
    if props.retain {
        return Err(invalid(format!(
            "bucket `{name}`: `empty_on_delete` deletes every object when the stack is deleted, `retain` keeps them: choose one"
        )));
    }
    if props.object_lock.is_some() {
        return Err(invalid(format!(
            "bucket `{name}`: an Object Lock bucket cannot be emptied (its locked versions may not be deleted until their lock ends): drop `empty_on_delete`, and the bucket is kept when the stack is deleted"
        )));
    }
    Ok(())
}

fn check_common(
    logical_name: &str,
    bucket_name: Option<&str>,
    noncurrent_versions: NoncurrentVersions,
) -> Result<(), ConstructError> {
    check_logical_name(logical_name).map_err(invalid)?;
    if let Some(name) = bucket_name {
        check_explicit_name(name).map_err(invalid)?;
    }
    noncurrent_versions.check(logical_name)
}

/// Deny every S3 action on the bucket and its objects to anyone, when the request does
/// not use TLS. (`{"AWS": "*"}` is the policy model's form of "every principal".)
fn deny_insecure_transport(bucket: &Handle<Bucket>) -> Statement {
    Statement::deny()
        .sid("DenyInsecureTransport")
        .principal(Principal::Aws(vec![Value::from("*")]))
        .actions([&s3::actions::ALL])
        .resources([bucket.arn(), bucket.objects_arn("")])
        .condition(Condition::bool(keys::SECURE_TRANSPORT, false))
}

/// The parts every bucket shares; the caller adds encryption and logging.
fn secured(bucket_name: Option<&str>, lifecycle: LifecycleConfiguration) -> s3::BucketBuilder {
    let builder = Bucket::builder()
        .lifecycle_configuration(lifecycle)
        .ownership_controls(OwnershipControls::bucket_owner_enforced())
        .public_access_block_configuration(PublicAccessBlockConfiguration::block_all())
        .versioning_configuration(VersioningConfiguration::enabled());
    match bucket_name {
        Some(name) => builder.bucket_name(name),
        None => builder,
    }
}

fn encryption_rule(
    algorithm: s3::SseAlgorithm,
    key_arn: Option<Value>,
) -> Result<BucketEncryption, ConstructError> {
    let mut default = ServerSideEncryptionByDefault::builder().sse_algorithm(algorithm);
    let mut rule = ServerSideEncryptionRule::builder();
    if let Some(arn) = key_arn {
        default = default.kms_master_key_id(arn);
        rule = rule.bucket_key_enabled(true);
    }
    let rule = rule
        .server_side_encryption_by_default(default.build()?)
        .build()?;
    Ok(BucketEncryption::builder()
        .server_side_encryption_configuration([rule])
        .build()?)
}

/// A customer-managed key for one bucket (the shared key pattern): the account
/// administers it and may use it for data only through S3; IAM policies (the grants)
/// say who. Alias `alias/<stack>-s3-<logical name>`. It follows the bucket's deletion
/// policy: retained objects are unreadable without it.
fn bucket_key(
    scope: &mut Scope,
    logical_name: &str,
    retain: bool,
) -> Result<Handle<Key>, ConstructError> {
    let description = format!("Encrypts the objects of the {logical_name} bucket");
    Ok(EncryptionKey::new(
        scope,
        "Bucket",
        &EncryptionKeyProps {
            alias_suffix: &format!("s3-{logical_name}"),
            description: &description,
            via_services: &["s3"],
            deletion_policy: deletion_policy(retain),
        },
    )?
    .key)
}

/// `s3.${AWS::Region}.amazonaws.com`: the value of `kms:ViaService` for S3.
fn s3_via_service() -> Value {
    sub!["s3.", Pseudo::Region, ".amazonaws.com"]
}

impl LogBucket {
    /// The log bucket `id` (`access-logs` in the shipped stacks): logical IDs
    /// `<Id>Bucket` and `<Id>BucketPolicy`.
    pub fn new(
        scope: &mut Scope,
        id: &str,
        props: &LogBucketProps,
    ) -> Result<LogBucket, ConstructError> {
        check_common(id, props.bucket_name.as_deref(), props.noncurrent_versions)?;
        let scope = &mut scope.child(id);
        let bucket = scope.add(
            "Bucket",
            secured(
                props.bucket_name.as_deref(),
                retention::lifecycle(
                    props.noncurrent_versions.expiry_days(props.retain),
                    props.expiration_days,
                )?,
            )
            .bucket_encryption(encryption_rule(s3::SseAlgorithm::Aes256, None)?)
            .build()?,
        )?;
        scope.entry(&bucket).retain(deletion_policy(props.retain));
        if let Some(reason) = props.noncurrent_versions.exception(props.retain) {
            scope.exempt(&bucket, "S3-RETAINED-VERSIONS", &reason);
        }
        scope.exempt(
            &bucket,
            "S3-ACCESS-LOGGING",
            "This is the stack's access-log bucket: the other buckets' server access logs are delivered here, and logging it into itself would log its own deliveries",
        );
        let policy = scope.add(
            "BucketPolicy",
            BucketPolicy::builder()
                .bucket(bucket.name())
                .policy_document(PolicyDocument::new())
                .build()?,
        )?;
        let logs = LogBucket {
            bucket,
            policy,
            sources: Vec::new(),
            retain: props.retain,
            perimeter: props.perimeter.clone(),
            endpoints: Vec::new(),
        };
        logs.rewrite_policy(scope);
        Ok(logs)
    }

    /// Lets the S3 logging service write the logs of one more bucket, under that
    /// bucket's prefix only, and only for requests about that bucket in this account
    /// (the confused-deputy conditions). Rewrites the policy document in place, so the
    /// policy is complete whenever the template is.
    fn add_source(&mut self, scope: &mut Scope, logical_name: &str, arn: Value) {
        self.sources.push((logical_name.to_string(), arn));
        self.rewrite_policy(scope);
    }

    /// Adds the network perimeter: requests must come through one of `endpoints` (this
    /// stack's S3 gateway endpoint), unless made by an AWS service or an administrator
    /// (see [`Perimeter`]). S3's log delivery is a service principal, so it still writes.
    pub fn restrict_network(&mut self, scope: &mut Scope, endpoints: Vec<Value>) {
        self.endpoints = endpoints;
        self.rewrite_policy(scope);
    }

    fn rewrite_policy(&self, scope: &mut Scope) {
        let mut doc = PolicyDocument::new()
            .statement(deny_insecure_transport(&self.bucket))
            .statement(self.perimeter.identity_statement(&self.bucket));
        if !self.endpoints.is_empty() {
            doc = doc.statement(
                self.perimeter
                    .network_statement(&self.bucket, &self.endpoints),
            );
        }
        // The access logs are the audit record: a retained log bucket keeps every version
        // as a retained data bucket does.
        if self.retain {
            doc = doc.statement(self.perimeter.keep_versions_statement(&self.bucket));
        }
        for (name, arn) in &self.sources {
            doc = doc.statement(
                Statement::allow()
                    .sid(&format!("ServerAccessLogsFrom{}", pascal_case(name)))
                    .principal(Principal::service(LOGGING_SERVICE))
                    .actions([&s3::actions::PUT_OBJECT])
                    .resource(self.bucket.objects_arn(&log_prefix(name)))
                    .condition(Condition::arn_like(keys::SOURCE_ARN, [arn.clone()]))
                    .condition(Condition::string_equals(
                        keys::SOURCE_ACCOUNT,
                        [Value::from(Pseudo::AccountId)],
                    )),
            );
        }
        scope.entry(&self.policy).properties.insert(
            crate::template::json::Text::const_new("PolicyDocument"),
            Value::from(doc),
        );
    }
}

impl SecureBucket {
    /// Adds the bucket (and its key, for [`Encryption::KmsOwnKey`]) and its policy, and
    /// lets the log bucket receive its access logs. When the log bucket is already
    /// restricted to a network ([`LogBucket::restrict_network`]), so is this bucket.
    ///
    /// `id` is the bucket's name in the definition (`raw-data`): lower-case letters,
    /// digits and single hyphens. Logical IDs derive from it (`RawDataBucket`,
    /// `RawDataBucketPolicy`, `RawDataBucketKey`), and so do its log prefix
    /// (`raw-data/`), its key alias and the Sids of its grants.
    pub fn new(
        scope: &mut Scope,
        id: &str,
        logs: &mut LogBucket,
        props: &SecureBucketProps,
    ) -> Result<SecureBucket, ConstructError> {
        let name = id;
        check_common(
            name,
            props.bucket_name.as_deref(),
            props.noncurrent_versions,
        )?;
        if let Some(lock) = props.object_lock {
            lock.check(name)?;
        }
        check_empty_on_delete(name, props)?;
        let key = match &props.encryption {
            Encryption::KmsOwnKey => Some(bucket_key(&mut scope.child(name), name, props.retain)?),
            Encryption::Kms(key) => Some(key.clone()),
            Encryption::S3Managed => None,
        };
        let encryption = match &key {
            Some(key) => encryption_rule(s3::SseAlgorithm::AwsKms, Some(key.arn()))?,
            None => encryption_rule(s3::SseAlgorithm::Aes256, None)?,
        };
        let mut bucket_scope = scope.child(name);
        let mut builder = secured(
            props.bucket_name.as_deref(),
            retention::lifecycle(props.noncurrent_versions.expiry_days(props.retain), None)?,
        )
        .bucket_encryption(encryption)
        .logging_configuration(
            LoggingConfiguration::builder()
                .destination_bucket_name(logs.bucket.name())
                .log_file_prefix(log_prefix(name))
                .build()?,
        );
        if let Some(lock) = props.object_lock {
            builder = builder
                .object_lock_enabled(true)
                .object_lock_configuration(lock.configuration()?);
        }
        let bucket = bucket_scope.add("Bucket", builder.build()?)?;
        bucket_scope
            .entry(&bucket)
            .retain(deletion_policy(props.retain));
        if let Some(reason) = props.noncurrent_versions.exception(props.retain) {
            bucket_scope.exempt(&bucket, "S3-RETAINED-VERSIONS", &reason);
        }
        // Retained objects are unreadable without their key, so the key is retained with
        // the bucket: its own key follows the bucket's policy from the start, and a
        // shared key is retained as soon as one retained bucket uses it (never the other
        // way round).
        if let (Encryption::Kms(_), Some(key)) = (&props.encryption, &key)
            && props.retain
        {
            bucket_scope.entry(key).retain(deletion_policy(true));
        }
        let policy = bucket_scope.add(
            "BucketPolicy",
            BucketPolicy::builder()
                .bucket(bucket.name())
                .policy_document(PolicyDocument::new())
                .build()?,
        )?;
        logs.add_source(&mut bucket_scope, name, bucket.arn());
        let secure = SecureBucket {
            bucket,
            policy,
            key,
            logical_name: name.to_string(),
            retain: props.retain,
            empty_on_delete: props.empty_on_delete,
            object_lock: props.object_lock,
            perimeter: props.perimeter.clone(),
            trail_delivery: props.trail_delivery.clone(),
            // A bucket added after the network perimeter was drawn (the trail's) is inside
            // it from the start, like the log bucket it logs into.
            endpoints: logs.endpoints.clone(),
        };
        secure.rewrite_policy(&mut bucket_scope);
        Ok(secure)
    }

    /// Adds the network perimeter: requests must come through one of `endpoints` (this
    /// stack's S3 gateway endpoint), unless made by an AWS service or an administrator
    /// (see [`Perimeter`]).
    pub fn restrict_network(&mut self, scope: &mut Scope, endpoints: Vec<Value>) {
        self.endpoints = endpoints;
        self.rewrite_policy(scope);
    }

    /// The bucket policy: TLS only, the data perimeter, and CloudTrail's delivery when
    /// the bucket receives a trail.
    fn policy_document(&self) -> PolicyDocument {
        let bucket = &self.bucket;
        let mut document = PolicyDocument::new()
            .statement(deny_insecure_transport(bucket))
            .statement(self.perimeter.identity_statement(bucket));
        if !self.endpoints.is_empty() {
            document =
                document.statement(self.perimeter.network_statement(bucket, &self.endpoints));
        }
        if let Some(key) = &self.key {
            document = document.statements(encryption_statements(bucket, key));
        }
        if self.retain {
            document = document.statement(self.perimeter.keep_versions_statement(bucket));
        }
        if self.object_lock.is_some() {
            document = document.statement(self.perimeter.keep_locks_statement(bucket));
        }
        if let Some(trail) = &self.trail_delivery {
            document = document.statements(trail_delivery(bucket, trail));
        }
        document
    }

    fn rewrite_policy(&self, scope: &mut Scope) {
        let document = self.policy_document();
        scope.entry(&self.policy).properties.insert(
            crate::template::json::Text::const_new("PolicyDocument"),
            Value::from(document),
        );
    }

    /// Whether the bucket is kept with its versions (`retain: true`).
    pub fn is_retained(&self) -> bool {
        self.retain
    }

    /// The Object Lock every new version gets, if any.
    pub fn empties_on_delete(&self) -> bool {
        self.empty_on_delete
    }

    /// The bucket's Object Lock, if any.
    pub fn object_lock(&self) -> Option<ObjectLock> {
        self.object_lock
    }

    /// The bucket's name in the definition.
    pub fn logical_name(&self) -> &str {
        &self.logical_name
    }

    /// Least-privilege statements for an identity policy that give `access` to the
    /// objects whose keys start with `prefix` (every object for `None`):
    ///
    /// 1. the object actions of Read, Write and Delete, in one statement, on
    ///    `bucket/<prefix>*`;
    /// 2. for List, `s3:ListBucket` on the bucket ARN itself, with `StringLike
    ///    s3:prefix` = `<prefix>*` when a prefix is given, and `s3:GetBucketLocation` on
    ///    the bucket ARN (in the same statement without a prefix, in its own with one:
    ///    that request carries no `s3:prefix`, so the condition would refuse it);
    /// 3. for Read and Write on an SSE-KMS bucket, `kms:Decrypt` (and
    ///    `kms:GenerateDataKey` to write) on the bucket's key, only through S3.
    ///
    /// The order of `access` does not matter and repeats are ignored: the statements
    /// and their Sids (`<Bucket><Levels>[Key][<Prefix>]`, e.g. `RawDataReadWrite`,
    /// `RawDataList`, `RawDataReadWriteKey`) depend only on the set. Never `s3:*`, never
    /// `Resource: "*"`.
    ///
    /// A prefix that [`check_prefix`] refuses is an error.
    pub fn grant_statements(
        &self,
        access: &[Access],
        prefix: Option<&str>,
    ) -> Result<Vec<Statement>, ConstructError> {
        if let Some(p) = prefix {
            check_prefix(p).map_err(|why| {
                invalid(format!("grant on bucket `{}`: {why}", self.logical_name))
            })?;
        }
        let mut levels = access.to_vec();
        levels.sort();
        levels.dedup();
        let stem = pascal_case(&self.logical_name);
        let key_prefix = prefix.unwrap_or("");
        let suffix = pascal_case(key_prefix);
        let names = |levels: &[Access]| levels.iter().map(|a| a.name()).collect::<String>();
        let mut statements = Vec::new();

        let object_levels: Vec<Access> = levels
            .iter()
            .copied()
            .filter(|a| !a.object_actions().is_empty())
            .collect();
        if !object_levels.is_empty() {
            statements.push(
                Statement::allow()
                    .sid(&format!("{stem}{}{suffix}", names(&object_levels)))
                    .actions(
                        object_levels
                            .iter()
                            .flat_map(|a| a.object_actions())
                            // A retained bucket keeps its versions: Delete only adds a
                            // delete marker there (the bucket policy denies the rest).
                            .filter(|action| {
                                !(self.retain && **action == s3::actions::DELETE_OBJECT_VERSION)
                            }),
                    )
                    .resource(self.bucket.objects_arn(key_prefix)),
            );
        }

        if levels.contains(&Access::List) {
            let list = Statement::allow().sid(&format!("{stem}List{suffix}"));
            match prefix {
                None => {
                    statements.push(list.actions(s3::actions::LIST).resource(self.bucket.arn()))
                }
                Some(p) => {
                    statements.push(
                        list.actions([&s3::actions::LIST_BUCKET])
                            .resource(self.bucket.arn())
                            .condition(Condition::string_like(
                                s3::keys::PREFIX,
                                [Value::from(format!("{p}*"))],
                            )),
                    );
                    statements.push(
                        Statement::allow()
                            .sid(&format!("{stem}Locate{suffix}"))
                            .actions([&s3::actions::GET_BUCKET_LOCATION])
                            .resource(self.bucket.arn()),
                    );
                }
            }
        }

        if let Some(key) = &self.key {
            let key_levels: Vec<Access> = levels
                .iter()
                .copied()
                .filter(|a| !a.key_actions().is_empty())
                .collect();
            let mut actions: Vec<&Action> = Vec::new();
            for action in key_levels.iter().flat_map(|a| a.key_actions()) {
                if !actions.contains(&action) {
                    actions.push(action);
                }
            }
            if !actions.is_empty() {
                statements.push(
                    Statement::allow()
                        .sid(&format!("{stem}{}Key{suffix}", names(&key_levels)))
                        .actions(actions)
                        .resource(key.arn())
                        .condition(Condition::string_equals(
                            keys::KMS_VIA_SERVICE,
                            [s3_via_service()],
                        )),
                );
            }
        }
        Ok(statements)
    }

    /// Adds the statements of [`SecureBucket::grant_statements`] to `grantee`'s policy.
    pub fn grant(
        &self,
        grantee: &mut impl Grantee,
        access: &[Access],
        prefix: Option<&str>,
    ) -> Result<(), ConstructError> {
        grantee.grant(self.grant_statements(access, prefix)?)
    }

    /// Read and list every object: [`Access::READ_ONLY`].
    pub fn grant_read(&self, grantee: &mut impl Grantee) -> Result<(), ConstructError> {
        self.grant(grantee, Access::READ_ONLY, None)
    }

    /// Read, write and list every object, without delete: [`Access::READ_WRITE`].
    pub fn grant_read_write(&self, grantee: &mut impl Grantee) -> Result<(), ConstructError> {
        self.grant(grantee, Access::READ_WRITE, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;
    use serde_json::{Value as Json, json};

    /// A log bucket and two data buckets, as the team-notebooks stack has them.
    fn team_buckets() -> (Template, LogBucket, SecureBucket, SecureBucket) {
        let mut t = Template::new();
        let mut logs = LogBucket::new(
            &mut Scope::root(&mut t),
            "access-logs",
            &LogBucketProps::default(),
        )
        .unwrap();
        let raw = SecureBucket::new(
            &mut Scope::root(&mut t),
            "raw-data",
            &mut logs,
            &SecureBucketProps {
                retain: true,
                ..SecureBucketProps::default()
            },
        )
        .unwrap();
        let results = SecureBucket::new(
            &mut Scope::root(&mut t),
            "results",
            &mut logs,
            &SecureBucketProps {
                noncurrent_versions: NoncurrentVersions::ExpireAfterDays(30),
                ..SecureBucketProps::default()
            },
        )
        .unwrap();
        (t, logs, raw, results)
    }

    fn json_of(t: &Template) -> Json {
        serde_json::to_value(t).unwrap()
    }

    fn statements(list: Result<Vec<Statement>, ConstructError>) -> Json {
        let doc = list
            .unwrap()
            .into_iter()
            .fold(PolicyDocument::new(), PolicyDocument::statement);
        serde_json::to_value(Value::from(doc)).unwrap()["Statement"].clone()
    }

    fn getatt(id: &str) -> Json {
        json!({"Fn::GetAtt": [id, "Arn"]})
    }

    #[test]
    fn every_secure_default_is_in_the_template() {
        let (t, _, _, _) = team_buckets();
        let j = json_of(&t);
        let r = &j["Resources"];
        let ids: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(
            ids,
            [
                "AccessLogsBucket",
                "AccessLogsBucketPolicy",
                "RawDataBucketKey",
                "RawDataBucketKeyAlias",
                "RawDataBucket",
                "RawDataBucketPolicy",
                "ResultsBucketKey",
                "ResultsBucketKeyAlias",
                "ResultsBucket",
                "ResultsBucketPolicy"
            ],
            "logical IDs come from the names"
        );
        assert_eq!(
            r["RawDataBucket"],
            json!({
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                        "BucketKeyEnabled": true,
                        "ServerSideEncryptionByDefault": {
                            "KMSMasterKeyID": getatt("RawDataBucketKey"),
                            "SSEAlgorithm": "aws:kms"
                        }
                    }]},
                    // Retained: its noncurrent versions are kept, so no rule expires them.
                    "LifecycleConfiguration": {"Rules": [
                        {
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                            "Id": "AbortIncompleteMultipartUploads",
                            "Status": "Enabled"
                        }
                    ]},
                    "LoggingConfiguration": {
                        "DestinationBucketName": {"Ref": "AccessLogsBucket"},
                        "LogFilePrefix": "raw-data/"
                    },
                    "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": true,
                        "BlockPublicPolicy": true,
                        "IgnorePublicAcls": true,
                        "RestrictPublicBuckets": true
                    },
                    "VersioningConfiguration": {"Status": "Enabled"}
                },
                "DeletionPolicy": "RetainExceptOnCreate",
                "UpdateReplacePolicy": "Retain"
            })
        );
        let policy = &r["RawDataBucketPolicy"]["Properties"];
        assert_eq!(policy["Bucket"], json!({"Ref": "RawDataBucket"}));
        assert_eq!(
            policy["PolicyDocument"]["Statement"][0],
            json!({
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:*"],
                "Resource": [getatt("RawDataBucket"), {"Fn::Sub": "${RawDataBucket.Arn}/*"}],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}
            })
        );
        let sids = |id: &str| -> Vec<String> {
            r[id]["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["Sid"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            sids("RawDataBucketPolicy"),
            [
                "DenyInsecureTransport",
                "DenyOutsideIdentities",
                "DenyOtherEncryption",
                "DenyOtherKeys",
                "DenyAwsManagedKey",
                "DenyDeletingVersions"
            ],
            "no network perimeter before restrict_network; retained: versions kept"
        );
        assert_eq!(
            sids("ResultsBucketPolicy"),
            [
                "DenyInsecureTransport",
                "DenyOutsideIdentities",
                "DenyOtherEncryption",
                "DenyOtherKeys",
                "DenyAwsManagedKey"
            ]
        );
        // The raw-data key outlives the stack with the bucket; the results bucket and its
        // key do not.
        assert_eq!(
            r["RawDataBucketKey"]["DeletionPolicy"],
            "RetainExceptOnCreate"
        );
        assert_eq!(r["RawDataBucketKey"]["UpdateReplacePolicy"], "Retain");
        assert_eq!(
            r["RawDataBucketKey"]["Properties"]["EnableKeyRotation"],
            true
        );
        assert_eq!(r["ResultsBucket"]["DeletionPolicy"], "Delete");
        assert_eq!(r["ResultsBucket"]["UpdateReplacePolicy"], "Delete");
        assert_eq!(r["ResultsBucketKey"]["DeletionPolicy"], "Delete");
        assert_eq!(
            r["ResultsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"][0]["NoncurrentVersionExpiration"],
            json!({"NoncurrentDays": 30})
        );
        // Nothing is excepted from a rule: the retained bucket keeps its versions.
        assert!(r["RawDataBucket"].get("Metadata").is_none());
        assert!(r["ResultsBucket"].get("Metadata").is_none());
        assert_eq!(
            r["RawDataBucketKeyAlias"]["Properties"]["AliasName"],
            json!({"Fn::Sub": "alias/${AWS::StackName}-s3-raw-data"})
        );
        // No name is fixed: CloudFormation names the buckets.
        for id in ["AccessLogsBucket", "RawDataBucket", "ResultsBucket"] {
            assert!(r[id]["Properties"].get("BucketName").is_none(), "{id}");
        }
    }

    /// A bucket built with `props` next to a default log bucket, as JSON, and the
    /// template's exemptions from S3-RETAINED-VERSIONS.
    fn one_bucket(props: &SecureBucketProps) -> (Json, Vec<(String, String, String)>) {
        let mut t = Template::new();
        let mut scope = Scope::root(&mut t);
        let mut logs =
            LogBucket::new(&mut scope, "access-logs", &LogBucketProps::default()).unwrap();
        SecureBucket::new(&mut scope, "raw-data", &mut logs, props).unwrap();
        let exemptions = t
            .exemptions()
            .into_iter()
            .map(|(id, e)| (id.to_string(), e.rule, e.reason))
            .filter(|(_, rule, _)| rule == "S3-RETAINED-VERSIONS")
            .collect();
        (json_of(&t), exemptions)
    }

    fn noncurrent_days(j: &Json, id: &str) -> Vec<Json> {
        j["Resources"][id]["Properties"]["LifecycleConfiguration"]["Rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r.get("NoncurrentVersionExpiration").cloned())
            .collect()
    }

    #[test]
    fn noncurrent_versions_by_retention_and_as_asked() {
        let case = |retain: bool, noncurrent_versions: NoncurrentVersions| {
            one_bucket(&SecureBucketProps {
                retain,
                noncurrent_versions,
                ..SecureBucketProps::default()
            })
        };
        let (j, exemptions) = case(true, NoncurrentVersions::ByRetention);
        assert!(noncurrent_days(&j, "RawDataBucket").is_empty());
        assert!(
            noncurrent_days(&j, "AccessLogsBucket").is_empty(),
            "the retained log bucket keeps its versions too"
        );
        assert!(exemptions.is_empty());
        let (j, exemptions) = case(false, NoncurrentVersions::ByRetention);
        assert_eq!(
            noncurrent_days(&j, "RawDataBucket"),
            [json!({"NoncurrentDays": 90})]
        );
        assert!(exemptions.is_empty());
        let (j, exemptions) = case(false, NoncurrentVersions::Keep);
        assert!(noncurrent_days(&j, "RawDataBucket").is_empty());
        assert!(exemptions.is_empty());
        // A retained bucket that expires its versions says so where the rules read it.
        let (j, exemptions) = case(true, NoncurrentVersions::ExpireAfterDays(400));
        assert_eq!(
            noncurrent_days(&j, "RawDataBucket"),
            [json!({"NoncurrentDays": 400})]
        );
        assert_eq!(exemptions.len(), 1);
        assert_eq!(exemptions[0].0, "RawDataBucket");
        assert_eq!(exemptions[0].1, "S3-RETAINED-VERSIONS");
        assert!(exemptions[0].2.contains("400 days"), "{}", exemptions[0].2);
    }

    #[test]
    fn object_lock_locks_new_versions_and_only_administrators_may_bypass_it() {
        let admin = "arn:aws:iam::111122223333:role/deploy";
        let (j, _) = one_bucket(&SecureBucketProps {
            retain: true,
            object_lock: Some(ObjectLock { days: 365 }),
            perimeter: Perimeter {
                organization_id: None,
                admin_principals: vec![admin.to_string()],
            },
            ..SecureBucketProps::default()
        });
        let bucket = &j["Resources"]["RawDataBucket"]["Properties"];
        assert_eq!(bucket["ObjectLockEnabled"], true);
        assert_eq!(
            bucket["ObjectLockConfiguration"],
            json!({
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Days": 365, "Mode": "GOVERNANCE"}}
            })
        );
        assert_eq!(
            bucket["VersioningConfiguration"],
            json!({"Status": "Enabled"})
        );
        let statements =
            &j["Resources"]["RawDataBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"];
        let bypass = statements
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == "DenyGovernanceBypass")
            .expect("the bypass is denied");
        assert_eq!(
            bypass,
            &json!({
                "Sid": "DenyGovernanceBypass",
                "Effect": "Deny",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:BypassGovernanceRetention"],
                "Resource": [{"Fn::Sub": "${RawDataBucket.Arn}/*"}],
                "Condition": {"ArnNotLikeIfExists": {"aws:PrincipalArn": admin}}
            })
        );
        // Without Object Lock, no such statement; the log bucket never has a lock.
        let (j, _) = one_bucket(&SecureBucketProps::default());
        assert!(
            j["Resources"]["RawDataBucket"]["Properties"]
                .get("ObjectLockEnabled")
                .is_none()
        );
        assert!(
            !j["Resources"]["RawDataBucketPolicy"]
                .to_string()
                .contains("BypassGovernance")
        );
        assert!(
            j["Resources"]["AccessLogsBucket"]["Properties"]
                .get("ObjectLockEnabled")
                .is_none()
        );
    }

    #[test]
    fn a_bucket_added_after_the_network_perimeter_is_inside_it() {
        let mut t = Template::new();
        let mut scope = Scope::root(&mut t);
        let mut logs =
            LogBucket::new(&mut scope, "access-logs", &LogBucketProps::default()).unwrap();
        logs.restrict_network(&mut scope, vec![Value::from("vpce-1")]);
        SecureBucket::new(
            &mut scope,
            "cloudtrail-logs",
            &mut logs,
            &SecureBucketProps::default(),
        )
        .unwrap();
        let j = json_of(&t);
        let network = j["Resources"]["CloudtrailLogsBucketPolicy"]["Properties"]["PolicyDocument"]
            ["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == "DenyOutsideNetwork")
            .cloned()
            .expect("the later bucket denies requests from outside the network");
        assert_eq!(
            network["Condition"]["StringNotEqualsIfExists"]["aws:SourceVpce"],
            "vpce-1"
        );
    }

    #[test]
    fn an_object_lock_period_s3_refuses_is_an_error() {
        let mut t = Template::new();
        let mut scope = Scope::root(&mut t);
        let mut logs =
            LogBucket::new(&mut scope, "access-logs", &LogBucketProps::default()).unwrap();
        let err = SecureBucket::new(
            &mut scope,
            "raw-data",
            &mut logs,
            &SecureBucketProps {
                object_lock: Some(ObjectLock { days: 0 }),
                ..SecureBucketProps::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, ConstructError::Invalid(_)), "{err}");
    }

    #[test]
    fn log_bucket_uses_sse_s3_does_not_log_and_admits_each_source_under_its_prefix() {
        let (t, _, _, _) = team_buckets();
        let j = json_of(&t);
        let logs = &j["Resources"]["AccessLogsBucket"];
        assert_eq!(
            logs["Properties"]["BucketEncryption"],
            json!({"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        );
        assert!(logs["Properties"].get("LoggingConfiguration").is_none());
        assert_eq!(logs["DeletionPolicy"], "RetainExceptOnCreate");
        for key in [
            "PublicAccessBlockConfiguration",
            "VersioningConfiguration",
            "OwnershipControls",
            "LifecycleConfiguration",
        ] {
            assert!(logs["Properties"].get(key).is_some(), "{key}");
        }
        let source = |name: &str, id: &str| {
            json!({
                "Sid": format!("ServerAccessLogsFrom{}", pascal_case(name)),
                "Effect": "Allow",
                "Principal": {"Service": ["logging.s3.amazonaws.com"]},
                "Action": ["s3:PutObject"],
                "Resource": [{"Fn::Sub": format!("${{AccessLogsBucket.Arn}}/{name}/*")}],
                "Condition": {
                    "ArnLike": {"aws:SourceArn": getatt(id)},
                    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                }
            })
        };
        let policy = &j["Resources"]["AccessLogsBucketPolicy"]["Properties"];
        assert_eq!(policy["Bucket"], json!({"Ref": "AccessLogsBucket"}));
        let statements = policy["PolicyDocument"]["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 5);
        assert_eq!(statements[0]["Sid"], "DenyInsecureTransport");
        assert_eq!(statements[1]["Sid"], "DenyOutsideIdentities");
        assert_eq!(
            statements[2]["Sid"], "DenyDeletingVersions",
            "the retained log bucket keeps its versions"
        );
        assert_eq!(statements[3], source("raw-data", "RawDataBucket"));
        assert_eq!(statements[4], source("results", "ResultsBucket"));
    }

    #[test]
    fn the_rule_pack_finds_nothing() {
        let (t, _, _, _) = team_buckets();
        let findings = crate::validate::validate(&crate::synth::json_tree(&t), t.to_json().len());
        assert!(
            findings.is_empty(),
            "{}",
            findings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn grants_per_access_level() {
        let (_, _, raw, results) = team_buckets();
        let objects = json!({"Fn::Sub": "${RawDataBucket.Arn}/*"});
        let key_stmt = |sid: &str, actions: Json| {
            json!({
                "Sid": sid,
                "Effect": "Allow",
                "Action": actions,
                "Resource": [getatt("RawDataBucketKey")],
                "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}}}
            })
        };

        assert_eq!(
            statements(raw.grant_statements(&[Access::Read], None)),
            json!([
                {"Sid": "RawDataRead", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": [objects]},
                key_stmt("RawDataReadKey", json!(["kms:Decrypt"]))
            ])
        );
        assert_eq!(
            statements(raw.grant_statements(&[Access::Write], None)),
            json!([
                {"Sid": "RawDataWrite", "Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"], "Resource": [objects]},
                key_stmt("RawDataWriteKey", json!(["kms:Decrypt", "kms:GenerateDataKey"]))
            ])
        );
        assert_eq!(
            statements(raw.grant_statements(&[Access::Delete], None)),
            json!([
                {"Sid": "RawDataDelete", "Effect": "Allow", "Action": ["s3:DeleteObject"], "Resource": [objects]}
            ]),
            "deleting needs no key; a retained bucket keeps its versions"
        );
        assert_eq!(
            statements(results.grant_statements(&[Access::Delete], None)),
            json!([
                {"Sid": "ResultsDelete", "Effect": "Allow", "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"], "Resource": [{"Fn::Sub": "${ResultsBucket.Arn}/*"}]}
            ])
        );
        assert_eq!(
            statements(raw.grant_statements(&[Access::List], None)),
            json!([
                {"Sid": "RawDataList", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": [getatt("RawDataBucket")]}
            ])
        );
        assert_eq!(
            statements(raw.grant_statements(
                &[
                    Access::List,
                    Access::Delete,
                    Access::Write,
                    Access::Read,
                    Access::Read
                ],
                None
            )),
            json!([
                {"Sid": "RawDataReadWriteDelete", "Effect": "Allow", "Action": [
                    "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload",
                    "s3:DeleteObject"], "Resource": [objects]},
                {"Sid": "RawDataList", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": [getatt("RawDataBucket")]},
                key_stmt("RawDataReadWriteKey", json!(["kms:Decrypt", "kms:GenerateDataKey"]))
            ]),
            "order and repeats of the levels do not matter"
        );
        assert_eq!(
            statements(raw.grant_statements(Access::FULL, None)),
            statements(raw.grant_statements(
                &[Access::Delete, Access::List, Access::Write, Access::Read],
                None
            ))
        );
        assert!(raw.grant_statements(&[], None).unwrap().is_empty());
    }

    #[test]
    fn grants_with_a_prefix() {
        let (_, _, raw, _) = team_buckets();
        assert_eq!(
            statements(raw.grant_statements(Access::READ_ONLY, Some("incoming/"))),
            json!([
                {"Sid": "RawDataReadIncoming", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                 "Resource": [{"Fn::Sub": "${RawDataBucket.Arn}/incoming/*"}]},
                {"Sid": "RawDataListIncoming", "Effect": "Allow", "Action": ["s3:ListBucket"],
                 "Resource": [getatt("RawDataBucket")],
                 "Condition": {"StringLike": {"s3:prefix": "incoming/*"}}},
                {"Sid": "RawDataLocateIncoming", "Effect": "Allow", "Action": ["s3:GetBucketLocation"],
                 "Resource": [getatt("RawDataBucket")]},
                {"Sid": "RawDataReadKeyIncoming", "Effect": "Allow", "Action": ["kms:Decrypt"],
                 "Resource": [getatt("RawDataBucketKey")],
                 "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}}}}
            ])
        );
        // An IAM policy variable in the prefix reaches the policy as written.
        let home =
            statements(raw.grant_statements(&[Access::Write], Some("home/${aws:username}/")));
        assert_eq!(
            home[0]["Resource"],
            json!([{"Fn::Sub": "${RawDataBucket.Arn}/home/${!aws:username}/*"}])
        );
    }

    #[test]
    fn list_bucket_is_on_the_bucket_and_object_actions_on_its_objects() {
        // seed 001 put ListBucket on `bucket/*`, where it never matches.
        let (_, _, raw, results) = team_buckets();
        for bucket in [&raw, &results] {
            for prefix in [None, Some("a/")] {
                let all = statements(bucket.grant_statements(Access::FULL, prefix));
                for s in all.as_array().unwrap() {
                    let actions: Vec<&str> = s["Action"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap())
                        .collect();
                    let resource = &s["Resource"][0];
                    let on_bucket = resource.get("Fn::GetAtt").is_some()
                        && resource["Fn::GetAtt"][0]
                            .as_str()
                            .unwrap()
                            .ends_with("Bucket");
                    let on_objects = resource.get("Fn::Sub").is_some();
                    for a in &actions {
                        assert!(!a.contains('*'), "wildcard action {a}");
                        if ["s3:ListBucket", "s3:GetBucketLocation"].contains(a) {
                            assert!(on_bucket, "{a} must be on the bucket ARN: {s}");
                        } else if a.starts_with("s3:") {
                            assert!(on_objects, "{a} must be on bucket/*: {s}");
                        }
                    }
                    assert_ne!(resource, &json!("*"));
                }
            }
        }
    }

    #[test]
    fn sse_s3_and_shared_key_buckets() {
        let mut t = Template::new();
        let mut logs = LogBucket::new(
            &mut Scope::root(&mut t),
            "access-logs",
            &LogBucketProps::default(),
        )
        .unwrap();
        let plain = SecureBucket::new(
            &mut Scope::root(&mut t),
            "scratch",
            &mut logs,
            &SecureBucketProps {
                encryption: Encryption::S3Managed,
                ..SecureBucketProps::default()
            },
        )
        .unwrap();
        assert!(plain.key.is_none());
        assert_eq!(
            statements(plain.grant_statements(&[Access::Read], None))
                .as_array()
                .unwrap()
                .len(),
            1,
            "no key statement for SSE-S3"
        );
        let first = SecureBucket::new(
            &mut Scope::root(&mut t),
            "first",
            &mut logs,
            &SecureBucketProps::default(),
        )
        .unwrap()
        .key
        .unwrap();
        let shared = SecureBucket::new(
            &mut Scope::root(&mut t),
            "second",
            &mut logs,
            &SecureBucketProps {
                encryption: Encryption::Kms(first),
                retain: true,
                ..SecureBucketProps::default()
            },
        )
        .unwrap();
        let j = json_of(&t);
        assert_eq!(
            j["Resources"]["ScratchBucket"]["Properties"]["BucketEncryption"],
            json!({"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        );
        assert_eq!(
            j["Resources"]["SecondBucket"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                [0]["ServerSideEncryptionByDefault"]["KMSMasterKeyID"],
            getatt("FirstBucketKey")
        );
        assert!(j["Resources"].get("SecondBucketKey").is_none());
        assert_eq!(
            j["Resources"]["FirstBucketKey"]["DeletionPolicy"], "RetainExceptOnCreate",
            "a shared key is retained when a retained bucket uses it"
        );
        assert_eq!(j["Resources"]["FirstBucket"]["DeletionPolicy"], "Delete");
        assert_eq!(
            statements(shared.grant_statements(&[Access::Read], None))[1]["Resource"],
            json!([getatt("FirstBucketKey")])
        );
        assert!(crate::validate::validate(&crate::template::json::Json::from(&j), 0).is_empty());
    }

    #[test]
    fn names() {
        let mut t = Template::new();
        let mut logs = LogBucket::new(
            &mut Scope::root(&mut t),
            "access-logs",
            &LogBucketProps {
                bucket_name: Some("team-access-logs-111122223333".to_string()),
                ..LogBucketProps::default()
            },
        )
        .unwrap();
        SecureBucket::new(
            &mut Scope::root(&mut t),
            "raw-data",
            &mut logs,
            &SecureBucketProps {
                bucket_name: Some("team-raw-data-111122223333".to_string()),
                retain: true,
                ..SecureBucketProps::default()
            },
        )
        .unwrap();
        let j = json_of(&t);
        assert_eq!(
            j["Resources"]["RawDataBucket"]["Properties"]["BucketName"],
            "team-raw-data-111122223333"
        );
        assert_eq!(
            j["Resources"]["AccessLogsBucket"]["Properties"]["BucketName"],
            "team-access-logs-111122223333"
        );

        let build = |name: &str, props: SecureBucketProps| {
            let mut t = Template::new();
            let mut scope = Scope::root(&mut t);
            let mut logs =
                LogBucket::new(&mut scope, "access-logs", &LogBucketProps::default()).unwrap();
            SecureBucket::new(&mut scope, name, &mut logs, &props).map(|_| ())
        };
        for bad in [
            "Team-Raw",
            "ab",
            "team.raw.data",
            &"a".repeat(64),
            "xn--raw",
        ] {
            let err = build(
                "raw-data",
                SecureBucketProps {
                    bucket_name: Some(bad.to_string()),
                    ..SecureBucketProps::default()
                },
            )
            .unwrap_err();
            assert!(matches!(err, ConstructError::Invalid(_)), "{bad}: {err}");
        }
        for bad in ["", "Raw", "raw_data", "-raw", "raw-", "raw--data"] {
            assert!(build(bad, SecureBucketProps::default()).is_err(), "{bad:?}");
        }
        let zero = build(
            "raw-data",
            SecureBucketProps {
                noncurrent_versions: NoncurrentVersions::ExpireAfterDays(0),
                ..SecureBucketProps::default()
            },
        );
        assert!(zero.is_err());
    }

    #[test]
    fn a_derived_name_cannot_fit_in_the_worst_case() {
        // `${AWS::StackName}-x-${AWS::AccountId}-${AWS::Region}` with a 128-character
        // stack name: which is why BucketName is left to CloudFormation.
        assert!(derived_name_worst_case_len("x") > MAX_BUCKET_NAME_LEN);
        assert_eq!(
            derived_name_worst_case_len("raw-data"),
            128 + 1 + 8 + 1 + 12 + 1 + 16
        );
    }

    #[test]
    fn adding_a_bucket_renames_nothing() {
        let (one, _, _, _) = team_buckets();
        let (mut two, mut logs, _, _) = team_buckets();
        SecureBucket::new(
            &mut Scope::root(&mut two),
            "features",
            &mut logs,
            &SecureBucketProps::default(),
        )
        .unwrap();
        let ids = |t: &Template| {
            t.resources()
                .map(|(id, _)| id.to_string())
                .collect::<Vec<_>>()
        };
        let before = ids(&one);
        let after = ids(&two);
        assert_eq!(&after[..before.len()], &before[..]);
        for id in &before {
            if id != "AccessLogsBucketPolicy" {
                assert_eq!(one.resource(id), two.resource(id), "{id} changed");
            }
        }
    }

    #[test]
    fn prefixes_are_checked() {
        for ok in ["incoming/", "a", "home/${aws:username}/"] {
            assert!(check_prefix(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/abs", "a*", "a?b", "a\nb"] {
            assert!(check_prefix(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn grant_refuses_a_wildcard_prefix_with_an_error() {
        let (_, _, raw, _) = team_buckets();
        let err = raw
            .grant_statements(&[Access::Read], Some("*"))
            .unwrap_err();
        assert!(err.to_string().contains("wildcard"), "{err}");
        let mut doc = PolicyDocument::new();
        assert!(raw.grant(&mut doc, &[Access::Read], Some("*")).is_err());
        assert!(doc.is_empty(), "nothing is granted on an error");
    }

    #[test]
    fn grant_read_adds_to_the_grantee_what_grant_statements_lists() {
        let (_, _, raw, _) = team_buckets();
        let mut doc = PolicyDocument::new();
        raw.grant_read(&mut doc).unwrap();
        assert_eq!(
            doc.statement_list(),
            raw.grant_statements(Access::READ_ONLY, None)
                .unwrap()
                .as_slice()
        );
    }
}
