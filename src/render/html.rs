//! The report as one self-contained HTML page: `slo report --format html` and the dashboard of
//! `slo serve` (`GET /`). Server-rendered, inline CSS and SVG, no external fonts or CDNs (the
//! Fargate task has no internet egress); it reads on a phone. One small script sorts the
//! overview table and reloads the dashboard: inline in the report, allowed by its hash; a route
//! of `slo serve`'s.

use super::svg::{
    Chart, Line, Marker, MarkerKind, Rule, Shade, Unit, burn_down_chart, chart, escape,
};
use super::{burn, deployment_line, incident_line, notification_line, percent, time};
use crate::core::alarms::AlarmStatus;
use crate::core::burndown::burn_down;
use crate::core::collected::Lookup;
use crate::report::{ObjectiveReport, Report};
use std::fmt::Write;

/// Points on each burn-down line: about one an hour over 30 days.
pub const CHART_POINTS: usize = 720;

/// Clean deployments listed under an objective (those with incidents or rollbacks always are).
const CLEAN_DEPLOYMENTS_SHOWN: usize = 5;

/// No tiers known: burn rates are shown alone.
pub fn no_tiers(_: &ObjectiveReport) -> Vec<crate::core::tiers::Tier> {
    Vec::new()
}

/// What a page shows beyond the report.
pub struct Extras<'a> {
    /// Reloaded every this many seconds by the page's script, which people can switch off
    /// (the dashboard).
    pub refresh_seconds: Option<u64>,
    /// Shown at the top: degraded AWS access, a spec reload that failed, warnings.
    pub notices: &'a [String],
    /// Per service, its infra alarms' states (the dashboard knows them; a report does not).
    pub infra: Option<&'a [(String, Vec<AlarmStatus>)]>,
    /// Where the page's numbers came from, for its footer.
    pub source: &'a str,
    /// Each objective's alert tiers (the overview shows each burn rate against its tier).
    pub tiers: &'a dyn Fn(&ObjectiveReport) -> Vec<crate::core::tiers::Tier>,
    /// Whether a page or ticket fires now, from CloudWatch's composites (`slo serve`); `None`:
    /// from the report's replay of them.
    pub alert_state: Option<&'a dyn Fn(&ObjectiveReport) -> String>,
    /// Where the sorting script is served (`slo serve`); `None`: inline, allowed by its hash.
    pub script_src: Option<&'a str>,
}

/// Sorts the overview table; reloads the live dashboard behind a switch (a `<meta refresh>`
/// cannot be paused: WCAG 2.2.1).
pub const PAGE_SCRIPT: &str = include_str!("page.js");

/// `'sha256-…'` of [`PAGE_SCRIPT`], for the report's Content-Security-Policy (a test checks it).
pub const PAGE_SCRIPT_HASH: &str = "sha256-e+YuHdRPRDjR6A+fftf5ITW1ycpV1r7apK55mOALvIY=";

/// Minutes around an incident's impact in its zoom.
const ZOOM_MARGIN: chrono::TimeDelta = chrono::TimeDelta::hours(1);

const STYLE: &str = r#"
:root{color-scheme:light dark;--fg:#1d232b;--bg:#fff;--muted:#5d6875;--card:#f5f7fa;--line:#d5dbe3;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--none:#6e7781;--accent:#0969da;--t1:#8250df;--t2:#bf3989}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--card:#161b22;--line:#30363d;--accent:#4493f8;--t1:#ab7df8;--t2:#f778ba}}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1240px;margin:0 auto;padding:12px 16px}h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.1rem;margin:0}h3{font-size:.95rem;margin:.8rem 0 .3rem}
.meta,footer{color:var(--muted);font-size:.85rem}label.refresh{margin-left:10px;white-space:nowrap}.notice{background:var(--card);border-left:4px solid var(--warn);padding:8px 12px;margin:6px 0;white-space:pre-wrap}
section.objective{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:14px 0}
.head{display:flex;flex-wrap:wrap;gap:8px;align-items:baseline;justify-content:space-between}
.status{font-weight:600;padding:1px 8px;border-radius:10px;color:#fff;font-size:.8rem;text-transform:uppercase}
.status.ok{background:var(--ok)}.status.warning{background:var(--warn)}.status.breached{background:var(--bad)}.status.no_data{background:var(--none)}
dl.numbers{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:6px 14px;margin:8px 0}dl.numbers dt{color:var(--muted);font-size:.8rem}dl.numbers dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
svg.chart{width:100%;height:auto;display:block;margin:6px 0}svg .grid{stroke:var(--line);stroke-width:1}svg .zero{stroke:var(--bad);stroke-width:1;stroke-dasharray:4 3}
svg .tick{fill:var(--muted);font-size:13px}svg .ideal{fill:none;stroke:var(--muted);stroke-width:1.5;stroke-dasharray:6 4}svg .actual{fill:none;stroke:var(--accent);stroke-width:2.2}
svg .incident{fill:var(--bad);opacity:.15}svg .deploy line{stroke:var(--ok);stroke-width:1.5}svg .deploy path{fill:var(--ok)}svg .rollback line{stroke:var(--bad)}svg .rollback path{fill:var(--bad)}
.legend{font-size:.85rem;color:var(--muted)}.legend span{margin-right:12px;display:inline-block}.legend i{display:inline-block;width:16px;height:0;border-top:3px solid currentColor;vertical-align:middle;margin-right:4px}
.legend i.dash{border-top-style:dashed}.legend i.band{height:10px;border:0;background:currentColor;opacity:.35}.legend i.tri{width:0;border-top:0;border-left:6px solid transparent;border-right:6px solid transparent;border-bottom:9px solid currentColor}
.legend i.tier0,svg .tier0{color:var(--accent);stroke:var(--accent)}.legend i.tier1,svg .tier1{color:var(--t1);stroke:var(--t1)}.legend i.tier2,svg .tier2{color:var(--t2);stroke:var(--t2)}.legend i.tier3,svg .tier3{color:var(--warn);stroke:var(--warn)}
.legend i.tier1{border-top-style:dashed}.legend i.tier2{border-top-style:dotted}.legend i.tier3{border-top-style:double}
svg polyline.tier0,svg polyline.tier1,svg polyline.tier2,svg polyline.tier3{fill:none;stroke-width:1.8}svg polyline.tier1{stroke-dasharray:7 3}svg polyline.tier2{stroke-dasharray:2 3}svg polyline.tier3{stroke-dasharray:10 3 2 3}
svg line.threshold{stroke-width:1;stroke-dasharray:3 3;opacity:.8}svg .share{fill:none;stroke:var(--accent);stroke-width:1.6}svg .allowed{stroke:var(--bad);stroke-width:1.2;stroke-dasharray:6 3}
svg .notified path{fill:var(--bad)}svg .notified line{stroke:var(--bad);stroke-dasharray:2 2}svg .resolved path{fill:var(--ok)}svg .resolved line{stroke:var(--ok);stroke-dasharray:2 2}
details{margin:.3rem 0}details .chart-box{max-width:760px}summary{cursor:pointer}summary:focus-visible,a:focus-visible,th button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
th button{font:inherit;font-weight:600;color:inherit;background:none;border:0;padding:0;cursor:pointer;text-align:left}th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
ul{padding-left:1.2rem;margin:.2rem 0}li{margin:.15rem 0}li.rollback{color:var(--bad)}table{border-collapse:collapse;font-size:.9rem}td,th{padding:2px 10px 2px 0;text-align:left}
.alarm-ALARM{color:var(--bad);font-weight:600}.alarm-OK{color:var(--ok)}.alarm-INSUFFICIENT_DATA{color:var(--none)}
#overview{margin:10px 0 18px}.scroll{overflow-x:auto}table.overview{width:100%;font-variant-numeric:tabular-nums}table.overview th,table.overview td{padding:4px 8px 4px 0;vertical-align:top;border-bottom:1px solid var(--line)}table.overview td[data-v]{white-space:nowrap}
@media (max-width:700px){table.overview thead{display:none}table.overview,table.overview tbody,table.overview tr,table.overview th,table.overview td{display:block;width:100%}table.overview tr{border-bottom:2px solid var(--line);padding:6px 0}table.overview td,table.overview th{border:0;padding:1px 0}table.overview td[data-label]::before{content:attr(data-label) ": ";color:var(--muted)}}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:4px 18px}.chart-box{overflow-x:auto}.chart-box svg.chart{min-width:540px}
table.overview a{color:var(--accent)}table.overview td.over{color:var(--bad);font-weight:600}
.bar{display:inline-block;width:60px;height:8px;background:var(--line);border-radius:4px;vertical-align:middle;overflow:hidden}.bar i{display:block;height:100%;background:var(--ok)}.bar.warn i{background:var(--warn)}.bar.bad i{background:var(--bad)}
"#;

fn sli_text(o: &ObjectiveReport) -> String {
    super::sli_percent(o).unwrap_or_else(|| "no data".to_owned())
}

fn status_name(o: &ObjectiveReport) -> &'static str {
    o.assessment.status.name()
}

/// The page. `data`: each objective's events, for its burn-down line.
pub fn page(title: &str, report: &Report, data: &dyn Lookup, extras: &Extras<'_>) -> String {
    let mut s = String::with_capacity(64 * 1024);
    s.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    if extras.script_src.is_none() {
        // The file is opened from disk, where no server sends a policy: the page carries its
        // own, and it allows exactly the one script below.
        let _ = write!(
            s,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '{PAGE_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'\">"
        );
    }
    let _ = write!(
        s,
        "<title>{}</title><style>{STYLE}</style></head>",
        escape(title)
    );
    match extras.refresh_seconds {
        Some(r) => {
            let _ = write!(s, "<body data-refresh=\"{r}\">");
        }
        None => s.push_str("<body>"),
    }
    let _ = write!(
        s,
        "<header><h1>{}</h1><div class=\"meta\">At {} · {} objective(s) · {} · {}</div>",
        escape(title),
        time(report.at),
        report.objectives.len(),
        escape(&summary(report)),
        escape(&coverage(report))
    );
    for n in extras.notices {
        let _ = write!(
            s,
            "<div class=\"notice\" role=\"status\">{}</div>",
            escape(n)
        );
    }
    for w in &report.warnings {
        let _ = write!(
            s,
            "<div class=\"notice\" role=\"status\">warning ({}): {}</div>",
            escape(w.kind),
            escape(&w.message)
        );
    }
    s.push_str("</header><main>");
    super::overview::overview(&mut s, report, extras.tiers, extras.alert_state);
    for o in super::overview::worst_first(report) {
        objective(&mut s, report, o, data, &(extras.tiers)(o));
    }
    if let Some(infra) = extras.infra {
        s.push_str("<section class=\"objective\" id=\"infra\"><h2>Infrastructure alarms</h2>");
        for (service, alarms) in infra {
            let _ = write!(s, "<h3>{}</h3>", escape(service));
            if alarms.is_empty() {
                s.push_str("<p class=\"meta\">none found (run <code>slo apply</code>)</p>");
                continue;
            }
            s.push_str("<table><tr><th>alarm</th><th>state</th><th>since</th></tr>");
            for a in alarms {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td class=\"alarm-{}\">{}</td><td>{}</td></tr>",
                    escape(&a.name),
                    escape(&a.state),
                    escape(&a.state),
                    time(a.since)
                );
            }
            s.push_str("</table>");
        }
        s.push_str("</section>");
    }
    let _ = write!(
        s,
        "</main><footer>slo {} · source: {} · solid line: error budget left; dashed: spent evenly over the window; red bands: incidents, over what users saw; triangles: deployments (barred, red: rolled back); diamonds: notifications sent; squares: resolved</footer>",
        env!("CARGO_PKG_VERSION"),
        escape(extras.source)
    );
    match extras.script_src {
        Some(src) => {
            let _ = write!(s, "<script src=\"{}\"></script>", escape(src));
        }
        None => {
            let _ = write!(s, "<script>{PAGE_SCRIPT}</script>");
        }
    }
    s.push_str("</body></html>");
    s.push('\n');
    s
}

/// What the page's numbers were read from, first to last.
fn coverage(report: &Report) -> String {
    match report.input_span {
        Some(r) => format!(
            "data read from {} to {}",
            r.start.format("%Y-%m-%d %H:%M"),
            time(r.end)
        ),
        None => "no request read".to_owned(),
    }
}

fn summary(report: &Report) -> String {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for o in &report.objectives {
        *counts.entry(status_name(o)).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn objective(
    s: &mut String,
    report: &Report,
    o: &ObjectiveReport,
    data: &dyn Lookup,
    tiers: &[crate::core::tiers::Tier],
) {
    let a = &o.assessment;
    let id = format!("{}-{}", o.key.service, o.key.objective);
    let _ = write!(
        s,
        "<section class=\"objective\" id=\"{}\"><div class=\"head\"><h2>{} / {}</h2><span class=\"status {}\">{}</span></div>",
        escape(&id),
        escape(&o.key.service),
        escape(&o.key.objective),
        status_name(o),
        super::overview::status_words(o)
    );
    let _ = write!(
        s,
        "<p class=\"meta\">{} window: {} to {}</p>",
        escape(&o.window.to_string()),
        a.range.start.format("%Y-%m-%d %H:%M"),
        time(a.range.end)
    );
    let budget = a
        .budget
        .map_or("no data".to_owned(), |b| percent(b.remaining()));
    let _ = write!(
        s,
        "<dl class=\"numbers\"><div><dt>SLI</dt><dd>{}</dd></div><div><dt>target</dt><dd>{}</dd></div><div><dt>error budget left</dt><dd>{}</dd></div><div><dt>good / total</dt><dd>{} / {}</dd></div>",
        escape(&sli_text(o)),
        escape(&crate::core::ratio::format_percent(o.target.get() * 100.0)),
        escape(&budget),
        a.counts.good,
        a.counts.total
    );
    for b in &a.burn_rates {
        let _ = write!(
            s,
            "<div><dt>burn {}</dt><dd>{}</dd></div>",
            crate::core::window::format_duration(b.window),
            burn(b.rate.map(|r| r.get()))
        );
    }
    if let Some(p) = o.p99 {
        let _ = write!(
            s,
            "<div><dt>P99</dt><dd>{:.3} s</dd></div>",
            p.as_secs_f64()
        );
    }
    s.push_str("</dl>");
    let deployments: Vec<_> = report
        .deployments
        .iter()
        .filter(|d| d.deployment.service == o.key.service)
        .collect();
    let markers = |range: crate::core::window::TimeRange| -> Vec<Marker> {
        deployments
            .iter()
            .filter(|d| range.contains(d.deployment.start()))
            .map(|d| Marker {
                at: d.deployment.start(),
                label: deployment_line(report, d),
                kind: if is_rollback(&d.deployment) {
                    MarkerKind::Rollback
                } else {
                    MarkerKind::Deployment
                },
            })
            .collect()
    };
    let shades: Vec<Shade> = a
        .incidents
        .iter()
        .map(|i| Shade {
            start: i.impact.start,
            end: i.impact.end,
            label: incident_line(o, i),
        })
        .collect();
    let found = data.lookup(&o.key);
    let series = found.as_deref().map(|d| &d.series);
    match series {
        Some(series) => {
            let points = burn_down(series, o.target, a.range, o.window.nominal(), CHART_POINTS);
            s.push_str("<div class=\"charts\"><div><h3>Error budget</h3>");
            boxed(
                s,
                &burn_down_chart(
                    &format!("{}: error budget left over the window", o.key),
                    &points,
                    a.range,
                    &shades,
                    &markers(a.range),
                ),
            );
            legend(
                s,
                &[
                    ("line", "--accent", "budget left"),
                    ("dash", "--muted", "spent evenly"),
                    ("band", "--bad", "incident"),
                    ("tri", "--ok", "deployment"),
                    ("tri", "--bad", "rolled back"),
                ],
            );
            s.push_str("</div>");
            let sums = series.prefix_sums();
            sli_chart(s, o, &sums, a.range, &shades, &markers(a.range));
            burn_chart(s, o, &sums, tiers, &shades);
            s.push_str("</div>");
        }
        None => {
            s.push_str("<p class=\"meta\">No events were read for this objective: no charts.</p>")
        }
    }
    if !a.incidents.is_empty() {
        s.push_str("<h3>Incidents</h3><ul class=\"incidents\">");
        for (n, i) in a
            .incidents
            .iter()
            .rev()
            .take(super::INCIDENTS_SHOWN)
            .enumerate()
        {
            s.push_str("<li>");
            incident_zoom(s, o, i, series, n == 0, &markers);
            s.push_str("</li>");
        }
        s.push_str("</ul>");
    }
    if !o.excluded.is_empty() {
        s.push_str("<h3>Excluded (maintenance windows and corrections)</h3><ul>");
        for e in &o.excluded {
            let _ = write!(s, "<li>{}</li>", escape(&super::excluded_line(o, e)));
        }
        s.push_str("</ul>");
    }
    let notifications: Vec<_> = o.notifications.iter().collect();
    if !notifications.is_empty() {
        s.push_str("<h3>When the alarms would have notified</h3><ul>");
        for n in notifications {
            let _ = write!(s, "<li>{}</li>", escape(&notification_line(o, n)));
        }
        s.push_str("</ul>");
    }
    if !deployments.is_empty() {
        // Those that mattered (an incident, a rollback), then the newest clean ones.
        let (notable, clean): (Vec<&&crate::report::DeploymentSummary>, Vec<_>) = deployments
            .iter()
            .partition(|d| d.incidents > 0 || is_rollback(&d.deployment));
        let skipped = clean.len().saturating_sub(CLEAN_DEPLOYMENTS_SHOWN);
        let mut shown: Vec<_> = notable
            .into_iter()
            .chain(clean.into_iter().skip(skipped))
            .collect();
        shown.sort_by_key(|d| d.deployment.start());
        s.push_str("<h3>Deployments</h3><ul>");
        if skipped > 0 {
            let _ = write!(s, "<li>{skipped} older clean deployment(s) not listed</li>");
        }
        for d in &shown {
            let class = if is_rollback(&d.deployment) {
                " class=\"rollback\""
            } else {
                ""
            };
            let _ = write!(s, "<li{class}>{}</li>", escape(&deployment_line(report, d)));
        }
        s.push_str("</ul>");
    }
    s.push_str("</section>");
}

fn is_rollback(d: &crate::core::deployments::Deployment) -> bool {
    d.rollback.is_some() || d.status.contains("ROLLBACK")
}

/// A legend: (swatch shape, CSS colour variable, label) — the shape says as much as the colour.
fn legend(s: &mut String, items: &[(&str, &str, &str)]) {
    s.push_str("<div class=\"legend\">");
    for (shape, colour, label) in items {
        let _ = write!(
            s,
            "<span><i class=\"{shape}\" style=\"color:var({colour})\"></i>{}</span>",
            escape(label)
        );
    }
    s.push_str("</div>");
}

/// The share of bad requests over the window, against what the target allows.
fn sli_chart(
    s: &mut String,
    o: &ObjectiveReport,
    sums: &crate::core::events::PrefixSums<'_>,
    range: crate::core::window::TimeRange,
    shades: &[Shade],
    markers: &[Marker],
) {
    let what = bad_requests(o);
    let _ = write!(s, "<div><h3>{}</h3>", escape(&capitalised(what)));
    let title = format!(
        "{}: {what} over the window, against the {} allowed",
        o.key,
        percent(o.target.error_allowance())
    );
    let points = crate::core::timeline::bad_share(sums, range, CHART_POINTS);
    boxed(
        s,
        &share_chart(o, &title, "per step", points, range, shades, markers),
    );
    legend(
        s,
        &[
            ("line", "--accent", what),
            ("dash", "--bad", "allowed by the target"),
        ],
    );
    s.push_str("</div>");
}

/// A chart that keeps a readable size on a phone: scrolled sideways rather than shrunk.
/// Focusable, so that a keyboard scrolls it too.
fn boxed(s: &mut String, svg: &str) {
    s.push_str("<div class=\"chart-box\" tabindex=\"0\">");
    s.push_str(svg);
    s.push_str("</div>");
}

/// The share of bad requests (`points`, one per `step`) against what the target allows.
fn share_chart(
    o: &ObjectiveReport,
    title: &str,
    step: &str,
    points: Vec<crate::core::timeline::Point>,
    range: crate::core::window::TimeRange,
    shades: &[Shade],
    markers: &[Marker],
) -> String {
    let what = bad_requests(o);
    let allowed = o.target.error_allowance();
    chart(&Chart {
        title,
        y_label: what,
        unit: Unit::Percent,
        range,
        floor: 0.0,
        ceiling: allowed * 2.0,
        cap: None,
        lines: &[Line {
            class: "share",
            label: format!("{what}, {step}"),
            points,
        }],
        rules: &[Rule {
            value: allowed,
            class: "allowed",
            label: format!("allowed {}", percent(allowed)),
        }],
        shades,
        markers,
    })
}

fn bad_requests(o: &ObjectiveReport) -> &'static str {
    match o.sli {
        crate::core::model::Sli::Availability => "failed requests",
        crate::core::model::Sli::Latency { .. } => "slow requests",
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Each tier's burn rate over its long window, against the threshold it fires at.
fn burn_chart(
    s: &mut String,
    o: &ObjectiveReport,
    sums: &crate::core::events::PrefixSums<'_>,
    tiers: &[crate::core::tiers::Tier],
    shades: &[Shade],
) {
    if tiers.is_empty() {
        return;
    }
    const CLASSES: [&str; 4] = ["tier0", "tier1", "tier2", "tier3"];
    let range = o.assessment.range;
    let label = |t: &crate::core::tiers::Tier| {
        format!(
            "{} ({}): burn over {}",
            t.name,
            t.severity.name(),
            crate::core::window::format_duration(t.long)
        )
    };
    let lines: Vec<Line> = tiers
        .iter()
        .zip(CLASSES.iter().cycle())
        .map(|(t, class)| Line {
            class,
            label: label(t),
            points: crate::core::timeline::burn_rate(sums, o.target, range, t.long, CHART_POINTS),
        })
        .collect();
    // Tiers with the same threshold share one rule and one label.
    let mut rules: Vec<Rule> = Vec::new();
    let mut windows: Vec<Vec<String>> = Vec::new();
    for (t, class) in tiers.iter().zip(CLASSES.iter().cycle()) {
        let window = crate::core::window::format_duration(t.long);
        match rules.iter().position(|r| r.value == t.burn_rate) {
            Some(i) => windows[i].push(window),
            None => {
                rules.push(Rule {
                    value: t.burn_rate,
                    class: threshold_class(class),
                    label: String::new(),
                });
                windows.push(vec![window]);
            }
        }
    }
    for (r, w) in rules.iter_mut().zip(&windows) {
        r.label = format!(
            "{} {} at {}×",
            w.join(", "),
            if w.len() == 1 { "fires" } else { "fire" },
            (r.value * 100.0).round() / 100.0
        );
    }
    let highest = tiers.iter().map(|t| t.burn_rate).fold(1.0, f64::max);
    s.push_str("<div><h3>Burn rate per tier</h3>");
    boxed(
        s,
        &chart(&Chart {
            title: &format!(
                "{}: burn rate of each alert tier against its threshold",
                o.key
            ),
            y_label: "burn rate",
            unit: Unit::Times,
            range,
            floor: 0.0,
            ceiling: highest * 1.2,
            cap: Some(highest * 2.5),
            lines: &lines,
            rules: &rules,
            shades,
            markers: &[],
        }),
    );
    let items: Vec<(String, &str)> = tiers
        .iter()
        .zip(CLASSES.iter().cycle())
        .map(|(t, class)| (label(t), *class))
        .collect();
    s.push_str("<div class=\"legend\">");
    for (text, class) in items {
        let _ = write!(s, "<span><i class=\"{class}\"></i>{}</span>", escape(&text));
    }
    s.push_str("<span>thin lines: each tier's threshold</span></div></div>");
}

fn threshold_class(class: &str) -> &'static str {
    match class {
        "tier0" => "threshold tier0",
        "tier1" => "threshold tier1",
        "tier2" => "threshold tier2",
        _ => "threshold tier3",
    }
}

/// One incident, opened into its zoom: the impact ± an hour at minute resolution, the
/// deployments, the notifications sent and resolved, and the top log errors.
fn incident_zoom(
    s: &mut String,
    o: &ObjectiveReport,
    i: &crate::core::incidents::Incident,
    series: Option<&crate::core::events::EventSeries>,
    open: bool,
    deployments: &dyn Fn(crate::core::window::TimeRange) -> Vec<Marker>,
) {
    let _ = write!(
        s,
        "<details{}><summary>{}</summary>",
        if open { " open" } else { "" },
        escape(&incident_line(o, i))
    );
    let range = crate::core::window::TimeRange {
        start: i.impact.start - ZOOM_MARGIN,
        end: i.impact.end + ZOOM_MARGIN,
    };
    let sent: Vec<&crate::core::replay::SeverityNotification> = o
        .notifications
        .iter()
        .map(|n| &n.notification)
        .filter(|n| n.start < range.end && n.end.is_none_or(|e| e > range.start))
        .collect();
    if let Some(series) = series {
        let mut markers = deployments(range);
        for n in &sent {
            if range.contains(n.start) {
                markers.push(Marker {
                    at: n.start,
                    label: format!("{} sent {}", n.severity.name(), n.start.format("%H:%M")),
                    kind: MarkerKind::Notified,
                });
            }
            if let Some(e) = n.end.filter(|e| range.contains(*e)) {
                markers.push(Marker {
                    at: e,
                    label: format!("{} resolved {}", n.severity.name(), e.format("%H:%M")),
                    kind: MarkerKind::Resolved,
                });
            }
        }
        let minutes = (range.end - range.start).num_minutes().max(1) as usize;
        let title = format!(
            "{}: {} per minute from {} to {}",
            o.key,
            bad_requests(o),
            range.start.format("%m-%d %H:%M"),
            time(range.end)
        );
        let points = crate::core::timeline::bad_share(&series.prefix_sums(), range, minutes);
        let shade = [Shade {
            start: i.impact.start,
            end: i.impact.end,
            label: incident_line(o, i),
        }];
        boxed(
            s,
            &share_chart(o, &title, "per minute", points, range, &shade, &markers),
        );
    }
    s.push_str("<ul>");
    let _ = write!(
        s,
        "<li>users affected {} to {} ({}): {} of {} requests bad</li>",
        i.impact.start.format("%H:%M"),
        time(i.impact.end),
        super::human_duration(i.impact.duration()),
        i.impact.bad_events,
        i.impact.requests
    );
    for n in &sent {
        let _ = write!(
            s,
            "<li>{} sent {}{}</li>",
            n.severity.name(),
            time(n.start),
            n.end
                .map(|e| format!(", resolved {}", time(e)))
                .unwrap_or_else(|| ", not resolved".to_owned())
        );
    }
    if let Some(e) = &i.evidence {
        let _ = write!(s, "<li>top log errors in {}:<ul>", escape(&e.log_group));
        for line in super::evidence_lines(i, 3) {
            let _ = write!(s, "<li><code>{}</code></li>", escape(line.trim()));
        }
        s.push_str("</ul></li>");
    }
    s.push_str("</ul></details>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reports_policy_names_the_pages_script_by_its_hash() {
        use base64::Engine;
        use sha2::Digest;
        let digest = sha2::Sha256::digest(PAGE_SCRIPT.as_bytes());
        let hash = base64::engine::general_purpose::STANDARD.encode(digest);
        assert_eq!(
            PAGE_SCRIPT_HASH,
            format!("sha256-{hash}"),
            "src/render/page.js changed: put its new hash in PAGE_SCRIPT_HASH"
        );
    }
}
