//! The shipped stack definitions (`stacks/*.yaml`), and definitions loaded and synthesized
//! in process, as a [`Synthesis`] or as the template's JSON.
//!
//! A definition given as text is loaded as `stacks/NAME.yaml`: that is the file name its
//! errors and findings point at.

use std::path::PathBuf;

use sagesynth::stacks::{self, LoadedStack};
use sagesynth::synth::{self, Format, Synthesis};
use serde_json::Value;

use super::manifest_dir;

/// The folder of the shipped definitions: `stacks/` at the package root.
pub fn stacks_dir() -> PathBuf {
    manifest_dir().join("stacks")
}

/// Every shipped definition, as (stack name, path of `stacks/NAME.yaml`), sorted by name.
/// Panics when there is none: an empty `stacks/` must not let a test pass vacuously.
pub fn shipped() -> Vec<(String, PathBuf)> {
    let dir = stacks_dir();
    let found = synth::discover(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    assert!(!found.is_empty(), "stacks/ holds no definitions");
    found
}

/// The path of the shipped definition `name` (`stacks/NAME.yaml`). Panics when no shipped
/// stack has that name.
pub fn definition_path(name: &str) -> PathBuf {
    shipped()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, path)| path)
        .unwrap_or_else(|| panic!("no shipped stack is named {name}"))
}

/// The text of the shipped definition `name`.
pub fn definition(name: &str) -> String {
    let path = definition_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Loads `text` as the definition `stacks/NAME.yaml` (its script files from the shipped
/// `stacks/`); panics with the input errors.
pub fn load(name: &str, text: &str) -> LoadedStack {
    stacks::load_in(
        name,
        &format!("stacks/{name}.yaml"),
        text.to_string(),
        Some(&stacks_dir()),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Loads `text` as `stacks/NAME.yaml` and synthesizes it in `format`; panics on any error.
pub fn synthesize_as(name: &str, text: &str, format: Format) -> Synthesis {
    synth::synthesize(&load(name, text), format).unwrap_or_else(|e| panic!("{e}"))
}

/// Loads `text` as `stacks/NAME.yaml` and synthesizes it as JSON; panics on any error.
pub fn synthesize(name: &str, text: &str) -> Synthesis {
    synthesize_as(name, text, Format::Json)
}

/// The shipped definition `name`, synthesized as JSON.
pub fn synthesize_shipped(name: &str) -> Synthesis {
    synthesize(name, &definition(name))
}

/// The body of a JSON synthesis (the main template or any child), parsed.
pub fn json(s: &Synthesis) -> Value {
    serde_json::from_str(s.body()).unwrap_or_else(|e| panic!("{} is not JSON: {e}", s.name))
}

/// The main template of `text` loaded as `stacks/NAME.yaml`, as JSON.
pub fn template(name: &str, text: &str) -> Value {
    json(&synthesize(name, text))
}

/// The main template of the shipped definition `name`, as JSON.
pub fn shipped_template(name: &str) -> Value {
    template(name, &definition(name))
}
