//! The JSON tree of a finished template: what validation, the rule pack, graphs and diffs
//! read, and what the body is printed from.
//!
//! The same shape as `serde_json::Value` with its order-keeping maps, built for this job:
//! a large definition turns into hundreds of thousands of keys and strings, built once,
//! looked up many times and freed together. Strings of up to 24 bytes (nearly every
//! property name, logical ID and short value) live inline instead of in an allocation of
//! their own, and objects are vectors searched in order while small ([`JsonMap`]). At
//! 1,000 users, building the tree went from 35.2 M instructions (serde_json's) to
//! 12.7 M, and the rest of rendering, mostly freeing it, from 20.7 M to 9.5 M
//! (docs/benchmarks.md).

use std::fmt;

use compact_str::CompactString;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
pub use serde_json::Number;

pub use super::json_map::JsonMap;

/// A string of the tree: inline up to 24 bytes, dereferences to `str`.
pub type Text = CompactString;

/// A JSON value. Equality of objects ignores the order of their keys, as serde_json's does.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Json {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, exactly as serde_json holds it.
    Number(Number),
    /// A string.
    String(Text),
    /// An array.
    Array(Vec<Json>),
    /// An object.
    Object(JsonMap),
}

/// What [`Json::get`] and indexing accept: a key of an object or a position in an array.
pub trait JsonIndex {
    /// The value at this index of `value`, if there is one.
    fn index_into<'v>(&self, value: &'v Json) -> Option<&'v Json>;
    /// The value at this index of `value`, made when it is a missing key (a `null` first
    /// becoming an empty object), as serde_json's `IndexMut` does. Panics on a missing
    /// position of an array or an index into a scalar.
    fn index_or_insert<'v>(&self, value: &'v mut Json) -> &'v mut Json;
}

impl JsonIndex for str {
    fn index_into<'v>(&self, value: &'v Json) -> Option<&'v Json> {
        value.as_object().and_then(|m| m.get(self))
    }
    fn index_or_insert<'v>(&self, value: &'v mut Json) -> &'v mut Json {
        if value.is_null() {
            *value = Json::Object(JsonMap::default());
        }
        match value {
            Json::Object(map) => map.entry_or_null(self),
            other => panic!("cannot index {other} with the key {self:?}"),
        }
    }
}

/// Owned keys index as the `str` they hold.
macro_rules! index_as_str {
    ($($owned:ty),*) => {$(
        impl JsonIndex for $owned {
            fn index_into<'v>(&self, value: &'v Json) -> Option<&'v Json> {
                self.as_str().index_into(value)
            }
            fn index_or_insert<'v>(&self, value: &'v mut Json) -> &'v mut Json {
                self.as_str().index_or_insert(value)
            }
        }
    )*};
}

index_as_str!(String, Text);

impl JsonIndex for usize {
    fn index_into<'v>(&self, value: &'v Json) -> Option<&'v Json> {
        value.as_array().and_then(|a| a.get(*self))
    }
    fn index_or_insert<'v>(&self, value: &'v mut Json) -> &'v mut Json {
        match value {
            Json::Array(items) => {
                let len = items.len();
                items
                    .get_mut(*self)
                    .unwrap_or_else(|| panic!("position {self} of an array of {len} items"))
            }
            other => panic!("cannot index {other} with the position {self}"),
        }
    }
}

impl<T: JsonIndex + ?Sized> JsonIndex for &T {
    fn index_into<'v>(&self, value: &'v Json) -> Option<&'v Json> {
        (**self).index_into(value)
    }
    fn index_or_insert<'v>(&self, value: &'v mut Json) -> &'v mut Json {
        (**self).index_or_insert(value)
    }
}

static NULL: Json = Json::Null;

impl Json {
    /// The member `key` of an object or the item at a position of an array.
    pub fn get<I: JsonIndex>(&self, index: I) -> Option<&Json> {
        index.index_into(self)
    }

    /// The value at a JSON Pointer (RFC 6901), e.g. `/Resources/Bucket/Type`.
    pub fn pointer(&self, pointer: &str) -> Option<&Json> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        rest.split('/').try_fold(self, |value, token| {
            let token = token.replace("~1", "/").replace("~0", "~");
            match value {
                Json::Object(map) => map.get(token.as_str()),
                Json::Array(items) => parse_position(&token).and_then(|i| items.get(i)),
                _ => None,
            }
        })
    }

    /// The text of a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The members of an object.
    pub fn as_object(&self) -> Option<&JsonMap> {
        match self {
            Json::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The members of an object, mutably.
    pub fn as_object_mut(&mut self) -> Option<&mut JsonMap> {
        match self {
            Json::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The items of an array.
    pub fn as_array(&self) -> Option<&Vec<Json>> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The items of an array, mutably.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Json>> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The value of a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A number that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// A number that fits a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Json::String(_))
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// Whether this is a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Json::Number(_))
    }

    /// Whether this is a boolean.
    pub fn is_boolean(&self) -> bool {
        matches!(self, Json::Bool(_))
    }
}

/// An array position of a JSON Pointer: digits without a leading zero.
fn parse_position(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

impl<I: JsonIndex> std::ops::Index<I> for Json {
    type Output = Json;

    /// The value at `index`, or `null` when there is none (as serde_json indexes).
    fn index(&self, index: I) -> &Json {
        index.index_into(self).unwrap_or(&NULL)
    }
}

impl<I: JsonIndex> std::ops::IndexMut<I> for Json {
    /// The value at `index`, a missing key added as `null` (see [`JsonIndex::index_or_insert`]).
    fn index_mut(&mut self, index: I) -> &mut Json {
        index.index_or_insert(self)
    }
}

impl PartialEq<str> for Json {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Json {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<bool> for Json {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

impl PartialEq<serde_json::Value> for Json {
    fn eq(&self, other: &serde_json::Value) -> bool {
        match (self, other) {
            (Json::Null, serde_json::Value::Null) => true,
            (Json::Bool(a), serde_json::Value::Bool(b)) => a == b,
            (Json::Number(a), serde_json::Value::Number(b)) => a == b,
            (Json::String(a), serde_json::Value::String(b)) => a == b,
            (Json::Array(a), serde_json::Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
            }
            (Json::Object(a), serde_json::Value::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.get(k.as_str()).is_some_and(|w| v == w))
            }
            _ => false,
        }
    }
}

impl fmt::Display for Json {
    /// Compact JSON text, as serde_json displays a value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        super::json_text::write_compact(&mut out, self);
        f.write_str(&out)
    }
}

impl From<serde_json::Value> for Json {
    fn from(value: serde_json::Value) -> Json {
        Json::from(&value)
    }
}

impl From<&serde_json::Value> for Json {
    fn from(value: &serde_json::Value) -> Json {
        match value {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(b) => Json::Bool(*b),
            serde_json::Value::Number(n) => Json::Number(n.clone()),
            serde_json::Value::String(s) => Json::String(Text::from(s.as_str())),
            serde_json::Value::Array(items) => Json::Array(items.iter().map(Json::from).collect()),
            serde_json::Value::Object(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| (Text::from(k.as_str()), Json::from(v)))
                    .collect(),
            ),
        }
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::String(Text::from(s))
    }
}

impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::String(Text::from(s))
    }
}

impl From<i64> for Json {
    fn from(n: i64) -> Json {
        Json::Number(n.into())
    }
}

impl From<u64> for Json {
    fn from(n: u64) -> Json {
        Json::Number(n.into())
    }
}

impl FromIterator<Json> for Json {
    fn from_iter<T: IntoIterator<Item = Json>>(iter: T) -> Json {
        Json::Array(iter.into_iter().collect())
    }
}

/// A `Json` from JSON-like text in Rust syntax, as `serde_json::json!` reads it.
#[macro_export]
macro_rules! json {
    ($($tokens:tt)+) => {
        $crate::template::json::Json::from(::serde_json::json!($($tokens)+))
    };
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    out.serialize_entry(k.as_str(), v)?;
                }
                out.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
        Ok(Number::from_f64(n).map_or(Json::Null, Json::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(Text::from(s)))
    }
    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(Text::from(s)))
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Json::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Json, A::Error> {
        let mut map = JsonMap::with_capacity(access.size_hint().unwrap_or(0).min(4096));
        while let Some(key) = access.next_key::<KeyText>()? {
            map.insert(key.0, access.next_value()?);
        }
        Ok(Json::Object(map))
    }
}

/// An object key read as [`Text`] without going through a `String`.
struct KeyText(Text);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<KeyText, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E>(self, s: &str) -> Result<KeyText, E> {
                Ok(KeyText(Text::from(s)))
            }
            fn visit_string<E>(self, s: String) -> Result<KeyText, E> {
                Ok(KeyText(Text::from(s)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Any serde_json value, with the strings short and long (inline and allocated).
    fn any_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<u64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            ".{0,40}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::vec((".{0,30}", inner), 0..6)
                    .prop_map(|entries| serde_json::Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Converted or read from text, a value is the tree serde_json builds, and it goes
        /// back to serde_json unchanged, key order included.
        #[test]
        fn every_way_in_builds_the_tree_serde_json_builds(value in any_value()) {
            let converted = Json::from(&value);
            let text = serde_json::to_string(&value).unwrap();
            // Read from text, a float may come back a unit off in its last place
            // (serde_json reads floats fast, not exactly): compare with what serde_json
            // reads from the same text.
            let parsed: Json = serde_json::from_str(&text).unwrap();
            let parsed_by_serde_json: serde_json::Value = serde_json::from_str(&text).unwrap();
            prop_assert!(parsed == parsed_by_serde_json);
            prop_assert!(converted == value);
                        prop_assert_eq!(serde_json::to_string(&converted).unwrap(), text.clone());
            prop_assert_eq!(converted.to_string(), text);
        }
    }

    #[test]
    fn lookups_read_as_serde_json_reads() {
        let value = crate::json!({"a": {"b/c": [10, {"d~e": "x"}]}, "n": null});
        assert_eq!(value.pointer("/a/b~1c/1/d~0e"), Some(&Json::from("x")));
        assert_eq!(value.pointer("/a/b~1c/01"), None);
        assert_eq!(value.pointer(""), Some(&value));
        assert_eq!(value["a"]["b/c"][0].as_u64(), Some(10));
        assert!(value["missing"][3].is_null());
        assert_eq!(value.get("n"), Some(&Json::Null));
        assert_eq!(value["a"]["b/c"][1]["d~e"], "x");
    }

    #[test]
    fn objects_equal_whatever_the_order_of_their_keys() {
        assert_eq!(
            crate::json!({"a": 1, "b": 2}),
            crate::json!({"b": 2, "a": 1})
        );
        assert_ne!(crate::json!({"a": 1}), crate::json!({"a": 1, "b": 2}));
    }
}
