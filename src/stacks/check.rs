//! Checks that need the whole definition: components that depend on each other,
//! duplicates, logical-ID collisions and sizes. Each problem points at the entry it is
//! about. (Whether the network has the endpoints a component needs is judged on the
//! template by the rule pack's ENV-* rules, which see what is actually emitted.)

use std::collections::HashMap;

use crate::constructs::bastion::BastionOs;
use crate::constructs::network::{EndpointService, PrivateNetworkProps};
use crate::constructs::presigned_url::{EXPIRES_IN_SECONDS, SESSION_EXPIRATION_SECONDS};
use crate::constructs::studio;
use crate::diagnostic::Diagnostic;
use crate::validate::Severity;
use crate::validate::rules;

use indexmap::IndexMap;

use super::definition::{AccessLevel, AuthMode, BucketKey, SplitMode, StackDefinition};
use super::source::Source;

/// Users per stack. Far beyond what one template holds (500 resources), but bounded so
/// that synthesis time and memory stay bounded too.
pub const MAX_USERS: usize = 10_000;

/// CloudFormation's limit on a template Description.
const MAX_DESCRIPTION_BYTES: usize = 1024;

pub fn check(name: &str, source: &Source, def: &StackDefinition) -> Vec<Diagnostic> {
    let mut problems = Vec::new();

    if let Some(description) = &def.description
        && description.len() > MAX_DESCRIPTION_BYTES
    {
        problems.push(source.error_at_value(
                "description",
                format!(
                    "the description is {} bytes; CloudFormation allows at most {MAX_DESCRIPTION_BYTES}",
                    description.len()
                ),
            ));
    }

    if let Some(network) = &def.network {
        let mut seen: HashMap<EndpointService, usize> = HashMap::new();
        for (i, e) in network.endpoints.iter().enumerate() {
            if let Some(first) = seen.insert(e.0, i) {
                seen.insert(e.0, first);
                problems.push(
                    source
                        .error_at_value(
                            &format!("network.endpoints[{i}]"),
                            format!("endpoint `{}` is listed twice", e.0),
                        )
                        .note(format!(
                            "first listed at {}",
                            source.describe_position(&format!("network.endpoints[{first}]"))
                        ))
                        .help("remove one of the two entries"),
                );
            }
        }
        let cidr = network.cidr.0;
        let azs = network.availability_zones.0;
        let prefix = network
            .subnet_prefix_length
            .unwrap_or_else(|| PrivateNetworkProps::default_subnet_prefix(cidr));
        let smallest_fitting = cidr.prefix_len() + (u8::BITS - (azs - 1).leading_zeros()) as u8;
        if prefix > 28 || prefix < smallest_fitting {
            let path = if network.subnet_prefix_length.is_some() {
                "network.subnet_prefix_length"
            } else {
                "network.cidr"
            };
            problems.push(
                source
                    .error_at_value(
                        path,
                        format!("{azs} subnets of /{prefix} do not fit: {cidr} holds subnets of /{smallest_fitting} to /28 for {azs} AZs"),
                    )
                    .expected(format!("a subnet prefix length from {smallest_fitting} to 28")),
            );
        }
    }

    if let Some(studio_spec) = &def.studio {
        require_network(source, def, "studio", &mut problems);
        if studio_spec.domain_name.is_none() && !crate::resources::sagemaker::is_valid_name(name) {
            problems.push(
                source
                    .error_at_key(
                        "studio",
                        format!("the stack name `{name}` cannot be the domain name"),
                    )
                    .help("set `studio.domain_name`"),
            );
        }
        if studio_spec.users.len() > MAX_USERS {
            problems.push(
                source
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
        // Two users whose names give one logical ID would silently share a resource.
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for (i, user) in studio_spec.users.iter().enumerate() {
            let path = format!("studio.users[{i}]");
            if let Some(&first) = by_name.get(user.0.as_str()) {
                problems.push(
                    source
                        .error_at_value(&path, format!("user `{user}` is listed twice"))
                        .note(format!(
                            "first listed at {}",
                            source.describe_position(&format!("studio.users[{first}]"))
                        ))
                        .help("remove one of the two entries"),
                );
                continue;
            }
            by_name.insert(user.0.as_str(), i);
            match studio::user_profile_id(&user.0) {
                Ok(id) => {
                    if let Some(&first) = by_id.get(id.as_str()) {
                        let other = &studio_spec.users[first];
                        problems.push(
                            source
                                .error_at_value(
                                    &path,
                                    format!("users `{other}` and `{user}` would both become the resource `{id}`"),
                                )
                                .note(format!(
                                    "`{other}` is at {}",
                                    source.describe_position(&format!("studio.users[{first}]"))
                                ))
                                .help("logical IDs ignore case and hyphens; rename one of the two users"),
                        );
                    } else {
                        by_id.insert(id.as_str().to_string(), i);
                    }
                }
                Err(e) => problems.push(source.error_at_value(&path, e.to_string())),
            }
        }
    }

    if let Some(bastion) = &def.bastion {
        require_network(source, def, "bastion", &mut problems);
        if let Some(size) = bastion.root_volume_gb {
            let os = BastionOs::from(bastion.os);
            let min = os.minimum_root_volume_gb();
            if !(min..=16384).contains(&size) {
                problems.push(
                    source
                        .error_at_value(
                            "bastion.root_volume_gb",
                            format!("a {size} GiB root volume is out of range"),
                        )
                        .expected(format!("{min} to 16384 GiB for this AMI")),
                );
            }
        }
    }

    if let Some(notebooks) = &def.notebooks {
        require_network(source, def, "notebooks", &mut problems);
        if notebooks.instances.is_empty() {
            problems.push(
                source
                    .error_at_key("notebooks.instances", "`notebooks` lists no instance")
                    .help("add e.g. `analyst-alice: {}`"),
            );
        }
        if notebooks.identity_per_instance
            && !crate::resources::sagemaker::is_valid_name(&notebook_identity_config_name(name))
        {
            problems.push(
                source
                    .error_at_key("notebooks", format!("the stack name `{name}` is too long to name the lifecycle configuration `{}`", notebook_identity_config_name(name)))
                    .help("use a stack name of at most 54 characters"),
            );
        }
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
            // Names differing only in case share an ARN (SageMaker lower-cases names in ARNs).
            let key = crate::template::pascal_case(&notebook.0).to_ascii_lowercase();
            if let Some(other) = by_id.insert(key, &notebook.0) {
                problems.push(
                    source
                        .error_at_key(&path, format!("notebooks `{other}` and `{notebook}` would share a logical ID and an ARN"))
                        .note(format!("`{other}` is at {}", source.describe_position(&format!("notebooks.instances.{other}"))))
                        .help("rename one of the two notebooks"),
                );
            }
        }
    }

    for (bucket, spec) in &def.buckets {
        let path = format!("buckets.{bucket}");
        if let Some(name) = &spec.bucket_name
            && let Err(why) = crate::constructs::secure_bucket::check_explicit_name(name)
        {
            problems.push(source.error_at_value(&format!("{path}.bucket_name"), why));
        }
        if spec.noncurrent_version_days == 0 {
            problems.push(
                source
                    .error_at_value(
                        &format!("{path}.noncurrent_version_days"),
                        "0 days would delete every old version at once",
                    )
                    .expected("1 or more days"),
            );
        }
    }
    if !def.teams.is_empty() {
        require_network(source, def, "teams", &mut problems);
    }
    let mut users_seen: HashMap<String, String> = HashMap::new();
    for (team, spec) in &def.teams {
        let path = format!("teams.{team}");
        let notebook = team_notebook_name(name, &team.0);
        if !crate::resources::sagemaker::is_valid_name(&notebook) {
            problems.push(
                source
                    .error_at_key(
                        &path,
                        format!(
                            "the team's notebook name `{notebook}` is longer than 63 characters"
                        ),
                    )
                    .help("use a shorter team or stack name"),
            );
        }
        if !(5..=16384).contains(&spec.notebook.volume_size_gb) {
            problems.push(
                source
                    .error_at_value(
                        &format!("{path}.notebook.volume_size_gb"),
                        format!("{} GiB is out of range", spec.notebook.volume_size_gb),
                    )
                    .expected("5 to 16384 GiB"),
            );
        }
        check_bucket_access(
            source,
            def,
            &format!("team `{team}`"),
            &format!("{path}.access"),
            &spec.access,
            &mut problems,
        );
        for (i, user) in spec.users.iter().enumerate() {
            let at = format!("{path}.users[{i}]");
            let id = crate::template::pascal_case(&user.name.0).to_ascii_lowercase();
            if let Some(first) = users_seen.insert(id, at.clone()) {
                problems.push(
                    source
                        .error_at_value(&at, format!("user `{user}` is listed twice (or differs only in case or punctuation from another user)", user = user.name.0))
                        .note(format!("first listed at {}", source.describe_position(&first)))
                        .help("a user belongs to exactly one team"),
                );
            }
        }
    }

    if def.split == SplitMode::Nested && def.studio.as_ref().is_none_or(|s| s.users.is_empty()) {
        problems.push(
            source
                .error_at_value(
                    "split",
                    "`split: nested` moves Studio user profiles into nested stacks, and this definition lists none",
                )
                .help("remove `split`, or list the users under `studio.users`"),
        );
    }

    let sso = def.studio.as_ref().is_some_and(|s| s.auth == AuthMode::Sso);
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
    if let Some(onboarding) = &def.onboarding {
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
    }
    let mut group_ids: HashMap<String, String> = HashMap::new();
    let mut group_keys: HashMap<String, (String, String)> = HashMap::new();
    for (path, group, spec) in def.all_groups() {
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
        if let Some(id) = &spec.group_id
            && let Some(other) = group_ids.insert(id.0.to_ascii_lowercase(), group.0.clone())
        {
            problems.push(source.error_at_value(
                &format!("{path}.group_id"),
                format!("group id `{}` is also given to `{other}`", id.0),
            ));
        }
        check_bucket_access(
            source,
            def,
            &format!("group `{group}`"),
            &format!("{path}.grants.buckets"),
            &spec.grants.buckets,
            &mut problems,
        );
    }

    check_accounts(name, source, def, &mut problems);

    if let Some(presigned) = &def.presigned_url {
        if def.studio.is_none() || def.bastion.is_none() {
            problems.push(
                source
                    .error_at_key("presigned_url", "`presigned_url` needs a `studio` and a `bastion` component")
                    .help("the URL is issued from the bastion for the domain's user profiles; add both components"),
            );
        }
        let ranges = [
            (
                "presigned_url.expires_in_seconds",
                presigned.expires_in_seconds,
                EXPIRES_IN_SECONDS,
            ),
            (
                "presigned_url.session_expiration_seconds",
                presigned.session_expiration_seconds,
                SESSION_EXPIRATION_SECONDS,
            ),
        ];
        for (path, value, (min, max)) in ranges {
            if !(min..=max).contains(&value) {
                problems.push(
                    source
                        .error_at_value(path, format!("{value} seconds is out of range"))
                        .expected(format!(
                            "{min} to {max} seconds (CreatePresignedDomainUrl's limits)"
                        )),
                );
            }
        }
    }

    check_rule_references(source, def, &mut problems);
    problems
}

/// StackSet names: a letter, then letters, digits and hyphens (at most 128).
fn is_valid_stack_set_name(name: &str) -> bool {
    name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A multi-account definition: accounts and rollout go together, the member
/// environment is an SSO Studio domain whose profiles onboarding makes, and the
/// components that only exist in one account are refused.
fn check_accounts(
    name: &str,
    source: &Source,
    def: &StackDefinition,
    problems: &mut Vec<Diagnostic>,
) {
    if def.accounts.is_empty() {
        if def.rollout.is_some() {
            problems.push(
                source
                    .error_at_key(
                        "rollout",
                        "`rollout` needs `accounts`: the Studio accounts it deploys to",
                    )
                    .help(
                        "add `accounts: { NAME: { account_id: \"111111111111\", groups: { … } } }`",
                    ),
            );
        }
        return;
    }
    let Some(rollout) = &def.rollout else {
        problems.push(
            source
                .error_at_key("accounts", "a multi-account definition needs `rollout`")
                .help("add `rollout: { organizational_units: [ou-ab12-cdef3456], regions: [eu-west-1] }`"),
        );
        return;
    };
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
        Some(o) if o.mapping != super::definition::MappingMode::Inline => problems.push(
            source
                .error_at_value("onboarding.mapping", "multi-account onboarding reads its mapping from the definition")
                .expected("`inline`: the group → account mapping is part of the central template"),
        ),
        Some(_) => {}
    }
    let single_account = [
        ("bastion", def.bastion.is_some()),
        ("notebooks", def.notebooks.is_some()),
        ("teams", !def.teams.is_empty()),
        ("presigned_url", def.presigned_url.is_some()),
    ];
    for (component, present) in single_account {
        if present {
            problems.push(
                source
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
    let mut ids: HashMap<&str, String> = HashMap::new();
    for (account, spec) in &def.accounts {
        let path = format!("accounts.{account}.account_id");
        if let Some(other) = ids.insert(spec.account_id.0.as_str(), account.0.clone()) {
            problems.push(source.error_at_value(
                &path,
                format!(
                    "account id {} is also the id of `{other}`",
                    spec.account_id.0
                ),
            ));
        }
    }
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
                source
                    .error_at_value(path, format!("the rollout needs {what}"))
                    .help("list at least one"),
            );
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, v) in values.iter().enumerate() {
            if let Some(first) = seen.insert(v, i) {
                problems.push(
                    source
                        .error_at_value(&format!("{path}[{i}]"), format!("`{v}` is listed twice"))
                        .note(format!(
                            "first listed at {}",
                            source.describe_position(&format!("{path}[{first}]"))
                        )),
                );
            }
        }
    }
    if !(1..=100).contains(&rollout.max_concurrent_percentage) {
        problems.push(
            source
                .error_at_value(
                    "rollout.max_concurrent_percentage",
                    format!("{}% is out of range", rollout.max_concurrent_percentage),
                )
                .expected("1 to 100 percent of the target accounts at once"),
        );
    }
    if rollout.failure_tolerance_percentage > 100 {
        problems.push(
            source
                .error_at_value(
                    "rollout.failure_tolerance_percentage",
                    format!("{}% is out of range", rollout.failure_tolerance_percentage),
                )
                .expected("0 to 100 percent"),
        );
    }
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
        let role = crate::constructs::cross_account::provisioning_role_name(name, longest);
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
                        "use a shorter stack name: the role is named <stack>-provisioning-<region>",
                    ),
            );
        }
    }
}

/// Access to buckets, as teams and groups grant it: every bucket is defined, every list
/// is non-empty and names each level once.
fn check_bucket_access(
    source: &Source,
    def: &StackDefinition,
    who: &str,
    path: &str,
    access: &IndexMap<BucketKey, Vec<AccessLevel>>,
    problems: &mut Vec<Diagnostic>,
) {
    for (bucket, levels) in access {
        let at = format!("{path}.{bucket}");
        if !def.buckets.contains_key(bucket) {
            let known: Vec<&str> = def.buckets.keys().map(|b| b.0.as_str()).collect();
            let d = source.error_at_key(
                &at,
                format!("{who} grants access to `{bucket}`, which is not in `buckets`"),
            );
            problems.push(
                match crate::diagnostic::did_you_mean(&bucket.0, known.iter().copied()) {
                    Some(close) => d.help(format!("did you mean `{close}`?")),
                    None => d.help(format!("add `{bucket}: {{}}` under `buckets`")),
                },
            );
        }
        if levels.is_empty() {
            problems.push(
                source
                    .error_at_value(&at, "an empty access list grants nothing")
                    .help("remove the entry, or list read, write, delete or list"),
            );
        }
        let mut distinct = levels.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() != levels.len() {
            problems.push(source.error_at_value(&at, "an access level is listed twice"));
        }
    }
}

/// The notebook instance name of a team.
pub fn team_notebook_name(stack: &str, team: &str) -> String {
    format!("{stack}-{team}")
}

/// The name of the lifecycle configuration that gives notebooks their identity.
pub fn notebook_identity_config_name(stack: &str) -> String {
    format!("{stack}-identity")
}

/// A suppression's reason must be a real sentence: the reviewer reads it instead of the
/// finding.
pub fn is_sentence(reason: &str) -> bool {
    let reason = reason.trim();
    reason.len() >= 20
        && reason.split_whitespace().count() >= 4
        && reason.ends_with(['.', '!', '?'])
        && reason.chars().next().is_some_and(char::is_alphanumeric)
}

fn check_rule_references(source: &Source, def: &StackDefinition, problems: &mut Vec<Diagnostic>) {
    let ids: Vec<&str> = rules::catalogue().iter().map(|r| r.id).collect();
    let unknown = |path: &str, id: &str| {
        let mut d = source
            .error_at_value(path, format!("unknown rule `{id}`"))
            .help("`synth rules` lists every rule");
        if let Some(close) = crate::diagnostic::did_you_mean(id, ids.iter().copied()) {
            d = d.help(format!(
                "did you mean `{close}`? (`synth rules` lists every rule)"
            ));
        }
        d
    };
    for (i, s) in def.suppressions.iter().enumerate() {
        let path = format!("suppressions[{i}]");
        match rules::find(&s.rule) {
            None => problems.push(unknown(&format!("{path}.rule"), &s.rule)),
            Some(rule) if rule.id == rules::SUPPRESSION_UNUSED => problems
                .push(source.error_at_value(
                &format!("{path}.rule"),
                "`SUPPRESSION-UNUSED` cannot be suppressed; remove the unused suppression instead",
            )),
            Some(_) => {}
        }
        if !is_sentence(&s.reason) {
            problems.push(
                source
                    .error_at_value(&format!("{path}.reason"), "a suppression needs a written reason of at least one full sentence")
                    .expected("a sentence of at least four words that ends with a full stop, saying why the finding is acceptable here"),
            );
        }
    }
    for (i, id) in def.escalate.iter().enumerate() {
        let path = format!("escalate[{i}]");
        match rules::find(id) {
            None => problems.push(unknown(&path, id)),
            Some(rule) if rule.severity != Severity::Warning => {
                problems.push(source.error_at_value(
                    &path,
                    format!("`{id}` is already an error; only warning rules can be escalated"),
                ))
            }
            Some(_) => {}
        }
    }
}

fn require_network(
    source: &Source,
    def: &StackDefinition,
    component: &str,
    problems: &mut Vec<Diagnostic>,
) {
    if def.network.is_none() {
        problems.push(
            source
                .error_at_key(
                    component,
                    format!("`{component}` needs a `network` component"),
                )
                .help("add e.g. `network: { cidr: 10.20.0.0/16 }`"),
        );
    }
}
