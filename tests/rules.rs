//! The rule pack on real templates: the shipped stacks are clean, and breaking
//! studio-private in the ways a hand-written template often is makes `synth` (or the
//! validator) report the right rule.

mod support;

use sagesynth::validate::{self, Severity};
use serde_json::{Value as Json, json};
use support::bin::{scratch_with_shipped_scripts as scratch, synth};
use support::stacks;

/// Error rule ids the validator reports on a template.
fn error_rules(template: &Json) -> Vec<&'static str> {
    let mut ids: Vec<&str> =
        validate::validate(&sagesynth::template::json::Json::from(template), 0)
            .into_iter()
            .filter(|f| f.severity == Severity::Error && f.suppressed.is_none())
            .map(|f| f.rule)
            .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Runs the real binary on an edited studio-private definition; returns (exit, stderr).
fn synth_edited(edit: impl Fn(&str) -> String) -> (i32, String) {
    let text = stacks::definition("studio-private");
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit must change the definition");
    let dir = scratch(&[("studio-private.yaml", edited)]);
    let (code, _, stderr) = synth(dir.path(), &["--stack", "studio-private", "--out", "out"]);
    assert!(
        !dir.path().join("out").exists(),
        "nothing may be written on a rule error"
    );
    (code, stderr)
}

#[test]
fn shipped_template_has_no_findings() {
    // The cleanup function's dead-letter exemption is written in the template with its
    // reason (README, Teardown): suppressed, not a finding.
    let findings: Vec<_> =
        validate::validate(&stacks::shipped_template("studio-private").into(), 0)
            .into_iter()
            .filter(|f| f.suppressed.is_none())
            .collect();
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn removing_the_studio_endpoint_fails_the_completeness_rules() {
    let (code, stderr) = synth_edited(|t| {
        t.replace(
            "    - studio             # Studio's own traffic once the URL is opened\n",
            "",
        )
    });
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[ENV-STUDIO-ENDPOINTS]"), "{stderr}");
    assert!(stderr.contains("no endpoint for: studio"), "{stderr}");
    assert!(
        stderr.contains("error[ENV-PRESIGNED-THROUGH-ENDPOINTS]"),
        "{stderr}"
    );
}

#[test]
fn removing_the_sagemaker_api_endpoint_fails_the_completeness_rules() {
    let (code, stderr) = synth_edited(|t| {
        t.replace(
            "    - sagemaker.api      # SageMaker API, and CreatePresignedDomainUrl\n",
            "",
        )
    });
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[ENV-STUDIO-ENDPOINTS]"), "{stderr}");
    assert!(
        stderr.contains("no endpoint for: sagemaker.api"),
        "{stderr}"
    );
}

#[test]
fn removing_the_ssm_endpoints_fails_for_the_bastion() {
    let (code, stderr) = synth_edited(|t| {
        t.replace(
            "    - ssm                # Session Manager, for the bastion\n    - ssmmessages\n",
            "",
        )
    });
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[ENV-SSM-ENDPOINTS]"), "{stderr}");
}

#[test]
fn removing_the_logs_endpoint_fails_for_roles_that_write_logs() {
    let (code, stderr) = synth_edited(|t| t.replace("    - logs\n", ""));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[ENV-LOGS-ENDPOINT]"), "{stderr}");
}

#[test]
fn removing_the_nfs_rule_fails_the_studio_sg_rule() {
    let mut t = stacks::shipped_template("studio-private");
    assert!(error_rules(&t).is_empty());
    t["Resources"]
        .as_object_mut()
        .unwrap()
        .remove("StudioSecurityGroupNfsIngress")
        .expect("the NFS rule exists");
    assert_eq!(error_rules(&t), vec!["ENV-STUDIO-SG-SELF-RULES"]);
}

#[test]
fn for_any_value_on_source_vpce_is_an_error() {
    let mut t = stacks::shipped_template("studio-private");
    let condition = &mut t["Resources"]["PresignedUrlPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        [0]["Condition"];
    let values = condition["StringEquals"]["aws:SourceVpce"].take();
    *condition = json!({"ForAnyValue:StringEquals": {"aws:SourceVpce": values}});
    let rules = error_rules(&t);
    assert!(
        rules.contains(&"IAM-SET-OPERATOR-SINGLE-VALUED-KEY"),
        "{rules:?}"
    );
}

#[test]
fn a_hard_coded_endpoint_id_is_not_an_endpoint_of_the_stack() {
    let mut t = stacks::shipped_template("studio-private");
    t["Resources"]["PresignedUrlPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Condition"]
        ["StringEquals"]["aws:SourceVpce"][1] = json!("vpce-0123456789abcdef0");
    let rules = error_rules(&t);
    assert!(
        rules.contains(&"ENV-SOURCEVPCE-ENDPOINT-EXISTS"),
        "{rules:?}"
    );
}

#[test]
fn resource_star_on_the_presigned_grant_is_an_error() {
    let mut t = stacks::shipped_template("studio-private");
    t["Resources"]["PresignedUrlPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Resource"] =
        json!(["*"]);
    assert_eq!(error_rules(&t), vec!["IAM-NO-WILDCARD-RESOURCE"]);
}

#[test]
fn a_training_job_grant_that_loses_a_confinement_key_is_an_error() {
    let t = stacks::shipped_template("team-notebooks");
    assert!(!error_rules(&t).contains(&"IAM-SAGEMAKER-JOBS-CONFINED"));
    let statements = "/Resources/EngineersMlCreate/Properties/PolicyDocument/Statement";
    for (operator, key) in [
        ("Null", "sagemaker:VpcSubnets"),
        ("ArnEquals", "sagemaker:OutputKmsKey"),
        ("ForAllValues:StringEquals", "sagemaker:InstanceTypes"),
    ] {
        let mut t = t.clone();
        let training = t
            .pointer_mut(statements)
            .and_then(Json::as_array_mut)
            .and_then(|s| {
                s.iter_mut()
                    .find(|s| s["Sid"] == "EngineersCreateTrainingJobs")
            })
            .expect("the engineers' training statement");
        let removed = training["Condition"][operator]
            .as_object_mut()
            .and_then(|block| block.remove(key));
        assert!(removed.is_some(), "{operator} {key}");
        let rules = error_rules(&t);
        assert!(
            rules.contains(&"IAM-SAGEMAKER-JOBS-CONFINED"),
            "{operator} {key}: {rules:?}"
        );
    }
}
