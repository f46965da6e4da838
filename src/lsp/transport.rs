//! A guard between stdio and tower-lsp-server. tower-lsp-server stops reading
//! its input after the first frame it cannot decode (a bad `Content-Length`,
//! invalid JSON, JSON that is not a JSON-RPC message), so the server would go
//! deaf. The input side here re-frames stdin itself ([`step`]: resynchronising
//! on the next `Content-Length:` header after any framing error, so no valid
//! message after garbage is lost), forwards only well-formed messages to tower
//! through an in-memory pipe, and answers broken ones with a JSON-RPC error (`-32700` parse error, `-32600` invalid request, id `null`
//! unless the message had one); the output side copies tower's frames to stdout
//! whole, slipping those error responses, and the publications the outbox
//! serialises itself ([`super::diagnostics`]), in between frames.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;

/// The largest message accepted (larger ones are refused and skipped).
pub const MAX_MESSAGE: usize = 256 * 1024 * 1024;
const PIPE: usize = 1 << 16;
/// Tower's output pipe and the pump's reads from it: large enough that a
/// big response crosses in a few reads, not one task switch per 64 KiB.
const OUT_PIPE: usize = 1 << 22;

/// Frame `body` with a `Content-Length` header.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The header block's `Content-Length`, when the block is valid.
fn content_length(header: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(header).ok()?;
    let mut len = None;
    for line in text.split("\r\n") {
        let (name, value) = line.split_once(':')?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            len = Some(value.trim().parse::<usize>().ok()?);
        }
    }
    len.filter(|&n| n <= MAX_MESSAGE)
}

/// The error response for a broken message body, or `None` when it is a
/// well-formed JSON-RPC request, notification or response.
pub fn check_message(body: &[u8]) -> Option<Value> {
    let err = |code: i64, msg: &str, id: Value| json!({"jsonrpc": "2.0", "error": {"code": code, "message": msg}, "id": id});
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Some(err(-32700, "Parse error", Value::Null));
    };
    let Some(obj) = v.as_object() else {
        return Some(err(-32600, "Invalid request", Value::Null));
    };
    let id = obj.get("id").cloned();
    let id_ok = id
        .as_ref()
        .is_none_or(|i| i.is_string() || i.is_i64() || i.is_u64() || i.is_null());
    let version_ok = obj.get("jsonrpc").and_then(Value::as_str) == Some("2.0");
    let request = obj.get("method").is_some_and(Value::is_string)
        && obj
            .get("params")
            .is_none_or(|p| p.is_object() || p.is_array() || p.is_null());
    let response = id.is_some() && (obj.contains_key("result") || obj.contains_key("error"));
    if id_ok && version_ok && (request || response) {
        None
    } else {
        let id = id.filter(|_| id_ok).unwrap_or(Value::Null);
        Some(err(-32600, "Invalid request", id))
    }
}

/// Where `needle` (ASCII, compared case-insensitively) first occurs in `hay`.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

const HEADER: &[u8] = b"content-length:";

/// The end of the header block starting at the front of `buf`: (offset of the
/// blank line, its length). Lines may end in CRLF or a bare LF.
fn header_end(buf: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while let Some(nl) = buf[i..].iter().position(|&b| b == b'\n') {
        let at = i + nl + 1;
        if buf[at..].starts_with(b"\r\n") {
            return Some((at, 2));
        }
        if buf[at..].starts_with(b"\n") {
            return Some((at, 1));
        }
        i = at;
    }
    None
}

/// `Content-Length` of a header block whose lines end in CRLF or LF.
fn lenient_length(header: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(header).ok()?;
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty())
        .collect();
    content_length(lines.join("\r\n").as_bytes())
}

/// What to do with the front of the input buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Not enough bytes yet.
    Wait,
    /// Drop this many bytes (garbage before a header), silently.
    Skip(usize),
    /// A message: forward the body `start..end`, then drop `consumed` bytes.
    Message {
        start: usize,
        end: usize,
        consumed: usize,
    },
    /// A broken frame: answer with a parse error, drop `consumed` bytes.
    Broken { consumed: usize },
}

/// Decide what the front of `buf` is. `scanned` is how far a search for the
/// next header inside an incomplete body already got (to keep the work linear).
///
/// Framing errors resynchronise on the next `Content-Length:` header, so no
/// valid message after garbage is lost: bytes before a header are skipped; a
/// header that does not parse is answered and skipped up to the next one; a
/// body whose declared length is too large ends at the next header when the
/// bytes before it are a complete JSON value; a body that is cut short (length
/// too small) is answered as broken, and its remainder skipped up to the next
/// header. Bare-LF header lines are accepted.
pub fn step(buf: &[u8], scanned: &mut usize) -> Step {
    let Some(h) = find_ci(buf, HEADER) else {
        // Keep a tail that may be the start of a header.
        return if buf.len() > HEADER.len() {
            Step::Skip(buf.len() - HEADER.len())
        } else {
            Step::Wait
        };
    };
    if h > 0 {
        return Step::Skip(h);
    }
    let Some((blank, blank_len)) = header_end(buf) else {
        if buf.len() > 64 * 1024 {
            // No end of header in sight: this is not a header.
            return Step::Broken { consumed: 1 };
        }
        return Step::Wait;
    };
    let Some(n) = lenient_length(&buf[..blank]) else {
        // Skip to the next header after this one.
        let next = find_ci(&buf[1..], HEADER).map_or(blank + blank_len, |k| k + 1);
        return Step::Broken { consumed: next };
    };
    let start = blank + blank_len;
    let body_end = start + n;
    if buf.len() >= body_end {
        *scanned = 0;
        let body = &buf[start..body_end];
        if check_message(body).is_none() || serde_json::from_slice::<Value>(body).is_ok() {
            return Step::Message {
                start,
                end: body_end,
                consumed: body_end,
            };
        }
        // The declared length ran into the next message.
        if let Some(k) = find_ci(body, HEADER) {
            return cut_short(buf, start, start + k);
        }
        return Step::Broken { consumed: body_end };
    }
    // Incomplete: a header in what arrived means the length was too large.
    let mut from = (*scanned).max(start);
    while let Some(k) = find_ci(&buf[from..], HEADER) {
        let next = from + k;
        if serde_json::from_slice::<Value>(&buf[start..next]).is_ok() {
            *scanned = 0;
            return cut_short(buf, start, next);
        }
        // Header text inside the body (a string): keep reading.
        from = next + 1;
    }
    *scanned = buf.len().saturating_sub(HEADER.len()).max(start);
    Step::Wait
}

/// The body `start..next` ends where the next header begins: forward it when
/// it is a complete JSON value, else answer it as broken.
fn cut_short(buf: &[u8], start: usize, next: usize) -> Step {
    let body = &buf[start..next];
    if serde_json::from_slice::<Value>(body).is_ok() {
        let trimmed = body
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(start, |i| start + i + 1);
        Step::Message {
            start,
            end: trimmed,
            consumed: next,
        }
    } else {
        Step::Broken { consumed: next }
    }
}

/// Copy framed messages from `input` to `to_server`, diverting broken ones to
/// `errors` as responses (see [`step`] for how framing errors resynchronise).
/// Ends at end of input.
pub async fn pump_input<R: AsyncRead + Unpin>(
    mut input: R,
    mut to_server: DuplexStream,
    errors: mpsc::UnboundedSender<Vec<u8>>,
) {
    let mut buf: Vec<u8> = Vec::with_capacity(PIPE);
    let mut chunk = vec![0u8; PIPE];
    let mut scanned = 0;
    loop {
        // Take every complete frame out of the buffer.
        loop {
            match step(&buf, &mut scanned) {
                Step::Wait => break,
                Step::Skip(n) => {
                    buf.drain(..n);
                    scanned = 0;
                }
                Step::Broken { consumed } => {
                    let resp = json!({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error: bad message framing"}, "id": null});
                    let _ = errors.send(frame(resp.to_string().as_bytes()));
                    buf.drain(..consumed.max(1));
                    scanned = 0;
                }
                Step::Message {
                    start,
                    end,
                    consumed,
                } => {
                    let body: Vec<u8> = buf[start..end].to_vec();
                    buf.drain(..consumed);
                    scanned = 0;
                    match check_message(&body) {
                        None => {
                            if to_server.write_all(&frame(&body)).await.is_err() {
                                return;
                            }
                        }
                        Some(resp) => {
                            let _ = errors.send(frame(resp.to_string().as_bytes()));
                        }
                    }
                }
            }
        }
        match input.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    }
    let _ = to_server.shutdown().await;
}

/// Standard output (or any writer), shared by the output pump (tower's
/// frames and error responses) and the outbox (publications, written by the
/// thread that computed them): one frame at a time, whole, under one lock,
/// which also keeps the last publication sequence number sent per URI.
#[derive(Clone)]
pub struct Out(Arc<Mutex<OutInner>>);

struct OutInner {
    writer: Box<dyn Write + Send>,
    /// The newest publication sent per URI.
    sent: HashMap<String, u64>,
    /// The buffer publications are framed in, reused.
    buf: Vec<u8>,
}

impl Out {
    pub fn new(writer: impl Write + Send + 'static) -> Out {
        Out(Arc::new(Mutex::new(OutInner {
            writer: Box::new(writer),
            sent: HashMap::new(),
            buf: Vec::new(),
        })))
    }

    /// The process's standard output, unbuffered (every frame is one
    /// `write_all`), its pipe enlarged where the system allows so that a
    /// large publication is written without waiting for the client to read.
    pub fn stdout() -> Out {
        let out = std::io::stdout();
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            if let Ok(fd) = out.as_fd().try_clone_to_owned() {
                let file = std::fs::File::from(fd);
                enlarge_pipe(&file);
                return Out::new(file);
            }
        }
        Out::new(out)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OutInner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Write one whole frame.
    pub fn write_frame(&self, frame: &[u8]) -> std::io::Result<()> {
        let mut inner = self.lock();
        inner.writer.write_all(frame)?;
        inner.writer.flush()
    }

    /// Write the publication numbered `seq` for `uri` (`frame` writes its
    /// frame into the buffer it is given) unless a newer one for `uri` was
    /// written; `true` when written.
    pub fn publish(&self, uri: &str, seq: u64, frame: impl FnOnce(&mut Vec<u8>)) -> bool {
        let mut inner = self.lock();
        let last = inner.sent.get(uri).copied().unwrap_or(0);
        if seq < last {
            return false;
        }
        inner.sent.insert(uri.to_string(), seq);
        let mut buf = std::mem::take(&mut inner.buf);
        frame(&mut buf);
        let ok = inner.writer.write_all(&buf).is_ok();
        let _ = inner.writer.flush();
        // Keep up to 16 MiB for the next publication.
        if buf.capacity() <= 16 << 20 {
            inner.buf = buf;
        }
        ok
    }
}

/// Linux: raise the capacity of `file`'s pipe (when it is one) to 1 MiB, the
/// unprivileged maximum by default, so a publication of some hundred KiB goes
/// into the pipe in one write. Failure changes nothing.
#[cfg(target_os = "linux")]
fn enlarge_pipe(file: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: fcntl with F_SETPIPE_SZ on a descriptor this process owns
    // takes an integer and touches no memory; on anything but a pipe it
    // fails with EBADF/EINVAL, which is ignored.
    unsafe {
        libc::fcntl(file.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20);
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
fn enlarge_pipe(_: &std::fs::File) {}

/// Run blocking `f` (a write to standard output) from any thread: inside a
/// multi-threaded runtime the worker thread is handed over to `f` (its other
/// tasks move on), elsewhere `f` just runs.
pub fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// Copy tower's output frames to `out` whole, writing error responses from
/// `errors` only between frames. Ends when tower's side closes.
pub async fn pump_output(
    mut from_server: DuplexStream,
    out: Out,
    mut errors: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let mut buf: Vec<u8> = Vec::with_capacity(PIPE);
    let mut chunk = vec![0u8; 1 << 20];
    let mut pending: Vec<Vec<u8>> = Vec::new();
    let mut errors_open = true;
    loop {
        // Write every complete frame.
        while let Some(end) = find(&buf, b"\r\n\r\n") {
            let n = content_length(&buf[..end]).unwrap_or(0);
            if buf.len() < end + 4 + n {
                break;
            }
            let f: Vec<u8> = buf.drain(..end + 4 + n).collect();
            if blocking(|| out.write_frame(&f)).is_err() {
                return;
            }
        }
        if buf.is_empty() {
            for e in pending.drain(..) {
                if blocking(|| out.write_frame(&e)).is_err() {
                    return;
                }
            }
        }
        tokio::select! {
            r = from_server.read(&mut chunk) => match r {
                Ok(0) | Err(_) => break,
                Ok(k) => buf.extend_from_slice(&chunk[..k]),
            },
            e = errors.recv(), if errors_open => match e {
                Some(e) => pending.push(e),
                None => errors_open = false,
            },
        }
    }
    for e in pending {
        let _ = blocking(|| out.write_frame(&e));
    }
}

/// The in-memory pipes: (tower's input, tower's output, input end, output end).
pub fn pipes() -> (DuplexStream, DuplexStream, DuplexStream, DuplexStream) {
    let (server_in, feed) = tokio::io::duplex(PIPE);
    let (server_out, drain) = tokio::io::duplex(OUT_PIPE);
    (server_in, server_out, feed, drain)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run [`step`] over `input` to the end: (forwarded bodies, broken count).
    fn frames(input: &[u8]) -> (Vec<String>, usize) {
        let mut buf = input.to_vec();
        let (mut bodies, mut broken, mut scanned) = (Vec::new(), 0, 0);
        loop {
            match step(&buf, &mut scanned) {
                Step::Wait => break,
                Step::Skip(n) => {
                    buf.drain(..n);
                }
                Step::Broken { consumed } => {
                    broken += 1;
                    buf.drain(..consumed.max(1));
                }
                Step::Message {
                    start,
                    end,
                    consumed,
                } => {
                    bodies.push(String::from_utf8_lossy(&buf[start..end]).into_owned());
                    buf.drain(..consumed);
                }
            }
        }
        (bodies, broken)
    }

    const A: &str = r#"{"jsonrpc":"2.0","id":1,"method":"a"}"#;
    const B: &str = r#"{"jsonrpc":"2.0","id":2,"method":"b"}"#;

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn resynchronises_on_the_next_header() {
        // Bare-LF header endings are accepted.
        let lf = format!("Content-Length: {}\n\n{A}{}", A.len(), framed(B));
        assert_eq!(frames(lf.as_bytes()), (vec![A.into(), B.into()], 0));
        // Too small: the cut body is answered, the next message survives.
        let small = format!("Content-Length: 10\r\n\r\n{A}{}", framed(B));
        assert_eq!(frames(small.as_bytes()), (vec![B.into()], 1));
        // Too large, with the next message complete after it.
        let large = format!("Content-Length: {}\r\n\r\n{A}{}", A.len() + 30, framed(B));
        assert_eq!(frames(large.as_bytes()), (vec![A.into(), B.into()], 0));
        // Too large, running past the end of what was sent: the next header
        // still ends the body.
        let huge = format!("Content-Length: 100000\r\n\r\n{A}{}", framed(B));
        assert_eq!(frames(huge.as_bytes()), (vec![A.into(), B.into()], 0));
        // Garbage and a broken header before a message.
        let junk = format!("xx\r\n\r\nContent-Length: zz\r\n\r\n{}", framed(B));
        assert_eq!(frames(junk.as_bytes()), (vec![B.into()], 1));
        // A body mentioning the header name is not cut.
        let text = r#"{"jsonrpc":"2.0","method":"x","params":{"t":"Content-Length: 3"}}"#;
        assert_eq!(frames(framed(text).as_bytes()), (vec![text.into()], 0));
        // ... nor while it is still arriving.
        let whole = framed(text);
        let cut = whole.len() - 5;
        let mut scanned = 0;
        assert_eq!(step(&whole.as_bytes()[..cut], &mut scanned), Step::Wait);
        assert!(matches!(
            step(whole.as_bytes(), &mut scanned),
            Step::Message { .. }
        ));
    }

    #[test]
    fn message_checks() {
        assert!(
            check_message(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#)
                .is_none()
        );
        assert!(check_message(br#"{"jsonrpc":"2.0","method":"exit"}"#).is_none());
        assert!(check_message(br#"{"jsonrpc":"2.0","id":"a","result":null}"#).is_none());
        assert_eq!(
            check_message(b"{not json").unwrap()["error"]["code"],
            -32700
        );
        assert_eq!(check_message(b"[]").unwrap()["error"]["code"], -32600);
        let r = check_message(br#"{"jsonrpc":"2.0","id":7}"#).unwrap();
        assert_eq!(
            (r["error"]["code"].clone(), r["id"].clone()),
            (json!(-32600), json!(7))
        );
        assert!(check_message(br#"{"id":1,"method":"x"}"#).is_some());
        assert_eq!(content_length(b"Content-Length: 12"), Some(12));
        assert_eq!(content_length(b"Content-Length: abc"), None);
        assert_eq!(
            content_length(
                b"Content-Length: 3\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8"
            ),
            Some(3)
        );
    }
}
