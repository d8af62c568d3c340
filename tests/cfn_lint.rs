//! Every shipped template passes cfn-lint with no error and no warning.
//!
//! Needs `cfn-lint` (pinned in `.ci/requirements.txt`; `bash .ci/tools.sh` installs it).
//! Without it the test is skipped, except in CI (`CI=true`), where it fails.

mod support;

use std::process::Command;
use std::time::Duration;

/// Regions the templates are linted for: cfn-lint checks resource types, properties and
/// values against each region's schemas. us-east-1 is cfn-lint's default; ap-northeast-1 is
/// where the source documents' readers deploy.
const REGIONS: &[&str] = &["us-east-1", "ap-northeast-1"];

#[test]
fn shipped_templates_pass_cfn_lint() {
    let Some(cfn_lint) = support::require_tool("cfn-lint", "cfn_lint") else {
        return;
    };
    let templates = support::shipped_templates();

    // One invocation for all templates. cfn-lint reads a `.cfnlintrc` from its working
    // directory, so it runs from the package root: a project config there is honoured (and
    // reviewed like any other file), nothing else is.
    let mut cmd = Command::new(&cfn_lint);
    support::clear_aws_env(&mut cmd)
        .current_dir(support::manifest_dir())
        .arg("--regions")
        .args(REGIONS)
        // `--regions` takes one or more values: `--` ends it before the file names.
        .arg("--")
        .args(&templates);
    let out = support::run_bounded(&mut cmd, Duration::from_secs(600));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);

    // cfn-lint 1.58 exit status (cfnlint/runner/cli.py): a bit mask of the findings' levels,
    // 2 = error, 4 = warning, 8 = informational (I rules are only run with
    // `--include-checks I`); so 6 means errors and warnings. The default
    // `--non-zero-exit-code informational` counts all three, i.e. a warning alone gives 4.
    // Other values are failures of the run itself: 1 (bad configuration or arguments),
    // 32 (unknown region). Findings are printed on stdout. So "no error and no warning" is:
    // exit status 0 and nothing on stdout.
    let names: Vec<String> = templates
        .iter()
        .map(|t| support::template_name(t))
        .collect();
    assert!(
        out.status.success() && stdout.trim().is_empty(),
        "cfn-lint found problems in {names:?} (exit status {:?}; bit mask: 2 error, \
         4 warning, 8 informational, 1 or 32 usage error)\n\
         command: {cmd:?}\n--- cfn-lint stdout ---\n{stdout}\n--- cfn-lint stderr ---\n{stderr}",
        out.status.code(),
    );
    println!("cfn-lint: {} template(s) clean: {names:?}", templates.len());
    if !stderr.trim().is_empty() {
        println!("cfn-lint stderr (not a finding):\n{stderr}");
    }
}

/// The library example (`examples/two_networks.rs`, a stack written in Rust with two
/// private networks and a bucket granted to a role) prints a template that passes cfn-lint
/// with nothing reported, and holds both networks.
#[test]
fn the_rust_example_prints_a_template_that_passes_cfn_lint() {
    let Some(cfn_lint) = support::require_tool("cfn-lint", "cfn_lint::example") else {
        return;
    };
    // `cargo test --all-targets` has built the example already; this only runs it.
    let mut run = Command::new(env!("CARGO"));
    run.current_dir(support::manifest_dir())
        .args(["run", "--quiet", "--example", "two_networks"]);
    let out = support::run_bounded(&mut run, Duration::from_secs(600));
    assert!(
        out.status.success(),
        "the example failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let template: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let vpcs: Vec<&str> = template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::EC2::VPC")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(vpcs, ["ResearchVpc", "ProductionVpc"]);
    let grants = &template["Resources"]["AnalystRole"]["Properties"]["Policies"][0];
    assert_eq!(grants["PolicyName"], "Grants");
    // The rule pack `synth` runs finds nothing that would stop it (README: "A template
    // built in Rust is judged by the same rules").
    let findings = sagesynth::validate::validate(&(&template).into(), out.stdout.len());
    assert!(findings.iter().all(|f| !f.is_blocking()), "{:#?}", findings);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two-networks.template.json");
    std::fs::write(&path, &out.stdout).unwrap();
    assert_lints_clean(
        &cfn_lint,
        std::slice::from_ref(&path),
        "the example's template",
    );
}

/// The test definitions in `tests/data/` give templates that pass cfn-lint with nothing
/// reported: `object-lock` (bucket fields no shipped stack uses), `existing-network` (an
/// existing VPC, every ID a parameter), `nat-egress` (NAT gateways, internet gateway,
/// public subnets), `empty-on-delete` (a bucket's cleanup and its grant) and
/// `studio-images` (Studio custom images, which no shipped stack uses).
#[test]
fn the_test_definitions_pass_cfn_lint() {
    let Some(cfn_lint) = support::require_tool("cfn-lint", "cfn_lint::test_definitions") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for name in [
        "object-lock",
        "existing-network",
        "nat-egress",
        "empty-on-delete",
        "studio-images",
    ] {
        let file = format!("tests/data/{name}.yaml");
        let text = std::fs::read_to_string(support::manifest_dir().join(&file))
            .unwrap_or_else(|e| panic!("reading {file}: {e}"));
        let synthesis = support::stacks::synthesize(name, &text);
        let path = dir.path().join(format!("{name}.template.json"));
        std::fs::write(&path, synthesis.body()).unwrap();
        paths.push(path);
    }
    assert_lints_clean(&cfn_lint, &paths, "the test definitions' templates");
}

/// studio-private with `packages: { pypi: true }` and the two CodeArtifact endpoints: the
/// domain, its two repositories and the endpoints are in the template, which passes
/// cfn-lint with nothing reported.
#[test]
fn a_definition_with_packages_passes_cfn_lint() {
    let base = support::stacks::definition("studio-private");
    let text = format!("{base}\npackages:\n  pypi: true\n").replace(
        "    - ec2messages\n",
        "    - ec2messages\n    - codeartifact.api\n    - codeartifact.repositories\n",
    );
    let synthesis = support::stacks::synthesize("studio-private", &text);
    let template: serde_json::Value = serde_json::from_str(synthesis.body()).unwrap();
    let resources = &template["Resources"];
    for (id, kind) in [
        ("PackagesDomain", "AWS::CodeArtifact::Domain"),
        ("PackagesRepository", "AWS::CodeArtifact::Repository"),
        ("PackagesPypiStore", "AWS::CodeArtifact::Repository"),
        ("CodeArtifactApiEndpoint", "AWS::EC2::VPCEndpoint"),
        ("CodeArtifactRepositoriesEndpoint", "AWS::EC2::VPCEndpoint"),
    ] {
        assert_eq!(resources[id]["Type"], kind, "{id}");
    }
    assert!(template["Outputs"]["PipIndexUrl"].is_object());

    let Some(cfn_lint) = support::require_tool("cfn-lint", "cfn_lint::packages") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("packages.template.json");
    std::fs::write(&path, synthesis.body()).unwrap();
    assert_lints_clean(
        &cfn_lint,
        std::slice::from_ref(&path),
        "the packages template",
    );
}

/// cfn-lint over `paths` (both regions) exits 0 and reports nothing; `what` names the
/// templates in the failure message.
fn assert_lints_clean(cfn_lint: &std::path::Path, paths: &[std::path::PathBuf], what: &str) {
    let mut lint = Command::new(cfn_lint);
    support::clear_aws_env(&mut lint)
        .current_dir(support::manifest_dir())
        .arg("--regions")
        .args(REGIONS)
        .arg("--")
        .args(paths);
    let linted = support::run_bounded(&mut lint, Duration::from_secs(600));
    let stdout = String::from_utf8_lossy(&linted.stdout);
    assert!(
        linted.status.success() && stdout.trim().is_empty(),
        "cfn-lint found problems in {what} (exit status {:?}):\n{stdout}",
        linted.status.code()
    );
}
