//! The `network` component: each endpoint once, and subnets that fit the VPC.

use std::collections::HashMap;

use crate::constructs::network::{EndpointService, PrivateNetworkProps};
use crate::diagnostic::Diagnostic;
use crate::stacks::definition::NetworkSpec;

use super::{Input, listed_twice};

pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    if let Some(network) = &input.def.network {
        endpoints_listed_once(input, network, problems);
        subnets_fit(input, network, problems);
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
    let cidr = network.cidr.0;
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

    #[test]
    fn a_prefix_beyond_28_is_refused() {
        let text = "network: { cidr: 10.0.0.0/16, subnet_prefix_length: 29 }\n";
        assert_eq!(fields(&run(text, check)), ["network.subnet_prefix_length"]);
    }
}
