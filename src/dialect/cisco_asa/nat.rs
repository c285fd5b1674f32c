//! Static 1:1 NAT on the ASA (`network INSIDE nat OUTSIDE` on a zone a `cisco-asa` firewall
//! attaches), both ways of the pipeline:
//!
//! - **Lowering** ([`objects`], [`refusals`]): per translated network, object NAT, a real
//!   object (`FL-REAL-<nameif>-<n>`, the inside network) whose ` nat (NAMEIF,any) static` line
//!   names a mapped object (`FL-MAPPED-<nameif>-<n>`, the outside network). Since ASA 8.3 the
//!   access lists match the real addresses (the ASA un-translates a destination before its
//!   access list, and translates a source after), so the filters are written in the wire's
//!   addresses ([`crate::dialect::nat::wire_view`]).
//! - **Semantics** ([`plant_view`]): the filters read back are pulled into the plant's view,
//!   where a translated zone is its outside network, as verify compares: a destination is the
//!   real address its mapped address un-translates to; a source entering by a translated
//!   interface is the mapped address of its real one. A packet sent to the real address of a
//!   statically translated host from another interface is dropped by the ASA (ASP drop reason
//!   `nat-rpf-failed`: "Rejected attempt to connect to a translated host using its real
//!   address"), which the pulled filter says with an explicit drop first.

use super::ast::*;
use crate::diagnostic::Diagnostic;
use crate::dialect::config::{Item, ReadError, Tag, Term};
use crate::dialect::nat::{PairNat, Shift};
use crate::dialect::EmitContext;
use crate::packet::space::{ip_to_u128, Cube, Family, Ivs, Space};
use crate::plan::DeviceIr;
use std::sync::Arc;

/// One object NAT statement with its objects looked up: real and mapped ranges.
struct Static<'a> {
    nat: &'a ObjectNat,
    real: (Family, u128, u128),
    mapped: (Family, u128, u128),
}

fn range_of(cfg: &AsaConfig, obj: &Name) -> Result<(Family, u128, u128), String> {
    let o = cfg
        .items
        .iter()
        .find_map(|t| match t {
            Top::Object(o) if &o.name == obj => Some(o),
            _ => None,
        })
        .ok_or_else(|| format!("network object `{obj}` of a `nat` line is not defined"))?;
    Ok(match o.value {
        ObjValue::Host(ip) => {
            let x = ip_to_u128(ip);
            (Family::of(ip), x, x)
        }
        ObjValue::Subnet(ip, len) => {
            let f = Family::of(ip);
            let bits: u32 = if ip.is_ipv4() { 32 } else { 128 };
            let host = match bits.saturating_sub(u32::from(len)) {
                0 => 0,
                128 => u128::MAX,
                k => (1u128 << k) - 1,
            };
            let x = ip_to_u128(ip) & !host;
            (f, x, x | host)
        }
        ObjValue::Range(a, b) => (Family::of(a), ip_to_u128(a), ip_to_u128(b)),
    })
}

fn statics(cfg: &AsaConfig) -> Result<Vec<Static<'_>>, String> {
    let mut out = Vec::new();
    for t in &cfg.items {
        let Top::ObjectNat(n) = t else { continue };
        let real = range_of(cfg, &n.object)?;
        let mapped = range_of(cfg, &n.mapped)?;
        if Shift::of(real, mapped).is_none() {
            return Err(format!(
                "object NAT of `{}` to `{}`: the two objects are not of one family and size, so the translation is not 1:1",
                n.object, n.mapped
            ));
        }
        out.push(Static {
            nat: n,
            real,
            mapped,
        });
    }
    Ok(out)
}

/// `lists` (filters in the addresses the ASA's access lists see) for a packet entering by the
/// interface `nameif`, in the plant's view. `to_device`: the packet is addressed to the device,
/// whose own addresses no translation touches.
pub fn plant_view(
    cfg: &AsaConfig,
    nameif: &Name,
    to_device: bool,
    lists: Vec<Vec<Item>>,
) -> Result<Vec<Vec<Item>>, ReadError> {
    let st = statics(cfg).map_err(|message| ReadError {
        file: cfg.file.0.clone(),
        line: 0,
        message,
    })?;
    if st.is_empty() {
        return Ok(lists);
    }
    let applies = |s: &&Static| s.nat.mapped_if.as_ref().is_none_or(|m| m == nameif);
    let shift = |a, b| Shift::of(a, b).into_iter();
    let dnat: Vec<Shift> = if to_device {
        Vec::new()
    } else {
        st.iter()
            .filter(applies)
            .flat_map(|s| shift(s.mapped, s.real))
            .collect()
    };
    let snat: Vec<Shift> = st
        .iter()
        .filter(|s| &s.nat.real_if == nameif)
        .flat_map(|s| shift(s.real, s.mapped))
        .collect();
    let all = [Family::V4.all_addrs(), Family::V6.all_addrs()];
    let pn = PairNat {
        src: vec![(all, PairNat::snat_shifts(&snat))],
        dnat,
    };
    // The real addresses of hosts translated behind another interface, as destinations.
    let mut blocked = [Ivs::empty(), Ivs::empty()];
    let mut mapped = [Ivs::empty(), Ivs::empty()];
    for s in &st {
        let k = (s.real.0 == Family::V6) as usize;
        mapped[k] = mapped[k].union(&Ivs::range(s.mapped.1, s.mapped.2));
        if !to_device && applies(&s) && &s.nat.real_if != nameif {
            blocked[k] = blocked[k].union(&Ivs::range(s.real.1, s.real.2));
        }
    }
    let tag: Tag = Arc::from(format!(
        "{}: the real address of a statically translated host, dropped as `nat-rpf-failed`",
        cfg.file.0
    ));
    let mut rpf = Space::new();
    for (k, f) in [Family::V4, Family::V6].into_iter().enumerate() {
        let dst = blocked[k].subtract(&mapped[k]);
        if !dst.is_empty() {
            let mut c = Cube::universe(f)
                .into_iter()
                .next()
                .ok_or_else(|| ReadError {
                    file: cfg.file.0.clone(),
                    line: 0,
                    message: "internal: an empty universe".into(),
                })?;
            c.dst = dst;
            rpf.push(c, tag.clone());
        }
    }
    Ok(lists
        .into_iter()
        .map(|list| {
            let mut out = Vec::with_capacity(list.len() + 1);
            if !rpf.cubes.is_empty() {
                out.push(Item {
                    space: rpf.clone(),
                    term: Term::Drop,
                    tag: tag.clone(),
                });
            }
            out.extend(list.into_iter().map(|i| Item {
                space: pn.pull(i.space, true),
                term: i.term,
                tag: i.tag,
            }));
            out
        })
        .collect())
}

/// Generated object names stay within 64 characters (as `lower`'s do).
const MAX_NAME: usize = 64;

/// An object name of at most [`MAX_NAME`] characters: the nameif, or the first 8 hex digits of
/// its sha256 where it would be too long.
fn object_name(kind: &str, nameif: &Name, n: usize) -> String {
    use sha2::{Digest, Sha256};
    let full = format!("FL-{kind}-{nameif}-{n}");
    if full.len() <= MAX_NAME {
        full
    } else {
        let h = hex::encode(Sha256::digest(nameif.as_str().as_bytes()));
        format!("FL-{kind}-{}-{n}", &h[..8])
    }
}

/// The objects and object NAT statements of a device's translated interfaces (`nameifs` in
/// interface order, `None` for a failover link): the objects first, the `nat` lines after the access lists, as `show
/// running-config` prints them.
pub fn objects(device: &DeviceIr, nameifs: &[Option<Name>]) -> Option<(Vec<Top>, Vec<Top>)> {
    let mut objs = Vec::new();
    let mut nats = Vec::new();
    // The failover link (no nameif) translates nothing.
    for (i, nameif) in device.interfaces.iter().zip(nameifs) {
        let Some(nameif) = nameif else { continue };
        for (k, n) in i.nat.iter().enumerate() {
            let real = Name::new(&object_name("REAL", nameif, k + 1))?;
            let mapped = Name::new(&object_name("MAPPED", nameif, k + 1))?;
            for (name, net) in [(&real, n.inside), (&mapped, n.outside)] {
                objs.push(Top::Object(NetObject {
                    name: name.clone(),
                    description: Text::new(&format!(
                        "zone {} ({})",
                        i.zone_name,
                        if name == &real { "inside" } else { "outside" }
                    )),
                    value: ObjValue::Subnet(net.network(), net.prefix_len()),
                }));
            }
            nats.push(Top::ObjectNat(ObjectNat {
                object: real,
                real_if: nameif.clone(),
                mapped_if: None,
                mapped,
            }));
        }
    }
    Some((objs, nats))
}

/// What object NAT cannot carry on `device`, each an error (E0074) at the device: two
/// translated interfaces whose inside networks meet (an access list matches real addresses,
/// so it could not tell their hosts apart), and flows between two translated zones.
pub fn refusals(cx: &EmitContext, device: &DeviceIr) -> Vec<Diagnostic> {
    crate::dialect::nat::vendor_refusals(
        cx,
        device,
        &crate::dialect::nat::VendorNatLimits {
            target: "cisco-asa",
            code: crate::diagnostic::codes::ASA_NAT,
            ipv6: None,
            meet: "an ASA access list matches the real (inside) addresses, so it cannot tell the two zones' hosts apart; give the skids distinct inside networks, or put them behind an nftables, iptables or Cisco IOS device",
            between: "object NAT would translate both ends of such a connection; route these flows through another device, or drop `nat` from one zone",
            local: None,
        },
    )
}
