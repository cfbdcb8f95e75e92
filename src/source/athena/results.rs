//! The query's answer, read into the same per-objective series and P99s the access-log scanner
//! gives: rows of the `(minute)` grouping set are minutes, rows of the `(ms)` set the latency
//! histograms. Every value is checked: an answer slo cannot read is an error, never a zero.

use super::query::Query;
use crate::core::collected::{Collected, ObjectiveData};
use crate::core::events::{Counts, EventSeries};
use crate::core::latency::LatencyHistogram;
use chrono::NaiveDateTime;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResultError {
    #[error("the query's answer has no column `{0}`")]
    MissingColumn(String),
    #[error("row {row}: `{column}` is `{value}`, not {expected}")]
    BadValue {
        row: usize,
        column: String,
        value: String,
        expected: &'static str,
    },
    #[error("row {row}: {good} good of {total} requests in {minute}")]
    MoreGoodThanTotal {
        row: usize,
        minute: String,
        good: u64,
        total: u64,
    },
}

/// The answer as Athena gives it: column names, then rows of text (NULL as `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// Each objective of `query`, from `answer`.
pub fn collect(query: &Query, answer: &Answer) -> Result<Collected, ResultError> {
    let index = |name: &str| {
        answer
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
            .ok_or_else(|| ResultError::MissingColumn(name.to_owned()))
    };
    let minute_col = index("minute")?;
    let ms_col = index("ms")?;
    struct Cols {
        t: usize,
        g: usize,
        h: Option<usize>,
    }
    let cols: Vec<Cols> = query
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(Cols {
                t: index(&format!("t{i}"))?,
                g: index(&format!("g{i}"))?,
                h: c.latency.then(|| index(&format!("h{i}"))).transpose()?,
            })
        })
        .collect::<Result<_, ResultError>>()?;
    let mut series: Vec<EventSeries> = query
        .columns
        .iter()
        .map(|_| {
            EventSeries::covering(crate::source::access_log::scan::bucket(), query.range)
                .expect("one minute is a valid bucket")
        })
        .collect();
    let mut histograms: Vec<Option<LatencyHistogram>> = query
        .columns
        .iter()
        .map(|c| c.latency.then(LatencyHistogram::new))
        .collect();
    for (r, row) in answer.rows.iter().enumerate() {
        let cell = |c: usize| row.get(c).and_then(|v| v.as_deref());
        let number = |c: usize| -> Result<u64, ResultError> {
            match cell(c) {
                None => Ok(0),
                Some(v) => v.parse::<u64>().map_err(|_| ResultError::BadValue {
                    row: r + 1,
                    column: answer.columns[c].clone(),
                    value: v.to_owned(),
                    expected: "a count",
                }),
            }
        };
        if let Some(minute) = cell(minute_col) {
            let at = NaiveDateTime::parse_from_str(minute, "%Y-%m-%dT%H:%M")
                .map_err(|_| ResultError::BadValue {
                    row: r + 1,
                    column: "minute".to_owned(),
                    value: minute.to_owned(),
                    expected: "a minute (yyyy-MM-ddTHH:mm)",
                })?
                .and_utc()
                .timestamp();
            for (s, c) in series.iter_mut().zip(&cols) {
                let (total, good) = (number(c.t)?, number(c.g)?);
                if good > total {
                    return Err(ResultError::MoreGoodThanTotal {
                        row: r + 1,
                        minute: minute.to_owned(),
                        good,
                        total,
                    });
                }
                if total > 0 {
                    s.add_unix(at, Counts { good, total });
                }
            }
        } else if let Some(ms) = cell(ms_col) {
            let ms: u64 = ms.parse().map_err(|_| ResultError::BadValue {
                row: r + 1,
                column: "ms".to_owned(),
                value: ms.to_owned(),
                expected: "whole milliseconds",
            })?;
            for (h, c) in histograms.iter_mut().zip(&cols) {
                if let (Some(h), Some(col)) = (h, c.h) {
                    let n = number(col)?;
                    if n > 0 {
                        h.record_ms_n(ms, n);
                    }
                }
            }
        }
    }
    Ok(query
        .columns
        .iter()
        .zip(series)
        .zip(histograms)
        .map(|((c, series), h)| {
            let p99 = h.as_ref().and_then(|h| h.quantile(0.99));
            (c.key.clone(), ObjectiveData { series, p99 })
        })
        .collect())
}
