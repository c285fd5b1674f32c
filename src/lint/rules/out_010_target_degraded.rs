//! ## What it does
//! Reports a flow that a target compiles to something other than what the policy says, because
//! the vendor's configuration has no form for part of it, where the difference is documented
//! and bounded rather than refused. On `cisco-asa`: a `one-way` service (syslog over UDP, a
//! data diode's feed) crossing the firewall, or reaching or leaving it. The ASA keeps state for
//! every connection its access lists admit and passes the replies of each, with no rule a
//! configuration could add to drop them; nftables and iptables drop the reply direction of a
//! `one-way` service, and Cisco IOS generates no reply entry for it. Raised while the
//! configuration is emitted, once per device and flow; an exception on the flow silences it.
//! `fenceline verify` shows the same difference as an over-permit in the reply direction.
//!
//! ## Why is this bad
//! A `one-way` flow says that nothing may come back: on the target that cannot say it, the
//! responder's packets to the initiator's address and port pass for as long as the connection
//! lives. That is more than the policy allows (SR 5.2 RE1, deny by default), and an auditor
//! reading the policy would not know it without this finding.
//!
//! ## Example
//! ```fence
//! service syslog-udp udp/514 { infrastructure  cleartext  one-way }
//! zone ops { level 3  sl-target 2  network 10.30.0.0/24  asset collector 10.30.0.20 }
//! zone cell { level 2  sl-target 2  network 10.40.0.0/24  asset plc 10.40.0.5 }
//! conduit cell-ops {
//!   connects ops, cell
//!   allow cell.plc -> ops.collector syslog-udp
//! }
//! firewall fw {
//!   target cisco-asa
//!   interface GigabitEthernet0/0 ops
//!   interface GigabitEthernet0/1 cell
//! }
//! ```
//!
//! ## Use instead
//! A target that drops the reply direction, or a service with replies where the ASA must carry
//! it:
//! ```fence
//! service syslog-udp udp/514 { infrastructure  cleartext  one-way }
//! zone ops { level 3  sl-target 2  network 10.30.0.0/24  asset collector 10.30.0.20 }
//! zone cell { level 2  sl-target 2  network 10.40.0.0/24  asset plc 10.40.0.5 }
//! conduit cell-ops {
//!   connects ops, cell
//!   allow cell.plc -> ops.collector syslog-udp
//! }
//! firewall fw {
//!   target nftables
//!   interface eth0 ops
//!   interface eth1 cell
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.2 RE1 (deny by default, allow by exception), SR 5.2 RE3 (one-way
//!   communication)

use crate::diagnostic::Severity;
use crate::lint::{Rule, Status};

pub const RULE: Rule = Rule {
    id: "OUT-010",
    name: "target-degraded",
    severity: Severity::Warning,
    reference: "SR 5.2 RE1, SR 5.2 RE3",
    status: Status::Target,
    file: file!(),
    source: include_str!("out_010_target_degraded.rs"),
    check: None,
};
