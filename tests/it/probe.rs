//! `slo probe`, the container's health check, against a real local HTTP listener.

use crate::support::{slo, text};
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::thread;

/// Answers one connection with `status`, after reading the request.
fn answer_once(status: &'static str) -> (u16, thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 512];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        let body = "ok\n";
        // The probe may close as soon as it has the status line: a reset is not a failure.
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        String::from_utf8(request).unwrap()
    });
    (port, handle)
}

#[test]
fn probe_exits_0_on_200_and_asks_the_path() {
    let (port, server) = answer_once("200 OK");
    // The task sets SLO_LISTEN=0.0.0.0:8080: an unspecified address is asked on loopback.
    let out = slo(&["probe", "--listen", &format!("0.0.0.0:{port}")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        server
            .join()
            .unwrap()
            .starts_with("GET /healthz HTTP/1.1\r\n")
    );
}

#[test]
fn probe_exits_1_on_another_status() {
    let (port, server) = answer_once("503 Service Unavailable");
    let out = slo(&[
        "probe",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--path",
        "/readyz",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("unhealthy: 503"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        server
            .join()
            .unwrap()
            .starts_with("GET /readyz HTTP/1.1\r\n")
    );
}

#[test]
fn probe_exits_2_when_nothing_listens() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = slo(&[
        "probe",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--timeout-seconds",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot ask http://127.0.0.1"),
        "{}",
        text(&out.stderr)
    );
}
