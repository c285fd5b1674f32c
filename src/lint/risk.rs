//! Risk to SL-T (IEC 62443-3-2 ZCR 5): the risk matrices (shipped and from `fenceline.toml`),
//! the checks of a policy's matrix and scores against them (E0050, E0051), and the SL each
//! zone and conduit requires per FR from its risks, which RSK-001 and the report compare with
//! the SL-T.
//!
//! A matrix has one row per likelihood (1 first) and one column per consequence (1 first);
//! each cell is the SL (0-4) a risk of that score requires in every FR the risk names.

use super::LintConfig;
use crate::diagnostic::{codes, Diagnostic};
use crate::model::assessment::DEFAULT_RISK_MATRIX;
use crate::model::{ConduitId, DeviceId, Fr, Model, Sl, ZoneId};
use serde::Serialize;
use std::collections::BTreeSet;

/// Largest matrix `fenceline.toml` may declare, in rows and in columns.
pub const MAX_MATRIX_SIDE: usize = 10;

pub use crate::model::assessment::RiskMatrix;

/// The shipped default: score = likelihood x consequence on 1-5 each; 1-4 requires SL 1, 5-9
/// SL 2, 10-16 SL 3, 20-25 SL 4 (docs/report.md).
pub fn default_matrix() -> RiskMatrix {
    let sl = (1..=5u8)
        .map(|l| {
            (1..=5u8)
                .map(|c| match l * c {
                    0..=4 => 1,
                    5..=9 => 2,
                    10..=16 => 3,
                    _ => 4,
                })
                .collect()
        })
        .collect();
    RiskMatrix {
        name: DEFAULT_RISK_MATRIX.to_string(),
        description: Some(
            "shipped with fenceline: likelihood x consequence 1-4 SL 1, 5-9 SL 2, 10-16 SL 3, 20-25 SL 4"
                .to_string(),
        ),
        sl,
    }
}

/// Checks a matrix read from `fenceline.toml`: rectangular, 1 to [`MAX_MATRIX_SIDE`] rows and
/// columns, each cell 0-4. The message names the problem; the caller names the file.
pub fn validate(m: &RiskMatrix) -> Result<(), String> {
    let rows = m.sl.len();
    let cols = m.consequences();
    if rows == 0 || cols == 0 || rows > MAX_MATRIX_SIDE || cols > MAX_MATRIX_SIDE {
        return Err(format!(
            "risk matrix `{}` must have 1 to {MAX_MATRIX_SIDE} rows (likelihoods) and columns (consequences)",
            m.name
        ));
    }
    if let Some(i) = m.sl.iter().position(|r| r.len() != cols) {
        return Err(format!(
            "risk matrix `{}`: row {} has {} columns, row 1 has {cols}",
            m.name,
            i + 1,
            m.sl[i].len()
        ));
    }
    if let Some(v) = m.sl.iter().flatten().find(|v| **v > 4) {
        return Err(format!("risk matrix `{}`: SL {v} is not 0-4", m.name));
    }
    Ok(())
}

/// The matrix of this name: `fenceline.toml`'s first, then the shipped one.
pub fn matrix<'c>(cfg: &'c LintConfig, name: &str) -> Option<std::borrow::Cow<'c, RiskMatrix>> {
    if let Some(m) = cfg.risk_matrices.get(name) {
        return Some(std::borrow::Cow::Borrowed(m));
    }
    (name == DEFAULT_RISK_MATRIX).then(|| std::borrow::Cow::Owned(default_matrix()))
}

/// The policy's matrix, `None` when it names an unknown one (E0050).
pub fn policy_matrix<'c>(
    model: &Model,
    cfg: &'c LintConfig,
) -> Option<std::borrow::Cow<'c, RiskMatrix>> {
    matrix(cfg, model.assessment.matrix_name())
}

/// E0050 (an unknown matrix) and E0051 (a score off the matrix).
pub fn check(model: &Model, cfg: &LintConfig) -> Vec<Diagnostic> {
    let a = &model.assessment;
    let mut out = Vec::new();
    let Some(m) = policy_matrix(model, cfg) else {
        let mut known: Vec<&str> = cfg.risk_matrices.keys().map(String::as_str).collect();
        known.push(DEFAULT_RISK_MATRIX);
        let mut d = Diagnostic::error(
            codes::RISK_MATRIX,
            format!("unknown risk matrix `{}`", a.matrix_name()),
        );
        if let Some(span) = model.spans.assessment.risk_matrix {
            d = d.at(span, "no matrix of this name");
        }
        let hint = crate::diagnostic::did_you_mean(a.matrix_name(), known.iter().copied())
            .map(|h| format!("{h}; "))
            .unwrap_or_default();
        out.push(d.help(format!(
            "{hint}declare it as `[risk-matrix.{}]` in fenceline.toml (docs/report.md shows the shape), or use the shipped `{DEFAULT_RISK_MATRIX}`",
            a.matrix_name()
        )));
        return out;
    };
    let zone_risks = a.zones.iter().enumerate().flat_map(|(zi, z)| {
        z.risks
            .iter()
            .enumerate()
            .map(move |(ri, r)| (r, model.spans.assessment.risk(zi, ri)))
    });
    let conduit_risks = a.conduits.iter().enumerate().flat_map(|(ci, c)| {
        c.risks
            .iter()
            .enumerate()
            .map(move |(ri, r)| (r, model.spans.assessment.conduit_risk(ci, ri)))
    });
    for (r, spans) in zone_risks.chain(conduit_risks) {
        let checks = [
            (
                "likelihood",
                r.likelihood,
                m.likelihoods(),
                spans.likelihood,
            ),
            (
                "consequence",
                r.consequence,
                m.consequences(),
                spans.consequence,
            ),
        ];
        for (what, v, max, span) in checks {
            if usize::from(v) <= max {
                continue;
            }
            let mut d = Diagnostic::error(
                codes::RISK_SCORE,
                format!(
                    "{what} {v} of risk `{}` is outside the risk matrix `{}`",
                    r.name, m.name
                ),
            );
            if let Some(s) = span {
                d = d.at(s, format!("the matrix has {what} 1 to {max}"));
            }
            out.push(d.help(format!(
                "score the risk on `{}` (1 to {max}), or name another matrix with `risk-matrix` in the policy",
                m.name
            )));
        }
    }
    out
}

/// The SL a zone requires in one FR from its risks, and the risk (index into the zone's
/// `risks`) that requires the most (the first of them, by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Derived {
    pub sl: u8,
    pub risk: usize,
}

/// Per FR (in the standard's order), the SL a zone's risks require; `None` for an FR no risk
/// names (or none with scores on the matrix).
pub fn derived(model: &Model, m: &RiskMatrix, zone: ZoneId) -> [Option<Derived>; 7] {
    model
        .assessment
        .zones
        .get(zone.0)
        .map_or([None; 7], |z| derived_of(m, &z.risks))
}

/// The same for a conduit's risks.
pub fn conduit_derived(model: &Model, m: &RiskMatrix, conduit: ConduitId) -> [Option<Derived>; 7] {
    model
        .assessment
        .conduits
        .get(conduit.0)
        .map_or([None; 7], |c| derived_of(m, &c.risks))
}

fn derived_of(m: &RiskMatrix, risks: &[crate::model::assessment::Risk]) -> [Option<Derived>; 7] {
    let mut out = [None; 7];
    for (ri, r) in risks.iter().enumerate() {
        let Some(sl) = m.required(r.likelihood, r.consequence) else {
            continue;
        };
        for fr in &r.frs {
            let slot: &mut Option<Derived> = &mut out[*fr as usize];
            if slot.is_none_or(|d| sl > d.sl) {
                *slot = Some(Derived { sl, risk: ri });
            }
        }
    }
    out
}

/// A conduit's SL-T as the report assesses it: its `sl-target`; without one, the highest
/// SL-T(RDF) of its zones in RDF and 0 in every other FR (docs/report.md). RSK-001 compares a
/// conduit's risks with this.
pub fn conduit_sl_t(model: &Model, conduit: ConduitId) -> (Sl, bool) {
    let c = model.conduit(conduit);
    if let Some(sl) = c.sl {
        return (sl, true);
    }
    let rdf = c
        .zones
        .iter()
        .map(|z| model.zone(*z).sl.get(Fr::Rdf))
        .max()
        .unwrap_or(0);
    let mut sl = Sl::uniform(0);
    sl.0[Fr::Rdf as usize] = rdf;
    (sl, false)
}

/// What every conduit's flows reach, computed once (each flow's path once): the devices that
/// enforce the conduit and the zones its flows enter or leave a device by. A zone's conduits
/// and devices are then looked up, not searched for by walking every flow of the policy per
/// zone (which a fleet of forty sites made minutes long).
pub struct Reach {
    /// Per conduit: the devices on its flows' paths, the zones of their interfaces.
    conduits: Vec<(BTreeSet<DeviceId>, BTreeSet<ZoneId>)>,
    /// Per zone: the conduits whose flows cross it (not those that connect it).
    crossing: Vec<BTreeSet<ConduitId>>,
}

impl Reach {
    pub fn new(model: &Model, graph: &crate::model::graph::ZoneGraph) -> Reach {
        let mut crossing = vec![BTreeSet::new(); model.zones.len()];
        let conduits = model
            .conduits
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                let (mut devices, mut zones) = (BTreeSet::new(), BTreeSet::new());
                // A flow's hops depend only on its zones and its `via`: each once.
                let mut seen = foldhash::HashSet::default();
                for hops in c
                    .flows
                    .iter()
                    .map(|f| model.flow(*f))
                    .filter(|f| seen.insert((f.src.zone, f.dst.zone, f.via.as_slice())))
                    .filter_map(|f| graph.flow_hops(f))
                {
                    for h in hops {
                        devices.insert(h.device);
                        let d = model.device(h.device);
                        for i in [h.ingress, h.egress] {
                            if let Some(x) = d.interfaces.get(i) {
                                zones.insert(x.zone);
                            }
                        }
                    }
                }
                for z in &zones {
                    if let Some(set) = crossing.get_mut(z.0) {
                        set.insert(ConduitId(ci));
                    }
                }
                (devices, zones)
            })
            .collect();
        Reach { conduits, crossing }
    }

    /// The devices that enforce a conduit: every device on the paths of its flows.
    pub fn conduit_devices(&self, conduit: ConduitId) -> BTreeSet<DeviceId> {
        self.conduits
            .get(conduit.0)
            .map(|(d, _)| d.clone())
            .unwrap_or_default()
    }

    /// A zone's conduits: those that connect it, and those whose flows cross it (a transit
    /// zone carries other zones' conduits).
    pub fn zone_conduits(&self, model: &Model, zone: ZoneId) -> BTreeSet<ConduitId> {
        let mut out: BTreeSet<_> = model.zone(zone).conduits.iter().copied().collect();
        if let Some(c) = self.crossing.get(zone.0) {
            out.extend(c.iter().copied());
        }
        out
    }

    /// The devices on a zone's conduits: those that enforce one of its conduits (see
    /// [`Reach::zone_conduits`]) and those with an interface in the zone (its boundary).
    pub fn zone_devices(&self, model: &Model, zone: ZoneId) -> BTreeSet<DeviceId> {
        let mut out: BTreeSet<_> = self
            .zone_conduits(model, zone)
            .into_iter()
            .flat_map(|c| self.conduit_devices(c))
            .collect();
        for (di, d) in model.devices.iter().enumerate() {
            if d.interfaces.iter().any(|i| i.zone == zone) {
                out.insert(DeviceId(di));
            }
        }
        out
    }
}

/// The FR name of an index into a `[_; 7]`.
pub fn fr_at(i: usize) -> Fr {
    Fr::ALL[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_matrix_follows_its_documented_bands() {
        let m = default_matrix();
        assert_eq!(validate(&m), Ok(()));
        assert_eq!(m.required(1, 1), Some(1));
        assert_eq!(m.required(2, 2), Some(1));
        assert_eq!(m.required(1, 5), Some(2));
        assert_eq!(m.required(3, 3), Some(2));
        assert_eq!(m.required(2, 5), Some(3));
        assert_eq!(m.required(4, 4), Some(3));
        assert_eq!(m.required(4, 5), Some(4));
        assert_eq!(m.required(5, 5), Some(4));
        assert_eq!(m.required(6, 1), None);
        assert_eq!(m.required(0, 1), None);
    }

    #[test]
    fn validation_refuses_ragged_and_out_of_range_matrices() {
        let m = |sl: Vec<Vec<u8>>| RiskMatrix {
            name: "m".into(),
            description: None,
            sl,
        };
        assert!(validate(&m(vec![])).is_err());
        assert!(validate(&m(vec![vec![1, 2], vec![1]])).is_err());
        assert!(validate(&m(vec![vec![5]])).is_err());
        assert_eq!(validate(&m(vec![vec![0, 4], vec![1, 2]])), Ok(()));
    }
}
