//! A customer-managed KMS key for one workload's volumes: rotation on, administered by
//! the account, usable for data only through the AWS services that encrypt for the
//! workload (`kms:ViaService`) and only on the account's behalf.

use crate::resources::iam::policy::{Condition, PolicyDocument, Principal, Statement, keys};
use crate::resources::kms::{self, Alias, Key};
use crate::sub;
use crate::template::{Handle, Pseudo, Value};

use super::ConstructError;
use super::scope::Scope;

/// The key's alias, description and the services that may use it.
#[derive(Clone, Debug, PartialEq)]
pub struct EncryptionKeyProps<'a> {
    /// The alias is `alias/<stack name>-<alias_suffix>`.
    pub alias_suffix: &'a str,
    /// The key's description, shown in the KMS console.
    pub description: &'a str,
    /// Services that use the key for the workload, e.g. `sagemaker`, `elasticfilesystem`
    /// (each becomes `<service>.<region>.amazonaws.com`).
    pub via_services: &'a [&'a str],
}

/// The key and its alias: `<id>Key` and `<id>KeyAlias` in the scope.
#[derive(Clone, Debug)]
pub struct EncryptionKey {
    /// The key (rotation on).
    pub key: Handle<Key>,
    /// `alias/<stack name>-<alias_suffix>`.
    pub alias: Handle<Alias>,
}

impl EncryptionKey {
    /// The key `id` in `scope`: `<id>Key` and `<id>KeyAlias`.
    pub fn new(
        scope: &mut Scope,
        id: &str,
        props: &EncryptionKeyProps,
    ) -> Result<EncryptionKey, ConstructError> {
        let mut scope = scope.child(id);
        let key = scope.add("Key", key(props)?)?;
        let alias = scope.add(
            "KeyAlias",
            Alias::builder()
                .alias_name(sub![
                    "alias/",
                    Pseudo::StackName,
                    format!("-{}", props.alias_suffix)
                ])
                .target_key_id(key.key_id())
                .build()?,
        )?;
        Ok(EncryptionKey { key, alias })
    }
}

/// The key with its policy: administered by the account, used for data only through the
/// listed services on the account's behalf.
fn key(props: &EncryptionKeyProps) -> Result<Key, ConstructError> {
    let via: Vec<Value> = props
        .via_services
        .iter()
        .map(|s| sub![format!("{s}."), Pseudo::Region, ".amazonaws.com"])
        .collect();
    let policy = PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("AccountAdministersKey")
                .principal(Principal::this_account())
                .actions(kms::actions::ADMINISTER)
                .any_resource(),
        )
        .statement(
            Statement::allow()
                .sid("AccountUsesKeyOnlyThroughListedServices")
                .principal(Principal::this_account())
                .actions(kms::actions::USE_FOR_DATA)
                .any_resource()
                .condition(Condition::string_equals(
                    keys::KMS_CALLER_ACCOUNT,
                    [Value::from(Pseudo::AccountId)],
                ))
                .condition(Condition::string_equals(keys::KMS_VIA_SERVICE, via)),
        );
    Ok(Key::builder()
        .description(props.description)
        .enable_key_rotation(true)
        .key_policy(policy)
        .build()?)
}
