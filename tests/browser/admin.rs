//! The administrator's day: an OPD and a satker under it, a user with roles there (a
//! form error beside its field first), a holiday, a budget line. The auditor then reads
//! those steps in the audit log with the chain reported intact, and sees the admin pages
//! without their forms; a PP gets the 403 page.

use crate::harness::{available, Browser, Setup};
use chrono::Datelike;
use fantoccini::Locator;
use pasar_tests::{backends, Options, TestApp, World, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};

/// The value of the option of select `id` whose text contains `text`.
async fn option_value(b: &Browser, id: &str, text: &str) -> String {
    let xpath = format!("//select[@id='{id}']/option[contains(., '{text}')]");
    let el = b.client.find(Locator::XPath(&xpath)).await.unwrap_or_else(|e| panic!("no option {text} in #{id}: {e}"));
    el.attr("value").await.expect("value").expect("an option value")
}

#[actix_web::test]
async fn an_administrator_keeps_the_organisations_and_the_auditor_reads_the_log() {
    if !available() {
        return;
    }
    for backend in backends() {
        let mut payments = pasar_tests::default_config().payments;
        payments.banks = vec![pasar_tests::bank("jatim", "Bank Jatim", "8808")];
        let app = TestApp::start(backend, Options { payments: Some(payments), ..Options::default() }).await;
        let w = World::build(&app).await;
        let pemda = w.pemda.clone();
        let year = chrono::Utc::now().year();

        Browser::with(&app.base, Setup::default(), |b| async move {
            // Logged out: the admin pages send to the login page and back.
            b.go("/admin/pengguna").await;
            assert!(b.path().await.starts_with("/masuk?kembali=%2Fadmin%2Fpengguna"), "{}", b.path().await);

            b.login_with(ADMIN_EMAIL, ADMIN_PASSWORD, "/").await;
            b.click_link("Administrasi").await;
            assert_eq!(b.h1().await, "Administrasi");
            b.axe("the admin index").await;

            // An OPD under the pemda, then a satker under the OPD.
            b.click_link("Organisasi").await;
            assert!(b.text(".org-tree").await.contains("Dinas Pendidikan"));
            b.axe("the organisation tree").await;
            b.choose("#kind", "opd").await;
            b.fill("#name", "Dinas Kesehatan").await;
            b.fill("#region_code", "35.76").await;
            // No parent: the service's message beside the parent field.
            b.click("form[action='/admin/organisasi'] button[type=submit]").await;
            assert!(b.exists(".error-summary a[href='#parent_id']").await, "the summary links to the parent");
            assert!(b.exists("#parent_id-galat").await, "the message beside the parent");
            assert_eq!(b.value("#name").await, "Dinas Kesehatan", "the input is kept");
            b.axe("the organisation form with errors").await;
            b.choose("#parent_id", &pemda).await;
            b.click("form[action='/admin/organisasi'] button[type=submit]").await;
            assert_eq!(b.path().await, "/admin/organisasi?dibuat=1");
            let opd = option_value(&b, "parent_id", "Dinas Kesehatan").await;
            b.choose("#kind", "satker").await;
            b.fill("#name", "Puskesmas Kranggan").await;
            b.choose("#parent_id", &opd).await;
            b.fill("#region_code", "35.76").await;
            b.click("form[action='/admin/organisasi'] button[type=submit]").await;
            let tree = b.text(".org-tree").await;
            assert!(tree.contains("Dinas Kesehatan") && tree.contains("Puskesmas Kranggan"), "{tree}");
            b.screenshots("admin-organisasi").await;

            // A user with two roles in the new satker: a short password first.
            b.go("/admin/pengguna").await;
            let satker = option_value(&b, "organization_id", "Puskesmas Kranggan").await;
            b.choose("#organization_id", &satker).await;
            b.fill("#name", "Dewi Lestari").await;
            b.fill("#email", "dewi@puskesmas.test").await;
            b.tick("#role-pejabat_pengadaan").await;
            b.tick("#role-ppk").await;
            b.fill("#password", "pendek").await;
            b.click("form[method=post][action='/admin/pengguna'] button[type=submit]").await;
            assert!(b.exists(".error-summary a[href='#password']").await, "{}", b.text("main").await);
            assert!(
                b.text("#password-galat").await.contains("paling sedikit 10 karakter"),
                "{}",
                b.text("#password-galat").await
            );
            assert_eq!(b.value("#email").await, "dewi@puskesmas.test");
            assert_eq!(b.value("#password").await, "", "a password is never sent back");
            b.axe("the user form with errors").await;
            b.screenshots("admin-pengguna-galat").await;
            b.fill("#password", "sandi-awal-yang-panjang").await;
            b.click("form[method=post][action='/admin/pengguna'] button[type=submit]").await;
            assert!(b.text(".notice").await.contains("Pengguna dibuat"));
            let table = b.text("main table").await;
            assert!(table.contains("Dewi Lestari") && table.contains("Pejabat Pengadaan, PPK"), "{table}");
            b.axe("the users").await;

            // A holiday of this year.
            b.go("/admin/hari-libur").await;
            assert_eq!(b.h1().await, format!("Hari libur {year}"));
            b.set_date("#date", &format!("{year}-11-03")).await;
            b.fill("#name", "Hari Jadi Kota").await;
            b.choose("#kind", "cuti_bersama").await;
            b.click("form[action='/admin/hari-libur'] button[type=submit]").await;
            assert!(b.text("main table").await.contains("Hari Jadi Kota"), "{}", b.text("main").await);
            b.axe("the holiday calendar").await;
            b.screenshots("admin-hari-libur").await;

            // A budget line of the new satker.
            b.go(&format!("/admin/anggaran?satker={satker}")).await;
            assert!(b.h1().await.contains("Puskesmas Kranggan"));
            b.fill("#budget_line", "5.2.2.01.01").await;
            b.fill("#amount_idr", "150.000.000").await;
            b.click("form[method=post][action='/admin/anggaran'] button[type=submit]").await;
            let budgets = b.text("main table").await;
            assert!(budgets.contains("5.2.2.01.01") && budgets.contains("Rp150.000.000"), "{budgets}");
            b.axe("the budgets").await;

            // The bank's statement: a bad row named first, then a report day by day.
            let dir = std::env::temp_dir().join(format!("pasar-admin-{}", uuid::Uuid::now_v7()));
            std::fs::create_dir_all(&dir).unwrap();
            let bad = dir.join("salah.csv");
            std::fs::write(&bad, "va_number,amount,paid_at\n88080000123456,seratus,2026-12-01 10:00:00\n").unwrap();
            let good = dir.join("jatim.csv");
            std::fs::write(&good, "va_number,amount,paid_at\n88080000123456,1250000,2026-12-01 10:00:00\n").unwrap();
            b.go("/admin/rekonsiliasi").await;
            b.axe("the reconciliations").await;
            let file = b.client.find(Locator::Css("#file")).await.expect("the file field");
            file.send_keys(bad.to_str().unwrap()).await.expect("choose the file");
            b.click("form.upload-statement button[type=submit]").await;
            assert!(b.text("#file-galat").await.contains("Baris 1, kolom amount"), "{}", b.text("main").await);
            b.axe("the statement upload with errors").await;
            let file = b.client.find(Locator::Css("#file")).await.expect("the file field");
            file.send_keys(good.to_str().unwrap()).await.expect("choose the file");
            b.click("form.upload-statement button[type=submit]").await;
            assert!(b.path().await.starts_with("/admin/rekonsiliasi/"), "{}", b.text("main").await);
            assert!(b.h1().await.contains("Bank Jatim"), "{}", b.h1().await);
            assert!(b.text("main table").await.contains("Tidak dikenal Pasar"));
            b.axe("a reconciliation report").await;
            b.screenshots("admin-rekonsiliasi").await;
            let _ = std::fs::remove_dir_all(&dir);

            for (path, what) in [("/admin/kategori", "the categories"), ("/admin/outbox", "the outbox")] {
                b.go(path).await;
                b.axe(what).await;
            }

            // The auditor: every step in the log, the chain intact; no forms.
            b.login_as("auditor@pasar.test", "/").await;
            b.click_link("Log audit").await;
            assert_eq!(b.h1().await, "Log audit");
            assert!(b.text("#rantai").await.contains("Rantai hash utuh"), "{}", b.text("#rantai").await);
            let log = b.text("main table").await;
            for action in ["organization.create", "holiday.set", "budget.set"] {
                assert!(log.contains(action), "{action} in the log");
            }
            b.axe("the audit log").await;
            b.screenshots("audit").await;
            b.fill("#action", "budget.set").await;
            b.click("form[action='/audit'] button[type=submit]").await;
            let actions = b.texts("main table tbody td code").await;
            assert!(!actions.is_empty() && actions.iter().all(|a| a == "budget.set"), "{actions:?}");
            b.fill("#entity_type", "pesanan?").await;
            b.set_date("#from", "2026-12-31").await;
            b.set_date("#to", "2026-12-01").await;
            b.click("form[action='/audit'] button[type=submit]").await;
            assert!(b.exists("#to-galat").await, "the dates' error beside the field");

            for path in ["/admin/organisasi", "/admin/pengguna", "/admin/hari-libur", "/admin/kategori"] {
                b.go(path).await;
                assert!(!b.exists("main form[method=post]").await, "no form on {path} for the auditor");
            }
            b.go(&format!("/admin/anggaran?satker={satker}")).await;
            assert!(b.text("main table").await.contains("Rp150.000.000"));
            assert!(!b.exists("main form[method=post]").await, "no budget form for the auditor");
            // A form sent anyway (with the session's CSRF token): the service refuses it.
            let script = r#"
                const done = arguments[arguments.length - 1];
                const csrf = document.querySelector('input[name=csrf]').value;
                const body = new URLSearchParams({ csrf, date: arguments[0], name: 'Libur palsu', kind: 'cuti_bersama' });
                fetch('/admin/hari-libur', { method: 'POST', body }).then(r => done(r.status));
            "#;
            let status = b.client.execute_async(script, vec![format!("{year}-11-04").into()]).await.unwrap();
            assert_eq!(status.as_u64(), Some(403), "the auditor cannot add a holiday");
            b.go(&format!("/admin/hari-libur?tahun={year}")).await;
            assert!(!b.text("main").await.contains("Libur palsu"));

            // A PP: the 403 page.
            b.login_as("pp@sdn1.test", "/").await;
            assert!(!b.exists(".site-nav a[href='/admin']").await, "no admin link for a PP");
            for path in ["/admin/pengguna", "/audit", "/admin"] {
                b.go(path).await;
                assert_eq!(b.h1().await, "Akses ditolak", "{path}");
            }
        })
        .await;
    }
}

#[actix_web::test]
async fn on_a_phone_without_javascript_an_administrator_adds_a_category_and_deactivates_a_user() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let staff = w.users.iter().find(|(role, _, _)| *role == "vendor_staff").unwrap().1.clone();
        Browser::with(&app.base, Setup { javascript: false, width: 360 }, |b| async move {
            b.login_with(ADMIN_EMAIL, ADMIN_PASSWORD, "/").await;
            b.go("/admin/kategori").await;
            assert_eq!(b.h1().await, "Kategori");
            // A slug with capitals and a space: the service's message beside the slug.
            b.fill("#name", "Alat Kesehatan").await;
            b.fill("#slug", "Alat Kesehatan").await;
            b.fill("#kbli_prefixes", "4772").await;
            b.click("form[method=post][action='/admin/kategori'] button[type=submit]").await;
            assert!(b.exists(".error-summary a[href='#slug']").await, "{}", b.text("main").await);
            assert!(b.exists("#slug-galat").await);
            assert_eq!(b.value("#name").await, "Alat Kesehatan", "the input is kept");
            b.fill("#slug", "alat-kesehatan").await;
            b.click("form[method=post][action='/admin/kategori'] button[type=submit]").await;
            assert_eq!(b.path().await, "/admin/kategori");
            let table = b.text("main table").await;
            assert!(table.contains("Alat Kesehatan") && table.contains("4772"), "{table}");

            // The vendor's staff member leaves: deactivated, and shown so.
            b.go("/admin/pengguna").await;
            b.click(&format!("form[action='/admin/pengguna/{staff}/status'] button")).await;
            assert!(b.text(".notice").await.contains("Status pengguna diubah"));
            let line = b.client.find(Locator::XPath("//tr[contains(., 'staff@batik.test')]")).await.unwrap();
            assert!(line.text().await.unwrap().contains("Nonaktif"));
        })
        .await;
        let body = serde_json::json!({ "email": "staff@batik.test", "password": PASSWORD });
        let refused = app.post("/api/v1/auth/login", None, body).await;
        assert_ne!(refused.status, 200, "[{}] a deactivated user cannot log in", app.name());
    }
}

#[actix_web::test]
async fn an_administrator_subscribes_a_system_to_webhooks_and_sees_its_secret_once() {
    if !available() {
        return;
    }
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        World::build(&app).await;

        Browser::with(&app.base, Setup::default(), |b| async move {
            b.login_with(ADMIN_EMAIL, ADMIN_PASSWORD, "/admin").await;
            b.click_link("Webhook").await;
            assert_eq!(b.h1().await, "Webhook");
            assert!(b.text("main").await.contains("Belum ada langganan webhook."));
            b.axe("the webhook page").await;

            // A URL with a password in it: the message beside the field, the input kept.
            b.fill("#url", "https://pengguna:rahasia@simda.test/pasar").await;
            b.fill("#description", "SIMDA Keuangan").await;
            b.click("form[action='/admin/webhook'] button[type=submit]").await;
            assert!(b.exists(".error-summary a[href='#url']").await, "{}", b.text("main").await);
            assert!(b.text("#url-galat").await.contains("tidak boleh memuat nama pengguna atau sandi"));
            assert_eq!(b.value("#description").await, "SIMDA Keuangan", "the input is kept");
            b.axe("the webhook form with errors").await;
            // An unknown event: beside the events field.
            b.fill("#url", "https://simda.test/pasar").await;
            b.fill("#events", "order.*, pesanan.baru").await;
            b.click("form[action='/admin/webhook'] button[type=submit]").await;
            assert!(b.exists("#events-galat").await, "{}", b.text("main").await);

            b.fill("#events", "order.*, payment.*").await;
            b.click("form[action='/admin/webhook'] button[type=submit]").await;
            assert_eq!(b.h1().await, "Langganan dibuat");
            let secret = b.value("#rahasia").await;
            assert!(secret.starts_with("whsec_") && secret.len() == 70, "{secret}");
            assert!(b.text(".notice").await.contains("hanya ditampilkan sekali"));
            b.axe("the webhook secret page").await;
            b.screenshots("admin-webhook-rahasia").await;

            b.click_link("Kembali ke daftar webhook").await;
            let list = b.text("main table").await;
            assert!(list.contains("https://simda.test/pasar") && list.contains("order.*, payment.*"), "{list}");
            assert!(list.contains("Aktif") && list.contains("Belum pernah"), "{list}");
            assert!(!b.text("main").await.contains(&secret), "the secret is not shown again");
            b.screenshots("admin-webhook").await;

            // Deactivated, then a new secret, shown once again.
            b.click("form[action$='/status'] button[type=submit]").await;
            assert!(b.text("main table").await.contains("Nonaktif"));
            b.click("form[action$='/rahasia'] button[type=submit]").await;
            assert_eq!(b.h1().await, "Rahasia baru");
            assert_ne!(b.value("#rahasia").await, secret);

            // The auditor reads the list, without forms; a PP gets the 403 page.
            b.login_as("auditor@pasar.test", "/admin/webhook").await;
            b.go("/admin/webhook").await;
            assert!(b.text("main table").await.contains("https://simda.test/pasar"));
            assert!(!b.exists("main form[method=post]").await, "no form for the auditor");
            b.login_as("pp@sdn1.test", "/").await;
            b.go("/admin/webhook").await;
            assert_eq!(b.h1().await, "Akses ditolak");
        })
        .await;
    }
}
