//! Where names come from (docs/names.md): the definition's `name:` names the Studio domain
//! and the other resources named after the stack, so a renamed or copied file changes
//! nothing deployed; without it the file name does, and DEF-NAME-FROM-FILE says which
//! field to set. A user name SageMaker cannot hold is refused with its ASCII spellings;
//! a domain nobody can open is reported by SM-STUDIO-UNREACHABLE. Each test runs the real
//! binary and records the command, its exit code and its output.

mod support;

use support::bin::{scratch_shipped, scratch_with_shipped_scripts, synth};
use support::stacks::definition;

/// The shipped studio-private definition with a third user.
fn with_a_third_user(text: &str) -> String {
    let with = text.replace(
        "    - data-scientist-2\n",
        "    - data-scientist-2\n    - data-scientist-3\n",
    );
    assert_ne!(with, text, "the shipped definition lists data-scientist-2");
    with
}

/// The definition without its `name:` line.
fn without_name(text: &str) -> String {
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("name:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, text, "the shipped definition sets `name:`");
    without
}

/// The lines of a text report that concern `rule`, with the command and exit code.
fn transcript(command: &str, code: i32, stderr: &str, rule: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(rule))
        .map(str::trim)
        .collect();
    let findings = if lines.is_empty() {
        format!("(no {rule} finding)")
    } else {
        lines.join("\n")
    };
    format!("$ {command}\nexit {code}\n{findings}\n")
}

#[test]
fn a_copy_with_name_set_and_a_user_added_diffs_to_the_added_user() {
    let dir = scratch_shipped(&["studio-private"]);
    let copy = with_a_third_user(&definition("studio-private"));
    std::fs::write(dir.path().join("stacks/sp2.yaml"), copy).unwrap();
    let (code, _, stderr) = synth(dir.path(), &["--all", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("DEF-NAME-FROM-FILE"), "{stderr}");
    let args = [
        "diff",
        "out/studio-private.template.json",
        "out/sp2.template.json",
    ];
    let (code, stdout, stderr) = synth(dir.path(), &args);
    assert_eq!(code, 3, "only additions: {stdout}{stderr}");
    assert!(!stdout.contains("DomainName"), "{stdout}");
    insta::assert_snapshot!(format!("$ synth {}\nexit {code}\n{stdout}", args.join(" ")));
}

#[test]
fn a_copy_without_name_is_warned_and_names_the_field_to_set() {
    let dir = scratch_shipped(&["studio-private"]);
    let copy = without_name(&with_a_third_user(&definition("studio-private")));
    std::fs::write(dir.path().join("stacks/sp2.yaml"), copy).unwrap();
    let (code, _, stderr) = synth(dir.path(), &["--all", "--out", "out"]);
    assert_eq!(code, 0, "a warning: {stderr}");
    let report = transcript("synth --all --out out", code, &stderr, "DEF-NAME-FROM-FILE");
    assert!(report.contains("`name: sp2`"), "{report}");
    // What the warning is about: the file name named the domain, so the copy replaces it.
    let (code, stdout, _) = synth(
        dir.path(),
        &[
            "diff",
            "out/studio-private.template.json",
            "out/sp2.template.json",
        ],
    );
    assert_eq!(code, 4, "{stdout}");
    assert!(stdout.contains("DomainName"), "{stdout}");
    // `explain` says what to do, and escalating the rule makes it an error (exit 1).
    let (_, explained, _) = synth(dir.path(), &["explain", "def-name-from-file"]);
    let escalated =
        without_name(&definition("studio-private")) + "escalate: [DEF-NAME-FROM-FILE]\n";
    std::fs::write(dir.path().join("stacks/sp2.yaml"), escalated).unwrap();
    let (escalated_code, _, escalated_err) = synth(dir.path(), &["--stack", "sp2"]);
    assert_eq!(escalated_code, 1, "{escalated_err}");
    insta::assert_snapshot!(format!(
        "{report}\n$ synth explain def-name-from-file\n{explained}\n{}",
        transcript(
            "synth --stack sp2  # with escalate: [DEF-NAME-FROM-FILE]",
            escalated_code,
            &escalated_err,
            "DEF-NAME-FROM-FILE"
        )
    ));
}

#[test]
fn a_stack_name_sagemaker_cannot_hold_is_refused() {
    let text = format!(
        "name: Studio_Private\n{}",
        without_name(&definition("studio-private"))
    );
    let dir = scratch_with_shipped_scripts(&[("sp2.yaml", text)]);
    let (code, stdout, stderr) = synth(dir.path(), &["--stack", "sp2"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    insta::assert_snapshot!(format!("$ synth --stack sp2\nexit {code}\n{stderr}"));
}

#[test]
fn a_user_name_with_other_letters_is_refused_with_its_ascii_spellings() {
    let mut transcripts = String::new();
    for (users, line) in [
        // Refused, with both spellings: the author knows which one is the person.
        ("[jürgen]", "jürgen"),
        ("[björn-ørsted]", "björn-ørsted"),
        // Had `jürgen` been folded silently, these two would be one profile: the spelling
        // chosen is checked like any name, and the collision names both.
        ("[jurgen, jurgen]", "twice"),
        ("[Jurgen, jurgen]", "both"),
    ] {
        let text = format!("network: {{ cidr: 10.20.0.0/16 }}\nstudio:\n  users: {users}\n");
        let dir = scratch_with_shipped_scripts(&[("s.yaml", text)]);
        let (code, stdout, stderr) = synth(dir.path(), &["--stack", "s"]);
        assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
        assert!(stderr.contains(line), "{stderr}");
        transcripts.push_str(&format!(
            "$ synth --stack s  # studio.users: {users}\nexit {code}\n{stderr}\n"
        ));
    }
    insta::assert_snapshot!(transcripts);
}

#[test]
fn a_studio_domain_nobody_can_open_is_reported() {
    let private = definition("studio-private");
    let no_presigned_url = private
        .split("\npresigned_url:")
        .next()
        .expect("the shipped definition")
        .to_string()
        + "\nname: sp\n";
    let no_bastion_either = no_presigned_url
        .split("\nbastion:")
        .next()
        .expect("the shipped definition")
        .to_string()
        + "\nname: sp\n";
    let escalated = format!("{no_presigned_url}escalate: [SM-STUDIO-UNREACHABLE]\n");
    let mut transcripts = String::new();
    for (what, text, expected, exit) in [
        ("the shipped definition", private.clone(), 0, 0),
        ("without presigned_url", no_presigned_url, 1, 0),
        ("without presigned_url and bastion", no_bastion_either, 1, 0),
        ("without presigned_url, escalated", escalated, 1, 1),
    ] {
        let dir = scratch_with_shipped_scripts(&[("sp.yaml", &text)]);
        let (code, _, stderr) = synth(dir.path(), &["--stack", "sp"]);
        assert_eq!(code, exit, "{stderr}");
        let report = transcript(
            &format!("synth --stack sp  # {what}"),
            code,
            &stderr,
            "SM-STUDIO-UNREACHABLE",
        );
        assert_eq!(
            report.matches("[SM-STUDIO-UNREACHABLE]").count(),
            expected,
            "{report}"
        );
        transcripts.push_str(&report);
        transcripts.push('\n');
    }
    let (_, explained, _) = synth(
        std::path::Path::new("."),
        &["explain", "SM-STUDIO-UNREACHABLE"],
    );
    insta::assert_snapshot!(format!(
        "{transcripts}\n$ synth explain SM-STUDIO-UNREACHABLE\n{explained}"
    ));
}

/// Which names of each shipped stack would come from its file name without `name:`: the
/// rule lists exactly the names made from the stack's name (none for a stack whose names
/// all come from the definition), and with `name:` it is silent.
#[test]
fn without_name_every_shipped_stack_reports_the_names_its_file_would_give() {
    let mut table = String::new();
    for (stack, _) in support::stacks::shipped() {
        let dir = scratch_shipped(&[stack.as_str()]);
        let (code, _, stderr) = synth(dir.path(), &["--stack", &stack, "--out", "out"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains("DEF-NAME-FROM-FILE"), "{stack}: {stderr}");
        let path = dir.path().join(format!("stacks/{stack}.yaml"));
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, without_name(&text)).unwrap();
        let (code, _, stderr) = synth(dir.path(), &["--stack", &stack, "--out", "out"]);
        table.push_str(&transcript(
            &format!("synth --stack {stack} --out out  # without name:"),
            code,
            &stderr,
            "DEF-NAME-FROM-FILE",
        ));
    }
    insta::assert_snapshot!(table);
}
