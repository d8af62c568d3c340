//! Grants on a place in a private network: the network interfaces a service creates and
//! manages with a role to put its compute there (Lambda for a function, SageMaker for a
//! job, model or endpoint).

use crate::constructs::function_network::FunctionNetwork;
use crate::constructs::ml_work::MlPlacement;
use crate::constructs::network::NetworkSubnet;
use crate::resources::arn;
use crate::resources::ec2::{SecurityGroup, Vpc, actions};
use crate::resources::iam::policy::{Action, Condition, keys};
use crate::template::{Handle, SubPart, Value};

use super::grant::{Grant, default_sid};

impl FunctionNetwork {
    /// What Lambda needs in a VPC function's role to give it network interfaces (AWS
    /// Lambda Developer Guide, execution role permissions for VPC access), scoped as
    /// `network_interfaces` (below) scopes it: create, delete and assign or unassign private
    /// addresses; describe interfaces and subnets.
    pub fn grant_network_interfaces(&self) -> Grant {
        network_interfaces(
            &self.security_group,
            &self.subnets,
            &[
                actions::DELETE_NETWORK_INTERFACE,
                actions::ASSIGN_PRIVATE_IP_ADDRESSES,
                actions::UNASSIGN_PRIVATE_IP_ADDRESSES,
            ],
            &[
                actions::DESCRIBE_NETWORK_INTERFACES,
                actions::DESCRIBE_SUBNETS,
            ],
        )
    }
}

impl MlPlacement<'_> {
    /// What SageMaker needs in the execution role of a job, model or endpoint that runs
    /// in a VPC (SageMaker Developer Guide, "CreateTrainingJob / CreateProcessingJob /
    /// CreateHyperParameterTuningJob / CreateModel API: Execution Role Permissions", the
    /// private-VPC addition): create and delete interfaces and their permissions; describe
    /// interfaces, VPCs, DHCP options, subnets and security groups. Scoped as
    /// `network_interfaces` (below) scopes it, to the placement's subnets and group: the job
    /// role cannot put an interface anywhere the create grants do not force the job.
    pub fn grant_job_network_interfaces(&self) -> Grant {
        network_interfaces(
            self.security_group,
            &self.network.subnets,
            &[
                actions::CREATE_NETWORK_INTERFACE_PERMISSION,
                actions::DELETE_NETWORK_INTERFACE,
                actions::DELETE_NETWORK_INTERFACE_PERMISSION,
            ],
            &[
                actions::DESCRIBE_NETWORK_INTERFACES,
                actions::DESCRIBE_VPCS,
                actions::DESCRIBE_DHCP_OPTIONS,
                actions::DESCRIBE_SUBNETS,
                actions::DESCRIBE_SECURITY_GROUPS,
            ],
        )
    }
}

impl Handle<Vpc> {
    /// Removing security groups of this VPC, whoever made them: revoking their inbound and
    /// outbound rules and deleting them, on `security-group/*` when `ec2:Vpc` is this VPC's
    /// ARN (the Service Authorization Reference for Amazon EC2 lists `ec2:Vpc` among the
    /// `security-group` resource type's keys; a group's name is no condition key, so the
    /// VPC is the narrowest scope for groups the template does not create) (Sid
    /// `<Vpc>DeleteSecurityGroups`); and `ec2:DescribeSecurityGroups` on `*`, which has no
    /// resource types (Sid `<Vpc>DescribeSecurityGroups`).
    pub fn grant_delete_security_groups(&self) -> Grant {
        let id = self.logical_id();
        let vpc_arn = arn::regional("ec2", [SubPart::from("vpc/"), SubPart::from(self.id())]);
        Grant::new(format!("security groups of VPC `{id}`"))
            .conditional_statement(
                default_sid(id, "DeleteSecurityGroups"),
                &[
                    actions::REVOKE_SECURITY_GROUP_INGRESS,
                    actions::REVOKE_SECURITY_GROUP_EGRESS,
                    actions::DELETE_SECURITY_GROUP,
                ],
                [arn::regional("ec2", [SubPart::from("security-group/*")])],
                [Condition::arn_equals(keys::EC2_VPC, [vpc_arn])],
            )
            .statement(
                default_sid(id, "DescribeSecurityGroups"),
                &[actions::DESCRIBE_SECURITY_GROUPS],
                [Value::from("*")],
            )
    }
}

/// A service's network interfaces in `subnets` with `group`, scoped as the Service
/// Authorization Reference for Amazon EC2 allows:
///
/// - `ec2:CreateNetworkInterface` on `network-interface/*`, on the subnets and on the
///   group (the subnet is a required resource of the call and the group an optional one,
///   so no other subnet or group passes) (Sid `<Group>CreateNetworkInterfaces`);
/// - `manage` (actions whose only resource type is `network-interface`, with the
///   `ec2:Subnet` key) on `network-interface/*` when `ec2:Subnet` is one of those subnets
///   (Sid `<Group>ManageNetworkInterfaces`);
/// - `describe` on `*`: they have no resource types (Sid `<Group>DescribeNetworkInterfaces`).
fn network_interfaces(
    group: &Handle<SecurityGroup>,
    subnets: &[NetworkSubnet],
    manage: &[Action],
    describe: &[Action],
) -> Grant {
    let id = group.logical_id();
    let interfaces = arn::regional("ec2", [SubPart::from("network-interface/*")]);
    let subnets: Vec<Value> = subnets.iter().map(NetworkSubnet::arn).collect();
    let mut create_on = vec![interfaces.clone()];
    create_on.extend(subnets.iter().cloned());
    create_on.push(group.arn());
    Grant::new(format!("network interfaces of group `{id}`"))
        .statement(
            default_sid(id, "CreateNetworkInterfaces"),
            &[actions::CREATE_NETWORK_INTERFACE],
            create_on,
        )
        .conditional_statement(
            default_sid(id, "ManageNetworkInterfaces"),
            manage,
            [interfaces],
            [Condition::arn_equals(keys::EC2_SUBNET, subnets)],
        )
        .statement(
            default_sid(id, "DescribeNetworkInterfaces"),
            describe,
            [Value::from("*")],
        )
}

#[cfg(test)]
mod tests {
    use crate::constructs::function_network::{FunctionNetwork, FunctionNetworkProps};
    use crate::constructs::network::EndpointService;
    use crate::constructs::scope::Scope;
    use crate::resources::ec2::actions;
    use crate::resources::iam::policy::PolicyDocument;
    use crate::template::{Template, Value};
    use serde_json::json;

    fn placed() -> FunctionNetwork {
        let mut t = Template::new();
        let mut root = Scope::root(&mut t);
        let network = crate::constructs::network::test_network(
            &mut root,
            vec![EndpointService::SagemakerApi],
        );
        FunctionNetwork::new(
            &mut root,
            "Fn",
            &network,
            &FunctionNetworkProps {
                uses_gateway_endpoints: false,
            },
        )
        .unwrap()
    }

    fn sub(text: &str) -> serde_json::Value {
        json!({"Fn::Sub": text})
    }

    fn subnet(n: u8) -> serde_json::Value {
        sub(&format!(
            "arn:${{AWS::Partition}}:ec2:${{AWS::Region}}:${{AWS::AccountId}}:subnet/${{PrivateSubnetAz{n}}}"
        ))
    }

    #[test]
    fn interfaces_only_in_the_private_subnets_with_the_group() {
        let mut doc = PolicyDocument::new();
        placed().grant_network_interfaces().to(&mut doc).unwrap();
        let interfaces =
            sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*");
        assert_eq!(
            serde_json::to_value(Value::from(doc)).unwrap()["Statement"],
            json!([
                {"Sid": "FnSecurityGroupCreateNetworkInterfaces", "Effect": "Allow",
                 "Action": ["ec2:CreateNetworkInterface"],
                 "Resource": [interfaces, subnet(1), subnet(2), sub(
                    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/${FnSecurityGroup.GroupId}")]},
                {"Sid": "FnSecurityGroupManageNetworkInterfaces", "Effect": "Allow",
                 "Action": ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                            "ec2:UnassignPrivateIpAddresses"],
                 "Resource": [interfaces],
                 "Condition": {"ArnEquals": {"ec2:Subnet": [subnet(1), subnet(2)]}}},
                {"Sid": "FnSecurityGroupDescribeNetworkInterfaces", "Effect": "Allow",
                 "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
                 "Resource": ["*"]}
            ])
        );
    }

    #[test]
    fn only_narrows_the_grant() {
        let mut doc = PolicyDocument::new();
        placed()
            .grant_network_interfaces()
            .only([&actions::DESCRIBE_SUBNETS])
            .sid("Describe")
            .to(&mut doc)
            .unwrap();
        assert_eq!(
            serde_json::to_value(Value::from(doc)).unwrap()["Statement"],
            json!([{"Sid": "Describe", "Effect": "Allow", "Action": ["ec2:DescribeSubnets"],
                    "Resource": ["*"]}])
        );
    }

    #[test]
    fn sagemaker_jobs_get_interfaces_and_their_permissions_only_in_the_placement() {
        use crate::constructs::ml_work::MlPlacement;
        use crate::resources::ec2::SecurityGroup;
        use crate::resources::kms::Key;
        let mut t = Template::new();
        let mut root = Scope::root(&mut t);
        let network = crate::constructs::network::test_network(
            &mut root,
            vec![EndpointService::SagemakerApi],
        );
        let group = root
            .add(
                "JobsSecurityGroup",
                SecurityGroup::builder()
                    .group_description("jobs")
                    .vpc_id(network.vpc.id())
                    .build()
                    .unwrap(),
            )
            .unwrap();
        let key = root
            .add("JobsKey", Key::builder().build().unwrap())
            .unwrap();
        let mut doc = PolicyDocument::new();
        MlPlacement {
            network: &network,
            security_group: &group,
            key: &key,
        }
        .grant_job_network_interfaces()
        .to(&mut doc)
        .unwrap();
        let interfaces =
            sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*");
        assert_eq!(
            serde_json::to_value(Value::from(doc)).unwrap()["Statement"],
            json!([
                {"Sid": "JobsSecurityGroupCreateNetworkInterfaces", "Effect": "Allow",
                 "Action": ["ec2:CreateNetworkInterface"],
                 "Resource": [interfaces, subnet(1), subnet(2), sub(
                    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/${JobsSecurityGroup.GroupId}")]},
                {"Sid": "JobsSecurityGroupManageNetworkInterfaces", "Effect": "Allow",
                 "Action": ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                            "ec2:DeleteNetworkInterfacePermission"],
                 "Resource": [interfaces],
                 "Condition": {"ArnEquals": {"ec2:Subnet": [subnet(1), subnet(2)]}}},
                {"Sid": "JobsSecurityGroupDescribeNetworkInterfaces", "Effect": "Allow",
                 "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs",
                            "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets",
                            "ec2:DescribeSecurityGroups"],
                 "Resource": ["*"]}
            ])
        );
    }
}
