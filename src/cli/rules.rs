//! `synth rules`: every rule of the security pack, one line each, or as JSON.

use sagesynth::validate::rules;

use super::args::ListFormat;
use super::{Outcome, console};

pub fn run(format: ListFormat) -> Outcome {
    let text = match format {
        ListFormat::Text => rules::catalogue_text(),
        ListFormat::Json => rules::catalogue_json(),
    };
    super::printed(console::out(&text))
}
