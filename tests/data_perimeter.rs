//! The data perimeter of the shipped templates (`out/`), evaluated as AWS does: the
//! identity-based policies of every role and user together with the buckets' policies,
//! the bucket keys' policies and the S3 gateway endpoint's policy
//! (`support::iam_eval::Evaluator::evaluate`). Each row names the statement that decides.
//!
//! Every role and user of every template is a requester (templates' conditions assumed
//! true: the most principals), so a new role cannot slip past a row. What no shipped
//! stack has (administrators, an organization, a CloudTrail trail) is tested on
//! definitions synthesized in process.

mod support;

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};
use support::iam_eval::{ACCOUNT_ID, Decision, Evaluator, REGION, Request, STACK_NAME, Who};
use support::stacks;

/// A principal of another account whose own policies allow everything.
const FOREIGN_ROLE: &str = "arn:aws:iam::444455556666:role/Exfiltrator";
const FOREIGN_ACCOUNT: &str = "444455556666";
/// A role of this account outside the templates whose policies allow everything (an
/// account administrator), but that no definition names in `perimeter.admin_principals`.
const ACCOUNT_ADMIN: &str = "arn:aws:iam::111122223333:role/AccountAdministrator";
/// The administrator the definition fixtures name in `perimeter.admin_principals`.
const PERIMETER_ADMIN: &str = "arn:aws:iam::111122223333:role/DataAdmin";
const OTHER_VPCE: &str = "vpce-0aaaabbbbccccdddd";
const SSE: &str = "s3:x-amz-server-side-encryption";
const SSE_KEY: &str = "s3:x-amz-server-side-encryption-aws-kms-key-id";
const FOREIGN_KEY: &str =
    "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// A bucket of a template, as its requests need it.
struct Bucket {
    id: String,
    arn: String,
    /// The logical ID of its `AWS::S3::BucketPolicy`.
    policy: String,
    retained: bool,
    /// The ARN of its SSE-KMS key; `None` for SSE-S3.
    key: Option<String>,
}

impl Bucket {
    fn object(&self) -> String {
        format!("{}/perimeter/row.csv", self.arn)
    }
}

/// One template and what its rows need.
struct Stack<'t> {
    name: String,
    template: &'t Json,
    iam: Evaluator<'t>,
    buckets: Vec<Bucket>,
    /// The logical ID of the S3 gateway endpoint.
    endpoint: Option<String>,
}

/// The template's evaluator: endpoint IDs `vpce-<logical id>`, no organization, every
/// condition true, and physical values for the attributes the principals' policies name
/// (a Studio domain's ID, ARN and home file system, a queue's ARN).
fn evaluator(t: &Json) -> Evaluator<'_> {
    let mut iam = Evaluator::new(t)
        .with_vpc_endpoint_ids()
        .without_organization();
    for (id, _) in of_type(t, "AWS::SageMaker::Domain") {
        let domain = format!("d-{}", id.to_lowercase());
        iam = iam
            .with_attribute(
                id,
                "DomainArn",
                &format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:domain/{domain}"),
            )
            .with_attribute(id, "DomainId", &domain)
            .with_attribute(
                id,
                "HomeEfsFileSystemId",
                &format!("fs-{}", id.to_lowercase()),
            );
    }
    for (id, _) in of_type(t, "AWS::SQS::Queue") {
        iam = iam.with_attribute(
            id,
            "Arn",
            &format!("arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{STACK_NAME}-{id}"),
        );
    }
    if let Some(conditions) = t.get("Conditions").and_then(Json::as_object) {
        for name in conditions.keys() {
            iam = iam.assume_condition(name, true);
        }
    }
    iam
}

fn resources(t: &Json) -> &serde_json::Map<String, Json> {
    t["Resources"].as_object().expect("Resources")
}

fn of_type<'t>(t: &'t Json, type_name: &'t str) -> impl Iterator<Item = (&'t String, &'t Json)> {
    resources(t)
        .iter()
        .filter(move |(_, r)| r["Type"] == type_name)
}

fn stack<'t>(name: &str, t: &'t Json) -> Stack<'t> {
    let iam = evaluator(t);
    let buckets = of_type(t, "AWS::S3::Bucket")
        .map(|(id, r)| {
            let policy = of_type(t, "AWS::S3::BucketPolicy")
                .find(|(_, p)| p["Properties"]["Bucket"] == json!({"Ref": id}))
                .map(|(pid, _)| pid.clone())
                .unwrap_or_else(|| panic!("{name}: bucket {id} has no bucket policy"));
            let key = r["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
                ["ServerSideEncryptionByDefault"]
                .get("KMSMasterKeyID")
                .map(|k| iam.resolve(k));
            Bucket {
                id: id.clone(),
                arn: iam.resolve(&json!({"Fn::GetAtt": [id, "Arn"]})),
                policy,
                retained: matches!(
                    r["DeletionPolicy"].as_str(),
                    Some("Retain" | "RetainExceptOnCreate")
                ),
                key,
            }
        })
        .collect();
    let s3 = format!("com.amazonaws.{REGION}.s3");
    let endpoint = of_type(t, "AWS::EC2::VPCEndpoint")
        .find(|(_, r)| iam.resolve(&r["Properties"]["ServiceName"]) == s3)
        .map(|(id, _)| id.clone());
    Stack {
        name: name.to_string(),
        template: t,
        iam,
        buckets,
        endpoint,
    }
}

/// The shipped templates, parsed once per test.
fn shipped() -> Vec<(String, Json)> {
    support::shipped_templates()
        .iter()
        .map(|path| (support::template_name(path), support::read_template(path)))
        .collect()
}

/// The shipped templates that hold buckets; panics when there is none, and when one of
/// them has no S3 gateway endpoint (its buckets would have no network perimeter).
fn with_buckets(templates: &[(String, Json)]) -> Vec<Stack<'_>> {
    let stacks: Vec<Stack> = templates
        .iter()
        .map(|(name, t)| stack(name, t))
        .filter(|s| !s.buckets.is_empty())
        .collect();
    assert!(!stacks.is_empty(), "no shipped template has a bucket");
    for s in &stacks {
        assert!(
            s.endpoint.is_some(),
            "{}: buckets without an S3 gateway endpoint have no network perimeter",
            s.name
        );
    }
    stacks
}

fn tls(request: Request) -> Request {
    request.context("aws:SecureTransport", "true")
}

/// The requests a principal of the template makes: as a person, a user signs in with MFA.
fn as_principal(s: &Stack, principal: &str, action: &str, resource: &str) -> Request {
    let request = tls(Request::new(Who::template(principal), action, resource));
    if is_user(s, principal) {
        request.context("aws:MultiFactorAuthPresent", "true")
    } else {
        request
    }
}

fn is_user(s: &Stack, principal: &str) -> bool {
    s.template["Resources"][principal]["Type"] == "AWS::IAM::User"
}

/// What the principal's own policies say, with the context the request carries.
fn identity_allows(s: &Stack, principal: &str, action: &str, resource: &str, vpce: &str) -> bool {
    let mut context = vec![("aws:SecureTransport", "true"), ("aws:SourceVpce", vpce)];
    let name = s.iam.resolve(&json!({"Ref": principal}));
    if is_user(s, principal) {
        context.push(("aws:MultiFactorAuthPresent", "true"));
        context.push(("aws:username", &name));
    }
    s.iam.decide(principal, action, resource, &context).allowed
}

fn assert_denied_by(d: &Decision, place: &str, row: &str) {
    assert!(
        !d.allowed && d.reason.starts_with("denied by ") && d.reason.contains(place),
        "{row}: expected a Deny by {place}, got: {}",
        d.reason
    );
}

/// The object and bucket requests of the rows: (action, resource).
fn data_requests(b: &Bucket) -> [(&'static str, String); 4] {
    [
        ("s3:GetObject", b.object()),
        ("s3:PutObject", b.object()),
        ("s3:DeleteObject", b.object()),
        ("s3:ListBucket", b.arn.clone()),
    ]
}

/// The KMS request S3 makes with the caller's credentials for an object request on an
/// SSE-KMS bucket.
fn key_request(s: &Stack, principal: &str, action: &str, key: &str) -> Option<Request> {
    let kms_action = match action {
        "s3:GetObject" => "kms:Decrypt",
        "s3:PutObject" => "kms:GenerateDataKey",
        _ => return None,
    };
    let request = Request::new(Who::template(principal), kms_action, key)
        .context("kms:ViaService", &format!("s3.{REGION}.amazonaws.com"))
        .via_aws_service();
    Some(if is_user(s, principal) {
        request.context("aws:MultiFactorAuthPresent", "true")
    } else {
        request
    })
}

#[test]
fn credentials_are_useless_outside_the_stacks_s3_endpoint() {
    let templates = shipped();
    let mut allowed_through: BTreeMap<String, usize> = BTreeMap::new();
    for s in with_buckets(&templates) {
        let endpoint = s.endpoint.clone().expect("checked");
        let vpce = s.iam.resolve(&json!({"Ref": endpoint}));
        for principal in s.iam.principals() {
            for b in &s.buckets {
                for (action, resource) in data_requests(b) {
                    let row = format!("{}: {principal} {action} on {resource}", s.name);
                    let network = format!("{} statement DenyOutsideNetwork", b.policy);
                    let direct = as_principal(&s, &principal, action, &resource);
                    assert_denied_by(&s.iam.evaluate(&direct), &network, &row);
                    let elsewhere = direct.clone().context("aws:SourceVpce", OTHER_VPCE);
                    assert_denied_by(&s.iam.evaluate(&elsewhere), &network, &row);
                    // Through the stack's endpoint the perimeter takes away nothing the
                    // principal's policies grant, and adds nothing.
                    let through = direct.clone().through(&endpoint);
                    let d = s.iam.evaluate(&through);
                    let granted = identity_allows(&s, &principal, action, &resource, &vpce);
                    assert_eq!(d.allowed, granted, "{row} through {endpoint}: {}", d.reason);
                    if !granted {
                        continue;
                    }
                    *allowed_through.entry(s.name.clone()).or_default() += 1;
                    assert!(
                        d.reason.starts_with(&format!("allowed by {principal}"))
                            && d.reason.ends_with(&format!(
                                "(endpoint: allowed by {endpoint} PolicyDocument statement \
                                 OnlyThisStacksBuckets)"
                            )),
                        "{row}: {}",
                        d.reason
                    );
                    // SageMaker or CloudFormation acting with the same credentials.
                    s.iam.expect(&direct.via_aws_service(), true);
                    // The bucket key lets S3 use it for the principal.
                    if let Some(key) = &b.key
                        && let Some(k) = key_request(&s, &principal, action, key)
                    {
                        let d = s.iam.expect(&k, true);
                        assert!(
                            d.reason.contains(" KeyPolicy statement ")
                                && d.reason.contains(&format!(" with {principal} ")),
                            "{row}: {}",
                            d.reason
                        );
                    }
                }
            }
        }
    }
    // Not vacuous: in every template with buckets, some principal has grants on them.
    for s in with_buckets(&templates) {
        assert!(
            allowed_through.get(&s.name).is_some_and(|n| *n > 0),
            "{}: no request was allowed through the endpoint: {allowed_through:?}",
            s.name
        );
    }
}

#[test]
fn uploads_use_the_buckets_own_key() {
    let templates = shipped();
    let mut rows = 0;
    for s in with_buckets(&templates) {
        let endpoint = s.endpoint.clone().expect("checked");
        let mut writers: Vec<Who> = s
            .iam
            .principals()
            .into_iter()
            .map(|p| Who::template(&p))
            .collect();
        writers.push(
            Who::external(ACCOUNT_ADMIN)
                .identity_policy(allow_all())
                .without_org(),
        );
        for b in &s.buckets {
            let Some(key) = &b.key else { continue };
            for who in &writers {
                let put = |headers: &[(&str, &str)]| {
                    let mut request = tls(Request::new(who.clone(), "s3:PutObject", &b.object()))
                        .context("aws:MultiFactorAuthPresent", "true")
                        .through(&endpoint);
                    for (k, v) in headers {
                        request = request.context(k, v);
                    }
                    s.iam.evaluate(&request)
                };
                let row = format!("{}: {who} PutObject into {}", s.name, b.id);
                if !put(&[]).allowed {
                    // Without a grant the headers change nothing.
                    assert!(!put(&[(SSE, "aws:kms"), (SSE_KEY, key)]).allowed, "{row}");
                    continue;
                }
                rows += 1;
                s.iam.expect(
                    &tls(Request::new(who.clone(), "s3:PutObject", &b.object()))
                        .context("aws:MultiFactorAuthPresent", "true")
                        .context(SSE, "aws:kms")
                        .context(SSE_KEY, key)
                        .through(&endpoint),
                    true,
                );
                let policy = &b.policy;
                assert_denied_by(
                    &put(&[(SSE, "AES256")]),
                    &format!("{policy} statement DenyOtherEncryption"),
                    &format!("{row} with SSE-S3"),
                );
                assert_denied_by(
                    &put(&[(SSE, "aws:kms"), (SSE_KEY, FOREIGN_KEY)]),
                    &format!("{policy} statement DenyOtherKeys"),
                    &format!("{row} with a foreign key"),
                );
                assert_denied_by(
                    &put(&[(SSE, "aws:kms")]),
                    &format!("{policy} statement DenyAwsManagedKey"),
                    &format!("{row} with the AWS managed key"),
                );
            }
        }
    }
    assert!(rows > 0, "no upload was tested");
}

fn allow_all() -> Json {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}

#[test]
fn no_principal_deletes_versions_of_a_retained_bucket() {
    let templates = shipped();
    let mut rows = 0;
    for s in with_buckets(&templates) {
        let endpoint = s.endpoint.clone().expect("checked");
        let admin = Who::external(ACCOUNT_ADMIN)
            .identity_policy(allow_all())
            .without_org();
        let mut requesters: Vec<Who> = s
            .iam
            .principals()
            .iter()
            .map(|p| Who::template(p))
            .collect();
        requesters.push(admin);
        for b in s.buckets.iter().filter(|b| b.retained) {
            let versions = format!("{} statement DenyDeletingVersions", b.policy);
            for who in &requesters {
                let delete = tls(Request::new(
                    who.clone(),
                    "s3:DeleteObjectVersion",
                    &b.object(),
                ))
                .context("aws:MultiFactorAuthPresent", "true")
                .context("s3:versionid", "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd");
                for (route, request) in [
                    ("through the endpoint", delete.clone().through(&endpoint)),
                    ("via an AWS service", delete.clone().via_aws_service()),
                ] {
                    rows += 1;
                    assert_denied_by(
                        &s.iam.evaluate(&request),
                        &versions,
                        &format!("{}: {who} DeleteObjectVersion in {} {route}", s.name, b.id),
                    );
                }
            }
        }
    }
    assert!(rows > 0, "no retained bucket");
}

#[test]
fn principals_of_other_accounts_are_refused() {
    let templates = shipped();
    for s in with_buckets(&templates) {
        let endpoint = s.endpoint.clone().expect("checked");
        let foreign = Who::external(FOREIGN_ROLE)
            .identity_policy(allow_all())
            .without_org();
        for b in &s.buckets {
            for (action, resource) in data_requests(b) {
                let request = tls(Request::new(foreign.clone(), action, &resource));
                let row = format!("{}: {FOREIGN_ROLE} {action} on {resource}", s.name);
                let identities = format!("{} statement DenyOutsideIdentities", b.policy);
                assert_denied_by(&s.iam.evaluate(&request), &identities, &row);
                // Through the stack's endpoint too (the bucket's explicit deny decides;
                // the endpoint's policy admits no foreign principal either).
                assert_denied_by(
                    &s.iam.evaluate(&request.through(&endpoint)),
                    &identities,
                    &format!("{row} through {endpoint}"),
                );
            }
        }
        // Out through the stack's endpoint, into a bucket of another account: the endpoint
        // refuses whatever the principal's policies and that bucket's policy say.
        let outbound = format!("arn:aws:s3:::exfiltration-{FOREIGN_ACCOUNT}/copy.csv");
        let mut requesters: Vec<Who> = s
            .iam
            .principals()
            .iter()
            .map(|p| Who::template(p))
            .collect();
        requesters.push(
            Who::external(ACCOUNT_ADMIN)
                .identity_policy(allow_all())
                .without_org(),
        );
        for who in requesters {
            for action in ["s3:PutObject", "s3:GetObject"] {
                let request = tls(Request::new(who.clone(), action, &outbound))
                    .context("aws:MultiFactorAuthPresent", "true")
                    .resource_account(FOREIGN_ACCOUNT)
                    .through(&endpoint);
                let d = s.iam.evaluate(&request);
                assert!(
                    !d.allowed
                        && d.reason.starts_with(&format!(
                            "implicit deny: no statement of {endpoint} PolicyDocument allows"
                        )),
                    "{}: {who} {action} on {outbound}: {}",
                    s.name,
                    d.reason
                );
            }
        }
    }
}

#[test]
fn log_delivery_writes_each_source_under_its_prefix_only() {
    let templates = shipped();
    let mut rows = 0;
    for s in with_buckets(&templates) {
        let logging = Who::service("logging.s3.amazonaws.com");
        for (source_id, source) in of_type(s.template, "AWS::S3::Bucket") {
            let Some(config) = source["Properties"].get("LoggingConfiguration") else {
                continue;
            };
            let destination = config["DestinationBucketName"]["Ref"]
                .as_str()
                .expect("logs into a bucket of the template");
            let logs = s
                .buckets
                .iter()
                .find(|b| b.id == destination)
                .expect("the log bucket");
            let prefix = config["LogFilePrefix"].as_str().expect("a prefix");
            let source_arn = s.iam.resolve(&json!({"Fn::GetAtt": [source_id, "Arn"]}));
            let deliver = |key: &str, source: &str, account: &str| {
                s.iam.evaluate(
                    &tls(Request::new(
                        logging.clone(),
                        "s3:PutObject",
                        &format!("{}/{key}", logs.arn),
                    ))
                    .context("aws:SourceArn", source)
                    .context("aws:SourceAccount", account),
                )
            };
            let row = format!("{}: access logs of {source_id}", s.name);
            let d = deliver(
                &format!("{prefix}2024-01-01-00-00-00-0A1B"),
                &source_arn,
                ACCOUNT_ID,
            );
            assert!(
                d.allowed
                    && d.reason.starts_with(&format!(
                        "allowed by {} statement ServerAccessLogsFrom",
                        logs.policy
                    )),
                "{row}: {}",
                d.reason
            );
            rows += 1;
            // Another account's bucket of the same name, another prefix.
            assert!(
                !deliver(&format!("{prefix}x"), &source_arn, FOREIGN_ACCOUNT).allowed,
                "{row}"
            );
            assert!(
                !deliver("elsewhere/x", &source_arn, ACCOUNT_ID).allowed,
                "{row}"
            );
        }
    }
    assert!(rows > 0, "no bucket logs anywhere");
}

// ----- definitions no shipped stack has ----------------------------------------------------

/// The shipped `studio-sso-onboarding` definition with `extra` appended and its trail
/// created by the stack.
fn sso_fixture(extra: &str) -> Json {
    let text =
        stacks::definition("studio-sso-onboarding").replace("trail: existing", "trail: create");
    assert!(
        text.contains("trail: create"),
        "the fixture creates its trail"
    );
    stacks::template("perimeter-fixture", &format!("{text}\n{extra}"))
}

fn admin_fixture() -> Json {
    sso_fixture(&format!(
        "perimeter:\n  admin_principals: [\"{PERIMETER_ADMIN}\"]\n"
    ))
}

#[test]
fn perimeter_administrators_delete_versions_and_work_from_outside() {
    let t = admin_fixture();
    let s = stack("perimeter-fixture", &t);
    let admin = Who::external(PERIMETER_ADMIN)
        .identity_policy(allow_all())
        .without_org();
    let research = s
        .buckets
        .iter()
        .find(|b| b.id == "ResearchDataBucket")
        .expect("the research bucket");
    assert!(research.retained);
    let delete = tls(Request::new(
        admin.clone(),
        "s3:DeleteObjectVersion",
        &research.object(),
    ));
    let d = s.iam.expect(&delete, true);
    assert_eq!(
        d.reason,
        format!("allowed by {PERIMETER_ADMIN} identity policy statement #0")
    );
    s.iam.expect(
        &tls(Request::new(admin, "s3:GetObject", &research.object())),
        true,
    );
    // Any other role of the account, however privileged, is still refused.
    let other = Who::external(ACCOUNT_ADMIN)
        .identity_policy(allow_all())
        .without_org();
    assert_denied_by(
        &s.iam.evaluate(&tls(Request::new(
            other,
            "s3:DeleteObjectVersion",
            &research.object(),
        ))),
        "ResearchDataBucketPolicy statement DenyDeletingVersions",
        "another administrator",
    );
}

#[test]
fn an_organization_perimeter_admits_its_accounts_only_where_a_policy_allows() {
    let t = sso_fixture("perimeter:\n  organization_id: o-a1b2c3d4e5\n");
    let s = stack("perimeter-fixture", &t);
    let iam = evaluator(&t).in_organization("o-a1b2c3d4e5");
    let endpoint = s.endpoint.clone().expect("an S3 endpoint");
    let research = s
        .buckets
        .iter()
        .find(|b| b.id == "ResearchDataBucket")
        .expect("the research bucket");
    let member = Who::external(FOREIGN_ROLE)
        .identity_policy(allow_all())
        .in_org("o-a1b2c3d4e5");
    let stranger = Who::external(FOREIGN_ROLE)
        .identity_policy(allow_all())
        .in_org("o-zzzzzzzzzz");
    let get =
        |who: Who| tls(Request::new(who, "s3:GetObject", &research.object())).through(&endpoint);
    // Another account of the organization passes the identity perimeter, but no bucket
    // policy grants it anything.
    let d = iam.expect(&get(member), false);
    assert!(
        d.reason.starts_with("implicit deny: across accounts"),
        "{}",
        d.reason
    );
    assert_denied_by(
        &iam.evaluate(&get(stranger)),
        "ResearchDataBucketPolicy statement DenyOutsideIdentities",
        "a principal of another organization",
    );
}

/// The fixture's trail, as its bucket policy names it.
fn trail_arn(s: &Stack) -> String {
    let (_, trail) = of_type(s.template, "AWS::CloudTrail::Trail")
        .next()
        .expect("the fixture creates a trail");
    let name = s.iam.resolve(&trail["Properties"]["TrailName"]);
    format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT_ID}:trail/{name}")
}

#[test]
fn cloudtrail_delivers_into_its_bucket() {
    let t = admin_fixture();
    let s = stack("perimeter-fixture", &t);
    let trail = trail_arn(&s);
    let bucket = s
        .buckets
        .iter()
        .find(|b| b.id == "CloudtrailLogsBucket")
        .expect("the trail's bucket");
    let cloudtrail = Who::service("cloudtrail.amazonaws.com");
    let acl = tls(Request::new(
        cloudtrail.clone(),
        "s3:GetBucketAcl",
        &bucket.arn,
    ))
    .context("aws:SourceArn", &trail);
    let d = s.iam.expect(&acl, true);
    assert_eq!(
        d.reason,
        "allowed by CloudtrailLogsBucketPolicy statement CloudTrailChecksTheAcl"
    );
    let file = format!(
        "{}/AWSLogs/{ACCOUNT_ID}/CloudTrail/{REGION}/2024/01/01/f.json.gz",
        bucket.arn
    );
    let write = |source: &str, acl: Option<&str>| {
        let mut request = tls(Request::new(cloudtrail.clone(), "s3:PutObject", &file))
            .context("aws:SourceArn", source);
        if let Some(acl) = acl {
            request = request.context("s3:x-amz-acl", acl);
        }
        s.iam.evaluate(&request)
    };
    let d = write(&trail, Some("bucket-owner-full-control"));
    assert_eq!(
        d.reason,
        "allowed by CloudtrailLogsBucketPolicy statement CloudTrailWritesLogFiles"
    );
    assert!(!write(&trail, None).allowed);
    let other = format!("arn:aws:cloudtrail:{REGION}:{FOREIGN_ACCOUNT}:trail/other");
    assert!(!write(&other, Some("bucket-owner-full-control")).allowed);
}

/// Every bucket of the fixture, the trail's included, draws the same perimeter as the
/// shipped buckets: outside the endpoint, credentials are useless; the definition's
/// administrators may delete versions.
#[test]
fn the_trail_bucket_draws_the_definitions_perimeter() {
    let t = admin_fixture();
    let s = stack("perimeter-fixture", &t);
    let bucket = s
        .buckets
        .iter()
        .find(|b| b.id == "CloudtrailLogsBucket")
        .expect("the trail's bucket");
    let reader = Who::external(ACCOUNT_ADMIN)
        .identity_policy(allow_all())
        .without_org();
    assert_denied_by(
        &s.iam
            .evaluate(&tls(Request::new(reader, "s3:GetObject", &bucket.object()))),
        "CloudtrailLogsBucketPolicy statement DenyOutsideNetwork",
        "an account administrator reading trail logs from outside the VPC",
    );
    let admin = Who::external(PERIMETER_ADMIN)
        .identity_policy(allow_all())
        .without_org();
    s.iam.expect(
        &tls(Request::new(
            admin,
            "s3:DeleteObjectVersion",
            &bucket.object(),
        )),
        true,
    );
}

/// Credentials of another account typed into a notebook cannot carry data out through any
/// endpoint of any shipped template: each endpoint's policy admits only this account's
/// principals, so a foreign principal writing to its own log group, bucket or key is
/// refused by the endpoint whatever its own policies allow.
#[test]
fn foreign_credentials_cannot_use_the_stacks_endpoints() {
    let foreign = Who::external(FOREIGN_ROLE)
        .identity_policy(allow_all())
        .without_org();
    let outbound: [(&str, &str, String); 3] = [
        (
            "logs",
            "logs:PutLogEvents",
            format!("arn:aws:logs:{REGION}:{FOREIGN_ACCOUNT}:log-group:exfiltration:log-stream:x"),
        ),
        (
            "s3",
            "s3:PutObject",
            format!("arn:aws:s3:::exfiltration-{FOREIGN_ACCOUNT}/copy.csv"),
        ),
        ("kms", "kms:Encrypt", FOREIGN_KEY.to_string()),
    ];
    let mut rows = 0;
    for (name, template) in shipped() {
        let iam = evaluator(&template);
        for (id, endpoint) in of_type(&template, "AWS::EC2::VPCEndpoint") {
            let service = endpoint["Properties"]["ServiceName"]["Fn::Sub"]
                .as_str()
                .unwrap_or_default();
            for (suffix, action, resource) in &outbound {
                if !service.ends_with(&format!("}}.{suffix}")) {
                    continue;
                }
                let request = tls(Request::new(foreign.clone(), action, resource))
                    .resource_account(FOREIGN_ACCOUNT)
                    .through(id);
                let d = iam.evaluate(&request);
                assert!(
                    !d.allowed
                        && d.reason.starts_with(&format!(
                            "implicit deny: no statement of {id} PolicyDocument allows"
                        )),
                    "{name}: {FOREIGN_ROLE} {action} on {resource} through {id}: {}",
                    d.reason
                );
                rows += 1;
            }
        }
    }
    // Every template with a network has logs and s3 endpoints; an empty out/ or a service
    // name read wrongly must not pass.
    assert!(rows >= 12, "only {rows} rows");
}
