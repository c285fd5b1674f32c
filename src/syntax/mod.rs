//! Pass 1, text -> Ast: the pest grammar (`grammar/fenceline.pest`) and the typed AST.
//! Also the loader that follows `include` statements.

pub mod ast;
pub mod expand;
pub mod loader;
pub mod parser;

pub use parser::{comments, parse_file, Comment};
