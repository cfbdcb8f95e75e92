//! A deterministic generator of realistic ALB access logs for the example specs in `slo/`:
//! diurnal traffic, a little background failure, a bad `checkout` deployment five days before
//! the end that burns budget for two hours, and a short `catalog` timeout incident.
//! Written in ALB's S3 layout, one file per load balancer per 5 minutes.

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "ap-northeast-1";

/// One stream of traffic: a load balancer, a target group, a rate and its troubles.
struct Service {
    load_balancer: &'static str,
    target_group: &'static str,
    host: &'static str,
    paths: &'static [&'static str],
    /// Requests per minute, on average over a day.
    per_minute: f64,
    /// Median target time, ms.
    median_ms: f64,
    /// Background probability of a 5xx.
    error_rate: f64,
}

const SERVICES: [Service; 3] = [
    Service {
        load_balancer: "app/shop-prod/50dc6c495c0c9188",
        target_group: "targetgroup/checkout-prod/73e2d6bc24d8a067",
        host: "shop.example.com",
        paths: &[
            "/api/cart",
            "/api/checkout",
            "/api/payment",
            "/api/orders/1842",
        ],
        per_minute: 4.0,
        median_ms: 140.0,
        error_rate: 0.0003,
    },
    Service {
        load_balancer: "app/shop-prod/50dc6c495c0c9188",
        target_group: "targetgroup/web-prod/0a1b2c3d4e5f6a7b",
        host: "shop.example.com",
        paths: &["/", "/products/42", "/static/app.js", "/search?q=red+shoes"],
        per_minute: 2.0,
        median_ms: 60.0,
        error_rate: 0.002,
    },
    Service {
        load_balancer: "app/catalog-prod/8e2f1c3a9b7d6e54",
        target_group: "targetgroup/catalog-prod/5d6e7f8091a2b3c4",
        host: "catalog.example.com",
        paths: &[
            "/v1/items",
            "/v1/items/991",
            "/v1/categories",
            "/v1/search?q=lamp",
        ],
        per_minute: 3.0,
        median_ms: 90.0,
        error_rate: 0.0005,
    },
];

const USER_AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "shop-ios/4.2.1 (iPhone; iOS 17.5; Scale/3.00)",
    "curl/8.5.0 \\\"probe\\\"",
];

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// The logs end here (exclusive).
    pub end: DateTime<Utc>,
    pub days: u32,
    /// Multiplies every traffic rate (benchmarks use large scales).
    pub scale: f64,
    pub gzip: bool,
    pub seed: u64,
}

impl Options {
    /// The bundled example: 30 days ending 2026-11-20T00:00Z, gzipped.
    pub fn example() -> Options {
        Options {
            end: DateTime::from_timestamp(1_795_132_800, 0).unwrap_or_default(),
            days: 30,
            scale: 1.0,
            gzip: true,
            seed: 20_261_120,
        }
    }

    /// The bad `checkout` deployment: two hours, five days before the end, at 14:00 UTC.
    pub fn bad_deploy(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let day = (self.end - TimeDelta::days(5)).date_naive();
        let start = day.and_hms_opt(14, 0, 0).unwrap_or_default().and_utc();
        (start, start + TimeDelta::hours(2))
    }

    /// The `catalog` timeouts: twenty minutes, twelve days before the end, at 03:10 UTC.
    pub fn catalog_incident(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let day = (self.end - TimeDelta::days(12)).date_naive();
        let start = day.and_hms_opt(3, 10, 0).unwrap_or_default().and_utc();
        (start, start + TimeDelta::minutes(20))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub lines: u64,
    pub bytes: u64,
}

/// SplitMix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// A count with mean `mean` (normal approximation, good enough for traffic).
    fn count(&mut self, mean: f64) -> u64 {
        let x = mean + mean.sqrt() * self.normal();
        x.round().max(0.0) as u64
    }
}

/// Traffic through the day: quiet at night (UTC 18–22 is night in Tokyo), busy in the evening.
fn diurnal(t: DateTime<Utc>) -> f64 {
    let tokyo_hour = (f64::from(t.hour()) + 9.0 + f64::from(t.minute()) / 60.0) % 24.0;
    1.0 + 0.7 * ((tokyo_hour - 15.0) / 24.0 * std::f64::consts::TAU).cos()
}

/// Writes the logs under `out` and says how much it wrote.
pub fn generate(out: &Path, opts: &Options) -> io::Result<Summary> {
    let mut rng = Rng(opts.seed);
    let mut summary = Summary::default();
    let start = opts.end - TimeDelta::days(i64::from(opts.days));
    let mut file_start = start;
    let mut text = String::new();
    while file_start < opts.end {
        let file_end = file_start + TimeDelta::minutes(5);
        for lb in [
            "app/shop-prod/50dc6c495c0c9188",
            "app/catalog-prod/8e2f1c3a9b7d6e54",
        ] {
            text.clear();
            let mut lines = 0;
            for minute in 0..5 {
                let t = file_start + TimeDelta::minutes(minute);
                for svc in SERVICES.iter().filter(|s| s.load_balancer == lb) {
                    lines += minute_of_traffic(&mut rng, svc, t, opts, &mut text);
                }
            }
            let path = file_path(out, lb, file_end, &mut rng, opts.gzip);
            summary.bytes += write_file(&path, text.as_bytes(), opts.gzip)?;
            summary.files += 1;
            summary.lines += lines;
        }
        file_start = file_end;
    }
    let deployments = out.join(DEPLOYMENTS_FILE);
    std::fs::write(&deployments, deployments_json(opts))?;
    std::fs::write(out.join(APP_LOGS_FILE), app_logs_json(opts))?;
    Ok(summary)
}

/// Written beside `AWSLogs/`: `checkout`'s application logs, as `aws logs filter-log-events
/// --output json` prints them.
pub const APP_LOGS_FILE: &str = "checkout-app-logs.json";

/// `checkout`'s application logs: health lines every five minutes, now and then an unrelated
/// error, and during the bad deployment the card-gateway timeouts and pool exhaustion behind
/// it (one line also shows a secret, which evidence must redact).
pub fn app_logs_json(opts: &Options) -> String {
    let mut rng = Rng(opts.seed ^ 0xA5A5);
    let (bad_start, bad_end) = opts.bad_deploy();
    let start = opts.end - TimeDelta::days(i64::from(opts.days));
    let tasks = ["3f9c1e0e5b2d4a61", "7a0b44c1d9e85f23"];
    let mut events: Vec<(DateTime<Utc>, usize, String)> = Vec::new();
    let mut t = start;
    let mut request = 41_000u64;
    while t < opts.end {
        for task in 0..tasks.len() {
            let in_use = 2 + rng.below(4);
            events.push((
                t + TimeDelta::seconds(task as i64 * 7),
                task,
                format!("INFO checkout-api health ok: pool {in_use}/20 in use, queue 0"),
            ));
        }
        // About one unrelated error a day.
        if rng.below(288) == 0 {
            events.push((
                t + TimeDelta::seconds(31),
                0,
                format!(
                    "ERROR PaymentWebhook: signature mismatch for event evt_{:x} from 203.0.113.{}",
                    rng.next(),
                    rng.below(250)
                ),
            ));
        }
        t += TimeDelta::minutes(5);
    }
    let mut t = bad_start;
    while t < bad_end {
        for _ in 0..3 {
            request += 1 + rng.below(9);
            let at = t + TimeDelta::milliseconds(rng.below(60_000) as i64);
            events.push((at, rng.below(2) as usize, format!(
                "ERROR [req-{request}] TimeoutException: card-gateway did not answer within 3000 ms (attempt 3 of 3, host 10.0.3.{}:8443)",
                7 + rng.below(3)
            )));
        }
        if rng.below(2) == 0 {
            events.push((t + TimeDelta::seconds(40), rng.below(2) as usize, format!(
                "ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms (total=20, active=20, idle=0, waiting={})",
                3 + rng.below(20)
            )));
        }
        t += TimeDelta::minutes(1);
    }
    events.push((bad_start + TimeDelta::minutes(3), 0, "ERROR payment failed for jane.doe@example.com: gateway rejected Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig".to_owned()));
    events.sort_by_key(|e| e.0);
    let events: Vec<serde_json::Value> = events
        .into_iter()
        .enumerate()
        .map(|(i, (at, task, message))| {
            let ms = at.timestamp_millis();
            serde_json::json!({
                "logStreamName": format!("app/app/{}", tasks[task]),
                "timestamp": ms,
                "message": message,
                "ingestionTime": ms + 850,
                "eventId": format!("{:056}", i),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "events": events,
        "searchedLogStreams": [],
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}

/// Written beside `AWSLogs/`: the example's ECS deployments, as `aws ecs
/// describe-service-deployments` prints them (with the `serviceRevisions` that name images).
pub const DEPLOYMENTS_FILE: &str = "deployments.json";

/// The example's deployments: clean ones of both services, and the bad `checkout` one that
/// started the incident and that the circuit breaker rolled back as its errors stopped.
pub fn deployments_json(opts: &Options) -> String {
    let (bad_start, bad_end) = opts.bad_deploy();
    let day = |d: i64, h: u32, m: u32| {
        (opts.end - TimeDelta::days(d))
            .date_naive()
            .and_hms_opt(h, m, 0)
            .unwrap_or_default()
            .and_utc()
    };
    let cli_time = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string();
    // (service, id, version, start, minutes to finish, rolled back)
    let list = [
        ("checkout", "a1f3", "1.4.1", day(20, 10, 0), 7, false),
        ("catalog", "c7e2", "2.8.0", day(15, 9, 30), 6, false),
        ("catalog", "c9d4", "2.8.1", day(12, 1, 0), 6, false),
        ("checkout", "b2e4", "1.4.2", day(9, 16, 30), 8, false),
        (
            "checkout",
            "d4c8",
            "1.4.3",
            bad_start,
            (bad_end - bad_start).num_minutes(),
            true,
        ),
        ("catalog", "e5a1", "2.9.0", day(4, 13, 0), 5, false),
        ("checkout", "f6b9", "1.4.4", day(3, 11, 0), 7, false),
    ];
    let arn = |kind: &str, svc: &str, id: &str| {
        format!("arn:aws:ecs:{REGION}:{ACCOUNT}:{kind}/prod/{svc}/{id}")
    };
    let mut deployments = Vec::new();
    let mut revisions = Vec::new();
    for (svc, id, version, start, minutes, rolled_back) in list {
        let finished = start + TimeDelta::minutes(minutes);
        let revision = arn("service-revision", svc, &format!("{id}0001"));
        let mut d = serde_json::json!({
            "serviceDeploymentArn": arn("service-deployment", svc, id),
            "serviceArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:service/prod/{svc}"),
            "clusterArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/prod"),
            "createdAt": cli_time(start - TimeDelta::seconds(4)),
            "startedAt": cli_time(start),
            "finishedAt": cli_time(finished),
            "targetServiceRevision": { "arn": revision, "requestedTaskCount": 2, "runningTaskCount": 2, "pendingTaskCount": 0 },
            "status": "SUCCESSFUL",
            "deploymentConfiguration": {
                "deploymentCircuitBreaker": { "enable": true, "rollback": true },
                "maximumPercent": 200, "minimumHealthyPercent": 100, "strategy": "ROLLING"
            },
            "deploymentCircuitBreaker": { "status": "MONITORING_COMPLETE", "failureCount": 0, "threshold": 3 },
        });
        if rolled_back {
            d["status"] = "ROLLBACK_SUCCESSFUL".into();
            d["statusReason"] = "Service deployment rolled back because the circuit breaker threshold was exceeded.".into();
            d["deploymentCircuitBreaker"] =
                serde_json::json!({ "status": "TRIGGERED", "failureCount": 6, "threshold": 3 });
            d["rollback"] = serde_json::json!({
                "reason": "Service deployment rolled back because the circuit breaker threshold was exceeded.",
                "startedAt": cli_time(finished - TimeDelta::minutes(18)),
                "serviceRevisionArn": arn("service-revision", svc, "b2e40001"),
            });
        }
        deployments.push(d);
        revisions.push(serde_json::json!({
            "serviceRevisionArn": revision,
            "taskDefinition": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{svc}:{}", 40 + revisions.len()),
            "containerImages": [{
                "containerName": "app",
                "image": format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{svc}:{version}"),
                "imageDigest": format!("sha256:{:0>64}", format!("{id}{}", version.replace('.', ""))),
            }],
        }));
    }
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "serviceDeployments": deployments,
        "serviceRevisions": revisions,
        "failures": [],
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}

fn minute_of_traffic(
    rng: &mut Rng,
    svc: &Service,
    t: DateTime<Utc>,
    opts: &Options,
    out: &mut String,
) -> u64 {
    let (deploy_start, deploy_end) = opts.bad_deploy();
    let (incident_start, incident_end) = opts.catalog_incident();
    let bad_deploy = svc.target_group.contains("checkout") && deploy_start <= t && t < deploy_end;
    let incident = svc.load_balancer.contains("catalog") && incident_start <= t && t < incident_end;
    let n = rng.count(svc.per_minute * opts.scale * diurnal(t));
    let mut offsets: Vec<u64> = (0..n).map(|_| rng.below(60_000_000)).collect();
    offsets.sort_unstable();
    for micros in offsets {
        let at = t + TimeDelta::microseconds(micros as i64);
        let (error_rate, slow) = if bad_deploy {
            (0.30, 9.0)
        } else {
            (svc.error_rate, 1.0)
        };
        let mut target_ms = (svc.median_ms * slow * (0.55 * rng.normal()).exp())
            .round()
            .max(1.0) as i64;
        let roll = rng.unit();
        let (elb_status, target_status) = if incident && roll < 0.3 {
            target_ms = -1;
            (504, None)
        } else if roll < error_rate {
            if rng.unit() < 0.3 {
                target_ms = -1;
                (502, None)
            } else {
                (500, Some(500))
            }
        } else if roll < error_rate + 0.01 {
            (404, Some(404))
        } else if roll < error_rate + 0.012 {
            // The client went away before the target answered.
            target_ms = -1;
            (460, None)
        } else {
            (200, Some(200))
        };
        write_line(rng, svc, at, target_ms, elb_status, target_status, out);
    }
    n
}

fn write_line(
    rng: &mut Rng,
    svc: &Service,
    at: DateTime<Utc>,
    target_ms: i64,
    elb_status: u16,
    target_status: Option<u16>,
    out: &mut String,
) {
    let ip = |rng: &mut Rng| format!("10.0.{}.{}", rng.below(4), 10 + rng.below(200));
    let client = format!(
        "{}.{}.{}.{}:{}",
        rng.below(200) + 20,
        rng.below(256),
        rng.below(256),
        rng.below(254) + 1,
        1024 + rng.below(60_000)
    );
    let target = ip(rng);
    let path = svc.paths[rng.below(svc.paths.len() as u64) as usize];
    let method = if path.contains("checkout") || path.contains("payment") {
        "POST"
    } else {
        "GET"
    };
    let ua = USER_AGENTS[rng.below(USER_AGENTS.len() as u64) as usize];
    let time = at.format("%Y-%m-%dT%H:%M:%S%.6fZ");
    let created =
        (at - TimeDelta::milliseconds(target_ms.max(0) + 2)).format("%Y-%m-%dT%H:%M:%S%.6fZ");
    let target_time = if target_ms < 0 {
        "-1".to_owned()
    } else {
        format!("{}.{:03}", target_ms / 1000, target_ms % 1000)
    };
    let target_field = format!("{target}:8080");
    let target_status = target_status.map_or("-".to_owned(), |s| s.to_string());
    let error_reason = match elb_status {
        502 => "TargetConnectionError",
        504 => "TargetTimeout",
        _ => "-",
    };
    let _ = writeln!(
        out,
        "h2 {time} {lb} {client} {target_field} 0.000 {target_time} 0.000 {elb_status} {target_status} {rx} {tx} \"{method} https://{host}:443{path} HTTP/2.0\" \"{ua}\" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:{tg} \"Root=1-{trace:08x}-{trace2:024x}\" \"{host}\" \"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/3f1c2b9e-1d2c-4b8a-9a0e-7c6d5e4f3a2b\" 10 {created} \"forward\" \"-\" \"{error_reason}\" \"{target_field}\" \"{target_status}\" \"-\" \"-\" TID_{tid:016x} \"-\" \"-\" \"-\"",
        lb = svc.load_balancer,
        rx = 200 + rng.below(1800),
        tx = 300 + rng.below(20_000),
        host = svc.host,
        tg = svc.target_group,
        trace = at.timestamp(),
        trace2 = rng.next() as u128 & ((1u128 << 96) - 1),
        tid = rng.next(),
    );
}

fn file_path(out: &Path, lb: &str, end: DateTime<Utc>, rng: &mut Rng, gzip: bool) -> PathBuf {
    let lb_dotted = lb.replace('/', ".");
    let name = format!(
        "{ACCOUNT}_elasticloadbalancing_{REGION}_{lb_dotted}_{}_10.0.{}.{}_{:08x}.log{}",
        end.format("%Y%m%dT%H%MZ"),
        rng.below(4),
        rng.below(250),
        rng.next() as u32,
        if gzip { ".gz" } else { "" }
    );
    out.join("AWSLogs")
        .join(ACCOUNT)
        .join("elasticloadbalancing")
        .join(REGION)
        .join(format!("{:04}", end.year()))
        .join(format!("{:02}", end.month()))
        .join(format!("{:02}", end.day()))
        .join(name)
}

fn write_file(path: &Path, bytes: &[u8], gzip: bool) -> io::Result<u64> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = io::BufWriter::new(std::fs::File::create(path)?);
    if gzip {
        let mut gz = GzEncoder::new(&mut f, Compression::fast());
        gz.write_all(bytes)?;
        gz.finish()?;
    } else {
        f.write_all(bytes)?;
    }
    f.flush()?;
    Ok(bytes.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::access_log::line::Entry;

    #[test]
    fn generated_lines_are_valid_access_log_entries() {
        let mut rng = Rng(7);
        let mut out = String::new();
        let opts = Options::example();
        let t = opts.bad_deploy().0;
        for svc in &SERVICES {
            minute_of_traffic(&mut rng, svc, t, &opts, &mut out);
        }
        assert!(out.lines().count() > 3);
        for line in out.lines() {
            let r = Entry::parse(line.as_bytes()).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert_eq!(Entry::split(line.as_bytes()).unwrap().field_count(), 33);
            assert!(r.time >= t.timestamp() && r.time < t.timestamp() + 60);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_logs() {
        let opts = Options::example();
        let run = || {
            let mut rng = Rng(opts.seed);
            let mut out = String::new();
            minute_of_traffic(
                &mut rng,
                &SERVICES[0],
                opts.end - TimeDelta::hours(3),
                &opts,
                &mut out,
            );
            out
        };
        assert_eq!(run(), run());
    }
}
