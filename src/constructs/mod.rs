//! Secure patterns built from resources: each takes typed props, adds its resources to a
//! template with secure defaults, and returns handles for the constructs that build on
//! it. Knows nothing about YAML.

#![warn(missing_docs)]

pub mod bastion;
pub mod cross_account;
pub mod encryption_key;
pub mod endpoint_policy;
pub mod function_network;
pub mod grants;
pub mod lifecycle_script;
pub mod mfa_guard;
pub mod ml_work;
pub mod nested_users;
pub mod network;
pub mod notebook_identity;
pub mod notebooks;
pub mod onboarding_alarms;
pub mod onboarding_metrics;
pub mod package_repository;
pub mod presigned_url;
pub mod scope;
pub mod secure_bucket;
pub mod session_manager;
pub mod shared_notebook_role;
pub mod sso_onboarding;
pub mod studio;
pub mod studio_cleanup;
pub mod studio_settings;
pub mod team;
pub mod trail;

use std::fmt;

use crate::resources::MissingProperty;
use crate::template::{AddError, DuplicateLogicalId, InvalidLogicalId, LogicalId, TagError};

/// A construct could not be built. Definitions are checked before constructs run, so
/// reaching one of these means a check is missing: it is reported, never ignored.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstructError {
    /// A resource builder lacked a required property.
    Missing(MissingProperty),
    /// Two things got the same logical ID (the same construct id used twice in a scope).
    Duplicate(DuplicateLogicalId),
    /// A derived logical ID is not alphanumeric (an empty id, a name with no letter).
    InvalidId(InvalidLogicalId),
    /// Props the construct cannot build from, explained.
    Invalid(String),
    /// The template's tags do not merge into a resource's (`id` is `None` when the tags
    /// alone are too many).
    Tags {
        /// The resource.
        id: Option<LogicalId>,
        /// Why.
        error: TagError,
    },
}

impl fmt::Display for ConstructError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConstructError::Missing(e) => e.fmt(f),
            ConstructError::Duplicate(e) => e.fmt(f),
            ConstructError::InvalidId(e) => e.fmt(f),
            ConstructError::Invalid(e) => f.write_str(e),
            ConstructError::Tags {
                id: Some(id),
                error,
            } => write!(f, "tags of `{id}`: {error}"),
            ConstructError::Tags { id: None, error } => write!(f, "the template's tags: {error}"),
        }
    }
}

impl std::error::Error for ConstructError {}

impl From<MissingProperty> for ConstructError {
    fn from(e: MissingProperty) -> Self {
        ConstructError::Missing(e)
    }
}
impl From<DuplicateLogicalId> for ConstructError {
    fn from(e: DuplicateLogicalId) -> Self {
        ConstructError::Duplicate(e)
    }
}
impl From<AddError> for ConstructError {
    fn from(e: AddError) -> Self {
        match e {
            AddError::Duplicate(e) => ConstructError::Duplicate(e),
            AddError::Tags { id, error } => ConstructError::Tags { id, error },
        }
    }
}
impl From<InvalidLogicalId> for ConstructError {
    fn from(e: InvalidLogicalId) -> Self {
        ConstructError::InvalidId(e)
    }
}

/// A logical ID written in the code (not derived from input), so always valid.
pub(crate) fn id(literal: &str) -> LogicalId {
    LogicalId::new(literal).expect("logical IDs written in the code are alphanumeric")
}

#[cfg(test)]
mod tests {
    use super::bastion::{Bastion, BastionOs, BastionProps};
    use super::endpoint_policy::EndpointPolicyProps;
    use super::network::{EndpointService, InternetEgress, PrivateNetwork, PrivateNetworkProps};
    use super::scope::{ONLY, Scope};
    use super::secure_bucket::{LogBucket, LogBucketProps, SecureBucket, SecureBucketProps};
    use super::studio::{StudioAuth, StudioDomain, StudioDomainProps};
    use crate::template::Template;

    fn network_props(cidr: &str) -> PrivateNetworkProps {
        let cidr = cidr.parse().unwrap();
        PrivateNetworkProps {
            cidr,
            availability_zones: 2,
            subnet_prefix_length: PrivateNetworkProps::default_subnet_prefix(cidr),
            endpoints: vec![
                EndpointService::S3,
                EndpointService::SagemakerApi,
                EndpointService::ElasticFileSystem,
                EndpointService::Lambda,
            ],
            flow_log_retention_days: Some(30),
            policies: EndpointPolicyProps::default(),
            internet_egress: InternetEgress::None,
        }
    }

    /// Two of each construct in one template: under different ids in one scope, or under
    /// the same id in two child scopes. Nothing collides, and the IDs say which is which.
    #[test]
    fn every_construct_can_be_instantiated_twice_in_one_template() {
        let mut t = Template::new();
        let mut root = Scope::root(&mut t);
        let research =
            PrivateNetwork::new(&mut root, "research", &network_props("10.1.0.0/16")).unwrap();
        let production =
            PrivateNetwork::new(&mut root, "production", &network_props("10.2.0.0/16")).unwrap();
        assert_eq!(
            research.vpc.resource().unwrap().logical_id().as_str(),
            "ResearchVpc"
        );
        assert_eq!(
            production.vpc.resource().unwrap().logical_id().as_str(),
            "ProductionVpc"
        );

        for (scope_id, network) in [("a", &research), ("b", &production)] {
            let mut scope = root.child(scope_id);
            let studio = StudioDomain::new(
                &mut scope,
                "Studio",
                network,
                &StudioDomainProps {
                    domain_name: format!("domain-{scope_id}"),
                    auth: StudioAuth::Iam,
                    users: vec!["alice".into()],
                    offboarded: Default::default(),
                    shared_spaces: false,
                    home_storage: Default::default(),
                    settings: Default::default(),
                    execution_grants: Default::default(),
                },
            )
            .unwrap();
            assert_eq!(
                studio.domain.logical_id().to_string(),
                format!("{}StudioDomain", scope_id.to_uppercase())
            );
            assert_eq!(
                studio.user_profiles["alice"].logical_id().to_string(),
                format!("{}UserProfileAlice", scope_id.to_uppercase())
            );
            Bastion::new(
                &mut scope,
                "Bastion",
                network,
                &BastionProps {
                    os: BastionOs::Windows,
                    instance_type: "t3.medium".into(),
                    root_volume_gb: 50,
                    sessions: Default::default(),
                },
            )
            .unwrap();
            let mut logs =
                LogBucket::new(&mut scope, "access-logs", &LogBucketProps::default()).unwrap();
            SecureBucket::new(
                &mut scope,
                "raw-data",
                &mut logs,
                &SecureBucketProps::default(),
            )
            .unwrap();
        }
        // The same id twice in one scope is an error, not a silent overwrite.
        let err =
            PrivateNetwork::new(&mut root, "research", &network_props("10.3.0.0/16")).unwrap_err();
        assert!(err.to_string().contains("used twice"), "{err}");
        let err = PrivateNetwork::new(&mut root, ONLY, &network_props("10.4.0.0/16"));
        assert!(
            err.is_ok(),
            "the first ONLY network in the root scope is free"
        );

        let json = serde_json::to_value(&t).unwrap();
        for id in [
            "AStudioDomain",
            "BStudioDomain",
            "ABastion",
            "BBastion",
            "ARawDataBucket",
            "BRawDataBucket",
            "AAccessLogsBucketPolicy",
            "BAccessLogsBucketPolicy",
            "Vpc",
        ] {
            assert!(json["Resources"].get(id).is_some(), "{id} missing");
        }
        // Every resource reference resolves inside the template.
        let findings =
            crate::validate::validate(&crate::template::json::Json::from(&json), t.to_json().len());
        use crate::validate::rules::id;
        let dangling = [
            id::CFN_REF_UNRESOLVED,
            id::CFN_GETATT_UNRESOLVED,
            id::CFN_DEPENDSON_UNDEFINED,
        ];
        assert!(
            !findings.iter().any(|f| dangling.contains(&f.rule)),
            "{findings:#?}"
        );
    }
}
