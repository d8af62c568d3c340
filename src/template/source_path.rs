//! Where a resource comes from: the path of the entry in the source (a stack definition)
//! that produced it, kept typed so that nothing has to parse it back.

use std::fmt;

/// One step of a [`SourcePath`]: a named field (`studio`, `users`, a bucket's name) or a
/// list position (`[1]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// A field of a mapping, or a key that names an entry (a team, a bucket).
    Field(String),
    /// A position in a list, from 0.
    Index(usize),
}

/// A path into the source, e.g. `studio.users[1]` or `teams.engineers.users[0]`. The
/// root path (no segment) stands for the source as a whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourcePath(Vec<PathSegment>);

impl SourcePath {
    /// The path of the source as a whole.
    pub fn root() -> SourcePath {
        SourcePath::default()
    }

    /// A path of one field: `SourcePath::field("bastion")`.
    pub fn field(name: impl Into<String>) -> SourcePath {
        SourcePath::root().then(name)
    }

    /// This path followed by the field `name`.
    #[must_use]
    pub fn then(mut self, name: impl Into<String>) -> SourcePath {
        self.0.push(PathSegment::Field(name.into()));
        self
    }

    /// This path followed by the list position `index`.
    #[must_use]
    pub fn at(mut self, index: usize) -> SourcePath {
        self.0.push(PathSegment::Index(index));
        self
    }

    /// The steps of the path, from the root.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// The named fields of the path, in order, without list positions:
    /// `teams.engineers.users[0]` → `teams`, `engineers`, `users`.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|s| match s {
            PathSegment::Field(name) => Some(name.as_str()),
            PathSegment::Index(_) => None,
        })
    }

    /// Whether this is the root path (no segment).
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for SourcePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Field(name) if i == 0 => f.write_str(name)?,
                PathSegment::Field(name) => write!(f, ".{name}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_a_definition_path() {
        let path = SourcePath::field("teams")
            .then("engineers")
            .then("users")
            .at(0);
        assert_eq!(path.to_string(), "teams.engineers.users[0]");
        assert_eq!(
            path.fields().collect::<Vec<_>>(),
            ["teams", "engineers", "users"]
        );
        assert_eq!(
            SourcePath::field("studio").then("users").at(12).to_string(),
            "studio.users[12]"
        );
        assert_eq!(SourcePath::root().to_string(), "");
        assert!(SourcePath::root().is_root());
        assert!(!SourcePath::field("bastion").is_root());
    }
}
