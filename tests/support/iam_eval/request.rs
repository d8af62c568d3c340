//! A request as AWS evaluates it: who makes it (a principal of the template, an IAM
//! principal outside it, or an AWS service principal), the action, the resource, the
//! context the test gives, and the route (directly, or through a VPC endpoint); and
//! [`Evaluator::evaluate`], which weighs the identity-based policies, the template's
//! bucket or key policy and the endpoint's policy together (see the parent module's
//! documentation for the rules and their sources).

use std::fmt;

use serde_json::Value as Json;

use super::{
    ACCOUNT_ID, Context, Decision, Effect, Evaluator, Grant, Kind, Org, PolicyKind, Principals,
    REGION, Statement, account_principal, applies, iam_principal_account, prop, type_of,
};

/// Condition keys AWS sets from the request's principal, resource or route; a test that
/// gives one panics (it would contradict the request).
const DERIVED_KEYS: &[&str] = &[
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName",
    "aws:ViaAWSService",
    "aws:username",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "kms:CallerAccount",
    "aws:SourceVpc",
    "aws:VpceAccount",
    "aws:VpceOrgID",
];

/// Keys AWS includes in every request context (IAM User Guide, "AWS global condition
/// context keys", the Availability of each): a test that does not give one leaves it
/// unknown, and a policy reading it panics instead of seeing it absent.
const ALWAYS_PRESENT_KEYS: &[&str] = &[
    "aws:SecureTransport",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:RequestedRegion",
    "aws:userid",
];

/// Resource-based policy types the evaluator does not read, by the service whose
/// requests they govern: a request to that service in a template holding one panics.
const UNREAD_RESOURCE_POLICIES: &[(&str, &str)] = &[
    ("sqs", "AWS::SQS::QueuePolicy"),
    ("sns", "AWS::SNS::TopicPolicy"),
    ("lambda", "AWS::Lambda::Permission"),
    ("secretsmanager", "AWS::SecretsManager::ResourcePolicy"),
    ("logs", "AWS::Logs::ResourcePolicy"),
    ("events", "AWS::Events::EventBusPolicy"),
    ("s3", "AWS::S3::AccessPointPolicy"),
];

/// Who makes a request.
#[derive(Debug, Clone)]
pub struct Who(WhoKind);

#[derive(Debug, Clone)]
enum WhoKind {
    Template(String),
    External {
        arn: String,
        identity: Option<Json>,
        org: Org,
    },
    Service(String),
}

impl Who {
    /// A role or user of the template, by logical ID; its policies are the template's.
    pub fn template(logical_id: &str) -> Who {
        Who(WhoKind::Template(logical_id.to_string()))
    }

    /// An IAM role or user outside the template, by ARN (this account's or another
    /// account's). Its identity-based policies are unknown unless given with
    /// [`Who::identity_policy`]: a decision that depends on them panics.
    pub fn external(arn: &str) -> Who {
        assert!(
            iam_principal_account(arn).is_some(),
            "iam_eval: `{arn}` is not an IAM role or user ARN (arn:aws:iam::<account>:role/... \
             or user/...)"
        );
        Who(WhoKind::External {
            arn: arn.to_string(),
            identity: None,
            org: Org::Unknown,
        })
    }

    /// An AWS service principal (`logging.s3.amazonaws.com`) acting with its own
    /// credentials: it has no identity-based policy, so a resource policy must allow it.
    pub fn service(name: &str) -> Who {
        assert!(
            name.ends_with(".amazonaws.com") && !name.contains(['*', '?']),
            "iam_eval: `{name}` is not a service principal (`name.amazonaws.com`)"
        );
        Who(WhoKind::Service(name.to_string()))
    }

    /// The identity-based policy (one policy document) of an external principal.
    pub fn identity_policy(self, document: Json) -> Who {
        match self.0 {
            WhoKind::External { arn, org, .. } => Who(WhoKind::External {
                arn,
                identity: Some(document),
                org,
            }),
            other => panic!(
                "iam_eval: only an external principal takes an identity policy, not {other:?}"
            ),
        }
    }

    /// The external principal's account belongs to organization `org_id`.
    pub fn in_org(self, org_id: &str) -> Who {
        self.with_org(Org::Id(org_id.to_string()))
    }

    /// The external principal's account belongs to no organization.
    pub fn without_org(self) -> Who {
        self.with_org(Org::None)
    }

    fn with_org(self, org: Org) -> Who {
        match self.0 {
            WhoKind::External { arn, identity, .. } => {
                Who(WhoKind::External { arn, identity, org })
            }
            other => panic!(
                "iam_eval: only an external principal takes an organization (the template's \
                 principals take Evaluator::in_organization), not {other:?}"
            ),
        }
    }
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            WhoKind::Template(id) => write!(f, "{id}"),
            WhoKind::External { arn, .. } => write!(f, "{arn}"),
            WhoKind::Service(name) => write!(f, "service {name}"),
        }
    }
}

/// One request, built step by step:
///
/// ```ignore
/// let get = Request::new(Who::template("NotebookRole"), "s3:GetObject", &object)
///     .context("aws:SecureTransport", "true")
///     .through("S3GatewayEndpoint");
/// let d = iam.evaluate(&get);
/// ```
#[derive(Debug, Clone)]
pub struct Request {
    who: Who,
    action: String,
    resource: String,
    context: Vec<(String, String)>,
    endpoint: Option<String>,
    via_aws_service: bool,
    resource_account: Option<String>,
    resource_org: Org,
}

impl Request {
    /// `who` asks for `action` (a concrete `service:Action`) on `resource` (an ARN, or
    /// `*` for actions without resource-level permissions). No context keys, directly
    /// (not through a VPC endpoint), not through an AWS service.
    pub fn new(who: Who, action: &str, resource: &str) -> Request {
        Request {
            who,
            action: action.to_string(),
            resource: resource.to_string(),
            context: Vec::new(),
            endpoint: None,
            via_aws_service: false,
            resource_account: None,
            resource_org: Org::Unknown,
        }
    }

    /// Adds a request context key (given twice: multi-valued). Keys AWS derives from the
    /// principal, the resource or the route (`aws:PrincipalArn`, `aws:ResourceAccount`,
    /// `kms:CallerAccount`...) are refused: the request already says them.
    pub fn context(mut self, key: &str, value: &str) -> Request {
        assert!(
            !DERIVED_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)),
            "iam_eval: `{key}` is derived from the request's principal, resource or route; do \
             not give it (see Who, Request::through, Request::via_aws_service, \
             Request::resource_account)"
        );
        self.context.push((key.to_string(), value.to_string()));
        self
    }

    /// The request goes through the template's VPC endpoint `logical_id`: it carries
    /// `aws:SourceVpce` = the endpoint's ID, and the endpoint's policy must allow it.
    pub fn through(mut self, logical_id: &str) -> Request {
        self.endpoint = Some(logical_id.to_string());
        self
    }

    /// An AWS service (SageMaker, CloudFormation) makes the request with the principal's
    /// credentials: `aws:ViaAWSService` is true.
    pub fn via_aws_service(mut self) -> Request {
        self.via_aws_service = true;
        self
    }

    /// The account that owns a resource outside the template whose ARN does not say it
    /// (an S3 bucket).
    pub fn resource_account(mut self, account: &str) -> Request {
        self.resource_account = Some(account.to_string());
        self
    }

    /// The organization of the account owning a resource outside the template.
    pub fn resource_org(mut self, org_id: &str) -> Request {
        self.resource_org = Org::Id(org_id.to_string());
        self
    }

    /// The account owning a resource outside the template is in no organization.
    pub fn resource_without_org(mut self) -> Request {
        self.resource_org = Org::None;
        self
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} on {}", self.who, self.action, self.resource)?;
        if let Some(endpoint) = &self.endpoint {
            write!(f, " through {endpoint}")?;
        }
        if self.via_aws_service {
            write!(f, " via an AWS service")?;
        }
        if !self.context.is_empty() {
            write!(f, " with {:?}", self.context)?;
        }
        Ok(())
    }
}

/// The requester, resolved against the template.
struct Requester<'j> {
    /// IAM principals: their ARN and account; `None` for a service principal.
    iam: Option<(String, String)>,
    service: Option<String>,
    org: Org,
    /// An IAM user's name (`aws:username`).
    user_name: Option<String>,
    identity: Identity<'j>,
}

enum Identity<'j> {
    /// A principal of the template: its attached policies.
    Template(String),
    /// An external principal with the policy the test gave.
    Document(&'j Json),
    /// An external principal whose policies the test did not give.
    Unknown,
    /// A service principal: no identity-based policy.
    None,
}

/// The policy that governs the resource.
enum ResourcePolicy<'j> {
    /// A bucket without a policy, or a service without resource-based policies.
    Nothing,
    /// A resource outside the template: its policy is unknown.
    Unknown(String),
    Known {
        label: String,
        document: &'j Json,
    },
}

/// How the request reaches the service.
enum Route<'j> {
    Direct,
    /// Through an endpoint of the template; `None`: no policy, AWS's default full access.
    Endpoint {
        /// The endpoint's logical ID.
        logical_id: String,
        /// Where reasons name its policy: `<logical ID> PolicyDocument`.
        label: String,
        /// Its ID, the requests' `aws:SourceVpce`.
        id: String,
        document: Option<&'j Json>,
    },
    /// Through an endpoint that is not the template's: its policy is unknown.
    Foreign(String),
}

/// What [`Evaluator::combine`] weighs besides the three sides.
#[derive(Clone, Copy)]
struct Weighing<'w, 'j> {
    request: &'w Request,
    service: &'w str,
    requester: &'w Requester<'j>,
    resource_account: &'w Option<String>,
    policy: &'w ResourcePolicy<'j>,
    route: &'w Route<'j>,
}

/// What one side (identity, resource, endpoint) says about the request.
enum Says {
    Nothing,
    Unknown(String),
    Known {
        denies: Vec<String>,
        allows: Vec<(String, Grant)>,
    },
}

impl Says {
    fn allow(&self, wanted: impl Fn(Grant) -> bool) -> Tri {
        match self {
            Says::Nothing => Tri::No,
            Says::Unknown(what) => Tri::Unknown(what.clone()),
            Says::Known { allows, .. } => allows
                .iter()
                .find(|(_, grant)| wanted(*grant))
                .map_or(Tri::No, |(place, _)| Tri::Yes(place.clone())),
        }
    }
}

/// Three-valued logic over "some statement allows": `Unknown` when the answer lies in a
/// policy the template does not hold.
#[derive(Debug, Clone)]
enum Tri {
    Yes(String),
    No,
    Unknown(String),
}

impl Tri {
    fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes(a), _) | (_, Tri::Yes(a)) => Tri::Yes(a),
            (Tri::Unknown(a), _) | (_, Tri::Unknown(a)) => Tri::Unknown(a),
            _ => Tri::No,
        }
    }

    fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Unknown(a), _) | (_, Tri::Unknown(a)) => Tri::Unknown(a),
            (Tri::Yes(a), Tri::Yes(b)) => Tri::Yes(format!("{a} with {b}")),
        }
    }

    fn describe(&self) -> String {
        match self {
            Tri::Yes(place) => format!("allowed by {place}"),
            Tri::No => "no statement allows it".to_string(),
            Tri::Unknown(what) => format!("unknown ({what})"),
        }
    }
}

impl<'a> Evaluator<'a> {
    /// The roles and users of the template that exist (under the assumed conditions),
    /// by logical ID: everyone who can make a request with the template's policies.
    pub fn principals(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .resources
            .iter()
            .filter(|(_, r)| matches!(Kind::of(type_of(r)), Some(Kind::Role | Kind::User)))
            .filter(|(id, r)| self.present(id, r))
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Decides `request` as AWS does (see the module documentation): an explicit Deny in
    /// the identity-based policies, the resource's policy or the endpoint's policy
    /// denies; a request through an endpoint needs an Allow of the endpoint's policy;
    /// then, within the account, an Allow of the identity-based policies or of the
    /// resource policy suffices, except that a KMS key's policy must allow (itself, or by
    /// letting the account's IAM policies allow); across accounts, both must allow; a
    /// service principal needs the resource policy. The reason names every deciding
    /// statement. Panics when the answer depends on a policy the template does not hold.
    pub fn evaluate(&self, request: &Request) -> Decision {
        let (service, name) = request.action.split_once(':').unwrap_or(("", ""));
        assert!(
            !service.is_empty() && !name.is_empty() && !request.action.contains(['*', '?']),
            "iam_eval: the requested action must be a concrete `service:Action`, got `{}`",
            request.action
        );
        let service = service.to_ascii_lowercase();
        assert!(
            !(service == "sts" && name.to_ascii_lowercase().starts_with("assumerole")),
            "iam_eval: {request}: role trust policies are not evaluated"
        );
        let requester = self.requester(&request.who);
        let route = self.route(request, &service, &requester);
        let (policy, mut resource_account, template_resource) =
            self.resource_policy(request, &service);
        if request.resource == "*" && resource_account.is_none() {
            // An action without resource-level permissions acts in the caller's account.
            resource_account = requester.iam.as_ref().map(|(_, account)| account.clone());
        }
        let context = self.request_context(
            request,
            &service,
            &requester,
            &route,
            &resource_account,
            template_resource,
        );
        let (identity, managed) = self.identity_says(request, &requester, &context);
        let resource = self.resource_says(request, &requester, &policy, &context);
        let endpoint = self.endpoint_says(request, &requester, &route, &context);
        let weighing = Weighing {
            request,
            service: &service,
            requester: &requester,
            resource_account: &resource_account,
            policy: &policy,
            route: &route,
        };
        let mut decision = self.combine(weighing, [&identity, &resource, &endpoint]);
        if !managed.is_empty() {
            decision.reason.push_str(&format!(
                " (not evaluated: AWS-managed {})",
                managed.join(", ")
            ));
        }
        decision
    }

    /// [`Evaluator::evaluate`], panicking with the request and the reason unless the
    /// answer is `allowed`.
    pub fn expect(&self, request: &Request, allowed: bool) -> Decision {
        let decision = self.evaluate(request);
        assert_eq!(
            decision.allowed,
            allowed,
            "expected {request} to be {}, but: {}",
            if allowed { "allowed" } else { "denied" },
            decision.reason
        );
        decision
    }

    fn requester<'w>(&self, who: &'w Who) -> Requester<'w> {
        match &who.0 {
            WhoKind::Template(id) => {
                let (resource, kind) = self.principal(id);
                assert!(
                    kind != Kind::Group,
                    "iam_eval: `{id}` is a group, which makes no requests; ask as one of its users"
                );
                self.expect_present(id, resource);
                Requester {
                    iam: Some((self.principal_arn(id, kind), ACCOUNT_ID.to_string())),
                    service: None,
                    org: self.org.clone(),
                    user_name: (kind == Kind::User).then(|| self.principal_name(id, kind)),
                    identity: Identity::Template(id.clone()),
                }
            }
            WhoKind::External { arn, identity, org } => {
                let account = iam_principal_account(arn).expect("checked in Who::external");
                // Every role and user the template defines, whatever its condition.
                let clash = self.resources.iter().find_map(|(id, r)| {
                    let kind = Kind::of(type_of(r)).filter(|k| *k != Kind::Group)?;
                    (self.principal_arn(id, kind) == *arn).then(|| id.clone())
                });
                assert!(
                    clash.is_none(),
                    "iam_eval: {arn} is the template's {}; ask as Who::template",
                    clash.unwrap_or_default()
                );
                let user_name = arn
                    .split_once(":user/")
                    .map(|(_, path)| path.rsplit('/').next().unwrap_or(path).to_string());
                Requester {
                    iam: Some((arn.clone(), account.to_string())),
                    service: None,
                    org: org.clone(),
                    user_name,
                    identity: match identity {
                        Some(document) => Identity::Document(document),
                        None => Identity::Unknown,
                    },
                }
            }
            WhoKind::Service(name) => Requester {
                iam: None,
                service: Some(name.clone()),
                org: Org::None,
                user_name: None,
                identity: Identity::None,
            },
        }
    }

    /// The route: [`Request::through`], or an `aws:SourceVpce` the test gave (one of the
    /// template's endpoints, or a foreign one), or directly.
    fn route(&self, request: &Request, service: &str, requester: &Requester) -> Route<'a> {
        let given = request
            .context
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("aws:SourceVpce"))
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>();
        let route = match (&request.endpoint, given.as_slice()) {
            (None, []) => return Route::Direct,
            (Some(id), []) => {
                let resource = self.resources.get(id).unwrap_or_else(|| {
                    panic!("iam_eval: {request}: `{id}` is not a resource of the template")
                });
                assert_eq!(
                    type_of(resource),
                    "AWS::EC2::VPCEndpoint",
                    "iam_eval: {request}: `{id}` is not a VPC endpoint"
                );
                self.expect_present(id, resource);
                self.endpoint_route(id)
            }
            (None, [vpce]) => self
                .endpoint_ids()
                .into_iter()
                .find(|(_, endpoint_id)| endpoint_id == vpce)
                .map_or_else(
                    || Route::Foreign((*vpce).to_string()),
                    |(id, _)| self.endpoint_route(&id),
                ),
            _ => panic!(
                "iam_eval: {request}: give the endpoint once, either with Request::through or \
                 as one aws:SourceVpce"
            ),
        };
        assert!(
            requester.service.is_none(),
            "iam_eval: {request}: a service principal acting with its own credentials does not \
             come through the customer's VPC endpoints"
        );
        if let Route::Endpoint { logical_id, .. } = &route {
            let endpoint_service = self.endpoint_service(logical_id);
            assert_eq!(
                endpoint_service, service,
                "iam_eval: {request}: {logical_id} is an endpoint of `{endpoint_service}`, not \
                 of `{service}`"
            );
        }
        route
    }

    fn endpoint_route(&self, id: &str) -> Route<'a> {
        Route::Endpoint {
            logical_id: id.to_string(),
            label: format!("{id} PolicyDocument"),
            id: self.resolve_ref(id),
            document: prop(&self.resources[id], "PolicyDocument"),
        }
    }

    /// `(logical ID, endpoint ID)` of every endpoint of the template that exists.
    fn endpoint_ids(&self) -> Vec<(String, String)> {
        self.resources
            .iter()
            .filter(|(id, r)| type_of(r) == "AWS::EC2::VPCEndpoint" && self.present(id, r))
            .map(|(id, _)| (id.clone(), self.resolve_ref(id)))
            .collect()
    }

    /// The service prefix an endpoint serves: `s3` for `com.amazonaws.<region>.s3`,
    /// `sagemaker` for `com.amazonaws.<region>.sagemaker.api`.
    fn endpoint_service(&self, id: &str) -> String {
        let name = prop(&self.resources[id], "ServiceName")
            .map(|n| self.resolve(n))
            .unwrap_or_else(|| panic!("iam_eval: endpoint {id} has no ServiceName"));
        name.strip_prefix(&format!("com.amazonaws.{REGION}."))
            .and_then(|rest| rest.split('.').next())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| {
                panic!(
                    "iam_eval: endpoint {id} serves `{name}`, which is not an \
                     AWS service endpoint name the evaluator reads (com.amazonaws.<region>.<service>)"
                )
            })
            .to_string()
    }

    /// The resource's policy, the resource's account (`None`: unknown) and whether the
    /// resource belongs to the template.
    fn resource_policy(
        &self,
        request: &Request,
        service: &str,
    ) -> (ResourcePolicy<'a>, Option<String>, bool) {
        let arn = request.resource.as_str();
        let arn_account = arn
            .split(':')
            .nth(4)
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        if let (Some(given), Some(account)) = (&request.resource_account, &arn_account) {
            assert_eq!(
                given, account,
                "iam_eval: {request}: the resource's ARN says account {account}"
            );
        }
        let account = arn_account.or_else(|| request.resource_account.clone());
        for (id, resource) in self.resources {
            let unread = UNREAD_RESOURCE_POLICIES
                .iter()
                .any(|(s, t)| *s == service && type_of(resource) == *t);
            assert!(
                !unread,
                "iam_eval: {request}: the template holds {id} ({}), a resource-based policy the \
                 evaluator does not read",
                type_of(resource)
            );
        }
        match service {
            "s3" => self.bucket_policy(request, account),
            "kms" => self.key_policy(request, account),
            _ => {
                let own = account.as_deref() == Some(ACCOUNT_ID);
                (ResourcePolicy::Nothing, account, own)
            }
        }
    }

    fn bucket_policy(
        &self,
        request: &Request,
        account: Option<String>,
    ) -> (ResourcePolicy<'a>, Option<String>, bool) {
        if request.resource == "*" {
            return (ResourcePolicy::Nothing, account, false);
        }
        let bucket = request
            .resource
            .strip_prefix("arn:aws:s3:::")
            .map(|rest| rest.split('/').next().unwrap_or(rest))
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| {
                panic!("iam_eval: {request}: an s3 request needs a bucket or object ARN, or `*`")
            });
        let in_template = self.resources.iter().any(|(id, r)| {
            type_of(r) == "AWS::S3::Bucket" && self.present(id, r) && self.bucket_name(id) == bucket
        });
        let policies: Vec<(&String, &Json)> = self
            .resources
            .iter()
            .filter(|(id, r)| {
                type_of(r) == "AWS::S3::BucketPolicy"
                    && self.present(id, r)
                    && self.policy_bucket(id, r) == bucket
            })
            .collect();
        let account = if in_template {
            assert!(
                account.as_deref().is_none_or(|a| a == ACCOUNT_ID),
                "iam_eval: {request}: bucket {bucket} is the template's, in account {ACCOUNT_ID}"
            );
            Some(ACCOUNT_ID.to_string())
        } else {
            account
        };
        let policy = match policies.as_slice() {
            [] if in_template => ResourcePolicy::Nothing,
            [] => ResourcePolicy::Unknown(format!(
                "bucket {bucket} is not in the template: its bucket policy is unknown"
            )),
            [(id, r)] => ResourcePolicy::Known {
                label: (*id).clone(),
                document: super::policy_document(id, r),
            },
            many => panic!(
                "iam_eval: several bucket policies for {bucket}: {:?}",
                many.iter().map(|(id, _)| id).collect::<Vec<_>>()
            ),
        };
        (policy, account, in_template)
    }

    /// The bucket name an `AWS::S3::BucketPolicy` applies to.
    fn policy_bucket(&self, id: &str, policy: &Json) -> String {
        let bucket =
            prop(policy, "Bucket").unwrap_or_else(|| panic!("iam_eval: {id} has no Bucket"));
        match super::single_ref(bucket) {
            Some(target) if self.resources.contains_key(target) => {
                assert_eq!(
                    type_of(&self.resources[target]),
                    "AWS::S3::Bucket",
                    "iam_eval: {id}.Bucket is a Ref to a resource that is not a bucket"
                );
                self.bucket_name(target)
            }
            _ => self.resolve(bucket),
        }
    }

    fn key_policy(
        &self,
        request: &Request,
        account: Option<String>,
    ) -> (ResourcePolicy<'a>, Option<String>, bool) {
        let arn = &request.resource;
        let is_key_arn = arn.starts_with("arn:aws:kms:")
            && arn.split(':').nth(5).is_some_and(|r| r.starts_with("key/"));
        assert!(
            is_key_arn,
            "iam_eval: {request}: a kms request needs a key ARN (arn:aws:kms:<region>:<account>:key/<id>)"
        );
        let key = self.resources.iter().find(|(id, r)| {
            type_of(r) == "AWS::KMS::Key"
                && self.present(id, r)
                && self.resolve(&serde_json::json!({"Fn::GetAtt": [id, "Arn"]})) == *arn
        });
        match key {
            Some((id, r)) => {
                let document = prop(r, "KeyPolicy")
                    .unwrap_or_else(|| panic!("iam_eval: key {id} has no KeyPolicy"));
                let policy = ResourcePolicy::Known {
                    label: format!("{id} KeyPolicy"),
                    document,
                };
                (policy, account, true)
            }
            None => (
                ResourcePolicy::Unknown(format!(
                    "key {arn} is not in the template: its key policy is unknown"
                )),
                account,
                false,
            ),
        }
    }

    fn request_context(
        &self,
        request: &Request,
        service: &str,
        requester: &Requester,
        route: &Route,
        resource_account: &Option<String>,
        template_resource: bool,
    ) -> Context {
        let pairs: Vec<(&str, &str)> = request
            .context
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut context = Context::new(&pairs, self.absent_variables_match_nothing);
        let mut set = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                context
                    .entries
                    .push((key.to_ascii_lowercase(), vec![value]));
            }
        };
        let iam = requester.iam.as_ref();
        set("aws:PrincipalArn", iam.map(|(arn, _)| arn.clone()));
        set("aws:PrincipalAccount", iam.map(|(_, acct)| acct.clone()));
        set(
            "aws:PrincipalIsAWSService",
            Some(requester.service.is_some().to_string()),
        );
        set("aws:PrincipalServiceName", requester.service.clone());
        assert!(
            !(request.via_aws_service && requester.service.is_some()),
            "iam_eval: {request}: a service principal does not act via another AWS service"
        );
        set(
            "aws:ViaAWSService",
            Some(request.via_aws_service.to_string()),
        );
        set("aws:username", requester.user_name.clone());
        if service == "kms" {
            set("kms:CallerAccount", iam.map(|(_, acct)| acct.clone()));
        }
        if let Route::Endpoint { id, .. } = route {
            set("aws:SourceVpce", Some(id.clone()));
        }
        set("aws:ResourceAccount", resource_account.clone());
        let mut unknown: Vec<(String, String)> = Vec::new();
        let mut org_key = |key: &str, org: &Org, hint: &str| match org {
            Org::Id(id) => context
                .entries
                .push((key.to_ascii_lowercase(), vec![id.clone()])),
            Org::None => {}
            Org::Unknown => unknown.push((key.to_ascii_lowercase(), hint.to_string())),
        };
        if iam.is_some() {
            org_key(
                "aws:PrincipalOrgID",
                &requester.org,
                "say whether the principal's account is in an organization \
                 (Evaluator::in_organization / without_organization, Who::in_org / without_org)",
            );
        }
        let resource_org = if template_resource {
            &self.org
        } else {
            &request.resource_org
        };
        org_key(
            "aws:ResourceOrgID",
            resource_org,
            "say whether the resource's account is in an organization \
             (Evaluator::in_organization / without_organization, Request::resource_org / \
             resource_without_org)",
        );
        if resource_account.is_none() {
            unknown.push((
                "aws:resourceaccount".to_string(),
                "the resource's account is unknown; give it with Request::resource_account"
                    .to_string(),
            ));
        }
        if !matches!(route, Route::Direct) {
            for key in ["aws:SourceVpc", "aws:VpceAccount", "aws:VpceOrgID"] {
                unknown.push((
                    key.to_ascii_lowercase(),
                    "the evaluator models an endpoint by its ID (aws:SourceVpce) only".to_string(),
                ));
            }
        }
        for key in ALWAYS_PRESENT_KEYS {
            if pairs.iter().all(|(k, _)| !k.eq_ignore_ascii_case(key)) {
                unknown.push((
                    key.to_ascii_lowercase(),
                    "AWS sets it in every request; give it with Request::context".to_string(),
                ));
            }
        }
        context.unknown = unknown;
        context
    }

    /// The identity-based side, and the AWS-managed policies it could not read.
    fn identity_says(
        &self,
        request: &Request,
        requester: &Requester,
        context: &Context,
    ) -> (Says, Vec<String>) {
        match &requester.identity {
            Identity::None => (Says::Nothing, Vec::new()),
            Identity::Unknown => (
                Says::Unknown(format!(
                    "the identity-based policies of {} are not given (Who::identity_policy)",
                    request.who
                )),
                Vec::new(),
            ),
            Identity::Document(document) => {
                let label = format!("{} identity policy", request.who);
                let statements = self.parse_document(&label, document, PolicyKind::Identity);
                let says = judge(
                    &[(label, statements)],
                    PolicyKind::Identity,
                    request,
                    requester,
                    context,
                );
                (says, Vec::new())
            }
            Identity::Template(id) => {
                let attached = self.evaluable_attached(id);
                let parsed: Vec<(String, Vec<Statement>)> = attached
                    .sources
                    .iter()
                    .map(|s| {
                        let statements =
                            self.parse_document(&s.label, s.document, PolicyKind::Identity);
                        (s.label.clone(), statements)
                    })
                    .collect();
                (
                    judge(&parsed, PolicyKind::Identity, request, requester, context),
                    attached.aws_managed,
                )
            }
        }
    }

    fn resource_says(
        &self,
        request: &Request,
        requester: &Requester,
        policy: &ResourcePolicy,
        context: &Context,
    ) -> Says {
        match policy {
            ResourcePolicy::Nothing => Says::Nothing,
            ResourcePolicy::Unknown(what) => Says::Unknown(what.clone()),
            ResourcePolicy::Known { label, document } => {
                let statements = self.parse_document(label, document, PolicyKind::Resource);
                judge(
                    &[(label.clone(), statements)],
                    PolicyKind::Resource,
                    request,
                    requester,
                    context,
                )
            }
        }
    }

    fn endpoint_says(
        &self,
        request: &Request,
        requester: &Requester,
        route: &Route,
        context: &Context,
    ) -> Says {
        match route {
            Route::Direct => Says::Nothing,
            Route::Foreign(id) => Says::Unknown(format!(
                "the request comes through {id}, which is no endpoint of the template: its \
                 policy is unknown"
            )),
            Route::Endpoint {
                label,
                document: None,
                ..
            } => Says::Known {
                denies: Vec::new(),
                allows: vec![(
                    format!("{label} (none: AWS's default policy allows full access)"),
                    Grant::Direct,
                )],
            },
            Route::Endpoint {
                label,
                document: Some(document),
                ..
            } => {
                let statements = self.parse_document(label, document, PolicyKind::Endpoint);
                judge(
                    &[(label.clone(), statements)],
                    PolicyKind::Endpoint,
                    request,
                    requester,
                    context,
                )
            }
        }
    }

    /// The decision from the three sides: `[identity, resource, endpoint]`.
    fn combine(&self, weighing: Weighing, sides: [&Says; 3]) -> Decision {
        let Weighing {
            request,
            service,
            requester,
            resource_account,
            policy,
            route,
        } = weighing;
        let [identity, resource, endpoint] = sides;
        let denies: Vec<&String> = sides
            .iter()
            .flat_map(|side| match side {
                Says::Known { denies, .. } => denies.iter().collect(),
                _ => Vec::new(),
            })
            .collect();
        if let Some((first, rest)) = denies.split_first() {
            let mut reason = format!("denied by {first}");
            for other in rest {
                reason.push_str(&format!("; also denied by {other}"));
            }
            return denied(reason);
        }
        if let (Says::Known { allows, .. }, Route::Endpoint { label, .. }) = (endpoint, route)
            && allows.is_empty()
        {
            return denied(format!(
                "implicit deny: no statement of {label} allows {} {} on {}",
                request.who, request.action, request.resource
            ));
        }
        let resource_label = match policy {
            ResourcePolicy::Known { label, .. } => label.clone(),
            _ => "the resource policy".to_string(),
        };
        let direct = resource.allow(|g| g == Grant::Direct);
        let any_grant = resource.allow(|_| true);
        let identity_allows = identity.allow(|_| true);
        let (rule, grant) = match &requester.iam {
            None => (
                "a service principal needs the resource policy to allow it",
                direct.clone(),
            ),
            Some((_, account)) => {
                let same = match resource_account {
                    Some(r) => r == account,
                    None => panic!(
                        "iam_eval: {request}: the resource's account decides the evaluation \
                         logic; give it with Request::resource_account"
                    ),
                };
                match (service, same) {
                    ("kms", true) => (
                        "the key policy must allow, by itself or by letting IAM policies allow",
                        direct.clone().or(resource
                            .allow(|g| g == Grant::Account)
                            .and(identity_allows.clone())),
                    ),
                    (_, true) => (
                        "within the account, an identity-based or the resource policy must allow",
                        direct.clone().or(identity_allows.clone()),
                    ),
                    (_, false) => (
                        "across accounts, both the identity-based and the resource policy must allow",
                        any_grant.clone().and(identity_allows.clone()),
                    ),
                }
            }
        };
        let unknown_sides: Vec<String> = sides
            .iter()
            .filter_map(|side| match side {
                Says::Unknown(what) => Some(what.clone()),
                _ => None,
            })
            .collect();
        match grant {
            Tri::No => denied(format!(
                "implicit deny: {rule}; identity-based: {}; {resource_label}: {}",
                identity_allows.describe(),
                any_grant.describe()
            )),
            Tri::Unknown(what) => panic!(
                "iam_eval: {request}: the decision depends on what the template does not hold: \
                 {what}"
            ),
            Tri::Yes(place) => {
                assert!(
                    unknown_sides.is_empty(),
                    "iam_eval: {request}: allowed by {place}, but a policy the template does \
                     not hold could still deny it: {unknown_sides:?}"
                );
                let mut reason = format!("allowed by {place}");
                if let Says::Known { allows, .. } = endpoint
                    && let Some((through, _)) = allows.first()
                {
                    reason.push_str(&format!(" (endpoint: allowed by {through})"));
                }
                Decision {
                    allowed: true,
                    reason,
                }
            }
        }
    }
}

fn denied(reason: String) -> Decision {
    Decision {
        allowed: false,
        reason,
    }
}

/// The Deny and Allow statements of `documents` that apply to the request, each with its
/// place; for a resource-based statement, only if its `Principal` names the requester.
fn judge(
    documents: &[(String, Vec<Statement>)],
    kind: PolicyKind,
    request: &Request,
    requester: &Requester,
    context: &Context,
) -> Says {
    let mut denies = Vec::new();
    let mut allows = Vec::new();
    for (label, statements) in documents {
        for statement in statements {
            let place = format!("{label} statement {}", statement.id);
            let grant = match &statement.principal {
                None => Grant::Direct,
                Some(principals) => match principal_grant(principals, requester, kind) {
                    Some(grant) => grant,
                    None => continue,
                },
            };
            if !applies(
                statement,
                &request.action,
                &request.resource,
                context,
                &place,
            ) {
                continue;
            }
            match statement.effect {
                Effect::Deny => denies.push(place),
                Effect::Allow => allows.push((place, grant)),
            }
        }
    }
    Says::Known { denies, allows }
}

/// Whether a statement's `Principal` names the requester, and how.
fn principal_grant(
    principals: &Principals,
    requester: &Requester,
    kind: PolicyKind,
) -> Option<Grant> {
    if principals.everyone {
        return Some(Grant::Direct);
    }
    if let Some(service) = &requester.service {
        return principals
            .services
            .iter()
            .any(|s| s == service)
            .then_some(Grant::Direct);
    }
    let (arn, account) = requester.iam.as_ref().expect("an IAM principal");
    if principals.aws.iter().any(|entry| entry == arn) {
        return Some(Grant::Direct);
    }
    let names_account = principals
        .aws
        .iter()
        .any(|entry| account_principal(entry) == Some(account.as_str()));
    // In an endpoint policy an account principal is the account's root user only.
    (names_account && kind != PolicyKind::Endpoint).then_some(Grant::Account)
}
