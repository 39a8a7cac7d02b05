//! Text from a catalogue reaches the terminal: names, slugs, messages quoting them. A name
//! holding `ESC ] 0 ;` or `ESC [ 2 J` would retitle or clear the baker's terminal, so every
//! line printed goes through [`clean`], which spells control characters out.

use std::borrow::Cow;

/// `text` with control characters (other than newline and tab) written as `\u{1b}`.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text with the control characters `serde_json` leaves raw (DEL and C1, e.g. the
/// one-byte CSI U+009B) written as `\u00XX` escapes: the same JSON value, safe on a terminal.
pub fn json(text: String) -> String {
    if !text.chars().any(unsafe_char) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` with control characters replaced by `?` of the same byte length, so that source
/// positions still point at the same place (for snippets of catalogue files).
pub fn blank_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if unsafe_char(c) {
                    "?".repeat(c.len_utf8())
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

fn unsafe_char(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_spelled_out() {
        assert_eq!(clean("a\u{1b}]0;PWNED\u{7}b"), "a\\u{1b}]0;PWNED\\u{7}b");
        assert_eq!(clean("plain\nline\t"), "plain\nline\t");
        assert_eq!(
            blank_controls("x\u{1b}[2J\u{85}y").len(),
            "x\u{1b}[2J\u{85}y".len()
        );
        assert!(
            !blank_controls("x\u{1b}[2J\u{85}y")
                .chars()
                .any(char::is_control)
        );
    }
}

/// Writes `bytes` to stdout. A reader that went away (a closed pipe) is not an error worth
/// a panic or a message: the rest of the output is dropped.
pub fn out_bytes(bytes: &[u8]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_all(bytes).and_then(|()| out.flush())
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        err_line(&format!("error: cannot write to stdout: {error}"));
    }
}

/// One line on stdout (see [`out_bytes`]).
pub fn out_line(text: &str) {
    out_bytes(format!("{text}\n").as_bytes());
}

/// Text on stderr; a closed stderr has nowhere left to report to, so it drops the text.
pub fn err_bytes(bytes: &[u8]) {
    use std::io::Write;
    if std::io::stderr().lock().write_all(bytes).is_err() {
        // Nowhere to say so.
    }
}

/// One line on stderr (see [`err_bytes`]).
pub fn err_line(text: &str) {
    err_bytes(format!("{text}\n").as_bytes());
}

#[cfg(test)]
mod json_tests {
    use super::*;

    #[test]
    fn json_keeps_its_value_and_loses_raw_controls() {
        let text = serde_json::to_string("a\u{9b}2J\u{7f}b\nc").expect("json");
        let safe = json(text);
        assert!(!safe.chars().any(unsafe_char), "{safe}");
        let back: String = serde_json::from_str(&safe).expect("still json");
        assert_eq!(back, "a\u{9b}2J\u{7f}b\nc");
    }
}
