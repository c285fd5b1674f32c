//! Where each part of the Model was written: a side table from typed ids to source spans, filled
//! by the resolver beside the Model (as rust-analyzer's `BodySourceMap` sits beside a `Body`).
//!
//! The Model's structs carry meaning only, so hashing, comparing or serialising them never trips
//! over a position; everything that needs a location (diagnostics, lint rules, the report,
//! verify's flow text, `query`) asks this table by id.

use super::{
    ConduitId, DeviceId, Endpoint, ExceptionId, ExpectId, FlowId, SelfFlowId, ServiceId, ZoneId,
};
use crate::source::Span;

/// A zone's name and its assets' names (by asset index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneSpans {
    pub name: Span,
    pub assets: Vec<Span>,
}

/// A flow's `allow` statement and each of its service references (parallel to
/// `Flow::services`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowSpans {
    pub stmt: Span,
    pub services: Vec<Span>,
    /// Each `via` device's name, in the order of `Flow::via`.
    pub via: Vec<Span>,
}

/// A device's name, its interfaces' and its switch ports' names (by index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceSpans {
    pub name: Span,
    pub interfaces: Vec<Span>,
    pub ports: Vec<Span>,
}

/// Id -> span for every located part of a Model, indexed like the Model's collections. An id
/// the table does not know (a Model built by hand) answers an empty span at the start of the
/// root file rather than panicking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanMap {
    /// The `policy` declaration's name, when the policy has one.
    pub policy: Option<Span>,
    pub zones: Vec<ZoneSpans>,
    /// Declared services; `None` for built-in and inline ones.
    pub services: Vec<Option<Span>>,
    pub conduits: Vec<Span>,
    pub flows: Vec<FlowSpans>,
    /// Device-level flows, indexed like `Model::self_flows`.
    pub self_flows: Vec<FlowSpans>,
    pub devices: Vec<DeviceSpans>,
    pub expects: Vec<Span>,
    pub exceptions: Vec<Span>,
    /// Where the assessment facts were written.
    pub assessment: super::assessment::AssessmentSpans,
}

impl SpanMap {
    pub fn policy(&self) -> Option<Span> {
        self.policy
    }
    /// The zone's name.
    pub fn zone(&self, id: ZoneId) -> Span {
        self.zones.get(id.0).map(|z| z.name).unwrap_or_default()
    }
    /// The name of the zone's asset `index`.
    pub fn asset(&self, zone: ZoneId, index: usize) -> Span {
        self.zones
            .get(zone.0)
            .and_then(|z| z.assets.get(index))
            .copied()
            .unwrap_or_default()
    }
    /// The asset's name, or the zone's for a whole zone.
    pub fn endpoint(&self, ep: Endpoint) -> Span {
        match ep.asset {
            Some(a) => self.asset(ep.zone, a),
            None => self.zone(ep.zone),
        }
    }
    /// The service's declaration; `None` for built-in and inline services.
    pub fn service(&self, id: ServiceId) -> Option<Span> {
        self.services.get(id.0).copied().flatten()
    }
    /// The conduit's name.
    pub fn conduit(&self, id: ConduitId) -> Span {
        self.conduits.get(id.0).copied().unwrap_or_default()
    }
    /// The flow's `allow` statement.
    pub fn flow(&self, id: FlowId) -> Span {
        self.flows.get(id.0).map(|f| f.stmt).unwrap_or_default()
    }
    /// The flow's reference to its service `index` (the statement when unknown).
    pub fn flow_service(&self, id: FlowId, index: usize) -> Span {
        self.flows
            .get(id.0)
            .and_then(|f| f.services.get(index))
            .copied()
            .unwrap_or_else(|| self.flow(id))
    }
    /// The device-level flow's `allow` statement.
    pub fn self_flow(&self, id: SelfFlowId) -> Span {
        self.self_flows
            .get(id.0)
            .map(|f| f.stmt)
            .unwrap_or_default()
    }
    /// The device-level flow's reference to its service `index` (the statement when unknown).
    pub fn self_flow_service(&self, id: SelfFlowId, index: usize) -> Span {
        self.self_flows
            .get(id.0)
            .and_then(|f| f.services.get(index))
            .copied()
            .unwrap_or_else(|| self.self_flow(id))
    }
    /// The device's name.
    pub fn device(&self, id: DeviceId) -> Span {
        self.devices.get(id.0).map(|d| d.name).unwrap_or_default()
    }
    /// The name of the device's interface `index`.
    pub fn interface(&self, device: DeviceId, index: usize) -> Span {
        self.devices
            .get(device.0)
            .and_then(|d| d.interfaces.get(index))
            .copied()
            .unwrap_or_default()
    }
    /// The name of the device's switch port `index`.
    pub fn port(&self, device: DeviceId, index: usize) -> Span {
        self.devices
            .get(device.0)
            .and_then(|d| d.ports.get(index))
            .copied()
            .unwrap_or_default()
    }
    /// The `expect` statement.
    pub fn expect(&self, id: ExpectId) -> Span {
        self.expects.get(id.0).copied().unwrap_or_default()
    }
    /// The `exception` statement, from its rule to its justification.
    pub fn exception(&self, id: ExceptionId) -> Span {
        self.exceptions.get(id.0).copied().unwrap_or_default()
    }
}
