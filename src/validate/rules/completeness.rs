//! Environment completeness: a private environment works only when the VPC has the
//! endpoints its workloads call, the Studio security group carries Studio's own traffic,
//! and the presigned-URL policy is wired to an IAM-mode domain and to endpoints that
//! exist; and it stays private unless a route to the internet is named on every synth.
//! No peer tool checks these.

use std::collections::BTreeSet;

use crate::template::json::Json;

use super::iam::managed_policy_arn_text;
use super::policy::PolicyKind;
use super::{Context, Equivalents, Rule, Severity, Violation, list, props, target};
use crate::template::read;

const NONE: Equivalents = Equivalents {
    cfn_lint: &[],
    checkov: &[],
};

pub static RULES: &[Rule] = &[
    Rule {
        id: "ENV-STUDIO-ENDPOINTS",
        severity: Severity::Error,
        rationale: "A VpcOnly domain in a VPC without internet access cannot start apps or open Studio without its endpoints.",
        checks: "The VPC of every VpcOnly domain without an internet gateway has interface endpoints for sagemaker.api, sagemaker.runtime and studio, and an S3 endpoint.",
        fix: "Add the missing names to `network.endpoints`.",
        applies_to: &["AWS::SageMaker::Domain", "AWS::EC2::VPCEndpoint"],
        equivalents: NONE,
        check: studio_endpoints,
    },
    Rule {
        id: "ENV-NOTEBOOK-ENDPOINTS",
        severity: Severity::Error,
        rationale: "A notebook without direct internet access reaches the SageMaker API only through endpoints.",
        checks: "The VPC of every notebook with DirectInternetAccess Disabled has sagemaker.api and sagemaker.runtime endpoints.",
        fix: "Add the missing names to `network.endpoints`.",
        applies_to: &["AWS::SageMaker::NotebookInstance", "AWS::EC2::VPCEndpoint"],
        equivalents: NONE,
        check: notebook_endpoints,
    },
    Rule {
        id: "ENV-SSM-ENDPOINTS",
        severity: Severity::Error,
        rationale: "An instance managed by Session Manager in a private VPC is unreachable without the ssm and ssmmessages endpoints.",
        checks: "The VPC of every instance whose role has AmazonSSMManagedInstanceCore or an inline policy allowing ssmmessages actions, and no internet gateway, has ssm and ssmmessages endpoints, and kms when the role decrypts session data (kms:Decrypt).",
        fix: "Add the missing names to `network.endpoints`.",
        applies_to: &["AWS::EC2::Instance", "AWS::EC2::VPCEndpoint"],
        equivalents: NONE,
        check: ssm_endpoints,
    },
    Rule {
        id: "ENV-STS-ENDPOINT",
        severity: Severity::Error,
        rationale: "A workload in a private VPC whose role assumes a role calls STS, which it cannot reach without the sts endpoint.",
        checks: "If a role used by compute in a private VPC may call sts:AssumeRole, that VPC has an sts endpoint.",
        fix: "Add sts to `network.endpoints`.",
        applies_to: &["AWS::IAM::Role", "AWS::EC2::VPCEndpoint"],
        equivalents: NONE,
        check: sts_endpoint,
    },
    Rule {
        id: "ENV-LOGS-ENDPOINT",
        severity: Severity::Error,
        rationale: "A workload in a private VPC that writes logs loses them without the logs endpoint.",
        checks: "If a role used by compute in a private VPC may call logs:PutLogEvents, that VPC has a logs endpoint.",
        fix: "Add logs to `network.endpoints`.",
        applies_to: &["AWS::IAM::Role", "AWS::EC2::VPCEndpoint"],
        equivalents: NONE,
        check: logs_endpoint,
    },
    Rule {
        id: "ENV-CODEARTIFACT-ENDPOINTS",
        severity: Severity::Error,
        rationale: "pip in a private VPC reaches a CodeArtifact repository only through its two endpoints: codeartifact.api for the token and the repository URL, codeartifact.repositories for the packages.",
        checks: "When the template has an AWS::CodeArtifact::Domain, every VPC of the template without an internet gateway has codeartifact.api and codeartifact.repositories endpoints.",
        fix: "Add codeartifact.api and codeartifact.repositories to `network.endpoints`.",
        applies_to: &["AWS::CodeArtifact::Domain", "AWS::EC2::VPCEndpoint"],
        equivalents: NONE,
        check: codeartifact_endpoints,
    },
    Rule {
        id: "ENV-INTERNET-EGRESS",
        severity: Severity::Warning,
        rationale: "A route to the internet lets every workload of the VPC send data to any address and fetch code from anywhere: the endpoint policies and the buckets' network perimeter then bound only the traffic that still goes through the endpoints.",
        checks: "No VPC has an internet gateway attached (AWS::EC2::VPCGatewayAttachment with InternetGatewayId) and no AWS::EC2::NatGateway exists; each VPC with either is named, with its gateways.",
        fix: "Remove `network.internet_egress: nat` and reach packages through `packages` (CodeArtifact) and images through the ecr.api and ecr.dkr endpoints; or keep it with a suppression (`resource: network`) whose reason says why the environment needs the internet, or `escalate` the rule to refuse it.",
        applies_to: &["AWS::EC2::VPCGatewayAttachment", "AWS::EC2::NatGateway"],
        // cfn-lint 1.58 has no rule about internet routes, and checkov 3.3.30's
        // CloudFormation checks (resource/aws, graph_checks) read no internet gateway,
        // NAT gateway, route or subnet: nothing equivalent to list.
        equivalents: NONE,
        check: internet_egress,
    },
    Rule {
        id: "ENV-FUNCTION-ENDPOINTS",
        severity: Severity::Error,
        rationale: "A function in a private VPC reaches the services its code calls only through endpoints; without one its calls time out.",
        checks: "The VPC of every function with VpcConfig and no internet gateway has an endpoint for each service its role's identity policies allow actions of, among identitystore, sagemaker (sagemaker.api), dynamodb, ssm, sts, s3, cloudwatch (monitoring), elasticfilesystem and lambda. Logs, dead-letter messages and the environment's decryption are Lambda's own calls, made outside the VPC.",
        fix: "Add the missing names to `network.endpoints`.",
        applies_to: &["AWS::Lambda::Function", "AWS::EC2::VPCEndpoint"],
        equivalents: NONE,
        check: function_endpoints,
    },
    Rule {
        id: "ENV-STUDIO-SG-SELF-RULES",
        severity: Severity::Error,
        rationale: "Studio apps mount their EFS home over NFS and talk to each other on 8192-65535; without these rules apps fail to start.",
        checks: "Each domain's default security group admits TCP 2049 and TCP 8192-65535 from itself.",
        fix: "Use the studio construct's security group, or add the two self-referencing ingress rules.",
        applies_to: &[
            "AWS::SageMaker::Domain",
            "AWS::EC2::SecurityGroup",
            "AWS::EC2::SecurityGroupIngress",
        ],
        equivalents: NONE,
        check: studio_sg_self_rules,
    },
    Rule {
        id: "ENV-PRESIGNED-IAM-DOMAIN",
        severity: Severity::Error,
        rationale: "CreatePresignedDomainUrl works only for IAM-mode domains; a grant on an SSO domain does nothing.",
        checks: "Statements allowing sagemaker:CreatePresignedDomainUrl refer to user profiles of domains with AuthMode IAM.",
        fix: "Grant presigned URLs only for IAM-mode domains; SSO users sign in through IAM Identity Center.",
        applies_to: &[
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::Role",
            "AWS::SageMaker::Domain",
        ],
        equivalents: NONE,
        check: presigned_iam_domain,
    },
    Rule {
        id: "ENV-PRESIGNED-THROUGH-ENDPOINTS",
        severity: Severity::Error,
        rationale: "Without an aws:SourceVpce condition on the sagemaker.api and studio endpoints, a presigned URL works from anywhere.",
        checks: "Statements allowing sagemaker:CreatePresignedDomainUrl have StringEquals aws:SourceVpce naming a sagemaker.api and a studio endpoint.",
        fix: "Add StringEquals aws:SourceVpce = [the sagemaker.api endpoint, the studio endpoint] (the presigned_url construct does).",
        applies_to: &["AWS::IAM::ManagedPolicy", "AWS::IAM::Role"],
        equivalents: NONE,
        check: presigned_through_endpoints,
    },
    Rule {
        id: "ENV-NOTEBOOK-URL-THROUGH-NETWORK",
        severity: Severity::Error,
        rationale: "Without a network condition a notebook's presigned URL is issued, and opens, from anywhere: even with a notebook endpoint, people outside the VPC can connect over the internet.",
        checks: "Statements allowing sagemaker:CreatePresignedNotebookInstanceUrl have StringEquals aws:SourceVpce naming a sagemaker.api and a notebook endpoint, or IpAddress aws:SourceIp.",
        fix: "Add StringEquals aws:SourceVpce = [the sagemaker.api endpoint, the notebook endpoint] (the teams' policies do), or list the public ranges in `notebook_access.source_ip`.",
        applies_to: &[
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::Role",
            "AWS::IAM::Group",
            "AWS::IAM::User",
        ],
        equivalents: NONE,
        check: notebook_url_through_network,
    },
    Rule {
        id: "ENV-SOURCEVPCE-ENDPOINT-EXISTS",
        severity: Severity::Error,
        rationale: "An aws:SourceVpce condition on an endpoint that is not part of the stack silently denies, or allows a foreign endpoint.",
        checks: "Every aws:SourceVpce value is a Ref to an AWS::EC2::VPCEndpoint of the template.",
        fix: "Refer to the endpoint resource (Ref) instead of an endpoint id.",
        applies_to: &[
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::Role",
            "AWS::S3::BucketPolicy",
        ],
        equivalents: NONE,
        check: source_vpce_exists,
    },
];

/// The endpoint's short service name, from `com.amazonaws.${AWS::Region}.X`,
/// `aws.sagemaker.${AWS::Region}.studio` or `aws.sagemaker.${AWS::Region}.notebook`.
pub(super) fn service_of(endpoint: &Json) -> Option<String> {
    let name = &endpoint["ServiceName"];
    let text = name
        .as_str()
        .or_else(|| name.get("Fn::Sub").and_then(Json::as_str))?;
    if let Some(rest) = text.strip_prefix("aws.sagemaker.") {
        return ["studio", "notebook"]
            .into_iter()
            .find(|s| rest.ends_with(&format!(".{s}")))
            .map(String::from);
    }
    let rest = text.strip_prefix("com.amazonaws.")?;
    let (_, service) = rest.split_once('.')?;
    Some(service.to_string())
}

/// The VPC a `VpcId` value names: a VPC resource or a parameter by its `Ref`, or an
/// existing VPC by its literal ID.
pub(super) fn vpc_key(value: &Json) -> Option<&str> {
    target(value).or_else(|| value.as_str())
}

/// The VPCs with an internet gateway attached (their workloads do not need endpoints).
fn public_vpcs<'a>(cx: &'a Context) -> Vec<&'a str> {
    cx.of_type("AWS::EC2::VPCGatewayAttachment")
        .filter(|(_, p)| !p["InternetGatewayId"].is_null())
        .filter_map(|(_, p)| vpc_key(&p["VpcId"]))
        .collect()
}

/// Every VPC the template creates or places something in.
fn all_vpcs<'a>(cx: &'a Context) -> BTreeSet<&'a str> {
    let mut vpcs: BTreeSet<&str> = cx.of_type("AWS::EC2::VPC").map(|(id, _)| id).collect();
    for kind in [
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::VPCEndpoint",
        "AWS::SageMaker::Domain",
    ] {
        vpcs.extend(cx.of_type(kind).filter_map(|(_, p)| vpc_key(&p["VpcId"])));
    }
    vpcs
}

fn endpoints_in(cx: &Context, vpc: &str) -> BTreeSet<String> {
    cx.of_type("AWS::EC2::VPCEndpoint")
        .filter(|(_, p)| vpc_key(&p["VpcId"]) == Some(vpc))
        .filter_map(|(_, p)| service_of(p))
        .collect()
}

/// The VPC of compute placed in `subnet` with the security groups `groups`: the
/// subnet's when the template declares the subnet, else its groups' (the subnets of an
/// existing VPC are IDs or parameters, not resources; a group is always in the VPC of
/// the interfaces it is attached to).
fn vpc_of_placement<'a>(cx: &'a Context, subnet: &Json, groups: &Json) -> Option<&'a str> {
    if let Some(vpc) = target(subnet)
        .and_then(|id| cx.resource(id))
        .and_then(|r| vpc_key(&r["Properties"]["VpcId"]))
    {
        return Some(vpc);
    }
    list(groups)
        .iter()
        .filter_map(target)
        .filter_map(|g| cx.resource(g))
        .find_map(|g| vpc_key(&g["Properties"]["VpcId"]))
}

fn require(
    cx: &Context,
    vpc: &str,
    needed: &[&str],
    resource: &str,
    path: &str,
    who: &str,
) -> Option<Violation> {
    if public_vpcs(cx).contains(&vpc) {
        return None;
    }
    let present = endpoints_in(cx, vpc);
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|n| !present.contains(*n))
        .collect();
    (!missing.is_empty()).then(|| {
        Violation::at(
            resource,
            path,
            format!(
                "{who} in private VPC `{vpc}` has no endpoint for: {}",
                missing.join(", ")
            ),
        )
    })
}

fn studio_endpoints(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::SageMaker::Domain")
        .filter(|(_, p)| p["AppNetworkAccessType"] == "VpcOnly")
        .filter_map(|(id, p)| {
            let vpc = vpc_key(&p["VpcId"])?;
            require(
                cx,
                vpc,
                &["sagemaker.api", "sagemaker.runtime", "studio", "s3"],
                id,
                "Properties.VpcId",
                "the VpcOnly domain",
            )
        })
        .collect()
}

fn notebook_endpoints(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::SageMaker::NotebookInstance")
        .filter(|(_, p)| p["DirectInternetAccess"] == "Disabled")
        .filter_map(|(id, p)| {
            let vpc = vpc_of_placement(cx, &p["SubnetId"], &p["SecurityGroupIds"])?;
            require(
                cx,
                vpc,
                &["sagemaker.api", "sagemaker.runtime"],
                id,
                "Properties.SubnetId",
                "the notebook",
            )
        })
        .collect()
}

/// Roles used by compute, with the VPC that compute runs in and the compute's id.
fn compute_roles<'a>(cx: &'a Context) -> Vec<(&'a str, &'a str, &'a str)> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::SageMaker::Domain") {
        if let (Some(role), Some(vpc)) = (
            target(&p["DefaultUserSettings"]["ExecutionRole"]),
            vpc_key(&p["VpcId"]),
        ) {
            out.push((role, vpc, id));
        }
    }
    for (id, p) in cx.of_type("AWS::SageMaker::NotebookInstance") {
        if let (Some(role), Some(vpc)) = (
            target(&p["RoleArn"]),
            vpc_of_placement(cx, &p["SubnetId"], &p["SecurityGroupIds"]),
        ) {
            out.push((role, vpc, id));
        }
    }
    for (id, p) in cx.of_type("AWS::EC2::Instance") {
        let Some(vpc) = vpc_of_placement(cx, &p["SubnetId"], &p["SecurityGroupIds"]) else {
            continue;
        };
        let Some(profile) = target(&p["IamInstanceProfile"]).and_then(|pr| cx.resource(pr)) else {
            continue;
        };
        for role in list(&profile["Properties"]["Roles"])
            .iter()
            .filter_map(target)
        {
            out.push((role, vpc, id));
        }
    }
    out
}

/// Whether the identity policy of `holder` (a role's inline policy, or a policy resource
/// naming the role) is attached to `role`.
fn attached_to(cx: &Context, holder: &str, role: &str) -> bool {
    holder == role
        || cx.resource(holder).is_some_and(|r| {
            let p = props(r);
            list(&p["Roles"]).iter().any(|x| target(x) == Some(role))
                || target(&p["RoleName"]) == Some(role)
        })
}

/// Whether any identity policy attached to `role` allows `action`.
fn role_allows(cx: &Context, role: &str, action: &str) -> bool {
    cx.policies()
        .iter()
        .filter(|d| d.kind == PolicyKind::Identity && attached_to(cx, d.resource, role))
        .any(|d| d.statements.iter().any(|s| s.allow && s.mentions(action)))
}

fn endpoint_for_action(cx: &Context, action: &str, endpoint: &str) -> Vec<Violation> {
    compute_roles(cx)
        .into_iter()
        .filter(|(role, _, _)| role_allows(cx, role, action))
        .filter_map(|(role, vpc, compute)| {
            require(
                cx,
                vpc,
                &[endpoint],
                role,
                "",
                &format!("role `{role}` (used by `{compute}`) may call {action} but"),
            )
        })
        .collect()
}

/// The services a function's code calls itself, by IAM action prefix, and the endpoint
/// each needs in a private VPC.
const FUNCTION_SERVICES: &[(&str, &str)] = &[
    ("identitystore", "identitystore"),
    ("sagemaker", "sagemaker.api"),
    ("dynamodb", "dynamodb"),
    ("ssm", "ssm"),
    ("sts", "sts"),
    ("s3", "s3"),
    ("elasticfilesystem", "elasticfilesystem"),
    ("lambda", "lambda"),
    ("cloudwatch", "monitoring"),
];

/// Whether an identity policy attached to `role` allows an action of `service`.
fn role_allows_service(cx: &Context, role: &str, service: &str) -> bool {
    let prefix = format!("{service}:");
    cx.policies()
        .iter()
        .filter(|d| d.kind == PolicyKind::Identity && attached_to(cx, d.resource, role))
        .flat_map(|d| &d.statements)
        .filter(|s| s.allow && !s.not_action)
        .flat_map(|s| &s.actions)
        .any(|a| a.len() > prefix.len() && a[..prefix.len()].eq_ignore_ascii_case(&prefix))
}

fn function_endpoints(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::Lambda::Function")
        .filter_map(|(id, p)| {
            let subnet = list(&p["VpcConfig"]["SubnetIds"]).first()?;
            let vpc = vpc_of_placement(cx, subnet, &p["VpcConfig"]["SecurityGroupIds"])?;
            let role = target(&p["Role"])?;
            let needed: Vec<&str> = FUNCTION_SERVICES
                .iter()
                .filter(|(service, _)| role_allows_service(cx, role, service))
                .map(|(_, endpoint)| *endpoint)
                .collect();
            require(
                cx,
                vpc,
                &needed,
                id,
                "Properties.VpcConfig",
                &format!("the function (role `{role}`)"),
            )
        })
        .collect()
}

/// Every private VPC of a template with a CodeArtifact domain: the domain serves the
/// template's notebooks, wherever they run.
fn codeartifact_endpoints(cx: &Context) -> Vec<Violation> {
    let vpcs = all_vpcs(cx);
    cx.of_type("AWS::CodeArtifact::Domain")
        .flat_map(|(id, _)| {
            vpcs.iter().filter_map(move |vpc| {
                require(
                    cx,
                    vpc,
                    &["codeartifact.api", "codeartifact.repositories"],
                    id,
                    "Properties.DomainName",
                    "the CodeArtifact domain",
                )
            })
        })
        .collect()
}

/// One finding per VPC with an internet gateway, at the VPC when the template declares it
/// (so that `resource: network` suppresses it), naming the gateway and the NAT gateways;
/// and one per NAT gateway in a VPC without an internet gateway of this template.
fn internet_egress(cx: &Context) -> Vec<Violation> {
    let nat_gateways: Vec<(&str, Option<&str>)> = cx
        .of_type("AWS::EC2::NatGateway")
        .map(|(id, p)| {
            let vpc = target(&p["SubnetId"])
                .and_then(|s| cx.resource(s))
                .and_then(|s| vpc_key(&s["Properties"]["VpcId"]));
            (id, vpc)
        })
        .collect();
    let mut out = Vec::new();
    let mut named: BTreeSet<&str> = BTreeSet::new();
    for (id, p) in cx.of_type("AWS::EC2::VPCGatewayAttachment") {
        if p["InternetGatewayId"].is_null() {
            continue;
        }
        let Some(vpc) = vpc_key(&p["VpcId"]) else {
            continue;
        };
        let nats: Vec<&str> = nat_gateways
            .iter()
            .filter(|(_, v)| *v == Some(vpc))
            .map(|(n, _)| *n)
            .collect();
        named.extend(&nats);
        let through = if nats.is_empty() {
            String::new()
        } else {
            format!(
                ", its private subnets through NAT gateway(s) {}",
                nats.join(", ")
            )
        };
        let at = if cx.type_of(vpc) == Some("AWS::EC2::VPC") {
            vpc
        } else {
            id
        };
        out.push(Violation::at(
            at,
            "",
            format!("VPC `{vpc}` reaches the internet (gateway attachment `{id}`{through}): its workloads can send data anywhere, past the endpoint policies"),
        ));
    }
    for (nat, _) in nat_gateways.iter().filter(|(n, _)| !named.contains(n)) {
        out.push(Violation::at(
            nat,
            "",
            "NAT gateway: the subnets routed to it reach the internet, past the endpoint policies",
        ));
    }
    out
}

fn sts_endpoint(cx: &Context) -> Vec<Violation> {
    endpoint_for_action(cx, "sts:AssumeRole", "sts")
}

fn logs_endpoint(cx: &Context) -> Vec<Violation> {
    endpoint_for_action(cx, "logs:PutLogEvents", "logs")
}

fn ssm_endpoints(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::EC2::Instance") {
        let Some(vpc) = vpc_of_placement(cx, &p["SubnetId"], &p["SecurityGroupIds"]) else {
            continue;
        };
        let Some(profile) = target(&p["IamInstanceProfile"]).and_then(|pr| cx.resource(pr)) else {
            continue;
        };
        let roles: Vec<&Json> = list(&profile["Properties"]["Roles"])
            .iter()
            .filter_map(target)
            .filter_map(|role| cx.resource(role))
            .collect();
        let managed = roles.iter().any(|r| {
            list(&r["Properties"]["ManagedPolicyArns"])
                .iter()
                .any(|arn| managed_policy_arn_text(arn).ends_with("/AmazonSSMManagedInstanceCore"))
                || allows_action(&r["Properties"]["Policies"], |a| {
                    a.starts_with("ssmmessages:")
                })
        });
        if managed {
            // The agent itself decrypts KMS-encrypted sessions (Systems Manager, "Creating
            // VPC endpoints for Systems Manager": the `kms` endpoint serves KMS encryption
            // for Session Manager), so a role that allows it needs that endpoint too. Its
            // session logs are ENV-LOGS-ENDPOINT's, which judges every role that writes logs.
            let mut needed = vec!["ssm", "ssmmessages"];
            let decrypts = roles
                .iter()
                .any(|r| allows_action(&r["Properties"]["Policies"], |a| a == "kms:Decrypt"));
            if decrypts {
                needed.push("kms");
            }
            out.extend(require(
                cx,
                vpc,
                &needed,
                id,
                "Properties.SubnetId",
                "the SSM-managed instance",
            ));
        }
    }
    out
}

/// Whether inline policies allow an action `wanted` accepts: `ssmmessages:*` marks a role
/// made for Session Manager without the managed policy.
fn allows_action(policies: &Json, wanted: impl Fn(&str) -> bool) -> bool {
    list(policies).iter().any(|p| {
        list(&p["PolicyDocument"]["Statement"]).iter().any(|s| {
            let actions: Vec<&str> = match &s["Action"] {
                Json::String(a) => vec![a.as_str()],
                other => list(other).iter().filter_map(Json::as_str).collect(),
            };
            s["Effect"] == "Allow" && actions.iter().any(|a| wanted(a))
        })
    })
}

/// Whether `group` admits TCP `from..=to` from itself (inline or standalone rule).
fn admits_self(cx: &Context, group: &str, from: i64, to: i64) -> bool {
    let matches = |r: &Json, owner: Option<&str>| {
        owner == Some(group)
            && target(&r["SourceSecurityGroupId"]) == Some(group)
            && r["IpProtocol"]
                .as_str()
                .is_some_and(|p| p == "tcp" || p == "6" || p == "-1")
            && r["FromPort"].as_i64().is_some_and(|f| f <= from)
            && r["ToPort"].as_i64().is_some_and(|t| t >= to)
    };
    let inline = cx.resource(group).is_some_and(|g| {
        list(&g["Properties"]["SecurityGroupIngress"])
            .iter()
            .any(|r| matches(r, Some(group)))
    });
    inline
        || cx
            .of_type("AWS::EC2::SecurityGroupIngress")
            .any(|(_, p)| matches(p, target(&p["GroupId"])))
}

fn studio_sg_self_rules(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::SageMaker::Domain") {
        for group in list(&p["DefaultUserSettings"]["SecurityGroups"])
            .iter()
            .filter_map(target)
        {
            for (from, to, what) in [
                (2049, 2049, "NFS (TCP 2049)"),
                (8192, 65535, "TCP 8192-65535"),
            ] {
                if !admits_self(cx, group, from, to) {
                    out.push(Violation::at(
                        id,
                        "Properties.DefaultUserSettings.SecurityGroups",
                        format!("security group `{group}` does not admit {what} from itself"),
                    ));
                }
            }
        }
    }
    out
}

/// The domains a presigned-URL statement's resources point at.
fn domains_of<'a>(cx: &'a Context, resources: &[&'a Json]) -> Vec<&'a str> {
    let mut out = Vec::new();
    for r in resources {
        let mut targets: Vec<&str> = target(r).into_iter().collect();
        if let Some(text) = r.get("Fn::Sub").and_then(Json::as_str) {
            targets.extend(read::sub_variables(text).filter_map(|v| v.split('.').next()));
        }
        for t in targets {
            match cx.type_of(t) {
                Some("AWS::SageMaker::Domain") => out.push(t),
                Some("AWS::SageMaker::UserProfile") => {
                    if let Some(d) = cx
                        .resource(t)
                        .and_then(|p| target(&p["Properties"]["DomainId"]))
                    {
                        out.push(d);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

const PRESIGNED: &str = "sagemaker:CreatePresignedDomainUrl";

fn presigned_iam_domain(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (doc, s) in cx.identity_allows(PRESIGNED) {
        for domain in domains_of(cx, &s.resources) {
            let mode = cx.resource(domain).map(|d| &d["Properties"]["AuthMode"]);
            if mode.and_then(Json::as_str) != Some("IAM") {
                out.push(Violation::at(
                    doc.resource,
                    &format!("{}.Statement[{}]", doc.path, s.index),
                    format!(
                        "presigned URLs granted for domain `{domain}`, which is not in AuthMode IAM"
                    ),
                ));
            }
        }
    }
    out
}

fn presigned_through_endpoints(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (doc, s) in cx.identity_allows(PRESIGNED) {
        let services = source_vpce_services(cx, s);
        let missing: Vec<&str> = ["sagemaker.api", "studio"]
            .into_iter()
            .filter(|n| !services.contains(*n))
            .collect();
        if !missing.is_empty() {
            out.push(Violation::at(
                    doc.resource,
                    &format!("{}.Statement[{}]", doc.path, s.index),
                    format!("presigned URLs are not limited to the {} endpoint(s) by StringEquals aws:SourceVpce", missing.join(" and ")),
                ));
        }
    }
    out
}

/// The short service names of the endpoints a statement's `StringEquals aws:SourceVpce`
/// names.
fn source_vpce_services(cx: &Context, s: &super::Stmt) -> BTreeSet<String> {
    s.conditions()
        .iter()
        .filter(|c| c.operator == "StringEquals" && c.key.eq_ignore_ascii_case("aws:SourceVpce"))
        .flat_map(|c| c.values.clone())
        .filter_map(|v| {
            target(v)
                .and_then(|e| cx.resource(e))
                .and_then(|e| service_of(props(e)))
        })
        .collect()
}

const NOTEBOOK_URL: &str = "sagemaker:CreatePresignedNotebookInstanceUrl";

fn notebook_url_through_network(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (doc, s) in cx.identity_allows(NOTEBOOK_URL) {
        let from_ranges = s.conditions().iter().any(|c| {
            c.operator == "IpAddress"
                && c.key.eq_ignore_ascii_case("aws:SourceIp")
                && !c.values.is_empty()
        });
        if from_ranges {
            continue;
        }
        let services = source_vpce_services(cx, s);
        let missing: Vec<&str> = ["sagemaker.api", "notebook"]
            .into_iter()
            .filter(|n| !services.contains(*n))
            .collect();
        if !missing.is_empty() {
            out.push(Violation::at(
                doc.resource,
                &format!("{}.Statement[{}]", doc.path, s.index),
                format!(
                    "notebook URLs are not limited to the {} endpoint(s) by StringEquals aws:SourceVpce, nor to ranges by IpAddress aws:SourceIp",
                    missing.join(" and ")
                ),
            ));
        }
    }
    out
}

fn source_vpce_exists(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for doc in cx.policies() {
        for s in &doc.statements {
            for c in s
                .conditions()
                .iter()
                .filter(|c| c.key.eq_ignore_ascii_case("aws:SourceVpce"))
            {
                for v in &c.values {
                    let ok =
                        target(v).is_some_and(|t| cx.type_of(t) == Some("AWS::EC2::VPCEndpoint"));
                    if !ok {
                        out.push(Violation::at(
                            doc.resource,
                            &format!("{}.Statement[{}].Condition", doc.path, s.index),
                            format!("aws:SourceVpce value {v} is not an endpoint of this template"),
                        ));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_rule;
    use crate::json;
    use crate::template::json::Json as Value;

    fn endpoint(service: &str) -> Value {
        let name = if service == "studio" || service == "notebook" {
            format!("aws.sagemaker.${{AWS::Region}}.{service}")
        } else {
            format!("com.amazonaws.${{AWS::Region}}.{service}")
        };
        json!({"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "Vpc"}, "ServiceName": {"Fn::Sub": name}}})
    }

    /// A private VPC with the given endpoints and extra resources.
    fn env(services: &[&str], extra: Value) -> Value {
        let mut resources = json!({
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}
        });
        for s in services {
            let id = format!("{}Endpoint", s.replace('.', ""));
            resources[id] = endpoint(s);
        }
        for (k, v) in extra.as_object().unwrap() {
            resources[k] = v.clone();
        }
        json!({ "Resources": resources })
    }

    fn domain(auth: &str) -> Value {
        json!({"Type": "AWS::SageMaker::Domain", "Properties": {"AuthMode": auth, "AppNetworkAccessType": "VpcOnly", "VpcId": {"Ref": "Vpc"},
            "DefaultUserSettings": {"ExecutionRole": {"Fn::GetAtt": ["Role", "Arn"]}, "SecurityGroups": [{"Fn::GetAtt": ["Sg", "GroupId"]}]}}})
    }

    const STUDIO: &[&str] = &["sagemaker.api", "sagemaker.runtime", "studio", "s3"];

    #[test]
    fn studio_endpoints() {
        assert_rule(
            "ENV-STUDIO-ENDPOINTS",
            env(STUDIO, json!({"Domain": domain("IAM")})),
            env(&["sagemaker.api", "s3"], json!({"Domain": domain("IAM")})),
            "Resources.Domain.Properties.VpcId",
        );
        // With an internet gateway, endpoints are not required.
        assert_rule(
            "ENV-STUDIO-ENDPOINTS",
            env(
                &[],
                json!({"Domain": domain("IAM"), "Igw": {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": "igw-1"}}}),
            ),
            env(&[], json!({"Domain": domain("IAM")})),
            "Resources.Domain.Properties.VpcId",
        );
    }

    #[test]
    fn internet_egress() {
        let attachment = json!({"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Igw"}}});
        let nat = json!({"Type": "AWS::EC2::NatGateway", "Properties": {"SubnetId": {"Ref": "Subnet"}, "AllocationId": "eipalloc-1"}});
        assert_rule(
            "ENV-INTERNET-EGRESS",
            env(&["s3"], json!({})),
            env(&[], json!({"Attach": attachment, "Nat": nat})),
            "Resources.Vpc",
        );
        // A NAT gateway whose VPC has no internet gateway of this template is named itself.
        assert_rule(
            "ENV-INTERNET-EGRESS",
            env(&["s3"], json!({})),
            env(&[], json!({"Nat": nat})),
            "Resources.Nat",
        );
        // A VPN gateway is no route to the internet.
        let vpn = json!({"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {"VpcId": {"Ref": "Vpc"}, "VpnGatewayId": "vgw-1"}});
        assert_rule(
            "ENV-INTERNET-EGRESS",
            env(&[], json!({"Vpn": vpn})),
            env(&[], json!({"Attach": attachment})),
            "Resources.Vpc",
        );
    }

    /// An existing VPC: a parameter's `Ref` or a literal ID, subnets that are not
    /// resources of the template; compute is placed by its security group.
    #[test]
    fn existing_vpcs_are_judged_through_their_security_groups() {
        for vpc in [json!({"Ref": "VpcId"}), json!("vpc-0123456789abcdef0")] {
            let endpoint = |service: &str| {
                let mut e = endpoint(service);
                e["Properties"]["VpcId"] = vpc.clone();
                e
            };
            let sg = json!({"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "n", "VpcId": vpc}});
            let notebook = json!({"Type": "AWS::SageMaker::NotebookInstance", "Properties": {"DirectInternetAccess": "Disabled",
                "SubnetId": {"Fn::Select": [0, {"Ref": "PrivateSubnetIds"}]}, "SecurityGroupIds": [{"Fn::GetAtt": ["Sg", "GroupId"]}],
                "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}});
            let good = json!({"Resources": {"Sg": sg, "Nb": notebook, "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
                "Api": endpoint("sagemaker.api"), "Runtime": endpoint("sagemaker.runtime")}});
            let mut bad = good.clone();
            bad["Resources"]
                .as_object_mut()
                .unwrap()
                .shift_remove("Runtime");
            assert_rule(
                "ENV-NOTEBOOK-ENDPOINTS",
                good,
                bad,
                "Resources.Nb.Properties.SubnetId",
            );
            let domain =
                json!({"Type": "AWS::CodeArtifact::Domain", "Properties": {"DomainName": "team"}});
            let good = json!({"Resources": {"Sg": sg, "Packages": domain,
                "Api": endpoint("codeartifact.api"), "Repositories": endpoint("codeartifact.repositories")}});
            let mut bad = good.clone();
            bad["Resources"]
                .as_object_mut()
                .unwrap()
                .shift_remove("Api");
            assert_rule(
                "ENV-CODEARTIFACT-ENDPOINTS",
                good,
                bad,
                "Resources.Packages.Properties.DomainName",
            );
        }
    }

    #[test]
    fn codeartifact_endpoints() {
        let domain =
            json!({"Type": "AWS::CodeArtifact::Domain", "Properties": {"DomainName": "team"}});
        assert_rule(
            "ENV-CODEARTIFACT-ENDPOINTS",
            env(
                &["codeartifact.api", "codeartifact.repositories"],
                json!({"Packages": domain}),
            ),
            env(&["codeartifact.api"], json!({"Packages": domain})),
            "Resources.Packages.Properties.DomainName",
        );
        // Without a domain the endpoints are not required.
        assert_rule(
            "ENV-CODEARTIFACT-ENDPOINTS",
            env(&[], json!({})),
            env(&["codeartifact.repositories"], json!({"Packages": domain})),
            "Resources.Packages.Properties.DomainName",
        );
    }

    #[test]
    fn notebook_endpoints() {
        let notebook = json!({"Type": "AWS::SageMaker::NotebookInstance", "Properties": {"SubnetId": {"Ref": "Subnet"}, "DirectInternetAccess": "Disabled", "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}});
        assert_rule(
            "ENV-NOTEBOOK-ENDPOINTS",
            env(
                &["sagemaker.api", "sagemaker.runtime"],
                json!({"Nb": notebook}),
            ),
            env(&["sagemaker.api"], json!({"Nb": notebook})),
            "Resources.Nb.Properties.SubnetId",
        );
    }

    fn instance_with_ssm() -> Value {
        json!({
            "Profile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [{"Ref": "Role"}]}},
            "Host": {"Type": "AWS::EC2::Instance", "Properties": {"SubnetId": {"Ref": "Subnet"}, "IamInstanceProfile": {"Ref": "Profile"}}},
        })
    }

    #[test]
    fn ssm_endpoints() {
        let extra = instance_with_ssm();
        let with_policy = |mut t: Value| {
            t["Resources"]["Role"]["Properties"]["ManagedPolicyArns"] = json!([{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"}]);
            t
        };
        assert_rule(
            "ENV-SSM-ENDPOINTS",
            with_policy(env(&["ssm", "ssmmessages"], extra.clone())),
            with_policy(env(&["ssm"], extra.clone())),
            "Resources.Host.Properties.SubnetId",
        );
    }

    /// An agent-only role that decrypts sessions needs the kms endpoint as well (the
    /// studio-private bastion once had none).
    #[test]
    fn ssm_endpoints_for_encrypted_sessions() {
        let extra = instance_with_ssm();
        let with_agent_policy = |mut t: Value| {
            t["Resources"]["Role"]["Properties"]["Policies"] = json!([{"PolicyName": "Agent", "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": ["ssmmessages:OpenDataChannel"], "Resource": "*"},
                {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:eu-west-1:1:key/k"}
            ]}}]);
            t
        };
        assert_rule(
            "ENV-SSM-ENDPOINTS",
            with_agent_policy(env(&["ssm", "ssmmessages", "kms"], extra.clone())),
            with_agent_policy(env(&["ssm", "ssmmessages"], extra)),
            "Resources.Host.Properties.SubnetId",
        );
    }

    fn policy_on_role(action: &str) -> Value {
        json!({"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": [action], "Resource": "arn:aws:iam::1:role/x"}]}}})
    }

    #[test]
    fn sts_and_logs_endpoints_for_roles_of_private_compute() {
        let mut extra = instance_with_ssm();
        extra["Pol"] = policy_on_role("sts:AssumeRole");
        assert_rule(
            "ENV-STS-ENDPOINT",
            env(&["sts"], extra.clone()),
            env(&[], extra.clone()),
            "Resources.Role",
        );
        extra["Pol"] = policy_on_role("logs:PutLogEvents");
        assert_rule(
            "ENV-LOGS-ENDPOINT",
            env(&["logs"], extra.clone()),
            env(&[], extra),
            "Resources.Role",
        );
    }

    #[test]
    fn function_endpoints() {
        // The role may read the identity store and write logs: only the first needs an
        // endpoint (Lambda delivers the logs outside the VPC).
        let function = |role_actions: &[&str]| {
            json!({
                "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "VpcConfig": {"SubnetIds": [{"Ref": "Subnet"}], "SecurityGroupIds": ["sg-1"]}}},
                "Pol": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}],
                    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": role_actions,
                        "Resource": "arn:aws:identitystore::1:identitystore/d-1"}]}}}
            })
        };
        let reads = function(&["identitystore:DescribeUser", "logs:PutLogEvents"]);
        assert_rule(
            "ENV-FUNCTION-ENDPOINTS",
            env(&["identitystore"], reads.clone()),
            env(&["logs"], reads.clone()),
            "Resources.Fn.Properties.VpcConfig",
        );
        // Each service of the table needs its own endpoint, sagemaker its sagemaker.api.
        assert_rule(
            "ENV-FUNCTION-ENDPOINTS",
            env(
                &["sagemaker.api"],
                function(&["sagemaker:CreateUserProfile"]),
            ),
            env(
                &["sagemaker.runtime"],
                function(&["sagemaker:CreateUserProfile"]),
            ),
            "Resources.Fn.Properties.VpcConfig",
        );
        // Publishing metrics needs the monitoring endpoint.
        assert_rule(
            "ENV-FUNCTION-ENDPOINTS",
            env(&["monitoring"], function(&["cloudwatch:PutMetricData"])),
            env(&["logs"], function(&["cloudwatch:PutMetricData"])),
            "Resources.Fn.Properties.VpcConfig",
        );
        // A function outside a VPC, or in one with an internet gateway, needs none.
        let mut outside = reads.clone();
        outside["Fn"]["Properties"]
            .as_object_mut()
            .unwrap()
            .shift_remove("VpcConfig");
        let mut public = reads;
        public["Igw"] = json!({"Type": "AWS::EC2::VPCGatewayAttachment",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": "igw-1"}});
        for fine in [outside, public] {
            assert!(
                super::super::test_support::fire("ENV-FUNCTION-ENDPOINTS", env(&[], fine))
                    .is_empty()
            );
        }
    }

    #[test]
    fn studio_sg_self_rules() {
        let sg =
            json!({"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "s"}});
        let rule = |from: i64, to: i64| {
            json!({"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {"GroupId": {"Fn::GetAtt": ["Sg", "GroupId"]},
                "SourceSecurityGroupId": {"Fn::GetAtt": ["Sg", "GroupId"]}, "IpProtocol": "tcp", "FromPort": from, "ToPort": to}})
        };
        assert_rule(
            "ENV-STUDIO-SG-SELF-RULES",
            env(
                STUDIO,
                json!({"Domain": domain("IAM"), "Sg": sg, "Nfs": rule(2049, 2049), "Apps": rule(8192, 65535)}),
            ),
            env(
                STUDIO,
                json!({"Domain": domain("IAM"), "Sg": sg, "Apps": rule(8192, 65535)}),
            ),
            "Resources.Domain.Properties.DefaultUserSettings.SecurityGroups",
        );
    }

    fn presigned(condition: Value) -> Value {
        json!({"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": ["sagemaker:CreatePresignedDomainUrl"], "Resource": [{"Fn::GetAtt": ["Profile", "UserProfileArn"]}], "Condition": condition}]}}})
    }

    fn through_endpoints() -> Value {
        json!({"StringEquals": {"aws:SourceVpce": [{"Ref": "sagemakerapiEndpoint"}, {"Ref": "studioEndpoint"}]}})
    }

    fn profile() -> Value {
        json!({"Type": "AWS::SageMaker::UserProfile", "Properties": {"DomainId": {"Fn::GetAtt": ["Domain", "DomainId"]}, "UserProfileName": "u"}})
    }

    #[test]
    fn presigned_iam_domain() {
        assert_rule(
            "ENV-PRESIGNED-IAM-DOMAIN",
            env(
                STUDIO,
                json!({"Domain": domain("IAM"), "Profile": profile(), "Url": presigned(through_endpoints())}),
            ),
            env(
                STUDIO,
                json!({"Domain": domain("SSO"), "Profile": profile(), "Url": presigned(through_endpoints())}),
            ),
            "Resources.Url.Properties.PolicyDocument.Statement[0]",
        );
    }

    #[test]
    fn presigned_through_endpoints() {
        assert_rule(
            "ENV-PRESIGNED-THROUGH-ENDPOINTS",
            env(
                STUDIO,
                json!({"Domain": domain("IAM"), "Profile": profile(), "Url": presigned(through_endpoints())}),
            ),
            env(
                STUDIO,
                json!({"Domain": domain("IAM"), "Profile": profile(), "Url": presigned(json!({"StringEquals": {"aws:SourceVpce": [{"Ref": "sagemakerapiEndpoint"}]}}))}),
            ),
            "Resources.Url.Properties.PolicyDocument.Statement[0]",
        );
    }

    /// A group allowed the notebook URL under `condition` (none when null).
    fn notebook_url(condition: Value) -> Value {
        let mut statement = json!({"Effect": "Allow", "Action": ["sagemaker:CreatePresignedNotebookInstanceUrl"],
            "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:notebook-instance/nb"}]});
        if !condition.is_null() {
            statement["Condition"] = condition;
        }
        json!({"Type": "AWS::IAM::Group", "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [statement]}}]}})
    }

    #[test]
    fn notebook_url_through_network() {
        let notebook_endpoints = ["sagemaker.api", "notebook"];
        let through = json!({"StringEquals": {"aws:SourceVpce": [{"Ref": "sagemakerapiEndpoint"}, {"Ref": "notebookEndpoint"}]}});
        let location = "Resources.Team.Properties.Policies[0].PolicyDocument.Statement[0]";
        assert_rule(
            "ENV-NOTEBOOK-URL-THROUGH-NETWORK",
            env(
                &notebook_endpoints,
                json!({"Team": notebook_url(through.clone())}),
            ),
            env(
                &notebook_endpoints,
                json!({"Team": notebook_url(Value::Null)}),
            ),
            location,
        );
        // The API endpoint alone leaves the browser's connection unrestricted.
        assert_rule(
            "ENV-NOTEBOOK-URL-THROUGH-NETWORK",
            env(&notebook_endpoints, json!({"Team": notebook_url(through)})),
            env(
                &notebook_endpoints,
                json!({"Team": notebook_url(json!({"StringEquals": {"aws:SourceVpce": [{"Ref": "sagemakerapiEndpoint"}]}}))}),
            ),
            location,
        );
        // Public ranges instead of endpoints.
        assert_rule(
            "ENV-NOTEBOOK-URL-THROUGH-NETWORK",
            env(
                &[],
                json!({"Team": notebook_url(json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}))}),
            ),
            env(
                &[],
                json!({"Team": notebook_url(json!({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}))}),
            ),
            location,
        );
    }

    #[test]
    fn source_vpce_exists() {
        assert_rule(
            "ENV-SOURCEVPCE-ENDPOINT-EXISTS",
            env(
                STUDIO,
                json!({"Domain": domain("IAM"), "Profile": profile(), "Url": presigned(through_endpoints())}),
            ),
            env(
                STUDIO,
                json!({"Domain": domain("IAM"), "Profile": profile(), "Url": presigned(json!({"StringEquals": {"aws:SourceVpce": ["vpce-0abc"]}}))}),
            ),
            "Resources.Url.Properties.PolicyDocument.Statement[0].Condition",
        );
    }
}
