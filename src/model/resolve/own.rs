//! Resolution of what a device is itself: its own addresses on each interface (`address`, and
//! `nodes` for an HA cluster's nodes), its `cluster` and its `sync` interface; then the checks
//! across devices (an address belongs to one interface of one device, node names share the
//! device namespace). `self` in a device-level flow stands for these addresses.

use super::cx::Cx;
use crate::diagnostic::{codes, Diagnostic};
use crate::model::*;
use crate::syntax::ast;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// What a device block says about the device itself, gathered while its statements are read
/// and checked once they all are (a `cluster` may follow the `interface` lines it counts).
#[derive(Default)]
pub(super) struct Own<'a> {
    /// Every own address: the interface's index, whether it is a node's address, where written.
    pub(super) addrs: Vec<(usize, IpAddr, Span)>,
    /// Interfaces with a `nodes` list: index, how many addresses, where the list is written.
    nodes: Vec<(usize, usize, Span)>,
    /// The `cluster` statement's node names and keyword.
    cluster: Option<(&'a [ast::Ident], Span)>,
    /// The `sync` statement's interface (as written, and as the device names it: `None` when
    /// the name was refused), and its keyword.
    sync: Option<((&'a ast::Token, Option<String>), Span)>,
    /// The device-level `allow` statements and their spans.
    pub(super) allows: Vec<(&'a ast::Allow, Span)>,
}

impl<'a> Own<'a> {
    pub(super) fn cluster(&mut self, cx: &mut Cx, names: &'a [ast::Ident], st: &ast::Stmt) {
        cx.once(&mut self.cluster, names, st, "cluster");
    }
    pub(super) fn sync(
        &mut self,
        cx: &mut Cx,
        iface: &'a ast::Token,
        name: Option<String>,
        st: &ast::Stmt,
    ) {
        cx.once(&mut self.sync, (iface, name), st, "sync");
    }
}

/// The `address` and `nodes` lists of interface `index` (attached to `zone`): each a single
/// address inside the zone's networks.
pub(super) fn interface_addresses(
    cx: &mut Cx,
    (zone, zone_span): (&Zone, Span),
    (addresses, nodes): (&[ast::Token], &[ast::Token]),
    index: usize,
    iface: &mut Interface,
    own: &mut Own,
) {
    for (list, is_node) in [(addresses, false), (nodes, true)] {
        for tok in list {
            let Some(ip) = own_address(cx, zone, zone_span, tok) else {
                continue;
            };
            if is_node {
                iface.nodes.push(ip);
            } else {
                iface.addresses.push(ip);
            }
            own.addrs.push((index, ip, tok.span));
        }
    }
    if let (Some(first), Some(last)) = (nodes.first(), nodes.last()) {
        own.nodes
            .push((index, nodes.len(), first.span.to(last.span)));
    }
}

/// One own address: a single IP address inside its interface's zone.
fn own_address(cx: &mut Cx, zone: &Zone, zone_span: Span, tok: &ast::Token) -> Option<IpAddr> {
    let Ok(ip) = tok.text.parse::<IpAddr>() else {
        let what = if tok.text.contains('/') || tok.text.contains('-') {
            "a device address is one address, not a network or a range"
        } else {
            "not an IP address"
        };
        cx.err(
            Diagnostic::error(
                codes::DEVICE_ADDRESS,
                format!("`{}` is not a device address", tok.text),
            )
            .at(tok.span, what)
            .help("write the interface's own address, such as `10.10.0.1`; its zone's `network` gives the prefix"),
        );
        return None;
    };
    // On a translated zone's interface the device is addressed as the zone's hosts see it.
    if !zone.inside_addrs().contains(ip) {
        cx.err(
            Diagnostic::error(
                codes::DEVICE_ADDRESS,
                format!("address `{ip}` is outside zone `{}`", zone.name),
            )
            .at(tok.span, "not in the networks of the interface's zone")
            .related(zone_span, "zone declared here")
            .help("a device's address on an interface lies in the network of the zone it attaches"),
        );
        return None;
    }
    Some(ip)
}

/// The checks of one device once its statements are read: cluster node names, `nodes` counts,
/// the `sync` interface. Fills `Device::cluster` and `Device::sync`.
pub(super) fn finish_device(cx: &mut Cx, v: &ast::Device, device: &mut Device, own: &Own) {
    let cluster: &[ast::Ident] = own.cluster.map(|c| c.0).unwrap_or_default();
    for (i, n) in cluster.iter().enumerate() {
        if n.name == "self" {
            cx.err(reserved(n.span, "cluster node"));
        } else if let Some(first) = cluster[..i].iter().find(|m| m.name == n.name) {
            cx.err(
                Diagnostic::error(
                    codes::CLUSTER,
                    format!("cluster node `{}` is listed twice", n.name),
                )
                .at(n.span, "listed again")
                .related(first.span, "first listed here"),
            );
        } else {
            device.cluster.push(n.name.clone());
        }
    }
    for &(index, count, span) in &own.nodes {
        let iface = &device.interfaces[index].name;
        let d = match own.cluster {
            None => Diagnostic::error(
                codes::CLUSTER,
                format!(
                    "interface `{iface}` gives `nodes` but `{}` is no cluster",
                    v.name.name
                ),
            )
            .at(span, "node addresses without a cluster")
            .help("add `cluster NODE, NODE` to the device, or remove `nodes`"),
            Some((names, kw)) if names.len() != count => Diagnostic::error(
                codes::CLUSTER,
                format!(
                    "interface `{iface}` gives {count} node address{}, the cluster has {} node{}",
                    if count == 1 { "" } else { "es" },
                    names.len(),
                    if names.len() == 1 { "" } else { "s" }
                ),
            )
            .at(span, "one address per node, in the order of `cluster`")
            .related(kw, "cluster declared here"),
            Some(_) => continue,
        };
        cx.err(d);
    }
    let Some(((tok, name), kw)) = &own.sync else {
        return;
    };
    let kw = *kw;
    if own.cluster.is_none() {
        cx.err(
            Diagnostic::error(
                codes::CLUSTER,
                format!("`sync` on `{}`, which is no cluster", v.name.name),
            )
            .at(kw, "sync without a cluster")
            .help("`sync IFACE` carries an HA cluster's VRRP and connection-tracking sync; add `cluster NODE, NODE` or remove it"),
        );
    }
    match name
        .as_ref()
        .and_then(|n| device.interfaces.iter().position(|i| i.name == *n))
    {
        Some(i) => device.sync = Some(i),
        None => {
            let known: Vec<&str> = device.interfaces.iter().map(|i| i.name.as_str()).collect();
            let help = crate::diagnostic::did_you_mean(&tok.text, known).unwrap_or_else(|| {
                "declare it with `interface NAME ZONE` (the zone of the HA link), then name it here"
                    .to_string()
            });
            cx.err(
                Diagnostic::error(
                    codes::SYNC_INTERFACE,
                    format!(
                        "`sync` names `{}`, which `{}` does not declare",
                        tok.text, v.name.name
                    ),
                )
                .at(tok.span, "no `interface` of this name")
                .help(help),
            );
        }
    }
}

/// The error for a declaration named `self`.
pub(super) fn reserved(span: Span, what: &str) -> Diagnostic {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    Diagnostic::error(
        codes::SELF_RESERVED,
        format!("{article} {what} may not be named `self`"),
    )
    .at(span, "`self` is reserved")
    .help(
        "`self` stands for a device's own addresses in a device-level `allow`; choose another name",
    )
}

/// Across devices: every own address is given once, and cluster node names share the device
/// namespace (no node is named like a device or another node).
pub(super) fn check_across(
    cx: &mut Cx,
    zones: &[Zone],
    devices: &[Device],
    spans: &[DeviceSpans],
    owns: &[Own],
    decls: &[&ast::Device],
) {
    // An address inside a translated network is the zone's own: identical skids behind one
    // device give it the same inside address on each of their interfaces.
    let mut first: BTreeMap<(Option<ZoneId>, IpAddr), (usize, Span)> = BTreeMap::new();
    for (di, own) in owns.iter().enumerate() {
        for &(index, ip, span) in &own.addrs {
            let zone = devices[di].interfaces[index].zone;
            let z = &zones[zone.0];
            let translated = z.nat.iter().any(|n| n.inside.contains(&ip));
            let key = (translated.then_some(zone), ip);
            match first.get(&key) {
                Some(&(fd, fspan)) => {
                    let whose = if fd == di {
                        format!("`{}`", devices[di].name)
                    } else {
                        format!("`{}` and `{}`", devices[fd].name, devices[di].name)
                    };
                    cx.err(
                        Diagnostic::error(
                            codes::ADDRESS_REUSED,
                            format!("address `{ip}` is given twice ({whose})"),
                        )
                        .at(span, "given again")
                        .related(fspan, "first given here")
                        .help(
                            "each address belongs to one interface of one device or cluster node",
                        ),
                    );
                }
                None => {
                    first.insert(key, (di, span));
                }
            }
        }
    }
    let mut names: BTreeMap<&str, Span> = devices
        .iter()
        .zip(spans)
        .map(|(d, s)| (d.name.as_str(), s.name))
        .collect();
    for (v, own) in decls.iter().zip(owns) {
        let Some((nodes, _)) = own.cluster else {
            continue;
        };
        for (i, n) in nodes.iter().enumerate() {
            // `self` and a node listed twice in one cluster are reported by `finish_device`.
            if n.name == "self" || nodes[..i].iter().any(|m| m.name == n.name) {
                continue;
            }
            if let Some(&other) = names.get(n.name.as_str()) {
                cx.err(
                    Diagnostic::error(
                        codes::CLUSTER,
                        format!("cluster node `{}` of `{}` clashes with another name", n.name, v.name.name),
                    )
                    .at(n.span, "a device or a node already has this name")
                    .related(other, "the name is taken here")
                    .help("node names share the device namespace (each gets its own output directory); rename the node"),
                );
            } else {
                names.insert(n.name.as_str(), n.span);
            }
        }
    }
}
