//! Escaping text for HTML.
//!
//! The live pages show process names, and a process can name itself
//! anything: `<script>` in a name must appear as text, not run. Everything
//! a page prints that did not come from the page's own source goes through
//! `escape`.

use alloc::string::String;

/// `text` with the five characters that mean something in HTML replaced
/// by their entities, safe inside an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            escape("<script>alert('x & y')</script>"),
            "&lt;script&gt;alert(&#39;x &amp; y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a \"quoted\" name"), "a &quot;quoted&quot; name");
        assert_eq!(escape("plain café"), "plain café");
    }
}
