//! Helpers for the checks' unit tests: a definition fragment in, the problems out.

use crate::diagnostic::Diagnostic;
use crate::stacks::definition::StackDefinition;
use crate::stacks::source::Source;

use super::Input;

/// The stack name the fragments are checked under, unless a test names one.
pub const STACK: &str = "s";

/// Parses `text` as the definition of stack `name` and runs one check on it.
pub fn run_named(
    name: &str,
    text: &str,
    check: impl FnOnce(&Input, &mut Vec<Diagnostic>),
) -> Vec<Diagnostic> {
    let source = Source::new("s.yaml", text.to_string()).expect("the fragment is YAML");
    let def: StackDefinition =
        serde_yaml_ng::from_str(&source.text).expect("the fragment fits the schema");
    let mut problems = Vec::new();
    check(
        &Input {
            name,
            source: &source,
            def: &def,
        },
        &mut problems,
    );
    problems
}

/// [`run_named`] with the stack name [`STACK`].
pub fn run(text: &str, check: impl FnOnce(&Input, &mut Vec<Diagnostic>)) -> Vec<Diagnostic> {
    run_named(STACK, text, check)
}

/// Every check, as loading a definition runs them.
pub fn run_all(name: &str, text: &str) -> Vec<Diagnostic> {
    run_named(name, text, |input, problems| {
        problems.extend(super::check(input.name, input.source, input.def));
    })
}

/// The problems' messages, in order.
pub fn messages(problems: &[Diagnostic]) -> Vec<&str> {
    problems.iter().map(|d| d.message.as_str()).collect()
}

/// The problems' field paths, in order.
pub fn fields(problems: &[Diagnostic]) -> Vec<&str> {
    problems
        .iter()
        .map(|d| d.field.as_deref().unwrap_or(""))
        .collect()
}
