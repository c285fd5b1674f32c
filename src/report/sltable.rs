//! The SR-to-SL applicability table for FR 5, as data: `data/fr5-sl.toml` is compiled in, and a
//! user may replace it (`fenceline report --sl-table FILE`). The table holds IDs, titles and our
//! own paraphrase only; the standard's text is copyrighted.
//!
//! A table is checked when it is loaded: every row names a requirement of FR 5 ([`Sr`]: the
//! assessment dispatches on it) and every rule it cites is a registered lint rule.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The table shipped with fenceline.
pub const DEFAULT_TOML: &str = include_str!("../../data/fr5-sl.toml");

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlTable {
    pub table: TableInfo,
    #[serde(rename = "requirement")]
    pub requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableInfo {
    pub name: String,
    pub source: String,
    #[serde(default)]
    pub notes: Option<String>,
}

/// The requirements of FR 5 in IEC 62443-3-3: every SR and requirement enhancement (RE).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Sr {
    #[serde(rename = "SR 5.1")]
    Sr5_1,
    #[serde(rename = "SR 5.1 RE1")]
    Sr5_1Re1,
    #[serde(rename = "SR 5.1 RE2")]
    Sr5_1Re2,
    #[serde(rename = "SR 5.1 RE3")]
    Sr5_1Re3,
    #[serde(rename = "SR 5.2")]
    Sr5_2,
    #[serde(rename = "SR 5.2 RE1")]
    Sr5_2Re1,
    #[serde(rename = "SR 5.2 RE2")]
    Sr5_2Re2,
    #[serde(rename = "SR 5.2 RE3")]
    Sr5_2Re3,
    #[serde(rename = "SR 5.3")]
    Sr5_3,
    #[serde(rename = "SR 5.3 RE1")]
    Sr5_3Re1,
    #[serde(rename = "SR 5.4")]
    Sr5_4,
}

impl Sr {
    pub const ALL: [Sr; 11] = [
        Sr::Sr5_1,
        Sr::Sr5_1Re1,
        Sr::Sr5_1Re2,
        Sr::Sr5_1Re3,
        Sr::Sr5_2,
        Sr::Sr5_2Re1,
        Sr::Sr5_2Re2,
        Sr::Sr5_2Re3,
        Sr::Sr5_3,
        Sr::Sr5_3Re1,
        Sr::Sr5_4,
    ];

    /// `SR 5.1`, `SR 5.1 RE1`: the ID as the standard and the table write it.
    pub fn id(self) -> &'static str {
        match self {
            Sr::Sr5_1 => "SR 5.1",
            Sr::Sr5_1Re1 => "SR 5.1 RE1",
            Sr::Sr5_1Re2 => "SR 5.1 RE2",
            Sr::Sr5_1Re3 => "SR 5.1 RE3",
            Sr::Sr5_2 => "SR 5.2",
            Sr::Sr5_2Re1 => "SR 5.2 RE1",
            Sr::Sr5_2Re2 => "SR 5.2 RE2",
            Sr::Sr5_2Re3 => "SR 5.2 RE3",
            Sr::Sr5_3 => "SR 5.3",
            Sr::Sr5_3Re1 => "SR 5.3 RE1",
            Sr::Sr5_4 => "SR 5.4",
        }
    }
}

impl std::fmt::Display for Sr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// `SR 5.1` or `SR 5.1 RE1`: a requirement of FR 5 (another is refused when the table is
    /// loaded).
    pub id: Sr,
    pub title: String,
    pub paraphrase: String,
    pub sl1: bool,
    pub sl2: bool,
    pub sl3: bool,
    pub sl4: bool,
    /// Lint rules whose findings count as evidence against this requirement.
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub citations: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Requirement {
    /// Whether the requirement applies at security level `sl` (1-4; 0 means none applies).
    pub fn applies_at(&self, sl: u8) -> bool {
        match sl {
            1 => self.sl1,
            2 => self.sl2,
            3 => self.sl3,
            4 => self.sl4,
            _ => false,
        }
    }
    /// The lowest SL at which the requirement applies.
    pub fn lowest_sl(&self) -> Option<u8> {
        (1..=4).find(|&s| self.applies_at(s))
    }
}

impl SlTable {
    /// The compiled-in default table.
    pub fn builtin() -> Result<SlTable> {
        SlTable::parse(DEFAULT_TOML, "data/fr5-sl.toml")
    }

    pub fn parse(text: &str, name: &str) -> Result<SlTable> {
        let t: SlTable = toml::from_str(text).map_err(|e| Error::Usage(format!("{name}: {e}")))?;
        let mut seen = std::collections::BTreeSet::new();
        for r in &t.requirements {
            if !seen.insert(r.id) {
                return Err(Error::Usage(format!(
                    "{name}: requirement `{}` is listed twice",
                    r.id
                )));
            }
            if r.title.chars().any(|c| c.is_control()) {
                return Err(Error::Usage(format!(
                    "{name}: control character in requirement `{}`",
                    r.id
                )));
            }
            for rule in &r.rules {
                if !crate::lint::rules::ALL.iter().any(|x| x.id == rule) {
                    let hint = crate::diagnostic::did_you_mean(
                        rule,
                        crate::lint::rules::ALL.iter().map(|x| x.id),
                    )
                    .map(|h| format!("; {h}"))
                    .unwrap_or_default();
                    return Err(Error::Usage(format!(
                        "{name}: requirement `{}` cites `{rule}`, which is not a rule ID{hint} (`fenceline rules` lists them)",
                        r.id
                    )));
                }
            }
        }
        Ok(t)
    }

    pub fn load(path: &Path) -> Result<SlTable> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        SlTable::parse(&text, &path.to_string_lossy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses_and_covers_fr5() {
        let t = SlTable::builtin().unwrap();
        let ids: Vec<&str> = t.requirements.iter().map(|r| r.id.id()).collect();
        assert_eq!(
            ids,
            [
                "SR 5.1",
                "SR 5.1 RE1",
                "SR 5.1 RE2",
                "SR 5.1 RE3",
                "SR 5.2",
                "SR 5.2 RE1",
                "SR 5.2 RE2",
                "SR 5.2 RE3",
                "SR 5.3",
                "SR 5.3 RE1",
                "SR 5.4"
            ]
        );
        let re1 = &t.requirements[5];
        assert_eq!(re1.lowest_sl(), Some(2));
        assert!(!re1.applies_at(1) && re1.applies_at(4));
    }

    #[test]
    fn rejects_duplicates_and_unknown_fields() {
        let dup = format!(
            "{}\n{}",
            DEFAULT_TOML,
            &DEFAULT_TOML[DEFAULT_TOML.find("[[requirement]]").unwrap()..]
        );
        assert!(SlTable::parse(&dup, "x").is_err());
        assert!(SlTable::parse("[table]\nname=\"a\"\nsource=\"b\"\nbogus=1\n", "x").is_err());
    }

    #[test]
    fn every_requirement_of_fr5_has_one_id() {
        let ids: std::collections::BTreeSet<&str> = Sr::ALL.iter().map(|s| s.id()).collect();
        assert_eq!(ids.len(), Sr::ALL.len());
        let t = SlTable::builtin().unwrap();
        let listed: Vec<Sr> = t.requirements.iter().map(|r| r.id).collect();
        assert_eq!(
            listed,
            Sr::ALL,
            "the built-in table lists every requirement in order"
        );
    }

    #[test]
    fn rejects_unknown_requirements_and_rules() {
        let unknown_sr = DEFAULT_TOML.replacen("id = \"SR 5.4\"", "id = \"SR 5.5\"", 1);
        assert_ne!(unknown_sr, DEFAULT_TOML);
        let e = SlTable::parse(&unknown_sr, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("SR 5.5"), "{e}");
        let unknown_rule = DEFAULT_TOML.replacen("\"FR5-014\"", "\"FR5-099\"", 1);
        assert_ne!(unknown_rule, DEFAULT_TOML);
        let e = SlTable::parse(&unknown_rule, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`FR5-099`, which is not a rule ID"), "{e}");
        // A rule's name is not its ID: findings carry IDs.
        let by_name = DEFAULT_TOML.replacen("\"FR5-014\"", "\"island-mode-missing\"", 1);
        assert!(SlTable::parse(&by_name, "t.toml").is_err());
    }
}
