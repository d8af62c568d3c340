//! The rule pack as text: the catalogue `synth rules` prints, and one rule's explanation
//! for `synth explain`.

use std::fmt;

use super::{Rule, catalogue, find};
use crate::diagnostic::did_you_mean;
use crate::validate::Severity;

/// Every rule on one line (id, severity, rationale, in catalogue order), then the count.
pub fn catalogue_text() -> String {
    let rules = catalogue();
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut text = String::new();
    for r in &rules {
        let severity = severity_name(r.severity);
        text.push_str(&format!("{:width$}  {severity:7}  {}\n", r.id, r.rationale));
    }
    text.push_str(&format!(
        "\n{} rules; `synth explain RULE-ID` for details\n",
        rules.len()
    ));
    text
}

/// Every rule as JSON (`synth rules --format json`), in catalogue order: `{"rules": [{id,
/// severity, rationale, checks, fix, applies_to, equivalents: {cfn_lint, checkov}}]}`.
/// Scripts read this shape, so a field is only ever added, never renamed or removed.
pub fn catalogue_json() -> String {
    let rules: Vec<serde_json::Value> = catalogue()
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "severity": severity_name(r.severity),
                "rationale": r.rationale,
                "checks": r.checks,
                "fix": r.fix,
                "applies_to": r.applies_to,
                "equivalents": {
                    "cfn_lint": r.equivalents.cfn_lint,
                    "checkov": r.equivalents.checkov,
                },
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({ "rules": rules }))
        .expect("JSON values serialize");
    text.push('\n');
    text
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A rule id the pack does not have, with the closest id if one is a plausible typo.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownRule {
    pub id: String,
    pub closest: Option<&'static str>,
}

impl fmt::Display for UnknownRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: unknown rule `{}`", self.id)?;
        if let Some(close) = self.closest {
            writeln!(f, "  = help: did you mean `{close}`?")?;
        }
        writeln!(f, "  = help: `synth rules` lists every rule")
    }
}

impl std::error::Error for UnknownRule {}

/// Why rule `id` exists, what it checks, the fix, other tools' ids for the same check and
/// how to suppress it.
pub fn explain(id: &str) -> Result<String, UnknownRule> {
    match find(id) {
        Some(rule) => Ok(explanation(rule)),
        None => {
            let ids: Vec<&'static str> = catalogue().iter().map(|r| r.id).collect();
            Err(UnknownRule {
                id: id.to_string(),
                closest: did_you_mean(id, ids.iter().copied()),
            })
        }
    }
}

fn explanation(r: &Rule) -> String {
    let severity = match r.severity {
        Severity::Error => "error (exit code 1)",
        Severity::Warning => "warning (printed; exit code 0 unless escalated)",
    };
    let mut text = format!("{}\n\n", r.id);
    text.push_str(&format!("severity:   {severity}\n"));
    text.push_str(&format!("applies to: {}\n", r.applies_to.join(", ")));
    text.push_str(&format!("why:        {}\n", r.rationale));
    text.push_str(&format!("checks:     {}\n", r.checks));
    text.push_str(&format!("fix:        {}\n", r.fix));
    let mut same = Vec::new();
    if !r.equivalents.cfn_lint.is_empty() {
        same.push(format!("cfn-lint {}", r.equivalents.cfn_lint.join(", ")));
    }
    if !r.equivalents.checkov.is_empty() {
        same.push(format!("checkov {}", r.equivalents.checkov.join(", ")));
    }
    if !same.is_empty() {
        text.push_str(&format!(
            "same check: {} (a suppression silences these too)\n",
            same.join("; ")
        ));
    }
    text.push_str("suppress:   in the stack definition, with a reason of at least one sentence:\n");
    text.push_str(&format!(
        "              suppressions:\n                - rule: {}\n                  resource: <logical ID or definition name>\n                  reason: <why this is acceptable here>.\n",
        r.id
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_one_aligned_line_per_rule_and_a_count() {
        let text = catalogue_text();
        let rules = catalogue();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), rules.len() + 2, "{text}");
        let width = rules.iter().map(|r| r.id.len()).max().unwrap();
        for (line, rule) in lines.iter().zip(&rules) {
            assert!(line.starts_with(rule.id), "{line}");
            // The severity column starts at the same place on every line.
            let severity = &line[width + 2..width + 9];
            assert!(["error  ", "warning"].contains(&severity), "{line}");
            assert!(line.ends_with(rule.rationale), "{line}");
        }
        assert_eq!(lines[rules.len()], "");
        assert_eq!(
            lines[rules.len() + 1],
            format!("{} rules; `synth explain RULE-ID` for details", rules.len())
        );
    }

    #[test]
    fn an_explanation_names_every_part_and_the_suppression_entry() {
        let text = explain("SM-DOMAIN-VPC-ONLY").unwrap();
        assert!(text.starts_with("SM-DOMAIN-VPC-ONLY\n\nseverity:   error (exit code 1)\n"));
        for part in [
            "applies to: AWS::SageMaker::Domain\n",
            "why:",
            "checks:",
            "fix:",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        assert!(text.ends_with(
            "                - rule: SM-DOMAIN-VPC-ONLY\n                  resource: <logical ID or definition name>\n                  reason: <why this is acceptable here>.\n"
        ));
    }

    #[test]
    fn other_tools_ids_are_listed_only_when_the_rule_has_them() {
        for rule in catalogue() {
            let text = explain(rule.id).unwrap();
            let has = !rule.equivalents.cfn_lint.is_empty() || !rule.equivalents.checkov.is_empty();
            assert_eq!(text.contains("same check: "), has, "{}", rule.id);
        }
    }

    #[test]
    fn a_rule_id_is_found_in_any_case() {
        assert_eq!(
            explain("env-studio-endpoints").unwrap(),
            explain("ENV-STUDIO-ENDPOINTS").unwrap()
        );
        assert_eq!(
            super::super::canonical("Sm-Domain-Vpc-Only"),
            "SM-DOMAIN-VPC-ONLY"
        );
        assert_eq!(super::super::canonical("NO-SUCH-RULE"), "NO-SUCH-RULE");
    }

    #[test]
    fn an_unknown_rule_suggests_the_closest_id() {
        let e = explain("SM-DOMAIN-VPC-ONL").unwrap_err();
        assert_eq!(e.closest, Some("SM-DOMAIN-VPC-ONLY"));
        assert_eq!(
            e.to_string(),
            "error: unknown rule `SM-DOMAIN-VPC-ONL`\n  = help: did you mean `SM-DOMAIN-VPC-ONLY`?\n  = help: `synth rules` lists every rule\n"
        );
        let e = explain("NOTHING-LIKE-IT-AT-ALL").unwrap_err();
        assert_eq!(e.closest, None);
        assert_eq!(
            e.to_string(),
            "error: unknown rule `NOTHING-LIKE-IT-AT-ALL`\n  = help: `synth rules` lists every rule\n"
        );
    }
}
