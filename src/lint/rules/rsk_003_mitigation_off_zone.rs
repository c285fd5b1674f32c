//! ## What it does
//! Flags a risk whose `mitigated-by` names only devices and conduits that are not on the
//! zone's conduits: no named conduit connects the zone or carries flows across it (a transit
//! zone), and no named device enforces one of those conduits (lies on the path of one of
//! their flows) or has an interface in the zone. A risk of a conduit is flagged when
//! `mitigated-by` names neither the conduit itself nor a device on the path of one of its
//! flows.
//!
//! ## Why is this bad
//! A mitigation is what brings the risk down to the residual risk the report states. A device
//! that never sees the zone's traffic, or a conduit of other zones, cannot reduce a threat to
//! this zone: the register then claims a reduction that the policy does not enforce (often a
//! renamed or moved device, or a risk copied from another zone).
//!
//! ## Example
//! ```fence
//! zone office { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone guest { level 4  sl-target 1  network 10.11.0.0/16 }
//! zone scada {
//!   level 2
//!   sl-target 3
//!   network 10.2.0.0/24
//!   risk ransomware-from-it {
//!     likelihood 3
//!     consequence 5
//!     fr iac, rdf
//!     mitigated-by fw-office
//!   }
//! }
//! conduit office-scada {
//!   connects office, scada
//!   allow office -> scada https
//! }
//! conduit office-guest {
//!   connects office, guest
//!   allow guest -> office https
//! }
//! firewall fw-ot {
//!   target nftables
//!   interface eth0 office
//!   interface eth1 scada
//! }
//! firewall fw-office {   # between two office zones
//!   target nftables
//!   interface eth0 office
//!   interface eth1 guest
//! }
//! ```
//!
//! ## Use instead
//! The firewall and the conduit the threat comes through:
//! ```fence
//! zone office { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone guest { level 4  sl-target 1  network 10.11.0.0/16 }
//! zone scada {
//!   level 2
//!   sl-target 3
//!   network 10.2.0.0/24
//!   risk ransomware-from-it {
//!     likelihood 3
//!     consequence 5
//!     fr iac, rdf
//!     mitigated-by fw-ot, office-scada
//!   }
//! }
//! conduit office-scada {
//!   connects office, scada
//!   allow office -> scada https
//! }
//! conduit office-guest {
//!   connects office, guest
//!   allow guest -> office https
//! }
//! firewall fw-ot {
//!   target nftables
//!   interface eth0 office
//!   interface eth1 scada
//! }
//! firewall fw-office {   # between two office zones
//!   target nftables
//!   interface eth0 office
//!   interface eth1 guest
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-2 ZCR 5.6 (identify and evaluate existing countermeasures), ZCR 5.8
//!   (residual risk)

use crate::diagnostic::{Severity, Subject};
use crate::lint::risk;
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::assessment::Mitigation;
use crate::model::{ConduitId, Scope, ZoneId};
use std::cell::OnceCell;

pub const RULE: Rule = Rule {
    id: "RSK-003",
    name: "mitigation-off-zone",
    severity: Severity::Warning,
    reference: "ZCR 5.6; ZCR 5.8",
    status: Status::Stable,
    file: file!(),
    source: include_str!("rsk_003_mitigation_off_zone.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // The paths are walked the first time a risk with mitigations asks for them: a policy
    // without `mitigated-by` (a central firewall's hundred thousand flows) pays for nothing.
    let reach = OnceCell::new();
    for (zi, za) in cx.model.assessment.zones.iter().enumerate() {
        let z = ZoneId(zi);
        if za.risks.iter().all(|r| r.mitigated_by.is_empty()) {
            continue;
        }
        let reach = paths(cx, &reach);
        let devices = reach.zone_devices(cx.model, z);
        let conduits = reach.zone_conduits(cx.model, z);
        let zone = cx.model.zone(z);
        for (ri, r) in za.risks.iter().enumerate() {
            if r.mitigated_by.is_empty() {
                continue;
            }
            let on_zone = |m: &Mitigation| match m {
                Mitigation::Device(d) => devices.contains(d),
                Mitigation::Conduit(c) => conduits.contains(c),
            };
            if r.mitigated_by.iter().any(on_zone) {
                continue;
            }
            let names: Vec<String> = r
                .mitigated_by
                .iter()
                .map(|m| match m {
                    Mitigation::Device(d) => format!("`{}`", cx.model.device(*d).name),
                    Mitigation::Conduit(c) => format!("`{}`", cx.model.conduit(*c).name),
                })
                .collect();
            let spans = cx.model.spans.assessment.risk(zi, ri);
            let mut d = RULE
                .diag(format!(
                    "risk `{}` of zone `{}` is mitigated by {}, none of which is on the zone's conduits",
                    r.name,
                    zone.name,
                    names.join(", ")
                ))
                .at(spans.name, "no mitigation of this risk reaches the zone")
                .about(Subject::Zone(z))
                .help("name a conduit of the zone or a device that enforces one of its conduits; a device elsewhere does not see the zone's traffic");
            for s in &spans.mitigated_by {
                d = d.related(*s, "not on the zone's conduits");
            }
            out.push(Finding::new(d, vec![Scope::Zone(z)]));
        }
    }
    conduits(cx, &reach, out);
}

/// The paths' [`risk::Reach`], computed on the first call.
fn paths<'a>(cx: &Ctx, reach: &'a OnceCell<risk::Reach>) -> &'a risk::Reach {
    reach.get_or_init(|| risk::Reach::new(cx.model, cx.graph))
}

/// A conduit's risk: its mitigations are the conduit itself and the devices on the paths of
/// its flows (those that enforce it).
fn conduits(cx: &Ctx, reach: &OnceCell<risk::Reach>, out: &mut Vec<Finding>) {
    for (ci, ca) in cx.model.assessment.conduits.iter().enumerate() {
        let c = ConduitId(ci);
        if ca.risks.iter().all(|r| r.mitigated_by.is_empty()) {
            continue;
        }
        let devices = paths(cx, reach).conduit_devices(c);
        let conduit = cx.model.conduit(c);
        for (ri, r) in ca.risks.iter().enumerate() {
            let on_conduit = |m: &Mitigation| match m {
                Mitigation::Device(d) => devices.contains(d),
                Mitigation::Conduit(x) => *x == c,
            };
            if r.mitigated_by.is_empty() || r.mitigated_by.iter().any(on_conduit) {
                continue;
            }
            let names: Vec<String> = r
                .mitigated_by
                .iter()
                .map(|m| match m {
                    Mitigation::Device(d) => format!("`{}`", cx.model.device(*d).name),
                    Mitigation::Conduit(c) => format!("`{}`", cx.model.conduit(*c).name),
                })
                .collect();
            let spans = cx.model.spans.assessment.conduit_risk(ci, ri);
            let mut d = RULE
                .diag(format!(
                    "risk `{}` of conduit `{}` is mitigated by {}, none of which is the conduit or on its flows' paths",
                    r.name,
                    conduit.name,
                    names.join(", ")
                ))
                .at(spans.name, "no mitigation of this risk reaches the conduit")
                .about(Subject::Conduit(c))
                .help("name the conduit itself or a device on the path of one of its flows; a device elsewhere does not see the conduit's traffic");
            for s in &spans.mitigated_by {
                d = d.related(*s, "not on the conduit's flows");
            }
            out.push(Finding::new(d, vec![Scope::Conduit(c)]));
        }
    }
}
