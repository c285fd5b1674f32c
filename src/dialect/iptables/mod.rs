//! The iptables dialect: `iptables-restore` and `ip6tables-restore` files ([`lower`]), read
//! back from the same files or `iptables-save` output ([`parse`]).

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
use crate::packet::Family;
use crate::plan::DeviceIr;

/// Both families' rulesets of one firewall: one filter with both lists.
struct Both(Vec<parse::Ipt>);

impl super::Filters for Both {
    fn filters(
        &self,
        iif: &str,
        oif: &str,
    ) -> std::result::Result<Vec<Vec<super::config::Item>>, ReadError> {
        let mut all = Vec::new();
        for f in &self.0 {
            all.extend(f.items(iif, oif)?);
        }
        Ok(vec![all])
    }
}

impl DynDialect for Iptables {
    fn target(&self) -> Target {
        Target::Iptables
    }
    fn stateful(&self) -> bool {
        true
    }
    fn kinds(&self) -> &'static [DeviceKind] {
        &[DeviceKind::Firewall]
    }
    fn files(&self) -> &'static [&'static str] {
        &["iptables.rules", "ip6tables.rules"]
    }
    fn replacement(&self) -> &'static str {
        "iptables: DROP chain policies, each table restored atomically"
    }
    fn emit(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<Vec<Output>> {
        linux::warn_policy_name(cx, diags);
        let mut out = Vec::new();
        for (fam, file) in [
            (Family::V4, "iptables.rules"),
            (Family::V6, "ip6tables.rules"),
        ] {
            let v = view(cx, device, fam, diags)?;
            if let Some(max) = cx.options.max_rules {
                if v.rule_count() > max {
                    return Err(Error::Other(format!(
                        "device `{}` would get {} {} rules, more than the limit of {max}",
                        device.name,
                        v.rule_count(),
                        v.tool
                    )));
                }
            }
            out.push(Output {
                path: format!("{}/{file}", device.name),
                bytes: text(&v)?.into_bytes(),
            });
        }
        Ok(out)
    }
    fn findings(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<()> {
        linux::warn_policy_name(cx, diags);
        for fam in [Family::V4, Family::V6] {
            view(cx, device, fam, diags)?;
        }
        Ok(())
    }
    fn load(
        &self,
        device: &str,
        read: &dyn Fn(&str) -> Option<String>,
    ) -> std::result::Result<Option<Loaded>, ReadError> {
        let mut files = Vec::new();
        let mut paths = Vec::new();
        for (name, fam) in [
            ("iptables.rules", Family::V4),
            ("ip6tables.rules", Family::V6),
        ] {
            let path = format!("{device}/{name}");
            if let Some(text) = read(&path) {
                files.push(parse::parse(&path, &text, fam)?);
                paths.push(path);
            }
        }
        match files.len() {
            0 => Ok(None),
            1 => Err(ReadError {
                file: format!("{device}/"),
                line: 0,
                message: "iptables.rules and ip6tables.rules go together; one of them is missing (an absent family would pass everything)".into(),
            }),
            _ => Ok(Some(Loaded {
                config: Box::new(Both(files)),
                files: paths,
            })),
        }
    }
}
