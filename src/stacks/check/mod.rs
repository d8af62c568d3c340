//! Checks that need the whole definition: components that depend on each other,
//! duplicates, logical-ID collisions and sizes. Each problem points at the entry it is
//! about. (Whether the network has the endpoints a component needs is judged on the
//! template by the rule pack's ENV-* rules, which see what is actually emitted.)
//!
//! One file per component; [`check`] runs them in a fixed order, which is the order the
//! problems are reported in.

mod accounts;
mod bastion;
mod buckets;
mod network;
mod notebooks;
mod packages;
mod presigned_url;
mod rule_references;
mod sso;
mod studio;
mod studio_settings;
mod teams;

use crate::diagnostic::Diagnostic;

use super::definition::StackDefinition;
use super::source::Source;
use super::tree::Kind;

pub use notebooks::{notebook_identity_config_name, notebook_on_start_config_name};
pub use rule_references::is_sentence;
pub use studio::MAX_USERS;
pub use teams::team_notebook_name;

/// CloudFormation's limit on a template Description.
const MAX_DESCRIPTION_BYTES: usize = 1024;

/// What every check reads: the name resources are named after (the definition's `name`,
/// or else the file name), the file it came from (for positions) and the parsed
/// definition.
struct Input<'a> {
    name: &'a str,
    source: &'a Source,
    def: &'a StackDefinition,
}

/// Every problem of the definition, in the order the components are checked.
pub fn check(file_name: &str, source: &Source, def: &StackDefinition) -> Vec<Diagnostic> {
    let name = def.resource_name(file_name);
    let input = Input { name, source, def };
    let mut problems = Vec::new();
    description(&input, &mut problems);
    network::check(&input, &mut problems);
    packages::check(&input, &mut problems);
    studio::check(&input, &mut problems);
    bastion::check(&input, &mut problems);
    notebooks::check(&input, &mut problems);
    buckets::check(&input, &mut problems);
    teams::check(&input, &mut problems);
    studio::check_split(&input, &mut problems);
    sso::check(&input, &mut problems);
    accounts::check(&input, &mut problems);
    presigned_url::check(&input, &mut problems);
    rule_references::check(&input, &mut problems);
    problems
}

/// The template's Description fits CloudFormation's limit.
fn description(input: &Input, problems: &mut Vec<Diagnostic>) {
    if let Some(description) = &input.def.description
        && description.len() > MAX_DESCRIPTION_BYTES
    {
        problems.push(input.source.error_at_value(
                "description",
                format!(
                    "the description is {} bytes; CloudFormation allows at most {MAX_DESCRIPTION_BYTES}",
                    description.len()
                ),
            ));
    }
}

/// A component that lives in the VPC needs the `network` component.
fn require_network(input: &Input, component: &str, problems: &mut Vec<Diagnostic>) {
    if input.def.network.is_none() {
        problems.push(
            input
                .source
                .error_at_key(
                    component,
                    format!("`{component}` needs a `network` component"),
                )
                .help("add e.g. `network: { cidr: 10.20.0.0/16 }`"),
        );
    }
}

/// A list entry that repeats an earlier one: at the repeat, with a note where the first is.
fn listed_twice(source: &Source, path: &str, first: &str, message: String) -> Diagnostic {
    source.error_at_value(path, message).note(format!(
        "first listed at {}",
        source.describe_position(first)
    ))
}

/// Names of the list at `list` (`studio.users`) written as plain scalars that YAML
/// reads as a number or a boolean other than written (`0x1F` is 31, `True` is true): the
/// user would get another name than the one in the file, so such a name must be quoted.
/// Names that read back as written (`1234`) are fine. `names` are the names as parsed,
/// in the order of the list.
fn names_as_written<'a>(
    input: &Input,
    list: &str,
    names: impl Iterator<Item = &'a str>,
    problems: &mut Vec<Diagnostic>,
) {
    let tree = input.source.tree();
    let Some((node, _)) = tree.find(list) else {
        return;
    };
    let Kind::Seq(items) = &tree.nodes[node].kind else {
        return;
    };
    for (i, (&item, name)) in items.iter().zip(names).enumerate() {
        if let Kind::Scalar { value, plain: true } = &tree.nodes[item].kind
            && value != name
        {
            problems.push(
                input
                    .source
                    .error_at_value(
                        &format!("{list}[{i}]"),
                        format!(
                            "YAML reads `{value}` as `{name}`: the user would be named `{name}`"
                        ),
                    )
                    .help(format!("quote the name to keep it as written: '{value}'")),
            );
        }
    }
}

#[cfg(test)]
mod testing;

#[cfg(test)]
mod tests {
    use super::testing::{messages, run, run_all};
    use super::*;

    #[test]
    fn description_within_the_limit_passes() {
        let text = format!("description: {}\n", "x".repeat(MAX_DESCRIPTION_BYTES));
        assert!(run(&text, description).is_empty());
    }

    #[test]
    fn description_over_the_limit_is_refused_at_its_value() {
        let text = format!("description: {}\n", "x".repeat(MAX_DESCRIPTION_BYTES + 1));
        let problems = run(&text, description);
        assert_eq!(
            messages(&problems),
            ["the description is 1025 bytes; CloudFormation allows at most 1024"]
        );
        assert_eq!(problems[0].field.as_deref(), Some("description"));
        assert_eq!(problems[0].position.map(|p| p.column), Some(14));
    }

    #[test]
    fn require_network_passes_with_a_network() {
        let problems = run("network: { cidr: 10.0.0.0/16 }\nbastion: {}\n", |i, p| {
            require_network(i, "bastion", p)
        });
        assert!(problems.is_empty());
    }

    #[test]
    fn require_network_points_at_the_component_key() {
        let problems = run("description: d\nbastion: {}\n", |i, p| {
            require_network(i, "bastion", p)
        });
        assert_eq!(
            messages(&problems),
            ["`bastion` needs a `network` component"]
        );
        assert_eq!(
            problems[0].position.map(|p| (p.line, p.column)),
            Some((2, 1))
        );
    }

    #[test]
    fn problems_come_in_component_order() {
        // A problem of each of three components, written in the opposite order.
        let problems = run_all(
            "s",
            "presigned_url: { expires_in_seconds: 1 }\nbastion: {}\ndescription: ok\n",
        );
        assert_eq!(
            messages(&problems),
            [
                "`bastion` needs a `network` component",
                "`presigned_url` needs a `studio` and a `bastion` component",
                "1 seconds is out of range",
            ]
        );
    }

    #[test]
    fn a_valid_definition_has_no_problem() {
        let text = "\
network: { cidr: 10.20.0.0/16 }
studio: { users: [alice, bob] }
bastion: { os: linux }
presigned_url: {}
buckets: { raw-data: {} }
";
        assert!(run_all("studio-private", text).is_empty());
    }
}
