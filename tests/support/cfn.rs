//! CloudFormation templates as the tests see them: the variant of a template that moto can
//! deploy, and a resolver that evaluates a template's intrinsic functions against a
//! deployed stack, so template values can be compared with what the services report.
//! Only std and serde_json: nothing from the sagesynth library.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

/// The public SSM parameter that the moto variant's AMI parameters default to: moto ships
/// the `/aws/service/ami-amazon-linux-latest/*` parameters, and no Windows ones.
pub const MOTO_AMI_PARAMETER: &str =
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
const MOTO_AMI_PREFIX: &str = "/aws/service/ami-amazon-linux-latest/";
const SSM_AMI_PARAMETER_TYPE: &str = "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>";

/// Marks a value the resolver cannot compute (see [`Resolver::resolve`]).
const UNRESOLVED: &str = "$unresolved";

/// The template's `Resources` (empty when it has none).
pub fn resources(template: &Value) -> impl Iterator<Item = (&String, &Value)> {
    template
        .get("Resources")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

/// A resource's `Type`.
pub fn type_of(resource: &Value) -> &str {
    resource.get("Type").and_then(Value::as_str).unwrap_or("")
}

/// A resource's property `key`, if the template sets it.
pub fn prop<'a>(resource: &'a Value, key: &str) -> Option<&'a Value> {
    resource.get("Properties")?.get(key)
}

/// The resources whose type moto does not implement (it skips them): logical id -> type.
pub fn skipped_by_moto(template: &Value, supported: &BTreeSet<String>) -> BTreeMap<String, String> {
    resources(template)
        .filter(|(_, r)| {
            let t = type_of(r);
            !supported.contains(t) && !t.starts_with("Custom::")
        })
        .map(|(id, r)| (id.clone(), type_of(r).to_string()))
        .collect()
}

/// The custom resource type of the Studio cleanup.
pub const STUDIO_CLEANUP: &str = "Custom::StudioCleanup";

/// Replaces every `Custom::StudioCleanup` by an `AWS::CloudFormation::WaitConditionHandle`
/// (no properties) that keeps its `DependsOn` and depends on every resource its properties
/// referenced, so that the deletion order of the real template is kept; returns one line
/// per replacement.
///
/// Why: moto creates a custom resource by invoking its Lambda function in Docker, which
/// these machines lack, and then waits for an answer for ever, so neither create nor delete
/// of a stack with the real cleanup ever finishes. moto ignores WaitConditionHandle (one of
/// its `NULL_MODELS`), so the stand-in does nothing on create or delete, exactly like the
/// cleanup's Create and like its Delete when there is nothing to empty (moto implements no
/// apps, spaces or profiles). Everything else is the real template; what the cleanup code
/// does is proved by tests/python/test_studio_cleanup.py.
pub fn stand_in_for_custom_resources(template: &mut Value) -> Vec<String> {
    let ids: BTreeSet<String> = resources(template).map(|(id, _)| id.clone()).collect();
    let mut changes = Vec::new();
    let Some(resources) = template.get_mut("Resources").and_then(Value::as_object_mut) else {
        return changes;
    };
    for (id, resource) in resources.iter_mut() {
        if resource.get("Type").and_then(Value::as_str) != Some(STUDIO_CLEANUP) {
            continue;
        }
        let mut depends: Vec<Value> = match resource.get("DependsOn") {
            Some(Value::Array(items)) => items.clone(),
            Some(Value::String(one)) => vec![json!(one)],
            _ => Vec::new(),
        };
        let mut referenced = BTreeSet::new();
        collect_targets(
            resource.get("Properties").unwrap_or(&Value::Null),
            &mut referenced,
        );
        for target in referenced.into_iter().filter(|t| ids.contains(t)) {
            if !depends.contains(&json!(target)) {
                depends.push(json!(target));
            }
        }
        *resource =
            json!({"Type": "AWS::CloudFormation::WaitConditionHandle", "DependsOn": depends});
        changes.push(format!(
            "{id}: {STUDIO_CLEANUP} -> AWS::CloudFormation::WaitConditionHandle with the same \
             dependencies (moto would invoke the cleanup function in Docker and wait for ever)"
        ));
    }
    changes
}

/// The resources and parameters a value names with `Ref`, `Fn::GetAtt` or `${X}` in
/// `Fn::Sub`.
fn collect_targets(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, arg) in m {
                match (k.as_str(), arg) {
                    ("Ref", Value::String(t)) => {
                        out.insert(t.clone());
                    }
                    ("Fn::GetAtt", _) => {
                        if let Some((t, _)) = getatt_parts(arg) {
                            out.insert(t);
                        }
                    }
                    ("Fn::Sub", _) => {
                        let text = arg
                            .as_str()
                            .or_else(|| arg.get(0).and_then(Value::as_str))
                            .unwrap_or_default();
                        for piece in sub_pieces(text) {
                            if let SubPiece::Var(name) = piece {
                                out.insert(name.split('.').next().unwrap_or(name).to_string());
                            }
                        }
                        if let Some(vars) = arg.get(1) {
                            collect_targets(vars, out);
                        }
                    }
                    _ => collect_targets(arg, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_targets(x, out)),
        _ => {}
    }
}

/// What the test deploys to moto instead of the shipped template, and why.
pub struct MotoVariant {
    pub template: Value,
    /// One line per change, for the test output.
    pub changes: Vec<String>,
}

/// The text that stands in the moto variant for a reference to a resource moto skips:
/// `moto-skipped-Domain-DomainId`, or for an attribute whose name ends in `Arn` an ARN
/// (moto rejects an IAM policy whose Resource is not ARN-shaped):
/// `arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:moto-skipped/Domain/DomainArn`,
/// to be evaluated by `Fn::Sub`.
pub fn skipped_placeholder(logical_id: &str, ty: &str, attribute: Option<&str>) -> String {
    match attribute {
        Some(a) if a.ends_with("Arn") => {
            let service = ty.split("::").nth(1).unwrap_or("moto").to_ascii_lowercase();
            format!(
                "arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:\
                 moto-skipped/{logical_id}/{a}"
            )
        }
        Some(a) => format!("moto-skipped-{logical_id}-{}", a.replace('.', "-")),
        None => format!("moto-skipped-{logical_id}"),
    }
}

/// A placeholder as a template value: a plain string, or `Fn::Sub` when it names pseudo
/// parameters.
fn placeholder_value(text: String) -> Value {
    if text.contains("${") {
        json!({ "Fn::Sub": text })
    } else {
        json!(text)
    }
}

/// The template moto can deploy. Two changes, both for moto's sake (MOTO-NOTES):
///
/// 1. AMI parameters (`AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>`): moto resolves
///    the parameter's *Default* from its own SSM store (even when `--parameter-overrides`
///    gives another value), answers HTTP 500 when it does not know it, ships no Windows AMI
///    parameters and refuses `put-parameter` under `/aws/`. A Default outside
///    `/aws/service/ami-amazon-linux-latest/` becomes [`MOTO_AMI_PARAMETER`].
/// 2. References to resources of types moto skips (e.g. `AWS::SageMaker::Domain`): moto
///    fails the whole deploy on a `Fn::GetAtt` (or `${X.Attr}` in `Fn::Sub`) of a skipped
///    resource ("Template error: instance of Fn::GetAtt references undefined resource X"),
///    turns a `Ref` into nothing (the property disappears), and leaves `${X}` in `Fn::Sub`
///    as it is. Each such reference becomes the literal [`skipped_placeholder`], so the
///    resources that refer to them (e.g. a policy scoped to the domain) are still created
///    and can be checked.
pub fn moto_variant(template: &Value, supported: &BTreeSet<String>) -> MotoVariant {
    let mut out = template.clone();
    let mut changes = stand_in_for_custom_resources(&mut out);
    let template = &out.clone();

    if let Some(params) = out.get_mut("Parameters").and_then(Value::as_object_mut) {
        for (name, param) in params.iter_mut() {
            let is_ami = param
                .get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with(SSM_AMI_PARAMETER_TYPE));
            let default = param
                .get("Default")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let (true, Some(default)) = (is_ami, default)
                && !default.starts_with(MOTO_AMI_PREFIX)
            {
                param["Default"] = json!(MOTO_AMI_PARAMETER);
                changes.push(format!(
                    "parameter {name}: Default {default} -> {MOTO_AMI_PARAMETER} \
                     (moto ships no such SSM parameter)"
                ));
            }
        }
    }

    tags_in_motos_api_shape(&mut out, &mut changes);

    let skipped = skipped_by_moto(template, supported);
    // moto looks up the groups a user joins, or a managed policy attaches to, by name:
    // a placeholder for a group it skipped (AWS::IAM::Group) fails the deploy with
    // NoSuchEntity. Those attachments are dropped from the variant (and listed).
    if !skipped.is_empty()
        && let Some(resources) = out.get_mut("Resources").and_then(Value::as_object_mut)
    {
        for (id, resource) in resources.iter_mut() {
            for list in ["Groups"] {
                let Some(items) = resource
                    .get_mut("Properties")
                    .and_then(|p| p.get_mut(list))
                    .and_then(Value::as_array_mut)
                else {
                    continue;
                };
                let before = items.len();
                items.retain(|item| {
                    !item
                        .get("Ref")
                        .and_then(Value::as_str)
                        .is_some_and(|t| skipped.contains_key(t))
                });
                if items.len() != before {
                    changes.push(format!(
                        "{id}.{list}: dropped {} reference(s) to groups moto skips (moto looks them up and fails)",
                        before - items.len()
                    ));
                }
            }
        }
    }
    if !skipped.is_empty() {
        let mut rewritten = BTreeSet::new();
        for section in ["Resources", "Outputs"] {
            if let Some(v) = out.get(section) {
                let new = rewrite_refs(v, &skipped, &BTreeSet::new(), &mut rewritten);
                out[section] = new;
            }
        }
        changes.extend(
            rewritten
                .into_iter()
                .map(|r| format!("{r} (moto skips that resource, and fails on a GetAtt of it)")),
        );
    }
    MotoVariant {
        template: out,
        changes,
    }
}

/// moto 5.2.1 passes some types' `Tags` straight to its API implementation, which reads
/// the API's shape and fails the whole deploy (HTTP 500) on CloudFormation's:
/// `AWS::KMS::Key` tags as `TagKey` / `TagValue` (`KeyError: 'TagKey'` on `Key` / `Value`),
/// `AWS::SSM::Parameter` tags as a list of `Key` / `Value` (a `TypeError` on the map the
/// resource reference gives). The variant rewrites them; the template keeps the shapes of
/// the resource reference (which cfn-lint checks).
fn tags_in_motos_api_shape(out: &mut Value, changes: &mut Vec<String>) {
    let Some(resources) = out.get_mut("Resources").and_then(Value::as_object_mut) else {
        return;
    };
    for (id, resource) in resources.iter_mut() {
        let kind = resource["Type"].as_str().unwrap_or_default().to_string();
        let Some(tags) = resource
            .get_mut("Properties")
            .and_then(|p| p.get_mut("Tags"))
        else {
            continue;
        };
        match (kind.as_str(), &*tags) {
            ("AWS::KMS::Key", Value::Array(list)) => {
                *tags = list
                    .iter()
                    .map(|t| json!({"TagKey": t["Key"], "TagValue": t["Value"]}))
                    .collect();
                changes.push(format!(
                    "{id}.Tags: Key/Value -> TagKey/TagValue (moto's KMS reads the API shape)"
                ));
            }
            ("AWS::SSM::Parameter", Value::Object(map)) => {
                *tags = map
                    .iter()
                    .map(|(k, v)| json!({"Key": k, "Value": v}))
                    .collect();
                changes.push(format!(
                    "{id}.Tags: map -> list of Key/Value (moto's SSM reads the API shape)"
                ));
            }
            _ => {}
        }
    }
}

fn rewrite_refs(
    v: &Value,
    skipped: &BTreeMap<String, String>,
    locals: &BTreeSet<String>,
    log: &mut BTreeSet<String>,
) -> Value {
    match v {
        Value::Object(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next().expect("one entry");
            match (k.as_str(), arg) {
                ("Ref", Value::String(target)) if skipped.contains_key(target) => {
                    let p = skipped_placeholder(target, &skipped[target], None);
                    log.insert(format!("Ref {target} -> \"{p}\""));
                    placeholder_value(p)
                }
                ("Fn::GetAtt", _) => match getatt_parts(arg) {
                    Some((target, attr)) if skipped.contains_key(&target) => {
                        let p = skipped_placeholder(&target, &skipped[&target], Some(&attr));
                        log.insert(format!("GetAtt {target}.{attr} -> \"{p}\""));
                        placeholder_value(p)
                    }
                    _ => v.clone(),
                },
                ("Fn::Sub", Value::String(s)) => {
                    json!({"Fn::Sub": rewrite_sub(s, skipped, locals, log)})
                }
                ("Fn::Sub", Value::Array(a)) if a.len() == 2 => {
                    let vars = a[1].as_object().cloned().unwrap_or_default();
                    let names: BTreeSet<String> = vars.keys().cloned().collect();
                    let s = a[0].as_str().unwrap_or_default();
                    let vars: Map<String, Value> = vars
                        .iter()
                        .map(|(k, v)| (k.clone(), rewrite_refs(v, skipped, locals, log)))
                        .collect();
                    json!({"Fn::Sub": [rewrite_sub(s, skipped, &names, log), vars]})
                }
                _ => json!({k.clone(): rewrite_refs(arg, skipped, locals, log)}),
            }
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), rewrite_refs(v, skipped, locals, log)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|v| rewrite_refs(v, skipped, locals, log))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Replaces `${X}` / `${X.Attr}` of skipped resources X in an `Fn::Sub` string.
fn rewrite_sub(
    s: &str,
    skipped: &BTreeMap<String, String>,
    locals: &BTreeSet<String>,
    log: &mut BTreeSet<String>,
) -> String {
    let mut out = String::new();
    for piece in sub_pieces(s) {
        match piece {
            SubPiece::Text(t) => out.push_str(t),
            SubPiece::Escaped(inner) => {
                out.push_str("${!");
                out.push_str(inner);
                out.push('}');
            }
            SubPiece::Var(name) => {
                let (base, attr) = match name.split_once('.') {
                    Some((b, a)) => (b, Some(a)),
                    None => (name, None),
                };
                if let Some(ty) = skipped.get(base).filter(|_| !locals.contains(name)) {
                    let p = skipped_placeholder(base, ty, attr);
                    log.insert(format!("${{{name}}} in Fn::Sub -> \"{p}\""));
                    out.push_str(&p);
                } else {
                    out.push_str("${");
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
    }
    out
}

enum SubPiece<'a> {
    Text(&'a str),
    /// `${!Literal}`: the text without the `!`.
    Escaped(&'a str),
    /// `${Name}` or `${Resource.Attribute}`.
    Var(&'a str),
}

fn sub_pieces(s: &str) -> Vec<SubPiece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        if start > 0 {
            pieces.push(SubPiece::Text(&rest[..start]));
        }
        let inner = &rest[start + 2..start + len];
        pieces.push(match inner.strip_prefix('!') {
            Some(lit) => SubPiece::Escaped(lit),
            None => SubPiece::Var(inner.trim()),
        });
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        pieces.push(SubPiece::Text(rest));
    }
    pieces
}

/// `["X", "Attr"]` or `"X.Attr"` -> (X, Attr).
pub fn getatt_parts(arg: &Value) -> Option<(String, String)> {
    match arg {
        Value::Array(a) if a.len() == 2 => Some((a[0].as_str()?.into(), a[1].as_str()?.into())),
        Value::String(s) => s
            .split_once('.')
            .map(|(x, a)| (x.to_string(), a.to_string())),
        _ => None,
    }
}

/// The logical id a value refers to with `Ref X` or `Fn::GetAtt [X, attribute]`.
pub fn referenced_resource(v: &Value, attribute: &str) -> Option<String> {
    let m = v.as_object()?;
    if let Some(Value::String(x)) = m.get("Ref") {
        return Some(x.clone());
    }
    let (x, a) = getatt_parts(m.get("Fn::GetAtt")?)?;
    (a == attribute).then_some(x)
}

/// A string, number or boolean as CloudFormation's string form.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// True for a value (or part of one) the resolver could not compute.
pub fn is_unresolved(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.len() == 1 && m.contains_key(UNRESOLVED))
}

fn unresolved(original: &Value) -> Value {
    json!({ UNRESOLVED: original })
}

/// Evaluates a template's intrinsic functions the way CloudFormation (and moto) did for a
/// deployed stack: parameters from `describe-stacks`, `Ref` of resources from the physical
/// ids of `describe-stack-resources`, the pseudo parameters, `Fn::Sub`, `Fn::Join`,
/// `Fn::Select`, `Fn::GetAZs`, and the `Fn::GetAtt` attributes that follow from a physical
/// id (e.g. `GroupId` of a security group, `Arn` of a role or key). Anything else is left
/// as an "unresolved" marker that [`compare`] counts instead of comparing.
pub struct Resolver<'a> {
    pub template: &'a Value,
    pub physical: BTreeMap<String, String>,
    pub params: BTreeMap<String, String>,
    pub region: String,
    pub account: String,
    pub partition: String,
    pub stack_name: String,
    pub stack_id: String,
}

impl Resolver<'_> {
    /// The resolved value; unresolvable parts become markers.
    pub fn resolve(&self, v: &Value) -> Value {
        self.eval(v).unwrap_or(Value::Null)
    }

    /// The resolved value as a string, when it resolves to a scalar.
    pub fn resolve_str(&self, v: &Value) -> Option<String> {
        scalar(&self.resolve(v))
    }

    /// `None` is `Ref AWS::NoValue`: the property or list item is dropped.
    fn eval(&self, v: &Value) -> Option<Value> {
        match v {
            Value::Object(m) if m.len() == 1 && is_intrinsic(m.keys().next().unwrap()) => {
                let (k, arg) = m.iter().next().unwrap();
                match k.as_str() {
                    "Ref" => match arg.as_str() {
                        Some(name) => self.reference(name),
                        None => Some(unresolved(v)),
                    },
                    "Fn::GetAtt" => Some(match getatt_parts(arg) {
                        Some((x, a)) => self.attribute(&x, &a),
                        None => unresolved(v),
                    }),
                    "Fn::Sub" => Some(self.sub(arg).unwrap_or_else(|| unresolved(v))),
                    "Fn::Join" => Some(self.join(arg).unwrap_or_else(|| unresolved(v))),
                    "Fn::Select" => Some(self.select(arg).unwrap_or_else(|| unresolved(v))),
                    "Fn::If" => match arg.as_array().map(Vec::as_slice) {
                        Some([Value::String(name), then, otherwise]) => {
                            match self.condition(name) {
                                Some(true) => self.eval(then),
                                Some(false) => self.eval(otherwise),
                                None => Some(unresolved(v)),
                            }
                        }
                        _ => Some(unresolved(v)),
                    },
                    // moto's Fn::GetAZs: the region's zones a, b, c and d.
                    "Fn::GetAZs" => Some(json!(
                        ["a", "b", "c", "d"]
                            .iter()
                            .map(|z| format!("{}{z}", self.region))
                            .collect::<Vec<_>>()
                    )),
                    _ => Some(unresolved(v)),
                }
            }
            Value::Object(m) => Some(Value::Object(
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), self.eval(v)?)))
                    .collect(),
            )),
            Value::Array(a) => Some(Value::Array(
                a.iter().filter_map(|v| self.eval(v)).collect(),
            )),
            other => Some(other.clone()),
        }
    }

    /// The value of the template condition `name` in the deployed stack, when its
    /// parameters are known.
    pub fn condition(&self, name: &str) -> Option<bool> {
        self.condition_value(&self.template["Conditions"][name])
    }

    fn condition_value(&self, v: &Value) -> Option<bool> {
        let (k, arg) = v.as_object().filter(|m| m.len() == 1)?.iter().next()?;
        let all = |items: &Value| -> Option<Vec<bool>> {
            items
                .as_array()?
                .iter()
                .map(|c| self.condition_value(c))
                .collect()
        };
        match k.as_str() {
            "Condition" => self.condition(arg.as_str()?),
            "Fn::Equals" => match arg.as_array().map(Vec::as_slice) {
                Some([a, b]) => {
                    let (a, b) = (self.resolve(a), self.resolve(b));
                    (!is_unresolved(&a) && !is_unresolved(&b)).then(|| a == b)
                }
                _ => None,
            },
            "Fn::Or" => all(arg).map(|v| v.into_iter().any(|b| b)),
            "Fn::And" => all(arg).map(|v| v.into_iter().all(|b| b)),
            "Fn::Not" => all(arg).and_then(|v| match v.as_slice() {
                [one] => Some(!one),
                _ => None,
            }),
            _ => None,
        }
    }

    fn reference(&self, name: &str) -> Option<Value> {
        let s = |x: &str| Some(json!(x));
        match name {
            "AWS::Region" => s(&self.region),
            "AWS::AccountId" => s(&self.account),
            "AWS::Partition" => s(&self.partition),
            "AWS::URLSuffix" => s("amazonaws.com"),
            "AWS::StackName" => s(&self.stack_name),
            "AWS::StackId" => s(&self.stack_id),
            "AWS::NoValue" => None,
            _ => {
                if let Some(value) = self.params.get(name) {
                    let ty = self.template["Parameters"][name]["Type"]
                        .as_str()
                        .unwrap_or("String");
                    if ty == "CommaDelimitedList" || ty.starts_with("List<") {
                        return Some(json!(value.split(',').collect::<Vec<_>>()));
                    }
                    return s(value);
                }
                match self.physical.get(name) {
                    Some(id) => s(id),
                    None => Some(unresolved(&json!({ "Ref": name }))),
                }
            }
        }
    }

    fn attribute(&self, x: &str, attr: &str) -> Value {
        let original = json!({"Fn::GetAtt": [x, attr]});
        let resource = &self.template["Resources"][x];
        let Some(id) = self.physical.get(x) else {
            return unresolved(&original);
        };
        let path = || {
            prop(resource, "Path")
                .and_then(|p| self.resolve_str(p))
                .unwrap_or_else(|| "/".to_string())
        };
        let (p, r, a) = (&self.partition, &self.region, &self.account);
        match (type_of(resource), attr) {
            ("AWS::EC2::SecurityGroup", "GroupId")
            | ("AWS::EC2::VPC", "VpcId")
            | ("AWS::EC2::Subnet", "SubnetId")
            | ("AWS::EC2::VPCEndpoint", "Id")
            | ("AWS::KMS::Key", "KeyId") => json!(id),
            ("AWS::EC2::VPC", "CidrBlock") => match prop(resource, "CidrBlock") {
                Some(c) => self.resolve(c),
                None => unresolved(&original),
            },
            ("AWS::IAM::Role", "Arn") => json!(format!("arn:{p}:iam::{a}:role{}{id}", path())),
            ("AWS::IAM::InstanceProfile", "Arn") => {
                json!(format!("arn:{p}:iam::{a}:instance-profile{}{id}", path()))
            }
            ("AWS::KMS::Key", "Arn") => json!(format!("arn:{p}:kms:{r}:{a}:key/{id}")),
            _ => unresolved(&original),
        }
    }

    fn sub(&self, arg: &Value) -> Option<Value> {
        let (text, vars) = match arg {
            Value::String(s) => (s.as_str(), Map::new()),
            Value::Array(a) if a.len() == 2 => (
                a[0].as_str()?,
                a[1].as_object().cloned().unwrap_or_default(),
            ),
            _ => return None,
        };
        let mut out = String::new();
        for piece in sub_pieces(text) {
            match piece {
                SubPiece::Text(t) => out.push_str(t),
                SubPiece::Escaped(inner) => {
                    out.push_str("${");
                    out.push_str(inner);
                    out.push('}');
                }
                SubPiece::Var(name) => {
                    let value = match (vars.get(name), name.split_once('.')) {
                        (Some(v), _) => self.resolve(v),
                        (None, Some((x, a))) => self.attribute(x, a),
                        (None, None) => self.reference(name)?,
                    };
                    out.push_str(&scalar(&value)?);
                }
            }
        }
        Some(json!(out))
    }

    fn join(&self, arg: &Value) -> Option<Value> {
        let delimiter = arg.get(0)?.as_str()?;
        let items = self.resolve(arg.get(1)?);
        let parts: Option<Vec<String>> = items.as_array()?.iter().map(scalar).collect();
        Some(json!(parts?.join(delimiter)))
    }

    fn select(&self, arg: &Value) -> Option<Value> {
        let index: usize = scalar(&self.resolve(arg.get(0)?))?.parse().ok()?;
        let items = self.resolve(arg.get(1)?);
        let item = items.as_array()?.get(index)?.clone();
        Some(item)
    }
}

fn is_intrinsic(key: &str) -> bool {
    key == "Ref" || key.starts_with("Fn::") || key == "Condition"
}

/// Counts of a comparison between template values and a service's answers.
#[derive(Debug, Default)]
pub struct Tally {
    /// Literal (or resolved) values found equal.
    pub compared: usize,
    /// Template values the resolver could not compute, so not compared.
    pub unresolved: usize,
}

/// Compares a resolved template value with what a service reported, recording every
/// difference in `diffs` (prefixed with `path`). Objects must have the same keys (a key
/// whose expected value is unresolved may be missing), arrays the same length and order,
/// scalars the same string form (CloudFormation is string-typed: `443` equals `"443"`).
pub fn compare(
    expected: &Value,
    actual: &Value,
    path: &str,
    tally: &mut Tally,
    diffs: &mut Vec<String>,
) {
    if is_unresolved(expected) {
        tally.unresolved += 1;
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => compare(ev, av, &p, tally, diffs),
                    None if is_unresolved(ev) => tally.unresolved += 1,
                    None => diffs.push(format!("{p}: expected {ev}, missing")),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) {
                    diffs.push(format!("{path}.{k}: unexpected {av}"));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                compare(ev, av, &format!("{path}[{i}]"), tally, diffs);
            }
        }
        (Value::Null, Value::Null) => tally.compared += 1,
        (e, a) => match (scalar(e), scalar(a)) {
            (Some(x), Some(y)) if x == y => tally.compared += 1,
            _ => diffs.push(format!("{path}: expected {e}, got {a}")),
        },
    }
}
