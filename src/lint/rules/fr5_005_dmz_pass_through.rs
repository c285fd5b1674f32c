//! ## What it does
//! Flags a service that enters an industrial DMZ (level 3.5) from one side and leaves it to the
//! other: a flow from an IT zone (level 4/5) into the DMZ and a flow from the DMZ into a control
//! zone (level 0-3) with the same service on the same DMZ host, or the same in the other
//! direction. The outgoing flow carries the finding.
//!
//! A DMZ host whose asset `kind` is `jump-host`, `broker`, `proxy`, `relay` or `mirror`
//! terminates the protocol by declaration and is not flagged.
//!
//! ## Why is this bad
//! The DMZ exists so that no protocol crosses between IT and control: each side talks to a
//! broker, replica or jump host in the DMZ, which terminates the session. When the same service
//! goes in and out, the DMZ host is most likely forwarding it, and a compromised IT client
//! reaches the control zone with the DMZ's trust.
//!
//! ## Example
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset gateway 10.20.0.30 }
//! zone control-center { level 3  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! conduit enterprise-dmz {
//!   connects enterprise, dmz
//!   allow enterprise -> dmz.gateway opcua
//! }
//! conduit dmz-control {
//!   connects dmz, control-center
//!   allow dmz.gateway -> control-center.scada opcua
//! }
//! ```
//!
//! ## Use instead
//! Terminate in the DMZ: the control zone pushes to a broker or mirror, IT reads the broker.
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset broker 10.20.0.30 { kind broker } }
//! zone control-center { level 3  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! conduit enterprise-dmz {
//!   connects enterprise, dmz
//!   allow enterprise -> dmz.broker opcua
//! }
//! conduit dmz-control {
//!   connects dmz, control-center
//!   allow control-center.scada -> dmz.broker opcua
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.1, SR 5.2
//! - IEC 62443-3-2 ZCR 3.2
//! - Purdue reference model: every IT/OT exchange terminates in the industrial DMZ

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{AssetKind, FlowId, Level, ServiceId, ZoneId};
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    id: "FR5-005",
    name: "dmz-pass-through",
    severity: Severity::Warning,
    reference: "SR 5.1, SR 5.2; ZCR 3.2",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_005_dmz_pass_through.rs"),
    check: Some(check),
};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    It,
    Control,
}

fn side(level: Level) -> Option<Side> {
    if level.is_it() {
        Some(Side::It)
    } else if level.is_control() {
        Some(Side::Control)
    } else {
        None
    }
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // (dmz zone, service, side) -> flows entering the DMZ from that side.
    let mut entering: BTreeMap<(ZoneId, ServiceId, Side), Vec<FlowId>> = BTreeMap::new();
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        if !cx.zone(f.dst.zone).level.is_dmz() {
            continue;
        }
        if let Some(s) = side(cx.zone(f.src.zone).level) {
            for svc in &f.services {
                entering.entry((f.dst.zone, *svc, s)).or_default().push(fid);
            }
        }
    }
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        if !cx.zone(f.src.zone).level.is_dmz() {
            continue;
        }
        if cx.asset_kind(f.src).is_some_and(AssetKind::terminates) {
            continue;
        }
        let Some(to) = side(cx.zone(f.dst.zone).level) else {
            continue;
        };
        let from = if to == Side::It {
            Side::Control
        } else {
            Side::It
        };
        for (sid, span) in cx.flow_services(fid) {
            let Some(ins) = entering.get(&(f.src.zone, sid, from)) else {
                continue;
            };
            // Same DMZ host: equal endpoints, or one of them the whole zone.
            let Some(inflow) = ins.iter().copied().find(|i| {
                let a = cx.model.flow(*i).dst.asset;
                a.is_none() || f.src.asset.is_none() || a == f.src.asset
            }) else {
                continue;
            };
            let fin = cx.model.flow(inflow);
            let d = RULE
                .diag(format!(
                    "service `{}` passes through DMZ `{}`: it enters from {} and leaves to {}",
                    cx.model.service(sid).name,
                    cx.zone(f.src.zone).name,
                    cx.ep(fin.src),
                    cx.ep(f.dst)
                ))
                .at(span, "leaves the DMZ here")
                .about(Subject::Flow(fid))
                .related(cx.model.spans.flow(inflow), "enters the DMZ here")
                .help("terminate the protocol in the DMZ on a broker, mirror or jump host (declare it with `kind broker`), or let both sides connect to it");
            let mut scopes = cx.flow_scopes(fid);
            scopes.extend(cx.flow_scopes(inflow));
            out.push(Finding::new(d, scopes));
        }
    }
}
