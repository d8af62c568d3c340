//! Writing templates: all or nothing, each file replaced atomically (a temporary file in
//! the same folder, then a rename), and comparing against what is already written. Both
//! take each template the moment it is judged ([`Handover`]), so a run never holds every
//! template's text at once.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use tempfile::TempPath;

use crate::synth::Handover;

/// What a handover made of each template, recorded by file name as the threads of a
/// run hand them over, and read back in the run's order.
struct PerFile<T>(Mutex<Vec<(String, io::Result<T>)>>);

impl<T> PerFile<T> {
    fn new() -> PerFile<T> {
        PerFile(Mutex::new(Vec::new()))
    }

    fn record(&self, name: String, result: io::Result<T>) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((name, result));
    }

    /// What was made of each of `names` (every template of the run), in that order; the
    /// first failure in that order is the error.
    fn in_order(self, names: &[String]) -> io::Result<Vec<T>> {
        let mut made: HashMap<String, io::Result<T>> = self
            .0
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .collect();
        names
            .iter()
            .map(|name| {
                made.remove(name)
                    .unwrap_or_else(|| Err(io::Error::other(format!("{name} was never rendered"))))
            })
            .collect()
    }
}

/// `--out DIR`: each template written to a temporary file in `dir` as it is handed over.
/// [`Staging::commit`] makes them durable and renames them into place once every stack
/// has passed; dropped without a commit (or after a commit that failed), the staging
/// removes its temporary files, and `dir` when it made `dir` and `dir` is empty again.
/// Each file is either its old content or its new content at any moment, never
/// half-written, and a failure while writing or flushing any file replaces none.
pub struct Staging {
    dir: PathBuf,
    /// Whether `dir` had to be made, once the first template came.
    made_dir: OnceLock<io::Result<bool>>,
    staged: PerFile<TempPath>,
}

impl Staging {
    pub fn new(dir: &Path) -> Staging {
        Staging {
            dir: dir.to_path_buf(),
            made_dir: OnceLock::new(),
            staged: PerFile::new(),
        }
    }

    /// The temporary file of `name` in the folder, written and readable by everyone, and
    /// closed: a run of thousands of templates would otherwise hold a descriptor for
    /// each until the commit, over the usual limit of 1,024 open files at 100,000 users.
    fn stage(&self, name: &str, body: &str) -> io::Result<TempPath> {
        let made = self.made_dir.get_or_init(|| {
            let existed = self.dir.is_dir();
            std::fs::create_dir_all(&self.dir).map(|()| !existed)
        });
        if let Err(e) = made {
            return Err(io::Error::new(e.kind(), e.to_string()));
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&self.dir)?;
        tmp.write_all(body.as_bytes())?;
        start_writeback(tmp.as_file());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        Ok(tmp.into_temp_path())
    }

    /// Flushes every staged file to disk and renames it to its name, in the order of
    /// `names` (every template of the run). Returns the paths written; the first failure
    /// in that order stops the commit before any rename.
    pub fn commit(mut self, names: &[String]) -> io::Result<Vec<PathBuf>> {
        let staged = std::mem::replace(&mut self.staged, PerFile::new());
        let temporary = staged.in_order(names)?;
        sync_all(&temporary)?;
        let mut written = Vec::with_capacity(names.len());
        for (tmp, name) in temporary.into_iter().zip(names) {
            let target = self.dir.join(name);
            tmp.persist(&target).map_err(|e| e.error)?;
            written.push(target);
        }
        Ok(written)
    }
}

impl Handover for Staging {
    fn hand_over(&self, file_name: String, body: String) {
        let staged = self.stage(&file_name, &body);
        self.staged.record(file_name, staged);
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // Removes what a run that did not commit left: its temporary files, then the
        // folder it made (only when nothing else is in it).
        drop(std::mem::replace(&mut self.staged, PerFile::new()));
        if let Some(Ok(true)) = self.made_dir.get() {
            let _ = std::fs::remove_dir(&self.dir);
        }
    }
}

/// Asks the kernel to start writing `file`'s data to disk now, without waiting for it:
/// the disk works while the run renders the other templates, and the flush of every file
/// at the commit finds most of it written. At 10,000 users `--out` took 103.56 → 91.09
/// and 110.83 → 98.25 ms (15 and 20 runs), at 1,000 users 18.44 → 17.98 and 17.78 →
/// 16.88 ms. Only a hint: whatever it does, the commit's `fsync` is what makes each file
/// durable, so a failure here is left to that `fsync` to report.
fn start_writeback(file: &std::fs::File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a call on an open descriptor this function borrows, with the flag that
        // only starts write-out; it touches no memory of this process.
        let _ =
            unsafe { libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// How many files are flushed to disk at once.
const SYNC_WORKERS: usize = 8;

/// Flushes every file to disk. One fsync waits for the disk (1 to 15 ms each on the
/// development machine) while the processor idles; a split run writes a hundred files,
/// so they are flushed from a few threads at once and the file system commits them
/// together. Each file is opened again to be flushed (for writing: Windows flushes no
/// file opened only to read), and closed once flushed.
fn sync_all(files: &[TempPath]) -> io::Result<()> {
    let sync = |path: &TempPath| {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)?
            .sync_all()
    };
    if files.len() < 2 {
        return files.iter().try_for_each(sync);
    }
    let chunk = files.len().div_ceil(SYNC_WORKERS);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().try_for_each(sync)))
            .collect();
        workers.into_iter().try_for_each(|worker| {
            worker
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a thread flushing files failed")))
        })
    })
}

/// Whether `name` is a template file as a [`Staging`] names them: `NAME.template.json`
/// or `.yaml`, a child's `NAME.SUFFIX.template.json` included.
pub fn is_template_name(name: &str) -> bool {
    name.ends_with(".template.json") || name.ends_with(".template.yaml")
}

/// Whether `name` is the temporary file of a [`Staging`] that was killed before its
/// commit: `.` + the template's name + `.` + random characters + `.tmp`.
fn is_temporary_name(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|rest| rest.strip_suffix(".tmp"))
        .is_some_and(|stem| stem.contains(".template.json.") || stem.contains(".template.yaml."))
}

/// Deletes every file in `dir` that a [`Staging`] could have written (a template, or the
/// temporary file of an interrupted write) but that is not one of `names`: what a renamed
/// or removed stack, or a run in the other format, left behind. Any other file is kept.
/// Returns the deleted paths, sorted.
pub fn prune(dir: &Path, names: &[String]) -> io::Result<Vec<PathBuf>> {
    let mut deleted = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = is_template_name(&name) || is_temporary_name(&name);
        if ours && entry.file_type()?.is_file() && !names.contains(&name) {
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

/// How a template compares with its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Same,
    Differs,
    Missing,
}

/// `--check`: each template compared with its file in `dir` as it is handed over;
/// [`Comparison::report`] tells what differs.
pub struct Comparison {
    dir: PathBuf,
    verdicts: PerFile<Verdict>,
}

impl Comparison {
    pub fn new(dir: &Path) -> Comparison {
        Comparison {
            dir: dir.to_path_buf(),
            verdicts: PerFile::new(),
        }
    }

    /// What differs among `names` (every template of the run, in order); with `complete`,
    /// any other `*.template.*` file in the folder is reported as extra (it belongs to no
    /// stack). The first file that could not be read, in that order, is the error.
    pub fn report(self, names: &[String], complete: bool) -> io::Result<CheckReport> {
        let verdicts = self.verdicts.in_order(names)?;
        let mut report = CheckReport::default();
        for (name, verdict) in names.iter().zip(verdicts) {
            match verdict {
                Verdict::Same => {}
                Verdict::Differs => report.differ.push(name.clone()),
                Verdict::Missing => report.missing.push(name.clone()),
            }
        }
        if complete && let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if is_template_name(&name) && !names.contains(&name) {
                    report.extra.push(name);
                }
            }
        }
        report.extra.sort();
        Ok(report)
    }

    fn compare(&self, name: &str, body: &str) -> io::Result<Verdict> {
        match std::fs::read(self.dir.join(name)) {
            Ok(existing) if same_bytes(&existing, body.as_bytes()) => Ok(Verdict::Same),
            Ok(_) => Ok(Verdict::Differs),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Verdict::Missing),
            Err(e) => Err(e),
        }
    }
}

impl Handover for Comparison {
    fn hand_over(&self, file_name: String, body: String) {
        let verdict = self.compare(&file_name, &body);
        self.verdicts.record(file_name, verdict);
    }
}

/// Whether `a` and `b` hold the same bytes: in blocks of 4 KiB, each folded into one
/// byte of their differences by a loop the compiler turns into vector instructions (16
/// bytes at a time on any x86-64), and no call to the C library's `memcmp`: musl's
/// (which the static Linux builds link) compares a byte at a time, and with it comparing
/// the templates of 10,000 users (14 MiB) cost a fifth of a `--check`. The first block
/// that differs ends the comparison.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    const BLOCK: usize = 4096;
    a.len() == b.len()
        && a.chunks(BLOCK)
            .zip(b.chunks(BLOCK))
            .all(|(x, y)| differences(x, y) == 0)
}

/// The differences of the bytes of `x` and `y` (as long as each other) folded together:
/// zero exactly when they are the same. 64 bytes a step, as eight words whose
/// differences gather in eight words (four vector registers).
fn differences(x: &[u8], y: &[u8]) -> u64 {
    let (x_chunks, x_rest) = x.as_chunks::<64>();
    let (y_chunks, y_rest) = y.as_chunks::<64>();
    let mut differ = [0u64; 8];
    for (x, y) in x_chunks.iter().zip(y_chunks) {
        for (i, d) in differ.iter_mut().enumerate() {
            let word = |chunk: &[u8; 64]| {
                u64::from_ne_bytes(chunk[8 * i..8 * i + 8].try_into().expect("8 bytes"))
            };
            *d |= word(x) ^ word(y);
        }
    }
    let rest = x_rest
        .iter()
        .zip(y_rest)
        .fold(0, |differ, (p, q)| differ | (p ^ q));
    differ.iter().fold(u64::from(rest), |all, d| all | d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_finds_a_difference_at_every_position_and_a_difference_in_length() {
        // Lengths around the 32-byte chunks and their 8-byte words, and one difference at
        // each position in turn (in every word of a chunk, in the rest after the chunks).
        for len in [
            0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 100, 4095, 4096, 4097, 8200,
        ] {
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

    fn names(count: usize) -> Vec<String> {
        (0..count)
            .map(|i| format!("s.users-{i:03}.template.json"))
            .collect()
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_commit_writes_every_file_handed_over_durably_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let names = names(20);
        let bodies: Vec<String> = (0..20).map(|i| format!("{{\"n\": {i}}}\n")).collect();
        std::fs::write(dir.path().join(&names[3]), "old").unwrap();
        let staging = Staging::new(dir.path());
        // Handed over in another order than the run's, as the threads of a run do.
        for (name, body) in names.iter().zip(&bodies).rev() {
            staging.hand_over(name.clone(), body.clone());
        }
        assert_eq!(listing(dir.path()).len(), 21, "staged beside the old file");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(&names[3])).unwrap(),
            "old",
            "nothing in place before the commit"
        );
        let written = staging.commit(&names).unwrap();
        let expected: Vec<PathBuf> = names.iter().map(|n| dir.path().join(n)).collect();
        assert_eq!(written, expected, "in the run's order");
        for (name, body) in names.iter().zip(&bodies) {
            assert_eq!(
                &std::fs::read_to_string(dir.path().join(name)).unwrap(),
                body
            );
        }
        assert_eq!(listing(dir.path()), names);
    }

    #[test]
    fn a_staging_dropped_without_a_commit_leaves_the_folder_as_it_was() {
        let parent = tempfile::tempdir().unwrap();
        let existing = parent.path().join("out");
        std::fs::create_dir(&existing).unwrap();
        std::fs::write(existing.join("s.template.json"), "old").unwrap();
        let made = parent.path().join("new").join("out");
        for dir in [&existing, &made] {
            let staging = Staging::new(dir);
            staging.hand_over("s.template.json".into(), "new".into());
            assert!(dir.is_dir());
            drop(staging);
        }
        assert_eq!(listing(&existing), ["s.template.json"]);
        assert_eq!(
            std::fs::read_to_string(existing.join("s.template.json")).unwrap(),
            "old"
        );
        assert!(!made.exists(), "the folder the staging made is removed");
        assert!(
            parent.path().join("new").is_dir(),
            "only the folder it wrote in"
        );
    }

    #[test]
    fn a_commit_fails_with_the_first_file_that_could_not_be_staged_and_writes_none() {
        let parent = tempfile::tempdir().unwrap();
        let not_a_folder = parent.path().join("out");
        std::fs::write(&not_a_folder, "a file").unwrap();
        let staging = Staging::new(&not_a_folder);
        staging.hand_over("s.template.json".into(), "{}".into());
        let e = staging
            .commit(&["s.template.json".to_string()])
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists, "{e}");
        assert_eq!(std::fs::read_to_string(&not_a_folder).unwrap(), "a file");

        let dir = tempfile::tempdir().unwrap();
        let staging = Staging::new(dir.path());
        staging.hand_over("a.template.json".into(), "{}".into());
        let e = staging
            .commit(&["a.template.json".to_string(), "b.template.json".to_string()])
            .unwrap_err();
        assert!(e.to_string().contains("b.template.json"), "{e}");
        assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));

        // A folder the staging made is removed again when the commit fails.
        let made = parent.path().join("made");
        let staging = Staging::new(&made);
        staging.hand_over("a.template.json".into(), "{}".into());
        assert!(staging.commit(&["b.template.json".to_string()]).is_err());
        assert!(!made.exists());
    }

    #[test]
    fn a_comparison_reports_what_differs_is_missing_or_extra_in_the_run_order() {
        let dir = tempfile::tempdir().unwrap();
        let names = names(4);
        for name in &names[..3] {
            std::fs::write(dir.path().join(name), "same").unwrap();
        }
        std::fs::write(dir.path().join("gone.template.json"), "x").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        for complete in [false, true] {
            let comparison = Comparison::new(dir.path());
            for (i, name) in names.iter().enumerate().rev() {
                let body = if i == 1 { "changed" } else { "same" };
                comparison.hand_over(name.clone(), body.to_string());
            }
            let report = comparison.report(&names, complete).unwrap();
            assert_eq!(report.differ, [names[1].clone()]);
            assert_eq!(report.missing, [names[3].clone()]);
            let extra: &[&str] = if complete {
                &["gone.template.json"]
            } else {
                &[]
            };
            assert_eq!(report.extra, extra);
            assert!(!report.is_clean());
        }
        let comparison = Comparison::new(dir.path());
        comparison.hand_over(names[0].clone(), "same".into());
        assert!(comparison.report(&names[..1], false).unwrap().is_clean());
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
        let names = [
            "kept.template.json".to_string(),
            "kept.member.template.json".to_string(),
        ];
        let deleted = prune(dir.path(), &names).unwrap();
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
