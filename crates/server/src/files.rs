//! The file store the application uses: the local disk under `<data.dir>/files` by
//! default, or an S3-compatible bucket when `files.s3_bucket` is set, so that several
//! instances reach the same vendor documents and product photos. The use cases see only
//! [`FileStore`]; which one they got is decided here, once, at start-up.
//!
//! The S3 client is asynchronous, while [`FileStore`] blocks (its callers already run on
//! the blocking pool, inside `web::block`, holding a database connection). So the store
//! keeps a small runtime of its own on one thread: a call hands its request to that
//! runtime and waits for the answer on a channel. The HTTP workers never wait for S3,
//! and a call from any thread — even one inside another runtime, as at start-up — works.

use crate::config::{Config, ConfigError, FilesConfig};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStoreExt, PutPayload, RetryConfig};
use pasar_core::storage::{check_key, FileStore, LocalDisk, StorageError};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How long to wait for a connection to the store.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one request may take (a 10 MiB upload over a slow link).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Retries of a failed request, and how long they may go on in all: a store that is
/// down is reported (503) within seconds instead of holding the request for minutes.
const MAX_RETRIES: usize = 2;
const RETRY_TIMEOUT: Duration = Duration::from_secs(10);

/// The configured store: S3 when `files.s3_bucket` is set (checked before this returns:
/// a missing bucket, refused credentials or an unreachable endpoint stop start-up with
/// the key to fix), else the local disk.
pub fn open(config: &Config) -> Result<Arc<dyn FileStore>, ConfigError> {
    if config.files.s3_bucket.is_empty() {
        return Ok(Arc::new(LocalDisk::new(config.data.dir.join("files"))));
    }
    let store = S3Store::connect(&config.files)?;
    store.check()?;
    Ok(Arc::new(store))
}

/// Files in an S3-compatible bucket (AWS S3, MinIO, SeaweedFS, Ceph, Garage, …), each
/// under `<files.s3_prefix>/<key>`.
pub struct S3Store {
    store: Arc<AmazonS3>,
    /// Empty, or the prefix with a trailing `/`.
    prefix: String,
    bucket: String,
    endpoint: String,
    /// Scrubbed from every message, in case a store ever echoes it.
    secret: String,
    runtime: tokio::runtime::Handle,
    /// Dropping it ends the store's thread.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl std::fmt::Debug for S3Store {
    // By hand: the client holds the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store").field("bucket", &self.bucket).field("endpoint", &self.endpoint).finish()
    }
}

impl S3Store {
    /// A client for the configured bucket, on a thread of its own. Nothing is sent yet:
    /// [`S3Store::check`] does that.
    pub fn connect(files: &FilesConfig) -> Result<S3Store, ConfigError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| invalid("files.s3_bucket", format!("cannot start the file store's runtime: {e}")))?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("pasar-files".into())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                })
            })
            .map_err(|e| invalid("files.s3_bucket", format!("cannot start the file store's thread: {e}")))?;

        let endpoint = files.endpoint();
        let options = ClientOptions::new()
            .with_allow_http(files.s3_allow_http)
            .with_connect_timeout(CONNECT_TIMEOUT)
            .with_timeout(REQUEST_TIMEOUT);
        let retry = RetryConfig { max_retries: MAX_RETRIES, retry_timeout: RETRY_TIMEOUT, ..RetryConfig::default() };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&files.s3_bucket)
            .with_region(&files.s3_region)
            .with_access_key_id(&files.s3_access_key_id)
            .with_secret_access_key(&files.s3_secret_access_key)
            .with_virtual_hosted_style_request(!files.s3_path_style)
            .with_allow_http(files.s3_allow_http)
            .with_client_options(options)
            .with_retry(retry);
        if !files.s3_endpoint.is_empty() {
            builder = builder.with_endpoint(files.s3_endpoint.trim_end_matches('/'));
        }
        let store = {
            let _inside = handle.enter();
            builder.build().map_err(|e| invalid("files.s3_endpoint", e.to_string()))?
        };
        let prefix = files.s3_prefix.trim_matches('/');
        Ok(S3Store {
            store: Arc::new(store),
            prefix: if prefix.is_empty() { String::new() } else { format!("{prefix}/") },
            bucket: files.s3_bucket.clone(),
            endpoint,
            secret: files.s3_secret_access_key.clone(),
            runtime: handle,
            _stop: stop,
        })
    }

    /// Writes, reads back and deletes a small file under `<prefix>/.pasar-check/`, so
    /// that a wrong bucket, key or endpoint is found at start-up, named, instead of on a
    /// vendor's first upload.
    pub fn check(&self) -> Result<(), ConfigError> {
        let key = format!(".pasar-check/{}", uuid::Uuid::now_v7().simple());
        let probe = b"pasar start-up check".to_vec();
        let path = self.path(&key).map_err(|_| invalid("files.s3_prefix", "is not a valid key prefix"))?;
        let store = self.store.clone();
        let written = probe.clone();
        let result = self.run(async move {
            store.put(&path, PutPayload::from(written)).await?;
            let read = store.get(&path).await?.bytes().await?;
            store.delete(&path).await?;
            Ok(read)
        });
        match result {
            Ok(read) if read.as_ref() == probe.as_slice() => Ok(()),
            Ok(_) => {
                Err(invalid("files.s3_endpoint", format!("{} returned other bytes than were written", self.endpoint)))
            }
            Err(e) => Err(self.explain(e)),
        }
    }

    /// The start-up failure, with the key to fix.
    fn explain(&self, e: object_store::Error) -> ConfigError {
        let (bucket, endpoint) = (&self.bucket, &self.endpoint);
        let cause = self.scrub(&e.to_string());
        match e {
            object_store::Error::NotFound { .. } => invalid(
                "files.s3_bucket",
                format!("there is no bucket `{bucket}` at {endpoint}: create it, or correct the name"),
            ),
            object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
                if cause.contains("InvalidAccessKeyId") {
                    invalid("files.s3_access_key_id", format!("{endpoint} does not know this access key"))
                } else if cause.contains("SignatureDoesNotMatch") {
                    invalid(
                        "files.s3_secret_access_key",
                        format!("{endpoint} refused the request's signature: the secret access key is wrong"),
                    )
                } else {
                    invalid(
                        "files.s3_access_key_id",
                        format!(
                            "{endpoint} refused access to bucket `{bucket}`; the key needs to put, get and \
                             delete objects there ({cause})"
                        ),
                    )
                }
            }
            _ => invalid("files.s3_endpoint", format!("cannot use {endpoint}: {cause}")),
        }
    }

    fn path(&self, key: &str) -> Result<ObjectPath, StorageError> {
        check_key(key)?;
        ObjectPath::parse(format!("{}{key}", self.prefix)).map_err(|_| StorageError::InvalidKey)
    }

    /// Runs `op` on the store's runtime and waits for it.
    fn run<T, F>(&self, op: F) -> Result<T, object_store::Error>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, object_store::Error>> + Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.runtime.spawn(async move {
            let _ = tx.send(op.await);
        });
        rx.recv().unwrap_or_else(|_| {
            Err(object_store::Error::Generic { store: "S3", source: "the file store's runtime has stopped".into() })
        })
    }

    /// What a use case is told. A missing object is `NotFound`; anything else the store
    /// or the network did wrong (down, slow, bucket gone, credentials revoked) makes the
    /// store unavailable: a 503 for the client, the cause in the log.
    fn classify(&self, e: object_store::Error) -> StorageError {
        let cause = self.scrub(&e.to_string());
        match e {
            object_store::Error::NotFound { .. } if !cause.contains("NoSuchBucket") => StorageError::NotFound,
            object_store::Error::InvalidPath { .. } => StorageError::InvalidKey,
            _ => StorageError::unavailable(format!("S3 bucket `{}` at {}: {cause}", self.bucket, self.endpoint)),
        }
    }

    fn scrub(&self, message: &str) -> String {
        if self.secret.is_empty() {
            message.to_owned()
        } else {
            message.replace(&self.secret, "[secret]")
        }
    }
}

impl FileStore for S3Store {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let (path, store) = (self.path(key)?, self.store.clone());
        let payload = PutPayload::from(bytes.to_vec());
        self.run(async move { store.put(&path, payload).await.map(|_| ()) }).map_err(|e| self.classify(e))
    }

    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        let (path, store) = (self.path(key)?, self.store.clone());
        self.run(async move { store.get(&path).await?.bytes().await.map(|b| b.to_vec()) }).map_err(|e| self.classify(e))
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        let (path, store) = (self.path(key)?, self.store.clone());
        match self.run(async move { store.delete(&path).await }) {
            // Some stores answer a missing object's deletion with 404: it is gone all the same.
            Err(object_store::Error::NotFound { source, .. }) if !source.to_string().contains("NoSuchBucket") => Ok(()),
            other => other.map_err(|e| self.classify(e)),
        }
    }

    fn describe(&self) -> String {
        let prefix = if self.prefix.is_empty() { String::new() } else { format!(" under {}", self.prefix) };
        format!("S3 bucket {} at {}{prefix}", self.bucket, self.endpoint)
    }
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), message: message.into() }
}

/// Support for tests that need a real S3-compatible store, in the manner of
/// `pasar_db::testing`: harmless in production.
pub mod testing {
    use crate::config::FilesConfig;
    use std::sync::OnceLock;

    /// The store this run may use, from `TEST_S3_URL` (the endpoint), `TEST_S3_BUCKET`,
    /// `TEST_S3_ACCESS_KEY_ID` and `TEST_S3_SECRET_ACCESS_KEY` (and `TEST_S3_REGION`),
    /// with a prefix of its own so that tests never meet. `None` when `TEST_S3_URL` is
    /// unset (said once), unless `PASAR_REQUIRE_S3=1`, which makes that a failure.
    pub fn s3_from_env() -> Option<FilesConfig> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let Some(url) = var("TEST_S3_URL") else {
            if var("PASAR_REQUIRE_S3").as_deref() == Some("1") {
                panic!("PASAR_REQUIRE_S3=1 but TEST_S3_URL is not set");
            }
            static ONCE: OnceLock<()> = OnceLock::new();
            ONCE.get_or_init(|| println!("skipped: TEST_S3_URL is not set, so the S3 file store is not tested"));
            return None;
        };
        let need = |name: &str| var(name).unwrap_or_else(|| panic!("TEST_S3_URL is set but {name} is not"));
        Some(FilesConfig {
            s3_bucket: need("TEST_S3_BUCKET"),
            s3_endpoint: url.clone(),
            s3_region: var("TEST_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
            s3_access_key_id: need("TEST_S3_ACCESS_KEY_ID"),
            s3_secret_access_key: need("TEST_S3_SECRET_ACCESS_KEY"),
            s3_path_style: true,
            s3_allow_http: url.starts_with("http://"),
            s3_prefix: format!("test-{}", uuid::Uuid::now_v7().simple()),
        })
    }
}
