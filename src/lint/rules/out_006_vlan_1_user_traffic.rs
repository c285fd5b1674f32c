//! ## What it does
//! Flags a zone on VLAN 1 that a switch must carry. The Cisco target refuses to put user traffic on
//! VLAN 1: the zone's ports are parked and shut down instead, and `build` fails unless an
//! `exception OUT-006` on the zone accepts that.
//!
//! ## Why is this bad
//! VLAN 1 is the default VLAN of every Cisco switch port and carries the switch's own control
//! protocols (CDP, VTP, DTP, PAgP). A zone on VLAN 1 shares its broadcast domain with every port
//! that was never configured and is the usual target of VLAN hopping; the separation that SR 5.1
//! asks for between zones does not hold there.
//!
//! ## Example
//! ```fence
//! zone field { level 1  sl-target 2  network 10.40.0.0/22  vlan 1 }
//! switch sw-field {
//!   target cisco-ios
//!   ports GigabitEthernet1/0/1-24 access field
//! }
//! ```
//!
//! ## Use instead
//! ```fence
//! zone field { level 1  sl-target 2  network 10.40.0.0/22  vlan 140 }
//! switch sw-field {
//!   target cisco-ios
//!   ports GigabitEthernet1/0/1-24 access field
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.1 (network segmentation), SR 5.1 RE1 (physical network segmentation)

use crate::diagnostic::Severity;
use crate::lint::{Rule, Status};

pub const RULE: Rule = Rule {
    id: "OUT-006",
    name: "vlan-1-user-traffic",
    severity: Severity::Error,
    reference: "SR 5.1; SR 5.1 RE1",
    status: Status::Target,
    file: file!(),
    source: include_str!("out_006_vlan_1_user_traffic.rs"),
    check: None,
};
