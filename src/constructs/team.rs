//! A team of notebook users: a notebook whose role holds exactly the team's data
//! grants, an IAM group whose members may use only that notebook (and open it only from
//! the network the definition allows), and the team's IAM users in that group (no access
//! keys; a console password only where asked for, generated into a secret encrypted with
//! the key of [`initial_password_key`]).

use crate::resources::ec2::SecurityGroup;
use crate::resources::iam::policy::PolicyDocument;
use crate::resources::iam::{self, Group, LoginProfile, Policy, Role, User};
use crate::resources::kms::Key;
use crate::resources::sagemaker::{NotebookInstance, NotebookInstanceLifecycleConfig};
use crate::resources::secretsmanager::{GenerateSecretString, Secret};
use crate::template::{DeletionPolicy, Handle, LogicalId};

use super::ConstructError;
use super::encryption_key::{EncryptionKey, EncryptionKeyProps, secrets_manager_may_use};
use super::ml_work::{self, MlPlacement, MlWorkProps};
use super::network::PrivateNetwork;
use super::notebooks::{self, NotebookPlacement, NotebookProps};
use super::scope::Scope;

/// What a team is built from.
#[derive(Clone, Debug)]
pub struct TeamProps {
    /// The team's notebook instance.
    pub notebook: NotebookProps,
    /// The team's data access, filled by grants ([`super::grants`]).
    pub grants: PolicyDocument,
    /// The team's IAM users.
    pub users: Vec<TeamUser>,
    /// The key of the initial-password secrets ([`initial_password_key`]); required as
    /// soon as a user has `console_access`.
    pub password_key: Option<Handle<Key>>,
    /// Where the users may open the notebook from.
    pub url_access: notebooks::UrlAccess,
    /// The SageMaker work the notebook's role may start ([`super::ml_work`]), in the
    /// notebook's subnets, security group and key, run by a job role of the team.
    pub ml_work: Option<MlWorkProps>,
    /// What the team's jobs may reach: its buckets as [`TeamProps::grants`] has them,
    /// without what only the notebook needs (packages).
    pub job_grants: PolicyDocument,
    /// The notebook's lifecycle configuration (idle stop, ...), if it has one.
    pub lifecycle_config: Option<Handle<NotebookInstanceLifecycleConfig>>,
}

/// A user of a team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamUser {
    /// The IAM user name.
    pub name: String,
    /// Console sign-in with an initial password generated into a Secrets Manager secret
    /// at deploy time (never in the template), to be changed at first sign-in.
    pub console_access: bool,
}

/// A team's resources.
#[derive(Clone, Debug)]
pub struct Team {
    /// The notebook's execution role, holding the team's grants.
    pub role: Handle<Role>,
    /// The team's notebook instance.
    pub notebook: Handle<NotebookInstance>,
    /// The IAM group of the team's users: it may open and use that notebook only.
    pub group: Handle<Group>,
    /// (user name, handle, initial-password secret), in definition order.
    pub users: Vec<(String, Handle<User>, Option<Handle<Secret>>)>,
}

/// The `{{resolve:secretsmanager:…}}` dynamic reference to a secret's `password` key,
/// which CloudFormation resolves at deploy time.
fn password_of(secret: &Handle<Secret>) -> crate::template::Value {
    crate::sub![
        "{{resolve:secretsmanager:",
        secret.arn(),
        ":SecretString:password}}"
    ]
}

/// The key `<id>Key` (alias `alias/<stack>-initial-passwords`) of the console users'
/// initial-password secrets, one for all teams: Secrets Manager uses it for this account's
/// callers only ([`secrets_manager_may_use`]), who also need `kms:Decrypt` on it in IAM to
/// read a password. It is deleted with the stack, like the secrets and the users they
/// belong to: a password of a deleted user protects nothing.
pub fn initial_password_key(scope: &mut Scope, id: &str) -> Result<Handle<Key>, ConstructError> {
    Ok(EncryptionKey::with_users(
        scope,
        id,
        &EncryptionKeyProps {
            alias_suffix: "initial-passwords",
            description: "Encrypts the team users' initial console passwords (their Secrets Manager secrets)",
            via_services: &[],
            deletion_policy: DeletionPolicy::Delete,
        },
        [secrets_manager_may_use()],
    )?
    .key)
}

/// The secret that holds a console user's initial password, encrypted with `key`.
/// Nothing in the stack may read it; the account's administrators (who hold account-wide
/// Secrets Manager rights and `kms:Decrypt` on the key) hand the password over, and the
/// user must change it at first sign-in. It is deleted with the stack, as its user is.
fn initial_password(
    scope: &mut Scope,
    user: &str,
    key: &Handle<Key>,
) -> Result<Handle<Secret>, ConstructError> {
    let secret = scope.add_named(
        &[user, "initial-password"],
        Secret::builder()
            .description(format!(
                "Initial console password of IAM user {user}; it must be changed at first sign-in"
            ))
            .generate_secret_string(
                GenerateSecretString::builder()
                    .secret_string_template(format!(r#"{{"username":"{user}"}}"#))
                    .generate_string_key("password")
                    .password_length(32)
                    .require_each_included_type(true)
                    // Characters that break shells, URLs or JSON when the password is handed over.
                    .exclude_characters(r#""'`\/@$"#)
                    .build()?,
            )
            .kms_key_id(key.arn())
            .build()?,
    )?;
    scope.entry(&secret).retain(DeletionPolicy::Delete);
    Ok(secret)
}

/// The logical ID of a team user, from the user name alone.
pub fn user_id(user: &str) -> Result<LogicalId, ConstructError> {
    Ok(LogicalId::from_words(&["User", user])?)
}

impl Team {
    /// The team `id` (its name in the definition) in the scope: `<Id>NotebookRole`,
    /// `<Id>Group` and the notebook; its IAM users are `User<Name>` and their password
    /// secrets `<Name>InitialPassword` in the scope (an IAM user name is unique in the
    /// account, so the name alone identifies the user).
    pub fn new(
        scope: &mut Scope,
        id: &str,
        network: &PrivateNetwork,
        security_group: &Handle<SecurityGroup>,
        key: &Handle<Key>,
        props: &TeamProps,
    ) -> Result<Team, ConstructError> {
        let mut runtime = notebooks::runtime_policy(key)?;
        if props.notebook.idle_stop_minutes.is_some() {
            notebooks::grant_stop_self(&props.notebook.name, &mut runtime)?;
        }
        let role = scope.child(id).add(
            "NotebookRole",
            Role::builder()
                .description(format!(
                    "Notebook of team {id}: exactly the team's bucket access"
                ))
                .assume_role_policy_document(iam::service_trust_policy(
                    iam::Service::SageMakerNotebookInstance,
                ))
                .policies(Policy::new("TeamData", props.grants.clone()))
                .policies(Policy::new("NotebookRuntime", runtime))
                .build()?,
        )?;
        if let Some(work) = &props.ml_work {
            ml_work::attach_with_job_role(
                &mut scope.child(id),
                &role,
                &MlPlacement {
                    network,
                    security_group,
                    key,
                },
                work,
                props.job_grants.clone(),
            )?;
        }
        let notebook = notebooks::new(
            scope,
            &NotebookPlacement {
                network,
                security_group,
                key,
                role_arn: role.arn(),
                lifecycle_config: props.lifecycle_config.as_ref(),
            },
            &props.notebook,
        )?;
        let group = scope.child(id).add(
            "Group",
            Group::builder()
                .policies(Policy::new(
                    "UseTeamNotebook",
                    notebooks::user_access(
                        &props.notebook.name,
                        &notebooks::url_condition(&props.url_access, network),
                    )?,
                ))
                .build()?,
        )?;
        let mut users = Vec::new();
        for user in &props.users {
            let mut builder = User::builder()
                .user_name(user.name.as_str())
                .groups(group.name());
            let secret = if user.console_access {
                let key = props.password_key.as_ref().ok_or_else(|| {
                    ConstructError::Invalid(format!(
                        "user `{}` of team `{id}` has console access, but the team was given no key for initial passwords",
                        user.name
                    ))
                })?;
                let secret = initial_password(scope, &user.name, key)?;
                builder = builder.login_profile(
                    LoginProfile::builder()
                        .password(password_of(&secret))
                        .password_reset_required(true)
                        .build()?,
                );
                Some(secret)
            } else {
                None
            };
            let handle = scope.add_named(&["User", user.name.as_str()], builder.build()?)?;
            users.push((user.name.clone(), handle, secret));
        }
        Ok(Team {
            role,
            notebook,
            group,
            users,
        })
    }
}
