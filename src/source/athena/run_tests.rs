//! The Athena source against the in-memory engine and object store: pricing before running,
//! polling, paging, failures, and answers that cannot be read.

use super::query::{TableName, build};
use super::results::{Answer, ResultError, collect};
use super::*;
use crate::aws::ErrorKind;
use crate::aws::failing::Failing;
use crate::aws::memory::{MemoryObjects, MemoryQueries};
use crate::core::model::ServiceSlo;
use crate::spec::diag::Diagnostics;
use crate::spec::load::parse_spec;
use chrono::{DateTime, Utc};

fn spec() -> ServiceSlo {
    let text = "apiVersion: slo/v1\nservice: checkout\nalb: { loadBalancer: app/shop/0123456789abcdef, targetGroup: targetgroup/check_out%/73e2d6bc24d8a067 }\nwindow: 1d\nobjectives:\n  - { name: availability, sli: availability, target: 99.9% }\n  - { name: latency, sli: latency, threshold: 250ms, target: 99% }\n";
    let mut d = Diagnostics::new(std::path::Path::new("t.yaml"));
    parse_spec(text.as_bytes(), &mut d).unwrap().0
}

fn at() -> DateTime<Utc> {
    "2026-11-16T00:00:00Z".parse().unwrap()
}

fn query() -> super::query::Query {
    build(&options(0).table, &[&spec()], at(), None)
}

/// `run` with the test's options, and no wait before the first poll.
async fn ran<Q: crate::aws::athena::QueryEngine, S: crate::aws::s3::ObjectStore>(
    engine: &Q,
    store: &S,
    max_scan: u64,
    q: &super::query::Query,
) -> Result<Ran, AthenaError> {
    run(
        engine,
        store,
        &options(max_scan),
        q,
        std::time::Duration::ZERO,
    )
    .await
}

fn options(max_scan: u64) -> AthenaOptions {
    AthenaOptions {
        table: TableName::parse("slo.alb_logs").unwrap(),
        workgroup: Some("slo".to_owned()),
        output: Some("s3://results/slo/".to_owned()),
        max_scan,
    }
}

fn engine(rows: Vec<Vec<Option<&str>>>) -> MemoryQueries {
    let q = MemoryQueries {
        polls: 2,
        page: 2,
        scanned_bytes: 12_345_678,
        ..MemoryQueries::default()
    };
    q.tables.lock().unwrap().insert(
        ("slo".to_owned(), "alb_logs".to_owned()),
        [(
            "storage.location.template".to_owned(),
            "s3://logs/AWSLogs/1/elasticloadbalancing/eu-west-1/${day}".to_owned(),
        )]
        .into(),
    );
    let columns = ["minute", "ms", "t0", "g0", "t1", "g1", "h1"]
        .map(str::to_owned)
        .to_vec();
    let rows = rows
        .into_iter()
        .map(|r| r.into_iter().map(|v| v.map(str::to_owned)).collect())
        .collect();
    *q.answer.lock().unwrap() = crate::aws::athena::ResultPage {
        columns,
        rows,
        next: None,
    };
    q
}

fn store() -> MemoryObjects {
    let s = MemoryObjects::default();
    let day = |d: &str| format!("AWSLogs/1/elasticloadbalancing/eu-west-1/{d}/x.log.gz");
    s.put("logs", &day("2026/11/14"), vec![0; 1000]);
    s.put("logs", &day("2026/11/15"), vec![0; 2000]);
    // Outside the query's days: never counted.
    s.put("logs", &day("2026/10/01"), vec![0; 50_000]);
    s
}

fn rows() -> Vec<Vec<Option<&'static str>>> {
    vec![
        vec![
            Some("2026-11-15T12:00"),
            None,
            Some("10"),
            Some("9"),
            Some("8"),
            Some("7"),
            Some("8"),
        ],
        vec![
            Some("2026-11-15T12:01"),
            None,
            Some("5"),
            Some("5"),
            Some("0"),
            Some("0"),
            Some("0"),
        ],
        vec![
            None,
            Some("120"),
            Some("0"),
            Some("0"),
            Some("6"),
            Some("6"),
            Some("6"),
        ],
        vec![
            None,
            Some("900"),
            Some("0"),
            Some("0"),
            Some("2"),
            Some("1"),
            Some("2"),
        ],
        // Unanswered requests' row of the (ms) set: nothing to record.
        vec![
            None,
            None,
            Some("3"),
            Some("3"),
            Some("0"),
            Some("0"),
            Some("0"),
        ],
    ]
}

#[tokio::test]
async fn a_query_is_priced_started_polled_and_read_page_by_page() {
    let q = query();
    let engine = engine(rows());
    let ran = ran(&engine, &store(), 1_000_000, &q).await.unwrap();
    assert_eq!(
        ran.estimate,
        Ok(Estimate {
            bytes: 3000,
            objects: 2
        })
    );
    assert_eq!(ran.scanned_bytes, 12_345_678);
    assert_eq!(ran.rows, 5);
    let started = engine.started.lock().unwrap();
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].0, q.sql);
    assert_eq!(started[0].1.workgroup.as_deref(), Some("slo"));
    assert_eq!(started[0].1.output.as_deref(), Some("s3://results/slo/"));
    assert_eq!(started[0].1.database, "slo");
    let key = |o: &str| crate::core::model::ObjectiveKey::new("checkout", o);
    let availability = &ran.data[&key("availability")];
    assert_eq!(availability.series.total().total, 15);
    assert_eq!(availability.series.total().good, 14);
    let latency = &ran.data[&key("latency")];
    assert_eq!(latency.series.total().total, 8);
    // 6 at 120 ms and 2 at 900 ms: the 99th percentile is 900 ms.
    assert_eq!(latency.p99, Some(std::time::Duration::from_millis(900)));
}

#[tokio::test]
async fn a_query_over_max_scan_is_refused_before_it_starts() {
    let q = query();
    let engine = engine(rows());
    let err = ran(&engine, &store(), 2999, &q).await.unwrap_err();
    assert!(
        matches!(
            err,
            AthenaError::TooLarge {
                estimate: 3000,
                max: 2999,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("3.0 kB"), "{err}");
    assert!(engine.started.lock().unwrap().is_empty());
}

#[tokio::test]
async fn failures_are_errors_never_an_empty_answer() {
    let q = query();
    // No such table.
    let no_table = MemoryQueries::default();
    let err = ran(&no_table, &store(), u64::MAX, &q).await.unwrap_err();
    assert!(err.to_string().contains("slo init --athena"), "{err}");
    // The query fails in Athena.
    let mut failing = engine_with_failure();
    failing.polls = 0;
    let err = ran(&failing, &store(), u64::MAX, &q).await.unwrap_err();
    assert!(err.to_string().contains("failed: HIVE_BAD_DATA"), "{err}");
    // Each AWS call failing in turn (throttled past the SDK's retries).
    for k in 1..=4 {
        let throttled = Failing::kth(engine(rows()), k, ErrorKind::Throttled);
        let err = ran(&throttled, &store(), u64::MAX, &q).await.unwrap_err();
        assert!(matches!(err, AthenaError::Aws { .. }), "call {k}: {err}");
    }
    // The estimate's listing fails: the query still runs, and says it was not priced.
    let store = Failing::kth(store(), 1, ErrorKind::AccessDenied);
    let ran = ran(&engine(rows()), &store, 1, &q).await.unwrap();
    assert!(ran.estimate.unwrap_err().contains("cannot list"));
}

fn engine_with_failure() -> MemoryQueries {
    MemoryQueries {
        fails: Some("HIVE_BAD_DATA: Error parsing field value".to_owned()),
        ..engine(rows())
    }
}

#[test]
fn answers_slo_cannot_read_are_errors() {
    let q = query();
    let answer = |rows: Vec<Vec<Option<&str>>>| Answer {
        columns: ["minute", "ms", "t0", "g0", "t1", "g1", "h1"]
            .map(str::to_owned)
            .to_vec(),
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(|v| v.map(str::to_owned)).collect())
            .collect(),
    };
    let r = |m: Option<&'static str>, t0: &'static str, g0: &'static str| {
        vec![m, None, Some(t0), Some(g0), Some("0"), Some("0"), Some("0")]
    };
    assert!(matches!(
        collect(&q, &answer(vec![r(Some("2026-11-15 12:00"), "1", "1")])),
        Err(ResultError::BadValue { column, .. }) if column == "minute"
    ));
    assert!(matches!(
        collect(&q, &answer(vec![r(Some("2026-11-15T12:00"), "x", "1")])),
        Err(ResultError::BadValue { column, .. }) if column == "t0"
    ));
    assert!(matches!(
        collect(&q, &answer(vec![r(Some("2026-11-15T12:00"), "1", "2")])),
        Err(ResultError::MoreGoodThanTotal {
            good: 2,
            total: 1,
            ..
        })
    ));
    let mut missing = answer(vec![]);
    missing.columns.pop();
    assert_eq!(
        collect(&q, &missing),
        Err(ResultError::MissingColumn("h1".to_owned()))
    );
    // No rows at all: every objective has no data (never a 100 %).
    let empty = collect(&q, &answer(vec![])).unwrap();
    assert!(
        empty
            .values()
            .all(|d| d.series.total().total == 0 && d.p99.is_none())
    );
}

#[test]
fn the_query_reads_only_the_windows_days_and_quotes_what_the_spec_names() {
    let slo = spec();
    let q = build(
        &TableName::parse("slo.alb_logs").unwrap(),
        &[&slo],
        at(),
        None,
    );
    // A day either side of the data range (the tiers' and the report's burn windows reach back before the budget window).
    assert!(
        q.sql
            .contains("WHERE day BETWEEN '2026/11/11' AND '2026/11/17'"),
        "{}",
        q.sql
    );
    assert!(
        q.sql
            .contains("time >= '2026-11-12T00:00:00' AND time < '2026-11-16T00:00:00'")
    );
    assert!(q.sql.contains("FROM \"slo\".\"alb_logs\""));
    // LIKE's wildcards in a target group's name are escaped.
    assert!(
        q.sql
            .contains(r"LIKE '%:targetgroup/check\_out\%/73e2d6bc24d8a067' ESCAPE '\'"),
        "{}",
        q.sql
    );
    assert!(q.sql.contains("ms <= 250"));
    assert!(TableName::parse("slo").is_err());
    assert!(TableName::parse("slo.alb'; DROP").is_err());
    assert_eq!(parse_bytes("50GB"), Ok(50_000_000_000));
    assert_eq!(parse_bytes("1.5 TB"), Ok(1_500_000_000_000));
    assert!(parse_bytes("lots").is_err());
    assert_eq!(price_usd(0), price_usd(MIN_BILLED_BYTES));
    assert!((price_usd(1_000_000_000_000) - 5.0).abs() < 1e-9);
}
