//! The AWS API emulator (tests/emulator/run): one per test binary, on a free port of
//! 127.0.0.1, started on first use and stopped when the test binary exits (the emulator
//! watches its parent). Tests that use it run one at a time, each on a freshly reset state.

use super::root;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

struct Running {
    port: u16,
    _child: Child,
}

static EMULATOR: OnceLock<Result<Running, String>> = OnceLock::new();
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Exclusive use of the emulator for one test.
pub struct Session {
    _guard: MutexGuard<'static, ()>,
    pub port: u16,
}

pub fn session() -> Session {
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let running = EMULATOR
        .get_or_init(start)
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    let s = Session {
        _guard: guard,
        port: running.port,
    };
    let (status, body) = s.http("POST", "/moto-api/reset", "");
    assert_eq!(status, 200, "reset: {body}");
    s
}

fn start() -> Result<Running, String> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    // Its log is kept for when a test fails: target/emulator-<port>.log.
    let log = std::fs::File::create(root().join(format!("target/emulator-{port}.log")))
        .map_err(|e| format!("cannot create the emulator log: {e}"))?;
    let child = Command::new(root().join("tests/emulator/run"))
        .args(["--port", &port.to_string(), "--exit-with-parent"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start tests/emulator/run: {e}"))?;
    // The first run creates a virtualenv and installs moto: allow for it.
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        if let Ok((200, _)) = request(port, "GET", "/_slo/health", "") {
            return Ok(Running {
                port,
                _child: child,
            });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err("the emulator did not become ready within 300 s".to_owned())
}

impl Session {
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Points an `slo` (or any AWS SDK) process at the emulator, with dummy credentials.
    pub fn configure(&self, cmd: &mut Command) {
        cmd.env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE");
    }

    /// Runs `slo` from the project root, pointed at the emulator.
    pub fn slo(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_slo"));
        cmd.args(args).current_dir(root()).env("NO_COLOR", "1");
        self.configure(&mut cmd);
        cmd.output().expect("run slo")
    }

    /// `slo apply` of one `checkout` spec (availability over 30 days, SNS topic `slo-alerts`),
    /// as a user would run it first; the spec's directory lives as long as the value.
    pub fn apply_checkout(&self) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("checkout.yaml"),
            "apiVersion: slo/v1\nservice: checkout\nalb: { loadBalancer: app/shop/50dc6c495c0c9188 }\nwindow: 30d\nobjectives:\n  - { name: availability, sli: availability, target: 99.9% }\nnotify: { sns: arn:aws:sns:us-east-1:123456789012:slo-alerts }\n",
        )
        .unwrap();
        let applied = self.slo(&["apply", tmp.path().to_str().unwrap(), "--yes"]);
        assert_eq!(
            applied.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&applied.stderr)
        );
        tmp
    }

    /// Runs `tests/emulator/<script>` (a Python test) against this session's endpoint, with
    /// [`Session::python_command`]; its standard output when it passes, a panic with both
    /// outputs when it fails.
    pub fn emulator_test(&self, script: &str, args: &[&str]) -> String {
        let out = self
            .python_command()
            .arg(root().join("tests/emulator").join(script))
            .args(["--endpoint", &self.endpoint()])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run tests/emulator/{script}: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    pub fn http(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        request(self.port, method, path, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Calls of `action` the emulator has answered since the reset (retries included).
    pub fn calls(&self, action: &str) -> u64 {
        let (_, body) = self.http("GET", "/_slo/calls", "");
        let v: serde_json::Value = serde_json::from_str(&body).expect("calls JSON");
        v[action].as_u64().unwrap_or(0)
    }

    /// The next `count` calls of `action` fail with `kind` (throttle, error, delay).
    pub fn inject(&self, action: &str, kind: &str, count: u32) {
        let body =
            format!(r#"{{"action":"{action}","kind":"{kind}","count":{count},"delay_ms":200}}"#);
        let (status, text) = self.http("POST", "/_slo/faults", &body);
        assert_eq!(status, 200, "{text}");
    }

    /// A CloudWatch client of the real SDK, pointed at the emulator.
    pub async fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        let creds =
            aws_sdk_cloudwatch::config::Credentials::new("test", "test", None, None, "test");
        let conf = aws_sdk_cloudwatch::Config::builder()
            .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
            .credentials_provider(creds)
            .endpoint_url(self.endpoint())
            .build();
        aws_sdk_cloudwatch::Client::from_conf(conf)
    }
}

impl Session {
    /// An ECS client of the real SDK, pointed at the emulator.
    pub async fn ecs(&self) -> aws_sdk_ecs::Client {
        let creds = aws_sdk_ecs::config::Credentials::new("test", "test", None, None, "test");
        let conf = aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new("us-east-1"))
            .credentials_provider(creds)
            .endpoint_url(self.endpoint())
            .build();
        aws_sdk_ecs::Client::from_conf(conf)
    }
}

/// A minimal HTTP/1.0 exchange with a server on 127.0.0.1 (the emulator's control endpoints,
/// `slo serve`): status and body.
pub fn request(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(180)))?;
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    Ok((status, body))
}

impl Session {
    /// An SNS client of the real SDK (awsQuery, form-encoded), pointed at the emulator.
    pub async fn sns(&self) -> aws_sdk_sns::Client {
        let creds = aws_sdk_sns::config::Credentials::new("test", "test", None, None, "test");
        let conf = aws_sdk_sns::Config::builder()
            .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
            .region(aws_sdk_sns::config::Region::new("us-east-1"))
            .credentials_provider(creds)
            .endpoint_url(self.endpoint())
            .build();
        aws_sdk_sns::Client::from_conf(conf)
    }
}

impl Session {
    /// SDK configuration pointed at the emulator, for the library's own AWS adapters.
    /// The `slo-alerts` topic, and `spec` (a `checkout` service) written to a temporary
    /// `slo/` and applied: its directory, and where the spec is.
    pub async fn apply_spec(&self, spec: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let specs = tmp.path().join("slo");
        std::fs::create_dir_all(&specs).unwrap();
        std::fs::write(specs.join("checkout.yaml"), spec).unwrap();
        self.sns()
            .await
            .create_topic()
            .name("slo-alerts")
            .send()
            .await
            .unwrap();
        let applied = self.slo(&["apply", specs.to_str().unwrap(), "--yes"]);
        assert_eq!(
            applied.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&applied.stderr)
        );
        (tmp, specs)
    }

    /// A table for `--state dynamodb://NAME`: one string partition key, `pk`.
    pub async fn create_journal_table(&self, name: &str) {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        };
        aws_sdk_dynamodb::Client::new(&self.sdk_config().await)
            .create_table()
            .table_name(name)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("pk")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap();
    }

    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_cloudwatch::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .endpoint_url(self.endpoint())
            .load()
            .await
    }
}

impl Session {
    /// The emulator virtualenv's Python (boto3 is there), pointed at the emulator.
    fn python_command(&self) -> Command {
        let mut cmd = Command::new(root().join("target/emulator-venv/bin/python"));
        self.configure(&mut cmd);
        cmd
    }

    /// Runs a Python script with boto3 (the emulator's virtualenv) against the emulator, to
    /// seed what the Rust SDKs `slo` uses cannot create (VPCs, subnets); returns its stdout.
    pub fn python(&self, script: &str) -> String {
        let out = self
            .python_command()
            .arg("-c")
            .arg(script)
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "seed script failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Session {
    /// A CloudWatch Logs client of the real SDK, pointed at the emulator.
    pub async fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.sdk_config().await)
    }
}

impl Session {
    /// The ECS cluster `prod` with the service `checkout` (task definition `checkout`, image
    /// `repo/checkout:1.4.2`), optionally with the deployment circuit breaker and rollback.
    pub async fn checkout_service(&self, circuit_breaker: bool) {
        use aws_sdk_ecs::types::{DeploymentCircuitBreaker, DeploymentConfiguration};
        let config = circuit_breaker.then(|| {
            DeploymentConfiguration::builder()
                .deployment_circuit_breaker(
                    DeploymentCircuitBreaker::builder()
                        .enable(true)
                        .rollback(true)
                        .build(),
                )
                .build()
        });
        self.ecs_service("checkout", config).await;
    }

    /// The ECS cluster `prod` with the service `name` (task definition `checkout`), created
    /// with `config` as its deployment configuration when one is given.
    pub async fn ecs_service(
        &self,
        name: &str,
        config: Option<aws_sdk_ecs::types::DeploymentConfiguration>,
    ) {
        use aws_sdk_ecs::types::ContainerDefinition;
        let ecs = self.ecs().await;
        ecs.create_cluster()
            .cluster_name("prod")
            .send()
            .await
            .unwrap();
        ecs.register_task_definition()
            .family("checkout")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .image("repo/checkout:1.4.2")
                    .memory(512)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        ecs.create_service()
            .cluster("prod")
            .service_name(name)
            .task_definition("checkout")
            .desired_count(2)
            .set_deployment_configuration(config)
            .send()
            .await
            .unwrap();
    }
}

impl Session {
    /// Sets an alarm's state, as CloudWatch would on evaluation (the emulator never does).
    pub async fn set_alarm_state(&self, name: &str, state: aws_sdk_cloudwatch::types::StateValue) {
        self.cloudwatch()
            .await
            .set_alarm_state()
            .alarm_name(name)
            .state_value(state)
            .state_reason("test")
            .send()
            .await
            .unwrap();
    }
}
