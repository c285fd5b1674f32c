//! ## What it does
//! Reports free text from the policy (descriptions, justifications, names, the policy's name) that a
//! target had to change to place it in a configuration: characters outside printable ASCII or that
//! the sink treats specially (`"` and `\` in nftables and iptables, `!` and `?` in IOS) were
//! replaced, or the text was cut to the sink's limit (nftables comments 127 bytes, iptables
//! comments 255 bytes and log prefixes 29, IOS remarks 100 characters, VLAN names 32). Reported
//! while the configurations are emitted, for nftables, iptables and Cisco IOS alike; an exception
//! on the flow, conduit or zone whose text changed silences it.
//!
//! ## Why is this bad
//! Policy text must never change the meaning of a generated configuration, so every string is
//! cleaned before it reaches one. The cleaning is safe, but the configuration then says something
//! other than the policy: an auditor comparing the two (SR 7.6, configuration settings as a
//! machine-readable record) should know, and silent truncation is how firewall comments become
//! misleading.
//!
//! ## Example
//! ```fence
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset jump-host 10.20.0.20 { kind jump-host } }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21 }
//! conduit dmz-control {
//!   connects dmz, control-center
//!   allow dmz.jump-host -> control-center.hmi rdp {
//!     description "Vendor access – approved by “Ops”"     # non-ASCII dashes and quotes
//!   }
//! }
//! firewall fw {
//!   target nftables
//!   interface eth0 dmz
//!   interface eth1 control-center
//! }
//! ```
//!
//! ## Use instead
//! ```fence
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset jump-host 10.20.0.20 { kind jump-host } }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset hmi 10.30.0.21 }
//! conduit dmz-control {
//!   connects dmz, control-center
//!   allow dmz.jump-host -> control-center.hmi rdp {
//!     description "Vendor access - approved by Ops"
//!   }
//! }
//! firewall fw {
//!   target nftables
//!   interface eth0 dmz
//!   interface eth1 control-center
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 7.6 (network and security configuration settings)

use crate::diagnostic::Severity;
use crate::lint::{Rule, Status};

pub const RULE: Rule = Rule {
    id: "OUT-007",
    name: "text-sanitised",
    severity: Severity::Warning,
    reference: "SR 7.6",
    status: Status::Target,
    file: file!(),
    source: include_str!("out_007_text_sanitised.rs"),
    check: None,
};
