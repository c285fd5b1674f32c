//! The report's IEC 62443-3-2 assessment: per zone and conduit and per FR, the SL-T beside the
//! SL the zone's risks require, the declared capability (SL-C) of the devices that enforce it
//! and the achieved SL (SL-A) with the facts that back it; then the risk register with residual
//! risk, the SL-T rationale, and the approval block. Method: docs/report.md, "SL-T, SL-C, SL-A".
//!
//! fenceline proves facts about FR 5 only (the SR 5.x assessment of [`super::fr5`]: deny by
//! default generated, island mode, enforcement on every path). Every other FR is at best
//! *declared* (the SL-C of the products), never *met*; an FR nobody declared is *not assessed*.

use super::fr5::{Assessment as Fr5, SlRow};
use super::fr_upper;
use crate::lint::risk::{self, RiskMatrix};
use crate::model::assessment::{Capability, Mitigation};
use crate::model::{DeviceId, Fr, Model, Scope};
use serde::Serialize;
use std::collections::BTreeSet;

/// SL-A status: the only one that says a target is reached from facts is `met`.
pub const MET: &str = "met";
pub const BELOW: &str = "below SL-T";
pub const DECLARED: &str = "declared";
pub const NOT_ASSESSED: &str = "not assessed";

/// One FR of a zone or conduit: SL-T, required by risk, SL-C, SL-A.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FrAssessment {
    pub fr: &'static str,
    pub sl_t: u8,
    /// The SL the scope's risks require in this FR, and the risk requiring it.
    pub required: Option<u8>,
    pub required_by: Option<String>,
    /// The lowest declared capability among the devices that enforce the scope; `None` when
    /// one of them (or all) declares none for this FR, or no device enforces it.
    pub sl_c: Option<u8>,
    /// `2 (fw-a, rtr-b)`, `not declared (rtr-b)`, `no enforcing device`.
    pub sl_c_text: String,
    /// The achieved SL; `None` when not assessed.
    pub sl_a: Option<u8>,
    /// `met`, `below SL-T`, `declared`, `not assessed`.
    pub status: &'static str,
    /// SL-T minus SL-A, when SL-A is known and below the target.
    pub gap: Option<u8>,
    /// The facts the status rests on; a `met` always has at least one, each naming what
    /// fenceline proved (a requirement ID of the SR-to-SL table) or what was declared.
    pub facts: Vec<String>,
}

/// The assessment of one zone or conduit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ScopeAssessment {
    pub kind: &'static str,
    pub name: String,
    /// The devices that enforce the scope (SL-C is theirs).
    pub devices: Vec<String>,
    #[serde(serialize_with = "super::json::one_line_each")]
    pub frs: Vec<FrAssessment>,
    /// Why the SL-T is what it is, one sentence per FR with a risk (a zone without risks
    /// says so; a conduit without risks has none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rationale: Vec<String>,
}

/// One entry of the risk register: a risk of a zone or of a conduit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RiskView {
    /// The zone the risk is recorded in; absent for a conduit's risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The conduit the risk is recorded in; absent for a zone's risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conduit: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub likelihood: u8,
    pub consequence: u8,
    /// The SL the matrix requires; `None` off the matrix (E0051) or with an unknown matrix.
    pub required: Option<u8>,
    pub frs: Vec<&'static str>,
    pub mitigated_by: Vec<String>,
    /// What is left of the risk once the zone's SL-A is taken into account.
    pub residual: String,
}

/// The matrix in force.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct MatrixView {
    pub name: String,
    pub description: Option<String>,
    /// `sl[likelihood - 1][consequence - 1]`; empty when the policy names an unknown matrix.
    pub sl: Vec<Vec<u8>>,
    /// The consequence columns 1..n, for the templates.
    pub consequences: Vec<usize>,
}

/// Counts for the cover page.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct AssessmentSummary {
    pub risks: usize,
    pub zones_with_risks: usize,
    pub conduits_with_risks: usize,
    /// Zone and conduit FRs whose SL-T is below what their risks require.
    pub sl_t_below_risk: usize,
    /// FR rows (zones and conduits) by SL-A status.
    pub met: usize,
    pub below: usize,
    pub declared: usize,
    pub not_assessed: usize,
}

/// Everything the assessment adds to the report.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct AssessmentView {
    pub revision: Option<String>,
    pub approved_by: Option<String>,
    pub matrix: MatrixView,
    pub summary: AssessmentSummary,
    pub scopes: Vec<ScopeAssessment>,
    pub risks: Vec<RiskView>,
}

fn ds_names(model: &Model, ds: &BTreeSet<DeviceId>) -> String {
    names(model, ds).join(", ")
}

fn names(model: &Model, ds: &BTreeSet<DeviceId>) -> Vec<String> {
    ds.iter().map(|d| model.device(*d).name.clone()).collect()
}

/// SL-C of a scope in one FR: the lowest declared among its devices and, for a zone, among
/// its assets that declare one. Every enforcing device must declare it (they are the zone's
/// boundary, and a missing one leaves the SL-C unknown); an asset's capability can only lower
/// it: assets are listed at will, so those without one are not counted, and assets never make
/// a scope without enforcing devices, or with one that declares nothing, declared.
fn capability(
    model: &Model,
    ds: &BTreeSet<DeviceId>,
    assets: &[(String, Capability)],
    fr: Fr,
) -> (Option<u8>, String) {
    if ds.is_empty() {
        return (None, "no enforcing device".into());
    }
    let caps = &model.assessment.capabilities;
    let missing: Vec<&str> = ds
        .iter()
        .filter(|d| {
            caps.get(d.0)
                .copied()
                .flatten()
                .and_then(|c| c.get(fr))
                .is_none()
        })
        .map(|d| model.device(*d).name.as_str())
        .collect();
    if !missing.is_empty() {
        return (None, format!("not declared ({})", missing.join(", ")));
    }
    let declaring: Vec<(&str, u8)> = assets
        .iter()
        .filter_map(|(n, c)| Some((n.as_str(), c.get(fr)?)))
        .collect();
    let min = ds
        .iter()
        .filter_map(|d| caps.get(d.0).copied().flatten().and_then(|c| c.get(fr)))
        .chain(declaring.iter().map(|(_, v)| *v))
        .min();
    let all: Vec<&str> = ds.iter().map(|d| model.device(*d).name.as_str()).collect();
    let assets = if declaring.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = declaring.iter().map(|(n, _)| *n).collect();
        format!("; assets {}", names.join(", "))
    };
    (
        min,
        format!("{} ({}{assets})", min.unwrap_or(0), all.join(", ")),
    )
}

/// The FR 5 requirements met up to the target, as facts naming them.
fn fr5_facts(a: &Fr5, target: u8, table: &super::sltable::SlTable) -> Vec<String> {
    table
        .requirements
        .iter()
        .zip(&a.rows)
        .filter(|(r, row)| {
            (1..=target).any(|n| r.applies_at(n)) && row.status == super::fr5::Status::Met
        })
        .map(|(r, row)| match row.evidence.first() {
            Some(e) => format!("{} met: {e}", r.id),
            None => format!("{} met", r.id),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn fr_row(
    model: &Model,
    fr: Fr,
    sl_t: u8,
    required: Option<(u8, String)>,
    ds: &BTreeSet<DeviceId>,
    assets: &[(String, Capability)],
    sl: &SlRow,
    fr5: &Fr5,
    table: &super::sltable::SlTable,
) -> FrAssessment {
    let (sl_c, sl_c_text) = capability(model, ds, assets, fr);
    // Where the SL-C was declared: the devices, then the assets that declare the FR.
    let mut on = ds_names(model, ds);
    let declaring: Vec<&str> = assets
        .iter()
        .filter(|(_, c)| c.get(fr).is_some())
        .map(|(n, _)| n.as_str())
        .collect();
    if !declaring.is_empty() {
        on.push_str(&format!(" and assets {}", declaring.join(", ")));
    }
    let mut facts = Vec::new();
    let (sl_a, status) = if fr == Fr::Rdf {
        // fenceline's own proof: the FR 5 capability of the SR 5.x assessment, and how far it
        // would reach if the requirements the policy cannot show (physical, failure) held.
        let rdf = sl.frs.iter().find(|f| f.fr == "RDF");
        let proven = rdf.and_then(|f| f.achieved).unwrap_or(0);
        let reachable = rdf.and_then(|f| f.achievable).unwrap_or(proven);
        facts.extend(fr5_facts(fr5, proven.min(sl_t), table));
        match sl_c {
            Some(c) => facts.push(format!("SL-C(RDF) {c} declared on {on}")),
            None => facts.push(format!("SL-C(RDF) {sl_c_text}")),
        }
        let cap = sl_c.unwrap_or(4);
        if proven >= sl_t && cap >= sl_t && facts.iter().any(|f| f.contains(" met")) {
            (Some(proven.min(cap)), MET)
        } else if reachable >= sl_t && proven < sl_t {
            let open = rdf.map(|f| f.verdict.clone()).unwrap_or_default();
            facts.push(format!("FR 5 proven up to SL {proven}; {open}"));
            match sl_c {
                // The rest rests on the products' declared capability.
                Some(c) if c >= sl_t => (Some(reachable.min(c)), DECLARED),
                Some(c) => (Some(c.min(reachable)), BELOW),
                None => (None, NOT_ASSESSED),
            }
        } else if cap < sl_t {
            facts.push(format!("FR 5 proven up to SL {proven}"));
            (Some(cap.min(reachable)), BELOW)
        } else if sl_t == 0 {
            (Some(proven), DECLARED)
        } else {
            let open = rdf.map(|f| f.verdict.clone()).unwrap_or_default();
            facts.push(format!("FR 5 proven up to SL {proven}: {open}"));
            (Some(proven), BELOW)
        }
    } else {
        match sl_c {
            Some(c) => {
                facts.push(format!(
                    "SL-C({}) {c} declared on {on}; fenceline does not prove this FR",
                    fr_upper(fr),
                ));
                (Some(c), if c >= sl_t { DECLARED } else { BELOW })
            }
            None => {
                facts.push(format!(
                    "SL-C({}) {sl_c_text}; fenceline does not prove this FR",
                    fr_upper(fr)
                ));
                (None, NOT_ASSESSED)
            }
        }
    };
    let gap = sl_a.filter(|a| *a < sl_t).map(|a| sl_t - a);
    let (required, required_by) = match required {
        Some((r, by)) => (Some(r), Some(by)),
        None => (None, None),
    };
    FrAssessment {
        fr: fr_upper(fr),
        sl_t,
        required,
        required_by,
        sl_c,
        sl_c_text,
        sl_a,
        status,
        gap,
        facts,
    }
}

/// What the assessment needs of the paths: the devices that enforce each zone and conduit (each
/// flow's path walked once). Independent of the FR 5 assessment, so the report computes it
/// beside that.
pub fn reach(model: &Model) -> risk::Reach {
    risk::Reach::new(model, model.graph())
}

/// Builds the assessment from the FR 5 assessments and SL rows (zones, then conduits, as
/// `fr5` and `sl` list them) and the paths' [`reach`].
pub fn build_with(
    model: &Model,
    matrix: Option<&RiskMatrix>,
    fr5: &[Fr5],
    sl: &[SlRow],
    table: &super::sltable::SlTable,
    reach: &risk::Reach,
) -> AssessmentView {
    let a = &model.assessment;
    let mut scopes = Vec::new();
    let mut summary = AssessmentSummary::default();
    for (f, s) in fr5.iter().zip(sl) {
        let (devices, target, derived, scope) = match f.kind {
            "zone" => {
                let Some(z) = model.zone_id(&f.name) else {
                    continue;
                };
                let derived = matrix.map(|m| risk::derived(model, m, z));
                (
                    reach.zone_devices(model, z),
                    Some(model.zone(z).sl),
                    derived,
                    Some(Scope::Zone(z)),
                )
            }
            _ => {
                let Some(c) = model.conduit_id(&f.name) else {
                    continue;
                };
                let derived = matrix.map(|m| risk::conduit_derived(model, m, c));
                (
                    reach.conduit_devices(c),
                    model.conduit(c).sl,
                    derived,
                    Some(Scope::Conduit(c)),
                )
            }
        };
        let mut rationale = Vec::new();
        let frs: Vec<FrAssessment> = Fr::ALL
            .iter()
            .map(|fr| {
                let sl_t = match target {
                    Some(t) => t.get(*fr),
                    None => s.frs.get(*fr as usize).map_or(0, |x| x.target),
                };
                let required = derived.and_then(|d| d[*fr as usize]).and_then(|d| {
                    let risks = match scope? {
                        Scope::Zone(z) => &a.zones.get(z.0)?.risks,
                        Scope::Conduit(c) => &a.conduits.get(c.0)?.risks,
                        _ => return None,
                    };
                    Some((d.sl, risks.get(d.risk)?.name.clone()))
                });
                if let Some((req, by)) = &required {
                    rationale.push(format!(
                        "{}: SL-T {sl_t}; risk `{by}` requires SL {req}{}",
                        fr_upper(*fr),
                        if *req > sl_t {
                            " (SL-T below the risk: RSK-001)"
                        } else {
                            ""
                        }
                    ));
                    if *req > sl_t {
                        summary.sl_t_below_risk += 1;
                    }
                }
                let assets = match scope {
                    Some(Scope::Zone(z)) => a
                        .zones
                        .get(z.0)
                        .map_or(&[][..], |z| &z.asset_capabilities[..]),
                    _ => &[],
                };
                fr_row(model, *fr, sl_t, required, &devices, assets, s, f, table)
            })
            .collect();
        for r in &frs {
            match r.status {
                MET => summary.met += 1,
                BELOW => summary.below += 1,
                DECLARED => summary.declared += 1,
                _ => summary.not_assessed += 1,
            }
        }
        if matches!(scope, Some(Scope::Zone(_))) && rationale.is_empty() {
            rationale.push(
                "no risk recorded: the SL-T has no recorded rationale (RSK-002 from SL-T 2)".into(),
            );
        }
        scopes.push(ScopeAssessment {
            kind: f.kind,
            name: f.name.clone(),
            devices: names(model, &devices),
            frs,
            rationale,
        });
    }
    let mut risks = Vec::new();
    let mitigations = |r: &crate::model::assessment::Risk| -> Vec<String> {
        r.mitigated_by
            .iter()
            .map(|m| match m {
                Mitigation::Device(d) => model.device(*d).name.clone(),
                Mitigation::Conduit(c) => format!("conduit {}", model.conduit(*c).name),
            })
            .collect()
    };
    let registers = a
        .zones
        .iter()
        .enumerate()
        .map(|(zi, za)| ("zone", model.zones[zi].name.as_str(), &za.risks))
        .chain(
            a.conduits
                .iter()
                .enumerate()
                .map(|(ci, ca)| ("conduit", model.conduits[ci].name.as_str(), &ca.risks)),
        );
    // Each register's scope by its kind and name, looked up once per register, not searched for
    // (a central firewall has thousands of conduits).
    let by_name: foldhash::HashMap<(&str, &str), &ScopeAssessment> = scopes
        .iter()
        .map(|s| ((s.kind, s.name.as_str()), s))
        .collect();
    for (kind, name, register) in registers {
        if register.is_empty() {
            continue;
        }
        match kind {
            "zone" => summary.zones_with_risks += 1,
            _ => summary.conduits_with_risks += 1,
        }
        let scope = by_name.get(&(kind, name)).copied();
        for r in register {
            summary.risks += 1;
            let required = matrix.and_then(|m| m.required(r.likelihood, r.consequence));
            risks.push(RiskView {
                zone: (kind == "zone").then(|| name.to_string()),
                conduit: (kind == "conduit").then(|| name.to_string()),
                name: r.name.clone(),
                description: r.description.clone(),
                likelihood: r.likelihood,
                consequence: r.consequence,
                required,
                frs: r.frs.iter().map(|f| fr_upper(*f)).collect(),
                mitigated_by: mitigations(r),
                residual: residual(required, &r.frs, scope),
            });
        }
    }
    let matrix_view = match matrix {
        Some(m) => MatrixView {
            name: m.name.clone(),
            description: m.description.clone(),
            sl: m.sl.clone(),
            consequences: (1..=m.consequences()).collect(),
        },
        None => MatrixView {
            name: a.matrix_name().to_string(),
            description: Some("unknown matrix (E0050): no SL is derived from the risks".into()),
            sl: Vec::new(),
            consequences: Vec::new(),
        },
    };
    AssessmentView {
        revision: a.revision.clone(),
        approved_by: a.approved_by.clone(),
        matrix: matrix_view,
        summary,
        scopes,
        risks,
    }
}

/// The residual risk: per FR the risk names, whether the zone's (or conduit's) SL-A reaches what the risk
/// requires, from proof (`met`), from declarations only, or not at all.
fn residual(required: Option<u8>, frs: &[Fr], scope: Option<&ScopeAssessment>) -> String {
    let (Some(req), Some(scope)) = (required, scope) else {
        return "not assessed: no required SL (the score is off the matrix)".into();
    };
    let (mut proven, mut declared, mut open) = (Vec::new(), Vec::new(), Vec::new());
    for fr in frs {
        let Some(row) = scope.frs.get(*fr as usize) else {
            continue;
        };
        match row.sl_a {
            Some(a) if a >= req && row.status == MET => proven.push(row.fr),
            Some(a) if a >= req => declared.push(row.fr),
            Some(a) => open.push(format!("{} (SL-A {a} < {req})", row.fr)),
            None => open.push(format!("{} (not assessed)", row.fr)),
        }
    }
    let mut parts = Vec::new();
    if !proven.is_empty() {
        parts.push(format!(
            "reduced to the tolerable level in {} (proven)",
            proven.join(", ")
        ));
    }
    if !declared.is_empty() {
        parts.push(format!(
            "reduced in {} if the declared capabilities hold",
            declared.join(", ")
        ));
    }
    if !open.is_empty() {
        parts.push(format!("not shown reduced in {}", open.join(", ")));
    }
    parts.join("; ")
}
