//! Grants on a CodeArtifact repository: reading packages with pip.

use crate::constructs::package_repository::PackageRepository;
use crate::resources::codeartifact::actions;
use crate::resources::iam::policy::{Condition, keys};
use crate::template::Value;

use super::grant::{Grant, default_sid};

/// The service name `sts:GetServiceBearerToken` is limited to.
pub const CODEARTIFACT_SERVICE: &str = "codeartifact.amazonaws.com";

impl PackageRepository {
    /// Reading packages from the readable repository, what `aws codeartifact login --tool
    /// pip` and pip do (Service Authorization Reference, "Actions, resources, and
    /// condition keys for AWS CodeArtifact",
    /// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodeartifact.html>):
    /// `codeartifact:GetAuthorizationToken` on the domain (Sid `<Domain>GetToken`);
    /// `codeartifact:GetRepositoryEndpoint`, `codeartifact:ReadFromRepository` on the
    /// repository (Sid `<Repository>Read`) — packages the upstream fetches from PyPI are
    /// read through it, so the upstream needs no grant; and `sts:GetServiceBearerToken`,
    /// which has no resource type, only for CodeArtifact (`sts:AWSServiceName`, Sid
    /// `CodeArtifactBearerToken`; "Using service-specific bearer tokens",
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_bearer.html>).
    pub fn grant_read(&self) -> Grant {
        Grant::new(format!(
            "read packages of repository `{}`",
            self.repository.logical_id()
        ))
        .statement(
            default_sid(self.domain.logical_id(), "GetToken"),
            &[actions::GET_AUTHORIZATION_TOKEN],
            [self.domain.arn()],
        )
        .statement(
            default_sid(self.repository.logical_id(), "Read"),
            actions::READ_REPOSITORY,
            [self.repository.arn()],
        )
        .conditional_statement(
            "CodeArtifactBearerToken",
            &[actions::STS_GET_SERVICE_BEARER_TOKEN],
            [Value::from("*")],
            [Condition::string_equals(
                keys::STS_AWS_SERVICE_NAME,
                [Value::from(CODEARTIFACT_SERVICE)],
            )],
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::constructs::grants::testing::{getatt, granted, refused};
    use crate::constructs::package_repository::{PackageRepository, PackageRepositoryProps};
    use crate::constructs::scope::Scope;
    use crate::resources::codeartifact::actions;
    use crate::template::Template;
    use serde_json::json;

    fn packages() -> PackageRepository {
        let mut template = Template::new();
        PackageRepository::new(
            &mut Scope::root(&mut template),
            "Packages",
            &PackageRepositoryProps {
                domain_name: "team".into(),
                organization_id: None,
            },
        )
        .unwrap()
    }

    #[test]
    fn read_is_a_token_the_repository_and_a_bearer_token_for_codeartifact_only() {
        assert_eq!(
            granted(packages().grant_read()),
            json!([
                {"Sid": "PackagesDomainGetToken", "Effect": "Allow",
                 "Action": ["codeartifact:GetAuthorizationToken"],
                 "Resource": [getatt("PackagesDomain", "Arn")]},
                {"Sid": "PackagesRepositoryRead", "Effect": "Allow",
                 "Action": ["codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"],
                 "Resource": [getatt("PackagesRepository", "Arn")]},
                {"Sid": "CodeArtifactBearerToken", "Effect": "Allow",
                 "Action": ["sts:GetServiceBearerToken"],
                 "Resource": ["*"],
                 "Condition": {"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}}
            ])
        );
    }

    #[test]
    fn only_cannot_add_publishing() {
        let err = refused(
            packages()
                .grant_read()
                .only([&actions::PUBLISH_PACKAGE_VERSION]),
        );
        assert!(err.contains("codeartifact:PublishPackageVersion"), "{err}");
    }
}
