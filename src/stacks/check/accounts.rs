//! A multi-account definition (`accounts`, `rollout`): accounts and rollout go together,
//! the member environment is an SSO Studio domain whose profiles onboarding makes, the
//! components that only exist in one account are refused, and the rollout's targets,
//! percentages and derived names are valid.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::stacks::definition::{
    AccountRemoval, AuthMode, MappingMode, RolloutSpec, RolloutTargets,
};

use super::{Input, listed_twice};

pub(super) fn check(input: &Input, problems: &mut Vec<Diagnostic>) {
    if input.def.accounts.is_empty() {
        rollout_without_accounts(input, problems);
        return;
    }
    let Some(rollout) = &input.def.rollout else {
        problems.push(
            input.source
                .error_at_key("accounts", "a multi-account definition needs `rollout`")
                .help("add `rollout: { organizational_units: [ou-ab12-cdef3456], regions: [eu-west-1], account_removal: delete_stack }`"),
        );
        return;
    };
    member_environment(input, problems);
    single_account_components(input, problems);
    account_ids_distinct(input, problems);
    rollout_targets(input, rollout, problems);
    rollout_percentages(input, rollout, problems);
    account_removal(input, rollout, problems);
    derived_names(input, rollout, problems);
}

/// With only the listed accounts as targets, an account leaves the rollout by leaving
/// `accounts`: its stack instances go with its instance group, and the StackSet resource
/// deletes them (it does not retain stacks), so a choice to retain cannot be honoured.
fn account_removal(input: &Input, rollout: &RolloutSpec, problems: &mut Vec<Diagnostic>) {
    if rollout.targets == RolloutTargets::Accounts
        && rollout.account_removal == AccountRemoval::RetainStack
    {
        problems.push(
            input
                .source
                .error_at_value(
                    "rollout.account_removal",
                    "`retain_stack` needs `targets: organizational_units`: a listed account leaves by leaving `accounts`, and the StackSet then deletes its member stacks",
                )
                .help("write `account_removal: delete_stack`; to keep one account's stack, detach it first (`aws cloudformation delete-stack-instances ... --retain-stacks`) and then remove it from `accounts`"),
        );
    }
}

fn rollout_without_accounts(input: &Input, problems: &mut Vec<Diagnostic>) {
    if input.def.rollout.is_some() {
        problems.push(
            input
                .source
                .error_at_key(
                    "rollout",
                    "`rollout` needs `accounts`: the Studio accounts it deploys to",
                )
                .help("add `accounts: { NAME: { account_id: \"111111111111\", groups: { … } } }`"),
        );
    }
}

/// Groups live under their account; every member gets an SSO domain; central onboarding
/// maps groups inline.
fn member_environment(input: &Input, problems: &mut Vec<Diagnostic>) {
    let (source, def) = (input.source, input.def);
    if !def.groups.is_empty() {
        problems.push(
            source
                .error_at_key(
                    "groups",
                    "with `accounts`, each group is listed under the account its users work in",
                )
                .help("move each group under `accounts.<account>.groups`"),
        );
    }
    if def.studio.as_ref().is_none_or(|s| s.auth != AuthMode::Sso) {
        problems.push(
            source
                .error_at_key(
                    if def.studio.is_some() { "studio" } else { "accounts" },
                    "every Studio account gets an SSO domain: the member template needs `studio: { auth: sso }`",
                )
                .help("add `studio: { auth: sso }`"),
        );
    }
    match &def.onboarding {
        None => problems.push(
            source
                .error_at_key("accounts", "a multi-account definition needs `onboarding`: the central functions that make the profiles")
                .help("add `onboarding: { trail: existing }`"),
        ),
        Some(o) if o.mapping != MappingMode::Inline => problems.push(
            source
                .error_at_value("onboarding.mapping", "multi-account onboarding reads its mapping from the definition")
                .expected("`inline`: the group → account mapping is part of the central template"),
        ),
        Some(_) => {}
    }
}

/// Components that exist in one account only have no place in the member template.
fn single_account_components(input: &Input, problems: &mut Vec<Diagnostic>) {
    let def = input.def;
    let single_account = [
        ("bastion", def.bastion.is_some()),
        ("notebooks", def.notebooks.is_some()),
        ("teams", !def.teams.is_empty()),
        ("presigned_url", def.presigned_url.is_some()),
    ];
    for (component, present) in single_account {
        if present {
            problems.push(
                input
                    .source
                    .error_at_key(
                        component,
                        format!(
                            "`{component}` is not part of the multi-account member environment"
                        ),
                    )
                    .help("define it in a separate single-account stack"),
            );
        }
    }
}

fn account_ids_distinct(input: &Input, problems: &mut Vec<Diagnostic>) {
    let mut ids: HashMap<&str, String> = HashMap::new();
    for (account, spec) in &input.def.accounts {
        let path = format!("accounts.{account}.account_id");
        if let Some(other) = ids.insert(spec.account_id.0.as_str(), account.0.clone()) {
            problems.push(input.source.error_at_value(
                &path,
                format!(
                    "account id {} is also the id of `{other}`",
                    spec.account_id.0
                ),
            ));
        }
    }
}

/// The organizational units and Regions: at least one of each, each once.
fn rollout_targets(input: &Input, rollout: &RolloutSpec, problems: &mut Vec<Diagnostic>) {
    let lists = [
        (
            "rollout.organizational_units",
            rollout
                .organizational_units
                .iter()
                .map(|o| o.0.as_str())
                .collect::<Vec<_>>(),
            "an organizational unit",
        ),
        (
            "rollout.regions",
            rollout.regions.iter().map(|r| r.0.as_str()).collect(),
            "a Region",
        ),
    ];
    for (path, values, what) in lists {
        if values.is_empty() {
            problems.push(
                input
                    .source
                    .error_at_value(path, format!("the rollout needs {what}"))
                    .help("list at least one"),
            );
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, v) in values.iter().enumerate() {
            if let Some(first) = seen.insert(v, i) {
                problems.push(listed_twice(
                    input.source,
                    &format!("{path}[{i}]"),
                    &format!("{path}[{first}]"),
                    format!("`{v}` is listed twice"),
                ));
            }
        }
    }
}

fn rollout_percentages(input: &Input, rollout: &RolloutSpec, problems: &mut Vec<Diagnostic>) {
    if !(1..=100).contains(&rollout.max_concurrent_percentage) {
        problems.push(
            input
                .source
                .error_at_value(
                    "rollout.max_concurrent_percentage",
                    format!("{}% is out of range", rollout.max_concurrent_percentage),
                )
                .expected("1 to 100 percent of the target accounts at once"),
        );
    }
    if rollout.failure_tolerance_percentage > 100 {
        problems.push(
            input
                .source
                .error_at_value(
                    "rollout.failure_tolerance_percentage",
                    format!("{}% is out of range", rollout.failure_tolerance_percentage),
                )
                .expected("0 to 100 percent"),
        );
    }
}

/// StackSet names: a letter, then letters, digits and hyphens (at most 128).
fn is_valid_stack_set_name(name: &str) -> bool {
    name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The stack's name names the StackSet and, with each Region, a provisioning role.
fn derived_names(input: &Input, rollout: &RolloutSpec, problems: &mut Vec<Diagnostic>) {
    let (name, source) = (input.name, input.source);
    if !is_valid_stack_set_name(name) {
        problems.push(
            source
                .error_at_key("rollout", format!("the stack name `{name}` cannot name the StackSet"))
                .expected("a name that starts with a letter (StackSet names: a letter, then letters, digits and hyphens)"),
        );
    }
    if let Some(longest) = rollout
        .regions
        .iter()
        .map(|r| r.0.as_str())
        .max_by_key(|r| r.len())
    {
        // The longer of the two functions' role names.
        let role = crate::constructs::cross_account::provisioning_role_name(
            name,
            crate::constructs::sso_onboarding::Duty::Offboarding,
            longest,
        );
        if role.len() > 64 {
            problems.push(
                source
                    .error_at_key(
                        "rollout.regions",
                        format!(
                            "the provisioning role name `{role}` is {} characters; IAM allows 64",
                            role.len()
                        ),
                    )
                    .help(
                        "use a shorter stack name: the roles are named <stack>-onboarding-<region> and <stack>-offboarding-<region>",
                    ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run, run_named};
    use super::*;

    const MEMBER: &str = "\
studio: { auth: sso }
identity_center: { identity_store_id: d-1234567890 }
onboarding: {}
accounts:
  research: { account_id: \"111111111111\", groups: { g: {} } }
";
    const ROLLOUT: &str = "rollout: { organizational_units: [ou-abcd-12345678], regions: [eu-west-1], account_removal: delete_stack }\n";

    #[test]
    fn a_single_account_definition_passes() {
        assert!(run("studio: {}\n", check).is_empty());
    }

    #[test]
    fn a_multi_account_definition_passes() {
        assert!(run(&format!("{MEMBER}{ROLLOUT}"), check).is_empty());
    }

    #[test]
    fn rollout_without_accounts_is_refused() {
        let problems = run(ROLLOUT, check);
        assert_eq!(
            messages(&problems),
            ["`rollout` needs `accounts`: the Studio accounts it deploys to"]
        );
    }

    #[test]
    fn accounts_without_rollout_stop_the_checks() {
        // Nothing else is reported: the missing rollout is the one problem to fix first.
        let text = "accounts:\n  research: { account_id: \"111111111111\" }\nbastion: {}\n";
        let problems = run(text, check);
        assert_eq!(
            messages(&problems),
            ["a multi-account definition needs `rollout`"]
        );
    }

    #[test]
    fn the_member_environment_is_an_sso_domain_with_inline_onboarding() {
        let text = format!(
            "studio: {{}}\ngroups: {{ g: {{}} }}\naccounts:\n  research: {{ account_id: \"111111111111\" }}\n{ROLLOUT}"
        );
        let problems = run(&text, check);
        assert_eq!(fields(&problems), ["groups", "studio", "accounts"]);
        let text = format!("{MEMBER}{ROLLOUT}")
            .replace("onboarding: {}", "onboarding: { mapping: dynamodb }");
        assert_eq!(fields(&run(&text, check)), ["onboarding.mapping"]);
    }

    #[test]
    fn single_account_components_are_refused_in_a_fixed_order() {
        let text = format!("{MEMBER}{ROLLOUT}presigned_url: {{}}\nbastion: {{}}\n");
        let problems = run(&text, check);
        assert_eq!(fields(&problems), ["bastion", "presigned_url"]);
        assert_eq!(
            messages(&problems)[0],
            "`bastion` is not part of the multi-account member environment"
        );
    }

    #[test]
    fn one_account_id_for_two_accounts_is_refused() {
        let text = format!("{MEMBER}  audit: {{ account_id: \"111111111111\" }}\n{ROLLOUT}");
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            ["account id 111111111111 is also the id of `research`"]
        );
        assert_eq!(fields(&problems), ["accounts.audit.account_id"]);
    }

    #[test]
    fn rollout_targets_are_given_once_each() {
        let text = format!(
            "{MEMBER}rollout: {{ organizational_units: [], regions: [eu-west-1, us-east-1, eu-west-1], account_removal: delete_stack }}\n"
        );
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            [
                "the rollout needs an organizational unit",
                "`eu-west-1` is listed twice"
            ]
        );
        assert_eq!(fields(&problems)[1], "rollout.regions[2]");
        assert_eq!(problems[1].notes.len(), 1);
    }

    #[test]
    fn percentages_out_of_range_are_refused() {
        let text = format!(
            "{MEMBER}{}",
            ROLLOUT.replace(
                " }",
                ", max_concurrent_percentage: 0, failure_tolerance_percentage: 101 }"
            )
        );
        let problems = run(&text, check);
        assert_eq!(
            messages(&problems),
            ["0% is out of range", "101% is out of range"]
        );
    }

    #[test]
    fn the_stack_name_must_name_the_stack_set_and_the_role() {
        let text = format!("{MEMBER}{ROLLOUT}");
        let problems = run_named("1-multi", &text, check);
        assert_eq!(
            messages(&problems),
            ["the stack name `1-multi` cannot name the StackSet"]
        );
        let long = "a".repeat(50);
        let problems = run_named(&long, &text, check);
        assert_eq!(fields(&problems), ["rollout.regions"]);
        assert!(problems[0].message.ends_with("characters; IAM allows 64"));
    }

    #[test]
    fn retaining_stacks_needs_organizational_units_as_targets() {
        let retain = ROLLOUT.replace("delete_stack", "retain_stack");
        let problems = run(&format!("{MEMBER}{retain}"), check);
        assert_eq!(fields(&problems), ["rollout.account_removal"]);
        let units = retain.replace(" }", ", targets: organizational_units }");
        assert!(run(&format!("{MEMBER}{units}"), check).is_empty());
    }

    #[test]
    fn stack_set_names_start_with_a_letter() {
        assert!(is_valid_stack_set_name("multi-1"));
        assert!(!is_valid_stack_set_name("1-multi"));
        assert!(!is_valid_stack_set_name(&"a".repeat(129)));
    }
}
