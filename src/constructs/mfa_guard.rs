//! The MFA guard: one managed policy, shared by every group that needs it, in the form
//! AWS publishes for self-managed MFA. Without MFA a user may do only what signing in,
//! changing the initial password and enrolling an MFA device need (a Deny with
//! `NotAction`); a blanket `Deny *` would also block enrolling the first device. Users
//! may manage only their own password and MFA device (`user/${aws:username}`).

use crate::resources::arn;
use crate::resources::iam::actions as iam_actions;
use crate::resources::iam::policy::{Condition, PolicyDocument, Statement, keys};
use crate::resources::iam::{Group, ManagedPolicy};
use crate::template::{Handle, SubPart};

use super::ConstructError;
use super::scope::Scope;

/// `arn:…:iam::<account>:user/${aws:username}`; the policy variable is escaped for
/// Fn::Sub (`${!aws:username}`) by the template model.
fn own_user() -> crate::template::Value {
    arn::global("iam", [SubPart::from("user/${aws:username}")])
}

/// The guard's policy document.
pub fn policy() -> PolicyDocument {
    PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("ViewAccountMfaAndPasswordRules")
                .actions([
                    &iam_actions::LIST_VIRTUAL_MFA_DEVICES,
                    &iam_actions::GET_ACCOUNT_PASSWORD_POLICY,
                ])
                .any_resource(),
        )
        .statement(
            Statement::allow()
                .sid("CreateOwnVirtualMfaDevice")
                .actions([
                    &iam_actions::CREATE_VIRTUAL_MFA_DEVICE,
                    &iam_actions::DELETE_VIRTUAL_MFA_DEVICE,
                ])
                // Device names are chosen by the user; devices cannot be enabled on
                // anyone else (the statement below is limited to their own user).
                .resource(arn::global("iam", [SubPart::from("mfa/*")])),
        )
        .statement(
            Statement::allow()
                .sid("ManageOwnPasswordAndMfa")
                .actions([
                    &iam_actions::CHANGE_PASSWORD,
                    &iam_actions::GET_USER,
                    &iam_actions::ENABLE_MFA_DEVICE,
                    &iam_actions::LIST_MFA_DEVICES,
                    &iam_actions::RESYNC_MFA_DEVICE,
                ])
                .resource(own_user()),
        )
        .statement(
            Statement::allow()
                .sid("DeactivateOwnMfaOnlyWithMfa")
                .actions([&iam_actions::DEACTIVATE_MFA_DEVICE])
                .resource(own_user())
                .condition(Condition::bool(keys::MULTI_FACTOR_AUTH_PRESENT, true)),
        )
        .statement(
            Statement::deny()
                .sid("DenyAllButMfaSetupWithoutMfa")
                .not_actions(iam_actions::MFA_SETUP)
                .any_resource()
                .condition(Condition::bool(keys::MULTI_FACTOR_AUTH_PRESENT, false).if_exists()),
        )
}

/// Adds the guard as one managed policy, `<id>Policy` in the scope (`MfaGuardPolicy` in
/// the shipped stacks), attached to `groups`.
pub fn new(
    scope: &mut Scope,
    id: &str,
    groups: &[&Handle<Group>],
) -> Result<Handle<ManagedPolicy>, ConstructError> {
    let mut builder = ManagedPolicy::builder()
        .description("Nothing but MFA set-up without MFA; users manage only their own password and MFA device")
        .policy_document(policy());
    for group in groups {
        builder = builder.groups(group.name());
    }
    scope.child(id).add("Policy", builder.build()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deny_uses_not_action_and_bool_if_exists() {
        let doc = serde_json::to_value(crate::template::Value::from(policy())).unwrap();
        let deny = &doc["Statement"][4];
        assert_eq!(
            deny,
            &json!({
                "Sid": "DenyAllButMfaSetupWithoutMfa",
                "Effect": "Deny",
                "NotAction": ["iam:ChangePassword", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice",
                    "iam:GetAccountPasswordPolicy", "iam:GetUser", "iam:ListMFADevices",
                    "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
                "Resource": ["*"],
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
            })
        );
        // The policy variable survives Fn::Sub escaped.
        assert_eq!(
            doc["Statement"][2]["Resource"],
            json!([{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/${!aws:username}"}])
        );
    }
}
