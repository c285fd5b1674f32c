//! `traffic learn`: observed connections -> a draft policy. Each connection's ends become the
//! skeleton's assets (the smallest asset holding the address) or a new host asset named after
//! its address; its protocol and port the skeleton's or the catalogue's service naming exactly
//! that item, or the item inline. One flow per (initiator, responder, service), commented with
//! its count and first and last seen, one conduit per zone pair; printed through the import's
//! printer (the skeleton's text, new assets in their zones, `fmt`'s layout).

use super::check::ZoneIndex;
use super::Conn;
use crate::import::flows::{self, End, NewAssets};
use crate::model::{AddrSet, Model, ServiceItem, ZoneId};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// How often a flow was seen.
#[derive(Debug, Clone, Copy)]
struct Seen {
    count: u64,
    first: f64,
    last: f64,
}

/// Observed flows per zone pair: (initiator end, responder end, service) -> how often.
type PairFlows = BTreeMap<(End, End, String), Seen>;

/// Aggregates observed connections; [`Learner::draft`] prints the policy.
pub struct Learner<'a> {
    model: &'a Model,
    zones: ZoneIndex,
    new: NewAssets,
    flows: BTreeMap<(ZoneId, ZoneId), PairFlows>,
    entries: usize,
    max: usize,
    /// Connections past the limit of distinct flows, of no zone, and within one zone.
    pub dropped: u64,
    pub no_zone: u64,
    pub within: u64,
    pub connections: u64,
}

fn item_of(c: &Conn) -> ServiceItem {
    use crate::packet::PortRange;
    match c.proto {
        6 => ServiceItem::Tcp {
            ports: PortRange::one(c.port),
        },
        17 => ServiceItem::Udp {
            ports: PortRange::one(c.port),
        },
        1 => ServiceItem::Icmp {
            icmp_type: Some(c.port as u8),
        },
        58 => ServiceItem::Icmpv6 {
            icmp_type: Some(c.port as u8),
        },
        n => ServiceItem::Ip { number: n },
    }
}

impl<'a> Learner<'a> {
    pub fn new(model: &'a Model, max_entries: usize) -> Learner<'a> {
        Learner {
            model,
            zones: ZoneIndex::new(model),
            new: NewAssets::default(),
            flows: BTreeMap::new(),
            entries: 0,
            max: max_entries,
            dropped: 0,
            no_zone: 0,
            within: 0,
            connections: 0,
        }
    }

    /// The skeleton's declared service, else the catalogue entry, that is exactly this item;
    /// else the item.
    fn service(&self, item: &ServiceItem) -> String {
        let declared = self
            .model
            .services
            .iter()
            .find(|s| !s.builtin && !s.flags.one_way && s.items[..] == [*item]);
        if let Some(s) = declared {
            return s.name.clone();
        }
        crate::model::services::CATALOGUE
            .iter()
            .find(|b| b.parsed_items()[..] == [*item])
            .map(|b| b.name.to_string())
            .unwrap_or_else(|| item.to_string())
    }

    /// The end an address is: the smallest asset holding it, else a new host asset (only
    /// looked up, not added, when `lookup_only`: past the limit nothing new is stored).
    fn end(&mut self, zone: ZoneId, ip: IpAddr, lookup_only: bool) -> Option<End> {
        let z = self.model.zone(zone);
        let size = |a: &crate::model::Asset| {
            a.addrs
                .v4
                .iter()
                .map(|(l, h)| (h - l) as u128)
                .sum::<u128>()
                + a.addrs.v6.iter().map(|(l, h)| h - l).sum::<u128>()
        };
        let best = z
            .assets
            .iter()
            .filter(|a| a.addrs.contains(ip))
            .min_by_key(|a| (size(a), a.name.clone()));
        if let Some(a) = best {
            return Some(End::Asset(zone, a.name.clone()));
        }
        let mut set = AddrSet::new();
        set.add_range(ip, ip);
        if lookup_only {
            let name = self.new.by_zone.get(&zone)?.get(&set)?;
            return Some(End::Asset(zone, name.clone()));
        }
        Some(End::Asset(
            zone,
            flows::new_asset(self.model, zone, set, &mut self.new),
        ))
    }

    pub fn add(&mut self, c: Conn) {
        self.connections += 1;
        let (Some(zs), Some(zd)) = (self.zones.zone_of(c.src), self.zones.zone_of(c.dst)) else {
            self.no_zone += 1;
            return;
        };
        if zs == zd {
            self.within += 1;
            return;
        }
        let svc = self.service(&item_of(&c));
        let full = self.entries >= self.max;
        let (Some(a), Some(b)) = (self.end(zs, c.src, full), self.end(zd, c.dst, full)) else {
            self.dropped += 1;
            return;
        };
        let per = self.flows.entry((zs, zd)).or_default();
        match per.get_mut(&(a.clone(), b.clone(), svc.clone())) {
            Some(s) => {
                s.count += 1;
                s.first = s.first.min(c.ts);
                s.last = s.last.max(c.ts);
            }
            None if !full => {
                self.entries += 1;
                per.insert(
                    (a, b, svc),
                    Seen {
                        count: 1,
                        first: c.ts,
                        last: c.ts,
                    },
                );
            }
            None => self.dropped += 1,
        }
    }

    /// The draft: the skeleton `text` with the observed flows, in `fmt`'s layout.
    pub fn draft(
        self,
        text: &str,
        when: impl Fn(f64) -> String,
    ) -> Result<String, crate::import::ImportError> {
        let mut conduits: BTreeMap<(ZoneId, ZoneId), Vec<flows::Flow>> = BTreeMap::new();
        for ((zs, zd), per) in self.flows {
            let list = conduits.entry((zs.min(zd), zs.max(zd))).or_default();
            for ((a, b, svc), s) in per {
                list.push(flows::Flow {
                    src: a,
                    dst: b,
                    services: vec![svc],
                    lines: Default::default(),
                    note: Some(format!(
                        "observed {} times, first {}, last {}",
                        s.count,
                        when(s.first),
                        when(s.last)
                    )),
                });
            }
        }
        let raw = crate::import::print(
            self.model,
            text,
            &self.new,
            &conduits,
            "learned from observed traffic",
        )?;
        crate::import::format(&raw)
    }
}
