//! Source files and spans. Every later representation points back here, so every finding can be
//! shown on the line that caused it.

use serde::Serialize;
use std::path::{Path, PathBuf};

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

thread_local! {
    static SPANS_HIDDEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every [`Span`] serialised as a unit (`null` in JSON), on this thread: two
/// values that differ only where they were written serialise to the same bytes (`fmt`'s check
/// that the formatted text means what the input meant).
pub fn without_spans<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            SPANS_HIDDEN.with(|h| h.set(self.0));
        }
    }
    let _restore = Restore(SPANS_HIDDEN.with(|h| h.replace(true)));
    f()
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        if SPANS_HIDDEN.with(|h| h.get()) {
            return s.serialize_unit();
        }
        let mut st = s.serialize_struct("Span", 3)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("start", &self.start)?;
        st.serialize_field("end", &self.end)?;
        st.end()
    }
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
    /// The smallest span covering both (same file assumed).
    pub fn to(&self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One loaded file. `name` is the path as the user should see it (relative where possible).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset.min(self.text.len())) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte offset where a 0-based line starts (the end of the text past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        (line + 1, col)
    }
}

/// Every file of one policy (the root and its includes), in load order, and every instance of a
/// template (see [`Instance`]).
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    pub files: Vec<SourceFile>,
    pub instances: Vec<Instance>,
}

/// One expansion of a template (`site NAME TEMPLATE`). Its declarations carry spans in a file id
/// of their own ([`FileId::instance`]) that shows the template's text: a finding about them
/// points at the template's line, and [`SourceMap::instantiations`] says which site made it.
#[derive(Debug, Clone)]
pub struct Instance {
    /// The file that holds the template's text.
    pub file: FileId,
    /// The `site` statement's name (itself in an instance file when the site is nested).
    pub at: Span,
    /// The site's full name (`sub-07`, or `sub-07-bay-1` when nested).
    pub name: String,
}

/// File ids at or above this bit name an instance, not a file.
const INSTANCE_BIT: u32 = 1 << 31;

impl FileId {
    /// The file id of instance `i` of [`SourceMap::instances`].
    pub fn instance(i: usize) -> FileId {
        FileId(INSTANCE_BIT | i as u32)
    }
    fn instance_index(self) -> Option<usize> {
        (self.0 & INSTANCE_BIT != 0).then_some((self.0 & !INSTANCE_BIT) as usize)
    }
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId((self.files.len() - 1) as u32)
    }
    /// Registers an instance of a template whose text is in `file`; its declarations' spans
    /// take the returned id.
    pub fn add_instance(&mut self, file: FileId, at: Span, name: String) -> FileId {
        let file = self.real_file(file);
        self.instances.push(Instance { file, at, name });
        FileId::instance(self.instances.len() - 1)
    }
    /// The file whose text a span of `id` indexes (an instance's template file).
    pub fn real_file(&self, id: FileId) -> FileId {
        match id.instance_index().and_then(|i| self.instances.get(i)) {
            Some(inst) => inst.file,
            None => id,
        }
    }
    /// The sites that instantiated the text at `span`, innermost first, with the site
    /// statement of each; empty for a span in a file as written.
    pub fn instantiations(&self, span: Span) -> Vec<&Instance> {
        let mut out = Vec::new();
        let mut id = span.file;
        while let Some(inst) = id.instance_index().and_then(|i| self.instances.get(i)) {
            out.push(inst);
            id = inst.at.file;
            if out.len() > self.instances.len() {
                break;
            }
        }
        out
    }
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[self.real_file(id).0 as usize]
    }
    pub fn text(&self, span: Span) -> &str {
        self.get(span.file).text.get(span.range()).unwrap_or("")
    }
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }
    /// `file:line:col` of the start of a span.
    pub fn location(&self, span: Span) -> String {
        let f = self.get(span.file);
        let (l, c) = f.line_col(span.start as usize);
        format!("{}:{}:{}", f.name, l, c)
    }
}
