//! The `bakeplan` binary: parse the command line and hand over to [`cli::run`].

mod cli;

use clap::Parser;

/// mimalloc rather than the system allocator: a chain's run allocates and frees millions of
/// small rows and strings, and glibc's malloc took a fifth of its time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run(cli::args::Cli::parse())
}
