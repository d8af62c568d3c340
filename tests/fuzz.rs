//! Property tests over the library, in process: (a) random mutations of the shipped
//! `stacks/studio-private.yaml` text and (b) random definitions built from the schema,
//! with valid and invalid values. Each goes through `stacks::load_in` and
//! `synth::synthesize`; whatever the input, nothing panics, and the result is either a
//! template that parses as JSON, or input errors (at least one) whose first one points at
//! a line and column inside the text, unless it is about the whole file.
//!
//! `SAGESYNTH_FUZZ_CASES` sets the number of cases (default 2,000, split between the two
//! properties); `SAGESYNTH_FUZZ_SEED` the seed (fixed by default, so CI is deterministic;
//! `random` explores). Run with `--nocapture` to see the counts and timings. Failures that
//! proptest finds are saved in `tests/fuzz.proptest-regressions` and replayed first.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestCaseError, TestRunner};

use sagesynth::diagnostic::Diagnostic;
use sagesynth::stacks::{InputErrors, load_in};
use sagesynth::synth::{self, Format, SynthError};
use support::stacks;

const NAME: &str = "fuzz-case";
const DISPLAY: &str = "stacks/fuzz-case.yaml";

/// Messages about the whole file, which have no line and column.
const WHOLE_FILE: [&str; 3] = [
    "the definition is empty",
    "is not a valid stack name",
    "not valid UTF-8",
];

/// One case slower than this is a failure (a hang in the making).
const SLOW: Duration = Duration::from_secs(10);

fn total_cases() -> u32 {
    std::env::var("SAGESYNTH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(2_000)
}

/// The seed: fixed by default so that CI is deterministic; set `SAGESYNTH_FUZZ_SEED` to
/// another number (or `random`) to explore further.
fn seed() -> RngSeed {
    match std::env::var("SAGESYNTH_FUZZ_SEED")
        .ok()
        .as_deref()
        .map(str::trim)
    {
        Some("random") => RngSeed::Random,
        Some(n) => RngSeed::Fixed(
            n.parse()
                .expect("SAGESYNTH_FUZZ_SEED is a number or `random`"),
        ),
        None => RngSeed::Fixed(0x5a6e_5e57),
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        rng_seed: seed(),
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        // Shrinking re-runs the whole pipeline; keep a failing run short.
        max_shrink_iters: 2_000,
        ..Config::default()
    })
}

/// Loads `text` as the definition, its script files from the shipped `stacks/` (the
/// mutated studio-private names its lifecycle script there).
fn load(text: &str) -> Result<sagesynth::stacks::LoadedStack, InputErrors> {
    load_in(NAME, DISPLAY, text.to_string(), Some(&stacks::stacks_dir()))
}

/// Runs the pipeline on `text` and checks the outcome. `strict` also requires the input
/// to be accepted (for definitions generated from valid values only).
fn check(text: &str, must_load: bool) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let loaded = load(text);
    let outcome = match loaded {
        Ok(stack) => match synth::synthesize(&stack, Format::Json) {
            Ok(synthesis) => {
                serde_json::from_str::<serde_json::Value>(synthesis.body()).map_err(|e| {
                    TestCaseError::fail(format!("the template body is not JSON: {e}"))
                })?;
                Ok(())
            }
            Err(SynthError::Input(errors)) => check_errors(text, &errors, must_load),
            Err(other) => Err(TestCaseError::fail(format!(
                "synthesis failed outside input errors: {other}"
            ))),
        },
        Err(errors) => check_errors(text, &errors, must_load),
    };
    if started.elapsed() > SLOW {
        return Err(TestCaseError::fail(format!(
            "one case took {:.1} s",
            started.elapsed().as_secs_f64()
        )));
    }
    outcome
}

fn check_errors(text: &str, errors: &InputErrors, must_load: bool) -> Result<(), TestCaseError> {
    let InputErrors(diagnostics) = errors;
    let Some(first) = diagnostics.first() else {
        return Err(TestCaseError::fail("InputErrors with no diagnostic"));
    };
    // Rendering must not panic either (carets under odd characters, long lines).
    let rendered = errors.to_string();
    if must_load {
        return Err(TestCaseError::fail(format!(
            "a definition built from valid values only was refused:\n{rendered}"
        )));
    }
    for d in diagnostics {
        if d.message.trim().is_empty() {
            return Err(TestCaseError::fail(format!("empty message:\n{rendered}")));
        }
        if d.file != DISPLAY {
            return Err(TestCaseError::fail(format!(
                "diagnostic names `{}`, not {DISPLAY}",
                d.file
            )));
        }
        if let Some(p) = d.position
            && !inside(text, p.line, p.column)
        {
            return Err(TestCaseError::fail(format!(
                "position {}:{} is outside the text:\n{rendered}",
                p.line, p.column
            )));
        }
    }
    let whole_file = WHOLE_FILE.iter().any(|m| first.message.contains(m));
    if first.position.is_none() && !whole_file && index_parses(text) {
        return Err(TestCaseError::fail(format!(
            "the first error has no line and column:\n{rendered}"
        )));
    }
    Ok(())
}

/// Whether our position index reads the text (then every error can be located).
fn index_parses(text: &str) -> bool {
    sagesynth::stacks::source::Source::new(DISPLAY, text.to_string()).is_ok()
}

/// `line:column` (1-based) lies in the text, or just past the end of a line or the file.
/// Lines break at `\r\n`, `\n` or a lone `\r`, as YAML counts them.
fn inside(text: &str, line: usize, column: usize) -> bool {
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['\n', '\r']) {
        lines.push(&rest[..i]);
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + skip..];
    }
    lines.push(rest);
    // The end of a file without a final newline counts as the start of the next line.
    let end_of_file = line == lines.len() + 1 && column == 1;
    end_of_file
        || (line >= 1
            && line <= lines.len()
            && column >= 1
            && column <= lines[line - 1].chars().count() + 1)
}

// ---------------------------------------------------------------------------------------
// (a) Mutations of the shipped definition
// ---------------------------------------------------------------------------------------

/// Tokens swapped into the text: YAML syntax, field and component names, values.
const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a",
    "*a",
    "&a [x]",
    "!!str",
    "!!int",
    "!!binary",
    "!Ref",
    "!Sub",
    "!custom",
    "<<",
    "<<: *a",
    "---",
    "...",
    "|",
    ">-",
    "#",
    "'",
    "\"",
    "~",
    "null",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "? ",
    "%YAML 1.2",
    "\t",
    "\r\n",
    "\n",
    "  ",
    "",
    "description",
    "network",
    "studio",
    "bastion",
    "presigned_url",
    "suppressions",
    "escalate",
    "cidr",
    "availability_zones",
    "subnet_prefix_length",
    "endpoints",
    "flow_logs",
    "flow_log_retention_days",
    "domain_name",
    "auth",
    "users",
    "os",
    "instance_type",
    "root_volume_gb",
    "expires_in_seconds",
    "session_expiration_seconds",
    "rule",
    "resource",
    "reason",
    "iam",
    "sso",
    "windows",
    "linux",
    "t3.medium",
    "s3",
    "sagemaker.api",
    "studio",
    "kms",
    "ecr.dkr",
    "10.20.0.0/16",
    "10.20.0.1/16",
    "10.0.0.0/24",
    "fd00::/56",
    "0",
    "-1",
    "1e400",
    "18446744073709551616",
    "4294967296",
    "0x1F",
    ".inf",
    ".nan",
    "2",
    "6",
    "7",
    "28",
    "29",
    "300",
    "43200",
    "${AWS::AccountId}",
    "$(id)",
    "`id`",
    "; rm -rf /",
    "\u{430}lice",
    "\u{200d}",
    "\u{202e}",
    "\u{feff}",
    "ｆｕｌｌ",
    "\u{1F600}",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    Reindent(Index, u8),
    InsertChar(Index, char),
    InsertBytes(Index, Vec<u8>),
    ChangeNumber(Index, String),
    ReplaceToken(Index, Index),
    InsertToken(Index, Index),
    /// A token repeated many times: nesting (`[[[`, `- - -`), long runs, many aliases.
    RepeatToken(Index, Index, usize),
    Truncate(Index),
}

fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0u32..70_000).prop_map(|n| n.to_string()),
        any::<u128>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "1e400", "-0", "0x10", "0o17", "1_000", ".inf", "-.inf", ".nan"
        ])
        .prop_map(str::to_string),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<Index>(), 0u8..7).prop_map(|(i, n)| Mutation::Reindent(i, n)),
        (any::<Index>(), any::<char>()).prop_map(|(i, c)| Mutation::InsertChar(i, c)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..4))
            .prop_map(|(i, b)| Mutation::InsertBytes(i, b)),
        (any::<Index>(), number_text()).prop_map(|(i, n)| Mutation::ChangeNumber(i, n)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::ReplaceToken(i, t)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Mutation::InsertToken(i, t)),
        (any::<Index>(), any::<Index>(), 2usize..300)
            .prop_map(|(i, t, n)| Mutation::RepeatToken(i, t, n)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

/// Spans of maximal runs of bytes matching `keep`.
fn spans(text: &[u8], keep: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, &b) in text.iter().enumerate() {
        match (keep(b), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

fn splice(text: &mut Vec<u8>, (start, end): (usize, usize), with: &[u8]) {
    text.splice(start..end, with.iter().copied());
}

fn apply(text: &mut Vec<u8>, mutation: &Mutation) {
    let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let join = |lines: &[Vec<u8>]| lines.join(&b'\n');
    match mutation {
        Mutation::DeleteLine(i) => {
            lines.remove(i.index(lines.len()));
            *text = join(&lines);
        }
        Mutation::DuplicateLine(i) => {
            let i = i.index(lines.len());
            lines.insert(i, lines[i].clone());
            *text = join(&lines);
        }
        Mutation::SwapLines(a, b) => {
            let n = lines.len();
            lines.swap(a.index(n), b.index(n));
            *text = join(&lines);
        }
        Mutation::Reindent(i, n) => {
            let i = i.index(lines.len());
            let body: Vec<u8> = lines[i]
                .iter()
                .copied()
                .skip_while(|&b| b == b' ')
                .collect();
            lines[i] = [vec![b' '; usize::from(*n)], body].concat();
            *text = join(&lines);
        }
        Mutation::InsertChar(i, c) => {
            let at = char_boundary(text, i.index(text.len() + 1));
            let mut buf = [0; 4];
            splice(text, (at, at), c.encode_utf8(&mut buf).as_bytes());
        }
        Mutation::InsertBytes(i, bytes) => {
            let at = i.index(text.len() + 1);
            splice(text, (at, at), bytes);
        }
        Mutation::ChangeNumber(i, n) => {
            let numbers = spans(text, |b| b.is_ascii_digit());
            if !numbers.is_empty() {
                splice(text, numbers[i.index(numbers.len())], n.as_bytes());
            }
        }
        Mutation::ReplaceToken(i, t) => {
            let tokens = spans(text, |b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/')
            });
            if !tokens.is_empty() {
                let token = TOKENS[t.index(TOKENS.len())];
                splice(text, tokens[i.index(tokens.len())], token.as_bytes());
            }
        }
        Mutation::InsertToken(i, t) => {
            let at = char_boundary(text, i.index(text.len() + 1));
            let token = TOKENS[t.index(TOKENS.len())];
            splice(text, (at, at), token.as_bytes());
        }
        Mutation::RepeatToken(i, t, n) => {
            let at = char_boundary(text, i.index(text.len() + 1));
            let token = TOKENS[t.index(TOKENS.len())].repeat(*n);
            splice(text, (at, at), token.as_bytes());
        }
        Mutation::Truncate(i) => {
            text.truncate(i.index(text.len() + 1));
        }
    }
}

/// The nearest position at or before `at` that does not split a UTF-8 character.
fn char_boundary(text: &[u8], mut at: usize) -> usize {
    while at > 0 && at < text.len() && (text[at] & 0xC0) == 0x80 {
        at -= 1;
    }
    at
}

/// A mutated text, valid UTF-8 or not.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let original = stacks::definition("studio-private").into_bytes();
    prop::collection::vec(mutation(), 1..5).prop_map(move |mutations| {
        let mut text = original.clone();
        for m in &mutations {
            apply(&mut text, m);
        }
        text
    })
}

/// Texts that are not UTF-8 go through `load_file`, the only way the library reads bytes.
fn check_bytes(bytes: &[u8]) -> Result<(), TestCaseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => check(text, false),
        Err(_) => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(format!("{NAME}.yaml"));
            std::fs::write(&path, bytes).unwrap();
            match sagesynth::stacks::load_file(&path, DISPLAY) {
                Ok(_) => Err(TestCaseError::fail("bytes that are not UTF-8 were loaded")),
                Err(errors) => {
                    let _ = errors.to_string();
                    let mentions_utf8 = errors
                        .0
                        .first()
                        .is_some_and(|d| d.message.contains("UTF-8"));
                    prop_assert!(mentions_utf8, "not-UTF-8 error does not say so: {errors}");
                    Ok(())
                }
            }
        }
    }
}

#[test]
fn mutated_shipped_definition_never_panics() {
    let cases = total_cases() / 2;
    let runs = AtomicUsize::new(0);
    let start = Instant::now();
    let loaded = AtomicUsize::new(0);
    let result = runner(cases).run(&mutated(), |bytes| {
        runs.fetch_add(1, Ordering::Relaxed);
        if let Ok(text) = std::str::from_utf8(&bytes)
            && load(text).is_ok()
        {
            loaded.fetch_add(1, Ordering::Relaxed);
        }
        check_bytes(&bytes)
    });
    println!(
        "fuzz (mutations of stacks/studio-private.yaml): {} runs for {cases} cases in {:.1} s; {} still loaded",
        runs.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64(),
        loaded.load(Ordering::Relaxed)
    );
    if let Err(e) = result {
        panic!(
            "{}",
            describe(e, |bytes: &Vec<u8>| String::from_utf8_lossy(bytes)
                .into_owned())
        );
    }
}

// ---------------------------------------------------------------------------------------
// (b) Definitions built from the schema
// ---------------------------------------------------------------------------------------

/// A YAML node as it will be written.
#[derive(Clone, Debug)]
enum Node {
    /// A scalar written exactly as given (plain, quoted, tagged…).
    Raw(String),
    Seq(Vec<Node>, bool),
    Map(Vec<(String, Node)>, bool),
}

/// A generated value and whether it is one the definition format accepts.
#[derive(Clone, Debug)]
struct Gen<T> {
    value: T,
    valid: bool,
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn raw(s: impl Into<String>) -> Node {
    Node::Raw(s.into())
}

fn render(node: &Node, indent: usize, out: &mut String) {
    match node {
        Node::Raw(s) => {
            out.push(' ');
            out.push_str(s);
            out.push('\n');
        }
        Node::Seq(_, flow) | Node::Map(_, flow) if *flow || is_empty(node) => {
            out.push(' ');
            render_flow(node, out);
            out.push('\n');
        }
        Node::Seq(items, _) => {
            out.push('\n');
            for item in items {
                out.push_str(&" ".repeat(indent));
                out.push('-');
                render(item, indent + 2, out);
            }
        }
        Node::Map(entries, _) => {
            out.push('\n');
            for (key, value) in entries {
                out.push_str(&" ".repeat(indent));
                out.push_str(key);
                out.push(':');
                render(value, indent + 2, out);
            }
        }
    }
}

fn is_empty(node: &Node) -> bool {
    match node {
        Node::Seq(items, _) => items.is_empty(),
        Node::Map(entries, _) => entries.is_empty(),
        Node::Raw(_) => false,
    }
}

fn render_flow(node: &Node, out: &mut String) {
    match node {
        Node::Raw(s) => out.push_str(s),
        Node::Seq(items, _) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_flow(item, out);
            }
            out.push(']');
        }
        Node::Map(entries, _) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push_str(": ");
                render_flow(value, out);
            }
            out.push('}');
        }
    }
}

/// Valid choices with their weight, invalid ones (wrong type, out of range, hostile text).
fn pick(bad: u32, valid: Vec<Node>, invalid: Vec<Node>) -> impl Strategy<Value = Gen<Node>> {
    prop_oneof![
        20 => prop::sample::select(valid).prop_map(|value| Gen { value, valid: true }),
        bad => prop::sample::select(invalid).prop_map(|value| Gen { value, valid: false }),
    ]
}

fn raws(items: &[&str]) -> Vec<Node> {
    items.iter().map(|s| raw(*s)).collect()
}

/// Values that are wrong for any field: other types, nulls, tags, aliases, hostile text.
fn anything_wrong() -> Vec<Node> {
    let mut v = raws(&[
        "~",
        "null",
        "\"\"",
        "[]",
        "{}",
        "[a, b]",
        "{a: b}",
        "true",
        "yes",
        "1e400",
        "18446744073709551616",
        "-1",
        "!!binary aGVsbG8=",
        "!Ref Thing",
        "*nowhere",
        "\"${AWS::AccountId}\"",
        "\"$(id)\"",
        "\"\\u0000\"",
        "\"a\\nb\"",
        "\"\u{430}\"",
    ]);
    v.push(Node::Seq(vec![raw("x")], false));
    v
}

fn with_wrong(mut invalid: Vec<Node>) -> Vec<Node> {
    invalid.extend(anything_wrong());
    invalid
}

const ENDPOINTS: [&str; 13] = [
    "s3",
    "sagemaker.api",
    "sagemaker.runtime",
    "studio",
    "sts",
    "logs",
    "monitoring",
    "kms",
    "ecr.api",
    "ecr.dkr",
    "ssm",
    "ssmmessages",
    "ec2messages",
];

const RETENTION: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// A VPC CIDR and its prefix length (when valid).
fn cidr(bad: u32) -> impl Strategy<Value = (Gen<Node>, Option<u8>)> {
    prop_oneof![
        20 => (prop::sample::select(vec![10u8, 172, 192]), 16u8..=24).prop_map(|(first, prefix)| {
            let second = match first {
                10 => 20,
                172 => 16,
                _ => 168,
            };
            (
                Gen { value: raw(format!("{first}.{second}.0.0/{prefix}")), valid: true },
                Some(prefix),
            )
        }),
        bad => prop::sample::select(with_wrong(raws(&[
            "10.20.0.1/16", "10.0.0.0/8", "10.20.0.0/25", "10.20.0.0/33", "fd00::/56",
            "10.20.0.0", "nope", "\"10.20.0.0/16 \"", "300.1.0.0/16",
        ])))
        .prop_map(|value| (Gen { value, valid: false }, None)),
    ]
}

fn uint_in(
    bad: u32,
    range: std::ops::RangeInclusive<u32>,
    wrong: &[&str],
) -> impl Strategy<Value = Gen<Node>> {
    let (lo, hi) = (*range.start(), *range.end());
    prop_oneof![
        20 => (lo..=hi).prop_map(|n| Gen { value: raw(n.to_string()), valid: true }),
        bad => prop_oneof![
            (0u32..=lo.saturating_sub(1)).prop_map(|n| n.to_string()),
            (hi.saturating_add(1)..=hi.saturating_add(100_000)).prop_map(|n| n.to_string()),
            prop::sample::select(wrong.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        ]
        .prop_map(|s| Gen { value: raw(s), valid: false }),
    ]
}

/// A SageMaker name: valid ones of every length up to 63, invalid ones beyond.
fn sagemaker_name(bad: u32) -> impl Strategy<Value = Gen<String>> {
    prop_oneof![
        16 => "[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,8}){0,2}".prop_map(|value| Gen { value, valid: true }),
        4 => "[a-zA-Z0-9]{63}".prop_map(|value| Gen { value, valid: true }),
        bad => prop_oneof![
            "[a-z]{64,70}",
            "-[a-z]{1,5}",
            "[a-z]{1,5}-",
            "[a-z]{1,3}[_@. /:$`;'\"][a-z]{1,3}",
            "[a-z]{0,3}[\u{400}-\u{4ff}\u{200b}-\u{200f}\u{202a}-\u{202e}\u{ff01}-\u{ff5e}][a-z]{0,3}",
            Just(String::new()),
        ]
        .prop_map(|value| Gen { value, valid: false }),
    ]
}

/// The logical ID a user name becomes (case and hyphens ignored).
fn user_key(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[derive(Clone, Debug)]
struct Definition {
    text: String,
    /// Every value is valid and the components fit together: it must load.
    must_load: bool,
}

#[derive(Clone, Debug)]
struct Parts {
    description: Option<Gen<Node>>,
    network: Option<NetworkParts>,
    studio: Option<StudioParts>,
    bastion: Option<BastionParts>,
    /// `expires_in_seconds` and `session_expiration_seconds`.
    presigned: Option<PresignedParts>,
    extra: Option<(String, Node)>,
    flow_style: bool,
}

/// `expires_in_seconds` and `session_expiration_seconds`, each optional.
type PresignedParts = (Option<Gen<Node>>, Option<Gen<Node>>);

#[derive(Clone, Debug)]
struct NetworkParts {
    cidr: Option<(Gen<Node>, Option<u8>)>,
    azs: Option<(Gen<Node>, Option<u32>)>,
    subnet_prefix: Option<(Gen<Node>, Option<u32>)>,
    endpoints: Option<Gen<Node>>,
    flow_logs: Option<Gen<Node>>,
    retention: Option<Gen<Node>>,
}

#[derive(Clone, Debug)]
struct StudioParts {
    domain_name: Option<Gen<String>>,
    auth: Option<Gen<Node>>,
    users: Option<Vec<Gen<String>>>,
}

#[derive(Clone, Debug)]
struct BastionParts {
    os: Option<(Gen<Node>, u32)>,
    instance_type: Option<Gen<Node>>,
    root_volume: Option<(Gen<Node>, Option<u32>)>,
}

fn number_with_value(
    bad: u32,
    range: std::ops::RangeInclusive<u32>,
    wrong: &[&str],
) -> impl Strategy<Value = (Gen<Node>, Option<u32>)> {
    uint_in(bad, range, wrong).prop_map(|g| {
        let n = match &g.value {
            Node::Raw(s) => s.parse().ok(),
            _ => None,
        };
        (g, n)
    })
}

fn network(bad: u32) -> impl Strategy<Value = NetworkParts> {
    let endpoints = prop_oneof![
        20 => prop::sample::subsequence(ENDPOINTS.to_vec(), 0..=ENDPOINTS.len()).prop_map(|names| Gen {
            value: Node::Seq(names.into_iter().map(raw).collect(), true),
            valid: true,
        }),
        bad => prop::sample::select(with_wrong(vec![
            Node::Seq(raws(&["s3", "s3"]), true),
            Node::Seq(raws(&["s4"]), true),
            Node::Seq(raws(&["S3"]), true),
            raw("s3"),
        ]))
        .prop_map(|value| Gen { value, valid: false }),
    ];
    (
        prop::option::weighted(0.95, cidr(bad)),
        prop::option::of(number_with_value(bad, 2..=6, &["two", "2.0", "0x2"])),
        prop::option::weighted(0.3, number_with_value(bad, 16..=28, &["/20", "20.5"])),
        prop::option::of(endpoints),
        prop::option::weighted(
            0.3,
            pick(
                bad,
                raws(&["true", "false"]),
                with_wrong(raws(&["\"true\"", "on", "1"])),
            ),
        ),
        prop::option::weighted(
            0.3,
            pick(
                bad,
                RETENTION.iter().map(|d| raw(d.to_string())).collect(),
                with_wrong(raws(&["0", "2", "366", "65536", "4000"])),
            ),
        ),
    )
        .prop_map(
            |(cidr, azs, subnet_prefix, endpoints, flow_logs, retention)| NetworkParts {
                cidr,
                azs,
                subnet_prefix,
                endpoints,
                flow_logs,
                retention,
            },
        )
}

fn studio(bad: u32) -> impl Strategy<Value = StudioParts> {
    (
        prop::option::weighted(0.4, sagemaker_name(bad)),
        prop::option::weighted(
            0.5,
            pick(
                bad,
                raws(&["iam"]),
                with_wrong(raws(&["IAM", "sso", "[iam]"])),
            ),
        ),
        prop::option::weighted(0.9, prop::collection::vec(sagemaker_name(bad), 0..12)),
    )
        .prop_map(|(domain_name, auth, users)| StudioParts {
            domain_name,
            auth,
            users,
        })
}

fn bastion(bad: u32) -> impl Strategy<Value = BastionParts> {
    let os = prop_oneof![
        20 => prop::sample::select(vec![("windows", 30u32), ("linux", 8)])
            .prop_map(|(os, min)| (Gen { value: raw(os), valid: true }, min)),
        bad => prop::sample::select(with_wrong(raws(&["Windows", "macos", "2022"])))
            .prop_map(|value| (Gen { value, valid: false }, 30)),
    ];
    (
        prop::option::weighted(0.6, os),
        prop::option::weighted(
            0.5,
            pick(
                bad,
                raws(&["t3.medium", "m5.large", "c6i.xlarge", "t3a.micro"]),
                with_wrong(raws(&[
                    "T3.MEDIUM",
                    "t3.",
                    ".medium",
                    "t3medium",
                    "t3.medium; id",
                ])),
            ),
        ),
        prop::option::weighted(0.4, number_with_value(bad, 1..=16_384, &["50GB", "50.5"])),
    )
        .prop_map(|(os, instance_type, root_volume)| BastionParts {
            os,
            instance_type,
            root_volume,
        })
}

fn parts(bad: u32) -> impl Strategy<Value = Parts> {
    (
        prop::option::weighted(
            0.5,
            prop_oneof![
                20 => "[ -~]{0,80}".prop_map(|s| Gen { value: raw(quoted(&s)), valid: true }),
                bad => "[a-z\u{e9}\u{20ac}]{1000,1100}".prop_map(|s| {
                    let valid = s.len() <= 1024;
                    Gen { value: raw(quoted(&s)), valid }
                }),
                bad => prop::sample::select(vec![raw("[a]"), raw("{a: b}"), raw("!!binary aGk=")])
                    .prop_map(|value| Gen { value, valid: false }),
            ],
        ),
        prop::option::weighted(0.9, network(bad)),
        prop::option::weighted(0.7, studio(bad)),
        prop::option::weighted(0.6, bastion(bad)),
        prop::option::weighted(
            0.5,
            (
                prop::option::of(uint_in(bad, 5..=300, &["5m", "true"])),
                prop::option::of(uint_in(bad, 1800..=43_200, &["12h", "-1"])),
            ),
        ),
        prop::option::weighted(
            f64::from(bad) / 40.0,
            prop::sample::select(vec![
                ("vpc".to_string(), raw("{}")),
                ("netwrok".to_string(), raw("{}")),
                ("escalate".to_string(), raw("[NOPE]")),
                ("suppressions".to_string(), raw("[{rule: X}]")),
                ("\"network \"".to_string(), raw("{}")),
                ("<<".to_string(), raw("{a: 1}")),
            ]),
        ),
        any::<bool>(),
    )
        .prop_map(
            |(description, network, studio, bastion, presigned, extra, flow_style)| Parts {
                description,
                network,
                studio,
                bastion,
                presigned,
                extra,
                flow_style,
            },
        )
}

fn field(
    entries: &mut Vec<(String, Node)>,
    valid: &mut bool,
    key: &str,
    value: Option<&Gen<Node>>,
) {
    if let Some(g) = value {
        *valid &= g.valid;
        entries.push((key.to_string(), g.value.clone()));
    }
}

fn name_node(name: &str) -> Node {
    if name.is_empty()
        || name.starts_with('-')
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        raw(quoted(name))
    } else if name.chars().all(|c| c.is_ascii_digit()) {
        // A plain number reads as a name too, but keep the text unambiguous.
        raw(quoted(name))
    } else {
        raw(name.to_string())
    }
}

/// Builds the text and works out whether every value is valid and the parts fit.
fn assemble(p: &Parts) -> Definition {
    let mut valid = true;
    let mut top: Vec<(String, Node)> = Vec::new();
    field(&mut top, &mut valid, "description", p.description.as_ref());

    if let Some(n) = &p.network {
        let mut e = Vec::new();
        match &n.cidr {
            Some((g, _)) => field(&mut e, &mut valid, "cidr", Some(g)),
            None => valid = false,
        }
        field(
            &mut e,
            &mut valid,
            "availability_zones",
            n.azs.as_ref().map(|(g, _)| g),
        );
        field(
            &mut e,
            &mut valid,
            "subnet_prefix_length",
            n.subnet_prefix.as_ref().map(|(g, _)| g),
        );
        field(&mut e, &mut valid, "endpoints", n.endpoints.as_ref());
        field(&mut e, &mut valid, "flow_logs", n.flow_logs.as_ref());
        field(
            &mut e,
            &mut valid,
            "flow_log_retention_days",
            n.retention.as_ref(),
        );
        // Do the subnets fit? (AZs rounded up to a power of two, each of the prefix.)
        if let Some((_, Some(vpc))) = &n.cidr {
            let azs = n.azs.as_ref().map_or(Some(2), |(_, a)| *a);
            let prefix = match &n.subnet_prefix {
                Some((_, p)) => *p,
                None => Some((u32::from(*vpc) + 4).min(28)),
            };
            if let (Some(azs), Some(prefix)) = (azs, prefix) {
                // (An AZ count of 0 is invalid already.)
                if let Some(below) = azs.checked_sub(1) {
                    let smallest = u32::from(*vpc) + (u32::BITS - below.leading_zeros());
                    if prefix > 28 || prefix < smallest {
                        valid = false;
                    }
                }
            }
        }
        top.push(("network".to_string(), Node::Map(e, p.flow_style)));
    }

    if let Some(s) = &p.studio {
        let mut e = Vec::new();
        if let Some(name) = &s.domain_name {
            valid &= name.valid;
            e.push(("domain_name".to_string(), name_node(&name.value)));
        }
        field(&mut e, &mut valid, "auth", s.auth.as_ref());
        if let Some(users) = &s.users {
            let mut keys = std::collections::HashSet::new();
            for u in users {
                valid &= u.valid && keys.insert(user_key(&u.value));
            }
            let nodes = users.iter().map(|u| name_node(&u.value)).collect();
            e.push(("users".to_string(), Node::Seq(nodes, p.flow_style)));
        }
        valid &= p.network.is_some();
        top.push(("studio".to_string(), Node::Map(e, false)));
    }

    if let Some(b) = &p.bastion {
        let mut e = Vec::new();
        let min = b.os.as_ref().map_or(30, |(_, min)| *min);
        field(&mut e, &mut valid, "os", b.os.as_ref().map(|(g, _)| g));
        field(
            &mut e,
            &mut valid,
            "instance_type",
            b.instance_type.as_ref(),
        );
        if let Some((g, size)) = &b.root_volume {
            valid &= size.is_some_and(|s| s >= min);
            field(&mut e, &mut valid, "root_volume_gb", Some(g));
        }
        valid &= p.network.is_some();
        top.push(("bastion".to_string(), Node::Map(e, p.flow_style)));
    }

    if let Some((expires, session)) = &p.presigned {
        let mut e = Vec::new();
        field(&mut e, &mut valid, "expires_in_seconds", expires.as_ref());
        field(
            &mut e,
            &mut valid,
            "session_expiration_seconds",
            session.as_ref(),
        );
        valid &= p.studio.is_some() && p.bastion.is_some();
        // People (the default issuer) open the profile named like their IAM user, which
        // SageMaker compares in lower case: profile names with capitals are refused.
        let capitals = p
            .studio
            .as_ref()
            .and_then(|s| s.users.as_ref())
            .is_some_and(|users| {
                users
                    .iter()
                    .any(|u| u.value.chars().any(|c| c.is_ascii_uppercase()))
            });
        valid &= !capitals;
        top.push(("presigned_url".to_string(), Node::Map(e, false)));
    }

    if let Some((key, value)) = &p.extra {
        valid = false;
        top.push((key.clone(), value.clone()));
    }
    // An empty definition is an input error of its own.
    valid &= !top.is_empty();

    let mut text = String::new();
    if top.is_empty() {
        text.push_str("{}\n");
    }
    for (key, value) in &top {
        text.push_str(key);
        text.push(':');
        render(value, 2, &mut text);
    }
    Definition {
        text,
        must_load: valid,
    }
}

#[test]
fn generated_definitions_never_panic() {
    let cases = total_cases() - total_cases() / 2;
    let runs = AtomicUsize::new(0);
    let loaded = AtomicUsize::new(0);
    let start = Instant::now();
    let definitions = prop_oneof![Just(1u32), Just(10u32)]
        .prop_flat_map(parts)
        .prop_map(|p| assemble(&p));
    let must_load = AtomicUsize::new(0);
    let result = runner(cases).run(&definitions, |d| {
        if d.must_load {
            must_load.fetch_add(1, Ordering::Relaxed);
        }
        runs.fetch_add(1, Ordering::Relaxed);
        if load(&d.text).is_ok() {
            loaded.fetch_add(1, Ordering::Relaxed);
        }
        check(&d.text, d.must_load)
    });
    println!(
        "fuzz (definitions from the schema): {} runs for {cases} cases in {:.1} s; {} loaded, {} built from valid values only",
        runs.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64(),
        loaded.load(Ordering::Relaxed),
        must_load.load(Ordering::Relaxed)
    );
    if let Err(e) = result {
        panic!("{}", describe(e, |d: &Definition| d.text.clone()));
    }
}

/// proptest's failure, with the minimal input shown as text.
fn describe<T>(error: proptest::test_runner::TestError<T>, text: impl Fn(&T) -> String) -> String {
    match error {
        proptest::test_runner::TestError::Fail(reason, value) => {
            let text = text(&value);
            format!(
                "minimal failing input ({reason}):\n----\n{text}\n----\nas a Rust string: {text:?}"
            )
        }
        proptest::test_runner::TestError::Abort(reason) => format!("proptest aborted: {reason}"),
    }
}

/// The checks above must themselves tell good from bad.
#[test]
fn the_oracle_accepts_the_shipped_definition_and_locates_errors() {
    let text = stacks::definition("studio-private");
    check(&text, true).unwrap();
    let broken = text.replace("availability_zones: 2", "availability_zones: two");
    let errors = load(&broken).unwrap_err();
    let first: &Diagnostic = &errors.0[0];
    assert!(first.position.is_some(), "{errors}");
    check(&broken, false).unwrap();
    assert!(check(&broken, true).is_err());
}
