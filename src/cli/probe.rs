//! `slo probe`: the container's health check. The image is `FROM scratch` (no shell, no curl),
//! so the task definition's health-check command runs the binary itself.

use crate::cli::Outcome;
use anyhow::Context as _;
use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The address `slo serve` listens on (an unspecified address is asked on loopback).
    #[arg(long, env = "SLO_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The path asked; 200 is healthy (exit 0), any other status exit 1.
    #[arg(long, default_value = "/healthz")]
    path: String,
    /// Give up after this many seconds (connect, send and read each).
    #[arg(long, default_value_t = 3)]
    timeout_seconds: u64,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut addr = args.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    let timeout = Duration::from_secs(args.timeout_seconds.max(1));
    let status = status_of(addr, &args.path, timeout)
        .with_context(|| format!("cannot ask http://{addr}{}", args.path))?;
    if status == 200 {
        println!("healthy: {status} from http://{addr}{}", args.path);
        Ok(Outcome::Fine)
    } else {
        println!("unhealthy: {status} from http://{addr}{}", args.path);
        Ok(Outcome::Findings)
    }
}

/// The status code of one HTTP/1.1 GET (the server closes the connection after it).
fn status_of(addr: SocketAddr, path: &str, timeout: Duration) -> anyhow::Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    // The status line is in the first bytes; the body does not matter.
    let mut head = [0u8; 64];
    let mut len = 0;
    while len < head.len() {
        let n = stream.read(&mut head[len..])?;
        if n == 0 {
            break;
        }
        len += n;
        if head[..len].contains(&b'\n') {
            break;
        }
    }
    parse_status(&head[..len]).context("the answer is not HTTP")
}

fn parse_status(head: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(head).ok()?.lines().next()?;
    let mut parts = line.split(' ');
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_status;

    #[test]
    fn reads_the_status_code_of_the_status_line() {
        assert_eq!(
            parse_status(b"HTTP/1.1 200 OK\r\ncontent-length: 3"),
            Some(200)
        );
        assert_eq!(
            parse_status(b"HTTP/1.1 503 Service Unavailable\r\n"),
            Some(503)
        );
        assert_eq!(parse_status(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(parse_status(b""), None);
    }
}
