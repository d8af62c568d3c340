//! What a removal sets off besides CloudFormation's own delete: a removed Studio user
//! profile or domain is first emptied by the `Custom::StudioCleanup` that references it
//! (README, Teardown), and what that cleanup deletes is read from its properties in the
//! old template, the one deployed. A diff that only said "removed" would hide that
//! removing a user deletes their spaces, and whether deleting a domain keeps the users'
//! home directories. A removed bucket that empties on delete (`empty_on_delete`) is
//! emptied the same way, by a cleanup of Kind `Bucket`, and its data is named lost.
//! A profile's cleanup that gains `OffboardAfter` (the definition's `offboard_after`) acts
//! on that deploy: it deletes the user's apps, and the diff says so and what stays.

use crate::template::json::Json;

use crate::template::read::{self, Path};

/// The custom resource type of the Studio cleanup.
const CLEANUP_TYPE: &str = "Custom::StudioCleanup";

/// When the cleanup acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Before CloudFormation deletes the removed resource (the cleanup's Delete).
    BeforeDeletion,
    /// On this deploy, while the resource stays (the cleanup's Update: offboarding).
    ThisDeploy,
}

/// What happens around the deletion of a removed profile or domain, or on the deploy that
/// offboards a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Teardown {
    /// When the cleanup acts.
    pub when: When,
    /// The cleanup that runs before the deletion; `None` when no cleanup references the
    /// resource, and the deletion fails while the profile or domain is not empty.
    pub cleanup: Option<String>,
    /// What is deleted first, in the reader's words.
    pub deletes: Vec<String>,
    /// What outlives the deletion.
    pub kept: Vec<String>,
    /// Stored data goes with it (spaces' volumes, the home file system).
    pub loses_data: bool,
}

/// The teardown of the resource `id` of type `type_name`, removed from `old_resources`;
/// `None` for types without one.
pub fn of_removed(
    id: &str,
    type_name: &str,
    old_resources: &crate::template::json::JsonMap,
) -> Option<Teardown> {
    let kind = match type_name {
        "AWS::SageMaker::UserProfile" => "UserProfile",
        "AWS::SageMaker::Domain" => "Domain",
        "AWS::S3::Bucket" => return bucket(id, old_resources),
        _ => return None,
    };
    let cleanup = old_resources.iter().find(|(_, r)| {
        r["Type"] == CLEANUP_TYPE && r["Properties"]["Kind"] == kind && references(r, id)
    });
    let Some((cleanup_id, cleanup)) = cleanup else {
        return Some(Teardown {
            when: When::BeforeDeletion,
            cleanup: None,
            deletes: Vec::new(),
            kept: Vec::new(),
            loses_data: false,
        });
    };
    let props = &cleanup["Properties"];
    Some(match kind {
        "UserProfile" => Teardown {
            when: When::BeforeDeletion,
            cleanup: Some(cleanup_id.to_string()),
            deletes: vec![
                "its apps".into(),
                "the spaces it owns, with their EBS volumes".into(),
            ],
            kept: vec![
                "its directory on the domain's EFS home file system, which the user no \
                 longer reaches (DeleteUserProfile)"
                    .into(),
            ],
            loses_data: true,
        },
        _ => domain(cleanup_id, props),
    })
}

/// The resource `id` changed from `old` to `new`: a profile's cleanup that gains
/// `OffboardAfter` offboards the user on this deploy (its Update deletes the apps; the
/// presigned-URL policy's Deny, a change of its own in the same diff, closes the profile).
/// `None` for any other change, which no cleanup acts on.
pub fn of_modified(id: &str, old: &Json, new: &Json) -> Option<Teardown> {
    let props = &new["Properties"];
    if new["Type"] != CLEANUP_TYPE
        || props["Kind"] != "UserProfile"
        || old["Properties"].get("OffboardAfter").is_some()
    {
        return None;
    }
    let date = props["OffboardAfter"].as_str()?;
    let user = props["UserProfileName"].as_str().unwrap_or("the user");
    Some(Teardown {
        when: When::ThisDeploy,
        cleanup: Some(id.to_string()),
        deletes: vec![format!(
            "the apps of profile {user} and of its private spaces (offboard_after: {date}); \
             no presigned URL opens the profile any more"
        )],
        kept: vec![format!(
            "the profile, its spaces with their EBS volumes, and its directory on the EFS \
             home file system, until {user} is removed from studio.users (synth says when, \
             after {date})"
        )],
        loses_data: false,
    })
}

/// A bucket emptied by a cleanup of Kind `Bucket`; `None` for any other bucket, whose
/// removal is judged by its deletion policy alone.
fn bucket(id: &str, old_resources: &crate::template::json::JsonMap) -> Option<Teardown> {
    let (cleanup_id, _) = old_resources.iter().find(|(_, r)| {
        r["Type"] == CLEANUP_TYPE && r["Properties"]["Kind"] == "Bucket" && references(r, id)
    })?;
    Some(Teardown {
        when: When::BeforeDeletion,
        cleanup: Some(cleanup_id.to_string()),
        deletes: vec![
            "every object version and delete marker of the bucket (empty_on_delete)".into(),
        ],
        kept: Vec::new(),
        loses_data: true,
    })
}

/// The domain's cleanup: onboarded profiles when it has an ownership tag, always the home
/// file system's mount targets, and the file system itself with `delete`.
fn domain(cleanup_id: &str, props: &Json) -> Teardown {
    let mut deletes = Vec::new();
    if let Some(tag) = props["OwnershipTagKey"].as_str() {
        deletes.push(format!(
            "the profiles onboarding created (tag {tag}), with their apps and spaces"
        ));
    }
    deletes.push("the home EFS file system's mount targets".into());
    let delete_home = props["HomeStorageOnDelete"] == "delete";
    let mut kept = Vec::new();
    if delete_home {
        deletes.push(
            "the home EFS file system, with every user's home directory \
             (HomeStorageOnDelete: delete)"
                .into(),
        );
    } else {
        kept.push(
            "the home EFS file system with the users' home directories \
             (HomeStorageOnDelete: retain)"
                .into(),
        );
    }
    Teardown {
        when: When::BeforeDeletion,
        cleanup: Some(cleanup_id.to_string()),
        deletes,
        kept,
        loses_data: delete_home || props["OwnershipTagKey"].is_string(),
    }
}

/// Whether `resource`'s properties refer to `id` (`Ref` or `Fn::GetAtt`).
fn references(resource: &Json, id: &str) -> bool {
    let mut found = false;
    for (key, value) in resource["Properties"].as_object().into_iter().flatten() {
        let mut path = Path::new([key.as_str()]);
        read::each_reference(value, &mut path, &mut |_, reference| {
            found |= reference.logical_name() == Some(id);
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn resources(cleanup: Json) -> crate::template::json::JsonMap {
        json!({"C": cleanup}).as_object().unwrap().clone()
    }

    #[test]
    fn a_profile_is_emptied_by_the_cleanup_that_references_it() {
        let old = resources(json!({"Type": "Custom::StudioCleanup", "Properties": {
            "Kind": "UserProfile",
            "UserProfileArn": {"Fn::GetAtt": ["UserProfileAlice", "UserProfileArn"]}}}));
        let t = of_removed("UserProfileAlice", "AWS::SageMaker::UserProfile", &old).unwrap();
        assert_eq!(t.cleanup.as_deref(), Some("C"));
        assert!(t.loses_data);
        // Another profile's cleanup does not empty this one.
        let other = of_removed("UserProfileBob", "AWS::SageMaker::UserProfile", &old).unwrap();
        assert_eq!(other.cleanup, None);
        assert!(!other.loses_data);
        assert_eq!(of_removed("Bucket", "AWS::S3::Bucket", &old), None);
    }

    #[test]
    fn offboarding_is_the_update_that_adds_offboard_after() {
        let cleanup = |date: Option<&str>| {
            let mut r = json!({"Type": "Custom::StudioCleanup", "Properties": {
                "Kind": "UserProfile", "UserProfileName": "ana"}});
            if let Some(date) = date {
                r["Properties"]["OffboardAfter"] = json!(date);
            }
            r
        };
        let t = of_modified("C", &cleanup(None), &cleanup(Some("2027-01-31"))).unwrap();
        assert_eq!(
            (t.when, t.cleanup.as_deref()),
            (When::ThisDeploy, Some("C"))
        );
        assert!(!t.loses_data, "apps hold no data; spaces and volumes stay");
        assert!(
            t.deletes[0].contains("apps of profile ana"),
            "{:?}",
            t.deletes
        );
        assert!(t.kept[0].contains("EBS volumes"), "{:?}", t.kept);
        // Moving the date, calling it off, or another kind of cleanup: nothing runs.
        let moved = of_modified(
            "C",
            &cleanup(Some("2027-01-31")),
            &cleanup(Some("2027-02-28")),
        );
        assert_eq!(moved, None);
        assert_eq!(
            of_modified("C", &cleanup(Some("2027-01-31")), &cleanup(None)),
            None
        );
        let mut bucket = cleanup(Some("2027-01-31"));
        bucket["Properties"]["Kind"] = json!("Bucket");
        assert_eq!(of_modified("C", &cleanup(None), &bucket), None);
    }

    #[test]
    fn a_bucket_emptied_on_delete_loses_its_data() {
        let old = resources(json!({"Type": "Custom::StudioCleanup", "Properties": {
            "Kind": "Bucket", "BucketName": {"Ref": "ScratchBucket"}}}));
        let t = of_removed("ScratchBucket", "AWS::S3::Bucket", &old).unwrap();
        assert_eq!(t.cleanup.as_deref(), Some("C"));
        assert!(t.loses_data);
        assert!(t.deletes[0].starts_with("every object version and delete marker"));
        assert_eq!(of_removed("ResultsBucket", "AWS::S3::Bucket", &old), None);
        let mut profile = old.clone();
        profile["C"]["Properties"]["Kind"] = json!("UserProfile");
        assert_eq!(
            of_removed("ScratchBucket", "AWS::S3::Bucket", &profile),
            None
        );
    }

    #[test]
    fn a_domain_keeps_or_deletes_its_home_as_its_cleanup_says() {
        let cleanup = |home: &str, tag: Option<&str>| {
            let mut props = json!({"Kind": "Domain", "HomeStorageOnDelete": home,
                "DomainId": {"Fn::GetAtt": ["StudioDomain", "DomainId"]}});
            if let Some(tag) = tag {
                props["OwnershipTagKey"] = json!(tag);
            }
            resources(json!({"Type": "Custom::StudioCleanup", "Properties": props}))
        };
        let domain = "AWS::SageMaker::Domain";
        let kept = of_removed("StudioDomain", domain, &cleanup("retain", None)).unwrap();
        assert!(!kept.loses_data);
        assert_eq!(kept.deletes, ["the home EFS file system's mount targets"]);
        assert_eq!(kept.kept.len(), 1);
        let deleted = of_removed("StudioDomain", domain, &cleanup("delete", None)).unwrap();
        assert!(deleted.loses_data);
        assert!(deleted.kept.is_empty());
        let sso = of_removed("StudioDomain", domain, &cleanup("retain", Some("t"))).unwrap();
        assert!(sso.loses_data, "onboarded profiles' spaces go");
        assert!(sso.deletes[0].contains("(tag t)"), "{:?}", sso.deletes);
        // A profile cleanup is not the domain's.
        let mut wrong = cleanup("retain", None);
        wrong["C"]["Properties"]["Kind"] = json!("UserProfile");
        assert_eq!(
            of_removed("StudioDomain", domain, &wrong).unwrap().cleanup,
            None
        );
    }
}
