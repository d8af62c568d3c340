//! Node labels: a first line naming the kind and the resource (by the name it will have
//! when the template fixes one, else its logical ID), then the few facts a reviewer
//! checks first: an address range, an auth mode, who may assume a role and what it may
//! do on resources outside the stack.

use crate::template::json::Json;

use super::build::{Builder, Kind, permission_lines};
use super::iam;
use super::network;
use super::render::{Shape, node_id};
use crate::template::read;

/// A resource type drawn as one node per construct above [`super::COLLAPSE_ABOVE`].
#[derive(Debug)]
pub struct Collapsible {
    pub kind: &'static str,
    /// Start of the collapsed node's id, followed by `_` and the construct.
    pub id_stem: &'static str,
    pub plural: &'static str,
    /// The property that names one of them.
    pub name_key: &'static str,
}

pub const COLLAPSIBLE: &[Collapsible] = &[
    Collapsible {
        kind: "AWS::SageMaker::UserProfile",
        id_stem: "UserProfiles",
        plural: "user profiles",
        name_key: "UserProfileName",
    },
    Collapsible {
        kind: "AWS::SageMaker::NotebookInstance",
        id_stem: "NotebookInstances",
        plural: "notebook instances",
        name_key: "NotebookInstanceName",
    },
    Collapsible {
        kind: "AWS::IAM::User",
        id_stem: "Users",
        plural: "IAM users",
        name_key: "UserName",
    },
];

/// The policy documents an identity holds in its own properties.
pub fn policy_documents<'a>(kind: &str, props: &'a Json) -> Vec<&'a Json> {
    match kind {
        "AWS::IAM::Role" | "AWS::IAM::Group" | "AWS::IAM::User" => props
            .get("Policies")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("PolicyDocument"))
            .collect(),
        "AWS::IAM::ManagedPolicy" => props.get("PolicyDocument").into_iter().collect(),
        _ => Vec::new(),
    }
}

fn text<'a>(props: &'a Json, key: &str) -> Option<&'a str> {
    props.get(key).and_then(read::text)
}

fn scalar(props: &Json, key: &str) -> Option<String> {
    match props.get(key)? {
        Json::String(s) => Some(s.to_string()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Names in lines of at most `per_line`, so a long list stays a narrow label.
fn wrapped(names: &[String], per_line: usize) -> Vec<String> {
    names.chunks(per_line).map(|c| c.join(", ")).collect()
}

pub fn label(b: &Builder<'_>, node: &str, kind: Kind, members: &[&str]) -> (Shape, Vec<String>) {
    let count = |t: &str| members.iter().filter(|m| b.kind_of(m) == t).count();
    match kind {
        Kind::Subnets => (
            Shape::Box,
            vec![
                format!("{} subnets", count("AWS::EC2::Subnet")),
                format!("{} route tables", count("AWS::EC2::RouteTable")),
            ],
        ),
        Kind::Endpoints => {
            let services: Vec<String> = members
                .iter()
                .map(|m| network::endpoint_service(b.props(m)))
                .collect();
            let mut lines = vec![format!("{} VPC endpoints", services.len())];
            lines.extend(wrapped(&services, 3));
            (Shape::Box, lines)
        }
        Kind::Collapsed(c) => {
            // Resources absorbed into the collapsed ones (their cleanups) are not counted.
            let own: Vec<&str> = members
                .iter()
                .copied()
                .filter(|m| b.kind_of(m) == c.kind)
                .collect();
            let name = |m: &&str| text(b.props(m), c.name_key).unwrap_or(m).to_string();
            let first = own.first().map(name).unwrap_or_default();
            let last = own.last().map(name).unwrap_or_default();
            let mut lines = vec![
                format!("{} {}", own.len(), c.plural),
                format!("{first} … {last}"),
            ];
            if count("Custom::StudioCleanup") > 0 {
                lines.push("emptied by the Studio cleanup before deletion".to_string());
            }
            lines.extend(
                b.permissions
                    .get(node)
                    .map(permission_lines)
                    .unwrap_or_default(),
            );
            (Shape::Rounded, lines)
        }
        Kind::Single => {
            let principal = members
                .iter()
                .copied()
                .find(|m| node_id(m) == node)
                .unwrap_or(node);
            let (shape, mut lines) = single(b, node, principal);
            for m in members.iter().filter(|m| **m != principal) {
                let p = b.props(m);
                let extra = match b.kind_of(m) {
                    "AWS::KMS::Alias" => text(p, "AliasName").map(String::from),
                    "AWS::S3::BucketPolicy" => Some("bucket policy".to_string()),
                    "AWS::SQS::QueuePolicy" => Some("queue policy".to_string()),
                    "AWS::IAM::InstanceProfile" => Some("instance profile".to_string()),
                    "AWS::Lambda::Permission" => text(p, "Principal").map(|who| {
                        format!("invoked by {}", who.trim_end_matches(".amazonaws.com"))
                    }),
                    "Custom::StudioCleanup" => Some(match text(p, "HomeStorageOnDelete") {
                        Some(home) => format!("emptied by the Studio cleanup; home EFS: {home}"),
                        None if text(p, "Kind") == Some("Bucket") => {
                            "every version deleted before the bucket (empty_on_delete)".to_string()
                        }
                        None => "emptied by the Studio cleanup before deletion".to_string(),
                    }),
                    "AWS::IAM::Policy" => text(p, "PolicyName").map(|n| format!("policy {n}")),
                    _ => None,
                };
                if let Some(extra) = extra.filter(|e| !lines.contains(e)) {
                    lines.push(extra);
                }
            }
            (shape, lines)
        }
    }
}

/// How a node of one resource is titled: its shape, the words naming its kind, and the
/// property holding the name it will have (`None`: it is named by its logical ID).
const TITLES: &[(&str, Shape, &str, Option<&str>)] = &[
    ("AWS::EC2::VPC", Shape::Box, "VPC", None),
    (
        "AWS::EC2::SecurityGroup",
        Shape::Hexagon,
        "security group",
        None,
    ),
    ("AWS::EC2::Instance", Shape::Rounded, "EC2 instance", None),
    ("AWS::KMS::Key", Shape::Subroutine, "KMS key", None),
    (
        "AWS::S3::Bucket",
        Shape::Cylinder,
        "S3 bucket",
        Some("BucketName"),
    ),
    (
        "AWS::Logs::LogGroup",
        Shape::Cylinder,
        "log group",
        Some("LogGroupName"),
    ),
    (
        "AWS::SQS::Queue",
        Shape::Cylinder,
        "SQS queue",
        Some("QueueName"),
    ),
    (
        "AWS::DynamoDB::Table",
        Shape::Cylinder,
        "DynamoDB table",
        Some("TableName"),
    ),
    (
        "AWS::SecretsManager::Secret",
        Shape::Cylinder,
        "secret",
        Some("Name"),
    ),
    (
        "AWS::IAM::Role",
        Shape::Stadium,
        "IAM role",
        Some("RoleName"),
    ),
    (
        "AWS::IAM::Group",
        Shape::Stadium,
        "IAM group",
        Some("GroupName"),
    ),
    (
        "AWS::IAM::User",
        Shape::Stadium,
        "IAM user",
        Some("UserName"),
    ),
    (
        "AWS::IAM::ManagedPolicy",
        Shape::Parallelogram,
        "managed policy",
        Some("ManagedPolicyName"),
    ),
    (
        "AWS::SageMaker::Domain",
        Shape::Rounded,
        "Studio domain",
        Some("DomainName"),
    ),
    (
        "AWS::SageMaker::UserProfile",
        Shape::Rounded,
        "user profile",
        Some("UserProfileName"),
    ),
    (
        "AWS::SageMaker::NotebookInstance",
        Shape::Rounded,
        "notebook",
        Some("NotebookInstanceName"),
    ),
    (
        "AWS::SageMaker::NotebookInstanceLifecycleConfig",
        Shape::Box,
        "lifecycle config",
        Some("NotebookInstanceLifecycleConfigName"),
    ),
    (
        "AWS::SageMaker::StudioLifecycleConfig",
        Shape::Box,
        "Studio lifecycle config",
        Some("StudioLifecycleConfigName"),
    ),
    (
        "AWS::Lambda::Function",
        Shape::Rounded,
        "Lambda function",
        Some("FunctionName"),
    ),
    (
        "AWS::Events::Rule",
        Shape::Flag,
        "EventBridge rule",
        Some("Name"),
    ),
    (
        "AWS::CloudTrail::Trail",
        Shape::Rounded,
        "CloudTrail trail",
        Some("TrailName"),
    ),
    (
        "AWS::CloudFormation::StackSet",
        Shape::Box,
        "StackSet",
        Some("StackSetName"),
    ),
    (
        "AWS::CloudFormation::Stack",
        Shape::Box,
        "nested stack",
        None,
    ),
    (
        "AWS::SSM::Parameter",
        Shape::Cylinder,
        "SSM parameter",
        Some("Name"),
    ),
];

/// The shape and first line of the node of resource `id` of type `kind`: what it is and
/// what it is called.
fn title(kind: &str, id: &str, p: &Json) -> (Shape, String) {
    if kind == "AWS::SSO::ApplicationAssignment" {
        let who = text(p, "PrincipalType").unwrap_or("principal");
        return (
            Shape::Box,
            format!("Identity Center {}", who.to_ascii_lowercase()),
        );
    }
    match TITLES.iter().find(|(t, ..)| *t == kind) {
        Some((_, shape, words, name)) => {
            let name = name.and_then(|key| text(p, key)).unwrap_or(id);
            (*shape, format!("{words} {name}"))
        }
        None => (Shape::Box, format!("{kind} {id}")),
    }
}

/// The lines after the title that describe how a resource of type `kind` is set up.
fn facts(b: &Builder<'_>, node: &str, kind: &str, p: &Json, resource: &Json) -> Vec<String> {
    let when = |holds: bool, line: &str| holds.then(|| line.to_string());
    let on = |key: &str| p.get(key) == Some(&Json::Bool(true));
    match kind {
        "AWS::EC2::SecurityGroup" => {
            let rules = b.rules.get(node);
            [
                when(!rules.is_some_and(|r| r.inbound), "no inbound rule"),
                when(
                    rules.is_some_and(|r| r.outbound_blocked),
                    "no outbound rule",
                ),
            ]
            .into_iter()
            .flatten()
            .collect()
        }
        "AWS::KMS::Key" => when(on("EnableKeyRotation"), "rotation on")
            .into_iter()
            .collect(),
        "AWS::S3::Bucket" => {
            let policy = resource.get("DeletionPolicy").and_then(Json::as_str);
            let retained = policy.is_some_and(|p| p.starts_with("Retain"));
            when(retained, "kept when the stack is deleted")
                .into_iter()
                .collect()
        }
        "AWS::Logs::LogGroup" => scalar(p, "RetentionInDays")
            .map(|days| format!("kept {days} days"))
            .into_iter()
            .collect(),
        "AWS::SecretsManager::Secret" => {
            let generated = p.get("GenerateSecretString").is_some();
            when(generated, "generated at deployment")
                .into_iter()
                .collect()
        }
        "AWS::IAM::Role" => {
            let trusted = iam::trusted(p.get("AssumeRolePolicyDocument").unwrap_or(&Json::Null));
            (!trusted.is_empty())
                .then(|| format!("assumed by {}", trusted.join("; ")))
                .into_iter()
                .collect()
        }
        "AWS::IAM::User" => {
            let password = p.get("LoginProfile").is_some();
            when(password, "console password").into_iter().collect()
        }
        "AWS::SageMaker::Domain" => {
            let facts: Vec<String> = [
                text(p, "AuthMode").map(|auth| format!("{auth} auth")),
                text(p, "AppNetworkAccessType").map(String::from),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!facts.is_empty())
                .then(|| facts.join(", "))
                .into_iter()
                .collect()
        }
        "AWS::Events::Rule" => event_rule_facts(p),
        "AWS::SSO::ApplicationAssignment" => {
            vec![text(p, "PrincipalId").unwrap_or("?").to_string()]
        }
        "AWS::CloudTrail::Trail" => when(on("IsMultiRegionTrail"), "all regions")
            .into_iter()
            .collect(),
        "AWS::CloudFormation::StackSet" => stack_set_facts(p),
        _ => Vec::new(),
    }
}

/// The events a rule matches (by name, else by source), two per line, and its schedule.
fn event_rule_facts(p: &Json) -> Vec<String> {
    let pattern = p.get("EventPattern").unwrap_or(&Json::Null);
    let names = pattern
        .pointer("/detail/eventName")
        .or_else(|| pattern.get("source"));
    let names: Vec<String> = names
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(String::from)
        .collect();
    let mut lines = wrapped(&names, 2);
    if let Some(schedule) = text(p, "ScheduleExpression") {
        lines.push(schedule.to_string());
    }
    lines
}

/// A StackSet's permission model, and how many instance groups it has in which regions.
fn stack_set_facts(p: &Json) -> Vec<String> {
    let groups = p
        .get("StackInstancesGroup")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    let regions: Vec<&str> = p
        .get("StackInstancesGroup")
        .and_then(Json::as_array)
        .and_then(|g| g.first())
        .and_then(|g| g.get("Regions"))
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let mut lines = Vec::new();
    if let Some(model) = text(p, "PermissionModel") {
        lines.push(model.to_ascii_lowercase().replace('_', "-"));
    }
    lines.push(format!(
        "{groups} instance groups in {}",
        if regions.is_empty() {
            "?".to_string()
        } else {
            regions.join(", ")
        }
    ));
    lines
}

/// The label of a node that draws one resource, before what is absorbed into it.
fn single(b: &Builder<'_>, node: &str, id: &str) -> (Shape, Vec<String>) {
    let p = b.props(id);
    let resource = b.resources.get(id).unwrap_or(&Json::Null);
    let kind = b.kind_of(id);
    let (shape, title) = title(kind, id, p);
    let mut lines = vec![title];
    lines.extend(facts(b, node, kind, p, resource));
    // The fact that tells instances of a kind apart.
    let detail = match kind {
        "AWS::EC2::VPC" => text(p, "CidrBlock").map(String::from),
        "AWS::EC2::Instance" | "AWS::SageMaker::NotebookInstance" => {
            text(p, "InstanceType").map(String::from)
        }
        "AWS::Lambda::Function" => text(p, "Runtime").map(String::from),
        _ => None,
    };
    lines.extend(detail);
    // A resource under a template condition exists only where it holds.
    if let Some(condition) = resource.get("Condition").and_then(Json::as_str) {
        lines.push(format!("only if {condition}"));
    }
    if kind == "AWS::Events::Rule" {
        let retries = p
            .pointer("/Targets/0/RetryPolicy/MaximumRetryAttempts")
            .and_then(Json::as_i64);
        if let Some(n) = retries {
            lines.push(format!("{n} retries per event"));
        }
    }
    lines.extend(
        b.permissions
            .get(node)
            .map(permission_lines)
            .unwrap_or_default(),
    );
    for arn in p
        .get("ManagedPolicyArns")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if read::references(arn).is_empty()
            && let Some(t) = read::text(arn)
        {
            let short = iam::short_arn(t);
            let name = short.rsplit('/').next().unwrap_or(&short);
            lines.push(format!("AWS managed policy {name}"));
        }
    }
    (shape, lines)
}
