//! ## What it does
//! Flags a flow that crosses a `transit` zone whose SL-T is below its conduit's SL-T, for any
//! foundational requirement, unless every service of the flow is encrypted (none has the
//! `cleartext` flag). The zones a flow crosses are the zones on the loop-free paths between its
//! ends (the paths `via` keeps), other than the ends themselves. A conduit without `sl-target`
//! is not checked.
//!
//! ## Why is this bad
//! A transit network (a WAN, a carrier link, a shared backbone) carries the flow between its
//! zones without being one of them. Its SL-T says how well it is protected; a flow whose conduit
//! needs more crosses a network that does not give it: whoever can reach the transit network
//! can read and change the flow's packets there. Encryption end to end (TLS, IPsec) carries the
//! conduit's protection across the weaker network; cleartext does not.
//!
//! ## Example
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone station { level 2  sl-target 3  network 10.101.0.0/24  asset rtu 10.101.0.10 }
//! zone wan { level 2  sl-target 1  transit  network 10.90.0.0/24 }
//! conduit cc-station {
//!   connects control-center, station
//!   sl-target 3
//!   allow control-center.scada -> station.rtu iec104
//! }
//! firewall fw-cc {
//!   target nftables
//!   interface eth0 control-center
//!   interface eth1 wan
//! }
//! firewall fw-station {
//!   target nftables
//!   interface eth0 wan
//!   interface eth1 station
//! }
//! ```
//!
//! ## Use instead
//! Encrypt the flow across the transit network, or raise the transit zone's SL-T (and its
//! protection) to the conduit's:
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone station { level 2  sl-target 3  network 10.101.0.0/24  asset rtu 10.101.0.10 }
//! zone wan { level 2  sl-target 1  transit  network 10.90.0.0/24 }
//! service telecontrol-tls tcp/19998 { industrial  description "IEC 60870-5-104 over TLS (IEC 62351-3)" }
//! conduit cc-station {
//!   connects control-center, station
//!   sl-target 3
//!   allow control-center.scada -> station.rtu telecontrol-tls
//! }
//! firewall fw-cc {
//!   target nftables
//!   interface eth0 control-center
//!   interface eth1 wan
//! }
//! firewall fw-station {
//!   target nftables
//!   interface eth0 wan
//!   interface eth1 station
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 5.6 (SL-T per zone and conduit)
//! - IEC 62443-3-3 SR 3.1 RE1 (communication integrity), SR 4.1 RE1 (confidentiality across
//!   untrusted networks)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{FlowId, Fr, ZoneId};
use std::collections::BTreeSet;

pub const RULE: Rule = Rule {
    id: "FR5-020",
    name: "transit-below-flow-sl",
    severity: Severity::Warning,
    reference: "ZCR 5.6, SR 3.1 RE1, SR 4.1 RE1",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_020_transit_below_flow_sl.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let m = cx.model;
    if !m.zones.iter().any(|z| z.transit) {
        return;
    }
    for fid in m.flow_ids() {
        let f = m.flow(fid);
        let Some(csl) = m.conduit(f.conduit).sl else {
            continue;
        };
        if f.services.iter().all(|s| !m.service(*s).flags.cleartext) {
            continue;
        }
        for z in crossed_zones(cx, fid) {
            let zone = m.zone(z);
            if !zone.transit {
                continue;
            }
            let above: Vec<String> = Fr::ALL
                .iter()
                .filter(|fr| csl.get(**fr) > zone.sl.get(**fr))
                .map(|fr| format!("{} {} > {}", fr.name(), csl.get(*fr), zone.sl.get(*fr)))
                .collect();
            if above.is_empty() {
                continue;
            }
            let cleartext: Vec<&str> = f
                .services
                .iter()
                .map(|s| m.service(*s))
                .filter(|s| s.flags.cleartext)
                .map(|s| s.name.as_str())
                .collect();
            let d = RULE
                .diag(format!(
                    "flow {} -> {} of conduit `{}` crosses transit zone `{}` below the conduit's SL-T ({})",
                    cx.ep(f.src),
                    cx.ep(f.dst),
                    m.conduit(f.conduit).name,
                    zone.name,
                    above.join(", ")
                ))
                .at(m.spans.flow(fid), format!("conduit SL-T {csl}, cleartext `{}`", cleartext.join("`, `")))
                .about(Subject::Flow(fid))
                .related(m.spans.zone(z), format!("transit zone SL-T {}", zone.sl))
                .help(format!(
                    "encrypt the flow end to end (a TLS or IPsec variant of its services), or raise the SL-T of `{}` and protect it accordingly",
                    zone.name
                ));
            out.push(Finding::new(d, cx.flow_scopes(fid)));
        }
    }
}

/// The zones on the loop-free paths of a flow other than its ends: the zones of the interfaces
/// its hops enter and leave devices by.
fn crossed_zones(cx: &Ctx, fid: FlowId) -> BTreeSet<ZoneId> {
    let f = cx.model.flow(fid);
    let mut out = BTreeSet::new();
    for h in cx.graph.flow_hops(f).unwrap_or_default() {
        let dev = cx.model.device(h.device);
        for i in [h.ingress, h.egress] {
            if let Some(iface) = dev.interfaces.get(i) {
                out.insert(iface.zone);
            }
        }
    }
    out.remove(&f.src.zone);
    out.remove(&f.dst.zone);
    out
}
