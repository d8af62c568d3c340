//! sagesynth: deterministic CloudFormation templates for secure SageMaker environments.
//!
//! Layers, each usable on its own: [`template`] (the CloudFormation model), [`resources`]
//! (one typed builder per resource type), [`constructs`] (secure patterns), [`stacks`]
//! (the YAML definition format and composition) and [`validate`] (judging a finished
//! template). [`synth`] ties them together for the CLI, tests and benchmarks.
//!
//! # A stack in Rust
//!
//! The YAML definitions cover the shipped components; the library is for anything else.
//! Every construct is created the same way, `X::new(&mut scope, id, &props)`, and access
//! is granted, never written by hand. A private network, a secure bucket, and a role that
//! may read it:
//!
//! ```
//! use sagesynth::constructs::network::{EndpointService, InternetEgress, PrivateNetwork, PrivateNetworkProps};
//! use sagesynth::constructs::endpoint_policy::EndpointPolicyProps;
//! use sagesynth::constructs::scope::Scope;
//! use sagesynth::constructs::secure_bucket::{
//!     LogBucket, LogBucketProps, SecureBucket, SecureBucketProps,
//! };
//! use sagesynth::resources::iam::{self, Role};
//! use sagesynth::template::Template;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut template = Template::new();
//! let mut scope = Scope::root(&mut template);
//!
//! let cidr = "10.10.0.0/16".parse()?;
//! let network = PrivateNetwork::new(
//!     &mut scope,
//!     "research",
//!     &PrivateNetworkProps {
//!         cidr,
//!         availability_zones: 2,
//!         subnet_prefix_length: PrivateNetworkProps::default_subnet_prefix(cidr),
//!         endpoints: vec![EndpointService::S3, EndpointService::Sts],
//!         flow_log_retention_days: Some(365),
//!         policies: EndpointPolicyProps::default(),
//!         internet_egress: InternetEgress::None,
//!     },
//! )?;
//! let mut logs = LogBucket::new(&mut scope, "access-logs", &LogBucketProps::default())?;
//! // The data perimeter: requests through the network's S3 endpoint only (this bucket and
//! // every bucket created after it).
//! let s3 = network.endpoint(EndpointService::S3).expect("listed above").id();
//! logs.restrict_network(&mut scope, vec![s3]);
//! let features = SecureBucket::new(
//!     &mut scope,
//!     "features",
//!     &mut logs,
//!     &SecureBucketProps::default(),
//! )?;
//! let analyst = scope.add(
//!     "AnalystRole",
//!     Role::builder()
//!         .assume_role_policy_document(iam::service_trust_policy(iam::Service::SageMakerStudio))
//!         .build()?,
//! )?;
//! features.grant_read(&mut scope.grants_for(&analyst))?;
//!
//! // The id names the resources: `research` gives `ResearchVpc`, `ResearchPrivateSubnetAz1`, ...
//! assert!(template.resource("ResearchVpc").is_some());
//!
//! // The same rule pack as `synth` judges the template before it is used.
//! let body = template.to_json();
//! let json: serde_json::Value = serde_json::from_str(&body)?;
//! let json = sagesynth::template::json::Json::from(&json);
//! let findings = sagesynth::validate::validate(&json, body.len());
//! assert!(findings.iter().all(|f| !f.is_blocking()), "{findings:?}");
//! # Ok(())
//! # }
//! ```

pub mod calendar;
pub mod template;
#[macro_use]
pub mod resources;
pub mod constructs;
pub mod diagnostic;
pub mod diff;
pub mod graph;
pub mod output;
pub mod parallel;
pub mod report;
pub mod stacks;
pub mod synth;
pub mod validate;
