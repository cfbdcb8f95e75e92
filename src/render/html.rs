//! The report as one self-contained HTML page: `slo report --format html` and the dashboard of
//! `slo serve` (`GET /`). Server-rendered, inline CSS and SVG, no script, no external fonts or
//! CDNs (the Fargate task has no internet egress); it reads on a phone.

use super::svg::{Marker, Shade, burn_down_chart, escape};
use super::{burn, deployment_line, incident_line, notification_line, percent, time};
use crate::core::alarms::AlarmStatus;
use crate::core::burndown::burn_down;
use crate::core::collected::Collected;
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
    /// `<meta http-equiv="refresh">` every this many seconds (the dashboard).
    pub refresh_seconds: Option<u64>,
    /// Shown at the top: degraded AWS access, a spec reload that failed, warnings.
    pub notices: &'a [String],
    /// Per service, its infra alarms' states (the dashboard knows them; a report does not).
    pub infra: Option<&'a [(String, Vec<AlarmStatus>)]>,
    /// Where the page's numbers came from, for its footer.
    pub source: &'a str,
    /// Each objective's alert tiers (the overview shows each burn rate against its tier).
    pub tiers: &'a dyn Fn(&ObjectiveReport) -> Vec<crate::core::tiers::Tier>,
}

const STYLE: &str = r#"
:root{color-scheme:light dark;--fg:#1d232b;--bg:#fff;--muted:#5d6875;--card:#f5f7fa;--line:#d5dbe3;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--none:#6e7781;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--card:#161b22;--line:#30363d;--accent:#4493f8}}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1240px;margin:0 auto;padding:12px 16px}h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.1rem;margin:0}h3{font-size:.95rem;margin:.8rem 0 .3rem}
.meta,footer{color:var(--muted);font-size:.85rem}.notice{background:var(--card);border-left:4px solid var(--warn);padding:8px 12px;margin:6px 0;white-space:pre-wrap}
section.objective{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:14px 0}
.head{display:flex;flex-wrap:wrap;gap:8px;align-items:baseline;justify-content:space-between}
.status{font-weight:600;padding:1px 8px;border-radius:10px;color:#fff;font-size:.8rem;text-transform:uppercase}
.status.ok{background:var(--ok)}.status.warning{background:var(--warn)}.status.breached{background:var(--bad)}.status.no_data{background:var(--none)}
dl.numbers{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:6px 14px;margin:8px 0}dl.numbers dt{color:var(--muted);font-size:.8rem}dl.numbers dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
svg.chart{width:100%;height:auto;display:block;margin:6px 0}svg .grid{stroke:var(--line);stroke-width:1}svg .zero{stroke:var(--bad);stroke-width:1;stroke-dasharray:4 3}
svg .tick{fill:var(--muted);font-size:11px}svg .ideal{fill:none;stroke:var(--muted);stroke-width:1.5;stroke-dasharray:6 4}svg .actual{fill:none;stroke:var(--accent);stroke-width:2.2}
svg .incident{fill:var(--bad);opacity:.15}svg .deploy line{stroke:var(--ok);stroke-width:1.5}svg .deploy path{fill:var(--ok)}svg .rollback line{stroke:var(--bad)}svg .rollback path{fill:var(--bad)}
.legend{font-size:.85rem;color:var(--muted)}.legend span{margin-right:12px}.legend i{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
ul{padding-left:1.2rem;margin:.2rem 0}li{margin:.15rem 0}li.rollback{color:var(--bad)}table{border-collapse:collapse;font-size:.9rem}td,th{padding:2px 10px 2px 0;text-align:left}
.alarm-ALARM{color:var(--bad);font-weight:600}.alarm-OK{color:var(--ok)}.alarm-INSUFFICIENT_DATA{color:var(--none)}
#overview{margin:10px 0 18px}.scroll{overflow-x:auto}table.overview{width:100%;font-variant-numeric:tabular-nums}table.overview th,table.overview td{padding:4px 8px 4px 0;vertical-align:top;border-bottom:1px solid var(--line);white-space:nowrap}
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
pub fn page(title: &str, report: &Report, data: &Collected, extras: &Extras<'_>) -> String {
    let mut s = String::with_capacity(64 * 1024);
    s.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    if let Some(r) = extras.refresh_seconds {
        let _ = write!(s, "<meta http-equiv=\"refresh\" content=\"{r}\">");
    }
    let _ = write!(
        s,
        "<title>{}</title><style>{STYLE}</style></head><body>",
        escape(title)
    );
    let _ = write!(
        s,
        "<header><h1>{}</h1><div class=\"meta\">At {} · {} objective(s) · {}</div>",
        escape(title),
        time(report.at),
        report.objectives.len(),
        escape(&summary(report))
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
    super::overview::overview(&mut s, report, extras.tiers);
    for o in &report.objectives {
        objective(&mut s, report, o, data);
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
        "</main><footer>slo {} · source: {} · solid line: error budget left; dashed: spent evenly over the window; red bands: incidents, over what users saw; markers: deployments (red: rolled back)</footer></body></html>",
        env!("CARGO_PKG_VERSION"),
        escape(extras.source)
    );
    s.push('\n');
    s
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

fn objective(s: &mut String, report: &Report, o: &ObjectiveReport, data: &Collected) {
    let a = &o.assessment;
    let id = format!("{}-{}", o.key.service, o.key.objective);
    let _ = write!(
        s,
        "<section class=\"objective\" id=\"{}\"><div class=\"head\"><h2>{} / {}</h2><span class=\"status {}\">{}</span></div>",
        escape(&id),
        escape(&o.key.service),
        escape(&o.key.objective),
        status_name(o),
        status_name(o).replace('_', " ")
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
    if let Some(d) = data.get(&o.key) {
        let points = burn_down(
            &d.series,
            o.target,
            a.range,
            o.window.nominal(),
            CHART_POINTS,
        );
        let shades: Vec<Shade> = a
            .incidents
            .iter()
            .map(|i| Shade {
                start: i.impact.start,
                end: i.impact.end,
                label: incident_line(o, i),
            })
            .collect();
        let markers: Vec<Marker> = deployments
            .iter()
            .filter(|d| a.range.contains(d.deployment.start()))
            .map(|d| Marker {
                at: d.deployment.start(),
                label: deployment_line(report, d),
                alert: is_rollback(&d.deployment),
            })
            .collect();
        s.push_str(&burn_down_chart(
            &format!("{}: error budget over the window", o.key),
            &points,
            a.range,
            &shades,
            &markers,
        ));
        s.push_str("<div class=\"legend\"><span><i style=\"background:var(--accent)\"></i>budget left</span><span><i style=\"background:var(--muted)\"></i>spent evenly</span><span><i style=\"background:var(--bad);opacity:.4\"></i>incident</span><span><i style=\"background:var(--ok)\"></i>deployment</span><span><i style=\"background:var(--bad)\"></i>rolled back</span></div>");
    } else {
        s.push_str("<p class=\"meta\">No events were read for this objective: no budget line.</p>");
    }
    if !a.incidents.is_empty() {
        s.push_str("<h3>Incidents</h3><ul>");
        for i in a.incidents.iter().rev().take(super::INCIDENTS_SHOWN) {
            let _ = write!(s, "<li>{}", escape(&incident_line(o, i)));
            if let Some(e) = &i.evidence {
                s.push_str("<ul>");
                for line in super::evidence_lines(i, 3) {
                    let _ = write!(s, "<li><code>{}</code></li>", escape(line.trim()));
                }
                let _ = write!(s, "</ul><!-- {} -->", escape(&e.log_group));
            }
            s.push_str("</li>");
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
