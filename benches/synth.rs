//! In-process synthesis benchmark: load + compose + render + validate (the whole rule
//! pack), each template's text handed over and dropped as `--check` does, of every
//! shipped stack, and of the studio-private definition with 2, 100, 1,000
//! and 10,000 users, with `split: nested` above 150 users (generated in memory: the same
//! definitions `.ci/measure-cli.py` times as whole processes, so the two tables can be
//! read side by side). Run with `cargo bench --bench synth`.
//!
//! A plain timing harness: each case is warmed up, then timed in batches of about 70 ms;
//! the median of 15 batches is reported per synth, with the bytes of JSON produced, and
//! for the user series the cost of each added user since the previous size (flat when
//! nothing is quadratic).

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sagesynth::stacks;
use sagesynth::synth::{self, Format, Handover};
use sagesynth::template::FileExtension;

/// The user counts of the scaling series.
const USERS: [usize; 4] = [2, 100, 1_000, 10_000];

/// Above this many users the definition says `split: nested` (one template holds at most
/// about 150 user profiles within CloudFormation's limits).
const SPLIT_ABOVE: usize = 150;

/// The shipped studio-private definition with `users` users (`split: nested` above
/// [`SPLIT_ABOVE`]).
fn definition_with_users(base: &str, users: usize) -> String {
    let list: String = (1..=users)
        .map(|i| format!("    - data-scientist-{i}\n"))
        .collect();
    let shipped = "    - data-scientist-1\n    - data-scientist-2\n";
    assert!(base.contains(shipped), "the user list was not found");
    let replaced = base.replace(shipped, &list);
    if users > SPLIT_ABOVE {
        format!("{replaced}\nsplit: nested\n")
    } else {
        replaced
    }
}

/// Loads a definition as if from `stacks/`, where the shipped definitions' script files are.
fn load(name: &str, text: &str, folder: &Path) -> stacks::LoadedStack {
    stacks::load_in(
        name,
        &format!("stacks/{name}.yaml"),
        text.to_string(),
        Some(folder),
    )
    .expect("the definition is valid")
}

/// Takes each template's text as `--out` and `--check` do, the moment it is judged, and
/// keeps only its length: the pipeline as the CLI runs it, without the files.
#[derive(Default)]
struct CountBytes(AtomicUsize);

impl Handover for CountBytes {
    fn hand_over(&self, _file_name: String, body: String) {
        self.0.fetch_add(body.len(), Ordering::Relaxed);
    }
}

fn synth_once(name: &str, text: &str) -> usize {
    // Read as if from `stacks/`, where the shipped definitions' script files are.
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks");
    let stack = load(name, text, &folder);
    let bytes = CountBytes::default();
    let s = synth::synthesize_into(&stack, Format::Json, &bytes).expect("it synthesizes");
    black_box(s);
    bytes.0.into_inner()
}

/// Median time per synth, and bytes of output.
fn measure(name: &str, text: &str) -> (Duration, usize) {
    let bytes = synth_once(name, text);
    let start = Instant::now();
    let mut per_batch = 0u32;
    while start.elapsed() < Duration::from_millis(70) {
        black_box(synth_once(name, black_box(text)));
        per_batch += 1;
    }
    let mut samples: Vec<Duration> = (0..15)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                black_box(synth_once(name, black_box(text)));
            }
            start.elapsed() / per_batch
        })
        .collect();
    samples.sort();
    (samples[samples.len() / 2], bytes)
}

/// The phases of one synth, as the CLI runs them: load (parse and check the definition),
/// compose, the JSON tree, the rendered body, and validation (the rule pack), each for the
/// template and its children.
const PHASES: [&str; 5] = ["load", "compose", "JSON tree", "render", "validate"];

/// Median time of each phase of one synth of `text`.
fn phases(name: &str, text: &str) -> [Duration; 5] {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks");
    let mut samples: Vec<[Duration; 5]> = Vec::new();
    let start = Instant::now();
    while samples.len() < 15
        || (start.elapsed() < Duration::from_millis(700) && samples.len() < 200)
    {
        let mut times = [Duration::ZERO; 5];
        let t = Instant::now();
        let stack = load(name, text, &folder);
        times[0] = t.elapsed();
        let t = Instant::now();
        let composition = stacks::compose_for(&stack, FileExtension::Json).expect("it composes");
        times[1] = t.elapsed();
        let mut pending = vec![(composition, false)];
        while let Some((c, nested)) = pending.pop() {
            let t = Instant::now();
            let json = synth::json_tree(&c.template);
            times[2] += t.elapsed();
            let t = Instant::now();
            let (body, size) = synth::render_template(&json, Format::Json, !nested);
            black_box(&body);
            times[3] += t.elapsed();
            let t = Instant::now();
            if nested {
                black_box(sagesynth::validate::validate_nested(&json, size));
            } else {
                black_box(sagesynth::validate::validate(&json, size));
            }
            times[4] += t.elapsed();
            pending.extend(c.children.into_iter().map(|(_, child)| (child, true)));
        }
        samples.push(times);
    }
    std::array::from_fn(|i| {
        let mut column: Vec<Duration> = samples.iter().map(|s| s[i]).collect();
        column.sort();
        column[column.len() / 2]
    })
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs each case once.
    let quick = !std::env::args().any(|a| a == "--bench");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases: Vec<(String, String, String)> = Vec::new();
    for (name, path) in synth::discover(&root.join("stacks")).expect("stacks/") {
        let text = std::fs::read_to_string(path).expect("readable");
        cases.push((name.clone(), name, text));
    }
    let base =
        std::fs::read_to_string(root.join("stacks/studio-private.yaml")).expect("studio-private");
    let series: Vec<(String, String, String)> = USERS
        .iter()
        .map(|&users| {
            (
                format!("studio-private, {users} users"),
                "studio-private".to_string(),
                definition_with_users(&base, users),
            )
        })
        .collect();
    if quick {
        for (label, name, text) in cases.iter().chain(&series) {
            println!("{label}: {} bytes", synth_once(name, text));
        }
        return;
    }
    for (label, name, text) in &cases {
        let (time, bytes) = measure(name, text);
        println!(
            "{label:<32} {:>11.1} µs/synth {:>10} bytes of JSON",
            time.as_secs_f64() * 1e6,
            bytes
        );
    }
    // The cost of each added user between two sizes: flat when nothing is quadratic.
    let mut previous: Option<(usize, Duration)> = None;
    for ((label, name, text), users) in series.iter().zip(USERS) {
        let (time, bytes) = measure(name, text);
        let per_user = match previous {
            Some((prev_users, prev)) => format!(
                "  {:>6.2} µs per added user",
                (time.as_secs_f64() - prev.as_secs_f64()) * 1e6 / (users - prev_users) as f64
            ),
            None => String::new(),
        };
        println!(
            "{label:<32} {:>11.1} µs/synth {:>10} bytes of JSON{per_user}",
            time.as_secs_f64() * 1e6,
            bytes
        );
        previous = Some((users, time));
    }
    // Where the time goes, phase by phase: medians of separate runs, each phase summed
    // over the templates of a run on this one thread. So the sum is close to the whole
    // of a single template; a split run's whole renders its children on the machine's
    // cores and takes less (at 10,000 users, about three quarters of the sum).
    println!();
    println!(
        "{:<32} {}",
        "phases (median µs, one thread)",
        PHASES.map(|p| format!("{p:>10}")).join(" ")
    );
    for (label, name, text) in &series {
        let times = phases(name, text);
        println!(
            "{label:<32} {}",
            times
                .map(|t| format!("{:>10.1}", t.as_secs_f64() * 1e6))
                .join(" ")
        );
    }
}
