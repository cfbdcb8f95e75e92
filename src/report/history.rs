//! Each spec's ECS deployment history, from ECS (through any `DeploymentReader`) or from
//! files: paging, batching, images, and the fallback to `DescribeServices` when the service
//! deployments API has nothing or may not be called. A service whose deployments cannot be
//! read is a warning, never a failed report.

use crate::aws::AwsError;
use crate::aws::ecs::{DeploymentReader, MAX_ARNS_PER_DESCRIBE};
use crate::core::deployments::{
    DeploymentSource, Image, ServiceDeploymentRecord, ServiceHistory, from_describe_services,
};
use crate::core::model::ServiceSlo;
use crate::core::window::TimeRange;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// A service's history, and what the user should be told about how it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    pub history: ServiceHistory,
    pub warning: Option<String>,
}

/// `slo`'s deployments created in `range` (the report's data range and the lead time before
/// it). `ListServiceDeployments` first; when it fails or finds nothing, `DescribeServices`,
/// which knows only recent deployments; when both fail, `Unavailable` with a warning.
pub async fn history<R: DeploymentReader>(
    reader: &R,
    slo: &ServiceSlo,
    range: TimeRange,
) -> Fetched {
    let Some(ecs) = &slo.ecs else {
        return Fetched {
            history: ServiceHistory::none(),
            warning: None,
        };
    };
    let primary = service_deployments(reader, slo, &ecs.cluster, &ecs.service, range).await;
    let primary_error = match primary {
        Ok(found) if !found.is_empty() => {
            return Fetched {
                history: ServiceHistory {
                    deployments: found,
                    source: DeploymentSource::ServiceDeployments,
                },
                warning: None,
            };
        }
        Ok(_) => None,
        Err(e) => Some(e),
    };
    match reader.describe_service(&ecs.cluster, &ecs.service).await {
        Ok(record) => {
            let found: Vec<_> = from_describe_services(&slo.service, &record)
                .into_iter()
                .filter(|d| d.start() < range.end && d.finished_at.is_none_or(|f| f >= range.start))
                .collect();
            let source = if found.is_empty() && primary_error.is_none() {
                DeploymentSource::ServiceDeployments
            } else {
                DeploymentSource::DescribeServices
            };
            Fetched {
                history: ServiceHistory {
                    deployments: found,
                    source,
                },
                warning: primary_error.map(|e| {
                    format!(
                        "{}: service deployments of {}/{} unreadable ({e}); using DescribeServices, which knows only recent deployments",
                        slo.service, ecs.cluster, ecs.service
                    )
                }),
            }
        }
        Err(e) => Fetched {
            history: ServiceHistory {
                deployments: Vec::new(),
                source: DeploymentSource::Unavailable,
            },
            warning: Some(format!(
                "{}: cannot read the deployments of ECS service {}/{} ({}); incidents are reported without them",
                slo.service,
                ecs.cluster,
                ecs.service,
                primary_error.as_ref().unwrap_or(&e)
            )),
        },
    }
}

async fn service_deployments<R: DeploymentReader>(
    reader: &R,
    slo: &ServiceSlo,
    cluster: &str,
    service: &str,
    range: TimeRange,
) -> Result<Vec<crate::core::deployments::Deployment>, AwsError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let (page, next) = reader
            .list_service_deployments(cluster, service, range, token.take())
            .await?;
        arns.extend(page);
        token = next;
        if token.is_none() {
            break;
        }
    }
    let mut records = Vec::new();
    for chunk in arns.chunks(MAX_ARNS_PER_DESCRIBE) {
        records.extend(reader.describe_service_deployments(chunk).await?);
    }
    let mut revisions: Vec<String> = records
        .iter()
        .filter_map(|r| r.target_revision_arn.clone())
        .collect();
    revisions.sort();
    revisions.dedup();
    let mut images: HashMap<String, Vec<Image>> = HashMap::new();
    for chunk in revisions.chunks(MAX_ARNS_PER_DESCRIBE) {
        // Images only name what was deployed: without them the correlation still stands.
        if let Ok(found) = reader.describe_service_revisions(chunk).await {
            images.extend(found);
        }
    }
    Ok(records
        .into_iter()
        .filter_map(|r| {
            let imgs = r
                .target_revision_arn
                .as_ref()
                .and_then(|a| images.get(a).cloned())
                .unwrap_or_default();
            r.into_deployment(&slo.service, imgs)
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", file.display())]
pub struct FileError {
    pub file: PathBuf,
    pub problem: String,
}

/// The largest deployments file read (a year of a busy service's deployments is a few MB).
pub const MAX_DEPLOYMENTS_FILE: u64 = 64 * 1024 * 1024;

/// Deployments from files, and what in them matched no spec.
#[derive(Debug, Default)]
pub struct FromFiles {
    pub histories: BTreeMap<String, ServiceHistory>,
    /// `cluster/service` of deployments no spec's `ecs` names, each once, sorted.
    pub unmatched: Vec<String>,
}

/// Deployments from files as `aws ecs describe-service-deployments` prints them
/// (`{"serviceDeployments": [...]}`, times in ISO 8601 or epoch seconds), matched to the specs
/// by the service ARN's cluster and service. Revisions (`{"serviceRevisions": [...]}`, as
/// `aws ecs describe-service-revisions` prints them) name the images deployed; they may come
/// in the same file or their own, and are joined to deployments by ARN across files. Every
/// spec with `ecs:` gets a history (`File`), empty when no file names it.
pub fn from_files(paths: &[PathBuf], slos: &[&ServiceSlo]) -> Result<FromFiles, FileError> {
    let mut histories: BTreeMap<String, ServiceHistory> = slos
        .iter()
        .filter(|s| s.ecs.is_some())
        .map(|s| {
            (
                s.service.clone(),
                ServiceHistory {
                    deployments: Vec::new(),
                    source: DeploymentSource::File,
                },
            )
        })
        .collect();
    let mut records = Vec::new();
    let mut images: HashMap<String, Vec<Image>> = HashMap::new();
    for path in paths {
        let fail = |problem: String| FileError {
            file: path.clone(),
            problem,
        };
        let text =
            crate::report::evidence::read_bounded(path, MAX_DEPLOYMENTS_FILE).map_err(fail)?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
        let list = doc.get("serviceDeployments");
        if list.is_none() && doc.get("serviceRevisions").is_none() {
            return Err(fail(
                "no `serviceDeployments` array: expected the output of `aws ecs describe-service-deployments` (or of `aws ecs describe-service-revisions`)".to_owned(),
            ));
        }
        images.extend(revision_images(&doc).map_err(fail)?);
        let list = match list {
            None => continue,
            Some(l) => l
                .as_array()
                .ok_or_else(|| fail("`serviceDeployments` is not an array".to_owned()))?,
        };
        for (i, item) in list.iter().enumerate() {
            records
                .push(record_of(item).map_err(|p| fail(format!("serviceDeployments[{i}]: {p}")))?);
        }
    }
    let mut unmatched = std::collections::BTreeSet::new();
    for record in records {
        let Some(slo) = slos
            .iter()
            .find(|s| names_service(s, record.service_arn.as_deref()))
        else {
            if let Some(arn) = &record.service_arn {
                let mut parts = arn.rsplit('/');
                let (service, cluster) = (parts.next(), parts.next());
                unmatched.insert(format!(
                    "{}/{}",
                    cluster.unwrap_or("?"),
                    service.unwrap_or("?")
                ));
            }
            continue;
        };
        let imgs = record
            .target_revision_arn
            .as_ref()
            .and_then(|a| images.get(a).cloned())
            .unwrap_or_default();
        if let (Some(d), Some(h)) = (
            record.into_deployment(&slo.service, imgs),
            histories.get_mut(&slo.service),
        ) {
            h.deployments.push(d);
        }
    }
    for h in histories.values_mut() {
        h.deployments.sort_by_key(|d| d.start());
    }
    Ok(FromFiles {
        histories,
        unmatched: unmatched.into_iter().collect(),
    })
}

/// `arn:aws:ecs:<region>:<account>:service/<cluster>/<service>` names the spec's ECS service.
fn names_service(slo: &ServiceSlo, service_arn: Option<&str>) -> bool {
    let (Some(ecs), Some(arn)) = (&slo.ecs, service_arn) else {
        return false;
    };
    let mut parts = arn.rsplit('/');
    let (service, cluster) = (parts.next(), parts.next());
    service == Some(ecs.service.as_str()) && cluster == Some(ecs.cluster.as_str())
}

fn revision_images(doc: &Value) -> Result<HashMap<String, Vec<Image>>, String> {
    let mut out = HashMap::new();
    let Some(list) = doc.get("serviceRevisions") else {
        return Ok(out);
    };
    let list = list
        .as_array()
        .ok_or("`serviceRevisions` is not an array")?;
    for (i, r) in list.iter().enumerate() {
        let arn = text(r, "serviceRevisionArn")
            .ok_or_else(|| format!("serviceRevisions[{i}]: no serviceRevisionArn"))?;
        let images = r
            .get("containerImages")
            .and_then(Value::as_array)
            .map(|imgs| {
                imgs.iter()
                    .filter_map(|img| {
                        Some(Image {
                            image: text(img, "image")?,
                            digest: text(img, "imageDigest"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.insert(arn, images);
    }
    Ok(out)
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A time as the AWS CLI prints it (`2026-11-15T14:00:00.123000+00:00`) or epoch seconds.
fn time(v: &Value, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .and_then(|s| DateTime::from_timestamp_millis((s * 1000.0).round() as i64))
            .map(Some)
            .ok_or_else(|| format!("`{key}`: {n} is not a time")),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| format!("`{key}`: `{s}` is not an ISO 8601 time")),
        Some(other) => Err(format!("`{key}`: {other} is not a time")),
    }
}

fn record_of(v: &Value) -> Result<ServiceDeploymentRecord, String> {
    if !v.is_object() {
        return Err("not an object".to_owned());
    }
    let arn = text(v, "serviceDeploymentArn").ok_or("no serviceDeploymentArn")?;
    let status = text(v, "status").ok_or("no status")?;
    let created_at = time(v, "createdAt")?;
    let started_at = time(v, "startedAt")?;
    if created_at.is_none() && started_at.is_none() {
        return Err(format!("{arn}: neither createdAt nor startedAt"));
    }
    let rollback = v.get("rollback");
    let breaker = v.get("deploymentCircuitBreaker");
    let count = |b: &Value, k: &str| b.get(k).and_then(Value::as_u64).unwrap_or(0) as u32;
    Ok(ServiceDeploymentRecord {
        service_arn: text(v, "serviceArn"),
        status_reason: text(v, "statusReason"),
        created_at,
        started_at,
        finished_at: time(v, "finishedAt")?,
        stopped_at: time(v, "stoppedAt")?,
        target_revision_arn: v.get("targetServiceRevision").and_then(|r| text(r, "arn")),
        rollback_reason: rollback.and_then(|r| text(r, "reason")),
        rollback_started_at: match rollback {
            Some(r) => time(r, "startedAt")?,
            None => None,
        },
        rolled_back: rollback.is_some(),
        circuit_breaker: breaker.map(|b| {
            (
                text(b, "status").unwrap_or_default(),
                count(b, "failureCount"),
                count(b, "threshold"),
            )
        }),
        triggered_alarms: v
            .get("alarms")
            .and_then(|a| a.get("triggeredAlarmNames"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        strategy: v
            .get("deploymentConfiguration")
            .and_then(|c| text(c, "strategy")),
        arn,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ErrorKind;
    use crate::aws::failing::{FailOn, Failing};
    use crate::aws::memory::MemoryDeployments;
    use crate::core::deployments::{EcsDeploymentRecord, EcsServiceRecord};
    use crate::spec::diag::Diagnostics;
    use crate::spec::load::parse_spec;
    use chrono::TimeDelta;

    fn t(m: i64) -> DateTime<Utc> {
        "2026-11-15T14:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(m)
    }

    fn slo() -> ServiceSlo {
        let text = "apiVersion: slo/v1\nservice: checkout\nalb: { loadBalancer: app/lb/0123456789abcdef }\necs: { cluster: prod, service: checkout }\nobjectives:\n  - { name: a, sli: availability, target: 99.9% }\n";
        let mut d = Diagnostics::new(std::path::Path::new("t.yaml"));
        parse_spec(text.as_bytes(), &mut d).unwrap().0
    }

    fn reader() -> MemoryDeployments {
        MemoryDeployments {
            records: (0..5)
                .map(|i| ServiceDeploymentRecord {
                    arn: format!("d{i}"),
                    status: "SUCCESSFUL".into(),
                    created_at: Some(t(i * 60)),
                    ..Default::default()
                })
                .collect(),
            service: EcsServiceRecord {
                deployments: vec![EcsDeploymentRecord {
                    id: "ecs-svc/1".into(),
                    status: "PRIMARY".into(),
                    created_at: Some(t(10)),
                    rollout_state: Some("COMPLETED".into()),
                    ..Default::default()
                }],
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn range() -> TimeRange {
        TimeRange {
            start: t(-60),
            end: t(600),
        }
    }

    #[test]
    fn every_page_is_read() {
        let got = block_on(history(&reader(), &slo(), range()));
        assert_eq!(got.history.source, DeploymentSource::ServiceDeployments);
        assert_eq!(got.history.deployments.len(), 5);
        assert_eq!(got.warning, None);
    }

    #[test]
    fn denied_service_deployments_fall_back_to_describe_services_and_say_so() {
        let denied = Failing::kth(reader(), 1, ErrorKind::AccessDenied);
        let got = block_on(history(&denied, &slo(), range()));
        assert_eq!(got.history.source, DeploymentSource::DescribeServices);
        assert_eq!(got.history.deployments[0].arn, "ecs-svc/1");
        assert!(got.warning.unwrap().contains("DescribeServices"));
    }

    #[test]
    fn nothing_readable_is_unavailable_with_a_warning_not_an_error() {
        let denied = Failing::new(reader(), FailOn::From(1), ErrorKind::AccessDenied);
        let got = block_on(history(&denied, &slo(), range()));
        assert_eq!(got.history.source, DeploymentSource::Unavailable);
        assert!(got.history.deployments.is_empty());
        assert!(got.warning.unwrap().contains("cannot read the deployments"));
        // A failure half-way through paging is the same: no partial history.
        let half = Failing::kth(reader(), 2, ErrorKind::Throttled);
        let got = block_on(history(&half, &slo(), range()));
        assert_eq!(got.history.source, DeploymentSource::DescribeServices);
    }
}
