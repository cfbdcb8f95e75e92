//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 document whose schemas are generated from the
//! same types the handlers serialize, so it cannot drift from what they send.

use super::api::{ErrorJson, HealthJson, ObjectiveDetailJson};
use crate::render::json::ReportJson;
use axum::Json;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

/// The document.
pub fn spec() -> Value {
    let mut settings = SchemaSettings::draft2020_12().for_serialize();
    settings.definitions_path = "/components/schemas".into();
    let mut generator = settings.into_generator();
    let report = generator.subschema_for::<ReportJson>().to_value();
    let detail = generator.subschema_for::<ObjectiveDetailJson>().to_value();
    let health = generator.subschema_for::<HealthJson>().to_value();
    let error = generator.subschema_for::<ErrorJson>().to_value();
    let schemas = generator.take_definitions(true);
    let json_body = |schema: &Value, what: &str| json!({"description": what, "content": {"application/json": {"schema": schema}}});
    let unavailable = json_body(&error, "No refresh has completed yet");
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "slo serve",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "SLIs, error budgets, burn rates, incidents and deployments of every objective, as of the last refresh. Read-only."
        },
        "paths": {
            "/healthz": {"get": {"operationId": "healthz", "summary": "The process is alive",
                "responses": {"200": {"description": "Alive", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/readyz": {"get": {"operationId": "readyz", "summary": "Specs loaded and AWS reachable recently",
                "responses": {"200": json_body(&health, "Ready"), "503": json_body(&health, "Starting or degraded, with the reason")}}},
            "/metrics": {"get": {"operationId": "metrics", "summary": "Prometheus metrics",
                "responses": {"200": {"description": "Prometheus text format 0.0.4", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/api/v1/slos": {"get": {"operationId": "listSlos", "summary": "Every objective (the report)",
                "responses": {"200": json_body(&report, "The report"), "503": unavailable.clone()}}},
            "/api/v1/slos/{service}/{objective}": {"get": {"operationId": "getSlo", "summary": "One objective with its series and burn-down",
                "parameters": [
                    {"name": "service", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "objective", "in": "path", "required": true, "schema": {"type": "string"}}
                ],
                "responses": {"200": json_body(&detail, "The objective"), "404": json_body(&error, "No such objective"), "503": unavailable}}},
            "/api/v1/openapi.json": {"get": {"operationId": "openapi", "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}}
        },
        "components": {"schemas": schemas}
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
