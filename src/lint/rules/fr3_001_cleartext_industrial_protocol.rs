//! ## What it does
//! Flags a cleartext or unauthenticated industrial protocol (services with both the
//! `industrial` and `cleartext` flags: Modbus/TCP, DNP3, S7comm, EtherNet/IP, IEC 104, ...)
//! in a flow into a zone with SL-T(SI) 3 or higher. What a service carries is judged by its
//! ports where it says nothing itself: `tcp/502` inline, or a declared service without flags
//! on that port, is Modbus/TCP. It is a warning, and an error at
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
//! Use the encrypted variant the catalogue has (`modbus-tls`, `dnp3-tls`, `iec104-tls`,
//! `iec61850-mms-tls`, `cip-security` for EtherNet/IP, `mqtts`, `opcua` for OPC DA; the help
//! names the one for the protocol found), or document the compensating measures with an
//! expiring exception on the flow (the finding is then reported as accepted):
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
use crate::model::{Fr, SelfDirection, Service};

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

/// The catalogue's encrypted variant of each cleartext industrial protocol that has one (a unit
/// test holds both columns to the catalogue).
const SECURE: &[(&str, &str)] = &[
    ("dnp3", "dnp3-tls"),
    ("enip", "cip-security"),
    ("enip-explicit", "cip-security"),
    ("enip-implicit", "cip-security"),
    ("iec104", "iec104-tls"),
    ("iec61850-mms", "iec61850-mms-tls"),
    ("modbus", "modbus-tls"),
    ("mqtt", "mqtts"),
    ("opc-da", "opcua"),
];

/// The label: what the service carries when it was judged by its ports.
fn label(svc: &Service) -> String {
    if svc.carries.is_empty() {
        "no authentication or integrity protection".to_string()
    } else {
        format!(
            "carries {} by its ports: no authentication or integrity protection",
            names(&svc.carries)
        )
    }
}

fn names(v: &[impl AsRef<str>]) -> String {
    v.iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The help: the catalogue's encrypted variants of what the service carries, and only those.
fn help(svc: &Service) -> String {
    let what: Vec<&str> = if svc.builtin && svc.carries.is_empty() {
        vec![svc.name.as_str()]
    } else {
        svc.carries.iter().map(String::as_str).collect()
    };
    let mut variants: Vec<&str> = SECURE
        .iter()
        .filter(|(p, _)| what.contains(p))
        .map(|(_, v)| *v)
        .collect();
    variants.dedup();
    let exception = "or document compensating measures in an expiring exception";
    if !variants.is_empty() {
        let s = if variants.len() > 1 { "s" } else { "" };
        format!(
            "use the encrypted variant{s} {}, {exception}",
            names(&variants)
        )
    } else if what.is_empty() {
        format!("use the protocol's encrypted variant (declare it with the `encrypted` flag), {exception}")
    } else {
        format!(
            "the catalogue has no encrypted variant of {}: protect the conduit itself (an IPsec tunnel), {exception}",
            names(&what)
        )
    }
}

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
                .at(span, label(svc))
                .about(Subject::Flow(fid))
                .help(help(svc));
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
                .at(span, label(svc))
                .about(Subject::SelfFlow(id))
                .help(help(svc));
            if si >= ERROR_FROM_SL {
                d.severity = Severity::Error;
            }
            out.push(Finding::new(d, cx.self_flow_scopes(id)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SECURE;
    use crate::model::services::builtin;

    /// The help names only variants that exist, encrypted, for protocols that are cleartext.
    #[test]
    fn secure_variants_are_in_the_catalogue() {
        for (p, v) in SECURE {
            let pf = builtin(p).map(|b| b.parsed_flags());
            assert!(pf.is_some_and(|f| f.industrial && f.cleartext), "{p}");
            let vf = builtin(v).map(|b| b.parsed_flags());
            assert!(vf.is_some_and(|f| f.industrial && f.encrypted), "{v}");
        }
    }
}
