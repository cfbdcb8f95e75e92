//! Running the binary, writing specs, and golden files.

pub mod browser;
pub mod emulator;
pub mod proxy;
pub mod slack;

use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `slo generate-logs --out OUT EXTRA…`, which must succeed.
pub fn generate_logs(out: &Path, extra: &[&str]) {
    let mut args = vec!["generate-logs", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let made = slo(&args);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
}

/// Every file under `dir`, recursively, in path order.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The current minute, for data the emulator keeps at one-minute resolution.
pub fn now_minute() -> DateTime<Utc> {
    let t = Utc::now().timestamp();
    DateTime::from_timestamp(t - t % 60, 0).unwrap()
}

/// Every subcommand, for checks that apply to all of them.
pub const COMMANDS: &[&str] = &[
    "validate",
    "report",
    "plan",
    "apply",
    "generate-logs",
    "init",
    "postmortem",
    "notify",
    "serve",
    "gate",
    "exclude",
    "convert",
];

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `slo` from the project root with `args`.
pub fn slo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slo"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run slo")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Compares `actual` with the golden file; `UPDATE_GOLDEN=1` rewrites the file instead.
pub fn assert_golden(golden: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(golden, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(golden).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with UPDATE_GOLDEN=1 to create it",
            golden.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "output differs from {} (UPDATE_GOLDEN=1 to accept)",
        golden.display()
    );
}

/// Files in `dir` with extension `ext`, sorted, as paths relative to the project root.
pub fn fixtures(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| p.strip_prefix(root()).expect("under root").to_path_buf())
        .collect();
    files.sort();
    files
}

/// Writes `<dir>/<service>.yaml`: an availability objective at 99.9 % and, with a threshold, a
/// latency objective at 99 %, over a rolling `window`.
pub fn write_spec(
    dir: &Path,
    service: &str,
    lb: &str,
    tg: Option<&str>,
    window: &str,
    latency: Option<&str>,
) {
    let tg = tg.map_or(String::new(), |t| format!("\n  targetGroup: {t}"));
    let latency = latency.map_or(String::new(), |t| {
        format!("\n  - {{ name: latency, sli: latency, threshold: {t}, target: 99% }}")
    });
    let yaml = format!(
        "apiVersion: slo/v1\nservice: {service}\nalb:\n  loadBalancer: {lb}{tg}\nwindow: {window}\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}{latency}\n"
    );
    std::fs::write(dir.join(format!("{service}.yaml")), yaml).expect("write spec");
}

/// Asserts that `value` is valid under the JSON Schema in `schema` (relative to the root).
pub fn assert_valid(schema: &str, value: &serde_json::Value) {
    let text = std::fs::read_to_string(root().join(schema)).expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid under {}: {errors:#?}",
        text.len()
    );
}
