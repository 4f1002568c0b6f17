//! The `pasar` binary as an operator meets it: first start, configuration errors,
//! `migrate`, `create-admin`, `audit verify`, `outbox`, and the same binary on PostgreSQL.

use pasar_db::testing::{backends, TempPgDatabase};
use pasar_db::Backend;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pasar");

/// `pasar` with a clean environment: no PASAR_* or DATABASE_URL from the caller.
fn pasar(data: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("PASAR") || k == "DATABASE_URL" || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    cmd.env("PASAR__DATA__DIR", data).env("PASAR__LOG__LEVEL", "warn");
    cmd
}

struct Running {
    child: Child,
    addr: String,
    stdout: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server on a random port and reads its banner up to the last line.
fn start(mut cmd: Command) -> Running {
    let mut child = cmd
        .env("PASAR__SERVER__BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn pasar");
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut stdout = Vec::new();
    let mut addr = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "no banner: {stdout:?}");
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("pasar exited early: {stdout:?} {:?}", child.wait());
        }
        let line = line.trim_end().to_owned();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            addr = Some(rest.split_whitespace().next().unwrap().to_owned());
        }
        let done = line.trim_start().starts_with("Log in:");
        stdout.push(line);
        if done {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in reader.lines() {});
    Running { child, addr: addr.expect("address in banner"), stdout }
}

/// A minimal HTTP/1.1 request; returns status and body.
fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.unwrap_or("");
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    let status = reply.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = reply.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

fn login(addr: &str, email: &str, password: &str) -> Option<String> {
    let body = format!(r#"{{"email":"{email}","password":"{password}"}}"#);
    let (status, body) = http(addr, "POST", "/api/v1/auth/login", None, Some(&body));
    (status == 200).then(|| {
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    })
}

#[test]
fn first_start_needs_no_configuration_and_prints_where_to_go() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(pasar(dir.path()));
    let banner = first.stdout.join("\n");
    // The address to open comes first (log lines may come before the banner).
    let open_at = first.stdout.iter().position(|l| l.starts_with("Pasar ") && l.contains(" is open at http://"));
    let server = first.stdout.iter().position(|l| l.contains("listening on http://"));
    assert!(open_at.is_some() && open_at < server, "the web address first: {banner}");
    for needle in [
        "/masuk",
        "/api/docs/",
        "/api/v1/openapi.json",
        "/health/ready",
        "Created administrator admin@pasar.local",
        "days of Asia/Jakarta",
    ] {
        assert!(banner.contains(needle), "banner lacks {needle}:\n{banner}");
    }
    let password_line = first.stdout.iter().position(|l| l.contains("one-time password")).expect("password shown");
    let password = first.stdout[password_line + 2].trim().to_owned();
    assert_eq!(password.len(), 20, "{banner}");

    let (status, body) = http(&first.addr, "GET", "/health/ready", None, None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"database\":\"sqlite\""));
    let token = login(&first.addr, "admin@pasar.local", &password).expect("the printed password works");
    assert!(dir.path().join("pasar.db").is_file());
    assert!(dir.path().join("jwt-secret").is_file());
    drop(first);

    // Second start: same admin, no new password, and the kept secret still accepts the
    // token issued by the first run.
    let second = start(pasar(dir.path()));
    assert!(!second.stdout.join("\n").contains("one-time password"));
    let (status, _) = http(&second.addr, "GET", "/api/v1/me", Some(&token), None);
    assert_eq!(status, 200, "token from the first run is still valid");
}

#[test]
fn the_first_admin_can_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = pasar(dir.path());
    cmd.env("PASAR_ADMIN_EMAIL", "operator@mojokertokota.go.id").env("PASAR_ADMIN_PASSWORD", "operator-password-1");
    let run = start(cmd);
    assert!(run.stdout.join("\n").contains("Created administrator operator@mojokertokota.go.id."));
    assert!(login(&run.addr, "operator@mojokertokota.go.id", "operator-password-1").is_some());
}

#[test]
fn bad_configuration_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str); 7] = [
        ("PASAR__SERVER__BIND", "not-an-address", "server.bind"),
        ("PASAR__FILES__S3_ENDPOINT", "http://127.0.0.1:9", "files.s3_bucket"),
        ("PASAR__MARKETPLACE__TIME_ZONE", "WIB-7", "marketplace.time_zone"),
        ("PASAR__DATABASE__URL", "mysql://localhost/pasar", "database.url"),
        ("PASAR__AUTH__JWT_SECRET", "too-short", "auth.jwt_secret"),
        ("PASAR__MAIL__FROM", "not a mailbox", "mail.from"),
        ("PASAR__SERVER__BINDD", "127.0.0.1:1", "bindd"),
    ];
    for (key, value, named) in cases {
        let out = pasar(dir.path()).env(key, value).arg("migrate").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{key}: {err}");
    }
    let file = dir.path().join("pasar.toml");
    std::fs::write(&file, "[marketplace]\nregion_codes = [\"35.7\"]\n").unwrap();
    let out = pasar(dir.path()).arg("--config").arg(&file).arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("marketplace.region_codes"));
    // A config file overrides the defaults, and the environment overrides the file.
    std::fs::write(&file, "[server]\nbind = \"127.0.0.1:1\"\n").unwrap();
    let mut cmd = pasar(dir.path());
    cmd.arg("--config").arg(&file);
    let run = start(cmd);
    assert_ne!(run.addr, "127.0.0.1:1", "PASAR__SERVER__BIND beats the file");
}

#[test]
fn files_go_to_the_configured_bucket_and_a_missing_one_stops_start_up() {
    let Some(files) = pasar_server::files::testing::s3_from_env() else { return };
    let dir = tempfile::tempdir().unwrap();
    let with_s3 = |bucket: &str| {
        let mut cmd = pasar(dir.path());
        cmd.env("PASAR__FILES__S3_BUCKET", bucket)
            .env("PASAR__FILES__S3_ENDPOINT", &files.s3_endpoint)
            .env("PASAR__FILES__S3_ALLOW_HTTP", files.s3_allow_http.to_string())
            .env("PASAR__FILES__S3_ACCESS_KEY_ID", &files.s3_access_key_id)
            .env("PASAR__FILES__S3_SECRET_ACCESS_KEY", &files.s3_secret_access_key)
            .env("PASAR__FILES__S3_PREFIX", &files.s3_prefix);
        cmd
    };
    let out = with_s3("pasar-no-such-bucket").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("files.s3_bucket") && err.contains("pasar-no-such-bucket"), "{err}");
    assert!(!err.contains(&files.s3_secret_access_key), "{err}");

    let run = start(with_s3(&files.s3_bucket));
    let banner = run.stdout.join("\n");
    let expected = format!("Files:     S3 bucket {} at {}", files.s3_bucket, files.s3_endpoint);
    assert!(banner.contains(&expected), "{banner}");
    assert!(!banner.contains(&files.s3_secret_access_key));
    let (status, _) = http(&run.addr, "GET", "/health/ready", None, None);
    assert_eq!(status, 200);
}

#[test]
fn migrate_create_admin_and_audit_verify_on_each_database() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let pg = (backend == Backend::Postgres).then(TempPgDatabase::create);
        let with_db = |c: Command| on_database(c, &pg);
        let out = with_db(pasar(dir.path())).arg("migrate").output().unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("is up to date"));

        let out = with_db(pasar(dir.path()))
            .args(["create-admin", "--email", "second@pasar.test", "--password", "second-admin-password"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Created administrator second@pasar.test."));

        // The same binary serves on this database; the new admin logs in.
        let run = start(with_db(pasar(dir.path())));
        let (_, body) = http(&run.addr, "GET", "/health/ready", None, None);
        let engine = if pg.is_some() { "postgres" } else { "sqlite" };
        assert!(body.contains(&format!("\"database\":\"{engine}\"")), "{body}");
        assert!(login(&run.addr, "second@pasar.test", "second-admin-password").is_some());
        drop(run);

        let out = with_db(pasar(dir.path())).args(["audit", "verify"]).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Audit log intact"));

        // Tamper with the second entry behind the trigger's back.
        let url = match &pg {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}", dir.path().join("pasar.db").display()),
        };
        let mut conn = pasar_db::conn::establish(&pasar_db::DbUrl::parse(&url).unwrap()).unwrap();
        let lift = match backend {
            Backend::Sqlite => "DROP TRIGGER audit_log_no_update;",
            Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;",
        };
        let sql = format!("{lift} UPDATE audit_log SET actor_id = 'someone-else' WHERE seq = 2;");
        diesel::connection::SimpleConnection::batch_execute(&mut conn, &sql).unwrap();
        let out = with_db(pasar(dir.path())).args(["audit", "verify"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("BROKEN at entry 2"), "{out:?}");
    }
}

#[test]
fn seed_demo_gives_every_role_a_login_and_a_small_marketplace() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let pg = (backend == Backend::Postgres).then(TempPgDatabase::create);
        let mut cmd = pasar(dir.path());
        if let Some(db) = &pg {
            cmd.env("DATABASE_URL", &db.url);
        }
        let out = cmd.arg("seed-demo").output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        for role in ["curator", "auditor", "pejabat_pengadaan", "ppk", "bendahara", "vendor_owner"] {
            assert!(text.contains(role), "no {role} login listed:\n{text}");
        }
        let mut again = pasar(dir.path());
        if let Some(db) = &pg {
            again.env("DATABASE_URL", &db.url);
        }
        let out = again.arg("seed-demo").output().unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains("exists already"));

        let mut serve = pasar(dir.path());
        if let Some(db) = &pg {
            serve.env("DATABASE_URL", &db.url);
        }
        let run = start(serve);
        let ppk = login(&run.addr, "ppk.sdn-kranggan1@mojokerto.test", "pasar-demo-2026").expect("demo ppk logs in");
        let (_, me) = http(&run.addr, "GET", "/api/v1/me", Some(&ppk), None);
        assert!(me.contains("SDN Kranggan 1"), "{me}");
        let (_, dir_body) = http(&run.addr, "GET", "/api/v1/vendors?limit=100", None, None);
        let vendors: serde_json::Value = serde_json::from_str(&dir_body).unwrap();
        let items = vendors["items"].as_array().unwrap();
        assert_eq!(items.len(), 11, "eleven approved vendors; one waits for curation");
        assert!(items.iter().any(|v| v["legal_form"] == "koperasi" && v["umkk"] == true));
        assert!(items.iter().any(|v| v["local"] == false), "one vendor outside the region");
        let curator = login(&run.addr, "kurator@mojokerto.test", "pasar-demo-2026").unwrap();
        let (status, queue) = http(&run.addr, "GET", "/api/v1/curation/vendors", Some(&curator), None);
        assert_eq!(status, 200);
        assert!(queue.contains("Kue Melati"), "{queue}");
    }
}

#[test]
fn seed_demo_refuses_a_database_with_other_data_unless_forced() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let pg = (backend == Backend::Postgres).then(TempPgDatabase::create);
        let with_db = |c: Command| on_database(c, &pg);
        // A real marketplace: the first administrator, then a colleague.
        let out = with_db(pasar(dir.path())).arg("migrate").output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let out = with_db(pasar(dir.path()))
            .args(["create-admin", "--email", "ops@mojokertokota.go.id", "--password", "a-long-password-here"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let first = with_db(pasar(dir.path()))
            .args(["create-admin", "--email", "budi@mojokertokota.go.id", "--password", "another-long-password"])
            .output()
            .unwrap();
        assert!(first.status.success(), "{first:?}");

        let out = with_db(pasar(dir.path())).arg("seed-demo").output().unwrap();
        assert!(!out.status.success(), "[{backend:?}] seeded a database that is not the demo's: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("refusing to seed the demo"), "{err}");
        assert!(err.contains("budi@mojokertokota.go.id") && err.contains("--force"), "{err}");
        assert!(!err.contains("ops@mojokertokota.go.id"), "the first administrator is expected: {err}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("kurator@"), "nothing was created");

        // Told to, it seeds: and since the refusal created nothing, it creates it all now.
        let out = with_db(pasar(dir.path())).args(["seed-demo", "--force"]).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Created the demo marketplace") && text.contains("kurator@mojokerto.test"), "{text}");
    }
}

/// The command, on the test's PostgreSQL database when there is one.
fn on_database(mut c: Command, pg: &Option<TempPgDatabase>) -> Command {
    if let Some(db) = pg {
        c.env("DATABASE_URL", &db.url);
    }
    c
}

/// The id of a demo vendor, from the public directory.
fn demo_vendor(addr: &str, name: &str) -> String {
    let (_, body) = http(addr, "GET", "/api/v1/vendors?limit=100", None, None);
    let vendors: serde_json::Value = serde_json::from_str(&body).unwrap();
    let vendor = vendors["items"].as_array().unwrap().iter().find(|v| v["name"] == name).expect("demo vendor");
    vendor["id"].as_str().unwrap().to_owned()
}

/// The example product file of the README.
fn example_csv() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/examples/products.csv")
}

#[test]
fn import_products_loads_a_csv_file_for_a_vendor() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let pg = (backend == Backend::Postgres).then(TempPgDatabase::create);
        let with_db = |c: Command| on_database(c, &pg);
        assert!(with_db(pasar(dir.path())).arg("seed-demo").output().unwrap().status.success());
        let run = start(with_db(pasar(dir.path())));
        let batik = demo_vendor(&run.addr, "Batik Majapahit");
        let example = example_csv();
        let out =
            with_db(pasar(dir.path())).args(["import-products", "--vendor", &batik]).arg(&example).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 3 products"), "{out:?}");

        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "name,category,unit,unit_price_idr\nKain,batik,kodi,1\n").unwrap();
        let out = with_db(pasar(dir.path())).args(["import-products", "--vendor", &batik]).arg(&bad).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("rows[1].unit"), "{out:?}");
    }
}

/// Waits until `GET /api/v1/products?<query>` reports `total` matches.
fn wait_for_total(addr: &str, query: &str, total: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = http(addr, "GET", &format!("/api/v1/products?{query}"), None, None);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if status == 200 && v["total"] == total {
            return;
        }
        assert!(Instant::now() < deadline, "search never reached {total}: {status} {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn published_imports_are_found_and_reindex_rebuilds_a_lost_index() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let pg = (backend == Backend::Postgres).then(TempPgDatabase::create);
        let with_db = |c: Command| on_database(c, &pg);
        assert!(with_db(pasar(dir.path())).arg("seed-demo").output().unwrap().status.success());
        let run = start(with_db(pasar(dir.path())));
        assert!(run.stdout.iter().any(|l| l.contains("Search:") && l.contains("embedded")), "{:?}", run.stdout);
        let batik = demo_vendor(&run.addr, "Batik Majapahit");
        let example = example_csv();
        // Published on import, while the server runs: its worker indexes them.
        let out = with_db(pasar(dir.path()))
            .args(["import-products", "--publish", "--vendor", &batik])
            .arg(&example)
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 3 products and published them"), "{out:?}");
        wait_for_total(&run.addr, "q=batik", 3);
        // The running server holds the embedded index: reindex says so and changes nothing.
        let out = with_db(pasar(dir.path())).arg("reindex").output().unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("stop the server first"), "{out:?}");
        drop(run);

        // The index is lost; the database is the truth: reindex rebuilds it.
        std::fs::remove_dir_all(dir.path().join("search")).unwrap();
        let out = with_db(pasar(dir.path())).arg("reindex").output().unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("3 products buyers can find"), "{out:?}");
        let run = start(with_db(pasar(dir.path())));
        wait_for_total(&run.addr, "q=kain%20batik", 1);
        drop(run);

        // Lost again, with no reindex: the server rebuilds an empty index itself.
        std::fs::remove_dir_all(dir.path().join("search")).unwrap();
        let run = start(with_db(pasar(dir.path())));
        wait_for_total(&run.addr, "q=batik", 3);
    }
}

#[test]
fn outbox_list_retry_and_remove_dead_letters_from_the_console() {
    use chrono::{TimeDelta, Utc};
    use pasar_db::outbox::{self, NewMail, Status};
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let pg = (backend == Backend::Postgres).then(TempPgDatabase::create);
        let with_db = |c: Command| on_database(c, &pg);
        let out = with_db(pasar(dir.path())).arg("migrate").output().unwrap();
        assert!(out.status.success(), "{out:?}");

        // Three mails the mail server refused until they died; the third had a link that
        // has expired since.
        let url = match &pg {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}", dir.path().join("pasar.db").display()),
        };
        let mut conn = pasar_db::conn::establish(&pasar_db::DbUrl::parse(&url).unwrap()).unwrap();
        let now = Utc::now();
        let mut queue = |to: &str, expires_at| {
            let mail = NewMail { to, subject: "[Pasar] Your account is ready", body: "Halo", expires_at };
            outbox::enqueue_mail(&mut conn, now, mail).unwrap()
        };
        let first = queue("satu@sdn1.test", None);
        let second = queue("dua@sdn1.test", None);
        let expired = queue("tiga@vendor.test", Some(now + TimeDelta::hours(48)));
        let claimed =
            pasar_db::write_tx(&mut conn, |c| outbox::claim_due(c, now, &["mail"], TimeDelta::minutes(1), 10)).unwrap();
        for m in claimed {
            outbox::mark_failed(&mut conn, &m.id, now, m.attempts, 1, "451 4.3.0 try again later").unwrap();
        }
        outbox::forget_expired_dead(&mut conn, now + TimeDelta::days(3)).unwrap();
        let status = |conn: &mut pasar_db::DbConn, id: &str| outbox::find(conn, id).unwrap().map(|m| m.status);

        let run = |args: &[&str]| with_db(pasar(dir.path())).arg("outbox").args(args).output().unwrap();
        let text = |out: &std::process::Output| String::from_utf8_lossy(&out.stdout).into_owned();
        let out = run(&["list", "--status", "dead"]);
        assert!(out.status.success(), "{out:?}");
        let listing = text(&out);
        for id in [&first, &second, &expired] {
            assert!(listing.contains(id.as_str()), "{listing}");
        }
        assert!(listing.contains("satu@sdn1.test") && listing.contains("451 4.3.0"), "{listing}");
        assert!(listing.contains("3 shown") && listing.contains("1 dead letter(s) expired"), "{listing}");
        let expired_line = listing.lines().find(|l| l.starts_with(expired.as_str())).unwrap();
        assert!(expired_line.contains("dead*"), "the expired one is marked: {listing}");
        assert!(!listing.contains("Halo"), "never the content: {listing}");
        assert!(text(&run(&["list", "--kind", "webhook"])).contains("No messages."));
        assert_eq!(run(&["list", "--status", "zombie"]).status.code(), Some(2));
        assert_eq!(run(&["retry"]).status.code(), Some(2), "an id or --all-dead");

        // One by id: pending again, attempts reset, audited as the console's doing.
        let out = run(&["retry", &first]);
        assert!(out.status.success(), "{out:?}");
        assert!(text(&out).contains(&format!("Queued again: {first}")), "{out:?}");
        let again = outbox::find(&mut conn, &first).unwrap().unwrap();
        assert_eq!((again.status(), again.attempts), (Some(Status::Pending), 0));
        let trail = pasar_db::audit::for_entity(&mut conn, "outbox", &first).unwrap();
        assert_eq!((trail.len(), trail[0].action.as_str(), trail[0].actor_id.as_deref()), (1, "outbox.retry", None));
        let out = run(&["retry", &first]);
        assert_eq!(out.status.code(), Some(1), "only a dead letter: {out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("Only a dead letter"), "{out:?}");

        // All the others that can still be sent; the expired one cannot.
        let out = run(&["retry", "--all-dead"]);
        assert!(out.status.success(), "{out:?}");
        assert!(text(&out).contains(&format!("Queued again: {second}")), "{out:?}");
        assert_eq!(status(&mut conn, &second).as_deref(), Some("pending"));
        assert_eq!(status(&mut conn, &expired).as_deref(), Some("dead"));
        let out = run(&["retry", &expired]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("expired"), "{out:?}");

        // The operator removes it.
        let out = run(&["remove", &expired]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(status(&mut conn, &expired), None);
        assert_eq!(run(&["remove", &second]).status.code(), Some(1), "only dead letters are removed");
        assert!(text(&run(&["list", "--status", "dead"])).contains("No messages."));
        let out = with_db(pasar(dir.path())).args(["audit", "verify"]).output().unwrap();
        assert!(text(&out).contains("Audit log intact"), "{out:?}");
    }
}
