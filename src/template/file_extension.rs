//! The extension of a template file, which names the syntax it is written in.

use std::fmt;

/// The extension of a template file: `json` or `yaml`. Nested stacks and StackSet
/// members name their child templates by file name, so composition needs it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FileExtension {
    /// `json`, the default output format.
    #[default]
    Json,
    /// `yaml` (long-form intrinsics).
    Yaml,
}

impl FileExtension {
    /// The extension without its dot.
    pub const fn as_str(self) -> &'static str {
        match self {
            FileExtension::Json => "json",
            FileExtension::Yaml => "yaml",
        }
    }
}

impl fmt::Display for FileExtension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_the_file_name_suffixes() {
        assert_eq!(FileExtension::Json.to_string(), "json");
        assert_eq!(FileExtension::Yaml.to_string(), "yaml");
        assert_eq!(
            format!("team.users-1.template.{}", FileExtension::Yaml),
            "team.users-1.template.yaml"
        );
    }
}
