//! AWS IAM resource types and the policy-document model.

pub mod policy;

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
    pub fn new(name: &str, document: PolicyDocument) -> Policy {
        Policy::builder()
            .policy_name(name)
            .policy_document(document)
            .build()
            .expect("both required properties are set")
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

    pub const ASSUME_ROLE: Action = Action::new("sts:AssumeRole");
    /// Lets the assuming service stamp sessions with a source identity.
    pub const SET_SOURCE_IDENTITY: Action = Action::new("sts:SetSourceIdentity");
    pub const PASS_ROLE: Action = Action::new("iam:PassRole");
}

/// The trust policy of a role that an AWS service assumes.
pub fn service_trust_policy(service_principal: &str) -> PolicyDocument {
    PolicyDocument::new().statement(
        policy::Statement::allow()
            .principal(policy::Principal::service(service_principal))
            .actions([&actions::ASSUME_ROLE]),
    )
}
