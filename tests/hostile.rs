//! Hostile inputs: every definition in `tests/hostile/` (plus binary and huge inputs this
//! test generates, which cannot sensibly be committed) is run through the real `synth`
//! binary in a scratch folder, with a time limit.
//!
//! For each case: the exit code is 1 or 2 (0 only for the few files whose first line is
//! `# valid: …`, and then the template is written and is JSON), never a panic (101), a
//! signal or a hang; an error says something on stderr, ends with "nothing was written",
//! leaves `out/` absent or empty, and, for an input error in UTF-8 YAML text, points at
//! `stacks/NAME.yaml:LINE:COLUMN` inside the file. All failures are reported together.
//!
//! Run with `--nocapture` to see the case count and timings.

mod support;

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::bin::{Synth, scratch, written};

/// A case that runs longer than this is a hang: the process is killed and the case fails.
const TIMEOUT: Duration = Duration::from_secs(20);

/// How much of stderr a failure report shows.
const STDERR_SHOWN: usize = 1500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Exit 1 or 2.
    Error,
    /// Exit 0 with a template (a `# valid:` file).
    Valid,
    /// Either is acceptable (an input where both readings are defensible); an error must
    /// still follow every rule for errors.
    ValidOrError,
}

/// An extra check on the exit code, stderr and (after exit 0) the template.
type Extra = fn(i32, &str, Option<&serde_json::Value>) -> Result<(), String>;

struct Case {
    /// The corpus file name, or `generated:NAME`.
    label: String,
    purpose: String,
    bytes: Vec<u8>,
    expect: Expect,
    /// UTF-8 YAML text that the parser reads: an input error must carry a line and column.
    /// False for binary inputs and for files rejected whole (over the size limit).
    located: bool,
    /// Where the first error must point (line, and column if given), when that is known.
    at: Option<(usize, Option<usize>)>,
    extra: Option<Extra>,
}

fn corpus_dir() -> PathBuf {
    support::manifest_dir().join("tests/hostile")
}

/// The committed corpus: `tests/hostile/*.yaml`, each starting with a `# purpose` line.
fn committed_cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/hostile exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let label = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                bytes.len() < 1_000_000,
                "{label}: corpus files stay well under 1 MB; generate bigger inputs in the test"
            );
            let text = std::str::from_utf8(&bytes).unwrap_or_else(|_| {
                panic!("{label}: committed cases are UTF-8; generate binary ones")
            });
            let first = text.lines().next().unwrap_or_default();
            let purpose = first
                .strip_prefix("# ")
                .unwrap_or_else(|| panic!("{label}: the first line must be `# what it tries`"))
                .to_string();
            let mut expect = if purpose.starts_with("valid:") {
                Expect::Valid
            } else {
                Expect::Error
            };
            let extra: Option<Extra> = match label.as_str() {
                "users-501.yaml" | "users-199.yaml" | "very-long-flow-users.yaml" => {
                    Some(names_a_count_limit)
                }
                // `component:` with no value may mean "the defaults" or be an error, but
                // it must never silently mean "no such component".
                "null-studio-component.yaml" => {
                    expect = Expect::ValidOrError;
                    Some(|_, _, template| has_resource(template, "AWS::SageMaker::Domain"))
                }
                "null-bastion-component.yaml" => {
                    expect = Expect::ValidOrError;
                    Some(|_, _, template| has_resource(template, "AWS::EC2::Instance"))
                }
                // The reason is data: escaped into Metadata, never a resource of its own.
                "suppression-reason-injection-used.yaml" => Some(|_, _, template| {
                    let injected = template
                        .and_then(|t| t["Resources"].as_object())
                        .is_some_and(|r| r.keys().any(|id| id.contains("Evil")));
                    if injected {
                        Err("the suppression reason injected a resource".to_string())
                    } else {
                        Ok(())
                    }
                }),
                _ => None,
            };
            Case {
                label,
                purpose,
                bytes,
                expect,
                located: true,
                at: None,
                extra,
            }
        })
        .collect()
}

/// After exit 0, the template holds a resource of this type.
fn has_resource(template: Option<&serde_json::Value>, kind: &str) -> Result<(), String> {
    let Some(template) = template else {
        return Ok(());
    };
    let found = template["Resources"]
        .as_object()
        .is_some_and(|r| r.values().any(|r| r["Type"] == kind));
    if found {
        Ok(())
    } else {
        Err(format!(
            "exit 0 but the template has no {kind}: the component was silently dropped"
        ))
    }
}

/// Over a template limit: exit 1, and the message names `CFN-LIMIT-COUNT` with a count
/// above the 200-output limit.
fn names_a_count_limit(
    code: i32,
    stderr: &str,
    _: Option<&serde_json::Value>,
) -> Result<(), String> {
    if code != 1 {
        return Err(format!(
            "expected exit 1 for a template over a limit, got {code}"
        ));
    }
    let counted = stderr
        .lines()
        .filter(|l| l.contains("CFN-LIMIT-COUNT"))
        .any(|l| {
            l.split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse::<u64>().ok())
                .any(|n| n > 200)
        });
    if counted {
        Ok(())
    } else {
        Err("no `CFN-LIMIT-COUNT` finding with the count over the limit".to_string())
    }
}

/// A definition that is valid as it stands; generated cases break it in binary ways.
const BASE: &str = "\
description: hostile-input test stack
network:
  cidr: 10.20.0.0/16
  availability_zones: 2
  endpoints: [s3, sagemaker.api, sagemaker.runtime, studio, sts, logs, kms, ssm, ssmmessages, ec2messages]
studio:
  auth: iam
  users: [alice, bob]
bastion:
  os: windows
  instance_type: t3.medium
presigned_url:
  expires_in_seconds: 300
  session_expiration_seconds: 43200
";

fn base_with(old: &str, new: &[u8]) -> Vec<u8> {
    let at = BASE.find(old).expect("BASE holds the text replaced");
    let mut bytes = BASE.as_bytes()[..at].to_vec();
    bytes.extend_from_slice(new);
    bytes.extend_from_slice(&BASE.as_bytes()[at + old.len()..]);
    bytes
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Inputs that cannot sensibly be committed: not UTF-8, NUL bytes, a BOM (which editors
/// and git tooling strip or mangle), raw control characters, and files of tens of MB.
fn generated_cases() -> Vec<Case> {
    // (name, purpose, bytes, expect, located); see `positions` below for exact ones.
    let mut cases: Vec<(&str, &str, Vec<u8>, Expect, bool)> = vec![
        (
            "non-utf8-latin1-user",
            "a user name in Latin-1 (0xE9 for é), not UTF-8",
            base_with("alice", b"al\xE9ce"),
            Expect::Error,
            false,
        ),
        (
            "non-utf8-first-byte",
            "a 0xFF byte before the definition",
            concat(&[b"\xFF", BASE.as_bytes()]),
            Expect::Error,
            false,
        ),
        (
            "non-utf8-overlong",
            "an overlong encoding of `/` (0xC0 0xAF) in the CIDR",
            base_with("10.20.0.0/16", b"10.20.0.0\xC0\xAF16"),
            Expect::Error,
            false,
        ),
        (
            "non-utf8-surrogate",
            "a UTF-8-encoded surrogate (0xED 0xA0 0x80) in the description",
            base_with("hostile-input", b"hostile\xED\xA0\x80input"),
            Expect::Error,
            false,
        ),
        (
            "non-utf8-truncated-at-eof",
            "the file ends inside a multi-byte character",
            concat(&[BASE.as_bytes(), b"# caf\xC3"]),
            Expect::Error,
            false,
        ),
        (
            "utf16le-with-bom",
            "the whole definition encoded as UTF-16LE with a BOM",
            concat(&[
                b"\xFF\xFE",
                &BASE
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect::<Vec<u8>>(),
            ]),
            Expect::Error,
            false,
        ),
        (
            "utf16be-without-bom",
            "the whole definition encoded as UTF-16BE without a BOM",
            BASE.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            Expect::Error,
            false,
        ),
        (
            "nul-in-description",
            "a NUL byte inside the description",
            base_with("hostile-input", b"hostile\0input"),
            Expect::Error,
            false,
        ),
        (
            "nul-at-start",
            "a NUL byte before the definition",
            concat(&[b"\0", BASE.as_bytes()]),
            Expect::Error,
            false,
        ),
        (
            "nul-in-key",
            "a NUL byte inside the `network` key",
            base_with("network:", b"netw\0ork:"),
            Expect::Error,
            false,
        ),
        (
            "nul-in-user-name",
            "a NUL byte inside a user name",
            base_with("alice", b"ali\0ce"),
            Expect::Error,
            false,
        ),
        (
            "nul-only",
            "4,096 NUL bytes and nothing else",
            vec![0; 4096],
            Expect::Error,
            false,
        ),
        (
            "nul-after-document",
            "a valid definition followed by NUL bytes",
            concat(&[BASE.as_bytes(), &[0; 64]]),
            Expect::Error,
            false,
        ),
        (
            "bom-then-valid-definition",
            "a UTF-8 BOM before a valid definition (YAML allows a BOM at the start)",
            concat(&[BOM, BASE.as_bytes()]),
            Expect::ValidOrError,
            true,
        ),
        (
            "bom-then-unknown-field",
            "a UTF-8 BOM, and an unknown field on line 4",
            concat(&[BOM, &base_with("availability_zones", b"availabilty_zones")]),
            Expect::Error,
            true,
        ),
        (
            "bom-twice",
            "two UTF-8 BOMs before the definition",
            concat(&[BOM, BOM, BASE.as_bytes()]),
            Expect::Error,
            true,
        ),
        (
            "bom-inside-user-name",
            "a U+FEFF (BOM, zero-width no-break space) inside a user name",
            base_with("alice", "al\u{feff}ice".as_bytes()),
            Expect::Error,
            true,
        ),
        (
            "raw-escape-in-user-name",
            "a raw ESC sequence (terminal colours) and BEL in a user name",
            base_with("alice", b"\x1b[31malice\x1b[0m\x07"),
            Expect::Error,
            true,
        ),
        (
            "raw-control-in-description",
            "raw C0 control characters (BEL, BS, VT, FF) in the description",
            base_with("hostile-input", b"hostile\x07\x08\x0b\x0cinput"),
            Expect::Error,
            true,
        ),
        (
            "raw-del-and-c1-in-user-name",
            "DEL and a C1 control character (U+0085, NEL) in a user name",
            base_with("alice", "al\u{7f}i\u{85}ce".as_bytes()),
            Expect::Error,
            true,
        ),
        (
            "deep-block-sequences-100000",
            "100,000 nested compact block sequences (`- - - …`) as network.endpoints",
            base_with(
                "  endpoints: [s3, sagemaker.api, sagemaker.runtime, studio, sts, logs, kms, ssm, ssmmessages, ec2messages]\n",
                format!("  endpoints:\n    {}s3\n", "- ".repeat(100_000)).as_bytes(),
            ),
            Expect::Error,
            true,
        ),
        (
            "deep-block-mappings-1400",
            "1,400 nested block mappings (one space per level), just under 1 MiB",
            deep_block_mappings(1400),
            Expect::Error,
            true,
        ),
        (
            "deep-block-mappings-10000-50mb",
            "10,000 nested block mappings (one space per level): a 50 MB file",
            deep_block_mappings(10_000),
            Expect::Error,
            false,
        ),
        (
            "huge-description-50mb",
            "a 50 MB single-line description",
            base_with(
                "hostile-input test stack",
                "x".repeat(50_000_000).as_bytes(),
            ),
            Expect::Error,
            false,
        ),
        (
            "huge-users-just-over-1mib",
            "just over 1 MiB of users, one per line",
            base_with(
                "  users: [alice, bob]\n",
                format!(
                    "  users:\n{}",
                    (0..75_000)
                        .map(|i| format!("    - u{i}\n"))
                        .collect::<String>()
                )
                .as_bytes(),
            ),
            Expect::Error,
            false,
        ),
    ];
    // Where the offending byte is, so the error must point there. (Lines of BASE: the
    // description is line 1, `network:` line 2, the users line 8.)
    let positions: &[(&str, usize, Option<usize>)] = &[
        ("non-utf8-latin1-user", 8, Some(13)),
        ("non-utf8-surrogate", 1, Some(21)),
        ("nul-in-description", 1, Some(21)),
        ("nul-in-key", 2, Some(5)),
        ("nul-in-user-name", 8, Some(14)),
        ("nul-at-start", 1, Some(1)),
        ("nul-after-document", 15, Some(1)),
        ("bom-then-unknown-field", 4, Some(3)),
        ("raw-escape-in-user-name", 8, None),
        ("raw-control-in-description", 1, Some(21)),
        ("raw-del-and-c1-in-user-name", 8, None),
    ];
    cases
        .drain(..)
        .map(|(name, purpose, bytes, expect, located)| Case {
            label: format!("generated:{name}"),
            purpose: purpose.to_string(),
            bytes,
            expect,
            located,
            at: positions
                .iter()
                .find(|(n, ..)| *n == name)
                .map(|&(_, line, column)| (line, column)),
            extra: None,
        })
        .collect()
}

/// `network:` followed by `depth` mappings, each nested one space deeper.
fn deep_block_mappings(depth: usize) -> Vec<u8> {
    let mut text = String::from("network:\n");
    for i in 0..depth {
        text.push_str(&" ".repeat(i + 1));
        text.push_str(&format!("k{i}:\n"));
    }
    text.push_str(&" ".repeat(depth + 1));
    text.push_str("end\n");
    text.into_bytes()
}

/// Runs one case and returns what is wrong with the outcome (empty if nothing).
fn check_case(case: &Case, index: usize) -> (Vec<String>, Option<i32>, String, Duration) {
    let name = format!("case-{index:03}");
    let file = format!("stacks/{name}.yaml");
    let dir = scratch(&[(format!("{name}.yaml").as_str(), &case.bytes)]);
    let run = Synth::new(&["--stack", &name, "--out", "out"])
        .cwd(dir.path())
        .timeout(TIMEOUT)
        .run();
    let mut problems = Vec::new();

    let Some(status) = run.status else {
        problems.push(format!("hung: killed after {} s", TIMEOUT.as_secs_f64()));
        return (problems, None, run.stderr, run.elapsed);
    };
    let Some(code) = status.code() else {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            problems.push(format!(
                "killed by signal {} (a crash: stack overflow or abort)",
                status.signal().unwrap_or(-1)
            ));
        }
        #[cfg(not(unix))]
        problems.push("ended without an exit code".to_string());
        return (problems, None, run.stderr, run.elapsed);
    };
    if code == 101 {
        problems.push("panicked (exit 101)".to_string());
    }
    let allowed: &[i32] = match case.expect {
        Expect::Error => &[1, 2],
        Expect::Valid => &[0],
        Expect::ValidOrError => &[0, 1, 2],
    };
    if !allowed.contains(&code) {
        problems.push(format!("exit {code}, expected one of {allowed:?}"));
    }
    if !run.stdout.is_empty() {
        problems.push(format!(
            "stdout is not empty with --out: {}",
            shorten(&run.stdout, 200)
        ));
    }
    let out = dir.path().join("out");
    let written = written(dir.path());

    let mut template = None;
    if code == 0 {
        let expected = format!("{name}.template.json");
        if written != [expected.clone()] {
            problems.push(format!("out/ holds {written:?}, expected only {expected}"));
        }
        match std::fs::read_to_string(out.join(&expected)) {
            Ok(body) => match serde_json::from_str::<serde_json::Value>(&body) {
                Ok(value) => template = Some(value),
                Err(e) => problems.push(format!("the template is not JSON: {e}")),
            },
            Err(e) => problems.push(format!("cannot read out/{expected}: {e}")),
        }
    } else if code != 101 {
        if run.stderr.trim().is_empty() {
            problems.push("an error with nothing on stderr".to_string());
        }
        if !written.is_empty() {
            problems.push(format!("out/ is not empty after an error: {written:?}"));
        }
        if !run.stderr.ends_with("nothing was written\n") {
            problems.push("stderr does not end with \"nothing was written\"".to_string());
        }
        if code == 2 && case.located {
            let text = String::from_utf8_lossy(&case.bytes);
            if let Err(e) = check_location(&run.stderr, &file, &text) {
                problems.push(e);
            }
        }
        if code == 2
            && let Some((line, column)) = case.at
        {
            let want = match column {
                Some(column) => format!("{file}:{line}:{column}"),
                None => format!("{file}:{line}:"),
            };
            let first = first_location(&run.stderr).unwrap_or_default();
            let matches = match column {
                Some(_) => first == want,
                None => first.starts_with(&want),
            };
            if !matches {
                problems.push(format!(
                    "the error points at `{first}`; the offending byte is at `{want}`"
                ));
            }
        }
    }
    if let Some(extra) = case.extra
        && let Err(e) = extra(code, &run.stderr, template.as_ref())
    {
        problems.push(e);
    }
    (problems, Some(code), run.stderr, run.elapsed)
}

/// The first `-->` line of stderr names `file:LINE:COLUMN`, and that position lies inside
/// the text (the line exists; the column is at most one past its end).
fn check_location(stderr: &str, file: &str, text: &str) -> Result<(), String> {
    let Some(at) = first_location(stderr) else {
        return Err("input error without a `-->` location line".to_string());
    };
    let Some(position) = at.strip_prefix(&format!("{file}:")) else {
        return Err(format!(
            "input error located at `{at}`, expected `{file}:LINE:COLUMN`"
        ));
    };
    let numbers: Vec<usize> = position
        .split(':')
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    let [line, column] = numbers[..] else {
        return Err(format!("input error located at `{at}`: no LINE:COLUMN"));
    };
    let lines = split_lines(text);
    let in_text = line >= 1
        && line <= lines.len() + 1
        && column >= 1
        && column <= lines.get(line - 1).map_or(0, |l| l.chars().count()) + 1;
    if in_text {
        Ok(())
    } else {
        Err(format!(
            "input error located at {line}:{column}, outside the file ({} lines)",
            lines.len()
        ))
    }
}

/// What the first `-->` line of stderr points at.
fn first_location(stderr: &str) -> Option<&str> {
    stderr
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))
}

/// Lines as YAML counts them: broken at `\r\n`, `\n` or `\r`.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['\n', '\r']) {
        lines.push(&rest[..i]);
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + skip..];
    }
    if !rest.is_empty() {
        lines.push(rest);
    }
    lines
}

/// At most `max` bytes of `text`, with control characters other than newlines escaped
/// (stderr echoes hostile bytes; the report must stay readable).
fn shorten(text: &str, max: usize) -> String {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let shown: String = text[..end]
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    if end < text.len() {
        format!("{shown}… ({} bytes in all)", text.len())
    } else {
        shown
    }
}

#[test]
fn hostile_inputs_never_crash_hang_or_write() {
    let start = Instant::now();
    let committed = committed_cases();
    let generated = generated_cases();
    let (n_committed, n_generated) = (committed.len(), generated.len());
    assert!(
        n_committed >= 110,
        "the corpus holds {n_committed} files; keep at least 110"
    );
    let cases: Vec<Case> = committed.into_iter().chain(generated).collect();

    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let timings = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    let (problems, code, stderr, elapsed) = check_case(case, i);
                    timings.lock().unwrap().push((elapsed, case.label.clone()));
                    if !problems.is_empty() {
                        failures.lock().unwrap().push((
                            i,
                            format!(
                                "{} (stack case-{i:03}; {})\n  exit: {}\n  problems:\n{}\n  stderr:\n{}",
                                case.label,
                                case.purpose,
                                code.map_or("none".to_string(), |c| c.to_string()),
                                problems
                                    .iter()
                                    .map(|p| format!("    - {p}"))
                                    .collect::<Vec<_>>()
                                    .join("\n"),
                                shorten(&stderr, STDERR_SHOWN)
                                    .lines()
                                    .map(|l| format!("    | {l}"))
                                    .collect::<Vec<_>>()
                                    .join("\n"),
                            ),
                        ));
                    }
                }
            });
        }
    });

    let mut timings = timings.into_inner().unwrap();
    timings.sort();
    let slowest: Vec<String> = timings
        .iter()
        .rev()
        .take(3)
        .map(|(t, label)| format!("{label} {:.2} s", t.as_secs_f64()))
        .collect();
    println!(
        "hostile: {} cases ({n_committed} committed in tests/hostile, {n_generated} generated) in {:.1} s; slowest: {}",
        cases.len(),
        start.elapsed().as_secs_f64(),
        slowest.join(", ")
    );
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    if !failures.is_empty() {
        panic!(
            "{} of {} hostile cases failed:\n\n{}",
            failures.len(),
            cases.len(),
            failures
                .into_iter()
                .map(|(_, f)| f)
                .collect::<Vec<_>>()
                .join("\n\n")
        );
    }
}
