//! The `fenceline` binary: all behaviour lives in the library (`fenceline::cli`).

/// The proof and the emits allocate and free many small interval lists; mimalloc's per-thread
/// free lists serve them several times faster than the system allocator. Version 2 (the
/// `v2` feature) returns freed pages after 10 ms, version 3 after a second: a large build's
/// phases then reuse each other's memory instead of adding to it (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Transparent huge pages (where the kernel gives them to every process) made a large build
    // zero 2 MiB at each first touch of its heap: a quarter of a 50,000-flow build's time was
    // the kernel clearing pages, and more memory resident (docs/performance.md). A failure only
    // means the kernel keeps its default.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    std::process::ExitCode::from(fenceline::cli::main())
}
