//! Every VPC endpoint of every shipped template is inside the data perimeter: the endpoint
//! of each service that takes a policy carries one, and each of its Allow statements lets
//! through only principals of this account (`aws:PrincipalAccount` = `${AWS::AccountId}`)
//! or of the definition's `perimeter.organization_id` (`aws:PrincipalOrgID`). The only
//! other statement allowed is the read of ECR's image-layer bucket, whose requests an ECR
//! account signs. `ssmmessages` and `ec2messages` take no endpoint policy and must have
//! none (see `EndpointService::supports_policy`).
//!
//! Reads the templates as JSON (`out/`, and a variant synthesized with an organization),
//! independent of the rule pack's EC2-ENDPOINT-POLICY.

mod support;

use serde_json::{Value, json};

/// Endpoint services whose endpoints take no policy (no AWS page documents one for
/// `identitystore`; the README says so).
const WITHOUT_POLICY: &[&str] = &["ssmmessages", "ec2messages", "identitystore"];

/// `com.amazonaws.${AWS::Region}.logs` -> `logs`; `aws.sagemaker.${AWS::Region}.studio` -> `studio`.
fn service(endpoint: &Value) -> String {
    let name = &endpoint["Properties"]["ServiceName"];
    let text = name
        .as_str()
        .or_else(|| name["Fn::Sub"].as_str())
        .unwrap_or_else(|| panic!("unexpected ServiceName {name}"));
    let (_, rest) = text
        .split_once("${AWS::Region}.")
        .unwrap_or_else(|| panic!("ServiceName {text} does not name the stack's region"));
    rest.to_string()
}

fn endpoints(template: &Value) -> Vec<(&str, &Value)> {
    template["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"] == "AWS::EC2::VPCEndpoint")
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

fn list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    }
}

/// `s3:GetObject` on `arn:${AWS::Partition}:s3:::prod-${AWS::Region}-starport-layer-bucket/*` only.
fn is_ecr_layer_read(statement: &Value) -> bool {
    list(&statement["Action"]) == [&json!("s3:GetObject")]
        && list(&statement["Resource"])
            == [
                &json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::prod-${AWS::Region}-starport-layer-bucket/*"}),
            ]
}

/// `s3:PutObject` on CloudFormation's custom-resource response bucket of the stack's region
/// only (`cloudformation-custom-resource-response-` and the region without dashes): how
/// the Studio cleanup, in the VPC, answers CloudFormation (README, Teardown).
fn is_cloudformation_response(statement: &Value) -> bool {
    list(&statement["Action"]) == [&json!("s3:PutObject")]
        && list(&statement["Resource"])
            == [&json!({"Fn::Sub": [
                "arn:${AWS::Partition}:s3:::cloudformation-custom-resource-response-${Var1}/*",
                {"Var1": {"Fn::Join": ["", {"Fn::Split": ["-", {"Ref": "AWS::Region"}]}]}}
            ]})]
        && statement["Condition"].is_null()
}

/// SageMaker's documented Studio endpoint policy: `sagemaker:CreateApp` on this account's
/// apps (`arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:app/*`) only,
/// for any principal (Studio's browser traffic is not signed by an IAM principal of ours).
fn is_studio_apps_of_this_account(statement: &Value) -> bool {
    list(&statement["Action"]) == [&json!("sagemaker:CreateApp")]
        && list(&statement["Resource"])
            == [
                &json!({"Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:app/*"}),
            ]
        && statement["Condition"].is_null()
}

/// Checks one template's endpoints; `trusted` is the `StringEquals` entry every Allow must
/// hold (`aws:PrincipalAccount` or `aws:PrincipalOrgID` and its value). Returns how many
/// endpoint policies were checked.
/// `s3:GetObject` on exactly the Amazon Linux repository buckets of the stack's region:
/// `al2023-repos-<region>-de612dc2`, `amazonlinux-2-repos-<region>` and
/// `amazonlinux.<region>.amazonaws.com`, which dnf and yum read unsigned.
fn is_amazon_linux_repository_read(statement: &Value) -> bool {
    list(&statement["Action"]) == [&json!("s3:GetObject")]
        && list(&statement["Resource"])
            == [
                &json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::al2023-repos-${AWS::Region}-de612dc2/*"}),
                &json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::amazonlinux-2-repos-${AWS::Region}/*"}),
                &json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::amazonlinux.${AWS::Region}.amazonaws.com/*"}),
            ]
        && statement["Condition"].is_null()
}

fn check(name: &str, template: &Value, trusted: (&str, &Value)) -> usize {
    let mut checked = 0;
    for (id, endpoint) in endpoints(template) {
        let service = service(endpoint);
        let policy = &endpoint["Properties"]["PolicyDocument"];
        if WITHOUT_POLICY.contains(&service.as_str()) {
            assert!(
                policy.is_null(),
                "{name}: {id} ({service}) has a policy, but the service takes none"
            );
            continue;
        }
        assert!(
            policy.is_object(),
            "{name}: {id} ({service}) has no endpoint policy: AWS's default admits every principal"
        );
        let statements = list(&policy["Statement"]);
        assert!(!statements.is_empty(), "{name}: {id}: empty policy");
        let mut names_principal = false;
        for (i, s) in statements.iter().enumerate() {
            if s["Effect"] != "Allow" {
                continue;
            }
            if is_ecr_layer_read(s) {
                assert_eq!(service, "s3", "{name}: {id}: an ECR layer read outside S3");
                continue;
            }
            if is_cloudformation_response(s) {
                assert_eq!(service, "s3", "{name}: {id}: a response bucket outside S3");
                continue;
            }
            if is_amazon_linux_repository_read(s) {
                assert_eq!(
                    service, "s3",
                    "{name}: {id}: an Amazon Linux repository read outside S3"
                );
                continue;
            }
            if service == "studio" {
                assert!(
                    is_studio_apps_of_this_account(s),
                    "{name}: {id} Statement[{i}] admits more than this account's Studio apps: {s}"
                );
                names_principal = true;
                continue;
            }
            let equals = &s["Condition"]["StringEquals"];
            assert_eq!(
                &equals[trusted.0], trusted.1,
                "{name}: {id} Statement[{i}] does not limit {} to {}: {s}",
                trusted.0, trusted.1
            );
            // Nothing else in the statement may widen it: no IfExists or Null escape.
            let operators: Vec<&String> = s["Condition"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
                .collect();
            assert_eq!(operators, ["StringEquals"], "{name}: {id} Statement[{i}]");
            names_principal = true;
        }
        assert!(
            names_principal,
            "{name}: {id}: no Allow names the trusted principals"
        );
        checked += 1;
    }
    checked
}

#[test]
fn every_shipped_endpoint_admits_only_this_accounts_principals() {
    let account = json!({"Ref": "AWS::AccountId"});
    let mut checked = 0;
    let mut templates_with_endpoints = 0;
    for path in support::shipped_templates() {
        let name = support::template_name(&path);
        // `studio-multi-account.member` is synthesized from `studio-multi-account`.
        let definition = name.split('.').next().unwrap_or(&name);
        let loaded = support::stacks::load(definition, &support::stacks::definition(definition));
        let trusted = match &loaded.definition.perimeter.organization_id {
            Some(org) => ("aws:PrincipalOrgID", json!(org.0)),
            None => ("aws:PrincipalAccount", account.clone()),
        };
        let template = support::read_template(&path);
        let n = check(&name, &template, (trusted.0, &trusted.1));
        if n > 0 {
            templates_with_endpoints += 1;
        }
        checked += n;
    }
    // Seven of the eight shipped templates have a network (the multi-account central one
    // has none); an empty out/ or a template read wrongly must not pass.
    assert_eq!(templates_with_endpoints, 7);
    assert!(checked >= 25, "only {checked} endpoint policies checked");
}

#[test]
fn an_organization_perimeter_admits_its_principals_and_resources() {
    let text = format!(
        "{}\nperimeter:\n  organization_id: o-abcde12345\n",
        support::stacks::definition("studio-private")
    );
    let template = support::stacks::template("studio-private", &text);
    let org = json!("o-abcde12345");
    assert_eq!(
        check("studio-private", &template, ("aws:PrincipalOrgID", &org)),
        // The 8 before, and the Studio cleanup's elasticfilesystem, lambda and ec2 endpoints.
        11
    );
    for (id, endpoint) in endpoints(&template) {
        let policy = &endpoint["Properties"]["PolicyDocument"];
        // Studio's statement names this account's apps, and the response-bucket statement
        // CloudFormation's bucket, which `check` has verified.
        for s in list(&policy["Statement"])
            .into_iter()
            .filter(|s| !is_studio_apps_of_this_account(s) && !is_cloudformation_response(s))
        {
            let equals = &s["Condition"]["StringEquals"];
            assert_eq!(equals["aws:ResourceOrgID"], org, "{id}: {s}");
            assert!(equals.get("aws:PrincipalAccount").is_none(), "{id}: {s}");
        }
    }
}

#[test]
fn an_ecr_pull_may_read_the_layer_bucket_and_nothing_else_opens() {
    let text = support::stacks::definition("notebook-identity").replace(
        "    - logs               # notebook logs\n",
        "    - logs               # notebook logs\n    - ecr.api\n    - ecr.dkr\n",
    );
    let template = support::stacks::template("notebook-identity", &text);
    let account = json!({"Ref": "AWS::AccountId"});
    assert_eq!(
        check(
            "notebook-identity",
            &template,
            ("aws:PrincipalAccount", &account)
        ),
        7
    );
    let s3 = &template["Resources"]["S3GatewayEndpoint"]["Properties"]["PolicyDocument"];
    let layer_reads = list(&s3["Statement"])
        .into_iter()
        .filter(|s| is_ecr_layer_read(s))
        .count();
    assert_eq!(layer_reads, 1, "{s3}");
}

/// The Amazon Linux repositories are admitted exactly where instances run Amazon Linux:
/// the stacks with notebook instances, not studio-private (Studio apps and a Windows
/// bastion).
#[test]
fn amazon_linux_repositories_only_where_amazon_linux_runs() {
    for (name, expected) in [
        ("team-notebooks", 1),
        ("notebook-identity", 1),
        ("notebook-identity-shared", 1),
        ("studio-private", 0),
    ] {
        let template =
            support::read_template(&support::templates_dir().join(format!("{name}.template.json")));
        let s3 = &template["Resources"]["S3GatewayEndpoint"]["Properties"]["PolicyDocument"];
        let reads = list(&s3["Statement"])
            .into_iter()
            .filter(|s| is_amazon_linux_repository_read(s))
            .count();
        assert_eq!(reads, expected, "{name}: {s3}");
    }
    // A Linux bastion brings them into studio-private.
    let text = support::stacks::definition("studio-private").replace("os: windows", "os: linux");
    let template = support::stacks::template("studio-private", &text);
    let s3 = &template["Resources"]["S3GatewayEndpoint"]["Properties"]["PolicyDocument"];
    assert_eq!(
        list(&s3["Statement"])
            .into_iter()
            .filter(|s| is_amazon_linux_repository_read(s))
            .count(),
        1
    );
}
