//! Formats a [`Report`]: markdown and HTML through the minijinja templates in
//! `targets/report/`, JSON through serde. Templates format; they never decide.
//!
//! Escaping is done by the formatter, never by remembering a filter: in `.html` templates every
//! interpolated value is HTML-escaped (minijinja auto-escape), in `.md` templates every string
//! is markdown-escaped, so text from a policy cannot add markup, links or table cells. Markup
//! that the report builds itself (the SVG diagram) is passed as a safe value.

use super::Report;
use crate::error::{Error, Result};
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment};

const MD: &str = include_str!("../../targets/report/report.md.j2");
const HTML: &str = include_str!("../../targets/report/report.html.j2");

/// Escapes the characters that markdown (CommonMark and GitHub tables) would read as markup.
pub fn md_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' => {
                o.push('\\');
                o.push(c);
            }
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

fn environment() -> Result<Environment<'static>> {
    let mut env = crate::targets::environment();
    env.set_formatter(|out, state, value| {
        if state.auto_escape() == AutoEscape::None && !value.is_safe() {
            if let Some(s) = value.as_str() {
                return out.write_str(&md_escape(s)).map_err(minijinja::Error::from);
            }
        }
        if let Some(s) = value.as_str() {
            if s.chars().any(|c| c.is_control() && c != '\n') {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("refusing to write a control character into the report: {s:?}"),
                ));
            }
        }
        minijinja::escape_formatter(out, state, value)
    });
    env.add_template("report.md.j2", MD)
        .map_err(|e| Error::Other(format!("template report.md.j2: {e}")))?;
    env.add_template("report.html.j2", HTML)
        .map_err(|e| Error::Other(format!("template report.html.j2: {e}")))?;
    Ok(env)
}

fn context(report: &Report) -> Value {
    minijinja::context! {
        r => Value::from_serialize(report),
        svg => Value::from_safe_string(report.svg_inline.clone()),
        mermaid => Value::from_safe_string(report.mermaid.clone()),
    }
}

pub fn to_markdown(report: &Report) -> Result<String> {
    crate::targets::render(&environment()?, "report.md.j2", context(report))
}

pub fn to_html(report: &Report) -> Result<String> {
    crate::targets::render(&environment()?, "report.html.j2", context(report))
}

/// The Markdown and HTML reports from one template context: converting a large report into
/// template values once instead of twice halves that cost and its memory. The two renderings
/// run side by side.
pub fn to_markdown_and_html(report: &Report) -> Result<(String, String)> {
    let env = environment()?;
    let cx = context(report);
    let names = ["report.md.j2", "report.html.j2"];
    let mut out = crate::targets::parallel_map(&names, |name| {
        crate::targets::render(&env, name, cx.clone())
    })
    .into_iter();
    match (out.next(), out.next()) {
        (Some(md), Some(html)) => Ok((md?, html?)),
        _ => Err(Error::Other(
            "report rendering returned too few documents".into(),
        )),
    }
}

pub fn to_json(report: &Report) -> Result<String> {
    let mut s = serde_json::to_string_pretty(report).map_err(|e| Error::Other(e.to_string()))?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escape() {
        assert_eq!(
            md_escape("a|b <i>x</i> [l](u)"),
            "a\\|b \\<i\\>x\\</i\\> \\[l\\](u)"
        );
    }
}
