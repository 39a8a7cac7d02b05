//! Render limits: a template may loop or grow without bound, and the nightly job must end.
//!
//! Every report renders with a fuel budget (minijinja instructions) and an output cap; a
//! manifest may raise either (`fuel:`, `max_output_mb:`). Exceeding one is a located error
//! naming the report, never a hang or an allocation failure.

use std::io::Write;

/// Template instructions one report may run unless its manifest says otherwise: some
/// seconds of work, far above what the built-in reports need for a chain-sized event.
pub const DEFAULT_FUEL: u64 = 500_000_000;

/// Bytes one report may write unless its manifest says otherwise.
pub const DEFAULT_MAX_OUTPUT_MB: u64 = 256;

/// A byte buffer that refuses to grow past a cap.
#[derive(Debug)]
pub struct Capped {
    /// What was written.
    pub bytes: Vec<u8>,
    cap: usize,
    /// Whether a write was refused.
    pub overflowed: bool,
}

impl Capped {
    /// An empty buffer that holds at most `cap` bytes.
    pub fn new(cap: usize) -> Capped {
        Capped {
            bytes: Vec::new(),
            cap,
            overflowed: false,
        }
    }
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len().saturating_add(buf.len()) > self.cap {
            self.overflowed = true;
            return Err(std::io::Error::other("report output over its size limit"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_buffer_refuses_the_write_that_crosses_the_cap() {
        let mut capped = Capped::new(4);
        assert!(capped.write_all(b"abc").is_ok());
        assert!(capped.write_all(b"de").is_err());
        assert!(capped.overflowed);
        assert_eq!(capped.bytes, b"abc");
    }
}
