//! ## What it does
//! Flags a control zone (level 0-3) that uses a network infrastructure service (DNS, NTP,
//! LDAP, Kerberos, syslog, DHCP: services with the `infrastructure` flag) provided by an IT zone
//! (level 4/5). It is an error when the control zone has SL-T(RDF) 3 or higher (SR 5.1 RE2), a
//! warning below.
//!
//! ## Why is this bad
//! From SL 3 on, the control system must get its network services without a connection to
//! non-control networks (SR 5.1 RE2). A plant whose controllers resolve names, take their time
//! or authenticate against the enterprise stops (or is steered) when the enterprise network is
//! down or compromised, and the dependency keeps a conduit to IT open for good.
//!
//! ## Example
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16  asset dns-server 10.10.0.53 }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24 }
//! conduit control-enterprise {
//!   connects control-center, enterprise
//!   allow control-center -> enterprise.dns-server dns
//! }
//! ```
//!
//! ## Use instead
//! Run the service inside the control system, or relay it through the DMZ:
//! ```fence
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset ntp-relay 10.20.0.123 { kind relay } }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24 }
//! conduit control-dmz {
//!   connects control-center, dmz
//!   allow control-center -> dmz.ntp-relay ntp
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.1 RE2 (independence from non-control system networks)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::Fr;

pub const RULE: Rule = Rule {
    id: "FR5-013",
    name: "ot-depends-on-it",
    severity: Severity::Error,
    reference: "SR 5.1 RE2",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_013_ot_depends_on_it.rs"),
    check: Some(check),
};

/// SL-T(RDF) of the control zone from which the dependency is an error (SR 5.1 RE2).
const ERROR_FROM_SL: u8 = 3;

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        let (src, dst) = (cx.zone(f.src.zone), cx.zone(f.dst.zone));
        if !src.level.is_control() || !dst.level.is_it() {
            continue;
        }
        let rdf = src.sl.get(Fr::Rdf);
        for (sid, span) in cx.flow_services(fid) {
            let svc = cx.model.service(sid);
            if !svc.flags.infrastructure {
                continue;
            }
            let mut d = RULE
                .diag(format!(
                    "control zone `{}` depends on `{}` from IT zone `{}`",
                    src.name, svc.name, dst.name
                ))
                .at(span, "infrastructure service provided by IT")
                .about(Subject::Flow(fid))
                .help("provide the service inside the control system or relay it through the DMZ (SR 5.1 RE2)");
            if rdf < ERROR_FROM_SL {
                d.severity = Severity::Warning;
            }
            out.push(Finding::new(d, cx.flow_scopes(fid)));
        }
    }
}
