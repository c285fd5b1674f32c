//! The Cisco IOS dialect: router ACLs with their interface bindings, and switch VLANs and
//! ports ([`lower`]), read back from the generated file or `show running-config` ([`parse`]).

pub mod lower;
pub mod parse;

pub use lower::*;

use super::config::ReadError;
use super::{DynDialect, EmitContext, Loaded, Output};
use crate::diagnostic::Diagnostic;
use crate::error::Result;
use crate::model::{DeviceKind, Target};
use crate::plan::DeviceIr;

/// The parsed configuration with the file it came from (its lines tag every decision).
struct WithFile(parse::IosConfig, String);

impl super::Filters for WithFile {
    fn filters(
        &self,
        iif: &str,
        oif: &str,
    ) -> std::result::Result<Vec<Vec<super::config::Item>>, ReadError> {
        Ok(vec![
            self.0.filter_items(&self.1, iif, true)?,
            self.0.filter_items(&self.1, oif, false)?,
        ])
    }
    fn interface(
        &self,
        iface: &str,
        inbound: bool,
    ) -> Option<std::result::Result<Vec<super::config::Item>, ReadError>> {
        Some(self.0.filter_items(&self.1, iface, inbound))
    }
}

impl DynDialect for CiscoIos {
    fn target(&self) -> Target {
        Target::CiscoIos
    }
    fn stateful(&self) -> bool {
        false
    }
    fn kinds(&self) -> &'static [DeviceKind] {
        &[DeviceKind::Router, DeviceKind::Switch]
    }
    fn files(&self) -> &'static [&'static str] {
        &[FILE_NAME]
    }
    fn replacement(&self) -> &'static str {
        "cisco-ios: ACL names versioned by content, rebound before the old ACL is removed"
    }
    fn emit(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<Vec<Output>> {
        let text = device_text(cx, device, diags)?;
        Ok(vec![Output {
            path: format!("{}/{FILE_NAME}", device.name),
            bytes: text.into_bytes(),
        }])
    }
    fn load(
        &self,
        device: &str,
        read: &dyn Fn(&str) -> Option<String>,
    ) -> std::result::Result<Option<Loaded>, ReadError> {
        let path = format!("{device}/{FILE_NAME}");
        let Some(text) = read(&path) else {
            return Ok(None);
        };
        let cfg = parse::parse(&text).map_err(|e| ReadError {
            file: path.clone(),
            line: e.line,
            message: e.message,
        })?;
        Ok(Some(Loaded {
            config: Box::new(WithFile(cfg, path.clone())),
            files: vec![path],
        }))
    }
}
