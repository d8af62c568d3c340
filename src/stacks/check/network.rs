//! The `network` component: a VPC of its own or an existing one (not both), each
//! endpoint once, subnets that fit the VPC, and an existing VPC's subnets, route tables
//! and parameters.

use std::collections::HashMap;

use crate::constructs::network::{EndpointService, PUBLIC_SUBNET_PREFIX, PrivateNetworkProps};
use crate::diagnostic::Diagnostic;
use crate::stacks::definition::{
    ExistingList, ExistingNetworkSpec, InternetEgressMode, NetworkSpec,
};
use crate::template::is_valid_logical_id;

use super::{Input, listed_twice};

/// Studio's `SubnetIds` take at most 16 subnets.
const MAX_SUBNETS: usize = 16;

pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    if let Some(network) = &input.def.network {
        endpoints_listed_once(input, network, problems);
        match (&network.existing, network.cidr) {
            (None, None) => problems.push(
                input
                    .source
                    .error_at_key("network", "`network` has neither `cidr` nor `existing`")
                    .help("write `cidr: 10.20.0.0/16` for a VPC of the stack's own, or `existing:` with the IDs of a VPC, its private subnets and route tables"),
            ),
            (Some(_), Some(_)) => problems.push(
                input
                    .source
                    .error_at_key("network.existing", "`cidr` and `existing` exclude each other: the stack creates a VPC, or uses an existing one")
                    .help("remove `cidr` to use the existing VPC (its range goes under `existing.cidr`), or `existing` to create one"),
            ),
            (Some(existing), None) => existing_network(input, network, existing, problems),
            (None, Some(_)) => {
                subnets_fit(input, network, problems);
                nat_subnets_fit(input, network, problems);
            }
        }
    }
}

/// What an existing VPC needs: no setting that only shapes a VPC of the stack's own,
/// subnets and route tables, and parameters that can be declared.
fn existing_network(
    input: &Input,
    network: &NetworkSpec,
    existing: &ExistingNetworkSpec,
    problems: &mut Vec<Diagnostic>,
) {
    for field in [
        "availability_zones",
        "subnet_prefix_length",
        "internet_egress",
    ] {
        let path = format!("network.{field}");
        if input.source.value_position(&path).is_some() {
            problems.push(
                input
                    .source
                    .error_at_key(&path, format!("`{field}` shapes a VPC the stack creates; an existing VPC's subnets and routes are its owner's"))
                    .help(format!("remove `{field}`")),
            );
        }
    }
    list_length(
        input,
        "private_subnet_ids",
        &existing.private_subnet_ids,
        1,
        problems,
    );
    let gateways = network.endpoints.iter().any(|e| e.0.is_gateway());
    list_length(
        input,
        "route_table_ids",
        &existing.route_table_ids,
        usize::from(gateways),
        problems,
    );
    parameter_names(input, existing, problems);
}

/// A list of IDs holds `min` to [`MAX_SUBNETS`] items, and a list parameter says how
/// many it will hold.
fn list_length<T>(
    input: &Input,
    field: &str,
    list: &ExistingList<T>,
    min: usize,
    problems: &mut Vec<Diagnostic>,
) {
    let path = format!("network.existing.{field}");
    if let ExistingList::Parameter(p) = list
        && let (Some(count), Some(default)) = (p.count, &p.default)
        && usize::from(count) != default.len()
    {
        problems.push(input.source.error_at_value(
            &format!("{path}.count"),
            format!("`count` is {count} but the default lists {}", default.len()),
        ));
        return;
    }
    match list.count() {
        None => problems.push(
            input
                .source
                .error_at_value(&path, format!("the parameter of `{field}` has neither `count` nor `default`: how many items it holds is needed when synthesizing"))
                .help("add `count: 2` (or however many), or a `default` list"),
        ),
        Some(n) if n < min || n > MAX_SUBNETS => {
            let why = if field == "route_table_ids" {
                "the gateway endpoints (s3, dynamodb) need the route tables of the private subnets"
            } else {
                "the endpoints and workloads go into the private subnets"
            };
            problems.push(
                input
                    .source
                    .error_at_value(&path, format!("`{field}` holds {n} item(s): {why}"))
                    .expected(format!("{min} to {MAX_SUBNETS} IDs")),
            );
        }
        Some(_) => {}
    }
}

/// Each parameter's name is a logical ID, used once.
fn parameter_names(input: &Input, existing: &ExistingNetworkSpec, problems: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, String> = HashMap::new();
    let named = [
        ("vpc_id", existing.vpc_id.parameter_name()),
        ("cidr", existing.cidr.parameter_name()),
        (
            "private_subnet_ids",
            existing.private_subnet_ids.parameter_name(),
        ),
        ("route_table_ids", existing.route_table_ids.parameter_name()),
    ];
    for (field, name) in named {
        let Some(name) = name else { continue };
        let path = format!("network.existing.{field}.parameter");
        if !is_valid_logical_id(name) {
            problems.push(
                input
                    .source
                    .error_at_value(&path, format!("`{name}` is not a parameter name"))
                    .expected("1 to 255 letters and digits"),
            );
        } else if let Some(first) = seen.get(name) {
            problems.push(listed_twice(
                input.source,
                &path,
                first,
                format!("parameter `{name}` is named twice"),
            ));
        } else {
            seen.insert(name, path);
        }
    }
}

/// With NAT egress, a /28 public subnet per AZ fits at the end of the VPC range, after
/// the private subnets.
fn nat_subnets_fit(input: &Input, network: &NetworkSpec, problems: &mut Vec<Diagnostic>) {
    let Some(cidr) = network.cidr else { return };
    if network.internet_egress != InternetEgressMode::Nat {
        return;
    }
    let cidr = cidr.0;
    let props = PrivateNetworkProps {
        cidr,
        availability_zones: network.availability_zones.0,
        subnet_prefix_length: network
            .subnet_prefix_length
            .unwrap_or_else(|| PrivateNetworkProps::default_subnet_prefix(cidr)),
        endpoints: Vec::new(),
        flow_log_retention_days: None,
        policies: Default::default(),
        internet_egress: crate::constructs::network::InternetEgress::Nat,
    };
    let last = props.availability_zones - 1;
    if props.subnet_cidr(last).is_some() && props.public_subnet_cidr(last).is_none() {
        problems.push(
            input
                .source
                .error_at_value("network.internet_egress", format!(
                    "NAT egress needs a /{PUBLIC_SUBNET_PREFIX} public subnet per AZ at the end of {cidr}, where the private subnets of /{} leave no room",
                    props.subnet_prefix_length
                ))
                .help("write a longer `subnet_prefix_length` (smaller private subnets)"),
        );
    }
}

fn endpoints_listed_once(input: &Input, network: &NetworkSpec, problems: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<EndpointService, usize> = HashMap::new();
    for (i, e) in network.endpoints.iter().enumerate() {
        if let Some(first) = seen.insert(e.0, i) {
            seen.insert(e.0, first);
            problems.push(
                listed_twice(
                    input.source,
                    &format!("network.endpoints[{i}]"),
                    &format!("network.endpoints[{first}]"),
                    format!("endpoint `{}` is listed twice", e.0),
                )
                .help("remove one of the two entries"),
            );
        }
    }
}

/// One subnet per AZ, carved from the VPC range: the prefix must leave room for all of
/// them and be at most /28. Reported at the prefix if written, else at the CIDR.
fn subnets_fit(input: &Input, network: &NetworkSpec, problems: &mut Vec<Diagnostic>) {
    let Some(cidr) = network.cidr else { return };
    let cidr = cidr.0;
    let azs = network.availability_zones.0;
    let prefix = network
        .subnet_prefix_length
        .unwrap_or_else(|| PrivateNetworkProps::default_subnet_prefix(cidr));
    let smallest_fitting = cidr.prefix_len() + (u8::BITS - (azs - 1).leading_zeros()) as u8;
    if prefix > 28 || prefix < smallest_fitting {
        let path = if network.subnet_prefix_length.is_some() {
            "network.subnet_prefix_length"
        } else {
            "network.cidr"
        };
        problems.push(
            input
                .source
                .error_at_value(
                    path,
                    format!("{azs} subnets of /{prefix} do not fit: {cidr} holds subnets of /{smallest_fitting} to /28 for {azs} AZs"),
                )
                .expected(format!("a subnet prefix length from {smallest_fitting} to 28")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run};
    use super::*;

    #[test]
    fn distinct_endpoints_pass() {
        let text = "network: { cidr: 10.0.0.0/16, endpoints: [s3, sts, logs] }\n";
        assert!(run(text, check).is_empty());
    }

    #[test]
    fn an_endpoint_listed_twice_points_at_the_second_and_notes_the_first() {
        let text = "network:\n  cidr: 10.0.0.0/16\n  endpoints: [s3, sts, s3]\n";
        let problems = run(text, check);
        assert_eq!(messages(&problems), ["endpoint `s3` is listed twice"]);
        assert_eq!(fields(&problems), ["network.endpoints[2]"]);
        assert_eq!(problems[0].notes, ["first listed at s.yaml:3:15"]);
    }

    #[test]
    fn an_endpoint_listed_three_times_is_reported_against_the_first_each_time() {
        let text = "network:\n  cidr: 10.0.0.0/16\n  endpoints: [sts, sts, sts]\n";
        let problems = run(text, check);
        assert_eq!(
            fields(&problems),
            ["network.endpoints[1]", "network.endpoints[2]"]
        );
        assert!(
            problems
                .iter()
                .all(|d| d.notes == ["first listed at s.yaml:3:15"])
        );
    }

    #[test]
    fn the_default_prefix_fits_six_zones_of_a_slash_24() {
        // /24 + 4 = /28 subnets: sixteen of them, six needed.
        let text = "network: { cidr: 10.0.0.0/24, availability_zones: 6 }\n";
        assert!(run(text, check).is_empty());
    }

    #[test]
    fn a_written_prefix_too_short_for_the_zones_is_reported_at_the_prefix() {
        let text =
            "network:\n  cidr: 10.0.0.0/16\n  availability_zones: 3\n  subnet_prefix_length: 17\n";
        let problems = run(text, check);
        assert_eq!(
            messages(&problems),
            ["3 subnets of /17 do not fit: 10.0.0.0/16 holds subnets of /18 to /28 for 3 AZs"]
        );
        assert_eq!(fields(&problems), ["network.subnet_prefix_length"]);
        assert_eq!(
            problems[0].expected.as_deref(),
            Some("a subnet prefix length from 18 to 28")
        );
    }

    const EXISTING: &str = "network:\n  existing:\n    vpc_id: vpc-0123abcd\n    cidr: 10.40.0.0/16\n    private_subnet_ids: [subnet-0123abcd, subnet-0123abce]\n    route_table_ids: [rtb-0123abcd]\n";

    #[test]
    fn an_existing_vpc_with_subnets_and_route_tables_passes() {
        assert!(run(EXISTING, check).is_empty());
        let parameters = "network:\n  existing:\n    vpc_id: { parameter: VpcId }\n    cidr: { parameter: VpcCidr, default: 10.40.0.0/16 }\n    private_subnet_ids: { parameter: Subnets, count: 2 }\n    route_table_ids: { parameter: RouteTables, default: [rtb-0123abcd] }\n";
        assert!(run(parameters, check).is_empty());
    }

    #[test]
    fn neither_or_both_of_cidr_and_existing_is_refused() {
        let problems = run("network: { endpoints: [s3] }\n", check);
        assert_eq!(
            messages(&problems),
            ["`network` has neither `cidr` nor `existing`"]
        );
        let both = EXISTING.replace("network:\n", "network:\n  cidr: 10.0.0.0/16\n");
        assert_eq!(fields(&run(&both, check)), ["network.existing"]);
    }

    #[test]
    fn settings_of_a_created_vpc_are_refused_with_an_existing_one() {
        let text = EXISTING.replace(
            "network:\n",
            "network:\n  availability_zones: 3\n  internet_egress: nat\n",
        );
        assert_eq!(
            fields(&run(&text, check)),
            ["network.availability_zones", "network.internet_egress"]
        );
    }

    #[test]
    fn existing_subnets_and_route_tables_must_be_there_and_counted() {
        let no_subnets = EXISTING.replace("[subnet-0123abcd, subnet-0123abce]", "[]");
        assert_eq!(
            messages(&run(&no_subnets, check)),
            [
                "`private_subnet_ids` holds 0 item(s): the endpoints and workloads go into the private subnets"
            ]
        );
        let no_tables = EXISTING.replace("[rtb-0123abcd]", "[]");
        assert_eq!(
            fields(&run(&no_tables, check)),
            ["network.existing.route_table_ids"]
        );
        // Without a gateway endpoint no route table is needed.
        let no_gateway = no_tables.replace("network:\n", "network:\n  endpoints: [sts]\n");
        assert!(run(&no_gateway, check).is_empty());
        let uncounted = EXISTING.replace(
            "[subnet-0123abcd, subnet-0123abce]",
            "{ parameter: Subnets }",
        );
        assert_eq!(
            fields(&run(&uncounted, check)),
            ["network.existing.private_subnet_ids"]
        );
        let mismatch = EXISTING.replace(
            "[subnet-0123abcd, subnet-0123abce]",
            "{ parameter: Subnets, count: 3, default: [subnet-0123abcd] }",
        );
        assert_eq!(
            fields(&run(&mismatch, check)),
            ["network.existing.private_subnet_ids.count"]
        );
    }

    #[test]
    fn parameter_names_are_logical_ids_used_once() {
        let text = EXISTING
            .replace("vpc-0123abcd", "{ parameter: Net }")
            .replace("[rtb-0123abcd]", "{ parameter: Net, count: 1 }")
            .replace("10.40.0.0/16", "{ parameter: vpc-cidr }");
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            [
                "`vpc-cidr` is not a parameter name",
                "parameter `Net` is named twice"
            ]
        );
    }

    #[test]
    fn nat_subnets_must_fit_after_the_private_ones() {
        let fits = "network: { cidr: 10.0.0.0/16, internet_egress: nat }\n";
        assert!(run(fits, check).is_empty());
        // Two /25s fill a /24: no room for the /28s at its end.
        let full =
            "network: { cidr: 10.0.0.0/24, subnet_prefix_length: 25, internet_egress: nat }\n";
        assert_eq!(fields(&run(full, check)), ["network.internet_egress"]);
    }

    #[test]
    fn a_prefix_beyond_28_is_refused() {
        let text = "network: { cidr: 10.0.0.0/16, subnet_prefix_length: 29 }\n";
        assert_eq!(fields(&run(text, check)), ["network.subnet_prefix_length"]);
    }
}
