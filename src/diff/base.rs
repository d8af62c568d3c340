//! The templates as they were at a git revision. Where `out/` is committed and kept
//! fresh (CI checks it), `out/NAME.template.json` at a revision is what that revision
//! deploys, whatever code or definition produced it. Many teams do not commit build
//! output: then the definitions as committed at the revision are read out of git and
//! synthesized with today's code, so that an unchanged definition compares as unchanged
//! instead of as a new stack whose every resource is added.

use std::path::Path;
use std::process::Command;

use crate::template::json::Json;

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

/// `stack`'s templates committed at `rev` (its own first, then its children), or `None`
/// when its own template is not committed there (a new stack, or a repository that does
/// not commit its build output).
pub fn committed_templates(
    repo: &Path,
    rev: &str,
    out_dir: &str,
    stack: &str,
) -> Result<Option<Vec<(String, Json)>>, String> {
    let Some(own) = committed_template(repo, rev, out_dir, stack)? else {
        return Ok(None);
    };
    let mut templates = vec![(stack.to_string(), own)];
    for child in committed_children(repo, rev, out_dir, stack)? {
        if let Some(t) = committed_template(repo, rev, out_dir, &child)? {
            templates.push((child, t));
        }
    }
    Ok(Some(templates))
}

/// The definitions folder `stacks_dir` (relative to `repo`) as committed at `rev`,
/// written out into a temporary folder that is removed when this is dropped, on every
/// path out (an error included). Every file under the folder is copied, so the scripts
/// a definition names (relative to its own folder, never above it) come along.
pub struct DefinitionsAt {
    dir: tempfile::TempDir,
}

impl DefinitionsAt {
    /// Reads `stacks_dir` at `rev` with `git ls-tree` and `git show`; the repository and
    /// its worktree are not touched.
    pub fn read(repo: &Path, rev: &str, stacks_dir: &Path) -> Result<DefinitionsAt, String> {
        if rev.starts_with('-') {
            return Err(format!("`{rev}` is not a git revision"));
        }
        let dir =
            tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
        let output = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["ls-tree", "-r", "-z", "--name-only", rev, "--"])
            .arg(stacks_dir)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "git cannot list {} at {rev}: {}",
                stacks_dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        for path in output.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
            let path = String::from_utf8(path.to_vec())
                .map_err(|_| format!("a file name under {} is not UTF-8", stacks_dir.display()))?;
            let show = Command::new("git")
                .arg("-C")
                .arg(repo)
                .args(["show", &format!("{rev}:./{path}")])
                .output()
                .map_err(|e| format!("cannot run git: {e}"))?;
            if !show.status.success() {
                return Err(format!(
                    "git cannot read {path} at {rev}: {}",
                    String::from_utf8_lossy(&show.stderr).trim()
                ));
            }
            let target = dir.path().join(&path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot write {}: {e}", parent.display()))?;
            }
            std::fs::write(&target, &show.stdout)
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        }
        Ok(DefinitionsAt { dir })
    }

    /// Where the definition the working tree has at `path` (relative to the repository,
    /// as the stacks folder is) was written, if the revision has it.
    pub fn definition(&self, path: &Path) -> Option<std::path::PathBuf> {
        let copy = self.dir.path().join(path);
        (path.is_relative() && copy.is_file()).then_some(copy)
    }
}

/// Pairs the templates of a definition now with those of a revision, by name: each of
/// `now` (the stack's own first) with its old version, or a template without resources
/// when the revision has none (everything is added); then each old template the
/// definition no longer produces, against an empty one (everything is removed).
pub fn pair(now: Vec<(String, Json)>, then: Vec<(String, Json)>) -> Vec<(String, Json, Json)> {
    let mut then: Vec<(String, Option<Json>)> =
        then.into_iter().map(|(n, t)| (n, Some(t))).collect();
    let mut pairs = Vec::new();
    for (name, new) in now {
        let old = then
            .iter_mut()
            .find(|(n, _)| *n == name)
            .and_then(|(_, t)| t.take())
            .unwrap_or_else(empty);
        pairs.push((name, old, new));
    }
    for (name, old) in then {
        if let Some(old) = old {
            pairs.push((name, old, empty()));
        }
    }
    pairs
}

/// A template without resources: what a stack that does not exist deploys.
pub fn empty() -> Json {
    crate::json!({"Resources": {}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Verdict;
    use crate::json;

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
        let then = committed_templates(dir.path(), "HEAD", "out/", "a")
            .unwrap()
            .unwrap();
        let names: Vec<&str> = then.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "a.users-001"], "`ab` is another stack");
        let pairs = pair(vec![("a".to_string(), bucket())], then);
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[1].0, "a.users-001");
        assert_eq!(pairs[1].2, empty());
        let d = crate::diff::diff(&pairs[1].1, &pairs[1].2);
        assert_eq!(d.resources.len(), 1);
        assert_eq!(d.verdict(), Verdict::Update, "a queue holds no data");
        assert_eq!(
            crate::diff::diff(&pairs[0].1, &pairs[0].2).verdict(),
            Verdict::NoChange
        );
    }

    #[test]
    fn a_stack_without_a_committed_template_has_none_and_a_new_template_is_all_added() {
        let dir = repo();
        assert_eq!(
            committed_templates(dir.path(), "HEAD", "out", "b").unwrap(),
            None
        );
        let pairs = pair(vec![("b".to_string(), bucket())], Vec::new());
        assert_eq!(pairs, [("b".to_string(), empty(), bucket())]);
    }

    #[test]
    fn a_revision_that_is_not_one_is_an_error() {
        let dir = repo();
        let e = committed_templates(dir.path(), "no-such-ref", "out", "a").unwrap_err();
        assert!(
            e.starts_with("git cannot read no-such-ref:out/a.template.json"),
            "{e}"
        );
        let e = committed_templates(dir.path(), "--all", "out", "a").unwrap_err();
        assert_eq!(e, "`--all` is not a git revision");
        let e = DefinitionsAt::read(dir.path(), "--all", Path::new("stacks"))
            .err()
            .unwrap();
        assert_eq!(e, "`--all` is not a git revision");
        let e = DefinitionsAt::read(dir.path(), "no-such-ref", Path::new("stacks"))
            .err()
            .unwrap();
        assert!(
            e.starts_with("git cannot list stacks at no-such-ref: "),
            "{e}"
        );
    }

    #[test]
    fn the_definitions_at_a_revision_are_read_with_their_scripts_and_removed_after() {
        let dir = repo();
        let stacks = dir.path().join("stacks/scripts");
        std::fs::create_dir_all(&stacks).unwrap();
        std::fs::write(dir.path().join("stacks/s.yaml"), "description: then\n").unwrap();
        std::fs::write(stacks.join("x.sh"), "echo then\n").unwrap();
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-q", "-m", "stacks"]);
        std::fs::write(dir.path().join("stacks/s.yaml"), "description: now\n").unwrap();
        let at = DefinitionsAt::read(dir.path(), "HEAD", Path::new("stacks")).unwrap();
        let s = at.definition(Path::new("stacks/s.yaml")).unwrap();
        assert_eq!(std::fs::read_to_string(&s).unwrap(), "description: then\n");
        let script = s.parent().unwrap().join("scripts/x.sh");
        assert_eq!(std::fs::read_to_string(script).unwrap(), "echo then\n");
        assert_eq!(at.definition(Path::new("stacks/new.yaml")), None);
        let temporary = at.dir.path().to_path_buf();
        drop(at);
        assert!(!temporary.exists());
        // HEAD~1 has no stacks folder: nothing to read, no error.
        let at = DefinitionsAt::read(dir.path(), "HEAD~1", Path::new("stacks")).unwrap();
        assert_eq!(at.definition(Path::new("stacks/s.yaml")), None);
    }
}
