//! ## What it does
//! Flags a Cisco IOS router (or layer-3 switch) whose access lists hold more entries than the
//! budget `max-acl-entries` of `fenceline.toml` (3,000 by default), counted as the hardware
//! holds them: every entry of every ACL in its file, an entry naming object-groups counted once
//! per combination of their entries (a network group of 3 entries to one of 4, with a service
//! group of 2, is 24).
//!
//! ## Why is this bad
//! A router or switch that filters in hardware keeps its ACL entries in TCAM, which is finite
//! (thousands of entries on access-layer Catalyst switches) and holds object-groups expanded.
//! An ACL beyond it does not load whole: the platform refuses it, or falls back to filtering in
//! software at a fraction of the throughput, or (on some platforms) leaves entries out. Flows
//! between zones of many networks multiply: sources times destinations times services. The
//! conduit then fails in production (SR 5.2, SR 7.6) in a way no test before loading shows.
//!
//! ## Example
//! ```fence
//! zone a { level 3  sl-target 2  network 10.1.0.0/24  asset hosts 10.1.0.1-10.1.0.254 }
//! zone b { level 3  sl-target 2  network 10.2.0.0/24  asset hosts 10.2.0.1-10.2.0.254 }
//! service many udp/1, udp/3, udp/5, udp/7, udp/9, udp/11, udp/13, udp/15, udp/17, udp/19, udp/21, udp/23, udp/25, udp/27, udp/29, udp/31
//! conduit a-b {
//!   connects a, b
//!   sl-target 2
//!   allow a.hosts -> b.hosts many
//! }
//! router rtr {
//!   target cisco-ios
//!   interface GigabitEthernet0/0 a
//!   interface GigabitEthernet0/1 b
//! }
//! ```
//!
//! ## Use instead
//! ```fence
//! zone a { level 3  sl-target 2  network 10.1.0.0/24 }
//! zone b { level 3  sl-target 2  network 10.2.0.0/24 }
//! service many udp/1-31
//! conduit a-b {
//!   connects a, b
//!   sl-target 2
//!   allow a -> b many
//! }
//! router rtr {
//!   target cisco-ios
//!   interface GigabitEthernet0/0 a
//!   interface GigabitEthernet0/1 b
//! }
//! ```
//!
//! Allow whole networks and port ranges where the policy means them, split the conduit over
//! several devices, or raise `max-acl-entries` to the platform's figure (`show platform
//! hardware ... acl resource`), with the finding's help.
//!
//! ## References
//! - IEC 62443-3-3 SR 5.2 (zone boundary protection), SR 7.6 (network and security
//!   configuration settings)
//! - docs/targets/cisco-ios.md, "Object-groups"

use crate::diagnostic::Severity;
use crate::lint::{Rule, Status};

pub const RULE: Rule = Rule {
    id: "OUT-009",
    name: "acl-too-large",
    severity: Severity::Warning,
    reference: "SR 5.2; SR 7.6",
    status: Status::Target,
    file: file!(),
    source: include_str!("out_009_acl_too_large.rs"),
    check: None,
};
