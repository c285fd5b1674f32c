//! The `fenceline` binary: all behaviour lives in the library (`fenceline::cli`).

/// The proof and the emits allocate and free many small interval lists; mimalloc's per-thread
/// free lists serve them several times faster than the system allocator (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(fenceline::cli::main())
}
