//! The typed iptables configuration: one file per family, each the ordered lines
//! `iptables-restore` reads (comment lines, table blocks of chain declarations and commands).
//! [`super::lower`] builds it, [`super::print`] prints it, [`super::parse`] reads generated files
//! and `iptables-save` output back into it, and [`super::semantics`] restores it as the kernel
//! does to say what it accepts.
//!
//! The AST keeps every line, blank and comment lines included, so a line number is a position
//! in the AST: decision tags and errors name the same lines in a printed file and in the file it
//! was read from. Option spellings are normalised (`--destination-port` is `--dport`); values the
//! reader interprets only where FORWARD reaches them (protocol and ICMP type names, module
//! names, log levels) stay words, and options it does not understand stay
//! [`Match::Other`], refused by the semantics when a rule that FORWARD reaches holds one.

use crate::dialect::config::Tag;
use crate::dialect::conntrack::State;
use crate::packet::Family;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One device's configuration: `iptables.rules` and `ip6tables.rules`, and `ipset.rules` where
/// rules match zone sets (`-m set --match-set NAME src`).
#[derive(Debug, Clone, PartialEq)]
pub struct Ruleset {
    pub v4: RulesFile,
    pub v6: RulesFile,
    pub ipsets: Option<IpsetFile>,
}

/// `ipset.rules`: the lines `ipset restore` reads (generated: create the sets, fill a temporary
/// copy of each, swap it in, destroy the copy), or `ipset save` output.
#[derive(Debug, Clone, PartialEq)]
pub struct IpsetFile {
    /// Where the file lives (`fw/ipset.rules`), for errors; not printed.
    pub path: String,
    pub lines: Vec<SetLine>,
}

/// One line of an `ipset restore` file.
#[derive(Debug, Clone, PartialEq)]
pub enum SetLine {
    Blank,
    Comment(Text),
    /// `create NAME TYPE family inet|inet6 [options]` (`-exist`, `hashsize 1024`, ...: kept as
    /// words).
    Create {
        name: String,
        kind: String,
        family: Family,
        options: Vec<String>,
    },
    /// `add NAME ADDR[/LEN]`.
    Add {
        name: String,
        net: Net,
    },
    /// `flush [NAME]`.
    Flush(Option<String>),
    /// `swap FROM TO`.
    Swap(String, String),
    /// `destroy [NAME]`.
    Destroy(Option<String>),
}

/// The sets as `ipset restore` leaves them once `ipset.rules` is applied, by name: their family
/// and addresses (sorted, disjoint intervals). Derived from the file, so equal to any other.
#[derive(Clone, Default)]
pub struct SetsView(pub(crate) std::sync::Arc<BTreeMap<String, HeldSet>>);

/// One set of a [`SetsView`]: its family and its addresses.
pub type HeldSet = (Family, Vec<(u128, u128)>);

impl PartialEq for SetsView {
    fn eq(&self, _: &SetsView) -> bool {
        true
    }
}

impl std::fmt::Debug for SetsView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SetsView")
    }
}

/// One `iptables-restore` file of one family.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesFile {
    pub family: Family,
    /// Where the file lives (`fw/iptables.rules`), for errors and decision tags; not printed.
    pub path: String,
    pub lines: Vec<Line>,
    /// The filter table as restored, computed once (see [`super::semantics`]).
    pub(crate) restored: Restored,
    /// The ipsets its `-m set` matches name, from the device's `ipset.rules`.
    pub(crate) sets: SetsView,
}

/// A top-level line of a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Blank,
    Comment(Text),
    /// `*name` ... `COMMIT`.
    Table(Table),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub entries: Vec<Entry>,
}

/// A line inside a table block.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Blank,
    Comment(Text),
    /// `:NAME POLICY [packets:bytes]`.
    Chain(ChainDecl),
    Command(Command),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChainDecl {
    pub name: String,
    /// `None` prints `-` (a user chain, or a built-in chain keeping its policy).
    pub policy: Option<Policy>,
    pub counters: Option<(u64, u64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Accept,
    Drop,
}

/// The commands `iptables-restore` applies that the reader models.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `-A CHAIN rule`.
    Append { chain: String, rule: Rule },
    /// `-I CHAIN [N] rule` (`at` counts from 1).
    Insert {
        chain: String,
        at: Option<usize>,
        rule: Rule,
    },
    /// `-P CHAIN POLICY`.
    Policy { chain: String, policy: Policy },
    /// `-F CHAIN`.
    Flush { chain: String },
    /// `-X [CHAIN]`.
    Delete { chain: Option<String> },
    /// `-N CHAIN`.
    New { chain: String },
}

/// A rule: its matches in order, then its target.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rule {
    pub matches: Vec<Match>,
    pub jump: Option<Jump>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Src,
    Dst,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Match {
    /// `[!] -i NAME` / `[!] -o NAME` (`Src` is the ingress interface).
    Iface { dir: Dir, neg: bool, name: String },
    /// `[!] -s a/len[,b/len]` / `-d`.
    Addr { dir: Dir, neg: bool, nets: Vec<Net> },
    /// `[!] --src-range a-b` / `--dst-range` (module iprange).
    Range { dir: Dir, neg: bool, net: Net },
    /// `[!] -p NAME` (`all`, a name or a number).
    Proto { neg: bool, name: Word },
    /// `-m NAME`.
    Module(Word),
    /// `--dport` / `--sport` (`multi`: `--dports` / `--sports` of multiport).
    Ports {
        dir: Dir,
        multi: bool,
        ranges: Vec<(u16, u16)>,
    },
    /// `--icmp-type T` / `--icmpv6-type T` (a name, a number or `any`).
    Icmp { v6: bool, name: String },
    /// `[!] --ctstate S,..` (`ct`) / `[!] --state S,..`.
    State {
        ct: bool,
        neg: bool,
        states: Vec<State>,
    },
    /// `--comment "..."`.
    Comment(Text),
    /// `--limit RATE`.
    Limit(String),
    /// `--limit-burst N`.
    LimitBurst(String),
    /// `--hl-eq N` (module hl; the reader does not interpret it).
    HlEq(u8),
    /// `[!] --ctdir ORIGINAL|REPLY` (module conntrack): `reply` for the reply direction.
    CtDir { neg: bool, reply: bool },
    /// `[!] --match-set NAME src|dst` (module set): the address is in the ipset `NAME`.
    Set { neg: bool, name: String, dir: Dir },
    /// An option the reader does not model, or one whose value it cannot read, with the words
    /// that follow it: refused where FORWARD reaches it. Boxed: rare, and it would double every
    /// other match's size.
    Other(Box<Unmodelled>),
}

/// The option and words of a [`Match::Other`].
#[derive(Debug, Clone, PartialEq)]
pub struct Unmodelled {
    pub neg: bool,
    pub option: String,
    pub values: Vec<String>,
}

impl Match {
    /// An option the reader does not model ([`Match::Other`]).
    pub fn other(neg: bool, option: impl Into<String>, values: Vec<String>) -> Match {
        Match::Other(Box::new(Unmodelled {
            neg,
            option: option.into(),
            values,
        }))
    }
}

/// A word of a rule that is most often one of a few (`tcp`, `comment`, `ACCEPT`): the lowering
/// writes them without allocating, the reader keeps what it read.
pub type Word = std::borrow::Cow<'static, str>;

/// An address interval of one family: a prefix for `-s`/`-d`, any interval for a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    pub family: Family,
    pub lo: u128,
    pub hi: u128,
}

/// `-j TARGET options` or `-g CHAIN`.
#[derive(Debug, Clone, PartialEq)]
pub struct Jump {
    pub goto: bool,
    pub target: Word,
    pub options: Vec<TargetOpt>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TargetOpt {
    LogPrefix(Text),
    LogLevel(String),
    RejectWith(String),
    NflogGroup(String),
    NflogPrefix(Text),
    /// `--log-uid`, `--log-tcp-options`, `--log-ip-options`, `--log-tcp-sequence`.
    Flag(String),
    /// Anything else after the target: refused where FORWARD reaches it.
    Other {
        option: String,
        values: Vec<String>,
    },
}

/// Free text in a file (a comment line, `--comment`, `--log-prefix`): it can only be built
/// without control characters (a tab aside), so it never ends a line; the printer quotes it and escapes `"`
/// and `\` as iptables-save does. Policy text passes [`crate::dialect::sanitize`] before it gets
/// here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn new(s: impl Into<String>) -> Result<Text, String> {
        let s = s.into();
        if s.chars().any(|c| c.is_control() && c != '\t') {
            return Err(format!(
                "refusing to write a control character into a configuration: {s:?}"
            ));
        }
        Ok(Text(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// The filter table as `iptables-restore` leaves it ([`super::semantics::restore`] computes it).

/// A rule of the restored table: where its command is in the AST (line, entry), its line
/// number, and its decision tag (`fw/iptables.rules:42: -A ...`), printed when a decision first
/// needs it.
#[derive(Debug, Clone)]
pub struct Placed {
    pub at: (usize, usize),
    pub line: usize,
    pub(super) tag: OnceLock<Tag>,
}

#[derive(Debug, Clone, Default)]
pub struct Chain {
    pub policy: Option<Policy>,
    pub rules: Vec<Placed>,
    /// Its rules by the interfaces they name exactly, built when a pair first reads the chain.
    pub(super) by_iface: OnceLock<IfaceIndex>,
}

/// A chain's rule indices grouped by the interfaces each names exactly (`-i NAME`, `-o NAME`,
/// neither negated nor a `+` wildcard; `None`: no such match). A firewall with one chain per
/// interface pair dispatches from FORWARD by one `-i A -o B -j CHAIN` rule per pair: reading
/// only the groups a pair can match keeps `verify` linear in the pairs instead of quadratic.
#[derive(Debug, Clone, Default)]
pub struct IfaceIndex {
    pub(super) groups: BTreeMap<(Option<String>, Option<String>), Vec<usize>>,
}

/// The filter table the kernel holds once the file is restored.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub chains: BTreeMap<String, Chain>,
}

/// The restored filter table, cached. Equal to any other: it is derived from the lines.
#[derive(Clone, Default)]
pub(crate) struct Restored(pub(crate) OnceLock<Filter>);

impl PartialEq for Restored {
    fn eq(&self, _: &Restored) -> bool {
        true
    }
}

impl std::fmt::Debug for Restored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Restored")
    }
}

impl RulesFile {
    pub fn new(family: Family, path: impl Into<String>, lines: Vec<Line>) -> RulesFile {
        RulesFile {
            family,
            path: path.into(),
            lines,
            restored: Restored::default(),
            sets: SetsView::default(),
        }
    }
}

impl Rule {
    /// A rule ending in `-j target`.
    pub fn jump(matches: Vec<Match>, target: impl Into<Word>) -> Rule {
        Rule {
            matches,
            jump: Some(Jump {
                goto: false,
                target: target.into(),
                options: Vec::new(),
            }),
        }
    }

    /// The chain or target it jumps or goes to.
    pub fn target(&self) -> Option<&str> {
        self.jump.as_ref().map(|j| &*j.target)
    }
}

impl RulesFile {
    /// Rules as written (`-A` and `-I` lines): what `iptables-save` lists once a generated
    /// file is loaded.
    pub fn rule_count(&self) -> usize {
        self.commands()
            .filter(|c| matches!(c, Command::Append { .. } | Command::Insert { .. }))
            .count()
    }

    /// Its lines, blank and comment lines and a table's lines included.
    pub fn lines(&self) -> usize {
        self.lines
            .iter()
            .map(|l| match l {
                Line::Table(t) => t.entries.len() + 2,
                _ => 1,
            })
            .sum()
    }

    /// Every command of every table block, in order.
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        self.lines
            .iter()
            .filter_map(|l| match l {
                Line::Table(t) => Some(&t.entries),
                _ => None,
            })
            .flatten()
            .filter_map(|e| match e {
                Entry::Command(c) => Some(c),
                _ => None,
            })
    }

    /// The comment of every rule that has one, with its chain.
    pub fn comments(&self) -> impl Iterator<Item = (&str, &Text)> {
        self.commands().filter_map(|c| match c {
            Command::Append { chain, rule } | Command::Insert { chain, rule, .. } => {
                rule.matches.iter().find_map(|m| match m {
                    Match::Comment(t) => Some((chain.as_str(), t)),
                    _ => None,
                })
            }
            _ => None,
        })
    }
}
