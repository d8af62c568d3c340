//! From a template to a diagram: which node draws each resource, and which edges its
//! properties, security-group rules and policy statements give.

use crate::template::json::{Json, JsonMap};
use indexmap::IndexMap;

use super::iam;
use super::network::{self, NO_EGRESS_CIDR, Peer};
use super::nodes::{self, COLLAPSIBLE, Collapsible};
use super::render::{Diagram, Node, Shape, Style, node_id};
use super::{COLLAPSE_ABOVE, construct};
use crate::template::{SourcePath, read};

const NULL: Json = Json::Null;

/// What a node stands for, which decides its label.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// One resource (with the ones absorbed into it: a key's alias, a bucket's policy).
    Single,
    /// The subnets, route tables and their associations of one VPC.
    Subnets,
    /// The VPC endpoints of one VPC.
    Endpoints,
    /// Many resources of one type in one construct.
    Collapsed(&'static Collapsible),
}

/// What the security-group rules say about a group beyond its edges.
#[derive(Default)]
pub struct GroupRules {
    pub inbound: bool,
    pub outbound_blocked: bool,
}

/// Permission lines of one identity or edge, merged by (effect, service, conditions,
/// resources shown) so that statements with the same shape read as one line.
type Permissions = IndexMap<(bool, bool, String, Vec<String>, Vec<String>), Vec<String>>;

pub struct Builder<'a> {
    pub resources: &'a JsonMap,
    origins: &'a IndexMap<String, SourcePath>,
    /// Logical ID → the node drawing it; `None` for resources drawn as an edge (flow logs).
    owner: IndexMap<&'a str, Option<String>>,
    /// Node id → what it stands for and the resources it draws, in template order.
    pub members: IndexMap<String, (Kind, Vec<&'a str>)>,
    /// Names of resources as they appear in literal ARNs (`notebook-instance/x`).
    names: IndexMap<String, &'a str>,
    pub rules: IndexMap<String, GroupRules>,
    /// Security-group rules within one group: ports → (inbound, outbound).
    self_rules: IndexMap<String, IndexMap<String, (bool, bool)>>,
    /// Permissions on resources outside the template, per identity node.
    pub permissions: IndexMap<String, Permissions>,
    /// Permissions on resources of the template, per (identity node, resource node).
    edge_permissions: IndexMap<(String, String), Permissions>,
    diagram: Diagram,
}

impl<'a> Builder<'a> {
    pub fn new(template: &'a Json, origins: &'a IndexMap<String, SourcePath>) -> Self {
        static EMPTY: std::sync::OnceLock<JsonMap> = std::sync::OnceLock::new();
        let resources = template
            .get("Resources")
            .and_then(Json::as_object)
            .unwrap_or_else(|| EMPTY.get_or_init(JsonMap::default));
        Builder {
            resources,
            origins,
            owner: IndexMap::new(),
            members: IndexMap::new(),
            names: IndexMap::new(),
            rules: IndexMap::new(),
            self_rules: IndexMap::new(),
            permissions: IndexMap::new(),
            edge_permissions: IndexMap::new(),
            diagram: Diagram::default(),
        }
    }

    pub fn kind_of(&self, id: &str) -> &'a str {
        self.resources
            .get(id)
            .and_then(|r| r.get("Type"))
            .and_then(Json::as_str)
            .unwrap_or("")
    }

    pub fn props(&self, id: &str) -> &'a Json {
        self.resources
            .get(id)
            .and_then(|r| r.get("Properties"))
            .unwrap_or(&NULL)
    }

    /// The resource a property names (the first, for a list), if it is one of the template's.
    fn named(&self, id: &str, key: &str) -> Option<&'a str> {
        let value = self.props(id).get(key)?;
        let value = match value {
            Json::Array(items) => items.first()?,
            v => v,
        };
        read::target(value).filter(|t| self.resources.contains_key(t))
    }

    pub fn build(mut self) -> Diagram {
        let ids: Vec<&'a str> = self.resources.keys().map(|k| k.as_str()).collect();
        for &id in &ids {
            let owner = self.owner_of(id, 0);
            self.owner.insert(id, owner);
            self.index_name(id);
        }
        self.collapse();
        for &id in &ids {
            if let Some(Some(node)) = self.owner.get(id) {
                let node = node.clone();
                let kind = if node == node_id(id) {
                    Kind::Single
                } else if node.ends_with("_subnets") {
                    Kind::Subnets
                } else if node.ends_with("_endpoints") {
                    Kind::Endpoints
                } else if let Some(c) = COLLAPSIBLE.iter().find(|c| c.kind == self.kind_of(id)) {
                    Kind::Collapsed(c)
                } else {
                    Kind::Single
                };
                self.members
                    .entry(node)
                    .or_insert_with(|| (kind, Vec::new()))
                    .1
                    .push(id);
            }
        }
        // Nodes first, in template order, so that the drawing order never depends on
        // which edge mentions a node first.
        for (node, (_, members)) in &self.members {
            let group = members
                .first()
                .and_then(|m| self.origins.get(*m))
                .map(construct)
                .unwrap_or_default();
            self.diagram.nodes.insert(
                node.clone(),
                Node {
                    shape: Shape::Box,
                    lines: Vec::new(),
                    group,
                },
            );
        }
        for &id in &ids {
            self.edges_of(id);
        }
        self.finish_self_rules();
        self.finish_permission_edges();
        let labels: Vec<(String, Shape, Vec<String>)> = self
            .members
            .iter()
            .map(|(node, (kind, members))| {
                let (shape, lines) = nodes::label(&self, node, *kind, members);
                (node.clone(), shape, lines)
            })
            .collect();
        for (node, shape, lines) in labels {
            let n = &mut self.diagram.nodes[&node];
            n.shape = shape;
            n.lines = lines;
        }
        self.diagram
    }

    /// The node that draws `id`: its own, or that of the resource it only completes.
    fn owner_of(&self, id: &str, depth: usize) -> Option<String> {
        let vpc = || {
            self.props(id)
                .get("VpcId")
                .and_then(read::target)
                .map_or_else(|| "Vpc".to_string(), node_id)
        };
        let completes = match self.kind_of(id) {
            "AWS::EC2::Subnet" | "AWS::EC2::RouteTable" => {
                return Some(format!("{}_subnets", vpc()));
            }
            "AWS::EC2::VPCEndpoint" => return Some(format!("{}_endpoints", vpc())),
            "AWS::EC2::FlowLog" => return None,
            "AWS::EC2::SubnetRouteTableAssociation" => self
                .named(id, "SubnetId")
                .or_else(|| self.named(id, "RouteTableId")),
            "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                self.named(id, "GroupId")
            }
            "AWS::KMS::Alias" => self.named(id, "TargetKeyId"),
            "AWS::S3::BucketPolicy" => self.named(id, "Bucket"),
            "AWS::IAM::InstanceProfile" => self.named(id, "Roles"),
            "AWS::Lambda::Permission" => self.named(id, "FunctionName"),
            "AWS::SQS::QueuePolicy" => self.named(id, "Queues"),
            "AWS::IAM::Policy" => self.named(id, "Roles"),
            // A cleanup is drawn with what it empties: the profile, the bucket, or else
            // the domain.
            "Custom::StudioCleanup" => self
                .named(id, "UserProfileArn")
                .or_else(|| self.named(id, "BucketName"))
                .or_else(|| self.named(id, "DomainId")),
            _ => None,
        };
        match completes {
            // A well-formed template has no cycle here; the depth only guards a broken one.
            Some(target) if depth < 8 => self.owner_of(target, depth + 1),
            _ => Some(node_id(id)),
        }
    }

    /// Records the name under which a literal ARN names `id`, so that a policy written
    /// with a name (`notebook-instance/team-notebooks-engineers`) still points at it.
    fn index_name(&mut self, id: &'a str) {
        let p = self.props(id);
        let literal = |key: &str| {
            p.get(key)
                .and_then(read::text)
                .filter(|t| !t.contains("${"))
                .map(String::from)
        };
        let path = literal("Path").unwrap_or_else(|| "/".to_string());
        let name = match self.kind_of(id) {
            "AWS::SageMaker::NotebookInstance" => literal("NotebookInstanceName")
                .map(|n| format!("notebook-instance/{}", n.to_ascii_lowercase())),
            "AWS::IAM::Role" => literal("RoleName").map(|n| format!("role{path}{n}")),
            "AWS::IAM::User" => literal("UserName").map(|n| format!("user{path}{n}")),
            "AWS::IAM::Group" => literal("GroupName").map(|n| format!("group{path}{n}")),
            _ => None,
        };
        if let Some(name) = name {
            self.names.insert(name, id);
        }
    }

    /// Replaces the nodes of a construct's many resources of one collapsible type by one.
    fn collapse(&mut self) {
        let mut by_group: IndexMap<(String, &str), Vec<String>> = IndexMap::new();
        for (&id, owner) in &self.owner {
            let kind = self.kind_of(id);
            if owner.as_deref() == Some(node_id(id).as_str())
                && COLLAPSIBLE.iter().any(|c| c.kind == kind)
            {
                let group = self.origins.get(id).map(construct).unwrap_or_default();
                by_group
                    .entry((group.join("/"), kind))
                    .or_default()
                    .push(node_id(id));
            }
        }
        for ((group, kind), nodes) in by_group {
            if nodes.len() <= COLLAPSE_ABOVE {
                continue;
            }
            let c = COLLAPSIBLE
                .iter()
                .find(|c| c.kind == kind)
                .expect("grouped by a collapsible type");
            let id = format!("{}_{}", c.id_stem, node_id(&group));
            for owner in self.owner.values_mut() {
                if owner.as_ref().is_some_and(|o| nodes.contains(o)) {
                    *owner = Some(id.clone());
                }
            }
        }
    }

    fn node(&self, id: &str) -> Option<String> {
        self.owner.get(id).cloned().flatten()
    }

    fn edges_of(&mut self, id: &'a str) {
        let kind = self.kind_of(id);
        let props = self.props(id);
        if kind == "AWS::EC2::FlowLog" {
            let from = self.named(id, "ResourceId").and_then(|r| self.node(r));
            let to = read::references(props.get("LogGroupName").unwrap_or(&NULL))
                .into_iter()
                .chain(read::references(
                    props.get("LogDestination").unwrap_or(&NULL),
                ))
                .find_map(|r| self.node(r));
            if let (Some(from), Some(to)) = (from, to) {
                let traffic = props.get("TrafficType").and_then(Json::as_str);
                let label = traffic.map_or("flow log".to_string(), |t| format!("flow log ({t})"));
                self.diagram.edge(&from, &to, Style::Solid, Some(label));
            }
            return;
        }
        let Some(this) = self.node(id) else { return };
        match kind {
            "AWS::EC2::SecurityGroup" => {
                for (key, ingress) in [
                    ("SecurityGroupIngress", true),
                    ("SecurityGroupEgress", false),
                ] {
                    for rule in props
                        .get(key)
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten()
                    {
                        self.rule(id, &this, rule, ingress);
                    }
                }
            }
            "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                if let Some(group) = self.named(id, "GroupId") {
                    self.rule(group, &this, props, kind.ends_with("Ingress"));
                }
            }
            _ => {}
        }
        let mut found = Vec::new();
        read::each_reference(props, &mut read::Path::default(), &mut |path, reference| {
            if let Some(name) = reference.logical_name() {
                found.push((path.property(), name));
            }
        });
        for (path, name) in found {
            let Some(target) = self.node(name) else {
                continue;
            };
            let Some((label, reverse, style)) = relation(kind, &path) else {
                continue;
            };
            if target != this {
                let (from, to) = if reverse {
                    (&target, &this)
                } else {
                    (&this, &target)
                };
                self.diagram.edge(from, to, style, label.map(String::from));
            }
        }
        for document in nodes::policy_documents(kind, props) {
            self.statements(&this, document);
        }
    }

    /// One security-group rule of group `group` (drawn by node `this`).
    fn rule(&mut self, group: &str, this: &str, rule: &'a Json, ingress: bool) {
        self.rules.entry(this.to_string()).or_default();
        let Some(peer) = network::peer(rule, ingress) else {
            return;
        };
        let ports = network::ports(rule);
        let other = match peer {
            Peer::Range(cidr) if !ingress && cidr == NO_EGRESS_CIDR => {
                self.rules[this].outbound_blocked = true;
                return;
            }
            Peer::Resource(r) if r == group => {
                let dirs = self
                    .self_rules
                    .entry(this.to_string())
                    .or_default()
                    .entry(ports)
                    .or_default();
                if ingress {
                    dirs.0 = true;
                } else {
                    dirs.1 = true;
                }
                self.rules[this].inbound |= ingress;
                return;
            }
            Peer::Resource(r) => self.node(r).unwrap_or_else(|| node_id(r)),
            Peer::Range(cidr) => self.range(group, &cidr),
        };
        self.rules[this].inbound |= ingress;
        if !self.diagram.nodes.contains_key(&other) {
            self.diagram.nodes.insert(
                other.clone(),
                Node {
                    shape: Shape::Circle,
                    lines: vec![rule_peer_text(rule, ingress)],
                    group: Vec::new(),
                },
            );
        }
        let (from, to) = if ingress {
            (other, this.to_string())
        } else {
            (this.to_string(), other)
        };
        self.diagram.edge(&from, &to, Style::Solid, Some(ports));
    }

    /// The node of an address range: the group's VPC when it is the VPC's own block,
    /// else a node of its own.
    fn range(&self, group: &str, cidr: &str) -> String {
        let vpc = self.named(group, "VpcId");
        let block = vpc
            .and_then(|v| self.props(v).get("CidrBlock"))
            .and_then(Json::as_str);
        match (vpc, block) {
            (Some(vpc), Some(block)) if block == cidr => {
                self.node(vpc).unwrap_or_else(|| node_id(vpc))
            }
            _ => format!("range_{}", node_id(cidr)),
        }
    }

    fn finish_self_rules(&mut self) {
        for (node, rules) in std::mem::take(&mut self.self_rules) {
            for (ports, (inbound, outbound)) in rules {
                let way = match (inbound, outbound) {
                    (true, true) => "in and out",
                    (true, false) => "in",
                    _ => "out",
                };
                self.diagram.edge(
                    &node,
                    &node,
                    Style::Solid,
                    Some(format!("{ports} self, {way}")),
                );
            }
        }
    }

    /// Adds a policy document's statements to identity node `holder`: an edge per
    /// resource of the template, a line in its label for the rest.
    fn statements(&mut self, holder: &str, document: &'a Json) {
        for s in iam::statements(document) {
            let mut targets: Vec<String> = Vec::new();
            let mut shown: Vec<String> = Vec::new();
            for entry in &s.resources {
                let named: Vec<String> = read::references(entry)
                    .into_iter()
                    .filter(|r| self.resources.contains_key(r))
                    .filter_map(|r| self.node(r))
                    .collect();
                let literal = read::text(entry).map(iam::short_arn);
                let described = iam::describe(entry);
                let by_name = literal
                    .as_ref()
                    .and_then(|l| self.names.get(l))
                    .and_then(|r| self.node(r));
                if s.not_resource {
                    shown.push(described);
                } else if !named.is_empty() {
                    targets.extend(named);
                } else if let Some(node) = by_name {
                    targets.push(node);
                } else {
                    shown.push(described);
                }
            }
            targets.dedup();
            let mut by_service: IndexMap<String, Vec<String>> = IndexMap::new();
            for action in &s.actions {
                let service = if s.not_action {
                    ""
                } else {
                    iam::service(action)
                };
                by_service
                    .entry(service.to_string())
                    .or_default()
                    .push(action.clone());
            }
            if s.not_resource {
                shown = vec![format!("all but {}", shown.join(", "))];
            }
            for (service, actions) in by_service {
                let key = |shown: Vec<String>| {
                    (
                        s.deny,
                        s.not_action,
                        service.clone(),
                        s.conditions.clone(),
                        shown,
                    )
                };
                for target in &targets {
                    let merged = self
                        .edge_permissions
                        .entry((holder.to_string(), target.clone()))
                        .or_default()
                        .entry(key(Vec::new()))
                        .or_default();
                    extend_unique(merged, &actions);
                }
                if !shown.is_empty() {
                    let merged = self
                        .permissions
                        .entry(holder.to_string())
                        .or_default()
                        .entry(key(shown.clone()))
                        .or_default();
                    extend_unique(merged, &actions);
                }
            }
        }
    }

    fn finish_permission_edges(&mut self) {
        for ((from, to), permissions) in std::mem::take(&mut self.edge_permissions) {
            for line in permission_lines(&permissions) {
                self.diagram.edge(&from, &to, Style::Solid, Some(line));
            }
        }
    }
}

/// The text a rule gives for its peer, for a node of an address range.
fn rule_peer_text(rule: &Json, ingress: bool) -> String {
    match network::peer(rule, ingress) {
        Some(Peer::Range(text)) if text == "0.0.0.0/0" || text == "::/0" => {
            format!("any address {text}")
        }
        Some(Peer::Range(text)) => text,
        Some(Peer::Resource(name)) => name.to_string(),
        None => String::new(),
    }
}

fn extend_unique(list: &mut Vec<String>, items: &[String]) {
    for item in items {
        if !list.contains(item) {
            list.push(item.clone());
        }
    }
}

/// The lines of merged permissions: `s3: GetObject, PutObject`, `deny all but 9
/// actions on *`, with their resources (when outside the template) and condition keys.
pub fn permission_lines(permissions: &Permissions) -> Vec<String> {
    permissions
        .iter()
        .map(
            |((deny, not_action, service, conditions, shown), actions)| {
                let mut line = String::new();
                if *deny {
                    line.push_str("deny ");
                }
                if *not_action {
                    line.push_str(&format!("all but {} actions", actions.len()));
                } else {
                    line.push_str(&format!("{service}: {}", iam::summarize_actions(actions)));
                }
                if !shown.is_empty() {
                    const SHOWN: usize = 2;
                    let mut list: Vec<&str> =
                        shown.iter().take(SHOWN).map(String::as_str).collect();
                    let more = shown.len().saturating_sub(SHOWN);
                    let more_text = format!("+{more} more");
                    if more > 0 {
                        list.push(&more_text);
                    }
                    line.push_str(&format!(" on {}", list.join(", ")));
                }
                if !conditions.is_empty() {
                    line.push_str(&format!(" if {}", conditions.join(", ")));
                }
                line
            },
        )
        .collect()
}

/// The edge a reference in property `path` of a `kind` resource draws: its label, whether
/// it points back at the referring resource, and its style. `None`: not drawn (the VPC id
/// of anything but a subnet, configuration values, a policy condition), because every
/// resource would otherwise point at the VPC and the picture would be a hairball.
fn relation(kind: &str, path: &str) -> Option<(Option<&'static str>, bool, Style)> {
    let last = path.rsplit('.').next().unwrap_or(path);
    Some(match (kind, path, last) {
        ("AWS::EC2::Subnet", "VpcId", _) => (None, true, Style::Dotted),
        (_, _, "SecurityGroupIds" | "SecurityGroups") => (None, true, Style::Dotted),
        (_, _, "SubnetId" | "SubnetIds" | "RouteTableIds") => (Some("in"), false, Style::Dotted),
        (_, _, "KmsKeyId" | "KMSMasterKeyID" | "KmsMasterKeyId" | "KmsKeyArn" | "KMSKeyArn") => {
            (Some("encrypted by"), false, Style::Dotted)
        }
        ("AWS::EC2::VPCEndpoint", "PolicyDocument.Statement.Resource", _) => {
            (Some("endpoint policy admits"), false, Style::Dotted)
        }
        ("AWS::Events::Rule", "Targets.Arn", _) => (Some("invokes"), false, Style::Solid),
        ("AWS::Events::Rule", "Targets.DeadLetterConfig.Arn", _) => {
            (Some("undelivered events"), false, Style::Solid)
        }
        (_, "DeadLetterConfig.TargetArn", _) => (Some("failed events"), false, Style::Solid),
        (_, "LoggingConfig.LogGroup", _) => (Some("logs"), false, Style::Solid),
        (_, "LoggingConfiguration.DestinationBucketName", _) => {
            (Some("access logs"), false, Style::Solid)
        }
        (_, _, "Role" | "RoleArn" | "ExecutionRole" | "IamInstanceProfile") => {
            (Some("runs as"), false, Style::Solid)
        }
        (_, _, "LifecycleConfigName") => (Some("on start"), false, Style::Dotted),
        (
            "AWS::SageMaker::UserProfile" | "AWS::SageMaker::Space" | "AWS::SageMaker::App",
            "DomainId",
            _,
        ) => (None, true, Style::Solid),
        ("AWS::IAM::User", "Groups", _) => (Some("member of"), false, Style::Solid),
        ("AWS::IAM::User", "LoginProfile.Password", _) => {
            (Some("initial password"), true, Style::Solid)
        }
        (_, "ManagedPolicyArns", _) => (Some("attached"), false, Style::Dotted),
        ("AWS::IAM::ManagedPolicy", "Roles" | "Groups" | "Users", _) => {
            (Some("attached"), true, Style::Dotted)
        }
        ("AWS::SSO::ApplicationAssignment", "ApplicationArn", _) => {
            (Some("assigned to"), false, Style::Solid)
        }
        ("AWS::CloudTrail::Trail", "S3BucketName" | "CloudWatchLogsLogGroupArn", _) => {
            (Some("delivers to"), false, Style::Solid)
        }
        _ => return None,
    })
}
