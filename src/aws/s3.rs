//! ALB access logs where ALB writes them: S3, listed by prefix and read object by object.
//! `ObjectStore` is the capability; `S3Objects` implements it with the SDK (path-style
//! addressing when `AWS_ENDPOINT_URL` points at an emulator or a gateway).

use super::error::AwsError;
use std::future::Future;

/// One page-complete listing under a prefix: the common prefixes (with a `/` delimiter) and
/// the objects with their sizes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub prefixes: Vec<String>,
    pub objects: Vec<(String, u64)>,
}

pub trait ObjectStore {
    /// Everything under `prefix` (every page); with `delimited`, the next level's prefixes
    /// instead of the objects beneath them.
    fn list(
        &self,
        bucket: &str,
        prefix: &str,
        delimited: bool,
    ) -> impl Future<Output = Result<Listing, AwsError>> + Send;

    /// The object's bytes.
    fn get(
        &self,
        bucket: &str,
        key: &str,
    ) -> impl Future<Output = Result<Vec<u8>, AwsError>> + Send;

    /// The object's bytes `[start, end)` (a ranged GET: a large object is read in parts).
    fn get_range(
        &self,
        bucket: &str,
        key: &str,
        start: u64,
        end: u64,
    ) -> impl Future<Output = Result<Vec<u8>, AwsError>> + Send;
}

#[derive(Clone, Debug)]
pub struct S3Objects {
    client: aws_sdk_s3::Client,
}

impl S3Objects {
    async fn get_object(
        &self,
        bucket: &str,
        key: &str,
        range: Option<String>,
    ) -> Result<Vec<u8>, AwsError> {
        let object = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .set_range(range)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("GetObject", &e))?;
        let bytes = object.body.collect().await.map_err(|e| {
            AwsError::new(
                "GetObject",
                super::ErrorKind::Transport,
                format!("s3://{bucket}/{key}: the body broke off: {e}"),
            )
        })?;
        Ok(bytes.into_bytes().to_vec())
    }

    pub fn new(config: &aws_config::SdkConfig) -> S3Objects {
        // An endpoint of one's own (the emulator, a gateway) takes bucket names in the path,
        // not as a DNS name.
        let path_style = std::env::var_os("AWS_ENDPOINT_URL").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(path_style)
            .build();
        S3Objects {
            client: aws_sdk_s3::Client::from_conf(s3),
        }
    }
}

impl ObjectStore for S3Objects {
    async fn list(&self, bucket: &str, prefix: &str, delimited: bool) -> Result<Listing, AwsError> {
        let mut out = Listing::default();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_delimiter(delimited.then(|| "/".to_owned()))
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ListObjectsV2", &e))?;
            out.prefixes.extend(
                page.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_owned)),
            );
            out.objects.extend(
                page.contents().iter().filter_map(|o| {
                    Some((o.key()?.to_owned(), o.size().unwrap_or(0).max(0) as u64))
                }),
            );
            token = page.next_continuation_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, AwsError> {
        self.get_object(bucket, key, None).await
    }

    async fn get_range(
        &self,
        bucket: &str,
        key: &str,
        start: u64,
        end: u64,
    ) -> Result<Vec<u8>, AwsError> {
        // HTTP ranges are inclusive (RFC 9110, 14.1.2).
        let range = format!("bytes={start}-{}", end.saturating_sub(1));
        self.get_object(bucket, key, Some(range)).await
    }
}
