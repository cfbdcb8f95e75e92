//! The budget burn-down chart as inline SVG: no script, no fonts to fetch, readable at any
//! width (it scales with its `viewBox`). Tooltips are SVG `<title>`s, which browsers show on
//! hover without JavaScript; the page lists the same facts under the chart for phones.

use crate::core::burndown::BurnDownPoint;
use crate::core::window::TimeRange;
use chrono::{DateTime, Utc};
use std::fmt::Write;

const W: f64 = 720.0;
const H: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// A span shaded on the chart (an incident).
pub struct Shade {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub label: String,
}

/// A marker on the time axis (a deployment); `alert` draws it red (a rollback).
pub struct Marker {
    pub at: DateTime<Utc>,
    pub label: String,
    pub alert: bool,
}

pub use super::escape::html as escape;

/// The chart of `points` over `range`: the budget left (solid), the even-spending line
/// (dashed), 0 % marked, `shades` and `markers` on top.
pub fn burn_down_chart(
    title: &str,
    points: &[BurnDownPoint],
    range: TimeRange,
    shades: &[Shade],
    markers: &[Marker],
) -> String {
    let lowest = points
        .iter()
        .filter_map(|p| p.remaining)
        .filter(|r| r.is_finite())
        .fold(0.0f64, f64::min);
    // Room below zero as deep as the budget went (an overspent budget is drawn to its real
    // depth), the grid in steps that keep at most six lines.
    let y_max = 1.0;
    let step = [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        .into_iter()
        .find(|st| (y_max - lowest) / st <= 5.0)
        .unwrap_or(100.0);
    let y_min = (lowest / step).floor() * step;
    let span = (range.end - range.start).num_seconds().max(1) as f64;
    let x = |t: DateTime<Utc>| {
        let f = ((t - range.start).num_seconds() as f64 / span).clamp(0.0, 1.0);
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
        escape(title)
    );
    let _ = write!(s, "<title>{}</title>", escape(title));
    for sh in shades {
        let (x0, x1) = (x(sh.start), x(sh.end));
        let _ = write!(
            s,
            r#"<rect class="incident" x="{x0:.1}" y="{TOP}" width="{:.1}" height="{:.1}"><title>{}</title></rect>"#,
            (x1 - x0).max(4.0),
            H - TOP - BOTTOM,
            escape(&sh.label)
        );
    }
    // Grid: 100 %, 50 %, 0 % and below.
    let mut v = y_max;
    while v >= y_min - 1e-9 {
        let yy = y(v);
        let class = if v.abs() < 1e-9 { "zero" } else { "grid" };
        let _ = write!(
            s,
            r#"<line class="{class}" x1="{LEFT}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{:.0}%</text>"#,
            W - RIGHT,
            LEFT - 4.0,
            yy + 4.0,
            v * 100.0
        );
        v -= step;
    }
    // The y axis says what it shows; date ticks every few days along the bottom.
    let _ = write!(
        s,
        r#"<text class="tick" transform="translate(10,{:.1}) rotate(-90)" text-anchor="middle">budget left</text>"#,
        (TOP + H - BOTTOM) / 2.0
    );
    let days = (range.end - range.start).num_days().max(1);
    let every = [1, 2, 3, 5, 7, 14, 30, 60, 90]
        .into_iter()
        .find(|d| days / d <= 8)
        .unwrap_or(90);
    let first = (range.start + chrono::TimeDelta::days(1))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc());
    let mut tick = first;
    let mut shown = 0;
    while let Some(t) = tick.filter(|t| *t < range.end) {
        if shown % every == 0 {
            let xx = x(t);
            let _ = write!(
                s,
                r#"<line class="grid" x1="{xx:.1}" x2="{xx:.1}" y1="{:.1}" y2="{:.1}"/><text class="tick" x="{xx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                H - BOTTOM,
                H - BOTTOM + 4.0,
                H - 8.0,
                t.format("%m-%d")
            );
        }
        shown += 1;
        tick = Some(t + chrono::TimeDelta::days(1));
    }
    if days < 1 || range.end - range.start < chrono::TimeDelta::days(2) {
        let _ = write!(
            s,
            r#"<text class="tick" x="{LEFT}" y="{:.1}">{}</text><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            H - 8.0,
            range.start.format("%m-%d %H:%M"),
            W - RIGHT,
            H - 8.0,
            range.end.format("%m-%d %H:%M")
        );
    }
    let line = |f: &dyn Fn(&BurnDownPoint) -> Option<f64>| -> String {
        points
            .iter()
            .filter_map(|p| Some((p.at, f(p).filter(|v| v.is_finite())?)))
            .map(|(t, v)| format!("{:.1},{:.1}", x(t), y(v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = write!(
        s,
        r#"<polyline class="ideal" points="{}"><title>spent evenly over the window</title></polyline>"#,
        line(&|p| Some(p.ideal))
    );
    let actual = line(&|p| p.remaining);
    if !actual.is_empty() {
        let _ = write!(
            s,
            r#"<polyline class="actual" points="{actual}"><title>error budget left</title></polyline>"#
        );
    }
    for m in markers {
        let xx = x(m.at);
        let class = if m.alert { "deploy rollback" } else { "deploy" };
        let _ = write!(
            s,
            r#"<g class="{class}"><line x1="{xx:.1}" x2="{xx:.1}" y1="{:.1}" y2="{:.1}"/><path d="M{:.1},{:.1} l5,8 h-10 z"/><title>{}</title></g>"#,
            H - BOTTOM - 10.0,
            H - BOTTOM,
            xx,
            H - BOTTOM - 10.0,
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
                alert: true,
            }],
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("deploy rollback"));
    }
}
