//! Grants: the only way identity policies are written. A resource that can be shared
//! (a bucket, a key, a queue, ...) has `grant_*` methods that add least-privilege
//! statements to a [`Grantee`]'s policy, so the same permission is always spelled the
//! same way and never pasted.
//!
//! A grantee is either a policy document still being filled for a principal that is not
//! built yet ([`PolicyDocument`]), or a role already in the template ([`RoleGrants`],
//! from [`Scope::grants_for`]), whose inline policy `Grants` receives the statements.
//!
//! # Grant methods
//!
//! Every method returns a [`Grant`]: its statements, with default Sids, added to a
//! grantee by `.to(&mut grantee)?`. Before that, `.sid("X")` / `.sids(&[..])` rename
//! the statements, `.only([&action, ..])` keeps some of the grant's actions, and
//! `.condition(c)` adds a condition to every statement; none of them can widen a grant.
//! Every input error is an `Err` of `.to()`, never a panic. The actions are the named
//! constants of `resources::<service>::actions`; no resource is `*` except for the one
//! call that has no resource-level permissions, and no action is a wildcard except
//! `kms:GenerateDataKey*` in `grant_volume_use`, kept so that the statements every
//! shipped template has stay byte-identical.
//!
//! | resource | method | actions, on |
//! |---|---|---|
//! | KMS key (`Handle<kms::Key>`) | `grant_encrypt_decrypt` | `kms:Encrypt`, `Decrypt`, `GenerateDataKey`, on the key |
//! | | `grant_decrypt` | `kms:Decrypt`, on the key |
//! | | `grant_volume_use` | `kms:Decrypt`, `GenerateDataKey*`, `DescribeKey` (Sid `UseVolumeKey`); `kms:CreateGrant` if `kms:GrantIsForAWSResource` (Sid `GrantVolumeKeyToAwsResources`); on the key |
//! | | [`kms::via_services`] | the `kms:ViaService` condition to add to a key grant |
//! | SQS queue (`Handle<sqs::Queue>`) | `grant_send_messages` | `sqs:SendMessage`, `GetQueueAttributes`, `GetQueueUrl`, on the queue |
//! | | `grant_consume_messages` | `sqs:ReceiveMessage`, `DeleteMessage`, `ChangeMessageVisibility`, `GetQueueAttributes`, `GetQueueUrl`, on the queue |
//! | DynamoDB table (`Handle<dynamodb::Table>`) | `grant_read_data` | `dynamodb:GetItem`, `BatchGetItem`, `Query`, `Scan`, `ConditionCheckItem`, `DescribeTable`, on the table |
//! | | `grant_read_write_data` | those and `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`, on the table |
//! | Secrets Manager secret (`Handle<secretsmanager::Secret>`) | `grant_read` | `secretsmanager:GetSecretValue`, `DescribeSecret`, on the secret |
//! | SSM parameter ([`ssm::ParameterName`]) | `grant_read` | `ssm:GetParameter`, `GetParameters`, on the parameter |
//! | SSM path ([`ssm::ParameterPath`]) | `grant_read` | `ssm:GetParameter`, `GetParameters`, on `parameter/<path>/*` |
//! | | `grant_read_by_path` | `ssm:GetParametersByPath`, on `parameter/<path>` |
//! | Log group (`Handle<logs::LogGroup>`) | `grant_write` | `logs:CreateLogStream`, `PutLogEvents`, on the group's streams (its `Arn`, `…:log-group:<name>:*`) |
//! | Studio domain (`Handle<sagemaker::Domain>`) | `grant_describe` | `sagemaker:DescribeDomain`, on the domain |
//! | | `grant_presigned_url` | `sagemaker:CreatePresignedDomainUrl`, on `user-profile/<domain id>/<profile>` for the named profiles, the calling IAM user's own (`${aws:username}`) or `*` ([`sagemaker::UserProfiles`]) |
//! | Notebook instance ([`sagemaker::NotebookInstanceName`]) | `grant_describe` | `sagemaker:DescribeNotebookInstance`, on the instance |
//! | Notebook instance (`Handle<sagemaker::NotebookInstance>`, [`sagemaker::NotebookInstanceName`]) | `grant_open` | `sagemaker:CreatePresignedNotebookInstanceUrl`, `DescribeNotebookInstance`, on the instance |
//! | | `grant_use` | those and `StartNotebookInstance`, `StopNotebookInstance`, on the instance |
//! | A function's place in a network ([`FunctionNetwork`](super::function_network::FunctionNetwork)) | `grant_network_interfaces` | `ec2:CreateNetworkInterface` on `network-interface/*`, the private subnets and the group; `DeleteNetworkInterface`, `AssignPrivateIpAddresses`, `UnassignPrivateIpAddresses` on `network-interface/*` if `ec2:Subnet` is one of them; `DescribeNetworkInterfaces`, `DescribeSubnets` on `*` (no resource-level permissions) |
//! | Where SageMaker work runs ([`MlPlacement`](super::ml_work::MlPlacement)) | `grant_job_network_interfaces` | `ec2:CreateNetworkInterface` on `network-interface/*`, the private subnets and the group; `CreateNetworkInterfacePermission`, `DeleteNetworkInterface`, `DeleteNetworkInterfacePermission` on `network-interface/*` if `ec2:Subnet` is one of them; `DescribeNetworkInterfaces`, `DescribeVpcs`, `DescribeDhcpOptions`, `DescribeSubnets`, `DescribeSecurityGroups` on `*` (no resource types) |
//! | CodeArtifact repository ([`PackageRepository`](super::package_repository::PackageRepository)) | `grant_read` | `codeartifact:GetAuthorizationToken` on the domain; `GetRepositoryEndpoint`, `ReadFromRepository` on the readable repository; `sts:GetServiceBearerToken` on `*` if `sts:AWSServiceName` is `codeartifact.amazonaws.com` (no resource type) |
//! | (none) | [`sagemaker::grant_list_notebook_instances`] | `sagemaker:ListNotebookInstances`, on `*` (no resource-level permissions; Sid `ListNotebookInstances`) |
//!
//! Default Sids are the resource's logical ID (or its name in PascalCase) followed by the
//! grant's verb: `OnboardingDeadLetterQueueSendMessages`, `GroupRoleMappingTableReadData`;
//! `grant_volume_use` and `grant_list_notebook_instances` have the fixed Sids above.
//! S3 buckets have their own grants, [`super::secure_bucket::SecureBucket::grant`].

use crate::resources::iam::policy::{PolicyDocument, Statement};
use crate::resources::iam::{Policy, Role};
use crate::template::{Handle, Value};

use super::ConstructError;
use super::scope::Scope;

pub mod codeartifact;
pub mod dynamodb;
pub mod ec2;
mod grant;
pub mod kms;
pub mod logs;
pub mod ml;
#[cfg(test)]
mod reproduce;
#[cfg(test)]
mod rule_pack;
pub mod sagemaker;
pub mod secretsmanager;
pub mod sqs;
pub mod ssm;
#[cfg(test)]
mod testing;

pub use grant::Grant;

/// A principal whose identity policy grants add statements to.
pub trait Grantee {
    /// Adds `statements` to the principal's policy, in order.
    fn grant(&mut self, statements: Vec<Statement>) -> Result<(), ConstructError>;
}

impl Grantee for PolicyDocument {
    fn grant(&mut self, statements: Vec<Statement>) -> Result<(), ConstructError> {
        self.push(statements);
        Ok(())
    }
}

/// The name of the inline policy that [`RoleGrants`] fills.
pub const GRANTS_POLICY_NAME: &str = "Grants";

/// A role of the template as a grantee: statements go into its inline policy named
/// [`GRANTS_POLICY_NAME`], created on the first grant.
pub struct RoleGrants<'s, 't> {
    scope: &'s mut Scope<'t>,
    role: Handle<Role>,
}

impl<'t> Scope<'t> {
    /// The role `role` of this template as a grantee (see [`RoleGrants`]).
    pub fn grants_for(&mut self, role: &Handle<Role>) -> RoleGrants<'_, 't> {
        RoleGrants {
            scope: self,
            role: role.clone(),
        }
    }
}

impl Grantee for RoleGrants<'_, '_> {
    fn grant(&mut self, statements: Vec<Statement>) -> Result<(), ConstructError> {
        let role_id = self.role.logical_id().clone();
        let entry = self.scope.entry(&self.role);
        let policies = entry
            .properties
            .get_or_insert_with("Policies", || Value::List(Vec::new()));
        let Value::List(policies) = policies else {
            return Err(ConstructError::Invalid(format!(
                "role `{role_id}`: its Policies property is not a list, so grants cannot be added"
            )));
        };
        let position = policies.iter().position(|p| {
            matches!(p, Value::Map(m) if m.get("PolicyName") == Some(&Value::from(GRANTS_POLICY_NAME)))
        });
        let index = match position {
            Some(i) => i,
            None => {
                policies.push(Value::from(Policy::new(
                    GRANTS_POLICY_NAME,
                    PolicyDocument::new(),
                )));
                policies.len() - 1
            }
        };
        let statement_list = match &mut policies[index] {
            Value::Map(policy) => match policy.get_mut("PolicyDocument") {
                Some(Value::Map(document)) => match document.get_mut("Statement") {
                    Some(Value::List(list)) => Some(list),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        let Some(list) = statement_list else {
            return Err(ConstructError::Invalid(format!(
                "role `{role_id}`: its `{GRANTS_POLICY_NAME}` policy has no statement list"
            )));
        };
        list.extend(statements.iter().map(Statement::to_value));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::iam;
    use crate::resources::iam::policy::Action;
    use crate::template::Template;

    const GET: Action = Action::new("s3:GetObject");

    fn statement(sid: &str) -> Statement {
        Statement::allow()
            .sid(sid)
            .actions([&GET])
            .resource("arn:aws:s3:::b/*")
    }

    #[test]
    fn a_policy_document_collects_grants_in_order() {
        let mut doc = PolicyDocument::new();
        doc.grant(vec![statement("A")]).unwrap();
        doc.grant(vec![statement("B")]).unwrap();
        let sids: Vec<_> = doc
            .statement_list()
            .iter()
            .map(|s| serde_json::to_value(s.to_value()).unwrap()["Sid"].clone())
            .collect();
        assert_eq!(sids, ["A", "B"]);
    }

    #[test]
    fn grants_to_a_built_role_land_in_one_inline_policy() {
        let mut t = Template::new();
        let mut scope = Scope::root(&mut t);
        let role = scope
            .add(
                "Analyst",
                Role::builder()
                    .assume_role_policy_document(iam::service_trust_policy(
                        iam::Service::SageMakerStudio,
                    ))
                    .build()
                    .unwrap(),
            )
            .unwrap();
        scope.grants_for(&role).grant(vec![statement("A")]).unwrap();
        scope.grants_for(&role).grant(vec![statement("B")]).unwrap();
        let json = serde_json::to_value(&t).unwrap();
        let policies = &json["Resources"]["Analyst"]["Properties"]["Policies"];
        assert_eq!(policies.as_array().unwrap().len(), 1);
        assert_eq!(policies[0]["PolicyName"], "Grants");
        let statements = policies[0]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[1]["Sid"], "B");
    }
}
