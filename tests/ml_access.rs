//! Access matrix of a team's SageMaker work (issue 20, deliverable 7), evaluated over the
//! policies of the shipped team-notebooks template: the engineers' notebook role may start
//! a training job only in the stack's subnets and notebook security group, with the
//! notebook key, on its instance types, tagged with its team, passing its own role; each
//! row that leaves one of these out is denied. Each denial row names the one thing that
//! differs from the allowed request, so removing the condition that guards it makes that
//! row fail.

mod support;

use serde_json::{Value as Json, json};
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::stacks;

fn template() -> Json {
    let s = stacks::synthesize_shipped("team-notebooks");
    stacks::json(&s)
}

const ROLE: &str = "EngineersNotebookRole";
const OTHER_ROLE: &str = "AdministratorsNotebookRole";

fn arn(resource: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:{resource}")
}

/// The resolved physical values the allowed request uses.
struct Environment {
    subnets: [String; 2],
    security_group: String,
    key: String,
    role: String,
    other_role: String,
    other_key: String,
}

fn environment(iam: &Evaluator) -> Environment {
    let r = |v: Json| iam.resolve(&v);
    Environment {
        subnets: [
            r(json!({"Ref": "PrivateSubnetAz1"})),
            r(json!({"Ref": "PrivateSubnetAz2"})),
        ],
        security_group: r(json!({"Fn::GetAtt": ["NotebookSecurityGroup", "GroupId"]})),
        key: r(json!({"Fn::GetAtt": ["NotebookKey", "Arn"]})),
        role: r(json!({"Fn::GetAtt": [ROLE, "Arn"]})),
        other_role: r(json!({"Fn::GetAtt": [OTHER_ROLE, "Arn"]})),
        other_key: r(json!({"Fn::GetAtt": ["RawDataBucketKey", "Arn"]})),
    }
}

/// The request context of a CreateTrainingJob as SageMaker authorizes it, one change at
/// a time away from the allowed one.
#[derive(Clone)]
struct Job {
    pairs: Vec<(&'static str, String)>,
}

impl Job {
    fn allowed(env: &Environment) -> Job {
        Job {
            pairs: vec![
                ("aws:RequestTag/sagesynth:team", "engineers".to_string()),
                ("aws:TagKeys", "sagesynth:team".to_string()),
                ("sagemaker:VpcSubnets", env.subnets[0].clone()),
                ("sagemaker:VpcSubnets", env.subnets[1].clone()),
                ("sagemaker:VpcSecurityGroupIds", env.security_group.clone()),
                ("sagemaker:VolumeKmsKey", env.key.clone()),
                ("sagemaker:OutputKmsKey", env.key.clone()),
                ("sagemaker:InstanceTypes", "ml.m5.xlarge".to_string()),
                (
                    "sagemaker:InterContainerTrafficEncryption",
                    "true".to_string(),
                ),
                ("sagemaker:NetworkIsolation", "false".to_string()),
            ],
        }
    }

    fn without(mut self, key: &str) -> Job {
        self.pairs.retain(|(k, _)| *k != key);
        self
    }

    fn with(self, key: &'static str, value: &str) -> Job {
        let mut job = self.without(key);
        job.pairs.push((key, value.to_string()));
        job
    }

    fn also(mut self, key: &'static str, value: &str) -> Job {
        self.pairs.push((key, value.to_string()));
        self
    }

    fn context(&self) -> Vec<(&str, &str)> {
        self.pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }
}

fn create(iam: &Evaluator, principal: &str, name: &str, job: &Job) -> bool {
    iam.decide(
        principal,
        "sagemaker:CreateTrainingJob",
        &arn(&format!("training-job/{name}")),
        &job.context(),
    )
    .allowed
}

#[test]
fn a_team_starts_a_training_job_only_inside_its_environment() {
    let t = template();
    let iam = Evaluator::new(&t);
    let env = environment(&iam);
    let ok = Job::allowed(&env);
    let d = iam.decide(
        ROLE,
        "sagemaker:CreateTrainingJob",
        &arn("training-job/engineers-resnet-1"),
        &ok.context(),
    );
    assert!(d.allowed, "{}", d.reason);

    let rows: Vec<(&str, Job)> = vec![
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
            ok.clone().with("sagemaker:VolumeKmsKey", &env.other_key),
        ),
        (
            "without a volume key",
            ok.clone().without("sagemaker:VolumeKmsKey"),
        ),
        (
            "with another output key",
            ok.clone().with("sagemaker:OutputKmsKey", &env.other_key),
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
            ok.clone()
                .with("aws:RequestTag/sagesynth:team", "administrators"),
        ),
        (
            "without inter-container encryption",
            ok.clone()
                .with("sagemaker:InterContainerTrafficEncryption", "false"),
        ),
    ];
    for (what, job) in &rows {
        assert!(
            !create(&iam, ROLE, "engineers-resnet-1", job),
            "a training job {what} was allowed"
        );
    }
    assert!(
        !create(&iam, ROLE, "administrators-resnet-1", &ok),
        "a job named as another team's was allowed"
    );
    assert!(
        !create(&iam, OTHER_ROLE, "engineers-resnet-1", &ok),
        "a team without SageMaker grants started a job"
    );
}

#[test]
fn a_team_passes_only_its_own_role_and_only_to_sagemaker() {
    let t = template();
    let iam = Evaluator::new(&t);
    let env = environment(&iam);
    fn to(service: &str) -> [(&str, &str); 1] {
        [("iam:PassedToService", service)]
    }
    iam.assert_allowed(
        ROLE,
        "iam:PassRole",
        &env.role,
        &to("sagemaker.amazonaws.com"),
    );
    iam.assert_denied(
        ROLE,
        "iam:PassRole",
        &env.other_role,
        &to("sagemaker.amazonaws.com"),
    );
    iam.assert_denied(ROLE, "iam:PassRole", &env.role, &to("lambda.amazonaws.com"));
    iam.assert_denied(ROLE, "iam:PassRole", &env.role, &[]);
}

#[test]
fn tags_are_added_only_while_creating_the_teams_resources() {
    let t = template();
    let iam = Evaluator::new(&t);
    let job = arn("training-job/engineers-resnet-1");
    let tag = |action: &'static str, team: &'static str| {
        [
            ("sagemaker:TaggingAction", action),
            ("aws:RequestTag/sagesynth:team", team),
        ]
    };
    iam.assert_allowed(
        ROLE,
        "sagemaker:AddTags",
        &job,
        &tag("CreateTrainingJob", "engineers"),
    );
    // Tagging an existing resource (no create call), or as another team, is refused.
    iam.assert_denied(
        ROLE,
        "sagemaker:AddTags",
        &job,
        &[("aws:RequestTag/sagesynth:team", "engineers")],
    );
    iam.assert_denied(
        ROLE,
        "sagemaker:AddTags",
        &job,
        &tag("CreateTrainingJob", "administrators"),
    );
    // Transform jobs and endpoints are not granted to this team.
    iam.assert_denied(
        ROLE,
        "sagemaker:AddTags",
        &arn("endpoint/engineers-api"),
        &tag("CreateEndpoint", "engineers"),
    );
}

#[test]
fn another_teams_job_can_be_neither_stopped_nor_described() {
    let t = template();
    let iam = Evaluator::new(&t);
    let own = arn("training-job/engineers-resnet-1");
    let tagged = |team: &'static str| [("aws:ResourceTag/sagesynth:team", team)];
    for action in ["sagemaker:StopTrainingJob", "sagemaker:DescribeTrainingJob"] {
        iam.assert_allowed(ROLE, action, &own, &tagged("engineers"));
        // A job of another team: its name, or its tag, or both, are not the team's.
        iam.assert_denied(
            ROLE,
            action,
            &arn("training-job/administrators-x"),
            &tagged("administrators"),
        );
        iam.assert_denied(ROLE, action, &own, &tagged("administrators"));
        iam.assert_denied(ROLE, action, &own, &[]);
    }
}

#[test]
fn job_logs_and_metrics_stay_in_sagemakers_places() {
    let t = template();
    let iam = Evaluator::new(&t);
    let stream = |group: &str, name: &str| {
        format!("arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{group}:log-stream:{name}")
    };
    iam.assert_allowed(
        ROLE,
        "logs:PutLogEvents",
        &stream(
            "/aws/sagemaker/TrainingJobs",
            "engineers-resnet-1/algo-1-1700000000",
        ),
        &[],
    );
    iam.assert_denied(
        ROLE,
        "logs:PutLogEvents",
        &stream(
            "/aws/sagemaker/TrainingJobs",
            "administrators-x/algo-1-1700000000",
        ),
        &[],
    );
    iam.assert_denied(
        ROLE,
        "logs:PutLogEvents",
        &stream("/aws/lambda/anything", "engineers-resnet-1"),
        &[],
    );
    iam.assert_allowed(
        ROLE,
        "cloudwatch:PutMetricData",
        "*",
        &[("cloudwatch:namespace", "/aws/sagemaker/TrainingJobs")],
    );
    iam.assert_denied(
        ROLE,
        "cloudwatch:PutMetricData",
        "*",
        &[("cloudwatch:namespace", "Billing")],
    );
    let dlc = format!("arn:aws:ecr:{REGION}:763104351884:repository/pytorch-training");
    iam.assert_allowed(ROLE, "ecr:BatchGetImage", &dlc, &[]);
    iam.assert_denied(
        ROLE,
        "ecr:BatchGetImage",
        &format!("arn:aws:ecr:{REGION}:999999999999:repository/pytorch-training"),
        &[],
    );
}
