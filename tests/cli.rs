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
        stderr.contains("error[CFN-LIMIT-COUNT] Outputs: 221 entries in Outputs"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"));
    assert!(!dir.path().join("out").exists());

    // Into a folder that holds templates: each template is written to a temporary file
    // the moment it is judged; a run that fails removes them all and replaces nothing.
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("big.template.json"), "old\n").unwrap();
    let (code, _, stderr) = synth(dir.path(), &["--all", "--out", "out"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["big.template.json"]);
    assert_eq!(
        std::fs::read_to_string(out.join("big.template.json")).unwrap(),
        "old\n"
    );
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
    // The test definition whose compact body still fits: every shipped stack is over
    // 51,200 bytes even compact, or under it pretty-printed.
    let text =
        std::fs::read_to_string(manifest_dir().join("tests/data/fits-minified.yaml")).unwrap();
    let dir = support::bin::scratch(&[("fits-minified.yaml", text)]);
    let (code, pretty, stderr) = synth(dir.path(), &["--stack", "fits-minified"]);
    assert_eq!(code, 0, "{stderr}");
    // Pretty-printed, it is over what `deploy --template-file` sends inline.
    assert!(stderr.contains("CFN-LIMIT-INLINE-BODY"), "{stderr}");
    let (code, minified, stderr) = synth(dir.path(), &["--stack", "fits-minified", "--minify"]);
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

#[test]
fn prune_deletes_the_templates_no_stack_writes_and_check_says_to_run_it() {
    let dir = scratch();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for name in [
        "renamed.template.json",
        "renamed.users-001.template.json",
        "studio-private.template.yaml",
        "README.md",
    ] {
        std::fs::write(out.join(name), "{}\n").unwrap();
    }
    let (code, _, stderr) = synth(dir.path(), &["--all", "--out", "out", "--check"]);
    assert_eq!(code, 1);
    assert!(
        stderr
            .ends_with("out is stale: run `synth --all --out out --prune` and commit the result\n"),
        "{stderr}"
    );
    let (code, stdout, stderr) = synth(dir.path(), &["--all", "--out", "out", "--prune"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    let deleted: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("deleted "))
        .collect();
    assert_eq!(
        deleted,
        [
            "deleted out/renamed.template.json",
            "deleted out/renamed.users-001.template.json",
            "deleted out/studio-private.template.yaml",
        ]
    );
    let (code, _, stderr) = synth(dir.path(), &["--all", "--out", "out", "--check"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(out.join("README.md").exists(), "not a file synth writes");

    for (args, why) in [
        (
            &["--stack", "studio-private", "--out", "out", "--prune"][..],
            "--all",
        ),
        (&["--all", "--prune"], "--out"),
        (&["--all", "--out", "out", "--prune", "--check"], "--check"),
    ] {
        let (code, _, stderr) = synth(dir.path(), args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains(why), "{args:?}: {stderr}");
    }
}

#[test]
fn list_as_json_has_a_stable_shape() {
    let dir = scratch();
    let broken = "network:\n  cidr: 10.20.0.0/16\n  flowlogs: true\n";
    std::fs::write(dir.path().join("stacks/broken.yaml"), broken).unwrap();
    let (code, stdout, stderr) = synth(dir.path(), &["--list", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout);
    let (code, _, stderr) = synth(dir.path(), &["--list", "--format", "yaml"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: --list prints text or JSON; --format yaml is for templates\n"
    );
}

#[test]
fn rules_as_json_hold_every_rule_in_the_order_of_the_text() {
    let root = manifest_dir();
    let (code, text, _) = synth(root, &["rules"]);
    assert_eq!(code, 0);
    let (code, json, _) = synth(root, &["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rules = json["rules"].as_array().unwrap();
    let text_ids: Vec<&str> = text
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let json_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(json_ids, text_ids);
    let vpc_only = rules
        .iter()
        .find(|r| r["id"] == "SM-DOMAIN-VPC-ONLY")
        .unwrap();
    let keys: Vec<&String> = vpc_only.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "severity",
            "rationale",
            "checks",
            "fix",
            "applies_to",
            "equivalents"
        ]
    );
    assert_eq!(vpc_only["severity"], "error");
    assert_eq!(
        vpc_only["applies_to"],
        serde_json::json!(["AWS::SageMaker::Domain"])
    );
    assert!(vpc_only["equivalents"]["cfn_lint"].is_array());
    assert!(vpc_only["equivalents"]["checkov"].is_array());
}

#[test]
fn quiet_hides_progress_and_warnings_and_verbose_shows_each_template() {
    let dir = scratch();
    let run = |flag: &str| {
        let mut args = vec!["--all", "--out", "out"];
        if !flag.is_empty() {
            args.push(flag);
        }
        synth(dir.path(), &args)
    };
    let (code, _, quiet) = run("-q");
    assert_eq!((code, quiet.as_str()), (0, ""));
    let (code, _, normal) = run("");
    assert_eq!(code, 0);
    assert!(
        normal.contains("warning[CFN-LIMIT-INLINE-BODY]"),
        "{normal}"
    );
    assert!(
        normal.ends_with("wrote out/studio-private.template.json\n"),
        "{normal}"
    );
    let (code, _, verbose) = run("-v");
    assert_eq!(code, 0);
    assert!(
        verbose.starts_with("reading stacks/studio-private.yaml\n"),
        "{verbose}"
    );
    assert!(
        verbose.contains("\nmade studio-private.template.json: ")
            && verbose.contains(" resources, "),
        "{verbose}"
    );
    // -q still says why a run fails.
    std::fs::write(dir.path().join("stacks/broken.yaml"), "netwrk: {}\n").unwrap();
    let (code, _, stderr) = synth(dir.path(), &["--all", "--out", "out", "-q"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown field `netwrk`"), "{stderr}");
    let (code, _, stderr) = synth(dir.path(), &["-q", "-v", "rules"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn completions_for_every_shell_and_a_man_page_that_renders() {
    let root = manifest_dir();
    for (shell, marker) in [
        ("bash", "complete -F _synth"),
        ("zsh", "#compdef synth"),
        ("fish", "complete -c synth"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (code, stdout, stderr) = synth(root, &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stdout.contains(marker), "{shell}: {stdout}");
        for word in ["stack", "prune", "graph", "explain"] {
            assert!(stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let (code, _, _) = synth(root, &["completions", "tcsh"]);
    assert_eq!(code, 2);
    let (code, roff, _) = synth(root, &["man"]);
    assert_eq!(code, 0);
    assert!(roff.contains(".TH synth 1"), "{roff}");
    let Some(groff) = support::require_tool("groff", "man page rendering") else {
        return;
    };
    let mut child = std::process::Command::new(groff)
        .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), roff.as_bytes()).unwrap();
    let rendered = child.wait_with_output().unwrap();
    assert!(rendered.status.success());
    assert_eq!(
        String::from_utf8_lossy(&rendered.stderr),
        "",
        "groff warnings"
    );
    for part in [
        r"\-\-stack",
        r"\-\-prune",
        r"\-\-quiet",
        "completions",
        "Exit codes",
    ] {
        assert!(roff.contains(part), "the man page lacks {part}");
    }
}

#[test]
fn yml_paths_to_stack_and_rule_ids_in_lower_case() {
    let dir = scratch();
    std::fs::rename(
        dir.path().join("stacks/studio-private.yaml"),
        dir.path().join("stacks/studio-private.yml"),
    )
    .unwrap();
    let (code, _, stderr) = synth(dir.path(), &["--all", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("out/studio-private.template.json").exists());
    let (code, _, stderr) = synth(dir.path(), &["--stack", "stacks/studio-private.yml"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr);
    std::fs::write(
        dir.path().join("stacks/studio-private.yaml"),
        "description: d\n",
    )
    .unwrap();
    let (code, _, stderr) = synth(dir.path(), &["--all", "--out", "out"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: stack `studio-private` is defined twice: stacks/studio-private.yaml and stacks/studio-private.yml\n  --> stacks\n  = help: keep one of the two files\n"
    );
    let (code, lower, _) = synth(dir.path(), &["explain", "env-studio-endpoints"]);
    assert_eq!(code, 0);
    assert!(lower.starts_with("ENV-STUDIO-ENDPOINTS\n"), "{lower}");
}

/// Every rule count the README or a file in docs/ states ("`synth rules` lists all N
/// rules") is the count the binary prints, so adding a rule without the docs fails here.
#[test]
fn the_docs_count_the_rules_the_binary_lists() {
    let (code, text, _) = synth(manifest_dir(), &["rules"]);
    assert_eq!(code, 0);
    let count: usize = text
        .lines()
        .last()
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the catalogue ends with its count");
    let mut docs = vec![manifest_dir().join("README.md")];
    for entry in std::fs::read_dir(manifest_dir().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    let mut stated = 0;
    for path in docs {
        let text = std::fs::read_to_string(&path).unwrap();
        for n in text
            .split("lists all ")
            .skip(1)
            .filter_map(|rest| rest.split_once(" rules").map(|(n, _)| n))
        {
            stated += 1;
            assert_eq!(
                n,
                count.to_string(),
                "{} says `lists all {n} rules`; `synth rules` lists {count}: write {count}",
                path.display()
            );
        }
    }
    assert!(stated > 0, "the docs state the rule count");
}
