//! Migrations: the same names for both engines, and up → down → up works on each.

use pasar_db::{conn, migrate, Backend, DbUrl};
use pasar_tests::{backends, PgDatabase};

#[test]
fn both_engines_have_the_same_migrations() {
    let (pg, sqlite) = migrate::embedded_names();
    assert!(!pg.is_empty());
    assert_eq!(pg, sqlite, "migrations/postgres and migrations/sqlite must hold the same names");
    let folders = |engine: &str| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(engine);
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    assert_eq!(folders("postgres"), folders("sqlite"));
}

#[test]
fn migrations_go_up_down_and_up_again() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let pg = (backend == Backend::Postgres).then(PgDatabase::create);
        let url = match &pg {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}", dir.path().join("m.db").display()),
        };
        let mut c = conn::establish(&DbUrl::parse(&url).unwrap()).unwrap();
        let up = migrate::run_pending(&mut c).unwrap();
        assert!(!up.is_empty());
        assert_eq!(migrate::applied(&mut c).unwrap().len(), up.len());
        let down = migrate::revert_all(&mut c).unwrap();
        assert_eq!(down.len(), up.len(), "{backend:?}");
        assert!(migrate::applied(&mut c).unwrap().is_empty());
        let again = migrate::run_pending(&mut c).unwrap();
        assert_eq!(again, up, "{backend:?}");
    }
}
