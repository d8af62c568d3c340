//! SARIF 2.1.0, so that GitHub code scanning shows findings on the pull request. Each
//! result points at the definition file and line that produced the resource (or the
//! top of the file for template-wide findings), and names the resource as a logical
//! location.

use serde_json::{Value as Json, json};

use crate::synth::Synthesis;
use crate::validate::{Severity, rules};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

pub fn render(syntheses: &[&Synthesis]) -> String {
    let catalogue = rules::catalogue();
    let descriptors: Vec<Json> = catalogue
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": r.rationale},
                "fullDescription": {"text": r.checks},
                "help": {"text": format!("{}\nFix: {}", r.checks, r.fix)},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"resourceTypes": r.applies_to},
            })
        })
        .collect();
    let mut results = Vec::new();
    for s in syntheses {
        for f in &s.findings {
            let origin = f.resource().and_then(|r| s.origins.get(r));
            let (line, column) = origin
                .and_then(|o| o.position)
                .map_or((1, 1), |p| (p.line, p.column));
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": catalogue.iter().position(|r| r.id == f.rule).unwrap_or(0),
                "level": level(f.severity),
                "message": {"text": format!("{}: {} (fix: {})", f.location, f.message, super::fix(f.rule))},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": s.file.replace('\\', "/")},
                        "region": {"startLine": line, "startColumn": column},
                    },
                    "logicalLocations": [{
                        "name": f.resource().unwrap_or("template"),
                        "fullyQualifiedName": format!("{}/{}", s.name, f.location),
                        "kind": "resource",
                    }],
                }],
                "properties": {"stack": s.name, "resourceType": f.resource().and_then(|r| super::resource_type(s, r))},
            });
            if let Some(reason) = &f.suppressed {
                result["suppressions"] = json!([{"kind": "inSource", "justification": reason}]);
            }
            results.push(result);
        }
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
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).expect("JSON values serialize");
    out.push('\n');
    out
}
