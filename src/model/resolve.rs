//! Resolution: every name to its declaration, every token to its value, every rule of the
//! language checked. All findings of the pass are collected; resolution goes on after an error
//! wherever the rest still has a meaning.

use super::*;
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::lint::rules::fr5_001_flow_outside_conduit::RULE as FLOW_OUTSIDE_CONDUIT;
use crate::syntax::ast;
use crate::syntax::loader::Loaded;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The result of resolution: a Model when the policy has a meaning, and every finding.
pub struct Resolved {
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Longest Linux interface name (IFNAMSIZ - 1).
pub const MAX_LINUX_IFNAME: usize = 15;
/// VLAN used for unused switch ports and trunk native VLANs when the policy names none.
pub const DEFAULT_PARKING_VLAN: u16 = 999;

/// One parsed address token.
enum AddrItem {
    Net(IpNet),
    Range(IpAddr, IpAddr),
}

fn parse_addr(tok: &ast::Token, allow_range: bool) -> Result<AddrItem, Diagnostic> {
    let t = tok.text.as_str();
    let bad =
        |msg: String| Diagnostic::error(codes::ADDRESS, msg).at(tok.span, "not a valid address");
    if let Some((a, b)) = t.split_once('-') {
        if !allow_range {
            return Err(bad(format!("`{t}`: a range is not allowed here"))
                .help("write a network such as `10.0.0.0/24`"));
        }
        let lo: IpAddr = a
            .parse()
            .map_err(|_| bad(format!("`{a}` is not an IP address")))?;
        let hi: IpAddr = b
            .parse()
            .map_err(|_| bad(format!("`{b}` is not an IP address")))?;
        if lo.is_ipv4() != hi.is_ipv4() {
            return Err(bad(format!("range `{t}` mixes IPv4 and IPv6")));
        }
        if lo > hi {
            return Err(bad(format!(
                "range `{t}` is empty: its first address is after its last"
            ))
            .help(format!("write `{hi}-{lo}`")));
        }
        return Ok(AddrItem::Range(lo, hi));
    }
    if t.contains('/') {
        let net: IpNet = t.parse().map_err(|_| {
            bad(format!("`{t}` is not a network"))
                .help("write `ADDRESS/LENGTH` with a length up to 32 (IPv4) or 128 (IPv6)")
        })?;
        if net.addr() != net.network() {
            let fixed = net.trunc();
            return Err(Diagnostic::error(
                codes::HOST_BITS,
                format!("network `{t}` has host bits set"),
            )
            .at(tok.span, format!("firewalls would read this as `{fixed}`"))
            .help(format!(
                "write `{fixed}`, or `{}` for the single address",
                net.addr()
            )));
        }
        return Ok(AddrItem::Net(net));
    }
    let ip: IpAddr = t
        .parse()
        .map_err(|_| bad(format!("`{t}` is not an IP address")))?;
    Ok(AddrItem::Net(IpNet::from(ip)))
}

fn add_item(set: &mut AddrSet, item: &AddrItem) {
    match item {
        AddrItem::Net(n) => set.add_net(*n),
        AddrItem::Range(a, b) => set.add_range(*a, *b),
    }
}

fn valid_date(s: &str) -> bool {
    let p: Vec<&str> = s.split('-').collect();
    if p.len() != 3 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        p[0].parse::<u32>(),
        p[1].parse::<u32>(),
        p[2].parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// Text that may reach a configuration: no control characters at all.
fn check_text(t: &ast::Text, diags: &mut Vec<Diagnostic>) {
    if let Some(c) = t
        .value
        .chars()
        .find(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        diags.push(
            Diagnostic::error(
                codes::UNSAFE_TEXT,
                format!("text contains the control character U+{:04X}", c as u32),
            )
            .at(t.span, "control character in this string")
            .help(
                "remove it; free text must stay on one line and may not carry control characters",
            ),
        );
    }
}

struct Cx<'a> {
    diags: Vec<Diagnostic>,
    loaded: &'a Loaded,
}

impl Cx<'_> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }
    fn unknown(&mut self, what: &str, id: &ast::Ident, known: &[&str]) {
        let mut d = Diagnostic::error(codes::UNKNOWN_NAME, format!("unknown {what} `{}`", id.name))
            .at(id.span, format!("no {what} of this name"));
        if let Some(h) = did_you_mean(&id.name, known.iter().copied()) {
            d = d.help(h);
        }
        self.err(d);
    }
    /// Reports a statement given twice where one is expected.
    fn once<T>(&mut self, slot: &mut Option<(T, Span)>, value: T, stmt: &ast::Stmt, what: &str) {
        if let Some((_, first)) = slot {
            let first = *first;
            self.err(
                Diagnostic::error(codes::REPEATED, format!("`{what}` given twice"))
                    .at(stmt.keyword, "given again here")
                    .related(first, "first given here"),
            );
        } else {
            *slot = Some((value, stmt.keyword));
        }
    }
    fn not_here(&mut self, stmt: &ast::Stmt, block: &str) {
        let kw = self.loaded.sources.text(stmt.keyword).to_string();
        self.err(
            Diagnostic::error(codes::SYNTAX, format!("`{kw}` is not allowed in a {block}"))
                .at(stmt.keyword, format!("not allowed in a {block}")),
        );
    }
    fn sl(&mut self, t: &ast::SlTarget) -> Option<Sl> {
        let level = |cx: &mut Cx, tok: &ast::Token| -> Option<u8> {
            match tok.text.parse::<u8>() {
                Ok(v @ 1..=4) => Some(v),
                _ => {
                    cx.err(
                        Diagnostic::error(
                            codes::SL_RANGE,
                            format!("security level `{}` is not 1-4", tok.text),
                        )
                        .at(tok.span, "SL must be 1, 2, 3 or 4"),
                    );
                    None
                }
            }
        };
        match t {
            ast::SlTarget::Single(tok) => level(self, tok).map(Sl::uniform),
            ast::SlTarget::Vector { entries, span } => {
                let mut v = [0u8; 7];
                let mut ok = true;
                for (fr, tok) in entries {
                    let Some(f) = Fr::parse(&fr.name) else {
                        let names: Vec<&str> = Fr::ALL.iter().map(|f| f.name()).collect();
                        self.unknown("foundational requirement", fr, &names);
                        ok = false;
                        continue;
                    };
                    if v[f as usize] != 0 {
                        self.err(
                            Diagnostic::error(
                                codes::REPEATED,
                                format!("`{}` given twice in the SL vector", fr.name),
                            )
                            .at(fr.span, "given again"),
                        );
                    }
                    match level(self, tok) {
                        Some(l) => v[f as usize] = l,
                        None => ok = false,
                    }
                }
                let missing: Vec<&str> = Fr::ALL
                    .iter()
                    .filter(|f| v[**f as usize] == 0)
                    .map(|f| f.name())
                    .collect();
                if ok && !missing.is_empty() {
                    self.err(
                        Diagnostic::error(
                            codes::SL_RANGE,
                            format!("SL vector lacks {}", missing.join(", ")),
                        )
                        .at(*span, "incomplete SL vector")
                        .help("give all seven: iac, uc, si, dc, rdf, tre, ra"),
                    );
                    ok = false;
                }
                ok.then_some(Sl(v))
            }
        }
    }
    fn exception(
        &mut self,
        e: &ast::Exception,
        scope: Scope,
        span: Span,
        out: &mut Vec<Exception>,
    ) {
        check_text(&e.justification, &mut self.diags);
        if e.justification.value.trim().is_empty() {
            self.err(
                Diagnostic::error(codes::MISSING, "an exception needs a justification")
                    .at(e.justification.span, "empty justification")
                    .help("say why the finding is acceptable and what compensates for it"),
            );
        }
        if let Some(u) = &e.until {
            if !valid_date(&u.text) {
                self.err(
                    Diagnostic::error(codes::DATE, format!("`{}` is not a calendar date", u.text))
                        .at(u.span, "invalid date"),
                );
            }
        }
        out.push(Exception {
            rule: e.rule.text.clone(),
            justification: e.justification.value.clone(),
            until: e.until.as_ref().map(|u| u.text.clone()),
            scope,
            span,
        });
    }
}

/// Declarations gathered from every file, before sorting.
#[derive(Default)]
struct Decls<'a> {
    policy: Vec<&'a ast::Policy>,
    zones: BTreeMap<String, &'a ast::Zone>,
    services: BTreeMap<String, &'a ast::Service>,
    conduits: BTreeMap<String, &'a ast::Conduit>,
    devices: BTreeMap<String, &'a ast::Device>,
    expects: Vec<&'a ast::Expect>,
}

fn declare<'a, T>(
    cx: &mut Cx,
    map: &mut BTreeMap<String, &'a T>,
    name: &ast::Ident,
    item: &'a T,
    what: &str,
    span_of: impl Fn(&T) -> Span,
) {
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

pub fn resolve(loaded: &Loaded) -> Resolved {
    let mut cx = Cx {
        diags: Vec::new(),
        loaded,
    };
    let mut d = Decls::default();
    for (_, file) in &loaded.files {
        for item in &file.items {
            match item {
                ast::Item::Include(_) => {}
                ast::Item::Policy(p) => d.policy.push(p),
                ast::Item::Zone(z) => {
                    declare(&mut cx, &mut d.zones, &z.name, z, "zone", |z| z.name.span)
                }
                ast::Item::Service(s) => {
                    if services::builtin(&s.name.name).is_some() {
                        cx.err(
                            Diagnostic::error(codes::DUPLICATE, format!("service `{}` is built in", s.name.name))
                                .at(s.name.span, "a built-in service has this name")
                                .help("choose another name; `fenceline explain services` lists the catalogue"),
                        );
                    } else {
                        declare(&mut cx, &mut d.services, &s.name, s, "service", |s| {
                            s.name.span
                        })
                    }
                }
                ast::Item::Conduit(c) => {
                    declare(&mut cx, &mut d.conduits, &c.name, c, "conduit", |c| {
                        c.name.span
                    })
                }
                ast::Item::Device(v) => {
                    declare(&mut cx, &mut d.devices, &v.name, v, "device", |v| {
                        v.name.span
                    })
                }
                ast::Item::Expect(e) => d.expects.push(e),
            }
        }
    }
    let mut exceptions = Vec::new();

    // ---- policy
    let policy = resolve_policy(&mut cx, &d.policy);

    // ---- zones
    let zone_names: Vec<&str> = d.zones.keys().map(String::as_str).collect();
    let mut zones: Vec<Zone> = Vec::new();
    let mut zone_ok = true;
    for (i, z) in d.zones.values().enumerate() {
        match resolve_zone(&mut cx, z, ZoneId(i), &mut exceptions) {
            Some(zone) => zones.push(zone),
            None => {
                zone_ok = false;
                // Keep a placeholder so ids stay aligned with names; the Model is not returned.
                zones.push(placeholder_zone(z));
            }
        }
    }
    check_zone_overlaps(&mut cx, &zones);
    check_vlans(&mut cx, &zones);

    // ---- services: declared, then built-ins, then inline items as they are met.
    let mut services: BTreeMap<String, Service> = BTreeMap::new();
    for s in d.services.values() {
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
        services.insert(
            s.name.name.clone(),
            Service {
                name: s.name.name.clone(),
                span: Some(s.name.span),
                builtin: false,
                items,
                flags,
                description: description.map(|d| d.0),
            },
        );
    }
    for b in services::CATALOGUE {
        services
            .entry(b.name.to_string())
            .or_insert_with(|| Service {
                name: b.name.to_string(),
                span: None,
                builtin: true,
                items: b.parsed_items(),
                flags: b.parsed_flags(),
                description: Some(b.description.to_string()),
            });
    }
    // Inline items used in flows and expectations.
    let mut inline_refs: Vec<&ast::Token> = Vec::new();
    for c in d.conduits.values() {
        for st in &c.stmts {
            if let ast::StmtKind::Allow(a) = &st.kind {
                for s in &a.services {
                    if let ast::ServiceRef::Inline(t) = s {
                        inline_refs.push(t);
                    }
                }
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
    let named_refs = d
        .conduits
        .values()
        .flat_map(|c| c.stmts.iter())
        .filter_map(|st| match &st.kind {
            ast::StmtKind::Allow(a) => Some(a.services.iter()),
            _ => None,
        })
        .flatten()
        .chain(d.expects.iter().map(|e| &e.service));
    for r in named_refs {
        if let ast::ServiceRef::Named(id) = r {
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
                services.insert(
                    t.text.clone(),
                    Service {
                        name: t.text.clone(),
                        span: None,
                        builtin: true,
                        items: vec![item],
                        flags: ServiceFlags::default(),
                        description: None,
                    },
                );
            }
            Err(m) => {
                cx.err(Diagnostic::error(item_code(&m), m).at(t.span, "invalid service item"))
            }
        }
    }
    let services: Vec<Service> = services.into_values().collect();
    let service_names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    let service_index: BTreeMap<&str, ServiceId> = services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), ServiceId(i)))
        .collect();
    let zone_index: BTreeMap<&str, ZoneId> = zones
        .iter()
        .enumerate()
        .map(|(i, z)| (z.name.as_str(), ZoneId(i)))
        .collect();

    // Per zone, asset name -> the first asset of that name (what `Zone::asset` finds), so that
    // resolving 100,000 flows does not scan a zone's assets for every end.
    let asset_index: Vec<BTreeMap<&str, usize>> = zones
        .iter()
        .map(|z| {
            let mut m = BTreeMap::new();
            for (i, a) in z.assets.iter().enumerate() {
                m.entry(a.name.as_str()).or_insert(i);
            }
            m
        })
        .collect();

    let resolve_endpoint = |cx: &mut Cx, ep: &ast::Endpoint| -> Option<Endpoint> {
        let Some(&zid) = zone_index.get(ep.zone.name.as_str()) else {
            cx.unknown("zone", &ep.zone, &zone_names);
            return None;
        };
        let zone = &zones[zid.0];
        let asset = match &ep.asset {
            None => None,
            Some(a) => match asset_index.get(zid.0).and_then(|m| m.get(a.name.as_str())) {
                Some(i) => Some(*i),
                None => {
                    let names: Vec<&str> = zone.assets.iter().map(|x| x.name.as_str()).collect();
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_NAME,
                        format!("zone `{}` has no asset `{}`", zone.name, a.name),
                    )
                    .at(a.span, "no asset of this name in the zone");
                    if let Some(h) = did_you_mean(&a.name, names.iter().copied()) {
                        d = d.help(h);
                    } else if let Some(other) = zones.iter().find(|z| z.asset(&a.name).is_some()) {
                        d = d.help(format!(
                            "`{}.{}` is an asset of zone `{}`",
                            other.name, a.name, other.name
                        ));
                    }
                    cx.err(d);
                    return None;
                }
            },
        };
        Some(Endpoint { zone: zid, asset })
    };
    let resolve_service = |cx: &mut Cx, r: &ast::ServiceRef| -> Option<ServiceId> {
        match service_index.get(r.text()) {
            Some(id) => Some(*id),
            None => {
                if let ast::ServiceRef::Named(id) = r {
                    cx.unknown("service", id, &service_names);
                }
                None
            }
        }
    };

    // ---- conduits and flows
    let mut conduits: Vec<Conduit> = Vec::new();
    let mut flows: Vec<(Flow, Vec<&ast::Exception>, Vec<Span>)> = Vec::new();
    let mut conduit_exceptions: Vec<(ConduitId, &ast::Exception, Span)> = Vec::new();
    for (ci, c) in d.conduits.values().enumerate() {
        let cid = ConduitId(ci);
        let mut connects: Option<(Vec<ZoneId>, Span)> = None;
        let mut sl: Option<(Sl, Span)> = None;
        let mut description = None;
        let mut allows = Vec::new();
        for st in &c.stmts {
            match &st.kind {
                ast::StmtKind::Connects(names) => {
                    let mut ids = Vec::new();
                    for n in names {
                        match zone_index.get(n.name.as_str()) {
                            Some(z) if ids.contains(z) => cx.err(
                                Diagnostic::error(
                                    codes::DUPLICATE,
                                    format!("zone `{}` listed twice", n.name),
                                )
                                .at(n.span, "listed again"),
                            ),
                            Some(z) => ids.push(*z),
                            None => cx.unknown("zone", n, &zone_names),
                        }
                    }
                    cx.once(&mut connects, ids, st, "connects");
                }
                ast::StmtKind::SlTarget(t) => {
                    if let Some(v) = cx.sl(t) {
                        cx.once(&mut sl, v, st, "sl-target");
                    }
                }
                ast::StmtKind::Description(t) => {
                    check_text(t, &mut cx.diags);
                    cx.once(&mut description, t.value.clone(), st, "description");
                }
                ast::StmtKind::Allow(a) => allows.push((a, st.span)),
                ast::StmtKind::Exception(e) => conduit_exceptions.push((cid, e, st.span)),
                _ => cx.not_here(st, "conduit"),
            }
        }
        let mut zones_of_conduit = connects.map(|c| c.0).unwrap_or_default();
        if zones_of_conduit.len() < 2
            && !c
                .stmts
                .iter()
                .any(|s| matches!(s.kind, ast::StmtKind::Connects(_)))
        {
            cx.err(
                Diagnostic::error(
                    codes::MISSING,
                    format!("conduit `{}` has no `connects`", c.name.name),
                )
                .at(c.name.span, "connects no zones")
                .help("add `connects ZONE, ZONE`: a conduit joins at least two zones"),
            );
        } else if zones_of_conduit.len() < 2 && zone_ok {
            cx.err(
                Diagnostic::error(
                    codes::MISSING,
                    format!("conduit `{}` connects fewer than two zones", c.name.name),
                )
                .at(c.name.span, "a conduit joins at least two zones"),
            );
        }
        zones_of_conduit.sort();
        for (a, stmt_span) in allows {
            let src = resolve_endpoint(&mut cx, &a.src);
            let dst = resolve_endpoint(&mut cx, &a.dst);
            let mut svc = Vec::new();
            let mut svc_spans = Vec::new();
            for r in &a.services {
                if let Some(s) = resolve_service(&mut cx, r) {
                    if svc.contains(&s) {
                        cx.err(
                            Diagnostic::warning(
                                codes::DUPLICATE,
                                format!("service `{}` listed twice", r.text()),
                            )
                            .at(r.span(), "listed again"),
                        );
                        continue;
                    }
                    svc.push(s);
                    svc_spans.push(r.span());
                }
            }
            let mut log = false;
            let mut fdesc = None;
            let mut fexc = Vec::new();
            for st in &a.stmts {
                match &st.kind {
                    ast::StmtKind::Log => log = true,
                    ast::StmtKind::Description(t) => {
                        check_text(t, &mut cx.diags);
                        cx.once(&mut fdesc, t.value.clone(), st, "description");
                    }
                    ast::StmtKind::Exception(e) => fexc.push(e),
                    _ => cx.not_here(st, "flow"),
                }
            }
            let (Some(src), Some(dst)) = (src, dst) else {
                continue;
            };
            if src.zone == dst.zone {
                cx.err(
                    FLOW_OUTSIDE_CONDUIT.diag(
                        format!("flow stays inside zone `{}`; a conduit carries flows between zones", zones[src.zone.0].name),
                    )
                    .at(a.src.span.to(a.dst.span), "both ends are in the same zone")
                    .scoped(vec![Scope::Conduit(cid), Scope::Zone(src.zone)])
                    .help("traffic inside a zone does not cross a conduit; remove the flow or split the zone"),
                );
                continue;
            }
            if !zones_of_conduit.is_empty()
                && (!zones_of_conduit.contains(&src.zone) || !zones_of_conduit.contains(&dst.zone))
            {
                let outside: Vec<&str> = [src.zone, dst.zone]
                    .iter()
                    .filter(|z| !zones_of_conduit.contains(z))
                    .map(|z| zones[z.0].name.as_str())
                    .collect();
                let mut diag = FLOW_OUTSIDE_CONDUIT
                    .diag(format!(
                        "flow from `{}` to `{}` is in conduit `{}`, which does not connect `{}`",
                        zones[src.zone.0].name,
                        zones[dst.zone.0].name,
                        c.name.name,
                        outside.join("`, `")
                    ))
                    .at(
                        a.src.span.to(a.dst.span),
                        "this flow leaves the conduit's zones",
                    )
                    // The flow never enters the Model: its conduit and the zones of its ends are where
                    // an exception may sit.
                    .scoped(vec![
                        Scope::Conduit(cid),
                        Scope::Zone(src.zone),
                        Scope::Zone(dst.zone),
                    ]);
                // Is there a conduit that does connect them?
                let right: Option<&str> = d.conduits.values().find_map(|other| {
                    let names: Vec<&str> = other
                        .stmts
                        .iter()
                        .filter_map(|s| match &s.kind {
                            ast::StmtKind::Connects(ns) => {
                                Some(ns.iter().map(|n| n.name.as_str()).collect::<Vec<_>>())
                            }
                            _ => None,
                        })
                        .flatten()
                        .collect();
                    (names.contains(&zones[src.zone.0].name.as_str())
                        && names.contains(&zones[dst.zone.0].name.as_str()))
                    .then_some(other.name.name.as_str())
                });
                diag = match right {
                    Some(r) => diag.help(format!("move the flow to conduit `{r}`, which connects these zones")),
                    None => diag.help(format!(
                        "no conduit connects `{}` and `{}`: every flow between zones needs a conduit connecting them (SR 5.1, SR 5.2)",
                        zones[src.zone.0].name, zones[dst.zone.0].name
                    )),
                };
                cx.err(diag);
                continue;
            }
            if svc.is_empty() {
                continue;
            }
            if let Some(d) = empty_flow(&zones, &services, src, dst, &svc, a) {
                cx.err(d);
            }
            flows.push((
                Flow {
                    conduit: cid,
                    src,
                    dst,
                    services: svc,
                    log,
                    description: fdesc.map(|d| d.0),
                    span: stmt_span,
                    service_spans: svc_spans,
                },
                fexc,
                vec![stmt_span],
            ));
        }
        conduits.push(Conduit {
            name: c.name.name.clone(),
            span: c.name.span,
            description: description.map(|d| d.0),
            zones: zones_of_conduit,
            sl: sl.map(|s| s.0),
            flows: Vec::new(),
        });
    }
    // Sort flows: by conduit, ends, services, then source position (stable for equal flows).
    flows.sort_by(|a, b| {
        (a.0.conduit, a.0.src, a.0.dst, &a.0.services, a.0.span).cmp(&(
            b.0.conduit,
            b.0.src,
            b.0.dst,
            &b.0.services,
            b.0.span,
        ))
    });
    let mut flow_list = Vec::with_capacity(flows.len());
    for (i, (f, fexc, _)) in flows.into_iter().enumerate() {
        let fid = FlowId(i);
        for e in fexc {
            let span = e.rule.span.to(e.justification.span);
            cx.exception(e, Scope::Flow(fid), span, &mut exceptions);
        }
        conduits[f.conduit.0].flows.push(fid);
        flow_list.push(f);
    }
    for (cid, e, _) in conduit_exceptions {
        let span = e.rule.span.to(e.justification.span);
        cx.exception(e, Scope::Conduit(cid), span, &mut exceptions);
    }

    // ---- devices
    let mut devices = Vec::new();
    for v in d.devices.values() {
        devices.push(resolve_device(&mut cx, v, &zone_index, &zone_names, &zones));
    }
    check_device_interfaces(&mut cx, &devices);

    // ---- expectations
    let mut expects = Vec::new();
    for e in &d.expects {
        let src = resolve_endpoint(&mut cx, &e.src);
        let dst = resolve_endpoint(&mut cx, &e.dst);
        let svc = resolve_service(&mut cx, &e.service);
        if let (Some(src), Some(dst), Some(service)) = (src, dst, svc) {
            expects.push(Expect {
                allow: e.allow,
                src,
                dst,
                service,
                span: e.span,
            });
        }
    }
    expects.sort_by_key(|e| (e.src, e.dst, e.service, e.allow, e.span));
    exceptions.sort_by(|a, b| (a.scope, &a.rule, a.span).cmp(&(b.scope, &b.rule, b.span)));

    for (ci, c) in conduits.iter().enumerate() {
        for z in &c.zones {
            zones[z.0].conduits.push(ConduitId(ci));
        }
    }

    let mut used: Vec<ServiceId> = flow_list
        .iter()
        .flat_map(|f| f.services.iter().copied())
        .collect();
    used.extend(expects.iter().map(|e| e.service));
    used.sort();
    used.dedup();

    // A rule's finding (FR5-001: the flow is left out of the Model) is an error only if the
    // filter keeps it one (configuration, exceptions); the driver decides after filtering.
    let has_errors = cx
        .diags
        .iter()
        .any(|d| d.is_error() && d.code != FLOW_OUTSIDE_CONDUIT.id);
    let model = (!has_errors && zone_ok).then(|| Model {
        policy,
        zones,
        services,
        conduits,
        flows: flow_list,
        devices,
        expects,
        exceptions,
        used_services: used,
        sources: loaded.sources.clone(),
    });
    let mut diagnostics = cx.diags;
    crate::diagnostic::sort(&mut diagnostics);
    Resolved { model, diagnostics }
}

/// A flow none of whose (layer-3) service items can apply to its address families.
fn empty_flow(
    zones: &[Zone],
    services: &[Service],
    src: Endpoint,
    dst: Endpoint,
    svc: &[ServiceId],
    a: &ast::Allow,
) -> Option<Diagnostic> {
    let addrs = |ep: Endpoint| {
        let z = &zones[ep.zone.0];
        ep.asset
            .map(|i| z.assets[i].addrs.clone())
            .unwrap_or_else(|| z.addrs.clone())
    };
    let (s, d) = (addrs(src), addrs(dst));
    let v4 = !s.v4.is_empty() && !d.v4.is_empty();
    let v6 = !s.v6.is_empty() && !d.v6.is_empty();
    let items: Vec<&ServiceItem> = svc
        .iter()
        .flat_map(|id| services[id.0].items.iter())
        .collect();
    if items.iter().all(|i| i.is_layer2()) {
        return None; // layer-2 protocols are NET-001's concern
    }
    let applies = items
        .iter()
        .any(|i| !i.is_layer2() && ((i.v4() && v4) || (i.v6() && v6)));
    (!applies).then(|| {
        let fam = match (v4, v6) {
            (true, true) => "IPv4 and IPv6",
            (true, false) => "IPv4 only",
            (false, true) => "IPv6 only",
            (false, false) => "no common address family",
        };
        Diagnostic::error(codes::FLOW_EMPTY, "flow allows no packet: its services do not apply to its addresses")
            .at(a.src.span.to(a.dst.span), format!("the ends have {fam}"))
            .help("use a service of the ends' address family (`icmp` for IPv4, `icmpv6` for IPv6), or give both ends addresses of the same family")
    })
}

fn item_code(msg: &str) -> &'static str {
    if msg.contains("out of range") || msg.contains("range") && msg.contains("empty") {
        codes::PORT_RANGE
    } else {
        codes::SERVICE_ITEM
    }
}

fn resolve_policy(cx: &mut Cx, decls: &[&ast::Policy]) -> PolicyInfo {
    let mut info = PolicyInfo {
        name: String::new(),
        description: None,
        owner: None,
        span: None,
    };
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
        info.span = Some(p.name.span);
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
                _ => cx.not_here(st, "policy"),
            }
        }
        info.description = desc.map(|d| d.0);
        info.owner = owner.map(|d| d.0);
    }
    info
}

fn placeholder_zone(z: &ast::Zone) -> Zone {
    Zone {
        name: z.name.name.clone(),
        span: z.name.span,
        description: None,
        owner: None,
        level: Level(0),
        sl: Sl::uniform(1),
        networks: Vec::new(),
        addrs: AddrSet::new(),
        vlan: None,
        assets: Vec::new(),
        safety: false,
        conduits: Vec::new(),
    }
}

fn resolve_zone(
    cx: &mut Cx,
    z: &ast::Zone,
    id: ZoneId,
    exceptions: &mut Vec<Exception>,
) -> Option<Zone> {
    let mut description = None;
    let mut owner = None;
    let mut level = None;
    let mut sl = None;
    let mut vlan = None;
    let mut safety = false;
    let mut networks = Vec::new();
    let mut addrs = AddrSet::new();
    let mut assets: Vec<(Asset, Vec<AddrItem>)> = Vec::new();
    let mut ok = true;
    for st in &z.stmts {
        match &st.kind {
            ast::StmtKind::Description(t) => {
                check_text(t, &mut cx.diags);
                cx.once(&mut description, t.value.clone(), st, "description");
            }
            ast::StmtKind::Owner(t) => {
                check_text(t, &mut cx.diags);
                cx.once(&mut owner, t.value.clone(), st, "owner");
            }
            ast::StmtKind::Level(tok) => match Level::parse(&tok.text) {
                Some(l) => cx.once(&mut level, l, st, "level"),
                None => {
                    ok = false;
                    cx.err(
                        Diagnostic::error(
                            codes::LEVEL,
                            format!("`{}` is not a Purdue level", tok.text),
                        )
                        .at(tok.span, "not a Purdue level")
                        .help("use 0, 1, 2, 3, 3.5 (industrial DMZ), 4 or 5"),
                    );
                }
            },
            ast::StmtKind::SlTarget(t) => match cx.sl(t) {
                Some(v) => cx.once(&mut sl, v, st, "sl-target"),
                None => ok = false,
            },
            ast::StmtKind::Network(toks) => {
                for tok in toks {
                    match parse_addr(tok, false) {
                        Ok(AddrItem::Net(n)) => {
                            if networks.contains(&n) {
                                cx.err(
                                    Diagnostic::warning(
                                        codes::DUPLICATE,
                                        format!("network `{n}` listed twice"),
                                    )
                                    .at(tok.span, "listed again"),
                                );
                            }
                            networks.push(n);
                            addrs.add_net(n);
                        }
                        Ok(AddrItem::Range(..)) => {}
                        Err(d) => {
                            ok = false;
                            cx.err(d);
                        }
                    }
                }
            }
            ast::StmtKind::Vlan(tok) => match tok.text.parse::<u16>() {
                Ok(v @ 1..=4094) => cx.once(&mut vlan, v, st, "vlan"),
                _ => cx.err(
                    Diagnostic::error(
                        codes::VLAN_RANGE,
                        format!("VLAN `{}` is outside 1-4094", tok.text),
                    )
                    .at(tok.span, "not a valid VLAN ID"),
                ),
            },
            ast::StmtKind::Safety => safety = true,
            ast::StmtKind::Exception(e) => {
                let span = e.rule.span.to(e.justification.span);
                cx.exception(e, Scope::Zone(id), span, exceptions);
            }
            ast::StmtKind::Asset(a) => {
                if let Some((prev, _)) = assets.iter().find(|(x, _)| x.name == a.name.name) {
                    let prev_span = prev.span;
                    cx.err(
                        Diagnostic::error(
                            codes::DUPLICATE,
                            format!(
                                "asset `{}` is declared twice in zone `{}`",
                                a.name.name, z.name.name
                            ),
                        )
                        .at(a.name.span, "declared again here")
                        .related(prev_span, "first declared here"),
                    );
                    continue;
                }
                let mut items = Vec::new();
                let mut set = AddrSet::new();
                for tok in &a.addrs {
                    match parse_addr(tok, true) {
                        Ok(item) => {
                            add_item(&mut set, &item);
                            items.push(item);
                        }
                        Err(d) => cx.err(d),
                    }
                }
                let mut kind = None;
                let mut adesc = None;
                for ast in &a.stmts {
                    match &ast.kind {
                        ast::StmtKind::Kind(k) => cx.once(&mut kind, k.name.clone(), ast, "kind"),
                        ast::StmtKind::Description(t) => {
                            check_text(t, &mut cx.diags);
                            cx.once(&mut adesc, t.value.clone(), ast, "description");
                        }
                        _ => cx.not_here(ast, "asset"),
                    }
                }
                assets.push((
                    Asset {
                        name: a.name.name.clone(),
                        span: a.name.span,
                        written: a.addrs.iter().map(|t| t.text.clone()).collect(),
                        addrs: set,
                        kind: kind.map(|k| k.0),
                        description: adesc.map(|d| d.0),
                    },
                    items,
                ));
            }
            _ => cx.not_here(st, "zone"),
        }
    }
    let zname = &z.name.name;
    if networks.is_empty() && ok {
        cx.err(
            Diagnostic::error(codes::MISSING, format!("zone `{zname}` has no network"))
                .at(z.name.span, "no `network` statement")
                .help("add `network ADDRESS/LENGTH`: an address belongs to exactly one zone"),
        );
        ok = false;
    }
    if level.is_none() && ok {
        cx.err(
            Diagnostic::error(
                codes::MISSING,
                format!("zone `{zname}` has no Purdue level"),
            )
            .at(z.name.span, "no `level` statement")
            .help("add `level N` with N one of 0, 1, 2, 3, 3.5, 4, 5"),
        );
        ok = false;
    }
    if sl.is_none() && ok {
        cx.err(
            Diagnostic::error(codes::MISSING, format!("zone `{zname}` has no SL-T"))
                .at(z.name.span, "no `sl-target` statement")
                .help("add `sl-target N` (1-4) or a vector `sl-target { iac 2 uc 2 si 2 dc 2 rdf 2 tre 2 ra 2 }`"),
        );
        ok = false;
    }
    // Assets inside the zone.
    for (asset, _) in &assets {
        if !asset.addrs.is_empty() && !addrs.is_empty() && !addrs.contains_set(&asset.addrs) {
            let outside = AddrSet {
                v4: asset.addrs.intersect(&addrs).v4,
                v6: asset.addrs.intersect(&addrs).v6,
            };
            let _ = outside;
            cx.err(
                Diagnostic::error(
                    codes::ASSET_OUTSIDE_ZONE,
                    format!(
                        "asset `{}` lies outside the networks of zone `{zname}`",
                        asset.name
                    ),
                )
                .at(asset.span, "not inside the zone's networks")
                .help(format!(
                    "zone `{zname}` has {}; an address belongs to exactly one zone",
                    addrs
                )),
            );
        }
    }
    let mut assets: Vec<Asset> = assets.into_iter().map(|(a, _)| a).collect();
    assets.sort_by(|a, b| a.name.cmp(&b.name));
    networks.sort();
    Some(Zone {
        name: zname.clone(),
        span: z.name.span,
        description: description.map(|d| d.0),
        owner: owner.map(|d| d.0),
        level: level.map(|l| l.0)?,
        sl: sl.map(|s| s.0)?,
        networks,
        addrs,
        vlan: vlan.map(|v| v.0),
        assets,
        safety,
        conduits: Vec::new(),
    })
    .filter(|_| ok)
}

/// Two zones may not share an address: one sweep over all intervals, sorted.
fn check_zone_overlaps(cx: &mut Cx, zones: &[Zone]) {
    fn sweep<T: Ord + Copy>(cx: &mut Cx, zones: &[Zone], mut iv: Vec<(T, T, usize)>) {
        iv.sort();
        let mut reported = std::collections::BTreeSet::new();
        let mut cur: Option<(T, usize)> = None; // (max end so far, zone holding it)
        for (lo, hi, z) in iv {
            if let Some((end, zc)) = cur {
                if lo <= end && zc != z && reported.insert((zc.min(z), zc.max(z))) {
                    let (a, b) = (&zones[zc], &zones[z]);
                    let overlap = a.addrs.intersect(&b.addrs);
                    cx.err(
                        Diagnostic::error(
                            codes::ZONE_OVERLAP,
                            format!(
                                "zones `{}` and `{}` share addresses ({})",
                                a.name, b.name, overlap
                            ),
                        )
                        .at(b.span, format!("overlaps zone `{}`", a.name))
                        .related(a.span, "this zone claims the same addresses")
                        .help("an address belongs to exactly one zone: make the networks disjoint"),
                    );
                }
                if hi > end {
                    cur = Some((hi, z));
                }
            } else {
                cur = Some((hi, z));
            }
        }
    }
    let v4 = zones
        .iter()
        .enumerate()
        .flat_map(|(i, z)| z.addrs.v4.iter().map(move |&(l, h)| (l, h, i)))
        .collect();
    sweep(cx, zones, v4);
    let v6 = zones
        .iter()
        .enumerate()
        .flat_map(|(i, z)| z.addrs.v6.iter().map(move |&(l, h)| (l, h, i)))
        .collect();
    sweep(cx, zones, v6);
}

fn check_vlans(cx: &mut Cx, zones: &[Zone]) {
    let mut seen: BTreeMap<u16, &Zone> = BTreeMap::new();
    for z in zones {
        if let Some(v) = z.vlan {
            if let Some(prev) = seen.get(&v) {
                cx.err(
                    Diagnostic::error(
                        codes::VLAN_REUSED,
                        format!("VLAN {v} is used by zones `{}` and `{}`", prev.name, z.name),
                    )
                    .at(z.span, format!("also VLAN {v}"))
                    .related(prev.span, "first zone with this VLAN")
                    .help(
                        "give each zone its own VLAN: a shared VLAN is a shared broadcast domain",
                    ),
                );
            } else {
                seen.insert(v, z);
            }
        }
    }
}

fn resolve_device(
    cx: &mut Cx,
    v: &ast::Device,
    zone_index: &BTreeMap<&str, ZoneId>,
    zone_names: &[&str],
    zones: &[Zone],
) -> Device {
    let mut targets = Vec::new();
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut ports: Vec<SwitchPort> = Vec::new();
    let mut unused = false;
    let mut parking = None;
    let mut description = None;
    let mut has_target = false;
    let zone_of = |cx: &mut Cx, id: &ast::Ident| -> Option<ZoneId> {
        let z = zone_index.get(id.name.as_str()).copied();
        if z.is_none() {
            cx.unknown("zone", id, zone_names);
        }
        z
    };
    for st in &v.stmts {
        match &st.kind {
            ast::StmtKind::Description(t) => {
                check_text(t, &mut cx.diags);
                cx.once(&mut description, t.value.clone(), st, "description");
            }
            ast::StmtKind::Target(ts) => {
                has_target = true;
                for t in ts {
                    let Some(target) = Target::parse(&t.name) else {
                        let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
                        let mut d = Diagnostic::error(
                            codes::TARGET,
                            format!("unknown target `{}`", t.name),
                        )
                        .at(t.span, "no target of this name");
                        if let Some(h) = did_you_mean(&t.name, names) {
                            d = d.help(h);
                        }
                        cx.err(d);
                        continue;
                    };
                    let fits = match v.kind {
                        DeviceKind::Firewall => {
                            matches!(target, Target::Nftables | Target::Iptables)
                        }
                        DeviceKind::Router | DeviceKind::Switch => target == Target::CiscoIos,
                    };
                    if !fits {
                        cx.err(
                            Diagnostic::error(
                                codes::TARGET,
                                format!("a {} cannot have target `{}`", v.kind.keyword(), target.name()),
                            )
                            .at(t.span, "unsuitable target")
                            .help("firewalls take `nftables`, `iptables`; routers and switches take `cisco-ios`"),
                        );
                    } else if targets.contains(&target) {
                        cx.err(
                            Diagnostic::warning(
                                codes::DUPLICATE,
                                format!("target `{}` listed twice", t.name),
                            )
                            .at(t.span, "listed again"),
                        );
                    } else {
                        targets.push(target);
                    }
                }
            }
            ast::StmtKind::Interface { name, zone } => {
                if v.kind == DeviceKind::Firewall && name.text.len() > MAX_LINUX_IFNAME {
                    cx.err(
                        Diagnostic::error(
                            codes::IFNAME_TOO_LONG,
                            format!("interface name `{}` is {} characters, Linux allows {MAX_LINUX_IFNAME}", name.text, name.text.len()),
                        )
                        .at(name.span, "too long for Linux")
                        .help("rename the interface (e.g. with a udev rule or `ip link set NAME name SHORT`)"),
                    );
                }
                // IOS names one interface in many ways (`Gi0/1`, `GigabitEthernet0/1`); Linux
                // names are literal and case-sensitive.
                // A refused name stays as written, so the device still attaches its zone.
                let ifname = device_ifname(cx, v.kind, &name.text, name)
                    .unwrap_or_else(|| name.text.clone());
                if let Some(prev) = interfaces.iter().find(|i| i.name == ifname) {
                    let ps = prev.span;
                    let also = if ifname == name.text {
                        String::new()
                    } else {
                        format!(" (`{}` is `{ifname}`)", name.text)
                    };
                    cx.err(
                        Diagnostic::error(
                            codes::DUPLICATE,
                            format!("interface `{ifname}` is declared twice{also}"),
                        )
                        .at(name.span, "declared again")
                        .related(ps, "first declared here"),
                    );
                    continue;
                }
                if let Some(z) = zone_of(cx, zone) {
                    if v.kind == DeviceKind::Switch {
                        reserved_vlan(cx, &zones[z.0], zone.span);
                    }
                    if let Some(prev) = interfaces.iter().find(|i| i.zone == z) {
                        let ps = prev.span;
                        cx.err(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                format!("zone `{}` is attached to device `{}` twice", zone.name, v.name.name),
                            )
                            .at(zone.span, "attached again")
                            .related(ps, "first attached here")
                            .help("a device attaches each zone by one interface (use a bond or a VLAN interface for redundancy)"),
                        );
                        continue;
                    }
                    interfaces.push(Interface {
                        name: ifname,
                        zone: z,
                        span: name.span,
                    });
                }
            }
            ast::StmtKind::Ports { range, name, mode } => {
                if v.kind != DeviceKind::Switch {
                    cx.not_here(st, v.kind.keyword());
                    continue;
                }
                let mode = match mode {
                    ast::PortMode::Access(z) => {
                        zone_of(cx, z).map(|z| (PortMode::Access { zone: z }, vec![z]))
                    }
                    ast::PortMode::Trunk(zs) => {
                        let ids: Vec<ZoneId> = zs.iter().filter_map(|z| zone_of(cx, z)).collect();
                        (ids.len() == zs.len())
                            .then(|| (PortMode::Trunk { zones: ids.clone() }, ids))
                    }
                };
                let Some((mode, zs)) = mode else { continue };
                let refs: Vec<&ast::Ident> = match &st.kind {
                    ast::StmtKind::Ports {
                        mode: ast::PortMode::Access(z),
                        ..
                    } => vec![z],
                    ast::StmtKind::Ports {
                        mode: ast::PortMode::Trunk(zs),
                        ..
                    } => zs.iter().collect(),
                    _ => Vec::new(),
                };
                for (z, r) in zs.iter().zip(refs) {
                    reserved_vlan(cx, &zones[z.0], r.span);
                }
                for z in zs {
                    if zones[z.0].vlan.is_none() {
                        cx.err(
                            Diagnostic::error(
                                codes::PORT_DECL,
                                format!("zone `{}` has no VLAN", zones[z.0].name),
                            )
                            .at(st.span, "switch port in a zone without a VLAN")
                            .help("add `vlan N` to the zone"),
                        );
                    }
                }
                let parsed_range = if *range {
                    match split_port_range(&name.text) {
                        // The range's interfaces by their full IOS name.
                        Some((prefix, lo, hi)) => {
                            let first = format!("{prefix}{lo}");
                            let Some(first) = device_ifname(cx, v.kind, &first, name) else {
                                continue;
                            };
                            match split_port_number(&first) {
                                Some((prefix, lo)) => Some((prefix, lo, hi)),
                                None => continue,
                            }
                        }
                        None => {
                            cx.err(
                                Diagnostic::error(
                                    codes::PORT_DECL,
                                    format!("`{}` is not a port range", name.text),
                                )
                                .at(
                                    name.span,
                                    "expected a range such as `GigabitEthernet1/0/1-24`",
                                )
                                .help("use `port` for a single port"),
                            );
                            continue;
                        }
                    }
                } else {
                    None
                };
                let port_name = match &parsed_range {
                    Some((prefix, lo, hi)) => format!("{prefix}{lo}-{hi}"),
                    None => match device_ifname(cx, v.kind, &name.text, name) {
                        Some(n) => n,
                        None => continue,
                    },
                };
                ports.push(SwitchPort {
                    name: port_name,
                    range: parsed_range,
                    mode,
                    span: name.span,
                });
            }
            ast::StmtKind::UnusedPorts(a) => {
                if v.kind != DeviceKind::Switch {
                    cx.not_here(st, v.kind.keyword());
                } else if a.name == "shutdown" {
                    unused = true;
                } else {
                    cx.unknown("unused-ports action", a, &["shutdown"]);
                }
            }
            ast::StmtKind::ParkingVlan(_) if v.kind != DeviceKind::Switch => {
                cx.not_here(st, v.kind.keyword())
            }
            ast::StmtKind::ParkingVlan(tok) => match tok.text.parse::<u16>() {
                Ok(p @ IOS_RESERVED_VLANS_FIRST..=IOS_RESERVED_VLANS_LAST) => cx.err(
                    Diagnostic::error(
                        codes::VLAN_RANGE,
                        format!("parking VLAN {p} is reserved on Cisco IOS switches"),
                    )
                    .at(tok.span, "IOS refuses VLANs 1002-1005")
                    .help("pick an unused VLAN outside 1002-1005, such as the default 999"),
                ),
                Ok(p @ 2..=4094) => cx.once(&mut parking, p, st, "parking-vlan"),
                _ => cx.err(
                    Diagnostic::error(
                        codes::VLAN_RANGE,
                        format!("parking VLAN `{}` must be 2-4094", tok.text),
                    )
                    .at(
                        tok.span,
                        "VLAN 1 carries control protocols; pick an unused VLAN",
                    ),
                ),
            },
            _ => cx.not_here(st, v.kind.keyword()),
        }
    }
    if !has_target {
        cx.err(
            Diagnostic::error(
                codes::MISSING,
                format!("device `{}` has no target", v.name.name),
            )
            .at(v.name.span, "no `target` statement")
            .help(match v.kind {
                DeviceKind::Firewall => "add `target nftables` or `target iptables`",
                _ => "add `target cisco-ios`",
            }),
        );
    }
    // Overlapping switch ports.
    let mut seen: Vec<(String, u32, Span)> = Vec::new();
    for p in &ports {
        let members: Vec<(String, u32)> = match &p.range {
            Some((prefix, lo, hi)) => (*lo..=*hi)
                .map(|n| (prefix.clone(), n))
                .take(10_000)
                .collect(),
            None => match split_port_number(&p.name) {
                Some((pre, n)) => vec![(pre, n)],
                None => vec![(p.name.clone(), u32::MAX)],
            },
        };
        for m in members {
            if let Some((_, _, first)) = seen.iter().find(|(a, b, _)| *a == m.0 && *b == m.1) {
                let f = *first;
                cx.err(
                    Diagnostic::error(
                        codes::PORT_DECL,
                        format!(
                            "port `{}{}` is declared twice",
                            m.0,
                            if m.1 == u32::MAX {
                                String::new()
                            } else {
                                m.1.to_string()
                            }
                        ),
                    )
                    .at(p.span, "declared again")
                    .related(f, "first declared here"),
                );
                break;
            }
            seen.push((m.0, m.1, p.span));
        }
    }
    // A routed interface of a switch is not also one of its switch ports.
    for i in &interfaces {
        let (pre, n) = split_port_number(&i.name).unwrap_or((i.name.clone(), u32::MAX));
        if let Some((_, _, port)) = seen.iter().find(|(a, b, _)| *a == pre && *b == n) {
            cx.err(
                Diagnostic::error(
                    codes::PORT_DECL,
                    format!(
                        "`{}` is declared as an interface and as a switch port",
                        i.name
                    ),
                )
                .at(i.span, "declared as an interface")
                .related(*port, "declared as a switch port here")
                .help("declare it once: `port` for a layer-2 port, `interface` for a routed one"),
            );
        }
    }
    let parking_vlan = parking.map(|p| p.0).unwrap_or(DEFAULT_PARKING_VLAN);
    if let Some(z) = zones.iter().find(|z| z.vlan == Some(parking_vlan)) {
        if v.kind == DeviceKind::Switch {
            cx.err(
                Diagnostic::error(
                    codes::PORT_DECL,
                    format!(
                        "parking VLAN {parking_vlan} of switch `{}` is zone `{}`'s VLAN",
                        v.name.name, z.name
                    ),
                )
                .at(v.name.span, "unused ports would join a zone")
                .help("set `parking-vlan N` to a VLAN no zone uses"),
            );
        }
    }
    Device {
        name: v.name.name.clone(),
        kind: v.kind,
        span: v.name.span,
        description: description.map(|d| d.0),
        targets,
        interfaces,
        ports,
        unused_ports_shutdown: unused,
        parking_vlan,
    }
}

/// VLANs IOS keeps for its FDDI and Token Ring defaults: `vlan 1002` is refused.
const IOS_RESERVED_VLANS_FIRST: u16 = 1002;
const IOS_RESERVED_VLANS_LAST: u16 = 1005;

/// A zone that a `cisco-ios` switch carries (`at`: where the switch names it) may not be on a
/// reserved VLAN. A firewall may tag it so: only the switch has to configure it.
fn reserved_vlan(cx: &mut Cx, zone: &Zone, at: Span) {
    if let Some(v @ IOS_RESERVED_VLANS_FIRST..=IOS_RESERVED_VLANS_LAST) = zone.vlan {
        cx.err(
            Diagnostic::error(
                codes::VLAN_RANGE,
                format!("zone `{}` is on VLAN {v}, which is reserved on Cisco IOS switches", zone.name),
            )
            .at(at, "this switch would have to configure it")
            .related(zone.span, format!("VLAN {v} declared in this zone"))
            .help("IOS refuses VLANs 1002-1005 (the FDDI and Token Ring defaults); give the zone another VLAN"),
        );
    }
}

/// The name of an interface or port as the device knows it: on `cisco-ios` devices (routers and
/// switches take no other target) the full IOS name, so two spellings of one interface compare
/// equal; on firewalls the literal Linux name. `None` after reporting an IOS name IOS refuses.
fn device_ifname(cx: &mut Cx, kind: DeviceKind, text: &str, name: &ast::Token) -> Option<String> {
    if kind == DeviceKind::Firewall {
        return Some(text.to_string());
    }
    match ios_ifname::canonical(text) {
        Ok(n) => Some(n),
        Err(e) => {
            let help = match &e {
                ios_ifname::IfNameError::Ambiguous(..) => {
                    "write more of the type, or all of it: IOS resolves an abbreviation only when one type starts with it".to_string()
                }
                ios_ifname::IfNameError::Unknown(t) => {
                    match did_you_mean(t, ios_ifname::TYPES.iter().copied()) {
                        Some(h) => format!("{h} (docs/targets/cisco-ios.md lists the interface types)"),
                        None => "write an IOS interface type and its number, such as `GigabitEthernet0/1` (docs/targets/cisco-ios.md lists the types)".to_string(),
                    }
                }
                _ => "write an IOS interface type and its number, such as `GigabitEthernet0/1` or `GigabitEthernet0/0.100`".to_string(),
            };
            cx.err(
                Diagnostic::error(
                    codes::IFNAME_TOO_LONG,
                    format!("`{}` is not a Cisco IOS interface name", name.text),
                )
                .at(name.span, e.to_string())
                .help(help),
            );
            None
        }
    }
}

/// An interface name that is itself used by two devices is fine; what is not fine is one
/// device attaching a zone twice, checked above. Here: devices attached to no zone at all.
fn check_device_interfaces(cx: &mut Cx, devices: &[Device]) {
    for d in devices {
        if d.kind != DeviceKind::Switch && d.interfaces.is_empty() {
            cx.err(
                Diagnostic::error(
                    codes::MISSING,
                    format!("{} `{}` has no interfaces", d.kind.keyword(), d.name),
                )
                .at(d.span, "attached to no zone")
                .help("add `interface NAME ZONE` for each zone it connects"),
            );
        }
    }
}

/// `GigabitEthernet1/0/1-24` -> (`GigabitEthernet1/0/`, 1, 24).
pub fn split_port_range(name: &str) -> Option<(String, u32, u32)> {
    let (head, hi) = name.rsplit_once('-')?;
    let hi: u32 = hi.parse().ok()?;
    let (prefix, lo) = split_port_number(head)?;
    (lo <= hi && hi - lo < 10_000).then_some((prefix, lo, hi))
}

/// `GigabitEthernet1/0/48` -> (`GigabitEthernet1/0/`, 48).
fn split_port_number(name: &str) -> Option<(String, u32)> {
    let digits = name
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 || digits == name.len() {
        return None;
    }
    let (p, n) = name.split_at(name.len() - digits);
    Some((p.to_string(), n.parse().ok()?))
}
