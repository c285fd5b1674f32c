//! The Cisco IOS dialects: configuration text for IOS / IOS-XE in `<device>/cisco-ios.txt`, one
//! command per line. Two dialects of target `cisco-ios` share the format: [`CiscoIosRouter`]
//! (routers: inbound extended ACLs, object-groups, interface bindings) and [`CiscoIosSwitch`]
//! (switches: VLANs, access and trunk ports, and the ACLs of their SVIs if they have any). Both
//! are stateless: the replies of what they forward need entries of their own, which planning
//! decides ([`crate::plan::replies`]).
//!
//! Layout, bottom up: [`ast`] is the typed configuration (the lines of the file, router and
//! switch alike, so one reader serves both and a live device's running configuration reads into
//! the same type), with IOS's protocol and ICMP names, [`ast::ParseError`] and the configuration
//! as IOS holds it once loaded ([`ast::Resolved`]); [`print`] writes it (`Display`);
//! [`semantics`] loads it and says what it accepts ([`crate::dialect::Filters`]); [`parse`] reads
//! text back into it and loads it to refuse what IOS refuses; [`router`] (ACLs and bindings) and
//! [`switch`] (VLANs and ports) build it from a device's IR on what [`lower`] gives them both;
//! this module puts a device's file together. No file imports one above it.
//!
//! Printers, not templates: device text is printed by `Display` from the typed configuration,
//! so `parse(print(c)) == c` can be tested and no rule text is assembled from strings; minijinja
//! stays for the reports. Free text from the policy reaches the configuration only through
//! types that refuse control characters and IOS's metacharacters (`!`, `?`).

pub mod ast;
pub mod inspect;
pub mod lower;
pub mod nat;
pub mod parse;
pub mod print;
pub mod router;
pub mod semantics;
pub mod switch;
pub mod translate;
pub mod zbf;

pub use ast::IosConfig;

use super::config::{Item, ReadError};
use super::{ConfigFile, Dialect, EmitContext, Filters};
use crate::diagnostic::{Diagnostic, Subject};
use crate::error::Result;
use crate::model::{DeviceKind, Target};
use crate::plan::DeviceIr;

// Policy text was cut or changed on its way into the configuration (warning).
use crate::lint::rules::out_007_text_sanitised::RULE as TEXT_CHANGED;
use crate::lint::rules::out_009_acl_too_large::RULE as ACL_TOO_LARGE;

/// The file every `cisco-ios` device gets.
pub const FILE_NAME: &str = "cisco-ios.txt";

const REPLACEMENT: &str =
    "cisco-ios: ACL names versioned by content, rebound before the old ACL is removed";

/// Cisco IOS routers: inbound ACLs per interface.
pub struct CiscoIosRouter;

/// Cisco IOS switches: VLANs and ports, and the ACLs of their SVIs.
pub struct CiscoIosSwitch;

impl Filters for IosConfig {
    fn filters(&self, iif: &str, oif: &str) -> std::result::Result<Vec<Vec<Item>>, ReadError> {
        let r = self.loaded_or_error()?;
        let file = &self.file.0;
        // The zone-based firewall (IOS applies it after the interface ACLs; a packet passes when
        // every filter accepts it, so its decisions come first to name the accepting class).
        let zbf = r.zbf_items(file, Some(iif), Some(oif))?;
        let mut out = Vec::new();
        if !zbf.is_empty() {
            out.push(zbf);
        }
        out.push(r.filter_items(file, iif, true)?);
        out.push(r.filter_items(file, oif, false)?);
        Ok(out)
    }
    fn interface(
        &self,
        iface: &str,
        inbound: bool,
    ) -> Option<std::result::Result<Vec<Item>, ReadError>> {
        Some(
            self.loaded_or_error()
                .and_then(|r| r.filter_items(&self.file.0, iface, inbound)),
        )
    }
    /// Traffic to the router that enters by `iface` meets that interface's inbound ACL (the
    /// `line vty` access-class is a second, coarser gate for terminal sessions only); traffic
    /// the router originates meets no ACL: IOS outbound ACLs do not filter locally generated
    /// packets.
    ///
    /// With a zone-based firewall, the zone-pair between the interface's zone and `self` decides
    /// after the ACL, in both directions (what the router originates is inspected too).
    fn local(
        &self,
        iface: &str,
        to_device: bool,
    ) -> std::result::Result<Vec<Vec<Item>>, ReadError> {
        let r = self.loaded_or_error()?;
        let file = &self.file.0;
        let zbf = if to_device {
            r.zbf_items(file, Some(iface), None)?
        } else {
            r.zbf_items(file, None, Some(iface))?
        };
        let mut out = Vec::new();
        if !zbf.is_empty() {
            out.push(zbf);
        }
        if to_device {
            out.push(r.filter_items(file, iface, true)?);
        }
        Ok(out)
    }
}

impl IosConfig {
    fn loaded_or_error(&self) -> std::result::Result<&ast::Resolved, ReadError> {
        self.resolved().as_ref().map_err(|e| ReadError {
            file: self.file.0.clone(),
            line: e.line,
            message: e.message.clone(),
        })
    }
}

/// The whole configuration of a device: its header, its switch section (`switch`: the switch
/// dialect), its filters if it has layer-3 interfaces, and `end`.
fn device_config(
    cx: &EmitContext,
    device: &DeviceIr,
    switch: bool,
    diags: &mut Vec<Diagnostic>,
) -> Result<IosConfig> {
    let mut changed = lower::Changed::new();
    let mut items = lower::header(cx, device);
    if let Some(sw) = device.switch.as_ref().filter(|_| switch) {
        items.extend(switch::switch(cx, device, sw, &mut changed, diags)?);
    }
    if !device.interfaces.is_empty() {
        let refused = translate::refusals(cx, device);
        let nat = if refused.is_empty() {
            translate::translation(cx, device)?
        } else {
            diags.extend(refused);
            None
        };
        let zbf: Option<router::ZbfFn> = device.inspect.then_some(inspect::section);
        items.extend(router::acls(cx, device, &mut changed, nat.as_ref(), zbf)?);
    }
    items.push(ast::Top::End);
    let budget = cx
        .options
        .max_acl_entries
        .unwrap_or(crate::lint::DEFAULT_MAX_ACL_ENTRIES);
    let entries = expanded_entries(&items);
    if entries > budget {
        diags.push(
            ACL_TOO_LARGE
                .diag(format!(
                    "`{}`'s access lists hold {entries} entries with object-groups expanded, more than the budget of {budget}",
                    device.name
                ))
                .at(cx.model.spans.device(device.device), "device")
                .about(Subject::Device(device.device))
                .help("the hardware holds object-groups expanded; allow whole networks and port ranges, split the conduit over devices, or set `max-acl-entries` in fenceline.toml to the platform's figure"),
        );
    }
    changed.sort();
    changed.dedup();
    for t in changed {
        diags.push(
            TEXT_CHANGED.diag(
                format!("text `{}` was shortened or had characters replaced in `{}`'s Cisco configuration", t.escape_default(), device.name),
            )
            .at(cx.model.spans.device(device.device), "device")
            .about(Subject::Device(device.device))
            .help("IOS remarks hold 100 characters of printable ASCII without `!` and `?`; VLAN names 32 without spaces"),
        );
    }
    Ok(IosConfig {
        items,
        ..Default::default()
    })
}

/// Every entry of every ACL in `items`, as the hardware holds them: an entry naming object-groups
/// counts once per combination of their entries (OUT-009).
fn expanded_entries(items: &[ast::Top]) -> usize {
    use std::collections::BTreeMap;
    let mut nets: BTreeMap<&str, usize> = BTreeMap::new();
    let mut svcs: BTreeMap<&str, usize> = BTreeMap::new();
    for t in items {
        match t {
            ast::Top::NetGroup(g) => {
                nets.insert(g.name.as_str(), g.entries.len().max(1));
            }
            ast::Top::SvcGroup(g) => {
                svcs.insert(g.name.as_str(), g.entries.len().max(1));
            }
            _ => {}
        }
    }
    let addr = |a: &ast::AddrMatch| match a {
        ast::AddrMatch::Group(n) => nets.get(n.as_str()).copied().unwrap_or(1),
        _ => 1,
    };
    let mut total: usize = 0;
    for t in items {
        let ast::Top::Acl(acl) = t else { continue };
        for l in &acl.lines {
            let ast::AclLine::Ace(a) = l else { continue };
            let svc = match &a.proto {
                ast::ProtoMatch::Group(n) => svcs.get(n.as_str()).copied().unwrap_or(1),
                _ => 1,
            };
            total = total.saturating_add(
                addr(&a.src)
                    .saturating_mul(addr(&a.dst))
                    .saturating_mul(svc),
            );
        }
    }
    total
}

/// Text of the one file of a device back to its configuration.
fn parse_files(files: &[ConfigFile]) -> std::result::Result<IosConfig, ReadError> {
    let Some(f) = files.iter().find(|f| f.name == FILE_NAME) else {
        return Ok(IosConfig::default());
    };
    let mut cfg = parse::parse(&f.text).map_err(|e| ReadError {
        file: f.path.clone(),
        line: e.line,
        message: e.message,
    })?;
    cfg.file = ast::Origin(f.path.clone());
    Ok(cfg)
}

/// What tells the two Cisco IOS dialects apart: the device kind, and whether the device's
/// switch plan (VLANs and ports) is lowered beside its ACLs.
pub trait IosDevice: Sync {
    const KIND: DeviceKind;
    const SWITCH: bool;
}

impl IosDevice for CiscoIosRouter {
    const KIND: DeviceKind = DeviceKind::Router;
    const SWITCH: bool = false;
}

impl IosDevice for CiscoIosSwitch {
    const KIND: DeviceKind = DeviceKind::Switch;
    // VLANs and ports from the device's switch plan; its SVIs' ACLs as a router's.
    const SWITCH: bool = true;
}

impl<D: IosDevice> Dialect for D {
    type Config = IosConfig;
    const TARGET: Target = Target::CiscoIos;
    const STATEFUL: bool = false;
    const KINDS: &'static [DeviceKind] = &[D::KIND];
    const FILES: &'static [&'static str] = &[FILE_NAME];
    const REPLACEMENT: &'static str = REPLACEMENT;

    fn lower(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<IosConfig> {
        device_config(cx, device, D::SWITCH, diags)
    }
    fn size(&self, config: &IosConfig) -> usize {
        lower::size(config)
    }
    fn print(&self, config: &IosConfig) -> Vec<(&'static str, String)> {
        vec![(FILE_NAME, config.to_string())]
    }
    fn parse(&self, files: &[ConfigFile]) -> std::result::Result<IosConfig, ReadError> {
        parse_files(files)
    }
}
