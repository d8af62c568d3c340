//! The `teams` component: a notebook name per team that SageMaker accepts, volumes in
//! range, grants on defined buckets, and every user in exactly one team.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::stacks::definition::{SageMakerGrantsSpec, TeamName, TeamSpec};

use super::{Input, buckets, require_network};

/// The notebook instance name of a team.
pub fn team_notebook_name(stack: &str, team: &str) -> String {
    format!("{stack}-{team}")
}

pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    if !input.def.teams.is_empty() {
        require_network(input, "teams", problems);
    }
    // User path by user id, across all teams: the first team a user is listed in.
    let mut users_seen: HashMap<String, String> = HashMap::new();
    for (team, spec) in &input.def.teams {
        let path = format!("teams.{team}");
        notebook(input, team, spec, &path, problems);
        buckets::check_access(
            input,
            &format!("team `{team}`"),
            &format!("{path}.access"),
            &spec.access,
            problems,
        );
        super::names_as_written(
            input,
            &format!("{path}.users"),
            spec.users.iter().map(|u| u.name.0.as_str()),
            problems,
        );
        users_in_one_team(input, spec, &path, &mut users_seen, problems);
        sagemaker_grants(input, spec.sagemaker.as_ref(), &path, problems);
    }
    notebook_access(input, problems);
}

/// `notebook_access`: only with teams (whose users it is about), and each public range
/// once; an empty list would leave the default (the endpoints) in a way nobody meant.
fn notebook_access(input: &Input, problems: &mut Vec<Diagnostic>) {
    let Some(access) = &input.def.notebook_access else {
        return;
    };
    let source = input.source;
    if input.def.teams.is_empty() {
        problems.push(
            source
                .error_at_key("notebook_access", "`notebook_access` says where the teams' users open their notebooks, but the definition has no `teams`")
                .help("remove `notebook_access`, or add `teams`"),
        );
    }
    if access.source_ip.is_empty() {
        problems.push(
            source
                .error_at_key("notebook_access", "`notebook_access` lists no `source_ip` range")
                .help("list the public ranges people connect from, e.g. `source_ip: [203.0.113.0/24]`, or remove `notebook_access` to allow the notebook URL only through the stack's endpoints"),
        );
    }
    let mut seen: HashMap<ipnet::IpNet, String> = HashMap::new();
    for (i, range) in access.source_ip.iter().enumerate() {
        let at = format!("notebook_access.source_ip[{i}]");
        if let Some(first) = seen.insert(range.0, at.clone()) {
            problems.push(super::listed_twice(
                source,
                &at,
                &first,
                format!("the range `{}` is listed twice", range.0),
            ));
        }
    }
}

/// The team's notebook: its name (`<stack>-<team>`) and volume size.
fn notebook(
    input: &Input,
    team: &TeamName,
    spec: &TeamSpec,
    path: &str,
    problems: &mut Vec<Diagnostic>,
) {
    let notebook = team_notebook_name(input.name, &team.0);
    if !crate::resources::sagemaker::is_valid_name(&notebook) {
        problems.push(
            input
                .source
                .error_at_key(
                    path,
                    format!("the team's notebook name `{notebook}` is longer than 63 characters"),
                )
                .help("use a shorter team or stack name"),
        );
    }
    super::notebooks::idle_stop(input, &format!("{path}.notebook"), &spec.notebook, problems);
    if !(5..=16384).contains(&spec.notebook.volume_size_gb) {
        problems.push(
            input
                .source
                .error_at_value(
                    &format!("{path}.notebook.volume_size_gb"),
                    format!("{} GiB is out of range", spec.notebook.volume_size_gb),
                )
                .expected("5 to 16384 GiB"),
        );
    }
}

/// IAM user names that differ only in case or punctuation name one user (one logical ID).
fn users_in_one_team(
    input: &Input,
    spec: &TeamSpec,
    path: &str,
    users_seen: &mut HashMap<String, String>,
    problems: &mut Vec<Diagnostic>,
) {
    for (i, user) in spec.users.iter().enumerate() {
        let at = format!("{path}.users[{i}]");
        let id = crate::template::pascal_case(&user.name.0).to_ascii_lowercase();
        if let Some(first) = users_seen.insert(id, at.clone()) {
            problems.push(
                input.source
                    .error_at_value(&at, format!("user `{user}` is listed twice (or differs only in case or punctuation from another user)", user = user.name.0))
                    .note(format!("first listed at {}", input.source.describe_position(&first)))
                    .help("a user belongs to exactly one team"),
            );
        }
    }
}

/// `sagemaker` (of a team at `path`, or of `studio`): something to grant, and instance
/// types for jobs and endpoints (the grants allow only the listed types, so an empty
/// list would allow none).
pub(super) fn sagemaker_grants(
    input: &Input,
    sagemaker: Option<&SageMakerGrantsSpec>,
    path: &str,
    problems: &mut Vec<Diagnostic>,
) {
    let Some(sagemaker) = sagemaker else {
        return;
    };
    let at = format!("{path}.sagemaker");
    let grants_something = !sagemaker.jobs.is_empty()
        || sagemaker.models
        || sagemaker.endpoints
        || sagemaker.experiments
        || sagemaker.model_registry;
    if !grants_something {
        problems.push(
            input
                .source
                .error_at_key(&at, "`sagemaker` grants nothing")
                .help("list `jobs: [training, processing, transform]` or set `models`, `endpoints`, `experiments` or `model_registry` to true; or remove `sagemaker`"),
        );
    }
    let needs_types = !sagemaker.jobs.is_empty() || sagemaker.endpoints;
    if needs_types && sagemaker.instance_types.is_empty() {
        problems.push(
            input
                .source
                .error_at_key(&at, "jobs and endpoints run only on the listed `instance_types`, and none is listed")
                .help("add `instance_types: [ml.m5.xlarge]` (the types the team may use)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run, run_named};
    use super::*;

    const NETWORK: &str = "network: { cidr: 10.0.0.0/16 }\n";

    #[test]
    fn teams_with_distinct_users_pass() {
        let text = format!(
            "{NETWORK}buckets: {{ data: {{}} }}\nteams:\n  eng: {{ users: [bob], access: {{ data: [read] }} }}\n  ops: {{ users: [{{ name: carol, console_access: true }}] }}\n"
        );
        assert!(run(&text, check).is_empty());
    }

    #[test]
    fn teams_without_network_are_refused() {
        let problems = run("teams: { eng: {} }\n", check);
        assert_eq!(messages(&problems), ["`teams` needs a `network` component"]);
    }

    #[test]
    fn a_notebook_name_beyond_63_characters_is_refused() {
        let text = format!("{NETWORK}teams: {{ eng: {{}} }}\n");
        let problems = run_named(&"a".repeat(60), &text, check);
        assert_eq!(fields(&problems), ["teams.eng"]);
        assert!(
            problems[0]
                .message
                .ends_with("is longer than 63 characters")
        );
        assert!(run_named(&"a".repeat(59), &text, check).is_empty());
    }

    #[test]
    fn a_notebook_volume_out_of_range_is_refused() {
        let text =
            format!("{NETWORK}teams: {{ eng: {{ notebook: {{ volume_size_gb: 16385 }} }} }}\n");
        let problems = run(&text, check);
        assert_eq!(messages(&problems), ["16385 GiB is out of range"]);
        assert_eq!(fields(&problems), ["teams.eng.notebook.volume_size_gb"]);
    }

    #[test]
    fn team_grants_are_checked_against_the_buckets() {
        let text = format!("{NETWORK}teams: {{ eng: {{ access: {{ data: [read] }} }} }}\n");
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            ["team `eng` grants access to `data`, which is not in `buckets`"]
        );
    }

    #[test]
    fn notebook_access_needs_teams_and_distinct_ranges() {
        let teams = format!("{NETWORK}teams: {{ eng: {{}} }}\n");
        let ok =
            format!("{teams}notebook_access: {{ source_ip: [203.0.113.0/24, 2001:db8::/48] }}\n");
        assert!(run(&ok, check).is_empty());
        let problems = run(
            &format!("{NETWORK}notebook_access: {{ source_ip: [203.0.113.0/24] }}\n"),
            check,
        );
        assert_eq!(fields(&problems), ["notebook_access"]);
        assert!(problems[0].message.contains("has no `teams`"));
        let problems = run(
            &format!("{teams}notebook_access: {{ source_ip: [] }}\n"),
            check,
        );
        assert_eq!(
            messages(&problems),
            ["`notebook_access` lists no `source_ip` range"]
        );
        let problems = run(
            &format!(
                "{teams}notebook_access: {{ source_ip: [203.0.113.0/24, 198.51.100.0/24, 203.0.113.0/24] }}\n"
            ),
            check,
        );
        assert_eq!(fields(&problems), ["notebook_access.source_ip[2]"]);
        assert_eq!(
            messages(&problems),
            ["the range `203.0.113.0/24` is listed twice"]
        );
    }

    #[test]
    fn a_user_in_two_teams_points_at_the_second() {
        let text =
            format!("{NETWORK}teams:\n  eng:\n    users: [bob]\n  ops:\n    users: [carol, Bob]\n");
        let problems = run(&text, check);
        assert_eq!(fields(&problems), ["teams.ops.users[1]"]);
        assert!(
            problems[0]
                .message
                .starts_with("user `Bob` is listed twice")
        );
        assert_eq!(problems[0].notes, ["first listed at s.yaml:4:13"]);
    }
}
