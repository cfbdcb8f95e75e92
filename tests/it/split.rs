//! One large plain file read in pieces by several threads gives the very same report, byte for
//! byte, as one thread reading it whole: wherever the pieces' boundaries fall in a line.

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
        // Three threads now and then: pieces taken out of order by more workers.
        let threads: &[&str] = if k % 8 == 0 { &["2", "3"] } else { &["2"] };
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
