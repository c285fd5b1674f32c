//! A cluster's `sync` link as a vendor's own HA link (a Cisco ASA's failover link, a
//! FortiGate's heartbeat device, a PAN-OS firewall's HA1/HA2 port), for the dialects that lower
//! `sync IFACE` to it: the facts each dialect prints, and what no vendor's HA link can be
//! (E0047 at the device), checked once for all of them.
//!
//! A vendor's HA link carries the cluster's own protocol (configuration, heartbeats, session
//! state) and no data traffic: the policy's flows may not cross the sync interface, and
//! nothing the firewall's filters decide reaches the device by it. Verify then reads the HA
//! link from the configuration ([`super::Filters::ha_link`]) and compares it with `sync`.

use crate::diagnostic::{codes, Diagnostic, Subject};
use crate::dialect::EmitContext;
use crate::plan::DeviceIr;
use std::borrow::Cow;
use std::net::IpAddr;

/// The sync link of a cluster, as a vendor's HA link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaLink {
    /// Index into `DeviceIr::interfaces`.
    pub interface: usize,
    /// Each node's own address on the link (`nodes`), in the order of `cluster`, with the
    /// prefix length of the zone network that holds it; empty where the vendor needs none.
    pub addresses: Vec<(IpAddr, u8)>,
}

/// What a vendor's HA needs of the sync link.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    /// The target's name, for messages (`cisco-asa`).
    pub target: &'static str,
    /// The vendor's name of the link, for messages (`failover link`).
    pub link: &'static str,
    /// Each node's address on the link (`nodes`, one family): the vendor addresses the link
    /// per unit (a shared `address` there has no form and is not written).
    pub node_addresses: bool,
}

/// The prefix length of the zone network of `device`'s interface `index` that holds `addr`
/// (its inside networks for a translated zone), the narrowest if several do.
pub fn prefix_len(cx: &EmitContext, device: &DeviceIr, index: usize, addr: IpAddr) -> Option<u8> {
    let zone = cx.model.zone(device.interfaces.get(index)?.zone);
    zone.networks
        .iter()
        .chain(zone.nat.iter().map(|n| &n.inside))
        .filter(|n| n.contains(&addr))
        .map(|n| n.prefix_len())
        .max()
}

/// The sync link of `device` as its vendor's HA link, or why it cannot be one (E0047 at the
/// device, each reason once). `Ok(None)`: the device has no `sync`.
pub fn link(
    cx: &EmitContext,
    device: &DeviceIr,
    needs: Needs,
) -> Result<Option<HaLink>, Vec<Diagnostic>> {
    let Some(sync) = &device.sync else {
        return Ok(None);
    };
    let k = sync.interface;
    let dev = cx.model.device(device.device);
    let Some(iface) = dev.interfaces.get(k) else {
        return Ok(None);
    };
    let at = cx.model.spans.interface(device.device, k);
    let mut why = Vec::new();
    let crossing = device
        .pairs
        .iter()
        .any(|p| (p.ingress == k || p.egress == k) && !p.rules.is_empty());
    if crossing {
        why.push((
            format!(
                "flows cross the sync interface `{}` of cluster `{}`, and a {} carries no data traffic",
                iface.name, device.name, needs.link
            ),
            "give the cluster a link of its own for `sync`, in a zone no flow crosses",
        ));
    }
    if device
        .local
        .iter()
        .any(|l| l.interface == k && !l.rules.is_empty())
    {
        why.push((
            format!(
                "device-level flows reach cluster `{}` by its sync interface `{}`, and a {} carries no data traffic",
                device.name, iface.name, needs.link
            ),
            "reach the firewall by one of its data interfaces",
        ));
    }
    let mut addresses = Vec::new();
    if needs.node_addresses {
        if iface.nodes.is_empty() {
            why.push((
                format!(
                    "the sync interface `{}` of cluster `{}` has no `nodes`: each unit needs its own address on the {}",
                    iface.name, device.name, needs.link
                ),
                "give each node its address on the link: `interface NAME ZONE address S nodes A, B`",
            ));
        }
        let v4 = iface.nodes.iter().filter(|a| a.is_ipv4()).count();
        if v4 != 0 && v4 != iface.nodes.len() {
            why.push((
                format!(
                    "the nodes' addresses on the sync interface `{}` of cluster `{}` are of two families, and a {} has one",
                    iface.name, device.name, needs.link
                ),
                "give every node an address of one family on the sync interface",
            ));
        }
        for a in &iface.nodes {
            match prefix_len(cx, device, k, *a) {
                Some(len) => addresses.push((*a, len)),
                None => why.push((
                    format!("node address `{a}` lies in no network of the sync interface's zone"),
                    "give the node an address in its interface's zone",
                )),
            }
        }
    }
    if why.is_empty() {
        return Ok(Some(HaLink {
            interface: k,
            addresses,
        }));
    }
    Err(why
        .into_iter()
        .map(|(message, help)| {
            Diagnostic::error(codes::HA_LINK, message)
                .at(at, format!("{} {}", needs.target, needs.link))
                .about(Subject::Device(device.device))
                .help(format!("{help} (docs/targets/{}.md)", needs.target))
        })
        .collect())
}

/// `device` as a vendor with an HA link filters it: the device's own addresses on the link are
/// the units' HA addresses, which carry the vendor's HA protocol only, so no device-level flow
/// reaches them (verify leaves them out of the policy's side too). The device itself where it
/// has no HA link.
pub fn data_view<'a>(
    cx: &EmitContext,
    device: &'a DeviceIr,
    link: Option<&HaLink>,
) -> Cow<'a, DeviceIr> {
    let Some(iface) = link.and_then(|l| cx.model.device(device.device).interfaces.get(l.interface))
    else {
        return Cow::Borrowed(device);
    };
    let own = iface.own_addrs();
    let mut d = device.clone();
    for l in d.local.iter_mut().filter(|l| l.to_device) {
        for r in &mut l.rules {
            r.dst = r.dst.subtract(&own);
        }
        l.rules.retain(|r| !r.dst.is_empty());
    }
    d.own = d.own.subtract(&own);
    Cow::Owned(d)
}
