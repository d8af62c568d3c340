//! `synth diff`: what a template change does to a deployed stack, without AWS. Per
//! resource: added, removed or modified, with the property paths that changed; whether a
//! change makes CloudFormation replace the resource (its `createOnlyProperties` in the
//! resource provider schema, from the table in `replacement.json`); and whether data is
//! lost (a removed or replaced resource that holds data, not protected by
//! `DeletionPolicy` / `UpdateReplacePolicy`). An in-place update is further told apart as
//! interrupting the resource or not, from the CloudFormation resource reference pages
//! summarised in `interruption.json` (reviewed by hand; the schemas do not carry it).

pub mod base;
mod input;
mod render;
pub mod teardown;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::template::json::Json;

use crate::template::read::{self, Path};
pub use input::read_template;

pub use render::{render_markdown, render_text};

/// Resource types whose replacement or deletion destroys data.
pub const DATA_TYPES: &[&str] = &[
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::SageMaker::Domain",
    "AWS::EFS::FileSystem",
    "AWS::DynamoDB::Table",
    "AWS::Logs::LogGroup",
];

/// How a property update is applied, from the mildest to the most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Updated in place; the resource reference page says "No interruption".
    NoInterruption,
    /// Updated in place; whether it interrupts the resource was not checked (a type or
    /// property `interruption.json` does not settle, or a resource attribute).
    InPlace,
    /// Updated in place with "Some interruptions" (a restart, for instance).
    Interruption,
    /// Replaced only under conditions the schema does not spell out.
    MaybeReplacement,
    /// The resource is replaced (a new physical resource; the old one is deleted).
    Replacement,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PropertyChange {
    /// `Properties.CidrBlock`, `Properties.DomainSettings.ExecutionRoleIdentityConfig`, or
    /// a resource attribute such as `DeletionPolicy`.
    pub path: String,
    pub old: Option<Json>,
    pub new: Option<Json>,
    pub impact: Impact,
    /// For a property whose text did not change: the replaced resource it refers to,
    /// whose new id or attribute CloudFormation passes in at deploy time.
    pub because_replaced: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChangeKind {
    Added,
    Removed,
    Modified(Vec<PropertyChange>),
    /// The same resource under a new logical ID: CloudFormation removes and adds it.
    Renamed {
        from: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResourceChange {
    pub id: String,
    pub type_name: String,
    pub kind: ChangeKind,
    /// The change deletes or replaces (or may replace) data that no Retain/Snapshot
    /// policy protects.
    pub data_loss: bool,
    /// For a removed Studio profile or domain: what its cleanup deletes first and what
    /// is kept; for a profile's cleanup that offboards its user, what it deletes on this
    /// deploy.
    pub teardown: Option<teardown::Teardown>,
}

impl ResourceChange {
    pub fn replaces(&self) -> bool {
        self.worst() == Some(Impact::Replacement)
    }

    /// Modified without replacement, with at least one update that interrupts the resource.
    pub fn interrupts(&self) -> bool {
        !self.replaces()
            && matches!(&self.kind, ChangeKind::Modified(props)
                if props.iter().any(|p| p.impact == Impact::Interruption))
    }

    /// The most severe impact of a modification's property updates.
    fn worst(&self) -> Option<Impact> {
        match &self.kind {
            ChangeKind::Modified(props) => props.iter().map(|p| p.impact).max(),
            _ => None,
        }
    }
}

/// The whole difference between two templates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TemplateDiff {
    pub resources: Vec<ResourceChange>,
    /// Other sections (Parameters, Outputs, …): (section.key, old, new).
    pub other: Vec<(String, Option<Json>, Option<Json>)>,
}

impl TemplateDiff {
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.other.is_empty()
    }

    /// What the change amounts to, for CI: nothing, updates only, or a replacement or
    /// data-loss risk.
    pub fn verdict(&self) -> Verdict {
        if self.is_empty() {
            Verdict::NoChange
        } else if self.resources.iter().any(|r| r.data_loss || r.replaces()) {
            Verdict::Replacement
        } else {
            Verdict::Update
        }
    }

    /// The exit code for CI: 0 no change, 3 changes without replacement or data loss (an
    /// interruption included), 4 at least one replacement or data-loss risk. The `synth`
    /// binary decides its exit codes in one table (`cli::Outcome`), from [`Self::verdict`];
    /// a test there keeps the two equal.
    pub fn exit_code(&self) -> u8 {
        match self.verdict() {
            Verdict::NoChange => 0,
            Verdict::Update => 3,
            Verdict::Replacement => 4,
        }
    }
}

/// The gist of a diff, from the mildest to the most severe; of several diffs, the worst
/// (`max`) speaks for all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    NoChange,
    /// Changes without replacement or data loss (an interruption included).
    Update,
    /// At least one replacement or data-loss risk.
    Replacement,
}

struct Table {
    create_only: BTreeMap<String, Vec<String>>,
    conditional: BTreeMap<String, Vec<String>>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let json: Json = serde_json::from_str(include_str!("replacement.json"))
            .expect("src/diff/replacement.json is valid JSON");
        let mut create_only = BTreeMap::new();
        let mut conditional = BTreeMap::new();
        for (t, v) in json["types"].as_object().into_iter().flatten() {
            let list = |k: &str| -> Vec<String> {
                v[k].as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .map(str::to_string)
                    .collect()
            };
            create_only.insert(t.to_string(), list("create_only"));
            conditional.insert(t.to_string(), list("conditional_create_only"));
        }
        Table {
            create_only,
            conditional,
        }
    })
}

/// Whether `path` (dot-separated, below `Properties`) is covered by a schema pointer path:
/// the same property, or inside it.
fn covered(schema_path: &str, path: &str) -> bool {
    let s: Vec<&str> = schema_path.split('.').collect();
    let p: Vec<&str> = path.split('.').collect();
    if p.len() < s.len() {
        // A change of a whole parent object counts when it contains the property.
        return s.iter().zip(&p).all(|(a, b)| a == b || *a == "*");
    }
    // `*` in the schema stands for any array item.
    s.iter().zip(&p).all(|(a, b)| a == b || *a == "*")
}

/// What `interruption.json` says of one resource type's in-place updates.
#[derive(Debug, Default)]
pub struct Interruptions {
    /// Properties whose update causes "Some interruptions".
    pub some: Vec<String>,
    /// Properties the page marks "No interruption".
    pub none: Vec<String>,
    /// Emitted properties the page could not settle.
    pub not_verified: Vec<String>,
    /// Properties the page says need replacement although the schema does not list them
    /// as create-only (the Studio domain's `Tags`): reported as a possible replacement,
    /// since the page and the schema disagree and replacing a domain loses its home
    /// directories.
    pub page_says_replacement: Vec<String>,
}

/// The interruption table: checked types, and the emitted types left unknown.
#[derive(Debug)]
pub struct InterruptionTable {
    pub types: BTreeMap<String, Interruptions>,
    pub unknown: Vec<String>,
}

/// The parsed `interruption.json`.
pub fn interruption_table() -> &'static InterruptionTable {
    static TABLE: OnceLock<InterruptionTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let json: Json = serde_json::from_str(include_str!("interruption.json"))
            .expect("src/diff/interruption.json is valid JSON");
        let strings = |v: &Json| -> Vec<String> {
            match v {
                Json::Array(a) => a
                    .iter()
                    .filter_map(Json::as_str)
                    .map(str::to_string)
                    .collect(),
                Json::Object(m) => m.keys().map(|k| k.to_string()).collect(),
                _ => Vec::new(),
            }
        };
        let types = json["types"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(t, v)| {
                (
                    t.to_string(),
                    Interruptions {
                        some: strings(&v["some_interruptions"]),
                        none: strings(&v["no_interruption"]),
                        not_verified: strings(&v["not_verified"]),
                        page_says_replacement: strings(&v["page_says_replacement"]),
                    },
                )
            })
            .collect();
        InterruptionTable {
            types,
            unknown: strings(&json["unknown"]),
        }
    })
}

/// An in-place update of `property_path`: interrupting or not, when the type's reference
/// page was checked for its top-level property; not checked otherwise.
fn in_place(type_name: &str, property_path: &str) -> Impact {
    let top = property_path.split('.').next().unwrap_or_default();
    match interruption_table().types.get(type_name) {
        Some(i) if i.some.iter().any(|p| p == top) => Impact::Interruption,
        Some(i) if i.none.iter().any(|p| p == top) => Impact::NoInterruption,
        _ => Impact::InPlace,
    }
}

/// Whether the reference page says a change of `property_path`'s top-level property
/// replaces the resource where the schema does not.
fn page_says_replacement(type_name: &str, property_path: &str) -> bool {
    let top = property_path.split('.').next().unwrap_or_default();
    interruption_table()
        .types
        .get(type_name)
        .is_some_and(|i| i.page_says_replacement.iter().any(|p| p == top))
}

fn impact(type_name: &str, property_path: &str) -> Impact {
    let t = table();
    // A type the table does not know (not emitted by any shipped stack when the table
    // was generated): no claim of an in-place update is made.
    if !t.create_only.contains_key(type_name) {
        return Impact::MaybeReplacement;
    }
    let hit = |lists: &BTreeMap<String, Vec<String>>| {
        lists
            .get(type_name)
            .is_some_and(|l| l.iter().any(|s| covered(s, property_path)))
    };
    if hit(&t.create_only) {
        Impact::Replacement
    } else if hit(&t.conditional) || page_says_replacement(type_name, property_path) {
        Impact::MaybeReplacement
    } else {
        in_place(type_name, property_path)
    }
}

/// The changed leaves between two property trees, with dot paths; arrays are compared
/// as wholes (element order matters to CloudFormation).
fn changed_paths(
    old: &Json,
    new: &Json,
    path: &str,
    out: &mut Vec<(String, Option<Json>, Option<Json>)>,
) {
    match (old, new) {
        (Json::Object(a), Json::Object(b))
            if read::intrinsic(old).is_none() && read::intrinsic(new).is_none() =>
        {
            let keys: std::collections::BTreeSet<&str> =
                a.keys().chain(b.keys()).map(|k| k.as_str()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.to_string()
                } else {
                    format!("{path}.{k}")
                };
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) if x != y => changed_paths(x, y, &p, out),
                    (Some(x), None) => out.push((p, Some(x.clone()), None)),
                    (None, Some(y)) => out.push((p, None, Some(y.clone()))),
                    _ => {}
                }
            }
        }
        _ if old != new => out.push((path.to_string(), Some(old.clone()), Some(new.clone()))),
        _ => {}
    }
}

fn protected(resource: &Json, attribute: &str) -> bool {
    matches!(
        resource.get(attribute).and_then(Json::as_str),
        Some("Retain" | "RetainExceptOnCreate" | "Snapshot")
    )
}

/// Whether replacing `resource` destroys data: it holds data and no UpdateReplacePolicy
/// keeps the old one.
fn replacement_loses_data(type_name: &str, resource: &Json) -> bool {
    DATA_TYPES.contains(&type_name) && !protected(resource, "UpdateReplacePolicy")
}

fn section(t: &Json, name: &str) -> crate::template::json::JsonMap {
    t.get(name)
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default()
}

/// A replaced resource gets a new physical id and new attributes; a resource that refers
/// to one of those in a create-only property is then replaced too, although its text did
/// not change (a user profile's `DomainId` when the domain is replaced). Repeated until
/// nothing more is replaced. Conditional create-only properties give "may replace", which
/// does not spread further.
fn spread_replacements(
    old: &crate::template::json::JsonMap,
    new: &crate::template::json::JsonMap,
    resources: &mut Vec<ResourceChange>,
) {
    let mut replaced: std::collections::BTreeSet<String> = resources
        .iter()
        .filter(|r| r.replaces())
        .map(|r| r.id.clone())
        .collect();
    // Where each resource's change is, so that adding to it stays linear.
    let mut position: BTreeMap<String, usize> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    loop {
        let mut spread = Vec::new();
        for (id, r) in new {
            if replaced.contains(id.as_str()) || !old.contains_key(id) {
                continue;
            }
            let type_name = r["Type"].as_str().unwrap_or_default();
            let mut found: Vec<(String, String)> = Vec::new();
            for (key, value) in r["Properties"].as_object().into_iter().flatten() {
                let mut path = Path::new([key.as_str()]);
                read::each_reference(value, &mut path, &mut |path, reference| {
                    let Some(name) = reference.logical_name() else {
                        return;
                    };
                    if !replaced.contains(name) {
                        return;
                    }
                    let property = path.property();
                    if !found.iter().any(|(p, _)| *p == property) {
                        found.push((property, name.to_string()));
                    }
                });
            }
            for (property, cause) in found {
                let impact = impact(type_name, &property);
                if impact < Impact::MaybeReplacement {
                    continue;
                }
                let path = format!("Properties.{property}");
                let value = property
                    .split('.')
                    .try_fold(&r["Properties"], |v, k| v.get(k))
                    .cloned();
                let data_loss =
                    impact >= Impact::MaybeReplacement && replacement_loses_data(type_name, r);
                spread.push((
                    id.clone(),
                    type_name.to_string(),
                    data_loss,
                    PropertyChange {
                        path,
                        old: value.clone(),
                        new: value,
                        impact,
                        because_replaced: Some(cause),
                    },
                ));
            }
        }
        let mut grew = false;
        for (id, type_name, data_loss, change) in spread {
            if change.impact == Impact::Replacement && replaced.insert(id.to_string()) {
                grew = true;
            }
            match position.get(id.as_str()) {
                Some(&i) => {
                    let existing = &mut resources[i];
                    if let ChangeKind::Modified(props) = &mut existing.kind
                        && !props.iter().any(|p| p.path == change.path)
                    {
                        props.push(change);
                        existing.data_loss |= data_loss;
                    }
                }
                None => {
                    position.insert(id.to_string(), resources.len());
                    resources.push(ResourceChange {
                        id: id.to_string(),
                        type_name,
                        kind: ChangeKind::Modified(vec![change]),
                        data_loss,
                        teardown: None,
                    });
                }
            }
        }
        if !grew {
            return;
        }
    }
}

/// Compares two templates.
pub fn diff(old: &Json, new: &Json) -> TemplateDiff {
    let (a, b) = (section(old, "Resources"), section(new, "Resources"));
    let mut resources = added_and_removed(&a, &b);
    for (id, old_r) in &a {
        if let Some(new_r) = b.get(id)
            && old_r != new_r
        {
            resources.push(modified(id, old_r, new_r));
        }
    }
    spread_replacements(&a, &b, &mut resources);
    resources.sort_by(|x, y| x.id.cmp(&y.id));
    TemplateDiff {
        resources,
        other: other_changes(old, new),
    }
}

fn type_of(r: &Json) -> String {
    r["Type"].as_str().unwrap_or("").to_string()
}

/// The resources only one template has: removed, added, or renamed (an added resource
/// equal to a removed one).
fn added_and_removed(
    a: &crate::template::json::JsonMap,
    b: &crate::template::json::JsonMap,
) -> Vec<ResourceChange> {
    let mut resources = Vec::new();
    let removed: Vec<&str> = a
        .keys()
        .map(|k| k.as_str())
        .filter(|k| !b.contains_key(k))
        .collect();
    let added: Vec<&str> = b
        .keys()
        .map(|k| k.as_str())
        .filter(|k| !a.contains_key(k))
        .collect();
    let mut renamed_from: BTreeMap<&str, &str> = BTreeMap::new();
    for &n in &added {
        let candidate = removed
            .iter()
            .copied()
            .find(|&o| a[o] == b[n] && !renamed_from.values().any(|&v| v == o));
        if let Some(o) = candidate {
            renamed_from.insert(n, o);
        }
    }
    for &id in &removed {
        if renamed_from.values().any(|&v| v == id) {
            continue;
        }
        let r = &a[id];
        let t = type_of(r);
        let teardown = teardown::of_removed(id, &t, a);
        resources.push(ResourceChange {
            id: id.to_string(),
            data_loss: (DATA_TYPES.contains(&t.as_str()) && !protected(r, "DeletionPolicy"))
                || teardown.as_ref().is_some_and(|t| t.loses_data),
            type_name: t,
            kind: ChangeKind::Removed,
            teardown,
        });
    }
    for &id in &added {
        let r = &b[id];
        let t = type_of(r);
        let (kind, data_loss) = match renamed_from.get(id) {
            Some(&from) => (
                ChangeKind::Renamed {
                    from: from.to_string(),
                },
                DATA_TYPES.contains(&t.as_str()) && !protected(&a[from], "DeletionPolicy"),
            ),
            None => (ChangeKind::Added, false),
        };
        resources.push(ResourceChange {
            id: id.to_string(),
            type_name: t,
            kind,
            data_loss,
            teardown: None,
        });
    }
    resources
}

/// The change of a resource both templates have, with different text: its changed
/// properties and resource attributes, and what each does.
fn modified(id: &str, old_r: &Json, new_r: &Json) -> ResourceChange {
    let t = type_of(new_r);
    let mut leaves = Vec::new();
    changed_paths(&old_r["Properties"], &new_r["Properties"], "", &mut leaves);
    let mut props: Vec<PropertyChange> = leaves
        .into_iter()
        .map(|(path, o, n)| PropertyChange {
            impact: if type_of(old_r) != t {
                Impact::Replacement
            } else {
                impact(&t, &path)
            },
            path: if path.is_empty() {
                "Properties".to_string()
            } else {
                format!("Properties.{path}")
            },
            old: o,
            new: n,
            because_replaced: None,
        })
        .collect();
    for attr in [
        "Type",
        "Condition",
        "DependsOn",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "Metadata",
    ] {
        if old_r.get(attr) != new_r.get(attr) {
            props.push(PropertyChange {
                path: attr.to_string(),
                old: old_r.get(attr).cloned(),
                new: new_r.get(attr).cloned(),
                impact: if attr == "Type" {
                    Impact::Replacement
                } else {
                    Impact::InPlace
                },
                because_replaced: None,
            });
        }
    }
    // A possible replacement of a resource that holds data is a data-loss risk: the exit
    // code (4) must not wait for the schema and the reference page to agree.
    let maybe_replaced = props.iter().any(|p| p.impact >= Impact::MaybeReplacement);
    ResourceChange {
        id: id.to_string(),
        data_loss: maybe_replaced && replacement_loses_data(&t, new_r),
        type_name: t,
        kind: ChangeKind::Modified(props),
        teardown: teardown::of_modified(id, old_r, new_r),
    }
}

/// The changes outside Resources: (section.key or top-level key, old, new).
fn other_changes(old: &Json, new: &Json) -> Vec<(String, Option<Json>, Option<Json>)> {
    let mut other = Vec::new();
    for name in ["Parameters", "Outputs", "Conditions", "Mappings"] {
        let (x, y) = (section(old, name), section(new, name));
        let keys: std::collections::BTreeSet<&str> =
            x.keys().chain(y.keys()).map(|k| k.as_str()).collect();
        for k in keys {
            if x.get(k) != y.get(k) {
                other.push((format!("{name}.{k}"), x.get(k).cloned(), y.get(k).cloned()));
            }
        }
    }
    for name in ["Description", "AWSTemplateFormatVersion", "Metadata"] {
        if old.get(name) != new.get(name) {
            other.push((
                name.to_string(),
                old.get(name).cloned(),
                new.get(name).cloned(),
            ));
        }
    }
    other
}
