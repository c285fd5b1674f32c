//! Resolution of devices: targets, interfaces (Linux names literal, IOS names canonical),
//! switch ports and their VLANs, then the checks across a device's interfaces and ports.

use super::cx::{check_text, Cx};
use super::own::{self, Own};
use super::{DEFAULT_PARKING_VLAN, MAX_LINUX_IFNAME};
use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::model::*;
use crate::syntax::ast;
use std::collections::BTreeMap;

/// One device; what it says about itself (own addresses, cluster, device-level flows) is also
/// returned for the checks across devices.
pub(super) fn resolve_device<'a>(
    cx: &mut Cx,
    v: &'a ast::Device,
    zone_index: &BTreeMap<&str, ZoneId>,
    zone_names: &[&str],
    zones: &[Zone],
    zone_spans: &[Span],
) -> (Device, DeviceSpans, Own<'a>) {
    let mut targets = Vec::new();
    let mut interfaces: Vec<(Interface, Span)> = Vec::new();
    let mut ports: Vec<(SwitchPort, Span)> = Vec::new();
    let mut unused = false;
    let mut parking = None;
    let mut description = None;
    let mut has_target = false;
    let mut island = None;
    let mut inspect = None;
    let mut own = Own::default();
    let at = DeviceAt {
        zone_index,
        zone_names,
        zones,
        zone_spans,
    };
    for st in &v.stmts {
        match &st.kind {
            ast::StmtKind::Description(t) => {
                check_text(t, &mut cx.diags);
                cx.once(&mut description, t.value.clone(), st, "description");
            }
            ast::StmtKind::Target(ts) => {
                has_target = true;
                device_targets(cx, v, ts, &mut targets);
            }
            ast::StmtKind::Interface {
                name,
                zone,
                addresses,
                nodes,
            } => {
                let n = interfaces.len();
                device_interface(cx, &at, v, name, zone, &mut interfaces);
                if let Some((iface, _)) = interfaces.get_mut(n) {
                    let z = iface.zone;
                    let zone = (&zones[z.0], zone_spans[z.0]);
                    own::interface_addresses(cx, zone, (addresses, nodes), n, iface, &mut own);
                }
            }
            ast::StmtKind::Cluster(names) => own.cluster(cx, names, st),
            ast::StmtKind::Sync(iface) => {
                let name = device_ifname(cx, v.kind, &iface.text, iface);
                own.sync(cx, iface, name, st)
            }
            ast::StmtKind::Allow(a) => own.allows.push((a, st.span)),
            ast::StmtKind::Island if v.kind == DeviceKind::Router => {
                cx.once(&mut island, (), st, "island")
            }
            ast::StmtKind::Island => cx.err(
                Diagnostic::error(
                    codes::ISLAND,
                    format!("`island` is not allowed in a {}", v.kind.keyword()),
                )
                .at(st.keyword, "only a router takes `island`")
                .help(if v.kind == DeviceKind::Switch {
                    "a switch carries a zone's VLANs and filters nothing between zones; write `island` in the router that bounds the zone"
                } else {
                    "nftables and iptables firewalls always generate their island-mode switch (docs/targets/linux.md); remove `island`"
                }),
            ),
            ast::StmtKind::Inspect if v.kind == DeviceKind::Router => {
                cx.once(&mut inspect, st.keyword, st, "inspect")
            }
            ast::StmtKind::Inspect => cx.err(
                Diagnostic::error(
                    codes::INSPECT,
                    format!("`inspect` is not allowed in a {}", v.kind.keyword()),
                )
                .at(st.keyword, "only a Cisco IOS router takes `inspect`")
                .help(if v.kind == DeviceKind::Switch {
                    "a switch carries a zone's VLANs and filters nothing between zones; write `inspect` in the router that bounds the zone"
                } else {
                    "nftables and iptables firewalls always track connections; remove `inspect`"
                }),
            ),
            ast::StmtKind::Ports { range, name, mode } => {
                if let Some(p) = switch_port(cx, &at, v, st, *range, name, mode) {
                    ports.push((p, name.span));
                }
            }
            ast::StmtKind::UnusedPorts(a) => {
                if v.kind != DeviceKind::Switch {
                    cx.not_here(st, v.kind.keyword());
                } else if a.name == "shutdown" {
                    unused = true;
                } else {
                    cx.unknown("unused-ports action", a, &["shutdown"]);
                }
            }
            ast::StmtKind::ParkingVlan(_) if v.kind != DeviceKind::Switch => {
                cx.not_here(st, v.kind.keyword())
            }
            ast::StmtKind::ParkingVlan(tok) => match tok.text.parse::<u16>() {
                Ok(p @ IOS_RESERVED_VLANS_FIRST..=IOS_RESERVED_VLANS_LAST) => cx.err(
                    Diagnostic::error(
                        codes::VLAN_RANGE,
                        format!("parking VLAN {p} is reserved on Cisco IOS switches"),
                    )
                    .at(tok.span, "IOS refuses VLANs 1002-1005")
                    .help("pick an unused VLAN outside 1002-1005, such as the default 999"),
                ),
                Ok(p @ 2..=4094) => cx.once(&mut parking, p, st, "parking-vlan"),
                _ => cx.err(
                    Diagnostic::error(
                        codes::VLAN_RANGE,
                        format!("parking VLAN `{}` must be 2-4094", tok.text),
                    )
                    .at(
                        tok.span,
                        "VLAN 1 carries control protocols; pick an unused VLAN",
                    ),
                ),
            },
            // The device's SL-C: `resolve::assessment` reads it.
            ast::StmtKind::Capability { .. } => {}
            _ => cx.not_here(st, v.kind.keyword()),
        }
    }
    if !has_target {
        cx.err(
            Diagnostic::error(
                codes::MISSING,
                format!("device `{}` has no target", v.name.name),
            )
            .at(v.name.span, "no `target` statement")
            .help(match v.kind {
                DeviceKind::Firewall => "add `target nftables` or `target iptables`",
                _ => "add `target cisco-ios`",
            }),
        );
    }
    check_ports(cx, &ports, &interfaces);
    let parking_vlan = parking.map(|p| p.0).unwrap_or(DEFAULT_PARKING_VLAN);
    if let Some(z) = zones.iter().find(|z| z.vlan == Some(parking_vlan)) {
        if v.kind == DeviceKind::Switch {
            cx.err(
                Diagnostic::error(
                    codes::PORT_DECL,
                    format!(
                        "parking VLAN {parking_vlan} of switch `{}` is zone `{}`'s VLAN",
                        v.name.name, z.name
                    ),
                )
                .at(v.name.span, "unused ports would join a zone")
                .help("set `parking-vlan N` to a VLAN no zone uses"),
            );
        }
    }
    if let Some((kw, _)) = inspect {
        check_inspect(cx, v, kw, &targets);
    }
    let (interfaces, interface_spans) = interfaces.into_iter().unzip();
    let (ports, port_spans) = ports.into_iter().unzip();
    let mut device = Device {
        name: v.name.name.clone(),
        kind: v.kind,
        description: description.map(|d| d.0),
        targets,
        interfaces,
        ports,
        unused_ports_shutdown: unused,
        parking_vlan,
        cluster: Vec::new(),
        sync: None,
        island: island.is_some(),
        inspect: inspect.is_some(),
    };
    own::finish_device(cx, v, &mut device, &own);
    if let (Some((kw, _)), false) = (inspect, device.cluster.is_empty()) {
        cx.err(
            Diagnostic::error(
                codes::INSPECT,
                format!("`inspect` is not allowed on router cluster `{}`", v.name.name),
            )
            .at(kw, "zone-based firewall on a cluster")
            .help("fenceline does not generate the stateful failover a cluster of zone-based firewalls needs; drop `inspect` or `cluster`"),
        );
    }
    let spans = DeviceSpans {
        name: v.name.span,
        interfaces: interface_spans,
        ports: port_spans,
    };
    (device, spans, own)
}

/// The zones a device's statements name.
struct DeviceAt<'a> {
    zone_index: &'a BTreeMap<&'a str, ZoneId>,
    zone_names: &'a [&'a str],
    zones: &'a [Zone],
    /// The zones' names, by id.
    zone_spans: &'a [Span],
}

impl DeviceAt<'_> {
    fn zone_of(&self, cx: &mut Cx, id: &ast::Ident) -> Option<ZoneId> {
        let z = self.zone_index.get(id.name.as_str()).copied();
        if z.is_none() {
            cx.unknown("zone", id, self.zone_names);
        }
        z
    }
}

/// A `target` statement: each target known and fit for the device's kind, listed once.
fn device_targets(cx: &mut Cx, v: &ast::Device, ts: &[ast::Ident], targets: &mut Vec<Target>) {
    for t in ts {
        let Some(target) = Target::parse(&t.name) else {
            let names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
            let mut d = Diagnostic::error(codes::TARGET, format!("unknown target `{}`", t.name))
                .at(t.span, "no target of this name");
            if let Some(h) = did_you_mean(&t.name, names) {
                d = d.help(h);
            }
            cx.err(d);
            continue;
        };
        let fits = target.kinds().contains(&v.kind);
        if !fits {
            cx.err(
                Diagnostic::error(
                    codes::TARGET,
                    format!(
                        "a {} cannot have target `{}`",
                        v.kind.keyword(),
                        target.name()
                    ),
                )
                .at(t.span, "unsuitable target")
                .help(
                    "firewalls take `nftables`, `iptables`, `cisco-asa`, `fortios`, `panos`; routers and switches take `cisco-ios`",
                ),
            );
        } else if targets.contains(&target) {
            cx.err(
                Diagnostic::warning(
                    codes::DUPLICATE,
                    format!("target `{}` listed twice", t.name),
                )
                .at(t.span, "listed again"),
            );
        } else {
            targets.push(target);
        }
    }
}

/// Does a firewall name `cisco-asa` as its only target? Its interface names are then the
/// ASA's (`GigabitEthernet0/1`), not Linux names of at most 15 characters.
fn asa_only(v: &ast::Device) -> bool {
    let mut named = v.stmts.iter().filter_map(|st| match &st.kind {
        ast::StmtKind::Target(ts) => Some(ts),
        _ => None,
    });
    let mut any = false;
    let all = named.all(|ts| {
        ts.iter().all(|t| {
            any = true;
            Target::parse(&t.name) == Some(Target::CiscoAsa)
        })
    });
    any && all
}

/// An `interface NAME ZONE` statement.
fn device_interface(
    cx: &mut Cx,
    at: &DeviceAt,
    v: &ast::Device,
    name: &ast::Token,
    zone: &ast::Ident,
    interfaces: &mut Vec<(Interface, Span)>,
) {
    if v.kind == DeviceKind::Firewall && !asa_only(v) && name.text.len() > MAX_LINUX_IFNAME {
        cx.err(
            Diagnostic::error(
                codes::IFNAME_TOO_LONG,
                format!(
                    "interface name `{}` is {} characters, Linux allows {MAX_LINUX_IFNAME}",
                    name.text,
                    name.text.len()
                ),
            )
            .at(name.span, "too long for Linux")
            .help("rename the interface (e.g. with a udev rule or `ip link set NAME name SHORT`)"),
        );
    }
    // IOS names one interface in many ways (`Gi0/1`, `GigabitEthernet0/1`); Linux
    // names are literal and case-sensitive.
    // A refused name stays as written, so the device still attaches its zone.
    let ifname = device_ifname(cx, v.kind, &name.text, name).unwrap_or_else(|| name.text.clone());
    if let Some((_, ps)) = interfaces.iter().find(|(i, _)| i.name == ifname) {
        let ps = *ps;
        let also = if ifname == name.text {
            String::new()
        } else {
            format!(" (`{}` is `{ifname}`)", name.text)
        };
        cx.err(
            Diagnostic::error(
                codes::DUPLICATE,
                format!("interface `{ifname}` is declared twice{also}"),
            )
            .at(name.span, "declared again")
            .related(ps, "first declared here"),
        );
        return;
    }
    if let Some(z) = at.zone_of(cx, zone) {
        if v.kind == DeviceKind::Switch {
            reserved_vlan(cx, at, z, zone.span);
        }
        if let Some((_, ps)) = interfaces.iter().find(|(i, _)| i.zone == z) {
            let ps = *ps;
            cx.err(
                Diagnostic::error(
                    codes::DUPLICATE,
                    format!("zone `{}` is attached to device `{}` twice", zone.name, v.name.name),
                )
                .at(zone.span, "attached again")
                .related(ps, "first attached here")
                .help("a device attaches each zone by one interface (use a bond or a VLAN interface for redundancy)"),
            );
            return;
        }
        interfaces.push((
            Interface {
                name: ifname,
                zone: z,
                addresses: Vec::new(),
                nodes: Vec::new(),
            },
            name.span,
        ));
    }
}

/// A `port` or `ports` statement of a switch.
fn switch_port(
    cx: &mut Cx,
    at: &DeviceAt,
    v: &ast::Device,
    st: &ast::Stmt,
    range: bool,
    name: &ast::Token,
    mode: &ast::PortMode,
) -> Option<SwitchPort> {
    if v.kind != DeviceKind::Switch {
        cx.not_here(st, v.kind.keyword());
        return None;
    }
    let mode = match mode {
        ast::PortMode::Access(z) => at
            .zone_of(cx, z)
            .map(|z| (PortMode::Access { zone: z }, vec![z])),
        ast::PortMode::Trunk(zs) => {
            let ids: Vec<ZoneId> = zs.iter().filter_map(|z| at.zone_of(cx, z)).collect();
            (ids.len() == zs.len()).then(|| (PortMode::Trunk { zones: ids.clone() }, ids))
        }
    };
    let (mode, zs) = mode?;
    let refs: Vec<&ast::Ident> = match &st.kind {
        ast::StmtKind::Ports {
            mode: ast::PortMode::Access(z),
            ..
        } => vec![z],
        ast::StmtKind::Ports {
            mode: ast::PortMode::Trunk(zs),
            ..
        } => zs.iter().collect(),
        _ => Vec::new(),
    };
    for (z, r) in zs.iter().zip(refs) {
        reserved_vlan(cx, at, *z, r.span);
    }
    for z in zs {
        if at.zones[z.0].vlan.is_none() {
            cx.err(
                Diagnostic::error(
                    codes::PORT_DECL,
                    format!("zone `{}` has no VLAN", at.zones[z.0].name),
                )
                .at(st.span, "switch port in a zone without a VLAN")
                .help("add `vlan N` to the zone"),
            );
        }
    }
    let parsed_range = if range {
        match split_port_range(&name.text) {
            // The range's interfaces by their full IOS name.
            Some((prefix, lo, hi)) => {
                let first = format!("{prefix}{lo}");
                let first = device_ifname(cx, v.kind, &first, name)?;
                match split_port_number(&first) {
                    Some((prefix, lo)) => Some((prefix, lo, hi)),
                    None => return None,
                }
            }
            None => {
                cx.err(
                    Diagnostic::error(
                        codes::PORT_DECL,
                        format!("`{}` is not a port range", name.text),
                    )
                    .at(
                        name.span,
                        "expected a range such as `GigabitEthernet1/0/1-24`",
                    )
                    .help("use `port` for a single port"),
                );
                return None;
            }
        }
    } else {
        None
    };
    let port_name = match &parsed_range {
        Some((prefix, lo, hi)) => format!("{prefix}{lo}-{hi}"),
        None => device_ifname(cx, v.kind, &name.text, name)?,
    };
    Some(SwitchPort {
        name: port_name,
        range: parsed_range,
        mode,
    })
}

/// A switch's ports are declared once each, and none is also a routed interface.
fn check_ports(cx: &mut Cx, ports: &[(SwitchPort, Span)], interfaces: &[(Interface, Span)]) {
    // Overlapping switch ports.
    let mut seen: Vec<(String, u32, Span)> = Vec::new();
    for (p, span) in ports {
        let members: Vec<(String, u32)> = match &p.range {
            Some((prefix, lo, hi)) => (*lo..=*hi)
                .map(|n| (prefix.clone(), n))
                .take(10_000)
                .collect(),
            None => match split_port_number(&p.name) {
                Some((pre, n)) => vec![(pre, n)],
                None => vec![(p.name.clone(), u32::MAX)],
            },
        };
        for m in members {
            if let Some((_, _, first)) = seen.iter().find(|(a, b, _)| *a == m.0 && *b == m.1) {
                let f = *first;
                cx.err(
                    Diagnostic::error(
                        codes::PORT_DECL,
                        format!(
                            "port `{}{}` is declared twice",
                            m.0,
                            if m.1 == u32::MAX {
                                String::new()
                            } else {
                                m.1.to_string()
                            }
                        ),
                    )
                    .at(*span, "declared again")
                    .related(f, "first declared here"),
                );
                break;
            }
            seen.push((m.0, m.1, *span));
        }
    }
    // A routed interface of a switch is not also one of its switch ports.
    for (i, span) in interfaces {
        let (pre, n) = split_port_number(&i.name).unwrap_or((i.name.clone(), u32::MAX));
        if let Some((_, _, port)) = seen.iter().find(|(a, b, _)| *a == pre && *b == n) {
            cx.err(
                Diagnostic::error(
                    codes::PORT_DECL,
                    format!(
                        "`{}` is declared as an interface and as a switch port",
                        i.name
                    ),
                )
                .at(*span, "declared as an interface")
                .related(*port, "declared as a switch port here")
                .help("declare it once: `port` for a layer-2 port, `interface` for a routed one"),
            );
        }
    }
}

/// VLANs IOS keeps for its FDDI and Token Ring defaults: `vlan 1002` is refused.
const IOS_RESERVED_VLANS_FIRST: u16 = 1002;
const IOS_RESERVED_VLANS_LAST: u16 = 1005;

/// A zone that a `cisco-ios` switch carries (`at`: where the switch names it) may not be on a
/// reserved VLAN. A firewall may tag it so: only the switch has to configure it.
fn reserved_vlan(cx: &mut Cx, zones: &DeviceAt, z: ZoneId, at: Span) {
    let zone = &zones.zones[z.0];
    if let Some(v @ IOS_RESERVED_VLANS_FIRST..=IOS_RESERVED_VLANS_LAST) = zone.vlan {
        cx.err(
            Diagnostic::error(
                codes::VLAN_RANGE,
                format!("zone `{}` is on VLAN {v}, which is reserved on Cisco IOS switches", zone.name),
            )
            .at(at, "this switch would have to configure it")
            .related(zones.zone_spans[z.0], format!("VLAN {v} declared in this zone"))
            .help("IOS refuses VLANs 1002-1005 (the FDDI and Token Ring defaults); give the zone another VLAN"),
        );
    }
}

/// The name of an interface or port as the device knows it: on `cisco-ios` devices (routers and
/// switches take no other target) the full IOS name, so two spellings of one interface compare
/// equal; on firewalls the literal Linux name. `None` after reporting an IOS name IOS refuses.
pub(super) fn device_ifname(
    cx: &mut Cx,
    kind: DeviceKind,
    text: &str,
    name: &ast::Token,
) -> Option<String> {
    if kind == DeviceKind::Firewall {
        return Some(text.to_string());
    }
    match ios_ifname::canonical(text) {
        Ok(n) => Some(n),
        Err(e) => {
            let help = match &e {
                ios_ifname::IfNameError::Ambiguous(..) => {
                    "write more of the type, or all of it: IOS resolves an abbreviation only when one type starts with it".to_string()
                }
                ios_ifname::IfNameError::Unknown(t) => {
                    match did_you_mean(t, ios_ifname::TYPES.iter().copied()) {
                        Some(h) => format!("{h} (docs/targets/cisco-ios.md lists the interface types)"),
                        None => "write an IOS interface type and its number, such as `GigabitEthernet0/1` (docs/targets/cisco-ios.md lists the types)".to_string(),
                    }
                }
                _ => "write an IOS interface type and its number, such as `GigabitEthernet0/1` or `GigabitEthernet0/0.100`".to_string(),
            };
            cx.err(
                Diagnostic::error(
                    codes::IFNAME_TOO_LONG,
                    format!("`{}` is not a Cisco IOS interface name", name.text),
                )
                .at(name.span, e.to_string())
                .help(help),
            );
            None
        }
    }
}

/// An interface name that is itself used by two devices is fine; what is not fine is one
/// device attaching a zone twice, checked above. Here: devices attached to no zone at all.
pub(super) fn check_device_interfaces(cx: &mut Cx, devices: &[Device], spans: &[DeviceSpans]) {
    for (d, spans) in devices.iter().zip(spans) {
        if d.kind != DeviceKind::Switch && d.interfaces.is_empty() {
            cx.err(
                Diagnostic::error(
                    codes::MISSING,
                    format!("{} `{}` has no interfaces", d.kind.keyword(), d.name),
                )
                .at(spans.name, "attached to no zone")
                .help("add `interface NAME ZONE` for each zone it connects"),
            );
        }
    }
}

/// `GigabitEthernet1/0/1-24` -> (`GigabitEthernet1/0/`, 1, 24).
pub fn split_port_range(name: &str) -> Option<(String, u32, u32)> {
    let (head, hi) = name.rsplit_once('-')?;
    let hi: u32 = hi.parse().ok()?;
    let (prefix, lo) = split_port_number(head)?;
    (lo <= hi && hi - lo < 10_000).then_some((prefix, lo, hi))
}

/// [`crate::model::ios_ifname::split_port_number`] with an owned prefix.
fn split_port_number(name: &str) -> Option<(String, u32)> {
    crate::model::ios_ifname::split_port_number(name).map(|(p, n)| (p.to_string(), n))
}

/// `inspect` makes a router a Cisco IOS zone-based policy firewall with one security zone per
/// policy zone (a device attaches each zone by one interface, E0003): every target must be
/// `cisco-ios`. A router that translates (`nat`) takes it too: its class-maps name the
/// addresses the firewall sees (docs/targets/cisco-ios.md).
fn check_inspect(cx: &mut Cx, v: &ast::Device, kw: Span, targets: &[Target]) {
    if let Some(t) = targets.iter().find(|t| **t != Target::CiscoIos) {
        cx.err(
            Diagnostic::error(
                codes::INSPECT,
                format!(
                    "`inspect` is not allowed on router `{}` with target `{}`",
                    v.name.name,
                    t.name()
                ),
            )
            .at(kw, "only a Cisco IOS router takes `inspect`")
            .help("`inspect` generates a Cisco IOS zone-based policy firewall; give the router `target cisco-ios`"),
        );
    }
}
