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
    /// sha256 of the policy's meaning (see `build::policy_hash`).
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
    let results = crate::threads::map(&jobs, |(backend, dev)| {
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
