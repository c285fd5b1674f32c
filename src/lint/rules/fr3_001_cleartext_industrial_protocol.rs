//! ## What it does
//! Flags a cleartext or unauthenticated industrial protocol (services with both the
//! `industrial` and `cleartext` flags: Modbus/TCP, DNP3, S7comm, EtherNet/IP, IEC 104, ...)
//! in a flow into a zone with SL-T(SI) 3 or higher. It is a warning, and an error at
//! SL-T(SI) 4. A device-level flow is judged the same way: one to the device (`X -> self`) by
//! the highest SL-T(SI) of the zones the device attaches, one from it by its destination's.
//!
//! ## Why is this bad
//! From SL 3 on, the integrity of transmitted information must be protected cryptographically
//! (SR 3.1 RE1). A protocol without authentication accepts any write from anyone who can reach
//! the port: the conduit's filter is then the only thing between an attacker and the process.
//!
//! ## Example
//! ```fence
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.scada -> field.plcs modbus
//! }
//! ```
//!
//! ## Use instead
//! Use the secure variant (Modbus/TCP Security, DNP3 SAv5 or TLS, CIP Security, OPC UA with
//! SignAndEncrypt), or document the compensating measures with an expiring exception on the flow
//! (the finding is then reported as accepted):
//! ```fence
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.scada -> field.plcs modbus-tls
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 3.1 (communication integrity), SR 3.1 RE1 (cryptographic integrity
//!   protection)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{Fr, SelfDirection};

pub const RULE: Rule = Rule {
    id: "FR3-001",
    name: "cleartext-industrial-protocol",
    severity: Severity::Warning,
    reference: "SR 3.1 RE1",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr3_001_cleartext_industrial_protocol.rs"),
    check: Some(check),
};

const FROM_SL: u8 = 3;
const ERROR_FROM_SL: u8 = 4;

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        let dst = cx.zone(f.dst.zone);
        let si = dst.sl.get(Fr::Si);
        if si < FROM_SL {
            continue;
        }
        for (sid, span) in cx.flow_services(fid) {
            let svc = cx.model.service(sid);
            if !(svc.flags.industrial && svc.flags.cleartext) {
                continue;
            }
            let mut d = RULE
                .diag(format!(
                    "cleartext industrial protocol `{}` into zone `{}` with SL-T(SI) {si}",
                    svc.name, dst.name
                ))
                .at(span, "no authentication or integrity protection")
                .about(Subject::Flow(fid))
                .help("use the protocol's secure variant (TLS, DNP3 SAv5, CIP Security), or document compensating measures in an expiring exception");
            if si >= ERROR_FROM_SL {
                d.severity = Severity::Error;
            }
            out.push(Finding::new(d, cx.flow_scopes(fid)));
        }
    }
    check_self_flows(cx, out);
}

/// Device-level flows: into the device, whose trust is that of its most trusted zone, or from
/// it into its peer's zone.
fn check_self_flows(cx: &Ctx, out: &mut Vec<Finding>) {
    for id in cx.model.self_flow_ids() {
        let f = cx.model.self_flow(id);
        let device = &cx.model.device(f.device).name;
        let (si, into) = match f.direction {
            SelfDirection::ToDevice => {
                (cx.device_sl(f.device, Fr::Si), format!("device `{device}`"))
            }
            SelfDirection::FromDevice => {
                let z = cx.zone(f.peer.zone);
                (z.sl.get(Fr::Si), format!("zone `{}`", z.name))
            }
        };
        if si < FROM_SL {
            continue;
        }
        for (sid, span) in cx.self_flow_services(id) {
            let svc = cx.model.service(sid);
            if !(svc.flags.industrial && svc.flags.cleartext) {
                continue;
            }
            let mut d = RULE
                .diag(format!(
                    "cleartext industrial protocol `{}` into {into} with SL-T(SI) {si}",
                    svc.name
                ))
                .at(span, "no authentication or integrity protection")
                .about(Subject::SelfFlow(id))
                .help("use the protocol's secure variant (TLS, DNP3 SAv5, CIP Security), or document compensating measures in an expiring exception");
            if si >= ERROR_FROM_SL {
                d.severity = Severity::Error;
            }
            out.push(Finding::new(d, cx.self_flow_scopes(id)));
        }
    }
}
