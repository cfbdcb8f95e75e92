//! `slo serve`'s refresh at scale, with full data (BENCHMARKS.md, "slo serve at 10,000
//! objectives"): SERVICES services (default 5,000: 10,000 objectives, availability and latency
//! over 30 days) read through a `MetricsReader` that answers every `GetMetricData` query with
//! 30+ days of realistic datapoints (a busy diurnal load with noise, a trickle of 5xx, a latency
//! tail, a 30-minute incident every ten days),
//! the way CloudWatch would: one datapoint per period of the query. The emulator cannot hold
//! the 10⁸ datapoints this is. Prints, for the first refresh (the whole data range) and each
//! incremental one (a minute later each): wall time, GetMetricData calls against
//! ⌈queries/500⌉, and the process's RSS; then its peak.
//!
//!   cargo bench --bench serve_scale                      # SERVICES=500 REFRESHES=3 adjust
//!   AT_BUDGET=1 …                                        # latency burning at the budget's rate
//!   EMPTY=1 …                                            # no datapoints at all
//!   taskset -c 0 target/release/deps/serve_scale-…       # one core
use chrono::{DateTime, TimeDelta, Utc};
use slo::aws::AwsError;
use slo::aws::metrics::{MetricDataPage, MetricsReader, QueryPage};
use slo::core::model::ServiceSlo;
use slo::core::sli_metrics::{MetricQuery, Role};
use slo::core::window::TimeRange;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// CloudWatch with data for every load balancer (none with `empty`, as the first 1,000-objective
/// measurement had).
struct Synthetic {
    calls: AtomicUsize,
    empty: bool,
    at_budget: bool,
}

/// A cheap deterministic hash: the same datapoint whenever it is asked for.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ceb9fe1a85ec53);
    x ^ (x >> 33)
}

fn value(q: &MetricQuery, t: i64, at_budget: bool) -> f64 {
    let lb = q
        .dimensions
        .iter()
        .map(|(_, v)| {
            v.bytes()
                .fold(0u64, |a, b| a.wrapping_mul(31) + u64::from(b))
        })
        .fold(0u64, |a, b| a ^ b);
    // 20–200 requests a second, by service, with a day's swing and ±1 % of noise.
    let base = 20.0 + (lb % 180) as f64;
    let day = (t.rem_euclid(86_400) as f64 / 86_400.0 * std::f64::consts::TAU).sin();
    let noise = mix(lb ^ t as u64) % 1000;
    let requests =
        (base * (1.0 + 0.5 * day) * q.period_secs as f64 * (0.99 + noise as f64 / 50_000.0))
            .round();
    // Healthy, but for a 30-minute incident every ten days (5 % errors, a tenth slow).
    let incident = (t / 60 + (lb % 14_400) as i64).rem_euclid(14_400) < 30;
    let (errors, slow) = match (incident, at_budget) {
        (true, _) => (0.05, 0.1),
        // The first measurement's latency: 0.5–1.5 % slow, burning at the budget's rate all
        // month (its slowest tier flaps on and off).
        (false, true) => (noise as f64 / 1_000_000.0, 0.015 - noise as f64 / 100_000.0),
        (false, false) => (noise as f64 / 2_000_000.0, noise as f64 / 500_000.0),
    };
    match q.role {
        Role::Requests | Role::Answered => requests,
        Role::Target5xx => (requests * errors).round(),
        Role::Elb5xx => (noise % 3) as f64,
        Role::WithinThreshold => (requests * (1.0 - slow)).round(),
        Role::P99 => 0.4 + noise as f64 / 2000.0,
    }
}

impl MetricsReader for Synthetic {
    async fn get_metric_data(
        &self,
        queries: &[MetricQuery],
        range: TimeRange,
        _next_token: Option<String>,
    ) -> Result<MetricDataPage, AwsError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let results = queries
            .iter()
            .map(|q| {
                let (start, end) = (range.start.timestamp(), range.end.timestamp());
                let step = q.period_secs;
                let first = start - start.rem_euclid(step);
                let points = (0..)
                    .take_while(|_| !self.empty)
                    .map(|i| first + i * step)
                    .take_while(|t| *t < end)
                    .filter(|t| *t >= start)
                    .filter_map(|t| {
                        Some((DateTime::from_timestamp(t, 0)?, value(q, t, self.at_budget)))
                    })
                    .collect();
                QueryPage {
                    id: q.id.clone(),
                    internal_error: false,
                    points,
                }
            })
            .collect();
        Ok(MetricDataPage {
            results,
            next_token: None,
        })
    }
}

fn specs(services: usize) -> Vec<ServiceSlo> {
    (0..services)
        .map(|i| {
            let text = format!(
                "apiVersion: slo/v1\nservice: svc-{i:05}\nalb: {{ loadBalancer: app/svc-{i:05}/{:016x} }}\nwindow: 30d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\n  - {{ name: latency, sli: latency, threshold: 1s, target: 99% }}\n",
                mix(i as u64)
            );
            let mut d = slo::spec::diag::Diagnostics::new(std::path::Path::new("bench.yaml"));
            slo::spec::load::parse_spec(text.as_bytes(), &mut d)
                .expect("a valid spec")
                .0
        })
        .collect()
}

fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Bytes the allocator has handed out and not had back (glibc), in MB.
fn heap_mb() -> f64 {
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: mallinfo2 only reads the allocator's counters.
        let info = unsafe { libc::mallinfo2() };
        (info.uordblks + info.hblkhd) as f64 / 1e6
    }
    #[cfg(not(target_env = "gnu"))]
    f64::NAN
}

fn main() {
    let services: usize = std::env::var("SERVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let refreshes: usize = std::env::var("REFRESHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let specs = specs(services);
    let slos: Vec<&ServiceSlo> = specs.iter().collect();
    let objectives: usize = slos.iter().map(|s| s.objectives.len()).sum();
    println!(
        "{objectives} objectives ({services} services), {} core(s) available; RSS with the specs loaded: {:.1} MB",
        std::thread::available_parallelism().map_or(1, usize::from),
        status_mb("VmRSS:")
    );
    let reader = Synthetic {
        calls: AtomicUsize::new(0),
        empty: std::env::var_os("EMPTY").is_some(),
        at_budget: std::env::var_os("AT_BUDGET").is_some(),
    };
    let cache = slo::report::evaluate::Kept::default();
    let histories = std::collections::BTreeMap::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let start: DateTime<Utc> = "2026-11-20T00:00:00Z".parse().expect("a time");
    for n in 0..=refreshes {
        let now = start + TimeDelta::minutes(n as i64);
        let t = Instant::now();
        let refreshed = runtime
            .block_on(slo::report::evaluate::refresh_from_cloudwatch(
                &slos, &reader, &cache, &histories, now,
            ))
            .expect("a refresh");
        let wall = t.elapsed().as_secs_f64();
        let before_trim = status_mb("VmRSS:");
        #[cfg(target_env = "gnu")]
        if std::env::var_os("TRIM").is_some() {
            // SAFETY: malloc_trim only returns free heap pages to the kernel.
            unsafe {
                libc::malloc_trim(0);
            }
        }
        let noted = refreshed
            .report
            .objectives
            .iter()
            .filter(|o| o.assessment.counts.total > 0)
            .count();
        println!(
            "{} refresh: {wall:.2} s; {} queries in {} GetMetricData call(s) (⌈queries/500⌉ = {}); {noted} objectives with data; RSS {before_trim:.1} MB, {:.1} MB after malloc_trim (TRIM=1)",
            if n == 0 { "first" } else { "incremental" },
            refreshed.queries,
            refreshed.calls,
            refreshed.queries.div_ceil(500),
            status_mb("VmRSS:")
        );
        let with_report = heap_mb();
        drop(refreshed);
        println!(
            "  heap in use: {with_report:.1} MB with the report, {:.1} MB kept between refreshes (series {:.1} MB)",
            heap_mb(),
            cache
                .series
                .read()
                .map_or(f64::NAN, |c| c.footprint() as f64 / 1e6)
        );
    }
    println!("peak RSS {:.1} MB", status_mb("VmHWM:"));
}
