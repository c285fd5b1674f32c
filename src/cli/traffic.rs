//! `fenceline traffic check POLICY LOG...`: observed connections (Zeek conn.log, pcap, pcapng)
//! against the policy: what it would deny, by zone pair, initiator, responder and service; the
//! flows never observed; the traffic of addresses in no zone. Exit 0 when read (1 with
//! `--exit-code` when anything observed would be denied), 2 when a log cannot be read.

use super::{Io, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic::render::{self, HumanStyle};
use crate::error::{Error, Result};
use crate::traffic::check::{Checker, Group, Summary, DEFAULT_MAX_ENTRIES};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct TrafficArgs {
    #[command(subcommand)]
    pub command: TrafficCommand,
}

#[derive(Debug, Subcommand)]
pub enum TrafficCommand {
    /// Observed connections the policy would deny, flows never observed, traffic of no zone
    Check(CheckArgs),
    /// A draft policy whose flows are the observed connections, over a skeleton's zones
    Learn(LearnArgs),
}

#[derive(Debug, Args)]
pub struct LearnArgs {
    /// The skeleton: a policy with zones, assets and devices
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub skeleton: PathBuf,
    /// Zeek conn.log (TSV or JSON lines), pcap or pcapng files
    #[arg(required = true, value_hint = clap::ValueHint::FilePath)]
    pub logs: Vec<PathBuf>,
    /// Where to write the draft policy (`-`: standard output)
    #[arg(short = 'o', long = "output", value_hint = clap::ValueHint::FilePath)]
    pub output: PathBuf,
    /// Distinct flows kept; connections of further flows are counted
    #[arg(long, default_value_t = 10_000)]
    pub max_entries: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TrafficFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Root policy file
    #[arg(value_hint = clap::ValueHint::FilePath)]
    pub policy: PathBuf,
    /// Zeek conn.log (TSV or JSON lines), pcap or pcapng files
    #[arg(required = true, value_hint = clap::ValueHint::FilePath)]
    pub logs: Vec<PathBuf>,
    /// Exit 1 when anything observed would be denied
    #[arg(long)]
    pub exit_code: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = TrafficFormat::Human)]
    pub format: TrafficFormat,
    /// Distinct connections kept per group; the rest are counted
    #[arg(long, default_value_t = DEFAULT_MAX_ENTRIES)]
    pub max_entries: usize,
}

pub fn run(args: TrafficArgs, io: &mut Io) -> Result<u8> {
    match args.command {
        TrafficCommand::Check(a) => check(a, io),
        TrafficCommand::Learn(a) => learn(a, io),
    }
}

/// UTC, to the second (days to the civil date: Howard Hinnant's algorithm).
fn when(ts: f64) -> String {
    let secs = ts.floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn group_title(g: &Group) -> String {
    match (&g.src_zone, &g.dst_zone) {
        (Some(a), Some(b)) => format!("`{a}` -> `{b}`"),
        _ => "addresses of no zone".to_string(),
    }
}

fn human(s: &Summary) -> String {
    let mut o = format!(
        "{} connections: {} allowed, {} within a zone, {} denied, {} of no zone\n",
        s.connections, s.allowed, s.within_zone, s.denied, s.no_zone.connections
    );
    let groups = s
        .denied_groups
        .iter()
        .chain((s.no_zone.connections > 0).then_some(&s.no_zone));
    for g in groups {
        let verb = if g.src_zone.is_some() {
            "denied"
        } else {
            "outside every zone"
        };
        o.push_str(&format!(
            "\n{} ({} connections {verb}):\n",
            group_title(g),
            g.connections
        ));
        for e in &g.entries {
            o.push_str(&format!(
                "  {} -> {} {}: {} times, first {}, last {}\n",
                e.initiator,
                e.responder,
                e.service,
                e.count,
                when(e.first),
                when(e.last)
            ));
        }
        if g.others > 0 {
            o.push_str(&format!(
                "  ... {} more connections of other kinds (past {} kept)\n",
                g.others, s.max_entries
            ));
        }
    }
    if !s.unobserved.is_empty() {
        o.push_str(&format!(
            "\nflows never observed ({}; candidates for removal, SR 5.1):\n",
            s.unobserved.len()
        ));
        for u in &s.unobserved {
            o.push_str(&format!("  {}: {} ({})\n", u.conduit, u.flow, u.location));
        }
    }
    o
}

fn markdown(s: &Summary) -> String {
    let mut o = format!(
        "## Traffic check\n\n{} connections: {} allowed, {} within a zone, **{} denied**, {} of no zone\n",
        s.connections, s.allowed, s.within_zone, s.denied, s.no_zone.connections
    );
    let groups = s
        .denied_groups
        .iter()
        .chain((s.no_zone.connections > 0).then_some(&s.no_zone));
    for g in groups {
        o.push_str(&format!(
            "\n### {} ({} connections)\n\n| initiator | responder | service | count | first seen | last seen |\n|---|---|---|---|---|---|\n",
            group_title(g),
            g.connections
        ));
        for e in &g.entries {
            o.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                e.initiator,
                e.responder,
                e.service,
                e.count,
                when(e.first),
                when(e.last)
            ));
        }
        if g.others > 0 {
            o.push_str(&format!("| … | | | {} | | |\n", g.others));
        }
    }
    if !s.unobserved.is_empty() {
        o.push_str("\n### Flows never observed\n\n| conduit | flow | location |\n|---|---|---|\n");
        for u in &s.unobserved {
            o.push_str(&format!(
                "| {} | `{}` | {} |\n",
                u.conduit, u.flow, u.location
            ));
        }
    }
    o
}

fn check(args: CheckArgs, io: &mut Io) -> Result<u8> {
    if args.max_entries == 0 {
        return Err(Error::Usage("--max-entries must be at least 1".into()));
    }
    let checked = super::resolve_only(&args.policy)?;
    let Some(model) = checked.model.as_ref().filter(|_| !checked.has_errors()) else {
        let style = HumanStyle {
            color: io.color,
            width: io.width,
        };
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            let _ = write!(io.err, "{}", render::human(d, &checked.sources, style));
        }
        io.eprintln("error: the policy has errors; nothing to check against");
        return Ok(EXIT_FAILURE);
    };
    let mut checker = Checker::new(model, args.max_entries);
    for log in &args.logs {
        if let Err(e) = crate::traffic::read_log(log, &mut |c| checker.add(c)) {
            io.eprintln(format_args!("error: {e}"));
            return Ok(EXIT_FAILURE);
        }
    }
    let s = checker.finish();
    match args.format {
        TrafficFormat::Human => {
            let _ = write!(io.out, "{}", human(&s));
        }
        TrafficFormat::Markdown => {
            let _ = write!(io.out, "{}", markdown(&s));
        }
        TrafficFormat::Json => {
            let j = serde_json::to_string_pretty(&s).map_err(|e| Error::Other(e.to_string()))?;
            io.println(j);
        }
    }
    Ok(if args.exit_code && s.denied > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn learn(args: LearnArgs, io: &mut Io) -> Result<u8> {
    if args.max_entries == 0 {
        return Err(Error::Usage("--max-entries must be at least 1".into()));
    }
    let (name, path, text) = super::read_input(&args.skeleton)?;
    let checked = super::resolve_only(&args.skeleton)?;
    let Some(model) = checked.model.as_ref().filter(|_| !checked.has_errors()) else {
        let style = HumanStyle {
            color: io.color,
            width: io.width,
        };
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            let _ = write!(io.err, "{}", render::human(d, &checked.sources, style));
        }
        io.eprintln("error: the skeleton has errors; nothing to learn onto");
        return Ok(EXIT_FAILURE);
    };
    let mut learner = crate::traffic::learn::Learner::new(model, args.max_entries);
    for log in &args.logs {
        if let Err(e) = crate::traffic::read_log(log, &mut |c| learner.add(c)) {
            io.eprintln(format_args!("error: {e}"));
            return Ok(EXIT_FAILURE);
        }
    }
    let (n, within, no_zone, dropped) = (
        learner.connections,
        learner.within,
        learner.no_zone,
        learner.dropped,
    );
    let draft = learner
        .draft(&text, when)
        .map_err(|e| Error::Other(e.to_string()))?;
    if args.output.as_os_str() == "-" {
        let _ = write!(io.out, "{draft}");
    } else {
        std::fs::write(&args.output, &draft).map_err(|e| Error::io(args.output.clone(), e))?;
    }
    io.eprintln(format_args!(
        "{n} connections: {within} within a zone, {no_zone} of no zone (no flow can name them), {dropped} past the limit of {} distinct flows",
        args.max_entries
    ));
    // The lint on the draft: its findings are the engineer's starting list.
    let (opts, _) = super::check::options_for(&path, None, None)?;
    let shown = if args.output.as_os_str() == "-" {
        name.clone()
    } else {
        args.output.to_string_lossy().replace('\\', "/")
    };
    let linted = crate::driver::check_text(&shown, &path, draft, &opts);
    let style = HumanStyle {
        color: io.color,
        width: io.width,
    };
    for d in &linted.diagnostics {
        let _ = write!(io.err, "{}", render::human(d, &linted.sources, style));
    }
    io.eprintln(format_args!(
        "{} findings on the draft",
        linted.diagnostics.len()
    ));
    Ok(EXIT_OK)
}
