//! The audit log: every state change leaves a hash-chained entry; tampering is found.

use diesel::connection::SimpleConnection;
use pasar_db::audit;
use pasar_tests::{backends, Options, TestApp, World};

#[actix_web::test]
async fn changes_are_audited_and_tampering_breaks_the_chain_at_that_entry() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        World::build(&app).await;
        let mut conn = app.db();
        let report = audit::verify(&mut conn).unwrap();
        assert_eq!(report.first_broken, None, "[{}]", app.name());
        // platform + admin, the two holiday years loaded at start, 6 organisations,
        // 8 users, and 9 logins.
        assert_eq!(report.checked, 27, "[{}] every change has exactly one entry", app.name());

        let rows = audit::for_entity(&mut conn, "organization", &app.get_ids_of_kind("pemda").await[0]).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].action, "organization.create");
        assert!(rows[0].actor_id.is_some(), "who did it");
        assert!(rows[0].request_id.is_some(), "from which request");

        // The log refuses edits…
        assert!(
            conn.batch_execute("UPDATE audit_log SET action = 'x' WHERE seq = 3").is_err(),
            "[{}] append-only",
            app.name()
        );
        assert!(conn.batch_execute("DELETE FROM audit_log WHERE seq = 3").is_err());

        // …and someone who gets around that (a DBA) is found out, at the right entry.
        let lift = match app.backend {
            pasar_db::Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
            pasar_db::Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        };
        conn.batch_execute(lift).unwrap();
        conn.batch_execute("UPDATE audit_log SET after_json = '{\"name\":\"forged\"}' WHERE seq = 5").unwrap();
        let report = audit::verify(&mut conn).unwrap();
        let broken = report.first_broken.expect("tampering detected");
        assert_eq!(broken.seq, 5, "[{}] {}", app.name(), broken.reason);
    }
}

#[actix_web::test]
async fn a_deleted_entry_breaks_the_link_of_the_next_one() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        World::build(&app).await;
        let mut conn = app.db();
        let lift = match app.backend {
            pasar_db::Backend::Sqlite => "DROP TRIGGER audit_log_no_delete",
            pasar_db::Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        };
        conn.batch_execute(lift).unwrap();
        conn.batch_execute("DELETE FROM audit_log WHERE seq = 4").unwrap();
        let broken = audit::verify(&mut conn).unwrap().first_broken.expect("gap detected");
        assert_eq!(broken.seq, 5, "[{}]", app.name());
    }
}
