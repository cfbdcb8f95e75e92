//! `slo init`: find the ECS services behind application load balancers and draft one spec for
//! each (one per target group when a service has several). Discovery reads through any
//! `Inventory`; drafting is pure, and every draft is parsed back as a spec before it is
//! offered, so what is written passes `slo validate`.

use crate::aws::AwsError;
use crate::aws::inventory::{
    EcsService, Inventory, LoadBalancer, MAX_SERVICES_PER_DESCRIBE, TargetGroup,
};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("ECS cluster `{0}` does not exist")]
    NoCluster(String),
    #[error("ECS service `{service}` does not exist in cluster {clusters}")]
    NoService { service: String, clusters: String },
    #[error("cannot read {what}")]
    Aws {
        what: String,
        #[source]
        source: AwsError,
    },
}

/// One service, with what fronts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub service: EcsService,
    /// Each target group with its application load balancer.
    pub targets: Vec<(TargetGroup, LoadBalancer)>,
    pub log_group: Option<String>,
    /// Why there is no spec for it (no load balancer, a network load balancer only, …).
    pub skipped: Option<String>,
}

fn aws(what: impl Into<String>) -> impl FnOnce(AwsError) -> DiscoverError {
    let what = what.into();
    move |source| DiscoverError::Aws { what, source }
}

/// Every service of `clusters` (or only `services`, which must exist in one of them).
pub async fn discover<I: Inventory>(
    inventory: &I,
    clusters: &[String],
    services: &[String],
) -> Result<Vec<Found>, DiscoverError> {
    let mut described = Vec::new();
    for cluster in clusters {
        if !inventory
            .cluster_exists(cluster)
            .await
            .map_err(aws(format!("ECS cluster {cluster}")))?
        {
            return Err(DiscoverError::NoCluster(cluster.clone()));
        }
        let names: Vec<String> = if services.is_empty() {
            let mut arns = Vec::new();
            let mut token = None;
            loop {
                let (page, next) = inventory
                    .list_services(cluster, token.take())
                    .await
                    .map_err(aws(format!("the services of ECS cluster {cluster}")))?;
                arns.extend(page);
                token = next;
                if token.is_none() {
                    break;
                }
            }
            arns
        } else {
            services.to_vec()
        };
        for chunk in names.chunks(MAX_SERVICES_PER_DESCRIBE) {
            described.extend(
                inventory
                    .describe_services(cluster, chunk)
                    .await
                    .map_err(aws(format!("ECS services of cluster {cluster}")))?,
            );
        }
    }
    for wanted in services {
        if !described.iter().any(|s| &s.name == wanted) {
            return Err(DiscoverError::NoService {
                service: wanted.clone(),
                clusters: clusters.join(", "),
            });
        }
    }
    let tg_arns: Vec<String> = described
        .iter()
        .flat_map(|s| s.target_group_arns.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut tgs: BTreeMap<String, TargetGroup> = BTreeMap::new();
    // DescribeTargetGroups takes at most 20 ARNs a call.
    for chunk in tg_arns.chunks(20) {
        for tg in inventory
            .describe_target_groups(chunk)
            .await
            .map_err(aws("target groups"))?
        {
            tgs.insert(tg.arn.clone(), tg);
        }
    }
    let lb_arns: Vec<String> = tgs
        .values()
        .flat_map(|t| t.load_balancer_arns.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut lbs: BTreeMap<String, LoadBalancer> = BTreeMap::new();
    for chunk in lb_arns.chunks(20) {
        for lb in inventory
            .describe_load_balancers(chunk)
            .await
            .map_err(aws("load balancers"))?
        {
            lbs.insert(lb.arn.clone(), lb);
        }
    }
    let mut out = Vec::new();
    for service in described {
        let mut targets = Vec::new();
        let mut other_kinds = BTreeSet::new();
        for arn in &service.target_group_arns {
            let Some(tg) = tgs.get(arn) else { continue };
            for lb_arn in &tg.load_balancer_arns {
                match lbs.get(lb_arn) {
                    Some(lb) if lb.kind == "application" => targets.push((tg.clone(), lb.clone())),
                    Some(lb) => {
                        other_kinds.insert(lb.kind.clone());
                    }
                    None => {}
                }
            }
        }
        let skipped = if !targets.is_empty() {
            None
        } else if !other_kinds.is_empty() {
            Some(format!(
                "behind a {} load balancer only: ALB metrics and access logs do not exist for it",
                other_kinds.into_iter().collect::<Vec<_>>().join(" and ")
            ))
        } else if !service.target_group_arns.is_empty() {
            Some("its target groups are attached to no load balancer".to_owned())
        } else {
            Some(
                "no load balancer (service connect or internal only): no ALB traffic to measure"
                    .to_owned(),
            )
        };
        let log_group = match (&skipped, &service.task_definition) {
            (None, Some(td)) => inventory
                .log_group(td)
                .await
                .map_err(aws(format!("task definition {td}")))?,
            _ => None,
        };
        out.push(Found {
            service,
            targets,
            log_group,
            skipped,
        });
    }
    Ok(out)
}

/// What a drafted spec says beyond what was found.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftOptions {
    /// `99.9%`, as written into the spec.
    pub availability: String,
    /// `(threshold, target)`, e.g. `("1s", "99%")`; `None`: no latency objective.
    pub latency: Option<(String, String)>,
    pub window: String,
    pub sns: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// The spec's `service`, also its file name (`<service>.yaml`).
    pub service: String,
    pub yaml: String,
}

/// `app/shop-prod/50dc6c495c0c9188` from a load balancer ARN; `targetgroup/…/…` from a target
/// group ARN: the CloudWatch dimension values.
pub fn dimension_of(arn: &str, marker: &str) -> Option<String> {
    arn.find(marker).map(|i| arn[i + marker.len()..].to_owned())
}

/// A name `service:` accepts: letters, digits, `-`, `_`, `.`.
fn clean(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// One draft per (service, target group). A service with several target groups gets one spec
/// each, named `<service>-<target group>`; names that two clusters share get `-<cluster>`.
pub fn drafts(found: &[Found], opts: &DraftOptions) -> Vec<Draft> {
    let mut planned: Vec<(String, &Found, &TargetGroup, &LoadBalancer)> = Vec::new();
    for f in found.iter().filter(|f| f.skipped.is_none()) {
        for (tg, lb) in &f.targets {
            let name = if f.targets.len() > 1 {
                format!("{}-{}", f.service.name, tg.name)
            } else {
                f.service.name.clone()
            };
            planned.push((clean(&name), f, tg, lb));
        }
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (n, ..) in &planned {
        *counts.entry(n.clone()).or_default() += 1;
    }
    planned
        .into_iter()
        .map(|(name, f, tg, lb)| {
            let name = if counts[&name] > 1 {
                clean(&format!("{name}-{}", f.service.cluster))
            } else {
                name
            };
            Draft {
                yaml: yaml(&name, f, tg, lb, opts),
                service: name,
            }
        })
        .collect()
}

fn yaml(name: &str, f: &Found, tg: &TargetGroup, lb: &LoadBalancer, opts: &DraftOptions) -> String {
    let lb_dim = dimension_of(&lb.arn, ":loadbalancer/").unwrap_or_default();
    let tg_dim = dimension_of(&tg.arn, ":targetgroup/")
        .map_or_else(String::new, |d| format!("targetgroup/{d}"));
    let s = &f.service;
    let log_group = f
        .log_group
        .as_ref()
        .map_or(String::new(), |g| format!(", logGroup: {g}"));
    let mut out = format!(
        "# {name}: drafted by `slo init` from ECS service {}/{} and target group {} of its\n\
         # application load balancer. Edit freely; `slo validate` checks it, `slo plan` shows its alarms.\n\
         apiVersion: slo/v1\n\
         service: {name}                 # the name in reports and alarm names (letters, digits, - _ .)\n\
         alb:\n  \
           loadBalancer: {lb_dim}   # CloudWatch LoadBalancer dimension (the end of the ALB's ARN)\n  \
           targetGroup: {tg_dim}   # CloudWatch TargetGroup dimension: only this service's traffic\n\
         ecs: {{ cluster: {}, service: {}{log_group} }}   # deployments{} are read here\n\
         window: {}                       # the budget's window: rolling, or {{ calendar: month, timeZone: UTC }}\n\
         objectives:\n  \
           - name: availability\n    \
             sli: availability            # good = responses that are not 5xx\n    \
             target: {}                  # 99.9% allows 1 bad response in 1000; 99.5% five times as many\n",
        s.cluster,
        s.name,
        tg.name,
        s.cluster,
        s.name,
        if f.log_group.is_some() {
            " and logs"
        } else {
            ""
        },
        opts.window,
        opts.availability,
    );
    if let Some((threshold, target)) = &opts.latency {
        out.push_str(&format!(
            "  - name: latency\n    \
               sli: latency                 # good = the target answered within the threshold\n    \
               threshold: {threshold}                 # \"P99 < {threshold}\" is this threshold with target 99%\n    \
               target: {target}\n"
        ));
    }
    out.push_str(
        "alerting:\n  \
           policy: sre-workbook           # page on fast burns, ticket on slow ones (README: \"Alert tiers\")\n  \
           minRequests: 100/h             # no page from a handful of requests at night\n",
    );
    if let Some(sns) = &opts.sns {
        out.push_str(&format!(
            "notify:\n  sns: {sns}   # pages and tickets go here (through slo serve)\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(cluster: &str, name: &str, tgs: &[&str]) -> Found {
        Found {
            service: EcsService {
                cluster: cluster.into(),
                name: name.into(),
                ..Default::default()
            },
            targets: tgs
                .iter()
                .map(|t| {
                    (
                        TargetGroup {
                            arn: format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{t}/73e2d6bc24d8a067"),
                            name: (*t).into(),
                            load_balancer_arns: vec![],
                        },
                        LoadBalancer {
                            arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188".into(),
                            kind: "application".into(),
                        },
                    )
                })
                .collect(),
            log_group: None,
            skipped: None,
        }
    }

    fn opts() -> DraftOptions {
        DraftOptions {
            availability: "99.9%".into(),
            latency: Some(("1s".into(), "99%".into())),
            window: "30d".into(),
            sns: None,
        }
    }

    #[test]
    fn names_are_unique_and_every_draft_is_a_valid_spec() {
        let all = [
            found("prod", "checkout", &["checkout-prod"]),
            found("staging", "checkout", &["checkout-stg"]),
            found("prod", "shop", &["web", "api"]),
        ];
        let names: Vec<String> = drafts(&all, &opts())
            .into_iter()
            .map(|d| d.service)
            .collect();
        assert_eq!(
            names,
            ["checkout-prod", "checkout-staging", "shop-web", "shop-api"]
        );
        for d in drafts(&all, &opts()) {
            let mut diags = crate::spec::diag::Diagnostics::new(std::path::Path::new("x.yaml"));
            let parsed = crate::spec::load::parse_spec(d.yaml.as_bytes(), &mut diags);
            assert!(!diags.has_errors(), "{:?}\n{}", diags.items, d.yaml);
            let slo = parsed.unwrap().0;
            assert_eq!(slo.alb.load_balancer, "app/shop/50dc6c495c0c9188");
            assert!(slo.alb.target_group.unwrap().starts_with("targetgroup/"));
        }
    }
}

/// Where the found services' load balancers write their access logs: each place (bucket,
/// prefix, account, region) with the load balancers writing there, and the load balancers
/// whose logs are off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogPlaces {
    pub places: BTreeMap<crate::source::athena::ddl::LogPlace, BTreeSet<String>>,
    pub off: BTreeSet<String>,
}

pub async fn log_places<I: Inventory>(
    inventory: &I,
    found: &[Found],
) -> Result<LogPlaces, DiscoverError> {
    let arns: BTreeSet<&str> = found
        .iter()
        .flat_map(|f| &f.targets)
        .map(|(_, lb)| lb.arn.as_str())
        .collect();
    let mut out = LogPlaces::default();
    for arn in arns {
        // arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let name = dimension_of(arn, "loadbalancer/").unwrap_or_else(|| arn.to_owned());
        match inventory
            .access_logs(arn)
            .await
            .map_err(aws(format!("the attributes of {name}")))?
        {
            Some((bucket, prefix)) if parts.len() == 6 => {
                let place = crate::source::athena::ddl::LogPlace {
                    bucket,
                    prefix: prefix.trim_matches('/').to_owned(),
                    account: parts[4].to_owned(),
                    region: parts[3].to_owned(),
                };
                out.places.entry(place).or_default().insert(name);
            }
            _ => {
                out.off.insert(name);
            }
        }
    }
    Ok(out)
}

/// The Athena script `slo init --athena` prints: the database, one projected table per place,
/// and the report to run on it.
pub fn athena_script(places: &LogPlaces, database: &str, since: chrono::NaiveDate) -> String {
    use crate::source::athena::ddl;
    let mut out = format!(
        "-- The ALB access-log table of each place your load balancers write to: AWS's table with\n\
         -- partition projection (https://docs.aws.amazon.com/athena/latest/ug/create-alb-access-logs-table-partition-projection.html),\n\
         -- its user_agent and redirect_url groups reading escaped quotes. Run it in Athena (the\n\
         -- console, or `aws athena start-query-execution --query-string file://…`).\n\
         CREATE DATABASE IF NOT EXISTS {database};\n"
    );
    for (place, lbs) in &places.places {
        let table = ddl::table_name(place);
        out.push_str(&format!(
            "\n-- {} ({}): slo report --engine athena --athena-table {database}.{table}\n{};\n",
            place.location(),
            lbs.iter().cloned().collect::<Vec<_>>().join(", "),
            ddl::create_table(database, &table, place, since)
        ));
    }
    for lb in &places.off {
        out.push_str(&format!(
            "\n-- {lb}: access logs are off; turn them on with\n--   aws elbv2 modify-load-balancer-attributes --load-balancer-arn <its ARN> --attributes Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=<bucket>\n"
        ));
    }
    out
}
