//! Reading spec files and directories into validated `ServiceSlo`s plus diagnostics.

use crate::core::model::ServiceSlo;
use crate::spec::diag::{Diagnostic, Diagnostics, Level};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Spec files larger than this are refused unread: a spec is a page of YAML.
const MAX_SPEC_BYTES: u64 = 1 << 20;

/// Failures that are not about a spec's content: the path itself is unusable.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no spec files (*.yaml, *.yml) found in {0}")]
    NoSpecs(PathBuf),
}

#[derive(Clone, Debug)]
pub struct LoadedSpec {
    pub file: PathBuf,
    pub slo: ServiceSlo,
    /// Line and column of the `service` value.
    pub service_at: Option<(u64, u64)>,
    /// For a spec mapped from OpenSLO, the slo/v1 text it maps to.
    pub converted: Option<String>,
}

/// Every spec that is valid, and every diagnostic (errors and warnings) about every file.
#[derive(Debug, Default)]
pub struct Loaded {
    pub specs: Vec<LoadedSpec>,
    pub diagnostics: Vec<Diagnostic>,
    pub files: usize,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads every spec under `paths` (files, or directories searched recursively for `*.yaml` and
/// `*.yml`, in name order).
pub fn load_paths(paths: &[PathBuf]) -> Result<Loaded, LoadError> {
    let mut files = Vec::new();
    for p in paths {
        let found = spec_files(p)?;
        if found.is_empty() {
            return Err(LoadError::NoSpecs(p.clone()));
        }
        files.extend(found);
    }
    let mut loaded = Loaded::default();
    // OpenSLO files are read together: their documents refer to each other by name.
    let mut openslo = Vec::new();
    for file in files {
        loaded.files += 1;
        let bytes = match read_spec(&file)? {
            Ok(bytes) => bytes,
            Err(too_large) => {
                loaded.diagnostics.extend(too_large);
                continue;
            }
        };
        if let Some(text) = std::str::from_utf8(&bytes)
            .ok()
            .filter(|t| super::openslo::is_openslo(t))
        {
            openslo.push((file, text.to_owned()));
            continue;
        }
        let (parsed, diags) = load_bytes(&file, &bytes);
        loaded.diagnostics.extend(diags);
        if let Some((slo, service_at)) = parsed {
            loaded.specs.push(LoadedSpec {
                file,
                slo,
                service_at,
                converted: None,
            });
        }
    }
    if !openslo.is_empty() {
        let (mapped, diags) = super::openslo::load(&openslo);
        loaded.diagnostics.extend(diags);
        loaded.specs.extend(mapped.into_iter().map(|m| LoadedSpec {
            file: m.file,
            slo: m.parsed.0,
            service_at: m.parsed.1,
            converted: Some(m.slo_v1),
        }));
    }
    check_unique_services(&mut loaded);
    Ok(loaded)
}

fn spec_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            out.extend(spec_files(&entry)?);
        } else if matches!(
            entry.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(entry);
        }
    }
    Ok(out)
}

/// A spec and the location (line, column) of its `service` value.
pub type Parsed = (ServiceSlo, Option<(u64, u64)>);

/// A spec file's bytes, or the diagnostics of one too large to be a spec.
fn read_spec(file: &Path) -> Result<Result<Vec<u8>, Vec<Diagnostic>>, LoadError> {
    let io = |source| LoadError::Io {
        path: file.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(file).map_err(io)?.len();
    if size > MAX_SPEC_BYTES {
        let mut d = Diagnostics::new(file);
        d.error(
            None,
            "",
            format!("the file is {size} bytes; a spec is at most {MAX_SPEC_BYTES}"),
        );
        return Ok(Err(d.items));
    }
    Ok(Ok(std::fs::read(file).map_err(io)?))
}

fn load_bytes(file: &Path, bytes: &[u8]) -> (Option<Parsed>, Vec<Diagnostic>) {
    let mut d = Diagnostics::new(file);
    let slo = parse_spec(bytes, &mut d);
    // Checks run field by field; readers want them in file order.
    d.items.sort_by_key(|x| x.at.unwrap_or((0, 0)));
    (slo, d.items)
}

/// Parses and validates one spec file's content, reporting into `d`. Returns the spec and the
/// location of its `service` value.
pub fn parse_spec(bytes: &[u8], d: &mut Diagnostics) -> Option<Parsed> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        d.error_hint(
            None,
            "",
            "the file is not UTF-8 text",
            "a spec is a YAML file; is this a binary file?",
        );
        return None;
    };
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---")
    {
        d.error_hint(
            None,
            "",
            "the file is empty",
            "a spec starts with `apiVersion: slo/v1` and `service: <name>`",
        );
        return None;
    }
    // One loader per format, chosen by `apiVersion`: OpenSLO's documents, or `slo/v1`, which
    // also reports a missing or unknown version.
    if super::openslo::is_openslo(text) {
        return super::openslo::parse(text, d);
    }
    super::slo_v1::parse(text, d)
}

/// `objectives[1].target.value` → `objectives[1].target`: `.value` is `Spanned`'s inside.
pub(super) fn clean_path(path: &str) -> String {
    let p = path.strip_suffix(".value").unwrap_or(path);
    let p = p.replace(".value.", ".").replace(".value[", "[");
    // serde_path_to_error says `.` for the root and `?` for a key it could not name.
    if p == "." || p == "?" {
        String::new()
    } else {
        p
    }
}

/// The parser appends " at line L, column C"; the diagnostic prints the location itself.
pub(super) fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(", column ") => message[..i].to_owned(),
        _ => message.to_owned(),
    }
}

pub(super) fn hint_for(message: &str) -> Option<String> {
    if message.contains("unknown field") {
        Some("check the spelling; the spec format is in README.md".to_owned())
    } else if message.contains("duplicate mapping key") {
        Some("each key may appear once".to_owned())
    } else if message.contains("missing field") {
        Some("see the example specs in slo/".to_owned())
    } else {
        None
    }
}

/// Two files may not describe the same service: their alarms would fight.
fn check_unique_services(loaded: &mut Loaded) {
    let mut first: HashMap<String, PathBuf> = HashMap::new();
    let mut duplicates = Vec::new();
    loaded.specs.retain(|s| match first.get(&s.slo.service) {
        Some(other) => {
            duplicates.push(Diagnostic {
                level: Level::Error,
                file: s.file.clone(),
                at: s.service_at,
                field: "service".to_owned(),
                message: format!(
                    "service `{}` is already defined in {}",
                    s.slo.service,
                    other.display()
                ),
                hint: Some("one file per service; merge the objectives into one spec".to_owned()),
            });
            false
        }
        None => {
            first.insert(s.slo.service.clone(), s.file.clone());
            true
        }
    });
    loaded.diagnostics.extend(duplicates);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> (Option<Parsed>, Vec<Diagnostic>) {
        let mut d = Diagnostics::new(Path::new("t.yaml"));
        let p = parse_spec(text.as_bytes(), &mut d);
        (p, d.items)
    }

    const GOOD: &str = "apiVersion: slo/v1\nservice: s\nalb: { loadBalancer: app/s/0123456789abcdef }\nobjectives:\n  - { name: a, sli: availability, target: 99.9% }\n";

    #[test]
    fn a_minimal_spec_gets_the_documented_defaults() {
        let (p, diags) = parse(GOOD);
        assert!(diags.is_empty(), "{diags:?}");
        let (slo, at) = p.unwrap();
        assert_eq!(at, Some((2, 10)));
        assert_eq!(slo.alerting.tiers.len(), 4);
        assert_eq!(slo.window.nominal(), chrono::TimeDelta::days(30));
        assert!(slo.alb.include_elb_5xx);
        assert_eq!(slo.notify.repeat, chrono::TimeDelta::hours(4));
    }

    #[test]
    fn the_error_path_does_not_show_the_span_wrapper() {
        assert_eq!(
            clean_path("objectives[1].target.value"),
            "objectives[1].target"
        );
        assert_eq!(clean_path("window.value.calendar.value"), "window.calendar");
        assert_eq!(clean_path("?"), "");
    }

    #[test]
    fn deeply_nested_yaml_is_an_error_not_a_stack_overflow() {
        let text = format!(
            "{}alb: {}{}",
            GOOD,
            "{a: ".repeat(200_000),
            "}".repeat(200_000)
        );
        let (p, diags) = parse(&text);
        assert!(p.is_none());
        assert!(!diags.is_empty());
    }

    #[test]
    fn several_documents_in_one_file_are_refused() {
        let (p, diags) = parse(&format!("{GOOD}---\n{GOOD}"));
        assert!(p.is_none());
        assert!(diags[0].is_error(), "{diags:?}");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let mut d = Diagnostics::new(Path::new("t.yaml"));
            let parsed = parse_spec(&bytes, &mut d);
            prop_assert!(parsed.is_some() || d.has_errors());
        }

        #[test]
        fn mutated_specs_never_panic_and_always_explain_failure(
            cut in 0usize..GOOD.len(), insert in "[ -~\n]{0,12}"
        ) {
            let mut text = GOOD.to_owned();
            if text.is_char_boundary(cut) {
                text.insert_str(cut, &insert);
            }
            let (p, diags) = parse(&text);
            prop_assert!(p.is_some() || diags.iter().any(Diagnostic::is_error));
        }
    }
}
