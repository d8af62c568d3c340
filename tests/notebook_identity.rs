//! The notebook-identity stacks. `notebook-identity` (one role per notebook): each role is
//! the notebook's own, and no notebook can act as another. `notebook-identity-shared`
//! (one shared role, session names): the role accepts only its notebooks' names, only
//! through the stack's STS endpoint, and leaves the instance's own session nothing but
//! the self-assume; what it cannot stop (a notebook taking another listed notebook's
//! name) is asserted too, so that the README's statement of it stays true. Both: every
//! notebook is locked down, and adding a notebook renames nothing.

mod support;

use std::collections::BTreeSet;

use sagesynth::validate::Severity;
use serde_json::{Value as Json, json};
use support::iam_eval::trust::Caller;
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::stacks::{self, definition};

const PER_ROLE: &str = "notebook-identity";
const SHARED: &str = "notebook-identity-shared";

const NOTEBOOKS: [&str; 3] = ["analyst-alice", "analyst-bob", "data-engineer-carol"];
const SHARED_NOTEBOOKS: [&str; 3] = [
    "shared-analyst-dave",
    "shared-analyst-erin",
    "shared-data-engineer-frank",
];

/// `text` as the definition `stacks/<name>.yaml`, as JSON; nothing may be reported but
/// the shared stack's warning, which its definition suppresses with a reason, and the
/// warning that a body with the notebooks' SageMaker work is too big to send inline.
fn template(name: &str, text: &str) -> Json {
    let s = stacks::synthesize(name, text);
    let unexpected: Vec<_> = s
        .findings
        .iter()
        .filter(|f| {
            // A shared-role notebook cannot stop itself: its idle-stop warning is expected
            // (the shipped definition suppresses it per notebook; an added one has none).
            let shared_expected = name == SHARED
                && ((f.rule == "SM-NOTEBOOK-SHARED-IDENTITY" && f.suppressed.is_some())
                    || f.rule == "SM-NOTEBOOK-IDLE-STOP");
            let inline_body = f.rule == "CFN-LIMIT-INLINE-BODY" && f.severity == Severity::Warning;
            !(shared_expected || inline_body)
        })
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
    if name == SHARED {
        let shared = s
            .findings
            .iter()
            .filter(|f| f.rule != "SM-NOTEBOOK-IDLE-STOP");
        assert_eq!(shared.count(), 1, "the shared role's warning is reported");
    }
    stacks::json(&s)
}

fn pascal(name: &str) -> String {
    name.split('-')
        .map(|w| format!("{}{}", &w[..1].to_uppercase(), &w[1..]))
        .collect()
}

fn notebook_arn(name: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:notebook-instance/{name}")
}

fn sids(policy: &Json) -> Vec<&str> {
    policy["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect()
}

fn assert_locked_down(t: &Json, name: &str) -> String {
    let id = format!("Notebook{}", pascal(name));
    let p = &t["Resources"][&id]["Properties"];
    assert_eq!(p["NotebookInstanceName"], name);
    assert_eq!(p["RootAccess"], "Disabled", "{id}");
    assert_eq!(p["DirectInternetAccess"], "Disabled", "{id}");
    assert_eq!(
        p["InstanceMetadataServiceConfiguration"]["MinimumInstanceMetadataServiceVersion"],
        "2"
    );
    assert_eq!(p["PlatformIdentifier"], "notebook-al2023-v1");
    assert_eq!(p["KmsKeyId"], json!({"Fn::GetAtt": ["NotebookKey", "Arn"]}));
    assert!(
        p["SubnetId"]["Ref"]
            .as_str()
            .unwrap()
            .starts_with("PrivateSubnet")
    );
    id
}

#[test]
fn every_notebook_has_a_role_of_its_own_named_after_it() {
    let t = template(PER_ROLE, &definition(PER_ROLE));
    for name in NOTEBOOKS {
        let id = assert_locked_down(&t, name);
        let role_id = format!("{id}Role");
        let p = &t["Resources"][&id]["Properties"];
        assert_eq!(p["RoleArn"], json!({"Fn::GetAtt": [role_id, "Arn"]}));
        // No identity script: the only on-start work is the idle stop.
        assert_eq!(
            p["LifecycleConfigName"],
            json!({"Fn::GetAtt": ["NotebookOnStartConfig", "NotebookInstanceLifecycleConfigName"]}),
            "{id}"
        );
        let role = &t["Resources"][&role_id]["Properties"];
        assert_eq!(role["RoleName"], format!("notebook-{name}"));
        assert_eq!(role["Path"], "/notebook-identity/");
        assert_eq!(
            role["AssumeRolePolicyDocument"]["Statement"],
            json!([{"Effect": "Allow", "Principal": {"Service": ["sagemaker.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}])
        );
        let policies = role["Policies"].as_array().unwrap();
        assert_eq!(policies.len(), 1);
        assert_eq!(
            sids(&policies[0]),
            [
                "DescribeOwnNotebook",
                "StopOwnNotebookWhenIdle",
                "WriteNotebookLogs",
                "UseVolumeKey",
                "GrantVolumeKeyToAwsResources"
            ]
        );
        let lookup = t["Outputs"][format!("CloudTrailLookup{}", pascal(name))]["Value"]["Fn::Sub"]
            .as_str()
            .unwrap();
        assert!(
            lookup.contains(&format!("':assumed-role/notebook-{name}/'")),
            "{lookup}"
        );
    }
    let types: BTreeSet<&str> = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["Type"].as_str().unwrap())
        .collect();
    // The one lifecycle configuration is the idle stop; no identity script runs.
    let script = t["Resources"]["NotebookOnStartConfig"]["Properties"]["OnStart"][0]["Content"]
        ["Fn::Base64"]
        .as_str()
        .unwrap();
    assert!(
        script.contains("# --- idle stop (generated) ---"),
        "{script}"
    );
    assert!(!script.contains("role_path_and_name"), "{script}");
    assert_eq!(
        types
            .iter()
            .filter(|t| t.contains("LifecycleConfig"))
            .count(),
        1
    );
}

/// Access matrix of the role-per-notebook stack: a notebook's role reaches its own
/// notebook and nothing of another's, and no role of a notebook can become another's.
#[test]
fn no_notebook_can_act_as_another() {
    let t = template(PER_ROLE, &definition(PER_ROLE));
    let iam = Evaluator::new(&t);
    let key = iam.resolve(&json!({"Fn::GetAtt": ["NotebookKey", "Arn"]}));
    for (own, other) in [
        ("analyst-alice", "analyst-bob"),
        ("analyst-bob", "data-engineer-carol"),
        ("data-engineer-carol", "analyst-alice"),
    ] {
        let own_role = format!("Notebook{}Role", pascal(own));
        let other_role = format!("Notebook{}Role", pascal(other));
        iam.assert_allowed(
            &own_role,
            "sagemaker:DescribeNotebookInstance",
            &notebook_arn(own),
            &[],
        );
        iam.assert_denied(
            &own_role,
            "sagemaker:DescribeNotebookInstance",
            &notebook_arn(other),
            &[],
        );
        iam.assert_denied(
            &own_role,
            "sagemaker:CreatePresignedNotebookInstanceUrl",
            &notebook_arn(other),
            &[],
        );
        iam.assert_allowed(&own_role, "kms:Decrypt", &key, &[]);
        // Not the other notebook's role, whatever the session name or network.
        for context in [
            vec![],
            vec![("sts:RoleSessionName", other)],
            vec![("sts:RoleSessionName", "SageMaker")],
        ] {
            let d = iam.decide_assume_role(Caller::Role(&own_role), &other_role, &context);
            assert!(!d.allowed, "{own_role} became {other_role}: {}", d.reason);
        }
        iam.assert_denied(
            &own_role,
            "sts:AssumeRole",
            &iam.resolve(&json!({"Fn::GetAtt": [other_role, "Arn"]})),
            &[],
        );
        // SageMaker runs each notebook as its role.
        let d = iam.decide_assume_role(Caller::Service("sagemaker.amazonaws.com"), &own_role, &[]);
        assert!(d.allowed, "{}", d.reason);
    }
}

#[test]
fn the_shared_role_accepts_only_its_notebooks_names_through_the_sts_endpoint() {
    let t = template(SHARED, &definition(SHARED));
    let role = &t["Resources"]["NotebookExecutionRole"]["Properties"];
    let own_arn = json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/notebook-identity/notebook-identity-shared"});
    let trust = &role["AssumeRolePolicyDocument"]["Statement"][1];
    assert_eq!(
        trust["Principal"],
        json!({"AWS": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}]})
    );
    assert_eq!(
        trust["Condition"],
        json!({"ArnEquals": {"aws:PrincipalArn": own_arn},
               "StringEquals": {"sts:RoleSessionName": SHARED_NOTEBOOKS, "aws:SourceVpce": {"Ref": "StsEndpoint"}}})
    );
    let policy = &role["Policies"][0];
    assert_eq!(
        sids(policy),
        [
            "AssumeItselfWithANotebookName",
            "DescribeOwnNotebooks",
            "WriteNotebookLogs",
            "UseVolumeKey",
            "GrantVolumeKeyToAwsResources",
            "BaseSessionMayOnlyAssumeItself"
        ]
    );
    let statements = policy["PolicyDocument"]["Statement"].as_array().unwrap();
    assert_eq!(statements[0]["Resource"], json!([own_arn]));
    let arns: Vec<Json> = SHARED_NOTEBOOKS
        .iter()
        .map(|n| json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:sagemaker:${{AWS::Region}}:${{AWS::AccountId}}:notebook-instance/{n}")}))
        .collect();
    assert_eq!(statements[1]["Resource"], Json::Array(arns));
    let sessions: Vec<String> = SHARED_NOTEBOOKS.iter().map(|n| format!("*:{n}")).collect();
    assert_eq!(
        statements[5]["Condition"],
        json!({"StringNotLike": {"aws:userid": sessions}})
    );
    // The residual risk is written down in the template, where scanners and reviewers see it.
    assert_eq!(
        t["Resources"]["NotebookExecutionRole"]["Metadata"]["sagesynth"]["suppressions"][0]["rule"],
        "SM-NOTEBOOK-SHARED-IDENTITY"
    );
}

/// Access matrix of the shared role, in IAM's terms. `aws:userid` of a role session is
/// `<role id>:<session name>`; SageMaker's own session of the instance is named
/// `SageMaker` (as observed on notebook instances).
#[test]
fn shared_role_access_matrix() {
    let t = template(SHARED, &definition(SHARED));
    let iam = Evaluator::new(&t).with_ref("StsEndpoint", "vpce-0sts");
    let role = "NotebookExecutionRole";
    let role_arn = iam.resolve(&json!({"Fn::GetAtt": [role, "Arn"]}));
    let key = iam.resolve(&json!({"Fn::GetAtt": ["NotebookKey", "Arn"]}));
    let base = ("aws:userid", "AROAEXAMPLEROLEID:SageMaker");
    let dave = ("aws:userid", "AROAEXAMPLEROLEID:shared-analyst-dave");
    let through_sts = ("aws:SourceVpce", "vpce-0sts");

    // The instance's own session: nothing but the self-assume and the instance's runtime.
    iam.assert_allowed(
        role,
        "sts:AssumeRole",
        &role_arn,
        &[
            base,
            through_sts,
            ("sts:RoleSessionName", "shared-analyst-dave"),
        ],
    );
    let d = iam.assert_denied(
        role,
        "sagemaker:DescribeNotebookInstance",
        &notebook_arn("shared-analyst-dave"),
        &[base],
    );
    assert!(
        d.reason.contains("BaseSessionMayOnlyAssumeItself"),
        "{}",
        d.reason
    );
    iam.assert_allowed(role, "kms:Decrypt", &key, &[base]);
    iam.assert_allowed(
        role,
        "logs:PutLogEvents",
        &format!("arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/sagemaker/NotebookInstances:log-stream:shared-analyst-dave/jupyter.log"),
        &[base],
    );
    // The notebook's session does what the role grants.
    iam.assert_allowed(
        role,
        "sagemaker:DescribeNotebookInstance",
        &notebook_arn("shared-analyst-dave"),
        &[dave],
    );

    let assume =
        |context: &[(&str, &str)]| iam.decide_assume_role(Caller::Role(role), role, context);
    // Under a notebook's name, through the stack's STS endpoint: allowed.
    for name in SHARED_NOTEBOOKS {
        let d = assume(&[base, through_sts, ("sts:RoleSessionName", name)]);
        assert!(d.allowed, "{name}: {}", d.reason);
    }
    // The residual risk the README states: dave's notebook can take erin's name, because
    // nothing in the request tells IAM which notebook asks.
    let d = assume(&[
        dave,
        through_sts,
        ("sts:RoleSessionName", "shared-analyst-erin"),
    ]);
    assert!(d.allowed, "{}", d.reason);
    // A name that is no notebook's, or no endpoint, or another endpoint: refused, so copied
    // credentials do not renew themselves outside the VPC.
    for context in [
        vec![base, through_sts, ("sts:RoleSessionName", "mallory")],
        vec![base, through_sts, ("sts:RoleSessionName", "SageMaker")],
        vec![dave, ("sts:RoleSessionName", "shared-analyst-dave")],
        vec![
            dave,
            ("aws:SourceVpce", "vpce-0elsewhere"),
            ("sts:RoleSessionName", "shared-analyst-dave"),
        ],
    ] {
        let d = assume(&context);
        assert!(!d.allowed, "{context:?}: {}", d.reason);
    }
    // No other role of the account, whatever it asks for.
    let d = iam.decide_assume_role(
        Caller::Role("VpcFlowLogRole"),
        role,
        &[through_sts, ("sts:RoleSessionName", "shared-analyst-dave")],
    );
    assert!(!d.allowed, "{}", d.reason);
    let d = iam.decide_assume_role(Caller::Service("sagemaker.amazonaws.com"), role, &[]);
    assert!(d.allowed, "{}", d.reason);
}

#[test]
fn the_shared_notebooks_run_the_identity_script_with_the_role_written_in() {
    let t = template(SHARED, &definition(SHARED));
    for name in SHARED_NOTEBOOKS {
        let id = assert_locked_down(&t, name);
        let p = &t["Resources"][&id]["Properties"];
        assert_eq!(
            p["RoleArn"],
            json!({"Fn::GetAtt": ["NotebookExecutionRole", "Arn"]})
        );
        assert_eq!(
            p["LifecycleConfigName"],
            json!({"Fn::GetAtt": ["NotebookIdentityLifecycleConfig", "NotebookInstanceLifecycleConfigName"]})
        );
        let lookup = &t["Outputs"][format!("CloudTrailLookup{}", pascal(name))]["Value"]["Fn::Sub"];
        assert_eq!(
            lookup.as_str().unwrap(),
            format!(
                "aws cloudtrail lookup-events --region ${{AWS::Region}} --lookup-attributes AttributeKey=Username,AttributeValue={name}"
            )
        );
    }
    let script = t["Resources"]["NotebookIdentityLifecycleConfig"]["Properties"]["OnStart"][0]
        ["Content"]["Fn::Base64"]
        .as_str()
        .unwrap();
    let file = std::fs::read_to_string(
        support::manifest_dir().join("src/constructs/scripts/notebook_identity_on_start.sh"),
    )
    .unwrap();
    assert_eq!(
        script,
        file.replace(
            "role_path_and_name='@ROLE_PATH_AND_NAME@'",
            "role_path_and_name='/notebook-identity/notebook-identity-shared'"
        ),
        "the template carries the script file as plain text, with only the role written in"
    );
}

/// Adds `analyst-dave` after `analyst-bob` in `text`.
fn grown(text: &str, line: &str) -> String {
    let dave = if line.contains("idle_stop_minutes") {
        "    analyst-dave: { idle_stop_minutes: 120 }\n"
    } else {
        "    analyst-dave: {}\n"
    };
    let grown = text.replace(line, &format!("{line}{dave}"));
    assert_ne!(grown, text);
    grown
}

fn ids(t: &Json) -> BTreeSet<String> {
    t["Resources"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

fn changed(before: &Json, after: &Json) -> Vec<String> {
    before["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| after["Resources"][k.as_str()] != **v)
        .map(|(k, _)| k.clone())
        .collect()
}

#[test]
fn adding_a_notebook_renames_nothing() {
    let text = definition(PER_ROLE);
    let (before, after) = (
        template(PER_ROLE, &text),
        template(
            PER_ROLE,
            &grown(
                &text,
                "    analyst-bob: { instance_type: ml.t3.medium, volume_size_gb: 20, idle_stop_minutes: 120 }\n",
            ),
        ),
    );
    let added: Vec<String> = ids(&after).difference(&ids(&before)).cloned().collect();
    // With `notebooks.sagemaker`, the new notebook's SageMaker work and job role too.
    assert_eq!(
        added,
        [
            "NotebookAnalystDave",
            "NotebookAnalystDaveMlCreate",
            "NotebookAnalystDaveMlJobRole",
            "NotebookAnalystDaveMlLaunch",
            "NotebookAnalystDaveRole"
        ]
    );
    // Only the idle-stop configuration's list of limits grows (Dave's 120 minutes).
    assert_eq!(changed(&before, &after), ["NotebookOnStartConfig"]);

    let text = definition(SHARED);
    let (before, after) = (
        template(SHARED, &text),
        template(
            SHARED,
            &grown(
                &text,
                "    shared-analyst-erin: { instance_type: ml.t3.medium, volume_size_gb: 20 }\n",
            ),
        ),
    );
    let added: Vec<String> = ids(&after).difference(&ids(&before)).cloned().collect();
    assert_eq!(added, ["NotebookAnalystDave"]);
    // Only the shared role's lists of names and notebooks grow.
    assert_eq!(changed(&before, &after), ["NotebookExecutionRole"]);
}
