//! Access matrix of a team's SageMaker work (issue 20, deliverable 7), evaluated over the
//! policies of the shipped team-notebooks template: the engineers' notebook role may start
//! a training job only in the stack's subnets and notebook security group, with the
//! notebook key, on its instance types, tagged with its team, passing the team's job
//! role; each
//! row that leaves one of these out is denied. Each denial row names the one thing that
//! differs from the allowed request, so removing the condition that guards it makes that
//! row fail.

mod support;

use serde_json::{Value as Json, json};
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::ml_job::{Job, Resolved, create_training_job, denied_rows, sagemaker_arn};
use support::stacks;

fn template() -> Json {
    let s = stacks::synthesize_shipped("team-notebooks");
    stacks::json(&s)
}

const ROLE: &str = "EngineersNotebookRole";
const OTHER_ROLE: &str = "AdministratorsNotebookRole";
/// The role the team's jobs run as.
const JOB_ROLE: &str = "EngineersMlJobRole";

fn environment(iam: &Evaluator) -> Resolved {
    Resolved::new(
        iam,
        "NotebookSecurityGroup",
        "NotebookKey",
        "RawDataBucketKey",
    )
}

fn role_arn(iam: &Evaluator, role: &str) -> String {
    iam.resolve(&json!({"Fn::GetAtt": [role, "Arn"]}))
}

#[test]
fn a_team_starts_a_training_job_only_inside_its_environment() {
    let t = template();
    let iam = Evaluator::new(&t);
    let env = environment(&iam);
    let ok = Job::allowed(&env.place("engineers", "ml.m5.xlarge"));
    let d = iam.decide(
        ROLE,
        "sagemaker:CreateTrainingJob",
        &sagemaker_arn("training-job/engineers-resnet-1"),
        &ok.context(),
    );
    assert!(d.allowed, "{}", d.reason);

    let rows = denied_rows(&ok, &env.other_key, "administrators");
    for (what, job) in &rows {
        assert!(
            !create_training_job(&iam, ROLE, "engineers-resnet-1", job),
            "a training job {what} was allowed"
        );
    }
    assert!(
        !create_training_job(&iam, ROLE, "administrators-resnet-1", &ok),
        "a job named as another team's was allowed"
    );
    assert!(
        !create_training_job(&iam, OTHER_ROLE, "engineers-resnet-1", &ok),
        "a team without SageMaker grants started a job"
    );
}

#[test]
fn a_team_passes_only_its_job_role_and_only_to_sagemaker() {
    let t = template();
    let iam = Evaluator::new(&t);
    let role = role_arn(&iam, JOB_ROLE);
    fn to(service: &str) -> [(&str, &str); 1] {
        [("iam:PassedToService", service)]
    }
    iam.assert_allowed(ROLE, "iam:PassRole", &role, &to("sagemaker.amazonaws.com"));
    // Neither the notebook role itself (jobs would run with everything the notebook
    // may do) nor another team's role.
    for other in [ROLE, OTHER_ROLE] {
        iam.assert_denied(
            ROLE,
            "iam:PassRole",
            &role_arn(&iam, other),
            &to("sagemaker.amazonaws.com"),
        );
    }
    iam.assert_denied(ROLE, "iam:PassRole", &role, &to("lambda.amazonaws.com"));
    iam.assert_denied(ROLE, "iam:PassRole", &role, &[]);
}

#[test]
fn tags_are_added_only_while_creating_the_teams_resources() {
    let t = template();
    let iam = Evaluator::new(&t);
    let job = sagemaker_arn("training-job/engineers-resnet-1");
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
        &sagemaker_arn("endpoint/engineers-api"),
        &tag("CreateEndpoint", "engineers"),
    );
}

#[test]
fn another_teams_job_can_be_neither_stopped_nor_described() {
    let t = template();
    let iam = Evaluator::new(&t);
    let own = sagemaker_arn("training-job/engineers-resnet-1");
    let tagged = |team: &'static str| [("aws:ResourceTag/sagesynth:team", team)];
    for action in ["sagemaker:StopTrainingJob", "sagemaker:DescribeTrainingJob"] {
        iam.assert_allowed(ROLE, action, &own, &tagged("engineers"));
        // A job of another team: its name, or its tag, or both, are not the team's.
        iam.assert_denied(
            ROLE,
            action,
            &sagemaker_arn("training-job/administrators-x"),
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
        JOB_ROLE,
        "logs:PutLogEvents",
        &stream(
            "/aws/sagemaker/TrainingJobs",
            "engineers-resnet-1/algo-1-1700000000",
        ),
        &[],
    );
    iam.assert_denied(
        JOB_ROLE,
        "logs:PutLogEvents",
        &stream(
            "/aws/sagemaker/TrainingJobs",
            "administrators-x/algo-1-1700000000",
        ),
        &[],
    );
    iam.assert_denied(
        JOB_ROLE,
        "logs:PutLogEvents",
        &stream("/aws/lambda/anything", "engineers-resnet-1"),
        &[],
    );
    // The notebook role follows its jobs' logs but writes none: only the job role runs
    // the jobs.
    let own = stream(
        "/aws/sagemaker/TrainingJobs",
        "engineers-resnet-1/algo-1-1700000000",
    );
    iam.assert_allowed(ROLE, "logs:GetLogEvents", &own, &[]);
    iam.assert_denied(ROLE, "logs:PutLogEvents", &own, &[]);
    iam.assert_allowed(
        JOB_ROLE,
        "cloudwatch:PutMetricData",
        "*",
        &[("cloudwatch:namespace", "/aws/sagemaker/TrainingJobs")],
    );
    iam.assert_denied(
        JOB_ROLE,
        "cloudwatch:PutMetricData",
        "*",
        &[("cloudwatch:namespace", "Billing")],
    );
    let dlc = format!("arn:aws:ecr:{REGION}:763104351884:repository/pytorch-training");
    iam.assert_allowed(JOB_ROLE, "ecr:BatchGetImage", &dlc, &[]);
    iam.assert_denied(
        JOB_ROLE,
        "ecr:BatchGetImage",
        &format!("arn:aws:ecr:{REGION}:999999999999:repository/pytorch-training"),
        &[],
    );
}
