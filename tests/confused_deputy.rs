//! SageMaker acting for another account cannot become our Studio roles; acting for this
//! account it can. The trust policies are evaluated as generated (the IAM evaluator's
//! trust module): a request carries the `aws:SourceArn` SageMaker sends for Studio, an
//! ARN of the account and Region the app or job belongs to. Notebook-instance roles keep
//! an unguarded trust, because SageMaker documents no source keys for notebook
//! instances. Each row fails if the guarantee it names is dropped.

mod support;

use support::iam_eval::trust::Caller;
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::stacks;

const SAGEMAKER: Caller = Caller::Service("sagemaker.amazonaws.com");
const FOREIGN_ACCOUNT: &str = "444455556666";

fn source_arn(region: &str, account: &str, resource: &str) -> String {
    format!("arn:aws:sagemaker:{region}:{account}:{resource}")
}

/// Asserts who may assume `role`: SageMaker for this account's Studio apps and jobs, not
/// for another account's, nor for another Region's, nor without a source.
fn assert_studio_role_guarded(e: &Evaluator, role: &str) {
    let app = source_arn(REGION, ACCOUNT_ID, "app/d-abc123/alice/jupyterlab/default");
    let job = source_arn(REGION, ACCOUNT_ID, "training-job/churn-1");
    for own in [&app, &job] {
        let d = e.decide_assume_role(SAGEMAKER, role, &[("aws:SourceArn", own)]);
        assert!(
            d.allowed,
            "{role}: SageMaker for {own} should assume it: {d:?}"
        );
    }
    let foreign = source_arn(
        REGION,
        FOREIGN_ACCOUNT,
        "app/d-evil/mallory/jupyterlab/default",
    );
    let other_region = source_arn("us-east-1", ACCOUNT_ID, "training-job/churn-1");
    for (source, why) in [
        (foreign.as_str(), "another account"),
        (other_region.as_str(), "another Region"),
    ] {
        let d = e.decide_assume_role(
            SAGEMAKER,
            role,
            &[
                ("aws:SourceArn", source),
                ("aws:SourceAccount", FOREIGN_ACCOUNT),
            ],
        );
        assert!(
            !d.allowed,
            "{role}: SageMaker acting for {why} assumed it: {d:?}"
        );
    }
    let d = e.decide_assume_role(SAGEMAKER, role, &[]);
    assert!(
        !d.allowed,
        "{role}: SageMaker without a source assumed it: {d:?}"
    );
}

#[test]
fn studio_execution_roles_trust_sagemaker_only_for_this_account() {
    let t = stacks::template("studio-private", &stacks::definition("studio-private"));
    assert_studio_role_guarded(&Evaluator::new(&t), "StudioExecutionRole");
}

#[test]
fn group_execution_roles_trust_sagemaker_only_for_this_account() {
    let t = stacks::template(
        "studio-sso-onboarding",
        &stacks::definition("studio-sso-onboarding"),
    );
    let e = Evaluator::new(&t);
    for role in [
        "StudioExecutionRole",
        "MlResearchersExecutionRole",
        "MlAuditorsExecutionRole",
    ] {
        assert_studio_role_guarded(&e, role);
    }
}

#[test]
fn notebook_instance_roles_stay_assumable_without_source_keys() {
    let t = stacks::template("team-notebooks", &stacks::definition("team-notebooks"));
    let e = Evaluator::new(&t);
    for role in ["AdministratorsNotebookRole", "EngineersNotebookRole"] {
        let d = e.decide_assume_role(SAGEMAKER, role, &[]);
        assert!(
            d.allowed,
            "{role}: a notebook instance could not start: {d:?}"
        );
    }
}
