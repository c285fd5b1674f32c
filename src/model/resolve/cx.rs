//! Resolution's shared context: the findings collected so far and the checks every part of
//! resolution uses (statements given twice, statements out of place, SL-T values, exceptions,
//! free text, dates).

use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::model::*;
use crate::syntax::ast;
use crate::syntax::loader::Loaded;

fn valid_date(s: &str) -> bool {
    let p: Vec<&str> = s.split('-').collect();
    if p.len() != 3 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        p[0].parse::<u32>(),
        p[1].parse::<u32>(),
        p[2].parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// Text that may reach a configuration: no control characters at all.
pub(super) fn check_text(t: &ast::Text, diags: &mut Vec<Diagnostic>) {
    if let Some(c) = t
        .value
        .chars()
        .find(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        diags.push(
            Diagnostic::error(
                codes::UNSAFE_TEXT,
                format!("text contains the control character U+{:04X}", c as u32),
            )
            .at(t.span, "control character in this string")
            .help(
                "remove it; free text must stay on one line and may not carry control characters",
            ),
        );
    }
}

pub(super) struct Cx<'a> {
    pub(super) diags: Vec<Diagnostic>,
    pub(super) loaded: &'a Loaded,
}

impl Cx<'_> {
    pub(super) fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }
    pub(super) fn unknown(&mut self, what: &str, id: &ast::Ident, known: &[&str]) {
        let mut d = Diagnostic::error(codes::UNKNOWN_NAME, format!("unknown {what} `{}`", id.name))
            .at(id.span, format!("no {what} of this name"));
        if let Some(h) = did_you_mean(&id.name, known.iter().copied()) {
            d = d.help(h);
        }
        self.err(d);
    }
    /// Reports a statement given twice where one is expected.
    pub(super) fn once<T>(
        &mut self,
        slot: &mut Option<(T, Span)>,
        value: T,
        stmt: &ast::Stmt,
        what: &str,
    ) {
        if let Some((_, first)) = slot {
            let first = *first;
            self.err(
                Diagnostic::error(codes::REPEATED, format!("`{what}` given twice"))
                    .at(stmt.keyword, "given again here")
                    .related(first, "first given here"),
            );
        } else {
            *slot = Some((value, stmt.keyword));
        }
    }
    pub(super) fn not_here(&mut self, stmt: &ast::Stmt, block: &str) {
        let kw = self.loaded.sources.text(stmt.keyword).to_string();
        self.err(
            Diagnostic::error(codes::SYNTAX, format!("`{kw}` is not allowed in a {block}"))
                .at(stmt.keyword, format!("not allowed in a {block}")),
        );
    }
    pub(super) fn sl(&mut self, t: &ast::SlTarget) -> Option<Sl> {
        let level = |cx: &mut Cx, tok: &ast::Token| -> Option<u8> {
            match tok.text.parse::<u8>() {
                Ok(v @ 1..=4) => Some(v),
                _ => {
                    cx.err(
                        Diagnostic::error(
                            codes::SL_RANGE,
                            format!("security level `{}` is not 1-4", tok.text),
                        )
                        .at(tok.span, "SL must be 1, 2, 3 or 4"),
                    );
                    None
                }
            }
        };
        match t {
            ast::SlTarget::Single(tok) => level(self, tok).map(Sl::uniform),
            ast::SlTarget::Vector { entries, span } => {
                let mut v = [0u8; 7];
                let mut ok = true;
                for (fr, tok) in entries {
                    let Some(f) = Fr::parse(&fr.name) else {
                        let names: Vec<&str> = Fr::ALL.iter().map(|f| f.name()).collect();
                        self.unknown("foundational requirement", fr, &names);
                        ok = false;
                        continue;
                    };
                    if v[f as usize] != 0 {
                        self.err(
                            Diagnostic::error(
                                codes::REPEATED,
                                format!("`{}` given twice in the SL vector", fr.name),
                            )
                            .at(fr.span, "given again"),
                        );
                    }
                    match level(self, tok) {
                        Some(l) => v[f as usize] = l,
                        None => ok = false,
                    }
                }
                let missing: Vec<&str> = Fr::ALL
                    .iter()
                    .filter(|f| v[**f as usize] == 0)
                    .map(|f| f.name())
                    .collect();
                if ok && !missing.is_empty() {
                    self.err(
                        Diagnostic::error(
                            codes::SL_RANGE,
                            format!("SL vector lacks {}", missing.join(", ")),
                        )
                        .at(*span, "incomplete SL vector")
                        .help("give all seven: iac, uc, si, dc, rdf, tre, ra"),
                    );
                    ok = false;
                }
                ok.then_some(Sl(v))
            }
        }
    }
    pub(super) fn exception(
        &mut self,
        e: &ast::Exception,
        scope: Scope,
        span: Span,
        out: &mut Vec<(Exception, Span)>,
    ) {
        check_text(&e.justification, &mut self.diags);
        if e.justification.value.trim().is_empty() {
            self.err(
                Diagnostic::error(codes::MISSING, "an exception needs a justification")
                    .at(e.justification.span, "empty justification")
                    .help("say why the finding is acceptable and what compensates for it"),
            );
        }
        if let Some(u) = &e.until {
            if !valid_date(&u.text) {
                self.err(
                    Diagnostic::error(codes::DATE, format!("`{}` is not a calendar date", u.text))
                        .at(u.span, "invalid date"),
                );
            }
        }
        out.push((
            Exception {
                rule: e.rule.text.clone(),
                justification: e.justification.value.clone(),
                until: e.until.as_ref().map(|u| u.text.clone()),
                scope,
            },
            span,
        ));
    }
}
