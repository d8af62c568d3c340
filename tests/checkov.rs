//! Every shipped template passes checkov: no failed check, except the ones listed in
//! [`KNOWN_FAILURES`], which the test asserts exactly (a new failure fails the test, and so
//! does a listed one that no longer happens: the list can only shrink). A check that does not
//! fit a resource is not listed here but skipped in the template itself
//! (`Metadata.checkov.skip`, with its reason), where every reader of the template sees it.
//!
//! Besides `out/` (which holds the StackSet member template), the nested-stack child
//! templates of a `split: nested` Studio domain are checked, and the template of the test
//! definition `tests/data/studio-images.yaml` (Studio custom images, in no shipped stack):
//! they are synthesized in process into a scratch folder.
//!
//! Needs `checkov` (pinned in `.ci/requirements-checkov.txt`; `bash .ci/tools.sh` installs it
//! into `.venv-checkov/`). Without it the test is skipped, except in CI (`CI=true`), where it
//! fails.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

/// Failed checks still to fix, as (template file name, check id, checkov's resource name
/// `Type.LogicalId`). Issue 16 removes them one by one; the list must not grow.
const KNOWN_FAILURES: &[(&str, &str, &str)] = &[];

/// The nested-stack templates of a Studio domain split in child stacks: the shipped
/// studio-private definition with `split: nested`, written into `dir`.
fn split_templates(dir: &std::path::Path) -> Vec<PathBuf> {
    let text = format!(
        "{}\nsplit: nested\n",
        support::stacks::definition("studio-private")
    );
    let synthesis = support::stacks::synthesize("studio-private", &text);
    synthesis
        .children
        .iter()
        .map(|t| {
            let path = dir.join(format!("{}.template.json", t.name));
            std::fs::write(&path, t.body()).unwrap();
            path
        })
        .collect()
}

fn read_test_definition(name: &str) -> String {
    let file = format!("tests/data/{name}.yaml");
    std::fs::read_to_string(support::manifest_dir().join(&file))
        .unwrap_or_else(|e| panic!("reading {file}: {e}"))
}

#[test]
fn shipped_templates_pass_checkov() {
    let Some(checkov) = support::require_tool("checkov", "checkov") else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let mut templates = support::shipped_templates();
    let children = split_templates(scratch.path());
    assert!(
        !children.is_empty(),
        "the split definition has no child template"
    );
    templates.extend(children);
    // Studio custom images appear in no shipped stack (moto cannot deploy them), so their
    // test definition's template is scanned with the rest.
    let images = scratch.path().join("studio-images.template.json");
    std::fs::write(
        &images,
        support::stacks::synthesize("studio-images", &read_test_definition("studio-images")).body(),
    )
    .unwrap();
    templates.push(images);

    let mut cmd = Command::new(&checkov);
    support::clear_aws_env(&mut cmd)
        .current_dir(support::manifest_dir())
        // No Prisma Cloud account: nothing to download, nothing to upload.
        .env("BC_SKIP_MAPPING", "TRUE")
        .args([
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--quiet",
        ])
        .arg("--skip-download")
        .arg("--file")
        .args(&templates);
    let out = support::run_bounded(&mut cmd, Duration::from_secs(600));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Exit status: 0 when nothing failed, 1 when a check failed; anything else is a failure
    // of the run itself.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "checkov did not run (exit status {:?})\ncommand: {cmd:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status.code()
    );
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("checkov's output is not JSON ({e}):\n{stdout}\n--- stderr ---\n{stderr}")
    });
    // One framework gives one report object; several would give a list.
    let reports: Vec<&Value> = match &report {
        Value::Array(list) => list.iter().collect(),
        other => vec![other],
    };
    let mut failed = BTreeSet::new();
    let mut parsed = 0;
    for r in &reports {
        parsed += r["summary"]["resource_count"].as_u64().unwrap_or(0);
        assert_eq!(
            r["summary"]["parsing_errors"].as_u64().unwrap_or(0),
            0,
            "checkov could not parse a template:\n{stdout}"
        );
        for c in r["results"]["failed_checks"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let file = c["file_path"].as_str().unwrap_or_default();
            let file = file.rsplit('/').next().unwrap_or(file).to_string();
            failed.insert((
                file,
                c["check_id"].as_str().unwrap_or_default().to_string(),
                c["resource"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    assert!(parsed > 0, "checkov read no resource:\n{stdout}\n{stderr}");
    let known: BTreeSet<(String, String, String)> = KNOWN_FAILURES
        .iter()
        .map(|(f, c, r)| (f.to_string(), c.to_string(), r.to_string()))
        .collect();
    let new: Vec<String> = failed
        .difference(&known)
        .map(|(f, c, r)| format!("{c} {r} in {f}"))
        .collect();
    let fixed: Vec<String> = known
        .difference(&failed)
        .map(|(f, c, r)| format!("{c} {r} in {f}"))
        .collect();
    assert!(
        new.is_empty() && fixed.is_empty(),
        "checkov's failed checks differ from KNOWN_FAILURES.\n\
         new failures (fix the template, or skip the check on the resource with a reason):\n  {}\n\
         no longer failing (remove them from KNOWN_FAILURES):\n  {}",
        new.join("\n  "),
        fixed.join("\n  ")
    );
    println!(
        "checkov: {} template(s), {parsed} resources, {} known failure(s) left",
        templates.len(),
        known.len()
    );
}
