//! The Studio domain's settings: idle shutdown and storage within the ranges of the
//! `AWS::SageMaker::Domain` reference, instance types listed once, lifecycle
//! configurations with names that fit and at most one default per app type, custom images
//! with SageMaker image names, ECR repository names and one tag or digest each.

use std::collections::HashMap;

use crate::constructs::grants::ml::is_repository_name;
use crate::constructs::studio_settings::{
    LIFECYCLE_NAME_SUFFIX_LEN, app_image_config_name, is_studio_image_name, lifecycle_config_name,
};
use crate::diagnostic::Diagnostic;
use crate::resources::sagemaker::{IDLE_TIMEOUT_MINUTES, SPACE_EBS_GB};
use crate::stacks::definition::StudioSpec;

use super::{Input, listed_twice};

pub(super) fn check(input: &Input, studio: &StudioSpec, problems: &mut Vec<Diagnostic>) {
    let source = input.source;
    if let Some(minutes) = studio.idle_shutdown_minutes {
        let (low, high) = IDLE_TIMEOUT_MINUTES;
        if !(low..=high).contains(&minutes) {
            problems.push(source.error_at_value(
                "studio.idle_shutdown_minutes",
                format!(
                    "{minutes} minutes; SageMaker takes an idle timeout of {low} to {high} minutes"
                ),
            ));
        }
    }
    storage(input, studio, problems);
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, t) in studio.instance_types.iter().enumerate() {
        if let Some(&first) = seen.get(t.0.as_str()) {
            problems.push(
                listed_twice(
                    source,
                    &format!("studio.instance_types[{i}]"),
                    &format!("studio.instance_types[{first}]"),
                    format!("instance type `{}` is listed twice", t.0),
                )
                .help("remove one of the two entries"),
            );
        } else {
            seen.insert(t.0.as_str(), i);
        }
    }
    lifecycle_configs(input, studio, problems);
    images(input, studio, problems);
}

fn storage(input: &Input, studio: &StudioSpec, problems: &mut Vec<Diagnostic>) {
    let source = input.source;
    let (low, high) = SPACE_EBS_GB;
    for (field, value) in [
        ("default_ebs_gb", studio.default_ebs_gb),
        ("max_ebs_gb", studio.max_ebs_gb),
    ] {
        if let Some(gb) = value
            && !(low..=high).contains(&gb)
        {
            problems.push(source.error_at_value(
                &format!("studio.{field}"),
                format!("{gb} GiB; a space's EBS volume is {low} to {high} GiB"),
            ));
        }
    }
    match (studio.default_ebs_gb, studio.max_ebs_gb) {
        (Some(default), Some(max)) if default > max => problems.push(
            source
                .error_at_value(
                    "studio.default_ebs_gb",
                    format!("the default volume size ({default} GiB) is larger than `max_ebs_gb` ({max} GiB)"),
                )
                .help("lower `default_ebs_gb` or raise `max_ebs_gb`"),
        ),
        (Some(_), None) | (None, Some(_)) => problems.push(
            source
                .error_at_key(
                    if studio.default_ebs_gb.is_some() { "studio.default_ebs_gb" } else { "studio.max_ebs_gb" },
                    "`default_ebs_gb` and `max_ebs_gb` go together: SageMaker requires both",
                )
                .help("set both, e.g. `default_ebs_gb: 5` and `max_ebs_gb: 100`"),
        ),
        _ => {}
    }
}

fn lifecycle_configs(input: &Input, studio: &StudioSpec, problems: &mut Vec<Diagnostic>) {
    let source = input.source;
    let mut defaults = HashMap::new();
    for (name, spec) in &studio.lifecycle_configs {
        let path = format!("studio.lifecycle_configs.{name}");
        if !crate::resources::sagemaker::is_valid_name(&lifecycle_config_name(&name.0, "")) {
            problems.push(
                source
                    .error_at_key(
                        &path,
                        format!("the name `{name}` is too long: with the content hash SageMaker's name would exceed 63 characters"),
                    )
                    .help(format!(
                        "use a name of at most {} characters",
                        63 - LIFECYCLE_NAME_SUFFIX_LEN
                    )),
            );
        }
        if spec.default {
            if let Some(first) = defaults.get(&spec.app) {
                problems.push(
                    source
                        .error_at_value(
                            &format!("{path}.default"),
                            format!("`{first}` is already the default of this app type; an app runs one default configuration"),
                        )
                        .help("keep `default: true` on one of the two"),
                );
            } else {
                defaults.insert(spec.app, name.0.clone());
            }
        }
    }
}

fn images(input: &Input, studio: &StudioSpec, problems: &mut Vec<Diagnostic>) {
    let source = input.source;
    let mut defaults = HashMap::new();
    let mut configs: HashMap<String, &str> = HashMap::new();
    for (name, spec) in &studio.images {
        let path = format!("studio.images.{name}");
        if !is_studio_image_name(name) {
            problems.push(
                source
                    .error_at_key(
                        &path,
                        format!("`{name}` is not a Studio image name: 1 to 63 lower-case letters and digits, single `-` or `.` between them"),
                    )
                    .help("SageMaker's image names follow ^[a-zA-Z0-9]([-.]?[a-zA-Z0-9]){0,62}$, and the image ARN a domain's default takes only lower case"),
            );
        } else if let Some(first) = configs.insert(app_image_config_name(name), name) {
            problems.push(
                source
                    .error_at_key(
                        &path,
                        format!("`{name}` and `{first}` differ only in `.` against `-`; their app image configurations would have one name"),
                    )
                    .help("rename one of the two"),
            );
        }
        if !is_repository_name(&spec.repository) {
            problems.push(
                source
                    .error_at_value(
                        &format!("{path}.repository"),
                        format!("`{}` is not an ECR repository name", spec.repository),
                    )
                    .help("2 to 256 lower-case letters, digits and `._-/`, starting with a letter or digit, e.g. `team/pytorch-studio`"),
            );
        }
        match (&spec.tag, &spec.digest) {
            (Some(tag), None) if !is_image_tag(tag) => problems.push(
                source
                    .error_at_value(
                        &format!("{path}.tag"),
                        format!("`{tag}` is not an image tag"),
                    )
                    .help(
                        "1 to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`",
                    ),
            ),
            (None, Some(digest)) if !is_image_digest(digest) => problems.push(
                source
                    .error_at_value(
                        &format!("{path}.digest"),
                        format!("`{digest}` is not an image digest"),
                    )
                    .help("write `sha256:` and the 64 lower-case hex digits ECR shows"),
            ),
            (Some(_), Some(_)) | (None, None) => problems.push(
                source
                    .error_at_key(&path, "an image names exactly one of `tag` and `digest`")
                    .help("e.g. `tag: \"1.0\"`, or `digest: sha256:…` to pin the exact image"),
            ),
            _ => {}
        }
        if spec.default {
            if let Some(first) = defaults.get(&spec.app) {
                problems.push(
                    source
                        .error_at_value(
                            &format!("{path}.default"),
                            format!("`{first}` is already the default image of this app type"),
                        )
                        .help("keep `default: true` on one of the two"),
                );
            } else {
                defaults.insert(spec.app, name.clone());
            }
        }
    }
}

/// An image tag as Docker and ECR take it.
fn is_image_tag(tag: &str) -> bool {
    (1..=128).contains(&tag.len())
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// `sha256:` and 64 lower-case hex digits.
fn is_image_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::super::studio::check as studio_check;
    use super::super::testing::{fields, messages, run};

    const NETWORK: &str = "network: { cidr: 10.0.0.0/16 }\n";

    fn studio(body: &str) -> Vec<crate::diagnostic::Diagnostic> {
        run(&format!("{NETWORK}studio:\n{body}"), studio_check)
    }

    #[test]
    fn settings_within_the_ranges_pass() {
        let problems = studio(
            "  idle_shutdown_minutes: 60\n  default_ebs_gb: 5\n  max_ebs_gb: 16384\n  instance_types: [ml.t3.medium, ml.m5.large]\n  lifecycle_configs:\n    setup: { app: jupyterlab, script: a.sh, default: true }\n    editor: { app: code-editor, script: a.sh, default: true }\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn idle_minutes_outside_the_reference_range_are_refused() {
        for (minutes, bad) in [(59, true), (60, false), (525_600, false), (525_601, true)] {
            let problems = studio(&format!("  idle_shutdown_minutes: {minutes}\n"));
            assert_eq!(!problems.is_empty(), bad, "{minutes}: {problems:?}");
        }
        let problems = studio("  idle_shutdown_minutes: 30\n");
        assert_eq!(
            messages(&problems),
            ["30 minutes; SageMaker takes an idle timeout of 60 to 525600 minutes"]
        );
        assert_eq!(fields(&problems), ["studio.idle_shutdown_minutes"]);
    }

    #[test]
    fn storage_needs_both_sizes_in_range_and_in_order() {
        assert_eq!(
            messages(&studio("  default_ebs_gb: 4\n  max_ebs_gb: 16385\n")),
            [
                "4 GiB; a space's EBS volume is 5 to 16384 GiB",
                "16385 GiB; a space's EBS volume is 5 to 16384 GiB"
            ]
        );
        assert_eq!(
            messages(&studio("  default_ebs_gb: 50\n  max_ebs_gb: 20\n")),
            ["the default volume size (50 GiB) is larger than `max_ebs_gb` (20 GiB)"]
        );
        assert_eq!(fields(&studio("  max_ebs_gb: 20\n")), ["studio.max_ebs_gb"]);
    }

    #[test]
    fn an_instance_type_listed_twice_is_refused() {
        let problems = studio("  instance_types: [ml.t3.medium, ml.t3.medium]\n");
        assert_eq!(
            messages(&problems),
            ["instance type `ml.t3.medium` is listed twice"]
        );
        assert_eq!(fields(&problems), ["studio.instance_types[1]"]);
    }

    #[test]
    fn images_need_valid_names_a_repository_and_one_tag_or_digest() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let ok = studio(&format!(
            "  images:\n    team-torch.v2: {{ app: jupyterlab, repository: team/torch, tag: \"2.3\", default: true }}\n    editor: {{ app: code-editor, repository: editor, digest: \"{digest}\", default: true }}\n"
        ));
        assert!(ok.is_empty(), "{ok:?}");
        let problems = studio(
            "  images:\n    Torch: { app: jupyterlab, repository: Team, tag: 1 }\n    a.b: { app: jupyterlab, repository: r1, tag: .x, default: true }\n    a-b: { app: jupyterlab, repository: r1, digest: sha256:12, default: true }\n    c: { app: code-editor, repository: r1 }\n    d: { app: code-editor, repository: r1, tag: t, digest: sha256:1 }\n",
        );
        assert_eq!(
            fields(&problems),
            [
                "studio.images.Torch",
                "studio.images.Torch.repository",
                "studio.images.a.b.tag",
                "studio.images.a-b",
                "studio.images.a-b.digest",
                "studio.images.a-b.default",
                "studio.images.c",
                "studio.images.d",
            ]
        );
        assert_eq!(
            messages(&problems)[3],
            "`a-b` and `a.b` differ only in `.` against `-`; their app image configurations would have one name"
        );
    }

    #[test]
    fn two_defaults_of_one_app_type_and_long_names_are_refused() {
        let problems = studio(
            "  lifecycle_configs:\n    a: { app: jupyterlab, script: a.sh, default: true }\n    b: { app: jupyterlab, script: b.sh, default: true }\n",
        );
        assert_eq!(fields(&problems), ["studio.lifecycle_configs.b.default"]);
        let long = "x".repeat(55);
        let problems = studio(&format!(
            "  lifecycle_configs:\n    {long}: {{ app: jupyterlab, script: a.sh }}\n"
        ));
        assert_eq!(
            fields(&problems),
            [format!("studio.lifecycle_configs.{long}")]
        );
        let fits = "x".repeat(54);
        assert!(
            studio(&format!(
                "  lifecycle_configs:\n    {fits}: {{ app: jupyterlab, script: a.sh }}\n"
            ))
            .is_empty()
        );
    }
}
