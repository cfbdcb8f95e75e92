//! The one Athena query a report asks: every objective's per-minute good/total counts, and each
//! latency objective's response times (per millisecond) over its budget window, in one scan of
//! the ALB access-log table as AWS documents it (`ddl`). The definitions are the access-log
//! scanner's (`access_log::scan`), written in SQL:
//!
//! - a line is an objective's when its `elb` is the spec's load balancer and, with a target
//!   group, its `target_group_arn` ends in `:<target group>`;
//! - availability: every such line counts, a 5xx `elb_status_code` is bad (`-`, NULL in the
//!   table, is not);
//! - latency: lines the target answered (`target_processing_time` ≥ 0; ALB writes `-1`
//!   otherwise) count, good when the time in whole milliseconds, rounded up, is at most the
//!   threshold;
//! - minutes are the first 16 characters of `time` (`yyyy-MM-ddTHH:mm`), and the window's
//!   bounds compare as text: ALB's ISO 8601 times sort as they read.
//!
//! `GROUPING SETS ((minute), (ms))` gives both shapes from one pass over the data: Athena bills
//! the bytes scanned, and a `UNION` would scan the table twice.

use crate::core::assess::{data_range, window_for};
use crate::core::model::{ObjectiveKey, ServiceSlo, Sli};
use crate::core::window::TimeRange;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use std::fmt::Write;

/// `DB.TABLE`, checked: Athena's names are letters, digits and underscores (a hyphen is
/// allowed, quoted), so nothing in them can close a quote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableName {
    pub database: String,
    pub table: String,
}

impl TableName {
    pub fn parse(text: &str) -> Result<TableName, String> {
        let ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 128
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        match text.split_once('.') {
            Some((db, table)) if ok(db) && ok(table) => Ok(TableName {
                database: db.to_owned(),
                table: table.to_owned(),
            }),
            _ => Err(format!(
                "--athena-table {text}: write DATABASE.TABLE (letters, digits, `_` and `-`), as `slo init --athena` names it"
            )),
        }
    }
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.database, self.table)
    }
}

/// What one objective's columns hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub key: ObjectiveKey,
    /// Latency objectives also have a histogram column (`h<i>`).
    pub latency: bool,
}

/// The query, and how to read its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub sql: String,
    /// Objective `i`'s counts are in `t<i>` (total), `g<i>` (good) and `h<i>` (latency).
    pub columns: Vec<Column>,
    /// The lines read: `[start, end)`.
    pub range: TimeRange,
    /// The `day` partitions read (`yyyy/MM/dd`), inclusive: a day either side of the range,
    /// since a file written just after midnight holds the last minutes before it.
    pub days: (NaiveDate, NaiveDate),
}

/// `'text'`, quoted for SQL.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A `LIKE` pattern matching text that ends with `suffix` exactly.
fn ends_with(suffix: &str) -> String {
    let mut p = String::from("%");
    for c in suffix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    format!("{} ESCAPE '\\'", literal(&p))
}

/// A whole second as `time` writes it, without the fraction: `yyyy-MM-ddTHH:mm:ss`.
fn stamp(t: DateTime<Utc>) -> String {
    literal(&t.format("%Y-%m-%dT%H:%M:%S").to_string())
}

fn day(d: NaiveDate) -> String {
    literal(&d.format("%Y/%m/%d").to_string())
}

/// The milliseconds of the answered requests, rounded up as the scanner rounds them:
/// `target_processing_time` is a `double`, so 0.287 × 1000 may come out a hair above 287; the
/// micro-millisecond taken off keeps it at 287 (ALB writes milliseconds, at most microseconds).
const MS: &str = "CASE WHEN target_processing_time >= 0 THEN CAST(ceil(target_processing_time * 1000 - 0.000001) AS BIGINT) END";

/// The query for a report of `slos` at `at` (over `window_override` instead of each spec's)
/// from `table`.
pub fn build(
    table: &TableName,
    slos: &[&ServiceSlo],
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
) -> Query {
    let range = data_range(slos, at, window_override);
    let days = (
        range.start.date_naive() - TimeDelta::days(1),
        range.end.date_naive() + TimeDelta::days(1),
    );
    let mut columns = Vec::new();
    let mut sums = String::new();
    let mut balancers: Vec<String> = Vec::new();
    for slo in slos {
        let lb = &slo.alb.load_balancer;
        if !balancers.contains(lb) {
            balancers.push(lb.clone());
        }
        let mut mine = format!("elb = {}", literal(lb));
        if let Some(tg) = &slo.alb.target_group {
            let _ = write!(
                mine,
                " AND target_group_arn LIKE {}",
                ends_with(&format!(":{tg}"))
            );
        }
        let budget = window_for(slo, window_override).range_at(at);
        for (key, o) in slo.keyed_objectives() {
            let i = columns.len();
            let count = |cond: &str, name: &str| {
                format!(",\n  SUM(CASE WHEN {mine} AND {cond} THEN 1 ELSE 0 END) AS {name}{i}")
            };
            match o.sli {
                Sli::Availability => {
                    sums.push_str(&format!(
                        ",\n  SUM(CASE WHEN {mine} THEN 1 ELSE 0 END) AS t{i}"
                    ));
                    sums.push_str(&count(
                        "(elb_status_code IS NULL OR elb_status_code NOT BETWEEN 500 AND 599)",
                        "g",
                    ));
                }
                Sli::Latency { threshold } => {
                    let ms = threshold.as_millis();
                    sums.push_str(&count("ms IS NOT NULL", "t"));
                    sums.push_str(&count(&format!("ms <= {ms}"), "g"));
                    sums.push_str(&count(
                        &format!(
                            "ms IS NOT NULL AND time >= {} AND time < {}",
                            stamp(budget.start),
                            stamp(budget.end)
                        ),
                        "h",
                    ));
                }
            }
            columns.push(Column {
                key,
                latency: matches!(o.sli, Sli::Latency { .. }),
            });
        }
    }
    let balancers: Vec<String> = balancers.iter().map(|b| literal(b)).collect();
    let sql = format!(
        "-- slo: per-minute good/total counts of {n} objective(s), {from} → {to} (UTC)\n\
         SELECT minute, ms{sums}\n\
         FROM (\n  \
           SELECT substr(time, 1, 16) AS minute, {MS} AS ms, time, elb, elb_status_code, target_group_arn\n  \
           FROM \"{db}\".\"{table}\"\n  \
           WHERE day BETWEEN {d0} AND {d1}\n    \
             AND time >= {from_lit} AND time < {to_lit}\n    \
             AND elb IN ({lbs})\n\
         ) AS lines\n\
         GROUP BY GROUPING SETS ((minute), (ms))",
        n = columns.len(),
        from = range
            .start
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        to = range.end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        db = table.database,
        table = table.table,
        d0 = day(days.0),
        d1 = day(days.1),
        from_lit = stamp(range.start),
        to_lit = stamp(range.end),
        lbs = balancers.join(", "),
    );
    Query {
        sql,
        columns,
        range,
        days,
    }
}
