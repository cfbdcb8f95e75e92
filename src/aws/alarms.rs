//! The alarm store: `slo`'s CloudWatch alarms read (by name prefix, with their tags), put and
//! deleted. `AlarmStore` is the capability; `CloudWatchAlarms` implements it with the SDK and
//! converts between the SDK's types and `core::alarms`' values.

use super::error::AwsError;
use crate::core::alarms::mute::MuteRule;
use crate::core::alarms::{
    Alarm, AlarmSource, Comparison, CompositeAlarm, EvaluationWindow, MetricAlarm, MetricRef, Rule,
    Suppressor, TreatMissingData,
};
use crate::core::stat::Stat;
use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, Metric, MetricDataQuery, MetricStat, Statistic, Tag,
};
use std::collections::BTreeMap;
use std::future::Future;

/// Where alarms live.
pub trait AlarmStore {
    /// Every alarm (metric and composite) whose name starts with `prefix`, with its tags.
    fn list(&self, prefix: &str) -> impl Future<Output = Result<Vec<Alarm>, AwsError>> + Send;

    /// Creates or replaces `alarm`. `retag`: the alarm exists and its tags changed (tags given
    /// to a put apply only when it creates the alarm).
    fn put(&self, alarm: &Alarm, retag: bool) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// Deletes alarms by name.
    fn delete(&self, names: &[String]) -> impl Future<Output = Result<(), AwsError>> + Send;
}

#[derive(Clone, Debug)]
pub struct CloudWatchAlarms {
    client: Client,
}

impl CloudWatchAlarms {
    pub fn new(config: &aws_config::SdkConfig) -> CloudWatchAlarms {
        CloudWatchAlarms {
            client: Client::new(config),
        }
    }

    async fn tags(&self, arn: Option<&str>) -> Result<BTreeMap<String, String>, AwsError> {
        let Some(arn) = arn else {
            return Ok(BTreeMap::new());
        };
        let answer = self
            .client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ListTagsForResource", &e))?;
        Ok(answer
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
            .collect())
    }
}

impl CloudWatchAlarms {
    /// Every page of `DescribeAlarms` for the names starting with `prefix`, of `types`.
    async fn describe_all(
        &self,
        prefix: &str,
        types: &[AlarmType],
    ) -> Result<Vec<aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput>, AwsError>
    {
        let mut pages = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .describe_alarms()
                .alarm_name_prefix(prefix)
                .set_alarm_types(Some(types.to_vec()))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DescribeAlarms", &e))?;
            token = page.next_token().map(str::to_owned);
            pages.push(page);
            if token.is_none() {
                return Ok(pages);
            }
        }
    }
}

impl AlarmStore for CloudWatchAlarms {
    async fn list(&self, prefix: &str) -> Result<Vec<Alarm>, AwsError> {
        let mut out = Vec::new();
        let types = [AlarmType::MetricAlarm, AlarmType::CompositeAlarm];
        for page in self.describe_all(prefix, &types).await? {
            for m in page.metric_alarms() {
                let tags = self.tags(m.alarm_arn()).await?;
                out.push(Alarm::Metric(metric_alarm_from(m, tags)));
            }
            for c in page.composite_alarms() {
                let tags = self.tags(c.alarm_arn()).await?;
                out.push(Alarm::Composite(composite_from(c, tags)));
            }
        }
        Ok(out)
    }

    async fn put(&self, alarm: &Alarm, retag: bool) -> Result<(), AwsError> {
        match alarm {
            Alarm::Metric(m) => self.put_metric(m).await?,
            Alarm::Composite(c) => self.put_composite(c).await?,
        }
        if !retag {
            return Ok(());
        }
        let arn = self.arn_of(alarm.name()).await?;
        self.client
            .tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(tags(alarm.tags())))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("TagResource", &e))?;
        Ok(())
    }

    async fn delete(&self, names: &[String]) -> Result<(), AwsError> {
        // Up to 100 names a call, as CloudWatch allows.
        for chunk in names.chunks(100) {
            self.client
                .delete_alarms()
                .set_alarm_names(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DeleteAlarms", &e))?;
        }
        Ok(())
    }
}

impl CloudWatchAlarms {
    async fn arn_of(&self, name: &str) -> Result<String, AwsError> {
        let answer = self
            .client
            .describe_alarms()
            .alarm_names(name)
            .alarm_types(AlarmType::MetricAlarm)
            .alarm_types(AlarmType::CompositeAlarm)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeAlarms", &e))?;
        answer
            .metric_alarms()
            .iter()
            .filter_map(|a| a.alarm_arn())
            .chain(
                answer
                    .composite_alarms()
                    .iter()
                    .filter_map(|a| a.alarm_arn()),
            )
            .next()
            .map(str::to_owned)
            .ok_or_else(|| {
                AwsError::new(
                    "DescribeAlarms",
                    super::error::ErrorKind::NotFound,
                    format!("{name}: the alarm just put is not there"),
                )
            })
    }

    async fn put_metric(&self, m: &MetricAlarm) -> Result<(), AwsError> {
        let mut req = self
            .client
            .put_metric_alarm()
            .alarm_name(&m.name)
            .alarm_description(&m.description)
            .actions_enabled(true)
            .set_alarm_actions(Some(m.alarm_actions.clone()))
            .set_ok_actions(Some(m.ok_actions.clone()))
            .comparison_operator(ComparisonOperator::from(m.comparison.as_str()))
            .threshold(m.threshold)
            .evaluation_periods(m.evaluation_periods as i32)
            .datapoints_to_alarm(m.datapoints_to_alarm as i32)
            .treat_missing_data(m.treat_missing_data.as_str())
            // Sliding is CloudWatch's default: sent only to switch away from it.
            .set_evaluation_window(match m.evaluation_window {
                EvaluationWindow::Sliding => None,
                EvaluationWindow::WallClock => Some(
                    aws_sdk_cloudwatch::types::EvaluationWindow::WallClockWindow(
                        aws_sdk_cloudwatch::types::WallClockWindow::builder().build(),
                    ),
                ),
            })
            .set_tags(Some(tags(&m.tags)));
        req = match &m.source {
            AlarmSource::Metric(r) => {
                let req = req
                    .namespace(&r.namespace)
                    .metric_name(&r.name)
                    .set_dimensions(Some(dimensions(&r.dimensions)))
                    .period(r.period_secs as i32);
                if r.stat.is_standard() {
                    req.statistic(Statistic::from(r.stat.to_string().as_str()))
                } else {
                    req.extended_statistic(r.stat.to_string())
                }
            }
            AlarmSource::Math {
                expression,
                metrics,
            } => {
                let mut queries = vec![
                    MetricDataQuery::builder()
                        .id("e1")
                        .expression(expression)
                        .return_data(true)
                        .build(),
                ];
                queries.extend(metrics.iter().map(|r| {
                    MetricDataQuery::builder()
                        .id(&r.id)
                        .metric_stat(
                            MetricStat::builder()
                                .metric(
                                    Metric::builder()
                                        .namespace(&r.namespace)
                                        .metric_name(&r.name)
                                        .set_dimensions(Some(dimensions(&r.dimensions)))
                                        .build(),
                                )
                                .period(r.period_secs as i32)
                                .stat(r.stat.to_string())
                                .build(),
                        )
                        .return_data(false)
                        .build()
                }));
                req.set_metrics(Some(queries))
            }
        };
        req.send()
            .await
            .map_err(|e| AwsError::from_sdk("PutMetricAlarm", &e))?;
        Ok(())
    }

    async fn put_composite(&self, c: &CompositeAlarm) -> Result<(), AwsError> {
        let mut req = self
            .client
            .put_composite_alarm()
            .alarm_name(&c.name)
            .alarm_description(&c.description)
            .alarm_rule(c.rule.to_string())
            .actions_enabled(true)
            .set_alarm_actions(Some(c.alarm_actions.clone()))
            .set_ok_actions(Some(c.ok_actions.clone()))
            .set_tags(Some(tags(&c.tags)));
        if let Some(s) = &c.suppressor {
            req = req
                .actions_suppressor(&s.alarm)
                .actions_suppressor_wait_period(s.wait_period_secs as i32)
                .actions_suppressor_extension_period(s.extension_period_secs as i32);
        }
        req.send()
            .await
            .map_err(|e| AwsError::from_sdk("PutCompositeAlarm", &e))?;
        Ok(())
    }
}

fn tags(t: &BTreeMap<String, String>) -> Vec<Tag> {
    t.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn dimensions(d: &[(String, String)]) -> Vec<Dimension> {
    d.iter()
        .map(|(n, v)| Dimension::builder().name(n).value(v).build())
        .collect()
}

fn sorted_dimensions(d: &[Dimension]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = d
        .iter()
        .map(|d| {
            (
                d.name().unwrap_or_default().to_owned(),
                d.value().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn metric_alarm_from(
    m: &aws_sdk_cloudwatch::types::MetricAlarm,
    tags: BTreeMap<String, String>,
) -> MetricAlarm {
    let source = if m.metrics().is_empty() {
        AlarmSource::Metric(MetricRef {
            id: String::new(),
            namespace: m.namespace().unwrap_or_default().to_owned(),
            name: m.metric_name().unwrap_or_default().to_owned(),
            dimensions: sorted_dimensions(m.dimensions()),
            stat: Stat::parse(
                m.statistic()
                    .map(|s| s.as_str())
                    .or(m.extended_statistic())
                    .unwrap_or_default(),
            ),
            period_secs: m.period().unwrap_or(0).max(0) as u32,
        })
    } else {
        let expression = m
            .metrics()
            .iter()
            .find_map(|q| q.expression())
            .unwrap_or_default()
            .to_owned();
        let metrics = m
            .metrics()
            .iter()
            .filter_map(|q| {
                let stat = q.metric_stat()?;
                let metric = stat.metric()?;
                Some(MetricRef {
                    id: q.id().unwrap_or_default().to_owned(),
                    namespace: metric.namespace().unwrap_or_default().to_owned(),
                    name: metric.metric_name().unwrap_or_default().to_owned(),
                    dimensions: sorted_dimensions(metric.dimensions()),
                    stat: Stat::parse(stat.stat().unwrap_or_default()),
                    period_secs: stat.period().unwrap_or(0).max(0) as u32,
                })
            })
            .collect();
        AlarmSource::Math {
            expression,
            metrics,
        }
    };
    MetricAlarm {
        name: m.alarm_name().unwrap_or_default().to_owned(),
        description: m.alarm_description().unwrap_or_default().to_owned(),
        source,
        comparison: m
            .comparison_operator()
            .and_then(|c| Comparison::parse(c.as_str()))
            .unwrap_or(Comparison::GreaterThanOrEqualToThreshold),
        threshold: m.threshold().unwrap_or(f64::NAN),
        evaluation_periods: m.evaluation_periods().unwrap_or(0).max(0) as u32,
        datapoints_to_alarm: m
            .datapoints_to_alarm()
            .or(m.evaluation_periods())
            .unwrap_or(0)
            .max(0) as u32,
        treat_missing_data: TreatMissingData::parse(m.treat_missing_data()),
        evaluation_window: match m.evaluation_window() {
            Some(w) if w.is_wall_clock_window() => EvaluationWindow::WallClock,
            _ => EvaluationWindow::Sliding,
        },
        alarm_actions: m.alarm_actions().to_vec(),
        ok_actions: m.ok_actions().to_vec(),
        tags,
    }
}

fn composite_from(
    c: &aws_sdk_cloudwatch::types::CompositeAlarm,
    tags: BTreeMap<String, String>,
) -> CompositeAlarm {
    CompositeAlarm {
        name: c.alarm_name().unwrap_or_default().to_owned(),
        description: c.alarm_description().unwrap_or_default().to_owned(),
        rule: Rule::parse(c.alarm_rule().unwrap_or_default()),
        alarm_actions: c.alarm_actions().to_vec(),
        ok_actions: c.ok_actions().to_vec(),
        suppressor: c.actions_suppressor().map(|alarm| Suppressor {
            alarm: alarm.to_owned(),
            wait_period_secs: c.actions_suppressor_wait_period().unwrap_or(0).max(0) as u32,
            extension_period_secs: c.actions_suppressor_extension_period().unwrap_or(0).max(0)
                as u32,
        }),
        tags,
    }
}

/// An alarm's state as `DescribeAlarms` gives it (composites' and metric alarms' alike).
pub type CompositeState = crate::core::alarms::AlarmStatus;

/// One state change from `DescribeAlarmHistory`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateChange {
    pub name: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub new_state: String,
}

/// What `slo notify` watches: the composites' states, and their history.
pub trait AlarmWatcher {
    fn composite_states(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<CompositeState>, AwsError>> + Send;

    /// State changes of composites named `prefix…` since `from`, oldest first.
    fn state_changes(
        &self,
        prefix: &str,
        from: chrono::DateTime<chrono::Utc>,
    ) -> impl Future<Output = Result<Vec<StateChange>, AwsError>> + Send;

    /// The states of the metric alarms named `prefix…` (the infra alarms, for the dashboard).
    fn metric_alarm_states(
        &self,
        _prefix: &str,
    ) -> impl Future<Output = Result<Vec<CompositeState>, AwsError>> + Send {
        std::future::ready(Ok(Vec::new()))
    }
}

fn chrono_time(
    t: Option<&aws_sdk_cloudwatch::primitives::DateTime>,
) -> chrono::DateTime<chrono::Utc> {
    t.and_then(super::utc).unwrap_or_default()
}

/// An alarm's name, state and when it entered it, as `DescribeAlarms` gives them.
fn state_of(
    name: Option<&str>,
    state: Option<&aws_sdk_cloudwatch::types::StateValue>,
    since: Option<&aws_sdk_cloudwatch::primitives::DateTime>,
) -> CompositeState {
    CompositeState {
        name: name.unwrap_or_default().to_owned(),
        state: state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        since: chrono_time(since),
    }
}

impl AlarmWatcher for CloudWatchAlarms {
    async fn composite_states(&self, prefix: &str) -> Result<Vec<CompositeState>, AwsError> {
        let pages = self
            .describe_all(prefix, &[AlarmType::CompositeAlarm])
            .await?;
        Ok(pages
            .iter()
            .flat_map(|p| p.composite_alarms())
            .map(|c| state_of(c.alarm_name(), c.state_value(), c.state_updated_timestamp()))
            .collect())
    }

    async fn metric_alarm_states(&self, prefix: &str) -> Result<Vec<CompositeState>, AwsError> {
        let pages = self.describe_all(prefix, &[AlarmType::MetricAlarm]).await?;
        Ok(pages
            .iter()
            .flat_map(|p| p.metric_alarms())
            .map(|c| state_of(c.alarm_name(), c.state_value(), c.state_updated_timestamp()))
            .collect())
    }

    async fn state_changes(
        &self,
        prefix: &str,
        from: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<StateChange>, AwsError> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .describe_alarm_history()
                .alarm_types(AlarmType::CompositeAlarm)
                .history_item_type(aws_sdk_cloudwatch::types::HistoryItemType::StateUpdate)
                .start_date(aws_sdk_cloudwatch::primitives::DateTime::from_millis(
                    from.timestamp_millis(),
                ))
                .end_date(aws_sdk_cloudwatch::primitives::DateTime::from_secs(
                    chrono::Utc::now().timestamp() + 60,
                ))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DescribeAlarmHistory", &e))?;
            for h in page.alarm_history_items() {
                let name = h.alarm_name().unwrap_or_default();
                if !name.starts_with(prefix) {
                    continue;
                }
                // The new state is the history data's `newState.stateValue`.
                let new_state = h
                    .history_data()
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
                    .and_then(|v| v["newState"]["stateValue"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                out.push(StateChange {
                    name: name.to_owned(),
                    at: chrono_time(h.timestamp()),
                    new_state,
                });
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        out.sort_by_key(|c| c.at);
        Ok(out)
    }
}

/// Where dashboards live (CloudWatch's, global to the account).
pub trait DashboardStore {
    /// Every dashboard whose name starts with `prefix`, with its body.
    fn list_dashboards(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<(String, serde_json::Value)>, AwsError>> + Send;

    fn put_dashboard(
        &self,
        name: &str,
        body: &serde_json::Value,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

    fn delete_dashboard(&self, name: &str) -> impl Future<Output = Result<(), AwsError>> + Send;
}

impl DashboardStore for CloudWatchAlarms {
    async fn list_dashboards(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, serde_json::Value)>, AwsError> {
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_dashboards()
                .dashboard_name_prefix(prefix)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ListDashboards", &e))?;
            names.extend(
                page.dashboard_entries()
                    .iter()
                    .filter_map(|d| d.dashboard_name().map(str::to_owned)),
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        let mut out = Vec::new();
        for name in names {
            let d = self
                .client
                .get_dashboard()
                .dashboard_name(&name)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("GetDashboard", &e))?;
            let body = d
                .dashboard_body()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or(serde_json::Value::Null);
            out.push((name, body));
        }
        Ok(out)
    }

    async fn put_dashboard(&self, name: &str, body: &serde_json::Value) -> Result<(), AwsError> {
        self.client
            .put_dashboard()
            .dashboard_name(name)
            .dashboard_body(body.to_string())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("PutDashboard", &e))?;
        Ok(())
    }

    async fn delete_dashboard(&self, name: &str) -> Result<(), AwsError> {
        self.client
            .delete_dashboards()
            .dashboard_names(name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DeleteDashboards", &e))?;
        Ok(())
    }
}

/// Where alarm mute rules live (CloudWatch's, per region): slo's maintenance windows.
pub trait MuteRuleStore {
    /// Every mute rule whose name starts with `prefix`, with its tags.
    fn list_mute_rules(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<MuteRule>, AwsError>> + Send;

    /// Creates or replaces the rule (its tags too).
    fn put_mute_rule(&self, rule: &MuteRule) -> impl Future<Output = Result<(), AwsError>> + Send;

    fn delete_mute_rule(&self, name: &str) -> impl Future<Output = Result<(), AwsError>> + Send;
}

fn smithy_time(t: chrono::DateTime<chrono::Utc>) -> aws_sdk_cloudwatch::primitives::DateTime {
    aws_sdk_cloudwatch::primitives::DateTime::from_secs(t.timestamp())
}

impl MuteRuleStore for CloudWatchAlarms {
    async fn list_mute_rules(&self, prefix: &str) -> Result<Vec<MuteRule>, AwsError> {
        let mut arns = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_alarm_mute_rules()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ListAlarmMuteRules", &e))?;
            arns.extend(
                page.alarm_mute_rule_summaries()
                    .iter()
                    .filter_map(|s| s.alarm_mute_rule_arn().map(str::to_owned)),
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        let mut out = Vec::new();
        for arn in arns {
            // `arn:aws:cloudwatch:region:account:alarm-mute-rule:NAME`
            let name = arn.rsplit(':').next().unwrap_or(&arn).to_owned();
            if !name.starts_with(prefix) {
                continue;
            }
            let r = self
                .client
                .get_alarm_mute_rule()
                .alarm_mute_rule_name(&name)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("GetAlarmMuteRule", &e))?;
            let schedule = r.rule().and_then(|r| r.schedule());
            let mut alarm_names: Vec<String> = r
                .mute_targets()
                .map(|t| t.alarm_names().to_vec())
                .unwrap_or_default();
            alarm_names.sort();
            out.push(MuteRule {
                name: r.name().unwrap_or(&name).to_owned(),
                description: r.description().unwrap_or_default().to_owned(),
                expression: schedule
                    .and_then(|s| s.expression())
                    .unwrap_or_default()
                    .to_owned(),
                duration: schedule
                    .and_then(|s| s.duration())
                    .unwrap_or_default()
                    .to_owned(),
                time_zone: schedule
                    .and_then(|s| s.timezone())
                    .unwrap_or("UTC")
                    .to_owned(),
                start_date: r.start_date().and_then(super::utc),
                expire_date: r.expire_date().and_then(super::utc),
                alarm_names,
                tags: self.tags(Some(&arn)).await?,
            });
        }
        Ok(out)
    }

    async fn put_mute_rule(&self, rule: &MuteRule) -> Result<(), AwsError> {
        let schedule = aws_sdk_cloudwatch::types::Schedule::builder()
            .expression(&rule.expression)
            .duration(&rule.duration)
            .timezone(&rule.time_zone)
            .build();
        self.client
            .put_alarm_mute_rule()
            .name(&rule.name)
            .description(&rule.description)
            .rule(
                aws_sdk_cloudwatch::types::Rule::builder()
                    .schedule(schedule)
                    .build(),
            )
            .mute_targets(
                aws_sdk_cloudwatch::types::MuteTargets::builder()
                    .set_alarm_names(Some(rule.alarm_names.clone()))
                    .build(),
            )
            .set_tags(Some(tags(&rule.tags)))
            .set_start_date(rule.start_date.map(smithy_time))
            .set_expire_date(rule.expire_date.map(smithy_time))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("PutAlarmMuteRule", &e))?;
        Ok(())
    }

    async fn delete_mute_rule(&self, name: &str) -> Result<(), AwsError> {
        self.client
            .delete_alarm_mute_rule()
            .alarm_mute_rule_name(name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DeleteAlarmMuteRule", &e))?;
        Ok(())
    }
}
