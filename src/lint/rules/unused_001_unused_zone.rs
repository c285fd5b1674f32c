//! ## What it does
//! Flags a zone that no conduit connects, unless it is a `transit` zone (a network that only
//! carries other zones' flows, such as a WAN between sites). A zone whose only use is a
//! cluster's sync link (`sync IFACE` on the interface attaching it), or the other end of a
//! device-level flow (`allow X -> self`, `allow self -> X`), is in use and not flagged either.
//!
//! ## Why is this bad
//! A zone without conduits can exchange nothing with the rest of the system. Either it is a
//! leftover (its networks still reserve addresses and generate deny rules), or it is meant to
//! communicate and the conduit is missing, or it is deliberately isolated, which deserves an
//! exception saying so, because SR 5.2 RE2 island mode and air gaps are design decisions a
//! reviewer should see.
//!
//! ## Example
//! ```fence
//! zone control-center { level 2  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone lab {
//!   level 2
//!   sl-target 1
//!   network 10.90.0.0/24
//! }
//! ```
//!
//! ## Use instead
//! Connect the zone through a conduit with the flows it needs, or remove it; a zone isolated on
//! purpose takes an exception on the zone that says so (the finding is then reported as accepted):
//! ```fence
//! zone control-center { level 2  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone lab {
//!   level 2
//!   sl-target 1
//!   network 10.90.0.0/24
//!   asset test-bench 10.90.0.10
//! }
//! conduit lab-control {
//!   connects lab, control-center
//!   allow control-center.scada -> lab.test-bench opcua
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 3.1 (establish zones and conduits), ZCR 6.4 i (connected zones and
//!   conduits)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{Scope, ZoneId};

pub const RULE: Rule = Rule {
    id: "UNUSED-001",
    name: "unused-zone",
    severity: Severity::Warning,
    reference: "ZCR 3.1, ZCR 6.4",
    status: Status::Stable,
    file: file!(),
    source: include_str!("unused_001_unused_zone.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let mut used = vec![false; cx.model.zones.len()];
    for d in &cx.model.devices {
        if let Some(i) = d.sync.and_then(|s| d.interfaces.get(s)) {
            used[i.zone.0] = true;
        }
    }
    for f in &cx.model.self_flows {
        used[f.peer.zone.0] = true;
    }
    for (zi, z) in cx.model.zones.iter().enumerate() {
        // A transit zone carries other zones' flows: it needs no conduit of its own.
        if !z.conduits.is_empty() || z.transit || used[zi] {
            continue;
        }
        let d = RULE
            .diag(format!("zone `{}` is connected by no conduit", z.name))
            .at(cx.model.spans.zone(ZoneId(zi)), "zone without conduits")
            .about(Subject::Zone(ZoneId(zi)))
            .help("connect the zone with a conduit, remove it, or record with an exception that it is isolated on purpose");
        out.push(Finding::new(d, vec![Scope::Zone(ZoneId(zi))]));
    }
}
