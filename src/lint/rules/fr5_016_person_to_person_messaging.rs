//! ## What it does
//! Flags general-purpose person-to-person communication crossing the boundary of a control
//! zone (level 0-3):
//! - a messaging service (e-mail, chat: services with the `messaging` flag) into a control
//!   zone (SR 5.3);
//! - a messaging or web-browsing service (the `web` flag) out of a control zone with
//!   SL-T(RDF) 3 or higher (SR 5.3 RE1).
//!
//! It is a warning, and an error when the control zone has SL-T(RDF) 3 or higher.
//! Web services into a control zone (a web HMI) are not person-to-person messaging and are left
//! to FR7-002 when they are cleartext.
//!
//! ## Why is this bad
//! E-mail, chat and web browsing are the most common delivery routes for malware and phishing.
//! The control system must not receive such messages from outside (SR 5.3), and from SL 3 on
//! must neither send nor receive them (SR 5.3 RE1).
//!
//! ## Example
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16  asset mail 10.10.0.25  asset proxy 10.10.0.80 }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21 }
//! conduit control-enterprise {
//!   connects control-center, enterprise
//!   allow enterprise.mail -> control-center.hmi smtp
//!   allow control-center.hmi -> enterprise.proxy https
//! }
//! ```
//!
//! ## Use instead
//! Read e-mail and browse from the office network; move files into the plant through a
//! file-transfer host in the DMZ:
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16  asset clients 10.10.32.0/22 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset file-transfer 10.20.0.40 { kind relay } }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21 }
//! service sftp tcp/22 { description "File transfer over SSH" }
//! conduit enterprise-dmz {
//!   connects enterprise, dmz
//!   allow enterprise.clients -> dmz.file-transfer sftp
//! }
//! conduit dmz-control {
//!   connects dmz, control-center
//!   allow control-center.hmi -> dmz.file-transfer sftp
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.3 (general-purpose person-to-person communication restrictions),
//!   SR 5.3 RE1 (prohibit all general-purpose person-to-person communications)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::Fr;

pub const RULE: Rule = Rule {
    id: "FR5-016",
    name: "person-to-person-messaging",
    severity: Severity::Warning,
    reference: "SR 5.3, SR 5.3 RE1",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_016_person_to_person_messaging.rs"),
    check: Some(check),
};

/// SL-T(RDF) of the control zone from which sending is flagged and findings are errors.
const RE1_FROM_SL: u8 = 3;

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        let (src, dst) = (cx.zone(f.src.zone), cx.zone(f.dst.zone));
        for (sid, span) in cx.flow_services(fid) {
            let svc = cx.model.service(sid);
            let (what, zone) = if dst.level.is_control() && svc.flags.messaging {
                ("into", dst)
            } else if src.level.is_control()
                && src.sl.get(Fr::Rdf) >= RE1_FROM_SL
                && (svc.flags.messaging || svc.flags.web)
                && !dst.level.is_control()
            {
                ("out of", src)
            } else {
                continue;
            };
            let rdf = zone.sl.get(Fr::Rdf);
            let mut d = RULE
                .diag(format!(
                    "person-to-person service `{}` {what} control zone `{}`",
                    svc.name, zone.name
                ))
                .at(span, "e-mail, chat or web browsing across the control boundary")
                .about(Subject::Flow(fid))
                .help("keep e-mail, chat and browsing on the office network; move files through a transfer host in the DMZ");
            if rdf >= RE1_FROM_SL {
                d.severity = Severity::Error;
            }
            out.push(Finding::new(d, cx.flow_scopes(fid)));
        }
    }
}
