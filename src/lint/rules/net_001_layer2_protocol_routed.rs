//! ## What it does
//! Flags a flow between zones whose service is a layer-2-only protocol (an `ether/0xTYPE`
//! item: PROFINET RT, IEC 61850 GOOSE and Sampled Values, EtherCAT).
//!
//! ## Why is this bad
//! These protocols have no IP header: they never leave their broadcast domain and no router or
//! firewall can forward them between zones. A flow that declares one across a conduit either
//! cannot work, or means that two zones share a layer-2 segment, which defeats the
//! segmentation (SR 5.1).
//!
//! ## Example
//! ```fence
//! zone cell-a { level 1  sl-target 2  network 10.41.0.0/24  asset io 10.41.0.10  asset plc 10.41.0.5 }
//! zone cell-b { level 1  sl-target 2  network 10.42.0.0/24  asset io 10.42.0.10  asset plc 10.42.0.5 }
//! conduit cell-a-cell-b {
//!   connects cell-a, cell-b
//!   allow cell-a.io -> cell-b.io profinet-rt
//! }
//! ```
//!
//! ## Use instead
//! Keep layer-2 protocols inside one zone; between zones use a routable protocol through a
//! gateway (OPC UA between the cells' controllers, say):
//! ```fence
//! zone cell-a { level 1  sl-target 2  network 10.41.0.0/24  asset io 10.41.0.10  asset plc 10.41.0.5 }
//! zone cell-b { level 1  sl-target 2  network 10.42.0.0/24  asset io 10.42.0.10  asset plc 10.42.0.5 }
//! conduit cell-a-cell-b {
//!   connects cell-a, cell-b
//!   allow cell-a.plc -> cell-b.plc opcua
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.1 (network segmentation)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};

pub const RULE: Rule = Rule {
    id: "NET-001",
    name: "layer2-protocol-routed",
    severity: Severity::Error,
    reference: "SR 5.1",
    status: Status::Stable,
    file: file!(),
    source: include_str!("net_001_layer2_protocol_routed.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        for (sid, span) in cx.flow_services(fid) {
            let svc = cx.model.service(sid);
            let Some(item) = svc.items.iter().find(|i| i.is_layer2()) else {
                continue;
            };
            let d = RULE
                .diag(format!(
                    "layer-2 protocol `{}` ({item}) cannot be routed from zone `{}` to zone `{}`",
                    svc.name,
                    cx.zone(f.src.zone).name,
                    cx.zone(f.dst.zone).name
                ))
                .at(span, "not routable between zones")
                .about(Subject::Flow(fid))
                .help("keep layer-2 protocols inside one zone; between zones use a routable protocol through a gateway");
            out.push(Finding::new(d, cx.flow_scopes(fid)));
        }
    }
}
