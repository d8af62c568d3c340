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
/// content or its new content at any moment, never half-written: every file is written
/// to a temporary file and made durable first, and only then are they renamed into
/// place, so a failure while writing or flushing any file replaces none.
pub fn write_all(dir: &Path, files: &[OutputFile]) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut temporary = Vec::with_capacity(files.len());
    for file in files {
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.", file.name))
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.write_all(file.body.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        temporary.push(tmp);
    }
    sync_all(&temporary)?;
    let mut written = Vec::with_capacity(files.len());
    for (tmp, file) in temporary.into_iter().zip(files) {
        let target = dir.join(&file.name);
        tmp.persist(&target).map_err(|e| e.error)?;
        written.push(target);
    }
    Ok(written)
}

/// How many files are flushed to disk at once.
const SYNC_WORKERS: usize = 8;

/// Flushes every file to disk. One fsync waits for the disk (1 to 15 ms each on the
/// development machine) while the processor idles; a split run writes a hundred files,
/// so they are flushed from a few threads at once and the file system commits them
/// together.
fn sync_all(files: &[tempfile::NamedTempFile]) -> std::io::Result<()> {
    if files.len() < 2 {
        return files.iter().try_for_each(|f| f.as_file().sync_all());
    }
    let chunk = files.len().div_ceil(SYNC_WORKERS);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().try_for_each(|f| f.as_file().sync_all())))
            .collect();
        workers.into_iter().try_for_each(|worker| {
            worker
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a thread flushing files failed")))
        })
    })
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
            Ok(existing) if same_bytes(&existing, file.body.as_bytes()) => {}
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

/// Whether `a` and `b` hold the same bytes: 32 at a time, as four words whose
/// differences are combined, so that no call goes to the C library's `memcmp`. musl's
/// (which the static Linux builds link) compares a byte at a time: with it, comparing
/// the templates of 10,000 users (14 MiB) cost a fifth of a `--check`.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (a_chunks, a_rest) = a.as_chunks::<32>();
    let (b_chunks, b_rest) = b.as_chunks::<32>();
    let word = |chunk: &[u8; 32], i: usize| {
        u64::from_ne_bytes(chunk[8 * i..8 * i + 8].try_into().expect("8 bytes"))
    };
    a_chunks
        .iter()
        .zip(b_chunks)
        .all(|(x, y)| (0..4).fold(0, |differ, i| differ | (word(x, i) ^ word(y, i))) == 0)
        && a_rest.iter().zip(b_rest).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_finds_a_difference_at_every_position_and_a_difference_in_length() {
        // Lengths around the 32-byte chunks and their 8-byte words, and one difference at
        // each position in turn (in every word of a chunk, in the rest after the chunks).
        for len in [0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 100] {
            let a: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            assert!(same_bytes(&a, &a.clone()), "len {len}");
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x80;
                assert!(!same_bytes(&a, &b), "len {len}, differs at {at}");
            }
            let mut longer = a.clone();
            longer.push(0);
            assert!(
                !same_bytes(&a, &longer) && !same_bytes(&longer, &a),
                "len {len}"
            );
        }
    }

    fn file(name: &str) -> OutputFile<'static> {
        OutputFile {
            name: name.to_string(),
            body: "{}\n",
        }
    }

    #[test]
    fn write_all_writes_every_file_durably_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..20)
            .map(|i| format!("s.users-{i:03}.template.json"))
            .collect();
        let bodies: Vec<String> = (0..20).map(|i| format!("{{\"n\": {i}}}\n")).collect();
        let files: Vec<OutputFile> = names
            .iter()
            .zip(&bodies)
            .map(|(name, body)| OutputFile {
                name: name.clone(),
                body,
            })
            .collect();
        std::fs::write(dir.path().join(&names[3]), "old").unwrap();
        let written = write_all(dir.path(), &files).unwrap();
        assert_eq!(written.len(), 20);
        for (name, body) in names.iter().zip(&bodies) {
            assert_eq!(
                &std::fs::read_to_string(dir.path().join(name)).unwrap(),
                body
            );
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 20);
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
