//! Every byte `synth` prints goes through here (except clap's usage, help and version
//! text, which clap prints itself), so what a failed write means (a closed pipe:
//! `synth rules | head`) is decided in this file.

use std::io::Write;

/// Writes `text` to stdout and says whether that worked (a template on stdout that cannot
/// be written fails the command).
pub fn try_out(text: &str) -> std::io::Result<()> {
    std::io::stdout().lock().write_all(text.as_bytes())
}

/// Writes `text` to stdout; a write error (a closed pipe) is ignored.
pub fn out(text: &str) {
    let _ = try_out(text);
}

/// Writes `text` to stderr; a write error is ignored.
pub fn err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes one line to stderr; a write error is ignored.
pub fn say(line: &str) {
    err(&format!("{line}\n"));
}
