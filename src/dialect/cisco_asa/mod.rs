//! The Cisco ASA dialect: the filtering configuration of an ASA (ASA OS 9.x, routed mode) in
//! `<device>/cisco-asa.txt`, commands as `show running-config` prints them: interfaces with
//! `nameif` and `security-level`, object-groups, one extended access list per interface bound
//! inbound and one as its control-plane list, `same-security-traffic` and ICMP inspection.
//! Target `cisco-asa`, firewalls only; stateful (replies of admitted connections pass).
//!
//! Layout, bottom up: [`ast`] is the typed configuration with the ASA's port and ICMP names
//! and [`ast::ParseError`]; [`print`] writes it (`Display`); [`parse`] reads a generated file
//! or a live `show running-config` back into it; [`semantics`] says what it accepts
//! ([`crate::dialect::Filters`]); [`lower`] builds it from a device's IR. This module puts the
//! dialect together. docs/targets/cisco-asa.md says what is generated, refused and proven.

pub mod ast;
pub mod ha;
pub mod lower;
pub mod nat;
pub mod parse;
pub mod print;
pub mod semantics;

pub use ast::AsaConfig;

use super::config::{Item, ReadError};
use super::{ConfigFile, Dialect, EmitContext, Filters};
use crate::diagnostic::Diagnostic;
use crate::error::Result;
use crate::model::{DeviceKind, Target};
use crate::plan::DeviceIr;

/// The file every `cisco-asa` device gets.
pub const FILE_NAME: &str = "cisco-asa.txt";

const REPLACEMENT: &str = "cisco-asa: each access list cleared and written again in one paste, with `asp rule-engine transactional-commit access-group` so that a list filters only once complete";

/// Cisco ASA firewalls.
pub struct CiscoAsa;

impl Filters for AsaConfig {
    fn filters(&self, iif: &str, oif: &str) -> std::result::Result<Vec<Vec<Item>>, ReadError> {
        self.resolve().pair(iif, oif)
    }
    fn ingress(&self, iface: &str) -> Option<std::result::Result<Vec<Vec<Item>>, ReadError>> {
        Some(self.resolve().ingress(iface))
    }
    fn replies(&self, iif: &str, oif: &str) -> std::result::Result<Vec<Vec<Item>>, ReadError> {
        self.resolve().replies(iif, oif)
    }
    fn local_replies(
        &self,
        iface: &str,
        to_device: bool,
    ) -> std::result::Result<Vec<Vec<Item>>, ReadError> {
        // The replies of the device's own connections pass by state, on an open interface.
        let _ = to_device;
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
            // What the ASA originates meets no access list.
            Ok(Vec::new())
        }
    }
    fn own_output_filtered(&self) -> bool {
        false
    }
    fn ha_link(&self) -> Option<Option<String>> {
        Some(self.failover_link().map(|n| n.to_string()))
    }
}

fn parse_files(files: &[ConfigFile]) -> std::result::Result<AsaConfig, ReadError> {
    let Some(f) = files.iter().find(|f| f.name == FILE_NAME) else {
        return Ok(AsaConfig::default());
    };
    let mut cfg = parse::parse(&f.text).map_err(|e| ReadError {
        file: f.path.clone(),
        line: e.line,
        message: e.message,
    })?;
    cfg.file = ast::Origin(f.path.clone());
    Ok(cfg)
}

impl Dialect for CiscoAsa {
    type Config = AsaConfig;
    const TARGET: Target = Target::CiscoAsa;
    const STATEFUL: bool = true;
    const KINDS: &'static [DeviceKind] = &[DeviceKind::Firewall];
    const FILES: &'static [&'static str] = &[FILE_NAME];
    const REPLACEMENT: &'static str = REPLACEMENT;

    fn lower(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<AsaConfig> {
        lower::lower(cx, device, diags)
    }
    fn size(&self, config: &AsaConfig) -> usize {
        lower::size(config)
    }
    fn print(&self, config: &AsaConfig) -> Vec<(&'static str, String)> {
        vec![(FILE_NAME, config.to_string())]
    }
    fn parse(&self, files: &[ConfigFile]) -> std::result::Result<AsaConfig, ReadError> {
        parse_files(files)
    }
    fn for_node(&self, config: &mut AsaConfig, device: &DeviceIr, node: &str) {
        ha::for_node(config, device, node);
    }
}
