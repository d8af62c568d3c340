//! `synth rules`: every rule of the security pack, one line each.

use sagesynth::validate::rules;

use super::{Outcome, console};

pub fn run() -> Outcome {
    console::out(&rules::catalogue_text());
    Outcome::Done
}
