//! The result of the front half of every command (load, resolve, lint, filter), as the passes
//! after it read it.

use crate::diagnostic::Diagnostic;
use crate::model::Model;
use crate::source::SourceMap;

/// A checked policy: its sources, its Model if it has a meaning, and every finding, sorted.
#[derive(Debug)]
pub struct Checked {
    pub sources: SourceMap,
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}
