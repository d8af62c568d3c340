//! `synth graph`: the synthesized stack as a Mermaid flowchart on stdout.

use sagesynth::report::ReportFormat;
use sagesynth::synth::{self, Format, Selection};

use super::args::GraphArgs;
use super::{Outcome, console};

/// Draws what `synth` would write; a template that breaks a rule is never written, so it
/// is not drawn either.
pub fn run(args: &GraphArgs) -> Outcome {
    let selection = match (&args.file, &args.stack) {
        (Some(file), _) => Selection::File(file),
        (None, Some(name)) => Selection::Stack(name),
        (None, None) => {
            console::say("error: give --stack NAME or --file PATH");
            return Outcome::UsageError;
        }
    };
    let path = match synth::select(&args.stacks_dir, selection) {
        Ok(paths) => paths.into_iter().next().expect("one definition"),
        Err(d) => return super::input_error(&d),
    };
    let synthesis = match synth::synthesize_file(&path, Format::Json) {
        Ok(s) => s,
        Err(e) => return super::synth_failure(&e),
    };
    if synthesis.breaks_a_rule() {
        console::err(&synth::report(ReportFormat::Text, &synthesis.all()));
        console::say("no graph: the template breaks a rule, so synth would not write it");
        return Outcome::RuleBroken;
    }
    let drawn = match &args.template {
        None => &synthesis,
        Some(suffix) => match synthesis.template(suffix) {
            Ok(child) => child,
            Err(e) => {
                console::err(&e.to_string());
                return Outcome::InputError;
            }
        },
    };
    super::printed(console::out(&synth::mermaid(drawn)))
}
