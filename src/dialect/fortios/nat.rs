//! Static 1:1 NAT on a FortiGate (`network INSIDE nat OUTSIDE` on a zone a `fortios` firewall
//! attaches), lowered as static NAT virtual IPs (`config firewall vip`, FortiOS's non-central
//! NAT mode):
//!
//! - the zone's outside network is cut into the fewest prefixes that every flow's destination
//!   there is a union of, and each prefix gets a VIP (`FL-VIP-<ext>_<len>`: `extip` the prefix,
//!   `mappedip` the same offset in the inside network, `extintf any`, `nat-source-vip enable`);
//!   together they map the whole network, one to one;
//! - a policy into the zone names the VIPs of its destinations in `dstaddr` (FortiOS matches them
//!   at the external addresses and forwards to the mapped ones); a VIP names a whole prefix, so
//!   the cut keeps a flow to one host from reaching its neighbours;
//! - a policy out of the zone names the inside addresses in `srcaddr` and has `set nat enable`:
//!   the VIPs' mapping, in reverse, gives each host its outside address.
//!
//! What this cannot do exactly is refused (E0075 at the device): IPv6 translation (`vip6` is
//! not generated), translated zones whose inside networks meet (the reverse mapping would be
//! ambiguous), flows between two translated zones, and device-level flows with a translated
//! zone (a local-in policy sees the inside address, which `self` flows do not name).

use super::ast::{Name, Text, Vip};
use crate::diagnostic::Diagnostic;
use crate::dialect::EmitContext;
use crate::error::{Error, Result};
use crate::model::AddrSet;
use crate::plan::DeviceIr;
use ipnet::{IpNet, Ipv4Net};

/// The VIPs of a device: per interface, its prefixes (external, mapped) with their names.
#[derive(Default)]
pub struct Vips {
    per_iface: Vec<Vec<(Ipv4Net, Ipv4Net, Name)>>,
}

fn v4(n: IpNet) -> Option<Ipv4Net> {
    match n {
        IpNet::V4(n) => Some(n),
        IpNet::V6(_) => None,
    }
}

impl Vips {
    /// The cut of each translated interface's outside networks by the destinations of the
    /// flows that leave by it.
    pub fn of(device: &DeviceIr) -> Result<Vips> {
        let mut per_iface = Vec::with_capacity(device.interfaces.len());
        for (k, i) in device.interfaces.iter().enumerate() {
            let mut out = Vec::new();
            for n in &i.nat {
                let (Some(outside), Some(_)) = (v4(n.outside), v4(n.inside)) else {
                    continue;
                };
                let mut atoms = vec![AddrSet::from_net(n.outside)];
                let dsts = device
                    .pairs
                    .iter()
                    .filter(|p| p.egress == k)
                    .flat_map(|p| &p.rules)
                    .map(|r| &r.dst);
                for d in dsts {
                    atoms = atoms
                        .into_iter()
                        .flat_map(|a| [a.intersect(d), a.subtract(d)])
                        .filter(|a| !a.is_empty())
                        .collect();
                }
                let mut blocks: Vec<Ipv4Net> = atoms.iter().flat_map(|a| a.v4_nets()).collect();
                blocks.sort();
                for b in blocks {
                    let mapped = AddrSet::from_net(IpNet::V4(b))
                        .translate(n.outside, n.inside)
                        .v4_nets();
                    let [m] = mapped.as_slice() else {
                        return Err(Error::Other(format!(
                            "internal: the prefix {b} of {outside} does not map to one prefix"
                        )));
                    };
                    let name = Name::new(&format!("FL-VIP-{}_{}", b.network(), b.prefix_len()))
                        .ok_or_else(|| Error::Other("internal: a VIP name".into()))?;
                    out.push((b, *m, name));
                }
            }
            per_iface.push(out);
        }
        Ok(Vips { per_iface })
    }

    /// Every VIP, by external address.
    pub fn all(&self, device: &DeviceIr) -> Vec<Vip> {
        let mut out: Vec<Vip> = Vec::new();
        for (i, blocks) in device.interfaces.iter().zip(&self.per_iface) {
            for (ext, mapped, name) in blocks {
                out.push(Vip {
                    name: name.clone(),
                    extip: (ext.network(), ext.broadcast()),
                    mappedip: (mapped.network(), mapped.broadcast()),
                    extintf: Name::new("any").unwrap_or_else(|| name.clone()),
                    nat_source_vip: true,
                    comment: Text::new(&format!("zone {}", i.zone_name)),
                });
            }
        }
        out.sort_by_key(|v| v.extip);
        out
    }

    /// A destination set leaving by interface `egress`: the part no VIP holds, and the VIPs of
    /// the rest.
    pub fn split(&self, egress: usize, dst: &AddrSet) -> (AddrSet, Vec<Name>) {
        let mut rest = dst.clone();
        let mut names = Vec::new();
        for (ext, _, name) in self.per_iface.get(egress).into_iter().flatten() {
            let b = AddrSet::from_net(IpNet::V4(*ext));
            if dst.contains_set(&b) {
                names.push(name.clone());
            }
            rest = rest.subtract(&b);
        }
        (rest, names)
    }
}

/// What this target cannot translate exactly on `device`, each an error (E0075) at the device.
pub fn refusals(cx: &EmitContext, device: &DeviceIr) -> Vec<Diagnostic> {
    crate::dialect::nat::vendor_refusals(
        cx,
        device,
        &crate::dialect::nat::VendorNatLimits {
            target: "fortios",
            code: crate::diagnostic::codes::FORTIOS_NAT,
            ipv6: Some(
                "IPv6 virtual IPs (`config firewall vip6`) are not generated; translate the zone's IPv4 networks only, or give this device target `nftables` or `iptables`",
            ),
            meet: "a FortiGate maps a host's source to the outside address of the first virtual IP that holds it, so two skids on one inside network would leave as one; give the skids distinct inside networks, or put them behind an nftables, iptables or Cisco IOS device",
            between: "both ends of such a connection would be translated; route these flows through another device, or drop `nat` from one zone",
            local: Some(
                "the FortiGate's own traffic with the zone is not translated, so it would use the inside addresses that `self` flows do not name; let another device serve them",
            ),
        },
    )
}

/// The configuration's virtual IPs as translations, external range onto mapped.
pub fn shifts(cfg: &super::ast::FortiConfig) -> Vec<crate::dialect::nat::Shift> {
    use crate::packet::space::Family;
    let r = |(a, b): (std::net::Ipv4Addr, std::net::Ipv4Addr)| {
        (
            Family::V4,
            u128::from(u32::from(a)),
            u128::from(u32::from(b)),
        )
    };
    cfg.vips
        .iter()
        .filter_map(|v| crate::dialect::nat::Shift::of(r(v.extip), r(v.mappedip)))
        .collect()
}
