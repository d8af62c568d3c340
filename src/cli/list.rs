//! `synth --list`: the stacks in the stacks folder with their descriptions, as aligned
//! text or as JSON.

use std::path::Path;

use sagesynth::synth::{self, Listed};

use super::args::ListFormat;
use super::{Outcome, console};

pub fn run(stacks_dir: &Path, format: ListFormat) -> Outcome {
    match synth::list(stacks_dir) {
        Ok(listed) => {
            let text = match format {
                ListFormat::Text => render(&listed),
                ListFormat::Json => render_json(&listed),
            };
            super::printed(console::out(&text))
        }
        Err(d) => super::input_error(&d),
    }
}

/// One line per stack, the descriptions aligned.
fn render(listed: &[Listed]) -> String {
    let width = listed.iter().map(|l| l.name.len()).max().unwrap_or(0);
    let mut text = String::new();
    for Listed { name, description } in listed {
        let description = match description {
            Ok(description) => description.clone(),
            Err(_) => format!("(invalid: run `synth --stack {name}` to see why)"),
        };
        text.push_str(&format!("{name:width$}  {description}\n"));
    }
    text
}

/// `{"stacks": [{name, description, valid, error}]}`, sorted by name: `description` is
/// the definition's (empty without one) and `error` null for a valid definition; for an
/// invalid one `description` is null and `error` the message `synth --stack NAME` prints.
/// Scripts read this shape, so a field is only ever added, never renamed or removed.
fn render_json(listed: &[Listed]) -> String {
    let stacks: Vec<serde_json::Value> = listed
        .iter()
        .map(|Listed { name, description }| match description {
            Ok(description) => serde_json::json!({
                "name": name, "description": description, "valid": true, "error": null,
            }),
            Err(e) => serde_json::json!({
                "name": name, "description": null, "valid": false, "error": e.to_string(),
            }),
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({ "stacks": stacks }))
        .expect("JSON values serialize");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_aligned_and_an_invalid_definition_says_how_to_see_why() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "long-name.yaml",
            "description: first\nnetwork:\n  cidr: 10.20.0.0/16\n",
        );
        write("short.yaml", "netwrk: {}\n");
        write("bare.yaml", "network:\n  cidr: 10.20.0.0/16\n");
        let listed = synth::list(dir.path()).unwrap();
        assert_eq!(
            render(&listed),
            "bare       \nlong-name  first\nshort      (invalid: run `synth --stack short` to see why)\n"
        );
        assert_eq!(render(&[]), "");
    }
}
