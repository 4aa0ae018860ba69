//! The mail as bytes: an RFC 5322 message with a `multipart/alternative` body (plain text and
//! HTML, both UTF-8), and the small parser the outbox viewer reads it back with.
//!
//! The message is 7-bit ASCII with CRLF line endings, so any transport takes it as it is: a
//! subject or a sender name that is not ASCII becomes RFC 2047 encoded-words, each part is
//! quoted-printable (mostly ASCII text) or base64 (mostly other scripts, such as Chinese).
//! Header injection is refused: a value holding CR or LF (or another control character) is
//! an error, never cleaned up and sent.

use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Mail, MailError};

/// RFC 5322's hard limit on a line, without its CRLF.
const MAX_LINE: usize = 998;
/// The length a header line is folded to when it can be (RFC 5322 recommends 78).
const FOLD_AT: usize = 78;
/// Bytes of text per encoded-word: 39 bytes are 52 base64 characters, so
/// `Subject: =?UTF-8?B?…?=` stays within 78 characters.
const WORD_BYTES: usize = 39;

/// Header fields the writer sets itself, and recipients' fields that an extra header must not
/// add: an extra header of one of these names is refused.
const RESERVED: [&str; 10] = [
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
];

/// A fresh random token (16 hex digits) for [`write_message`]'s `unique`.
pub fn unique_token() -> String {
    // Without randomness (it never fails on the supported systems) the clock still makes the
    // token differ from one mail to the next.
    let n = getrandom::u64().unwrap_or_else(|_| {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    format!("{n:016x}")
}

/// `at` as a compact, sortable UTC timestamp: `20261201T120000Z`.
pub fn compact_timestamp(at: SystemTime) -> String {
    contract::date::rfc3339(at).replace(['-', ':'], "")
}

/// The message for `mail` from `from` (an address, or `Name <address>`), dated `at`. `unique`
/// (letters and digits, see [`unique_token`]) makes the `Message-ID` and the part boundary.
/// A pure function: the same arguments give the same bytes.
pub fn write_message(
    from: &str,
    mail: &Mail,
    at: SystemTime,
    unique: &str,
) -> Result<String, MailError> {
    if unique.is_empty() || !unique.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(MailError::Header {
            name: "Message-ID".into(),
            reason: "the unique part must be letters and digits",
        });
    }
    let (from_name, from_addr) = mailbox("from", "From", from)?;
    let to = addr_spec("to", "To", &mail.to)?;
    let domain = from_addr.rsplit_once('@').map_or("localhost", |(_, d)| d);

    let mut out = String::new();
    let from_value = match from_name {
        Some(name) => format!("{} <{from_addr}>", display_name(&name)),
        None => from_addr.clone(),
    };
    push_header(&mut out, "From", &from_value);
    push_header(&mut out, "To", &to);
    push_header(&mut out, "Subject", &subject(&mail.subject)?);
    push_header(&mut out, "Date", &rfc5322_date(at));
    push_header(
        &mut out,
        "Message-ID",
        &format!("<{}.{unique}@{domain}>", compact_timestamp(at)),
    );
    push_header(&mut out, "MIME-Version", "1.0");
    for (name, value) in &mail.headers {
        check_extra(name, value)?;
        push_header(&mut out, name, value.trim());
    }
    let boundary = format!("=_{unique}");
    push_header(
        &mut out,
        "Content-Type",
        &format!("multipart/alternative; boundary=\"{boundary}\""),
    );
    out.push_str("\r\n");
    for (kind, body) in [("plain", &mail.text), ("html", &mail.html)] {
        out.push_str(&format!("--{boundary}\r\n"));
        out.push_str(&format!("Content-Type: text/{kind}; charset=utf-8\r\n"));
        let (encoding, encoded) = encode_body(body);
        out.push_str(&format!("Content-Transfer-Encoding: {encoding}\r\n\r\n"));
        out.push_str(&encoded);
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    Ok(out)
}

/// The bare address of `from` (`Name <a@b>` → `a@b`), checked as [`write_message`] does.
pub fn sender_address(from: &str) -> Result<String, MailError> {
    mailbox("from", "From", from).map(|(_, addr)| addr)
}

/// The bare address of a recipient, checked and in ASCII form as [`write_message`] writes
/// it in `To` (an international domain in punycode).
pub fn recipient_address(to: &str) -> Result<String, MailError> {
    addr_spec("to", "To", to)
}

/// Appends `Name: value` and CRLF, folded at spaces to 78 characters where possible.
fn push_header(out: &mut String, name: &str, value: &str) {
    let mut line = format!("{name}: ");
    let mut len = line.len();
    for (i, word) in value.split(' ').enumerate() {
        if i > 0 {
            if len + 1 + word.len() > FOLD_AT {
                // Folding is a CRLF before whitespace; the reader removes only the CRLF.
                line.push_str("\r\n ");
                len = 1;
            } else {
                line.push(' ');
                len += 1;
            }
        }
        line.push_str(word);
        len += word.len();
    }
    out.push_str(&line);
    out.push_str("\r\n");
}

/// Refuses a value holding a line break or another control character (tab aside).
fn check_value(name: &str, value: &str) -> Result<(), MailError> {
    if value.contains(['\r', '\n']) {
        return Err(MailError::Header {
            name: name.to_owned(),
            reason: "its value holds a line break (header injection)",
        });
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(MailError::Header {
            name: name.to_owned(),
            reason: "its value holds a control character",
        });
    }
    Ok(())
}

fn check_extra(name: &str, value: &str) -> Result<(), MailError> {
    // Only the name's shape is known good; a refused name is not repeated in full.
    let shown = || {
        name.chars()
            .filter(char::is_ascii_graphic)
            .take(40)
            .collect()
    };
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
        return Err(MailError::Header {
            name: shown(),
            reason: "the name must be printable ASCII without a colon",
        });
    }
    if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(MailError::Header {
            name: shown(),
            reason: "the writer sets this header itself, or it would add recipients",
        });
    }
    check_value(name, value)?;
    if !value.is_ascii() {
        return Err(MailError::Header {
            name: shown(),
            reason: "an extra header's value must be ASCII",
        });
    }
    if name.len() + 2 + value.trim().len() > MAX_LINE {
        return Err(MailError::Header {
            name: shown(),
            reason: "the value is longer than a mail line may be",
        });
    }
    Ok(())
}

/// Splits `Name <address>` or `address`, and checks the address.
fn mailbox(
    field: &'static str,
    header: &str,
    value: &str,
) -> Result<(Option<String>, String), MailError> {
    check_value(header, value)?;
    let value = value.trim();
    match value.strip_suffix('>').and_then(|v| v.rsplit_once('<')) {
        Some((name, addr)) => {
            let name = name.trim().trim_matches('"').trim();
            let addr = addr_spec(field, header, addr)?;
            Ok(((!name.is_empty()).then(|| name.to_owned()), addr))
        }
        None => Ok((None, addr_spec(field, header, value)?)),
    }
}

/// One address `local@domain`: ASCII local part, the domain in its ASCII (punycode) form.
fn addr_spec(field: &'static str, header: &str, value: &str) -> Result<String, MailError> {
    check_value(header, value)?;
    let bad = |reason| MailError::Address { field, reason };
    let value = value.trim();
    let Some((local, domain)) = value.rsplit_once('@') else {
        return Err(bad("it has no @"));
    };
    if local.is_empty() || domain.is_empty() {
        return Err(bad("a part before or after the @ is empty"));
    }
    let forbidden = |c: char| c.is_whitespace() || "<>,;:\"()[]\\@".contains(c);
    if local.chars().any(forbidden) || domain.chars().any(forbidden) {
        return Err(bad("it holds a space or a character addresses cannot have"));
    }
    if !local.is_ascii() {
        return Err(bad("the part before the @ is not ASCII"));
    }
    let domain = if domain.is_ascii() {
        domain.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(domain).map_err(|_| bad("the domain is not a valid name"))?
    };
    Ok(format!("{local}@{domain}"))
}

/// A display name as a header phrase: as it is, quoted, or encoded-words.
fn display_name(name: &str) -> String {
    if !name.is_ascii() {
        return encoded_words(name);
    }
    let atext =
        |c: char| c.is_ascii_alphanumeric() || c == ' ' || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if name.chars().all(atext) && !name.contains("=?") {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// The subject's header value: as it is when plain ASCII that fits a line, else encoded-words.
fn subject(text: &str) -> Result<String, MailError> {
    check_value("Subject", text)?;
    let text = text.trim();
    let plain = text.is_ascii() && !text.contains("=?") && text.len() <= MAX_LINE - 10;
    Ok(if plain {
        text.to_owned()
    } else {
        encoded_words(text)
    })
}

/// `text` as RFC 2047 `=?UTF-8?B?…?=` words of at most [`WORD_BYTES`] bytes each (never
/// splitting a character), separated by spaces for [`push_header`] to fold at.
fn encoded_words(text: &str) -> String {
    let mut words = Vec::new();
    let mut start = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() - start > WORD_BYTES && end > start {
            words.push(&text[start..end]);
            start = end;
        }
        end = i + c.len_utf8();
    }
    if end > start {
        words.push(&text[start..end]);
    }
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", STANDARD.encode(w)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `Tue, 01 Dec 2026 12:00:00 +0000` (RFC 5322 section 3.3), from the one date algorithm.
fn rfc5322_date(at: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // `2026-12-01T12:00:00Z`: fixed positions.
    let iso = contract::date::rfc3339(at);
    let days = contract::date::unix_seconds(at).div_euclid(86_400);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = iso
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .unwrap_or(&"Jan");
    let (year, day, time) = (
        iso.get(..4).unwrap_or("1970"),
        iso.get(8..10).unwrap_or("01"),
        iso.get(11..19).unwrap_or("00:00:00"),
    );
    format!("{weekday}, {day} {month} {year} {time} +0000")
}

/// The body's transfer encoding and its encoded lines (CRLF, at most 76 characters each).
fn encode_body(body: &str) -> (&'static str, String) {
    let other = body.bytes().filter(|b| !b.is_ascii()).count();
    // Quoted-printable triples every non-ASCII byte; base64 costs a third more overall.
    if other * 3 > body.len() {
        let mut out = String::new();
        let encoded = STANDARD.encode(normalise_newlines(body).as_bytes());
        for chunk in encoded.as_bytes().chunks(76) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push_str("\r\n");
        }
        ("base64", out)
    } else {
        ("quoted-printable", quoted_printable(body))
    }
}

fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// Quoted-printable (RFC 2045 section 6.7): line breaks kept as CRLF, lines soft-broken
/// before 76 characters, `=` and everything outside printable ASCII as `=XX`.
fn quoted_printable(text: &str) -> String {
    let mut out = String::new();
    for line in text.replace("\r\n", "\n").split('\n') {
        let bytes = line.as_bytes();
        let mut len = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let literal =
                matches!(b, b'!'..=b'<' | b'>'..=b'~') || (matches!(b, b' ' | b'\t') && !last);
            let piece = if literal {
                char::from(b).to_string()
            } else {
                format!("={b:02X}")
            };
            // Keep room for the soft break's `=` within 76.
            if len + piece.len() > 75 {
                out.push_str("=\r\n");
                len = 0;
            }
            out.push_str(&piece);
            len += piece.len();
        }
        out.push_str("\r\n");
    }
    out
}

/// A message read back: its header fields (unfolded, encoded-words decoded) and its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The top-level header fields in order, names as written.
    pub headers: Vec<(String, String)>,
    /// The `text/plain` part, with `\n` line endings.
    pub text: Option<String>,
    /// The `text/html` part, with `\n` line endings.
    pub html: Option<String>,
}

impl Parsed {
    /// The first header field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a message could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No blank line ends the header section.
    #[error("the message has no blank line after its header fields")]
    NoBody,
    /// A multipart message without its boundary parameter.
    #[error("the message is multipart but names no boundary")]
    NoBoundary,
    /// A part's base64 does not decode.
    #[error("a part's base64 does not decode")]
    Base64,
}

/// Reads a message as [`write_message`] writes it (and simple single-part messages).
pub fn parse_message(raw: &str) -> Result<Parsed, ParseError> {
    let (headers, body) = split_head(raw).ok_or(ParseError::NoBody)?;
    let mut parsed = Parsed {
        headers,
        ..Parsed::default()
    };
    let content_type = parsed
        .header("Content-Type")
        .unwrap_or("text/plain")
        .to_owned();
    if content_type.to_ascii_lowercase().starts_with("multipart/") {
        let boundary = param(&content_type, "boundary").ok_or(ParseError::NoBoundary)?;
        for part in parts(body, &boundary) {
            let (headers, body) = split_head(part).unwrap_or_default();
            let part = Parsed {
                headers,
                ..Parsed::default()
            };
            let kind = part.header("Content-Type").unwrap_or("text/plain");
            let decoded = decode_body(part.header("Content-Transfer-Encoding"), body)?;
            fill(&mut parsed, kind, decoded);
        }
    } else {
        let decoded = decode_body(parsed.header("Content-Transfer-Encoding"), body)?;
        fill(&mut parsed, &content_type, decoded);
    }
    Ok(parsed)
}

fn fill(parsed: &mut Parsed, kind: &str, decoded: String) {
    let kind = kind.to_ascii_lowercase();
    if kind.starts_with("text/html") && parsed.html.is_none() {
        parsed.html = Some(decoded);
    } else if kind.starts_with("text/plain") && parsed.text.is_none() {
        parsed.text = Some(decoded);
    }
}

/// The header fields (unfolded, decoded) and the body after the first blank line.
fn split_head(raw: &str) -> Option<(Vec<(String, String)>, &str)> {
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .or_else(|| raw.split_once("\n\n"))
        .or_else(|| raw.strip_suffix("\r\n").map(|h| (h, "")))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.to_owned()));
        }
    }
    let headers = headers
        .into_iter()
        .map(|(n, v)| (n, decode_words(v.trim())))
        .collect();
    Some((headers, body))
}

/// A `name=value` or `name="value"` parameter of a header value.
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// The parts between `--boundary` lines, up to `--boundary--`.
fn parts<'a>(body: &'a str, boundary: &str) -> Vec<&'a str> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut start = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == delimiter || bare == format!("{delimiter}--") {
            if let Some(s) = start {
                // The line break before a delimiter belongs to the delimiter (RFC 2046).
                let part = &body[s..offset];
                let part = part.strip_suffix('\n').unwrap_or(part);
                parts.push(part.strip_suffix('\r').unwrap_or(part));
            }
            if bare.ends_with("--") && bare != delimiter {
                break;
            }
            start = Some(offset + line.len());
        }
        offset += line.len();
    }
    parts
}

fn decode_body(encoding: Option<&str>, body: &str) -> Result<String, ParseError> {
    let encoding = encoding.unwrap_or("7bit").trim().to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => {
            let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            STANDARD.decode(clean).map_err(|_| ParseError::Base64)?
        }
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.as_bytes().to_vec(),
    };
    Ok(String::from_utf8_lossy(&bytes).replace("\r\n", "\n"))
}

fn decode_quoted_printable(body: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let lines: Vec<&str> = body.split('\n').collect();
    for (n, line) in lines.iter().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        // Trailing whitespace is transport padding (RFC 2045).
        let line = line.trim_end_matches([' ', '\t']);
        let (line, soft) = match line.strip_suffix('=') {
            Some(l) => (l, true),
            None => (line, false),
        };
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let hex = (bytes[i] == b'=')
                .then(|| line.get(i + 1..i + 3))
                .flatten()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
        }
        if !soft && n + 1 < lines.len() {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Decodes RFC 2047 encoded-words (UTF-8, `B` or `Q`); whitespace between two words goes.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, from) = rest.split_at(start);
        let decoded = from.get(2..).and_then(|inner| {
            let mut fields = inner.splitn(3, '?');
            let (charset, kind, tail) = (fields.next()?, fields.next()?, fields.next()?);
            let end = tail.find("?=")?;
            let text = &tail[..end];
            let bytes = match kind {
                "B" | "b" => STANDARD.decode(text).ok()?,
                "Q" | "q" => decode_quoted_printable(&text.replace('_', " ")),
                _ => return None,
            };
            let utf8 =
                charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("us-ascii");
            let used = 2 + charset.len() + 1 + kind.len() + 1 + end + 2;
            utf8.then(|| (String::from_utf8_lossy(&bytes).into_owned(), used))
        });
        match decoded {
            Some((word, used)) => {
                if !(after_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&word);
                rest = &from[used..];
                after_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &from[2..];
                after_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// 2026-12-01T12:00:00Z, a Tuesday.
    fn at() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_126_400)
    }

    fn mail() -> Mail {
        Mail {
            to: "jane@example.org".into(),
            subject: "Confirm your signature".into(),
            text: "Hello Jane,\n\nconfirm here: https://example.org/api/confirm?token=abc\n".into(),
            html: "<p>Hello Jane,</p>\n<p><a href=\"https://example.org/api/confirm?token=abc\">Confirm</a></p>".into(),
            headers: vec![
                (
                    "List-Unsubscribe".into(),
                    "<https://example.org/api/unsubscribe?token=xyz>".into(),
                ),
                (
                    "List-Unsubscribe-Post".into(),
                    "List-Unsubscribe=One-Click".into(),
                ),
            ],
        }
    }

    fn write(mail: &Mail) -> Result<String, MailError> {
        write_message("Campaign <noreply@example.org>", mail, at(), "0123abcd")
    }

    #[test]
    fn the_message_has_every_field_crlf_and_ascii() -> Result<(), MailError> {
        let raw = write(&mail())?;
        assert!(raw.is_ascii());
        assert!(!raw.replace("\r\n", "").contains(['\r', '\n']), "only CRLF");
        for line in raw.split("\r\n") {
            assert!(line.len() <= 78, "{line:?}");
        }
        for field in [
            "From: Campaign <noreply@example.org>\r\n",
            "To: jane@example.org\r\n",
            "Subject: Confirm your signature\r\n",
            "Date: Tue, 01 Dec 2026 12:00:00 +0000\r\n",
            "Message-ID: <20261201T120000Z.0123abcd@example.org>\r\n",
            "MIME-Version: 1.0\r\n",
            "List-Unsubscribe: <https://example.org/api/unsubscribe?token=xyz>\r\n",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
            "Content-Type: multipart/alternative; boundary=\"=_0123abcd\"\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n",
            "Content-Type: text/html; charset=utf-8\r\n",
            "Content-Transfer-Encoding: quoted-printable\r\n",
            "\r\n--=_0123abcd--\r\n",
        ] {
            assert!(raw.contains(field), "{field:?} in\n{raw}");
        }
        assert_eq!(write(&mail())?, raw, "a pure function");
        Ok(())
    }

    #[test]
    fn round_trip_through_the_parser() -> Result<(), Box<dyn std::error::Error>> {
        let mut m = mail();
        m.subject =
            "请确认您的签名 — Confirm your signature to the petition for the release of prisoners"
                .into();
        m.text =
            "您好，\n\n请点击链接确认：https://example.org/api/confirm?token=abc\n谢谢。".into();
        m.html = format!("<p>{}</p>\n<p>a = b, tail space </p>", "x".repeat(200));
        let raw = write_message("人权运动 <noreply@example.org>", &m, at(), "ff00")?;
        assert!(raw.is_ascii());
        assert!(raw.contains("Subject: =?UTF-8?B?"), "{raw}");
        assert!(raw.contains("Content-Transfer-Encoding: base64"), "{raw}");
        for line in raw.split("\r\n") {
            assert!(line.len() <= 78, "{line:?}");
        }
        let back = parse_message(&raw)?;
        assert_eq!(back.header("subject"), Some(m.subject.as_str()));
        assert_eq!(back.header("From"), Some("人权运动 <noreply@example.org>"));
        assert_eq!(back.header("To"), Some("jane@example.org"));
        assert_eq!(
            back.header("List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );
        assert_eq!(back.text.as_deref(), Some(m.text.as_str()));
        assert_eq!(back.html.as_deref(), Some(m.html.as_str()));

        let plain = parse_message(&write(&mail())?)?;
        assert_eq!(plain.text.as_deref(), Some(mail().text.as_str()));
        assert_eq!(plain.html.as_deref(), Some(mail().html.as_str()));
        Ok(())
    }

    #[test]
    fn header_injection_is_refused() {
        let injections = [
            Mail {
                subject: "Hi\r\nBcc: everyone@example.net".into(),
                ..mail()
            },
            Mail {
                to: "jane@example.org\nBcc: everyone@example.net".into(),
                ..mail()
            },
            Mail {
                headers: vec![("List-Unsubscribe".into(), "<x>\r\nBcc: a@b.c".into())],
                ..mail()
            },
            Mail {
                headers: vec![("X-Evil\r\nBcc".into(), "a@b.c".into())],
                ..mail()
            },
            Mail {
                headers: vec![("Bcc".into(), "everyone@example.net".into())],
                ..mail()
            },
        ];
        for m in injections {
            let err = write(&m).expect_err("refused");
            assert!(matches!(err, MailError::Header { .. }), "{err}");
            assert!(!err.to_string().contains("everyone"), "{err}");
        }
        let err =
            write_message("x@example.org\r\nBcc: a@b.c", &mail(), at(), "1").expect_err("refused");
        assert!(matches!(err, MailError::Header { .. }), "{err}");
    }

    #[test]
    fn addresses_are_checked_and_never_shown() {
        for to in [
            "",
            "jane",
            "jane@",
            "@example.org",
            "a b@example.org",
            "a@b@c",
            "<a@b.c>",
            "josé@example.org",
        ] {
            let err = write(&Mail {
                to: to.into(),
                ..mail()
            })
            .expect_err(to);
            assert!(
                matches!(err, MailError::Address { field: "to", .. }),
                "{to}: {err}"
            );
            assert!(to.is_empty() || !err.to_string().contains(to), "{err}");
        }
        let idn = write(&Mail {
            to: "jane@bücher.example".into(),
            ..mail()
        })
        .expect("a domain in any script");
        assert!(idn.contains("To: jane@xn--bcher-kva.example\r\n"), "{idn}");
        assert_eq!(
            sender_address("\"Campaign, Inc\" <no@Example.org>")
                .ok()
                .as_deref(),
            Some("no@example.org")
        );
    }

    #[test]
    fn quoted_printable_and_encoded_words() {
        let qp = quoted_printable(&format!("{}=é \nend", "a".repeat(80)));
        assert!(qp.lines().all(|l| l.len() <= 76), "{qp}");
        assert!(qp.contains("=3D=C3=A9=20\r\nend\r\n"), "{qp}");
        assert_eq!(
            String::from_utf8_lossy(&decode_quoted_printable(&qp)),
            format!("{}=é \r\nend\r\n", "a".repeat(80))
        );
        assert_eq!(
            decode_words("=?UTF-8?B?5L2g?= =?utf-8?Q?=E5=A5=BD_x?= and =?x"),
            "你好 x and =?x"
        );
        assert_eq!(
            subject("A =?fake?= subject").ok().as_deref(),
            Some("=?UTF-8?B?QSA9P2Zha2U/PSBzdWJqZWN0?=")
        );
        assert_eq!(parse_message("Subject: x"), Err(ParseError::NoBody));
    }
}
