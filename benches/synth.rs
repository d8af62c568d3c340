//! In-process synthesis benchmark: load + compose + render + validate the shipped
//! studio-private definition, and the same definition with 100 and 1,000 users
//! (generated in memory). Run with `cargo bench --bench synth`.
//!
//! A plain timing harness: each case is warmed up, then timed over enough iterations
//! to take about a second; the median of 15 such batches is reported per synth.

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
    assert!(
        users == 2 || replaced != base,
        "the user list was not found"
    );
    replaced
}

fn synth_once(text: &str) -> usize {
    let stack = stacks::load_str(
        "studio-private",
        "stacks/studio-private.yaml",
        text.to_string(),
    )
    .expect("the definition is valid");
    let s = synth::synthesize(&stack, Format::Json).expect("it synthesizes");
    s.body.len()
}

fn measure(label: &str, text: &str) {
    let bytes = synth_once(text);
    // Calibrate: iterations per batch of ~70 ms.
    let start = Instant::now();
    let mut calibration = 0u32;
    while start.elapsed() < Duration::from_millis(70) {
        black_box(synth_once(black_box(text)));
        calibration += 1;
    }
    let mut per_synth: Vec<Duration> = (0..15)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calibration {
                black_box(synth_once(black_box(text)));
            }
            start.elapsed() / calibration
        })
        .collect();
    per_synth.sort();
    let median = per_synth[per_synth.len() / 2];
    println!(
        "{label:<28} {:>10.1} µs/synth  (min {:>8.1}, max {:>8.1})  {:>9} bytes of JSON",
        median.as_secs_f64() * 1e6,
        per_synth[0].as_secs_f64() * 1e6,
        per_synth[per_synth.len() - 1].as_secs_f64() * 1e6,
        bytes
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this once as a smoke test.
    let quick = !std::env::args().any(|a| a == "--bench");
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks/studio-private.yaml"),
    )
    .expect("stacks/studio-private.yaml");
    let cases = [
        ("studio-private (2 users)", definition_with_users(&base, 2)),
        (
            "studio-private, 100 users",
            definition_with_users(&base, 100),
        ),
        (
            "studio-private, 1,000 users",
            definition_with_users(&base, 1000),
        ),
    ];
    for (label, text) in &cases {
        if quick {
            println!("{label}: {} bytes", synth_once(text));
        } else {
            measure(label, text);
        }
    }
}
