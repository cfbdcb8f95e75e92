//! `apiVersion: openslo/v1` files: the documents of one file (`SLO`s with their `SLI`s, inline
//! or by `indicatorRef`, `Service`s) mapped onto one slo/v1 spec, which is then read by the
//! slo/v1 loader (the same checks and defaults). What cannot be mapped is an error with its
//! line and the reason, never dropped. The mapping (README, "OpenSLO"):
//! - a `ratioMetric` over CloudWatch's `AWS/ApplicationELB` metrics: `total` = `RequestCount`,
//!   `bad` = `HTTPCode_Target_5XX_Count` (→ `includeElb5xx: false`), with
//!   `HTTPCode_ELB_5XX_Count` too (two metrics or an expression: → `true`) — an availability
//!   objective; the `LoadBalancer` and `TargetGroup` dimensions are the spec's `alb`;
//! - a `thresholdMetric` on `TargetResponseTime` with an objective `op: lte` (or `lt`) and a
//!   `value` in seconds — a latency objective;
//! - `timeWindow` rolling (`30d`) or calendar (`1w`, `1M`, `1Q` with `calendar.timeZone`);
//! - `budgetingMethod: Occurrences` only; the ECS service from the labels `ecs-cluster` and
//!   `ecs-service`.

mod alerting;

use super::diag::{Diagnostic, Diagnostics, Level};

/// 1-based line and column.
type Location = (u64, u64);
use super::load::Parsed;
use serde_json::Value;

pub const API_VERSION: &str = "openslo/v1";

/// One YAML document, the file it is in (an index into the load's files) and the line it
/// starts at.
struct Doc {
    value: Value,
    text: String,
    first_line: u64,
    file: usize,
}

impl Doc {
    /// Where `key:` first appears in the document (1-based line, column).
    fn at(&self, key: &str) -> Option<Location> {
        let needle = format!("{key}:");
        self.text.lines().enumerate().find_map(|(i, l)| {
            let col = l.find(&needle)?;
            Some((self.first_line + i as u64, col as u64 + 1))
        })
    }

    fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or("")
    }

    fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or("")
    }
}

/// Whether `text`'s first document says `apiVersion: openslo/…`.
pub fn is_openslo(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with("apiVersion:"))
        .is_some_and(|l| {
            l.trim_start_matches("apiVersion:")
                .trim()
                .starts_with("openslo/")
        })
}

fn split(text: &str, file: usize, d: &mut Diagnostics) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut first_line = 1u64;
    let mut push = |text: &str, first_line: u64, d: &mut Diagnostics| {
        if text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            return;
        }
        match serde_saphyr::from_str::<Value>(text) {
            Ok(value) => docs.push(Doc {
                value,
                text: text.to_owned(),
                first_line,
                file,
            }),
            Err(e) => err(
                d,
                Some((first_line, 1)),
                "",
                format!("not YAML: {}", super::load::strip_location(&e.to_string())),
            ),
        }
    };
    for (i, line) in text.lines().enumerate() {
        if line.trim_end() == "---" {
            push(&current, first_line, d);
            current.clear();
            first_line = i as u64 + 2;
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    push(&current, first_line, d);
    docs
}

/// One service's spec mapped from OpenSLO documents.
#[derive(Clone, Debug)]
pub struct MappedSpec {
    /// The file of the service's first SLO.
    pub file: std::path::PathBuf,
    pub parsed: Parsed,
    /// The slo/v1 text it maps to (`slo convert --to slo`).
    pub slo_v1: String,
}

/// Every OpenSLO file of a load, together: `indicatorRef`, `alertPolicies`, `conditionRef`
/// and `targetRef` name documents of any of them, and a file may hold several services'
/// SLOs (each service's SLOs become one spec, wherever they are written). Problems are told in
/// the file and at the line of the document they are in.
pub fn load(files: &[(std::path::PathBuf, String)]) -> (Vec<MappedSpec>, Vec<Diagnostic>) {
    let mut ds: Vec<Diagnostics> = files.iter().map(|(p, _)| Diagnostics::new(p)).collect();
    let docs: Vec<Doc> = files
        .iter()
        .enumerate()
        .flat_map(|(i, (_, text))| split(text, i, &mut ds[i]))
        .collect();
    let mut index: std::collections::BTreeMap<(&str, &str), &Doc> = Default::default();
    for doc in &docs {
        check_document(doc, &mut ds[doc.file]);
        if doc.name().is_empty() || doc.kind() == "SLO" {
            continue;
        }
        if let Some(first) = index.insert((doc.kind(), doc.name()), doc) {
            let other = files[first.file].0.display().to_string();
            err_hint(
                &mut ds[doc.file],
                doc.at("name"),
                "metadata.name",
                format!(
                    "a second {} named `{}` (the first is in {other}, line {})",
                    doc.kind(),
                    doc.name(),
                    first.first_line
                ),
                "names of a kind are unique across the files read together",
            );
        }
    }
    // Each service's SLOs, in the order their first SLO is read.
    let mut services: Vec<(String, Vec<&Doc>)> = Vec::new();
    for slo in docs.iter().filter(|x| x.kind() == "SLO") {
        let Some(name) = slo.value["spec"]["service"].as_str() else {
            err(
                &mut ds[slo.file],
                slo.at("spec"),
                "spec.service",
                "an SLO names its service",
            );
            continue;
        };
        match services.iter_mut().find(|(s, _)| s == name) {
            Some((_, list)) => list.push(slo),
            None => services.push((name.to_owned(), vec![slo])),
        }
    }
    if services.is_empty() && !ds.iter().any(Diagnostics::has_errors) {
        for d in &mut ds {
            err_hint(
                d,
                Some((1, 1)),
                "kind",
                "no SLO document in the file",
                "an OpenSLO file for slo holds SLOs, with their SLIs",
            );
        }
    }
    let mut out = Vec::new();
    for (service, slos) in &services {
        let first = slos[0];
        let Some(v1) = map_service(service, slos, &index, &mut ds) else {
            continue;
        };
        // The slo/v1 loader's checks and defaults; its problems are told at the first SLO.
        let mut inner = Diagnostics::new(&files[first.file].0);
        let parsed = super::slo_v1::parse(&v1, &mut inner);
        for item in inner.items {
            ds[first.file].at_line(
                item.level,
                first.at("spec"),
                &item.field,
                format!("{} (mapped to slo/v1)", item.message),
                item.hint,
            );
        }
        if let Some((slo, _)) = parsed {
            out.push(MappedSpec {
                file: files[first.file].0.clone(),
                parsed: (slo, first.at("service")),
                slo_v1: v1,
            });
        }
    }
    let mut diagnostics = Vec::new();
    for mut d in ds {
        d.items.sort_by_key(|x| x.at.unwrap_or((0, 0)));
        diagnostics.extend(d.items);
    }
    // A service with a problem anywhere is not loaded half.
    let failed: std::collections::BTreeSet<String> = services
        .iter()
        .filter(|(_, slos)| {
            slos.iter().any(|s| {
                diagnostics
                    .iter()
                    .any(|x| x.is_error() && x.file == files[s.file].0)
            })
        })
        .map(|(s, _)| s.clone())
        .collect();
    out.retain(|m| !failed.contains(&m.parsed.0.service));
    (out, diagnostics)
}

/// The spec of a single OpenSLO file (its one service), or `None` with every problem in `d`.
pub fn parse(text: &str, d: &mut Diagnostics) -> Option<Parsed> {
    let (mut specs, diagnostics) = load(&[(d.file().to_path_buf(), text.to_owned())]);
    d.items.extend(diagnostics);
    if specs.len() > 1 {
        d.error_hint(
            None,
            "spec.service",
            format!("the file holds {} services' SLOs", specs.len()),
            "read it with `slo validate FILE`, which maps each service",
        );
        return None;
    }
    if d.has_errors() {
        return None;
    }
    specs.pop().map(|m| m.parsed)
}

/// A document's version and kind, checked.
fn check_document(doc: &Doc, d: &mut Diagnostics) {
    let version = doc.value["apiVersion"].as_str().unwrap_or("");
    if version != API_VERSION {
        err_hint(
            d,
            doc.at("apiVersion"),
            "apiVersion",
            format!("`{version}` in an OpenSLO file"),
            "every document of the file is `apiVersion: openslo/v1`",
        );
    }
    match doc.kind() {
        "SLO"
        | "SLI"
        | "Service"
        | "AlertPolicy"
        | "AlertCondition"
        | "AlertNotificationTarget" => {}
        // A DataSource only says where metrics come from: the sources name their metrics.
        "DataSource" => {}
        "" => err_hint(
            d,
            Some((doc.first_line, 1)),
            "kind",
            "an OpenSLO document names its kind (SLO, SLI, Service)",
            if doc.value.get("objectives").is_some() {
                "this reads like a slo/v1 spec: write `apiVersion: slo/v1`"
            } else {
                "add `kind: SLO` (or SLI, Service)"
            },
        ),
        other => err_hint(
            d,
            doc.at("kind"),
            "kind",
            format!("unknown kind `{other}`"),
            "OpenSLO v1 kinds: SLO, SLI, Service, AlertPolicy, AlertCondition, AlertNotificationTarget, DataSource",
        ),
    }
}

type Index<'a> = std::collections::BTreeMap<(&'a str, &'a str), &'a Doc>;

/// The slo/v1 text of one service's SLOs.
fn map_service(
    service: &str,
    slos: &[&Doc],
    index: &Index<'_>,
    ds: &mut [Diagnostics],
) -> Option<String> {
    let mut shared: Option<Shared> = None;
    let mut objectives = Vec::new();
    for slo in slos {
        let spec = &slo.value["spec"];
        let d = &mut ds[slo.file];
        if let Some(m) = spec["budgetingMethod"].as_str()
            && m != "Occurrences"
        {
            err_hint(
                d,
                slo.at("budgetingMethod"),
                "budgetingMethod",
                format!(
                    "`{m}` is not read: slo counts requests (Occurrences), not good time slices"
                ),
                "write `budgetingMethod: Occurrences`",
            );
            continue;
        }
        let Some((sli, sli_doc)) = indicator(slo, index, d) else {
            continue;
        };
        let Some(mapped) = map_slo(slo, sli, sli_doc, ds) else {
            continue;
        };
        // The ELB's own 5xx is the availability objectives' choice: a latency one has none.
        let same = |a: &Shared, b: &Shared| {
            Shared {
                include_elb_5xx: None,
                ..a.clone()
            } == Shared {
                include_elb_5xx: None,
                ..b.clone()
            } && (a.include_elb_5xx.is_none()
                || b.include_elb_5xx.is_none()
                || a.include_elb_5xx == b.include_elb_5xx)
        };
        match &mut shared {
            None => shared = Some(mapped.shared.clone()),
            Some(s) if same(s, &mapped.shared) => {
                s.include_elb_5xx = s.include_elb_5xx.or(mapped.shared.include_elb_5xx);
            }
            Some(_) => err_hint(
                &mut ds[slo.file],
                slo.at("spec"),
                "spec",
                format!(
                    "this SLO's load balancer, time window, region or ECS service differ from service `{service}`'s first SLO"
                ),
                "a service's objectives share one ALB, one window and one ECS service: give them the same, or another service name",
            ),
        }
        objectives.push(mapped.objective);
    }
    let alerting = alerting::of_service(service, slos, index, ds);
    if slos.iter().any(|s| ds[s.file].has_errors()) {
        return None;
    }
    let mut text = shared?.slo_v1(service, &objectives);
    text.push_str(&alerting?);
    Some(text)
}

/// What every objective of a service shares in slo/v1.
#[derive(Clone, Debug, PartialEq)]
struct Shared {
    load_balancer: String,
    target_group: Option<String>,
    include_elb_5xx: Option<bool>,
    region: Option<String>,
    window: String,
    ecs: Option<(String, String)>,
}

impl Shared {
    fn slo_v1(&self, service: &str, objectives: &[String]) -> String {
        let mut alb = format!("{{ loadBalancer: {}", self.load_balancer);
        if let Some(tg) = &self.target_group {
            alb.push_str(&format!(", targetGroup: {tg}"));
        }
        if let Some(region) = &self.region {
            alb.push_str(&format!(", region: {region}"));
        }
        if let Some(include) = self.include_elb_5xx {
            alb.push_str(&format!(", includeElb5xx: {include}"));
        }
        alb.push_str(" }");
        let mut text = format!(
            "apiVersion: slo/v1\nservice: {service}\nalb: {alb}\nwindow: {}\n",
            self.window
        );
        if let Some((cluster, ecs_service)) = &self.ecs {
            text.push_str(&format!(
                "ecs: {{ cluster: {cluster}, service: {ecs_service} }}\n"
            ));
        }
        text.push_str("objectives:\n");
        for o in objectives {
            text.push_str(&format!("  - {o}\n"));
        }
        text
    }
}

struct Mapped {
    shared: Shared,
    /// The slo/v1 objective, as a flow mapping.
    objective: String,
}

/// The SLO's SLI, and the document it is written in: inline (`indicator`) or by
/// `indicatorRef` to an SLI of any file read with it.
fn indicator<'a>(
    slo: &'a Doc,
    index: &Index<'a>,
    d: &mut Diagnostics,
) -> Option<(&'a Value, &'a Doc)> {
    let spec = &slo.value["spec"];
    if spec["indicator"].is_object() {
        return Some((&spec["indicator"], slo));
    }
    let Some(name) = spec["indicatorRef"].as_str() else {
        err(
            d,
            slo.at("spec"),
            "spec.indicator",
            "an SLO has an `indicator` or an `indicatorRef`",
        );
        return None;
    };
    let found = index.get(&("SLI", name)).copied();
    if found.is_none() {
        err_hint(
            d,
            slo.at("indicatorRef"),
            "spec.indicatorRef",
            format!("no SLI named `{name}` in the files read"),
            "put the SLI document in this file (documents are separated by ---) or in another file read with it",
        );
    }
    found.map(|o| (&o.value, o))
}

/// The CloudWatch metric a metric source names: (namespace, metric names it mentions,
/// dimensions).
struct Metric {
    metric_names: Vec<String>,
    dimensions: Vec<(String, String)>,
    /// `spec.region`: the region CloudWatch is read in.
    region: Option<String>,
}

fn cloudwatch(source: &Value) -> Option<Metric> {
    let source = source.get("metricSource").unwrap_or(source);
    let spec = &source["spec"];
    // `type` may be left to a referenced DataSource; ALB's namespace says CloudWatch then.
    let kind = source["type"].as_str().unwrap_or("");
    let cloudwatch = kind.eq_ignore_ascii_case("cloudwatch")
        || (kind.is_empty() && spec.to_string().contains("AWS/ApplicationELB"));
    if !cloudwatch {
        return None;
    }
    // Metric names wherever the spec says them: `metricName`, several `metrics`, or inside an
    // expression or a JSON query.
    let text = spec.to_string();
    let metric_names = [
        "RequestCount",
        "HTTPCode_Target_5XX_Count",
        "HTTPCode_ELB_5XX_Count",
        "TargetResponseTime",
    ]
    .iter()
    .filter(|m| text.contains(*m))
    .map(|m| (*m).to_owned())
    .collect();
    let mut dimensions = Vec::new();
    collect_dimensions(spec, &mut dimensions);
    Some(Metric {
        metric_names,
        dimensions,
        region: spec["region"].as_str().map(str::to_owned),
    })
}

/// `dimensions` as `[{name, value}]`, `[{Name, Value}]` or `{Key: value}`, at any depth.
fn collect_dimensions(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k.eq_ignore_ascii_case("dimensions") {
                    match child {
                        Value::Array(items) => {
                            for item in items {
                                let name = item.get("name").or_else(|| item.get("Name"));
                                let value = item.get("value").or_else(|| item.get("Value"));
                                if let (Some(Value::String(n)), Some(Value::String(v))) =
                                    (name, value)
                                {
                                    out.push((n.clone(), v.clone()));
                                }
                            }
                        }
                        Value::Object(m) => {
                            for (n, v) in m {
                                if let Value::String(v) = v {
                                    out.push((n.clone(), v.clone()));
                                }
                            }
                        }
                        _ => {}
                    }
                } else {
                    collect_dimensions(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_dimensions(i, out)),
        // A `json` query (CloudWatch's MetricDataQueries as text).
        Value::String(text) if text.trim_start().starts_with(['[', '{']) => {
            if let Ok(parsed) = serde_json::from_str::<Value>(text) {
                collect_dimensions(&parsed, out);
            }
        }
        _ => {}
    }
}

fn map_slo(slo: &Doc, sli: &Value, sli_doc: &Doc, ds: &mut [Diagnostics]) -> Option<Mapped> {
    let spec = &slo.value["spec"];
    let sli_spec = sli.get("spec").unwrap_or(sli);
    let objective = match spec["objectives"].as_array().map(Vec::as_slice) {
        Some([one]) => one,
        _ => {
            err_hint(
                &mut ds[slo.file],
                slo.at("objectives"),
                "spec.objectives",
                "slo reads one objective per SLO",
                "write an SLO per target",
            );
            return None;
        }
    };
    let target = objective["target"]
        .as_f64()
        .or_else(|| objective["targetPercent"].as_f64().map(|p| p / 100.0));
    let Some(target) = target else {
        err(
            &mut ds[slo.file],
            slo.at("target"),
            "spec.objectives[0].target",
            "a target (0.999, or targetPercent: 99.9) is required",
        );
        return None;
    };
    let window = time_window(slo, &mut ds[slo.file])?;
    let labels = &slo.value["metadata"]["labels"];
    let ecs = match (
        labels["ecs-cluster"].as_str(),
        labels["ecs-service"].as_str(),
    ) {
        (Some(c), Some(s)) => Some((c.to_owned(), s.to_owned())),
        _ => None,
    };
    let name = slo.name();
    let (sli_text, dims, include_elb_5xx, regions) = if let Some(ratio) =
        sli_spec.get("ratioMetric")
    {
        let total = ratio.get("total").and_then(cloudwatch);
        let bad = ratio.get("bad").and_then(cloudwatch);
        if ratio.get("good").is_some() && bad.is_none() {
            err_hint(
                &mut ds[sli_doc.file],
                sli_doc.at("good").or(sli_doc.at("ratioMetric")),
                "ratioMetric.good",
                "slo maps `bad` (the 5xx counts) over `total` (RequestCount); a `good` query has no ALB metric",
                "write bad: HTTPCode_Target_5XX_Count (with HTTPCode_ELB_5XX_Count to count the load balancer's own 5xx)",
            );
            return None;
        }
        let (Some(total), Some(bad)) = (total, bad) else {
            err_hint(
                &mut ds[sli_doc.file],
                sli_doc.at("ratioMetric"),
                "ratioMetric",
                "`total` and `bad` must be CloudWatch metric sources",
                "metricSource: { type: CloudWatch, spec: { namespace: AWS/ApplicationELB, metricName: RequestCount, dimensions: [...] } }",
            );
            return None;
        };
        if !total.metric_names.iter().any(|m| m == "RequestCount")
            || !bad
                .metric_names
                .iter()
                .any(|m| m == "HTTPCode_Target_5XX_Count")
        {
            err_hint(
                &mut ds[sli_doc.file],
                sli_doc.at("ratioMetric"),
                "ratioMetric",
                "an availability SLI is RequestCount (total) and HTTPCode_Target_5XX_Count (bad) of AWS/ApplicationELB",
                "other metrics are not mapped",
            );
            return None;
        }
        let include = bad
            .metric_names
            .iter()
            .any(|m| m == "HTTPCode_ELB_5XX_Count");
        (
            format!("{{ name: {name}, sli: availability, target: {target} }}"),
            total.dimensions,
            Some(include),
            vec![total.region, bad.region],
        )
    } else if let Some(threshold) = sli_spec.get("thresholdMetric").and_then(cloudwatch) {
        if !threshold
            .metric_names
            .iter()
            .any(|m| m == "TargetResponseTime")
        {
            err_hint(
                &mut ds[sli_doc.file],
                sli_doc.at("thresholdMetric"),
                "thresholdMetric",
                "a latency SLI is TargetResponseTime of AWS/ApplicationELB",
                "other metrics are not mapped",
            );
            return None;
        }
        let op = objective["op"].as_str().unwrap_or("");
        let (Some(value), true) = (objective["value"].as_f64(), matches!(op, "lte" | "lt")) else {
            err_hint(
                &mut ds[slo.file],
                slo.at("op"),
                "spec.objectives[0].op",
                "a latency objective is `op: lte` with a `value` in seconds",
                "e.g. { op: lte, value: 1.0, target: 0.99 }",
            );
            return None;
        };
        (
            format!(
                "{{ name: {name}, sli: latency, threshold: {}ms, target: {target} }}",
                (value * 1000.0).round()
            ),
            threshold.dimensions,
            None,
            vec![threshold.region],
        )
    } else {
        // Name the source that is not CloudWatch, where it is written.
        let text = sli_spec.to_string();
        let other = ["ratioMetric", "thresholdMetric"]
            .iter()
            .filter_map(|k| sli_spec.get(*k))
            .find_map(|m| {
                let src = m.get("metricSource").or_else(|| {
                    ["good", "bad", "total"]
                        .iter()
                        .find_map(|g| m.get(*g)?.get("metricSource"))
                })?;
                src["type"].as_str().map(str::to_owned)
            });
        let message = match other {
            Some(t) if !t.eq_ignore_ascii_case("cloudwatch") => format!(
                "a metric source of type `{t}`: slo reads CloudWatch's AWS/ApplicationELB metrics"
            ),
            _ if !text.contains("ratioMetric") && !text.contains("thresholdMetric") => {
                "the SLI is neither a ratioMetric nor a thresholdMetric".to_owned()
            }
            _ => "the SLI's metrics are not CloudWatch's AWS/ApplicationELB".to_owned(),
        };
        err_hint(
            &mut ds[sli_doc.file],
            sli_doc
                .at("type")
                .or(sli_doc.at("indicator"))
                .or(slo.at("spec")),
            "metricSource.type",
            message,
            "see README.md, \"OpenSLO\", for what slo maps",
        );
        return None;
    };
    let dimension = |n: &str| dims.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let Some(load_balancer) = dimension("LoadBalancer") else {
        err_hint(
            &mut ds[sli_doc.file],
            sli_doc.at("dimensions"),
            "dimensions",
            "no `LoadBalancer` dimension",
            "name the ALB: { name: LoadBalancer, value: app/<name>/<id> }",
        );
        return None;
    };
    let mut named: Vec<String> = regions.into_iter().flatten().collect();
    named.dedup();
    if named.len() > 1 {
        err_hint(
            &mut ds[sli_doc.file],
            sli_doc.at("region"),
            "spec.region",
            format!(
                "the SLI's metric sources name regions {}",
                named.join(" and ")
            ),
            "an SLI's metrics are one load balancer's, in its region",
        );
        return None;
    }
    Some(Mapped {
        shared: Shared {
            load_balancer,
            target_group: dimension("TargetGroup"),
            include_elb_5xx,
            region: named.pop(),
            window,
            ecs,
        },
        objective: sli_text,
    })
}

/// `timeWindow` → slo/v1's `window`.
fn time_window(slo: &Doc, d: &mut Diagnostics) -> Option<String> {
    let w = &slo.value["spec"]["timeWindow"][0];
    let duration = w["duration"].as_str().unwrap_or("");
    if w["isRolling"].as_bool() == Some(true) {
        return Some(duration.to_owned());
    }
    let period = match duration {
        "1w" => "week",
        "1M" => "month",
        "1Q" => "quarter",
        other => {
            err_hint(
                d,
                slo.at("timeWindow"),
                "timeWindow",
                format!("a calendar window of `{other}` is not mapped"),
                "use 1w, 1M or 1Q (with calendar.timeZone), or isRolling: true",
            );
            return None;
        }
    };
    let tz = w["calendar"]["timeZone"].as_str().unwrap_or("UTC");
    Some(format!("{{ calendar: {period}, timeZone: {tz} }}"))
}

fn err(d: &mut Diagnostics, at: Option<Location>, field: &str, message: impl Into<String>) {
    d.at_line(Level::Error, at, field, message, None);
}

fn err_hint(
    d: &mut Diagnostics,
    at: Option<Location>,
    field: &str,
    message: impl Into<String>,
    hint: impl Into<String>,
) {
    d.at_line(Level::Error, at, field, message, Some(hint.into()));
}

/// A slo/v1 spec as OpenSLO documents (`slo convert --to openslo`): per objective an SLI and an
/// SLO, in the form this loader reads back. Alerting, notify and exclusions have no OpenSLO
/// mapping here and are left out (said in the header).
pub fn from_slo_v1(slo: &crate::core::model::ServiceSlo) -> String {
    use crate::core::model::Sli;
    use crate::core::window::{CalendarPeriod, SloWindow, format_duration};
    let mut dims = format!(
        "\n            - {{ name: LoadBalancer, value: {} }}",
        slo.alb.load_balancer
    );
    if let Some(tg) = &slo.alb.target_group {
        dims.push_str(&format!(
            "\n            - {{ name: TargetGroup, value: {tg} }}"
        ));
    }
    let source = |metrics: &[&str]| {
        let names = if metrics.len() == 1 {
            format!("metricName: {}", metrics[0])
        } else {
            format!(
                "metrics:{}",
                metrics
                    .iter()
                    .map(|m| format!("\n            - {{ metricName: {m}, stat: Sum }}"))
                    .collect::<String>()
            )
        };
        let region = slo
            .alb
            .region
            .as_ref()
            .map_or(String::new(), |r| format!("region: {r}\n          "));
        format!(
            "metricSource:\n        type: CloudWatch\n        spec:\n          {region}namespace: AWS/ApplicationELB\n          {names}\n          dimensions:{dims}"
        )
    };
    let window = match &slo.window {
        SloWindow::Rolling(l) => {
            format!("- duration: {}\n      isRolling: true", format_duration(*l))
        }
        SloWindow::Calendar { period, tz } => format!(
            "- duration: {}\n      calendar: {{ startTime: \"2020-01-01 00:00:00\", timeZone: {tz} }}",
            match period {
                CalendarPeriod::Week => "1w",
                CalendarPeriod::Month => "1M",
                CalendarPeriod::Quarter => "1Q",
            }
        ),
    };
    let labels = slo.ecs.as_ref().map_or(String::new(), |e| {
        format!(
            "\n  labels:\n    ecs-cluster: {}\n    ecs-service: {}",
            e.cluster, e.service
        )
    });
    let mut out = format!(
        "# {}: written by `slo convert --to openslo`: its tiers as an AlertPolicy, its SNS topic and\n# Slack webhook as notification targets; the traffic guard, log and infra alarms, the\n# exclusions and the rest of notify are slo/v1's only.\n",
        slo.service
    );
    let policy = format!("{}-burn", slo.service);
    let alerting = alert_documents(slo, &policy);
    let policies = if alerting.is_empty() {
        String::new()
    } else {
        format!("\n  alertPolicies:\n    - alertPolicyRef: {policy}")
    };
    for o in &slo.objectives {
        let sli_name = format!("{}-{}", slo.service, o.name);
        let (indicator, objective) = match o.sli {
            Sli::Availability => {
                let mut bad = vec!["HTTPCode_Target_5XX_Count"];
                if slo.alb.include_elb_5xx {
                    bad.push("HTTPCode_ELB_5XX_Count");
                }
                (
                    format!(
                        "  ratioMetric:\n    counter: true\n    total:\n      {}\n    bad:\n      {}",
                        source(&["RequestCount"]).replace("\n", "\n  "),
                        source(&bad).replace("\n", "\n  ")
                    ),
                    format!("    - target: {}", o.target.get()),
                )
            }
            Sli::Latency { threshold } => (
                format!(
                    "  thresholdMetric:\n    {}",
                    source(&["TargetResponseTime"]).replace("\n", "\n  ")
                ),
                format!(
                    "    - op: lte\n      value: {}\n      target: {}",
                    threshold.as_secs_f64(),
                    o.target.get()
                ),
            ),
        };
        out.push_str(&format!(
            "---\napiVersion: openslo/v1\nkind: SLI\nmetadata:\n  name: {sli_name}\nspec:\n{indicator}\n---\napiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {}{labels}\nspec:\n  service: {}\n  indicatorRef: {sli_name}\n  timeWindow:\n    {window}\n  budgetingMethod: Occurrences\n  objectives:\n{objective}{policies}\n",
            o.name, slo.service
        ));
    }
    out.push_str(&alerting);
    out
}

/// The service's own tiers as one AlertPolicy of inline burn-rate conditions, and its notify
/// targets, in the form `alerting::of_service` reads back; empty when it has neither (the
/// default tiers are what an SLO without a policy gets back).
fn alert_documents(slo: &crate::core::model::ServiceSlo, policy: &str) -> String {
    use crate::core::tiers::Severity;
    use crate::core::window::format_duration;
    let own = slo.alerting.tiers != crate::core::tiers::sre_workbook(slo.window.nominal());
    let mut conditions = String::new();
    for t in slo.alerting.tiers.iter().filter(|_| own) {
        conditions.push_str(&format!(
            "\n    - kind: AlertCondition\n      metadata: {{ name: {} }}\n      spec:\n        severity: {}\n        condition: {{ kind: burnrate, op: gte, threshold: {}, lookbackWindow: {}, alertAfter: {} }}",
            t.name,
            match t.severity {
                Severity::Page => "page",
                Severity::Ticket => "ticket",
            },
            t.burn_rate,
            format_duration(t.long),
            format_duration(t.short)
        ));
    }
    let mut targets = String::new();
    if let Some(arn) = &slo.notify.sns_topic {
        targets.push_str(&format!(
            "\n    - kind: AlertNotificationTarget\n      metadata:\n        name: {}-email\n        annotations: {{ sns-topic-arn: \"{arn}\" }}\n      spec: {{ target: email }}",
            slo.service
        ));
    }
    if let Some(env) = &slo.notify.slack_webhook_env {
        targets.push_str(&format!(
            "\n    - kind: AlertNotificationTarget\n      metadata:\n        name: {}-slack\n        annotations: {{ slack-webhook-env: {env} }}\n      spec: {{ target: slack }}",
            slo.service
        ));
    }
    if conditions.is_empty() && targets.is_empty() {
        return String::new();
    }
    let conditions = if conditions.is_empty() {
        " []".to_owned()
    } else {
        conditions
    };
    let targets = if targets.is_empty() {
        " []".to_owned()
    } else {
        targets
    };
    format!(
        "---\napiVersion: openslo/v1\nkind: AlertPolicy\nmetadata:\n  name: {policy}\nspec:\n  alertWhenBreaching: true\n  alertWhenResolved: true\n  alertWhenNoData: false\n  conditions:{conditions}\n  notificationTargets:{targets}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::Sli;
    use crate::core::window::SloWindow;

    fn load(text: &str) -> (Option<Parsed>, Vec<crate::spec::Diagnostic>) {
        let mut d = Diagnostics::new(std::path::Path::new("o.yaml"));
        let parsed = crate::spec::load::parse_spec(text.as_bytes(), &mut d);
        (parsed, d.items)
    }

    /// An availability SLO written the other ways CloudWatch sources are written: a JSON query,
    /// `Name`/`Value` dimensions, the type left to a DataSource, `targetPercent`, a calendar
    /// window, and the SLI inline.
    #[test]
    fn the_other_ways_of_writing_a_cloudwatch_source_map_alike() {
        let text = r#"apiVersion: openslo/v1
kind: DataSource
metadata: { name: cw }
spec: { description: the account's CloudWatch }
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: availability }
spec:
  service: shop
  indicator:
    metadata: { name: shop-availability }
    spec:
      ratioMetric:
        counter: true
        total:
          metricSource:
            metricSourceRef: cw
            spec:
              json: '[{"Id": "t", "MetricStat": {"Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount", "Dimensions": [{"Name": "LoadBalancer", "Value": "app/shop/0123456789abcdef"}]}, "Stat": "Sum", "Period": 60}}]'
        bad:
          metricSource:
            type: CloudWatch
            spec:
              namespace: AWS/ApplicationELB
              metricName: HTTPCode_Target_5XX_Count
              dimensions: { LoadBalancer: app/shop/0123456789abcdef }
  timeWindow:
    - duration: 1M
      calendar: { startTime: "2026-01-01 00:00:00", timeZone: Europe/Paris }
  budgetingMethod: Occurrences
  objectives:
    - targetPercent: 99.5
"#;
        let (parsed, diags) = load(text);
        let slo = parsed.unwrap_or_else(|| panic!("{diags:#?}")).0;
        assert_eq!(slo.service, "shop");
        assert_eq!(slo.alb.load_balancer, "app/shop/0123456789abcdef");
        assert!(!slo.alb.include_elb_5xx, "HTTPCode_Target_5XX_Count alone");
        assert_eq!(slo.objectives[0].sli, Sli::Availability);
        assert!((slo.objectives[0].target.get() - 0.995).abs() < 1e-12);
        assert!(matches!(slo.window, SloWindow::Calendar { .. }));
    }

    #[test]
    fn a_latency_slo_needs_lte_and_a_value_in_seconds() {
        let text = |op: &str| {
            format!(
                "apiVersion: openslo/v1\nkind: SLO\nmetadata: {{ name: latency }}\nspec:\n  service: shop\n  indicator:\n    spec:\n      thresholdMetric:\n        metricSource:\n          type: CloudWatch\n          spec: {{ namespace: AWS/ApplicationELB, metricName: TargetResponseTime, dimensions: [{{ name: LoadBalancer, value: app/shop/0123456789abcdef }}] }}\n  timeWindow: [{{ duration: 7d, isRolling: true }}]\n  budgetingMethod: Occurrences\n  objectives: [{{ op: {op}, value: 0.25, target: 0.99 }}]\n"
            )
        };
        let (parsed, diags) = load(&text("lte"));
        let slo = parsed.unwrap_or_else(|| panic!("{diags:#?}")).0;
        assert_eq!(
            slo.objectives[0].sli,
            Sli::Latency {
                threshold: std::time::Duration::from_millis(250)
            }
        );
        let (parsed, diags) = load(&text("gte"));
        assert!(parsed.is_none());
        assert!(
            diags.iter().any(|d| d.field == "spec.objectives[0].op"),
            "{diags:#?}"
        );
    }

    mod round_trip {
        use super::*;
        use proptest::prelude::*;

        /// A slo/v1 spec of generated shape: what OpenSLO can carry of it varies.
        fn spec() -> impl Strategy<Value = String> {
            (
                (
                    any::<u64>(),
                    proptest::option::of(any::<u64>()),
                    any::<bool>(),
                    proptest::option::of(prop_oneof![Just("us-east-1"), Just("eu-west-1")]),
                ),
                prop_oneof![
                    (1u32..=90).prop_map(|d| format!("{d}d")),
                    (0usize..3, prop_oneof![Just("UTC"), Just("Asia/Tokyo")]).prop_map(
                        |(p, tz)| format!(
                            "{{ calendar: {}, timeZone: {tz} }}",
                            ["week", "month", "quarter"][p]
                        )
                    ),
                ],
                proptest::collection::vec((any::<bool>(), 1u32..=9999, 1u32..=5000), 1..4),
                (any::<bool>(), any::<bool>(), any::<bool>()),
                proptest::option::of((1u32..=24, 2u32..=12, 10u32..=200)),
            )
                .prop_map(|((lb, tg, elb, region), window, objectives, (ecs, sns, slack), tier)| {
                    let mut alb = format!("loadBalancer: app/lb/{lb:016x}, includeElb5xx: {elb}");
                    if let Some(tg) = tg {
                        alb.push_str(&format!(", targetGroup: targetgroup/tg/{tg:016x}"));
                    }
                    if let Some(r) = region {
                        alb.push_str(&format!(", region: {r}"));
                    }
                    let mut text = format!(
                        "apiVersion: slo/v1\nservice: svc\nalb: {{ {alb} }}\nwindow: {window}\n"
                    );
                    if ecs {
                        text.push_str("ecs: { cluster: prod, service: svc }\n");
                    }
                    text.push_str("objectives:\n");
                    for (i, (latency, basis, ms)) in objectives.iter().enumerate() {
                        let target = f64::from(*basis) / 10_000.0;
                        if *latency {
                            text.push_str(&format!("  - {{ name: o{i}, sli: latency, threshold: {ms}ms, target: {target} }}\n"));
                        } else {
                            text.push_str(&format!("  - {{ name: o{i}, sli: availability, target: {target} }}\n"));
                        }
                    }
                    if let Some((hours, ratio, burn)) = tier {
                        text.push_str(&format!(
                            "alerting:\n  tiers:\n    - {{ name: t, severity: page, longWindow: {hours}h, shortWindow: {}m, burnRate: {} }}\n",
                            hours * 60 / ratio,
                            f64::from(burn) / 10.0
                        ));
                    }
                    if sns || slack {
                        text.push_str("notify:\n");
                        if sns {
                            text.push_str("  sns: arn:aws:sns:us-east-1:123456789012:alerts\n");
                        }
                        if slack {
                            text.push_str("  slack: { webhookEnv: SHOP_SLACK }\n");
                        }
                    }
                    text
                })
        }

        proptest! {
            /// import(export(spec)) keeps everything a report and the alarms read of it.
            #[test]
            fn export_then_import_keeps_the_spec(text in spec()) {
                let mut d = Diagnostics::new(std::path::Path::new("v1.yaml"));
                let a = crate::spec::load::parse_spec(text.as_bytes(), &mut d)
                    .unwrap_or_else(|| panic!("{text}\n{:#?}", d.items)).0;
                let exported = from_slo_v1(&a);
                let (specs, diags) = super::super::load(&[(std::path::PathBuf::from("o.yaml"), exported.clone())]);
                prop_assert!(diags.iter().all(|x| !x.is_error()), "{exported}\n{diags:#?}");
                prop_assert_eq!(specs.len(), 1);
                let b = &specs[0].parsed.0;
                prop_assert_eq!(&a.service, &b.service);
                // The load balancer's own 5xx is an availability SLI's: without one, nothing
                // reads it (and OpenSLO has nowhere to write it).
                let availability = a.objectives.iter().any(|o| o.sli == crate::core::model::Sli::Availability);
                let alb = |x: &crate::core::model::Alb| crate::core::model::Alb {
                    include_elb_5xx: x.include_elb_5xx || !availability,
                    ..x.clone()
                };
                prop_assert_eq!(alb(&a.alb), alb(&b.alb));
                prop_assert_eq!(&a.window, &b.window);
                prop_assert_eq!(&a.objectives, &b.objectives);
                prop_assert_eq!(&a.ecs, &b.ecs);
                prop_assert_eq!(&a.alerting.tiers, &b.alerting.tiers);
                prop_assert_eq!(&a.notify.sns_topic, &b.notify.sns_topic);
                prop_assert_eq!(&a.notify.slack_webhook_env, &b.notify.slack_webhook_env);
            }
        }
    }
}
