//! A local webhook receiver for the outbox tests: a small HTTP/1.1 server that answers each
//! delivery as its behaviour function decides (accept, fail, or stall past the sender's timeout)
//! and records what it accepted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How to answer one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 200, and the delivery counts as received.
    Accept,
    /// The given status (e.g. 500, 503).
    Fail(u16),
    /// Wait this long, then 200 (meant to exceed the sender's timeout: not counted).
    Stall(std::time::Duration),
}

/// One accepted delivery.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// A running receiver.
pub struct Receiver {
    pub url: String,
    /// Accepted deliveries, in the order they were accepted.
    pub accepted: Arc<Mutex<Vec<Received>>>,
    /// Every request seen (also failed and stalled ones).
    pub requests: Arc<Mutex<u64>>,
}

impl Receiver {
    /// Starts a receiver; `decide` is called with the running request number (from 0).
    pub async fn start(decide: impl Fn(u64) -> Answer + Send + Sync + 'static) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let url = format!("http://{}/events", listener.local_addr().expect("addr"));
        let accepted: Arc<Mutex<Vec<Received>>> = Arc::default();
        let requests: Arc<Mutex<u64>> = Arc::default();
        let decide = Arc::new(decide);
        let (acc, reqs) = (accepted.clone(), requests.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let (acc, reqs, decide) = (acc.clone(), reqs.clone(), decide.clone());
                tokio::spawn(async move {
                    let Some((headers, body)) = read_request(&mut socket).await else { return };
                    let n = {
                        let mut r = reqs.lock().expect("lock");
                        *r += 1;
                        *r - 1
                    };
                    let status = match decide(n) {
                        Answer::Accept => {
                            acc.lock().expect("lock").push(Received { headers, body });
                            200
                        }
                        Answer::Fail(s) => s,
                        Answer::Stall(d) => {
                            tokio::time::sleep(d).await;
                            200
                        }
                    };
                    let response =
                        format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Receiver { url, accepted, requests }
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<(HashMap<String, String>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((headers, body))
}
