//! The rule that every policy allowing SageMaker to start compute on someone's behalf
//! forces that compute into the environment: an Allow of `CreateTrainingJob` without a
//! `sagemaker:VpcSubnets` condition lets its holder run a job outside the stack's subnets,
//! and so on for every key below.
//!
//! Which key each create call takes comes from the Service Authorization Reference
//! ("Actions, resources, and condition keys for Amazon SageMaker AI"): a key the action
//! does not take is absent from its request, so requiring it would refuse the call
//! outright, and a key it takes but the policy leaves out is a way around the environment.
//! `sagemaker:NetworkIsolation` is a key of the job and model calls too, but isolation is
//! a choice of the workload (a job that downloads its data needs the network), so the
//! rule asks only for the keys that hold for every job here.

use super::policy::{CondTest, PolicyKind, Stmt};
use super::{Context, Equivalents, Rule, Severity, Violation};
use crate::template::json::Json;

/// A condition key and how it must be confined.
#[derive(Clone, Copy)]
enum Key {
    /// Multivalued (ArrayOfString): `ForAllValues:` with a positive operator, and
    /// `Null` = false, since `ForAllValues:` alone is true for a request without the key.
    EveryValue(&'static str),
    /// Single-valued: a positive operator without `IfExists`, which an absent key fails.
    Single(&'static str),
    /// A boolean that must be `true`.
    True(&'static str),
}

impl Key {
    fn name(self) -> &'static str {
        match self {
            Key::EveryValue(k) | Key::Single(k) | Key::True(k) => k,
        }
    }
}

const SUBNETS: Key = Key::EveryValue("sagemaker:VpcSubnets");
const SECURITY_GROUPS: Key = Key::EveryValue("sagemaker:VpcSecurityGroupIds");
const INSTANCE_TYPES: Key = Key::EveryValue("sagemaker:InstanceTypes");
const VOLUME_KEY: Key = Key::Single("sagemaker:VolumeKmsKey");
const OUTPUT_KEY: Key = Key::Single("sagemaker:OutputKmsKey");
const ENCRYPTED_TRAFFIC: Key = Key::True("sagemaker:InterContainerTrafficEncryption");

/// The keys of the jobs that run in the VPC: training, processing, tuning.
const JOB_KEYS: &[Key] = &[
    SUBNETS,
    SECURITY_GROUPS,
    VOLUME_KEY,
    OUTPUT_KEY,
    INSTANCE_TYPES,
    ENCRYPTED_TRAFFIC,
];

/// The keys that must confine each create call (the keys it takes in the Service
/// Authorization Reference, less `NetworkIsolation`; see the module documentation).
const CONFINED: &[(&str, &[Key])] = &[
    ("sagemaker:CreateTrainingJob", JOB_KEYS),
    ("sagemaker:CreateProcessingJob", JOB_KEYS),
    ("sagemaker:CreateHyperParameterTuningJob", JOB_KEYS),
    (
        "sagemaker:CreateTransformJob",
        &[INSTANCE_TYPES, VOLUME_KEY, OUTPUT_KEY],
    ),
    ("sagemaker:CreateModel", &[SUBNETS, SECURITY_GROUPS]),
    (
        "sagemaker:CreateEndpointConfig",
        &[INSTANCE_TYPES, VOLUME_KEY],
    ),
];

pub static RULES: &[Rule] = &[Rule {
    id: "IAM-SAGEMAKER-JOBS-CONFINED",
    severity: Severity::Error,
    rationale: "A role that may start SageMaker jobs, models or endpoint configurations without condition keys on their subnets, security groups, keys and instance types can run compute outside the stack's network, unencrypted or with its own key, on any instance type.",
    checks: "Every Allow statement of an identity policy that grants sagemaker:CreateTrainingJob, CreateProcessingJob or CreateHyperParameterTuningJob (VpcSubnets, VpcSecurityGroupIds, VolumeKmsKey, OutputKmsKey, InstanceTypes, InterContainerTrafficEncryption = true), CreateTransformJob (InstanceTypes, VolumeKmsKey, OutputKmsKey), CreateModel (VpcSubnets, VpcSecurityGroupIds) or CreateEndpointConfig (InstanceTypes, VolumeKmsKey), wildcards included, confines each of those keys: multivalued keys with ForAllValues: and a positive operator plus Null = false, single-valued keys with a positive operator without IfExists, InterContainerTrafficEncryption with Bool true.",
    fix: "Grant the create calls through the ML grants (teams.<t>.sagemaker, studio.sagemaker, notebooks.sagemaker, or MlEnvironment::grant_create in Rust), which add every key; a hand-written statement needs each key the finding names.",
    applies_to: super::IDENTITY_POLICY_TYPES,
    equivalents: Equivalents {
        cfn_lint: &[],
        checkov: &[],
    },
    check: jobs_confined,
}];

/// The operator without its set qualifier and `IfExists`, and whether it had each.
fn parts(operator: &str) -> (&str, bool, bool) {
    let (for_all, rest) = match operator.strip_prefix("ForAllValues:") {
        Some(rest) => (true, rest),
        None => (
            false,
            operator.strip_prefix("ForAnyValue:").unwrap_or(operator),
        ),
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (rest, false),
    };
    (base, for_all, if_exists)
}

/// Equality and pattern operators: a negated one (`StringNotEquals`, …) admits every
/// value but a few, and `Null` says nothing of the value.
fn positive(base: &str) -> bool {
    matches!(
        base,
        "StringEquals" | "StringEqualsIgnoreCase" | "StringLike" | "ArnEquals" | "ArnLike"
    )
}

fn is_false(value: &Json) -> bool {
    value.as_str() == Some("false") || value.as_bool() == Some(false)
}

fn is_true(value: &Json) -> bool {
    value.as_str() == Some("true") || value.as_bool() == Some(true)
}

fn confines(tests: &[CondTest], key: Key) -> bool {
    let on_key = |c: &&CondTest| c.key.eq_ignore_ascii_case(key.name());
    let mut tests = tests.iter().filter(on_key);
    match key {
        Key::EveryValue(_) => {
            let tests: Vec<&CondTest> = tests.collect();
            let every = tests.iter().any(|c| {
                let (base, for_all, if_exists) = parts(c.operator);
                for_all && !if_exists && positive(base)
            });
            let present = tests
                .iter()
                .any(|c| c.operator == "Null" && c.values.len() == 1 && is_false(c.values[0]));
            every && present
        }
        Key::Single(_) => tests.any(|c| {
            let (base, qualified, if_exists) = parts(c.operator);
            !qualified && !if_exists && c.operator == base && positive(base)
        }),
        Key::True(_) => tests.any(|c| {
            c.operator == "Bool" && !c.values.is_empty() && c.values.iter().all(|v| is_true(v))
        }),
    }
}

/// The keys `action` needs that `statement` leaves unconfined.
fn missing(statement: &Stmt, keys: &[Key]) -> Vec<&'static str> {
    let tests = statement.conditions();
    keys.iter()
        .filter(|k| !confines(&tests, **k))
        .map(|k| k.name())
        .collect()
}

fn jobs_confined(cx: &Context) -> Vec<Violation> {
    let mut out = Vec::new();
    for doc in cx
        .policies()
        .iter()
        .filter(|d| d.kind == PolicyKind::Identity)
    {
        for s in doc.statements.iter().filter(|s| s.allow) {
            for (action, keys) in CONFINED {
                if !s.mentions(action) {
                    continue;
                }
                let loose = missing(s, keys);
                if !loose.is_empty() {
                    out.push(Violation::at(
                        doc.resource,
                        &format!("{}.Statement[{}]", doc.path, s.index),
                        format!(
                            "Allow of `{action}` without confining {}",
                            loose
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_rule, fire};
    use crate::json;
    use crate::template::json::Json as Value;
    use crate::template::json::JsonMap;

    const ID: &str = "IAM-SAGEMAKER-JOBS-CONFINED";
    const AT: &str = "Resources.P.Properties.PolicyDocument.Statement[0]";

    fn policy(statement: Value) -> Value {
        json!({"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}}}})
    }

    fn training(condition: Value) -> Value {
        policy(
            json!({"Effect": "Allow", "Action": ["sagemaker:CreateTrainingJob"],
            "Resource": ["arn:aws:sagemaker:us-east-1:111122223333:training-job/a-*"],
            "Condition": condition}),
        )
    }

    /// What the ML grants write for a training job.
    fn confined() -> Value {
        json!({
            "StringEquals": {"aws:RequestTag/sagesynth:team": "a"},
            "ForAllValues:StringEquals": {"sagemaker:VpcSubnets": ["subnet-1"],
                "sagemaker:VpcSecurityGroupIds": "sg-1", "sagemaker:InstanceTypes": "ml.m5.xlarge"},
            "Null": {"sagemaker:VpcSubnets": "false", "sagemaker:VpcSecurityGroupIds": "false",
                "sagemaker:InstanceTypes": "false"},
            "ArnEquals": {"sagemaker:VolumeKmsKey": "arn:aws:kms:us-east-1:111122223333:key/k",
                "sagemaker:OutputKmsKey": "arn:aws:kms:us-east-1:111122223333:key/k"},
            "Bool": {"sagemaker:InterContainerTrafficEncryption": "true"}})
    }

    /// `confined()` with one change to one operator block.
    fn changed(edit: impl FnOnce(&mut JsonMap)) -> Value {
        let mut condition = confined();
        edit(condition.as_object_mut().unwrap());
        training(condition)
    }

    fn messages(template: Value) -> Vec<String> {
        fire(ID, template).into_iter().map(|v| v.message).collect()
    }

    #[test]
    fn each_key_of_a_training_job_must_be_confined() {
        assert_rule(ID, training(confined()), training(json!({})), AT);
        let drop = |block: &'static str, key: &'static str| {
            changed(move |c| {
                c[block].as_object_mut().unwrap().shift_remove(key);
            })
        };
        for (block, key) in [
            ("ForAllValues:StringEquals", "sagemaker:VpcSubnets"),
            ("Null", "sagemaker:VpcSubnets"),
            ("ForAllValues:StringEquals", "sagemaker:VpcSecurityGroupIds"),
            ("Null", "sagemaker:VpcSecurityGroupIds"),
            ("ForAllValues:StringEquals", "sagemaker:InstanceTypes"),
            ("Null", "sagemaker:InstanceTypes"),
            ("ArnEquals", "sagemaker:VolumeKmsKey"),
            ("ArnEquals", "sagemaker:OutputKmsKey"),
            ("Bool", "sagemaker:InterContainerTrafficEncryption"),
        ] {
            let found = messages(drop(block, key));
            assert_eq!(
                found,
                [format!(
                    "Allow of `sagemaker:CreateTrainingJob` without confining `{key}`"
                )],
                "{block} {key}"
            );
        }
    }

    #[test]
    fn weak_operators_do_not_confine() {
        let weakened = [
            // IfExists passes a request without the key.
            changed(|c| {
                let keys = c.shift_remove("ArnEquals").unwrap();
                c.insert("ArnEqualsIfExists", keys);
            }),
            // A negated operator admits every other key.
            changed(|c| {
                let keys = c.shift_remove("ArnEquals").unwrap();
                c.insert("ArnNotEquals", keys);
            }),
            // ForAnyValue: one allowed subnet among others passes.
            changed(|c| {
                let keys = c.shift_remove("ForAllValues:StringEquals").unwrap();
                c.insert("ForAnyValue:StringEquals", keys);
            }),
            // Traffic encryption must be on, not merely mentioned.
            changed(|c| {
                c["Bool"]["sagemaker:InterContainerTrafficEncryption"] = json!("false");
            }),
            // Null = true asks for the key to be absent.
            changed(|c| {
                c["Null"]["sagemaker:VpcSubnets"] = json!("true");
            }),
        ];
        for template in weakened {
            assert_eq!(fire(ID, template.clone()).len(), 1, "{template:#}");
        }
    }

    #[test]
    fn wildcards_and_each_create_call_are_checked_with_their_own_keys() {
        let allow = |action: &str, condition: Value| {
            policy(
                json!({"Effect": "Allow", "Action": action, "Resource": "*", "Condition": condition}),
            )
        };
        // `sagemaker:Create*` reaches every create call; unconfined, each is reported.
        let all = messages(allow("sagemaker:Create*", json!({})));
        for action in [
            "CreateTrainingJob",
            "CreateProcessingJob",
            "CreateHyperParameterTuningJob",
            "CreateTransformJob",
            "CreateModel",
            "CreateEndpointConfig",
        ] {
            assert!(
                all.iter()
                    .any(|m| m.contains(&format!("`sagemaker:{action}`"))),
                "{action}: {all:?}"
            );
        }
        assert_eq!(
            messages(allow("sagemaker:CreateModel", json!({}))),
            [
                "Allow of `sagemaker:CreateModel` without confining `sagemaker:VpcSubnets`, `sagemaker:VpcSecurityGroupIds`"
            ]
        );
        // A model takes no key condition: VPC alone confines it.
        assert!(
            messages(allow(
                "sagemaker:CreateModel",
                json!({"ForAllValues:StringEquals": {"sagemaker:VpcSubnets": "subnet-1", "sagemaker:VpcSecurityGroupIds": "sg-1"},
                       "Null": {"sagemaker:VpcSubnets": "false", "sagemaker:VpcSecurityGroupIds": "false"}})
            ))
            .is_empty()
        );
        assert_eq!(
            messages(allow(
                "sagemaker:CreateEndpointConfig",
                json!({"ForAllValues:StringEquals": {"sagemaker:InstanceTypes": "ml.m5.large"},
                       "Null": {"sagemaker:InstanceTypes": "false"}})
            )),
            [
                "Allow of `sagemaker:CreateEndpointConfig` without confining `sagemaker:VolumeKmsKey`"
            ]
        );
        // Deny statements and other services are not grants of a job.
        assert!(messages(allow("sagemaker:DescribeTrainingJob", json!({}))).is_empty());
        assert!(
            messages(policy(
                json!({"Effect": "Deny", "Action": "sagemaker:CreateTrainingJob", "Resource": "*"})
            ))
            .is_empty()
        );
    }
}
