//! ## What it does
//! Flags a remote-access service (RDP, SSH, VNC, telnet: services with the `remote-access`
//! flag) into a control zone (level 0-3) from a source of lower trust, unless it starts at an
//! asset of kind `jump-host` in an industrial DMZ (level 3.5). A source is of lower trust when
//! its zone is an IT or external zone (level 4 or 5), is designated external (`designation
//! external`: devices reached from outside the system under consideration, ZCR 3.6, whatever
//! its level and SL-T), or has a lower SL-T(IAC) than the destination zone.
//!
//! Remote access between zones of equal trust (an engineering workstation reaching another
//! over a private WAN, both zones SL-T(IAC) 3) is not access via an untrusted network and is
//! not flagged; FR5-007 and FR7-002 still judge the flow.
//!
//! ## Why is this bad
//! Remote and vendor access is access from an untrusted network: it must be monitored and
//! controlled (SR 1.13), authenticated strongly (SR 1.1 RE2) and its sessions terminated
//! (SR 2.6). A jump host in the DMZ is the one place where this is enforced and logged. An
//! interactive session from a less trusted network straight into the control system bypasses
//! all of it.
//!
//! ## Example
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21 }
//! conduit enterprise-control {
//!   connects enterprise, control-center
//!   allow enterprise -> control-center.hmi rdp
//! }
//! ```
//!
//! ## Use instead
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone dmz {
//!   level 3.5
//!   sl-target 2
//!   network 10.20.0.0/24
//!   asset jump-host 10.20.0.20 { kind jump-host }
//! }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21 }
//! conduit enterprise-dmz {
//!   connects enterprise, dmz
//!   allow enterprise -> dmz.jump-host rdp
//! }
//! conduit dmz-control {
//!   connects dmz, control-center
//!   allow dmz.jump-host -> control-center.hmi rdp { log }
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 1.13 (access via untrusted networks), SR 1.1 RE2 (multifactor
//!   authentication for untrusted networks), SR 2.6 (remote session termination)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::assessment::Designation;
use crate::model::{AssetKind, Fr, Zone};

pub const RULE: Rule = Rule {
    id: "FR1-001",
    name: "remote-access-bypasses-jump-host",
    severity: Severity::Error,
    reference: "SR 1.13, SR 1.1 RE2, SR 2.6",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr1_001_remote_access_bypasses_jump_host.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for fid in cx.model.flow_ids() {
        let f = cx.model.flow(fid);
        let dst = cx.zone(f.dst.zone);
        if !dst.level.is_control() {
            continue;
        }
        let src = cx.zone(f.src.zone);
        if src.level.is_dmz() && cx.asset_kind(f.src) == Some(&AssetKind::JumpHost) {
            continue;
        }
        let external = cx
            .model
            .assessment
            .zones
            .get(f.src.zone.0)
            .is_some_and(|za| za.designations.contains(&Designation::External));
        let Some(why) = lower_trust(src, external, dst) else {
            continue;
        };
        for (sid, span) in cx.flow_services(fid) {
            let svc = cx.model.service(sid);
            if !svc.flags.remote_access {
                continue;
            }
            let d = RULE
                .diag(format!(
                    "remote access `{}` into control zone `{}` from {}, not from a DMZ jump host",
                    svc.name,
                    dst.name,
                    cx.ep(f.src)
                ))
                .at(span, format!("remote session from lower trust ({why}) bypasses the jump host"))
                .about(Subject::Flow(fid))
                .help("let remote sessions start at an asset of `kind jump-host` in the DMZ, which authenticates, logs and times them out");
            out.push(Finding::new(d, cx.flow_scopes(fid)));
        }
    }
}

/// Why `src` is of lower trust than `dst` for remote access (SR 1.13: access via untrusted
/// networks), or `None` when it is not: an IT or external zone (level 4-5), a zone designated
/// external (`external`: ZCR 3.6, reached from outside the system under consideration), or a
/// lower SL-T(IAC).
fn lower_trust(src: &Zone, external: bool, dst: &Zone) -> Option<String> {
    if src.level.is_it() {
        return Some(format!("level {}", src.level));
    }
    if external {
        return Some("designated external".to_string());
    }
    let (a, b) = (src.sl.get(Fr::Iac), dst.sl.get(Fr::Iac));
    (a < b).then(|| format!("SL-T(IAC) {a} < {b}"))
}
