//! The nftables dialect: one `table inet fenceline` per firewall ([`lower`]), read back from
//! `nft` text or `nft -j list ruleset` JSON ([`parse`]).

pub mod lower;
pub mod parse;

pub use lower::*;

use super::config::ReadError;
use super::{DynDialect, EmitContext, Loaded, Output};
use crate::diagnostic::Diagnostic;
use crate::dialect::linux;
use crate::error::Error;
use crate::error::Result;
use crate::model::{DeviceKind, Target};
use crate::plan::DeviceIr;

impl DynDialect for Nftables {
    fn target(&self) -> Target {
        Target::Nftables
    }
    fn stateful(&self) -> bool {
        true
    }
    fn kinds(&self) -> &'static [DeviceKind] {
        &[DeviceKind::Firewall]
    }
    fn files(&self) -> &'static [&'static str] {
        &["nftables.nft", "nftables.json"]
    }
    fn replacement(&self) -> &'static str {
        "nftables: `policy drop` chains, ruleset replaced in one transaction"
    }
    fn emit(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<Vec<Output>> {
        linux::warn_policy_name(cx, diags);
        let v = view(cx, device, diags)?;
        if let Some(max) = cx.options.max_rules {
            if v.element_count() + v.rule_count() > max {
                return Err(Error::Other(format!(
                    "device `{}` would get {} nftables rules and set elements, more than the limit of {max}",
                    device.name,
                    v.element_count() + v.rule_count()
                )));
            }
        }
        Ok(vec![Output {
            path: format!("{}/nftables.nft", device.name),
            bytes: text(&v)?.into_bytes(),
        }])
    }
    fn findings(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<()> {
        linux::warn_policy_name(cx, diags);
        view(cx, device, diags).map(drop)
    }
    fn load(
        &self,
        device: &str,
        read: &dyn Fn(&str) -> Option<String>,
    ) -> std::result::Result<Option<Loaded>, ReadError> {
        for name in self.files() {
            let path = format!("{device}/{name}");
            if let Some(text) = read(&path) {
                return Ok(Some(Loaded {
                    config: Box::new(parse::parse(&path, &text)?),
                    files: vec![path],
                }));
            }
        }
        Ok(None)
    }
}
