//! What a source collected for each objective: its event series and, for latency objectives,
//! the 99th percentile over the budget window. Keyed by objective, never by position.

use crate::core::events::EventSeries;
use crate::core::model::ObjectiveKey;
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

/// One objective's data, as every source (access logs, CloudWatch) delivers it.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveData {
    pub series: EventSeries,
    /// Latency objectives: P99 over the budget window; `None` when nothing was answered.
    pub p99: Option<Duration>,
}

/// Every objective's data.
pub type Collected = BTreeMap<ObjectiveKey, ObjectiveData>;

/// How an objective's series changed at its last refresh (`slo serve` keeps series between
/// refreshes): a report can go on from the last one's work where the data did not change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataChange {
    /// One more at every refresh that read the objective.
    pub version: u64,
    /// The buckets before this are the previous version's.
    pub changed_from: DateTime<Utc>,
    /// The next refresh will change nothing before this.
    pub next_change_from: DateTime<Utc>,
}

/// Where a report finds each objective's data: a source's whole answer ([`Collected`]), or
/// `slo serve`'s cache, which keeps its series packed and unpacks one when asked.
pub trait Lookup: Sync {
    fn lookup(&self, key: &ObjectiveKey) -> Option<Cow<'_, ObjectiveData>>;
}

impl Lookup for Collected {
    fn lookup(&self, key: &ObjectiveKey) -> Option<Cow<'_, ObjectiveData>> {
        self.get(key).map(Cow::Borrowed)
    }
}
