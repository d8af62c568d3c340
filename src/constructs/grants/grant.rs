//! [`Grant`]: what every `grant_*` method returns. A grant is a value: the statements it
//! will add, with default Sids, until [`Grant::to`] adds them to a [`Grantee`]. Before
//! that, the caller may rename the statements ([`Grant::sid`], [`Grant::sids`]), narrow
//! them to some of their actions ([`Grant::only`]) or add a condition to each of them
//! ([`Grant::condition`]). Each of these can only take permissions away, never add an
//! action or a resource, so a grant stays least-privilege whatever the caller does.
//!
//! Nothing is checked when the grant is made: every mistake (an invalid Sid, an action the
//! grant does not hold, an invalid name given to the grant method) is an `Err` of
//! [`Grant::to`] (or [`Grant::statements`]), never a panic.

use crate::resources::iam::policy::{Action, Condition, Statement};
use crate::template::{LogicalId, Value};

use super::Grantee;
use crate::constructs::ConstructError;

/// One statement of a grant as its method defines it.
#[derive(Clone, Debug)]
struct Part {
    sid: String,
    actions: Vec<Action>,
    resources: Vec<Value>,
    conditions: Vec<Condition>,
}

/// Least-privilege statements for one resource, waiting for a grantee. See the module
/// documentation.
#[must_use = "a grant adds nothing until `.to(grantee)` is called"]
#[derive(Clone, Debug)]
pub struct Grant {
    /// What is granted on what, for error messages: "send messages to queue `Dlq`".
    subject: String,
    parts: Vec<Part>,
    sids: Option<Vec<String>>,
    only: Option<Vec<Action>>,
    conditions: Vec<Condition>,
    /// The first invalid input given to the grant method, reported by `to`.
    error: Option<String>,
}

impl Grant {
    /// An empty grant described by `subject` (grant methods add its statements).
    pub(crate) fn new(subject: impl Into<String>) -> Grant {
        Grant {
            subject: subject.into(),
            parts: Vec::new(),
            sids: None,
            only: None,
            conditions: Vec::new(),
            error: None,
        }
    }

    /// A grant that fails with `why` when it is given: the grant method got invalid input.
    pub(crate) fn invalid(subject: impl Into<String>, why: impl Into<String>) -> Grant {
        let mut grant = Grant::new(subject);
        grant.error = Some(why.into());
        grant
    }

    /// Adds a statement: `actions` on `resources`, with the default Sid `sid`.
    pub(crate) fn statement(
        self,
        sid: impl Into<String>,
        actions: &[Action],
        resources: impl IntoIterator<Item = Value>,
    ) -> Grant {
        self.conditional_statement(sid, actions, resources, [])
    }

    /// Adds a statement with conditions of its own.
    pub(crate) fn conditional_statement(
        mut self,
        sid: impl Into<String>,
        actions: &[Action],
        resources: impl IntoIterator<Item = Value>,
        conditions: impl IntoIterator<Item = Condition>,
    ) -> Grant {
        self.parts.push(Part {
            sid: sid.into(),
            actions: actions.to_vec(),
            resources: resources.into_iter().collect(),
            conditions: conditions.into_iter().collect(),
        });
        self
    }

    /// Names the grant's only statement `sid` (letters and digits) instead of its
    /// default. A grant of several statements needs [`Grant::sids`].
    pub fn sid(self, sid: &str) -> Grant {
        self.sids(&[sid])
    }

    /// Names the grant's statements, in order (after [`Grant::only`] has dropped the
    /// statements left without actions); one Sid per statement.
    pub fn sids(mut self, sids: &[&str]) -> Grant {
        self.sids = Some(sids.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Keeps only `actions` of the grant's actions, in the grant's order; a statement
    /// left without actions is dropped. Every action must be one the grant holds: `only`
    /// narrows a grant, it never widens one.
    pub fn only<'a>(mut self, actions: impl IntoIterator<Item = &'a Action>) -> Grant {
        self.only = Some(actions.into_iter().cloned().collect());
        self
    }

    /// Adds `condition` to every statement of the grant, after the statement's own
    /// conditions (e.g. `aws:SourceVpce`, or `kms:ViaService` from
    /// [`super::kms::via_services`]).
    pub fn condition(mut self, condition: Condition) -> Grant {
        self.conditions.push(condition);
        self
    }

    /// Adds the grant's statements to `grantee`'s policy.
    pub fn to<G: Grantee + ?Sized>(self, grantee: &mut G) -> Result<(), ConstructError> {
        let statements = self.statements()?;
        grantee.grant(statements)
    }

    /// The statements the grant adds, as [`Grant::to`] would add them.
    pub fn statements(&self) -> Result<Vec<Statement>, ConstructError> {
        let fail = |why: String| ConstructError::Invalid(format!("{}: {why}", self.subject));
        if let Some(why) = &self.error {
            return Err(fail(why.clone()));
        }
        let mut parts = self.parts.clone();
        if let Some(only) = &self.only {
            if only.is_empty() {
                return Err(fail(
                    "`only` with no action would grant nothing".to_string(),
                ));
            }
            if let Some(foreign) = only
                .iter()
                .find(|a| !parts.iter().any(|p| p.actions.contains(a)))
            {
                let held: Vec<&str> = parts
                    .iter()
                    .flat_map(|p| p.actions.iter().map(Action::as_str))
                    .collect();
                return Err(fail(format!(
                    "`{}` is not an action of this grant ({}); `only` narrows a grant, it cannot widen one",
                    foreign.as_str(),
                    held.join(", ")
                )));
            }
            for part in &mut parts {
                part.actions.retain(|a| only.contains(a));
            }
            parts.retain(|p| !p.actions.is_empty());
        }
        if let Some(sids) = &self.sids {
            if sids.len() != parts.len() {
                return Err(fail(format!(
                    "{} Sid(s) given for {} statement(s)",
                    sids.len(),
                    parts.len()
                )));
            }
            for (part, sid) in parts.iter_mut().zip(sids) {
                part.sid = sid.clone();
            }
        }
        for part in &parts {
            check_sid(&part.sid).map_err(fail)?;
        }
        Ok(parts
            .into_iter()
            .map(|part| {
                let mut statement = Statement::allow()
                    .sid(&part.sid)
                    .actions(&part.actions)
                    .resources(part.resources);
                for condition in part.conditions.into_iter().chain(self.conditions.clone()) {
                    statement = statement.condition(condition);
                }
                statement
            })
            .collect())
    }
}

/// A Sid is one or more ASCII letters and digits (IAM's rule for identity policies).
pub(crate) fn check_sid(sid: &str) -> Result<(), String> {
    if !sid.is_empty() && sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(format!(
            "Sid `{sid}` is not one or more ASCII letters and digits"
        ))
    }
}

/// The default Sid of a grant on a template resource: its logical ID and the verb
/// (`OnboardingDeadLetterQueue` + `SendMessages`).
pub(crate) fn default_sid(id: &LogicalId, verb: &str) -> String {
    format!("{id}{verb}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::iam::policy::{PolicyDocument, keys};
    use serde_json::json;

    const A: Action = Action::new("sqs:SendMessage");
    const B: Action = Action::new("sqs:GetQueueUrl");
    const C: Action = Action::new("sqs:DeleteMessage");

    fn two_statements() -> Grant {
        Grant::new("test grant")
            .statement("First", &[A, B], [Value::from("arn:1")])
            .conditional_statement(
                "Second",
                &[C],
                [Value::from("arn:2")],
                [Condition::bool(keys::SECURE_TRANSPORT, true)],
            )
    }

    fn json_of(grant: Grant) -> serde_json::Value {
        let mut doc = PolicyDocument::new();
        grant.to(&mut doc).unwrap();
        serde_json::to_value(Value::from(doc)).unwrap()["Statement"].clone()
    }

    fn error_of(grant: Grant) -> String {
        let mut doc = PolicyDocument::new();
        let err = grant.to(&mut doc).unwrap_err();
        assert!(doc.is_empty(), "a failed grant adds nothing");
        assert!(matches!(err, ConstructError::Invalid(_)), "{err:?}");
        err.to_string()
    }

    #[test]
    fn a_grant_adds_its_statements_with_their_default_sids() {
        assert_eq!(
            json_of(two_statements()),
            json!([
                {"Sid": "First", "Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"], "Resource": ["arn:1"]},
                {"Sid": "Second", "Effect": "Allow", "Action": ["sqs:DeleteMessage"], "Resource": ["arn:2"],
                 "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
            ])
        );
    }

    #[test]
    fn only_narrows_keeps_the_grant_order_and_drops_empty_statements() {
        assert_eq!(
            json_of(two_statements().only([&B, &A])),
            json!([{"Sid": "First", "Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"], "Resource": ["arn:1"]}])
        );
        assert_eq!(
            json_of(two_statements().only([&C]).sid("Renamed")),
            json!([{"Sid": "Renamed", "Effect": "Allow", "Action": ["sqs:DeleteMessage"], "Resource": ["arn:2"],
                    "Condition": {"Bool": {"aws:SecureTransport": "true"}}}])
        );
    }

    #[test]
    fn conditions_go_on_every_statement_after_its_own() {
        let via = Condition::string_equals(keys::KMS_VIA_SERVICE, [Value::from("s3")]);
        let statements = json_of(two_statements().condition(via));
        assert_eq!(
            statements[0]["Condition"],
            json!({"StringEquals": {"kms:ViaService": "s3"}})
        );
        assert_eq!(
            statements[1]["Condition"],
            json!({"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"kms:ViaService": "s3"}})
        );
    }

    #[test]
    fn sids_rename_in_order() {
        let statements = json_of(two_statements().sids(&["One", "Two"]));
        assert_eq!(statements[0]["Sid"], "One");
        assert_eq!(statements[1]["Sid"], "Two");
    }

    #[test]
    fn mistakes_are_errors_not_panics() {
        for (grant, expected) in [
            (
                two_statements().sid("One"),
                "1 Sid(s) given for 2 statement(s)",
            ),
            (two_statements().sids(&["A", "B", "C"]), "3 Sid(s) given"),
            (two_statements().only([&A]).sid("Bad-Sid"), "Sid `Bad-Sid`"),
            (two_statements().only([&A]).sid(""), "Sid ``"),
            (
                two_statements().only([&Action::new("sqs:DeleteQueue")]),
                "`sqs:DeleteQueue` is not an action of this grant (sqs:SendMessage, sqs:GetQueueUrl, sqs:DeleteMessage)",
            ),
            (two_statements().only([]), "`only` with no action"),
            (
                Grant::invalid("grant on `x`", "`x` is not a valid name"),
                "grant on `x`: `x` is not a valid name",
            ),
        ] {
            let err = error_of(grant);
            assert!(err.contains(expected), "{err}");
        }
        assert!(error_of(two_statements().sid("x y")).starts_with("test grant: "));
    }
}
