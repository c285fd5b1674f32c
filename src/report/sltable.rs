//! The SR-to-SL applicability table for FR 5, as data: `data/fr5-sl.toml` is compiled in, and a
//! user may replace it (`fenceline report --sl-table FILE`). The table holds IDs, titles and our
//! own paraphrase only; the standard's text is copyrighted.

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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// `SR 5.1` or `SR 5.1 RE1`.
    pub id: String,
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
            if !seen.insert(r.id.as_str()) {
                return Err(Error::Usage(format!(
                    "{name}: requirement `{}` is listed twice",
                    r.id
                )));
            }
            if r.id.chars().any(|c| c.is_control()) || r.title.chars().any(|c| c.is_control()) {
                return Err(Error::Usage(format!(
                    "{name}: control character in requirement `{}`",
                    r.id
                )));
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
        let ids: Vec<&str> = t.requirements.iter().map(|r| r.id.as_str()).collect();
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
}
