//! fenceline: a compiler for IEC 62443 zone and conduit policies.
//!
//! ```text
//! text --parse--> Ast --resolve--> Model --lint--> Diagnostics
//!                                    |
//!                                    +--plan--> Ir (per device: ordered rules, sets, VLANs)
//!                                                  |--lower, print (dialect)--> text per device
//!                                                  +--verify--> equal / counterexample
//! ```
//!
//! | pass | representation | module |
//! |---|---|---|
//! | parse | [`syntax::ast::File`] | [`syntax`] |
//! | resolve | [`model::Model`] | [`model`] |
//! | lint | [`Diagnostic`]s | [`lint`] |
//! | plan | [`plan::Ir`] | [`plan`] |
//! | emit | [`dialect::Output`]s (text per device and dialect) | [`dialect`] |
//! | report | [`report::Report`] (md, html, json) | [`report`] |
//! | build | files + `manifest.json`, written atomically | [`build`] |
//! | verify | packet spaces, equal / counterexample | [`verify`] |
//! | import | configurations -> flows over a skeleton's zones | [`import`] |
//! | inventory | asset inventory (CSV, nmap XML) -> skeleton zones and assets | [`inventory`] |
//! | traffic | observed connections -> denied, never observed, of no zone | [`traffic`] |
//!
//! [`driver`] runs load, resolve and lint for every command; [`cli`] has one function per
//! command.
#![forbid(unsafe_code)]
// A `Diagnostic` is the error of parsing and resolving: rich (spans, labels, help) and on the cold
// path, so it is returned by value rather than boxed.
#![allow(clippy::result_large_err)]

pub mod build;
pub mod cli;
pub mod diagnostic;
pub mod dialect;
pub mod diff;
pub mod driver;
pub mod error;
pub mod fmt;
pub mod import;
pub mod inventory;
pub mod lint;
pub mod model;
pub mod output;
pub mod packet;
pub mod plan;
pub mod report;
pub mod schema;
pub mod source;
pub mod syntax;
pub mod synth;
pub mod threads;
pub mod traffic;
pub mod verify;

pub use diagnostic::{Diagnostic, Severity};
pub use error::{Error, Result};
pub use model::Model;
