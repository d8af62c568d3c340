//! EC2 and VPC rules: security-group rules, instance hardening, flow logs, and endpoint
//! policies.

use crate::template::json::Json;

use super::completeness::service_of;
use super::policy::{PolicyKind, Stmt};
use super::{Context, Equivalents, Rule, Severity, Violation, list, target};
use crate::constructs::network::EndpointService;

pub static RULES: &[Rule] = &[
    Rule {
        id: "EC2-NO-OPEN-INGRESS",
        severity: Severity::Error,
        rationale: "An inbound rule from 0.0.0.0/0 or ::/0 exposes the group to the whole internet.",
        checks: "No inline or standalone ingress rule has CidrIp 0.0.0.0/0 or CidrIpv6 ::/0.",
        fix: "Admit the VPC CIDR or a source security group instead.",
        applies_to: &["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260"],
        },
        check: open_ingress,
    },
    Rule {
        id: "EC2-SG-RULE-DESCRIPTION",
        severity: Severity::Error,
        rationale: "A rule without a description cannot be reviewed: nobody knows why it is there.",
        checks: "Every inline and standalone ingress and egress rule has a non-empty Description.",
        fix: "Say what the rule is for in its Description.",
        applies_to: &[
            "AWS::EC2::SecurityGroup",
            "AWS::EC2::SecurityGroupIngress",
            "AWS::EC2::SecurityGroupEgress",
        ],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_23"],
        },
        check: rule_description,
    },
    Rule {
        id: "EC2-EBS-ENCRYPTED",
        severity: Severity::Error,
        rationale: "Unencrypted volumes leave data readable from snapshots and detached disks.",
        checks: "Instances map their root device with Ebs.Encrypted true; AWS::EC2::Volume has Encrypted true.",
        fix: "Add a BlockDeviceMapping for the root device with Ebs.Encrypted: true (the bastion construct does).",
        applies_to: &["AWS::EC2::Instance", "AWS::EC2::Volume"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_3"],
        },
        check: ebs_encrypted,
    },
    Rule {
        id: "EC2-EBS-CMK",
        severity: Severity::Error,
        rationale: "Volumes on the AWS-managed EBS key can be read by anyone in the account allowed to use EBS; a customer key's policy names who may.",
        checks: "Every EBS mapping of an instance and every AWS::EC2::Volume sets KmsKeyId.",
        fix: "Set Ebs.KmsKeyId to a customer-managed key used through EC2 (the bastion construct's VolumeKey).",
        applies_to: &["AWS::EC2::Instance", "AWS::EC2::Volume"],
        // checkov's CKV_AWS_3 (volumes) and CKV_AWS_8 (launch configurations) check
        // `Encrypted`, not which key: EC2-EBS-ENCRYPTED's equivalents, not this rule's.
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: ebs_cmk,
    },
    Rule {
        id: "EC2-IMDSV2",
        severity: Severity::Error,
        rationale: "IMDSv1 answers any request from the instance, which SSRF turns into stolen role credentials.",
        checks: "Instances have MetadataOptions.HttpTokens required.",
        fix: "Set MetadataOptions: { HttpTokens: required }.",
        applies_to: &["AWS::EC2::Instance"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_79"],
        },
        check: imdsv2,
    },
    Rule {
        id: "EC2-NO-PUBLIC-IP",
        severity: Severity::Error,
        rationale: "A public IP makes an instance reachable from outside the private network it is meant to live in.",
        checks: "No instance network interface sets AssociatePublicIpAddress true, and no instance's subnet sets MapPublicIpOnLaunch true.",
        fix: "Place the instance in a private subnet with MapPublicIpOnLaunch false; reach it through Session Manager.",
        applies_to: &["AWS::EC2::Instance", "AWS::EC2::Subnet"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_88"],
        },
        check: no_public_ip,
    },
    Rule {
        id: "EC2-VPC-FLOW-LOGS",
        severity: Severity::Warning,
        rationale: "Flow logs are the record of what talked to what inside the VPC.",
        checks: "Every VPC is the ResourceId of an AWS::EC2::FlowLog.",
        fix: "Leave `network.flow_logs` on (the default), or list the rule under `escalate` to make it an error.",
        applies_to: &["AWS::EC2::VPC"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: flow_logs,
    },
    Rule {
        id: "EC2-ENDPOINT-POLICY",
        severity: Severity::Error,
        rationale: "Without an endpoint policy AWS lets any principal through, so another account's credentials typed into a notebook carry data out through the stack's own endpoints.",
        checks: "Every AWS::EC2::VPCEndpoint of a service that takes endpoint policies (every known service but ssmmessages and ec2messages) has a PolicyDocument, and each of its Allow statements tests StringEquals aws:PrincipalAccount or aws:PrincipalOrgID, except s3:GetObject on the objects of ECR's image-layer bucket (prod-<region>-starport-layer-bucket), whose requests an ECR account signs, and of the Amazon Linux repository buckets (al2023-repos-<region>-de612dc2, amazonlinux-2-repos-<region>, amazonlinux.<region>.amazonaws.com), which dnf and yum read unsigned, and s3:PutObject on the objects of CloudFormation's custom-resource response bucket of the stack's region (cloudformation-custom-resource-response-<region without dashes>), whose presigned URLs CloudFormation signs.",
        fix: "Build the network with the network construct, which writes the policies; by hand, add StringEquals aws:PrincipalAccount = ${AWS::AccountId} (and aws:ResourceAccount) to every Allow.",
        applies_to: &["AWS::EC2::VPCEndpoint"],
        // checkov 3.3.30's CloudFormation checks look at endpoint services only
        // (CKV_AWS_123, AcceptanceRequired), cfn-lint's at private DNS: neither reads
        // an endpoint's policy.
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: endpoint_policy,
    },
];

/// (resource, path, rule) for every ingress rule, inline or standalone.
fn ingress_rules<'a>(cx: &'a Context) -> Vec<(&'a str, String, &'a Json)> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::EC2::SecurityGroup") {
        for (i, r) in list(&p["SecurityGroupIngress"]).iter().enumerate() {
            out.push((id, format!("Properties.SecurityGroupIngress[{i}]"), r));
        }
    }
    for (id, p) in cx.of_type("AWS::EC2::SecurityGroupIngress") {
        out.push((id, "Properties".to_string(), p));
    }
    out
}

fn open_ingress(cx: &Context) -> Vec<Violation> {
    ingress_rules(cx)
        .into_iter()
        .filter(|(_, _, r)| r["CidrIp"] == "0.0.0.0/0" || r["CidrIpv6"] == "::/0")
        .map(|(id, path, r)| {
            let cidr = r["CidrIp"]
                .as_str()
                .or(r["CidrIpv6"].as_str())
                .unwrap_or_default();
            Violation::at(id, &path, format!("inbound from {cidr}"))
        })
        .collect()
}

fn rule_description(cx: &Context) -> Vec<Violation> {
    let mut rules = ingress_rules(cx);
    for (id, p) in cx.of_type("AWS::EC2::SecurityGroup") {
        for (i, r) in list(&p["SecurityGroupEgress"]).iter().enumerate() {
            rules.push((id, format!("Properties.SecurityGroupEgress[{i}]"), r));
        }
    }
    for (id, p) in cx.of_type("AWS::EC2::SecurityGroupEgress") {
        rules.push((id, "Properties".to_string(), p));
    }
    rules
        .into_iter()
        .filter(|(_, _, r)| {
            r["Description"]
                .as_str()
                .is_none_or(|d| d.trim().is_empty())
        })
        .map(|(id, path, _)| Violation::at(id, &path, "security-group rule without a Description"))
        .collect()
}

fn ebs_encrypted(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::EC2::Instance") {
        let mappings = list(&p["BlockDeviceMappings"]);
        if mappings.is_empty() {
            out.push(Violation::at(
                id,
                "Properties.BlockDeviceMappings",
                "the root volume takes the AMI's (unencrypted) default: map it with Ebs.Encrypted true",
            ));
        }
        for (i, m) in mappings.iter().enumerate() {
            if m.get("Ebs").is_some() && m["Ebs"]["Encrypted"] != Json::Bool(true) {
                out.push(Violation::at(
                    id,
                    &format!("Properties.BlockDeviceMappings[{i}].Ebs"),
                    "unencrypted EBS volume",
                ));
            }
        }
    }
    for (id, p) in cx.of_type("AWS::EC2::Volume") {
        if p["Encrypted"] != Json::Bool(true) {
            out.push(Violation::at(
                id,
                "Properties.Encrypted",
                "unencrypted EBS volume",
            ));
        }
    }
    out
}

fn ebs_cmk(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::EC2::Instance") {
        for (i, m) in list(&p["BlockDeviceMappings"]).iter().enumerate() {
            if m.get("Ebs").is_some() && m["Ebs"]["KmsKeyId"].is_null() {
                out.push(Violation::at(
                    id,
                    &format!("Properties.BlockDeviceMappings[{i}].Ebs"),
                    "EBS volume on the AWS-managed key (no KmsKeyId)",
                ));
            }
        }
    }
    for (id, p) in cx.of_type("AWS::EC2::Volume") {
        if p["KmsKeyId"].is_null() {
            out.push(Violation::at(
                id,
                "Properties.KmsKeyId",
                "EBS volume on the AWS-managed key (no KmsKeyId)",
            ));
        }
    }
    out
}

fn imdsv2(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::EC2::Instance")
        .filter(|(_, p)| p["MetadataOptions"]["HttpTokens"] != "required")
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.MetadataOptions",
                "IMDSv2 is not required (HttpTokens)",
            )
        })
        .collect()
}

fn no_public_ip(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::EC2::Instance") {
        for (i, nic) in list(&p["NetworkInterfaces"]).iter().enumerate() {
            if nic["AssociatePublicIpAddress"] == Json::Bool(true) {
                out.push(Violation::at(
                    id,
                    &format!("Properties.NetworkInterfaces[{i}]"),
                    "the instance gets a public IP",
                ));
            }
        }
        let subnets = std::iter::once(&p["SubnetId"])
            .chain(list(&p["NetworkInterfaces"]).iter().map(|n| &n["SubnetId"]));
        for subnet in subnets.filter_map(target) {
            let maps_public = cx
                .resource(subnet)
                .is_some_and(|s| s["Properties"]["MapPublicIpOnLaunch"] == Json::Bool(true));
            if maps_public {
                out.push(Violation::at(
                    id,
                    "Properties.SubnetId",
                    format!("subnet `{subnet}` gives instances a public IP (MapPublicIpOnLaunch)"),
                ));
            }
        }
    }
    out
}

fn flow_logs(cx: &Context) -> Vec<Violation> {
    let logged: Vec<&str> = cx
        .of_type("AWS::EC2::FlowLog")
        .filter_map(|(_, p)| target(&p["ResourceId"]))
        .collect();
    cx.of_type("AWS::EC2::VPC")
        .filter(|(id, _)| !logged.contains(id))
        .map(|(id, _)| Violation::at(id, "", "the VPC has no flow log"))
        .collect()
}

fn endpoint_policy(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::EC2::VPCEndpoint") {
        let takes_policy = service_of(p)
            .and_then(|name| EndpointService::from_short_name(&name))
            .is_some_and(EndpointService::supports_policy);
        if !takes_policy {
            continue;
        }
        let Some(doc) = cx
            .policies()
            .iter()
            .find(|d| d.kind == PolicyKind::Endpoint && d.resource == id)
        else {
            out.push(Violation::at(
                id,
                "Properties.PolicyDocument",
                "no endpoint policy: AWS's default admits every principal, other accounts' included",
            ));
            continue;
        };
        for s in doc.statements.iter().filter(|s| s.allow) {
            if !names_trusted_principal(s)
                && !reads_aws_owned_objects(s)
                && !answers_cloudformation(s)
                && !only_own_resources(s)
            {
                out.push(Violation::at(
                    id,
                    &format!("{}.Statement[{}]", doc.path, s.index),
                    "Allow without StringEquals aws:PrincipalAccount or aws:PrincipalOrgID admits other accounts' credentials",
                ));
            }
        }
    }
    out
}

/// `StringEquals` on the principal's account or organization, with values (IAM refuses
/// wildcards in these keys, and a `*` would admit everyone).
fn names_trusted_principal(s: &Stmt) -> bool {
    s.conditions().iter().any(|c| {
        c.operator == "StringEquals"
            && (c.key.eq_ignore_ascii_case("aws:PrincipalAccount")
                || c.key.eq_ignore_ascii_case("aws:PrincipalOrgID"))
            && !c.values.is_empty()
            && c.values
                .iter()
                .all(|v| v.as_str().is_none_or(|t| !t.contains(['*', '?'])))
    })
}

/// Every resource an ARN of this account (`…:${AWS::AccountId}:…` in the account field,
/// nothing wild before it): a request on this account's resources carries nothing to
/// another account's, whoever signs it. SageMaker documents the Studio endpoint's policy
/// this way (`sagemaker:CreateApp` on the domain's apps, any principal), because Studio's
/// browser traffic is not signed by an IAM principal of ours.
fn only_own_resources(s: &Stmt) -> bool {
    let own = |r: &Json| {
        let Some(text) = r.get("Fn::Sub").and_then(Json::as_str) else {
            return false;
        };
        // Pseudo parameters hold `::`; stand-ins keep the ARN's fields apart.
        let text = text
            .replace("${AWS::Partition}", "partition")
            .replace("${AWS::Region}", "region")
            .replace("${AWS::AccountId}", "${account}");
        let fields: Vec<&str> = text.splitn(6, ':').collect();
        fields.len() == 6
            && fields[0] == "arn"
            && fields[4] == "${account}"
            && fields[..4].iter().all(|f| !f.contains(['*', '?']))
            && !fields[5].is_empty()
            && !fields[5].starts_with('*')
    };
    !s.not_action
        && !s.not_resource
        && !s.actions.is_empty()
        && !s.actions.iter().any(|a| a.contains('*'))
        && !s.resources.is_empty()
        && s.resources.iter().all(|r| own(r))
}

/// `s3:GetObject` on objects of AWS's buckets that requests reach unsigned by us only:
/// ECR's layer bucket (image pulls fetch layers with URLs an ECR account signs) and the
/// Amazon Linux repositories (dnf and yum read them anonymously). No test on our
/// principal can admit them, and reading AWS's buckets carries nothing out. The region
/// part must be one region (no wildcard), so no other bucket matches.
fn reads_aws_owned_objects(s: &Stmt) -> bool {
    let layer_objects = |r: &Json| {
        let text = r.as_str().or_else(|| {
            let sub = r.get("Fn::Sub")?;
            sub.as_str().or_else(|| sub.get(0)?.as_str())
        });
        let Some((_, path)) = text.and_then(|t| t.split_once(":s3:::")) else {
            return false;
        };
        let Some((bucket, _)) = path.split_once('/') else {
            return false;
        };
        AWS_OWNED_BUCKETS.iter().any(|(prefix, suffix)| {
            bucket
                .strip_prefix(prefix)
                .and_then(|b| b.strip_suffix(suffix))
                .is_some_and(is_one_region)
        })
    };
    !s.not_action
        && !s.not_resource
        && !s.actions.is_empty()
        && s.actions
            .iter()
            .all(|a| a.eq_ignore_ascii_case("s3:GetObject"))
        && !s.resources.is_empty()
        && s.resources.iter().all(|r| layer_objects(r))
}

/// `s3:PutObject` on objects of CloudFormation's custom-resource response bucket of the
/// stack's region only (`cloudformation-custom-resource-response-` and the region without
/// dashes, `Fn::Join` of `Fn::Split` of `AWS::Region`, bound in the `Fn::Sub`): a custom
/// resource in the VPC answers through a URL CloudFormation signs. A bucket name with a
/// wildcard is refused: anyone may register `cloudformation-custom-resource-response-x`.
fn answers_cloudformation(s: &Stmt) -> bool {
    let response_objects = |r: &Json| {
        let Some([text, vars]) = r
            .get("Fn::Sub")
            .and_then(Json::as_array)
            .and_then(|a| <&[Json; 2]>::try_from(a.as_slice()).ok())
        else {
            return false;
        };
        let Some(text) = text.as_str() else {
            return false;
        };
        let Some(var) = text
            .strip_prefix("arn:${AWS::Partition}:s3:::cloudformation-custom-resource-response-${")
            .and_then(|t| t.strip_suffix("}/*"))
        else {
            return false;
        };
        vars.get(var)
            == Some(&crate::json!({"Fn::Join": ["", {"Fn::Split": ["-", {"Ref": "AWS::Region"}]}]}))
    };
    !s.not_action
        && !s.not_resource
        && !s.actions.is_empty()
        && s.actions
            .iter()
            .all(|a| a.eq_ignore_ascii_case("s3:PutObject"))
        && !s.resources.is_empty()
        && s.resources.iter().all(|r| response_objects(r))
}

/// `${AWS::Region}`, or a region name such as `eu-west-1` or `us-gov-east-1`: letters,
/// hyphen-separated words, a final number. Nothing else may stand between an AWS
/// bucket's prefix and suffix, or someone's `amazonlinux-2-repos-mine` would pass.
fn is_one_region(region: &str) -> bool {
    if region == "${AWS::Region}" {
        return true;
    }
    let words: Vec<&str> = region.split('-').collect();
    words.len() >= 3
        && words[..words.len() - 1]
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && words[words.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !words[words.len() - 1].is_empty()
}

/// AWS's buckets as prefix and suffix around the region: ECR's image layers, the AL2023
/// repositories and Amazon Linux 2's repositories and mirror list.
const AWS_OWNED_BUCKETS: [(&str, &str); 4] = [
    ("prod-", "-starport-layer-bucket"),
    ("al2023-repos-", "-de612dc2"),
    ("amazonlinux-2-repos-", ""),
    ("amazonlinux.", ".amazonaws.com"),
];

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_rule, fire};
    use crate::json;
    use crate::template::json::Json as Value;

    fn sg(ingress: Value) -> Value {
        json!({"Resources": {"G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g", "SecurityGroupIngress": [ingress],
            "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0", "Description": "https"}]}}}})
    }

    #[test]
    fn open_ingress_and_descriptions() {
        assert_rule(
            "EC2-NO-OPEN-INGRESS",
            sg(
                json!({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/16", "Description": "d"}),
            ),
            sg(
                json!({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv6": "::/0", "Description": "d"}),
            ),
            "Resources.G.Properties.SecurityGroupIngress[0]",
        );
        assert_rule(
            "EC2-SG-RULE-DESCRIPTION",
            sg(
                json!({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/16", "Description": "d"}),
            ),
            sg(
                json!({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/16"}),
            ),
            "Resources.G.Properties.SecurityGroupIngress[0]",
        );
        let standalone = |d: Value| json!({"Resources": {"E": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {"GroupId": "sg-1", "IpProtocol": "tcp", "Description": d}}}});
        assert_rule(
            "EC2-SG-RULE-DESCRIPTION",
            standalone(json!("ok")),
            standalone(json!(" ")),
            "Resources.E.Properties",
        );
    }

    fn instance(props: Value, map_public: bool) -> Value {
        json!({"Resources": {
            "S": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": "vpc-1", "MapPublicIpOnLaunch": map_public}},
            "I": {"Type": "AWS::EC2::Instance", "Properties": props}
        }})
    }

    fn hardened() -> Value {
        json!({"SubnetId": {"Ref": "S"}, "MetadataOptions": {"HttpTokens": "required"},
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": true}}]})
    }

    #[test]
    fn instance_rules() {
        let mut plain_ebs = hardened();
        plain_ebs["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] = json!(false);
        assert_rule(
            "EC2-EBS-ENCRYPTED",
            instance(hardened(), false),
            instance(plain_ebs, false),
            "Resources.I.Properties.BlockDeviceMappings[0].Ebs",
        );
        let mut no_mapping = hardened();
        no_mapping
            .as_object_mut()
            .unwrap()
            .shift_remove("BlockDeviceMappings");
        assert_rule(
            "EC2-EBS-ENCRYPTED",
            instance(hardened(), false),
            instance(no_mapping, false),
            "Resources.I.Properties.BlockDeviceMappings",
        );
        let mut cmk = hardened();
        cmk["BlockDeviceMappings"][0]["Ebs"]["KmsKeyId"] = json!({"Fn::GetAtt": ["K", "Arn"]});
        assert_rule(
            "EC2-EBS-CMK",
            instance(cmk, false),
            instance(hardened(), false),
            "Resources.I.Properties.BlockDeviceMappings[0].Ebs",
        );
        let mut v1 = hardened();
        v1["MetadataOptions"]["HttpTokens"] = json!("optional");
        assert_rule(
            "EC2-IMDSV2",
            instance(hardened(), false),
            instance(v1, false),
            "Resources.I.Properties.MetadataOptions",
        );
        assert_rule(
            "EC2-NO-PUBLIC-IP",
            instance(hardened(), false),
            instance(hardened(), true),
            "Resources.I.Properties.SubnetId",
        );
        let mut nic = hardened();
        nic["NetworkInterfaces"] = json!([{"DeviceIndex": "0", "AssociatePublicIpAddress": true}]);
        assert_rule(
            "EC2-NO-PUBLIC-IP",
            instance(hardened(), false),
            instance(nic, false),
            "Resources.I.Properties.NetworkInterfaces[0]",
        );
    }

    fn endpoint(service: &str, policy: Option<Value>) -> Value {
        let mut props = json!({"VpcId": "vpc-1", "ServiceName": {"Fn::Sub": service}});
        if let Some(policy) = policy {
            props["PolicyDocument"] = policy;
        }
        json!({"Resources": {"E": {"Type": "AWS::EC2::VPCEndpoint", "Properties": props}}})
    }

    fn policy(statements: Value) -> Option<Value> {
        Some(json!({"Version": "2012-10-17", "Statement": statements}))
    }

    fn trusted(condition: Value) -> Value {
        json!({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["*"], "Resource": ["*"], "Condition": condition})
    }

    /// Studio's documented policy names no principal but only this account's apps; the
    /// same statement on apps of any account, or on every action, is refused.
    #[test]
    fn endpoint_policy_on_own_resources_needs_no_principal_test() {
        const STUDIO: &str = "aws.sagemaker.${AWS::Region}.studio";
        let apps = |account: &str, action: &str| {
            json!({"Effect": "Allow", "Principal": "*", "Action": [action],
                "Resource": [{"Fn::Sub": format!("arn:${{AWS::Partition}}:sagemaker:${{AWS::Region}}:{account}:app/*")}]})
        };
        let own = apps("${AWS::AccountId}", "sagemaker:CreateApp");
        for bad in [
            apps("*", "sagemaker:CreateApp"),
            apps("${AWS::AccountId}", "sagemaker:*"),
        ] {
            assert_rule(
                "EC2-ENDPOINT-POLICY",
                endpoint(STUDIO, policy(json!([own.clone()]))),
                endpoint(STUDIO, policy(json!([bad]))),
                "Resources.E.Properties.PolicyDocument.Statement[0]",
            );
        }
    }

    const LOGS: &str = "com.amazonaws.${AWS::Region}.logs";
    const S3: &str = "com.amazonaws.${AWS::Region}.s3";

    #[test]
    fn endpoint_policy_names_the_trusted_principal() {
        let account = json!({"StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"},
            "aws:ResourceAccount": {"Ref": "AWS::AccountId"}}});
        // Dropping the policy leaves AWS's default, which admits everyone.
        assert_rule(
            "EC2-ENDPOINT-POLICY",
            endpoint(LOGS, policy(json!([trusted(account.clone())]))),
            endpoint(LOGS, None),
            "Resources.E.Properties.PolicyDocument",
        );
        // A policy that tests only the resource admits other accounts' credentials.
        assert_rule(
            "EC2-ENDPOINT-POLICY",
            endpoint(LOGS, policy(json!([trusted(account.clone())]))),
            endpoint(
                LOGS,
                policy(json!([trusted(
                    json!({"StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}})
                )])),
            ),
            "Resources.E.Properties.PolicyDocument.Statement[0]",
        );
        // IfExists passes requests without the key; a wildcard value passes everyone.
        assert_rule(
            "EC2-ENDPOINT-POLICY",
            endpoint(
                LOGS,
                policy(json!([trusted(
                    json!({"StringEquals": {"aws:PrincipalOrgID": "o-abcde12345"}})
                )])),
            ),
            endpoint(
                LOGS,
                policy(json!([trusted(
                    json!({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abcde12345"}})
                )])),
            ),
            "Resources.E.Properties.PolicyDocument.Statement[0]",
        );
        assert_rule(
            "EC2-ENDPOINT-POLICY",
            endpoint(LOGS, policy(json!([trusted(account.clone())]))),
            endpoint(
                LOGS,
                policy(json!([trusted(
                    json!({"StringEquals": {"aws:PrincipalAccount": "*"}})
                )])),
            ),
            "Resources.E.Properties.PolicyDocument.Statement[0]",
        );
        // Services without endpoint-policy support are not asked for one.
        assert!(
            fire(
                "EC2-ENDPOINT-POLICY",
                endpoint("com.amazonaws.${AWS::Region}.ssmmessages", None)
            )
            .is_empty()
        );
        assert!(
            !fire(
                "EC2-ENDPOINT-POLICY",
                endpoint("aws.sagemaker.${AWS::Region}.studio", None)
            )
            .is_empty()
        );
    }

    #[test]
    fn only_ecr_layer_reads_skip_the_principal_test() {
        let layers = |action: &str, bucket: &str| {
            json!({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": [action],
                "Resource": [{"Fn::Sub": format!("arn:${{AWS::Partition}}:s3:::{bucket}/*")}]})
        };
        let account =
            trusted(json!({"StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}}));
        let with = |extra: Value| endpoint(S3, policy(json!([account.clone(), extra])));
        let at = "Resources.E.Properties.PolicyDocument.Statement[1]";
        let ecr = "prod-${AWS::Region}-starport-layer-bucket";
        assert_rule(
            "EC2-ENDPOINT-POLICY",
            with(layers("s3:GetObject", ecr)),
            with(layers("s3:PutObject", ecr)),
            at,
        );
        assert_rule(
            "EC2-ENDPOINT-POLICY",
            with(layers("s3:GetObject", ecr)),
            with(layers("s3:GetObject", "their-bucket")),
            at,
        );
        assert_rule(
            "EC2-ENDPOINT-POLICY",
            with(layers("s3:GetObject", ecr)),
            with(layers("s3:GetObject", "prod-*-starport-layer-bucket")),
            at,
        );
        for repos in [
            "al2023-repos-eu-west-1-de612dc2",
            "amazonlinux-2-repos-us-gov-east-1",
            "al2023-repos-${AWS::Region}-de612dc2",
            "amazonlinux-2-repos-${AWS::Region}",
            "amazonlinux.${AWS::Region}.amazonaws.com",
        ] {
            assert_rule(
                "EC2-ENDPOINT-POLICY",
                with(layers("s3:GetObject", repos)),
                with(layers("s3:PutObject", repos)),
                at,
            );
        }
        for lookalike in [
            "al2023-repos-*-de612dc2",
            "amazonlinux-2-repos-*",
            "amazonlinux-2-repos-",
            "al2023-repos-x-other",
            "amazonlinux-2-repos-mine",
        ] {
            assert_rule(
                "EC2-ENDPOINT-POLICY",
                with(layers("s3:GetObject", "amazonlinux-2-repos-${AWS::Region}")),
                with(layers("s3:GetObject", lookalike)),
                at,
            );
        }
    }

    #[test]
    fn only_cloudformation_responses_of_this_region_skip_the_principal_test() {
        let region_without_dashes =
            json!({"Fn::Join": ["", {"Fn::Split": ["-", {"Ref": "AWS::Region"}]}]});
        let put = |action: &str, bucket: &str, var: Value| {
            json!({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": [action],
                "Resource": [{"Fn::Sub": [format!("arn:${{AWS::Partition}}:s3:::{bucket}/*"), {"Var1": var}]}]})
        };
        let account =
            trusted(json!({"StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}}));
        let with = |extra: Value| endpoint(S3, policy(json!([account.clone(), extra])));
        let at = "Resources.E.Properties.PolicyDocument.Statement[1]";
        let bucket = "cloudformation-custom-resource-response-${Var1}";
        let good = with(put("s3:PutObject", bucket, region_without_dashes.clone()));
        assert_rule(
            "EC2-ENDPOINT-POLICY",
            good.clone(),
            with(put("s3:GetObject", bucket, region_without_dashes.clone())),
            at,
        );
        assert_rule(
            "EC2-ENDPOINT-POLICY",
            good.clone(),
            with(put(
                "s3:PutObject",
                "cloudformation-custom-resource-response-*",
                region_without_dashes.clone(),
            )),
            at,
        );
        assert_rule(
            "EC2-ENDPOINT-POLICY",
            good,
            with(put("s3:PutObject", bucket, json!("evil"))),
            at,
        );
    }

    #[test]
    fn flow_logs() {
        let vpc = json!({"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}});
        assert_rule(
            "EC2-VPC-FLOW-LOGS",
            json!({"Resources": {"V": vpc, "F": {"Type": "AWS::EC2::FlowLog", "Properties": {"ResourceId": {"Ref": "V"}, "ResourceType": "VPC"}}}}),
            json!({"Resources": {"V": vpc}}),
            "Resources.V",
        );
    }
}
