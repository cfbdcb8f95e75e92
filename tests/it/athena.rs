//! `--engine athena`: the SQL is proven, not trusted. Two days of the example's logs (and a file
//! of edge cases: no response sent, the target never answering, a 5xx from the load balancer,
//! times on the threshold and on the window's bounds) are loaded into DuckDB through the
//! `input.regex` of the table `slo init --athena` prints, the report's query is transpiled from
//! Athena's SQL to DuckDB's by sqlglot and run, and every objective's per-minute counts and P99
//! must equal the access-log scanner's. Then the whole path, through the emulator's Athena
//! (the same DuckDB run behind StartQueryExecution / GetQueryExecution / GetQueryResults):
//! `slo report --engine athena` equals `slo report --access-logs DIR`.
//!
//! Where DuckDB and Athena (Trino) differ, for this query:
//! - Hive's RegexSerDe matches the whole line with Java's regex engine; the test uses Python's
//!   `re.fullmatch`, which reads AWS's expression (`[^\s]+?`, `[A-Z0-9-_]`) the same way.
//!   DuckDB's own RE2 is not used for it.
//! - Hive reads `-` in an `int` column as NULL; the loader does too (`typed`).
//! - `ceil` of a `double` is a `double` in both; the query casts it to `BIGINT` in both.
//! - Text comparison of `time` is byte order in both (ASCII times).
//! - `GROUPING SETS`: both give NULL for the column a set leaves out.

use crate::support::emulator::{Session, session};
use crate::support::{generate_logs, root, text};
use serde_json::Value;
use slo::core::collected::Collected;
use slo::core::model::ServiceSlo;
use slo::source::athena::{ddl, query, results};
use std::path::Path;

const AT: &str = "2026-11-16T00:00:00Z";

fn specs() -> Vec<ServiceSlo> {
    let loaded = slo::spec::load::load_paths(&[root().join("slo")]).unwrap();
    loaded.specs.into_iter().map(|s| s.slo).collect()
}

fn place() -> ddl::LogPlace {
    ddl::LogPlace {
        bucket: "alb-logs".to_owned(),
        prefix: "prod".to_owned(),
        account: slo::example::ACCOUNT.to_owned(),
        region: slo::example::REGION.to_owned(),
    }
}

fn table_ddl() -> String {
    ddl::create_table(
        "slo",
        "alb_logs",
        &place(),
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    )
}

/// The table with AWS's own expression.
fn aws_table_ddl() -> String {
    ddl::create_table_with(
        ddl::AWS_INPUT_REGEX,
        "slo",
        "alb_logs",
        &place(),
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    )
}

/// Lines on the edges the definitions draw, in a file ALB could have written on 2026-11-15.
fn edge_cases(logs: &Path) {
    let dir = logs.join(format!(
        "AWSLogs/{}/elasticloadbalancing/{}/2026/11/15",
        slo::example::ACCOUNT,
        slo::example::REGION
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let lb = "app/shop-prod/50dc6c495c0c9188";
    let tg = format!(
        "arn:aws:elasticloadbalancing:{}:{}:targetgroup/checkout-prod/73e2d6bc24d8a067",
        slo::example::REGION,
        slo::example::ACCOUNT
    );
    let line = |time: &str, target: &str, elb: &str, tg: &str| {
        format!(
            "https {time} {lb} 10.0.0.1:1234 10.0.1.2:8080 0.000 {target} 0.000 {elb} - 100 200 \"GET https://shop.example.com:443/cart HTTP/1.1\" \"curl/8.0\" TLS_AES_128_GCM_SHA256 TLSv1.3 {tg} \"Root=1-00000000-000000000000000000000000\" \"shop.example.com\" \"-\" 10 {time} \"forward\" \"-\" \"-\" \"10.0.1.2:8080\" \"-\" \"-\" \"-\" TID_0000000000000001 \"-\" \"-\" \"-\"\n"
        )
    };
    let mut body = String::new();
    // On the checkout latency threshold (1 s), and a millisecond past it.
    body += &line("2026-11-15T12:00:01.000001Z", "1.000", "200", &tg);
    body += &line("2026-11-15T12:00:02.000000Z", "1.001", "200", &tg);
    // No response sent (`-`), the target never answered (-1), a 5xx of the load balancer's.
    body += &line("2026-11-15T12:01:00.500000Z", "-1", "-", &tg);
    body += &line("2026-11-15T12:01:30.000000Z", "-1", "502", &tg);
    body += &line("2026-11-15T12:01:59.999999Z", "0.287", "504", &tg);
    // Another target group of the same load balancer: not checkout's.
    body += &line(
        "2026-11-15T12:02:00.000000Z",
        "0.010",
        "500",
        "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/other/0000000000000000",
    );
    // Microseconds and sub-millisecond times rounded up, as the scanner rounds them.
    body += &line("2026-11-15T12:03:00.000000Z", "0.0005", "200", &tg);
    body += &line("2026-11-15T12:03:00.000000Z", "0.9999", "200", &tg);
    std::fs::write(
        dir.join(format!(
            "{}_elasticloadbalancing_{}_app.shop-prod.50dc6c495c0c9188_20261115T1205Z_10.0.0.9_edge.log",
            slo::example::ACCOUNT,
            slo::example::REGION
        )),
        body,
    )
    .unwrap();
}

fn native(slos: &[&ServiceSlo], logs: &Path, at: chrono::DateTime<chrono::Utc>) -> Collected {
    let files = slo::source::access_log::find_log_files(logs).unwrap();
    let selection = slo::source::access_log::Selection::new(slos, at, None);
    let scanned = slo::source::access_log::scan(&files, &selection, 2, None);
    assert_eq!(
        scanned.stats.malformed, 0,
        "{:?}",
        scanned.stats.malformed_samples
    );
    scanned.data
}

#[test]
fn the_athena_query_counts_every_minute_as_the_scanner_does_in_duckdb() {
    let s = session(); // its virtualenv has DuckDB and sqlglot
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    generate_logs(&logs, &["--days", "2", "--end", AT]);
    edge_cases(&logs);
    let specs = specs();
    let slos: Vec<&ServiceSlo> = specs.iter().collect();
    let at = chrono::DateTime::parse_from_rfc3339(AT).unwrap().to_utc();
    let table = query::TableName::parse("slo.alb_logs").unwrap();
    let q = query::build(&table, &slos, at, None);
    std::fs::write(tmp.path().join("table.sql"), table_ddl()).unwrap();
    std::fs::write(tmp.path().join("query.sql"), &q.sql).unwrap();
    std::fs::write(tmp.path().join("aws-table.sql"), aws_table_ddl()).unwrap();
    let out = std::process::Command::new(root().join("target/emulator-venv/bin/python"))
        .arg(root().join("tests/emulator/duckdb_equivalence.py"))
        .arg(tmp.path().join("table.sql"))
        .arg(tmp.path().join("query.sql"))
        .arg(&logs)
        .arg(tmp.path().join("aws-table.sql"))
        .output()
        .unwrap();
    drop(s);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Every line of the example's logs matches AWS's expression.
    assert_eq!(
        answer["unmatched"],
        Value::from(0),
        "{}",
        answer["duckdb_sql"]
    );
    // AWS's own expression misses every line whose user agent holds an escaped quote (ALB
    // writes `\"`): Athena would silently not count them. slo's table reads them (ddl.rs).
    let lines = answer["lines"].as_u64().unwrap();
    let missed = answer["other_unmatched"].as_u64().unwrap();
    assert!(missed > lines / 10 && missed < lines, "{missed} of {lines}");
    let answer = results::Answer {
        columns: serde_json::from_value(answer["columns"].clone()).unwrap(),
        rows: serde_json::from_value(answer["rows"].clone()).unwrap(),
    };
    let from_sql = results::collect(&q, &answer).unwrap();
    let scanned = native(&slos, &logs, at);
    assert_eq!(from_sql.len(), scanned.len());
    let mut minutes = 0;
    for (key, want) in &scanned {
        let got = &from_sql[key];
        let w: Vec<_> = want
            .series
            .iter_unix()
            .filter(|(_, c)| !c.is_empty())
            .collect();
        let g: Vec<_> = got
            .series
            .iter_unix()
            .filter(|(_, c)| !c.is_empty())
            .collect();
        assert!(w.len() > 1000, "{key}: {} minutes with requests", w.len());
        for (a, b) in w.iter().zip(&g) {
            assert_eq!(a, b, "{key}: the minute {} differs", a.0);
        }
        assert_eq!(w.len(), g.len(), "{key}");
        assert_eq!(got.p99, want.p99, "{key}: P99");
        minutes += w.len();
    }
    assert!(minutes > 4000, "{minutes}");
    // The edge cases were counted: checkout's latency minute 12:00 holds one good, one slow.
    let latency = scanned
        .iter()
        .find(|(k, _)| k.service == "checkout" && k.objective != "availability")
        .map(|(_, d)| d)
        .unwrap();
    let t = chrono::DateTime::parse_from_rfc3339("2026-11-15T12:00:00Z")
        .unwrap()
        .timestamp();
    let (_, c) = latency.series.iter_unix().find(|(m, _)| *m == t).unwrap();
    assert!(c.total >= 2 && c.total > c.good, "{c:?}");
}

/// `slo report` at [`AT`] over a day, with the example's deployments file (the same
/// deployments for every source).
fn report(s: &Session, deployments: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_slo"));
    s.configure(&mut cmd);
    cmd.args(["report", "slo"])
        .args(args)
        .arg("--deployments")
        .arg(deployments)
        .args(["--at", AT, "--window", "1d", "--format", "json"])
        .current_dir(root())
        .output()
        .unwrap()
}

fn calls(s: &Session) -> Value {
    let (_, body) = s.http("GET", "/_slo/calls", "");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn a_report_by_athena_equals_the_report_from_the_local_copy() {
    let s = session();
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    generate_logs(&logs, &["--days", "2", "--end", AT]);
    edge_cases(&logs);
    let client = crate::s3::client(&s).await;
    client
        .create_bucket()
        .bucket("alb-logs")
        .send()
        .await
        .unwrap();
    assert!(crate::s3::upload(&client, "alb-logs", "prod/", &logs).await > 500);
    // The table, made as a user makes it: the DDL run in Athena.
    let ddl = table_ddl();
    s.python(&format!(
        "import boto3\nboto3.client('athena', region_name='us-east-1').start_query_execution(QueryString={ddl:?})"
    ));
    let deployments = logs.join("deployments.json");
    let athena = ["--engine", "athena", "--athena-table", "slo.alb_logs"];
    let out = report(&s, &deployments, &athena);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let by_athena: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = report(&s, &deployments, &["--access-logs", logs.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let local: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(by_athena["objectives"], local["objectives"]);
    assert!(local["objectives"][0]["total"].as_u64().unwrap() > 0);
    // It says what it scanned and cost, and the estimate made before.
    let input = &by_athena["input"];
    assert_eq!(input["table"], "slo.alb_logs", "{input}");
    let scanned = input["bytes_scanned"].as_u64().unwrap();
    assert!(scanned > 1_000_000, "{input}");
    assert_eq!(input["estimated_bytes"].as_u64(), Some(scanned), "{input}");
    assert!(input["price_usd"].as_f64().unwrap() > 0.0);
    let warnings = by_athena["warnings"].to_string();
    assert!(warnings.contains("scanned"), "{warnings}");
    assert_eq!(calls(&s)["StartQueryExecution"], Value::from(2)); // the DDL and the report

    // Over --max-scan: refused before it starts, saying what it would cost.
    let out = report(
        &s,
        &deployments,
        &[&athena[..], &["--max-scan", "1MB"]].concat(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("would scan about") && err.contains("--max-scan 1.0 MB"),
        "{err}"
    );
    assert_eq!(calls(&s)["StartQueryExecution"], Value::from(2));

    // A table that is not there names the command that prints it.
    let out = report(
        &s,
        &deployments,
        &["--engine", "athena", "--athena-table", "slo.nope"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("slo init --athena"),
        "{}",
        text(&out.stderr)
    );

    // Throttled status calls are retried; a denied start is an error, never an empty report.
    s.http(
        "POST",
        "/_slo/faults",
        r#"{"action":"GetQueryExecution","kind":"throttle","count":2}"#,
    );
    // `--output s3://…` with --engine athena is where Athena writes its results.
    let out = report(
        &s,
        &deployments,
        &[&athena[..], &["--output", "s3://alb-logs/athena-results/"]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["objectives"], local["objectives"]);
    s.http(
        "POST",
        "/_slo/faults",
        r#"{"action":"StartQueryExecution","kind":"denied","count":10}"#,
    );
    let out = report(&s, &deployments, &athena);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("start the Athena query"), "{err}");
}
