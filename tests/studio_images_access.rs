//! The custom images of `tests/data/studio-images.yaml`, evaluated over the generated
//! execution policy: an app may start on a listed image (its version the stack made), on
//! one of SageMaker's own images (another account's), or on the default (no image in the
//! request); never on another image or image version of this account. Without `images`
//! (studio-private) every image of this account is refused. The image role may pull its
//! own repository and nothing else, and the domain offers each image pinned to the
//! version the stack made.

mod support;

use serde_json::Value as Json;
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION};
use support::stacks;

const DOMAIN_ID: &str = "d-abc123";
const ALICE: &str = "alice";
const ROLE: &str = "StudioExecutionRole";
/// An account of SageMaker's own images (any other account than this one).
const SAGEMAKER_ACCOUNT: &str = "885854791233";

fn sagemaker(account: &str, resource: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{account}:{resource}")
}

fn images_template() -> Json {
    let file = "tests/data/studio-images.yaml";
    let text = std::fs::read_to_string(support::manifest_dir().join(file)).unwrap();
    stacks::template("studio-images", &text)
}

fn evaluator(t: &Json) -> Evaluator<'_> {
    let mut e = Evaluator::new(t)
        .with_attribute(
            "StudioDomain",
            "DomainArn",
            &sagemaker(ACCOUNT_ID, &format!("domain/{DOMAIN_ID}")),
        )
        .with_attribute("StudioDomain", "DomainId", DOMAIN_ID);
    for (id, name) in [
        ("StudioImageTeamPytorchVersion", "team-pytorch"),
        ("StudioImageTeamEditorV1Version", "team-editor.v1"),
    ] {
        e = e
            .with_attribute(
                id,
                "ImageArn",
                &sagemaker(ACCOUNT_ID, &format!("image/{name}")),
            )
            .with_attribute(
                id,
                "ImageVersionArn",
                &sagemaker(ACCOUNT_ID, &format!("image-version/{name}/1")),
            );
    }
    e
}

/// A JupyterLab app in Alice's own private space.
fn app() -> String {
    sagemaker(
        ACCOUNT_ID,
        &format!("app/{DOMAIN_ID}/alice-space/jupyterlab/default"),
    )
}

fn owner() -> String {
    sagemaker(ACCOUNT_ID, &format!("user-profile/{DOMAIN_ID}/{ALICE}"))
}

/// Alice's CreateApp in her private space on an allowed type, naming `image` and
/// `version` (absent when `None`).
fn on_image<'a>(
    owner: &'a str,
    image: Option<&'a str>,
    version: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    let mut ctx = vec![
        ("sagemaker:UserProfileName", ALICE),
        ("sagemaker:OwnerUserProfileArn", owner),
        ("sagemaker:SpaceSharingType", "Private"),
        ("sagemaker:InstanceTypes", "ml.t3.medium"),
    ];
    ctx.extend(image.map(|i| ("sagemaker:ImageArns", i)));
    ctx.extend(version.map(|v| ("sagemaker:ImageVersionArns", v)));
    ctx
}

#[test]
fn apps_start_on_listed_images_sagemakers_own_or_the_default() {
    let t = images_template();
    let e = evaluator(&t);
    let owner = owner();
    let create = "sagemaker:CreateApp";
    let listed = sagemaker(ACCOUNT_ID, "image/team-pytorch");
    let listed_version = sagemaker(ACCOUNT_ID, "image-version/team-pytorch/1");
    e.assert_allowed(
        ROLE,
        create,
        &app(),
        &on_image(&owner, Some(&listed), Some(&listed_version)),
    );
    e.assert_allowed(ROLE, create, &app(), &on_image(&owner, Some(&listed), None));
    let editor = sagemaker(ACCOUNT_ID, "image/team-editor.v1");
    e.assert_allowed(ROLE, create, &app(), &on_image(&owner, Some(&editor), None));
    let own = sagemaker(SAGEMAKER_ACCOUNT, "image/sagemaker-distribution-cpu");
    let own_version = sagemaker(
        SAGEMAKER_ACCOUNT,
        "image-version/sagemaker-distribution-cpu/7",
    );
    e.assert_allowed(
        ROLE,
        create,
        &app(),
        &on_image(&owner, Some(&own), Some(&own_version)),
    );
    e.assert_allowed(ROLE, create, &app(), &on_image(&owner, None, None));
}

#[test]
fn other_images_and_versions_of_this_account_are_refused() {
    let t = images_template();
    let e = evaluator(&t);
    let owner = owner();
    let create = "sagemaker:CreateApp";
    let unlisted = sagemaker(ACCOUNT_ID, "image/someone-elses");
    e.assert_denied(
        ROLE,
        create,
        &app(),
        &on_image(&owner, Some(&unlisted), None),
    );
    // A listed image, but a version the stack did not make.
    let listed = sagemaker(ACCOUNT_ID, "image/team-pytorch");
    let other_version = sagemaker(ACCOUNT_ID, "image-version/team-pytorch/2");
    e.assert_denied(
        ROLE,
        create,
        &app(),
        &on_image(&owner, Some(&listed), Some(&other_version)),
    );
    let unlisted_version = sagemaker(ACCOUNT_ID, "image-version/someone-elses/1");
    e.assert_denied(
        ROLE,
        create,
        &app(),
        &on_image(&owner, None, Some(&unlisted_version)),
    );
}

#[test]
fn without_images_no_image_of_this_account_is_allowed() {
    let t = stacks::shipped_template("studio-private");
    let e = Evaluator::new(&t)
        .with_attribute(
            "StudioDomain",
            "DomainArn",
            &sagemaker(ACCOUNT_ID, &format!("domain/{DOMAIN_ID}")),
        )
        .with_attribute("StudioDomain", "DomainId", DOMAIN_ID);
    let create = "sagemaker:CreateApp";
    let ctx = |image: Option<&'static str>| {
        let mut c = vec![
            ("sagemaker:UserProfileName", "data-scientist-1"),
            ("sagemaker:SpaceSharingType", "Private"),
            ("sagemaker:InstanceTypes", "ml.t3.medium"),
        ];
        c.extend(image.map(|i| ("sagemaker:ImageArns", i)));
        c
    };
    let app = sagemaker(
        ACCOUNT_ID,
        &format!("app/{DOMAIN_ID}/alice-space/jupyterlab/default"),
    );
    let owner_ds = sagemaker(
        ACCOUNT_ID,
        &format!("user-profile/{DOMAIN_ID}/data-scientist-1"),
    );
    let with_owner = |image| {
        let mut c = ctx(image);
        c.push(("sagemaker:OwnerUserProfileArn", owner_ds.as_str()));
        c
    };
    e.assert_allowed(ROLE, create, &app, &with_owner(None));
    e.assert_allowed(
        ROLE,
        create,
        &app,
        &with_owner(Some(
            "arn:aws:sagemaker:eu-west-1:885854791233:image/sagemaker-distribution-cpu",
        )),
    );
    e.assert_denied(
        ROLE,
        create,
        &app,
        &with_owner(Some(
            "arn:aws:sagemaker:eu-west-1:111122223333:image/anything",
        )),
    );
}

#[test]
fn each_image_role_pulls_only_its_repository() {
    let t = images_template();
    let e = evaluator(&t);
    let role = "StudioImageTeamPytorchRole";
    let repo = |name: &str| format!("arn:aws:ecr:{REGION}:{ACCOUNT_ID}:repository/{name}");
    for action in [
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchCheckLayerAvailability",
    ] {
        e.assert_allowed(role, action, &repo("research/pytorch-studio"), &[]);
        e.assert_denied(role, action, &repo("research/code-editor"), &[]);
    }
    e.assert_allowed(role, "ecr:GetAuthorizationToken", "*", &[]);
    e.assert_denied(role, "ecr:PutImage", &repo("research/pytorch-studio"), &[]);
    e.assert_denied(role, "sagemaker:CreateApp", &app(), &[]);
}

/// The domain offers each image to its app type, pinned to the stack's version, and the
/// default image is the JupyterLab default; each version waits for its image (it names the
/// image by name only) and is the ECR image of the definition.
#[test]
fn the_domain_offers_each_image_pinned_to_its_version() {
    let t = images_template();
    let r = &t["Resources"];
    let settings = &r["StudioDomain"]["Properties"]["DefaultUserSettings"];
    let lab = &settings["JupyterLabAppSettings"];
    assert_eq!(
        lab["CustomImages"],
        serde_json::json!([{
            "AppImageConfigName": {"Ref": "StudioImageTeamPytorchConfig"},
            "ImageName": "team-pytorch",
            "ImageVersionNumber": {"Fn::GetAtt": ["StudioImageTeamPytorchVersion", "Version"]}
        }])
    );
    assert_eq!(
        lab["DefaultResourceSpec"]["SageMakerImageArn"],
        serde_json::json!({"Fn::GetAtt": ["StudioImageTeamPytorchVersion", "ImageArn"]})
    );
    let editor = &settings["CodeEditorAppSettings"];
    assert_eq!(
        editor["CustomImages"][0]["AppImageConfigName"],
        serde_json::json!({"Ref": "StudioImageTeamEditorV1Config"})
    );
    assert!(editor["DefaultResourceSpec"]["SageMakerImageArn"].is_null());
    assert!(
        r["StudioImageTeamEditorV1Config"]["Properties"]["CodeEditorAppImageConfig"].is_object()
    );
    assert_eq!(
        r["StudioImageTeamEditorV1Config"]["Properties"]["AppImageConfigName"],
        "team-editor-v1"
    );
    let version = &r["StudioImageTeamPytorchVersion"];
    assert_eq!(version["DependsOn"], "StudioImageTeamPytorch");
    assert_eq!(
        version["Properties"]["BaseImage"]["Fn::Sub"],
        "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/research/pytorch-studio:2.3"
    );
    assert_eq!(
        r["StudioImageTeamPytorch"]["Properties"]["ImageRoleArn"],
        serde_json::json!({"Fn::GetAtt": ["StudioImageTeamPytorchRole", "Arn"]})
    );
}
