//! What the onboarding functions' roles may do to Studio user profiles, evaluated over the
//! generated policies of both shipped onboarding stacks: in studio-sso-onboarding the
//! functions' own roles, in studio-multi-account's member template the provisioning roles
//! the central functions assume. Only profiles that carry the ownership tag (which only
//! onboarding puts on, at creation) may be updated or deleted; onboarding never deletes,
//! offboarding never creates; only its own central function may assume a provisioning
//! role, and no principal of another account. Each row fails if its guarantee is dropped.

mod support;

use serde_json::Value as Json;
use support::iam_eval::trust::Caller;
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::stacks;

const DOMAIN_ID: &str = "d-abc123";
const TAG: &str = "sagesynth:identitystore-user-id";
const OWNED: &str = "aws:ResourceTag/sagesynth:identitystore-user-id";
const REQUESTED: &str = "aws:RequestTag/sagesynth:identitystore-user-id";
const USER_ID: &str = "94f8e4a8-1031-70b5-3c33-0123456789ab";
/// The central functions' roles, in the Identity Center account.
const CENTRAL_ONBOARDING: &str = "arn:aws:iam::999988887777:role/central-OnboardingFunctionRole-1";
const CENTRAL_OFFBOARDING: &str =
    "arn:aws:iam::999988887777:role/central-OffboardingFunctionRole-2";
/// A principal of another account, in the same organization (the worst case).
const FOREIGN: &str = "arn:aws:iam::444455556666:role/Exfiltrator";
const ORGANIZATION: &str = "o-abcde12345";

fn profile(name: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:user-profile/{DOMAIN_ID}/{name}")
}

fn with_domain(t: &Json) -> Evaluator<'_> {
    Evaluator::new(t).with_attribute("StudioDomain", "DomainId", DOMAIN_ID)
}

fn single_account() -> Json {
    stacks::shipped_template("studio-sso-onboarding")
}

fn member() -> Json {
    let s = stacks::synthesize_shipped("studio-multi-account");
    serde_json::from_str(s.children[0].body()).unwrap()
}

/// studio-sso-onboarding with the physical values of what its functions' roles name
/// besides profiles.
fn single_evaluator(t: &Json) -> Evaluator<'_> {
    let arn = |service: &str, rest: &str| format!("arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{rest}");
    with_domain(t)
        .with_attribute(
            "OnboardingDeadLetterQueue",
            "Arn",
            &arn("sqs", "onboarding-dlq"),
        )
        .with_attribute(
            "OnboardingFunctionLogs",
            "Arn",
            &arn("logs", "log-group:onboarding:*"),
        )
        .with_attribute(
            "OffboardingFunctionLogs",
            "Arn",
            &arn("logs", "log-group:offboarding:*"),
        )
}

/// The member template as deployed in the research account: both of its groups enabled,
/// the central functions' role ARNs set by the StackSet.
fn member_evaluator(t: &Json) -> Evaluator<'_> {
    with_domain(t)
        .assume_condition("MlResearchersExecutionRoleEnabled", true)
        .assume_condition("MlReviewersExecutionRoleEnabled", true)
        .assume_condition("MlAuditorsExecutionRoleEnabled", false)
        .assume_condition("AnyGroupRoleEnabled", true)
        .with_ref("CentralOnboardingRoleArn", CENTRAL_ONBOARDING)
        .with_ref("CentralOffboardingRoleArn", CENTRAL_OFFBOARDING)
}

/// (onboarding role, offboarding role) of each template, with its evaluator.
fn each_pair(check: impl Fn(&Evaluator, &str, &str)) {
    let t = single_account();
    check(
        &single_evaluator(&t),
        "OnboardingFunctionRole",
        "OffboardingFunctionRole",
    );
    let m = member();
    check(
        &member_evaluator(&m),
        "OnboardingProvisioningRole",
        "OffboardingProvisioningRole",
    );
}

fn owned() -> Vec<(&'static str, &'static str)> {
    vec![(OWNED, USER_ID)]
}

#[test]
fn no_function_role_updates_or_deletes_a_profile_without_the_ownership_tag() {
    each_pair(|iam, on, off| {
        let someone = profile("someone-elses");
        for role in [on, off] {
            iam.assert_allowed(role, "sagemaker:UpdateUserProfile", &someone, &owned());
            iam.assert_denied(role, "sagemaker:UpdateUserProfile", &someone, &[]);
            iam.assert_denied(
                role,
                "sagemaker:UpdateUserProfile",
                &someone,
                &[("aws:ResourceTag/owner", "x")],
            );
        }
        iam.assert_allowed(off, "sagemaker:DeleteUserProfile", &someone, &owned());
        iam.assert_denied(off, "sagemaker:DeleteUserProfile", &someone, &[]);
        // Reading stays open: the code tells its own profiles from others' by their tag.
        iam.assert_allowed(on, "sagemaker:DescribeUserProfile", &someone, &[]);
        iam.assert_allowed(off, "sagemaker:ListTags", &someone, &[]);
        // Nothing outside the stack's domain.
        let elsewhere = profile("x").replace(DOMAIN_ID, "d-other");
        iam.assert_denied(off, "sagemaker:DeleteUserProfile", &elsewhere, &owned());
    });
}

#[test]
fn a_function_cannot_adopt_a_profile_by_tagging_it() {
    each_pair(|iam, on, off| {
        let someone = profile("someone-elses");
        let tagging = [(REQUESTED, USER_ID), ("aws:TagKeys", TAG)];
        for role in [on, off] {
            iam.assert_denied(role, "sagemaker:AddTags", &someone, &tagging);
        }
        let mut at_creation = tagging.to_vec();
        at_creation.push(("sagemaker:TaggingAction", "CreateUserProfile"));
        iam.assert_allowed(on, "sagemaker:AddTags", &someone, &at_creation);
        at_creation.push(("aws:TagKeys", "owner"));
        iam.assert_denied(on, "sagemaker:AddTags", &someone, &at_creation);
    });
}

#[test]
fn onboarding_creates_only_with_the_ownership_tag_and_never_deletes() {
    each_pair(|iam, on, _| {
        let new = profile("new-user");
        let tagged = [(REQUESTED, USER_ID), ("aws:TagKeys", TAG)];
        iam.assert_allowed(on, "sagemaker:CreateUserProfile", &new, &tagged);
        iam.assert_denied(on, "sagemaker:CreateUserProfile", &new, &[]);
        iam.assert_denied(
            on,
            "sagemaker:CreateUserProfile",
            &new,
            &[
                (REQUESTED, USER_ID),
                ("aws:TagKeys", TAG),
                ("aws:TagKeys", "other"),
            ],
        );
        for action in [
            "sagemaker:DeleteUserProfile",
            "sagemaker:DeleteApp",
            "sagemaker:DeleteSpace",
        ] {
            iam.assert_denied(on, action, &new, &owned());
        }
    });
}

#[test]
fn offboarding_never_creates() {
    each_pair(|iam, _, off| {
        let new = profile("new-user");
        let tagged = [(REQUESTED, USER_ID), ("aws:TagKeys", TAG)];
        iam.assert_denied(off, "sagemaker:CreateUserProfile", &new, &tagged);
        let mut at_creation = tagged.to_vec();
        at_creation.push(("sagemaker:TaggingAction", "CreateUserProfile"));
        iam.assert_denied(off, "sagemaker:AddTags", &new, &at_creation);
    });
}

#[test]
fn each_provisioning_role_admits_its_own_central_function_and_no_other_principal() {
    let m = member();
    let iam = member_evaluator(&m);
    let org = [("aws:PrincipalOrgID", ORGANIZATION)];
    for (role, own, other) in [
        (
            "OnboardingProvisioningRole",
            CENTRAL_ONBOARDING,
            CENTRAL_OFFBOARDING,
        ),
        (
            "OffboardingProvisioningRole",
            CENTRAL_OFFBOARDING,
            CENTRAL_ONBOARDING,
        ),
    ] {
        let d = iam.decide_assume_role(Caller::External(own), role, &org);
        assert!(d.allowed, "{role}: {}", d.reason);
        for caller in [other, FOREIGN] {
            let d = iam.decide_assume_role(Caller::External(caller), role, &org);
            assert!(!d.allowed, "{role} admits {caller}: {}", d.reason);
        }
        // Nor a role of the member account itself.
        for local in ["MlResearchersExecutionRole", "OnboardingProvisioningRole"] {
            let d = iam.decide_assume_role(Caller::Role(local), role, &org);
            assert!(!d.allowed, "{role} admits {local}: {}", d.reason);
        }
    }
}
