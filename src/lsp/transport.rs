//! A guard between stdio and tower-lsp-server. tower-lsp-server stops reading
//! its input after the first frame it cannot decode (a bad `Content-Length`,
//! invalid JSON, JSON that is not a JSON-RPC message), so the server would go
//! deaf. The input side here re-frames stdin itself, forwards only well-formed
//! messages to tower through an in-memory pipe, and answers broken ones with a
//! JSON-RPC error (`-32700` parse error, `-32600` invalid request, id `null`
//! unless the message had one); the output side copies tower's frames to stdout
//! whole, slipping those error responses in between frames.

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;

/// The largest message accepted (larger ones are refused and skipped).
pub const MAX_MESSAGE: usize = 256 * 1024 * 1024;
const PIPE: usize = 1 << 16;

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

/// Copy framed messages from `input` to `to_server`, diverting broken ones to
/// `errors` as responses. Ends at end of input.
pub async fn pump_input<R: AsyncRead + Unpin>(
    mut input: R,
    mut to_server: DuplexStream,
    errors: mpsc::UnboundedSender<Vec<u8>>,
) {
    let mut buf: Vec<u8> = Vec::with_capacity(PIPE);
    let mut chunk = vec![0u8; PIPE];
    let mut need: Option<usize> = None;
    loop {
        // Take every complete frame out of the buffer.
        loop {
            match need {
                None => {
                    let Some(end) = find(&buf, b"\r\n\r\n") else {
                        // Garbage without a header end: keep only a tail that may
                        // start one.
                        if buf.len() > 64 * 1024 {
                            let keep = buf.len() - 16;
                            buf.drain(..keep);
                        }
                        break;
                    };
                    match content_length(&buf[..end]) {
                        Some(n) => {
                            buf.drain(..end + 4);
                            need = Some(n);
                        }
                        None => {
                            let resp = json!({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error: bad message header"}, "id": null});
                            let _ = errors.send(frame(resp.to_string().as_bytes()));
                            buf.drain(..end + 4);
                            // Skip garbage up to the next header.
                            let skip = find(&buf, b"Content-Length").unwrap_or(buf.len());
                            buf.drain(..skip);
                        }
                    }
                }
                Some(n) => {
                    if buf.len() < n {
                        break;
                    }
                    let body: Vec<u8> = buf.drain(..n).collect();
                    need = None;
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

/// Copy tower's output frames to `out` whole, writing error responses from
/// `errors` only between frames. Ends when tower's side closes.
pub async fn pump_output<W: AsyncWrite + Unpin>(
    mut from_server: DuplexStream,
    mut out: W,
    mut errors: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let mut buf: Vec<u8> = Vec::with_capacity(PIPE);
    let mut chunk = vec![0u8; PIPE];
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
            if out.write_all(&f).await.is_err() {
                return;
            }
        }
        if buf.is_empty() {
            for e in pending.drain(..) {
                if out.write_all(&e).await.is_err() {
                    return;
                }
            }
        }
        let _ = out.flush().await;
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
        let _ = out.write_all(&e).await;
    }
    let _ = out.flush().await;
}

/// The in-memory pipes: (tower's input, tower's output, input end, output end).
pub fn pipes() -> (DuplexStream, DuplexStream, DuplexStream, DuplexStream) {
    let (server_in, feed) = tokio::io::duplex(PIPE);
    let (server_out, drain) = tokio::io::duplex(PIPE);
    (server_in, server_out, feed, drain)
}

#[cfg(test)]
mod tests {
    use super::*;

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
