//! Grants on KMS keys: encrypt and decrypt, decrypt only, and the use a role makes of a
//! volume key (data keys, and grants for the AWS resources that encrypt its volumes).

use crate::resources::iam::policy::{Condition, keys};
use crate::resources::kms::{Key, actions};
use crate::sub;
use crate::template::{Handle, Pseudo, Value};

use super::grant::{Grant, default_sid};
use crate::constructs::ConstructError;

/// The Sid of the data-key statement of [`Handle::grant_volume_use`], as every shipped
/// template has it.
pub const USE_VOLUME_KEY_SID: &str = "UseVolumeKey";
/// The Sid of its `kms:CreateGrant` statement.
pub const GRANT_TO_AWS_RESOURCES_SID: &str = "GrantVolumeKeyToAwsResources";

impl Handle<Key> {
    /// `kms:Encrypt`, `kms:Decrypt`, `kms:GenerateDataKey` on the key (Sid
    /// `<Key>EncryptDecrypt`). No `ReEncrypt*`, no data key pairs.
    pub fn grant_encrypt_decrypt(&self) -> Grant {
        Grant::new(format!(
            "encrypt and decrypt with key `{}`",
            self.logical_id()
        ))
        .statement(
            default_sid(self.logical_id(), "EncryptDecrypt"),
            actions::ENCRYPT_DECRYPT,
            [self.arn()],
        )
    }

    /// `kms:Decrypt` on the key (Sid `<Key>Decrypt`).
    pub fn grant_decrypt(&self) -> Grant {
        Grant::new(format!("decrypt with key `{}`", self.logical_id())).statement(
            default_sid(self.logical_id(), "Decrypt"),
            actions::DECRYPT_ONLY,
            [self.arn()],
        )
    }

    /// What a role needs for the volumes it works with (a notebook's, a Studio
    /// domain's): `kms:Decrypt`, `kms:GenerateDataKey*`, `kms:DescribeKey` on the key
    /// (Sid [`USE_VOLUME_KEY_SID`]), and `kms:CreateGrant` on the key only for grants to
    /// AWS resources (`Bool kms:GrantIsForAWSResource` true; Sid
    /// [`GRANT_TO_AWS_RESOURCES_SID`]). The Sids are fixed, not derived from the key,
    /// because the shipped templates have always had them; a role that gets this grant
    /// for two keys renames one pair with [`Grant::sids`].
    ///
    /// `GenerateDataKey*` is the one wildcard among the grants, kept because these
    /// statements must stay byte-identical: it also matches `GenerateDataKeyPair*`.
    pub fn grant_volume_use(&self) -> Grant {
        Grant::new(format!("use key `{}` for volumes", self.logical_id()))
            .statement(USE_VOLUME_KEY_SID, actions::USE_VOLUME_KEY, [self.arn()])
            .conditional_statement(
                GRANT_TO_AWS_RESOURCES_SID,
                &[actions::CREATE_GRANT],
                [self.arn()],
                [Condition::bool(keys::KMS_GRANT_IS_FOR_AWS_RESOURCE, true)],
            )
    }
}

/// `StringEquals kms:ViaService` = `<service>.${AWS::Region}.amazonaws.com` for each of
/// `services` (`s3`, `sagemaker`, ...): the key may then be used only in requests those
/// services make on the principal's behalf. Add it to a key grant with
/// [`Grant::condition`]. An empty list or a name that is not a service's endpoint
/// prefix (lower-case letters, digits, `-` and `.`) is an error.
pub fn via_services(services: &[&str]) -> Result<Condition, ConstructError> {
    if services.is_empty() {
        return Err(ConstructError::Invalid(
            "kms:ViaService with no service would refuse every use of the key".to_string(),
        ));
    }
    let mut values = Vec::new();
    for service in services {
        let valid = service
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase())
            && service
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid {
            return Err(ConstructError::Invalid(format!(
                "`{service}` is not a service endpoint prefix for kms:ViaService (lower-case letters, digits, `-` and `.`, e.g. `s3`)"
            )));
        }
        let value: Value = sub![format!("{service}."), Pseudo::Region, ".amazonaws.com"];
        values.push(value);
    }
    Ok(Condition::string_equals(keys::KMS_VIA_SERVICE, values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::grants::testing::{fixture, fn_sub, getatt, granted, refused};
    use serde_json::json;

    #[test]
    fn encrypt_decrypt_and_decrypt() {
        let key = fixture().key;
        assert_eq!(
            granted(key.grant_encrypt_decrypt()),
            json!([{"Sid": "DataKeyEncryptDecrypt", "Effect": "Allow",
                    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": [getatt("DataKey", "Arn")]}])
        );
        assert_eq!(
            granted(key.grant_decrypt()),
            json!([{"Sid": "DataKeyDecrypt", "Effect": "Allow", "Action": ["kms:Decrypt"],
                    "Resource": [getatt("DataKey", "Arn")]}])
        );
    }

    #[test]
    fn volume_use_has_the_statements_and_sids_of_the_shipped_templates() {
        assert_eq!(
            granted(fixture().key.grant_volume_use()),
            json!([
                {"Sid": "UseVolumeKey", "Effect": "Allow",
                 "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
                 "Resource": [getatt("DataKey", "Arn")]},
                {"Sid": "GrantVolumeKeyToAwsResources", "Effect": "Allow",
                 "Action": ["kms:CreateGrant"], "Resource": [getatt("DataKey", "Arn")],
                 "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}
            ])
        );
    }

    #[test]
    fn via_services_restricts_a_key_grant_to_requests_of_those_services() {
        let key = fixture().key;
        let statements = granted(
            key.grant_decrypt()
                .condition(via_services(&["s3", "secretsmanager"]).unwrap()),
        );
        assert_eq!(
            statements[0]["Condition"],
            json!({"StringEquals": {"kms:ViaService": [
                fn_sub("s3.${AWS::Region}.amazonaws.com"),
                fn_sub("secretsmanager.${AWS::Region}.amazonaws.com")
            ]}})
        );
        // One service: a single value, as the secure bucket's key statements have it.
        let one = granted(
            key.grant_decrypt()
                .condition(via_services(&["s3"]).unwrap()),
        );
        assert_eq!(
            one[0]["Condition"],
            json!({"StringEquals": {"kms:ViaService": fn_sub("s3.${AWS::Region}.amazonaws.com")}})
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        for bad in [&[][..], &[""], &["S3"], &["s3 "], &["s3", "*"], &["-s3"]] {
            let err = via_services(bad).unwrap_err();
            assert!(matches!(err, ConstructError::Invalid(_)), "{bad:?}: {err}");
        }
        let key = fixture().key;
        let err = refused(key.grant_volume_use().sid("OnlyOne"));
        assert!(err.contains("1 Sid(s) given for 2 statement(s)"), "{err}");
        let err = refused(key.grant_decrypt().only([&actions::ENCRYPT]));
        assert!(
            err.contains("`kms:Encrypt` is not an action of this grant"),
            "{err}"
        );
    }
}
