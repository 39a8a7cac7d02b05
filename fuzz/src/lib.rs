//! Shared helpers of the fuzz targets: turning one fuzz input into a catalogue directory.
//!
//! An input holds several files, each introduced by a line `==> NAME <==` (the format of
//! `head` on several files); text before the first marker goes to `DEFAULT`. The files are
//! written into a directory that is emptied first, so every run starts from nothing.

use std::path::Path;

/// Writes the files of `data` into `dir`, removing what an earlier input left there.
/// Only plain names with extension `ext` are written (`==> ../x <==` is ignored).
pub fn write_catalogue(dir: &Path, data: &[u8], ext: &str, default: &str) {
    for entry in std::fs::read_dir(dir).expect("read fuzz dir").flatten() {
        std::fs::remove_file(entry.path()).expect("clear fuzz dir");
    }
    let mut name = default.to_owned();
    let mut body: Vec<u8> = Vec::new();
    let flush = |name: &str, body: &mut Vec<u8>| {
        let plain = !name.is_empty()
            && name.len() < 64
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if plain && !body.is_empty() {
            let path = dir.join(format!("{name}.{ext}"));
            std::fs::write(path, &body).expect("write fuzz file");
        }
        body.clear();
    };
    for line in data.split_inclusive(|b| *b == b'\n') {
        let trimmed = line.strip_suffix(b"\n").unwrap_or(line);
        if let Some(inner) = trimmed
            .strip_prefix(b"==> ")
            .and_then(|l| l.strip_suffix(b" <=="))
        {
            flush(&name, &mut body);
            name = String::from_utf8_lossy(inner).into_owned();
        } else {
            body.extend_from_slice(line);
        }
    }
    flush(&name, &mut body);
}

/// A scratch directory in memory when the machine has one.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .expect("temporary directory")
}
