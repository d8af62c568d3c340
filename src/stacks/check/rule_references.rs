//! `suppressions` and `escalate`: they name rules that exist, suppress what may be
//! suppressed, give a reason a reviewer can read, and escalate only warnings.

use crate::diagnostic::Diagnostic;
use crate::validate::Severity;
use crate::validate::rules;

use super::Input;

/// A suppression's reason must be a real sentence: the reviewer reads it instead of the
/// finding.
pub fn is_sentence(reason: &str) -> bool {
    let reason = reason.trim();
    reason.len() >= 20
        && reason.split_whitespace().count() >= 4
        && reason.ends_with(['.', '!', '?'])
        && reason.chars().next().is_some_and(char::is_alphanumeric)
}

pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    suppressions(input, problems);
    escalations(input, problems);
}

/// An error for a rule id that is not in the catalogue, with the closest id if any.
fn unknown_rule(input: &Input, path: &str, id: &str) -> Diagnostic {
    let mut d = input
        .source
        .error_at_value(path, format!("unknown rule `{id}`"))
        .help("`synth rules` lists every rule");
    let catalogue = rules::catalogue();
    let ids = catalogue.iter().map(|r| r.id);
    if let Some(close) = crate::diagnostic::did_you_mean(id, ids) {
        d = d.help(format!(
            "did you mean `{close}`? (`synth rules` lists every rule)"
        ));
    }
    d
}

fn suppressions(input: &Input, problems: &mut Vec<Diagnostic>) {
    for (i, s) in input.def.suppressions.iter().enumerate() {
        let path = format!("suppressions[{i}]");
        match rules::find(&s.rule) {
            None => problems.push(unknown_rule(input, &format!("{path}.rule"), &s.rule)),
            Some(rule) if rule.id == rules::SUPPRESSION_UNUSED => problems
                .push(input.source.error_at_value(
                &format!("{path}.rule"),
                "`SUPPRESSION-UNUSED` cannot be suppressed; remove the unused suppression instead",
            )),
            // Only a rule that looks at the whole template (`*`) has findings that concern
            // no resource.
            Some(rule) if s.resource.is_none() && !rule.applies_to.contains(&"*") => problems
                .push(
                    input
                        .source
                        .error_at_value(
                            &format!("{path}.rule"),
                            format!("`{}` is about resources; this suppression names none", rule.id),
                        )
                        .help("add `resource:` with the logical ID or definition name of the resource its finding is on"),
                ),
            Some(_) => {}
        }
        if !is_sentence(&s.reason) {
            problems.push(
                input.source
                    .error_at_value(&format!("{path}.reason"), "a suppression needs a written reason of at least one full sentence")
                    .expected("a sentence of at least four words that ends with a full stop, saying why the finding is acceptable here"),
            );
        }
    }
}

fn escalations(input: &Input, problems: &mut Vec<Diagnostic>) {
    for (i, id) in input.def.escalate.iter().enumerate() {
        let path = format!("escalate[{i}]");
        match rules::find(id) {
            None => problems.push(unknown_rule(input, &path, id)),
            Some(rule) if rule.severity != Severity::Warning => {
                problems.push(input.source.error_at_value(
                    &path,
                    format!("`{id}` is already an error; only warning rules can be escalated"),
                ))
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run};
    use super::*;

    const REASON: &str = "The landing zone captures this traffic already.";

    fn a_rule(severity: Severity) -> &'static str {
        let rule = rules::catalogue()
            .into_iter()
            .find(|r| r.severity == severity && r.id != rules::SUPPRESSION_UNUSED);
        rule.expect("the catalogue has a rule of each severity").id
    }

    #[test]
    fn sentences_have_four_words_and_a_full_stop() {
        assert!(is_sentence(REASON));
        assert!(is_sentence("  Accepted for this sandbox only!  "));
        assert!(!is_sentence("Accepted for this sandbox only"));
        assert!(!is_sentence("Accepted, sandbox."));
        assert!(!is_sentence("- accepted for this sandbox only."));
    }

    #[test]
    fn a_known_rule_with_a_reason_passes() {
        let text = format!(
            "suppressions:\n  - {{ rule: {}, resource: network, reason: {REASON} }}\nescalate: [{}]\n",
            a_rule(Severity::Error),
            a_rule(Severity::Warning)
        );
        assert!(run(&text, check).is_empty());
    }

    #[test]
    fn an_unknown_rule_suggests_the_closest() {
        let id = a_rule(Severity::Warning);
        let typo = &id[..id.len() - 1];
        let text = format!("escalate: [{typo}]\n");
        let problems = run(&text, check);
        assert_eq!(messages(&problems), [format!("unknown rule `{typo}`")]);
        assert_eq!(
            problems[0].help,
            Some(format!(
                "did you mean `{id}`? (`synth rules` lists every rule)"
            ))
        );
    }

    #[test]
    fn suppression_unused_and_vague_reasons_are_refused() {
        let text = format!(
            "suppressions:\n  - {{ rule: {}, resource: network, reason: because }}\n",
            rules::SUPPRESSION_UNUSED
        );
        let problems = run(&text, check);
        assert_eq!(
            fields(&problems),
            ["suppressions[0].rule", "suppressions[0].reason"]
        );
    }

    #[test]
    fn only_warnings_can_be_escalated() {
        let id = a_rule(Severity::Error);
        let problems = run(&format!("escalate: [{id}]\n"), check);
        assert_eq!(
            messages(&problems),
            [format!(
                "`{id}` is already an error; only warning rules can be escalated"
            )]
        );
        assert_eq!(fields(&problems), ["escalate[0]"]);
    }
}
