//! `--out` holds no file open per template between staging and commit: a run of 100,000
//! users writes 1,001 templates, over the usual limit of 1,024 open files once the
//! process's own are counted. Alone in its test binary because it lowers the process's
//! limit on open files, which would fail other tests running beside it.
#![cfg(target_os = "linux")]

use sagesynth::output::Staging;
use sagesynth::synth::Handover;

/// The number of files this process has open now.
fn open_files() -> u64 {
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64
}

#[test]
fn a_staging_of_more_templates_than_the_open_file_limit_commits_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let limit = open_files() + 16;
    let mut before = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: each call reads or writes the `rlimit` it is given, nothing else.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut before), 0);
        let lowered = libc::rlimit {
            rlim_cur: limit,
            rlim_max: before.rlim_max,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lowered), 0);
    }
    let names: Vec<String> = (0..limit * 4)
        .map(|i| format!("s.users-{i:04}.template.json"))
        .collect();
    let staging = Staging::new(dir.path());
    for name in &names {
        staging.hand_over(name.clone(), format!("{{\"name\": \"{name}\"}}\n"));
    }
    let written = staging.commit(&names);
    // SAFETY: as above.
    unsafe {
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &before), 0);
    }
    let written = written.unwrap();
    assert_eq!(written.len(), names.len());
    for name in &names {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(name)).unwrap(),
            format!("{{\"name\": \"{name}\"}}\n")
        );
    }
}
