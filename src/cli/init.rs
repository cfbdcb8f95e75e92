use crate::cli::Outcome;
use anyhow::{Context, bail};
use slo::core::alarms;
use slo::init::{DraftOptions, discover, drafts};
use slo::spec::diag::Diagnostics;
use slo::spec::load::parse_spec;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// ECS cluster to look in (repeatable).
    #[arg(long, value_name = "NAME", required = true)]
    cluster: Vec<String>,
    /// Only these ECS services (repeatable); they must exist.
    #[arg(long, value_name = "NAME")]
    service: Vec<String>,
    /// Where the specs go.
    #[arg(long, value_name = "DIR", default_value = slo::spec::DEFAULT_DIR)]
    out: PathBuf,
    /// The availability target.
    #[arg(long, value_name = "TARGET", default_value = "99.9%")]
    availability: String,
    /// The latency objective, THRESHOLD@TARGET; `none` for no latency objective.
    #[arg(long, value_name = "T@TARGET", default_value = "1s@99%")]
    latency: String,
    /// The budget window.
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    window: String,
    /// The SNS topic pages and tickets go to.
    #[arg(long, value_name = "ARN")]
    sns: Option<String>,
    /// Print the specs instead of writing them.
    #[arg(long)]
    dry_run: bool,
    /// Replace specs that already exist.
    #[arg(long)]
    force: bool,
    /// Instead of specs, print the Athena DDL for the services' access logs: the ALB table with
    /// partition projection for each bucket and region their load balancers write to (for
    /// `slo report --engine athena`).
    #[arg(long)]
    athena: bool,
    /// With --athena: the database the tables go in.
    #[arg(long, value_name = "NAME", default_value = "slo", requires = "athena")]
    athena_database: String,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let latency = match args.latency.as_str() {
        "none" => None,
        l => {
            let Some((threshold, target)) = l.split_once('@') else {
                bail!("--latency {l}: write THRESHOLD@TARGET, such as 1s@99%, or none");
            };
            Some((threshold.to_owned(), target.to_owned()))
        }
    };
    let opts = DraftOptions {
        availability: args.availability.clone(),
        latency,
        window: args.window.clone(),
        sns: args.sns.clone(),
    };
    let runtime = crate::cli::runtime()?;
    let config = runtime.block_on(slo::aws::load_config());
    runtime.block_on(slo::aws::check_config(&config))?;
    let found = runtime.block_on(async {
        let inventory = slo::aws::AwsInventory::new(&config);
        discover(&inventory, &args.cluster, &args.service).await
    })?;
    if args.athena {
        return athena(&runtime, &config, &found, &args.athena_database);
    }
    let drafted = drafts(&found, &opts);
    // Every draft must load as a spec: a bad --availability or --window stops here, with the
    // spec checker's own message.
    let mut alarms_count = 0;
    let mut cost = 0.0;
    for d in &drafted {
        let name = format!("{}.yaml", d.service);
        let mut diags = Diagnostics::new(Path::new(&name));
        let parsed = parse_spec(d.yaml.as_bytes(), &mut diags);
        if diags.has_errors() {
            let problems: Vec<String> = diags.items.iter().map(|i| i.to_string()).collect();
            bail!(
                "the drafted spec would be invalid:\n{}",
                problems.join("\n")
            );
        }
        if let Some((slo, _)) = parsed {
            let desired = alarms::desired_alarms(&slo).unwrap_or_default();
            alarms_count += desired.len();
            cost += alarms::monthly_cost_usd(&desired);
        }
    }
    let mut out = std::io::stdout().lock();
    let (mut written, mut kept) = (Vec::new(), Vec::new());
    if !args.dry_run && !drafted.is_empty() {
        std::fs::create_dir_all(&args.out)
            .with_context(|| format!("cannot create {}", args.out.display()))?;
    }
    for d in &drafted {
        let path = args.out.join(format!("{}.yaml", d.service));
        if args.dry_run {
            writeln!(out, "--- {}\n{}", path.display(), d.yaml)?;
        } else if path.exists() && !args.force {
            kept.push(path);
        } else {
            slo::render::file::write_atomically(&path, d.yaml.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push(path);
        }
    }
    for p in &written {
        writeln!(out, "wrote {}", p.display())?;
    }
    for p in &kept {
        writeln!(out, "kept {} (it exists; --force replaces it)", p.display())?;
    }
    for f in found.iter().filter(|f| f.skipped.is_some()) {
        writeln!(
            out,
            "skipped {}/{}: {}",
            f.service.cluster,
            f.service.name,
            f.skipped.as_deref().unwrap_or_default()
        )?;
    }
    writeln!(
        out,
        "{} spec(s) drafted for {} service(s); their alarms: {alarms_count} (plus the account's heartbeat), ${cost:.2} a month. Next: `slo validate {dir}`, then `slo plan {dir}`.",
        drafted.len(),
        found.iter().filter(|f| f.skipped.is_none()).count(),
        dir = args.out.display(),
    )?;
    Ok(Outcome::Fine)
}

/// `slo init --athena`: the DDL for the found services' access logs, on standard output.
fn athena(
    runtime: &tokio::runtime::Runtime,
    config: &aws_config::SdkConfig,
    found: &[slo::init::Found],
    database: &str,
) -> anyhow::Result<Outcome> {
    if database.is_empty()
        || !database
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        bail!("--athena-database {database}: letters, digits and `_` only");
    }
    let places = runtime.block_on(async {
        let inventory = slo::aws::AwsInventory::new(config);
        slo::init::log_places(&inventory, found).await
    })?;
    if places.places.is_empty() {
        let off: Vec<String> = places.off.iter().cloned().collect();
        bail!(
            "no load balancer of these services writes access logs{}; turn them on (load balancer attribute access_logs.s3.enabled) and run slo init --athena again",
            if off.is_empty() {
                String::new()
            } else {
                format!(" ({} have them off)", off.join(", "))
            }
        );
    }
    // Projected from the first of January of last year: partitions before the logs begin
    // cost nothing, and a report never reaches further back.
    let today = chrono::Utc::now().date_naive();
    let since =
        chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today) - 1, 1, 1).unwrap_or(today);
    print!("{}", slo::init::athena_script(&places, database, since));
    Ok(Outcome::Fine)
}
