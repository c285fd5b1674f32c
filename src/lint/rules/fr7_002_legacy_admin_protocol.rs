//! ## What it does
//! Flags a legacy administration protocol (telnet, HTTP, FTP, TFTP, SNMP v1/v2c: services with
//! the `legacy-admin` flag) in a flow across a conduit, or in a device-level flow to or from a
//! device (`allow X -> self telnet` manages the device in clear text).
//!
//! ## Why is this bad
//! These protocols send credentials and commands in clear text and authenticate weakly or not
//! at all (SNMP community strings, TFTP without any). They are functions the system rarely
//! needs (SR 7.7) and expose what crosses the conduit to anyone on the path (SR 4.1).
//!
//! ## Example
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24  asset ews 10.30.0.40 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset rtus 10.40.1.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.ews -> field.rtus telnet
//! }
//! ```
//!
//! ## Use instead
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24  asset ews 10.30.0.40 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/22  asset rtus 10.40.1.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.ews -> field.rtus ssh
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 7.7 (least functionality), SR 4.1 (information confidentiality)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};

pub const RULE: Rule = Rule {
    id: "FR7-002",
    name: "legacy-admin-protocol",
    severity: Severity::Warning,
    reference: "SR 7.7, SR 4.1",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr7_002_legacy_admin_protocol.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        for (sid, span) in cx.flow_services(fid) {
            let svc = cx.model.service(sid);
            if !svc.flags.legacy_admin {
                continue;
            }
            let d = RULE
                .diag(format!(
                    "legacy administration protocol `{}` in flow {} -> {}",
                    svc.name,
                    cx.ep(f.src),
                    cx.ep(f.dst)
                ))
                .at(span, "cleartext administration")
                .about(Subject::Flow(fid))
                .help("use an encrypted, authenticated replacement: ssh for telnet, https for http, sftp for ftp and tftp, SNMPv3 for snmp");
            out.push(Finding::new(d, cx.flow_scopes(fid)));
        }
    }
    for id in cx.model.self_flow_ids() {
        let device = &cx.model.device(cx.model.self_flow(id).device).name;
        for (sid, span) in cx.self_flow_services(id) {
            let svc = cx.model.service(sid);
            if !svc.flags.legacy_admin {
                continue;
            }
            let d = RULE
                .diag(format!(
                    "legacy administration protocol `{}` in flow `{}` of device `{device}`",
                    svc.name,
                    cx.model.self_flow_label(id)
                ))
                .at(span, "cleartext administration")
                .about(Subject::SelfFlow(id))
                .help("use an encrypted, authenticated replacement: ssh for telnet, https for http, sftp for ftp and tftp, SNMPv3 for snmp");
            out.push(Finding::new(d, cx.self_flow_scopes(id)));
        }
    }
}
