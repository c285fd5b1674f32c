//! ## What it does
//! Flags a zone with SL-T(RDF) 3 or higher whose boundary includes an enforcement device that
//! has no generated island-mode switch. The nftables output ships the `island` set and the
//! iptables output the `FL-ISLAND` chain, both checked before connection tracking; a Cisco IOS
//! router has one only with `island` (prepared `FL-ISLAND-` ACLs and the EEM applets that bind
//! them), without it none. One finding per zone and device, a warning by default (raise it
//! with `[rules] "FR5-014" = "error"`).
//!
//! ## Why is this bad
//! From SL 3 on, a zone boundary must be able to stop every communication through it on demand
//! (SR 5.2 RE2, island mode), for example while an intrusion is contained. Without a prepared
//! switch, isolating the zone means editing ACLs under pressure, and established sessions keep
//! running while the edit is made.
//!
//! ## Example
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/24 }
//! router rtr-field {
//!   target cisco-ios                      # IOS ACLs: no island-mode switch
//!   interface GigabitEthernet0/0 control-center
//!   interface GigabitEthernet0/1 field
//! }
//! ```
//!
//! ## Use instead
//! Generate the router's island-mode switch with `island` (`event manager run
//! FL-ISLAND-GigabitEthernet0-1` cuts the interface), or enforce the boundary on a firewall whose
//! target ships an island switch (nftables: `nft add element inet fenceline island { "eth1" }`):
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/24 }
//! router rtr-field {
//!   target cisco-ios
//!   island
//!   interface GigabitEthernet0/0 control-center
//!   interface GigabitEthernet0/1 field
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.2 RE2 (island mode)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{DeviceId, Fr, Scope, ZoneId};

pub const RULE: Rule = Rule {
    id: "FR5-014",
    name: "island-mode-missing",
    severity: Severity::Warning,
    reference: "SR 5.2 RE2",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_014_island_mode_missing.rs"),
    check: Some(check),
};

/// SL-T(RDF) from which SR 5.2 RE2 applies.
const FROM_SL: u8 = 3;

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (zi, zone) in cx.model.zones.iter().enumerate() {
        let rdf = zone.sl.get(Fr::Rdf);
        if rdf < FROM_SL {
            continue;
        }
        let z = ZoneId(zi);
        for (di, d) in cx.model.devices.iter().enumerate() {
            let Some(iface) = d.interfaces.iter().position(|i| i.zone == z) else {
                continue;
            };
            let lacking: Vec<&str> = d
                .targets
                .iter()
                .filter(|t| d.island_control(**t).is_none())
                .map(|t| t.name())
                .collect();
            if lacking.is_empty() {
                continue;
            }
            out.push(Finding::new(
                RULE.diag(format!(
                    "zone `{}` with SL-T(RDF) {rdf} is bounded by `{}` ({}), which has no island-mode switch",
                    zone.name,
                    d.name,
                    lacking.join(", ")
                ))
                .at(cx.model.spans.interface(DeviceId(di), iface), "no island-mode switch on this interface")
                .about(Subject::Device(DeviceId(di)))
                .related(cx.model.spans.zone(z), format!("SL-T(RDF) {rdf}"))
                .help("SR 5.2 RE2 asks for a way to cut every communication through the boundary on demand; give the router `island` (a prepared ACL and an EEM applet per interface), enforce it on an nftables or iptables firewall, which ship an island switch, or document the manual procedure in an exception"),
                vec![Scope::Zone(z)],
            ));
        }
    }
}
