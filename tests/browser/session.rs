//! Sessions: logging in and out, form errors beside their fields, the language switch,
//! CSRF, and the link in a real verification mail.

use crate::harness::{available, Browser, Setup};
use pasar_tests::smtp::SmtpSink;
use pasar_tests::{backends, Options, TestApp, World, PASSWORD};
use serde_json::json;

#[actix_web::test]
async fn login_shows_errors_beside_fields_then_logs_in_and_out() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        World::build(&app).await;
        Browser::with(&app.base, Setup::default(), |b| async move {
            b.go("/masuk").await;
            assert_eq!(b.h1().await, "Masuk");
            b.axe("the login form").await;
            b.screenshots("masuk").await;

            // An address that is not one: the service's message beside the field, in the
            // summary as a link to it, and the input kept.
            b.fill("#email", "pp-di-sdn1").await;
            b.fill("#password", "x").await;
            b.click("main form button[type=submit]").await;
            assert!(b.exists(".error-summary a[href='#email']").await, "summary links to the field");
            assert!(b.text("#email-galat").await.ends_with("bukan alamat email yang benar"));
            assert_eq!(b.value("#email").await, "pp-di-sdn1");
            assert_eq!(
                b.client
                    .find(fantoccini::Locator::Css("#email"))
                    .await
                    .unwrap()
                    .attr("aria-invalid")
                    .await
                    .unwrap()
                    .as_deref(),
                Some("true")
            );
            b.axe("the login form with errors").await;
            b.screenshots("masuk-galat").await;

            // A wrong password: one message for the form, never which half was wrong.
            b.fill("#email", "pp@sdn1.test").await;
            b.fill("#password", "not the password").await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.text(".error-summary li").await, "Alamat email atau kata sandi salah.");

            b.fill("#password", PASSWORD).await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.path().await, "/");
            assert_eq!(b.text(".who strong").await, "pp");
            assert!(b.text(".who").await.starts_with("Masuk sebagai"));
            let cookies = b.client.get_all_cookies().await.unwrap();
            let session = cookies.iter().find(|c| c.name() == "pasar_sesi").expect("a session cookie");
            assert_eq!(session.http_only(), Some(true));
            assert_eq!(session.same_site().map(|s| s.to_string()).as_deref(), Some("Lax"));

            b.click(".site-nav form button").await;
            assert!(b.exists(".site-nav a[href^='/masuk']").await, "logged out");
            assert!(!b.exists(".who").await);
        })
        .await;
    }
}

#[actix_web::test]
async fn the_language_switch_is_remembered() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        Browser::with(&app.base, Setup::default(), |b| async move {
            b.go("/produk").await;
            assert_eq!(b.h1().await, "Cari produk");
            b.click_link("English").await;
            assert_eq!(b.path().await, "/produk", "back on the same page");
            assert_eq!(b.h1().await, "Find products");
            b.go("/masuk").await;
            assert_eq!(b.h1().await, "Log in", "remembered on the next page");
            b.axe("the login form in English").await;
            b.click_link("Bahasa Indonesia").await;
            assert_eq!(b.h1().await, "Masuk");
        })
        .await;
    }
}

#[actix_web::test]
async fn a_form_without_its_csrf_token_is_refused() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        World::build(&app).await;
        Browser::with(&app.base, Setup::default(), |b| async move {
            b.go("/masuk").await;
            // Another site's form cannot know the token; without the cookie it cannot match.
            b.client.delete_cookie("pasar_csrf").await.unwrap();
            b.fill("#email", "pp@sdn1.test").await;
            b.fill("#password", PASSWORD).await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.h1().await, "Akses ditolak");
            assert!(b.text("main").await.contains("Formulir ini kedaluwarsa"));
            b.axe("the refusal page").await;
            assert!(!b.exists(".who").await, "not logged in");
        })
        .await;
        // And a POST from outside the page, with no token at all.
        let r = app.request_raw("POST", "/keluar", "application/x-www-form-urlencoded", b"x=1".to_vec()).await;
        assert_eq!(r.status, 403);
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    }
}

#[actix_web::test]
async fn the_link_in_a_real_verification_mail_verifies_the_address() {
    if !available() {
        return;
    }
    let sink = SmtpSink::start();
    for backend in backends() {
        let app = TestApp::start(backend, Options { smtp_url: Some(sink.url()), ..Options::default() }).await;
        let email = format!("pemilik-{}@batik.test", app.name());
        let body = json!({ "email": email, "password": PASSWORD, "owner_name": "Bu Sri", "legal_name": "UD Sri Rejeki", "legal_form": "ud" });
        app.post("/api/v1/vendors/register", None, body).await.expect(202);
        app.eventually(20, "the verification mail", || sink.received().iter().any(|m| m.to == vec![email.clone()]))
            .await;
        let mail = sink.received().into_iter().find(|m| m.to == vec![email.clone()]).unwrap().text();
        let link = mail
            .lines()
            .map(str::trim)
            .find(|l| l.contains("/verifikasi-email?token="))
            .unwrap_or_else(|| panic!("no page link in the mail: {mail}"))
            .to_owned();
        assert!(link.starts_with(&app.config.public_url()), "{link}");
        let path = &link[link.find("/verifikasi-email").unwrap()..];
        let path = path.to_owned();
        Browser::with(&app.base, Setup::default(), |b| async move {
            b.go(&path).await;
            assert_eq!(b.h1().await, "Konfirmasi alamat email");
            b.axe("the verification page").await;
            b.screenshots("verifikasi-email").await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.h1().await, "Alamat email terkonfirmasi");
            // The link works once.
            b.go(&path).await;
            b.click("main form button[type=submit]").await;
            assert!(b.text(".error-summary").await.contains("tidak berlaku"));
        })
        .await;
        let token = app.login(&email, PASSWORD).await;
        let me = app.get("/api/v1/me", Some(&token)).await.expect(200);
        assert_eq!(me["email_verified"], true, "{me}");
    }
}

#[actix_web::test]
async fn a_password_change_ends_the_browser_session() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let token = w.token("ppk").to_owned();
        let api = app.base.clone();
        Browser::with(&app.base, Setup::default(), |b| async move {
            b.go("/masuk").await;
            b.fill("#email", "ppk@sdn1.test").await;
            b.fill("#password", PASSWORD).await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.text(".who strong").await, "ppk");
            // The password is changed elsewhere (here: through the API).
            let client = awc::Client::default();
            let res = client
                .post(format!("{api}/api/v1/me/password"))
                .insert_header(("authorization", format!("Bearer {token}")))
                .send_json(&json!({ "current_password": PASSWORD, "new_password": "a brand new password" }))
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 204);
            b.go("/").await;
            assert!(!b.exists(".who").await, "the session ended with the password change");
        })
        .await;
    }
}

#[actix_web::test]
async fn a_forgotten_password_is_reset_from_the_mail_and_a_staff_invitation_accepted() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (vendor, owner) =
            app.approved_vendor(&curator, "owner@kranggan.test", "UD Kranggan", "9120001000021").await;
        app.post(&format!("/api/v1/vendors/{vendor}/staff"), Some(&owner), json!({ "email": "staf@kranggan.test" }))
            .await
            .expect(201);
        let invitation = app.delivered_mail("staf@kranggan.test", "Join").await;
        let invitation = page_link(&invitation, "/undangan?token=");
        let app = &app;
        Browser::with(&app.base, Setup::default(), |b| async move {
            b.go("/masuk").await;
            b.click_link("Lupa kata sandi?").await;
            assert_eq!(b.h1().await, "Lupa kata sandi");
            b.axe("the forgotten-password form").await;
            b.fill("#email", "pp@sdn1.test").await;
            b.click("main form button[type=submit]").await;
            assert!(b.text("main .notice").await.starts_with("Jika ada akun"), "the same answer for every address");

            let mail = app.delivered_mail("pp@sdn1.test", "Reset your password").await;
            b.go(&page_link(&mail, "/atur-ulang-sandi?token=")).await;
            assert_eq!(b.h1().await, "Pilih kata sandi baru");
            b.fill("#new_password", "pendek").await;
            b.click("main form button[type=submit]").await;
            assert!(b.text("#new_password-galat").await.ends_with("paling sedikit 10 karakter"));
            assert!(b.exists(".error-summary a[href='#new_password']").await);
            b.axe("the new-password form with an error").await;
            b.fill("#new_password", "kata sandi baru yang panjang").await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.h1().await, "Kata sandi diganti");

            b.click_link("Masuk").await;
            b.fill("#email", "pp@sdn1.test").await;
            b.fill("#password", "kata sandi baru yang panjang").await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.text(".who strong").await, "pp");
            b.click(".site-nav form button").await;

            // The invitation: a name and a password make the staff account.
            b.go(&invitation).await;
            assert_eq!(b.h1().await, "Bergabung sebagai staf penyedia");
            b.axe("the invitation form").await;
            b.fill("#name", "Siti Staf").await;
            b.fill("#password", "x").await;
            b.click("main form button[type=submit]").await;
            assert!(b.exists("#password-galat").await, "the password rule, beside its field");
            assert_eq!(b.value("#name").await, "Siti Staf", "the name is kept");
            b.fill("#password", "sandi staf yang panjang").await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.h1().await, "Selamat bergabung");
        })
        .await;
        app.login("staf@kranggan.test", "sandi staf yang panjang").await;
    }
}

/// The path and query of the page link in a mail (`marker` is the start of the path).
fn page_link(mail: &str, marker: &str) -> String {
    let line = mail.lines().find(|l| l.contains(marker)).unwrap_or_else(|| panic!("no {marker} link in: {mail}"));
    let start = line.find(marker).unwrap();
    line[start..].split_whitespace().next().unwrap().to_owned()
}

#[actix_web::test]
async fn repeated_wrong_passwords_are_throttled_as_in_the_api_and_the_wait_is_shown() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        World::build(&app).await;
        Browser::with(&app.base, Setup::default(), |b| async move {
            b.go("/masuk").await;
            let mut said = String::new();
            for _ in 0..8 {
                b.fill("#email", "pp@sdn1.test").await;
                b.fill("#password", "tebakan yang salah").await;
                b.click("main form button[type=submit]").await;
                said = b.text(".error-summary").await;
                if said.contains("Terlalu banyak percobaan") {
                    break;
                }
            }
            assert!(said.contains("Coba lagi dalam"), "{said}");
            // Even the right password waits now.
            b.fill("#password", PASSWORD).await;
            b.click("main form button[type=submit]").await;
            assert!(b.text(".error-summary").await.contains("Terlalu banyak percobaan"));
            assert!(!b.exists(".who").await);
        })
        .await;
    }
}
