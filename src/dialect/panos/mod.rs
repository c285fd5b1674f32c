//! The PAN-OS dialect: the security configuration of a Palo Alto Networks firewall (PAN-OS
//! 10.x/11.x, one virtual system, layer-3 interfaces) in `<device>/panos.txt`, as the set
//! commands of configure mode (`show config running` in set format prints the same): interfaces
//! with their addresses and management profiles, zones, address and service objects and groups,
//! and the security rulebase, first match, ending in an explicit logged deny. Target `panos`,
//! firewalls only; stateful (replies of allowed sessions pass).
//!
//! Layout, bottom up: [`ast`] is the typed configuration and [`ast::ParseError`]; [`print`]
//! writes it (`Display`); [`parse`] reads a generated file or a live configuration back into
//! it, in set format or, through [`xml`], in XML; [`semantics`] says what it accepts ([`crate::dialect::Filters`]); [`lower`] builds it
//! from a device's IR. This module puts the dialect together. docs/targets/panos.md says what is
//! generated, refused and proven.

pub mod ast;
pub mod lower;
pub mod nat;
pub mod parse;
pub mod print;
pub mod semantics;
pub mod xml;

pub use ast::PanosConfig;

use super::config::{Item, ReadError};
use super::{ConfigFile, Dialect, EmitContext, Filters};
use crate::diagnostic::Diagnostic;
use crate::error::Result;
use crate::model::{DeviceKind, Target};
use crate::plan::DeviceIr;

/// The file every `panos` device gets.
pub const FILE_NAME: &str = "panos.txt";

const REPLACEMENT: &str = "panos: the set commands loaded into the candidate configuration (`load config partial`, or pasted in configure mode), then one `commit`, which PAN-OS applies atomically";

/// Palo Alto Networks firewalls.
pub struct Panos;

impl Filters for PanosConfig {
    fn ha_link(&self) -> Option<Option<String>> {
        Some(self.ha1_link().map(|n| n.to_string()))
    }
    fn static_nat(
        &self,
    ) -> Option<std::result::Result<Vec<crate::dialect::nat::Shift>, ReadError>> {
        Some(self.resolve().static_nat())
    }
    fn filters(&self, iif: &str, oif: &str) -> std::result::Result<Vec<Vec<Item>>, ReadError> {
        self.resolve().pair(iif, oif)
    }
    fn replies(&self, iif: &str, oif: &str) -> std::result::Result<Vec<Vec<Item>>, ReadError> {
        self.resolve().replies(iif, oif)
    }
    fn local_replies(
        &self,
        iface: &str,
        _to_device: bool,
    ) -> std::result::Result<Vec<Vec<Item>>, ReadError> {
        self.resolve().own_replies(iface)
    }
    fn local(
        &self,
        iface: &str,
        to_device: bool,
    ) -> std::result::Result<Vec<Vec<Item>>, ReadError> {
        if to_device {
            self.resolve().to_device(iface)
        } else {
            // What the firewall originates meets no security rule.
            Ok(Vec::new())
        }
    }
    fn own_output_filtered(&self) -> bool {
        false
    }
}

fn parse_files(files: &[ConfigFile]) -> std::result::Result<PanosConfig, ReadError> {
    let Some(f) = files.iter().find(|f| f.name == FILE_NAME) else {
        return Ok(PanosConfig::default());
    };
    let mut cfg = parse::parse(&f.text).map_err(|e| ReadError {
        file: f.path.clone(),
        line: e.line,
        message: e.message,
    })?;
    cfg.file = ast::Origin(f.path.clone());
    Ok(cfg)
}

impl Dialect for Panos {
    type Config = PanosConfig;
    const TARGET: Target = Target::Panos;
    const STATEFUL: bool = true;
    const KINDS: &'static [DeviceKind] = &[DeviceKind::Firewall];
    const FILES: &'static [&'static str] = &[FILE_NAME];
    const REPLACEMENT: &'static str = REPLACEMENT;

    fn lower(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<PanosConfig> {
        lower::lower(cx, device, diags)
    }
    fn size(&self, config: &PanosConfig) -> usize {
        lower::size(config)
    }
    fn print(&self, config: &PanosConfig) -> Vec<(&'static str, String)> {
        vec![(FILE_NAME, config.to_string())]
    }
    fn parse(&self, files: &[ConfigFile]) -> std::result::Result<PanosConfig, ReadError> {
        parse_files(files)
    }
    fn for_node(&self, config: &mut PanosConfig, device: &DeviceIr, node: &str) {
        lower::for_node(config, device, node);
    }
}
