//! Resolution of the assessment facts (IEC 62443-3-2): the policy's approval block and risk
//! matrix, each zone's designations, tags, location and risks, each conduit's risks, each
//! device's and asset's capability.
//! The other parts of resolution skip these statements; this one reads them after devices and
//! conduits are known, since a risk's `mitigated-by` names them. Whether a risk's scores lie on
//! the policy's matrix is checked where the matrix is known, with `fenceline.toml`
//! (`lint::risk`).

use super::cx::{check_text, Cx};
use super::declarations::Decls;
use crate::diagnostic::{codes, Diagnostic};
use crate::model::assessment::*;
use crate::model::{ConduitId, DeviceId, Fr};
use crate::syntax::ast;

/// `capability` in a block that has no product: a zone, a conduit.
pub(super) fn misplaced_capability(cx: &mut Cx, st: &ast::Stmt, block: &str) {
    cx.err(
        Diagnostic::error(
            codes::CAPABILITY,
            format!("`capability` is not allowed in a {block}"),
        )
        .at(st.keyword, format!("a {block} has no capability of its own"))
        .help("`capability` is the SL-C of a product (IEC 62443-4-2): declare it in the block of the `firewall`, `router` or `switch` that enforces the zone's conduits, or of an `asset`; the report derives the zone's SL-C and SL-A from them"),
    );
}

/// `capability` after a switch port or an interface on the same line reads as the port's or
/// the interface's, which have none (the grammar takes it as the device's: a statement may
/// follow another on one line). Reported, and not taken as the device's.
fn on_its_line(cx: &mut Cx, prev: &ast::Stmt, st: &ast::Stmt) -> bool {
    let what = match prev.kind {
        ast::StmtKind::Ports { .. } => "a switch port",
        ast::StmtKind::Interface { .. } => "an interface",
        _ => return false,
    };
    if prev.span.file != st.keyword.file || prev.span.end > st.keyword.start {
        return false;
    }
    let between = crate::source::Span::new(
        prev.span.file,
        prev.span.end as usize,
        st.keyword.start as usize,
    );
    if cx.loaded.sources.text(between).contains('\n') {
        return false;
    }
    cx.err(
        Diagnostic::error(codes::CAPABILITY, format!("`capability` is not allowed on {what}"))
            .at(st.keyword, format!("written on the line of {what}"))
            .related(prev.keyword, format!("{what} takes no capability"))
            .help("`capability` is the SL-C of the whole product: write it on a line of its own in the device's block"),
    );
    true
}

/// A `capability { FR N ... }` vector: each FR at most once, each level 0-4; FRs left out are
/// not declared.
fn capability(cx: &mut Cx, entries: &[(ast::Ident, ast::Token)]) -> Capability {
    let mut c = Capability::default();
    for (fr, tok) in entries {
        let Some(f) = Fr::parse(&fr.name) else {
            let names: Vec<&str> = Fr::ALL.iter().map(|f| f.name()).collect();
            cx.unknown("foundational requirement", fr, &names);
            continue;
        };
        if c.0[f as usize].is_some() {
            cx.err(
                Diagnostic::error(
                    codes::REPEATED,
                    format!("`{}` given twice in the capability", fr.name),
                )
                .at(fr.span, "given again"),
            );
            continue;
        }
        match tok.text.parse::<u8>() {
            Ok(v @ 0..=4) => c.0[f as usize] = Some(v),
            _ => cx.err(
                Diagnostic::error(
                    codes::CAPABILITY,
                    format!("capability level `{}` is not 0-4", tok.text),
                )
                .at(tok.span, "SL-C must be 0, 1, 2, 3 or 4")
                .help("0 says the product meets no requirement of the FR; leave an FR out when its SL-C is not known"),
            ),
        }
    }
    c
}

/// A name of `mitigated-by`: a device or a conduit, never a name that is both.
fn mitigation(
    cx: &mut Cx,
    d: &Decls,
    device_names: &[&str],
    conduit_names: &[&str],
    n: &ast::Ident,
) -> Option<Mitigation> {
    let device = d.devices.keys().position(|k| *k == n.name).map(DeviceId);
    let conduit = d.conduits.keys().position(|k| *k == n.name).map(ConduitId);
    match (device, conduit) {
        (Some(_), Some(_)) => {
            cx.err(
                Diagnostic::error(
                    codes::MITIGATION,
                    format!("`{}` is both a device and a conduit", n.name),
                )
                .at(n.span, "names a device and a conduit")
                .help("`mitigated-by` takes device and conduit names; rename the device or the conduit so that the risk names one of them"),
            );
            None
        }
        (Some(dev), None) => Some(Mitigation::Device(dev)),
        (None, Some(c)) => Some(Mitigation::Conduit(c)),
        (None, None) => {
            let known: Vec<&str> = device_names.iter().chain(conduit_names).copied().collect();
            cx.unknown("device or conduit", n, &known);
            None
        }
    }
}

/// A score as written: a whole number; whether it lies on the matrix is checked later (E0051).
fn score(cx: &mut Cx, tok: &ast::Token) -> Option<u8> {
    match tok.text.parse::<u8>() {
        Ok(v) if v >= 1 => Some(v),
        _ => {
            cx.err(
                Diagnostic::error(
                    codes::RISK_SCORE,
                    format!("risk score `{}` is outside the matrix", tok.text),
                )
                .at(tok.span, "scores start at 1")
                .help("likelihood and consequence are rows and columns of the policy's risk matrix, numbered from 1"),
            );
            None
        }
    }
}

fn risk(
    cx: &mut Cx,
    d: &Decls,
    names: (&[&str], &[&str]),
    r: &ast::Risk,
) -> Option<(Risk, RiskSpans)> {
    let mut description = None;
    let mut likelihood = None;
    let mut consequence = None;
    let mut frs: Option<(Vec<Fr>, _)> = None;
    let mut mitigated = Vec::new();
    let mut ok = true;
    for st in &r.stmts {
        match &st.kind {
            ast::StmtKind::Description(t) => {
                check_text(t, &mut cx.diags);
                cx.once(&mut description, t.value.clone(), st, "description");
            }
            ast::StmtKind::Likelihood(t) => match score(cx, t) {
                Some(v) => cx.once(&mut likelihood, (v, t.span), st, "likelihood"),
                None => ok = false,
            },
            ast::StmtKind::Consequence(t) => match score(cx, t) {
                Some(v) => cx.once(&mut consequence, (v, t.span), st, "consequence"),
                None => ok = false,
            },
            ast::StmtKind::Frs(list) => {
                let mut v = Vec::new();
                for f in list {
                    match Fr::parse(&f.name) {
                        Some(fr) if v.contains(&fr) => cx.err(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                format!("`{}` listed twice", f.name),
                            )
                            .at(f.span, "listed again"),
                        ),
                        Some(fr) => v.push(fr),
                        None => {
                            let names: Vec<&str> = Fr::ALL.iter().map(|f| f.name()).collect();
                            cx.unknown("foundational requirement", f, &names);
                            ok = false;
                        }
                    }
                }
                v.sort();
                cx.once(&mut frs, v, st, "fr");
            }
            ast::StmtKind::MitigatedBy(list) => {
                for n in list {
                    if let Some(m) = mitigation(cx, d, names.0, names.1, n) {
                        if !mitigated.iter().any(|(x, _)| *x == m) {
                            mitigated.push((m, n.span));
                        }
                    }
                }
            }
            _ => cx.not_here(st, "risk"),
        }
    }
    let mut missing = Vec::new();
    if likelihood.is_none() && ok {
        missing.push("`likelihood`");
    }
    if consequence.is_none() && ok {
        missing.push("`consequence`");
    }
    if frs.is_none() {
        missing.push("`fr`");
    }
    if !missing.is_empty() {
        cx.err(
            Diagnostic::error(
                codes::RISK,
                format!("risk `{}` lacks {}", r.name.name, missing.join(" and ")),
            )
            .at(r.name.span, "incomplete risk")
            .help("a risk needs `likelihood N`, `consequence N` (scores on the policy's risk matrix) and `fr` with the foundational requirements it bears on, such as `fr iac, rdf`"),
        );
        return None;
    }
    let ((l, lspan), _) = likelihood?;
    let ((c, cspan), _) = consequence?;
    let (frs, _) = frs?;
    Some((
        Risk {
            name: r.name.name.clone(),
            description: description.map(|d| d.0),
            likelihood: l,
            consequence: c,
            frs,
            mitigated_by: mitigated.iter().map(|(m, _)| *m).collect(),
        },
        RiskSpans {
            name: r.name.span,
            likelihood: Some(lspan),
            consequence: Some(cspan),
            mitigated_by: mitigated.iter().map(|(_, s)| *s).collect(),
        },
    ))
}

/// The `risk` blocks of a zone or a conduit (`what` is `zone `NAME``, for the messages):
/// names unique in the block, sorted by name.
fn risks(
    cx: &mut Cx,
    d: &Decls,
    names: (&[&str], &[&str]),
    stmts: &[ast::Stmt],
    what: &str,
) -> (Vec<Risk>, Vec<RiskSpans>) {
    let mut risks: Vec<(Risk, RiskSpans)> = Vec::new();
    let mut seen: Vec<(&str, crate::source::Span)> = Vec::new();
    for st in stmts {
        let ast::StmtKind::Risk(r) = &st.kind else {
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == r.name.name) {
            let first = *first;
            cx.err(
                Diagnostic::error(
                    codes::DUPLICATE,
                    format!("risk `{}` is declared twice in {what}", r.name.name),
                )
                .at(r.name.span, "declared again here")
                .related(first, "first declared here"),
            );
            continue;
        }
        seen.push((&r.name.name, r.name.span));
        if let Some(x) = risk(cx, d, names, r) {
            risks.push(x);
        }
    }
    risks.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    risks.into_iter().unzip()
}

/// The `capability` of each asset of a zone that declares one, by asset name.
fn asset_capabilities(cx: &mut Cx, z: &ast::Zone) -> Vec<(String, Capability)> {
    let mut out: Vec<(String, Capability)> = Vec::new();
    for st in &z.stmts {
        let ast::StmtKind::Asset(a) = &st.kind else {
            continue;
        };
        // A second asset of the name is E0003 already; its capability is not taken.
        if out.iter().any(|(n, _)| *n == a.name.name) {
            continue;
        }
        let mut cap = None;
        for ast in &a.stmts {
            if let ast::StmtKind::Capability { entries, .. } = &ast.kind {
                let c = capability(cx, entries);
                cx.once(&mut cap, c, ast, "capability");
            }
        }
        if let Some((c, _)) = cap {
            out.push((a.name.name.clone(), c));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn zone(
    cx: &mut Cx,
    d: &Decls,
    names: (&[&str], &[&str]),
    z: &ast::Zone,
) -> (ZoneAssessment, Vec<RiskSpans>) {
    let mut out = ZoneAssessment::default();
    let mut location = None;
    for st in &z.stmts {
        match &st.kind {
            ast::StmtKind::Designation(id) => match Designation::parse(&id.name) {
                Some(des) if !out.designations.contains(&des) => out.designations.push(des),
                Some(_) => cx.err(
                    Diagnostic::error(
                        codes::REPEATED,
                        format!("designation `{}` given twice", id.name),
                    )
                    .at(id.span, "given again"),
                ),
                None => {
                    let known: Vec<&str> = Designation::ALL.iter().map(|d| d.name()).collect();
                    let mut diag = Diagnostic::error(
                        codes::DESIGNATION,
                        format!("unknown designation `{}`", id.name),
                    )
                    .at(id.span, "not a designation");
                    diag = diag.help(
                        crate::diagnostic::did_you_mean(&id.name, known.iter().copied())
                            .map(|h| format!("{h} (a zone is designated `wireless`, `external` or `temporary`, ZCR 3.4-3.6)"))
                            .unwrap_or_else(|| "a zone is designated `wireless`, `external` or `temporary` (ZCR 3.4-3.6); use `tag` for any other label".into()),
                    );
                    cx.err(diag);
                }
            },
            ast::StmtKind::Tag(t) => {
                check_text(t, &mut cx.diags);
                if !out.tags.contains(&t.value) {
                    out.tags.push(t.value.clone());
                }
            }
            ast::StmtKind::Location(t) => {
                check_text(t, &mut cx.diags);
                cx.once(&mut location, t.value.clone(), st, "location");
            }
            _ => {}
        }
    }
    out.designations.sort();
    out.location = location.map(|l| l.0);
    let (risks, spans) = risks(cx, d, names, &z.stmts, &format!("zone `{}`", z.name.name));
    out.risks = risks;
    out.asset_capabilities = asset_capabilities(cx, z);
    (out, spans)
}

/// Every assessment fact, zones and devices in the Model's order (their names' order).
pub(super) fn resolve(cx: &mut Cx, d: &Decls) -> (Assessment, AssessmentSpans) {
    let mut a = Assessment::default();
    let mut spans = AssessmentSpans::default();
    if let Some(p) = d.policy.first() {
        let mut revision = None;
        let mut approved = None;
        let mut matrix = None;
        for st in &p.stmts {
            match &st.kind {
                ast::StmtKind::Revision(t) => {
                    check_text(t, &mut cx.diags);
                    cx.once(&mut revision, t.value.clone(), st, "revision");
                }
                ast::StmtKind::ApprovedBy(t) => {
                    check_text(t, &mut cx.diags);
                    cx.once(&mut approved, t.value.clone(), st, "approved-by");
                }
                ast::StmtKind::RiskMatrix(t) => {
                    cx.once(&mut matrix, (t.value.clone(), t.span), st, "risk-matrix");
                }
                _ => {}
            }
        }
        a.revision = revision.map(|r| r.0);
        a.approved_by = approved.map(|r| r.0);
        if let Some(((name, span), _)) = matrix {
            a.risk_matrix = Some(name);
            spans.risk_matrix = Some(span);
        }
    }
    let device_names: Vec<&str> = d.devices.keys().map(String::as_str).collect();
    let conduit_names: Vec<&str> = d.conduits.keys().map(String::as_str).collect();
    for z in d.zones.values() {
        let (za, rs) = zone(cx, d, (&device_names, &conduit_names), z);
        a.zones.push(za);
        spans.risks.push(rs);
    }
    for c in d.conduits.values() {
        let what = format!("conduit `{}`", c.name.name);
        let (risks, rs) = risks(cx, d, (&device_names, &conduit_names), &c.stmts, &what);
        a.conduits.push(ConduitAssessment { risks });
        spans.conduit_risks.push(rs);
    }
    for v in d.devices.values() {
        let mut cap = None;
        for (i, st) in v.stmts.iter().enumerate() {
            if let ast::StmtKind::Capability { entries, .. } = &st.kind {
                if let Some(prev) = i.checked_sub(1).and_then(|p| v.stmts.get(p)) {
                    if on_its_line(cx, prev, st) {
                        continue;
                    }
                }
                let c = capability(cx, entries);
                cx.once(&mut cap, c, st, "capability");
            }
        }
        spans.capabilities.push(cap.as_ref().map(|c| c.1));
        a.capabilities.push(cap.map(|c| c.0));
    }
    (a, spans)
}
