//! Grants on Secrets Manager secrets.
//!
//! A secret encrypted with a customer-managed key is readable only with `kms:Decrypt` on
//! that key as well: add `key.grant_decrypt()` with
//! [`via_services(&["secretsmanager"])`](super::kms::via_services).

use crate::resources::secretsmanager::{Secret, actions};
use crate::template::Handle;

use super::grant::{Grant, default_sid};

impl Handle<Secret> {
    /// `secretsmanager:GetSecretValue`, `secretsmanager:DescribeSecret` on the secret
    /// (its full ARN, the `Ref` of the secret; Sid `<Secret>Read`).
    pub fn grant_read(&self) -> Grant {
        Grant::new(format!("read secret `{}`", self.logical_id())).statement(
            default_sid(self.logical_id(), "Read"),
            actions::READ,
            [self.arn()],
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::constructs::grants::kms::via_services;
    use crate::constructs::grants::testing::{
        fixture, fn_sub, getatt, granted, reference, refused,
    };
    use serde_json::json;

    #[test]
    fn read_names_the_secret_by_its_arn() {
        assert_eq!(
            granted(fixture().secret.grant_read()),
            json!([{"Sid": "ApiSecretRead", "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    "Resource": [reference("ApiSecret")]}])
        );
    }

    #[test]
    fn its_key_is_granted_through_secrets_manager_only() {
        let f = fixture();
        let key = granted(
            f.key
                .grant_decrypt()
                .condition(via_services(&["secretsmanager"]).unwrap()),
        );
        assert_eq!(
            key,
            json!([{"Sid": "DataKeyDecrypt", "Effect": "Allow", "Action": ["kms:Decrypt"],
                    "Resource": [getatt("DataKey", "Arn")],
                    "Condition": {"StringEquals": {"kms:ViaService": fn_sub("secretsmanager.${AWS::Region}.amazonaws.com")}}}])
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let err = refused(fixture().secret.grant_read().sids(&["A", "B"]));
        assert!(err.contains("2 Sid(s) given for 1 statement(s)"), "{err}");
    }
}
