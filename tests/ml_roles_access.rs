//! Access matrix of the SageMaker work people start from the roles they work in (issue
//! 20), evaluated over the policies of the shipped templates: a team's notebook role
//! (ml-platform), the Studio domain's execution role (studio-private), an Identity Center
//! group's execution role (studio-sso-onboarding) and each notebook's own role
//! (notebook-identity) may start a training job only in the stack's subnets and
//! their security group, with their key, on their instance types, tagged as their team,
//! and may pass only their own job role, only to SageMaker. The job role runs jobs and
//! nothing else: it can neither start jobs nor pass roles nor open Studio; it may create
//! the jobs' network interfaces only in the stack's subnets with the forced group, and
//! reach only the buckets its owner reaches. Each denial row names the one thing that
//! differs from the allowed request.
//!
//! Limits of the evaluator: it decides one resource per request, while EC2 authorizes
//! `CreateNetworkInterface` on the interface, the subnet and each security group of the
//! request, all of which must be allowed; the rows therefore ask for each resource of
//! that call on its own (an allowed subnet, another subnet, the forced group, another
//! group). It evaluates identity policies only: bucket and key policies, which deny
//! requests from outside the stack's network, are not part of these rows.

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

const GROUP: Case = Case {
    stack: "studio-sso-onboarding",
    launcher: "MlResearchersExecutionRole",
    job_role: "MlResearchersMlJobRole",
    team: "ml-researchers",
    security_group: "StudioSecurityGroup",
    key: "StudioKey",
    other_key: "ResearchDataBucketKey",
    instance_type: "ml.m5.xlarge",
    other_team: "ml-auditors",
    other_roles: &[
        "MlResearchersExecutionRole",
        "MlAuditorsExecutionRole",
        "StudioCleanupFunctionRole",
    ],
    not_launchers: &[
        "MlAuditorsExecutionRole",
        "MlResearchersMlJobRole",
        "StudioCleanupFunctionRole",
    ],
};

const TEAM: Case = Case {
    stack: "ml-platform",
    launcher: "ResearchNotebookRole",
    job_role: "ResearchMlJobRole",
    team: "research",
    security_group: "NotebookSecurityGroup",
    key: "NotebookKey",
    other_key: "StudioKey",
    instance_type: "ml.g5.xlarge",
    other_team: "applied",
    other_roles: &[
        "ResearchNotebookRole",
        "AppliedNotebookRole",
        "AppliedMlJobRole",
        "StudioExecutionRole",
        "BastionRole",
    ],
    not_launchers: &[
        "BastionRole",
        "StudioCleanupFunctionRole",
        "ResearchMlJobRole",
        "AppliedMlJobRole",
    ],
};

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

#[test]
fn a_team_starts_a_training_job_only_inside_its_environment() {
    starts_a_training_job_only_inside_its_environment(&TEAM);
}

#[test]
fn a_team_passes_only_its_job_role_not_its_notebook_role() {
    passes_only_its_job_role_and_only_to_sagemaker(&TEAM);
}

#[test]
fn a_teams_job_role_runs_jobs_but_cannot_start_them_or_pass_roles() {
    the_job_role_runs_jobs_and_nothing_else(&TEAM);
}

/// `arn:aws:ec2:<region>:<account>:<resource>` in the evaluator's account.
fn ec2_arn(resource: &str) -> String {
    format!("arn:aws:ec2:{REGION}:{ACCOUNT_ID}:{resource}")
}

/// SageMaker creates a job's network interfaces with the job's role: the job role may
/// create them only in the stack's private subnets with the forced group, and manage only
/// interfaces in those subnets; the role people work in creates none.
fn the_job_role_places_interfaces_only_in_the_stacks_subnets(case: &Case) {
    let t = template(case);
    let iam = evaluator(&t);
    let env = Resolved::new(&iam, case.security_group, case.key, case.other_key);
    let runner = case.job_role;
    let create = "ec2:CreateNetworkInterface";
    let interface = ec2_arn("network-interface/eni-0123456789abcdef0");
    let other_subnet = ec2_arn("subnet/subnet-0other");
    let group = ec2_arn(&format!("security-group/{}", env.security_group));
    let other_group = ec2_arn(&format!(
        "security-group/{}",
        iam.resolve(&json!({"Fn::GetAtt": ["EndpointSecurityGroup", "GroupId"]}))
    ));
    iam.assert_allowed(runner, create, &interface, &[]);
    iam.assert_allowed(runner, create, &group, &[]);
    iam.assert_denied(runner, create, &other_group, &[]);
    iam.assert_denied(runner, create, &other_subnet, &[]);
    for subnet in &env.subnets {
        let subnet = ec2_arn(&format!("subnet/{subnet}"));
        iam.assert_allowed(runner, create, &subnet, &[]);
        // Deleting interfaces and letting SageMaker's account attach them: only those
        // in the stack's subnets.
        for action in [
            "ec2:DeleteNetworkInterface",
            "ec2:CreateNetworkInterfacePermission",
            "ec2:DeleteNetworkInterfacePermission",
        ] {
            iam.assert_allowed(runner, action, &interface, &[("ec2:Subnet", &subnet)]);
            iam.assert_denied(runner, action, &interface, &[("ec2:Subnet", &other_subnet)]);
            iam.assert_denied(runner, action, &interface, &[]);
        }
        iam.assert_denied(case.launcher, create, &subnet, &[]);
    }
    for action in [
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeVpcs",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
    ] {
        iam.assert_allowed(runner, action, "*", &[]);
    }
    // Nothing else on the network: no interface attached to an instance, no group rule.
    iam.assert_denied(runner, "ec2:AttachNetworkInterface", &interface, &[]);
    iam.assert_denied(runner, "ec2:AuthorizeSecurityGroupEgress", &group, &[]);
}

#[test]
fn a_teams_job_role_places_interfaces_only_in_the_stacks_subnets() {
    the_job_role_places_interfaces_only_in_the_stacks_subnets(&TEAM);
}

#[test]
fn the_studio_job_role_places_interfaces_only_in_the_stacks_subnets() {
    the_job_role_places_interfaces_only_in_the_stacks_subnets(&STUDIO);
}

#[test]
fn a_notebooks_job_role_places_interfaces_only_in_the_stacks_subnets() {
    the_job_role_places_interfaces_only_in_the_stacks_subnets(&NOTEBOOK);
}

/// An object of the bucket with logical ID `bucket`, and the bucket itself.
fn bucket(iam: &Evaluator, bucket: &str) -> (String, String) {
    let arn = iam.resolve(&json!({"Fn::GetAtt": [bucket, "Arn"]}));
    (format!("{arn}/train/part-0001.csv"), arn)
}

/// ml-platform with a bucket only research may read (`private-notes`), so that a row can
/// ask another team's job role for it.
fn ml_platform_with_a_research_only_bucket() -> Json {
    let text = stacks::definition("ml-platform")
        .replacen("  models: {}\n", "  models: {}\n  private-notes: {}\n", 1)
        .replacen(
            "      models: [read, write, list]\n",
            "      models: [read, write, list]\n      private-notes: [read, list]\n",
            1,
        );
    assert!(
        text.contains("private-notes: [read, list]") && text.contains("private-notes: {}"),
        "the ml-platform definition changed shape; adjust this test's edit"
    );
    stacks::template("ml-platform", &text)
}

#[test]
fn a_teams_jobs_read_and_write_exactly_the_teams_buckets() {
    let t = ml_platform_with_a_research_only_bucket();
    let iam = evaluator(&t);
    let kms_via_s3 = format!("s3.{REGION}.amazonaws.com");
    let via_s3 = [("kms:ViaService", kms_via_s3.as_str())];
    let (datasets, datasets_bucket) = bucket(&iam, "DatasetsBucket");
    let (models, _) = bucket(&iam, "ModelsBucket");
    let (notes, _) = bucket(&iam, "PrivateNotesBucket");
    let key = |id: &str| iam.resolve(&json!({"Fn::GetAtt": [id, "Arn"]}));

    // research reads datasets and notes, writes models: so do its jobs.
    let research = "ResearchMlJobRole";
    iam.assert_allowed(research, "s3:GetObject", &datasets, &[]);
    iam.assert_allowed(research, "s3:ListBucket", &datasets_bucket, &[]);
    iam.assert_allowed(research, "s3:GetObject", &notes, &[]);
    iam.assert_allowed(research, "s3:PutObject", &models, &[]);
    iam.assert_allowed(research, "kms:Decrypt", &key("DatasetsBucketKey"), &via_s3);
    iam.assert_allowed(
        research,
        "kms:GenerateDataKey",
        &key("ModelsBucketKey"),
        &via_s3,
    );
    // Never more than the team: no write where it reads, no delete, a bucket key only
    // through S3.
    iam.assert_denied(research, "s3:PutObject", &datasets, &[]);
    iam.assert_denied(research, "s3:DeleteObject", &models, &[]);
    iam.assert_denied(research, "kms:Decrypt", &key("DatasetsBucketKey"), &[]);
    iam.assert_denied(
        research,
        "kms:GenerateDataKey",
        &key("DatasetsBucketKey"),
        &via_s3,
    );

    // applied reads datasets and models, and nothing of research's notes.
    let applied = "AppliedMlJobRole";
    iam.assert_allowed(applied, "s3:GetObject", &models, &[]);
    iam.assert_denied(applied, "s3:PutObject", &models, &[]);
    for role in [applied, "AppliedNotebookRole"] {
        iam.assert_denied(role, "s3:GetObject", &notes, &[]);
        iam.assert_denied(role, "kms:Decrypt", &key("PrivateNotesBucketKey"), &via_s3);
    }
    // The jobs take the team's buckets, not what only the notebook needs (packages).
    iam.assert_allowed(
        "ResearchNotebookRole",
        "codeartifact:ReadFromRepository",
        &iam.resolve(&json!({"Fn::GetAtt": ["PackagesRepository", "Arn"]})),
        &[],
    );
    iam.assert_denied(
        research,
        "codeartifact:ReadFromRepository",
        &iam.resolve(&json!({"Fn::GetAtt": ["PackagesRepository", "Arn"]})),
        &[],
    );
}

#[test]
fn a_groups_members_start_a_training_job_only_inside_the_domains_environment() {
    starts_a_training_job_only_inside_its_environment(&GROUP);
}

#[test]
fn a_group_passes_only_its_job_role_not_its_execution_role() {
    passes_only_its_job_role_and_only_to_sagemaker(&GROUP);
}

#[test]
fn a_groups_job_role_runs_jobs_but_cannot_start_them_pass_roles_or_open_studio() {
    the_job_role_runs_jobs_and_nothing_else(&GROUP);
}

#[test]
fn a_groups_job_role_places_interfaces_only_in_the_stacks_subnets() {
    the_job_role_places_interfaces_only_in_the_stacks_subnets(&GROUP);
}

#[test]
fn a_groups_jobs_read_and_write_exactly_the_groups_buckets() {
    let t = template(&GROUP);
    let iam = evaluator(&t);
    let (object, bucket_arn) = bucket(&iam, "ResearchDataBucket");
    let key = iam.resolve(&json!({"Fn::GetAtt": ["ResearchDataBucketKey", "Arn"]}));
    let kms_via_s3 = format!("s3.{REGION}.amazonaws.com");
    let via_s3 = [("kms:ViaService", kms_via_s3.as_str())];
    for role in [GROUP.launcher, GROUP.job_role] {
        iam.assert_allowed(role, "s3:GetObject", &object, &[]);
        iam.assert_allowed(role, "s3:PutObject", &object, &[]);
        iam.assert_allowed(role, "s3:ListBucket", &bucket_arn, &[]);
        iam.assert_allowed(role, "kms:GenerateDataKey", &key, &via_s3);
        // The group may not delete: neither may its jobs.
        iam.assert_denied(role, "s3:DeleteObject", &object, &[]);
    }
}

/// In a multi-account definition a group's job role and policies exist in an account only
/// where the group's execution role does: under the same condition.
#[test]
fn a_member_accounts_group_work_follows_the_groups_switch() {
    let text = stacks::definition("studio-multi-account").replacen(
        "        grants: { buckets: { research-data: [read, write, list] } }\n",
        "        grants: { buckets: { research-data: [read, write, list] } }\n        sagemaker: { jobs: [training], instance_types: [ml.m5.xlarge] }\n",
        1,
    );
    assert!(
        text.contains("sagemaker: { jobs: [training]"),
        "the studio-multi-account definition changed shape; adjust this test's edit"
    );
    let s = stacks::synthesize("studio-multi-account", &text);
    let member = s
        .children
        .iter()
        .find(|c| c.name.ends_with(".member"))
        .expect("a member template");
    let member = stacks::json(member);
    let resources = member["Resources"].as_object().unwrap();
    for id in [
        "MlResearchersExecutionRole",
        "MlResearchersMlJobRole",
        "MlResearchersMlCreate",
        "MlResearchersMlLaunch",
    ] {
        assert_eq!(
            resources[id]["Condition"],
            json!("MlResearchersExecutionRoleEnabled"),
            "{id}"
        );
    }
    assert!(
        !resources.contains_key("MlReviewersMlJobRole"),
        "a group without sagemaker got a job role"
    );
}
