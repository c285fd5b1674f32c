//! Lowering of a router's static 1:1 NAT (`network INSIDE nat OUTSIDE` on a zone it attaches):
//! the interfaces' NAT roles, one `ip nat inside source static network` per translated
//! network, and where two translated zones (or a translated zone and another interface) share
//! inside addresses, a VRF per translated zone with its routes to the global table. Also the
//! combinations this target cannot generate correctly, refused as `E0039` at the device.
//!
//! The filters are written in the addresses each ACL sees ([`super::lower::inside_view`]): IOS
//! evaluates an inbound ACL before translating, so an inside interface's ACL sees the zone's
//! inside sources and an outside interface's ACL sees the zone's outside destinations.

use super::ast::*;
use super::lower::{inside_view, sha8, word, Translation};
use super::router::iface_slug;
use crate::diagnostic::Diagnostic;
use crate::dialect::EmitContext;
use crate::error::Result;
use crate::model::AddrSet;
use crate::plan::{DeviceIr, InterfaceIr};
use ipnet::IpNet;
use std::net::IpAddr;

/// The addresses on the wire of an interface: what lies behind it, inside addresses for a
/// translated one.
fn wire(i: &InterfaceIr) -> AddrSet {
    inside_view(&i.nat, &i.behind)
}

/// Does the device need a VRF per translated zone: do the inside addresses of a translated
/// interface meet the addresses on the wire of another interface?
fn needs_vrf(device: &DeviceIr) -> bool {
    device.interfaces.iter().enumerate().any(|(k, i)| {
        !i.nat.is_empty()
            && device
                .interfaces
                .iter()
                .enumerate()
                .any(|(j, o)| j != k && !wire(i).intersect(&wire(o)).is_empty())
    })
}

/// IOS takes VRF names of at most 32 characters.
const MAX_VRF_NAME: usize = 32;

/// The VRF of a translated interface: named after it, or after a hash of its name where that
/// would be too long.
fn vrf_name(iface: &str) -> String {
    let name = format!("FL-NAT-{}", iface_slug(iface));
    if name.len() <= MAX_VRF_NAME {
        name
    } else {
        format!("FL-NAT-{}", sha8(&[iface]))
    }
}

/// The combinations of translation this target cannot generate correctly on `device`, each an
/// error at the device.
pub(super) fn refusals(cx: &EmitContext, device: &DeviceIr) -> Vec<Diagnostic> {
    let mut why: Vec<(String, &str)> = Vec::new();
    let translated: Vec<usize> = (0..device.interfaces.len())
        .filter(|&k| !device.interfaces[k].nat.is_empty())
        .collect();
    if translated.is_empty() {
        return Vec::new();
    }
    let model_dev = cx.model.device(device.device);
    if !model_dev.cluster.is_empty() {
        why.push((
            "translates on a cluster".into(),
            "both nodes would hold the translations without IOS's stateful NAT redundancy, which fenceline does not generate; translate on a single router",
        ));
    }
    let vrf = needs_vrf(device);
    for &k in &translated {
        let i = &device.interfaces[k];
        let zone = cx.model.zone(i.zone);
        if i.nat.iter().any(|n| matches!(n.inside, IpNet::V6(_))) || !zone.addrs.v6.is_empty() {
            why.push((
                format!("translates zone `{}`, which has IPv6 networks", i.zone_name),
                "IOS static network NAT is IPv4 only: give the zone IPv4 networks only, or translate it on a Linux firewall",
            ));
        }
        if i.behind_zones.len() > 1 {
            why.push((
                format!("translates zone `{}` on `{}`, behind which lie other zones", i.zone_name, i.name),
                "the other zones' addresses would cross the translation untranslated; attach the translated zone by an interface of its own",
            ));
        }
        if translated
            .iter()
            .any(|&j| j < k && device.interfaces[j].zone == i.zone)
        {
            why.push((
                format!(
                    "attaches translated zone `{}` by two interfaces",
                    i.zone_name
                ),
                "one static translation cannot serve two interfaces; attach the zone by one",
            ));
        }
        if vrf {
            let v4 = model_dev
                .interfaces
                .get(k)
                .map_or(0, |m| m.addresses.iter().filter(|a| a.is_ipv4()).count());
            if v4 != 1 {
                why.push((
                    format!("puts translated zone `{}` in a VRF, and `{}` has no single IPv4 `address`", i.zone_name, i.name),
                    "IOS removes an interface's address when it moves into a VRF, so the file sets it again: give the interface exactly one IPv4 `address`",
                ));
            }
        }
    }
    for p in &device.pairs {
        if p.rules.is_empty() {
            continue;
        }
        let (a, b) = (&device.interfaces[p.ingress], &device.interfaces[p.egress]);
        if !a.nat.is_empty() && !b.nat.is_empty() {
            why.push((
                format!("carries flows between translated zones `{}` and `{}`", a.zone_name, b.zone_name),
                "IOS translates between an inside and an outside interface only; route these flows through another device",
            ));
        } else if vrf && (!a.nat.is_empty() || !b.nat.is_empty()) {
            let (skid, other) = if a.nat.is_empty() { (b, a) } else { (a, b) };
            if !wire(skid).intersect(&other.behind).is_empty() {
                why.push((
                    format!("carries flows between translated zone `{}` and zones beyond `{}` that use its inside addresses", skid.zone_name, other.name),
                    "the zone's hosts see those addresses as their own network; give the zone another inside network, or route these flows through another device",
                ));
            }
            // The VRF is routed to the networks of the zone on the other interface only
            // (`ip route vrf NAME NET MASK INTERFACE`, no next hop): every flow of the pair
            // must end there, whatever else lies beyond that interface.
            let near = &cx.model.zone(other.zone).addrs;
            let far_beyond = p.rules.iter().any(|r| {
                let far = if a.nat.is_empty() { &r.src } else { &r.dst };
                !near.contains_set(far)
            });
            if far_beyond {
                why.push((
                    format!("routes a translated zone's VRF to zones beyond `{}` (`{}`)", other.name, other.zone_name),
                    "fenceline routes a VRF to the networks attached to the router's other interfaces only (`ip route vrf NAME NET MASK INTERFACE`); attach those zones to the router, or translate on a Linux firewall",
                ));
            }
        }
    }
    // Device-level flows of the global table (management from an untranslated zone) stay;
    // those of a skid's interface would live in its VRF.
    if vrf
        && device
            .local
            .iter()
            .any(|l| !l.rules.is_empty() && !device.interfaces[l.interface].nat.is_empty())
    {
        why.push((
            "has device-level flows on a translated zone's interface and puts translated zones in VRFs".into(),
            "`self` would stand for addresses in several routing tables; drop the device-level flows, or give the skids distinct inside networks",
        ));
    }
    for l in device
        .local
        .iter()
        .filter(|l| !l.to_device && !l.rules.is_empty())
    {
        let i = &device.interfaces[l.interface];
        if !i.nat.is_empty() {
            why.push((
                format!("opens connections into translated zone `{}`", i.zone_name),
                "the router reaches the zone at its inside addresses, which a flow from `self` cannot name; allow the zone's hosts to the router instead",
            ));
        }
    }
    crate::dialect::nat::refused(cx, device, "router", "cisco-ios", why)
}

fn v4(net: IpNet) -> Option<(u32, u8)> {
    match net {
        IpNet::V4(n) => Some((n.network().into(), n.prefix_len())),
        IpNet::V6(_) => None,
    }
}

/// The translation of a device that attaches translated zones; `None` when it attaches none.
/// Assumes [`refusals`] found nothing (what it refuses is left out here).
pub(super) fn translation(cx: &EmitContext, device: &DeviceIr) -> Result<Option<Translation>> {
    if device.interfaces.iter().all(|i| i.nat.is_empty()) {
        return Ok(None);
    }
    let vrf = needs_vrf(device);
    let model_dev = cx.model.device(device.device);
    let mut t = Translation::default();
    for (k, i) in device.interfaces.iter().enumerate() {
        let mut lines = Vec::new();
        if i.nat.is_empty() {
            lines.push(IfLine::Nat(NatRole::Outside));
            t.iface_lines.push(lines);
            continue;
        }
        let name = vrf.then(|| vrf_name(&i.name));
        if let Some(name) = &name {
            let w = word(name)?;
            t.vrfs.push(VrfDef {
                name: w.clone(),
                lines: vec![VrfLine::AddressFamily(false), VrfLine::ExitAddressFamily],
            });
            lines.push(IfLine::VrfForwarding(w));
            // `vrf forwarding` removes the interface's address: set it again after it.
            let zone = cx.model.zone(i.zone);
            if let Some(IpAddr::V4(a)) = model_dev
                .interfaces
                .get(k)
                .and_then(|m| m.addresses.iter().find(|a| a.is_ipv4()))
                .copied()
            {
                let ip = IpAddr::V4(a);
                let len = i
                    .nat
                    .iter()
                    .map(|n| n.inside)
                    .chain(zone.networks.iter().copied())
                    .find(|n| n.contains(&ip))
                    .map(|n| n.prefix_len());
                if let Some(len) = len {
                    lines.push(IfLine::IpAddress {
                        addr: a.into(),
                        len,
                    });
                }
            }
        }
        lines.push(IfLine::Nat(NatRole::Inside));
        t.iface_lines.push(lines);
        for n in &i.nat {
            let (Some((inside, len)), Some((outside, _))) = (v4(n.inside), v4(n.outside)) else {
                continue;
            };
            t.statics.push(NatStatic {
                inside,
                outside,
                len,
                vrf: name.as_deref().map(word).transpose()?,
                at: At::default(),
            });
        }
        if let Some(name) = &name {
            // The VRF reaches the global table's networks its flows and replies go to, out of
            // the interfaces that attach them.
            let mut egress: Vec<usize> = device
                .pairs
                .iter()
                .filter(|p| !p.rules.is_empty())
                .filter_map(|p| {
                    if p.ingress == k {
                        Some(p.egress)
                    } else if p.egress == k {
                        Some(p.ingress)
                    } else {
                        None
                    }
                })
                .collect();
            egress.sort();
            egress.dedup();
            for e in egress {
                let out = &device.interfaces[e];
                for net in cx.model.zone(out.zone).addrs.v4_nets() {
                    t.routes.push(VrfRoute {
                        vrf: word(name)?,
                        addr: net.network().into(),
                        len: net.prefix_len(),
                        interface: word(&out.name)?,
                    });
                }
            }
        }
    }
    Ok(Some(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vrf_names_fit_ios() {
        assert_eq!(vrf_name("GigabitEthernet0/1"), "FL-NAT-GI0-1");
        let long = vrf_name("TwentyFiveGigE1/0/1.1234567890123456789");
        assert!(
            long.len() <= MAX_VRF_NAME && long.starts_with("FL-NAT-"),
            "{long}"
        );
        assert_ne!(long, vrf_name("TwentyFiveGigE1/0/1.1234567890123456788"));
    }
}
