//! The live pages: what the kernel reports, as HTML for people and as
//! JSON for programs (`/proc` and `/api/proc` come from the same code).
//!
//! Each page is one file and one line in `PAGES`. A page reads the system
//! calls it needs on every request, so what it shows is as fresh as the
//! request; the HTML reloads itself every `REFRESH_SECONDS`.

pub mod iface;
pub mod mem;
pub mod net;
pub mod proc;
pub mod sched;
pub mod timeline;

use crate::site::Site;
use alloc::format;
use alloc::string::String;
use http::html::escape;
use http::json::Json;
use libsys::Errno;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => http::mime::content_type("page.html"),
            Format::Json => http::mime::content_type("page.json"),
        }
    }
}

pub struct Page {
    /// `/NAME` and `/api/NAME`.
    pub name: &'static str,
    pub title: &'static str,
    pub render: fn(&mut Site, Format) -> String,
}

// ANCHOR: pages
pub const PAGES: &[Page] = &[
    Page {
        name: "proc",
        title: "Processes",
        render: proc::render,
    },
    Page {
        name: "sched",
        title: "Scheduler",
        render: sched::render,
    },
    Page {
        name: "mem",
        title: "Memory",
        render: mem::render,
    },
    Page {
        name: "net",
        title: "Network",
        render: net::render,
    },
];
// ANCHOR_END: pages

pub fn find(name: &str) -> Option<&'static Page> {
    PAGES.iter().find(|page| page.name == name)
}

const REFRESH_SECONDS: u32 = 2;

/// The frame around every HTML page: title, links to the others, and the
/// instruction to reload itself.
pub fn html_page(name: &str, body: &str) -> String {
    let title = find(name).map_or(name, |page| page.title);
    let mut nav = String::from("<a href=\"/\">home</a>");
    for page in PAGES {
        nav.push_str(&format!(" | <a href=\"/{0}\">{0}</a>", page.name));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">\n\
         <title>oxv6: {title}</title><link rel=\"stylesheet\" href=\"/style.css\"></head>\n\
         <body><nav>{nav}</nav>\n<h1>{title}</h1>\n{body}\n\
         <p class=\"note\">Reloads every {REFRESH_SECONDS} s. The same figures as JSON: \
         <a href=\"/api/{name}\">/api/{name}</a>.</p>\n</body></html>\n"
    )
}

/// An HTML table; every cell is escaped.
pub fn table(columns: &[&str], rows: impl Iterator<Item = alloc::vec::Vec<String>>) -> String {
    let mut html = String::from("<table>\n<tr>");
    for column in columns {
        html.push_str(&format!("<th>{}</th>", escape(column)));
    }
    html.push_str("</tr>\n");
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            html.push_str(&format!("<td>{}</td>", escape(&cell)));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>");
    html
}

/// What a page shows when its system call failed (`ENOSYS` on a kernel
/// that does not have it yet, say).
pub fn unavailable(name: &str, call: &str, error: Errno, format: Format) -> String {
    match format {
        Format::Html => html_page(
            name,
            &format!(
                "<p class=\"error\">{call} failed: {}</p>",
                escape(&format!("{error}"))
            ),
        ),
        Format::Json => {
            let mut json = Json::new();
            json.begin_object();
            json.key("error").string(&format!("{call}: {error}"));
            json.end_object();
            json.finish()
        }
    }
}
