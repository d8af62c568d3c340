//! Every graph docs/stacks.md embeds renders with real Mermaid in a real browser, and each
//! picture in docs/graphs/ was drawn from the Mermaid text `synth graph` prints now:
//! `.ci/render-graphs.sh --check`, with the pinned mermaid-cli of `.ci/mermaid/` and
//! Debian's chromium that `.ci/tools.sh` installs (a failure in CI when they are missing).
//!
//! The structural check of tests/graph.rs catches most broken flowcharts without a
//! browser; this one catches what only Mermaid's own parser and layout reject.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[test]
fn every_embedded_graph_renders_and_its_picture_is_current() {
    let root = support::manifest_dir();
    let mmdc = root.join(".ci/mermaid/node_modules/.bin/mmdc");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !mmdc.exists() || !Path::new(&chromium).exists() {
        support::skip(
            "every_embedded_graph_renders_and_its_picture_is_current",
            &format!(
                "{} or {chromium} is missing; install them with `bash .ci/tools.sh`",
                mmdc.display()
            ),
        );
        return;
    }
    let out = support::run_bounded(
        Command::new("bash")
            .arg(root.join(".ci/render-graphs.sh"))
            .arg("--check")
            .env("SYNTH", env!("CARGO_BIN_EXE_synth"))
            .current_dir(root),
        Duration::from_secs(900),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        ".ci/render-graphs.sh --check failed (exit {:?}):\n{stdout}\n{stderr}",
        out.status.code()
    );
    assert!(
        stdout
            .lines()
            .filter(|l| l.starts_with("ok docs/graphs/"))
            .count()
            >= 7,
        "fewer pictures checked than shipped graphs:\n{stdout}"
    );
    println!("{stdout}");
}
