//! Per-notebook identity in CloudTrail. Many notebooks share one execution role; each
//! one's default AWS profile assumes that role again with the notebook's name as the
//! session name, so CloudTrail's user name is the notebook. The lifecycle script writes
//! that profile and makes it immutable; root access is off so users cannot undo it.
//!
//! The role trusts itself in the only form that works at creation: the account
//! principal with `ArnEquals aws:PrincipalArn` = the role's own ARN, built from its
//! fixed name and path (naming the ARN as Principal fails with "Invalid principal in
//! policy", and a role cannot `GetAtt` itself).

use crate::resources::iam::policy::{Condition, PolicyDocument, Principal, Statement, keys};
use crate::resources::iam::{self, Policy, Role};
use crate::resources::kms::Key;
use crate::resources::sagemaker::{LifecycleHook, NotebookInstanceLifecycleConfig};
use crate::resources::{arn, logs, sagemaker};
use crate::template::{Handle, SubPart, Value};

use super::ConstructError;
use super::notebooks::notebook_arn;
use super::scope::Scope;

/// The OnStart script, kept in its own file so it can be linted and tested as a script.
pub const ON_START_SCRIPT: &str = include_str!("scripts/notebook_identity_on_start.sh");

/// The shared role's fixed name and path (the trust policy needs its ARN by name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedRoleProps {
    /// The role's name.
    pub name: String,
    /// `/` or `/segment/…/`.
    pub path: String,
    /// Names of the notebooks that use the role.
    pub notebooks: Vec<String>,
}

/// `arn:${AWS::Partition}:iam::${AWS::AccountId}:role<path><name>`.
pub fn role_arn(props: &SharedRoleProps) -> Value {
    arn::global(
        "iam",
        [SubPart::from(format!("role{}{}", props.path, props.name))],
    )
}

/// The trust policy: SageMaker, and the role itself through the account principal.
pub fn trust_policy(props: &SharedRoleProps) -> PolicyDocument {
    PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("SageMakerRunsTheNotebooks")
                .principal(Principal::service("sagemaker.amazonaws.com"))
                .actions([&iam::actions::ASSUME_ROLE]),
        )
        .statement(
            Statement::allow()
                .sid("RoleAssumesItselfPerNotebook")
                .principal(Principal::this_account())
                .actions([&iam::actions::ASSUME_ROLE])
                .condition(Condition::arn_equals(
                    keys::PRINCIPAL_ARN,
                    [role_arn(props)],
                )),
        )
}

/// The identity policy: assume itself, describe exactly these notebooks (the script's own
/// call), write notebook logs, use the volume key. Nothing else.
pub fn identity_policy(
    props: &SharedRoleProps,
    key: &Handle<Key>,
) -> Result<PolicyDocument, ConstructError> {
    let mut doc = PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("AssumeItselfWithTheNotebookName")
                .actions([&iam::actions::ASSUME_ROLE])
                .resource(role_arn(props)),
        )
        .statement(
            Statement::allow()
                .sid("DescribeOwnNotebooks")
                .actions([&sagemaker::actions::DESCRIBE_NOTEBOOK_INSTANCE])
                .resources(props.notebooks.iter().map(|n| notebook_arn(n))),
        )
        .statement(
            Statement::allow()
                .sid("WriteNotebookLogs")
                .actions(logs::actions::WRITE)
                .resource(arn::regional(
                    "logs",
                    [SubPart::from("log-group:/aws/sagemaker/NotebookInstances*")],
                )),
        );
    key.grant_volume_use().to(&mut doc)?;
    Ok(doc)
}

/// The shared execution role.
/// `<id>ExecutionRole` in the scope (`NotebookExecutionRole` in the shipped stacks).
pub fn shared_role(
    scope: &mut Scope,
    id: &str,
    props: &SharedRoleProps,
    key: &Handle<Key>,
) -> Result<Handle<Role>, ConstructError> {
    scope.child(id).add(
        "ExecutionRole",
        Role::builder()
            .role_name(props.name.as_str())
            .path(props.path.as_str())
            .description("Shared execution role of the notebooks; each notebook assumes it again under its own name")
            .assume_role_policy_document(trust_policy(props))
            .policies(Policy::new("NotebookIdentity", identity_policy(props, key)?))
            .build()?,
    )
}

/// The lifecycle configuration that runs [`ON_START_SCRIPT`] at every start. The script
/// is emitted as `Fn::Base64` of its plain text so reviewers read it in the diff.
/// `<id>LifecycleConfig` in the scope (`NotebookIdentityLifecycleConfig` in the shipped
/// stacks).
pub fn lifecycle_config(
    scope: &mut Scope,
    id: &str,
    name: &str,
) -> Result<Handle<NotebookInstanceLifecycleConfig>, ConstructError> {
    scope.child(id).add(
        "LifecycleConfig",
        NotebookInstanceLifecycleConfig::builder()
            .notebook_instance_lifecycle_config_name(name)
            .on_start(
                LifecycleHook::builder()
                    .content(Value::base64(ON_START_SCRIPT))
                    .build()?,
            )
            .build()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_starts_with_the_shebang_and_fits_sagemaker_limit() {
        assert!(ON_START_SCRIPT.starts_with("#!/bin/bash\n"));
        assert!(ON_START_SCRIPT.contains("\nset -euo pipefail\n"));
        let base64_len = ON_START_SCRIPT.len().div_ceil(3) * 4;
        assert!(base64_len <= 16_384, "{base64_len}");
    }

    #[test]
    fn trust_policy_has_its_exact_shape() {
        let props = SharedRoleProps {
            name: "shared".into(),
            path: "/nb/".into(),
            notebooks: vec!["a".into()],
        };
        assert_eq!(
            serde_json::to_value(Value::from(trust_policy(&props))).unwrap(),
            serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "SageMakerRunsTheNotebooks", "Effect": "Allow", "Principal": {"Service": ["sagemaker.amazonaws.com"]}, "Action": ["sts:AssumeRole"]},
                {"Sid": "RoleAssumesItselfPerNotebook", "Effect": "Allow",
                 "Principal": {"AWS": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}]},
                 "Action": ["sts:AssumeRole"],
                 "Condition": {"ArnEquals": {"aws:PrincipalArn": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/nb/shared"}}}}
            ]})
        );
    }
}
