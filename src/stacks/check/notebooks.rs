//! The `notebooks` component: at least one instance, volumes in range, one ARN and one
//! logical ID per notebook and per role, and the roles' names within IAM's limits. With a
//! role per notebook: no fixed `name`, and every `<name_prefix><notebook>` at most 64
//! characters. With the shared role: a fixed `name`, a stack name short enough to name
//! the identity lifecycle configuration, no notebook named like SageMaker's own session,
//! and a trust policy (which lists every notebook's name) within IAM's limit.

use std::collections::HashMap;

use crate::constructs::notebook_identity::{self, MAX_ROLE_NAME};
use crate::constructs::shared_notebook_role::{self, BASE_SESSION_NAME, SharedRoleProps};
use crate::diagnostic::Diagnostic;
use crate::resources::iam::MAX_TRUST_POLICY_CHARS;
use crate::stacks::definition::{NotebookIdentityMode, NotebooksSpec};
use crate::template::Value;

use super::{Input, require_network};

/// The name of the lifecycle configuration that gives notebooks their identity.
pub fn notebook_identity_config_name(stack: &str) -> String {
    format!("{stack}-identity")
}

/// The name of the lifecycle configuration of notebooks that need one for other reasons
/// than the shared-role identity (idle stop): `<stack>-on-start`.
pub fn notebook_on_start_config_name(stack: &str) -> String {
    format!("{stack}-on-start")
}

pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    let Some(notebooks) = &input.def.notebooks else {
        return;
    };
    require_network(input, "notebooks", problems);
    if notebooks.instances.is_empty() {
        problems.push(
            input
                .source
                .error_at_key("notebooks.instances", "`notebooks` lists no instance")
                .help("add e.g. `analyst-alice: {}`"),
        );
    }
    match notebooks.identity {
        NotebookIdentityMode::RolePerNotebook => role_per_notebook(input, notebooks, problems),
        NotebookIdentityMode::SharedRoleWithSessionNames => {
            shared_role(input, notebooks, problems);
            if notebooks.sagemaker.is_some() || notebooks.ecr.is_some() {
                let at = if notebooks.sagemaker.is_some() {
                    "notebooks.sagemaker"
                } else {
                    "notebooks.ecr"
                };
                problems.push(
                    input
                        .source
                        .error_at_key(at, "the shared role cannot confine SageMaker work to one notebook: every notebook holds it, so each could start, stop and read the others' jobs")
                        .help("use `identity: role-per-notebook` (the default), whose roles each start their own notebook's jobs only"),
                );
            }
        }
    }
    super::teams::sagemaker_grants(input, notebooks.sagemaker.as_ref(), "notebooks", problems);
    instances(input, notebooks, problems);
}

/// One role per notebook: no fixed name, and each derived name within IAM's limit.
fn role_per_notebook(input: &Input, notebooks: &NotebooksSpec, problems: &mut Vec<Diagnostic>) {
    let source = input.source;
    if notebooks.role.name.is_some() {
        problems.push(
            source
                .error_at_key(
                    "notebooks.role.name",
                    "with `identity: role-per-notebook` each notebook gets a role of its own, named after it; there is no shared role to name",
                )
                .help("remove `name` (use `name_prefix` to start every role's name the same way), or set `identity: shared-role-with-session-names`"),
        );
    }
    let prefix = notebooks
        .role
        .name_prefix
        .as_ref()
        .map_or("", |p| p.0.as_str());
    for notebook in notebooks.instances.keys() {
        let name = notebook_identity::role_name(prefix, &notebook.0);
        if name.len() > MAX_ROLE_NAME {
            problems.push(
                source
                    .error_at_key(
                        &format!("notebooks.instances.{notebook}"),
                        format!(
                            "the role of notebook `{notebook}` would be named `{name}`, {} characters; IAM allows {MAX_ROLE_NAME}",
                            name.len()
                        ),
                    )
                    .help(format!(
                        "use a `name_prefix` of at most {} characters, or a shorter notebook name",
                        MAX_ROLE_NAME.saturating_sub(notebook.0.len())
                    )),
            );
        }
    }
}

/// The shared role: a fixed name, no prefix, a lifecycle configuration name SageMaker
/// accepts, no notebook named like the base session, and a trust policy within IAM's
/// limit.
fn shared_role(input: &Input, notebooks: &NotebooksSpec, problems: &mut Vec<Diagnostic>) {
    let source = input.source;
    if notebooks.role.name_prefix.is_some() {
        problems.push(
            source
                .error_at_key(
                    "notebooks.role.name_prefix",
                    "`name_prefix` names a role per notebook; the shared role has one fixed `name`",
                )
                .help("replace `name_prefix` with `name`, or remove `identity` for a role per notebook"),
        );
    }
    let Some(role_name) = &notebooks.role.name else {
        let at = if source.key_position("notebooks.role").is_some() {
            "notebooks.role"
        } else {
            "notebooks"
        };
        problems.push(
            source
                .error_at_key(at, "the shared notebook role needs a fixed `name`: its trust policy names the role's own ARN")
                .help("add e.g. `role: { name: notebooks-shared, path: /notebooks/ }`"),
        );
        return;
    };
    let name = input.name;
    let config = notebook_identity_config_name(name);
    if !crate::resources::sagemaker::is_valid_name(&config) {
        problems.push(
            source
                .error_at_key("notebooks", format!("the stack name `{name}` is too long to name the lifecycle configuration `{config}`"))
                .help("use a stack name of at most 54 characters"),
        );
    }
    for notebook in notebooks.instances.keys() {
        if notebook.0.eq_ignore_ascii_case(BASE_SESSION_NAME) {
            problems.push(
                source
                    .error_at_key(
                        &format!("notebooks.instances.{notebook}"),
                        format!("a notebook of the shared role cannot be named `{notebook}`: SageMaker names the instance's own session `{BASE_SESSION_NAME}`, which may do nothing but assume the role again"),
                    )
                    .help("rename the notebook"),
            );
        }
    }
    let props = SharedRoleProps {
        name: role_name.0.clone(),
        path: notebooks.role.path.0.clone(),
        notebooks: notebooks.instances.keys().map(|n| n.0.clone()).collect(),
    };
    let endpoint = Value::map([("Ref", Value::from("StsEndpoint"))]);
    let trust = Value::from(shared_notebook_role::trust_policy(&props, &[endpoint]));
    let chars = serde_json::to_string(&trust).map_or(0, |t| t.len());
    if chars > MAX_TRUST_POLICY_CHARS {
        problems.push(
            source
                .error_at_key(
                    "notebooks.instances",
                    format!(
                        "{} notebooks share the role: its trust policy lists every notebook's name and would be {chars} characters; IAM allows {MAX_TRUST_POLICY_CHARS}",
                        props.notebooks.len()
                    ),
                )
                .help("use `identity: role-per-notebook`, or split the notebooks over several stacks"),
        );
    }
}

/// An idle limit, where one is set, within [`notebooks::IDLE_STOP_MINUTES`]; `path` is
/// the notebook's field path (`notebooks.instances.<name>`, `teams.<team>.notebook`).
pub(super) fn idle_stop(
    input: &Input,
    path: &str,
    spec: &crate::stacks::definition::NotebookSpec,
    problems: &mut Vec<Diagnostic>,
) {
    let (min, max) = crate::constructs::notebooks::IDLE_STOP_MINUTES;
    if let Some(minutes) = spec.idle_stop_minutes
        && !(min..=max).contains(&minutes)
    {
        problems.push(
            input
                .source
                .error_at_value(
                    &format!("{path}.idle_stop_minutes"),
                    format!("{minutes} minutes is out of range"),
                )
                .expected(format!(
                    "{min} to {max} minutes (the check runs every 5 minutes)"
                )),
        );
    }
    let config = notebook_on_start_config_name(input.name);
    if spec.idle_stop_minutes.is_some() && !crate::resources::sagemaker::is_valid_name(&config) {
        problems.push(
            input
                .source
                .error_at_value(
                    &format!("{path}.idle_stop_minutes"),
                    format!(
                        "the stack name `{}` is too long to name the lifecycle configuration `{config}` that stops notebooks",
                        input.name
                    ),
                )
                .help("use a stack name of at most 54 characters"),
        );
    }
}

/// Each instance: a volume size SageMaker accepts, and a name that no other instance's
/// matches ignoring case (SageMaker lower-cases names in ARNs). With a role per notebook,
/// the roles' logical IDs (`Notebook<Name>Role`) must not be another notebook's
/// (`Notebook<Name>`): notebooks `x` and `x-role`.
fn instances(input: &Input, notebooks: &NotebooksSpec, problems: &mut Vec<Diagnostic>) {
    let source = input.source;
    let id_key = |name: &str| crate::template::pascal_case(name).to_ascii_lowercase();
    let mut by_id: HashMap<String, &str> = HashMap::new();
    for (notebook, spec) in &notebooks.instances {
        let path = format!("notebooks.instances.{notebook}");
        if !(5..=16384).contains(&spec.volume_size_gb) {
            problems.push(
                source
                    .error_at_value(
                        &format!("{path}.volume_size_gb"),
                        format!("{} GiB is out of range", spec.volume_size_gb),
                    )
                    .expected("5 to 16384 GiB"),
            );
        }
        idle_stop(input, &path, spec, problems);
        if notebooks.identity == NotebookIdentityMode::SharedRoleWithSessionNames
            && spec.idle_stop_minutes.is_some()
        {
            problems.push(
                source
                    .error_at_value(
                        &format!("{path}.idle_stop_minutes"),
                        "a notebook of the shared role cannot stop itself: the instance's own session may only assume the role again, and any notebook could take this one's session name to stop it",
                    )
                    .help("use `identity: role-per-notebook` (the default), whose roles may stop their own notebook only"),
            );
        }
        if let Some(other) = by_id.insert(id_key(&notebook.0), &notebook.0) {
            problems.push(
                source
                    .error_at_key(&path, format!("notebooks `{other}` and `{notebook}` would share a logical ID and an ARN"))
                    .note(format!("`{other}` is at {}", source.describe_position(&format!("notebooks.instances.{other}"))))
                    .help("rename one of the two notebooks"),
            );
        }
    }
    if notebooks.identity != NotebookIdentityMode::RolePerNotebook {
        return;
    }
    for notebook in notebooks.instances.keys() {
        let role_key = format!("{}role", id_key(&notebook.0));
        if let Some(other) = by_id.get(&role_key) {
            let id = notebook_identity::role_id(&notebook.0)
                .map_or_else(|_| role_key.clone(), |id| id.as_str().to_string());
            problems.push(
                source
                    .error_at_key(
                        &format!("notebooks.instances.{other}"),
                        format!("the role of notebook `{notebook}` and notebook `{other}` would share the logical ID `{id}`"),
                    )
                    .help("rename one of the two notebooks"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run, run_named};
    use super::*;

    const NETWORK: &str = "network: { cidr: 10.0.0.0/16 }\n";
    const SHARED: &str = "identity: shared-role-with-session-names\n  role: { name: r }";

    fn notebooks(instances: &str) -> String {
        format!("{NETWORK}notebooks:\n  instances: {instances}\n")
    }

    fn shared(instances: &str) -> String {
        format!("{NETWORK}notebooks:\n  {SHARED}\n  instances: {instances}\n")
    }

    #[test]
    fn sagemaker_work_needs_a_role_per_notebook_and_instance_types() {
        let work = "\n  sagemaker: { jobs: [training], instance_types: [ml.m5.xlarge] }\n";
        assert!(run(&(notebooks("{ a: {} }") + work), check).is_empty());
        let problems = run(&(shared("{ a: {} }") + work), check);
        assert_eq!(fields(&problems), ["notebooks.sagemaker"]);
        assert!(
            problems[0]
                .message
                .contains("cannot confine SageMaker work to one notebook")
        );
        let untyped = "\n  sagemaker: { jobs: [training] }\n";
        let problems = run(&(notebooks("{ a: {} }") + untyped), check);
        assert_eq!(fields(&problems), ["notebooks.sagemaker"]);
        assert!(problems[0].message.contains("none is listed"));
    }

    #[test]
    fn distinct_instances_in_range_pass() {
        let text = notebooks("{ alice: {}, bob: { volume_size_gb: 5 } }");
        assert!(run(&text, check).is_empty());
        assert!(run(&shared("{ alice: {}, bob: {} }"), check).is_empty());
    }

    #[test]
    fn no_instance_is_refused() {
        let problems = run(&notebooks("{}"), check);
        assert_eq!(messages(&problems), ["`notebooks` lists no instance"]);
        assert_eq!(fields(&problems), ["notebooks.instances"]);
    }

    #[test]
    fn a_long_stack_name_cannot_name_the_identity_configuration() {
        let text = shared("{ alice: {} }");
        let name = "a".repeat(55);
        let problems = run_named(&name, &text, check);
        assert_eq!(fields(&problems), ["notebooks"]);
        assert!(
            problems[0]
                .message
                .contains("too long to name the lifecycle configuration")
        );
        assert!(run_named(&"a".repeat(54), &text, check).is_empty());
        // With a role per notebook there is no configuration to name.
        assert!(run_named(&name, &notebooks("{ alice: {} }"), check).is_empty());
    }

    #[test]
    fn idle_limits_out_of_range_with_the_shared_role_or_a_long_stack_name_are_refused() {
        assert!(
            run(
                &notebooks("{ a: { idle_stop_minutes: 10 }, b: { idle_stop_minutes: 10080 } }"),
                check
            )
            .is_empty()
        );
        let problems = run(
            &notebooks("{ a: { idle_stop_minutes: 9 }, b: { idle_stop_minutes: 10081 } }"),
            check,
        );
        assert_eq!(
            messages(&problems),
            ["9 minutes is out of range", "10081 minutes is out of range"]
        );
        assert_eq!(
            fields(&problems),
            [
                "notebooks.instances.a.idle_stop_minutes",
                "notebooks.instances.b.idle_stop_minutes"
            ]
        );
        let problems = run(&shared("{ a: { idle_stop_minutes: 60 } }"), check);
        assert_eq!(
            fields(&problems),
            ["notebooks.instances.a.idle_stop_minutes"]
        );
        assert!(
            problems[0].message.contains("cannot stop itself"),
            "{}",
            problems[0].message
        );
        let text = notebooks("{ a: { idle_stop_minutes: 60 } }");
        assert!(run_named(&"a".repeat(54), &text, check).is_empty());
        let problems = run_named(&"a".repeat(55), &text, check);
        assert_eq!(
            fields(&problems),
            ["notebooks.instances.a.idle_stop_minutes"]
        );
    }

    #[test]
    fn a_volume_out_of_range_is_refused() {
        let problems = run(&notebooks("{ alice: { volume_size_gb: 4 } }"), check);
        assert_eq!(messages(&problems), ["4 GiB is out of range"]);
        assert_eq!(
            fields(&problems),
            ["notebooks.instances.alice.volume_size_gb"]
        );
    }

    #[test]
    fn names_differing_in_case_share_an_arn() {
        let problems = run(&notebooks("{ alice: {}, Alice: {} }"), check);
        assert_eq!(
            messages(&problems),
            ["notebooks `alice` and `Alice` would share a logical ID and an ARN"]
        );
        assert_eq!(fields(&problems), ["notebooks.instances.Alice"]);
    }

    #[test]
    fn a_role_id_that_is_another_notebooks_id_is_refused() {
        let problems = run(&notebooks("{ x: {}, x-role: {} }"), check);
        assert_eq!(
            messages(&problems),
            [
                "the role of notebook `x` and notebook `x-role` would share the logical ID `NotebookXRole`"
            ]
        );
        assert_eq!(fields(&problems), ["notebooks.instances.x-role"]);
        // The shared role has no role per notebook.
        assert!(run(&shared("{ x: {}, x-role: {} }"), check).is_empty());
    }

    #[test]
    fn role_names_over_64_characters_are_refused_at_the_notebook() {
        let long = "n".repeat(60);
        let text = format!(
            "{NETWORK}notebooks:\n  role: {{ name_prefix: nb-team- }}\n  instances: {{ ok: {{}}, {long}: {{}} }}\n"
        );
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            [format!(
                "the role of notebook `{long}` would be named `nb-team-{long}`, 68 characters; IAM allows 64"
            )]
        );
        assert_eq!(fields(&problems), [format!("notebooks.instances.{long}")]);
        assert!(
            problems[0]
                .help
                .as_deref()
                .unwrap()
                .contains("at most 4 characters")
        );
        let fits = text.replace("nb-team-", "nb-a");
        assert!(run(&fits, check).is_empty());
    }

    #[test]
    fn each_mode_refuses_the_others_role_setting() {
        let text =
            format!("{NETWORK}notebooks:\n  role: {{ name: r }}\n  instances: {{ a: {{}} }}\n");
        let problems = run(&text, check);
        assert_eq!(fields(&problems), ["notebooks.role.name"]);
        assert!(
            problems[0]
                .message
                .contains("there is no shared role to name")
        );

        let text = format!(
            "{NETWORK}notebooks:\n  identity: shared-role-with-session-names\n  role: {{ name: r, name_prefix: p- }}\n  instances: {{ a: {{}} }}\n"
        );
        assert_eq!(fields(&run(&text, check)), ["notebooks.role.name_prefix"]);

        let text = format!(
            "{NETWORK}notebooks:\n  identity: shared-role-with-session-names\n  instances: {{ a: {{}} }}\n"
        );
        let problems = run(&text, check);
        assert_eq!(fields(&problems), ["notebooks"]);
        assert!(problems[0].message.contains("needs a fixed `name`"));
        let text = text.replace("  instances:", "  role: { path: /nb/ }\n  instances:");
        assert_eq!(fields(&run(&text, check)), ["notebooks.role"]);
    }

    #[test]
    fn a_shared_notebook_cannot_take_the_base_sessions_name() {
        let problems = run(&shared("{ a: {}, sagemaker: {} }"), check);
        assert_eq!(fields(&problems), ["notebooks.instances.sagemaker"]);
        assert!(
            problems[0]
                .message
                .contains("the instance's own session `SageMaker`")
        );
        // Its own role never sees that session name as a notebook's.
        assert!(run(&notebooks("{ a: {}, sagemaker: {} }"), check).is_empty());
    }

    #[test]
    fn a_trust_policy_over_iams_limit_is_refused() {
        let names = |n: usize| {
            (0..n)
                .map(|i| format!("notebook-with-a-long-name-{i:03}: {{}}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let problems = run(&shared(&format!("{{ {} }}", names(60))), check);
        assert_eq!(fields(&problems), ["notebooks.instances"]);
        assert!(
            problems[0]
                .message
                .starts_with("60 notebooks share the role"),
            "{}",
            problems[0].message
        );
        assert!(problems[0].message.ends_with("IAM allows 2048"));
        assert!(run(&shared(&format!("{{ {} }}", names(20))), check).is_empty());
    }
}
