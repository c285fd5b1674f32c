//! The nftables dialect: one `table inet fenceline` per firewall, replaced in one kernel
//! transaction (declare, delete, define; never `flush ruleset`, which would remove other tables
//! such as Docker's or libvirt's).
//!
//! Layout, and why:
//! - [`ast`]: the typed ruleset (tables, sets and their elements, chains, rules and their
//!   statements, comments, counters, log prefixes, the header lines), the one representation
//!   the other four files share.
//! - [`lower`]: the device's IR to that ruleset; it builds nodes and never writes rule text.
//! - [`print`]: the ruleset as `nft -f` text, by `Display`. Device text is printed from the
//!   typed configuration, not rendered by templates (the project's choice for every dialect;
//!   minijinja stays for the reports): what the file says and how it is spelt live in one
//!   place each, and [`parse`] reads every printed file back to an equal configuration.
//! - [`parse`] (with `rule.rs`, the tokens and statements of one rule) and [`json`]: `nft` text (generated or from `nft list ruleset`) and
//!   `nft -j list ruleset` JSON back to the same ruleset; what they cannot place is refused with
//!   its line. Neither uses the other: [`read`] picks one by the file's first character.
//! - [`semantics`]: what the ruleset accepts per interface pair ([`crate::dialect::Filters`]).
//!
//! Policy text (zone descriptions, flow labels, the device name in log prefixes) passes
//! [`crate::dialect::sanitize`] when lowered and is held in [`ast::Quoted`], which cannot hold a
//! quote, a backslash or a control character, so it never ends a string or a line.

pub mod ast;
pub mod json;
pub mod lower;
pub mod parse;
pub mod print;
mod rule;
pub mod semantics;
mod translate;

pub use ast::Ruleset;
pub use lower::FLOW_SET_MIN_RULES;

use super::config::ReadError;
use super::{ConfigFile, Dialect, EmitContext};
use crate::diagnostic::Diagnostic;
use crate::error::Result;
use crate::model::{DeviceKind, Target};
use crate::plan::DeviceIr;

/// The nftables dialect.
pub struct Nftables;

/// Reads a file that holds either form: `nft -j list ruleset` JSON ([`json`]) or `nft` text
/// ([`parse`]).
pub fn read(file: &str, text: &str) -> std::result::Result<Ruleset, ReadError> {
    if text.trim_start().starts_with('{') {
        json::parse_json(file, text)
    } else {
        parse::parse_text(file, text)
    }
}

impl Dialect for Nftables {
    type Config = Ruleset;
    const TARGET: Target = Target::Nftables;
    const STATEFUL: bool = true;
    const KINDS: &'static [DeviceKind] = &[DeviceKind::Firewall];
    /// The generated ruleset, and `nft -j list ruleset` from a live firewall: two forms of one
    /// ruleset, so when both are there the generated one is read.
    const FILES: &'static [&'static str] = &["nftables.nft", "nftables.json"];
    const ALTERNATIVES: bool = true;
    const REPLACEMENT: &'static str =
        "nftables: `policy drop` chains, ruleset replaced in one transaction";

    fn lower(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<Ruleset> {
        lower::lower(cx, device, diags)
    }
    fn for_node(&self, config: &mut Ruleset, device: &DeviceIr, node: &str) {
        lower::name_node(config, device, node)
    }
    fn size(&self, config: &Ruleset) -> usize {
        config.rule_count() + config.element_count()
    }
    fn print(&self, config: &Ruleset) -> Vec<(&'static str, String)> {
        vec![(
            "nftables.nft",
            super::print_sized(config, self.size(config)),
        )]
    }
    fn parse(&self, files: &[ConfigFile]) -> std::result::Result<Ruleset, ReadError> {
        match files.first() {
            Some(f) => read(&f.path, &f.text),
            None => Err(ReadError {
                file: String::new(),
                line: 0,
                message: "no nftables file".into(),
            }),
        }
    }
}
