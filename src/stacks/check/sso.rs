//! SSO domains and their users: `studio: { auth: sso }`, `identity_center`, `groups` and
//! `onboarding` go together and leave out what only IAM domains have; groups are named
//! once and grant access to defined buckets.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::stacks::definition::{AuthMode, OnboardingSpec};

use super::{Input, buckets};

pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    let sso = input
        .def
        .studio
        .as_ref()
        .is_some_and(|s| s.auth == AuthMode::Sso);
    components_match_the_auth_mode(input, sso, problems);
    if let Some(onboarding) = &input.def.onboarding {
        self::onboarding(input, onboarding, sso, problems);
    }
    groups(input, problems);
}

/// An SSO domain has no `studio.users` and no `presigned_url` but `identity_center`;
/// `groups` need an SSO domain.
fn components_match_the_auth_mode(input: &Input, sso: bool, problems: &mut Vec<Diagnostic>) {
    let (source, def) = (input.source, input.def);
    if let Some(studio_spec) = &def.studio
        && sso
        && !studio_spec.users.is_empty()
    {
        problems.push(
            source
                .error_at_key(
                    "studio.users",
                    "an SSO domain gets its user profiles from onboarding, not from `studio.users`",
                )
                .help("remove `studio.users`, and list the Identity Center groups under `groups`"),
        );
    }
    if sso && def.presigned_url.is_some() {
        problems.push(
            source
                .error_at_key("presigned_url", "presigned URLs work only for IAM-mode domains")
                .help("SSO users open Studio from the IAM Identity Center access portal; remove `presigned_url`"),
        );
    }
    if (sso || def.onboarding.is_some()) && def.identity_center.is_none() {
        problems.push(
            source
                .error_at_key(
                    if sso { "studio.auth" } else { "onboarding" },
                    "an SSO domain needs the `identity_center` component",
                )
                .help("add `identity_center: { identity_store_id: d-1234567890 }`"),
        );
    }
    if !def.groups.is_empty() && !sso {
        problems.push(
            source
                .error_at_key(
                    "groups",
                    "`groups` map Identity Center groups to roles of an SSO domain",
                )
                .help("set `studio: { auth: sso }`"),
        );
    }
}

/// Onboarding makes the profiles of an SSO domain from its groups, and waits for apps
/// within the function's time limit.
fn onboarding(
    input: &Input,
    onboarding: &OnboardingSpec,
    sso: bool,
    problems: &mut Vec<Diagnostic>,
) {
    let (source, def) = (input.source, input.def);
    if !sso {
        problems.push(source.error_at_key(
            "onboarding",
            "`onboarding` needs a `studio` component with `auth: sso`",
        ));
    }
    if def.all_groups().is_empty() {
        problems.push(
            source
                .error_at_key("onboarding", "`onboarding` has no group to map")
                .help(if def.accounts.is_empty() {
                    "list the Identity Center groups under `groups`"
                } else {
                    "list the Identity Center groups under their account's `groups`"
                }),
        );
    }
    if !(60..=840).contains(&onboarding.app_delete_timeout_seconds) {
        problems.push(
            source
                .error_at_value(
                    "onboarding.app_delete_timeout_seconds",
                    format!(
                        "{} seconds is out of range",
                        onboarding.app_delete_timeout_seconds
                    ),
                )
                .expected("60 to 840 seconds (the function's own limit is 900)"),
        );
    }
    reconcile_every(input, onboarding, problems);
    if onboarding.offboarding_grace_days > 365 {
        problems.push(
            source
                .error_at_value(
                    "onboarding.offboarding_grace_days",
                    format!("{} days is out of range", onboarding.offboarding_grace_days),
                )
                .expected("0 (delete at once) to 365 days"),
        );
    }
}

/// Every group, single-account and per account: listed once, with a logical ID and a
/// group id of its own, granting access to defined buckets.
fn groups(input: &Input, problems: &mut Vec<Diagnostic>) {
    let source = input.source;
    let mut group_ids: HashMap<String, String> = HashMap::new();
    let mut group_keys: HashMap<String, (String, String)> = HashMap::new();
    for (path, group, spec) in input.def.all_groups() {
        let key = crate::template::pascal_case(&group.0).to_ascii_lowercase();
        if let Some((other, other_path)) = group_keys.insert(key, (group.0.clone(), path.clone())) {
            problems.push(if other == group.0 {
                source
                    .error_at_key(&path, format!("group `{group}` is listed twice"))
                    .note(format!(
                        "first listed at {}",
                        source.describe_position(&other_path)
                    ))
                    .help("a group's users work in one account: keep the group under one account")
            } else {
                source
                    .error_at_key(
                        &path,
                        format!("groups `{other}` and `{group}` would share a logical ID"),
                    )
                    .help(
                        "logical IDs ignore case, spaces and punctuation; rename one of the groups",
                    )
            });
        }
        match &spec.group_id {
            Some(id) => {
                if let Some(other) = group_ids.insert(id.0.to_ascii_lowercase(), group.0.clone()) {
                    problems.push(source.error_at_value(
                        &format!("{path}.group_id"),
                        format!("group id `{}` is also given to `{other}`", id.0),
                    ));
                }
            }
            None => problems.push(missing_group_id(input, &path, &group.0)),
        }
        buckets::check_access(
            input,
            &format!("group `{group}`"),
            &format!("{path}.grants.buckets"),
            &spec.grants.buckets,
            problems,
        );
        super::teams::sagemaker_grants(input, spec.sagemaker.as_ref(), &path, problems);
    }
}

/// A group is mapped by its Identity Store id, never by its display name: whoever may
/// create or rename groups (a helpdesk, an identity provider through SCIM) could otherwise
/// give a group of theirs the mapped group's name, and its members that group's role.
fn missing_group_id(input: &Input, path: &str, group: &str) -> Diagnostic {
    let store = input
        .def
        .identity_center
        .as_ref()
        .map_or("d-1234567890".to_string(), |ic| {
            ic.identity_store_id.0.clone()
        });
    input
        .source
        .error_at_key(path, format!("group `{group}` has no `group_id`"))
        .note("groups are mapped by their Identity Store id: a display name can be given to another group by whoever may create or rename groups")
        .help(format!(
            "add `group_id: <id>`; an Identity Center administrator finds the id with `aws identitystore get-group-id --identity-store-id {store} --alternate-identifier '{{\"UniqueAttribute\":{{\"AttributePath\":\"displayName\",\"AttributeValue\":\"{group}\"}}}}'`"
        ))
}

/// The scheduled reconciliation's interval: short enough to fix a missed event within a
/// day, long enough for a full run over every user.
fn reconcile_every(input: &Input, onboarding: &OnboardingSpec, problems: &mut Vec<Diagnostic>) {
    use crate::constructs::sso_onboarding::schedule::{MAX_MINUTES, MIN_MINUTES};
    let minutes = onboarding.reconcile_minutes();
    if minutes.is_some_and(|m| (MIN_MINUTES..=MAX_MINUTES).contains(&m)) {
        return;
    }
    let problem = match minutes {
        Some(_) => format!("`{}` is out of range", onboarding.reconcile_every),
        None => format!("`{}` is not an interval", onboarding.reconcile_every),
    };
    problems.push(
        input
            .source
            .error_at_value("onboarding.reconcile_every", problem)
            .expected("5m to 1d: a number followed by m (minutes), h (hours) or d (days), such as 30m or 1h"),
    );
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run};
    use super::*;

    const SSO: &str = "\
studio: { auth: sso }
identity_center: { identity_store_id: d-1234567890 }
buckets: { data: {} }
";
    const ID: &str = "9a6749d5-1234-4abc-8def-0123456789ab";
    const ID2: &str = "3f0c2e71-5678-4def-9abc-fedcba987654";

    #[test]
    fn a_group_without_an_id_is_refused_with_the_command_that_finds_it() {
        let text = format!(
            "{SSO}groups:\n  mapped: {{ group_id: {ID} }}\n  ml-auditors: {{}}\naccounts:\n  a: {{ account_id: \"111111111111\", groups: {{ reviewers: {{}} }} }}\n"
        );
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            [
                "group `ml-auditors` has no `group_id`",
                "group `reviewers` has no `group_id`"
            ]
        );
        assert_eq!(
            fields(&problems),
            ["groups.ml-auditors", "accounts.a.groups.reviewers"]
        );
        let help = problems[0].help.as_deref().unwrap();
        assert!(
            help.contains("aws identitystore get-group-id --identity-store-id d-1234567890 --alternate-identifier '{\"UniqueAttribute\":{\"AttributePath\":\"displayName\",\"AttributeValue\":\"ml-auditors\"}}'"),
            "{help}"
        );
    }

    #[test]
    fn an_sso_domain_with_groups_and_onboarding_passes() {
        let text = format!(
            "{SSO}groups:\n  researchers: {{ group_id: {ID}, grants: {{ buckets: {{ data: [read] }} }} }}\nonboarding: {{}}\n"
        );
        assert!(run(&text, check).is_empty());
    }

    #[test]
    fn a_groups_sagemaker_work_must_grant_something_on_listed_instance_types() {
        let text = format!(
            "{SSO}groups:\n  researchers: {{ group_id: {ID}, sagemaker: {{ jobs: [training] }} }}\naccounts:\n  a: {{ account_id: \"111111111111\", groups: {{ reviewers: {{ group_id: {ID2}, sagemaker: {{}} }} }} }}\n"
        );
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            [
                "jobs and endpoints run only on the listed `instance_types`, and none is listed",
                "`sagemaker` grants nothing"
            ]
        );
        assert_eq!(
            fields(&problems),
            [
                "groups.researchers.sagemaker",
                "accounts.a.groups.reviewers.sagemaker"
            ]
        );
        let fixed = format!(
            "{SSO}groups:\n  researchers: {{ group_id: {ID}, sagemaker: {{ jobs: [training], instance_types: [ml.m5.xlarge] }}, ecr: {{ repositories: [train] }} }}\n"
        );
        assert!(run(&fixed, check).is_empty());
    }

    #[test]
    fn an_sso_domain_refuses_iam_components_and_needs_identity_center() {
        let text = "studio: { auth: sso, users: [alice] }\npresigned_url: {}\n";
        let problems = run(text, check);
        assert_eq!(
            fields(&problems),
            ["studio.users", "presigned_url", "studio.auth"]
        );
        assert_eq!(
            messages(&problems)[2],
            "an SSO domain needs the `identity_center` component"
        );
    }

    #[test]
    fn groups_and_onboarding_need_an_sso_domain() {
        let text = format!(
            "studio: {{}}\ngroups: {{ researchers: {{ group_id: {ID} }} }}\nonboarding: {{}}\n"
        );
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            [
                "an SSO domain needs the `identity_center` component",
                "`groups` map Identity Center groups to roles of an SSO domain",
                "`onboarding` needs a `studio` component with `auth: sso`",
            ]
        );
        assert_eq!(fields(&problems), ["onboarding", "groups", "onboarding"]);
    }

    #[test]
    fn onboarding_needs_a_group_and_a_timeout_in_range() {
        let text = format!("{SSO}onboarding: {{ app_delete_timeout_seconds: 841 }}\n");
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            [
                "`onboarding` has no group to map",
                "841 seconds is out of range"
            ]
        );
        assert_eq!(
            problems[0].help.as_deref(),
            Some("list the Identity Center groups under `groups`")
        );
    }

    #[test]
    fn groups_with_one_logical_id_collide() {
        let text = format!(
            "{SSO}groups:\n  ml-researchers: {{ group_id: {ID} }}\n  ML Researchers: {{ group_id: {ID2} }}\n"
        );
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            ["groups `ml-researchers` and `ML Researchers` would share a logical ID"]
        );
        assert_eq!(fields(&problems), ["groups.ML Researchers"]);
    }

    #[test]
    fn a_group_in_two_accounts_is_listed_twice() {
        let text = format!(
            "{SSO}accounts:\n  a: {{ account_id: \"111111111111\", groups: {{ g: {{ group_id: {ID} }} }} }}\n  b: {{ account_id: \"222222222222\", groups: {{ g: {{ group_id: {ID2} }} }} }}\n"
        );
        let problems = run(&text, check);
        assert_eq!(messages(&problems), ["group `g` is listed twice"]);
        assert_eq!(fields(&problems), ["accounts.b.groups.g"]);
    }

    #[test]
    fn a_group_id_given_twice_is_refused_ignoring_case() {
        let text = format!(
            "{SSO}groups:\n  one: {{ group_id: {ID} }}\n  two: {{ group_id: {} }}\n",
            ID.to_ascii_uppercase()
        );
        let problems = run(&text, check);
        assert_eq!(fields(&problems), ["groups.two.group_id"]);
        assert!(problems[0].message.ends_with("is also given to `one`"));
    }

    #[test]
    fn group_grants_are_checked_against_the_buckets() {
        let text = format!(
            "{SSO}groups:\n  g: {{ group_id: {ID}, grants: {{ buckets: {{ dta: [read] }} }} }}\n"
        );
        let problems = run(&text, check);
        assert_eq!(fields(&problems), ["groups.g.grants.buckets.dta"]);
        assert_eq!(problems[0].help.as_deref(), Some("did you mean `data`?"));
    }
}
