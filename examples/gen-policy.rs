//! Writes a synthetic policy of a given size to stdout (or `-o FILE`).
//!
//! `cargo run --release --example gen-policy -- --zones 100 --assets 100 --flows 100000 -o big.fence`

use fenceline::synth::{policy, Size};

fn main() {
    let mut size = Size::default();
    let mut out: Option<String> = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        let n = || v.parse::<usize>().unwrap_or_else(|_| usage(&args[i]));
        match args[i].as_str() {
            "--zones" => size.zones = n(),
            "--assets" => size.assets_per_zone = n(),
            "--flows" => size.flows = n(),
            "--zones-per-device" => size.zones_per_device = n(),
            "--seed" => size.seed = n() as u64,
            "-o" | "--output" => out = Some(v.clone()),
            other => usage(other),
        }
        i += 2;
    }
    let text = policy(&size);
    match out {
        Some(p) => std::fs::write(&p, text).unwrap_or_else(|e| {
            eprintln!("{p}: {e}");
            std::process::exit(2)
        }),
        None => print!("{text}"),
    }
}

fn usage(arg: &str) -> ! {
    eprintln!("unexpected argument {arg}\nusage: gen-policy [--zones N] [--assets N] [--flows N] [--zones-per-device N] [--seed N] [-o FILE]");
    std::process::exit(2)
}
