//! A customer-managed KMS key for one workload: rotation on, administered by the account,
//! usable for data only through the AWS services that encrypt for the workload
//! (`kms:ViaService`) on the account's behalf, or by the service principals its policy
//! names.
//!
//! **Retention.** Every key states what CloudFormation does with it when the stack is
//! deleted or the key replaced ([`EncryptionKeyProps::deletion_policy`], written as both
//! `DeletionPolicy` and `UpdateReplacePolicy`): a deleted key makes everything it
//! encrypted unreadable once its waiting period ends, so a key lives at least as long as
//! the longest-lived data it protects. Each caller decides from what its key encrypts;
//! the rule KMS-KEY-RETAINED checks the decision against the template.

use crate::resources::arn;
use crate::resources::iam::policy::{Condition, PolicyDocument, Principal, Statement, keys};
use crate::resources::kms::{self, Alias, Key};
use crate::sub;
use crate::template::{DeletionPolicy, Handle, Pseudo, SubPart, Value};

use super::ConstructError;
use super::scope::Scope;

/// The key's alias, description, the services that may use it and how long it lives.
#[derive(Clone, Debug, PartialEq)]
pub struct EncryptionKeyProps<'a> {
    /// The alias is `alias/<stack name>-<alias_suffix>`.
    pub alias_suffix: &'a str,
    /// The key's description, shown in the KMS console.
    pub description: &'a str,
    /// Services that use the key for the workload, e.g. `sagemaker`, `elasticfilesystem`
    /// (each becomes `<service>.<region>.amazonaws.com`).
    pub via_services: &'a [&'a str],
    /// `DeletionPolicy` of the key (its `UpdateReplacePolicy` follows: `Retain` for
    /// either retaining policy). `Delete` when everything the key encrypts is deleted
    /// with the stack; `RetainExceptOnCreate` when data outlives the stack but none can
    /// exist yet if the stack's first creation rolls back (the data's resources are
    /// deleted by that rollback too); `Retain` when data can outlive even a rolled-back
    /// creation. `Snapshot` does not apply to keys and is refused.
    pub deletion_policy: DeletionPolicy,
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
        EncryptionKey::with_users(scope, id, props, [])
    }

    /// The key `id` whose policy also names the principals that use it (`users`:
    /// statements with a principal, e.g. [`logs_may_use`], [`events_may_use`],
    /// [`secrets_manager_may_use`]), besides the account's administration and, when
    /// `via_services` is not empty, the account's use through those services.
    pub fn with_users(
        scope: &mut Scope,
        id: &str,
        props: &EncryptionKeyProps,
        users: impl IntoIterator<Item = Statement>,
    ) -> Result<EncryptionKey, ConstructError> {
        if props.deletion_policy == DeletionPolicy::Snapshot {
            return Err(ConstructError::Invalid(format!(
                "key `{id}`: a KMS key has no snapshot; choose Delete, Retain or RetainExceptOnCreate"
            )));
        }
        let mut scope = scope.child(id);
        let key = scope.add("Key", key(props, users.into_iter().collect())?)?;
        scope.entry(&key).retain(props.deletion_policy);
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
fn key(props: &EncryptionKeyProps, users: Vec<Statement>) -> Result<Key, ConstructError> {
    let via: Vec<Value> = props
        .via_services
        .iter()
        .map(|s| sub![format!("{s}."), Pseudo::Region, ".amazonaws.com"])
        .collect();
    let mut policy = PolicyDocument::new().statement(administered_by_account());
    if !via.is_empty() {
        policy = policy.statement(
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
    }
    policy = policy.statements(users);
    Ok(Key::builder()
        .description(props.description)
        .enable_key_rotation(true)
        .key_policy(policy)
        .build()?)
}

/// The account administers the key (every key of the stack starts with this statement);
/// IAM policies then decide which of its principals do.
pub fn administered_by_account() -> Statement {
    Statement::allow()
        .sid("AccountAdministersKey")
        .principal(Principal::this_account())
        .actions(kms::actions::ADMINISTER)
        .any_resource()
}

/// CloudWatch Logs (`logs.<region>.amazonaws.com`) may use the key for this account's log
/// groups in this region only: the encryption context CloudWatch Logs sends,
/// `kms:EncryptionContext:aws:logs:arn`, must be one of them. Actions and condition as in
/// "Encrypt log data in CloudWatch Logs using AWS KMS"
/// (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html>).
/// The log groups have generated names, and naming one by `Fn::GetAtt` would make the key
/// depend on the group that depends on it; so the bound is the account's groups.
pub fn logs_may_use() -> Statement {
    logs_statement("CloudWatchLogsEncryptsThisAccountsLogGroups").condition(Condition::arn_like(
        keys::KMS_ENCRYPTION_CONTEXT_LOGS_ARN,
        [arn::regional("logs", [SubPart::from("log-group:*")])],
    ))
}

/// CloudWatch Logs may use the key for the one log group `group_arn` (a group with a fixed
/// name, so no dependency cycle), under the statement id `sid`.
pub fn logs_may_use_for(sid: &str, group_arn: Value) -> Statement {
    logs_statement(sid).condition(Condition::arn_equals(
        keys::KMS_ENCRYPTION_CONTEXT_LOGS_ARN,
        [group_arn],
    ))
}

/// What CloudWatch Logs does with a log group's key, before the condition that bounds it.
fn logs_statement(sid: &str) -> Statement {
    Statement::allow()
        .sid(sid)
        .principal(Principal::regional_service("logs"))
        .actions([
            &kms::actions::ENCRYPT,
            &kms::actions::DECRYPT,
            &kms::actions::RE_ENCRYPT_ALL,
            &kms::actions::GENERATE_DATA_KEY_ALL,
            &kms::actions::DESCRIBE_KEY,
        ])
        .any_resource()
}

/// Secrets Manager may use the key for secrets on behalf of callers of this account:
/// `kms:GenerateDataKey` when a secret value is stored, `kms:Decrypt` when one is read,
/// the two permissions "Secret encryption and decryption in AWS Secrets Manager" lists
/// (<https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html>),
/// only through Secrets Manager in this region (`kms:ViaService`) and only for this
/// account's principals (`kms:CallerAccount`). The principal is the account, so IAM
/// decides which of its principals: whoever stores a secret (the deploying principal,
/// through CloudFormation) needs `kms:GenerateDataKey` on the key in an IAM policy as
/// well, and whoever reads one (the deploying principal again when a
/// `{{resolve:secretsmanager:…}}` reference is resolved, and the administrators who
/// hand a password over) `kms:Decrypt`.
pub fn secrets_manager_may_use() -> Statement {
    Statement::allow()
        .sid("SecretsManagerForCallersOfThisAccount")
        .principal(Principal::this_account())
        .actions([&kms::actions::GENERATE_DATA_KEY, &kms::actions::DECRYPT])
        .any_resource()
        .condition(Condition::string_equals(
            keys::KMS_VIA_SERVICE,
            [sub!["secretsmanager.", Pseudo::Region, ".amazonaws.com"]],
        ))
        .condition(Condition::string_equals(
            keys::KMS_CALLER_ACCOUNT,
            [Value::from(Pseudo::AccountId)],
        ))
}

/// EventBridge (`events.amazonaws.com`) may encrypt into and read back a queue encrypted
/// with the key, for rules of this account only (`aws:SourceAccount`, `aws:SourceArn` like
/// `rule/*`): what a rule needs to park undeliverable events in an SSE-KMS dead-letter
/// queue (EventBridge user guide, "Using dead-letter queues to process undelivered
/// events", <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html>).
/// The rules are not named: each rule names the queue, and the queue the key.
pub fn events_may_use() -> Statement {
    Statement::allow()
        .sid("EventBridgeRulesOfThisAccountSendToTheQueue")
        .principal(Principal::service("events.amazonaws.com"))
        .actions([&kms::actions::GENERATE_DATA_KEY, &kms::actions::DECRYPT])
        .any_resource()
        .condition(Condition::string_equals(
            keys::SOURCE_ACCOUNT,
            [Value::from(Pseudo::AccountId)],
        ))
        .condition(Condition::arn_like(
            keys::SOURCE_ARN,
            [arn::regional("events", [SubPart::from("rule/*")])],
        ))
}

/// CloudWatch (`cloudwatch.amazonaws.com`) may use the key to publish this account's
/// alarm notifications to a topic encrypted with it: `kms:GenerateDataKey*` and
/// `kms:Decrypt`, the two actions "Enable compatibility between event sources from AWS
/// services and encrypted topics" lists
/// (<https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services>),
/// for alarms of this account and region only (`aws:SourceAccount`, `aws:SourceArn` like
/// `alarm:*`, the alarm ARN CloudWatch publishes as, per "Allow any CloudWatch alarm to
/// publish to a topic in a different account" in
/// <https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html>). The
/// alarms are not named: they depend on the topic, the topic on the key.
pub fn cloudwatch_alarms_may_use() -> Statement {
    Statement::allow()
        .sid("CloudWatchAlarmsOfThisAccountPublishToTheTopic")
        .principal(Principal::service("cloudwatch.amazonaws.com"))
        .actions([&kms::actions::GENERATE_DATA_KEY_ALL, &kms::actions::DECRYPT])
        .any_resource()
        .condition(Condition::string_equals(
            keys::SOURCE_ACCOUNT,
            [Value::from(Pseudo::AccountId)],
        ))
        .condition(Condition::arn_like(
            keys::SOURCE_ARN,
            [arn::regional("cloudwatch", [SubPart::from("alarm:*")])],
        ))
}
