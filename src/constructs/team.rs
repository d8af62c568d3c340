//! A team of notebook users: a notebook whose role holds exactly the team's data
//! grants, an IAM group whose members may use only that notebook, and the team's IAM
//! users in that group (no passwords or access keys).

use crate::resources::ec2::SecurityGroup;
use crate::resources::iam::policy::{PolicyDocument, Statement};
use crate::resources::iam::{self, Group, Policy, Role, User};
use crate::resources::kms::Key;
use crate::resources::sagemaker::NotebookInstance;
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
    pub users: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Team {
    pub role: Handle<Role>,
    pub notebook: Handle<NotebookInstance>,
    pub group: Handle<Group>,
    /// (user name, handle), in definition order.
    pub users: Vec<(String, Handle<User>)>,
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
            let handle = template.add(
                user_id(user)?,
                User::builder()
                    .user_name(user.as_str())
                    .groups(group.name())
                    .build()?,
            )?;
            users.push((user.clone(), handle));
        }
        Ok(Team {
            role,
            notebook,
            group,
            users,
        })
    }
}
