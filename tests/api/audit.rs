//! The audit log: every state change leaves a hash-chained entry; tampering is found.

use diesel::connection::SimpleConnection;
use pasar_db::{audit, personal};
use pasar_tests::{backends, Options, TestApp, World, PDF};
use serde_json::json;

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

/// Every audit entry about a vendor, `before` and `after` as stored.
fn vendor_entries(app: &TestApp, vendor: &str) -> Vec<(String, serde_json::Value, serde_json::Value)> {
    let parse = |j: Option<String>| j.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default();
    audit::for_entity(&mut app.db(), "vendor", vendor)
        .unwrap()
        .into_iter()
        .map(|r| (r.action, parse(r.before_json), parse(r.after_json)))
        .collect()
}

#[actix_web::test]
async fn npwp_bank_account_and_phone_numbers_are_masked_and_their_change_is_provable() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let (vendor, owner) = app.register_vendor("owner@rahasia.test", "UD Rahasia", "ud").await;
        let path = format!("/api/v1/vendors/{vendor}");
        let profile = json!({
            "npwp": "01.234.567.8-901.000", "contact": { "name": "Bu Sri", "phone": "0812-3456-7890" },
            "bank_account": { "bank_name": "Bank Jatim", "account_number": "0011223344", "account_holder": "UD Rahasia" }
        });
        app.request("PATCH", &path, Some(&owner), Some(profile)).await.expect(200);
        let fields = [("kind", "npwp"), ("number", "01.234.567.8-901.000"), ("valid_until", "2099-12-31")];
        app.multipart(
            "POST",
            &format!("{path}/documents"),
            &owner,
            &fields,
            Some(("npwp.pdf", "application/pdf", PDF)),
        )
        .await
        .expect(201);
        let changed = json!({
            "npwp": "0987654321098000", "contact": { "phone": "+62 321 321234" },
            "bank_account": { "account_number": "5566778899" }
        });
        let view = app.request("PATCH", &path, Some(&owner), Some(changed)).await.expect(200);
        assert_eq!(view["npwp"], "0987654321098000", "the vendor still sees its own numbers in full");

        let entries = vendor_entries(&app, &vendor);
        let text = serde_json::to_string(&entries).unwrap();
        for full in [
            "012345678901000",
            "0987654321098000",
            "6281234567890",
            "0011223344",
            "5566778899",
            "62321321234",
            "567.8-901",
        ] {
            assert!(!text.contains(full), "[{}] {full} is in the audit log: {text}", app.name());
        }
        // The last change: masked, with digests that tell the old value from the new.
        let (action, before, after) = entries.iter().rev().find(|(a, _, _)| a == "vendor.update").unwrap();
        assert_eq!(action, "vendor.update");
        assert_eq!(before["npwp"], "***********1000", "[{}] {before}", app.name());
        assert_eq!(after["npwp"], "************8000");
        assert_eq!(before["npwp_sha256"], personal::digest("vendor", &vendor, "012345678901000"));
        assert_eq!(after["npwp_sha256"], personal::digest("vendor", &vendor, "0987654321098000"));
        assert_eq!(before["bank_account"]["account_number"], "******3344");
        assert_eq!(after["bank_account"]["account_number_sha256"], personal::digest("vendor", &vendor, "5566778899"));
        assert_ne!(before["contact"]["phone_sha256"], after["contact"]["phone_sha256"], "the change shows");
        assert_eq!(after["contact"]["name"], "Bu Sri", "other fields are kept as they are");
        let (_, _, upload) = entries.iter().find(|(a, _, _)| a == "vendor.document_upload").unwrap();
        assert_eq!(upload["number_sha256"], personal::digest("vendor", &vendor, "01.234.567.8-901.000"));
        // Masked before hashing: the chain holds.
        assert_eq!(audit::verify(&mut app.db()).unwrap().first_broken, None);
    }
}

#[actix_web::test]
async fn auditors_read_the_log_filtered_and_its_verification_over_the_api() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let auditor = w.token("auditor");
        let v = app.get("/api/v1/admin/audit/verification", Some(auditor)).await.expect(200);
        assert_eq!(v["first_broken"], serde_json::Value::Null, "[{}]", app.name());
        assert!(v["checked"].as_u64().unwrap() >= 27);

        let page = app.get("/api/v1/admin/audit?action=organization.create&limit=2", Some(auditor)).await.expect(200);
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert!(items.iter().all(|e| e["action"] == "organization.create"));
        assert!(items[0]["seq"].as_i64() > items[1]["seq"].as_i64(), "newest first");
        let cursor = page["next_cursor"].as_str().expect("more follow");
        let more =
            app.get(&format!("/api/v1/admin/audit?action=organization.create&cursor={cursor}"), Some(auditor)).await;
        let more = more.expect(200);
        // platform + 6 organisations: 7 in all.
        assert_eq!(more["items"].as_array().unwrap().len(), 5, "[{}]", app.name());

        let path = format!("/api/v1/admin/audit?entity_type=organization&entity_id={}", w.pemda);
        let pemda = app.get(&path, Some(auditor)).await.expect(200);
        assert_eq!(pemda["items"].as_array().unwrap().len(), 1);
        let bad = app.get("/api/v1/admin/audit?from=2026-12-31&to=2026-12-01", Some(auditor)).await.expect(422);
        assert_eq!(bad["errors"][0]["field"], "to");

        app.get("/api/v1/admin/audit", Some(w.token("pejabat_pengadaan"))).await.expect(403);
        app.get("/api/v1/admin/audit/verification", Some(w.token("curator"))).await.expect(403);
    }
}
