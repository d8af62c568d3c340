//! Security-relevant properties of each construct, asserted on the emitted template of
//! the shipped studio-private definition (and a Linux-bastion variant).

mod support;

use serde_json::{Value as Json, json};
use support::stacks;

fn of_type<'a>(t: &'a Json, kind: &str) -> Vec<(&'a String, &'a Json)> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .collect()
}

fn props<'a>(t: &'a Json, id: &str) -> &'a Json {
    let p = &t["Resources"][id]["Properties"];
    assert!(p.is_object(), "no resource {id}");
    p
}

fn getatt(id: &str, attr: &str) -> Json {
    json!({"Fn::GetAtt": [id, attr]})
}

#[test]
fn network_is_private_with_dns_and_subnets_in_distinct_azs() {
    let t = stacks::shipped_template("studio-private");
    let vpc = props(&t, "Vpc");
    assert_eq!(vpc["EnableDnsSupport"], true);
    assert_eq!(vpc["EnableDnsHostnames"], true);
    for forbidden in [
        "AWS::EC2::InternetGateway",
        "AWS::EC2::NatGateway",
        "AWS::EC2::Route",
        "AWS::EC2::EIP",
    ] {
        assert!(
            of_type(&t, forbidden).is_empty(),
            "{forbidden} in a private network"
        );
    }
    let subnets = of_type(&t, "AWS::EC2::Subnet");
    assert!(subnets.len() >= 2);
    let azs: Vec<&Json> = subnets
        .iter()
        .map(|(_, s)| &s["Properties"]["AvailabilityZone"])
        .collect();
    for (i, az) in azs.iter().enumerate() {
        assert_eq!(**az, json!({"Fn::Select": [i, {"Fn::GetAZs": ""}]}));
    }
    for (_, s) in &subnets {
        assert_eq!(s["Properties"]["MapPublicIpOnLaunch"], false);
    }
    let cidrs: Vec<&str> = subnets
        .iter()
        .map(|(_, s)| s["Properties"]["CidrBlock"].as_str().unwrap())
        .collect();
    assert_eq!(cidrs, vec!["10.20.0.0/20", "10.20.16.0/20"]);
}

#[test]
fn endpoints_have_the_right_service_names_and_private_dns() {
    let t = stacks::shipped_template("studio-private");
    let expected = [
        (
            "S3GatewayEndpoint",
            "com.amazonaws.${AWS::Region}.s3",
            "Gateway",
        ),
        (
            "SageMakerApiEndpoint",
            "com.amazonaws.${AWS::Region}.sagemaker.api",
            "Interface",
        ),
        (
            "SageMakerRuntimeEndpoint",
            "com.amazonaws.${AWS::Region}.sagemaker.runtime",
            "Interface",
        ),
        (
            "SageMakerStudioEndpoint",
            "aws.sagemaker.${AWS::Region}.studio",
            "Interface",
        ),
        (
            "StsEndpoint",
            "com.amazonaws.${AWS::Region}.sts",
            "Interface",
        ),
        (
            "LogsEndpoint",
            "com.amazonaws.${AWS::Region}.logs",
            "Interface",
        ),
        (
            "SsmEndpoint",
            "com.amazonaws.${AWS::Region}.ssm",
            "Interface",
        ),
        (
            "KmsEndpoint",
            "com.amazonaws.${AWS::Region}.kms",
            "Interface",
        ),
        (
            "SsmMessagesEndpoint",
            "com.amazonaws.${AWS::Region}.ssmmessages",
            "Interface",
        ),
        (
            "Ec2MessagesEndpoint",
            "com.amazonaws.${AWS::Region}.ec2messages",
            "Interface",
        ),
        (
            "ElasticFileSystemEndpoint",
            "com.amazonaws.${AWS::Region}.elasticfilesystem",
            "Interface",
        ),
        (
            "LambdaEndpoint",
            "com.amazonaws.${AWS::Region}.lambda",
            "Interface",
        ),
        (
            "Ec2Endpoint",
            "com.amazonaws.${AWS::Region}.ec2",
            "Interface",
        ),
    ];
    assert_eq!(of_type(&t, "AWS::EC2::VPCEndpoint").len(), expected.len());
    let all_subnets = json!([{"Ref": "PrivateSubnetAz1"}, {"Ref": "PrivateSubnetAz2"}]);
    for (id, service, kind) in expected {
        let p = props(&t, id);
        assert_eq!(p["ServiceName"], json!({"Fn::Sub": service}), "{id}");
        assert_eq!(p["VpcEndpointType"], kind, "{id}");
        if kind == "Interface" {
            assert_eq!(p["PrivateDnsEnabled"], true, "{id}");
            assert_eq!(p["SubnetIds"], all_subnets, "{id}");
            assert_eq!(
                p["SecurityGroupIds"],
                json!([getatt("EndpointSecurityGroup", "GroupId")])
            );
        } else {
            assert_eq!(
                p["RouteTableIds"],
                json!([{"Ref": "PrivateRouteTableAz1"}, {"Ref": "PrivateRouteTableAz2"}])
            );
        }
    }
}

#[test]
fn security_groups_allow_only_what_each_role_needs() {
    let t = stacks::shipped_template("studio-private");
    // Endpoints: HTTPS from the VPC only.
    let endpoint_sg = props(&t, "EndpointSecurityGroup");
    assert_eq!(
        endpoint_sg["SecurityGroupIngress"],
        json!([{"CidrIp": "10.20.0.0/16", "Description": "HTTPS from the VPC to the endpoints", "FromPort": 443, "IpProtocol": "tcp", "ToPort": 443}])
    );
    // Bastion: no inbound rule at all, inline or standalone.
    assert!(
        props(&t, "BastionSecurityGroup")
            .get("SecurityGroupIngress")
            .is_none()
    );
    // Studio: no inline inbound; standalone rules from itself only, NFS and 8192-65535.
    assert!(
        props(&t, "StudioSecurityGroup")
            .get("SecurityGroupIngress")
            .is_none()
    );
    let mut studio_ports = Vec::new();
    for (id, rule) in of_type(&t, "AWS::EC2::SecurityGroupIngress") {
        let p = &rule["Properties"];
        assert_eq!(
            p["GroupId"],
            getatt("StudioSecurityGroup", "GroupId"),
            "{id}"
        );
        assert_eq!(
            p["SourceSecurityGroupId"],
            getatt("StudioSecurityGroup", "GroupId"),
            "{id}"
        );
        assert!(p.get("CidrIp").is_none());
        studio_ports.push((
            p["FromPort"].as_i64().unwrap(),
            p["ToPort"].as_i64().unwrap(),
        ));
    }
    studio_ports.sort();
    assert_eq!(studio_ports, vec![(2049, 2049), (8192, 65535)]);
    // Every rule, inline or standalone, has a Description; no inbound rule is open to the world.
    for (id, r) in t["Resources"].as_object().unwrap() {
        let p = &r["Properties"];
        let mut rules: Vec<&Json> = Vec::new();
        match r["Type"].as_str().unwrap() {
            "AWS::EC2::SecurityGroup" => {
                for key in ["SecurityGroupIngress", "SecurityGroupEgress"] {
                    rules.extend(p.get(key).and_then(Json::as_array).into_iter().flatten());
                }
                for rule in p
                    .get("SecurityGroupIngress")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                {
                    assert_ne!(rule["CidrIp"], "0.0.0.0/0", "{id}");
                }
            }
            "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => rules.push(p),
            _ => {}
        }
        for rule in rules {
            assert!(
                rule["Description"].as_str().is_some_and(|d| !d.is_empty()),
                "{id}: {rule}"
            );
        }
    }
}

#[test]
fn domain_is_iam_vpc_only_and_encrypted_with_a_rotating_key() {
    let t = stacks::shipped_template("studio-private");
    let d = props(&t, "StudioDomain");
    assert_eq!(d["AuthMode"], "IAM");
    assert_eq!(d["AppNetworkAccessType"], "VpcOnly");
    assert_eq!(d["KmsKeyId"], getatt("StudioKey", "Arn"));
    assert_eq!(
        d["DefaultUserSettings"]["SecurityGroups"],
        json!([getatt("StudioSecurityGroup", "GroupId")])
    );
    assert_eq!(
        d["DefaultUserSettings"]["ExecutionRole"],
        getatt("StudioExecutionRole", "Arn")
    );
    assert_eq!(
        d["SubnetIds"],
        json!([{"Ref": "PrivateSubnetAz1"}, {"Ref": "PrivateSubnetAz2"}])
    );
    let key = props(&t, "StudioKey");
    assert_eq!(key["EnableKeyRotation"], true);
    // The key policy never allows kms:* and data use is only through the two services.
    let statements = key["KeyPolicy"]["Statement"].as_array().unwrap();
    for s in statements {
        for a in s["Action"].as_array().unwrap() {
            assert!(!a.as_str().unwrap().ends_with(":*"), "{a}");
        }
    }
    let use_statement = statements
        .iter()
        .find(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .contains(&json!("kms:Decrypt"))
        })
        .unwrap();
    assert!(use_statement["Condition"]["StringEquals"]["kms:ViaService"].is_array());
    let profiles: Vec<&str> = of_type(&t, "AWS::SageMaker::UserProfile")
        .iter()
        .map(|(_, p)| p["Properties"]["UserProfileName"].as_str().unwrap())
        .collect();
    assert_eq!(profiles, vec!["data-scientist-1", "data-scientist-2"]);
}

#[test]
fn bastion_is_private_imdsv2_encrypted_and_ssm_managed() {
    let t = stacks::shipped_template("studio-private");
    let b = props(&t, "Bastion");
    assert_eq!(b["MetadataOptions"]["HttpTokens"], "required");
    let ebs = &b["BlockDeviceMappings"][0]["Ebs"];
    assert_eq!(ebs["Encrypted"], true);
    assert_eq!(b["BlockDeviceMappings"][0]["DeviceName"], "/dev/sda1");
    assert_eq!(b["ImageId"], json!({"Ref": "BastionImageId"}));
    assert!(
        b.get("NetworkInterfaces").is_none(),
        "no interface that could carry a public IP"
    );
    assert_eq!(b["SubnetId"], json!({"Ref": "PrivateSubnetAz1"}));
    assert_eq!(
        t["Parameters"]["BastionImageId"]["Default"],
        "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"
    );
    assert_eq!(
        ebs["KmsKeyId"],
        json!({"Fn::GetAtt": ["BastionVolumeKey", "Arn"]})
    );
    let role = props(&t, "BastionRole");
    assert!(
        role.get("ManagedPolicyArns").is_none(),
        "no AmazonSSMManagedInstanceCore: it reads every parameter of the account"
    );
    assert_eq!(role["Policies"][0]["PolicyName"], "SessionManagerAgent");
    assert_eq!(
        props(&t, "BastionInstanceProfile")["Roles"],
        json!([{"Ref": "BastionRole"}])
    );

    let linux = stacks::template(
        "studio-private",
        &stacks::definition("studio-private").replace("os: windows", "os: linux"),
    );
    assert_eq!(
        props(&linux, "Bastion")["BlockDeviceMappings"][0]["DeviceName"],
        "/dev/xvda"
    );
    assert_eq!(
        linux["Parameters"]["BastionImageId"]["Default"],
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    );
}

#[test]
fn presigned_url_policy_is_for_people_each_for_the_own_profile_through_the_endpoints() {
    let t = stacks::shipped_template("studio-private");
    let p = props(&t, "PresignedUrlPolicy");
    // Attached to no one by the stack (an administrator attaches it to the people's IAM
    // users); the bastion's role keeps Session Manager only.
    for list in ["Roles", "Users", "Groups"] {
        assert!(p.get(list).is_none(), "{list}: {}", p[list]);
    }
    assert_eq!(
        t["Outputs"]["PresignedUrlPolicyArn"]["Value"],
        json!({"Ref": "PresignedUrlPolicy"})
    );
    let endpoints = json!([{"Ref": "SageMakerApiEndpoint"}, {"Ref": "SageMakerStudioEndpoint"}]);
    assert_eq!(
        p["PolicyDocument"]["Statement"],
        json!([{
            "Sid": "OwnProfileThroughEndpoints",
            "Effect": "Allow",
            "Action": ["sagemaker:CreatePresignedDomainUrl"],
            // The caller's own profile: the IAM policy variable, escaped for Fn::Sub.
            "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:user-profile/${StudioDomain.DomainId}/${!aws:username}"}],
            // Single-valued key: plain StringEquals with a list, never ForAnyValue.
            "Condition": {"StringEquals": {"aws:SourceVpce": endpoints}}
        }])
    );
    // The Windows AMI ships the AWS Tools for PowerShell, not the AWS CLI.
    assert_eq!(
        t["Outputs"]["PresignedUrlCommandDataScientist1"]["Value"]["Fn::Sub"],
        "New-SMPresignedDomainUrl -Region ${AWS::Region} -DomainId ${StudioDomain.DomainId} -UserProfileName data-scientist-1 -ExpiresInSecond 300 -SessionExpirationDurationInSecond 43200"
    );
    assert!(
        t["Outputs"]["PresignedUrlCommandDataScientist1"]["Description"]
            .as_str()
            .unwrap()
            .contains("Set-AWSCredential with your own temporary credentials")
    );
}

#[test]
fn the_shared_bastion_flow_is_an_explicit_choice_with_every_profile_on_the_instance_role() {
    let definition = stacks::definition("studio-private")
        .replace("  issuer: people ", "  issuer: bastion ")
        .replace("os: windows", "os: linux");
    let t = stacks::template("studio-private", &definition);
    let p = props(&t, "PresignedUrlPolicy");
    assert_eq!(p["Roles"], json!([{"Ref": "BastionRole"}]));
    assert!(t["Outputs"].get("PresignedUrlPolicyArn").is_none());
    let endpoints = json!([{"Ref": "SageMakerApiEndpoint"}, {"Ref": "SageMakerStudioEndpoint"}]);
    let statements = p["PolicyDocument"]["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[0]["Action"], json!(["sagemaker:DescribeDomain"]));
    assert_eq!(
        statements[0]["Resource"],
        json!([getatt("StudioDomain", "DomainArn")])
    );
    assert_eq!(
        statements[1]["Action"],
        json!(["sagemaker:CreatePresignedDomainUrl"])
    );
    // The domain's profiles by one pattern: constant in size (IAM allows 6,144 characters
    // in a managed policy), unchanged when a user is added, and valid when the profiles
    // live in nested stacks.
    assert_eq!(
        statements[1]["Resource"],
        json!([{"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:user-profile/${StudioDomain.DomainId}/*"}])
    );
    for s in statements {
        assert_eq!(s["Effect"], "Allow");
        assert_eq!(
            s["Condition"],
            json!({"StringEquals": {"aws:SourceVpce": endpoints}})
        );
    }
    // A Linux bastion has the AWS CLI.
    assert_eq!(
        t["Outputs"]["PresignedUrlCommandDataScientist1"]["Value"]["Fn::Sub"],
        "aws sagemaker create-presigned-domain-url --region ${AWS::Region} --domain-id ${StudioDomain.DomainId} --user-profile-name data-scientist-1 --expires-in-seconds 300 --session-expiration-duration-in-seconds 43200 --query AuthorizedUrl --output text"
    );
}

/// The Sids (or statements) of Allow statements anywhere in `value` with a `ForAnyValue:`
/// condition.
fn allows_with_for_any_value(value: &Json) -> Vec<String> {
    let mut found = Vec::new();
    match value {
        Json::Object(map) => {
            let for_any = map
                .get("Condition")
                .and_then(Json::as_object)
                .is_some_and(|c| c.keys().any(|k| k.starts_with("ForAnyValue:")));
            if map.get("Effect") == Some(&json!("Allow")) && for_any {
                found.push(
                    map.get("Sid")
                        .map_or_else(|| value.to_string(), Json::to_string),
                );
            }
            for v in map.values() {
                found.extend(allows_with_for_any_value(v));
            }
        }
        Json::Array(items) => {
            for v in items {
                found.extend(allows_with_for_any_value(v));
            }
        }
        _ => {}
    }
    found
}

#[test]
fn no_policy_anywhere_allows_every_action_or_hardcodes_a_partition() {
    let mut t = stacks::shipped_template("studio-private");
    let text = serde_json::to_string(&t).unwrap();
    assert!(!text.contains("arn:aws:"), "a hard-coded partition");
    // `ForAnyValue` in an Allow is true when any one value matches, so it confines
    // nothing; it appears only in Deny statements (the Studio image denials).
    assert!(
        allows_with_for_any_value(&t).is_empty(),
        "{:?}",
        allows_with_for_any_value(&t)
    );
    assert!(text.contains("ForAnyValue"), "the Studio image denials");
    // Endpoint policies name every action: they filter what passes the endpoint and grant
    // nothing (tests/endpoint_policies.rs holds them to this account). No grant does.
    let resources = t["Resources"].as_object_mut().unwrap();
    resources.retain(|_, r| r["Type"] != "AWS::EC2::VPCEndpoint");
    let grants = serde_json::to_string(&t).unwrap();
    assert!(text.contains("\"Action\":[\"*\"]"));
    assert!(!grants.contains("\"Action\":\"*\"") && !grants.contains("\"Action\":[\"*\"]"));
    // Outside key policies, Resource "*" appears only with actions that have no
    // resource-level permissions: SageMaker List calls, logs:DescribeLogGroups, the
    // SSM Agent's ssmmessages and ec2messages calls, the Describe calls Lambda makes to
    // place the Studio cleanup's function in the VPC, the security-group listing of its
    // NFS groups' cleanup, and ECR's registry token,
    // CloudWatch metrics (only in SageMaker's namespaces) and the Describe calls SageMaker
    // makes to place a job in the VPC of the Studio job role.
    let mut wildcard_statements = 0;
    for (id, r) in t["Resources"].as_object().unwrap() {
        if r["Type"] == "AWS::KMS::Key" {
            continue;
        }
        let p = &r["Properties"];
        let mut docs = vec![&p["PolicyDocument"], &p["AssumeRolePolicyDocument"]];
        docs.extend(
            p["Policies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| &x["PolicyDocument"]),
        );
        for doc in docs {
            for s in doc["Statement"].as_array().into_iter().flatten() {
                if s["Resource"] == json!(["*"]) {
                    wildcard_statements += 1;
                    for a in s["Action"].as_array().unwrap() {
                        let a = a.as_str().unwrap();
                        assert!(
                            a.starts_with("sagemaker:List")
                                || a == "logs:DescribeLogGroups"
                                || a.starts_with("ssmmessages:")
                                || a.starts_with("ec2messages:")
                                || a == "ec2:DescribeNetworkInterfaces"
                                || a == "ec2:DescribeSubnets"
                                || a == "ecr:GetAuthorizationToken"
                                || a == "cloudwatch:PutMetricData"
                                || (id == "StudioNfsGroupsCleanupGrant"
                                    && a == "ec2:DescribeSecurityGroups")
                                || (id.ends_with("MlJobRole")
                                    && [
                                        "ec2:DescribeVpcs",
                                        "ec2:DescribeDhcpOptions",
                                        "ec2:DescribeSecurityGroups",
                                    ]
                                    .contains(&a)),
                            "{id}: {a}"
                        );
                        if a == "cloudwatch:PutMetricData" {
                            assert_eq!(
                                s["Condition"],
                                json!({"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}),
                                "{id}: metrics only in SageMaker's namespaces"
                            );
                        }
                    }
                }
            }
        }
    }
    assert_eq!(
        wildcard_statements, 12,
        "the execution policy's List calls, the flow-log role's DescribeLogGroups, the \
         bastion agent's channels, messages and DescribeLogGroups, the Studio cleanup's \
         List calls, network-interface Describe calls and DescribeSecurityGroups, the Studio users' SageMaker List \
         calls, and the job role's registry token, SageMaker metrics and network Describe \
         calls"
    );
}
