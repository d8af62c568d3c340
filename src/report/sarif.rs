//! SARIF 2.1.0, so that GitHub code scanning shows findings on the pull request. Each
//! result points at the definition file and line that produced the resource (or the
//! top of the file for template-wide findings), and names the resource as a logical
//! location.

use serde_json::{Value as Json, json};

use super::{Rule, Stack};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(stacks: &[Stack], rules: &[Rule], errors: &[String]) -> String {
    let descriptors: Vec<Json> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": r.rationale},
                "fullDescription": {"text": r.checks},
                "help": {"text": format!("{}\nFix: {}", r.checks, r.fix)},
                "defaultConfiguration": {"level": r.level.as_str()},
                "properties": {"resourceTypes": r.applies_to},
            })
        })
        .collect();
    let mut results = Vec::new();
    for s in stacks {
        for f in &s.findings {
            let origin = f.resource.and_then(|r| s.origin(r));
            let (line, column) = origin
                .and_then(|o| o.position)
                .map_or((1, 1), |p| (p.line, p.column));
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": rules.iter().position(|r| r.id == f.rule).unwrap_or(0),
                "level": f.level.as_str(),
                "message": {"text": format!("{}: {} (fix: {})", f.location, f.message, super::fix(rules, f.rule))},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": s.file.replace('\\', "/")},
                        "region": {"startLine": line, "startColumn": column},
                    },
                    "logicalLocations": [{
                        "name": f.resource.unwrap_or("template"),
                        "fullyQualifiedName": format!("{}/{}", s.name, f.location),
                        "kind": "resource",
                    }],
                }],
                "properties": {"stack": s.name, "resourceType": f.resource.and_then(|r| s.resource_type(r))},
            });
            if let Some(reason) = f.suppressed {
                result["suppressions"] = json!([{"kind": "inSource", "justification": reason}]);
            }
            results.push(result);
        }
    }
    // SARIF 2.1.0 §3.20.14 and appendix I: a run whose invocation is not successful, or
    // carries an error-level tool execution notification, has incomplete results; without
    // them code scanning would read a run stopped by an input error as clean.
    let notifications: Vec<Json> = errors
        .iter()
        .map(|e| json!({"level": "error", "message": {"text": e.trim_end()}}))
        .collect();
    let mut invocation = json!({"executionSuccessful": errors.is_empty()});
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = json!(notifications);
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sagesynth",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }},
            "invocations": [invocation],
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).expect("JSON values serialize");
    out.push('\n');
    out
}
