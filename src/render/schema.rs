//! JSON Schemas of the wire formats, generated from the types that produce them. Committed
//! under `schema/`; a test keeps the files equal to what the types generate.

use super::json::ReportJson;
use super::plan::PlanJson;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;

/// The schema of what `T` serializes to: an `Option` field is always present (maybe null),
/// because these types are only ever written, never read.
fn schema_of<T: JsonSchema>() -> String {
    let schema = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>();
    super::json::pretty(&schema)
}

/// The schema of `slo report --format json`.
pub fn report() -> String {
    schema_of::<ReportJson>()
}

/// The schema of `slo plan --format json`.
pub fn plan() -> String {
    schema_of::<PlanJson>()
}
