//! The SLO review (`slo report --period …`) as a table, Markdown, CSV (one row per objective
//! and period, for spreadsheets), JSON, and a self-contained HTML page with small multiples.

use super::escape::html as escape;
use super::{percent, short_arn};
use crate::report::review::{Review, ReviewRow};
use serde::Serialize;
use std::fmt::Write;

fn attainment(r: &ReviewRow) -> String {
    r.attainment.map_or("no data".to_owned(), |a| {
        crate::core::ratio::format_percent((a * 100_000.0).floor() / 1000.0)
    })
}

fn met(r: &ReviewRow) -> Option<bool> {
    r.attainment.map(|a| a >= r.target.get())
}

fn change(r: &ReviewRow) -> String {
    r.change
        .map_or(String::new(), |c| format!("{:+.3} pp", c * 100.0))
}

fn deployments(r: &ReviewRow) -> String {
    r.deployments
        .iter()
        .map(|d| short_arn(d))
        .collect::<Vec<_>>()
        .join(" ")
}

fn title(review: &Review) -> String {
    let periods = review
        .rows
        .iter()
        .map(|r| &r.label)
        .collect::<std::collections::BTreeSet<_>>();
    format!(
        "SLO review by {}: {} period(s) to {}",
        review.period.name(),
        periods.len(),
        super::time(review.at)
    )
}

fn cells(r: &ReviewRow) -> [String; 9] {
    [
        r.key.to_string(),
        format!(
            "{}{}{}",
            r.label,
            if r.complete { "" } else { " (so far)" },
            if r.coverage < COVERED {
                format!(" (data for {:.0}%)", r.coverage * 100.0)
            } else {
                String::new()
            }
        ),
        attainment(r),
        crate::core::ratio::format_percent(r.target.get() * 100.0),
        match met(r) {
            Some(true) => "met".to_owned(),
            Some(false) => "MISSED".to_owned(),
            None => "no data".to_owned(),
        },
        r.budget_spent.map_or("—".to_owned(), percent),
        format!("{}{}", r.incidents, {
            let d = deployments(r);
            if d.is_empty() {
                String::new()
            } else {
                format!(" ({d})")
            }
        }),
        r.excluded_requests.to_string(),
        change(r),
    ]
}

/// Data for less of a period than this is said beside it (a few quiet minutes at its ends are
/// not).
const COVERED: f64 = 0.98;

const HEADER: [&str; 9] = [
    "objective",
    "period",
    "attainment",
    "target",
    "",
    "budget spent",
    "incidents (deployments)",
    "excluded requests",
    "change",
];

pub fn table(review: &Review) -> String {
    let rows: Vec<[String; 9]> = review.rows.iter().map(cells).collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = format!("{}\n\n", title(review));
    let line = |cells: &[String]| {
        let mut l = String::new();
        for (c, w) in cells.iter().zip(widths) {
            let _ = write!(l, "{c}{}  ", " ".repeat(w - c.chars().count()));
        }
        l.trim_end().to_owned() + "\n"
    };
    out.push_str(&line(&HEADER.map(str::to_owned)));
    for r in &rows {
        out.push_str(&line(r));
    }
    out.push_str("\nattainment: good / all requests in the period; budget spent: bad requests over (1 − target) × all; excluded requests count for nothing; change: attainment against the period before, in percentage points; \"data for N%\": requests were read for only that share of the period.\n");
    out
}

pub fn markdown(review: &Review) -> String {
    let mut out = format!("## {}\n\n", title(review));
    out.push_str(&format!("| {} |\n", HEADER.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(HEADER.len())));
    for r in &review.rows {
        let c = cells(r).map(|c| super::escape::markdown(&c));
        out.push_str(&format!("| {} |\n", c.join(" | ")));
    }
    out
}

/// A CSV field, quoted when it must be (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// One row per objective and period; fractions as fractions (0.999), times in RFC 3339 UTC,
/// empty where there is no data.
pub fn csv(review: &Review) -> String {
    let mut out = String::from(
        "service,objective,period,start,end,complete,target,good,total,attainment,met,budget_spent,incidents,deployments,excluded_requests,change,coverage\n",
    );
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    for r in &review.rows {
        let line = [
            field(&r.key.service),
            field(&r.key.objective),
            field(&r.label),
            super::rfc3339(r.range.start),
            super::rfc3339(r.range.end),
            r.complete.to_string(),
            r.target.get().to_string(),
            r.counts.good.to_string(),
            r.counts.total.to_string(),
            opt(r.attainment),
            met(r).map_or(String::new(), |m| m.to_string()),
            opt(r.budget_spent),
            r.incidents.to_string(),
            field(&deployments(r)),
            r.excluded_requests.to_string(),
            opt(r.change),
            r.coverage.to_string(),
        ];
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct ReviewJson<'a> {
    period: &'static str,
    at: String,
    rows: Vec<RowJson<'a>>,
}

#[derive(Serialize)]
struct RowJson<'a> {
    service: &'a str,
    objective: &'a str,
    period: &'a str,
    start: String,
    end: String,
    complete: bool,
    target: f64,
    good: u64,
    total: u64,
    attainment: Option<f64>,
    met: Option<bool>,
    budget_spent: Option<f64>,
    incidents: usize,
    deployments: &'a [String],
    excluded_requests: u64,
    change: Option<f64>,
    coverage: f64,
}

pub fn json(review: &Review) -> String {
    let doc = ReviewJson {
        period: review.period.name(),
        at: super::rfc3339(review.at),
        rows: review
            .rows
            .iter()
            .map(|r| RowJson {
                service: &r.key.service,
                objective: &r.key.objective,
                period: &r.label,
                start: super::rfc3339(r.range.start),
                end: super::rfc3339(r.range.end),
                complete: r.complete,
                target: r.target.get(),
                good: r.counts.good,
                total: r.counts.total,
                attainment: r.attainment,
                met: met(r),
                budget_spent: r.budget_spent,
                incidents: r.incidents,
                deployments: &r.deployments,
                excluded_requests: r.excluded_requests,
                change: r.change,
                coverage: r.coverage,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// The review as one page: the table, and per objective its budget spent period by period
/// (bars against the 100 % line: above it, the period missed its target).
pub fn html(review: &Review) -> String {
    let mut s = String::new();
    let t = escape(&title(review));
    let _ = write!(
        s,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\"><title>{t}</title><style>body{{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:12px 16px;color:#1d232b}}table{{border-collapse:collapse;font-variant-numeric:tabular-nums}}td,th{{padding:3px 10px 3px 0;text-align:left;border-bottom:1px solid #d5dbe3}}.missed{{color:#cf222e;font-weight:600}}.multiples{{display:flex;flex-wrap:wrap;gap:16px}}figure{{margin:0}}figcaption{{font-size:.9rem;font-weight:600}}svg .bar{{fill:#0969da}}svg .bar.missed{{fill:#cf222e}}svg .limit{{stroke:#cf222e;stroke-dasharray:4 3}}svg text{{font-size:11px;fill:#5d6875}}</style></head><body><h1>{t}</h1>"
    );
    s.push_str("<h2>Budget spent per period</h2><div class=\"multiples\">");
    let mut keys: Vec<&crate::core::model::ObjectiveKey> = Vec::new();
    for r in &review.rows {
        if !keys.contains(&&r.key) {
            keys.push(&r.key);
        }
    }
    for key in keys {
        let rows: Vec<&ReviewRow> = review.rows.iter().filter(|r| &r.key == key).collect();
        let (w, h, top) = (40.0 * rows.len() as f64 + 20.0, 110.0, 10.0);
        let scale = |v: f64| (v.clamp(0.0, 2.0) / 2.0) * (h - 30.0 - top);
        let base = h - 30.0;
        let _ = write!(
            s,
            "<figure><figcaption>{}</figcaption><svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}: budget spent per {}\"><line class=\"limit\" x1=\"0\" x2=\"{w}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
            escape(&key.to_string()),
            escape(&key.to_string()),
            review.period.name(),
            base - scale(1.0),
            base - scale(1.0)
        );
        for (i, r) in rows.iter().enumerate() {
            let x = 10.0 + 40.0 * i as f64;
            let spent = r.budget_spent.unwrap_or(0.0);
            let class = if met(r) == Some(false) {
                "bar missed"
            } else {
                "bar"
            };
            let _ = write!(
                s,
                "<rect class=\"{class}\" x=\"{x}\" y=\"{:.1}\" width=\"28\" height=\"{:.1}\"><title>{} {}: {} spent, attainment {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                base - scale(spent),
                scale(spent).max(0.5),
                escape(&key.to_string()),
                escape(&r.label),
                escape(&r.budget_spent.map_or("no data".to_owned(), percent)),
                escape(&attainment(r)),
                x + 14.0,
                h - 14.0,
                escape(&r.label)
            );
        }
        s.push_str("</svg></figure>");
    }
    s.push_str("</div><h2>Every objective and period</h2><table><thead><tr>");
    for h in HEADER {
        let _ = write!(s, "<th scope=\"col\">{}</th>", escape(h));
    }
    s.push_str("</tr></thead><tbody>");
    for r in &review.rows {
        s.push_str("<tr>");
        for (i, c) in cells(r).iter().enumerate() {
            let class = if i == 4 && met(r) == Some(false) {
                " class=\"missed\""
            } else {
                ""
            };
            let _ = write!(s, "<td{class}>{}</td>", escape(c));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table><p>Bars: bad requests over the period's allowance; the dashed line is 100 % (above it, the target was missed). Excluded requests count for nothing.</p></body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn csv_fields_are_quoted_only_when_they_must_be() {
        assert_eq!(field("d4c8 e5a1"), "d4c8 e5a1");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}
