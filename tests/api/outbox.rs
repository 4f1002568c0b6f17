//! The outbox seen by its operator: a message the mail server keeps refusing becomes a
//! dead letter after `outbox.max_attempts`, administrators see it and send it again;
//! a delivered message keeps no one-time token; delivered messages go after the
//! retention period while dead letters stay.

use chrono::TimeDelta;
use pasar_db::outbox;
use pasar_tests::smtp::SmtpSink;
use pasar_tests::{backends, Options, TestApp, World, PASSWORD};
use serde_json::{json, Value};

/// The outbox row of the latest message to `to`.
fn message_to(app: &TestApp, to: &str) -> Option<outbox::OutboxMessage> {
    app.mails_to(to).pop()
}

async fn drained(app: &TestApp) {
    let mut conn = app.db();
    app.eventually(30, "the outbox drained", || outbox::pending_count(&mut conn).unwrap() == 0).await;
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn a_refused_mail_becomes_a_dead_letter_that_an_administrator_sends_again() {
    let sink = SmtpSink::start();
    for backend in backends() {
        sink.refuse_next(0);
        let options = Options { smtp_url: Some(sink.url()), outbox_max_attempts: Some(3), ..Options::default() };
        let app = TestApp::start(backend, options).await;
        let w = World::build(&app).await;
        drained(&app).await;

        // The mail server refuses everything from now on.
        sink.refuse_next(usize::MAX);
        let (first, second) = (format!("ppk-a-{}@sdn1.test", app.name()), format!("ppk-b-{}@sdn1.test", app.name()));
        app.create_user(&w.admin, &w.satker_a, &first, &["ppk"]).await;
        app.create_user(&w.admin, &w.satker_a, &second, &["ppk"]).await;
        for attempt in 1..=2 {
            // Failed, and the next attempt scheduled after a back-off.
            app.eventually(30, &format!("attempt {attempt} failed"), || {
                let now = app.now().naive_utc();
                [&first, &second]
                    .iter()
                    .all(|to| message_to(&app, to).is_some_and(|m| m.attempts == attempt && m.next_attempt_at > now))
            })
            .await;
            // The back-off ends (it is at most an hour).
            app.advance(TimeDelta::hours(1));
        }
        app.eventually(30, "both dead letters after the third attempt", || {
            [&first, &second].iter().all(|to| message_to(&app, to).is_some_and(|m| m.status == "dead"))
        })
        .await;
        assert!(!sink.received().iter().any(|m| m.to == vec![first.clone()]), "nothing was delivered");
        let dead = message_to(&app, &first).unwrap();
        assert!(dead.last_error.as_deref().unwrap().contains("451"), "{:?}", dead.last_error);

        // Tokens expired with the hours that passed.
        let admin = app.admin_token().await;
        let auditor = app.login("auditor@pasar.test", PASSWORD).await;
        let curator = app.login("curator@pasar.test", PASSWORD).await;
        let owner = app.login("owner@batik.test", PASSWORD).await;
        let buyer = app.login("pp@sdn1.test", PASSWORD).await;

        // Administrators and auditors see the dead letters, oldest first, page by page.
        let page = app.get("/api/v1/admin/outbox?status=dead&limit=1", Some(&admin)).await.expect(200);
        assert_eq!(ids(&page), vec![dead.id.clone()]);
        let item = &page["items"][0];
        assert_eq!(item["status"], "dead");
        assert_eq!(item["attempts"], 3);
        assert_eq!(item["recipient"], first.as_str());
        assert_eq!(item["subject"], "[Pasar] Your account is ready");
        assert_eq!(item["retriable"], true);
        assert!(item["last_error"].as_str().unwrap().contains("451"));
        assert!(item.get("payload_json").is_none() && item.get("body").is_none(), "no content: {item}");
        let cursor = page["next_cursor"].as_str().expect("a second page").to_owned();
        let next = app.get(&format!("/api/v1/admin/outbox?status=dead&limit=1&cursor={cursor}"), Some(&auditor)).await;
        let next = next.expect(200);
        assert_eq!(ids(&next).len(), 1);
        assert_ne!(ids(&next), ids(&page));
        assert!(next["next_cursor"].is_null());
        let all = app.get("/api/v1/admin/outbox?kind=mail", Some(&admin)).await.expect(200);
        assert!(ids(&all).len() > 2, "sent mails are listed too");
        let none = app.get("/api/v1/admin/outbox?kind=webhook", Some(&admin)).await.expect(200);
        assert_eq!(none["items"], json!([]));
        for bad in ["status=zombie", "kind=Mail%21", "limit=0"] {
            let r = app.get(&format!("/api/v1/admin/outbox?{bad}"), Some(&admin)).await;
            let field = bad.split('=').next().unwrap();
            assert_eq!(r.expect_problem(400, "invalid_query")["errors"][0]["field"], field, "{bad}");
        }
        for token in [&curator, &owner, &buyer] {
            app.get("/api/v1/admin/outbox?status=dead", Some(token)).await.expect_problem(403, "forbidden");
        }
        app.get("/api/v1/admin/outbox", None).await.expect_problem(401, "unauthenticated");

        // Only administrators send one again.
        let retry = format!("/api/v1/admin/outbox/{}/retry", dead.id);
        for token in [&auditor, &curator, &owner, &buyer] {
            app.post(&retry, Some(token), json!({})).await.expect_problem(403, "forbidden");
        }
        let unknown = format!("/api/v1/admin/outbox/{}/retry", uuid::Uuid::now_v7());
        app.post(&unknown, Some(&admin), json!({})).await.expect_problem(404, "not_found");
        app.post("/api/v1/admin/outbox/not-an-id/retry", Some(&admin), json!({}))
            .await
            .expect_problem(404, "not_found");

        // The mail server is back: the retried one is delivered, once; the other stays dead.
        sink.refuse_next(0);
        let again = app.post(&retry, Some(&admin), json!({})).await.expect(200);
        assert_eq!((again["status"].as_str(), again["attempts"].as_i64()), (Some("pending"), Some(0)));
        app.eventually(30, "the retried mail delivered", || {
            message_to(&app, &first).is_some_and(|m| m.status == "sent")
        })
        .await;
        let delivered: Vec<_> = sink.received().into_iter().filter(|m| m.to == vec![first.clone()]).collect();
        assert_eq!(delivered.len(), 1, "delivered exactly once");
        assert_eq!(delivered[0].subject(), Some("[Pasar] Your account is ready"));
        assert_eq!(message_to(&app, &second).unwrap().status, "dead", "a dead letter waits for the operator");
        app.post(&retry, Some(&admin), json!({})).await.expect_problem(409, "invalid_state");

        // The re-drive is in the audit log, by the administrator.
        let trail = pasar_db::audit::for_entity(&mut app.db(), "outbox", &dead.id).unwrap();
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0].action, "outbox.retry");
        assert_eq!(
            trail[0].actor_id.as_deref(),
            Some(app.get("/api/v1/me", Some(&admin)).await.expect(200)["id"].as_str().unwrap())
        );
    }
}

#[actix_web::test]
async fn a_delivered_mail_leaves_no_usable_token_in_the_outbox() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let email = "tok@vendor.test";
        let body = json!({ "email": email, "password": PASSWORD, "owner_name": "Pemilik",
                           "legal_name": "UD Token", "legal_form": "ud" });
        app.post("/api/v1/vendors/register", None, body).await.expect(202);
        let token = app.verification_token(email).await;
        let owner = app.login(email, PASSWORD).await;
        let me = app.get("/api/v1/me", Some(&owner)).await.expect(200);
        let vendor = me["organization"]["id"].as_str().unwrap().to_owned();
        app.post("/api/v1/auth/verify-email", None, json!({ "token": token })).await.expect(200);
        let invited = app
            .post(&format!("/api/v1/vendors/{vendor}/staff"), Some(&owner), json!({ "email": "staf@vendor.test" }))
            .await;
        invited.expect(201);
        let invitation =
            pasar_tests::token_in(&app.delivered_mail("staf@vendor.test", "as staff").await).expect("token");

        let secrets = [token.split_once('.').unwrap().1, invitation.split_once('.').unwrap().1];
        let rows = outbox::latest(&mut app.db(), 1000).unwrap();
        assert!(rows.iter().filter(|m| m.status == "sent").count() >= 3);
        for m in &rows {
            let row = format!("{m:?}");
            for secret in secrets {
                assert!(!row.contains(secret), "[{}] an outbox row holds a token: {row}", app.name());
            }
            if m.status == "sent" {
                assert_eq!(m.payload_json, None, "[{}] a delivered message keeps no content", app.name());
            }
        }
        // The token itself is still good for its normal lifetime.
        let accept = json!({ "token": invitation, "name": "Staf", "password": PASSWORD });
        app.post("/api/v1/vendors/invitations/accept", None, accept).await.expect(201);
    }
}

#[actix_web::test]
async fn delivered_messages_go_after_the_retention_days_and_dead_letters_stay() {
    let sink = SmtpSink::start();
    for backend in backends() {
        sink.refuse_next(0);
        let options = Options { smtp_url: Some(sink.url()), outbox_max_attempts: Some(1), ..Options::default() };
        let app = TestApp::start(backend, options).await;
        drained(&app).await;
        let welcome = message_to(&app, pasar_tests::ADMIN_EMAIL).expect("the admin's welcome mail");
        assert_eq!(welcome.status, "sent");

        // A dead letter with a one-time link, and one without.
        sink.refuse_next(usize::MAX);
        let admin = app.admin_token().await;
        let me = app.get("/api/v1/me", Some(&admin)).await.expect(200);
        let platform = me["organization"]["id"].as_str().unwrap().to_owned();
        app.create_user(&admin, &platform, "kurator2@pasar.test", &["curator"]).await;
        let body = json!({ "email": "late@vendor.test", "password": PASSWORD, "owner_name": "Pemilik",
                           "legal_name": "UD Telat", "legal_form": "ud" });
        app.post("/api/v1/vendors/register", None, body).await.expect(202);
        app.eventually(30, "two dead letters", || {
            ["kurator2@pasar.test", "late@vendor.test"]
                .iter()
                .all(|to| message_to(&app, to).is_some_and(|m| m.status == "dead"))
        })
        .await;
        assert!(message_to(&app, "late@vendor.test").unwrap().payload_json.is_some(), "retriable for now");

        // 29 days on: the daily chore has run, and kept everything.
        app.advance_days(29);
        let today = pasar_core::clock::local_date(app.now(), pasar_core::Zone::default());
        app.eventually(30, "the retention chore ran today", || {
            pasar_db::chores::done_through(&mut app.db(), "outbox_retention").unwrap() == Some(today)
        })
        .await;
        assert!(message_to(&app, pasar_tests::ADMIN_EMAIL).is_some(), "kept for 30 days");
        // The verification link has expired: its dead letter no longer holds it.
        let late = message_to(&app, "late@vendor.test").unwrap();
        assert_eq!(late.payload_json, None, "an expired dead letter forgets its content");

        // 31 days on: the delivered mail is gone, the dead letters stay.
        app.advance_days(2);
        app.eventually(30, "the delivered mail deleted", || message_to(&app, pasar_tests::ADMIN_EMAIL).is_none()).await;
        let admin = app.admin_token().await;
        let dead = app.get("/api/v1/admin/outbox?status=dead", Some(&admin)).await.expect(200);
        let items = dead["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{dead}");
        let late = items.iter().find(|m| m["recipient"] == "late@vendor.test").unwrap();
        assert_eq!(late["retriable"], false);
        let kurator = items.iter().find(|m| m["recipient"] == "kurator2@pasar.test").unwrap();
        assert_eq!(kurator["retriable"], true, "a mail without a link keeps its content until retried");
        let retry = format!("/api/v1/admin/outbox/{}/retry", late["id"].as_str().unwrap());
        app.post(&retry, Some(&admin), json!({})).await.expect_problem(409, "invalid_state");
    }
}
