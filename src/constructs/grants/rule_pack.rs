//! The rule pack judges what the grants write: a role that received every grant, in a
//! template with one resource of each kind, has no IAM finding and no finding at all on
//! the role (and a control role whose presigned-URL grant lacks the endpoint condition
//! and names every profile is found on both counts).

use crate::constructs::scope::Scope;
use crate::resources::iam::policy::{Condition, keys};
use crate::resources::iam::{self, Role};
use crate::template::Value;

use super::kms::via_services;
use super::sagemaker::{NotebookInstanceName, UserProfiles, grant_list_notebook_instances};
use super::ssm::{ParameterName, ParameterPath};
use super::testing::fixture;

#[test]
fn a_role_with_every_grant_passes_the_rule_pack() {
    let mut f = fixture();
    let through_endpoints =
        Condition::string_equals(keys::SOURCE_VPCE, f.endpoints.iter().map(|e| e.id()));
    let mut scope = Scope::root(&mut f.template);
    let role = scope
        .add(
            "Analyst",
            Role::builder()
                .assume_role_policy_document(iam::service_trust_policy(iam::Service::Lambda))
                .build()
                .unwrap(),
        )
        .unwrap();
    // A notebook's URL only from a network the rule pack accepts (here: public ranges).
    let from_office = Condition::ip_address(keys::SOURCE_IP, [Value::from("203.0.113.0/24")]);
    let path = ParameterPath::new("/sagesynth/team").unwrap();
    let notebook = NotebookInstanceName::new("Team-B").unwrap();
    let grants = [
        f.key.grant_encrypt_decrypt(),
        f.key
            .grant_decrypt()
            .condition(via_services(&["secretsmanager"]).unwrap()),
        f.key.grant_volume_use(),
        f.queue.grant_send_messages(),
        f.queue.grant_consume_messages(),
        f.table.grant_read_data(),
        f.table.grant_read_write_data(),
        f.secret.grant_read(),
        ParameterName::new("/sagesynth/team/studio-domain-id")
            .unwrap()
            .grant_read(),
        path.grant_read(),
        path.grant_read_by_path(),
        f.log_group.grant_write(),
        f.domain
            .grant_describe()
            .condition(through_endpoints.clone()),
        f.domain
            .grant_presigned_url(&UserProfiles::Caller)
            .condition(through_endpoints),
        f.notebook.grant_open().condition(from_office.clone()),
        f.notebook.grant_use().condition(from_office.clone()),
        notebook.grant_open().condition(from_office.clone()),
        notebook.grant_use().condition(from_office),
        notebook.grant_describe(),
        grant_list_notebook_instances(),
    ];
    let count = grants.len();
    for grant in grants {
        grant.to(&mut scope.grants_for(&role)).unwrap();
    }
    // A control: the rule pack reads the grants' policy (a presigned URL grant without
    // the endpoint condition is found, for Studio, for every profile, and for a notebook).
    let control = scope
        .add(
            "Control",
            Role::builder()
                .assume_role_policy_document(iam::service_trust_policy(iam::Service::Lambda))
                .build()
                .unwrap(),
        )
        .unwrap();
    f.domain
        .grant_presigned_url(&UserProfiles::All)
        .to(&mut scope.grants_for(&control))
        .unwrap();
    f.notebook
        .grant_open()
        .to(&mut scope.grants_for(&control))
        .unwrap();

    let json = serde_json::to_value(&f.template).unwrap();
    let statements =
        json["Resources"]["Analyst"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap();
    assert_eq!(statements.len(), count + 1, "the volume grant has two");
    let mut sids: Vec<&str> = statements
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    sids.sort_unstable();
    sids.dedup();
    assert_eq!(sids.len(), statements.len(), "Sids are unique");

    let findings = crate::validate::validate(
        &crate::template::json::Json::from(&json),
        f.template.to_json().len(),
    );
    for rule in [
        "ENV-PRESIGNED-THROUGH-ENDPOINTS",
        "SM-PRESIGNED-OWN-PROFILE",
        "ENV-NOTEBOOK-URL-THROUGH-NETWORK",
    ] {
        assert!(
            findings
                .iter()
                .any(|f| f.rule == rule && f.resource() == Some("Control")),
            "{rule}: {findings:?}"
        );
    }
    let about_grants: Vec<String> = findings
        .iter()
        .filter(|f| f.rule.starts_with("IAM-") || f.resource() == Some("Analyst"))
        .map(ToString::to_string)
        .collect();
    assert!(about_grants.is_empty(), "{}", about_grants.join("\n"));
}
