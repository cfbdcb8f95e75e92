//! JSON Schemas of the wire formats, generated from the types that produce them. Committed
//! under `schema/`; a test keeps the files equal to what the types generate.

use super::json::ReportJson;
use super::plan::PlanJson;

fn pretty(schema: schemars::Schema) -> String {
    super::json::pretty(&schema)
}

/// The schema of `slo report --format json`.
pub fn report() -> String {
    pretty(schemars::schema_for!(ReportJson))
}

/// The schema of `slo plan --format json`.
pub fn plan() -> String {
    pretty(schemars::schema_for!(PlanJson))
}
