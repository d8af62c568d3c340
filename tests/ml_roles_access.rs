//! Access matrix of the SageMaker work people start from the roles they work in (issue
//! 20, deliverable 1 for roles other than a team's), evaluated over the policies of the
//! shipped templates: the Studio domain's execution role (studio-private) and each
//! notebook's own role (notebook-identity) may start a training job only in the stack's
//! subnets and their security group, with their key, on their instance types, tagged as
//! their team, and may pass only their own job role, only to SageMaker. The job role runs
//! jobs and nothing else: it can neither start jobs nor pass roles nor open Studio. Each
//! denial row names the one thing that differs from the allowed request.

mod support;

use serde_json::{Value as Json, json};
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::ml_job::{Job, Resolved, create_training_job, denied_rows, sagemaker_arn};
use support::stacks;

/// One role that people work in, and what its jobs are confined to.
struct Case {
    stack: &'static str,
    /// The role people's code runs as (a Studio app's, a notebook's).
    launcher: &'static str,
    /// The role its jobs run as.
    job_role: &'static str,
    /// The team tag and job name prefix.
    team: &'static str,
    security_group: &'static str,
    key: &'static str,
    /// A key of the same stack that is not for jobs.
    other_key: &'static str,
    instance_type: &'static str,
    /// Another team's tag (a team of the same stack where there is one).
    other_team: &'static str,
    /// Roles of the same stack it must not pass (other people's roles and job roles
    /// included).
    other_roles: &'static [&'static str],
    /// Roles of the stack that run no one's code and must not start jobs.
    not_launchers: &'static [&'static str],
}

const DOMAIN_ID: &str = "d-studioprivate1";

const STUDIO: Case = Case {
    stack: "studio-private",
    launcher: "StudioExecutionRole",
    job_role: "StudioMlJobRole",
    team: "studio-private",
    security_group: "StudioSecurityGroup",
    key: "StudioKey",
    other_key: "BastionVolumeKey",
    instance_type: "ml.m5.2xlarge",
    other_team: "engineers",
    other_roles: &[
        "StudioExecutionRole",
        "BastionRole",
        "StudioCleanupFunctionRole",
        "VpcFlowLogRole",
    ],
    not_launchers: &[
        "BastionRole",
        "StudioCleanupFunctionRole",
        "StudioMlJobRole",
    ],
};

const NOTEBOOK: Case = Case {
    stack: "notebook-identity",
    launcher: "NotebookAnalystAliceRole",
    job_role: "NotebookAnalystAliceMlJobRole",
    team: "analyst-alice",
    security_group: "NotebookSecurityGroup",
    key: "NotebookKey",
    other_key: "FlowLogKey",
    instance_type: "ml.m5.xlarge",
    other_team: "analyst-bob",
    other_roles: &[
        "NotebookAnalystAliceRole",
        "NotebookAnalystBobRole",
        "NotebookAnalystBobMlJobRole",
        "NotebookDataEngineerCarolMlJobRole",
        "VpcFlowLogRole",
    ],
    not_launchers: &["VpcFlowLogRole", "NotebookAnalystAliceMlJobRole"],
};

/// The Studio domain's physical id, ARN and home file system, which the execution and
/// cleanup policies name and only a deployment knows.
fn evaluator(t: &Json) -> Evaluator<'_> {
    let iam = Evaluator::new(t);
    if t["Resources"].get("StudioDomain").is_none() {
        return iam;
    }
    iam.with_attribute(
        "StudioDomain",
        "DomainArn",
        &sagemaker_arn(&format!("domain/{DOMAIN_ID}")),
    )
    .with_attribute("StudioDomain", "DomainId", DOMAIN_ID)
    .with_attribute("StudioDomain", "HomeEfsFileSystemId", "fs-studioprivate1")
}

fn role_arn(iam: &Evaluator, role: &str) -> String {
    iam.resolve(&json!({"Fn::GetAtt": [role, "Arn"]}))
}

fn template(case: &Case) -> Json {
    stacks::json(&stacks::synthesize_shipped(case.stack))
}

fn starts_a_training_job_only_inside_its_environment(case: &Case) {
    let t = template(case);
    let iam = evaluator(&t);
    let env = Resolved::new(&iam, case.security_group, case.key, case.other_key);
    let ok = Job::allowed(&env.place(case.team, case.instance_type));
    let own = format!("{}-resnet-1", case.team);
    let d = iam.decide(
        case.launcher,
        "sagemaker:CreateTrainingJob",
        &sagemaker_arn(&format!("training-job/{own}")),
        &ok.context(),
    );
    assert!(d.allowed, "{}", d.reason);
    for (what, job) in denied_rows(&ok, &env.other_key, case.other_team) {
        assert!(
            !create_training_job(&iam, case.launcher, &own, &job),
            "{}: a training job {what} was allowed",
            case.launcher
        );
    }
    assert!(
        !create_training_job(
            &iam,
            case.launcher,
            &format!("{}-resnet-1", case.other_team),
            &ok
        ),
        "{}: a job named as another team's was allowed",
        case.launcher
    );
    for role in case.not_launchers {
        assert!(
            !create_training_job(&iam, role, &own, &ok),
            "{role}, which runs no one's notebooks, started a job"
        );
    }
}

fn passes_only_its_job_role_and_only_to_sagemaker(case: &Case) {
    let t = template(case);
    let iam = evaluator(&t);
    let to = |service: &'static str| [("iam:PassedToService", service)];
    let job_role = role_arn(&iam, case.job_role);
    let launcher = case.launcher;
    iam.assert_allowed(
        launcher,
        "iam:PassRole",
        &job_role,
        &to("sagemaker.amazonaws.com"),
    );
    iam.assert_denied(
        launcher,
        "iam:PassRole",
        &job_role,
        &to("lambda.amazonaws.com"),
    );
    iam.assert_denied(launcher, "iam:PassRole", &job_role, &[]);
    // Neither its own role (which can start jobs) nor another person's or team's role
    // of the stack, nor a role outside it.
    for other in case.other_roles {
        iam.assert_denied(
            launcher,
            "iam:PassRole",
            &role_arn(&iam, other),
            &to("sagemaker.amazonaws.com"),
        );
    }
    iam.assert_denied(
        launcher,
        "iam:PassRole",
        &format!("arn:aws:iam::{ACCOUNT_ID}:role/engineers-job-role"),
        &to("sagemaker.amazonaws.com"),
    );
}

fn the_job_role_runs_jobs_and_nothing_else(case: &Case) {
    let t = template(case);
    let iam = evaluator(&t);
    let env = Resolved::new(&iam, case.security_group, case.key, case.other_key);
    let ok = Job::allowed(&env.place(case.team, case.instance_type));
    let runner = case.job_role;
    let own = format!("{}-resnet-1", case.team);
    // What a running job needs.
    let stream = format!(
        "arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/sagemaker/TrainingJobs:log-stream:{own}/algo-1-1700000000"
    );
    iam.assert_allowed(runner, "logs:PutLogEvents", &stream, &[]);
    iam.assert_allowed(runner, "kms:GenerateDataKey", &env.key, &[]);
    iam.assert_allowed(
        runner,
        "ecr:BatchGetImage",
        &format!("arn:aws:ecr:{REGION}:763104351884:repository/pytorch-training"),
        &[],
    );
    // Nothing that starts more work or reaches people's sessions.
    assert!(
        !create_training_job(&iam, runner, &format!("{}-resnet-2", case.team), &ok),
        "{runner} started a job"
    );
    for action in [
        "sagemaker:CreateProcessingJob",
        "sagemaker:CreateModel",
        "sagemaker:StopTrainingJob",
    ] {
        iam.assert_denied(
            runner,
            action,
            &sagemaker_arn(&format!("training-job/{own}")),
            &[("aws:RequestTag/sagesynth:team", case.team)],
        );
    }
    iam.assert_denied(
        runner,
        "sagemaker:CreatePresignedDomainUrl",
        &sagemaker_arn(&format!("user-profile/{DOMAIN_ID}/data-scientist-1")),
        &[],
    );
    iam.assert_denied(
        runner,
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        &sagemaker_arn("notebook-instance/analyst-alice"),
        &[],
    );
    iam.assert_denied(
        runner,
        "iam:PassRole",
        &role_arn(&iam, runner),
        &[("iam:PassedToService", "sagemaker.amazonaws.com")],
    );
    // The person's role reads its jobs' logs (the SageMaker Python SDK follows them
    // while it waits for a job).
    iam.assert_allowed(case.launcher, "logs:GetLogEvents", &stream, &[]);
}

#[test]
fn studio_users_start_a_training_job_only_inside_the_domains_environment() {
    starts_a_training_job_only_inside_its_environment(&STUDIO);
}

#[test]
fn studio_users_pass_only_the_job_role_and_only_to_sagemaker() {
    passes_only_its_job_role_and_only_to_sagemaker(&STUDIO);
}

#[test]
fn the_studio_job_role_runs_jobs_but_cannot_start_them_pass_roles_or_open_studio() {
    the_job_role_runs_jobs_and_nothing_else(&STUDIO);
}

#[test]
fn a_notebook_starts_a_training_job_only_inside_its_environment() {
    starts_a_training_job_only_inside_its_environment(&NOTEBOOK);
}

#[test]
fn a_notebook_passes_only_its_own_job_role_not_another_notebooks() {
    passes_only_its_job_role_and_only_to_sagemaker(&NOTEBOOK);
}

#[test]
fn a_notebooks_job_role_runs_jobs_but_cannot_start_them_or_pass_roles() {
    the_job_role_runs_jobs_and_nothing_else(&NOTEBOOK);
}
