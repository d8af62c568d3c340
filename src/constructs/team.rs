//! A team of notebook users: a notebook whose role holds exactly the team's data
//! grants, an IAM group whose members may use only that notebook, and the team's IAM
//! users in that group (no passwords or access keys).

use crate::resources::ec2::SecurityGroup;
use crate::resources::iam::policy::{PolicyDocument, Statement};
use crate::resources::iam::{self, Group, LoginProfile, Policy, Role, User};
use crate::resources::kms::Key;
use crate::resources::sagemaker::NotebookInstance;
use crate::resources::secretsmanager::{GenerateSecretString, Secret};
use crate::template::{Handle, LogicalId, Template};

use super::ConstructError;
use super::network::PrivateNetwork;
use super::notebooks::{self, NotebookPlacement, NotebookProps};

#[derive(Clone, Debug)]
pub struct TeamProps {
    /// The team's name in the definition; logical IDs derive from it.
    pub name: String,
    pub notebook: NotebookProps,
    /// The team's data access (from the bucket grants).
    pub grants: Vec<Statement>,
    pub users: Vec<TeamUser>,
}

/// A user of a team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamUser {
    pub name: String,
    /// Console sign-in with an initial password generated into a Secrets Manager secret
    /// at deploy time (never in the template), to be changed at first sign-in.
    pub console_access: bool,
}

#[derive(Clone, Debug)]
pub struct Team {
    pub role: Handle<Role>,
    pub notebook: Handle<NotebookInstance>,
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

/// The secret that holds a console user's initial password. Nothing in the stack may
/// read it; the account's administrators (who hold account-wide Secrets Manager
/// rights) hand the password over, and the user must change it at first sign-in.
fn initial_password(template: &mut Template, user: &str) -> Result<Handle<Secret>, ConstructError> {
    Ok(template.add(
        LogicalId::from_words(&[user, "initial-password"])?,
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
            .build()?,
    )?)
}

/// The logical ID of a team user, from the user name alone.
pub fn user_id(user: &str) -> Result<LogicalId, ConstructError> {
    Ok(LogicalId::from_words(&["User", user])?)
}

impl Team {
    pub fn build(
        template: &mut Template,
        network: &PrivateNetwork,
        security_group: &Handle<SecurityGroup>,
        key: &Handle<Key>,
        props: &TeamProps,
    ) -> Result<Team, ConstructError> {
        let role = template.add(
            LogicalId::from_words(&[props.name.as_str(), "notebook-role"])?,
            Role::builder()
                .description(format!(
                    "Notebook of team {}: exactly the team's bucket access",
                    props.name
                ))
                .assume_role_policy_document(iam::service_trust_policy("sagemaker.amazonaws.com"))
                .policies(Policy::new(
                    "TeamData",
                    PolicyDocument::new().statements(props.grants.iter().cloned()),
                ))
                .policies(Policy::new(
                    "NotebookRuntime",
                    notebooks::runtime_policy(key),
                ))
                .build()?,
        )?;
        let notebook = notebooks::build(
            template,
            &NotebookPlacement {
                network,
                security_group,
                key,
                role_arn: role.arn(),
                lifecycle_config: None,
            },
            &props.notebook,
        )?;
        let group = template.add(
            LogicalId::from_words(&[props.name.as_str(), "group"])?,
            Group::builder()
                .policies(Policy::new(
                    "UseTeamNotebook",
                    notebooks::user_access(&props.notebook.name),
                ))
                .build()?,
        )?;
        let mut users = Vec::new();
        for user in &props.users {
            let mut builder = User::builder()
                .user_name(user.name.as_str())
                .groups(group.name());
            let secret = if user.console_access {
                let secret = initial_password(template, &user.name)?;
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
            let handle = template.add(user_id(&user.name)?, builder.build()?)?;
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
