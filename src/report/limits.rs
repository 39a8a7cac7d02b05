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

/// A writer that refuses to write past a cap, passing everything else to `inner` (a report's
/// file, or a buffer). It remembers whether it refused, what `inner` failed with, and the
/// last byte written.
#[derive(Debug)]
pub struct Capped<W> {
    inner: W,
    written: usize,
    cap: usize,
    last: Option<u8>,
    /// Whether a write was refused.
    pub overflowed: bool,
    /// What the inner writer failed with, if it did.
    pub failed: Option<std::io::Error>,
}

impl<W: Write> Capped<W> {
    /// Writes at most `cap` bytes to `inner`.
    pub fn new(inner: W, cap: usize) -> Capped<W> {
        Capped {
            inner,
            written: 0,
            cap,
            last: None,
            overflowed: false,
            failed: None,
        }
    }

    /// Bytes written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// The inner writer.
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// The last byte written, if any.
    pub fn last(&self) -> Option<u8> {
        self.last
    }
}

impl<W: Write> Write for Capped<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.written.saturating_add(buf.len()) > self.cap {
            self.overflowed = true;
            return Err(std::io::Error::other("report output over its size limit"));
        }
        if let Err(error) = self.inner.write_all(buf) {
            let copy = std::io::Error::new(error.kind(), error.to_string());
            self.failed = Some(error);
            return Err(copy);
        }
        self.written += buf.len();
        if let Some(&byte) = buf.last() {
            self.last = Some(byte);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_buffer_refuses_the_write_that_crosses_the_cap() {
        let mut bytes = Vec::new();
        let mut capped = Capped::new(&mut bytes, 4);
        assert!(capped.write_all(b"abc").is_ok());
        assert!(capped.write_all(b"de").is_err());
        assert!(capped.overflowed && capped.failed.is_none());
        assert_eq!((capped.written(), capped.last()), (3, Some(b'c')));
        assert_eq!(bytes, b"abc");
    }
}
