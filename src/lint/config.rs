//! `fenceline.toml`: per-project settings that change lint results. Found by walking up from
//! each policy file to the repository root (the first directory holding `.git`), as ruff does;
//! `--config PATH` wins; no user-level file may change results (reproducible CI).
//!
//! ```toml
//! fail-level = "error"            # or "warning": findings at this level fail `check`
//! wildcard-port-width = 256       # FR5-003: widest port range allowed at SL-T(RDF) >= 2
//! expiry-window-days = 30         # EXC-003: warn of an exception this many days before it expires
//! max-acl-entries = 3000          # OUT-009: ACL entries (object-groups expanded) per IOS device
//! policies = ["plant.fence"]      # the root policies `fenceline check` checks with no argument
//!
//! [rules]                         # severity overrides: "error", "warning", "note" or "off"
//! FR5-006 = "off"
//! FR5-017 = "note"
//!
//! [risk-matrix.utility-3x3]       # a risk matrix a policy names with `risk-matrix`
//! description = "Riverside Water"
//! sl = [[1, 1, 2], [1, 2, 3], [2, 3, 4]]   # row = likelihood 1.., column = consequence 1..
//! ```

use super::LintConfig;
use crate::diagnostic::Severity;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The widest `expiry-window-days`: ten years, past any exception's horizon.
const MAX_EXPIRY_WINDOW: u32 = 3653;

/// File names looked for in each directory, in order.
pub const FILE_NAMES: [&str; 2] = ["fenceline.toml", ".fenceline.toml"];

/// The settings of one configuration file.
#[derive(Debug, Clone)]
pub struct Config {
    pub lint: LintConfig,
    /// The lowest severity that fails `check` (error by default).
    pub fail_level: Severity,
    /// Where it was read from; `None` for the defaults.
    pub path: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            lint: LintConfig::default(),
            fail_level: Severity::Error,
            path: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    fail_level: Option<String>,
    wildcard_port_width: Option<u32>,
    expiry_window_days: Option<u32>,
    max_acl_entries: Option<usize>,
    /// The root policy files of the project, relative to the configuration file: what
    /// `fenceline check` with no argument checks.
    #[serde(default)]
    policies: Option<Vec<String>>,
    #[serde(default)]
    rules: BTreeMap<String, String>,
    #[serde(default)]
    risk_matrix: BTreeMap<String, RawMatrix>,
}

/// `[risk-matrix.NAME]`: see [`super::risk::RiskMatrix`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatrix {
    description: Option<String>,
    sl: Vec<Vec<u8>>,
}

/// Parses the text of a configuration file; `name` is used in error messages.
pub fn parse(text: &str, name: &str) -> Result<Config> {
    let raw: Raw =
        toml::from_str(text).map_err(|e| Error::Usage(format!("{name}: {}", e.message())))?;
    let mut cfg = Config::default();
    if let Some(l) = raw.fail_level {
        cfg.fail_level = match l.as_str() {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            _ => {
                return Err(Error::Usage(format!(
                    "{name}: fail-level `{l}` is not `error` or `warning`"
                )))
            }
        };
    }
    if let Some(w) = raw.wildcard_port_width {
        if w == 0 || w > 65536 {
            return Err(Error::Usage(format!(
                "{name}: wildcard-port-width {w} is not between 1 and 65536"
            )));
        }
        cfg.lint.max_port_range = Some(w);
    }
    if let Some(days) = raw.expiry_window_days {
        if days > MAX_EXPIRY_WINDOW {
            return Err(Error::Usage(format!(
                "{name}: expiry-window-days {days} is not between 0 and {MAX_EXPIRY_WINDOW}"
            )));
        }
        cfg.lint.expiry_window = Some(days);
    }
    if let Some(n) = raw.max_acl_entries {
        if n == 0 {
            return Err(Error::Usage(format!(
                "{name}: max-acl-entries 0 is not a positive number"
            )));
        }
        cfg.lint.max_acl_entries = Some(n);
    }
    for (m, r) in raw.risk_matrix {
        let matrix = super::risk::RiskMatrix {
            name: m.clone(),
            description: r.description,
            sl: r.sl,
        };
        super::risk::validate(&matrix).map_err(|e| Error::Usage(format!("{name}: {e}")))?;
        cfg.lint.risk_matrices.insert(m, matrix);
    }
    for (id, sev) in raw.rules {
        let Some(rule) = super::lookup(&id) else {
            let hint = crate::diagnostic::did_you_mean(&id, super::rules::ALL.iter().map(|r| r.id))
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            return Err(Error::Usage(format!(
                "{name}: unknown rule `{id}` in [rules]{hint}"
            )));
        };
        let level = match sev.as_str() {
            "off" => None,
            s => match Severity::parse(s) {
                Some(l) => Some(l),
                None => {
                    return Err(Error::Usage(format!(
                        "{name}: severity `{sev}` for `{id}` is not `error`, `warning`, `note` or `off`"
                    )))
                }
            },
        };
        cfg.lint.severity.insert(rule.id.to_string(), level);
    }
    Ok(cfg)
}

/// Reads and parses a configuration file.
pub fn load(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut cfg = parse(&text, &path.to_string_lossy())?;
    cfg.path = Some(path.to_path_buf());
    Ok(cfg)
}

/// The nearest configuration file for a policy: in the policy's directory or an ancestor, up
/// to the repository root. `policy` may be relative; `-` (standard input) starts at the
/// current directory.
pub fn discover(policy: &Path) -> Option<PathBuf> {
    let start = if policy.as_os_str() == "-" {
        std::env::current_dir().ok()?
    } else {
        let abs = std::path::absolute(policy).ok()?;
        abs.parent()?.to_path_buf()
    };
    discover_from(&start)
}

/// The nearest configuration file in `start` or an ancestor, up to the repository root.
fn discover_from(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        for n in FILE_NAMES {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

/// The `policies` listed by the nearest configuration file at or above `dir` (up to the
/// repository root), resolved against that file's directory; `None` when it lists none.
pub fn policies(dir: &Path) -> Result<Option<Vec<PathBuf>>> {
    let Some(path) = discover_from(dir) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let name = path.to_string_lossy();
    let raw: Raw =
        toml::from_str(&text).map_err(|e| Error::Usage(format!("{name}: {}", e.message())))?;
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(raw
        .policies
        .map(|v| v.iter().map(|p| base.join(p)).collect()))
}

/// The project root that machine output names files relative to (SARIF, GitHub annotations):
/// the directory of the nearest configuration file at or above `start`, else the nearest
/// directory holding `.git`, else `start` itself.
pub fn project_root(start: &Path) -> PathBuf {
    let mut git = None;
    for dir in start.ancestors() {
        if FILE_NAMES.iter().any(|n| dir.join(n).is_file()) {
            return dir.to_path_buf();
        }
        if git.is_none() && dir.join(".git").exists() {
            git = Some(dir.to_path_buf());
        }
    }
    git.unwrap_or_else(|| start.to_path_buf())
}

/// The configuration for a policy: `explicit` if given, else the discovered file, else defaults.
pub fn for_policy(policy: &Path, explicit: Option<&Path>) -> Result<Config> {
    match explicit.map(Path::to_path_buf).or_else(|| discover(policy)) {
        Some(p) => load(&p),
        None => Ok(Config::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides() {
        let c = parse("fail-level = \"warning\"\nwildcard-port-width = 10\n[rules]\nFR5-006 = \"off\"\nfr5-017 = \"note\"\n", "t")
            .map_err(|e| e.to_string());
        let c = c.as_ref().map_err(|e| e.as_str());
        assert!(c.is_ok(), "{c:?}");
        if let Ok(c) = c {
            assert_eq!(c.fail_level, Severity::Warning);
            assert_eq!(c.lint.max_port_range, Some(10));
            assert_eq!(c.lint.severity.get("FR5-006"), Some(&None));
            assert_eq!(c.lint.severity.get("FR5-017"), Some(&Some(Severity::Note)));
            assert!(!c.lint.enabled("FR5-006"));
        }
    }

    #[test]
    fn parses_the_expiry_window() {
        let days = |t: &str| parse(t, "t").map(|c| c.lint.expiry_window()).ok();
        assert_eq!(days(""), Some(crate::lint::DEFAULT_EXPIRY_WINDOW));
        assert_eq!(days("expiry-window-days = 90\n"), Some(90));
        assert_eq!(days("expiry-window-days = 0\n"), Some(0));
        let e = parse("expiry-window-days = 5000\n", "f.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("expiry-window-days 5000 is not between 0 and 3653"),
            "{e}"
        );
        assert!(parse("expiry-window-days = -1\n", "f.toml").is_err());
    }

    #[test]
    fn rejects_unknown_rules_and_keys() {
        let e = parse("[rules]\nFR5-999 = \"off\"\n", "f.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("unknown rule `FR5-999`"), "{e}");
        assert!(parse("colour = 1\n", "f.toml").is_err());
        assert!(parse("[rules]\nFR5-006 = \"loud\"\n", "f.toml").is_err());
    }

    #[test]
    fn discovers_nearest_file() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { return };
        let sub = dir.path().join("a/b");
        let _ = std::fs::create_dir_all(&sub);
        let _ = std::fs::create_dir(dir.path().join(".git"));
        let _ = std::fs::write(dir.path().join("fenceline.toml"), "");
        assert_eq!(
            discover(&sub.join("p.fence")),
            Some(dir.path().join("fenceline.toml"))
        );
        let _ = std::fs::write(sub.join(".fenceline.toml"), "");
        assert_eq!(
            discover(&sub.join("p.fence")),
            Some(sub.join(".fenceline.toml"))
        );
    }
}
