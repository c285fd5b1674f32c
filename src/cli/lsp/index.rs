//! Names at positions: every declaration and every reference of a policy's files, read from
//! the typed AST (its identifiers carry their spans), keyed so that a reference finds its
//! declaration across included files. Built beside the check, never instead of it: the
//! diagnostics stay `check`'s own.
//!
//! A template's declarations are keyed by the template (`substation>protection`): they are not
//! names of the policy, each site declares its own copy (`sub-07-protection`). A name written
//! inside a template body means what the expansion makes it mean (docs/language.md, "template
//! and site"): a declaration of the body, else the policy's own name. A site-prefixed name
//! (`sub-07-protection`, wherever it is written) leads to the declaration in the template
//! that produces it, so definition, references and rename of the one or the other are the
//! same name. A template's parameters are keyed like its declarations (`substation>n`): their
//! uses are a site's `n 7`, a `{n}` in an address or a string of the body, and a `name`
//! parameter written bare.
//!
//! Some places take a name of more than one kind, as the resolver reads them: an
//! expectation's end is a zone, else a device or a cluster node; `via` a device or a node;
//! `mitigated-by` a device or a conduit. Such a reference is resolved to the first kind that
//! declares the name once every file is read.

use std::collections::{BTreeMap, BTreeSet};

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
    /// A node of a device's `cluster` (keyed by its name, which it shares with the devices).
    Node,
    /// A `template`.
    Template,
    /// A template's `param` (keyed `template>name`, as the template's declarations are).
    Param,
    /// A `site`: a top-level one keyed by its name, a nested one `template>name`.
    Site,
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
            Kind::Node => "cluster node",
            Kind::Template => "template",
            Kind::Param => "parameter",
            Kind::Site => "site",
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
    /// The template whose body declares it (its key then starts with `template>`).
    pub template: Option<String>,
}

/// A use of a name (or a declaration's own name: `decl` is true), by key.
#[derive(Debug, Clone)]
pub struct Ref {
    pub kind: Kind,
    pub key: String,
    pub span: Span,
    pub decl: bool,
    /// The name as the policy knows it: the key before it was resolved into a template
    /// (`sub-07-protection` for the key `substation>protection`).
    pub name: String,
    /// Bytes of the site prefixes at the start of the span (`sub-07-`): a rename edits what
    /// follows them.
    pub prefix: u32,
    /// The template whose body holds it.
    scope: Option<String>,
    /// The kinds the name may also be, tried in this order when no name of `kind` has it
    /// (`via` names a device or a cluster node; `mitigated-by` a device or a conduit).
    alts: &'static [Kind],
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
    /// Templates by name: what each body declares, its parameters and its nested sites.
    templates: BTreeMap<String, TemplateNames>,
    /// Top-level sites: (site, template).
    sites: Vec<(String, String)>,
    /// The values sites give each parameter (keyed `template>param`): (site, value as written).
    values: BTreeMap<String, Vec<(String, String)>>,
    /// The parameters of type `name` (keyed `template>param`): they stand where a name does.
    name_params: BTreeSet<String>,
}

#[derive(Debug, Clone, Default)]
struct TemplateNames {
    decls: BTreeSet<(Kind, String)>,
    params: BTreeSet<String>,
    sites: Vec<(String, String)>,
}

/// Nesting deeper than this is a cycle (E0046) or no policy anyone writes.
const MAX_NESTING: usize = 16;

/// The key of a name declared in `template`.
pub fn template_key(template: &str, key: &str) -> String {
    format!("{template}>{key}")
}

/// A key without its template (`protection` for `substation>protection`).
pub fn local_key(key: &str) -> &str {
    key.split_once('>').map_or(key, |x| x.1)
}

/// An expectation's end without an asset: a zone, else a device or one cluster node
/// (the resolver's order, `model::resolve::expectations`).
const END: &[Kind] = &[Kind::Device, Kind::Node];
/// A `name` parameter's value: a zone, device, service or conduit of the policy.
const ANY_NAME: &[Kind] = &[Kind::Device, Kind::Service, Kind::Conduit];

/// The `{name}` parameter uses in `text` (the raw text of a token), as (offset of the name in
/// `text`, name).
fn braced(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = text[rest..].find('{').map(|i| rest + i) {
        let Some(close) = text[open..].find('}').map(|i| open + i) else {
            break;
        };
        let name = &text[open + 1..close];
        if name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            out.push((open + 1, name));
        }
        rest = close + 1;
    }
    out
}

/// What a name written somewhere resolves to.
enum Resolved {
    /// A declaration of a template: its key, and the bytes of site prefixes before it.
    Template(String, u32),
    /// A `name` parameter of the template the reference is written in (that template).
    Param(String),
    /// The policy's own name, as written.
    Global,
}

impl Index {
    /// Adds one file's declarations and references, as written (templates not yet expanded:
    /// a template's names are read in its body, once). Spans of other files are left out.
    pub fn add_file(&mut self, id: FileId, file: &ast::File) {
        let mut b = Builder {
            ix: self,
            file: id,
            template: None,
        };
        for item in &file.items {
            b.item(item);
        }
    }

    /// Resolves the names written inside templates and the site-prefixed names, once every
    /// file is added (templates and sites may come in any file, in any order).
    pub fn finish(&mut self) {
        let declared: BTreeSet<(Kind, &str)> = self
            .symbols
            .iter()
            .map(|s| (s.kind, s.key.as_str()))
            .collect();
        let refs = std::mem::take(&mut self.refs);
        let refs = refs
            .into_iter()
            .map(|mut r| {
                if r.decl {
                    return r;
                }
                // The first kind that has the name, else the first kind as written.
                let kinds = std::iter::once(r.kind).chain(r.alts.iter().copied());
                let mut first = None;
                for kind in kinds {
                    let resolved = self.resolve(r.scope.as_deref(), kind, &r.key);
                    let found = match &resolved {
                        Resolved::Global => declared.contains(&(kind, r.key.as_str())),
                        _ => true,
                    };
                    if found || r.alts.is_empty() {
                        first = Some((kind, resolved));
                        break;
                    }
                    first.get_or_insert((kind, resolved));
                }
                if let Some((kind, resolved)) = first {
                    match resolved {
                        // A `name` parameter used bare: a use of the parameter.
                        Resolved::Param(t) => {
                            r.kind = Kind::Param;
                            r.key = template_key(&t, &r.key);
                        }
                        Resolved::Template(key, prefix) => {
                            r.kind = kind;
                            r.key = key;
                            r.prefix = prefix;
                        }
                        Resolved::Global => r.kind = kind,
                    }
                }
                r
            })
            .collect();
        self.refs = refs;
    }

    fn resolve(&self, scope: Option<&str>, kind: Kind, key: &str) -> Resolved {
        // An asset or an interface is keyed under its zone or device: resolve that part.
        let (head, tail, head_kind) = match kind {
            Kind::Asset => match key.split_once('.') {
                Some((z, a)) => (z, format!(".{a}"), Kind::Zone),
                None => return Resolved::Global,
            },
            Kind::Interface => match key.split_once('/') {
                Some((d, i)) => (d, format!("/{i}"), Kind::Device),
                None => return Resolved::Global,
            },
            // Templates, parameters and sites are written with the key they are declared by.
            Kind::Template | Kind::Param | Kind::Site => return Resolved::Global,
            _ => (key, String::new(), kind),
        };
        if let Some(t) = scope {
            if let Some(names) = self.templates.get(t) {
                if tail.is_empty() && names.params.contains(head) {
                    return Resolved::Param(t.to_string());
                }
            }
            if let Some((k, p)) = self.in_template(t, head_kind, head, 0) {
                // A prefix inside the template's own text is its nested site's, written out.
                return Resolved::Template(
                    format!("{k}{tail}"),
                    if tail.is_empty() { p } else { 0 },
                );
            }
        }
        // A service is the policy's vocabulary: no template declares one.
        if kind == Kind::Service {
            return Resolved::Global;
        }
        for (site, template) in &self.sites {
            let Some(rest) = head
                .strip_prefix(site.as_str())
                .and_then(|r| r.strip_prefix('-'))
            else {
                continue;
            };
            if let Some((k, p)) = self.in_template(template, head_kind, rest, 0) {
                let prefix = if tail.is_empty() {
                    p + site.len() as u32 + 1
                } else {
                    0
                };
                return Resolved::Template(format!("{k}{tail}"), prefix);
            }
        }
        Resolved::Global
    }

    /// The key of `name` declared in `template` or, prefixed by a nested site's name, in the
    /// nested site's template; with the bytes of the nested sites' prefixes.
    fn in_template(
        &self,
        template: &str,
        kind: Kind,
        name: &str,
        depth: usize,
    ) -> Option<(String, u32)> {
        let names = self.templates.get(template)?;
        if names.decls.contains(&(kind, name.to_string())) {
            return Some((template_key(template, name), 0));
        }
        if depth >= MAX_NESTING {
            return None;
        }
        names.sites.iter().find_map(|(site, inner)| {
            let rest = name.strip_prefix(site.as_str())?.strip_prefix('-')?;
            let (k, p) = self.in_template(inner, kind, rest, depth + 1)?;
            Some((k, p + site.len() as u32 + 1))
        })
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
    /// The top-level sites of `template`.
    pub fn sites_of(&self, template: &str) -> Vec<&str> {
        self.sites
            .iter()
            .filter(|(_, t)| t == template)
            .map(|(s, _)| s.as_str())
            .collect()
    }
    /// The template a site instantiates (`key`: a top-level site, or `template>site`).
    pub fn site_template(&self, key: &str) -> Option<&str> {
        let found = match key.split_once('>') {
            Some((t, site)) => self.templates.get(t)?.sites.iter().find(|s| s.0 == site),
            None => self.sites.iter().find(|s| s.0 == key),
        };
        found.map(|s| s.1.as_str())
    }
    /// What `template`'s body declares (zones, conduits, devices, cluster nodes), by name.
    pub fn template_decls(&self, template: &str) -> Vec<(Kind, &str)> {
        self.templates
            .get(template)
            .map(|t| t.decls.iter().map(|(k, n)| (*k, n.as_str())).collect())
            .unwrap_or_default()
    }
    /// Whether the parameter (`template>param`) is of type `name`.
    pub fn is_name_param(&self, key: &str) -> bool {
        self.name_params.contains(key)
    }
    /// The values the sites give a parameter (`template>param`): (site, value as written).
    pub fn param_values(&self, key: &str) -> &[(String, String)] {
        self.values.get(key).map(Vec::as_slice).unwrap_or_default()
    }
    /// The policy's own names of a kind (a template's declarations are not among them).
    pub fn names(&self, kind: Kind) -> impl Iterator<Item = &Symbol> {
        self.symbols
            .iter()
            .filter(move |s| s.kind == kind && s.template.is_none())
    }
}

struct Builder<'a> {
    ix: &'a mut Index,
    file: FileId,
    /// The template whose body is being read.
    template: Option<String>,
}

impl Builder<'_> {
    fn here(&self, s: Span) -> bool {
        s.file == self.file
    }
    fn decl(&mut self, kind: Kind, key: String, name: Span, full: Span, container: Option<&str>) {
        if !self.here(name) {
            return;
        }
        let (key, container) = match &self.template {
            Some(t) => (template_key(t, &key), container.map(|c| template_key(t, c))),
            None => (key, container.map(str::to_string)),
        };
        self.ix.refs.push(Ref {
            kind,
            key: key.clone(),
            span: name,
            decl: true,
            name: local_key(&key).to_string(),
            prefix: 0,
            scope: self.template.clone(),
            alts: &[],
        });
        self.ix.symbols.push(Symbol {
            kind,
            key,
            name,
            full,
            container,
            template: self.template.clone(),
        });
    }
    fn reference(&mut self, kind: Kind, key: String, span: Span) {
        self.reference_alt(kind, &[], key, span);
    }
    /// A name that is of `kind` or, when no name of that kind has it, of one of `alts`.
    fn reference_alt(&mut self, kind: Kind, alts: &'static [Kind], key: String, span: Span) {
        if self.here(span) {
            self.ix.refs.push(Ref {
                kind,
                name: key.clone(),
                key,
                span,
                decl: false,
                prefix: 0,
                scope: self.template.clone(),
                alts,
            });
        }
    }
    /// A use of parameter `name` of `template` (a site's binding, a `{name}`).
    fn param_use(&mut self, template: &str, name: &str, span: Span) {
        if self.here(span) {
            self.ix.refs.push(Ref {
                kind: Kind::Param,
                key: template_key(template, name),
                span,
                decl: false,
                name: name.to_string(),
                prefix: 0,
                scope: None,
                alts: &[],
            });
        }
    }
    /// The `{name}` uses inside a token of a template body (an address, a VLAN).
    fn braced_token(&mut self, t: &ast::Token) {
        let Some(template) = self.template.clone() else {
            return;
        };
        for (at, name) in braced(&t.text) {
            let start = t.span.start + at as u32;
            let span = Span {
                start,
                end: start + name.len() as u32,
                ..t.span
            };
            self.param_use(&template, name, span);
        }
    }
    /// The `{name}` uses inside a string of a template body. The offsets are the source's only
    /// when the string holds no escape (its value is then its text between the quotes).
    fn braced_text(&mut self, t: &ast::Text) {
        if t.value.len() + 2 != t.span.len() {
            return;
        }
        let token = ast::Token {
            text: t.value.clone(),
            span: Span {
                start: t.span.start + 1,
                ..t.span
            },
        };
        self.braced_token(&token);
    }
    /// The parameter uses of a statement's strings and literals.
    fn braced_stmt(&mut self, kind: &StmtKind) {
        if self.template.is_none() {
            return;
        }
        match kind {
            StmtKind::Description(t)
            | StmtKind::Owner(t)
            | StmtKind::Tag(t)
            | StmtKind::Location(t) => self.braced_text(t),
            StmtKind::Exception(e) => self.braced_text(&e.justification),
            StmtKind::Vlan(t) | StmtKind::ParkingVlan(t) => self.braced_token(t),
            StmtKind::Network(nets) => {
                for n in nets {
                    self.braced_token(&n.net);
                    if let Some(nat) = &n.nat {
                        self.braced_token(nat);
                    }
                }
            }
            StmtKind::Asset(a) => {
                for t in &a.addrs {
                    self.braced_token(t);
                }
            }
            StmtKind::Interface {
                addresses, nodes, ..
            } => {
                for t in addresses.iter().chain(nodes) {
                    self.braced_token(t);
                }
            }
            _ => {}
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
    /// A flow's or an expectation's end; an expectation's (`device_end`) may name a device or
    /// a cluster node instead of a zone.
    fn endpoint(&mut self, e: &ast::Endpoint, device_end: bool) {
        if e.address {
            return;
        }
        if e.zone.name == "self" {
            self.keyword(e.zone.span);
            return;
        }
        match &e.asset {
            Some(a) => {
                self.reference(Kind::Zone, e.zone.name.clone(), e.zone.span);
                self.reference(Kind::Asset, format!("{}.{}", e.zone.name, a.name), a.span);
            }
            None if device_end => {
                self.reference_alt(Kind::Zone, END, e.zone.name.clone(), e.zone.span)
            }
            None => self.reference(Kind::Zone, e.zone.name.clone(), e.zone.span),
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
                self.endpoint(&x.src, true);
                self.endpoint(&x.dst, true);
                self.service(&x.service);
            }
            Item::Template(t) => {
                self.lead(t.span, "template");
                self.decl(
                    Kind::Template,
                    t.name.name.clone(),
                    t.name.span,
                    t.span,
                    None,
                );
                let names = self.ix.templates.entry(t.name.name.clone()).or_default();
                for i in &t.body {
                    match i {
                        Item::Zone(z) => names.decls.insert((Kind::Zone, z.name.name.clone())),
                        Item::Conduit(c) => {
                            names.decls.insert((Kind::Conduit, c.name.name.clone()))
                        }
                        Item::Device(d) => {
                            for st in &d.stmts {
                                if let StmtKind::Cluster(nodes) = &st.kind {
                                    for n in nodes {
                                        names.decls.insert((Kind::Node, n.name.clone()));
                                    }
                                }
                            }
                            names.decls.insert((Kind::Device, d.name.name.clone()))
                        }
                        Item::Param(p) => names.params.insert(p.name.name.clone()),
                        Item::Site(s) => {
                            names
                                .sites
                                .push((s.name.name.clone(), s.template.name.clone()));
                            true
                        }
                        _ => false,
                    };
                }
                // Nested templates are not in the language; the outer template's scope holds.
                let outer = self.template.replace(t.name.name.clone());
                for i in &t.body {
                    self.item(i);
                }
                self.template = outer;
            }
            Item::Param(p) => {
                self.lead(p.span, "param");
                self.decl(Kind::Param, p.name.name.clone(), p.name.span, p.span, None);
                if let (Some(t), "name") = (&self.template, p.ty.name.as_str()) {
                    let key = template_key(t, &p.name.name);
                    self.ix.name_params.insert(key);
                }
            }
            Item::Site(s) => {
                self.lead(s.span, "site");
                self.decl(Kind::Site, s.name.name.clone(), s.name.span, s.span, None);
                self.reference(Kind::Template, s.template.name.clone(), s.template.span);
                if self.template.is_none() {
                    self.ix
                        .sites
                        .push((s.name.name.clone(), s.template.name.clone()));
                }
                self.bindings(s);
            }
        }
    }
    /// A site's `PARAM VALUE`s: each parameter of its template; in a value, the parameters of
    /// the template around a nested site, or the name a `name` parameter is given.
    fn bindings(&mut self, s: &ast::Site) {
        for b in &s.bindings {
            self.param_use(&s.template.name, &b.name.name, b.name.span);
            if self.here(b.span) {
                let value = match &b.value {
                    ast::BindValue::Text(t) => format!("\"{}\"", t.value),
                    ast::BindValue::Bare(t) => t.text.clone(),
                };
                self.ix
                    .values
                    .entry(template_key(&s.template.name, &b.name.name))
                    .or_default()
                    .push((s.name.name.clone(), value));
            }
            match &b.value {
                ast::BindValue::Text(t) => self.braced_text(t),
                ast::BindValue::Bare(t) if super::features::valid_name(&t.text) => {
                    self.reference_alt(Kind::Zone, ANY_NAME, t.text.clone(), t.span)
                }
                ast::BindValue::Bare(t) => self.braced_token(t),
            }
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
                    self.braced_stmt(&st.kind);
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
                StmtKind::Cluster(nodes) => {
                    self.keyword(st.keyword);
                    for n in nodes {
                        self.decl(Kind::Node, n.name.clone(), n.span, st.span, Some(device));
                    }
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
        self.braced_stmt(&st.kind);
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
            // `unused-ports shutdown`: an action, no zone.
            StmtKind::UnusedPorts(action) => self.keyword(action.span),
            StmtKind::Allow(a) => {
                self.scope(st.span, a.has_block);
                self.endpoint(&a.src, false);
                self.endpoint(&a.dst, false);
                for s in &a.services {
                    self.service(s);
                }
                for d in &a.via {
                    self.reference_alt(Kind::Device, &[Kind::Node], d.name.clone(), d.span);
                }
                self.stmts(&a.stmts, None);
            }
            StmtKind::Risk(r) => self.stmts(&r.stmts, None),
            StmtKind::MitigatedBy(names) => {
                for n in names {
                    self.reference_alt(Kind::Device, &[Kind::Conduit], n.name.clone(), n.span);
                }
            }
            _ => {}
        }
    }
}
