//! Session Manager preferences of one bastion: a Session document of the stack's own
//! (never the account-wide `SSM-SessionManagerRunShell`, which is one per account and
//! region and which a stack would clobber), sessions encrypted with a customer key,
//! recorded in an encrypted, retained log group, ended when idle; the SSM Agent's
//! permissions for exactly that; and the operators' policy that allows sessions only with
//! that document.
//!
//! Sources (AWS Systems Manager user guide): "Session document schema" (the `inputs`),
//! "Specify an idle session timeout value" (1–60 minutes, default 20), "Specify maximum
//! session duration" (1–1,440 minutes), "Adding Session Manager permissions to an existing
//! IAM role" and "Reference: ec2messages, ssmmessages, and other API operations" (the
//! agent's actions), "Start a session with a document by specifying the session documents
//! in IAM policies" (`ssm:SessionDocumentAccessCheck`).

use crate::resources::arn;
use crate::resources::ec2::Instance;
use crate::resources::iam::ManagedPolicy;
use crate::resources::iam::policy::{
    Action, Condition, PolicyDocument, Principal, Statement, keys,
};
use crate::resources::kms::{self, Key};
use crate::resources::logs::{self, LogGroup};
use crate::resources::ssm::{self, Document};
use crate::template::{DeletionPolicy, Handle, Pseudo, SubPart, Value};

use super::ConstructError;
use super::bastion::BastionOs;
use super::encryption_key::{administered_by_account, logs_may_use_for};
use super::scope::Scope;

/// `idleSessionTimeout`'s range, in minutes.
pub const IDLE_TIMEOUT_MINUTES: (u32, u32) = (1, 60);
/// `maxSessionDuration`'s range, in minutes.
pub const MAX_DURATION_MINUTES: (u32, u32) = (1, 1440);
/// The document Fleet Manager's Remote Desktop starts its sessions with (an AWS-owned
/// `Port` document; port sessions carry no stream that Session Manager could log).
pub const REMOTE_DESKTOP_DOCUMENT: &str = "AWS-StartPortForwardingSession";

/// The session preferences that can be chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionProps {
    /// Minutes of inactivity before a session ends ([`IDLE_TIMEOUT_MINUTES`]).
    pub idle_timeout_minutes: u32,
    /// Minutes before any session ends ([`MAX_DURATION_MINUTES`]).
    pub max_duration_minutes: u32,
    /// How long the session log group keeps records, in days.
    pub log_retention_days: i64,
}

impl Default for SessionProps {
    /// 15 idle minutes (the user guide: "some professional computing security agencies
    /// recommend … a maximum of 15 minutes"), 8-hour sessions, a year of records.
    fn default() -> Self {
        SessionProps {
            idle_timeout_minutes: 15,
            max_duration_minutes: 480,
            log_retention_days: 365,
        }
    }
}

/// The session resources of one bastion.
#[derive(Clone, Debug)]
pub struct Sessions {
    /// Encrypts the session data stream and the session log group (rotation on, retained
    /// except on a rolled-back first creation).
    pub key: Handle<Key>,
    /// Where sessions are recorded (encrypted with `key`, retained like it).
    pub logs: Handle<LogGroup>,
    /// The stack's Session document; connect with `--document-name` set to its name.
    pub document: Handle<Document>,
    /// The document's ARN.
    pub document_arn: Value,
}

impl Sessions {
    /// `<owner>SessionKey`, `<owner>SessionLogs` and `<owner>SessionDocument` in `scope`
    /// (the owner's scope, e.g. `Bastion`); `owner` names the log group and document.
    pub fn new(
        scope: &mut Scope,
        owner: &str,
        props: &SessionProps,
    ) -> Result<Sessions, ConstructError> {
        check(props)?;
        let group_name = [
            SubPart::from("/sagesynth/"),
            SubPart::from(Pseudo::StackName),
            SubPart::from(format!("/{owner}-sessions")),
        ];
        let group_arn = arn::regional(
            "logs",
            std::iter::once(SubPart::from("log-group:")).chain(group_name.clone()),
        );
        // Key and log group outlive the stack (the sessions are the bastion's audit
        // trail) but not a rolled-back first creation: its sessions could only have been
        // opened while the stack was still being created, before anyone was given the
        // connection command, and the group's fixed name, kept by such a rollback, would
        // make the next creation fail with "already exists".
        let key = scope.add("SessionKey", session_key(group_arn)?)?;
        scope
            .entry(&key)
            .retain(DeletionPolicy::RetainExceptOnCreate);
        let logs = scope.add(
            "SessionLogs",
            LogGroup::builder()
                .log_group_name(crate::template::Sub::from_parts(group_name.to_vec()).into_value())
                .kms_key_id(key.arn())
                .retention_in_days(props.log_retention_days)
                .build()?,
        )?;
        scope
            .entry(&logs)
            .retain(DeletionPolicy::RetainExceptOnCreate);
        let name_parts = [
            SubPart::from(format!("{owner}-sessions-")),
            SubPart::from(Pseudo::StackName),
        ];
        let document = scope.add(
            "SessionDocument",
            Document::builder()
                .name(crate::template::Sub::from_parts(name_parts.to_vec()).into_value())
                .document_type("Session")
                .document_format("JSON")
                .update_method("NewVersion")
                .content(content(&key, &logs, props))
                .build()?,
        )?;
        let document_arn = arn::regional(
            "ssm",
            std::iter::once(SubPart::from("document/")).chain(name_parts),
        );
        Ok(Sessions {
            key,
            logs,
            document,
            document_arn,
        })
    }

    /// What the SSM Agent on the instance needs for these sessions, and nothing else: the
    /// Session Manager channels, the agent's messages, registering the instance,
    /// decrypting the session stream, writing the session log group and checking that it
    /// is encrypted. No `ssm:GetParameter*`, no `s3:*`.
    pub fn agent_policy(&self) -> PolicyDocument {
        let any = |sid: &str, actions: &[Action]| {
            Statement::allow().sid(sid).actions(actions).any_resource()
        };
        PolicyDocument::new()
            .statement(any(
                "SessionManagerChannels",
                ssm::actions::SESSION_CHANNELS,
            ))
            .statement(any("AgentMessages", ssm::actions::AGENT_MESSAGES))
            .statement(
                Statement::allow()
                    .sid("RegisterInstance")
                    .actions([&ssm::actions::UPDATE_INSTANCE_INFORMATION])
                    .resource(arn::regional("ec2", [SubPart::from("instance/*")])),
            )
            .statement(
                Statement::allow()
                    .sid("DecryptSessionData")
                    .actions([&kms::actions::DECRYPT])
                    .resource(self.key.arn()),
            )
            .statement(
                Statement::allow()
                    .sid("RecordSessions")
                    .actions([
                        &logs::actions::CREATE_LOG_STREAM,
                        &logs::actions::PUT_LOG_EVENTS,
                        &logs::actions::DESCRIBE_LOG_STREAMS,
                    ])
                    .resource(self.logs.arn()),
            )
            .statement(any(
                "CheckSessionLogEncryption",
                &[logs::actions::DESCRIBE_LOG_GROUPS],
            ))
    }

    /// The operators' managed policy `<owner>OperatorPolicy`, attached to no one (attach
    /// it to the people's roles or groups): `ssm:StartSession` on the instance only with
    /// this document (`ssm:SessionDocumentAccessCheck`, so a start without
    /// `--document-name` is refused), and on Windows with Fleet Manager's Remote Desktop
    /// document; the session data key; ending and resuming only their own sessions.
    pub fn operator_policy(
        &self,
        scope: &mut Scope,
        instance: &Handle<Instance>,
        os: BastionOs,
    ) -> Result<Handle<ManagedPolicy>, ConstructError> {
        let instance_arn = arn::regional(
            "ec2",
            [SubPart::from("instance/"), SubPart::from(instance.id())],
        );
        let check = Condition::bool(ssm::keys::SESSION_DOCUMENT_ACCESS_CHECK, true).if_exists();
        let mut policy = PolicyDocument::new().statement(
            Statement::allow()
                .sid("StartSessionsWithTheStackDocument")
                .actions([&ssm::actions::START_SESSION])
                .resources([instance_arn.clone(), self.document_arn.clone()])
                .condition(check.clone()),
        );
        if os == BastionOs::Windows {
            let rdp = crate::sub![
                "arn:",
                Pseudo::Partition,
                ":ssm:",
                Pseudo::Region,
                format!("::document/{REMOTE_DESKTOP_DOCUMENT}")
            ];
            policy = policy.statement(
                Statement::allow()
                    .sid("RemoteDesktopThroughFleetManager")
                    .actions([&ssm::actions::START_SESSION])
                    .resources([instance_arn, rdp])
                    .condition(check),
            );
        }
        let policy = policy
            .statement(
                Statement::allow()
                    .sid("EncryptSessionData")
                    .actions([&kms::actions::GENERATE_DATA_KEY])
                    .resource(self.key.arn()),
            )
            .statement(
                Statement::allow()
                    .sid("EndOrResumeOwnSessions")
                    .actions([
                        &ssm::actions::TERMINATE_SESSION,
                        &ssm::actions::RESUME_SESSION,
                    ])
                    .resource(arn::regional(
                        "ssm",
                        [SubPart::from("session/${aws:userid}-*")],
                    )),
            );
        scope.add(
            "OperatorPolicy",
            ManagedPolicy::builder()
                .description(
                    "Bastion sessions: only with this stack's recorded, encrypted Session document",
                )
                .policy_document(policy)
                .build()?,
        )
    }
}

fn check(props: &SessionProps) -> Result<(), ConstructError> {
    let within = |v: u32, (lo, hi): (u32, u32)| (lo..=hi).contains(&v);
    if !within(props.idle_timeout_minutes, IDLE_TIMEOUT_MINUTES)
        || !within(props.max_duration_minutes, MAX_DURATION_MINUTES)
    {
        return Err(ConstructError::Invalid(format!(
            "session idle timeout {} and maximum duration {} minutes: expected {}–{} and {}–{}",
            props.idle_timeout_minutes,
            props.max_duration_minutes,
            IDLE_TIMEOUT_MINUTES.0,
            IDLE_TIMEOUT_MINUTES.1,
            MAX_DURATION_MINUTES.0,
            MAX_DURATION_MINUTES.1
        )));
    }
    Ok(())
}

/// The session key: administered by the account; used for data by the account's
/// principals that IAM allows (the agent decrypts, operators generate data keys); and by
/// CloudWatch Logs for the session log group only.
fn session_key(group_arn: Value) -> Result<Key, ConstructError> {
    let policy = PolicyDocument::new()
        .statement(administered_by_account())
        .statement(
            Statement::allow()
                .sid("AccountPrincipalsEncryptSessions")
                .principal(Principal::this_account())
                .actions([&kms::actions::DECRYPT, &kms::actions::GENERATE_DATA_KEY])
                .any_resource()
                .condition(Condition::string_equals(
                    keys::KMS_CALLER_ACCOUNT,
                    [Value::from(Pseudo::AccountId)],
                )),
        )
        .statement(logs_may_use_for(
            "CloudWatchLogsEncryptsSessionLogs",
            group_arn,
        ));
    Ok(Key::builder()
        .description("Bastion sessions: the session data stream and the session log group")
        .enable_key_rotation(true)
        .key_policy(policy)
        .build()?)
}

/// The Session document's content (schema 1.0, `Standard_Stream`).
fn content(key: &Handle<Key>, logs: &Handle<LogGroup>, props: &SessionProps) -> Value {
    let inputs = Value::map([
        ("s3BucketName", Value::from("")),
        ("s3KeyPrefix", Value::from("")),
        ("s3EncryptionEnabled", Value::Bool(true)),
        ("cloudWatchLogGroupName", logs.name()),
        ("cloudWatchEncryptionEnabled", Value::Bool(true)),
        ("cloudWatchStreamingEnabled", Value::Bool(true)),
        ("kmsKeyId", key.key_id()),
        ("runAsEnabled", Value::Bool(false)),
        ("runAsDefaultUser", Value::from("")),
        (
            "idleSessionTimeout",
            Value::from(props.idle_timeout_minutes.to_string()),
        ),
        (
            "maxSessionDuration",
            Value::from(props.max_duration_minutes.to_string()),
        ),
        (
            "shellProfile",
            Value::map([("windows", Value::from("")), ("linux", Value::from(""))]),
        ),
    ]);
    Value::map([
        ("schemaVersion", Value::from("1.0")),
        (
            "description",
            Value::from(
                "Bastion sessions of this stack: recorded in an encrypted log group, encrypted end to end with the stack's key",
            ),
        ),
        ("sessionType", Value::from("Standard_Stream")),
        ("inputs", inputs),
    ])
}
