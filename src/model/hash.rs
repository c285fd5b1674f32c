//! The policy hash: sha256 of the Model's meaning, stamped on every generated file and recorded
//! in `manifest.json` and the report.
//!
//! The Model carries no source position (they live in its [`super::SpanMap`]) and every
//! collection in it is sorted by name, so its serde JSON is already the canonical form:
//! reformatting, commenting or reordering declarations leaves it unchanged. The JSON is written
//! straight into the hasher, never held as a string. Fields at their default are left out of it
//! (see `is_default` in the Model), so a field added to the Model later, at its default, leaves the
//! hashes of existing policies unchanged.

use super::Model;
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};

/// The form of [`policy_hash`], recorded in `manifest.json`: 1 was the key-sorted JSON of the
/// Model with its `span` keys removed; 2 is the serde JSON of the span-free Model, fields at
/// their default left out.
pub const HASH_VERSION: u32 = 2;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A writer that hashes (sha256) and counts what passes through it to `inner`: the policy hash
/// (into `io::sink()`) and every file a build writes (into the file, or into the comparison with
/// the previous build's).
pub struct Hashing<W> {
    inner: W,
    sha: Sha256,
    bytes: usize,
}

impl<W> Hashing<W> {
    pub fn new(inner: W) -> Self {
        Hashing {
            inner,
            sha: Sha256::new(),
            bytes: 0,
        }
    }
    /// The inner writer, the sha256 (hex) and the number of bytes written.
    pub fn finish(self) -> (W, String, usize) {
        (self.inner, hex::encode(self.sha.finalize()), self.bytes)
    }
}

impl<W: std::io::Write> std::io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let done = buf.get(..n).unwrap_or(buf);
        self.sha.update(done);
        self.bytes += done.len();
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// sha256 of the Model's JSON (see the module comment), form [`HASH_VERSION`].
pub fn policy_hash(model: &Model) -> Result<String> {
    use std::io::Write;
    let fail = |e: String| Error::Other(format!("cannot hash the policy: {e}"));
    // Buffered before hashing: the serialiser's many small writes land in the buffer, the hash
    // sees large blocks.
    let mut w = std::io::BufWriter::with_capacity(1 << 16, Hashing::new(std::io::sink()));
    serde_json::to_writer(&mut w, model).map_err(|e| fail(e.to_string()))?;
    w.flush().map_err(|e| fail(e.to_string()))?;
    let hashing = w.into_inner().map_err(|e| fail(e.error().to_string()))?;
    Ok(hashing.finish().1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::{check_path, check_text, CheckOptions};
    use std::path::Path;

    fn opts() -> CheckOptions {
        CheckOptions {
            today: Some("2026-01-01".into()),
            ..Default::default()
        }
    }

    fn model(text: &str) -> Model {
        let checked = check_text("p.fence", Path::new("p.fence"), text.to_string(), &opts());
        // Lint findings do not matter here, only that the policy has a meaning.
        let diags = format!("{:#?}", checked.diagnostics);
        checked.model.unwrap_or_else(|| panic!("no model: {diags}"))
    }

    fn hash(text: &str) -> String {
        policy_hash(&model(text)).expect("hashed")
    }

    const POLICY: &str = r#"policy "p" { owner "ot" }

zone plant {
  description "the plant"
  level 2
  sl-target 2
  network 10.2.0.0/24
  vlan 20
  asset plc 10.2.0.10 { kind plc }
}

zone office {
  level 4
  sl-target 1
  network 10.4.0.0/24
  vlan 40
}

service historian tcp/5450 { industrial }

conduit office-plant {
  connects office, plant
  allow office -> plant.plc historian, tcp/443 { log }
}

firewall fw {
  target nftables
  interface eth0 office
  interface eth1 plant
}

expect deny office -> plant.plc tcp/22
"#;

    /// `POLICY` with other whitespace, comments, every declaration in another order and the
    /// statements of a zone too (a device's interfaces keep theirs: it is their order on the device).
    const SAME: &str = r#"# the same policy, written otherwise
expect deny office -> plant.plc tcp/22

firewall fw { target nftables
    interface eth0 office
    interface eth1 plant }

conduit office-plant {
    connects office, plant   # two zones
    allow office -> plant.plc historian, tcp/443 { log }
}

service historian tcp/5450 { industrial }

zone office { level 4  sl-target 1  network 10.4.0.0/24  vlan 40 }

zone plant {
    asset plc 10.2.0.10 { kind plc }
    network 10.2.0.0/24
    vlan 20
    sl-target 2
    level 2
    description "the plant"
}

policy "p" { owner "ot" }
"#;

    #[test]
    fn layout_comments_and_declaration_order_leave_the_hash_unchanged() {
        let (a, b) = (model(POLICY), model(SAME));
        assert_ne!(a.spans, b.spans, "the spans differ");
        assert_eq!(policy_hash(&a).unwrap(), policy_hash(&b).unwrap());
    }

    #[test]
    fn a_change_in_meaning_changes_the_hash() {
        let base = hash(POLICY);
        for (from, to) in [
            ("tcp/5450", "tcp/5451"),
            ("{ log }", "{ }"),
            ("sl-target 1", "sl-target 2"),
            ("10.2.0.10", "10.2.0.11"),
            ("expect deny", "expect allow"),
            ("interface eth0 office", "interface eth2 office"),
        ] {
            let changed = POLICY.replacen(from, to, 1);
            assert_ne!(changed, POLICY);
            assert_ne!(hash(&changed), base, "{from} -> {to}");
        }
    }

    /// The assessment facts (approval block, risk matrix, designations, tags, location, risks,
    /// capabilities) change no configuration: they stay out of the hash stamped on every
    /// generated file, so recording or rescoring a risk leaves the configurations byte-identical.
    #[test]
    fn assessment_facts_leave_the_hash_unchanged() {
        let assessed = POLICY
            .replacen(
                r#"policy "p" { owner "ot" }"#,
                r#"policy "p" { owner "ot"  revision "r2"  approved-by "lead"  risk-matrix "default-5x5" }"#,
                1,
            )
            .replacen(
                r#"  asset plc 10.2.0.10 { kind plc }"#,
                r#"  asset plc 10.2.0.10 { kind plc }
  designation wireless
  tag "NIS2"
  location "building B"
  risk ransomware {
    likelihood 2
    consequence 4
    fr iac, rdf
    mitigated-by fw, office-plant
  }"#,
                1,
            )
            .replacen(
                "  target nftables\n",
                "  target nftables\n  capability { iac 2  rdf 3 }\n",
                1,
            );
        assert!(assessed.contains("capability") && assessed.contains("approved-by"));
        let m = model(&assessed);
        assert_eq!(m.assessment.zones[1].risks.len(), 1);
        assert!(m.assessment.capabilities[0].is_some());
        assert_eq!(hash(&assessed), hash(POLICY));
    }

    /// The hash is that of the serde JSON of the Model, which holds no source position.
    #[test]
    fn the_hash_is_sha256_of_the_models_json() {
        let mut m = model(POLICY);
        let json = serde_json::to_vec(&m).unwrap();
        assert_eq!(policy_hash(&m).unwrap(), sha256_hex(&json));
        assert!(!String::from_utf8(json).unwrap().contains("span"));
        m.spans = crate::model::SpanMap::default();
        assert_eq!(
            policy_hash(&m).unwrap(),
            sha256_hex(&serde_json::to_vec(&m).unwrap())
        );
    }

    /// A field added to the Model at its default (here beside the Model's own) is left out of
    /// the JSON, so existing policies keep their hashes.
    #[test]
    fn a_field_added_at_its_default_leaves_the_hash_unchanged() {
        #[derive(serde::Serialize)]
        struct Later<'a> {
            #[serde(flatten)]
            model: &'a Model,
            #[serde(skip_serializing_if = "Option::is_none")]
            added: Option<String>,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            added_list: Vec<u8>,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            added_flag: bool,
        }
        let m = model(POLICY);
        let mut later = Later {
            model: &m,
            added: None,
            added_list: Vec::new(),
            added_flag: false,
        };
        let hash_of = |v: &Later| sha256_hex(&serde_json::to_vec(v).unwrap());
        assert_eq!(hash_of(&later), policy_hash(&m).unwrap());
        later.added_flag = true;
        assert_ne!(hash_of(&later), policy_hash(&m).unwrap());
    }

    /// What makes the test above hold for the Model's own structs: no field of the examples'
    /// Models reaches the JSON at its default (`null`, `false`, `[]`, `{}`). A field added without
    /// `skip_serializing_if` fails here. Address sets and service items have a fixed form of
    /// their own (`{"v4": [...], "v6": [...]}`), shared with other JSON, and are not walked.
    #[test]
    fn no_field_of_the_model_is_written_at_its_default() {
        fn walk(v: &serde_json::Value, path: &str, bad: &mut Vec<String>) {
            use serde_json::Value;
            match v {
                Value::Null | Value::Bool(false) => bad.push(path.to_string()),
                Value::Array(a) if a.is_empty() => bad.push(path.to_string()),
                Value::Object(o) if o.is_empty() => bad.push(path.to_string()),
                Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        walk(x, &format!("{path}[{i}]"), bad);
                    }
                }
                Value::Object(o) => {
                    for (k, x) in o {
                        if k != "addrs" && k != "items" {
                            walk(x, &format!("{path}.{k}"), bad);
                        }
                    }
                }
                _ => {}
            }
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for ex in ["manufacturing", "north-pipeline", "water-treatment"] {
            let path = root.join("examples").join(format!("{ex}.fence"));
            let checked = check_path(&path, &opts()).unwrap();
            let m = checked.model.expect("a model");
            let mut bad = Vec::new();
            walk(&serde_json::to_value(&m).unwrap(), ex, &mut bad);
            assert!(bad.is_empty(), "fields at their default: {bad:#?}");
        }
        let mut bad = Vec::new();
        walk(
            &serde_json::to_value(model(POLICY)).unwrap(),
            "POLICY",
            &mut bad,
        );
        assert!(bad.is_empty(), "fields at their default: {bad:#?}");
    }
}
