//! `slo serve` end to end: the binary against the emulator (through a proxy the test can cut),
//! Slack as a local HTTP server, SNS deliveries counted at an SQS subscription, the dashboard
//! in headless Chromium, and schemathesis against the OpenAPI document.

use crate::deployments::rolled_back_checkout;
use crate::support::emulator::{Session, session};
use crate::support::proxy::Proxy;
use crate::support::slack::Slack;
use crate::support::{root, text};
use aws_sdk_cloudwatch::types::StateValue;
use serde_json::Value;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:slo-alerts";
const LB: &str = "app/shop-prod/50dc6c495c0c9188";

fn spec_text() -> String {
    format!(
        "apiVersion: slo/v1\nservice: checkout\nalb: {{ loadBalancer: {LB} }}\necs: {{ cluster: prod, service: checkout }}\nwindow: 1d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\nnotify: {{ sns: {TOPIC}, slack: {{ webhookEnv: SLO_TEST_SLACK }} }}\n"
    )
}

/// A request to `slo serve`: status and body (0 when nothing answers).
pub fn http(port: u16, method: &str, path: &str) -> (u16, String) {
    crate::support::emulator::request(port, method, path, "").unwrap_or((0, String::new()))
}

fn wait_for(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("timed out waiting for {what}");
}

struct Serve {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_serve(s: &Session, endpoint: &str, specs: &Path, state: &Path, slack: &str) -> Serve {
    let port = free_port();
    let log = state.with_extension("log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_slo"));
    cmd.args([
        "serve",
        specs.to_str().unwrap(),
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--state",
        state.to_str().unwrap(),
        "--refresh",
        "2s",
        "--notify-every",
        "1s",
        "--heartbeat-every",
        "1s",
        "--spec-poll",
        "1s",
    ])
    .current_dir(root())
    .env("SLO_TEST_SLACK", slack)
    .stdout(std::fs::File::create(&log).unwrap())
    .stderr(Stdio::inherit());
    s.configure(&mut cmd);
    cmd.env("AWS_ENDPOINT_URL", endpoint);
    Serve {
        child: cmd.spawn().expect("start slo serve"),
        port,
        log,
    }
}

/// Messages the SNS topic delivered to the test's SQS queue.
fn sqs_count(s: &Session) -> u64 {
    s.python(
        "import boto3\nq = boto3.client('sqs', region_name='us-east-1')\nurl = q.get_queue_url(QueueName='slo-deliveries')['QueueUrl']\nprint(q.get_queue_attributes(QueueUrl=url, AttributeNames=['ApproximateNumberOfMessages'])['Attributes']['ApproximateNumberOfMessages'])",
    )
    .trim()
    .parse()
    .unwrap()
}

async fn set(s: &Session, name: &str, state: StateValue) {
    s.set_alarm_state(name, state).await;
}

fn metric(body: &str, line_start: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refreshes_notifies_once_survives_an_outage_and_stops_on_sigterm() {
    let s = session();
    rolled_back_checkout(&s).await;
    s.python(
        "import boto3\nsns = boto3.client('sns', region_name='us-east-1'); q = boto3.client('sqs', region_name='us-east-1')\narn = sns.create_topic(Name='slo-alerts')['TopicArn']\nurl = q.create_queue(QueueName='slo-deliveries')['QueueUrl']\nqarn = q.get_queue_attributes(QueueUrl=url, AttributeNames=['QueueArn'])['Attributes']['QueueArn']\nsns.subscribe(TopicArn=arn, Protocol='sqs', Endpoint=qarn)",
    );
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("slo");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("checkout.yaml"), spec_text()).unwrap();
    let applied = s.slo(&["apply", specs.to_str().unwrap(), "--yes"]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied.stderr));

    let slack = Slack::start();
    let proxy = Proxy::start(s.port);
    let endpoint = format!("http://127.0.0.1:{}", proxy.port);
    let mut serve = start_serve(&s, &endpoint, &specs, &tmp.path().join("state"), &slack.url);
    let port = serve.port;
    wait_for("/readyz 200", Duration::from_secs(60), || {
        http(port, "GET", "/readyz").0 == 200
    });
    wait_for("a refresh with data", Duration::from_secs(30), || {
        let (st, body) = http(port, "GET", "/api/v1/slos");
        st == 200 && body.contains("\"total\":1800")
    });

    // Slow clients: connections that send half a request are cut off after the header-read
    // deadline, and meanwhile the health check still answers.
    let slow: Vec<std::net::TcpStream> = (0..50)
        .map(|_| {
            use std::io::Write as _;
            let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            c
        })
        .collect();
    assert_eq!(http(port, "GET", "/healthz").0, 200);
    let started = std::time::Instant::now();
    for mut c in slow {
        use std::io::Read as _;
        c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let mut buf = [0u8; 256];
        // Closed (0 bytes, or a 408-style answer then close) well before the read timeout.
        while matches!(c.read(&mut buf), Ok(n) if n > 0) {}
    }
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );

    // Every endpoint.
    assert_eq!(
        http(port, "GET", "/healthz"),
        (200, r#"{"status":"ok"}"#.to_owned())
    );
    let (st, body) = http(port, "GET", "/api/v1/slos");
    assert_eq!(st, 200);
    let report: Value = serde_json::from_str(&body).unwrap();
    crate::support::assert_valid("schema/report.schema.json", &report);
    let o = &report["objectives"][0];
    assert_eq!(o["deployments_source"], "service_deployments");
    assert_eq!(
        o["incidents"][0]["deployment"]["status"],
        "ROLLBACK_SUCCESSFUL"
    );
    let (st, body) = http(port, "GET", "/api/v1/slos/checkout/availability");
    assert_eq!(st, 200);
    let detail: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(detail["series"]["step_seconds"], 60);
    let total: u64 = detail["series"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["total"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1800, "the series adds up to the report's total");
    assert_eq!(http(port, "GET", "/api/v1/slos/checkout/nope").0, 404);
    assert_eq!(http(port, "POST", "/api/v1/slos").0, 405);
    let (st, metrics) = http(port, "GET", "/metrics");
    assert_eq!(st, 200);
    let budget = metric(
        &metrics,
        "slo_error_budget_remaining{service=\"checkout\",objective=\"availability\"}",
    )
    .expect("budget gauge");
    assert!(
        budget < 0.0,
        "90 bad of 1800 at 99.9 % is overspent: {budget}"
    );
    assert!(
        metrics.contains(
            "slo_burn_rate{service=\"checkout\",objective=\"availability\",window=\"1h\"}"
        )
    );
    assert!(metrics.contains("slo_last_refresh_timestamp_seconds "));
    // The rolled-back checkout's cluster is there: nothing to warn about.
    assert_eq!(metric(&metrics, "slo_refresh_warnings "), Some(0.0));
    let (st, openapi) = http(port, "GET", "/api/v1/openapi.json");
    assert_eq!(st, 200);
    let openapi: Value = serde_json::from_str(&openapi).unwrap();
    assert_eq!(openapi["openapi"], "3.1.0");
    let (st, page) = http(port, "GET", "/");
    assert_eq!(st, 200);
    assert!(page.contains("checkout / availability") && page.contains("deploy rollback"));
    wait_for("heartbeats", Duration::from_secs(10), || {
        s.calls("PutMetricData") >= 2
    });

    // A page: once per channel, however many passes run.
    set(&s, "slo:checkout:availability:page", StateValue::Alarm).await;
    wait_for("the page on Slack and SNS", Duration::from_secs(30), || {
        slack.bodies().len() == 1 && sqs_count(&s) == 1
    });
    let page_text = &slack.bodies()[0];
    assert!(page_text.contains("[PAGE]"), "{page_text}");
    assert!(
        page_text.contains("1.4.3") || page_text.contains("bad"),
        "the deployment is named: {page_text}"
    );

    // The outage: readiness degrades, the last data is still served, nothing is sent.
    proxy.cut();
    wait_for("/readyz degraded", Duration::from_secs(60), || {
        let (st, body) = http(port, "GET", "/readyz");
        st == 503 && body.contains("degraded")
    });
    let (st, body) = http(port, "GET", "/api/v1/slos");
    assert_eq!(st, 200, "the last data is still served");
    assert!(body.contains("\"total\":1800"));
    set(&s, "slo:checkout:availability:page", StateValue::Ok).await;
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(slack.bodies().len(), 1);
    let (_, metrics) = http(port, "GET", "/metrics");
    assert!(metrics.contains("slo_aws_errors_total{api="), "{metrics}");

    // Back: ready again, and the resolved notice goes out exactly once per channel.
    proxy.restore();
    wait_for("/readyz ok again", Duration::from_secs(60), || {
        http(port, "GET", "/readyz").0 == 200
    });
    wait_for("the resolved notice", Duration::from_secs(30), || {
        slack.bodies().len() == 2 && sqs_count(&s) == 2
    });
    assert!(slack.bodies()[1].contains("RESOLVED"));
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(slack.bodies().len(), 2, "nothing doubled");
    assert_eq!(sqs_count(&s), 2, "nothing doubled");
    let (_, metrics) = http(port, "GET", "/metrics");
    assert_eq!(
        metric(
            &metrics,
            "slo_notifications_total{channel=\"slack\",outcome=\"sent\"}"
        ),
        Some(2.0)
    );

    // A bad spec is reported and the old one stays in force; a good one is picked up.
    std::fs::write(
        specs.join("checkout.yaml"),
        "apiVersion: slo/v1\nservice: [\n",
    )
    .unwrap();
    wait_for("the failed reload", Duration::from_secs(10), || {
        metric(&http(port, "GET", "/metrics").1, "slo_spec_reload_failed ") == Some(1.0)
    });
    assert_eq!(
        http(port, "GET", "/readyz").0,
        200,
        "still ready on the old specs"
    );
    assert!(
        http(port, "GET", "/")
            .1
            .contains("previous specs stay in force")
    );
    std::fs::write(specs.join("checkout.yaml"), spec_text()).unwrap();
    wait_for("the good reload", Duration::from_secs(10), || {
        metric(&http(port, "GET", "/metrics").1, "slo_spec_reload_failed ") == Some(0.0)
    });

    // The dashboard in a real browser, and the API under schemathesis.
    crate::serve::browser_check(port, tmp.path());
    crate::serve::schemathesis(port);

    // SIGTERM: exit 0, promptly.
    let pid = serve.child.id().to_string();
    let started = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = loop {
        if let Some(st) = serve.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "not stopped in 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status.code(), Some(0));
    let log = std::fs::read_to_string(&serve.log).unwrap();
    for line in log.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert!(v["event"].is_string(), "{line}");
        assert!(
            !line.contains("/services/T000"),
            "the webhook URL is a secret: {line}"
        );
    }
    // A refresh warning is logged when it appears, again only after it cleared.
    let mut open: Vec<String> = Vec::new();
    for line in log.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let w = v["warning"].as_str().unwrap_or_default().to_owned();
        match v["event"].as_str() {
            Some("refresh_warning") => {
                assert!(!open.contains(&w), "logged twice without clearing: {w}");
                open.push(w);
            }
            Some("refresh_warning_cleared") => open.retain(|o| *o != w),
            _ => {}
        }
    }
    assert!(log.contains("\"event\":\"notification\""));
    assert!(log.contains("\"event\":\"refresh\""));
    assert!(log.contains("\"event\":\"aws_error\""));
}

/// Loads the dashboard in headless Chromium at 1400 and 375 px: screenshots (kept under
/// target/ for people to look at) and the rendered DOM, which must lead with the overview
/// (sortable: the script route ran under the CSP), name the objective, its budget, the
/// composites' alert state and the rollback; then axe-core's rules.
pub fn browser_check(port: u16, _tmp: &Path) {
    use crate::support::browser;
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let url = format!("http://127.0.0.1:{port}/");
    for width in [1400, 375] {
        browser::screenshot(
            &chromium,
            &url,
            width,
            &root().join(format!("target/serve-{width}.png")),
        );
    }
    let dom = browser::dom(&chromium, &url, 1400);
    assert!(dom.contains("checkout / availability"), "{dom}");
    // The overview is the page's first table, before any chart, a linked row per objective.
    let overview = dom
        .find("Overview, worst first")
        .expect("the overview table");
    assert!(overview < dom.find("<svg").unwrap_or(usize::MAX), "{dom}");
    assert!(dom.contains("<a href=\"#checkout-availability\">"), "{dom}");
    assert!(
        dom.contains("<th scope=\"col\"><button type=\"button\">objective</button></th>"),
        "the sorting script ran: {dom}"
    );
    assert!(dom.contains("alerting now"), "from the composites: {dom}");
    assert!(dom.contains("error budget left"));
    assert!(
        dom.contains("ROLLBACK_SUCCESSFUL"),
        "the deployment marker's text"
    );
    assert!(dom.contains("class=\"deploy rollback\""));
    let (_, html) = http(port, "GET", "/");
    crate::support::browser::assert_accessible(&html, "slo serve's dashboard");
}

/// schemathesis (PyPI; scripts/test installs it under target/tools-venv) against the OpenAPI
/// document: no response may be a 5xx, and every response must match its schema.
pub fn schemathesis(port: u16) {
    let bin = root().join("target/tools-venv/bin/schemathesis");
    if !bin.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "schemathesis is missing in CI (scripts/test installs it)"
        );
        eprintln!("schemathesis not found: run scripts/test to install it");
        return;
    }
    let out = Command::new(bin)
        .args([
            "run",
            &format!("http://127.0.0.1:{port}/api/v1/openapi.json"),
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance",
            "--max-examples",
            "30",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}
