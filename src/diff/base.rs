//! The templates as they were at a git revision: `out/` is committed and kept fresh
//! (CI checks it), so `out/NAME.template.json` at a revision is what that revision
//! deploys, whatever code or definition produced it.

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

use super::TemplateDiff;

/// The committed template of `stack` at `rev`, or `None` when that revision has none (a
/// new stack: every resource is added).
pub fn committed_template(
    repo: &Path,
    rev: &str,
    out_dir: &str,
    stack: &str,
) -> Result<Option<Json>, String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a git revision"));
    }
    let spec = format!(
        "{rev}:{}/{stack}.template.json",
        out_dir.trim_end_matches('/')
    );
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["show", &spec])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        let text = String::from_utf8(output.stdout).map_err(|_| format!("{spec} is not UTF-8"))?;
        return serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("{spec} is not a JSON template: {e}"));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The revision exists but the file does not: a stack added since.
    let revision_ok = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if revision_ok {
        Ok(None)
    } else {
        Err(format!("git cannot read {spec}: {}", stderr.trim()))
    }
}

/// The names of `stack`'s other templates committed at `rev` (`NAME.SUFFIX` of
/// `out/NAME.SUFFIX.template.json`: nested-stack children, a StackSet member), sorted.
/// A child that no longer exists is a template whose every resource is removed.
pub fn committed_children(
    repo: &Path,
    rev: &str,
    out_dir: &str,
    stack: &str,
) -> Result<Vec<String>, String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a git revision"));
    }
    let dir = format!("{}/", out_dir.trim_end_matches('/'));
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["ls-tree", "--name-only", rev, "--", &dir])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git cannot list {dir} at {rev}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let prefix = format!("{stack}.");
    let mut names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|path| path.rsplit('/').next())
        .filter_map(|file| file.strip_suffix(".template.json"))
        .filter(|name| name.starts_with(&prefix) && name.len() > prefix.len())
        .map(str::to_string)
        .collect();
    names.sort();
    Ok(names)
}

/// The templates a definition is compared by at `rev`: `now` (its templates as
/// synthesized, the stack's own first), then each child committed at `rev` that no longer
/// exists, as a template without resources (so every resource it had shows as removed).
pub fn templates_to_compare(
    repo: &Path,
    rev: &str,
    out_dir: &str,
    stack: &str,
    now: Vec<(String, Json)>,
) -> Result<Vec<(String, Json)>, String> {
    let mut templates = now;
    for child in committed_children(repo, rev, out_dir, stack)? {
        if !templates.iter().any(|(n, _)| *n == child) {
            templates.push((child, empty()));
        }
    }
    Ok(templates)
}

/// What changes from template `name` as committed at `rev` to `now`; a template the
/// revision does not have is compared as one without resources (everything is added).
pub fn diff_with_committed(
    repo: &Path,
    rev: &str,
    out_dir: &str,
    name: &str,
    now: &Json,
) -> Result<TemplateDiff, String> {
    let then = committed_template(repo, rev, out_dir, name)?.unwrap_or_else(empty);
    Ok(super::diff(&then, now))
}

/// A template without resources: what a stack that does not exist deploys.
fn empty() -> Json {
    serde_json::json!({"Resources": {}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Verdict;
    use serde_json::json;

    fn git(repo: &Path, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .unwrap();
        assert!(status.status.success(), "git {args:?}: {status:?}");
    }

    fn bucket() -> Json {
        json!({"Resources": {"B": {"Type": "AWS::SQS::Queue"}}})
    }

    /// A repository with `out/a.template.json` and `out/a.users-001.template.json`
    /// committed at HEAD.
    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        for name in ["a", "a.users-001", "ab"] {
            let path = out.join(format!("{name}.template.json"));
            std::fs::write(path, bucket().to_string()).unwrap();
        }
        git(dir.path(), &["init", "-q"]);
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-q", "-m", "templates"]);
        dir
    }

    #[test]
    fn a_vanished_child_is_compared_as_an_empty_template() {
        let dir = repo();
        let now = vec![("a".to_string(), bucket())];
        let templates = templates_to_compare(dir.path(), "HEAD", "out/", "a", now).unwrap();
        let names: Vec<&str> = templates.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "a.users-001"], "`ab` is another stack");
        assert_eq!(templates[1].1, empty());
        let d = diff_with_committed(dir.path(), "HEAD", "out", "a.users-001", &empty()).unwrap();
        assert_eq!(d.resources.len(), 1);
        assert_eq!(d.verdict(), Verdict::Update, "a queue holds no data");
    }

    #[test]
    fn an_unchanged_template_has_no_changes_and_a_new_one_is_all_added() {
        let dir = repo();
        let same = diff_with_committed(dir.path(), "HEAD", "out", "a", &bucket()).unwrap();
        assert_eq!(same.verdict(), Verdict::NoChange);
        let new = diff_with_committed(dir.path(), "HEAD", "out", "b", &bucket()).unwrap();
        assert_eq!(new.resources.len(), 1);
        let now = vec![("b".to_string(), bucket())];
        let templates = templates_to_compare(dir.path(), "HEAD", "out", "b", now).unwrap();
        assert_eq!(templates.len(), 1);
    }

    #[test]
    fn a_revision_that_is_not_one_is_an_error() {
        let dir = repo();
        let e = diff_with_committed(dir.path(), "no-such-ref", "out", "a", &bucket()).unwrap_err();
        assert!(
            e.starts_with("git cannot read no-such-ref:out/a.template.json"),
            "{e}"
        );
        let e = templates_to_compare(dir.path(), "--all", "out", "a", Vec::new()).unwrap_err();
        assert_eq!(e, "`--all` is not a git revision");
    }
}
