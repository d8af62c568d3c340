//! Multi-account definitions (`accounts` + `rollout`): the two templates they produce,
//! and every way the definition can be wrong (exit 2, nothing written, the exact message).

mod support;

use serde_json::Value as Json;
use support::bin::{scratch, synth};
use support::iam_eval::Evaluator;
use support::stacks::{self, definition};

/// `synth --stack NAME --out out` on `text` in a scratch folder: exit code 2, nothing on
/// stdout, `out/` left empty; returns stderr.
fn input_error_named(name: &str, text: &str) -> String {
    let dir = scratch(&[(format!("{name}.yaml").as_str(), text)]);
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let (code, stdout, stderr) = synth(dir.path(), &["--stack", name, "--out", "out"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert_eq!(
        std::fs::read_dir(dir.path().join("out")).unwrap().count(),
        0,
        "out/ was written to"
    );
    stderr
}

fn input_error(text: &str) -> String {
    input_error_named("multi", text)
}

/// `text` with `from` replaced, checking that it was there.
fn edit(from: &str, to: &str) -> String {
    let text = definition("studio-multi-account");
    assert!(
        text.contains(from),
        "the shipped definition has no `{from}`"
    );
    text.replacen(from, to, 1)
}

#[test]
fn the_shipped_definition_makes_a_central_and_a_member_template() {
    let s = stacks::synthesize_shipped("studio-multi-account");
    assert_eq!(s.children.len(), 1);
    assert_eq!(s.children[0].name, "studio-multi-account.member");
    let central = stacks::json(&s);
    let member = stacks::json(&s.children[0]);
    // The member template, which carries the Studio cleanup's function, is over the 51,200
    // bytes a StackSet embeds: the StackSet reads it from the uploaded file's URL.
    let stack_set = &central["Resources"]["MemberStackSet"]["Properties"];
    assert!(stack_set.get("TemplateBody").is_none());
    assert_eq!(
        stack_set["TemplateURL"],
        serde_json::json!({"Ref": "MemberTemplateUrl"})
    );
    assert!(serde_json::to_string(&member).unwrap().len() > 51_200);
    // A delegated administrator creates it; it targets the listed accounts within the
    // definition's OUs, in its regions, and nothing else: no group for the rest of the
    // OUs, and no auto-deployment to accounts that join them.
    assert_eq!(stack_set["CallAs"], "DELEGATED_ADMIN");
    assert_eq!(
        stack_set["AutoDeployment"],
        serde_json::json!({"Enabled": false})
    );
    let groups = stack_set["StackInstancesGroup"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    for g in groups {
        assert_eq!(
            g["DeploymentTargets"]["OrganizationalUnitIds"],
            serde_json::json!(["ou-abcd-12345678"])
        );
        assert_eq!(g["Regions"], serde_json::json!(["eu-west-1"]));
    }
    let filters: Vec<(&str, &Json)> = groups
        .iter()
        .map(|g| {
            (
                g["DeploymentTargets"]["AccountFilterType"]
                    .as_str()
                    .unwrap(),
                &g["DeploymentTargets"]["Accounts"],
            )
        })
        .collect();
    assert_eq!(
        filters,
        vec![
            ("INTERSECTION", &serde_json::json!(["111111111111"])),
            ("INTERSECTION", &serde_json::json!(["222222222222"])),
        ]
    );
    // No account id is written into the member template.
    let member_text = s.children[0].body();
    for id in ["111111111111", "222222222222"] {
        assert!(!member_text.contains(id), "{id} in the member template");
    }
    // Each function may assume exactly its own member provisioning roles.
    for (role, duty) in [
        ("OnboardingFunctionRole", "onboarding"),
        ("OffboardingFunctionRole", "offboarding"),
    ] {
        let statements =
            &central["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
        let assume = statements
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Action"] == serde_json::json!(["sts:AssumeRole"]))
            .unwrap();
        assert_eq!(
            assume["Resource"],
            serde_json::json!([
                {"Fn::Sub": format!("arn:${{AWS::Partition}}:iam::111111111111:role/studio-multi-account-{duty}-eu-west-1")},
                {"Fn::Sub": format!("arn:${{AWS::Partition}}:iam::222222222222:role/studio-multi-account-{duty}-eu-west-1")}
            ])
        );
        assert!(
            !statements.to_string().contains("sagemaker:"),
            "{role}: the central functions act in SageMaker only through the member role"
        );
    }
    // Findings: only the inline-size warning of the central template (the member is
    // never deployed with `--template-file`) and the reminder to upload the member,
    // besides the functions' exempted VPC check (the next test).
    let rules: Vec<&str> = s
        .all()
        .iter()
        .flat_map(|t| t.findings.iter().filter(|f| f.suppressed.is_none()))
        .map(|f| f.rule)
        .collect();
    assert_eq!(
        rules,
        vec!["CFN-LIMIT-INLINE-BODY", "STACKSET-MEMBER-UPLOAD"]
    );
}

/// The central functions call other Regions' SageMaker and SSM APIs, which no interface
/// endpoint of a VPC here reaches: they stay outside a VPC, and say why to synth and
/// checkov alike; their STS calls go to the Region's own endpoint.
/// `targets: organizational_units`: the listed accounts with their groups, every other
/// account of the OUs without (DIFFERENCE), new ones automatically, and the departing
/// accounts' stacks kept or deleted as `account_removal` says.
#[test]
fn organizational_units_as_targets_add_the_rest_of_the_units() {
    for (removal, retain) in [("delete_stack", false), ("retain_stack", true)] {
        let text = edit("targets: accounts", "targets: organizational_units")
            .replace(
                "account_removal: delete_stack",
                &format!("account_removal: {removal}"),
            )
            .replace("call_as: delegated_admin", "call_as: self");
        let central = stacks::template("multi", &text);
        let stack_set = &central["Resources"]["MemberStackSet"]["Properties"];
        assert_eq!(stack_set["CallAs"], "SELF");
        assert_eq!(
            stack_set["AutoDeployment"],
            serde_json::json!({"Enabled": true, "RetainStacksOnAccountRemoval": retain})
        );
        let groups = stack_set["StackInstancesGroup"].as_array().unwrap();
        assert_eq!(groups.len(), 3);
        assert_eq!(
            groups[2]["DeploymentTargets"],
            serde_json::json!({
                "AccountFilterType": "DIFFERENCE",
                "Accounts": ["111111111111", "222222222222"],
                "OrganizationalUnitIds": ["ou-abcd-12345678"]
            })
        );
        assert!(groups[2].get("ParameterOverrides").is_none());
    }
}

/// The provisioning role of `account` in `region`, by the name the member template gives it.
/// The member provisioning role of one function (`onboarding` or `offboarding`).
fn provisioning_role(function: &str, account: &str, region: &str) -> String {
    format!("arn:aws:iam::{account}:role/studio-multi-account-{function}-{region}")
}

/// The evaluator over a central template, with the values it cannot derive itself.
fn central_iam(template: &Json) -> Evaluator<'_> {
    Evaluator::new(template).with_attribute(
        "OnboardingDeadLetterQueue",
        "Arn",
        "arn:aws:sqs:eu-west-1:111122223333:OnboardingDeadLetterQueue",
    )
}

/// Access matrix, central side: a function role may assume the provisioning role only in
/// the accounts and regions the definition lists now. A member stack that outlives its
/// place in the definition (retained, or not yet deleted) still trusts the function
/// roles, and a cross-account AssumeRole needs the caller's own policy to allow it too:
/// this row is what refuses that account.
#[test]
fn the_functions_assume_provisioning_roles_only_in_the_listed_accounts() {
    let shipped = stacks::template("studio-multi-account", &definition("studio-multi-account"));
    let without_audit = {
        let text = definition("studio-multi-account");
        let start = text.find("  audit:\n").unwrap();
        let end = text.find("rollout:\n").unwrap();
        stacks::template(
            "studio-multi-account",
            &format!("{}\n{}", &text[..start], &text[end..]),
        )
    };
    for (role, function, other) in [
        ("OnboardingFunctionRole", "onboarding", "offboarding"),
        ("OffboardingFunctionRole", "offboarding", "onboarding"),
    ] {
        let iam = central_iam(&shipped);
        for account in ["111111111111", "222222222222"] {
            iam.assert_allowed(
                role,
                "sts:AssumeRole",
                &provisioning_role(function, account, "eu-west-1"),
                &[],
            );
        }
        // An account of the organization that is not listed, the listed accounts in a
        // region outside the rollout, the other function's role, and another role in a
        // listed account.
        for arn in [
            provisioning_role(function, "333333333333", "eu-west-1"),
            provisioning_role(function, "111111111111", "us-east-1"),
            provisioning_role(other, "111111111111", "eu-west-1"),
            "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole".to_string(),
        ] {
            iam.assert_denied(role, "sts:AssumeRole", &arn, &[]);
        }
        // The account removed from the definition: refused, the other still allowed.
        let iam = central_iam(&without_audit);
        iam.assert_denied(
            role,
            "sts:AssumeRole",
            &provisioning_role(function, "222222222222", "eu-west-1"),
            &[],
        );
        iam.assert_allowed(
            role,
            "sts:AssumeRole",
            &provisioning_role(function, "111111111111", "eu-west-1"),
            &[],
        );
    }
}

#[test]
fn the_central_functions_are_exempt_from_the_vpc_check_with_the_reason() {
    let s = stacks::synthesize_shipped("studio-multi-account");
    let central = stacks::json(&s);
    for function in ["OnboardingFunction", "OffboardingFunction"] {
        let r = &central["Resources"][function];
        assert!(r["Properties"].get("VpcConfig").is_none(), "{function}");
        let exemptions = r["Metadata"]["sagesynth"]["exemptions"].as_array().unwrap();
        assert_eq!(exemptions.len(), 1, "{function}");
        assert_eq!(exemptions[0]["rule"], "LAMBDA-IN-VPC");
        let reason = exemptions[0]["reason"].as_str().unwrap();
        for named in [
            "SageMaker API (CreateUserProfile",
            "Systems Manager (GetParameter)",
            "https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-cross-region-privatelink-support.html",
        ] {
            assert!(reason.contains(named), "{function}: {reason}");
        }
        assert_eq!(
            r["Metadata"]["checkov"]["skip"],
            serde_json::json!([{"id": "CKV_AWS_117", "comment": reason}])
        );
        // The rule pack still finds it, and reports it as silenced with that reason.
        let finding = s
            .findings
            .iter()
            .find(|f| f.rule == "LAMBDA-IN-VPC" && f.resource() == Some(function))
            .unwrap_or_else(|| panic!("{function}: {:?}", s.findings));
        assert_eq!(finding.suppressed.as_deref(), Some(reason));
        assert_eq!(
            r["Properties"]["Environment"]["Variables"]["AWS_STS_REGIONAL_ENDPOINTS"],
            "regional"
        );
    }
}

/// A UUID-shaped Identity Store group id of its own for generated group `i`.
fn fake_group_id(i: u64) -> String {
    format!("{i:08x}-0000-4000-8000-000000000000")
}

#[test]
fn a_large_member_template_is_read_from_a_url_parameter() {
    // Many groups make the member template larger than a StackSet's TemplateBody.
    let mut groups = String::new();
    for i in 0..40 {
        groups.push_str(&format!(
            "      team-{i:02}: {{ group_id: {}, grants: {{ buckets: {{ research-data: [read, list] }} }} }}\n",
            fake_group_id(i)
        ));
    }
    let text = edit(
        "      ml-auditors:\n",
        &format!("{groups}      ml-auditors:\n"),
    );
    let s = stacks::synthesize("multi", &text);
    let central = stacks::json(&s);
    let props = &central["Resources"]["MemberStackSet"]["Properties"];
    assert!(props.get("TemplateBody").is_none());
    assert_eq!(
        props["TemplateURL"],
        serde_json::json!({"Ref": "MemberTemplateUrl"})
    );
    assert!(
        central["Parameters"]["MemberTemplateUrl"]["Description"]
            .as_str()
            .unwrap()
            .contains("multi.member.template.json")
    );
    let compact = serde_json::to_string(&stacks::json(&s.children[0])).unwrap();
    assert!(compact.len() > 51_200, "{} bytes", compact.len());
    // synth says the member must be uploaded first.
    let upload = s
        .findings
        .iter()
        .find(|f| f.rule == "STACKSET-MEMBER-UPLOAD")
        .unwrap_or_else(|| panic!("{:?}", s.findings));
    assert!(
        upload.message.contains("MemberTemplateUrl"),
        "{}",
        upload.message
    );
    // The mapping of 43 groups is in the functions' code, not their environment (which
    // Lambda caps at 4 KB): no error.
    assert!(
        !s.all().iter().any(|t| t.has_errors()),
        "{:?}",
        s.all().iter().flat_map(|t| &t.findings).collect::<Vec<_>>()
    );
}

#[test]
fn rollout_without_accounts() {
    let text = definition("studio-multi-account");
    let start = text.find("accounts:\n").unwrap();
    let end = text.find("rollout:\n").unwrap();
    insta::assert_snapshot!(input_error(&format!("{}{}", &text[..start], &text[end..])));
}

#[test]
fn accounts_without_rollout() {
    let text = definition("studio-multi-account");
    let start = text.find("rollout:\n").unwrap();
    let end = text.find("onboarding:\n").unwrap();
    insta::assert_snapshot!(input_error(&format!("{}{}", &text[..start], &text[end..])));
}

#[test]
fn short_account_id() {
    insta::assert_snapshot!(input_error(&edit(
        "account_id: \"222222222222\"",
        "account_id: \"2222\""
    )));
}

#[test]
fn the_same_account_twice() {
    insta::assert_snapshot!(input_error(&edit(
        "account_id: \"222222222222\"",
        "account_id: \"111111111111\""
    )));
}

#[test]
fn a_group_in_two_accounts() {
    insta::assert_snapshot!(input_error(&edit(
        "      ml-auditors:",
        "      ml-researchers:"
    )));
}

#[test]
fn bad_organizational_unit() {
    insta::assert_snapshot!(input_error(&edit("[ou-abcd-12345678]", "[ou-abcd]")));
}

#[test]
fn bad_region_and_a_region_twice() {
    insta::assert_snapshot!(input_error(&edit(
        "regions: [eu-west-1]",
        "regions: [eu-west-1, eu-west-1]"
    )));
    insta::assert_snapshot!(
        "bad_region",
        input_error(&edit("regions: [eu-west-1]", "regions: [Ireland]"))
    );
}

#[test]
fn percentages_out_of_range() {
    insta::assert_snapshot!(input_error(
        &edit(
            "max_concurrent_percentage: 25",
            "max_concurrent_percentage: 0"
        )
        .replace(
            "failure_tolerance_percentage: 0",
            "failure_tolerance_percentage: 101"
        )
    ));
}

#[test]
fn no_account_removal_choice() {
    insta::assert_snapshot!(input_error(&edit("  account_removal: delete_stack\n", "")));
}

#[test]
fn retained_stacks_with_listed_accounts() {
    insta::assert_snapshot!(input_error(&edit(
        "account_removal: delete_stack",
        "account_removal: retain_stack"
    )));
}

#[test]
fn unknown_targets_and_call_as() {
    insta::assert_snapshot!(
        "targets",
        input_error(&edit("targets: accounts", "targets: everything"))
    );
    insta::assert_snapshot!(
        "call_as",
        input_error(&edit("call_as: delegated_admin", "call_as: management"))
    );
}

#[test]
fn top_level_groups_with_accounts() {
    insta::assert_snapshot!(input_error(&edit(
        "accounts:\n",
        "groups:\n  ml-admins: { group_id: 0d9f3a51-2b7c-4e86-a1f4-6c5b8e2d7a90 }\n\naccounts:\n"
    )));
}

#[test]
fn single_account_components_are_refused() {
    insta::assert_snapshot!(input_error(&edit(
        "studio:\n  auth: sso\n",
        "studio:\n  auth: sso\n\nbastion: { os: linux }\n"
    )));
}

#[test]
fn iam_domain_and_dynamodb_mapping() {
    insta::assert_snapshot!(input_error(
        &edit("studio:\n  auth: sso\n", "studio:\n  auth: iam\n")
            .replace("onboarding:\n", "onboarding:\n  mapping: dynamodb\n")
    ));
}

#[test]
fn no_onboarding() {
    let text = definition("studio-multi-account");
    let start = text.find("onboarding:\n").unwrap();
    insta::assert_snapshot!(input_error(&text[..start]));
}

#[test]
fn a_stack_name_that_cannot_name_the_stack_set_or_the_role() {
    // The stack's name is its `name:` (here the file's too).
    let named = |name: &str| {
        let text = definition("studio-multi-account");
        let renamed = text.replace(
            "\nname: studio-multi-account\n",
            &format!("\nname: {name}\n"),
        );
        assert_ne!(renamed, text, "the shipped definition sets `name:`");
        renamed
    };
    insta::assert_snapshot!(
        "stack_set_name",
        input_error_named("2024-studio", &named("2024-studio"))
    );
    insta::assert_snapshot!(
        "role_name",
        input_error_named(
            "studio-multi-account-for-the-research-division",
            &named("studio-multi-account-for-the-research-division")
        )
    );
}

/// Twenty accounts, each with two groups, in two regions: the size the issue starts from.
/// Everything stays within CloudFormation's, IAM's and Lambda's limits (the mapping is in
/// the functions' code, the provisioning role reads its parameters by one path).
#[test]
fn twenty_accounts_in_two_regions_fit_every_limit() {
    let text = definition("studio-multi-account");
    let start = text.find("accounts:\n").unwrap();
    let end = text.find("rollout:\n").unwrap();
    let mut accounts = String::from("accounts:\n");
    for i in 1..=20 {
        accounts.push_str(&format!(
            "  team-{i:02}:\n    account_id: \"{:012}\"\n    groups:\n      team-{i:02}-scientists: {{ group_id: {}, grants: {{ buckets: {{ research-data: [read, write, list] }} }} }}\n      team-{i:02}-viewers: {{ group_id: {}, grants: {{ buckets: {{ research-data: [read, list] }} }} }}\n",
            100_000_000_000u64 + i,
            fake_group_id(100 + 2 * i),
            fake_group_id(101 + 2 * i)
        ));
    }
    let text = format!("{}{accounts}\n{}", &text[..start], &text[end..])
        .replace("regions: [eu-west-1]", "regions: [eu-west-1, eu-central-1]");
    let s = stacks::synthesize("multi", &text);
    let findings: Vec<_> = s
        .all()
        .iter()
        .flat_map(|t| {
            t.findings
                .iter()
                .filter(|f| f.suppressed.is_none())
                .map(|f| (t.name.clone(), f.rule, f.message.clone()))
        })
        .collect();
    // No error but the functions' exempted VPC check. Two warnings, both about deploying: the central template goes through
    // --s3-bucket, and the member (40 groups' roles) is over the StackSet's 51,200 bytes,
    // so it is uploaded and named by URL.
    let rules: Vec<(&str, &str)> = findings
        .iter()
        .map(|(t, rule, _)| (t.as_str(), *rule))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("multi", "CFN-LIMIT-INLINE-BODY"),
            ("multi", "STACKSET-MEMBER-UPLOAD")
        ],
        "{findings:?}"
    );
    let central = stacks::json(&s);
    let role = &central["Resources"]["OnboardingFunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"];
    let assume = role
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "AssumeOnlyTheMemberProvisioningRoles")
        .unwrap();
    assert_eq!(
        assume["Resource"].as_array().unwrap().len(),
        40,
        "20 accounts x 2 regions"
    );
    let groups = central["Resources"]["MemberStackSet"]["Properties"]["StackInstancesGroup"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(groups, 20, "one instance group per account");
}
