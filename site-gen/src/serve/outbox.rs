//! The preview's outbox viewer: the mails the API wrote into `<data-dir>/outbox/` (the
//! confirmation of a signature, an update), so that an editor can read them and click their
//! links without a mail server.
//!
//! - `GET /_outbox/`: the mails, newest first (date, recipient, subject);
//! - `GET /_outbox/<file>`: one mail: its header fields, the text part with every http(s) URL
//!   a link, and the HTML part as escaped source. (Not rendered, not even in a sandboxed frame:
//!   the preview's policy forbids framing, and the source shows exactly what was sent.)
//!
//! Only names the outbox gives its files are looked up, so a path cannot reach another file.
//! Everything from a mail is escaped. This exists in the preview server only: a built site
//! has no `/_outbox/`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use contract::html::escape;
use petition_fn::mail::{Outbox, OutboxError};

/// Where the viewer is.
pub(super) const PREFIX: &str = "/_outbox/";

/// The viewer's routes over `outbox`.
pub(super) fn routes(outbox: Outbox) -> Router {
    Router::new()
        .route("/_outbox", get(|| async { Redirect::permanent(PREFIX) }))
        .route(PREFIX, get(index))
        .route("/_outbox/{file}", get(show))
        .with_state(Arc::new(outbox))
}

async fn index(State(outbox): State<Arc<Outbox>>) -> Response {
    let listed = tokio::task::spawn_blocking(move || outbox.list()).await;
    let entries = match listed {
        Ok(Ok(entries)) => entries,
        Ok(Err(e)) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let body = if entries.is_empty() {
        "<p>No mail yet. When the preview's API sends one (signing a petition that asks for \
         confirmation, for example), it appears here.</p>"
            .to_owned()
    } else {
        let rows: String = entries
            .iter()
            .map(|e| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td><a href=\"{PREFIX}{}\">{}</a></td></tr>",
                    escape(&e.date),
                    escape(&e.to),
                    escape(&e.name),
                    escape(if e.subject.is_empty() {
                        "(no subject)"
                    } else {
                        &e.subject
                    }),
                )
            })
            .collect();
        format!(
            "<table><caption>{} mails, newest first</caption><thead><tr><th scope=\"col\">Date</th><th scope=\"col\">To</th><th scope=\"col\">Subject</th></tr></thead><tbody>{rows}</tbody></table>",
            entries.len()
        )
    };
    page(
        StatusCode::OK,
        "Outbox",
        &format!(
            "<h1>Outbox</h1><p>Mails the preview sent. Nothing left this machine: each is a file in the data folder's <code>outbox/</code>.</p>{body}"
        ),
    )
}

async fn show(State(outbox): State<Arc<Outbox>>, Path(file): Path<String>) -> Response {
    let name = file.clone();
    let read = tokio::task::spawn_blocking(move || outbox.read(&name)).await;
    let mail = match read {
        Ok(Ok(mail)) => mail,
        Ok(Err(OutboxError::Name)) => return not_found(),
        Ok(Err(OutboxError::Read { source, .. }))
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            return not_found();
        }
        Ok(Err(e)) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let subject = mail.header("Subject").unwrap_or("(no subject)");
    let fields: String = mail
        .headers
        .iter()
        .map(|(n, v)| format!("<dt>{}</dt><dd>{}</dd>", escape(n), escape(v)))
        .collect();
    let part = |title: &str, content: Option<String>| match content {
        Some(c) => format!("<h2>{title}</h2>{c}"),
        None => format!("<h2>{title}</h2><p>This mail has none.</p>"),
    };
    let body = format!(
        "<p><a href=\"{PREFIX}\">All mails</a></p><h1>{}</h1><h2>Header fields</h2><dl>{fields}</dl>{}{}",
        escape(subject),
        // Paragraphs rather than one preformatted block, so that long lines wrap.
        part(
            "Text",
            mail.text.as_deref().map(|t| paragraphs(&linkify(t)))
        ),
        part(
            "HTML (source, not rendered)",
            mail.html
                .as_deref()
                .map(|h| format!("<pre>{}</pre>", escape(h)))
        ),
    );
    page(StatusCode::OK, subject, &body)
}

fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "No such mail",
        &format!("<h1>No such mail</h1><p><a href=\"{PREFIX}\">All mails</a></p>"),
    )
}

fn problem(status: StatusCode, message: &str) -> Response {
    page(
        status,
        "Outbox error",
        &format!(
            "<h1>The outbox cannot be read</h1><pre>{}</pre>",
            escape(message)
        ),
    )
}

/// A page of the viewer (no inline script or style: the preview's policy forbids them), with
/// the preview's headers, and not kept by the browser: it shows addresses.
fn page(status: StatusCode, title: &str, main: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} · Outbox</title></head><body><main>{main}</main></body></html>",
        escape(title)
    );
    let mut res = super::respond(
        "outbox.html",
        html.as_bytes(),
        status,
        crate::CONTENT_SECURITY_POLICY,
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.into_response()
}

/// `text` escaped, with every http(s) URL a link to itself. A URL ends at whitespace, a
/// character that cannot be in one unescaped (`<>"'`, anything not ASCII) and trailing
/// punctuation.
/// Escaped, linkified text as paragraphs: blank lines part them, line breaks stay.
fn paragraphs(html: &str) -> String {
    html.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.replace('\n', "<br>")))
        .collect()
}

fn linkify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = url_start(rest) {
        let (before, tail) = rest.split_at(start);
        out.push_str(&escape(before));
        let end = tail
            .find(|c: char| {
                c.is_whitespace() || !c.is_ascii() || matches!(c, '<' | '>' | '"' | '\'')
            })
            .unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']']);
        let scheme = if tail.starts_with("https://") { 8 } else { 7 };
        if url.len() <= scheme {
            // A scheme with nothing after it is text.
            out.push_str(&escape(&tail[..scheme]));
            rest = &tail[scheme..];
            continue;
        }
        let url_html = escape(url);
        out.push_str(&format!("<a href=\"{url_html}\">{url_html}</a>"));
        rest = &tail[url.len()..];
    }
    out.push_str(&escape(rest));
    out
}

fn url_start(text: &str) -> Option<usize> {
    text.match_indices("http")
        .map(|(i, _)| i)
        .find(|&i| text[i..].starts_with("http://") || text[i..].starts_with("https://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_links_and_everything_is_escaped() {
        assert_eq!(
            linkify(
                "Confirm: https://example.org/api/confirm?token=a&lang=zh.\n<b>http://</b> 谢谢：http://x.test/p。"
            ),
            "Confirm: <a href=\"https://example.org/api/confirm?token=a&amp;lang=zh\">https://example.org/api/confirm?token=a&amp;lang=zh</a>.\n&lt;b&gt;http://&lt;/b&gt; 谢谢：<a href=\"http://x.test/p\">http://x.test/p</a>。"
        );
        assert_eq!(
            linkify("javascript:alert(1) \"https://a.test/\"onmouseover=x"),
            "javascript:alert(1) &quot;<a href=\"https://a.test/\">https://a.test/</a>&quot;onmouseover=x"
        );
    }
}
