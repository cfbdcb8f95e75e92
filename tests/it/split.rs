//! One large plain file read in pieces by several threads, or mapped a window at a time by one,
//! gives the very same report, byte for byte, as one thread reading it whole: wherever the
//! pieces' boundaries fall in a line. And a pipe, which is streamed, reads as the file does.

use crate::support::{generate_logs, slo, text, walk};
use std::path::Path;

const AT: &str = "2026-11-20T00:00:00Z";

/// The generated example lines of one day, concatenated in path order into `out` (the name is
/// not ALB's, so the file is always read), with malformed, CRLF and unterminated lines.
fn one_file(out: &Path, max_lines: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let generated = tmp.path().join("gen");
    generate_logs(&generated, &["--plain", "--days", "1", "--end", AT]);
    let mut lines: Vec<String> = Vec::new();
    for f in walk(&generated) {
        lines.extend(
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(str::to_owned),
        );
        if lines.len() >= max_lines {
            break;
        }
    }
    lines.truncate(max_lines);
    let n = lines.len();
    let partial = lines[0][..40].to_owned();
    lines.insert(0, "not a log line".to_owned());
    lines.insert(n / 2, "http 2026-11-19T12:00:00Z half a line".to_owned());
    lines.insert(n / 2 + 5, String::new());
    let crlf = format!("{}\r", lines[n / 3]);
    lines.insert(n / 3, crlf);
    lines.insert(n - 2, partial);
    // The last line has no newline.
    std::fs::write(out, lines.join("\n")).unwrap();
}

fn report(logs: &Path, extra: &[&str]) -> (Vec<u8>, String) {
    let mut args = vec![
        "report",
        "slo/",
        "--access-logs",
        logs.to_str().unwrap(),
        "--at",
        AT,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = slo(&args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    (out.stdout, text(&out.stderr))
}

fn assert_pieces_change_nothing(logs: &Path, pieces: &[u64]) {
    let (want, want_err) = report(logs, &["--threads", "1"]);
    assert!(want_err.contains("malformed"), "{want_err}");
    for (k, piece) in pieces.iter().enumerate() {
        // One thread maps the file in windows of the piece's size; three threads now and then
        // take pieces out of order.
        let threads: &[&str] = if k % 8 == 0 {
            &["1", "2", "3"]
        } else {
            &["1", "2"]
        };
        for &threads in threads {
            let p = piece.to_string();
            let (got, err) = report(logs, &["--threads", threads, "--piece-bytes", &p]);
            if got != want {
                let (g, w) = (text(&got), text(&want));
                let first = g.lines().zip(w.lines()).find(|(a, b)| a != b);
                panic!(
                    "{threads} threads, pieces of {piece} bytes: the JSON differs from one \
                     thread's; first difference (got, want): {first:?}"
                );
            }
            assert_eq!(
                err, want_err,
                "{threads} threads, pieces of {piece} bytes: stderr"
            );
        }
    }
}

#[test]
fn pieces_of_every_size_up_to_a_line_and_beyond_give_the_one_thread_report() {
    let tmp = tempfile::tempdir().unwrap();
    one_file(&tmp.path().join("all.log"), 24);
    let size = std::fs::metadata(tmp.path().join("all.log")).unwrap().len();
    // Boundaries at every offset of the first lines, and at every line's edges.
    let mut pieces: Vec<u64> = (1..=40).collect();
    pieces.extend([
        97,
        255,
        256,
        659,
        660,
        661,
        1000,
        4096,
        size - 1,
        size,
        size + 1,
    ]);
    assert_pieces_change_nothing(tmp.path(), &pieces);
}

#[test]
fn a_larger_file_in_pieces_gives_the_one_thread_report() {
    let tmp = tempfile::tempdir().unwrap();
    one_file(&tmp.path().join("all.log"), 4000);
    assert_pieces_change_nothing(tmp.path(), &[4093, 65_536, 1 << 20]);
    // The default split (pieces of 4 MiB above 8 MiB) leaves a file this small whole.
    let (whole, _) = report(tmp.path(), &["--threads", "1"]);
    let (default, _) = report(tmp.path(), &[]);
    assert!(whole == default);
}

/// The report's JSON without what differs between a file and a pipe of the same lines: the
/// bytes read (a pipe has no size).
fn without_sizes(json: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
    v["input"].as_object_mut().unwrap().remove("bytes_read");
    v
}

#[test]
fn a_pipe_is_streamed_and_reads_as_the_mapped_file() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let file = logs.join("all.log");
    one_file(&file, 3000);
    // A line longer than any ALB writes (1 MiB), among the others.
    let mut content = std::fs::read(&file).unwrap();
    let middle = content.len() / 2 + memchr_newline(&content[content.len() / 2..]) + 1;
    let long = [vec![b'x'; (1 << 20) + 10], b"\n".to_vec()].concat();
    content.splice(middle..middle, long);
    std::fs::write(&file, &content).unwrap();
    let (mapped, mapped_err) = report(&logs, &["--threads", "1"]);
    assert!(mapped_err.contains("longer than 1 MiB"), "{mapped_err}");

    // The same lines through a FIFO behind a symlink named like a log file.
    std::fs::remove_file(&file).unwrap();
    let fifo = tmp.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink(&fifo, &file).unwrap();
    let writer = std::thread::spawn(move || std::fs::write(&fifo, content).unwrap());
    let (streamed, streamed_err) = report(&logs, &["--threads", "1"]);
    writer.join().unwrap();
    assert_eq!(without_sizes(&streamed), without_sizes(&mapped));
    assert_eq!(streamed_err, mapped_err);
}

fn memchr_newline(bytes: &[u8]) -> usize {
    bytes.iter().position(|&b| b == b'\n').unwrap()
}
