//! A stack written in Rust instead of YAML: two private networks (research and
//! production) in one template, and a secure bucket whose read access is granted to a
//! role. Prints the template as JSON on stdout.
//!
//! ```sh
//! cargo run --example two_networks > two-networks.template.json
//! ```
//!
//! Each construct is created the same way, `X::new(scope, id, &props)`: the id makes its
//! logical IDs unique (`ResearchVpc`, `ProductionVpc`), and grants add least-privilege
//! statements to the role's policy. The buckets admit requests through the two networks'
//! S3 endpoints only (their data perimeter), as the rule pack requires.

use std::error::Error;

use sagesynth::constructs::endpoint_policy::EndpointPolicyProps;
use sagesynth::constructs::network::{
    EndpointService, InternetEgress, PrivateNetwork, PrivateNetworkProps,
};
use sagesynth::constructs::scope::Scope;
use sagesynth::constructs::secure_bucket::{
    LogBucket, LogBucketProps, SecureBucket, SecureBucketProps,
};
use sagesynth::resources::iam::{self, Role};
use sagesynth::template::Template;

fn main() -> Result<(), Box<dyn Error>> {
    let mut template = Template::new();
    template.set_description(
        "Two private networks and a secure bucket granted to a role (sagesynth example)",
    );
    let mut root = Scope::root(&mut template);

    let mut s3_endpoints = Vec::new();
    for (id, cidr) in [("research", "10.10.0.0/16"), ("production", "10.20.0.0/16")] {
        let cidr = cidr.parse()?;
        let network = PrivateNetwork::new(
            &mut root,
            id,
            &PrivateNetworkProps {
                cidr,
                availability_zones: 2,
                subnet_prefix_length: PrivateNetworkProps::default_subnet_prefix(cidr),
                endpoints: vec![EndpointService::S3, EndpointService::Sts],
                flow_log_retention_days: Some(365),
                policies: EndpointPolicyProps::default(),
                internet_egress: InternetEgress::None,
            },
        )?;
        if let Some(s3) = network.endpoint(EndpointService::S3) {
            s3_endpoints.push(s3.id());
        }
    }

    let mut logs = LogBucket::new(&mut root, "access-logs", &LogBucketProps::default())?;
    // Buckets created after this are restricted to the same endpoints.
    logs.restrict_network(&mut root, s3_endpoints);
    let features = SecureBucket::new(
        &mut root,
        "features",
        &mut logs,
        &SecureBucketProps {
            retain: true,
            ..SecureBucketProps::default()
        },
    )?;
    let analyst = root.add(
        "AnalystRole",
        Role::builder()
            .description("Reads the feature store from SageMaker jobs")
            .assume_role_policy_document(iam::service_trust_policy(iam::Service::SageMakerStudio))
            .build()?,
    )?;
    features.grant_read(&mut root.grants_for(&analyst))?;

    print!("{}", template.to_json());
    Ok(())
}
