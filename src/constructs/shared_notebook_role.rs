//! Notebook identity with one shared execution role (`identity:
//! shared-role-with-session-names`): every notebook's start script makes ec2-user's
//! default profile assume the role again with the notebook's name as the session name,
//! so CloudTrail's user name is the notebook.
//!
//! What IAM enforces here, and what it cannot:
//! - the role assumes itself only under the name of one of its notebooks
//!   (`sts:RoleSessionName`, in the trust and in the role's own policy) and only through
//!   the stack's STS endpoint (`aws:SourceVpce`), so credentials copied off a notebook do
//!   not renew themselves elsewhere;
//! - the base session SageMaker hands the instance (its instance-metadata credentials,
//!   the same on every notebook) may do nothing but assume the role again and what the
//!   instance itself needs (notebook logs, the volume key): a Deny for every session
//!   whose `aws:userid` (`<role id>:<session name>`) does not end in a notebook's name;
//! - but no condition key tells IAM which notebook asks, so any notebook of the role can
//!   assume it under another one's name. The rule pack's SM-NOTEBOOK-SHARED-IDENTITY
//!   warning says so; [`super::notebook_identity`] (a role per notebook) has no such gap.
//!
//! The role trusts itself in the only form that works at creation: the account principal
//! with `ArnEquals aws:PrincipalArn` = the role's own ARN, built from its fixed name and
//! path (naming the ARN as Principal fails with "Invalid principal in policy", and a role
//! cannot `GetAtt` itself).

use crate::resources::iam::policy::{
    Action, Condition, PolicyDocument, Principal, Statement, keys,
};
use crate::resources::iam::{self, Policy, Role};
use crate::resources::kms::Key;
use crate::resources::sagemaker::NotebookInstanceLifecycleConfig;
use crate::resources::{arn, sagemaker};
use crate::template::{Handle, SubPart, Value};

use super::ConstructError;
use super::lifecycle_script::ScriptFragment;
use super::network::{EndpointService, PrivateNetwork};
use super::notebooks::{self, notebook_arn};
use super::scope::Scope;

/// The OnStart script, kept in its own file so it can be linted and tested as a script.
/// Its one setting, the role's path and name, is filled in by [`on_start_script`].
pub const ON_START_SCRIPT: &str = include_str!("scripts/notebook_identity_on_start.sh");

/// What [`on_start_script`] replaces with the role's path and name.
pub const ROLE_PLACEHOLDER: &str = "@ROLE_PATH_AND_NAME@";

/// The session name SageMaker gives the instance's own credentials, as observed on
/// notebook instances (`assumed-role/<role>/SageMaker`; not stated in AWS's
/// documentation). A notebook of that name would be mistaken for the base session, so
/// the definition check refuses it.
pub const BASE_SESSION_NAME: &str = "SageMaker";

/// The shared role's fixed name and path (the trust policy needs its ARN by name), and
/// the notebooks that use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedRoleProps {
    /// The role's name.
    pub name: String,
    /// `/` or `/segment/…/`.
    pub path: String,
    /// Names of the notebooks that use the role: the only session names it accepts.
    pub notebooks: Vec<String>,
}

/// `arn:${AWS::Partition}:iam::${AWS::AccountId}:role<path><name>`.
pub fn role_arn(props: &SharedRoleProps) -> Value {
    arn::global(
        "iam",
        [SubPart::from(format!("role{}{}", props.path, props.name))],
    )
}

fn session_names(props: &SharedRoleProps) -> Condition {
    Condition::string_equals(
        keys::STS_ROLE_SESSION_NAME,
        props.notebooks.iter().map(|n| Value::from(n.as_str())),
    )
}

/// `StringEquals aws:SourceVpce` = the STS endpoint. Without one the list is empty,
/// which matches nothing (and the rule pack's ENV-STS-ENDPOINT reports the gap).
fn through_sts_endpoint(sts_endpoint: &[Value]) -> Condition {
    Condition::string_equals(keys::SOURCE_VPCE, sts_endpoint.iter().cloned())
}

/// The id of the network's STS endpoint, if it has one, as the policies name it.
pub fn sts_endpoint(network: &PrivateNetwork) -> Vec<Value> {
    network
        .endpoint(EndpointService::Sts)
        .map(|e| e.id())
        .into_iter()
        .collect()
}

/// The trust policy: SageMaker, and the role itself through the account principal, under
/// a notebook's name and through the STS endpoint (see [`sts_endpoint`]) only.
pub fn trust_policy(props: &SharedRoleProps, sts_endpoint: &[Value]) -> PolicyDocument {
    PolicyDocument::new()
        .statement(
            iam::Service::SageMakerNotebookInstance
                .statement(&[&iam::actions::ASSUME_ROLE])
                .sid("SageMakerRunsTheNotebooks"),
        )
        .statement(
            Statement::allow()
                .sid("RoleAssumesItselfUnderANotebookName")
                .principal(Principal::this_account())
                .actions([&iam::actions::ASSUME_ROLE])
                .condition(Condition::arn_equals(
                    keys::PRINCIPAL_ARN,
                    [role_arn(props)],
                ))
                .condition(session_names(props))
                .condition(through_sts_endpoint(sts_endpoint)),
        )
}

/// The actions the base session keeps: assuming the role again, and what the instance
/// needs to run (the notebook logs and the volume key of [`notebooks::runtime_policy`]).
fn base_session_actions(runtime: &PolicyDocument) -> Vec<Action> {
    let mut actions = vec![iam::actions::ASSUME_ROLE];
    for statement in runtime.statement_list() {
        for action in statement.action_list() {
            if !actions.contains(action) {
                actions.push(action.clone());
            }
        }
    }
    actions
}

/// The identity policy: assume itself under a notebook's name through the STS endpoint,
/// describe exactly these notebooks, write notebook logs, use the volume key; and a Deny
/// of everything else to any session that is not named after one of the notebooks.
pub fn identity_policy(
    props: &SharedRoleProps,
    key: &Handle<Key>,
    sts_endpoint: &[Value],
) -> Result<PolicyDocument, ConstructError> {
    let runtime = notebooks::runtime_policy(key)?;
    let mut doc = PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("AssumeItselfWithANotebookName")
                .actions([&iam::actions::ASSUME_ROLE])
                .resource(role_arn(props))
                .condition(session_names(props))
                .condition(through_sts_endpoint(sts_endpoint)),
        )
        .statement(
            Statement::allow()
                .sid("DescribeOwnNotebooks")
                .actions([&sagemaker::actions::DESCRIBE_NOTEBOOK_INSTANCE])
                .resources(props.notebooks.iter().map(|n| notebook_arn(n))),
        );
    doc.push(runtime.statement_list().iter().cloned());
    // aws:userid of a role session is `<role id>:<session name>`; a session name has no
    // colon, so `*:<name>` matches that one session name and nothing else.
    let notebook_sessions = props
        .notebooks
        .iter()
        .map(|n| Value::from(format!("*:{n}")));
    doc.push([Statement::deny()
        .sid("BaseSessionMayOnlyAssumeItself")
        .not_actions(base_session_actions(&runtime).iter())
        .any_resource()
        .condition(Condition::string_not_like(keys::USER_ID, notebook_sessions))]);
    Ok(doc)
}

/// [`ON_START_SCRIPT`] with the role's path and name written in. The script builds the
/// role's ARN from them and the partition and account of the notebook's own ARN, so it
/// calls no AWS API (the base session may not). Both go into a root shell script, so only
/// IAM's plain name characters are accepted, whatever IAM would allow in a path.
pub fn on_start_script(props: &SharedRoleProps) -> Result<String, ConstructError> {
    let path_and_name = format!("{}{}", props.path, props.name);
    let plain = |text: &str, slash: bool| {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) || (slash && c == '/'))
    };
    if !plain(&props.name, false)
        || !props.path.starts_with('/')
        || !props.path.ends_with('/')
        || !plain(&props.path, true)
    {
        return Err(ConstructError::Invalid(format!(
            "`{path_and_name}`: the start script takes role paths and names of letters, digits and +=,.@_- only"
        )));
    }
    Ok(ON_START_SCRIPT.replace(ROLE_PLACEHOLDER, &path_and_name))
}

/// The shared role and the lifecycle configuration that gives each notebook its name.
#[derive(Clone, Debug)]
pub struct SharedNotebookRole {
    /// `<id>ExecutionRole` (`NotebookExecutionRole` in the shipped stacks).
    pub role: Handle<Role>,
    /// `<id>IdentityLifecycleConfig` (`NotebookIdentityLifecycleConfig` there).
    pub lifecycle_config: Handle<NotebookInstanceLifecycleConfig>,
}

impl SharedNotebookRole {
    /// The role `<id>ExecutionRole` and the lifecycle configuration
    /// `<id>IdentityLifecycleConfig`, named `config_name`, whose OnStart runs
    /// `extra_on_start` and then [`on_start_script`] (see [`notebooks::lifecycle_config`]).
    pub fn new(
        scope: &mut Scope,
        id: &str,
        props: &SharedRoleProps,
        key: &Handle<Key>,
        network: &PrivateNetwork,
        config_name: &str,
        extra_on_start: &[ScriptFragment],
    ) -> Result<SharedNotebookRole, ConstructError> {
        let script = on_start_script(props)?;
        let sts_endpoint = sts_endpoint(network);
        let mut scope = scope.child(id);
        let role = scope.add(
            "ExecutionRole",
            Role::builder()
                .role_name(props.name.as_str())
                .path(props.path.as_str())
                .description("Shared execution role of the notebooks; each notebook assumes it again under its own name")
                .assume_role_policy_document(trust_policy(props, &sts_endpoint))
                .policies(Policy::new(
                    "NotebookIdentity",
                    identity_policy(props, key, &sts_endpoint)?,
                ))
                .build()?,
        )?;
        let lifecycle_config = notebooks::lifecycle_config(
            &mut scope,
            "IdentityLifecycleConfig",
            config_name,
            extra_on_start,
            Some(&script),
        )?
        .ok_or_else(|| ConstructError::Invalid("the identity script is empty".into()))?;
        Ok(SharedNotebookRole {
            role,
            lifecycle_config,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::sagemaker::MAX_LIFECYCLE_CONTENT;
    use crate::template::Template;

    fn props() -> SharedRoleProps {
        SharedRoleProps {
            name: "shared".into(),
            path: "/nb/".into(),
            notebooks: vec!["a".into(), "b".into()],
        }
    }

    fn network(scope: &mut Scope, endpoints: Vec<EndpointService>) -> PrivateNetwork {
        crate::constructs::network::test_network(scope, endpoints)
    }

    #[test]
    fn script_starts_with_the_shebang_and_fits_sagemaker_limit() {
        let script = on_start_script(&props()).unwrap();
        assert!(script.starts_with("#!/bin/bash\n"));
        assert!(script.contains("\nset -euo pipefail\n"));
        assert!(script.contains("\nrole_path_and_name='/nb/shared'\n"));
        assert!(!script.contains(ROLE_PLACEHOLDER));
        let base64_len = script.len().div_ceil(3) * 4;
        assert!(base64_len <= MAX_LIFECYCLE_CONTENT, "{base64_len}");
    }

    #[test]
    fn the_script_takes_plain_role_paths_and_names_only() {
        for (name, path) in [
            ("r'x", "/"),
            ("r", "/a$b/"),
            ("r", "nb/"),
            ("", "/"),
            ("r", "/a b/"),
        ] {
            let props = SharedRoleProps {
                name: name.into(),
                path: path.into(),
                notebooks: vec!["a".into()],
            };
            assert!(on_start_script(&props).is_err(), "{name:?} {path:?}");
        }
    }

    #[test]
    fn trust_policy_has_its_exact_shape() {
        let mut t = Template::new();
        let mut scope = Scope::root(&mut t);
        let network = network(&mut scope, vec![EndpointService::Sts]);
        assert_eq!(
            serde_json::to_value(Value::from(trust_policy(&props(), &sts_endpoint(&network))))
                .unwrap(),
            serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "SageMakerRunsTheNotebooks", "Effect": "Allow", "Principal": {"Service": ["sagemaker.amazonaws.com"]}, "Action": ["sts:AssumeRole"]},
                {"Sid": "RoleAssumesItselfUnderANotebookName", "Effect": "Allow",
                 "Principal": {"AWS": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}]},
                 "Action": ["sts:AssumeRole"],
                 "Condition": {
                    "ArnEquals": {"aws:PrincipalArn": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/nb/shared"}},
                    "StringEquals": {"sts:RoleSessionName": ["a", "b"], "aws:SourceVpce": {"Ref": "StsEndpoint"}}}}
            ]})
        );
    }

    #[test]
    fn without_an_sts_endpoint_the_self_assume_matches_no_endpoint() {
        let mut t = Template::new();
        let mut scope = Scope::root(&mut t);
        let network = network(&mut scope, vec![EndpointService::S3]);
        let trust =
            serde_json::to_value(Value::from(trust_policy(&props(), &sts_endpoint(&network))))
                .unwrap();
        assert_eq!(
            trust["Statement"][1]["Condition"]["StringEquals"]["aws:SourceVpce"],
            serde_json::json!([])
        );
    }

    #[test]
    fn the_base_session_keeps_the_self_assume_and_the_runtime_only() {
        let mut t = Template::new();
        let mut scope = Scope::root(&mut t);
        let network = network(&mut scope, vec![EndpointService::Sts]);
        let key = scope
            .add(
                "NotebookKey",
                Key::builder().enable_key_rotation(true).build().unwrap(),
            )
            .unwrap();
        let doc = serde_json::to_value(Value::from(
            identity_policy(&props(), &key, &sts_endpoint(&network)).unwrap(),
        ))
        .unwrap();
        let deny = doc["Statement"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            deny,
            serde_json::json!({"Sid": "BaseSessionMayOnlyAssumeItself", "Effect": "Deny",
                "NotAction": ["sts:AssumeRole", "logs:CreateLogGroup", "logs:CreateLogStream",
                    "logs:PutLogEvents", "logs:DescribeLogStreams", "kms:Decrypt",
                    "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"],
                "Resource": ["*"],
                "Condition": {"StringNotLike": {"aws:userid": ["*:a", "*:b"]}}})
        );
    }
}
