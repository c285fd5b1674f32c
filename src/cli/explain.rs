//! `fenceline explain CODE`: a lint rule's documentation (its doc comment), or the explanation
//! of a language diagnostic code (E0001...).

use super::{Io, EXIT_FAILURE, EXIT_OK};
use crate::error::Result;
use crate::lint;
use clap::Args;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule ID (`FR5-003`), a rule name (`wildcard-flow`) or a language code (`E0004`)
    #[arg(value_parser = super::completions::CodeParser, hide_possible_values = true)]
    pub code: String,
}

/// The text `explain` prints for a code, or `None` when nothing has that code.
pub fn explain(code: &str) -> Option<String> {
    if let Some(r) = lint::lookup(code) {
        return Some(format!(
            "# {} {}\n\nseverity: {} · IEC 62443: {} · status: {}\n\n{}",
            r.id,
            r.name,
            r.severity.as_str(),
            r.reference,
            r.status.as_str(),
            r.doc()
        ));
    }
    crate::diagnostic::codes::lookup(code)
        .map(|c| format!("# {} {}\n\n{}\n", c.code, c.title, c.explanation))
}

pub fn run(args: ExplainArgs, io: &mut Io) -> Result<u8> {
    match explain(&args.code) {
        Some(text) => {
            let _ = write!(io.out, "{text}");
            Ok(EXIT_OK)
        }
        None => {
            let known = lint::rules::ALL
                .iter()
                .flat_map(|r| [r.id, r.name])
                .chain(crate::diagnostic::codes::ALL.iter().map(|c| c.code));
            let hint = crate::diagnostic::did_you_mean(&args.code, known)
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            io.eprintln(format_args!(
                "error: no rule or code `{}`{hint} (`fenceline rules` lists them)",
                args.code
            ));
            Ok(EXIT_FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::completions::CodeParser;
    use clap::builder::{PossibleValue, TypedValueParser};

    #[test]
    fn every_code_offered_is_explained() {
        let values: Vec<PossibleValue> =
            CodeParser.possible_values().into_iter().flatten().collect();
        assert_eq!(
            values.len(),
            crate::lint::rules::ALL.len() + crate::diagnostic::codes::ALL.len()
        );
        for pv in values {
            assert!(super::explain(pv.get_name()).is_some(), "{}", pv.get_name());
        }
    }
}
