//! Names at positions: every declaration and every reference of a policy's files, read from
//! the typed AST (its identifiers carry their spans), keyed so that a reference finds its
//! declaration across included files. Built beside the check, never instead of it: the
//! diagnostics stay `check`'s own.

use crate::source::{FileId, Span};
use crate::syntax::ast::{self, Item, PortMode, ServiceRef, Stmt, StmtKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Zone,
    Asset,
    Service,
    Conduit,
    Device,
    /// A device's interface or switch port (keyed `device/name`).
    Interface,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Zone => "zone",
            Kind::Asset => "asset",
            Kind::Service => "service",
            Kind::Conduit => "conduit",
            Kind::Device => "device",
            Kind::Interface => "interface",
        }
    }
}

/// A declaration: its key (`zone`, `zone.asset`, `device/eth0`), the name's span and the span
/// of the whole declaration.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub kind: Kind,
    pub key: String,
    pub name: Span,
    pub full: Span,
    /// The enclosing declaration's key (an asset's zone, an interface's device).
    pub container: Option<String>,
}

/// A use of a name (or a declaration's own name: `decl` is true), by key.
#[derive(Debug, Clone)]
pub struct Ref {
    pub kind: Kind,
    pub key: String,
    pub span: Span,
    pub decl: bool,
}

/// A statement an `exception` may be written in: a zone, a conduit or a flow.
#[derive(Debug, Clone)]
pub struct Scope {
    pub span: Span,
    pub has_block: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    pub symbols: Vec<Symbol>,
    pub refs: Vec<Ref>,
    /// Rule IDs written after `exception`.
    pub rules: Vec<(String, Span)>,
    pub scopes: Vec<Scope>,
    /// Every keyword token of the parsed statements and declarations.
    pub keywords: Vec<Span>,
}

impl Index {
    /// Adds one file's declarations and references. Spans of template instances (whose file
    /// ids are not files) are left out: their text is the template's.
    pub fn add_file(&mut self, id: FileId, file: &ast::File) {
        let mut b = Builder { ix: self, file: id };
        for item in &file.items {
            b.item(item);
        }
    }

    /// The reference (or declaration) whose span holds `offset` in `file`.
    pub fn ref_at(&self, file: FileId, offset: u32) -> Option<&Ref> {
        self.refs
            .iter()
            .filter(|r| r.span.file == file && r.span.start <= offset && offset <= r.span.end)
            .min_by_key(|r| r.span.len())
    }
    pub fn symbol(&self, kind: Kind, key: &str) -> Option<&Symbol> {
        self.symbols.iter().find(|s| s.kind == kind && s.key == key)
    }
    /// Every occurrence of a name, its declaration included.
    pub fn occurrences(&self, kind: Kind, key: &str) -> impl Iterator<Item = &Ref> {
        let key = key.to_string();
        self.refs
            .iter()
            .filter(move |r| r.kind == kind && r.key == key)
    }
    pub fn names(&self, kind: Kind) -> impl Iterator<Item = &Symbol> {
        self.symbols.iter().filter(move |s| s.kind == kind)
    }
}

struct Builder<'a> {
    ix: &'a mut Index,
    file: FileId,
}

impl Builder<'_> {
    fn here(&self, s: Span) -> bool {
        s.file == self.file
    }
    fn decl(&mut self, kind: Kind, key: String, name: Span, full: Span, container: Option<&str>) {
        if !self.here(name) {
            return;
        }
        self.ix.refs.push(Ref {
            kind,
            key: key.clone(),
            span: name,
            decl: true,
        });
        self.ix.symbols.push(Symbol {
            kind,
            key,
            name,
            full,
            container: container.map(str::to_string),
        });
    }
    fn reference(&mut self, kind: Kind, key: String, span: Span) {
        if self.here(span) {
            self.ix.refs.push(Ref {
                kind,
                key,
                span,
                decl: false,
            });
        }
    }
    fn keyword(&mut self, span: Span) {
        if self.here(span) && !span.is_empty() {
            self.ix.keywords.push(span);
        }
    }
    /// The keyword at the start of a declaration (`zone`, `firewall`): its first word.
    fn lead(&mut self, span: Span, word: &str) {
        let s = Span {
            file: span.file,
            start: span.start,
            end: span.start + word.len() as u32,
        };
        self.keyword(s);
    }
    fn endpoint(&mut self, e: &ast::Endpoint) {
        if e.address {
            return;
        }
        if e.zone.name == "self" {
            self.keyword(e.zone.span);
            return;
        }
        self.reference(Kind::Zone, e.zone.name.clone(), e.zone.span);
        if let Some(a) = &e.asset {
            self.reference(Kind::Asset, format!("{}.{}", e.zone.name, a.name), a.span);
        }
    }
    fn service(&mut self, s: &ServiceRef) {
        if let ServiceRef::Named(i) = s {
            self.reference(Kind::Service, i.name.clone(), i.span);
        }
    }
    fn item(&mut self, item: &Item) {
        match item {
            Item::Include(x) => self.lead(x.span, "include"),
            Item::Policy(x) => {
                self.lead(x.span, "policy");
                self.stmts(&x.stmts, None);
            }
            Item::Zone(z) => {
                self.lead(z.span, "zone");
                self.decl(Kind::Zone, z.name.name.clone(), z.name.span, z.span, None);
                self.scope(z.span, true);
                self.stmts(&z.stmts, Some(&z.name.name));
            }
            Item::Service(s) => {
                self.lead(s.span, "service");
                self.decl(
                    Kind::Service,
                    s.name.name.clone(),
                    s.name.span,
                    s.span,
                    None,
                );
                self.stmts(&s.stmts, None);
            }
            Item::Conduit(c) => {
                self.lead(c.span, "conduit");
                self.decl(
                    Kind::Conduit,
                    c.name.name.clone(),
                    c.name.span,
                    c.span,
                    None,
                );
                self.scope(c.span, true);
                self.stmts(&c.stmts, None);
            }
            Item::Device(d) => {
                self.lead(d.span, d.kind.keyword());
                self.decl(Kind::Device, d.name.name.clone(), d.name.span, d.span, None);
                self.device_stmts(&d.stmts, &d.name.name);
            }
            Item::Expect(x) => {
                self.lead(x.span, "expect");
                self.endpoint(&x.src);
                self.endpoint(&x.dst);
                self.service(&x.service);
            }
            Item::Template(t) => {
                self.lead(t.span, "template");
                for i in &t.body {
                    self.item(i);
                }
            }
            Item::Param(p) => self.lead(p.span, "param"),
            Item::Site(s) => self.lead(s.span, "site"),
        }
    }
    fn scope(&mut self, span: Span, has_block: bool) {
        if self.here(span) {
            self.ix.scopes.push(Scope { span, has_block });
        }
    }
    fn device_stmts(&mut self, stmts: &[Stmt], device: &str) {
        for st in stmts {
            match &st.kind {
                StmtKind::Interface { name, zone, .. } => {
                    self.keyword(st.keyword);
                    let key = format!("{device}/{}", name.text);
                    self.decl(Kind::Interface, key, name.span, st.span, Some(device));
                    self.reference(Kind::Zone, zone.name.clone(), zone.span);
                }
                StmtKind::Ports { name, mode, .. } => {
                    self.keyword(st.keyword);
                    let key = format!("{device}/{}", name.text);
                    self.decl(Kind::Interface, key, name.span, st.span, Some(device));
                    match mode {
                        PortMode::Access(z) => self.reference(Kind::Zone, z.name.clone(), z.span),
                        PortMode::Trunk(zs) => {
                            for z in zs {
                                self.reference(Kind::Zone, z.name.clone(), z.span);
                            }
                        }
                    }
                }
                StmtKind::Sync(t) => {
                    self.keyword(st.keyword);
                    self.reference(Kind::Interface, format!("{device}/{}", t.text), t.span);
                }
                _ => self.stmt(st, None),
            }
        }
    }
    fn stmts(&mut self, stmts: &[Stmt], zone: Option<&str>) {
        for st in stmts {
            self.stmt(st, zone);
        }
    }
    fn stmt(&mut self, st: &Stmt, zone: Option<&str>) {
        self.keyword(st.keyword);
        match &st.kind {
            StmtKind::Asset(a) => {
                let z = zone.unwrap_or_default();
                let key = format!("{z}.{}", a.name.name);
                self.decl(Kind::Asset, key, a.name.span, st.span, zone);
                self.stmts(&a.stmts, None);
            }
            StmtKind::Exception(e) if self.here(e.rule.span) => {
                self.ix.rules.push((e.rule.text.clone(), e.rule.span));
            }
            StmtKind::Connects(zs) => {
                for z in zs {
                    self.reference(Kind::Zone, z.name.clone(), z.span);
                }
            }
            StmtKind::UnusedPorts(z) => self.reference(Kind::Zone, z.name.clone(), z.span),
            StmtKind::Allow(a) => {
                self.scope(st.span, a.has_block);
                self.endpoint(&a.src);
                self.endpoint(&a.dst);
                for s in &a.services {
                    self.service(s);
                }
                for d in &a.via {
                    self.reference(Kind::Device, d.name.clone(), d.span);
                }
                self.stmts(&a.stmts, None);
            }
            _ => {}
        }
    }
}
