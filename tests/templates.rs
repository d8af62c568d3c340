//! The shipped stacks: their templates (snapshots), freshness of out/, determinism, and
//! stability of logical IDs when a definition grows.

mod support;

use std::collections::BTreeSet;

use sagesynth::synth::{self, Format, Synthesis};
use sagesynth::validate::Severity;
use serde_json::Value as Json;
use support::stacks::{self, synthesize};

#[test]
fn every_shipped_stack_matches_its_snapshot_and_is_clean() {
    for (name, _) in stacks::shipped() {
        let s = stacks::synthesize_shipped(&name);
        // Every template of the definition: a StackSet's member template too.
        for t in s.all() {
            // Clean, but for the size warning: a template over 51,200 bytes is deployed
            // with `--s3-bucket` (README), which the moto deploy test does too. A finding
            // a construct exempted (its reason in the resource's Metadata, for checkov
            // too) is not one: tests/multi_account.rs names the ones there are; nor is one
            // the definition suppresses with a reason (written into the template).
            let unexpected: Vec<_> = t
                .findings
                .iter()
                .filter(|f| f.rule != "CFN-LIMIT-INLINE-BODY" || f.severity != Severity::Warning)
                // The member template, with the Studio cleanup's function, is over the
                // 51,200 bytes a StackSet embeds: it is uploaded (README, "Deploy").
                .filter(|f| !(name == "studio-multi-account" && f.rule == "STACKSET-MEMBER-UPLOAD"))
                .filter(|f| f.suppressed.is_none())
                .collect();
            assert!(unexpected.is_empty(), "{name}: {}: {unexpected:?}", t.name);
            insta::assert_snapshot!(format!("template_{}", t.name), t.body());
        }
    }
}

#[test]
fn out_holds_the_current_templates() {
    for (name, _) in stacks::shipped() {
        let s = stacks::synthesize_shipped(&name);
        for t in s.all() {
            let file = support::manifest_dir()
                .join("out")
                .join(t.file_name(Format::Json));
            let committed = std::fs::read_to_string(&file).unwrap_or_else(|_| {
                panic!("{} is missing: run `synth --all --out out`", file.display())
            });
            assert!(
                committed == t.body(),
                "out/ is stale for {name} ({}): run `synth --all --out out`",
                t.name
            );
        }
    }
}

#[test]
fn twenty_synths_are_byte_identical() {
    let text = stacks::definition("studio-private");
    let first = synthesize("studio-private", &text).body().to_string();
    for _ in 0..19 {
        assert_eq!(synthesize("studio-private", &text).body(), first);
    }
    // The YAML rendering too.
    let stack = stacks::load("studio-private", &text);
    let yaml = synth::synthesize(&stack, Format::Yaml)
        .unwrap()
        .body()
        .to_string();
    for _ in 0..19 {
        assert_eq!(
            synth::synthesize(&stack, Format::Yaml).unwrap().body(),
            yaml
        );
    }
}

/// Resource id → its JSON, of one template.
fn resources(s: &Synthesis) -> serde_json::Map<String, Json> {
    stacks::json(s)["Resources"].as_object().unwrap().clone()
}

fn outputs(s: &Synthesis) -> BTreeSet<String> {
    stacks::json(s)["Outputs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// Synthesizes the shipped definition and a grown copy; returns (added IDs, changed IDs)
/// after checking that no ID disappeared.
fn growth(edit: impl Fn(&str) -> String) -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let text = stacks::definition("studio-private");
    let grown = edit(&text);
    assert_ne!(grown, text, "the edit must change the definition");
    let before = synthesize("studio-private", &text);
    let after = synthesize("studio-private", &grown);
    let (old, new) = (resources(&before), resources(&after));
    let removed: Vec<&String> = old.keys().filter(|k| !new.contains_key(*k)).collect();
    assert!(removed.is_empty(), "logical IDs disappeared: {removed:?}");
    let added = new
        .keys()
        .filter(|k| !old.contains_key(*k))
        .cloned()
        .collect();
    let changed = old
        .iter()
        .filter(|(k, v)| new[k.as_str()] != **v)
        .map(|(k, _)| k.clone())
        .collect();
    let added_outputs = outputs(&after)
        .difference(&outputs(&before))
        .cloned()
        .collect();
    (added, changed, added_outputs)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn adding_a_user_adds_its_profile_and_changes_nothing_else() {
    let (added, changed, added_outputs) = growth(|t| {
        t.replace(
            "    - data-scientist-2\n",
            "    - data-scientist-2\n    - analyst-7\n",
        )
    });
    // The profile and its cleanup (see README, Teardown).
    assert_eq!(
        added,
        set(&["UserProfileAnalyst7", "UserProfileAnalyst7Cleanup"])
    );
    // The presigned-URL policy names the domain's profiles by one pattern: unchanged.
    assert_eq!(changed, set(&[]));
    assert_eq!(added_outputs, set(&["PresignedUrlCommandAnalyst7"]));
}

#[test]
fn adding_an_endpoint_adds_it_and_changes_nothing_else() {
    let (added, changed, added_outputs) = growth(|t| {
        t.replace(
            "    - ec2messages\n",
            "    - ec2messages\n    - monitoring\n",
        )
    });
    assert_eq!(added, set(&["MonitoringEndpoint"]));
    assert_eq!(changed, set(&[]));
    assert_eq!(added_outputs, set(&["MonitoringEndpointId"]));
}

#[test]
fn endpoint_order_in_the_definition_does_not_matter_to_ids() {
    let text = stacks::definition("studio-private");
    let reordered = text.replace("    - sts\n    - logs\n", "    - logs\n    - sts\n");
    assert_ne!(reordered, text);
    let a = resources(&synthesize("studio-private", &text));
    let b = resources(&synthesize("studio-private", &reordered));
    assert_eq!(
        a.keys().collect::<BTreeSet<_>>(),
        b.keys().collect::<BTreeSet<_>>()
    );
    for (k, v) in &a {
        assert_eq!(&b[k], v, "{k} changed");
    }
}

/// The ids whose resource differs between two templates (present in both).
fn changed(
    before: &serde_json::Map<String, Json>,
    after: &serde_json::Map<String, Json>,
) -> BTreeSet<String> {
    before
        .iter()
        .filter(|(id, r)| after.get(*id).is_some_and(|a| a != *r))
        .map(|(id, _)| id.clone())
        .collect()
}

#[test]
fn adding_an_account_changes_no_existing_logical_id() {
    let text = stacks::definition("studio-multi-account");
    let grown = text.replace(
        "rollout:\n",
        "  staging:\n    account_id: \"333333333333\"\n    groups:\n      ml-staging: { group_id: 7d3a9c15-e842-4b6f-9d21-5c8e0f4a6b73 }\n\nrollout:\n",
    );
    assert_ne!(
        grown, text,
        "the definition has a rollout section to insert before"
    );
    let before = synthesize("studio-multi-account", &text);
    let after = synthesize("studio-multi-account", &grown);
    let (c0, c1) = (resources(&before), resources(&after));
    let (m0, m1) = (
        resources(&before.children[0]),
        resources(&after.children[0]),
    );
    for (old, new) in [(&c0, &c1), (&m0, &m1)] {
        let missing: Vec<&String> = old.keys().filter(|id| !new.contains_key(*id)).collect();
        assert!(missing.is_empty(), "logical IDs gone: {missing:?}");
    }
    // Central: the functions (mapping, provisioning roles), their roles (what they may
    // assume) and the StackSet (the new account's instances, the member body) change.
    assert_eq!(
        changed(&c0, &c1),
        BTreeSet::from(
            [
                "MemberStackSet",
                "OffboardingFunction",
                "OffboardingFunctionRole",
                "OnboardingFunction",
                "OnboardingFunctionRole",
            ]
            .map(String::from)
        )
    );
    assert_eq!(c1.len(), c0.len(), "the central template gains no resource");
    // Member: the new group's role and parameter are added; only the provisioning roles
    // (which roles they may pass) change.
    assert_eq!(
        changed(&m0, &m1),
        BTreeSet::from(
            ["OffboardingProvisioningRole", "OnboardingProvisioningRole"].map(String::from)
        )
    );
    let added: BTreeSet<&String> = m1.keys().filter(|id| !m0.contains_key(*id)).collect();
    assert_eq!(
        added,
        BTreeSet::from([
            &"MlStagingExecutionRole".to_string(),
            &"MlStagingExecutionRoleParameter".to_string()
        ])
    );
}

/// Every user profile and the domain of every shipped template (and of a split domain's
/// child templates) is referenced by a `Custom::StudioCleanup`, a domain by one of Kind
/// `Domain`, so that CloudFormation deletes, and so runs, the cleanup before it (README,
/// Teardown); a profile also depends on the domain's cleanup, which then runs last.
#[test]
fn every_profile_and_domain_is_referenced_by_a_cleanup() {
    let mut checked = 0;
    let split = stacks::synthesize(
        "studio-private",
        &format!("{}\nsplit: nested\n", stacks::definition("studio-private")),
    );
    let shipped: Vec<_> = stacks::shipped()
        .into_iter()
        .map(|(name, _)| stacks::synthesize_shipped(&name))
        .collect();
    for s in shipped.iter().chain([&split]) {
        for t in s.all() {
            let template = stacks::json(t);
            let resources = template["Resources"].as_object().unwrap();
            let cleanups: Vec<&Json> = resources
                .values()
                .filter(|r| r["Type"] == "Custom::StudioCleanup")
                .collect();
            let referenced = |id: &str, kind: Option<&str>| {
                cleanups.iter().any(|c| {
                    kind.is_none_or(|k| c["Properties"]["Kind"] == k)
                        && c["Properties"].to_string().contains(&format!("[\"{id}\","))
                })
            };
            for (id, r) in resources {
                match r["Type"].as_str() {
                    Some("AWS::SageMaker::UserProfile") => {
                        assert!(referenced(id, Some("UserProfile")), "{}: {id}", t.name);
                        checked += 1;
                    }
                    Some("AWS::SageMaker::Domain") => {
                        assert!(referenced(id, Some("Domain")), "{}: {id}", t.name);
                        checked += 1;
                    }
                    _ => {}
                }
            }
        }
    }
    // studio-private's domain and two profiles, twice (one split), the SSO domain, the
    // member's domain, and ml-platform's domain and two profiles.
    assert_eq!(checked, 11);
}

/// A test definition of `tests/data/`, synthesized.
fn test_definition(name: &str) -> Synthesis {
    let file = format!("tests/data/{name}.yaml");
    let text = std::fs::read_to_string(support::manifest_dir().join(&file))
        .unwrap_or_else(|e| panic!("reading {file}: {e}"));
    synthesize(name, &text)
}

/// `internet_egress: nat`: an internet gateway, a public /28 per AZ at the end of the
/// range that gives out no public address, a NAT gateway per AZ, and each private route
/// table's default route to the NAT gateway of its own AZ; the flow log still covers the
/// VPC, and the warning ENV-INTERNET-EGRESS names the VPC (and nothing else is found).
#[test]
fn nat_egress_routes_each_zone_through_its_own_nat_gateway_and_is_named() {
    let s = test_definition("nat-egress");
    let r = resources(&s);
    assert_eq!(
        r["InternetGatewayAttachment"]["Properties"]["VpcId"],
        serde_json::json!({"Ref": "Vpc"})
    );
    for (az, cidr) in [("Az1", "10.50.255.240/28"), ("Az2", "10.50.255.224/28")] {
        let public = &r[&format!("PublicSubnet{az}")]["Properties"];
        assert_eq!(public["CidrBlock"], cidr);
        assert_eq!(public["MapPublicIpOnLaunch"], false);
        let nat = &r[&format!("NatGateway{az}")];
        assert_eq!(
            nat["Properties"]["SubnetId"],
            serde_json::json!({"Ref": format!("PublicSubnet{az}")})
        );
        assert_eq!(nat["DependsOn"], "InternetGatewayAttachment");
        let route = &r[&format!("PrivateDefaultRoute{az}")]["Properties"];
        assert_eq!(
            route["RouteTableId"],
            serde_json::json!({"Ref": format!("PrivateRouteTable{az}")})
        );
        assert_eq!(
            route["NatGatewayId"],
            serde_json::json!({"Ref": format!("NatGateway{az}")})
        );
        assert_eq!(route["DestinationCidrBlock"], "0.0.0.0/0");
    }
    assert_eq!(
        r["PublicDefaultRoute"]["Properties"]["GatewayId"],
        serde_json::json!({"Ref": "InternetGateway"})
    );
    assert_eq!(
        r["VpcFlowLog"]["Properties"]["ResourceId"],
        serde_json::json!({"Ref": "Vpc"})
    );
    assert_eq!(
        unsuppressed(&s),
        [
            ("CFN-LIMIT-INLINE-BODY", "template", Severity::Warning),
            NAME_FROM_FILE,
            UNREACHABLE,
            ("ENV-INTERNET-EGRESS", "Resources.Vpc", Severity::Warning)
        ]
    );
}

/// The test definitions have no `name:` and no `presigned_url`: what they are judged for.
const NAME_FROM_FILE: (&str, &str, Severity) = (
    "DEF-NAME-FROM-FILE",
    "Metadata.sagesynth.name_from_file",
    Severity::Warning,
);
const UNREACHABLE: (&str, &str, Severity) = (
    "SM-STUDIO-UNREACHABLE",
    "Resources.StudioDomain.Properties.AuthMode",
    Severity::Warning,
);

/// The findings no exemption covers (the Studio cleanup's documented LAMBDA-DLQ exemption
/// is in every Studio template), with where and how severe.
fn unsuppressed(s: &Synthesis) -> Vec<(&'static str, &str, Severity)> {
    s.findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| (f.rule, f.location.as_str(), f.severity))
        .collect()
}

/// `network.existing` with parameters: no VPC, subnet or route table of the stack's own;
/// typed parameters; each subnet an `Fn::Select` of the list parameter; endpoints in the
/// parameter's VPC and admitting HTTPS from its CIDR; no flow log by default; the Studio
/// cleanup in the parameter's subnets, with its own endpoints; nothing found but the
/// template's size (the cleanup's code is inline).
#[test]
fn an_existing_network_places_the_endpoints_in_the_parameters_vpc() {
    let s = test_definition("existing-network");
    assert_eq!(
        unsuppressed(&s),
        [
            ("CFN-LIMIT-INLINE-BODY", "template", Severity::Warning),
            NAME_FROM_FILE,
            UNREACHABLE
        ]
    );
    let t = support::stacks::json(&s);
    let r = resources(&s);
    for (_, resource) in &r {
        let ty = resource["Type"].as_str().unwrap();
        assert!(
            ![
                "AWS::EC2::VPC",
                "AWS::EC2::Subnet",
                "AWS::EC2::RouteTable",
                "AWS::EC2::FlowLog"
            ]
            .contains(&ty),
            "{ty}"
        );
    }
    let types: Vec<(&str, &str)> = [
        "VpcId",
        "VpcCidr",
        "PrivateSubnetIds",
        "PrivateRouteTableIds",
    ]
    .iter()
    .map(|p| (*p, t["Parameters"][p]["Type"].as_str().unwrap()))
    .collect();
    assert_eq!(
        types,
        [
            ("VpcId", "AWS::EC2::VPC::Id"),
            ("VpcCidr", "String"),
            ("PrivateSubnetIds", "List<AWS::EC2::Subnet::Id>"),
            ("PrivateRouteTableIds", "CommaDelimitedList")
        ]
    );
    assert_eq!(t["Parameters"]["VpcCidr"]["Default"], "10.40.0.0/16");
    let select = |i: u32, p: &str| serde_json::json!({"Fn::Select": [i, {"Ref": p}]});
    let api = &r["SageMakerApiEndpoint"]["Properties"];
    assert_eq!(api["VpcId"], serde_json::json!({"Ref": "VpcId"}));
    assert_eq!(
        api["SubnetIds"],
        serde_json::json!([select(0, "PrivateSubnetIds"), select(1, "PrivateSubnetIds")])
    );
    assert_eq!(
        r["S3GatewayEndpoint"]["Properties"]["RouteTableIds"],
        serde_json::json!([
            select(0, "PrivateRouteTableIds"),
            select(1, "PrivateRouteTableIds")
        ])
    );
    assert_eq!(
        r["EndpointSecurityGroup"]["Properties"]["SecurityGroupIngress"][0]["CidrIp"],
        serde_json::json!({"Ref": "VpcCidr"})
    );
    assert_eq!(
        r["Bastion"]["Properties"]["SubnetId"],
        select(0, "PrivateSubnetIds")
    );
    assert_eq!(
        r["StudioDomain"]["Properties"]["VpcId"],
        serde_json::json!({"Ref": "VpcId"})
    );
    assert_eq!(
        r["StudioCleanupFunction"]["Properties"]["VpcConfig"]["SubnetIds"],
        serde_json::json!([select(0, "PrivateSubnetIds"), select(1, "PrivateSubnetIds")])
    );
    for endpoint in ["ElasticFileSystemEndpoint", "LambdaEndpoint"] {
        assert_eq!(
            r[endpoint]["Properties"]["VpcId"],
            serde_json::json!({"Ref": "VpcId"}),
            "{endpoint}"
        );
    }
    // The Linux bastion reads the Amazon Linux repositories and the cleanup answers
    // CloudFormation, both through the one S3 endpoint.
    let sids: Vec<&str> = r["S3GatewayEndpoint"]["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|st| st["Sid"].as_str().unwrap())
        .collect();
    assert!(sids.contains(&"AmazonLinuxRepositories"), "{sids:?}");
    assert!(
        sids.contains(&"CloudFormationCustomResourceResponses"),
        "{sids:?}"
    );
}

/// Removing the whole `studio` section in one update: CloudFormation changes the remaining
/// resources in the update phase and deletes the removed ones (cleanups first) in the
/// cleanup phase. The S3 endpoint's policy must not lose the response-bucket statement in
/// the update phase, or every removed cleanup's answer would be refused and the update
/// would wait out the custom resource's hour; and the endpoints the function calls through
/// must be deleted after it, hence after every cleanup that references it.
#[test]
fn removing_studio_in_one_update_keeps_the_cleanups_answer_route() {
    let text = stacks::definition("studio-private");
    let without: String = {
        // Drop the `studio:` and `presigned_url:` blocks (top-level keys and their indented
        // lines), keeping everything else as written.
        let mut out = String::new();
        let mut skipping = false;
        for line in text.lines() {
            if !line.starts_with(' ') && !line.is_empty() && !line.starts_with('#') {
                skipping = line.starts_with("studio:") || line.starts_with("presigned_url:");
            }
            if !skipping {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    };
    assert!(!without.contains("studio:") && without.contains("bastion:"));
    let before = resources(&synthesize("studio-private", &text));
    let after = resources(&synthesize("studio-private", &without));
    assert!(!after.contains_key("StudioCleanupFunction"));
    let policy = |r: &serde_json::Map<String, Json>| {
        r["S3GatewayEndpoint"]["Properties"]["PolicyDocument"].clone()
    };
    assert!(
        policy(&before)
            .to_string()
            .contains("CloudFormationCustomResourceResponses")
    );
    assert_eq!(
        policy(&before),
        policy(&after),
        "the S3 endpoint policy changes when Studio goes"
    );
    let depends = |id: &str| -> Vec<String> {
        match &before[id]["DependsOn"] {
            Json::String(one) => vec![one.clone()],
            Json::Array(many) => many
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect(),
            _ => Vec::new(),
        }
    };
    let function = depends("StudioCleanupFunction");
    for endpoint in [
        "S3GatewayEndpoint",
        "SageMakerApiEndpoint",
        "ElasticFileSystemEndpoint",
        "LambdaEndpoint",
        "Ec2Endpoint",
    ] {
        assert!(function.contains(&endpoint.to_string()), "{function:?}");
    }
    let cleanups: Vec<_> = before
        .iter()
        .filter(|(_, r)| r["Type"] == "Custom::StudioCleanup")
        .collect();
    // Two profiles', the domain's and the NFS groups'.
    assert_eq!(cleanups.len(), 4);
    for (id, cleanup) in cleanups {
        assert_eq!(
            cleanup["Properties"]["ServiceToken"],
            serde_json::json!({"Fn::GetAtt": ["StudioCleanupFunction", "Arn"]}),
            "{id}"
        );
        assert!(depends(id).contains(&"StudioCleanupFunctionInvokeSelf".to_string()));
    }
}

/// `empty_on_delete: true` (tests/data/empty-on-delete.yaml): the bucket's cleanup
/// references it, so CloudFormation deletes (and runs) the cleanup before the bucket, and
/// depends on its grant, so the grant outlives it; the bucket and its own key go with the
/// stack, and S3-EMPTY-ON-DELETE names the bucket. The bucket beside it, which says
/// nothing, is retained with its key.
#[test]
fn a_bucket_that_empties_on_delete_is_emptied_before_it_is_deleted() {
    let s = test_definition("empty-on-delete");
    let r = resources(&s);
    let cleanup = &r["ScratchBucketCleanup"];
    assert_eq!(cleanup["Type"], "Custom::StudioCleanup");
    assert_eq!(cleanup["Properties"]["Kind"], "Bucket");
    assert_eq!(
        cleanup["Properties"]["BucketName"],
        serde_json::json!({"Ref": "ScratchBucket"})
    );
    assert_eq!(
        cleanup["Properties"]["ServiceToken"],
        serde_json::json!({"Fn::GetAtt": ["StudioCleanupFunction", "Arn"]})
    );
    assert_eq!(
        cleanup["DependsOn"],
        serde_json::json!([
            "StudioCleanupFunctionInvokeSelf",
            "ScratchBucketCleanupGrant"
        ])
    );
    for (id, policy) in [
        ("ScratchBucket", "Delete"),
        ("ScratchBucketKey", "Delete"),
        ("ResultsBucket", "RetainExceptOnCreate"),
        ("ResultsBucketKey", "RetainExceptOnCreate"),
    ] {
        assert_eq!(r[id]["DeletionPolicy"], policy, "{id}");
    }
    assert!(!r.contains_key("ResultsBucketCleanup"));
    let warnings: Vec<_> = unsuppressed(&s)
        .into_iter()
        .filter(|(rule, _, _)| *rule == "S3-EMPTY-ON-DELETE")
        .collect();
    assert_eq!(
        warnings,
        [(
            "S3-EMPTY-ON-DELETE",
            "Resources.ScratchBucket.DeletionPolicy",
            Severity::Warning
        )]
    );
}

/// SageMaker's NFS security groups (docs/teardown.md): in every shipped Studio template,
/// which all create their network, a cleanup of Kind `NfsGroups` references the VPC (so
/// CloudFormation deletes it, and runs it, before the VPC) and the domain depends on it
/// (so it runs after the domain is gone), and the function it runs on depends on the `ec2`
/// endpoint it calls through. With an existing VPC, another team's, there is none, and no
/// `ec2` endpoint the definition did not ask for.
#[test]
fn nfs_groups_are_cleaned_after_the_domain_and_before_the_vpc_it_created() {
    let mut checked = 0;
    for (name, _) in stacks::shipped() {
        for t in stacks::synthesize_shipped(&name).all() {
            let template = stacks::json(t);
            let r = template["Resources"].as_object().unwrap();
            let Some((domain_id, domain)) = r
                .iter()
                .find(|(_, v)| v["Type"] == "AWS::SageMaker::Domain")
            else {
                continue;
            };
            let nfs: Vec<(&String, &Json)> = r
                .iter()
                .filter(|(_, v)| v["Properties"]["Kind"] == "NfsGroups")
                .collect();
            assert_eq!(nfs.len(), 1, "{}: one NFS groups cleanup", t.name);
            let (id, cleanup) = nfs[0];
            assert_eq!(cleanup["Type"], "Custom::StudioCleanup");
            assert_eq!(
                cleanup["Properties"]["VpcId"],
                serde_json::json!({"Ref": "Vpc"}),
                "{}",
                t.name
            );
            assert_eq!(r["Vpc"]["Type"], "AWS::EC2::VPC");
            let depends = match &domain["DependsOn"] {
                Json::String(s) => vec![s.clone()],
                Json::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
                other => panic!("{}: {domain_id} DependsOn {other}", t.name),
            };
            assert!(depends.contains(id), "{}: {domain_id} {depends:?}", t.name);
            let function = cleanup["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
                .as_str()
                .unwrap();
            assert!(
                r[function]["DependsOn"]
                    .as_array()
                    .unwrap()
                    .contains(&Json::from("Ec2Endpoint")),
                "{}",
                t.name
            );
            assert_eq!(
                r["Ec2Endpoint"]["Properties"]["ServiceName"],
                serde_json::json!({"Fn::Sub": "com.amazonaws.${AWS::Region}.ec2"})
            );
            checked += 1;
        }
    }
    // studio-private, studio-sso-onboarding, the member, ml-platform.
    assert_eq!(checked, 4);
    let existing = resources(&test_definition("existing-network"));
    assert!(
        existing
            .values()
            .any(|v| v["Type"] == "AWS::SageMaker::Domain")
    );
    assert!(
        !existing
            .values()
            .any(|v| v["Properties"]["Kind"] == "NfsGroups")
    );
    assert!(!existing.contains_key("Ec2Endpoint"));
}
