//! The value type of a template: plain JSON-like data plus CloudFormation's intrinsic
//! functions as variants, so that an intrinsic can never be a string with markers in it.

use indexmap::IndexMap;
use serde::ser::{Serialize, Serializer};

use super::json::{Json, JsonMap, Text};
use super::json_map::TextMap;

use super::logical_id::LogicalId;

/// How the maps of the template model hash their keys: foldhash, several times cheaper
/// per key than the standard library's SipHash. A large definition puts thousands of
/// resources, each a map of properties, through these maps. Iteration, equality and
/// serialization follow insertion order, never the hash, so the hasher cannot change a
/// template; and the keys are the template's own property names and logical IDs.
pub type MapHasher = foldhash::fast::RandomState;

/// An insertion-ordered map of the template model (see [`MapHasher`]).
pub type OrderedMap<K, V> = IndexMap<K, V, MapHasher>;

/// A map of the model's values ([`Value::Map`], a resource's properties and metadata):
/// small nearly always, so kept as the JSON tree keeps its objects, a vector of entries
/// looked through in order (indexed only when large), which costs less to fill, read
/// and free than a hash table for each.
pub type ValueMap = TextMap<Value>;

/// CloudFormation pseudo parameters (usable in `Ref` and inside `Fn::Sub`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pseudo {
    /// `AWS::AccountId`: the account the stack is deployed in.
    AccountId,
    /// `AWS::Partition`: `aws`, `aws-cn`, `aws-us-gov`, ...; ARNs built with it work in
    /// every partition.
    Partition,
    /// `AWS::Region`: the stack's region.
    Region,
    /// `AWS::StackName`.
    StackName,
    /// `AWS::StackId`: the stack's ARN.
    StackId,
    /// `AWS::URLSuffix`: `amazonaws.com` (`amazonaws.com.cn` in China).
    UrlSuffix,
    /// `AWS::NoValue`: removes the property it is the value of (typically inside `Fn::If`).
    NoValue,
}

impl Pseudo {
    /// Every pseudo parameter, in declaration order.
    pub const ALL: [Pseudo; 7] = [
        Pseudo::AccountId,
        Pseudo::Partition,
        Pseudo::Region,
        Pseudo::StackName,
        Pseudo::StackId,
        Pseudo::UrlSuffix,
        Pseudo::NoValue,
    ];

    /// The name `Ref` takes, e.g. `AWS::AccountId`.
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::Region => "AWS::Region",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
            Pseudo::NoValue => "AWS::NoValue",
        }
    }

    /// The pseudo parameter called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Pseudo> {
        Pseudo::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// A `Ref` to a parameter or resource. Only the template hands these out (through
/// handles), so a reference to something that was never added cannot be written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference(pub(super) LogicalId);

impl Reference {
    /// The logical ID referred to.
    pub fn target(&self) -> &LogicalId {
        &self.0
    }
}

/// An `Fn::GetAtt` of a resource attribute; created only through typed handles.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribute {
    pub(super) resource: LogicalId,
    pub(super) name: &'static str,
}

impl Attribute {
    /// The logical ID of the resource.
    pub fn resource(&self) -> &LogicalId {
        &self.resource
    }
    /// The attribute's name, e.g. `Arn`.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// The name of a template condition, handed out by [`Template::add_condition`](super::Template::add_condition).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConditionName(pub(super) LogicalId);

impl ConditionName {
    /// The condition's logical ID.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A template value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// JSON `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string (written as is: no intrinsic is ever hidden in one).
    String(Text),
    /// A list.
    List(Vec<Value>),
    /// A mapping; keys keep their insertion order.
    Map(ValueMap),
    /// `Ref` of a parameter or resource.
    Ref(Reference),
    /// `Ref` of a pseudo parameter.
    Pseudo(Pseudo),
    /// `Fn::GetAtt`.
    GetAtt(Attribute),
    /// `Fn::Sub`.
    Sub(Sub),
    /// `Fn::Join`: the delimiter and the values joined.
    Join(String, Vec<Value>),
    /// `Fn::Join` of a list that is itself an intrinsic (`Fn::Split`): the delimiter and
    /// that list.
    JoinList(String, Box<Value>),
    /// `Fn::Split`: the delimiter and the string split.
    Split(String, Box<Value>),
    /// `Fn::Select`: the index and the list it picks from.
    Select(u32, Box<Value>),
    /// `Fn::GetAZs` of the stack's own region (`""`).
    GetAzs,
    /// `Fn::Base64` (user data, lifecycle scripts).
    Base64(Box<Value>),
    /// `Fn::If`: the condition, the value when true, the value when false.
    If(ConditionName, Box<Value>, Box<Value>),
    /// `Fn::Equals` of two values, in a condition.
    Equals(Box<Value>, Box<Value>),
    /// `Fn::Or` of conditions (2 to 10 of them, as CloudFormation allows).
    Or(Vec<Value>),
    /// `{"Condition": NAME}`: another condition, inside a condition function.
    Condition(ConditionName),
}

impl Value {
    /// `{"Fn::Select": [index, {"Fn::GetAZs": ""}]}`: the index-th AZ of the stack's region.
    pub fn availability_zone(index: u32) -> Value {
        Value::Select(index, Box::new(Value::GetAzs))
    }

    /// `{"Fn::Base64": inner}`.
    pub fn base64(inner: impl Into<Value>) -> Value {
        Value::Base64(Box::new(inner.into()))
    }

    /// `{"Fn::Join": [delimiter, items]}`.
    pub fn join(delimiter: &str, items: impl IntoIterator<Item = Value>) -> Value {
        Value::Join(delimiter.to_string(), items.into_iter().collect())
    }

    /// `{"Fn::Join": ["", {"Fn::Split": [delimiter, source]}]}`: `source` without any
    /// `delimiter` (e.g. the region as `useast1`, the spelling CloudFormation uses in the
    /// name of its custom-resource response bucket).
    pub fn without(delimiter: &str, source: impl Into<Value>) -> Value {
        Value::JoinList(
            String::new(),
            Box::new(Value::Split(delimiter.to_string(), Box::new(source.into()))),
        )
    }

    /// `{"Fn::If": [condition, then, otherwise]}`.
    pub fn if_(
        condition: &ConditionName,
        then: impl Into<Value>,
        otherwise: impl Into<Value>,
    ) -> Value {
        Value::If(
            condition.clone(),
            Box::new(then.into()),
            Box::new(otherwise.into()),
        )
    }

    /// `{"Fn::Equals": [a, b]}`.
    pub fn equals(a: impl Into<Value>, b: impl Into<Value>) -> Value {
        Value::Equals(Box::new(a.into()), Box::new(b.into()))
    }

    /// True when any of `conditions` is: one condition is itself, more than ten are
    /// grouped into nested `Fn::Or`s of at most ten each.
    pub fn any_of(conditions: &[ConditionName]) -> Value {
        let mut values: Vec<Value> = conditions
            .iter()
            .map(|c| Value::Condition(c.clone()))
            .collect();
        while values.len() > 10 {
            values = values
                .chunks(10)
                .map(|chunk| match chunk {
                    [one] => one.clone(),
                    many => Value::Or(many.to_vec()),
                })
                .collect();
        }
        match values.len() {
            1 => values.pop().expect("one value"),
            _ => Value::Or(values),
        }
    }

    /// A list of `items`.
    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(items.into_iter().collect())
    }

    /// A map from `(key, value)` pairs, keys kept in the given order.
    pub fn map<K: Into<Text>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The string, if this value is a plain string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(Text::from(s))
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Text::from(s))
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::String(Text::from(s.as_str()))
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(i64::from(n))
    }
}
impl From<u16> for Value {
    fn from(n: u16) -> Self {
        Value::Int(i64::from(n))
    }
}
impl From<Pseudo> for Value {
    fn from(p: Pseudo) -> Self {
        Value::Pseudo(p)
    }
}
impl From<Sub> for Value {
    fn from(s: Sub) -> Self {
        s.into_value()
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}

/// One piece of an `Fn::Sub` string.
#[derive(Clone, Debug, PartialEq)]
pub enum SubPart {
    /// Literal text; a `${` in it is escaped as `${!` on output.
    Text(Text),
    /// `${AWS::Region}` and the like.
    Pseudo(Pseudo),
    /// `${LogicalId}`.
    Ref(Reference),
    /// `${LogicalId.Attribute}`.
    Att(Attribute),
    /// Any other value, bound through Fn::Sub's variable map.
    Value(Box<Value>),
}

impl From<&str> for SubPart {
    fn from(s: &str) -> Self {
        SubPart::Text(Text::from(s))
    }
}
impl From<String> for SubPart {
    fn from(s: String) -> Self {
        SubPart::Text(Text::from(s))
    }
}
impl From<&String> for SubPart {
    fn from(s: &String) -> Self {
        SubPart::Text(Text::from(s.as_str()))
    }
}
impl From<Pseudo> for SubPart {
    fn from(p: Pseudo) -> Self {
        SubPart::Pseudo(p)
    }
}
impl From<Value> for SubPart {
    fn from(v: Value) -> Self {
        match v {
            Value::String(s) => SubPart::Text(s),
            Value::Int(n) => SubPart::Text(Text::from(n.to_string())),
            Value::Pseudo(p) => SubPart::Pseudo(p),
            Value::Ref(r) => SubPart::Ref(r),
            Value::GetAtt(a) => SubPart::Att(a),
            other => SubPart::Value(Box::new(other)),
        }
    }
}

/// `Fn::Sub`, held as typed parts and rendered to CloudFormation's `${…}` syntax only
/// when serialized. Build it with the [`sub!`](crate::sub) macro.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Sub {
    parts: Vec<SubPart>,
}

impl Sub {
    /// A Sub of `parts`, in order (adjacent text merged).
    pub fn from_parts(parts: Vec<SubPart>) -> Sub {
        // Parts are nearly always written text, variable, text, …: then there is
        // nothing to merge, and the vector is kept as it is.
        if !parts
            .windows(2)
            .any(|w| matches!(w, [SubPart::Text(_), SubPart::Text(_)]))
        {
            return Sub { parts };
        }
        let mut sub = Sub {
            parts: Vec::with_capacity(parts.len()),
        };
        for part in parts {
            sub.push(part);
        }
        sub
    }

    /// Appends `part`.
    pub fn push(&mut self, part: SubPart) {
        // Adjacent text is merged so that equal strings have equal models.
        if let (SubPart::Text(new), Some(SubPart::Text(last))) = (&part, self.parts.last_mut()) {
            last.push_str(new);
            return;
        }
        self.parts.push(part);
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[SubPart] {
        &self.parts
    }

    /// A Sub without variables is just a string (cfn-lint W1020 flags a needless Fn::Sub).
    pub fn into_value(self) -> Value {
        match self.parts.as_slice() {
            [] => Value::String(Text::default()),
            [SubPart::Text(_)] => match self.parts.into_iter().next() {
                Some(SubPart::Text(t)) => Value::String(t),
                _ => unreachable!(),
            },
            _ => Value::Sub(self),
        }
    }

    /// The `${…}` string and the variable map for parts that are not names.
    pub fn render(&self) -> (String, Vec<(String, &Value)>) {
        // Sized for the usual case (no `${` to escape in the text, fewer than ten
        // bound values) so that the string is not grown piece by piece.
        let length: usize = self
            .parts
            .iter()
            .map(|part| match part {
                SubPart::Text(t) => t.len(),
                SubPart::Pseudo(p) => p.name().len() + 3,
                SubPart::Ref(r) => r.0.as_str().len() + 3,
                SubPart::Att(a) => a.resource.as_str().len() + a.name.len() + 4,
                SubPart::Value(_) => "${Var1}".len(),
            })
            .sum();
        let mut out = String::with_capacity(length);
        let mut vars = Vec::new();
        for part in &self.parts {
            match part {
                SubPart::Text(t) => push_literal(&mut out, t),
                SubPart::Pseudo(p) => {
                    out.push_str("${");
                    out.push_str(p.name());
                    out.push('}');
                }
                SubPart::Ref(r) => {
                    out.push_str("${");
                    out.push_str(r.0.as_str());
                    out.push('}');
                }
                SubPart::Att(a) => {
                    out.push_str("${");
                    out.push_str(a.resource.as_str());
                    out.push('.');
                    out.push_str(a.name);
                    out.push('}');
                }
                SubPart::Value(v) => {
                    let name = format!("Var{}", vars.len() + 1);
                    out.push_str("${");
                    out.push_str(&name);
                    out.push('}');
                    vars.push((name, v.as_ref()));
                }
            }
        }
        (out, vars)
    }
}

/// Appends literal text to an `Fn::Sub` string, each `${` written `${!` so that
/// CloudFormation copies it rather than reading a variable. Text without one (nearly all)
/// is copied whole.
fn push_literal(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = super::read::variable_start(rest) {
        out.push_str(&rest[..at + 2]);
        out.push('!');
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
}

/// Builds an `Fn::Sub` value from parts: string literals, [`Pseudo`] parameters and
/// values (refs and attributes become `${Name}` / `${Name.Attr}`).
///
/// ```
/// use sagesynth::sub;
/// use sagesynth::template::{Pseudo, Value};
/// let v = sub!["arn:", Pseudo::Partition, ":iam::", Pseudo::AccountId, ":root"];
/// assert!(matches!(v, Value::Sub(_)));
/// ```
#[macro_export]
macro_rules! sub {
    ($($part:expr),* $(,)?) => {
        $crate::template::Sub::from_parts(vec![$($crate::template::SubPart::from($part)),*]).into_value()
    };
}

/// A string of the template's own text (a name, a type, a function), stored without a
/// copy.
pub(super) fn static_text(text: &'static str) -> Json {
    Json::String(Text::const_new(text))
}

/// An object of known entries, appended in order (each key written once), those that
/// are `None` left out.
pub(super) fn object<const N: usize>(entries: [(&'static str, Option<Json>); N]) -> Json {
    let mut present = Vec::with_capacity(entries.iter().filter(|(_, v)| v.is_some()).count());
    for (key, value) in entries {
        if let Some(value) = value {
            present.push((Text::const_new(key), value));
        }
    }
    Json::Object(JsonMap::from_unique(present))
}

/// `{function: argument}`: an intrinsic function as CloudFormation reads it.
fn intrinsic(function: &'static str, argument: Json) -> Json {
    object([(function, Some(argument))])
}

/// The JSON object of a map of the model: its keys are unique (a map's), so they are
/// appended without looking for them first.
pub(super) fn map_tree(map: &ValueMap) -> JsonMap {
    // A property name is static text, most others are inline: no allocation.
    let mut entries = Vec::with_capacity(map.len());
    for (k, v) in map {
        entries.push((k.clone(), v.to_json_tree()));
    }
    JsonMap::from_unique(entries)
}

fn list_tree(items: &[Value]) -> Json {
    Json::Array(items.iter().map(Value::to_json_tree).collect())
}

impl Value {
    /// The JSON CloudFormation reads for this value, intrinsics as their one-key objects:
    /// the one mapping of the model to JSON (`Serialize` goes through it). Built
    /// directly, each object and array at its final size, for the tree that validation
    /// reads and the body is printed from ([`crate::synth::json_tree`]).
    pub fn to_json_tree(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(n) => Json::from(*n),
            Value::String(s) => Json::String(s.clone()),
            Value::List(items) => list_tree(items),
            Value::Map(entries) => Json::Object(map_tree(entries)),
            Value::Ref(r) => intrinsic("Ref", Json::from(r.0.as_str())),
            Value::Pseudo(p) => intrinsic("Ref", static_text(p.name())),
            Value::GetAtt(a) => intrinsic(
                "Fn::GetAtt",
                Json::Array(vec![Json::from(a.resource.as_str()), static_text(a.name)]),
            ),
            Value::Sub(sub) => {
                let (string, vars) = sub.render();
                let text = Json::from(string);
                if vars.is_empty() {
                    intrinsic("Fn::Sub", text)
                } else {
                    let mut bindings = JsonMap::with_capacity(vars.len());
                    for (name, value) in vars {
                        bindings.push_unique(Text::from(name), value.to_json_tree());
                    }
                    intrinsic("Fn::Sub", Json::Array(vec![text, Json::Object(bindings)]))
                }
            }
            Value::Join(delimiter, items) => intrinsic(
                "Fn::Join",
                Json::Array(vec![Json::from(delimiter.as_str()), list_tree(items)]),
            ),
            Value::JoinList(delimiter, list) => intrinsic(
                "Fn::Join",
                Json::Array(vec![Json::from(delimiter.as_str()), list.to_json_tree()]),
            ),
            Value::Split(delimiter, source) => intrinsic(
                "Fn::Split",
                Json::Array(vec![Json::from(delimiter.as_str()), source.to_json_tree()]),
            ),
            Value::Select(index, list) => intrinsic(
                "Fn::Select",
                Json::Array(vec![Json::from(u64::from(*index)), list.to_json_tree()]),
            ),
            Value::GetAzs => intrinsic("Fn::GetAZs", Json::from("")),
            Value::Base64(inner) => intrinsic("Fn::Base64", inner.to_json_tree()),
            Value::If(condition, a, b) => intrinsic(
                "Fn::If",
                Json::Array(vec![
                    Json::from(condition.as_str()),
                    a.to_json_tree(),
                    b.to_json_tree(),
                ]),
            ),
            Value::Or(conditions) => intrinsic("Fn::Or", list_tree(conditions)),
            Value::Condition(name) => intrinsic("Condition", Json::from(name.as_str())),
            Value::Equals(a, b) => intrinsic(
                "Fn::Equals",
                Json::Array(vec![a.to_json_tree(), b.to_json_tree()]),
            ),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json_tree().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(v: &Value) -> String {
        serde_json::to_string(v).unwrap()
    }

    fn id(s: &str) -> LogicalId {
        LogicalId::new(s).unwrap()
    }

    #[test]
    fn plain_values() {
        assert_eq!(json(&Value::Null), "null");
        assert_eq!(json(&Value::from(true)), "true");
        assert_eq!(json(&Value::from(42i64)), "42");
        assert_eq!(json(&Value::from("x")), r#""x""#);
        assert_eq!(
            json(&Value::map([
                ("B", Value::from(1i64)),
                ("A", Value::list([]))
            ])),
            r#"{"B":1,"A":[]}"#,
            "maps keep insertion order"
        );
    }

    #[test]
    fn from_parts_merges_adjacent_text_and_keeps_the_rest_as_given() {
        let text = |t: &str| SubPart::Text(Text::from(t));
        let region = || SubPart::Pseudo(Pseudo::Region);
        let merged = Sub::from_parts(vec![text("a"), text("b"), region(), text("c"), text("")]);
        assert_eq!(merged.parts(), [text("ab"), region(), text("c")]);
        let kept = Sub::from_parts(vec![text(""), region(), text("c"), region()]);
        assert_eq!(kept.parts(), [text(""), region(), text("c"), region()]);
        let mut pushed = Sub::default();
        for part in [text(""), region(), text("c"), region()] {
            pushed.push(part);
        }
        assert_eq!(kept, pushed);
    }

    #[test]
    fn ref_getatt_and_pseudo() {
        assert_eq!(json(&Value::Ref(Reference(id("Vpc")))), r#"{"Ref":"Vpc"}"#);
        assert_eq!(
            json(&Value::from(Pseudo::Region)),
            r#"{"Ref":"AWS::Region"}"#
        );
        assert_eq!(
            json(&Value::from(Pseudo::UrlSuffix)),
            r#"{"Ref":"AWS::URLSuffix"}"#
        );
        let att = Value::GetAtt(Attribute {
            resource: id("Role"),
            name: "Arn",
        });
        assert_eq!(json(&att), r#"{"Fn::GetAtt":["Role","Arn"]}"#);
    }

    #[test]
    fn literal_text_escapes_every_variable_start_as_replacing_would() {
        for text in [
            "",
            "plain",
            "${x}",
            "a${b${c",
            "$${",
            "${${",
            "$",
            "{$}",
            "x$",
            "${!y}",
            "日本${語}",
        ] {
            let mut out = String::from("head:");
            push_literal(&mut out, text);
            assert_eq!(
                out,
                format!("head:{}", text.replace("${", "${!")),
                "{text:?}"
            );
        }
    }

    #[test]
    fn sub_renders_names_escapes_literals_and_binds_other_values() {
        let v = crate::sub![
            "arn:",
            Pseudo::Partition,
            ":x:::",
            Value::Ref(Reference(id("Bucket"))),
            "/",
            Value::GetAtt(Attribute {
                resource: id("Role"),
                name: "Arn"
            }),
            "/${aws:username}/",
            Value::availability_zone(1)
        ];
        assert_eq!(
            json(&v),
            r#"{"Fn::Sub":["arn:${AWS::Partition}:x:::${Bucket}/${Role.Arn}/${!aws:username}/${Var1}",{"Var1":{"Fn::Select":[1,{"Fn::GetAZs":""}]}}]}"#
        );
    }

    #[test]
    fn sub_without_variables_is_a_plain_string() {
        assert_eq!(crate::sub!["a", "b", 3i64.to_string()], Value::from("ab3"));
        // An IAM policy variable outside Fn::Sub stays as it is.
        assert_eq!(
            json(&crate::sub!["home/${aws:username}"]),
            r#""home/${aws:username}""#
        );
    }

    #[test]
    fn other_intrinsics() {
        assert_eq!(
            json(&Value::join(
                ",",
                [Value::from("a"), Value::from(Pseudo::Region)]
            )),
            r#"{"Fn::Join":[",",["a",{"Ref":"AWS::Region"}]]}"#
        );
        assert_eq!(
            json(&Value::without("-", Pseudo::Region)),
            r#"{"Fn::Join":["",{"Fn::Split":["-",{"Ref":"AWS::Region"}]}]}"#
        );
        assert_eq!(
            json(&Value::base64("#!/bin/bash\n")),
            r##"{"Fn::Base64":"#!/bin/bash\n"}"##
        );
        let cond = ConditionName(id("IsProd"));
        assert_eq!(
            json(&Value::if_(&cond, "a", Value::from(Pseudo::NoValue))),
            r#"{"Fn::If":["IsProd","a",{"Ref":"AWS::NoValue"}]}"#
        );
        assert_eq!(
            json(&Value::equals(Value::from(Pseudo::Region), "eu-west-1")),
            r#"{"Fn::Equals":[{"Ref":"AWS::Region"},"eu-west-1"]}"#
        );
    }
}
