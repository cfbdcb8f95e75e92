//! ALB access logs as an exact SLI source: files as ALB writes them to S3 (synced to a local
//! folder, or read from the bucket: `s3`), read streaming.

pub mod failing;
pub mod files;
mod gunzip;
pub mod line;
mod mapped;
mod masks;
pub mod s3;
pub mod scan;

pub use files::{LogFile, find_log_files};
pub use mapped::explain_sigbus;
pub use scan::{Scan, ScanOptions, ScanStats, Selection, scan, scan_with};
