//! `synth diff`: added, removed, modified, renamed; replacement from the schema table;
//! data loss unless a Retain policy protects; exit codes 0 / 3 / 4.

mod support;

use std::process::Command;

use sagesynth::diff::{ChangeKind, Impact, diff, render_markdown, render_text};
use sagesynth::json;
use sagesynth::template::json::Json;
use support::bin::{scratch_shipped, synth};
use support::stacks::definition;

/// The committed template `out/NAME.template.json`, as the tree `diff` reads.
fn out_template(name: &str) -> Json {
    support::out_template(name).into()
}

/// The template synthesized from the definition `text` of stack `name`, as the tree
/// `diff` reads.
fn template(name: &str, text: &str) -> Json {
    support::stacks::template(name, text).into()
}

#[test]
fn identical_templates_have_no_changes() {
    let t = out_template("studio-private");
    let d = diff(&t, &t);
    assert!(d.is_empty());
    assert_eq!(d.exit_code(), 0);
}

#[test]
fn adding_a_user_is_an_in_place_change() {
    let old = template("studio-private", &definition("studio-private"));
    let new = template(
        "studio-private",
        &definition("studio-private").replace(
            "    - data-scientist-2\n",
            "    - data-scientist-2\n    - analyst-7\n",
        ),
    );
    let d = diff(&old, &new);
    assert_eq!(d.exit_code(), 3);
    let ids: Vec<(&str, bool)> = d
        .resources
        .iter()
        .map(|r| (r.id.as_str(), matches!(r.kind, ChangeKind::Added)))
        .collect();
    // The presigned-URL policy names the domain's profiles by one pattern, so only the
    // profile and its cleanup are added.
    assert_eq!(
        ids,
        vec![
            ("UserProfileAnalyst7", true),
            ("UserProfileAnalyst7Cleanup", true)
        ]
    );
    assert_eq!(d.other.len(), 1, "one new output");
}

#[test]
fn a_new_vpc_cidr_replaces_the_vpc_and_its_subnets() {
    let old = template("studio-private", &definition("studio-private"));
    let new = template(
        "studio-private",
        &definition("studio-private").replace("10.20.0.0/16", "10.21.0.0/16"),
    );
    let d = diff(&old, &new);
    assert_eq!(d.exit_code(), 4);
    let props = |id: &str| match &d.resources.iter().find(|r| r.id == id).unwrap().kind {
        ChangeKind::Modified(props) => props.clone(),
        other => panic!("{id}: {other:?}"),
    };
    // Replaced by their own text: the VPC and its subnets (their CIDRs).
    let direct: Vec<&str> = d
        .resources
        .iter()
        .filter(|r| {
            matches!(&r.kind, ChangeKind::Modified(p)
                if p.iter().any(|p| p.impact == Impact::Replacement && p.because_replaced.is_none()))
        })
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(direct, vec!["PrivateSubnetAz1", "PrivateSubnetAz2", "Vpc"]);
    // Replaced because what they refer to in a create-only property is: everything in
    // the VPC, and, one step further, the rules of a replaced security group.
    let bastion = props("Bastion");
    assert_eq!(bastion[0].path, "Properties.SubnetId");
    assert_eq!(
        bastion[0].because_replaced.as_deref(),
        Some("PrivateSubnetAz1")
    );
    let nfs = props("StudioSecurityGroupNfsIngress");
    assert!(
        nfs.iter()
            .all(|p| p.because_replaced.as_deref() == Some("StudioSecurityGroup"))
    );
    let replaced = d.resources.iter().filter(|r| r.replaces()).count();
    assert_eq!(
        replaced, 30,
        "the VPC, 2 subnets and 27 resources that depend on them (with the Studio cleanup's \
         three endpoints and its function's security group)"
    );
    // The domain's VpcId is only conditionally create-only, and its page says a SubnetIds
    // change replaces it where the schema does not: "may replace" (a data-loss risk, for
    // the home directories), and its user profiles are not claimed to be replaced.
    let domain = props("StudioDomain");
    let causes: Vec<(&str, Impact, Option<&str>)> = domain
        .iter()
        .map(|p| (p.path.as_str(), p.impact, p.because_replaced.as_deref()))
        .collect();
    assert_eq!(
        causes,
        [
            (
                "Properties.SubnetIds",
                Impact::MaybeReplacement,
                Some("PrivateSubnetAz1")
            ),
            ("Properties.VpcId", Impact::MaybeReplacement, Some("Vpc")),
        ]
    );
    let studio = d.resources.iter().find(|r| r.id == "StudioDomain").unwrap();
    assert!(studio.data_loss && !studio.replaces());
    assert!(!d.resources.iter().any(|r| r.id.starts_with("UserProfile")));
}

/// A changed definition tag changes every tagged resource; the Studio domain's and the
/// user profiles' reference pages say a Tags update replaces them (the schema does not),
/// so the diff reports a possible replacement there, and an in-place update elsewhere.
#[test]
fn a_changed_stack_tag_may_replace_the_domain_and_its_profiles() {
    let old = template("studio-private", &definition("studio-private"));
    let new = template(
        "studio-private",
        &definition("studio-private").replace("cost-center: ml-research", "cost-center: ml-lab"),
    );
    let d = diff(&old, &new);
    let impact = |id: &str| {
        let r = d
            .resources
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("{id}"));
        let ChangeKind::Modified(props) = &r.kind else {
            panic!("{id} is not modified")
        };
        assert!(
            props.iter().all(|p| p.path == "Properties.Tags"),
            "{id}: {props:?}"
        );
        props[0].impact
    };
    assert_eq!(impact("StudioDomain"), Impact::MaybeReplacement);
    assert_eq!(
        impact("UserProfileDataScientist1"),
        Impact::MaybeReplacement
    );
    assert_eq!(impact("Vpc"), Impact::NoInterruption);
    assert_eq!(impact("StudioKey"), Impact::NoInterruption);
    let text = render_text(&d, false);
    assert!(
        text.contains("[may replace]") || text.contains("may replace"),
        "{text}"
    );
}

#[test]
fn replacing_a_domain_is_data_loss() {
    let old = out_template("studio-private");
    let mut new = old.clone();
    new["Resources"]["StudioDomain"]["Properties"]["AuthMode"] = json!("SSO");
    let d = diff(&old, &new);
    assert_eq!(d.exit_code(), 4);
    let domain = &d.resources[0];
    assert_eq!(domain.id, "StudioDomain");
    assert!(domain.replaces() && domain.data_loss);
    let text = sagesynth::diff::render_text(&d, false);
    assert!(
        text.contains("~ StudioDomain (AWS::SageMaker::Domain) REPLACED — DATA LOSS"),
        "{text}"
    );
    assert!(
        text.contains("Properties.AuthMode: \"IAM\" → \"SSO\"  [REPLACEMENT]"),
        "{text}"
    );
    // Its user profiles are replaced with it: their DomainId gets the new domain's id.
    for user in ["UserProfileDataScientist1", "UserProfileDataScientist2"] {
        let r = d.resources.iter().find(|r| r.id == user).unwrap();
        assert!(r.replaces() && !r.data_loss, "{user}");
    }
    assert!(
        text.contains("    Properties.DomainId: !GetAtt StudioDomain.DomainId (a new value at deploy time)  [REPLACEMENT, because StudioDomain is replaced]"),
        "{text}"
    );
}

#[test]
fn removing_a_retained_bucket_is_not_data_loss_but_an_unprotected_one_is() {
    let mut old = out_template("team-notebooks");
    // Every shipped bucket is retained now; an unprotected one is what a template written
    // by hand (or by an older synth) may hold.
    old["Resources"]["ResultsBucket"]["DeletionPolicy"] = "Delete".into();
    let mut new = old.clone();
    let resources = new["Resources"].as_object_mut().unwrap();
    resources.shift_remove("RawDataBucket").unwrap();
    resources.shift_remove("ResultsBucket").unwrap();
    let d = diff(&old, &new);
    let by_id = |id: &str| d.resources.iter().find(|r| r.id == id).unwrap();
    assert!(matches!(by_id("RawDataBucket").kind, ChangeKind::Removed));
    assert!(
        !by_id("RawDataBucket").data_loss,
        "RetainExceptOnCreate protects it"
    );
    assert!(by_id("ResultsBucket").data_loss);
    assert_eq!(d.exit_code(), 4);
}

#[test]
fn a_logical_id_rename_is_called_out() {
    // The bastion's volume key is `DeletionPolicy: Delete` (its volume goes with the
    // instance), so removing it under its old name deletes it.
    let old = out_template("studio-private");
    assert_eq!(
        old["Resources"]["BastionVolumeKey"]["DeletionPolicy"],
        "Delete"
    );
    let mut new = old.clone();
    let resources = new["Resources"].as_object_mut().unwrap();
    let key = resources.shift_remove("BastionVolumeKey").unwrap();
    resources.insert("RootVolumeKey", key);
    let d = diff(&old, &new);
    let renamed = d
        .resources
        .iter()
        .find(|r| r.id == "RootVolumeKey")
        .unwrap();
    assert_eq!(
        renamed.kind,
        ChangeKind::Renamed {
            from: "BastionVolumeKey".to_string()
        }
    );
    assert!(
        renamed.data_loss,
        "a key removed without Retain takes the data it encrypts with it"
    );
    assert!(
        d.resources.iter().all(|r| r.id != "BastionVolumeKey"),
        "reported once, as a rename"
    );
}

#[test]
fn markdown_for_a_pull_request() {
    let old = out_template("studio-private");
    let mut new = old.clone();
    new["Resources"]["StudioDomain"]["Properties"]["AuthMode"] = json!("SSO");
    new["Resources"]["Bastion"]["Properties"]["InstanceType"] = json!("t3.large");
    insta::assert_snapshot!(render_markdown(&diff(&old, &new)));
}

#[test]
fn cli_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let old = out_template("studio-private");
    let mut new = old.clone();
    new["Resources"]["Bastion"]["Properties"]["InstanceType"] = json!("t3.large");
    let mut replaced = old.clone();
    replaced["Resources"]["Vpc"]["Properties"]["CidrBlock"] = json!("10.9.0.0/16");
    for (name, t) in [("old", &old), ("new", &new), ("replaced", &replaced)] {
        std::fs::write(
            dir.path().join(format!("{name}.json")),
            serde_json::to_string_pretty(t).unwrap(),
        )
        .unwrap();
    }
    let run = |a: &str, b: &str| synth(dir.path(), &["diff", a, b]);
    assert_eq!(run("old.json", "old.json").0, 0);
    let (code, stdout, _) = run("old.json", "new.json");
    assert_eq!(code, 3);
    assert!(stdout.contains("Properties.InstanceType: \"t3.medium\" → \"t3.large\""));
    assert_eq!(run("old.json", "replaced.json").0, 4);
    assert_eq!(run("old.json", "missing.json").0, 2);
}

#[test]
fn a_type_missing_from_the_table_is_not_claimed_to_update_in_place() {
    let old =
        json!({"Resources": {"X": {"Type": "AWS::Example::Unknown", "Properties": {"A": 1}}}});
    let new =
        json!({"Resources": {"X": {"Type": "AWS::Example::Unknown", "Properties": {"A": 2}}}});
    let d = diff(&old, &new);
    let ChangeKind::Modified(props) = &d.resources[0].kind else {
        panic!()
    };
    assert_eq!(props[0].impact, Impact::MaybeReplacement);
}

#[test]
fn base_compares_the_templates_committed_at_a_revision() {
    let dir = scratch_shipped(&["studio-private"]);
    let root = dir.path();
    let git = |args: &[&str]| git_in(root, args);
    let (code, _, stderr) = synth(root, &["--all", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);

    let (code, stdout, _) = synth(root, &["diff", "--base", "HEAD"]);
    assert_eq!(code, 0, "{stdout}");

    add_a_user_and_a_second_stack(root);
    let (code, text, _) = synth(root, &["diff", "--base", "HEAD"]);
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains("== studio-private (HEAD → working tree)"),
        "{text}"
    );
    assert!(
        text.contains("+ UserProfileAnalyst7 (AWS::SageMaker::UserProfile) added"),
        "{text}"
    );
    // A stack that did not exist at the base: everything is added.
    assert!(text.contains("== second (HEAD → working tree)"), "{text}");
    assert_eq!(
        synth(root, &["diff", "--base", "HEAD", "--stack", "second"]).0,
        3
    );
    assert_eq!(synth(root, &["diff", "--base", "no-such-ref"]).0, 2);

    // A child template committed at the base (a nested stack of users) that the
    // definition no longer produces: its every resource is removed.
    let child = json!({"Resources": {"UserProfileOld": {"Type": "AWS::SageMaker::UserProfile",
        "Properties": {"DomainId": {"Ref": "DomainId"}, "UserProfileName": "old"}}}});
    std::fs::write(
        root.join("out/studio-private.users-002.template.json"),
        serde_json::to_string_pretty(&child).unwrap(),
    )
    .unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "a child"]);
    let (_, text, _) = synth(
        root,
        &["diff", "--base", "HEAD", "--stack", "studio-private"],
    );
    assert!(
        text.contains("== studio-private.users-002 (HEAD → working tree)\n- UserProfileOld (AWS::SageMaker::UserProfile) removed"),
        "{text}"
    );
}

/// One change of each kind: interruption, no interruption, not checked (this tool's own
/// custom resource, whose type has no reference page), may replace, REPLACEMENT.
fn every_label() -> (Json, Json) {
    let old = json!({"Resources": {
        "Notebook": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
            "InstanceType": "ml.t3.medium", "RoleArn": "arn:aws:iam::111122223333:role/a",
            "VolumeSizeInGB": 5}},
        "Function": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 30}},
        "Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {"VersioningConfiguration": {"Status": "Enabled"}}},
        "Bastion": {"Type": "AWS::EC2::Instance", "Properties": {
            "ImageId": "ami-1", "InstanceType": "t3.medium"}},
        "Cleanup": {"Type": "Custom::StudioCleanup", "Properties": {
            "ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:cleanup",
            "Kind": "UserProfile", "OffboardAfter": "2027-01-31"}},
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
    }});
    let mut new = old.clone();
    let r = &mut new["Resources"];
    r["Notebook"]["Properties"]["VolumeSizeInGB"] = json!(20);
    r["Notebook"]["Properties"]["RoleArn"] = json!("arn:aws:iam::111122223333:role/b");
    r["Function"]["Properties"]["Timeout"] = json!(60);
    r["Bucket"]["Properties"]["VersioningConfiguration"]["Status"] = json!("Suspended");
    r["Bastion"]["Properties"]["InstanceType"] = json!("t3.large");
    r["Cleanup"]["Properties"]["OffboardAfter"] = json!("2027-02-28");
    r["Vpc"]["Properties"]["CidrBlock"] = json!("10.1.0.0/16");
    (old, new)
}

#[test]
fn in_place_updates_are_labelled_interruption_no_interruption_or_not_checked() {
    let (old, new) = every_label();
    let d = diff(&old, &new);
    let impacts: Vec<(&str, &str, Impact)> = d
        .resources
        .iter()
        .flat_map(|r| match &r.kind {
            ChangeKind::Modified(props) => props
                .iter()
                .map(|p| (r.id.as_str(), p.path.as_str(), p.impact))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(
        impacts,
        vec![
            (
                "Bastion",
                "Properties.InstanceType",
                Impact::MaybeReplacement
            ),
            (
                "Bucket",
                "Properties.VersioningConfiguration.Status",
                Impact::NoInterruption
            ),
            ("Cleanup", "Properties.OffboardAfter", Impact::InPlace),
            ("Function", "Properties.Timeout", Impact::NoInterruption),
            ("Notebook", "Properties.RoleArn", Impact::NoInterruption),
            (
                "Notebook",
                "Properties.VolumeSizeInGB",
                Impact::Interruption
            ),
            ("Vpc", "Properties.CidrBlock", Impact::Replacement),
        ]
    );
    let interrupted: Vec<&str> = d
        .resources
        .iter()
        .filter(|r| r.interrupts())
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(interrupted, vec!["Notebook"]);
    assert_eq!(d.exit_code(), 4, "the VPC is replaced");

    // An interruption alone is a change without replacement: exit 3.
    let mut only = old.clone();
    only["Resources"]["Notebook"]["Properties"]["VolumeSizeInGB"] = json!(20);
    let d = diff(&old, &only);
    assert_eq!(d.exit_code(), 3);
    assert!(d.resources[0].interrupts() && !d.resources[0].replaces());
}

#[test]
fn every_label_as_text() {
    let (old, new) = every_label();
    insta::assert_snapshot!(render_text(&diff(&old, &new), false));
}

#[test]
fn every_label_as_markdown() {
    let (old, new) = every_label();
    insta::assert_snapshot!(render_markdown(&diff(&old, &new)));
}

/// studio-private without its Studio domain (and the presigned URLs that open it).
fn studio_private_without_studio(text: &str) -> String {
    let start = text.find("\nstudio:\n").expect("a studio block") + 1;
    let end = text.find("\nbastion:\n").expect("a bastion block") + 1;
    let cut = format!("{}{}", &text[..start], &text[end..]);
    let presigned = cut
        .find("\npresigned_url:\n")
        .expect("a presigned_url block")
        + 1;
    // The `name:` after presigned_url stays: it names what is kept.
    let name = cut.find("\nname:").map_or("", |i| &cut[i + 1..]);
    format!("{}{name}", &cut[..presigned])
}

#[test]
fn removing_a_user_says_what_its_cleanup_deletes_and_what_is_kept() {
    let old = template("studio-private", &definition("studio-private"));
    let new = template(
        "studio-private",
        &definition("studio-private").replace("    - data-scientist-2\n", ""),
    );
    let d = diff(&old, &new);
    let profile = d
        .resources
        .iter()
        .find(|r| r.id == "UserProfileDataScientist2")
        .unwrap();
    assert_eq!(profile.kind, ChangeKind::Removed);
    let teardown = profile.teardown.as_ref().unwrap();
    assert_eq!(
        teardown.cleanup.as_deref(),
        Some("UserProfileDataScientist2Cleanup")
    );
    // Its spaces' volumes go: removing a user needs the extra approval of exit 4.
    assert!(profile.data_loss);
    assert_eq!(d.exit_code(), 4);
    insta::assert_snapshot!(render_text(&d, false));
}

#[test]
fn offboarding_a_user_says_what_this_deploy_deletes_and_what_stays() {
    let old = template("studio-private", &definition("studio-private"));
    let new = template(
        "studio-private",
        &definition("studio-private").replace(
            "    - data-scientist-2\n",
            "    - { name: data-scientist-2, offboard_after: 2027-01-31 }\n",
        ),
    );
    let d = diff(&old, &new);
    let cleanup = d
        .resources
        .iter()
        .find(|r| r.id == "UserProfileDataScientist2Cleanup")
        .unwrap();
    let teardown = cleanup.teardown.as_ref().unwrap();
    assert_eq!(teardown.when, sagesynth::diff::teardown::When::ThisDeploy);
    // Nothing is removed: the profile and its spaces stay, so no data-loss verdict.
    assert!(!d.resources.iter().any(|r| r.kind == ChangeKind::Removed));
    assert!(!cleanup.data_loss);
    assert_eq!(d.exit_code(), 3);
    insta::assert_snapshot!(render_text(&d, false));
}

#[test]
fn removing_the_domain_says_whether_the_home_file_system_is_kept() {
    let shipped = definition("studio-private");
    let without = template("studio-private", &studio_private_without_studio(&shipped));
    let domain = |d: &sagesynth::diff::TemplateDiff| {
        d.resources
            .iter()
            .find(|r| r.id == "StudioDomain")
            .unwrap()
            .clone()
    };
    // The default: the home file system and its data stay, its mount targets go.
    let d = diff(&template("studio-private", &shipped), &without);
    let kept = domain(&d).teardown.unwrap();
    assert_eq!(kept.cleanup.as_deref(), Some("StudioDomainCleanup"));
    assert!(!kept.loses_data);
    assert!(kept.kept[0].contains("retain"), "{kept:?}");
    insta::assert_snapshot!("removing_the_domain_text", render_text(&d, false));
    // With `home_storage_on_delete: delete` in the deployed definition, it goes.
    let deleting = shipped.replace("studio:\n", "studio:\n  home_storage_on_delete: delete\n");
    assert_ne!(deleting, shipped);
    let d = diff(&template("studio-private", &deleting), &without);
    let deleted = domain(&d).teardown.unwrap();
    assert!(deleted.loses_data && deleted.kept.is_empty(), "{deleted:?}");
    assert!(
        deleted
            .deletes
            .iter()
            .any(|s| s.contains("every user's home")),
        "{deleted:?}"
    );
    insta::assert_snapshot!(
        "removing_the_domain_that_deletes_its_home_markdown",
        render_markdown(&d)
    );
}

/// In SSO mode the domain's cleanup first deletes the profiles onboarding created, which
/// the template does not list; read from the deployed template's cleanup.
#[test]
fn removing_an_sso_domain_names_the_onboarded_profiles() {
    let old = template(
        "studio-sso-onboarding",
        &definition("studio-sso-onboarding"),
    );
    let mut new = old.clone();
    let resources = new["Resources"].as_object_mut().unwrap();
    resources.shift_remove("StudioDomain");
    resources.shift_remove("StudioDomainCleanup");
    let d = diff(&old, &new);
    let domain = d.resources.iter().find(|r| r.id == "StudioDomain").unwrap();
    let teardown = domain.teardown.as_ref().unwrap();
    assert_eq!(
        teardown.deletes[0],
        "the profiles onboarding created (tag sagesynth:identitystore-user-id), with their apps and spaces"
    );
    insta::assert_snapshot!(render_text(&d, false));
}

/// A removed profile no cleanup references (a template from before the teardown) is
/// reported as a deletion that fails while the profile is in use, not as a plain removal.
#[test]
fn a_profile_without_a_cleanup_is_reported_as_such() {
    let mut old = template("studio-private", &definition("studio-private"));
    old["Resources"]
        .as_object_mut()
        .unwrap()
        .shift_remove("UserProfileDataScientist2Cleanup");
    let mut new = old.clone();
    new["Resources"]
        .as_object_mut()
        .unwrap()
        .shift_remove("UserProfileDataScientist2");
    let d = diff(&old, &new);
    let text = render_text(&d, false);
    assert!(
        text.contains(
            "- UserProfileDataScientist2 (AWS::SageMaker::UserProfile) removed\n    no Studio \
             cleanup references it: CloudFormation's delete fails while it has apps or spaces\n"
        ),
        "{text}"
    );
    assert_eq!(d.exit_code(), 3, "nothing is deleted before it");
}

/// Runs `synth diff ARGS` in `dir` (with `stdin` when given) and sets out what a user
/// sees: the command, its exit code, stderr and stdout.
fn transcript(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut command = support::bin::Synth::new(&[&["diff"], args].concat()).cwd(dir);
    if let Some(text) = stdin {
        command = command.stdin(text.as_bytes().to_vec());
    }
    let run = command.run();
    format!(
        "$ synth diff {}\nexit {}\n--- stderr\n{}--- stdout\n{}",
        args.join(" "),
        run.code,
        run.stderr,
        run.stdout
    )
}

/// A folder with `files` (name, content) and a copy of `out/studio-private.template.json`
/// as `new.json`.
fn diff_dir(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("new.json"),
        serde_json::to_string_pretty(&out_template("studio-private")).unwrap(),
    )
    .unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Read as an empty template, each of these made every resource look added (exit 3)
/// and hid what the real comparison shows: refused with what it is instead, exit 2.
#[test]
fn what_is_not_a_template_is_refused_with_exit_2() {
    let dir = diff_dir(&[
        ("object.json", "{\"a\":1}".to_string()),
        ("array.json", "[1,2]".to_string()),
        ("empty.json", String::new()),
        ("studio-private.yaml", definition("studio-private")),
    ]);
    let mut all = String::new();
    for old in [
        "object.json",
        "array.json",
        "empty.json",
        "studio-private.yaml",
    ] {
        all.push_str(&transcript(dir.path(), &[old, "new.json"], None));
        all.push('\n');
    }
    all.push_str(&transcript(dir.path(), &["-", "-"], Some("{}")));
    insta::assert_snapshot!(all);
}

/// `aws cloudformation get-template` output, as the CLI prints it: the template inside
/// `TemplateBody` (an object for a JSON template, a string for a YAML one). Compared as
/// it is, it gave "34 added", exit 3; unwrapped, the domain's new name is a replacement
/// with data loss, exit 4. The same from stdin.
#[test]
fn get_template_output_is_unwrapped_and_the_data_loss_shown() {
    let deployed = out_template("studio-private");
    let response = json!({"TemplateBody": deployed, "StagesAvailable": ["Original", "Processed"]});
    let mut renamed = deployed.clone();
    renamed["Resources"]["StudioDomain"]["Properties"]["DomainName"] = json!("sp2");
    let dir = diff_dir(&[
        (
            "deployed.json",
            serde_json::to_string_pretty(&response).unwrap(),
        ),
        (
            "renamed.json",
            serde_json::to_string_pretty(&renamed).unwrap(),
        ),
    ]);
    let mut all = transcript(dir.path(), &["deployed.json", "renamed.json"], None);
    all.push('\n');
    let stdin = serde_json::to_string_pretty(&response).unwrap();
    let piped = transcript(dir.path(), &["-", "renamed.json"], Some(&stdin));
    all.push_str(&piped);
    insta::assert_snapshot!(all);
    // What `--query TemplateBody --output json` prints for a stack deployed from YAML:
    // the YAML text as one JSON string.
    let yaml = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n";
    let new = json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}});
    let dir = diff_dir(&[("new.json", new.to_string())]);
    let run = support::bin::Synth::new(&["diff", "-", "new.json"])
        .cwd(dir.path())
        .stdin(Json::from(yaml).to_string().into_bytes())
        .run();
    assert_eq!(run.code, 0, "{}{}", run.stderr, run.stdout);
    assert_eq!(
        run.stderr,
        "note: stdin is a JSON string holding a template (a YAML TemplateBody): compared the \
         template inside\n"
    );
}

/// A template in CloudFormation's short-form YAML, as `$ref`-free intrinsics are written
/// by hand: every intrinsic of the shipped template written with its tag.
fn short_form_yaml(v: &Json) -> String {
    let text = |s: &str| Json::from(s).to_string();
    match v {
        Json::Object(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next().unwrap();
            match (k.as_str(), arg) {
                ("Ref", Json::String(s)) => format!("!Ref {}", text(s)),
                ("Condition", Json::String(s)) => format!("!Condition {}", text(s)),
                ("Fn::GetAtt", Json::Array(p)) if p.len() == 2 => format!(
                    "!GetAtt {}",
                    text(&format!(
                        "{}.{}",
                        p[0].as_str().unwrap(),
                        p[1].as_str().unwrap()
                    ))
                ),
                (f, arg) if f.starts_with("Fn::") => {
                    format!("!{} {}", &f[4..], short_form_yaml(arg))
                }
                _ => format!("{{{}: {}}}", text(k), short_form_yaml(arg)),
            }
        }
        Json::Object(m) => {
            let entries: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", text(k), short_form_yaml(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        Json::Array(items) => {
            let items: Vec<String> = items.iter().map(short_form_yaml).collect();
            format!("[{}]", items.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// Short-form YAML (`!Ref`, `!Sub`, `!GetAtt`, `!If`, …) was refused ("invalid type:
/// enum"); it is read and compared in the long form.
#[test]
fn short_form_yaml_is_read_in_the_long_form() {
    let shipped = out_template("studio-private");
    let yaml = short_form_yaml(&shipped);
    for tag in ["!Ref ", "!Sub ", "!GetAtt ", "!Join "] {
        assert!(yaml.contains(tag), "the shipped template has no {tag}");
    }
    let dir = diff_dir(&[
        ("deployed.yaml", yaml),
        (
            "bucket.yaml",
            "Resources:\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      \
             BucketName: !Sub '${AWS::StackName}-data'\n      Tags:\n        - Key: a\n          \
             Value: !GetAtt Role.Arn\n"
                .to_string(),
        ),
        (
            "bucket.json",
            json!({"Resources": {"Data": {"Type": "AWS::S3::Bucket", "Properties": {
                "BucketName": {"Fn::Sub": "${AWS::StackName}-data-v2"},
                "Tags": [{"Key": "a", "Value": {"Fn::GetAtt": ["Role", "Arn"]}}]}}}})
            .to_string(),
        ),
    ]);
    let (code, stdout, stderr) = synth(dir.path(), &["diff", "deployed.yaml", "new.json"]);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (0, "no changes\n", "")
    );
    insta::assert_snapshot!(transcript(
        dir.path(),
        &["bucket.yaml", "bucket.json"],
        None
    ));
}

/// Every property the tables mark as replacing the resource is labelled so: the
/// create-only ones of `replacement.json` (and anything below them) REPLACEMENT, the
/// conditional ones and those whose reference page says Replacement where the schema
/// does not (`page_says_replacement` in `interruption.json`) "may replace"; and no
/// property the page says needs replacement is left among the unsettled ones.
#[test]
fn every_property_the_tables_mark_replacement_is_labelled_so() {
    let read = |rel: &str| -> Json {
        serde_json::from_str(&std::fs::read_to_string(support::manifest_dir().join(rel)).unwrap())
            .unwrap()
    };
    let replacement = read("src/diff/replacement.json");
    let interruption = read("src/diff/interruption.json");
    let impact_of = |type_name: &str, path: &str| -> Impact {
        let mut old = json!("old");
        let mut new = json!("new");
        for key in path.rsplit('.') {
            old = json!({ key: old });
            new = json!({ key: new });
        }
        let template = |p: Json| json!({"Resources": {"R": {"Type": type_name, "Properties": p}}});
        let d = diff(&template(old), &template(new));
        let ChangeKind::Modified(props) = &d.resources[0].kind else {
            panic!("{type_name}.{path}")
        };
        props.iter().map(|p| p.impact).max().unwrap()
    };
    let mut checked = 0;
    for (t, lists) in replacement["types"].as_object().unwrap() {
        for (list, expected) in [
            ("create_only", Impact::Replacement),
            ("conditional_create_only", Impact::MaybeReplacement),
        ] {
            for p in lists[list].as_array().unwrap() {
                let p = p.as_str().unwrap();
                for path in [p.to_string(), format!("{p}.Inner")] {
                    assert!(impact_of(t, &path) >= expected, "{t}.{path}: {list}");
                    checked += 1;
                }
            }
        }
    }
    for (t, entry) in interruption["types"].as_object().unwrap() {
        for p in entry["page_says_replacement"]
            .as_object()
            .into_iter()
            .flatten()
        {
            assert!(impact_of(t, p.0) >= Impact::MaybeReplacement, "{t}.{}", p.0);
            checked += 1;
        }
        for (p, why) in entry["not_verified"].as_object().unwrap() {
            assert!(
                !why.as_str().unwrap().contains("Replacement"),
                "{t}.{p}: the page says Replacement; list it under page_says_replacement"
            );
        }
    }
    assert!(checked > 200, "{checked}");
    assert_eq!(
        impact_of("AWS::SageMaker::Domain", "SubnetIds"),
        Impact::MaybeReplacement
    );
}

/// The domain's `SubnetIds` was labelled "in place (not checked)" although its page says
/// Replacement; a new output showed as `~ … (absent) →`, a removed one as `→ (absent)`.
#[test]
fn subnet_ids_may_replace_the_domain_and_outputs_are_added_and_removed() {
    let old = out_template("studio-private");
    let mut new = old.clone();
    new["Resources"]["StudioDomain"]["Properties"]["SubnetIds"] =
        json!([{"Ref": "PrivateSubnetAz1"}]);
    let outputs = new["Outputs"].as_object_mut().unwrap();
    let removed = outputs.keys().next().unwrap().clone();
    outputs.shift_remove(&removed);
    outputs.insert(
        "NewOutput",
        json!({"Description": "new", "Value": {"Ref": "Vpc"}}),
    );
    let dir = diff_dir(&[
        ("old.json", serde_json::to_string_pretty(&old).unwrap()),
        ("changed.json", serde_json::to_string_pretty(&new).unwrap()),
    ]);
    let mut all = transcript(dir.path(), &["old.json", "changed.json"], None);
    all.push('\n');
    all.push_str(&transcript(
        dir.path(),
        &["old.json", "changed.json", "--format", "markdown"],
        None,
    ));
    insta::assert_snapshot!(all);
}

/// The working-tree change both `--base` tests compare: one more Studio user in
/// studio-private, and a new stack `second` that no revision has.
fn add_a_user_and_a_second_stack(root: &std::path::Path) {
    std::fs::write(
        root.join("stacks/studio-private.yaml"),
        definition("studio-private").replace(
            "    - data-scientist-2\n",
            "    - data-scientist-2\n    - analyst-7\n",
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("stacks/second.yaml"),
        definition("studio-private"),
    )
    .unwrap();
}

/// `git ARGS` in `root`, which must succeed.
fn git_in(root: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// In a repository that does not commit `out/` (build output), `--base` reported every
/// resource as added, exit 3, without a word: it now synthesizes the definition as it
/// was at the revision, and says on stderr which old side each stack got.
#[test]
fn base_synthesizes_the_definitions_at_the_revision_when_out_is_not_committed() {
    let dir = scratch_shipped(&["studio-private"]);
    let root = dir.path();
    git_in(root, &["init", "-q"]);
    git_in(root, &["add", "-A"]);
    git_in(root, &["commit", "-q", "-m", "definitions only"]);
    let (code, stdout, stderr) = synth(root, &["diff", "--base", "HEAD"]);
    assert_eq!(
        (code, stdout.as_str()),
        (0, "== studio-private (HEAD → working tree)\nno changes\n\n")
    );
    assert_eq!(
        stderr,
        "studio-private: out/studio-private.template.json is not committed at HEAD; \
         synthesized stacks/studio-private.yaml as of HEAD\n"
    );

    add_a_user_and_a_second_stack(root);
    let mut all = transcript(root, &["--base", "HEAD", "--stack", "studio-private"], None);
    let (code, text, stderr) = synth(root, &["diff", "--base", "HEAD", "--stack", "second"]);
    all.push_str(&format!(
        "\n$ synth diff --base HEAD --stack second\nexit {code}\n--- stderr\n{stderr}--- stdout (first lines)\n{}\n",
        text.lines().take(3).collect::<Vec<_>>().join("\n")
    ));

    // With out/ committed, the committed template is the old side, as before.
    let (code, _, stderr) = synth(root, &["--all", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    git_in(root, &["add", "-A"]);
    git_in(root, &["commit", "-q", "-m", "templates"]);
    all.push('\n');
    all.push_str(&transcript(
        root,
        &["--base", "HEAD", "--stack", "second"],
        None,
    ));

    // A definition the revision has that does not synthesize: exit 2, named as of the
    // revision.
    std::fs::write(
        root.join("stacks/broken.yaml"),
        "network: {cidr: nonsense}\n",
    )
    .unwrap();
    git_in(root, &["add", "-A"]);
    git_in(root, &["commit", "-q", "-m", "broken"]);
    std::fs::write(
        root.join("stacks/broken.yaml"),
        definition("studio-private"),
    )
    .unwrap();
    let (code, _, stderr) = synth(root, &["diff", "--base", "HEAD", "--stack", "broken"]);
    all.push_str(&format!(
        "\n$ synth diff --base HEAD --stack broken\nexit {code}\n--- stderr\n{stderr}"
    ));
    insta::assert_snapshot!(all);
}

/// A new tag of a Studio image replaces its version (BaseImage is create-only), and the
/// domain, which pins the version number, updates in place.
#[test]
fn a_new_image_tag_replaces_the_image_version() {
    let file = "tests/data/studio-images.yaml";
    let text = std::fs::read_to_string(support::manifest_dir().join(file)).unwrap();
    let old = template("studio-images", &text);
    let new = template(
        "studio-images",
        &text.replace("tag: \"2.3\"", "tag: \"2.4\""),
    );
    let d = diff(&old, &new);
    let version = d
        .resources
        .iter()
        .find(|r| r.id == "StudioImageTeamPytorchVersion")
        .expect("the version changed");
    assert!(version.replaces(), "{version:?}");
    assert!(
        d.resources
            .iter()
            .all(|r| r.id == "StudioImageTeamPytorchVersion" || !r.replaces()),
        "{:?}",
        d.resources
    );
}
