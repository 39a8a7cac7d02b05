//! CLI cases as data: each `tests/cmd/*.trycmd` file is a transcript of commands, their
//! exit codes and their output, run in a scratch copy of its `.in` folder.

#[test]
fn cli_transcripts() {
    trycmd::TestCases::new()
        .register_bin("bakeplan", trycmd::cargo::cargo_bin!("bakeplan"))
        .env("NO_COLOR", "1")
        .case("tests/cmd/*.trycmd");
}
