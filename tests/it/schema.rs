//! The JSON Schemas under schema/: generated from the wire types, and what the README shows
//! and what slo prints are valid under them.

use crate::support::{assert_golden, assert_valid, root};
use serde_json::Value;

#[test]
fn the_committed_schemas_are_what_the_types_generate() {
    assert_golden(
        &root().join("schema/report.schema.json"),
        &slo::render::schema::report(),
    );
    assert_golden(
        &root().join("schema/plan.schema.json"),
        &slo::render::schema::plan(),
    );
}

/// The README's "Report JSON" example, with its `//` comments taken out.
fn readme_report_example() -> Value {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme
        .split("### Report JSON")
        .nth(1)
        .expect("a Report JSON section");
    let block = section
        .split("```jsonc\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("a jsonc block");
    let json: String = block
        .lines()
        .map(|l| l.split(" //").next().unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("README example: {e}\n{json}"))
}

#[test]
fn the_readme_example_and_a_real_report_are_valid() {
    assert_valid("schema/report.schema.json", &readme_report_example());
    let golden = std::fs::read_to_string(root().join("tests/fixtures/golden/report.json"))
        .expect("golden report");
    assert_valid(
        "schema/report.schema.json",
        &serde_json::from_str(&golden).expect("JSON"),
    );
}

#[test]
fn the_schema_rejects_a_report_that_breaks_the_contract() {
    let mut bad = readme_report_example();
    bad["objectives"][0]["status"] = Value::from(3);
    let schema: Value = serde_json::from_str(&slo::render::schema::report()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(!validator.is_valid(&bad));
    let mut missing = readme_report_example();
    missing["objectives"][0]
        .as_object_mut()
        .unwrap()
        .remove("budget_remaining");
    assert!(!validator.is_valid(&missing));
}
