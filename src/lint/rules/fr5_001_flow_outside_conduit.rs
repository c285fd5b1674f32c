//! ## What it does
//! Flags a flow that no conduit carries: a flow written in a conduit that does not connect the
//! zones of both its ends, or a flow whose ends lie in the same zone.
//!
//! The resolver reports this rule while it builds the Model, as an error, and leaves the flow
//! out of the Model. Like every rule's findings it passes the configuration and the policy's
//! exceptions: an `exception FR5-001` on the conduit that holds the flow accepts that the flow is
//! dropped, and nothing is generated for it. An exception on the zone of either end does not: a
//! zone's exception accepts findings about the zone only.
//!
//! ## Why is this bad
//! IEC 62443-3-2 partitions a system into zones and allows communication between zones only
//! through conduits (ZCR 3.1). A flow between zones that no conduit connects is an implicit
//! allow: nothing documents its SL-T, its risk assessment or the boundary that enforces it, and
//! the zone boundary protection of SR 5.2 no longer describes the traffic it lets through.
//!
//! ## Example
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset historian-mirror 10.20.0.10 { kind mirror } }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! conduit dmz-control {
//!   connects dmz, control-center
//!   allow enterprise -> control-center.historian https   # enterprise is not in this conduit
//! }
//! ```
//!
//! ## Use instead
//! Put the flow in a conduit that connects both zones, or route it through the DMZ:
//! ```fence
//! zone enterprise { level 4  sl-target 1  network 10.10.0.0/16 }
//! zone dmz { level 3.5  sl-target 2  network 10.20.0.0/24  asset historian-mirror 10.20.0.10 { kind mirror } }
//! zone control-center { level 3  sl-target 3  network 10.30.0.0/24  asset historian 10.30.0.10 }
//! conduit enterprise-dmz {
//!   connects enterprise, dmz
//!   allow enterprise -> dmz.historian-mirror https
//! }
//! conduit dmz-control {
//!   connects dmz, control-center
//!   allow control-center.historian -> dmz.historian-mirror https
//! }
//! ```
//!
//! ## References
//! - IEC 62443-3-3 SR 5.1 (network segmentation), SR 5.2 (zone boundary protection)
//! - IEC 62443-3-2 ZCR 3.1 (establish zones and conduits)

use crate::diagnostic::Severity;
use crate::lint::{Rule, Status};

pub const RULE: Rule = Rule {
    id: "FR5-001",
    name: "flow-outside-conduit",
    severity: Severity::Error,
    reference: "SR 5.1, SR 5.2; ZCR 3.1",
    status: Status::Resolver,
    file: file!(),
    source: include_str!("fr5_001_flow_outside_conduit.rs"),
    check: None,
};
