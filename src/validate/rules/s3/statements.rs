//! Reading bucket policies for what they guarantee: which bucket a policy is for, whether
//! a statement denies an action to everyone on a bucket's objects, and under which
//! conditions only (a Deny with one more condition denies less). The S3 data rules share
//! these, so that "the bucket policy denies X" means the same in each.

use crate::template::json::Json;

use super::super::policy::{CondTest, PolicyDoc, PolicyKind, Stmt, action_matches};
use super::super::{Context, target};
use crate::template::read::Sub;

/// Each bucket policy of the template, with the logical id of the bucket it is for.
pub fn bucket_policies<'c, 'a>(cx: &'c Context<'a>) -> Vec<(&'a str, &'c PolicyDoc<'a>)> {
    cx.policies()
        .iter()
        .filter(|d| d.kind == PolicyKind::Resource && d.resource_type == "AWS::S3::BucketPolicy")
        .filter_map(|d| {
            let bucket = target(&cx.resource(d.resource)?["Properties"]["Bucket"])?;
            Some((bucket, d))
        })
        .collect()
}

/// `Principal: "*"` or `{"AWS": "*"}` (a string or a list holding `*`).
pub fn everyone(principal: Option<&Json>) -> bool {
    let star = |v: &Json| v.as_str() == Some("*");
    match principal {
        Some(Json::String(s)) => s == "*",
        Some(Json::Object(map)) => match map.get("AWS") {
            Some(Json::Array(items)) => items.iter().any(star),
            Some(one) => star(one),
            None => false,
        },
        _ => false,
    }
}

/// Whether the statement's actions include `action` (wildcards honoured; a `NotAction`
/// statement includes every action it does not list).
pub fn covers_action(s: &Stmt, action: &str) -> bool {
    if s.not_action {
        !s.actions.iter().any(|a| action_matches(a, action))
    } else {
        s.mentions(action)
    }
}

/// The bucket ARN itself: `Fn::GetAtt [bucket, Arn]`.
pub fn is_bucket_arn(value: &Json, bucket: &str) -> bool {
    value.get("Fn::GetAtt").is_some() && target(value) == Some(bucket)
}

/// Every object of the bucket: `${bucket.Arn}/*`.
pub fn is_all_objects(value: &Json, bucket: &str) -> bool {
    Sub::of(value)
        .is_some_and(|sub| sub.bindings.is_none() && sub.text == format!("${{{bucket}.Arn}}/*"))
}

/// A Deny to everyone on every object of the bucket (and on the bucket itself when
/// `with_bucket`), of an action that covers `action`.
pub fn denies_to_everyone(s: &Stmt, bucket: &str, action: &str, with_bucket: bool) -> bool {
    !s.allow
        && everyone(s.principal)
        && covers_action(s, action)
        && !s.not_resource
        && s.resources.iter().any(|r| is_all_objects(r, bucket))
        && (!with_bucket || s.resources.iter().any(|r| is_bucket_arn(r, bucket)))
}

/// One condition test a Deny may carry.
pub struct Test<'t> {
    /// Operators it may be written with (`StringNotEquals`, `StringNotEqualsIfExists`).
    pub operators: &'static [&'static str],
    /// The condition key (compared without regard to case, as IAM does).
    pub key: &'static str,
    /// Whether the values are the ones that keep the Deny as strong as intended.
    pub values: &'t dyn Fn(&[&Json]) -> bool,
}

impl Test<'_> {
    fn matches(&self, c: &CondTest) -> bool {
        self.operators.contains(&c.operator)
            && self.key.eq_ignore_ascii_case(c.key)
            && (self.values)(&c.values)
    }
}

/// Whether the statement's conditions are exactly what a Deny of this kind may carry:
/// every `required` test is there, and every condition is a required or an `allowed` one.
/// A condition outside both lists narrows the Deny, so the statement does not count.
pub fn conditions_are(s: &Stmt, required: &[Test], allowed: &[Test]) -> bool {
    let tests = s.conditions();
    required.iter().all(|r| tests.iter().any(|c| r.matches(c)))
        && tests
            .iter()
            .all(|c| required.iter().chain(allowed).any(|t| t.matches(c)))
}

/// Operators of a negated string test, with and without `IfExists`.
pub const STRING_NOT_EQUALS: &[&str] = &["StringNotEquals", "StringNotEqualsIfExists"];
/// Operators of a boolean test, with and without `IfExists`.
pub const BOOL: &[&str] = &["Bool", "BoolIfExists"];
/// Operators that exempt principals by ARN from a Deny.
pub const ARN_NOT: &[&str] = &[
    "ArnNotLike",
    "ArnNotLikeIfExists",
    "ArnNotEquals",
    "ArnNotEqualsIfExists",
];

/// The values are all `false` (a string or a JSON boolean).
pub fn all_false(values: &[&Json]) -> bool {
    !values.is_empty()
        && values
            .iter()
            .all(|v| v.as_str() == Some("false") || v.as_bool() == Some(false))
}

/// The values are all `true`.
pub fn all_true(values: &[&Json]) -> bool {
    !values.is_empty()
        && values
            .iter()
            .all(|v| v.as_str() == Some("true") || v.as_bool() == Some(true))
}

/// Any values.
pub fn any(_: &[&Json]) -> bool {
    true
}

/// The principal ARN patterns a Deny on the bucket's objects exempts: the values of its
/// `ArnNotLike…`/`ArnNotEquals… aws:PrincipalArn` tests (literal strings only).
pub fn exempted_principals<'a>(s: &Stmt<'a>) -> Vec<&'a str> {
    s.conditions()
        .into_iter()
        .filter(|c| ARN_NOT.contains(&c.operator) && c.key.eq_ignore_ascii_case("aws:PrincipalArn"))
        .flat_map(|c| c.values.into_iter().filter_map(Json::as_str))
        .collect()
}

/// Whether a resource of an Allow could name some object of `bucket` (whose `BucketName`
/// is `name`, when the template fixes one). Without a fixed name, a literal ARN with a
/// wildcard in its bucket part may name the bucket CloudFormation generates, so it counts.
/// Shapes this reading does not know count too: a rule that uses it errs towards a
/// finding.
pub fn reaches_objects(resource: &Json, bucket: &str, name: Option<&str>) -> bool {
    let objects = format!("arn:aws:s3:::{}/", name.unwrap_or(GENERATED));
    match resource {
        Json::String(pattern) => {
            let wildcard_bucket = name.is_none()
                && pattern
                    .split_once(":::")
                    .map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
                    .is_some_and(|b| b.contains(['*', '?']));
            wildcard_bucket || matches_some_with_prefix(pattern, &objects)
        }
        _ if resource.get("Fn::GetAtt").is_some() || resource.get("Ref").is_some() => false,
        _ => match Sub::of(resource) {
            Some(sub) if sub.bindings.is_none() => {
                matches_some_with_prefix(&substitute(sub.text, bucket, name), &objects)
            }
            _ => true,
        },
    }
}

/// The stand-in for a bucket name CloudFormation generates.
const GENERATED: &str = "generated-bucket-name";

/// Whether the IAM pattern (`*` and `?` wildcards) matches some string that starts with
/// `prefix`.
fn matches_some_with_prefix(pattern: &str, prefix: &str) -> bool {
    fn go(p: &[u8], q: &[u8]) -> bool {
        match (p.first(), q.first()) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(b'*'), _) => go(&p[1..], q) || go(p, &q[1..]),
            (Some(b'?'), Some(_)) => go(&p[1..], &q[1..]),
            (Some(x), Some(y)) => x.eq_ignore_ascii_case(y) && go(&p[1..], &q[1..]),
        }
    }
    go(pattern.as_bytes(), prefix.as_bytes())
}

/// An `Fn::Sub` text with `${bucket.Arn}` and `${bucket}` replaced by the bucket's ARN and
/// name, pseudo parameters by values of the `aws` partition, and any other variable by a
/// value no bucket ARN matches.
fn substitute(text: &str, bucket: &str, name: Option<&str>) -> String {
    let name = name.unwrap_or(GENERATED);
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let variable = &after[..end];
        let value = if variable == format!("{bucket}.Arn") {
            format!("arn:aws:s3:::{name}")
        } else if variable == bucket {
            name.to_string()
        } else if variable.starts_with("AWS::") {
            "aws".to_string()
        } else if let Some(literal) = variable.strip_prefix('!') {
            format!("${{{literal}}}")
        } else {
            format!("<{variable}>")
        };
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn everyone_is_a_star_principal_in_any_spelling() {
        assert!(everyone(Some(&json!("*"))));
        assert!(everyone(Some(&json!({"AWS": "*"}))));
        assert!(everyone(Some(&json!({"AWS": ["*"]}))));
        assert!(!everyone(Some(
            &json!({"AWS": ["arn:aws:iam::111122223333:root"]})
        )));
        assert!(!everyone(Some(
            &json!({"Service": "logging.s3.amazonaws.com"})
        )));
        assert!(!everyone(None));
    }

    #[test]
    fn which_resources_reach_a_buckets_objects() {
        let reaches = |r: Json| reaches_objects(&r, "Raw", None);
        assert!(reaches(json!("*")));
        assert!(reaches(json!("arn:aws:s3:::*")));
        assert!(reaches(json!("arn:*:s3:::*/*")));
        assert!(reaches(json!({"Fn::Sub": "${Raw.Arn}/*"})));
        assert!(reaches(json!({"Fn::Sub": "${Raw.Arn}/incoming/*"})));
        assert!(reaches(
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Raw}/*"})
        ));
        assert!(reaches(json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::*"})));
        assert!(reaches(
            json!({"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "Raw"}, "/*"]]})
        ));
        assert!(
            !reaches(json!({"Fn::GetAtt": ["Raw", "Arn"]})),
            "the bucket, not its objects"
        );
        assert!(!reaches(json!({"Fn::Sub": "${Other.Arn}/*"})));
        assert!(!reaches(json!("arn:aws:s3:::another-bucket/*")));
        assert!(
            !reaches(json!("arn:aws:s3:::generated-bucket-name")),
            "a bucket ARN"
        );
        assert!(
            reaches(json!("arn:aws:s3:::mystack-*/*")),
            "may be the generated name"
        );
        assert!(!reaches(json!({"Fn::GetAtt": ["Other", "Arn"]})));
        // A fixed name is matched as such.
        assert!(reaches_objects(
            &json!("arn:aws:s3:::team-raw/*"),
            "Raw",
            Some("team-raw")
        ));
        assert!(!reaches_objects(
            &json!("arn:aws:s3:::team-results/*"),
            "Raw",
            Some("team-raw")
        ));
    }
}
