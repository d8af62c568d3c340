//! Stack definitions: the YAML format (`definition`), reading it with precise errors
//! (`tree` parses it once with positions, a text in the usual subset of YAML through
//! `block_yaml`; `de` reads the schema from that tree; `source`, `load`, `check`, the
//! script files it names in `scripts`), and composing components into a template
//! (`compose`).

mod block_yaml;
pub mod check;
pub mod compose;
pub mod compose_accounts;
mod compose_network;
mod de;
pub mod definition;
pub mod load;
pub mod scripts;
pub mod source;
mod tree;

pub use compose::{
    ComposeError, Composition, NestedUserStacks, compose, compose_for, compose_parent,
};
pub use definition::StackDefinition;
pub use load::{InputErrors, LoadedStack, load_file, load_in, load_str};
