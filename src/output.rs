//! Writing templates: all or nothing, each file replaced atomically (a temporary file in
//! the same folder, then a rename), and comparing against what is already written.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file to write: its name in the output folder and its content.
pub struct OutputFile {
    pub name: String,
    pub body: String,
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
