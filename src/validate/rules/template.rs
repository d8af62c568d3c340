//! Rules about the template as CloudFormation reads it: references, limits, names and
//! `Fn::Sub` hygiene. They report what the structural passes in
//! `validate::{references, limits, names}` find.

use super::{Context, Equivalents, Rule, Severity, id};

const NONE: Equivalents = Equivalents {
    cfn_lint: &[],
    checkov: &[],
};

macro_rules! structural {
    ($id:expr, $severity:expr, $rationale:literal, $checks:literal, $fix:literal, $cfn_lint:expr) => {
        Rule {
            id: $id,
            severity: $severity,
            rationale: $rationale,
            checks: $checks,
            fix: $fix,
            applies_to: &["*"],
            equivalents: Equivalents {
                cfn_lint: $cfn_lint,
                checkov: &[],
            },
            check: |cx: &Context| cx.structural($id),
        }
    };
}

pub static RULES: &[Rule] = &[
    structural!(
        id::CFN_REF_UNRESOLVED,
        Severity::Error,
        "A Ref or ${Name} in Fn::Sub to something that does not exist fails the deployment.",
        "Every Ref and every ${Name} inside Fn::Sub names a parameter, a resource or a pseudo parameter of the template.",
        "Reference a resource or parameter the template defines; inside Fn::Sub write a literal ${ as ${!.",
        &["E1020", "E1019"]
    ),
    structural!(
        id::CFN_GETATT_UNRESOLVED,
        Severity::Error,
        "Fn::GetAtt (or ${Name.Attr}) of a missing resource fails the deployment.",
        "Every Fn::GetAtt and ${Name.Attr} names a resource of the template.",
        "Point the attribute at a resource the template defines.",
        &["E1010"]
    ),
    structural!(
        id::CFN_CONDITION_UNDEFINED,
        Severity::Error,
        "A condition that is not defined makes CloudFormation reject the template.",
        "Every resource Condition, Fn::If and Condition reference names a condition in Conditions.",
        "Define the condition or remove the reference.",
        &["E8002"]
    ),
    structural!(
        id::CFN_DEPENDSON_UNDEFINED,
        Severity::Error,
        "DependsOn on a missing resource makes CloudFormation reject the template.",
        "Every DependsOn entry names a resource of the template.",
        "Remove the entry or name an existing resource.",
        &["E3005"]
    ),
    structural!(
        id::CFN_DEPENDENCY_CYCLE,
        Severity::Error,
        "Resources that depend on each other in a circle can never be created.",
        "The graph of DependsOn, Ref, Fn::GetAtt and Fn::Sub references between resources has no cycle.",
        "Break the cycle, e.g. move a self-referencing rule or policy into its own resource.",
        &["E3004"]
    ),
    structural!(
        id::CFN_LIMIT_COUNT,
        Severity::Error,
        "CloudFormation rejects a template with more than 500 resources, 200 parameters, 200 mappings or 200 outputs.",
        "Counts of Resources, Parameters, Mappings and Outputs against CloudFormation's quotas.",
        "Add `split: nested` to the definition when Studio user profiles are the bulk (they and their outputs go into nested stacks of 100); otherwise split the stack (fewer components per definition).",
        &["E3010", "E2010", "E6010"]
    ),
    structural!(
        id::CFN_LOGICAL_ID,
        Severity::Error,
        "Logical IDs other than 1-255 ASCII letters and digits are rejected.",
        "Every key in Resources, Parameters, Mappings and Outputs matches ^[A-Za-z0-9]{1,255}$.",
        "Rename the entry in the definition so that its derived ID is alphanumeric.",
        &[]
    ),
    structural!(
        id::CFN_NO_RESOURCES,
        Severity::Error,
        "A template without resources cannot be deployed.",
        "The Resources section holds at least one resource.",
        "Add a component such as `network` to the definition.",
        &["E1001"]
    ),
    structural!(
        id::CFN_LIMIT_DESCRIPTION,
        Severity::Error,
        "CloudFormation rejects a Description over 1,024 bytes.",
        "The template Description is at most 1,024 bytes.",
        "Shorten `description` in the definition.",
        &["E1003"]
    ),
    structural!(
        id::CFN_LIMIT_BODY,
        Severity::Error,
        "CloudFormation rejects a template body over 1 MB.",
        "The serialized template is at most 1,000,000 bytes.",
        "Add `split: nested` to the definition when Studio user profiles are the bulk; otherwise split the stack.",
        &["E1002"]
    ),
    structural!(
        id::CFN_LIMIT_INLINE_BODY,
        Severity::Warning,
        "`aws cloudformation deploy --template-file` sends at most 51,200 bytes inline.",
        "The serialized template is at most 51,200 bytes.",
        "Deploy with `--s3-bucket`; or write the template with `--minify` when the finding says the minified body fits; or split the stack. To accept it (a pipeline that always uploads), suppress it without a `resource:` in the definition.",
        &[]
    ),
    structural!(
        id::NAME_SAGEMAKER,
        Severity::Error,
        "SageMaker refuses domain, user-profile and notebook names outside its pattern.",
        "Literal DomainName, UserProfileName, NotebookInstanceName and lifecycle-config names match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$.",
        "Use letters, digits and hyphens only, at most 63 characters.",
        &["E3031"]
    ),
    structural!(
        id::NAME_S3_BUCKET,
        Severity::Error,
        "S3 refuses bucket names outside its naming rules.",
        "Literal BucketName values follow S3's rules (3-63 characters, lower case, no reserved prefix or suffix).",
        "Let the name be derived from the stack, or follow S3's naming rules.",
        &["E3031"]
    ),
    structural!(
        id::NAME_IAM,
        Severity::Error,
        "IAM refuses names with other characters or over its length limits.",
        "Literal role, user, group, instance-profile and managed-policy names use letters, digits and +=,.@_- within IAM's limits.",
        "Rename the entity in the definition.",
        &["E3031"]
    ),
    structural!(
        id::NAME_IAM_PATH,
        Severity::Error,
        "IAM refuses paths that do not start and end with a slash.",
        "Literal IAM Path values are `/` or `/segment/…/`.",
        "Write the path as /team/ (leading and trailing slash).",
        &["E3031"]
    ),
    structural!(
        id::IAM_POLICY_SIZE,
        Severity::Error,
        "IAM rejects policies over its size quotas at deploy time, after other resources were created.",
        "Managed policies ≤ 6,144 characters, a role's inline policies ≤ 10,240 in total, trust policies ≤ 2,048 (whitespace excluded).",
        "Split the grants over several managed policies.",
        &[]
    ),
    Rule {
        id: id::SUB_UNESCAPED_VARIABLE,
        severity: Severity::Error,
        rationale: "An IAM policy variable such as ${aws:username} inside Fn::Sub is read as a template reference and fails, or worse, resolves to something else.",
        checks: "No ${…} inside an Fn::Sub string names an IAM policy variable (a name with a colon that is not an AWS:: pseudo parameter).",
        fix: "Write the variable as ${!aws:username} inside Fn::Sub.",
        applies_to: &["*"],
        equivalents: NONE,
        // Found by the reference pass, in its walk of the intrinsics.
        check: |cx: &Context| cx.structural(id::SUB_UNESCAPED_VARIABLE),
    },
];

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_rule;
    use crate::json;
    use crate::template::json::Json;

    fn with(value: Json) -> Json {
        json!({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [{"Resource": value}]}}}}})
    }

    #[test]
    fn sub_unescaped_variable() {
        assert_rule(
            "SUB-UNESCAPED-VARIABLE",
            with(json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::b/home/${!aws:username}/*"})),
            with(json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::b/home/${aws:username}/*"})),
            "Resources.P.Properties.PolicyDocument.Statement[0].Resource.Fn::Sub",
        );
    }

    #[test]
    fn structural_rules_report_their_pass() {
        assert_rule(
            "CFN-REF-UNRESOLVED",
            json!({"Resources": {"A": {"Type": "T", "Properties": {"X": {"Ref": "AWS::Region"}}}}}),
            json!({"Resources": {"A": {"Type": "T", "Properties": {"X": {"Ref": "Nope"}}}}}),
            "Resources.A.Properties.X.Ref",
        );
        assert_rule(
            "CFN-DEPENDENCY-CYCLE",
            json!({"Resources": {"A": {"Type": "T", "DependsOn": "B"}, "B": {"Type": "T"}}}),
            json!({"Resources": {"A": {"Type": "T", "DependsOn": "B"}, "B": {"Type": "T", "DependsOn": "A"}}}),
            "Resources.A",
        );
        assert_rule(
            "CFN-NO-RESOURCES",
            json!({"Resources": {"A": {"Type": "T"}}}),
            json!({"Resources": {}}),
            "Resources",
        );
        assert_rule(
            "CFN-LIMIT-DESCRIPTION",
            json!({"Description": "d".repeat(1024), "Resources": {"A": {"Type": "T"}}}),
            json!({"Description": "d".repeat(1025), "Resources": {"A": {"Type": "T"}}}),
            "Description",
        );
        assert_rule(
            "NAME-S3-BUCKET",
            json!({"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "team-raw-data"}}}}),
            json!({"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "Team_Raw"}}}}),
            "Resources.B.Properties.BucketName",
        );
        assert_rule(
            "NAME-SAGEMAKER",
            json!({"Resources": {"D": {"Type": "AWS::SageMaker::Domain", "Properties": {"DomainName": "ok-name"}}}}),
            json!({"Resources": {"D": {"Type": "AWS::SageMaker::Domain", "Properties": {"DomainName": "not_ok"}}}}),
            "Resources.D.Properties.DomainName",
        );
    }
}
