//! In-process synthesis benchmark: load + compose + render + validate (the whole rule
//! pack) of every shipped stack, of the studio-private definition with 10, 100, 1,000
//! and 10,000 users (generated in memory; from 1,000 users that one template breaks
//! CloudFormation's limits, which the rule pack reports), and of the same with
//! `split: nested` and 1,000 and 10,000 users (parent and children). Run with
//! `cargo bench --bench synth`.
//!
//! A plain timing harness: each case is warmed up, then timed in batches of about 70 ms;
//! the median of 15 batches is reported per synth, with the bytes of JSON produced and the
//! growth against the previous size (10× the users should cost about 10× the time).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use sagesynth::stacks;
use sagesynth::synth::{self, Format};

fn definition_with_users(base: &str, users: usize) -> String {
    let list: String = (1..=users)
        .map(|i| format!("    - data-scientist-{i}\n"))
        .collect();
    let replaced = base.replace("    - data-scientist-1\n    - data-scientist-2\n", &list);
    assert!(replaced != base, "the user list was not found");
    replaced
}

fn synth_once(name: &str, text: &str) -> usize {
    // Read as if from `stacks/`, where the shipped definitions' script files are.
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks");
    let stack = stacks::load_in(
        name,
        &format!("stacks/{name}.yaml"),
        text.to_string(),
        Some(&folder),
    )
    .expect("the definition is valid");
    let s = synth::synthesize(&stack, Format::Json).expect("it synthesizes");
    s.all().iter().map(|t| t.body.len()).sum()
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
    for users in [10, 100, 1_000, 10_000] {
        cases.push((
            format!("studio-private, {users} users"),
            "studio-private".to_string(),
            definition_with_users(&base, users),
        ));
    }
    for users in [1_000, 10_000] {
        cases.push((
            format!("split: nested, {users} users"),
            "studio-private".to_string(),
            format!("{}\nsplit: nested\n", definition_with_users(&base, users)),
        ));
    }
    // The growth of a case is against the previous case of the same series.
    let mut previous: Option<(String, Duration)> = None;
    for (label, name, text) in &cases {
        if quick {
            println!("{label}: {} bytes", synth_once(name, text));
            continue;
        }
        let (time, bytes) = measure(name, text);
        let series = label.split_once(", ").map(|(series, _)| series.to_string());
        let growth = match (&series, &previous) {
            (Some(series), Some((prev_series, prev))) if series == prev_series => format!(
                "  ×{:.1} vs previous size",
                time.as_secs_f64() / prev.as_secs_f64()
            ),
            _ => String::new(),
        };
        println!(
            "{label:<32} {:>11.1} µs/synth {:>10} bytes of JSON{growth}",
            time.as_secs_f64() * 1e6,
            bytes
        );
        if let Some(series) = series {
            previous = Some((series, time));
        }
    }
}
