//! Pass 5, Ir -> text: one backend per target, each formatting small view structs through
//! minijinja templates in `targets/<target>/`. Templates format; they never decide.
//!
//! Every template runs with strict undefined behaviour (a typo is an error, never an empty field
//! in a firewall rule) and a formatter that refuses any interpolated value holding a control
//! character: a second line of defence behind [`sanitize`].

pub mod cisco_ios;
pub mod iptables;
pub mod linux;
pub mod nftables;
pub mod sanitize;

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::model::{Model, Target};
use crate::plan::{DeviceIr, Ir};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

/// Identifies the policy and the compiler in every generated file.
#[derive(Debug, Clone, Serialize)]
pub struct Stamp {
    /// Policy name, already sanitised for header comments.
    pub policy: String,
    /// sha256 of the policy's meaning (see `model::hash::policy_hash`).
    pub hash: String,
    pub version: &'static str,
}

/// One generated file, path relative to the output directory (`fw-it-ot/nftables.nft`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// What every backend gets.
pub struct EmitContext<'a> {
    pub model: &'a Model,
    pub ir: &'a Ir,
    pub stamp: &'a Stamp,
    pub options: &'a EmitOptions,
}

#[derive(Debug, Clone, Default)]
pub struct EmitOptions {
    /// Cisco: emit object-groups instead of one ACE per address pair.
    pub cisco_object_groups: bool,
    /// Largest number of rules one device may get before the build stops (hostile input).
    pub max_rules: Option<usize>,
}

/// A target backend. Default methods are the generic behaviour; backends override where they
/// differ.
pub trait Backend: Sync {
    fn target(&self) -> Target;
    /// Emits this target's files for one device; findings (sanitised text, widened return
    /// traffic) go to `diags`.
    fn emit_device(
        &self,
        cx: &EmitContext,
        device: &DeviceIr,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<Vec<Output>>;
}

/// The backends this build knows, in target order.
pub fn backends() -> Vec<Box<dyn Backend>> {
    registry::all()
}

mod registry {
    use super::Backend;
    /// Each target module registers itself here.
    pub fn all() -> Vec<Box<dyn Backend>> {
        vec![
            Box::new(super::cisco_ios::CiscoIos),
            Box::new(super::nftables::Nftables),
            Box::new(super::iptables::Iptables),
        ]
    }
}

/// Emits every selected target of every device, sorted by path.
///
/// Each (target, device) pair is an independent job; jobs run on up to
/// `available_parallelism` threads and their files and findings are collected in job order, so
/// the result is byte for byte the same as a sequential run. On an error, the error of the
/// first failing job (in job order) is returned, as a sequential run would.
pub fn emit_all(
    cx: &EmitContext,
    only: Option<&[Target]>,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Output>> {
    let backends = backends();
    let mut jobs: Vec<(&dyn Backend, &DeviceIr)> = Vec::new();
    for backend in &backends {
        let t = backend.target();
        if only.is_some_and(|o| !o.contains(&t)) {
            continue;
        }
        for dev in &cx.ir.devices {
            if dev.targets.contains(&t) {
                jobs.push((backend.as_ref(), dev));
            }
        }
    }
    let results = parallel_map(&jobs, |(backend, dev)| {
        let mut d = Vec::new();
        let r = backend.emit_device(cx, dev, &mut d);
        (r, d)
    });
    let mut out = Vec::new();
    for (r, d) in results {
        diags.extend(d);
        out.extend(r?);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// `items.iter().map(f).collect()`, spread over the machine's cores, results in input order.
/// Threads take the next item from a shared counter, so one large device does not hold up the
/// rest.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        // A worker only panics if `f` does; carry that panic over to the caller unchanged.
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// A template environment with the project's safety settings.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_formatter(|out, state, value| {
        if let Some(s) = value.as_str() {
            if s.chars().any(|c| c.is_control()) {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("refusing to write a control character into a configuration: {s:?}"),
                ));
            }
        }
        minijinja::escape_formatter(out, state, value)
    });
    env
}

/// Renders a single template, given by its source, with a view (a backend with one template).
pub fn render_one(name: &str, source: &'static str, view: impl Serialize) -> Result<String> {
    let mut env = environment();
    env.add_template(name, source)
        .map_err(|e| Error::Other(format!("template {name}: {e}")))?;
    render(&env, name, view)
}

/// Renders one template with a view.
pub fn render(env: &Environment, name: &str, view: impl Serialize) -> Result<String> {
    let tmpl = env
        .get_template(name)
        .map_err(|e| Error::Other(format!("template {name}: {e}")))?;
    tmpl.render(view)
        .map_err(|e| Error::Other(format!("template {name}: {e:#}")))
}

/// The island-mode control (SR 5.2 RE2) a target's generated configuration ships, checked
/// first in the forward path so that it also cuts established sessions: the nftables `island`
/// set, matched before `ct state established`, and the iptables (and ip6tables) `FL-ISLAND`
/// chain, jumped to first from FORWARD. Cisco IOS ACLs have none (no alternate ACL is
/// generated). FR5-014 reports the boundaries this leaves without one.
pub fn island_control(target: Target) -> Option<&'static str> {
    match target {
        Target::Nftables => Some("nftables `island` set"),
        Target::Iptables => Some("iptables and ip6tables `FL-ISLAND` chain"),
        Target::CiscoIos => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_undefined_and_control_characters_fail() {
        let mut env = environment();
        env.add_template("t", "x {{ missing }}").unwrap();
        assert!(render(&env, "t", serde_json::json!({})).is_err());
        env.add_template("u", "comment \"{{ c }}\"").unwrap();
        assert!(render(&env, "u", serde_json::json!({"c": "a\nb"})).is_err());
        assert_eq!(
            render(&env, "u", serde_json::json!({"c": "ab"})).unwrap(),
            "comment \"ab\""
        );
    }
}
