//! Trust of AWS services, and the confused-deputy guard each one takes.
//!
//! A service principal in a trust or resource policy means "this service, acting for
//! anyone": without `aws:SourceAccount` / `aws:SourceArn` a resource of another account
//! could make the service use ours (IAM User Guide, "The confused deputy problem",
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html>). A guard
//! the service does not satisfy is worse than none: a positive condition on a key the
//! request lacks is false, so the service can no longer assume the role at all. Hence a
//! guard only where the service's own documentation shows it, and [`PRINCIPALS`] says,
//! per service principal, which page shows it or why there is none.

use crate::resources::arn;
use crate::template::{Pseudo, SubPart, Value};

use super::actions;
use super::policy::{Action, Condition, PolicyDocument, Principal, Statement, keys};

/// What the documentation says about one service principal's source keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKeys {
    /// The service passes `aws:SourceAccount` / `aws:SourceArn` (or, for CloudWatch Logs
    /// in a key policy, the encryption context naming the log group); the page shows it.
    Documented {
        /// The page that shows the keys.
        page: &'static str,
    },
    /// No page documents the keys for this use; a guard could stop the service.
    NotDocumented {
        /// Why the trust goes without a guard.
        why: &'static str,
    },
}

/// Every service principal the constructs trust, and what its documentation says.
/// SageMaker depends on the feature: see [`Service::SageMakerNotebookInstance`].
pub const PRINCIPALS: &[(&str, SourceKeys)] = &[
    (
        "sagemaker.amazonaws.com",
        SourceKeys::Documented {
            page: "https://docs.aws.amazon.com/sagemaker/latest/dg/security-confused-deputy-prevention.html",
        },
    ),
    (
        "vpc-flow-logs.amazonaws.com",
        SourceKeys::Documented {
            page: "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html",
        },
    ),
    (
        "events.amazonaws.com",
        SourceKeys::Documented {
            page: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html",
        },
    ),
    (
        "logging.s3.amazonaws.com",
        SourceKeys::Documented {
            page: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
        },
    ),
    (
        "cloudtrail.amazonaws.com",
        SourceKeys::Documented {
            page: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html",
        },
    ),
    (
        "logs.${AWS::Region}.amazonaws.com",
        SourceKeys::Documented {
            page: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
        },
    ),
    (
        "cloudwatch.amazonaws.com",
        SourceKeys::Documented {
            page: "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html",
        },
    ),
    (
        "lambda.amazonaws.com",
        SourceKeys::NotDocumented {
            why: "Lambda documents no aws:SourceArn or aws:SourceAccount when it assumes a function's execution role (its source-function key, lambda:SourceFunctionArn, is on the calls the function makes, not on the AssumeRole)",
        },
    ),
    (
        "ec2.amazonaws.com",
        SourceKeys::NotDocumented {
            why: "EC2 documents no source keys when it assumes an instance profile's role",
        },
    ),
];

/// What the documentation says about `principal` (as written in a template: a string,
/// or the text of a one-argument `Fn::Sub`); `None` for a principal not in [`PRINCIPALS`].
pub fn source_keys(principal: &str) -> Option<SourceKeys> {
    PRINCIPALS
        .iter()
        .find(|(p, _)| *p == principal)
        .map(|(_, keys)| *keys)
}

/// An AWS service that assumes a role of the stack, named by the use, because for
/// SageMaker the use decides whether the guard is documented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// SageMaker Studio apps, and the jobs and endpoints they start: guarded by
    /// `aws:SourceArn` like `arn:<partition>:sagemaker:<region>:<account>:*`, the form the
    /// SageMaker page gives for Studio (whose "asterisk … should not be changed") and which
    /// covers its training, processing, transform and inference examples too.
    SageMakerStudio,
    /// SageMaker notebook instances: the SageMaker page lists Studio, jobs, inference,
    /// pipelines, images, Neo, Edge Manager and Marketplace, not notebook instances, so
    /// their roles carry no guard.
    SageMakerNotebookInstance,
    /// Lambda execution roles: no guard documented (see [`PRINCIPALS`]).
    Lambda,
    /// EC2 instance-profile roles: no guard documented (see [`PRINCIPALS`]).
    Ec2,
    /// VPC flow logs delivering to CloudWatch Logs: `aws:SourceAccount` and
    /// `aws:SourceArn` like `vpc-flow-log/*`, as the flow-logs page shows.
    VpcFlowLogs,
}

impl Service {
    /// The service principal.
    pub fn principal(self) -> &'static str {
        match self {
            Service::SageMakerStudio | Service::SageMakerNotebookInstance => {
                "sagemaker.amazonaws.com"
            }
            Service::Lambda => "lambda.amazonaws.com",
            Service::Ec2 => "ec2.amazonaws.com",
            Service::VpcFlowLogs => "vpc-flow-logs.amazonaws.com",
        }
    }

    /// The confused-deputy guard: conditions naming this account (empty where none is
    /// documented).
    pub fn guard(self) -> Vec<Condition> {
        match self {
            Service::SageMakerStudio => vec![Condition::arn_like(
                keys::SOURCE_ARN,
                [arn::regional("sagemaker", [SubPart::from("*")])],
            )],
            Service::VpcFlowLogs => vec![
                Condition::string_equals(keys::SOURCE_ACCOUNT, [Value::from(Pseudo::AccountId)]),
                Condition::arn_like(
                    keys::SOURCE_ARN,
                    [arn::regional("ec2", [SubPart::from("vpc-flow-log/*")])],
                ),
            ],
            Service::SageMakerNotebookInstance | Service::Lambda | Service::Ec2 => Vec::new(),
        }
    }

    /// The trust statement: the service may do `actions` (`sts:AssumeRole`, and for
    /// Studio `sts:SetSourceIdentity`), under the guard.
    pub fn statement(self, actions: &[&Action]) -> Statement {
        let mut statement = Statement::allow()
            .principal(Principal::service(self.principal()))
            .actions(actions.iter().copied());
        for condition in self.guard() {
            statement = statement.condition(condition);
        }
        statement
    }
}

/// The trust policy of a role that `service` assumes: `sts:AssumeRole`, under the
/// service's guard.
pub fn service_trust_policy(service: Service) -> PolicyDocument {
    PolicyDocument::new().statement(service.statement(&[&actions::ASSUME_ROLE]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(doc: PolicyDocument) -> serde_json::Value {
        serde_json::to_value(Value::from(doc)).unwrap()
    }

    #[test]
    fn studio_is_guarded_by_a_sagemaker_arn_of_this_account_and_region() {
        let doc = json(service_trust_policy(Service::SageMakerStudio));
        assert_eq!(
            doc["Statement"][0]["Condition"],
            serde_json::json!({"ArnLike": {"aws:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:*"
            }}})
        );
        assert_eq!(
            doc["Statement"][0]["Principal"]["Service"][0],
            "sagemaker.amazonaws.com"
        );
    }

    #[test]
    fn flow_logs_are_guarded_by_account_and_flow_log_arn() {
        let doc = json(service_trust_policy(Service::VpcFlowLogs));
        let c = &doc["Statement"][0]["Condition"];
        assert_eq!(
            c["StringEquals"]["aws:SourceAccount"],
            serde_json::json!({"Ref": "AWS::AccountId"})
        );
        assert_eq!(
            c["ArnLike"]["aws:SourceArn"],
            serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*"})
        );
    }

    #[test]
    fn undocumented_uses_carry_no_guard_and_say_why() {
        for service in [
            Service::SageMakerNotebookInstance,
            Service::Lambda,
            Service::Ec2,
        ] {
            let doc = json(service_trust_policy(service));
            assert!(
                doc["Statement"][0].get("Condition").is_none(),
                "{service:?}"
            );
        }
        for service in [Service::Lambda, Service::Ec2] {
            assert!(matches!(
                source_keys(service.principal()),
                Some(SourceKeys::NotDocumented { .. })
            ));
        }
    }

    #[test]
    fn every_service_is_in_the_table() {
        for service in [
            Service::SageMakerStudio,
            Service::SageMakerNotebookInstance,
            Service::Lambda,
            Service::Ec2,
            Service::VpcFlowLogs,
        ] {
            let keys = source_keys(service.principal());
            assert!(keys.is_some(), "{service:?}");
            if !service.guard().is_empty() {
                assert!(matches!(keys, Some(SourceKeys::Documented { .. })));
            }
        }
    }
}
