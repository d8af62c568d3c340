//! A typed IAM policy document. Policies are assembled from statements, actions and
//! condition operators defined here, never pasted as JSON, so that one mistake cannot
//! appear in two places and rules can reason about what a statement allows.

use std::borrow::Cow;

use crate::template::json::Text;
use crate::template::{OrderedMap, ValueMap};

use crate::template::Value;

/// An IAM action such as `sagemaker:DescribeDomain` (wildcards allowed in the name part).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Action(Cow<'static, str>);

impl Action {
    /// An action name known at compile time; see the `actions` module of each service.
    pub const fn new(name: &'static str) -> Action {
        Action(Cow::Borrowed(name))
    }

    /// The action as the policy writes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `*`: every action of every service. Only a filter names it: a VPC endpoint policy
/// bounds what may pass the endpoint and grants nothing, so listing actions there would
/// restate the identity policies and break with every action a service adds. Grants
/// never name it (rule IAM-NO-WILDCARD-ACTION).
pub const EVERY_ACTION: Action = Action::new("*");

/// Whether a statement allows or denies. An explicit Deny wins over any Allow, in any
/// policy that applies to the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

impl Effect {
    fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// Who a resource-based or trust policy statement applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    /// `{"Service": [...]}`, e.g. `sagemaker.amazonaws.com`, or a regional service
    /// principal such as `logs.${AWS::Region}.amazonaws.com`.
    Service(Vec<Value>),
    /// `{"AWS": [...]}`: account or role ARNs.
    Aws(Vec<Value>),
}

impl Principal {
    /// One service principal, e.g. `lambda.amazonaws.com`.
    pub fn service(name: &str) -> Principal {
        Principal::Service(vec![Value::from(name)])
    }

    /// The regional principal of a service in the stack's region,
    /// `<service>.${AWS::Region}.amazonaws.com` (CloudWatch Logs' is `logs.<region>.amazonaws.com`).
    pub fn regional_service(service: &str) -> Principal {
        Principal::Service(vec![crate::sub![
            format!("{service}."),
            crate::template::Pseudo::Region,
            ".amazonaws.com"
        ]])
    }

    /// `{"AWS": ["*"]}`: every principal, anonymous ones included, left to the statement's
    /// conditions to narrow (the form bucket and gateway-endpoint policies require; IAM
    /// reads it as `"*"`).
    pub fn anyone() -> Principal {
        Principal::Aws(vec![Value::from("*")])
    }

    /// The account of the stack: `arn:${AWS::Partition}:iam::${AWS::AccountId}:root`.
    pub fn this_account() -> Principal {
        Principal::Aws(vec![super::account_root_arn()])
    }

    fn to_value(&self) -> Value {
        match self {
            Principal::Service(names) => {
                Value::map([("Service", Value::list(names.iter().cloned()))])
            }
            Principal::Aws(arns) => Value::map([("AWS", Value::list(arns.iter().cloned()))]),
        }
    }
}

/// Condition operators of the IAM policy language that our policies use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// Exact, case-sensitive string match.
    StringEquals,
    /// Negated exact string match (also true when the key is absent).
    StringNotEquals,
    /// String match with `*` and `?` wildcards.
    StringLike,
    /// Negated `StringLike` (also true when the key is absent).
    StringNotLike,
    /// Exact ARN match.
    ArnEquals,
    /// ARN match with wildcards in each ARN component.
    ArnLike,
    /// Negated `ArnLike` (also true when the key is absent).
    ArnNotLike,
    /// `true` / `false`.
    Bool,
    /// Whether the key is absent (`true`) or present (`false`) in the request.
    Null,
    /// The request's IP address is in one of the listed ranges (CIDR notation).
    IpAddress,
}

impl Operator {
    fn as_str(self) -> &'static str {
        match self {
            Operator::StringEquals => "StringEquals",
            Operator::StringNotEquals => "StringNotEquals",
            Operator::StringLike => "StringLike",
            Operator::StringNotLike => "StringNotLike",
            Operator::ArnEquals => "ArnEquals",
            Operator::ArnLike => "ArnLike",
            Operator::ArnNotLike => "ArnNotLike",
            Operator::Bool => "Bool",
            Operator::Null => "Null",
            Operator::IpAddress => "IpAddress",
        }
    }
}

/// The set qualifiers for multivalued condition keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// True when at least one of the request's values matches.
    ForAnyValue,
    /// True when every one of the request's values matches (and when there is none).
    ForAllValues,
}

/// A condition key and whether a request can carry several values for it. Set
/// qualifiers (`ForAnyValue:` / `ForAllValues:`) only make sense on multivalued keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConditionKey {
    /// The key as the policy writes it, e.g. `aws:SourceVpce`.
    pub name: &'static str,
    /// Whether a request can carry several values for it.
    pub multivalued: bool,
}

impl ConditionKey {
    /// A key a request carries at most one value for.
    pub const fn single(name: &'static str) -> ConditionKey {
        ConditionKey {
            name,
            multivalued: false,
        }
    }
    /// A key a request can carry several values for (tag keys, …).
    pub const fn multi(name: &'static str) -> ConditionKey {
        ConditionKey {
            name,
            multivalued: true,
        }
    }
}

/// Global and service condition keys used by our policies.
pub mod keys {
    use super::ConditionKey;

    /// The VPC endpoint a request came through; single-valued.
    pub const SOURCE_VPCE: ConditionKey = ConditionKey::single("aws:SourceVpce");
    /// The ARN of the calling principal (for a role session: the role's ARN).
    pub const PRINCIPAL_ARN: ConditionKey = ConditionKey::single("aws:PrincipalArn");
    /// The AWS Organizations ID of the calling principal's account; single-valued, absent
    /// when the account is in no organization and for anonymous requests ("AWS global
    /// condition context keys",
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid>).
    pub const PRINCIPAL_ORG_ID: ConditionKey = ConditionKey::single("aws:PrincipalOrgID");
    /// Whether the request came over TLS.
    pub const SECURE_TRANSPORT: ConditionKey = ConditionKey::single("aws:SecureTransport");
    /// Whether the credentials were obtained with MFA (absent for long-term access keys).
    pub const MULTI_FACTOR_AUTH_PRESENT: ConditionKey =
        ConditionKey::single("aws:MultiFactorAuthPresent");
    /// The account of the resource a service acts for (guards against the confused deputy).
    pub const SOURCE_ACCOUNT: ConditionKey = ConditionKey::single("aws:SourceAccount");
    /// The ARN of the resource a service acts for (guards against the confused deputy).
    pub const SOURCE_ARN: ConditionKey = ConditionKey::single("aws:SourceArn");
    /// The service a role is passed to with `iam:PassRole`.
    pub const PASSED_TO_SERVICE: ConditionKey = ConditionKey::single("iam:PassedToService");
    /// The account of the principal calling KMS.
    pub const KMS_CALLER_ACCOUNT: ConditionKey = ConditionKey::single("kms:CallerAccount");
    /// The service that called KMS on the principal's behalf, e.g. `s3.eu-west-1.amazonaws.com`.
    pub const KMS_VIA_SERVICE: ConditionKey = ConditionKey::single("kms:ViaService");
    /// Whether a grant is created by an AWS service integrated with KMS, for its resource.
    pub const KMS_GRANT_IS_FOR_AWS_RESOURCE: ConditionKey =
        ConditionKey::single("kms:GrantIsForAWSResource");
    /// The ARN of the log group CloudWatch Logs encrypts or decrypts for (its encryption
    /// context), e.g. `arn:aws:logs:eu-west-1:111122223333:log-group:name`.
    pub const KMS_ENCRYPTION_CONTEXT_LOGS_ARN: ConditionKey =
        ConditionKey::single("kms:EncryptionContext:aws:logs:arn");
    /// The account of the calling principal; single-valued, `anonymous` for unsigned
    /// requests (global condition keys,
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalaccount>).
    pub const PRINCIPAL_ACCOUNT: ConditionKey = ConditionKey::single("aws:PrincipalAccount");
    /// Whether the caller is an AWS service principal (log delivery, CloudTrail).
    pub const PRINCIPAL_IS_AWS_SERVICE: ConditionKey =
        ConditionKey::single("aws:PrincipalIsAWSService");
    /// Whether an AWS service made the request with the caller's credentials (forward
    /// access sessions, e.g. CloudFormation or SageMaker acting for the caller).
    pub const VIA_AWS_SERVICE: ConditionKey = ConditionKey::single("aws:ViaAWSService");
    /// The ARN of the subnet an EC2 network interface is in; single-valued.
    pub const EC2_SUBNET: ConditionKey = ConditionKey::single("ec2:Subnet");
    /// The ARN of the VPC a security group (or network interface) is in; single-valued.
    pub const EC2_VPC: ConditionKey = ConditionKey::single("ec2:Vpc");
    /// The account that owns the resource of the request; single-valued, present for
    /// most actions (the global condition keys page lists the exceptions: EBS, EventBridge
    /// and a few EC2, Route 53 and WorkSpaces actions,
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount>).
    pub const RESOURCE_ACCOUNT: ConditionKey = ConditionKey::single("aws:ResourceAccount");
    /// The organization of the account that owns the resource; single-valued, present
    /// only when that account is in an organization, with the same exceptions as
    /// [`RESOURCE_ACCOUNT`]
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceorgid>).
    pub const RESOURCE_ORG_ID: ConditionKey = ConditionKey::single("aws:ResourceOrgID");
    /// The service an STS bearer token is for (`sts:GetServiceBearerToken`), e.g.
    /// `codeartifact.amazonaws.com`; single-valued.
    pub const STS_AWS_SERVICE_NAME: ConditionKey = ConditionKey::single("sts:AWSServiceName");
    /// The tag keys in the request; multivalued.
    pub const TAG_KEYS: ConditionKey = ConditionKey::multi("aws:TagKeys");
    /// The session name a principal asks for in `sts:AssumeRole`; present in that request
    /// only (IAM User Guide, "IAM and AWS STS condition context keys").
    pub const STS_ROLE_SESSION_NAME: ConditionKey = ConditionKey::single("sts:RoleSessionName");
    /// The caller's unique id; for a role session `<role id>:<session name>`, in every
    /// request the session makes; single-valued.
    pub const USER_ID: ConditionKey = ConditionKey::single("aws:userid");
    /// The caller's public IP address; absent when the request comes through a VPC
    /// endpoint; single-valued.
    pub const SOURCE_IP: ConditionKey = ConditionKey::single("aws:SourceIp");
}

/// One test in a statement's `Condition` block.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    qualifier: Option<SetQualifier>,
    operator: Operator,
    if_exists: bool,
    key: ConditionKey,
    values: Vec<Value>,
}

impl Condition {
    /// A test of `key` with `operator` against `values` (any of them may match).
    pub fn new(
        operator: Operator,
        key: ConditionKey,
        values: impl IntoIterator<Item = Value>,
    ) -> Condition {
        Condition {
            qualifier: None,
            operator,
            if_exists: false,
            key,
            values: values.into_iter().collect(),
        }
    }

    /// `StringEquals`.
    pub fn string_equals(key: ConditionKey, values: impl IntoIterator<Item = Value>) -> Condition {
        Condition::new(Operator::StringEquals, key, values)
    }
    /// `StringLike`.
    pub fn string_like(key: ConditionKey, values: impl IntoIterator<Item = Value>) -> Condition {
        Condition::new(Operator::StringLike, key, values)
    }
    /// `ArnEquals`.
    pub fn arn_equals(key: ConditionKey, values: impl IntoIterator<Item = Value>) -> Condition {
        Condition::new(Operator::ArnEquals, key, values)
    }
    /// `ArnLike`.
    pub fn arn_like(key: ConditionKey, values: impl IntoIterator<Item = Value>) -> Condition {
        Condition::new(Operator::ArnLike, key, values)
    }
    /// `StringNotLike`.
    pub fn string_not_like(
        key: ConditionKey,
        values: impl IntoIterator<Item = Value>,
    ) -> Condition {
        Condition::new(Operator::StringNotLike, key, values)
    }
    /// `IpAddress`: the key (an IP address) is in one of the CIDR ranges `values`.
    pub fn ip_address(key: ConditionKey, values: impl IntoIterator<Item = Value>) -> Condition {
        Condition::new(Operator::IpAddress, key, values)
    }
    /// `StringNotEquals`.
    pub fn string_not_equals(
        key: ConditionKey,
        values: impl IntoIterator<Item = Value>,
    ) -> Condition {
        Condition::new(Operator::StringNotEquals, key, values)
    }
    /// `ArnNotLike`.
    pub fn arn_not_like(key: ConditionKey, values: impl IntoIterator<Item = Value>) -> Condition {
        Condition::new(Operator::ArnNotLike, key, values)
    }
    /// `Bool`: the key is `value`.
    pub fn bool(key: ConditionKey, value: bool) -> Condition {
        // IAM compares Bool conditions as the strings "true" / "false".
        Condition::new(Operator::Bool, key, [Value::from(value.to_string())])
    }
    /// `Null`: the key is absent from the request (`true`) or present (`false`).
    pub fn null(key: ConditionKey, is_absent: bool) -> Condition {
        Condition::new(Operator::Null, key, [Value::from(is_absent.to_string())])
    }

    /// `…IfExists`: the test passes when the request does not carry the key.
    pub fn if_exists(mut self) -> Condition {
        self.if_exists = true;
        self
    }

    /// `ForAnyValue:` / `ForAllValues:`. Panics on a single-valued key: on such a key the
    /// qualifier silently changes the meaning (e.g. `ForAllValues` passes when the key is
    /// absent), which is the kind of mistake this model exists to prevent.
    pub fn qualified(mut self, qualifier: SetQualifier) -> Condition {
        assert!(
            self.key.multivalued,
            "{} is single-valued: a set qualifier does not apply to it",
            self.key.name
        );
        self.qualifier = Some(qualifier);
        self
    }

    /// The operator as written in the policy, e.g. `ForAnyValue:StringLike` or `BoolIfExists`.
    pub fn operator_name(&self) -> String {
        let mut name = String::new();
        match self.qualifier {
            Some(SetQualifier::ForAnyValue) => name.push_str("ForAnyValue:"),
            Some(SetQualifier::ForAllValues) => name.push_str("ForAllValues:"),
            None => {}
        }
        name.push_str(self.operator.as_str());
        if self.if_exists {
            name.push_str("IfExists");
        }
        name
    }

    /// The key tested.
    pub fn key(&self) -> ConditionKey {
        self.key
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Actions {
    Action(Vec<Action>),
    NotAction(Vec<Action>),
}

#[derive(Clone, Debug, PartialEq)]
enum Resources {
    Resource(Vec<Value>),
    NotResource(Vec<Value>),
}

/// One policy statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    sid: Option<String>,
    effect: Effect,
    principal: Option<Principal>,
    actions: Actions,
    resources: Option<Resources>,
    conditions: Vec<Condition>,
}

impl Statement {
    /// An `Allow` statement with no action yet.
    pub fn allow() -> Statement {
        Statement::with_effect(Effect::Allow)
    }
    /// A `Deny` statement with no action yet.
    pub fn deny() -> Statement {
        Statement::with_effect(Effect::Deny)
    }
    fn with_effect(effect: Effect) -> Statement {
        Statement {
            sid: None,
            effect,
            principal: None,
            actions: Actions::Action(Vec::new()),
            resources: None,
            conditions: Vec::new(),
        }
    }

    /// A statement id: letters and digits only, as IAM requires.
    pub fn sid(mut self, sid: &str) -> Statement {
        debug_assert!(sid.bytes().all(|b| b.is_ascii_alphanumeric()));
        self.sid = Some(sid.to_string());
        self
    }
    /// `Principal`: who the statement applies to (resource and trust policies only).
    pub fn principal(mut self, principal: Principal) -> Statement {
        self.principal = Some(principal);
        self
    }
    /// Appends to `Action`. Panics on a statement that has `NotAction`.
    pub fn actions<'a>(mut self, actions: impl IntoIterator<Item = &'a Action>) -> Statement {
        let list = match &mut self.actions {
            Actions::Action(list) => list,
            Actions::NotAction(_) => panic!("a statement has either Action or NotAction"),
        };
        list.extend(actions.into_iter().cloned());
        self
    }
    /// Appends to `NotAction`: every action but these. Panics on a statement that has
    /// actions.
    pub fn not_actions<'a>(mut self, actions: impl IntoIterator<Item = &'a Action>) -> Statement {
        match &mut self.actions {
            Actions::Action(list) if list.is_empty() => {
                self.actions = Actions::NotAction(actions.into_iter().cloned().collect());
            }
            Actions::NotAction(list) => list.extend(actions.into_iter().cloned()),
            Actions::Action(_) => panic!("a statement has either Action or NotAction"),
        }
        self
    }
    /// Appends to `Resource`. Panics on a statement that has `NotResource`.
    pub fn resources(mut self, resources: impl IntoIterator<Item = Value>) -> Statement {
        match &mut self.resources {
            None => self.resources = Some(Resources::Resource(resources.into_iter().collect())),
            Some(Resources::Resource(list)) => list.extend(resources),
            Some(Resources::NotResource(_)) => {
                panic!("a statement has either Resource or NotResource")
            }
        }
        self
    }
    /// Appends one ARN (or pattern) to `Resource`.
    pub fn resource(self, resource: impl Into<Value>) -> Statement {
        self.resources([resource.into()])
    }
    /// Appends to `NotResource`: every resource but these. Panics on a statement that has
    /// `Resource`.
    pub fn not_resources(mut self, resources: impl IntoIterator<Item = Value>) -> Statement {
        match &mut self.resources {
            None => self.resources = Some(Resources::NotResource(resources.into_iter().collect())),
            Some(Resources::NotResource(list)) => list.extend(resources),
            Some(Resources::Resource(_)) => {
                panic!("a statement has either Resource or NotResource")
            }
        }
        self
    }
    /// `Resource: "*"`, for actions that have no resource-level permissions (or, in a
    /// key policy, for "this key").
    pub fn any_resource(self) -> Statement {
        self.resources([Value::from("*")])
    }
    /// Adds a test to `Condition`; every test must hold for the statement to apply.
    pub fn condition(mut self, condition: Condition) -> Statement {
        self.conditions.push(condition);
        self
    }

    /// `Effect`.
    pub fn effect(&self) -> Effect {
        self.effect
    }
    /// The actions of `Action` or `NotAction`, whichever the statement has.
    pub fn action_list(&self) -> &[Action] {
        match &self.actions {
            Actions::Action(list) | Actions::NotAction(list) => list,
        }
    }

    /// The statement as a template value (what a policy document holds).
    pub fn to_value(&self) -> Value {
        let mut map = ValueMap::default();
        if let Some(sid) = &self.sid {
            map.insert(Text::const_new("Sid"), Value::from(sid.as_str()));
        }
        map.insert(Text::const_new("Effect"), Value::from(self.effect.as_str()));
        if let Some(p) = &self.principal {
            map.insert(Text::const_new("Principal"), p.to_value());
        }
        let (key, list) = match &self.actions {
            Actions::Action(list) => ("Action", list),
            Actions::NotAction(list) => ("NotAction", list),
        };
        map.insert(
            Text::const_new(key),
            Value::list(list.iter().map(|a| Value::from(a.as_str()))),
        );
        if let Some(resources) = &self.resources {
            let (key, list) = match resources {
                Resources::Resource(list) => ("Resource", list),
                Resources::NotResource(list) => ("NotResource", list),
            };
            map.insert(Text::const_new(key), Value::list(list.iter().cloned()));
        }
        if !self.conditions.is_empty() {
            // Tests with the same operator share one block, keys in the order given.
            let mut blocks: OrderedMap<Text, ValueMap> = OrderedMap::default();
            for c in &self.conditions {
                let value = match c.values.as_slice() {
                    [one] => one.clone(),
                    many => Value::list(many.iter().cloned()),
                };
                blocks
                    .entry(Text::from(c.operator_name()))
                    .or_default()
                    .insert(Text::const_new(c.key.name), value);
            }
            map.insert(
                Text::const_new("Condition"),
                Value::Map(
                    blocks
                        .into_iter()
                        .map(|(k, v)| (k, Value::Map(v)))
                        .collect(),
                ),
            );
        }
        Value::Map(map)
    }
}

/// An IAM policy document (`Version` 2012-10-17).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

impl PolicyDocument {
    /// A document with no statement.
    pub fn new() -> PolicyDocument {
        PolicyDocument::default()
    }
    /// Adds one statement.
    pub fn statement(mut self, statement: Statement) -> PolicyDocument {
        self.statements.push(statement);
        self
    }
    /// Adds several statements in order.
    pub fn statements(mut self, statements: impl IntoIterator<Item = Statement>) -> PolicyDocument {
        self.statements.extend(statements);
        self
    }
    /// The statements, in order.
    pub fn statement_list(&self) -> &[Statement] {
        &self.statements
    }
    /// Appends statements to a document being filled in place (by grants).
    pub fn push(&mut self, statements: impl IntoIterator<Item = Statement>) {
        self.statements.extend(statements);
    }
    /// Whether the document has no statement (IAM refuses such a policy).
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

impl From<PolicyDocument> for Value {
    fn from(doc: PolicyDocument) -> Value {
        Value::map([
            ("Version", Value::from("2012-10-17")),
            (
                "Statement",
                Value::list(doc.statements.iter().map(Statement::to_value)),
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(doc: PolicyDocument) -> String {
        serde_json::to_string(&Value::from(doc)).unwrap()
    }

    const DESCRIBE: Action = Action::new("sagemaker:DescribeDomain");

    #[test]
    fn statement_keys_come_in_iam_order() {
        let doc = PolicyDocument::new().statement(
            Statement::allow()
                .sid("Describe")
                .actions([&DESCRIBE])
                .resource("arn:aws:sagemaker:eu-west-1:111122223333:domain/d-1")
                .condition(Condition::string_equals(
                    keys::SOURCE_VPCE,
                    [Value::from("vpce-1"), Value::from("vpce-2")],
                )),
        );
        assert_eq!(
            json(doc),
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Describe","Effect":"Allow","Action":["sagemaker:DescribeDomain"],"Resource":["arn:aws:sagemaker:eu-west-1:111122223333:domain/d-1"],"Condition":{"StringEquals":{"aws:SourceVpce":["vpce-1","vpce-2"]}}}]}"#
        );
    }

    #[test]
    fn conditions_with_one_operator_share_a_block() {
        let doc = PolicyDocument::new().statement(
            Statement::allow()
                .actions([&DESCRIBE])
                .any_resource()
                .condition(Condition::string_equals(
                    keys::KMS_CALLER_ACCOUNT,
                    [Value::from("1")],
                ))
                .condition(Condition::string_equals(
                    keys::KMS_VIA_SERVICE,
                    [Value::from("s")],
                ))
                .condition(Condition::bool(keys::MULTI_FACTOR_AUTH_PRESENT, false).if_exists()),
        );
        assert!(json(doc).contains(
            r#""Condition":{"StringEquals":{"kms:CallerAccount":"1","kms:ViaService":"s"},"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#
        ));
    }

    #[test]
    fn not_action_and_qualifiers_serialize() {
        let doc = PolicyDocument::new().statement(
            Statement::deny()
                .not_actions([&Action::new("iam:ListMFADevices")])
                .any_resource()
                .condition(
                    Condition::string_like(keys::TAG_KEYS, [Value::from("team-*")])
                        .qualified(SetQualifier::ForAllValues),
                )
                .condition(Condition::null(keys::PRINCIPAL_ARN, false))
                .condition(Condition::arn_like(
                    keys::PRINCIPAL_ARN,
                    [Value::from("arn:aws:iam::1:role/x")],
                )),
        );
        let text = json(doc);
        assert!(text.contains(r#""Effect":"Deny","NotAction":["iam:ListMFADevices"]"#));
        assert!(text.contains(r#""ForAllValues:StringLike":{"aws:TagKeys":"team-*"}"#));
        assert!(text.contains(r#""Null":{"aws:PrincipalArn":"false"}"#));
        assert!(text.contains(r#""ArnLike":{"aws:PrincipalArn":"arn:aws:iam::1:role/x"}"#));
    }

    #[test]
    fn session_names_user_ids_and_ip_ranges_serialize() {
        let doc = PolicyDocument::new().statement(
            Statement::deny()
                .not_actions([&Action::new("sts:AssumeRole")])
                .any_resource()
                .condition(Condition::string_not_like(
                    keys::USER_ID,
                    [Value::from("*:a"), Value::from("*:b")],
                ))
                .condition(Condition::string_equals(
                    keys::STS_ROLE_SESSION_NAME,
                    [Value::from("a")],
                ))
                .condition(Condition::ip_address(
                    keys::SOURCE_IP,
                    [Value::from("203.0.113.0/24")],
                )),
        );
        assert!(json(doc).contains(
            r#""Condition":{"StringNotLike":{"aws:userid":["*:a","*:b"]},"StringEquals":{"sts:RoleSessionName":"a"},"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#
        ));
    }

    #[test]
    #[should_panic(expected = "single-valued")]
    fn set_qualifier_on_single_valued_key_is_refused() {
        let _ = Condition::string_equals(keys::SOURCE_VPCE, [Value::from("vpce-1")])
            .qualified(SetQualifier::ForAnyValue);
    }

    #[test]
    fn principals_serialize() {
        let doc = PolicyDocument::new().statement(
            Statement::allow()
                .principal(Principal::service("sagemaker.amazonaws.com"))
                .actions([&Action::new("sts:AssumeRole")])
                .condition(Condition::arn_equals(
                    keys::PRINCIPAL_ARN,
                    [Value::from("arn:aws:iam::1:role/r")],
                )),
        );
        assert!(json(doc).contains(
            r#""Principal":{"Service":["sagemaker.amazonaws.com"]},"Action":["sts:AssumeRole"],"Condition":{"ArnEquals""#
        ));
    }
}
