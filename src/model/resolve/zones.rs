//! Resolution of zones: networks and assets to exact address sets, Purdue level, SL-T, VLAN;
//! then the checks across zones (no shared address, no shared VLAN).

use super::cx::{check_text, Cx};
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::model::*;
use crate::syntax::ast;
use std::collections::BTreeMap;
use std::net::IpAddr;

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

pub(super) fn placeholder_zone(z: &ast::Zone) -> Zone {
    Zone {
        name: z.name.name.clone(),
        description: None,
        owner: None,
        level: Level(0),
        sl: Sl::uniform(1),
        networks: Vec::new(),
        addrs: AddrSet::new(),
        vlan: None,
        assets: Vec::new(),
        safety: false,
        transit: false,
        conduits: Vec::new(),
    }
}

pub(super) fn resolve_zone(
    cx: &mut Cx,
    z: &ast::Zone,
    id: ZoneId,
    exceptions: &mut Vec<(Exception, Span)>,
) -> Option<(Zone, ZoneSpans)> {
    let mut description = None;
    let mut owner = None;
    let mut level = None;
    let mut sl = None;
    let mut vlan = None;
    let mut safety = false;
    let mut transit = false;
    let mut networks = Vec::new();
    let mut addrs = AddrSet::new();
    let mut assets: Vec<(Asset, Span, Vec<AddrItem>)> = Vec::new();
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
                if !network(cx, toks, &mut networks, &mut addrs) {
                    ok = false;
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
            ast::StmtKind::Transit => transit = true,
            ast::StmtKind::Exception(e) => {
                let span = e.rule.span.to(e.justification.span);
                cx.exception(e, Scope::Zone(id), span, exceptions);
            }
            ast::StmtKind::Asset(a) => {
                if let Some(asset) = resolve_asset(cx, z, a, &assets) {
                    assets.push(asset);
                }
            }
            _ => cx.not_here(st, "zone"),
        }
    }
    let zname = &z.name.name;
    if ok {
        ok = zone_complete(cx, z, &networks, level.is_some(), sl.is_some());
    }
    check_assets_inside(cx, zname, &assets, &addrs);
    let mut assets: Vec<(Asset, Span)> = assets.into_iter().map(|(a, s, _)| (a, s)).collect();
    assets.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let (assets, asset_spans) = assets.into_iter().unzip();
    networks.sort();
    let spans = ZoneSpans {
        name: z.name.span,
        assets: asset_spans,
    };
    Some(Zone {
        name: zname.clone(),
        description: description.map(|d| d.0),
        owner: owner.map(|d| d.0),
        level: level.map(|l| l.0)?,
        sl: sl.map(|s| s.0)?,
        networks,
        addrs,
        vlan: vlan.map(|v| v.0),
        assets,
        safety,
        transit,
        conduits: Vec::new(),
    })
    .filter(|_| ok)
    .map(|zone| (zone, spans))
}

/// A zone's `network` statement: each network added to the zone's addresses; false after an
/// invalid one.
fn network(
    cx: &mut Cx,
    toks: &[ast::Token],
    networks: &mut Vec<IpNet>,
    addrs: &mut AddrSet,
) -> bool {
    let mut ok = true;
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
    ok
}

/// An `asset` statement; `None` when the zone already has an asset of that name.
fn resolve_asset(
    cx: &mut Cx,
    z: &ast::Zone,
    a: &ast::Asset,
    assets: &[(Asset, Span, Vec<AddrItem>)],
) -> Option<(Asset, Span, Vec<AddrItem>)> {
    if a.name.name == "self" {
        cx.err(super::own::reserved(a.name.span, "asset"));
    }
    if let Some((_, prev_span, _)) = assets.iter().find(|(x, _, _)| x.name == a.name.name) {
        let prev_span = *prev_span;
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
        return None;
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
            ast::StmtKind::Kind(k) => {
                let parsed = asset_kind(cx, k);
                cx.once(&mut kind, parsed, ast, "kind")
            }
            ast::StmtKind::Description(t) => {
                check_text(t, &mut cx.diags);
                cx.once(&mut adesc, t.value.clone(), ast, "description");
            }
            _ => cx.not_here(ast, "asset"),
        }
    }
    Some((
        Asset {
            name: a.name.name.clone(),
            written: a.addrs.iter().map(|t| t.text.clone()).collect(),
            addrs: set,
            kind: kind.and_then(|k| k.0),
            description: adesc.map(|d| d.0),
        },
        a.name.span,
        items,
    ))
}

/// `kind NAME`: a kind of the vocabulary or a site's own `x-NAME`; `None` after reporting E0027.
fn asset_kind(cx: &mut Cx, k: &ast::Ident) -> Option<AssetKind> {
    let kind = AssetKind::parse(&k.name);
    if kind.is_none() {
        let names: Vec<&str> = AssetKind::ALL.iter().map(|k| k.name()).collect();
        let mut d = Diagnostic::error(
            codes::ASSET_KIND,
            format!("unknown asset kind `{}`", k.name),
        )
        .at(k.span, "not a kind of the vocabulary");
        let site = format!("a site's own classification is written `x-{}`", k.name);
        d = d.help(match did_you_mean(&k.name, names) {
            Some(h) => format!("{h} ({site})"),
            None => format!("{site}; docs/language.md lists the kinds lint rules read"),
        });
        cx.err(d);
    }
    kind
}

/// A zone lacking its network, level or SL-T is reported once, for the first thing it lacks.
fn zone_complete(
    cx: &mut Cx,
    z: &ast::Zone,
    networks: &[IpNet],
    has_level: bool,
    has_sl: bool,
) -> bool {
    let zname = &z.name.name;
    if networks.is_empty() {
        cx.err(
            Diagnostic::error(codes::MISSING, format!("zone `{zname}` has no network"))
                .at(z.name.span, "no `network` statement")
                .help("add `network ADDRESS/LENGTH`: an address belongs to exactly one zone"),
        );
        return false;
    }
    if !has_level {
        cx.err(
            Diagnostic::error(
                codes::MISSING,
                format!("zone `{zname}` has no Purdue level"),
            )
            .at(z.name.span, "no `level` statement")
            .help("add `level N` with N one of 0, 1, 2, 3, 3.5, 4, 5"),
        );
        return false;
    }
    if !has_sl {
        cx.err(
            Diagnostic::error(codes::MISSING, format!("zone `{zname}` has no SL-T"))
                .at(z.name.span, "no `sl-target` statement")
                .help("add `sl-target N` (1-4) or a vector `sl-target { iac 2 uc 2 si 2 dc 2 rdf 2 tre 2 ra 2 }`"),
        );
        return false;
    }
    true
}

/// Every asset's addresses lie inside its zone's networks.
fn check_assets_inside(
    cx: &mut Cx,
    zname: &str,
    assets: &[(Asset, Span, Vec<AddrItem>)],
    addrs: &AddrSet,
) {
    for (asset, span, _) in assets {
        if !asset.addrs.is_empty() && !addrs.is_empty() && !addrs.contains_set(&asset.addrs) {
            cx.err(
                Diagnostic::error(
                    codes::ASSET_OUTSIDE_ZONE,
                    format!(
                        "asset `{}` lies outside the networks of zone `{zname}`",
                        asset.name
                    ),
                )
                .at(*span, "not inside the zone's networks")
                .help(format!(
                    "zone `{zname}` has {}; an address belongs to exactly one zone",
                    addrs
                )),
            );
        }
    }
}

/// Two zones may not share an address: one sweep over all intervals, sorted. `spans`: the
/// zones' names, by id.
pub(super) fn check_zone_overlaps(cx: &mut Cx, zones: &[Zone], spans: &[Span]) {
    fn sweep<T: Ord + Copy>(
        cx: &mut Cx,
        zones: &[Zone],
        spans: &[Span],
        mut iv: Vec<(T, T, usize)>,
    ) {
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
                        .at(spans[z], format!("overlaps zone `{}`", a.name))
                        .related(spans[zc], "this zone claims the same addresses")
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
    sweep(cx, zones, spans, v4);
    let v6 = zones
        .iter()
        .enumerate()
        .flat_map(|(i, z)| z.addrs.v6.iter().map(move |&(l, h)| (l, h, i)))
        .collect();
    sweep(cx, zones, spans, v6);
}

pub(super) fn check_vlans(cx: &mut Cx, zones: &[Zone], spans: &[Span]) {
    let mut seen: BTreeMap<u16, (&Zone, Span)> = BTreeMap::new();
    for (z, span) in zones.iter().zip(spans) {
        if let Some(v) = z.vlan {
            if let Some((prev, prev_span)) = seen.get(&v) {
                cx.err(
                    Diagnostic::error(
                        codes::VLAN_REUSED,
                        format!("VLAN {v} is used by zones `{}` and `{}`", prev.name, z.name),
                    )
                    .at(*span, format!("also VLAN {v}"))
                    .related(*prev_span, "first zone with this VLAN")
                    .help(
                        "give each zone its own VLAN: a shared VLAN is a shared broadcast domain",
                    ),
                );
            } else {
                seen.insert(v, (z, *span));
            }
        }
    }
}
