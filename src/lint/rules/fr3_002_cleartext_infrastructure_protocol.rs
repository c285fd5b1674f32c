//! ## What it does
//! Flags a cleartext infrastructure protocol (services with both the `infrastructure` and
//! `cleartext` flags: LDAP, syslog, RADIUS, TACACS+, PTP, ...) in a flow between zones that
//! enters or leaves a zone with SL-T(SI) 3 or higher. It is a warning, and an error at
//! SL-T(SI) 4. What a service carries is judged by its ports where it says nothing itself:
//! `tcp/389` inline is LDAP, `udp/514` syslog.
//!
//! Not flagged here: SNMP v1/v2c, TFTP and the other `legacy-admin` protocols (FR7-002 flags
//! them in every zone), and device-level flows (`allow X -> self ldap`): the control-plane
//! protocols a device speaks itself (BGP, OSPF, VRRP, conntrackd) are protected, or not, by the
//! device's own configuration, and its management by FR1-002 and FR7-002.
//!
//! ## Why is this bad
//! From SL 3 on, the integrity of transmitted information must be protected cryptographically
//! (SR 3.1 RE1), and information crossing a zone boundary must be kept confidential (SR 4.1
//! RE1). A cleartext directory bind hands a reusable password to anyone on the path; cleartext
//! syslog lets an attacker forge or drop the audit records the zone's monitoring relies on
//! (SR 6.1, SR 6.2).
//!
//! ## Example
//! ```fence
//! zone control { level 2  sl-target 3  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone site { level 3  sl-target 3  network 10.20.0.0/24  asset dc 10.20.0.5  asset siem 10.20.0.9 }
//! conduit control-site {
//!   connects control, site
//!   allow control.scada -> site.dc ldap
//!   allow control.scada -> site.siem syslog
//! }
//! ```
//!
//! ## Use instead
//! The encrypted variants of the catalogue (`ldaps`, `syslog-tls`, `snmpv3`), or document the
//! compensating measures with an expiring exception:
//! ```fence
//! zone control { level 2  sl-target 3  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone site { level 3  sl-target 3  network 10.20.0.0/24  asset dc 10.20.0.5  asset siem 10.20.0.9 }
//! conduit control-site {
//!   connects control, site
//!   allow control.scada -> site.dc ldaps
//!   allow control.scada -> site.siem syslog-tls
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 3.1 RE1 (cryptographic integrity protection), SR 4.1 RE1 (protection of
//!   confidentiality across zone boundaries), SR 6.1 (audit log accessibility)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::Fr;

pub const RULE: Rule = Rule {
    id: "FR3-002",
    name: "cleartext-infrastructure-protocol",
    severity: Severity::Warning,
    reference: "SR 3.1 RE1, SR 4.1 RE1",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr3_002_cleartext_infrastructure_protocol.rs"),
    check: Some(check),
};

const FROM_SL: u8 = 3;
const ERROR_FROM_SL: u8 = 4;

/// The encrypted variant the catalogue has for each cleartext infrastructure protocol.
const SECURE: &[(&str, &str)] = &[("ldap", "ldaps"), ("syslog", "syslog-tls")];

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        let (src, dst) = (cx.zone(f.src.zone), cx.zone(f.dst.zone));
        // The more trusted end decides: into it, or out of it.
        let (zone, si, into) = if dst.sl.get(Fr::Si) >= src.sl.get(Fr::Si) {
            (dst, dst.sl.get(Fr::Si), "into")
        } else {
            (src, src.sl.get(Fr::Si), "out of")
        };
        if si < FROM_SL {
            continue;
        }
        for (sid, span) in cx.flow_services(fid) {
            let svc = cx.model.service(sid);
            let fl = svc.flags;
            if !(fl.infrastructure && fl.cleartext) || fl.legacy_admin {
                continue;
            }
            let what: Vec<&str> = if svc.builtin && svc.carries.is_empty() {
                vec![svc.name.as_str()]
            } else {
                svc.carries.iter().map(String::as_str).collect()
            };
            let variants: Vec<String> = SECURE
                .iter()
                .filter(|(p, _)| what.contains(p))
                .map(|(_, v)| format!("`{v}`"))
                .collect();
            let help = if variants.is_empty() {
                "use an encrypted variant (TLS, IPsec), or document compensating measures in an expiring exception".to_string()
            } else {
                format!(
                    "use the encrypted variant {}, or document compensating measures in an expiring exception",
                    variants.join(", ")
                )
            };
            let label = if svc.carries.is_empty() {
                "no encryption or integrity protection".to_string()
            } else {
                let names: Vec<String> = svc.carries.iter().map(|n| format!("`{n}`")).collect();
                format!(
                    "carries {} by its ports: no encryption or integrity protection",
                    names.join(", ")
                )
            };
            let mut d = RULE
                .diag(format!(
                    "cleartext infrastructure protocol `{}` {into} zone `{}` with SL-T(SI) {si}",
                    svc.name, zone.name
                ))
                .at(span, label)
                .about(Subject::Flow(fid))
                .help(help);
            if si >= ERROR_FROM_SL {
                d.severity = Severity::Error;
            }
            out.push(Finding::new(d, cx.flow_scopes(fid)));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::services::builtin;

    #[test]
    fn secure_variants_are_in_the_catalogue() {
        for (p, v) in super::SECURE {
            let pf = builtin(p).map(|b| b.parsed_flags());
            assert!(pf.is_some_and(|f| f.infrastructure && f.cleartext), "{p}");
            let vf = builtin(v).map(|b| b.parsed_flags());
            assert!(vf.is_some_and(|f| f.encrypted), "{v}");
        }
    }
}
