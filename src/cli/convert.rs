use crate::cli::{Outcome, SpecPaths};
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum To {
    /// OpenSLO v1 documents: an SLI and an SLO per objective.
    Openslo,
    /// slo/v1 specs.
    Slo,
}

/// Specs from one format to the other: OpenSLO files into slo/v1, slo/v1 specs into OpenSLO.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    specs: SpecPaths,
    #[arg(long, value_enum)]
    to: To,
    /// Write one file per service (`<service>.yaml`) into DIR instead of standard output.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // Every input must be a valid spec first: a conversion of a broken one would spread it.
    let Some(loaded) = args.specs.load()? else {
        return Ok(Outcome::Findings);
    };
    let mut outputs: Vec<(String, String)> = Vec::new();
    for spec in &loaded.specs {
        let text = match args.to {
            To::Openslo => slo::spec::openslo::from_slo_v1(&spec.slo),
            To::Slo => match &spec.converted {
                Some(text) => format!(
                    "# {}: converted from {}\n{text}",
                    spec.slo.service,
                    spec.file.display()
                ),
                None => std::fs::read_to_string(&spec.file)
                    .with_context(|| format!("cannot read {}", spec.file.display()))?,
            },
        };
        outputs.push((spec.slo.service.clone(), text));
    }
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (service, text) in &outputs {
                let path = dir.join(format!("{service}.yaml"));
                slo::render::file::write_atomically(&path, text.as_bytes())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!("wrote {}", path.display());
            }
        }
        None => {
            let separator = if args.to == To::Slo { "---\n" } else { "" };
            let joined = outputs
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join(separator);
            std::io::stdout().lock().write_all(joined.as_bytes())?;
        }
    }
    Ok(Outcome::Fine)
}
