//! A local HTTP server standing in for a Slack incoming webhook: records every body and
//! answers from a script (status, Retry-After), then 200.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A scripted "status" for an answer whose 500 body drips forever.
pub const DRIP: u16 = 999;

/// The scripted answers: status and Retry-After seconds.
type Script = Arc<Mutex<Vec<(u16, Option<u64>)>>>;

pub struct Slack {
    pub url: String,
    pub received: Arc<Mutex<Vec<(Instant, String)>>>,
    script: Script,
}

impl Slack {
    pub fn start() -> Slack {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "http://{}/services/T000/B000/XXXX",
            listener.local_addr().unwrap()
        );
        let received = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::new(Mutex::new(Vec::new()));
        let (r, sc) = (received.clone(), script.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok() && line != "\r\n" && !line.is_empty() {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                r.lock()
                    .unwrap()
                    .push((Instant::now(), String::from_utf8_lossy(&body).into_owned()));
                let (status, retry) = {
                    let mut s = sc.lock().unwrap();
                    if s.is_empty() {
                        (200, None)
                    } else {
                        s.remove(0)
                    }
                };
                if status == DRIP {
                    // A 500 whose body never finishes: a byte a second for a minute, on its own
                    // thread so that the next request is still answered.
                    std::thread::spawn(move || {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 500 X\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n"
                        );
                        for _ in 0..60 {
                            if stream.write_all(b"e").is_err() {
                                break;
                            }
                            std::thread::sleep(std::time::Duration::from_secs(1));
                        }
                    });
                    continue;
                }
                let retry = retry.map_or(String::new(), |s| format!("Retry-After: {s}\r\n"));
                let text = if status == 200 { "ok" } else { "error" };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\n{retry}Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
            }
        });
        Slack {
            url,
            received,
            script,
        }
    }

    /// The next answers, before 200s.
    pub fn answer(&self, answers: &[(u16, Option<u64>)]) {
        self.script.lock().unwrap().extend_from_slice(answers);
    }

    pub fn bodies(&self) -> Vec<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| b.clone())
            .collect()
    }
}
