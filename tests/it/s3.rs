//! `--access-logs s3://bucket/prefix/`: two days of the example's logs uploaded to the
//! emulator's S3 (with objects of another load balancer, another region and another day beside
//! them) give the report the local copy gives.

use crate::support::emulator::{Session, session};
use crate::support::{generate_logs, slo, text, walk};
use serde_json::Value;
use std::path::Path;

/// An S3 client of the emulator's (path-style), for tests that upload logs.
pub async fn client(s: &Session) -> aws_sdk_s3::Client {
    let creds = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "test");
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .endpoint_url(s.endpoint())
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// Every access-log file (`.log.gz`, `.log`) under `dir` into `bucket` under `prefix`, keys as
/// the paths below `dir`; how many.
pub async fn upload(client: &aws_sdk_s3::Client, bucket: &str, prefix: &str, dir: &Path) -> usize {
    let mut n = 0;
    for file in walk(dir) {
        let key = format!(
            "{prefix}{}",
            file.strip_prefix(dir).unwrap().to_string_lossy()
        );
        if !key.ends_with(".log.gz") && !key.ends_with(".log") {
            continue;
        }
        client
            .put_object()
            .bucket(bucket)
            .key(&key)
            .body(std::fs::read(&file).unwrap().into())
            .send()
            .await
            .unwrap();
        n += 1;
    }
    n
}

fn report(s: &Session, logs: &str) -> Value {
    report_with(s, logs, &[])
}

fn report_with(s: &Session, logs: &str, extra: &[&str]) -> Value {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_slo"));
    s.configure(&mut cmd);
    let out = cmd
        .args(["report", "slo", "--access-logs", logs])
        .args(extra)
        .args([
            "--at",
            "2026-11-16T00:00:00Z",
            "--window",
            "1d",
            "--format",
            "json",
        ])
        .current_dir(crate::support::root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn a_report_from_s3_equals_the_report_from_the_local_copy() {
    let s = session();
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    generate_logs(&logs, &["--days", "2", "--end", "2026-11-16T00:00:00Z"]);
    // One object larger than a ranged GET's part (8 MiB): a file's lines repeated, as plain
    // text (ALB's are gzipped; the reading is the same), read in parts and put back together.
    let some = walk(&logs)
        .into_iter()
        .find(|f| f.to_string_lossy().contains("20261115T1200Z"))
        .unwrap();
    let mut lines = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&some).unwrap()),
        &mut lines,
    )
    .unwrap();
    let big = some.with_file_name(
        some.file_name()
            .unwrap()
            .to_string_lossy()
            .replace("_20261115T1200Z_", "_20261115T1205Z_")
            .replace(".log.gz", ".log"),
    );
    let repeats = (9 << 20) / lines.len().max(1) + 1;
    std::fs::write(&big, lines.repeat(repeats)).unwrap();
    let client = client(&s).await;
    client
        .create_bucket()
        .bucket("alb-logs")
        .send()
        .await
        .unwrap();
    let uploaded = upload(&client, "alb-logs", "prod/", &logs).await;
    assert!(uploaded > 500, "{uploaded}");
    // Beside them: another load balancer's file in the window (never fetched), and a region
    // of its own with a file from last year (its day is never listed).
    let other = "prod/AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/15/123456789012_elasticloadbalancing_us-east-1_app.other-lb.0123456789abcdef_20261115T1200Z_10.0.0.1_x.log.gz";
    let old = "prod/AWSLogs/999999999999/elasticloadbalancing/eu-west-1/2025/01/01/999999999999_elasticloadbalancing_eu-west-1_app.shop-prod.50dc6c495c0c9188_20250101T0000Z_10.0.0.1_x.log.gz";
    for key in [other, old] {
        client
            .put_object()
            .bucket("alb-logs")
            .key(key)
            .body(b"not even a log line\n".to_vec().into())
            .send()
            .await
            .unwrap();
    }
    let local = report(&s, logs.to_str().unwrap());
    let gets = s.calls("GetObject");
    let from_s3 = report(&s, "s3://alb-logs/prod/");
    assert_eq!(from_s3["objectives"], local["objectives"]);
    // The large object took two ranged GETs: one GET more than objects read.
    let objects = from_s3["input"]["files_read"].as_u64().unwrap() as usize;
    assert_eq!((s.calls("GetObject") - gets) as usize, objects + 1);
    // A post-mortem reads the bucket too (its end given, or now): it gets as far as the
    // incidents, never to a local path named s3://.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_slo"));
    s.configure(&mut cmd);
    let out = cmd
        .args(["postmortem", "slo", "--service", "checkout"])
        .args([
            "--at",
            "2026-11-15T12:00:00Z",
            "--end",
            "2026-11-16T00:00:00Z",
        ])
        .args(["--access-logs", "s3://alb-logs/prod/"])
        .current_dir(crate::support::root())
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(
        out.status.success() || err.contains("no incident of checkout covers"),
        "{err}"
    );
    // One GET at a time reads the same.
    let one_by_one = report_with(&s, "s3://alb-logs/prod/", &["--s3-concurrency", "1"]);
    assert_eq!(one_by_one["objectives"], local["objectives"]);
    assert_eq!(from_s3["deployments"], local["deployments"]);
    assert!(
        local["objectives"][0]["total"].as_u64().unwrap() > 0,
        "a report with data"
    );
    // The same lines were read; neither the other load balancer's file nor last year's.
    assert_eq!(from_s3["input"]["lines"], local["input"]["lines"]);
    assert_eq!(from_s3["input"]["malformed"], Value::from(0));
    let warnings = from_s3["warnings"].to_string();
    assert!(
        warnings
            .contains("from s3://alb-logs/prod/ (123456789012/ap-northeast-1, 123456789012/us-east-1, 999999999999/eu-west-1)"),
        "{warnings}"
    );
    // A prefix with nothing under it says so, and where it looked.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_slo"));
    s.configure(&mut cmd);
    let out = cmd
        .args(["report", "slo", "--access-logs", "s3://alb-logs/staging/"])
        .args(["--at", "2026-11-16T00:00:00Z"])
        .current_dir(crate::support::root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no access-log object under s3://alb-logs/staging/"),
        "{}",
        text(&out.stderr)
    );
    // A bucket that does not exist: a clear AWS error, exit 2.
    let out = slo(&["report", "--access-logs", "s3://"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
