//! The `fenceline` binary: all behaviour lives in the library (`fenceline::cli`).
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(fenceline::cli::main())
}
