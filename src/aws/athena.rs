//! Athena, for access logs beyond one machine: a table's parameters (where its partitions
//! are, to price a query before running it), and a query started, polled and read page by
//! page. `QueryEngine` is the capability; `AthenaQueries` implements it with the SDK.

use super::error::{AwsError, ErrorKind};
use std::collections::BTreeMap;
use std::future::Future;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl QueryState {
    pub fn is_done(self) -> bool {
        matches!(
            self,
            QueryState::Succeeded | QueryState::Failed | QueryState::Cancelled
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryStatus {
    pub state: QueryState,
    /// Why it failed or was cancelled, as Athena says it.
    pub reason: Option<String>,
    /// What Athena bills: the bytes the query read.
    pub scanned_bytes: Option<u64>,
}

/// One page of a query's results: the columns' names, and rows of text (NULL as `None`),
/// without the header row Athena puts first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResultPage {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
    pub next: Option<String>,
}

/// Where a query runs: its workgroup (Athena's default when `None`) and where its results go
/// (the workgroup's setting when `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryPlace {
    pub database: String,
    pub workgroup: Option<String>,
    pub output: Option<String>,
}

pub trait QueryEngine {
    /// The table's parameters (`storage.location.template`, `location`, …); `None` when
    /// there is no such table.
    fn table_parameters(
        &self,
        database: &str,
        table: &str,
    ) -> impl Future<Output = Result<Option<BTreeMap<String, String>>, AwsError>> + Send;

    /// Starts `sql`; its execution id.
    fn start(
        &self,
        sql: &str,
        place: &QueryPlace,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;

    fn status(&self, id: &str) -> impl Future<Output = Result<QueryStatus, AwsError>> + Send;

    /// A page of a finished query's results (`token`: the previous page's `next`).
    fn results(
        &self,
        id: &str,
        token: Option<String>,
    ) -> impl Future<Output = Result<ResultPage, AwsError>> + Send;
}

#[derive(Clone, Debug)]
pub struct AthenaQueries {
    client: aws_sdk_athena::Client,
}

impl AthenaQueries {
    pub fn new(config: &aws_config::SdkConfig) -> AthenaQueries {
        AthenaQueries {
            client: aws_sdk_athena::Client::new(config),
        }
    }
}

/// Athena's page size at most.
const PAGE: i32 = 1000;

impl QueryEngine for AthenaQueries {
    async fn table_parameters(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Option<BTreeMap<String, String>>, AwsError> {
        let out = self
            .client
            .get_table_metadata()
            .catalog_name("AwsDataCatalog")
            .database_name(database)
            .table_name(table)
            .send()
            .await;
        match out {
            Ok(out) => Ok(Some(
                out.table_metadata()
                    .and_then(|t| t.parameters())
                    .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            )),
            Err(e) => {
                let err = AwsError::from_sdk("GetTableMetadata", &e);
                // Athena answers a missing table with MetadataException.
                if e.as_service_error()
                    .is_some_and(|s| s.is_metadata_exception())
                {
                    return Ok(None);
                }
                Err(err)
            }
        }
    }

    async fn start(&self, sql: &str, place: &QueryPlace) -> Result<String, AwsError> {
        let context = aws_sdk_athena::types::QueryExecutionContext::builder()
            .catalog("AwsDataCatalog")
            .database(&place.database)
            .build();
        let results = place.output.as_ref().map(|o| {
            aws_sdk_athena::types::ResultConfiguration::builder()
                .output_location(o)
                .build()
        });
        let out = self
            .client
            .start_query_execution()
            .query_string(sql)
            .query_execution_context(context)
            .set_work_group(place.workgroup.clone())
            .set_result_configuration(results)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("StartQueryExecution", &e))?;
        out.query_execution_id().map(str::to_owned).ok_or_else(|| {
            AwsError::new(
                "StartQueryExecution",
                ErrorKind::Transient,
                "Athena gave no query execution id",
            )
        })
    }

    async fn status(&self, id: &str) -> Result<QueryStatus, AwsError> {
        use aws_sdk_athena::types::QueryExecutionState as S;
        let out = self
            .client
            .get_query_execution()
            .query_execution_id(id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("GetQueryExecution", &e))?;
        let q = out.query_execution();
        let status = q.and_then(|q| q.status());
        let state = match status.and_then(|s| s.state()) {
            Some(S::Queued) => QueryState::Queued,
            Some(S::Running) => QueryState::Running,
            Some(S::Succeeded) => QueryState::Succeeded,
            Some(S::Failed) => QueryState::Failed,
            Some(S::Cancelled) => QueryState::Cancelled,
            other => {
                return Err(AwsError::new(
                    "GetQueryExecution",
                    ErrorKind::InvalidRequest,
                    format!("query {id}: unknown state {other:?}"),
                ));
            }
        };
        Ok(QueryStatus {
            state,
            reason: status
                .and_then(|s| s.state_change_reason())
                .map(str::to_owned),
            scanned_bytes: q
                .and_then(|q| q.statistics())
                .and_then(|s| s.data_scanned_in_bytes())
                .map(|b| b.max(0) as u64),
        })
    }

    async fn results(&self, id: &str, token: Option<String>) -> Result<ResultPage, AwsError> {
        let first = token.is_none();
        let out = self
            .client
            .get_query_results()
            .query_execution_id(id)
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("GetQueryResults", &e))?;
        let set = out.result_set();
        let columns: Vec<String> = set
            .and_then(|s| s.result_set_metadata())
            .map(|m| {
                m.column_info()
                    .iter()
                    .map(|c| c.name().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let mut rows: Vec<Vec<Option<String>>> = set
            .map(|s| {
                s.rows()
                    .iter()
                    .map(|r| {
                        r.data()
                            .iter()
                            .map(|d| d.var_char_value().map(str::to_owned))
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default();
        // A SELECT's first page starts with the column names as a row.
        if first
            && rows.first().is_some_and(|r| {
                r.len() == columns.len()
                    && r.iter()
                        .zip(&columns)
                        .all(|(v, c)| v.as_deref() == Some(c.as_str()))
            })
        {
            rows.remove(0);
        }
        Ok(ResultPage {
            columns,
            rows,
            next: out.next_token().map(str::to_owned),
        })
    }
}
