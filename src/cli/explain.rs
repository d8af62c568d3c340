//! `synth explain RULE-ID`: why a rule exists, what it checks, the fix, how to suppress it.

use sagesynth::validate::rules;

use super::{Outcome, console};

pub fn run(id: &str) -> Outcome {
    match rules::explain(id) {
        Ok(text) => super::printed(console::out(&text)),
        Err(unknown) => {
            console::err(&unknown.to_string());
            Outcome::InputError
        }
    }
}
