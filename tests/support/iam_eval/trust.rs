//! Role trust policies, for access-matrix rows about who may become whom: may this role
//! (or this AWS service) assume that role of the template, with this request context?
//!
//! Within the account, as IAM decides `sts:AssumeRole` there: the target's trust policy
//! must allow the caller (an explicit Deny in it wins), and when it allows the caller
//! through the account principal (`arn:aws:iam::<account>:root`) rather than by the
//! caller's own ARN, the caller's identity policies must allow `sts:AssumeRole` on the
//! target too. A service caller is judged by the trust policy alone. A principal of another
//! account ([`Caller::External`]) is assumed to hold an identity policy that allows the call
//! (the worst case: it is not in the template), so its trust policy alone decides too,
//! whether it names the principal's ARN or its account (IAM User Guide, "Cross-account
//! policy evaluation logic": the trust policy must allow it). The request context
//! always holds the caller's `aws:PrincipalArn` and `aws:PrincipalAccount` (for a role or
//! an external principal);
//! the test adds the rest (`sts:RoleSessionName`, `aws:SourceVpce`, `aws:userid`, …).
//!
//! Strict like the rest of the evaluator: `NotPrincipal`, a principal type other than
//! `AWS` and `Service`, or a trust policy it cannot read panics, naming it.

use serde_json::{Map, Value as Json};

use super::{ACCOUNT_ID, Decision, Effect, Evaluator, Kind, PARTITION, applies, prop};

/// Who asks to assume the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller<'c> {
    /// A session of the role with this logical ID in the template.
    Role(&'c str),
    /// An AWS service principal such as `sagemaker.amazonaws.com`.
    Service(&'c str),
    /// A principal of another account, by its ARN (`arn:aws:iam::<account>:role/<name>`),
    /// whose own policies allow everything.
    External(&'c str),
}

/// The account of an IAM ARN such as `arn:aws:iam::444455556666:role/x`.
fn account_of(arn: &str) -> &str {
    let account = arn.split(':').nth(4).unwrap_or("");
    assert!(
        account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()),
        "iam_eval: `{arn}` is not an IAM ARN with an account"
    );
    account
}

impl Evaluator<'_> {
    /// Decides whether `caller` may `sts:AssumeRole` the role `target` (logical ID) with the
    /// request context `context` (see the module documentation).
    pub fn decide_assume_role(
        &self,
        caller: Caller,
        target: &str,
        context: &[(&str, &str)],
    ) -> Decision {
        let (resource, kind) = self.principal(target);
        assert!(
            kind == Kind::Role,
            "iam_eval: `{target}` is not an AWS::IAM::Role: only roles are assumed"
        );
        let target_arn = self.principal_arn(target, Kind::Role);
        let caller_arn = match caller {
            Caller::Role(id) => Some(self.principal_arn(id, Kind::Role)),
            Caller::External(arn) => Some(arn.to_string()),
            Caller::Service(_) => None,
        };
        let caller_account = match caller {
            Caller::External(arn) => account_of(arn).to_string(),
            _ => ACCOUNT_ID.to_string(),
        };
        let mut pairs: Vec<(String, String)> = context
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        if let Some(arn) = &caller_arn {
            for (key, value) in [
                ("aws:PrincipalArn", arn.clone()),
                ("aws:PrincipalAccount", caller_account.clone()),
            ] {
                if !pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
                    pairs.push((key.to_string(), value));
                }
            }
        }
        let context: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let label = format!("{target} trust policy");
        let document = prop(resource, "AssumeRolePolicyDocument")
            .unwrap_or_else(|| panic!("iam_eval: {target} has no AssumeRolePolicyDocument"));
        let statements = document
            .get("Statement")
            .and_then(Json::as_array)
            .unwrap_or_else(|| panic!("iam_eval: {label}: Statement is not a list"));
        let mut deny = None;
        let mut allow: Option<(String, bool)> = None;
        for (i, statement) in statements.iter().enumerate() {
            let statement = statement
                .as_object()
                .unwrap_or_else(|| panic!("iam_eval: {label} statement #{i} is not an object"));
            assert!(
                !statement.contains_key("NotPrincipal"),
                "iam_eval: {label} statement #{i} has NotPrincipal, which the evaluator does not read"
            );
            let principal = statement
                .get("Principal")
                .unwrap_or_else(|| panic!("iam_eval: {label} statement #{i} has no Principal"));
            let Some(by_own_arn) =
                self.principal_matches(principal, caller, caller_arn.as_deref(), &label)
            else {
                continue;
            };
            // The statement as an identity-policy statement on the target's ARN, so that
            // actions and conditions are read exactly as everywhere else.
            let mut rest: Map<String, Json> = statement.clone();
            rest.remove("Principal");
            rest.insert("Resource".to_string(), Json::String(target_arn.clone()));
            let parsed =
                self.parse_statement(&label, i, &Json::Object(rest), super::PolicyKind::Identity);
            let place = format!("{label} statement {}", parsed.id);
            let context = super::Context::new(&context, self.absent_variables_match_nothing);
            if !applies(&parsed, "sts:AssumeRole", &target_arn, &context, &place) {
                continue;
            }
            match parsed.effect {
                Effect::Deny if deny.is_none() => deny = Some(place),
                Effect::Allow if allow.is_none() => allow = Some((place, by_own_arn)),
                _ => {}
            }
        }
        if let Some(place) = deny {
            return Decision {
                allowed: false,
                reason: format!("denied by {place}"),
            };
        }
        let Some((place, by_own_arn)) = allow else {
            return Decision {
                allowed: false,
                reason: format!(
                    "implicit deny: the trust policy of {target} allows no such caller"
                ),
            };
        };
        match caller {
            Caller::Role(id) if !by_own_arn => {
                let identity = self.decide(id, "sts:AssumeRole", &target_arn, &context);
                Decision {
                    allowed: identity.allowed,
                    reason: format!("trust: allowed by {place}; identity: {}", identity.reason),
                }
            }
            _ => Decision {
                allowed: true,
                reason: format!("allowed by {place}"),
            },
        }
    }

    /// Whether `principal` (a statement's `Principal`) names the caller: `None` if not,
    /// `Some(true)` if by the caller's own ARN (or service name), `Some(false)` if through
    /// its account.
    fn principal_matches(
        &self,
        principal: &Json,
        caller: Caller,
        caller_arn: Option<&str>,
        label: &str,
    ) -> Option<bool> {
        if principal == "*" {
            return Some(false);
        }
        let map = principal
            .as_object()
            .unwrap_or_else(|| panic!("iam_eval: {label}: Principal {principal} is not an object"));
        let mut found = None;
        for (kind, values) in map {
            let values = self.string_list(values, &format!("{label} Principal {kind}"));
            match (kind.as_str(), caller) {
                ("AWS", Caller::Role(_) | Caller::External(_)) => {
                    let id = match caller {
                        Caller::External(arn) => account_of(arn),
                        _ => ACCOUNT_ID,
                    };
                    let account = [format!("arn:{PARTITION}:iam::{id}:root"), id.to_string()];
                    if values.iter().any(|v| Some(v.as_str()) == caller_arn) {
                        return Some(true);
                    }
                    if values.iter().any(|v| v == "*" || account.contains(v)) {
                        found = Some(false);
                    }
                }
                ("Service", Caller::Service(name)) => {
                    if values.iter().any(|v| v == name) {
                        return Some(true);
                    }
                }
                ("AWS" | "Service", _) => {}
                (other, _) => panic!(
                    "iam_eval: {label}: principal type `{other}` is not read by the evaluator"
                ),
            }
        }
        found
    }
}
