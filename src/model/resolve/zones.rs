//! Resolution of zones: networks and assets to exact address sets, Purdue level, SL-T, VLAN;
//! then the checks across zones (no shared address, no shared VLAN).

use super::cx::{check_text, Cx};
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::model::*;
use crate::syntax::ast;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One parsed address token.
pub(super) enum AddrItem {
    Net(IpNet),
    Range(IpAddr, IpAddr),
}

pub(super) fn parse_addr(tok: &ast::Token, allow_range: bool) -> Result<AddrItem, Diagnostic> {
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

pub(super) fn add_item(set: &mut AddrSet, item: &AddrItem) {
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
        nat: Vec::new(),
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
    let mut nat: Vec<Nat> = Vec::new();
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
            ast::StmtKind::Network(entries) => {
                if !network(cx, entries, &mut networks, &mut addrs, &mut nat) {
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
            // The assessment facts: `resolve::assessment` reads them.
            ast::StmtKind::Designation(_)
            | ast::StmtKind::Tag(_)
            | ast::StmtKind::Location(_)
            | ast::StmtKind::Risk(_) => {}
            ast::StmtKind::Capability { .. } => {
                super::assessment::misplaced_capability(cx, st, "zone")
            }
            _ => cx.not_here(st, "zone"),
        }
    }
    let zname = &z.name.name;
    if ok {
        ok = zone_complete(cx, z, &networks, level.is_some(), sl.is_some());
    }
    if ok {
        ok = check_nat(cx, zname, &nat, &networks, &entry_spans(z));
    }
    nat.sort();
    let translated = Zone {
        nat: nat.clone(),
        ..placeholder_zone(z)
    };
    let inside = translated.to_inside(&addrs);
    check_assets_inside(cx, zname, &assets, &inside, &addrs);
    // Assets are written as the zone's hosts see themselves; the plant reaches them outside.
    let mut assets: Vec<(Asset, Span)> = assets
        .into_iter()
        .map(|(mut a, s, _)| {
            a.addrs = translated.to_outside(&a.addrs);
            (a, s)
        })
        .collect();
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
        nat,
        vlan: vlan.map(|v| v.0),
        assets,
        safety,
        transit,
        conduits: Vec::new(),
    })
    .filter(|_| ok)
    .map(|zone| (zone, spans))
}

/// A zone's `network` statement: each network added to the zone's addresses (a translated one
/// by its outside network, its translation to `nat`); false after an invalid one.
fn network(
    cx: &mut Cx,
    entries: &[ast::NetEntry],
    networks: &mut Vec<IpNet>,
    addrs: &mut AddrSet,
    nat: &mut Vec<Nat>,
) -> bool {
    let mut ok = true;
    for e in entries {
        let net = match parse_addr(&e.net, false) {
            Ok(AddrItem::Net(n)) => n,
            Ok(AddrItem::Range(..)) => continue,
            Err(d) => {
                ok = false;
                cx.err(d);
                continue;
            }
        };
        let (seen, tok) = match &e.nat {
            None => (net, &e.net),
            Some(out_tok) => match parse_addr(out_tok, false) {
                Ok(AddrItem::Net(outside)) => match nat_pair(net, outside, e) {
                    Ok(()) => {
                        nat.push(Nat {
                            inside: net,
                            outside,
                        });
                        (outside, out_tok)
                    }
                    Err(d) => {
                        ok = false;
                        cx.err(d);
                        continue;
                    }
                },
                Ok(AddrItem::Range(..)) => continue,
                Err(d) => {
                    ok = false;
                    cx.err(d);
                    continue;
                }
            },
        };
        if networks.contains(&seen) {
            cx.err(
                Diagnostic::warning(codes::DUPLICATE, format!("network `{seen}` listed twice"))
                    .at(tok.span, "listed again"),
            );
        }
        networks.push(seen);
        addrs.add_net(seen);
    }
    ok
}

/// `INSIDE nat OUTSIDE`: one family, one prefix length, two different networks.
fn nat_pair(inside: IpNet, outside: IpNet, e: &ast::NetEntry) -> Result<(), Diagnostic> {
    let span = e.nat.as_ref().map_or(e.net.span, |o| e.net.span.to(o.span));
    let err =
        |msg: String, label: &str| Diagnostic::error(codes::NAT, msg).at(span, label.to_string());
    if inside.addr().is_ipv4() != outside.addr().is_ipv4() {
        return Err(err(
            format!("`{inside}` and `{outside}` are of different address families"),
            "translated across families",
        )
        .help(
            "a static 1:1 translation maps an IPv4 network onto an IPv4 network, or IPv6 onto IPv6",
        ));
    }
    if inside.prefix_len() != outside.prefix_len() {
        let fixed = IpNet::new(outside.network(), inside.prefix_len())
            .map(|n| n.trunc().to_string())
            .unwrap_or_else(|_| outside.to_string());
        return Err(err(
            format!(
                "`{inside}` and `{outside}` have different prefix lengths (/{} and /{})",
                inside.prefix_len(),
                outside.prefix_len()
            ),
            "not one to one",
        )
        .help(format!(
            "a static 1:1 translation maps each address to one address: write `{inside} nat {fixed}`"
        )));
    }
    if inside == outside {
        return Err(err(
            format!("`{inside}` is translated to itself"),
            "translates nothing",
        )
        .help(format!("write `network {inside}`")));
    }
    Ok(())
}

/// The spans of each `INSIDE nat OUTSIDE` entry of a zone, in the order of `nat` before sorting.
fn entry_spans(z: &ast::Zone) -> Vec<Span> {
    z.stmts
        .iter()
        .filter_map(|st| match &st.kind {
            ast::StmtKind::Network(entries) => Some(entries),
            _ => None,
        })
        .flatten()
        .filter_map(|e| e.nat.as_ref().map(|o| e.net.span.to(o.span)))
        .collect()
}

/// A zone's inside networks overlap neither each other nor its other networks (its hosts
/// could not tell them apart).
fn check_nat(cx: &mut Cx, zname: &str, nat: &[Nat], networks: &[IpNet], spans: &[Span]) -> bool {
    let mut ok = true;
    for (i, n) in nat.iter().enumerate() {
        let clash = nat[..i]
            .iter()
            .map(|m| m.inside)
            .chain(
                networks
                    .iter()
                    .copied()
                    .filter(|o| !nat.iter().any(|m| m.outside == *o)),
            )
            .chain(nat.iter().map(|m| m.outside))
            .find(|o| {
                *o != n.outside && AddrSet::from_net(*o).overlaps(&AddrSet::from_net(n.inside))
            });
        if let Some(other) = clash {
            ok = false;
            let span = spans.get(i).copied().unwrap_or_default();
            cx.err(
                Diagnostic::error(
                    codes::NAT,
                    format!(
                        "inside network `{}` of zone `{zname}` overlaps its network `{other}`",
                        n.inside
                    ),
                )
                .at(span, "overlapping inside network")
                .help("the zone's hosts could not tell the two apart: give each inside network its own addresses"),
            );
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
            // The asset's SL-C: an assessment fact (`assessment::resolve`).
            ast::StmtKind::Capability { .. } => {}
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

/// Every asset's addresses lie inside its zone's networks, as the zone's hosts see them
/// (`inside`; `outside`: as the plant sees them, the same for a zone without `nat`).
fn check_assets_inside(
    cx: &mut Cx,
    zname: &str,
    assets: &[(Asset, Span, Vec<AddrItem>)],
    inside: &AddrSet,
    outside: &AddrSet,
) {
    for (asset, span, _) in assets {
        if asset.addrs.is_empty() || inside.is_empty() || inside.contains_set(&asset.addrs) {
            continue;
        }
        let d = Diagnostic::error(
            codes::ASSET_OUTSIDE_ZONE,
            format!(
                "asset `{}` lies outside the networks of zone `{zname}`",
                asset.name
            ),
        )
        .at(*span, "not inside the zone's networks");
        cx.err(if inside != outside && outside.contains_set(&asset.addrs) {
            d.help(format!(
                "zone `{zname}` translates its networks: write its assets as its own hosts see them, in {inside}"
            ))
        } else {
            d.help(format!(
                "zone `{zname}` has {inside}; an address belongs to exactly one zone"
            ))
        });
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

/// A translated zone is attached by a device that translates for it: a firewall or a router.
pub(super) fn check_translated_attached(
    cx: &mut Cx,
    zones: &[Zone],
    spans: &[Span],
    devices: &[Device],
) {
    for (zi, (z, span)) in zones.iter().zip(spans).enumerate() {
        if !z.is_translated() {
            continue;
        }
        let attached = devices.iter().any(|d| {
            d.kind != DeviceKind::Switch && d.interfaces.iter().any(|i| i.zone == ZoneId(zi))
        });
        if !attached {
            let n = z.nat[0];
            cx.err(
                Diagnostic::error(
                    codes::NAT_NO_DEVICE,
                    format!("zone `{}` translates its networks but no firewall or router attaches it", z.name),
                )
                .at(*span, "translated zone")
                .help(format!(
                    "give the firewall or router that translates `{}` to `{}` an interface in zone `{}`",
                    n.inside, n.outside, z.name
                )),
            );
        }
    }
}
