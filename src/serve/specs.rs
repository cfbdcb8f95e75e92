//! Loading the specs, and reloading them on SIGHUP or when a file changes. A spec that does not
//! load keeps the ones in force: the service never stops watching because of a typo.

use super::state::{AppState, Specs};
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The specs under `paths`; every error of every file, one per line, when any is invalid.
pub fn load(paths: &[PathBuf]) -> Result<Specs, String> {
    let loaded = crate::spec::load_paths(paths).map_err(|e| e.to_string())?;
    if loaded.has_errors() {
        let errors: Vec<String> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string)
            .collect();
        return Err(errors.join("\n"));
    }
    let files = loaded
        .specs
        .iter()
        .map(|s| (s.file.clone(), modified(&s.file)))
        .collect();
    Ok(Specs {
        slos: loaded.specs.into_iter().map(|s| s.slo).collect(),
        files,
        loaded_at: Utc::now(),
    })
}

/// Whether a spec file was changed or removed since `specs` were loaded. (A new file in a
/// spec directory is picked up by the next SIGHUP.)
pub fn changed(specs: &Specs) -> bool {
    specs.files.iter().any(|(p, t)| modified(p) != *t)
}

/// Reloads the specs; on failure keeps the old ones and records why (`/readyz` and the
/// dashboard show it, and the log says it).
pub fn reload(state: &AppState, paths: &[PathBuf], why: &str) {
    match load(paths) {
        Ok(specs) => {
            let n = specs.slos.len();
            *state.specs.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(specs);
            *state.spec_error.lock().unwrap_or_else(|e| e.into_inner()) = None;
            tracing::info!(
                event = "specs_reloaded",
                reason = why,
                specs = n,
                "specs reloaded"
            );
        }
        Err(e) => {
            // Keep the old ones, and do not retry this same content on every poll.
            let mut kept = (*state.specs()).clone();
            for (p, t) in &mut kept.files {
                *t = modified(p);
            }
            *state.specs.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(kept);
            tracing::error!(event = "specs_invalid", reason = why, error = %e, "specs not reloaded; the previous ones stay in force");
            *state.spec_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
        }
    }
}
