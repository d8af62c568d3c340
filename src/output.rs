//! Writing templates: all or nothing, each file replaced atomically (a temporary file in
//! the same folder, then a rename), and comparing against what is already written.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file to write: its name in the output folder and its content, borrowed from the
/// synthesis that rendered it (a 10,000-user run writes 7 MB; copying it bought nothing).
pub struct OutputFile<'a> {
    pub name: String,
    pub body: &'a str,
}

/// Writes every file into `dir` (created if missing). Each file is either its old
/// content or its new content at any moment, never half-written.
pub fn write_all(dir: &Path, files: &[OutputFile]) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for file in files {
        let target = dir.join(&file.name);
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.", file.name))
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.write_all(file.body.as_bytes())?;
        tmp.as_file().sync_all()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        tmp.persist(&target).map_err(|e| e.error)?;
        written.push(target);
    }
    Ok(written)
}

/// Whether `name` is a template file as [`write_all`] names them: `NAME.template.json`
/// or `.yaml`, a child's `NAME.SUFFIX.template.json` included.
pub fn is_template_name(name: &str) -> bool {
    name.ends_with(".template.json") || name.ends_with(".template.yaml")
}

/// Whether `name` is the temporary file of a [`write_all`] that was killed before its
/// rename: `.` + the template's name + `.` + random characters + `.tmp`.
fn is_temporary_name(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|rest| rest.strip_suffix(".tmp"))
        .is_some_and(|stem| stem.contains(".template.json.") || stem.contains(".template.yaml."))
}

/// Deletes every file in `dir` that [`write_all`] could have written (a template, or the
/// temporary file of an interrupted write) but that is not one of `files`: what a renamed
/// or removed stack, or a run in the other format, left behind. Any other file is kept.
/// Returns the deleted paths, sorted.
pub fn prune(dir: &Path, files: &[OutputFile]) -> std::io::Result<Vec<PathBuf>> {
    let mut deleted = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = is_template_name(&name) || is_temporary_name(&name);
        if ours && entry.file_type()?.is_file() && !files.iter().any(|f| f.name == name) {
            deleted.push(entry.path());
        }
    }
    deleted.sort();
    for path in &deleted {
        std::fs::remove_file(path)?;
    }
    Ok(deleted)
}

/// What `--check` found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub differ: Vec<String>,
    pub missing: Vec<String>,
    pub extra: Vec<String>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.differ.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }
}

/// Compares `files` with `dir`. With `complete`, any other `*.template.*` file in `dir`
/// is reported as extra (it belongs to no stack).
pub fn check(dir: &Path, files: &[OutputFile], complete: bool) -> std::io::Result<CheckReport> {
    let mut report = CheckReport::default();
    for file in files {
        match std::fs::read(dir.join(&file.name)) {
            Ok(existing) if existing == file.body.as_bytes() => {}
            Ok(_) => report.differ.push(file.name.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                report.missing.push(file.name.clone())
            }
            Err(e) => return Err(e),
        }
    }
    if complete && let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_template = name.ends_with(".template.json") || name.ends_with(".template.yaml");
            if is_template && !files.iter().any(|f| f.name == name) {
                report.extra.push(name);
            }
        }
    }
    report.extra.sort();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> OutputFile<'static> {
        OutputFile {
            name: name.to_string(),
            body: "{}\n",
        }
    }

    #[test]
    fn prune_deletes_only_files_the_writer_names_and_no_stack_writes() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "kept.template.json",
            "kept.member.template.json",
            "gone.template.json",
            "gone.users-001.template.json",
            "kept.template.yaml",
            ".kept.template.json.Ab12Cd.tmp",
            "README.md",
            "notes.json",
            "template.json.bak",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.template.json")).unwrap();
        let files = [
            file("kept.template.json"),
            file("kept.member.template.json"),
        ];
        let deleted = prune(dir.path(), &files).unwrap();
        let names: Vec<String> = deleted
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                ".kept.template.json.Ab12Cd.tmp",
                "gone.template.json",
                "gone.users-001.template.json",
                "kept.template.yaml",
            ]
        );
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "README.md",
                "kept.member.template.json",
                "kept.template.json",
                "notes.json",
                "sub.template.json",
                "template.json.bak",
            ]
        );
    }
}
