//! Static 1:1 NAT on PAN-OS (`network INSIDE nat OUTSIDE` on a zone a `panos` firewall
//! attaches): per translated network, a NAT rule `FL-NAT-<zone>-<n>` `from <zone> to any`,
//! `source` the inside network, `source-translation static-ip translated-address` the outside
//! network, `bi-directional yes` (the reverse direction translates connections to the outside
//! network back). Security rules match the addresses before translation and the zone after it,
//! so a rule into the zone names its outside addresses and a rule out of it its inside ones.
//! What this cannot do exactly is refused here (E0076).

use crate::diagnostic::{codes, Diagnostic, Subject};
use crate::dialect::EmitContext;
use crate::plan::DeviceIr;
use ipnet::IpNet;

/// What this target cannot translate exactly on `device`, each an error (E0076) at the device.
pub fn refusals(cx: &EmitContext, device: &DeviceIr) -> Vec<Diagnostic> {
    let mut why: Vec<(String, &str)> = Vec::new();
    let t: Vec<_> = device
        .interfaces
        .iter()
        .filter(|i| !i.nat.is_empty())
        .collect();
    for i in &t {
        if i.nat.iter().any(|n| matches!(n.inside, IpNet::V6(_))) {
            why.push((
                format!("translates IPv6 networks of zone `{}`", i.zone_name),
                "IPv6 NAT rules (NPTv6) are not generated; translate the zone's IPv4 networks only, or give this device target `nftables` or `iptables`",
            ));
        }
    }
    for (k, a) in t.iter().enumerate() {
        for b in &t[k + 1..] {
            let meet = a.nat.iter().any(|x| {
                b.nat.iter().any(|y| {
                    x.inside.contains(&y.inside.network()) || y.inside.contains(&x.inside.network())
                })
            });
            if meet {
                why.push((
                    format!(
                        "translates zones `{}` and `{}`, whose inside networks meet",
                        a.zone_name, b.zone_name
                    ),
                    "a bi-directional NAT rule's reverse direction sends the outside address to the inside one, which the firewall routes by one table: two skids on one inside network cannot both be reached; give the skids distinct inside networks, or put them behind an nftables, iptables or Cisco IOS device",
                ));
            }
        }
    }
    for p in device.pairs.iter().filter(|p| !p.rules.is_empty()) {
        let (i, o) = (&device.interfaces[p.ingress], &device.interfaces[p.egress]);
        if !i.nat.is_empty() && !o.nat.is_empty() {
            why.push((
                format!(
                    "carries flows between translated zones `{}` and `{}`",
                    i.zone_name, o.zone_name
                ),
                "both ends of such a connection would be translated; route these flows through another device, or drop `nat` from one zone",
            ));
        }
    }
    for l in device.local.iter().filter(|l| !l.rules.is_empty()) {
        let i = &device.interfaces[l.interface];
        if !i.nat.is_empty() {
            why.push((
                format!("has device-level flows with translated zone `{}`", i.zone_name),
                "the firewall's own traffic with the zone is not translated, so it would use the inside addresses that `self` flows do not name; let another device serve them",
            ));
        }
    }
    why.sort();
    why.dedup();
    why.into_iter()
        .map(|(what, help)| {
            Diagnostic::error(
                codes::PANOS_NAT,
                format!(
                    "firewall `{}` {what}: target panos cannot generate this translation",
                    device.name
                ),
            )
            .at(cx.model.spans.device(device.device), "translating device")
            .about(Subject::Device(device.device))
            .help(help)
        })
        .collect()
}
