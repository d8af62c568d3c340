//! The notebook-identity OnStart script, run for real with bash: the metadata file, the
//! home directory and the `aws`, `chattr` and `chown` commands are replaced by test
//! doubles through the environment variables the script reads (the defaults are the real
//! paths). Also: shellcheck finds nothing.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};

const SCRIPT: &str = "src/constructs/scripts/notebook_identity_on_start.sh";
const ROLE: &str = "arn:aws:iam::111122223333:role/notebook-identity/notebook-identity-shared";

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new(metadata: Option<&str>) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("home")).unwrap();
        std::fs::create_dir_all(root.join("bin")).unwrap();
        if let Some(m) = metadata {
            std::fs::write(root.join("resource-metadata.json"), m).unwrap();
        }
        let log = root.join("calls.log");
        // Each double appends its command line to calls.log.
        let double = |name: &str, body: &str| {
            let path = root.join("bin").join(name);
            std::fs::write(
                &path,
                format!(
                    "#!/bin/bash\necho \"{name} $*\" >> '{}'\n{body}\n",
                    log.display()
                ),
            )
            .unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
        };
        double("aws", &format!("echo '{ROLE}'"));
        double(
            "aws-failing",
            "echo 'An error occurred (AccessDeniedException)' >&2; exit 254",
        );
        double("chattr", "");
        double("chown", "");
        Sandbox { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn run_with(&self, aws: &str) -> Output {
        Command::new("bash")
            .arg(support::manifest_dir().join(SCRIPT))
            .env(
                "NOTEBOOK_IDENTITY_METADATA",
                self.path("resource-metadata.json"),
            )
            .env("NOTEBOOK_IDENTITY_HOME", self.path("home"))
            .env("NOTEBOOK_IDENTITY_AWS", self.path(&format!("bin/{aws}")))
            .env("NOTEBOOK_IDENTITY_CHATTR", self.path("bin/chattr"))
            .env("NOTEBOOK_IDENTITY_CHOWN", self.path("bin/chown"))
            .output()
            .unwrap()
    }

    fn run(&self) -> Output {
        self.run_with("aws")
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| l.replace(&self.dir.path().display().to_string(), "<sandbox>"))
            .collect()
    }
}

const METADATA: &str = r#"{"ResourceArn":"arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/analyst-alice","ResourceName":"analyst-alice"}"#;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn writes_the_profile_and_makes_it_immutable() {
    let sandbox = Sandbox::new(Some(METADATA));
    let out = sandbox.run();
    assert!(out.status.success(), "{}", stderr(&out));
    let config = std::fs::read_to_string(sandbox.path("home/.aws/config")).unwrap();
    assert_eq!(
        config,
        format!(
            "[default]\nrole_arn = {ROLE}\ncredential_source = Ec2InstanceMetadata\nrole_session_name = analyst-alice\nsts_regional_endpoints = regional\nregion = eu-west-1\n"
        )
    );
    assert_eq!(
        sandbox.calls(),
        vec![
            "aws sagemaker describe-notebook-instance --region eu-west-1 --notebook-instance-name analyst-alice --query RoleArn --output text",
            "chown ec2-user:ec2-user <sandbox>/home/.aws <sandbox>/home/.aws/config",
            "chattr +i <sandbox>/home/.aws/config",
        ]
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("assumes arn:aws:iam::111122223333:role/notebook-identity/notebook-identity-shared as session analyst-alice in eu-west-1"), "{stdout}");
}

#[test]
fn a_restart_clears_the_immutable_flag_before_rewriting() {
    let sandbox = Sandbox::new(Some(METADATA));
    assert!(sandbox.run().status.success());
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
            "chattr +i <sandbox>/home/.aws/config",
            "chattr -i <sandbox>/home/.aws/config",
            "chattr +i <sandbox>/home/.aws/config",
        ]
    );
}

#[test]
fn missing_or_malformed_metadata_fails_loudly() {
    let cases: [(Option<&str>, &str); 5] = [
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
                r#"{"ResourceArn": "arn:aws:sagemaker:eu-west-1:1:notebook-instance/x", "ResourceName": "bad name; rm -rf /"}"#,
            ),
            "unexpected notebook name",
        ),
        (
            Some(r#"{"ResourceArn": "not-an-arn", "ResourceName": "x"}"#),
            "cannot read the region",
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
            !sandbox.path("home/.aws/config").exists(),
            "nothing is written on failure"
        );
        assert!(sandbox.calls().iter().all(|c| !c.starts_with("chattr")));
    }
}

#[test]
fn a_failing_describe_call_fails_the_script() {
    let sandbox = Sandbox::new(Some(METADATA));
    let out = sandbox.run_with("aws-failing");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("describe-notebook-instance failed"),
        "{}",
        stderr(&out)
    );
    assert!(!sandbox.path("home/.aws/config").exists());
}

#[test]
fn shellcheck_finds_nothing() {
    let Some(shellcheck) = support::require_tool("shellcheck", "notebook_identity_script") else {
        return;
    };
    let out = Command::new(shellcheck)
        .arg(support::manifest_dir().join(SCRIPT))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "shellcheck:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}
