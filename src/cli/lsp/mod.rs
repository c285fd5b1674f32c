//! `fenceline lsp`: a Language Server Protocol server over standard input and output, on the
//! same front end as `check` (load, resolve, lint, the targets' findings, fenceline.toml).
//!
//! `lsp-server` and `lsp-types` (rust-analyzer's) carry the protocol: a synchronous loop on one
//! thread, no async runtime (docs/editors.md says why). Edits are debounced: a changed document
//! is checked once no edit has come for [`DEBOUNCE`], or at once when a request about its
//! positions needs the fresh index. Every request gets an answer: a handler's failure is an
//! error response, never the end of the server.

mod actions;
mod complete;
mod features;
mod grammar;
mod index;
mod recover;
mod text;
mod tokens;
mod workspace;

use super::{Io, EXIT_FAILURE, EXIT_OK};
use crate::error::{Error, Result};
use clap::Args;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use workspace::{canonical, Doc, Workspace};

/// Quiet time after an edit before the document is checked.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

#[derive(Debug, Args)]
pub struct LspArgs {
    /// Talk over standard input and output (the only transport; accepted because editors
    /// pass it)
    #[arg(long)]
    pub stdio: bool,
}

/// `fenceline lsp` from the binary: standard output must not be locked by the caller.
pub fn main(_args: &LspArgs) -> u8 {
    match serve_stdio() {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}

/// `fenceline lsp` through [`super::run`] (whose caller must not hold standard output).
pub fn run(_args: LspArgs, io: &mut Io) -> Result<u8> {
    match serve_stdio() {
        Ok(()) => Ok(EXIT_OK),
        Err(e) => {
            io.eprintln(format_args!("error: {e}"));
            Ok(EXIT_FAILURE)
        }
    }
}

fn serve_stdio() -> Result<()> {
    let (conn, threads) = Connection::stdio();
    let served = serve(&conn);
    drop(conn);
    let joined = threads
        .join()
        .map_err(|e| Error::Other(format!("language server input/output: {e}")));
    served.and(joined)
}

fn protocol(e: impl std::fmt::Display) -> Error {
    Error::Other(format!("language server protocol: {e}"))
}

fn capabilities() -> Value {
    json!({
        "positionEncoding": "utf-16",
        "textDocumentSync": { "openClose": true, "change": 2, "save": { "includeText": false } },
        "hoverProvider": true,
        "definitionProvider": true,
        "referencesProvider": true,
        "renameProvider": { "prepareProvider": true },
        "completionProvider": { "triggerCharacters": [".", " ", ">"] },
        "documentSymbolProvider": true,
        "workspaceSymbolProvider": true,
        "documentFormattingProvider": true,
        "codeActionProvider": { "codeActionKinds": ["quickfix"] },
        "semanticTokensProvider": { "legend": tokens::legend(), "full": true },
    })
}

/// Runs the server on `conn` until the client says `exit`.
pub fn serve(conn: &Connection) -> Result<()> {
    let (id, params) = match conn.initialize_start() {
        Ok(x) => x,
        // The client went away before initializing: the session is over, not failed.
        Err(e) if e.channel_is_disconnected() => return Ok(()),
        Err(e) => return Err(protocol(e)),
    };
    let init: lsp::InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let opts = init.initialization_options.clone().unwrap_or(Value::Null);
    let debounce = opts
        .get("debounceMs")
        .and_then(Value::as_u64)
        .map_or(DEBOUNCE, Duration::from_millis);
    let today = opts
        .get("today")
        .and_then(Value::as_str)
        .filter(|t| crate::lint::days_from_civil(t).is_some())
        .map_or_else(crate::lint::today_utc, str::to_string);
    let result = json!({
        "capabilities": capabilities(),
        "serverInfo": { "name": "fenceline", "version": env!("CARGO_PKG_VERSION") },
    });
    conn.initialize_finish(id, result).map_err(protocol)?;
    let mut server = Server {
        conn,
        ws: Workspace::new(today.clone()),
        pending: BTreeMap::new(),
        debounce,
        today,
        published: BTreeMap::new(),
    };
    for dir in workspace_dirs(&init) {
        server.ws.scan(&dir);
    }
    server.main_loop()
}

#[allow(deprecated)] // `root_uri` and `root_path` are still what some clients send.
fn workspace_dirs(init: &lsp::InitializeParams) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = init
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| uri_to_path(&f.uri))
        .collect();
    if dirs.is_empty() {
        dirs.extend(init.root_uri.as_ref().and_then(uri_to_path));
    }
    dirs
}

struct Server<'c> {
    conn: &'c Connection,
    ws: Workspace,
    /// Documents edited and not yet checked, with the time of their last edit.
    pending: BTreeMap<PathBuf, Instant>,
    debounce: Duration,
    today: String,
    /// What was published for each file, by the root whose check found it.
    published: BTreeMap<PathBuf, BTreeMap<PathBuf, Vec<lsp::Diagnostic>>>,
}

/// `file://` URI of a path (every byte but unreserved ones and `/` percent-encoded).
pub fn path_to_uri(path: &Path) -> Option<lsp::Uri> {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse().ok()
}

pub fn uri_to_path(uri: &lsp::Uri) -> Option<PathBuf> {
    let s = uri.as_str().strip_prefix("file://")?;
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// A document's canonical path, its file id in its analysis, and a byte offset in it.
type Located = (PathBuf, crate::source::FileId, usize);

type Reply = std::result::Result<Value, (ErrorCode, String)>;

fn params<T: serde::de::DeserializeOwned>(v: Value) -> std::result::Result<T, (ErrorCode, String)> {
    serde_json::from_value(v).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

impl Server<'_> {
    fn main_loop(&mut self) -> Result<()> {
        loop {
            let wait = self
                .pending
                .values()
                .min()
                .map(|t| (*t + self.debounce).saturating_duration_since(Instant::now()));
            let msg = match wait {
                Some(w) => match self.conn.receiver.recv_timeout(w) {
                    Ok(m) => Some(m),
                    Err(crossbeam_timeout) if crossbeam_timeout.is_timeout() => None,
                    Err(_) => return Ok(()),
                },
                None => match self.conn.receiver.recv() {
                    Ok(m) => Some(m),
                    Err(_) => return Ok(()),
                },
            };
            match msg {
                None => self.flush_due(),
                Some(Message::Request(req)) => {
                    if self.conn.handle_shutdown(&req).map_err(protocol)? {
                        return Ok(());
                    }
                    let id = req.id.clone();
                    let reply = guarded(|| self.request(req));
                    let resp = match reply {
                        Ok(v) => Response::new_ok(id, v),
                        Err((code, msg)) => Response::new_err(id, code as i32, msg),
                    };
                    self.send(Message::Response(resp));
                }
                Some(Message::Notification(n)) => {
                    let r = guarded(|| self.notification(n));
                    if let Err((_, msg)) = r {
                        self.show(&msg);
                    }
                }
                Some(Message::Response(_)) => {}
            }
        }
    }

    fn send(&self, m: Message) {
        // The client has gone when this fails; the loop ends at the next receive.
        let _ = self.conn.sender.send(m);
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        self.send(Message::Notification(Notification::new(
            method.into(),
            params,
        )));
    }

    fn show(&self, message: &str) {
        self.notify(
            "window/showMessage",
            json!({ "type": 1, "message": format!("fenceline: {message}") }),
        );
    }

    fn notification(&mut self, n: Notification) -> Reply {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let p: lsp::DidOpenTextDocumentParams = params(n.params)?;
                let path = self.path(&p.text_document.uri)?;
                if let Some(dir) = path.parent() {
                    let project = crate::lint::config::project_root(dir);
                    self.ws.scan(&project);
                }
                let doc = Doc {
                    text: p.text_document.text,
                    version: p.text_document.version,
                };
                self.ws.docs.insert(path.clone(), doc);
                self.check(&path);
            }
            "textDocument/didChange" => {
                let p: lsp::DidChangeTextDocumentParams = params(n.params)?;
                let path = self.path(&p.text_document.uri)?;
                if let Some(doc) = self.ws.docs.get_mut(&path) {
                    for c in p.content_changes {
                        text::apply_change(&mut doc.text, c.range, &c.text);
                    }
                    doc.version = p.text_document.version;
                    self.pending.insert(path, Instant::now());
                }
            }
            "textDocument/didSave" => {
                let p: lsp::DidSaveTextDocumentParams = params(n.params)?;
                let path = self.path(&p.text_document.uri)?;
                self.pending.remove(&path);
                self.check(&path);
            }
            "textDocument/didClose" => {
                let p: lsp::DidCloseTextDocumentParams = params(n.params)?;
                let path = self.path(&p.text_document.uri)?;
                self.pending.remove(&path);
                self.ws.docs.remove(&path);
                self.check(&path);
            }
            _ => {}
        }
        Ok(Value::Null)
    }

    fn path(&self, uri: &lsp::Uri) -> std::result::Result<PathBuf, (ErrorCode, String)> {
        uri_to_path(uri).map(|p| canonical(&p)).ok_or((
            ErrorCode::InvalidParams,
            format!("not a file URI: {}", uri.as_str()),
        ))
    }

    /// Checks the documents whose debounce time has passed.
    fn flush_due(&mut self) {
        let now = Instant::now();
        let due: Vec<PathBuf> = self
            .pending
            .iter()
            .filter(|(_, t)| now.saturating_duration_since(**t) >= self.debounce)
            .map(|(p, _)| p.clone())
            .collect();
        for p in due {
            self.pending.remove(&p);
            self.check(&p);
        }
    }

    /// Checks `path` now if it has edits not yet checked.
    fn fresh(&mut self, path: &Path) {
        if self.pending.remove(path).is_some() || self.ws.analysis_for(path).is_none() {
            self.check(path);
        }
    }

    /// Checks every root policy that loads `path` and publishes the findings of every file they
    /// load.
    fn check(&mut self, path: &Path) {
        let roots = self.ws.roots_for(path);
        let mut touched: BTreeSet<PathBuf> = BTreeSet::new();
        touched.insert(path.to_path_buf());
        for root in roots {
            let before: Vec<PathBuf> = self
                .published
                .iter()
                .filter(|(_, by)| by.contains_key(&root))
                .map(|(f, _)| f.clone())
                .collect();
            for f in before {
                if let Some(by) = self.published.get_mut(&f) {
                    by.remove(&root);
                }
                touched.insert(f);
            }
            // A file that is neither open nor on disk any more has nothing to check.
            if !self.ws.docs.contains_key(&root) && !root.is_file() {
                self.ws.analyses.remove(&root);
                continue;
            }
            let Some(a) = self.ws.analyse(&root) else {
                continue;
            };
            if let Some(e) = &a.config_error {
                let e = e.clone();
                self.show(&e);
            }
            let Some(a) = self.ws.analyses.get(&root) else {
                continue;
            };
            let found = actions::diagnostics(a, &root, &|p| path_to_uri(p));
            for (file, diags) in found {
                touched.insert(file.clone());
                self.published
                    .entry(file)
                    .or_default()
                    .insert(root.clone(), diags);
            }
        }
        for file in touched {
            let mut all: Vec<lsp::Diagnostic> = Vec::new();
            for d in self
                .published
                .get(&file)
                .into_iter()
                .flat_map(|by| by.values().flatten())
            {
                if !all.contains(d) {
                    all.push(d.clone());
                }
            }
            let Some(uri) = path_to_uri(&file) else {
                continue;
            };
            let version = self.ws.docs.get(&file).map(|d| d.version);
            self.notify(
                "textDocument/publishDiagnostics",
                lsp::PublishDiagnosticsParams::new(uri, all, version),
            );
        }
    }

    fn request(&mut self, req: Request) -> Reply {
        let method = req.method.clone();
        match method.as_str() {
            "textDocument/hover" => self.hover(params(req.params)?),
            "textDocument/definition" => self.definition(params(req.params)?),
            "textDocument/references" => self.references(params(req.params)?),
            "textDocument/prepareRename" => self.prepare_rename(params(req.params)?),
            "textDocument/rename" => self.rename(params(req.params)?),
            "textDocument/completion" => self.completion(params(req.params)?),
            "textDocument/documentSymbol" => self.document_symbols(params(req.params)?),
            "workspace/symbol" => self.workspace_symbols(params(req.params)?),
            "textDocument/semanticTokens/full" => self.semantic_tokens(params(req.params)?),
            "textDocument/formatting" => self.formatting(params(req.params)?),
            "textDocument/codeAction" => self.code_actions(params(req.params)?),
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("unknown method {method}"),
            )),
        }
    }

    /// The analysis holding the document at `uri`, checked with its latest text, the file's
    /// id in it and the byte offset of `pos`.
    fn locate(
        &mut self,
        uri: &lsp::Uri,
        pos: lsp::Position,
    ) -> std::result::Result<Option<Located>, (ErrorCode, String)> {
        let path = self.path(uri)?;
        self.fresh(&path);
        let Some(a) = self.ws.analysis_for(&path) else {
            return Ok(None);
        };
        let Some(file) = a.file(&path) else {
            return Ok(None);
        };
        let offset = text::LineIndex::new(&a.sources.get(file).text).offset(pos);
        Ok(Some((path, file, offset)))
    }

    fn analysis(
        &self,
        path: &Path,
    ) -> std::result::Result<&workspace::Analysis, (ErrorCode, String)> {
        self.ws.analysis_for(path).ok_or((
            ErrorCode::RequestFailed,
            "the document is not checked".into(),
        ))
    }

    fn location(
        &self,
        a: &workspace::Analysis,
        span: crate::source::Span,
    ) -> Option<lsp::Location> {
        Some(lsp::Location::new(
            path_to_uri(a.path(span.file)?)?,
            features::range(a, span),
        ))
    }

    fn hover(&mut self, p: lsp::HoverParams) -> Reply {
        let tp = p.text_document_position_params;
        let Some((path, file, offset)) = self.locate(&tp.text_document.uri, tp.position)? else {
            return Ok(Value::Null);
        };
        let a = self.analysis(&path)?;
        Ok(match features::hover(a, file, offset) {
            Some((text, range)) => json!({
                "contents": { "kind": "markdown", "value": text },
                "range": range,
            }),
            None => Value::Null,
        })
    }

    fn definition(&mut self, p: lsp::GotoDefinitionParams) -> Reply {
        let tp = p.text_document_position_params;
        let Some((path, file, offset)) = self.locate(&tp.text_document.uri, tp.position)? else {
            return Ok(Value::Null);
        };
        let a = self.analysis(&path)?;
        let loc = features::definition(a, file, offset).and_then(|s| self.location(a, s));
        Ok(serde_json::to_value(loc).unwrap_or(Value::Null))
    }

    fn references(&mut self, p: lsp::ReferenceParams) -> Reply {
        let tp = p.text_document_position;
        let Some((path, file, offset)) = self.locate(&tp.text_document.uri, tp.position)? else {
            return Ok(Value::Null);
        };
        let a = self.analysis(&path)?;
        let with_decl = p.context.include_declaration;
        let locs: Vec<lsp::Location> = features::references(a, file, offset, with_decl)
            .into_iter()
            .filter_map(|s| self.location(a, s))
            .collect();
        Ok(serde_json::to_value(locs).unwrap_or(Value::Null))
    }

    fn prepare_rename(&mut self, p: lsp::TextDocumentPositionParams) -> Reply {
        let Some((path, file, offset)) = self.locate(&p.text_document.uri, p.position)? else {
            return Ok(Value::Null);
        };
        let a = self.analysis(&path)?;
        match features::target_at(a, file, offset) {
            Some(features::Target::Name(r))
                if !matches!(r.kind, index::Kind::Interface | index::Kind::Site)
                    && a.index.symbol(r.kind, &r.key).is_some() =>
            {
                Ok(serde_json::to_value(features::range(a, r.span)).unwrap_or(Value::Null))
            }
            _ => Err((ErrorCode::RequestFailed, "nothing to rename here".into())),
        }
    }

    fn rename(&mut self, p: lsp::RenameParams) -> Reply {
        let tp = p.text_document_position;
        let Some((path, file, offset)) = self.locate(&tp.text_document.uri, tp.position)? else {
            return Ok(Value::Null);
        };
        let a = self.analysis(&path)?;
        let edits = features::rename(a, file, offset, &p.new_name)
            .map_err(|e| (ErrorCode::RequestFailed, e))?;
        let mut changes: BTreeMap<String, Vec<lsp::TextEdit>> = BTreeMap::new();
        for (span, new) in edits {
            if let Some(loc) = self.location(a, span) {
                changes
                    .entry(loc.uri.as_str().to_string())
                    .or_default()
                    .push(lsp::TextEdit::new(loc.range, new));
            }
        }
        Ok(json!({ "changes": changes }))
    }

    fn completion(&mut self, p: lsp::CompletionParams) -> Reply {
        let tp = p.text_document_position;
        let path = self.path(&tp.text_document.uri)?;
        // Completion answers from the text as it is now and the names of the last check: it
        // does not wait for the edits being typed to be checked.
        if self.ws.analysis_for(&path).is_none() {
            self.check(&path);
        }
        let text = match self.ws.docs.get(&path) {
            Some(d) => d.text.clone(),
            None => return Ok(Value::Null),
        };
        let idx = text::LineIndex::new(&text);
        let offset = idx.offset(tp.position);
        let (items, start) = complete::complete(self.ws.analysis_for(&path), &text, offset);
        let range = idx.range(start, offset);
        let items: Vec<Value> = items
            .into_iter()
            .map(|i| {
                let kind = match i.kind {
                    complete::ItemKind::Keyword => lsp::CompletionItemKind::KEYWORD,
                    complete::ItemKind::Zone => lsp::CompletionItemKind::MODULE,
                    complete::ItemKind::Asset => lsp::CompletionItemKind::FIELD,
                    complete::ItemKind::Service => lsp::CompletionItemKind::INTERFACE,
                    complete::ItemKind::Device => lsp::CompletionItemKind::STRUCT,
                    complete::ItemKind::Interface => lsp::CompletionItemKind::PROPERTY,
                    complete::ItemKind::Rule => lsp::CompletionItemKind::ENUM_MEMBER,
                    complete::ItemKind::Value => lsp::CompletionItemKind::VALUE,
                };
                json!({
                    "label": i.label,
                    "kind": kind,
                    "detail": i.detail,
                    "textEdit": { "range": range, "newText": i.label },
                })
            })
            .collect();
        Ok(json!({ "isIncomplete": false, "items": items }))
    }

    fn document_symbols(&mut self, p: lsp::DocumentSymbolParams) -> Reply {
        let path = self.path(&p.text_document.uri)?;
        self.fresh(&path);
        let a = self.analysis(&path)?;
        let Some(file) = a.file(&path) else {
            return Ok(json!([]));
        };
        Ok(serde_json::to_value(features::document_symbols(a, file)).unwrap_or(Value::Null))
    }

    fn workspace_symbols(&mut self, p: lsp::WorkspaceSymbolParams) -> Reply {
        let due: Vec<PathBuf> = self.pending.keys().cloned().collect();
        for d in due {
            self.fresh(&d);
        }
        let query = p.query.to_lowercase();
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for a in self.ws.analyses.values() {
            for s in &a.index.symbols {
                if !s.key.to_lowercase().contains(&query) {
                    continue;
                }
                let Some(loc) = self.location(a, s.name) else {
                    continue;
                };
                if !seen.insert((loc.uri.as_str().to_string(), s.name.start, s.kind)) {
                    continue;
                }
                // A template's declaration under its template's name.
                let container = match &s.template {
                    Some(t) => Some(format!("template {t}")),
                    None => s.container.clone(),
                };
                out.push(json!({
                    "name": index::local_key(&s.key),
                    "kind": features_kind(s.kind),
                    "location": loc,
                    "containerName": container,
                }));
            }
        }
        Ok(Value::Array(out))
    }

    fn semantic_tokens(&mut self, p: lsp::SemanticTokensParams) -> Reply {
        let path = self.path(&p.text_document.uri)?;
        self.fresh(&path);
        let text = match self.ws.docs.get(&path) {
            Some(d) => d.text.clone(),
            None => crate::syntax::loader::read_policy_file(&path)
                .map_err(|e| (ErrorCode::RequestFailed, e.to_string()))?,
        };
        let a = self.ws.analysis_for(&path);
        let ix = a.and_then(|a| {
            let f = a.file(&path)?;
            (a.sources.get(f).text == text).then_some((&a.index, f))
        });
        let classes = tokens::classify(&text, ix);
        let data = tokens::encode(&text, &classes);
        let tokens = lsp::SemanticTokens {
            result_id: None,
            data,
        };
        Ok(serde_json::to_value(tokens).unwrap_or(Value::Null))
    }

    fn formatting(&mut self, p: lsp::DocumentFormattingParams) -> Reply {
        let path = self.path(&p.text_document.uri)?;
        let Some(doc) = self.ws.docs.get(&path) else {
            return Ok(Value::Null);
        };
        let name = path.to_string_lossy();
        match super::format::format_text(&name, &doc.text) {
            Ok(out) if out == doc.text => Ok(json!([])),
            Ok(out) => {
                let idx = text::LineIndex::new(&doc.text);
                let all = idx.range(0, doc.text.len());
                Ok(json!([lsp::TextEdit::new(all, out)]))
            }
            // A file that does not parse is left as it is; its diagnostic says why.
            Err(_) => Ok(Value::Null),
        }
    }

    fn code_actions(&mut self, p: lsp::CodeActionParams) -> Reply {
        let path = self.path(&p.text_document.uri)?;
        self.fresh(&path);
        let a = self.analysis(&path)?;
        let Some(file) = a.file(&path) else {
            return Ok(json!([]));
        };
        let uri = p.text_document.uri.as_str().to_string();
        let out: Vec<Value> = actions::actions(a, file, &p.context.diagnostics, &self.today)
            .into_iter()
            .map(|act| {
                let edits: Vec<lsp::TextEdit> = act
                    .edits
                    .into_iter()
                    .map(|(r, t)| lsp::TextEdit::new(r, t))
                    .collect();
                json!({
                    "title": act.title,
                    "kind": "quickfix",
                    "isPreferred": act.preferred,
                    "edit": { "changes": { uri.clone(): edits } },
                })
            })
            .collect();
        Ok(Value::Array(out))
    }
}

fn features_kind(k: index::Kind) -> lsp::SymbolKind {
    match k {
        index::Kind::Zone => lsp::SymbolKind::NAMESPACE,
        index::Kind::Asset => lsp::SymbolKind::OBJECT,
        index::Kind::Service => lsp::SymbolKind::INTERFACE,
        index::Kind::Conduit => lsp::SymbolKind::CLASS,
        index::Kind::Device => lsp::SymbolKind::STRUCT,
        index::Kind::Interface => lsp::SymbolKind::FIELD,
        index::Kind::Node => lsp::SymbolKind::STRUCT,
        index::Kind::Template => lsp::SymbolKind::MODULE,
        index::Kind::Param => lsp::SymbolKind::TYPE_PARAMETER,
        index::Kind::Site => lsp::SymbolKind::PACKAGE,
    }
}

/// Runs a handler; a panic in the front end becomes an error answer (the server stays up, and
/// the panic is a bug to report, which the message says).
fn guarded(f: impl FnOnce() -> Reply) -> Reply {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => Err((
            ErrorCode::InternalError,
            "internal error in fenceline; please report it with the policy".into(),
        )),
    }
}
