//! `fenceline fmt`: prints an AST back in the one canonical layout, keeping every comment.
//!
//! Comments are not in the AST; the formatter reads them from the source and places each one
//! before the next statement that follows it (own-line comments) or after the statement on whose
//! line it stands (trailing comments). Blank lines between statements are kept, collapsed to one.
//! The output parses to the same AST (modulo spans) and formatting it again changes nothing;
//! both are tested on every fixture and example.

use crate::syntax::ast::*;
use crate::syntax::{comments, Comment};

const INDENT: &str = "  ";

pub fn format_file(src: &str, file: &File) -> String {
    let mut f = Fmt {
        src,
        comments: comments(src),
        next: 0,
        out: String::new(),
        last_end: 0,
    };
    let mut prev_block = false;
    for (i, item) in file.items.iter().enumerate() {
        let span = item.span();
        let start = span.start as usize;
        // Blank lines between items: kept where the source had one, and always around items
        // that print on several lines (decided on the output, so a second run agrees).
        let mut mark = None;
        let src_blank = i > 0 && f.blank_between(f.last_end, f.first_pos_before(start));
        if i == 0 {
            f.leading_first(start);
        } else {
            f.out.push('\n');
            mark = Some(f.out.len());
            f.leading(start, 0);
        }
        let item_start = f.out.len();
        f.item(item, 0);
        let is_block = f.out[item_start..].contains('\n');
        if let Some(m) = mark {
            if src_blank || prev_block || is_block {
                f.out.insert(m, '\n');
            }
        }
        f.trailing(span.end as usize);
        f.last_end = span.end as usize;
        prev_block = is_block;
    }
    // Comments after the last item.
    let rest: Vec<Comment> = f.comments[f.next..].to_vec();
    for (k, c) in rest.iter().enumerate() {
        if !f.out.is_empty() {
            f.out.push('\n');
            let from = if k == 0 { f.last_end } else { rest[k - 1].end };
            if f.blank_between(from, c.start) {
                f.out.push('\n');
            }
        }
        f.out.push_str(&c.text);
    }
    f.next = f.comments.len();
    if !f.out.is_empty() {
        f.out.push('\n');
    }
    f.out
}

struct Fmt<'a> {
    src: &'a str,
    comments: Vec<Comment>,
    next: usize,
    out: String,
    last_end: usize,
}

fn quote(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            o.push('\\');
        }
        o.push(c);
    }
    o.push('"');
    o
}

impl Fmt<'_> {
    /// True when the source between two offsets holds an empty line.
    fn blank_between(&self, a: usize, b: usize) -> bool {
        if a >= b {
            return false;
        }
        let lines: Vec<&str> = self.src[a..b].split('\n').collect();
        lines.len() > 2
            && lines[1..lines.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty())
    }
    /// Start of the first pending comment before `pos`, or `pos`.
    fn first_pos_before(&self, pos: usize) -> usize {
        match self.comments.get(self.next) {
            Some(c) if c.start < pos => c.start,
            _ => pos,
        }
    }
    /// Comments at the top of the file, before the first item.
    fn leading_first(&mut self, pos: usize) {
        let mut prev_end: Option<usize> = None;
        while self.next < self.comments.len() && self.comments[self.next].start < pos {
            let c = self.comments[self.next].clone();
            if let Some(p) = prev_end {
                if self.blank_between(p, c.start) {
                    self.out.push('\n');
                }
            }
            self.out.push_str(&c.text);
            self.out.push('\n');
            prev_end = Some(c.end);
            self.next += 1;
        }
        if let Some(p) = prev_end {
            if self.blank_between(p, pos) {
                self.out.push('\n');
            }
        }
    }
    /// Own-line comments before `pos`, each on its own line at `depth`.
    fn leading(&mut self, pos: usize, depth: usize) {
        let mut prev_end: Option<usize> = None;
        while self.next < self.comments.len() && self.comments[self.next].start < pos {
            let c = self.comments[self.next].clone();
            if let Some(p) = prev_end {
                if self.blank_between(p, c.start) {
                    self.out.push('\n');
                }
            }
            self.indent(depth);
            self.out.push_str(&c.text);
            self.out.push('\n');
            prev_end = Some(c.end);
            self.next += 1;
        }
        if let Some(p) = prev_end {
            if self.blank_between(p, pos) {
                self.out.push('\n');
            }
        }
        if depth > 0 || prev_end.is_some() {
            self.indent(depth);
        }
    }
    /// A comment on the same line after `end` becomes a trailing comment.
    fn trailing(&mut self, end: usize) {
        if let Some(c) = self.comments.get(self.next) {
            if c.start >= end && !self.src[end..c.start].contains('\n') {
                let t = c.text.clone();
                self.out.push_str("  ");
                self.out.push_str(&t);
                self.next += 1;
            }
        }
    }
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
    }
    /// True if a comment starts inside the span (the block must then be written out in full).
    fn has_comment_in(&self, start: usize, end: usize) -> bool {
        self.comments[self.next..]
            .iter()
            .any(|c| c.start >= start && c.start < end)
    }

    fn item(&mut self, item: &Item, depth: usize) {
        match item {
            Item::Include(i) => self
                .out
                .push_str(&format!("include {}", quote(&i.path.value))),
            Item::Policy(p) => {
                self.out
                    .push_str(&format!("policy {}", quote(&p.name.value)));
                if p.has_block {
                    self.block(&p.stmts, p.span.end as usize, depth);
                }
            }
            Item::Zone(z) => {
                self.out.push_str(&format!("zone {}", z.name.name));
                self.block(&z.stmts, z.span.end as usize, depth);
            }
            Item::Service(s) => {
                let items: Vec<&str> = s.items.iter().map(|t| t.text.as_str()).collect();
                self.out
                    .push_str(&format!("service {} {}", s.name.name, items.join(", ")));
                if s.has_block {
                    self.inline_or_block(
                        &s.stmts,
                        s.span.start as usize,
                        s.span.end as usize,
                        depth,
                    );
                }
            }
            Item::Conduit(c) => {
                self.out.push_str(&format!("conduit {}", c.name.name));
                self.block(&c.stmts, c.span.end as usize, depth);
            }
            Item::Device(d) => {
                self.out
                    .push_str(&format!("{} {}", d.kind.keyword(), d.name.name));
                self.block(&d.stmts, d.span.end as usize, depth);
            }
            Item::Expect(e) => {
                self.out.push_str(&format!(
                    "expect {} {} -> {} {}",
                    if e.allow { "allow" } else { "deny" },
                    e.src,
                    e.dst,
                    e.service.text()
                ));
            }
            Item::Template(t) => {
                self.out.push_str(&format!("template {}", t.name.name));
                self.items_block(&t.body, t.span.end as usize, depth);
            }
            Item::Param(p) => self
                .out
                .push_str(&format!("param {} {}", p.name.name, p.ty.name)),
            Item::Site(s) => {
                self.out
                    .push_str(&format!("site {} {}", s.name.name, s.template.name));
                if s.has_block {
                    let (start, end) = (s.span.start as usize, s.span.end as usize);
                    if s.bindings.is_empty() && !self.has_comment_in(start, end) {
                        self.out.push_str(" {}");
                    } else {
                        self.bindings_block(&s.bindings, end, depth);
                    }
                }
            }
        }
    }

    /// A template's body: declarations as at the top level (a blank line around blocks), one
    /// level in.
    fn items_block(&mut self, items: &[Item], end: usize, depth: usize) {
        self.out.push_str(" {");
        let mut prev: Option<(usize, bool)> = None;
        for item in items {
            let span = item.span();
            self.out.push('\n');
            let mark = self.out.len();
            let src_blank = prev.is_some_and(|(p, _)| {
                self.blank_between(p, self.first_pos_before(span.start as usize))
            });
            self.leading(span.start as usize, depth + 1);
            let start = self.out.len();
            self.item(item, depth + 1);
            let is_block = self.out[start..].contains('\n');
            if let Some((_, prev_block)) = prev {
                if src_blank || prev_block || is_block {
                    self.out.insert(mark, '\n');
                }
            }
            self.trailing(span.end as usize);
            prev = Some((span.end as usize, is_block));
        }
        self.close_block(end, depth);
    }

    /// A site's values, one `PARAM VALUE` a line.
    fn bindings_block(&mut self, bindings: &[Binding], end: usize, depth: usize) {
        self.out.push_str(" {");
        let mut prev_end: Option<usize> = None;
        for b in bindings {
            self.out.push('\n');
            if let Some(p) = prev_end {
                if self.blank_between(p, self.first_pos_before(b.span.start as usize)) {
                    self.out.push('\n');
                }
            }
            self.leading(b.span.start as usize, depth + 1);
            let value = match &b.value {
                BindValue::Text(t) => quote(&t.value),
                BindValue::Bare(t) => t.text.clone(),
            };
            self.out.push_str(&format!("{} {}", b.name.name, value));
            self.trailing(b.span.end as usize);
            prev_end = Some(b.span.end as usize);
        }
        self.close_block(end, depth);
    }

    /// ` {` newline, statements, `}`; `end` is the offset just after the closing brace.
    fn block(&mut self, stmts: &[Stmt], end: usize, depth: usize) {
        self.out.push_str(" {");
        let mut prev_end: Option<usize> = None;
        for st in stmts {
            self.out.push('\n');
            if let Some(p) = prev_end {
                if self.blank_between(p, self.first_pos_before(st.span.start as usize)) {
                    self.out.push('\n');
                }
            }
            self.leading(st.span.start as usize, depth + 1);
            self.stmt(st, depth + 1);
            self.trailing(st.span.end as usize);
            prev_end = Some(st.span.end as usize);
        }
        self.close_block(end, depth);
    }

    /// Comments before the closing brace (kept inside the block), then `}`.
    fn close_block(&mut self, end: usize, depth: usize) {
        // Comments before the closing brace stay inside the block.
        let close = end.saturating_sub(1);
        if self.next < self.comments.len() && self.comments[self.next].start < close {
            self.out.push('\n');
            let mut first = true;
            while self.next < self.comments.len() && self.comments[self.next].start < close {
                if !first {
                    self.out.push('\n');
                }
                first = false;
                let t = self.comments[self.next].text.clone();
                self.indent(depth + 1);
                self.out.push_str(&t);
                self.next += 1;
            }
        }
        self.out.push('\n');
        self.indent(depth);
        self.out.push('}');
    }

    /// Short blocks without comments stay on one line: `{ kind jump-host }`.
    fn inline_or_block(&mut self, stmts: &[Stmt], start: usize, end: usize, depth: usize) {
        if self.has_comment_in(start, end) || stmts.len() > 3 {
            self.block(stmts, end, depth);
            return;
        }
        if stmts.is_empty() {
            self.out.push_str(" {}");
            return;
        }
        let parts: Vec<String> = stmts
            .iter()
            .map(|s| {
                let mut sub = Fmt {
                    src: self.src,
                    comments: Vec::new(),
                    next: 0,
                    out: String::new(),
                    last_end: 0,
                };
                sub.stmt(s, 0);
                sub.out
            })
            .collect();
        let inline = format!(" {{ {} }}", parts.join("  "));
        let line_len = self.out.rsplit('\n').next().map_or(0, str::len) + inline.len();
        if line_len > 100 || parts.iter().any(|p| p.contains('\n')) {
            self.block(stmts, end, depth);
            return;
        }
        self.out.push_str(&inline);
    }

    fn stmt(&mut self, st: &Stmt, depth: usize) {
        let line = match &st.kind {
            StmtKind::Description(t) => format!("description {}", quote(&t.value)),
            StmtKind::Owner(t) => format!("owner {}", quote(&t.value)),
            StmtKind::Level(t) => format!("level {}", t.text),
            StmtKind::SlTarget(SlTarget::Single(t)) => format!("sl-target {}", t.text),
            StmtKind::SlTarget(SlTarget::Vector { entries, .. }) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|(f, n)| format!("{} {}", f.name, n.text))
                    .collect();
                format!("sl-target {{ {} }}", parts.join("  "))
            }
            StmtKind::Network(entries) => {
                let v: Vec<String> = entries
                    .iter()
                    .map(|e| match &e.nat {
                        Some(outside) => format!("{} nat {}", e.net.text, outside.text),
                        None => e.net.text.clone(),
                    })
                    .collect();
                format!("network {}", v.join(", "))
            }
            StmtKind::Vlan(t) => format!("vlan {}", t.text),
            StmtKind::Safety => "safety".into(),
            StmtKind::Transit => "transit".into(),
            StmtKind::Log => "log".into(),
            StmtKind::Exception(e) => {
                let mut s = format!(
                    "exception {} {}",
                    e.rule.text,
                    quote(&e.justification.value)
                );
                if let Some(u) = &e.until {
                    // Long exceptions put `until` on a continuation line, as people write them.
                    if s.len() + depth * INDENT.len() + 17 > 100 {
                        s.push('\n');
                        for _ in 0..=depth {
                            s.push_str(INDENT);
                        }
                        s.push_str(&format!("until {}", u.text));
                    } else {
                        s.push_str(&format!(" until {}", u.text));
                    }
                }
                s
            }
            StmtKind::Kind(k) => format!("kind {}", k.name),
            StmtKind::Flag(f) => f.name.clone(),
            StmtKind::Connects(zs) => {
                let v: Vec<&str> = zs.iter().map(|z| z.name.as_str()).collect();
                format!("connects {}", v.join(", "))
            }
            StmtKind::Target(ts) => {
                let v: Vec<&str> = ts.iter().map(|z| z.name.as_str()).collect();
                format!("target {}", v.join(", "))
            }
            StmtKind::Interface {
                name,
                zone,
                addresses,
                nodes,
            } => {
                let mut s = format!("interface {} {}", name.text, zone.name);
                for (kw, list) in [("address", addresses), ("nodes", nodes)] {
                    if !list.is_empty() {
                        let v: Vec<&str> = list.iter().map(|t| t.text.as_str()).collect();
                        s.push_str(&format!(" {kw} {}", v.join(", ")));
                    }
                }
                s
            }
            StmtKind::Cluster(ns) => {
                let v: Vec<&str> = ns.iter().map(|n| n.name.as_str()).collect();
                format!("cluster {}", v.join(", "))
            }
            StmtKind::Sync(t) => format!("sync {}", t.text),
            StmtKind::Island => "island".into(),
            StmtKind::Inspect => "inspect".into(),
            StmtKind::Ports { range, name, mode } => {
                let m = match mode {
                    PortMode::Access(z) => format!("access {}", z.name),
                    PortMode::Trunk(zs) => {
                        let v: Vec<&str> = zs.iter().map(|z| z.name.as_str()).collect();
                        format!("trunk {}", v.join(", "))
                    }
                };
                format!(
                    "{} {} {}",
                    if *range { "ports" } else { "port" },
                    name.text,
                    m
                )
            }
            StmtKind::UnusedPorts(a) => format!("unused-ports {}", a.name),
            StmtKind::ParkingVlan(t) => format!("parking-vlan {}", t.text),
            StmtKind::Revision(t) => format!("revision {}", quote(&t.value)),
            StmtKind::ApprovedBy(t) => format!("approved-by {}", quote(&t.value)),
            StmtKind::RiskMatrix(t) => format!("risk-matrix {}", quote(&t.value)),
            StmtKind::Designation(d) => format!("designation {}", d.name),
            StmtKind::Tag(t) => format!("tag {}", quote(&t.value)),
            StmtKind::Location(t) => format!("location {}", quote(&t.value)),
            StmtKind::Likelihood(t) => format!("likelihood {}", t.text),
            StmtKind::Consequence(t) => format!("consequence {}", t.text),
            StmtKind::Frs(fs) => {
                let names: Vec<&str> = fs.iter().map(|f| f.name.as_str()).collect();
                format!("fr {}", names.join(", "))
            }
            StmtKind::MitigatedBy(ns) => {
                let names: Vec<&str> = ns.iter().map(|n| n.name.as_str()).collect();
                format!("mitigated-by {}", names.join(", "))
            }
            StmtKind::Capability { entries, .. } => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|(f, n)| format!("{} {}", f.name, n.text))
                    .collect();
                format!("capability {{ {} }}", parts.join("  "))
            }
            StmtKind::Risk(r) => {
                // A risk is always a block: its statements are the register's columns.
                self.out.push_str(&format!("risk {}", r.name.name));
                self.block(&r.stmts, st.span.end as usize, depth);
                return;
            }
            StmtKind::Asset(a) => {
                let addrs: Vec<&str> = a.addrs.iter().map(|t| t.text.as_str()).collect();
                self.out
                    .push_str(&format!("asset {} {}", a.name.name, addrs.join(", ")));
                if a.has_block {
                    self.inline_or_block(
                        &a.stmts,
                        st.span.start as usize,
                        st.span.end as usize,
                        depth,
                    );
                }
                return;
            }
            StmtKind::Allow(a) => {
                let svcs: Vec<&str> = a.services.iter().map(|s| s.text()).collect();
                self.out
                    .push_str(&format!("allow {} -> {} {}", a.src, a.dst, svcs.join(", ")));
                if !a.via.is_empty() {
                    let via: Vec<&str> = a.via.iter().map(|d| d.name.as_str()).collect();
                    self.out.push_str(&format!(" via {}", via.join(", ")));
                }
                if a.has_block {
                    if a.stmts.is_empty()
                        && !self.has_comment_in(st.span.start as usize, st.span.end as usize)
                    {
                        self.out.push_str(" {}");
                    } else {
                        self.block(&a.stmts, st.span.end as usize, depth);
                    }
                }
                return;
            }
        };
        self.out.push_str(&line);
    }
}

/// True when two ASTs are equal apart from spans (the formatter's correctness condition).
///
/// Both are serialised with their spans hidden ([`crate::source::without_spans`]): `a` into
/// compact JSON, `b` straight into a comparison with it that stops at the first difference.
/// Memory is one compact text, not two trees of JSON values (which took 2 GB for a policy of
/// 100,000 flows).
pub fn same_meaning(a: &File, b: &File) -> bool {
    /// Compares what is written with `expected`, from its start; fails at the first difference.
    struct Compare<'a> {
        expected: &'a [u8],
    }
    impl std::io::Write for Compare<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            match self.expected.strip_prefix(buf) {
                Some(rest) => {
                    self.expected = rest;
                    Ok(buf.len())
                }
                None => Err(std::io::Error::other("differs")),
            }
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    crate::source::without_spans(|| {
        let Ok(expected) = serde_json::to_vec(a) else {
            return false;
        };
        let mut cmp = Compare {
            expected: &expected,
        };
        serde_json::to_writer(&mut cmp, b).is_ok() && cmp.expected.is_empty()
    })
}

#[cfg(test)]
mod tests {
    use super::same_meaning;
    use crate::source::{FileId, Span};
    use crate::syntax::parse_file;

    const POLICY: &str = "zone a { sl-target 1 }\nzone b { sl-target 1 }\n\
        conduit c { connects a, b  sl-target 1  allow a -> b tcp/502 }\n";

    fn ast(text: &str) -> crate::syntax::ast::File {
        parse_file(FileId(0), text).unwrap()
    }

    #[test]
    fn same_meaning_ignores_only_where_things_were_written() {
        let spaced = POLICY.replace(' ', "   ").replace('\n', "\n\n");
        assert!(same_meaning(&ast(POLICY), &ast(&spaced)));
        assert!(same_meaning(&ast(POLICY), &ast(POLICY)));
        // Another port, another name, a statement more or fewer (either side a prefix).
        let other_port = POLICY.replace("tcp/502", "tcp/503");
        let other_name = POLICY.replace("conduit c", "conduit d");
        let more = format!("{POLICY}zone e {{ sl-target 2 }}\n");
        for other in [&other_port, &other_name, &more] {
            assert!(!same_meaning(&ast(POLICY), &ast(other)), "{other}");
            assert!(!same_meaning(&ast(other), &ast(POLICY)), "{other}");
        }
        // Spans are serialised again once the comparison is over.
        let span = serde_json::to_value(Span::new(FileId(1), 2, 3)).unwrap();
        assert_eq!(span, serde_json::json!({"file": 1, "start": 2, "end": 3}));
    }
}
