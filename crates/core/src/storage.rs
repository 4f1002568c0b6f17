//! Where uploaded files live: behind [`FileStore`], so that a deployment can move them
//! from the local disk to an S3-compatible store without touching the use cases.

use std::io;
use std::path::{Component, Path, PathBuf};

/// Stores whole files under slash-separated keys (`vendors/<id>/<document id>`).
pub trait FileStore: Send + Sync + 'static {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()>;
    fn get(&self, key: &str) -> io::Result<Vec<u8>>;
    fn delete(&self, key: &str) -> io::Result<()>;
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

    /// The path of a key; keys come from our own ids, but a key that would climb out of
    /// the root is refused all the same.
    fn path(&self, key: &str) -> io::Result<PathBuf> {
        let rel = Path::new(key);
        if key.is_empty() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "invalid storage key"));
        }
        Ok(self.root.join(rel))
    }
}

impl FileStore for LocalDisk {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Write aside, then rename: a reader never sees half a file.
        let tmp = path.with_extension("partial");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(tmp, path)
    }

    fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(key)?)
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
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
    fn files_round_trip_and_keys_cannot_escape() {
        let dir = std::env::temp_dir().join(format!("pasar-store-{}", std::process::id()));
        let store = LocalDisk::new(&dir);
        store.put("vendors/a/b", b"hello").unwrap();
        assert_eq!(store.get("vendors/a/b").unwrap(), b"hello");
        store.delete("vendors/a/b").unwrap();
        store.delete("vendors/a/b").unwrap();
        assert!(store.put("../escape", b"x").is_err());
        assert!(store.put("/etc/passwd", b"x").is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn types_are_told_by_content() {
        assert_eq!(FileType::sniff(b"%PDF-1.7\n..."), Some(FileType::Pdf));
        assert_eq!(FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(FileType::Jpeg));
        assert_eq!(FileType::sniff(b"\x89PNG\r\n\x1a\n...."), Some(FileType::Png));
        assert_eq!(FileType::sniff(b"MZ\x90\x00 an exe named nib.pdf"), None);
    }
}
