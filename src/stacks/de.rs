//! Reading the typed definition from the parsed [`Tree`] with serde. Scalars resolve as
//! serde_yaml_ng resolves them (YAML 1.2's core schema: `~`/`null`, `true`/`false`,
//! decimal, `0x`, `0o` and `0b` integers, floats, `.inf`, `.nan`; quoted text is always
//! text), and errors are serde's own messages, so a definition means and reports the same
//! as when serde_yaml_ng read it.
//!
//! An error remembers the node it was found at, so that [`deserialize_all`] can set an
//! unknown key aside and read on: every unknown field of a definition is reported in one
//! run, not one per run.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Expected, Unexpected, Visitor};

use super::tree::{Kind, NodeId, Tree};
use crate::diagnostic::Position;

/// A schema error: serde's message, the field path, and the node it was found at.
#[derive(Debug)]
pub struct Error {
    pub message: String,
    pub at: Option<(NodeId, Position)>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error {
            message: msg.to_string(),
            at: None,
        }
    }
}

type Result<T> = std::result::Result<T, Error>;

/// How deep values may nest through aliases (the structure pass already limits what is
/// written), as serde_yaml_ng limits it.
const RECURSION_LIMIT: usize = 128;

/// How many alias expansions a document may make per node, as serde_yaml_ng limits
/// them: enough for any real reuse, and a "billion laughs" input stops early.
const REPETITIONS_PER_NODE: usize = 100;

struct Context<'a> {
    tree: &'a Tree,
    /// Key nodes set aside (unknown fields already reported).
    skipped: &'a [NodeId],
    jumps: Cell<usize>,
}

/// Deserializes the root of `tree` into `T` with the field path of any error, setting the
/// entries whose key node is in `skipped` aside.
pub fn deserialize<T: de::DeserializeOwned>(
    tree: &Tree,
    skipped: &[NodeId],
) -> std::result::Result<T, serde_path_to_error::Error<Error>> {
    let context = Context {
        tree,
        skipped,
        jumps: Cell::new(0),
    };
    let de = Deserializer {
        context: &context,
        node: tree.root(),
        depth: RECURSION_LIMIT,
    };
    serde_path_to_error::deserialize(de)
}

/// Whether an error is about an unknown field (serde's derived message).
pub fn is_unknown_field(error: &Error) -> bool {
    error.message.starts_with("unknown field ")
}

/// Deserializes `tree` into `T`; every unknown field is collected (with its path) and set
/// aside, and reading goes on, until the definition reads or another error stops it. The
/// errors come in document order; `Ok` only when there were none.
pub fn deserialize_all<T: de::DeserializeOwned>(
    tree: &Tree,
) -> std::result::Result<T, Vec<(String, Error)>> {
    let mut skipped: Vec<NodeId> = Vec::new();
    let mut errors = Vec::new();
    loop {
        match deserialize::<T>(tree, &skipped) {
            Ok(value) if errors.is_empty() => return Ok(value),
            Ok(_) => return Err(errors),
            Err(e) => {
                let path = e.path().to_string();
                let error = e.into_inner();
                let again = match (&error.at, is_unknown_field(&error)) {
                    (Some((node, _)), true) if !skipped.contains(node) => Some(*node),
                    _ => None,
                };
                errors.push((path, error));
                match again {
                    Some(node) => skipped.push(node),
                    None => return Err(errors),
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Deserializer<'a> {
    context: &'a Context<'a>,
    node: NodeId,
    /// How many more levels of sequences and mappings may open.
    depth: usize,
}

impl<'a> Deserializer<'a> {
    fn kind(&self) -> &'a Kind {
        &self.context.tree.nodes[self.node].kind
    }

    /// The error found here, with this node's position unless an inner node gave one.
    fn locate(&self, mut error: Error) -> Error {
        if error.at.is_none() {
            error.at = Some((self.node, self.context.tree.nodes[self.node].mark));
        }
        error
    }

    /// The target of an alias, counted against the repetition limit.
    fn jump(&self, target: NodeId) -> Result<Deserializer<'a>> {
        let jumps = self.context.jumps.get() + 1;
        self.context.jumps.set(jumps);
        if jumps > self.context.tree.nodes.len() * REPETITIONS_PER_NODE {
            return Err(de::Error::custom("repetition limit exceeded"));
        }
        Ok(Deserializer {
            node: target,
            ..*self
        })
    }

    fn nested(&self) -> Result<usize> {
        self.depth
            .checked_sub(1)
            .ok_or_else(|| de::Error::custom("recursion limit exceeded"))
    }

    fn child(&self, node: NodeId, depth: usize) -> Deserializer<'a> {
        Deserializer {
            context: self.context,
            node,
            depth,
        }
    }

    fn visit_seq<V: Visitor<'a>>(self, items: &'a [NodeId], visitor: V) -> Result<V::Value> {
        let depth = self.nested()?;
        let mut access = SeqAccess {
            de: self,
            items: items.iter(),
            depth,
            len: 0,
        };
        let value = visitor.visit_seq(&mut access)?;
        let used = access.len;
        let total = used + access.items.len();
        if total == used {
            Ok(value)
        } else {
            Err(de::Error::invalid_length(total, &ExpectedSeq(used)))
        }
    }

    fn visit_map<V: Visitor<'a>>(
        self,
        entries: &'a [(NodeId, NodeId)],
        visitor: V,
    ) -> Result<V::Value> {
        let depth = self.nested()?;
        let mut access = MapAccess {
            de: self,
            entries: entries.iter(),
            value: None,
            depth,
            len: 0,
        };
        let value = visitor.visit_map(&mut access)?;
        let used = access.len;
        let skipped = self.context.skipped;
        let rest = access
            .entries
            .filter(|(key, _)| !skipped.contains(key))
            .count();
        if rest == 0 {
            Ok(value)
        } else {
            Err(de::Error::invalid_length(used + rest, &ExpectedMap(used)))
        }
    }
}

struct ExpectedSeq(usize);

impl Expected for ExpectedSeq {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        if self.0 == 1 {
            write!(formatter, "sequence of 1 element")
        } else {
            write!(formatter, "sequence of {} elements", self.0)
        }
    }
}

struct ExpectedMap(usize);

impl Expected for ExpectedMap {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        if self.0 == 1 {
            write!(formatter, "map containing 1 entry")
        } else {
            write!(formatter, "map containing {} entries", self.0)
        }
    }
}

fn parse_null(scalar: &str) -> bool {
    matches!(scalar, "null" | "Null" | "NULL" | "~")
}

fn parse_bool(scalar: &str) -> Option<bool> {
    match scalar {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Leading zeros followed by digits are text in YAML 1.2, not an octal or decimal number.
fn digits_but_not_number(scalar: &str) -> bool {
    let scalar = scalar.strip_prefix(['-', '+']).unwrap_or(scalar);
    scalar.len() > 1 && scalar.starts_with('0') && scalar[1..].bytes().all(|b| b.is_ascii_digit())
}

type Radix<T> = fn(&str, u32) -> std::result::Result<T, std::num::ParseIntError>;

/// `0x`, `0o` and `0b` integers after an optional sign (`negative` for the forms that
/// keep a leading minus).
fn parse_prefixed<T>(unsigned: &str, signed: Option<&str>, from: Radix<T>) -> Option<T> {
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unsigned.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = from(rest, radix) {
                return Some(int);
            }
        }
        if let Some(rest) = signed.and_then(|s| s.strip_prefix(&format!("-{prefix}")[..]))
            && let Ok(int) = from(&format!("-{rest}"), radix)
        {
            return Some(int);
        }
    }
    None
}

fn parse_unsigned_int<T>(scalar: &str, from: Radix<T>) -> Option<T> {
    let unpositive = scalar.strip_prefix('+').unwrap_or(scalar);
    if let Some(int) = parse_prefixed(unpositive, None, from) {
        return Some(int);
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(scalar) {
        return None;
    }
    from(unpositive, 10).ok()
}

fn parse_signed_int<T>(scalar: &str, from: Radix<T>) -> Option<T> {
    let unpositive = match scalar.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => scalar,
    };
    if let Some(int) = parse_prefixed(unpositive, Some(scalar), from) {
        return Some(int);
    }
    if digits_but_not_number(scalar) {
        return None;
    }
    from(unpositive, 10).ok()
}

fn parse_negative_int<T>(scalar: &str, from: Radix<T>) -> Option<T> {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = scalar.strip_prefix(prefix)
            && let Ok(int) = from(&format!("-{rest}"), radix)
        {
            return Some(int);
        }
    }
    if digits_but_not_number(scalar) {
        return None;
    }
    from(scalar, 10).ok()
}

fn parse_f64(scalar: &str) -> Option<f64> {
    let unpositive = match scalar.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => scalar,
    };
    if let ".inf" | ".Inf" | ".INF" = unpositive {
        return Some(f64::INFINITY);
    }
    if let "-.inf" | "-.Inf" | "-.INF" = scalar {
        return Some(f64::NEG_INFINITY);
    }
    if let ".nan" | ".NaN" | ".NAN" = scalar {
        return Some(f64::NAN.copysign(1.0));
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn visit_int<'de, V: Visitor<'de>>(
    visitor: V,
    v: &str,
) -> std::result::Result<Result<V::Value>, V> {
    if let Some(int) = parse_unsigned_int(v, u64::from_str_radix) {
        return Ok(visitor.visit_u64(int));
    }
    if let Some(int) = parse_negative_int(v, i64::from_str_radix) {
        return Ok(visitor.visit_i64(int));
    }
    if let Some(int) = parse_unsigned_int(v, u128::from_str_radix) {
        return Ok(visitor.visit_u128(int));
    }
    if let Some(int) = parse_negative_int(v, i128::from_str_radix) {
        return Ok(visitor.visit_i128(int));
    }
    Err(visitor)
}

/// A scalar as whatever the visitor asks for: plain scalars through the core schema,
/// quoted ones as text.
fn visit_scalar<'de, 'a: 'de, V: Visitor<'de>>(
    visitor: V,
    v: &'a str,
    plain: bool,
) -> Result<V::Value> {
    if !plain {
        return visitor.visit_borrowed_str(v);
    }
    if v.is_empty() || parse_null(v) {
        return visitor.visit_unit();
    }
    if let Some(boolean) = parse_bool(v) {
        return visitor.visit_bool(boolean);
    }
    // Every number these forms read starts with a digit, a sign or a dot (`.5`, `.inf`;
    // Rust's float parser also reads `inf` and `nan`, which are not finite and so not
    // taken): anything else, such as each of thousands of user names, is text without
    // trying every number form on it.
    if !v.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return visitor.visit_borrowed_str(v);
    }
    let visitor = match visit_int(visitor, v) {
        Ok(result) => return result,
        Err(visitor) => visitor,
    };
    if !digits_but_not_number(v)
        && let Some(float) = parse_f64(v)
    {
        return visitor.visit_f64(float);
    }
    visitor.visit_borrowed_str(v)
}

/// serde's "invalid type" error for a node, naming what the node is in YAML's terms.
fn invalid_type(kind: &Kind, exp: &dyn Expected) -> Error {
    enum Void {}
    struct InvalidType<'a> {
        exp: &'a dyn Expected,
    }
    impl Visitor<'_> for InvalidType<'_> {
        type Value = Void;
        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            self.exp.fmt(formatter)
        }
    }
    match kind {
        Kind::Scalar { value, plain } => match visit_scalar(InvalidType { exp }, value, *plain) {
            Ok(void) => match void {},
            Err(error) => error,
        },
        Kind::Seq(_) => de::Error::invalid_type(Unexpected::Seq, exp),
        Kind::Map(_) => de::Error::invalid_type(Unexpected::Map, exp),
        Kind::Alias(_) => de::Error::invalid_type(Unexpected::Other("an alias"), exp),
    }
}

macro_rules! deserialize_number {
    ($method:ident, $parse:ident, $radix:expr, $visit:ident) => {
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
            match self.kind() {
                Kind::Alias(target) => self.jump(*target)?.$method(visitor),
                Kind::Scalar { value, plain: true } => match $parse(value, $radix) {
                    Some(int) => visitor.$visit(int),
                    None => Err(invalid_type(self.kind(), &visitor)),
                },
                kind => Err(invalid_type(kind, &visitor)),
            }
            .map_err(|e| self.locate(e))
        }
    };
}

impl<'a> de::Deserializer<'a> for Deserializer<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        match self.kind() {
            Kind::Alias(target) => self.jump(*target)?.deserialize_any(visitor),
            Kind::Scalar { value, plain } => visit_scalar(visitor, value, *plain),
            Kind::Seq(items) => self.visit_seq(items, visitor),
            Kind::Map(entries) => self.visit_map(entries, visitor),
        }
        .map_err(|e| self.locate(e))
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        match self.kind() {
            Kind::Alias(target) => self.jump(*target)?.deserialize_bool(visitor),
            Kind::Scalar { value, plain: true } => match parse_bool(value) {
                Some(boolean) => visitor.visit_bool(boolean),
                None => Err(invalid_type(self.kind(), &visitor)),
            },
            kind => Err(invalid_type(kind, &visitor)),
        }
        .map_err(|e| self.locate(e))
    }

    fn deserialize_i8<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_i64(visitor)
    }

    deserialize_number!(
        deserialize_i64,
        parse_signed_int,
        i64::from_str_radix,
        visit_i64
    );
    deserialize_number!(
        deserialize_i128,
        parse_signed_int,
        i128::from_str_radix,
        visit_i128
    );

    fn deserialize_u8<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u16<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u32<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_u64(visitor)
    }

    deserialize_number!(
        deserialize_u64,
        parse_unsigned_int,
        u64::from_str_radix,
        visit_u64
    );
    deserialize_number!(
        deserialize_u128,
        parse_unsigned_int,
        u128::from_str_radix,
        visit_u128
    );

    fn deserialize_f32<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        match self.kind() {
            Kind::Alias(target) => self.jump(*target)?.deserialize_f64(visitor),
            Kind::Scalar { value, plain: true } => match parse_f64(value) {
                Some(float) => visitor.visit_f64(float),
                None => Err(invalid_type(self.kind(), &visitor)),
            },
            kind => Err(invalid_type(kind, &visitor)),
        }
        .map_err(|e| self.locate(e))
    }

    fn deserialize_char<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        match self.kind() {
            Kind::Alias(target) => self.jump(*target)?.deserialize_str(visitor),
            Kind::Scalar { value, .. } => visitor.visit_borrowed_str(value),
            kind => Err(invalid_type(kind, &visitor)),
        }
        .map_err(|e| self.locate(e))
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, _visitor: V) -> Result<V::Value> {
        Err(de::Error::custom(
            "serialization and deserialization of bytes in YAML is not implemented",
        ))
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        match self.kind() {
            Kind::Alias(target) => self.jump(*target)?.deserialize_option(visitor),
            Kind::Scalar { value, plain: true } if value.is_empty() || parse_null(value) => {
                visitor.visit_none()
            }
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        match self.kind() {
            Kind::Alias(target) => self.jump(*target)?.deserialize_unit(visitor),
            Kind::Scalar { value, plain } => {
                if *plain && (value.is_empty() || parse_null(value)) {
                    visitor.visit_unit()
                } else {
                    Err(de::Error::invalid_value(Unexpected::Str(value), &"null"))
                }
            }
            kind => Err(invalid_type(kind, &visitor)),
        }
        .map_err(|e| self.locate(e))
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        let depth = self.nested()?;
        visitor.visit_newtype_struct(Deserializer { depth, ..self })
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        match self.kind() {
            Kind::Alias(target) => self.jump(*target)?.deserialize_seq(visitor),
            Kind::Seq(items) => self.visit_seq(items, visitor),
            Kind::Scalar { value, plain: true } if value.is_empty() => self.visit_seq(&[], visitor),
            kind => Err(invalid_type(kind, &visitor)),
        }
        .map_err(|e| self.locate(e))
    }

    fn deserialize_tuple<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        match self.kind() {
            Kind::Alias(target) => self.jump(*target)?.deserialize_map(visitor),
            Kind::Map(entries) => self.visit_map(entries, visitor),
            Kind::Scalar { value, plain: true } if value.is_empty() => self.visit_map(&[], visitor),
            kind => Err(invalid_type(kind, &visitor)),
        }
        .map_err(|e| self.locate(e))
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.kind() {
            Kind::Alias(target) => self
                .jump(*target)?
                .deserialize_enum(name, variants, visitor),
            Kind::Scalar { .. } => visitor.visit_enum(UnitVariantAccess { de: self }),
            Kind::Map(_) => Err(de::Error::invalid_type(
                Unexpected::Map,
                &"a YAML tag starting with '!'",
            )),
            Kind::Seq(_) => Err(de::Error::invalid_type(
                Unexpected::Seq,
                &"a YAML tag starting with '!'",
            )),
        }
        .map_err(|e| self.locate(e))
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

struct SeqAccess<'a> {
    de: Deserializer<'a>,
    items: std::slice::Iter<'a, NodeId>,
    depth: usize,
    len: usize,
}

impl<'a> de::SeqAccess<'a> for SeqAccess<'a> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'a>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.items.next() {
            Some(&item) => {
                self.len += 1;
                seed.deserialize(self.de.child(item, self.depth)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapAccess<'a> {
    de: Deserializer<'a>,
    entries: std::slice::Iter<'a, (NodeId, NodeId)>,
    value: Option<NodeId>,
    depth: usize,
    len: usize,
}

impl<'a> de::MapAccess<'a> for MapAccess<'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'a>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let skipped = self.de.context.skipped;
        for &(key, value) in self.entries.by_ref() {
            if skipped.contains(&key) {
                continue;
            }
            self.len += 1;
            self.value = Some(value);
            return seed.deserialize(self.de.child(key, self.depth)).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value> {
        let value = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value without its key"))?;
        seed.deserialize(self.de.child(value, self.depth))
    }
}

struct UnitVariantAccess<'a> {
    de: Deserializer<'a>,
}

impl<'a> de::EnumAccess<'a> for UnitVariantAccess<'a> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'a>>(self, seed: V) -> Result<(V::Value, Self)> {
        Ok((seed.deserialize(self.de)?, self))
    }
}

impl<'a> de::VariantAccess<'a> for UnitVariantAccess<'a> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, _seed: T) -> Result<T::Value> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"newtype variant",
        ))
    }

    fn tuple_variant<V: Visitor<'a>>(self, _len: usize, _visitor: V) -> Result<V::Value> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"tuple variant",
        ))
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"struct variant",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tree::Tree;

    #[test]
    fn plain_scalars_resolve_as_serde_yaml_ng_resolves_them() {
        // Text that starts with a letter is read without trying the number forms: these
        // are next to the forms a number may take.
        let text = "v: [data-scientist-1, alice, inf, Infinity, nan, NaN, e5, x0x1, _1, \u{e9}1, \
                    .inf, -.inf, +.inf, .nan, .5, +.5, -.5, +1, -1, 0x1F, -0x1F, 0o17, 0b101, \
                    012, 1.5, 1e3, -1e3, true, False, '1', \"x\"]";
        let Ok(tree) = Tree::parse(text) else {
            panic!("the text parses")
        };
        let ours: serde_json::Value = super::deserialize(&tree, &[]).unwrap();
        let theirs: serde_json::Value = serde_yaml_ng::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours["v"][0], "data-scientist-1");
        assert_eq!(ours["v"][2], "inf");
        assert_eq!(ours["v"][19], 31);
    }
}
