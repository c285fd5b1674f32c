//! ## What it does
//! Flags a flow whose path from its source zone to its destination zone crosses no firewall or
//! router, while the policy declares firewalls or routers. The path is the shortest one in the
//! graph of zones and device interfaces. Policies that declare no firewall or router are not
//! checked (they describe zones and conduits only).
//!
//! ## Why is this bad
//! A flow is enforced on the devices on its path. With no device there, nothing implements the
//! conduit: the zones are either not separated at all or separated by a device the policy does
//! not know, and the allowed flow, the deny-by-default around it and its logging exist only on
//! paper (SR 5.2).
//!
//! ## Example
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset jump-host 10.20.0.20 { kind jump-host } }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21 }
//! firewall fw-it-ot {
//!   target nftables
//!   interface eth0 enterprise
//!   interface eth1 dmz
//! }
//! conduit dmz-control {
//!   connects dmz, control-center          # no device has an interface in control-center
//!   allow dmz.jump-host -> control-center.hmi rdp
//! }
//! ```
//!
//! ## Use instead
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset jump-host 10.20.0.20 { kind jump-host } }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21 }
//! firewall fw-it-ot {
//!   target nftables
//!   interface eth0 enterprise
//!   interface eth1 dmz
//!   interface eth2 control-center
//! }
//! conduit dmz-control {
//!   connects dmz, control-center
//!   allow dmz.jump-host -> control-center.hmi rdp
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.2 (zone boundary protection)
//! - Netspoc: "unenforceable" rules

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{DeviceKind, ZoneId};
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    id: "OUT-002",
    name: "unenforced-flow",
    severity: Severity::Error,
    reference: "SR 5.2",
    status: Status::Stable,
    file: file!(),
    source: include_str!("out_002_unenforced_flow.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let enforcing = cx
        .model
        .devices
        .iter()
        .any(|d| matches!(d.kind, DeviceKind::Firewall | DeviceKind::Router));
    if !enforcing {
        return;
    }
    let mut enforced: BTreeMap<(ZoneId, ZoneId), bool> = BTreeMap::new();
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        let key = (f.src.zone, f.dst.zone);
        let ok = *enforced.entry(key).or_insert_with(|| {
            cx.graph
                .hops(key.0, key.1)
                .is_some_and(|hops| !hops.is_empty())
        });
        if ok {
            continue;
        }
        let d = RULE
            .diag(format!(
                "flow {} -> {} crosses no firewall or router",
                cx.ep(f.src),
                cx.ep(f.dst)
            ))
            .at(cx.model.spans.flow(fid), "no enforcement point on this flow's path")
            .about(Subject::Flow(fid))
            .help(format!(
                "give a firewall or router interfaces in `{}` and `{}` (or in zones on a path between them)",
                cx.zone(f.src.zone).name,
                cx.zone(f.dst.zone).name
            ));
        out.push(Finding::new(d, cx.flow_scopes(fid)));
    }
}
