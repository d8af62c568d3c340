//! A notebook identity nobody on the notebook can forge: one execution role per notebook
//! instance, named after it. Every call made with the notebook's credentials carries the
//! role's name (CloudTrail's `assumed-role/<role name>/…`), so CloudTrail names the
//! notebook without any script on the instance, and no setting a user controls changes
//! it. A notebook's role can do nothing with another notebook's role: it holds no
//! `sts:AssumeRole`, and each role trusts SageMaker only.
//!
//! The alternative, many notebooks on one role telling themselves apart by session name,
//! is [`super::shared_notebook_role`]; it cannot stop one notebook from taking another's
//! name.

use crate::resources::iam::policy::PolicyDocument;
use crate::resources::iam::{self, Policy, Role};
use crate::resources::kms::Key;
use crate::template::{Handle, LogicalId};

use super::ConstructError;
use super::grants::sagemaker::NotebookInstanceName;
use super::notebooks;
use super::scope::Scope;

/// IAM's limit on a role name.
pub const MAX_ROLE_NAME: usize = 64;

/// The role of one notebook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotebookRoleProps {
    /// The notebook instance's name.
    pub notebook: String,
    /// What the role name starts with; the notebook's name follows.
    pub name_prefix: String,
    /// The role's IAM path, `/` or `/segment/…/`.
    pub path: String,
    /// Whether the notebook stops itself when idle: the role may then stop it.
    pub idle_stop: bool,
}

impl NotebookRoleProps {
    /// `<name_prefix><notebook>`: the name CloudTrail shows for every call of the notebook.
    pub fn role_name(&self) -> String {
        role_name(&self.name_prefix, &self.notebook)
    }
}

/// The role name of notebook `notebook` under `prefix`; a definition check keeps it
/// within [`MAX_ROLE_NAME`].
pub fn role_name(prefix: &str, notebook: &str) -> String {
    format!("{prefix}{notebook}")
}

/// The logical ID of a notebook's role, `Notebook<Name>Role`, from its name alone.
pub fn role_id(notebook: &str) -> Result<LogicalId, ConstructError> {
    Ok(LogicalId::from_words(&["Notebook", notebook, "Role"])?)
}

/// What a notebook's role may do: describe its own notebook (the SageMaker Python SDK
/// reads its execution role that way), write the notebook logs and use the volume key.
/// The shared role of [`super::shared_notebook_role`] grants the same, for its notebooks.
pub fn policy(
    notebook: &str,
    key: &Handle<Key>,
    idle_stop: bool,
) -> Result<PolicyDocument, ConstructError> {
    let mut doc = PolicyDocument::new();
    NotebookInstanceName::new(notebook)?
        .grant_describe()
        .sid("DescribeOwnNotebook")
        .to(&mut doc)?;
    if idle_stop {
        notebooks::grant_stop_self(notebook, &mut doc)?;
    }
    let runtime = notebooks::runtime_policy(key)?;
    doc.push(runtime.statement_list().iter().cloned());
    Ok(doc)
}

/// The role `Notebook<Name>Role` of one notebook: trusted by SageMaker only, named
/// `<name_prefix><notebook>` on the given path, holding [`policy`] and `grants` (what the
/// stack lets every notebook do besides, such as reading its package repository).
pub fn new(
    scope: &mut Scope,
    props: &NotebookRoleProps,
    key: &Handle<Key>,
    grants: &PolicyDocument,
) -> Result<Handle<Role>, ConstructError> {
    let mut runtime = policy(&props.notebook, key, props.idle_stop)?;
    runtime.push(grants.statement_list().iter().cloned());
    let name = props.role_name();
    if !iam::is_valid_name(&name, MAX_ROLE_NAME) {
        return Err(ConstructError::Invalid(format!(
            "`{name}` is not a valid role name (1 to {MAX_ROLE_NAME} letters, digits and +=,.@_-)"
        )));
    }
    scope.add_named(
        &["Notebook", props.notebook.as_str(), "Role"],
        Role::builder()
            .role_name(name.as_str())
            .path(props.path.as_str())
            .description(format!(
                "Execution role of notebook {} alone: CloudTrail names the notebook by this role",
                props.notebook
            ))
            .assume_role_policy_document(iam::service_trust_policy(
                iam::Service::SageMakerNotebookInstance,
            ))
            .policies(Policy::new("NotebookRuntime", runtime))
            .build()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{Template, Value};

    fn key(scope: &mut Scope) -> Handle<Key> {
        scope
            .add(
                "NotebookKey",
                Key::builder().enable_key_rotation(true).build().unwrap(),
            )
            .unwrap()
    }

    #[test]
    fn the_role_is_named_after_the_notebook_and_trusts_sagemaker_only() {
        let mut t = Template::new();
        let mut scope = Scope::root(&mut t);
        let key = key(&mut scope);
        let props = NotebookRoleProps {
            notebook: "analyst-alice".into(),
            name_prefix: "nb-".into(),
            path: "/notebooks/".into(),
            idle_stop: false,
        };
        let role = new(&mut scope, &props, &key, &PolicyDocument::new()).unwrap();
        assert_eq!(role.logical_id().as_str(), "NotebookAnalystAliceRole");
        assert_eq!(role_id("analyst-alice").unwrap(), *role.logical_id());
        let json = serde_json::to_value(&t).unwrap();
        let p = &json["Resources"]["NotebookAnalystAliceRole"]["Properties"];
        assert_eq!(p["RoleName"], "nb-analyst-alice");
        assert_eq!(p["Path"], "/notebooks/");
        assert_eq!(
            p["AssumeRolePolicyDocument"],
            serde_json::to_value(Value::from(iam::service_trust_policy(
                iam::Service::SageMakerNotebookInstance
            )))
            .unwrap()
        );
        let sids: Vec<&str> = p["Policies"][0]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap())
            .collect();
        assert_eq!(
            sids,
            [
                "DescribeOwnNotebook",
                "WriteNotebookLogs",
                "UseVolumeKey",
                "GrantVolumeKeyToAwsResources"
            ]
        );
        let actions = serde_json::to_string(&p["Policies"]).unwrap();
        assert!(
            !actions.contains("sts:"),
            "no role of a notebook may assume roles"
        );
    }

    #[test]
    fn a_name_over_iams_limit_is_refused() {
        let mut t = Template::new();
        let mut scope = Scope::root(&mut t);
        let key = key(&mut scope);
        let props = NotebookRoleProps {
            notebook: "a".repeat(63),
            name_prefix: "xy".into(),
            path: "/".into(),
            idle_stop: false,
        };
        let err = new(&mut scope, &props, &key, &PolicyDocument::new()).unwrap_err();
        assert!(err.to_string().contains("not a valid role name"), "{err}");
    }
}
