//! Composition: turns a checked definition into a template by running the constructs
//! its components ask for, in dependency order, and adding the stack's outputs
//! (per-user outputs last, so that the fixed ones lead the list).

use crate::constructs::ConstructError;
use crate::constructs::bastion::{Bastion, BastionOs, BastionProps};
use crate::constructs::network::{PrivateNetwork, PrivateNetworkProps};
use crate::constructs::presigned_url::{self, PresignedUrlProps};
use crate::constructs::studio::{StudioDomain, StudioDomainProps};
use crate::template::{LogicalId, Output, Template};

use super::load::LoadedStack;

fn id(literal: &str) -> LogicalId {
    LogicalId::new(literal).expect("logical IDs written in the code are alphanumeric")
}

pub fn compose(stack: &LoadedStack) -> Result<Template, ConstructError> {
    let def = &stack.definition;
    let mut template = Template::new();
    if let Some(description) = &def.description {
        template.set_description(description);
    }

    let network = match &def.network {
        Some(spec) => Some(PrivateNetwork::build(
            &mut template,
            &PrivateNetworkProps {
                cidr: spec.cidr.0,
                availability_zones: spec.availability_zones.0,
                subnet_prefix_length: spec
                    .subnet_prefix_length
                    .unwrap_or_else(|| PrivateNetworkProps::default_subnet_prefix(spec.cidr.0)),
                endpoints: spec.endpoints.iter().map(|e| e.0).collect(),
                flow_log_retention_days: spec.flow_logs.then_some(spec.flow_log_retention_days.0),
            },
        )?),
        None => None,
    };

    let studio = match (&def.studio, &network) {
        (Some(spec), Some(network)) => Some(StudioDomain::build(
            &mut template,
            network,
            &StudioDomainProps {
                domain_name: spec
                    .domain_name
                    .as_ref()
                    .map_or_else(|| stack.name.clone(), |n| n.0.clone()),
                users: spec.users.iter().map(|u| u.0.clone()).collect(),
            },
        )?),
        _ => None,
    };

    let bastion = match (&def.bastion, &network) {
        (Some(spec), Some(network)) => {
            let os = BastionOs::from(spec.os);
            Some(Bastion::build(
                &mut template,
                network,
                &BastionProps {
                    os,
                    instance_type: spec.instance_type.0.clone(),
                    root_volume_gb: spec
                        .root_volume_gb
                        .unwrap_or_else(|| os.default_root_volume_gb()),
                },
            )?)
        }
        _ => None,
    };

    if let Some(network) = &network {
        template.add_output(
            id("VpcId"),
            Output::new(network.vpc.id()).description("The private VPC"),
        )?;
        for (service, endpoint) in network.endpoints() {
            template.add_output(
                LogicalId::new(format!("{}Id", service.logical_id()))?,
                Output::new(endpoint.id()).description(&format!("VPC endpoint for {service}")),
            )?;
        }
    }
    if let Some(studio) = &studio {
        template.add_output(
            id("StudioDomainId"),
            Output::new(studio.domain.domain_id()).description("The Studio domain"),
        )?;
    }
    if let Some(bastion) = &bastion {
        template.add_output(
            id("BastionInstanceId"),
            Output::new(bastion.instance.id())
                .description("Connect with Session Manager or Fleet Manager (RDP)"),
        )?;
    }
    if let (Some(spec), Some(network), Some(studio), Some(bastion)) =
        (&def.presigned_url, &network, &studio, &bastion)
    {
        presigned_url::build(
            &mut template,
            network,
            studio,
            &bastion.role,
            &PresignedUrlProps {
                expires_in_seconds: spec.expires_in_seconds,
                session_expiration_seconds: spec.session_expiration_seconds,
            },
        )?;
    }
    Ok(template)
}
