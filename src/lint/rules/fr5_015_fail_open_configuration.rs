//! ## What it does
//! Flags an enforcement device whose generated configuration leaves a way open when the
//! boundary protection is not in force. The generated outputs close the other ways by
//! construction: nftables and iptables rulesets are replaced in one transaction with drop
//! policies, and Cisco IOS ACLs are never empty, never rewritten in place (names carry a content
//! hash and interfaces are re-pointed before the old ACL is removed) and never referenced before
//! they are defined. What remains is the IPv6 filter of a Cisco IOS router or layer-3 switch:
//! when no zone behind any of its interfaces has an IPv6 network, no `ipv6 traffic-filter` is
//! generated, and every IPv6 packet the device routes passes unfiltered. A warning by default
//! (raise it with `[rules] "FR5-015" = "error"`).
//!
//! ## Why is this bad
//! From SL 3 on, a boundary must stop communication when its protection fails or is absent
//! (SR 5.2 RE3, fail close). An interface without an IPv6 filter fails open for IPv6: enabling
//! `ipv6 unicast-routing` for some other purpose, or an IPv6 address an attacker configures on a
//! host, is enough to cross the boundary without a single ACL entry being consulted.
//!
//! ## Example
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/24 }   # IPv4 only
//! router rtr-field {
//!   target cisco-ios                      # no `ipv6 traffic-filter` generated
//!   interface GigabitEthernet0/0 control-center
//!   interface GigabitEthernet0/1 field
//! }
//! ```
//!
//! ## Use instead
//! Give a zone behind it its IPv6 network so that every interface gets an IPv6 filter, or enforce
//! the boundary on nftables (its `inet` table filters both families); where IPv6 routing is off on
//! the device (`no ipv6 unicast-routing`), accept the finding with an exception on the zones that
//! says so:
//! ```fence
//! zone control-center { level 2  sl-target 3  network 10.30.0.0/24 }
//! zone field { level 1  sl-target 3  network 10.40.0.0/24, fd00:40::/64 }
//! router rtr-field {
//!   target cisco-ios
//!   interface GigabitEthernet0/0 control-center
//!   interface GigabitEthernet0/1 field
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.2 RE3 (fail close)

use crate::diagnostic::{Severity, Subject};
use crate::lint::{Ctx, Finding, Rule, Status};
use crate::model::{DeviceId, Scope, Target};

pub const RULE: Rule = Rule {
    id: "FR5-015",
    name: "fail-open-configuration",
    severity: Severity::Warning,
    reference: "SR 5.2 RE3",
    status: Status::Stable,
    file: file!(),
    source: include_str!("fr5_015_fail_open_configuration.rs"),
    check: Some(check),
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (di, d) in cx.model.devices.iter().enumerate() {
        if !d.targets.contains(&Target::CiscoIos) || d.interfaces.len() < 2 {
            continue;
        }
        // The Cisco target generates IPv6 filters exactly when a zone behind an interface has
        // an IPv6 network (`targets::cisco_ios`): the same zones as planning's.
        let v6 = d.interfaces.iter().any(|i| {
            cx.graph
                .zones_behind(DeviceId(di), i.zone)
                .iter()
                .any(|z| cx.zone(*z).networks.iter().any(|n| n.addr().is_ipv6()))
        });
        if v6 {
            continue;
        }
        let mut scopes: Vec<Scope> = d.interfaces.iter().map(|i| Scope::Zone(i.zone)).collect();
        scopes.sort();
        scopes.dedup();
        out.push(Finding::new(
            RULE.diag(format!(
                "`{}` gets no IPv6 filter: IPv6 traffic it routes passes unfiltered",
                d.name
            ))
            .at(cx.model.spans.device(DeviceId(di)), "cisco-ios, no zone behind it has an IPv6 network")
            .about(Subject::Device(DeviceId(di)))
            .help("keep IPv6 routing off on the device and say so in an exception, or declare the IPv6 networks of the zones behind it so that every interface gets an IPv6 filter"),
            scopes,
        ));
    }
}
