//! Findings as JSON: one object per stack with its findings in a stable order.

use serde_json::{Value as Json, json};

use crate::synth::Synthesis;
use crate::validate::Severity;

pub fn render(syntheses: &[&Synthesis]) -> String {
    let stacks: Vec<Json> = syntheses
        .iter()
        .map(|s| {
            let findings: Vec<Json> = s
                .findings
                .iter()
                .map(|f| {
                    let origin = f.resource().and_then(|r| s.origins.get(r));
                    json!({
                        "rule": f.rule,
                        "severity": match f.severity { Severity::Error => "error", Severity::Warning => "warning" },
                        "resource": f.resource(),
                        "resource_type": f.resource().and_then(|r| super::resource_type(s, r)),
                        "path": f.property_path(),
                        "location": f.location,
                        "message": f.message,
                        "fix": super::fix(f.rule),
                        "suppressed": f.suppressed,
                        "definition": origin.map(|o| json!({
                            "file": s.file,
                            "path": o.path.to_string(),
                            "line": o.position.map(|p| p.line),
                            "column": o.position.map(|p| p.column),
                        })),
                    })
                })
                .collect();
            json!({"stack": s.name, "file": s.file, "findings": findings})
        })
        .collect();
    let mut out =
        serde_json::to_string_pretty(&json!({ "stacks": stacks })).expect("JSON values serialize");
    out.push('\n');
    out
}
