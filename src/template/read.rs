//! The read side of a template: a finished template as JSON, read the way CloudFormation
//! reads it. One walk over every intrinsic with its path, the references it makes (`Ref`,
//! `Fn::GetAtt`, the variables of `Fn::Sub`, condition names), and the pieces of an
//! `Fn::Sub` string, so that the passes that judge, draw or compare templates (`validate`,
//! `graph`, `diff`) agree on what a template refers to.

use crate::template::json::{Json, JsonMap};

/// Every pseudo parameter CloudFormation defines (usable in `Ref` and in `Fn::Sub`).
pub const PSEUDO_PARAMETERS: [&str; 8] = [
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// Whether `name` is one of CloudFormation's pseudo parameters.
pub fn is_pseudo_parameter(name: &str) -> bool {
    PSEUDO_PARAMETERS.contains(&name)
}

/// The entries of a template section (`Resources`, `Parameters`, …), empty if absent.
pub fn section<'a>(template: &'a Json, name: &str) -> impl Iterator<Item = (&'a str, &'a Json)> {
    template
        .get(name)
        .and_then(Json::as_object)
        .into_iter()
        .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v)))
}

/// One piece of an `Fn::Sub` string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubPiece<'a> {
    /// Text CloudFormation copies as it is (an unterminated `${` included).
    Text(&'a str),
    /// `${!Literal}`: CloudFormation writes `${Literal}`; this holds `Literal`.
    Escaped(&'a str),
    /// `${Name}` or `${Name.Attribute}`, as written between the braces.
    Variable(&'a str),
}

/// The pieces of an `Fn::Sub` string, in order.
pub fn sub_pieces(text: &str) -> SubPieces<'_> {
    SubPieces { rest: text }
}

/// Iterator over the pieces of an `Fn::Sub` string; see [`sub_pieces`].
#[derive(Clone, Debug)]
pub struct SubPieces<'a> {
    rest: &'a str,
}

impl<'a> Iterator for SubPieces<'a> {
    type Item = SubPiece<'a>;

    fn next(&mut self) -> Option<SubPiece<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = self.rest;
        let Some(start) = variable_start(rest) else {
            self.rest = "";
            return Some(SubPiece::Text(rest));
        };
        if start > 0 {
            self.rest = &rest[start..];
            return Some(SubPiece::Text(&rest[..start]));
        }
        let after = &rest[2..];
        let Some(end) = memchr::memchr(b'}', after.as_bytes()) else {
            self.rest = "";
            return Some(SubPiece::Text(rest));
        };
        let inner = &after[..end];
        self.rest = &after[end + 1..];
        Some(match inner.strip_prefix('!') {
            Some(literal) => SubPiece::Escaped(literal),
            None => SubPiece::Variable(inner),
        })
    }
}

/// Where the first `${` of `text` starts. A search for the byte `$` and a look at the
/// next: `str::find` with a two-byte pattern sets up a substring searcher on each call,
/// which cost more than the search itself on the short strings of a template. `memchr`
/// reads 16 or 32 bytes at a step where a byte loop reads one.
pub(crate) fn variable_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'$', bytes).find(|&at| bytes.get(at + 1) == Some(&b'{'))
}

/// The variables of an `Fn::Sub` string (`${Name}`, `${Name.Attribute}`, pseudo parameters
/// included), in order and with repeats, trimmed; `${!Literal}` is not a variable.
pub fn sub_variables(text: &str) -> impl Iterator<Item = &str> {
    sub_pieces(text).filter_map(|piece| match piece {
        SubPiece::Variable(name) => Some(name.trim()),
        _ => None,
    })
}

/// The argument of an `Fn::Sub`: its string and, in the two-argument form, the variables
/// it binds (`["${Var}", {"Var": …}]`).
#[derive(Clone, Copy, Debug)]
pub struct Sub<'a> {
    /// The string with its `${…}` variables.
    pub text: &'a str,
    /// The variables the two-argument form binds; `None` in the one-argument form.
    pub bindings: Option<&'a JsonMap>,
}

impl<'a> Sub<'a> {
    /// Reads the argument of `Fn::Sub`: a string, or `[string, {bindings}]`. Anything else
    /// is an `Fn::Sub` of nothing.
    pub fn from_argument(arg: &'a Json) -> Sub<'a> {
        match arg {
            Json::String(text) => Sub {
                text,
                bindings: None,
            },
            Json::Array(parts) => Sub {
                text: parts.first().and_then(Json::as_str).unwrap_or(""),
                bindings: parts.get(1).and_then(Json::as_object),
            },
            _ => Sub {
                text: "",
                bindings: None,
            },
        }
    }

    /// The `Fn::Sub` that `value` is, if it is one (`{"Fn::Sub": …}`, nothing beside it).
    pub fn of(value: &'a Json) -> Option<Sub<'a>> {
        let map = value.as_object().filter(|m| m.len() == 1)?;
        map.get("Fn::Sub").map(Sub::from_argument)
    }

    /// The value bound to `name` by the two-argument form.
    pub fn binding(&self, name: &str) -> Option<&'a Json> {
        self.bindings?.get(name)
    }
}

/// A string as the template states it: a literal, or the text of an `Fn::Sub` (either form).
pub fn text(value: &Json) -> Option<&str> {
    match value {
        Json::String(s) => Some(s),
        Json::Object(map) => match map.get("Fn::Sub")? {
            Json::String(s) => Some(s),
            Json::Array(parts) => parts.first()?.as_str(),
            _ => None,
        },
        _ => None,
    }
}

/// The one name `value` refers to, when it is exactly a `Ref` or an `Fn::GetAtt`.
pub fn target(value: &Json) -> Option<&str> {
    let map = value.as_object().filter(|m| m.len() == 1)?;
    match (map.get("Ref"), map.get("Fn::GetAtt")) {
        (Some(Json::String(name)), _) => Some(name),
        (_, Some(getatt)) => get_att(getatt).map(|(resource, _)| resource),
        _ => None,
    }
}

/// The resource and attribute of an `Fn::GetAtt` argument: `[Name, Attribute]` or
/// `"Name.Attribute"`; the attribute is `None` when it is not a literal.
fn get_att(arg: &Json) -> Option<(&str, Option<&str>)> {
    match arg {
        Json::Array(parts) => Some((
            parts.first()?.as_str()?,
            parts.get(1).and_then(Json::as_str),
        )),
        Json::String(dotted) => Some(match dotted.split_once('.') {
            Some((resource, attribute)) => (resource, Some(attribute)),
            None => (dotted.as_str(), None),
        }),
        _ => None,
    }
}

/// What an intrinsic refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference<'a> {
    /// `{"Ref": Name}` or `${Name}` in `Fn::Sub`: a parameter, a resource or a pseudo
    /// parameter.
    Ref(&'a str),
    /// `{"Fn::GetAtt": …}` or `${Name.Attribute}` in `Fn::Sub`: an attribute of a resource.
    GetAtt {
        /// The resource's logical ID.
        resource: &'a str,
        /// The attribute's name, when the reference gives one.
        attribute: Option<&'a str>,
    },
    /// A condition, named by `Fn::If` or by `{"Condition": Name}`.
    Condition(&'a str),
}

impl<'a> Reference<'a> {
    /// The parameter or resource it names: `None` for a condition or a pseudo parameter
    /// (`AWS::…`).
    pub fn logical_name(&self) -> Option<&'a str> {
        match *self {
            Reference::Ref(name) => (!name.starts_with("AWS::")).then_some(name),
            Reference::GetAtt { resource, .. } => Some(resource),
            Reference::Condition(_) => None,
        }
    }
}

/// One step of a path into a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// A key of an object that is not an intrinsic (a property, a section, a logical ID).
    Key(&'a str),
    /// A position in a list.
    Index(usize),
    /// The function of an intrinsic (`Ref`, `Fn::Sub`, `Fn::If`, `Condition`, …).
    Intrinsic(&'a str),
    /// A variable bound by the two-argument `Fn::Sub`.
    Binding(&'a str),
}

/// Where a walk is, kept as steps and formatted only when asked: formatting it at every
/// node made a walk's cost grow with the depth of every value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path<'a>(Vec<Step<'a>>);

impl<'a> Path<'a> {
    /// A path of object keys (`["Resources", id, "Properties"]`).
    pub fn new<const N: usize>(keys: [&'a str; N]) -> Self {
        Path(keys.into_iter().map(Step::Key).collect())
    }

    /// Appends object keys: where a walk on a path kept for several walks starts.
    pub fn extend<const N: usize>(&mut self, keys: [&'a str; N]) {
        self.0.extend(keys.map(Step::Key));
    }

    /// Empties the path and keeps its room, for the next walk.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The steps from the template's root, in order.
    pub fn steps(&self) -> &[Step<'a>] {
        &self.0
    }

    /// The path with `step` appended, for as long as `f` runs.
    pub fn with<R>(&mut self, step: Step<'a>, f: impl FnOnce(&mut Self) -> R) -> R {
        self.0.push(step);
        let r = f(self);
        self.0.pop();
        r
    }

    /// The intrinsic the path ends in (`Fn::Sub` for a variable of an `Fn::Sub` string).
    pub fn intrinsic(&self) -> Option<&'a str> {
        match self.0.last()? {
            Step::Intrinsic(name) => Some(name),
            _ => None,
        }
    }

    /// Every step, as a finding names it: `Resources.A.Properties.L[0].Ref`,
    /// `….S.Fn::Sub[1].Var.Ref`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for step in &self.0 {
            match step {
                Step::Key(k) | Step::Intrinsic(k) | Step::Binding(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Step::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// The property the path is in: its object keys joined by dots, without list
    /// positions, intrinsics or `Fn::Sub` bindings (`Targets.DeadLetterConfig.Arn`), so
    /// that a reference is judged by the property it sits in.
    pub fn property(&self) -> String {
        let mut out = String::new();
        for step in &self.0 {
            if let Step::Key(k) = step {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
        }
        out
    }
}

/// Whether `{key: arg}`, alone in its object, is an intrinsic rather than a property.
fn is_intrinsic(key: &str, arg: &Json) -> bool {
    key == "Ref" || key.starts_with("Fn::") || (key == "Condition" && arg.is_string())
}

/// The function and argument of `value` when it is an intrinsic: an object with one key,
/// `Ref`, `Fn::…`, or `Condition` with a name.
pub fn intrinsic(value: &Json) -> Option<(&str, &Json)> {
    let map = value.as_object().filter(|m| m.len() == 1)?;
    let (key, arg) = map.iter().next()?;
    is_intrinsic(key, arg).then_some((key.as_str(), arg))
}

/// Calls `f(path, function, argument)` for every intrinsic in `value`, in document order
/// and outermost first, where `path` (which starts at `path`) ends at the function. The
/// walk goes on into the arguments of every function except `Ref`, `Fn::GetAtt` and
/// `{"Condition": Name}`, which hold names only, and `Fn::Sub`, of which it enters only
/// the values of the bindings. A key such as `Condition` or `Ref` is an intrinsic only
/// when it is alone in its object (and `Condition` only with a name).
pub fn intrinsics<'a>(
    value: &'a Json,
    path: &mut Path<'a>,
    f: &mut dyn FnMut(&Path<'a>, &'a str, &'a Json),
) {
    // A string, number, boolean or null holds no intrinsic: most of a template's values,
    // passed over here without a step on the path and a call for each.
    let nested = |v: &Json| matches!(v, Json::Array(_) | Json::Object(_));
    match value {
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate().filter(|(_, item)| nested(item)) {
                path.with(Step::Index(i), |here| intrinsics(item, here, f));
            }
        }
        Json::Object(map) => {
            if let Some((key, arg)) = intrinsic(value) {
                path.with(Step::Intrinsic(key), |here| {
                    f(here, key, arg);
                    match key {
                        "Ref" | "Fn::GetAtt" | "Condition" => {}
                        "Fn::Sub" => {
                            let bindings = Sub::from_argument(arg).bindings;
                            for (name, value) in bindings.into_iter().flatten() {
                                here.with(Step::Index(1), |at| {
                                    at.with(Step::Binding(name), |at| intrinsics(value, at, f))
                                });
                            }
                        }
                        _ => intrinsics(arg, here, f),
                    }
                });
                return;
            }
            for (k, v) in map.iter().filter(|(_, v)| nested(v)) {
                path.with(Step::Key(k), |here| intrinsics(v, here, f));
            }
        }
        _ => {}
    }
}

/// Calls `f(path, reference)` for every reference in `value`, in document order, where
/// `path` ends at the intrinsic that makes it (see [`intrinsics`]): `Ref` and
/// `Fn::GetAtt`; each `${…}` variable of an `Fn::Sub` string that its bindings do not
/// bind, before the references inside those bindings; the condition of an `Fn::If`,
/// before its branches; and `{"Condition": Name}`. Pseudo parameters are reported too;
/// `${!Literal}` is not a variable.
pub fn each_reference<'a>(
    value: &'a Json,
    path: &mut Path<'a>,
    f: &mut dyn FnMut(&Path<'a>, Reference<'a>),
) {
    intrinsics(value, path, &mut |here, function, arg| {
        references_of(function, arg, &mut |reference| f(here, reference));
    });
}

/// Calls `f` for each reference that one intrinsic makes itself (`function` and its
/// argument, as [`intrinsics`] reports them), not for those of the intrinsics inside it;
/// see [`each_reference`]. For a pass that walks the intrinsics for more than their
/// references, and so walks them once.
pub fn references_of<'a>(function: &'a str, arg: &'a Json, f: &mut dyn FnMut(Reference<'a>)) {
    match function {
        "Ref" => {
            if let Some(name) = arg.as_str() {
                f(Reference::Ref(name));
            }
        }
        "Fn::GetAtt" => {
            if let Some((resource, attribute)) = get_att(arg) {
                f(Reference::GetAtt {
                    resource,
                    attribute,
                });
            }
        }
        "Fn::Sub" => {
            let sub = Sub::from_argument(arg);
            for variable in sub_variables(sub.text) {
                if sub.binding(variable).is_none() {
                    f(sub_reference(variable));
                }
            }
        }
        "Condition" => {
            if let Some(name) = arg.as_str() {
                f(Reference::Condition(name));
            }
        }
        "Fn::If" => {
            if let Some(condition) = arg.get(0).and_then(Json::as_str) {
                f(Reference::Condition(condition));
            }
        }
        _ => {}
    }
}

/// What a `${…}` variable of an `Fn::Sub` (as [`sub_variables`] gives it) refers to, when
/// the `Fn::Sub` does not bind it: `${Name.Attribute}` an attribute, `${Name}` a name.
pub fn sub_reference(variable: &str) -> Reference<'_> {
    // A byte search: `split_once` with a char sets up a searcher for each name.
    match variable.bytes().position(|b| b == b'.') {
        Some(dot) => Reference::GetAtt {
            resource: &variable[..dot],
            attribute: Some(&variable[dot + 1..]),
        },
        None => Reference::Ref(variable),
    }
}

/// The parameters and resources `value` refers to (through `Ref`, `Fn::GetAtt` and
/// `${…}` in `Fn::Sub`), in order of appearance, without repeats. Pseudo parameters and
/// conditions are left out; the caller tells parameters from resources.
pub fn references(value: &Json) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    each_reference(value, &mut Path::default(), &mut |_, reference| {
        if let Some(name) = reference.logical_name().filter(|n| !n.is_empty())
            && !found.contains(&name)
        {
            found.push(name);
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn all(value: &Json) -> Vec<(String, Reference<'_>)> {
        let mut seen = Vec::new();
        each_reference(value, &mut Path::new(["V"]), &mut |path, r| {
            seen.push((path.render(), r));
        });
        seen
    }

    #[test]
    fn sub_pieces_tell_text_escapes_and_variables_apart() {
        assert_eq!(
            sub_pieces("a${X}b${!aws:username}${Y.Arn}c${unclosed").collect::<Vec<_>>(),
            [
                SubPiece::Text("a"),
                SubPiece::Variable("X"),
                SubPiece::Text("b"),
                SubPiece::Escaped("aws:username"),
                SubPiece::Variable("Y.Arn"),
                SubPiece::Text("c"),
                SubPiece::Text("${unclosed"),
            ]
        );
        assert_eq!(sub_pieces("").count(), 0);
        assert_eq!(sub_pieces("${A}${B}").count(), 2);
        // A `$` that opens nothing, and one at the very end, are text.
        assert_eq!(
            sub_pieces("$5 $$${A}$").collect::<Vec<_>>(),
            [
                SubPiece::Text("$5 $$"),
                SubPiece::Variable("A"),
                SubPiece::Text("$"),
            ]
        );
    }

    #[test]
    fn variable_start_finds_the_first_opening_at_any_place_in_long_text() {
        // Long enough for the vector steps of the search and the tail after them, with
        // lone `$`s before and after the opening.
        for len in 0..100usize {
            for at in 0..len.saturating_sub(1) {
                let mut text: Vec<u8> = (0..len)
                    .map(|i| {
                        if i % 7 == 3 {
                            b'$'
                        } else {
                            b'a' + (i % 26) as u8
                        }
                    })
                    .collect();
                text[at] = b'$';
                text[at + 1] = b'{';
                let text = String::from_utf8(text).unwrap();
                assert_eq!(variable_start(&text), text.find("${"), "{text:?}");
                assert_eq!(variable_start(&text), Some(at), "{text:?}");
            }
            let plain: String = (0..len)
                .map(|i| if i % 5 == 0 { '$' } else { 'x' })
                .collect();
            assert_eq!(variable_start(&plain), None, "{plain:?}");
        }
    }

    #[test]
    fn sub_reference_splits_at_the_first_dot() {
        assert!(matches!(sub_reference("Bucket"), Reference::Ref("Bucket")));
        assert!(matches!(
            sub_reference("Role.Arn"),
            Reference::GetAtt {
                resource: "Role",
                attribute: Some("Arn")
            }
        ));
        assert!(matches!(
            sub_reference("Db.Endpoint.Address"),
            Reference::GetAtt {
                resource: "Db",
                attribute: Some("Endpoint.Address")
            }
        ));
    }

    #[test]
    fn sub_variables_skip_literals_and_keep_pseudo_parameters() {
        assert_eq!(
            sub_variables("a${X}b${!aws:username}${Y.Arn}${ AWS::Region }${X}").collect::<Vec<_>>(),
            ["X", "Y.Arn", "AWS::Region", "X"]
        );
    }

    #[test]
    fn sub_reads_both_forms() {
        let one = json!({"Fn::Sub": "${A}"});
        let two = json!({"Fn::Sub": ["${Var}", {"Var": {"Ref": "B"}}]});
        assert_eq!(Sub::of(&one).unwrap().text, "${A}");
        assert!(Sub::of(&one).unwrap().bindings.is_none());
        let sub = Sub::of(&two).unwrap();
        assert_eq!(sub.text, "${Var}");
        assert_eq!(sub.binding("Var"), Some(&json!({"Ref": "B"})));
        assert!(Sub::of(&json!({"Fn::Sub": "x", "Other": 1})).is_none());
        assert_eq!(text(&two), Some("${Var}"));
        assert_eq!(text(&json!("plain")), Some("plain"));
        assert_eq!(text(&json!({"Ref": "A"})), None);
    }

    #[test]
    fn intrinsic_is_a_function_alone_in_its_object() {
        let sub = json!({"Fn::Sub": "x"});
        assert_eq!(intrinsic(&sub), Some(("Fn::Sub", &json!("x"))));
        assert!(intrinsic(&json!({"Ref": "A"})).is_some());
        assert!(intrinsic(&json!({"Condition": "IsProd"})).is_some());
        assert!(intrinsic(&json!({"Condition": {"StringEquals": {}}})).is_none());
        assert!(intrinsic(&json!({"Ref": "A", "Other": 1})).is_none());
        assert!(intrinsic(&json!({"VpcId": "vpc-1"})).is_none());
        assert!(intrinsic(&json!("Ref")).is_none());
    }

    #[test]
    fn target_is_the_one_name_of_a_ref_or_getatt() {
        assert_eq!(target(&json!({"Ref": "Vpc"})), Some("Vpc"));
        assert_eq!(
            target(&json!({"Fn::GetAtt": ["Role", "Arn"]})),
            Some("Role")
        );
        assert_eq!(target(&json!({"Fn::GetAtt": "Role.Arn"})), Some("Role"));
        assert_eq!(target(&json!({"Fn::Sub": "${Role}"})), None);
        assert_eq!(target(&json!({"Ref": "A", "Other": 1})), None);
        assert_eq!(target(&json!("Vpc")), None);
    }

    #[test]
    fn intrinsics_are_visited_outermost_first_and_names_are_not_entered() {
        let value = json!({
            "A": {"Fn::Join": ["", [{"Ref": "X"}, {"Fn::Sub": ["${V}", {"V": {"Fn::GetAtt": ["R", "Arn"]}}]}]]},
            "B": {"Fn::GetAtt": [{"Ref": "Hidden"}, "Arn"]}
        });
        let mut seen = Vec::new();
        intrinsics(&value, &mut Path::default(), &mut |at, function, _| {
            seen.push(format!("{function} at {}", at.render()));
        });
        assert_eq!(
            seen,
            [
                "Fn::Join at A.Fn::Join",
                "Ref at A.Fn::Join[1][0].Ref",
                "Fn::Sub at A.Fn::Join[1][1].Fn::Sub",
                "Fn::GetAtt at A.Fn::Join[1][1].Fn::Sub[1].V.Fn::GetAtt",
                "Fn::GetAtt at B.Fn::GetAtt",
            ]
        );
    }

    #[test]
    fn walk_reports_every_reference_at_its_intrinsic() {
        let value = json!({
            "L": [{"Ref": "X"}, {"K": {"Fn::GetAtt": ["Gone", "Arn"]}}],
            "S": {"Fn::Sub": ["${Var}-${AWS::Region}-${B.Arn}-${!Literal}", {"Var": {"Ref": "Y"}}]},
            "U": {"Fn::If": ["IsProd", {"Ref": "Z"}, {"Ref": "AWS::NoValue"}]},
            "C": {"Fn::And": [{"Condition": "A"}, {"Fn::Equals": [{"Ref": "P"}, "x"]}]},
            "D": {"Fn::GetAtt": "Role.Arn"}
        });
        let at = |p: &str| format!("V.{p}");
        assert_eq!(
            all(&value),
            [
                (at("L[0].Ref"), Reference::Ref("X")),
                (
                    at("L[1].K.Fn::GetAtt"),
                    Reference::GetAtt {
                        resource: "Gone",
                        attribute: Some("Arn")
                    }
                ),
                (at("S.Fn::Sub"), Reference::Ref("AWS::Region")),
                (
                    at("S.Fn::Sub"),
                    Reference::GetAtt {
                        resource: "B",
                        attribute: Some("Arn")
                    }
                ),
                (at("S.Fn::Sub[1].Var.Ref"), Reference::Ref("Y")),
                (at("U.Fn::If"), Reference::Condition("IsProd")),
                (at("U.Fn::If[1].Ref"), Reference::Ref("Z")),
                (at("U.Fn::If[2].Ref"), Reference::Ref("AWS::NoValue")),
                (at("C.Fn::And[0].Condition"), Reference::Condition("A")),
                (at("C.Fn::And[1].Fn::Equals[0].Ref"), Reference::Ref("P")),
                (
                    at("D.Fn::GetAtt"),
                    Reference::GetAtt {
                        resource: "Role",
                        attribute: Some("Arn")
                    }
                ),
            ]
        );
    }

    #[test]
    fn a_key_named_like_an_intrinsic_is_a_property_beside_others_or_with_an_object_value() {
        let value = json!({
            "Statement": {"Condition": {"StringEquals": {"aws:SourceVpce": {"Ref": "E"}}}},
            "Both": {"Ref": "A", "Other": {"Ref": "B"}}
        });
        let paths: Vec<String> = all(&value).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "V.Statement.Condition.StringEquals.aws:SourceVpce.Ref",
                "V.Both.Other.Ref"
            ]
        );
    }

    #[test]
    fn property_paths_leave_out_positions_intrinsics_and_bindings() {
        let value = json!({
            "Targets": [{"Arn": {"Ref": "F"}, "DeadLetterConfig": {"Arn": {"Fn::If": ["C", {"Ref": "Q"}, ""]}}}],
            "Env": {"Fn::Sub": ["${V}", {"V": {"Fn::GetAtt": ["R", "Arn"]}}]}
        });
        let mut seen = Vec::new();
        each_reference(&value, &mut Path::default(), &mut |path, r| {
            if let Some(name) = r.logical_name() {
                seen.push(format!("{} -> {name}", path.property()));
            }
        });
        assert_eq!(
            seen,
            [
                "Targets.Arn -> F",
                "Targets.DeadLetterConfig.Arn -> Q",
                "Env -> R"
            ]
        );
    }

    #[test]
    fn references_are_parameters_and_resources_once_each() {
        let value = json!({
            "A": {"Ref": "Vpc"},
            "B": [{"Fn::GetAtt": ["Key", "Arn"]}, {"Fn::GetAtt": "Role.Arn"}],
            "C": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/${!aws:username}/${Key.Arn}"},
            "D": {"Fn::Sub": ["${Local}-${Param}", {"Local": {"Ref": "Queue"}}]},
            "E": {"Ref": "AWS::Region"},
            "F": {"Fn::Select": [0, {"Ref": "Subnets"}]},
            "G": {"Fn::If": ["Cond", {"Ref": "Vpc"}, {"Ref": "AWS::NoValue"}]}
        });
        assert_eq!(
            references(&value),
            ["Vpc", "Key", "Role", "Bucket", "Param", "Queue", "Subnets"]
        );
    }

    #[test]
    fn pseudo_parameters_and_sections() {
        assert!(is_pseudo_parameter("AWS::NotificationARNs"));
        assert!(!is_pseudo_parameter("AWS::Nope"));
        let t = json!({"Resources": {"A": {}, "B": {}}});
        assert_eq!(
            section(&t, "Resources").map(|(k, _)| k).collect::<Vec<_>>(),
            ["A", "B"]
        );
        assert_eq!(section(&t, "Outputs").count(), 0);
    }
}
