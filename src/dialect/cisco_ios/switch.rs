//! Lowering of a switch's layer-2 configuration: one VLAN per zone it carries, a parking VLAN
//! for unused ports and trunk native VLANs, access and trunk ports with their allowed VLANs, and
//! the ports numbered between declared ones parked and shut. VLAN 1 never carries a zone
//! (`OUT-006`).

use super::ast::*;
use super::lower::{sha8, word, Changed};
use crate::diagnostic::Diagnostic;
use crate::dialect::sanitize::{self, Sink};
use crate::dialect::EmitContext;
use crate::error::Result;
use crate::model::Scope;
use crate::plan::{DeviceIr, SwitchIr};
use std::collections::BTreeMap;

// A zone's VLAN is VLAN 1, which never carries user traffic (error).
use crate::lint::rules::out_006_vlan_1_user_traffic::RULE as VLAN_ONE;

/// Name of the parking VLAN (unused ports, trunk native VLAN).
const PARKING_NAME: &str = "FL-PARKING";

fn comment(text: &str) -> Top {
    Top::Comment(Comment::tame(text))
}

fn port_head(prefix: &str, lo: u32, hi: u32) -> Result<IfHead> {
    Ok(if lo == hi {
        IfHead::One(word(&format!("{prefix}{lo}"))?)
    } else {
        IfHead::Range {
            prefix: word(prefix)?,
            lo,
            hi,
        }
    })
}

/// A VLAN name within 32 characters; a longer one keeps its start and gets a hash, so two long
/// zone names never end up with the same VLAN name.
pub(super) fn vlan_name(zone: &str, changed: &mut Changed) -> VlanName {
    let c = sanitize::clean(zone, sanitize::IOS_VLAN_NAME);
    if !c.changed() {
        return VlanName::tame(&c.text);
    }
    changed.push(zone.to_string());
    let whole = sanitize::clean(
        zone,
        Sink {
            max_bytes: 1000,
            ..sanitize::IOS_VLAN_NAME
        },
    )
    .text;
    let mut head: String = whole.chars().take(23).collect();
    head.push('-');
    head.push_str(&sha8(&[zone]));
    VlanName::tame(&head)
}

fn vlan(id: u16, name: VlanName) -> Top {
    Top::Vlan(Vlan {
        id,
        name: Some(name),
        other: Vec::new(),
    })
}

/// The VLAN and port section of a switch.
pub(super) fn switch(
    cx: &EmitContext,
    device: &DeviceIr,
    sw: &SwitchIr,
    changed: &mut Changed,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Top>> {
    let dev = cx.model.device(device.device);
    let parking = sw.parking_vlan;
    // VLAN 1 carries the switch's own control protocols (CDP, VTP, DTP): refuse it for a zone.
    for v in sw.vlans.iter().filter(|v| v.id == 1) {
        diags.push(
            VLAN_ONE
                .diag(format!(
                    "zone `{}` uses VLAN 1, which switch `{}` keeps free of user traffic",
                    v.name, device.name
                ))
                .at(cx.model.zone(v.zone).span, "VLAN 1")
                .scoped(vec![Scope::Zone(v.zone)])
                .help("give the zone another VLAN with `vlan N`"),
        );
    }
    let usable = |v: u16| v != 1 && v != parking;
    let mut out = vec![
        comment(""),
        comment(&format!(
            "VLANs: one per zone on this switch; VLAN {parking} parks unused ports and is the trunks'"
        )),
        comment("native VLAN; VLAN 1 carries no user traffic."),
        Top::VlanTagNative,
    ];
    for v in sw.vlans.iter().filter(|v| usable(v.id)) {
        out.push(comment(""));
        out.push(vlan(v.id, vlan_name(&v.name, changed)));
    }
    out.push(comment(""));
    out.push(vlan(parking, VlanName::tame(PARKING_NAME)));
    // Numbers taken per prefix, to find the unused ports between them.
    let mut taken: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
    for p in &sw.ports {
        let head = match &p.range {
            Some((prefix, lo, hi)) => {
                taken.entry(prefix.clone()).or_default().push((*lo, *hi));
                port_head(prefix, *lo, *hi)?
            }
            None => {
                if let Some((prefix, n)) = crate::model::ios_ifname::split_port_number(&p.name) {
                    taken.entry(prefix.to_string()).or_default().push((n, n));
                }
                IfHead::One(word(&p.name)?)
            }
        };
        let zones = p.zones.join(", ");
        // The resolver gives every access port a VLAN; a trunk has none of its own.
        let (mode, shutdown, what) = match p.access_vlan {
            Some(v) if usable(v) => (
                vec![
                    IfLine::SwitchportMode(SwitchportMode::Access),
                    IfLine::AccessVlan(v),
                ],
                false,
                format!("fenceline: access, zone {zones}"),
            ),
            Some(_) => (
                vec![
                    IfLine::SwitchportMode(SwitchportMode::Access),
                    IfLine::AccessVlan(parking),
                ],
                true,
                format!("fenceline: zone {zones} has no usable VLAN, parked"),
            ),
            None => {
                let ids: Vec<(u16, u16)> = p
                    .trunk_vlans
                    .iter()
                    .filter(|v| usable(**v))
                    .map(|v| (*v, *v))
                    .collect();
                let allowed = if ids.is_empty() {
                    AllowedVlans::None
                } else {
                    AllowedVlans::List(ids)
                };
                (
                    vec![
                        IfLine::SwitchportMode(SwitchportMode::Trunk),
                        IfLine::Nonegotiate,
                        IfLine::NativeVlan(parking),
                        IfLine::Allowed(allowed),
                    ],
                    false,
                    format!("fenceline: trunk, zones {zones}"),
                )
            }
        };
        let d = sanitize::clean(&what, sanitize::IOS_DESCRIPTION);
        if d.changed() {
            changed.push(what.clone());
        }
        let mut lines = vec![IfLine::Description(Description::tame(&d.text))];
        let access = p.access_vlan.is_some();
        lines.extend(mode);
        if access {
            lines.extend([IfLine::Nonegotiate, IfLine::Portfast, IfLine::BpduGuard]);
        }
        lines.push(IfLine::Shutdown(shutdown));
        out.push(comment(""));
        out.push(Top::Interface(Interface { head, lines }));
    }
    if sw.shutdown_unused {
        let mut unused = Vec::new();
        for (prefix, mut ranges) in taken {
            ranges.sort();
            let mut next: Option<u32> = None;
            for (lo, hi) in ranges {
                if let Some(n) = next {
                    if lo > n {
                        unused.push(port_head(&prefix, n, lo - 1)?);
                    }
                }
                next = Some(next.map_or(hi + 1, |n| n.max(hi + 1)));
            }
        }
        let none_unused = unused.is_empty();
        for head in unused {
            out.push(comment(""));
            out.push(Top::Interface(Interface {
                head,
                lines: vec![
                    IfLine::Description(Description::tame("fenceline: unused, parked")),
                    IfLine::SwitchportMode(SwitchportMode::Access),
                    IfLine::AccessVlan(parking),
                    IfLine::Nonegotiate,
                    IfLine::Shutdown(true),
                ],
            }));
        }
        // The policy lists the ports in use, not the switch's hardware: only ports numbered
        // between two declared ports of one module are known to exist.
        let name = sanitize::clean(&dev.name, sanitize::HEADER_COMMENT).text;
        out.push(comment(&format!(
            "unused-ports shutdown: the policy names the ports {name} uses, not all its ports."
        )));
        out.push(comment(if none_unused {
            "No port is numbered between declared ones, so none is shut here."
        } else {
            "Ports numbered between declared ones are parked and shut above."
        }));
        out.push(comment("Park and shut every other port (beyond the last declared number, other modules) the same way."));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vlan_names() {
        let mut changed = Vec::new();
        assert_eq!(vlan_name("field", &mut changed).as_str(), "field");
        let long = vlan_name(&"z".repeat(40), &mut changed);
        assert_eq!(long.as_str().len(), 32);
        assert_eq!(changed.len(), 1);
    }
}
