//! Alarms on the onboarding functions, so that a failure is never silent: the dead-letter
//! queue holding an event, a function erring or being throttled, a scheduled
//! reconciliation finding drift (an event was missed) or a quarantined profile. Every
//! alarm notifies a KMS-encrypted SNS topic on ALARM and on OK, which people subscribe to
//! by e-mail from the definition.
//!
//! Missing data is decided per alarm, from when each metric is published:
//! - AWS/SQS and AWS/Lambda publish nothing while a queue or a function is idle, and an idle
//!   queue holds nothing and an idle function fails nothing: `notBreaching`.
//! - [`PROFILES_FIXED`] is published by reconciliation runs; drift is an occurrence, not a
//!   state: one hour with a fix alarms, the next hour without one is OK again
//!   (`notBreaching`), and each missed event is reported once.
//! - [`PROFILES_QUARANTINED`] is a standing condition (a quarantined profile stays until an
//!   administrator resolves it) reported by each run; between runs there is no data, and
//!   the alarm keeps its state (`ignore`) until a run reports zero.

use crate::resources::cloudwatch::{
    Alarm, ComparisonOperator, Dimension, Statistic, TreatMissingData,
};
use crate::resources::iam::policy::{Condition, PolicyDocument, Principal, Statement, keys};
use crate::resources::kms::Key;
use crate::resources::lambda::Function;
use crate::resources::sns::{self, Subscription, SubscriptionProtocol, Topic, TopicPolicy};
use crate::template::{DeletionPolicy, Handle, Pseudo, Value};

use super::ConstructError;
use super::encryption_key::{EncryptionKey, EncryptionKeyProps, cloudwatch_alarms_may_use};
use super::onboarding_metrics::{NAMESPACE, PROFILES_FIXED, PROFILES_QUARANTINED, STACK_DIMENSION};
use super::scope::Scope;
use super::sso_onboarding::Onboarding;

/// What the alarms watch and who is told.
pub struct OnboardingAlarmsProps<'a> {
    /// The onboarding whose queue and functions are watched ([`Onboarding::functions`]:
    /// a function added there is watched without a change here).
    pub onboarding: &'a Onboarding,
    /// E-mail addresses subscribed to the topic (each confirms the subscription from the
    /// message SNS sends it; until then it receives nothing).
    pub emails: Vec<String>,
}

/// The topic and the alarms.
#[derive(Clone, Debug)]
pub struct OnboardingAlarms {
    /// The topic every alarm notifies (`<id>OnboardingAlarmTopic`).
    pub topic: Handle<Topic>,
    /// The topic's key (`<id>OnboardingAlarmsKey`).
    pub key: Handle<Key>,
    /// Every alarm, in template order.
    pub alarms: Vec<Handle<Alarm>>,
}

/// One metric an alarm watches, and how.
struct Watch {
    local: String,
    description: String,
    namespace: Value,
    metric: &'static str,
    dimension: (&'static str, Value),
    statistic: Statistic,
    period: i64,
    missing: TreatMissingData,
}

/// Seconds in the period of the AWS metrics: SQS publishes its queue metrics every five
/// minutes, and a five-minute sum of Lambda errors is a failure noticed within minutes.
const SERVICE_PERIOD: i64 = 300;
/// Seconds in the period of the reconciliation metrics: an hour, so that every scheduled
/// run lands in a period of its own and each drift is reported once, within the hour.
const RUN_PERIOD: i64 = 3600;

impl OnboardingAlarms {
    /// The alarms `id` in the scope (the shipped stacks use [`super::scope::ONLY`]):
    /// `<id>OnboardingAlarmsKey` (and alias), `<id>OnboardingAlarmTopic` with its policy,
    /// `<id>OnboardingAlarmEmail<n>` per address, `<id>OnboardingDeadLetterQueueAlarm`,
    /// `<id><Function>ErrorsAlarm` and `<id><Function>ThrottlesAlarm` per function,
    /// `<id>OnboardingDriftAlarm` and `<id>OnboardingQuarantineAlarm`.
    pub fn new(
        scope: &mut Scope,
        id: &str,
        props: &OnboardingAlarmsProps,
    ) -> Result<OnboardingAlarms, ConstructError> {
        let scope = &mut scope.child(id);
        let key = EncryptionKey::with_users(
            scope,
            "OnboardingAlarms",
            &EncryptionKeyProps {
                alias_suffix: "onboarding-alarms",
                description: "Encrypts the onboarding alarm notifications",
                // Administrators publishing a test message go through SNS.
                via_services: &["sns"],
                // Notifications are delivered or dropped, never kept: the topic goes with
                // the stack, and so can its key.
                deletion_policy: DeletionPolicy::Delete,
            },
            [cloudwatch_alarms_may_use()],
        )?
        .key;
        let topic = scope.add(
            "OnboardingAlarmTopic",
            Topic::builder()
                .display_name("Studio onboarding alarms")
                .kms_master_key_id(key.arn())
                .build()?,
        )?;
        for (i, email) in props.emails.iter().enumerate() {
            scope.add(
                &format!("OnboardingAlarmEmail{}", i + 1),
                Subscription::builder()
                    .protocol(SubscriptionProtocol::Email)
                    .endpoint(email.as_str())
                    .topic_arn(topic.arn())
                    .build()?,
            )?;
        }
        let mut alarms = Vec::new();
        for watch in watches(props.onboarding) {
            alarms.push(scope.add(&watch.local, alarm(&watch, &topic)?)?);
        }
        scope.add("OnboardingAlarmTopicPolicy", topic_policy(&topic, &alarms)?)?;
        Ok(OnboardingAlarms { topic, key, alarms })
    }
}

/// Everything watched, in template order: the queue, each function, the reconciliation.
fn watches(onboarding: &Onboarding) -> Vec<Watch> {
    let mut out = vec![Watch {
        local: "OnboardingDeadLetterQueueAlarm".into(),
        description: "An onboarding event could not be processed and is in the dead-letter queue (output OnboardingDeadLetterQueueUrl): its membership change was not applied".into(),
        namespace: Value::from("AWS/SQS"),
        metric: "ApproximateNumberOfMessagesVisible",
        dimension: ("QueueName", onboarding.dead_letter_queue.name()),
        statistic: Statistic::Maximum,
        period: SERVICE_PERIOD,
        missing: TreatMissingData::NotBreaching,
    }];
    for function in onboarding.functions() {
        out.extend(function_watches(function));
    }
    let stack = || (STACK_DIMENSION, Value::from(Pseudo::StackName));
    out.push(Watch {
        local: "OnboardingDriftAlarm".into(),
        description: format!("A reconciliation run fixed users ({PROFILES_FIXED} > 0): an Identity Center event was missed or failed; see the functions' logs for whom"),
        namespace: Value::from(NAMESPACE),
        metric: PROFILES_FIXED,
        dimension: stack(),
        statistic: Statistic::Sum,
        period: RUN_PERIOD,
        missing: TreatMissingData::NotBreaching,
    });
    out.push(Watch {
        local: "OnboardingQuarantineAlarm".into(),
        description: format!("A Studio profile is quarantined ({PROFILES_QUARANTINED} > 0): it belongs to a deleted Identity Center user whose user name another user now holds, and was not handed over"),
        namespace: Value::from(NAMESPACE),
        metric: PROFILES_QUARANTINED,
        dimension: stack(),
        statistic: Statistic::Maximum,
        period: RUN_PERIOD,
        missing: TreatMissingData::Ignore,
    });
    out
}

/// A function's errors (its code raised or timed out) and throttles (its reserved
/// concurrency was exhausted, so events wait for retries).
fn function_watches(function: &Handle<Function>) -> [Watch; 2] {
    let id = function.logical_id().as_str();
    let watch = |metric: &'static str, what: &str| Watch {
        local: format!("{id}{metric}Alarm"),
        description: format!("{id}: {what}"),
        namespace: Value::from("AWS/Lambda"),
        metric,
        dimension: ("FunctionName", function.name()),
        statistic: Statistic::Sum,
        period: SERVICE_PERIOD,
        missing: TreatMissingData::NotBreaching,
    };
    [
        watch(
            "Errors",
            "invocations failed (EventBridge retries them, then parks them in the dead-letter queue)",
        ),
        watch(
            "Throttles",
            "invocations were throttled at the function's reserved concurrency",
        ),
    ]
}

/// An alarm when the statistic exceeds zero in one period, notifying the topic on ALARM
/// and OK.
fn alarm(watch: &Watch, topic: &Handle<Topic>) -> Result<Alarm, ConstructError> {
    Ok(Alarm::builder()
        .alarm_description(watch.description.as_str())
        .namespace(watch.namespace.clone())
        .metric_name(watch.metric)
        .dimensions(
            Dimension::builder()
                .name(watch.dimension.0)
                .value(watch.dimension.1.clone())
                .build()?,
        )
        .statistic(watch.statistic)
        .period(watch.period)
        .evaluation_periods(1)
        .threshold(0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .treat_missing_data(watch.missing)
        .alarm_actions(topic.arn())
        .ok_actions(topic.arn())
        .build()?)
}

/// CloudWatch may publish to the topic for this stack's alarms only, in this account
/// (the confused-deputy guard of "Example cases for Amazon SNS access control",
/// <https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html>); nobody
/// may publish without TLS.
fn topic_policy(
    topic: &Handle<Topic>,
    alarms: &[Handle<Alarm>],
) -> Result<TopicPolicy, ConstructError> {
    Ok(TopicPolicy::builder()
        .topics(topic.arn())
        .policy_document(
            PolicyDocument::new()
                .statement(
                    Statement::allow()
                        .sid("AlarmsOfThisStackPublish")
                        .principal(Principal::service("cloudwatch.amazonaws.com"))
                        .actions([&sns::actions::PUBLISH])
                        .resource(topic.arn())
                        .condition(Condition::string_equals(
                            keys::SOURCE_ACCOUNT,
                            [Value::from(Pseudo::AccountId)],
                        ))
                        .condition(Condition::arn_equals(
                            keys::SOURCE_ARN,
                            alarms.iter().map(|a| a.arn()),
                        )),
                )
                .statement(
                    Statement::deny()
                        .sid("DenyPublishingWithoutTls")
                        .principal(Principal::anyone())
                        .actions([&sns::actions::PUBLISH])
                        .resource(topic.arn())
                        .condition(Condition::bool(keys::SECURE_TRANSPORT, false)),
                ),
        )
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::scope::ONLY;
    use crate::constructs::sso_onboarding::{
        Duty, Mapping, OnboardingProps, ProfileTarget, ProvisioningRole,
    };
    use crate::template::Template;
    use serde_json::{Value as Json, json};

    /// A cross-account onboarding (it needs no network) and its alarms, as JSON.
    fn synthesized(emails: &[&str]) -> (Json, Vec<String>) {
        let mut t = Template::new();
        let mut root = Scope::root(&mut t);
        let onboarding = Onboarding::new(
            &mut root,
            ONLY,
            &OnboardingProps {
                target: ProfileTarget::Accounts {
                    provisioning_roles: Duty::ALL
                        .iter()
                        .map(|&duty| ProvisioningRole {
                            duty,
                            account_id: "111111111111".into(),
                            region: "eu-west-1".into(),
                            name: format!("{}-provisioning", duty.word()),
                            arn: Value::from(format!(
                                "arn:aws:iam::111111111111:role/{}-provisioning",
                                duty.word()
                            )),
                        })
                        .collect(),
                    domain_id_parameter: "/studio/domain-id".into(),
                },
                identity_store_id: Value::from("d-1234567890"),
                groups: Vec::new(),
                mapping: Mapping::Inline,
                app_delete_timeout_seconds: 600,
                reconcile_every_minutes: 60,
                offboarding_grace_days: 7,
                network: None,
            },
        )
        .unwrap();
        let functions: Vec<String> = onboarding
            .functions()
            .iter()
            .map(|f| f.logical_id().to_string())
            .collect();
        OnboardingAlarms::new(
            &mut root,
            ONLY,
            &OnboardingAlarmsProps {
                onboarding: &onboarding,
                emails: emails.iter().map(|e| (*e).to_string()).collect(),
            },
        )
        .unwrap();
        let findings = crate::validate::validate(&crate::synth::json_tree(&t), 0);
        use crate::validate::rules::id;
        let guarantees = [
            id::CFN_REF_UNRESOLVED,
            id::CFN_GETATT_UNRESOLVED,
            id::CFN_DEPENDENCY_CYCLE,
            "IAM-SERVICE-SOURCE-GUARD",
            "SNS-TOPIC-KMS",
            "SNS-TOPIC-TLS-ONLY",
            "SNS-ALARM-TOPIC-KEY",
        ];
        assert!(
            !findings.iter().any(|f| guarantees.contains(&f.rule)),
            "{findings:#?}"
        );
        (serde_json::to_value(&t).unwrap(), functions)
    }

    fn alarms(t: &Json) -> Vec<(&String, &Json)> {
        t["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
            .map(|(id, r)| (id, &r["Properties"]))
            .collect()
    }

    #[test]
    fn every_function_of_the_onboarding_is_watched_for_errors_and_throttles() {
        let (t, functions) = synthesized(&[]);
        assert_eq!(functions, ["OnboardingFunction", "OffboardingFunction"]);
        for function in &functions {
            for metric in ["Errors", "Throttles"] {
                let p = &t["Resources"][format!("{function}{metric}Alarm")]["Properties"];
                assert_eq!(p["Namespace"], "AWS/Lambda", "{function} {metric}");
                assert_eq!(p["MetricName"], metric);
                assert_eq!(
                    p["Dimensions"],
                    json!([{"Name": "FunctionName", "Value": {"Ref": function}}])
                );
                assert_eq!(p["Statistic"], "Sum");
                assert_eq!(p["TreatMissingData"], "notBreaching");
            }
        }
    }

    #[test]
    fn the_queue_and_the_reconciliation_metrics_are_watched() {
        let (t, _) = synthesized(&[]);
        let r = &t["Resources"];
        let queue = &r["OnboardingDeadLetterQueueAlarm"]["Properties"];
        assert_eq!(queue["Namespace"], "AWS/SQS");
        assert_eq!(queue["MetricName"], "ApproximateNumberOfMessagesVisible");
        assert_eq!(
            queue["Dimensions"][0]["Value"],
            json!({"Fn::GetAtt": ["OnboardingDeadLetterQueue", "QueueName"]})
        );
        for (id, metric, missing) in [
            ("OnboardingDriftAlarm", PROFILES_FIXED, "notBreaching"),
            ("OnboardingQuarantineAlarm", PROFILES_QUARANTINED, "ignore"),
        ] {
            let p = &r[id]["Properties"];
            assert_eq!(p["Namespace"], NAMESPACE, "{id}");
            assert_eq!(p["MetricName"], metric, "{id}");
            assert_eq!(
                p["Dimensions"],
                json!([{"Name": STACK_DIMENSION, "Value": {"Ref": "AWS::StackName"}}])
            );
            assert_eq!(p["TreatMissingData"], missing, "{id}");
            assert_eq!(p["Period"], RUN_PERIOD);
        }
        assert_eq!(
            alarms(&t).len(),
            7,
            "queue, 2 x 2 function alarms, drift, quarantine"
        );
    }

    #[test]
    fn every_alarm_notifies_the_topic_when_it_fires_and_when_it_clears() {
        let (t, _) = synthesized(&[]);
        for (id, p) in alarms(&t) {
            let topic = json!([{"Ref": "OnboardingAlarmTopic"}]);
            assert_eq!(p["AlarmActions"], topic, "{id}");
            assert_eq!(p["OKActions"], topic, "{id}");
            assert_eq!(p["ComparisonOperator"], "GreaterThanThreshold", "{id}");
            assert_eq!(p["Threshold"], 0, "{id}");
        }
    }

    #[test]
    fn the_topic_is_encrypted_with_a_key_cloudwatch_may_use_for_this_accounts_alarms() {
        let (t, _) = synthesized(&[]);
        let r = &t["Resources"];
        assert_eq!(
            r["OnboardingAlarmTopic"]["Properties"]["KmsMasterKeyId"],
            json!({"Fn::GetAtt": ["OnboardingAlarmsKey", "Arn"]})
        );
        let statements = r["OnboardingAlarmsKey"]["Properties"]["KeyPolicy"]["Statement"]
            .as_array()
            .unwrap();
        let cloudwatch = statements
            .iter()
            .find(|s| s["Principal"]["Service"] == json!(["cloudwatch.amazonaws.com"]))
            .expect("a statement for CloudWatch");
        assert_eq!(
            cloudwatch["Action"],
            json!(["kms:GenerateDataKey*", "kms:Decrypt"])
        );
        assert_eq!(
            cloudwatch["Condition"]["ArnLike"]["aws:SourceArn"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"})
        );
    }

    #[test]
    fn only_this_stacks_alarms_may_publish_and_only_over_tls() {
        let (t, _) = synthesized(&[]);
        let doc = &t["Resources"]["OnboardingAlarmTopicPolicy"]["Properties"]["PolicyDocument"];
        let allow = &doc["Statement"][0];
        assert_eq!(
            allow["Principal"],
            json!({"Service": ["cloudwatch.amazonaws.com"]})
        );
        assert_eq!(allow["Action"], json!(["sns:Publish"]));
        let sources = allow["Condition"]["ArnEquals"]["aws:SourceArn"]
            .as_array()
            .unwrap();
        let alarm_arns: Vec<Json> = alarms(&t)
            .iter()
            .map(|(id, _)| json!({"Fn::GetAtt": [id, "Arn"]}))
            .collect();
        assert_eq!(sources, &alarm_arns);
        let deny = &doc["Statement"][1];
        assert_eq!(deny["Effect"], "Deny");
        assert_eq!(
            deny["Condition"],
            json!({"Bool": {"aws:SecureTransport": "false"}})
        );
    }

    #[test]
    fn each_address_gets_an_email_subscription() {
        let (t, _) = synthesized(&["ops@example.com", "ml-admins@example.com"]);
        let r = &t["Resources"];
        for (i, address) in ["ops@example.com", "ml-admins@example.com"]
            .iter()
            .enumerate()
        {
            let p = &r[format!("OnboardingAlarmEmail{}", i + 1)]["Properties"];
            assert_eq!(p["Protocol"], "email");
            assert_eq!(p["Endpoint"], *address);
            assert_eq!(p["TopicArn"], json!({"Ref": "OnboardingAlarmTopic"}));
        }
        assert!(r.get("OnboardingAlarmEmail3").is_none());
    }
}
