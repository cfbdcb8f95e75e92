//! The notification journal in DynamoDB, for Fargate (the task's disk does not survive a
//! replacement): the journal state is one item, written with a version condition, so two
//! tasks cannot both commit; each message is claimed with a conditional put and a lease
//! before it is sent, so two tasks do not both send it; and its delivery is recorded on the
//! claim item itself, so a task whose journal write then loses the version race never lets
//! the message be claimed — and sent — again.

use super::error::AwsError;
use super::journal::{Journal, JournalError};
use crate::core::notify::JournalState;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Mutex;

/// How long a claim on a message holds, from the claim's own time: a task that dies with it
/// leaves it to the others after this. Longer than the longest send: 3 tries in a pass, each
/// one SDK attempt of at most 30 s (or Slack's 10 s), with at most 5 s between them.
pub const CLAIM_LEASE: TimeDelta = TimeDelta::minutes(5);
/// A delivered message's claim is kept this long (the table's TTL reads `until`): as long as
/// the journal keeps delivered ids.
pub const KEEP_DELIVERED: TimeDelta = crate::core::notify::KEEP_SENT;
const STATE_KEY: &str = "journal";
/// DynamoDB's item limit, 400 KB of attribute names and values ("Constraints in Amazon
/// DynamoDB", Items: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html);
/// the state is stored gzip-compressed (JSON compresses about tenfold) and refused with a
/// clear error, never a `ValidationException`, past this much.
pub const MAX_STATE_BYTES: usize = 390 * 1024;

pub struct DynamoDbJournal {
    client: Client,
    table: String,
    /// Who this task is, in its claims.
    owner: String,
    /// The version read by the last load.
    version: Mutex<Option<i64>>,
}

impl DynamoDbJournal {
    /// The table needs one string partition key, `pk`.
    pub fn new(config: &aws_config::SdkConfig, table: &str, owner: &str) -> DynamoDbJournal {
        DynamoDbJournal {
            client: Client::new(config),
            table: table.to_owned(),
            owner: owner.to_owned(),
            version: Mutex::new(None),
        }
    }

    fn aws(&self, source: AwsError) -> JournalError {
        JournalError::Aws {
            table: self.table.clone(),
            source,
        }
    }
}

/// `bytes` gzip-compressed, with libdeflate (already linked for reading `.gz` logs: the image
/// carries no second compressor).
fn compress(bytes: &[u8]) -> Option<Vec<u8>> {
    // SAFETY: the compressor is allocated, used on buffers of the lengths given (the output
    // sized by libdeflate's own bound) and freed here; libdeflate keeps no pointer past a call.
    unsafe {
        let c = libdeflate_sys::libdeflate_alloc_compressor(6);
        if c.is_null() {
            return None;
        }
        let bound = libdeflate_sys::libdeflate_gzip_compress_bound(c, bytes.len());
        let mut out = vec![0u8; bound];
        let n = libdeflate_sys::libdeflate_gzip_compress(
            c,
            bytes.as_ptr().cast(),
            bytes.len(),
            out.as_mut_ptr().cast(),
            out.len(),
        );
        libdeflate_sys::libdeflate_free_compressor(c);
        out.truncate(n);
        (n > 0).then_some(out)
    }
}

fn is_condition_failure(e: &AwsError) -> bool {
    e.code.as_deref() == Some("ConditionalCheckFailedException")
}

impl Journal for DynamoDbJournal {
    async fn load(&self) -> Result<JournalState, JournalError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(STATE_KEY.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.aws(AwsError::from_sdk("GetItem", &e)))?;
        let Some(item) = item.item() else {
            *self.version.lock().unwrap_or_else(|e| e.into_inner()) = None;
            return Ok(JournalState::default());
        };
        let version = item
            .get("version")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok());
        *self.version.lock().unwrap_or_else(|e| e.into_inner()) = version;
        let damaged = |message: String| JournalError::Damaged {
            path: self.table.clone().into(),
            message,
        };
        let body = match item.get("bodyz").and_then(|b| b.as_b().ok()) {
            Some(z) => {
                use std::io::Read;
                let mut text = String::new();
                flate2::read::GzDecoder::new(z.as_ref())
                    .read_to_string(&mut text)
                    .map_err(|e| damaged(format!("its compressed state: {e}")))?;
                text
            }
            None => item
                .get("body")
                .and_then(|b| b.as_s().ok())
                .cloned()
                .unwrap_or_default(),
        };
        serde_json::from_str(&body).map_err(|e| damaged(e.to_string()))
    }

    async fn save(&self, state: &JournalState) -> Result<(), JournalError> {
        let read = *self.version.lock().unwrap_or_else(|e| e.into_inner());
        let next = read.unwrap_or(0) + 1;
        let compressed =
            compress(&serde_json::to_vec(state).unwrap_or_default()).ok_or_else(|| {
                self.aws(AwsError::new(
                    "PutItem",
                    super::ErrorKind::InvalidRequest,
                    "could not compress the journal state".to_owned(),
                ))
            })?;
        if compressed.len() > MAX_STATE_BYTES {
            return Err(self.aws(AwsError::new(
                "PutItem",
                super::ErrorKind::InvalidRequest,
                format!(
                    "the journal state is {} KB compressed, past DynamoDB's 400 KB item limit: too many pending or dead messages",
                    compressed.len() / 1024
                ),
            )));
        }
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(STATE_KEY.to_owned()))
            .item("version", AttributeValue::N(next.to_string()))
            .item(
                "bodyz",
                AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(compressed)),
            );
        put = match read {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(v) => put
                .condition_expression("version = :v")
                .expression_attribute_values(":v", AttributeValue::N(v.to_string())),
        };
        match put.send().await {
            Ok(_) => {
                *self.version.lock().unwrap_or_else(|e| e.into_inner()) = Some(next);
                Ok(())
            }
            Err(e) => {
                let e = AwsError::from_sdk("PutItem", &e);
                if is_condition_failure(&e) {
                    Err(JournalError::Conflict {
                        table: self.table.clone(),
                    })
                } else {
                    Err(self.aws(e))
                }
            }
        }
    }

    async fn claim(&self, id: &str, now: DateTime<Utc>) -> Result<bool, JournalError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(format!("msg#{id}")))
            .item("owner", AttributeValue::S(self.owner.clone()))
            .item(
                "until",
                AttributeValue::N((now + CLAIM_LEASE).timestamp().to_string()),
            )
            // Never delivered; and free, expired, or already ours.
            .condition_expression(
                "attribute_not_exists(delivered) AND (attribute_not_exists(pk) OR #u < :now OR #o = :me)",
            )
            .expression_attribute_names("#u", "until")
            .expression_attribute_names("#o", "owner")
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
            .expression_attribute_values(":me", AttributeValue::S(self.owner.clone()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) => {
                let e = AwsError::from_sdk("PutItem", &e);
                if is_condition_failure(&e) {
                    Ok(false)
                } else {
                    Err(self.aws(e))
                }
            }
        }
    }

    async fn delivered(&self, id: &str, at: DateTime<Utc>) -> Result<(), JournalError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(format!("msg#{id}")))
            .update_expression("SET delivered = :t, #u = :keep")
            .condition_expression("#o = :me")
            .expression_attribute_names("#u", "until")
            .expression_attribute_names("#o", "owner")
            .expression_attribute_values(":t", AttributeValue::N(at.timestamp().to_string()))
            .expression_attribute_values(
                ":keep",
                AttributeValue::N((at + KEEP_DELIVERED).timestamp().to_string()),
            )
            .expression_attribute_values(":me", AttributeValue::S(self.owner.clone()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.aws(AwsError::from_sdk("UpdateItem", &e)))
    }
}
