//! A Lambda function inside the stack's private network: a security group whose only way
//! out is HTTPS to the VPC endpoints, the `VpcConfig` that puts the function's network
//! interfaces in the private subnets, and (in `grants/ec2.rs`) the network-interface
//! permissions Lambda needs in the function's role, scoped to those subnets and that group
//! rather than the `*` of the AWS-managed `AWSLambdaVPCAccessExecutionRole`.
//!
//! Only the calls the function's code makes go through the network, so only their
//! services need endpoints (rule ENV-FUNCTION-ENDPOINTS): Lambda itself delivers the
//! function's logs and dead-letter messages and decrypts its environment, outside the VPC.
//! The `lambda:SubnetIds` / `lambda:SecurityGroupIds` condition keys are no business of
//! this construct: they apply to `lambda:CreateFunction` and `UpdateFunctionConfiguration`,
//! i.e. to whoever deploys the stack, not to the function's role.

use crate::resources::ec2::{Egress, SecurityGroup, protocol};
use crate::resources::lambda::VpcConfig;
use crate::template::Handle;

use super::ConstructError;
use super::network::{NetworkSubnet, PrivateNetwork};
use super::scope::Scope;

/// How a function reaches the services it calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionNetworkProps {
    /// Whether the function calls a service reached through a gateway endpoint (S3,
    /// DynamoDB). Their addresses are outside the VPC's range, so the group's one rule
    /// is then HTTPS to any address, which in a VPC without an internet route still
    /// reaches only the endpoints; otherwise it is HTTPS to the interface endpoints'
    /// security group alone.
    pub uses_gateway_endpoints: bool,
}

/// A function's place in a private network, shared by the functions that need the same
/// endpoints.
#[derive(Clone, Debug)]
pub struct FunctionNetwork {
    /// The functions' group: no inbound rule, HTTPS out to the endpoints only.
    pub security_group: Handle<SecurityGroup>,
    /// The private subnets the network interfaces go in (one per AZ).
    pub(crate) subnets: Vec<NetworkSubnet>,
}

impl FunctionNetwork {
    /// `<id>SecurityGroup` in `network`'s VPC.
    ///
    /// # Errors
    ///
    /// [`ConstructError::Invalid`] when the function could reach nothing: the network has
    /// no interface endpoint and the function uses no gateway endpoint.
    pub fn new(
        scope: &mut Scope,
        id: &str,
        network: &PrivateNetwork,
        props: &FunctionNetworkProps,
    ) -> Result<FunctionNetwork, ConstructError> {
        let egress = if props.uses_gateway_endpoints {
            Egress::builder()
                .description("HTTPS to the VPC endpoints, gateway endpoints included; the VPC has no internet route")
                .ip_protocol(protocol::TCP)
                .from_port(443)
                .to_port(443)
                .cidr_ip("0.0.0.0/0")
                .build()?
        } else {
            let endpoints = network.endpoint_security_group.as_ref().ok_or_else(|| {
                ConstructError::Invalid(format!(
                    "function network `{id}`: the network has no interface endpoint for the function to call"
                ))
            })?;
            Egress::builder()
                .description(
                    "HTTPS to the interface VPC endpoints only; the VPC has no internet route",
                )
                .ip_protocol(protocol::TCP)
                .from_port(443)
                .to_port(443)
                .destination_security_group_id(endpoints.group_id())
                .build()?
        };
        let security_group = scope.child(id).add(
            "SecurityGroup",
            SecurityGroup::builder()
                .group_description(
                    "Lambda functions: no inbound traffic, HTTPS to the VPC endpoints",
                )
                .vpc_id(network.vpc.id())
                .security_group_egress(egress)
                .build()?,
        )?;
        Ok(FunctionNetwork {
            security_group,
            subnets: network.subnets.clone(),
        })
    }

    /// The function's `VpcConfig`: every private subnet (so it keeps running when an AZ
    /// fails) and the group.
    pub fn vpc_config(&self) -> Result<VpcConfig, ConstructError> {
        let mut config = VpcConfig::builder().security_group_ids(self.security_group.group_id());
        for subnet in &self.subnets {
            config = config.subnet_ids(subnet.id());
        }
        Ok(config.build()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::network::EndpointService;
    use crate::template::Template;
    use serde_json::json;

    fn network(scope: &mut Scope, endpoints: Vec<EndpointService>) -> PrivateNetwork {
        crate::constructs::network::test_network(scope, endpoints)
    }

    fn egress(t: &Template, id: &str) -> serde_json::Value {
        serde_json::to_value(t).unwrap()["Resources"][id]["Properties"]["SecurityGroupEgress"]
            .clone()
    }

    #[test]
    fn the_only_way_out_is_https_to_the_endpoints_group() {
        let mut t = Template::new();
        let mut root = Scope::root(&mut t);
        let net = network(&mut root, vec![EndpointService::IdentityStore]);
        let placed = FunctionNetwork::new(
            &mut root,
            "Functions",
            &net,
            &FunctionNetworkProps {
                uses_gateway_endpoints: false,
            },
        )
        .unwrap();
        assert_eq!(
            placed.security_group.logical_id().as_str(),
            "FunctionsSecurityGroup"
        );
        let config =
            serde_json::to_value(crate::template::Value::from(placed.vpc_config().unwrap()))
                .unwrap();
        assert_eq!(
            config,
            json!({
                "SecurityGroupIds": [{"Fn::GetAtt": ["FunctionsSecurityGroup", "GroupId"]}],
                "SubnetIds": [{"Ref": "PrivateSubnetAz1"}, {"Ref": "PrivateSubnetAz2"}]
            })
        );
        let rules = egress(&t, "FunctionsSecurityGroup");
        assert_eq!(rules.as_array().unwrap().len(), 1, "{rules}");
        assert_eq!(
            rules[0]["DestinationSecurityGroupId"],
            json!({"Fn::GetAtt": ["EndpointSecurityGroup", "GroupId"]})
        );
        assert_eq!(
            (&rules[0]["FromPort"], &rules[0]["ToPort"]),
            (&json!(443), &json!(443))
        );
        assert!(rules[0].get("CidrIp").is_none(), "{rules}");
        let group = &serde_json::to_value(&t).unwrap()["Resources"]["FunctionsSecurityGroup"];
        assert!(group["Properties"].get("SecurityGroupIngress").is_none());
    }

    #[test]
    fn a_gateway_endpoint_needs_https_beyond_the_vpc_range() {
        let mut t = Template::new();
        let mut root = Scope::root(&mut t);
        let net = network(&mut root, vec![EndpointService::DynamoDb]);
        FunctionNetwork::new(
            &mut root,
            "Functions",
            &net,
            &FunctionNetworkProps {
                uses_gateway_endpoints: true,
            },
        )
        .unwrap();
        let rules = egress(&t, "FunctionsSecurityGroup");
        assert_eq!(rules[0]["CidrIp"], json!("0.0.0.0/0"));
        assert_eq!(rules[0]["FromPort"], json!(443));
    }

    #[test]
    fn a_network_without_interface_endpoints_leaves_the_function_nothing_to_call() {
        let mut t = Template::new();
        let mut root = Scope::root(&mut t);
        let net = network(&mut root, vec![EndpointService::S3]);
        let err = FunctionNetwork::new(
            &mut root,
            "Functions",
            &net,
            &FunctionNetworkProps {
                uses_gateway_endpoints: false,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("no interface endpoint"), "{err}");
    }
}
