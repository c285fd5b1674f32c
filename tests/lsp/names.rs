//! The names beyond zones, assets, services, conduits and devices that the server knows:
//! every identifier of every example asked for its definition, and one test per capability
//! for cluster nodes, `mitigated-by`, templates, their parameters and their sites.

use super::*;

/// The 0-based line and UTF-16 column of byte `at` of `text`.
fn position_of(text: &str, at: usize) -> Value {
    let line = text[..at].matches('\n').count();
    let col = text[..at]
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count();
    json!({ "line": line, "character": col })
}

/// Every identifier of a parsed file (`fenceline debug ast`: each `ident` token of the grammar
/// is an object with `name` and `span`), as (byte offset, name, what holds it), except those
/// that name nothing a definition could lead to: the values of `kind`, `target`, `designation`
/// and service flags, foundational requirement names (`fr`, SL-T vectors, `capability`), a
/// parameter's type, a risk's name (a label no statement refers to), the action of
/// `unused-ports` (`shutdown`) and `self` (keywords).
fn identifiers(v: &Value, holder: &str, out: &mut Vec<(usize, String, String)>) {
    match v {
        Value::Array(items) => {
            for i in items {
                identifiers(i, holder, out);
            }
        }
        Value::Object(o) => {
            if let (Some(Value::String(name)), Some(span)) = (o.get("name"), o.get("span")) {
                if o.len() == 2 {
                    if name != "self" {
                        let start = span["start"].as_u64().unwrap_or(0) as usize;
                        out.push((start, name.clone(), holder.to_string()));
                    }
                    return;
                }
            }
            let holder = o
                .get("stmt")
                .or_else(|| o.get("kind"))
                .and_then(Value::as_str)
                .unwrap_or(holder)
                .to_string();
            match holder.as_str() {
                "kind" | "flag" | "target" | "designation" | "frs" | "sl_target" | "capability"
                | "unused_ports"
                    if o.contains_key("stmt") =>
                {
                    return
                }
                _ => {}
            }
            for (k, x) in o {
                let skip = (holder == "param" && k == "ty") || (holder == "risk" && k == "name");
                if !skip {
                    identifiers(x, &holder, out);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn every_name_of_every_example_has_a_definition() {
    let mut missing = Vec::new();
    let mut asked = 0;
    for path in examples() {
        let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
            .args(["debug", "ast"])
            .arg(&path)
            .output()
            .expect("run debug ast");
        let ast: Value = serde_json::from_slice(&out.stdout).expect("AST JSON");
        let files = ast.as_array().cloned().unwrap_or_default();
        assert_eq!(files.len(), 1, "{}: one file", path.display());
        let mut idents = Vec::new();
        identifiers(&files[0], "file", &mut idents);
        idents.sort();
        idents.dedup();
        let text = read(&path);
        let mut c = Client::start(&repo().join("examples"), 0);
        let u = c.open(&path, &text);
        for (start, name, holder) in idents {
            asked += 1;
            let p = position_of(&text, start);
            let def = c.request("textDocument/definition", at(&u, p.clone()));
            if !def.is_null() {
                continue;
            }
            // A built-in service is declared by fenceline, not by a line of the policy: its
            // hover explains it.
            let hover = c.request("textDocument/hover", at(&u, p.clone()));
            let text_of = hover["contents"]["value"].as_str().unwrap_or_default();
            if (holder == "allow" || holder == "expect") && text_of.contains("built in") {
                continue;
            }
            let file = path.file_name().map(|f| f.to_string_lossy().to_string());
            missing.push(format!(
                "{}:{}:{} `{name}` in {holder}",
                file.unwrap_or_default(),
                p["line"].as_u64().unwrap_or(0) + 1,
                p["character"].as_u64().unwrap_or(0) + 1
            ));
        }
        c.shutdown();
    }
    assert!(asked > 1000, "{asked} identifiers asked");
    assert!(
        missing.is_empty(),
        "{} of {asked} names without a definition:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// Names beyond zones, assets, services, conduits and devices: a cluster's nodes (named in
/// `via` and at an expectation's end), `mitigated-by`, a template with its parameters (used as
/// `{n}`, bound by sites, a `name` parameter used bare), its sites, and a cluster in a template.
const NAMES: &str = r#"policy "names"

zone control-center {
  level 3
  sl-target 2
  network 10.0.0.0/24
  asset scada 10.0.0.10
  risk pivot {
    likelihood 2
    consequence 3
    fr iac
    mitigated-by fw-pair, cc-uplink
  }
}

zone field {
  level 1
  sl-target 2
  network 10.2.0.0/24
}

conduit cc-uplink {
  connects control-center, field
  sl-target 2
  allow control-center.scada -> field modbus via fw-b
}

firewall fw-pair {
  target nftables
  cluster fw-a, fw-b
  interface eth0 control-center address 10.0.0.1 nodes 10.0.0.2, 10.0.0.3
  interface eth1 field address 10.2.0.1 nodes 10.2.0.2, 10.2.0.3
}

template cell {
  param n number
  param peer name
  zone lan {
    description "cell {n} LAN"
    level 2
    sl-target 2
    network 10.{n}.1.0/24
    asset plc 10.{n}.1.10
  }
  conduit uplink {
    connects peer, lan
    sl-target 2
    allow peer -> lan.plc modbus
  }
  firewall fw {
    target nftables
    cluster a, b
    interface eth0 peer address 10.0.0.{n}1 nodes 10.0.0.{n}2, 10.0.0.{n}3
    interface eth1 lan address 10.{n}.1.1 nodes 10.{n}.1.2, 10.{n}.1.3
  }
}

site cell-07 cell {
  n 7
  peer control-center
}
site cell-08 cell {
  n 8
  peer control-center
}

expect deny fw-a -> field any
expect deny cell-07-a -> field any
expect deny fw-pair -> field any
"#;

/// A server with `NAMES` open.
struct Names {
    c: Client,
    u: String,
    text: String,
    _dir: tempfile::TempDir,
}

impl Names {
    fn open() -> Names {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("names.fence");
        std::fs::write(&path, NAMES).expect("write policy");
        let mut c = Client::start(dir.path(), 0);
        let u = c.open(&path, NAMES);
        let opened = c.diagnostics(&u);
        assert!(
            opened.iter().all(|d| d["severity"] != json!(1)),
            "{opened:?}"
        );
        Names {
            c,
            u,
            text: NAMES.to_string(),
            _dir: dir,
        }
    }
    fn at(&self, needle: &str, nth: usize, shift: usize) -> Value {
        at(&self.u, pos(&self.text, needle, nth, shift))
    }
    /// Where go to definition leads from the position (null: nowhere).
    fn def(&mut self, needle: &str, nth: usize, shift: usize) -> Value {
        let p = self.at(needle, nth, shift);
        self.c.request("textDocument/definition", p)["range"]["start"].clone()
    }
    /// The starts of every occurrence, the declaration included, in the order of the text.
    fn refs(&mut self, needle: &str, nth: usize, shift: usize) -> Vec<Value> {
        let mut p = self.at(needle, nth, shift);
        p["context"] = json!({ "includeDeclaration": true });
        let r = self.c.request("textDocument/references", p);
        let mut starts: Vec<Value> = r
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| l["range"]["start"].clone())
            .collect();
        starts.sort_by_key(|s| (s["line"].as_u64(), s["character"].as_u64()));
        starts
    }
    fn hover(&mut self, needle: &str, nth: usize, shift: usize) -> String {
        let p = self.at(needle, nth, shift);
        self.c.request("textDocument/hover", p)["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    /// The text renamed, checked again by the server (no error), or the server's refusal.
    fn rename(
        &mut self,
        needle: &str,
        nth: usize,
        shift: usize,
        new: &str,
    ) -> Result<String, Value> {
        let mut p = self.at(needle, nth, shift);
        p["newName"] = json!(new);
        let r = self.c.call("textDocument/rename", p);
        if let Some(e) = r.get("error") {
            return Err(e.clone());
        }
        let edits = r["result"]["changes"][&self.u]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let renamed = apply(&self.text, &edits);
        self.c.change(&self.u, 2, &renamed);
        let errors: Vec<Value> = self
            .c
            .diagnostics(&self.u)
            .into_iter()
            .filter(|d| d["severity"] == json!(1))
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{renamed}");
        Ok(renamed)
    }
    fn labels(&mut self, needle: &str, nth: usize, shift: usize) -> Vec<String> {
        let p = self.at(needle, nth, shift);
        let r = self.c.request("textDocument/completion", p);
        r["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["label"].as_str().map(str::to_string))
            .collect()
    }
    fn pos(&self, needle: &str, nth: usize, shift: usize) -> Value {
        pos(&self.text, needle, nth, shift)
    }
}

#[test]
fn definition_of_cluster_nodes() {
    let mut n = Names::open();
    let fw_a = n.pos("cluster fw-a", 0, 8);
    let fw_b = n.pos("fw-a, fw-b", 0, 6);
    assert_eq!(n.def("via fw-b", 0, 5), fw_b);
    assert_eq!(n.def("expect deny fw-a", 0, 13), fw_a);
    assert_eq!(n.def("cluster fw-a", 0, 9), fw_a);
    // A site's node leads to the node the template declares.
    assert_eq!(n.def("cell-07-a ->", 0, 8), n.pos("cluster a, b", 0, 8));
    n.c.shutdown();
}

#[test]
fn references_of_cluster_nodes() {
    let mut n = Names::open();
    assert_eq!(
        n.refs("fw-a, fw-b", 0, 7),
        vec![n.pos("via fw-b", 0, 4), n.pos("fw-a, fw-b", 0, 6)]
    );
    assert_eq!(
        n.refs("cluster a, b", 0, 8),
        vec![n.pos("cluster a, b", 0, 8), n.pos("cell-07-a", 0, 0)]
    );
    n.c.shutdown();
}

#[test]
fn hover_on_cluster_nodes() {
    let mut n = Names::open();
    let h = n.hover("via fw-b", 0, 5);
    assert!(
        h.contains("**cluster node** `fw-b` of `fw-pair`") && h.contains("10.0.0.3"),
        "{h}"
    );
    let site = n.hover("cell-07-a ->", 0, 8);
    assert!(
        site.contains("`cell-07-a` of `cell-07-fw`") && site.contains("10.7.1.2"),
        "{site}"
    );
    n.c.shutdown();
}

#[test]
fn rename_of_cluster_nodes() {
    let mut n = Names::open();
    // A node's name is no device's either.
    assert!(n.rename("via fw-b", 0, 5, "fw-pair").is_err());
    let renamed = n.rename("via fw-b", 0, 5, "fw-second").expect("renamed");
    assert!(
        renamed.contains("cluster fw-a, fw-second") && renamed.contains("via fw-second\n"),
        "{renamed}"
    );
    n.c.shutdown();
}

#[test]
fn completion_of_cluster_nodes() {
    let mut n = Names::open();
    let via = n.labels("via fw-b", 0, 4);
    assert!(
        via.contains(&"fw-b".to_string()) && via.contains(&"fw-pair".to_string()),
        "{via:?}"
    );
    let end = n.labels("expect deny fw-a", 0, 12);
    assert!(
        end.contains(&"fw-a".to_string()) && end.contains(&"field".to_string()),
        "{end:?}"
    );
    n.c.shutdown();
}

#[test]
fn definition_through_mitigated_by_and_expectation_ends() {
    let mut n = Names::open();
    assert_eq!(
        n.def("mitigated-by fw-pair", 0, 14),
        n.pos("firewall fw-pair", 0, 9)
    );
    assert_eq!(
        n.def("fw-pair, cc-uplink", 0, 10),
        n.pos("conduit cc-uplink", 0, 8)
    );
    assert_eq!(
        n.def("expect deny fw-pair", 0, 13),
        n.pos("firewall fw-pair", 0, 9)
    );
    n.c.shutdown();
}

#[test]
fn references_through_mitigated_by_and_expectation_ends() {
    let mut n = Names::open();
    assert_eq!(
        n.refs("firewall fw-pair", 0, 10),
        vec![
            n.pos("fw-pair, cc-uplink", 0, 0),
            n.pos("firewall fw-pair", 0, 9),
            n.pos("expect deny fw-pair", 0, 12),
        ]
    );
    assert_eq!(
        n.refs("conduit cc-uplink", 0, 9),
        vec![
            n.pos("cc-uplink\n  }", 0, 0),
            n.pos("conduit cc-uplink", 0, 8),
        ]
    );
    n.c.shutdown();
}

#[test]
fn hover_through_mitigated_by() {
    let mut n = Names::open();
    let h = n.hover("fw-pair, cc-uplink", 0, 11);
    assert!(
        h.contains("**conduit** `cc-uplink`") && h.contains("connects control-center, field"),
        "{h}"
    );
    n.c.shutdown();
}

#[test]
fn rename_through_mitigated_by() {
    let mut n = Names::open();
    let renamed = n
        .rename("conduit cc-uplink", 0, 9, "cc-link")
        .expect("renamed");
    assert!(
        renamed.contains("mitigated-by fw-pair, cc-link") && renamed.contains("conduit cc-link {"),
        "{renamed}"
    );
    n.c.shutdown();
}

#[test]
fn definition_of_a_sites_template() {
    let mut n = Names::open();
    let template = n.pos("template cell", 0, 9);
    assert_eq!(n.def("site cell-07 cell", 0, 14), template);
    assert_eq!(n.def("site cell-08 cell", 0, 14), template);
    n.c.shutdown();
}

#[test]
fn references_of_a_template() {
    let mut n = Names::open();
    assert_eq!(
        n.refs("template cell", 0, 10),
        vec![
            n.pos("template cell", 0, 9),
            n.pos("site cell-07 cell", 0, 13),
            n.pos("site cell-08 cell", 0, 13),
        ]
    );
    n.c.shutdown();
}

#[test]
fn hover_on_a_template() {
    let mut n = Names::open();
    let h = n.hover("site cell-07 cell", 0, 14);
    assert!(
        h.contains("**template** `cell`")
            && h.contains("`param n number`, `param peer name`")
            && h.contains("zone `lan`")
            && h.contains("sites: `cell-07`, `cell-08`"),
        "{h}"
    );
    n.c.shutdown();
}

#[test]
fn rename_of_a_template() {
    let mut n = Names::open();
    let renamed = n.rename("template cell", 0, 10, "unit").expect("renamed");
    assert!(
        renamed.contains("template unit {")
            && renamed.contains("site cell-07 unit {")
            && renamed.contains("site cell-08 unit {"),
        "{renamed}"
    );
    n.c.shutdown();
}

#[test]
fn completion_of_a_sites_template() {
    let mut n = Names::open();
    let labels = n.labels("site cell-07 cell", 0, 13);
    assert!(labels.contains(&"cell".to_string()), "{labels:?}");
    n.c.shutdown();
}

#[test]
fn definition_of_template_parameters() {
    let mut n = Names::open();
    let param_n = n.pos("param n", 0, 6);
    let peer = n.pos("param peer", 0, 6);
    assert_eq!(n.def("network 10.{n}", 0, 12), param_n);
    assert_eq!(n.def("\"cell {n} LAN", 0, 7), param_n);
    assert_eq!(n.def("nodes 10.0.0.{n}2", 0, 14), param_n);
    assert_eq!(n.def("  n 7", 0, 2), param_n);
    assert_eq!(n.def("connects peer", 0, 10), peer);
    assert_eq!(n.def("  peer control-center", 0, 3), peer);
    // The value a site gives a `name` parameter is the policy's name.
    assert_eq!(
        n.def("peer control-center", 0, 6),
        n.pos("zone control-center", 0, 5)
    );
    n.c.shutdown();
}

#[test]
fn references_of_template_parameters() {
    let mut n = Names::open();
    let refs = n.refs("param n", 0, 6);
    // The declaration, every `{n}` of the body and each site's `n`.
    assert_eq!(refs.len(), 1 + NAMES.matches("{n}").count() + 2, "{refs:?}");
    assert!(refs.contains(&n.pos("  n 8", 0, 2)), "{refs:?}");
    assert!(refs.contains(&n.pos("{n} LAN", 0, 1)), "{refs:?}");
    let peer = n.refs("param peer", 0, 6);
    assert_eq!(
        peer,
        vec![
            n.pos("param peer", 0, 6),
            n.pos("connects peer", 0, 9),
            n.pos("allow peer", 0, 6),
            n.pos("eth0 peer", 0, 5),
            n.pos("  peer control-center", 0, 2),
            n.pos("  peer control-center", 1, 2),
        ]
    );
    n.c.shutdown();
}

#[test]
fn hover_on_template_parameters() {
    let mut n = Names::open();
    let h = n.hover("network 10.{n}", 0, 12);
    assert!(
        h.contains("**parameter** `n` of template `cell`")
            && h.contains("`param n number`")
            && h.contains("`cell-07` 7, `cell-08` 8"),
        "{h}"
    );
    n.c.shutdown();
}

#[test]
fn rename_of_template_parameters() {
    let mut n = Names::open();
    let renamed = n.rename("param n", 0, 6, "num").expect("renamed");
    assert!(
        !renamed.contains("{n}")
            && renamed.contains("param num number")
            && renamed.contains("network 10.{num}.1.0/24")
            && renamed.contains("\"cell {num} LAN\"")
            && renamed.contains("  num 7\n")
            && renamed.contains("  num 8\n"),
        "{renamed}"
    );
    n.c.shutdown();
}

#[test]
fn completion_inside_a_template_body() {
    let mut n = Names::open();
    let connects = n.labels("connects peer, lan", 0, 15);
    for want in ["lan", "peer", "control-center"] {
        assert!(connects.contains(&want.to_string()), "{want}: {connects:?}");
    }
    // Once each; `n`, a number, stands for no zone.
    let mut once = connects.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), connects.len(), "{connects:?}");
    assert!(!connects.contains(&"n".to_string()), "{connects:?}");
    let asset = n.labels("-> lan.plc", 0, 7);
    assert!(asset.contains(&"lan.plc".to_string()), "{asset:?}");
    // A site's block: its template's parameters.
    let binding = n.labels("  peer control-center", 0, 2);
    assert!(
        binding.contains(&"n".to_string()) && binding.contains(&"peer".to_string()),
        "{binding:?}"
    );
    n.c.shutdown();
}

#[test]
fn definition_and_hover_of_sites() {
    let mut n = Names::open();
    let site = n.pos("site cell-07", 0, 5);
    assert_eq!(n.def("site cell-07", 0, 6), site);
    let h = n.hover("site cell-07", 0, 6);
    assert!(
        h.contains("**site** `cell-07` of template `cell`")
            && h.contains("n 7, peer control-center")
            && h.contains("`cell-07-lan`"),
        "{h}"
    );
    // Renaming a site would rename every name it prefixes: refused, with the reason.
    let mut p = n.at("site cell-07", 0, 6);
    p["newName"] = json!("cell-09");
    let refused = n.c.call("textDocument/rename", p);
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("prefixes")),
        "{refused}"
    );
    n.c.shutdown();
}

#[test]
fn semantic_tokens_of_nodes_templates_parameters_and_sites() {
    let mut n = Names::open();
    // The server's legend (`tokens::TYPES`), in its order.
    let legend: Vec<String> = {
        [
            "keyword",
            "namespace",
            "property",
            "type",
            "class",
            "struct",
            "variable",
            "enumMember",
            "string",
            "number",
            "comment",
            "operator",
            "parameter",
            "macro",
        ]
        .map(str::to_string)
        .to_vec()
    };
    let r = n.c.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": n.u } }),
    );
    let data: Vec<u64> = r["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    let (mut line, mut col) = (0u64, 0u64);
    let mut toks = std::collections::BTreeMap::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            line += t[0];
            col = t[1];
        } else {
            col += t[1];
        }
        toks.insert((line, col), (t[2], legend[t[3] as usize].clone()));
    }
    let mut class_at = |needle: &str, shift: usize| {
        let p = n.pos(needle, 0, shift);
        let key = (
            p["line"].as_u64().unwrap_or(0),
            p["character"].as_u64().unwrap_or(0),
        );
        toks.remove(&key)
    };
    assert_eq!(class_at("cluster fw-a", 8), Some((4, "struct".into())));
    assert_eq!(class_at("via fw-b", 4), Some((4, "struct".into())));
    assert_eq!(class_at("template cell", 9), Some((4, "macro".into())));
    assert_eq!(class_at("site cell-07 cell", 13), Some((4, "macro".into())));
    assert_eq!(class_at("param n", 6), Some((1, "parameter".into())));
    assert_eq!(class_at("connects peer", 9), Some((4, "parameter".into())));
    assert_eq!(class_at("site cell-07", 5), Some((7, "namespace".into())));
    // `{n}` inside an address: the parameter between the address's numbers.
    assert_eq!(class_at("10.{n}.1.0/24", 0), Some((3, "number".into())));
    assert_eq!(class_at("10.{n}.1.0/24", 4), Some((1, "parameter".into())));
    n.c.shutdown();
}
