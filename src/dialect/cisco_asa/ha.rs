//! The parts of an ASA's file that come from the device's own addresses rather than from its
//! flows: Active/Standby failover of a cluster (`sync IFACE` as the failover link), the
//! interfaces' addresses (`ip address A MASK [standby B]`) and the management access that the
//! device-level flows to `self ssh` and `self https` need (`ssh`, `http`).
//!
//! An ASA failover pair has two addresses per interface, the active unit's and the standby
//! unit's, and they follow the role: the unit that becomes active takes the active address. A
//! policy's `address S nodes A, B` on a data interface is written `ip address S MASK standby B`:
//! the shared address is the active unit's, and the second node of `cluster` (the secondary
//! unit, standby while both run) answers at its own address; the primary's own address `A` has
//! no ASA form (the primary answers at S while active, at B once it is standby). On the failover
//! link the addresses belong to the units, not the roles: `failover interface ip FOLINK A MASK
//! standby B`, and the link's shared address has no ASA form. A pair of other than two units is
//! refused (E0066).

use super::ast::*;
use crate::diagnostic::{codes, Diagnostic, Subject};
use crate::dialect::ha::{self, HaLink, Needs};
use crate::dialect::EmitContext;
use crate::error::{Error, Result};
use crate::model::ServiceItem;
use crate::plan::{DeviceIr, RuleIr};

/// The name of the failover link (`failover lan interface FOLINK ...`); the stateful failover
/// link is the same link.
pub const FOLINK: &str = "FOLINK";

const NEEDS: Needs = Needs {
    target: "cisco-asa",
    link: "failover link",
    node_addresses: true,
};

/// The cluster's failover link, where `sync` names one the ASA can use.
pub fn link(cx: &EmitContext, device: &DeviceIr) -> Option<HaLink> {
    ha::link(cx, device, NEEDS).ok().flatten()
}

/// What the ASA cannot make of the device's cluster and addresses: an invalid failover link
/// (E0047), a pair of other than two units, two IPv4 addresses on one interface (E0066).
pub fn refusals(cx: &EmitContext, device: &DeviceIr) -> Vec<Diagnostic> {
    let dev = cx.model.device(device.device);
    let mut out = ha::link(cx, device, NEEDS).err().unwrap_or_default();
    let cannot = |at, message: String, help: &str| {
        Diagnostic::error(codes::TARGET_CANNOT, message)
            .at(at, "cisco-asa")
            .about(Subject::Device(device.device))
            .help(format!("{help} (docs/targets/cisco-asa.md)"))
    };
    if device.sync.is_some() && dev.cluster.len() != 2 {
        out.push(cannot(
            cx.model.spans.device(device.device),
            format!(
                "cluster `{}` has {} nodes, and an ASA failover pair is two units",
                device.name,
                dev.cluster.len()
            ),
            "name two nodes in `cluster`, or remove `sync` and load the same file on each unit",
        ));
    }
    for (k, i) in dev.interfaces.iter().enumerate() {
        if i.addresses.iter().filter(|a| a.is_ipv4()).count() > 1 {
            out.push(cannot(
                cx.model.spans.interface(device.device, k),
                format!(
                    "interface `{}` of `{}` has two IPv4 addresses, and an ASA interface has one",
                    i.name, device.name
                ),
                "keep one IPv4 address on the interface",
            ));
        }
    }
    out
}

/// The own addresses of the device's interface `k`: its shared addresses, each with the
/// second node's address of its family as the standby's where the device is a pair with `sync`
/// (the second node is the secondary unit).
pub fn addresses(cx: &EmitContext, device: &DeviceIr, k: usize) -> Result<Vec<IfAddress>> {
    let Some(i) = cx.model.device(device.device).interfaces.get(k) else {
        return Ok(Vec::new());
    };
    let pair = device.sync.is_some() && i.nodes.len() == 2;
    let mut out = Vec::new();
    // A refused interface (E0066: two IPv4 addresses) gets its first; the build stops there.
    let mut v4 = false;
    for a in &i.addresses {
        if a.is_ipv4() && std::mem::replace(&mut v4, true) {
            continue;
        }
        let len = ha::prefix_len(cx, device, k, *a).ok_or_else(|| {
            Error::Other(format!(
                "internal: address `{a}` of `{}` lies in no network of its zone",
                device.name
            ))
        })?;
        let standby = i
            .nodes
            .get(1)
            .filter(|b| pair && b.is_ipv4() == a.is_ipv4())
            .copied();
        out.push(IfAddress {
            addr: *a,
            len,
            standby,
        });
    }
    Ok(out)
}

/// The failover commands, in the order Cisco's configuration guide gives them (`failover`,
/// which enables it, last); the unit is the primary's, [`for_node`] sets each node's.
pub fn failover(device: &DeviceIr, link: &HaLink) -> Result<Vec<Top>> {
    let iface = device
        .interfaces
        .get(link.interface)
        .and_then(|i| Name::new(&i.name))
        .ok_or_else(|| Error::Other("internal: the failover link's interface".into()))?;
    let folink =
        Name::new(FOLINK).ok_or_else(|| Error::Other("internal: the failover link name".into()))?;
    let mut out = vec![
        Top::Failover(Failover::Unit(true)),
        Top::Failover(Failover::LanInterface {
            link: folink.clone(),
            interface: iface.clone(),
        }),
        Top::Failover(Failover::StateLink {
            link: folink.clone(),
            interface: iface,
        }),
    ];
    if let [(a, len), (b, _)] = link.addresses.as_slice() {
        out.push(Top::Failover(Failover::Ip {
            link: folink,
            addr: *a,
            len: *len,
            standby: *b,
        }));
    }
    out.push(Top::Failover(Failover::Enable(true)));
    Ok(out)
}

/// Node `node`'s file: the primary unit is the first node of `cluster`, the other the
/// secondary.
pub fn for_node(config: &mut AsaConfig, device: &DeviceIr, node: &str) {
    let primary = device.nodes.first().is_some_and(|n| n == node);
    for t in &mut config.items {
        if let Top::Failover(Failover::Unit(p)) = t {
            *p = primary;
        }
    }
}

/// Does a rule of a flow to the device carry TCP to `port`?
fn tcp_to(r: &RuleIr, port: u16) -> bool {
    matches!(&r.item, ServiceItem::Tcp { ports } if ports.contains(port))
}

/// `http server enable`, then `http` and `ssh` lines: per interface, the sources of its
/// device-level flows to TCP port 443 and 22 (in the addresses the ASA sees there), so that
/// the management services admit exactly those. `nameifs[k]` is interface `k`'s, `None` for
/// the failover link.
pub fn management(device: &DeviceIr, nameifs: &[Option<Name>]) -> Vec<Top> {
    let mut lines: [Vec<Management>; 2] = [Vec::new(), Vec::new()];
    for l in device.local.iter().filter(|l| l.to_device) {
        let Some(Some(nameif)) = nameifs.get(l.interface) else {
            continue;
        };
        let Some(iface) = device.interfaces.get(l.interface) else {
            continue;
        };
        for r in &l.rules {
            for (slot, port, service) in [(0, 443, MgmtService::Http), (1, 22, MgmtService::Ssh)] {
                if !tcp_to(r, port) {
                    continue;
                }
                for net in crate::dialect::nat::to_inside(&iface.nat, &r.src).nets() {
                    let m = Management {
                        service,
                        addr: net.network(),
                        len: net.prefix_len(),
                        nameif: nameif.clone(),
                    };
                    if !lines[slot].contains(&m) {
                        lines[slot].push(m);
                    }
                }
            }
        }
    }
    let [http, ssh] = lines;
    let mut out = Vec::new();
    if !http.is_empty() {
        out.push(Top::HttpServer(None));
    }
    out.extend(http.into_iter().chain(ssh).map(Top::Management));
    out
}
