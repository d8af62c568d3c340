//! AWS IAM resource types and the policy-document model.

pub mod policy;
pub mod service_trust;

pub use service_trust::{Service, service_trust_policy};

use crate::sub;
use crate::template::{Handle, Pseudo, SubPart, Value};

use policy::{Action, PolicyDocument};

cfn_properties! {
    /// An inline policy of a role, group or user (`AWS::IAM::Role.Policy`).
    Policy / PolicyBuilder ("AWS::IAM::Role.Policy") {
        required policy_document: PolicyDocument => "PolicyDocument",
        required policy_name: Value => "PolicyName",
    }
}

impl Policy {
    /// An inline policy named `name` (unique among the principal's inline policies).
    pub fn new(name: &str, document: PolicyDocument) -> Policy {
        Policy::builder()
            .policy_name(name)
            .policy_document(document)
            .build()
            .expect("both required properties are set")
    }
}

cfn_resource! {
    /// An inline policy of its own, attached to roles, groups or users
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-policy.html>):
    /// for statements that name a resource which itself needs the role first (a function
    /// that may invoke itself), which the role's own `Policies` could not hold without a
    /// dependency cycle.
    StandalonePolicy / StandalonePolicyBuilder = "AWS::IAM::Policy" {
        list groups: Value => "Groups",
        required policy_document: PolicyDocument => "PolicyDocument",
        required policy_name: Value => "PolicyName",
        list roles: Value => "Roles",
        list users: Value => "Users",
    }
}

cfn_resource! {
    Role / RoleBuilder = "AWS::IAM::Role" {
        required assume_role_policy_document: PolicyDocument => "AssumeRolePolicyDocument",
        optional description: Value => "Description",
        list managed_policy_arns: Value => "ManagedPolicyArns",
        optional max_session_duration: i64 => "MaxSessionDuration",
        optional path: Value => "Path",
        optional permissions_boundary: Value => "PermissionsBoundary",
        list policies: Policy => "Policies",
        optional role_name: Value => "RoleName",
    }
}

impl Handle<Role> {
    /// `Ref` of a role: its name.
    pub fn name(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `Arn`: the role's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

cfn_resource! {
    InstanceProfile / InstanceProfileBuilder = "AWS::IAM::InstanceProfile" {
        optional instance_profile_name: Value => "InstanceProfileName",
        optional path: Value => "Path",
        list roles: Value => "Roles",
    }
}

impl Handle<InstanceProfile> {
    /// `Ref` of an instance profile: its name, which `AWS::EC2::Instance` expects.
    pub fn name(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `Arn`: the instance profile's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

cfn_resource! {
    ManagedPolicy / ManagedPolicyBuilder = "AWS::IAM::ManagedPolicy" {
        optional description: Value => "Description",
        list groups: Value => "Groups",
        optional managed_policy_name: Value => "ManagedPolicyName",
        optional path: Value => "Path",
        required policy_document: PolicyDocument => "PolicyDocument",
        list roles: Value => "Roles",
        list users: Value => "Users",
    }
}

impl Handle<ManagedPolicy> {
    /// `Ref` of a managed policy: its ARN.
    pub fn arn(&self) -> Value {
        self.reference()
    }
}

cfn_resource! {
    Group / GroupBuilder = "AWS::IAM::Group" {
        optional group_name: Value => "GroupName",
        list managed_policy_arns: Value => "ManagedPolicyArns",
        optional path: Value => "Path",
        list policies: Policy => "Policies",
    }
}

impl Handle<Group> {
    /// `Ref` of a group: its name.
    pub fn name(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `Arn`: the group's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

cfn_properties! {
    /// `AWS::IAM::User.LoginProfile`: console sign-in.
    LoginProfile / LoginProfileBuilder ("AWS::IAM::User.LoginProfile") {
        required password: Value => "Password",
        optional password_reset_required: bool => "PasswordResetRequired",
    }
}

cfn_resource! {
    User / UserBuilder = "AWS::IAM::User" {
        list groups: Value => "Groups",
        optional login_profile: LoginProfile => "LoginProfile",
        list managed_policy_arns: Value => "ManagedPolicyArns",
        optional path: Value => "Path",
        list policies: Policy => "Policies",
        optional user_name: Value => "UserName",
    }
}

impl Handle<User> {
    /// `Ref` of a user: its name.
    pub fn name(&self) -> Value {
        self.reference()
    }
    /// `Fn::GetAtt` `Arn`: the user's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
}

/// The stack's account as a principal ARN: `arn:${AWS::Partition}:iam::${AWS::AccountId}:root`.
pub fn account_root_arn() -> Value {
    super::arn::global("iam", [SubPart::from("root")])
}

/// The ARN of an AWS-managed policy, e.g. `AmazonSSMManagedInstanceCore`.
pub fn aws_managed_policy_arn(name: &str) -> Value {
    sub!["arn:", Pseudo::Partition, ":iam::aws:policy/", name]
}

/// IAM and STS actions.
pub mod actions {
    use super::Action;

    /// Assumes a role: what a trust policy allows its principal.
    pub const ASSUME_ROLE: Action = Action::new("sts:AssumeRole");
    /// Lets the assuming service stamp sessions with a source identity.
    pub const SET_SOURCE_IDENTITY: Action = Action::new("sts:SetSourceIdentity");
    /// Hands a role to a service (a notebook, a function) that then acts as it.
    pub const PASS_ROLE: Action = Action::new("iam:PassRole");

    /// What a user needs to sign in, set a new password and enrol an MFA device, and
    /// so what the MFA guard leaves allowed without MFA.
    pub const MFA_SETUP: &[Action] = &[
        Action::new("iam:ChangePassword"),
        Action::new("iam:CreateVirtualMFADevice"),
        Action::new("iam:EnableMFADevice"),
        Action::new("iam:GetAccountPasswordPolicy"),
        Action::new("iam:GetUser"),
        Action::new("iam:ListMFADevices"),
        Action::new("iam:ListVirtualMFADevices"),
        Action::new("iam:ResyncMFADevice"),
        Action::new("sts:GetSessionToken"),
    ];
    /// Lists virtual MFA devices (the console's MFA page needs it).
    pub const LIST_VIRTUAL_MFA_DEVICES: Action = Action::new("iam:ListVirtualMFADevices");
    /// Reads the password policy, to set a compliant password.
    pub const GET_ACCOUNT_PASSWORD_POLICY: Action = Action::new("iam:GetAccountPasswordPolicy");
    /// Creates a virtual MFA device.
    pub const CREATE_VIRTUAL_MFA_DEVICE: Action = Action::new("iam:CreateVirtualMFADevice");
    /// Deletes a virtual MFA device.
    pub const DELETE_VIRTUAL_MFA_DEVICE: Action = Action::new("iam:DeleteVirtualMFADevice");
    /// Changes one's own console password.
    pub const CHANGE_PASSWORD: Action = Action::new("iam:ChangePassword");
    /// Reads an IAM user.
    pub const GET_USER: Action = Action::new("iam:GetUser");
    /// Associates an MFA device with a user.
    pub const ENABLE_MFA_DEVICE: Action = Action::new("iam:EnableMFADevice");
    /// Lists a user's MFA devices.
    pub const LIST_MFA_DEVICES: Action = Action::new("iam:ListMFADevices");
    /// Resynchronizes an MFA device whose codes drifted.
    pub const RESYNC_MFA_DEVICE: Action = Action::new("iam:ResyncMFADevice");
    /// Removes an MFA device from a user.
    pub const DEACTIVATE_MFA_DEVICE: Action = Action::new("iam:DeactivateMFADevice");
}

/// The property that holds the name of an IAM entity of `type_name`, and the longest
/// name IAM accepts for it.
pub fn name_property(type_name: &str) -> Option<(&'static str, usize)> {
    match type_name {
        "AWS::IAM::Role" => Some(("RoleName", 64)),
        "AWS::IAM::User" => Some(("UserName", 64)),
        "AWS::IAM::Group" => Some(("GroupName", 128)),
        "AWS::IAM::InstanceProfile" => Some(("InstanceProfileName", 128)),
        "AWS::IAM::ManagedPolicy" => Some(("ManagedPolicyName", 128)),
        _ => None,
    }
}

/// Whether `name` is a valid IAM name of at most `max` characters: letters, digits and
/// `+=,.@_-`.
pub fn is_valid_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// Whether `path` is a valid IAM path: `/`, or `/segment/…/` of printable ASCII, at most
/// 512 characters.
pub fn is_valid_path(path: &str) -> bool {
    path == "/"
        || (path.len() <= 512
            && path.starts_with('/')
            && path.ends_with('/')
            && path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c)))
}

/// IAM quota on all inline policies of one role together, in characters without
/// whitespace.
pub const MAX_ROLE_INLINE_POLICIES_CHARS: usize = 10_240;
/// IAM quota on one managed policy, in characters without whitespace.
pub const MAX_MANAGED_POLICY_CHARS: usize = 6_144;
/// IAM quota on a role's trust policy, in characters without whitespace.
pub const MAX_TRUST_POLICY_CHARS: usize = 2_048;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_follow_iam_rules() {
        assert_eq!(name_property("AWS::IAM::Group"), Some(("GroupName", 128)));
        assert_eq!(name_property("AWS::S3::Bucket"), None);
        assert!(is_valid_name("team+role=a,b.c@d_e-f", 64));
        assert!(!is_valid_name("has space", 64));
        assert!(!is_valid_name("", 64));
        assert!(!is_valid_name(&"r".repeat(65), 64));
        assert!(is_valid_path("/"));
        assert!(is_valid_path("/team/notebooks/"));
        assert!(!is_valid_path("no-slash"));
        assert!(!is_valid_path("/team"));
        assert!(!is_valid_path("/a b/"));
    }
}
