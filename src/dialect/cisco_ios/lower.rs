//! Pass 5 for `cisco-ios`, Ir -> [`IosConfig`]: the header every file starts with, then a
//! switch's VLANs and ports ([`super::switch`]) and the filters of a router or a layer-3
//! switch's SVIs ([`super::router`]), then `end`. Lowering builds typed lines; it never writes
//! rule text. Policy text it places (labels as remarks, zone names as VLAN names, descriptions)
//! is sanitised on the way in, and a change is reported as `OUT-007`.

use super::ast::*;
use crate::diagnostic::Diagnostic;
use crate::dialect::sanitize;
use crate::dialect::EmitContext;
use crate::error::{Error, Result};
use crate::plan::DeviceIr;
use sha2::{Digest, Sha256};

// Policy text was cut or changed on its way into the configuration (warning).
use crate::lint::rules::out_007_text_sanitised::RULE as TEXT_CHANGED;

/// Policy texts the sanitiser changed on their way into one device's configuration.
pub(super) type Changed = Vec<String>;

/// The first 8 hex digits of the sha256 of `parts`, each ended by a NUL byte.
pub(super) fn sha8(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())[..8].to_string()
}

/// A name fenceline generated or the resolver checked, as a word of a command line.
pub(super) fn word(s: &str) -> Result<Word> {
    Word::new(s).ok_or_else(|| {
        Error::Other(format!(
            "internal: `{}` is not a name IOS takes",
            s.escape_default()
        ))
    })
}

fn header(cx: &EmitContext, device: &DeviceIr) -> Vec<Top> {
    let device_name = sanitize::clean(&device.name, sanitize::HEADER_COMMENT).text;
    let s = cx.stamp;
    [
        format!(
            "fenceline {}: Cisco IOS configuration of {} {device_name}",
            s.version,
            device.kind.keyword()
        ),
        format!("policy: {}", s.policy),
        format!("policy sha256: {}", s.hash),
        "Generated from the policy; edit the policy, not this file.".to_string(),
    ]
    .iter()
    .map(|t| Top::Comment(Comment::tame(t)))
    .collect()
}

/// The whole configuration of a device: its header, its switch section (`switch`: the switch
/// dialect), its filters if it has layer-3 interfaces, and `end`.
pub(super) fn device_config(
    cx: &EmitContext,
    device: &DeviceIr,
    switch: bool,
    diags: &mut Vec<Diagnostic>,
) -> Result<IosConfig> {
    let mut changed = Changed::new();
    let mut items = header(cx, device);
    if let Some(sw) = device.switch.as_ref().filter(|_| switch) {
        items.extend(super::switch::switch(cx, device, sw, &mut changed, diags)?);
    }
    if !device.interfaces.is_empty() {
        items.extend(super::router::acls(cx, device, &mut changed)?);
    }
    items.push(Top::End);
    changed.sort();
    changed.dedup();
    for t in changed {
        diags.push(
            TEXT_CHANGED.diag(
                format!("text `{}` was shortened or had characters replaced in `{}`'s Cisco configuration", t.escape_default(), device.name),
            )
            .at(cx.model.device(device.device).span, "device")
            .help("IOS remarks hold 100 characters of printable ASCII without `!` and `?`; VLAN names 32 without spaces"),
        );
    }
    Ok(IosConfig {
        items,
        ..Default::default()
    })
}

/// Rules and set elements of a configuration, for `--max-rules`: ACEs and object-group entries.
pub(super) fn size(config: &IosConfig) -> usize {
    config
        .items
        .iter()
        .map(|t| match t {
            Top::Acl(a) => a
                .lines
                .iter()
                .filter(|l| matches!(l, AclLine::Ace(_)))
                .count(),
            Top::Numbered(_) => 1,
            Top::NetGroup(g) => g.entries.len(),
            Top::SvcGroup(g) => g.entries.len(),
            _ => 0,
        })
        .sum()
}
