//! Node labels: a first line naming the kind and the resource (by the name it will have
//! when the template fixes one, else its logical ID), then the few facts a reviewer
//! checks first: an address range, an auth mode, who may assume a role and what it may
//! do on resources outside the stack.

use serde_json::Value as Json;

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
        Json::String(s) => Some(s.clone()),
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
            let name = |m: &&str| text(b.props(m), c.name_key).unwrap_or(m).to_string();
            let first = members.first().map(name).unwrap_or_default();
            let last = members.last().map(name).unwrap_or_default();
            let mut lines = vec![
                format!("{} {}", members.len(), c.plural),
                format!("{first} … {last}"),
            ];
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

/// The label of a node that draws one resource, before what is absorbed into it.
fn single(b: &Builder<'_>, node: &str, id: &str) -> (Shape, Vec<String>) {
    let p = b.props(id);
    let named = |key: &str| text(p, key).unwrap_or(id).to_string();
    let resource = b.resources.get(id).unwrap_or(&Json::Null);
    let permissions = || {
        b.permissions
            .get(node)
            .map(permission_lines)
            .unwrap_or_default()
    };
    let kind = b.kind_of(id);
    let (shape, mut lines) = match kind {
        "AWS::EC2::VPC" => (Shape::Box, vec![format!("VPC {id}")]),
        "AWS::EC2::SecurityGroup" => {
            let rules = b.rules.get(node);
            let mut lines = vec![format!("security group {id}")];
            if !rules.is_some_and(|r| r.inbound) {
                lines.push("no inbound rule".to_string());
            }
            if rules.is_some_and(|r| r.outbound_blocked) {
                lines.push("no outbound rule".to_string());
            }
            (Shape::Hexagon, lines)
        }
        "AWS::EC2::Instance" => (Shape::Rounded, vec![format!("EC2 instance {id}")]),
        "AWS::KMS::Key" => {
            let mut lines = vec![format!("KMS key {id}")];
            if p.get("EnableKeyRotation") == Some(&Json::Bool(true)) {
                lines.push("rotation on".to_string());
            }
            (Shape::Subroutine, lines)
        }
        "AWS::S3::Bucket" => {
            let mut lines = vec![format!("S3 bucket {}", named("BucketName"))];
            let policy = resource.get("DeletionPolicy").and_then(Json::as_str);
            if policy.is_some_and(|p| p.starts_with("Retain")) {
                lines.push("kept when the stack is deleted".to_string());
            }
            (Shape::Cylinder, lines)
        }
        "AWS::Logs::LogGroup" => {
            let mut lines = vec![format!("log group {}", named("LogGroupName"))];
            if let Some(days) = scalar(p, "RetentionInDays") {
                lines.push(format!("kept {days} days"));
            }
            (Shape::Cylinder, lines)
        }
        "AWS::SQS::Queue" => (
            Shape::Cylinder,
            vec![format!("SQS queue {}", named("QueueName"))],
        ),
        "AWS::DynamoDB::Table" => (
            Shape::Cylinder,
            vec![format!("DynamoDB table {}", named("TableName"))],
        ),
        "AWS::SecretsManager::Secret" => {
            let mut lines = vec![format!("secret {}", named("Name"))];
            if p.get("GenerateSecretString").is_some() {
                lines.push("generated at deployment".to_string());
            }
            (Shape::Cylinder, lines)
        }
        "AWS::IAM::Role" => {
            let mut lines = vec![format!("IAM role {}", named("RoleName"))];
            let trusted = iam::trusted(p.get("AssumeRolePolicyDocument").unwrap_or(&Json::Null));
            if !trusted.is_empty() {
                lines.push(format!("assumed by {}", trusted.join("; ")));
            }
            (Shape::Stadium, lines)
        }
        "AWS::IAM::Group" => (
            Shape::Stadium,
            vec![format!("IAM group {}", named("GroupName"))],
        ),
        "AWS::IAM::User" => {
            let mut lines = vec![format!("IAM user {}", named("UserName"))];
            if p.get("LoginProfile").is_some() {
                lines.push("console password".to_string());
            }
            (Shape::Stadium, lines)
        }
        "AWS::IAM::ManagedPolicy" => (
            Shape::Parallelogram,
            vec![format!("managed policy {}", named("ManagedPolicyName"))],
        ),
        "AWS::SageMaker::Domain" => {
            let mut facts = Vec::new();
            if let Some(auth) = text(p, "AuthMode") {
                facts.push(format!("{auth} auth"));
            }
            if let Some(access) = text(p, "AppNetworkAccessType") {
                facts.push(access.to_string());
            }
            let mut lines = vec![format!("Studio domain {}", named("DomainName"))];
            if !facts.is_empty() {
                lines.push(facts.join(", "));
            }
            (Shape::Rounded, lines)
        }
        "AWS::SageMaker::UserProfile" => (
            Shape::Rounded,
            vec![format!("user profile {}", named("UserProfileName"))],
        ),
        "AWS::SageMaker::NotebookInstance" => (
            Shape::Rounded,
            vec![format!("notebook {}", named("NotebookInstanceName"))],
        ),
        "AWS::SageMaker::NotebookInstanceLifecycleConfig" => (
            Shape::Box,
            vec![format!(
                "lifecycle config {}",
                named("NotebookInstanceLifecycleConfigName")
            )],
        ),
        "AWS::Lambda::Function" => (
            Shape::Rounded,
            vec![format!("Lambda function {}", named("FunctionName"))],
        ),
        "AWS::Events::Rule" => {
            let mut lines = vec![format!("EventBridge rule {}", named("Name"))];
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
            lines.extend(wrapped(&names, 2));
            if let Some(schedule) = text(p, "ScheduleExpression") {
                lines.push(schedule.to_string());
            }
            (Shape::Flag, lines)
        }
        "AWS::SSO::ApplicationAssignment" => {
            let who = text(p, "PrincipalType")
                .unwrap_or("principal")
                .to_ascii_lowercase();
            (
                Shape::Box,
                vec![
                    format!("Identity Center {who}"),
                    text(p, "PrincipalId").unwrap_or("?").to_string(),
                ],
            )
        }
        "AWS::CloudTrail::Trail" => {
            let mut lines = vec![format!("CloudTrail trail {}", named("TrailName"))];
            if p.get("IsMultiRegionTrail") == Some(&Json::Bool(true)) {
                lines.push("all regions".to_string());
            }
            (Shape::Rounded, lines)
        }
        "AWS::CloudFormation::StackSet" => {
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
            let mut lines = vec![format!("StackSet {}", named("StackSetName"))];
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
            (Shape::Box, lines)
        }
        "AWS::CloudFormation::Stack" => (Shape::Box, vec![format!("nested stack {id}")]),
        "AWS::SSM::Parameter" => (
            Shape::Cylinder,
            vec![format!("SSM parameter {}", named("Name"))],
        ),
        other => (Shape::Box, vec![format!("{other} {id}")]),
    };
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
    lines.extend(permissions());
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
