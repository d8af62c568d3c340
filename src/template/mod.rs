//! The CloudFormation template model: parameters, conditions, resources, outputs and
//! intrinsic values, with deterministic serialization. Knows CloudFormation, nothing else.

#![warn(missing_docs)]

mod file_extension;
pub mod json;
mod json_map;
pub mod json_text;
pub mod limits;
mod logical_id;
mod parameter_type;
pub mod read;
mod source_path;
pub mod tags;
mod value;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::ser::{Serialize, Serializer};

use json::{Json, JsonMap, Text};
use value::{object, static_text};

pub use file_extension::FileExtension;
pub use logical_id::{
    InvalidLogicalId, LogicalId, PASCAL_CASE_ROOM, is_valid as is_valid_logical_id, pascal_case,
    push_pascal_case,
};
pub use parameter_type::{AwsParameterType, ParameterType, SsmParameterValueType};
pub use source_path::{PathSegment, SourcePath};
pub use tags::{TagError, Tags};

pub use value::{
    Attribute, ConditionName, MapHasher, OrderedMap, Pseudo, Reference, Sub, SubPart, Value,
    ValueMap,
};

/// A CloudFormation resource type with its properties, produced by a typed builder.
pub trait Resource {
    /// The type name, e.g. `AWS::EC2::VPC`.
    const TYPE: &'static str;
    /// The properties as the template writes them under `Properties`.
    fn into_properties(self) -> ValueMap;
}

/// A typed handle to a resource in a template. Only [`Template::add`] creates one, so
/// every reference made through it points at a resource that exists.
pub struct Handle<R> {
    id: LogicalId,
    _type: PhantomData<fn() -> R>,
}

impl<R> Clone for Handle<R> {
    fn clone(&self) -> Self {
        Handle {
            id: self.id.clone(),
            _type: PhantomData,
        }
    }
}

impl<R> fmt::Debug for Handle<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handle({})", self.id)
    }
}

impl<R: Resource> Handle<R> {
    /// The logical ID the resource has in its template.
    pub fn logical_id(&self) -> &LogicalId {
        &self.id
    }

    /// `{"Ref": id}`. Resource modules wrap this in a method named after what the
    /// reference returns for that type (`vpc.id()`, `role.name()`, …).
    pub(crate) fn reference(&self) -> Value {
        Value::Ref(Reference(self.id.clone()))
    }

    /// `{"Fn::GetAtt": [id, name]}`; resource modules expose one typed method per attribute.
    pub(crate) fn attribute(&self, name: &'static str) -> Value {
        Value::GetAtt(Attribute {
            resource: self.id.clone(),
            name,
        })
    }
}

/// A handle to a template parameter.
#[derive(Clone, Debug)]
pub struct ParameterHandle {
    id: LogicalId,
}

impl ParameterHandle {
    /// `{"Ref": id}`: the value the stack is deployed with.
    pub fn value(&self) -> Value {
        Value::Ref(Reference(self.id.clone()))
    }
    /// The parameter's logical ID.
    pub fn logical_id(&self) -> &LogicalId {
        &self.id
    }
}

/// The `DeletionPolicy` (and `UpdateReplacePolicy`) resource attribute: what
/// CloudFormation does with the physical resource when the stack deletes or replaces it
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html>).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeletionPolicy {
    /// Delete the physical resource (CloudFormation's default for most types).
    Delete,
    /// Keep the physical resource; it leaves the stack and is no longer managed.
    Retain,
    /// Keep it, except when the stack operation that created it rolls back.
    RetainExceptOnCreate,
    /// Take a final snapshot (volumes, databases), then delete it.
    Snapshot,
}

impl DeletionPolicy {
    /// The policy as CloudFormation spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            DeletionPolicy::Delete => "Delete",
            DeletionPolicy::Retain => "Retain",
            DeletionPolicy::RetainExceptOnCreate => "RetainExceptOnCreate",
            DeletionPolicy::Snapshot => "Snapshot",
        }
    }
}

impl fmt::Display for DeletionPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource as stored in the template: type-erased, with its attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceEntry {
    /// `Type`, e.g. `AWS::S3::Bucket`.
    pub type_name: &'static str,
    /// `Condition`: the resource exists only when the condition is true.
    pub condition: Option<ConditionName>,
    /// `DependsOn`: resources CloudFormation must create first (references already order
    /// creation; this is for dependencies no property shows).
    pub depends_on: Vec<LogicalId>,
    /// `Properties`, in the order the template writes them. A resource without tags of
    /// its own holds the template's tags apart, shared with the template's other
    /// resources, until it is changed (see [`Template::entry`]); they are written as
    /// its last property.
    pub properties: ValueMap,
    /// `DeletionPolicy`: what happens to the physical resource when the stack deletes it.
    pub deletion_policy: Option<DeletionPolicy>,
    /// `UpdateReplacePolicy`: what happens to the old physical resource on replacement.
    pub update_replace_policy: Option<DeletionPolicy>,
    /// `Metadata` (e.g. the rule suppressions read by sagesynth, cfn-lint and checkov).
    pub metadata: ValueMap,
    /// The template's tags, when the resource has none of its own: written as the last
    /// property, `Tags`, and shared by all such resources of the template rather than
    /// copied into each one's `properties`. Any mutable access to the entry
    /// ([`Template::entry`], [`Template::entry_by_id`]) first moves them into
    /// `properties`, where they are then the last property as well.
    template_tags: Option<Arc<Value>>,
    /// Where the resource comes from (not part of the emitted template): recorded by the
    /// construct scope that added it ([`Template::set_origin`]).
    origin: Option<SourcePath>,
}

impl ResourceEntry {
    /// The entry with the shared template tags moved into `properties`, for a caller that
    /// may change it.
    fn owned(&mut self) -> &mut ResourceEntry {
        if let Some(tags) = self.template_tags.take() {
            self.properties
                .insert(Text::const_new("Tags"), Arc::unwrap_or_clone(tags));
        }
        self
    }

    /// Adds `other` to `DependsOn` (once).
    pub fn depends_on<R: Resource>(&mut self, other: &Handle<R>) -> &mut Self {
        if !self.depends_on.contains(&other.id) {
            self.depends_on.push(other.id.clone());
        }
        self
    }
    /// Creates the resource only when `condition` is true.
    pub fn condition(&mut self, condition: &ConditionName) -> &mut Self {
        self.condition = Some(condition.clone());
        self
    }
    /// Sets both DeletionPolicy and UpdateReplacePolicy: data that must outlive a delete
    /// must also outlive a replacement.
    pub fn retain(&mut self, policy: DeletionPolicy) -> &mut Self {
        self.deletion_policy = Some(policy);
        self.update_replace_policy = Some(match policy {
            // UpdateReplacePolicy has no RetainExceptOnCreate.
            DeletionPolicy::RetainExceptOnCreate => DeletionPolicy::Retain,
            other => other,
        });
        self
    }
    /// Sets the `Metadata` entry `key`.
    pub fn metadata(&mut self, key: &str, value: Value) -> &mut Self {
        self.metadata.insert(Text::from(key), value);
        self
    }
}

/// A template parameter: a value chosen when the stack is deployed, and the constraints
/// CloudFormation checks it against before it changes anything.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// `Type`.
    pub type_name: ParameterType,
    /// `Description`, shown by the console and `aws cloudformation describe-stacks`.
    pub description: Option<String>,
    /// `Default`, used when the deployment gives no value.
    pub default: Option<Value>,
    /// `AllowedPattern`: a regular expression a `String` value must match.
    pub allowed_pattern: Option<String>,
    /// `AllowedValues` (empty: any value).
    pub allowed_values: Vec<Value>,
    /// `ConstraintDescription`: the message shown when a value breaks the constraints.
    pub constraint_description: Option<String>,
}

impl Parameter {
    /// A parameter of the given CloudFormation type (`String`, `Number`,
    /// `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>`, …).
    pub fn new(type_name: ParameterType) -> Parameter {
        Parameter {
            type_name,
            description: None,
            default: None,
            allowed_pattern: None,
            allowed_values: Vec::new(),
            constraint_description: None,
        }
    }
    /// Sets `Description`.
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_string());
        self
    }
    /// Sets `Default`.
    pub fn default_value(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self
    }
    /// Sets `AllowedPattern`.
    pub fn allowed_pattern(mut self, pattern: &str) -> Self {
        self.allowed_pattern = Some(pattern.to_string());
        self
    }
    /// Appends one value to `AllowedValues`.
    pub fn allowed_value(mut self, value: impl Into<Value>) -> Self {
        self.allowed_values.push(value.into());
        self
    }
    /// Sets `ConstraintDescription`.
    pub fn constraint_description(mut self, text: &str) -> Self {
        self.constraint_description = Some(text.to_string());
        self
    }
}

/// A template output: a value the deployed stack reports, and optionally exports for
/// other stacks' `Fn::ImportValue`.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// `Description`.
    pub description: Option<String>,
    /// `Value`.
    pub value: Value,
    /// `Export.Name`: exported names are unique per account and region.
    pub export_name: Option<Value>,
}

impl Output {
    /// An output of `value`, without description or export.
    pub fn new(value: impl Into<Value>) -> Output {
        Output {
            description: None,
            value: value.into(),
            export_name: None,
        }
    }
    /// Sets `Description` (a `String` is taken as it is, not copied).
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }
    /// Exports the value under `name`.
    pub fn export(mut self, name: impl Into<Value>) -> Self {
        self.export_name = Some(name.into());
        self
    }
}

/// Adding something under a logical ID that is already taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateLogicalId {
    /// The logical ID already taken.
    pub id: LogicalId,
    /// The template section it was added to (`Resources`, `Parameters`, ...).
    pub section: &'static str,
}

impl fmt::Display for DuplicateLogicalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "logical ID `{}` is used twice in {}",
            self.id, self.section
        )
    }
}

impl std::error::Error for DuplicateLogicalId {}

/// Why a resource could not be added.
#[derive(Clone, Debug, PartialEq)]
pub enum AddError {
    /// The logical ID is taken.
    Duplicate(DuplicateLogicalId),
    /// The template's tags do not merge into the resource's.
    Tags {
        /// The resource (`None`: the template's tags themselves).
        id: Option<LogicalId>,
        /// Why.
        error: TagError,
    },
}

impl fmt::Display for AddError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddError::Duplicate(e) => e.fmt(f),
            AddError::Tags {
                id: Some(id),
                error,
            } => write!(f, "tags of `{id}`: {error}"),
            AddError::Tags { id: None, error } => write!(f, "the template's tags: {error}"),
        }
    }
}

impl std::error::Error for AddError {}

impl From<DuplicateLogicalId> for AddError {
    fn from(e: DuplicateLogicalId) -> Self {
        AddError::Duplicate(e)
    }
}

/// A CloudFormation template. Sections keep insertion order, which constructs make
/// deterministic; serialization emits CloudFormation's customary key order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Template {
    description: Option<String>,
    metadata: ValueMap,
    parameters: OrderedMap<LogicalId, Parameter>,
    conditions: OrderedMap<LogicalId, Value>,
    resources: OrderedMap<LogicalId, ResourceEntry>,
    outputs: OrderedMap<LogicalId, Output>,
    /// Checks that do not fit a resource, with the reason (not part of the emitted
    /// template until the pipeline writes them into the resource's Metadata).
    exemptions: OrderedMap<LogicalId, Vec<Exemption>>,
    /// Tags every resource that takes tags carries: merged into each resource when it is
    /// added (and into those already there when they are set), so that no construct and
    /// no order of composition can leave one out. Kept written out in both tag shapes
    /// ([`tags::Prepared`]), since nearly every resource shares them.
    tags: tags::Prepared,
}

/// A check of the rule pack (and its equivalents in other scanners) that does not fit one
/// resource, and why: recorded by the construct that knows the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exemption {
    /// The rule pack's id of the check, e.g. `S3-ACCESS-LOGGING`.
    pub rule: String,
    /// Why the check does not fit, for a reviewer.
    pub reason: String,
}

impl Template {
    /// An empty template (no resources yet).
    pub fn new() -> Template {
        Template::default()
    }

    /// Room for `resources` more resources and `outputs` more outputs, for a construct
    /// that knows how many it adds (a nested stack of user profiles holds hundreds): their
    /// maps then grow once instead of doubling and moving their entries as they fill.
    pub fn reserve(&mut self, resources: usize, outputs: usize) {
        self.resources.reserve(resources);
        self.outputs.reserve(outputs);
    }

    /// Sets `Description`, which CloudFormation shows with the stack (at most 1,024 bytes).
    pub fn set_description(&mut self, text: &str) {
        self.description = Some(text.to_string());
    }

    /// Adds tags that every resource of the template that takes tags carries, in the
    /// shape its type takes them ([`tags::TAG_SUPPORT`]): merged into the resources already
    /// added, and into each one added later. Tags set earlier stay; setting a key again
    /// with another value is a clash like any other.
    ///
    /// # Errors
    ///
    /// The first resource the tags do not merge into (`id` is `None` when the template's
    /// tags alone would be too many), and why; the template is then unchanged.
    pub fn set_tags(&mut self, tags: &Tags) -> Result<(), AddError> {
        let mut merged = self.tags.tags().clone();
        for (k, v) in tags.iter() {
            if let Some(old) = merged.get(k).filter(|old| *old != v) {
                return Err(AddError::Tags {
                    id: None,
                    error: TagError::Clash {
                        key: k.to_string(),
                        resource_value: serde_json::to_string(old).expect("a string serializes"),
                        template_value: v.to_string(),
                    },
                });
            }
            merged.insert(k, v).map_err(|_| AddError::Tags {
                id: None,
                error: TagError::TooMany {
                    count: self.tags.tags().len() + tags.len(),
                },
            })?;
        }
        let mut resources = self.resources.clone();
        for (id, entry) in &mut resources {
            let entry = entry.owned();
            tags::merge(entry.type_name, &mut entry.properties, &merged).map_err(|error| {
                AddError::Tags {
                    id: Some(id.clone()),
                    error,
                }
            })?;
        }
        self.resources = resources;
        self.tags = tags::Prepared::new(merged);
        Ok(())
    }

    /// The tags every resource that takes tags carries.
    pub fn tags(&self) -> &Tags {
        self.tags.tags()
    }

    /// Sets the template `Metadata` entry `key`.
    pub fn set_metadata(&mut self, key: &str, value: Value) {
        self.metadata.insert(Text::from(key), value);
    }

    /// Parameters and resources share one namespace (both are `Ref` targets).
    fn check_free(&self, id: &LogicalId, section: &'static str) -> Result<(), DuplicateLogicalId> {
        if self.parameters.contains_key(id) || self.resources.contains_key(id) {
            return Err(DuplicateLogicalId {
                id: id.clone(),
                section,
            });
        }
        Ok(())
    }

    /// Adds `resource` under the logical ID `id` and returns the handle to reference it by.
    /// Constructs add through a [`Scope`](crate::constructs::scope::Scope) instead, which
    /// derives the ID and records the origin.
    ///
    /// The template's tags (see [`Template::set_tags`]) are merged into the resource's own.
    ///
    /// # Errors
    ///
    /// `id` is already a resource or parameter (they share one namespace), or the
    /// template's tags do not merge into the resource's ([`TagError`]).
    pub fn add<R: Resource>(&mut self, id: LogicalId, resource: R) -> Result<Handle<R>, AddError> {
        // A template has a few parameters, looked through in order; the resource's ID is
        // hashed once, for both the check and the insertion.
        if self.parameters.keys().any(|p| p == &id) {
            return Err(DuplicateLogicalId {
                id,
                section: "Resources",
            }
            .into());
        }
        let slot = match self.resources.entry(id) {
            indexmap::map::Entry::Occupied(taken) => {
                return Err(DuplicateLogicalId {
                    id: taken.key().clone(),
                    section: "Resources",
                }
                .into());
            }
            indexmap::map::Entry::Vacant(slot) => slot,
        };
        let mut properties = resource.into_properties();
        let template_tags = self
            .tags
            .share(
                R::TYPE,
                const { tags::support_of(R::TYPE) },
                &mut properties,
            )
            .map_err(|error| AddError::Tags {
                id: Some(slot.key().clone()),
                error,
            })?;
        let id = slot.key().clone();
        slot.insert(ResourceEntry {
            type_name: R::TYPE,
            condition: None,
            depends_on: Vec::new(),
            properties,
            deletion_policy: None,
            update_replace_policy: None,
            metadata: ValueMap::default(),
            template_tags,
            origin: None,
        });
        Ok(Handle {
            id,
            _type: PhantomData,
        })
    }

    /// The stored entry of a resource, to set DependsOn, policies, a condition or metadata.
    /// The template's tags it shares are first moved into its `properties`, so that what
    /// is added after them is written after them.
    pub fn entry<R: Resource>(&mut self, handle: &Handle<R>) -> &mut ResourceEntry {
        self.resources
            .get_mut(&handle.id)
            .expect("a handle always names a resource of its template")
            .owned()
    }

    /// The stored entry of a resource by logical ID (for layers that hold no handle).
    pub fn entry_by_id(&mut self, id: &LogicalId) -> Option<&mut ResourceEntry> {
        self.resources.get_mut(id).map(ResourceEntry::owned)
    }

    /// Adds a parameter under `id`; its handle gives the `Ref`.
    ///
    /// # Errors
    ///
    /// `id` is already a resource or parameter.
    pub fn add_parameter(
        &mut self,
        id: LogicalId,
        parameter: Parameter,
    ) -> Result<ParameterHandle, DuplicateLogicalId> {
        self.check_free(&id, "Parameters")?;
        self.parameters.insert(id.clone(), parameter);
        Ok(ParameterHandle { id })
    }

    /// Adds a condition under `id`; the name it returns is what resources and `Fn::If`
    /// refer to.
    ///
    /// # Errors
    ///
    /// `id` is already a condition.
    pub fn add_condition(
        &mut self,
        id: LogicalId,
        expression: Value,
    ) -> Result<ConditionName, DuplicateLogicalId> {
        if self.conditions.contains_key(&id) {
            return Err(DuplicateLogicalId {
                id,
                section: "Conditions",
            });
        }
        self.conditions.insert(id.clone(), expression);
        Ok(ConditionName(id))
    }

    /// Adds an output under `id`.
    ///
    /// # Errors
    ///
    /// `id` is already an output.
    pub fn add_output(&mut self, id: LogicalId, output: Output) -> Result<(), DuplicateLogicalId> {
        // One hashing of the ID for the check and the insertion.
        match self.outputs.entry(id) {
            indexmap::map::Entry::Occupied(taken) => Err(DuplicateLogicalId {
                id: taken.key().clone(),
                section: "Outputs",
            }),
            indexmap::map::Entry::Vacant(slot) => {
                slot.insert(output);
                Ok(())
            }
        }
    }

    /// Every resource, in the order it was added (the order the template writes).
    pub fn resources(&self) -> impl Iterator<Item = (&LogicalId, &ResourceEntry)> {
        self.resources.iter()
    }

    /// The resource with the logical ID `id`, if there is one.
    pub fn resource(&self, id: &str) -> Option<&ResourceEntry> {
        self.resources
            .iter()
            .find_map(|(k, v)| (k.as_str() == id).then_some(v))
    }

    /// Records that the resource `id` comes from `path` (replacing an earlier record). The
    /// origin is kept with the resource: one lookup of its ID, where a map of origins
    /// beside the resources took a copy of the ID and a hashing more (43.47 → 43.37 M
    /// instructions at 1,000 users). An ID no resource has is a mistake of the caller:
    /// debug builds (every test) stop on it; otherwise there is nothing to record it with.
    pub fn set_origin(&mut self, id: &LogicalId, path: SourcePath) {
        match self.resources.get_mut(id) {
            Some(entry) => entry.origin = Some(path),
            None => debug_assert!(false, "no resource {id} to record an origin of"),
        }
    }

    /// Where the resource `id` comes from, if recorded.
    pub fn origin(&self, id: &LogicalId) -> Option<&SourcePath> {
        self.resources.get(id)?.origin.as_ref()
    }

    /// Records that `rule` does not fit the resource `id`, and why.
    pub fn exempt(&mut self, id: &LogicalId, rule: &str, reason: &str) {
        self.exemptions
            .entry(id.clone())
            .or_default()
            .push(Exemption {
                rule: rule.to_string(),
                reason: reason.to_string(),
            });
    }

    /// Every exemption, per resource, in the order the resources were added.
    pub fn exemptions(&self) -> Vec<(LogicalId, Exemption)> {
        self.resources
            .keys()
            .flat_map(|id| {
                self.exemptions
                    .get(id)
                    .into_iter()
                    .flatten()
                    .map(move |e| (id.clone(), e.clone()))
            })
            .collect()
    }

    /// Every recorded origin, in the order the resources were added.
    pub fn origins(&self) -> impl Iterator<Item = (&LogicalId, &SourcePath)> {
        self.resources
            .iter()
            .filter_map(|(id, entry)| entry.origin.as_ref().map(|path| (id, path)))
    }

    /// Every parameter, in the order it was added.
    pub fn parameters(&self) -> impl Iterator<Item = (&LogicalId, &Parameter)> {
        self.parameters.iter()
    }

    /// Every output, in the order it was added.
    pub fn outputs(&self) -> impl Iterator<Item = (&LogicalId, &Output)> {
        self.outputs.iter()
    }

    /// Pretty-printed JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a template always serializes");
        out.push('\n');
        out
    }

    /// The same template as YAML (long-form intrinsics, which every YAML parser reads).
    pub fn to_yaml(&self) -> String {
        serde_yaml_ng::to_string(self).expect("a template always serializes")
    }
}

/// Whether `a` and `b` are the same text, as the compiler can evaluate it (`==` on
/// strings is not a `const fn`): for the tables read when compiling, a builder's field
/// names and the tag table.
pub(crate) const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

fn section_tree<T>(section: &OrderedMap<LogicalId, T>, tree: impl Fn(&T) -> Json) -> Json {
    let mut entries = Vec::with_capacity(section.len());
    for (id, entry) in section {
        entries.push((Text::from(id.as_str()), tree(entry)));
    }
    Json::Object(JsonMap::from_unique(entries))
}

fn string_map_tree(map: &ValueMap) -> Json {
    Json::Object(value::map_tree(map))
}

impl Parameter {
    /// The parameter as the template writes it.
    pub fn to_json_tree(&self) -> Json {
        object([
            ("Type", Some(Json::from(self.type_name.to_string()))),
            ("Description", self.description.as_deref().map(Json::from)),
            ("Default", self.default.as_ref().map(Value::to_json_tree)),
            (
                "AllowedPattern",
                self.allowed_pattern.as_deref().map(Json::from),
            ),
            (
                "AllowedValues",
                (!self.allowed_values.is_empty()).then(|| {
                    self.allowed_values
                        .iter()
                        .map(Value::to_json_tree)
                        .collect()
                }),
            ),
            (
                "ConstraintDescription",
                self.constraint_description.as_deref().map(Json::from),
            ),
        ])
    }
}

impl ResourceEntry {
    /// The resource as the template writes it: its attributes in CloudFormation's usual
    /// order, the shared template tags as the last property.
    pub fn to_json_tree(&self) -> Json {
        let depends_on = match self.depends_on.as_slice() {
            [] => None,
            [one] => Some(Json::from(one.as_str())),
            many => Some(many.iter().map(|id| Json::from(id.as_str())).collect()),
        };
        let properties = (!self.properties.is_empty() || self.template_tags.is_some()).then(|| {
            let mut map = value::map_tree(&self.properties);
            if let Some(tags) = self.template_tags.as_deref() {
                // Held apart only while the properties have no `Tags` of their own.
                map.insert(Text::const_new("Tags"), tags.to_json_tree());
            }
            Json::Object(map)
        });
        object([
            ("Type", Some(static_text(self.type_name))),
            (
                "Condition",
                self.condition.as_ref().map(|c| Json::from(c.as_str())),
            ),
            ("DependsOn", depends_on),
            ("Properties", properties),
            (
                "DeletionPolicy",
                self.deletion_policy.map(|p| static_text(p.as_str())),
            ),
            (
                "UpdateReplacePolicy",
                self.update_replace_policy.map(|p| static_text(p.as_str())),
            ),
            (
                "Metadata",
                (!self.metadata.is_empty()).then(|| string_map_tree(&self.metadata)),
            ),
        ])
    }
}

impl Output {
    /// The output as the template writes it.
    pub fn to_json_tree(&self) -> Json {
        object([
            ("Description", self.description.as_deref().map(Json::from)),
            ("Value", Some(self.value.to_json_tree())),
            (
                "Export",
                self.export_name
                    .as_ref()
                    .map(|name| object([("Name", Some(name.to_json_tree()))])),
            ),
        ])
    }
}

impl Template {
    /// The template as JSON, the tree that validation reads and the body is printed
    /// from: the one mapping of the model to JSON (`Serialize` goes through it), built
    /// directly with every object at its final size.
    pub fn to_json_tree(&self) -> Json {
        object([
            ("AWSTemplateFormatVersion", Some(static_text("2010-09-09"))),
            ("Description", self.description.as_deref().map(Json::from)),
            (
                "Metadata",
                (!self.metadata.is_empty()).then(|| string_map_tree(&self.metadata)),
            ),
            (
                "Parameters",
                (!self.parameters.is_empty())
                    .then(|| section_tree(&self.parameters, Parameter::to_json_tree)),
            ),
            (
                "Conditions",
                (!self.conditions.is_empty())
                    .then(|| section_tree(&self.conditions, Value::to_json_tree)),
            ),
            (
                "Resources",
                Some(section_tree(&self.resources, ResourceEntry::to_json_tree)),
            ),
            (
                "Outputs",
                (!self.outputs.is_empty())
                    .then(|| section_tree(&self.outputs, Output::to_json_tree)),
            ),
        ])
    }
}

impl Serialize for Parameter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json_tree().serialize(serializer)
    }
}

impl Serialize for ResourceEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json_tree().serialize(serializer)
    }
}

impl Serialize for Output {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json_tree().serialize(serializer)
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json_tree().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::ec2::Vpc;

    #[test]
    fn shared_template_tags_are_the_last_property_whatever_is_changed_later() {
        let vpc = || Vpc::builder().cidr_block("10.0.0.0/16").build().unwrap();
        let tags = |pairs: &[(&str, &str)]| Tags::from_pairs(pairs.iter().copied()).unwrap();
        let mut t = Template::new();
        t.set_tags(&tags(&[("owner", "ml")])).unwrap();
        let shared = t.add(LogicalId::new("Shared").unwrap(), vpc()).unwrap();
        let changed = t.add(LogicalId::new("Changed").unwrap(), vpc()).unwrap();
        assert!(t.resource("Shared").unwrap().template_tags.is_some());
        // A property added after the resource (as grants add Policies) follows its tags,
        // as it did when the tags were copied into every resource.
        t.entry(&changed)
            .properties
            .insert(Text::from("EnableDnsSupport"), Value::from(true));
        assert!(t.resource("Changed").unwrap().template_tags.is_none());
        // Tags set later merge into both, shared or not.
        t.set_tags(&tags(&[("env", "prod")])).unwrap();
        let json = serde_json::to_value(&t).unwrap();
        let owner_env = serde_json::json!([
            {"Key": "owner", "Value": "ml"},
            {"Key": "env", "Value": "prod"}
        ]);
        let keys = |id: &str| -> Vec<String> {
            json["Resources"][id]["Properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(keys("Shared"), ["CidrBlock", "Tags"]);
        assert_eq!(keys("Changed"), ["CidrBlock", "Tags", "EnableDnsSupport"]);
        assert_eq!(json["Resources"]["Shared"]["Properties"]["Tags"], owner_env);
        assert_eq!(
            json["Resources"]["Changed"]["Properties"]["Tags"],
            owner_env
        );
        // A resource added after the second set_tags shares the merged tags.
        let late = t.add(LogicalId::new("Late").unwrap(), vpc()).unwrap();
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["Resources"]["Late"]["Properties"]["Tags"], owner_env);
        assert!(t.resource("Late").unwrap().template_tags.is_some());
        t.entry(&late);
        t.entry(&shared);
        assert_eq!(
            t.resource("Late").unwrap().properties["Tags"],
            t.resource("Shared").unwrap().properties["Tags"]
        );
    }

    #[test]
    fn sections_and_resource_keys_in_customary_order() {
        let mut t = Template::new();
        t.set_description("d");
        t.add_output(
            LogicalId::new("Out").unwrap(),
            Output::new("v").description("o"),
        )
        .unwrap();
        let p = t
            .add_parameter(
                LogicalId::new("Cidr").unwrap(),
                Parameter::new(ParameterType::String)
                    .default_value("10.0.0.0/16")
                    .allowed_pattern("^[0-9./]+$")
                    .constraint_description("a CIDR")
                    .description("the range"),
            )
            .unwrap();
        let cond = t
            .add_condition(LogicalId::new("C").unwrap(), Value::equals("a", "b"))
            .unwrap();
        let vpc = t
            .add(
                LogicalId::new("Vpc").unwrap(),
                Vpc::builder().cidr_block(p.value()).build().unwrap(),
            )
            .unwrap();
        let other = t
            .add(
                LogicalId::new("Other").unwrap(),
                Vpc::builder().cidr_block("10.1.0.0/16").build().unwrap(),
            )
            .unwrap();
        t.entry(&vpc)
            .metadata("Note", Value::from("m"))
            .retain(DeletionPolicy::RetainExceptOnCreate)
            .depends_on(&other)
            .condition(&cond);
        let json = t.to_json();
        assert_eq!(
            json,
            r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "d",
  "Parameters": {
    "Cidr": {
      "Type": "String",
      "Description": "the range",
      "Default": "10.0.0.0/16",
      "AllowedPattern": "^[0-9./]+$",
      "ConstraintDescription": "a CIDR"
    }
  },
  "Conditions": {
    "C": {
      "Fn::Equals": [
        "a",
        "b"
      ]
    }
  },
  "Resources": {
    "Vpc": {
      "Type": "AWS::EC2::VPC",
      "Condition": "C",
      "DependsOn": "Other",
      "Properties": {
        "CidrBlock": {
          "Ref": "Cidr"
        }
      },
      "DeletionPolicy": "RetainExceptOnCreate",
      "UpdateReplacePolicy": "Retain",
      "Metadata": {
        "Note": "m"
      }
    },
    "Other": {
      "Type": "AWS::EC2::VPC",
      "Properties": {
        "CidrBlock": "10.1.0.0/16"
      }
    }
  },
  "Outputs": {
    "Out": {
      "Description": "o",
      "Value": "v"
    }
  }
}
"#
        );
        let yaml = t.to_yaml();
        let back: serde_json::Value = serde_yaml_ng::from_str(&yaml).unwrap();
        let front: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back, front, "YAML output is the same template");
    }

    #[test]
    fn deletion_policies_are_spelled_as_the_attribute_reference_spells_them() {
        for (policy, expected) in [
            (DeletionPolicy::Delete, "Delete"),
            (DeletionPolicy::Retain, "Retain"),
            (DeletionPolicy::RetainExceptOnCreate, "RetainExceptOnCreate"),
            (DeletionPolicy::Snapshot, "Snapshot"),
        ] {
            assert_eq!(policy.as_str(), expected);
            assert_eq!(policy.to_string(), expected);
        }
    }

    #[test]
    fn parameter_types_serialize_as_cloudformation_spells_them() {
        let mut t = Template::new();
        for (id, parameter_type) in [
            ("Name", ParameterType::String),
            (
                "Subnets",
                ParameterType::AwsList(AwsParameterType::SubnetId),
            ),
            ("Ami", ParameterType::ssm_value(AwsParameterType::ImageId)),
        ] {
            t.add_parameter(LogicalId::new(id).unwrap(), Parameter::new(parameter_type))
                .unwrap();
        }
        let json: serde_json::Value = serde_json::from_str(&t.to_json()).unwrap();
        assert_eq!(
            json["Parameters"],
            serde_json::json!({
                "Name": {"Type": "String"},
                "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>"},
                "Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"}
            })
        );
    }

    #[test]
    fn logical_ids_are_unique_across_parameters_and_resources() {
        let mut t = Template::new();
        t.add_parameter(
            LogicalId::new("X").unwrap(),
            Parameter::new(ParameterType::String),
        )
        .unwrap();
        let err = t
            .add(
                LogicalId::new("X").unwrap(),
                Vpc::builder().build().unwrap(),
            )
            .unwrap_err();
        assert_eq!(err.to_string(), "logical ID `X` is used twice in Resources");
    }

    #[test]
    fn an_output_id_is_used_once() {
        let mut t = Template::new();
        let id = || LogicalId::new("Url").unwrap();
        t.add_output(id(), Output::new("a")).unwrap();
        let err = t.add_output(id(), Output::new("b")).unwrap_err();
        assert_eq!(err.to_string(), "logical ID `Url` is used twice in Outputs");
        assert_eq!(t.outputs().count(), 1);
    }

    #[test]
    fn builders_refuse_missing_required_properties() {
        let err = crate::resources::ec2::Subnet::builder()
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "AWS::EC2::Subnet needs the property `VpcId`"
        );
    }
}
