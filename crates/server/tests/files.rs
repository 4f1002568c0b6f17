//! The file-store contract: the same checks on the local disk and on an S3-compatible
//! store (when `TEST_S3_URL` is set; `.ci/run` starts one), so the use cases cannot tell
//! which one they were given. Then what only S3 can get wrong: a bucket, key or endpoint
//! that start-up must refuse, naming the setting, and a store that goes away.

use pasar_core::storage::{FileStore, LocalDisk, StorageError};
use pasar_server::config::{ConfigError, FilesConfig};
use pasar_server::files::{testing::s3_from_env, S3Store};

/// Bytes that are not text, so that no store can get away with a text conversion.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn contract(store: &dyn FileStore) {
    let name = store.describe();
    let key = "vendors/0193a1b2-0000-7000-8000-000000000001/0193a1b2-0000-7000-8000-000000000002.pdf";

    // Put, get, overwrite.
    let first = noise(4096, 1);
    store.put(key, &first).unwrap_or_else(|e| panic!("{name}: put: {e:?}"));
    assert_eq!(store.get(key).unwrap(), first, "{name}: reads back what was put");
    let second = b"%PDF-1.7 a replacement".to_vec();
    store.put(key, &second).unwrap();
    assert_eq!(store.get(key).unwrap(), second, "{name}: a second put replaces the first");

    // A neighbour is a different file.
    let thumb = "vendors/0193a1b2-0000-7000-8000-000000000001/0193a1b2-0000-7000-8000-000000000002.thumb.jpg";
    store.put(thumb, b"thumb").unwrap();
    assert_eq!(store.get(key).unwrap(), second, "{name}: another key leaves it alone");

    // Delete, and delete again.
    store.delete(key).unwrap();
    assert!(matches!(store.get(key), Err(StorageError::NotFound)), "{name}: a deleted file is not found");
    store.delete(key).unwrap_or_else(|e| panic!("{name}: deleting a missing file must succeed: {e:?}"));
    assert_eq!(store.get(thumb).unwrap(), b"thumb", "{name}: deleting one file leaves its neighbour");
    store.delete(thumb).unwrap();

    // A file that never was.
    assert!(
        matches!(store.get("products/never/written.png"), Err(StorageError::NotFound)),
        "{name}: a missing file is NotFound, not some other failure"
    );

    // Larger than the upload limit's default (10 MiB), so nothing is cut on the way.
    let large = noise(12 << 20, 7);
    store.put("products/p/large.png", &large).unwrap();
    let back = store.get("products/p/large.png").unwrap();
    assert!(back.len() == large.len() && back == large, "{name}: a 12 MiB file comes back whole");
    store.delete("products/p/large.png").unwrap();

    // Names that are not ours are refused before anything is written.
    for bad in [
        "",
        "/etc/passwd",
        "../outside",
        "vendors/../../outside",
        "vendors//double",
        "vendors/trailing/",
        "vendors/with space.pdf",
        "vendors/back\\slash.pdf",
        "vendors/ümlaut.pdf",
        "vendors/question?.pdf",
        "vendors/percent%2F.pdf",
        "vendors/new\nline.pdf",
    ] {
        assert!(matches!(store.put(bad, b"x"), Err(StorageError::InvalidKey)), "{name}: put {bad:?} is refused");
        assert!(matches!(store.get(bad), Err(StorageError::InvalidKey)), "{name}: get {bad:?} is refused");
        assert!(matches!(store.delete(bad), Err(StorageError::InvalidKey)), "{name}: delete {bad:?} is refused");
    }
}

#[test]
fn local_disk_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDisk::new(dir.path().join("files"));
    contract(&store);
    // Nothing was written outside the root, and no temporary file was left behind.
    let left: Vec<_> = walk(dir.path());
    assert!(left.iter().all(|p| !p.to_string_lossy().contains("partial")), "{left:?}");
    assert!(!dir.path().join("outside").exists());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn s3_keeps_the_contract() {
    let Some(files) = s3_from_env() else { return };
    let store = S3Store::connect(&files).expect("client");
    store.check().expect("the test bucket is usable");
    contract(&store);
}

fn start_up_error(files: &FilesConfig) -> (String, String) {
    match S3Store::connect(files).and_then(|s| s.check()) {
        Ok(()) => panic!("start-up accepted {files:?}"),
        Err(ConfigError::Invalid { key, message }) => (key, message),
        Err(other) => panic!("unexpected {other}"),
    }
}

#[test]
fn s3_start_up_names_the_setting_at_fault() {
    let Some(good) = s3_from_env() else { return };
    let secret = good.s3_secret_access_key.clone();

    let missing = FilesConfig { s3_bucket: format!("pasar-missing-{}", uuid::Uuid::now_v7().simple()), ..good.clone() };
    let (key, message) = start_up_error(&missing);
    assert_eq!(key, "files.s3_bucket", "{message}");
    assert!(message.contains(&missing.s3_bucket), "{message}");

    let wrong_secret = FilesConfig { s3_secret_access_key: format!("{secret}-wrong"), ..good.clone() };
    let (key, message) = start_up_error(&wrong_secret);
    assert_eq!(key, "files.s3_secret_access_key", "{message}");
    assert!(!message.contains(&wrong_secret.s3_secret_access_key), "the secret is never shown: {message}");

    let unknown_key = FilesConfig { s3_access_key_id: "no-such-access-key".into(), ..good.clone() };
    let (key, message) = start_up_error(&unknown_key);
    assert_eq!(key, "files.s3_access_key_id", "{message}");
    assert!(!message.contains(&secret), "the secret is never shown: {message}");

    // A port where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nobody = FilesConfig { s3_endpoint: format!("http://127.0.0.1:{port}"), ..good.clone() };
    let (key, message) = start_up_error(&nobody);
    assert_eq!(key, "files.s3_endpoint", "{message}");
    assert!(message.contains(&format!("127.0.0.1:{port}")) && !message.contains(&secret), "{message}");
}

#[test]
fn an_unreachable_s3_store_is_unavailable_not_broken() {
    let Some(good) = s3_from_env() else { return };
    let secret = good.s3_secret_access_key.clone();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let store = S3Store::connect(&FilesConfig { s3_endpoint: format!("http://127.0.0.1:{port}"), ..good })
        .expect("a client is made without contacting the store");
    for result in [store.put("vendors/v/d.pdf", b"%PDF-1.7").err(), store.get("vendors/v/d.pdf").err()] {
        let e = result.expect("an unreachable store fails");
        assert!(matches!(e, StorageError::Unavailable { .. }), "{e:?}");
        assert_eq!(e.code(), pasar_core::Code::Unavailable);
        assert!(!format!("{e:?}").contains(&secret));
    }
    assert!(matches!(store.delete("vendors/v/d.pdf"), Err(StorageError::Unavailable { .. })));
}
