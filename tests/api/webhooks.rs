//! Signed webhooks, on both databases: a real HTTP listener receives a real order's
//! steps and its payment, each signed with its subscription's secret; a listener that
//! keeps failing makes dead letters an administrator sees and sends again; and only
//! administrators manage subscriptions (auditors read them, without the secret).

use crate::payments::{invoiced, market, options, pay, token};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use pasar_db::outbox::OutboxMessage;
use pasar_tests::{backends, Options, TestApp, World};
use serde_json::{json, Value};
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

/// One request the listener received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A plain HTTP/1.1 server on 127.0.0.1 that records every request and answers with
/// the status it is told to.
struct Listener {
    addr: std::net::SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

impl Listener {
    fn start() -> Listener {
        let socket = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = socket.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(200));
        let (log, answer) = (received.clone(), status.clone());
        std::thread::spawn(move || {
            for stream in socket.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() || line.is_empty() {
                    continue;
                }
                let path = line.split_whitespace().nth(1).unwrap_or_default().to_owned();
                let mut headers = Vec::new();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h.trim_end().is_empty() {
                        break;
                    }
                    if let Some((n, v)) = h.trim_end().split_once(':') {
                        headers.push((n.trim().to_owned(), v.trim().to_owned()));
                    }
                }
                let len = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0usize);
                let mut body = vec![0; len];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                log.lock().unwrap().push(Received { path, headers, body });
                let code = answer.load(Ordering::SeqCst);
                let text = if code == 200 { "ok" } else { "kaput" };
                let reply = format!(
                    "HTTP/1.1 {code} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        Listener { addr, received, status }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn events_at(&self, path: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.path == path).collect()
    }
}

/// Checks `Pasar-Signature: t=<unix>,v1=<hex>` over `<t>.<body>` with `secret`, as a
/// receiver would, and returns `t`.
fn verify(r: &Received, secret: &str) -> Result<i64, String> {
    let header = r.header("pasar-signature").ok_or("no Pasar-Signature")?;
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v.to_owned()),
            _ => {}
        }
    }
    let t = t.ok_or("no t=")?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&r.body);
    let expected = hex::encode(mac.finalize().into_bytes());
    if sigs.contains(&expected) {
        Ok(t)
    } else {
        Err(format!("no v1 matches: {header}"))
    }
}

fn webhook_messages(app: &TestApp) -> Vec<OutboxMessage> {
    use pasar_db::schema::outbox::dsl;
    dsl::outbox
        .filter(dsl::kind.eq("webhook"))
        .order(dsl::id.asc())
        .select(OutboxMessage::as_select())
        .load(&mut *app.db())
        .unwrap()
}

async fn subscribe(app: &TestApp, admin: &str, url: &str, events: Value) -> (String, String) {
    let made =
        app.post("/api/v1/admin/webhooks", Some(admin), json!({ "url": url, "events": events })).await.expect(201);
    (made["id"].as_str().unwrap().to_owned(), made["secret"].as_str().unwrap().to_owned())
}

#[actix_web::test]
async fn an_orders_steps_and_its_payment_reach_a_real_listener_signed() {
    let listener = Listener::start();
    for backend in backends() {
        let app = TestApp::start(backend, options()).await;
        let m = market(&app).await;
        let admin = m.w.admin.clone();
        let (path_a, path_b, path_c) =
            (format!("/a-{}", app.name()), format!("/b-{}", app.name()), format!("/c-{}", app.name()));
        let (sub_a, secret_a) = subscribe(&app, &admin, &listener.url(&path_a), json!(["order.*"])).await;
        let (_, secret_b) = subscribe(&app, &admin, &listener.url(&path_b), json!(["order.pay"])).await;
        let (sub_c, _) = subscribe(&app, &admin, &listener.url(&path_c), json!(["*"])).await;
        assert!(secret_a.starts_with("whsec_") && secret_a.len() > 40 && secret_a != secret_b);
        app.request(
            "PATCH",
            &format!("/api/v1/admin/webhooks/{sub_c}"),
            Some(&admin),
            Some(json!({ "active": false })),
        )
        .await
        .expect(200);

        let id = invoiced(&app, &m, "Kain Tenun", 450_000, 3).await;
        let va = app
            .post(&format!("/api/v1/orders/{id}/virtual-account"), Some(m.w.token("bendahara")), json!({}))
            .await
            .expect(201);
        let bank = token(&app).await;
        pay(&app, &bank, &va, "PAY-WH-1").await;

        let steps = [
            "order.checkout",
            "order.approve",
            "order.accept",
            "order.ship",
            "order.receive",
            "order.sign_bast",
            "order.countersign_bast",
            "order.request_payment",
            "order.pay",
            "order.complete",
        ];
        app.eventually(30, "every step reached the listener", || listener.events_at(&path_a).len() >= steps.len())
            .await;
        app.eventually(30, "the payment reached the second subscription", || !listener.events_at(&path_b).is_empty())
            .await;
        let got = listener.events_at(&path_a);
        let mut types: Vec<String> = got.iter().map(|r| r.json()["type"].as_str().unwrap().to_owned()).collect();
        types.sort();
        let mut expected: Vec<String> = steps.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(types, expected, "[{}] one delivery per step", app.name());
        let now = app.now().timestamp();
        for r in &got {
            let t = verify(r, &secret_a).unwrap_or_else(|e| panic!("[{}] {e}", app.name()));
            assert!((now - 300..=now + 5).contains(&t), "t={t} now={now}");
            assert!(verify(r, &secret_b).is_err(), "another subscription's secret does not verify it");
            let e = r.json();
            assert_eq!(r.header("pasar-event"), e["type"].as_str());
            assert_eq!(r.header("pasar-event-id"), e["id"].as_str());
            assert_eq!(r.header("content-type"), Some("application/json"));
            assert!(r.header("user-agent").unwrap().starts_with("Pasar-Webhook/"));
            assert!(r.header("pasar-delivery").is_some());
            assert_eq!(e["subject"], json!({ "kind": "order", "id": id }));
            assert_eq!(e["data"]["order"]["id"], id.as_str());
            assert!(chrono::DateTime::parse_from_rfc3339(e["occurred_at"].as_str().unwrap()).is_ok());
            uuid::Uuid::parse_str(e["id"].as_str().unwrap()).unwrap();
            let text = String::from_utf8_lossy(&r.body);
            assert!(!text.contains(&secret_a) && !text.contains("whsec_"), "no secret in the body");
        }
        let of = |t: &str| got.iter().map(|r| r.json()).find(|e| e["type"] == t).unwrap();
        let approve = of("order.approve");
        assert_eq!(approve["data"]["change"]["from"], "awaiting_ppk_approval");
        assert_eq!(approve["data"]["change"]["to"], "surat_pesanan_signed");
        assert!(approve["data"]["order"]["sp_number"].is_string(), "{approve}");
        let paid = of("order.pay");
        assert_eq!(paid["data"]["order"]["state"], "paid", "{paid}");
        assert_eq!(paid["data"]["change"]["amount_idr"], va["amount_idr"]);
        assert_eq!(paid["data"]["change"]["payment_request_id"], "PAY-WH-1");
        assert_eq!(paid["data"]["order"]["total_idr"], 1_350_000);
        assert_eq!(of("order.complete")["data"]["order"]["state"], "completed");
        assert_eq!(of("order.request_payment")["data"]["change"]["virtual_account_no"], va["virtual_account_no"]);
        let ids: std::collections::BTreeSet<_> = got.iter().map(|r| r.json()["id"].clone().to_string()).collect();
        assert_eq!(ids.len(), steps.len(), "every event has its own id");

        // The subscription to `order.pay` alone got only the payment, with the same event id.
        let b = listener.events_at(&path_b);
        assert_eq!(b.len(), 1);
        verify(&b[0], &secret_b).unwrap();
        assert_eq!(b[0].json(), paid, "the same event, byte for byte the same envelope");
        assert!(listener.events_at(&path_c).is_empty(), "an inactive subscription gets nothing");

        // Every webhook message was delivered (and lost its payload); the subscription says so.
        app.eventually(30, "all webhook messages sent", || webhook_messages(&app).iter().all(|m| m.status == "sent"))
            .await;
        let view = app.get(&format!("/api/v1/admin/webhooks/{sub_a}"), Some(&admin)).await.expect(200);
        assert_eq!((view["last_status"].as_i64(), &view["last_error"]), (Some(200), &Value::Null));
        assert!(view.get("secret").is_none());

        // A new secret signs the next delivery; the old one no longer verifies.
        let rotated =
            app.post(&format!("/api/v1/admin/webhooks/{sub_a}/secret"), Some(&admin), json!({})).await.expect(200);
        let new_secret = rotated["secret"].as_str().unwrap().to_owned();
        assert_ne!(new_secret, secret_a);
        let ping = app.post(&format!("/api/v1/admin/webhooks/{sub_a}/ping"), Some(&admin), json!({})).await.expect(202);
        app.eventually(30, "the ping arrived", || listener.events_at(&path_a).len() == steps.len() + 1).await;
        let last = listener.events_at(&path_a).pop().unwrap();
        assert_eq!(last.json()["type"], "webhook.ping");
        assert_eq!(last.json()["id"], ping["event_id"]);
        assert_eq!(last.header("pasar-delivery"), ping["delivery_id"].as_str());
        verify(&last, &new_secret).unwrap();
        assert!(verify(&last, &secret_a).is_err());
    }
}

#[actix_web::test]
async fn a_failing_listener_makes_a_dead_letter_an_administrator_sends_again() {
    let listener = Listener::start();
    for backend in backends() {
        let app = TestApp::start(backend, Options { outbox_max_attempts: Some(3), ..Options::default() }).await;
        let w = World::build(&app).await;
        let admin = w.admin.clone();
        let path = format!("/fail-{}", app.name());
        let url = listener.url(&path);
        listener.answer(500);
        let (sub, secret) = subscribe(&app, &admin, &url, json!(["order.*"])).await;
        let ping = app.post(&format!("/api/v1/admin/webhooks/{sub}/ping"), Some(&admin), json!({})).await.expect(202);
        let delivery = ping["delivery_id"].as_str().unwrap().to_owned();
        let message = |app: &TestApp| webhook_messages(app).into_iter().find(|m| m.id == delivery).unwrap();
        for attempt in 1..=2 {
            app.eventually(30, &format!("attempt {attempt} failed"), || {
                let m = message(&app);
                m.attempts == attempt && m.next_attempt_at > app.now().naive_utc()
            })
            .await;
            app.advance(chrono::TimeDelta::hours(1));
        }
        app.eventually(30, "a dead letter after the third attempt", || message(&app).status == "dead").await;
        assert_eq!(listener.events_at(&path).len(), 3, "three attempts reached the listener");
        for r in listener.events_at(&path) {
            verify(&r, &secret).unwrap();
        }
        let view = app.get(&format!("/api/v1/admin/webhooks/{sub}"), Some(&admin)).await.expect(200);
        assert_eq!(view["last_status"], 500);
        assert!(view["last_error"].as_str().unwrap().contains("HTTP 500"), "{view}");

        // The operator sees it among the dead letters, with its URL and last error.
        let auditor = w.token("auditor");
        let dead = app.get("/api/v1/admin/outbox?status=dead&kind=webhook", Some(auditor)).await.expect(200);
        let item = &dead["items"][0];
        assert_eq!(item["id"], delivery.as_str());
        assert_eq!(item["kind"], "webhook");
        assert_eq!(item["recipient"], url.as_str());
        assert_eq!(item["subject"], "webhook.ping");
        assert_eq!(item["retriable"], true);
        assert!(item["last_error"].as_str().unwrap().contains("HTTP 500"), "{item}");

        // The receiver is fixed; the administrator sends it again and it is delivered.
        listener.answer(200);
        app.post(&format!("/api/v1/admin/outbox/{delivery}/retry"), Some(auditor), json!({}))
            .await
            .expect_problem(403, "forbidden");
        app.post(&format!("/api/v1/admin/outbox/{delivery}/retry"), Some(&admin), json!({})).await.expect(200);
        app.eventually(30, "delivered after the retry", || message(&app).status == "sent").await;
        let all = listener.events_at(&path);
        assert_eq!(all.len(), 4);
        assert_eq!(all[3].body, all[0].body, "the same body on every attempt");
        assert_eq!(all[3].header("pasar-delivery"), Some(delivery.as_str()));
        let view = app.get(&format!("/api/v1/admin/webhooks/{sub}"), Some(&admin)).await.expect(200);
        assert_eq!((view["last_status"].as_i64(), &view["last_error"]), (Some(200), &Value::Null));

        // A subscription that is deleted gets nothing more: its queued message dies.
        listener.answer(500);
        app.post(&format!("/api/v1/admin/webhooks/{sub}/ping"), Some(&admin), json!({})).await.expect(202);
        app.eventually(30, "a failed attempt", || listener.events_at(&path).len() == 5).await;
        app.request("DELETE", &format!("/api/v1/admin/webhooks/{sub}"), Some(&admin), None).await.expect(204);
        app.advance(chrono::TimeDelta::hours(1));
        app.eventually(30, "the orphan is a dead letter", || {
            webhook_messages(&app)
                .iter()
                .any(|m| m.status == "dead" && m.last_error.as_deref() == Some("the webhook subscription was deleted"))
        })
        .await;
        assert_eq!(listener.events_at(&path).len(), 5, "nothing posted for a deleted subscription");
    }
}

#[actix_web::test]
async fn only_administrators_manage_subscriptions_and_auditors_read_them() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let admin = w.admin.clone();
        let body = json!({ "url": "https://simda.mojokerto.test/pasar", "events": ["order.*", "payment.reconcile"],
                           "description": "SIMDA Keuangan" });
        let made = app.post("/api/v1/admin/webhooks", Some(&admin), body.clone()).await;
        assert!(made.header("location").is_some_and(|l| l.starts_with("/api/v1/admin/webhooks/")));
        let made = made.expect(201);
        let id = made["id"].as_str().unwrap().to_owned();
        assert!(made["secret"].as_str().unwrap().starts_with("whsec_"));
        assert_eq!(made["events"], json!(["order.*", "payment.reconcile"]));
        assert_eq!(made["active"], true);
        let path = format!("/api/v1/admin/webhooks/{id}");

        // Auditors read, never the secret; nobody else even reads.
        for who in [admin.as_str(), w.token("auditor")] {
            let one = app.get(&path, Some(who)).await.expect(200);
            assert_eq!(one["url"], "https://simda.mojokerto.test/pasar");
            assert!(one.get("secret").is_none());
            let list = app.get("/api/v1/admin/webhooks", Some(who)).await.expect(200);
            assert_eq!(list["items"].as_array().unwrap().len(), 1);
            assert!(list["items"][0].get("secret").is_none());
            let events = app.get("/api/v1/admin/webhook-events", Some(who)).await.expect(200);
            assert!(events.as_array().unwrap().iter().any(|e| e["type"] == "order.pay"));
        }
        for role in ["pejabat_pengadaan", "ppk", "bendahara", "vendor_owner", "curator"] {
            let t = w.token(role);
            app.get("/api/v1/admin/webhooks", Some(t)).await.expect_problem(403, "forbidden");
            app.get(&path, Some(t)).await.expect_problem(403, "forbidden");
            app.get("/api/v1/admin/webhook-events", Some(t)).await.expect_problem(403, "forbidden");
        }
        // Only administrators change anything.
        for role in ["auditor", "pejabat_pengadaan", "vendor_owner", "curator"] {
            let t = w.token(role);
            app.post("/api/v1/admin/webhooks", Some(t), body.clone()).await.expect_problem(403, "forbidden");
            app.request("PATCH", &path, Some(t), Some(json!({ "active": false })))
                .await
                .expect_problem(403, "forbidden");
            app.request("DELETE", &path, Some(t), None).await.expect_problem(403, "forbidden");
            app.post(&format!("{path}/secret"), Some(t), json!({})).await.expect_problem(403, "forbidden");
            app.post(&format!("{path}/ping"), Some(t), json!({})).await.expect_problem(403, "forbidden");
        }
        app.get("/api/v1/admin/webhooks", None).await.expect_problem(401, "unauthenticated");

        // Bad input names its field.
        let bad = |url: &str, events: Value| json!({ "url": url, "events": events });
        for (b, field) in [
            (bad("ftp://simda.test/x", json!(["order.*"])), "url"),
            (bad("https://user:rahasia@simda.test/x", json!(["order.*"])), "url"),
            (bad("simda.test/x", json!(["order.*"])), "url"),
            (bad("https://simda.test/x", json!([])), "events"),
            (bad("https://simda.test/x", json!(["order.*", "order.nope"])), "events[1]"),
            (bad("https://simda.test/x", json!(["user.*"])), "events[0]"),
        ] {
            let p = app
                .post("/api/v1/admin/webhooks", Some(&admin), b.clone())
                .await
                .expect_problem(422, "validation_failed");
            assert!(p["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{b} → {p}");
        }
        let p = app
            .request("PATCH", &path, Some(&admin), Some(json!({ "url": "gopher://x.test" })))
            .await
            .expect_problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], "url");
        app.get("/api/v1/admin/webhooks/not-a-uuid", Some(&admin)).await.expect_problem(404, "not_found");

        // Deactivate, change the events, then delete: each change audited.
        let changed = app
            .request("PATCH", &path, Some(&admin), Some(json!({ "active": false, "events": ["order.pay"] })))
            .await
            .expect(200);
        assert_eq!((changed["active"].as_bool(), &changed["events"]), (Some(false), &json!(["order.pay"])));
        app.post(&format!("{path}/secret"), Some(&admin), json!({})).await.expect(200);
        app.request("DELETE", &path, Some(&admin), None).await.expect(204);
        app.get(&path, Some(&admin)).await.expect_problem(404, "not_found");
        let audit = app.get(&format!("/api/v1/admin/audit?entity_id={id}"), Some(&admin)).await.expect(200);
        let mut actions: Vec<&str> =
            audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        actions.reverse();
        assert_eq!(actions, ["webhook.create", "webhook.update", "webhook.rotate_secret", "webhook.delete"]);
        assert!(!audit.to_string().contains("whsec_"), "no secret in the audit log");
    }
}
