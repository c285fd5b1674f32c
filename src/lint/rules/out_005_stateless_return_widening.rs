//! ## What it does
//! Reports every place where a stateless target (a Cisco IOS extended ACL) must admit more reply
//! traffic than the policy allows: TCP replies matched by `established` (any segment with ACK or
//! RST), UDP replies matched by source port, ICMP replies by type, and the reverse direction of
//! other protocols. Reported by planning, which decides every reply entry of a stateless device
//! and its widening (so `check`, `build`, `report` and `diff` alike see it, whatever targets are
//! built), once per router or layer-3 switch interface and conduit, naming the flows whose
//! replies it admits; the report lists the widenings per conduit.
//!
//! A router with `inspect` (a zone-based policy firewall) keeps connection state for TCP, UDP
//! and ICMP: their replies pass as established and raise nothing. It passes other protocols
//! (`ip/47`, `ip/50`, `ip`, OSPF to or from itself) without state, with a `pass` rule for the
//! replies in the other direction, and those are reported here as for ACLs.
//!
//! An `exception OUT-005` on the conduit silences it; exceptions on flows silence it when every
//! flow whose replies it admits on that interface carries one.
//!
//! ## Why is this bad
//! The policy allows replies to connections that were opened in the allowed direction. A
//! stateful firewall (nftables, iptables with conntrack) enforces exactly that; an IOS extended
//! ACL keeps no state, so a crafted packet with the ACK flag, or a UDP datagram from the
//! responder's port, passes in the reverse direction although no connection exists. Deny by
//! default (SR 5.2 RE1) then holds only approximately at that boundary.
//!
//! ## Example
//! ```fence
//! zone control-center { level 2  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 2  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.scada -> field.plcs modbus      # replies pass IOS `established`
//! }
//! router rtr-field {
//!   target cisco-ios
//!   interface GigabitEthernet0/0 control-center
//!   interface GigabitEthernet0/1 field
//! }
//! ```
//!
//! ## Use instead
//! Give the router `inspect`, enforce conduits whose SL-T needs stateful return traffic on a
//! stateful firewall (nftables, iptables), or accept the widening with an exception on the
//! conduit that states the compensating control:
//! ```fence
//! zone control-center { level 2  sl-target 2  network 10.30.0.0/24  asset scada 10.30.0.10 }
//! zone field { level 1  sl-target 2  network 10.40.0.0/22  asset plcs 10.40.2.0/24 }
//! conduit control-field {
//!   connects control-center, field
//!   allow control-center.scada -> field.plcs modbus      # replies pass by connection state
//! }
//! router rtr-field {
//!   target cisco-ios
//!   inspect
//!   interface GigabitEthernet0/0 control-center
//!   interface GigabitEthernet0/1 field
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.2 (zone boundary protection), SR 5.2 RE1 (deny by default, allow by exception)

use crate::diagnostic::Severity;
use crate::lint::{Rule, Status};

pub const RULE: Rule = Rule {
    id: "OUT-005",
    name: "stateless-return-widening",
    severity: Severity::Warning,
    reference: "SR 5.2 RE1; SR 5.2",
    status: Status::Target,
    file: file!(),
    source: include_str!("out_005_stateless_return_widening.rs"),
    check: None,
};
