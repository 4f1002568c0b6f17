//! Mail: written to the outbox with the change that causes it, delivered by the worker
//! to a real SMTP listener, retried when the server refuses, never lost.

use pasar_db::outbox;
use pasar_tests::smtp::SmtpSink;
use pasar_tests::{backends, Options, TestApp, ADMIN_PASSWORD};
use serde_json::json;

#[actix_web::test]
async fn account_mail_reaches_a_real_smtp_server() {
    let sink = SmtpSink::start();
    for backend in backends() {
        let app = TestApp::start(backend, Options { smtp_url: Some(sink.url()), ..Options::default() }).await;
        let admin = app.admin_token().await;
        let pemda = app.create_org(&admin, "pemda", "Pemerintah Kota Mojokerto", None).await;
        let opd = app.create_org(&admin, "opd", "Dinas Kesehatan", Some(&pemda)).await;
        let satker = app.create_org(&admin, "satker", "Puskesmas Kedundung", Some(&opd)).await;
        let email = format!("ppk-{}@puskesmas.test", app.name());
        app.create_user(&admin, &satker, &email, &["ppk"]).await;

        app.eventually(20, "the welcome mail", || sink.received().iter().any(|m| m.to == vec![email.clone()])).await;
        let mail = sink.received().into_iter().find(|m| m.to == vec![email.clone()]).unwrap();
        assert_eq!(mail.from, "noreply@pasar.local");
        assert_eq!(mail.subject(), Some("[Pasar] Your account is ready"));
        assert!(mail.data.contains("Puskesmas Kedundung"), "{}", mail.data);

        let token = app.login(&email, pasar_tests::PASSWORD).await;
        app.post(
            "/api/v1/me/password",
            Some(&token),
            json!({ "current_password": pasar_tests::PASSWORD, "new_password": "another long password" }),
        )
        .await
        .expect(204);
        app.eventually(20, "the password-changed mail", || {
            sink.received()
                .iter()
                .any(|m| m.to == vec![email.clone()] && m.subject() == Some("[Pasar] Your password was changed"))
        })
        .await;
        let mut conn = app.db();
        app.eventually(10, "the outbox drained", || outbox::pending_count(&mut conn).unwrap() == 0).await;
    }
}

#[actix_web::test]
async fn a_refused_delivery_is_kept_and_retried() {
    let sink = SmtpSink::start();
    for backend in backends() {
        let app = TestApp::start(backend, Options { smtp_url: Some(sink.url()), ..Options::default() }).await;
        // The admin's own welcome mail goes out first.
        let mut conn = app.db();
        app.eventually(20, "the first mail", || outbox::pending_count(&mut conn).unwrap() == 0).await;

        sink.refuse_next(1);
        let admin = app.admin_token().await;
        app.post(
            "/api/v1/me/password",
            Some(&admin),
            json!({ "current_password": ADMIN_PASSWORD, "new_password": "a changed admin password" }),
        )
        .await
        .expect(204);
        app.eventually(20, "a failed attempt recorded", || {
            outbox::latest(&mut conn, 10)
                .unwrap()
                .iter()
                .any(|m| m.status == "pending" && m.attempts == 1 && m.last_error.is_some())
        })
        .await;
        let failed = outbox::latest(&mut conn, 10).unwrap().into_iter().find(|m| m.status == "pending").unwrap();
        assert!(failed.last_error.as_deref().unwrap().contains("451"), "{:?}", failed.last_error);

        // Time passes (the back-off ends) and the worker tries again.
        use diesel::connection::SimpleConnection;
        conn.batch_execute("UPDATE outbox SET next_attempt_at = created_at WHERE status = 'pending'").unwrap();
        app.eventually(20, "the retried mail delivered", || outbox::pending_count(&mut conn).unwrap() == 0).await;
        let sent = outbox::latest(&mut conn, 10).unwrap().into_iter().find(|m| m.id == failed.id).unwrap();
        assert_eq!((sent.status.as_str(), sent.attempts), ("sent", 2));
        assert!(sink.received().iter().any(|m| m.subject() == Some("[Pasar] Your password was changed")));
    }
}

#[actix_web::test]
async fn without_smtp_mail_is_written_as_eml_files() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let dir = app.dir.path().join("outbox");
        app.eventually(20, "the admin's welcome mail as a file", || {
            std::fs::read_dir(&dir)
                .map(|d| d.flatten().any(|e| e.path().extension().is_some_and(|x| x == "eml")))
                .unwrap_or(false)
        })
        .await;
        let file = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .find(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .unwrap();
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(text.contains("To: admin@pasar.test"), "{text}");
        assert!(text.contains("Subject: [Pasar] Your account is ready"));
    }
}
