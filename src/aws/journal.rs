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
    /// Another process holds the journal (`slo notify` or `slo serve` on the same state).
    #[error(
        "another slo process holds the journal {path} (waited {waited_secs}s); this pass sends nothing"
    )]
    Busy { path: PathBuf, waited_secs: u64 },
    #[error("the journal in DynamoDB table {table}")]
    Aws {
        table: String,
        #[source]
        source: AwsError,
    },
}

/// Held for a pass: the journal is this process's until it is dropped (for a file journal, an
/// exclusive `flock` on `journal.lock`, released when the file closes — also when the process
/// dies).
#[derive(Debug, Default)]
pub struct JournalLock {
    _file: Option<std::fs::File>,
}

impl JournalLock {
    pub fn held(file: std::fs::File) -> JournalLock {
        JournalLock { _file: Some(file) }
    }
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

    /// Takes the journal for one pass, so that two processes never decide and send from the
    /// same state at once. Journals that settle races otherwise (DynamoDB's claims) need none.
    fn lock(&self) -> impl Future<Output = Result<JournalLock, JournalError>> + Send {
        std::future::ready(Ok(JournalLock::default()))
    }

    /// Records on the message's own claim that it was delivered (DynamoDB: so that a task
    /// whose journal write lost a race never lets the message be sent again).
    fn delivered(
        &self,
        _id: &str,
        _at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), JournalError>> + Send {
        std::future::ready(Ok(()))
    }

    /// Moves a damaged journal out of the way; says where it went.
    fn set_aside(&self) -> impl Future<Output = Result<String, JournalError>> + Send {
        std::future::ready(Ok("it will be overwritten".to_owned()))
    }
}
