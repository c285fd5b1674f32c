//! Pass 6, verify: decides packets exactly, against the Model and against configurations parsed
//! back from text, so the compiler can prove its own output.

pub mod expect;
pub mod ios;
pub mod packet;
pub mod space;
pub mod diff;
pub mod config;
pub mod nft;
pub mod iptables;
pub mod equiv;

pub use packet::{policy_decision, Packet};
