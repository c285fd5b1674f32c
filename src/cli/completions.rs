//! `fenceline completions SHELL`: shell completion scripts (clap_complete), generated from the
//! same clap definition as the parser, so they never fall out of date. What an argument
//! completes to lives on the argument itself, as static possible values and value hints, so every
//! shell's script carries it without calling fenceline back: `--target` names, rule IDs and
//! diagnostic codes for `explain`, `--format` values (each format enum), policy file paths and
//! output directories.

use super::{Cli, Io, EXIT_OK};
use crate::error::Result;
use crate::model::Target;
use clap::builder::{PossibleValue, PossibleValuesParser, StringValueParser, TypedValueParser};
use clap::{Args, CommandFactory};
use clap_complete::Shell;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate completions for
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs, io: &mut Io) -> Result<u8> {
    let mut cmd = Cli::command();
    // Into memory first: clap_complete panics when its writer fails (a closed pipe).
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "fenceline", &mut buf);
    if args.shell == Shell::Fish {
        buf.extend_from_slice(fish_positionals(&cmd).as_bytes());
    }
    let _ = io.out.write_all(&buf);
    Ok(EXIT_OK)
}

/// clap_complete's fish script completes options only; these lines add the possible values of
/// each command's first positional argument (`explain` codes, `debug` representations, shells),
/// offered until one of them is on the command line.
fn fish_positionals(cmd: &clap::Command) -> String {
    let quote = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('\'', "\\'")
            .replace('"', "\\\"")
            .replace('$', "\\$")
    };
    let mut out = String::new();
    for sub in cmd.get_subcommands() {
        let Some(pos) = sub.get_positionals().next() else {
            continue;
        };
        let Some(values) = pos.get_value_parser().possible_values() else {
            continue;
        };
        let values: Vec<PossibleValue> = values.filter(|v| !v.is_hide_set()).collect();
        let names: Vec<&str> = values.iter().map(|v| v.get_name()).collect();
        let items: Vec<String> = values
            .iter()
            .map(|v| {
                let help = v.get_help().map(|h| h.to_string()).unwrap_or_default();
                format!("{}\\t'{}'", quote(v.get_name()), quote(&help))
            })
            .collect();
        out.push_str(&format!(
            "complete -c fenceline -n \"__fish_fenceline_using_subcommand {}; and not __fish_seen_subcommand_from {}\" -f -a \"{}\"\n",
            sub.get_name(),
            names.join(" "),
            items.join("\n")
        ));
    }
    out
}

/// The values of `--target`: every target's name, with its aliases. An unknown name is a usage
/// error (exit 2) listing the targets; the value stays the text written, for [`Target::parse`].
pub fn target_parser() -> PossibleValuesParser {
    PossibleValuesParser::new(
        Target::ALL.map(|t| PossibleValue::new(t.name()).aliases(t.aliases().iter().copied())),
    )
}

/// The argument of `fenceline explain`: any text (rule names and lowercase IDs are accepted too,
/// and an unknown one gets a "did you mean" from `explain` itself), offered to completion as every
/// lint rule ID and diagnostic code, each with its name as help.
#[derive(Debug, Clone, Copy)]
pub struct CodeParser;

impl TypedValueParser for CodeParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<String, clap::Error> {
        StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        let rules = crate::lint::rules::ALL
            .iter()
            .map(|r| PossibleValue::new(r.id).help(r.name));
        let codes = crate::diagnostic::codes::ALL
            .iter()
            .map(|c| PossibleValue::new(c.code).help(c.title));
        Some(Box::new(rules.chain(codes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_value_parses_to_its_target() {
        for pv in target_parser().possible_values().into_iter().flatten() {
            let t = Target::parse(pv.get_name()).expect("a target name");
            assert_eq!(t.name(), pv.get_name());
            for alias in pv.get_name_and_aliases() {
                assert_eq!(Target::parse(alias), Some(t), "{alias}");
            }
        }
    }
}
