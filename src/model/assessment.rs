//! The IEC 62443-3-2 assessment facts of a policy: its approval block and risk matrix, each
//! zone's designations, tags, physical location and risk register, each conduit's risk
//! register, each device's and asset's declared capability (SL-C). They document the system; none of them changes a configuration.
//!
//! The Model holds them in [`Assessment`], which is left out of the Model's JSON and so out of
//! the policy hash ([`super::hash`]): the hash is stamped on every generated configuration, and
//! scoring a risk anew must not make every device's configuration drift. The report and the
//! lint rules RSK-001 to RSK-003 read them; where each was written is in [`AssessmentSpans`].

use super::{ConduitId, DeviceId, Fr};
use crate::source::Span;
use serde::Serialize;

/// ZCR 3.4-3.6: a zone that is wireless, reached from outside the system under consideration,
/// or temporarily connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Designation {
    Wireless,
    External,
    Temporary,
}

impl Designation {
    pub const ALL: [Designation; 3] = [
        Designation::Wireless,
        Designation::External,
        Designation::Temporary,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Designation::Wireless => "wireless",
            Designation::External => "external",
            Designation::Temporary => "temporary",
        }
    }
    pub fn parse(s: &str) -> Option<Designation> {
        Designation::ALL.into_iter().find(|d| d.name() == s)
    }
}

/// What a risk's `mitigated-by` names: a device or a conduit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum Mitigation {
    Device(DeviceId),
    Conduit(ConduitId),
}

/// One entry of a zone's risk register (`risk NAME { ... }`). Scores are as written; whether
/// they lie on the policy's matrix is checked with the matrix (E0051).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub likelihood: u8,
    pub consequence: u8,
    /// The foundational requirements the threat bears on, in the standard's order.
    pub frs: Vec<Fr>,
    /// In the order written.
    pub mitigated_by: Vec<Mitigation>,
}

/// A product's capability security level per FR (IEC 62443-4-2), as declared: `None` for an FR
/// the declaration leaves out (not declared, never assumed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Capability(pub [Option<u8>; 7]);

impl Capability {
    pub fn get(&self, fr: Fr) -> Option<u8> {
        self.0[fr as usize]
    }
}

/// The assessment facts of one zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ZoneAssessment {
    /// Sorted, each once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub designations: Vec<Designation>,
    /// In the order written, each once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Sorted by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<Risk>,
    /// The `capability` of the zone's assets that declare one (IEC 62443-4-2 components),
    /// by asset name, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub asset_capabilities: Vec<(String, Capability)>,
}

/// The assessment facts of one conduit: its risk register.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConduitAssessment {
    /// Sorted by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<Risk>,
}

/// Every assessment fact of a policy (see the module comment).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Assessment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// `risk-matrix "NAME"`; `None`: the shipped default ([`DEFAULT_RISK_MATRIX`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_matrix: Option<String>,
    /// Indexed like `Model::zones`.
    pub zones: Vec<ZoneAssessment>,
    /// Indexed like `Model::conduits`.
    pub conduits: Vec<ConduitAssessment>,
    /// Indexed like `Model::devices`: each device's `capability`, if declared.
    pub capabilities: Vec<Option<Capability>>,
    /// The matrix in force, found by name in `fenceline.toml` or among the shipped ones when
    /// the policy is checked (`driver`); `None` for an unknown name (E0050) or before the check.
    #[serde(skip)]
    pub matrix: Option<RiskMatrix>,
}

/// A likelihood x consequence matrix of required SLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskMatrix {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `sl[likelihood - 1][consequence - 1]`.
    pub sl: Vec<Vec<u8>>,
}

impl RiskMatrix {
    pub fn likelihoods(&self) -> usize {
        self.sl.len()
    }
    pub fn consequences(&self) -> usize {
        self.sl.first().map_or(0, Vec::len)
    }
    /// The SL a risk of these scores requires; `None` off the matrix.
    pub fn required(&self, likelihood: u8, consequence: u8) -> Option<u8> {
        let l = usize::from(likelihood).checked_sub(1)?;
        let c = usize::from(consequence).checked_sub(1)?;
        self.sl.get(l)?.get(c).copied()
    }
}

/// The matrix a policy without `risk-matrix` uses; shipped with fenceline.
pub const DEFAULT_RISK_MATRIX: &str = "default-5x5";

impl Assessment {
    /// The name of the policy's risk matrix.
    pub fn matrix_name(&self) -> &str {
        self.risk_matrix.as_deref().unwrap_or(DEFAULT_RISK_MATRIX)
    }
    /// Whether the policy records any assessment fact at all.
    pub fn is_empty(&self) -> bool {
        self.revision.is_none()
            && self.approved_by.is_none()
            && self.risk_matrix.is_none()
            && self.zones.iter().all(|z| *z == ZoneAssessment::default())
            && self.conduits.iter().all(|c| c.risks.is_empty())
            && self.capabilities.iter().all(Option::is_none)
    }
}

/// Where a risk's parts were written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskSpans {
    pub name: Span,
    pub likelihood: Option<Span>,
    pub consequence: Option<Span>,
    /// Each `mitigated-by` name, parallel to `Risk::mitigated_by`.
    pub mitigated_by: Vec<Span>,
}

/// Where the assessment facts were written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssessmentSpans {
    /// The `risk-matrix` name.
    pub risk_matrix: Option<Span>,
    /// Per zone, per risk (parallel to `ZoneAssessment::risks`).
    pub risks: Vec<Vec<RiskSpans>>,
    /// Per conduit, per risk (parallel to `ConduitAssessment::risks`).
    pub conduit_risks: Vec<Vec<RiskSpans>>,
    /// Per device, its `capability` keyword.
    pub capabilities: Vec<Option<Span>>,
}

impl AssessmentSpans {
    pub fn risk(&self, zone: usize, risk: usize) -> RiskSpans {
        self.risks
            .get(zone)
            .and_then(|r| r.get(risk))
            .cloned()
            .unwrap_or_default()
    }
    pub fn conduit_risk(&self, conduit: usize, risk: usize) -> RiskSpans {
        self.conduit_risks
            .get(conduit)
            .and_then(|r| r.get(risk))
            .cloned()
            .unwrap_or_default()
    }
}
