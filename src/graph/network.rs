//! Security-group rules and VPC endpoints as a reviewer names them: `HTTPS 443` from the
//! VPC, `NFS 2049` within the group, the endpoint services by their short names.

use crate::template::json::Json;

use crate::template::read;

/// The egress rule CloudFormation users write to remove a group's default allow-all
/// egress: nothing can be sent to the broadcast address.
pub const NO_EGRESS_CIDR: &str = "255.255.255.255/32";

/// Ports whose service is better known than the number.
const NAMED_PORTS: &[(i64, &str)] = &[(22, "SSH"), (443, "HTTPS"), (2049, "NFS"), (3389, "RDP")];

fn number(value: Option<&Json>) -> Option<i64> {
    match value? {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// What a rule admits: `HTTPS 443`, `tcp 8192-65535`, `icmp`, `all traffic`.
pub fn ports(rule: &Json) -> String {
    let protocol = match rule.get("IpProtocol") {
        Some(Json::String(p)) => p.to_ascii_lowercase().to_string(),
        Some(Json::Number(n)) => n.to_string(),
        _ => "?".to_string(),
    };
    let protocol = match protocol.as_str() {
        "-1" => return "all traffic".to_string(),
        "6" => "tcp".to_string(),
        "17" => "udp".to_string(),
        "1" => "icmp".to_string(),
        _ => protocol,
    };
    if protocol == "icmp" || protocol == "icmpv6" {
        return protocol;
    }
    match (number(rule.get("FromPort")), number(rule.get("ToPort"))) {
        (Some(from), Some(to)) if from == to => {
            match NAMED_PORTS.iter().find(|(port, _)| *port == from) {
                Some((_, name)) if protocol == "tcp" => format!("{name} {from}"),
                _ => format!("{protocol} {from}"),
            }
        }
        (Some(from), Some(to)) => format!("{protocol} {from}-{to}"),
        _ => protocol,
    }
}

/// The other side of a rule, as the template states it.
#[derive(Clone, Debug, PartialEq)]
pub enum Peer<'a> {
    /// A resource of the template (a security group, or the VPC through its CIDR block).
    Resource(&'a str),
    /// An address range or prefix list given as text.
    Range(String),
}

/// The peer of an ingress (source) or egress (destination) rule.
pub fn peer(rule: &Json, ingress: bool) -> Option<Peer<'_>> {
    let keys: &[&str] = if ingress {
        &[
            "SourceSecurityGroupId",
            "CidrIp",
            "CidrIpv6",
            "SourcePrefixListId",
        ]
    } else {
        &[
            "DestinationSecurityGroupId",
            "CidrIp",
            "CidrIpv6",
            "DestinationPrefixListId",
        ]
    };
    let value = keys.iter().find_map(|k| rule.get(*k))?;
    if let Some(name) = read::target(value) {
        return Some(Peer::Resource(name));
    }
    let text = read::text(value).map_or_else(|| value.to_string(), String::from);
    Some(Peer::Range(text))
}

/// An endpoint's service as the definition names it: the part after the region
/// (`sagemaker.api` of `com.amazonaws.${AWS::Region}.sagemaker.api`), marked when it is a
/// gateway endpoint.
pub fn endpoint_service(properties: &Json) -> String {
    let name = properties
        .get("ServiceName")
        .and_then(read::text)
        .unwrap_or("?");
    let short = name
        .split_once("${AWS::Region}.")
        .map_or(name, |(_, rest)| rest);
    match properties.get("VpcEndpointType").and_then(Json::as_str) {
        Some("Gateway") => format!("{short} (gateway)"),
        _ => short.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn ports_name_well_known_services() {
        assert_eq!(
            ports(&json!({"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049})),
            "NFS 2049"
        );
        assert_eq!(
            ports(&json!({"IpProtocol": "tcp", "FromPort": 8192, "ToPort": 65535})),
            "tcp 8192-65535"
        );
        assert_eq!(
            ports(&json!({"IpProtocol": "udp", "FromPort": 443, "ToPort": 443})),
            "udp 443"
        );
        assert_eq!(ports(&json!({"IpProtocol": "-1"})), "all traffic");
        assert_eq!(
            ports(&json!({"IpProtocol": "icmp", "FromPort": 252, "ToPort": 86})),
            "icmp"
        );
    }

    #[test]
    fn peers_are_resources_or_ranges() {
        let rule = json!({"SourceSecurityGroupId": {"Fn::GetAtt": ["Sg", "GroupId"]}});
        assert_eq!(peer(&rule, true), Some(Peer::Resource("Sg")));
        let rule = json!({"CidrIp": "10.0.0.0/16"});
        assert_eq!(peer(&rule, false), Some(Peer::Range("10.0.0.0/16".into())));
    }

    #[test]
    fn endpoint_services_by_short_name() {
        let p = json!({"ServiceName": {"Fn::Sub": "aws.sagemaker.${AWS::Region}.studio"}});
        assert_eq!(endpoint_service(&p), "studio");
        let p = json!({"ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"}, "VpcEndpointType": "Gateway"});
        assert_eq!(endpoint_service(&p), "s3 (gateway)");
    }
}
