//! pest grammar to typed AST. This is the only module that sees pest pairs.
//!
//! The few `expect("grammar")` calls state facts the grammar guarantees (a `zone` pair always has a
//! name pair); they cannot fail on any input, which the fuzz and fixture tests exercise.

use super::ast::*;
use crate::diagnostic::{codes, Diagnostic};
use crate::source::{FileId, Span};
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/fenceline.pest"]
struct Grammar;

/// Parses one file. A syntax error stops this file (pest reports the first one only).
///
/// A large file is parsed in two halves side by side (see [`split_point`]); the result is the
/// one parse of the whole file gives, and any error is reported by that parse.
pub fn parse_file(file: FileId, text: &str) -> Result<File, Diagnostic> {
    if let Some(at) = split_point(text) {
        let (second, first) = crate::threads::join(
            || parse_part(file, &text[at..], at),
            || parse_part(file, &text[..at], 0),
        );
        if let (Ok((mut items, first_end)), Ok((rest, second_end))) = (first, second) {
            items.extend(rest);
            let end = second_end.or(first_end).unwrap_or(0);
            return Ok(File {
                items,
                span: Span::new(file, 0, end),
            });
        }
    }
    parse_whole(file, text)
}

/// [`parse_file`] on one thread.
fn parse_whole(file: FileId, text: &str) -> Result<File, Diagnostic> {
    let mut pairs = Grammar::parse(Rule::file, text).map_err(|e| syntax_error(file, text, e))?;
    let root = pairs
        .next()
        .ok_or_else(|| Diagnostic::error(codes::SYNTAX, "empty parse"))?;
    let b = Builder {
        file,
        text,
        base: 0,
    };
    let span = b.span(&root);
    let items = root
        .into_inner()
        .filter(|p| p.as_rule() != Rule::EOI)
        .map(|p| b.item(p))
        .collect();
    Ok(File { items, span })
}

/// Files smaller than this are parsed on one thread.
const PARALLEL_PARSE_BYTES: usize = 256 * 1024;

/// Where a large file can be cut in two for [`parse_part`]: just after the line break that
/// follows a `}` closing a top-level declaration, at or after the middle of the file (outside
/// strings and comments). Every declaration of the grammar ends at such a brace or before
/// it, and none reads past its end, so the two halves parse to the declarations of the whole.
/// `None` for a small file or one with no such place (or unbalanced braces: the whole parse
/// then reports the error).
fn split_point(text: &str) -> Option<usize> {
    if text.len() < PARALLEL_PARSE_BYTES {
        return None;
    }
    let bytes = text.as_bytes();
    let middle = text.len() / 2;
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    match bytes[i] {
                        b'\\' => i += 1,
                        // An unterminated string: leave it to the whole parse.
                        b'\n' | b'\r' => return None,
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 && i >= middle && bytes.get(i + 1) == Some(&b'\n') {
                    let at = i + 2;
                    return (at < bytes.len()).then_some(at);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The declarations of `part`, a piece of a file starting at byte `base` of it, with spans in
/// the whole file's offsets; and where the last one ends.
fn parse_part(
    file: FileId,
    part: &str,
    base: usize,
) -> std::result::Result<(Vec<Item>, Option<usize>), ()> {
    let mut pairs = Grammar::parse(Rule::file, part).map_err(|_| ())?;
    let root = pairs.next().ok_or(())?;
    let b = Builder {
        file,
        text: part,
        base,
    };
    let mut end = None;
    let items = root
        .into_inner()
        .filter(|p| p.as_rule() != Rule::EOI)
        .map(|p| {
            end = Some(b.span(&p).end as usize);
            b.item(p)
        })
        .collect();
    Ok((items, end))
}

/// User-facing names of grammar rules, for "expected ..." messages.
fn rule_name(rule: &Rule) -> String {
    let s = match rule {
        Rule::ident => "a name",
        Rule::string | Rule::string_inner => "a quoted string",
        Rule::number | Rule::vlan_value => "a number",
        Rule::level_value => "a Purdue level (0, 1, 2, 3, 3.5, 4, 5)",
        Rule::addr => "an address, network or range",
        Rule::rule_id => "a rule ID such as `FR5-003`",
        Rule::date => "a date YYYY-MM-DD",
        Rule::svc_item => "a service item such as `tcp/502`",
        Rule::svc_inline => "a service",
        Rule::ifname => "an interface name",
        Rule::arrow => "`->`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::endpoint => "a zone or zone.asset",
        Rule::sl_vector => "`{`",
        Rule::sl_entry => "a foundational requirement (iac, uc, si, dc, rdf, tre, ra)",
        Rule::EOI => "end of file",
        Rule::file => "a declaration (`zone`, `conduit`, `service`, `firewall`, `router`, `switch`, `policy`, `include`, `expect`)",
        Rule::include => "`include`",
        Rule::policy => "`policy`",
        Rule::zone => "`zone`",
        Rule::service => "`service`",
        Rule::conduit => "`conduit`",
        Rule::device => "a device (`firewall`, `router`, `switch`)",
        Rule::expect => "`expect`",
        Rule::description => "`description`",
        Rule::owner => "`owner`",
        Rule::level => "`level`",
        Rule::sl_target => "`sl-target`",
        Rule::network => "`network`",
        Rule::net_entry => "a network such as `10.0.0.0/24`",
        Rule::vlan => "`vlan`",
        Rule::asset => "`asset`",
        Rule::safety => "`safety`",
        Rule::transit => "`transit`",
        Rule::exception => "`exception`",
        Rule::kind => "`kind`",
        Rule::flag => "a service attribute",
        Rule::connects => "`connects`",
        Rule::allow => "`allow`",
        Rule::via => "`via`",
        Rule::log => "`log`",
        Rule::target => "`target`",
        Rule::interface => "`interface`",
        Rule::ports => "`ports`",
        Rule::port => "`port`",
        Rule::port_mode => "`access` or `trunk`",
        Rule::unused_ports => "`unused-ports`",
        Rule::parking_vlan => "`parking-vlan`",
        Rule::if_address => "`address`",
        Rule::if_nodes => "`nodes`",
        Rule::cluster => "`cluster`",
        Rule::sync => "`sync`",
        Rule::island => "`island`",
        Rule::inspect => "`inspect`",
        Rule::device_kind => "a device (`firewall`, `router`, `switch`)",
        Rule::template => "`template`",
        Rule::param => "`param`",
        Rule::site => "`site`",
        Rule::binding => "a parameter and its value",
        Rule::revision => "`revision`",
        Rule::approved_by => "`approved-by`",
        Rule::risk_matrix => "`risk-matrix`",
        Rule::designation => "`designation`",
        Rule::tag => "`tag`",
        Rule::location => "`location`",
        Rule::risk => "`risk`",
        Rule::likelihood => "`likelihood`",
        Rule::consequence => "`consequence`",
        Rule::fr_list => "`fr`",
        Rule::mitigated_by => "`mitigated-by`",
        Rule::capability => "`capability`",
        other => {
            let n = format!("{other:?}");
            return match n.strip_prefix("kw_") {
                Some(k) => format!("`{}`", k.replace('_', "-")),
                None => n,
            };
        }
    };
    s.to_string()
}

const TOP_LEVEL: [&str; 11] = [
    "zone", "conduit", "service", "firewall", "router", "switch", "policy", "include", "expect",
    "template", "site",
];

fn syntax_error(file: FileId, text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    // Point at the whole offending token, not one character.
    let rest = &text[pos.min(text.len())..];
    let tok_len = rest
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || matches!(c, '{' | '}' | ',' | '"'))
        .map(|(i, _)| i)
        .unwrap_or(rest.len())
        .max(rest.chars().next().map_or(0, |c| c.len_utf8()));
    let found = if rest.is_empty() {
        "end of file".to_string()
    } else {
        format!("`{}`", &rest[..tok_len])
    };
    let mut expected: Vec<String> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.iter().map(rule_name).collect(),
        ErrorVariant::CustomError { message } => vec![message.clone()],
    };
    let keywords: Vec<String> = expected
        .iter()
        .filter(|n| n.starts_with('`') && n.ends_with('`') && n.len() > 2)
        .map(|n| n.trim_matches('`').to_string())
        .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .chain(
            expected
                .iter()
                .filter(|n| n.starts_with("a declaration"))
                .flat_map(|_| TOP_LEVEL.iter().map(|k| k.to_string())),
        )
        .collect();
    let word = &rest[..tok_len];
    let help = if rest.starts_with('"') && expected.iter().any(|x| x.contains("string")) {
        Some(
            "a string ends with `\"` on the same line; write `\\\"` for a quote inside it"
                .to_string(),
        )
    } else if word.chars().any(|c| c.is_ascii_uppercase()) && expected.iter().any(|x| x == "a name")
    {
        Some(format!(
            "names are lowercase letters, digits and `-`: `{}`",
            word.to_ascii_lowercase()
        ))
    } else if word == "capability" {
        Some(
            "`capability` is a product's SL-C and goes in the block of a `firewall`, `router` or `switch`, on a line of its own; a switch port or a flow takes none"
                .to_string(),
        )
    } else if word.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        crate::diagnostic::did_you_mean(word, keywords.iter().map(String::as_str))
    } else {
        None
    };
    expected.sort();
    expected.dedup();
    if expected.iter().any(|x| x == "`zone`") && expected.iter().any(|x| x == "`conduit`") {
        let eoi = expected.iter().any(|x| x == "end of file");
        expected = vec![rule_name(&Rule::file)];
        if eoi {
            expected.push("end of file".into());
        }
    }
    let expected = match expected.len() {
        0 => "something else".to_string(),
        1 => expected[0].clone(),
        n if n > 8 => "a statement".to_string(),
        _ => {
            let last = expected.pop().unwrap_or_default();
            format!("{} or {}", expected.join(", "), last)
        }
    };
    let d = Diagnostic::error(codes::SYNTAX, format!("expected {expected}, found {found}")).at(
        Span::new(file, pos, pos + tok_len),
        format!("expected {expected}"),
    );
    match help {
        Some(h) => d.help(h),
        None => d,
    }
}

struct Builder<'t> {
    file: FileId,
    /// The text pest parsed: the file, or a part of it starting at byte `base`.
    text: &'t str,
    base: usize,
}

/// End of a pair's last token. pest lets a rule's span run over whitespace and comments skipped
/// before an optional part that then did not match; spans must stop at the last token, or
/// trailing comments would be misplaced.
///
/// No token ends with whitespace, and skipped text ends with whitespace unless it runs to the
/// end of the file (a comment ends before its newline, which is skipped too): a span that ends
/// before the end of the file on anything else ends with its last token. Otherwise, every rule
/// of the grammar but `string` ends with a token or a named rule (a literal such as `,` or `.` is
/// always followed by one), so a rule ends where its last inner pair does.
fn token_end(text: &str, p: &Pair<Rule>) -> usize {
    let span = p.as_span();
    let end = span.end();
    let clean =
        end > span.start() && end < text.len() && !text.as_bytes()[end - 1].is_ascii_whitespace();
    if clean || p.as_rule() == Rule::string {
        // A string's closing quote follows its inner pair.
        return end;
    }
    match p
        .clone()
        .into_inner()
        .rev()
        .find(|c| c.as_rule() != Rule::EOI)
    {
        Some(last) => token_end(text, &last),
        // A file without declarations.
        None if p.as_rule() == Rule::file => span.start(),
        None => end,
    }
}

impl Builder<'_> {
    fn span(&self, p: &Pair<Rule>) -> Span {
        Span::new(
            self.file,
            self.base + p.as_span().start(),
            self.base + token_end(self.text, p),
        )
    }
    fn ident(&self, p: Pair<Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }
    fn token(&self, p: Pair<Rule>) -> Token {
        Token {
            text: p.as_str().to_string(),
            span: self.span(&p),
        }
    }
    fn text(&self, p: Pair<Rule>) -> Text {
        let span = self.span(&p);
        let inner = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
        let mut value = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    value.push(n);
                }
            } else {
                value.push(c);
            }
        }
        Text { value, span }
    }
    fn endpoint(&self, p: Pair<Rule>) -> Endpoint {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let first = it.next();
        let address = first.as_ref().is_some_and(|z| z.as_rule() == Rule::addr);
        let zone = first.map(|z| self.ident(z)).unwrap_or(Ident {
            name: String::new(),
            span,
        });
        let asset = it.next().map(|a| self.ident(a));
        Endpoint {
            zone,
            asset,
            span,
            address,
        }
    }
    fn svc_ref(&self, p: Pair<Rule>) -> ServiceRef {
        match p.as_rule() {
            Rule::svc_inline => ServiceRef::Inline(self.token(p)),
            _ => ServiceRef::Named(self.ident(p)),
        }
    }

    fn item(&self, p: Pair<Rule>) -> Item {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::include => {
                let s = p.into_inner().nth(1).map(|s| self.text(s));
                Item::Include(Include {
                    path: s.unwrap_or(Text {
                        value: String::new(),
                        span,
                    }),
                    span,
                })
            }
            Rule::policy => {
                let mut it = p.into_inner().skip(1);
                let name = it.next().map(|s| self.text(s)).unwrap_or(Text {
                    value: String::new(),
                    span,
                });
                let (has_block, stmts) = self.block(it);
                Item::Policy(Policy {
                    name,
                    has_block,
                    stmts,
                    span,
                })
            }
            Rule::zone => {
                let mut it = p.into_inner().skip(1);
                let name = self.ident(it.next().expect("grammar: zone has a name"));
                let (_, stmts) = self.block(it);
                Item::Zone(Zone { name, stmts, span })
            }
            Rule::service => {
                let mut it = p.into_inner().skip(1).peekable();
                let name = self.ident(it.next().expect("grammar: service has a name"));
                let mut items = Vec::new();
                while let Some(n) = it.peek() {
                    if n.as_rule() != Rule::svc_item {
                        break;
                    }
                    items.push(self.token(it.next().expect("peeked")));
                }
                let (has_block, stmts) = self.block(it);
                Item::Service(Service {
                    name,
                    items,
                    has_block,
                    stmts,
                    span,
                })
            }
            Rule::conduit => {
                let mut it = p.into_inner().skip(1);
                let name = self.ident(it.next().expect("grammar: conduit has a name"));
                let (_, stmts) = self.block(it);
                Item::Conduit(Conduit { name, stmts, span })
            }
            Rule::device => {
                let mut it = p.into_inner();
                let kind = match it
                    .next()
                    .and_then(|k| k.into_inner().next())
                    .map(|k| k.as_rule())
                {
                    Some(Rule::kw_router) => DeviceKind::Router,
                    Some(Rule::kw_switch) => DeviceKind::Switch,
                    _ => DeviceKind::Firewall,
                };
                let name = self.ident(it.next().expect("grammar: device has a name"));
                let (_, stmts) = self.block(it);
                Item::Device(Device {
                    kind,
                    name,
                    stmts,
                    span,
                })
            }
            Rule::expect => {
                let mut it = p.into_inner().skip(1);
                let allow = it
                    .next()
                    .map(|k| k.as_rule() == Rule::kw_allow)
                    .unwrap_or(false);
                let src = self.endpoint(it.next().expect("grammar: expect has a source"));
                let _arrow = it.next();
                let dst = self.endpoint(it.next().expect("grammar: expect has a destination"));
                let service = self.svc_ref(it.next().expect("grammar: expect has a service"));
                Item::Expect(Expect {
                    allow,
                    src,
                    dst,
                    service,
                    span,
                })
            }
            Rule::template => {
                let mut it = p.into_inner().skip(1);
                let name = self.ident(it.next().expect("grammar: template has a name"));
                let body = it
                    .filter(|q| !matches!(q.as_rule(), Rule::lbrace | Rule::rbrace))
                    .map(|q| self.item(q))
                    .collect();
                Item::Template(Template { name, body, span })
            }
            Rule::param => {
                let mut it = p.into_inner().skip(1);
                let name = self.ident(it.next().expect("grammar: param has a name"));
                let ty = self.ident(it.next().expect("grammar: param has a type"));
                Item::Param(Param { name, ty, span })
            }
            Rule::site => {
                let mut it = p.into_inner().skip(1);
                let name = self.ident(it.next().expect("grammar: site has a name"));
                let template = self.ident(it.next().expect("grammar: site has a template"));
                let mut has_block = false;
                let mut bindings = Vec::new();
                for q in it {
                    match q.as_rule() {
                        Rule::lbrace => has_block = true,
                        Rule::binding => {
                            let bspan = self.span(&q);
                            let mut b = q.into_inner();
                            let name = self.ident(b.next().expect("grammar: binding has a name"));
                            let v = b.next().expect("grammar: binding has a value");
                            let value = if v.as_rule() == Rule::string {
                                BindValue::Text(self.text(v))
                            } else {
                                BindValue::Bare(self.token(v))
                            };
                            bindings.push(Binding {
                                name,
                                value,
                                span: bspan,
                            });
                        }
                        _ => {}
                    }
                }
                Item::Site(Site {
                    name,
                    template,
                    has_block,
                    bindings,
                    span,
                })
            }
            // The grammar's `item` has no other alternatives.
            _ => unreachable!("unexpected top-level rule {:?}", p.as_rule()),
        }
    }

    /// Reads an optional `{ stmt* }` from the rest of a declaration's pairs.
    fn block<'a>(&self, it: impl Iterator<Item = Pair<'a, Rule>>) -> (bool, Vec<Stmt>) {
        let mut has_block = false;
        // Sized up front: a conduit of 100,000 flows would otherwise leave up to half its
        // vector unused (the braces are counted too).
        let mut stmts = Vec::with_capacity(it.size_hint().0);
        for p in it {
            match p.as_rule() {
                Rule::lbrace => has_block = true,
                Rule::rbrace => {}
                _ => stmts.push(self.stmt(p)),
            }
        }
        (has_block, stmts)
    }

    /// The `FR N` entries of an SL vector (`sl-target { ... }`, `capability { ... }`).
    fn sl_entries(&self, v: Pair<Rule>) -> Vec<(Ident, Token)> {
        v.into_inner()
            .filter(|e| e.as_rule() == Rule::sl_entry)
            .map(|e| {
                let mut e = e.into_inner();
                let fr = self.ident(e.next().expect("grammar"));
                let n = self.token(e.next().expect("grammar"));
                (fr, n)
            })
            .collect()
    }

    fn stmt(&self, p: Pair<Rule>) -> Stmt {
        let span = self.span(&p);
        let rule = p.as_rule();
        if rule == Rule::flag {
            // A flag is a bare name: the name is its own keyword.
            let name = Ident {
                name: p.as_str().to_string(),
                span,
            };
            return Stmt {
                kind: StmtKind::Flag(name),
                keyword: span,
                span,
            };
        }
        let mut it = p.into_inner();
        let keyword = it.next().map(|k| self.span(&k)).unwrap_or(span);
        let kind = match rule {
            Rule::description => StmtKind::Description(self.text(it.next().expect("grammar"))),
            Rule::owner => StmtKind::Owner(self.text(it.next().expect("grammar"))),
            Rule::level => StmtKind::Level(self.token(it.next().expect("grammar"))),
            Rule::sl_target => {
                let v = it.next().expect("grammar");
                if v.as_rule() == Rule::number {
                    StmtKind::SlTarget(SlTarget::Single(self.token(v)))
                } else {
                    let vspan = self.span(&v);
                    let entries = self.sl_entries(v);
                    StmtKind::SlTarget(SlTarget::Vector {
                        entries,
                        span: vspan,
                    })
                }
            }
            Rule::network => StmtKind::Network(
                it.filter(|e| e.as_rule() == Rule::net_entry)
                    .map(|e| {
                        let mut e = e.into_inner().filter(|p| p.as_rule() == Rule::addr);
                        let net = self.token(e.next().expect("grammar"));
                        let nat = e.next().map(|a| self.token(a));
                        NetEntry { net, nat }
                    })
                    .collect(),
            ),
            Rule::vlan => StmtKind::Vlan(self.token(it.next().expect("grammar"))),
            Rule::safety => StmtKind::Safety,
            Rule::transit => StmtKind::Transit,
            Rule::log => StmtKind::Log,
            Rule::asset => {
                // `keyword` above consumed kw_asset; the name comes next.
                let name = self.ident(it.next().expect("grammar"));
                let mut addrs = Vec::new();
                let mut rest = Vec::new();
                for p in it {
                    if p.as_rule() == Rule::addr {
                        addrs.push(self.token(p));
                    } else {
                        rest.push(p);
                    }
                }
                let (has_block, stmts) = self.block(rest.into_iter());
                StmtKind::Asset(Asset {
                    name,
                    addrs,
                    has_block,
                    stmts,
                })
            }
            Rule::kind => StmtKind::Kind(self.ident(it.next().expect("grammar"))),
            Rule::exception => {
                let rule_id = self.token(it.next().expect("grammar"));
                let justification = self.text(it.next().expect("grammar"));
                let until = it.nth(1).map(|d| self.token(d));
                StmtKind::Exception(Exception {
                    rule: rule_id,
                    justification,
                    until,
                })
            }
            Rule::connects => StmtKind::Connects(it.map(|z| self.ident(z)).collect()),
            Rule::allow => {
                let src = self.endpoint(it.next().expect("grammar"));
                let _arrow = it.next();
                let dst = self.endpoint(it.next().expect("grammar"));
                let mut services = Vec::new();
                let mut via = Vec::new();
                let mut rest = Vec::new();
                for p in it {
                    match p.as_rule() {
                        Rule::ident | Rule::svc_inline => services.push(self.svc_ref(p)),
                        Rule::via => via.extend(
                            p.into_inner()
                                .filter(|q| q.as_rule() == Rule::ident)
                                .map(|q| self.ident(q)),
                        ),
                        _ => rest.push(p),
                    }
                }
                let (has_block, stmts) = self.block(rest.into_iter());
                // Most flows name one service: no room for four (a vector's first growth).
                services.shrink_to_fit();
                via.shrink_to_fit();
                StmtKind::Allow(Allow {
                    src,
                    dst,
                    services,
                    has_block,
                    stmts,
                    via,
                })
            }
            Rule::target => StmtKind::Target(it.map(|t| self.ident(t)).collect()),
            Rule::interface => {
                let name = self.token(it.next().expect("grammar"));
                let zone = self.ident(it.next().expect("grammar"));
                let (mut addresses, mut nodes) = (Vec::new(), Vec::new());
                for p in it {
                    let out = match p.as_rule() {
                        Rule::if_nodes => &mut nodes,
                        _ => &mut addresses,
                    };
                    out.extend(
                        p.into_inner()
                            .filter(|a| a.as_rule() == Rule::addr)
                            .map(|a| self.token(a)),
                    );
                }
                StmtKind::Interface {
                    name,
                    zone,
                    addresses,
                    nodes,
                }
            }
            Rule::cluster => StmtKind::Cluster(it.map(|n| self.ident(n)).collect()),
            Rule::sync => StmtKind::Sync(self.token(it.next().expect("grammar"))),
            Rule::island => StmtKind::Island,
            Rule::inspect => StmtKind::Inspect,
            Rule::ports | Rule::port => {
                let name = self.token(it.next().expect("grammar"));
                let mode_pair = it.next().expect("grammar");
                let mut m = mode_pair.into_inner();
                let is_access = m
                    .next()
                    .map(|k| k.as_rule() == Rule::kw_access)
                    .unwrap_or(true);
                let zones: Vec<Ident> = m.map(|z| self.ident(z)).collect();
                let mode = if is_access {
                    PortMode::Access(zones.into_iter().next().unwrap_or(Ident {
                        name: String::new(),
                        span,
                    }))
                } else {
                    PortMode::Trunk(zones)
                };
                StmtKind::Ports {
                    range: rule == Rule::ports,
                    name,
                    mode,
                }
            }
            Rule::unused_ports => StmtKind::UnusedPorts(self.ident(it.next().expect("grammar"))),
            Rule::parking_vlan => StmtKind::ParkingVlan(self.token(it.next().expect("grammar"))),
            Rule::revision => StmtKind::Revision(self.text(it.next().expect("grammar"))),
            Rule::approved_by => StmtKind::ApprovedBy(self.text(it.next().expect("grammar"))),
            Rule::risk_matrix => StmtKind::RiskMatrix(self.text(it.next().expect("grammar"))),
            Rule::designation => StmtKind::Designation(self.ident(it.next().expect("grammar"))),
            Rule::tag => StmtKind::Tag(self.text(it.next().expect("grammar"))),
            Rule::location => StmtKind::Location(self.text(it.next().expect("grammar"))),
            Rule::likelihood => StmtKind::Likelihood(self.token(it.next().expect("grammar"))),
            Rule::consequence => StmtKind::Consequence(self.token(it.next().expect("grammar"))),
            Rule::fr_list => StmtKind::Frs(it.map(|f| self.ident(f)).collect()),
            Rule::mitigated_by => StmtKind::MitigatedBy(it.map(|f| self.ident(f)).collect()),
            Rule::risk => {
                let name = self.ident(it.next().expect("grammar"));
                let (_, stmts) = self.block(it);
                StmtKind::Risk(Risk { name, stmts })
            }
            Rule::capability => {
                let v = it.next().expect("grammar");
                let vspan = self.span(&v);
                let entries = self.sl_entries(v);
                StmtKind::Capability {
                    entries,
                    span: vspan,
                }
            }
            _ => unreachable!("unexpected statement rule {rule:?}"),
        };
        Stmt {
            kind,
            keyword,
            span,
        }
    }
}

/// A `#` comment in the source, for the formatter (the grammar drops comments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Finds every comment: a `#` outside a string, to the end of its line.
pub fn comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                _ => {}
            }
        } else if c == b'"' {
            in_string = true;
        } else if c == b'#' {
            let end = text[i..].find('\n').map(|n| i + n).unwrap_or(text.len());
            out.push(Comment {
                start: i,
                end,
                text: text[i..end].trim_end().to_string(),
            });
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{parse_file, parse_whole, split_point, PARALLEL_PARSE_BYTES};
    use crate::source::FileId;

    /// Copies of the examples, with braces inside strings and comments at the middle, until the
    /// text is large enough to be parsed in two halves.
    fn large(tail: &str) -> String {
        let mut text = String::new();
        let mut k = 0;
        while text.len() < 2 * PARALLEL_PARSE_BYTES {
            for ex in [
                "north-pipeline",
                "water-treatment",
                "manufacturing",
                "substation",
            ] {
                let src = std::fs::read_to_string(format!("examples/{ex}.fence")).unwrap();
                text.push_str(&src);
                text.push_str(&format!(
                    "# }} {{\nzone odd{k} {{ description \"}} \\\" {{\" }}\n"
                ));
                k += 1;
            }
        }
        text.push_str(tail);
        text
    }

    #[test]
    fn the_two_halves_parse_to_the_whole_files_declarations() {
        let text = large("");
        let at = split_point(&text).expect("a large file is split");
        assert!(at >= text.len() / 2 && text[..at].ends_with("}\n"));
        let whole = parse_whole(FileId(3), &text).expect("the examples parse");
        assert_eq!(parse_file(FileId(3), &text).unwrap(), whole);
    }

    #[test]
    fn an_error_in_either_half_is_the_whole_parses_error() {
        for broken in [large("zone {\n"), format!("zone {{}}\n{}", large(""))] {
            assert!(split_point(&broken).is_some());
            let whole = parse_whole(FileId(0), &broken).unwrap_err();
            let parts = parse_file(FileId(0), &broken).unwrap_err();
            assert_eq!(format!("{parts:?}"), format!("{whole:?}"));
        }
    }

    #[test]
    fn no_split_inside_a_string_a_comment_or_an_open_block() {
        let pad = " ".repeat(PARALLEL_PARSE_BYTES);
        assert_eq!(split_point(&format!("zone a {{{pad}\n}}")), None);
        assert_eq!(split_point(&format!("# {pad} }}\nzone a {{}}")), None);
        assert_eq!(
            split_point(&format!("zone a {{ description \"{pad}}}\n")),
            None
        );
        assert_eq!(split_point(&format!("}}}}\n{pad}")), None);
    }

    use super::*;

    /// The end of the last character of `text[start..end]` outside whitespace and comments,
    /// found by scanning: what [`token_end`] must give for every pair.
    fn scanned_end(text: &str, start: usize, end: usize) -> usize {
        let bytes = text.as_bytes();
        let (mut i, mut last, mut in_string) = (start, start, false);
        while i < end {
            let c = bytes[i];
            if in_string {
                if c == b'\\' {
                    i += 1;
                } else if c == b'"' {
                    in_string = false;
                }
                last = i + 1;
            } else if c == b'"' {
                in_string = true;
                last = i + 1;
            } else if c == b'#' {
                while i < end && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            } else if !c.is_ascii_whitespace() {
                last = i + 1;
            }
            i += 1;
        }
        last.min(end)
    }

    fn fence_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                fence_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "fence") {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_span_ends_at_its_last_token() {
        let mut files = Vec::new();
        fence_files(std::path::Path::new("examples"), &mut files);
        fence_files(std::path::Path::new("tests"), &mut files);
        let mut texts: Vec<String> = files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        // Optional parts not taken after a comment, at the end of a block and of the file.
        texts.push(
            "# only a comment\n".to_string()
                + "zone a { asset b 10.0.0.1 # c\n # d\n }\n"
                + "service s tcp/1 # c\n\n"
                + "conduit c { connects a, a # c\n allow a -> a s # c\n }\n"
                + "policy \"p\" # c\n"
                + "expect allow a -> a.b s # end\n# trailing\n",
        );
        texts.push("zone a { asset b 10.0.0.1 }\nservice s tcp/1 # no newline".into());
        texts.push(String::new());
        texts.push("# nothing but this\n".into());
        let mut pairs = 0;
        for (i, text) in texts.iter().enumerate() {
            let Ok(parsed) = Grammar::parse(Rule::file, text) else {
                // Fixtures of syntax errors are skipped; the texts written above all parse.
                assert!(i < files.len(), "{text}");
                continue;
            };
            for p in parsed.flatten() {
                let s = p.as_span();
                assert_eq!(
                    token_end(text, &p),
                    scanned_end(text, s.start(), s.end()),
                    "{:?} at {}",
                    p.as_rule(),
                    s.start()
                );
                pairs += 1;
            }
        }
        assert!(pairs > 5_000, "{pairs} pairs");
    }
}
