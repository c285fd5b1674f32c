//! Pass 5 for `cisco-ios`, Ir -> [`IosConfig`]: what the two halves of lowering share, a
//! switch's VLANs and ports ([`super::switch`]) and the filters of a router or a layer-3
//! switch's SVIs ([`super::router`]): the header every file starts with, the words and hashes
//! of generated names, the texts the sanitiser changed. [`super`] puts a file together. Lowering
//! builds typed lines; it never writes rule text. Policy text it places (labels as remarks, zone names as VLAN names, descriptions)
//! is sanitised on the way in, and a change is reported as `OUT-007`.

use super::ast::*;
use crate::dialect::sanitize;
use crate::dialect::EmitContext;
use crate::error::{Error, Result};
use crate::model::{AddrSet, Nat};
use crate::plan::DeviceIr;
use sha2::{Digest, Sha256};

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

/// The comment lines every file starts with.
pub(super) fn header(cx: &EmitContext, device: &DeviceIr) -> Vec<Top> {
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

/// `set` (plant view) as the hosts behind an interface with these translations see it: each
/// outside network moved to its inside network (the same as `Zone::to_inside`).
pub(super) fn inside_view(nat: &[Nat], set: &AddrSet) -> AddrSet {
    nat.iter().fold(set.clone(), |acc, n| {
        acc.subtract(&AddrSet::from_net(n.outside))
            .union(&set.translate(n.outside, n.inside))
    })
}

/// What a translating router's file holds beside its ACLs.
#[derive(Default)]
pub(super) struct Translation {
    /// Per interface of the device, the lines its block starts with (before its ACL bindings).
    pub iface_lines: Vec<Vec<IfLine>>,
    pub vrfs: Vec<VrfDef>,
    pub statics: Vec<NatStatic>,
    pub routes: Vec<VrfRoute>,
}
