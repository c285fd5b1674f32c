//! Pass 2, Ast -> Model: the single source of meaning. Names are resolved, addresses are exact
//! interval sets (IPv4 and IPv6 apart), services are protocol/port items with attributes, SL-Ts
//! are vectors, and the zone/device graph (petgraph) gives each flow its path.
//!
//! Every collection is sorted by name (flows by conduit, ends and services), so the order of
//! declarations in the source never changes a byte of output. The structs carry meaning only:
//! where each part was written is in the side table [`SpanMap`], asked by id, so the policy hash
//! ([`hash`]) is the JSON of the Model itself.

pub mod assessment;
pub mod asset_kind;
pub mod graph;
pub mod hash;
pub mod ids;
pub mod ios_ifname;
pub mod packets;
pub mod resolve;
pub mod services;
pub mod source_map;

pub use crate::packet::AddrSet;
pub use asset_kind::AssetKind;
pub use packets::policy_decision;
pub use services::{PortRange, ServiceFlags, ServiceItem};
pub use source_map::{DeviceSpans, FlowSpans, SpanMap, ZoneSpans};

use crate::source::{SourceMap, Span};
use ipnet::IpNet;
use serde::Serialize;

pub use ids::{
    ConduitId, DeviceId, ExceptionId, ExpectId, FlowId, FlowRef, Scope, SelfFlowId, ServiceId,
    ZoneId,
};

/// Fields at their type's default are left out of the Model's JSON, and so out of its hash
/// ([`hash::policy_hash`]): a field added later at its default leaves existing policies' hashes
/// unchanged.
fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// The seven foundational requirements of IEC 62443, in the standard's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fr {
    Iac,
    Uc,
    Si,
    Dc,
    Rdf,
    Tre,
    Ra,
}

impl Fr {
    pub const ALL: [Fr; 7] = [Fr::Iac, Fr::Uc, Fr::Si, Fr::Dc, Fr::Rdf, Fr::Tre, Fr::Ra];
    pub fn name(self) -> &'static str {
        ["iac", "uc", "si", "dc", "rdf", "tre", "ra"][self as usize]
    }
    pub fn parse(s: &str) -> Option<Fr> {
        Fr::ALL.iter().copied().find(|f| f.name() == s)
    }
}

/// An SL vector: one security level (1-4) per FR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Sl(pub [u8; 7]);

impl Sl {
    pub fn uniform(level: u8) -> Sl {
        Sl([level; 7])
    }
    pub fn get(&self, fr: Fr) -> u8 {
        self.0[fr as usize]
    }
    pub fn max(&self) -> u8 {
        self.0.iter().copied().max().unwrap_or(0)
    }
    pub fn is_uniform(&self) -> bool {
        self.0.iter().all(|&l| l == self.0[0])
    }
}

impl std::fmt::Display for Sl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_uniform() {
            write!(f, "{}", self.0[0])
        } else {
            let parts: Vec<String> = Fr::ALL
                .iter()
                .map(|fr| format!("{} {}", fr.name(), self.get(*fr)))
                .collect();
            write!(f, "{{ {} }}", parts.join("  "))
        }
    }
}

/// Purdue level in tenths: 0, 10, 20, 30, 35 (industrial DMZ), 40, 50.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Level(pub u8);

impl Level {
    pub const VALID: [u8; 7] = [0, 10, 20, 30, 35, 40, 50];
    pub fn parse(s: &str) -> Option<Level> {
        let t = match s {
            "0" => 0,
            "1" => 10,
            "2" => 20,
            "3" => 30,
            "3.5" => 35,
            "4" => 40,
            "5" => 50,
            _ => return None,
        };
        Some(Level(t))
    }
    /// Position in the Purdue stack counting the DMZ as a level: 0..=6.
    pub fn rank(self) -> usize {
        Level::VALID.iter().position(|&v| v == self.0).unwrap_or(0)
    }
    /// Level 4 or 5: business IT.
    pub fn is_it(self) -> bool {
        self.0 >= 40
    }
    pub fn is_dmz(self) -> bool {
        self.0 == 35
    }
    /// Level 0 to 3: the control system proper.
    pub fn is_control(self) -> bool {
        self.0 <= 30
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_multiple_of(10) {
            write!(f, "{}", self.0 / 10)
        } else {
            write!(f, "{}.{}", self.0 / 10, self.0 % 10)
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    pub name: String,
    /// As written (`10.30.0.21-10.30.0.22`), for reports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written: Vec<String>,
    #[serde(skip_serializing_if = "is_default")]
    pub addrs: AddrSet,
    /// What the asset is (`kind`), from the closed vocabulary or a site's own `x-NAME`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<AssetKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Zone {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub level: Level,
    pub sl: Sl,
    /// The zone's networks as the rest of the plant sees them: a translated network
    /// (`network INSIDE nat OUTSIDE`) by its outside network.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<IpNet>,
    /// The zone's addresses as the rest of the plant sees them (outside addresses of translated
    /// networks). Flows, expectations, `query` and the report speak in these.
    #[serde(skip_serializing_if = "is_default")]
    pub addrs: AddrSet,
    /// Static 1:1 translations of the zone's networks (`network INSIDE nat OUTSIDE`), sorted by
    /// inside network. The devices attaching the zone translate; everywhere else the zone is
    /// its outside addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nat: Vec<Nat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<u16>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<Asset>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub safety: bool,
    /// A transit network (`transit`): it carries flows between other zones, needs no conduit
    /// of its own (no UNUSED-001), and FR5-020 checks its SL-T against what crosses it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub transit: bool,
    /// Conduits connecting this zone, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conduits: Vec<ConduitId>,
}

impl Zone {
    pub fn asset(&self, name: &str) -> Option<usize> {
        self.assets.iter().position(|a| a.name == name)
    }
    /// Whether any of the zone's networks is translated (`nat`).
    pub fn is_translated(&self) -> bool {
        !self.nat.is_empty()
    }
    /// `set` (addresses as the plant sees them) as the zone's own hosts see them: each
    /// translated network's outside addresses moved to its inside network; the rest unchanged.
    pub fn to_inside(&self, set: &AddrSet) -> AddrSet {
        self.nat.iter().fold(set.clone(), |acc, n| {
            let outside = AddrSet::from_net(n.outside);
            acc.subtract(&outside)
                .union(&set.translate(n.outside, n.inside))
        })
    }
    /// `set` (addresses as the zone's own hosts see them) as the rest of the plant sees them.
    pub fn to_outside(&self, set: &AddrSet) -> AddrSet {
        self.nat.iter().fold(set.clone(), |acc, n| {
            let inside = AddrSet::from_net(n.inside);
            acc.subtract(&inside)
                .union(&set.translate(n.inside, n.outside))
        })
    }
    /// The zone's addresses as its own hosts see them.
    pub fn inside_addrs(&self) -> AddrSet {
        self.to_inside(&self.addrs)
    }
}

/// A static 1:1 translation of one of a zone's networks (`network INSIDE nat OUTSIDE`): the
/// zone's hosts are addressed in `inside` (as they see themselves; several zones may share it)
/// and the rest of the plant reaches the host at the same offset in `outside`. Both are of one
/// family and one prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Nat {
    pub inside: IpNet,
    pub outside: IpNet,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// Declared or built-in name; inline items are named by their text (`tcp/502`).
    pub name: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub builtin: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ServiceItem>,
    /// Its own flags for a built-in service or a declared one with a flag; otherwise (an inline
    /// item, a declared service without one) those it inherits from the catalogue entries in
    /// `carries` ([`services::classify`]).
    #[serde(skip_serializing_if = "is_default")]
    pub flags: ServiceFlags,
    /// The catalogue entries whose ports an inline item or a declared service without a flag
    /// shares, sorted; empty for the others.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub carries: Vec<String>,
    /// Multicast groups the protocol sends to (built-in `ospf`, `vrrp`, ...): destinations of
    /// its device-level flows besides the device's own addresses, never of a flow between zones.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<std::net::IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Endpoint {
    pub zone: ZoneId,
    /// Index into the zone's `assets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Conduit {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<ZoneId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sl: Option<Sl>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    pub conduit: ConduitId,
    pub src: Endpoint,
    pub dst: Endpoint,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceId>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub log: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `via DEVICE, ...`, sorted: the flow keeps to the loop-free paths between its zones that
    /// cross at least one of these devices ([`graph::ZoneGraph::stages_via`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<DeviceId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    Nftables,
    Iptables,
    CiscoIos,
    CiscoAsa,
    Panos,
    Fortios,
}

impl Target {
    pub const ALL: [Target; 6] = [
        Target::Nftables,
        Target::Iptables,
        Target::CiscoIos,
        Target::CiscoAsa,
        Target::Panos,
        Target::Fortios,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Target::Nftables => "nftables",
            Target::Iptables => "iptables",
            Target::CiscoIos => "cisco-ios",
            Target::CiscoAsa => "cisco-asa",
            Target::Panos => "panos",
            Target::Fortios => "fortios",
        }
    }
    /// Does a device of this target track connections? Planning records reply entries for the
    /// devices of the others. (Every dialect's `STATEFUL`; a test in `dialect` holds them equal.)
    pub fn stateful(self) -> bool {
        !matches!(self, Target::CiscoIos)
    }
    /// The short names `target` statements and `--target` also accept.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Target::Nftables => &["nft"],
            Target::Iptables => &[],
            Target::CiscoIos => &["ios"],
            Target::CiscoAsa => &["asa"],
            Target::Panos => &["panos"],
            Target::Fortios => &["fortigate"],
        }
    }
    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL
            .into_iter()
            .find(|t| t.name() == s || t.aliases().contains(&s))
    }
    /// The device kinds that may name this target. (The kinds of its dialects; a test in
    /// `dialect` holds them equal.)
    pub fn kinds(self) -> &'static [DeviceKind] {
        match self {
            Target::Nftables
            | Target::Iptables
            | Target::CiscoAsa
            | Target::Panos
            | Target::Fortios => &[DeviceKind::Firewall],
            Target::CiscoIos => &[DeviceKind::Router, DeviceKind::Switch],
        }
    }

    /// The island-mode control (SR 5.2 RE2) this target's generated configuration ships,
    /// checked first in the forward path so that it also cuts established sessions: the
    /// nftables `island` set, matched before `ct state established`, and the iptables (and
    /// ip6tables) `FL-ISLAND` chain, jumped to first from FORWARD; on a Cisco ASA, `shutdown` of
    /// the interface (docs/targets/cisco-asa.md); on FortiOS, `set status down` of the interface
    /// (docs/targets/fortios.md). Cisco IOS ACLs have none of their
    /// own: a router ships one only with `island` (see [`Device::island_control`]). FR5-014
    /// reports the boundaries this leaves without one.
    pub fn island_control(self) -> Option<&'static str> {
        match self {
            Target::Nftables => Some("nftables `island` set"),
            Target::Iptables => Some("iptables and ip6tables `FL-ISLAND` chain"),
            Target::CiscoIos => None,
            Target::CiscoAsa => Some(
                "Cisco ASA `shutdown` of the interface, which drops its traffic and its connections",
            ),
            Target::Panos => Some(
                "PAN-OS `link-state down` of the interface, committed, which drops its traffic and its sessions",
            ),
            Target::Fortios => Some(
                "FortiOS `set status down` of the interface, which drops its traffic and its sessions",
            ),
        }
    }
}

pub use crate::syntax::ast::DeviceKind;

#[derive(Debug, Clone, Serialize)]
pub struct Interface {
    pub name: String,
    pub zone: ZoneId,
    /// The device's own addresses on this interface (`address`), each inside the zone; for a
    /// cluster, the virtual addresses the nodes share.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<std::net::IpAddr>,
    /// Each cluster node's own address on this interface (`nodes`), in the order of
    /// `Device::cluster`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<std::net::IpAddr>,
}

impl Interface {
    /// The device's own addresses on this interface: its shared ones and its nodes'. Traffic the
    /// device originates and sends out by this interface carries one of them as its source (the
    /// kernel's and IOS's source selection), so that is the source the other devices on its way
    /// see.
    pub fn own_addrs(&self) -> AddrSet {
        let mut set = AddrSet::new();
        for a in self.addresses.iter().chain(&self.nodes) {
            set.add_range(*a, *a);
        }
        set
    }
}

/// Which way a device-level flow goes: to the device (`X -> self`) or from it (`self -> X`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfDirection {
    /// `allow X -> self`: traffic addressed to the device (input chain, inbound ACL).
    ToDevice,
    /// `allow self -> X`: traffic the device originates (output chain).
    FromDevice,
}

/// A device-level flow: traffic to or from the device itself (`allow X -> self ...` or
/// `allow self -> X ...` in a device block). It needs no conduit: the device is the enforcement
/// point. `self` stands for every address of the device ([`Device::own_addrs`]).
#[derive(Debug, Clone, Serialize)]
pub struct SelfFlow {
    pub device: DeviceId,
    pub direction: SelfDirection,
    /// The other end: the source of a flow to the device, the destination of one from it.
    pub peer: Endpoint,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceId>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub log: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum PortMode {
    Access { zone: ZoneId },
    Trunk { zones: Vec<ZoneId> },
}

#[derive(Debug, Clone, Serialize)]
pub struct SwitchPort {
    /// As written: `GigabitEthernet1/0/48` or `GigabitEthernet1/0/1-24`.
    pub name: String,
    /// For a range: the common prefix and the first and last number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<(String, u32, u32)>,
    pub mode: PortMode,
}

#[derive(Debug, Clone, Serialize)]
pub struct Device {
    pub name: String,
    pub kind: DeviceKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    /// Layer-3 interfaces, each attached to one zone, in declaration order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<Interface>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<SwitchPort>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unused_ports_shutdown: bool,
    /// VLAN for unused ports and the trunk native VLAN (switches); default 999.
    pub parking_vlan: u16,
    /// An HA cluster's node names (`cluster`), each built into its own directory with the
    /// device's filtering; empty for a single device.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster: Vec<String>,
    /// The interface (index into `interfaces`) that carries VRRP and connection-tracking sync
    /// between the cluster's nodes (`sync`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<usize>,
    /// `island`: a Cisco IOS router generates the island-mode switch of each interface.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub island: bool,
    /// `inspect`: a Cisco IOS router enforces its flows as a zone-based policy firewall, with
    /// connection state for TCP, UDP and ICMP. Left out of the JSON when off, so the hashes of
    /// policies without it do not change.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inspect: bool,
}

impl Device {
    /// The island-mode control (SR 5.2 RE2) the configuration generated for this device and
    /// `target` ships: the target's own (Linux), or on Cisco IOS the prepared island ACLs and
    /// EEM applets of a router with `island`.
    pub fn island_control(&self, target: Target) -> Option<&'static str> {
        match target {
            Target::CiscoIos if self.island => {
                Some("Cisco IOS `FL-ISLAND-` deny-all ACLs, bound by `event manager run FL-ISLAND-<interface>`")
            }
            t => t.island_control(),
        }
    }
    /// Does the device keep connection state for the flows it forwards and its own? Every
    /// target of a firewall does; a Cisco IOS router does with `inspect` (for TCP, UDP and
    /// ICMP: [`Device::inspects`]).
    pub fn stateful(&self) -> bool {
        self.inspect || self.targets.iter().all(|t| t.stateful())
    }
    /// Does the device keep connection state for this service item? A stateful target keeps it
    /// for every protocol; a zone-based firewall (`inspect`) inspects TCP, UDP and ICMP only
    /// and passes the others statelessly, with the replies by an entry of their own.
    pub fn inspects(&self, item: &ServiceItem) -> bool {
        if self.targets.iter().all(|t| t.stateful()) {
            return true;
        }
        self.inspect && item.inspectable()
    }
    pub fn interface_to(&self, zone: ZoneId) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.zone == zone)
    }
    /// Every address of the device: each interface's `address` and cluster `nodes` addresses.
    /// This is what `self` stands for in a device-level flow.
    pub fn own_addrs(&self) -> AddrSet {
        let each: Vec<AddrSet> = self.interfaces.iter().map(Interface::own_addrs).collect();
        AddrSet::union_all(&each)
    }
    /// The addresses of one cluster node as an end: the shared ones and that node's own.
    pub fn node_addrs(&self, node: usize) -> AddrSet {
        let mut set = AddrSet::new();
        for i in &self.interfaces {
            for a in i.addresses.iter().chain(i.nodes.get(node)) {
                set.add_range(*a, *a);
            }
        }
        set
    }
    /// The names the build writes a directory for: the cluster's nodes, or the device itself.
    pub fn node_names(&self) -> Vec<&str> {
        if self.cluster.is_empty() {
            vec![self.name.as_str()]
        } else {
            self.cluster.iter().map(String::as_str).collect()
        }
    }
}

/// A date as written in the policy (validated YYYY-MM-DD); ordered as text.
pub type Date = String;

#[derive(Debug, Clone, Serialize)]
pub struct Exception {
    pub rule: String,
    pub justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
    pub scope: Scope,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expect {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow: bool,
    pub src: ExpectEnd,
    pub dst: ExpectEnd,
    pub service: ServiceId,
}

/// One end of an expectation: a zone or `zone.asset`, or a device (or one cluster node) named
/// for its own addresses, as `self` in its block. Untagged, so that an expectation between
/// zones serialises (and hashes) as it did before devices could be named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum ExpectEnd {
    Endpoint(Endpoint),
    Device {
        device: DeviceId,
        /// Index into the device's `cluster` when one node was named: the shared addresses
        /// and that node's own.
        #[serde(skip_serializing_if = "Option::is_none")]
        node: Option<usize>,
    },
}

impl ExpectEnd {
    /// The zone end, when the end is not a device.
    pub fn endpoint(self) -> Option<Endpoint> {
        match self {
            ExpectEnd::Endpoint(e) => Some(e),
            ExpectEnd::Device { .. } => None,
        }
    }
    /// The device end, when the end is a device.
    pub fn device(self) -> Option<(DeviceId, Option<usize>)> {
        match self {
            ExpectEnd::Device { device, node } => Some((device, node)),
            ExpectEnd::Endpoint(_) => None,
        }
    }
}

/// The resolved policy.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub policy: PolicyInfo,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<Zone>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conduits: Vec<Conduit>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<Flow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Device>,
    /// Device-level flows, sorted by device, then direction, peer and services.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub self_flows: Vec<SelfFlow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expects: Vec<Expect>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Exception>,
    /// Built-in services that were not referenced are still listed, so `query` can name them;
    /// `used_services` says which ones the policy uses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub used_services: Vec<ServiceId>,
    /// Each `site` (an instance of a template), by name, with the devices it declares; empty for
    /// a policy without templates, so its hash is unchanged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<crate::syntax::expand::SiteInfo>,
    #[serde(skip)]
    pub sources: SourceMap,
    /// Where each part was written (id -> span); not part of the meaning.
    #[serde(skip)]
    pub spans: SpanMap,
    /// The IEC 62443-3-2 assessment facts (approval block, risks, capabilities): they change
    /// no configuration, so they are left out of the Model's JSON and the policy hash
    /// (see [`assessment`]).
    #[serde(skip)]
    pub assessment: assessment::Assessment,
    /// The zone graph, built on first use ([`Model::graph`]).
    #[serde(skip)]
    pub(crate) zone_graph: GraphCell,
}

/// The zone graph of a [`Model`], built on first use and then shared: planning, lint and the
/// report each ask for the paths between the same zones, and a central firewall's hundred
/// thousand flows cross ten thousand zone pairs. A clone starts without one (it may be changed).
#[derive(Default)]
pub struct GraphCell(std::sync::OnceLock<graph::ZoneGraph>);

impl Clone for GraphCell {
    fn clone(&self) -> GraphCell {
        GraphCell::default()
    }
}

impl std::fmt::Debug for GraphCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GraphCell")
    }
}

impl Model {
    /// The zone graph of the Model, built the first time it is asked for: its zones, devices
    /// and interfaces must not change after that (a clone builds its own).
    pub fn graph(&self) -> &graph::ZoneGraph {
        self.zone_graph
            .0
            .get_or_init(|| graph::ZoneGraph::build(self))
    }

    pub fn zone(&self, id: ZoneId) -> &Zone {
        &self.zones[id.0]
    }
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.0]
    }
    pub fn conduit(&self, id: ConduitId) -> &Conduit {
        &self.conduits[id.0]
    }
    pub fn flow(&self, id: FlowId) -> &Flow {
        &self.flows[id.0]
    }
    pub fn device(&self, id: DeviceId) -> &Device {
        &self.devices[id.0]
    }
    pub fn self_flow(&self, id: SelfFlowId) -> &SelfFlow {
        &self.self_flows[id.0]
    }
    /// What `self` stands for in a device-level flow: the device's own addresses its peer can
    /// reach. An address the device has on a translated zone's interface is an inside address
    /// of that zone (the skid's gateway), which names nothing outside it: it belongs to `self`
    /// only for a peer in that zone.
    pub fn self_addrs(&self, id: SelfFlowId) -> AddrSet {
        let f = self.self_flow(id);
        let mut set = AddrSet::new();
        for i in &self.device(f.device).interfaces {
            let z = self.zone(i.zone);
            if i.zone == f.peer.zone || !z.is_translated() {
                set = set.union(&i.own_addrs());
            } else {
                let inside = AddrSet::union_all(
                    z.nat
                        .iter()
                        .map(|n| AddrSet::from_net(n.inside))
                        .collect::<Vec<_>>()
                        .iter(),
                );
                set = set.union(&i.own_addrs().subtract(&inside));
            }
        }
        set
    }
    pub fn self_flow_ids(&self) -> impl Iterator<Item = SelfFlowId> {
        (0..self.self_flows.len()).map(SelfFlowId)
    }
    /// The sync link of a cluster (`sync IFACE`): the interface's index and the addresses its
    /// VRRP and connection-tracking sync may come from and go to. Those are the interface's
    /// shared addresses and each node's own (`nodes`); when the interface lists no `nodes`, the
    /// nodes' own addresses are not known and the whole link is trusted: the network of the
    /// zone the interface attaches (a sync link is a dedicated link between the nodes).
    pub fn sync_peers(&self, dev: &Device) -> Option<(usize, AddrSet)> {
        let index = dev.sync?;
        let iface = dev.interfaces.get(index)?;
        if iface.nodes.is_empty() {
            return Some((index, self.zone(iface.zone).addrs.clone()));
        }
        let mut peers = AddrSet::new();
        for a in iface.addresses.iter().chain(&iface.nodes) {
            peers.add_range(*a, *a);
        }
        Some((index, peers))
    }
    /// One-line description of a device-level flow: `src -> self svc, svc` (or `self -> dst`).
    pub fn self_flow_label(&self, id: SelfFlowId) -> String {
        let f = self.self_flow(id);
        let svcs: Vec<&str> = f
            .services
            .iter()
            .map(|s| self.service(*s).name.as_str())
            .collect();
        let peer = self.endpoint_name(f.peer);
        match f.direction {
            SelfDirection::ToDevice => format!("{peer} -> self {}", svcs.join(", ")),
            SelfDirection::FromDevice => format!("self -> {peer} {}", svcs.join(", ")),
        }
    }
    pub fn zone_id(&self, name: &str) -> Option<ZoneId> {
        self.zones
            .binary_search_by(|z| z.name.as_str().cmp(name))
            .ok()
            .map(ZoneId)
    }
    pub fn service_id(&self, name: &str) -> Option<ServiceId> {
        self.services
            .binary_search_by(|s| s.name.as_str().cmp(name))
            .ok()
            .map(ServiceId)
    }
    pub fn conduit_id(&self, name: &str) -> Option<ConduitId> {
        self.conduits
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
            .map(ConduitId)
    }
    pub fn device_id(&self, name: &str) -> Option<DeviceId> {
        self.devices
            .binary_search_by(|d| d.name.as_str().cmp(name))
            .ok()
            .map(DeviceId)
    }
    pub fn flow_ids(&self) -> impl Iterator<Item = FlowId> {
        (0..self.flows.len()).map(FlowId)
    }
    /// The addresses an endpoint stands for: the zone's networks, or the asset's addresses.
    pub fn endpoint_addrs(&self, ep: Endpoint) -> &AddrSet {
        let z = self.zone(ep.zone);
        match ep.asset {
            Some(a) => &z.assets[a].addrs,
            None => &z.addrs,
        }
    }
    /// `zone` or `zone.asset`.
    pub fn endpoint_name(&self, ep: Endpoint) -> String {
        let mut out = String::new();
        self.push_endpoint_name(&mut out, ep);
        out
    }
    /// [`Model::endpoint_name`] appended to `out`.
    fn push_endpoint_name(&self, out: &mut String, ep: Endpoint) {
        let z = self.zone(ep.zone);
        out.push_str(&z.name);
        if let Some(a) = ep.asset {
            out.push('.');
            out.push_str(&z.assets[a].name);
        }
    }
    /// The addresses of an expectation's end (a device's: its own addresses).
    pub fn expect_end_addrs(&self, end: ExpectEnd) -> std::borrow::Cow<'_, AddrSet> {
        match end {
            ExpectEnd::Endpoint(ep) => std::borrow::Cow::Borrowed(self.endpoint_addrs(ep)),
            ExpectEnd::Device { device, node: None } => {
                std::borrow::Cow::Owned(self.device(device).own_addrs())
            }
            ExpectEnd::Device {
                device,
                node: Some(n),
            } => std::borrow::Cow::Owned(self.device(device).node_addrs(n)),
        }
    }
    /// An expectation's end as written: `zone`, `zone.asset`, a device or a cluster node.
    pub fn expect_end_name(&self, end: ExpectEnd) -> String {
        match end {
            ExpectEnd::Endpoint(ep) => self.endpoint_name(ep),
            ExpectEnd::Device { device, node } => {
                let d = self.device(device);
                node.and_then(|n| d.cluster.get(n))
                    .unwrap_or(&d.name)
                    .clone()
            }
        }
    }
    /// The zone an address belongs to (zones never overlap).
    pub fn zone_of(&self, ip: std::net::IpAddr) -> Option<ZoneId> {
        self.zones
            .iter()
            .position(|z| z.addrs.contains(ip))
            .map(ZoneId)
    }
    /// One-line description of a flow: `src -> dst svc, svc`.
    pub fn flow_label(&self, id: FlowId) -> String {
        let mut out = String::new();
        self.push_flow_label(&mut out, id);
        out
    }
    /// [`Model::flow_label`] appended to `out`: a central firewall labels 100,000 flows in its
    /// rules and again in its report.
    pub fn push_flow_label(&self, out: &mut String, id: FlowId) {
        let f = self.flow(id);
        self.push_endpoint_name(out, f.src);
        out.push_str(" -> ");
        self.push_endpoint_name(out, f.dst);
        out.push(' ');
        for (i, s) in f.services.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&self.service(*s).name);
        }
    }
    /// The first exception for `rule` that sits at one of `scopes` (the places a finding may be
    /// accepted at, see [`crate::diagnostic::filter`]).
    pub fn exceptions_for(&self, rule: &str, scopes: &[Scope]) -> Option<&Exception> {
        self.exceptions
            .iter()
            .find(|e| e.rule == rule && scopes.contains(&e.scope))
    }
}
