//! In-memory implementations of every AWS port: the same contract as the SDK ones, no
//! network. Unit tests of the orchestration (apply, fetch, notification passes, `slo serve`'s
//! loops) run against these, wrapped in `failing` to break chosen calls; the emulator tests
//! remain the end-to-end check.

use super::alarms::{
    AlarmStore, AlarmWatcher, CompositeState, DashboardStore, MuteRuleStore, StateChange,
};
use super::athena::{QueryEngine, QueryPlace, QueryState, QueryStatus, ResultPage};
use super::ecs::{DeploymentAlarmStore, DeploymentReader};
use super::error::{AwsError, ErrorKind};
use super::inventory::{EcsService, Inventory, LoadBalancer, TargetGroup};
use super::journal::{Journal, JournalError};
use super::logs::{LogPage, LogReader, MetricFilterStore};
use super::metrics::{HeartbeatWriter, MetricDataPage, MetricsReader, QueryPage};
use super::s3::{Listing, ObjectStore};
use super::sns::Publisher;
use crate::core::alarms::mute::MuteRule;
use crate::core::alarms::{Alarm, MetricFilter};
use crate::core::evidence::LogLine;
use crate::core::notify::JournalState;
use crate::core::sli_metrics::MetricQuery;
use crate::core::stat::Stat;
use crate::core::window::TimeRange;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// A lock that a panicking test thread cannot poison for the others.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Alarms kept in a map by name, with their states and history, and dashboards. Like
/// CloudWatch, a put of an existing alarm keeps its tags unless `retag` asks for the new ones,
/// and a new alarm is `INSUFFICIENT_DATA` until a state is set.
#[derive(Debug, Default)]
pub struct MemoryAlarms {
    alarms: Mutex<BTreeMap<String, Alarm>>,
    /// Alarm name → (state, since).
    states: Mutex<BTreeMap<String, (String, DateTime<Utc>)>>,
    history: Mutex<Vec<StateChange>>,
    dashboards: Mutex<BTreeMap<String, serde_json::Value>>,
    mute_rules: Mutex<BTreeMap<String, MuteRule>>,
}

impl MemoryAlarms {
    pub fn new(alarms: impl IntoIterator<Item = Alarm>) -> MemoryAlarms {
        MemoryAlarms {
            alarms: Mutex::new(
                alarms
                    .into_iter()
                    .map(|a| (a.name().to_owned(), a))
                    .collect(),
            ),
            ..MemoryAlarms::default()
        }
    }

    /// Every alarm, by name.
    pub fn snapshot(&self) -> BTreeMap<String, Alarm> {
        lock(&self.alarms).clone()
    }

    /// `SetAlarmState`: the alarm enters `state` at `at` (recorded in its history).
    pub fn set_state(&self, name: &str, state: &str, at: DateTime<Utc>) {
        lock(&self.states).insert(name.to_owned(), (state.to_owned(), at));
        lock(&self.history).push(StateChange {
            name: name.to_owned(),
            at,
            new_state: state.to_owned(),
        });
    }

    fn states_of(&self, prefix: &str, composite: bool) -> Vec<CompositeState> {
        let states = lock(&self.states);
        self.snapshot()
            .into_values()
            .filter(|a| a.name().starts_with(prefix) && a.is_composite() == composite)
            .map(|a| {
                let (state, since) = states
                    .get(a.name())
                    .cloned()
                    .unwrap_or_else(|| ("INSUFFICIENT_DATA".to_owned(), DateTime::UNIX_EPOCH));
                CompositeState {
                    name: a.name().to_owned(),
                    state,
                    since,
                }
            })
            .collect()
    }
}

impl AlarmWatcher for MemoryAlarms {
    async fn composite_states(&self, prefix: &str) -> Result<Vec<CompositeState>, AwsError> {
        Ok(self.states_of(prefix, true))
    }

    async fn state_changes(
        &self,
        prefix: &str,
        from: DateTime<Utc>,
    ) -> Result<Vec<StateChange>, AwsError> {
        let composites: Vec<String> = self
            .states_of(prefix, true)
            .into_iter()
            .map(|c| c.name)
            .collect();
        let mut changes: Vec<StateChange> = lock(&self.history)
            .iter()
            .filter(|c| c.at >= from && composites.contains(&c.name))
            .cloned()
            .collect();
        changes.sort_by_key(|c| c.at);
        Ok(changes)
    }

    async fn metric_alarm_states(&self, prefix: &str) -> Result<Vec<CompositeState>, AwsError> {
        Ok(self.states_of(prefix, false))
    }
}

impl MemoryAlarms {
    /// Every mute rule, by name.
    pub fn mute_rules(&self) -> BTreeMap<String, MuteRule> {
        lock(&self.mute_rules).clone()
    }
}

impl MuteRuleStore for MemoryAlarms {
    async fn list_mute_rules(&self, prefix: &str) -> Result<Vec<MuteRule>, AwsError> {
        Ok(lock(&self.mute_rules)
            .values()
            .filter(|r| r.name.starts_with(prefix))
            .cloned()
            .collect())
    }

    async fn put_mute_rule(&self, rule: &MuteRule) -> Result<(), AwsError> {
        // As CloudWatch: every target must be an existing alarm.
        let alarms = lock(&self.alarms);
        if let Some(missing) = rule.alarm_names.iter().find(|n| !alarms.contains_key(*n)) {
            return Err(AwsError::new(
                "PutAlarmMuteRule",
                ErrorKind::InvalidRequest,
                format!("alarm {missing} does not exist"),
            ));
        }
        lock(&self.mute_rules).insert(rule.name.clone(), rule.clone());
        Ok(())
    }

    async fn delete_mute_rule(&self, name: &str) -> Result<(), AwsError> {
        lock(&self.mute_rules).remove(name);
        Ok(())
    }
}

impl DashboardStore for MemoryAlarms {
    async fn list_dashboards(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, serde_json::Value)>, AwsError> {
        Ok(lock(&self.dashboards)
            .iter()
            .filter(|(n, _)| n.starts_with(prefix))
            .map(|(n, b)| (n.clone(), b.clone()))
            .collect())
    }

    async fn put_dashboard(&self, name: &str, body: &serde_json::Value) -> Result<(), AwsError> {
        lock(&self.dashboards).insert(name.to_owned(), body.clone());
        Ok(())
    }

    async fn delete_dashboard(&self, name: &str) -> Result<(), AwsError> {
        lock(&self.dashboards).remove(name);
        Ok(())
    }
}

impl AlarmStore for MemoryAlarms {
    async fn list(&self, prefix: &str) -> Result<Vec<Alarm>, AwsError> {
        Ok(self
            .snapshot()
            .into_values()
            .filter(|a| a.name().starts_with(prefix))
            .collect())
    }

    async fn put(&self, alarm: &Alarm, retag: bool) -> Result<(), AwsError> {
        let mut alarms = lock(&self.alarms);
        let mut new = alarm.clone();
        if let (false, Some(old)) = (retag, alarms.get(alarm.name())) {
            new.set_tags(old.tags().clone());
        }
        alarms.insert(alarm.name().to_owned(), new);
        Ok(())
    }

    async fn delete(&self, names: &[String]) -> Result<(), AwsError> {
        let mut alarms = lock(&self.alarms);
        for n in names {
            alarms.remove(n);
        }
        Ok(())
    }
}

/// Answers `GetMetricData` from fixed pages, one per call, in order (then empty pages).
#[derive(Debug, Default)]
pub struct ScriptedMetrics {
    pages: Mutex<std::collections::VecDeque<MetricDataPage>>,
}

impl ScriptedMetrics {
    pub fn new(pages: impl IntoIterator<Item = MetricDataPage>) -> ScriptedMetrics {
        ScriptedMetrics {
            pages: Mutex::new(pages.into_iter().collect()),
        }
    }
}

impl MetricsReader for ScriptedMetrics {
    async fn get_metric_data(
        &self,
        _queries: &[MetricQuery],
        _range: TimeRange,
        _next_token: Option<String>,
    ) -> Result<MetricDataPage, AwsError> {
        let mut pages = lock(&self.pages);
        Ok(pages.pop_front().unwrap_or_default())
    }
}

/// One service's deployments, as ECS would answer for it (any cluster and service name).
#[derive(Debug, Default)]
pub struct MemoryDeployments {
    pub records: Vec<crate::core::deployments::ServiceDeploymentRecord>,
    pub service: crate::core::deployments::EcsServiceRecord,
    /// Deployment alarms by (cluster, service); a service not here has none.
    pub alarms:
        Mutex<BTreeMap<(String, String), crate::core::alarms::deployment::DeploymentAlarms>>,
}

impl DeploymentAlarmStore for MemoryDeployments {
    async fn deployment_alarms(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<crate::core::alarms::deployment::DeploymentAlarms, AwsError> {
        Ok(lock(&self.alarms)
            .get(&(cluster.to_owned(), service.to_owned()))
            .cloned()
            .unwrap_or_default())
    }

    async fn set_deployment_alarms(
        &self,
        cluster: &str,
        service: &str,
        alarms: &crate::core::alarms::deployment::DeploymentAlarms,
    ) -> Result<(), AwsError> {
        lock(&self.alarms).insert((cluster.to_owned(), service.to_owned()), alarms.clone());
        Ok(())
    }
}

impl DeploymentReader for MemoryDeployments {
    async fn list_service_deployments(
        &self,
        _cluster: &str,
        _service: &str,
        created: TimeRange,
        next_token: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), AwsError> {
        // Two a page, so that paging is exercised.
        let all: Vec<String> = self
            .records
            .iter()
            .filter(|r| {
                r.created_at
                    .is_some_and(|t| created.start <= t && t <= created.end)
            })
            .map(|r| r.arn.clone())
            .collect();
        let from: usize = next_token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let next = (from + 2 < all.len()).then(|| (from + 2).to_string());
        Ok((all.into_iter().skip(from).take(2).collect(), next))
    }

    async fn describe_service_deployments(
        &self,
        arns: &[String],
    ) -> Result<Vec<crate::core::deployments::ServiceDeploymentRecord>, AwsError> {
        Ok(self
            .records
            .iter()
            .filter(|r| arns.contains(&r.arn))
            .cloned()
            .collect())
    }

    async fn describe_service_revisions(
        &self,
        _arns: &[String],
    ) -> Result<Vec<(String, Vec<crate::core::deployments::Image>)>, AwsError> {
        Ok(Vec::new())
    }

    async fn describe_service(
        &self,
        _cluster: &str,
        _service: &str,
    ) -> Result<crate::core::deployments::EcsServiceRecord, AwsError> {
        Ok(self.service.clone())
    }
}

/// One datapoint put to [`MemoryMetrics`].
#[derive(Clone, Debug, PartialEq)]
pub struct Datapoint {
    pub namespace: String,
    pub metric: String,
    /// `(name, value)` pairs, in any order.
    pub dimensions: Vec<(String, String)>,
    pub at: DateTime<Utc>,
    pub value: f64,
}

/// Metrics as `PutMetricData` left them: `Sum` and `SampleCount` queries are answered from the
/// datapoints with the query's namespace, name and dimensions, summed per period (a datapoint
/// counts as one sample of its value: ALB's counts are put so); other statistics have no data
/// here. Heartbeats are recorded.
#[derive(Debug, Default)]
pub struct MemoryMetrics {
    points: Mutex<Vec<Datapoint>>,
    heartbeats: Mutex<Vec<DateTime<Utc>>>,
}

impl MemoryMetrics {
    pub fn put(&self, points: impl IntoIterator<Item = Datapoint>) {
        lock(&self.points).extend(points);
    }

    /// Every heartbeat put, oldest first.
    pub fn heartbeats(&self) -> Vec<DateTime<Utc>> {
        lock(&self.heartbeats).clone()
    }

    fn answer(&self, q: &MetricQuery, range: TimeRange) -> QueryPage {
        let mut dims: Vec<(String, String)> = q
            .dimensions
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect();
        dims.sort();
        let period = q.period_secs.max(1);
        let mut buckets: BTreeMap<i64, f64> = BTreeMap::new();
        if matches!(q.stat, Stat::Sum | Stat::SampleCount) {
            for p in lock(&self.points).iter() {
                let mut pd = p.dimensions.clone();
                pd.sort();
                if p.namespace == q.namespace
                    && p.metric == q.metric
                    && pd == dims
                    && range.start <= p.at
                    && p.at < range.end
                {
                    let start = p.at.timestamp().div_euclid(period) * period;
                    *buckets.entry(start).or_default() += p.value;
                }
            }
        }
        QueryPage {
            id: q.id.clone(),
            internal_error: false,
            points: buckets
                .into_iter()
                .filter_map(|(t, v)| Some((DateTime::from_timestamp(t, 0)?, v)))
                .collect(),
        }
    }
}

impl MetricsReader for MemoryMetrics {
    async fn get_metric_data(
        &self,
        queries: &[MetricQuery],
        range: TimeRange,
        _next_token: Option<String>,
    ) -> Result<MetricDataPage, AwsError> {
        Ok(MetricDataPage {
            results: queries.iter().map(|q| self.answer(q, range)).collect(),
            next_token: None,
        })
    }
}

impl HeartbeatWriter for MemoryMetrics {
    async fn put_heartbeat(&self, at: DateTime<Utc>) -> Result<(), AwsError> {
        lock(&self.heartbeats).push(at);
        Ok(())
    }
}

/// Log groups and their events, and metric filters. A filter pattern of terms (`?ERROR
/// ?Timeout`, `"a b"`) keeps the events holding any of them, as CloudWatch Logs would for
/// such patterns; the events come 100 a page.
#[derive(Debug, Default)]
pub struct MemoryLogs {
    groups: Mutex<BTreeMap<String, Vec<LogLine>>>,
    filters: Mutex<Vec<MetricFilter>>,
}

impl MemoryLogs {
    pub fn put(&self, group: &str, lines: impl IntoIterator<Item = LogLine>) {
        lock(&self.groups)
            .entry(group.to_owned())
            .or_default()
            .extend(lines);
    }

    pub fn filters(&self) -> Vec<MetricFilter> {
        lock(&self.filters).clone()
    }
}

const LOG_PAGE: usize = 100;

impl LogReader for MemoryLogs {
    async fn filter_log_events(
        &self,
        group: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter_pattern: Option<&str>,
        next_token: Option<String>,
    ) -> Result<LogPage, AwsError> {
        let groups = lock(&self.groups);
        let Some(lines) = groups.get(group) else {
            return Err(AwsError::new(
                "FilterLogEvents",
                ErrorKind::NotFound,
                format!("ResourceNotFoundException: the log group {group} does not exist"),
            ));
        };
        let terms: Vec<String> = filter_pattern
            .map(|p| {
                p.split_whitespace()
                    .map(|t| t.trim_start_matches('?').trim_matches('"').to_owned())
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut matching: Vec<&LogLine> = lines
            .iter()
            .filter(|l| from <= l.timestamp && l.timestamp < to)
            .filter(|l| terms.is_empty() || terms.iter().any(|t| l.message.contains(t.as_str())))
            .collect();
        matching.sort_by_key(|l| l.timestamp);
        let skip: usize = next_token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let next = (skip + LOG_PAGE < matching.len()).then(|| (skip + LOG_PAGE).to_string());
        Ok(LogPage {
            events: matching
                .into_iter()
                .skip(skip)
                .take(LOG_PAGE)
                .cloned()
                .collect(),
            next_token: next,
        })
    }
}

impl MetricFilterStore for MemoryLogs {
    async fn list_filters(&self, prefix: &str) -> Result<Vec<MetricFilter>, AwsError> {
        Ok(self
            .filters()
            .into_iter()
            .filter(|f| f.name.starts_with(prefix))
            .collect())
    }

    async fn log_group_exists(&self, group: &str) -> Result<bool, AwsError> {
        Ok(lock(&self.groups).contains_key(group))
    }

    async fn put_filter(&self, filter: &MetricFilter) -> Result<(), AwsError> {
        let mut filters = lock(&self.filters);
        filters.retain(|f| !(f.name == filter.name && f.log_group == filter.log_group));
        filters.push(filter.clone());
        Ok(())
    }

    async fn delete_filter(&self, name: &str, log_group: &str) -> Result<(), AwsError> {
        lock(&self.filters).retain(|f| !(f.name == name && f.log_group == log_group));
        Ok(())
    }
}

/// One SNS `Publish`, as [`MemoryTopics`] keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub topic: String,
    pub subject: String,
    pub message: String,
}

/// SNS topics that keep every message published to them.
#[derive(Debug, Default)]
pub struct MemoryTopics {
    published: Mutex<Vec<Published>>,
}

impl MemoryTopics {
    pub fn published(&self) -> Vec<Published> {
        lock(&self.published).clone()
    }
}

impl Publisher for MemoryTopics {
    async fn publish(
        &self,
        topic: &str,
        subject: &str,
        message: &str,
        _dedup: &str,
    ) -> Result<String, AwsError> {
        let mut published = lock(&self.published);
        published.push(Published {
            topic: topic.to_owned(),
            subject: subject.to_owned(),
            message: message.to_owned(),
        });
        Ok(format!("message-{}", published.len()))
    }
}

/// The notification journal in memory: one process's, so every claim is granted.
#[derive(Debug, Default)]
pub struct MemoryJournal {
    state: Mutex<JournalState>,
}

impl MemoryJournal {
    pub fn state(&self) -> JournalState {
        lock(&self.state).clone()
    }
}

impl Journal for MemoryJournal {
    async fn load(&self) -> Result<JournalState, JournalError> {
        Ok(self.state())
    }

    async fn save(&self, state: &JournalState) -> Result<(), JournalError> {
        *lock(&self.state) = state.clone();
        Ok(())
    }
}

/// What runs in an account, for `slo init`: clusters, services, task definitions' log groups,
/// target groups and load balancers. Services come 10 a page.
#[derive(Debug, Default)]
pub struct MemoryInventory {
    pub clusters: Vec<String>,
    pub services: Vec<EcsService>,
    /// Task definition → its `awslogs-group`.
    pub log_groups: BTreeMap<String, String>,
    pub target_groups: Vec<TargetGroup>,
    pub load_balancers: Vec<LoadBalancer>,
    /// Load balancer ARN → where its access logs go, `(bucket, prefix)`.
    pub access_logs: BTreeMap<String, (String, String)>,
}

impl Inventory for MemoryInventory {
    async fn cluster_exists(&self, cluster: &str) -> Result<bool, AwsError> {
        Ok(self.clusters.iter().any(|c| c == cluster))
    }

    async fn list_services(
        &self,
        cluster: &str,
        next_token: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), AwsError> {
        let all: Vec<String> = self
            .services
            .iter()
            .filter(|s| s.cluster == cluster)
            .map(|s| {
                format!(
                    "arn:aws:ecs:us-east-1:123456789012:service/{cluster}/{}",
                    s.name
                )
            })
            .collect();
        let skip: usize = next_token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let next = (skip + 10 < all.len()).then(|| (skip + 10).to_string());
        Ok((all.into_iter().skip(skip).take(10).collect(), next))
    }

    async fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> Result<Vec<EcsService>, AwsError> {
        Ok(self
            .services
            .iter()
            .filter(|s| {
                s.cluster == cluster
                    && services
                        .iter()
                        .any(|n| *n == s.name || n.ends_with(&format!("/{}", s.name)))
            })
            .cloned()
            .collect())
    }

    async fn log_group(&self, task_definition: &str) -> Result<Option<String>, AwsError> {
        Ok(self.log_groups.get(task_definition).cloned())
    }

    async fn describe_target_groups(&self, arns: &[String]) -> Result<Vec<TargetGroup>, AwsError> {
        Ok(self
            .target_groups
            .iter()
            .filter(|t| arns.contains(&t.arn))
            .cloned()
            .collect())
    }

    async fn describe_load_balancers(
        &self,
        arns: &[String],
    ) -> Result<Vec<LoadBalancer>, AwsError> {
        Ok(self
            .load_balancers
            .iter()
            .filter(|l| arns.contains(&l.arn))
            .cloned()
            .collect())
    }

    async fn access_logs(
        &self,
        load_balancer_arn: &str,
    ) -> Result<Option<(String, String)>, AwsError> {
        Ok(self.access_logs.get(load_balancer_arn).cloned())
    }
}

/// S3 objects by bucket and key; listings follow S3's: keys in order, common prefixes with a
/// `/` delimiter.
#[derive(Debug, Default)]
pub struct MemoryObjects {
    objects: Mutex<BTreeMap<(String, String), Vec<u8>>>,
}

impl MemoryObjects {
    pub fn put(&self, bucket: &str, key: &str, body: Vec<u8>) {
        lock(&self.objects).insert((bucket.to_owned(), key.to_owned()), body);
    }
}

impl ObjectStore for MemoryObjects {
    async fn list(&self, bucket: &str, prefix: &str, delimited: bool) -> Result<Listing, AwsError> {
        let mut out = Listing::default();
        for ((b, key), body) in lock(&self.objects).iter() {
            let Some(rest) = key.strip_prefix(prefix).filter(|_| b == bucket) else {
                continue;
            };
            match rest.find('/').filter(|_| delimited) {
                Some(i) => {
                    let p = format!("{prefix}{}", &rest[..=i]);
                    if !out.prefixes.contains(&p) {
                        out.prefixes.push(p);
                    }
                }
                None => out.objects.push((key.clone(), body.len() as u64)),
            }
        }
        Ok(out)
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, AwsError> {
        lock(&self.objects)
            .get(&(bucket.to_owned(), key.to_owned()))
            .cloned()
            .ok_or_else(|| {
                AwsError::new(
                    "GetObject",
                    ErrorKind::NotFound,
                    format!("no object s3://{bucket}/{key}"),
                )
            })
    }

    async fn get_range(
        &self,
        bucket: &str,
        key: &str,
        start: u64,
        end: u64,
    ) -> Result<Vec<u8>, AwsError> {
        let body = self.get(bucket, key).await?;
        let len = body.len() as u64;
        Ok(body[start.min(len) as usize..end.min(len) as usize].to_vec())
    }
}

/// Athena with tables of given parameters and one prepared answer for every query: the
/// query is `RUNNING` for `polls` status calls, then `SUCCEEDED`; results come `page` rows
/// at a time. The queries started are kept, with where they ran.
#[derive(Debug, Default)]
pub struct MemoryQueries {
    pub tables: Mutex<BTreeMap<(String, String), BTreeMap<String, String>>>,
    /// The whole answer (its `next` unused).
    pub answer: Mutex<ResultPage>,
    pub scanned_bytes: u64,
    pub polls: usize,
    pub page: usize,
    /// `Some(reason)`: every query fails so.
    pub fails: Option<String>,
    pub started: Mutex<Vec<(String, QueryPlace)>>,
    pub polled: std::sync::atomic::AtomicUsize,
}

impl QueryEngine for MemoryQueries {
    async fn table_parameters(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Option<BTreeMap<String, String>>, AwsError> {
        Ok(lock(&self.tables)
            .get(&(database.to_owned(), table.to_owned()))
            .cloned())
    }

    async fn start(&self, sql: &str, place: &QueryPlace) -> Result<String, AwsError> {
        let mut started = lock(&self.started);
        started.push((sql.to_owned(), place.clone()));
        Ok(format!("query-{}", started.len()))
    }

    async fn status(&self, _id: &str) -> Result<QueryStatus, AwsError> {
        let n = self
            .polled
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let state = match (&self.fails, n >= self.polls) {
            (_, false) => QueryState::Running,
            (Some(_), true) => QueryState::Failed,
            (None, true) => QueryState::Succeeded,
        };
        Ok(QueryStatus {
            state,
            reason: self.fails.clone().filter(|_| state == QueryState::Failed),
            scanned_bytes: state.is_done().then_some(self.scanned_bytes),
        })
    }

    async fn results(&self, _id: &str, token: Option<String>) -> Result<ResultPage, AwsError> {
        let ResultPage { columns, rows, .. } = lock(&self.answer).clone();
        let from: usize = token.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0);
        let page = self.page.max(1);
        let to = (from + page).min(rows.len());
        Ok(ResultPage {
            columns,
            rows: rows[from.min(to)..to].to_vec(),
            next: (to < rows.len()).then(|| to.to_string()),
        })
    }
}
