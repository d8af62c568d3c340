//! The instance types of studio-private's Studio apps, evaluated over the generated
//! execution policy: an app or space of an allowed type is allowed; a disallowed type,
//! or a list that mixes one in, is denied. A request that names no type is allowed: the
//! app then starts on the default of its space, profile or domain, and each of those is
//! confined as well (a space stores only allowed types; the domain's default is the first
//! allowed type; the execution role can change neither the domain nor a profile). The last
//! rows show the conditions come from `studio.instance_types`: without it any type passes.

mod support;

use serde_json::Value as Json;
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::stacks;

const DOMAIN_ID: &str = "d-abc123";
const ALICE: &str = "data-scientist-1";
const ROLE: &str = "StudioExecutionRole";
const ALLOWED: &str = "ml.t3.medium";
const ALSO_ALLOWED: &str = "ml.m5.large";
const DISALLOWED: &str = "ml.p4d.24xlarge";

fn sagemaker(resource: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:{resource}")
}

fn evaluator(t: &Json) -> Evaluator<'_> {
    Evaluator::new(t)
        .with_attribute(
            "StudioDomain",
            "DomainArn",
            &sagemaker(&format!("domain/{DOMAIN_ID}")),
        )
        .with_attribute("StudioDomain", "DomainId", DOMAIN_ID)
}

/// A JupyterLab app in Alice's own private space, or the space itself.
fn app() -> String {
    sagemaker(&format!("app/{DOMAIN_ID}/alice-space/jupyterlab/default"))
}
fn space() -> String {
    sagemaker(&format!("space/{DOMAIN_ID}/alice-space"))
}

/// Alice's call on her own private space, naming `types` (each one a value of the
/// multi-valued `sagemaker:InstanceTypes`; none: the key is absent).
fn own_space<'a>(owner_arn: &'a str, types: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut ctx = vec![
        ("sagemaker:UserProfileName", ALICE),
        ("sagemaker:OwnerUserProfileArn", owner_arn),
        ("sagemaker:SpaceSharingType", "Private"),
    ];
    ctx.extend(types.iter().map(|t| ("sagemaker:InstanceTypes", *t)));
    ctx
}

fn owner() -> String {
    sagemaker(&format!("user-profile/{DOMAIN_ID}/{ALICE}"))
}

#[test]
fn apps_start_only_on_an_allowed_type_or_the_confined_default() {
    let t = stacks::shipped_template("studio-private");
    let e = evaluator(&t);
    let owner = owner();
    let create = "sagemaker:CreateApp";
    e.assert_allowed(ROLE, create, &app(), &own_space(&owner, &[ALLOWED]));
    e.assert_allowed(ROLE, create, &app(), &own_space(&owner, &[ALSO_ALLOWED]));
    e.assert_denied(ROLE, create, &app(), &own_space(&owner, &[DISALLOWED]));
    e.assert_denied(
        ROLE,
        create,
        &app(),
        &own_space(&owner, &[ALLOWED, DISALLOWED]),
    );
    // No type: the default applies, and every default is confined (the tests below).
    e.assert_allowed(ROLE, create, &app(), &own_space(&owner, &[]));
    // Deleting names no type and stays allowed (the split statements).
    e.assert_allowed(ROLE, "sagemaker:DeleteApp", &app(), &own_space(&owner, &[]));
}

#[test]
fn apps_of_the_own_profile_are_confined_too() {
    let t = stacks::shipped_template("studio-private");
    let e = evaluator(&t);
    let profile_app = sagemaker(&format!("app/{DOMAIN_ID}/{ALICE}/jupyterlab/default"));
    let ctx = |types: &[&'static str]| {
        let mut c = vec![("sagemaker:UserProfileName", ALICE)];
        c.extend(types.iter().map(|t| ("sagemaker:InstanceTypes", *t)));
        c
    };
    e.assert_allowed(ROLE, "sagemaker:CreateApp", &profile_app, &ctx(&[ALLOWED]));
    e.assert_denied(
        ROLE,
        "sagemaker:CreateApp",
        &profile_app,
        &ctx(&[DISALLOWED]),
    );
    e.assert_allowed(ROLE, "sagemaker:CreateApp", &profile_app, &ctx(&[]));
}

/// The defaults a type-less `CreateApp` falls back on beyond the space's cannot be changed
/// with the execution role: not the domain's, not a profile's (its own included).
#[test]
fn the_defaults_beyond_the_space_are_out_of_the_roles_reach() {
    let t = stacks::shipped_template("studio-private");
    let e = evaluator(&t);
    let ctx = [
        ("sagemaker:UserProfileName", ALICE),
        ("sagemaker:InstanceTypes", DISALLOWED),
    ];
    e.assert_denied(ROLE, "sagemaker:UpdateUserProfile", &owner(), &ctx);
    e.assert_denied(
        ROLE,
        "sagemaker:UpdateDomain",
        &sagemaker(&format!("domain/{DOMAIN_ID}")),
        &ctx,
    );
}

#[test]
fn spaces_may_store_only_allowed_types_and_may_name_none() {
    let t = stacks::shipped_template("studio-private");
    let e = evaluator(&t);
    let owner = owner();
    for action in ["sagemaker:CreateSpace", "sagemaker:UpdateSpace"] {
        e.assert_allowed(ROLE, action, &space(), &own_space(&owner, &[ALLOWED]));
        e.assert_denied(ROLE, action, &space(), &own_space(&owner, &[DISALLOWED]));
        e.assert_denied(
            ROLE,
            action,
            &space(),
            &own_space(&owner, &[ALSO_ALLOWED, DISALLOWED]),
        );
        e.assert_allowed(ROLE, action, &space(), &own_space(&owner, &[]));
    }
    e.assert_allowed(
        ROLE,
        "sagemaker:DeleteSpace",
        &space(),
        &own_space(&owner, &[]),
    );
}

#[test]
fn the_domain_default_is_the_first_allowed_type() {
    let t = stacks::shipped_template("studio-private");
    let settings = &t["Resources"]["StudioDomain"]["Properties"]["DefaultUserSettings"];
    for app in ["JupyterLabAppSettings", "CodeEditorAppSettings"] {
        assert_eq!(
            settings[app]["DefaultResourceSpec"]["InstanceType"], ALLOWED,
            "{app}"
        );
    }
}

#[test]
fn without_instance_types_any_type_passes() {
    let definition = stacks::definition("studio-private");
    let start = definition
        .find("  instance_types:")
        .expect("studio-private lists instance types");
    let end = start
        + definition[start..]
            .find("  default_ebs_gb:")
            .expect("default_ebs_gb follows instance_types");
    let unlimited = format!("{}{}", &definition[..start], &definition[end..]);
    let t = stacks::template("studio-private", &unlimited);
    let e = evaluator(&t);
    let owner = owner();
    e.assert_allowed(
        ROLE,
        "sagemaker:CreateApp",
        &app(),
        &own_space(&owner, &[DISALLOWED]),
    );
    e.assert_allowed(ROLE, "sagemaker:CreateApp", &app(), &own_space(&owner, &[]));
    e.assert_allowed(
        ROLE,
        "sagemaker:UpdateSpace",
        &space(),
        &own_space(&owner, &[DISALLOWED]),
    );
}
