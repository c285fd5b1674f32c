//! ## What it does
//! Flags a conduit whose zones are more than one Purdue level apart, counting the industrial
//! DMZ (3.5) as a level: 0, 1, 2, 3, 3.5, 4, 5. A level-3 zone and a level-1 zone skip level 2.
//!
//! Pairs of an IT zone (4/5) and a control zone (0-3) are reported by FR5-002 instead.
//!
//! A level-5 zone (a vendor, the Internet) joined to an industrial DMZ over a VPN that
//! terminates at the DMZ is the recommended design for remote and vendor access, not a skip of
//! level 4: routing it through enterprise IT would expose IT and add no control. The VPN
//! terminates at the DMZ when the policy shows it, either
//! - on a device that attaches both zones: a device-level flow from the level-5 zone to the
//!   device carrying a VPN protocol (`allow vendor.vpn-peer -> self ike, ipsec-esp` in the
//!   IDMZ firewall's block), or
//! - on a VPN gateway in the DMZ: a flow of the conduit from the level-5 zone into the DMZ
//!   carrying a VPN protocol.
//!
//! A VPN protocol is recognised by what it carries: IKE (udp/500, udp/4500), ESP (ip/50), AH
//! (ip/51), WireGuard (udp/51820) or OpenVPN (udp/1194, tcp/1194), whatever the service is
//! called. A conduit from a level-5 zone to the DMZ with no VPN in sight is still flagged.
//!
//! ## Why is this bad
//! The Purdue model layers the plant so that each level talks only to its neighbours; every
//! layer is a boundary an attacker has to cross. A conduit that skips a level bypasses the
//! supervisory or operations layer that should mediate, inspect and log the exchange, and it
//! usually means that assets sit in the wrong zone.
//!
//! ## Example
//! ```fence
//! zone operations { level 3  sl-target 2  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! zone field      { level 1  sl-target 2  network 10.40.0.0/24  asset plc 10.40.0.5 }
//! conduit operations-field {
//!   connects operations, field
//!   allow operations.historian -> field.plc opcua
//! }
//! ```
//!
//! ## Use instead
//! Connect adjacent levels, through the supervisory zone, or move the assets that talk to the
//! field into a level-2 zone:
//! ```fence
//! zone operations  { level 3  sl-target 2  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! zone supervisory { level 2  sl-target 2  network 10.35.0.0/24  asset scada 10.35.0.10 }
//! zone field       { level 1  sl-target 2  network 10.40.0.0/24  asset plc 10.40.0.5 }
//! conduit operations-supervisory {
//!   connects operations, supervisory
//!   allow supervisory.scada -> operations.historian opcua
//! }
//! conduit supervisory-field {
//!   connects supervisory, field
//!   allow supervisory.scada -> field.plc opcua
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.1 (network segmentation)
//! - IEC 62443-3-2 ZCR 3.6 (externally connected devices)
//! - Purdue reference model: conduits connect adjacent levels only; remote access terminates
//!   in the industrial DMZ

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{ConduitId, Scope, SelfDirection, ServiceId, ServiceItem, ZoneId};

pub const RULE: Rule = Rule {
    id: "FR5-006",
    name: "level-skip",
    severity: Severity::Warning,
    reference: "SR 5.1; Purdue model",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_006_level_skip.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (ci, c) in cx.model.conduits.iter().enumerate() {
        for (i, a) in c.zones.iter().enumerate() {
            for b in &c.zones[i + 1..] {
                let (za, zb) = (cx.zone(*a), cx.zone(*b));
                let (la, lb) = (za.level, zb.level);
                if (la.is_it() && lb.is_control()) || (lb.is_it() && la.is_control()) {
                    continue; // FR5-002
                }
                let gap = la.rank().abs_diff(lb.rank());
                if gap <= 1 || vpn_into_dmz(cx, ConduitId(ci), *a, *b) {
                    continue;
                }
                let ((hi_id, hi), (lo_id, lo)) = if la > lb {
                    ((*a, za), (*b, zb))
                } else {
                    ((*b, zb), (*a, za))
                };
                let skipped: Vec<String> = crate::model::Level::VALID
                    .iter()
                    .filter(|v| **v > lo.level.0 && **v < hi.level.0)
                    .map(|v| crate::model::Level(*v).to_string())
                    .collect();
                let d = RULE
                    .diag(format!(
                        "conduit `{}` connects {} and {}, skipping level {}",
                        c.name,
                        crate::lint::zone_level(hi),
                        crate::lint::zone_level(lo),
                        skipped.join(", ")
                    ))
                    .at(cx.model.spans.conduit(ConduitId(ci)), "conduit across non-adjacent levels")
                    .about(Subject::Conduit(ConduitId(ci)))
                    .related(cx.model.spans.zone(hi_id), format!("level {}", hi.level))
                    .related(cx.model.spans.zone(lo_id), format!("level {}", lo.level))
                    .help("connect adjacent Purdue levels only, through the zones in between, or move the assets to a zone at the right level");
                out.push(Finding::new(d, vec![Scope::Conduit(ConduitId(ci))]));
            }
        }
    }
}

/// Whether `a` and `b` are a level-5 zone and a DMZ joined over a VPN that terminates at the
/// DMZ: on a device attaching both (a device-level flow from the level-5 zone carrying a VPN
/// protocol), or on a DMZ gateway (a flow of the conduit from the level-5 zone into the DMZ
/// carrying one).
fn vpn_into_dmz(cx: &Ctx, c: ConduitId, a: ZoneId, b: ZoneId) -> bool {
    let (outer, dmz) = match (cx.zone(a).level, cx.zone(b).level) {
        (la, lb) if la.0 == 50 && lb.is_dmz() => (a, b),
        (la, lb) if lb.0 == 50 && la.is_dmz() => (b, a),
        _ => return false,
    };
    let on_device = cx.model.self_flows.iter().any(|f| {
        let dev = cx.model.device(f.device);
        f.direction == SelfDirection::ToDevice
            && f.peer.zone == outer
            && dev.interface_to(outer).is_some()
            && dev.interface_to(dmz).is_some()
            && carries_vpn(cx, &f.services)
    });
    on_device
        || cx.model.conduit(c).flows.iter().any(|fid| {
            let f = cx.model.flow(*fid);
            f.src.zone == outer && f.dst.zone == dmz && carries_vpn(cx, &f.services)
        })
}

/// Whether a service list carries a VPN protocol: IKE, ESP, AH, WireGuard or OpenVPN.
fn carries_vpn(cx: &Ctx, services: &[ServiceId]) -> bool {
    services.iter().any(|s| {
        cx.model.service(*s).items.iter().any(|item| match item {
            // One port, not a range that happens to contain it.
            ServiceItem::Udp { ports } => {
                ports.lo == ports.hi && [500, 4500, 51820, 1194].contains(&ports.lo)
            }
            ServiceItem::Tcp { ports } => ports.lo == ports.hi && ports.lo == 1194,
            ServiceItem::Ip { number } => *number == 50 || *number == 51,
            _ => false,
        })
    })
}
