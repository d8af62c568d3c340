//! Security groups: ingress compared exactly, egress where moto keeps it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::cfn::{self, Tally, prop, referenced_resource, type_of};
use crate::{Ctx, strings};

/// One security-group rule, normalized for comparison. `peer` is e.g. `cidr:10.0.0.0/16`
/// or `sg:sg-0123`; `None` when the template's value could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Rule {
    protocol: String,
    ports: Option<(i64, i64)>,
    peer: Option<String>,
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.protocol)?;
        if let Some((from, to)) = self.ports {
            write!(f, " {from}-{to}")?;
        }
        write!(
            f,
            " {}",
            self.peer.as_deref().unwrap_or("(unresolved peer)")
        )
    }
}

fn show(rules: &[Rule]) -> String {
    let items: Vec<String> = rules.iter().map(Rule::to_string).collect();
    format!("[{}]", items.join(", "))
}

fn protocol(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        "all" | "-1" => "-1".into(),
        other => other.into(),
    }
}

/// A rule of the template (inline, or an Ingress/Egress resource's properties).
fn template_rule(ctx: &Ctx, rule: &Value, peers: &[(&str, &str)]) -> Rule {
    let get = |k: &str| rule.get(k).and_then(|v| ctx.r.resolve_str(v));
    let protocol = protocol(&get("IpProtocol").unwrap_or_default());
    let ports = match (&*protocol, get("FromPort"), get("ToPort")) {
        ("-1", _, _) => None,
        (_, Some(from), Some(to)) => Some((from.parse().unwrap_or(-1), to.parse().unwrap_or(-1))),
        _ => None,
    };
    let peer = peers.iter().find_map(|(key, kind)| {
        let v = rule.get(*key)?;
        if *kind == "sgname" {
            // describe-security-groups names the source group by id only.
            return Some(None);
        }
        Some(ctx.r.resolve_str(v).map(|s| format!("{kind}:{s}")))
    });
    Rule {
        protocol,
        ports,
        peer: peer.flatten(),
    }
}

/// The rules of describe-security-groups' IpPermissions(Egress), one per peer.
fn actual_rules(permissions: &Value) -> Vec<Rule> {
    let mut rules = Vec::new();
    for p in permissions.as_array().into_iter().flatten() {
        let protocol = protocol(p["IpProtocol"].as_str().unwrap_or(""));
        let ports = match (&*protocol, p["FromPort"].as_i64(), p["ToPort"].as_i64()) {
            ("-1", _, _) => None,
            (_, Some(f), Some(t)) => Some((f, t)),
            _ => None,
        };
        let mut peers = Vec::new();
        for (list, key, kind) in [
            ("IpRanges", "CidrIp", "cidr"),
            ("Ipv6Ranges", "CidrIpv6", "cidr6"),
            ("UserIdGroupPairs", "GroupId", "sg"),
            ("PrefixListIds", "PrefixListId", "pl"),
        ] {
            peers.extend(
                strings(&p[list], key)
                    .into_iter()
                    .map(|v| format!("{kind}:{v}")),
            );
        }
        for peer in peers {
            rules.push(Rule {
                protocol: protocol.clone(),
                ports,
                peer: Some(peer),
            });
        }
    }
    rules.sort();
    rules
}

/// Matches expected rules against actual ones: each resolved rule must be there exactly;
/// an unresolved one takes any rule with the same protocol and ports. Returns
/// (missing, extra).
fn match_rules(expected: &[Rule], actual: &[Rule], tally: &mut Tally) -> (Vec<Rule>, Vec<Rule>) {
    let mut rest = actual.to_vec();
    let mut missing = Vec::new();
    let (known, unknown): (Vec<&Rule>, Vec<&Rule>) =
        expected.iter().partition(|r| r.peer.is_some());
    for rule in known.into_iter().chain(unknown) {
        let found = rest.iter().position(|a| {
            a.protocol == rule.protocol
                && a.ports == rule.ports
                && (rule.peer.is_none() || a.peer == rule.peer)
        });
        match found {
            Some(i) => {
                rest.remove(i);
                if rule.peer.is_some() {
                    tally.compared += 1;
                } else {
                    tally.unresolved += 1;
                }
            }
            None => missing.push(rule.clone()),
        }
    }
    (missing, rest)
}

const INGRESS_PEERS: &[(&str, &str)] = &[
    ("CidrIp", "cidr"),
    ("CidrIpv6", "cidr6"),
    ("SourceSecurityGroupId", "sg"),
    ("SourcePrefixListId", "pl"),
    ("SourceSecurityGroupName", "sgname"),
];
const EGRESS_PEERS: &[(&str, &str)] = &[
    ("CidrIp", "cidr"),
    ("CidrIpv6", "cidr6"),
    ("DestinationSecurityGroupId", "sg"),
    ("DestinationPrefixListId", "pl"),
];

pub(crate) fn check_security_groups(ctx: &mut Ctx) {
    let groups = ctx.created("AWS::EC2::SecurityGroup");
    if groups.is_empty() {
        return;
    }
    let mut args = vec!["ec2", "describe-security-groups", "--group-ids"];
    args.extend(groups.iter().map(|(_, _, p)| p.as_str()));
    let answer = ctx.aws.json(&args);
    let by_id: BTreeMap<String, Value> = answer["SecurityGroups"]
        .as_array()
        .expect("SecurityGroups")
        .iter()
        .map(|g| (g["GroupId"].as_str().unwrap_or("").to_string(), g.clone()))
        .collect();

    // Ingress/Egress resources, by the logical id of the group they belong to (GroupId is
    // `Ref X` or `Fn::GetAtt [X, GroupId]`).
    let template = ctx.r.template;
    let attached = |ty: &str| -> BTreeMap<String, Vec<Value>> {
        let mut map: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (_, r) in cfn::resources(template).filter(|(_, r)| type_of(r) == ty) {
            if let Some(group) = prop(r, "GroupId").and_then(|g| referenced_resource(g, "GroupId"))
            {
                map.entry(group).or_default().push(r["Properties"].clone());
            }
        }
        map
    };
    let ingress_resources = attached("AWS::EC2::SecurityGroupIngress");
    let egress_resources = attached("AWS::EC2::SecurityGroupEgress");

    for (id, r, group_id) in groups {
        let what = format!("{id} (AWS::EC2::SecurityGroup {group_id})");
        let Some(g) = by_id.get(&group_id) else {
            ctx.diffs
                .push(format!("{what}: not found by describe-security-groups"));
            continue;
        };
        if let Some(v) = prop(&r, "GroupDescription") {
            ctx.check(&format!("{what}.GroupDescription"), v, &g["Description"]);
        }
        if let Some(v) = prop(&r, "VpcId") {
            ctx.check(&format!("{what}.VpcId"), v, &g["VpcId"]);
        }

        // Ingress: inline rules plus AWS::EC2::SecurityGroupIngress resources, exactly.
        let mut expected: Vec<Rule> = prop(&r, "SecurityGroupIngress")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .chain(ingress_resources.get(&id).into_iter().flatten())
            .map(|rule| template_rule(ctx, rule, INGRESS_PEERS))
            .collect();
        expected.sort();
        let actual = actual_rules(&g["IpPermissions"]);
        let (missing, extra) = match_rules(&expected, &actual, &mut ctx.tally);
        if !missing.is_empty() || !extra.is_empty() {
            ctx.diffs.push(format!(
                "{what} ingress: missing {}, unexpected {}",
                show(&missing),
                show(&extra)
            ));
        } else if expected.is_empty() {
            ctx.tally.compared += 1; // "no inbound rule at all" holds
        }

        // Egress: inline rules plus AWS::EC2::SecurityGroupEgress resources, or AWS's
        // default allow-all rule when there is none.
        let mut expected: Vec<Rule> = prop(&r, "SecurityGroupEgress")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .chain(egress_resources.get(&id).into_iter().flatten())
            .map(|rule| template_rule(ctx, rule, EGRESS_PEERS))
            .collect();
        let allow_all = vec![Rule {
            protocol: "-1".into(),
            ports: None,
            peer: Some("cidr:0.0.0.0/0".into()),
        }];
        if expected.is_empty() {
            expected = allow_all.clone();
        }
        expected.sort();
        let actual = actual_rules(&g["IpPermissionsEgress"]);
        let mut scratch = Tally::default();
        let (missing, extra) = match_rules(&expected, &actual, &mut scratch);
        if missing.is_empty() && extra.is_empty() {
            ctx.tally.compared += scratch.compared;
            ctx.tally.unresolved += scratch.unresolved;
        } else if actual == allow_all {
            ctx.gap(format!(
                "{what} egress ({} rule(s)): moto ignores inline SecurityGroupEgress and \
                 skips AWS::EC2::SecurityGroupEgress, and keeps the default allow-all rule",
                expected.len()
            ));
        } else {
            ctx.diffs.push(format!(
                "{what} egress: missing {}, unexpected {}",
                show(&missing),
                show(&extra)
            ));
        }
    }

    for (group, rules) in &ingress_resources {
        if !ctx.r.physical.contains_key(group) {
            ctx.gap(format!(
                "{} AWS::EC2::SecurityGroupIngress rule(s) of {group}, not a group of this stack",
                rules.len()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_group_rules_must_match_exactly() {
        let rule = |p: &str, ports: Option<(i64, i64)>, peer: Option<&str>| Rule {
            protocol: protocol(p),
            ports,
            peer: peer.map(str::to_string),
        };
        let actual = actual_rules(&json!([
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": "10.0.0.0/16"}], "UserIdGroupPairs": [{"GroupId": "sg-1"}]},
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ]));
        assert_eq!(actual.len(), 3);
        let mut tally = Tally::default();
        let expected = [
            rule("6", Some((443, 443)), Some("cidr:10.0.0.0/16")),
            rule("tcp", Some((443, 443)), None),
            rule("all", None, Some("cidr:0.0.0.0/0")),
        ];
        let (missing, extra) = match_rules(&expected, &actual, &mut tally);
        assert!(missing.is_empty() && extra.is_empty());
        assert_eq!((tally.compared, tally.unresolved), (2, 1));
        let (missing, extra) = match_rules(&expected[..1], &actual, &mut tally);
        assert!(missing.is_empty());
        assert_eq!(show(&extra), "[-1 cidr:0.0.0.0/0, tcp 443-443 sg:sg-1]");
        let wrong = [rule("tcp", Some((444, 444)), Some("cidr:10.0.0.0/16"))];
        let (missing, _) = match_rules(&wrong, &actual, &mut tally);
        assert_eq!(show(&missing), "[tcp 444-444 cidr:10.0.0.0/16]");
    }
}
