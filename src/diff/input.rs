//! Reading a template to compare from a file: JSON, or YAML with long-form intrinsics.

use std::path::Path;

use serde_json::Value as Json;

/// The template in `path`, read as JSON and, failing that, as YAML.
pub fn read_template(path: &Path) -> Result<Json, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .or_else(|_| serde_yaml_ng::from_str(&text))
        .map_err(|e| format!("{} is not a JSON or YAML template: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(read_template(&json).unwrap(), read_template(&yaml).unwrap());
        assert_eq!(
            read_template(&json).unwrap()["Resources"]["B"]["Type"],
            "AWS::S3::Bucket"
        );
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
}
