//! Headless Chromium (Debian's package, installed by scripts/test): screenshots, the DOM
//! after the page's script ran, and axe-core's accessibility rules run inside the page.
//!
//! axe-core comes from PyPI's `axe-playwright-python` (its bundled `axe.min.js`, installed
//! without Playwright by scripts/test into target/tools-venv): the page is copied beside a
//! small runner that writes axe's violations into the DOM, which `--dump-dom` prints.

use super::{root, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|c| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join(c))
                .find(|p| p.is_file())
        });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing in CI (scripts/test installs it)"
        );
        eprintln!(
            "chromium not found: pages were not checked in a browser (scripts/test installs it)"
        );
    }
    found
}

fn run(chromium: &Path, width: u32, extra: &[&str], url: &str) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--hide-scrollbars",
            // Scripts from file:// pages may load their file:// neighbours (axe).
            "--allow-file-access-from-files",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},2400"))
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

/// A screenshot of `url` at `width` px into `shot`.
pub fn screenshot(chromium: &Path, url: &str, width: u32, shot: &Path) {
    run(
        chromium,
        width,
        &[&format!("--screenshot={}", shot.display())],
        url,
    );
    assert!(
        std::fs::metadata(shot).unwrap().len() > 10_000,
        "a real screenshot"
    );
}

/// The DOM of `url` at `width` px once its scripts ran.
pub fn dom(chromium: &Path, url: &str, width: u32) -> String {
    let out = run(
        chromium,
        width,
        &["--dump-dom", "--virtual-time-budget=5000"],
        url,
    );
    text(&out.stdout)
}

fn axe_script() -> Option<PathBuf> {
    let lib = root().join("target/tools-venv/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|entries| {
        entries
            .filter_map(|e| e.ok())
            .map(|e| {
                e.path()
                    .join("site-packages/axe_playwright_python/axe.min.js")
            })
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "axe-core is missing in CI (scripts/test installs it)"
        );
        eprintln!("axe-core not found: run scripts/test to install it");
    }
    found
}

const RUNNER: &str = r#"axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
  var out = document.createElement("pre");
  out.id = "axe-result";
  out.textContent = JSON.stringify({
    width: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    violations: r.violations.map(function (v) {
      return {id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(" "); })};
    })
  });
  document.body.appendChild(out);
});
"#;

/// axe-core's rules on `html` at `width` px: `{width, scrollWidth, violations[]}`; `None`
/// when axe or Chromium is missing outside CI. The page's own Content-Security-Policy is
/// dropped in the copy so that axe may run.
pub fn axe(html: &str, width: u32) -> Option<Value> {
    let chromium = chromium()?;
    let axe = axe_script()?;
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&axe, dir.path().join("axe.min.js")).unwrap();
    std::fs::write(dir.path().join("run-axe.js"), RUNNER).unwrap();
    let page = regex::Regex::new(r#"<meta http-equiv="Content-Security-Policy"[^>]*>"#)
        .unwrap()
        .replace(html, "")
        .replace(
            "</body>",
            "<script src=\"axe.min.js\"></script><script src=\"run-axe.js\"></script></body>",
        );
    let file = dir.path().join("page.html");
    std::fs::write(&file, page).unwrap();
    let out = run(
        &chromium,
        width,
        &["--dump-dom", "--virtual-time-budget=60000"],
        &format!("file://{}", file.display()),
    );
    let dom = text(&out.stdout);
    let start = dom.find("<pre id=\"axe-result\">")? + "<pre id=\"axe-result\">".len();
    let end = start + dom[start..].find("</pre>")?;
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    Some(serde_json::from_str(&json).unwrap())
}

/// Fails on axe violations whose impact is serious or critical, and on a page wider than the
/// window (sideways scrolling of the whole page).
pub fn assert_accessible(html: &str, what: &str) {
    for width in [1400, 375] {
        let Some(result) = axe(html, width) else {
            return;
        };
        let serious: Vec<&Value> = result["violations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(
            serious.is_empty(),
            "{what} at {width} px: axe-core found serious violations: {}",
            serde_json::to_string_pretty(&serious).unwrap()
        );
        assert!(
            result["scrollWidth"].as_u64() <= result["width"].as_u64(),
            "{what} at {width} px is wider than the window: {result}"
        );
    }
}
