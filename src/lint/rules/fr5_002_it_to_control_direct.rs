//! ## What it does
//! Flags a conduit that joins a business IT zone (Purdue level 4 or 5) directly to a control
//! zone (level 0 to 3), without an industrial DMZ (level 3.5) in between.
//!
//! ## Why is this bad
//! The control system must be segmented from non-control networks (SR 5.1), and business and
//! control systems belong in separate zones (ZCR 3.2). When IT and control meet in one conduit,
//! a compromise of the enterprise network is one hop away from the controllers, and every
//! protocol the conduit allows crosses the IT/OT boundary without terminating anywhere. Every
//! IT/OT exchange should terminate in the DMZ, on a broker, replica or jump host.
//!
//! ## Example
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! conduit enterprise-control {
//!   connects enterprise, control-center        # level 4 and level 3
//!   allow enterprise -> control-center.historian https
//! }
//! ```
//!
//! ## Use instead
//! Meet in the DMZ: IT reads a mirror there, the control zone pushes to it.
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset historian-mirror 10.20.0.10 { kind mirror } }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! service historian-sync tcp/5450
//! conduit enterprise-dmz {
//!   connects enterprise, dmz
//!   allow enterprise -> dmz.historian-mirror https
//! }
//! conduit dmz-control {
//!   connects dmz, control-center
//!   allow control-center.historian -> dmz.historian-mirror historian-sync
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.1 (network segmentation), SR 5.2 (zone boundary protection)
//! - IEC 62443-3-2 ZCR 3.2 (separate business and control system assets)
//! - Purdue reference model: no direct traffic between levels 4/5 and 0-3

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{ConduitId, Scope};

pub const RULE: Rule = Rule {
    id: "FR5-002",
    name: "it-to-control-direct",
    severity: Severity::Error,
    reference: "SR 5.1, SR 5.2; ZCR 3.2",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_002_it_to_control_direct.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (ci, c) in cx.model.conduits.iter().enumerate() {
        let it = c
            .zones
            .iter()
            .copied()
            .filter(|z| cx.zone(*z).level.is_it());
        for a in it {
            for b in c
                .zones
                .iter()
                .copied()
                .filter(|z| cx.zone(*z).level.is_control())
            {
                let (za, zb) = (cx.zone(a), cx.zone(b));
                let d = RULE
                    .diag(format!(
                        "conduit `{}` joins IT zone {} directly to control zone {}",
                        c.name,
                        crate::lint::zone_level(za),
                        crate::lint::zone_level(zb)
                    ))
                    .at(cx.model.spans.conduit(ConduitId(ci)), "IT and control meet here without a DMZ")
                    .about(Subject::Conduit(ConduitId(ci)))
                    .related(cx.model.spans.zone(a), "IT zone")
                    .related(cx.model.spans.zone(b), "control zone")
                    .help("connect both zones to an industrial DMZ (level 3.5) and let every exchange terminate there, on a broker, mirror or jump host");
                out.push(Finding::new(d, vec![Scope::Conduit(ConduitId(ci))]));
            }
        }
    }
}
