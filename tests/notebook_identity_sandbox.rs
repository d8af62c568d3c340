//! The shared-role OnStart script, as the notebook-identity-shared template carries it, run
//! as real root (real `chown`, real `chattr +i`) on a scratch home directory; then every
//! known way round it is tried as an unprivileged user that owns that home, as ec2-user
//! owns /home/ec2-user on a notebook without root access (uid 65534 here). Then botocore
//! (the SDK under the AWS CLI and boto3) says which settings the user's processes end up
//! with, and the IAM evaluator says what the shared role makes of them.
//!
//! What this proves: with root's files and the immutable flag as the script leaves them,
//! that user cannot change the default profile, add a credentials file or a profile beside
//! it, or rename, delete or replace `~/.aws`; `AWS_ROLE_SESSION_NAME` does not change the
//! session name and an unknown `AWS_PROFILE` fails; what a user does choose in their own
//! processes (their own config or credentials file, the instance's keys in the
//! environment) gets nothing from IAM but the self-assume under a notebook's name, and a
//! name that is no notebook's is refused; and a foreign notebook's name is NOT refused,
//! the residual risk the README states.
//!
//! What it cannot prove: that a SageMaker notebook behaves like this machine (its
//! filesystem honours `chattr`, ec2-user has no other privilege, no process of the user
//! runs while the script does, nothing of SageMaker's writes to `~/.aws`), nor what IAM
//! itself answers (the evaluator reads the template; AWS is never called).
//!
//! Needs root: run as root, or in CI through `sudo -n` (GitHub's runners allow it).
//! Elsewhere it is skipped, loudly; in CI (`CI=true`) that is a failure. Linux only: the
//! script's `chattr` and the notebook it stands for are Linux's.
#![cfg(target_os = "linux")]

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value as Json, json};
use support::iam_eval::Evaluator;
use support::iam_eval::trust::Caller;

const TEST: &str = "notebook_identity_sandbox";
/// The unprivileged user, in the role of ec2-user: `nobody` on most systems.
const USER: u32 = 65534;
const NOTEBOOK: &str = "shared-analyst-dave";
const OTHER_NOTEBOOK: &str = "shared-analyst-erin";
const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/notebook-identity/notebook-identity-shared";
const METADATA: &str = r#"{"ResourceArn":"arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/shared-analyst-dave","ResourceName":"shared-analyst-dave"}"#;

/// How to run a command as root: directly, or through `sudo -n`.
struct Root {
    sudo: bool,
}

impl Root {
    fn find() -> Option<Root> {
        let uid = Command::new("id").arg("-u").output().ok()?;
        if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
            return Some(Root { sudo: false });
        }
        // Only in CI: a developer's `cargo test` never asks for root.
        let sudo = support::in_ci()
            && Command::new("sudo")
                .args(["-n", "true"])
                .output()
                .is_ok_and(|o| o.status.success());
        sudo.then_some(Root { sudo: true })
    }

    fn command(&self, program: &str) -> Command {
        if self.sudo {
            let mut cmd = Command::new("sudo");
            cmd.arg("-n").arg(program);
            cmd
        } else {
            Command::new(program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        self.command(program).args(args).output().unwrap()
    }
}

/// A scratch folder with a home directory owned by [`USER`]; removed (immutable flags
/// cleared first) when dropped.
struct Sandbox<'r> {
    root: &'r Root,
    dir: tempfile::TempDir,
}

impl Drop for Sandbox<'_> {
    fn drop(&mut self) {
        let dir = self.dir.path().display().to_string();
        let _ = self.root.run("chattr", &["-R", "-i", "--", &dir]);
        let _ = self.root.run("rm", &["-rf", "--", &dir]);
    }
}

impl<'r> Sandbox<'r> {
    fn new(root: &'r Root) -> Sandbox<'r> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let sandbox = Sandbox { root, dir };
        let home = sandbox.path("home");
        std::fs::create_dir(&home).unwrap();
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
        let owner = format!("{USER}:{USER}");
        let out = root.run("chown", &[&owner, "--", &home.display().to_string()]);
        assert!(out.status.success(), "chown: {}", stderr(&out));
        std::fs::write(sandbox.path("resource-metadata.json"), METADATA).unwrap();
        std::fs::write(sandbox.path("on_start.sh"), shipped_script()).unwrap();
        sandbox
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// Whether this filesystem keeps the immutable flag (tmpfs on older kernels does not).
    fn supports_immutable(&self) -> bool {
        let probe = self.path("probe");
        std::fs::write(&probe, "").unwrap();
        let probe = probe.display().to_string();
        let set = self.root.run("chattr", &["+i", "--", &probe]);
        let _ = self.root.run("chattr", &["-i", "--", &probe]);
        set.status.success()
    }

    /// The OnStart script, as root, the way SageMaker runs it, with the home and owner of
    /// this sandbox and the real `chattr` and `chown`.
    fn run_script(&self) -> Output {
        self.root
            .command("env")
            .arg(format!(
                "NOTEBOOK_IDENTITY_METADATA={}",
                self.path("resource-metadata.json").display()
            ))
            .arg(format!("NOTEBOOK_IDENTITY_HOME={}", self.home().display()))
            .arg(format!("NOTEBOOK_IDENTITY_OWNER={USER}:{USER}"))
            .arg("bash")
            .arg(self.path("on_start.sh"))
            .output()
            .unwrap()
    }

    /// `script` under `sh`, as [`USER`] with no supplementary group, HOME set to the
    /// sandbox's home and nothing else in the environment.
    fn as_user(&self, script: &str) -> Output {
        self.root
            .command("setpriv")
            .arg(format!("--reuid={USER}"))
            .arg(format!("--regid={USER}"))
            .arg("--clear-groups")
            .args(["--", "env", "-i"])
            .arg(format!("HOME={}", self.home().display()))
            .args(["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "sh", "-c", script])
            .output()
            .unwrap()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn shipped_template() -> Json {
    support::stacks::shipped_template("notebook-identity-shared")
}

fn shipped_script() -> String {
    shipped_template()["Resources"]["NotebookIdentityLifecycleConfig"]["Properties"]["OnStart"]
        [0]["Content"]["Fn::Base64"]
        .as_str()
        .unwrap()
        .to_string()
}

fn immutable(path: &Path) -> bool {
    let out = Command::new("lsattr").arg("-d").arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .next()
        .is_some_and(|flags| flags.contains('i'))
}

/// Asserts what the script leaves: the profile, and who owns and may change what.
fn assert_locked(sandbox: &Sandbox) {
    let aws = sandbox.home().join(".aws");
    let config = std::fs::read_to_string(aws.join("config")).unwrap();
    assert_eq!(
        config,
        format!(
            "[default]\nrole_arn = {ROLE_ARN}\ncredential_source = Ec2InstanceMetadata\nrole_session_name = {NOTEBOOK}\nsts_regional_endpoints = regional\nregion = eu-west-1\n"
        )
    );
    for (path, uid, mode, locked) in [
        (aws.clone(), 0, 0o755, true),
        (aws.join("config"), 0, 0o644, true),
        (aws.join("cli"), 0, 0o755, true),
        (aws.join("cli/cache"), USER, 0o700, false),
    ] {
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert_eq!(meta.uid(), uid, "owner of {}", path.display());
        assert_eq!(meta.mode() & 0o7777, mode, "mode of {}", path.display());
        assert_eq!(
            immutable(&path),
            locked,
            "immutable flag of {}",
            path.display()
        );
    }
}

/// Every way round the files that needs only the user's own rights: each must fail, and
/// leave the profile as it was.
const BYPASSES: [(&str, &str); 10] = [
    (
        "a credentials file merged over the profile",
        "printf '[default]\\nrole_session_name = shared-analyst-erin\\n' > \"$HOME/.aws/credentials\"",
    ),
    (
        "another session name appended to the profile",
        "printf 'role_session_name = shared-analyst-erin\\n' >> \"$HOME/.aws/config\"",
    ),
    (
        "the directory renamed, to start afresh",
        "mv \"$HOME/.aws\" \"$HOME/.aws.old\"",
    ),
    ("the directory deleted", "rm -rf \"$HOME/.aws\""),
    ("the profile deleted", "rm -f \"$HOME/.aws/config\""),
    (
        "the profile replaced by a file renamed from the writable cache",
        "printf '[default]\\nrole_session_name = x\\n' > \"$HOME/.aws/cli/cache/c\" && mv \"$HOME/.aws/cli/cache/c\" \"$HOME/.aws/config\"",
    ),
    (
        "a new profile file beside the config",
        "mkdir \"$HOME/.aws/sso\"",
    ),
    (
        "a CLI alias file",
        "printf '[toplevel]\\n' > \"$HOME/.aws/cli/alias\"",
    ),
    (
        "the cache moved aside",
        "mv \"$HOME/.aws/cli/cache\" \"$HOME/.aws/cli/old\"",
    ),
    (
        "the immutable flag cleared",
        "chattr -i \"$HOME/.aws/config\"",
    ),
];

/// What botocore makes of the user's files and environment, without calling AWS: which
/// provider comes first (keys in the environment win over every profile), and the
/// profile's role, session name and credential source, or the error.
fn botocore(python: &Path, sandbox: &Sandbox, env: &[(&str, String)]) -> Json {
    const RESOLVE: &str = r#"
import json
import botocore.credentials, botocore.session
from botocore.exceptions import ProfileNotFound
session = botocore.session.Session()
if botocore.credentials.EnvProvider().load() is not None:
    print(json.dumps({"provider": "env"}))
else:
    try:
        profile = session.get_scoped_config()
        keys = ("role_arn", "role_session_name", "credential_source")
        print(json.dumps({"provider": "profile", **{k: profile.get(k) for k in keys}}))
    except ProfileNotFound:
        print(json.dumps({"error": "ProfileNotFound"}))
"#;
    let mut cmd = Command::new(python);
    support::clear_aws_env(&mut cmd)
        .env("HOME", sandbox.home())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["-c", RESOLVE]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "botocore: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_bypass_fails_as_an_unprivileged_user() {
    let Some(root) = Root::find() else {
        support::skip(
            TEST,
            "this test needs root (it runs the start script as root and the bypasses as uid 65534); run it as root, or in CI with passwordless sudo",
        );
        return;
    };
    for tool in ["setpriv", "chattr", "lsattr"] {
        if support::find_tool(tool).is_none() {
            support::skip(TEST, &format!("`{tool}` is not installed"));
            return;
        }
    }
    let Some(python) = support::require_tool("python", TEST) else {
        return;
    };
    let sandbox = Sandbox::new(&root);
    if !sandbox.supports_immutable() {
        support::skip(
            TEST,
            "the temporary directory's filesystem does not keep chattr +i",
        );
        return;
    }

    let out = sandbox.run_script();
    assert!(out.status.success(), "the script failed: {}", stderr(&out));
    assert_locked(&sandbox);

    // The user can write where the CLI caches credentials and anywhere in the home: the
    // controls that show these commands run with the user's rights.
    let control = sandbox
        .as_user("printf '{}' > \"$HOME/.aws/cli/cache/ok.json\" && printf x > \"$HOME/mine\"");
    assert!(control.status.success(), "control: {}", stderr(&control));

    for (what, script) in BYPASSES {
        let out = sandbox.as_user(script);
        assert!(!out.status.success(), "{what} succeeded: `{script}`");
        let err = stderr(&out);
        assert!(
            err.contains("Permission denied") || err.contains("Operation not permitted"),
            "{what}: refused for another reason: {err}"
        );
        assert_locked(&sandbox);
    }

    // Settings a user can choose for their own processes, as botocore reads them.
    let default = botocore(&python, &sandbox, &[]);
    assert_eq!(
        default,
        json!({"provider": "profile", "role_arn": ROLE_ARN, "role_session_name": NOTEBOOK, "credential_source": "Ec2InstanceMetadata"})
    );
    // AWS_ROLE_SESSION_NAME is read for web-identity roles only.
    let renamed = botocore(
        &python,
        &sandbox,
        &[("AWS_ROLE_SESSION_NAME", OTHER_NOTEBOOK.into())],
    );
    assert_eq!(renamed, default);
    // A profile that is not in root's file does not exist.
    let profile = botocore(&python, &sandbox, &[("AWS_PROFILE", "forged".into())]);
    assert_eq!(profile, json!({"error": "ProfileNotFound"}));
    // The user's own files, written with the user's rights, do apply to the user's own
    // processes: the role's policies decide what they get.
    for (file, variable) in [
        ("forged-credentials", "AWS_SHARED_CREDENTIALS_FILE"),
        ("forged-config", "AWS_CONFIG_FILE"),
    ] {
        let body = if variable == "AWS_CONFIG_FILE" {
            format!(
                "[default]\nrole_arn = {ROLE_ARN}\ncredential_source = Ec2InstanceMetadata\nrole_session_name = {OTHER_NOTEBOOK}\n"
            )
        } else {
            format!("[default]\nrole_session_name = {OTHER_NOTEBOOK}\n")
        };
        let write = sandbox.as_user(&format!("printf '%s' '{body}' > \"$HOME/{file}\""));
        assert!(write.status.success(), "{}", stderr(&write));
        let path = sandbox.home().join(file).display().to_string();
        let forged = botocore(&python, &sandbox, &[(variable, path)]);
        assert_eq!(
            forged["role_session_name"], OTHER_NOTEBOOK,
            "{variable}: {forged}"
        );
    }
    let keys = botocore(
        &python,
        &sandbox,
        &[
            ("AWS_ACCESS_KEY_ID", "ASIAINSTANCEKEY".into()),
            ("AWS_SECRET_ACCESS_KEY", "secret".into()),
            ("AWS_SESSION_TOKEN", "token".into()),
        ],
    );
    assert_eq!(keys, json!({"provider": "env"}));

    iam_answers_for_what_the_user_can_choose();
}

/// What IAM, as the evaluator reads the shipped template, answers for each setting above.
fn iam_answers_for_what_the_user_can_choose() {
    let t = shipped_template();
    let iam = Evaluator::new(&t).with_ref("StsEndpoint", "vpce-0sts");
    let role = "NotebookExecutionRole";
    let through_sts = ("aws:SourceVpce", "vpce-0sts");
    // The instance's keys in the environment: the base session, named by SageMaker.
    let base = ("aws:userid", "AROAEXAMPLEROLEID:SageMaker");
    for (action, resource) in [
        (
            "sagemaker:DescribeNotebookInstance",
            "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/shared-analyst-erin"
                .to_string(),
        ),
        ("s3:GetObject", "arn:aws:s3:::any-bucket/key".to_string()),
        (
            "sagemaker:CreatePresignedNotebookInstanceUrl",
            "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/shared-analyst-dave"
                .to_string(),
        ),
    ] {
        iam.assert_denied(role, action, &resource, &[base]);
    }
    // A forged profile naming no notebook: refused by the trust.
    let d = iam.decide_assume_role(
        Caller::Role(role),
        role,
        &[base, through_sts, ("sts:RoleSessionName", "mallory")],
    );
    assert!(!d.allowed, "{}", d.reason);
    // A forged profile naming another notebook: allowed. IAM cannot tell which notebook
    // asks; this is the residual risk of the shared role (SM-NOTEBOOK-SHARED-IDENTITY).
    let d = iam.decide_assume_role(
        Caller::Role(role),
        role,
        &[base, through_sts, ("sts:RoleSessionName", OTHER_NOTEBOOK)],
    );
    assert!(d.allowed, "{}", d.reason);
}
