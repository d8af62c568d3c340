//! AWS KMS resource types.

use crate::template::{Handle, Value};

use super::iam::policy::PolicyDocument;

cfn_enum! {
    /// `KeySpec` of `AWS::KMS::Key`: a symmetric encryption key, or the type of an
    /// asymmetric or HMAC key (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html>).
    KeySpec {
        SymmetricDefault => "SYMMETRIC_DEFAULT",
        Rsa2048 => "RSA_2048",
        Rsa3072 => "RSA_3072",
        Rsa4096 => "RSA_4096",
        EccNistP256 => "ECC_NIST_P256",
        EccNistP384 => "ECC_NIST_P384",
        EccNistP521 => "ECC_NIST_P521",
        EccSecgP256K1 => "ECC_SECG_P256K1",
        Hmac224 => "HMAC_224",
        Hmac256 => "HMAC_256",
        Hmac384 => "HMAC_384",
        Hmac512 => "HMAC_512",
        Sm2 => "SM2",
        MlDsa44 => "ML_DSA_44",
        MlDsa65 => "ML_DSA_65",
        MlDsa87 => "ML_DSA_87",
        EccNistEdwards25519 => "ECC_NIST_EDWARDS25519",
    }
}

cfn_enum! {
    /// `KeyUsage` of `AWS::KMS::Key`: what the key is for
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html>).
    KeyUsage {
        EncryptDecrypt => "ENCRYPT_DECRYPT",
        SignVerify => "SIGN_VERIFY",
        GenerateVerifyMac => "GENERATE_VERIFY_MAC",
        KeyAgreement => "KEY_AGREEMENT",
    }
}

cfn_resource! {
    Key / KeyBuilder = "AWS::KMS::Key" {
        optional description: Value => "Description",
        optional enable_key_rotation: bool => "EnableKeyRotation",
        optional enabled: bool => "Enabled",
        optional key_policy: PolicyDocument => "KeyPolicy",
        optional key_spec: KeySpec => "KeySpec",
        optional key_usage: KeyUsage => "KeyUsage",
        optional pending_window_in_days: i64 => "PendingWindowInDays",
    }
}

impl Handle<Key> {
    /// `Ref` of a key: its key ID.
    pub fn key_id(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `Arn`: the key's ARN.
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

    /// Encrypts up to 4 KB of data under the key.
    pub const ENCRYPT: Action = Action::new("kms:Encrypt");
    /// Decrypts data (or a data key) encrypted under the key.
    pub const DECRYPT: Action = Action::new("kms:Decrypt");
    /// `ReEncryptFrom` and `ReEncryptTo`: re-encrypts ciphertext under another key.
    pub const RE_ENCRYPT_ALL: Action = Action::new("kms:ReEncrypt*");
    /// Every `GenerateDataKey` variant (with or without plaintext, key pairs).
    pub const GENERATE_DATA_KEY_ALL: Action = Action::new("kms:GenerateDataKey*");
    /// Lets a service (EBS, SageMaker) use the key on the caller's behalf for a resource.
    pub const CREATE_GRANT: Action = Action::new("kms:CreateGrant");
    /// Reads the key's metadata (services check its state and usage).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_have_the_allowed_values_of_the_resource_reference() {
        assert_allowed_values!(
            KeySpec,
            [
                "SYMMETRIC_DEFAULT",
                "RSA_2048",
                "RSA_3072",
                "RSA_4096",
                "ECC_NIST_P256",
                "ECC_NIST_P384",
                "ECC_NIST_P521",
                "ECC_SECG_P256K1",
                "HMAC_224",
                "HMAC_256",
                "HMAC_384",
                "HMAC_512",
                "SM2",
                "ML_DSA_44",
                "ML_DSA_65",
                "ML_DSA_87",
                "ECC_NIST_EDWARDS25519"
            ]
        );
        assert_allowed_values!(
            KeyUsage,
            [
                "ENCRYPT_DECRYPT",
                "SIGN_VERIFY",
                "GENERATE_VERIFY_MAC",
                "KEY_AGREEMENT"
            ]
        );
    }

    #[test]
    fn key_serializes_enums_as_their_values() {
        let key = Key::builder()
            .key_spec(KeySpec::SymmetricDefault)
            .key_usage(KeyUsage::EncryptDecrypt)
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_value(Value::Map(crate::template::Resource::into_properties(key)))
                .unwrap(),
            serde_json::json!({"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT"})
        );
    }
}
