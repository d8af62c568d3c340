//! sagesynth: deterministic CloudFormation templates for secure SageMaker environments.
//!
//! Layers, each usable on its own: [`template`] (the CloudFormation model), [`resources`]
//! (one typed builder per resource type), [`constructs`] (secure patterns), [`stacks`]
//! (the YAML definition format and composition) and [`validate`] (judging a finished
//! template). [`synth`] ties them together for the CLI, tests and benchmarks.

pub mod template;
#[macro_use]
pub mod resources;
pub mod constructs;
pub mod diagnostic;
pub mod diff;
pub mod graph;
pub mod output;
pub mod report;
pub mod stacks;
pub mod synth;
pub mod validate;
