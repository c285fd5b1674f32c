//! Shared bodies of the fuzz targets: each takes arbitrary bytes and must end in a diagnostic or
//! an output, never a panic, a hang or unbounded memory.

use fenceline::build::{build_checked, BuildOptions};
use fenceline::driver::{check_text, CheckOptions};
use std::path::Path;

fn text(data: &[u8]) -> Option<String> {
    std::str::from_utf8(data).ok().map(str::to_string)
}

fn opts() -> CheckOptions {
    CheckOptions { today: Some("2026-01-01".into()), ..Default::default() }
}

/// bytes -> AST.
pub fn parse(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = fenceline::syntax::parse_file(fenceline::source::FileId(0), &t);
    }
}

/// bytes -> diagnostics (resolve + lint + expectations).
pub fn check(data: &[u8]) {
    if let Some(t) = text(data) {
        let checked = check_text("fuzz.fence", Path::new("/nonexistent/fuzz.fence"), t, &opts());
        for d in &checked.diagnostics {
            let _ = fenceline::diagnostic::render::human(d, &checked.sources, fenceline::diagnostic::render::HumanStyle::plain(100));
        }
    }
}

/// fmt(fmt(x)) == fmt(x), and the formatted text means the same.
pub fn fmt_roundtrip(data: &[u8]) {
    if let Some(t) = text(data) {
        if let Ok(once) = fenceline::cli::format::format_text("fuzz.fence", &t) {
            let twice = fenceline::cli::format::format_text("fuzz.fence", &once).expect("formatted text must parse");
            assert_eq!(once, twice, "fmt is not idempotent");
        }
    }
}

/// bytes -> every target's configuration.
pub fn build(data: &[u8]) {
    if let Some(t) = text(data) {
        let checked = check_text("fuzz.fence", Path::new("/nonexistent/fuzz.fence"), t, &opts());
        let _ = build_checked(&checked, &BuildOptions { check: opts(), ..Default::default() });
    }
}

/// bytes -> every configuration reader (`verify` reads files taken from live devices), then the
/// packet spaces of what it read: an error with a line, never a panic.
pub fn readers(data: &[u8]) {
    use fenceline::dialect::config::accepted;
    use fenceline::packet::space::Family;
    let Some(t) = text(data) else { return };
    if let Ok(cfg) = fenceline::dialect::cisco_ios::parse::parse(&t).and_then(|c| c.resolve()) {
        for name in cfg.interfaces.keys().take(4) {
            for inbound in [true, false] {
                if let Ok(items) = cfg.filter_items("f", name, inbound) {
                    let _ = accepted(&items);
                }
            }
        }
    }
    if let Ok(n) = fenceline::dialect::nftables::read("f", &t) {
        if let Ok(filters) = n.items("eth0", "eth1") {
            filters.iter().for_each(|f| drop(accepted(f)));
        }
    }
    for fam in [Family::V4, Family::V6] {
        if let Ok(i) = fenceline::dialect::iptables::parse::parse("f", &t, fam) {
            if let Ok(items) = i.items("eth0", "eth1") {
                let _ = accepted(&items);
            }
        }
    }
}
