//! FR 5 (Restricted Data Flow) assessment per zone and conduit: for every requirement of the
//! SR-to-SL table, whether it applies at the SL-T(RDF), and whether the policy and the generated
//! controls meet it, do not meet it, or cannot show it (physical facts, device failure
//! behaviour). Each verdict carries its evidence as sentences for the auditor.
//!
//! Two sources of evidence, in this order:
//! 1. what the Model and the Ir show (addresses, boundary devices, which device enforces which
//!    flow, which services cross, what each target generates);
//! 2. lint findings of the rules the table maps to the requirement, attributed to the zone or
//!    conduit they are about (the finding's subject: a zone, conduit, flow or device, set where
//!    it is raised): an unsuppressed error makes the row "not met", a suppressed one too (an
//!    exception accepts a risk; it does not meet the requirement), a warning is listed as
//!    evidence only.
//!
//! Other FRs are never guessed: the SL table says "not assessed" for them.

use super::sltable::{Requirement, SlTable, Sr};
use super::{fr_title, fr_upper};
use crate::diagnostic::{Diagnostic, Severity, Subject};
use crate::model::{
    ConduitId, Device, DeviceId, DeviceKind, FlowId, Fr, Model, PortMode, Scope, ZoneId,
};
use crate::plan::Ir;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Met,
    NotMet,
    NotAssessable,
    NotApplicable,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not met",
            Status::NotAssessable => "not assessable",
            Status::NotApplicable => "not applicable",
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Row {
    pub id: String,
    pub title: String,
    /// Required at the SL-T(RDF) of the zone or conduit, by the SL table.
    pub required: bool,
    pub status: Status,
    pub status_label: &'static str,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Assessment {
    /// `zone` or `conduit`.
    pub kind: &'static str,
    pub name: String,
    pub sl_rdf: u8,
    /// Where the SL-T(RDF) comes from when it is not declared.
    pub sl_note: Option<String>,
    #[serde(serialize_with = "super::json::one_line_each")]
    pub rows: Vec<Row>,
}

/// SL-T against achieved capability for one zone or conduit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SlRow {
    pub kind: &'static str,
    pub name: String,
    /// The SL-T vector `3/3/3/2/3/2/3`, or `not declared` (a conduit without SL-T).
    pub target: String,
    #[serde(serialize_with = "super::json::one_line_each")]
    pub frs: Vec<SlFr>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SlFr {
    pub fr: &'static str,
    pub title: &'static str,
    pub target: u8,
    pub assessed: bool,
    /// Highest SL whose FR 5 requirements are all met (or not applicable).
    pub achieved: Option<u8>,
    /// Highest SL reachable if every not-assessable requirement holds.
    pub achievable: Option<u8>,
    /// `2`, `1 (up to 3)`, `not assessed`.
    pub achieved_text: String,
    pub verdict: String,
}

/// Facts about a zone that several requirements use.
struct ZoneFacts {
    /// Layer-3 enforcement devices with an interface in the zone.
    bnd: Vec<DeviceId>,
    /// Flows to or from the zone (between zones).
    flows: Vec<FlowId>,
    /// Evidence lines for those flows without enforcement.
    missing: Vec<String>,
}

/// Facts about a conduit that several requirements use.
struct ConduitFacts {
    missing: Vec<String>,
    /// Devices enforcing some flow of the conduit.
    devs: Vec<DeviceId>,
}

pub struct Context<'a> {
    model: &'a Model,
    table: &'a SlTable,
    diags: &'a [Diagnostic],
    widenings: &'a [Diagnostic],
    /// Devices enforcing each flow, from the Ir, by flow index (sorted; empty for a flow no
    /// device enforces).
    by_flow: Vec<Vec<DeviceId>>,
    unenforced: BTreeSet<FlowId>,
    unroutable: BTreeSet<FlowId>,
    locations: bool,
    /// Flows with exactly one end in each zone (`touching`), in flow order.
    touching: Vec<Vec<FlowId>>,
}

/// SL-T(RDF) of a conduit: declared, or the highest of its zones.
pub fn conduit_rdf(model: &Model, c: ConduitId) -> u8 {
    let cd = model.conduit(c);
    match &cd.sl {
        Some(sl) => sl.get(Fr::Rdf),
        None => cd
            .zones
            .iter()
            .map(|z| model.zone(*z).sl.get(Fr::Rdf))
            .max()
            .unwrap_or(0),
    }
}

fn join(v: impl IntoIterator<Item = String>) -> String {
    let v: Vec<String> = v.into_iter().collect();
    v.join(", ")
}

fn targets_of(d: &Device) -> String {
    join(d.targets.iter().map(|t| t.name().to_string()))
}

impl<'a> Context<'a> {
    pub fn new(
        model: &'a Model,
        ir: &'a Ir,
        diags: &'a [Diagnostic],
        widenings: &'a [Diagnostic],
        table: &'a SlTable,
        locations: bool,
    ) -> Self {
        let mut by_flow: Vec<Vec<DeviceId>> = vec![Vec::new(); model.flows.len()];
        for d in &ir.devices {
            for p in &d.pairs {
                for r in &p.rules {
                    if let Some(devs) = r.flow.flow().and_then(|f| by_flow.get_mut(f.0)) {
                        if devs.last() != Some(&d.device) {
                            devs.push(d.device);
                        }
                    }
                }
            }
        }
        for devs in &mut by_flow {
            devs.sort_unstable();
            devs.dedup();
        }
        let mut touching = vec![Vec::new(); model.zones.len()];
        for f in model.flow_ids() {
            let fl = model.flow(f);
            if fl.src.zone != fl.dst.zone {
                for z in [fl.src.zone, fl.dst.zone] {
                    if let Some(v) = touching.get_mut(z.0) {
                        v.push(f);
                    }
                }
            }
        }
        Context {
            model,
            table,
            diags,
            widenings,
            by_flow,
            unenforced: ir.unenforced.iter().copied().collect(),
            unroutable: ir.unroutable.iter().copied().collect(),
            locations,
            touching,
        }
    }

    /// What a finding is about, as its subject says; a finding about an exception is about
    /// the statement the exception is written on.
    fn subject(&self, d: &Diagnostic) -> Option<Subject> {
        subject_of(self.model, d)
    }

    /// Findings about a zone: about the zone, a flow to or from it, a conduit connecting it, or
    /// a device attached to it.
    fn findings_for_zone(&self, z: ZoneId) -> Vec<&'a Diagnostic> {
        self.diags
            .iter()
            .filter(|d| match self.subject(d) {
                Some(Subject::Flow(f)) => {
                    let f = self.model.flow(f);
                    f.src.zone == z || f.dst.zone == z
                }
                Some(Subject::SelfFlow(f)) => {
                    let f = self.model.self_flow(f);
                    f.peer.zone == z || self.device_zones(f.device).contains(&z)
                }
                Some(Subject::Zone(o)) => o == z,
                Some(Subject::Conduit(c)) => self.model.conduit(c).zones.contains(&z),
                Some(Subject::Device(dv)) => self.device_zones(dv).contains(&z),
                _ => false,
            })
            .collect()
    }

    /// Findings about a conduit: about the conduit or one of its flows.
    fn findings_for_conduit(&self, c: ConduitId) -> Vec<&'a Diagnostic> {
        self.diags
            .iter()
            .filter(|d| match self.subject(d) {
                Some(Subject::Flow(f)) => self.model.flow(f).conduit == c,
                Some(Subject::Conduit(o)) => o == c,
                _ => false,
            })
            .collect()
    }

    fn device_zones(&self, d: DeviceId) -> BTreeSet<ZoneId> {
        device_zones_of(self.model, d)
    }

    pub fn assess_all(&self) -> Vec<Assessment> {
        let mut out = Vec::new();
        for z in super::purdue_order(self.model) {
            out.push(self.assess_zone(z));
        }
        for ci in 0..self.model.conduits.len() {
            out.push(self.assess_conduit(ConduitId(ci)));
        }
        out
    }

    fn assess_zone(&self, z: ZoneId) -> Assessment {
        let zone = self.model.zone(z);
        let rdf = zone.sl.get(Fr::Rdf);
        let findings = self.findings_for_zone(z);
        // What every requirement looks at, computed once per zone rather than per requirement.
        let facts = {
            let flows = self.touching(z);
            ZoneFacts {
                bnd: self.boundary(z),
                missing: self.flows_not_enforced(&flows),
                flows,
            }
        };
        let rows = self
            .table
            .requirements
            .iter()
            .map(|r| {
                let (status, evidence) = self.zone_requirement(z, r.id, &facts);
                finish(
                    r,
                    rdf,
                    status,
                    evidence,
                    &findings,
                    self.model,
                    self.locations,
                )
            })
            .collect();
        Assessment {
            kind: "zone",
            name: zone.name.clone(),
            sl_rdf: rdf,
            sl_note: None,
            rows,
        }
    }

    fn assess_conduit(&self, c: ConduitId) -> Assessment {
        let cd = self.model.conduit(c);
        let rdf = conduit_rdf(self.model, c);
        let sl_note = cd
            .sl
            .is_none()
            .then(|| "no SL-T declared: the highest SL-T(RDF) of its zones".to_string());
        let findings = self.findings_for_conduit(c);
        let facts = {
            let flows = &self.model.conduit(c).flows;
            ConduitFacts {
                missing: self.flows_not_enforced(flows),
                devs: self.enforcing(flows),
            }
        };
        let rows = self
            .table
            .requirements
            .iter()
            .map(|r| {
                let (status, evidence) = self.conduit_requirement(c, r.id, &facts);
                finish(
                    r,
                    rdf,
                    status,
                    evidence,
                    &findings,
                    self.model,
                    self.locations,
                )
            })
            .collect();
        Assessment {
            kind: "conduit",
            name: cd.name.clone(),
            sl_rdf: rdf,
            sl_note,
            rows,
        }
    }

    /// Layer-3 enforcement devices with an interface in the zone.
    fn boundary(&self, z: ZoneId) -> Vec<DeviceId> {
        (0..self.model.devices.len())
            .map(DeviceId)
            .filter(|d| self.model.device(*d).interfaces.iter().any(|i| i.zone == z))
            .collect()
    }

    fn boundary_text(&self, z: ZoneId, devs: &[DeviceId]) -> String {
        join(devs.iter().map(|d| {
            let dev = self.model.device(*d);
            let ifs = join(
                dev.interfaces
                    .iter()
                    .filter(|i| i.zone == z)
                    .map(|i| i.name.clone()),
            );
            format!("{} ({})", dev.name, ifs)
        }))
    }

    /// The devices enforcing flow `f`.
    fn devices_of(&self, f: FlowId) -> &[DeviceId] {
        self.by_flow.get(f.0).map_or(&[], Vec::as_slice)
    }

    fn touching(&self, z: ZoneId) -> Vec<FlowId> {
        self.touching.get(z.0).cloned().unwrap_or_default()
    }

    fn flows_not_enforced(&self, flows: &[FlowId]) -> Vec<String> {
        flows
            .iter()
            .filter(|f| {
                self.unenforced.contains(f)
                    || self.unroutable.contains(f)
                    || self.devices_of(**f).is_empty()
            })
            .map(|f| {
                let why = if self.unroutable.contains(f) {
                    "no path between its zones"
                } else {
                    "no enforcement device on its path"
                };
                format!("`{}`: {why}", self.model.flow_label(*f))
            })
            .collect()
    }

    fn enforcing(&self, flows: &[FlowId]) -> Vec<DeviceId> {
        let set: BTreeSet<DeviceId> = flows
            .iter()
            .flat_map(|f| self.devices_of(*f))
            .copied()
            .collect();
        set.into_iter().collect()
    }

    fn deny_by_default(&self, devs: &[DeviceId]) -> (Status, Vec<String>) {
        let mut ev = vec![format!(
            "deny by default: generated on {}",
            join(devs.iter().map(|d| {
                let dev = self.model.device(*d);
                format!("{} ({})", dev.name, targets_of(dev))
            }))
        )];
        let stateless: Vec<String> = devs
            .iter()
            .map(|d| self.model.device(*d))
            .filter(|d| !d.stateful())
            .map(|d| d.name.clone())
            .collect();
        let inspecting: Vec<String> = devs
            .iter()
            .map(|d| self.model.device(*d))
            .filter(|d| d.inspect)
            .map(|d| d.name.clone())
            .collect();
        if !inspecting.is_empty() {
            ev.push(format!(
                "connection state enforced by the router on {} (zone-based policy firewall, `inspect`: TCP, UDP and ICMP inspected, other protocols passed both ways by rules of their own)",
                join(inspecting)
            ));
        }
        if !stateless.is_empty() {
            let n = self.widenings.len();
            let seen = if n == 0 {
                "no widening reported".to_string()
            } else {
                format!("{n} group(s) of widenings in this build, see Widenings")
            };
            ev.push(format!(
                "stateless return rules on {} ({seen})",
                join(stateless)
            ));
        }
        (Status::Met, ev)
    }

    fn island(&self, devs: &[DeviceId]) -> (Status, Vec<String>) {
        // Credited per generated configuration: a device is islandable when every target it is
        // generated for ships an island control (see `Target::island_control`).
        let (with, without): (Vec<DeviceId>, Vec<DeviceId>) = devs.iter().partition(|d| {
            self.model
                .device(**d)
                .targets
                .iter()
                .all(|t| self.model.device(**d).island_control(*t).is_some())
        });
        let mut ev = Vec::new();
        if !with.is_empty() {
            ev.push(format!(
                "island mode generated on {} (adding an interface cuts its link, live sessions included)",
                join(with.iter().map(|d| {
                    let dev = self.model.device(*d);
                    let how: Vec<&str> = dev.targets.iter().filter_map(|t| dev.island_control(*t)).collect();
                    format!("{}: {}", dev.name, how.join("; "))
                }))
            ));
        }
        if !without.is_empty() {
            ev.push(format!(
                "no island-mode control generated on {}",
                join(without.iter().map(|d| {
                    let dev = self.model.device(*d);
                    format!("{} ({})", dev.name, targets_of(dev))
                }))
            ));
        }
        (
            if without.is_empty() {
                Status::Met
            } else {
                Status::NotMet
            },
            ev,
        )
    }

    fn fail_close(&self, devs: &[DeviceId]) -> (Status, Vec<String>) {
        let mut ev: Vec<String> = devs
            .iter()
            .map(|d| {
                let dev = self.model.device(*d);
                let how: Vec<&str> = dev
                    .targets
                    .iter()
                    .filter_map(|t| crate::dialect::replacement(*t))
                    .collect();
                format!("{}: {}", dev.name, how.join("; "))
            })
            .collect();
        ev.push("the generated configurations fail closed while loading; how the devices behave when they fail is not described by the policy".into());
        (Status::NotAssessable, ev)
    }

    fn zone_requirement(&self, z: ZoneId, id: Sr, facts: &ZoneFacts) -> (Status, Vec<String>) {
        let m = self.model;
        let zone = m.zone(z);
        let ZoneFacts {
            bnd,
            flows,
            missing,
        } = facts;
        let control = zone.level.is_control();
        match id {
            Sr::Sr5_1 => {
                let mut ev = vec![format!(
                    "own address space {}{}, disjoint from every other zone",
                    join(zone.networks.iter().map(|n| n.to_string())),
                    zone.vlan
                        .map(|v| format!(" and VLAN {v}"))
                        .unwrap_or_default()
                )];
                if !missing.is_empty() {
                    ev.extend(missing.iter().cloned());
                    return (Status::NotMet, ev);
                }
                if bnd.is_empty() {
                    if flows.is_empty() {
                        ev.push("no flow enters or leaves the zone".into());
                        return (Status::Met, ev);
                    }
                    return (Status::NotMet, ev);
                }
                ev.push(format!(
                    "separated from other zones by {}",
                    self.boundary_text(z, bnd)
                ));
                (Status::Met, ev)
            }
            Sr::Sr5_1Re1 => {
                let mut ev = vec!["the policy does not describe cabling or hardware".to_string()];
                for (di, dev) in m.devices.iter().enumerate() {
                    let zs = self.device_zones(DeviceId(di));
                    if dev.kind == DeviceKind::Switch && zs.contains(&z) && zs.len() > 1 {
                        let others = join(
                            zs.iter()
                                .filter(|o| **o != z)
                                .map(|o| m.zone(*o).name.clone()),
                        );
                        ev.push(format!(
                            "switch {} also carries {} (VLAN separation is logical only)",
                            dev.name, others
                        ));
                    }
                }
                (Status::NotAssessable, ev)
            }
            Sr::Sr5_1Re2 => {
                if !control {
                    return (
                        Status::NotApplicable,
                        vec![format!(
                            "level {} zone, not a control-system network",
                            zone.level
                        )],
                    );
                }
                let mut bad = Vec::new();
                for c in &zone.conduits {
                    for o in &m.conduit(*c).zones {
                        if m.zone(*o).level.is_it() {
                            bad.push(format!(
                                "conduit {} connects it directly to level {} zone {}",
                                m.conduit(*c).name,
                                m.zone(*o).level,
                                m.zone(*o).name
                            ));
                        }
                    }
                }
                for f in flows {
                    let fl = m.flow(*f);
                    let other = if fl.src.zone == z {
                        fl.dst.zone
                    } else {
                        fl.src.zone
                    };
                    if m.zone(other).level.is_it()
                        && fl
                            .services
                            .iter()
                            .any(|s| m.service(*s).flags.infrastructure)
                    {
                        bad.push(format!(
                            "depends on a network service in an IT zone: `{}`",
                            m.flow_label(*f)
                        ));
                    }
                }
                if bad.is_empty() {
                    (Status::Met, vec!["no conduit to a level 4/5 zone; no network service (dns, ntp, directory, syslog) from one".into()])
                } else {
                    (Status::NotMet, bad)
                }
            }
            Sr::Sr5_1Re3 => {
                let mut ev = vec!["physical isolation is not described by the policy".to_string()];
                if zone.safety {
                    let inbound = flows.iter().filter(|f| m.flow(**f).dst.zone == z).count();
                    ev.push(format!(
                        "safety zone; {inbound} flow(s) into it from other zones"
                    ));
                }
                (Status::NotAssessable, ev)
            }
            Sr::Sr5_2 => {
                if !missing.is_empty() {
                    return (Status::NotMet, missing.clone());
                }
                if bnd.is_empty() {
                    return (
                        Status::NotAssessable,
                        vec!["no enforcement device in the policy attaches to the zone".into()],
                    );
                }
                let n = flows.len();
                (
                    Status::Met,
                    vec![format!(
                        "boundary controlled by {}; {n} flow(s) cross it, each enforced on a device on its path",
                        self.boundary_text(z, bnd)
                    )],
                )
            }
            Sr::Sr5_2Re1 => {
                if bnd.is_empty() {
                    return (
                        Status::NotAssessable,
                        vec!["no enforcement device in the policy attaches to the zone".into()],
                    );
                }
                self.deny_by_default(bnd)
            }
            Sr::Sr5_2Re2 => {
                if bnd.is_empty() {
                    return (
                        Status::NotAssessable,
                        vec!["no enforcement device in the policy attaches to the zone".into()],
                    );
                }
                self.island(bnd)
            }
            Sr::Sr5_2Re3 => self.fail_close(bnd),
            Sr::Sr5_3 | Sr::Sr5_3Re1 => {
                if !control {
                    return (
                        Status::NotApplicable,
                        vec![format!(
                            "level {} zone, not a control-system network",
                            zone.level
                        )],
                    );
                }
                let both = id == Sr::Sr5_3Re1;
                let bad: Vec<String> = flows
                    .iter()
                    .filter(|f| {
                        let fl = m.flow(**f);
                        let inbound = fl.dst.zone == z;
                        fl.services.iter().any(|s| {
                            let fl = m.service(*s).flags;
                            (inbound && fl.messaging)
                                || (both && !inbound && (fl.messaging || fl.web))
                        })
                    })
                    .map(|f| {
                        format!(
                            "person-to-person or web service allowed: `{}`",
                            m.flow_label(*f)
                        )
                    })
                    .collect();
                if bad.is_empty() {
                    let what = if both {
                        "no e-mail, chat or web-browsing service is allowed into or out of the zone"
                    } else {
                        "no e-mail or chat service is allowed into the zone"
                    };
                    (Status::Met, vec![what.into()])
                } else {
                    (Status::NotMet, bad)
                }
            }
            Sr::Sr5_4 => {
                if zone.assets.is_empty() {
                    return (Status::NotAssessable, vec!["no assets declared: the partitioning of applications is not documented".into()]);
                }
                let inbound: Vec<&FlowId> =
                    flows.iter().filter(|f| m.flow(**f).dst.zone == z).collect();
                let to_asset = inbound
                    .iter()
                    .filter(|f| m.flow(***f).dst.asset.is_some())
                    .count();
                (
                    Status::Met,
                    vec![format!(
                        "{} asset(s) placed at level {} ({}); {to_asset} of {} inbound flow(s) name an asset",
                        zone.assets.len(),
                        zone.level,
                        super::level_name(zone.level),
                        inbound.len()
                    )],
                )
            }
        }
    }

    fn conduit_requirement(
        &self,
        c: ConduitId,
        id: Sr,
        facts: &ConduitFacts,
    ) -> (Status, Vec<String>) {
        let m = self.model;
        let cd = m.conduit(c);
        let flows = &cd.flows;
        let ConduitFacts { missing, devs } = facts;
        let zones_text = join(cd.zones.iter().map(|z| m.zone(*z).name.clone()));
        let control_zone = |z: &ZoneId| m.zone(*z).level.is_control();
        match id {
            Sr::Sr5_1 => {
                if !missing.is_empty() {
                    return (Status::NotMet, missing.clone());
                }
                if devs.is_empty() {
                    return (
                        Status::Met,
                        vec![format!("connects {zones_text}; allows no flow")],
                    );
                }
                (
                    Status::Met,
                    vec![format!(
                        "connects {zones_text}, separate address spaces, through {}",
                        join(devs.iter().map(|d| m.device(*d).name.clone()))
                    )],
                )
            }
            Sr::Sr5_1Re1 | Sr::Sr5_1Re3 => (
                Status::NotAssessable,
                vec!["physical separation is not described by the policy".into()],
            ),
            Sr::Sr5_1Re2 => {
                let it: Vec<&ZoneId> = cd
                    .zones
                    .iter()
                    .filter(|z| m.zone(**z).level.is_it())
                    .collect();
                let ctl: Vec<&ZoneId> = cd.zones.iter().filter(|z| control_zone(z)).collect();
                if !it.is_empty() && !ctl.is_empty() {
                    return (
                        Status::NotMet,
                        vec![format!(
                            "joins control-system zone(s) {} directly to level 4/5 zone(s) {}",
                            join(ctl.iter().map(|z| m.zone(**z).name.clone())),
                            join(it.iter().map(|z| m.zone(**z).name.clone()))
                        )],
                    );
                }
                (
                    Status::Met,
                    vec![
                        "does not join a control-system zone (level 0-3) to a level 4/5 zone"
                            .into(),
                    ],
                )
            }
            Sr::Sr5_2 => {
                if !missing.is_empty() {
                    return (Status::NotMet, missing.clone());
                }
                if flows.is_empty() {
                    return (Status::Met, vec!["allows no flow".into()]);
                }
                let places = join(self.enforcement_places(c));
                (
                    Status::Met,
                    vec![format!(
                        "each of {} flow(s) enforced on {places}",
                        flows.len()
                    )],
                )
            }
            Sr::Sr5_2Re1 => {
                if devs.is_empty() {
                    return if flows.is_empty() {
                        (
                            Status::NotAssessable,
                            vec!["allows no flow and no device enforces it".into()],
                        )
                    } else {
                        (Status::NotMet, missing.clone())
                    };
                }
                self.deny_by_default(devs)
            }
            Sr::Sr5_2Re2 => {
                if devs.is_empty() {
                    return (
                        Status::NotAssessable,
                        vec!["no device enforces this conduit".into()],
                    );
                }
                self.island(devs)
            }
            Sr::Sr5_2Re3 => self.fail_close(devs),
            Sr::Sr5_3 | Sr::Sr5_3Re1 => {
                let both = id == Sr::Sr5_3Re1;
                let bad: Vec<String> = flows
                    .iter()
                    .filter(|f| {
                        let fl = m.flow(**f);
                        let into = control_zone(&fl.dst.zone);
                        let out_of = control_zone(&fl.src.zone);
                        fl.services.iter().any(|s| {
                            let g = m.service(*s).flags;
                            (into && g.messaging) || (both && out_of && (g.messaging || g.web))
                        })
                    })
                    .map(|f| {
                        format!(
                            "person-to-person or web service allowed: `{}`",
                            m.flow_label(*f)
                        )
                    })
                    .collect();
                if bad.is_empty() {
                    let what = if both {
                        "carries no e-mail, chat or web-browsing service into or out of a control-system zone"
                    } else {
                        "carries no e-mail or chat service into a control-system zone"
                    };
                    (Status::Met, vec![what.into()])
                } else {
                    (Status::NotMet, bad)
                }
            }
            Sr::Sr5_4 => (Status::NotApplicable, vec!["assessed per zone".into()]),
        }
    }

    fn enforcement_places(&self, c: ConduitId) -> Vec<String> {
        let devs: BTreeSet<DeviceId> = (self.model.conduit(c).flows.iter())
            .flat_map(|f| self.devices_of(*f))
            .copied()
            .collect();
        let mut names: Vec<String> = devs
            .into_iter()
            .map(|d| self.model.device(d).name.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// SL-T against achieved FR 5 capability, per zone then conduit.
    pub fn sl_rows(&self, assessments: &[Assessment]) -> Vec<SlRow> {
        let m = self.model;
        let mut out = Vec::new();
        for a in assessments {
            let target = match a.kind {
                "zone" => m.zone_id(&a.name).map(|z| m.zone(z).sl),
                _ => m.conduit_id(&a.name).and_then(|c| m.conduit(c).sl),
            };
            let frs = Fr::ALL
                .iter()
                .map(|fr| {
                    let t = match (&target, fr) {
                        (Some(sl), _) => sl.get(*fr),
                        (None, Fr::Rdf) => a.sl_rdf,
                        (None, _) => 0,
                    };
                    if *fr != Fr::Rdf {
                        return SlFr {
                            fr: fr_upper(*fr),
                            title: fr_title(*fr),
                            target: t,
                            assessed: false,
                            achieved: None,
                            achievable: None,
                            achieved_text: "not assessed".into(),
                            verdict: "not assessed".into(),
                        };
                    }
                    let achieved = self.capability(a, false);
                    let achievable = self.capability(a, true);
                    let achieved_text = if achievable > achieved {
                        format!("{achieved} (up to {achievable})")
                    } else {
                        achieved.to_string()
                    };
                    let verdict = if achieved >= t {
                        "meets SL-T".to_string()
                    } else if achievable >= t {
                        let open = self.blocking(a, t, Status::NotAssessable);
                        format!(
                            "meets SL-T only if {} (not assessable from the policy) are met",
                            join(open)
                        )
                    } else {
                        let open = self.blocking(a, t, Status::NotMet);
                        format!("below SL-T: {} not met", join(open))
                    };
                    SlFr {
                        fr: fr_upper(*fr),
                        title: fr_title(*fr),
                        target: t,
                        assessed: true,
                        achieved: Some(achieved),
                        achievable: Some(achievable),
                        achieved_text,
                        verdict,
                    }
                })
                .collect();
            let target = target
                .map(|t| super::SlView::of(&t).short)
                .unwrap_or_else(|| "not declared".into());
            out.push(SlRow {
                kind: a.kind,
                name: a.name.clone(),
                target,
                frs,
            });
        }
        out
    }

    /// Highest SL n such that every requirement applying at 1..=n is met (or not applicable;
    /// with `optimistic`, not assessable too).
    fn capability(&self, a: &Assessment, optimistic: bool) -> u8 {
        let ok = |s: Status| {
            matches!(s, Status::Met | Status::NotApplicable)
                || (optimistic && s == Status::NotAssessable)
        };
        let mut level = 0;
        for n in 1..=4u8 {
            let all = self
                .table
                .requirements
                .iter()
                .zip(&a.rows)
                .filter(|(r, _)| r.applies_at(n))
                .all(|(_, row)| ok(row.status));
            if !all {
                break;
            }
            level = n;
        }
        level
    }

    /// IDs of requirements applying at or below `target` with the given status.
    fn blocking(&self, a: &Assessment, target: u8, status: Status) -> Vec<String> {
        self.table
            .requirements
            .iter()
            .zip(&a.rows)
            .filter(|(r, row)| (1..=target).any(|n| r.applies_at(n)) && row.status == status)
            .map(|(r, _)| r.id.to_string())
            .collect()
    }
}

/// Applies the findings of the requirement's rules and fills in the row.
fn finish(
    r: &Requirement,
    rdf: u8,
    mut status: Status,
    mut evidence: Vec<String>,
    findings: &[&Diagnostic],
    model: &Model,
    locations: bool,
) -> Row {
    for d in findings
        .iter()
        .filter(|d| r.rules.iter().any(|x| x == &d.code))
    {
        let loc = d
            .span
            .filter(|_| locations)
            .map(|s| format!(" at {}", model.sources.location(s)))
            .unwrap_or_default();
        match (&d.suppressed, d.severity) {
            (Some(s), sev) => {
                if sev == Severity::Error {
                    status = Status::NotMet;
                }
                evidence.push(format!(
                    "{} {}{loc}: {} (accepted by exception: {}{})",
                    d.severity.as_str(),
                    d.code,
                    d.message,
                    s.justification,
                    s.until
                        .as_ref()
                        .map(|u| format!(", until {u}"))
                        .unwrap_or_default()
                ));
            }
            (None, Severity::Error) => {
                status = Status::NotMet;
                evidence.push(format!("error {}{loc}: {}", d.code, d.message));
            }
            (None, sev) => {
                evidence.push(format!("{} {}{loc}: {}", sev.as_str(), d.code, d.message))
            }
        }
    }
    Row {
        id: r.id.to_string(),
        title: r.title.clone(),
        required: r.applies_at(rdf),
        status,
        status_label: status.label(),
        evidence,
    }
}

/// What a finding is about, as its subject says; a finding about an exception is about
/// the statement the exception is written on.
fn subject_of(model: &Model, d: &Diagnostic) -> Option<Subject> {
    match d.subject? {
        Subject::Exception(e) => match model.exceptions.get(e.0)?.scope {
            Scope::Zone(z) => Some(Subject::Zone(z)),
            Scope::Conduit(c) => Some(Subject::Conduit(c)),
            Scope::Flow(f) => Some(Subject::Flow(f)),
            Scope::SelfFlow(f) => Some(Subject::SelfFlow(f)),
            Scope::Policy => None,
        },
        s => Some(s),
    }
}

fn device_zones_of(model: &Model, d: DeviceId) -> BTreeSet<ZoneId> {
    let dev = model.device(d);
    let mut out: BTreeSet<ZoneId> = dev.interfaces.iter().map(|i| i.zone).collect();
    for p in &dev.ports {
        match &p.mode {
            PortMode::Access { zone } => {
                out.insert(*zone);
            }
            PortMode::Trunk { zones } => out.extend(zones.iter().copied()),
        }
    }
    out
}

/// The zones and conduits a finding counts for: the inverse of
/// [`Self::findings_for_zone`] and [`Self::findings_for_conduit`].
fn scope_of(m: &Model, d: &Diagnostic) -> (BTreeSet<ZoneId>, BTreeSet<ConduitId>) {
    let mut zones = BTreeSet::new();
    let mut conduits = BTreeSet::new();
    match subject_of(m, d) {
        Some(Subject::Flow(f)) => {
            let f = m.flow(f);
            zones.extend([f.src.zone, f.dst.zone]);
            conduits.insert(f.conduit);
        }
        Some(Subject::SelfFlow(f)) => {
            let f = m.self_flow(f);
            zones.insert(f.peer.zone);
            zones.extend(device_zones_of(m, f.device));
        }
        Some(Subject::Zone(z)) => {
            zones.insert(z);
        }
        Some(Subject::Conduit(c)) => {
            zones.extend(m.conduit(c).zones.iter().copied());
            conduits.insert(c);
        }
        Some(Subject::Device(dv)) => zones.extend(device_zones_of(m, dv)),
        _ => {}
    }
    (zones, conduits)
}

/// [`scope_of`] as space-separated names, for the HTML report's selection.
pub(crate) fn finding_scope(model: &Model, d: &Diagnostic) -> super::FindingScope {
    let (zones, conduits) = scope_of(model, d);
    super::FindingScope {
        zones: zones
            .iter()
            .map(|z| model.zone(*z).name.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        conduits: conduits
            .iter()
            .map(|c| model.conduit(*c).name.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::{check_text, CheckOptions};
    use std::path::Path;

    const POLICY: &str = r#"policy "p" { owner "ot" }
zone office { level 3  sl-target 2  network 10.3.0.0/24 }
zone plant { level 2  sl-target 2  network 10.2.0.0/24  asset plc 10.2.0.10 }
zone lab { level 2  sl-target 2  network 10.9.0.0/24 }
conduit office-plant {
  connects office, plant
  allow office -> plant.plc tcp/443
}
conduit office-lab {
  connects office, lab
  allow office -> lab tcp/22
}
"#;

    /// The zones and conduits whose assessment lists `code` as evidence.
    fn filed_under(model: &Model, d: Diagnostic, code: &str) -> Vec<String> {
        let (ir, _) = crate::plan::model_to_ir(model);
        let table = SlTable::builtin().unwrap();
        let diags = [d];
        let cx = Context::new(model, &ir, &diags, &[], &table, false);
        cx.assess_all()
            .into_iter()
            .filter(|a| {
                a.rows
                    .iter()
                    .any(|r| r.evidence.iter().any(|e| e.contains(code)))
            })
            .map(|a| format!("{} {}", a.kind, a.name))
            .collect()
    }

    /// A finding is filed under what it is about, whatever its span points into: here the
    /// policy's name, as a finding of a target may point at the text it changed.
    #[test]
    fn findings_are_filed_by_their_subject_not_their_position() {
        let checked = check_text(
            "p.fence",
            Path::new("p.fence"),
            POLICY.to_string(),
            &CheckOptions::default(),
        );
        let m = checked.model.unwrap();
        let at = m.spans.policy().unwrap();
        let code = "FR5-003";
        let (plant, lab) = (m.zone_id("plant").unwrap(), m.zone_id("lab").unwrap());
        let about_zone = Diagnostic::warning(code, "about plant")
            .at(at, "")
            .about(Subject::Zone(plant));
        assert_eq!(filed_under(&m, about_zone, code), ["zone plant"]);
        let to_lab = m.flow_ids().find(|f| m.flow(*f).dst.zone == lab).unwrap();
        let about_flow = Diagnostic::warning(code, "about a flow")
            .at(at, "")
            .about(Subject::Flow(to_lab));
        assert_eq!(
            filed_under(&m, about_flow, code),
            ["zone office", "zone lab", "conduit office-lab"]
        );
        // Without a subject, a finding is about no zone or conduit, wherever it points.
        let flow_span = m.spans.flow(to_lab);
        let nothing = Diagnostic::warning(code, "about nothing").at(flow_span, "");
        assert!(filed_under(&m, nothing, code).is_empty());
    }
}
