//! Login, refresh, logout, password change and reset, throttling and token attacks.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use pasar_tests::smtp::SmtpSink;
use pasar_tests::{backends, token_in, Options, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};
use serde_json::json;

#[actix_web::test]
async fn login_refresh_logout() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let pair = app.login_pair(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(pair["token_type"], "Bearer");
        assert_eq!(pair["expires_in"], 900);
        let access = pair["access_token"].as_str().unwrap();
        let me = app.get("/api/v1/me", Some(access)).await.expect(200);
        assert_eq!(me["email"], ADMIN_EMAIL, "[{}]", app.name());
        assert_eq!(me["roles"], json!(["admin"]));
        assert_eq!(me["organization"]["kind"], "platform");

        // Rotation: the new refresh token works, the old one is spent.
        let first = pair["refresh_token"].as_str().unwrap().to_owned();
        let second = app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": first })).await.expect(200);
        let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(second_refresh, first);
        app.get("/api/v1/me", second["access_token"].as_str()).await.expect(200);

        // Reusing the spent token means someone copied it: the whole session ends.
        app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": first }))
            .await
            .expect_problem(401, "invalid_token");
        app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": second_refresh }))
            .await
            .expect_problem(401, "invalid_token");
        let mut conn = app.db();
        let me_id = me["id"].as_str().unwrap();
        let reuse = pasar_db::audit::for_entity(&mut conn, "user", me_id)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "auth.refresh_reuse")
            .count();
        assert_eq!(reuse, 1, "[{}] the reuse is in the audit log", app.name());

        // Logout ends a fresh session; its refresh token no longer works.
        let third = app.login_pair(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let refresh = third["refresh_token"].as_str().unwrap();
        app.post("/api/v1/auth/logout", None, json!({ "refresh_token": refresh })).await.expect(204);
        app.post("/api/v1/auth/logout", None, json!({ "refresh_token": refresh })).await.expect(204);
        app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": refresh }))
            .await
            .expect_problem(401, "invalid_token");

        // Garbage refresh tokens are refused the same way.
        for bad in ["", "x", "not-a-uuid.secret", "01a1ff3a-75c9-7698-868f-40c8497dfa38.wrong"] {
            app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": bad }))
                .await
                .expect_problem(401, "invalid_token");
        }
    }
}

#[actix_web::test]
async fn wrong_credentials_do_not_say_which_part_was_wrong() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let wrong_password = app
            .post("/api/v1/auth/login", None, json!({ "email": ADMIN_EMAIL, "password": "nope-nope-nope" }))
            .await
            .expect_problem(401, "invalid_credentials");
        let unknown_user = app
            .post("/api/v1/auth/login", None, json!({ "email": "nobody@pasar.test", "password": "nope-nope-nope" }))
            .await
            .expect_problem(401, "invalid_credentials");
        assert_eq!(wrong_password["detail"], unknown_user["detail"]);
        let bad_email = app
            .post("/api/v1/auth/login", None, json!({ "email": "not an email", "password": "x" }))
            .await
            .expect_problem(422, "validation_failed");
        assert_eq!(bad_email["errors"][0]["field"], "email");
    }
}

#[actix_web::test]
async fn repeated_failures_are_throttled_even_for_the_right_password() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let admin = app.admin_token().await;
        let platform = app.get("/api/v1/me", Some(&admin)).await.expect(200)["organization"]["id"].clone();
        app.create_user(&admin, platform.as_str().unwrap(), "curator@pasar.test", &["curator"]).await;
        let attempt = json!({ "email": ADMIN_EMAIL, "password": "wrong-password-123" });
        for _ in 0..5 {
            app.post("/api/v1/auth/login", None, attempt.clone()).await.expect_problem(401, "invalid_credentials");
        }
        let locked = app.post("/api/v1/auth/login", None, attempt.clone()).await;
        let retry_after: u64 = locked.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!((1..=900).contains(&retry_after), "[{}] Retry-After {retry_after}", app.name());
        locked.expect_problem(429, "too_many_requests");
        app.post("/api/v1/auth/login", None, json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .await
            .expect_problem(429, "too_many_requests");
        // Another account is not affected by this account's lockout, and tokens issued
        // before it keep working.
        app.login("curator@pasar.test", pasar_tests::PASSWORD).await;
        app.get("/api/v1/me", Some(&admin)).await.expect(200);
    }
}

fn forge(payload: &serde_json::Value, header: &serde_json::Value, key: Option<&[u8]>) -> String {
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let p = URL_SAFE_NO_PAD.encode(payload.to_string());
    match key {
        None => format!("{h}.{p}."),
        Some(k) => jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            payload,
            &jsonwebtoken::EncodingKey::from_secret(k),
        )
        .unwrap(),
    }
}

#[actix_web::test]
async fn forged_and_expired_tokens_get_401() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let token = app.admin_token().await;
        let payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
        let secret =
            std::fs::read_to_string(app.dir.path().join("jwt-secret")).expect("generated secret kept in data dir");

        // The real claims with the server's own key work (the forging itself is right)…
        let good = forge(&payload, &json!({}), Some(secret.trim().as_bytes()));
        app.get("/api/v1/me", Some(&good)).await.expect(200);

        // …but another key, alg none, an expired token, and garbage do not.
        let wrong_key = forge(&payload, &json!({}), Some(b"an attacker's key that is long enough"));
        let none = forge(&payload, &json!({ "alg": "none", "typ": "JWT" }), None);
        let mut expired_claims = payload.clone();
        expired_claims["exp"] = json!(chrono::Utc::now().timestamp() - 5);
        expired_claims["iat"] = json!(chrono::Utc::now().timestamp() - 905);
        let expired = forge(&expired_claims, &json!({}), Some(secret.trim().as_bytes()));
        let mut escalated = payload.clone();
        escalated["roles"] = json!(["admin", "auditor"]);
        let tampered = format!(
            "{}.{}.{}",
            token.split('.').next().unwrap(),
            URL_SAFE_NO_PAD.encode(escalated.to_string()),
            token.split('.').nth(2).unwrap()
        );
        for (what, bad) in [
            ("wrong key", wrong_key),
            ("alg none", none),
            ("expired", expired),
            ("tampered", tampered),
            ("garbage", "abc.def.ghi".into()),
        ] {
            let r = app.get("/api/v1/me", Some(&bad)).await;
            assert_eq!(r.status, 401, "[{}] {what}", app.name());
            assert_eq!(r.header("www-authenticate"), Some("Bearer"));
            r.expect_problem(401, "invalid_token");
        }
        let no_scheme = app.request_raw("GET", "/api/v1/me", "application/json", vec![]).await;
        no_scheme.expect_problem(401, "unauthenticated");
    }
}

#[actix_web::test]
async fn password_change_ends_sessions_and_needs_the_current_password() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let pair = app.login_pair(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let access = pair["access_token"].as_str().unwrap();
        let wrong = app
            .post(
                "/api/v1/me/password",
                Some(access),
                json!({ "current_password": "not-it-at-all", "new_password": "a brand new password" }),
            )
            .await
            .expect_problem(422, "validation_failed");
        assert_eq!(wrong["errors"][0]["field"], "current_password");
        let weak = app
            .post(
                "/api/v1/me/password",
                Some(access),
                json!({ "current_password": ADMIN_PASSWORD, "new_password": "short" }),
            )
            .await
            .expect_problem(422, "validation_failed");
        assert_eq!(weak["errors"][0]["field"], "new_password");
        app.post(
            "/api/v1/me/password",
            None,
            json!({ "current_password": ADMIN_PASSWORD, "new_password": "a brand new password" }),
        )
        .await
        .expect_problem(401, "unauthenticated");

        app.post(
            "/api/v1/me/password",
            Some(access),
            json!({ "current_password": ADMIN_PASSWORD, "new_password": "a brand new password" }),
        )
        .await
        .expect(204);
        app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": pair["refresh_token"] }))
            .await
            .expect_problem(401, "invalid_token");
        app.post("/api/v1/auth/login", None, json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .await
            .expect_problem(401, "invalid_credentials");
        app.login(ADMIN_EMAIL, "a brand new password").await;
    }
}

#[actix_web::test]
async fn one_address_trying_many_accounts_is_throttled() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        // 50 failures from one address across different accounts (the default limit)…
        for i in 0..50 {
            app.post(
                "/api/v1/auth/login",
                None,
                json!({ "email": format!("guess{i}@pasar.test"), "password": "guessing-123" }),
            )
            .await
            .expect_problem(401, "invalid_credentials");
        }
        // …and that address is locked out, whichever account it tries next.
        let r = app.post("/api/v1/auth/login", None, json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD })).await;
        assert!(r.header("retry-after").is_some());
        r.expect_problem(429, "too_many_requests");
    }
}

#[actix_web::test]
async fn a_burst_of_parallel_guesses_gets_no_more_than_the_allowed_attempts() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let attempts = (0..20).map(|_| {
            app.post("/api/v1/auth/login", None, json!({ "email": ADMIN_EMAIL, "password": "guess-guess-guess" }))
        });
        let replies = futures_util::future::join_all(attempts).await;
        let refused = replies.iter().filter(|r| r.status == 429).count();
        let checked = replies.iter().filter(|r| r.status == 401).count();
        assert_eq!(refused + checked, 20, "[{}]", app.name());
        assert!(checked <= 5, "[{}] {checked} guesses were checked; at most 5 may be", app.name());
    }
}

#[actix_web::test]
async fn two_concurrent_exchanges_of_one_refresh_token_cannot_both_win() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let pair = app.login_pair(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let body = json!({ "refresh_token": pair["refresh_token"] });
        let (a, b) = futures_util::future::join(
            app.post("/api/v1/auth/refresh", None, body.clone()),
            app.post("/api/v1/auth/refresh", None, body),
        )
        .await;
        let winners: Vec<_> = [&a, &b].into_iter().filter(|r| r.status == 200).collect();
        assert!(winners.len() <= 1, "[{}] both exchanges succeeded", app.name());
        // Whatever won, the session is now either one clean chain or revoked: never two.
        for w in winners {
            let next =
                app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": w.body["refresh_token"] })).await;
            assert!(next.status == 200 || next.status == 401);
        }
    }
}

#[actix_web::test]
async fn a_password_change_ends_access_tokens_too() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let old = app.admin_token().await;
        // Tokens carry whole seconds: make sure the change is in a later second.
        actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
        let body = json!({ "current_password": ADMIN_PASSWORD, "new_password": "a brand new password" });
        app.post("/api/v1/me/password", Some(&old), body).await.expect(204);
        app.get("/api/v1/me", Some(&old)).await.expect_problem(401, "invalid_token");
        let new = app.login(ADMIN_EMAIL, "a brand new password").await;
        app.get("/api/v1/me", Some(&new)).await.expect(200);
    }
}

#[actix_web::test]
async fn guessing_the_current_password_is_throttled() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let token = app.admin_token().await;
        let wrong = json!({ "current_password": "not-my-password", "new_password": "a brand new password" });
        for _ in 0..5 {
            app.post("/api/v1/me/password", Some(&token), wrong.clone()).await.expect_problem(422, "validation_failed");
        }
        app.post("/api/v1/me/password", Some(&token), wrong).await.expect_problem(429, "too_many_requests");
    }
}

// --- password reset by mail ----------------------------------------------------------------

const RESET: &str = "/api/v1/auth/password-reset";
const CONFIRM: &str = "/api/v1/auth/password-reset/confirm";
const NEW_PASSWORD: &str = "a password chosen after forgetting";

/// The token of the latest reset mail to `to`, as delivered.
async fn reset_token(app: &TestApp, to: &str) -> Option<String> {
    token_in(&app.delivered_mail(to, "[Pasar] Reset your password").await)
}

/// How many reset mails `to` has been sent (queued in the outbox).
fn reset_mails(app: &TestApp, to: &str) -> usize {
    app.mails_to(to).iter().filter(|m| m.subject == "[Pasar] Reset your password").count()
}

/// How many reset requests have been processed, known address or not: the request is
/// answered first and processed right after.
fn reset_requests_processed(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use pasar_db::schema::audit_log::dsl;
    dsl::audit_log.filter(dsl::action.eq("auth.password_reset_request")).count().get_result(&mut *app.db()).unwrap()
}

/// Asks for a reset mail from `from`, waits for it, and returns its token.
async fn ask_reset(app: &TestApp, from: &str, email: &str) -> String {
    let before = reset_mails(app, email);
    app.post_from(from, RESET, json!({ "email": email })).await.expect(202);
    app.eventually(20, "the reset mail", || reset_mails(app, email) > before).await;
    reset_token(app, email).await.expect("reset mail with a token")
}

fn field_of(problem: &serde_json::Value) -> Vec<&str> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect()
}

#[actix_web::test]
async fn a_forgotten_password_is_reset_by_mail_and_every_session_ends() {
    let sink = SmtpSink::start();
    for backend in backends() {
        let app = TestApp::start(backend, Options { smtp_url: Some(sink.url()), ..Options::default() }).await;
        let admin = app.admin_token().await;
        let email = format!("lupa-{}@pasar.test", app.name());
        let user_id = app.create_platform_user(&admin, &email, &["curator"]).await;
        let pair = app.login_pair(&email, PASSWORD).await;
        let old_access = pair["access_token"].as_str().unwrap().to_owned();
        let old_refresh = pair["refresh_token"].as_str().unwrap().to_owned();
        app.get("/api/v1/me", Some(&old_access)).await.expect(200);

        // The request, in any case of the address; the mail goes out over SMTP.
        let answer = app.post(RESET, None, json!({ "email": email.to_uppercase() })).await.expect(202);
        assert!(answer["detail"].as_str().unwrap().starts_with("If an account uses this email address"));
        let reset_mails = || {
            sink.received()
                .into_iter()
                .filter(|m| m.to == vec![email.clone()] && m.subject() == Some("[Pasar] Reset your password"))
                .collect::<Vec<_>>()
        };
        app.eventually(20, "the reset mail", || !reset_mails().is_empty()).await;
        let text = reset_mails().pop().unwrap().text();
        let token = token_in(&text).expect("the token on a line of its own");
        let link = format!("{}/atur-ulang-sandi?token={token}", app.config.public_url());
        assert!(text.contains(&link), "{text}");
        assert!(text.contains("POST ") && text.contains(CONFIRM), "usage for API clients: {text}");
        // Only a hash of the secret is stored.
        {
            use diesel::prelude::*;
            use pasar_db::schema::password_resets::dsl;
            let hashes: Vec<String> = dsl::password_resets.select(dsl::token_hash).load(&mut *app.db()).unwrap();
            let secret = token.split_once('.').unwrap().1;
            assert_eq!(hashes.len(), 1, "[{}]", app.name());
            assert!(!hashes[0].contains(secret));
        }

        // The rules of a password change; a refused attempt does not spend the token.
        let weak = app.post(CONFIRM, None, json!({ "token": token, "new_password": "short" })).await;
        assert_eq!(field_of(&weak.expect_problem(422, "validation_failed")), vec!["new_password"]);
        let same = app.post(CONFIRM, None, json!({ "token": token, "new_password": PASSWORD })).await;
        assert_eq!(field_of(&same.expect_problem(422, "validation_failed")), vec!["new_password"]);
        let forged = format!("{}.not-the-secret", token.split_once('.').unwrap().0);
        for bad in ["", "garbage", forged.as_str()] {
            let r = app.post(CONFIRM, None, json!({ "token": bad, "new_password": NEW_PASSWORD })).await;
            assert_eq!(field_of(&r.expect_problem(422, "validation_failed")), vec!["token"], "{bad}");
        }

        app.post(CONFIRM, None, json!({ "token": token, "new_password": NEW_PASSWORD })).await.expect(204);

        // The old password no longer works, the new one does.
        app.post("/api/v1/auth/login", None, json!({ "email": email, "password": PASSWORD }))
            .await
            .expect_problem(401, "invalid_credentials");
        let fresh = app.login(&email, NEW_PASSWORD).await;
        app.get("/api/v1/me", Some(&fresh)).await.expect(200);
        // Every earlier session has ended: its refresh token and its access token.
        app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": old_refresh }))
            .await
            .expect_problem(401, "invalid_token");
        app.get("/api/v1/me", Some(&old_access)).await.expect_problem(401, "invalid_token");
        // The token works once.
        let again =
            app.post(CONFIRM, None, json!({ "token": token, "new_password": "yet another new password" })).await;
        assert_eq!(field_of(&again.expect_problem(422, "validation_failed")), vec!["token"]);
        app.login(&email, NEW_PASSWORD).await;

        // The owner is told, and the audit log has it.
        app.eventually(20, "the password-changed mail", || {
            sink.received()
                .iter()
                .any(|m| m.to == vec![email.clone()] && m.subject() == Some("[Pasar] Your password was changed"))
        })
        .await;
        let actions: Vec<String> = pasar_db::audit::for_entity(&mut app.db(), "user", &user_id)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.contains(&"auth.password_reset_request".to_owned()), "{actions:?}");
        assert!(actions.contains(&"auth.password_reset".to_owned()), "{actions:?}");
    }
}

#[actix_web::test]
async fn a_reset_link_lasts_an_hour_and_a_newer_one_replaces_it() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let first = ask_reset(&app, "10.0.0.1", ADMIN_EMAIL).await;
        let second = ask_reset(&app, "10.0.0.1", ADMIN_EMAIL).await;
        assert_ne!(first, second);
        // The newer request replaced the older link.
        let r = app.post(CONFIRM, None, json!({ "token": first, "new_password": NEW_PASSWORD })).await;
        assert_eq!(field_of(&r.expect_problem(422, "validation_failed")), vec!["token"], "[{}]", app.name());

        // An hour later, the newer one has expired too.
        app.advance_secs(3601);
        let r = app.post(CONFIRM, None, json!({ "token": second, "new_password": NEW_PASSWORD })).await;
        assert_eq!(field_of(&r.expect_problem(422, "validation_failed")), vec!["token"], "[{}]", app.name());
        app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

        // A link used within its hour works.
        let third = ask_reset(&app, "10.0.0.1", ADMIN_EMAIL).await;
        app.advance_secs(59 * 60);
        app.post(CONFIRM, None, json!({ "token": third, "new_password": NEW_PASSWORD })).await.expect(204);
        app.login(ADMIN_EMAIL, NEW_PASSWORD).await;
    }
}

#[actix_web::test]
async fn a_reset_request_answers_the_same_for_known_and_unknown_addresses() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let known = app.post(RESET, None, json!({ "email": ADMIN_EMAIL })).await;
        let unknown = app.post(RESET, None, json!({ "email": "nobody@pasar.test" })).await;
        assert_eq!((known.status, unknown.status), (202, 202), "[{}]", app.name());
        assert_eq!(known.body, unknown.body);
        let names = |r: &pasar_tests::Reply| {
            let mut n: Vec<String> = r.headers.keys().map(|k| k.to_string()).collect();
            n.sort();
            n
        };
        assert_eq!(names(&known), names(&unknown));
        assert_eq!(known.header("content-type"), unknown.header("content-type"));
        assert_eq!(known.header("content-length"), unknown.header("content-length"));
        // Only the account's owner gets a mail.
        app.eventually(20, "both requests processed", || reset_requests_processed(&app) == 2).await;
        assert_eq!(reset_mails(&app, ADMIN_EMAIL), 1, "[{}]", app.name());
        assert!(app.mails_to("nobody@pasar.test").is_empty());

        let bad = app.post(RESET, None, json!({ "email": "not an address" })).await;
        assert_eq!(field_of(&bad.expect_problem(422, "validation_failed")), vec!["email"]);
    }
}

#[actix_web::test]
async fn reset_requests_are_throttled_per_email_and_per_address() {
    for backend in backends() {
        let app = TestApp::start(backend, Options { trust_forwarded_for: true, ..Options::default() }).await;
        // Per email address, from any client address, known or not: 3 in the window.
        for email in [ADMIN_EMAIL, "nobody@pasar.test"] {
            for i in 1..=3 {
                app.post_from(&format!("10.0.0.{i}"), RESET, json!({ "email": email })).await.expect(202);
            }
            let r = app.post_from("10.0.0.4", RESET, json!({ "email": email })).await;
            let retry: u64 = r.header("retry-after").expect("Retry-After").parse().unwrap();
            assert!((1..=900).contains(&retry), "[{}] {retry}", app.name());
            r.expect_problem(429, "too_many_requests");
        }
        app.eventually(20, "the six allowed requests processed", || reset_requests_processed(&app) == 6).await;
        assert_eq!(reset_mails(&app, ADMIN_EMAIL), 3, "[{}] the owner is mailed no more than the limit", app.name());

        // Per client address, whatever the email: 20 in the window.
        for i in 0..20 {
            app.post_from("10.0.1.1", RESET, json!({ "email": format!("guess{i}@pasar.test") })).await.expect(202);
        }
        app.post_from("10.0.1.1", RESET, json!({ "email": "guess-more@pasar.test" }))
            .await
            .expect_problem(429, "too_many_requests");
        app.post_from("10.0.1.2", RESET, json!({ "email": "guess-more@pasar.test" })).await.expect(202);
    }
}

// --- lockout per account and address -------------------------------------------------------

fn login_body(password: &str) -> serde_json::Value {
    json!({ "email": ADMIN_EMAIL, "password": password })
}

#[actix_web::test]
async fn guesses_from_another_address_do_not_lock_the_owner_out() {
    for backend in backends() {
        let app = TestApp::start(backend, Options { trust_forwarded_for: true, ..Options::default() }).await;
        let (attacker, owner) = ("203.0.113.9", "198.51.100.7");
        for _ in 0..5 {
            app.post_from(attacker, "/api/v1/auth/login", login_body("guess-guess-guess"))
                .await
                .expect_problem(401, "invalid_credentials");
        }
        let locked = app.post_from(attacker, "/api/v1/auth/login", login_body("guess-guess-guess")).await;
        let first: u64 = locked.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!((1..=900).contains(&first), "[{}] {first}", app.name());
        locked.expect_problem(429, "too_many_requests");
        // Even the right password from the attacker's address is refused…
        app.post_from(attacker, "/api/v1/auth/login", login_body(ADMIN_PASSWORD))
            .await
            .expect_problem(429, "too_many_requests");
        // …while the owner logs in from their own.
        app.post_from(owner, "/api/v1/auth/login", login_body(ADMIN_PASSWORD)).await.expect(200);

        // When the lockout ends and the guessing starts again, the next lockout is longer.
        app.advance_secs(901);
        for _ in 0..5 {
            app.post_from(attacker, "/api/v1/auth/login", login_body("guess-guess-guess"))
                .await
                .expect_problem(401, "invalid_credentials");
        }
        let locked = app.post_from(attacker, "/api/v1/auth/login", login_body("guess-guess-guess")).await;
        let second: u64 = locked.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!((901..=1800).contains(&second), "[{}] the second lockout lasts {second} s", app.name());
        locked.expect_problem(429, "too_many_requests");
        app.post_from(owner, "/api/v1/auth/login", login_body(ADMIN_PASSWORD)).await.expect(200);
    }
}

#[actix_web::test]
async fn guesses_from_many_addresses_hit_the_account_ceiling() {
    for backend in backends() {
        let app = TestApp::start(backend, Options { trust_forwarded_for: true, ..Options::default() }).await;
        let admin = app.admin_token().await;
        app.create_platform_user(&admin, "curator@pasar.test", &["curator"]).await;
        // Ten addresses, five guesses each: 50, the ceiling, all checked.
        for a in 1..=10 {
            for _ in 0..5 {
                app.post_from(&format!("203.0.113.{a}"), "/api/v1/auth/login", login_body("guess-guess-guess"))
                    .await
                    .expect_problem(401, "invalid_credentials");
            }
        }
        // One more, from a fresh address, locks the account from everywhere.
        app.post_from("203.0.113.11", "/api/v1/auth/login", login_body("guess-guess-guess"))
            .await
            .expect_problem(429, "too_many_requests");
        let r = app.post_from("198.51.100.7", "/api/v1/auth/login", login_body(ADMIN_PASSWORD)).await;
        assert!(r.header("retry-after").is_some());
        r.expect_problem(429, "too_many_requests");
        // Other accounts are not affected.
        app.post_from(
            "198.51.100.7",
            "/api/v1/auth/login",
            json!({ "email": "curator@pasar.test", "password": PASSWORD }),
        )
        .await
        .expect(200);
        // The owner gets back in by resetting the password, which lifts the lockout.
        let token = ask_reset(&app, "198.51.100.7", ADMIN_EMAIL).await;
        app.post(CONFIRM, None, json!({ "token": token, "new_password": NEW_PASSWORD })).await.expect(204);
        app.post_from("198.51.100.7", "/api/v1/auth/login", login_body(NEW_PASSWORD)).await.expect(200);
    }
}
