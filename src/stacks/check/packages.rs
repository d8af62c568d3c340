//! The `packages` component: it lives in the network, creates something, and its domain
//! has a name CodeArtifact accepts.

use crate::constructs::package_repository::check_domain_name;
use crate::diagnostic::Diagnostic;

use super::{Input, require_network};

pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    let Some(packages) = &input.def.packages else {
        return;
    };
    require_network(input, "packages", problems);
    if !packages.pypi {
        problems.push(
            input
                .source
                .error_at_key(
                    "packages",
                    "`packages` creates nothing without a repository",
                )
                .help("add `pypi: true` for a repository with the public PyPI as upstream"),
        );
    }
    let shared_role = input.def.notebooks.as_ref().is_some_and(|n| {
        n.identity == crate::stacks::definition::NotebookIdentityMode::SharedRoleWithSessionNames
    });
    if packages.pypi && shared_role {
        problems.push(
            input
                .source
                .error_at_key(
                    "packages",
                    "pip cannot be set up on notebooks of the shared role: their OnStart script runs as the instance's own session, which may only assume the role again",
                )
                .help("use `notebooks.identity: role-per-notebook` (the default), whose roles read the repository"),
        );
    }
    match &packages.domain_name {
        Some(name) => {
            if let Err(e) = check_domain_name(name) {
                problems.push(
                    input
                        .source
                        .error_at_value("packages.domain_name", e.to_string())
                        .expected("2 to 50 of a-z, 0-9 and `-`, starting with a letter"),
                );
            }
        }
        None => {
            if check_domain_name(input.name).is_err() {
                problems.push(
                    input
                        .source
                        .error_at_key(
                            "packages",
                            format!(
                                "the stack name `{}` is not a CodeArtifact domain name (2 to 50 characters, starting with a letter)",
                                input.name
                            ),
                        )
                        .help("name the domain with `packages.domain_name`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run, run_named};
    use super::*;

    const NETWORK: &str = "network: { cidr: 10.0.0.0/16 }\n";

    #[test]
    fn pypi_in_a_network_passes() {
        assert!(
            run_named(
                "team-a",
                &format!("{NETWORK}packages: {{ pypi: true }}\n"),
                check
            )
            .is_empty()
        );
    }

    #[test]
    fn packages_without_network_or_repository_are_refused() {
        let problems = run_named("team-a", "packages: {}\n", check);
        assert_eq!(
            messages(&problems),
            [
                "`packages` needs a `network` component",
                "`packages` creates nothing without a repository"
            ]
        );
    }

    #[test]
    fn the_shared_notebook_role_is_refused() {
        let text = format!(
            "{NETWORK}packages: {{ pypi: true }}\nnotebooks:\n  identity: shared-role-with-session-names\n  role: {{ name: r }}\n  instances: {{ a: {{}} }}\n"
        );
        let problems = run_named("team-a", &text, check);
        assert_eq!(fields(&problems), ["packages"]);
        assert!(
            problems[0].message.contains("shared role"),
            "{}",
            problems[0].message
        );
        let per_notebook = text.replace(
            "  identity: shared-role-with-session-names\n  role: { name: r }\n",
            "",
        );
        assert!(run_named("team-a", &per_notebook, check).is_empty());
    }

    #[test]
    fn a_bad_domain_name_points_at_the_value() {
        let text = format!("{NETWORK}packages:\n  pypi: true\n  domain_name: Team_A\n");
        let problems = run(&text, check);
        assert_eq!(fields(&problems), ["packages.domain_name"]);
        assert_eq!(problems[0].position.unwrap().line, 4);
    }

    #[test]
    fn a_stack_name_that_cannot_name_the_domain_asks_for_one() {
        // `s` is one character: too short for a domain.
        let problems = run(&format!("{NETWORK}packages: {{ pypi: true }}\n"), check);
        assert_eq!(fields(&problems), ["packages"]);
        assert!(
            run(
                &format!("{NETWORK}packages: {{ pypi: true, domain_name: team-a }}\n"),
                check
            )
            .is_empty()
        );
    }
}
