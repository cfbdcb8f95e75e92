//! `slo report` from CloudWatch, against the AWS emulator, driven by the real AWS SDK.

use crate::support::emulator::{Session, session};
use crate::support::{now_minute, text, write_spec};
use aws_sdk_cloudwatch::primitives::DateTime as AwsDateTime;
use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricDatum, MetricStat, StandardUnit,
};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use std::process::Output;

const LB: &str = "app/shop-prod/50dc6c495c0c9188";
const TG: &str = "targetgroup/checkout-prod/73e2d6bc24d8a067";

fn json(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = serde_json::from_slice(&out.stdout).expect("JSON report");
    crate::support::assert_valid("schema/report.schema.json", &report);
    report
}

/// One request as both sources see it.
struct Req {
    at: DateTime<Utc>,
    elb_status: u16,
    /// `None`: the target never answered (a 502 from the load balancer).
    target_ms: Option<u64>,
}

/// A deterministic mix: ~2 % target 500s, ~1 % ELB 502s, latencies from 5 ms to 2 s.
fn requests(end: DateTime<Utc>, minutes: i64) -> Vec<Req> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = Vec::new();
    for m in 0..minutes {
        let minute = end - TimeDelta::minutes(minutes - m);
        for _ in 0..(next() % 12) {
            let at = minute + TimeDelta::milliseconds((next() % 60_000) as i64);
            let roll = next() % 100;
            let ms = 5 + (next() % 400) + if next() % 10 == 0 { next() % 1600 } else { 0 };
            let (elb_status, target_ms) = match roll {
                0 | 1 => (500, Some(ms)),
                2 => (502, None),
                _ => (200, Some(ms)),
            };
            out.push(Req {
                at,
                elb_status,
                target_ms,
            });
        }
    }
    out
}

fn log_line(r: &Req) -> String {
    let time = r.at.format("%Y-%m-%dT%H:%M:%S%.6fZ");
    let tpt = r.target_ms.map_or("-1".to_owned(), |ms| {
        format!("{}.{:03}", ms / 1000, ms % 1000)
    });
    let ts = if r.target_ms.is_some() {
        r.elb_status.to_string()
    } else {
        "-".to_owned()
    };
    format!(
        "https {time} {LB} 192.168.131.39:2817 10.0.0.1:80 0.000 {tpt} 0.000 {} {ts} 0 57 \"GET https://shop.example.com:443/api/cart HTTP/1.1\" \"curl/8.5.0\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:{TG} \"Root=1-58337281-1d84f3d73c47ec4e58577259\" \"shop.example.com\" \"-\" 1 {time} \"forward\" \"-\" \"-\" \"10.0.0.1:80\" \"{ts}\" \"-\" \"-\" TID_1234abcd5678ef90 \"-\" \"-\" \"-\"",
        r.elb_status
    )
}

fn dims(with_tg: bool) -> Vec<Dimension> {
    let mut d = vec![Dimension::builder().name("LoadBalancer").value(LB).build()];
    if with_tg {
        d.push(Dimension::builder().name("TargetGroup").value(TG).build());
    }
    d
}

/// What ALB would publish for these requests: per-minute sums and every response time.
fn metrics(reqs: &[Req]) -> Vec<MetricDatum> {
    use std::collections::BTreeMap;
    let mut per_minute: BTreeMap<i64, Vec<&Req>> = BTreeMap::new();
    for r in reqs {
        per_minute
            .entry(r.at.timestamp() / 60 * 60)
            .or_default()
            .push(r);
    }
    let mut out = Vec::new();
    for (minute, rs) in per_minute {
        let t = AwsDateTime::from_secs(minute);
        let sum = |name: &str, n: usize, with_tg: bool| {
            MetricDatum::builder()
                .metric_name(name)
                .set_dimensions(Some(dims(with_tg)))
                .timestamp(t)
                .value(n as f64)
                .unit(StandardUnit::Count)
                .build()
        };
        out.push(sum("RequestCount", rs.len(), true));
        let target_5xx = rs
            .iter()
            .filter(|r| r.elb_status >= 500 && r.target_ms.is_some())
            .count();
        let elb_5xx = rs
            .iter()
            .filter(|r| r.elb_status >= 500 && r.target_ms.is_none())
            .count();
        if target_5xx > 0 {
            out.push(sum("HTTPCode_Target_5XX_Count", target_5xx, true));
        }
        if elb_5xx > 0 {
            out.push(sum("HTTPCode_ELB_5XX_Count", elb_5xx, false));
        }
        let times: Vec<f64> = rs
            .iter()
            .filter_map(|r| r.target_ms)
            .map(|ms| ms as f64 / 1000.0)
            .collect();
        for chunk in times.chunks(150) {
            out.push(
                MetricDatum::builder()
                    .metric_name("TargetResponseTime")
                    .set_dimensions(Some(dims(true)))
                    .timestamp(t)
                    .set_values(Some(chunk.to_vec()))
                    .unit(StandardUnit::Seconds)
                    .build(),
            );
        }
    }
    out
}

async fn put(s: &Session, data: Vec<MetricDatum>) {
    let cw = s.cloudwatch().await;
    for batch in data.chunks(500) {
        cw.put_metric_data()
            .namespace("AWS/ApplicationELB")
            .set_metric_data(Some(batch.to_vec()))
            .send()
            .await
            .expect("PutMetricData");
    }
}

fn objective<'a>(r: &'a Value, service: &str, name: &str) -> &'a Value {
    r["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["service"] == service && o["objective"] == name)
        .unwrap()
}

#[tokio::test]
async fn cloudwatch_and_access_logs_agree_on_the_same_requests() {
    let s = session();
    let at = now_minute();
    let reqs = requests(at, 6 * 60);
    assert!(reqs.len() > 1000);
    let tmp = tempfile::tempdir().unwrap();
    let (logs, specs) = (tmp.path().join("logs"), tmp.path().join("specs"));
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::create_dir_all(&specs).unwrap();
    let lines: Vec<String> = reqs.iter().map(log_line).collect();
    std::fs::write(logs.join("requests.log"), lines.join("\n")).unwrap();
    write_spec(&specs, "checkout", LB, Some(TG), "1d", Some("300ms"));
    put(&s, metrics(&reqs)).await;

    let at_s = at.to_rfc3339();
    let base = [
        "report",
        specs.to_str().unwrap(),
        "--at",
        &at_s,
        "--format",
        "json",
    ];
    let from_logs = json(&s.slo(&[&base[..], &["--access-logs", logs.to_str().unwrap()]].concat()));
    let from_cw = json(&s.slo(&base));
    assert_eq!(from_cw["source"], "cloudwatch");
    for name in ["availability", "latency"] {
        let (l, c) = (
            objective(&from_logs, "checkout", name),
            objective(&from_cw, "checkout", name),
        );
        assert_eq!(
            (&c["good"], &c["total"]),
            (&l["good"], &l["total"]),
            "{name}"
        );
        assert_eq!(c["budget_remaining"], l["budget_remaining"], "{name}");
        assert_eq!(c["status"], l["status"], "{name}");
    }
    let (l, c) = (
        objective(&from_logs, "checkout", "latency"),
        objective(&from_cw, "checkout", "latency"),
    );
    assert!(l["p99_seconds"].as_f64().unwrap() > 0.3);
    assert_eq!(c["p99_seconds"], l["p99_seconds"]);
    assert!(
        objective(&from_cw, "checkout", "availability")["good"]
            .as_u64()
            .unwrap()
            < reqs.len() as u64
    );
}

#[tokio::test]
async fn a_thousand_slos_take_as_few_calls_as_the_limits_allow() {
    let s = session();
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..1000 {
        let lb = format!("app/lb-{i}/{i:016x}");
        write_spec(tmp.path(), &format!("svc-{i:04}"), &lb, None, "1h", None);
    }
    let at = now_minute();
    let out = s.slo(&[
        "report",
        tmp.path().to_str().unwrap(),
        "--at",
        &at.to_rfc3339(),
        "--format",
        "json",
    ]);
    let r = json(&out);
    assert_eq!(r["objectives"].as_array().unwrap().len(), 1000);
    assert!(
        r["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] == "no_data")
    );
    // 3 queries an SLO (RequestCount, target and ELB 5xx). Each spans the 1 h window plus the
    // 3 days the burn rates and tiers look back, at 60 s: 4,380 datapoints. The datapoint limit
    // (100,800) allows 23 such queries a call, fewer than the 500-query limit.
    let (queries, per_query) = (3000u64, 3 * 1440 + 60);
    let per_call = (100_800 / per_query).min(500);
    let expected = queries.div_ceil(per_call);
    assert_eq!(s.calls("GetMetricData"), expected);
    assert_eq!(r["input"]["get_metric_data_calls"].as_u64(), Some(expected));
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried() {
    let s = session();
    let at = now_minute().to_rfc3339();
    let clean = s.slo(&["report", "--at", &at, "--format", "json"]);
    let expected = json(&clean);
    let normal = s.calls("GetMetricData");
    s.inject("GetMetricData", "throttle", 2);
    s.inject("GetMetricData", "error", 1);
    s.inject("GetMetricData", "delay", 1);
    let out = s.slo(&["report", "--at", &at, "--format", "json"]);
    let got = json(&out);
    assert_eq!(got["objectives"], expected["objectives"]);
    assert_eq!(s.calls("GetMetricData"), 2 * normal + 3);
}

#[tokio::test]
async fn a_permanent_failure_is_an_error_naming_the_query_and_exit_2() {
    let s = session();
    s.inject("GetMetricData", "error", 1000);
    let out = s.slo(&["report", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no partial report");
    let stderr = text(&out.stderr);
    // The call that failed first: the P99 queries' (calls of few datapoints go first).
    assert!(
        stderr.contains("GetMetricData failed for checkout/latency TargetResponseTime p99"),
        "{stderr}"
    );
    assert!(stderr.contains("InternalFailure"), "{stderr}");
    // (The example specs' ECS services do not exist here: one warning line each.)
    assert!(
        stderr
            .lines()
            .filter(|l| !l.starts_with("slo: warning:"))
            .count()
            <= 2,
        "a short message, not a dump: {stderr}"
    );
}

/// The emulator's statistics follow CloudWatch's definitions (tests/emulator/README.md).
#[tokio::test]
async fn the_emulator_computes_extended_statistics_as_cloudwatch_defines_them() {
    let s = session();
    let cw = s.cloudwatch().await;
    let t = now_minute() - TimeDelta::hours(1);
    let dim = Dimension::builder().name("LoadBalancer").value(LB).build();
    let datum = MetricDatum::builder()
        .metric_name("TargetResponseTime")
        .dimensions(dim.clone())
        .timestamp(AwsDateTime::from_secs(t.timestamp()))
        .set_values(Some(vec![0.1, 0.2, 0.3, 0.4]))
        .build();
    cw.put_metric_data()
        .namespace("AWS/ApplicationELB")
        .metric_data(datum)
        .send()
        .await
        .unwrap();
    let query = |id: &str, ns: &str, stat: &str| {
        MetricDataQuery::builder()
            .id(id)
            .metric_stat(
                MetricStat::builder()
                    .metric(
                        Metric::builder()
                            .namespace(ns)
                            .metric_name("TargetResponseTime")
                            .dimensions(dim.clone())
                            .build(),
                    )
                    .period(60)
                    .stat(stat)
                    .build(),
            )
            .build()
    };
    let answer = cw
        .get_metric_data()
        .metric_data_queries(query("tc", "AWS/ApplicationELB", "TC(0.1:0.3)"))
        .metric_data_queries(query("pr", "AWS/ApplicationELB", "PR(:0.2)"))
        .metric_data_queries(query("p50", "AWS/ApplicationELB", "p50"))
        .metric_data_queries(query("p99", "AWS/ApplicationELB", "p99"))
        .metric_data_queries(query("other", "AWS/Other", "SampleCount"))
        .start_time(AwsDateTime::from_secs(t.timestamp()))
        .end_time(AwsDateTime::from_secs(t.timestamp() + 60))
        .send()
        .await
        .unwrap();
    let value = |id: &str| {
        let r = answer
            .metric_data_results()
            .iter()
            .find(|r| r.id() == Some(id))
            .unwrap();
        r.values().first().copied()
    };
    // Lower bound exclusive, upper inclusive: 0.2 and 0.3.
    assert_eq!(value("tc"), Some(2.0));
    assert_eq!(value("pr"), Some(50.0));
    assert_eq!(value("p50"), Some(0.2));
    assert_eq!(value("p99"), Some(0.4));
    // The namespace is respected: same name and dimensions elsewhere are another metric.
    assert_eq!(value("other"), None);
}

#[tokio::test]
async fn the_emulator_pages_large_answers_with_next_token() {
    let s = session();
    let cw = s.cloudwatch().await;
    let t0 = now_minute() - TimeDelta::hours(2);
    let data: Vec<MetricDatum> = (0..100)
        .map(|m| {
            MetricDatum::builder()
                .metric_name("RequestCount")
                .set_dimensions(Some(dims(false)))
                .timestamp(AwsDateTime::from_secs(t0.timestamp() + 60 * m))
                .value(1.0)
                .build()
        })
        .collect();
    put(&s, data).await;
    let q = MetricDataQuery::builder()
        .id("r")
        .metric_stat(
            MetricStat::builder()
                .metric(
                    Metric::builder()
                        .namespace("AWS/ApplicationELB")
                        .metric_name("RequestCount")
                        .set_dimensions(Some(dims(false)))
                        .build(),
                )
                .period(60)
                .stat("Sum")
                .build(),
        )
        .build();
    let mut token = None;
    let (mut pages, mut points) = (0, 0);
    loop {
        let a = cw
            .get_metric_data()
            .metric_data_queries(q.clone())
            .start_time(AwsDateTime::from_secs(t0.timestamp()))
            .end_time(AwsDateTime::from_secs(t0.timestamp() + 6000))
            .max_datapoints(30)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        points += a
            .metric_data_results()
            .iter()
            .map(|r| r.values().len())
            .sum::<usize>();
        token = a.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!((pages, points), (4, 100));
}
