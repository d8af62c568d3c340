//! Who may act as whom in Studio, evaluated over the generated policies: a presigned URL
//! opens Studio as its profile, so only the person of that profile may create one; and
//! the execution role that Studio uses for every user may change or delete only the
//! caller's own spaces and apps. Each row fails if the guarantee it names is dropped.

mod support;

use serde_json::{Value as Json, json};
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::stacks;

const DOMAIN_ID: &str = "d-abc123";
const API: &str = "vpce-0api";
const STUDIO: &str = "vpce-0studio";
const ALICE: &str = "data-scientist-1";
const BOB: &str = "data-scientist-2";

fn sagemaker(resource: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:{resource}")
}

fn profile(name: &str) -> String {
    sagemaker(&format!("user-profile/{DOMAIN_ID}/{name}"))
}

fn space(name: &str) -> String {
    sagemaker(&format!("space/{DOMAIN_ID}/{name}"))
}

/// An app in a space (or of a profile): `app/<domain>/<space or profile>/<type>/<name>`.
fn app(owner: &str) -> String {
    sagemaker(&format!("app/{DOMAIN_ID}/{owner}/jupyterlab/default"))
}

/// The domain's physical id and ARN (which only a deployment knows).
fn domain_evaluator(t: &Json) -> Evaluator<'_> {
    Evaluator::new(t)
        .with_attribute(
            "StudioDomain",
            "DomainArn",
            &sagemaker(&format!("domain/{DOMAIN_ID}")),
        )
        .with_attribute("StudioDomain", "DomainId", DOMAIN_ID)
}

/// With the physical ids of studio-private's two Studio endpoints, too.
fn evaluator(t: &Json) -> Evaluator<'_> {
    domain_evaluator(t)
        .with_ref("SageMakerApiEndpoint", API)
        .with_ref("SageMakerStudioEndpoint", STUDIO)
}

/// studio-private with the IAM users of its two people, the people's policy attached to
/// them as the output `PresignedUrlPolicyArn` asks an administrator to.
fn people_template(definition: &str) -> Json {
    let mut t = stacks::template("studio-private", definition);
    for (id, name) in [("Alice", ALICE), ("Bob", BOB)] {
        t["Resources"][id] = json!({"Type": "AWS::IAM::User", "Properties": {"UserName": name}});
    }
    t["Resources"]["PresignedUrlPolicy"]["Properties"]["Users"] =
        json!([{"Ref": "Alice"}, {"Ref": "Bob"}]);
    t
}

// ----- presigned URLs -----------------------------------------------------------------------

#[test]
fn a_person_presigns_only_their_own_profile_and_only_through_the_endpoints() {
    let t = people_template(&stacks::definition("studio-private"));
    let e = evaluator(&t);
    let presign = "sagemaker:CreatePresignedDomainUrl";
    let alice = |vpce: &'static str| [("aws:username", ALICE), ("aws:SourceVpce", vpce)];
    // Through either endpoint (the API call, then every request of the session).
    e.assert_allowed("Alice", presign, &profile(ALICE), &alice(API));
    e.assert_allowed("Alice", presign, &profile(ALICE), &alice(STUDIO));
    e.assert_allowed(
        "Bob",
        presign,
        &profile(BOB),
        &[("aws:username", BOB), ("aws:SourceVpce", API)],
    );
    // User A cannot presign B's profile, nor one that an administrator adds later.
    e.assert_denied("Alice", presign, &profile(BOB), &alice(API));
    e.assert_denied("Alice", presign, &profile("admin"), &alice(API));
    // Not from outside the VPC, nor through another endpoint.
    e.assert_denied(
        "Alice",
        presign,
        &profile(ALICE),
        &[("aws:username", ALICE)],
    );
    e.assert_denied("Alice", presign, &profile(ALICE), &alice("vpce-0other"));
}

#[test]
fn the_bastion_role_cannot_presign_and_the_people_policy_gives_a_role_nothing() {
    let t = people_template(&stacks::definition("studio-private"));
    let e = evaluator(&t).with_absent_policy_variables();
    let presign = "sagemaker:CreatePresignedDomainUrl";
    // The instance role: Session Manager only (a role session has no aws:username).
    for user in [ALICE, BOB, "admin"] {
        e.assert_denied(
            "BastionRole",
            presign,
            &profile(user),
            &[("aws:SourceVpce", API)],
        );
    }
    assert!(
        !e.policies("BastionRole")
            .contains(&"PresignedUrlPolicy".to_string()),
        "{:?}",
        e.policies("BastionRole")
    );
    // Even attached to the bastion's role by mistake, the people's policy names the
    // caller's IAM user name, which a role session does not have.
    let mut misattached = t.clone();
    misattached["Resources"]["PresignedUrlPolicy"]["Properties"]["Roles"] =
        json!([{"Ref": "BastionRole"}]);
    let e = evaluator(&misattached).with_absent_policy_variables();
    for user in [ALICE, BOB] {
        e.assert_denied(
            "BastionRole",
            presign,
            &profile(user),
            &[("aws:SourceVpce", API)],
        );
    }
}

#[test]
fn the_shared_bastion_switch_lets_the_instance_role_open_any_profile_and_warns() {
    let shipped = stacks::synthesize_shipped("studio-private");
    assert!(
        !shipped
            .findings
            .iter()
            .any(|f| f.rule == "SM-PRESIGNED-OWN-PROFILE"),
        "{:?}",
        shipped.findings
    );
    let definition =
        stacks::definition("studio-private").replace("  issuer: people ", "  issuer: bastion ");
    let s = stacks::synthesize("studio-private", &definition);
    let warnings: Vec<String> = s
        .findings
        .iter()
        .filter(|f| f.rule == "SM-PRESIGNED-OWN-PROFILE")
        .map(|f| f.location.clone())
        .collect();
    assert_eq!(
        warnings,
        ["Resources.PresignedUrlPolicy.Properties.PolicyDocument.Statement[1]"]
    );
    let t = stacks::json(&s);
    let e = evaluator(&t);
    for user in [ALICE, BOB, "admin"] {
        e.assert_allowed(
            "BastionRole",
            "sagemaker:CreatePresignedDomainUrl",
            &profile(user),
            &[("aws:SourceVpce", API)],
        );
    }
    // Still only inside the VPC.
    e.assert_denied(
        "BastionRole",
        "sagemaker:CreatePresignedDomainUrl",
        &profile(ALICE),
        &[],
    );
}

// ----- own apps and spaces ------------------------------------------------------------------

/// What SageMaker puts in the request context of a Studio call made with the execution
/// role by `caller`, on a space (or an app in it) owned by `owner` and shared `sharing`,
/// naming an instance type studio-private allows (the instance-type rows themselves are
/// in `studio_settings_access.rs`).
fn in_space<'a>(caller: &'a str, owner: &'a str, sharing: &'a str) -> Vec<(&'a str, String)> {
    vec![
        ("sagemaker:UserProfileName", caller.to_string()),
        ("sagemaker:OwnerUserProfileArn", profile(owner)),
        ("sagemaker:SpaceSharingType", sharing.to_string()),
        ("sagemaker:InstanceTypes", "ml.t3.medium".to_string()),
    ]
}

fn context<'a>(pairs: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The rows for Alice and Bob sharing one execution role `role` (`shared_spaces`: the
/// definition's switch).
fn assert_own_apps_and_spaces_only(e: &Evaluator, role: &str, shared_spaces: bool) {
    let a_private = in_space(ALICE, ALICE, "Private");
    let b_private_by_a = in_space(ALICE, BOB, "Private");
    let allowed = |action: &str, resource: &str, ctx: &[(&str, String)]| {
        e.assert_allowed(role, action, resource, &context(ctx));
    };
    let denied = |action: &str, resource: &str, ctx: &[(&str, String)]| {
        e.assert_denied(role, action, resource, &context(ctx));
    };
    // Alice's own private space, and her JupyterLab in it, start, change and stop.
    for action in [
        "sagemaker:CreateSpace",
        "sagemaker:UpdateSpace",
        "sagemaker:DeleteSpace",
    ] {
        allowed(action, &space("alice-space"), &a_private);
        // A cannot change or delete B's space.
        denied(action, &space("bob-space"), &b_private_by_a);
    }
    for action in ["sagemaker:CreateApp", "sagemaker:DeleteApp"] {
        allowed(action, &app("alice-space"), &a_private);
        // A cannot start or delete B's apps.
        denied(action, &app("bob-space"), &b_private_by_a);
    }
    // Apps of a profile itself (no space, no owner key): her own only.
    let alice_call = [("sagemaker:UserProfileName", ALICE.to_string())];
    allowed("sagemaker:DeleteApp", &app(ALICE), &alice_call);
    denied("sagemaker:DeleteApp", &app(BOB), &alice_call);
    // Without shared spaces, not even her own shared space.
    if !shared_spaces {
        denied(
            "sagemaker:CreateSpace",
            &space("team-space"),
            &in_space(ALICE, ALICE, "Shared"),
        );
    }
    // Tags on spaces only while creating them: not another user's space afterwards.
    let tag = |tagging: Option<&str>| {
        let mut ctx = vec![("sagemaker:UserProfileName", ALICE.to_string())];
        ctx.extend(tagging.map(|t| ("sagemaker:TaggingAction", t.to_string())));
        ctx
    };
    allowed(
        "sagemaker:AddTags",
        &space("alice-space"),
        &tag(Some("CreateSpace")),
    );
    denied("sagemaker:AddTags", &space("bob-space"), &tag(None));
    // Reading stays open: Studio lists and shows the domain's spaces and apps.
    allowed("sagemaker:DescribeSpace", &space("bob-space"), &alice_call);
    allowed("sagemaker:DescribeApp", &app("bob-space"), &alice_call);
    // A call without a profile name (the role's credentials outside Studio, an app of a
    // shared space) changes nothing, not even Alice's own space.
    let no_caller = [
        ("sagemaker:OwnerUserProfileArn", profile(ALICE)),
        ("sagemaker:SpaceSharingType", "Private".to_string()),
    ];
    for action in ["sagemaker:DeleteSpace", "sagemaker:DeleteApp"] {
        let resource = if action.ends_with("Space") {
            space("alice-space")
        } else {
            app("alice-space")
        };
        e.assert_denied(role, action, &resource, &context(&no_caller));
    }
    e.assert_denied(role, "sagemaker:DeleteApp", &app(ALICE), &[]);
}

#[test]
fn a_user_changes_and_deletes_only_their_own_spaces_and_apps() {
    let t = stacks::shipped_template("studio-private");
    // One execution role for every user of the IAM-mode domain: the policy, not the role,
    // must tell them apart.
    assert_eq!(
        t["Resources"]["StudioDomain"]["Properties"]["DefaultUserSettings"]["ExecutionRole"],
        json!({"Fn::GetAtt": ["StudioExecutionRole", "Arn"]})
    );
    let e = evaluator(&t).with_absent_policy_variables();
    assert_own_apps_and_spaces_only(&e, "StudioExecutionRole", false);
}

#[test]
fn users_sharing_a_group_role_cannot_touch_each_others_spaces_either() {
    let t = stacks::shipped_template("studio-sso-onboarding");
    let e = domain_evaluator(&t).with_absent_policy_variables();
    for role in ["MlResearchersExecutionRole", "MlAuditorsExecutionRole"] {
        assert_own_apps_and_spaces_only(&e, role, false);
    }
}

#[test]
fn shared_spaces_are_opt_in_and_only_their_owner_changes_them() {
    let definition = stacks::definition("studio-private").replace(
        "    - data-scientist-2\n",
        "    - data-scientist-2\n  shared_spaces: true\n",
    );
    let t = stacks::template("studio-private", &definition);
    let e = evaluator(&t).with_absent_policy_variables();
    let role = "StudioExecutionRole";
    let check = |allowed: bool, action: &str, resource: &str, ctx: Vec<(&str, String)>| {
        let ctx = context(&ctx);
        if allowed {
            e.assert_allowed(role, action, resource, &ctx);
        } else {
            e.assert_denied(role, action, resource, &ctx);
        }
    };
    let team = space("team-space");
    // Alice may create a shared space she owns, and Bob may start and stop its apps...
    check(
        true,
        "sagemaker:CreateSpace",
        &team,
        in_space(ALICE, ALICE, "Shared"),
    );
    check(
        true,
        "sagemaker:CreateApp",
        &app("team-space"),
        in_space(BOB, ALICE, "Shared"),
    );
    check(
        true,
        "sagemaker:DeleteApp",
        &app("team-space"),
        in_space(BOB, ALICE, "Shared"),
    );
    // ...but not change or delete the space, nor touch Alice's private space.
    check(
        false,
        "sagemaker:DeleteSpace",
        &team,
        in_space(BOB, ALICE, "Shared"),
    );
    check(
        false,
        "sagemaker:UpdateSpace",
        &team,
        in_space(BOB, ALICE, "Shared"),
    );
    check(
        false,
        "sagemaker:DeleteApp",
        &app("alice-space"),
        in_space(BOB, ALICE, "Private"),
    );
    // The switch changes nothing else: own private spaces as before.
    assert_own_apps_and_spaces_only(&e, role, true);
}
