//! The team-notebooks stack: an access matrix evaluated statement by statement over the
//! generated policies, and one test per mistake of the source document (SPEC §5) that
//! fails if the mistake comes back.

mod support;

use serde_json::{Value as Json, json};
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::stacks;

fn template() -> Json {
    let s = stacks::synthesize_shipped("team-notebooks");
    // Over 51,200 bytes: deployed with --s3-bucket; nothing else may be reported.
    assert!(
        s.findings.iter().all(|f| f.rule == "CFN-LIMIT-INLINE-BODY"),
        "{:?}",
        s.findings
    );
    stacks::json(&s)
}

fn notebook(team: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:notebook-instance/team-notebooks-{team}")
}

const MFA: &str = "true";
const NO_MFA: &str = "false";

/// One row of the matrix: who, what, on what, with or without MFA, through which VPC
/// endpoint (if any), and the answer.
struct Row {
    principal: &'static str,
    user: Option<&'static str>,
    action: &'static str,
    resource: String,
    mfa: Option<&'static str>,
    vpce: Option<&'static str>,
    allowed: bool,
}

/// The endpoints' ids as the evaluator resolves their `Ref`s.
const API_ENDPOINT: &str = "vpce-0api";
const NOTEBOOK_ENDPOINT: &str = "vpce-0notebook";

fn row(principal: &'static str, action: &'static str, resource: String, allowed: bool) -> Row {
    Row {
        principal,
        user: None,
        action,
        resource,
        mfa: None,
        vpce: None,
        allowed,
    }
}

fn user(
    principal: &'static str,
    name: &'static str,
    mfa: &'static str,
    action: &'static str,
    resource: String,
    allowed: bool,
) -> Row {
    Row {
        principal,
        user: Some(name),
        action,
        resource,
        mfa: Some(mfa),
        vpce: None,
        allowed,
    }
}

/// The evaluator over `t`, with the endpoints' ids.
fn evaluator(t: &Json) -> Evaluator<'_> {
    Evaluator::new(t)
        .with_ref("SageMakerApiEndpoint", API_ENDPOINT)
        .with_ref("SageMakerNotebookEndpoint", NOTEBOOK_ENDPOINT)
}

/// A [`user`] row for a request that comes through the endpoint `vpce`.
fn through(vpce: &'static str, row: Row) -> Row {
    Row {
        vpce: Some(vpce),
        ..row
    }
}

#[test]
fn access_matrix() {
    let t = template();
    let iam = evaluator(&t);
    let raw = iam.resolve(&json!({"Fn::GetAtt": ["RawDataBucket", "Arn"]}));
    let results = iam.resolve(&json!({"Fn::GetAtt": ["ResultsBucket", "Arn"]}));
    let other = "arn:aws:s3:::someone-elses-bucket".to_string();
    let own_user = |u: &str| format!("arn:aws:iam::{ACCOUNT_ID}:user/{u}");
    let rows = vec![
        // Notebook roles: engineers can never delete or overwrite raw data.
        row(
            "EngineersNotebookRole",
            "s3:DeleteObject",
            format!("{raw}/2024/x.csv"),
            false,
        ),
        row(
            "EngineersNotebookRole",
            "s3:DeleteObjectVersion",
            format!("{raw}/2024/x.csv"),
            false,
        ),
        row(
            "EngineersNotebookRole",
            "s3:PutObject",
            format!("{raw}/2024/x.csv"),
            false,
        ),
        row(
            "EngineersNotebookRole",
            "s3:GetObject",
            format!("{raw}/2024/x.csv"),
            true,
        ),
        row("EngineersNotebookRole", "s3:ListBucket", raw.clone(), true),
        row(
            "EngineersNotebookRole",
            "s3:ListBucket",
            format!("{raw}/2024"),
            false,
        ),
        row(
            "EngineersNotebookRole",
            "s3:PutObject",
            format!("{results}/model.pkl"),
            true,
        ),
        row(
            "EngineersNotebookRole",
            "s3:DeleteObject",
            format!("{results}/model.pkl"),
            true,
        ),
        row(
            "EngineersNotebookRole",
            "s3:GetObject",
            format!("{other}/x"),
            false,
        ),
        row(
            "EngineersNotebookRole",
            "s3:DeleteBucket",
            raw.clone(),
            false,
        ),
        row(
            "AdministratorsNotebookRole",
            "s3:DeleteObject",
            format!("{raw}/2024/x.csv"),
            true,
        ),
        row(
            "AdministratorsNotebookRole",
            "s3:PutObject",
            format!("{raw}/2024/x.csv"),
            true,
        ),
        row(
            "AdministratorsNotebookRole",
            "s3:PutBucketPolicy",
            raw.clone(),
            false,
        ),
        row(
            "AdministratorsNotebookRole",
            "s3:GetObject",
            format!("{other}/x"),
            false,
        ),
        // People: only their own team's notebook, only with MFA, and its URL only through
        // the stack's endpoints (the API call through sagemaker.api, the browser's
        // connection through the notebook endpoint).
        through(
            API_ENDPOINT,
            user(
                "UserEngBob",
                "eng-bob",
                MFA,
                "sagemaker:CreatePresignedNotebookInstanceUrl",
                notebook("engineers"),
                true,
            ),
        ),
        through(
            NOTEBOOK_ENDPOINT,
            user(
                "UserEngBob",
                "eng-bob",
                MFA,
                "sagemaker:CreatePresignedNotebookInstanceUrl",
                notebook("engineers"),
                true,
            ),
        ),
        user(
            "UserEngBob",
            "eng-bob",
            MFA,
            "sagemaker:CreatePresignedNotebookInstanceUrl",
            notebook("engineers"),
            false,
        ),
        through(
            "vpce-0someone-else",
            user(
                "UserEngBob",
                "eng-bob",
                MFA,
                "sagemaker:CreatePresignedNotebookInstanceUrl",
                notebook("engineers"),
                false,
            ),
        ),
        user(
            "UserEngBob",
            "eng-bob",
            MFA,
            "sagemaker:DescribeNotebookInstance",
            notebook("engineers"),
            true,
        ),
        user(
            "UserEngBob",
            "eng-bob",
            MFA,
            "sagemaker:StartNotebookInstance",
            notebook("engineers"),
            true,
        ),
        through(
            API_ENDPOINT,
            user(
                "UserEngBob",
                "eng-bob",
                MFA,
                "sagemaker:CreatePresignedNotebookInstanceUrl",
                notebook("administrators"),
                false,
            ),
        ),
        user(
            "UserEngBob",
            "eng-bob",
            MFA,
            "sagemaker:DeleteNotebookInstance",
            notebook("engineers"),
            false,
        ),
        user(
            "UserEngBob",
            "eng-bob",
            MFA,
            "sagemaker:ListNotebookInstances",
            "*".to_string(),
            true,
        ),
        through(
            API_ENDPOINT,
            user(
                "UserAdminAlice",
                "admin-alice",
                MFA,
                "sagemaker:CreatePresignedNotebookInstanceUrl",
                notebook("administrators"),
                true,
            ),
        ),
        through(
            API_ENDPOINT,
            user(
                "UserAdminAlice",
                "admin-alice",
                MFA,
                "sagemaker:CreatePresignedNotebookInstanceUrl",
                notebook("engineers"),
                false,
            ),
        ),
        through(
            API_ENDPOINT,
            user(
                "UserEngCarol",
                "eng-carol",
                NO_MFA,
                "sagemaker:CreatePresignedNotebookInstanceUrl",
                notebook("engineers"),
                false,
            ),
        ),
        user(
            "UserEngCarol",
            "eng-carol",
            NO_MFA,
            "sagemaker:ListNotebookInstances",
            "*".to_string(),
            false,
        ),
        // Without MFA: setting up MFA and the initial password still works, only for oneself.
        user(
            "UserEngCarol",
            "eng-carol",
            NO_MFA,
            "iam:CreateVirtualMFADevice",
            format!("arn:aws:iam::{ACCOUNT_ID}:mfa/carol-phone"),
            true,
        ),
        user(
            "UserEngCarol",
            "eng-carol",
            NO_MFA,
            "iam:EnableMFADevice",
            own_user("eng-carol"),
            true,
        ),
        user(
            "UserEngCarol",
            "eng-carol",
            NO_MFA,
            "iam:ChangePassword",
            own_user("eng-carol"),
            true,
        ),
        user(
            "UserEngCarol",
            "eng-carol",
            NO_MFA,
            "iam:ListMFADevices",
            own_user("eng-carol"),
            true,
        ),
        user(
            "UserEngCarol",
            "eng-carol",
            NO_MFA,
            "iam:EnableMFADevice",
            own_user("eng-bob"),
            false,
        ),
        user(
            "UserEngCarol",
            "eng-carol",
            NO_MFA,
            "iam:DeactivateMFADevice",
            own_user("eng-carol"),
            false,
        ),
        user(
            "UserEngCarol",
            "eng-carol",
            MFA,
            "iam:DeactivateMFADevice",
            own_user("eng-carol"),
            true,
        ),
        user(
            "UserEngCarol",
            "eng-carol",
            MFA,
            "iam:ChangePassword",
            own_user("eng-bob"),
            false,
        ),
        user(
            "UserEngCarol",
            "eng-carol",
            MFA,
            "iam:CreateAccessKey",
            own_user("eng-carol"),
            false,
        ),
    ];
    let mut failures = Vec::new();
    for r in &rows {
        let mut context = Vec::new();
        if let Some(mfa) = r.mfa {
            context.push(("aws:MultiFactorAuthPresent", mfa));
        }
        if let Some(name) = r.user {
            context.push(("aws:username", name));
        }
        if let Some(vpce) = r.vpce {
            context.push(("aws:SourceVpce", vpce));
        }
        let d = iam.decide(r.principal, r.action, &r.resource, &context);
        if d.allowed != r.allowed {
            failures.push(format!(
                "{} {} on {} (MFA {:?}, endpoint {:?}): expected {}, got {} ({})",
                r.principal,
                r.action,
                r.resource,
                r.mfa,
                r.vpce,
                if r.allowed { "allowed" } else { "denied" },
                if d.allowed { "allowed" } else { "denied" },
                d.reason
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn without_mfa_every_group_is_denied_everything_but_mfa_setup() {
    let t = template();
    let iam = evaluator(&t);
    let raw = iam.resolve(&json!({"Fn::GetAtt": ["RawDataBucket", "Arn"]}));
    let actions = [
        (
            "sagemaker:CreatePresignedNotebookInstanceUrl",
            notebook("administrators"),
        ),
        ("sagemaker:StartNotebookInstance", notebook("engineers")),
        ("sagemaker:DescribeNotebookInstance", notebook("engineers")),
        ("s3:GetObject", format!("{raw}/x")),
        (
            "iam:CreateAccessKey",
            format!("arn:aws:iam::{ACCOUNT_ID}:user/admin-alice"),
        ),
        (
            "sts:AssumeRole",
            format!("arn:aws:iam::{ACCOUNT_ID}:role/anything"),
        ),
    ];
    for (principal, name) in [("UserAdminAlice", "admin-alice"), ("UserEngBob", "eng-bob")] {
        for (action, resource) in &actions {
            // Absent key (long-term credentials) and an explicit false both count as no MFA.
            for context in [
                vec![("aws:username", name)],
                vec![
                    ("aws:username", name),
                    ("aws:MultiFactorAuthPresent", "false"),
                ],
            ] {
                let d = iam.decide(principal, action, resource, &context);
                assert!(!d.allowed, "{principal} {action} without MFA: {}", d.reason);
            }
        }
    }
}

/// With `notebook_access.source_ip`, the notebook URL is allowed from those public ranges
/// instead of through the endpoints (IpAddress aws:SourceIp), and no in-VPC command is
/// offered.
#[test]
fn notebook_urls_from_public_ranges_instead_of_the_endpoints() {
    let text = format!(
        "{}notebook_access:\n  source_ip: [203.0.113.0/24, 2001:db8::/48]\n",
        stacks::definition("team-notebooks")
    );
    let s = stacks::synthesize("team-notebooks", &text);
    assert!(
        s.findings.iter().all(|f| f.rule == "CFN-LIMIT-INLINE-BODY"),
        "{:?}",
        s.findings
    );
    let t = stacks::json(&s);
    for group in ["AdministratorsGroup", "EngineersGroup"] {
        let statement =
            &t["Resources"][group]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0];
        assert_eq!(statement["Sid"], "OpenOwnTeamNotebookFromTheNetwork");
        assert_eq!(
            statement["Action"],
            json!(["sagemaker:CreatePresignedNotebookInstanceUrl"])
        );
        assert_eq!(
            statement["Condition"],
            json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/48"]}})
        );
    }
    assert!(t["Outputs"].get("EngineersNotebookUrlCommand").is_none());
    assert!(
        t["Outputs"]["EngineersNotebookName"]["Description"]
            .as_str()
            .unwrap()
            .contains("from the network ranges of notebook_access.source_ip")
    );
}

/// Every Allow statement of every identity and resource policy of the template.
fn allow_statements(t: &Json) -> Vec<(String, Json)> {
    let mut out = Vec::new();
    for (id, r) in t["Resources"].as_object().unwrap() {
        let p = &r["Properties"];
        let mut docs = vec![p["PolicyDocument"].clone()];
        docs.extend(
            p["Policies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| x["PolicyDocument"].clone()),
        );
        for doc in docs {
            for s in doc["Statement"].as_array().into_iter().flatten() {
                if s["Effect"] == "Allow" {
                    out.push((id.clone(), s.clone()));
                }
            }
        }
    }
    out
}

/// No grant names every action. Endpoint policies do (they filter what may pass the
/// endpoint and grant nothing; tests/endpoint_policies.rs holds them to this account),
/// so they are not grants here.
#[test]
fn seed_mistake_no_action_star_on_a_bucket() {
    let t = template();
    let grants = allow_statements(&t)
        .into_iter()
        .filter(|(id, _)| t["Resources"][id]["Type"] != "AWS::EC2::VPCEndpoint");
    for (id, s) in grants {
        for a in s["Action"].as_array().unwrap() {
            let a = a.as_str().unwrap();
            assert!(a != "*" && !a.ends_with(":*"), "{id} allows {a}");
        }
    }
}

#[test]
fn seed_mistake_list_bucket_on_the_bucket_arn_not_on_objects() {
    let mut seen = 0;
    for (id, s) in allow_statements(&template()) {
        if s["Action"]
            .as_array()
            .unwrap()
            .contains(&json!("s3:ListBucket"))
        {
            seen += 1;
            for r in s["Resource"].as_array().unwrap() {
                let is_bucket_arn = r.get("Fn::GetAtt").is_some_and(|g| g[1] == "Arn");
                let is_object_arn = r
                    .get("Fn::Sub")
                    .and_then(Json::as_str)
                    .is_some_and(|t| t.contains("/*"));
                if id == "S3GatewayEndpoint" {
                    // The endpoint policy lists buckets and objects for every action.
                    continue;
                }
                assert!(is_bucket_arn && !is_object_arn, "{id}: ListBucket on {r}");
            }
        }
    }
    assert!(seen >= 4, "both teams list both buckets");
}

#[test]
fn seed_mistake_notebook_arns_have_region_account_and_lower_case_names() {
    let t = template();
    for team in ["Administrators", "Engineers"] {
        let statement = &t["Resources"][format!("{team}Group")]["Properties"]["Policies"][0]["PolicyDocument"]
            ["Statement"][0];
        assert_eq!(
            statement["Resource"],
            json!([{"Fn::Sub": format!("arn:${{AWS::Partition}}:sagemaker:${{AWS::Region}}:${{AWS::AccountId}}:notebook-instance/team-notebooks-{}", team.to_lowercase())}])
        );
    }
}

#[test]
fn seed_mistake_mfa_deny_uses_not_action() {
    let t = template();
    let statements = t["Resources"]["MfaGuardPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap();
    let denies: Vec<&Json> = statements
        .iter()
        .filter(|s| s["Effect"] == "Deny")
        .collect();
    assert_eq!(denies.len(), 1);
    assert!(
        denies[0].get("Action").is_none(),
        "a blanket Deny would block MFA set-up"
    );
    assert!(
        denies[0]["NotAction"]
            .as_array()
            .unwrap()
            .contains(&json!("iam:EnableMFADevice"))
    );
    assert_eq!(
        denies[0]["Condition"],
        json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})
    );
    // One guard, shared by both groups.
    assert_eq!(
        t["Resources"]["MfaGuardPolicy"]["Properties"]["Groups"],
        json!([{"Ref": "AdministratorsGroup"}, {"Ref": "EngineersGroup"}])
    );
}

#[test]
fn seed_mistake_no_fixed_bucket_names() {
    let t = template();
    for (id, r) in t["Resources"].as_object().unwrap() {
        if r["Type"] == "AWS::S3::Bucket" {
            assert!(
                r["Properties"].get("BucketName").is_none(),
                "{id} has a fixed name"
            );
        }
    }
    assert_eq!(
        t["Resources"]["RawDataBucket"]["DeletionPolicy"],
        "RetainExceptOnCreate"
    );
    assert_eq!(
        t["Resources"]["RawDataBucket"]["UpdateReplacePolicy"],
        "Retain"
    );
}

#[test]
fn no_keys_and_console_passwords_only_from_generated_secrets() {
    let t = template();
    let mut console_users = Vec::new();
    for (id, r) in t["Resources"].as_object().unwrap() {
        assert_ne!(r["Type"], "AWS::IAM::AccessKey", "{id}");
        if r["Type"] == "AWS::IAM::User"
            && let Some(login) = r["Properties"].get("LoginProfile")
        {
            console_users.push(id.clone());
            // The password is a dynamic reference resolved at deploy time, never a literal.
            let password = login["Password"]["Fn::Sub"].as_str().unwrap();
            assert!(
                password.starts_with("{{resolve:secretsmanager:${")
                    && password.ends_with(":SecretString:password}}"),
                "{password}"
            );
            assert_eq!(login["PasswordResetRequired"], true);
        }
    }
    assert_eq!(console_users, vec!["UserEngCarol"]);
    let secret = &t["Resources"]["EngCarolInitialPassword"]["Properties"];
    assert_eq!(
        secret["GenerateSecretString"]["GenerateStringKey"],
        "password"
    );
    assert!(
        secret.get("SecretString").is_none(),
        "no password in the template"
    );
    // Nothing in the stack may read the secret.
    let text = serde_json::to_string(&t).unwrap();
    assert!(!text.contains("secretsmanager:GetSecretValue"));
    assert_eq!(
        t["Outputs"]["EngCarolInitialPasswordSecret"]["Value"],
        json!({"Ref": "EngCarolInitialPassword"})
    );
}

/// The initial passwords are encrypted with a key of their own, which only Secrets Manager
/// may use for data, and only for callers of this account; key and secret go with the
/// stack, as the users they belong to do.
#[test]
fn initial_passwords_have_a_key_of_their_own() {
    let t = template();
    let r = &t["Resources"];
    assert_eq!(
        r["EngCarolInitialPassword"]["Properties"]["KmsKeyId"],
        json!({"Fn::GetAtt": ["InitialPasswordKey", "Arn"]})
    );
    let statements = r["InitialPasswordKey"]["Properties"]["KeyPolicy"]["Statement"]
        .as_array()
        .unwrap();
    let data_actions = [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "kms:ReEncrypt*",
    ];
    let users: Vec<&Json> = statements
        .iter()
        .filter(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| data_actions.contains(&a.as_str().unwrap()) || a == "kms:*")
        })
        .collect();
    assert_eq!(users.len(), 1, "{statements:?}");
    assert_eq!(
        users[0]["Action"],
        json!(["kms:GenerateDataKey", "kms:Decrypt"])
    );
    assert_eq!(
        users[0]["Condition"],
        json!({"StringEquals": {
            "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"},
            "kms:CallerAccount": {"Ref": "AWS::AccountId"}
        }})
    );
    for id in ["InitialPasswordKey", "EngCarolInitialPassword"] {
        assert_eq!(r[id]["DeletionPolicy"], "Delete", "{id}");
        assert_eq!(r[id]["UpdateReplacePolicy"], "Delete", "{id}");
    }
}
