//! The ids of the Model's statements and the [`Scope`] a finding is about. They sit below the
//! rest of the Model so that a [`crate::diagnostic::Diagnostic`] can say which statements an
//! exception may sit on without the diagnostic layer depending on the Model.

use serde::Serialize;

macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub usize);
    )*};
}
id_type!(
    ZoneId,
    ServiceId,
    ConduitId,
    FlowId,
    DeviceId,
    ExpectId,
    ExceptionId,
    SelfFlowId
);

/// A flow of the policy as a rule names it: a conduit's flow, or a device's flow to or from
/// itself (`allow X -> self ...` in a device block), which has no conduit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum FlowRef {
    Flow(FlowId),
    SelfFlow {
        #[serde(rename = "self_flow")]
        id: SelfFlowId,
    },
}

impl FlowRef {
    /// The conduit flow, if this is one.
    pub fn flow(self) -> Option<FlowId> {
        match self {
            FlowRef::Flow(id) => Some(id),
            FlowRef::SelfFlow { .. } => None,
        }
    }
    /// The scope an exception on this flow has.
    pub fn scope(self) -> Scope {
        match self {
            FlowRef::Flow(id) => Scope::Flow(id),
            FlowRef::SelfFlow { id } => Scope::SelfFlow(id),
        }
    }
}

impl From<FlowId> for FlowRef {
    fn from(id: FlowId) -> FlowRef {
        FlowRef::Flow(id)
    }
}

impl From<SelfFlowId> for FlowRef {
    fn from(id: SelfFlowId) -> FlowRef {
        FlowRef::SelfFlow { id }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "scope", content = "id", rename_all = "snake_case")]
pub enum Scope {
    Policy,
    Zone(ZoneId),
    Conduit(ConduitId),
    Flow(FlowId),
    /// A device-level flow (`allow ... self ...`): its exceptions sit in its block.
    SelfFlow(SelfFlowId),
}
