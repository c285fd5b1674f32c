//! Observed connections against the policy: each connection is given its zones (exact interval
//! lookup), then decided by the flows between them (and the devices' own flows, `-> self`);
//! what the policy denies is aggregated by zone pair, initiator, responder and service, with
//! counts and first and last seen; flows never observed are listed; connections of addresses in
//! no zone are a group of their own. Connections within one zone cross no device and are only
//! counted.

use super::Conn;
use crate::model::{FlowId, Model, SelfDirection, ZoneId};
use crate::packet::space::{ip_to_u128, Family};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Distinct entries kept per group by default; beyond, connections are counted, not stored.
/// A log between 100 zones has up to 10,000 groups: 20 entries each keep it in tens of MB.
pub const DEFAULT_MAX_ENTRIES: usize = 20;

/// One aggregated kind of connection: how many, first and last seen.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub initiator: IpAddr,
    pub responder: IpAddr,
    /// Filled in by [`Checker::finish`] (`modbus (tcp/502)`).
    pub service: String,
    pub count: u64,
    pub first: f64,
    pub last: f64,
    #[serde(skip)]
    proto: u8,
    #[serde(skip)]
    port: u16,
}

/// Past this many entries a group indexes them (below, a scan is faster than a map).
const SCAN: usize = 32;

/// Connections of one group (a zone pair, or of no zone): the first `max` distinct kinds, and
/// the count of the others.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Group {
    pub src_zone: Option<String>,
    pub dst_zone: Option<String>,
    pub connections: u64,
    pub entries: Vec<Entry>,
    /// Connections of kinds past the limit: counted, not stored.
    pub others: u64,
    #[serde(skip)]
    index: foldhash::HashMap<(IpAddr, IpAddr, u8, u16), usize>,
}

impl Group {
    fn find(&self, key: &(IpAddr, IpAddr, u8, u16)) -> Option<usize> {
        if self.entries.len() <= SCAN {
            self.entries
                .iter()
                .position(|e| (e.initiator, e.responder, e.proto, e.port) == *key)
        } else {
            self.index.get(key).copied()
        }
    }

    fn add(&mut self, c: &Conn, max: usize) {
        self.connections += 1;
        let key = (c.src, c.dst, c.proto, c.port);
        if let Some(i) = self.find(&key) {
            let e = &mut self.entries[i];
            e.count += 1;
            e.first = e.first.min(c.ts);
            e.last = e.last.max(c.ts);
            return;
        }
        if self.entries.len() >= max {
            self.others += 1;
            return;
        }
        self.entries.push(Entry {
            initiator: c.src,
            responder: c.dst,
            service: String::new(),
            count: 1,
            first: c.ts,
            last: c.ts,
            proto: c.proto,
            port: c.port,
        });
        if self.entries.len() == SCAN + 1 {
            for (i, e) in self.entries.iter().enumerate() {
                self.index
                    .insert((e.initiator, e.responder, e.proto, e.port), i);
            }
        } else if self.entries.len() > SCAN + 1 {
            self.index.insert(key, self.entries.len() - 1);
        }
    }

    /// Names every entry's service and drops the index.
    fn name_services(&mut self, names: &BTreeMap<String, &'static str>) {
        self.index = Default::default();
        for e in &mut self.entries {
            let item = match e.proto {
                6 => format!("tcp/{}", e.port),
                17 => format!("udp/{}", e.port),
                1 => format!("icmp/{}", e.port),
                58 => format!("icmpv6/{}", e.port),
                n => format!("ip/{n}"),
            };
            e.service = match names.get(&item) {
                Some(n) => format!("{n} ({item})"),
                None => item,
            };
        }
    }
}

/// The catalogue entries that are one item (`tcp/502` -> `modbus`), the first by name.
fn catalogue_names() -> BTreeMap<String, &'static str> {
    let mut out = BTreeMap::new();
    for b in crate::model::services::CATALOGUE {
        if let [item] = b.parsed_items()[..] {
            out.entry(item.to_string()).or_insert(b.name);
        }
    }
    out
}

/// A flow never observed: a candidate for removal (SR 5.1, least functionality).
#[derive(Debug, Clone, Serialize)]
pub struct Unobserved {
    pub conduit: String,
    pub flow: String,
    pub location: String,
}

/// What a log shows against the policy.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub version: u32,
    pub connections: u64,
    pub allowed: u64,
    pub within_zone: u64,
    pub denied: u64,
    /// Denied connections, per (source zone, destination zone).
    pub denied_groups: Vec<Group>,
    /// Connections with an address in no zone.
    pub no_zone: Group,
    pub unobserved: Vec<Unobserved>,
    pub max_entries: usize,
}

/// The zone of an address, by binary search over the zones' intervals (zones do not overlap).
pub struct ZoneIndex {
    /// (family, low, high, zone), sorted by family and low.
    zones: Vec<(Family, u128, u128, ZoneId)>,
}

impl ZoneIndex {
    pub fn new(model: &Model) -> ZoneIndex {
        let mut zones = Vec::new();
        for (i, z) in model.zones.iter().enumerate() {
            for &(lo, hi) in &z.addrs.v4 {
                zones.push((Family::V4, lo as u128, hi as u128, ZoneId(i)));
            }
            for &(lo, hi) in &z.addrs.v6 {
                zones.push((Family::V6, lo, hi, ZoneId(i)));
            }
        }
        zones.sort();
        ZoneIndex { zones }
    }

    pub fn zone_of(&self, ip: IpAddr) -> Option<ZoneId> {
        let fam = Family::of(ip);
        let x = ip_to_u128(ip);
        let i = self
            .zones
            .partition_point(|&(f, lo, _, _)| (f, lo) <= (fam, x));
        let &(f, lo, hi, z) = self.zones.get(i.checked_sub(1)?)?;
        (f == fam && lo <= x && x <= hi).then_some(z)
    }
}

/// Classifies connections one at a time; [`Checker::finish`] gives the summary.
pub struct Checker<'a> {
    model: &'a Model,
    zones: ZoneIndex,
    flows: BTreeMap<(ZoneId, ZoneId), Vec<FlowId>>,
    observed: Vec<bool>,
    own: Vec<(crate::model::AddrSet, Vec<usize>)>,
    /// Every device's own addresses: a connection to one is filtered by the device itself.
    all_own: crate::model::AddrSet,
    max: usize,
    connections: u64,
    allowed: u64,
    within: u64,
    denied: BTreeMap<(ZoneId, ZoneId), Group>,
    no_zone: Group,
}

impl<'a> Checker<'a> {
    pub fn new(model: &'a Model, max_entries: usize) -> Checker<'a> {
        let zones = ZoneIndex::new(model);
        let mut flows: BTreeMap<(ZoneId, ZoneId), Vec<FlowId>> = BTreeMap::new();
        for id in model.flow_ids() {
            let f = model.flow(id);
            flows.entry((f.src.zone, f.dst.zone)).or_default().push(id);
        }
        // Device-level flows, by device: its own addresses and the flows' indexes.
        let mut own = Vec::new();
        for (di, d) in model.devices.iter().enumerate() {
            let ids: Vec<usize> = model
                .self_flows
                .iter()
                .enumerate()
                .filter(|(_, f)| f.device.0 == di)
                .map(|(i, _)| i)
                .collect();
            if !ids.is_empty() {
                own.push((d.own_addrs(), ids));
            }
        }
        let all_own = crate::model::AddrSet::union_all(
            model
                .devices
                .iter()
                .map(|d| d.own_addrs())
                .collect::<Vec<_>>()
                .iter(),
        );
        Checker {
            model,
            all_own,
            zones,
            flows,
            observed: vec![false; model.flows.len()],
            own,
            max: max_entries,
            connections: 0,
            allowed: 0,
            within: 0,
            denied: BTreeMap::new(),
            no_zone: Group::default(),
        }
    }

    fn allowed_by_self_flow(&self, c: &Conn) -> bool {
        let p = c.packet();
        self.own.iter().any(|(addrs, ids)| {
            ids.iter().any(|&i| {
                let f = &self.model.self_flows[i];
                let peer = self.model.endpoint_addrs(f.peer);
                let (s, d) = match f.direction {
                    SelfDirection::ToDevice => (peer, addrs),
                    SelfDirection::FromDevice => (addrs, peer),
                };
                s.contains(c.src)
                    && d.contains(c.dst)
                    && f.services
                        .iter()
                        .any(|sv| self.model.service(*sv).items.iter().any(|it| p.matches(it)))
            })
        })
    }

    pub fn add(&mut self, c: Conn) {
        self.connections += 1;
        let (Some(zs), Some(zd)) = (self.zones.zone_of(c.src), self.zones.zone_of(c.dst)) else {
            self.no_zone.add(&c, self.max);
            return;
        };
        if zs == zd && !self.all_own.contains(c.dst) && !self.all_own.contains(c.src) {
            self.within += 1;
            return;
        }
        let p = c.packet();
        let mut hit = false;
        if let Some(ids) = self.flows.get(&(zs, zd)) {
            for &id in ids {
                let f = self.model.flow(id);
                if self.model.endpoint_addrs(f.src).contains(c.src)
                    && self.model.endpoint_addrs(f.dst).contains(c.dst)
                    && f.services
                        .iter()
                        .any(|s| self.model.service(*s).items.iter().any(|it| p.matches(it)))
                {
                    self.observed[id.0] = true;
                    hit = true;
                }
            }
        }
        if hit || self.allowed_by_self_flow(&c) {
            self.allowed += 1;
            return;
        }
        let g = self.denied.entry((zs, zd)).or_insert_with(|| Group {
            src_zone: Some(self.model.zone(zs).name.clone()),
            dst_zone: Some(self.model.zone(zd).name.clone()),
            ..Group::default()
        });
        g.add(&c, self.max);
    }

    pub fn finish(self) -> Summary {
        let m = self.model;
        let unobserved = m
            .flow_ids()
            .filter(|id| !self.observed[id.0])
            .map(|id| Unobserved {
                conduit: m.conduit(m.flow(id).conduit).name.clone(),
                flow: m.flow_label(id),
                location: m.sources.location(m.spans.flow(id)),
            })
            .collect();
        let names = catalogue_names();
        let mut denied_groups: Vec<Group> = self.denied.into_values().collect();
        for g in &mut denied_groups {
            g.name_services(&names);
        }
        let mut no_zone = self.no_zone;
        no_zone.name_services(&names);
        Summary {
            version: 1,
            connections: self.connections,
            allowed: self.allowed,
            within_zone: self.within,
            denied: denied_groups.iter().map(|g| g.connections).sum(),
            denied_groups,
            no_zone,
            unobserved,
            max_entries: self.max,
        }
    }
}
