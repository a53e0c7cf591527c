//! A tiny JSON writer for the `/api/...` pages.
//!
//! Only writing, only what the pages need: objects, arrays, strings,
//! unsigned integers and booleans. The writer puts the commas in itself
//! (it remembers, per open object or array, whether a value came yet),
//! which is the one thing that is easy to get wrong by hand.
//!
//! ```text
//! let mut json = Json::new();
//! json.begin_object();
//! json.key("pid").uint(1);
//! json.key("name").string("init");
//! json.end_object();
//! assert_eq!(json.finish(), r#"{"pid":1,"name":"init"}"#);
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

// ANCHOR: json
pub struct Json {
    out: String,
    /// One entry per open object or array: has it got a member yet?
    has_member: Vec<bool>,
    /// A key was just written: the next value is its value, no comma.
    after_key: bool,
}

impl Json {
    pub fn new() -> Json {
        Json {
            out: String::new(),
            has_member: Vec::new(),
            after_key: false,
        }
    }

    /// Before any value or key: a comma if it is not the first member.
    fn separate(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if let Some(has_member) = self.has_member.last_mut() {
            if *has_member {
                self.out.push(',');
            }
            *has_member = true;
        }
    }
    // ANCHOR_END: json

    pub fn begin_object(&mut self) -> &mut Json {
        self.separate();
        self.out.push('{');
        self.has_member.push(false);
        self
    }

    pub fn end_object(&mut self) -> &mut Json {
        self.has_member.pop();
        self.out.push('}');
        self
    }

    pub fn begin_array(&mut self) -> &mut Json {
        self.separate();
        self.out.push('[');
        self.has_member.push(false);
        self
    }

    pub fn end_array(&mut self) -> &mut Json {
        self.has_member.pop();
        self.out.push(']');
        self
    }

    /// A member's name, inside an object; its value comes next.
    pub fn key(&mut self, name: &str) -> &mut Json {
        self.separate();
        self.quoted(name);
        self.out.push(':');
        self.after_key = true;
        self
    }

    pub fn string(&mut self, text: &str) -> &mut Json {
        self.separate();
        self.quoted(text);
        self
    }

    pub fn uint(&mut self, value: u64) -> &mut Json {
        self.separate();
        let _ = write!(self.out, "{value}");
        self
    }

    pub fn bool(&mut self, value: bool) -> &mut Json {
        self.separate();
        self.out.push_str(if value { "true" } else { "false" });
        self
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.out
    }

    /// RFC 8259 §7: quote and backslash escaped, control characters as
    /// `\uXXXX` (or their short forms); everything else as it is.
    fn quoted(&mut self, text: &str) {
        self.out.push('"');
        for c in text.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(self.out, "\\u{:04x}", c as u32);
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }
}

impl Default for Json {
    fn default() -> Json {
        Json::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_between_members_only() {
        let mut json = Json::new();
        json.begin_object();
        json.key("a").uint(1);
        json.key("b").begin_array().uint(2).uint(3).end_array();
        json.key("c").begin_object().end_object();
        json.key("d").bool(true);
        json.end_object();
        assert_eq!(json.finish(), r#"{"a":1,"b":[2,3],"c":{},"d":true}"#);
    }

    #[test]
    fn array_of_objects() {
        let mut json = Json::new();
        json.begin_array();
        for pid in 1..=2 {
            json.begin_object().key("pid").uint(pid).end_object();
        }
        json.end_array();
        assert_eq!(json.finish(), r#"[{"pid":1},{"pid":2}]"#);
    }

    #[test]
    fn strings_are_escaped() {
        let mut json = Json::new();
        json.string("say \"hi\"\\\n\t\u{1}é");
        assert_eq!(json.finish(), r#""say \"hi\"\\\n\t\u0001é""#);
    }
}
