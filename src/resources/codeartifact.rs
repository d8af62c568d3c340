//! AWS CodeArtifact resource types. Properties as the CloudFormation reference
//! (`AWS::CodeArtifact::Domain`, `AWS::CodeArtifact::Repository`) and its resource schema
//! list them; `EncryptionKey` of a domain can only be set when it is created.

use crate::template::{Handle, Value};

use super::ec2::Tag;
use super::iam::policy::PolicyDocument;

cfn_resource! {
    Domain / DomainBuilder = "AWS::CodeArtifact::Domain" {
        required domain_name: Value => "DomainName",
        optional encryption_key: Value => "EncryptionKey",
        optional permissions_policy_document: PolicyDocument => "PermissionsPolicyDocument",
        list tags: Tag => "Tags",
    }
}

impl Handle<Domain> {
    /// `Fn::GetAtt` `Arn`: the domain's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
    /// `Fn::GetAtt` `Name`: the domain's name.
    pub fn name(&self) -> Value {
        self.attribute("Name")
    }
    /// `Fn::GetAtt` `Owner`: the account that owns the domain.
    pub fn owner(&self) -> Value {
        self.attribute("Owner")
    }
}

cfn_resource! {
    Repository / RepositoryBuilder = "AWS::CodeArtifact::Repository" {
        required repository_name: Value => "RepositoryName",
        required domain_name: Value => "DomainName",
        optional description: Value => "Description",
        optional domain_owner: Value => "DomainOwner",
        list external_connections: Value => "ExternalConnections",
        optional permissions_policy_document: PolicyDocument => "PermissionsPolicyDocument",
        list tags: Tag => "Tags",
        list upstreams: Value => "Upstreams",
    }
}

impl Handle<Repository> {
    /// `Fn::GetAtt` `Arn`: the repository's ARN.
    pub fn arn(&self) -> Value {
        self.attribute("Arn")
    }
    /// `Fn::GetAtt` `Name`: the repository's name.
    pub fn name(&self) -> Value {
        self.attribute("Name")
    }
}

/// The external connection to the Python Package Index, as `ExternalConnections` spells it.
pub const PUBLIC_PYPI: &str = "public:pypi";

/// CodeArtifact actions, and the STS action its tokens need.
pub mod actions {
    use crate::resources::iam::policy::Action;

    /// A temporary token for the repositories of a domain (resource: the domain). It needs
    /// `sts:GetServiceBearerToken` as well.
    pub const GET_AUTHORIZATION_TOKEN: Action = Action::new("codeartifact:GetAuthorizationToken");
    /// The URL of a repository for one package format (resource: the repository).
    pub const GET_REPOSITORY_ENDPOINT: Action = Action::new("codeartifact:GetRepositoryEndpoint");
    /// Package assets and metadata from a repository endpoint (resource: the repository).
    pub const READ_FROM_REPOSITORY: Action = Action::new("codeartifact:ReadFromRepository");
    /// Publishing to a repository; no grant holds it (tests name it to prove that).
    pub const PUBLISH_PACKAGE_VERSION: Action = Action::new("codeartifact:PublishPackageVersion");
    /// The bearer token CodeArtifact's `GetAuthorizationToken` obtains for the caller; it
    /// has no resource type, and `sts:AWSServiceName` names the service it is for.
    pub const STS_GET_SERVICE_BEARER_TOKEN: Action = Action::new("sts:GetServiceBearerToken");

    /// What pip needs to read through a repository: its URL and its packages.
    pub const READ_REPOSITORY: &[Action] = &[GET_REPOSITORY_ENDPOINT, READ_FROM_REPOSITORY];
}
