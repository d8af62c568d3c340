//! Reading a definition file: YAML structure, then the typed schema, then the checks that
//! need the whole definition. Every problem becomes a [`Diagnostic`] that points at the
//! file, line and column.

use std::path::Path;

use indexmap::IndexMap;

use crate::diagnostic::{Diagnostic, did_you_mean};

use super::check;
use super::de;
use super::definition::StackDefinition;
use super::source::Source;

/// A parsed and checked definition, with its source for later error reporting.
#[derive(Clone, Debug)]
pub struct LoadedStack {
    /// The stack's name: the file name without `.yaml` (or `.yml`).
    pub name: String,
    pub source: Source,
    pub definition: StackDefinition,
    /// The script files the definition names, by the path written there, read from the
    /// definition's folder (see [`super::scripts`]).
    pub scripts: IndexMap<String, String>,
}

impl LoadedStack {
    /// The name the stack's resources are named after: the definition's `name`, or else
    /// the file name. Output files keep the file name ([`LoadedStack::name`]).
    pub fn resource_name(&self) -> &str {
        self.definition.resource_name(&self.name)
    }
}

/// All input problems found in one definition (at least one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputErrors(pub Vec<Diagnostic>);

impl std::fmt::Display for InputErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

impl From<Diagnostic> for InputErrors {
    fn from(d: Diagnostic) -> Self {
        InputErrors(vec![d])
    }
}

impl From<Box<Diagnostic>> for InputErrors {
    fn from(d: Box<Diagnostic>) -> Self {
        InputErrors(vec![*d])
    }
}

/// Stack names become file names and the default domain name: lower-case letters, digits
/// and hyphens, as for a SageMaker name.
pub fn is_valid_stack_name(name: &str) -> bool {
    crate::resources::sagemaker::is_valid_name(name)
        && name.bytes().all(|b| !b.is_ascii_uppercase())
}

/// The largest definition file read. Real definitions are a few KB; the limit keeps a
/// mistaken or hostile input from costing minutes and gigabytes.
pub const MAX_DEFINITION_BYTES: u64 = 1024 * 1024;

/// Reads and checks `path`; `display` is how the file is named in messages.
pub fn load_file(path: &Path, display: &str) -> Result<LoadedStack, InputErrors> {
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() > MAX_DEFINITION_BYTES
    {
        return Err(Diagnostic::new(
            display,
            format!(
                "the definition is {} bytes; a definition may be at most {MAX_DEFINITION_BYTES} bytes (1 MiB)",
                meta.len()
            ),
        )
        .help("split it into several stacks")
        .into());
    }
    let text = std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        };
        Diagnostic::new(display, format!("cannot read the definition: {reason}"))
    })?;
    let text = String::from_utf8(text).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let column = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        Diagnostic::new(
            display,
            format!(
                "the definition is not valid UTF-8 text (byte {} is not)",
                valid.len()
            ),
        )
        .at(crate::diagnostic::Position { line, column }, "")
        .help("save the file as UTF-8")
    })?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    load_in(&name, display, text, path.parent())
}

/// Parses and checks a definition held in memory (tests and benchmarks use this). It has
/// no folder, so it can name no script file.
pub fn load_str(name: &str, display: &str, text: String) -> Result<LoadedStack, InputErrors> {
    load_in(name, display, text, None)
}

/// Parses and checks a definition whose script files are read from `dir`.
pub fn load_in(
    name: &str,
    display: &str,
    text: String,
    dir: Option<&Path>,
) -> Result<LoadedStack, InputErrors> {
    if !is_valid_stack_name(name) {
        return Err(Diagnostic::new(
            display,
            format!("`{name}` is not a valid stack name: the file name (without .yaml or .yml) becomes the stack's name"),
        )
        .expected("lower-case letters, digits and hyphens, starting and ending with a letter or digit, at most 63 characters")
        .into());
    }
    let source = Source::new(display, text)?;
    let definition: StackDefinition = de::deserialize_all(source.tree()).map_err(|errors| {
        InputErrors(
            errors
                .iter()
                .map(|(path, error)| schema_error(&source, path, error))
                .collect(),
        )
    })?;
    let problems = check::check(name, &source, &definition);
    if !problems.is_empty() {
        return Err(InputErrors(problems));
    }
    let scripts = super::scripts::read(&source, &definition, dir).map_err(InputErrors)?;
    Ok(LoadedStack {
        name: name.to_string(),
        source,
        definition,
        scripts,
    })
}

/// The names inside backticks in serde's "expected one of `a`, `b`" lists.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The diagnostic for one schema error, in the author's terms, at the key or value it is
/// about (or, for a path with no place in the file, where the parser found it).
fn schema_error(source: &Source, path: &str, error: &de::Error) -> Diagnostic {
    let message = error.message.as_str();
    let fallback = error.at.map(|(_, position)| position);
    let parent = path.rsplit_once('.').map_or("", |(p, _)| p);
    let located = |d: Diagnostic, at_key: bool| {
        let position = if at_key {
            source.key_position(path)
        } else {
            source.value_position(path)
        }
        .or(fallback);
        match position {
            Some(p) => d.at(p, &source.text),
            None => d,
        }
    };

    if let Some(rest) = message.strip_prefix("unknown field ") {
        let names = backticked(rest);
        let (unknown, expected) = names.split_first().map_or(("", &[][..]), |(u, e)| (*u, e));
        // serde's list is every field of the struct (derived from the schema itself), so
        // it is complete by construction, at the top level too.
        let expected: Vec<&str> = expected.to_vec();
        let place = if parent.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in `{parent}`")
        };
        let mut d = Diagnostic::new(&source.file, format!("unknown field `{unknown}` {place}"))
            .field(path)
            .expected(format!("one of {}", quote_list(&expected)));
        if let Some(close) = did_you_mean(unknown, expected.iter().copied()) {
            d = d.help(format!("did you mean `{close}`?"));
        }
        return located(d, true);
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let names = backticked(rest);
        let (unknown, expected) = names.split_first().map_or(("", &[][..]), |(u, e)| (*u, e));
        let mut d = Diagnostic::new(&source.file, format!("unknown value `{unknown}`"))
            .field(path)
            .expected(format!("one of {}", quote_list(expected)));
        if let Some(close) = did_you_mean(unknown, expected.iter().copied()) {
            d = d.help(format!("did you mean `{close}`?"));
        }
        return located(d, false);
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        // "integer `300`, expected u8", "integer `…` as u128, expected i64": the value in
        // the author's words, and the expectation without Rust's type names.
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let found = found.replace(" as u128", "").replace(" as i128", "");
        let d = Diagnostic::new(&source.file, format!("invalid value: {found}")).field(path);
        let d = match expected {
            "" => d,
            expected => d.expected(plain_type_name(expected)),
        };
        return located(d, false);
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let found = found.replace(" as u128", "").replace(" as i128", "");
        let d = Diagnostic::new(&source.file, format!("wrong type: found {found}"))
            .field(path)
            .expected(plain_type_name(expected));
        return located(d, false);
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let d = Diagnostic::new(
            &source.file,
            format!(
                "missing field {rest} in `{}`",
                if path.is_empty() || path == "." {
                    "the definition"
                } else {
                    path
                }
            ),
        )
        .field(path);
        let d = match missing_field_help(rest.trim_matches('`')) {
            Some(help) => d.help(help),
            None => d,
        };
        return located(d, true);
    }
    located(Diagnostic::new(&source.file, message).field(path), false)
}

/// Fields that are required because their choice has consequences no default should
/// decide: what the author has to weigh.
fn missing_field_help(field: &str) -> Option<&'static str> {
    match field {
        "account_removal" => Some(
            "choose what happens to an account's member stack when the account leaves the rollout: `delete_stack` (its provisioning role, execution roles and domain are deleted; SageMaker keeps the domain's home EFS volume) or `retain_stack` (with `targets: organizational_units`: the stack of an account that leaves the units stays, outside the StackSet, and its role is refused by the central side once the account is removed from `accounts`)",
        ),
        _ => None,
    }
}

/// serde's Rust type names in words a YAML author knows.
fn plain_type_name(expected: &str) -> String {
    match expected {
        "u8" => "a whole number from 0 to 255".to_string(),
        "u16" => "a whole number from 0 to 65535".to_string(),
        "u32" | "u64" | "usize" => "a whole number of 0 or more".to_string(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_string(),
        "a string" => "text (a string)".to_string(),
        other => other
            .strip_prefix("struct ")
            .map_or_else(|| other.to_string(), |name| format!("a mapping ({name})")),
    }
}

fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Position;

    fn errors(text: &str) -> Vec<Diagnostic> {
        load_str("s", "s.yaml", text.to_string()).unwrap_err().0
    }

    fn one_error(text: &str) -> Diagnostic {
        let mut all = errors(text);
        assert_eq!(all.len(), 1, "{all:?}");
        all.remove(0)
    }

    #[test]
    fn a_valid_definition_loads_under_its_name() {
        let stack = load_str("demo", "s.yaml", "network: { cidr: 10.0.0.0/16 }\n".into()).unwrap();
        assert_eq!(stack.name, "demo");
        assert_eq!(stack.source.file, "s.yaml");
        assert_eq!(
            stack
                .definition
                .network
                .unwrap()
                .cidr
                .unwrap()
                .0
                .to_string(),
            "10.0.0.0/16"
        );
    }

    #[test]
    fn stack_names_are_lower_case_sagemaker_names() {
        assert!(is_valid_stack_name("studio-private-2"));
        assert!(!is_valid_stack_name("Studio"));
        assert!(!is_valid_stack_name("studio_private"));
        assert!(!is_valid_stack_name("-studio"));
        let e = load_str("Bad", "Bad.yaml", "description: d\n".into()).unwrap_err();
        assert!(
            e.0[0]
                .message
                .starts_with("`Bad` is not a valid stack name")
        );
    }

    #[test]
    fn an_unknown_component_lists_every_top_level_field_and_suggests_the_closest() {
        let d = one_error("description: d\nnetwrk: {}\n");
        assert_eq!(d.message, "unknown field `netwrk` at the top level");
        assert_eq!(d.field.as_deref(), Some("netwrk"));
        assert_eq!(d.position, Some(Position { line: 2, column: 1 }));
        let expected = d.expected.as_deref().unwrap();
        assert!(
            expected.starts_with(
                "one of `name`, `description`, `tags`, `network`, `packages`, `studio`, `bastion`, `presigned_url`, `notebooks`, "
            ),
            "{expected}"
        );
        for later in [
            "`teams`",
            "`accounts`",
            "`suppressions`",
            "`escalate`",
            "`split`",
        ] {
            assert!(expected.contains(later), "{later}: {expected}");
        }
        assert_eq!(d.help.as_deref(), Some("did you mean `network`?"));
    }

    #[test]
    fn an_unknown_nested_field_names_its_parent_and_points_at_the_key() {
        let d = one_error("network:\n  cidr: 10.0.0.0/16\n  flowlogs: true\n");
        assert_eq!(d.message, "unknown field `flowlogs` in `network`");
        assert_eq!(d.position, Some(Position { line: 3, column: 3 }));
        assert_eq!(d.help.as_deref(), Some("did you mean `flow_logs`?"));
    }

    #[test]
    fn an_unknown_value_lists_the_variants_at_the_value() {
        let d = one_error("bastion: { os: winows }\n");
        assert_eq!(d.message, "unknown value `winows`");
        assert_eq!(d.expected.as_deref(), Some("one of `windows`, `linux`"));
        assert_eq!(
            d.position,
            Some(Position {
                line: 1,
                column: 16
            })
        );
    }

    #[test]
    fn a_wrong_type_is_named_in_plain_words() {
        let d = one_error("network: { cidr: 10.0.0.0/16, availability_zones: two }\n");
        assert_eq!(d.message, "wrong type: found string \"two\"");
        assert_eq!(d.expected.as_deref(), Some("a whole number"));
        assert_eq!(d.field.as_deref(), Some("network.availability_zones"));
    }

    #[test]
    fn a_missing_field_is_reported_at_its_parent_key() {
        let d = one_error("description: d\nnetwork:\n  existing: { cidr: 10.0.0.0/16 }\n");
        assert_eq!(d.message, "missing field `vpc_id` in `network.existing`");
        assert_eq!(d.position, Some(Position { line: 3, column: 3 }));
    }

    #[test]
    fn a_value_rule_is_reported_at_the_value_without_serde_decoration() {
        let d = one_error("network:\n  cidr: 10.0.0.1/16\n");
        assert_eq!(
            d.message,
            "`10.0.0.1/16` has host bits set; did you mean `10.0.0.0/16`?"
        );
        assert_eq!(d.position, Some(Position { line: 2, column: 9 }));
    }

    #[test]
    fn every_whole_definition_problem_is_returned_at_once() {
        let all = errors("studio: {}\nbastion: {}\n");
        let messages: Vec<&str> = all.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`studio` needs a `network` component",
                "`bastion` needs a `network` component"
            ]
        );
        let shown = InputErrors(all).to_string();
        assert_eq!(shown.matches("error: ").count(), 2);
    }

    #[test]
    fn every_unknown_field_is_reported_in_one_run_in_document_order() {
        let all = errors(
            "descripton: d\nnetwork:\n  cidr: 10.0.0.0/16\n  flowlogs: true\n  endpoint: [s3]\nbastion: { os: windows, instance_typ: t3.medium }\n",
        );
        // (message, field, position, help) of each error.
        type Shown<'a> = (&'a str, Option<&'a str>, Option<Position>, Option<&'a str>);
        let shown: Vec<Shown> = all
            .iter()
            .map(|d| {
                (
                    d.message.as_str(),
                    d.field.as_deref(),
                    d.position,
                    d.help.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "unknown field `descripton` at the top level",
                    Some("descripton"),
                    Some(Position { line: 1, column: 1 }),
                    Some("did you mean `description`?"),
                ),
                (
                    "unknown field `flowlogs` in `network`",
                    Some("network.flowlogs"),
                    Some(Position { line: 4, column: 3 }),
                    Some("did you mean `flow_logs`?"),
                ),
                (
                    "unknown field `endpoint` in `network`",
                    Some("network.endpoint"),
                    Some(Position { line: 5, column: 3 }),
                    Some("did you mean `endpoints`?"),
                ),
                (
                    "unknown field `instance_typ` in `bastion`",
                    Some("bastion.instance_typ"),
                    Some(Position {
                        line: 6,
                        column: 25
                    }),
                    Some("did you mean `instance_type`?"),
                ),
            ]
        );
    }

    #[test]
    fn after_the_unknown_fields_the_first_other_error_is_reported_too() {
        let all =
            errors("network:\n  cidr: 10.0.0.0/16\n  flowlogs: true\n  availability_zones: two\n");
        let messages: Vec<&str> = all.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown field `flowlogs` in `network`",
                "wrong type: found string \"two\""
            ]
        );
    }

    #[test]
    fn serde_type_names_read_as_words() {
        assert_eq!(plain_type_name("u32"), "a whole number of 0 or more");
        assert_eq!(plain_type_name("a string"), "text (a string)");
        assert_eq!(
            plain_type_name("struct NetworkSpec"),
            "a mapping (NetworkSpec)"
        );
        assert_eq!(plain_type_name("a sequence"), "a sequence");
        assert_eq!(backticked("one of `a`, `b`"), ["a", "b"]);
        assert_eq!(quote_list(&["a", "b"]), "`a`, `b`");
    }

    #[test]
    fn load_file_names_the_file_as_given() {
        let dir = tempfile::tempdir().unwrap();
        let missing = load_file(&dir.path().join("nope.yaml"), "stacks/nope.yaml").unwrap_err();
        assert_eq!(
            missing.0[0].message,
            "cannot read the definition: no such file"
        );
        assert_eq!(missing.0[0].file, "stacks/nope.yaml");

        let path = dir.path().join("latin1.yaml");
        std::fs::write(&path, b"description: d\nnetwork: \xe9\n").unwrap();
        let e = load_file(&path, "latin1.yaml").unwrap_err();
        assert_eq!(
            e.0[0].message,
            "the definition is not valid UTF-8 text (byte 24 is not)"
        );
        assert_eq!(
            e.0[0].position,
            Some(Position {
                line: 2,
                column: 10
            })
        );

        let path = dir.path().join("demo.yaml");
        std::fs::write(&path, "description: d\n").unwrap();
        assert_eq!(load_file(&path, "demo.yaml").unwrap().name, "demo");
    }

    #[test]
    fn load_file_refuses_a_file_over_the_limit_before_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_DEFINITION_BYTES + 1).unwrap();
        let e = load_file(&path, "big.yaml").unwrap_err();
        assert!(
            e.0[0]
                .message
                .ends_with("a definition may be at most 1048576 bytes (1 MiB)")
        );
    }
}
