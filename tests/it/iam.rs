//! Least privilege, checked against the code: the AWS operations each adapter trait method under
//! `src/aws/` calls are read from the source, gathered per command, and compared with the IAM
//! policy of the role that runs the command (in `deploy/terraform/`). A call the policy lacks
//! fails, and so does an action the policy allows that no command of that role calls.

use crate::support::root;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Which commands reach each adapter trait method. A trait method missing here fails the test:
/// a new AWS call must be given to the commands (and so the roles) that make it.
const USES: &[(&str, &[&str])] = &[
    (
        "MetricsReader::get_metric_data",
        &["serve", "report", "notify", "gate"],
    ),
    ("HeartbeatWriter::put_heartbeat", &["serve"]),
    ("AlarmWatcher::composite_states", &["serve", "notify"]),
    ("AlarmWatcher::metric_alarm_states", &["serve"]),
    ("AlarmWatcher::state_changes", &["serve", "notify"]),
    (
        "DeploymentReader::list_service_deployments",
        &["serve", "report", "notify", "gate"],
    ),
    (
        "DeploymentReader::describe_service_deployments",
        &["serve", "report", "notify", "gate"],
    ),
    (
        "DeploymentReader::describe_service_revisions",
        &["serve", "report", "notify", "gate"],
    ),
    (
        "DeploymentReader::describe_service",
        &["serve", "report", "notify", "gate"],
    ),
    (
        "LogReader::filter_log_events",
        &["serve", "report", "notify", "gate"],
    ),
    ("Publisher::publish", &["serve", "notify"]),
    ("Journal::load", &["serve", "notify"]),
    ("Journal::save", &["serve", "notify"]),
    ("Journal::claim", &["serve", "notify"]),
    ("Journal::delivered", &["serve", "notify"]),
    ("AlarmStore::list", &["plan", "apply"]),
    ("AlarmStore::put", &["apply"]),
    ("AlarmStore::delete", &["apply"]),
    ("MuteRuleStore::list_mute_rules", &["plan", "apply"]),
    ("MuteRuleStore::put_mute_rule", &["apply"]),
    ("MuteRuleStore::delete_mute_rule", &["apply"]),
    ("DashboardStore::list_dashboards", &["plan", "apply"]),
    ("DashboardStore::put_dashboard", &["apply"]),
    ("DashboardStore::delete_dashboard", &["apply"]),
    ("MetricFilterStore::list_filters", &["plan", "apply"]),
    ("MetricFilterStore::log_group_exists", &["plan", "apply"]),
    ("MetricFilterStore::put_filter", &["apply"]),
    ("MetricFilterStore::delete_filter", &["apply"]),
    (
        "DeploymentAlarmStore::deployment_alarms",
        &["plan", "apply"],
    ),
    ("DeploymentAlarmStore::set_deployment_alarms", &["apply"]),
    ("ObjectStore::list", &["report", "gate"]),
    ("ObjectStore::get", &["report", "gate"]),
    ("ObjectStore::get_range", &["report", "gate"]),
    ("QueryEngine::table_parameters", &["report", "gate"]),
    ("QueryEngine::start", &["report", "gate"]),
    ("QueryEngine::status", &["report", "gate"]),
    ("QueryEngine::results", &["report", "gate"]),
    ("Inventory::cluster_exists", &["init"]),
    ("Inventory::list_services", &["init"]),
    ("Inventory::describe_services", &["init"]),
    ("Inventory::log_group", &["init"]),
    ("Inventory::describe_target_groups", &["init"]),
    ("Inventory::describe_load_balancers", &["init"]),
    ("Inventory::access_logs", &["init"]),
];

/// The policies and the commands run under each (DESIGN.md, Decisions: IAM).
const POLICIES: &[(&str, &str, &str, &[&str])] = &[
    (
        "the task role (slo serve)",
        "deploy/terraform/modules/service/iam.tf",
        "task",
        &["serve"],
    ),
    (
        "the CI plan role (pull requests)",
        "deploy/terraform/modules/github_oidc/policies.tf",
        "slo_plan",
        &["plan"],
    ),
    (
        "the CI deploy role",
        "deploy/terraform/modules/github_oidc/policies.tf",
        "slo_apply",
        &["plan", "apply", "gate"],
    ),
    (
        "the operator policy",
        "deploy/terraform/modules/slo/operator.tf",
        "operator",
        &["init", "report", "notify", "plan", "gate"],
    ),
];

/// Actions AWS requires beside an operation rather than for it: allowed only with their parent.
/// Publishing to a topic encrypted with a customer-managed key needs the key.
/// An Athena query reads its table from Glue and writes its results to S3 as its caller.
const DEPENDENT: &[(&str, &str)] = &[
    ("kms:GenerateDataKey", "sns:Publish"),
    ("kms:Decrypt", "sns:Publish"),
    ("glue:GetTable", "athena:StartQueryExecution"),
    ("glue:GetDatabase", "athena:StartQueryExecution"),
    ("glue:GetPartitions", "athena:StartQueryExecution"),
    ("s3:PutObject", "athena:StartQueryExecution"),
    ("s3:GetBucketLocation", "athena:StartQueryExecution"),
];

/// The IAM service prefix of each SDK crate.
const PREFIXES: &[(&str, &str)] = &[
    ("aws-sdk-athena", "athena"),
    ("aws-sdk-cloudwatch", "cloudwatch"),
    ("aws-sdk-cloudwatchlogs", "logs"),
    ("aws-sdk-dynamodb", "dynamodb"),
    ("aws-sdk-ecs", "ecs"),
    ("aws-sdk-elasticloadbalancingv2", "elasticloadbalancing"),
    ("aws-sdk-sns", "sns"),
    ("aws-sdk-s3", "s3"),
];

/// Operations whose IAM action has another name (S3's listings are `s3:ListBucket`).
const ACTION_NAMES: &[(&str, &str)] = &[("s3:ListObjectsV2", "s3:ListBucket")];

#[test]
fn every_role_allows_exactly_what_its_commands_call() {
    let operations = sdk_operations();
    let calls = calls_per_trait_method(&root().join("src/aws"), &operations);
    let mut problems = Vec::new();

    let uses: BTreeMap<&str, &[&str]> = USES.iter().copied().collect();
    for method in calls.keys() {
        if !uses.contains_key(method.as_str()) {
            problems.push(format!(
                "{method} calls AWS but no command is given it in tests/it/iam.rs USES"
            ));
        }
    }
    for method in uses.keys() {
        if !calls.contains_key(*method) {
            problems.push(format!(
                "USES lists {method}, which calls no AWS operation under src/aws/"
            ));
        }
    }

    for (role, file, document, commands) in POLICIES {
        let mut needed = BTreeSet::new();
        for (method, actions) in &calls {
            let used = uses.get(method.as_str()).copied().unwrap_or_default();
            if used.iter().any(|c| commands.contains(c)) {
                needed.extend(actions.iter().cloned());
            }
        }
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        let allowed = policy_actions(&text, document);
        for p in compare(&needed, &allowed) {
            problems.push(format!("{role} ({file}, {document}): {p}"));
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn the_extraction_sees_every_aws_call_of_the_adapters() {
    // Guards the scanner itself: a few calls known to be in the code are found where they are.
    let calls = calls_per_trait_method(&root().join("src/aws"), &sdk_operations());
    let has = |m: &str, a: &str| calls.get(m).is_some_and(|s| s.contains(a));
    assert!(has(
        "MetricsReader::get_metric_data",
        "cloudwatch:GetMetricData"
    ));
    // Reached through an inherent helper (`put_metric`), not called in the trait method itself.
    assert!(has("AlarmStore::put", "cloudwatch:PutMetricAlarm"));
    assert!(has("AlarmStore::put", "cloudwatch:PutCompositeAlarm"));
    assert!(has("Journal::claim", "dynamodb:PutItem"));
    assert!(has(
        "Inventory::describe_target_groups",
        "elasticloadbalancing:DescribeTargetGroups"
    ));
    assert!(has("LogReader::filter_log_events", "logs:FilterLogEvents"));
}

#[test]
fn a_missing_or_unused_action_is_reported() {
    let set = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    let needed = set(&["sns:Publish", "cloudwatch:GetMetricData"]);
    assert!(compare(&needed, &set(&["sns:Publish", "cloudwatch:GetMetricData"])).is_empty());
    let missing = compare(&needed, &set(&["sns:Publish"]));
    assert_eq!(missing.len(), 1);
    assert!(
        missing[0].contains("lacks cloudwatch:GetMetricData"),
        "{missing:?}"
    );
    let extra = compare(
        &needed,
        &set(&["sns:Publish", "cloudwatch:GetMetricData", "ecs:*"]),
    );
    assert_eq!(extra.len(), 1);
    assert!(extra[0].contains("allows ecs:*"), "{extra:?}");
    // A dependent action is fine with its parent and unused without it.
    assert!(
        compare(
            &needed,
            &set(&["sns:Publish", "cloudwatch:GetMetricData", "kms:Decrypt"])
        )
        .is_empty()
    );
    assert_eq!(
        compare(
            &set(&["cloudwatch:GetMetricData"]),
            &set(&["cloudwatch:GetMetricData", "kms:Decrypt"])
        )
        .len(),
        1
    );
}

#[test]
fn the_policy_reader_follows_source_documents_and_skips_other_lists() {
    let tf = r#"
data "aws_iam_policy_document" "a" {
  statement {
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["arn:aws:cloudwatch:${local.region}:${local.account}:alarm:slo:*"]
  }
}
data "aws_iam_policy_document" "b" {
  source_policy_documents = [data.aws_iam_policy_document.a.json]
  statement {
    actions = [
      "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["SLO"]
    }
  }
}
"#;
    let b = policy_actions(tf, "b");
    let want: BTreeSet<String> = [
        "cloudwatch:DeleteAlarms",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:PutMetricAlarm",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(b, want);
}

/// Problems between the actions the code calls and those a policy allows.
fn compare(needed: &BTreeSet<String>, allowed: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for a in needed.difference(allowed) {
        out.push(format!("the code calls {a}, but the policy lacks {a}"));
    }
    for a in allowed.difference(needed) {
        match DEPENDENT.iter().find(|(d, _)| d == a) {
            Some((_, parent)) if allowed.contains(*parent) && needed.contains(*parent) => {}
            Some((_, parent)) => out.push(format!(
                "the policy allows {a}, needed only beside {parent}, which it does not use"
            )),
            None => out.push(format!(
                "the policy allows {a}, which no command of it calls"
            )),
        }
    }
    out
}

/// Every operation of each SDK crate the project depends on, as `prefix:Action` by the crate's
/// snake-case method name. Read from the crates' own `src/operation/` folders.
fn sdk_operations() -> BTreeMap<String, BTreeMap<String, String>> {
    // Only this platform's packages: the others' may not be downloaded, and cannot be offline.
    let rustc = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc -vV");
    let host = String::from_utf8(rustc.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names the host");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(root())
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut by_crate = BTreeMap::new();
    for package in meta["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        let Some((_, prefix)) = PREFIXES.iter().find(|(c, _)| *c == name) else {
            assert!(
                !name.starts_with("aws-sdk-")
                    || name == "aws-sdk-sts"
                    || name == "aws-sdk-sso"
                    || name == "aws-sdk-ssooidc",
                "{name}: give its IAM service prefix in tests/it/iam.rs PREFIXES"
            );
            continue;
        };
        let manifest = Path::new(package["manifest_path"].as_str().unwrap());
        let dir = manifest.parent().unwrap().join("src/operation");
        let mut ops = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                let method = path.file_name().unwrap().to_str().unwrap().to_owned();
                let action = format!("{prefix}:{}", pascal(&method));
                let action = ACTION_NAMES
                    .iter()
                    .find(|(op, _)| *op == action)
                    .map_or(action, |(_, iam)| (*iam).to_owned());
                ops.insert(method.clone(), action);
            }
        }
        assert!(!ops.is_empty(), "no operations under {}", dir.display());
        by_crate.insert(name.trim_start_matches("aws-sdk-").to_owned(), ops);
    }
    by_crate
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// A function found in a source file: its owner (`Trait` of `impl Trait for T`, or `None` for an
/// inherent or free function), the AWS actions it calls, and the same-file helpers it calls.
struct Function {
    owner: Option<String>,
    actions: BTreeSet<String>,
    helpers: BTreeSet<String>,
}

/// `Trait::method` → the AWS actions it calls, directly or through inherent helpers of its file.
fn calls_per_trait_method(
    dir: &Path,
    operations: &BTreeMap<String, BTreeMap<String, String>>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut result: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    for file in files {
        let text = strip_line_comments(&std::fs::read_to_string(&file).unwrap());
        let crates: BTreeSet<&str> = operations
            .keys()
            .filter(|c| text.contains(&format!("aws_sdk_{c}")))
            .map(String::as_str)
            .collect();
        if crates.is_empty() {
            continue;
        }
        let functions = functions(&text, |method| {
            let found: Vec<&String> = crates
                .iter()
                .filter_map(|c| operations[*c].get(method))
                .collect();
            assert!(
                found.len() < 2,
                "{}: .{method}() is an operation of several SDK crates: {found:?}",
                file.display()
            );
            found.first().map(|s| (*s).clone())
        });
        // Helpers by name; a method and a free function of one name are merged (either may be
        // the one called).
        let mut helpers: BTreeMap<&str, Function> = BTreeMap::new();
        for (name, f) in functions.iter().filter(|(_, f)| f.owner.is_none()) {
            let merged = helpers.entry(name.as_str()).or_insert_with(|| Function {
                owner: None,
                actions: BTreeSet::new(),
                helpers: BTreeSet::new(),
            });
            merged.actions.extend(f.actions.iter().cloned());
            merged.helpers.extend(f.helpers.iter().cloned());
        }
        let mut reached = BTreeSet::new();
        for (name, f) in &functions {
            let Some(owner) = &f.owner else { continue };
            let mut actions = f.actions.clone();
            let mut todo: Vec<&str> = f.helpers.iter().map(String::as_str).collect();
            let mut seen = BTreeSet::new();
            while let Some(h) = todo.pop() {
                if !seen.insert(h) {
                    continue;
                }
                if let Some(helper) = helpers.get(h) {
                    reached.insert(h);
                    actions.extend(helper.actions.iter().cloned());
                    todo.extend(helper.helpers.iter().map(String::as_str));
                }
            }
            if !actions.is_empty() {
                result
                    .entry(format!("{owner}::{name}"))
                    .or_default()
                    .extend(actions);
            }
        }
        for (name, f) in &helpers {
            assert!(
                f.actions.is_empty() || reached.contains(name),
                "{}: {name} calls {:?} but no trait method reaches it, so no role is checked for it",
                file.display(),
                f.actions
            );
        }
    }
    result
}

/// Whole-line comments go: doc comments may show calls that the code does not make.
fn strip_line_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `fn` in `text` with its name, owner, the operations `operation` recognises among its
/// `.x()` calls, and the `self.x(…)` calls it makes.
fn functions(text: &str, operation: impl Fn(&str) -> Option<String>) -> Vec<(String, Function)> {
    let impl_re =
        regex::Regex::new(r"(?m)^impl(?:<[^>]*>)?\s+(?:(\w+)\s+for\s+)?\w+[^{]*\{").unwrap();
    let fn_re = regex::Regex::new(r"\bfn\s+(\w+)").unwrap();
    let call_re = regex::Regex::new(r"\.\s*([a-z_][a-z0-9_]*)\s*\(\s*\)").unwrap();
    let helper_re = regex::Regex::new(r"self\s*\.\s*([a-z_][a-z0-9_]*)\s*\(").unwrap();
    // Impl blocks: the trait (if any) owning the byte range of each.
    let mut blocks = Vec::new();
    for m in impl_re.captures_iter(text) {
        let start = m.get(0).unwrap().end() - 1;
        let end = matching_brace(text, start);
        blocks.push((start, end, m.get(1).map(|t| t.as_str().to_owned())));
    }
    let mut out = Vec::new();
    for m in fn_re.captures_iter(text) {
        let at = m.get(0).unwrap().start();
        let Some(open) = text[at..].find(['{', ';']).map(|i| at + i) else {
            continue;
        };
        if text.as_bytes()[open] == b';' {
            continue; // a trait's declaration
        }
        let end = matching_brace(text, open);
        let body = &text[open..end];
        let owner = blocks
            .iter()
            .find(|(s, e, _)| *s < at && at < *e)
            .and_then(|(_, _, t)| t.clone());
        let actions = call_re
            .captures_iter(body)
            .filter_map(|c| operation(&c[1]))
            .collect();
        let helpers = helper_re
            .captures_iter(body)
            .map(|c| c[1].to_owned())
            .collect();
        out.push((
            m[1].to_owned(),
            Function {
                owner,
                actions,
                helpers,
            },
        ));
    }
    out
}

/// The index just past the brace matching the one at `open`, skipping string literals.
fn matching_brace(text: &str, open: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut i, mut in_string) = (0usize, open, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if b == b'\\' {
                i += 1;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b'{' {
            depth += 1;
        } else if b == b'}' {
            depth -= 1;
            if depth == 0 {
                return i + 1;
            }
        }
        i += 1;
    }
    bytes.len()
}

/// The actions of `data "aws_iam_policy_document" "<name>"` in Terraform text, with those of its
/// `source_policy_documents`. Only `actions` lists are read (not resources or conditions).
fn policy_actions(tf: &str, name: &str) -> BTreeSet<String> {
    let head = format!("data \"aws_iam_policy_document\" \"{name}\"");
    let at = tf
        .find(&head)
        .unwrap_or_else(|| panic!("no {head} in the Terraform file"));
    let open = at + tf[at..].find('{').unwrap();
    let block = &tf[open..matching_brace(tf, open)];
    let list_re = regex::Regex::new(r"(?s)\bactions\s*=\s*\[(.*?)\]").unwrap();
    let quoted = regex::Regex::new(r#""([^"]+)""#).unwrap();
    let mut actions: BTreeSet<String> = list_re
        .captures_iter(block)
        .flat_map(|c| {
            quoted
                .captures_iter(c.get(1).unwrap().as_str())
                .map(|q| q[1].to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let source_re = regex::Regex::new(r"data\.aws_iam_policy_document\.(\w+)\.json").unwrap();
    for c in source_re.captures_iter(block) {
        actions.extend(policy_actions(tf, &c[1]));
    }
    actions
}

/// The `statement { … }` blocks of a Terraform file, as text (braces balanced).
fn statements(tf: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = tf;
    while let Some(i) = rest.find("statement {") {
        let block = &rest[i..];
        let mut depth = 0usize;
        let mut end = block.len();
        for (k, c) in block.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = k + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push(&block[..end]);
        rest = &block[end..];
    }
    out
}

/// Conditions, not only actions: alarm writes are held to the managed-by tag and to the specs'
/// topics as actions, and every KMS grant to use through its service only.
#[test]
fn alarm_writes_and_key_grants_carry_their_conditions() {
    let mut problems = Vec::new();
    for file in [
        "deploy/terraform/modules/github_oidc/policies.tf",
        "deploy/terraform/modules/service/iam.tf",
        "deploy/terraform/modules/slo/operator.tf",
    ] {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        for block in statements(&text) {
            let has = |s: &str| block.contains(s);
            if has("cloudwatch:PutMetricAlarm") || has("cloudwatch:PutCompositeAlarm") {
                if !has("\"aws:RequestTag/managed-by\"") {
                    problems.push(format!(
                        "{file}: alarm writes without aws:RequestTag/managed-by"
                    ));
                }
                if !(has("\"cloudwatch:AlarmActions\"") && has("ForAllValues:")) {
                    problems.push(format!(
                        "{file}: alarm writes without cloudwatch:AlarmActions limited to the topics"
                    ));
                }
            }
            if (has("cloudwatch:DeleteAlarms") || has("cloudwatch:TagResource"))
                && !has("\"aws:ResourceTag/managed-by\"")
            {
                problems.push(format!(
                    "{file}: alarm deletes or tags without aws:ResourceTag/managed-by"
                ));
            }
            let kms = block.contains("\"kms:") && block.contains("actions");
            if kms && !has("\"kms:ViaService\"") {
                problems.push(format!(
                    "{file}: a KMS grant without kms:ViaService: {}",
                    block
                        .lines()
                        .find(|l| l.contains("sid"))
                        .unwrap_or("")
                        .trim()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}
