//! `slo report --access-logs`: checked against an independent reading of the same logs
//! (tests/tools/alb_oracle.py), on the bundled example and on logs it has never seen.

use crate::support::{generate_logs, root, slo, text, walk, write_spec};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AT: &str = "2026-03-01T00:00:00Z";
const DAY_BEFORE: &str = "2026-02-28T00:00:00Z";

fn oracle(args: &[&str]) -> Value {
    let out = Command::new("python3")
        .arg(root().join("tests/tools/alb_oracle.py"))
        .args(args)
        .output()
        .expect("python3 runs the oracle");
    assert!(out.status.success(), "oracle: {}", text(&out.stderr));
    if out.stdout.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(&out.stdout).expect("oracle prints JSON")
}

fn report_json(args: &[&str]) -> Value {
    let out = slo(args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("report is JSON")
}

/// AWS's documented example entries in `logs/a.log`, and a spec `docs` for their load balancer.
fn aws_examples() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (logs, specs) = (tmp.path().join("logs"), tmp.path().join("specs"));
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/logs/aws-examples.log"),
        logs.join("a.log"),
    )
    .unwrap();
    write_spec(
        &specs,
        "docs",
        "app/my-loadbalancer/50dc6c495c0c9188",
        None,
        "1d",
        Some("1s"),
    );
    (tmp, logs, specs)
}

/// `slo report` on `aws_examples()`: a 200-day window ending after AWS's example entries.
fn report_examples(specs: &Path, logs: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "report",
        specs.to_str().unwrap(),
        "--access-logs",
        logs.to_str().unwrap(),
        "--at",
        "2018-12-01T00:00:00Z",
        "--window",
        "200d",
    ];
    args.extend_from_slice(extra);
    slo(&args)
}

fn objective<'a>(report: &'a Value, service: &str, name: &str) -> &'a Value {
    report["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["service"] == service && o["objective"] == name)
        .unwrap_or_else(|| panic!("{service}/{name} in report"))
}

fn assert_same_budget(got: &Value, want: &Value, what: &str) {
    match (got.as_f64(), want.as_f64()) {
        (Some(g), Some(w)) => assert!(
            (g - w).abs() <= 1e-9 * w.abs().max(1.0),
            "{what}: {g} vs {w}"
        ),
        _ => assert_eq!(got, want, "{what}"),
    }
}

/// Compares one service's two objectives with the oracle's selection.
fn assert_matches(report: &Value, service: &str, truth: &Value) {
    let a = objective(report, service, "availability");
    let l = objective(report, service, "latency");
    let (ta, tl) = (&truth["availability"], &truth["latency"]);
    assert_eq!(
        (&a["good"], &a["total"]),
        (&ta["good"], &ta["total"]),
        "{service} availability"
    );
    assert_eq!(
        (&l["good"], &l["total"]),
        (&tl["good"], &tl["total"]),
        "{service} latency"
    );
    assert_eq!(l["p99_seconds"], tl["p99_seconds"], "{service} P99");
    assert_same_budget(&a["budget_remaining"], &ta["budget_remaining"], service);
    assert_same_budget(&l["budget_remaining"], &tl["budget_remaining"], service);
}

#[test]
fn the_report_matches_an_independent_reading_of_logs_it_has_never_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let (logs, specs) = (tmp.path().join("logs"), tmp.path().join("specs"));
    std::fs::create_dir_all(&specs).unwrap();
    oracle(&[
        "gen",
        "--out",
        logs.to_str().unwrap(),
        "--seed",
        "11",
        "--end",
        AT,
        "--lines",
        "30000",
    ]);
    let alpha = "app/alpha-prod/1111222233334444";
    let beta = "app/beta-prod/aaaabbbbccccdddd";
    write_spec(&specs, "alpha", alpha, None, "1d", Some("1s"));
    write_spec(
        &specs,
        "alpha-api",
        alpha,
        Some("targetgroup/alpha-api/0000000000000001"),
        "1d",
        Some("250ms"),
    );
    write_spec(&specs, "beta", beta, None, "1d", Some("1s"));
    let report = report_json(&[
        "report",
        specs.to_str().unwrap(),
        "--access-logs",
        logs.to_str().unwrap(),
        "--at",
        AT,
        "--format",
        "json",
    ]);
    let select = |lb: &str, tg: &str, ms: u32| {
        format!(
            "lb={lb},tg={tg},threshold_ms={ms},from={DAY_BEFORE},to={AT},avail_target=0.999,lat_target=0.99"
        )
    };
    let truth = oracle(&[
        "truth",
        "--logs",
        logs.to_str().unwrap(),
        "--select",
        &select(alpha, "", 1000),
        "--select",
        &select(alpha, "targetgroup/alpha-api/0000000000000001", 250),
        "--select",
        &select(beta, "", 1000),
    ]);
    for (i, service) in ["alpha", "alpha-api", "beta"].iter().enumerate() {
        assert_matches(&report, service, &truth["selections"][i]);
    }
    assert_eq!(report["input"]["malformed"], truth["malformed"]);
    assert!(
        report["input"]["malformed"].as_u64().unwrap() > 100,
        "the generator plants malformed lines"
    );
    // Sanity: the selections really differ and saw traffic.
    assert_ne!(
        objective(&report, "alpha", "availability")["total"],
        objective(&report, "alpha-api", "availability")["total"]
    );
    assert!(
        objective(&report, "beta", "latency")["total"]
            .as_u64()
            .unwrap()
            > 1000
    );
}

#[test]
fn the_report_on_the_bundled_example_matches_an_independent_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    generate_logs(&logs, &[]);
    let at = "2026-11-20T00:00:00Z";
    let report = report_json(&[
        "report",
        "--access-logs",
        logs.to_str().unwrap(),
        "--at",
        at,
        "--format",
        "json",
    ]);
    let checkout = "lb=app/shop-prod/50dc6c495c0c9188,tg=targetgroup/checkout-prod/73e2d6bc24d8a067,threshold_ms=1000,from=2026-10-21T00:00:00Z,to=2026-11-20T00:00:00Z,avail_target=0.999,lat_target=0.99";
    // catalog: calendar month in Tokyo, which began at 2026-10-31T15:00Z.
    let catalog = "lb=app/catalog-prod/8e2f1c3a9b7d6e54,tg=,threshold_ms=300,from=2026-10-31T15:00:00Z,to=2026-11-20T00:00:00Z,avail_target=0.995,lat_target=0.95";
    let truth = oracle(&[
        "truth",
        "--logs",
        logs.to_str().unwrap(),
        "--select",
        checkout,
        "--select",
        catalog,
    ]);
    assert_matches(&report, "checkout", &truth["selections"][0]);
    let (c, t) = (&truth["selections"][1], "catalog");
    let a = objective(&report, t, "availability");
    let l = objective(&report, t, "latency-300ms");
    assert_eq!(
        (&a["good"], &a["total"]),
        (&c["availability"]["good"], &c["availability"]["total"])
    );
    assert_eq!(
        (&l["good"], &l["total"]),
        (&c["latency"]["good"], &c["latency"]["total"])
    );
    assert_eq!(l["p99_seconds"], c["latency"]["p99_seconds"]);
    // The bad deployment shows: the checkout availability budget is in warning, and its worst
    // episode is the 2026-11-15 14:00–16:00 deployment.
    let checkout_a = objective(&report, "checkout", "availability");
    assert_eq!(checkout_a["status"], "warning");
    let episodes = checkout_a["episodes"].as_array().unwrap();
    assert!(
        episodes
            .iter()
            .any(|e| e["tier"] == "fast"
                && e["start"].as_str().unwrap().starts_with("2026-11-15T14"))
    );
}

#[test]
fn a_corrupt_gzip_file_is_named_and_the_rest_still_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    generate_logs(&logs, &["--days", "1", "--end", AT]);
    let args = [
        "report",
        "--access-logs",
        logs.to_str().unwrap(),
        "--at",
        AT,
        "--format",
        "json",
        "--window",
        "1d",
    ];
    let before = report_json(&args);
    let victim = walk(&logs)
        .into_iter()
        .find(|p| p.to_str().unwrap().ends_with(".log.gz"))
        .unwrap();
    let mut bytes = std::fs::read(&victim).unwrap();
    let half = bytes.len() / 2;
    bytes[half..].iter_mut().for_each(|b| *b ^= 0x5a);
    std::fs::write(&victim, &bytes).unwrap();
    let out = slo(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let name = victim.file_name().unwrap().to_str().unwrap();
    assert!(
        stderr.contains("could not read all of") && stderr.contains(name),
        "{stderr}"
    );
    let after: Value = serde_json::from_slice(&out.stdout).unwrap();
    let total = |r: &Value| {
        objective(r, "checkout", "availability")["total"]
            .as_u64()
            .unwrap()
            + objective(r, "catalog", "availability")["total"]
                .as_u64()
                .unwrap()
    };
    assert!(total(&after) > 0 && total(&after) <= total(&before));
    assert_eq!(
        after["input"]["unreadable"][0]["file"],
        victim.to_str().unwrap()
    );
}

#[test]
fn malformed_lines_are_counted_located_and_never_good() {
    let (_tmp, logs, specs) = aws_examples();
    let good = std::fs::read_to_string(logs.join("a.log")).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines.insert(1, "this is not a log line".to_owned());
    lines.push(good.lines().next().unwrap()[..80].to_owned());
    std::fs::remove_file(logs.join("a.log")).unwrap();
    std::fs::write(logs.join("mixed.log"), lines.join("\n")).unwrap();
    let out = report_examples(&specs, &logs, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("skipped 2 malformed line(s)"), "{stderr}");
    assert!(stderr.contains("mixed.log:2: "), "{stderr}");
    assert!(
        stderr.contains(&format!("mixed.log:{}: ", lines.len())),
        "{stderr}"
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = objective(&r, "docs", "availability");
    // AWS's seven documented entries: one is a 502.
    assert_eq!(
        (a["good"].as_u64(), a["total"].as_u64()),
        (Some(6), Some(7))
    );
}

#[test]
fn check_exits_one_when_an_objective_is_breached() {
    let (_tmp, logs, specs) = aws_examples();
    assert_eq!(report_examples(&specs, &logs, &[]).status.code(), Some(0));
    assert_eq!(
        report_examples(&specs, &logs, &["--check"]).status.code(),
        Some(1)
    );
}

#[test]
fn every_format_renders_and_output_goes_to_a_file() {
    let (tmp, logs, specs) = aws_examples();
    for (format, golden) in [
        ("table", "report.table"),
        ("markdown", "report.md"),
        ("json", "report.json"),
        ("html", "report.html"),
    ] {
        let file = tmp.path().join(golden);
        let out = report_examples(
            &specs,
            &logs,
            &["--format", format, "-o", file.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
        let rendered = std::fs::read_to_string(&file)
            .unwrap()
            .replace(logs.to_str().unwrap(), "LOGS");
        crate::support::assert_golden(
            &root().join("tests/fixtures/golden").join(golden),
            &rendered,
        );
    }
}

#[test]
fn bad_arguments_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["report", "--access-logs", "no/such/dir"],
        vec!["report", "--access-logs", ".", "--at", "yesterday"],
        vec!["report", "--access-logs", ".", "--window", "30"],
        vec!["report", "--access-logs", tmp.path().to_str().unwrap()],
        vec!["report", "--format", "pdf"],
    ] {
        let out = slo(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("error"), "{args:?}");
    }
}

#[test]
fn an_invalid_spec_stops_the_report_with_exit_one() {
    let out = slo(&[
        "report",
        "tests/fixtures/specs/bad/bare-percentage.yaml",
        "--access-logs",
        ".",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("bare-percentage.yaml:7:13"));
}

/// AWS's documented entries as ALB wrote them before `conn_trace_id` (29 fields) and as of
/// 2016 (through `trace_id`, 18 fields) are counted like today's: six good, one 502.
#[test]
fn lines_of_older_generations_are_counted_like_todays() {
    let (_tmp, logs, specs) = aws_examples();
    let today = std::fs::read_to_string(logs.join("a.log")).unwrap();
    for fields in [29, 18] {
        // Cut each line after its `fields`-th field: fields are separated by single spaces, and
        // none before the 30th holds a space but `request` and `user_agent` (quoted).
        let older: Vec<String> = today
            .lines()
            .map(|l| {
                let mut n = 0;
                let mut quoted = false;
                let mut end = l.len();
                for (i, c) in l.char_indices() {
                    if c == '"' {
                        quoted = !quoted;
                    } else if c == ' ' && !quoted {
                        n += 1;
                        if n == fields {
                            end = i;
                            break;
                        }
                    }
                }
                l[..end].to_owned()
            })
            .collect();
        assert!(older.iter().all(|l| l.split('"').count() % 2 == 1));
        std::fs::write(logs.join("a.log"), older.join("\n") + "\n").unwrap();
        let out = report_examples(&specs, &logs, &["--format", "json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{fields}: {}",
            text(&out.stderr)
        );
        assert!(
            !text(&out.stderr).contains("malformed"),
            "{}",
            text(&out.stderr)
        );
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        let a = objective(&r, "docs", "availability");
        assert_eq!(
            (a["good"].as_u64(), a["total"].as_u64()),
            (Some(6), Some(7))
        );
    }
}

/// `--check` never passes on nothing: an objective with no data fails it, and says so.
#[test]
fn check_fails_on_an_objective_without_data() {
    let (_tmp, logs, specs) = aws_examples();
    write_spec(
        &specs,
        "elsewhere",
        "app/other-lb/0123456789abcdef",
        None,
        "1d",
        None,
    );
    let out = report_examples(&specs, &logs, &["--check"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("elsewhere/availability has no data in its window: --check fails"),
        "{stderr}"
    );
}

/// Lines were read and not one of them is an ALB entry: a runtime error (exit 2) naming the
/// first, not a report of `no_data`.
#[test]
fn a_file_of_nothing_but_malformed_lines_is_an_error() {
    let (_tmp, logs, specs) = aws_examples();
    std::fs::write(
        logs.join("a.log"),
        "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326\nnot a log line either\n",
    )
    .unwrap();
    let out = report_examples(&specs, &logs, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("every one of the 2 line(s) read is malformed")
            && stderr.contains("a.log:1:"),
        "{stderr}"
    );
}

/// Logs that end long before the window does (a forgotten `--at`) are said, with the dates,
/// the share covered and the `--at` to give; in JSON too, with `input.first` / `input.last`.
#[test]
fn a_window_the_logs_do_not_cover_is_said() {
    let (_tmp, logs, specs) = aws_examples();
    let out = slo(&[
        "report",
        specs.to_str().unwrap(),
        "--access-logs",
        logs.to_str().unwrap(),
        "--at",
        "2018-12-20T00:00:00Z",
        "--window",
        "30d",
        "--format",
        "json",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("the newest is at 2018-11-30 22:24 UTC, 19d1h before the window's end")
            && stderr.contains("give --at 2018-11-30T22:24:00Z"),
        "{stderr}"
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["input"]["last"], "2018-11-30T22:24:00Z");
    let kinds: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"coverage"), "{kinds:?}");
}

/// A spec whose load balancer no file is named for: the load balancers the files are of, with
/// a did-you-mean; Classic and Network Load Balancers' files are skipped by their names, not
/// read as malformed ALB lines.
#[test]
fn a_load_balancer_no_file_is_of_is_named_with_the_ones_there() {
    let (_tmp, logs, specs) = aws_examples();
    let examples = std::fs::read_to_string(logs.join("a.log")).unwrap();
    std::fs::remove_file(logs.join("a.log")).unwrap();
    let dir = logs.join("AWSLogs/123456789012/elasticloadbalancing/us-east-2/2018/11/30");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("123456789012_elasticloadbalancing_us-east-2_app.My-LoadBalancer.50dc6c495c0c9188_20181130T2225Z_10.0.0.1_abcd.log"),
        examples,
    )
    .unwrap();
    for other in [
        "123456789012_elasticloadbalancing_us-east-2_my-classic-lb_20181130T2225Z_10.0.0.1_abcd.log",
        "123456789012_elasticloadbalancing_us-east-2_net.my-nlb.1234567890abcdef_20181130T2225Z_abcd.log.gz",
    ] {
        std::fs::write(dir.join(other), "2018-11-30T22:23:00.186641Z my-classic-lb 1.2.3.4:1 - -1 -1 -1 503 0 0 0 \"GET / HTTP/1.1\" \"-\" - -\n").unwrap();
    }
    let out = report_examples(&specs, &logs, &["--format", "json"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("docs: no access-log file is of its load balancer app/my-loadbalancer/50dc6c495c0c9188; the files are of app/My-LoadBalancer/50dc6c495c0c9188 (did you mean app/My-LoadBalancer/50dc6c495c0c9188?)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 file(s) under") && stderr.contains("Classic or Network"),
        "{stderr}"
    );
    assert!(!stderr.contains("malformed"), "{stderr}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["input"]["files_skipped"], 3, "{:#}", r["input"]);
    assert_eq!(r["input"]["malformed"], 0);
}

/// A small `.gz` cut short (an interrupted sync) keeps every complete line before the cut,
/// exactly as many as a streaming decoder gives, and is named; an empty `.log.gz` is named as
/// unreadable, not passed over.
#[test]
fn a_truncated_small_gzip_keeps_its_complete_lines_and_an_empty_one_is_named() {
    use std::io::{Read, Write};
    let (_tmp, logs, specs) = aws_examples();
    let examples = std::fs::read_to_string(logs.join("a.log")).unwrap();
    std::fs::remove_file(logs.join("a.log")).unwrap();
    let plain = examples.repeat(300);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(plain.as_bytes()).unwrap();
    let whole = gz.finish().unwrap();
    let cut = &whole[..whole.len() * 6 / 10];
    std::fs::write(logs.join("cut.log.gz"), cut).unwrap();
    std::fs::write(logs.join("empty.log.gz"), b"").unwrap();
    // What a streaming decoder gives before the cut: the complete lines are the expectation.
    let mut prefix = Vec::new();
    let _ = flate2::read::MultiGzDecoder::new(cut).read_to_end(&mut prefix);
    let complete = prefix.iter().filter(|b| **b == b'\n').count() as u64;
    assert!(complete > 100, "{complete}");

    let out = report_examples(&specs, &logs, &["--format", "json"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        objective(&r, "docs", "availability")["total"].as_u64(),
        Some(complete),
        "{stderr}"
    );
    let unreadable: Vec<String> = r["input"]["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            format!(
                "{} {}",
                u["file"].as_str().unwrap(),
                u["error"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        unreadable.iter().any(|u| u.contains("cut.log.gz")),
        "{unreadable:?}"
    );
    assert!(
        unreadable
            .iter()
            .any(|u| u.contains("empty.log.gz") && u.contains("empty")),
        "{unreadable:?}"
    );
}

/// The small things a user trips on: a date alone for `--at` is its midnight UTC (said so);
/// `--window` stops at 455 days as specs do; a misspelt `--service` gets a did-you-mean; a
/// post-mortem `--at` outside every incident lists the ones there are.
#[test]
fn dates_windows_and_service_names_are_read_as_people_write_them() {
    let (_tmp, logs, specs) = aws_examples();
    let out = slo(&[
        "report",
        specs.to_str().unwrap(),
        "--access-logs",
        logs.to_str().unwrap(),
        "--at",
        "2018-12-01",
        "--window",
        "200d",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("--at 2018-12-01: read as 2018-12-01T00:00:00Z (midnight UTC)"),
        "{stderr}"
    );
    let out = slo(&[
        "report",
        specs.to_str().unwrap(),
        "--access-logs",
        logs.to_str().unwrap(),
        "--window",
        "500d",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("at most 455d"),
        "{}",
        text(&out.stderr)
    );

    let postmortem = |service: &str, at: &str| {
        slo(&[
            "postmortem",
            specs.to_str().unwrap(),
            "--access-logs",
            logs.to_str().unwrap(),
            "--service",
            service,
            "--at",
            at,
            "--end",
            "2018-12-01T00:00:00Z",
        ])
    };
    let out = postmortem("doc", "2018-11-30T22:23:00Z");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no spec has this service (did you mean docs?)"),
        "{}",
        text(&out.stderr)
    );
    let out = postmortem("docs", "2018-11-01T00:00:00Z");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no incident of docs covers 2018-11-01T00:00:00Z"),
        "{stderr}"
    );
}

/// Deployments files as people have them: revisions in a file of their own (joined by ARN),
/// a deployment without `strategy` (ECS leaves it out for rolling updates), and deployments
/// of another cluster, named in a warning rather than dropped silently.
#[test]
fn deployments_files_join_revisions_default_the_strategy_and_name_what_matched_nothing() {
    let (tmp, logs, specs) = aws_examples();
    std::fs::write(
        specs.join("docs.yaml"),
        "apiVersion: slo/v1\nservice: docs\nalb: { loadBalancer: app/my-loadbalancer/50dc6c495c0c9188 }\necs: { cluster: prod, service: docs }\nwindow: 200d\nobjectives:\n  - { name: availability, sli: availability, target: 99.9% }\n",
    )
    .unwrap();
    let arn = |cluster: &str, id: &str| {
        format!("arn:aws:ecs:us-east-2:123456789012:service-deployment/{cluster}/docs/{id}")
    };
    let deployments = serde_json::json!({"serviceDeployments": [
        {"serviceDeploymentArn": arn("prod", "d1"), "serviceArn": "arn:aws:ecs:us-east-2:123456789012:service/prod/docs",
         "createdAt": "2018-11-30T22:00:00Z", "startedAt": "2018-11-30T22:00:00Z", "status": "SUCCESSFUL",
         "targetServiceRevision": {"arn": "arn:aws:ecs:us-east-2:123456789012:service-revision/prod/docs/r1"}},
        {"serviceDeploymentArn": arn("staging", "d2"), "serviceArn": "arn:aws:ecs:us-east-2:123456789012:service/staging/docs",
         "createdAt": "2018-11-30T22:00:00Z", "status": "SUCCESSFUL"}
    ]});
    let revisions = serde_json::json!({"serviceRevisions": [
        {"serviceRevisionArn": "arn:aws:ecs:us-east-2:123456789012:service-revision/prod/docs/r1",
         "containerImages": [{"containerName": "app", "image": "123456789012.dkr.ecr.us-east-2.amazonaws.com/docs:2.0.1"}]}
    ]});
    let (d, r) = (
        tmp.path().join("deployments.json"),
        tmp.path().join("revisions.json"),
    );
    std::fs::write(&d, deployments.to_string()).unwrap();
    std::fs::write(&r, revisions.to_string()).unwrap();
    let out = report_examples(
        &specs,
        &logs,
        &[
            "--deployments",
            d.to_str().unwrap(),
            "--deployments",
            r.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "deployments of staging/docs in --deployments match no spec's `ecs` cluster and service"
        ),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = report["deployments"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["strategy"], "ROLLING");
    assert_eq!(listed[0]["images"][0]["tag"], "2.0.1");
}

/// Without a region or credentials, a CloudWatch report says in one line what to do (and that
/// `--access-logs` needs no AWS), checked before any call, so nothing that cannot succeed is
/// retried.
#[test]
fn missing_aws_configuration_is_one_line_saying_what_to_do() {
    let run = |region: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_slo"));
        cmd.args(["report", "slo"])
            .current_dir(root())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", "/nonexistent")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        if let Some(r) = region {
            cmd.env("AWS_REGION", r);
        }
        cmd.output().unwrap()
    };
    for (region, says) in [
        (None, "no AWS region: set AWS_REGION"),
        (
            Some("us-east-1"),
            "no usable AWS credentials: set AWS_PROFILE",
        ),
    ] {
        let out = run(region);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(says) && stderr.contains("--access-logs DIR"),
            "{stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}

/// An expired AWS SSO session (a profile with `sso_session`, its cached token past
/// `expiresAt` and no refresh token) is one line saying to run `aws sso login`.
#[test]
fn an_expired_sso_session_says_to_log_in_again() {
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(aws.join("sso/cache")).unwrap();
    std::fs::write(
        aws.join("config"),
        "[profile expired]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n",
    )
    .unwrap();
    // The SDK names the cache file by the SHA-1 of the session name: sha1("corp").
    std::fs::write(
        aws.join("sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
        r#"{"accessToken": "expired-token", "expiresAt": "2020-01-01T00:00:00Z", "region": "us-east-1", "startUrl": "https://example.awsapps.com/start"}"#,
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_slo"))
        .args(["report", "slo"])
        .current_dir(root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", aws.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_PROFILE", "expired")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("aws sso login"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

/// Files that are not files: a `*.log` link to a device is named and skipped (it would never
/// end), and an `--app-logs` or `--deployments` device is refused with the reason.
#[test]
fn devices_named_like_logs_are_skipped_and_device_inputs_refused() {
    let (_tmp, logs, specs) = aws_examples();
    std::os::unix::fs::symlink("/dev/zero", logs.join("zero.log")).unwrap();
    let out = report_examples(&specs, &logs, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("not regular files") && warnings.contains("zero.log"),
        "{warnings}"
    );
    assert!(r["objectives"][0]["total"].as_u64().unwrap() > 0);
    for flag in ["--app-logs", "--deployments"] {
        let value = if flag == "--app-logs" {
            "docs=/dev/zero"
        } else {
            "/dev/zero"
        };
        let out = report_examples(&specs, &logs, &[flag, value]);
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("not a regular file"),
            "{flag}: {}",
            text(&out.stderr)
        );
    }
}
