//! Pass 6, verify: decides packets exactly, against the Model and against configurations parsed
//! back from text by each dialect, so the compiler can prove its own output.

pub mod equiv;
pub mod expect;
