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
