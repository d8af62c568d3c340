//! Finding reports: text grouped per resource with the fix, JSON, and SARIF 2.1.0
//! validated against the official schema.

mod support;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value as Json;
use support::bin::{scratch_with_shipped_scripts as scratch, synth};

/// studio-private without the studio endpoint and without flow logs: two errors, one
/// warning, each on a different resource. The Studio settings and the tags are dropped
/// too: with them the template grows past the inline-body size and a fourth, template-wide
/// finding joins.
fn broken_definition() -> String {
    let shipped = support::stacks::definition("studio-private");
    let untagged: String = shipped
        .split_inclusive('\n')
        .filter(|line| {
            !line.starts_with("tags:")
                && !line.starts_with("  cost-center:")
                && !line.starts_with("  owner:")
                && !line.starts_with("  environment:")
                && !line.starts_with("# Cost allocation")
                && !line.starts_with("# cost allocation")
        })
        .collect();
    assert!(!untagged.contains("\ntags:"));
    // Idle shutdown stays (SM-STUDIO-IDLE-SHUTDOWN is not what this report is about); the
    // settings after it go.
    let start = untagged
        .find("  instance_types:")
        .expect("studio-private's instance types follow its idle shutdown");
    let end = start
        + untagged[start..]
            .find("\nbastion:")
            .expect("the bastion follows the studio block");
    let text = format!("{}{}", &untagged[..start], &untagged[end..])
        .replace(
            "    - studio             # Studio's own traffic once the URL is opened\n",
            "",
        )
        .replace(
            "  availability_zones: 2\n",
            "  availability_zones: 2\n  flow_logs: false\n",
        );
    assert!(!text.contains("- studio "));
    text
}

fn run(args: &[&str]) -> (i32, String, String, tempfile::TempDir) {
    let dir = scratch(&[("broken.yaml", broken_definition())]);
    let (code, stdout, stderr) = synth(dir.path(), args);
    (code, stdout, stderr, dir)
}

#[test]
fn text_report_groups_findings_per_resource_with_the_fix() {
    let (code, stdout, stderr, _dir) = run(&["--stack", "broken"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "", "no template is printed when a rule fails");
    insta::assert_snapshot!(stderr);
}

#[test]
fn json_report_lists_each_finding_with_its_definition_position() {
    let (code, _, _, dir) = run(&[
        "--stack",
        "broken",
        "--report",
        "json",
        "--report-file",
        "findings.json",
    ]);
    assert_eq!(code, 1);
    let report: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("findings.json")).unwrap())
            .unwrap();
    let findings = report["stacks"][0]["findings"].as_array().unwrap();
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // Besides the three errors: the size warning (the template carries the Studio
    // cleanup's function) and the cleanup function's dead-letter exemption, listed as
    // suppressed with its reason.
    assert_eq!(
        rules,
        vec![
            "CFN-LIMIT-INLINE-BODY",
            "EC2-VPC-FLOW-LOGS",
            "LAMBDA-DLQ",
            "ENV-STUDIO-ENDPOINTS",
            "ENV-PRESIGNED-THROUGH-ENDPOINTS"
        ]
    );
    assert!(!findings[2]["suppressed"].is_null(), "{}", findings[2]);
    let studio = &findings[3];
    assert_eq!(studio["resource"], "StudioDomain");
    assert_eq!(studio["resource_type"], "AWS::SageMaker::Domain");
    assert_eq!(studio["path"], "Properties.VpcId");
    assert_eq!(studio["definition"]["file"], "stacks/broken.yaml");
    assert_eq!(studio["definition"]["path"], "studio");
    assert_eq!(studio["definition"]["line"], 23);
    assert!(
        studio["fix"]
            .as_str()
            .unwrap()
            .contains("network.endpoints")
    );
}

/// The SARIF 2.1.0 JSON schema (OASIS), committed under `tests/data/` so the test needs
/// neither the network nor the cargo registry cache (see `tests/data/README.md` for its
/// source and checksum).
fn sarif_schema() -> PathBuf {
    let schema = support::manifest_dir().join("tests/data/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&schema)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", schema.display()));
    assert!(text.contains("Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"));
    schema
}

#[test]
fn sarif_report_validates_against_the_schema_and_points_at_the_definition() {
    let (code, _, _, dir) = run(&[
        "--stack",
        "broken",
        "--report",
        "sarif",
        "--report-file",
        "findings.sarif",
    ]);
    assert_eq!(code, 1);
    let path = dir.path().join("findings.sarif");
    let sarif: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    let domain = results
        .iter()
        .find(|r| r["ruleId"] == "ENV-STUDIO-ENDPOINTS")
        .unwrap();
    let location = &domain["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "stacks/broken.yaml"
    );
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 23);
    assert_eq!(location["logicalLocations"][0]["name"], "StudioDomain");
    assert_eq!(
        sarif["runs"][0]["invocations"],
        serde_json::json!([{"executionSuccessful": true}]),
        "the run judged every definition"
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(
        rules[domain["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "ENV-STUDIO-ENDPOINTS"
    );

    // Typed parse with serde-sarif's model of the spec.
    let _: serde_sarif::sarif::Sarif =
        serde_json::from_value(sarif.clone()).expect("serde-sarif reads it");

    validate_sarif(&path);
}

/// A run stopped by an input error must not read as clean to code scanning: the
/// invocation failed, and says why (SARIF 2.1.0 §3.20.14, §3.20.21, appendix I).
#[test]
fn sarif_of_a_failed_run_says_the_run_failed_and_why() {
    let cases: [(&[&str], &str); 2] = [
        (
            &["--stack", "no-such-stack"],
            "unknown stack `no-such-stack`",
        ),
        (&["--file", "bad.yaml"], "unknown field `netwrk`"),
    ];
    for (args, error) in cases {
        let dir = scratch(&[("broken.yaml", broken_definition())]);
        std::fs::write(dir.path().join("bad.yaml"), "netwrk: {}\n").unwrap();
        let mut args = args.to_vec();
        args.extend(["--report", "sarif", "--report-file", "findings.sarif"]);
        let (code, _, stderr) = synth(dir.path(), &args);
        assert_eq!(code, 2, "{stderr}");
        let path = dir.path().join("findings.sarif");
        let sarif: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let invocation = &sarif["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false, "{args:?}");
        let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0]["level"], "error");
        let text = notes[0]["message"]["text"].as_str().unwrap();
        assert!(text.contains(error), "{text}");
        let _: serde_sarif::sarif::Sarif =
            serde_json::from_value(sarif.clone()).expect("serde-sarif reads it");
        validate_sarif(&path);
    }
}

/// Full JSON-schema validation (draft-07) with Python's jsonschema (installed with cfn-lint).
fn validate_sarif(path: &std::path::Path) {
    let Some(python) = support::require_tool("python3", "sarif schema validation") else {
        return;
    };
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        log = json.load(open(sys.argv[2]))\n\
        jsonschema.Draft7Validator.check_schema(schema)\n\
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(log), key=str)\n\
        for e in errors: print(list(e.absolute_path), e.message)\n\
        sys.exit(1 if errors else 0)\n";
    let output = Command::new(python)
        .args(["-c", script])
        .arg(sarif_schema())
        .arg(path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "SARIF does not validate:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn rules_and_explain() {
    let (code, stdout, _, _dir) = run(&["rules"]);
    assert_eq!(code, 0);
    let count = stdout
        .lines()
        .filter(|l| l.contains("  error  ") || l.contains("  warning  "))
        .count();
    assert!(count >= 30, "{count} rules listed");
    for id in [
        "SM-DOMAIN-VPC-ONLY",
        "SM-DOMAIN-KMS",
        "ENV-STUDIO-ENDPOINTS",
        "ENV-STUDIO-SG-SELF-RULES",
        "IAM-NO-WILDCARD-ACTION",
    ] {
        assert!(stdout.contains(id), "{id} missing");
    }
    let (code, stdout, _, _dir) = run(&["explain", "SM-DOMAIN-VPC-ONLY"]);
    assert_eq!(code, 0);
    for part in [
        "severity:",
        "applies to: AWS::SageMaker::Domain",
        "why:",
        "checks:",
        "fix:",
        "suppress:",
    ] {
        assert!(stdout.contains(part), "{part}: {stdout}");
    }
    let (code, _, stderr, _dir) = run(&["explain", "SM-DOMAIN-VPC-ONYL"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("did you mean `SM-DOMAIN-VPC-ONLY`?"),
        "{stderr}"
    );
}
