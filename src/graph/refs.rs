//! References between resources, read back from the template's intrinsics. The graph is
//! drawn from the emitted template (like the rule pack), so it shows what CloudFormation
//! will see rather than what a construct meant to build.

use serde_json::Value as Json;

/// The names a value refers to through `Ref`, `Fn::GetAtt` and `${…}` in `Fn::Sub`, in
/// order of appearance, without repeats. Pseudo parameters (`AWS::…`) and `${!…}`
/// literals are not references; the caller filters parameters from resources.
pub fn references(value: &Json) -> Vec<String> {
    let mut found = Vec::new();
    walk(value, &mut Vec::new(), &mut |_, name| {
        if !found.iter().any(|f| f == name) {
            found.push(name.to_string());
        }
    });
    found
}

/// Calls `f(path, name)` for every reference in `value`. `path` holds the object keys
/// leading to the intrinsic (array positions are left out), so a reference is judged
/// by the property it sits in: `Targets.DeadLetterConfig.Arn`, `SubnetIds`.
pub fn walk(value: &Json, path: &mut Vec<String>, f: &mut impl FnMut(&[String], &str)) {
    match value {
        Json::Array(items) => {
            for item in items {
                walk(item, path, f);
            }
        }
        Json::Object(map) if map.len() == 1 => {
            let (key, arg) = map.iter().next().expect("one entry");
            match key.as_str() {
                "Ref" => {
                    if let Some(name) = arg.as_str().filter(|n| !n.starts_with("AWS::")) {
                        f(path, name);
                    }
                }
                "Fn::GetAtt" => {
                    let target = match arg {
                        Json::Array(parts) => parts.first().and_then(Json::as_str),
                        Json::String(dotted) => dotted.split('.').next(),
                        _ => None,
                    };
                    if let Some(name) = target {
                        f(path, name);
                    }
                }
                "Fn::Sub" => {
                    let (text, vars) = match arg {
                        Json::String(text) => (Some(text.as_str()), None),
                        Json::Array(parts) => (
                            parts.first().and_then(Json::as_str),
                            parts.get(1).and_then(Json::as_object),
                        ),
                        _ => (None, None),
                    };
                    for name in text.map(sub_variables).unwrap_or_default() {
                        if !vars.is_some_and(|v| v.contains_key(&name)) {
                            f(path, &name);
                        }
                    }
                    for v in vars.into_iter().flat_map(|v| v.values()) {
                        walk(v, path, f);
                    }
                }
                _ if key.starts_with("Fn::") => walk(arg, path, f),
                _ => {
                    path.push(key.clone());
                    walk(arg, path, f);
                    path.pop();
                }
            }
        }
        Json::Object(map) => {
            for (key, v) in map {
                path.push(key.clone());
                walk(v, path, f);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The logical names in `${Name}` and `${Name.Attribute}` of a `Fn::Sub` string.
pub fn sub_variables(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = &after[..end];
        rest = &after[end + 1..];
        if inner.starts_with('!') || inner.starts_with("AWS::") {
            continue;
        }
        let name = inner.split('.').next().unwrap_or(inner);
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// A string as the template states it: a literal, or the text of a `Fn::Sub`.
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

/// The one name `value` refers to, when it is exactly a `Ref` or `Fn::GetAtt`.
pub fn target(value: &Json) -> Option<&str> {
    let map = value.as_object().filter(|m| m.len() == 1)?;
    match (map.get("Ref"), map.get("Fn::GetAtt")) {
        (Some(Json::String(name)), _) => Some(name),
        (_, Some(Json::Array(parts))) => parts.first()?.as_str(),
        (_, Some(Json::String(dotted))) => dotted.split('.').next(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_ref_getatt_and_sub_but_not_pseudo_parameters_or_literals() {
        let value = json!({
            "A": {"Ref": "Vpc"},
            "B": [{"Fn::GetAtt": ["Key", "Arn"]}, {"Fn::GetAtt": "Role.Arn"}],
            "C": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/${!aws:username}/${Key.Arn}"},
            "D": {"Fn::Sub": ["${Local}-${Param}", {"Local": {"Ref": "Queue"}}]},
            "E": {"Ref": "AWS::Region"},
            "F": {"Fn::Select": [0, {"Ref": "Subnets"}]}
        });
        assert_eq!(
            references(&value),
            ["Vpc", "Key", "Role", "Bucket", "Param", "Queue", "Subnets"]
        );
    }

    #[test]
    fn walk_gives_the_property_path_without_positions() {
        let value =
            json!({"Targets": [{"Arn": {"Ref": "F"}, "DeadLetterConfig": {"Arn": {"Ref": "Q"}}}]});
        let mut seen = Vec::new();
        walk(&value, &mut Vec::new(), &mut |path, name| {
            seen.push(format!("{} -> {name}", path.join(".")));
        });
        assert_eq!(
            seen,
            ["Targets.Arn -> F", "Targets.DeadLetterConfig.Arn -> Q"]
        );
    }
}
