//! The shared-role OnStart script, exactly as the notebook-identity-shared template carries
//! it, run for real with bash as the current user: the metadata file and the home
//! directory are replaced through the environment variables the script reads, and
//! `chattr` and `chown` by doubles that record their calls (the defaults are the real
//! paths and commands). What root and the immutable flag really do is tested as root in
//! `tests/notebook_identity_sandbox.rs`. Also: shellcheck finds nothing.
//! Unix only: the script runs in bash, and its doubles are files marked executable.
#![cfg(unix)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output};

const SCRIPT_FILE: &str = "src/constructs/scripts/notebook_identity_on_start.sh";
const ROLE: &str = "arn:aws:iam::111122223333:role/notebook-identity/notebook-identity-shared";

/// The OnStart script of the shipped notebook-identity-shared template.
fn shipped_script() -> String {
    let t = support::stacks::shipped_template("notebook-identity-shared");
    t["Resources"]["NotebookIdentityLifecycleConfig"]["Properties"]["OnStart"][0]["Content"]
        ["Fn::Base64"]
        .as_str()
        .expect("the script is the template's plain text")
        .to_string()
}

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new(metadata: Option<&str>) -> Sandbox {
        Sandbox::with_script(metadata, &shipped_script())
    }

    fn with_script(metadata: Option<&str>, script: &str) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("home")).unwrap();
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::write(root.join("on_start.sh"), script).unwrap();
        if let Some(m) = metadata {
            std::fs::write(root.join("resource-metadata.json"), m).unwrap();
        }
        let log = root.join("calls.log");
        // Each double appends its command line to calls.log.
        for name in ["chattr", "chown"] {
            let path = root.join("bin").join(name);
            std::fs::write(
                &path,
                format!("#!/bin/bash\necho \"{name} $*\" >> '{}'\n", log.display()),
            )
            .unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Sandbox { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn run(&self) -> Output {
        Command::new("bash")
            .arg(self.path("on_start.sh"))
            .env(
                "NOTEBOOK_IDENTITY_METADATA",
                self.path("resource-metadata.json"),
            )
            .env("NOTEBOOK_IDENTITY_HOME", self.path("home"))
            .env("NOTEBOOK_IDENTITY_CHATTR", self.path("bin/chattr"))
            .env("NOTEBOOK_IDENTITY_CHOWN", self.path("bin/chown"))
            .output()
            .unwrap()
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| l.replace(&self.dir.path().display().to_string(), "<sandbox>"))
            .collect()
    }

    fn mode(&self, p: &str) -> u32 {
        std::fs::symlink_metadata(self.path(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    }
}

const METADATA: &str = r#"{"ResourceArn":"arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/shared-analyst-dave","ResourceName":"shared-analyst-dave"}"#;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn writes_the_profile_in_a_directory_of_roots_and_locks_it() {
    let sandbox = Sandbox::new(Some(METADATA));
    let out = sandbox.run();
    assert!(out.status.success(), "{}", stderr(&out));
    let config = std::fs::read_to_string(sandbox.path("home/.aws/config")).unwrap();
    assert_eq!(
        config,
        format!(
            "[default]\nrole_arn = {ROLE}\ncredential_source = Ec2InstanceMetadata\nrole_session_name = shared-analyst-dave\nsts_regional_endpoints = regional\nregion = eu-west-1\n"
        )
    );
    assert_eq!(
        sandbox.calls(),
        vec![
            "chown root:root -- <sandbox>/home/.aws <sandbox>/home/.aws/cli <sandbox>/home/.aws/config",
            "chown ec2-user:ec2-user -- <sandbox>/home/.aws/cli/cache",
            "chattr +i -- <sandbox>/home/.aws/config <sandbox>/home/.aws/cli <sandbox>/home/.aws",
        ]
    );
    assert_eq!(sandbox.mode("home/.aws"), 0o755);
    assert_eq!(sandbox.mode("home/.aws/cli"), 0o755);
    assert_eq!(sandbox.mode("home/.aws/cli/cache"), 0o700);
    assert_eq!(sandbox.mode("home/.aws/config"), 0o644);
    let entries: Vec<String> = std::fs::read_dir(sandbox.path("home/.aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        entries,
        ["cli", "config"],
        "no credentials file, nothing else"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "assumes {ROLE} as session shared-analyst-dave in eu-west-1"
        )),
        "{stdout}"
    );
}

#[test]
fn a_restart_starts_afresh_and_drops_what_was_added() {
    let sandbox = Sandbox::new(Some(METADATA));
    assert!(sandbox.run().status.success());
    // What a user could have added had the flag not held: a credentials file, a profile.
    std::fs::write(
        sandbox.path("home/.aws/credentials"),
        "[default]\nrole_session_name = shared-analyst-erin\n",
    )
    .unwrap();
    std::fs::write(sandbox.path("home/.aws/cli/cache/cached.json"), "{}").unwrap();
    let out = sandbox.run();
    assert!(out.status.success(), "{}", stderr(&out));
    let chattr: Vec<String> = sandbox
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("chattr"))
        .collect();
    assert_eq!(
        chattr,
        vec![
            "chattr +i -- <sandbox>/home/.aws/config <sandbox>/home/.aws/cli <sandbox>/home/.aws",
            "chattr -R -i -- <sandbox>/home/.aws",
            "chattr +i -- <sandbox>/home/.aws/config <sandbox>/home/.aws/cli <sandbox>/home/.aws",
        ]
    );
    assert!(!sandbox.path("home/.aws/credentials").exists());
    assert!(!sandbox.path("home/.aws/cli/cache/cached.json").exists());
    assert!(
        std::fs::read_to_string(sandbox.path("home/.aws/config"))
            .unwrap()
            .contains("role_session_name = shared-analyst-dave\n")
    );
}

#[test]
fn a_link_in_place_of_the_directory_is_removed_not_followed() {
    let sandbox = Sandbox::new(Some(METADATA));
    let elsewhere = sandbox.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("keep"), "untouched").unwrap();
    std::os::unix::fs::symlink(&elsewhere, sandbox.path("home/.aws")).unwrap();
    let out = sandbox.run();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(elsewhere.join("keep")).unwrap(),
        "untouched"
    );
    assert!(!elsewhere.join("config").exists());
    let meta = std::fs::symlink_metadata(sandbox.path("home/.aws")).unwrap();
    assert!(meta.is_dir() && !meta.file_type().is_symlink());
    assert!(sandbox.calls().iter().all(|c| !c.starts_with("chattr -R")));
}

#[test]
fn missing_or_malformed_metadata_fails_loudly() {
    let cases: [(Option<&str>, &str); 7] = [
        (None, "cannot read the instance metadata file"),
        (
            Some("not json"),
            "the metadata file has no usable ResourceName",
        ),
        (
            Some(r#"{"ResourceArn": "arn:aws:sagemaker:eu-west-1:1:notebook-instance/x"}"#),
            "no usable ResourceName",
        ),
        (
            Some(
                r#"{"ResourceArn": "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/x", "ResourceName": "bad name; rm -rf /"}"#,
            ),
            "unexpected notebook name",
        ),
        (
            Some(r#"{"ResourceArn": "not-an-arn", "ResourceName": "x"}"#),
            "cannot read the partition",
        ),
        (
            Some(
                r#"{"ResourceArn": "arn:aws:sagemaker:EU:111122223333:notebook-instance/x", "ResourceName": "x"}"#,
            ),
            "cannot read the region",
        ),
        (
            Some(
                r#"{"ResourceArn": "arn:aws:sagemaker:eu-west-1:12345:notebook-instance/x", "ResourceName": "x"}"#,
            ),
            "cannot read the account",
        ),
    ];
    for (metadata, message) in cases {
        let sandbox = Sandbox::new(metadata);
        let out = sandbox.run();
        assert!(!out.status.success(), "{metadata:?} was accepted");
        assert!(
            stderr(&out).contains("notebook-identity: error:"),
            "{}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(message),
            "{metadata:?}: {}",
            stderr(&out)
        );
        assert!(
            !sandbox.path("home/.aws").exists(),
            "nothing is written on failure"
        );
        assert!(sandbox.calls().is_empty());
    }
}

#[test]
fn the_script_file_without_the_role_written_in_refuses_to_run() {
    let file = std::fs::read_to_string(support::manifest_dir().join(SCRIPT_FILE)).unwrap();
    let sandbox = Sandbox::with_script(Some(METADATA), &file);
    let out = sandbox.run();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the role path and name were not written into this script"),
        "{}",
        stderr(&out)
    );
    assert!(!sandbox.path("home/.aws").exists());
}

#[test]
fn shellcheck_finds_nothing() {
    let Some(shellcheck) = support::require_tool("shellcheck", "notebook_identity_script") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rendered = dir.path().join("on_start.sh");
    std::fs::write(&rendered, shipped_script()).unwrap();
    for script in [support::manifest_dir().join(SCRIPT_FILE), rendered] {
        let out = Command::new(&shellcheck).arg(&script).output().unwrap();
        assert!(
            out.status.success(),
            "shellcheck {}:\n{}{}",
            script.display(),
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        );
    }
}
