//! The FortiOS dialect: the filtering configuration of a FortiGate (FortiOS 6.4 to 7.x, NAT
//! mode, one VDOM) in `<device>/fortios.txt`, CLI sections as `show full-configuration` prints
//! them: interfaces (alias, `allowaccess`), addresses and address groups, custom services,
//! firewall policies with `srcintf`/`dstintf` and an explicit logged deny last, and local-in
//! policies for traffic to the device. Target `fortios`, firewalls only; stateful (replies of
//! accepted sessions pass).
//!
//! Layout, bottom up: [`ast`] is the typed configuration and [`ast::ParseError`]; [`print`]
//! writes it (`Display`); [`parse`] reads a generated file or a live `show
//! full-configuration` back into it; [`semantics`] says what it accepts
//! ([`crate::dialect::Filters`]); [`lower`] builds it from a device's IR. This module puts the
//! dialect together. docs/targets/fortios.md says what is generated, refused and proven.

pub mod ast;
pub mod lower;
pub mod nat;
pub mod parse;
pub mod print;
pub mod semantics;

pub use ast::FortiConfig;

use super::config::{Item, ReadError};
use super::{ConfigFile, Dialect, EmitContext, Filters};
use crate::diagnostic::Diagnostic;
use crate::error::Result;
use crate::model::{DeviceKind, Target};
use crate::plan::DeviceIr;

/// The file every `fortios` device gets.
pub const FILE_NAME: &str = "fortios.txt";

const REPLACEMENT: &str = "fortios: each generated table (addresses, services, policies, local-in policies) written whole in one CLI script; a FortiGate applies each command as it is entered, so a revision (`execute revision`) or a configuration backup is the way back";

/// FortiGate firewalls.
pub struct Fortios;

impl Filters for FortiConfig {
    fn ha_link(&self) -> Option<Option<String>> {
        Some(self.heartbeat_link().map(|n| n.to_string()))
    }
    fn static_nat(
        &self,
    ) -> Option<std::result::Result<Vec<crate::dialect::nat::Shift>, ReadError>> {
        Some(Ok(nat::shifts(self)))
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
        to_device: bool,
    ) -> std::result::Result<Vec<Vec<Item>>, ReadError> {
        // The replies of the device's own sessions pass by state, on an interface that is up.
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
            // What the FortiGate originates meets no policy.
            Ok(Vec::new())
        }
    }
    fn own_output_filtered(&self) -> bool {
        false
    }
}

fn parse_files(files: &[ConfigFile]) -> std::result::Result<FortiConfig, ReadError> {
    let Some(f) = files.iter().find(|f| f.name == FILE_NAME) else {
        return Ok(FortiConfig::default());
    };
    let mut cfg = parse::parse(&f.text).map_err(|e| ReadError {
        file: f.path.clone(),
        line: e.line,
        message: e.message,
    })?;
    cfg.file = ast::Origin(f.path.clone());
    Ok(cfg)
}

impl Dialect for Fortios {
    type Config = FortiConfig;
    const TARGET: Target = Target::Fortios;
    const STATEFUL: bool = true;
    const KINDS: &'static [DeviceKind] = &[DeviceKind::Firewall];
    const FILES: &'static [&'static str] = &[FILE_NAME];
    const REPLACEMENT: &'static str = REPLACEMENT;

    fn lower(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<FortiConfig> {
        lower::lower(cx, device, diags)
    }
    fn size(&self, config: &FortiConfig) -> usize {
        lower::size(config)
    }
    fn print(&self, config: &FortiConfig) -> Vec<(&'static str, String)> {
        vec![(FILE_NAME, config.to_string())]
    }
    fn parse(&self, files: &[ConfigFile]) -> std::result::Result<FortiConfig, ReadError> {
        parse_files(files)
    }
    fn for_node(&self, config: &mut FortiConfig, device: &DeviceIr, node: &str) {
        lower::for_node(config, device, node);
    }
}
