//! Lambda, EventBridge and CloudWatch Logs rules, for stacks with functions.

use crate::template::json::Json;

use super::{Context, Equivalents, Rule, Severity, Violation, target};
use crate::resources::lambda::MAX_ENVIRONMENT_BYTES;
use crate::template::read::{Sub, SubPiece, sub_pieces};

/// Python runtimes Lambda supports without a deprecation date in sight (as of 2026).
pub const CURRENT_PYTHON_RUNTIMES: &[&str] = &["python3.12", "python3.13", "python3.14"];

pub static RULES: &[Rule] = &[
    Rule {
        id: "LAMBDA-RUNTIME-CURRENT",
        severity: Severity::Error,
        rationale: "Deprecated runtimes stop receiving security patches and later cannot be updated.",
        checks: "Python functions use one of the current runtimes (python3.12 to python3.14).",
        fix: "Set Runtime to a current Python version.",
        applies_to: &["AWS::Lambda::Function"],
        equivalents: Equivalents {
            cfn_lint: &["W2531", "E2531"],
            checkov: &[],
        },
        check: runtime_current,
    },
    Rule {
        id: "LAMBDA-DLQ",
        severity: Severity::Error,
        rationale: "An event that fails every retry is lost without a dead-letter queue or on-failure destination.",
        checks: "Each function has DeadLetterConfig.TargetArn, or an AWS::Lambda::EventInvokeConfig with an OnFailure destination.",
        fix: "Give the function a dead-letter queue (SQS).",
        applies_to: &["AWS::Lambda::Function"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_116"],
        },
        check: dead_letter,
    },
    Rule {
        id: "LAMBDA-IN-VPC",
        severity: Severity::Error,
        rationale: "A function outside a VPC calls AWS over the public endpoints, out of reach of the stack's endpoints and their policies; in the private network it reaches only the services the network has endpoints for.",
        checks: "Each function has VpcConfig with at least one subnet and one security group.",
        fix: "Run the function in the stack's private subnets with a security group of its own (the function_network construct); where no endpoint can serve its calls, exempt it with the reason (Scope::exempt).",
        applies_to: &["AWS::Lambda::Function"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_117"],
        },
        check: in_vpc,
    },
    Rule {
        id: "LAMBDA-LOG-GROUP",
        severity: Severity::Error,
        rationale: "A function's default log group keeps logs forever and is created outside the stack's control.",
        checks: "Each function logs to a log group of the template (LoggingConfig.LogGroup, or /aws/lambda/<FunctionName>).",
        fix: "Create the log group in the stack with a retention and point LoggingConfig.LogGroup at it.",
        applies_to: &["AWS::Lambda::Function", "AWS::Logs::LogGroup"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: function_log_group,
    },
    Rule {
        id: "LAMBDA-PERMISSION-SOURCE-ARN",
        severity: Severity::Error,
        rationale: "A service-principal invoke permission without SourceArn lets any resource of that service, in any account, invoke the function.",
        checks: "AWS::Lambda::Permission for a service principal has SourceArn.",
        fix: "Set SourceArn to the rule's or bucket's ARN.",
        applies_to: &["AWS::Lambda::Permission"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: permission_source_arn,
    },
    Rule {
        id: "LAMBDA-ENV-SIZE",
        severity: Severity::Error,
        rationale: "Lambda refuses a function whose environment variables total more than 4 KB; the stack fails at deploy time.",
        checks: "The environment variables' names and values of each function are at most 4,096 bytes, counting every intrinsic at its shortest (so the finding is certain).",
        fix: "Map fewer groups or accounts per stack, or keep the mapping in DynamoDB (`onboarding.mapping: dynamodb`).",
        applies_to: &["AWS::Lambda::Function"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &[],
        },
        check: environment_size,
    },
    Rule {
        id: "LAMBDA-ENV-KMS",
        severity: Severity::Error,
        rationale: "Without a customer key, a function's environment variables are encrypted with a key whose policy the account does not write, so no key policy limits who may decrypt them.",
        checks: "Every function with Environment.Variables has KmsKeyArn.",
        fix: "Set KmsKeyArn to a customer-managed key used through Lambda (the onboarding construct's key).",
        applies_to: &["AWS::Lambda::Function"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_173"],
        },
        check: environment_key,
    },
    Rule {
        id: "LOGS-GROUP-KMS",
        severity: Severity::Error,
        rationale: "Without a customer key, a log group is encrypted with a key the account does not control, so no key policy limits who may read the logs.",
        checks: "Every AWS::Logs::LogGroup has KmsKeyId.",
        fix: "Set KmsKeyId to a customer-managed key whose policy lets CloudWatch Logs use it for this account's log groups (`logs_may_use` in the encryption-key construct).",
        applies_to: &["AWS::Logs::LogGroup"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_158"],
        },
        check: log_group_key,
    },
    Rule {
        id: "LOGS-RETENTION",
        severity: Severity::Error,
        rationale: "Logs kept forever cost money and keep personal data longer than anyone decided.",
        checks: "Every AWS::Logs::LogGroup has RetentionInDays.",
        fix: "Set RetentionInDays.",
        applies_to: &["AWS::Logs::LogGroup"],
        equivalents: Equivalents {
            cfn_lint: &[],
            checkov: &["CKV_AWS_66"],
        },
        check: log_retention,
    },
];

fn runtime_current(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::Lambda::Function")
        .filter_map(|(id, p)| {
            let runtime = p["Runtime"].as_str()?;
            (runtime.starts_with("python") && !CURRENT_PYTHON_RUNTIMES.contains(&runtime)).then(
                || {
                    Violation::at(
                        id,
                        "Properties.Runtime",
                        format!("`{runtime}` is not a current Python runtime"),
                    )
                },
            )
        })
        .collect()
}

fn dead_letter(cx: &Context) -> Vec<Violation> {
    let with_destination: Vec<&str> = cx
        .of_type("AWS::Lambda::EventInvokeConfig")
        .filter(|(_, p)| !p["DestinationConfig"]["OnFailure"]["Destination"].is_null())
        .filter_map(|(_, p)| target(&p["FunctionName"]))
        .collect();
    cx.of_type("AWS::Lambda::Function")
        .filter(|(id, p)| {
            p["DeadLetterConfig"]["TargetArn"].is_null() && !with_destination.contains(id)
        })
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.DeadLetterConfig",
                "no dead-letter queue or on-failure destination",
            )
        })
        .collect()
}

fn in_vpc(cx: &Context) -> Vec<Violation> {
    let non_empty = |v: &Json| v.as_array().is_some_and(|items| !items.is_empty());
    cx.of_type("AWS::Lambda::Function")
        .filter(|(_, p)| {
            !(non_empty(&p["VpcConfig"]["SubnetIds"])
                && non_empty(&p["VpcConfig"]["SecurityGroupIds"]))
        })
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.VpcConfig",
                "the function is not in a VPC (no subnets and security groups)",
            )
        })
        .collect()
}

fn function_log_group(cx: &Context) -> Vec<Violation> {
    let groups: Vec<(&str, &Json)> = cx.of_type("AWS::Logs::LogGroup").collect();
    cx.of_type("AWS::Lambda::Function")
        .filter(|(id, p)| {
            if let Some(group) = target(&p["LoggingConfig"]["LogGroup"]) {
                return !groups.iter().any(|(g, _)| *g == group);
            }
            let name = p["FunctionName"].as_str().unwrap_or(id);
            let expected = format!("/aws/lambda/{name}");
            !groups
                .iter()
                .any(|(_, g)| g["LogGroupName"].as_str() == Some(&expected))
        })
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.LoggingConfig",
                "the function's log group is not part of the template",
            )
        })
        .collect()
}

fn permission_source_arn(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::Lambda::Permission")
        .filter(|(_, p)| {
            p["Principal"]
                .as_str()
                .is_some_and(|s| s.ends_with(".amazonaws.com"))
                && p["SourceArn"].is_null()
        })
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.SourceArn",
                "service invoke permission without SourceArn",
            )
        })
        .collect()
}

/// The fewest bytes `v` can become: literal text counts in full; a `${…}` of Fn::Sub
/// counts as its variable's own lower bound (or nothing when it is a pseudo parameter,
/// a parameter or an attribute), other intrinsics as nothing.
fn min_len(v: &Json) -> usize {
    if let Some(text) = v.as_str() {
        return text.len();
    }
    let Some(sub) = Sub::of(v) else { return 0 };
    sub_pieces(sub.text)
        .map(|piece| match piece {
            SubPiece::Text(text) => text.len(),
            // `${!x}` is the literal `${x}`.
            SubPiece::Escaped(literal) => literal.len() + 3,
            SubPiece::Variable(name) => sub.binding(name).map_or(0, min_len),
        })
        .sum()
}

fn environment_size(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::Lambda::Function")
        .filter_map(|(id, p)| {
            let vars = p["Environment"]["Variables"].as_object()?;
            let size: usize = vars.iter().map(|(k, v)| k.len() + min_len(v)).sum();
            (size > MAX_ENVIRONMENT_BYTES).then(|| {
                Violation::at(
                    id,
                    "Properties.Environment.Variables",
                    format!(
                        "the environment variables are at least {size} bytes; Lambda allows {MAX_ENVIRONMENT_BYTES}"
                    ),
                )
            })
        })
        .collect()
}

fn environment_key(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::Lambda::Function")
        .filter(|(_, p)| {
            let has_variables = p["Environment"]["Variables"]
                .as_object()
                .is_some_and(|vars| !vars.is_empty());
            has_variables && p["KmsKeyArn"].is_null()
        })
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.KmsKeyArn",
                "environment variables without a customer-managed key",
            )
        })
        .collect()
}

fn log_group_key(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::Logs::LogGroup")
        .filter(|(_, p)| p["KmsKeyId"].is_null())
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.KmsKeyId",
                "log group without a customer-managed key",
            )
        })
        .collect()
}

fn log_retention(cx: &Context) -> Vec<Violation> {
    cx.of_type("AWS::Logs::LogGroup")
        .filter(|(_, p)| p["RetentionInDays"].is_null())
        .map(|(id, _)| {
            Violation::at(
                id,
                "Properties.RetentionInDays",
                "no retention: logs are kept forever",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::assert_rule;
    use crate::json;
    use crate::template::json::Json as Value;

    #[test]
    fn environment_size() {
        let env = |text: String| {
            function(
                json!({"Environment": {"Variables": {"MAPPING": {"Fn::Sub": [text, {"Var1": {"Fn::Sub": "arn:${AWS::Partition}:iam::111111111111:role/x"}}]}}}}),
            )
        };
        // Name (7) + literal text + the nested Sub's literal text (29; its pseudo
        // parameter counts as nothing): 4,036 bytes pass, 4,136 do not.
        assert_rule(
            "LAMBDA-ENV-SIZE",
            env(format!("{}${{Var1}}", "x".repeat(4000))),
            env(format!("{}${{Var1}}", "x".repeat(4100))),
            "Resources.F.Properties.Environment.Variables",
        );
        // Escaped `${!…}` is literal text; an unknown `${…}` counts as nothing.
        assert_eq!(
            super::min_len(&json!({"Fn::Sub": "a${!b}c${AWS::Region}"})),
            6
        );
        assert_eq!(super::min_len(&json!({"Ref": "P"})), 0);
    }

    fn function(changes: Value) -> Value {
        let mut f = json!({"Runtime": "python3.13", "Handler": "index.handler", "Role": "arn",
            "DeadLetterConfig": {"TargetArn": {"Fn::GetAtt": ["Q", "Arn"]}}, "LoggingConfig": {"LogGroup": {"Ref": "G"}},
            "VpcConfig": {"SubnetIds": [{"Ref": "Subnet"}], "SecurityGroupIds": [{"Fn::GetAtt": ["Sg", "GroupId"]}]}});
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                f.as_object_mut().unwrap().shift_remove(k);
            } else {
                f[k] = v.clone();
            }
        }
        json!({"Resources": {
            "F": {"Type": "AWS::Lambda::Function", "Properties": f},
            "G": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30,
                "KmsKeyId": {"Fn::GetAtt": ["K", "Arn"]}}},
            "P": {"Type": "AWS::Lambda::Permission", "Properties": {"Action": "lambda:InvokeFunction", "FunctionName": {"Ref": "F"},
                "Principal": "events.amazonaws.com", "SourceArn": {"Fn::GetAtt": ["Rule", "Arn"]}}}
        }})
    }

    #[test]
    fn function_rules() {
        assert_rule(
            "LAMBDA-RUNTIME-CURRENT",
            function(json!({})),
            function(json!({"Runtime": "python3.9"})),
            "Resources.F.Properties.Runtime",
        );
        assert_rule(
            "LAMBDA-DLQ",
            function(json!({})),
            function(json!({"DeadLetterConfig": null})),
            "Resources.F.Properties.DeadLetterConfig",
        );
        assert_rule(
            "LAMBDA-LOG-GROUP",
            function(json!({})),
            function(json!({"LoggingConfig": null})),
            "Resources.F.Properties.LoggingConfig",
        );
        for outside in [
            json!({"VpcConfig": null}),
            json!({"VpcConfig": {"SubnetIds": [], "SecurityGroupIds": [{"Fn::GetAtt": ["Sg", "GroupId"]}]}}),
            json!({"VpcConfig": {"SubnetIds": [{"Ref": "Subnet"}]}}),
        ] {
            assert_rule(
                "LAMBDA-IN-VPC",
                function(json!({})),
                function(outside),
                "Resources.F.Properties.VpcConfig",
            );
        }
        let mut open = function(json!({}));
        open["Resources"]["P"]["Properties"]
            .as_object_mut()
            .unwrap()
            .shift_remove("SourceArn");
        assert_rule(
            "LAMBDA-PERMISSION-SOURCE-ARN",
            function(json!({})),
            open,
            "Resources.P.Properties.SourceArn",
        );
        let mut forever = function(json!({}));
        forever["Resources"]["G"]["Properties"]
            .as_object_mut()
            .unwrap()
            .shift_remove("RetentionInDays");
        assert_rule(
            "LOGS-RETENTION",
            function(json!({})),
            forever,
            "Resources.G.Properties.RetentionInDays",
        );
        let mut service_key = function(json!({}));
        service_key["Resources"]["G"]["Properties"]
            .as_object_mut()
            .unwrap()
            .shift_remove("KmsKeyId");
        assert_rule(
            "LOGS-GROUP-KMS",
            function(json!({})),
            service_key,
            "Resources.G.Properties.KmsKeyId",
        );
    }

    #[test]
    fn environment_key() {
        let variables = json!({"Variables": {"TABLE": {"Ref": "T"}}});
        assert_rule(
            "LAMBDA-ENV-KMS",
            function(json!({"Environment": variables, "KmsKeyArn": {"Fn::GetAtt": ["K", "Arn"]}})),
            function(json!({"Environment": variables})),
            "Resources.F.Properties.KmsKeyArn",
        );
        // No variables, nothing to encrypt (an empty map included).
        for nothing in [json!({}), json!({"Environment": {"Variables": {}}})] {
            assert!(
                super::super::test_support::fire("LAMBDA-ENV-KMS", function(nothing.clone()))
                    .is_empty(),
                "{nothing}"
            );
        }
    }
}
