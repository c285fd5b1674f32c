//! `fenceline lsp` driven as an editor drives it: the built binary is spawned and spoken to in
//! JSON-RPC over its standard input and output, one test per capability, on the examples; and
//! every example typed into an empty document character by character, with an answer to each
//! keystroke (see `every_keystroke_of_every_example_gets_an_answer` for the sampling).

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

// The names the server knows beyond the first six kinds, in a file of their own.
#[path = "lsp/names.rs"]
mod names;

/// Fixed so that expiring exceptions and exception stubs do not change over time.
const TODAY: &str = "2026-06-01";
/// Longest wait for one answer (the debug build checks a policy in well under a second).
const TIMEOUT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    inbox: VecDeque<Value>,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn uri(path: &Path) -> String {
    let p = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    format!("file://{}", p.display())
}

impl Client {
    fn start(root: &Path, debounce_ms: u64) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fenceline"))
            .args(["lsp", "--stdio"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn fenceline lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        len = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("Content-Length")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let v: Value = serde_json::from_slice(&body).expect("JSON message");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            rx,
            next_id: 0,
            inbox: VecDeque::new(),
        };
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "capabilities": {},
                "initializationOptions": { "debounceMs": debounce_ms, "today": TODAY },
            }),
        );
        assert!(
            init["capabilities"]["hoverProvider"] == json!(true),
            "{init}"
        );
        c.notify("initialized", json!({}));
        c
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its id, without waiting for the answer.
    fn start_call(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.start_call(method, params);
        self.answer(id)
    }

    /// The response to request `id` (answers to other requests are dropped: each is awaited
    /// in the order sent).
    fn answer(&mut self, id: i64) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(v) if v.get("id") == Some(&json!(id)) && v.get("method").is_none() => return v,
                Ok(v) => self.inbox.push_back(v),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no answer to request {id} in {TIMEOUT:?}")
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server ended during request {id}")
                }
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let v = self.call(method, params);
        assert!(v.get("error").is_none(), "{method}: {v}");
        v["result"].clone()
    }

    /// The next diagnostics published for `uri` (waiting for them when none is queued).
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let matches = |v: &Value| {
            v["method"] == "textDocument/publishDiagnostics" && v["params"]["uri"] == uri
        };
        if let Some(i) = self.inbox.iter().position(matches) {
            let v = self.inbox.remove(i).unwrap_or_default();
            return v["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(v) if matches(&v) => {
                    return v["params"]["diagnostics"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                }
                Ok(v) => self.inbox.push_back(v),
                Err(_) => panic!("no diagnostics for {uri}"),
            }
        }
    }

    /// Drops queued notifications (earlier diagnostics).
    fn drain(&mut self) {
        self.inbox.clear();
        while self.rx.try_recv().is_ok() {}
    }

    fn open(&mut self, path: &Path, text: &str) -> String {
        let u = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": u, "languageId": "fenceline", "version": 1, "text": text } }),
        );
        u
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [{ "text": text }] }),
        );
    }

    fn shutdown(mut self) {
        let r = self.call("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "{status:?}");
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A test that failed half-way leaves no server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read example")
}

/// The 0-based line and UTF-16 column of the `nth` occurrence of `needle` (plus `shift`).
fn pos(text: &str, needle: &str, nth: usize, shift: usize) -> Value {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i + shift)
        .expect("needle in text");
    let line = text[..at].matches('\n').count();
    let col = text[..at]
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count();
    json!({ "line": line, "character": col })
}

fn at(uri: &str, p: Value) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": p })
}

/// Codes of published diagnostics.
fn codes(diags: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = diags
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect();
    v.sort();
    v
}

/// The codes `fenceline check --format json` reports (unsuppressed) for `path`.
fn check_codes(path: &Path) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_fenceline"))
        .args(["check", "--format", "json", "--today", TODAY])
        .arg(path)
        .output()
        .expect("run check");
    let v: Value = serde_json::from_slice(&out.stdout).expect("check JSON");
    let mut codes = Vec::new();
    for f in v["files"].as_array().into_iter().flatten() {
        for d in f["diagnostics"].as_array().into_iter().flatten() {
            if d.get("suppressed").is_none_or(Value::is_null) {
                codes.push(d["code"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    codes.sort();
    codes
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "fence"))
        .collect();
    v.sort();
    v
}

/// Applies LSP text edits (non-overlapping) to `text`.
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap_or(0) as usize;
        let ch = p["character"].as_u64().unwrap_or(0) as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units >= ch || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (s, e, t) in spans {
        out.replace_range(s..e, &t);
    }
    out
}

#[test]
fn diagnostics_are_checks_own_on_open_and_after_a_change() {
    let path = repo().join("examples/substation.fence");
    let text = read(&path);
    let mut c = Client::start(&repo().join("examples"), 0);
    let u = c.open(&path, &text);
    let diags = c.diagnostics(&u);
    assert_eq!(codes(&diags), check_codes(&path));
    // A lint finding links to its rule's page.
    let mut broken = text.replacen(
        "sl-target 2\n  allow enterprise",
        "sl-target 1\n  allow enterprise",
        1,
    );
    broken = broken.replacen(
        "allow dmz.jump-host -> control-center.hmi rdp",
        "allow dmz.jump-host -> control-centre.hmi rdp",
        1,
    );
    c.change(&u, 2, &broken);
    let diags = c.diagnostics(&u);
    let unknown = diags
        .iter()
        .find(|d| d["code"] == "E0002")
        .unwrap_or_else(|| panic!("E0002 after the typo: {diags:?}"));
    assert_eq!(unknown["severity"], 1);
    assert!(
        unknown["message"]
            .as_str()
            .unwrap_or("")
            .contains("did you mean `control-center`"),
        "{unknown}"
    );
    assert_eq!(
        unknown["range"]["start"],
        pos(&broken, "control-centre.hmi", 0, 0)
    );
    // Fixed again: the lint findings are back, each with its rule's page and related spans.
    let fixed = text.replacen(
        "sl-target 2\n  allow enterprise",
        "sl-target 1\n  allow enterprise",
        1,
    );
    c.change(&u, 3, &fixed);
    let diags = c.diagnostics(&u);
    let fr5 = diags
        .iter()
        .find(|d| d["code"] == "FR5-010")
        .unwrap_or_else(|| panic!("FR5-010 for the conduit below its zones: {diags:?}"));
    assert_eq!(fr5["severity"], 2);
    assert!(fr5["codeDescription"]["href"]
        .as_str()
        .unwrap_or("")
        .ends_with("docs/rules/FR5-010.md"));
    assert!(
        diags.iter().any(|d| d["relatedInformation"]
            .as_array()
            .is_some_and(|r| !r.is_empty())),
        "{diags:?}"
    );
    c.shutdown();
}

#[test]
fn diagnostics_reach_the_files_that_include_the_edited_one() {
    let root = repo().join("tests/include");
    let plant = root.join("plant.fence");
    let ot = root.join("zones/ot.fence");
    let mut c = Client::start(&root, 0);
    let u = c.open(&ot, &read(&ot));
    // The fragment alone would not resolve `enterprise`; checked through plant.fence it is.
    let alone = codes(&c.diagnostics(&u));
    assert!(!alone.iter().any(|c| c.starts_with('E')), "{alone:?}");
    let plant_uri = uri(&plant);
    c.drain();
    // The fragment's unsaved text renames `historian`: plant.fence's reference breaks.
    c.change(
        &u,
        2,
        &read(&ot).replace("asset historian", "asset archive"),
    );
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen = c.diagnostics(&plant_uri);
        if !seen.is_empty() {
            break;
        }
    }
    assert_eq!(codes(&seen), ["E0002"], "{seen:?}");
    c.shutdown();
}

#[test]
fn fenceline_toml_is_honoured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("p.fence");
    std::fs::copy(repo().join("examples/substation.fence"), &policy).expect("copy");
    let text = read(&policy);
    let mut c = Client::start(dir.path(), 0);
    let u = c.open(&policy, &text);
    let before = codes(&c.diagnostics(&u));
    assert!(before.contains(&"FR3-002".to_string()), "{before:?}");
    std::fs::write(
        dir.path().join("fenceline.toml"),
        "[rules]\nFR3-002 = \"off\"\n",
    )
    .expect("toml");
    c.change(&u, 2, &text);
    let after = codes(&c.diagnostics(&u));
    assert!(!after.contains(&"FR3-002".to_string()), "{after:?}");
    c.shutdown();
}

#[test]
fn hover_explains_names_rules_and_keywords() {
    let path = repo().join("examples/substation.fence");
    let text = read(&path);
    let mut c = Client::start(&repo().join("examples"), 0);
    let u = c.open(&path, &text);
    let mut hover = |p: Value| -> String {
        let r = c.request("textDocument/hover", at(&u, p));
        r["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let zone = hover(pos(&text, "control-center.scada -> station", 0, 2));
    assert!(zone.contains("**zone** `control-center`"), "{zone}");
    assert!(zone.contains("level 3, SL-T 3"), "{zone}");
    assert!(zone.contains("10.30.0.0/24"), "{zone}");
    assert!(zone.contains("conduits: dmz-control"), "{zone}");
    let asset = hover(pos(&text, "control-center.scada -> station", 0, 16));
    assert!(
        asset.contains("**asset** `control-center.scada`"),
        "{asset}"
    );
    assert!(asset.contains("10.30.0.10-10.30.0.11"), "{asset}");
    let service = hover(pos(&text, "syslog-udp {", 0, 1));
    assert!(
        service.contains("udp/514") && service.contains("one-way"),
        "{service}"
    );
    let builtin = hover(pos(&text, "station.rtu dnp3", 0, 13));
    assert!(builtin.contains("tcp/20000"), "{builtin}");
    let conduit = hover(pos(&text, "conduit telecontrol", 0, 9));
    assert!(
        conduit.contains("connects control-center, station"),
        "{conduit}"
    );
    let device = hover(pos(&text, "firewall fw-idmz", 0, 10));
    assert!(
        device.contains("target nftables, iptables") && device.contains("interface `eth0`"),
        "{device}"
    );
    let rule = hover(pos(&text, "FR5-017", 0, 2));
    assert!(
        rule.contains("zone-undocumented") || rule.contains("FR5-017"),
        "{rule}"
    );
    assert!(rule.contains("docs/rules/FR5-017.md"), "{rule}");
    let keyword = hover(pos(&text, "  transit\n", 0, 3));
    assert!(keyword.contains("keyword `transit`"), "{keyword}");
    c.shutdown();
}

#[test]
fn definition_and_references_cross_includes() {
    let root = repo().join("tests/include");
    let plant = root.join("plant.fence");
    let ot = root.join("zones/ot.fence");
    let text = read(&plant);
    let mut c = Client::start(&root, 0);
    let u = c.open(&plant, &text);
    let def = c.request(
        "textDocument/definition",
        at(&u, pos(&text, "control.historian", 0, 10)),
    );
    assert_eq!(def["uri"], uri(&ot), "{def}");
    assert_eq!(def["range"]["start"], pos(&read(&ot), "historian", 0, 0));
    let zone = c.request(
        "textDocument/definition",
        at(&u, pos(&text, "connects enterprise", 0, 10)),
    );
    assert_eq!(zone["uri"], uri(&root.join("zones/it.fence")), "{zone}");
    let refs = c.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": u }, "position": pos(&text, "control.historian", 0, 1),
                "context": { "includeDeclaration": true } }),
    );
    let refs = refs.as_array().cloned().unwrap_or_default();
    let files: Vec<&str> = refs.iter().filter_map(|r| r["uri"].as_str()).collect();
    assert_eq!(refs.len(), 3, "declaration, connects, allow: {refs:?}");
    assert!(
        files.contains(&uri(&ot).as_str()) && files.contains(&u.as_str()),
        "{files:?}"
    );
    c.shutdown();
}

#[test]
fn rename_changes_every_reference_and_nothing_else() {
    let path = repo().join("examples/substation.fence");
    let text = read(&path);
    let mut c = Client::start(&repo().join("examples"), 0);
    let u = c.open(&path, &text);
    let before = codes(&c.diagnostics(&u));
    let p = at(&u, pos(&text, "zone control-center", 0, 6));
    let prep = c.request("textDocument/prepareRename", p.clone());
    assert_eq!(prep["start"], pos(&text, "control-center", 0, 0));
    let mut params = p.clone();
    params["newName"] = json!("control-room");
    let edit = c.request("textDocument/rename", params);
    let edits = edit["changes"][&u].as_array().cloned().unwrap_or_default();
    let whole_word = text
        .match_indices("control-center")
        .filter(|(i, _)| {
            let next = text[i + "control-center".len()..].chars().next();
            !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .count();
    assert_eq!(edits.len(), whole_word);
    let renamed = apply(&text, &edits);
    assert!(!renamed.contains("control-center ") && renamed.contains("zone control-room {"));
    c.change(&u, 2, &renamed);
    assert_eq!(codes(&c.diagnostics(&u)), before);
    // Not a name: refused.
    let mut bad = p.clone();
    bad["newName"] = json!("Control Room");
    assert!(c.call("textDocument/rename", bad).get("error").is_some());
    c.shutdown();
}

fn labels(c: &mut Client, u: &str, text: &str, needle: &str, shift: usize) -> Vec<String> {
    let r = c.request(
        "textDocument/completion",
        at(u, pos(text, needle, 0, shift)),
    );
    r["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["label"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn completion_offers_what_fits_the_place() {
    let path = repo().join("examples/substation.fence");
    let original = read(&path);
    let mut c = Client::start(&repo().join("examples"), 0);
    let u = c.open(&path, &original);
    c.diagnostics(&u);
    // Half-typed statements, as they are while typing (the file does not parse).
    let text = original.replacen(
        "  allow enterprise -> dmz.historian-mirror https\n",
        "  allow enterprise -> dmz.historian-mirror https\n  allow control-center.\n  allow dmz -> station \n  exception \n  allow dmz -> station https via \n  \n",
        1,
    );
    c.change(&u, 2, &text);
    let assets = labels(&mut c, &u, &text, "allow control-center.\n", 21);
    assert!(
        assets.contains(&"control-center.scada".to_string()),
        "{assets:?}"
    );
    assert!(!assets.contains(&"dmz.jump-host".to_string()), "{assets:?}");
    let services = labels(&mut c, &u, &text, "allow dmz -> station \n", 21);
    assert!(
        services.contains(&"syslog-udp".to_string()) && services.contains(&"modbus".to_string()),
        "{services:?}"
    );
    let rules = labels(&mut c, &u, &text, "  exception \n", 12);
    assert!(rules.contains(&"FR5-003".to_string()), "{rules:?}");
    let devices = labels(&mut c, &u, &text, "https via \n", 10);
    assert!(devices.contains(&"fw-idmz".to_string()), "{devices:?}");
    let keywords = labels(&mut c, &u, &text, "via \n  \n", 7);
    assert!(
        keywords.contains(&"allow".to_string()) && keywords.contains(&"connects".to_string()),
        "{keywords:?}"
    );
    assert!(!keywords.contains(&"zone".to_string()), "{keywords:?}");
    let ifaces = labels(&mut c, &u, &text, "sync eth3", 5);
    assert!(
        ifaces.contains(&"eth0".to_string()) && ifaces.contains(&"eth3".to_string()),
        "{ifaces:?}"
    );
    let zones = labels(&mut c, &u, &text, "connects dmz, control-center", 9);
    assert!(zones.contains(&"station".to_string()), "{zones:?}");
    c.shutdown();
}

#[test]
fn symbols_of_the_document_and_the_workspace() {
    let path = repo().join("examples/substation.fence");
    let text = read(&path);
    let mut c = Client::start(&repo().join("examples"), 0);
    let u = c.open(&path, &text);
    let syms = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": u } }),
    );
    let syms = syms.as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = syms.iter().filter_map(|s| s["name"].as_str()).collect();
    for n in [
        "enterprise",
        "control-center",
        "syslog-udp",
        "telecontrol",
        "fw-idmz",
    ] {
        assert!(names.contains(&n), "{names:?}");
    }
    let cc = syms
        .iter()
        .find(|s| s["name"] == "control-center")
        .cloned()
        .unwrap_or_default();
    let children: Vec<&str> = cc["children"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(children, ["scada", "hmi", "ews", "syslog", "ntp"]);
    let ws = c.request("workspace/symbol", json!({ "query": "fw-" }));
    let ws: Vec<String> = ws
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect();
    assert!(
        ws.contains(&"fw-idmz".to_string()) && ws.contains(&"fw-wan-a".to_string()),
        "{ws:?}"
    );
    c.shutdown();
}

#[test]
fn semantic_tokens_classify_keywords_and_names() {
    let path = repo().join("examples/substation.fence");
    let text = read(&path);
    let mut c = Client::start(&repo().join("examples"), 0);
    let u = c.open(&path, &text);
    let legend = {
        let init_types = [
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
        ];
        init_types.map(str::to_string)
    };
    let r = c.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": u } }),
    );
    let data: Vec<u64> = r["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(data.len() % 5, 0);
    // Decode to (line, col, len, type).
    let (mut line, mut col) = (0u64, 0u64);
    let mut toks = std::collections::BTreeMap::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            line += t[0];
            col = t[1];
        } else {
            col += t[1];
        }
        toks.insert((line, col), (t[2], legend[t[3] as usize].clone(), t[4]));
    }
    let class_at = |needle: &str, shift: usize| {
        let p = pos(&text, needle, 0, shift);
        let key = (
            p["line"].as_u64().unwrap_or(0),
            p["character"].as_u64().unwrap_or(0),
        );
        toks.get(&key).cloned()
    };
    assert_eq!(
        class_at("zone control-center", 0).map(|t| t.1),
        Some("keyword".into())
    );
    assert_eq!(
        class_at("zone control-center", 5),
        Some((14, "namespace".into(), 1))
    );
    assert_eq!(
        class_at("control-center.scada -> station", 15).map(|t| t.1),
        Some("property".into())
    );
    assert_eq!(
        class_at("# A transmission", 0).map(|t| t.1),
        Some("comment".into())
    );
    assert_eq!(
        class_at("FR5-017", 0).map(|t| t.1),
        Some("enumMember".into())
    );
    assert_eq!(
        class_at("\"northfield-substation\"", 0).map(|t| t.1),
        Some("string".into())
    );
    c.shutdown();
}

#[test]
fn formatting_is_fenceline_fmt() {
    let path = repo().join("examples/substation.fence");
    let text = read(&path);
    let mut c = Client::start(&repo().join("examples"), 0);
    let messy = text.replace("\n  level 3\n", "\n      level    3\n");
    assert_ne!(messy, text);
    let u = c.open(&path, &messy);
    let edits = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": u }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let edits = edits.as_array().cloned().unwrap_or_default();
    assert_eq!(apply(&messy, &edits), text);
    c.shutdown();
}

#[test]
fn code_actions_fix_accept_and_remove() {
    let path = repo().join("examples/substation.fence");
    let text = read(&path);
    let mut c = Client::start(&repo().join("examples"), 0);
    // A typo, a conduit below its zones' SL-T, and a service nobody uses.
    let broken = text.replacen(
        "allow dmz.jump-host -> control-center.hmi rdp",
        "allow dmz.jump-host -> control-centre.hmi rdp",
        1,
    );
    let u = c.open(&path, &broken);
    let diags = c.diagnostics(&u);
    let actions = |c: &mut Client, diags: &[Value], code: &str| -> Vec<Value> {
        let d: Vec<Value> = diags
            .iter()
            .filter(|d| d["code"] == code)
            .cloned()
            .collect();
        assert!(!d.is_empty(), "no {code} in {diags:?}");
        let r = c.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": u }, "range": d[0]["range"], "context": { "diagnostics": d } }),
        );
        r.as_array().cloned().unwrap_or_default()
    };
    let fix = actions(&mut c, &diags, "E0002");
    assert_eq!(
        fix[0]["title"],
        "replace `control-centre` with `control-center`"
    );
    let fixed = apply(
        &broken,
        fix[0]["edit"]["changes"][&u]
            .as_array()
            .map_or(&[][..], |v| v),
    );
    assert_eq!(fixed, text);
    let lowered = text.replacen(
        "sl-target 2\n  allow enterprise",
        "sl-target 1\n  allow enterprise",
        1,
    ) + "\nservice spare tcp/9999\n";
    c.change(&u, 2, &lowered);
    let diags = c.diagnostics(&u);
    let accept = actions(&mut c, &diags, "FR5-010");
    let stub = accept
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap_or("")
                .starts_with("accept `FR5-010`")
        })
        .cloned()
        .unwrap_or_default();
    assert!(
        stub["title"]
            .as_str()
            .unwrap_or("")
            .ends_with("until 2026-08-30"),
        "{stub}"
    );
    let accepted = apply(
        &lowered,
        stub["edit"]["changes"][&u]
            .as_array()
            .map_or(&[][..], |v| v),
    );
    assert!(
        accepted.contains("  exception FR5-010 \"TODO: why this is accepted\" until 2026-08-30\n}"),
        "{accepted}"
    );
    let remove = actions(&mut c, &diags, "UNUSED-002");
    let remove = remove
        .iter()
        .find(|a| a["title"] == "remove the unused service `spare`")
        .cloned()
        .unwrap_or_default();
    let mut edits: Vec<Value> = stub["edit"]["changes"][&u]
        .as_array()
        .cloned()
        .unwrap_or_default();
    edits.extend(
        remove["edit"]["changes"][&u]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    let both = apply(&lowered, &edits);
    c.change(&u, 3, &both);
    let after = codes(&c.diagnostics(&u));
    assert!(
        !after.contains(&"FR5-010".to_string()) && !after.contains(&"UNUSED-002".to_string()),
        "{after:?}"
    );
    assert!(!both.contains("spare"));
    c.shutdown();
}

/// Each example typed into an empty document, one character per change. Every change is
/// followed by a completion request at the cursor (answered from the text and the last
/// check, without waiting for one); every [`CHECK_EVERY`]th change and the last also by a
/// document-symbol request, which checks the prefix in full (parse, resolve, lint, targets)
/// first. Every request must be answered without an error.
const CHECK_EVERY: usize = 97;

#[test]
fn every_keystroke_of_every_example_gets_an_answer() {
    let start = Instant::now();
    let mut c = Client::start(&repo().join("examples"), 60_000);
    let mut checks = 0;
    for path in examples() {
        let text = read(&path);
        // A scratch document beside the example, so that its includes (none today) resolve.
        let scratch = path.with_file_name("scratch-lsp-test.fence");
        let u = c.open(&scratch, "");
        let (mut line, mut col) = (0u64, 0u64);
        let chars: Vec<char> = text.chars().collect();
        let mut pending = Vec::new();
        for (i, ch) in chars.iter().enumerate() {
            c.notify(
                "textDocument/didChange",
                json!({ "textDocument": { "uri": u, "version": i + 2 },
                        "contentChanges": [{ "range": { "start": { "line": line, "character": col }, "end": { "line": line, "character": col } }, "text": ch.to_string() }] }),
            );
            if *ch == '\n' {
                line += 1;
                col = 0;
            } else {
                col += ch.len_utf16() as u64;
            }
            // Sent without waiting: the answers are read once the example is typed, so the
            // test costs the server's work, not a round trip per keystroke.
            pending.push((
                i,
                c.start_call(
                    "textDocument/completion",
                    at(&u, json!({ "line": line, "character": col })),
                ),
            ));
            if i % CHECK_EVERY == 0 || i + 1 == chars.len() {
                pending.push((
                    i,
                    c.start_call(
                        "textDocument/documentSymbol",
                        json!({ "textDocument": { "uri": u } }),
                    ),
                ));
                checks += 1;
            }
        }
        for (i, id) in pending {
            let r = c.answer(id);
            assert!(
                r.get("error").is_none(),
                "{}: after {i} characters: {r}",
                path.display()
            );
        }
        c.drain();
        // The whole text typed: the outline is the example's.
        let r = c.request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": u } }),
        );
        assert!(
            r.as_array().is_some_and(|a| !a.is_empty()),
            "{}",
            path.display()
        );
        c.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": u } }),
        );
    }
    eprintln!(
        "replayed every example: {checks} full checks in {:?}",
        start.elapsed()
    );
    c.shutdown();
}

/// A fleet in one file: a top-level zone `lan` beside a template that declares its own `lan`,
/// two sites, and an `expect` naming the sites' zones by their prefixed names.
const FLEET: &str = r#"policy "fleet"

zone control-center {
  level 3
  sl-target 2
  network 10.0.0.0/24
  asset scada 10.0.0.10
}

zone lan {
  level 3
  sl-target 2
  network 10.1.0.0/24
}

template cell {
  param n number
  zone lan {
    level 2
    sl-target 2
    network 10.{n}.1.0/24
    asset plc 10.{n}.1.10
  }
  conduit uplink {
    connects control-center, lan
    allow control-center.scada -> lan.plc modbus
  }
}

site cell-07 cell { n 7 }
site cell-08 cell { n 8 }

expect deny cell-07-lan -> cell-08-lan.plc any
"#;

#[test]
fn names_inside_templates_and_their_sites_prefixed_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fleet.fence");
    std::fs::write(&path, FLEET).expect("write policy");
    let text = FLEET;
    let mut c = Client::start(dir.path(), 0);
    let u = c.open(&path, text);
    let opened = c.diagnostics(&u);
    assert!(
        opened.iter().all(|d| d["severity"] != json!(1)),
        "{opened:?}"
    );
    let template_lan = pos(text, "zone lan", 1, 5);
    let def = |c: &mut Client, p: Value| c.request("textDocument/definition", at(&u, p));
    // In the body, `lan` is the template's own zone; `control-center` the policy's.
    assert_eq!(
        def(&mut c, pos(text, "connects control-center, lan", 0, 25))["range"]["start"],
        template_lan
    );
    assert_eq!(
        def(&mut c, pos(text, "-> lan.plc", 0, 3))["range"]["start"],
        template_lan
    );
    assert_eq!(
        def(&mut c, pos(text, "connects control-center", 0, 9))["range"]["start"],
        pos(text, "zone control-center", 0, 5)
    );
    // A site's prefixed name leads to the template's declaration; its asset to the template's.
    assert_eq!(
        def(&mut c, pos(text, "cell-07-lan", 0, 9))["range"]["start"],
        template_lan
    );
    assert_eq!(
        def(&mut c, pos(text, "cell-08-lan.plc", 0, 12))["range"]["start"],
        pos(text, "asset plc", 0, 6)
    );
    let refs = |c: &mut Client, p: Value| {
        let r = c.request(
            "textDocument/references",
            json!({ "textDocument": { "uri": u }, "position": p,
                    "context": { "includeDeclaration": true } }),
        );
        let mut starts: Vec<Value> = r
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| l["range"]["start"].clone())
            .collect();
        starts.sort_by_key(|s| (s["line"].as_u64(), s["character"].as_u64()));
        starts
    };
    let lan = refs(&mut c, template_lan.clone());
    let expected = vec![
        template_lan.clone(),
        pos(text, "connects control-center, lan", 0, 25),
        pos(text, "-> lan.plc", 0, 3),
        pos(text, "cell-07-lan", 0, 0),
        pos(text, "cell-08-lan", 0, 0),
    ];
    assert_eq!(lan, expected);
    assert_eq!(
        refs(&mut c, pos(text, "zone lan", 0, 5)),
        vec![pos(text, "zone lan", 0, 5)]
    );
    // Hover: the site's zone from the Model; the template's declaration with its sites' names.
    let hover = |c: &mut Client, p: Value| {
        c.request("textDocument/hover", at(&u, p))["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let site_zone = hover(&mut c, pos(text, "cell-07-lan", 0, 2));
    assert!(
        site_zone.contains("`cell-07-lan`")
            && site_zone.contains("10.7.1.0/24")
            && site_zone.contains("template `cell`"),
        "{site_zone}"
    );
    let decl = hover(&mut c, template_lan.clone());
    assert!(
        decl.contains("`lan` of template `cell`") && decl.contains("`cell-07-lan`, `cell-08-lan`"),
        "{decl}"
    );
    // Rename from a site's name: the prefix stays, the template's zone and every site's follow,
    // the policy's own `lan` does not.
    let mut params = at(&u, pos(text, "cell-07-lan", 0, 9));
    params["newName"] = json!("cell-07-field");
    let edit = c.request("textDocument/rename", params.clone());
    let edits = edit["changes"][&u].as_array().cloned().unwrap_or_default();
    assert_eq!(edits.len(), 5, "{edits:?}");
    let renamed = apply(text, &edits);
    assert!(renamed.contains("zone lan {\n  level 3"), "{renamed}");
    assert!(renamed.contains("  zone field {\n    level 2"), "{renamed}");
    assert!(
        renamed.contains("connects control-center, field"),
        "{renamed}"
    );
    assert!(renamed.contains("-> field.plc modbus"), "{renamed}");
    assert!(
        renamed.contains("expect deny cell-07-field -> cell-08-field.plc any"),
        "{renamed}"
    );
    c.change(&u, 2, &renamed);
    let errors: Vec<Value> = c
        .diagnostics(&u)
        .into_iter()
        .filter(|d| d["severity"] == json!(1))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // A new name without the site's prefix is refused.
    params["newName"] = json!("field");
    assert!(c.call("textDocument/rename", params).get("error").is_some());
    c.shutdown();
}
