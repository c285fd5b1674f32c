//! The typed nftables configuration: what [`super::lower`] builds, [`super::print`] writes and
//! [`super::parse`] reads back from `nft` text or `nft -j list ruleset` JSON. It is the ruleset
//! as it stands after the file is applied (a table deleted and defined again is one table that
//! says so), in source order: sets, then chains, each with its statements.
//!
//! Where a node was read from ([`Origin`], `file:line: text`) is carried for the decisions of
//! [`super::semantics`] but is not part of the configuration's meaning: it compares equal
//! everywhere, so a configuration read back equals the one printed.

use crate::dialect::config::{ReadError, Tag};
use std::fmt;

/// A read failure at a line of a file, for [`super::parse`] and [`super::json`].
pub(super) fn err(file: &str, line: usize, message: impl Into<String>) -> ReadError {
    ReadError {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// Where a node was read from: empty for a configuration built by `lower`.
#[derive(Clone, Default)]
pub struct Origin(pub Option<Tag>);

impl Origin {
    pub fn new(tag: Tag) -> Origin {
        Origin(Some(tag))
    }
}

impl PartialEq for Origin {
    /// Positions do not change what a configuration is.
    fn eq(&self, _: &Origin) -> bool {
        true
    }
}

impl fmt::Debug for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(t) => write!(f, "@{t:?}"),
            None => write!(f, "@-"),
        }
    }
}

/// Text between double quotes (`comment "..."`, `log prefix "..."`): no control character, no
/// `"` (it would end the string) and no `\` (nft knows no escapes), so it can never end the
/// string or the line it is printed in. Policy text reaches it through `dialect::sanitize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted(String);

impl Quoted {
    /// `None` when the text could break out of its quotes.
    pub fn new(text: impl Into<String>) -> Option<Quoted> {
        let text = text.into();
        (!text
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '\\'))
        .then_some(Quoted(text))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A `# ...` line of the file's header: no control character, so it stays one comment line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remark(String);

impl Remark {
    /// `None` when the text would not stay on its line.
    pub fn new(text: impl Into<String>) -> Option<Remark> {
        let text = text.into();
        (!text.chars().any(char::is_control)).then_some(Remark(text))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A whole ruleset file.
#[derive(Debug, Clone, Default)]
pub struct Ruleset {
    /// The file it was read from or is written to (messages and decision tags).
    pub file: String,
    /// Comment lines before the first command.
    pub header: Vec<Remark>,
    pub tables: Vec<Table>,
    /// What the reader derives from the tables once for every interface pair it evaluates.
    pub derived: Derived,
}

/// What [`super::semantics`] derives from a ruleset's tables once and reuses for each of its
/// interface pairs (a firewall of 100 interfaces has 9,900): empty until first needed. A clone
/// starts empty again, so a copy that is then edited never reads the original's.
#[derive(Default)]
pub struct Derived(pub(super) std::sync::OnceLock<DerivedData>);

pub(super) struct DerivedData {
    /// Per table (same index), its chains by name: the index of the last of that name.
    pub(super) chains: Vec<std::collections::BTreeMap<String, usize>>,
    /// Per table, its base chains in name order (the last of each name): a firewall of 100
    /// interfaces has 20,000 chains and a handful of base chains, looked up for each of its
    /// 9,900 pairs.
    pub(super) bases: Vec<Vec<(String, usize)>>,
    /// Per table, its sets by name: the index of the last of that name.
    pub(super) sets: Vec<std::collections::BTreeMap<String, usize>>,
    /// The interface verdict maps whose keys are all exact names (no `*`), by the address of
    /// their entries: entry index by key (the first of equal keys, as a scan finds). A firewall
    /// of 100 interfaces has a map of 9,900 pairs, read for each of them.
    pub(super) vmaps: std::collections::HashMap<usize, VmapIndex>,
    /// The sets whose key begins with two interface names (`type ifname . ifname . ...`,
    /// a firewall's flow sets), every element's two names exact, by the address of the set:
    /// the indices of the elements of each pair of names, in order. A flow set of 100,000
    /// elements is looked up by each of 9,900 pairs.
    pub(super) ifsets: std::collections::HashMap<usize, IfSetIndex>,
    /// Does a chain translate addresses (`nat`) or set a packet mark: is there anything for
    /// `pair_nat` to read?
    pub(super) translates: bool,
}

/// [`DerivedData::vmaps`]: every key has `parts` names (one or two); entry index by the first
/// name, then the second (empty for one).
#[derive(Default)]
pub(super) struct VmapIndex {
    pub(super) parts: usize,
    pub(super) by: std::collections::HashMap<String, std::collections::HashMap<String, usize>>,
}

/// [`DerivedData::ifsets`]: element indices by (first name, second name).
pub(super) type IfSetIndex = std::collections::HashMap<(String, String), Vec<usize>>;

impl Clone for Derived {
    fn clone(&self) -> Derived {
        Derived::default()
    }
}

impl fmt::Debug for Derived {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Derived")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// `inet`, `ip`, `ip6`, ...
    pub family: String,
    pub name: String,
    /// Declared, deleted and defined again (`table F N {}`, `delete table F N`, `table F N {`):
    /// the file replaces the table in one transaction, whatever the kernel held.
    pub replaced: bool,
    pub sets: Vec<Set>,
    pub chains: Vec<Chain>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    pub name: String,
    /// `type` (or `typeof`) parts, `ipv4_addr . ipv4_addr . inet_proto`: one per concatenated
    /// field.
    pub kind: Vec<String>,
    pub typeof_: bool,
    pub flags: Vec<String>,
    /// Counters on every element.
    pub counter: bool,
    pub comment: Option<Quoted>,
    pub elements: Vec<Element>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub value: Val,
    pub counter: Option<Counter>,
    pub comment: Option<Quoted>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chain {
    pub name: String,
    pub base: Option<Base>,
    /// `policy accept|drop` of a base chain.
    pub policy: Option<String>,
    pub comment: Option<Quoted>,
    pub rules: Vec<Rule>,
    /// Where the chain's policy was read from.
    pub origin: Origin,
}

/// `type filter hook forward priority filter;`
#[derive(Debug, Clone, PartialEq)]
pub struct Base {
    /// `filter`: the reader refuses other chain types.
    pub kind: String,
    pub hook: Option<String>,
    /// The words after the hook: `priority filter`, `device eth0 priority 0`.
    pub rest: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub stmts: Vec<Stmt>,
    pub comment: Option<Quoted>,
    pub origin: Origin,
}

/// `counter` (`None`) or `counter packets N bytes M`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter(pub Option<(u64, u64)>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// `iifname`, `meta l4proto`, ...
    Meta(String),
    /// `ip saddr`, `th dport`, ...
    Payload(String, String),
    /// `ct state`
    Ct(String),
    /// `a . b . c`
    Concat(Vec<Selector>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    /// A bare word: `10.1.0.0/24`, `tcp`, `1000-2000`, `lo`.
    Atom(String),
    /// A quoted string: `"eth0"`.
    Str(String),
    /// `addr/len` (JSON only; text writes it as one word).
    Prefix(String, u32),
    /// `a-b` (JSON only; text writes it as one word).
    Range(Box<Val>, Box<Val>),
    /// An anonymous set `{ a, b }` (or `a,b` after `ct state`).
    Set(Vec<Val>),
    Concat(Vec<Val>),
    /// `@name`
    SetRef(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Drop,
    /// `reject [with ...]`: the words after `with`.
    Reject(Vec<String>),
    Return,
    Jump(String),
    Goto(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    Match {
        neg: bool,
        left: Selector,
        right: Val,
    },
    Verdict(Verdict),
    /// An anonymous verdict map, one entry per line.
    Vmap {
        key: Selector,
        map: Vec<(Val, Verdict)>,
    },
    Counter(Counter),
    /// `log [prefix "..."] [level info] ...`: the options after the prefix in order.
    Log {
        prefix: Option<Quoted>,
        options: Vec<(String, String)>,
    },
    /// `limit rate [over] RATE [burst N UNIT]`: decides nothing by itself, but makes a verdict
    /// on the same rule depend on traffic.
    Limit {
        over: bool,
        rate: String,
        burst: Option<(String, String)>,
    },
    /// A statement of `nft -j` JSON the reader does not know; the semantics refuse it when the
    /// forward path reaches it. Never built by `lower`, printed as a comment.
    /// `ct zone set 1`, `meta mark set 1`: sets a field of the packet or its connection and
    /// decides nothing.
    Mangle {
        left: Selector,
        value: Val,
    },
    /// `dnat ip prefix to 192.168.1.0/24` (`snat`): static 1:1 translation of the matched
    /// prefix onto `to` (the kernel's netmap), the only form of NAT fenceline writes and reads.
    Nat {
        kind: String,
        family: String,
        to: Val,
    },
    Unknown(String),
}

impl PartialEq for Ruleset {
    /// The file a ruleset was read from is where, not what.
    fn eq(&self, other: &Ruleset) -> bool {
        self.header == other.header && self.tables == other.tables
    }
}

impl Ruleset {
    /// Every rule of every chain (the kernel's count: a verdict map is one rule).
    pub fn rule_count(&self) -> usize {
        self.tables
            .iter()
            .flat_map(|t| &t.chains)
            .map(|c| c.rules.len())
            .sum()
    }
    /// Every element of every set.
    pub fn element_count(&self) -> usize {
        self.tables
            .iter()
            .flat_map(|t| &t.sets)
            .map(|s| s.elements.len())
            .sum()
    }
}

impl Table {
    pub fn set(&self, name: &str) -> Option<&Set> {
        self.sets.iter().find(|s| s.name == name)
    }
    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.chains.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No text can leave its quotes or its line, whatever the sanitiser let through.
    #[test]
    fn quoted_text_cannot_break_out() {
        for bad in ["a\"b", "a\\b", "a\nb", "a\rb", "a\tb", "\u{0}"] {
            assert!(Quoted::new(bad).is_none(), "{bad:?}");
        }
        assert!(Remark::new("a\nb").is_none());
        assert_eq!(
            Quoted::new("zone a: it's # {ok};").map(|q| q.as_str().to_string()),
            Some("zone a: it's # {ok};".to_string())
        );
        assert!(Remark::new("policy \"p\"").is_some());
    }
}
