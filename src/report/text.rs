//! Findings for a terminal, grouped per stack and per resource, each with the rule, the
//! property path, the message and the fix.

use std::fmt::Write;

use indexmap::IndexMap;

use super::{Finding, Level, Rule, Stack};

pub fn render(stacks: &[Stack], rules: &[Rule]) -> String {
    let mut out = String::new();
    for s in stacks {
        if s.findings.is_empty() {
            continue;
        }
        let count = |pred: &dyn Fn(&Finding) -> bool| s.findings.iter().filter(|f| pred(f)).count();
        let errors = count(&|f| f.level == Level::Error && f.suppressed.is_none());
        let warnings = count(&|f| f.level == Level::Warning && f.suppressed.is_none());
        let suppressed = count(&|f| f.suppressed.is_some());
        let _ = writeln!(
            out,
            "{}: {errors} error(s), {warnings} warning(s), {suppressed} suppressed",
            s.name
        );
        let mut groups: IndexMap<Option<&str>, Vec<&Finding>> = IndexMap::new();
        for f in &s.findings {
            groups.entry(f.resource).or_default().push(f);
        }
        for (resource, findings) in groups {
            match resource {
                Some(id) => {
                    let kind = s.resource_type(id).unwrap_or("not in the template");
                    let _ = write!(out, "  {id} ({kind})");
                    if let Some(origin) = s.origin(id) {
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
                let level = match f.suppressed {
                    Some(_) => "suppressed",
                    None => f.level.as_str(),
                };
                let path =
                    f.property_path
                        .unwrap_or(if f.resource.is_some() { "" } else { f.location });
                let _ = write!(out, "    {level}[{}]", f.rule);
                if !path.is_empty() {
                    let _ = write!(out, " {path}");
                }
                let _ = writeln!(out, ": {}", f.message);
                match f.suppressed {
                    Some(reason) => {
                        let _ = writeln!(out, "      reason: {reason}");
                    }
                    None => {
                        let _ = writeln!(out, "      fix: {}", super::fix(rules, f.rule));
                    }
                }
            }
        }
    }
    out
}
