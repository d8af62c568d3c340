//! Composition of the `network` component: a VPC of the stack's own (`cidr`), or the
//! endpoints placed in an existing VPC (`existing`), whose IDs are literal values or
//! template parameters.

use crate::constructs::ConstructError;
use crate::constructs::endpoint_policy::EndpointPolicyProps;
use crate::constructs::network::{
    EndpointService, ExistingNetworkProps, InternetEgress, PrivateNetwork, PrivateNetworkProps,
};
use crate::constructs::scope::{ONLY, Scope};
use crate::constructs::studio_cleanup;
use crate::template::{AwsParameterType, Parameter, ParameterType, Value};

use super::compose::{ComposeError, Names, at};
use super::definition::{
    Existing, ExistingList, ExistingNetworkSpec, InternetEgressMode, NetworkSpec,
};
use super::load::LoadedStack;

/// What an AWS-typed parameter must match when it has no AWS-specific type (a CIDR, a
/// route table's ID), so that CloudFormation refuses a wrong value before it creates
/// anything.
const CIDR_PATTERN: &str = r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$";

/// The network of the definition, if it has one.
pub(super) fn network(
    stack: &LoadedStack,
    root: &mut Scope,
    names: &mut Names,
    policies: EndpointPolicyProps,
) -> Result<Option<PrivateNetwork>, ComposeError> {
    let Some(spec) = &stack.definition.network else {
        return Ok(None);
    };
    let network = match (&spec.existing, spec.cidr) {
        (Some(existing), _) => {
            let props = existing_props(root, stack, spec, existing, policies)?;
            PrivateNetwork::existing(&mut root.at(at("network")), ONLY, &props)?
        }
        (None, Some(cidr)) => {
            let cidr = cidr.0;
            let props = PrivateNetworkProps {
                cidr,
                availability_zones: spec.availability_zones.0,
                subnet_prefix_length: spec
                    .subnet_prefix_length
                    .unwrap_or_else(|| PrivateNetworkProps::default_subnet_prefix(cidr)),
                endpoints: endpoints(stack, true),
                flow_log_retention_days: spec.flow_logs().then_some(spec.flow_log_retention_days.0),
                policies,
                internet_egress: match spec.internet_egress {
                    InternetEgressMode::None => InternetEgress::None,
                    InternetEgressMode::Nat => InternetEgress::Nat,
                },
            };
            PrivateNetwork::new(&mut root.at(at("network")), ONLY, &props)?
        }
        (None, None) => {
            return Err(ConstructError::Invalid(
                "the network has neither `cidr` nor `existing`".into(),
            )
            .into());
        }
    };
    if let Some(vpc) = network.vpc.resource() {
        names.insert("network".into(), vpc.logical_id().clone());
    }
    let scope = &mut root.at(at("network"));
    let written = stack.source.value_position("network.endpoints").is_some();
    for (i, e) in spec.endpoints.iter().enumerate() {
        let Some(endpoint) = network.endpoint(e.0) else {
            continue;
        };
        if written {
            scope.record_origin(endpoint, at("network").then("endpoints").at(i));
        }
        names.insert(e.0.short_name().to_string(), endpoint.logical_id().clone());
    }
    Ok(Some(network))
}

/// The network's endpoints: the definition's and, with a Studio domain, those only the
/// Studio cleanup calls through ([`studio_cleanup::OWN_ENDPOINTS`], and in a network the
/// stack `creates` [`studio_cleanup::NFS_GROUPS_ENDPOINT`]) when the definition does not
/// name them, without which the stack could not be deleted. The others it calls
/// (s3, sagemaker.api) Studio needs anyway, and the rules report their absence.
fn endpoints(stack: &LoadedStack, creates: bool) -> Vec<EndpointService> {
    let def = &stack.definition;
    let mut endpoints: Vec<EndpointService> = def
        .network
        .as_ref()
        .map(|n| n.endpoints.iter().map(|e| e.0).collect())
        .unwrap_or_default();
    if def.studio.is_some() {
        let nfs = creates.then_some(studio_cleanup::NFS_GROUPS_ENDPOINT);
        for service in studio_cleanup::OWN_ENDPOINTS.into_iter().chain(nfs) {
            if !endpoints.contains(&service) {
                endpoints.push(service);
            }
        }
    }
    endpoints
}

/// The existing VPC's values, declaring a parameter for each one the definition leaves
/// to the deployer.
fn existing_props(
    root: &mut Scope,
    stack: &LoadedStack,
    spec: &NetworkSpec,
    existing: &ExistingNetworkSpec,
    policies: EndpointPolicyProps,
) -> Result<ExistingNetworkProps, ComposeError> {
    let vpc_id = single(
        root,
        &existing.vpc_id,
        |v| v.0.clone(),
        Parameter::new(ParameterType::Aws(AwsParameterType::VpcId))
            .description("The existing VPC the environment is placed in"),
    )?;
    let cidr = single(
        root,
        &existing.cidr,
        |c| c.0.to_string(),
        Parameter::new(ParameterType::String)
            .description(
                "The existing VPC's IPv4 CIDR block: its interface endpoints admit HTTPS from it",
            )
            .allowed_pattern(CIDR_PATTERN)
            .constraint_description("an IPv4 CIDR block such as 10.40.0.0/16"),
    )?;
    let subnet_ids = list(
        root,
        &existing.private_subnet_ids,
        |s| s.0.clone(),
        Parameter::new(ParameterType::AwsList(AwsParameterType::SubnetId))
            .description("The existing VPC's private subnets, one per AZ"),
    )?;
    // CloudFormation has no AWS-specific parameter type for route tables.
    let route_table_ids = list(
        root,
        &existing.route_table_ids,
        |r| r.0.clone(),
        Parameter::new(ParameterType::CommaDelimitedList).description(
            "The route tables of the private subnets (rtb-...), where the gateway endpoints route",
        ),
    )?;
    Ok(ExistingNetworkProps {
        vpc_id,
        cidr,
        subnet_ids,
        route_table_ids,
        endpoints: endpoints(stack, false),
        flow_log_retention_days: spec.flow_logs().then_some(spec.flow_log_retention_days.0),
        policies,
    })
}

/// A written value, or a `Ref` of the parameter declared for it (defaulting to the value
/// given with it).
fn single<T>(
    root: &mut Scope,
    value: &Existing<T>,
    text: impl Fn(&T) -> String,
    parameter: Parameter,
) -> Result<Value, ComposeError> {
    Ok(match value {
        Existing::Value(v) => Value::from(text(v)),
        Existing::Parameter(p) => {
            let parameter = match &p.default {
                Some(d) => parameter.default_value(text(d)),
                None => parameter,
            };
            root.add_parameter(&p.parameter, parameter)?.value()
        }
    })
}

/// Written values, or `Fn::Select` of each index of the list parameter declared for
/// them: each subnet is placed and granted on its own, so the count is fixed when
/// synthesizing, and a deployed list shorter than it fails the deploy at the missing
/// index.
fn list<T>(
    root: &mut Scope,
    values: &ExistingList<T>,
    text: impl Fn(&T) -> String,
    parameter: Parameter,
) -> Result<Vec<Value>, ComposeError> {
    Ok(match values {
        ExistingList::Values(v) => v.iter().map(|x| Value::from(text(x))).collect(),
        ExistingList::Parameter(p) => {
            let count = values.count().ok_or_else(|| {
                ConstructError::Invalid(format!(
                    "the list parameter `{}` has neither a default nor a count",
                    p.parameter
                ))
            })?;
            let parameter = match &p.default {
                Some(d) => {
                    parameter.default_value(d.iter().map(&text).collect::<Vec<_>>().join(","))
                }
                None => parameter,
            };
            let handle = root.add_parameter(&p.parameter, parameter)?;
            (0..count)
                .map(|i| Value::Select(i as u32, Box::new(handle.value())))
                .collect()
        }
    })
}
