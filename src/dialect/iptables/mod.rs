//! The iptables dialect: one firewall's configuration is two files, `iptables.rules` (IPv4)
//! and `ip6tables.rules` (IPv6), each loaded by `iptables-restore` / `ip6tables-restore`, and
//! read back from the same files or from `iptables-save` output.
//!
//! Layout, one pass per module: [`ast`] is the typed configuration ([`Ruleset`]: both
//! families' files, each its ordered lines: comment lines and table blocks of chain
//! declarations and `-A -I -P -F -X -N` commands); [`lower`] builds it from the device's IR;
//! [`print`] prints it (`Display`); [`parse`] reads text back into it, so that
//! `parse(print(c)) == c`; [`semantics`] restores a file as `iptables-restore` does (the last
//! `*filter` block wins) and says what FORWARD accepts per interface pair ([`Filters`]); `parse`
//! restores every file it reads, so it stands above `semantics`, and both type a rule's match
//! options with `matches.rs`. Only this module uses every file; no file imports one above it.
//!
//! Device text is printed from the AST, not rendered from templates: the printer and the reader
//! share one AST, which is what makes the round trip a law that can be tested. Free text from
//! the policy (comments, log prefixes) passes [`crate::dialect::sanitize`] when it is lowered
//! and is held in [`ast::Text`], which cannot hold a line break, and is always printed quoted.
//!
//! [`Filters`]: crate::dialect::Filters

pub mod ast;
pub mod ipset;
pub mod lower;
mod matches;
pub mod parse;
pub mod print;
pub mod semantics;
mod translate;

pub use ast::{RulesFile, Ruleset};

use super::config::ReadError;
use super::{ConfigFile, Dialect, EmitContext};
use crate::diagnostic::Diagnostic;
use crate::error::Result;
use crate::model::{DeviceKind, Target};
use crate::packet::Family;
use crate::plan::DeviceIr;

pub struct Iptables;

impl Dialect for Iptables {
    type Config = Ruleset;
    const TARGET: Target = Target::Iptables;
    const STATEFUL: bool = true;
    const KINDS: &'static [DeviceKind] = &[DeviceKind::Firewall];
    const FILES: &'static [&'static str] = &["iptables.rules", "ip6tables.rules", "ipset.rules"];
    const REPLACEMENT: &'static str =
        "iptables: DROP chain policies, each table restored atomically";

    fn lower(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<Ruleset> {
        lower::ruleset(cx, device, diags)
    }

    /// The rules of the larger file: each file is one restore, and the limit is per restore.
    fn for_node(&self, config: &mut Ruleset, device: &DeviceIr, node: &str) {
        lower::name_node(config, device, node)
    }
    fn size(&self, config: &Ruleset) -> usize {
        config.v4.rule_count().max(config.v6.rule_count())
    }

    /// `ipset.rules` only where rules match zone sets.
    fn print(&self, config: &Ruleset) -> Vec<(&'static str, String)> {
        let mut out = vec![
            (
                "iptables.rules",
                super::print_sized(&config.v4, config.v4.lines()),
            ),
            (
                "ip6tables.rules",
                super::print_sized(&config.v6, config.v6.lines()),
            ),
        ];
        if let Some(s) = &config.ipsets {
            out.push(("ipset.rules", s.to_string()));
        }
        out
    }

    /// Both files, or neither: an absent family would pass everything; `ipset.rules` (the sets
    /// `-m set` matches) where present.
    fn parse(&self, files: &[ConfigFile]) -> std::result::Result<Ruleset, ReadError> {
        let read = |name: &str, fam| {
            files
                .iter()
                .find(|f| f.name == name)
                .map(|f| parse::parse(&f.path, &f.text, fam))
                .transpose()
        };
        let v4 = read("iptables.rules", Family::V4)?;
        let v6 = read("ip6tables.rules", Family::V6)?;
        match (v4, v6) {
            (Some(mut v4), Some(mut v6)) => {
                let ipsets = files
                    .iter()
                    .find(|f| f.name == "ipset.rules")
                    .map(|f| ipset::parse(&f.path, &f.text))
                    .transpose()?;
                if let Some(f) = &ipsets {
                    let view = ipset::resolve(f)?;
                    v4.sets = view.clone();
                    v6.sets = view;
                }
                Ok(Ruleset { v4, v6, ipsets })
            }
            _ => {
                let dir = files
                    .first()
                    .map(|f| f.path.strip_suffix(f.name).unwrap_or(""))
                    .unwrap_or("");
                Err(ReadError {
                    file: dir.to_string(),
                    line: 0,
                    message: "iptables.rules and ip6tables.rules go together; one of them is missing (an absent family would pass everything)".into(),
                })
            }
        }
    }
}
