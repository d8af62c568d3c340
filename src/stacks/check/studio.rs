//! The `studio` component: a usable domain name, a bounded number of users, each user
//! once and with a logical ID of its own; the domain's settings (`studio_settings.rs`);
//! and `split: nested`, which needs those users.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::constructs::studio;
use crate::diagnostic::Diagnostic;
use crate::stacks::definition::{SplitMode, StudioSpec};
use crate::template::{LogicalId, MapHasher};

use super::{Input, listed_twice, require_network};

/// Users per stack. Far beyond what one template holds (500 resources), but bounded so
/// that synthesis time and memory stay bounded too.
pub const MAX_USERS: usize = 10_000;

pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    if let Some(studio_spec) = &input.def.studio {
        require_network(input, "studio", problems);
        domain_name(input, studio_spec, problems);
        user_count(input, studio_spec, problems);
        super::names_as_written(
            input,
            "studio.users",
            studio_spec.users.iter().map(|u| u.name.0.as_str()),
            problems,
        );
        users_distinct(input, studio_spec, problems);
        super::studio_settings::check(input, studio_spec, problems);
        super::teams::sagemaker_grants(input, studio_spec.sagemaker.as_ref(), "studio", problems);
    }
}

/// Without `domain_name` the stack's name names the domain, so it must be a valid one.
fn domain_name(input: &Input, studio_spec: &StudioSpec, problems: &mut Vec<Diagnostic>) {
    let name = input.name;
    if studio_spec.domain_name.is_none() && !crate::resources::sagemaker::is_valid_name(name) {
        problems.push(
            input
                .source
                .error_at_key(
                    "studio",
                    format!("the stack name `{name}` cannot be the domain name"),
                )
                .help("set `studio.domain_name`"),
        );
    }
}

fn user_count(input: &Input, studio_spec: &StudioSpec, problems: &mut Vec<Diagnostic>) {
    if studio_spec.users.len() > MAX_USERS {
        problems.push(
            input
                .source
                .error_at_key(
                    "studio.users",
                    format!(
                        "{} users; a stack holds at most {MAX_USERS}",
                        studio_spec.users.len()
                    ),
                )
                .help("split the users over several stacks"),
        );
    }
}

/// Two users whose names give one logical ID would silently share a resource.
///
/// Runs once per user of up to 10,000: a user's field path is only formatted for an
/// error, the logical ID made for the comparison is kept as the key itself, and the maps
/// hash with the template model's hasher.
fn users_distinct(input: &Input, studio_spec: &StudioSpec, problems: &mut Vec<Diagnostic>) {
    let source = input.source;
    let users = &studio_spec.users;
    let mut by_name: HashMap<&str, usize, MapHasher> =
        HashMap::with_capacity_and_hasher(users.len(), MapHasher::default());
    let mut by_id: HashMap<LogicalId, usize, MapHasher> =
        HashMap::with_capacity_and_hasher(users.len(), MapHasher::default());
    for (i, user) in users.iter().map(|u| &u.name).enumerate() {
        let path = || format!("studio.users[{i}]");
        if let Some(&first) = by_name.get(user.0.as_str()) {
            problems.push(
                listed_twice(
                    source,
                    &path(),
                    &format!("studio.users[{first}]"),
                    format!("user `{user}` is listed twice"),
                )
                .help("remove one of the two entries"),
            );
            continue;
        }
        by_name.insert(user.0.as_str(), i);
        match studio::user_profile_id(&user.0) {
            Ok(id) => match by_id.entry(id) {
                Entry::Occupied(taken) => {
                    let first = *taken.get();
                    let id = taken.key();
                    let other = &users[first].name;
                    problems.push(
                        source
                            .error_at_value(
                                &path(),
                                format!("users `{other}` and `{user}` would both become the resource `{id}`"),
                            )
                            .note(format!(
                                "`{other}` is at {}",
                                source.describe_position(&format!("studio.users[{first}]"))
                            ))
                            .help("logical IDs ignore case and hyphens; rename one of the two users"),
                    );
                }
                Entry::Vacant(free) => {
                    free.insert(i);
                }
            },
            Err(e) => problems.push(source.error_at_value(&path(), e.to_string())),
        }
    }
}

/// `split: nested` moves the Studio users into nested stacks: it needs some.
pub(super) fn check_split(input: &Input, problems: &mut Vec<Diagnostic>) {
    let def = input.def;
    if def.split == SplitMode::Nested && def.studio.as_ref().is_none_or(|s| s.users.is_empty()) {
        problems.push(
            input
                .source
                .error_at_value(
                    "split",
                    "`split: nested` moves Studio user profiles into nested stacks, and this definition lists none",
                )
                .help("remove `split`, or list the users under `studio.users`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run, run_named};
    use super::*;

    const NETWORK: &str = "network: { cidr: 10.0.0.0/16 }\n";

    #[test]
    fn distinct_users_pass() {
        let text = format!("{NETWORK}studio: {{ users: [alice, bob, data-scientist-1] }}\n");
        assert!(run(&text, check).is_empty());
    }

    #[test]
    fn studio_sagemaker_work_must_grant_something_on_listed_instance_types() {
        let ok = format!(
            "{NETWORK}studio: {{ sagemaker: {{ jobs: [training], instance_types: [ml.m5.xlarge] }} }}\n"
        );
        assert!(run(&ok, check).is_empty());
        let problems = run(&format!("{NETWORK}studio: {{ sagemaker: {{}} }}\n"), check);
        assert_eq!(messages(&problems), ["`sagemaker` grants nothing"]);
        assert_eq!(fields(&problems), ["studio.sagemaker"]);
    }

    #[test]
    fn studio_without_network_is_refused() {
        let problems = run("studio: {}\n", check);
        assert_eq!(
            messages(&problems),
            ["`studio` needs a `network` component"]
        );
    }

    #[test]
    fn a_stack_name_that_is_no_domain_name_needs_domain_name() {
        let long = "a".repeat(64);
        let text = format!("{NETWORK}studio: {{}}\n");
        let problems = run_named(&long, &text, check);
        assert_eq!(
            messages(&problems),
            [format!("the stack name `{long}` cannot be the domain name")]
        );
        let text = format!("{NETWORK}studio: {{ domain_name: d }}\n");
        assert!(run_named(&long, &text, check).is_empty());
    }

    #[test]
    fn more_than_max_users_is_refused() {
        let users: Vec<String> = (0..=MAX_USERS).map(|i| format!("u{i}")).collect();
        let text = format!("{NETWORK}studio:\n  users: [{}]\n", users.join(", "));
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            ["10001 users; a stack holds at most 10000"]
        );
        assert_eq!(fields(&problems), ["studio.users"]);
    }

    #[test]
    fn a_user_listed_twice_is_reported_once_per_repeat() {
        let text = format!("{NETWORK}studio:\n  users: [alice, bob, alice]\n");
        let problems = run(&text, check);
        assert_eq!(messages(&problems), ["user `alice` is listed twice"]);
        assert_eq!(fields(&problems), ["studio.users[2]"]);
        assert_eq!(problems[0].notes, ["first listed at s.yaml:3:11"]);
    }

    #[test]
    fn users_with_one_logical_id_collide() {
        let text = format!("{NETWORK}studio:\n  users: [data-scientist, Data-Scientist]\n");
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            [
                "users `data-scientist` and `Data-Scientist` would both become the resource `UserProfileDataScientist`"
            ]
        );
        assert_eq!(fields(&problems), ["studio.users[1]"]);
        assert_eq!(problems[0].notes, ["`data-scientist` is at s.yaml:3:11"]);
    }

    #[test]
    fn split_with_users_passes() {
        let text = format!("{NETWORK}studio: {{ users: [alice] }}\nsplit: nested\n");
        assert!(run(&text, check_split).is_empty());
    }

    #[test]
    fn split_without_users_is_refused() {
        let problems = run("split: nested\n", check_split);
        assert_eq!(fields(&problems), ["split"]);
        assert!(problems[0].message.contains("lists none"));
    }
}
