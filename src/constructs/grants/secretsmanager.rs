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
