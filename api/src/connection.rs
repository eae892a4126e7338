//! Every answer is problem+json, even to a request actix-http refuses before any handler sees it.
//!
//! actix-http's HTTP/1 dispatcher answers a request it cannot parse (a control character in a
//! header value, a broken request line), a head larger than its buffer, or a head that does not
//! arrive in time with a fixed, bodiless response (`400`, `431` or `408`, `content-length: 0`,
//! `connection: close`), and offers no hook to change it. [`Guarded`] wraps each accepted TCP
//! stream: when such a bare answer is written at the start of a write, it is replaced by a
//! problem document of the same status, naming the offending header and the rule where the head
//! read since the previous answer shows it (the value itself is never echoed or logged: it may
//! be personal data). Every other byte passes through unchanged. The application never writes
//! an error without a body (the middleware renders every error as a problem), so a bare error
//! status line can only come from the dispatcher.

use crate::error::{ApiError, FieldError, PROBLEM_JSON};
use crate::i18n::{Lang, Problem, Rule};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How much of the bytes read since the previous answer is kept to name a broken header.
const HEAD_SEEN: usize = 8 * 1024;

/// The answers actix-http writes on its own, and the problem each becomes.
const BARE: &[(&[u8], Problem)] = &[
    (b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n", Problem::BadRequest),
    (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n", Problem::HeadTooLarge),
    (b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n", Problem::HeadTimeout),
];

/// A connection whose bare error answers are rewritten as problem documents.
pub struct Guarded<T> {
    io: T,
    /// The start of what was read since the last answer began: the head being parsed.
    seen: Vec<u8>,
    /// A replacement answer still to be written, and how much of it is.
    pending: Vec<u8>,
    written: usize,
}

impl<T> Guarded<T> {
    pub fn new(io: T) -> Guarded<T> {
        Guarded { io, seen: Vec::new(), pending: Vec::new(), written: 0 }
    }
}

impl<T: AsyncWrite + Unpin> Guarded<T> {
    /// Writes what remains of a replacement answer.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending = Vec::new();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
        let room = HEAD_SEEN.saturating_sub(this.seen.len());
        let new = &buf.filled()[before..];
        this.seen.extend_from_slice(&new[..new.len().min(room)]);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.drain(cx))?;
        if let Some(answer) = rewrite(buf, &this.seen) {
            this.pending = answer;
            this.seen.clear();
            // The dispatcher's bytes are taken whole; the replacement goes out as far as it can
            // now, the rest on the flush that follows.
            if let Poll::Ready(Err(e)) = this.drain(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        let n = ready!(Pin::new(&mut this.io).poll_write(cx, buf))?;
        if n > 0 {
            this.seen.clear();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// The problem answer replacing a bare dispatcher answer at the start of `written`, if it is one.
fn rewrite(written: &[u8], seen: &[u8]) -> Option<Vec<u8>> {
    let (prefix, problem) = BARE.iter().find(|(prefix, _)| written.starts_with(prefix))?;
    let head_end = written.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let status_line = &prefix[..prefix.iter().position(|&b| b == b'\r')?];
    // The dispatcher's own remaining headers (connection: close, date) are kept.
    let kept = &written[prefix.len()..head_end - 2];

    let mut error = ApiError::new(*problem);
    match problem {
        Problem::BadRequest => {
            if let Some(e) = broken_header(seen) {
                error.errors.push(e);
            }
        }
        Problem::HeadTimeout => error = error.with("seconds", HEAD_TIMEOUT_SECONDS),
        Problem::HeadTooLarge => error = error.with("limit_kib", HEAD_LIMIT_KIB),
        _ => {}
    }
    let request_id = crate::context::new_request_id();
    let lang = Lang::default();
    let body = serde_json::to_vec(&error.body(lang, &request_id)).ok()?;
    tracing::info!(target: "access", request_id = request_id.as_str(), code = problem.as_str(), "request refused before routing");

    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(status_line);
    out.extend_from_slice(b"\r\ncontent-type: ");
    out.extend_from_slice(PROBLEM_JSON.as_bytes());
    out.extend_from_slice(format!("\r\ncontent-length: {}\r\n", body.len()).as_bytes());
    out.extend_from_slice(format!("content-language: {}\r\n", lang.tag()).as_bytes());
    out.extend_from_slice(b"x-content-type-options: nosniff\r\n");
    out.extend_from_slice(format!("x-request-id: {request_id}\r\n").as_bytes());
    out.extend_from_slice(kept);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    out.extend_from_slice(&written[head_end..]);
    Some(out)
}

/// The largest head actix-http reads (its decoder's `MAX_BUFFER_SIZE`, 128 KiB).
pub const HEAD_LIMIT_KIB: u64 = 128;

/// How long the dispatcher waits for a request's head (actix-http's `client_request_timeout`).
pub const HEAD_TIMEOUT_SECONDS: u64 = 5;

/// The first header (or the request line) of `head` holding a control character, with the
/// 1-based position of that character in its value. Only a well-formed header name is named.
fn broken_header(head: &[u8]) -> Option<FieldError> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n").map_or(head.len(), |i| i + 2);
    for (index, line) in head[..end].split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let control = |b: &u8| (*b < 0x20 && *b != b'\t') || *b == 0x7f;
        if index == 0 {
            if let Some(at) = line.iter().position(control) {
                return Some(FieldError::new("request-line", Rule::ControlCharacter).at(at + 1));
            }
            continue;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let value = &value[value.iter().take_while(|b| matches!(b, b' ' | b'\t')).count()..];
        let token = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
        let named = !name.is_empty() && name.len() <= 64 && name.iter().all(token);
        if let Some(at) = value.iter().position(control) {
            let field =
                if named { format!("header:{}", String::from_utf8_lossy(name)) } else { "header".into() };
            return Some(FieldError::new(field, Rule::ControlCharacter).at(at + 1));
        }
        if !named {
            return Some(FieldError::new("header", Rule::InvalidHeaderName));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_control_character_names_its_header_and_position() {
        let e = broken_header(b"PUT /x HTTP/1.1\r\nHost: a\r\nIf-Match: \"a\x01b\"\r\n\r\n").unwrap();
        assert_eq!(
            (e.field.as_str(), e.rule, e.position),
            ("header:If-Match", Rule::ControlCharacter, Some(3))
        );
        let e = broken_header(b"GET /\x00 HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!((e.field.as_str(), e.position), ("request-line", Some(6)));
        let e = broken_header(b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n").unwrap();
        assert_eq!((e.field.as_str(), e.rule), ("header", Rule::InvalidHeaderName));
        assert!(broken_header(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").is_none());
    }

    #[test]
    fn only_a_bare_dispatcher_answer_is_rewritten() {
        let bare = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(rewrite(bare, b"GET / HTTP/1.1\r\nX-A: \x02\r\n\r\n").unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\n"));
        assert!(out.contains("connection: close\r\ndate: x\r\n\r\n{"));
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["code"], "bad_request");
        assert_eq!(body["errors"][0]["field"], "header:X-A");
        assert_eq!(body["errors"][0]["code"], "control_character");

        let timeout = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        assert!(String::from_utf8(rewrite(timeout, b"").unwrap()).unwrap().contains("request_head_timeout"));
        assert!(rewrite(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 120\r\n\r\n{}", b"").is_none());
        assert!(rewrite(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", b"").is_none());
    }
}
