//! The first step of resolution: every declaration of every file gathered by kind and name
//! (a name declared twice is reported here), and the policy header resolved.

use super::cx::{check_text, Cx};
use crate::diagnostic::{codes, Diagnostic};
use crate::model::*;
use crate::syntax::ast;
use crate::syntax::loader::Loaded;
use std::collections::BTreeMap;

#[derive(Default)]
pub(super) struct Decls<'a> {
    pub(super) policy: Vec<&'a ast::Policy>,
    pub(super) zones: BTreeMap<String, &'a ast::Zone>,
    pub(super) services: BTreeMap<String, &'a ast::Service>,
    pub(super) conduits: BTreeMap<String, &'a ast::Conduit>,
    pub(super) devices: BTreeMap<String, &'a ast::Device>,
    pub(super) expects: Vec<&'a ast::Expect>,
}

fn declare<'a, T>(
    cx: &mut Cx,
    map: &mut BTreeMap<String, &'a T>,
    name: &ast::Ident,
    item: &'a T,
    what: &str,
    span_of: impl Fn(&T) -> Span,
) {
    if name.name == "self" {
        cx.err(super::own::reserved(name.span, what));
    }
    if let Some(prev) = map.get(&name.name) {
        let prev_span = span_of(prev);
        cx.err(
            Diagnostic::error(
                codes::DUPLICATE,
                format!("{what} `{}` is declared twice", name.name),
            )
            .at(name.span, "declared again here")
            .related(prev_span, "first declared here"),
        );
    } else {
        map.insert(name.name.clone(), item);
    }
}

/// Every declaration of every file, by kind and name.
pub(super) fn gather<'a>(cx: &mut Cx, loaded: &'a Loaded) -> Decls<'a> {
    let mut d = Decls::default();
    for (_, file) in &loaded.files {
        for item in &file.items {
            match item {
                ast::Item::Include(_) => {}
                ast::Item::Policy(p) => d.policy.push(p),
                ast::Item::Zone(z) => {
                    declare(cx, &mut d.zones, &z.name, z, "zone", |z| z.name.span)
                }
                ast::Item::Service(s) => {
                    if services::builtin(&s.name.name).is_some() {
                        cx.err(
                            Diagnostic::error(codes::DUPLICATE, format!("service `{}` is built in", s.name.name))
                                .at(s.name.span, "a built-in service has this name")
                                .help("choose another name; `fenceline explain services` lists the catalogue"),
                        );
                    } else {
                        declare(cx, &mut d.services, &s.name, s, "service", |s| s.name.span)
                    }
                }
                ast::Item::Conduit(c) => {
                    declare(cx, &mut d.conduits, &c.name, c, "conduit", |c| c.name.span)
                }
                ast::Item::Device(v) => {
                    declare(cx, &mut d.devices, &v.name, v, "device", |v| v.name.span)
                }
                ast::Item::Expect(e) => d.expects.push(e),
                // Expanded before resolving (`syntax::expand`): none is left here.
                ast::Item::Template(_) | ast::Item::Param(_) | ast::Item::Site(_) => {}
            }
        }
    }
    d
}

/// The policy header: one declaration, in the root file; and where its name is written.
pub(super) fn resolve_policy(cx: &mut Cx, decls: &[&ast::Policy]) -> (PolicyInfo, Option<Span>) {
    let mut info = PolicyInfo {
        name: String::new(),
        description: None,
        owner: None,
    };
    let mut span = None;
    for (i, p) in decls.iter().enumerate() {
        if i > 0 {
            cx.err(
                Diagnostic::error(codes::POLICY_DECL, "a policy is declared twice")
                    .at(p.name.span, "second policy declaration")
                    .related(decls[0].name.span, "first declared here"),
            );
            continue;
        }
        if p.span.file != crate::source::FileId(0) {
            cx.err(
                Diagnostic::error(
                    codes::POLICY_DECL,
                    "the policy is declared in an included file",
                )
                .at(p.name.span, "policy declaration outside the root file")
                .help("move `policy` to the root file that `check` and `build` are given"),
            );
        }
        check_text(&p.name, &mut cx.diags);
        info.name = p.name.value.clone();
        span = Some(p.name.span);
        let mut desc = None;
        let mut owner = None;
        for st in &p.stmts {
            match &st.kind {
                ast::StmtKind::Description(t) => {
                    check_text(t, &mut cx.diags);
                    cx.once(&mut desc, t.value.clone(), st, "description");
                }
                ast::StmtKind::Owner(t) => {
                    check_text(t, &mut cx.diags);
                    cx.once(&mut owner, t.value.clone(), st, "owner");
                }
                // The approval block and the matrix: `resolve::assessment` reads them.
                ast::StmtKind::Revision(_)
                | ast::StmtKind::ApprovedBy(_)
                | ast::StmtKind::RiskMatrix(_) => {}
                _ => cx.not_here(st, "policy"),
            }
        }
        info.description = desc.map(|d| d.0);
        info.owner = owner.map(|d| d.0);
    }
    (info, span)
}
