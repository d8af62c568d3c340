//! Large Studio domains: CloudFormation's limits without `split`, and `split: nested`
//! (user profiles in nested stacks of 100) with 1,000 to 10,000 users: limits, rule pack,
//! cfn-lint, stability when users are appended, and `aws cloudformation package` and
//! deploy against moto. Definitions are generated from the shipped studio-private one.
//!
//! cfn-lint, `aws` and `moto_server` come from `.venv/` (see tests/support/mod.rs): without
//! them those tests skip, except in CI (`CI=true`), where they fail.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use sagesynth::synth::{Format, Synthesis};
use sagesynth::validate::Severity;
use serde_json::{Value, json};

use support::bin::{scratch_with_shipped_scripts as scratch, synth, written};
use support::moto::{self, Aws, MotoServer};
use support::read_template;
use support::stacks::{self, synthesize};

/// The shipped studio-private definition with `users` generated users, optionally split.
fn definition(users: usize, split: bool) -> String {
    let base = stacks::definition("studio-private");
    let list: String = (1..=users)
        .map(|i| format!("    - data-scientist-{i}\n"))
        .collect();
    let shipped_users = "    - data-scientist-1\n    - data-scientist-2\n";
    assert!(base.contains(shipped_users), "the user list was not found");
    let text = base.replace(shipped_users, &list);
    if split {
        format!("{text}\nsplit: nested\n")
    } else {
        text
    }
}

fn count(template: &Value, section: &str) -> usize {
    template
        .get(section)
        .and_then(Value::as_object)
        .map_or(0, |m| m.len())
}

/// Every template within CloudFormation's limits, and no finding but the ones listed.
fn assert_within_limits(s: &Synthesis) {
    for t in s.all() {
        let template = stacks::json(t);
        assert!(count(&template, "Resources") <= 500, "{}", t.name);
        assert!(count(&template, "Outputs") <= 200, "{}", t.name);
        assert!(count(&template, "Parameters") <= 200, "{}", t.name);
        assert!(t.body().len() <= 1_000_000, "{}", t.name);
        let errors: Vec<String> = t
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error && f.suppressed.is_none())
            .map(ToString::to_string)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", t.name);
    }
}

/// Writes the definition as `DIR/stacks/NAME.yaml` in a scratch folder and its templates
/// into `DIR/out`; returns the folder and every file of `out/`.
fn write_templates(name: &str, text: &str) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = scratch(&[(format!("{name}.yaml").as_str(), text)]);
    let (code, _, stderr) = synth(dir.path(), &["--stack", name, "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    let out = dir.path().join("out");
    let files = written(dir.path()).iter().map(|f| out.join(f)).collect();
    (dir, files)
}

#[test]
fn without_split_600_users_exit_1_naming_the_limits_and_split_nested() {
    let dir = scratch(&[("studio-big.yaml", definition(600, false))]);
    let (code, stdout, stderr) = synth(dir.path(), &["--stack", "studio-big", "--out", "out"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    assert!(!dir.path().join("out").exists(), "nothing is written");
    insta::assert_snapshot!(stderr);
}

#[test]
fn the_600_user_template_breaks_only_count_and_size_limits() {
    let s = synthesize("studio-big", &definition(600, false));
    let errors: BTreeSet<&str> = s
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error && f.suppressed.is_none())
        .map(|f| f.rule)
        .collect();
    // Not IAM-POLICY-SIZE: the presigned-URL policy no longer lists every profile. The
    // body passes 1 MB: each profile comes with its cleanup, both tagged.
    assert_eq!(
        errors,
        BTreeSet::from(["CFN-LIMIT-BODY", "CFN-LIMIT-COUNT"])
    );
}

#[test]
fn split_1200_users_into_12_children_within_every_limit() {
    let s = synthesize("studio-big", &definition(1200, true));
    assert_within_limits(&s);
    // The parent is just over the inline 51,200 bytes (the bastion's session document,
    // keys and log group); nested stacks are deployed through S3 in any case.
    assert!(
        s.findings
            .iter()
            .all(|f| f.rule == "CFN-LIMIT-INLINE-BODY" || f.suppressed.is_some()),
        "{:#?}",
        s.findings
    );
    let names: Vec<&str> = s.children.iter().map(|c| c.name.as_str()).collect();
    let expected: Vec<String> = (1..=12)
        .map(|k| format!("studio-big.users-{k:03}"))
        .collect();
    assert_eq!(names, expected);

    let parent = stacks::json(&s);
    let resources = parent["Resources"].as_object().unwrap();
    // The definition's tags (studio-private's): on the nested stacks and on the profiles
    // in the children, as on every resource that takes tags.
    let tags = json!([
        {"Key": "cost-center", "Value": "ml-research"},
        {"Key": "owner", "Value": "ml-platform-team"},
        {"Key": "environment", "Value": "production"}
    ]);
    assert!(
        !resources
            .values()
            .any(|r| r["Type"] == "AWS::SageMaker::UserProfile"),
        "no profile left in the parent"
    );
    for k in 1..=12 {
        let id = format!("StudioUsers{k:03}");
        assert_eq!(
            resources[&id],
            json!({
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {
                    "Parameters": {
                        "DomainId": {"Fn::GetAtt": ["StudioDomain", "DomainId"]},
                        "CleanupServiceToken": {"Fn::GetAtt": ["StudioCleanupFunction", "Arn"]}
                    },
                    "TemplateURL": format!("studio-big.users-{k:03}.template.json"),
                    "Tags": tags
                },
                // Its profiles' cleanups run while the function may still invoke itself
                // and act on the domain, and before the domain's cleanup.
                "DependsOn": [
                    "StudioCleanupFunctionInvokeSelf",
                    "StudioCleanupFunctionDomainGrant",
                    "StudioDomainCleanup"
                ],
                "Metadata": {"cfn-lint": {"config": {"ignore_checks": ["W3002"]}}}
            })
        );
        assert_eq!(
            parent["Outputs"][format!("{id}StackId")]["Value"],
            json!({"Ref": id})
        );
    }
    // Per-user outputs live in the children, none in the parent.
    assert!(
        !parent["Outputs"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("PresignedUrlCommand"))
    );

    for (i, child) in s.children.iter().enumerate() {
        let t = stacks::json(child);
        assert_eq!(
            t["Parameters"],
            json!({
                "DomainId": {"Type": "String", "Description": "The Studio domain's ID, passed by the parent stack"},
                "CleanupServiceToken": {"Type": "String", "Description": "The Studio cleanup function's ARN, passed by the parent stack"}
            })
        );
        // A profile and its cleanup per user.
        assert_eq!(count(&t, "Resources"), 200);
        assert_eq!(
            t["Resources"][format!("UserProfileDataScientist{}Cleanup", i * 100 + 1)]["Properties"]
                ["ServiceToken"],
            json!({"Ref": "CleanupServiceToken"})
        );
        assert_eq!(count(&t, "Outputs"), 100);
        let first = i * 100 + 1;
        assert_eq!(
            t["Resources"][format!("UserProfileDataScientist{first}")],
            json!({
                "Type": "AWS::SageMaker::UserProfile",
                "Properties": {
                    "DomainId": {"Ref": "DomainId"},
                    "UserProfileName": format!("data-scientist-{first}"),
                    "Tags": tags
                }
            })
        );
        assert_eq!(
            t["Outputs"][format!("PresignedUrlCommandDataScientist{first}")]["Value"]["Fn::Sub"],
            format!(
                "New-SMPresignedDomainUrl -Region ${{AWS::Region}} -DomainId ${{DomainId}} -UserProfileName data-scientist-{first} -ExpiresInSecond 300 -SessionExpirationDurationInSecond 43200"
            )
        );
        // A finding in a child points at the user's entry in the definition.
        assert_eq!(
            child.origins()[&format!("UserProfileDataScientist{first}")]
                .path
                .to_string(),
            format!("studio.users[{}]", first - 1)
        );
    }
}

#[test]
fn the_presigned_url_policy_is_one_pattern_whatever_the_user_count() {
    let small = stacks::json(&synthesize("studio-big", &definition(2, false)));
    for (users, split) in [(150, false), (1000, true)] {
        let s = synthesize("studio-big", &definition(users, split));
        assert_within_limits(&s);
        assert_eq!(
            stacks::json(&s)["Resources"]["PresignedUrlPolicy"],
            small["Resources"]["PresignedUrlPolicy"],
            "{users} users"
        );
    }
}

#[test]
fn ten_thousand_users_split_fit_one_parent() {
    let s = synthesize("studio-big", &definition(10_000, true));
    assert_within_limits(&s);
    assert_eq!(s.children.len(), 100);
    assert_eq!(
        s.children.last().unwrap().name,
        "studio-big.users-100",
        "the suffix keeps three digits"
    );
}

#[test]
fn split_without_users_is_an_input_error() {
    let text = definition(2, true).replace("    - data-scientist-1\n    - data-scientist-2\n", "");
    let text = text.replace("  users:\n", "");
    // Whole-definition checks run while loading.
    let message = sagesynth::stacks::load_str("studio-big", "stacks/studio-big.yaml", text)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("`split: nested` moves Studio user profiles into nested stacks"),
        "{message}"
    );
}

#[test]
fn a_bad_split_value_names_the_choices() {
    let text = definition(2, false) + "\nsplit: nest\n";
    let err =
        sagesynth::stacks::load_str("studio-big", "stacks/studio-big.yaml", text).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("split"), "{message}");
    assert!(message.contains("`nested`"), "{message}");
}

/// The files of a split synthesis, by name.
fn files(s: &Synthesis) -> BTreeMap<String, String> {
    s.all()
        .into_iter()
        .map(|t| (t.name.clone(), t.body().to_string()))
        .collect()
}

#[test]
fn a_split_run_is_byte_identical_and_in_order_however_its_threads_finish() {
    // The chunks are composed, and the templates rendered, on several threads: the
    // result must not depend on which finished first.
    let text = definition(1200, true);
    let runs: Vec<Vec<(String, String)>> = (0..3)
        .map(|_| {
            synthesize("studio-big", &text)
                .all()
                .into_iter()
                .map(|t| (t.name.clone(), t.body().to_string()))
                .collect()
        })
        .collect();
    let names: Vec<&str> = runs[0].iter().map(|(n, _)| n.as_str()).collect();
    let expected: Vec<String> = std::iter::once("studio-big".to_string())
        .chain((1..=12).map(|k| format!("studio-big.users-{k:03}")))
        .collect();
    assert_eq!(names, expected);
    for (k, (_, body)) in runs[0].iter().enumerate().skip(1) {
        // Each child holds its own users: data-scientist-1 to 100 in users-001, and so on.
        let first = (k - 1) * 100 + 1;
        assert!(
            body.contains(&format!("\"data-scientist-{first}\"")),
            "{}",
            runs[0][k].0
        );
    }
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0], runs[2]);
}

#[test]
fn sagesynth_threads_sets_the_threads_and_a_bad_value_is_a_usage_error() {
    let dir = scratch(&[("studio-big.yaml", definition(1200, true))]);
    let run = |threads: &str, out: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_synth"))
            .args(["--stack", "studio-big", "--out", out])
            .env("SAGESYNTH_THREADS", threads)
            .env("NO_COLOR", "1")
            .current_dir(dir.path())
            .output()
            .expect("running synth");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let read = |out: &str| -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(dir.path().join(out))
            .expect("the output folder")
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    };
    // One thread and four write the same 13 files, byte for byte.
    assert_eq!(run("1", "one").0, Some(0));
    assert_eq!(run("4", "four").0, Some(0));
    let (one, four) = (read("one"), read("four"));
    assert_eq!(one.len(), 13);
    assert!(one == four, "the files differ between 1 and 4 threads");
    for bad in ["0", "two", "-1", ""] {
        let (code, stderr) = run(bad, "bad");
        assert_eq!(code, Some(2), "{bad:?}");
        assert_eq!(
            stderr,
            format!(
                "error: SAGESYNTH_THREADS is `{bad}`; expected a whole number of threads from 1 on\n"
            ),
        );
        assert!(!dir.path().join("bad").exists(), "{bad:?} wrote files");
    }
}

#[test]
fn appending_a_user_changes_only_the_last_chunk() {
    // 1,150 → 1,151: the last chunk (users-012) gains a profile; nothing else changes.
    let before = files(&synthesize("studio-big", &definition(1150, true)));
    let after = files(&synthesize("studio-big", &definition(1151, true)));
    let changed: Vec<&String> = after
        .iter()
        .filter(|(name, body)| before.get(*name) != Some(body))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(changed, ["studio-big.users-012"]);
    assert_eq!(before.len(), after.len());

    // 1,200 → 1,201: a 13th chunk; the twelve children are byte for byte the same, and the
    // parent only gains the nested stack and its output.
    let before_s = synthesize("studio-big", &definition(1200, true));
    let after_s = synthesize("studio-big", &definition(1201, true));
    let (before, after) = (files(&before_s), files(&after_s));
    for (name, body) in &before {
        if name != "studio-big" {
            assert_eq!(&after[name], body, "{name} changed");
        }
    }
    assert_eq!(
        after
            .keys()
            .filter(|n| !before.contains_key(*n))
            .collect::<Vec<_>>(),
        ["studio-big.users-013"]
    );
    let (p0, mut p1) = (stacks::json(&before_s), stacks::json(&after_s));
    p1["Resources"]
        .as_object_mut()
        .unwrap()
        .shift_remove("StudioUsers013")
        .expect("the new nested stack");
    p1["Outputs"]
        .as_object_mut()
        .unwrap()
        .shift_remove("StudioUsers013StackId")
        .expect("its output");
    assert_eq!(p0, p1, "the parent changed beyond the new chunk");
}

#[test]
fn yaml_children_are_named_yaml_in_the_template_url() {
    let s = stacks::synthesize_as("studio-big", &definition(150, true), Format::Yaml);
    let parent: Value = serde_yaml_ng::from_str(s.body()).unwrap();
    assert_eq!(
        parent["Resources"]["StudioUsers002"]["Properties"]["TemplateURL"],
        "studio-big.users-002.template.yaml"
    );
    assert_eq!(
        s.children[1].file_name(Format::Yaml),
        "studio-big.users-002.template.yaml"
    );
}

#[test]
fn split_1200_user_templates_pass_cfn_lint() {
    let Some(cfn_lint) = support::require_tool("cfn-lint", "scale::cfn_lint") else {
        return;
    };
    let (_dir, templates) = write_templates("studio-big", &definition(1200, true));
    assert_eq!(templates.len(), 13, "{templates:?}");
    let mut cmd = Command::new(&cfn_lint);
    // From the package root, like tests/cfn_lint.rs: a project .cfnlintrc is honoured.
    support::clear_aws_env(&mut cmd)
        .current_dir(support::manifest_dir())
        .args(["--regions", "us-east-1", "--"])
        .args(&templates);
    let out = support::run_bounded(&mut cmd, Duration::from_secs(300));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Exit status 0 and nothing on stdout: no error, no warning (see tests/cfn_lint.rs).
    assert!(
        out.status.success() && stdout.trim().is_empty(),
        "cfn-lint found problems (exit {:?}):\n{stdout}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `aws cloudformation package` uploads each child to moto's S3 and rewrites its
/// TemplateURL; the packaged parent then deploys to moto, nested stacks included.
///
/// What moto 5.2.1 does with it (found by running it): `package` works against moto's S3
/// when `AWS_ENDPOINT_URL_S3` points at it (the CLI's `--endpoint-url` concerns only the
/// cloudformation client); the URLs are path-style under that endpoint, which moto reads
/// back only when the host contains "localhost". moto implements
/// `AWS::CloudFormation::Stack`: it fetches each child from its S3, passes the
/// Parameters, and creates every nested stack directly (not through a change set), so
/// their Outputs are reported. It skips `AWS::SageMaker::Domain` and
/// `AWS::SageMaker::UserProfile` (as for every template, see tests/deploy_moto.rs), so the
/// parent is deployed as its moto variant: the domain's DomainId becomes a placeholder
/// string, which each child receives as its DomainId parameter.
#[test]
fn package_rewrites_child_urls_and_the_parent_deploys_to_moto() {
    let Some(aws_exe) = support::require_tool("aws", "scale::moto") else {
        return;
    };
    let Some(moto_exe) = support::require_tool("moto_server", "scale::moto") else {
        return;
    };
    let start = Instant::now();
    let users = 1200;
    let (dir, _) = write_templates("studio-big", &definition(users, true));
    let out = dir.path().join("out");
    let parent_file = out.join("studio-big.template.json");
    let parent = read_template(&parent_file);

    // Each child holds its profiles' Studio cleanups (Custom::StudioCleanup), which moto
    // would run by invoking the function in Docker and then wait for ever: the children
    // packaged and deployed here carry the stand-in of support::cfn (a WaitConditionHandle
    // with the same dependencies); the parent's goes through moto_variant below.
    for child in parent["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::CloudFormation::Stack")
    {
        let file = out.join(child["Properties"]["TemplateURL"].as_str().unwrap());
        let mut template = read_template(&file);
        let changes = support::cfn::stand_in_for_custom_resources(&mut template);
        assert_eq!(
            changes.len(),
            100,
            "{}: a cleanup per profile",
            file.display()
        );
        std::fs::write(&file, serde_json::to_string_pretty(&template).unwrap()).unwrap();
    }

    let server = MotoServer::start(&moto_exe, dir.path());
    let mut aws = Aws::new(&aws_exe, &server, dir.path());
    // The S3 client of `package` and `deploy` (path-style URLs need "localhost").
    let s3 = format!("http://localhost:{}", server.port);
    aws.set_env("AWS_ENDPOINT_URL_S3", &s3);
    let bucket = "sagesynth-test-nested";
    aws.json(&["s3api", "create-bucket", "--bucket", bucket]);

    let packaged_file = dir.path().join("packaged.json");
    let packaged_run = aws.run(&[
        "cloudformation",
        "package",
        "--template-file",
        parent_file.to_str().unwrap(),
        "--s3-bucket",
        bucket,
        "--output-template-file",
        packaged_file.to_str().unwrap(),
        "--use-json",
    ]);
    assert!(
        packaged_run.status.success(),
        "package failed:\n{}\n{}",
        String::from_utf8_lossy(&packaged_run.stdout),
        String::from_utf8_lossy(&packaged_run.stderr)
    );
    let packaged = read_template(&packaged_file);
    let mut rewritten = 0;
    for (id, r) in parent["Resources"].as_object().unwrap() {
        if r["Type"] != "AWS::CloudFormation::Stack" {
            assert_eq!(packaged["Resources"][id], *r, "{id} was changed by package");
            continue;
        }
        let url = packaged["Resources"][id]["Properties"]["TemplateURL"]
            .as_str()
            .unwrap();
        let prefix = format!("{s3}/{bucket}/");
        assert!(url.starts_with(&prefix), "{id}: {url}");
        // The object is the child file, byte for byte.
        let key = &url[prefix.len()..];
        let fetched = dir.path().join("fetched.json");
        aws.json(&[
            "s3api",
            "get-object",
            "--bucket",
            bucket,
            "--key",
            key,
            fetched.to_str().unwrap(),
        ]);
        // `package` uploads the child as it re-serialized it (as YAML, long-form
        // intrinsics), so the two are compared as data.
        let local = r["Properties"]["TemplateURL"].as_str().unwrap();
        let uploaded: Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&fetched).unwrap()).unwrap();
        let local_template = read_template(&out.join(local));
        assert!(
            uploaded == local_template,
            "{id}: the uploaded object is not {local}"
        );
        rewritten += 1;
    }
    assert_eq!(rewritten, 12);

    let supported = moto::supported_types(&moto_exe);
    assert!(supported.contains("AWS::CloudFormation::Stack"));
    let variant = support::cfn::moto_variant(&packaged, &supported);
    for change in &variant.changes {
        support::loud(&format!("scale::moto: deployed variant: {change}"));
    }
    let variant_file = dir.path().join("packaged.moto.json");
    std::fs::write(
        &variant_file,
        serde_json::to_string_pretty(&variant.template).unwrap(),
    )
    .unwrap();
    let stack = "sagesynth-test-nested";
    let deployed = aws.run(&[
        "cloudformation",
        "deploy",
        "--template-file",
        variant_file.to_str().unwrap(),
        "--stack-name",
        stack,
        "--capabilities",
        "CAPABILITY_NAMED_IAM",
        "--s3-bucket",
        bucket,
    ]);
    assert!(
        deployed.status.success(),
        "deploy failed:\n{}\n{}\n{}",
        String::from_utf8_lossy(&deployed.stdout),
        String::from_utf8_lossy(&deployed.stderr),
        server.log_tail(40)
    );
    let described = aws.json(&["cloudformation", "describe-stacks", "--stack-name", stack]);
    assert_eq!(described["Stacks"][0]["StackStatus"], "CREATE_COMPLETE");

    let nested = aws.json(&[
        "cloudformation",
        "describe-stack-resources",
        "--stack-name",
        stack,
    ]);
    let children: Vec<(String, String)> = nested["StackResources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ResourceType"] == "AWS::CloudFormation::Stack")
        .map(|r| {
            (
                r["LogicalResourceId"].as_str().unwrap().to_string(),
                r["PhysicalResourceId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(children.len(), 12, "{children:?}");
    let domain_id =
        variant.template["Resources"]["StudioUsers001"]["Properties"]["Parameters"]["DomainId"]
            .clone();
    for (k, (id, physical)) in children.iter().enumerate() {
        let child = aws.json(&[
            "cloudformation",
            "describe-stacks",
            "--stack-name",
            physical,
        ]);
        let c = &child["Stacks"][0];
        assert_eq!(c["StackStatus"], "CREATE_COMPLETE", "{id}");
        let parameters = c["Parameters"].as_array().expect("parameters");
        assert_eq!(parameters.len(), 2, "{id}: {parameters:?}");
        assert_eq!(
            parameters[0],
            json!({"ParameterKey": "DomainId", "ParameterValue": domain_id}),
            "{id}"
        );
        // The parent's cleanup function, which serves the child's profiles' cleanups.
        assert_eq!(parameters[1]["ParameterKey"], "CleanupServiceToken", "{id}");
        let token = parameters[1]["ParameterValue"].as_str().unwrap_or_default();
        assert!(
            token.starts_with("arn:aws:lambda:") && token.contains("StudioCleanupFunction"),
            "{id}: {token}"
        );
        // Nested stacks are not created through a change set, so moto reports their
        // outputs: each user's command, with the domain ID filled in.
        let outputs = c["Outputs"].as_array().expect("outputs");
        assert_eq!(outputs.len(), 100, "{id}");
        let first = k * 100 + 1;
        let command = outputs
            .iter()
            .find(|o| o["OutputKey"] == format!("PresignedUrlCommandDataScientist{first}"))
            .unwrap_or_else(|| panic!("{id}: no output for user {first}"));
        assert!(
            command["OutputValue"].as_str().unwrap().contains(&format!(
                "-DomainId {} -UserProfileName data-scientist-{first} ",
                domain_id.as_str().unwrap()
            )),
            "{id}: {command}"
        );
    }
    support::loud(&format!(
        "scale::moto: {users} users: packaged 12 children, deployed parent and nested stacks \
         to CREATE_COMPLETE in {:.1} s (moto skips AWS::SageMaker::UserProfile)",
        start.elapsed().as_secs_f64()
    ));
}
