//! Where uploaded files live: behind [`FileStore`], so that a deployment can move them
//! from the local disk to an S3-compatible store without touching the use cases.
//!
//! Every store refuses the same keys ([`check_key`]) and answers a missing file with
//! [`StorageError::NotFound`], so the use cases behave alike on each; the contract test
//! (`crates/server/tests/files.rs`) holds every implementation to that.

use std::io;
use std::path::PathBuf;

/// Why a store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key is not one we would ever write (see [`check_key`]): a bug in the caller.
    #[error("invalid storage key")]
    InvalidKey,
    /// Nothing is stored under the key.
    #[error("no file is stored under this key")]
    NotFound,
    /// The store cannot be reached or does not answer in time: a 503, try again later.
    /// The cause is for the log; it never names a secret.
    #[error("The file store is unavailable; try again in a moment.")]
    Unavailable { cause: String },
    /// The store answered, with a failure (refused credentials, a full disk, …).
    #[error("the file store failed: {cause}")]
    Failed { cause: String },
}

impl StorageError {
    pub fn unavailable(cause: impl Into<String>) -> StorageError {
        StorageError::Unavailable { cause: cause.into() }
    }

    pub fn failed(cause: impl Into<String>) -> StorageError {
        StorageError::Failed { cause: cause.into() }
    }

    /// The error code a client sees: 503 for an unavailable store, otherwise a 500
    /// (a file a row points at is missing, or the store refused us: our fault).
    pub fn code(&self) -> crate::Code {
        match self {
            StorageError::Unavailable { .. } => crate::Code::Unavailable,
            _ => crate::Code::Internal,
        }
    }

    /// Seconds after which a retry may succeed.
    pub fn retry_after(&self) -> Option<u64> {
        matches!(self, StorageError::Unavailable { .. }).then_some(5)
    }
}

impl From<io::Error> for StorageError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound => StorageError::NotFound,
            _ => StorageError::failed(e.to_string()),
        }
    }
}

/// Stores whole files under slash-separated keys (`vendors/<id>/<document id>.pdf`).
///
/// The methods block: call them where blocking is allowed (inside `web::block`, a
/// worker thread, the command line), never on an async executor's thread.
pub trait FileStore: Send + Sync + 'static {
    /// Stores `bytes` under `key`, replacing what was there; a reader never sees half
    /// a file.
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError>;
    /// The bytes under `key`; [`StorageError::NotFound`] when there are none.
    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError>;
    /// Removes the file under `key`; removing a missing file succeeds.
    fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// `local disk at data/files`, `S3 bucket pasar at https://…`: for the start-up
    /// banner and the log (never a secret).
    fn describe(&self) -> String;
}

/// Longest key accepted, in bytes (S3 allows 1024; a prefix may come in front).
pub const MAX_KEY_BYTES: usize = 512;

/// Keys are what our own code makes from ids: segments of ASCII letters, digits, `-`,
/// `_` and `.`, joined by `/`. Anything else — an empty segment, `.` or `..`, a leading
/// slash, a space, a backslash, a non-ASCII letter — is refused on every store alike,
/// so that no key can climb out of its folder or mean different things to different
/// stores.
pub fn check_key(key: &str) -> Result<(), StorageError> {
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    if key.is_empty() || key.len() > MAX_KEY_BYTES || !key.split('/').all(segment_ok) {
        return Err(StorageError::InvalidKey);
    }
    Ok(())
}

/// Files on the local disk under `root` (by default `<data.dir>/files`).
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    pub fn new(root: impl Into<PathBuf>) -> LocalDisk {
        LocalDisk { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

impl FileStore for LocalDisk {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Write aside under a name of its own, then rename: a reader never sees half a
        // file, and two writers of one key never share the temporary file.
        let tmp = path.with_file_name(format!(".{}.partial", uuid::Uuid::now_v7().simple()));
        if let Err(e) = std::fs::write(&tmp, bytes) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        std::fs::rename(tmp, path).map_err(StorageError::from)
    }

    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        Ok(std::fs::read(self.path(key)?)?)
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => Ok(other?),
        }
    }

    fn describe(&self) -> String {
        format!("local disk at {}", self.root.display())
    }
}

/// The kinds of file we accept, recognised by their first bytes, never by their name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

impl FileType {
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(FileType::Png)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_ids_and_slashes_only() {
        for ok in ["vendors/0193a1b2-c3d4/0193a1b2-c3d5.pdf", "products/p/i.thumb.jpg", "a", "a_b-c.d/e"] {
            assert!(check_key(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(MAX_KEY_BYTES + 1);
        for bad in
            ["", "/etc/passwd", "../escape", "a/../b", "a//b", "a/", "./a", "a b", "a\\b", "nib ü.pdf", "a?b", &long]
        {
            assert!(matches!(check_key(bad), Err(StorageError::InvalidKey)), "{bad:?}");
        }
    }

    #[test]
    fn types_are_told_by_content() {
        assert_eq!(FileType::sniff(b"%PDF-1.7\n..."), Some(FileType::Pdf));
        assert_eq!(FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileType::Jpeg));
        assert_eq!(FileType::sniff(b"\x89PNG\r\n\x1a\n...."), Some(FileType::Png));
        assert_eq!(FileType::sniff(b"MZ\x90\x00 an exe named nib.pdf"), None);
    }
}
