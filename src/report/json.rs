//! Findings as JSON: one object per stack with its findings in a stable order, and the
//! errors that stopped the run (empty when every definition was judged).

use serde_json::{Value as Json, json};

use super::{Rule, Stack};

pub fn render(stacks: &[Stack], rules: &[Rule], errors: &[String]) -> String {
    let stacks: Vec<Json> = stacks
        .iter()
        .map(|s| {
            let findings: Vec<Json> = s
                .findings
                .iter()
                .map(|f| {
                    let origin = f.resource.and_then(|r| s.origin(r));
                    json!({
                        "rule": f.rule,
                        "severity": f.level.as_str(),
                        "resource": f.resource,
                        "resource_type": f.resource.and_then(|r| s.resource_type(r)),
                        "path": f.property_path,
                        "location": f.location,
                        "message": f.message,
                        "fix": super::fix(rules, f.rule),
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
    let mut out = serde_json::to_string_pretty(&json!({ "stacks": stacks, "errors": errors }))
        .expect("JSON values serialize");
    out.push('\n');
    out
}
