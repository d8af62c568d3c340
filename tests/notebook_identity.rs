//! The notebook-identity stack: the shared role's policies match the notebooks exactly,
//! every notebook is locked down, and adding a notebook renames nothing.

mod support;

use std::collections::BTreeSet;

use serde_json::{Value as Json, json};
use support::stacks::{self, definition};

/// The shipped definition's name.
const NAME: &str = "notebook-identity";

/// `text` as the definition `stacks/notebook-identity.yaml`, as JSON.
fn template(text: &str) -> Json {
    let s = stacks::synthesize(NAME, text);
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    stacks::json(&s)
}

fn statement<'a>(t: &'a Json, sid: &str) -> &'a Json {
    t["Resources"]["NotebookExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == sid)
        .unwrap_or_else(|| panic!("no statement {sid}"))
}

const NOTEBOOKS: [&str; 3] = ["analyst-alice", "analyst-bob", "data-engineer-carol"];

#[test]
fn describe_is_scoped_to_exactly_this_stacks_notebooks() {
    let t = template(&definition(NAME));
    let arns: Vec<Json> = NOTEBOOKS
        .iter()
        .map(|n| json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:sagemaker:${{AWS::Region}}:${{AWS::AccountId}}:notebook-instance/{n}")}))
        .collect();
    let describe = statement(&t, "DescribeOwnNotebooks");
    assert_eq!(
        describe["Action"],
        json!(["sagemaker:DescribeNotebookInstance"])
    );
    assert_eq!(describe["Resource"], Json::Array(arns));
    // The role may assume only itself, by the ARN built from its fixed name and path.
    let own_arn = json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/notebook-identity/notebook-identity-shared"});
    assert_eq!(
        statement(&t, "AssumeItselfWithTheNotebookName")["Resource"],
        json!([own_arn.clone()])
    );
    let trust = &t["Resources"]["NotebookExecutionRole"]["Properties"]["AssumeRolePolicyDocument"]
        ["Statement"][1];
    assert_eq!(
        trust["Condition"],
        json!({"ArnEquals": {"aws:PrincipalArn": own_arn}})
    );
    assert_eq!(
        trust["Principal"],
        json!({"AWS": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}]})
    );
    // Nothing but these statements.
    let sids: Vec<&str> = t["Resources"]["NotebookExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    assert_eq!(
        sids,
        vec![
            "AssumeItselfWithTheNotebookName",
            "DescribeOwnNotebooks",
            "WriteNotebookLogs",
            "UseVolumeKey",
            "GrantVolumeKeyToAwsResources"
        ]
    );
}

#[test]
fn every_notebook_is_locked_down_and_runs_the_identity_script() {
    let t = template(&definition(NAME));
    for name in NOTEBOOKS {
        let id = format!(
            "Notebook{}",
            name.split('-')
                .map(|w| format!("{}{}", &w[..1].to_uppercase(), &w[1..]))
                .collect::<String>()
        );
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
        assert_eq!(
            p["RoleArn"],
            json!({"Fn::GetAtt": ["NotebookExecutionRole", "Arn"]})
        );
        assert_eq!(
            p["LifecycleConfigName"],
            json!({"Fn::GetAtt": ["NotebookIdentityLifecycleConfig", "NotebookInstanceLifecycleConfigName"]})
        );
        assert!(
            p["SubnetId"]["Ref"]
                .as_str()
                .unwrap()
                .starts_with("PrivateSubnet")
        );
        let lookup = &t["Outputs"][format!("CloudTrailLookup{}", &id["Notebook".len()..])]["Value"]
            ["Fn::Sub"];
        assert_eq!(
            lookup.as_str().unwrap(),
            format!(
                "aws cloudtrail lookup-events --region ${{AWS::Region}} --lookup-attributes AttributeKey=Username,AttributeValue={name}"
            )
        );
    }
    let script = &t["Resources"]["NotebookIdentityLifecycleConfig"]["Properties"]["OnStart"][0]["Content"]
        ["Fn::Base64"];
    assert_eq!(
        script.as_str().unwrap(),
        std::fs::read_to_string(
            support::manifest_dir().join("src/constructs/scripts/notebook_identity_on_start.sh")
        )
        .unwrap(),
        "the template carries the script file as plain text"
    );
}

#[test]
fn adding_a_notebook_renames_nothing() {
    let text = definition(NAME);
    let grown = text.replace(
        "    analyst-bob: { instance_type: ml.t3.medium, volume_size_gb: 20 }\n",
        "    analyst-bob: { instance_type: ml.t3.medium, volume_size_gb: 20 }\n    analyst-dave: {}\n",
    );
    assert_ne!(grown, text);
    let (before, after) = (template(&text), template(&grown));
    let ids = |t: &Json| -> BTreeSet<String> {
        t["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let added: Vec<String> = ids(&after).difference(&ids(&before)).cloned().collect();
    assert_eq!(added, vec!["NotebookAnalystDave"]);
    assert!(ids(&before).is_subset(&ids(&after)));
    let changed: Vec<&String> = before["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| after["Resources"][k.as_str()] != **v)
        .map(|(k, _)| k)
        .collect();
    // Only the role's DescribeNotebookInstance list grows.
    assert_eq!(changed, vec!["NotebookExecutionRole"]);
}
