//! The security rule pack, in the spirit of cdk-nag: every rule has a stable id, a
//! severity, a one-line rationale, the resource types it looks at and a documented fix.
//! Rules read the emitted template (JSON) through [`Context`]. One file per service;
//! adding a rule is adding an entry to that file's `RULES` and a test.

mod completeness;
mod confused_deputy;
mod definition;
mod describe;
mod ec2;
mod iam;
mod kms;
mod lambda;
mod policy;
mod s3;
mod sagemaker;
mod sagemaker_jobs;
mod sns;
mod ssm;
mod stackset;
mod template;

use std::cell::OnceCell;
use std::collections::HashMap;

use crate::template::json::Json;

/// The logical id a value refers to through `Ref` or `Fn::GetAtt`, if it is one.
pub use crate::template::read::target;
pub use definition::NAME_FROM_FILE_METADATA;
pub use describe::{UnknownRule, catalogue_json, catalogue_text, explain};
pub use policy::{PolicyDoc, PolicyKind, Stmt};

use super::{BodySize, Finding, Severity};
use crate::template::MapHasher;

/// The resource types that hold identity policies (inline or managed): what an IAM rule
/// reads. Written once so that a rule cannot forget one of them.
const IDENTITY_POLICY_TYPES: &[&str] = &[
    "AWS::IAM::Role",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::User",
    "AWS::IAM::Group",
];

/// The ids of the rules whose findings are made outside their rule's check: by the
/// structural passes (`validate::{references, limits, names}`), by the engine
/// (suppressions), or named by the pipeline. Each id is written once, here.
pub mod id {
    pub const CFN_REF_UNRESOLVED: &str = "CFN-REF-UNRESOLVED";
    pub const CFN_GETATT_UNRESOLVED: &str = "CFN-GETATT-UNRESOLVED";
    pub const CFN_CONDITION_UNDEFINED: &str = "CFN-CONDITION-UNDEFINED";
    pub const CFN_DEPENDSON_UNDEFINED: &str = "CFN-DEPENDSON-UNDEFINED";
    pub const CFN_DEPENDENCY_CYCLE: &str = "CFN-DEPENDENCY-CYCLE";
    pub const CFN_LIMIT_COUNT: &str = "CFN-LIMIT-COUNT";
    pub const CFN_LOGICAL_ID: &str = "CFN-LOGICAL-ID";
    pub const CFN_NO_RESOURCES: &str = "CFN-NO-RESOURCES";
    pub const CFN_LIMIT_DESCRIPTION: &str = "CFN-LIMIT-DESCRIPTION";
    pub const CFN_LIMIT_BODY: &str = "CFN-LIMIT-BODY";
    pub const CFN_LIMIT_INLINE_BODY: &str = "CFN-LIMIT-INLINE-BODY";
    pub const NAME_SAGEMAKER: &str = "NAME-SAGEMAKER";
    pub const NAME_S3_BUCKET: &str = "NAME-S3-BUCKET";
    pub const NAME_IAM: &str = "NAME-IAM";
    pub const NAME_IAM_PATH: &str = "NAME-IAM-PATH";
    pub const IAM_POLICY_SIZE: &str = "IAM-POLICY-SIZE";
    pub const SUB_UNESCAPED_VARIABLE: &str = "SUB-UNESCAPED-VARIABLE";
    /// Reported by the engine itself, not by a check.
    pub const SUPPRESSION_UNUSED: &str = "SUPPRESSION-UNUSED";
}

pub use id::SUPPRESSION_UNUSED;

/// Ids of the same check in other tools, so a suppression can silence those too. Each id
/// was checked against the tool's own source (cfn-lint 1.58's rules; checkov 3.3's
/// CloudFormation checks): an id is listed only where the check is the same.
#[derive(Clone, Copy, Debug, Default)]
pub struct Equivalents {
    pub cfn_lint: &'static [&'static str],
    pub checkov: &'static [&'static str],
}

/// One rule of the pack.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// Why it matters, in one line.
    pub rationale: &'static str,
    /// What exactly is checked.
    pub checks: &'static str,
    /// How to fix a finding.
    pub fix: &'static str,
    /// The resource types it looks at (`*` for the whole template).
    pub applies_to: &'static [&'static str],
    pub equivalents: Equivalents,
    pub check: fn(&Context) -> Vec<Violation>,
}

/// What a rule's check reports: where and what; the engine adds the rule's id and severity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// `Resources.<Id>.Properties…` or a template section.
    pub location: String,
    pub message: String,
}

impl Violation {
    pub fn at(resource: &str, path: &str, message: impl Into<String>) -> Violation {
        let location = if path.is_empty() {
            format!("Resources.{resource}")
        } else {
            format!("Resources.{resource}.{path}")
        };
        Violation {
            location,
            message: message.into(),
        }
    }
}

/// Every rule, in a stable order (by file, then as declared).
pub fn catalogue() -> Vec<&'static Rule> {
    let groups: [&'static [Rule]; 15] = [
        template::RULES,
        definition::RULES,
        iam::RULES,
        confused_deputy::RULES,
        s3::RULES,
        ec2::RULES,
        kms::RULES,
        sagemaker::RULES,
        sagemaker_jobs::RULES,
        ssm::RULES,
        sns::RULES,
        lambda::RULES,
        completeness::RULES,
        stackset::RULES,
        SUPPRESSION_RULES,
    ];
    groups.into_iter().flatten().collect()
}

/// The rule of an id, in any letter case: ids are upper case in the catalogue, but
/// `explain env-studio-endpoints` or a suppression's `rule: iam-no-wildcard-action` can
/// only mean one rule, so refusing them would be pedantry. Whatever records a rule
/// (Metadata, reports) records the catalogue's spelling, [`Rule::id`].
pub fn find(id: &str) -> Option<&'static Rule> {
    catalogue()
        .into_iter()
        .find(|r| r.id.eq_ignore_ascii_case(id.trim()))
}

/// The catalogue's spelling of a rule id given in any case (the id as given when no rule
/// has it).
pub fn canonical(id: &str) -> &str {
    find(id).map_or(id, |r| r.id)
}

static SUPPRESSION_RULES: &[Rule] = &[Rule {
    id: SUPPRESSION_UNUSED,
    severity: Severity::Error,
    rationale: "A suppression that matches no finding hides nothing today and would silently hide a real problem tomorrow.",
    checks: "Every entry in a resource's Metadata.sagesynth.suppressions silences at least one finding of its rule on that resource.",
    fix: "Remove the suppression from the stack definition, or point it at the resource the rule fires on.",
    applies_to: &["*"],
    equivalents: Equivalents {
        cfn_lint: &[],
        checkov: &[],
    },
    check: |_| Vec::new(),
}];

/// The template as the rules see it, with indexes built once.
pub struct Context<'a> {
    pub template: &'a Json,
    resources: Vec<(&'a str, &'a Json)>,
    /// Each resource's `Type` (`None` when it has no string there) and `Properties`
    /// (`null` when it has none), by position: read once here rather than looked up in
    /// the resource's object by every rule that lists resources by type.
    kinds: Vec<Option<&'a str>>,
    properties: Vec<&'a Json>,
    by_id: HashMap<&'a str, usize, MapHasher>,
    by_type: HashMap<&'a str, Vec<usize>, MapHasher>,
    policies: Vec<PolicyDoc<'a>>,
    body: BodySize,
    /// Whether the template may be deployed inline (see [`run_nested`]).
    inline: bool,
    /// What the structural passes (references, limits, names) find, computed once and
    /// shared by the rules that report it.
    structural: OnceCell<Structural>,
}

/// The findings of the structural passes, and what the reference pass learns on its way.
struct Structural {
    findings: Vec<Finding>,
    property_references: super::references::PropertyReferences,
}

impl<'a> Context<'a> {
    pub fn new(template: &'a Json, body: BodySize) -> Context<'a> {
        let resources: Vec<(&str, &Json)> = template
            .get("Resources")
            .and_then(Json::as_object)
            .into_iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v)))
            .collect();
        let mut by_id = HashMap::with_capacity_and_hasher(resources.len(), MapHasher::default());
        let mut by_type: HashMap<&str, Vec<usize>, MapHasher> = HashMap::default();
        let mut kinds = Vec::with_capacity(resources.len());
        let mut properties = Vec::with_capacity(resources.len());
        for (i, (id, r)) in resources.iter().enumerate() {
            by_id.insert(*id, i);
            let kind = r.get("Type").and_then(Json::as_str);
            if let Some(t) = kind {
                by_type.entry(t).or_default().push(i);
            }
            kinds.push(kind);
            properties.push(props(r));
        }
        let mut context = Context {
            template,
            resources,
            kinds,
            properties,
            by_id,
            by_type,
            policies: Vec::new(),
            body,
            inline: true,
            structural: OnceCell::new(),
        };
        context.policies = policy::collect(context.described());
        context
    }

    /// Every resource, in template order, as the checks that go through all of them read
    /// it: logical ID, `Type` (`None` when it has no string there) and `Properties`
    /// (`null` when it has none).
    fn described(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>, &'a Json)> + '_ {
        (0..self.resources.len()).map(|i| (self.resources[i].0, self.kinds[i], self.properties[i]))
    }

    /// The structural findings of one rule id.
    pub fn structural(&self, rule: &str) -> Vec<Violation> {
        self.structural_passes()
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| Violation {
                location: f.location.clone(),
                message: f.message.clone(),
            })
            .collect()
    }

    /// The structural passes (references, limits, names), run on first use.
    fn structural_passes(&self) -> &Structural {
        self.structural.get_or_init(|| {
            let mut findings = Vec::new();
            let property_references =
                super::references::check_with(self.template, &self.by_id, &mut findings);
            super::limits::check(self.template, self.body, self.inline, &mut findings);
            super::names::check_resources(self.described(), &mut findings);
            Structural {
                findings,
                property_references,
            }
        })
    }

    /// The resources the Properties of the resource at `position` (in template order, as
    /// [`Context::of_type_at`] and [`Context::resources`] count) refer to through `Ref`,
    /// `Fn::GetAtt` and `${…}` in `Fn::Sub`, in order of appearance, with repeats: what
    /// the reference pass found, so that a rule does not walk those properties again.
    pub fn property_references(&self, position: usize) -> impl Iterator<Item = usize> + '_ {
        self.structural_passes()
            .property_references
            .of(position)
            .iter()
            .copied()
    }

    /// Resources of one type, in template order: (position, logical id, properties or
    /// `null`).
    pub fn of_type_at(&self, kind: &str) -> impl Iterator<Item = (usize, &'a str, &'a Json)> + '_ {
        self.by_type
            .get(kind)
            .into_iter()
            .flatten()
            .map(|&i| (i, self.resources[i].0, self.properties[i]))
    }

    /// How many resources the template has.
    pub fn resource_count(&self) -> usize {
        self.resources.len()
    }

    /// The logical id of the resource at `position`.
    pub fn id_at(&self, position: usize) -> &'a str {
        self.resources[position].0
    }

    /// Resources of one type, in template order: (logical id, properties or `null`).
    pub fn of_type(&self, kind: &str) -> impl Iterator<Item = (&'a str, &'a Json)> + '_ {
        self.by_type
            .get(kind)
            .into_iter()
            .flatten()
            .map(|&i| (self.resources[i].0, self.properties[i]))
    }

    /// Every resource, in template order: (logical id, the whole resource with its
    /// attributes).
    pub fn resources(&self) -> impl Iterator<Item = (&'a str, &'a Json)> + '_ {
        self.resources.iter().copied()
    }

    pub fn resource(&self, id: &str) -> Option<&'a Json> {
        self.by_id.get(id).map(|&i| self.resources[i].1)
    }

    pub fn type_of(&self, id: &str) -> Option<&'a str> {
        self.kind_at(*self.by_id.get(id)?)
    }

    /// The `Type` of the resource at `position` (see [`Context::resources`]).
    pub fn kind_at(&self, position: usize) -> Option<&'a str> {
        self.kinds[position]
    }

    pub fn policies(&self) -> &[PolicyDoc<'a>] {
        &self.policies
    }

    /// Every Allow statement of an identity policy that grants `action`, with its policy.
    pub fn identity_allows<'s>(
        &'s self,
        action: &'s str,
    ) -> impl Iterator<Item = (&'s PolicyDoc<'a>, &'s Stmt<'a>)> + 's {
        self.policies
            .iter()
            .filter(|d| d.kind == PolicyKind::Identity)
            .flat_map(move |d| {
                d.statements
                    .iter()
                    .filter(move |s| s.allow && s.mentions(action))
                    .map(move |s| (d, s))
            })
    }

    pub fn count(&self, kind: &str) -> usize {
        self.by_type.get(kind).map_or(0, Vec::len)
    }
}

static NULL: Json = Json::Null;

/// A resource's Properties (or `null`).
pub fn props(resource: &Json) -> &Json {
    resource.get("Properties").unwrap_or(&NULL)
}

/// A list property as a slice (a missing property is empty).
pub fn list(value: &Json) -> &[Json] {
    value.as_array().map_or(&[], Vec::as_slice)
}

/// Runs every rule over a template, then applies what the template itself records:
/// suppressions in a resource's `Metadata.sagesynth.suppressions` (a suppression that
/// silences nothing is an error), the constructs' exemptions in
/// `Metadata.sagesynth.exemptions`, and rules escalated to errors in the template's
/// `Metadata.sagesynth.escalate`.
pub fn run(template: &Json, body: impl Into<BodySize>) -> Vec<Finding> {
    judge(Context::new(template, body.into()))
}

/// [`run`] for a template that is never deployed inline: a nested stack's child, whose
/// template CloudFormation reads from S3 (its TemplateURL, which `aws cloudformation
/// package` uploads), or a StackSet member, embedded minified (or read from S3 when over
/// the StackSet's own limit). `aws cloudformation deploy --template-file` is what the
/// inline limit concerns, so its finding is dropped, after the suppressions have seen it
/// (a suppression of it is used, not reported unused).
pub fn run_nested(template: &Json, body: impl Into<BodySize>) -> Vec<Finding> {
    let mut context = Context::new(template, body.into());
    context.inline = false;
    let mut findings = judge(context);
    findings.retain(|f| f.rule != id::CFN_LIMIT_INLINE_BODY);
    findings
}

fn judge(context: Context) -> Vec<Finding> {
    let template = context.template;
    let escalated: Vec<&str> = list(&template["Metadata"]["sagesynth"]["escalate"])
        .iter()
        .filter_map(Json::as_str)
        .collect();
    let mut findings = Vec::new();
    for rule in catalogue() {
        let severity = if escalated.contains(&rule.id) {
            Severity::Error
        } else {
            rule.severity
        };
        for v in (rule.check)(&context) {
            findings.push(Finding {
                rule: rule.id,
                severity,
                location: v.location,
                message: v.message,
                suppressed: None,
            });
        }
    }
    apply_suppressions(&context, &mut findings);
    findings
}

/// Marks the findings a resource's suppressions and exemptions silence, with their
/// reasons. A suppression (the definition's decision) that silences nothing is an error.
/// An exemption (a construct's, `Scope::exempt`) that silences nothing is not: it also
/// speaks to cfn-lint and checkov, whose check may fire where this pack's does not (the
/// access-log bucket's S3-ACCESS-LOGGING exemption is for checkov's CKV_AWS_18).
fn apply_suppressions(cx: &Context, findings: &mut Vec<Finding>) {
    let mut unused = Vec::new();
    for (id, resource) in &cx.resources {
        let own = &resource["Metadata"]["sagesynth"];
        for entry in list(&own["exemptions"]) {
            let (Some(rule), Some(reason)) = (entry["rule"].as_str(), entry["reason"].as_str())
            else {
                continue;
            };
            for f in findings.iter_mut() {
                if f.rule == rule && f.resource() == Some(id) && f.suppressed.is_none() {
                    f.suppressed = Some(reason.to_string());
                }
            }
        }
        // The prefix of an unused suppression's location, formatted only for a resource
        // that has suppressions: most have none.
        let entries = list(&own["suppressions"]);
        if !entries.is_empty() {
            let prefix = format!("Resources.{id}.Metadata.sagesynth.suppressions");
            suppress(findings, entries, Some(id), &prefix, &mut unused);
        }
    }
    // The template's own suppressions silence the findings that concern no resource.
    let entries = list(&cx.template["Metadata"]["sagesynth"]["suppressions"]);
    suppress(
        findings,
        entries,
        None,
        "Metadata.sagesynth.suppressions",
        &mut unused,
    );
    findings.extend(unused);
}

/// Marks the findings of `resource` (`None`: of no resource) that the suppression
/// `entries` silence; each entry that silences nothing becomes a [`SUPPRESSION_UNUSED`]
/// finding in `unused`, located at `prefix[i]`.
fn suppress(
    findings: &mut [Finding],
    entries: &[Json],
    resource: Option<&str>,
    prefix: &str,
    unused: &mut Vec<Finding>,
) {
    for (i, entry) in entries.iter().enumerate() {
        let (Some(rule), Some(reason)) = (entry["rule"].as_str(), entry["reason"].as_str()) else {
            continue;
        };
        let mut used = false;
        for f in findings.iter_mut() {
            if f.rule == rule && f.resource() == resource {
                f.suppressed = Some(reason.to_string());
                used = true;
            }
        }
        if !used {
            let place = if resource.is_some() {
                "this resource"
            } else {
                "the template as a whole"
            };
            unused.push(Finding {
                rule: SUPPRESSION_UNUSED,
                severity: Severity::Error,
                location: format!("{prefix}[{i}]"),
                message: format!("the suppression of {rule} matches no finding on {place}"),
                suppressed: None,
            });
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// The findings one rule reports on a template fragment.
    pub fn fire(rule_id: &str, template: Json) -> Vec<Violation> {
        let rule = find(rule_id).unwrap_or_else(|| panic!("no rule {rule_id}"));
        (rule.check)(&Context::new(&template, 0.into()))
    }

    /// Asserts the rule fires on `bad` (at least once, at `location`) and not on `good`.
    pub fn assert_rule(rule_id: &str, good: Json, bad: Json, location: &str) {
        let clean = fire(rule_id, good);
        assert!(
            clean.is_empty(),
            "{rule_id} fired on the passing fragment: {clean:?}"
        );
        let found = fire(rule_id, bad);
        assert!(
            found.iter().any(|v| v.location == location),
            "{rule_id} did not fire at {location}: {found:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_every_rule_is_documented() {
        let mut seen = HashSet::new();
        for rule in catalogue() {
            assert!(seen.insert(rule.id), "duplicate id {}", rule.id);
            assert!(
                rule.id
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            );
            assert!(
                !rule.rationale.is_empty() && !rule.rationale.contains('\n'),
                "{}",
                rule.id
            );
            assert!(
                !rule.checks.is_empty() && !rule.fix.is_empty(),
                "{}",
                rule.id
            );
            assert!(!rule.applies_to.is_empty(), "{}", rule.id);
        }
        assert!(seen.len() >= 30, "only {} rules", seen.len());
    }

    /// A suppression that silences no finding of its rule on its resource is an error.
    #[test]
    fn an_unused_suppression_is_an_error() {
        let template = crate::json!({"Resources": {"Queue": {
            "Type": "AWS::SQS::Queue",
            "Metadata": {"sagesynth": {"suppressions": [
                {"rule": "EC2-IMDSV2", "reason": "a queue has no instance metadata"}
            ]}}
        }}});
        let findings = run(&template, 0);
        let unused: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.rule == "SUPPRESSION-UNUSED")
            .collect();
        assert_eq!(unused.len(), 1, "{findings:?}");
        assert_eq!(unused[0].severity, Severity::Error);
        assert_eq!(
            unused[0].location,
            "Resources.Queue.Metadata.sagesynth.suppressions[0]"
        );
        assert!(
            unused[0].message.contains("EC2-IMDSV2"),
            "{}",
            unused[0].message
        );
    }

    /// A template that is never deployed inline (a nested stack's child) is judged
    /// without the inline-size finding; a template-level suppression of that finding is
    /// still used (the finding existed when the suppressions were applied), so it is not
    /// reported as unused. The rest of the findings are those of `run`.
    #[test]
    fn a_nested_template_has_no_inline_size_finding_and_its_suppression_is_used() {
        let template = |suppressions: Json| {
            crate::json!({
                "Metadata": {"sagesynth": {"suppressions": suppressions}},
                "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}
            })
        };
        let plain = template(crate::json!([]));
        let inline = |f: &&Finding| f.rule == id::CFN_LIMIT_INLINE_BODY;
        assert_eq!(run(&plain, 60_000).iter().filter(inline).count(), 1);
        let nested = run_nested(&plain, 60_000);
        assert_eq!(nested.iter().filter(inline).count(), 0, "{nested:?}");
        let mut expected = run(&plain, 60_000);
        expected.retain(|f| f.rule != id::CFN_LIMIT_INLINE_BODY);
        assert_eq!(nested, expected);
        let suppressed = template(crate::json!([
            {"rule": "CFN-LIMIT-INLINE-BODY", "reason": "uploaded by the pipeline"}
        ]));
        let nested = run_nested(&suppressed, 60_000);
        assert!(
            nested.iter().all(|f| f.rule != SUPPRESSION_UNUSED),
            "{nested:?}"
        );
    }

    /// A construct's exemption silences its rule on its resource, with its reason, and
    /// nothing else; one that silences nothing is not an error (see `apply_suppressions`).
    #[test]
    fn an_exemption_silences_its_rule_on_its_resource() {
        let bucket = |metadata: Json| crate::json!({"Type": "AWS::S3::Bucket", "Properties": {}, "Metadata": metadata});
        let exempt = crate::json!({"sagesynth": {"exemptions": [
            {"rule": "S3-VERSIONING", "reason": "a scratch bucket"},
            {"rule": "EC2-IMDSV2", "reason": "not about buckets"}
        ]}});
        let template = crate::json!({"Resources": {
            "Exempt": bucket(exempt),
            "Plain": bucket(crate::json!({}))
        }});
        let findings = run(&template, 0);
        let versioning: Vec<(&str, Option<&str>)> = findings
            .iter()
            .filter(|f| f.rule == "S3-VERSIONING")
            .map(|f| (f.resource().unwrap(), f.suppressed.as_deref()))
            .collect();
        assert_eq!(
            versioning,
            [("Exempt", Some("a scratch bucket")), ("Plain", None)]
        );
        assert!(
            findings.iter().all(|f| f.rule != SUPPRESSION_UNUSED),
            "an exemption that silences nothing is no error: {findings:?}"
        );
    }

    /// The same for a function: another rule on the exempted resource still counts.
    #[test]
    fn an_exemption_silences_its_rule_on_its_resource_only() {
        let function = |metadata: Json| {
            crate::json!({"Type": "AWS::Lambda::Function", "Metadata": metadata,
                "Properties": {"Runtime": "python3.9", "Role": "arn", "Code": {}}})
        };
        let exempt = crate::json!({"sagesynth": {"exemptions": [
            {"rule": "LAMBDA-IN-VPC", "reason": "no endpoint serves its calls"},
            {"rule": "S3-ACCESS-LOGGING", "reason": "written for a scanner"}
        ]}});
        let template = crate::json!({"Resources": {
            "Exempt": function(exempt),
            "Other": function(crate::json!({}))
        }});
        let findings = run(&template, 0);
        let of = |rule: &str, resource: &str| {
            findings
                .iter()
                .find(|f| f.rule == rule && f.resource() == Some(resource))
                .unwrap_or_else(|| panic!("no {rule} on {resource}: {findings:#?}"))
        };
        assert_eq!(
            of("LAMBDA-IN-VPC", "Exempt").suppressed.as_deref(),
            Some("no endpoint serves its calls")
        );
        assert_eq!(of("LAMBDA-IN-VPC", "Other").suppressed, None);
        // Another rule on the exempted resource still counts.
        assert_eq!(of("LAMBDA-RUNTIME-CURRENT", "Exempt").suppressed, None);
        assert!(
            !findings.iter().any(|f| f.rule == SUPPRESSION_UNUSED),
            "{findings:#?}"
        );
    }

    /// Every rule id appears in a test of the library besides its declaration (a fragment
    /// test with `assert_rule`, or a test asserting on the id). Only the library's own
    /// sources are read, never the integration tests under tests/.
    #[test]
    fn every_rule_has_a_test() {
        let sources = [
            include_str!("template.rs"),
            include_str!("definition.rs"),
            include_str!("iam.rs"),
            include_str!("confused_deputy.rs"),
            include_str!("s3.rs"),
            include_str!("s3/perimeter.rs"),
            include_str!("s3/versions.rs"),
            include_str!("ec2.rs"),
            include_str!("kms.rs"),
            include_str!("sagemaker.rs"),
            include_str!("sagemaker/reach.rs"),
            include_str!("sagemaker/offboard.rs"),
            include_str!("sagemaker_jobs.rs"),
            include_str!("ssm.rs"),
            include_str!("sns.rs"),
            include_str!("lambda.rs"),
            include_str!("completeness.rs"),
            include_str!("stackset.rs"),
            include_str!("../references.rs"),
            include_str!("../limits.rs"),
            include_str!("../names.rs"),
            include_str!("mod.rs"),
        ];
        let tests: String = sources
            .iter()
            .map(|s| s.split_once("#[cfg(test)]").map_or(*s, |(_, t)| t))
            .collect();
        let untested: Vec<&str> = catalogue()
            .iter()
            .map(|r| r.id)
            .filter(|id| !tests.contains(&format!("\"{id}\"")))
            .collect();
        assert!(untested.is_empty(), "no test names {untested:?}");
    }
}
