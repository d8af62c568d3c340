//! A definition's YAML as a tree of nodes that keep their positions, built in one pass of
//! events: those of [`super::block_yaml`] for a text in the subset of YAML it reads, or
//! else those of yaml-rust2's parser. The typed schema is read from this tree (see [`super::de`])
//! and error positions are looked up in it, so the text is parsed once; before, the text
//! was parsed twice, by libyaml (through serde_yaml_ng) for the values and by yaml-rust2
//! for a position index, and the two parsers could disagree on what a file says.
//!
//! The structural checks that need the raw events are made here too: duplicate keys,
//! nesting depth, tags and explicit nulls.

use std::collections::HashMap;

use yaml_rust2::Event;
use yaml_rust2::parser::{Parser, Tag};
use yaml_rust2::scanner::{ScanError, TScalarStyle};

use super::block_yaml;
use crate::diagnostic::{Diagnostic, Position};
use crate::template::PathSegment;

/// The index of a node in [`Tree::nodes`].
pub type NodeId = usize;

/// One node of the document.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: Kind,
    /// Where the parser reported the node (for a block mapping this can be past its first
    /// key): the fallback position of a schema error found at this node.
    pub mark: Position,
    /// Where an error about the node's value points: the node itself, or a mapping's first
    /// key (`None` for an empty mapping, which has nothing to point at).
    pub start: Option<Position>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A scalar; `plain` when unquoted, so that YAML's core schema (null, booleans,
    /// numbers) applies to it.
    Scalar {
        value: String,
        plain: bool,
    },
    Seq(Vec<NodeId>),
    /// Entries in document order: key node, value node.
    Map(Vec<(NodeId, NodeId)>),
    /// A reference to an anchored node (possibly one still open: an alias to itself).
    Alias(NodeId),
}

/// A parsed document: its nodes, the root first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

/// Why a text is not a tree this tool reads.
pub enum TreeError {
    Malformed(ScanError),
    Problem(Problem),
    /// No document at all.
    Empty,
    /// A second document, where it starts.
    SecondDocument(Position),
    /// The document is not a mapping; where it starts.
    NotAMapping(Position),
    /// A `%YAML` directive for a version other than 1.1 or 1.2, where it is.
    IncompatibleVersion(Position),
}

/// The deepest nesting a definition may use; real ones need four levels.
pub const MAX_DEPTH: usize = 32;

/// Something the structure pass refuses, found while reading events.
pub enum Problem {
    DuplicateKey {
        path: String,
        first: Position,
        second: Position,
    },
    TooDeep {
        position: Position,
    },
    Tag {
        tag: String,
        position: Position,
    },
    Null {
        path: String,
        position: Position,
    },
}

impl Problem {
    pub fn into_diagnostic(self, file: &str, text: &str) -> Diagnostic {
        match self {
            Problem::DuplicateKey {
                path,
                first,
                second,
            } => Diagnostic::new(file, format!("duplicate key `{path}`"))
                .at(second, text)
                .field(path)
                .note(format!(
                    "first defined at {file}:{}:{}",
                    first.line, first.column
                ))
                .help("remove one of the two entries, or merge them"),
            Problem::TooDeep { position } => Diagnostic::new(
                file,
                format!("the definition nests deeper than {MAX_DEPTH} levels"),
            )
            .at(position, text)
            .expected("a few levels of mappings and lists, as in stacks/studio-private.yaml"),
            Problem::Tag { tag, position } => {
                Diagnostic::new(file, format!("YAML tags such as `{tag}` are not supported"))
                    .at(position, text)
                    .help("write the plain value without a tag")
            }
            Problem::Null { path, position } => Diagnostic::new(
                file,
                format!("`{path}` is empty (null)"),
            )
            .at(position, text)
            .field(path)
            .help(
                "write the value, use `{}` for a component with its defaults, or remove the line",
            ),
        }
    }
}

impl Tree {
    /// Parses `text` (already checked for forbidden characters) into a tree.
    pub fn parse(text: &str) -> Result<Tree, TreeError> {
        if let Some(position) = incompatible_version(text) {
            return Err(TreeError::IncompatibleVersion(position));
        }
        match Tree::parse_block_subset(text) {
            Some(tree) => Ok(tree),
            None => Tree::parse_events(text),
        }
    }

    /// [`Tree::parse`] through yaml-rust2's parser, which reads all of YAML.
    pub(super) fn parse_events(text: &str) -> Result<Tree, TreeError> {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        // Events are pulled one at a time (yaml-rust2's `load` recurses once per nesting
        // level and overflows the stack on hostile input).
        loop {
            let (event, marker) = parser.next_token().map_err(TreeError::Malformed)?;
            let end = event == Event::StreamEnd;
            let position = Position {
                line: marker.line(),
                column: marker.col() + 1,
            };
            builder.on_event(event, position);
            if let Some(problem) = builder.problem.take() {
                return Err(TreeError::Problem(problem));
            }
            if end {
                break;
            }
        }
        match builder.documents {
            0 => return Err(TreeError::Empty),
            1 => {}
            _ => {
                return Err(TreeError::SecondDocument(
                    builder.second_document.unwrap_or_default(),
                ));
            }
        }
        match builder.tree.nodes.first() {
            Some(Node {
                kind: Kind::Map(_), ..
            }) => Ok(builder.tree),
            Some(node) => Err(TreeError::NotAMapping(node.mark)),
            None => Err(TreeError::Empty),
        }
    }

    /// [`Tree::parse`] of a text in the subset of YAML that [`block_yaml`] reads, through
    /// the same checks; `None` for any other text, and for a text the checks refuse (its
    /// error is worded from yaml-rust2's reading).
    pub(super) fn parse_block_subset(text: &str) -> Option<Tree> {
        let mut builder = Builder::default();
        block_yaml::read(text, |event, position| {
            builder.on_event(event, position);
            builder.problem.is_none()
        })?;
        // The reader gives one document whose root is a mapping, or nothing.
        debug_assert!(
            builder.documents == 1
                && matches!(
                    builder.tree.nodes.first(),
                    Some(Node {
                        kind: Kind::Map(_),
                        ..
                    })
                )
        );
        Some(builder.tree)
    }

    /// The root mapping.
    pub fn root(&self) -> NodeId {
        0
    }

    /// The node at `path` (`network.cidr`, `studio.users[1]`, `groups.ML Researchers`), and
    /// the key node of its entry when it is a mapping value. Keys may contain dots, so a
    /// key is matched as a prefix of the rest of the path followed by `.`, `[` or the end.
    pub fn find(&self, path: &str) -> Option<(NodeId, Option<NodeId>)> {
        if path.is_empty() {
            return Some((self.root(), None));
        }
        self.find_in(self.root(), path, None)
    }

    /// [`Tree::find`] of a typed path: each step is a key compared whole or a list
    /// position, with no text to format and parse again. Every resource of a run is
    /// placed in its definition this way.
    pub fn find_steps(&self, steps: &[PathSegment]) -> Option<(NodeId, Option<NodeId>)> {
        let mut found = (self.root(), None);
        for step in steps {
            found = match (&self.nodes[found.0].kind, step) {
                (Kind::Seq(items), PathSegment::Index(index)) => (*items.get(*index)?, None),
                (Kind::Map(entries), PathSegment::Field(name)) => {
                    let &(key, value) = entries.iter().find(|&&(k, _)| self.key_text(k) == name)?;
                    (value, Some(key))
                }
                _ => return None,
            };
        }
        Some(found)
    }

    fn find_in(
        &self,
        node: NodeId,
        rest: &str,
        key: Option<NodeId>,
    ) -> Option<(NodeId, Option<NodeId>)> {
        if rest.is_empty() {
            return Some((node, key));
        }
        match &self.nodes[node].kind {
            Kind::Seq(items) => {
                let inner = rest.strip_prefix('[')?;
                let (index, after) = inner.split_once(']')?;
                let item = *items.get(index.parse::<usize>().ok()?)?;
                let after = after.strip_prefix('.').unwrap_or(after);
                self.find_in(item, after, None)
            }
            Kind::Map(entries) => entries.iter().find_map(|&(k, v)| {
                let name = self.key_text(k);
                let after = rest.strip_prefix(name)?;
                let after = if let Some(a) = after.strip_prefix('.') {
                    a
                } else if after.is_empty() || after.starts_with('[') {
                    after
                } else {
                    return None;
                };
                self.find_in(v, after, Some(k))
            }),
            Kind::Scalar { .. } | Kind::Alias(_) => None,
        }
    }

    /// A key as it appears in paths: the scalar, or `<complex key>` for a mapping or list
    /// used as a key.
    pub fn key_text(&self, key: NodeId) -> &str {
        match &self.nodes[key].kind {
            Kind::Scalar { value, .. } => value,
            _ => "<complex key>",
        }
    }
}

/// A `%YAML` directive in the directives that open the stream for a version YAML 1.2
/// parsers do not read (anything but 1.1 and 1.2, as libyaml decides). yaml-rust2 reads
/// the directive without judging it, so the judgement is made here.
fn incompatible_version(text: &str) -> Option<Position> {
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(version) = line.strip_prefix("%YAML") else {
            if line.starts_with('%') {
                continue;
            }
            return None;
        };
        let version = version.split('#').next().unwrap_or_default().trim();
        if !matches!(version, "1.1" | "1.2") {
            return Some(Position {
                line: i + 1,
                column: 1,
            });
        }
    }
    None
}

enum Frame {
    /// In a mapping; `pending_key` is the key whose value comes next.
    Map {
        node: NodeId,
        path: String,
        pending_key: Option<(NodeId, String, Position)>,
        seen: HashMap<String, Position>,
    },
    Seq {
        node: NodeId,
        path: String,
    },
}

#[derive(Default)]
struct Builder {
    tree: Tree,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
    documents: usize,
    second_document: Option<Position>,
    problem: Option<Problem>,
}

impl Default for Position {
    fn default() -> Self {
        Position { line: 1, column: 1 }
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Where a node starts: what a new node is, seen from its parent.
enum Place {
    Root,
    /// The value of the key with this text, written at this position.
    Value(String, Position),
    Item(usize),
    Key,
}

impl Builder {
    fn place(&self) -> Place {
        match self.stack.last() {
            None => Place::Root,
            Some(Frame::Seq { node, .. }) => match &self.tree.nodes[*node].kind {
                Kind::Seq(items) => Place::Item(items.len()),
                _ => unreachable!("a sequence frame is a sequence node"),
            },
            Some(Frame::Map { pending_key, .. }) => match pending_key {
                Some((_, text, position)) => Place::Value(text.clone(), *position),
                None => Place::Key,
            },
        }
    }

    /// The path of a node at `place`, computed only when a problem needs it.
    fn path_of(&self, place: &Place) -> String {
        match (self.stack.last(), place) {
            (Some(Frame::Map { path, .. }), Place::Value(key, _)) => join(path, key),
            (Some(Frame::Seq { path, .. }), Place::Item(i)) => format!("{path}[{i}]"),
            _ => String::new(),
        }
    }

    /// Adds a node and links it to its parent.
    fn add(
        &mut self,
        kind: Kind,
        mark: Position,
        start: Option<Position>,
        anchor: usize,
    ) -> NodeId {
        let id = self.tree.nodes.len();
        self.tree.nodes.push(Node { kind, mark, start });
        if anchor > 0 {
            self.anchors.insert(anchor, id);
        }
        match self.stack.last_mut() {
            None => {}
            Some(Frame::Seq { node, .. }) => {
                if let Kind::Seq(items) = &mut self.tree.nodes[*node].kind {
                    items.push(id);
                }
            }
            Some(Frame::Map {
                node,
                path,
                pending_key,
                seen,
            }) => match pending_key.take() {
                Some((key, _, _)) => {
                    if let Kind::Map(entries) = &mut self.tree.nodes[*node].kind {
                        entries.push((key, id));
                    }
                }
                None => {
                    let text = match &self.tree.nodes[id].kind {
                        Kind::Scalar { value, .. } => value.clone(),
                        _ => "<complex key>".to_string(),
                    };
                    if let Some(first) = seen.insert(text.clone(), mark)
                        && self.problem.is_none()
                    {
                        self.problem = Some(Problem::DuplicateKey {
                            path: join(path, &text),
                            first,
                            second: mark,
                        });
                    }
                    // The first key of a mapping is where its value "starts" for errors.
                    if seen.len() == 1 {
                        self.tree.nodes[*node].start = Some(mark);
                    }
                    *pending_key = Some((id, text, mark));
                }
            },
        }
        id
    }

    fn refuse_tag(&mut self, tag: Option<Tag>, position: Position) {
        if let Some(tag) = tag
            && self.problem.is_none()
        {
            let shown = if tag.handle == "tag:yaml.org,2002:" {
                format!("!!{}", tag.suffix)
            } else {
                format!("{}{}", tag.handle, tag.suffix)
            };
            self.problem = Some(Problem::Tag {
                tag: shown,
                position,
            });
        }
    }

    fn check_depth(&mut self, position: Position) {
        if self.stack.len() >= MAX_DEPTH && self.problem.is_none() {
            self.problem = Some(Problem::TooDeep { position });
        }
    }

    fn open(&mut self, kind: Kind, position: Position, anchor: usize) {
        self.check_depth(position);
        let place = self.place();
        let path = self.path_of(&place);
        let start = match kind {
            Kind::Seq(_) => Some(position),
            _ => None,
        };
        let is_map = matches!(kind, Kind::Map(_));
        let node = self.add(kind, position, start, anchor);
        self.stack.push(if is_map {
            Frame::Map {
                node,
                path,
                pending_key: None,
                seen: HashMap::new(),
            }
        } else {
            Frame::Seq { node, path }
        });
    }

    fn on_event(&mut self, event: Event, position: Position) {
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents == 2 {
                    self.second_document = Some(position);
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.refuse_tag(tag, position);
                let plain = style == TScalarStyle::Plain;
                let place = self.place();
                let null = plain && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL");
                if null && self.problem.is_none() {
                    let at = match &place {
                        Place::Value(_, key_position) => Some(*key_position),
                        Place::Item(_) => Some(position),
                        Place::Root | Place::Key => None,
                    };
                    if let Some(at) = at {
                        self.problem = Some(Problem::Null {
                            path: self.path_of(&place),
                            position: at,
                        });
                    }
                }
                self.add(
                    Kind::Scalar { value, plain },
                    position,
                    Some(position),
                    anchor,
                );
            }
            Event::Alias(anchor) => {
                // yaml-rust2 refuses an alias to an unknown anchor before this point.
                let target = self.anchors.get(&anchor).copied().unwrap_or_default();
                self.add(Kind::Alias(target), position, Some(position), 0);
            }
            Event::MappingStart(anchor, tag) => {
                self.refuse_tag(tag, position);
                self.open(Kind::Map(Vec::new()), position, anchor);
            }
            Event::SequenceStart(anchor, tag) => {
                self.refuse_tag(tag, position);
                self.open(Kind::Seq(Vec::new()), position, anchor);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}
