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
    ExceptionId
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "scope", content = "id", rename_all = "snake_case")]
pub enum Scope {
    Policy,
    Zone(ZoneId),
    Conduit(ConduitId),
    Flow(FlowId),
}
