//! Pass 6, verify: decides packets exactly, against the Model and against configurations parsed
//! back from text, so the compiler can prove its own output.

pub mod config;
pub mod conntrack;
pub mod diff;
pub mod equiv;
pub mod expect;
pub mod ios;
pub mod iptables;
pub mod nft;
pub mod packet;
pub mod space;

pub use packet::{policy_decision, Packet};
