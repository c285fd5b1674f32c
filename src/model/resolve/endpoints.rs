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
