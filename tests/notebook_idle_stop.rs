//! Idle stop of the team-notebooks notebooks: each team notebook's role may stop its own
//! notebook and no other (IAM evaluator rows), and the OnStart script, exactly as the
//! template carries it, installs the checker and the cron entry for the notebook it runs
//! on (run with bash, its paths replaced through the environment variables it reads and
//! boto3 by an empty stand-in module), installs nothing on a notebook without a limit, and
//! passes shellcheck.
//! Unix only: the script runs in bash, and its doubles are files marked executable.
#![cfg(unix)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};

fn notebook(team: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:notebook-instance/team-notebooks-{team}")
}

fn on_start_script() -> String {
    let t = support::stacks::shipped_template("team-notebooks");
    t["Resources"]["NotebookOnStartConfig"]["Properties"]["OnStart"][0]["Content"]["Fn::Base64"]
        .as_str()
        .expect("the script is the template's plain text")
        .to_string()
}

#[test]
fn a_team_notebook_may_stop_itself_and_no_other_notebook() {
    let t = support::stacks::shipped_template("team-notebooks");
    let eval = Evaluator::new(&t);
    let stop = "sagemaker:StopNotebookInstance";
    for (role, own, other) in [
        ("AdministratorsNotebookRole", "administrators", "engineers"),
        ("EngineersNotebookRole", "engineers", "administrators"),
    ] {
        eval.assert_allowed(role, stop, &notebook(own), &[]);
        eval.assert_denied(role, stop, &notebook(other), &[]);
        eval.assert_denied(role, "sagemaker:StartNotebookInstance", &notebook(own), &[]);
    }
    for team in ["Administrators", "Engineers"] {
        assert_eq!(
            t["Resources"][format!("NotebookTeamNotebooks{team}")]["Properties"]["LifecycleConfigName"]
                ["Fn::GetAtt"][0],
            "NotebookOnStartConfig"
        );
    }
}

fn run(name: &str) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("stub")).unwrap();
    std::fs::write(root.join("stub/boto3.py"), "").unwrap();
    let python = root.join("python");
    std::fs::write(
        &python,
        format!(
            "#!/bin/bash\nPYTHONPATH='{}' exec python3 \"$@\"\n",
            root.join("stub").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        root.join("metadata.json"),
        format!(
            r#"{{"ResourceArn": "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/{name}", "ResourceName": "{name}"}}"#
        ),
    )
    .unwrap();
    std::fs::write(root.join("on_start.sh"), on_start_script()).unwrap();
    let out = Command::new("bash")
        .arg(root.join("on_start.sh"))
        .env("IDLE_STOP_METADATA", root.join("metadata.json"))
        .env("IDLE_STOP_CHECKER", root.join("sbin/checker"))
        .env("IDLE_STOP_CRON_FILE", root.join("cron"))
        .env(
            "IDLE_STOP_PYTHONS",
            format!("{}/none {}", root.display(), python.display()),
        )
        .env("IDLE_STOP_CHOWN", "true")
        .output()
        .unwrap();
    (out, dir)
}

#[test]
fn the_script_installs_the_checker_with_the_notebooks_own_limit() {
    let (out, dir) = run("team-notebooks-engineers");
    let root = dir.path();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cron = std::fs::read_to_string(root.join("cron")).unwrap();
    assert_eq!(
        cron,
        format!(
            "*/5 * * * * root {} 120 team-notebooks-engineers eu-west-1 2>&1 | logger -t sagesynth-idle-stop\n",
            root.join("sbin/checker").display()
        )
    );
    let checker = std::fs::read_to_string(root.join("sbin/checker")).unwrap();
    assert!(checker.starts_with(&format!("#!{}\n", root.join("python").display())));
    assert!(checker.contains("stop_notebook_instance(NotebookInstanceName=name)"));
    let compiled = Command::new("python3")
        .args(["-m", "py_compile"])
        .arg(root.join("sbin/checker"))
        .output()
        .unwrap();
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let (out, _) = run("team-notebooks-administrators");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("after 60 idle minutes"));
}

#[test]
fn a_notebook_without_a_limit_gets_nothing_and_a_missing_python_fails_the_start() {
    let (out, dir) = run("another-notebook");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("cron").exists());
    assert!(!dir.path().join("sbin/checker").exists());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("on_start.sh"), on_start_script()).unwrap();
    let out = Command::new("bash")
        .arg(dir.path().join("on_start.sh"))
        .env("IDLE_STOP_PYTHONS", dir.path().join("none"))
        .env("IDLE_STOP_CRON_FILE", dir.path().join("cron"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Python with boto3"));
    assert!(!dir.path().join("cron").exists());
}

#[test]
fn shellcheck_finds_nothing() {
    let Some(shellcheck) = support::require_tool("shellcheck", "notebook_idle_stop") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rendered = dir.path().join("on_start.sh");
    std::fs::write(&rendered, on_start_script()).unwrap();
    let out = Command::new(&shellcheck).arg(&rendered).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
