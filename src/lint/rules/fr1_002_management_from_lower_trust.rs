//! ## What it does
//! Flags a device-level flow (`allow X -> self ...` in a device block) of a remote-access or
//! legacy-administration service (services with the `remote-access` or `legacy-admin` flag:
//! SSH, telnet, HTTP, SNMP v1/v2c, ...) from a zone whose SL-T(IAC) is lower than that of the
//! device's most trusted zone.
//!
//! ## Why is this bad
//! A device that enforces a boundary is as trusted as the most trusted zone it guards: whoever
//! administers it can open every conduit it enforces. Management sessions from a less trusted
//! zone put that power within reach of the weaker zone's users and attackers, and bypass the
//! identification and authentication the stronger zone demands (SR 1.1, SR 1.13). Manage the
//! device from the trusted side, or from a jump host that enforces the stronger zone's access
//! control.
//!
//! ## Example
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16  asset it-admin 10.10.40.5 }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset ews 10.30.0.40 }
//! firewall fw {
//!   target nftables
//!   interface eth0 enterprise address 10.10.0.1
//!   interface eth1 control-center address 10.30.0.1
//!   allow enterprise.it-admin -> self ssh
//! }
//! ```
//!
//! ## Use instead
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16  asset it-admin 10.10.40.5 }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset ews 10.30.0.40 }
//! firewall fw {
//!   target nftables
//!   interface eth0 enterprise address 10.10.0.1
//!   interface eth1 control-center address 10.30.0.1
//!   allow control-center.ews -> self ssh
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 1.1 (human user identification and authentication), SR 1.13 (access via
//!   untrusted networks), SR 2.1 (authorization enforcement)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{Fr, SelfDirection};

pub const RULE: Rule = Rule {
    id: "FR1-002",
    name: "management-from-lower-trust",
    severity: Severity::Warning,
    reference: "SR 1.1, SR 1.13, SR 2.1",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr1_002_management_from_lower_trust.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for id in cx.model.self_flow_ids() {
        let f = cx.model.self_flow(id);
        if f.direction != SelfDirection::ToDevice {
            continue;
        }
        let peer = cx.zone(f.peer.zone);
        let from = peer.sl.get(Fr::Iac);
        let device_iac = cx.device_sl(f.device, Fr::Iac);
        if from >= device_iac {
            continue;
        }
        let device = &cx.model.device(f.device).name;
        for (sid, span) in cx.self_flow_services(id) {
            let svc = cx.model.service(sid);
            if !(svc.flags.remote_access || svc.flags.legacy_admin) {
                continue;
            }
            let d = RULE
                .diag(format!(
                    "management `{}` of `{device}` from {} with SL-T(IAC) {from}, below the device's SL-T(IAC) {device_iac}",
                    svc.name,
                    cx.ep(f.peer)
                ))
                .at(span, "administration from the less trusted side")
                .about(Subject::SelfFlow(id))
                .help("manage the device from its most trusted zone, or through a jump host that enforces that zone's access control");
            out.push(Finding::new(d, cx.self_flow_scopes(id)));
        }
    }
}
