//! Secure patterns built from resources: each takes typed props, adds its resources to a
//! template with secure defaults, and returns handles for the constructs that build on
//! it. Knows nothing about YAML.

#![warn(missing_docs)]

pub mod bastion;
pub mod cross_account;
pub mod encryption_key;
pub mod grants;
pub mod mfa_guard;
pub mod nested_users;
pub mod network;
pub mod notebook_identity;
pub mod notebooks;
pub mod presigned_url;
pub mod scope;
pub mod secure_bucket;
pub mod sso_onboarding;
pub mod studio;
pub mod team;
pub mod trail;

use std::fmt;

use crate::resources::MissingProperty;
use crate::template::{DuplicateLogicalId, InvalidLogicalId, LogicalId};

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
}

impl fmt::Display for ConstructError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConstructError::Missing(e) => e.fmt(f),
            ConstructError::Duplicate(e) => e.fmt(f),
            ConstructError::InvalidId(e) => e.fmt(f),
            ConstructError::Invalid(e) => f.write_str(e),
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
impl From<InvalidLogicalId> for ConstructError {
    fn from(e: InvalidLogicalId) -> Self {
        ConstructError::InvalidId(e)
    }
}

/// A logical ID written in the code (not derived from input), so always valid.
pub(crate) fn id(literal: &str) -> LogicalId {
    LogicalId::new(literal).expect("logical IDs written in the code are alphanumeric")
}
