//! A small, strict evaluator of the IAM policies of a synthesized template, for
//! access-matrix tests: "(principal, action, resource, context) -> allowed / denied".
//! Only std and serde_json: nothing from the sagesynth library.
//!
//! **Identity-based policies** ([`Evaluator::decide`]): the policies the template attaches
//! to a role, user or group (inline `Policies`, `AWS::IAM::ManagedPolicy` /
//! `AWS::IAM::Policy` attached through `Roles` / `Users` / `Groups` or through
//! `ManagedPolicyArns`, `AWS::IAM::RolePolicy` / `UserPolicy` / `GroupPolicy`, and for a
//! user the policies of its groups), statement by statement: an explicit Deny wins, then
//! an Allow, else the implicit deny. No SCPs, session policies nor permissions
//! boundaries (a principal with a `PermissionsBoundary` is refused).
//!
//! **A whole request** ([`Evaluator::evaluate`] of a [`Request`]): the identity-based
//! policies of the requester, the template's resource-based policy of the resource (the
//! `AWS::S3::BucketPolicy` whose `Bucket` is the ARN's bucket; the `KeyPolicy` of the
//! `AWS::KMS::Key` a `kms:` request names) and, for a request through a VPC endpoint, the
//! endpoint's `PolicyDocument` (none: AWS's default policy, full access). The logic is
//! AWS's (IAM User Guide, "Policy evaluation logic",
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>,
//! with "Policy evaluation for requests within a single account" and "Cross-account policy
//! evaluation logic"):
//! - an explicit Deny in any of the policies denies;
//! - an endpoint policy is a gate: without an Allow of it the request is denied (Amazon
//!   VPC, "Control access to VPC endpoints using endpoint policies": it does not replace
//!   identity or resource policies; the default policy allows everything; in a gateway
//!   endpoint's policy an account principal means that account's root user only);
//! - within the account, an Allow of either the identity-based policies or the resource
//!   policy allows; across accounts, both must allow; an AWS service principal has no
//!   identity-based policy, so the resource policy must name it;
//! - a KMS key policy must allow (AWS KMS, "Key policies in AWS KMS": without its
//!   permission IAM policies have no effect): by naming the requester, or by naming the
//!   account, which lets the account's IAM policies allow;
//! - in a resource policy, a statement naming an account (its ID or `root` ARN) delegates
//!   to that account's IAM policies; `"*"` and `{"AWS": "*"}` name every principal (IAM
//!   User Guide, "AWS JSON policy elements: Principal"), AWS service principals included,
//!   which is the cautious reading for the Denies of a data perimeter; `NotPrincipal` is
//!   refused.
//!
//! Condition keys AWS derives from the request are derived, never typed by a test:
//! `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalIsAWSService`,
//! `aws:PrincipalServiceName`, `aws:username` from [`Who`]; `aws:PrincipalOrgID` and
//! `aws:ResourceOrgID` from what the test says of organizations
//! ([`Evaluator::in_organization`], [`Who::in_org`], [`Request::resource_org`]);
//! `aws:ResourceAccount` from the resource; `aws:SourceVpce` from
//! [`Request::through`]; `aws:ViaAWSService` from [`Request::via_aws_service`];
//! `kms:CallerAccount` from the requester. Keys AWS always sets (`aws:SecureTransport`)
//! must be given; the rest (encryption headers, `kms:ViaService`...) are given or absent.
//!
//! It is strict on purpose: anything it does not understand (an intrinsic or attribute it
//! has no physical value for, a condition operator outside its list, a policy variable the
//! request context lacks, an attached policy it cannot read, a condition key whose value
//! the request cannot have, a decision that depends on a policy outside the template)
//! panics with a message naming it, instead of answering allow or deny. Extend it
//! deliberately when a test needs more.
//! A test that means a policy variable to be absent (a role has no `aws:username`) says so
//! with [`Evaluator::with_absent_policy_variables`].
//!
//! Intrinsics resolve against a fixed environment (see the constants): partition `aws`,
//! region `eu-west-1`, account `111122223333`, stack `test-stack`. Physical names follow
//! the rules in [`Evaluator::resolve`]; [`Evaluator::with_ref`] and
//! [`Evaluator::with_attribute`] supply values for anything else, explicitly, per test.
//!
//! ```ignore
//! let template: Json = serde_json::from_str(&text).unwrap();
//! let iam = Evaluator::new(&template);
//! let raw = iam.resolve(&json!({"Fn::GetAtt": ["RawDataBucket", "Arn"]}));
//! let d = iam.decide("AnalystRole", "s3:GetObject", &format!("{raw}/incoming/a.csv"), &[]);
//! assert!(d.allowed, "{}", d.reason);
//! iam.assert_denied("EngineerBob", "s3:DeleteObject", &format!("{raw}/x"),
//!     &[("aws:username", "eng-bob"), ("aws:MultiFactorAuthPresent", "true")]);
//! let iam = iam.with_vpc_endpoint_ids().without_organization();
//! let get = Request::new(Who::template("AnalystRole"), "s3:GetObject", &format!("{raw}/a"))
//!     .context("aws:SecureTransport", "true")
//!     .through("S3GatewayEndpoint");
//! assert!(iam.evaluate(&get).allowed);
//! ```

mod request;

// Each test binary uses only some of the helpers.
#[allow(unused_imports)]
pub use request::{Request, Who};

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json};

pub mod trust;

/// `AWS::Partition` of the evaluation environment.
pub const PARTITION: &str = "aws";
/// `AWS::Region` of the evaluation environment.
pub const REGION: &str = "eu-west-1";
/// `AWS::AccountId` of the evaluation environment.
pub const ACCOUNT_ID: &str = "111122223333";
/// `AWS::StackName` of the evaluation environment.
pub const STACK_NAME: &str = "test-stack";
/// `AWS::URLSuffix` of the evaluation environment.
pub const URL_SUFFIX: &str = "amazonaws.com";

/// The only policy language version the evaluator reads (policy variables need it).
const POLICY_VERSION: &str = "2012-10-17";

/// The outcome of [`Evaluator::decide`]. `reason` names the deciding policy and statement,
/// e.g. `denied by MfaGuard statement DenyAllExceptListedIfNoMfa`,
/// `allowed by AnalystRole inline policy Results statement #1`, or
/// `implicit deny: no statement allows s3:DeleteObject on arn:aws:s3:::x/y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: String,
}

/// Evaluates the identity-based policies of one template. Cheap to build; every call
/// reads the template again, so panics always point at the policy involved.
pub struct Evaluator<'a> {
    resources: &'a Map<String, Json>,
    parameters: Option<&'a Map<String, Json>>,
    template_conditions: Option<&'a Map<String, Json>>,
    refs: BTreeMap<String, String>,
    attributes: BTreeMap<(String, String), String>,
    accepted_aws_managed: BTreeSet<String>,
    /// Template conditions the test has decided ([`Evaluator::assume_condition`]).
    assumed: BTreeMap<String, bool>,
    /// The organization of this account, as far as the test has said.
    org: Org,
    absent_variables_match_nothing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Role,
    User,
    Group,
}

impl Kind {
    fn of(type_name: &str) -> Option<Kind> {
        match type_name {
            "AWS::IAM::Role" => Some(Kind::Role),
            "AWS::IAM::User" => Some(Kind::User),
            "AWS::IAM::Group" => Some(Kind::Group),
            _ => None,
        }
    }
    /// The attachment list of `AWS::IAM::ManagedPolicy` and `AWS::IAM::Policy`.
    fn list_field(self) -> &'static str {
        match self {
            Kind::Role => "Roles",
            Kind::User => "Users",
            Kind::Group => "Groups",
        }
    }
    fn name_field(self) -> &'static str {
        match self {
            Kind::Role => "RoleName",
            Kind::User => "UserName",
            Kind::Group => "GroupName",
        }
    }
    /// `AWS::IAM::RolePolicy` and friends: one inline policy of one principal.
    fn single_policy_type(self) -> &'static str {
        match self {
            Kind::Role => "AWS::IAM::RolePolicy",
            Kind::User => "AWS::IAM::UserPolicy",
            Kind::Group => "AWS::IAM::GroupPolicy",
        }
    }
    fn arn_word(self) -> &'static str {
        match self {
            Kind::Role => "role",
            Kind::User => "user",
            Kind::Group => "group",
        }
    }
}

/// One policy document that applies to the principal, with the label used in reasons.
struct Source<'a> {
    label: String,
    document: &'a Json,
}

#[derive(Default)]
struct Attached<'a> {
    sources: Vec<Source<'a>>,
    aws_managed: Vec<String>,
}

impl<'a> Attached<'a> {
    fn add(&mut self, label: String, document: &'a Json) {
        if !self.sources.iter().any(|s| s.label == label) {
            self.sources.push(Source { label, document });
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// A statement with every intrinsic resolved; policy variables stay as written until a
/// request supplies them.
struct Statement {
    id: String,
    effect: Effect,
    /// `Principal` of a resource-based statement; `None` in an identity-based policy.
    principal: Option<Principals>,
    not_action: bool,
    actions: Vec<String>,
    not_resource: bool,
    resources: Vec<String>,
    conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    StringEquals,
    StringLike,
    Arn,
    Bool,
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    ForAnyValue,
    ForAllValues,
}

struct Condition {
    operator: String,
    base: Base,
    negated: bool,
    if_exists: bool,
    set: Option<SetOp>,
    key: String,
    values: Vec<String>,
}

/// Which kind of policy a document is: it decides whether statements have a `Principal`
/// and what an account principal means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PolicyKind {
    /// Attached to a role, user or group: no `Principal`.
    Identity,
    /// A bucket or key policy: an account principal delegates to the account's IAM
    /// policies.
    Resource,
    /// A VPC endpoint policy: an account principal means the account's root user only
    /// (Amazon VPC, "Control access to VPC endpoints using endpoint policies").
    Endpoint,
}

/// The `Principal` of a resource-based statement, resolved.
#[derive(Debug, Default)]
struct Principals {
    /// `"*"` or `{"AWS": "*"}`: every principal, AWS service principals included.
    everyone: bool,
    /// Account IDs, account root ARNs, role and user ARNs.
    aws: Vec<String>,
    /// Service principals (`logging.s3.amazonaws.com`).
    services: Vec<String>,
}

/// What a matching `Allow` of a resource-based policy gives the requester.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// The statement names the requester (its ARN, its service, or everyone): the
    /// resource policy allows on its own (within the account).
    Direct,
    /// The statement names the requester's account: the account's IAM policies decide.
    Account,
}

/// What the test has said about an organization: `Unknown` makes a policy that reads
/// the organization key panic instead of guessing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Org {
    Unknown,
    None,
    Id(String),
}

/// The account an `AWS` principal entry stands for when it names a whole account (an
/// account ID or its `root` ARN).
fn account_principal(entry: &str) -> Option<&str> {
    if is_account_id(entry) {
        return Some(entry);
    }
    entry
        .strip_prefix(&format!("arn:{PARTITION}:iam::"))
        .and_then(|rest| rest.strip_suffix(":root"))
        .filter(|account| is_account_id(account))
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The account of an IAM role or user ARN (`arn:aws:iam::<account>:role/...`), or
/// `None` for anything else.
fn iam_principal_account(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix(&format!("arn:{PARTITION}:iam::"))?;
    let (account, name) = rest.split_once(':')?;
    let valid = is_account_id(account)
        && (name.starts_with("role/") || name.starts_with("user/"))
        && !name.contains(['*', '?']);
    valid.then_some(account)
}

fn check_aws_principal(entry: &str, place: &str) {
    assert!(
        account_principal(entry).is_some() || iam_principal_account(entry).is_some(),
        "iam_eval: {place}: AWS principal `{entry}` is neither \"*\", an account ID, an \
         account root ARN nor a role or user ARN (wildcards are not allowed in principals)"
    );
}

/// Request context: condition key (compared case-insensitively) -> its values. A key given
/// several times is multi-valued. `unknown` keys are ones AWS would set but whose value the
/// evaluator cannot know for this request: a policy reading one panics with the hint.
struct Context {
    entries: Vec<(String, Vec<String>)>,
    unknown: Vec<(String, String)>,
    absent_variables_match_nothing: bool,
}

impl Context {
    fn new(pairs: &[(&str, &str)], absent_variables_match_nothing: bool) -> Context {
        let mut entries: Vec<(String, Vec<String>)> = Vec::new();
        for (key, value) in pairs {
            let lower = key.to_ascii_lowercase();
            match entries.iter_mut().find(|(k, _)| *k == lower) {
                Some((_, values)) => values.push((*value).to_string()),
                None => entries.push((lower, vec![(*value).to_string()])),
            }
        }
        Context {
            entries,
            unknown: Vec::new(),
            absent_variables_match_nothing,
        }
    }

    /// The values of `key`, `None` when the request does not carry it. Panics, naming
    /// `place`, when the key is one whose value the evaluator cannot know.
    fn get(&self, key: &str, place: &str) -> Option<&[String]> {
        let lower = key.to_ascii_lowercase();
        if let Some((_, hint)) = self.unknown.iter().find(|(k, _)| *k == lower) {
            panic!("iam_eval: {place} reads `{key}`, whose value this request cannot have: {hint}");
        }
        self.entries
            .iter()
            .find(|(k, _)| *k == lower)
            .map(|(_, v)| v.as_slice())
    }
}

/// A pattern element: a literal character, `*` (any run), `?` (one character), or
/// nothing that can match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(char),
    Star,
    One,
    /// An absent policy variable (see [`Evaluator::with_absent_policy_variables`]).
    Never,
}

impl<'a> Evaluator<'a> {
    /// Reads `template` (a CloudFormation template as JSON). Panics if it has no
    /// `Resources` object.
    pub fn new(template: &'a Json) -> Evaluator<'a> {
        let resources = template
            .get("Resources")
            .and_then(Json::as_object)
            .unwrap_or_else(|| panic!("iam_eval: the template has no Resources object"));
        Evaluator {
            resources,
            parameters: template.get("Parameters").and_then(Json::as_object),
            template_conditions: template.get("Conditions").and_then(Json::as_object),
            refs: BTreeMap::new(),
            attributes: BTreeMap::new(),
            accepted_aws_managed: BTreeSet::new(),
            assumed: BTreeMap::new(),
            org: Org::Unknown,
            absent_variables_match_nothing: false,
        }
    }

    /// `{"Ref": logical_id}` resolves to `value`, whatever the resource type (for resources
    /// the evaluator has no physical name for, such as a VPC endpoint's ID).
    pub fn with_ref(mut self, logical_id: &str, value: &str) -> Self {
        self.expect_defined(logical_id);
        self.refs.insert(logical_id.to_string(), value.to_string());
        self
    }

    /// `{"Fn::GetAtt": [logical_id, attribute]}` resolves to `value`.
    pub fn with_attribute(mut self, logical_id: &str, attribute: &str, value: &str) -> Self {
        self.expect_defined(logical_id);
        self.attributes.insert(
            (logical_id.to_string(), attribute.to_string()),
            value.to_string(),
        );
        self
    }

    /// Lets [`Evaluator::decide`] go on for principals with this AWS-managed policy
    /// attached. Its statements are NOT evaluated (the template does not contain them);
    /// every reason then says so. Without this, such a principal makes `decide` panic.
    pub fn accept_aws_managed(mut self, arn: &str) -> Self {
        self.accepted_aws_managed.insert(arn.to_string());
        self
    }

    /// Decides the template condition `name`: resources under it exist when `value` is
    /// true and do not when it is false. Without this, a principal, policy or group
    /// membership under a condition panics (the evaluator does not evaluate conditions).
    pub fn assume_condition(mut self, name: &str, value: bool) -> Self {
        let defined = self
            .template_conditions
            .is_some_and(|c| c.contains_key(name));
        assert!(
            defined,
            "iam_eval: `{name}` is not a condition of the template"
        );
        self.assumed.insert(name.to_string(), value);
        self
    }

    /// This account belongs to organization `org_id`: its principals carry
    /// `aws:PrincipalOrgID` and its resources `aws:ResourceOrgID`. Without this (or
    /// [`Evaluator::without_organization`]), [`Evaluator::evaluate`] panics on a policy
    /// that reads either key for them.
    pub fn in_organization(mut self, org_id: &str) -> Self {
        self.org = Org::Id(org_id.to_string());
        self
    }

    /// This account belongs to no organization: its requests and resources carry no
    /// organization keys.
    pub fn without_organization(mut self) -> Self {
        self.org = Org::None;
        self
    }

    /// Every `AWS::EC2::VPCEndpoint` of the template gets the ID `vpce-<logical id
    /// lower-case>` (its `Ref`), unless [`Evaluator::with_ref`] gave it one.
    pub fn with_vpc_endpoint_ids(mut self) -> Self {
        for (id, resource) in self.resources {
            if type_of(resource) == "AWS::EC2::VPCEndpoint" && !self.refs.contains_key(id) {
                self.refs
                    .insert(id.clone(), format!("vpce-{}", id.to_lowercase()));
            }
        }
        self
    }

    /// Whether resource `id` exists: true without a CloudFormation `Condition`, else the
    /// value the test assumed for it; panics on a condition the test has not decided.
    fn present(&self, id: &str, resource: &Json) -> bool {
        let Some(condition) = resource.get("Condition") else {
            return true;
        };
        let name = condition.as_str().unwrap_or_else(|| {
            panic!("iam_eval: `{id}` has a Condition that is not a condition name: {condition}")
        });
        *self.assumed.get(name).unwrap_or_else(|| {
            panic!(
                "iam_eval: `{id}` has a CloudFormation Condition (`{name}`); the evaluator does \
                 not decide template conditions: decide it with Evaluator::assume_condition"
            )
        })
    }

    /// Like [`Evaluator::present`], for a resource the request cannot do without.
    fn expect_present(&self, id: &str, resource: &Json) {
        assert!(
            self.present(id, resource),
            "iam_eval: `{id}` does not exist: its CloudFormation Condition is assumed false"
        );
    }

    /// A policy variable the request context lacks (`${aws:username}` for a role session,
    /// `${sagemaker:UserProfileName}` outside Studio) makes the pattern holding it match
    /// nothing, as IAM documents for variables without a value ("IAM policy elements:
    /// Variables and tags": the value is effectively null, there is no equal or like
    /// value), instead of panicking. So a Resource or a positive condition with it never
    /// applies (a negated operator then holds).
    pub fn with_absent_policy_variables(mut self) -> Self {
        self.absent_variables_match_nothing = true;
        self
    }

    fn expect_defined(&self, logical_id: &str) {
        let defined = self.resources.contains_key(logical_id)
            || self.parameters.is_some_and(|p| p.contains_key(logical_id));
        assert!(
            defined,
            "iam_eval: `{logical_id}` is neither a resource nor a parameter of the template"
        );
    }

    // ----- intrinsics -------------------------------------------------------------------

    /// The concrete string a template value stands for: a literal string (or number or
    /// boolean) as is, or `Ref`, `Fn::GetAtt`, `Fn::Sub` resolved. Physical values:
    /// - pseudo parameters `AWS::Partition`, `AWS::Region`, `AWS::AccountId`,
    ///   `AWS::StackName`, `AWS::URLSuffix`; a template parameter: its `Default`;
    /// - `AWS::S3::Bucket`: Ref = `BucketName`, else `test-stack-<logical id lower-case>`;
    ///   `Arn` = `arn:aws:s3:::<name>`;
    /// - `AWS::SageMaker::NotebookInstance`: Ref = its ARN, ending in
    ///   `notebook-instance/<NotebookInstanceName lower-case>` (else the logical id);
    /// - `AWS::IAM::Role` / `User` / `Group`: Ref = `RoleName` / `UserName` / `GroupName`,
    ///   else `test-stack-<logical id>`; `Arn` = `arn:aws:iam::<account>:role<Path>name`;
    /// - `AWS::IAM::ManagedPolicy`: Ref = `arn:aws:iam::<account>:policy<Path>name`
    ///   (`ManagedPolicyName`, else `test-stack-<logical id>`);
    /// - `AWS::KMS::Key`: Ref = the logical id (as key id); `Arn` = `...:key/<logical id>`;
    /// - `AWS::Logs::LogGroup`: Ref = `LogGroupName`, else `test-stack-<logical id>`;
    ///   `Arn` = `arn:aws:logs:<region>:<account>:log-group:<name>:*`;
    /// - anything given to [`Evaluator::with_ref`] / [`Evaluator::with_attribute`].
    ///
    /// In `Fn::Sub`, `${!Text}` becomes the literal `${Text}`: an IAM policy variable such as
    /// `${aws:username}`, substituted from the request context at evaluation time.
    /// Anything else panics, naming it.
    pub fn resolve(&self, value: &Json) -> String {
        let value = self.chosen(value).unwrap_or_else(|| {
            panic!("iam_eval: {{\"Ref\": \"AWS::NoValue\"}} where a value is needed")
        });
        match value {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            Json::Bool(b) => b.to_string(),
            Json::Object(map) if map.len() == 1 => {
                let (function, argument) = map.iter().next().expect("one entry");
                match function.as_str() {
                    "Ref" => {
                        let target = argument.as_str().unwrap_or_else(|| {
                            panic!("iam_eval: Ref takes a literal name, found {value}")
                        });
                        self.resolve_ref(target)
                    }
                    "Fn::GetAtt" => {
                        let (id, attribute) = match argument {
                            Json::Array(parts) if parts.len() == 2 => (
                                parts[0].as_str(),
                                parts[1].as_str(), // an intrinsic attribute name is refused
                            ),
                            Json::String(dotted) => match dotted.split_once('.') {
                                Some((id, attribute)) => (Some(id), Some(attribute)),
                                None => (None, None),
                            },
                            _ => (None, None),
                        };
                        match (id, attribute) {
                            (Some(id), Some(attribute)) => self.resolve_get_att(id, attribute),
                            _ => panic!(
                                "iam_eval: Fn::GetAtt takes [LogicalId, Attribute] as literal \
                                 strings, found {value}"
                            ),
                        }
                    }
                    "Fn::Sub" => self.resolve_sub(argument, value),
                    // `Fn::Join` of `Fn::Split`: a string without a delimiter (the region
                    // without dashes in the name of CloudFormation's custom-resource
                    // response bucket). Only this form: a Join of a literal list is not
                    // needed by any test.
                    "Fn::Join" => {
                        let split = argument
                            .get(1)
                            .and_then(|l| l.get("Fn::Split"))
                            .and_then(Json::as_array)
                            .filter(|a| a.len() == 2);
                        match (argument.get(0).and_then(Json::as_str), split) {
                            (Some(joiner), Some(parts)) => {
                                let delimiter = parts[0].as_str().unwrap_or_else(|| {
                                    panic!(
                                        "iam_eval: Fn::Split takes a literal delimiter in {value}"
                                    )
                                });
                                self.resolve(&parts[1])
                                    .split(delimiter)
                                    .collect::<Vec<_>>()
                                    .join(joiner)
                            }
                            _ => panic!(
                                "iam_eval: unsupported intrinsic function `Fn::Join` in {value}; \
                                 the evaluator resolves Fn::Join only over Fn::Split"
                            ),
                        }
                    }
                    other => panic!(
                        "iam_eval: unsupported intrinsic function `{other}` in {value}; the \
                         evaluator resolves Ref, Fn::GetAtt and Fn::Sub only (extend \
                         tests/support/iam_eval.rs deliberately if a test needs more)"
                    ),
                }
            }
            other => panic!("iam_eval: expected a string or an intrinsic function, found {other}"),
        }
    }

    /// `value` with its `Fn::If` decided by the assumed template conditions
    /// ([`Evaluator::assume_condition`]); `None` for `{"Ref": "AWS::NoValue"}`, which
    /// leaves the list element or property out.
    fn chosen<'j>(&self, value: &'j Json) -> Option<&'j Json> {
        let Some(map) = value.as_object().filter(|m| m.len() == 1) else {
            return Some(value);
        };
        if map.get("Ref").and_then(Json::as_str) == Some("AWS::NoValue") {
            return None;
        }
        let Some(arguments) = map.get("Fn::If") else {
            return Some(value);
        };
        let (name, when_true, when_false) = match arguments.as_array().map(Vec::as_slice) {
            Some([Json::String(name), yes, no]) => (name, yes, no),
            _ => panic!("iam_eval: Fn::If takes [condition name, value, value], found {value}"),
        };
        let holds = *self.assumed.get(name).unwrap_or_else(|| {
            panic!(
                "iam_eval: {value} depends on the template condition `{name}`; decide it with \
                 Evaluator::assume_condition"
            )
        });
        self.chosen(if holds { when_true } else { when_false })
    }

    fn resolve_ref(&self, target: &str) -> String {
        match target {
            "AWS::Partition" => return PARTITION.to_string(),
            "AWS::Region" => return REGION.to_string(),
            "AWS::AccountId" => return ACCOUNT_ID.to_string(),
            "AWS::StackName" => return STACK_NAME.to_string(),
            "AWS::URLSuffix" => return URL_SUFFIX.to_string(),
            _ => {}
        }
        if let Some(value) = self.refs.get(target) {
            return value.clone();
        }
        if target.starts_with("AWS::") {
            panic!(
                "iam_eval: unsupported pseudo parameter `{target}`; the evaluator knows \
                 AWS::Partition, AWS::Region, AWS::AccountId, AWS::StackName, AWS::URLSuffix"
            );
        }
        if let Some(resource) = self.resources.get(target) {
            let type_name = type_of(resource);
            if let Some(kind) = Kind::of(type_name) {
                return self.principal_name(target, kind);
            }
            return match type_name {
                "AWS::S3::Bucket" => self.bucket_name(target),
                "AWS::SageMaker::NotebookInstance" => {
                    let name = match prop(resource, "NotebookInstanceName") {
                        Some(name) => self.resolve(name),
                        None => target.to_string(),
                    };
                    format!(
                        "arn:{PARTITION}:sagemaker:{REGION}:{ACCOUNT_ID}:notebook-instance/{}",
                        name.to_lowercase()
                    )
                }
                "AWS::IAM::ManagedPolicy" => self.managed_policy_arn(target),
                "AWS::KMS::Key" => target.to_string(),
                "AWS::Logs::LogGroup" => self.named(target, "LogGroupName"),
                // VPC, subnet and security-group IDs are AWS-assigned: a fixed stand-in
                // derived from the logical ID keeps ARNs built from them comparable.
                "AWS::EC2::VPC" => format!("vpc-{}", target.to_lowercase()),
                "AWS::EC2::Subnet" => format!("subnet-{}", target.to_lowercase()),
                "AWS::EC2::SecurityGroup" => format!("sg-{}", target.to_lowercase()),
                other => panic!(
                    "iam_eval: cannot resolve {{\"Ref\": \"{target}\"}}: it is an {other}, for \
                     which the evaluator has no physical value (give one with \
                     Evaluator::with_ref, or extend tests/support/iam_eval.rs)"
                ),
            };
        }
        if let Some(parameter) = self.parameters.and_then(|p| p.get(target)) {
            return match parameter.get("Default") {
                Some(d @ (Json::String(_) | Json::Number(_))) => self.resolve(d),
                _ => panic!(
                    "iam_eval: parameter `{target}` has no literal Default; give its value \
                     with Evaluator::with_ref"
                ),
            };
        }
        panic!("iam_eval: {{\"Ref\": \"{target}\"}} names nothing in the template");
    }

    fn resolve_get_att(&self, id: &str, attribute: &str) -> String {
        if let Some(value) = self
            .attributes
            .get(&(id.to_string(), attribute.to_string()))
        {
            return value.clone();
        }
        let resource = self.resources.get(id).unwrap_or_else(|| {
            panic!(
                "iam_eval: Fn::GetAtt {id}.{attribute}: `{id}` is not a resource of the template"
            )
        });
        let type_name = type_of(resource);
        let unsupported = || -> ! {
            panic!(
                "iam_eval: unsupported attribute Fn::GetAtt {id}.{attribute} ({type_name}); give \
                 its value with Evaluator::with_attribute, or extend tests/support/iam_eval.rs"
            )
        };
        if type_name == "AWS::EC2::SecurityGroup" && attribute == "GroupId" {
            return self.resolve_ref(id);
        }
        // CodeArtifact names are the template's; ARNs are domain/<domain> and
        // repository/<domain>/<repository> (Service Authorization Reference, AWS CodeArtifact
        // resource types).
        match (type_name, attribute) {
            ("AWS::CodeArtifact::Domain", "Name") => return self.named(id, "DomainName"),
            ("AWS::CodeArtifact::Repository", "Name") => return self.named(id, "RepositoryName"),
            ("AWS::CodeArtifact::Domain", "Arn") => {
                return format!(
                    "arn:{PARTITION}:codeartifact:{REGION}:{ACCOUNT_ID}:domain/{}",
                    self.named(id, "DomainName")
                );
            }
            ("AWS::CodeArtifact::Repository", "Arn") => {
                return format!(
                    "arn:{PARTITION}:codeartifact:{REGION}:{ACCOUNT_ID}:repository/{}/{}",
                    self.named(id, "DomainName"),
                    self.named(id, "RepositoryName")
                );
            }
            _ => {}
        }
        if attribute != "Arn" {
            unsupported();
        }
        if let Some(kind) = Kind::of(type_name) {
            return self.principal_arn(id, kind);
        }
        match type_name {
            "AWS::S3::Bucket" => format!("arn:{PARTITION}:s3:::{}", self.bucket_name(id)),
            "AWS::KMS::Key" => format!("arn:{PARTITION}:kms:{REGION}:{ACCOUNT_ID}:key/{id}"),
            "AWS::Logs::LogGroup" => format!(
                "arn:{PARTITION}:logs:{REGION}:{ACCOUNT_ID}:log-group:{}:*",
                self.named(id, "LogGroupName")
            ),
            "AWS::Lambda::Function" => format!(
                "arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{}",
                self.named(id, "FunctionName")
            ),
            _ => unsupported(),
        }
    }

    fn resolve_sub(&self, argument: &Json, whole: &Json) -> String {
        let (text, variables) = match argument {
            Json::String(text) => (text.as_str(), None),
            Json::Array(parts) if parts.len() == 2 => match (&parts[0], &parts[1]) {
                (Json::String(text), Json::Object(vars)) => (text.as_str(), Some(vars)),
                _ => panic!(
                    "iam_eval: Fn::Sub takes \"text\" or [\"text\", {{vars}}], found {whole}"
                ),
            },
            _ => panic!("iam_eval: Fn::Sub takes \"text\" or [\"text\", {{vars}}], found {whole}"),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .unwrap_or_else(|| panic!("iam_eval: unterminated ${{ in Fn::Sub {whole}"));
            let name = &after[..end];
            rest = &after[end + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(value) = variables.and_then(|v| v.get(name)) {
                out.push_str(&self.resolve(value));
            } else if name.starts_with("AWS::") {
                out.push_str(&self.resolve_ref(name));
            } else if let Some((id, attribute)) = name.split_once('.') {
                out.push_str(&self.resolve_get_att(id, attribute));
            } else if self.resources.contains_key(name)
                || self.parameters.is_some_and(|p| p.contains_key(name))
            {
                out.push_str(&self.resolve_ref(name));
            } else {
                panic!(
                    "iam_eval: Fn::Sub {whole}: `${{{name}}}` names nothing in the template (an \
                     IAM policy variable must be written `${{!{name}}}` inside Fn::Sub)"
                );
            }
        }
        out.push_str(rest);
        out
    }

    fn bucket_name(&self, id: &str) -> String {
        match prop(&self.resources[id], "BucketName") {
            Some(name) => self.resolve(name),
            None => format!("{STACK_NAME}-{}", id.to_lowercase()),
        }
    }

    /// The `name_field` property, else `test-stack-<logical id>`.
    fn named(&self, id: &str, name_field: &str) -> String {
        match prop(&self.resources[id], name_field) {
            Some(name) => self.resolve(name),
            None => format!("{STACK_NAME}-{id}"),
        }
    }

    fn path_of(&self, id: &str) -> String {
        match prop(&self.resources[id], "Path") {
            Some(path) => self.resolve(path),
            None => "/".to_string(),
        }
    }

    fn principal_name(&self, id: &str, kind: Kind) -> String {
        self.named(id, kind.name_field())
    }

    fn principal_arn(&self, id: &str, kind: Kind) -> String {
        format!(
            "arn:{PARTITION}:iam::{ACCOUNT_ID}:{}{}{}",
            kind.arn_word(),
            self.path_of(id),
            self.principal_name(id, kind)
        )
    }

    fn managed_policy_arn(&self, id: &str) -> String {
        format!(
            "arn:{PARTITION}:iam::{ACCOUNT_ID}:policy{}{}",
            self.path_of(id),
            self.named(id, "ManagedPolicyName")
        )
    }

    // ----- which policies apply -----------------------------------------------------------

    fn principal(&self, id: &str) -> (&'a Json, Kind) {
        let resource = self.resources.get(id).unwrap_or_else(|| {
            panic!("iam_eval: principal `{id}` is not a resource of the template")
        });
        let kind = Kind::of(type_of(resource)).unwrap_or_else(|| {
            panic!(
                "iam_eval: principal `{id}` is an {}, not an AWS::IAM::Role, User or Group",
                type_of(resource)
            )
        });
        (resource, kind)
    }

    /// True when an entry of an attachment list (`Roles`, `Groups`, `Users`, `RoleName`...)
    /// names the principal `id`: `{"Ref": id}`, or a value resolving to its name.
    fn names_principal(&self, entry: &Json, id: &str, kind: Kind) -> bool {
        if let Some(target) = single_ref(entry)
            && self.resources.contains_key(target)
        {
            return target == id;
        }
        self.resolve(entry) == self.principal_name(id, kind)
    }

    fn attach(&self, id: &str, kind: Kind, out: &mut Attached<'a>) {
        let (resource, _) = self.principal(id);
        self.expect_present(id, resource);
        if prop(resource, "PermissionsBoundary").is_some() {
            panic!(
                "iam_eval: `{id}` has a PermissionsBoundary, which the evaluator does not \
                 evaluate; extend tests/support/iam_eval.rs before testing it"
            );
        }
        if let Some(policies) = prop(resource, "Policies") {
            let policies = policies
                .as_array()
                .unwrap_or_else(|| panic!("iam_eval: {id}.Policies is not a list"));
            for (i, policy) in policies.iter().enumerate() {
                let name = policy
                    .get("PolicyName")
                    .map(|n| self.resolve(n))
                    .unwrap_or_else(|| panic!("iam_eval: {id}.Policies[{i}] has no PolicyName"));
                let document = policy.get("PolicyDocument").unwrap_or_else(|| {
                    panic!("iam_eval: {id}.Policies[{i}] has no PolicyDocument")
                });
                out.add(format!("{id} inline policy {name}"), document);
            }
        }
        if let Some(arns) = prop(resource, "ManagedPolicyArns") {
            let arns = arns
                .as_array()
                .unwrap_or_else(|| panic!("iam_eval: {id}.ManagedPolicyArns is not a list"));
            for entry in arns.iter().filter_map(|e| self.chosen(e)) {
                self.attach_managed_arn(id, entry, out);
            }
        }
        for (policy_id, policy) in self.resources {
            let type_name = type_of(policy);
            let attached = match type_name {
                "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" => {
                    match prop(policy, kind.list_field()) {
                        Some(list) => list
                            .as_array()
                            .unwrap_or_else(|| {
                                panic!("iam_eval: {policy_id}.{} is not a list", kind.list_field())
                            })
                            .iter()
                            .filter_map(|e| self.chosen(e))
                            .any(|entry| self.names_principal(entry, id, kind)),
                        None => false,
                    }
                }
                t if t == kind.single_policy_type() => prop(policy, kind.name_field())
                    .is_some_and(|entry| self.names_principal(entry, id, kind)),
                _ => false,
            };
            if attached && self.present(policy_id, policy) {
                out.add(policy_id.clone(), policy_document(policy_id, policy));
            }
        }
    }

    fn attach_managed_arn(&self, id: &str, entry: &Json, out: &mut Attached<'a>) {
        if let Some(target) = single_ref(entry)
            && let Some(policy) = self.resources.get(target)
            && type_of(policy) == "AWS::IAM::ManagedPolicy"
        {
            if self.present(target, policy) {
                out.add(target.to_string(), policy_document(target, policy));
            }
            return;
        }
        let arn = self.resolve(entry);
        for (policy_id, policy) in self.resources {
            if type_of(policy) == "AWS::IAM::ManagedPolicy"
                && self.managed_policy_arn(policy_id) == arn
            {
                if self.present(policy_id, policy) {
                    out.add(policy_id.clone(), policy_document(policy_id, policy));
                }
                return;
            }
        }
        if arn.starts_with(&format!("arn:{PARTITION}:iam::aws:policy/")) {
            if !out.aws_managed.contains(&arn) {
                out.aws_managed.push(arn);
            }
            return;
        }
        panic!(
            "iam_eval: {id}.ManagedPolicyArns has {arn}, which is neither an \
             AWS::IAM::ManagedPolicy of the template nor AWS-managed: its statements cannot be \
             evaluated"
        );
    }

    /// The logical ids of the groups user `id` is in: its `Groups` (a `Ref` or a group
    /// name) and the `AWS::IAM::UserToGroupAddition` resources listing it.
    fn groups_of(&self, id: &str) -> Vec<String> {
        let mut groups = BTreeSet::new();
        if let Some(list) = prop(&self.resources[id], "Groups") {
            let list = list
                .as_array()
                .unwrap_or_else(|| panic!("iam_eval: {id}.Groups is not a list"));
            for entry in list.iter().filter_map(|e| self.chosen(e)) {
                groups.insert(self.group_id(entry, id));
            }
        }
        for (addition_id, addition) in self.resources {
            if type_of(addition) != "AWS::IAM::UserToGroupAddition" {
                continue;
            }
            let users = prop(addition, "Users")
                .and_then(Json::as_array)
                .unwrap_or_else(|| panic!("iam_eval: {addition_id}.Users is not a list"));
            if users
                .iter()
                .filter_map(|e| self.chosen(e))
                .any(|entry| self.names_principal(entry, id, Kind::User))
                && self.present(addition_id, addition)
            {
                let group = prop(addition, "GroupName")
                    .unwrap_or_else(|| panic!("iam_eval: {addition_id} has no GroupName"));
                groups.insert(self.group_id(group, addition_id));
            }
        }
        groups.into_iter().collect()
    }

    fn group_id(&self, entry: &Json, owner: &str) -> String {
        if let Some(target) = single_ref(entry)
            && let Some(resource) = self.resources.get(target)
        {
            assert_eq!(
                type_of(resource),
                "AWS::IAM::Group",
                "iam_eval: {owner} puts a user in {{\"Ref\": \"{target}\"}}, which is not an \
                 AWS::IAM::Group"
            );
            return target.to_string();
        }
        let name = self.resolve(entry);
        self.resources
            .iter()
            .find(|(gid, g)| {
                type_of(g) == "AWS::IAM::Group" && self.principal_name(gid, Kind::Group) == name
            })
            .map(|(gid, _)| gid.clone())
            .unwrap_or_else(|| {
                panic!(
                    "iam_eval: {owner} puts a user in group `{name}`, which the template does not \
                     define: its policies cannot be evaluated"
                )
            })
    }

    /// [`Evaluator::attached`], refusing a principal with an AWS-managed policy the test
    /// has not accepted (its statements are not in the template).
    fn evaluable_attached(&self, principal: &str) -> Attached<'a> {
        let attached = self.attached(principal);
        let unaccepted: Vec<&String> = attached
            .aws_managed
            .iter()
            .filter(|arn| !self.accepted_aws_managed.contains(*arn))
            .collect();
        assert!(
            unaccepted.is_empty(),
            "iam_eval: {principal} has AWS-managed policies attached, which cannot be evaluated: \
             {unaccepted:?}; accept them explicitly with Evaluator::accept_aws_managed"
        );
        attached
    }

    fn attached(&self, principal: &str) -> Attached<'a> {
        let (_, kind) = self.principal(principal);
        let mut out = Attached::default();
        self.attach(principal, kind, &mut out);
        if kind == Kind::User {
            for group in self.groups_of(principal) {
                self.attach(&group, Kind::Group, &mut out);
            }
        }
        out
    }

    /// The policies evaluated for `principal`, as named in reasons: `<Owner> inline policy
    /// <PolicyName>` for inline policies, the logical id for policy resources. A user's
    /// list includes its groups' policies.
    pub fn policies(&self, principal: &str) -> Vec<String> {
        self.attached(principal)
            .sources
            .into_iter()
            .map(|s| s.label)
            .collect()
    }

    /// The AWS-managed policy ARNs attached to `principal` (through its groups too, for a
    /// user). The evaluator cannot read them: assert there are none, or accept known ones
    /// with [`Evaluator::accept_aws_managed`].
    pub fn aws_managed_policies(&self, principal: &str) -> Vec<String> {
        self.attached(principal).aws_managed
    }

    // ----- evaluation ---------------------------------------------------------------------

    /// Decides whether `principal` (logical id of a role, user or group) may perform
    /// `action` (`service:Action`) on `resource` (a concrete ARN, or `*` for actions without
    /// resource-level permissions), given the request context: condition key -> value pairs
    /// (a key given several times is multi-valued; keys not given are absent).
    pub fn decide(
        &self,
        principal: &str,
        action: &str,
        resource: &str,
        context: &[(&str, &str)],
    ) -> Decision {
        let (service, name) = action.split_once(':').unwrap_or(("", ""));
        assert!(
            !service.is_empty() && !name.is_empty() && !action.contains(['*', '?']),
            "iam_eval: the requested action must be a concrete `service:Action`, got `{action}`"
        );
        let attached = self.evaluable_attached(principal);
        // Parse everything first: an unsupported construct anywhere in the principal's
        // policies panics, whether or not it would have mattered for this request.
        let parsed: Vec<(&str, Vec<Statement>)> = attached
            .sources
            .iter()
            .map(|s| {
                (
                    s.label.as_str(),
                    self.parse_document(&s.label, s.document, PolicyKind::Identity),
                )
            })
            .collect();
        let context = Context::new(context, self.absent_variables_match_nothing);
        let mut deny = None;
        let mut allow = None;
        for (label, statements) in &parsed {
            for statement in statements {
                let place = format!("{label} statement {}", statement.id);
                if !applies(statement, action, resource, &context, &place) {
                    continue;
                }
                let slot = match statement.effect {
                    Effect::Deny => &mut deny,
                    Effect::Allow => &mut allow,
                };
                if slot.is_none() {
                    *slot = Some(place);
                }
            }
        }
        let mut decision = match (deny, allow) {
            (Some(place), _) => Decision {
                allowed: false,
                reason: format!("denied by {place}"),
            },
            (None, Some(place)) => Decision {
                allowed: true,
                reason: format!("allowed by {place}"),
            },
            (None, None) => Decision {
                allowed: false,
                reason: format!("implicit deny: no statement allows {action} on {resource}"),
            },
        };
        if !attached.aws_managed.is_empty() {
            decision.reason.push_str(&format!(
                " (not evaluated: AWS-managed {})",
                attached.aws_managed.join(", ")
            ));
        }
        decision
    }

    /// [`Evaluator::decide`], panicking with the request and the reason unless allowed.
    pub fn assert_allowed(
        &self,
        principal: &str,
        action: &str,
        resource: &str,
        context: &[(&str, &str)],
    ) -> Decision {
        let decision = self.decide(principal, action, resource, context);
        assert!(
            decision.allowed,
            "expected {principal} to be allowed {action} on {resource} with context \
             {context:?}, but: {}",
            decision.reason
        );
        decision
    }

    /// [`Evaluator::decide`], panicking with the request and the reason unless denied.
    pub fn assert_denied(
        &self,
        principal: &str,
        action: &str,
        resource: &str,
        context: &[(&str, &str)],
    ) -> Decision {
        let decision = self.decide(principal, action, resource, context);
        assert!(
            !decision.allowed,
            "expected {principal} to be denied {action} on {resource} with context \
             {context:?}, but: {}",
            decision.reason
        );
        decision
    }

    fn parse_document(&self, label: &str, document: &Json, kind: PolicyKind) -> Vec<Statement> {
        let doc = document
            .as_object()
            .unwrap_or_else(|| panic!("iam_eval: {label}: PolicyDocument is not an object"));
        for key in doc.keys() {
            assert!(
                ["Version", "Id", "Statement"].contains(&key.as_str()),
                "iam_eval: {label}: unsupported policy document element `{key}`"
            );
        }
        let version = doc.get("Version").and_then(Json::as_str);
        assert!(
            version == Some(POLICY_VERSION),
            "iam_eval: {label}: Version is {version:?}; the evaluator reads \"{POLICY_VERSION}\" \
             policies only (older versions read ${{...}} literally)"
        );
        let statements: Vec<&Json> = match doc.get("Statement") {
            Some(Json::Array(list)) => list.iter().collect(),
            Some(one @ Json::Object(_)) => vec![one],
            other => {
                panic!("iam_eval: {label}: Statement must be a list or an object, found {other:?}")
            }
        };
        statements
            .into_iter()
            .enumerate()
            .map(|(i, s)| self.parse_statement(label, i, s, kind))
            .collect()
    }

    fn parse_statement(
        &self,
        label: &str,
        index: usize,
        statement: &Json,
        kind: PolicyKind,
    ) -> Statement {
        let s = statement
            .as_object()
            .unwrap_or_else(|| panic!("iam_eval: {label} statement #{index} is not an object"));
        let id = match s.get("Sid") {
            Some(Json::String(sid)) if !sid.is_empty() => sid.clone(),
            Some(Json::String(_)) | None => format!("#{index}"),
            Some(other) => {
                panic!("iam_eval: {label} statement #{index}: Sid {other} is not a string")
            }
        };
        let place = format!("{label} statement {id}");
        for key in s.keys() {
            match key.as_str() {
                "Sid" | "Effect" | "Action" | "NotAction" | "Resource" | "NotResource"
                | "Condition" => {}
                "Principal" if kind != PolicyKind::Identity => {}
                "Principal" | "NotPrincipal" if kind == PolicyKind::Identity => panic!(
                    "iam_eval: {place} has {key}, which an identity-based policy cannot have"
                ),
                "NotPrincipal" => panic!(
                    "iam_eval: {place} has NotPrincipal, which the evaluator does not implement \
                     (AWS recommends a Deny on aws:PrincipalArn instead)"
                ),
                other => panic!("iam_eval: {place}: unsupported statement element `{other}`"),
            }
        }
        let effect = match s.get("Effect").and_then(Json::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            other => panic!("iam_eval: {place}: Effect must be Allow or Deny, found {other:?}"),
        };
        let (not_action, actions) = self.one_of(s, "Action", "NotAction", &place);
        for action in &actions {
            assert!(
                action == "*" || (action.contains(':') && !action.contains("${")),
                "iam_eval: {place}: malformed action `{action}` (expected `service:Action`, \
                 wildcards allowed, or `*`)"
            );
        }
        let (not_resource, resources) = self.one_of(s, "Resource", "NotResource", &place);
        let conditions = match s.get("Condition") {
            None => Vec::new(),
            Some(block) => self.parse_conditions(block, &place),
        };
        let principal = match (kind, s.get("Principal")) {
            (PolicyKind::Identity, _) => None,
            (_, Some(p)) => Some(self.parse_principal(p, &place)),
            (_, None) => {
                panic!("iam_eval: {place} has no Principal, which a resource-based policy needs")
            }
        };
        Statement {
            id,
            effect,
            principal,
            not_action,
            actions,
            not_resource,
            resources,
            conditions,
        }
    }

    /// The `Principal` of a resource-based statement: `"*"`, or an object of `AWS`
    /// entries (`"*"`, an account ID, an account's `root` ARN, a role or user ARN) and
    /// `Service` entries. Anything else panics.
    fn parse_principal(&self, value: &Json, place: &str) -> Principals {
        let mut principals = Principals::default();
        let map = match value {
            Json::String(star) if star == "*" => {
                principals.everyone = true;
                return principals;
            }
            Json::Object(map) => map,
            other => {
                panic!("iam_eval: {place}: Principal must be \"*\" or an object, found {other}")
            }
        };
        for (key, entries) in map {
            let entries = self.string_list(entries, &format!("{place} Principal {key}"));
            match key.as_str() {
                "AWS" => {
                    for entry in entries {
                        if entry == "*" {
                            principals.everyone = true;
                        } else {
                            check_aws_principal(&entry, place);
                            principals.aws.push(entry);
                        }
                    }
                }
                "Service" => {
                    for entry in entries {
                        assert!(
                            !entry.contains(['*', '?']) && entry.ends_with(".amazonaws.com"),
                            "iam_eval: {place}: `{entry}` is not a service principal \
                             (`name.amazonaws.com`)"
                        );
                        principals.services.push(entry);
                    }
                }
                other => panic!(
                    "iam_eval: {place}: unsupported principal type `{other}`; the evaluator \
                     reads \"*\", AWS and Service principals"
                ),
            }
        }
        principals
    }

    /// Exactly one of `positive` / `negative`, as a resolved list of strings.
    fn one_of(
        &self,
        s: &Map<String, Json>,
        positive: &str,
        negative: &str,
        place: &str,
    ) -> (bool, Vec<String>) {
        let (negated, value) = match (s.get(positive), s.get(negative)) {
            (Some(v), None) => (false, v),
            (None, Some(v)) => (true, v),
            _ => panic!("iam_eval: {place} must have exactly one of {positive} and {negative}"),
        };
        let field = if negated { negative } else { positive };
        (
            negated,
            self.string_list(value, &format!("{place} {field}")),
        )
    }

    /// A value or a list of values, each a literal or an intrinsic, resolved. Never empty.
    fn string_list(&self, value: &Json, place: &str) -> Vec<String> {
        let list: Vec<String> = match value {
            Json::Array(items) => items
                .iter()
                .filter_map(|v| self.chosen(v))
                .map(|v| self.resolve(v))
                .collect(),
            other => self
                .chosen(other)
                .map(|v| self.resolve(v))
                .into_iter()
                .collect(),
        };
        assert!(!list.is_empty(), "iam_eval: {place} is an empty list");
        list
    }

    fn parse_conditions(&self, block: &Json, place: &str) -> Vec<Condition> {
        let block = block
            .as_object()
            .unwrap_or_else(|| panic!("iam_eval: {place}: Condition is not an object"));
        let mut conditions = Vec::new();
        for (operator, keys) in block {
            let (set, base, negated, if_exists) = parse_operator(operator, place);
            let keys = keys.as_object().unwrap_or_else(|| {
                panic!("iam_eval: {place}: Condition {operator} is not an object of keys")
            });
            for (key, value) in keys {
                let values = self.string_list(value, &format!("{place} {operator} {key}"));
                if matches!(base, Base::Bool | Base::Null) {
                    for v in &values {
                        parse_bool(v).unwrap_or_else(|| {
                            panic!(
                                "iam_eval: {place}: {operator} {key} expects \"true\" or \"false\", \
                                 found `{v}`"
                            )
                        });
                    }
                }
                conditions.push(Condition {
                    operator: operator.clone(),
                    base,
                    negated,
                    if_exists,
                    set,
                    key: key.clone(),
                    values,
                });
            }
        }
        conditions
    }
}

// ----- matching (free functions: they need no template) -------------------------------------

fn applies(
    statement: &Statement,
    action: &str,
    resource: &str,
    context: &Context,
    place: &str,
) -> bool {
    let action_lower: Vec<char> = action.to_lowercase().chars().collect();
    let any_action = statement.actions.iter().any(|pattern| {
        let pattern = pattern.to_lowercase();
        glob(&tokens(&pattern, None, true, place), &action_lower)
    });
    if any_action == statement.not_action {
        return false;
    }
    let resource_chars: Vec<char> = resource.chars().collect();
    let any_resource = statement.resources.iter().any(|pattern| {
        glob(
            &tokens(pattern, Some(context), true, place),
            &resource_chars,
        )
    });
    if any_resource == statement.not_resource {
        return false;
    }
    statement
        .conditions
        .iter()
        .all(|condition| condition_holds(condition, context, place))
}

fn condition_holds(condition: &Condition, context: &Context, place: &str) -> bool {
    let present = context.get(&condition.key, place);
    if condition.base == Base::Null {
        let wants_absent = parse_bool(&condition.values[0]).expect("checked when parsed");
        assert!(
            condition
                .values
                .iter()
                .all(|v| parse_bool(v) == Some(wants_absent)),
            "iam_eval: {place}: Null {} lists both true and false",
            condition.key
        );
        return present.is_none() == wants_absent;
    }
    let Some(values) = present else {
        // AWS: an absent key fails a condition, except that ...IfExists holds, a negated
        // operator (StringNotEquals, ArnNotLike...) holds, ForAllValues holds and
        // ForAnyValue fails.
        return condition.if_exists
            || match condition.set {
                Some(SetOp::ForAllValues) => true,
                Some(SetOp::ForAnyValue) => false,
                None => condition.negated,
            };
    };
    let single = |value: &str| {
        let matched = condition
            .values
            .iter()
            .any(|policy_value| value_matches(condition, policy_value, value, context, place));
        matched != condition.negated
    };
    match condition.set {
        None => {
            assert!(
                values.len() == 1,
                "iam_eval: {place}: {} on `{}`, which the request context gives several values \
                 ({values:?}); use ForAnyValue: or ForAllValues:",
                condition.operator,
                condition.key
            );
            single(&values[0])
        }
        Some(SetOp::ForAnyValue) => values.iter().any(|v| single(v)),
        Some(SetOp::ForAllValues) => values.iter().all(|v| single(v)),
    }
}

fn value_matches(
    condition: &Condition,
    policy_value: &str,
    value: &str,
    context: &Context,
    place: &str,
) -> bool {
    let chars: Vec<char> = value.chars().collect();
    match condition.base {
        Base::StringEquals => glob(&tokens(policy_value, Some(context), false, place), &chars),
        Base::StringLike => glob(&tokens(policy_value, Some(context), true, place), &chars),
        Base::Arn => arn_like(
            &tokens(policy_value, Some(context), true, place),
            &chars,
            policy_value,
            place,
        ),
        Base::Bool => {
            let requested = parse_bool(value).unwrap_or_else(|| {
                panic!(
                    "iam_eval: {place}: {} {} compares booleans, but the request context gives \
                     `{value}`",
                    condition.operator, condition.key
                )
            });
            parse_bool(policy_value) == Some(requested)
        }
        Base::Null => unreachable!("Null is handled before"),
    }
}

/// ArnEquals / ArnLike: each of the six colon-separated parts matched on its own, so a
/// wildcard never spans a colon of the first five.
fn arn_like(pattern: &[Tok], value: &[char], written: &str, place: &str) -> bool {
    let pattern_parts = split_tokens(pattern);
    assert!(
        pattern_parts.len() == 6
            && pattern_parts[0] == [Tok::Lit('a'), Tok::Lit('r'), Tok::Lit('n')],
        "iam_eval: {place}: `{written}` in an Arn condition is not an ARN \
         (arn:partition:service:region:account:resource)"
    );
    let value_parts: Vec<&[char]> = value.splitn(6, |c| *c == ':').collect();
    value_parts.len() == 6
        && pattern_parts
            .iter()
            .zip(&value_parts)
            .all(|(p, v)| glob(p, v))
}

/// Splits at the first five literal colons.
fn split_tokens(pattern: &[Tok]) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, tok) in pattern.iter().enumerate() {
        if parts.len() < 5 && *tok == Tok::Lit(':') {
            parts.push(&pattern[start..i]);
            start = i + 1;
        }
    }
    parts.push(&pattern[start..]);
    parts
}

/// A policy string as a pattern. `${key}` policy variables are replaced by the context's
/// value (panics when `context` is `None`, the key is absent or multi-valued); `${*}`,
/// `${?}`, `${$}` are the literal characters. With `wildcards`, `*` and `?` match.
fn tokens(text: &str, context: Option<&Context>, wildcards: bool, place: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("${") {
            let end = after.find('}').unwrap_or_else(|| {
                panic!("iam_eval: {place}: unterminated policy variable in `{text}`")
            });
            let name = &after[..end];
            rest = &after[end + 1..];
            match name {
                "*" | "?" | "$" => out.push(Tok::Lit(name.chars().next().expect("one char"))),
                _ if name.contains(',') => panic!(
                    "iam_eval: {place}: policy variables with a default value (`${{{name}}}`) \
                     are not supported"
                ),
                _ => {
                    let Some(context) = context else {
                        panic!(
                            "iam_eval: {place}: policy variable `${{{name}}}` in `{text}` is not supported here"
                        )
                    };
                    let value = match context.get(name, place) {
                        Some([one]) => one,
                        Some(many) => panic!(
                            "iam_eval: {place}: policy variable `${{{name}}}` has several values \
                             in the request context: {many:?}"
                        ),
                        None if context.absent_variables_match_nothing => {
                            out.push(Tok::Never);
                            continue;
                        }
                        None => panic!(
                            "iam_eval: {place}: policy variable `${{{name}}}` in `{text}` is not \
                             in the request context; add (\"{name}\", value) to it, or build the \
                             evaluator with_absent_policy_variables() if it is meant to be absent"
                        ),
                    };
                    out.extend(value.chars().map(Tok::Lit));
                }
            }
            continue;
        }
        let c = rest.chars().next().expect("not empty");
        rest = &rest[c.len_utf8()..];
        out.push(match c {
            '*' if wildcards => Tok::Star,
            '?' if wildcards => Tok::One,
            c => Tok::Lit(c),
        });
    }
    out
}

/// Wildcard match of the whole of `text`: `*` any run (also empty), `?` one character.
fn glob(pattern: &[Tok], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Tok::Star) => {
                backtrack = Some((p, t));
                p += 1;
                continue;
            }
            Some(Tok::One) => {
                p += 1;
                t += 1;
                continue;
            }
            Some(Tok::Lit(c)) if *c == text[t] => {
                p += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match backtrack {
            Some((star, from)) => {
                p = star + 1;
                t = from + 1;
                backtrack = Some((star, from + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|tok| *tok == Tok::Star)
}

fn parse_operator(operator: &str, place: &str) -> (Option<SetOp>, Base, bool, bool) {
    let unsupported = || -> ! {
        panic!(
            "iam_eval: {place}: unsupported condition operator `{operator}`; the evaluator \
             supports StringEquals, StringNotEquals, StringLike, StringNotLike, ArnEquals, \
             ArnLike, ArnNotEquals, ArnNotLike, Bool (each also ...IfExists and with \
             ForAnyValue:/ForAllValues:) and Null"
        )
    };
    let (set, rest) = if let Some(rest) = operator.strip_prefix("ForAnyValue:") {
        (Some(SetOp::ForAnyValue), rest)
    } else if let Some(rest) = operator.strip_prefix("ForAllValues:") {
        (Some(SetOp::ForAllValues), rest)
    } else {
        (None, operator)
    };
    let (if_exists, base_name) = match rest.strip_suffix("IfExists") {
        Some(base_name) => (true, base_name),
        None => (false, rest),
    };
    let (base, negated) = match base_name {
        "StringEquals" => (Base::StringEquals, false),
        "StringNotEquals" => (Base::StringEquals, true),
        "StringLike" => (Base::StringLike, false),
        "StringNotLike" => (Base::StringLike, true),
        "ArnEquals" | "ArnLike" => (Base::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Base::Arn, true),
        "Bool" => (Base::Bool, false),
        "Null" if set.is_none() && !if_exists => (Base::Null, false),
        _ => unsupported(),
    };
    (set, base, negated, if_exists)
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

// ----- template helpers ---------------------------------------------------------------------

fn type_of(resource: &Json) -> &str {
    resource.get("Type").and_then(Json::as_str).unwrap_or("")
}

fn prop<'j>(resource: &'j Json, key: &str) -> Option<&'j Json> {
    resource.get("Properties")?.get(key)
}

/// `X` of `{"Ref": "X"}`.
fn single_ref(value: &Json) -> Option<&str> {
    let map = value.as_object()?;
    if map.len() != 1 {
        return None;
    }
    map.get("Ref")?.as_str()
}

fn policy_document<'j>(id: &str, policy: &'j Json) -> &'j Json {
    prop(policy, "PolicyDocument")
        .unwrap_or_else(|| panic!("iam_eval: {id} ({}) has no PolicyDocument", type_of(policy)))
}
