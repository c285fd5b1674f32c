//! ## What it does
//! Flags a flow into a zone with SL-T(RDF) 2 or higher that allows a wildcard service: the
//! built-in `any`, an all-protocols item (`ip`), or a TCP or UDP port range wider than the
//! configured width (`wildcard-port-width` in `fenceline.toml`, default 256 ports; `tcp` and
//! `udp` without a port are all 65536 ports).
//!
//! ## Why is this bad
//! From SL 2 on, a zone boundary must deny all traffic by default and allow only by exception
//! (SR 5.2 RE1), and only the functions, ports and protocols the system needs may be enabled
//! (SR 7.7). A wildcard turns the exception back into the rule: every service the responder
//! runs, including ones installed later, becomes reachable through the conduit.
//!
//! ## Example
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24  asset scada 10.30.0.10  asset ews 10.30.0.40 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.scada -> field any
//!   allow control-center.ews -> field tcp/1-10000
//! }
//! ```
//!
//! ## Use instead
//! Name the services the flow needs:
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24  asset scada 10.30.0.10  asset ews 10.30.0.40 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.scada -> field.plcs modbus-tls
//!   allow control-center.ews -> field.plcs s7comm
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.2 RE1 (deny by default, allow by exception), SR 7.7 (least functionality)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{Fr, ServiceItem};

pub const RULE: Rule = Rule {
    id: "FR5-003",
    name: "wildcard-flow",
    severity: Severity::Error,
    reference: "SR 5.2 RE1, SR 7.7",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_003_wildcard_flow.rs"),
    check: Some(check),
};

/// SL-T(RDF) from which the rule applies.
const FROM_SL: u8 = 2;

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let width = cx.config.max_port_range();
    for fid in cx.model.flow_ids() {
        let flow = cx.model.flow(fid);
        let dst = cx.zone(flow.dst.zone);
        let rdf = dst.sl.get(Fr::Rdf);
        if rdf < FROM_SL {
            continue;
        }
        for (sid, span) in cx.flow_services(fid) {
            let svc = cx.model.service(sid);
            let why = svc.items.iter().find_map(|item| match item {
                ServiceItem::AnyIp => Some("every IP protocol and port".to_string()),
                ServiceItem::Tcp { ports } | ServiceItem::Udp { ports }
                    if ports.width() > width =>
                {
                    Some(format!(
                        "{} ports ({item}), more than the {width} allowed",
                        ports.width()
                    ))
                }
                _ => None,
            });
            let Some(why) = why else { continue };
            let d = RULE
                .diag(format!(
                    "flow {} -> {} allows a wildcard service `{}` into zone `{}` with SL-T(RDF) {rdf}",
                    cx.ep(flow.src),
                    cx.ep(flow.dst),
                    svc.name,
                    dst.name
                ))
                .at(span, format!("allows {why}"))
                .about(Subject::Flow(fid))
                .help("name the services the flow needs; from SL-T(RDF) 2 a boundary allows only by exception (SR 5.2 RE1)");
            out.push(Finding::new(d, cx.flow_scopes(fid)));
        }
    }
}
