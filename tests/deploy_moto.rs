//! Every shipped template deploys with the real AWS CLI (`aws cloudformation deploy`) to a
//! local moto server and reaches CREATE_COMPLETE, is then deleted (`delete-stack`, `wait
//! stack-delete-complete`) and reaches DELETE_COMPLETE, and what moto reports for the
//! created resources matches the template: VPC endpoints, security-group rules, IAM roles
//! and their policies, KMS keys and aliases, instances, VPCs and subnets, S3 buckets,
//! EventBridge rules, Lambda functions and permissions, SQS queues. Expected values
//! are derived from the template itself (intrinsic functions resolved against the
//! deployed stack), never hard-coded, so this works for any template in out/.
//!
//! Needs `aws` and `moto_server` (pinned in `.ci/requirements.txt`; `bash .ci/tools.sh`
//! installs them). Without them the test is skipped, except in CI (`CI=true`).
//!
//! moto 5.2.1 is not AWS. What it does differently for the resources of these templates,
//! found by experiment (see also shared MOTO-NOTES), and how this test deals with it:
//!
//! - Resource types it does not implement (`AWS::SageMaker::Domain`,
//!   `AWS::SageMaker::UserProfile`, `AWS::EC2::SecurityGroupEgress`, `AWS::IAM::Group`,
//!   `AWS::S3::BucketPolicy`, ...) are skipped with a warning; the stack still reaches
//!   CREATE_COMPLETE, and describe-stack-resources lists each as an entry without logical
//!   id, type or physical id. The test asks moto which types it implements, prints the
//!   skipped ones, and checks that moto created exactly the others.
//! - `Fn::GetAtt` of a skipped resource (also `${Domain.DomainId}` inside `Fn::Sub`) fails
//!   the whole deploy ("Template error: instance of Fn::GetAtt references undefined
//!   resource"); a `Ref` of one silently drops the property. The deployed variant replaces
//!   those references with a literal placeholder (see `support::cfn::moto_variant`),
//!   ARN-shaped for attributes named `...Arn`: moto validates IAM policy documents and
//!   rejects a Resource that is not an ARN ("MalformedPolicyDocument").
//! - AMI parameters: moto resolves an `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>`
//!   parameter's Default from its own SSM store, which has no Windows AMI parameters. The
//!   variant's Default becomes an Amazon Linux parameter moto ships.
//! - Security groups: inline `SecurityGroupEgress` is ignored and
//!   `AWS::EC2::SecurityGroupEgress` is not implemented; moto keeps the default allow-all
//!   egress rule. Egress is compared, and when moto reports exactly that default rule the
//!   test prints that egress was not verified. Rule descriptions are dropped for inline
//!   rules and source-group rules, so descriptions are not compared. Ingress (inline and
//!   `AWS::EC2::SecurityGroupIngress`, self-references included) is implemented and is
//!   compared exactly: no rule missing, no rule extra.
//! - IAM roles: `ManagedPolicyArns` is ignored (list-attached-role-policies is empty); the
//!   test then checks that each ARN names an existing policy (moto started with
//!   MOTO_IAM_LOAD_MANAGED_POLICIES=true knows the AWS managed policies). Inline policies
//!   are returned as Python `str()` of a dict, not JSON; `support::moto::policy_document`
//!   parses that, and the documents are compared in full. `AWS::IAM::ManagedPolicy` is
//!   implemented (document, description, attachments to roles): e.g. an `aws:SourceVpce`
//!   condition is checked to hold the ids of the endpoints the stack created.
//! - KMS: a key created from a template whose KeyPolicy is an object answers DescribeKey
//!   (and every call that evaluates the key policy) with HTTP 500, because moto stores the
//!   object where it expects a JSON string. The test uses GetKeyRotationStatus,
//!   GetKeyPolicy and ListAliases, which work.
//! - EC2 instances: `MetadataOptions` (moto reports HttpTokens=optional) and
//!   `SecurityGroupIds` (moto reads only `SecurityGroups`) are ignored; ImageId, subnet,
//!   instance profile and the EBS block devices (encryption, type, size) are honoured.
//! - VPCs: `EnableDnsSupport`/`EnableDnsHostnames` are ignored (moto reports true/false).
//! - `AWS::EC2::SubnetRouteTableAssociation` is created but not visible in
//!   describe-route-tables (and its physical id is the route table's id): not checked.
//! - VPC endpoints: type, service name, VPC, subnets, route tables, security groups and
//!   PrivateDnsEnabled are all reported as given.
//! - Templates over 51,200 bytes must go through S3 (`deploy --s3-bucket`); moto reads the
//!   TemplateURL path-style only when its host contains "localhost", so the S3 endpoint is
//!   `http://localhost:PORT`.
//! - Stacks created by change sets (as `deploy` does) report no Outputs: not checked.
//! - Custom resources: moto runs one by invoking its Lambda function in Docker, which these
//!   machines lack, and then waits for ever. The deployed variant replaces each
//!   `Custom::StudioCleanup` (the Studio teardown) by a `WaitConditionHandle` with the same
//!   dependencies, which moto ignores; everything else is the real template. The cleanup
//!   code is proved by tests/python/test_studio_cleanup.py.
//! - describe-stacks answers a list parameter's value (`List<AWS::EC2::Subnet::Id>`,
//!   `CommaDelimitedList`) with Python's `str()` of the list; the test parses it back.
//! - S3 buckets: only `BucketEncryption` is applied, without `BucketKeyEnabled`; versioning,
//!   public access block, ownership controls, logging, lifecycle and bucket policies are not
//!   (details in tests/deploy_moto/s3.rs).
//! - Lambda functions: `DeadLetterConfig` and `LoggingConfig` are not implemented (not
//!   reported), and the code of a `ZipFile` function cannot be fetched (get-function's
//!   Code.Location names a bucket moto does not have); runtime, handler, timeout, memory,
//!   role, environment, reserved concurrency and permissions are honoured (details in
//!   tests/deploy_moto/lambda.rs).
//! - EventBridge rules: pattern, state and targets (retry policy, dead-letter queue) are
//!   honoured (tests/deploy_moto/events.rs).
//! - SQS queues: attributes are honoured; `AWS::SQS::QueuePolicy` is skipped
//!   (tests/deploy_moto/sqs.rs).
//!
//! Where moto ignores a property, the test prints a "not verified" line for it rather
//! than passing silently; values it cannot compute from the template (e.g. `Fn::If`) are
//! counted and printed, not compared. All of this goes straight to stderr, so it shows in
//! `cargo test` output even when the test passes.
//!
//! The checks are in tests/deploy_moto/, one file per service; `SAGESYNTH_TEMPLATES_DIR`
//! points the test at other templates (see tests/support/mod.rs).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

use support::cfn::{self, Resolver, Tally, compare, scalar, type_of};
use support::moto::{self, Aws, MotoServer};

// The checks, one file per AWS service, in tests/deploy_moto/ (a directory Cargo does not
// take for a test target of its own).
#[path = "deploy_moto/events.rs"]
mod events;
#[path = "deploy_moto/iam.rs"]
mod iam;
#[path = "deploy_moto/instances.rs"]
mod instances;
#[path = "deploy_moto/kms.rs"]
mod kms;
#[path = "deploy_moto/lambda.rs"]
mod lambda;
#[path = "deploy_moto/network.rs"]
mod network;
#[path = "deploy_moto/s3.rs"]
mod s3;
#[path = "deploy_moto/security_groups.rs"]
mod security_groups;
#[path = "deploy_moto/sqs.rs"]
mod sqs;
#[path = "deploy_moto/ssm.rs"]
mod ssm;
#[path = "deploy_moto/support_tests.rs"]
mod support_tests;

/// Templates larger than this must be uploaded to S3 for `aws cloudformation deploy`.
const INLINE_TEMPLATE_LIMIT: u64 = 51_200;
const TEMPLATE_BUCKET: &str = "sagesynth-test-templates";

#[test]
fn shipped_templates_deploy_to_moto() {
    let Some(aws) = support::require_tool("aws", "deploy_moto") else {
        return;
    };
    let Some(moto_server) = support::require_tool("moto_server", "deploy_moto") else {
        return;
    };
    let templates = support::shipped_templates();
    let supported = moto::supported_types(&moto_server);

    let mut failures = Vec::new();
    for path in &templates {
        let diffs = deploy_and_check(&aws, &moto_server, &supported, path);
        if !diffs.is_empty() {
            failures.push(format!("{}:\n  {}", path.display(), diffs.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "moto's resources differ from the template:\n{}",
        failures.join("\n")
    );
}

/// The bucket fields no shipped stack uses (`object_lock`, `noncurrent_version_days:
/// never`), in the test definition `tests/data/object-lock.yaml`: its template deploys too.
/// moto's CloudFormation ignores `ObjectLockEnabled` and `ObjectLockConfiguration` (see
/// tests/deploy_moto/s3.rs), so this proves that the template is accepted as a whole, and
/// prints that the lock itself was not verified.
#[test]
fn the_object_lock_test_definition_deploys_to_moto() {
    let Some(aws) = support::require_tool("aws", "deploy_moto::object_lock") else {
        return;
    };
    let Some(moto_server) = support::require_tool("moto_server", "deploy_moto::object_lock") else {
        return;
    };
    deploy_test_definition(&aws, &moto_server, "object-lock", |template| {
        assert_eq!(
            template["Resources"]["RawDataBucket"]["Properties"]["ObjectLockEnabled"], true,
            "the definition no longer asks for Object Lock"
        );
    });
}

/// `tests/data/nat-egress.yaml`: the internet gateway, the public subnets, the NAT
/// gateways and their routes deploy with the rest (moto implements every EC2 type of it;
/// the subnets are compared, the gateways and routes only created).
#[test]
fn the_nat_egress_test_definition_deploys_to_moto() {
    let Some(aws) = support::require_tool("aws", "deploy_moto::nat_egress") else {
        return;
    };
    let Some(moto_server) = support::require_tool("moto_server", "deploy_moto::nat_egress") else {
        return;
    };
    deploy_test_definition(&aws, &moto_server, "nat-egress", |template| {
        assert_eq!(
            template["Resources"]["NatGatewayAz2"]["Type"], "AWS::EC2::NatGateway",
            "the definition no longer asks for NAT egress"
        );
    });
}

/// `tests/data/empty-on-delete.yaml`: a bucket's cleanup (Kind Bucket) and its grant deploy
/// and are deleted with the rest. moto cannot run the cleanup (a custom resource's function
/// runs in Docker there), so the cleanup is the stand-in every Studio template gets and the
/// bucket is empty when it is deleted: the emptying itself is proved by pytest
/// (tests/python/test_studio_cleanup.py).
#[test]
fn the_empty_on_delete_test_definition_deploys_and_deletes_on_moto() {
    let Some(aws) = support::require_tool("aws", "deploy_moto::empty_on_delete") else {
        return;
    };
    let Some(moto_server) = support::require_tool("moto_server", "deploy_moto::empty_on_delete")
    else {
        return;
    };
    deploy_test_definition(&aws, &moto_server, "empty-on-delete", |template| {
        assert_eq!(
            template["Resources"]["ScratchBucketCleanup"]["Properties"]["Kind"], "Bucket",
            "the definition no longer empties a bucket on delete"
        );
    });
}

/// An environment in an existing VPC: the test creates the VPC, two subnets and their
/// route tables in moto first, and deploys tests/data/existing-network.yaml with their
/// IDs as parameters. The stack creates no VPC, subnet or route table of its own, and
/// moto reports its endpoints and security groups in the VPC created first (the checks
/// compare every `Ref` of a parameter with the value passed).
#[test]
fn an_existing_network_definition_deploys_into_a_vpc_made_before_it() {
    let Some(aws) = support::require_tool("aws", "deploy_moto::existing_network") else {
        return;
    };
    let Some(moto_server) = support::require_tool("moto_server", "deploy_moto::existing_network")
    else {
        return;
    };
    let path = support::manifest_dir().join("tests/data/existing-network.yaml");
    let text = fs::read_to_string(&path).expect("reading tests/data/existing-network.yaml");
    let synthesis = support::stacks::synthesize("existing-network", &text);
    let template = support::stacks::json(&synthesis);
    let types: BTreeSet<&str> = cfn::resources(&template).map(|(_, r)| type_of(r)).collect();
    for own in ["AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable"] {
        assert!(!types.contains(own), "the stack creates a {own} of its own");
    }
    assert_eq!(
        template["Resources"]["S3GatewayEndpoint"]["Properties"]["VpcId"],
        json!({"Ref": "VpcId"}),
        "the endpoints are not placed in the parameter's VPC"
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("existing-network.template.json");
    fs::write(&file, synthesis.body()).expect("writing the template");
    let supported = moto::supported_types(&moto_server);
    let diffs = deploy_and_check_with(&aws, &moto_server, &supported, &file, |aws| {
        let vpc = aws.json(&["ec2", "create-vpc", "--cidr-block", "10.40.0.0/16"])["Vpc"]["VpcId"]
            .as_str()
            .expect("VpcId")
            .to_string();
        let mut subnets = Vec::new();
        let mut tables = Vec::new();
        for (az, cidr) in [("a", "10.40.0.0/20"), ("b", "10.40.16.0/20")] {
            let zone = format!("{}{az}", moto::REGION);
            let subnet = aws.json(&[
                "ec2",
                "create-subnet",
                "--vpc-id",
                &vpc,
                "--cidr-block",
                cidr,
                "--availability-zone",
                &zone,
            ])["Subnet"]["SubnetId"]
                .as_str()
                .expect("SubnetId")
                .to_string();
            let table = aws.json(&["ec2", "create-route-table", "--vpc-id", &vpc])["RouteTable"]
                ["RouteTableId"]
                .as_str()
                .expect("RouteTableId")
                .to_string();
            aws.json(&[
                "ec2",
                "associate-route-table",
                "--route-table-id",
                &table,
                "--subnet-id",
                &subnet,
            ]);
            subnets.push(subnet);
            tables.push(table);
        }
        vec![
            format!("VpcId={vpc}"),
            format!("PrivateSubnetIds={}", subnets.join(",")),
            format!("PrivateRouteTableIds={}", tables.join(",")),
        ]
    });
    assert!(
        diffs.is_empty(),
        "moto's resources differ from the template:\n  {}",
        diffs.join("\n  ")
    );
}

/// Deploys one template to a fresh moto server and returns every difference found.
fn deploy_and_check(
    aws_exe: &Path,
    moto_exe: &Path,
    supported: &BTreeSet<String>,
    path: &Path,
) -> Vec<String> {
    deploy_and_check_with(aws_exe, moto_exe, supported, path, |_| {
        stack_set_parameters(path)
    })
}

/// [`deploy_and_check`] after `prepare` has made what the template expects to exist in
/// the fresh moto server; `prepare` returns the parameter overrides of the deploy.
fn deploy_and_check_with(
    aws_exe: &Path,
    moto_exe: &Path,
    supported: &BTreeSet<String>,
    path: &Path,
    prepare: impl FnOnce(&Aws) -> Vec<String>,
) -> Vec<String> {
    let name = support::template_name(path);
    // Straight to stderr (see support::loud): visible whether the test passes or not.
    let say = |msg: String| support::loud(&format!("deploy_moto: {name}: {msg}"));
    let template = support::read_template(path);

    let variant = cfn::moto_variant(&template, supported);
    for change in &variant.changes {
        say(format!("deployed variant: {change}"));
    }
    let tmp = tempfile::tempdir().expect("creating a temporary directory");
    let file = tmp.path().join(format!("{name}.moto.template.json"));
    let body = serde_json::to_string_pretty(&variant.template).expect("serializing") + "\n";
    fs::write(&file, body).expect("writing the moto variant");

    let server = MotoServer::start(moto_exe, tmp.path());
    let mut aws = Aws::new(aws_exe, &server, tmp.path());
    // A stack name is letters, digits and hyphens (a member template's file name has a dot),
    // and a function's generated name carries it.
    let stack = format!("sagesynth-test-{}", name.replace('.', "-"));

    let overrides = prepare(&aws);
    for o in &overrides {
        say(format!("parameter: {o}"));
    }
    let start = Instant::now();
    deploy(&mut aws, &server, &file, &stack, &overrides);
    let deployed_in = start.elapsed();

    let described = aws.json(&["cloudformation", "describe-stacks", "--stack-name", &stack]);
    let s = &described["Stacks"][0];
    assert_eq!(
        s["StackStatus"],
        "CREATE_COMPLETE",
        "stack {stack} is not CREATE_COMPLETE: {s:#}\n{}",
        server.log_tail(60)
    );
    say(format!(
        "deployed as {stack}: CREATE_COMPLETE in {:.1} s",
        deployed_in.as_secs_f64()
    ));
    let stack_id = s["StackId"].as_str().expect("StackId").to_string();
    let account = stack_id
        .split(':')
        .nth(4)
        .expect("account in StackId")
        .to_string();
    let params: BTreeMap<String, String> = s["Parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            // moto answers a list parameter's value with Python's `str()` of the list
            // (`['subnet-1', 'subnet-2']`), not the comma-separated string AWS returns.
            let listed = p["ParameterValue"]
                .as_str()
                .filter(|v| v.starts_with('['))
                .and_then(|v| moto::python_literal(v).ok());
            let value = match listed.as_ref().unwrap_or(&p["ParameterValue"]) {
                Value::Array(items) => items
                    .iter()
                    .filter_map(scalar)
                    .collect::<Vec<_>>()
                    .join(","),
                v => scalar(v)?,
            };
            Some((p["ParameterKey"].as_str()?.to_string(), value))
        })
        .collect();

    let listed = aws.json(&[
        "cloudformation",
        "describe-stack-resources",
        "--stack-name",
        &stack,
    ]);
    let mut physical = BTreeMap::new();
    let mut created = BTreeSet::new();
    for r in listed["StackResources"].as_array().expect("StackResources") {
        // moto lists each skipped resource as an entry without logical id: ignored here.
        let Some(logical) = r["LogicalResourceId"].as_str() else {
            continue;
        };
        created.insert(logical.to_string());
        if let Some(id) = r["PhysicalResourceId"].as_str() {
            physical.insert(logical.to_string(), id.to_string());
        }
    }

    let mut ctx = Ctx {
        aws: &aws,
        r: Resolver {
            template: &variant.template,
            physical,
            params,
            region: moto::REGION.to_string(),
            account,
            partition: "aws".to_string(),
            stack_name: stack.clone(),
            stack_id: stack_id.clone(),
        },
        tally: Tally::default(),
        diffs: Vec::new(),
        gaps: BTreeSet::new(),
    };

    // moto created exactly the resources of the types it implements.
    let mut skipped: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, r) in cfn::resources(&variant.template) {
        let implemented = supported.contains(type_of(r)) || type_of(r).starts_with("Custom::");
        // A resource under a condition exists only where the condition holds.
        let wanted = match r.get("Condition").and_then(Value::as_str) {
            Some(name) => match ctx.r.condition(name) {
                Some(holds) => holds,
                None => panic!("{name}: a condition the test cannot evaluate"),
            },
            None => true,
        };
        match (implemented, created.contains(id)) {
            (true, true) if !wanted => ctx.diffs.push(format!(
                "{id} ({}): created, though its condition does not hold",
                type_of(r)
            )),
            (true, false) if wanted => ctx
                .diffs
                .push(format!("{id} ({}): not created by moto", type_of(r))),
            (false, true) => ctx.diffs.push(format!(
                "{id} ({}): created, though moto lists the type as unimplemented",
                type_of(r)
            )),
            (false, false) => skipped.entry(type_of(r)).or_default().push(id),
            _ => {}
        }
    }
    if skipped.is_empty() {
        say("moto created every resource of the template".to_string());
    } else {
        say("resource types moto skipped (not created, not checked):".to_string());
        for (ty, ids) in &skipped {
            say(format!("  - {ty} x{}: {}", ids.len(), ids.join(", ")));
        }
    }

    network::check_vpcs(&mut ctx);
    network::check_subnets(&mut ctx);
    network::check_vpc_endpoints(&mut ctx);
    security_groups::check_security_groups(&mut ctx);
    iam::check_roles(&mut ctx);
    iam::check_managed_policies(&mut ctx);
    iam::check_instance_profiles(&mut ctx);
    kms::check_kms(&mut ctx);
    instances::check_instances(&mut ctx);
    s3::check_buckets(&mut ctx);
    sqs::check_queues(&mut ctx);
    lambda::check_functions(&mut ctx);
    lambda::check_permissions(&mut ctx);
    events::check_rules(&mut ctx);
    ssm::check_parameters(&mut ctx);

    let checked_types: BTreeSet<&str> = CHECKED_TYPES.iter().copied().collect();
    let unchecked: BTreeSet<&str> = cfn::resources(&variant.template)
        .map(|(_, r)| type_of(r))
        .filter(|t| supported.contains(*t) && !checked_types.contains(t))
        .collect();
    say(format!(
        "{} values equal to the template; {} template values not compared (intrinsics \
         the test cannot evaluate)",
        ctx.tally.compared, ctx.tally.unresolved
    ));
    if !unchecked.is_empty() {
        say(format!(
            "created by moto, no checks in this test: {}",
            unchecked.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    for gap in &ctx.gaps {
        say(format!("not verified (moto): {gap}"));
    }
    let mut diffs = ctx.diffs;
    diffs.extend(delete_stack(&aws, &server, &stack, &stack_id));
    say("deleted: delete-stack, then wait stack-delete-complete".to_string());
    diffs
}

/// `aws cloudformation delete-stack`, then `aws cloudformation wait stack-delete-complete`,
/// and the stack, looked up by its id, is DELETE_COMPLETE. Resources with DeletionPolicy
/// Retain (keys, logs, retained buckets) stay behind, as on AWS. The Studio cleanups are
/// the deployed variant's stand-ins (see `support::cfn::stand_in_for_custom_resources`).
///
/// moto 5.2.1's CloudFormation deletes neither `AWS::EC2::VPCEndpoint` nor
/// `AWS::EC2::RouteTable` nor `AWS::IAM::ManagedPolicy` (their models have no delete
/// handler), so its deletion of the VPC fails with DependencyViolation ("The vpc … has
/// dependencies") and that of a role a managed policy is attached to with DeleteConflict
/// ("must detach all policies first"), whatever the template. The test deletes those three
/// kinds itself first, by the stack's physical ids, through the EC2 and IAM APIs (route
/// tables after disassociating them, policies after detaching them), says so, and leaves
/// everything else to `delete-stack`.
fn delete_stack(aws: &Aws, server: &MotoServer, stack: &str, stack_id: &str) -> Vec<String> {
    let listed = aws.json(&[
        "cloudformation",
        "describe-stack-resources",
        "--stack-name",
        stack,
    ]);
    let of_type = |ty: &str| -> Vec<String> {
        listed["StackResources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["ResourceType"] == ty)
            .filter_map(|r| r["PhysicalResourceId"].as_str().map(str::to_string))
            .collect()
    };
    let endpoints = of_type("AWS::EC2::VPCEndpoint");
    if !endpoints.is_empty() {
        let mut args = vec!["ec2", "delete-vpc-endpoints", "--vpc-endpoint-ids"];
        args.extend(endpoints.iter().map(String::as_str));
        aws.json(&args);
    }
    let route_tables = of_type("AWS::EC2::RouteTable");
    for table in &route_tables {
        let described = aws.json(&["ec2", "describe-route-tables", "--route-table-ids", table]);
        for association in described["RouteTables"][0]["Associations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["RouteTableAssociationId"].as_str())
        {
            aws.json(&[
                "ec2",
                "disassociate-route-table",
                "--association-id",
                association,
            ]);
        }
        aws.json(&["ec2", "delete-route-table", "--route-table-id", table]);
    }
    let managed = of_type("AWS::IAM::ManagedPolicy");
    for policy in &managed {
        let entities = aws.json(&["iam", "list-entities-for-policy", "--policy-arn", policy]);
        for (list, key, verb, flag) in [
            (
                "PolicyRoles",
                "RoleName",
                "detach-role-policy",
                "--role-name",
            ),
            (
                "PolicyGroups",
                "GroupName",
                "detach-group-policy",
                "--group-name",
            ),
            (
                "PolicyUsers",
                "UserName",
                "detach-user-policy",
                "--user-name",
            ),
        ] {
            for name in entities[list]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e[key].as_str())
            {
                aws.json(&["iam", verb, flag, name, "--policy-arn", policy]);
            }
        }
        aws.json(&["iam", "delete-policy", "--policy-arn", policy]);
    }
    if !endpoints.is_empty() || !route_tables.is_empty() || !managed.is_empty() {
        support::loud(&format!(
            "deploy_moto: {stack}: deleted {} VPC endpoint(s), {} route table(s) and {} managed \
             policy(ies) through EC2 and IAM before delete-stack (moto's CloudFormation does not \
             delete them)",
            endpoints.len(),
            route_tables.len(),
            managed.len()
        ));
    }
    aws.json(&["cloudformation", "delete-stack", "--stack-name", stack]);
    let waited = aws.run(&[
        "cloudformation",
        "wait",
        "stack-delete-complete",
        "--stack-name",
        stack,
    ]);
    if !waited.status.success() {
        return vec![format!(
            "stack {stack} was not deleted: {}\n{}",
            String::from_utf8_lossy(&waited.stderr),
            server.log_tail(40)
        )];
    }
    let described = aws.json(&[
        "cloudformation",
        "describe-stacks",
        "--stack-name",
        stack_id,
    ]);
    match described["Stacks"][0]["StackStatus"].as_str() {
        Some("DELETE_COMPLETE") => Vec::new(),
        other => vec![format!("stack {stack} after deletion: {other:?}")],
    }
}

/// A StackSet member template (`NAME.member.template.json`) gets its parameters from the
/// StackSet of `NAME.template.json`: the stack set's values, and the overrides of its first
/// group of stack instances (the first account of the definition). A GetAtt of a central
/// role becomes a role ARN of moto's account. Other templates need no parameters.
fn stack_set_parameters(member: &Path) -> Vec<String> {
    let file = member
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or_default();
    let Some(stem) = file.strip_suffix(".member.template.json") else {
        return member_template_url(member);
    };
    let central = member.with_file_name(format!("{stem}.template.json"));
    let template = support::read_template(&central);
    let (_, stack_set) = cfn::resources(&template)
        .find(|(_, r)| type_of(r) == "AWS::CloudFormation::StackSet")
        .expect("the central template has a StackSet");
    let value = |v: &Value| match (v.as_str(), cfn::getatt_parts(&v["Fn::GetAtt"])) {
        (Some(s), _) => s.to_string(),
        (None, Some((role, attr))) if attr == "Arn" => {
            format!("arn:aws:iam::{}:role/{role}", moto::ACCOUNT)
        }
        _ => panic!("a StackSet parameter value the test cannot give: {v}"),
    };
    let props = &stack_set["Properties"];
    props["Parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(
            props["StackInstancesGroup"][0]["ParameterOverrides"]
                .as_array()
                .into_iter()
                .flatten(),
        )
        .map(|p| {
            format!(
                "{}={}",
                p["ParameterKey"].as_str().expect("ParameterKey"),
                value(&p["ParameterValue"])
            )
        })
        .collect()
}

/// A central template whose member is too large to embed takes the member's S3 URL as the
/// parameter `MemberTemplateUrl`. moto skips `AWS::CloudFormation::StackSet`, so nothing
/// reads the URL: a placeholder of the right shape is given.
fn member_template_url(central: &Path) -> Vec<String> {
    let template = support::read_template(central);
    if template["Parameters"]["MemberTemplateUrl"].is_null() {
        return Vec::new();
    }
    vec![
        "MemberTemplateUrl=https://sagesynth-test-templates.s3.amazonaws.com/member.template.json"
            .to_string(),
    ]
}

/// `aws cloudformation deploy` of `file` as `stack`; panics with the CLI's and moto's
/// output if it fails.
fn deploy(aws: &mut Aws, server: &MotoServer, file: &Path, stack: &str, overrides: &[String]) {
    let file_arg = file.to_str().expect("temporary path is UTF-8");
    let mut args = vec![
        "cloudformation",
        "deploy",
        "--template-file",
        file_arg,
        "--stack-name",
        stack,
        "--capabilities",
        "CAPABILITY_NAMED_IAM",
    ];
    let size = fs::metadata(file).expect("template size").len();
    if size > INLINE_TEMPLATE_LIMIT {
        // The CLI uploads the template to S3 and passes its URL. moto parses a path-style
        // URL (bucket in the path) only when the host contains "localhost": with
        // 127.0.0.1 it takes "127" for the bucket. Hence a localhost S3 endpoint.
        aws.set_env(
            "AWS_ENDPOINT_URL_S3",
            &format!("http://localhost:{}", server.port),
        );
        aws.json(&["s3api", "create-bucket", "--bucket", TEMPLATE_BUCKET]);
        args.extend(["--s3-bucket", TEMPLATE_BUCKET]);
    }
    if !overrides.is_empty() {
        args.push("--parameter-overrides");
        args.extend(overrides.iter().map(String::as_str));
    }
    let out = aws.run(&args);
    assert!(
        out.status.success(),
        "`aws {}` failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        server.log_tail(60)
    );
}

/// Resource types this test compares with moto's answers.
const CHECKED_TYPES: &[&str] = &[
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::InstanceProfile",
    "AWS::KMS::Key",
    "AWS::KMS::Alias",
    "AWS::EC2::Instance",
    "AWS::S3::Bucket",
    "AWS::SQS::Queue",
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Events::Rule",
    "AWS::SSM::Parameter",
];

/// What the checks share: the CLI, the resolver and the results.
struct Ctx<'a> {
    aws: &'a Aws,
    r: Resolver<'a>,
    tally: Tally,
    diffs: Vec<String>,
    /// Properties moto ignores, so their values could not be verified.
    gaps: BTreeSet<String>,
}

impl Ctx<'_> {
    /// Logical id, resource and physical id of every created resource of type `ty`.
    fn created(&self, ty: &str) -> Vec<(String, Value, String)> {
        cfn::resources(self.r.template)
            .filter(|(_, r)| type_of(r) == ty)
            .filter_map(|(id, r)| Some((id.clone(), r.clone(), self.r.physical.get(id)?.clone())))
            .collect()
    }

    /// Compares a template value (resolved here) with moto's.
    fn check(&mut self, what: &str, template_value: &Value, actual: &Value) {
        let expected = self.r.resolve(template_value);
        compare(&expected, actual, what, &mut self.tally, &mut self.diffs);
    }

    /// Compares two lists as sets; with an unresolved item, only their sizes.
    fn check_set(&mut self, what: &str, template_value: Option<&Value>, actual: Vec<String>) {
        let expected = template_value
            .map(|v| self.r.resolve(v))
            .unwrap_or(json!([]));
        let items = expected
            .as_array()
            .cloned()
            .unwrap_or_else(|| vec![expected]);
        let resolved: Option<Vec<String>> = items
            .iter()
            .map(|v| {
                if cfn::is_unresolved(v) {
                    None
                } else {
                    scalar(v)
                }
            })
            .collect();
        let mut actual = actual;
        actual.sort();
        match resolved {
            Some(mut e) => {
                e.sort();
                if e == actual {
                    self.tally.compared += e.len().max(1);
                } else {
                    self.diffs
                        .push(format!("{what}: expected {e:?}, got {actual:?}"));
                }
            }
            None if items.len() == actual.len() => self.tally.unresolved += items.len(),
            None => self.diffs.push(format!(
                "{what}: expected {} items, got {actual:?}",
                items.len()
            )),
        }
    }

    fn gap(&mut self, msg: String) {
        self.gaps.insert(msg);
    }
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| {
            let x = if key.is_empty() { item } else { &item[key] };
            x.as_str().map(str::to_string)
        })
        .collect()
}

fn is_true(v: Option<&Value>) -> bool {
    v.and_then(scalar)
        .is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

/// Synthesizes `tests/data/<name>.yaml`, lets `expect` check that the template still holds
/// what the test is about, deploys it on moto and compares moto's resources with it.
fn deploy_test_definition(aws: &Path, moto_server: &Path, name: &str, expect: impl FnOnce(&Value)) {
    let file_name = format!("tests/data/{name}.yaml");
    let text = fs::read_to_string(support::manifest_dir().join(&file_name))
        .unwrap_or_else(|e| panic!("reading {file_name}: {e}"));
    let synthesis = support::stacks::synthesize(name, &text);
    expect(&support::stacks::json(&synthesis));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join(format!("{name}.template.json"));
    fs::write(&file, synthesis.body()).expect("writing the template");
    let supported = moto::supported_types(moto_server);
    let diffs = deploy_and_check(aws, moto_server, &supported, &file);
    assert!(
        diffs.is_empty(),
        "moto's resources differ from the template:\n  {}",
        diffs.join("\n  ")
    );
}
