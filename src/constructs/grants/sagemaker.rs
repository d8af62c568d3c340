//! Grants on SageMaker: presigned Studio URLs for a domain's user profiles, describing
//! the domain, and opening (and starting and stopping) notebook instances.
//!
//! SageMaker writes names lower-cased in the ARNs it authorizes (a notebook named
//! `Team-A` is `notebook-instance/team-a`), so the ARNs built here from names are
//! lower-cased too.

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
