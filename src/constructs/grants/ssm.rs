//! Grants on Systems Manager Parameter Store parameters, by name or by path.
//!
//! Parameters are named, not handled: the ARN of a parameter is `parameter<name>` for a
//! name in a hierarchy (`/a/b`) and `parameter/<name>` for a plain one, and the `Ref` of
//! an `AWS::SSM::Parameter` (its name) does not say which form applies. So a grant names
//! the parameter as the definition or the construct wrote it ([`ParameterName`]), or the
//! path it lives under ([`ParameterPath`]); both are checked against Parameter Store's
//! naming rules when they are made.

use crate::resources::arn;
use crate::resources::ssm::actions;
use crate::template::{SubPart, Value, pascal_case};

use super::grant::Grant;
use crate::constructs::ConstructError;

/// The longest parameter name Parameter Store accepts (the documented 2,048 less the
/// 1,037 reserved for internal use).
pub const MAX_NAME_LEN: usize = 1011;
/// The deepest hierarchy Parameter Store accepts.
pub const MAX_DEPTH: usize = 15;

/// The fully qualified name of one parameter of this account and region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterName(String);

/// A parameter hierarchy (`/sagesynth/team`) of this account and region: every
/// parameter below it, at any depth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterPath(String);

/// Parameter Store's naming rules: `a-zA-Z0-9_.-` and `/` between levels, a name in a
/// hierarchy starts with `/`, no empty level, at most [`MAX_DEPTH`] levels and
/// [`MAX_NAME_LEN`] characters, and no first level starting with `aws` or `ssm` (any
/// case; the public parameters under `/aws/` are not in the account).
fn check_name(name: &str, what: &str) -> Result<(), ConstructError> {
    let invalid = |why: &str| {
        Err(ConstructError::Invalid(format!(
            "`{name}` is not a valid parameter {what}: {why}"
        )))
    };
    if name.is_empty() {
        return invalid("it is empty");
    }
    if name.len() > MAX_NAME_LEN {
        return invalid(&format!("it is longer than {MAX_NAME_LEN} characters"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')))
    {
        return invalid(&format!(
            "{c:?} is not one of a-z, A-Z, 0-9, `_`, `.`, `-` and `/`"
        ));
    }
    let levels: Vec<&str> = match name.strip_prefix('/') {
        Some(rest) => rest.split('/').collect(),
        None if name.contains('/') => {
            return invalid("a name in a hierarchy starts with `/`");
        }
        None => vec![name],
    };
    if levels.iter().any(|level| level.is_empty()) {
        return invalid("it has an empty level");
    }
    if levels.len() > MAX_DEPTH {
        return invalid(&format!("it is deeper than {MAX_DEPTH} levels"));
    }
    let first = levels[0].to_ascii_lowercase();
    if first.starts_with("aws") || first.starts_with("ssm") {
        return invalid("names may not start with `aws` or `ssm`");
    }
    Ok(())
}

/// `arn:…:ssm:<region>:<account>:parameter/<name without its leading slash>`.
fn parameter_arn(name: &str) -> Value {
    let resource = match name.strip_prefix('/') {
        Some(_) => format!("parameter{name}"),
        None => format!("parameter/{name}"),
    };
    arn::regional("ssm", [SubPart::from(resource)])
}

impl ParameterName {
    /// Checks `name` against Parameter Store's naming rules (see the module
    /// documentation).
    pub fn new(name: &str) -> Result<ParameterName, ConstructError> {
        check_name(name, "name")?;
        Ok(ParameterName(name.to_string()))
    }

    /// The name as given, e.g. `/sagesynth/team/domain-id`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The parameter's ARN in this account and region.
    pub fn arn(&self) -> Value {
        parameter_arn(&self.0)
    }

    /// `ssm:GetParameter`, `ssm:GetParameters` on the parameter (Sid `<Name>Read`, the
    /// name in PascalCase: `/sagesynth/x/domain-id` → `SagesynthXDomainIdRead`).
    /// Decrypting a `SecureString` needs `kms:Decrypt` on its key as well.
    pub fn grant_read(&self) -> Grant {
        Grant::new(format!("read parameter `{}`", self.0)).statement(
            format!("{}Read", pascal_case(&self.0)),
            actions::READ_PARAMETERS,
            [self.arn()],
        )
    }
}

impl ParameterPath {
    /// Checks `path` (`/sagesynth/team`, a trailing `/` is dropped) against Parameter
    /// Store's naming rules; it must start with `/` and may not be the root (`/`), which
    /// would be every parameter of the account.
    pub fn new(path: &str) -> Result<ParameterPath, ConstructError> {
        let trimmed = path.strip_suffix('/').unwrap_or(path);
        if !trimmed.starts_with('/') {
            return Err(ConstructError::Invalid(format!(
                "`{path}` is not a parameter path: a path starts with `/` and names at least one level"
            )));
        }
        check_name(trimmed, "path")?;
        Ok(ParameterPath(trimmed.to_string()))
    }

    /// The path without a trailing `/`, e.g. `/sagesynth/team`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `ssm:GetParameter`, `ssm:GetParameters` on every parameter below the path, at any
    /// depth (`parameter/<path>/*`: `*` in an ARN also matches `/`; Sid `<Path>Read`).
    pub fn grant_read(&self) -> Grant {
        Grant::new(format!("read the parameters under `{}`", self.0)).statement(
            format!("{}Read", pascal_case(&self.0)),
            actions::READ_PARAMETERS,
            [parameter_arn(&format!("{}/*", self.0))],
        )
    }

    /// `ssm:GetParametersByPath` on the path itself (`parameter/<path>`: Parameter Store
    /// authorizes that call against the path in the request, not against the parameters
    /// it returns, so it reads every parameter below the path, recursively; Sid
    /// `<Path>ReadByPath`).
    pub fn grant_read_by_path(&self) -> Grant {
        Grant::new(format!("read the parameters under `{}` by path", self.0)).statement(
            format!("{}ReadByPath", pascal_case(&self.0)),
            &[actions::GET_PARAMETERS_BY_PATH],
            [parameter_arn(&self.0)],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::grants::testing::{fn_sub, granted, refused};
    use serde_json::json;

    const ARN: &str = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter";

    #[test]
    fn read_one_parameter_in_a_hierarchy_or_not() {
        assert_eq!(
            granted(
                ParameterName::new("/sagesynth/team/studio-domain-id")
                    .unwrap()
                    .grant_read()
            ),
            json!([{"Sid": "SagesynthTeamStudioDomainIdRead", "Effect": "Allow",
                    "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                    "Resource": [fn_sub(&format!("{ARN}/sagesynth/team/studio-domain-id"))]}])
        );
        assert_eq!(
            granted(ParameterName::new("DomainId").unwrap().grant_read())[0]["Resource"],
            json!([fn_sub(&format!("{ARN}/DomainId"))])
        );
    }

    #[test]
    fn read_under_a_path_and_by_path() {
        let path = ParameterPath::new("/sagesynth/team/").unwrap();
        assert_eq!(
            path.as_str(),
            "/sagesynth/team",
            "the trailing slash is dropped"
        );
        assert_eq!(
            granted(path.grant_read()),
            json!([{"Sid": "SagesynthTeamRead", "Effect": "Allow",
                    "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                    "Resource": [fn_sub(&format!("{ARN}/sagesynth/team/*"))]}])
        );
        assert_eq!(
            granted(path.grant_read_by_path()),
            json!([{"Sid": "SagesynthTeamReadByPath", "Effect": "Allow",
                    "Action": ["ssm:GetParametersByPath"],
                    "Resource": [fn_sub(&format!("{ARN}/sagesynth/team"))]}])
        );
    }

    #[test]
    fn bad_names_and_paths_are_errors() {
        for bad in [
            "",
            "a b",
            "a*",
            "a?",
            "a/b",
            "/a//b",
            "/a/",
            "/",
            "aws-thing",
            "/SSM/x",
            "/aws/service/ami",
            &format!("/{}", "a/".repeat(15) + "b"),
            &"a".repeat(MAX_NAME_LEN + 1),
        ] {
            let err = ParameterName::new(bad).unwrap_err();
            assert!(matches!(err, ConstructError::Invalid(_)), "{bad:?}: {err}");
        }
        for bad in [
            "",
            "/",
            "//",
            "sagesynth",
            "sagesynth/team",
            "/a*",
            "/aws",
            "/a//b",
        ] {
            let err = ParameterPath::new(bad).unwrap_err();
            assert!(matches!(err, ConstructError::Invalid(_)), "{bad:?}: {err}");
        }
        assert!(ParameterName::new(&format!("/{}", "a/".repeat(14) + "b")).is_ok());
        let err = refused(
            ParameterPath::new("/sagesynth/team")
                .unwrap()
                .grant_read()
                .only([&actions::GET_PARAMETERS_BY_PATH]),
        );
        assert!(
            err.contains("`ssm:GetParametersByPath` is not an action of this grant"),
            "{err}"
        );
    }
}
