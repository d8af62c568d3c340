//! Script files a definition names (Studio lifecycle configurations): read once, while
//! the definition is loaded, from the definition's own folder, so that every problem is
//! reported with the position of the `script:` value and synthesis itself reads no file.

use std::path::{Component, Path};

use indexmap::IndexMap;

use crate::diagnostic::Diagnostic;

use super::definition::StackDefinition;
use super::source::Source;

/// The largest script read: SageMaker takes at most 16,384 base64 characters of content
/// (`StudioLifecycleConfigContent` in the resource reference), which is 12,288 bytes of
/// script.
pub const MAX_SCRIPT_BYTES: usize = crate::resources::sagemaker::MAX_LIFECYCLE_CONTENT / 4 * 3;

/// Interpreters a lifecycle script may name on its `#!` line: SageMaker runs the
/// content as a shell script, and the shellcheck test lints it as one.
const SHELLS: [&str; 2] = ["bash", "sh"];

/// The scripts of `def`, by the path written in the definition, read relative to `dir`
/// (the definition's folder; `None` for a definition held in memory, which can name no
/// script).
pub fn read(
    source: &Source,
    def: &StackDefinition,
    dir: Option<&Path>,
) -> Result<IndexMap<String, String>, Vec<Diagnostic>> {
    let mut scripts = IndexMap::new();
    let mut problems = Vec::new();
    let Some(studio) = &def.studio else {
        return Ok(scripts);
    };
    for (name, spec) in &studio.lifecycle_configs {
        if scripts.contains_key(&spec.script) {
            continue;
        }
        let field = format!("studio.lifecycle_configs.{name}.script");
        match read_one(&spec.script, dir) {
            Ok(text) => {
                scripts.insert(spec.script.clone(), text);
            }
            Err((message, help)) => {
                problems.push(source.error_at_value(&field, message).help(help));
            }
        }
    }
    if problems.is_empty() {
        Ok(scripts)
    } else {
        Err(problems)
    }
}

/// One script's text, or what is wrong with it and how to fix it.
fn read_one(written: &str, dir: Option<&Path>) -> Result<String, (String, String)> {
    let relative = Path::new(written);
    let inside = !written.is_empty()
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside {
        return Err((
            format!("`{written}` is not a path inside the definition's folder"),
            "give the script's path relative to the definition file, without `..`, e.g. `scripts/setup.sh`".into(),
        ));
    }
    let Some(dir) = dir else {
        return Err((
            format!(
                "cannot read `{written}`: this definition was not read from a file, so it has no folder"
            ),
            "load the definition from its file".into(),
        ));
    };
    let path = dir.join(relative);
    let too_big = |size: usize| {
        (
            format!(
                "`{written}` is {size} bytes; a lifecycle script may be at most {MAX_SCRIPT_BYTES} bytes (16,384 characters of base64)"
            ),
            "move the bulk into a package or an image and keep the script short".to_string(),
        )
    };
    match std::fs::metadata(&path) {
        Ok(meta) if !meta.is_file() => {
            return Err((
                format!("`{written}` is not a file"),
                "name the script file".into(),
            ));
        }
        Ok(meta) if meta.len() > MAX_SCRIPT_BYTES as u64 => {
            return Err(too_big(usize::try_from(meta.len()).unwrap_or(usize::MAX)));
        }
        Ok(_) => {}
        Err(e) => {
            let reason = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                _ => e.to_string(),
            };
            return Err((
                format!("cannot read `{written}`: {reason}"),
                "the path is relative to the definition file's folder".into(),
            ));
        }
    }
    let bytes = std::fs::read(&path).map_err(|e| {
        (
            format!("cannot read `{written}`: {e}"),
            "check the file".into(),
        )
    })?;
    if bytes.len() > MAX_SCRIPT_BYTES {
        return Err(too_big(bytes.len()));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        (
            format!("`{written}` is not UTF-8 text"),
            "save the script as UTF-8".to_string(),
        )
    })?;
    if !is_shell_script(&text) {
        return Err((
            format!(
                "`{written}` is not a shell script: its first line must be `#!/bin/bash` (or another `#!` line naming bash or sh)"
            ),
            "start the script with `#!/bin/bash`".into(),
        ));
    }
    Ok(text)
}

/// Whether the first line is a `#!` line whose interpreter (or `env` argument) is a
/// shell of [`SHELLS`].
fn is_shell_script(text: &str) -> bool {
    let Some(line) = text.lines().next().and_then(|l| l.strip_prefix("#!")) else {
        return false;
    };
    let mut words = line.split_whitespace();
    let Some(program) = words.next() else {
        return false;
    };
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let interpreter = if base(program) == "env" {
        words.next().map(base)
    } else {
        Some(base(program))
    };
    interpreter.is_some_and(|i| SHELLS.contains(&i.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_lines_are_recognised() {
        for ok in [
            "#!/bin/bash\n",
            "#!/bin/sh\necho",
            "#!/usr/bin/env bash\n",
            "#! /bin/bash -e\n",
        ] {
            assert!(is_shell_script(ok), "{ok:?}");
        }
        for bad in [
            "",
            "echo hi\n",
            "#!/usr/bin/python3\n",
            "#!/usr/bin/env python3\n",
            "\n#!/bin/bash\n",
            "#!\n",
        ] {
            assert!(!is_shell_script(bad), "{bad:?}");
        }
    }

    #[test]
    fn paths_outside_the_folder_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["", "../x.sh", "/etc/passwd", "a/../../x.sh"] {
            let (message, _) = read_one(bad, Some(dir.path())).unwrap_err();
            assert!(message.contains("not a path inside"), "{bad}: {message}");
        }
    }

    #[test]
    fn a_script_at_the_limit_is_read_and_one_byte_more_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let head = "#!/bin/bash\n";
        let fits = format!("{head}{}", "#".repeat(MAX_SCRIPT_BYTES - head.len()));
        std::fs::write(dir.path().join("a.sh"), &fits).unwrap();
        assert_eq!(read_one("a.sh", Some(dir.path())).unwrap(), fits);
        assert!(fits.len().div_ceil(3) * 4 <= crate::resources::sagemaker::MAX_LIFECYCLE_CONTENT);
        std::fs::write(dir.path().join("b.sh"), format!("{fits}#")).unwrap();
        let (message, _) = read_one("b.sh", Some(dir.path())).unwrap_err();
        assert!(message.contains("at most 12288 bytes"), "{message}");
    }

    #[test]
    fn missing_files_and_memory_definitions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (message, _) = read_one("none.sh", Some(dir.path())).unwrap_err();
        assert_eq!(message, "cannot read `none.sh`: no such file");
        let (message, _) = read_one("none.sh", None).unwrap_err();
        assert!(message.contains("has no folder"), "{message}");
    }
}
