//! What a source collected for each objective: its event series and, for latency objectives,
//! the 99th percentile over the budget window. Keyed by objective, never by position.

use crate::core::events::EventSeries;
use crate::core::model::ObjectiveKey;
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
