//! The templates as they were at a git revision: `out/` is committed and kept fresh
//! (CI checks it), so `out/NAME.template.json` at a revision is what that revision
//! deploys, whatever code or definition produced it.

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

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
