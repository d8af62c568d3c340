//! Bad input: each case runs the real `synth` binary in a scratch folder and checks the
//! exit code (2), that nothing was written to `--out`, and the exact message (snapshot).

mod support;

use std::path::Path;

/// A scratch project: `stacks/` with the given files, and an `out/` holding one file
/// whose content must survive every failed run.
struct Scratch {
    dir: tempfile::TempDir,
}

const SENTINEL: &str = "previous content\n";

impl Scratch {
    fn new(stacks: &[(&str, &str)]) -> Scratch {
        let dir = support::bin::scratch(stacks);
        std::fs::create_dir(dir.path().join("out")).unwrap();
        std::fs::write(dir.path().join("out/bad.template.json"), SENTINEL).unwrap();
        Scratch { dir }
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        support::bin::synth(self.dir.path(), args)
    }

    /// `out/` still holds exactly the sentinel file, unchanged (no temporary files either).
    fn assert_out_untouched(&self) {
        let out = self.dir.path().join("out");
        let names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["bad.template.json".to_string()], "out/ changed");
        assert_eq!(read(&out.join("bad.template.json")), SENTINEL);
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

const VALID: &str = "\
description: test stack
network:
  cidr: 10.20.0.0/16
  availability_zones: 2
  endpoints: [s3, sagemaker.api, sagemaker.runtime, studio, logs, ssm, ssmmessages]
studio:
  users: [alice, bob]
";

/// Runs `synth --stack bad --out out` on a definition and returns stderr, after checking
/// exit code 2, empty stdout and an untouched `out/`.
fn input_error(definition: &str) -> String {
    let scratch = Scratch::new(&[("bad.yaml", definition)]);
    let (code, stdout, stderr) = scratch.run(&["--stack", "bad", "--out", "out"]);
    assert_eq!(code, 2, "stderr: {stderr}");
    assert_eq!(stdout, "");
    scratch.assert_out_untouched();
    stderr
}

#[test]
fn valid_definition_is_accepted() {
    // The baseline the cases below break: it must synthesize, or they prove nothing.
    let scratch = Scratch::new(&[("good.yaml", VALID)]);
    let (code, _, stderr) = scratch.run(&["--stack", "good", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(scratch.dir.path().join("out/good.template.json").exists());
}

#[test]
fn unknown_stack_suggests_the_closest() {
    let scratch = Scratch::new(&[("studio-private.yaml", VALID), ("other.yaml", VALID)]);
    let (code, stdout, stderr) = scratch.run(&["--stack", "studio-privat", "--out", "out"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    scratch.assert_out_untouched();
    insta::assert_snapshot!(stderr);
}

#[test]
fn missing_file() {
    let scratch = Scratch::new(&[]);
    let (code, _, stderr) = scratch.run(&["--file", "stacks/nope.yaml", "--out", "out"]);
    assert_eq!(code, 2);
    scratch.assert_out_untouched();
    insta::assert_snapshot!(stderr);
}

#[test]
fn empty_file() {
    insta::assert_snapshot!(input_error(""));
}

#[test]
fn comment_only_file_is_empty() {
    insta::assert_snapshot!(input_error("# nothing here yet\n"));
}

#[test]
fn malformed_yaml() {
    insta::assert_snapshot!(input_error("network:\n  cidr: [10.20.0.0/16\nstudio: {}\n"));
}

#[test]
fn unknown_field_suggests_the_closest() {
    insta::assert_snapshot!(input_error(
        &VALID.replace("availability_zones", "availabilty_zones")
    ));
}

/// Every unknown field is reported in one run, in document order, each with its
/// position, path, the valid keys and the closest one: not one per run.
#[test]
fn every_unknown_field_is_reported_in_one_run() {
    insta::assert_snapshot!(input_error(
        &VALID
            .replace("description:", "descripton:")
            .replace("availability_zones", "availabilty_zones")
            .replace("  users:", "  user:")
    ));
}

#[test]
fn unknown_component_suggests_the_closest() {
    insta::assert_snapshot!(input_error(&VALID.replace("studio:", "stduio:")));
}

/// The valid keys are serde's own list of the definition's fields, so a field added to
/// the struct is listed without anyone remembering to: this test names fields from every
/// part of the definition, the last ones included.
#[test]
fn an_unknown_top_level_key_lists_every_valid_key() {
    let text = input_error(&VALID.replace("studio:", "stduio:"));
    let expected = text
        .lines()
        .find_map(|l| l.strip_prefix("  = expected: one of "))
        .expect("an expected line");
    for key in [
        "description",
        "network",
        "studio",
        "bastion",
        "presigned_url",
        "notebooks",
        "buckets",
        "teams",
        "identity_center",
        "groups",
        "onboarding",
        "accounts",
        "rollout",
        "suppressions",
        "escalate",
        "split",
    ] {
        assert!(
            expected.contains(&format!("`{key}`")),
            "{key} missing: {expected}"
        );
    }
}

/// Ranges as the author reads them: the real range of a bounded field, never a Rust type.
#[test]
fn out_of_range_values_name_the_real_range_not_a_rust_type() {
    let mut all = String::new();
    for (from, to) in [
        ("availability_zones: 2", "availability_zones: 300"),
        ("availability_zones: 2", "availability_zones: -1"),
        (
            "availability_zones: 2",
            "availability_zones: 99999999999999999999999",
        ),
        (
            "availability_zones: 2",
            "availability_zones: 2\n  flow_log_retention_days: 99999",
        ),
        (
            "availability_zones: 2",
            "availability_zones: 2\n  subnet_prefix_length: 300",
        ),
    ] {
        let text = VALID.replace(from, to);
        assert_ne!(text, VALID);
        let e = input_error(&text);
        for rust in ["u8", "u16", "u32", "u64", "u128", "i64", "i128"] {
            assert!(
                !e.split(|c: char| !c.is_alphanumeric()).any(|w| w == rust),
                "{rust}: {e}"
            );
        }
        all.push_str(&e);
    }
    insta::assert_snapshot!(all);
}

#[test]
fn wrong_type() {
    insta::assert_snapshot!(input_error(
        &VALID.replace("availability_zones: 2", "availability_zones: two")
    ));
}

#[test]
fn invalid_cidr() {
    insta::assert_snapshot!(input_error(
        &VALID.replace("10.20.0.0/16", "10.20.0.300/16")
    ));
}

#[test]
fn cidr_with_host_bits() {
    insta::assert_snapshot!(input_error(&VALID.replace("10.20.0.0/16", "10.20.1.0/16")));
}

#[test]
fn invalid_user_profile_name() {
    insta::assert_snapshot!(input_error(
        &VALID.replace("[alice, bob]", "[alice, bob@example.com]")
    ));
}

#[test]
fn offboard_after_is_a_real_date() {
    let with = |entry: &str| VALID.replace("[alice, bob]", &format!("[alice, {entry}]"));
    let all: Vec<String> = [
        "{ name: bob, offboard_after: 2027-02-29 }",
        "{ name: bob, offboard_after: 31.01.2027 }",
        "{ name: bob, offboard_after: 2027-13-01 }",
    ]
    .iter()
    .map(|entry| input_error(&with(entry)))
    .collect();
    insta::assert_snapshot!(all.join("\n"));
}

#[test]
fn a_studio_user_that_yaml_reads_as_another_name() {
    // `0x1F` would be the profile `31`, `True` the profile `true`; `1234` reads back as
    // written, and a quoted name is text.
    let stderr = input_error(&VALID.replace("[alice, bob]", "[alice, 0x1F, 1234, True, '0x2F']"));
    assert_eq!(stderr.matches("error: YAML reads").count(), 2, "{stderr}");
    assert!(!stderr.contains("reads `1234`"), "{stderr}");
    assert!(
        !stderr.contains("reads `0x2F`") && !stderr.contains("reads `'0x2F'`"),
        "{stderr}"
    );
    insta::assert_snapshot!(stderr);
}

#[test]
fn unknown_field_of_a_studio_user() {
    insta::assert_snapshot!(input_error(&VALID.replace(
        "[alice, bob]",
        "\n    - alice\n    - { name: bob, offboard_afer: 2027-01-31 }"
    )));
}

#[test]
fn a_studio_user_entry_needs_a_name() {
    insta::assert_snapshot!(input_error(
        &VALID.replace("[alice, bob]", "[alice, { offboard_after: 2027-01-31 }]")
    ));
}

#[test]
fn duplicate_user() {
    insta::assert_snapshot!(input_error(
        &VALID.replace("[alice, bob]", "[alice, bob, alice]")
    ));
}

#[test]
fn two_users_with_one_logical_id() {
    insta::assert_snapshot!(input_error(
        &VALID.replace("[alice, bob]", "[data-scientist-1, Data-Scientist-1]")
    ));
}

#[test]
fn unknown_endpoint_suggests_the_closest() {
    insta::assert_snapshot!(input_error(
        &VALID.replace("sagemaker.runtime", "sagemaker.runtim")
    ));
}

#[test]
fn unknown_value_suggests_the_closest() {
    insta::assert_snapshot!(input_error(&format!("{VALID}bastion: {{ os: winows }}\n")));
}

#[test]
fn duplicate_key() {
    insta::assert_snapshot!(input_error(&format!("{VALID}description: again\n")));
}

#[test]
fn component_without_network() {
    insta::assert_snapshot!(input_error("studio:\n  users: [alice]\n"));
}

#[test]
fn presigned_url_out_of_range() {
    insta::assert_snapshot!(input_error(&format!(
        "{VALID}bastion: {{}}\npresigned_url: {{ expires_in_seconds: 301 }}\n"
    )));
}

#[test]
fn a_profile_with_capitals_when_people_open_their_own() {
    insta::assert_snapshot!(input_error(&format!(
        "{}bastion: {{}}\npresigned_url: {{}}\n",
        VALID.replace("[alice, bob]", "[alice, Bob]")
    )));
}

#[test]
fn too_many_subnets_for_the_vpc() {
    insta::assert_snapshot!(input_error(
        &VALID
            .replace(
                "availability_zones: 2",
                "availability_zones: 3\n  subnet_prefix_length: 17"
            )
            .to_string()
    ));
}

#[test]
fn invalid_stack_file_name() {
    let scratch = Scratch::new(&[("Bad_Name.yaml", VALID)]);
    let (code, _, stderr) = scratch.run(&["--stack", "Bad_Name", "--out", "out"]);
    assert_eq!(code, 2);
    scratch.assert_out_untouched();
    insta::assert_snapshot!(stderr);
}

#[test]
fn one_bad_stack_stops_all_writes() {
    // `--all` with one good and one bad definition: the good one is not written either.
    let scratch = Scratch::new(&[
        ("good.yaml", VALID),
        ("bad.yaml", "network: {cidr: nope}\n"),
    ]);
    let (code, _, stderr) = scratch.run(&["--all", "--out", "out"]);
    assert_eq!(code, 2, "{stderr}");
    scratch.assert_out_untouched();
    assert!(stderr.contains("stacks/bad.yaml:1:17"), "{stderr}");
    assert!(stderr.ends_with("nothing was written\n"), "{stderr}");
}

#[test]
fn usage_errors_exit_2() {
    let scratch = Scratch::new(&[("good.yaml", VALID)]);
    for args in [
        &["--all"][..],
        &["--check", "--all"],
        &["--stack", "good", "--format", "xml"],
        &[],
    ] {
        let (code, stdout, _) = scratch.run(args);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(stdout, "", "{args:?}");
    }
    scratch.assert_out_untouched();
}

const TEAMS: &str = "\
network:
  cidr: 10.50.0.0/16
  endpoints: [s3, sagemaker.api, sagemaker.runtime, notebook, logs]
buckets:
  raw-data: { retain: true }
teams:
  engineers:
    access: { raw-data: [read, list] }
    users: [eng-bob, { name: eng-carol, console_access: true }]
";

#[test]
fn teams_definition_is_accepted() {
    let scratch = Scratch::new(&[("good.yaml", TEAMS)]);
    let (code, _, stderr) = scratch.run(&["--stack", "good", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn team_access_to_an_unknown_bucket_suggests_the_closest() {
    insta::assert_snapshot!(input_error(
        &TEAMS.replace("access: { raw-data:", "access: { raw-dat:")
    ));
}

#[test]
fn a_user_in_two_teams() {
    insta::assert_snapshot!(input_error(&format!(
        "{TEAMS}  admins:\n    access: {{ raw-data: [read] }}\n    users: [eng-bob]\n"
    )));
}

#[test]
fn a_team_user_that_yaml_reads_as_another_name() {
    // As for Studio users: `0x1F` would be the IAM user `31`, `True` the user `true` and
    // `1e3` the user `1000`; `1234` and `1.5` read back as written, and a quoted name is
    // text.
    let stderr =
        input_error(&TEAMS.replace("[eng-bob,", "[eng-bob, 0x1F, 1234, True, 1.5, 1e3, '0x2F',"));
    assert_eq!(stderr.matches("error: YAML reads").count(), 3, "{stderr}");
    for written in ["1234", "1.5", "0x2F"] {
        assert!(!stderr.contains(&format!("reads `{written}`")), "{stderr}");
    }
    insta::assert_snapshot!(stderr);
}

#[test]
fn team_users_that_read_back_as_written_keep_their_names() {
    let definition = TEAMS.replace("[eng-bob,", "[eng-bob, 1234, 1.5, -7,");
    let scratch = Scratch::new(&[("good.yaml", &definition)]);
    let (code, _, stderr) = scratch.run(&["--stack", "good", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    let template: serde_json::Value =
        serde_json::from_str(&read(&scratch.dir.path().join("out/good.template.json"))).unwrap();
    let mut users: Vec<&str> = template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::IAM::User")
        .map(|r| r["Properties"]["UserName"].as_str().unwrap())
        .collect();
    users.sort_unstable();
    assert_eq!(users, ["-7", "1.5", "1234", "eng-bob", "eng-carol"]);
}

#[test]
fn a_user_entry_with_an_unknown_field() {
    insta::assert_snapshot!(input_error(
        &TEAMS.replace("console_access: true", "console: true")
    ));
}

#[test]
fn buckets_with_every_retention_field_are_accepted() {
    // The baseline of the bucket cases below: it must synthesize, or they prove nothing.
    let definition = TEAMS.replace(
        "raw-data: { retain: true }",
        "raw-data: { retain: true, noncurrent_version_days: never, object_lock: { days: 365 } }\n  results: { noncurrent_version_days: 30 }",
    );
    let scratch = Scratch::new(&[("good.yaml", &definition)]);
    let (code, _, stderr) = scratch.run(&["--stack", "good", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn noncurrent_version_days_neither_a_number_nor_never() {
    insta::assert_snapshot!(input_error(&TEAMS.replace(
        "raw-data: { retain: true }",
        "raw-data: { retain: true, noncurrent_version_days: Never }"
    )));
}

#[test]
fn notebook_access_from_a_private_range() {
    insta::assert_snapshot!(input_error(&format!(
        "{TEAMS}notebook_access:\n  source_ip: [203.0.113.0/24, 10.0.0.0/8]\n"
    )));
}

const NOTEBOOKS: &str = "\
network:
  cidr: 10.40.0.0/16
  endpoints: [s3, sagemaker.api, sagemaker.runtime, sts, logs]
notebooks:
  role: { name_prefix: notebook-team-a- }
  instances:
    analyst-alice: {}
    an-analyst-whose-notebook-name-leaves-no-room-for-the-prefix: {}
";

#[test]
fn a_notebook_role_name_over_iams_limit() {
    insta::assert_snapshot!(input_error(NOTEBOOKS));
}

#[test]
fn a_shared_notebook_role_without_a_name() {
    insta::assert_snapshot!(input_error(&NOTEBOOKS.replace(
        "  role: { name_prefix: notebook-team-a- }\n",
        "  identity: shared-role-with-session-names\n  role: { path: /notebooks/ }\n"
    )));
}

#[test]
fn noncurrent_version_days_zero() {
    insta::assert_snapshot!(input_error(&TEAMS.replace(
        "raw-data: { retain: true }",
        "raw-data: { retain: true, noncurrent_version_days: 0 }"
    )));
}

#[test]
fn object_lock_period_out_of_range() {
    insta::assert_snapshot!(input_error(&TEAMS.replace(
        "raw-data: { retain: true }",
        "raw-data: { retain: true, object_lock: { days: 36501 } }"
    )));
}

#[test]
fn object_lock_with_a_mode() {
    insta::assert_snapshot!(input_error(&TEAMS.replace(
        "raw-data: { retain: true }",
        "raw-data: { retain: true, object_lock: { days: 30, mode: compliance } }"
    )));
}

#[test]
fn an_unknown_notebook_identity() {
    insta::assert_snapshot!(input_error(
        &NOTEBOOKS.replace("notebooks:\n", "notebooks:\n  identity: shared-role\n")
    ));
}

#[test]
fn a_group_without_its_identity_store_id() {
    // Groups are mapped by id only: a display name can be given to another group.
    let shipped = support::stacks::definition("studio-sso-onboarding");
    let line = "    group_id: 4b2f77c1-5678-4def-9abc-fedcba987654\n";
    assert!(shipped.contains(line), "the shipped ml-auditors id");
    insta::assert_snapshot!(input_error(&shipped.replace(line, "")));
}

/// VALID with one JupyterLab lifecycle configuration whose script is `script`.
fn with_lifecycle_script(script: &str) -> String {
    format!(
        "{VALID}  lifecycle_configs:\n    setup: {{ app: jupyterlab, script: {script}, default: true }}\n"
    )
}

#[test]
fn a_lifecycle_script_that_does_not_exist() {
    insta::assert_snapshot!(input_error(&with_lifecycle_script("scripts/setup.sh")));
}

#[test]
fn a_lifecycle_script_outside_the_definition_folder() {
    insta::assert_snapshot!(input_error(&with_lifecycle_script("../setup.sh")));
}

#[test]
fn a_lifecycle_script_that_is_not_a_shell_script_or_too_big() {
    let scratch = Scratch::new(&[("bad.yaml", with_lifecycle_script("setup.py").as_str())]);
    let stacks = scratch.dir.path().join("stacks");
    std::fs::write(
        stacks.join("setup.py"),
        "#!/usr/bin/env python3\nprint(1)\n",
    )
    .unwrap();
    let (code, _, not_shell) = scratch.run(&["--stack", "bad", "--out", "out"]);
    assert_eq!(code, 2, "{not_shell}");
    let big = format!("#!/bin/bash\n{}", "#".repeat(12_288));
    std::fs::write(stacks.join("setup.py"), big).unwrap();
    let (code, _, too_big) = scratch.run(&["--stack", "bad", "--out", "out"]);
    assert_eq!(code, 2, "{too_big}");
    scratch.assert_out_untouched();
    insta::assert_snapshot!(format!("{not_shell}\n{too_big}"));
}

#[test]
fn a_lifecycle_script_is_read_relative_to_the_definition() {
    let scratch = Scratch::new(&[(
        "good.yaml",
        with_lifecycle_script("scripts/setup.sh").as_str(),
    )]);
    let scripts = scratch.dir.path().join("stacks/scripts");
    std::fs::create_dir(&scripts).unwrap();
    std::fs::write(scripts.join("setup.sh"), "#!/bin/bash\necho ready\n").unwrap();
    let (code, _, stderr) = scratch.run(&["--stack", "good", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    let t = read(&scratch.dir.path().join("out/good.template.json"));
    assert!(
        t.contains("\"Fn::Base64\": \"#!/bin/bash\\necho ready\\n\""),
        "{t}"
    );
}

const ML_TEAM: &str = "network: { cidr: 10.50.0.0/16 }\nteams:\n  vision:\n    sagemaker:\n";

#[test]
fn a_sagemaker_instance_type_must_be_ml_family_size() {
    insta::assert_snapshot!(input_error(&format!(
        "{ML_TEAM}      jobs: [training]\n      instance_types: [ml.m5.xlarge, m5.large]\n"
    )));
}

#[test]
fn sagemaker_jobs_without_instance_types_are_refused() {
    insta::assert_snapshot!(input_error(&format!("{ML_TEAM}      jobs: [training]\n")));
}

#[test]
fn an_unknown_job_kind_is_named() {
    insta::assert_snapshot!(input_error(&format!(
        "{ML_TEAM}      jobs: [training, tuning]\n      instance_types: [ml.m5.xlarge]\n"
    )));
}

#[test]
fn a_reconciliation_interval_out_of_range() {
    // Shorter than a full run over every user needs; a missed event waits at most a day.
    let shipped = support::stacks::definition("studio-sso-onboarding");
    let line = "  reconcile_every: 1h";
    assert!(shipped.contains(line), "the shipped interval");
    insta::assert_snapshot!(input_error(&shipped.replace(line, "  reconcile_every: 2m")));
}

#[test]
fn a_reconciliation_interval_that_is_no_interval() {
    let shipped = support::stacks::definition("studio-sso-onboarding");
    let line = "  reconcile_every: 1h";
    assert!(shipped.contains(line), "the shipped interval");
    insta::assert_snapshot!(input_error(
        &shipped.replace(line, "  reconcile_every: hourly")
    ));
}

#[test]
fn an_offboarding_grace_out_of_range() {
    let shipped = support::stacks::definition("studio-sso-onboarding");
    let line = "  offboarding_grace_days: 7";
    assert!(shipped.contains(line), "the shipped grace");
    insta::assert_snapshot!(input_error(
        &shipped.replace(line, "  offboarding_grace_days: 400")
    ));
}

#[test]
fn an_alarm_address_that_is_not_an_email_address() {
    // SNS would accept the subscription and send its confirmation nowhere.
    let shipped = support::stacks::definition("studio-sso-onboarding");
    let line = "    email: [ml-platform-admins@example.com]";
    assert!(shipped.contains(line), "the shipped alarm address");
    insta::assert_snapshot!(input_error(&shipped.replace(
        line,
        "    email: [ml-platform-admins@example.com, ml-platform-admins.example.com]"
    )));
}

#[test]
fn an_access_portal_url_of_another_host() {
    let shipped = support::stacks::definition("studio-sso-onboarding");
    let line = "  access_portal_url: https://d-1234567890.awsapps.com/start";
    assert!(shipped.contains(line), "the shipped access portal URL");
    insta::assert_snapshot!(input_error(&shipped.replace(
        line,
        "  access_portal_url: https://d-1234567890.example.com/start"
    )));
}

#[test]
fn a_tag_key_with_the_reserved_aws_prefix() {
    insta::assert_snapshot!(input_error(&format!(
        "{VALID}tags:\n  owner: ml-platform\n  aws:cost-center: ml\n"
    )));
}

#[test]
fn a_tag_value_with_a_character_aws_does_not_allow() {
    insta::assert_snapshot!(input_error(&format!(
        "{VALID}tags:\n  owner: ml-platform; data-science\n"
    )));
}

#[test]
fn a_tag_key_over_128_characters() {
    insta::assert_snapshot!(input_error(&format!(
        "{VALID}tags:\n  {}: ml\n",
        "k".repeat(129)
    )));
}

#[test]
fn a_tag_the_network_sets_itself() {
    // The VPC, subnets and route tables carry a `Name` tag of their own.
    insta::assert_snapshot!(input_error(&format!(
        "{VALID}tags:\n  owner: ml-platform\n  Name: research\n"
    )));
}

#[test]
fn more_tags_than_a_resource_takes() {
    let tags: String = (1..=51).map(|i| format!("  key-{i}: v\n")).collect();
    insta::assert_snapshot!(input_error(&format!("{VALID}tags:\n{tags}")));
}

#[test]
fn tags_that_overflow_with_the_networks_own() {
    // 50 definition tags fit the limit alone, but the VPC's `Name` tag makes 51.
    let tags: String = (1..=50).map(|i| format!("  key-{i}: v\n")).collect();
    insta::assert_snapshot!(input_error(&format!("{VALID}tags:\n{tags}")));
}

/// `VALID` in an existing VPC: the case below break one thing each.
const EXISTING: &str = "\
description: test stack
network:
  existing:
    vpc_id: { parameter: VpcId, default: vpc-0123456789abcdef0 }
    cidr: 10.40.0.0/16
    private_subnet_ids: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
    route_table_ids: [rtb-0123456789abcdef0]
  endpoints: [s3, sagemaker.api, sagemaker.runtime, studio, logs, ssm, ssmmessages]
studio:
  users: [alice, bob]
";

#[test]
fn an_existing_network_is_accepted() {
    // The baseline of the existing-network cases: it must synthesize.
    let scratch = Scratch::new(&[("good.yaml", EXISTING)]);
    let (code, _, stderr) = scratch.run(&["--stack", "good", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn an_existing_network_without_subnets() {
    insta::assert_snapshot!(input_error(
        &EXISTING.replace("[subnet-0123456789abcdef0, subnet-0fedcba9876543210]", "[]")
    ));
}

#[test]
fn an_existing_network_with_a_subnet_parameter_of_unknown_length() {
    insta::assert_snapshot!(input_error(&EXISTING.replace(
        "[subnet-0123456789abcdef0, subnet-0fedcba9876543210]",
        "{ parameter: PrivateSubnetIds }"
    )));
}

#[test]
fn both_cidr_and_an_existing_network() {
    insta::assert_snapshot!(input_error(
        &EXISTING.replace("network:\n", "network:\n  cidr: 10.20.0.0/16\n")
    ));
}

#[test]
fn a_bad_vpc_id() {
    insta::assert_snapshot!(input_error(
        &EXISTING.replace("vpc-0123456789abcdef0", "vpc-0123456789ABCDEF0")
    ));
}

#[test]
fn a_bad_subnet_id() {
    insta::assert_snapshot!(input_error(
        &EXISTING.replace("subnet-0fedcba9876543210", "sn-0fedcba9876543210")
    ));
}

#[test]
fn a_bad_route_table_id() {
    insta::assert_snapshot!(input_error(
        &EXISTING.replace("rtb-0123456789abcdef0", "subnet-0123456789abcdef0")
    ));
}

/// Studio custom images with every mistake the checks know, reported in one run: a name
/// that is not a lower-case image name, a repository that is not an ECR name, a bad tag
/// and digest, two names whose app image configurations collide, neither or both of tag
/// and digest, and two defaults of one app type.
#[test]
fn bad_studio_images() {
    let digest = format!("sha256:{}", "0".repeat(64));
    insta::assert_snapshot!(input_error(&format!(
        "{VALID}  images:
    Team_Torch: {{ app: jupyterlab, repository: research/torch, tag: \"2.3\" }}
    torch: {{ app: jupyterlab, repository: Research/Torch, tag: \"-latest\", default: true }}
    team.editor: {{ app: code-editor, repository: editor, digest: \"sha256:abc\" }}
    team-editor: {{ app: code-editor, repository: editor }}
    both: {{ app: code-editor, repository: editor, tag: \"1\", digest: \"{digest}\" }}
    second: {{ app: jupyterlab, repository: research/torch, digest: \"{digest}\", default: true }}
"
    )));
}

#[test]
fn an_unknown_image_app_suggests_the_closest() {
    insta::assert_snapshot!(input_error(&format!(
        "{VALID}  images:\n    torch: {{ app: jupyterlabs, repository: research/torch, tag: \"1\" }}\n"
    )));
}
