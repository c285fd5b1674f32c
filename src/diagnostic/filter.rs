//! The one filter every finding about a policy passes through, whichever pass raised it (the
//! resolver, a lint rule, planning, a target backend, an expectation): it applies the severity
//! configuration of `fenceline.toml` (`[rules]`, a rule turned off is dropped) and the policy's
//! `exception` statements (a covered finding is kept and marked suppressed, never dropped). Once
//! every finding has passed, [`Filter::finish`] reports the exceptions that expired or silenced
//! nothing (EXC-001, EXC-002), so an exception that silences a target's finding counts as used.
//!
//! Each finding says at its raising site which statements an exception may sit on
//! ([`Diagnostic::scopes`], [`Diagnostic::scopes_all`]); the filter only matches them.

use super::{Diagnostic, Subject, Suppression};
use crate::lint::rules::exc_001_exception_expired::RULE as EXC_001;
use crate::lint::rules::exc_002_exception_unused::RULE as EXC_002;
use crate::lint::{self, CheckOptions, Status};
use crate::model::{ExceptionId, Model, Scope};

/// Severity configuration and exceptions, with a record of which exceptions matched.
pub struct Filter<'a> {
    model: &'a Model,
    opts: &'a CheckOptions,
    today: String,
    /// `used[i]`: exception `i` silenced a finding.
    used: Vec<bool>,
    /// `would_use[i]`: exception `i` matched a finding but has expired.
    would_use: Vec<bool>,
    /// Whether every target was emitted: when a build emits only some targets, an exception for
    /// a rule that a target reports is not called unused.
    all_targets: bool,
}

impl<'a> Filter<'a> {
    pub fn new(model: &'a Model, opts: &'a CheckOptions) -> Filter<'a> {
        Filter {
            model,
            opts,
            today: opts.today.clone().unwrap_or_else(lint::today_utc),
            used: vec![false; model.exceptions.len()],
            would_use: vec![false; model.exceptions.len()],
            all_targets: true,
        }
    }

    /// Marks that not every target was emitted (`build --target`).
    pub fn some_targets_only(mut self) -> Self {
        self.all_targets = false;
        self
    }

    /// Applies the configuration and the exceptions to every finding; drops those of rules
    /// turned off. Language errors (E0001...) pass unchanged.
    pub fn pass_all(&mut self, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diags.into_iter().filter_map(|d| self.pass(d)).collect()
    }

    /// [`Filter::pass_all`] for one finding.
    pub fn pass(&mut self, mut d: Diagnostic) -> Option<Diagnostic> {
        // Not a rule: a language error, which neither configuration nor exceptions touch.
        let Some(rule) = lint::rules::ALL.iter().find(|r| r.id == d.code) else {
            return Some(d);
        };
        if !self.opts.lint.enabled(&d.code) {
            return None;
        }
        if let Some(Some(sev)) = self.opts.lint.severity.get(&d.code) {
            d.severity = *sev;
        }
        // The findings about exceptions cannot be silenced by one.
        if ![EXC_001.id, EXC_002.id].contains(&rule.id) {
            // A target that did not say which statement its finding is about (a changed text)
            // points at it; a lint rule says where itself (none: policy-wide exceptions only).
            if d.scopes.is_empty() && rule.status == Status::Target {
                d.scopes = self.scopes_at(&d);
            }
            self.suppress(&mut d);
        }
        Some(d)
    }

    /// The statements a finding raised without scopes is about, from its subject: a flow (with
    /// its conduit, which holds it), a device-level flow, a conduit or a zone (a target that
    /// changed a flow's comment says the finding is about the flow). An exception accepts
    /// findings at its own place only: a zone's never a flow's, a conduit's never a zone's.
    fn scopes_at(&self, d: &Diagnostic) -> Vec<Scope> {
        match d.subject {
            Some(Subject::Flow(f)) => match self.model.flows.get(f.0) {
                Some(fl) => vec![Scope::Flow(f), Scope::Conduit(fl.conduit)],
                None => Vec::new(),
            },
            Some(Subject::SelfFlow(f)) => vec![Scope::SelfFlow(f)],
            Some(Subject::Conduit(c)) => vec![Scope::Conduit(c)],
            Some(Subject::Zone(z)) => vec![Scope::Zone(z)],
            _ => Vec::new(),
        }
    }

    fn suppress(&mut self, d: &mut Diagnostic) {
        let mut live = None;
        let mut expired_match = Vec::new();
        for (i, e) in self.model.exceptions.iter().enumerate() {
            if !e.rule.eq_ignore_ascii_case(&d.code)
                || !(e.scope == Scope::Policy || d.scopes.contains(&e.scope))
            {
                continue;
            }
            if lint::expired(e.until.as_deref(), &self.today) {
                expired_match.push(i);
            } else if live.is_none() {
                live = Some(i);
            }
        }
        let mut by = live.map(|i| vec![i]).unwrap_or_default();
        // A grouped finding: silenced when each of its statements has a live exception.
        if by.is_empty() && !d.scopes_all.is_empty() {
            let mut all = Vec::new();
            for s in &d.scopes_all {
                let hit = self.model.exceptions.iter().enumerate().find(|(_, e)| {
                    e.rule.eq_ignore_ascii_case(&d.code)
                        && e.scope == *s
                        && !lint::expired(e.until.as_deref(), &self.today)
                });
                match hit {
                    Some((i, _)) => all.push(i),
                    None => {
                        all.clear();
                        break;
                    }
                }
            }
            by = all;
        }
        for i in expired_match {
            self.would_use[i] = true;
        }
        let Some(&first) = by.first() else {
            return;
        };
        for &i in &by {
            self.used[i] = true;
        }
        let e = &self.model.exceptions[first];
        d.suppressed = Some(Suppression {
            span: self.model.spans.exception(ExceptionId(first)),
            justification: e.justification.clone(),
            until: e.until.clone(),
        });
    }

    /// The findings about exceptions, once every other finding has passed: expired ones
    /// (EXC-001) and ones that silenced nothing (EXC-002), with the configuration applied.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        if !self.all_targets {
            for (i, e) in self.model.exceptions.iter().enumerate() {
                if lint::lookup(&e.rule).is_some_and(|r| r.status == Status::Target) {
                    self.used[i] = true;
                }
            }
        }
        let mut out = lint::rules::exc_001_exception_expired::findings(
            self.model,
            &self.today,
            &self.would_use,
        );
        out.extend(lint::rules::exc_002_exception_unused::findings(
            self.model,
            &self.opts.lint,
            &self.today,
            &self.used,
        ));
        self.pass_all(out)
    }
}
