//! IAM-mode offboarding (`studio.users: - { name: …, offboard_after: DATE }`), evaluated
//! over the generated policies of studio-private: from the deploy that sets it, nobody
//! can create a presigned URL for the offboarded user's profile — not the person with
//! their own IAM user, not the bastion's role with the shared flow — while every other
//! profile opens as before. Each denial stands next to the same request allowed before
//! offboarding, so a row fails if the Deny is dropped or the baseline stops matching. The
//! template never depends on the date: synthesized on two days, it is the same bytes, and
//! only the warning SM-OFFBOARD-DUE differs.

mod support;

use std::process::Command;

use serde_json::{Value as Json, json};
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::stacks;

const DOMAIN_ID: &str = "d-abc123";
const API: &str = "vpce-0api";
const STUDIO: &str = "vpce-0studio";
const ALICE: &str = "data-scientist-1";
const BOB: &str = "data-scientist-2";
const PRESIGN: &str = "sagemaker:CreatePresignedDomainUrl";

fn profile(name: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:user-profile/{DOMAIN_ID}/{name}")
}

fn evaluator(t: &Json) -> Evaluator<'_> {
    Evaluator::new(t)
        .with_attribute(
            "StudioDomain",
            "DomainArn",
            &format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:domain/{DOMAIN_ID}"),
        )
        .with_attribute("StudioDomain", "DomainId", DOMAIN_ID)
        .with_ref("SageMakerApiEndpoint", API)
        .with_ref("SageMakerStudioEndpoint", STUDIO)
}

/// studio-private's definition with Bob offboarded (or not), and the issuer given.
fn definition(offboard_bob: bool, issuer: &str) -> String {
    let mut text = stacks::definition("studio-private")
        .replace("  issuer: people ", &format!("  issuer: {issuer} "));
    if offboard_bob {
        text = text.replace(
            &format!("    - {BOB}\n"),
            &format!("    - {{ name: {BOB}, offboard_after: 2027-01-31 }}\n"),
        );
    }
    text
}

/// The people's policy attached to each person's IAM user, as an administrator does.
fn people_template(offboard_bob: bool) -> Json {
    let mut t = stacks::template("studio-private", &definition(offboard_bob, "people"));
    for (id, name) in [("Alice", ALICE), ("Bob", BOB)] {
        t["Resources"][id] = json!({"Type": "AWS::IAM::User", "Properties": {"UserName": name}});
    }
    t["Resources"]["PresignedUrlPolicy"]["Properties"]["Users"] =
        json!([{"Ref": "Alice"}, {"Ref": "Bob"}]);
    t
}

fn person(name: &'static str, vpce: &'static str) -> [(&'static str, &'static str); 2] {
    [("aws:username", name), ("aws:SourceVpce", vpce)]
}

#[test]
fn the_offboarded_person_cannot_presign_their_profile_and_the_others_still_can() {
    let before = people_template(false);
    let e = evaluator(&before);
    e.assert_allowed("Bob", PRESIGN, &profile(BOB), &person(BOB, API));
    e.assert_allowed("Alice", PRESIGN, &profile(ALICE), &person(ALICE, API));

    let after = people_template(true);
    let e = evaluator(&after);
    for vpce in [API, STUDIO] {
        e.assert_denied("Bob", PRESIGN, &profile(BOB), &person(BOB, vpce));
        e.assert_allowed("Alice", PRESIGN, &profile(ALICE), &person(ALICE, vpce));
    }
    // Nor anyone else who holds the policy, whatever their name.
    e.assert_denied("Alice", PRESIGN, &profile(BOB), &person(ALICE, API));
}

#[test]
fn the_bastion_role_cannot_open_the_offboarded_profile_either() {
    let before = stacks::template("studio-private", &definition(false, "bastion"));
    let e = evaluator(&before);
    e.assert_allowed(
        "BastionRole",
        PRESIGN,
        &profile(BOB),
        &[("aws:SourceVpce", API)],
    );

    let after = stacks::template("studio-private", &definition(true, "bastion"));
    let e = evaluator(&after);
    e.assert_denied(
        "BastionRole",
        PRESIGN,
        &profile(BOB),
        &[("aws:SourceVpce", API)],
    );
    for user in [ALICE, "admin"] {
        e.assert_allowed(
            "BastionRole",
            PRESIGN,
            &profile(user),
            &[("aws:SourceVpce", API)],
        );
    }
}

#[test]
fn the_profile_stays_with_its_cleanup_told_and_no_command_to_open_it() {
    let t = stacks::template("studio-private", &definition(true, "people"));
    let resources = &t["Resources"];
    assert_eq!(
        resources["UserProfileDataScientist2"]["Type"],
        "AWS::SageMaker::UserProfile"
    );
    let cleanup = &resources["UserProfileDataScientist2Cleanup"]["Properties"];
    assert_eq!(cleanup["OffboardAfter"], "2027-01-31");
    assert_eq!(
        resources["UserProfileDataScientist1Cleanup"]["Properties"].get("OffboardAfter"),
        None
    );
    let outputs = t["Outputs"].as_object().unwrap();
    assert!(!outputs.contains_key("PresignedUrlCommandDataScientist2"));
    assert!(outputs.contains_key("PresignedUrlCommandDataScientist1"));
}

#[test]
fn the_template_is_the_same_on_any_day_and_only_the_warning_follows_the_date() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("studio-private.yaml");
    std::fs::write(&file, definition(true, "people")).unwrap();
    let scripts = stacks::definition_path("studio-private")
        .parent()
        .unwrap()
        .join("scripts");
    if scripts.exists() {
        copy_dir(&scripts, &dir.path().join("scripts"));
    }
    let run = |today: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_synth"))
            .args(["--file", file.to_str().unwrap()])
            .env("SAGESYNTH_TODAY", today)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (out.stdout, String::from_utf8(out.stderr).unwrap())
    };
    let (on_the_day, quiet) = run("2027-01-31");
    let (after, warned) = run("2027-02-01");
    assert!(on_the_day == after, "the template changed with the date");
    assert!(!quiet.contains("SM-OFFBOARD-DUE"), "{quiet}");
    assert!(
        warned.contains("warning[SM-OFFBOARD-DUE]")
            && warned.contains("user `data-scientist-2` was to be offboarded after 2027-01-31"),
        "{warned}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn split_nested_offboards_in_the_child_template_and_denies_in_the_parent() {
    let text = format!("{}\nsplit: nested\n", definition(true, "people"));
    let s = stacks::synthesize("studio-private", &text);
    let parent = stacks::json(&s);
    let deny =
        parent["Resources"]["PresignedUrlPolicy"]["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|st| st["Sid"] == "NoUrlForOffboardedProfiles")
            .expect("the Deny in the parent's policy")
            .clone();
    assert_eq!(deny["Effect"], "Deny");
    assert!(
        deny["Resource"]
            .to_string()
            .ends_with(&format!("/{BOB}\"}}]")),
        "{deny}"
    );
    assert_eq!(s.children.len(), 1);
    let child = stacks::json(&s.children[0]);
    assert_eq!(
        child["Resources"]["UserProfileDataScientist2Cleanup"]["Properties"]["OffboardAfter"],
        "2027-01-31"
    );
    let outputs = child["Outputs"].as_object().unwrap();
    assert!(!outputs.contains_key("PresignedUrlCommandDataScientist2"));
    assert!(outputs.contains_key("PresignedUrlCommandDataScientist1"));
}
