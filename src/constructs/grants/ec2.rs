//! Grants on a function's place in a private network: the network interfaces Lambda
//! creates and manages with the function's role.

use crate::constructs::function_network::FunctionNetwork;
use crate::resources::arn;
use crate::resources::ec2::actions;
use crate::resources::iam::policy::{Condition, keys};
use crate::template::{SubPart, Value};

use super::grant::{Grant, default_sid};

impl FunctionNetwork {
    /// What Lambda needs in a VPC function's role to give it network interfaces (AWS
    /// Lambda Developer Guide, execution role permissions for VPC access), scoped as the
    /// Service Authorization Reference for Amazon EC2 allows:
    ///
    /// - `ec2:CreateNetworkInterface` on `network-interface/*`, on the private subnets and
    ///   on the group (the subnet is a required resource of the call and the group an
    ///   optional one, so no other subnet or group passes) (Sid `<Group>CreateNetworkInterfaces`);
    /// - `ec2:DeleteNetworkInterface`, `AssignPrivateIpAddresses`,
    ///   `UnassignPrivateIpAddresses` on `network-interface/*` when `ec2:Subnet` is one of
    ///   those subnets (Sid `<Group>ManageNetworkInterfaces`);
    /// - `ec2:DescribeNetworkInterfaces` and `DescribeSubnets` on `*`: they have no
    ///   resource-level permissions (Sid `<Group>DescribeNetworkInterfaces`).
    pub fn grant_network_interfaces(&self) -> Grant {
        let group = self.security_group.logical_id();
        let interfaces = arn::regional("ec2", [SubPart::from("network-interface/*")]);
        let subnets: Vec<Value> = self.subnets.iter().map(|s| s.arn()).collect();
        let mut create_on = vec![interfaces.clone()];
        create_on.extend(subnets.iter().cloned());
        create_on.push(self.security_group.arn());
        Grant::new(format!("network interfaces of group `{group}`"))
            .statement(
                default_sid(group, "CreateNetworkInterfaces"),
                &[actions::CREATE_NETWORK_INTERFACE],
                create_on,
            )
            .conditional_statement(
                default_sid(group, "ManageNetworkInterfaces"),
                &[
                    actions::DELETE_NETWORK_INTERFACE,
                    actions::ASSIGN_PRIVATE_IP_ADDRESSES,
                    actions::UNASSIGN_PRIVATE_IP_ADDRESSES,
                ],
                [interfaces],
                [Condition::arn_equals(keys::EC2_SUBNET, subnets)],
            )
            .statement(
                default_sid(group, "DescribeNetworkInterfaces"),
                &[
                    actions::DESCRIBE_NETWORK_INTERFACES,
                    actions::DESCRIBE_SUBNETS,
                ],
                [Value::from("*")],
            )
    }
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
}
