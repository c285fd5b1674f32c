//! `fenceline man [-o DIR]`: the man pages (clap_mangen), generated from the same clap
//! definition as the parser. clap_mangen renders the title, synopsis, options and commands; the
//! sections it cannot know are written here: EXIT STATUS (from [`EXIT_STATUS`], the table the
//! README's "Commands" table must equal, which `tests/exit_codes.rs` checks against the real
//! binary), ENVIRONMENT, FILES and SEE ALSO. The top page names one page per command
//! (`fenceline-build(1)`); `-o DIR` writes all of them, so no page names one that is not there.

use super::{Cli, Io, EXIT_OK};
use crate::error::{Error, Result};
use clap::{Args, CommandFactory, ValueHint};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write every page into DIR (fenceline.1 and one fenceline-COMMAND.1 per command) instead
    /// of printing fenceline.1
    #[arg(short = 'o', long = "output", value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub out: Option<PathBuf>,
}

/// What each command's exit code means, per command, in the README's order. The README's
/// "Commands" table shows the same text (codes joined with `; `).
pub const EXIT_STATUS: &[(&str, &[(u8, &str)])] = &[
    (
        "check",
        &[
            (0, "clean"),
            (1, "errors, or findings at the fail level"),
            (2, "could not run"),
        ],
    ),
    (
        "build",
        &[
            (0, "written, or up to date with `--check`"),
            (1, "errors, or drift with `--check`"),
            (2, "could not run (a resource limit, a failed write)"),
        ],
    ),
    (
        "fmt",
        &[
            (0, "formatted"),
            (1, "would change, with `--check` or `--diff`"),
            (2, "could not run (a file that does not parse)"),
        ],
    ),
    (
        "diff",
        &[
            (0, "compared"),
            (1, "anything changed, with `--exit-code`"),
            (2, "could not run (a policy with errors)"),
        ],
    ),
    (
        "query",
        &[
            (0, "answered"),
            (
                1,
                "not allowed (denied or partly allowed), with `--exit-code`",
            ),
            (2, "could not run (an unknown name, a policy with errors)"),
        ],
    ),
    (
        "verify",
        &[
            (0, "every configuration equals the policy"),
            (1, "a configuration differs"),
            (
                2,
                "could not run (a configuration missing or not understood, a policy with errors)",
            ),
        ],
    ),
    (
        "traffic",
        &[
            (0, "read, or the draft written"),
            (
                1,
                "anything observed would be denied, with `check --exit-code`",
            ),
            (
                2,
                "could not run (a log or capture truncated, corrupt or of an unknown format, a policy with errors)",
            ),
        ],
    ),
    (
        "import",
        &[
            (
                0,
                "written, and the imported policy equals every configuration",
            ),
            (1, "written, with an import report that is not empty"),
            (
                2,
                "could not run (a configuration missing or not understood, a skeleton with errors)",
            ),
        ],
    ),
    (
        "report",
        &[
            (0, "written"),
            (
                2,
                "could not run (a policy with errors, or `--format pdf` without `-o` or without Chromium)",
            ),
        ],
    ),
    (
        "graph",
        &[(0, "written"), (2, "could not run (a policy with errors)")],
    ),
    (
        "explain",
        &[(0, "printed"), (2, "no rule or code of that name")],
    ),
    (
        "rules",
        &[
            (0, "printed"),
            (2, "could not run (`--markdown` DIR not writable)"),
        ],
    ),
    (
        "debug",
        &[
            (0, "printed"),
            (1, "the policy has errors"),
            (2, "could not run"),
        ],
    ),
    (
        "init",
        &[
            (0, "written"),
            (2, "could not run (a file exists: nothing written)"),
        ],
    ),
    ("completions", &[(0, "printed"), (2, "unknown shell")]),
    (
        "lsp",
        &[
            (
                0,
                "the client ended the session (`exit`, or the end of its input)",
            ),
            (2, "could not run (an unknown option, a malformed message)"),
        ],
    ),
    (
        "man",
        &[
            (0, "printed or written"),
            (2, "could not run (DIR not writable)"),
        ],
    ),
];

/// The codes every command shares.
const EXIT_CODES: [(u8, &str); 3] = [
    (0, "success: clean, equal, written or answered"),
    (
        1,
        "findings: errors or findings at the fail level in the policy, drift, differences, and (with `--exit-code`) changes or traffic that is not allowed",
    ),
    (
        2,
        "fenceline could not run: a usage error, unreadable or missing input, an unknown name, a resource limit, a failed write",
    ),
];

/// Environment variables fenceline reads. `FENCELINE_FAIL_WRITE` and `FENCELINE_SLOW_WRITE_MS`
/// are fault injection for the build tests and are left out on purpose.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "FENCELINE_CHROMIUM",
        "The Chromium binary `report --format pdf` prints the HTML report with. Without it, `chromium` or `chromium-browser` on PATH.",
    ),
    (
        "NO_COLOR",
        "When set (to anything), human output has no colour unless `--color always` is given.",
    ),
    (
        "COLUMNS",
        "The width human output and diagnostics are wrapped to (40 to 400). Without it, the terminal's width when standard error is a terminal, else 100.",
    ),
    (
        "FENCELINE_FORMAT",
        "The output format of `check` when `--format` is not given: human, concise, json, sarif or github.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "fenceline.toml, .fenceline.toml",
        "Project settings (fail level, rule severities, the root policies). The nearest one in the policy's directory or above it applies, up to the repository root (the first directory holding `.git`); `--config PATH` names one instead. `fenceline init` writes a starter.",
    ),
    ("DIR/DEVICE/nftables.nft", "The nftables ruleset of a device (`build -o DIR`). `verify` also reads `nft -j list ruleset` output as DIR/DEVICE/nftables.json."),
    ("DIR/DEVICE/iptables.rules, DIR/DEVICE/ip6tables.rules", "The iptables-restore and ip6tables-restore input of a device; `verify` also reads iptables-save output there."),
    ("DIR/DEVICE/iproute2.batch", "The routing of a Linux firewall's translated zones (`nat`): `ip rule` and `ip route` commands for `ip -batch`, loaded before the ruleset."),
    ("DIR/DEVICE/cisco-ios.txt", "The Cisco IOS configuration (ACLs, interfaces, VLANs) of a router or switch."),
    ("DIR/DEVICE/panos.txt", "The PAN-OS configuration (interfaces, zones, management profiles, address and service objects, security rules) of a firewall as set commands; `verify` also reads `show config running` in set format there."),
    ("DIR/DEVICE/cisco-asa.txt", "The Cisco ASA configuration (interfaces, object-groups, access lists and their bindings) of a firewall; `verify` also reads `show running-config` output there."),
    ("DIR/DEVICE/fortios.txt", "The FortiOS configuration (interfaces, addresses, services, firewall and local-in policies) of a FortiGate; `verify` also reads `show full-configuration` output there."),
    ("DIR/report.md, DIR/report.html, DIR/report.json", "The conformance report."),
    ("DIR/manifest.json", "Every file `build` wrote, with its sha256, and the hash of the policy."),
];

/// Prints the top page, or writes every page into `-o DIR`.
pub fn man(args: ManArgs, io: &mut Io) -> Result<u8> {
    let pages = pages()?;
    match &args.out {
        None => {
            let (_, text) = &pages[0];
            io.out
                .write_all(text.as_bytes())
                .map_err(|e| Error::io("<stdout>", e))?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            for (name, text) in &pages {
                crate::output::write_atomic(&dir.join(name), text.as_bytes())?;
            }
            io.eprintln(format_args!(
                "wrote {} pages to {}",
                pages.len(),
                dir.display()
            ));
        }
    }
    Ok(EXIT_OK)
}

/// Every man page as (file name, roff): `fenceline.1` first, then one per command.
pub fn pages() -> Result<Vec<(String, String)>> {
    // Without the `help` command: it would be listed as `fenceline-help(1)`, a page nobody writes.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let subs: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    let mut out = vec![page(cmd, None)?];
    for sub in subs {
        out.push(page(sub, Some(()))?);
    }
    Ok(out)
}

/// One page; `sub` is set for a command's page.
fn page(cmd: clap::Command, sub: Option<()>) -> Result<(String, String)> {
    let name = cmd.get_name().to_string();
    // Every page's footer names the program, not the command (`query 0.1.0`).
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("fenceline {}", env!("CARGO_PKG_VERSION")));
    let mut buf: Vec<u8> = Vec::new();
    let mut render = || -> std::io::Result<()> {
        man.render_title(&mut buf)?;
        man.render_name_section(&mut buf)?;
        man.render_synopsis_section(&mut buf)?;
        man.render_description_section(&mut buf)?;
        if cmd.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut buf)?;
        }
        // A command's own subcommands (`traffic check`) are described on its page, which
        // names no page of theirs: `man -o` writes one page per command.
        if sub.is_none() && cmd.get_subcommands().any(|s| !s.is_hide_set()) {
            man.render_subcommands_section(&mut buf)?;
        }
        Ok(())
    };
    render().map_err(|e| Error::Other(format!("rendering the man page: {e}")))?;
    let mut text = String::from_utf8(buf).map_err(|e| Error::Other(e.to_string()))?;
    if sub.is_some() {
        let nested: Vec<&clap::Command> =
            cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
        if !nested.is_empty() {
            text.push_str(".SH SUBCOMMANDS\n");
            for n in nested {
                let about = n.get_about().map(|a| a.to_string()).unwrap_or_default();
                item(&mut text, n.get_name(), &about);
            }
        }
    }
    match sub {
        None => {
            exit_status_all(&mut text);
            environment(&mut text);
            files(&mut text);
            see_also(&mut text, &cmd);
        }
        Some(()) => {
            exit_status_of(&mut text, &name);
            let _ = writeln!(text, ".SH \"SEE ALSO\"\n{}", roff("fenceline(1)"));
        }
    }
    let _ = writeln!(text, ".SH VERSION\nv{}", env!("CARGO_PKG_VERSION"));
    Ok((man.get_filename(), text))
}

fn exit_status_all(text: &mut String) {
    let _ = writeln!(text, ".SH \"EXIT STATUS\"");
    for (code, meaning) in EXIT_CODES {
        item(text, &code.to_string(), meaning);
    }
    let _ = writeln!(text, ".PP\nPer command:");
    for (command, codes) in EXIT_STATUS {
        item(text, command, &codes_text(codes));
    }
}

fn exit_status_of(text: &mut String, command: &str) {
    let Some((_, codes)) = EXIT_STATUS.iter().find(|(c, _)| *c == command) else {
        return;
    };
    let _ = writeln!(text, ".SH \"EXIT STATUS\"");
    for (code, meaning) in codes.iter() {
        item(text, &code.to_string(), meaning);
    }
}

/// `0 clean; 1 errors; 2 could not run`: a command's codes as the README shows them.
pub fn codes_text(codes: &[(u8, &str)]) -> String {
    codes
        .iter()
        .map(|(c, m)| format!("{c} {m}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn environment(text: &mut String) {
    let _ = writeln!(text, ".SH ENVIRONMENT");
    for (name, meaning) in ENVIRONMENT {
        item(text, name, meaning);
    }
}

fn files(text: &mut String) {
    let _ = writeln!(text, ".SH FILES");
    for (name, meaning) in FILES {
        item(text, name, meaning);
    }
    let _ = writeln!(
        text,
        ".PP\n{}",
        roff("DIR is the output directory of `build -o DIR` and the directory `verify` reads; DEVICE is a firewall, router or switch of the policy. The same policy gives byte-identical files.")
    );
}

fn see_also(text: &mut String, cmd: &clap::Command) {
    let pages: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| format!("fenceline-{}(1)", s.get_name()))
        .collect();
    let _ = writeln!(
        text,
        ".SH \"SEE ALSO\"\n{}\n.PP\n{}",
        roff(&pages.join(", ")),
        roff("`fenceline man -o DIR` writes these pages. The documentation: https://github.com/fenceline/fenceline/tree/main/docs")
    );
}

/// A tagged paragraph: the tag in bold, the text below it.
fn item(text: &mut String, tag: &str, body: &str) {
    let _ = writeln!(text, ".TP\n\\fB{}\\fR\n{}", escape(tag), roff(body));
}

/// Text as roff: backticked spans in bold, everything else escaped.
fn roff(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "\\fB{}\\fR", escape(part));
        } else {
            out.push_str(&escape(part));
        }
    }
    // A line starting with `.` or `'` would be read as a request.
    if out.starts_with('.') || out.starts_with('\'') {
        out.insert_str(0, "\\&");
    }
    out
}

/// Escapes roff's escape character and makes `-` a minus (so `--check` is not hyphenated or
/// turned into a dash).
fn escape(s: &str) -> String {
    s.replace('\\', "\\e").replace('-', "\\-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_an_exit_status_and_every_page_a_section() {
        let cmd = Cli::command();
        let commands: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
        let listed: Vec<&str> = EXIT_STATUS.iter().map(|(c, _)| *c).collect();
        let (mut a, mut b) = (commands.clone(), listed.clone());
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        for (name, text) in pages().unwrap() {
            assert!(text.contains(".SH \"EXIT STATUS\""), "{name}");
            assert!(text.contains(".SH \"SEE ALSO\""), "{name}");
        }
    }

    #[test]
    fn roff_text_is_escaped() {
        assert_eq!(roff("a `--check` b"), "a \\fB\\-\\-check\\fR b");
        assert_eq!(roff(".x\\"), "\\&.x\\e");
    }
}
