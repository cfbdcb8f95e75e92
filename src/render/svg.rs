//! The dashboard's charts as inline SVG: no script, no fonts to fetch, readable at any
//! width (it scales with its `viewBox`). Tooltips are SVG `<title>`s, which browsers show on
//! hover without JavaScript; the page lists the same facts under the chart for phones.

use crate::core::burndown::BurnDownPoint;
use crate::core::timeline::Point;
use crate::core::window::TimeRange;
use chrono::{DateTime, Utc};
use std::fmt::Write;

const W: f64 = 720.0;
const H: f64 = 240.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// A span shaded on the chart (an incident).
pub struct Shade {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub label: String,
}

/// What a marker on the time axis stands for; each has its own shape, not only its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// A deployment (triangle).
    Deployment,
    /// A deployment rolled back (triangle with a bar, red).
    Rollback,
    /// A page or ticket sent (diamond).
    Notified,
    /// Its resolved notice (square).
    Resolved,
}

/// A marker on the time axis.
pub struct Marker {
    pub at: DateTime<Utc>,
    pub label: String,
    pub kind: MarkerKind,
}

/// A line of values over time; its CSS class sets colour and dash.
pub struct Line {
    pub class: &'static str,
    pub label: String,
    pub points: Vec<Point>,
}

/// A horizontal rule at a value (zero, the allowed error rate, a tier's threshold), labelled
/// at its right end.
pub struct Rule {
    pub value: f64,
    pub class: &'static str,
    pub label: String,
}

/// How the y axis' numbers read: fractions as percentages, or multiples (burn rates).
#[derive(Clone, Copy)]
pub enum Unit {
    Percent,
    Times,
}

/// One chart: values over `range`, the y axis spanning at least `floor..ceiling` and grown to
/// the data, except that values above `cap` are drawn at the top (the label says so).
pub struct Chart<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    pub unit: Unit,
    pub range: TimeRange,
    pub floor: f64,
    pub ceiling: f64,
    pub cap: Option<f64>,
    pub lines: &'a [Line],
    pub rules: &'a [Rule],
    pub shades: &'a [Shade],
    pub markers: &'a [Marker],
}

pub use super::escape::html as escape;

/// The budget burn-down: the budget left (solid), the even-spending line (dashed), 0 %
/// marked, drawn to the budget's real depth when overspent.
pub fn burn_down_chart(
    title: &str,
    points: &[BurnDownPoint],
    range: TimeRange,
    shades: &[Shade],
    markers: &[Marker],
) -> String {
    let lines = [
        Line {
            class: "ideal",
            label: "spent evenly over the window".to_owned(),
            points: points
                .iter()
                .map(|p| Point {
                    at: p.at,
                    value: Some(p.ideal),
                })
                .collect(),
        },
        Line {
            class: "actual",
            label: "error budget left".to_owned(),
            points: points
                .iter()
                .map(|p| Point {
                    at: p.at,
                    value: p.remaining,
                })
                .collect(),
        },
    ];
    chart(&Chart {
        title,
        y_label: "budget left",
        unit: Unit::Percent,
        range,
        floor: 0.0,
        ceiling: 1.0,
        cap: None,
        lines: &lines,
        rules: &[Rule {
            value: 0.0,
            class: "zero",
            label: String::new(),
        }],
        shades,
        markers,
    })
}

/// A step of 1, 2 or 5 times a power of ten that cuts `span` into at most `parts`.
fn nice_step(span: f64, parts: f64) -> f64 {
    let raw = (span / parts).max(1e-9);
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|st| *st >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

fn tick_label(v: f64, step: f64, unit: Unit) -> String {
    let (v, step, suffix) = match unit {
        Unit::Percent => (v * 100.0, step * 100.0, "%"),
        Unit::Times => (v, step, "×"),
    };
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    format!("{v:.decimals$}{suffix}")
}

/// Time ticks: the first step of 1 minute … 90 days that gives at most eight, with dates for
/// steps of a day or more and clock times below.
fn time_ticks(range: TimeRange) -> (i64, &'static str) {
    const STEPS: [i64; 20] = [
        60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 259200, 432000,
        604800, 1209600, 2592000, 5184000, 7776000, 15552000,
    ];
    let span = (range.end - range.start).num_seconds().max(1);
    let step = STEPS
        .into_iter()
        .find(|st| span / st <= 8)
        .unwrap_or(15552000);
    (step, if step >= 86400 { "%m-%d" } else { "%H:%M" })
}

/// The chart as SVG.
pub fn chart(c: &Chart<'_>) -> String {
    let values = || {
        c.lines
            .iter()
            .flat_map(|l| l.points.iter().filter_map(|p| p.value))
            .chain(c.rules.iter().map(|r| r.value))
            .filter(|v| v.is_finite())
    };
    let lowest = values().fold(c.floor, f64::min);
    let highest = values()
        .fold(c.ceiling, f64::max)
        .min(c.cap.unwrap_or(f64::INFINITY));
    let step = nice_step(highest - lowest, 5.0);
    let y_min = (lowest / step).floor() * step;
    let y_max = ((highest / step).ceil() * step).max(y_min + step);
    let span = (c.range.end - c.range.start).num_seconds().max(1) as f64;
    let x = |t: DateTime<Utc>| {
        let f = ((t - c.range.start).num_seconds() as f64 / span).clamp(0.0, 1.0);
        LEFT + f * (W - LEFT - RIGHT)
    };
    let y = |v: f64| {
        let f = ((v - y_min) / (y_max - y_min)).clamp(0.0, 1.0);
        H - BOTTOM - f * (H - TOP - BOTTOM)
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(c.title)
    );
    let _ = write!(s, "<title>{}</title>", escape(c.title));
    for sh in c.shades {
        let (x0, x1) = (x(sh.start), x(sh.end));
        let _ = write!(
            s,
            r#"<rect class="incident" x="{x0:.1}" y="{TOP}" width="{:.1}" height="{:.1}"><title>{}</title></rect>"#,
            (x1 - x0).max(4.0),
            H - TOP - BOTTOM,
            escape(&sh.label)
        );
    }
    let mut k = 0;
    while y_min + k as f64 * step <= y_max + step * 1e-9 {
        let v = y_min + k as f64 * step;
        let yy = y(v);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{LEFT}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            W - RIGHT,
            LEFT - 4.0,
            yy + 4.0,
            tick_label(v, step, c.unit)
        );
        k += 1;
    }
    let clipped = c
        .cap
        .filter(|cap| values().any(|v| v > *cap))
        .map(|cap| format!(" (above {} at the top)", tick_label(cap, step, c.unit)))
        .unwrap_or_default();
    let _ = write!(
        s,
        r#"<text class="tick" transform="translate(14,{:.1}) rotate(-90)" text-anchor="middle">{}{}</text>"#,
        (TOP + H - BOTTOM) / 2.0,
        escape(c.y_label),
        escape(&clipped)
    );
    let (tick_step, format) = time_ticks(c.range);
    let first = (c.range.start.timestamp() / tick_step + 1) * tick_step;
    let mut t = first;
    while t < c.range.end.timestamp() {
        let at = DateTime::from_timestamp(t, 0).unwrap_or_default();
        let xx = x(at);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{xx:.1}" x2="{xx:.1}" y1="{:.1}" y2="{:.1}"/><text class="tick" x="{xx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            H - BOTTOM,
            H - BOTTOM + 4.0,
            H - 8.0,
            at.format(format)
        );
        t += tick_step;
    }
    // Labels of close rules are moved apart (upwards) so that none hides another.
    let mut label_ys: Vec<f64> = Vec::new();
    let mut order: Vec<&Rule> = c.rules.iter().collect();
    order.sort_by(|a, b| a.value.total_cmp(&b.value));
    for r in order {
        let yy = y(r.value);
        let _ = write!(
            s,
            r#"<line class="{}" x1="{LEFT}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}"/>"#,
            r.class,
            W - RIGHT
        );
        if !r.label.is_empty() {
            let mut ly = yy - 3.0;
            if let Some(prev) = label_ys.last() {
                ly = ly.min(prev - 11.0);
            }
            label_ys.push(ly);
            let _ = write!(
                s,
                r#"<text class="tick" x="{:.1}" y="{ly:.1}" text-anchor="end">{}</text>"#,
                W - RIGHT - 2.0,
                escape(&r.label)
            );
        }
    }
    for l in c.lines {
        // A gap in the data (no requests) breaks the line instead of drawing through it.
        let mut runs: Vec<String> = Vec::new();
        let mut run = String::new();
        for p in &l.points {
            match p.value.filter(|v| v.is_finite()) {
                Some(v) => {
                    if !run.is_empty() {
                        run.push(' ');
                    }
                    let _ = write!(run, "{:.1},{:.1}", x(p.at), y(v));
                }
                None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                None => {}
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        for points in runs {
            let _ = write!(
                s,
                r#"<polyline class="{}" points="{points}"><title>{}</title></polyline>"#,
                l.class,
                escape(&l.label)
            );
        }
    }
    for m in c.markers {
        let xx = x(m.at);
        let (class, shape) = match m.kind {
            MarkerKind::Deployment => (
                "deploy",
                format!("M{xx:.1},{:.1} l5,8 h-10 z", H - BOTTOM - 10.0),
            ),
            MarkerKind::Rollback => (
                "deploy rollback",
                format!(
                    "M{xx:.1},{:.1} l5,8 h-10 z M{:.1},{:.1} h10 v2 h-10 z",
                    H - BOTTOM - 10.0,
                    xx - 5.0,
                    H - BOTTOM - 14.0
                ),
            ),
            MarkerKind::Notified => ("notified", format!("M{xx:.1},{TOP} l5,6 l-5,6 l-5,-6 z")),
            MarkerKind::Resolved => ("resolved", format!("M{:.1},{TOP} h9 v9 h-9 z", xx - 4.5)),
        };
        let (y0, y1) = match m.kind {
            MarkerKind::Deployment | MarkerKind::Rollback => (H - BOTTOM - 10.0, H - BOTTOM),
            MarkerKind::Notified | MarkerKind::Resolved => (TOP, H - BOTTOM),
        };
        let _ = write!(
            s,
            r#"<g class="{class}"><line x1="{xx:.1}" x2="{xx:.1}" y1="{y0:.1}" y2="{y1:.1}"/><path d="{shape}"/><title>{}</title></g>"#,
            escape(&m.label)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_the_chart_is_escaped() {
        let t = |s| DateTime::from_timestamp(s, 0).unwrap();
        let range = TimeRange {
            start: t(0),
            end: t(3600),
        };
        let svg = burn_down_chart(
            "a <b> & \"c\"",
            &[],
            range,
            &[],
            &[Marker {
                at: t(60),
                label: "<script>".into(),
                kind: MarkerKind::Rollback,
            }],
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("deploy rollback"));
    }
}
