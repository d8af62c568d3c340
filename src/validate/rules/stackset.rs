//! StackSet rules: how a template is rolled out to the accounts of an organization.

use crate::template::json::Json;

use super::{Context, Equivalents, Rule, Severity, Violation};

pub static RULES: &[Rule] = &[
    Rule {
        id: "STACKSET-SERVICE-MANAGED",
        severity: Severity::Error,
        rationale: "Self-managed StackSets need an administration role and an execution role created by hand in every target account; service-managed ones use AWS Organizations' trusted access and reach new accounts on their own.",
        checks: "StackSets have PermissionModel SERVICE_MANAGED and AutoDeployment.Enabled written out; with Enabled true, RetainStacksOnAccountRemoval written out too, and with Enabled false absent (the reference allows it only with Enabled true).",
        fix: "Set PermissionModel: SERVICE_MANAGED and AutoDeployment { Enabled } (with RetainStacksOnAccountRemoval when Enabled is true); the definition's rollout.targets and rollout.account_removal decide them.",
        applies_to: &["AWS::CloudFormation::StackSet"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: service_managed,
    },
    Rule {
        id: "STACKSET-OPERATION-PREFERENCES",
        severity: Severity::Error,
        rationale: "StackSets' defaults (one account at a time, stop at the first failure) are rarely what an organization chose; a rollout to many accounts should say how many at once and how many failures it accepts.",
        checks: "StackSets have OperationPreferences with a failure tolerance (count or percentage) and a maximum concurrency (count or percentage).",
        fix: "Set rollout.max_concurrent_percentage and rollout.failure_tolerance_percentage in the definition.",
        applies_to: &["AWS::CloudFormation::StackSet"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: operation_preferences,
    },
    Rule {
        id: "STACKSET-MEMBER-UPLOAD",
        severity: Severity::Warning,
        rationale: "A StackSet reads a template over 51,200 bytes from S3: deploying the stack without uploading the member template first fails, or rolls out an old one.",
        checks: "A StackSet whose TemplateURL comes from a template parameter is reported, naming the parameter.",
        fix: "Upload NAME.member.template.json (aws s3 cp) and pass its HTTPS URL in that parameter; or make the member template smaller so that it is embedded.",
        applies_to: &["AWS::CloudFormation::StackSet"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: member_upload,
    },
];

fn service_managed(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::CloudFormation::StackSet") {
        if p.get("PermissionModel").and_then(Json::as_str) != Some("SERVICE_MANAGED") {
            out.push(Violation::at(
                id,
                "Properties.PermissionModel",
                "the StackSet is not service-managed",
            ));
        }
        let auto = &p["AutoDeployment"];
        let retain = auto.get("RetainStacksOnAccountRemoval");
        match auto.get("Enabled").and_then(Json::as_bool) {
            None => out.push(Violation::at(
                id,
                "Properties.AutoDeployment",
                "AutoDeployment.Enabled is not set: whether accounts that join the target units get the stack is left to the default",
            )),
            Some(true) if !retain.is_some_and(Json::is_boolean) => out.push(Violation::at(
                id,
                "Properties.AutoDeployment",
                "AutoDeployment.RetainStacksOnAccountRemoval is not set: what happens to the stacks of departing accounts is left to the default",
            )),
            Some(false) if retain.is_some() => out.push(Violation::at(
                id,
                "Properties.AutoDeployment",
                "AutoDeployment.RetainStacksOnAccountRemoval is set while Enabled is false: it applies to automatic deployments only",
            )),
            Some(_) => {}
        }
    }
    out
}

fn member_upload(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::CloudFormation::StackSet")
        .filter_map(|(id, p)| {
            let parameter = p.get("TemplateURL")?.get("Ref")?.as_str()?;
            cx.template["Parameters"].get(parameter)?;
            Some(Violation::at(
                id,
                "Properties.TemplateURL",
                format!(
                    "the StackSet's template is read from the URL in parameter {parameter}: upload the member template before deploying"
                ),
            ))
        })
        .collect()
}

fn operation_preferences(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for (id, p) in cx.of_type("AWS::CloudFormation::StackSet") {
        let prefs = &p["OperationPreferences"];
        let set = |keys: [&str; 2]| {
            keys.iter()
                .any(|k| prefs.get(*k).is_some_and(Json::is_number))
        };
        if !set(["FailureToleranceCount", "FailureTolerancePercentage"]) {
            out.push(Violation::at(
                id,
                "Properties.OperationPreferences",
                "no failure tolerance is set",
            ));
        }
        if !set(["MaxConcurrentCount", "MaxConcurrentPercentage"]) {
            out.push(Violation::at(
                id,
                "Properties.OperationPreferences",
                "no maximum concurrency is set",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_rule;
    use crate::json;
    use crate::template::json::Json as Value;

    fn stack_set(props: Value) -> Value {
        json!({"Resources": {"S": {"Type": "AWS::CloudFormation::StackSet", "Properties": props}}})
    }

    #[test]
    fn service_managed() {
        let auto = json!({"Enabled": true, "RetainStacksOnAccountRemoval": true});
        assert_rule(
            "STACKSET-SERVICE-MANAGED",
            stack_set(json!({"PermissionModel": "SERVICE_MANAGED", "AutoDeployment": auto})),
            stack_set(json!({"PermissionModel": "SELF_MANAGED", "AutoDeployment": auto})),
            "Resources.S.Properties.PermissionModel",
        );
        assert_rule(
            "STACKSET-SERVICE-MANAGED",
            stack_set(json!({"PermissionModel": "SERVICE_MANAGED", "AutoDeployment": auto})),
            stack_set(
                json!({"PermissionModel": "SERVICE_MANAGED", "AutoDeployment": {"Enabled": true}}),
            ),
            "Resources.S.Properties.AutoDeployment",
        );
        let off = json!({"Enabled": false});
        assert_rule(
            "STACKSET-SERVICE-MANAGED",
            stack_set(json!({"PermissionModel": "SERVICE_MANAGED", "AutoDeployment": off})),
            stack_set(json!({"PermissionModel": "SERVICE_MANAGED", "AutoDeployment": {}})),
            "Resources.S.Properties.AutoDeployment",
        );
        assert_rule(
            "STACKSET-SERVICE-MANAGED",
            stack_set(json!({"PermissionModel": "SERVICE_MANAGED", "AutoDeployment": off})),
            stack_set(json!({"PermissionModel": "SERVICE_MANAGED",
                "AutoDeployment": {"Enabled": false, "RetainStacksOnAccountRemoval": true}})),
            "Resources.S.Properties.AutoDeployment",
        );
    }

    #[test]
    fn member_upload() {
        let with = |url: Value| {
            json!({"Parameters": {"MemberTemplateUrl": {"Type": "String"}},
                "Resources": {"S": {"Type": "AWS::CloudFormation::StackSet", "Properties": {"TemplateURL": url}}}})
        };
        assert_rule(
            "STACKSET-MEMBER-UPLOAD",
            with(json!("https://bucket.s3.amazonaws.com/member.json")),
            with(json!({"Ref": "MemberTemplateUrl"})),
            "Resources.S.Properties.TemplateURL",
        );
    }

    #[test]
    fn operation_preferences() {
        assert_rule(
            "STACKSET-OPERATION-PREFERENCES",
            stack_set(
                json!({"OperationPreferences": {"FailureToleranceCount": 0, "MaxConcurrentPercentage": 25}}),
            ),
            stack_set(json!({"OperationPreferences": {"MaxConcurrentPercentage": 25}})),
            "Resources.S.Properties.OperationPreferences",
        );
        assert_rule(
            "STACKSET-OPERATION-PREFERENCES",
            stack_set(
                json!({"OperationPreferences": {"FailureTolerancePercentage": 0, "MaxConcurrentCount": 2}}),
            ),
            stack_set(json!({})),
            "Resources.S.Properties.OperationPreferences",
        );
    }
}
