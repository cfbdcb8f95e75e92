//! The notification journal's port: what was sent and what is pending, kept across passes,
//! restarts and tasks. Implemented by a file (`notify::FileJournal`), by DynamoDB
//! (`dynamodb::DynamoDbJournal`) and in memory (`memory::MemoryJournal`).

use super::error::AwsError;
use crate::core::notify::JournalState;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot read the journal {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the journal {path} is damaged: {message}")]
    Damaged { path: PathBuf, message: String },
    #[error("cannot write the journal {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Another task wrote the journal since this one read it: the next pass reloads it.
    #[error("the journal in {table} was changed by another task")]
    Conflict { table: String },
    #[error("the journal in DynamoDB table {table}")]
    Aws {
        table: String,
        #[source]
        source: AwsError,
    },
}

/// What was sent and what is pending.
pub trait Journal {
    fn load(&self) -> impl Future<Output = Result<JournalState, JournalError>> + Send;
    fn save(&self, state: &JournalState) -> impl Future<Output = Result<(), JournalError>> + Send;

    /// Takes the message `id` for this process before sending it: `false` when another one
    /// holds it (with more than one task running, only one sends). The file journal belongs to
    /// one process: it always says yes.
    fn claim(
        &self,
        _id: &str,
        _now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, JournalError>> + Send {
        std::future::ready(Ok(true))
    }
}
