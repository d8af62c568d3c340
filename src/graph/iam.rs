//! What an identity may do, in a line: read from the policy statements of the template,
//! so that the picture a reviewer sees is the policy that will be deployed, never a
//! description of what it was meant to be.

use crate::template::json::Json;

use crate::template::read;

/// One statement, as much of it as a diagram shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement<'a> {
    pub deny: bool,
    /// `NotAction`: every action but these.
    pub not_action: bool,
    /// Full action names (`s3:GetObject`).
    pub actions: Vec<String>,
    /// The `Resource` entries (`NotResource` is shown as its entries too, flagged below).
    pub resources: Vec<&'a Json>,
    pub not_resource: bool,
    /// Condition keys, in order, without repeats (`aws:SourceVpce`).
    pub conditions: Vec<String>,
}

fn strings(value: Option<&Json>) -> Vec<String> {
    match value {
        Some(Json::String(s)) => vec![s.to_string()],
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(Json::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

fn entries(value: Option<&Json>) -> Vec<&Json> {
    match value {
        Some(Json::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

fn condition_keys(statement: &Json) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for test in statement
        .get("Condition")
        .and_then(Json::as_object)
        .into_iter()
        .flat_map(|c| c.values())
    {
        for key in test.as_object().into_iter().flat_map(|t| t.keys()) {
            if !keys.iter().any(|k| k == key) {
                keys.push(key.to_string());
            }
        }
    }
    keys
}

/// The statements of a policy document, in order.
pub fn statements(document: &Json) -> Vec<Statement<'_>> {
    entries(document.get("Statement"))
        .into_iter()
        .map(|s| {
            let not_action = s.get("NotAction").is_some();
            let not_resource = s.get("NotResource").is_some();
            Statement {
                deny: s.get("Effect").and_then(Json::as_str) == Some("Deny"),
                not_action,
                actions: strings(s.get(if not_action { "NotAction" } else { "Action" })),
                resources: entries(s.get(if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                })),
                not_resource,
                conditions: condition_keys(s),
            }
        })
        .collect()
}

/// The service prefix of an action (`s3` of `s3:GetObject`); `*` for `*`.
pub fn service(action: &str) -> &str {
    action.split_once(':').map_or(action, |(s, _)| s)
}

/// The verb an action name starts with: `Get` of `GetObjectVersion`.
fn verb(name: &str) -> &str {
    let end = name
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_ascii_uppercase() || *c == '*')
        .map_or(name.len(), |(i, _)| i);
    &name[..end]
}

/// Up to three actions by name; more as a count with their verbs, which keeps a label
/// short while still telling read from write from delete.
pub fn summarize_actions(names: &[String]) -> String {
    let short: Vec<&str> = names
        .iter()
        .map(|a| a.split_once(':').map_or(a.as_str(), |(_, n)| n))
        .collect();
    if short.len() <= 3 {
        return short.join(", ");
    }
    let mut verbs: Vec<&str> = Vec::new();
    for name in &short {
        let v = verb(name);
        if !verbs.contains(&v) {
            verbs.push(v);
        }
    }
    format!("{} actions ({})", short.len(), verbs.join(", "))
}

/// The part of an ARN after its account field (`log-group:/aws/sagemaker/*` of
/// `arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/sagemaker/*`),
/// with `Fn::Sub`'s `${!…}` literal shown as IAM will see it; an account written out (not
/// the stack's own) is kept in front (`111111111111:role/x`). Anything that is not an ARN
/// is returned as it is.
pub fn short_arn(text: &str) -> String {
    // `${AWS::Partition}` holds colons; hide them while splitting the ARN's fields.
    let masked = text.replace("${AWS::", "${AWS\u{0}");
    let shown = match masked.strip_prefix("arn:") {
        Some(rest) => {
            let fields: Vec<&str> = rest.splitn(5, ':').collect();
            let tail = fields.get(4).copied().unwrap_or(rest);
            match fields.get(3) {
                Some(account)
                    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    format!("{account}:{tail}")
                }
                _ => tail.to_string(),
            }
        }
        None => masked,
    };
    shown.replace("${AWS\u{0}", "${AWS::").replace("${!", "${")
}

/// A policy value as a reader names it: an ARN shortened, a `Ref` or `Fn::GetAtt` by
/// its target (a parameter's name, `Role.Arn`), and an `Fn::If` by its value where the
/// condition holds, followed by `(if Condition)`.
pub fn describe(value: &Json) -> String {
    if let Some(text) = read::text(value) {
        return short_arn(text);
    }
    let Some((key, arg)) = value
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next())
    else {
        return "a value".to_string();
    };
    match (key.as_str(), arg) {
        ("Ref", Json::String(name)) => name.to_string(),
        ("Fn::GetAtt", Json::Array(parts)) => parts
            .iter()
            .filter_map(Json::as_str)
            .collect::<Vec<_>>()
            .join("."),
        ("Fn::GetAtt", Json::String(dotted)) => dotted.to_string(),
        ("Fn::If", Json::Array(parts)) if parts.len() == 3 => format!(
            "{} (if {})",
            describe(&parts[1]),
            parts[0].as_str().unwrap_or("?")
        ),
        _ => format!("a {key} value"),
    }
}

/// Who may assume a role, from its trust policy: services by their short name, the
/// account, or other principals by their short ARN, with the condition keys that limit
/// them.
pub fn trusted(document: &Json) -> Vec<String> {
    let mut who = Vec::new();
    for s in entries(document.get("Statement")) {
        if s.get("Effect").and_then(Json::as_str) == Some("Deny") {
            continue;
        }
        let mut names = Vec::new();
        let principal = s.get("Principal");
        if principal.and_then(Json::as_str) == Some("*") {
            names.push("anyone".to_string());
        }
        for (kind, value) in principal.and_then(Json::as_object).into_iter().flatten() {
            for p in entries(Some(value)) {
                let text = describe(p);
                names.push(match kind.as_str() {
                    "Service" => text.trim_end_matches(".amazonaws.com").to_string(),
                    "AWS" if text == "root" => "this account".to_string(),
                    _ => text,
                });
            }
        }
        let conditions = condition_keys(s);
        let mut line = names.join(", ");
        if !conditions.is_empty() {
            line.push_str(&format!(" if {}", conditions.join(", ")));
        }
        if !line.is_empty() && !who.contains(&line) {
            who.push(line);
        }
    }
    who
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn few_actions_by_name_many_by_count_and_verb() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            summarize_actions(&names(&["s3:ListBucket", "s3:GetBucketLocation"])),
            "ListBucket, GetBucketLocation"
        );
        assert_eq!(
            summarize_actions(&names(&[
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:DeleteObject",
                "kms:GenerateDataKey*"
            ])),
            "5 actions (Get, Put, Delete, Generate)"
        );
    }

    #[test]
    fn values_are_described_by_what_they_name() {
        assert_eq!(
            describe(&json!({"Ref": "CentralOnboardingRoleArn"})),
            "CentralOnboardingRoleArn"
        );
        assert_eq!(
            describe(&json!({"Fn::GetAtt": ["Role", "Arn"]})),
            "Role.Arn"
        );
        assert_eq!(
            describe(
                &json!({"Fn::If": ["GroupEnabled", {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/x"}, {"Ref": "AWS::NoValue"}]})
            ),
            "parameter/x (if GroupEnabled)"
        );
        assert_eq!(describe(&json!({"Fn::Join": ["", []]})), "a Fn::Join value");
    }

    #[test]
    fn short_arns_keep_the_resource_part() {
        assert_eq!(
            short_arn(
                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/sagemaker/*"
            ),
            "log-group:/aws/sagemaker/*"
        );
        assert_eq!(
            short_arn("arn:${AWS::Partition}:iam::${AWS::AccountId}:user/${!aws:username}"),
            "user/${aws:username}"
        );
        assert_eq!(short_arn("*"), "*");
        // Another account's resource keeps its account.
        assert_eq!(
            short_arn("arn:${AWS::Partition}:iam::111111111111:role/x-provisioning-eu-west-1"),
            "111111111111:role/x-provisioning-eu-west-1"
        );
    }

    #[test]
    fn trust_names_services_and_the_account_with_conditions() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"Service": ["sagemaker.amazonaws.com"]}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}]},
             "Action": "sts:AssumeRole", "Condition": {"ArnEquals": {"aws:PrincipalArn": "x"}}}
        ]});
        assert_eq!(
            trusted(&doc),
            ["sagemaker", "this account if aws:PrincipalArn"]
        );
    }

    #[test]
    fn statements_read_not_action_and_conditions() {
        let doc = json!({"Statement": {"Effect": "Deny", "NotAction": ["iam:ChangePassword"], "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}});
        let s = &statements(&doc)[0];
        assert!(s.deny && s.not_action);
        assert_eq!(s.actions, ["iam:ChangePassword"]);
        assert_eq!(s.conditions, ["aws:MultiFactorAuthPresent"]);
    }
}
