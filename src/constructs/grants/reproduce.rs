//! The statements the constructs still write by hand, reproduced by grant calls: each
//! test builds the grant on a resource with the logical ID it has in a shipped template
//! and finds the same statement, byte for byte, in that template under `out/`. So each
//! call site can switch to its grant without changing a template.

use serde_json::Value as Json;

use crate::constructs::scope::Scope;
use crate::resources::dynamodb::actions as dynamodb_actions;
use crate::resources::ec2::VpcEndpoint;
use crate::resources::iam::policy::{Condition, PolicyDocument, keys};
use crate::resources::kms::{Key, actions as kms_actions};
use crate::resources::logs::LogGroup;
use crate::resources::sagemaker::{Domain, UserSettings, actions as sagemaker_actions};
use crate::resources::sqs::{Queue, actions as sqs_actions};
use crate::resources::ssm::actions as ssm_actions;
use crate::template::{Handle, Resource, Template};

use super::Grant;
use super::kms::via_services;
use super::sagemaker::{NotebookInstanceName, UserProfiles, grant_list_notebook_instances};
use super::ssm::ParameterPath;
use super::testing::{getatt, statements_of};

/// Every identity-policy statement with a Sid in `out/<file>`, compact JSON, in the
/// template's key order.
fn shipped_statements(file: &str) -> Vec<String> {
    fn walk(value: &Json, found: &mut Vec<String>) {
        match value {
            Json::Object(map) => {
                if map.contains_key("Sid") && map.contains_key("Effect") {
                    found.push(serde_json::to_string(value).unwrap());
                }
                map.values().for_each(|v| walk(v, found));
            }
            Json::Array(items) => items.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let path = format!("{}/out/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut found = Vec::new();
    walk(&serde_json::from_str(&text).unwrap(), &mut found);
    found
}

/// Whether each statement of `grant` is in `out/<file>` as written there; the first
/// that is not, with the statements of that Sid there, otherwise.
fn find_in(file: &str, grant: Grant) -> Result<(), String> {
    let mut document = PolicyDocument::new();
    grant.to(&mut document).unwrap();
    let shipped = shipped_statements(file);
    let ours = statements_of(document);
    for statement in ours.as_array().unwrap() {
        let text = serde_json::to_string(statement).unwrap();
        if !shipped.contains(&text) {
            let same_sid: Vec<&String> = shipped
                .iter()
                .filter(|s| s.contains(&format!("\"Sid\":{}", statement["Sid"])))
                .collect();
            return Err(format!(
                "not in out/{file}:\n{text}\nstatements with that Sid there:\n{same_sid:#?}"
            ));
        }
    }
    Ok(())
}

fn shipped_in(file: &str, grant: Grant) {
    if let Err(why) = find_in(file, grant) {
        panic!("{why}");
    }
}

/// A handle to a resource with the logical ID `id` (its properties do not matter here).
fn handle<R: Resource>(template: &mut Template, id: &str, resource: R) -> Handle<R> {
    Scope::root(template).add(id, resource).unwrap()
}

#[test]
fn sso_onboarding_dead_letter_queue_and_logs() {
    let mut t = Template::new();
    let queue = handle(
        &mut t,
        "OnboardingDeadLetterQueue",
        Queue::builder().build().unwrap(),
    );
    let logs = handle(
        &mut t,
        "OnboardingFunctionLogs",
        LogGroup::builder().build().unwrap(),
    );
    for file in [
        "studio-sso-onboarding.template.json",
        "studio-multi-account.template.json",
    ] {
        shipped_in(
            file,
            queue
                .grant_send_messages()
                .only([&sqs_actions::SEND_MESSAGE])
                .sid("SendFailedEventsToTheDeadLetterQueue"),
        );
        shipped_in(file, logs.grant_write().sid("WriteOwnLogs"));
    }
}

#[test]
fn sso_onboarding_mapping_table() {
    // No shipped stack keeps its mapping in a table: the statement as
    // `sso_onboarding::function_policy` writes it.
    let mut t = Template::new();
    let table = handle(
        &mut t,
        "GroupRoleMappingTable",
        crate::resources::dynamodb::Table::builder()
            .build()
            .unwrap(),
    );
    let mut document = PolicyDocument::new();
    table
        .grant_read_data()
        .only([&dynamodb_actions::GET_ITEM])
        .sid("ReadTheMapping")
        .to(&mut document)
        .unwrap();
    assert_eq!(
        serde_json::to_string(&statements_of(document)).unwrap(),
        serde_json::to_string(&serde_json::json!([{
            "Sid": "ReadTheMapping", "Effect": "Allow", "Action": ["dynamodb:GetItem"],
            "Resource": [getatt("GroupRoleMappingTable", "Arn")]
        }]))
        .unwrap()
    );
}

#[test]
fn cross_account_parameters() {
    shipped_in(
        "studio-multi-account.member.template.json",
        ParameterPath::new("/sagesynth/studio-multi-account")
            .unwrap()
            .grant_read()
            .only([&ssm_actions::GET_PARAMETER])
            .sid("ReadTheStudioParameters"),
    );
}

#[test]
fn notebooks_user_access() {
    let file = "team-notebooks.template.json";
    shipped_in(
        file,
        NotebookInstanceName::new("team-notebooks-administrators")
            .unwrap()
            .grant_use()
            .only([
                &sagemaker_actions::DESCRIBE_NOTEBOOK_INSTANCE,
                &sagemaker_actions::START_NOTEBOOK_INSTANCE,
                &sagemaker_actions::STOP_NOTEBOOK_INSTANCE,
            ])
            .sid("UseOwnTeamNotebook"),
    );
    shipped_in(
        file,
        grant_list_notebook_instances().sid("ListNotebooksHasNoResourceScope"),
    );
}

fn studio_domain(t: &mut Template) -> Handle<Domain> {
    handle(
        t,
        "StudioDomain",
        Domain::builder()
            .auth_mode("IAM")
            .domain_name("d")
            .default_user_settings(UserSettings::builder().execution_role("r").build().unwrap())
            .build()
            .unwrap(),
    )
}

#[test]
fn presigned_url() {
    let mut t = Template::new();
    let domain = studio_domain(&mut t);
    let endpoint = |t: &mut Template, id: &str| {
        handle(t, id, VpcEndpoint::builder().vpc_id("v").build().unwrap()).id()
    };
    let through_endpoints = Condition::string_equals(
        keys::SOURCE_VPCE,
        [
            endpoint(&mut t, "SageMakerApiEndpoint"),
            endpoint(&mut t, "SageMakerStudioEndpoint"),
        ],
    );
    shipped_in(
        "studio-private.template.json",
        domain
            .grant_presigned_url(&UserProfiles::Caller)
            .sid("OwnProfileThroughEndpoints")
            .condition(through_endpoints),
    );
}

#[test]
fn encryption_key_usage() {
    let mut t = Template::new();
    let key = handle(&mut t, "NotebookKey", Key::builder().build().unwrap());
    shipped_in("notebook-identity.template.json", key.grant_volume_use());
}

#[test]
fn also_reproduced_team_domain_read_and_bucket_key_statements() {
    let mut t = Template::new();
    let domain = studio_domain(&mut t);
    shipped_in(
        "studio-multi-account.member.template.json",
        domain.grant_describe().sid("ReadDomain"),
    );
    let key = handle(&mut t, "RawDataBucketKey", Key::builder().build().unwrap());
    let through_s3 = via_services(&["s3"]).unwrap();
    let file = "team-notebooks.template.json";
    shipped_in(
        file,
        key.grant_decrypt()
            .sid("RawDataReadKey")
            .condition(through_s3.clone()),
    );
    shipped_in(
        file,
        key.grant_encrypt_decrypt()
            .only([&kms_actions::DECRYPT, &kms_actions::GENERATE_DATA_KEY])
            .sid("RawDataReadWriteKey")
            .condition(through_s3),
    );
}

#[test]
fn a_statement_that_differs_is_not_found() {
    let mut t = Template::new();
    let key = handle(&mut t, "NotebookKey", Key::builder().build().unwrap());
    let file = "notebook-identity.template.json";
    assert!(find_in(file, key.grant_volume_use()).is_ok());
    let renamed = find_in(
        file,
        key.grant_volume_use().sids(&["UseVolumeKey", "Renamed"]),
    );
    assert!(renamed.unwrap_err().contains("\"Sid\":\"Renamed\""));
    let narrowed = find_in(
        file,
        key.grant_volume_use()
            .only([&kms_actions::DECRYPT])
            .sid("UseVolumeKey"),
    );
    assert!(
        narrowed.unwrap_err().contains("kms:GenerateDataKey*"),
        "lists the shipped statement"
    );
}
