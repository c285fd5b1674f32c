//! Pass 1b, Ast -> Ast: template expansion. Every `site NAME TEMPLATE { ... }` is replaced by a
//! copy of the template's body with its parameters bound and every name the body declares
//! prefixed by `NAME-`; templates themselves leave the AST. The resolver then sees an ordinary
//! policy.
//!
//! The copy's spans point at the template's text through a file id of the instance's own
//! ([`SourceMap::add_instance`]), so a finding about an expanded declaration shows the template's
//! line and the driver names the site that made it ([`SourceMap::instantiations`]).
//!
//! Everything that does not depend on the values bound (parameter declarations, `{NAME}` uses,
//! nested sites, cycles) is checked once per template, before any expansion: a template with
//! such an error is not expanded, so one mistake gives one finding, not one per site.

use super::ast::*;
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Most statements (declarations and the statements inside them) the sites of one policy may
/// expand to: a hostile or mistaken policy (a template instantiated 10,000 times, templates that
/// double at each level of nesting) is refused before anything is copied.
pub const MAX_EXPANDED_STATEMENTS: usize = 500_000;

/// One top-level `site`: its name, template and the devices it declares (nested sites' included),
/// by their expanded names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteInfo {
    pub name: String,
    pub template: String,
    pub devices: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

/// What a parameter may stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Number,
    Vlan,
    Network,
    Address,
    Name,
    Str,
}

const TYPES: [(&str, Ty); 6] = [
    ("number", Ty::Number),
    ("vlan", Ty::Vlan),
    ("network", Ty::Network),
    ("address", Ty::Address),
    ("name", Ty::Name),
    ("string", Ty::Str),
];

impl Ty {
    fn parse(s: &str) -> Option<Ty> {
        TYPES.iter().find(|(n, _)| *n == s).map(|(_, t)| *t)
    }
    fn name(self) -> &'static str {
        TYPES
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(n, _)| *n)
            .unwrap_or("")
    }
}

/// Where a `{NAME}` is written, and so which types may stand there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Address,
    Vlan,
    Text,
    /// A bare value bound to a nested site's parameter: checked by that parameter's type.
    Value,
}

impl Slot {
    fn accepts(self, ty: Ty) -> bool {
        match self {
            Slot::Address => matches!(ty, Ty::Number | Ty::Vlan | Ty::Network | Ty::Address),
            Slot::Vlan => matches!(ty, Ty::Number | Ty::Vlan),
            Slot::Text => true,
            Slot::Value => ty != Ty::Str,
        }
    }
    fn what(self) -> &'static str {
        match self {
            Slot::Address => "an address",
            Slot::Vlan => "a VLAN",
            Slot::Text => "a string",
            Slot::Value => "a site's value",
        }
    }
}

/// A template, its file and what the static checks found.
struct Tpl {
    file: FileId,
    def: Template,
    params: Vec<(Param, Ty)>,
    /// Names the body declares, relative to the site (`lan`, `bay-1-lan` of a nested site).
    names: Names,
    ok: bool,
    size: Option<usize>,
}

#[derive(Debug, Clone, Default)]
struct Names {
    zones: BTreeSet<String>,
    devices: BTreeSet<String>,
    conduits: BTreeSet<String>,
}

/// Expands every site of the policy in place and returns the top-level sites.
pub fn expand(
    sources: &mut SourceMap,
    files: &mut [(FileId, File)],
    diags: &mut Vec<Diagnostic>,
) -> Vec<SiteInfo> {
    let mut templates: BTreeMap<String, Tpl> = BTreeMap::new();
    let mut any_site = false;
    for (fid, file) in files.iter_mut() {
        let mut kept = Vec::with_capacity(file.items.len());
        for item in std::mem::take(&mut file.items) {
            match item {
                Item::Template(t) => {
                    if let Some(prev) = templates.get(&t.name.name) {
                        diags.push(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                format!("template `{}` is declared twice", t.name.name),
                            )
                            .at(t.name.span, "declared again here")
                            .related(prev.def.name.span, "first declared here"),
                        );
                        continue;
                    }
                    templates.insert(
                        t.name.name.clone(),
                        Tpl {
                            file: *fid,
                            def: t,
                            params: Vec::new(),
                            names: Names::default(),
                            ok: true,
                            size: None,
                        },
                    );
                }
                Item::Site(s) => {
                    any_site = true;
                    kept.push(Item::Site(s));
                }
                other => {
                    outside(&other, diags);
                    kept.push(other);
                }
            }
        }
        file.items = kept;
    }
    if templates.is_empty() && !any_site {
        return Vec::new();
    }
    check_templates(&mut templates, diags);
    let mut sites = Vec::new();
    let mut seen_sites: BTreeMap<String, Span> = BTreeMap::new();
    // The limit is checked before anything is copied: past it, no site is expanded at all.
    let mut total = 0usize;
    let mut over = false;
    'count: for (_, file) in files.iter() {
        for item in &file.items {
            let Item::Site(site) = item else { continue };
            let Some(tpl) = templates.get(&site.template.name).filter(|t| t.ok) else {
                continue;
            };
            total = total.saturating_add(tpl.size.unwrap_or(usize::MAX));
            if total > MAX_EXPANDED_STATEMENTS {
                over = true;
                diags.push(
                    Diagnostic::error(
                        codes::LIMIT,
                        format!(
                            "the sites expand to more than {MAX_EXPANDED_STATEMENTS} statements"
                        ),
                    )
                    .at(site.name.span, "the limit is reached at this site")
                    .help(format!(
                        "a site of `{}` expands to {} statements; nothing is expanded; split the fleet into policies built one by one",
                        site.template.name,
                        tpl.size.map_or("too many".to_string(), |n| n.to_string())
                    )),
                );
                break 'count;
            }
        }
    }
    for (_, file) in files.iter_mut() {
        let mut out = Vec::with_capacity(file.items.len());
        for item in std::mem::take(&mut file.items) {
            let Item::Site(site) = item else {
                out.push(item);
                continue;
            };
            if let Some(prev) = seen_sites.get(&site.name.name) {
                diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE,
                        format!("site `{}` is declared twice", site.name.name),
                    )
                    .at(site.name.span, "declared again here")
                    .related(*prev, "first declared here"),
                );
                continue;
            }
            seen_sites.insert(site.name.name.clone(), site.name.span);
            let Some(tpl) = templates.get(&site.template.name) else {
                diags.push(unknown_template(&site, &templates));
                continue;
            };
            if !tpl.ok || over {
                continue;
            }
            let Some(values) = bind(&site, tpl, None, diags) else {
                continue;
            };
            let mut devices = Vec::new();
            instantiate(
                &templates,
                tpl,
                &site.name,
                site.name.name.clone(),
                values,
                sources,
                &mut out,
                &mut devices,
                diags,
            );
            devices.sort();
            sites.push(SiteInfo {
                name: site.name.name.clone(),
                template: site.template.name.clone(),
                devices,
                span: site.name.span,
            });
        }
        file.items = out;
    }
    sites.sort_by(|a, b| a.name.cmp(&b.name));
    sites
}

fn unknown_template(site: &Site, templates: &BTreeMap<String, Tpl>) -> Diagnostic {
    let d = Diagnostic::error(
        codes::UNKNOWN_TEMPLATE,
        format!("unknown template `{}`", site.template.name),
    )
    .at(site.template.span, "no template of this name");
    match did_you_mean(&site.template.name, templates.keys().map(String::as_str)) {
        Some(h) => d.help(h),
        None if templates.is_empty() => d.help(
            "declare it with `template NAME { param NAME TYPE ... }` in any file of the policy",
        ),
        None => d,
    }
}

/// `{NAME}` outside a template: nothing would replace it.
fn outside(item: &Item, diags: &mut Vec<Diagnostic>) {
    let mut check = |t: &Token| {
        if let Some(name) = refs(&t.text).next() {
            diags.push(
                Diagnostic::error(
                    codes::PARAMETER,
                    format!("parameter `{{{name}}}` outside a template"),
                )
                .at(t.span, "not inside a template")
                .help("`{NAME}` stands for a parameter of the template around it; write the value itself here"),
            );
        }
    };
    let stmts = match item {
        Item::Zone(z) => &z.stmts,
        Item::Device(d) => &d.stmts,
        _ => return,
    };
    for st in stmts {
        match &st.kind {
            StmtKind::Network(es) => es
                .iter()
                .flat_map(|e| std::iter::once(&e.net).chain(&e.nat))
                .for_each(&mut check),
            StmtKind::Vlan(t) => check(t),
            StmtKind::Asset(a) => a.addrs.iter().for_each(&mut check),
            StmtKind::Interface {
                addresses, nodes, ..
            } => addresses.iter().chain(nodes).for_each(&mut check),
            _ => {}
        }
    }
}

/// The `{NAME}` references of a token or string, in order.
fn refs(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || loop {
        let i = rest.find('{')?;
        let after = &rest[i + 1..];
        let j = after.find('}')?;
        let name = &after[..j];
        rest = &after[j + 1..];
        if is_ident(name) {
            return Some(name);
        }
    })
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase())
        && c.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.contains("->")
}

/// Replaces every `{NAME}` by its value (names not bound stay as written).
fn interpolate(text: &str, values: &BTreeMap<String, String>) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j) if is_ident(&after[..j]) => {
                match values.get(&after[..j]) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[i..i + j + 2]),
                }
                rest = &after[j + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

// ------------------------------------------------------------------ static checks

/// Parameter declarations, `{NAME}` uses, nested sites and cycles, once per template; sizes
/// for the expansion limit.
fn check_templates(templates: &mut BTreeMap<String, Tpl>, diags: &mut Vec<Diagnostic>) {
    let names: Vec<String> = templates.keys().cloned().collect();
    // Parameters first: nested sites' bindings are checked against them.
    for name in &names {
        let Some(t) = templates.get_mut(name) else {
            continue;
        };
        let mut params: Vec<(Param, Ty)> = Vec::new();
        for item in &t.def.body {
            let Item::Param(p) = item else { continue };
            if let Some((prev, _)) = params.iter().find(|(q, _)| q.name.name == p.name.name) {
                diags.push(
                    Diagnostic::error(
                        codes::PARAMETER,
                        format!("parameter `{}` is declared twice", p.name.name),
                    )
                    .at(p.name.span, "declared again here")
                    .related(prev.name.span, "first declared here"),
                );
                t.ok = false;
                continue;
            }
            match Ty::parse(&p.ty.name) {
                Some(ty) => params.push((p.clone(), ty)),
                None => {
                    let d = Diagnostic::error(
                        codes::PARAMETER,
                        format!("unknown parameter type `{}`", p.ty.name),
                    )
                    .at(p.ty.span, "not a parameter type");
                    let help = did_you_mean(&p.ty.name, TYPES.iter().map(|(n, _)| *n))
                        .unwrap_or_else(|| {
                            "a parameter is a `number`, `vlan`, `network`, `address`, `name` or `string`".into()
                        });
                    diags.push(d.help(help));
                    t.ok = false;
                }
            }
        }
        t.params = params;
    }
    cycles(templates, diags);
    // Sizes before names: a template past the limit (one that doubles at each level of nesting)
    // would declare more names than memory holds; it is never expanded, so its names are not
    // needed.
    let mut sizes = BTreeMap::new();
    for name in &names {
        let size = size_of(templates, name, 0, &mut sizes);
        if let Some(t) = templates.get_mut(name) {
            t.size = size;
        }
    }
    for name in &names {
        if templates.get(name).is_some_and(|t| t.size.is_none()) {
            continue;
        }
        let names_of = declared_names(templates, name, 0);
        if let Some(t) = templates.get_mut(name) {
            t.names = names_of;
        }
    }
    for name in &names {
        let Some(t) = templates.get(name) else {
            continue;
        };
        let mut found = Vec::new();
        check_body(t, templates, &mut found);
        if !found.is_empty() {
            diags.extend(found);
            if let Some(t) = templates.get_mut(name) {
                t.ok = false;
            }
        }
    }
    // A template whose nested site names a failed template fails too (no cascade of findings).
    loop {
        let failed: BTreeSet<String> = templates
            .iter()
            .filter(|(_, t)| !t.ok)
            .map(|(n, _)| n.clone())
            .collect();
        let mut changed = false;
        for t in templates.values_mut() {
            if t.ok
                && t.def.body.iter().any(|i| {
                    matches!(i, Item::Site(s) if failed.contains(&s.template.name)
                        || !names.contains(&s.template.name))
                })
            {
                t.ok = false;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Refuses every cycle of templates instantiating templates, naming it.
fn cycles(templates: &mut BTreeMap<String, Tpl>, diags: &mut Vec<Diagnostic>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let names: Vec<String> = templates.keys().cloned().collect();
    let mut mark: BTreeMap<String, Mark> = names.iter().map(|n| (n.clone(), Mark::New)).collect();
    let mut in_cycle: BTreeSet<String> = BTreeSet::new();
    for root in &names {
        if mark.get(root) != Some(&Mark::New) {
            continue;
        }
        // Iterative depth-first search: (template, index of its next nested site).
        let mut stack: Vec<(String, usize)> = vec![(root.clone(), 0)];
        mark.insert(root.clone(), Mark::Open);
        while let Some((cur, next)) = stack.last().cloned() {
            let sites: Vec<&Site> = templates
                .get(&cur)
                .map(|t| {
                    t.def
                        .body
                        .iter()
                        .filter_map(|i| match i {
                            Item::Site(s) => Some(s),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            let Some(site) = sites.get(next) else {
                mark.insert(cur, Mark::Done);
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            let to = site.template.name.clone();
            match mark.get(&to) {
                Some(Mark::New) => {
                    mark.insert(to.clone(), Mark::Open);
                    stack.push((to, 0));
                }
                Some(Mark::Open) => {
                    let from = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                    let mut path: Vec<String> = stack[from..]
                        .iter()
                        .map(|(n, _)| format!("`{n}`"))
                        .collect();
                    path.push(format!("`{to}`"));
                    in_cycle.extend(stack[from..].iter().map(|(n, _)| n.clone()));
                    let msg = if stack.len() - from == 1 {
                        format!("template `{to}` instantiates itself")
                    } else {
                        format!("templates instantiate each other: {}", path.join(" -> "))
                    };
                    diags.push(
                        Diagnostic::error(codes::TEMPLATE_CYCLE, msg)
                            .at(site.template.span, "this site closes the cycle")
                            .help(format!(
                                "the expansion would never end ({}); remove one of the cycle's `site` statements",
                                path.join(" -> ")
                            )),
                    );
                }
                _ => {}
            }
        }
    }
    for n in in_cycle {
        if let Some(t) = templates.get_mut(&n) {
            t.ok = false;
        }
    }
}

/// The names a template's body declares, relative to its site. Depth-bounded: cycles are
/// refused before this is used for expansion.
fn declared_names(templates: &BTreeMap<String, Tpl>, name: &str, depth: usize) -> Names {
    let mut n = Names::default();
    let Some(t) = templates.get(name) else {
        return n;
    };
    if depth > templates.len() || !t.ok {
        return n;
    }
    for item in &t.def.body {
        match item {
            Item::Zone(z) => {
                n.zones.insert(z.name.name.clone());
            }
            Item::Conduit(c) => {
                n.conduits.insert(c.name.name.clone());
            }
            Item::Device(d) => {
                n.devices.insert(d.name.name.clone());
                for st in &d.stmts {
                    if let StmtKind::Cluster(nodes) = &st.kind {
                        n.devices.extend(nodes.iter().map(|x| x.name.clone()));
                    }
                }
            }
            Item::Site(s) => {
                let inner = declared_names(templates, &s.template.name, depth + 1);
                let p = |x: &String| format!("{}-{x}", s.name.name);
                n.zones.extend(inner.zones.iter().map(p));
                n.devices.extend(inner.devices.iter().map(p));
                n.conduits.extend(inner.conduits.iter().map(p));
            }
            _ => {}
        }
    }
    n
}

/// Statements one site of the template expands to (`None`: more than the limit).
fn size_of(
    templates: &BTreeMap<String, Tpl>,
    name: &str,
    depth: usize,
    memo: &mut BTreeMap<String, Option<usize>>,
) -> Option<usize> {
    fn stmts(s: &[Stmt]) -> usize {
        s.iter()
            .map(|st| {
                1 + match &st.kind {
                    StmtKind::Asset(a) => stmts(&a.stmts),
                    StmtKind::Allow(a) => stmts(&a.stmts),
                    _ => 0,
                }
            })
            .sum()
    }
    let t = templates.get(name)?;
    if let Some(s) = memo.get(name) {
        return *s;
    }
    // A template in a cycle has no size (and is never expanded).
    if depth > templates.len() || !t.ok {
        return None;
    }
    let mut n: usize = 0;
    for item in &t.def.body {
        let add = match item {
            Item::Zone(z) => 1 + stmts(&z.stmts),
            Item::Conduit(c) => 1 + stmts(&c.stmts),
            Item::Device(d) => 1 + stmts(&d.stmts),
            Item::Expect(_) => 1,
            Item::Site(s) => match size_of(templates, &s.template.name, depth + 1, memo) {
                Some(k) => k,
                None => {
                    memo.insert(name.to_string(), None);
                    return None;
                }
            },
            _ => 0,
        };
        n = n.saturating_add(add);
        if n > MAX_EXPANDED_STATEMENTS {
            memo.insert(name.to_string(), None);
            return None;
        }
    }
    memo.insert(name.to_string(), Some(n));
    Some(n)
}

/// Every `{NAME}` of the body names a parameter of a type that may stand there; parameters do
/// not take a declaration's name; nested sites name templates and bind their parameters.
fn check_body(t: &Tpl, templates: &BTreeMap<String, Tpl>, found: &mut Vec<Diagnostic>) {
    let params: BTreeMap<&str, Ty> = t
        .params
        .iter()
        .map(|(p, ty)| (p.name.name.as_str(), *ty))
        .collect();
    for (p, _) in &t.params {
        let n = &p.name.name;
        if t.names.zones.contains(n) || t.names.devices.contains(n) || t.names.conduits.contains(n)
        {
            found.push(
                Diagnostic::error(
                    codes::PARAMETER,
                    format!("parameter `{n}` has the name of a declaration of the template"),
                )
                .at(p.name.span, "parameter")
                .help(
                    "a name in the body would mean either; rename the parameter or the declaration",
                ),
            );
        }
    }
    let mut use_ref = |text: &str, span: Span, slot: Slot, found: &mut Vec<Diagnostic>| {
        for name in refs(text) {
            match params.get(name) {
                None => {
                    let d = Diagnostic::error(
                        codes::PARAMETER,
                        format!("unknown parameter `{{{name}}}`"),
                    )
                    .at(
                        span,
                        format!("template `{}` has no parameter `{name}`", t.def.name.name),
                    );
                    found.push(match did_you_mean(name, params.keys().copied()) {
                        Some(h) => d.help(h),
                        None => d.help(format!("declare it in the template: `param {name} TYPE`")),
                    });
                }
                Some(ty) if !slot.accepts(*ty) => found.push(
                    Diagnostic::error(
                        codes::PARAMETER_TYPE,
                        format!(
                            "parameter `{name}` is a `{}` and cannot stand in {}",
                            ty.name(),
                            slot.what()
                        ),
                    )
                    .at(span, format!("`{{{name}}}` used here"))
                    .help(match slot {
                        Slot::Address => {
                            "an address takes a `number`, `vlan`, `network` or `address` parameter"
                        }
                        Slot::Vlan => "a VLAN takes a `number` or `vlan` parameter",
                        _ => "a `string` parameter stands only in a quoted string",
                    }),
                ),
                Some(_) => {}
            }
        }
    };
    for item in &t.def.body {
        match item {
            Item::Zone(z) => check_stmts(&z.stmts, &mut use_ref, found),
            Item::Conduit(c) => check_stmts(&c.stmts, &mut use_ref, found),
            Item::Device(d) => check_stmts(&d.stmts, &mut use_ref, found),
            Item::Site(s) => {
                let Some(inner) = templates.get(&s.template.name) else {
                    found.push(unknown_template(s, templates));
                    continue;
                };
                for b in &s.bindings {
                    match &b.value {
                        BindValue::Text(x) => use_ref(&x.value, x.span, Slot::Text, found),
                        BindValue::Bare(x) => use_ref(&x.text, x.span, Slot::Value, found),
                    }
                }
                bind_names(s, inner, found);
            }
            _ => {}
        }
    }
}

fn check_stmts(
    stmts: &[Stmt],
    use_ref: &mut impl FnMut(&str, Span, Slot, &mut Vec<Diagnostic>),
    found: &mut Vec<Diagnostic>,
) {
    for st in stmts {
        match &st.kind {
            StmtKind::Description(x) | StmtKind::Owner(x) => {
                use_ref(&x.value, x.span, Slot::Text, found)
            }
            StmtKind::Network(es) => {
                for e in es {
                    for t in std::iter::once(&e.net).chain(&e.nat) {
                        use_ref(&t.text, t.span, Slot::Address, found);
                    }
                }
            }
            StmtKind::Vlan(t) => use_ref(&t.text, t.span, Slot::Vlan, found),
            StmtKind::Asset(a) => {
                for t in &a.addrs {
                    use_ref(&t.text, t.span, Slot::Address, found);
                }
                check_stmts(&a.stmts, use_ref, found);
            }
            StmtKind::Exception(e) => use_ref(
                &e.justification.value,
                e.justification.span,
                Slot::Text,
                found,
            ),
            StmtKind::Allow(a) => check_stmts(&a.stmts, use_ref, found),
            StmtKind::Tag(x) | StmtKind::Location(x) => {
                use_ref(&x.value, x.span, Slot::Text, found)
            }
            StmtKind::Risk(r) => check_stmts(&r.stmts, use_ref, found),
            StmtKind::Interface {
                addresses, nodes, ..
            } => {
                for t in addresses.iter().chain(nodes) {
                    use_ref(&t.text, t.span, Slot::Address, found);
                }
            }
            _ => {}
        }
    }
}

/// A site binds every parameter of its template once, and no other (names only: the values
/// are checked by [`bind`]).
fn bind_names(site: &Site, tpl: &Tpl, found: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let params: Vec<&str> = tpl
        .params
        .iter()
        .map(|(p, _)| p.name.name.as_str())
        .collect();
    for b in &site.bindings {
        let n = b.name.name.as_str();
        if let Some(prev) = seen.get(n) {
            found.push(
                Diagnostic::error(codes::PARAMETER, format!("parameter `{n}` is bound twice"))
                    .at(b.name.span, "bound again here")
                    .related(*prev, "first bound here"),
            );
            continue;
        }
        seen.insert(n, b.name.span);
        if !params.contains(&n) {
            let d = Diagnostic::error(
                codes::PARAMETER,
                format!("template `{}` has no parameter `{n}`", tpl.def.name.name),
            )
            .at(b.name.span, "unknown parameter");
            found.push(match did_you_mean(n, params.iter().copied()) {
                Some(h) => d.help(h),
                None if params.is_empty() => d.help(format!(
                    "template `{}` takes no parameters",
                    tpl.def.name.name
                )),
                None => d.help(format!("its parameters are `{}`", params.join("`, `"))),
            });
        }
    }
    let missing: Vec<&str> = params
        .iter()
        .copied()
        .filter(|p| !seen.contains_key(p))
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        found.push(
            Diagnostic::error(
                codes::PARAMETER,
                format!(
                    "site `{}` does not bind {} of template `{}`",
                    site.name.name, list, tpl.def.name.name
                ),
            )
            .at(site.name.span, "missing parameters")
            .related(tpl.def.name.span, "template declared here")
            .help(format!(
                "bind every parameter in the site's block: `{} VALUE`",
                missing[0]
            )),
        );
    }
}

// ------------------------------------------------------------------ binding

/// A site's values by parameter, checked against their types; `None` after an error (reported).
/// `outer` resolves the values of a nested site in the enclosing instance.
fn bind(
    site: &Site,
    tpl: &Tpl,
    outer: Option<&Inst>,
    diags: &mut Vec<Diagnostic>,
) -> Option<BTreeMap<String, String>> {
    let mut found = Vec::new();
    if outer.is_none() {
        // Nested sites' names were checked with their template.
        bind_names(site, tpl, &mut found);
    }
    let mut values = BTreeMap::new();
    for b in &site.bindings {
        let Some((_, ty)) = tpl.params.iter().find(|(p, _)| p.name.name == b.name.name) else {
            continue;
        };
        let (value, quoted) = match (&b.value, outer) {
            (BindValue::Text(x), Some(o)) => (interpolate(&x.value, &o.values), true),
            (BindValue::Text(x), None) => (x.value.clone(), true),
            (BindValue::Bare(x), Some(o)) if *ty == Ty::Name && !x.text.contains('{') => {
                (o.name_ref(&x.text, Ref::Any), false)
            }
            (BindValue::Bare(x), Some(o)) => (interpolate(&x.text, &o.values), false),
            (BindValue::Bare(x), None) => (x.text.clone(), false),
        };
        let span = outer.map_or(b.value.span(), |o| o.span(b.value.span()));
        if let Err(help) = check_value(*ty, &value, quoted) {
            found.push(
                Diagnostic::error(
                    codes::PARAMETER_TYPE,
                    format!(
                        "parameter `{}` is a `{}`, not `{}`",
                        b.name.name,
                        ty.name(),
                        if quoted {
                            format!("\"{value}\"")
                        } else {
                            value.clone()
                        }
                    ),
                )
                .at(span, format!("expected a `{}`", ty.name()))
                .help(help),
            );
            continue;
        }
        values.insert(b.name.name.clone(), value);
    }
    if found.is_empty() {
        Some(values)
    } else {
        diags.extend(found);
        None
    }
}

/// Whether a value is of a parameter's type; the help otherwise.
fn check_value(ty: Ty, v: &str, quoted: bool) -> Result<(), String> {
    use std::net::IpAddr;
    if quoted != (ty == Ty::Str) {
        return Err(if quoted {
            format!("a `{}` is written without quotes", ty.name())
        } else {
            "a `string` is quoted: `\"text\"`".to_string()
        });
    }
    let ok = match ty {
        Ty::Str => true,
        Ty::Number => v.bytes().all(|b| b.is_ascii_digit()) && v.parse::<u32>().is_ok(),
        Ty::Vlan => {
            v.bytes().all(|b| b.is_ascii_digit())
                && v.parse::<u16>().is_ok_and(|n| (1..=4094).contains(&n))
        }
        Ty::Network => match v.parse::<ipnet::IpNet>() {
            Ok(n) if n.trunc() != n => {
                return Err(format!("host bits are set: the network is `{}`", n.trunc()))
            }
            Ok(_) => true,
            Err(_) => false,
        },
        Ty::Address => {
            v.parse::<IpAddr>().is_ok()
                || v.parse::<ipnet::IpNet>().is_ok()
                || v.split_once('-').is_some_and(|(a, b)| {
                    a.parse::<IpAddr>().is_ok() && b.parse::<IpAddr>().is_ok()
                })
        }
        Ty::Name => is_ident(v) && v != "self",
    };
    if ok {
        return Ok(());
    }
    Err(match ty {
        Ty::Number => "a `number` is a whole number 0-4294967295".into(),
        Ty::Vlan => "a `vlan` is 1-4094".into(),
        Ty::Network => "a `network` is written `ADDRESS/LENGTH`, e.g. `10.90.7.0/30`".into(),
        Ty::Address => "an `address` is an address, a network or a range `FIRST-LAST`".into(),
        Ty::Name => "a `name` is lowercase letters, digits and `-`, starting with a letter".into(),
        Ty::Str => String::new(),
    })
}

// ------------------------------------------------------------------ expansion

/// One instance being expanded.
struct Inst<'t> {
    prefix: String,
    file: FileId,
    values: BTreeMap<String, String>,
    names: &'t Names,
    /// The template's `name` parameters (bound values are full names already).
    name_params: BTreeSet<String>,
}

#[derive(Clone, Copy)]
enum Ref {
    Zone,
    Device,
    /// A flow's or expectation's end: a zone, else a device.
    Any,
    Service,
    /// A risk's `mitigated-by`: a device or a conduit.
    Mitigation,
}

impl Inst<'_> {
    fn span(&self, s: Span) -> Span {
        Span {
            file: self.file,
            ..s
        }
    }
    fn decl(&self, id: &mut Ident) {
        id.span = self.span(id.span);
        id.name = format!("{}-{}", self.prefix, id.name);
    }
    /// A name as the body means it: a `name` parameter's value, the body's own declaration
    /// (prefixed), else the policy's name unchanged.
    fn name_ref(&self, name: &str, kind: Ref) -> String {
        if self.name_params.contains(name) {
            if let Some(v) = self.values.get(name) {
                return v.clone();
            }
        }
        let own = match kind {
            Ref::Zone => self.names.zones.contains(name),
            Ref::Device => self.names.devices.contains(name),
            Ref::Any => self.names.zones.contains(name) || self.names.devices.contains(name),
            Ref::Mitigation => {
                self.names.devices.contains(name) || self.names.conduits.contains(name)
            }
            Ref::Service => false,
        };
        if own {
            format!("{}-{name}", self.prefix)
        } else {
            name.to_string()
        }
    }
    fn refer(&self, id: &mut Ident, kind: Ref) {
        id.span = self.span(id.span);
        if id.name != "self" {
            id.name = self.name_ref(&id.name, kind);
        }
    }
    fn token(&self, t: &mut Token) {
        t.span = self.span(t.span);
        t.text = interpolate(&t.text, &self.values);
    }
    fn text(&self, t: &mut Text) {
        t.span = self.span(t.span);
        t.value = interpolate(&t.value, &self.values);
    }
    fn endpoint(&self, e: &mut Endpoint) {
        e.span = self.span(e.span);
        if e.address {
            // Not a name: no site prefix; the resolver reports it.
            e.zone.span = self.span(e.zone.span);
            e.zone.name = interpolate(&e.zone.name, &self.values);
            return;
        }
        self.refer(&mut e.zone, Ref::Any);
        if let Some(a) = &mut e.asset {
            a.span = self.span(a.span);
        }
    }
    fn service(&self, s: &mut ServiceRef) {
        match s {
            ServiceRef::Named(i) => self.refer(i, Ref::Service),
            ServiceRef::Inline(t) => t.span = self.span(t.span),
        }
    }

    fn stmts(&self, stmts: &mut [Stmt]) {
        for st in stmts {
            st.span = self.span(st.span);
            st.keyword = self.span(st.keyword);
            match &mut st.kind {
                StmtKind::Description(x) | StmtKind::Owner(x) => self.text(x),
                StmtKind::Level(t) | StmtKind::Vlan(t) | StmtKind::Sync(t) => self.token(t),
                StmtKind::ParkingVlan(t) => self.token(t),
                StmtKind::SlTarget(SlTarget::Single(t)) => self.token(t),
                StmtKind::SlTarget(SlTarget::Vector { entries, span }) => {
                    *span = self.span(*span);
                    for (f, n) in entries {
                        f.span = self.span(f.span);
                        n.span = self.span(n.span);
                    }
                }
                StmtKind::Network(es) => {
                    for e in es {
                        self.token(&mut e.net);
                        if let Some(n) = &mut e.nat {
                            self.token(n);
                        }
                    }
                }
                StmtKind::Asset(a) => {
                    a.name.span = self.span(a.name.span);
                    a.addrs.iter_mut().for_each(|t| self.token(t));
                    self.stmts(&mut a.stmts);
                }
                StmtKind::Safety
                | StmtKind::Transit
                | StmtKind::Log
                | StmtKind::Island
                | StmtKind::Inspect => {}
                StmtKind::Exception(e) => {
                    e.rule.span = self.span(e.rule.span);
                    self.text(&mut e.justification);
                    if let Some(u) = &mut e.until {
                        u.span = self.span(u.span);
                    }
                }
                StmtKind::Kind(i) | StmtKind::Flag(i) | StmtKind::UnusedPorts(i) => {
                    i.span = self.span(i.span)
                }
                StmtKind::Target(ids) => ids.iter_mut().for_each(|i| i.span = self.span(i.span)),
                StmtKind::Connects(zs) => zs.iter_mut().for_each(|z| self.refer(z, Ref::Zone)),
                StmtKind::Allow(a) => {
                    self.endpoint(&mut a.src);
                    self.endpoint(&mut a.dst);
                    a.services.iter_mut().for_each(|s| self.service(s));
                    a.via.iter_mut().for_each(|d| self.refer(d, Ref::Device));
                    self.stmts(&mut a.stmts);
                }
                StmtKind::Interface {
                    name,
                    zone,
                    addresses,
                    nodes,
                } => {
                    name.span = self.span(name.span);
                    self.refer(zone, Ref::Zone);
                    addresses.iter_mut().for_each(|t| self.token(t));
                    nodes.iter_mut().for_each(|t| self.token(t));
                }
                StmtKind::Cluster(ns) => ns.iter_mut().for_each(|n| self.decl(n)),
                StmtKind::Revision(x)
                | StmtKind::ApprovedBy(x)
                | StmtKind::RiskMatrix(x)
                | StmtKind::Tag(x)
                | StmtKind::Location(x) => self.text(x),
                StmtKind::Designation(i) => i.span = self.span(i.span),
                StmtKind::Likelihood(t) | StmtKind::Consequence(t) => self.token(t),
                StmtKind::Frs(fs) => fs.iter_mut().for_each(|f| f.span = self.span(f.span)),
                StmtKind::MitigatedBy(ns) => {
                    ns.iter_mut().for_each(|n| self.refer(n, Ref::Mitigation))
                }
                StmtKind::Risk(r) => {
                    r.name.span = self.span(r.name.span);
                    self.stmts(&mut r.stmts);
                }
                StmtKind::Capability { entries, span } => {
                    *span = self.span(*span);
                    for (f, n) in entries {
                        f.span = self.span(f.span);
                        n.span = self.span(n.span);
                    }
                }
                StmtKind::Ports { name, mode, .. } => {
                    name.span = self.span(name.span);
                    match mode {
                        PortMode::Access(z) => self.refer(z, Ref::Zone),
                        PortMode::Trunk(zs) => zs.iter_mut().for_each(|z| self.refer(z, Ref::Zone)),
                    }
                }
            }
        }
    }
}

/// Appends one instance of `tpl` to `out` (nested sites expanded in place).
#[allow(clippy::too_many_arguments)]
fn instantiate(
    templates: &BTreeMap<String, Tpl>,
    tpl: &Tpl,
    at: &Ident,
    prefix: String,
    values: BTreeMap<String, String>,
    sources: &mut SourceMap,
    out: &mut Vec<Item>,
    devices: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let file = sources.add_instance(tpl.file, at.span, prefix.clone());
    let inst = Inst {
        prefix,
        file,
        values,
        names: &tpl.names,
        name_params: tpl
            .params
            .iter()
            .filter(|(_, ty)| *ty == Ty::Name)
            .map(|(p, _)| p.name.name.clone())
            .collect(),
    };
    for item in &tpl.def.body {
        match item {
            Item::Zone(z) => {
                let mut z = z.clone();
                z.span = inst.span(z.span);
                inst.decl(&mut z.name);
                inst.stmts(&mut z.stmts);
                out.push(Item::Zone(z));
            }
            Item::Conduit(c) => {
                let mut c = c.clone();
                c.span = inst.span(c.span);
                inst.decl(&mut c.name);
                inst.stmts(&mut c.stmts);
                out.push(Item::Conduit(c));
            }
            Item::Device(d) => {
                let mut d = d.clone();
                d.span = inst.span(d.span);
                inst.decl(&mut d.name);
                inst.stmts(&mut d.stmts);
                devices.push(d.name.name.clone());
                out.push(Item::Device(d));
            }
            Item::Expect(e) => {
                let mut e = e.clone();
                e.span = inst.span(e.span);
                inst.endpoint(&mut e.src);
                inst.endpoint(&mut e.dst);
                inst.service(&mut e.service);
                out.push(Item::Expect(e));
            }
            Item::Site(s) => {
                let Some(inner) = templates.get(&s.template.name) else {
                    continue;
                };
                // A value of the wrong type once the outer values are put in is reported at the
                // nested site, in this instance.
                let Some(values) = bind(s, inner, Some(&inst), diags) else {
                    continue;
                };
                let mut name = s.name.clone();
                name.span = inst.span(name.span);
                instantiate(
                    templates,
                    inner,
                    &name,
                    format!("{}-{}", inst.prefix, s.name.name),
                    values,
                    sources,
                    out,
                    devices,
                    diags,
                );
            }
            _ => {}
        }
    }
}
