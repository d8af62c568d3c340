//! What the Studio cleanup's role may do, evaluated over the generated policies of every
//! shipped Studio template (README, Teardown): delete apps and spaces of its own domain
//! only; delete user profiles only in SSO mode, only in its own domain and only those
//! that carry the onboarding ownership tag (CloudFormation deletes the profiles it
//! created itself); remove mount targets of its own domain's home file system only, and
//! delete that file system only when the definition says `home_storage_on_delete:
//! delete`; invoke no function but itself. Every denial stands next to the allowed
//! request it differs from in one thing, so each row fails if its guarantee is dropped
//! or if the allowed request stops matching.

mod support;

use serde_json::Value as Json;
use support::iam_eval::{ACCOUNT_ID, Evaluator, REGION, Request, STACK_NAME, Who};
use support::stacks;

const ROLE: &str = "StudioCleanupFunctionRole";
const DOMAIN_ID: &str = "d-abc123";
const OTHER_DOMAIN_ID: &str = "d-other456";
const HOME_FS: &str = "fs-0home";
const OTHER_FS: &str = "fs-0other";
const OWNED: &str = "aws:ResourceTag/sagesynth:identitystore-user-id";
const USER_ID: &str = "94f8e4a8-1031-70b5-3c33-0123456789ab";

fn sagemaker(rest: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:{rest}")
}

fn profile(domain: &str, name: &str) -> String {
    sagemaker(&format!("user-profile/{domain}/{name}"))
}

fn app(domain: &str) -> String {
    sagemaker(&format!("app/{domain}/alice/jupyterlab/default"))
}

fn space(domain: &str) -> String {
    sagemaker(&format!("space/{domain}/alice-private"))
}

/// `elasticfilesystem:DeleteMountTarget` and `DeleteFileSystem` are authorized on the
/// file system (Service Authorization Reference, Amazon EFS: resource type file-system).
fn file_system(id: &str) -> String {
    format!("arn:aws:elasticfilesystem:{REGION}:{ACCOUNT_ID}:file-system/{id}")
}

fn function(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")
}

/// The cleanup function as the evaluator names it (no FunctionName in the template).
fn own_function() -> String {
    function(&format!("{STACK_NAME}-StudioCleanupFunction"))
}

/// A template with the physical values its cleanup role names: the domain's id and home
/// file system, the function's subnets and security group.
fn evaluator(t: &Json) -> Evaluator<'_> {
    let mut e = Evaluator::new(t)
        .with_attribute("StudioDomain", "DomainId", DOMAIN_ID)
        .with_attribute("StudioDomain", "HomeEfsFileSystemId", HOME_FS)
        .with_ref("Vpc", "vpc-0own")
        .with_attribute(
            "StudioCleanupFunctionSecurityGroup",
            "GroupId",
            "sg-0cleanup",
        );
    for az in ["Az1", "Az2"] {
        let id = format!("PrivateSubnet{az}");
        let value = format!("subnet-0{}", az.to_lowercase());
        e = e.with_ref(&id, &value);
    }
    e
}

/// The shipped Studio templates: (name, template, whether the domain is in SSO mode).
fn shipped_studio_templates() -> Vec<(String, Json, bool)> {
    let member = stacks::synthesize_shipped("studio-multi-account");
    let member = member
        .children
        .iter()
        .find(|c| c.name == "studio-multi-account.member")
        .expect("the member template");
    vec![
        (
            "studio-private".into(),
            stacks::shipped_template("studio-private"),
            false,
        ),
        (
            "studio-sso-onboarding".into(),
            stacks::shipped_template("studio-sso-onboarding"),
            true,
        ),
        (
            member.name.clone(),
            serde_json::from_str(member.body()).unwrap(),
            true,
        ),
    ]
}

/// The member template's group roles and parameters exist only under conditions.
fn decided<'a>(name: &str, e: Evaluator<'a>) -> Evaluator<'a> {
    if !name.ends_with(".member") {
        return e;
    }
    e.assume_condition("MlResearchersExecutionRoleEnabled", true)
        .assume_condition("MlReviewersExecutionRoleEnabled", true)
        .assume_condition("MlAuditorsExecutionRoleEnabled", true)
        .assume_condition("AnyGroupRoleEnabled", true)
}

#[test]
fn apps_and_spaces_only_of_its_own_domain() {
    for (name, t, _) in shipped_studio_templates() {
        let iam = decided(&name, evaluator(&t));
        for (action, own, other) in [
            ("sagemaker:DeleteApp", app(DOMAIN_ID), app(OTHER_DOMAIN_ID)),
            (
                "sagemaker:DescribeApp",
                app(DOMAIN_ID),
                app(OTHER_DOMAIN_ID),
            ),
            (
                "sagemaker:DeleteSpace",
                space(DOMAIN_ID),
                space(OTHER_DOMAIN_ID),
            ),
        ] {
            iam.assert_allowed(ROLE, action, &own, &[]);
            let d = iam.assert_denied(ROLE, action, &other, &[]);
            assert!(
                d.reason.starts_with("implicit deny"),
                "{name}: {}",
                d.reason
            );
        }
        // Nothing else of the domain: no new apps, no changes to spaces, no domain deletion.
        iam.assert_denied(ROLE, "sagemaker:CreateApp", &app(DOMAIN_ID), &[]);
        iam.assert_denied(ROLE, "sagemaker:UpdateSpace", &space(DOMAIN_ID), &[]);
        iam.assert_denied(
            ROLE,
            "sagemaker:DeleteDomain",
            &sagemaker(&format!("domain/{DOMAIN_ID}")),
            &[],
        );
    }
}

#[test]
fn profiles_only_onboarded_ones_of_its_own_domain_and_only_in_sso_mode() {
    let owned = [(OWNED, USER_ID)];
    for (name, t, sso) in shipped_studio_templates() {
        let iam = decided(&name, evaluator(&t));
        let delete = "sagemaker:DeleteUserProfile";
        let own = profile(DOMAIN_ID, "onboarded-user");
        if sso {
            iam.assert_allowed(ROLE, delete, &own, &owned);
            // An untagged profile (one CloudFormation or an administrator created).
            iam.assert_denied(ROLE, delete, &own, &[]);
            // Another tag is not the ownership tag.
            iam.assert_denied(ROLE, delete, &own, &[("aws:ResourceTag/owner", USER_ID)]);
            // A tagged profile of another domain.
            iam.assert_denied(ROLE, delete, &profile(OTHER_DOMAIN_ID, "x"), &owned);
            // It reads tags to tell onboarded profiles apart, in its own domain only.
            iam.assert_allowed(ROLE, "sagemaker:ListTags", &own, &[]);
            iam.assert_denied(
                ROLE,
                "sagemaker:ListTags",
                &profile(OTHER_DOMAIN_ID, "x"),
                &[],
            );
        } else {
            // IAM mode: CloudFormation deletes every profile; the cleanup deletes none,
            // tagged or not, and the allowed SSO row above proves the request can pass.
            iam.assert_denied(ROLE, delete, &own, &owned);
            iam.assert_denied(ROLE, delete, &own, &[]);
        }
        // No profile is changed or created, whatever its tags.
        iam.assert_denied(ROLE, "sagemaker:UpdateUserProfile", &own, &owned);
        iam.assert_denied(ROLE, "sagemaker:CreateUserProfile", &own, &[]);
        // Nor may it give itself the ownership tag to delete a profile.
        iam.assert_denied(ROLE, "sagemaker:AddTags", &own, &[]);
    }
}

#[test]
fn mount_targets_only_of_its_own_domains_home_file_system() {
    for (name, t, _) in shipped_studio_templates() {
        let iam = decided(&name, evaluator(&t));
        for action in [
            "elasticfilesystem:DeleteMountTarget",
            "elasticfilesystem:DescribeMountTargets",
        ] {
            iam.assert_allowed(ROLE, action, &file_system(HOME_FS), &[]);
            iam.assert_denied(ROLE, action, &file_system(OTHER_FS), &[]);
        }
        // Every shipped stack keeps users' homes (the default, retain).
        iam.assert_denied(
            ROLE,
            "elasticfilesystem:DeleteFileSystem",
            &file_system(HOME_FS),
            &[],
        );
        assert_eq!(
            t["Resources"]["StudioDomainCleanup"]["Properties"]["HomeStorageOnDelete"], "retain",
            "{name}"
        );
    }
}

#[test]
fn the_home_file_system_is_deleted_only_when_asked_and_only_its_own() {
    let definition = stacks::definition("studio-private")
        .replace("studio:\n", "studio:\n  home_storage_on_delete: delete\n");
    assert_ne!(definition, stacks::definition("studio-private"));
    let t = stacks::template("studio-private", &definition);
    assert_eq!(
        t["Resources"]["StudioDomainCleanup"]["Properties"]["HomeStorageOnDelete"],
        "delete"
    );
    let iam = evaluator(&t);
    let delete = "elasticfilesystem:DeleteFileSystem";
    iam.assert_allowed(ROLE, delete, &file_system(HOME_FS), &[]);
    iam.assert_denied(ROLE, delete, &file_system(OTHER_FS), &[]);
    iam.assert_denied(
        ROLE,
        "elasticfilesystem:DeleteMountTarget",
        &file_system(OTHER_FS),
        &[],
    );
}

#[test]
fn it_invokes_only_itself() {
    for (name, t, _) in shipped_studio_templates() {
        let iam = decided(&name, evaluator(&t));
        let invoke = "lambda:InvokeFunction";
        iam.assert_allowed(ROLE, invoke, &own_function(), &[]);
        // Any other function of the stack (the onboarding functions where there are some)
        // or of the account.
        let mut others = vec![function("some-other-function")];
        for (id, r) in t["Resources"].as_object().unwrap() {
            if r["Type"] == "AWS::Lambda::Function" && id != "StudioCleanupFunction" {
                others.push(function(&format!("{STACK_NAME}-{id}")));
            }
        }
        if name == "studio-sso-onboarding" {
            assert!(
                others.len() > 1,
                "{name}: the onboarding functions are checked"
            );
        }
        for other in &others {
            iam.assert_denied(ROLE, invoke, other, &[]);
        }
        // A version or alias of itself is another resource, and not needed.
        iam.assert_denied(ROLE, invoke, &format!("{}:1", own_function()), &[]);
        // Nor may it change code, its own included.
        iam.assert_denied(ROLE, "lambda:UpdateFunctionCode", &own_function(), &[]);
    }
}

/// The statement `sid` of the cleanup role's inline policy (or of its policies of their
/// own: the invoke policy, the domain grant, the NFS groups' grant).
fn statement<'a>(t: &'a mut Json, sid: &str) -> &'a mut Json {
    let mut found = None;
    for (id, r) in t["Resources"].as_object_mut().unwrap() {
        let documents: Vec<&mut Json> = match id.as_str() {
            ROLE => r["Properties"]["Policies"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .map(|p| &mut p["PolicyDocument"])
                .collect(),
            "StudioCleanupFunctionInvokeSelf"
            | "StudioCleanupFunctionDomainGrant"
            | "StudioNfsGroupsCleanupGrant" => vec![&mut r["Properties"]["PolicyDocument"]],
            _ => continue,
        };
        for document in documents {
            for s in document["Statement"].as_array_mut().unwrap() {
                if s["Sid"] == sid {
                    found = Some(s);
                }
            }
        }
    }
    found.unwrap_or_else(|| panic!("no statement {sid}"))
}

/// A weakened template, and the request it lets through: (template, action, resource,
/// context).
type Row = (
    Json,
    &'static str,
    String,
    Vec<(&'static str, &'static str)>,
);

/// The rows above are not vacuous: with each guarantee removed from the template, the
/// request its row denies is allowed.
#[test]
fn each_guarantee_removed_lets_its_denied_request_through() {
    let shipped = stacks::shipped_template("studio-sso-onboarding");
    let weakened = |sid: &str, change: &dyn Fn(&mut Json)| {
        let mut t = shipped.clone();
        change(statement(&mut t, sid));
        t
    };
    let any_domain = |s: &mut Json| {
        let text = s["Resource"]
            .to_string()
            .replace("${StudioDomain.DomainId}", "*");
        s["Resource"] = serde_json::from_str(&text).unwrap();
    };
    let rows: Vec<Row> = vec![
        (
            weakened("DeleteOnlyOnboardedProfiles", &|s| {
                s.as_object_mut().unwrap().remove("Condition");
            }),
            "sagemaker:DeleteUserProfile",
            profile(DOMAIN_ID, "untagged"),
            vec![],
        ),
        (
            weakened("DeleteOnlyOnboardedProfiles", &any_domain),
            "sagemaker:DeleteUserProfile",
            profile(OTHER_DOMAIN_ID, "x"),
            vec![(OWNED, USER_ID)],
        ),
        (
            weakened("DeleteAppsOfThisDomain", &any_domain),
            "sagemaker:DeleteApp",
            app(OTHER_DOMAIN_ID),
            vec![],
        ),
        (
            weakened("DeleteSpacesOfThisDomain", &any_domain),
            "sagemaker:DeleteSpace",
            space(OTHER_DOMAIN_ID),
            vec![],
        ),
        (
            weakened("OnlyThisDomainsHomeFileSystem", &|s| {
                s["Resource"] = serde_json::json!(["*"]);
            }),
            "elasticfilesystem:DeleteMountTarget",
            file_system(OTHER_FS),
            vec![],
        ),
        (
            weakened("InvokeOnlyItself", &|s| {
                s["Resource"] = serde_json::json!(["*"]);
            }),
            "lambda:InvokeFunction",
            function("some-other-function"),
            vec![],
        ),
        (
            weakened("VpcDeleteSecurityGroups", &|s| {
                s.as_object_mut().unwrap().remove("Condition");
            }),
            "ec2:DeleteSecurityGroup",
            format!("arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group/sg-0theirs"),
            vec![(
                "ec2:Vpc",
                "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0other",
            )],
        ),
    ];
    for (t, action, resource, context) in &rows {
        let iam = evaluator(t);
        iam.assert_allowed(ROLE, action, resource, context);
        evaluator(&shipped).assert_denied(ROLE, action, resource, context);
    }
}

/// A bucket that empties on delete (`tests/data/empty-on-delete.yaml`), evaluated as whole
/// requests through the stack's S3 endpoint (the role's policies, the endpoint's policy
/// and the bucket's policy): the cleanup's role may list and delete the versions of that
/// bucket, and of no other — not the bucket beside it, which says nothing and is therefore
/// retained, nor a bucket outside the stack; it may not read or write objects.
#[test]
fn a_bucket_is_emptied_only_when_it_says_so_and_only_that_one() {
    let text =
        std::fs::read_to_string(support::manifest_dir().join("tests/data/empty-on-delete.yaml"))
            .expect("reading tests/data/empty-on-delete.yaml");
    let t = stacks::template("empty-on-delete", &text);
    let bucket = |name: &str| format!("arn:aws:s3:::{STACK_NAME}-{name}bucket");
    let object = |name: &str| format!("{}/results/part-0000.csv", bucket(name));
    let request = |action: &str, resource: &str| {
        Request::new(Who::template(ROLE), action, resource)
            .context("aws:SecureTransport", "true")
            .through("S3GatewayEndpoint")
    };
    let with_endpoint = |t| evaluator(t).with_ref("S3GatewayEndpoint", "vpce-0s3");
    let iam = with_endpoint(&t);
    let expect = |iam: &Evaluator, action: &str, resource: &str, allowed: bool| {
        iam.expect(&request(action, resource), allowed);
    };
    expect(&iam, "s3:ListBucketVersions", &bucket("scratch"), true);
    expect(&iam, "s3:ListBucketVersions", &bucket("results"), false);
    for action in ["s3:DeleteObject", "s3:DeleteObjectVersion"] {
        expect(&iam, action, &object("scratch"), true);
        expect(&iam, action, &object("results"), false);
        expect(&iam, action, "arn:aws:s3:::someone-elses-bucket/x", false);
    }
    expect(&iam, "s3:GetObject", &object("scratch"), false);
    expect(&iam, "s3:PutObject", &object("scratch"), false);
    expect(&iam, "s3:ListBucket", &bucket("scratch"), false);
    // The grant is what allows it: without it the same request is denied.
    let mut weakened = t.clone();
    weakened["Resources"]
        .as_object_mut()
        .unwrap()
        .remove("ScratchBucketCleanupGrant");
    expect(
        &with_endpoint(&weakened),
        "s3:DeleteObject",
        &object("scratch"),
        false,
    );
    // And a grant on every bucket's objects would let the other bucket's objects go.
    let mut wide = t.clone();
    wide["Resources"]["ScratchBucketCleanupGrant"]["Properties"]["PolicyDocument"]["Statement"]
        [1]["Resource"] = serde_json::json!(["arn:aws:s3:::*/*"]);
    expect(
        &with_endpoint(&wide),
        "s3:DeleteObject",
        &object("results"),
        true,
    );
}

/// SageMaker's NFS security groups (docs/teardown.md): the cleanup may revoke rules of and
/// delete security groups of the stack's own VPC only (`ec2:Vpc`), and describe domains of
/// this account to learn whether a group's domain is gone; nothing else of EC2.
#[test]
fn security_groups_only_of_the_stacks_own_vpc() {
    let vpc = |id: &str| format!("arn:aws:ec2:{REGION}:{ACCOUNT_ID}:vpc/{id}");
    let group = format!("arn:aws:ec2:{REGION}:{ACCOUNT_ID}:security-group/sg-0nfs");
    for (name, t, _) in shipped_studio_templates() {
        assert!(
            t["Resources"]["StudioNfsGroupsCleanup"].is_object(),
            "{name}: every shipped Studio stack creates its network"
        );
        let iam = decided(&name, evaluator(&t));
        let own = vpc("vpc-0own"); // the evaluator's `Ref` of `Vpc`
        let other = vpc("vpc-0other");
        for action in [
            "ec2:RevokeSecurityGroupIngress",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:DeleteSecurityGroup",
        ] {
            iam.assert_allowed(ROLE, action, &group, &[("ec2:Vpc", own.as_str())]);
            // A group of another VPC (another team's, or another stack's).
            iam.assert_denied(ROLE, action, &group, &[("ec2:Vpc", other.as_str())]);
            // A request without the key is no proof of the VPC.
            iam.assert_denied(ROLE, action, &group, &[]);
        }
        // It only removes: no new rule, no new group, in its own VPC either.
        for action in [
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:AuthorizeSecurityGroupEgress",
            "ec2:CreateSecurityGroup",
            "ec2:ModifySecurityGroupRules",
        ] {
            iam.assert_denied(ROLE, action, &group, &[("ec2:Vpc", own.as_str())]);
        }
        iam.assert_allowed(ROLE, "ec2:DescribeSecurityGroups", "*", &[]);
        iam.assert_allowed(
            ROLE,
            "sagemaker:DescribeDomain",
            &sagemaker("domain/d-gone0001"),
            &[],
        );
        iam.assert_denied(
            ROLE,
            "sagemaker:DescribeDomain",
            &format!("arn:aws:sagemaker:{REGION}:999988887777:domain/d-gone0001"),
            &[],
        );
        iam.assert_denied(
            ROLE,
            "sagemaker:DeleteDomain",
            &sagemaker("domain/d-gone0001"),
            &[],
        );
    }
}
