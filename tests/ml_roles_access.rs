//! Access matrix of the SageMaker work people start from Studio (issue 20, deliverable
//! 1 for roles other than a team's), evaluated over the policies of the shipped
//! studio-private template: the domain's execution role may start a training job only in
//! the stack's subnets and the Studio security group, with the domain's key, on its
//! instance types, tagged as the domain's team, and may pass only the domain's job role,
//! only to SageMaker. The job role runs jobs and nothing else: it can neither start jobs
//! nor pass roles nor open Studio. Each denial row names the one thing that differs from
//! the allowed request.

mod support;

use serde_json::{Value as Json, json};
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::ml_job::{Job, Resolved, create_training_job, denied_rows, sagemaker_arn};
use support::stacks;

const LAUNCHER: &str = "StudioExecutionRole";
const JOB_ROLE: &str = "StudioMlJobRole";
const TEAM: &str = "studio-private";

fn template() -> Json {
    let s = stacks::synthesize_shipped("studio-private");
    stacks::json(&s)
}

const DOMAIN_ID: &str = "d-studioprivate1";

/// The domain's physical id, ARN and home file system, which the execution and cleanup
/// policies name and only a deployment knows.
fn evaluator(t: &Json) -> Evaluator<'_> {
    Evaluator::new(t)
        .with_attribute(
            "StudioDomain",
            "DomainArn",
            &sagemaker_arn(&format!("domain/{DOMAIN_ID}")),
        )
        .with_attribute("StudioDomain", "DomainId", DOMAIN_ID)
        .with_attribute("StudioDomain", "HomeEfsFileSystemId", "fs-studioprivate1")
}

fn environment(iam: &Evaluator) -> Resolved {
    Resolved::new(iam, "StudioSecurityGroup", "StudioKey", "BastionVolumeKey")
}

fn role_arn(iam: &Evaluator, role: &str) -> String {
    iam.resolve(&json!({"Fn::GetAtt": [role, "Arn"]}))
}

#[test]
fn studio_users_start_a_training_job_only_inside_the_domains_environment() {
    let t = template();
    let iam = evaluator(&t);
    let env = environment(&iam);
    let ok = Job::allowed(&env.place(TEAM, "ml.m5.2xlarge"));
    let d = iam.decide(
        LAUNCHER,
        "sagemaker:CreateTrainingJob",
        &sagemaker_arn("training-job/studio-private-resnet-1"),
        &ok.context(),
    );
    assert!(d.allowed, "{}", d.reason);
    for (what, job) in denied_rows(&ok, &env.other_key, "engineers") {
        assert!(
            !create_training_job(&iam, LAUNCHER, "studio-private-resnet-1", &job),
            "a Studio training job {what} was allowed"
        );
    }
    assert!(
        !create_training_job(&iam, LAUNCHER, "engineers-resnet-1", &ok),
        "a job named as another team's was allowed"
    );
    for role in ["BastionRole", "StudioCleanupFunctionRole"] {
        assert!(
            !create_training_job(&iam, role, "studio-private-resnet-1", &ok),
            "{role}, which runs no notebooks, started a job"
        );
    }
}

#[test]
fn studio_users_pass_only_the_job_role_and_only_to_sagemaker() {
    let t = template();
    let iam = evaluator(&t);
    let to = |service: &'static str| [("iam:PassedToService", service)];
    let job_role = role_arn(&iam, JOB_ROLE);
    iam.assert_allowed(
        LAUNCHER,
        "iam:PassRole",
        &job_role,
        &to("sagemaker.amazonaws.com"),
    );
    iam.assert_denied(
        LAUNCHER,
        "iam:PassRole",
        &job_role,
        &to("lambda.amazonaws.com"),
    );
    iam.assert_denied(LAUNCHER, "iam:PassRole", &job_role, &[]);
    // Neither its own role (which can open Studio and start jobs) nor any other role of
    // the stack, nor a role of the same name pattern outside it.
    for other in [
        LAUNCHER,
        "BastionRole",
        "StudioCleanupFunctionRole",
        "VpcFlowLogRole",
    ] {
        iam.assert_denied(
            LAUNCHER,
            "iam:PassRole",
            &role_arn(&iam, other),
            &to("sagemaker.amazonaws.com"),
        );
    }
    iam.assert_denied(
        LAUNCHER,
        "iam:PassRole",
        &format!("arn:aws:iam::{ACCOUNT_ID}:role/engineers-job-role"),
        &to("sagemaker.amazonaws.com"),
    );
}

#[test]
fn the_job_role_runs_jobs_but_cannot_start_them_pass_roles_or_open_studio() {
    let t = template();
    let iam = evaluator(&t);
    let env = environment(&iam);
    let ok = Job::allowed(&env.place(TEAM, "ml.m5.2xlarge"));
    // What a running job needs.
    let stream = format!(
        "arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/sagemaker/TrainingJobs:log-stream:studio-private-resnet-1/algo-1-1700000000"
    );
    iam.assert_allowed(JOB_ROLE, "logs:PutLogEvents", &stream, &[]);
    iam.assert_allowed(JOB_ROLE, "kms:GenerateDataKey", &env.key, &[]);
    iam.assert_allowed(
        JOB_ROLE,
        "ecr:BatchGetImage",
        &format!("arn:aws:ecr:{REGION}:763104351884:repository/pytorch-training"),
        &[],
    );
    // Nothing that starts more work or reaches people's sessions.
    assert!(
        !create_training_job(&iam, JOB_ROLE, "studio-private-resnet-2", &ok),
        "the job role started a job"
    );
    for action in [
        "sagemaker:CreateProcessingJob",
        "sagemaker:CreateModel",
        "sagemaker:StopTrainingJob",
    ] {
        iam.assert_denied(
            JOB_ROLE,
            action,
            &sagemaker_arn("training-job/studio-private-resnet-1"),
            &[("aws:RequestTag/sagesynth:team", TEAM)],
        );
    }
    iam.assert_denied(
        JOB_ROLE,
        "sagemaker:CreatePresignedDomainUrl",
        &sagemaker_arn(&format!("user-profile/{DOMAIN_ID}/data-scientist-1")),
        &[],
    );
    iam.assert_denied(
        JOB_ROLE,
        "iam:PassRole",
        &role_arn(&iam, JOB_ROLE),
        &[("iam:PassedToService", "sagemaker.amazonaws.com")],
    );
    // The person's role reads its jobs' logs (the SageMaker Python SDK follows them
    // while it waits for a job).
    iam.assert_allowed(LAUNCHER, "logs:GetLogEvents", &stream, &[]);
}
