//! Resolution of services: the declared ones, then the built-in catalogue, then the inline
//! items (`tcp/502`) and bare protocol names (`tcp`) that flows and expectations use, each a
//! service of its own. The result is sorted by name, which gives each its `ServiceId`.

use super::cx::{check_text, Cx};
use super::declarations::Decls;
use crate::diagnostic::{codes, Diagnostic};
use crate::model::*;
use crate::syntax::ast;
use std::collections::BTreeMap;

/// Every service the policy can name, sorted by name, and where each is declared (`None` for
/// built-in and inline services), by id.
pub(super) fn resolve_services(cx: &mut Cx, d: &Decls) -> (Vec<Service>, Vec<Option<Span>>) {
    let mut services: BTreeMap<String, Service> = BTreeMap::new();
    for s in d.services.values() {
        services.insert(s.name.name.clone(), declared_service(cx, s));
    }
    for b in services::CATALOGUE {
        services
            .entry(b.name.to_string())
            .or_insert_with(|| Service {
                name: b.name.to_string(),
                builtin: true,
                items: b.parsed_items(),
                flags: b.parsed_flags(),
                carries: Vec::new(),
                groups: b.groups(),
                description: Some(b.description.to_string()),
            });
    }
    inline_services(cx, d, &mut services);
    let spans = services
        .values()
        .map(|s| {
            d.services
                .get(&s.name)
                .filter(|_| !s.builtin)
                .map(|decl| decl.name.span)
        })
        .collect();
    (services.into_values().collect(), spans)
}

fn declared_service(cx: &mut Cx, s: &ast::Service) -> Service {
    let mut items = Vec::new();
    for tok in &s.items {
        match ServiceItem::parse(&tok.text) {
            Ok(i) => items.push(i),
            Err(m) => {
                cx.err(Diagnostic::error(item_code(&m), m).at(tok.span, "invalid service item"))
            }
        }
    }
    let mut flags = ServiceFlags::default();
    let mut description = None;
    for st in &s.stmts {
        match &st.kind {
            ast::StmtKind::Flag(f) => {
                if !flags.set(&f.name) {
                    cx.unknown("service attribute", f, services::FLAG_NAMES);
                }
            }
            ast::StmtKind::Description(t) => {
                check_text(t, &mut cx.diags);
                cx.once(&mut description, t.value.clone(), st, "description");
            }
            _ => cx.not_here(st, "service"),
        }
    }
    if flags.encrypted && flags.cleartext {
        let at = s
            .stmts
            .iter()
            .find_map(|st| match &st.kind {
                ast::StmtKind::Flag(f) if f.name == "encrypted" => Some(f.span),
                _ => None,
            })
            .unwrap_or(s.name.span);
        cx.err(
            Diagnostic::error(
                codes::FLAGS_CONFLICT,
                format!("service `{}` is both `encrypted` and `cleartext`", s.name.name),
            )
            .at(at, "`encrypted` excludes `cleartext`")
            .help("keep `encrypted` for a protected variant (TLS, SSH, SNMPv3 with privacy), `cleartext` for the others; a service that carries both is two services"),
        );
    }
    // No flag that says what it carries: it carries what the catalogue says of its ports.
    let mut carries = Vec::new();
    if !flags.classifies() {
        let (inherited, names) = services::classify(&items);
        flags = ServiceFlags {
            one_way: flags.one_way,
            ..inherited
        };
        carries = names.into_iter().map(String::from).collect();
    }
    if flags.one_way {
        for (tok, item) in s
            .items
            .iter()
            .filter_map(|t| Some((t, ServiceItem::parse(&t.text).ok()?)))
        {
            if matches!(item, ServiceItem::Tcp { .. } | ServiceItem::AnyIp) {
                cx.err(
                    Diagnostic::error(
                        codes::ONE_WAY_TCP,
                        format!("one-way service `{}` carries TCP (`{}`)", s.name.name, tok.text),
                    )
                    .at(tok.span, "a TCP connection needs its replies")
                    .help("a one-way service allows no reply on any target; move the TCP items to a service without `one-way`"),
                );
            }
        }
    }
    Service {
        name: s.name.name.clone(),
        builtin: false,
        items,
        flags,
        carries,
        groups: Vec::new(),
        description: description.map(|d| d.0),
    }
}

/// Inline items used in flows (a conduit's, and a device's own: `allow a -> self tcp/2222`)
/// and expectations, each a service named by its text.
fn inline_services(cx: &mut Cx, d: &Decls, services: &mut BTreeMap<String, Service>) {
    let allows = || {
        d.conduits
            .values()
            .flat_map(|c| c.stmts.iter())
            .chain(d.devices.values().flat_map(|v| v.stmts.iter()))
            .filter_map(|st| match &st.kind {
                ast::StmtKind::Allow(a) => Some(a),
                _ => None,
            })
    };
    let mut inline_refs: Vec<&ast::Token> = Vec::new();
    for a in allows() {
        for s in &a.services {
            if let ast::ServiceRef::Inline(t) = s {
                inline_refs.push(t);
            }
        }
    }
    for e in &d.expects {
        if let ast::ServiceRef::Inline(t) = &e.service {
            inline_refs.push(t);
        }
    }
    // Bare protocol names (`tcp`, `udp`, `ip`, `icmpv6`) used as services mean the whole protocol.
    let mut bare: Vec<ast::Token> = Vec::new();
    let named_refs = allows()
        .flat_map(|a| a.services.iter())
        .chain(d.expects.iter().map(|e| &e.service));
    // A central firewall's 100,000 flows name a few dozen services: each name is looked at once.
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for r in named_refs {
        if let ast::ServiceRef::Named(id) = r {
            if !seen.insert(&id.name) {
                continue;
            }
            if !services.contains_key(&id.name) && ServiceItem::parse(&id.name).is_ok() {
                bare.push(ast::Token {
                    text: id.name.clone(),
                    span: id.span,
                });
            }
        }
    }
    inline_refs.extend(bare.iter());
    for t in inline_refs {
        if services.contains_key(&t.text) {
            continue;
        }
        match ServiceItem::parse(&t.text) {
            Ok(item) => {
                let (flags, carries) = services::classify(&[item]);
                services.insert(
                    t.text.clone(),
                    Service {
                        name: t.text.clone(),
                        builtin: true,
                        items: vec![item],
                        flags,
                        carries: carries.into_iter().map(String::from).collect(),
                        groups: Vec::new(),
                        description: None,
                    },
                );
            }
            Err(m) => {
                cx.err(Diagnostic::error(item_code(&m), m).at(t.span, "invalid service item"))
            }
        }
    }
}

fn item_code(msg: &str) -> &'static str {
    if msg.contains("out of range") || msg.contains("range") && msg.contains("empty") {
        codes::PORT_RANGE
    } else {
        codes::SERVICE_ITEM
    }
}
