//! The text of a definition file and its parsed tree, which keeps every node's position,
//! so that an error found after parsing (a duplicate user, a logical-ID collision) can
//! still point at the line and column it is about.

use crate::diagnostic::{Diagnostic, Position};

pub use super::tree::MAX_DEPTH;
use super::tree::{NodeId, Tree, TreeError};
use crate::template::SourcePath;

/// A definition file: its name as the user gave it, and its text.
#[derive(Clone, Debug)]
pub struct Source {
    pub file: String,
    pub text: String,
    tree: Tree,
}

impl Source {
    /// Parses the text once for structure and positions. Malformed YAML, an empty
    /// document and duplicate keys are reported here, with their position.
    pub fn new(file: &str, text: String) -> Result<Source, Box<Diagnostic>> {
        // YAML allows a byte-order mark at the start; it is not part of the content.
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        };
        if let Some((position, c)) = first_forbidden_char(&text) {
            return Err(Box::new(
                Diagnostic::new(
                    file,
                    format!(
                        "the character U+{:04X} is not allowed in a definition",
                        u32::from(c)
                    ),
                )
                .at(position, &text)
                .help("remove it; YAML allows only printable characters, tabs and line breaks"),
            ));
        }
        let tree = Tree::parse(&text).map_err(|e| Box::new(tree_error(file, &text, e)))?;
        Ok(Source {
            file: file.to_string(),
            text,
            tree,
        })
    }

    /// The parsed document, which the typed definition is read from.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Where the value at `path` starts (`network.cidr`, `studio.users[1]`).
    pub fn value_position(&self, path: &str) -> Option<Position> {
        let (node, _) = self.tree.find(path)?;
        self.tree.nodes[node].start
    }

    /// Where the key of the entry at `path` is (for errors about a whole entry).
    pub fn key_position(&self, path: &str) -> Option<Position> {
        self.key_position_of_node(self.tree.find(path)?)
    }

    /// [`Source::key_position`] of a typed path: where a resource's definition entry is.
    pub fn key_position_at(&self, path: &SourcePath) -> Option<Position> {
        self.key_position_of_node(self.tree.find_steps(path.segments())?)
    }

    fn key_position_of_node(&self, (node, key): (NodeId, Option<NodeId>)) -> Option<Position> {
        match key {
            Some(key) => Some(self.tree.nodes[key].mark),
            None => self.tree.nodes[node].start,
        }
    }

    /// A diagnostic at the value of `path`, with the field path filled in. A field that
    /// is not in the file (a default) is reported at its nearest written parent.
    pub fn error_at_value(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.located(path, message, Source::value_position)
    }

    /// A diagnostic at the key of `path` (or its nearest written parent).
    pub fn error_at_key(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.located(path, message, Source::key_position)
    }

    fn located(
        &self,
        path: &str,
        message: impl Into<String>,
        find: fn(&Source, &str) -> Option<Position>,
    ) -> Diagnostic {
        let d = Diagnostic::new(&self.file, message).field(path);
        let mut at = path;
        loop {
            if let Some(p) = find(self, at) {
                return d.at(p, &self.text);
            }
            match at.rfind(['.', '[']) {
                Some(i) => at = &at[..i],
                None => return d,
            }
        }
    }

    pub fn describe_position(&self, path: &str) -> String {
        match self.value_position(path) {
            Some(p) => format!("{}:{}:{}", self.file, p.line, p.column),
            None => self.file.clone(),
        }
    }
}

/// The first character YAML does not allow (C0 and C1 controls other than tab, line
/// feed, carriage return and NEL; DEL; U+FFFE and U+FFFF; a byte-order mark anywhere
/// but at the very start), with its position.
fn first_forbidden_char(text: &str) -> Option<(Position, char)> {
    // Nearly every definition is printable ASCII: that is checked a byte at a time, and
    // positions are only counted when some character needs the full rule.
    if text
        .bytes()
        .all(|b| matches!(b, b' '..=b'~' | b'\t' | b'\n' | b'\r'))
    {
        return None;
    }
    let mut line = 1;
    let mut column = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = matches!(c, '\t' | '\n' | '\r' | '\u{85}')
            || !(c.is_control() || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}'));
        if !allowed {
            return Some((Position { line, column }, c));
        }
        // Line breaks as YAML counts them: LF, CR LF, or a lone CR.
        let line_break = c == '\n' || (c == '\r' && chars.peek() != Some(&'\n'));
        if line_break {
            line += 1;
            column = 1;
        } else if c != '\r' {
            column += 1;
        }
    }
    None
}

/// The diagnostic for a text that is not a definition's tree.
fn tree_error(file: &str, text: &str, error: TreeError) -> Diagnostic {
    match error {
        TreeError::Malformed(e) => {
            let marker = e.marker();
            let position = Position {
                line: marker.line(),
                column: marker.col() + 1,
            };
            Diagnostic::new(file, format!("malformed YAML: {}", e.info()))
                .at(position, text)
                .expected("a YAML mapping of components, e.g. `network:`, `studio:`")
        }
        TreeError::Problem(problem) => problem.into_diagnostic(file, text),
        TreeError::Empty => Diagnostic::new(file, "the definition is empty")
            .at(Position { line: 1, column: 1 }, text)
            .expected("a YAML mapping of components")
            .help(
                "start from stacks/studio-private.yaml, or see the definition format in docs/definitions.md",
            ),
        TreeError::SecondDocument(p) => {
            Diagnostic::new(file, "a definition file holds exactly one YAML document")
                .at(p, text)
                .help("put each stack in its own file in stacks/")
        }
        // The message and place libyaml gave it, when it read the definitions.
        TreeError::IncompatibleVersion(p) => {
            Diagnostic::new(file, "found incompatible YAML document")
                .field(".")
                .at(p, text)
        }
        TreeError::NotAMapping(p) => {
            Diagnostic::new(file, "the definition must be a mapping of components")
                .at(p, text)
                .expected("keys such as `description:`, `network:`, `studio:`")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Source {
        Source::new("t.yaml", text.to_string()).unwrap()
    }

    #[test]
    fn indexes_values_and_keys() {
        let s = source(
            "network:\n  cidr: 10.0.0.0/16\nstudio:\n  users: [a, b]\n  more:\n    - x: 1\n",
        );
        assert_eq!(
            s.value_position("network.cidr"),
            Some(Position { line: 2, column: 9 })
        );
        assert_eq!(
            s.key_position("network.cidr"),
            Some(Position { line: 2, column: 3 })
        );
        assert_eq!(
            s.value_position("studio.users[1]"),
            Some(Position {
                line: 4,
                column: 14
            })
        );
        assert_eq!(
            s.value_position("studio.more[0].x"),
            Some(Position {
                line: 6,
                column: 10
            })
        );
        assert_eq!(
            s.key_position("studio"),
            Some(Position { line: 3, column: 1 })
        );
    }

    fn at(line: usize, column: usize) -> Option<Position> {
        Some(Position { line, column })
    }

    #[test]
    fn a_block_mapping_starts_at_its_first_key() {
        let s = source("network:\n  cidr: 10.0.0.0/16\n  availability_zones: 2\n");
        assert_eq!(s.value_position("network"), at(2, 3));
        assert_eq!(s.key_position("network"), at(1, 1));
    }

    #[test]
    fn key_position_falls_back_to_the_value_where_there_is_no_key() {
        // A list item has no key: an error about the whole item points at the item.
        let s = source("studio:\n  users:\n    - alice\n    - bob\n");
        assert_eq!(s.key_position("studio.users[1]"), at(4, 7));
        assert_eq!(
            s.key_position("studio.users[1]"),
            s.value_position("studio.users[1]")
        );
        assert_eq!(s.key_position("studio.users"), at(2, 3));
        assert_eq!(s.key_position("studio.absent"), None);
    }

    #[test]
    fn error_at_value_of_a_default_points_at_the_nearest_written_parent() {
        let s = source("description: d\nnetwork:\n  cidr: 10.0.0.0/16\n");
        let d = s.error_at_value("network.flow_log_retention_days", "m");
        assert_eq!(d.field.as_deref(), Some("network.flow_log_retention_days"));
        assert_eq!(d.position, at(3, 3));
        assert_eq!(d.source_line.as_deref(), Some("  cidr: 10.0.0.0/16"));
        assert_eq!(d.file, "t.yaml");
        assert_eq!(d.message, "m");
    }

    #[test]
    fn error_at_key_of_a_default_points_at_the_parent_key() {
        let s = source("description: d\nnetwork:\n  cidr: 10.0.0.0/16\n");
        let d = s.error_at_key("network.endpoints", "m");
        assert_eq!(d.position, at(2, 1));
        assert_eq!(d.field.as_deref(), Some("network.endpoints"));
    }

    #[test]
    fn a_list_index_past_the_end_points_at_the_list() {
        let s = source("studio: { users: [alice, bob] }\n");
        assert_eq!(s.error_at_value("studio.users[7]", "m").position, at(1, 18));
        assert_eq!(s.error_at_value("studio.users[1]", "m").position, at(1, 26));
    }

    #[test]
    fn a_path_with_no_written_parent_has_no_position_but_keeps_its_field() {
        let s = source("description: d\n");
        let d = s.error_at_value("split", "m");
        assert_eq!(d.position, None);
        assert_eq!(d.source_line, None);
        assert_eq!(d.field.as_deref(), Some("split"));
        assert_eq!(s.error_at_key("network.cidr", "m").position, None);
    }

    #[test]
    fn a_typed_path_finds_what_its_text_finds() {
        let s = source(
            "studio:\n  users: [alice, bob]\ngroups:\n  ML.Researchers:\n    users:\n      - carol\n",
        );
        let paths = [
            SourcePath::field("studio"),
            SourcePath::field("studio").then("users"),
            SourcePath::field("studio").then("users").at(1),
            SourcePath::field("groups")
                .then("ML.Researchers")
                .then("users")
                .at(0),
        ];
        for path in &paths {
            let found = s.key_position_at(path);
            assert!(found.is_some(), "{path}");
            assert_eq!(found, s.key_position(&path.to_string()), "{path}");
        }
        assert_eq!(s.key_position_at(&paths[3]), at(6, 9));
        // Past the end of a list, a step into a scalar, a key not written: nothing.
        for absent in [
            SourcePath::field("studio").then("users").at(2),
            SourcePath::field("studio").then("users").at(0).then("name"),
            SourcePath::field("groups").then("ML"),
            SourcePath::field("network"),
        ] {
            assert_eq!(s.key_position_at(&absent), None, "{absent}");
        }
        assert_eq!(s.key_position_at(&SourcePath::root()), s.key_position(""));
    }

    #[test]
    fn keys_with_dots_and_spaces_are_one_path_segment_each() {
        let s = source("groups:\n  ML Researchers:\n    group_id: x\n");
        assert_eq!(s.key_position("groups.ML Researchers"), at(2, 3));
        assert_eq!(
            s.value_position("groups.ML Researchers.group_id"),
            at(3, 15)
        );
    }

    #[test]
    fn describe_position_names_file_line_and_column_or_only_the_file() {
        let s = source("network:\n  endpoints: [s3, sts]\n");
        assert_eq!(s.describe_position("network.endpoints[1]"), "t.yaml:2:19");
        assert_eq!(s.describe_position("network.cidr"), "t.yaml");
    }

    #[test]
    fn positions_count_crlf_and_lone_cr_as_one_line_break() {
        let crlf = source("description: d\r\nnetwork:\r\n  cidr: 10.0.0.0/16\r\n");
        assert_eq!(crlf.value_position("network.cidr"), at(3, 9));
        let cr = source("description: d\rnetwork:\r  cidr: 10.0.0.0/16\r");
        assert_eq!(cr.value_position("network.cidr"), at(3, 9));
    }

    #[test]
    fn a_leading_byte_order_mark_is_dropped() {
        let s = source("\u{feff}description: d\n");
        assert_eq!(s.text, "description: d\n");
        assert_eq!(s.value_position("description"), at(1, 14));
    }

    #[test]
    fn null_values_are_refused_at_their_key() {
        let e = Source::new("t.yaml", "network:\n  cidr:\n".into()).unwrap_err();
        assert_eq!(e.message, "`network.cidr` is empty (null)");
        assert_eq!(e.position, at(2, 3));
        assert_eq!(e.field.as_deref(), Some("network.cidr"));
        // Quoted, it is text.
        assert!(Source::new("t.yaml", "description: \"null\"\n".into()).is_ok());
    }

    #[test]
    fn tags_forbidden_characters_and_deep_nesting_are_refused() {
        let tag = Source::new("t.yaml", "description: !!str d\n".into()).unwrap_err();
        assert_eq!(tag.message, "YAML tags such as `!!str` are not supported");
        let control = Source::new("t.yaml", "a: 1\nb: x\u{7}\n".into()).unwrap_err();
        assert_eq!(
            control.message,
            "the character U+0007 is not allowed in a definition"
        );
        assert_eq!(control.position, at(2, 5));
        let deep = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        let deep = Source::new("t.yaml", format!("a: {deep}\n")).unwrap_err();
        assert!(deep.message.contains("nests deeper than"));
    }

    #[test]
    fn a_yaml_directive_other_than_1_1_or_1_2_is_refused_where_it_is() {
        let e = Source::new("t.yaml", "# c\n%YAML 2.0\n---\na: 1\n".into()).unwrap_err();
        assert_eq!(e.message, "found incompatible YAML document");
        assert_eq!(e.position, at(2, 1));
        assert!(Source::new("t.yaml", "%YAML 1.2\n---\na: 1\n".into()).is_ok());
        assert!(Source::new("t.yaml", "%YAML 1.1\n---\na: 1\n".into()).is_ok());
    }

    #[test]
    fn a_second_document_is_refused_where_it_starts() {
        let e = Source::new("t.yaml", "a: 1\n---\nb: 2\n".into()).unwrap_err();
        assert_eq!(
            e.message,
            "a definition file holds exactly one YAML document"
        );
        assert_eq!(e.position.map(|p| p.line), Some(2));
    }

    #[test]
    fn reports_duplicate_keys_at_the_second() {
        let e = Source::new("t.yaml", "a: 1\nb: 2\na: 3\n".to_string()).unwrap_err();
        assert_eq!(e.position, Some(Position { line: 3, column: 1 }));
        assert!(e.notes[0].contains("t.yaml:1:1"));
    }

    #[test]
    fn rejects_empty_and_non_mapping_documents() {
        assert!(
            Source::new("t.yaml", String::new())
                .unwrap_err()
                .message
                .contains("empty")
        );
        assert!(
            Source::new("t.yaml", "# nothing\n".into())
                .unwrap_err()
                .message
                .contains("empty")
        );
        assert!(
            Source::new("t.yaml", "- a\n".into())
                .unwrap_err()
                .message
                .contains("mapping")
        );
        assert!(
            Source::new("t.yaml", "a: [\n".into())
                .unwrap_err()
                .message
                .contains("malformed")
        );
    }
}
