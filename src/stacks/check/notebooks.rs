//! The `notebooks` component: at least one instance, a stack name short enough to name
//! the identity lifecycle configuration, volumes in range, and one ARN per notebook.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::stacks::definition::NotebooksSpec;

use super::{Input, require_network};

/// The name of the lifecycle configuration that gives notebooks their identity.
pub fn notebook_identity_config_name(stack: &str) -> String {
    format!("{stack}-identity")
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
    identity_config_name(input, notebooks, problems);
    instances(input, notebooks, problems);
}

fn identity_config_name(input: &Input, notebooks: &NotebooksSpec, problems: &mut Vec<Diagnostic>) {
    let name = input.name;
    if notebooks.identity_per_instance
        && !crate::resources::sagemaker::is_valid_name(&notebook_identity_config_name(name))
    {
        problems.push(
            input
                .source
                .error_at_key("notebooks", format!("the stack name `{name}` is too long to name the lifecycle configuration `{}`", notebook_identity_config_name(name)))
                .help("use a stack name of at most 54 characters"),
        );
    }
}

/// Each instance: a volume size SageMaker accepts, and a name that no other instance's
/// matches ignoring case (SageMaker lower-cases names in ARNs).
fn instances(input: &Input, notebooks: &NotebooksSpec, problems: &mut Vec<Diagnostic>) {
    let source = input.source;
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

#[cfg(test)]
mod tests {
    use super::super::testing::{fields, messages, run, run_named};
    use super::*;

    const NETWORK: &str = "network: { cidr: 10.0.0.0/16 }\n";

    fn notebooks(instances: &str) -> String {
        format!("{NETWORK}notebooks:\n  role: {{ name: r }}\n  instances: {instances}\n")
    }

    #[test]
    fn distinct_instances_in_range_pass() {
        let text = notebooks("{ alice: {}, bob: { volume_size_gb: 5 } }");
        assert!(run(&text, check).is_empty());
    }

    #[test]
    fn no_instance_is_refused() {
        let problems = run(&notebooks("{}"), check);
        assert_eq!(messages(&problems), ["`notebooks` lists no instance"]);
        assert_eq!(fields(&problems), ["notebooks.instances"]);
    }

    #[test]
    fn a_long_stack_name_cannot_name_the_identity_configuration() {
        let text = notebooks("{ alice: {} }");
        let name = "a".repeat(55);
        let problems = run_named(&name, &text, check);
        assert_eq!(fields(&problems), ["notebooks"]);
        assert!(
            problems[0]
                .message
                .contains("too long to name the lifecycle configuration")
        );
        assert!(run_named(&"a".repeat(54), &text, check).is_empty());
        // Without per-instance identity there is no configuration to name.
        let text = text.replace("instances:", "identity_per_instance: false\n  instances:");
        assert!(run_named(&name, &text, check).is_empty());
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
}
