//! The CLI's behaviour: listing, formats, writing and checking out/, exit codes.

mod support;

use support::bin::{scratch_shipped, synth};
use support::manifest_dir;

/// A scratch folder with a copy of the shipped studio-private definition.
fn scratch() -> tempfile::TempDir {
    scratch_shipped(&["studio-private"])
}

#[test]
fn list_shows_names_and_descriptions() {
    let dir = scratch();
    std::fs::write(dir.path().join("stacks/broken.yaml"), "network: [").unwrap();
    let (code, stdout, _) = synth(dir.path(), &["--list"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "broken          (invalid: run `synth --stack broken` to see why)\nstudio-private  Private SageMaker Studio (VpcOnly, IAM auth) entered through a presigned URL each person creates for their own profile on an SSM-managed bastion\n"
    );
}

#[test]
fn stdout_json_and_yaml_are_the_same_template() {
    let dir = scratch();
    let (code, json, _) = synth(dir.path(), &["--stack", "studio-private"]);
    assert_eq!(code, 0);
    assert!(json.ends_with("}\n"));
    let (code, yaml, _) = synth(
        dir.path(),
        &["--stack", "studio-private", "--format", "yaml"],
    );
    assert_eq!(code, 0);
    let from_json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let from_yaml: serde_json::Value = serde_yaml_ng::from_str(&yaml).unwrap();
    assert_eq!(from_json, from_yaml);
    // --file gives the same bytes as --stack.
    let (_, by_file, _) = synth(dir.path(), &["--file", "stacks/studio-private.yaml"]);
    assert_eq!(by_file, json);
}

#[test]
fn out_then_check_then_stale_missing_and_extra() {
    let dir = scratch();
    let out = dir.path().join("out");
    let (code, stdout, stderr) = synth(dir.path(), &["--all", "--out", "out"]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    let written = std::fs::read_to_string(out.join("studio-private.template.json")).unwrap();
    let (_, printed, _) = synth(dir.path(), &["--stack", "studio-private"]);
    assert_eq!(written, printed);
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary files left behind: {names:?}");

    let (code, _, stderr) = synth(dir.path(), &["--all", "--out", "out", "--check"]);
    assert_eq!(code, 0, "{stderr}");

    std::fs::write(out.join("studio-private.template.json"), "{}\n").unwrap();
    std::fs::write(out.join("gone.template.json"), "{}\n").unwrap();
    std::fs::copy(
        dir.path().join("stacks/studio-private.yaml"),
        dir.path().join("stacks/second.yaml"),
    )
    .unwrap();
    let (code, _, stderr) = synth(dir.path(), &["--all", "--out", "out", "--check"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("differs: out/studio-private.template.json"),
        "{stderr}"
    );
    assert!(
        stderr.contains("missing: out/second.template.json"),
        "{stderr}"
    );
    assert!(
        stderr.contains("extra (no stack defines it): out/gone.template.json"),
        "{stderr}"
    );
    // --check wrote nothing.
    assert_eq!(
        std::fs::read_to_string(out.join("studio-private.template.json")).unwrap(),
        "{}\n"
    );
    assert!(!out.join("second.template.json").exists());
}

#[test]
fn yaml_files_are_named_yaml() {
    let dir = scratch();
    let (code, _, _) = synth(dir.path(), &["--all", "--out", "out", "--format", "yaml"]);
    assert_eq!(code, 0);
    assert!(dir.path().join("out/studio-private.template.yaml").exists());
}

#[test]
fn a_template_over_the_limits_exits_1_and_writes_nothing() {
    let dir = scratch();
    let users: Vec<String> = (0..200).map(|i| format!("      - user-{i}")).collect();
    let text = std::fs::read_to_string(dir.path().join("stacks/studio-private.yaml"))
        .unwrap()
        .replace(
            "    - data-scientist-1\n    - data-scientist-2\n",
            &format!("{}\n", users.join("\n").replace("      -", "    -")),
        );
    std::fs::write(dir.path().join("stacks/big.yaml"), text).unwrap();
    let (code, stdout, stderr) = synth(dir.path(), &["--stack", "big", "--out", "out"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("error[CFN-LIMIT-COUNT] Outputs: 219 entries in Outputs"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn help_lists_every_flag_with_examples() {
    let (code, stdout, _) = synth(manifest_dir(), &["--help"]);
    assert_eq!(code, 0);
    for flag in [
        "--stack",
        "--file",
        "--all",
        "--list",
        "--stacks-dir",
        "--out",
        "--check",
        "--format",
        "--minify",
        "Examples:",
    ] {
        assert!(stdout.contains(flag), "{flag} missing from --help");
    }
}

/// A definition that produces two templates (central and StackSet member) writes both
/// with --out, and refuses stdout rather than printing one of them.
#[test]
fn a_multi_template_stack_needs_out() {
    let dir = scratch_shipped(&["studio-private", "studio-multi-account"]);
    let (code, stdout, stderr) = synth(dir.path(), &["--stack", "studio-multi-account"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(
            "error: stack `studio-multi-account` produces 2 templates (studio-multi-account.template.json, studio-multi-account.member.template.json); add --out DIR to write them"
        ),
        "{stderr}"
    );
    let (code, _, stderr) = synth(
        dir.path(),
        &["--stack", "studio-multi-account", "--out", "out"],
    );
    assert_eq!(code, 0, "{stderr}");
    for file in [
        "studio-multi-account.template.json",
        "studio-multi-account.member.template.json",
    ] {
        let written = std::fs::read_to_string(dir.path().join("out").join(file)).unwrap();
        let shipped = std::fs::read_to_string(manifest_dir().join("out").join(file)).unwrap();
        assert_eq!(written, shipped, "{file}");
    }
    // --check sees both files.
    std::fs::remove_file(
        dir.path()
            .join("out/studio-multi-account.member.template.json"),
    )
    .unwrap();
    let (code, _, stderr) = synth(
        dir.path(),
        &["--stack", "studio-multi-account", "--out", "out", "--check"],
    );
    assert_ne!(code, 0);
    assert!(
        stderr.contains("studio-multi-account.member.template.json"),
        "{stderr}"
    );
}

#[test]
fn minify_writes_compact_json_and_judges_the_size_written() {
    let dir = scratch_shipped(&["studio-private", "team-notebooks"]);
    let (code, pretty, stderr) = synth(dir.path(), &["--stack", "team-notebooks"]);
    assert_eq!(code, 0, "{stderr}");
    // Pretty-printed, team-notebooks is over what `deploy --template-file` sends inline.
    assert!(stderr.contains("CFN-LIMIT-INLINE-BODY"), "{stderr}");
    let (code, minified, stderr) = synth(dir.path(), &["--stack", "team-notebooks", "--minify"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(minified.lines().count(), 1, "one line");
    assert!(minified.len() < 51_200, "{} bytes", minified.len());
    // The warning is computed on what is written: the compact body fits inline.
    assert!(!stderr.contains("CFN-LIMIT-INLINE-BODY"), "{stderr}");
    let a: serde_json::Value = serde_json::from_str(&pretty).unwrap();
    let b: serde_json::Value = serde_json::from_str(&minified).unwrap();
    assert_eq!(a, b, "the same template");
}

#[test]
fn minify_with_yaml_is_a_usage_error() {
    let dir = scratch();
    let (code, stdout, stderr) = synth(
        dir.path(),
        &["--stack", "studio-private", "--format", "yaml", "--minify"],
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.contains("--minify compacts JSON; it cannot be used with --format yaml"),
        "{stderr}"
    );
}
