//! The request context of a SageMaker `CreateTrainingJob` as SageMaker authorizes it,
//! and the rows of the access matrices that each change one thing of the allowed
//! request, so that removing the condition that guards a row makes that row fail.

use serde_json::json;

use super::iam_eval::{ACCOUNT_ID, Evaluator, REGION};

/// Where a job is allowed to run: resolved physical values.
pub struct Place<'a> {
    /// The team tag's value.
    pub team: &'a str,
    pub subnets: &'a [String],
    pub security_group: &'a str,
    pub key: &'a str,
    pub instance_type: &'a str,
}

/// The physical values of a stack's job placement: its two private subnets, and the
/// security group, key and another key of the stack, by logical ID.
pub struct Resolved {
    pub subnets: Vec<String>,
    pub security_group: String,
    pub key: String,
    pub other_key: String,
}

impl Resolved {
    pub fn new(iam: &Evaluator, security_group: &str, key: &str, other_key: &str) -> Resolved {
        let r = |v: serde_json::Value| iam.resolve(&v);
        Resolved {
            subnets: vec![
                r(json!({"Ref": "PrivateSubnetAz1"})),
                r(json!({"Ref": "PrivateSubnetAz2"})),
            ],
            security_group: r(json!({"Fn::GetAtt": [security_group, "GroupId"]})),
            key: r(json!({"Fn::GetAtt": [key, "Arn"]})),
            other_key: r(json!({"Fn::GetAtt": [other_key, "Arn"]})),
        }
    }

    pub fn place<'a>(&'a self, team: &'a str, instance_type: &'a str) -> Place<'a> {
        Place {
            team,
            subnets: &self.subnets,
            security_group: &self.security_group,
            key: &self.key,
            instance_type,
        }
    }
}

/// `arn:aws:sagemaker:<region>:<account>:<resource>` in the evaluator's account.
pub fn sagemaker_arn(resource: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:{resource}")
}

/// Whether `principal` may start the training job `name` with the request `job`.
pub fn create_training_job(iam: &Evaluator, principal: &str, name: &str, job: &Job) -> bool {
    iam.decide(
        principal,
        "sagemaker:CreateTrainingJob",
        &sagemaker_arn(&format!("training-job/{name}")),
        &job.context(),
    )
    .allowed
}

/// The condition keys of one request, multivalued keys as repeated pairs.
#[derive(Clone)]
pub struct Job {
    pairs: Vec<(&'static str, String)>,
}

impl Job {
    /// The request that is allowed: tagged, in the place's subnets and group, with its key
    /// for volume and output, on its instance type, traffic between containers encrypted.
    pub fn allowed(place: &Place) -> Job {
        let mut pairs = vec![
            ("aws:RequestTag/sagesynth:team", place.team.to_string()),
            ("aws:TagKeys", "sagesynth:team".to_string()),
        ];
        for subnet in place.subnets {
            pairs.push(("sagemaker:VpcSubnets", subnet.clone()));
        }
        pairs.extend([
            (
                "sagemaker:VpcSecurityGroupIds",
                place.security_group.to_string(),
            ),
            ("sagemaker:VolumeKmsKey", place.key.to_string()),
            ("sagemaker:OutputKmsKey", place.key.to_string()),
            ("sagemaker:InstanceTypes", place.instance_type.to_string()),
            (
                "sagemaker:InterContainerTrafficEncryption",
                "true".to_string(),
            ),
            ("sagemaker:NetworkIsolation", "false".to_string()),
        ]);
        Job { pairs }
    }

    pub fn without(mut self, key: &str) -> Job {
        self.pairs.retain(|(k, _)| *k != key);
        self
    }

    pub fn with(self, key: &'static str, value: &str) -> Job {
        let mut job = self.without(key);
        job.pairs.push((key, value.to_string()));
        job
    }

    pub fn also(mut self, key: &'static str, value: &str) -> Job {
        self.pairs.push((key, value.to_string()));
        self
    }

    pub fn context(&self) -> Vec<(&str, &str)> {
        self.pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }
}

/// Each request that leaves the place in one way, and what it changes: `other_key` is
/// a key of the same stack that is not the place's, `other_team` another team's tag.
pub fn denied_rows(ok: &Job, other_key: &str, other_team: &str) -> Vec<(&'static str, Job)> {
    vec![
        (
            "without VPC config",
            ok.clone()
                .without("sagemaker:VpcSubnets")
                .without("sagemaker:VpcSecurityGroupIds"),
        ),
        (
            "without subnets",
            ok.clone().without("sagemaker:VpcSubnets"),
        ),
        (
            "without security groups",
            ok.clone().without("sagemaker:VpcSecurityGroupIds"),
        ),
        (
            "with another subnet besides its own",
            ok.clone().also("sagemaker:VpcSubnets", "subnet-0elsewhere"),
        ),
        (
            "with another security group",
            ok.clone().with("sagemaker:VpcSecurityGroupIds", "sg-0open"),
        ),
        (
            "with another volume key",
            ok.clone().with("sagemaker:VolumeKmsKey", other_key),
        ),
        (
            "without a volume key",
            ok.clone().without("sagemaker:VolumeKmsKey"),
        ),
        (
            "with another output key",
            ok.clone().with("sagemaker:OutputKmsKey", other_key),
        ),
        (
            "with a disallowed instance type",
            ok.clone()
                .with("sagemaker:InstanceTypes", "ml.p4d.24xlarge"),
        ),
        (
            "with a disallowed instance type besides an allowed one",
            ok.clone()
                .also("sagemaker:InstanceTypes", "ml.p4d.24xlarge"),
        ),
        (
            "without instance types",
            ok.clone().without("sagemaker:InstanceTypes"),
        ),
        (
            "without the team tag",
            ok.clone().without("aws:RequestTag/sagesynth:team"),
        ),
        (
            "tagged as another team",
            ok.clone().with("aws:RequestTag/sagesynth:team", other_team),
        ),
        (
            "without inter-container encryption",
            ok.clone()
                .with("sagemaker:InterContainerTrafficEncryption", "false"),
        ),
    ]
}
