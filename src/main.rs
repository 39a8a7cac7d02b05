//! The `bakeplan` binary: parse the command line and hand over to [`cli::run`].

mod cli;

use clap::Parser;

/// mimalloc rather than the system allocator: a chain's run allocates and frees millions of
/// small rows and strings, and glibc's malloc took a fifth of its time.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (libmimalloc-sys names only the older options).
#[cfg(feature = "mimalloc")]
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory stays with the process before it goes back to the system.
#[cfg(feature = "mimalloc")]
const PURGE_DELAY_MS: std::ffi::c_long = 500;

/// Freed memory goes back to the system after [`PURGE_DELAY_MS`] instead of mimalloc 3's
/// default of a second. A chain's night frees megabytes of report buffers and plans every few
/// milliseconds, and memory given back is faulted in (and zeroed) again when the next batch
/// of plans is made. Measured on the chain catalogue (docs/scale-out.md), three alternating
/// pairs: after 500 ms the night took 24.6–25.3 s with a peak RSS of 427–452 MB, after 100 ms
/// 25.3–26.0 s and 408–432 MB; kept for a second, an earlier release passed 600 MB.
#[cfg(feature = "mimalloc")]
#[allow(unsafe_code)]
fn return_freed_memory_promptly() {
    // SAFETY: mi_option_set stores one integer; it runs before any other thread starts.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) }
}

fn main() -> std::process::ExitCode {
    #[cfg(feature = "mimalloc")]
    return_freed_memory_promptly();
    cli::run(cli::args::Cli::parse())
}

#[cfg(all(test, feature = "mimalloc"))]
mod tests {
    use super::*;

    /// Fails when a libmimalloc-sys upgrade renumbers the options: 15 must still be the
    /// purge delay (mimalloc 3's default 1000 ms, unless the environment sets it).
    #[test]
    #[allow(unsafe_code)]
    fn option_15_is_the_purge_delay() {
        let expected = std::env::var("MIMALLOC_PURGE_DELAY")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        // SAFETY: reads one integer option.
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(default, expected);
        return_freed_memory_promptly();
        // SAFETY: as above.
        assert_eq!(
            unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) },
            PURGE_DELAY_MS
        );
    }
}
