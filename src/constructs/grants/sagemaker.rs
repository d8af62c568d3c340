//! Grants on SageMaker: presigned Studio URLs for a domain's user profiles, describing
//! the domain, and opening (and starting and stopping) notebook instances.
//!
//! SageMaker writes names lower-cased in the ARNs it authorizes (a notebook named
//! `Team-A` is `notebook-instance/team-a`, as `constructs::notebooks` has always built
//! it), so the ARNs built here from names are lower-cased too. For user profiles the
//! same is reported (aws/aws-sdk-js-v3#6514: CreatePresignedDomainUrl for a profile
//! `PowerUser` was refused under a policy that named it as written); the shipped stacks
//! grant presigned URLs for the caller's own profile ([`UserProfiles::Caller`], whose
//! users' and profiles' names are lower-case) or for every profile of the domain
//! ([`UserProfiles::All`]), neither of which depends on it.

use crate::resources::arn;
use crate::resources::sagemaker::{self, Domain, NotebookInstance, actions};
use crate::template::{Handle, SubPart, Value, pascal_case};

use super::grant::{Grant, default_sid};
use crate::constructs::ConstructError;

/// Which user profiles of a domain a presigned-URL grant names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserProfiles {
    /// `user-profile/<domain id>/*`: every profile of the domain (see
    /// `constructs::presigned_url` for when that is the least privilege that matters).
    All,
    /// These profiles, one ARN each (SageMaker names, lower-cased in the ARNs).
    Named(Vec<String>),
    /// `user-profile/<domain id>/${aws:username}`: only the profile named like the calling
    /// IAM user. IAM sets `aws:username` for IAM users alone; for a role session, a
    /// federated user or an instance profile it is absent, and a resource built from an
    /// absent variable matches nothing, so no shared principal gets a URL through it.
    Caller,
}

impl Handle<Domain> {
    /// `sagemaker:DescribeDomain` on the domain (Sid `<Domain>Describe`).
    pub fn grant_describe(&self) -> Grant {
        Grant::new(format!("describe domain `{}`", self.logical_id())).statement(
            default_sid(self.logical_id(), "Describe"),
            &[actions::DESCRIBE_DOMAIN],
            [self.arn()],
        )
    }

    /// `sagemaker:CreatePresignedDomainUrl` on `user-profile/<domain id>/<profile>` for
    /// each of `profiles` (Sid `<Domain>PresignedUrl`). An empty list or a name that is
    /// not a SageMaker name is an error of [`Grant::to`].
    pub fn grant_presigned_url(&self, profiles: &UserProfiles) -> Grant {
        let subject = format!(
            "presigned URLs for user profiles of domain `{}`",
            self.logical_id()
        );
        let profile_arn = |last: String| {
            arn::regional(
                "sagemaker",
                [
                    SubPart::from("user-profile/"),
                    SubPart::from(self.domain_id()),
                    SubPart::from(last),
                ],
            )
        };
        let resources: Vec<Value> = match profiles {
            UserProfiles::All => vec![profile_arn("/*".to_string())],
            UserProfiles::Caller => vec![profile_arn("/${aws:username}".to_string())],
            UserProfiles::Named(names) => {
                if names.is_empty() {
                    return Grant::invalid(subject, "no user profile is named");
                }
                if let Some(bad) = names.iter().find(|n| !sagemaker::is_valid_name(n)) {
                    return Grant::invalid(
                        subject,
                        format!(
                            "`{bad}` is not a user profile name (1 to 63 letters, digits and hyphens, starting and ending with a letter or digit)"
                        ),
                    );
                }
                names
                    .iter()
                    .map(|n| profile_arn(format!("/{}", n.to_ascii_lowercase())))
                    .collect()
            }
        };
        Grant::new(subject).statement(
            default_sid(self.logical_id(), "PresignedUrl"),
            &[actions::CREATE_PRESIGNED_DOMAIN_URL],
            resources,
        )
    }
}

/// A notebook instance named in the template or elsewhere, by its name: for policies
/// that must not refer to the instance resource (a `Ref` would make the policy wait for
/// the instance, or the instance is in another template).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotebookInstanceName(String);

impl NotebookInstanceName {
    /// Checks `name` against SageMaker's name rule.
    pub fn new(name: &str) -> Result<NotebookInstanceName, ConstructError> {
        if !sagemaker::is_valid_name(name) {
            return Err(ConstructError::Invalid(format!(
                "`{name}` is not a notebook instance name (1 to 63 letters, digits and hyphens, starting and ending with a letter or digit)"
            )));
        }
        Ok(NotebookInstanceName(name.to_string()))
    }

    /// The name as given (ARNs use it lower-cased).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `arn:…:sagemaker:<region>:<account>:notebook-instance/<name, lower-cased>`.
    pub fn arn(&self) -> Value {
        arn::regional(
            "sagemaker",
            [SubPart::from(format!(
                "notebook-instance/{}",
                self.0.to_ascii_lowercase()
            ))],
        )
    }

    /// The Sid stem: `Notebook<Name>`, the logical ID the notebooks construct gives the
    /// instance, so that the Sids are the same as through its handle.
    fn stem(&self) -> String {
        format!("Notebook{}", pascal_case(&self.0))
    }

    /// `sagemaker:DescribeNotebookInstance` on the instance (Sid `Notebook<Name>Describe`):
    /// what code on the notebook needs to read its own settings (the SageMaker Python
    /// SDK's `get_execution_role()` reads the role from it).
    pub fn grant_describe(&self) -> Grant {
        Grant::new(format!("describe notebook instance `{}`", self.0)).statement(
            format!("{}Describe", self.stem()),
            &[actions::DESCRIBE_NOTEBOOK_INSTANCE],
            [self.arn()],
        )
    }

    /// As [`Handle::grant_open`] of the instance (Sid `Notebook<Name>Open`).
    pub fn grant_open(&self) -> Grant {
        open(&self.0, &self.stem(), self.arn())
    }

    /// As [`Handle::grant_use`] of the instance (Sid `Notebook<Name>Use`).
    pub fn grant_use(&self) -> Grant {
        use_(&self.0, &self.stem(), self.arn())
    }
}

fn open(name: &str, stem: &str, arn: Value) -> Grant {
    Grant::new(format!("open notebook instance `{name}`")).statement(
        format!("{stem}Open"),
        actions::OPEN_NOTEBOOK_INSTANCE,
        [arn],
    )
}

fn use_(name: &str, stem: &str, arn: Value) -> Grant {
    Grant::new(format!("use notebook instance `{name}`")).statement(
        format!("{stem}Use"),
        actions::USE_NOTEBOOK_INSTANCE,
        [arn],
    )
}

impl Handle<NotebookInstance> {
    /// `sagemaker:CreatePresignedNotebookInstanceUrl`,
    /// `sagemaker:DescribeNotebookInstance` on the instance (Sid `<Instance>Open`).
    pub fn grant_open(&self) -> Grant {
        open(
            self.logical_id().as_str(),
            self.logical_id().as_str(),
            self.arn(),
        )
    }

    /// Those of [`Handle::grant_open`], and `sagemaker:StartNotebookInstance`,
    /// `sagemaker:StopNotebookInstance`, on the instance (Sid `<Instance>Use`).
    pub fn grant_use(&self) -> Grant {
        use_(
            self.logical_id().as_str(),
            self.logical_id().as_str(),
            self.arn(),
        )
    }
}

/// `sagemaker:ListNotebookInstances` on `*` (Sid `ListNotebookInstances`): the call has
/// no resource-level permissions, so `*` is the only resource it can have.
pub fn grant_list_notebook_instances() -> Grant {
    Grant::new("list notebook instances").statement(
        "ListNotebookInstances",
        &[actions::LIST_NOTEBOOK_INSTANCES],
        [Value::from("*")],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::grants::testing::{
        fixture, fn_sub, getatt, granted, reference, refused,
    };
    use crate::resources::iam::policy::{Condition, keys};
    use serde_json::json;

    const ARN: &str = "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}";

    #[test]
    fn describe_the_domain() {
        assert_eq!(
            granted(fixture().domain.grant_describe()),
            json!([{"Sid": "StudioDomainDescribe", "Effect": "Allow",
                    "Action": ["sagemaker:DescribeDomain"],
                    "Resource": [getatt("StudioDomain", "DomainArn")]}])
        );
    }

    #[test]
    fn presigned_urls_for_named_profiles_or_all() {
        let f = fixture();
        assert_eq!(
            granted(f.domain.grant_presigned_url(&UserProfiles::Named(vec![
                "data-scientist-1".to_string(),
                "Analyst".to_string()
            ]))),
            json!([{"Sid": "StudioDomainPresignedUrl", "Effect": "Allow",
            "Action": ["sagemaker:CreatePresignedDomainUrl"],
            "Resource": [
                fn_sub(&format!("{ARN}:user-profile/${{StudioDomain.DomainId}}/data-scientist-1")),
                fn_sub(&format!("{ARN}:user-profile/${{StudioDomain.DomainId}}/analyst"))
            ]}])
        );
        let through =
            Condition::string_equals(keys::SOURCE_VPCE, f.endpoints.iter().map(|e| e.id()));
        assert_eq!(
            granted(
                f.domain
                    .grant_presigned_url(&UserProfiles::All)
                    .condition(through)
            ),
            json!([{"Sid": "StudioDomainPresignedUrl", "Effect": "Allow",
                    "Action": ["sagemaker:CreatePresignedDomainUrl"],
                    "Resource": [fn_sub(&format!("{ARN}:user-profile/${{StudioDomain.DomainId}}/*"))],
                    "Condition": {"StringEquals": {"aws:SourceVpce": [
                        reference("SageMakerApiEndpoint"), reference("SageMakerStudioEndpoint")]}}}])
        );
    }

    #[test]
    fn a_presigned_url_for_the_callers_own_profile_names_it_by_the_iam_user_name() {
        assert_eq!(
            granted(fixture().domain.grant_presigned_url(&UserProfiles::Caller)),
            json!([{"Sid": "StudioDomainPresignedUrl", "Effect": "Allow",
                    "Action": ["sagemaker:CreatePresignedDomainUrl"],
                    "Resource": [fn_sub(&format!("{ARN}:user-profile/${{StudioDomain.DomainId}}/${{!aws:username}}"))]}])
        );
    }

    #[test]
    fn open_and_use_a_notebook_by_handle_or_by_name() {
        let notebook = fixture().notebook;
        let open = [
            "sagemaker:CreatePresignedNotebookInstanceUrl",
            "sagemaker:DescribeNotebookInstance",
        ];
        let use_ = [
            "sagemaker:CreatePresignedNotebookInstanceUrl",
            "sagemaker:DescribeNotebookInstance",
            "sagemaker:StartNotebookInstance",
            "sagemaker:StopNotebookInstance",
        ];
        assert_eq!(
            granted(notebook.grant_open()),
            json!([{"Sid": "NotebookTeamAOpen", "Effect": "Allow", "Action": open,
                    "Resource": [reference("NotebookTeamA")]}])
        );
        assert_eq!(
            granted(notebook.grant_use()),
            json!([{"Sid": "NotebookTeamAUse", "Effect": "Allow", "Action": use_,
                    "Resource": [reference("NotebookTeamA")]}])
        );
        let by_name = NotebookInstanceName::new("Team-A").unwrap();
        let arn = fn_sub(&format!("{ARN}:notebook-instance/team-a"));
        assert_eq!(
            granted(by_name.grant_describe()),
            json!([{"Sid": "NotebookTeamADescribe", "Effect": "Allow",
                    "Action": ["sagemaker:DescribeNotebookInstance"], "Resource": [arn]}])
        );
        assert_eq!(
            granted(by_name.grant_open()),
            json!([{"Sid": "NotebookTeamAOpen", "Effect": "Allow", "Action": open, "Resource": [arn]}])
        );
        assert_eq!(
            granted(by_name.grant_use()),
            json!([{"Sid": "NotebookTeamAUse", "Effect": "Allow", "Action": use_, "Resource": [arn]}])
        );
    }

    #[test]
    fn listing_notebooks_is_the_one_grant_on_any_resource() {
        assert_eq!(
            granted(grant_list_notebook_instances()),
            json!([{"Sid": "ListNotebookInstances", "Effect": "Allow",
                    "Action": ["sagemaker:ListNotebookInstances"], "Resource": ["*"]}])
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let domain = fixture().domain;
        let err = refused(domain.grant_presigned_url(&UserProfiles::Named(vec![])));
        assert!(err.contains("no user profile is named"), "{err}");
        for bad in ["", "alice@example.com", "-a", "a_b", &"x".repeat(64)] {
            let err = refused(domain.grant_presigned_url(&UserProfiles::Named(vec![
                "ok".to_string(),
                bad.to_string(),
            ])));
            assert!(err.contains("is not a user profile name"), "{bad:?}: {err}");
            let err = NotebookInstanceName::new(bad).unwrap_err();
            assert!(matches!(err, ConstructError::Invalid(_)), "{bad:?}: {err}");
        }
        let err = refused(domain.grant_describe().only([&actions::LIST_DOMAINS]));
        assert!(
            err.contains("`sagemaker:ListDomains` is not an action of this grant"),
            "{err}"
        );
    }
}
