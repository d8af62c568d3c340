//! Findings for a terminal, grouped per stack and per resource, each with the rule, the
//! property path, the message and the fix.

use std::fmt::Write;

use indexmap::IndexMap;

use crate::synth::Synthesis;
use crate::validate::{Finding, Severity};

pub fn render(syntheses: &[&Synthesis]) -> String {
    let mut out = String::new();
    for s in syntheses {
        if s.findings.is_empty() {
            continue;
        }
        let count = |pred: &dyn Fn(&Finding) -> bool| s.findings.iter().filter(|f| pred(f)).count();
        let errors = count(&|f| f.severity == Severity::Error && f.suppressed.is_none());
        let warnings = count(&|f| f.severity == Severity::Warning && f.suppressed.is_none());
        let suppressed = count(&|f| f.suppressed.is_some());
        let _ = writeln!(
            out,
            "{}: {errors} error(s), {warnings} warning(s), {suppressed} suppressed",
            s.name
        );
        let mut groups: IndexMap<Option<&str>, Vec<&Finding>> = IndexMap::new();
        for f in &s.findings {
            groups.entry(f.resource()).or_default().push(f);
        }
        for (resource, findings) in groups {
            match resource {
                Some(id) => {
                    let kind = super::resource_type(s, id).unwrap_or("not in the template");
                    let _ = write!(out, "  {id} ({kind})");
                    if let Some(origin) = s.origins.get(id) {
                        let _ = write!(out, " from `{}`", origin.path);
                        if let Some(p) = origin.position {
                            let _ = write!(out, " at {}:{}:{}", s.file, p.line, p.column);
                        }
                    }
                    out.push('\n');
                }
                None => out.push_str("  (template)\n"),
            }
            for f in findings {
                let level = match (f.severity, &f.suppressed) {
                    (_, Some(_)) => "suppressed",
                    (Severity::Error, None) => "error",
                    (Severity::Warning, None) => "warning",
                };
                let path = f.property_path().unwrap_or(if f.resource().is_some() {
                    ""
                } else {
                    &f.location
                });
                let _ = write!(out, "    {level}[{}]", f.rule);
                if !path.is_empty() {
                    let _ = write!(out, " {path}");
                }
                let _ = writeln!(out, ": {}", f.message);
                match &f.suppressed {
                    Some(reason) => {
                        let _ = writeln!(out, "      reason: {reason}");
                    }
                    None => {
                        let _ = writeln!(out, "      fix: {}", super::fix(f.rule));
                    }
                }
            }
        }
    }
    out
}
