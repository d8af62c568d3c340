//! Reading a template to compare: JSON, or YAML in long or short form (`!Ref`, `!Sub`, …,
//! turned into the long form so that both sides compare alike), from a file or stdin.
//! Anything that is not a CloudFormation template is refused with what it is instead:
//! read as an empty template, a stack definition or an API response would make every
//! resource look added and hide the replacement a real comparison shows. The output of
//! `aws cloudformation get-template` is unwrapped, since it is how a deployed template
//! is fetched.

use std::io::Read;
use std::path::Path;

use crate::template::json::Json;
use serde_yaml_ng::Value as Yaml;

/// A template read for comparison, and what was done to reach it (said on stderr).
#[derive(Debug, PartialEq)]
pub struct ReadTemplate {
    pub template: Json,
    /// Set when the template was taken out of `get-template` output or a JSON string.
    pub unwrapped: Option<String>,
}

/// The template in `path`, or on stdin for `-`.
pub fn read_template(path: &Path) -> Result<ReadTemplate, String> {
    let (text, name) = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read the template on stdin: {e}"))?;
        (text, "stdin".to_string())
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        (text, path.display().to_string())
    };
    parse_template(&text, &name)
}

/// `text` read as a template; `name` is how it is called in messages.
pub fn parse_template(text: &str, name: &str) -> Result<ReadTemplate, String> {
    let value = parse_document(text, name)?;
    let refuse = |what: String| {
        Err(format!(
            "{name} is {what}, not a CloudFormation template (a JSON or YAML object with \
             Resources)"
        ))
    };
    match value {
        Json::Object(ref map) if map.contains_key("TemplateBody") => {
            let body = match &map["TemplateBody"] {
                Json::String(text) => parse_document(text, &format!("{name}: TemplateBody"))?,
                other => other.clone(),
            };
            let template = check_template(body, &format!("{name}: TemplateBody"))?;
            Ok(ReadTemplate {
                template,
                unwrapped: Some(format!(
                    "{name} is `aws cloudformation get-template` output: compared its TemplateBody"
                )),
            })
        }
        Json::String(ref inner) if !inner.trim().is_empty() => {
            // `get-template --query TemplateBody --output json` of a stack deployed from
            // YAML prints the YAML text as one JSON string.
            match parse_document(inner, name).and_then(|v| check_template(v, name)) {
                Ok(template) => Ok(ReadTemplate {
                    template,
                    unwrapped: Some(format!(
                        "{name} is a JSON string holding a template (a YAML TemplateBody): \
                         compared the template inside"
                    )),
                }),
                Err(_) => refuse("a string".to_string()),
            }
        }
        other => check_template(other, name).map(|template| ReadTemplate {
            template,
            unwrapped: None,
        }),
    }
}

/// JSON, or YAML converted to JSON with its short-form intrinsics in the long form.
fn parse_document(text: &str, name: &str) -> Result<Json, String> {
    if text.trim().is_empty() {
        return Err(format!(
            "{name} is an empty file, not a CloudFormation template"
        ));
    }
    if let Ok(json) = serde_json::from_str(text) {
        return Ok(json);
    }
    let yaml: Yaml = serde_yaml_ng::from_str(text)
        .map_err(|e| format!("{name} is not a JSON or YAML template: {e}"))?;
    yaml_to_json(yaml).map_err(|e| format!("{name}: {e}"))
}

/// The top-level keys of a sagesynth stack definition (`StackDefinition`): a file with
/// some of them and no Resources is a definition given where a template was expected.
const DEFINITION_KEYS: &[&str] = &[
    "accounts",
    "bastion",
    "buckets",
    "escalate",
    "groups",
    "identity_center",
    "network",
    "notebook_access",
    "notebooks",
    "onboarding",
    "packages",
    "perimeter",
    "presigned_url",
    "rollout",
    "split",
    "studio",
    "suppressions",
    "teams",
];

/// `value` if it is a template: an object whose Resources is an object of resources,
/// each an object with a string Type.
fn check_template(value: Json, name: &str) -> Result<Json, String> {
    let refuse = |what: String| {
        Err(format!(
            "{name} is {what}, not a CloudFormation template (a JSON or YAML object with \
             Resources)"
        ))
    };
    let Json::Object(map) = &value else {
        return refuse(kind(&value).to_string());
    };
    let Some(resources) = map.get("Resources") else {
        let definition: Vec<String> = map
            .keys()
            .filter(|k| DEFINITION_KEYS.contains(&k.as_str()))
            .map(|k| format!("`{k}:`"))
            .collect();
        if !definition.is_empty() {
            return Err(format!(
                "{name} is a sagesynth stack definition (has {}), not a template — synthesize \
                 it first (`synth --file {name} > NAME.template.json`) and compare that",
                definition.join(", ")
            ));
        }
        let keys: Vec<String> = map.keys().take(5).map(|k| format!("`{k}`")).collect();
        let keys = if keys.is_empty() {
            "no keys".to_string()
        } else {
            format!("keys {}", keys.join(", "))
        };
        return refuse(format!("an object without Resources ({keys})"));
    };
    let Json::Object(resources) = resources else {
        return refuse(format!("an object whose Resources is {}", kind(resources)));
    };
    for (id, resource) in resources {
        if !resource.get("Type").is_some_and(Json::is_string) {
            return Err(format!(
                "{name}: Resources.{id} has no Type, so {name} is not a CloudFormation template"
            ));
        }
    }
    Ok(value)
}

fn kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null (an empty document)",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a JSON array",
        Json::Object(_) => "an object",
    }
}

/// CloudFormation's YAML short forms and the long form each stands for, from the
/// intrinsic function reference (`Fn::GetAtt`'s scalar form is split apart below).
const SHORT_FORMS: &[(&str, &str)] = &[
    ("And", "Fn::And"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("Condition", "Condition"),
    ("Equals", "Fn::Equals"),
    ("FindInMap", "Fn::FindInMap"),
    ("GetAZs", "Fn::GetAZs"),
    ("GetAtt", "Fn::GetAtt"),
    ("If", "Fn::If"),
    ("ImportValue", "Fn::ImportValue"),
    ("Join", "Fn::Join"),
    ("Not", "Fn::Not"),
    ("Or", "Fn::Or"),
    ("Ref", "Ref"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("Sub", "Fn::Sub"),
    ("Transform", "Fn::Transform"),
];

/// A YAML value as JSON, each short-form tag replaced by its long form.
fn yaml_to_json(value: Yaml) -> Result<Json, String> {
    Ok(match value {
        Yaml::Null => Json::Null,
        Yaml::Bool(b) => Json::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                n.as_f64()
                    .and_then(crate::template::json::Number::from_f64)
                    .map_or_else(|| Json::from(n.to_string()), Json::Number)
            }
        }
        Yaml::String(s) => Json::from(s),
        Yaml::Sequence(items) => Json::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Mapping(map) => {
            let mut out = crate::template::json::JsonMap::default();
            for (k, v) in map {
                let key = match k {
                    Yaml::String(s) => s,
                    Yaml::Number(n) => n.to_string(),
                    Yaml::Bool(b) => b.to_string(),
                    other => {
                        return Err(format!(
                            "a mapping key is not a string, number or boolean: {other:?}"
                        ));
                    }
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Json::Object(out)
        }
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let short = tag.trim_start_matches('!');
            let Some((_, long)) = SHORT_FORMS.iter().find(|(s, _)| *s == short) else {
                let known: Vec<String> = SHORT_FORMS.iter().map(|(s, _)| format!("!{s}")).collect();
                return Err(format!(
                    "unknown YAML tag {tag}; CloudFormation's short forms are {}",
                    known.join(", ")
                ));
            };
            let argument = yaml_to_json(tagged.value)?;
            let argument = match (*long, argument) {
                // `!GetAtt Resource.Attribute`: the attribute may itself hold dots
                // (`Endpoint.Address`), the logical ID cannot.
                ("Fn::GetAtt", Json::String(s)) => match s.split_once('.') {
                    Some((resource, attribute)) => {
                        Json::Array(vec![Json::from(resource), Json::from(attribute)])
                    }
                    None => {
                        return Err(format!(
                            "!GetAtt {s}: expected RESOURCE.ATTRIBUTE or [RESOURCE, ATTRIBUTE]"
                        ));
                    }
                },
                (_, argument) => argument,
            };
            let mut object = crate::template::json::JsonMap::default();
            object.insert(*long, argument);
            Json::Object(object)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn parse(text: &str) -> Result<Json, String> {
        parse_template(text, "t").map(|r| r.template)
    }

    #[test]
    fn json_and_yaml_read_as_the_same_template() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("a.template.json");
        let yaml = dir.path().join("a.template.yaml");
        std::fs::write(
            &json,
            r#"{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}"#,
        )
        .unwrap();
        std::fs::write(&yaml, "Resources:\n  B:\n    Type: AWS::S3::Bucket\n").unwrap();
        let (a, b) = (read_template(&json).unwrap(), read_template(&yaml).unwrap());
        assert_eq!(a, b);
        assert_eq!(a.template["Resources"]["B"]["Type"], "AWS::S3::Bucket");
        assert_eq!(a.unwrapped, None);
    }

    #[test]
    fn a_missing_or_unreadable_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json");
        let e = read_template(&missing).unwrap_err();
        assert!(
            e.starts_with(&format!("cannot read {}: ", missing.display())),
            "{e}"
        );
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{ [ not: a template").unwrap();
        let e = read_template(&bad).unwrap_err();
        assert!(
            e.starts_with(&format!(
                "{} is not a JSON or YAML template: ",
                bad.display()
            )),
            "{e}"
        );
    }

    #[test]
    fn every_short_form_becomes_its_long_form() {
        let yaml = "\
Conditions:
  C: !And [!Equals [!Ref P, a], !Not [!Condition D], !Or [!Condition D, !Condition E]]
Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      A: !Sub '${AWS::StackName}-x'
      B: !Sub ['${X}-y', {X: !Ref P}]
      C: !GetAtt Db.Endpoint.Address
      D: !GetAtt [Db, Arn]
      E: !If [C, !Base64 x, !Ref AWS::NoValue]
      F: !Join ['', [!Select [0, !Split [',', !ImportValue V]]]]
      G: !FindInMap [M, !Ref AWS::Region, k]
      H: !Cidr [10.0.0.0/16, 2, 8]
      I: !GetAZs ''
      J: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}
";
        let t = parse(yaml).unwrap();
        let p = &t["Resources"]["B"]["Properties"];
        assert_eq!(p["A"], json!({"Fn::Sub": "${AWS::StackName}-x"}));
        assert_eq!(p["B"], json!({"Fn::Sub": ["${X}-y", {"X": {"Ref": "P"}}]}));
        assert_eq!(p["C"], json!({"Fn::GetAtt": ["Db", "Endpoint.Address"]}));
        assert_eq!(p["D"], json!({"Fn::GetAtt": ["Db", "Arn"]}));
        assert_eq!(
            p["E"],
            json!({"Fn::If": ["C", {"Fn::Base64": "x"}, {"Ref": "AWS::NoValue"}]})
        );
        assert_eq!(
            p["F"],
            json!({"Fn::Join": ["", [{"Fn::Select": [0, {"Fn::Split": [",", {"Fn::ImportValue": "V"}]}]}]]})
        );
        assert_eq!(
            p["G"],
            json!({"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "k"]})
        );
        assert_eq!(p["H"], json!({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}));
        assert_eq!(p["I"], json!({"Fn::GetAZs": ""}));
        assert_eq!(
            p["J"],
            json!({"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}})
        );
        assert_eq!(
            t["Conditions"]["C"],
            json!({"Fn::And": [
                {"Fn::Equals": [{"Ref": "P"}, "a"]},
                {"Fn::Not": [{"Condition": "D"}]},
                {"Fn::Or": [{"Condition": "D"}, {"Condition": "E"}]}
            ]})
        );
        // The long form written in YAML reads the same.
        let long = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      \
                    D:\n        Fn::GetAtt: [Db, Arn]\n";
        assert_eq!(
            parse(long).unwrap()["Resources"]["B"]["Properties"]["D"],
            p["D"]
        );
    }

    #[test]
    fn an_unknown_tag_or_a_getatt_without_a_dot_is_refused() {
        let e = parse("Resources:\n  B:\n    Type: !Foo x\n").unwrap_err();
        assert!(
            e.starts_with("t: unknown YAML tag !Foo; CloudFormation's short forms are !And"),
            "{e}"
        );
        let e =
            parse("Resources:\n  B:\n    Type: X\n    Properties: {A: !GetAtt Db}\n").unwrap_err();
        assert!(e.contains("!GetAtt Db: expected RESOURCE.ATTRIBUTE"), "{e}");
    }

    #[test]
    fn what_is_not_a_template_is_refused_saying_what_it_is() {
        let cases = [
            ("", "t is an empty file, not a CloudFormation template"),
            ("  \n", "t is an empty file, not a CloudFormation template"),
            ("[1,2]", "t is a JSON array, not a CloudFormation template"),
            (
                "{\"a\":1}",
                "t is an object without Resources (keys `a`), not a CloudFormation template",
            ),
            (
                "~\n",
                "t is null (an empty document), not a CloudFormation template",
            ),
            ("42", "t is a number, not a CloudFormation template"),
            (
                "{\"Resources\": [1]}",
                "t is an object whose Resources is a JSON array, not",
            ),
            ("{\"Resources\": {\"A\": {}}}", "t: Resources.A has no Type"),
            (
                "network: {cidr: 10.0.0.0/16}\nstudio: {auth: iam}\n",
                "t is a sagesynth stack definition (has `network:`, `studio:`), not a template",
            ),
        ];
        for (text, expected) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.starts_with(expected), "{text:?}: {e}");
        }
    }

    #[test]
    fn get_template_output_is_unwrapped() {
        let body = json!({"Resources": {"B": {"Type": "AWS::S3::Bucket"}}});
        let object = json!({"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]});
        let read = parse_template(&object.to_string(), "old.json").unwrap();
        assert_eq!(read.template, body);
        assert_eq!(
            read.unwrapped.as_deref(),
            Some("old.json is `aws cloudformation get-template` output: compared its TemplateBody")
        );
        let yaml = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n";
        let string = json!({"TemplateBody": yaml, "StagesAvailable": ["Original"]});
        assert_eq!(
            parse_template(&string.to_string(), "x").unwrap().template,
            body
        );
        // `--query TemplateBody --output json` of a YAML template: one JSON string.
        let read = parse_template(&Json::from(yaml).to_string(), "x").unwrap();
        assert_eq!(read.template, body);
        assert!(read.unwrapped.is_some());
        let e = parse_template("{\"TemplateBody\": {\"a\": 1}}", "x").unwrap_err();
        assert!(
            e.starts_with("x: TemplateBody is an object without Resources"),
            "{e}"
        );
        let e = parse_template("\"hello\"", "x").unwrap_err();
        assert!(
            e.starts_with("x is a string, not a CloudFormation template"),
            "{e}"
        );
    }

    /// Every shipped definition is recognised as one, so the list of definition keys
    /// cannot fall behind the definitions in use.
    #[test]
    fn every_shipped_definition_is_recognised() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let e = read_template(&path).unwrap_err();
                assert!(e.contains("is a sagesynth stack definition"), "{e}");
                seen += 1;
            }
        }
        assert!(seen >= 5, "{seen}");
    }
}
