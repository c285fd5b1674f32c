//! Name lookups once zones and services are resolved: a flow's or an expectation's ends
//! (`zone` or `zone.asset`) and its services, each unknown name reported with a suggestion.

use super::cx::Cx;
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::model::*;
use crate::syntax::ast;
use std::collections::BTreeMap;

/// Indexes over the resolved zones and services.
pub(super) struct Names<'a> {
    pub(super) zones: &'a [Zone],
    pub(super) zone_names: &'a [&'a str],
    pub(super) zone_index: BTreeMap<&'a str, ZoneId>,
    /// Per zone, asset name -> the first asset of that name (what `Zone::asset` finds), so that
    /// resolving 100,000 flows does not scan a zone's assets for every end.
    asset_index: Vec<BTreeMap<&'a str, usize>>,
    service_names: Vec<&'a str>,
    service_index: BTreeMap<&'a str, ServiceId>,
}

impl<'a> Names<'a> {
    pub(super) fn new(
        zones: &'a [Zone],
        zone_names: &'a [&'a str],
        services: &'a [Service],
    ) -> Self {
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
        Names {
            zones,
            zone_names,
            zone_index,
            asset_index,
            service_names,
            service_index,
        }
    }

    pub(super) fn endpoint(&self, cx: &mut Cx, ep: &ast::Endpoint) -> Option<Endpoint> {
        let zones = self.zones;
        if ep.address {
            cx.err(self.address_end(ep));
            return None;
        }
        if ep.zone.name == "self" {
            // A device-level flow reads its `self` end before asking here: this one is elsewhere.
            cx.err(
                Diagnostic::error(codes::SELF_RESERVED, "`self` is only allowed in a device's `allow`")
                    .at(ep.zone.span, "`self` outside a device block")
                    .help("write `allow X -> self SERVICE` or `allow self -> X SERVICE` inside the `firewall`, `router` or `switch` block of the device"),
            );
            return None;
        }
        let Some(&zid) = self.zone_index.get(ep.zone.name.as_str()) else {
            cx.unknown("zone", &ep.zone, self.zone_names);
            return None;
        };
        let zone = &zones[zid.0];
        let asset = match &ep.asset {
            None => None,
            Some(a) => match self
                .asset_index
                .get(zid.0)
                .and_then(|m| m.get(a.name.as_str()))
            {
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
    }

    /// An end written as an address: ends are names, so this is always an error. An address
    /// that lies only in translated zones' inside networks names nothing outside them (E0041),
    /// and the help gives the outside address in each; any other address gets the name of the
    /// zone or asset that holds it.
    fn address_end(&self, ep: &ast::Endpoint) -> Diagnostic {
        let text = ep.zone.name.as_str();
        let token = ast::Token {
            text: text.to_string(),
            span: ep.zone.span,
        };
        let mut addrs = AddrSet::new();
        if let Ok(item) = super::zones::parse_addr(&token, true) {
            super::zones::add_item(&mut addrs, &item);
        }
        let syntax = || {
            Diagnostic::error(codes::SYNTAX, format!("expected a name, found `{text}`"))
                .at(ep.span, "an address, not a name")
        };
        if addrs.is_empty() {
            return syntax().help("a flow's or an expectation's end is a zone or `zone.asset`");
        }
        // As the plant sees it: the zone or asset that holds the address.
        let held: Vec<String> = self
            .zones
            .iter()
            .filter(|z| z.addrs.overlaps(&addrs))
            .map(
                |z| match z.assets.iter().find(|a| a.addrs.contains_set(&addrs)) {
                    Some(a) => format!("`{}.{}`", z.name, a.name),
                    None => format!("zone `{}`", z.name),
                },
            )
            .collect();
        if !held.is_empty() {
            return syntax().help(format!(
                "a flow's or an expectation's end is a zone or `zone.asset`: `{text}` is in {}",
                held.join(" and ")
            ));
        }
        let inside: Vec<(String, String)> = self
            .zones
            .iter()
            .filter(|z| z.is_translated() && z.inside_addrs().overlaps(&addrs))
            .map(|z| {
                let outside = z.to_outside(&addrs);
                let name = match z.assets.iter().find(|a| a.addrs.contains_set(&outside)) {
                    Some(a) => format!("`{}.{}`", z.name, a.name),
                    None => format!("zone `{}`", z.name),
                };
                let mut shown = outside.to_string();
                if !text.contains('/') {
                    // A host written as a host.
                    shown = shown
                        .trim_end_matches("/32")
                        .trim_end_matches("/128")
                        .to_string();
                }
                (format!("`{shown}` ({name})"), format!("`{}`", z.name))
            })
            .collect();
        if inside.is_empty() {
            return syntax().help(format!(
                "a flow's or an expectation's end is a zone or `zone.asset`; no zone holds `{text}`"
            ));
        }
        let (outside, zones): (Vec<String>, Vec<String>) = inside.into_iter().unzip();
        Diagnostic::error(
            codes::NAT_INSIDE_ADDRESS,
            format!(
                "`{text}` is an inside address of translated zone{} {}, which names nothing outside {}",
                if zones.len() > 1 { "s" } else { "" },
                zones.join(" and "),
                if zones.len() > 1 { "them" } else { "it" },
            ),
        )
        .at(ep.span, "inside address named from outside")
        .help(format!(
            "from outside, it is {}: name the zone or `zone.asset`",
            outside.join(" or ")
        ))
    }

    pub(super) fn service(&self, cx: &mut Cx, r: &ast::ServiceRef) -> Option<ServiceId> {
        match self.service_index.get(r.text()) {
            Some(id) => Some(*id),
            None => {
                if let ast::ServiceRef::Named(id) = r {
                    cx.unknown("service", id, &self.service_names);
                }
                None
            }
        }
    }
}
