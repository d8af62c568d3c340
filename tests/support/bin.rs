//! The real `synth` binary: run with arguments in a folder (a scratch project made by
//! [`scratch`], or the package root), optionally with bytes on stdin and a time limit; and
//! what it wrote to `out/` ([`written`]; parse a template with [`super::read_template`]).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::manifest_dir;

/// How long a run may take unless [`Synth::timeout`] says otherwise: far more than any
/// run needs, so a hung `synth` fails its test instead of hanging the test run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// `synth ARGS` in `dir`; returns (exit code, stdout, stderr). The exit code is -1 when
/// the process ended without one (a signal) or was killed after [`DEFAULT_TIMEOUT`].
pub fn synth(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let run = Synth::new(args).cwd(dir).run();
    (run.code, run.stdout, run.stderr)
}

/// A `synth` invocation: arguments, and optionally a working directory (the package root
/// by default), bytes on stdin (nothing by default: stdin is closed) and a time limit.
/// `NO_COLOR=1` is always set.
pub struct Synth {
    args: Vec<String>,
    cwd: PathBuf,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
}

/// How a run ended.
#[derive(Debug)]
pub struct Run {
    /// `None` when the run was killed after the time limit.
    pub status: Option<ExitStatus>,
    /// The exit code, or -1 (killed after the time limit, or ended by a signal).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Synth {
    pub fn new(args: &[&str]) -> Synth {
        Synth {
            args: args.iter().map(|a| a.to_string()).collect(),
            cwd: manifest_dir().to_path_buf(),
            stdin: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Runs in `dir` instead of the package root.
    pub fn cwd(mut self, dir: &Path) -> Synth {
        self.cwd = dir.to_path_buf();
        self
    }

    /// Writes `bytes` to stdin, then closes it.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Synth {
        self.stdin = Some(bytes.into());
        self
    }

    /// Kills the process after `limit`; the [`Run`] then has no status.
    pub fn timeout(mut self, limit: Duration) -> Synth {
        self.timeout = limit;
        self
    }

    /// Runs to completion (or the time limit), reading stdout and stderr meanwhile. Panics
    /// when `synth` cannot start, or when its output is not UTF-8.
    pub fn run(self) -> Run {
        let start = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_synth"))
            .args(&self.args)
            .current_dir(&self.cwd)
            .env("NO_COLOR", "1")
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start synth {:?}: {e}", self.args));
        let feeder = self.stdin.map(|bytes| {
            let mut pipe = child.stdin.take().expect("piped stdin");
            // A child that exits without reading everything closes the pipe: not an error.
            thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            })
        });
        let drain = |mut pipe: Box<dyn Read + Send>| {
            thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        };
        let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
        let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
        let status = loop {
            match child.try_wait().expect("waiting for synth") {
                Some(status) => break Some(status),
                None if start.elapsed() > self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                None => thread::sleep(Duration::from_millis(5)),
            }
        };
        if let Some(feeder) = feeder {
            let _ = feeder.join();
        }
        let text = |bytes: Vec<u8>, stream: &str| {
            String::from_utf8(bytes).unwrap_or_else(|e| {
                panic!("synth {:?} wrote non-UTF-8 to {stream}: {e}", self.args)
            })
        };
        Run {
            code: status.and_then(|s| s.code()).unwrap_or(-1),
            status,
            stdout: text(stdout.join().expect("stdout reader"), "stdout"),
            stderr: text(stderr.join().expect("stderr reader"), "stderr"),
            elapsed: start.elapsed(),
        }
    }
}

/// A scratch project: a temporary folder with `stacks/` holding `files` (file name, content),
/// e.g. `scratch(&[("s.yaml", text)])`. Nothing else is created: no `out/`.
pub fn scratch<T: AsRef<[u8]>>(files: &[(&str, T)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("creating a temporary directory");
    std::fs::create_dir(dir.path().join("stacks")).expect("creating stacks/");
    for (name, content) in files {
        std::fs::write(dir.path().join("stacks").join(name), content)
            .unwrap_or_else(|e| panic!("writing stacks/{name}: {e}"));
    }
    dir
}

/// A scratch project with copies of the shipped definitions `names` in `stacks/`.
pub fn scratch_shipped(names: &[&str]) -> tempfile::TempDir {
    let files: Vec<(String, String)> = names
        .iter()
        .map(|name| (format!("{name}.yaml"), super::stacks::definition(name)))
        .collect();
    let files: Vec<(&str, &String)> = files.iter().map(|(f, t)| (f.as_str(), t)).collect();
    scratch_with_shipped_scripts(&files)
}

/// [`scratch`], with the shipped definitions' script files in `stacks/scripts/`: for
/// variants of a shipped definition, which name them.
pub fn scratch_with_shipped_scripts<T: AsRef<[u8]>>(files: &[(&str, T)]) -> tempfile::TempDir {
    let dir = scratch(files);
    copy_scripts(
        &super::stacks::stacks_dir().join("scripts"),
        &dir.path().join("stacks/scripts"),
    );
    dir
}

/// The shipped definitions' script files (`stacks/scripts/`), which they name relative
/// to their own folder.
fn copy_scripts(from: &Path, to: &Path) {
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    std::fs::create_dir_all(to).expect("creating stacks/scripts/");
    for entry in entries {
        let entry = entry.expect("reading stacks/scripts/");
        std::fs::copy(entry.path(), to.join(entry.file_name()))
            .unwrap_or_else(|e| panic!("copying {}: {e}", entry.path().display()));
    }
}

/// The names of the files in `dir/out/`, sorted; empty when there is no `out/`.
pub fn written(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir.join("out")) {
        Ok(entries) => entries
            .map(|e| {
                e.expect("reading out/")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}
