//! Times each pass of `fenceline build` on one policy, in process, and prints one line per pass
//! (`pass<TAB>milliseconds<TAB>detail<TAB>resident memory after it`). Used by `benches/run.sh`; see docs/performance.md.
//!
//! `cargo run --release --example bench-passes -- big.fence [--lint-rules]`
//!
//! `--lint-rules` also times every lint rule on its own (the rules are run a second time).

use fenceline::dialect::{EmitContext, EmitOptions, Stamp};
use fenceline::driver::CheckOptions;
use fenceline::model::Target;
use std::path::Path;

/// The allocator of the `fenceline` binary (src/main.rs), so that the passes cost here what they
/// cost there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Instant;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// The process's resident set now and at its peak, in MB (Linux; 0 elsewhere).
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn line(pass: &str, t: f64, detail: impl std::fmt::Display) {
    let (now, peak) = rss();
    println!("{pass}\t{t:.1}\t{detail}\trss {now} MB, peak {peak} MB");
}

fn main() {
    // As the binary does (src/main.rs): no transparent huge pages for this process.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: bench-passes FILE.fence [--lint-rules]");
        std::process::exit(2);
    };
    let per_rule = args.iter().any(|a| a == "--lint-rules");
    let total = Instant::now();

    let t = Instant::now();
    let loaded = match fenceline::syntax::loader::load(Path::new(path)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    line("parse", ms(t), format!("{} files", loaded.files.len()));

    let t = Instant::now();
    let resolved = fenceline::model::resolve::resolve(&loaded);
    let Some(model) = resolved.model else {
        eprintln!("{path}: does not resolve");
        std::process::exit(2);
    };
    line("resolve", ms(t), format!("{} flows", model.flows.len()));

    let opts = CheckOptions {
        today: Some("2026-01-01".into()),
        ..CheckOptions::default()
    };
    let t = Instant::now();
    let lint = fenceline::lint::run(&model, &opts);
    line("lint", ms(t), format!("{} findings", lint.len()));
    if per_rule {
        let cx = fenceline::lint::Ctx {
            model: &model,
            config: &opts.lint,
            graph: model.graph(),
            today: "2026-01-01".into(),
        };
        for rule in fenceline::lint::rules::ALL {
            if let Some(check) = rule.check {
                let mut f = Vec::new();
                let t = Instant::now();
                check(&cx, &mut f);
                line(
                    &format!("  lint {}", rule.id),
                    ms(t),
                    format!("{} findings", f.len()),
                );
            }
        }
    }

    let t = Instant::now();
    let exp = fenceline::verify::expect::check(&model);
    line("expect", ms(t), format!("{} findings", exp.len()));

    let t = Instant::now();
    let (ir, mut diags) = fenceline::plan::model_to_ir(&model);
    line(
        "plan",
        ms(t),
        format!("{} devices, {} diagnostics", ir.devices.len(), diags.len()),
    );

    let t = Instant::now();
    let hash = match fenceline::model::hash::policy_hash(&model) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("policy hash: {e}");
            std::process::exit(2);
        }
    };
    line("policy_hash", ms(t), "");

    let stamp = Stamp {
        policy: model.policy.name.clone(),
        hash: hash.clone(),
        version: env!("CARGO_PKG_VERSION"),
    };
    let emit_opts = EmitOptions::default();
    let cx = EmitContext {
        model: &model,
        ir: &ir,
        stamp: &stamp,
        options: &emit_opts,
    };
    for target in Target::ALL {
        let mut d = Vec::new();
        let t = Instant::now();
        match fenceline::dialect::emit_all(&cx, Some(&[target]), &mut d) {
            Ok(out) => line(
                &format!("emit {}", target_name(target)),
                ms(t),
                format!(
                    "{} files, {} bytes, {} diagnostics",
                    out.len(),
                    out.iter().map(|o| o.bytes.len()).sum::<usize>(),
                    d.len()
                ),
            ),
            Err(e) => line(
                &format!("emit {}", target_name(target)),
                ms(t),
                format!("error: {e}"),
            ),
        }
        diags.extend(d);
    }

    let all_diags: Vec<_> = lint.into_iter().chain(exp).chain(diags).collect();
    let ropts = match fenceline::report::ReportOptions::new(None) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("report options: {e}");
            std::process::exit(2);
        }
    };
    let t = Instant::now();
    let rep = fenceline::report::build_report(&model, &ir, &hash, &all_diags, &ropts);
    line("report model", ms(t), "");
    for (name, f) in [
        (
            "report md",
            fenceline::report::render::to_markdown as fn(&_) -> _,
        ),
        ("report html", fenceline::report::render::to_html),
        ("report json", fenceline::report::render::to_json),
    ] {
        let t = Instant::now();
        let n = f(&rep).map(|s| s.len()).unwrap_or(0);
        line(name, ms(t), format!("{n} bytes"));
    }
    line("total", ms(total), "");
}

fn target_name(t: Target) -> &'static str {
    match t {
        Target::Nftables => "nftables",
        Target::Iptables => "iptables",
        Target::CiscoIos => "cisco-ios",
        Target::CiscoAsa => "cisco-asa",
        Target::Panos => "panos",
        Target::Fortios => "fortios",
    }
}
