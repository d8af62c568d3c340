//! What the grant tests share: one resource of each kind the grants know, and a check
//! that a grant adds the same statements to a policy document and to a built role.

use serde_json::Value as Json;

use crate::constructs::scope::Scope;
use crate::resources::dynamodb::{AttributeDefinition, KeySchema, Table};
use crate::resources::ec2::{Vpc, VpcEndpoint};
use crate::resources::iam::policy::PolicyDocument;
use crate::resources::iam::{self, Role};
use crate::resources::kms::Key;
use crate::resources::logs::LogGroup;
use crate::resources::sagemaker::{Domain, NotebookInstance, UserSettings};
use crate::resources::secretsmanager::Secret;
use crate::resources::sqs::Queue;
use crate::sub;
use crate::template::{Handle, Pseudo, Template, Value};

use super::{GRANTS_POLICY_NAME, Grant};

/// One resource of each kind that has grants, in one template.
pub(crate) struct Fixture {
    pub template: Template,
    pub key: Handle<Key>,
    pub queue: Handle<Queue>,
    pub table: Handle<Table>,
    pub secret: Handle<Secret>,
    pub log_group: Handle<LogGroup>,
    pub domain: Handle<Domain>,
    pub notebook: Handle<NotebookInstance>,
    /// The sagemaker.api and studio interface endpoints.
    pub endpoints: [Handle<VpcEndpoint>; 2],
}

pub(crate) fn fixture() -> Fixture {
    let mut template = Template::new();
    let mut scope = Scope::root(&mut template);
    let key = scope
        .add(
            "DataKey",
            Key::builder().enable_key_rotation(true).build().unwrap(),
        )
        .unwrap();
    let queue = scope
        .add(
            "DeadLetterQueue",
            Queue::builder()
                .sqs_managed_sse_enabled(true)
                .build()
                .unwrap(),
        )
        .unwrap();
    let table = scope
        .add(
            "MappingTable",
            Table::builder()
                .billing_mode(crate::resources::dynamodb::BillingMode::PayPerRequest)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("group")
                        .attribute_type(crate::resources::dynamodb::AttributeType::S)
                        .build()
                        .unwrap(),
                )
                .key_schema(
                    KeySchema::builder()
                        .attribute_name("group")
                        .key_type(crate::resources::dynamodb::KeyType::Hash)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .unwrap();
    let secret = scope
        .add(
            "ApiSecret",
            Secret::builder()
                .description("a test secret")
                .kms_key_id(key.arn())
                .build()
                .unwrap(),
        )
        .unwrap();
    let log_group = scope
        .add(
            "FunctionLogs",
            LogGroup::builder().retention_in_days(90).build().unwrap(),
        )
        .unwrap();
    let vpc = scope
        .add(
            "Vpc",
            Vpc::builder().cidr_block("10.0.0.0/16").build().unwrap(),
        )
        .unwrap();
    let endpoint = |scope: &mut Scope, id: &str, service: Value| {
        scope
            .add(
                id,
                VpcEndpoint::builder()
                    .vpc_id(vpc.id())
                    .vpc_endpoint_type(crate::resources::ec2::VpcEndpointType::Interface)
                    .service_name(service)
                    .build()
                    .unwrap(),
            )
            .unwrap()
    };
    let api = endpoint(
        &mut scope,
        "SageMakerApiEndpoint",
        sub!["com.amazonaws.", Pseudo::Region, ".sagemaker.api"],
    );
    let studio = endpoint(
        &mut scope,
        "SageMakerStudioEndpoint",
        sub!["aws.sagemaker.", Pseudo::Region, ".studio"],
    );
    let domain = scope
        .add(
            "StudioDomain",
            Domain::builder()
                .auth_mode("IAM")
                .domain_name("test")
                .app_network_access_type(crate::resources::sagemaker::AppNetworkAccessType::VpcOnly)
                .kms_key_id(key.arn())
                .vpc_id(vpc.id())
                .default_user_settings(
                    UserSettings::builder()
                        .execution_role("arn:aws:iam::111122223333:role/x")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .unwrap();
    let notebook = scope
        .add(
            "NotebookTeamA",
            NotebookInstance::builder()
                .notebook_instance_name("Team-A")
                .instance_type("ml.t3.medium")
                .role_arn("arn:aws:iam::111122223333:role/x")
                .kms_key_id(key.arn())
                .direct_internet_access(crate::resources::sagemaker::DirectInternetAccess::Disabled)
                .root_access(crate::resources::sagemaker::RootAccess::Disabled)
                .build()
                .unwrap(),
        )
        .unwrap();
    Fixture {
        template,
        key,
        queue,
        table,
        secret,
        log_group,
        domain,
        notebook,
        endpoints: [api, studio],
    }
}

/// A template with one role, `Grantee`, and no policy yet.
pub(crate) fn template_with_role() -> (Template, Handle<Role>) {
    let mut template = Template::new();
    let role = Scope::root(&mut template)
        .add(
            "Grantee",
            Role::builder()
                .assume_role_policy_document(iam::service_trust_policy(iam::Service::Lambda))
                .build()
                .unwrap(),
        )
        .unwrap();
    (template, role)
}

/// The statements of a policy document, as JSON.
pub(crate) fn statements_of(document: PolicyDocument) -> Json {
    serde_json::to_value(Value::from(document)).unwrap()["Statement"].clone()
}

/// The statements `grant` adds to a policy document, after checking that it adds the same
/// ones to a role of the template (its `Grants` policy).
pub(crate) fn granted(grant: Grant) -> Json {
    let mut document = PolicyDocument::new();
    grant.clone().to(&mut document).unwrap();
    let expected = statements_of(document);

    let (mut template, role) = template_with_role();
    grant
        .to(&mut Scope::root(&mut template).grants_for(&role))
        .unwrap();
    let json = serde_json::to_value(&template).unwrap();
    let policy = &json["Resources"]["Grantee"]["Properties"]["Policies"][0];
    assert_eq!(policy["PolicyName"], GRANTS_POLICY_NAME);
    assert_eq!(
        policy["PolicyDocument"]["Statement"], expected,
        "a role and a policy document receive the same statements"
    );
    expected
}

/// The error `grant` fails with, after checking that it fails the same way for a role
/// and adds nothing to either grantee.
pub(crate) fn refused(grant: Grant) -> String {
    let mut document = PolicyDocument::new();
    let err = grant.clone().to(&mut document).unwrap_err();
    assert!(document.is_empty(), "a refused grant adds nothing");

    let (mut template, role) = template_with_role();
    let role_err = grant
        .to(&mut Scope::root(&mut template).grants_for(&role))
        .unwrap_err();
    assert_eq!(err, role_err);
    let json = serde_json::to_value(&template).unwrap();
    assert!(
        json["Resources"]["Grantee"]["Properties"]
            .get("Policies")
            .is_none(),
        "a refused grant creates no policy"
    );
    err.to_string()
}

/// `{"Fn::GetAtt": [id, attribute]}`.
pub(crate) fn getatt(id: &str, attribute: &str) -> Json {
    serde_json::json!({"Fn::GetAtt": [id, attribute]})
}

/// `{"Ref": id}`.
pub(crate) fn reference(id: &str) -> Json {
    serde_json::json!({"Ref": id})
}

/// `{"Fn::Sub": text}`.
pub(crate) fn fn_sub(text: &str) -> Json {
    serde_json::json!({"Fn::Sub": text})
}
