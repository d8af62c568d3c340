//! AWS KMS resource types.

use crate::template::{Handle, Value};

use super::iam::policy::PolicyDocument;

cfn_resource! {
    Key / KeyBuilder = "AWS::KMS::Key" {
        optional description: Value => "Description",
        optional enable_key_rotation: bool => "EnableKeyRotation",
        optional enabled: bool => "Enabled",
        optional key_policy: PolicyDocument => "KeyPolicy",
        optional key_spec: Value => "KeySpec",
        optional key_usage: Value => "KeyUsage",
        optional pending_window_in_days: i64 => "PendingWindowInDays",
    }
}

impl Handle<Key> {
    /// `Ref` of a key: its key ID.
    pub fn key_id(&self) -> Value {
        self.reference()
    }
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

cfn_resource! {
    Alias / AliasBuilder = "AWS::KMS::Alias" {
        required alias_name: Value => "AliasName",
        required target_key_id: Value => "TargetKeyId",
    }
}

/// KMS actions, named once so that every policy spells them the same way.
pub mod actions {
    use crate::resources::iam::policy::Action;

    pub const ENCRYPT: Action = Action::new("kms:Encrypt");
    pub const DECRYPT: Action = Action::new("kms:Decrypt");
    pub const RE_ENCRYPT_ALL: Action = Action::new("kms:ReEncrypt*");
    pub const GENERATE_DATA_KEY_ALL: Action = Action::new("kms:GenerateDataKey*");
    pub const CREATE_GRANT: Action = Action::new("kms:CreateGrant");
    pub const DESCRIBE_KEY: Action = Action::new("kms:DescribeKey");

    /// What a key administrator needs, and nothing that uses the key for data.
    pub const ADMINISTER: &[Action] = &[
        Action::new("kms:CancelKeyDeletion"),
        Action::new("kms:CreateAlias"),
        Action::new("kms:DeleteAlias"),
        Action::new("kms:DescribeKey"),
        Action::new("kms:DisableKey"),
        Action::new("kms:DisableKeyRotation"),
        Action::new("kms:EnableKey"),
        Action::new("kms:EnableKeyRotation"),
        Action::new("kms:GetKeyPolicy"),
        Action::new("kms:GetKeyRotationStatus"),
        Action::new("kms:ListAliases"),
        Action::new("kms:ListGrants"),
        Action::new("kms:ListKeyPolicies"),
        Action::new("kms:ListResourceTags"),
        Action::new("kms:PutKeyPolicy"),
        Action::new("kms:RevokeGrant"),
        Action::new("kms:ScheduleKeyDeletion"),
        Action::new("kms:TagResource"),
        Action::new("kms:UntagResource"),
        Action::new("kms:UpdateAlias"),
        Action::new("kms:UpdateKeyDescription"),
    ];

    /// Using the key for data (encrypting volumes), as a service does on a caller's behalf.
    pub const USE_FOR_DATA: &[Action] = &[
        ENCRYPT,
        DECRYPT,
        RE_ENCRYPT_ALL,
        GENERATE_DATA_KEY_ALL,
        CREATE_GRANT,
        DESCRIBE_KEY,
    ];
    /// `kms:GenerateDataKey` alone (not the `GenerateDataKey*` family).
    pub const GENERATE_DATA_KEY: Action = Action::new("kms:GenerateDataKey");

    /// Encrypting and decrypting data directly and with data keys (envelope
    /// encryption): no re-encryption, no data key pairs, no wildcard.
    pub const ENCRYPT_DECRYPT: &[Action] = &[ENCRYPT, DECRYPT, GENERATE_DATA_KEY];
    /// Decrypting only.
    pub const DECRYPT_ONLY: &[Action] = &[DECRYPT];
    /// What a role needs for the volumes it works with: data keys and the key's
    /// description (the grant for AWS resources is `CREATE_GRANT`, conditioned).
    pub const USE_VOLUME_KEY: &[Action] = &[DECRYPT, GENERATE_DATA_KEY_ALL, DESCRIBE_KEY];
}
