//! Reading the policy documents of a template (identity, trust, resource and key
//! policies) into one shape that the IAM, KMS and completeness rules share.

use crate::template::json::{Json, JsonMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to a role, user or group (inline or managed).
    Identity,
    /// A role's AssumeRolePolicyDocument.
    Trust,
    /// A bucket or queue policy: it grants.
    Resource,
    /// A VPC endpoint policy: a filter on what may pass the endpoint, granting nothing.
    Endpoint,
    /// A KMS key policy (`Resource: "*"` there means "this key").
    Key,
}

/// One policy document and where it is.
#[derive(Clone, Debug)]
pub struct PolicyDoc<'a> {
    pub resource: &'a str,
    pub resource_type: &'a str,
    pub kind: PolicyKind,
    /// Path of the document under the resource, e.g. `Properties.Policies[0].PolicyDocument`.
    pub path: String,
    pub statements: Vec<Stmt<'a>>,
}

/// One statement, normalized (a single string and a one-item list read the same).
#[derive(Clone, Debug)]
pub struct Stmt<'a> {
    pub index: usize,
    pub allow: bool,
    pub not_action: bool,
    pub actions: Vec<&'a str>,
    pub not_resource: bool,
    pub resources: Vec<&'a Json>,
    pub principal: Option<&'a Json>,
    pub condition: Option<&'a JsonMap>,
}

/// One test of a Condition block: the operator as written, the key, and its values.
#[derive(Clone, Debug)]
pub struct CondTest<'a> {
    pub operator: &'a str,
    pub key: &'a str,
    pub values: Vec<&'a Json>,
}

impl<'a> Stmt<'a> {
    /// The condition tests, in order.
    pub fn conditions(&self) -> Vec<CondTest<'a>> {
        let mut out = Vec::new();
        for (operator, tests) in self.condition.into_iter().flatten() {
            for (key, values) in tests.as_object().into_iter().flatten() {
                let values = match values {
                    Json::Array(items) => items.iter().collect(),
                    one => vec![one],
                };
                out.push(CondTest {
                    operator,
                    key,
                    values,
                });
            }
        }
        out
    }

    /// Whether any action (wildcards in the statement honoured) matches `action`.
    pub fn mentions(&self, action: &str) -> bool {
        !self.not_action && self.actions.iter().any(|a| action_matches(a, action))
    }

    /// `Resource: "*"` (or a list holding "*").
    pub fn any_resource(&self) -> bool {
        !self.not_resource && self.resources.iter().any(|r| r.as_str() == Some("*"))
    }
}

/// IAM's case-insensitive action match with `*` and `?` wildcards in the pattern. One
/// pass, going back only to the last `*` seen (which then takes one more byte): a `*`
/// before it can take any bytes a later `*` would have needed, so no other choice is
/// ever worth trying again. The rules ask this of every statement's actions, and trying
/// each split at each `*` (as a recursive match does) cost a twentieth of a 2-user run.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let (pattern, action) = (pattern.as_bytes(), action.as_bytes());
    let (mut p, mut a) = (0, 0);
    // The pattern's place after the last `*`, and the first action byte it may take next.
    let mut last_star: Option<(usize, usize)> = None;
    while a < action.len() {
        match pattern.get(p) {
            Some(b'*') => {
                p += 1;
                last_star = Some((p, a));
            }
            Some(b'?') => (p, a) = (p + 1, a + 1),
            Some(x) if x.eq_ignore_ascii_case(&action[a]) => (p, a) = (p + 1, a + 1),
            _ => {
                let Some((after_star, from)) = last_star else {
                    return false;
                };
                (p, a) = (after_star, from + 1);
                last_star = Some((after_star, from + 1));
            }
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

fn strings(value: Option<&Json>) -> Vec<&str> {
    match value {
        Some(Json::String(s)) => vec![s.as_str()],
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

fn values(value: Option<&Json>) -> Vec<&Json> {
    match value {
        Some(Json::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    }
}

fn parse<'a>(
    resource: &'a str,
    resource_type: &'a str,
    kind: PolicyKind,
    path: String,
    doc: &'a Json,
) -> PolicyDoc<'a> {
    let statements = match doc.get("Statement") {
        Some(Json::Array(items)) => items.iter().collect(),
        Some(one @ Json::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    let statements = statements
        .into_iter()
        .enumerate()
        .map(|(index, s)| Stmt {
            index,
            allow: s.get("Effect").and_then(Json::as_str) == Some("Allow"),
            not_action: s.get("NotAction").is_some(),
            actions: strings(s.get("Action").or_else(|| s.get("NotAction"))),
            not_resource: s.get("NotResource").is_some(),
            resources: values(s.get("Resource").or_else(|| s.get("NotResource"))),
            principal: s.get("Principal"),
            condition: s.get("Condition").and_then(Json::as_object),
        })
        .collect();
    PolicyDoc {
        resource,
        resource_type,
        kind,
        path,
        statements,
    }
}

/// Every policy document in the resources, in template order: `resources` gives each
/// resource's logical ID, `Type` and `Properties` (as the rules' context keeps them).
pub fn collect<'a>(
    resources: impl Iterator<Item = (&'a str, Option<&'a str>, &'a Json)>,
) -> Vec<PolicyDoc<'a>> {
    let mut out = Vec::new();
    for (id, kind_name, p) in resources {
        let Some(kind_name) = kind_name else {
            continue;
        };
        let mut add = |kind: PolicyKind, path: String, doc: Option<&'a Json>| {
            if let Some(doc) = doc.filter(|d| d.is_object()) {
                out.push(parse(id, kind_name, kind, path, doc));
            }
        };
        match kind_name {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                if kind_name == "AWS::IAM::Role" {
                    add(
                        PolicyKind::Trust,
                        "Properties.AssumeRolePolicyDocument".into(),
                        p.get("AssumeRolePolicyDocument"),
                    );
                }
                for (i, policy) in super::list(&p["Policies"]).iter().enumerate() {
                    add(
                        PolicyKind::Identity,
                        format!("Properties.Policies[{i}].PolicyDocument"),
                        policy.get("PolicyDocument"),
                    );
                }
            }
            "AWS::IAM::ManagedPolicy" | "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" => add(
                PolicyKind::Identity,
                "Properties.PolicyDocument".into(),
                p.get("PolicyDocument"),
            ),
            "AWS::S3::BucketPolicy" | "AWS::SQS::QueuePolicy" | "AWS::SNS::TopicPolicy" => add(
                PolicyKind::Resource,
                "Properties.PolicyDocument".into(),
                p.get("PolicyDocument"),
            ),
            "AWS::EC2::VPCEndpoint" => add(
                PolicyKind::Endpoint,
                "Properties.PolicyDocument".into(),
                p.get("PolicyDocument"),
            ),
            "AWS::KMS::Key" => add(
                PolicyKind::Key,
                "Properties.KeyPolicy".into(),
                p.get("KeyPolicy"),
            ),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_wildcards() {
        assert!(action_matches("s3:Get*", "s3:GetObject"));
        assert!(action_matches("*", "iam:PassRole"));
        assert!(action_matches("iam:pass?ole", "iam:PassRole"));
        assert!(!action_matches("s3:Get*", "s3:PutObject"));
        assert!(!action_matches("s3:GetObject", "s3:GetObjectAcl"));
        assert!(action_matches("S3:*object*", "s3:GetObjectAcl"));
        assert!(action_matches("*a*b", "xaxbab"));
        assert!(!action_matches("*a*b", "xaxbaa"));
        assert!(action_matches("a**", "a"));
        assert!(!action_matches("?", ""));
        assert!(action_matches("", ""));
    }

    /// The rule by its definition, trying every split at each `*`.
    fn matches_by_splits(p: &[u8], a: &[u8]) -> bool {
        match (p.first(), a.first()) {
            (None, None) => true,
            (Some(b'*'), _) => {
                matches_by_splits(&p[1..], a) || (!a.is_empty() && matches_by_splits(p, &a[1..]))
            }
            (Some(b'?'), Some(_)) => matches_by_splits(&p[1..], &a[1..]),
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => matches_by_splits(&p[1..], &a[1..]),
            _ => false,
        }
    }

    proptest::proptest! {
        #[test]
        fn the_one_pass_match_is_the_match_by_splits(
            pattern in "[ab*?:A]{0,8}",
            action in "[abAB:]{0,10}",
        ) {
            proptest::prop_assert_eq!(
                action_matches(&pattern, &action),
                matches_by_splits(pattern.as_bytes(), action.as_bytes())
            );
        }
    }
}
