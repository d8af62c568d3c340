//! The Studio lifecycle scripts of the shipped definitions: each one the template carries
//! is the script file byte for byte (as `Fn::Base64` of its plain text), and shellcheck
//! finds nothing in the files.

mod support;

use std::process::Command;

/// Every `AWS::SageMaker::StudioLifecycleConfig` content of studio-private.
fn shipped_contents() -> Vec<String> {
    let t = support::stacks::shipped_template("studio-private");
    t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::SageMaker::StudioLifecycleConfig")
        .map(|r| {
            r["Properties"]["StudioLifecycleConfigContent"]["Fn::Base64"]
                .as_str()
                .expect("the script is the template's plain text")
                .to_string()
        })
        .collect()
}

fn script_files() -> Vec<std::path::PathBuf> {
    let dir = support::stacks::stacks_dir().join("scripts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "stacks/scripts holds no script");
    files
}

#[test]
fn the_template_carries_the_script_files_unchanged() {
    let contents = shipped_contents();
    assert_eq!(contents.len(), 2, "JupyterLab and Code Editor");
    let file = std::fs::read_to_string(
        support::stacks::stacks_dir().join("scripts/studio-fail-fast-pip.sh"),
    )
    .unwrap();
    for content in contents {
        assert_eq!(content, file);
    }
}

#[test]
fn shellcheck_finds_nothing() {
    let Some(shellcheck) = support::require_tool("shellcheck", "studio_lifecycle_scripts") else {
        return;
    };
    for script in script_files() {
        let out = Command::new(&shellcheck).arg(&script).output().unwrap();
        assert!(
            out.status.success(),
            "shellcheck {}:\n{}{}",
            script.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
