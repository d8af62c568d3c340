//! Judging a finished template: references, CloudFormation limits, name rules and the
//! security rule pack (`rules`). It
//! reads the template as emitted (JSON), so it judges exactly what will be deployed and
//! knows nothing about how the template was built.

pub(crate) mod limits;
pub(crate) mod names;
pub(crate) mod references;
pub mod rules;

use std::fmt;

use crate::template::json::Json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found in a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// A stable identifier, e.g. `CFN-REF-UNRESOLVED`.
    pub rule: &'static str,
    pub severity: Severity,
    /// Where in the template, e.g. `Resources.Bastion.Properties.SubnetId`.
    pub location: String,
    pub message: String,
    /// The reason recorded in the resource's Metadata when a suppression silences it.
    pub suppressed: Option<String>,
}

impl Finding {
    pub fn error(
        rule: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            severity: Severity::Error,
            location: location.into(),
            message: message.into(),
            suppressed: None,
        }
    }
    pub fn warning(
        rule: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            severity: Severity::Warning,
            location: location.into(),
            message: message.into(),
            suppressed: None,
        }
    }
}

impl Finding {
    /// The logical ID the finding is about, when it is about a resource.
    pub fn resource(&self) -> Option<&str> {
        let rest = self.location.strip_prefix("Resources.")?;
        Some(rest.split(['.', '[']).next().unwrap_or(rest))
    }

    /// The property path inside the resource (`Properties.SubnetId`), if any.
    pub fn property_path(&self) -> Option<&str> {
        let resource = self.resource()?;
        let rest = &self.location["Resources.".len() + resource.len()..];
        rest.strip_prefix('.').filter(|r| !r.is_empty())
    }

    /// Whether this finding stops the synthesis (an unsuppressed error).
    pub fn is_blocking(&self) -> bool {
        self.severity == Severity::Error && self.suppressed.is_none()
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{level}[{}]: {} (at {})",
            self.rule, self.message, self.location
        )
    }
}

/// The size of a template's text, which CloudFormation's limits on a body judge: a
/// number of bytes converts into one whose minified size is measured when needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodySize {
    /// The bytes of the text judged: the file written, its final line break included.
    pub bytes: usize,
    /// The bytes `--minify` would write (JSON without whitespace, and a final line
    /// break), when the printer counted them; `None` has validation measure them from
    /// the tree when a finding names them.
    pub minified: Option<usize>,
}

impl From<usize> for BodySize {
    fn from(bytes: usize) -> BodySize {
        BodySize {
            bytes,
            minified: None,
        }
    }
}

/// Every check over a template; `body` is the size of its serialized text (in bytes, or
/// a [`BodySize`]). Never inlined, so that a profile of the whole process shows the rule
/// pack under its own name (`.ci/profile-phases.py` reads it).
#[inline(never)]
pub fn validate(template: &Json, body: impl Into<BodySize>) -> Vec<Finding> {
    rules::run(template, body.into())
}

/// [`validate`] for a template that is never deployed inline (a nested stack's child, a
/// StackSet member): without the inline-size finding, see [`rules::run_nested`]. Never
/// inlined, for the profile.
#[inline(never)]
pub fn validate_nested(template: &Json, body: impl Into<BodySize>) -> Vec<Finding> {
    rules::run_nested(template, body.into())
}
