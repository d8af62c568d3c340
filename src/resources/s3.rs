//! Amazon S3 resource types (`AWS::S3::Bucket`, `AWS::S3::BucketPolicy` and the nested
//! property types the secure-bucket construct sets), action names and condition keys.
//! Property names and shapes follow the CloudFormation resource schemas that cfn-lint
//! ships. Lists that CloudFormation requires (`ServerSideEncryptionConfiguration`,
//! `OwnershipControls.Rules`, `LifecycleConfiguration.Rules`) are `required` properties
//! taking a list (`.rules([rule])`), so `build()` refuses to leave them out.

use crate::sub;
use crate::template::{Handle, Value};

use super::iam::policy::PolicyDocument;

/// Tags have the same `Key` / `Value` shape on every resource type.
pub use super::ec2::Tag;

cfn_enum! {
    /// `SSEAlgorithm` of `AWS::S3::Bucket.ServerSideEncryptionByDefault`: SSE-KMS, SSE-S3
    /// or dual-layer SSE-KMS
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-serversideencryptionbydefault.html>).
    SseAlgorithm {
        /// SSE-KMS: objects encrypted with a KMS key (`KMSMasterKeyID`).
        AwsKms => "aws:kms",
        /// SSE-S3: objects encrypted with an S3-managed key.
        Aes256 => "AES256",
        /// DSSE-KMS: two layers of encryption with a KMS key.
        AwsKmsDsse => "aws:kms:dsse",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.ServerSideEncryptionByDefault`: the algorithm and, for SSE-KMS,
    /// the key (give its full ARN, as the schema recommends).
    ServerSideEncryptionByDefault / ServerSideEncryptionByDefaultBuilder ("AWS::S3::Bucket.ServerSideEncryptionByDefault") {
        optional kms_master_key_id: Value => "KMSMasterKeyID",
        required sse_algorithm: SseAlgorithm => "SSEAlgorithm",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.ServerSideEncryptionRule`.
    ServerSideEncryptionRule / ServerSideEncryptionRuleBuilder ("AWS::S3::Bucket.ServerSideEncryptionRule") {
        optional bucket_key_enabled: bool => "BucketKeyEnabled",
        optional server_side_encryption_by_default: ServerSideEncryptionByDefault => "ServerSideEncryptionByDefault",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.BucketEncryption`: the bucket's default encryption.
    BucketEncryption / BucketEncryptionBuilder ("AWS::S3::Bucket.BucketEncryption") {
        required server_side_encryption_configuration: Vec<ServerSideEncryptionRule> => "ServerSideEncryptionConfiguration",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.PublicAccessBlockConfiguration`.
    PublicAccessBlockConfiguration / PublicAccessBlockConfigurationBuilder ("AWS::S3::Bucket.PublicAccessBlockConfiguration") {
        optional block_public_acls: bool => "BlockPublicAcls",
        optional block_public_policy: bool => "BlockPublicPolicy",
        optional ignore_public_acls: bool => "IgnorePublicAcls",
        optional restrict_public_buckets: bool => "RestrictPublicBuckets",
    }
}

impl PublicAccessBlockConfiguration {
    /// All four settings on: no ACL or policy can make the bucket or its objects public.
    pub fn block_all() -> PublicAccessBlockConfiguration {
        PublicAccessBlockConfiguration::builder()
            .block_public_acls(true)
            .block_public_policy(true)
            .ignore_public_acls(true)
            .restrict_public_buckets(true)
            .build()
            .expect("no property is required")
    }
}

cfn_enum! {
    /// `Status` of `AWS::S3::Bucket.VersioningConfiguration`: once enabled, versioning can
    /// only be suspended (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-versioningconfiguration.html>).
    VersioningStatus {
        Enabled => "Enabled",
        Suspended => "Suspended",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.VersioningConfiguration`.
    VersioningConfiguration / VersioningConfigurationBuilder ("AWS::S3::Bucket.VersioningConfiguration") {
        required status: VersioningStatus => "Status",
    }
}

impl VersioningConfiguration {
    /// Versioning on: overwritten and deleted objects stay recoverable as earlier versions.
    pub fn enabled() -> VersioningConfiguration {
        VersioningConfiguration::builder()
            .status(VersioningStatus::Enabled)
            .build()
            .expect("the required property is set")
    }
}

cfn_enum! {
    /// `ObjectOwnership` of `AWS::S3::Bucket.OwnershipControlsRule`
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-ownershipcontrolsrule.html>).
    ObjectOwnership {
        /// The writer of an object owns it (ACLs enabled).
        ObjectWriter => "ObjectWriter",
        /// The bucket owner owns objects written with the `bucket-owner-full-control` ACL.
        BucketOwnerPreferred => "BucketOwnerPreferred",
        /// ACLs disabled: the bucket owner owns every object.
        BucketOwnerEnforced => "BucketOwnerEnforced",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.OwnershipControlsRule`.
    OwnershipControlsRule / OwnershipControlsRuleBuilder ("AWS::S3::Bucket.OwnershipControlsRule") {
        optional object_ownership: ObjectOwnership => "ObjectOwnership",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.OwnershipControls`.
    OwnershipControls / OwnershipControlsBuilder ("AWS::S3::Bucket.OwnershipControls") {
        required rules: Vec<OwnershipControlsRule> => "Rules",
    }
}

impl OwnershipControls {
    /// ACLs disabled: the bucket owner owns every object, whoever wrote it.
    pub fn bucket_owner_enforced() -> OwnershipControls {
        let rule = OwnershipControlsRule::builder()
            .object_ownership(ObjectOwnership::BucketOwnerEnforced)
            .build()
            .expect("no property is required");
        OwnershipControls::builder()
            .rules([rule])
            .build()
            .expect("the required property is set")
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.LoggingConfiguration`: where server access logs go.
    LoggingConfiguration / LoggingConfigurationBuilder ("AWS::S3::Bucket.LoggingConfiguration") {
        optional destination_bucket_name: Value => "DestinationBucketName",
        optional log_file_prefix: Value => "LogFilePrefix",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.NoncurrentVersionExpiration`.
    NoncurrentVersionExpiration / NoncurrentVersionExpirationBuilder ("AWS::S3::Bucket.NoncurrentVersionExpiration") {
        optional newer_noncurrent_versions: i64 => "NewerNoncurrentVersions",
        required noncurrent_days: i64 => "NoncurrentDays",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.AbortIncompleteMultipartUpload`.
    AbortIncompleteMultipartUpload / AbortIncompleteMultipartUploadBuilder ("AWS::S3::Bucket.AbortIncompleteMultipartUpload") {
        required days_after_initiation: i64 => "DaysAfterInitiation",
    }
}

cfn_enum! {
    /// `Status` of a lifecycle rule, `AWS::S3::Bucket.Rule`
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-rule.html>).
    LifecycleRuleStatus {
        Enabled => "Enabled",
        Disabled => "Disabled",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.Rule`: one lifecycle rule.
    LifecycleRule / LifecycleRuleBuilder ("AWS::S3::Bucket.Rule") {
        optional abort_incomplete_multipart_upload: AbortIncompleteMultipartUpload => "AbortIncompleteMultipartUpload",
        optional expiration_in_days: i64 => "ExpirationInDays",
        optional expired_object_delete_marker: bool => "ExpiredObjectDeleteMarker",
        optional id: Value => "Id",
        optional noncurrent_version_expiration: NoncurrentVersionExpiration => "NoncurrentVersionExpiration",
        optional prefix: Value => "Prefix",
        required status: LifecycleRuleStatus => "Status",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.LifecycleConfiguration`.
    LifecycleConfiguration / LifecycleConfigurationBuilder ("AWS::S3::Bucket.LifecycleConfiguration") {
        required rules: Vec<LifecycleRule> => "Rules",
    }
}

cfn_enum! {
    /// `ObjectLockEnabled` of `AWS::S3::Bucket.ObjectLockConfiguration`: its only allowed
    /// value (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-objectlockconfiguration.html>).
    ObjectLockEnabled {
        Enabled => "Enabled",
    }
}

cfn_enum! {
    /// `Mode` of `AWS::S3::Bucket.DefaultRetention`
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-defaultretention.html>).
    ObjectLockRetentionMode {
        /// Nobody, the root user included, can delete or overwrite a locked version or
        /// shorten its retention until it ends.
        Compliance => "COMPLIANCE",
        /// A locked version can be deleted, or its retention shortened, only by a caller
        /// holding `s3:BypassGovernanceRetention` who sends the bypass header.
        Governance => "GOVERNANCE",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.DefaultRetention`: the mode and period new object versions are
    /// locked with; the period is `Days` or `Years`, never both (the reference says so; the
    /// builder cannot tell, so the construct sets one).
    DefaultRetention / DefaultRetentionBuilder ("AWS::S3::Bucket.DefaultRetention") {
        optional days: i64 => "Days",
        optional mode: ObjectLockRetentionMode => "Mode",
        optional years: i64 => "Years",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.ObjectLockRule`.
    ObjectLockRule / ObjectLockRuleBuilder ("AWS::S3::Bucket.ObjectLockRule") {
        optional default_retention: DefaultRetention => "DefaultRetention",
    }
}

cfn_properties! {
    /// `AWS::S3::Bucket.ObjectLockConfiguration`: Object Lock on, and the default rule for
    /// new object versions. Goes with the bucket's `ObjectLockEnabled: true`.
    ObjectLockConfiguration / ObjectLockConfigurationBuilder ("AWS::S3::Bucket.ObjectLockConfiguration") {
        optional object_lock_enabled: ObjectLockEnabled => "ObjectLockEnabled",
        optional rule: ObjectLockRule => "Rule",
    }
}

cfn_resource! {
    /// A general-purpose bucket. Without `BucketName`, CloudFormation generates a unique
    /// name from the stack name and logical ID.
    Bucket / BucketBuilder = "AWS::S3::Bucket" {
        optional bucket_encryption: BucketEncryption => "BucketEncryption",
        optional bucket_name: Value => "BucketName",
        optional lifecycle_configuration: LifecycleConfiguration => "LifecycleConfiguration",
        optional logging_configuration: LoggingConfiguration => "LoggingConfiguration",
        optional object_lock_configuration: ObjectLockConfiguration => "ObjectLockConfiguration",
        optional object_lock_enabled: bool => "ObjectLockEnabled",
        optional ownership_controls: OwnershipControls => "OwnershipControls",
        optional public_access_block_configuration: PublicAccessBlockConfiguration => "PublicAccessBlockConfiguration",
        list tags: Tag => "Tags",
        optional versioning_configuration: VersioningConfiguration => "VersioningConfiguration",
    }
}

impl Handle<Bucket> {
    /// `Ref` of a bucket: its name.
    pub fn name(&self) -> Value {
        self.reference()
    }

    /// The bucket's ARN (`arn:…:s3:::name`): what bucket-level actions such as
    /// `s3:ListBucket` apply to.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }

    /// The ARN pattern of the objects whose keys start with `prefix`:
    /// `${Bucket.Arn}/<prefix>*` (`${Bucket.Arn}/*` for every object). Object actions
    /// such as `s3:GetObject` apply to these, never to the bucket ARN. A `${…}` in the
    /// prefix (an IAM policy variable such as `${aws:username}`) is escaped for Fn::Sub,
    /// so it reaches the policy as written.
    pub fn objects_arn(&self, prefix: &str) -> Value {
        sub![self.arn(), "/", prefix, "*"]
    }
}

cfn_resource! {
    /// The resource policy of a bucket (one per bucket).
    BucketPolicy / BucketPolicyBuilder = "AWS::S3::BucketPolicy" {
        required bucket: Value => "Bucket",
        required policy_document: PolicyDocument => "PolicyDocument",
    }
}

/// S3 actions, and the groups the grants of the secure-bucket construct hand out.
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// Reads an object (the current version).
    pub const GET_OBJECT: Action = Action::new("s3:GetObject");
    /// Reads a given version of an object.
    pub const GET_OBJECT_VERSION: Action = Action::new("s3:GetObjectVersion");
    /// Also covers CreateMultipartUpload, UploadPart and CompleteMultipartUpload.
    pub const PUT_OBJECT: Action = Action::new("s3:PutObject");
    /// Read a bucket's ACL (CloudTrail checks it before delivering).
    pub const GET_BUCKET_ACL: Action = Action::new("s3:GetBucketAcl");
    /// Abandons a multipart upload, freeing its parts.
    pub const ABORT_MULTIPART_UPLOAD: Action = Action::new("s3:AbortMultipartUpload");
    /// Deletes an object (with versioning, adds a delete marker).
    pub const DELETE_OBJECT: Action = Action::new("s3:DeleteObject");
    /// Deletes a version for good, which versioning alone cannot undo.
    pub const DELETE_OBJECT_VERSION: Action = Action::new("s3:DeleteObjectVersion");
    /// Lets a request that sends `x-amz-bypass-governance-retention: true` delete a
    /// version locked in governance mode, or shorten or remove its lock (Service
    /// Authorization Reference: access level Permissions management, resource type
    /// `object`).
    pub const BYPASS_GOVERNANCE_RETENTION: Action = Action::new("s3:BypassGovernanceRetention");
    /// A bucket-level action: its resource is the bucket ARN, not `bucket/*`.
    pub const LIST_BUCKET: Action = Action::new("s3:ListBucket");
    /// A bucket-level action: what `ListObjectVersions` (every version and delete marker)
    /// is authorized by, under this other name.
    pub const LIST_BUCKET_VERSIONS: Action = Action::new("s3:ListBucketVersions");
    /// A bucket-level action that SDKs call to find the bucket's region.
    pub const GET_BUCKET_LOCATION: Action = Action::new("s3:GetBucketLocation");
    /// Every S3 action: only ever in a Deny (the TLS-only bucket policy).
    pub const ALL: Action = Action::new("s3:*");

    /// Reading objects and their earlier versions (on `bucket/*`).
    pub const READ_OBJECTS: &[Action] = &[GET_OBJECT, GET_OBJECT_VERSION];
    /// Writing objects, including multipart uploads and abandoning them (on `bucket/*`).
    pub const WRITE_OBJECTS: &[Action] = &[PUT_OBJECT, ABORT_MULTIPART_UPLOAD];
    /// Deleting objects and versions (on `bucket/*`).
    pub const DELETE_OBJECTS: &[Action] = &[DELETE_OBJECT, DELETE_OBJECT_VERSION];
    /// Listing keys and locating the bucket (on the bucket ARN).
    pub const LIST: &[Action] = &[LIST_BUCKET, GET_BUCKET_LOCATION];
}

/// KMS actions a caller needs on the key of an SSE-KMS bucket, which S3 calls on its
/// behalf. (`kms:GenerateDataKey` is named here, not in `kms::actions`, which only has
/// the wildcard form: S3 needs no other data-key variant.)
pub mod key_actions {
    use crate::resources::iam::policy::Action;
    use crate::resources::kms::actions::DECRYPT;

    /// A data key to encrypt one object (or the bucket key) with.
    pub const GENERATE_DATA_KEY: Action = Action::new("kms:GenerateDataKey");

    /// Reading SSE-KMS objects.
    pub const READ: &[Action] = &[DECRYPT];
    /// Writing SSE-KMS objects: a data key for each object (or bucket key), and Decrypt
    /// because a multipart upload decrypts its parts' data key to complete.
    pub const WRITE: &[Action] = &[DECRYPT, GENERATE_DATA_KEY];
}

/// S3 condition keys.
pub mod keys {
    use crate::resources::iam::policy::ConditionKey;

    /// The key prefix of a ListBucket request; single-valued.
    pub const PREFIX: ConditionKey = ConditionKey::single("s3:prefix");
    /// The `x-amz-server-side-encryption` header of a PutObject (or multipart upload)
    /// request: absent when the request relies on the bucket's default encryption.
    pub const SSE: ConditionKey = ConditionKey::single("s3:x-amz-server-side-encryption");
    /// The `x-amz-server-side-encryption-aws-kms-key-id` header: the KMS key a request
    /// names; absent when it names none.
    pub const SSE_KMS_KEY_ID: ConditionKey =
        ConditionKey::single("s3:x-amz-server-side-encryption-aws-kms-key-id");
}

/// Checks an S3 bucket name against S3's general-purpose bucket rules.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return Err(format!(
            "`{name}` is {len} characters; a bucket name has 3 to 63"
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return Err(format!(
            "`{name}` may only hold lower-case letters, digits, hyphens and dots"
        ));
    }
    let first = name.as_bytes()[0];
    let last = name.as_bytes()[len - 1];
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return Err(format!(
            "`{name}` must start and end with a letter or digit"
        ));
    }
    if name.contains("..") {
        return Err(format!("`{name}` has two adjacent dots"));
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return Err(format!("`{name}` looks like an IP address"));
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Err(format!(
                "`{name}` starts with the reserved prefix `{prefix}`"
            ));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", "--x-s3", "--table-s3", ".mrap"] {
        if name.ends_with(suffix) {
            return Err(format!("`{name}` ends with the reserved suffix `{suffix}`"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::iam::policy::{Principal, Statement};
    use crate::template::{LogicalId, Template};

    fn json(v: impl Into<Value>) -> serde_json::Value {
        serde_json::to_value(v.into()).unwrap()
    }

    fn missing<T>(result: Result<T, crate::resources::MissingProperty>) -> String {
        match result {
            Ok(_) => panic!("built without a required property"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn enums_have_the_allowed_values_of_the_resource_reference() {
        assert_allowed_values!(SseAlgorithm, ["aws:kms", "AES256", "aws:kms:dsse"]);
        assert_allowed_values!(VersioningStatus, ["Enabled", "Suspended"]);
        assert_allowed_values!(
            ObjectOwnership,
            [
                "ObjectWriter",
                "BucketOwnerPreferred",
                "BucketOwnerEnforced"
            ]
        );
        assert_allowed_values!(LifecycleRuleStatus, ["Enabled", "Disabled"]);
        assert_allowed_values!(ObjectLockEnabled, ["Enabled"]);
        assert_allowed_values!(ObjectLockRetentionMode, ["COMPLIANCE", "GOVERNANCE"]);
    }

    #[test]
    fn builders_refuse_missing_required_properties() {
        assert_eq!(
            missing(ServerSideEncryptionByDefault::builder().build()),
            "AWS::S3::Bucket.ServerSideEncryptionByDefault needs the property `SSEAlgorithm`"
        );
        assert_eq!(
            missing(BucketEncryption::builder().build()),
            "AWS::S3::Bucket.BucketEncryption needs the property `ServerSideEncryptionConfiguration`"
        );
        assert_eq!(
            missing(VersioningConfiguration::builder().build()),
            "AWS::S3::Bucket.VersioningConfiguration needs the property `Status`"
        );
        assert_eq!(
            missing(OwnershipControls::builder().build()),
            "AWS::S3::Bucket.OwnershipControls needs the property `Rules`"
        );
        assert_eq!(
            missing(NoncurrentVersionExpiration::builder().build()),
            "AWS::S3::Bucket.NoncurrentVersionExpiration needs the property `NoncurrentDays`"
        );
        assert_eq!(
            missing(AbortIncompleteMultipartUpload::builder().build()),
            "AWS::S3::Bucket.AbortIncompleteMultipartUpload needs the property `DaysAfterInitiation`"
        );
        assert_eq!(
            missing(LifecycleRule::builder().id("x").build()),
            "AWS::S3::Bucket.Rule needs the property `Status`"
        );
        assert_eq!(
            missing(LifecycleConfiguration::builder().build()),
            "AWS::S3::Bucket.LifecycleConfiguration needs the property `Rules`"
        );
        assert_eq!(
            missing(
                BucketPolicy::builder()
                    .policy_document(PolicyDocument::new())
                    .build()
            ),
            "AWS::S3::BucketPolicy needs the property `Bucket`"
        );
        assert_eq!(
            missing(BucketPolicy::builder().bucket("b").build()),
            "AWS::S3::BucketPolicy needs the property `PolicyDocument`"
        );
        // A bucket has no required property: CloudFormation names it when BucketName is absent.
        assert!(Bucket::builder().build().is_ok());
    }

    #[test]
    fn bucket_properties_have_the_schema_shapes() {
        let encryption = BucketEncryption::builder()
            .server_side_encryption_configuration([ServerSideEncryptionRule::builder()
                .bucket_key_enabled(true)
                .server_side_encryption_by_default(
                    ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(SseAlgorithm::AwsKms)
                        .kms_master_key_id("arn:aws:kms:eu-west-1:111122223333:key/k")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()])
            .build()
            .unwrap();
        let lifecycle = LifecycleConfiguration::builder()
            .rules([LifecycleRule::builder()
                .id("Old")
                .status(LifecycleRuleStatus::Enabled)
                .noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(30)
                        .build()
                        .unwrap(),
                )
                .abort_incomplete_multipart_upload(
                    AbortIncompleteMultipartUpload::builder()
                        .days_after_initiation(7)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()])
            .build()
            .unwrap();
        let bucket = Bucket::builder()
            .bucket_encryption(encryption)
            .bucket_name("team-raw-data")
            .lifecycle_configuration(lifecycle)
            .logging_configuration(
                LoggingConfiguration::builder()
                    .destination_bucket_name("logs")
                    .log_file_prefix("raw-data/")
                    .build()
                    .unwrap(),
            )
            .ownership_controls(OwnershipControls::bucket_owner_enforced())
            .public_access_block_configuration(PublicAccessBlockConfiguration::block_all())
            .tags(Tag::new("team", "ml"))
            .versioning_configuration(VersioningConfiguration::enabled())
            .build()
            .unwrap();
        let props = crate::template::Resource::into_properties(bucket);
        assert_eq!(
            json(Value::Map(props)),
            serde_json::json!({
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                    "BucketKeyEnabled": true,
                    "ServerSideEncryptionByDefault": {
                        "KMSMasterKeyID": "arn:aws:kms:eu-west-1:111122223333:key/k",
                        "SSEAlgorithm": "aws:kms"
                    }
                }]},
                "BucketName": "team-raw-data",
                "LifecycleConfiguration": {"Rules": [{
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                    "Id": "Old",
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    "Status": "Enabled"
                }]},
                "LoggingConfiguration": {"DestinationBucketName": "logs", "LogFilePrefix": "raw-data/"},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": true,
                    "BlockPublicPolicy": true,
                    "IgnorePublicAcls": true,
                    "RestrictPublicBuckets": true
                },
                "Tags": [{"Key": "team", "Value": "ml"}],
                "VersioningConfiguration": {"Status": "Enabled"}
            })
        );
    }

    #[test]
    fn object_lock_has_the_schema_shape() {
        let lock = ObjectLockConfiguration::builder()
            .object_lock_enabled(ObjectLockEnabled::Enabled)
            .rule(
                ObjectLockRule::builder()
                    .default_retention(
                        DefaultRetention::builder()
                            .mode(ObjectLockRetentionMode::Governance)
                            .days(30)
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let bucket = Bucket::builder()
            .object_lock_enabled(true)
            .object_lock_configuration(lock)
            .build()
            .unwrap();
        let props = crate::template::Resource::into_properties(bucket);
        assert_eq!(
            json(Value::Map(props)),
            serde_json::json!({
                "ObjectLockConfiguration": {
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Days": 30, "Mode": "GOVERNANCE"}}
                },
                "ObjectLockEnabled": true
            })
        );
    }

    #[test]
    fn handle_gives_name_arn_and_object_arns() {
        let mut t = Template::new();
        let b = t
            .add(
                LogicalId::new("RawDataBucket").unwrap(),
                Bucket::builder().build().unwrap(),
            )
            .unwrap();
        assert_eq!(json(b.name()), serde_json::json!({"Ref": "RawDataBucket"}));
        assert_eq!(
            json(b.arn()),
            serde_json::json!({"Fn::GetAtt": ["RawDataBucket", "Arn"]})
        );
        assert_eq!(
            json(b.objects_arn("")),
            serde_json::json!({"Fn::Sub": "${RawDataBucket.Arn}/*"})
        );
        assert_eq!(
            json(b.objects_arn("incoming/")),
            serde_json::json!({"Fn::Sub": "${RawDataBucket.Arn}/incoming/*"})
        );
        assert_eq!(
            json(b.objects_arn("home/${aws:username}/")),
            serde_json::json!({"Fn::Sub": "${RawDataBucket.Arn}/home/${!aws:username}/*"}),
            "policy variables survive Fn::Sub"
        );

        let policy = BucketPolicy::builder()
            .bucket(b.name())
            .policy_document(
                PolicyDocument::new().statement(
                    Statement::allow()
                        .principal(Principal::service("logging.s3.amazonaws.com"))
                        .actions([&actions::PUT_OBJECT])
                        .resource(b.objects_arn("")),
                ),
            )
            .build()
            .unwrap();
        let props = crate::template::Resource::into_properties(policy);
        assert_eq!(props["Bucket"], b.name());
        assert_eq!(
            json(props["PolicyDocument"].clone())["Statement"][0]["Action"],
            serde_json::json!(["s3:PutObject"])
        );
    }

    #[test]
    fn action_groups_never_hold_wildcards() {
        for group in [
            actions::READ_OBJECTS,
            actions::WRITE_OBJECTS,
            actions::DELETE_OBJECTS,
            actions::LIST,
            key_actions::READ,
            key_actions::WRITE,
        ] {
            for a in group {
                assert!(!a.as_str().contains('*'), "{}", a.as_str());
            }
        }
    }

    #[test]
    fn bucket_names() {
        assert!(check_bucket_name("team-raw-data-123456789012").is_ok());
        for bad in [
            "ab",
            "Upper",
            "-start",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "name-s3alias",
            &"a".repeat(64),
        ] {
            assert!(check_bucket_name(bad).is_err(), "{bad}");
        }
    }
}
