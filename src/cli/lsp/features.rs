//! What the server answers about a position or a file: hover, definition, references, rename,
//! document and workspace symbols. Each works on the index of the analysis that holds the file
//! and the Model when the policy resolved.

use super::index::{local_key, Index, Kind, Ref, Symbol};
use super::text::{word_at, LineIndex};
use super::workspace::Analysis;
use crate::model::{services, Model};
use crate::source::{FileId, Span};
use lsp_types::{DocumentSymbol, Range, SymbolKind};
use std::fmt::Write as _;

/// The documentation page of a lint rule.
pub fn rule_url(id: &str) -> String {
    format!("https://github.com/fenceline/fenceline/blob/main/docs/rules/{id}.md")
}

/// The range of a span in its file.
pub fn range(a: &Analysis, span: Span) -> Range {
    let text = &a.sources.get(span.file).text;
    LineIndex::new(text).range(span.start as usize, span.end as usize)
}

/// What is at `offset`: a name (declaration or reference), a rule ID after `exception`, or a
/// keyword.
pub enum Target<'a> {
    Name(&'a Ref),
    Rule(String),
    Keyword(String),
}

pub fn target_at<'a>(a: &'a Analysis, file: FileId, offset: usize) -> Option<Target<'a>> {
    if let Some(r) = a.index.ref_at(file, offset as u32) {
        return Some(Target::Name(r));
    }
    let text = &a.sources.get(file).text;
    let (s, e) = word_at(text, offset)?;
    let word = &text[s..e];
    if word.contains('-') && word.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
        return Some(Target::Rule(word.to_string()));
    }
    if word.starts_with('E') && word.len() == 5 && word[1..].chars().all(|c| c.is_ascii_digit()) {
        return Some(Target::Rule(word.to_string()));
    }
    if super::grammar::is_keyword(word) {
        return Some(Target::Keyword(word.to_string()));
    }
    None
}

pub fn hover(a: &Analysis, file: FileId, offset: usize) -> Option<(String, Option<Range>)> {
    match target_at(a, file, offset)? {
        Target::Name(r) => {
            let text = match (r.kind, r.key.split_once('>')) {
                (Kind::Template | Kind::Param | Kind::Site, _) => describe(a, r.kind, &r.key)?,
                (_, Some((t, local))) => describe_templated(a, r, t, local)?,
                (_, None) => describe(a, r.kind, &r.key)?,
            };
            Some((text, Some(range(a, r.span))))
        }
        Target::Rule(id) => {
            if let Some(rule) = crate::lint::lookup(&id) {
                return Some((
                    format!(
                        "**{}** `{}` ({}, IEC 62443 {})\n\n{}\n\n[documentation]({})",
                        rule.id,
                        rule.name,
                        rule.severity.as_str(),
                        rule.reference,
                        rule.summary(),
                        rule_url(rule.id)
                    ),
                    None,
                ));
            }
            let code = crate::diagnostic::codes::lookup(&id)?;
            Some((
                format!("**{}** {}\n\n{}", code.code, code.title, code.explanation),
                None,
            ))
        }
        Target::Keyword(k) => super::grammar::keyword_doc(&k).map(|d| (d, None)),
    }
}

/// The hover text of a name a template declares: written with its site's prefix
/// (`sub-07-protection`), what the site declares, from the Model; in the template's body, the
/// declaration and the names the sites give it.
fn describe_templated(a: &Analysis, r: &Ref, template: &str, local: &str) -> Option<String> {
    if r.name != local {
        let mut s = describe(a, r.kind, &r.name)?;
        let _ = write!(s, "\n\ndeclared by template `{template}` as `{local}`");
        return Some(s);
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "**{}** `{local}` of template `{template}`",
        r.kind.word()
    );
    let sites = a.index.sites_of(template);
    if !sites.is_empty()
        && matches!(
            r.kind,
            Kind::Zone | Kind::Conduit | Kind::Device | Kind::Node
        )
    {
        let names: Vec<String> = sites
            .iter()
            .map(|site| format!("`{site}-{local}`"))
            .collect();
        let _ = writeln!(s, "\neach site declares its own: {}", names.join(", "));
    } else if sites.is_empty() {
        let _ = writeln!(s, "\nno site instantiates the template");
    }
    Some(s.trim_end().to_string())
}

/// The hover text of a declared (or built-in) name.
pub fn describe(a: &Analysis, kind: Kind, key: &str) -> Option<String> {
    let m = a.model.as_ref();
    let mut s = String::new();
    match kind {
        Kind::Zone => {
            let _ = writeln!(s, "**zone** `{key}`");
            if let Some(z) = m.and_then(|m| m.zones.iter().find(|z| z.name == key)) {
                let _ = writeln!(s, "\nlevel {}, SL-T {}", z.level, z.sl);
                if let Some(d) = &z.description {
                    let _ = writeln!(s, "\n{d}");
                }
                if !z.networks.is_empty() {
                    let nets: Vec<String> = z.networks.iter().map(|n| n.to_string()).collect();
                    let _ = writeln!(s, "\nnetworks: {}", nets.join(", "));
                }
                if let Some(v) = z.vlan {
                    let _ = writeln!(s, "\nVLAN {v}");
                }
                let flags: Vec<&str> = [(z.safety, "safety"), (z.transit, "transit")]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, n)| *n)
                    .collect();
                if !flags.is_empty() {
                    let _ = writeln!(s, "\n{}", flags.join(", "));
                }
                let assets: Vec<&str> = z.assets.iter().map(|a| a.name.as_str()).collect();
                if !assets.is_empty() {
                    let _ = writeln!(s, "\nassets: {}", assets.join(", "));
                }
                if let Some(m) = m {
                    let conduits: Vec<&str> = z
                        .conduits
                        .iter()
                        .map(|c| m.conduit(*c).name.as_str())
                        .collect();
                    if !conduits.is_empty() {
                        let _ = writeln!(s, "\nconduits: {}", conduits.join(", "));
                    }
                }
            }
        }
        Kind::Asset => {
            let _ = writeln!(s, "**asset** `{key}`");
            let (zone, name) = key.split_once('.')?;
            let found = m.and_then(|m| {
                let z = m.zones.iter().find(|z| z.name == zone)?;
                z.assets.iter().find(|a| a.name == name)
            });
            if let Some(asset) = found {
                if let Some(k) = &asset.kind {
                    let _ = writeln!(s, "\nkind {}", k.name());
                }
                if let Some(d) = &asset.description {
                    let _ = writeln!(s, "\n{d}");
                }
                let _ = writeln!(s, "\nwritten: {}", asset.written.join(", "));
                let _ = writeln!(s, "\naddresses: {}", asset.addrs);
            }
        }
        Kind::Service => {
            let _ = writeln!(s, "**service** `{key}`");
            if let Some(sv) = m.and_then(|m| m.services.iter().find(|x| x.name == key)) {
                let items: Vec<String> = sv.items.iter().map(|i| i.to_string()).collect();
                let _ = writeln!(s, "\n{}", items.join(", "));
                let flags = sv.flags.names();
                if !flags.is_empty() {
                    let _ = writeln!(s, "\nflags: {}", flags.join(", "));
                }
                if let Some(d) = &sv.description {
                    let _ = writeln!(s, "\n{d}");
                }
                if sv.builtin {
                    let _ = writeln!(s, "\nbuilt in");
                }
            } else if let Some(b) = services::builtin(key) {
                let _ = writeln!(s, "\n{} (built in)\n\n{}", b.items, b.description);
                if !b.flags.is_empty() {
                    let _ = writeln!(s, "\nflags: {}", b.flags);
                }
            }
        }
        Kind::Conduit => {
            let _ = writeln!(s, "**conduit** `{key}`");
            if let Some((m, c)) =
                m.and_then(|m| Some((m, m.conduits.iter().find(|c| c.name == key)?)))
            {
                let zones: Vec<&str> = c.zones.iter().map(|z| m.zone(*z).name.as_str()).collect();
                let _ = writeln!(s, "\nconnects {}", zones.join(", "));
                if let Some(sl) = c.sl {
                    let _ = writeln!(s, "\nSL-T {sl}");
                }
                let _ = writeln!(s, "\n{} flows", c.flows.len());
                if let Some(d) = &c.description {
                    let _ = writeln!(s, "\n{d}");
                }
            }
        }
        Kind::Device => device(&mut s, m, key),
        Kind::Node => node(&mut s, a, key),
        Kind::Template | Kind::Param | Kind::Site => fleet(&mut s, a, kind, key),
        Kind::Interface => {
            let (dev, name) = key.split_once('/')?;
            let _ = writeln!(s, "**interface** `{name}` of `{dev}`");
            if let Some((m, d)) =
                m.and_then(|m| Some((m, m.devices.iter().find(|d| d.name == dev)?)))
            {
                if let Some(i) = d.interfaces.iter().find(|i| i.name == name) {
                    let _ = writeln!(s, "\nzone `{}`", m.zone(i.zone).name);
                    if !i.addresses.is_empty() {
                        let a: Vec<String> = i.addresses.iter().map(|a| a.to_string()).collect();
                        let _ = writeln!(s, "\naddress {}", a.join(", "));
                    }
                }
            }
        }
    }
    Some(s.trim_end().to_string())
}

fn device(s: &mut String, m: Option<&Model>, key: &str) {
    let Some((m, d)) = m.and_then(|m| Some((m, m.devices.iter().find(|d| d.name == key)?))) else {
        let _ = writeln!(s, "**device** `{key}`");
        return;
    };
    let _ = writeln!(s, "**{}** `{key}`", d.kind.keyword());
    if let Some(desc) = &d.description {
        let _ = writeln!(s, "\n{desc}");
    }
    let targets: Vec<&str> = d.targets.iter().map(|t| t.name()).collect();
    if !targets.is_empty() {
        let _ = writeln!(s, "\ntarget {}", targets.join(", "));
    }
    for i in &d.interfaces {
        let _ = writeln!(
            s,
            "\n- interface `{}`: zone `{}`",
            i.name,
            m.zone(i.zone).name
        );
    }
    if !d.cluster.is_empty() {
        let _ = writeln!(s, "\ncluster {}", d.cluster.join(", "));
    }
}

/// A cluster node: its device and its own addresses, interface by interface.
fn node(s: &mut String, a: &Analysis, key: &str) {
    let m = a.model.as_ref();
    let found = m.and_then(|m| {
        m.devices
            .iter()
            .find_map(|d| Some((d, d.cluster.iter().position(|n| n == key)?)))
    });
    let device = found.map(|(d, _)| d.name.clone()).or_else(|| {
        let sym = a.index.symbol(Kind::Node, key)?;
        sym.container.as_deref().map(|c| local_key(c).to_string())
    });
    match device {
        Some(d) => {
            let _ = writeln!(s, "**cluster node** `{key}` of `{d}`");
        }
        None => {
            let _ = writeln!(s, "**cluster node** `{key}`");
        }
    }
    if let Some((d, i)) = found {
        for iface in &d.interfaces {
            if let Some(addr) = iface.nodes.get(i) {
                let _ = writeln!(s, "\n- interface `{}`: address {addr}", iface.name);
            }
        }
    }
}

/// The first line of a declaration as written (`param n number`).
fn written(a: &Analysis, kind: Kind, key: &str) -> Option<String> {
    let span = a.index.symbol(kind, key)?.full;
    let text = a
        .sources
        .get(span.file)
        .text
        .get(span.start as usize..span.end as usize)?;
    Some(text.lines().next().unwrap_or_default().trim().to_string())
}

/// A template, one of its parameters, or a site: what each declares and what the sites give.
fn fleet(s: &mut String, a: &Analysis, kind: Kind, key: &str) {
    let ix = &a.index;
    let params = |template: &str| -> Vec<&Symbol> {
        ix.symbols
            .iter()
            .filter(|p| p.kind == Kind::Param && p.template.as_deref() == Some(template))
            .collect()
    };
    match kind {
        Kind::Template => {
            let _ = writeln!(s, "**template** `{key}`");
            let ps: Vec<String> = params(key)
                .iter()
                .filter_map(|p| written(a, Kind::Param, &p.key))
                .map(|w| format!("`{w}`"))
                .collect();
            if !ps.is_empty() {
                let _ = writeln!(s, "\n{}", ps.join(", "));
            }
            let decls: Vec<String> = ix
                .template_decls(key)
                .iter()
                .map(|(k, n)| format!("{} `{n}`", k.word()))
                .collect();
            if !decls.is_empty() {
                let _ = writeln!(s, "\ndeclares {}", decls.join(", "));
            }
            let sites: Vec<String> = ix.sites_of(key).iter().map(|x| format!("`{x}`")).collect();
            if sites.is_empty() {
                let _ = writeln!(s, "\nno site instantiates the template");
            } else {
                let _ = writeln!(s, "\nsites: {}", sites.join(", "));
            }
        }
        Kind::Param => {
            let (template, name) = key.split_once('>').unwrap_or(("", key));
            let _ = writeln!(s, "**parameter** `{name}` of template `{template}`");
            if let Some(w) = written(a, kind, key) {
                let _ = writeln!(s, "\n`{w}`");
            }
            let values: Vec<String> = ix
                .param_values(key)
                .iter()
                .map(|(site, v)| format!("`{site}` {v}"))
                .collect();
            if !values.is_empty() {
                let _ = writeln!(s, "\nvalues: {}", values.join(", "));
            }
        }
        _ => {
            let name = local_key(key);
            let template = ix.site_template(key).unwrap_or_default();
            let _ = writeln!(s, "**site** `{name}` of template `{template}`");
            let values: Vec<String> = params(template)
                .iter()
                .flat_map(|p| {
                    let pname = local_key(&p.key).to_string();
                    ix.param_values(&p.key)
                        .iter()
                        .filter(|(site, _)| site == name)
                        .map(move |(_, v)| format!("{pname} {v}"))
                })
                .collect();
            if !values.is_empty() {
                let _ = writeln!(s, "\n{}", values.join(", "));
            }
            let decls: Vec<String> = ix
                .template_decls(template)
                .iter()
                .map(|(_, n)| format!("`{name}-{n}`"))
                .collect();
            if !decls.is_empty() {
                let _ = writeln!(s, "\ndeclares {}", decls.join(", "));
            }
        }
    }
}

/// The declaration of the name at `offset`.
pub fn definition(a: &Analysis, file: FileId, offset: usize) -> Option<Span> {
    match target_at(a, file, offset)? {
        Target::Name(r) => a.index.symbol(r.kind, &r.key).map(|s| s.name),
        _ => None,
    }
}

/// Every occurrence of the name at `offset` (its declaration when `with_decl`).
pub fn references(a: &Analysis, file: FileId, offset: usize, with_decl: bool) -> Vec<Span> {
    let Some(Target::Name(r)) = target_at(a, file, offset) else {
        return Vec::new();
    };
    a.index
        .occurrences(r.kind, &r.key)
        .filter(|o| with_decl || !o.decl)
        .map(|o| o.span)
        .collect()
}

/// Whether `name` is a name of the language (lowercase letter, then letters, digits, `-`).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.contains("->")
        && !name.ends_with('-')
}

/// The edits renaming the name at `offset`: (span, new text) for every occurrence, or why not.
pub fn rename(
    a: &Analysis,
    file: FileId,
    offset: usize,
    new: &str,
) -> Result<Vec<(Span, String)>, String> {
    let Some(Target::Name(r)) = target_at(a, file, offset) else {
        return Err("no zone, asset, service, conduit or device here".into());
    };
    if r.kind == Kind::Interface {
        return Err("interfaces are named by the device; rename it on the device".into());
    }
    if r.kind == Kind::Site {
        return Err(
            "a site's name prefixes every name it declares; rename the site and its prefixed names by hand"
                .into(),
        );
    }
    if !valid_name(new) {
        return Err(format!(
            "`{new}` is not a name: lowercase letters, digits and `-`, starting with a letter"
        ));
    }
    if a.index.symbol(r.kind, &r.key).is_none() {
        return Err(format!("`{}` is built in or not declared", r.name));
    }
    // A site-prefixed name (`sub-07-protection`) is the template's declaration: the site's
    // prefix stays, what follows it is renamed in the template and for every site.
    let text = &a.sources.get(r.span.file).text;
    let prefix = text
        .get(r.span.start as usize..(r.span.start + r.prefix) as usize)
        .unwrap_or_default();
    let Some(local) = new.strip_prefix(prefix).filter(|l| valid_name(l)) else {
        return Err(format!(
            "`{new}` does not start with the site's prefix `{prefix}`: the name is declared in a template, for every site"
        ));
    };
    let clash = match (r.kind, r.key.split_once('>')) {
        (Kind::Asset, _) => format!("{}.{local}", r.key.split('.').next().unwrap_or_default()),
        (_, Some((t, _))) => super::index::template_key(t, local),
        _ => local.to_string(),
    };
    // Cluster nodes and devices share their names (a node stands for its cluster).
    let taken = match r.kind {
        Kind::Device | Kind::Node => [Kind::Device, Kind::Node]
            .iter()
            .any(|k| a.index.symbol(*k, &clash).is_some()),
        k => a.index.symbol(k, &clash).is_some(),
    };
    if taken {
        return Err(format!("a {} `{new}` exists already", r.kind.word()));
    }
    let mut edits: Vec<(Span, String)> = a
        .index
        .occurrences(r.kind, &r.key)
        .map(|o| {
            let span = Span {
                start: o.span.start + o.prefix,
                ..o.span
            };
            (span, local.to_string())
        })
        .collect();
    // Renaming a zone renames the keys of its assets' references too, but their text (the
    // zone part of `zone.asset`) is the zone's own reference: nothing more to edit. Renaming a
    // device leaves `device/interface` keys, whose text is the interface's alone.
    edits.sort_by_key(|(s, _)| *s);
    edits.dedup();
    Ok(edits)
}

fn symbol_kind(k: Kind) -> SymbolKind {
    match k {
        Kind::Zone => SymbolKind::NAMESPACE,
        Kind::Asset => SymbolKind::OBJECT,
        Kind::Service => SymbolKind::INTERFACE,
        Kind::Conduit => SymbolKind::CLASS,
        Kind::Device => SymbolKind::STRUCT,
        Kind::Interface => SymbolKind::FIELD,
        Kind::Node => SymbolKind::STRUCT,
        Kind::Template => SymbolKind::MODULE,
        Kind::Param => SymbolKind::TYPE_PARAMETER,
        Kind::Site => SymbolKind::PACKAGE,
    }
}

/// A symbol's name as the outline shows it (an asset by its own name under its zone).
pub fn short_name(s: &Symbol) -> &str {
    match s.kind {
        Kind::Asset => s.key.split_once('.').map_or(s.key.as_str(), |x| x.1),
        Kind::Interface => s.key.split_once('/').map_or(s.key.as_str(), |x| x.1),
        _ => local_key(&s.key),
    }
}

/// The outline of one file: declarations with their assets and interfaces inside.
#[allow(deprecated)] // `DocumentSymbol::deprecated` has to be written out.
pub fn document_symbols(a: &Analysis, file: FileId) -> Vec<DocumentSymbol> {
    let ix: &Index = &a.index;
    let make = |s: &Symbol, children: Option<Vec<DocumentSymbol>>| DocumentSymbol {
        name: short_name(s).to_string(),
        detail: Some(s.kind.word().to_string()),
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range: range(a, s.full),
        selection_range: range(a, s.name),
        children,
    };
    ix.symbols
        .iter()
        .filter(|s| s.name.file == file && s.container.is_none())
        .map(|top| {
            let children: Vec<DocumentSymbol> = ix
                .symbols
                .iter()
                .filter(|c| c.name.file == file && c.container.as_deref() == Some(&top.key))
                .filter(|c| match top.kind {
                    Kind::Zone => c.kind == Kind::Asset,
                    Kind::Device => matches!(c.kind, Kind::Interface | Kind::Node),
                    _ => false,
                })
                .map(|c| make(c, None))
                .collect();
            make(top, (!children.is_empty()).then_some(children))
        })
        .collect()
}
