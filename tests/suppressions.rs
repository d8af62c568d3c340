//! Suppressions and escalation as a stack definition writes them: recorded in the
//! template, honoured by the rule pack, and refused when they are vague or unused.

mod support;

use serde_json::{Value as Json, json};
use support::bin::scratch_with_shipped_scripts as scratch;
use support::stacks;

fn base() -> String {
    stacks::definition("studio-private")
}

/// Runs `synth --stack s --out out` on `text`; returns (exit code, stderr, template if written).
fn synth(text: &str, extra: &[&str]) -> (i32, String, Option<Json>) {
    let dir = scratch(&[("s.yaml", text)]);
    let mut args = vec!["--stack", "s", "--out", "out"];
    args.extend_from_slice(extra);
    let (code, _, stderr) = support::bin::synth(dir.path(), &args);
    let file = dir.path().join("out/s.template.json");
    let template = file.exists().then(|| support::read_template(&file));
    (code, stderr, template)
}

fn without_flow_logs() -> String {
    let text = base().replace(
        "  availability_zones: 2\n",
        "  availability_zones: 2\n  flow_logs: false\n",
    );
    assert_ne!(text, base());
    text
}

const REASON: &str =
    "Traffic of this sandbox VPC is captured by the account-wide flow log of the landing zone.";

#[test]
fn a_suppression_silences_its_finding_and_is_recorded_in_the_template() {
    // Without the suppression: a warning, exit 0.
    let (code, stderr, template) = synth(&without_flow_logs(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("warning[EC2-VPC-FLOW-LOGS]"), "{stderr}");
    assert!(
        template.unwrap()["Resources"]["Vpc"]
            .get("Metadata")
            .is_none()
    );

    // Suppressed on `network` (the definition name of the VPC).
    let text = format!(
        "{}suppressions:\n  - rule: EC2-VPC-FLOW-LOGS\n    resource: network\n    reason: {REASON}\n",
        without_flow_logs()
    );
    let (code, stderr, template) = synth(&text, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("suppressed[EC2-VPC-FLOW-LOGS]"), "{stderr}");
    assert!(stderr.contains(&format!("reason: {REASON}")), "{stderr}");
    let metadata = &template.unwrap()["Resources"]["Vpc"]["Metadata"];
    assert_eq!(
        metadata,
        &json!({"sagesynth": {"suppressions": [{"rule": "EC2-VPC-FLOW-LOGS", "reason": REASON}]}})
    );
}

#[test]
fn a_suppression_by_logical_id_of_an_error_lets_the_stack_through() {
    let text = base().replace("    - logs\n", "");
    let (code, stderr, _) = synth(&text, &[]);
    assert_eq!(code, 1, "{stderr}");
    let text = format!(
        "{text}suppressions:\n  - rule: ENV-LOGS-ENDPOINT\n    resource: StudioExecutionRole\n    reason: Studio apps here log through a proxy in the peered inspection VPC, reviewed in SEC-123.\n  - rule: ENV-LOGS-ENDPOINT\n    resource: BastionRole\n    reason: The bastion's session records go through the same proxy, reviewed in SEC-123.\n"
    );
    let (code, stderr, template) = synth(&text, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        template.unwrap()["Resources"]["StudioExecutionRole"]["Metadata"]["sagesynth"]["suppressions"]
            [0]["rule"],
        "ENV-LOGS-ENDPOINT"
    );
}

#[test]
fn an_unused_suppression_is_an_error() {
    let text = format!(
        "{}suppressions:\n  - rule: EC2-IMDSV2\n    resource: bastion\n    reason: {REASON}\n",
        base()
    );
    let (code, stderr, template) = synth(&text, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(template.is_none());
    assert!(stderr.contains("error[SUPPRESSION-UNUSED] Metadata.sagesynth.suppressions[0]: the suppression of EC2-IMDSV2 matches no finding on this resource"), "{stderr}");
}

#[test]
fn vague_unknown_or_misdirected_suppressions_are_input_errors() {
    let cases = [
        (
            "EC2-VPC-FLOW-LOG",
            "network",
            REASON,
            "unknown rule `EC2-VPC-FLOW-LOG`",
            "did you mean `EC2-VPC-FLOW-LOGS`?",
        ),
        (
            "EC2-VPC-FLOW-LOGS",
            "network",
            "fine",
            "a suppression needs a written reason of at least one full sentence",
            "suppressions[0].reason",
        ),
        (
            "EC2-VPC-FLOW-LOGS",
            "netwrok",
            REASON,
            "`netwrok` is neither a logical ID",
            "did you mean `network`?",
        ),
        (
            "SUPPRESSION-UNUSED",
            "network",
            REASON,
            "cannot be suppressed",
            "suppressions[0].rule",
        ),
    ];
    for (rule, resource, reason, message, detail) in cases {
        let text = format!(
            "{}suppressions:\n  - rule: {rule}\n    resource: {resource}\n    reason: {reason}\n",
            without_flow_logs()
        );
        let (code, stderr, template) = synth(&text, &[]);
        assert_eq!(code, 2, "{rule}/{resource}: {stderr}");
        assert!(template.is_none());
        assert!(stderr.contains(message), "{stderr}");
        assert!(stderr.contains(detail), "{stderr}");
        assert!(stderr.contains("--> stacks/s.yaml:"), "{stderr}");
    }
}

#[test]
fn escalate_turns_a_warning_into_an_error() {
    let text = format!("{}escalate: [EC2-VPC-FLOW-LOGS]\n", without_flow_logs());
    let (code, stderr, _) = synth(&text, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[EC2-VPC-FLOW-LOGS]"), "{stderr}");
    // Only warnings can be escalated.
    let (code, stderr, _) = synth(&format!("{}escalate: [EC2-IMDSV2]\n", base()), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("already an error"), "{stderr}");
    // With flow logs on, escalating is harmless.
    let (code, stderr, _) = synth(&format!("{}escalate: [EC2-VPC-FLOW-LOGS]\n", base()), &[]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_suppression_is_recorded_for_cfn_lint_and_checkov_where_they_have_the_check() {
    // Composition writes the metadata; the rule pack (not run here) would then report
    // these suppressions as unused, since the bastion requires IMDSv2.
    let text = format!(
        "{}suppressions:\n  - rule: EC2-IMDSV2\n    resource: bastion\n    reason: {REASON}\n",
        base()
    );
    let stack = stacks::load("s", &text);
    let composed = sagesynth::stacks::compose(&stack).unwrap();
    let json = serde_json::to_value(&composed.template).unwrap();
    assert_eq!(
        json["Resources"]["Bastion"]["Metadata"],
        json!({
            "sagesynth": {"suppressions": [{"rule": "EC2-IMDSV2", "reason": REASON}]},
            "checkov": {"skip": [{"id": "CKV_AWS_79", "comment": REASON}]}
        })
    );
    let text = format!(
        "{}suppressions:\n  - rule: CFN-LIMIT-COUNT\n    resource: Vpc\n    reason: {REASON}\n",
        base()
    );
    let stack = stacks::load("s", &text);
    let json = serde_json::to_value(&sagesynth::stacks::compose(&stack).unwrap().template).unwrap();
    assert_eq!(
        json["Resources"]["Vpc"]["Metadata"]["cfn-lint"],
        json!({"config": {"ignore_checks": ["E3010", "E2010", "E6010"]}})
    );
}

/// A retained bucket whose definition sets `noncurrent_version_days` breaks
/// S3-RETAINED-VERSIONS on purpose: the construct records the choice as an exemption in
/// the bucket's Metadata, the rule pack reports the finding as suppressed with that reason
/// (the stack is written), and the finding is there at all only because of the days.
#[test]
fn a_retained_bucket_that_expires_versions_is_an_exemption_written_down() {
    let keeps = "buckets:\n  raw-data: { retain: true }\n";
    let (code, stderr, template) = synth(keeps, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("S3-RETAINED-VERSIONS"), "{stderr}");
    assert!(
        template.unwrap()["Resources"]["RawDataBucket"]
            .get("Metadata")
            .is_none()
    );

    let expires = "buckets:\n  raw-data: { retain: true, noncurrent_version_days: 365 }\n";
    let (code, stderr, template) = synth(expires, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("suppressed[S3-RETAINED-VERSIONS]"),
        "{stderr}"
    );
    assert!(stderr.contains("after 365 days"), "{stderr}");
    let metadata = &template.unwrap()["Resources"]["RawDataBucket"]["Metadata"];
    let exemption = &metadata["sagesynth"]["exemptions"][0];
    assert_eq!(exemption["rule"], "S3-RETAINED-VERSIONS");
    assert!(
        exemption["reason"].as_str().unwrap().contains("365 days"),
        "{metadata}"
    );
}

/// studio-private is over the 51,200 bytes `deploy --template-file` sends inline: a
/// template-level warning, which a suppression without `resource:` accepts.
#[test]
fn a_template_level_finding_is_suppressed_by_an_entry_without_a_resource() {
    // A definition over 51,200 bytes pretty-printed whose compact body fits (no shipped
    // stack is both any more: the Studio cleanup's code is inline): existing-network
    // without its bastion (with it, the compact body is over the limit too).
    let fits_minified =
        std::fs::read_to_string(support::manifest_dir().join("tests/data/existing-network.yaml"))
            .unwrap();
    assert!(fits_minified.contains("\nbastion:\n  os: linux\n"));
    let fits_minified = fits_minified.replace("\nbastion:\n  os: linux\n", "\n");
    let (code, stderr, _) = synth(&fits_minified, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning[CFN-LIMIT-INLINE-BODY]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("or write it with `--minify` ("),
        "the minified body fits: {stderr}"
    );
    let reason =
        "This pipeline always deploys through aws cloudformation package and an S3 bucket.";
    let text = format!(
        "{fits_minified}suppressions:\n  - rule: cfn-limit-inline-body\n    reason: {reason}\n"
    );
    let (code, stderr, template) = synth(&text, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("suppressed[CFN-LIMIT-INLINE-BODY]"),
        "{stderr}"
    );
    // (Beside `name_from_file`: the definition has no `name`.)
    assert_eq!(
        template.unwrap()["Metadata"]["sagesynth"]["suppressions"],
        json!([{"rule": "CFN-LIMIT-INLINE-BODY", "reason": reason}]),
        "recorded in the catalogue's spelling"
    );
    // Minified, nothing is left to suppress.
    let (code, stderr, _) = synth(&text, &["--minify"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "the suppression of CFN-LIMIT-INLINE-BODY matches no finding on the template as a whole"
        ),
        "{stderr}"
    );
    // A rule about resources needs the resource.
    let text = format!(
        "{}suppressions:\n  - rule: EC2-VPC-FLOW-LOGS\n    reason: {REASON}\n",
        without_flow_logs()
    );
    let (code, stderr, _) = synth(&text, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`EC2-VPC-FLOW-LOGS` is about resources; this suppression names none"),
        "{stderr}"
    );
}

#[test]
fn rule_ids_are_read_in_any_case() {
    let text = format!(
        "{}suppressions:\n  - rule: ec2-vpc-flow-logs\n    resource: network\n    reason: {REASON}\nescalate: [Ec2-Vpc-Flow-Logs]\n",
        without_flow_logs()
    );
    let (code, stderr, template) = synth(&text, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("suppressed[EC2-VPC-FLOW-LOGS]"), "{stderr}");
    let template = template.unwrap();
    assert_eq!(
        template["Resources"]["Vpc"]["Metadata"]["sagesynth"]["suppressions"][0]["rule"],
        "EC2-VPC-FLOW-LOGS"
    );
    assert_eq!(
        template["Metadata"]["sagesynth"]["escalate"],
        json!(["EC2-VPC-FLOW-LOGS"])
    );
}
