//! Fuzzes loading and checking a CSV catalogue (any separator, line ending or encoding).

fn main() {
    let dir = bakeplan_fuzz::scratch();
    afl::fuzz!(|data: &[u8]| {
        bakeplan_fuzz::write_catalogue(dir.path(), data, "csv", "ingredients");
        let options = bakeplan::catalog::LoadOptions {
            max_file_bytes: 1 << 20,
        };
        if let Err(errors) = bakeplan::check(dir.path(), options) {
            assert!(!errors.is_empty());
        }
    });
}
