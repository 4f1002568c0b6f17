//! Vendor onboarding: registration, verification, profile, documents, curation, and
//! who sees what.

use pasar_tests::smtp::SmtpSink;
use pasar_tests::{backends, Options, TestApp, World, PASSWORD, PDF, PNG};
use serde_json::json;

fn fields(problem: &serde_json::Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn a_vendor_registers_proves_itself_and_a_curator_admits_it() {
    let sink = SmtpSink::start();
    for backend in backends() {
        let app = TestApp::start(backend, Options { smtp_url: Some(sink.url()), ..Options::default() }).await;
        let w = World::build(&app).await;
        let curator = w.token("curator");
        let email = format!("siti-{}@batik.test", app.name());

        // Register: a draft vendor, an owner who can log in, a verification mail. The
        // answer holds no ids (it must read the same for an address already taken).
        let reg = app
            .post(
                "/api/v1/vendors/register",
                None,
                json!({ "email": email, "password": PASSWORD, "owner_name": "Siti Aminah",
                                                          "legal_name": "UD Batik Majapahit", "legal_form": "ud" }),
            )
            .await
            .expect(202);
        assert_eq!(reg["email"], email.as_str());
        assert!(reg.get("vendor").is_none() && reg.get("owner").is_none(), "{reg}");
        let owner = app.login(&email, PASSWORD).await;
        let me = app.get("/api/v1/me", Some(&owner)).await.expect(200);
        assert_eq!(me["roles"], json!(["vendor_owner"]));
        assert_eq!(me["email_verified"], false);
        assert_eq!(me["organization"]["kind"], "vendor");
        let vendor = me["organization"]["id"].as_str().unwrap().to_owned();
        let view = app.get(&format!("/api/v1/vendors/{vendor}"), Some(&owner)).await.expect(200);
        assert_eq!(view["status"], "draft");
        app.eventually(20, "the verification mail", || sink.received().iter().any(|m| m.to == vec![email.clone()]))
            .await;
        let mail = sink.received().into_iter().find(|m| m.to == vec![email.clone()]).unwrap();
        assert_eq!(mail.subject(), Some("[Pasar] Confirm your email address"));

        // Unverified: the profile can be filled in, not submitted.
        app.request(
            "PATCH",
            &format!("/api/v1/vendors/{vendor}"),
            Some(&owner),
            Some(json!({ "trade_name": "Batik Majapahit" })),
        )
        .await
        .expect(200);
        app.post(&format!("/api/v1/vendors/{vendor}/submit"), Some(&owner), json!({}))
            .await
            .expect_problem(403, "email_not_verified");
        let resend = app.post("/api/v1/auth/verify-email/resend", Some(&owner), json!({})).await;
        assert!(resend.header("retry-after").is_some(), "at most one verification mail a minute");
        resend.expect_problem(429, "too_many_requests");
        let token = pasar_tests::token_in(&mail.text());
        let verified = app.post("/api/v1/auth/verify-email", None, json!({ "token": token })).await.expect(200);
        assert_eq!(verified["email_verified"], true);
        app.post("/api/v1/auth/verify-email", None, json!({ "token": token }))
            .await
            .expect_problem(422, "validation_failed");

        // Verified but incomplete: every missing item at once.
        let r = app.post(&format!("/api/v1/vendors/{vendor}/submit"), Some(&owner), json!({})).await;
        let missing = fields(&r.expect_problem(422, "validation_failed"));
        for f in [
            "nib",
            "npwp",
            "kbli_codes",
            "address.street",
            "bank_account.account_number",
            "documents.nib",
            "documents.npwp",
            "documents.bank_account",
        ] {
            assert!(missing.contains(&f.to_string()), "[{}] {f} missing from {missing:?}", app.name());
        }

        app.complete_vendor(&vendor, &owner, "9120001052167").await;
        let submitted =
            app.post(&format!("/api/v1/vendors/{vendor}/submit"), Some(&owner), json!({})).await.expect(200);
        assert_eq!(submitted["status"], "submitted");

        // The curator's queue, oldest first, with the waiting time.
        let queue = app.get("/api/v1/curation/vendors?status=submitted", Some(curator)).await.expect(200);
        assert_eq!(queue["items"][0]["id"], vendor.as_str());
        assert!(queue["items"][0]["waiting_seconds"].as_i64().unwrap() >= 0);

        // Locked while submitted; decisions need a claim first.
        app.request("PATCH", &format!("/api/v1/vendors/{vendor}"), Some(&owner), Some(json!({ "trade_name": "X" })))
            .await
            .expect_problem(409, "invalid_state");
        app.post(&format!("/api/v1/vendors/{vendor}/review"), Some(curator), json!({ "decision": "approve" }))
            .await
            .expect_problem(409, "invalid_state");
        app.post(&format!("/api/v1/vendors/{vendor}/claim"), Some(curator), json!({})).await.expect(200);
        app.post(&format!("/api/v1/vendors/{vendor}/claim"), Some(curator), json!({}))
            .await
            .expect_problem(409, "invalid_state");

        // Revision, with remarks per item; the owner is told what to fix.
        let remarks = json!({ "decision": "request_revision", "remarks": [
            { "field": "documents.npwp", "message": "The scan is unreadable." },
            { "field": "address.street", "message": "Give the RT/RW." } ] });
        let r = app.post(&format!("/api/v1/vendors/{vendor}/review"), Some(curator), remarks).await.expect(200);
        assert_eq!(r["status"], "revision_requested");
        app.eventually(20, "the revision mail", || {
            sink.received().iter().any(|m| m.to == vec![email.clone()] && m.data.contains("The scan is unreadable."))
        })
        .await;
        app.request(
            "PATCH",
            &format!("/api/v1/vendors/{vendor}"),
            Some(&owner),
            Some(json!({ "address": { "street": "Jl. Majapahit 17 RT 02 RW 03" } })),
        )
        .await
        .expect(200);
        app.post(&format!("/api/v1/vendors/{vendor}/submit"), Some(&owner), json!({})).await.expect(200);
        app.post(&format!("/api/v1/vendors/{vendor}/claim"), Some(curator), json!({})).await.expect(200);
        let approved = app
            .post(&format!("/api/v1/vendors/{vendor}/review"), Some(curator), json!({ "decision": "approve" }))
            .await
            .expect(200);
        assert_eq!(approved["status"], "approved");
        app.eventually(20, "the approval mail", || {
            sink.received().iter().any(|m| {
                m.to == vec![email.clone()] && m.subject() == Some("[Pasar] Your vendor registration is approved")
            })
        })
        .await;

        // The vendor's own timeline, with the curator's remarks.
        let history = app.get(&format!("/api/v1/vendors/{vendor}/history"), Some(&owner)).await.expect(200);
        let actions: Vec<&str> = history.as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
        assert_eq!(actions.first(), Some(&"vendor.register"));
        assert_eq!(actions.iter().filter(|a| **a == "vendor.review").count(), 2);
        let revision = history.as_array().unwrap().iter().find(|h| h["decision"] == "request_revision").unwrap();
        assert_eq!(revision["remarks"][0]["field"], "documents.npwp");

        // The public sees the approved vendor's public profile only.
        let dir = app.get("/api/v1/vendors", None).await.expect(200);
        let listed = dir["items"].as_array().unwrap().iter().find(|v| v["id"] == vendor.as_str()).expect("listed");
        assert_eq!(listed["name"], "Batik Majapahit");
        for secret in ["npwp", "bank_account", "business_capital_idr", "nib", "contact"] {
            assert!(listed.get(secret).is_none(), "{secret} is not public");
        }
        let public =
            app.get(&format!("/api/v1/vendors/{vendor}"), Some(w.token("pejabat_pengadaan"))).await.expect(200);
        assert!(public.get("npwp").is_none() && public.get("bank_account").is_none());
        assert_eq!(public["umkk"], true);
        assert_eq!(public["local"], true);

        // Changing the payout account of an approved vendor is told to every owner.
        let new_account = json!({ "bank_account": { "account_number": "998877665544" } });
        app.request("PATCH", &format!("/api/v1/vendors/{vendor}"), Some(&owner), Some(new_account)).await.expect(200);
        app.eventually(20, "the bank-account mail", || {
            sink.received().iter().any(|m| m.to == vec![email.clone()] && m.data.contains("ending in 5544"))
        })
        .await;

        // Suspension hides it; reinstatement brings it back. Administrators only.
        app.post(&format!("/api/v1/vendors/{vendor}/suspend"), Some(curator), json!({ "reason": "x" }))
            .await
            .expect_problem(403, "forbidden");
        app.post(
            &format!("/api/v1/vendors/{vendor}/suspend"),
            Some(&w.admin),
            json!({ "reason": "Expired halal certificate reported" }),
        )
        .await
        .expect(200);
        app.get(&format!("/api/v1/vendors/{vendor}"), None).await.expect_problem(404, "not_found");
        assert!(app.get("/api/v1/vendors", None).await.expect(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["id"] != vendor.as_str()));
        app.post(&format!("/api/v1/vendors/{vendor}/suspend"), Some(&w.admin), json!({ "reason": "again" }))
            .await
            .expect_problem(409, "invalid_state");
        app.post(&format!("/api/v1/vendors/{vendor}/reinstate"), Some(&w.admin), json!({ "reason": "Renewed" }))
            .await
            .expect(200);
        app.get(&format!("/api/v1/vendors/{vendor}"), None).await.expect(200);
    }
}

#[actix_web::test]
async fn scale_umkk_and_locality_are_derived_never_typed() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let (v, t) = app.register_vendor("mikro@x.test", "UD Onde-Onde", "ud").await;
        let path = format!("/api/v1/vendors/{v}");
        let r = app
            .request(
                "PATCH",
                &path,
                Some(&t),
                Some(json!({ "business_capital_idr": 800_000_000, "address": { "region_code": "35.76.02" } })),
            )
            .await
            .expect(200);
        assert_eq!(
            (r["scale"].as_str(), r["umkk"].as_bool(), r["local"].as_bool()),
            (Some("mikro"), Some(true), Some(true)),
            "[{}]",
            app.name()
        );
        let r = app
            .request(
                "PATCH",
                &path,
                Some(&t),
                Some(json!({ "business_capital_idr": 7_000_000_000_i64, "address": { "region_code": "35.78" } })),
            )
            .await
            .expect(200);
        assert_eq!(
            (r["scale"].as_str(), r["umkk"].as_bool(), r["local"].as_bool()),
            (Some("menengah"), Some(false), Some(false))
        );
        let r = app
            .request(
                "PATCH",
                &path,
                Some(&t),
                Some(json!({ "legal_form": "koperasi", "business_capital_idr": 20_000_000_000_i64 })),
            )
            .await
            .expect(200);
        assert_eq!(
            (r["scale"].as_str(), r["umkk"].as_bool()),
            (Some("besar"), Some(true)),
            "a koperasi counts as UMKK"
        );
        app.request("PATCH", &path, Some(&t), Some(json!({ "umkk": true })))
            .await
            .expect_problem(422, "validation_failed");
    }
}

#[actix_web::test]
async fn bad_vendor_input_names_the_field() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let r = app
            .post(
                "/api/v1/vendors/register",
                None,
                json!({ "email": "x", "password": "short", "owner_name": "", "legal_name": "A", "legal_form": "llc" }),
            )
            .await;
        assert_eq!(
            fields(&r.expect_problem(422, "validation_failed")),
            vec!["email", "password", "owner_name", "legal_form"]
        );

        let (v, t) = app.register_vendor("a@vendor.test", "CV Maju", "cv").await;
        let bad = json!({ "nib": "12345", "npwp": "12.345", "kbli_codes": ["1234", "abcde"],
                          "address": { "region_code": "35", "postal_code": "6131" },
                          "contact": { "phone": "+1 555 0100" }, "business_capital_idr": -5,
                          "tax_status": "pp55", "bank_account": { "account_number": "12" } });
        let r = app
            .request("PATCH", &format!("/api/v1/vendors/{v}"), Some(&t), Some(bad))
            .await
            .expect_problem(422, "validation_failed");
        let f = fields(&r);
        for expected in [
            "nib",
            "npwp",
            "kbli_codes[0]",
            "kbli_codes[1]",
            "address.region_code",
            "address.postal_code",
            "contact.phone",
            "business_capital_idr",
            "pp55_valid_until",
            "bank_account.account_number",
        ] {
            assert!(f.contains(&expected.to_string()), "[{}] {expected} not in {f:?}", app.name());
        }
        // A draft does not hold the NIB it typed: the first to submit does.
        app.request("PATCH", &format!("/api/v1/vendors/{v}"), Some(&t), Some(json!({ "nib": "9120001052167" })))
            .await
            .expect(200);
        let (v2, t2) = app.register_vendor("b@vendor.test", "CV Maju", "cv").await;
        app.complete_vendor(&v2, &t2, "9120 0010 5216 7").await;
        app.post(&format!("/api/v1/vendors/{v2}/submit"), Some(&t2), json!({})).await.expect(200);
        app.complete_vendor(&v, &t, "9120001052168").await;
        let r = app
            .request("PATCH", &format!("/api/v1/vendors/{v}"), Some(&t), Some(json!({ "nib": "9120001052167" })))
            .await;
        assert_eq!(r.expect_problem(409, "already_exists")["errors"][0]["field"], "nib");
        // Registering the same owner email twice is answered as a success (see
        // `a_taken_email_registers_nothing_and_tells_its_owner`).
        let again = json!({ "email": "a@vendor.test", "password": PASSWORD, "owner_name": "X", "legal_name": "Y", "legal_form": "ud" });
        app.post("/api/v1/vendors/register", None, again).await.expect(202);

        // Decisions: only on a vendor under review; rejection needs a reason.
        app.post(&format!("/api/v1/vendors/{v}/review"), Some(w.token("curator")), json!({ "decision": "approve" }))
            .await
            .expect_problem(409, "invalid_state");
        let r = app
            .post(&format!("/api/v1/vendors/{v}/review"), Some(w.token("curator")), json!({ "decision": "reject" }))
            .await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["reason"]);
        let r = app
            .post(&format!("/api/v1/vendors/{v}/review"), Some(w.token("curator")), json!({ "decision": "maybe" }))
            .await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["decision"]);
        app.get("/api/v1/curation/vendors?status=pending", Some(w.token("curator")))
            .await
            .expect_problem(400, "invalid_query");
    }
}

#[actix_web::test]
async fn documents_are_judged_by_content_sized_hashed_and_replaced() {
    for backend in backends() {
        let app = TestApp::start(backend, Options { upload_limit_bytes: Some(4096), ..Options::default() }).await;
        let (v, t) = app.register_vendor("doc@vendor.test", "UD Dokumen", "ud").await;
        let docs = format!("/api/v1/vendors/{v}/documents");
        let f = [("kind", "halal"), ("number", "ID35110000123"), ("valid_until", "2027-06-30")];

        let r = app
            .multipart("POST", &docs, &t, &f, Some(("halal.pdf", "application/pdf", b"MZ\x90\0 an executable")))
            .await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["file"]);
        let r = app.multipart("POST", &docs, &t, &f, Some(("halal.pdf", "application/pdf", PNG))).await;
        assert!(r.expect_problem(422, "validation_failed")["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("image/png"));
        let big = [PDF, &vec![b'x'; 5000]].concat();
        app.multipart("POST", &docs, &t, &f, Some(("big.pdf", "application/pdf", &big)))
            .await
            .expect_problem(413, "payload_too_large");
        let r = app
            .multipart(
                "POST",
                &docs,
                &t,
                &[("kind", "passport"), ("valid_until", "30/06/2027")],
                Some(("a.pdf", "application/pdf", PDF)),
            )
            .await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["kind", "valid_until"]);
        app.request_raw("POST", &docs, "application/json", b"{}".to_vec()).await.expect_problem(401, "unauthenticated");

        let doc = app.multipart("POST", &docs, &t, &f, Some(("halal.pdf", "application/pdf", PDF))).await.expect(201);
        assert_eq!(doc["content_type"], "application/pdf");
        assert_eq!(doc["size_bytes"], PDF.len());
        let png = app
            .multipart("POST", &docs, &t, &[("kind", "pirt")], Some(("pirt.png", "image/png", PNG)))
            .await
            .expect(201);
        assert_eq!(png["content_type"], "image/png");

        let (status, ct, bytes) = app.download(&format!("{docs}/{}/file", doc["id"].as_str().unwrap()), &t).await;
        assert_eq!((status, ct.as_str(), bytes.as_slice()), (200, "application/pdf", PDF));
        use sha2::Digest;
        assert_eq!(doc["sha256"], hex::encode(sha2::Sha256::digest(PDF)));

        // Replace: the old one stays on record, the list shows the new one.
        let newer = app
            .multipart(
                "PUT",
                &format!("{docs}/{}", doc["id"].as_str().unwrap()),
                &t,
                &[("number", "ID35110000999"), ("valid_until", "2029-06-30")],
                Some(("halal-2029.pdf", "application/pdf", PDF)),
            )
            .await
            .expect(201);
        assert_eq!(newer["kind"], "halal");
        let current = app.get(&docs, Some(&t)).await.expect(200);
        let ids: Vec<&str> = current.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
        assert!(ids.contains(&newer["id"].as_str().unwrap()) && !ids.contains(&doc["id"].as_str().unwrap()));
        let all = app.get(&format!("{docs}?all=true"), Some(&t)).await.expect(200);
        assert_eq!(all.as_array().unwrap().len(), 3);
        app.multipart(
            "PUT",
            &format!("{docs}/{}", doc["id"].as_str().unwrap()),
            &t,
            &[],
            Some(("x.pdf", "application/pdf", PDF)),
        )
        .await
        .expect_problem(409, "invalid_state");
    }
}

#[actix_web::test]
async fn vendors_never_reach_each_other_and_buyers_see_only_public_profiles() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let (a, ta) = app.register_vendor("a@shop.test", "UD Alpha", "ud").await;
        let (b, tb) = app.register_vendor("b@shop.test", "UD Beta", "ud").await;
        let doc_a = app
            .multipart(
                "POST",
                &format!("/api/v1/vendors/{a}/documents"),
                &ta,
                &[("kind", "nib")],
                Some(("n.pdf", "application/pdf", PDF)),
            )
            .await
            .expect(201);
        let doc_a = doc_a["id"].as_str().unwrap();

        // Vendor B guessing vendor A's ids: not found, and nothing leaks.
        for path in [
            format!("/api/v1/vendors/{a}"),
            format!("/api/v1/vendors/{a}/documents"),
            format!("/api/v1/vendors/{a}/documents/{doc_a}/file"),
            format!("/api/v1/vendors/{b}/documents/{doc_a}/file"),
            format!("/api/v1/vendors/{a}/history"),
        ] {
            let r = app.get(&path, Some(&tb)).await;
            assert!(!r.body.to_string().contains("UD Alpha"), "{path} leaked");
            r.expect_problem(404, "not_found");
        }
        app.request("PATCH", &format!("/api/v1/vendors/{a}"), Some(&tb), Some(json!({ "trade_name": "Hijacked" })))
            .await
            .expect_problem(404, "not_found");
        app.post(&format!("/api/v1/vendors/{a}/submit"), Some(&tb), json!({})).await.expect_problem(404, "not_found");
        app.multipart(
            "POST",
            &format!("/api/v1/vendors/{a}/documents"),
            &tb,
            &[("kind", "nib")],
            Some(("n.pdf", "application/pdf", PDF)),
        )
        .await
        .expect_problem(404, "not_found");
        app.multipart(
            "PUT",
            &format!("/api/v1/vendors/{b}/documents/{doc_a}"),
            &tb,
            &[],
            Some(("n.pdf", "application/pdf", PDF)),
        )
        .await
        .expect_problem(404, "not_found");

        // A buyer cannot see a vendor that is not approved, nor its documents.
        for role in ["pejabat_pengadaan", "ppk", "bendahara"] {
            app.get(&format!("/api/v1/vendors/{a}"), Some(w.token(role))).await.expect_problem(404, "not_found");
            app.get(&format!("/api/v1/vendors/{a}/documents"), Some(w.token(role)))
                .await
                .expect_problem(404, "not_found");
        }
        app.get(&format!("/api/v1/vendors/{a}"), None).await.expect_problem(404, "not_found");
        app.get("/api/v1/curation/vendors", Some(w.token("ppk"))).await.expect_problem(403, "forbidden");
        app.get("/api/v1/curation/vendors", Some(&ta)).await.expect_problem(403, "forbidden");

        // Auditors read everything and change nothing; curators decide, never edit.
        let full = app.get(&format!("/api/v1/vendors/{a}"), Some(w.token("auditor"))).await.expect(200);
        assert_eq!(full["legal_name"], "UD Alpha");
        app.get(&format!("/api/v1/vendors/{a}/documents/{doc_a}/file"), Some(w.token("auditor"))).await.expect(200);
        app.request(
            "PATCH",
            &format!("/api/v1/vendors/{a}"),
            Some(w.token("auditor")),
            Some(json!({ "trade_name": "X" })),
        )
        .await
        .expect_problem(403, "forbidden");
        app.post(&format!("/api/v1/vendors/{a}/claim"), Some(w.token("auditor")), json!({}))
            .await
            .expect_problem(403, "forbidden");
        app.request(
            "PATCH",
            &format!("/api/v1/vendors/{a}"),
            Some(w.token("curator")),
            Some(json!({ "trade_name": "X" })),
        )
        .await
        .expect_problem(403, "forbidden");
        app.get("/api/v1/curation/vendors?status=submitted", Some(w.token("auditor"))).await.expect(200);
        app.get("/api/v1/curation/vendors?status=draft", Some(w.token("auditor")))
            .await
            .expect_problem(400, "invalid_query");
        app.get(&format!("/api/v1/vendors/{a}/staff"), Some(&tb)).await.expect_problem(404, "not_found");
    }
}

#[actix_web::test]
async fn documents_about_to_expire_are_reminded_once_at_30_and_7_days() {
    for backend in backends() {
        let app = TestApp::start(backend, Options { reminder_interval_secs: Some(1), ..Options::default() }).await;
        let (v, t) = app.register_vendor("remind@vendor.test", "UD Ingat", "ud").await;
        // Days are the marketplace's (Jakarta), as the reminder worker counts them: from
        // 17:00 UTC Jakarta is already on the next day.
        let today = pasar_core::Zone::JAKARTA.date(app.now());
        let in_20 = (today + chrono::Days::new(20)).to_string();
        let in_5 = (today + chrono::Days::new(5)).to_string();
        let in_90 = (today + chrono::Days::new(90)).to_string();
        for (kind, until) in [("halal", in_20.as_str()), ("pirt", in_5.as_str()), ("sni", in_90.as_str())] {
            app.multipart(
                "POST",
                &format!("/api/v1/vendors/{v}/documents"),
                &t,
                &[("kind", kind), ("valid_until", until)],
                Some(("d.pdf", "application/pdf", PDF)),
            )
            .await
            .expect(201);
        }
        let reminders = || {
            app.mails_to("remind@vendor.test")
                .into_iter()
                .filter(|m| m.subject.contains("expires in"))
                .collect::<Vec<_>>()
        };
        app.eventually(20, "two reminders", || reminders().len() == 2).await;
        // Several more passes of the worker: still exactly one reminder per document.
        actix_web::rt::time::sleep(std::time::Duration::from_millis(2500)).await;
        let subjects: Vec<String> = reminders().into_iter().map(|m| m.subject).collect();
        assert_eq!(subjects.len(), 2, "[{}] {subjects:?}", app.name());
        assert!(
            subjects.iter().any(|s| s.contains("expires in 20 days"))
                && subjects.iter().any(|s| s.contains("expires in 5 days"))
        );
    }
}

#[actix_web::test]
async fn staff_cannot_change_the_bank_account() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let (v, _owner) = app.register_vendor("owner@team.test", "UD Tim", "ud").await;
        let admin = app.admin_token().await;
        app.create_user(&admin, &v, "staff@team.test", &["vendor_staff"]).await;
        let staff = app.login("staff@team.test", PASSWORD).await;
        app.request("PATCH", &format!("/api/v1/vendors/{v}"), Some(&staff), Some(json!({ "trade_name": "Tim Jaya" })))
            .await
            .expect(200);
        app.request(
            "PATCH",
            &format!("/api/v1/vendors/{v}"),
            Some(&staff),
            Some(json!({ "bank_account": { "account_number": "123456789" } })),
        )
        .await
        .expect_problem(403, "forbidden");
    }
}

#[actix_web::test]
async fn the_owner_invites_staff_who_can_work_but_not_manage_the_team() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let (v, owner) = app.register_vendor("owner@tim.test", "UD Tim", "ud").await;
        let (other, other_owner) = app.register_vendor("owner@lain.test", "UD Lain", "ud").await;
        let staff_path = format!("/api/v1/vendors/{v}/staff");

        let inv = app.post(&staff_path, Some(&owner), json!({ "email": "Rina@Tim.test" })).await.expect(201);
        assert_eq!(inv["email"], "rina@tim.test");
        // An address that already has an account: the same answer, listed as pending
        // like any other; its owner is told instead, and gets nothing to accept.
        let taken = app.post(&staff_path, Some(&owner), json!({ "email": "owner@lain.test" })).await.expect(201);
        let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&taken), keys(&inv));
        let pending = app.get(&staff_path, Some(&owner)).await.expect(200)["pending"].clone();
        let pending: Vec<&str> = pending.as_array().unwrap().iter().map(|i| i["email"].as_str().unwrap()).collect();
        assert_eq!(pending.len(), 2, "{pending:?}");
        assert!(pending.contains(&"owner@lain.test"));
        let notice = app.mails_to("owner@lain.test").pop().expect("a mail to the account's owner");
        assert_eq!(notice.subject, "[Pasar] An invitation to your address");
        let text = app.delivered_mail("owner@lain.test", "An invitation to your address").await;
        assert!(text.contains("UD Tim") && text.contains("/lupa-sandi"), "{text}");
        assert!(pasar_tests::token_in(&text).is_none(), "no invitation token for a taken address");
        assert_eq!(app.get(&staff_path, Some(&owner)).await.expect(200)["members"].as_array().unwrap().len(), 1);
        app.post(&staff_path, Some(&other_owner), json!({ "email": "x@y.test" }))
            .await
            .expect_problem(404, "not_found");

        let token = pasar_tests::token_in(&app.delivered_mail("rina@tim.test", "Join UD Tim as staff").await);
        let r = app
            .post(
                "/api/v1/vendors/invitations/accept",
                None,
                json!({ "token": token, "name": "Rina", "password": "short" }),
            )
            .await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["password"]);
        let joined = app
            .post(
                "/api/v1/vendors/invitations/accept",
                None,
                json!({ "token": token, "name": "Rina", "password": PASSWORD }),
            )
            .await
            .expect(201);
        assert_eq!(joined["roles"], json!(["vendor_staff"]));
        assert_eq!(joined["organization_id"], v.as_str());
        app.post(
            "/api/v1/vendors/invitations/accept",
            None,
            json!({ "token": token, "name": "Rina", "password": PASSWORD }),
        )
        .await
        .expect_problem(422, "validation_failed");

        // Staff work on the vendor, but do not manage the team.
        let staff = app.login("rina@tim.test", PASSWORD).await;
        app.request("PATCH", &format!("/api/v1/vendors/{v}"), Some(&staff), Some(json!({ "trade_name": "Tim Jaya" })))
            .await
            .expect(200);
        app.multipart(
            "POST",
            &format!("/api/v1/vendors/{v}/documents"),
            &staff,
            &[("kind", "nib")],
            Some(("n.pdf", "application/pdf", PDF)),
        )
        .await
        .expect(201);
        app.post(&staff_path, Some(&staff), json!({ "email": "more@tim.test" })).await.expect_problem(403, "forbidden");
        let team = app.get(&staff_path, Some(&staff)).await.expect(200);
        assert_eq!(team["members"].as_array().unwrap().len(), 2);
        let rina = joined["id"].as_str().unwrap();
        app.request("DELETE", &format!("{staff_path}/{rina}"), Some(&staff), None)
            .await
            .expect_problem(403, "forbidden");
        app.get(&format!("/api/v1/vendors/{other}/staff"), Some(&staff)).await.expect_problem(404, "not_found");

        // The owner removes them: their token stops working at once.
        let owner_id = app.get("/api/v1/me", Some(&owner)).await.expect(200)["id"].as_str().unwrap().to_owned();
        app.request("DELETE", &format!("{staff_path}/{owner_id}"), Some(&owner), None)
            .await
            .expect_problem(403, "forbidden");
        app.request("DELETE", &format!("/api/v1/vendors/{other}/staff/{rina}"), Some(&other_owner), None)
            .await
            .expect_problem(404, "not_found");
        app.request("DELETE", &format!("{staff_path}/{rina}"), Some(&owner), None).await.expect(204);
        app.get("/api/v1/me", Some(&staff)).await.expect_problem(401, "invalid_token");
    }
}

#[actix_web::test]
async fn curation_decisions_cannot_be_doubled_or_skipped() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let admin = w.admin.clone();
        app.create_platform_user(&admin, "curator2@pasar.test", &["curator"]).await;
        let second = app.login("curator2@pasar.test", PASSWORD).await;
        let (v, t) = app.register_vendor("race@vendor.test", "UD Balapan", "ud").await;
        app.complete_vendor(&v, &t, "9120001052199").await;
        app.post(&format!("/api/v1/vendors/{v}/submit"), Some(&t), json!({})).await.expect(200);

        // Reinstating is only for a suspended vendor; it must not approve one in review.
        app.post(&format!("/api/v1/vendors/{v}/reinstate"), Some(&admin), json!({ "reason": "x" }))
            .await
            .expect_problem(409, "invalid_state");

        // Two curators claim at once: exactly one wins.
        let (a, b) = futures_util::future::join(
            app.post(&format!("/api/v1/vendors/{v}/claim"), Some(w.token("curator")), json!({})),
            app.post(&format!("/api/v1/vendors/{v}/claim"), Some(&second), json!({})),
        )
        .await;
        let wins = [a.status, b.status].iter().filter(|s| **s == 200).count();
        assert_eq!(wins, 1, "[{}] {} and {}", app.name(), a.status, b.status);
        let (winner, loser) = if a.status == 200 {
            (w.token("curator").to_owned(), second.clone())
        } else {
            (second.clone(), w.token("curator").to_owned())
        };
        app.post(&format!("/api/v1/vendors/{v}/review"), Some(&loser), json!({ "decision": "approve" }))
            .await
            .expect_problem(409, "invalid_state");
        app.post(&format!("/api/v1/vendors/{v}/reinstate"), Some(&admin), json!({ "reason": "x" }))
            .await
            .expect_problem(409, "invalid_state");
        app.post(&format!("/api/v1/vendors/{v}/review"), Some(&winner), json!({ "decision": "approve" }))
            .await
            .expect(200);

        // Once approved: documents stay private to the vendor and the staff roles.
        let docs = app.get(&format!("/api/v1/vendors/{v}/documents"), Some(&t)).await.expect(200);
        let doc = docs[0]["id"].as_str().unwrap();
        for role in ["pejabat_pengadaan", "ppk", "bendahara", "vendor_owner"] {
            app.get(&format!("/api/v1/vendors/{v}/documents"), Some(w.token(role)))
                .await
                .expect_problem(404, "not_found");
            app.get(&format!("/api/v1/vendors/{v}/documents/{doc}/file"), Some(w.token(role)))
                .await
                .expect_problem(404, "not_found");
        }
        let (status, _, _) = app.download(&format!("/api/v1/vendors/{v}/documents/{doc}/file"), &t).await;
        assert_eq!(status, 200);
    }
}

#[actix_web::test]
async fn an_abandoned_claim_passes_to_another_curator() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        app.create_platform_user(&w.admin, "curator2@pasar.test", &["curator"]).await;
        let (v, t) = app.register_vendor("slow@vendor.test", "UD Menunggu", "ud").await;
        app.complete_vendor(&v, &t, "9120001052177").await;
        app.post(&format!("/api/v1/vendors/{v}/submit"), Some(&t), json!({})).await.expect(200);
        let claim = format!("/api/v1/vendors/{v}/claim");
        let first = app.post(&claim, Some(w.token("curator")), json!({})).await.expect(200);
        assert_eq!(first["status"], "in_review");

        // While the claim holds, nobody else takes the vendor; the queue says until when.
        let second = app.login("curator2@pasar.test", PASSWORD).await;
        let e = app.post(&claim, Some(&second), json!({})).await.expect_problem(409, "invalid_state");
        assert!(e["detail"].as_str().unwrap().contains("until"), "[{}] {e}", app.name());
        let queue = app.get("/api/v1/curation/vendors?status=in_review", Some(&second)).await.expect(200);
        let item = queue["items"].as_array().unwrap().iter().find(|i| i["id"] == v.as_str()).unwrap().clone();
        assert!(item["claim_expires_at"].is_string(), "[{}] {item}", app.name());

        // Four days on (claims hold 72 hours), the second curator takes over and decides;
        // the first may no longer.
        app.advance_days(4);
        let (first, second) =
            (app.login("curator@pasar.test", PASSWORD).await, app.login("curator2@pasar.test", PASSWORD).await);
        app.post(&claim, Some(&second), json!({})).await.expect(200);
        app.post(&format!("/api/v1/vendors/{v}/review"), Some(&first), json!({ "decision": "approve" }))
            .await
            .expect_problem(409, "invalid_state");
        app.post(&format!("/api/v1/vendors/{v}/review"), Some(&second), json!({ "decision": "approve" }))
            .await
            .expect(200);
        // The take-over is in the audit log, naming whom it was taken from.
        let claims: Vec<Option<String>> = {
            use diesel::prelude::*;
            use pasar_db::schema::audit_log;
            audit_log::table
                .filter(audit_log::entity_id.eq(&v).and(audit_log::action.eq("vendor.claim")))
                .order(audit_log::seq.asc())
                .select(audit_log::after_json)
                .load(&mut *app.db())
                .unwrap()
        };
        let after: Vec<serde_json::Value> =
            claims.iter().map(|j| serde_json::from_str(j.as_deref().unwrap()).unwrap()).collect();
        assert_eq!(after.len(), 2, "[{}] {after:?}", app.name());
        assert!(after[0]["taken_over_from"].is_null());
        assert_eq!(after[1]["taken_over_from"], w.user_id("curator"), "[{}] {after:?}", app.name());
    }
}

#[actix_web::test]
async fn staff_cannot_replace_the_bank_account_proof_either() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let (v, owner) = app.register_vendor("owner@bank.test", "UD Bank", "ud").await;
        let admin = app.admin_token().await;
        app.create_user(&admin, &v, "staff@bank.test", &["vendor_staff"]).await;
        let staff = app.login("staff@bank.test", PASSWORD).await;
        let docs = format!("/api/v1/vendors/{v}/documents");
        let proof = app
            .multipart("POST", &docs, &owner, &[("kind", "bank_account")], Some(("rek.pdf", "application/pdf", PDF)))
            .await
            .expect(201);
        app.multipart("POST", &docs, &staff, &[("kind", "bank_account")], Some(("rek.pdf", "application/pdf", PDF)))
            .await
            .expect_problem(403, "forbidden");
        app.multipart(
            "PUT",
            &format!("{docs}/{}", proof["id"].as_str().unwrap()),
            &staff,
            &[],
            Some(("rek.pdf", "application/pdf", PDF)),
        )
        .await
        .expect_problem(403, "forbidden");
        app.multipart("POST", &docs, &staff, &[("kind", "halal")], Some(("h.pdf", "application/pdf", PDF)))
            .await
            .expect(201);
    }
}

#[actix_web::test]
async fn one_address_cannot_register_vendors_without_limit() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let register = |i: usize| json!({ "email": format!("spam{i}@vendor.test"), "password": PASSWORD, "owner_name": "X", "legal_name": format!("UD Spam {i}"), "legal_form": "ud" });
        for i in 0..10 {
            app.post("/api/v1/vendors/register", None, register(i)).await.expect(202);
        }
        let r = app.post("/api/v1/vendors/register", None, register(10)).await;
        assert!(r.header("retry-after").is_some(), "[{}]", app.name());
        r.expect_problem(429, "too_many_requests");
    }
}

#[actix_web::test]
async fn the_facts_p3dn_counts_change_only_through_a_curator() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let curator = w.token("curator").to_owned();
        let (v, t) = app.approved_vendor(&curator, "fakta@shop.test", "UD Fakta", "9120001000201").await;
        let (other, t2) = app.approved_vendor(&curator, "lain@shop.test", "UD Lain", "9120001000202").await;
        let path = format!("/api/v1/vendors/{v}");

        // Capital of Rp8 billion would make the vendor menengah (not UMKK): it waits for the
        // curator while the approved mikro figures stay in force everywhere.
        let patched = app
            .request(
                "PATCH",
                &path,
                Some(&t),
                Some(json!({ "business_capital_idr": 8_000_000_000i64, "contact": { "phone": "0812-1111-2222" } })),
            )
            .await
            .expect(200);
        assert_eq!(patched["business_capital_idr"], 350_000_000, "[{}]", app.name());
        assert_eq!((patched["scale"].as_str(), patched["umkk"].as_bool()), (Some("mikro"), Some(true)));
        assert_eq!(patched["pending_facts"]["proposed"]["business_capital_idr"], 8_000_000_000i64);
        assert_eq!(patched["contact"]["phone"], "+6281211112222", "other fields change at once");
        let public = app.get(&path, None).await.expect(200);
        assert_eq!((public["scale"].as_str(), public["umkk"].as_bool()), (Some("mikro"), Some(true)));
        assert!(public.get("pending_facts").is_none(), "the public sees only what is in force");
        // One proposal at a time.
        app.request("PATCH", &path, Some(&t), Some(json!({ "address": { "region_code": "35.15" } })))
            .await
            .expect_problem(409, "invalid_state");

        // Who sees the queue and who decides.
        let queue = app.get("/api/v1/curation/vendor-facts", Some(&curator)).await.expect(200);
        let items = queue["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "[{}] {queue}", app.name());
        assert_eq!(items[0]["vendor_id"], v.as_str());
        assert_eq!(items[0]["current"]["business_capital_idr"], 350_000_000);
        assert_eq!(items[0]["proposed"]["business_capital_idr"], 8_000_000_000i64);
        app.get("/api/v1/curation/vendor-facts", Some(w.token("auditor"))).await.expect(200);
        app.get("/api/v1/curation/vendor-facts", Some(&t)).await.expect_problem(403, "forbidden");
        app.get("/api/v1/curation/vendor-facts", None).await.expect_problem(401, "unauthenticated");
        let review = format!("{path}/facts/review");
        app.post(&review, Some(&t), json!({ "decision": "approve" })).await.expect_problem(403, "forbidden");
        app.post(&review, Some(&t2), json!({ "decision": "approve" })).await.expect_problem(403, "forbidden");
        app.post(&review, Some(w.token("auditor")), json!({ "decision": "approve" }))
            .await
            .expect_problem(403, "forbidden");
        app.post(&format!("/api/v1/vendors/{other}/facts/review"), Some(&curator), json!({ "decision": "approve" }))
            .await
            .expect_problem(409, "invalid_state");
        let r = app.post(&review, Some(&curator), json!({ "decision": "reject" })).await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "reason");

        // Rejected: nothing changes, and the owner learns why.
        let rejected = app
            .post(
                &review,
                Some(&curator),
                json!({ "decision": "reject", "reason": "Akta perubahan modal belum dilampirkan" }),
            )
            .await
            .expect(200);
        assert_eq!(rejected["business_capital_idr"], 350_000_000);
        assert!(rejected["pending_facts"].is_null());
        let own = app.get(&path, Some(&t)).await.expect(200);
        assert_eq!(own["facts_review_note"], "Akta perubahan modal belum dilampirkan");
        assert!(app.mails_to("fakta@shop.test").iter().any(|m| m.subject.contains("was not approved")));

        // Becoming a koperasi: approved, and only the change the curator looked at.
        let proposed =
            app.request("PATCH", &path, Some(&t), Some(json!({ "legal_form": "koperasi" }))).await.expect(200);
        assert_eq!(proposed["legal_form"], "ud");
        let seen = proposed["pending_facts"]["submitted_at"].clone();
        app.post(&review, Some(&curator), json!({ "decision": "approve", "submitted_at": "2020-01-01T00:00:00Z" }))
            .await
            .expect_problem(409, "invalid_state");
        let approved =
            app.post(&review, Some(&curator), json!({ "decision": "approve", "submitted_at": seen })).await.expect(200);
        assert_eq!((approved["legal_form"].as_str(), approved["umkk"].as_bool()), (Some("koperasi"), Some(true)));
        assert_eq!(app.get(&path, None).await.expect(200)["legal_form"], "koperasi");

        let actions: Vec<String> = pasar_db::audit::for_entity(&mut app.db(), "vendor", &v)
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .filter(|a| a.starts_with("vendor.facts"))
            .collect();
        assert_eq!(actions, vec!["vendor.facts_reject", "vendor.facts_approve"], "[{}]", app.name());
        // A vendor still in draft changes its facts directly.
        let (draft, td) = app.register_vendor("draf@shop.test", "UD Draf", "ud").await;
        let d = app
            .request(
                "PATCH",
                &format!("/api/v1/vendors/{draft}"),
                Some(&td),
                Some(json!({ "legal_form": "cv", "business_capital_idr": 1_000 })),
            )
            .await
            .expect(200);
        assert_eq!((d["legal_form"].as_str(), d["business_capital_idr"].as_i64()), (Some("cv"), Some(1_000)));
        assert!(d["pending_facts"].is_null());
    }
}

#[actix_web::test]
async fn a_taken_email_registers_nothing_and_tells_its_owner() {
    use diesel::prelude::*;
    let sink = SmtpSink::start();
    for backend in backends() {
        let app = TestApp::start(backend, Options { smtp_url: Some(sink.url()), ..Options::default() }).await;
        let email = format!("siti-{}@batik.test", app.name());
        let register = |email: &str, password: &str, legal_name: &str| json!({ "email": email, "password": password, "owner_name": "Siti", "legal_name": legal_name, "legal_form": "ud" });
        let fresh = app.post("/api/v1/vendors/register", None, register(&email, PASSWORD, "UD Batik Siti")).await;
        let count = |app: &TestApp| -> (i64, i64, i64) {
            use pasar_db::schema::{organizations, users, vendors};
            let mut conn = app.db();
            (
                users::table.count().get_result(&mut *conn).unwrap(),
                organizations::table.count().get_result(&mut *conn).unwrap(),
                vendors::table.count().get_result(&mut *conn).unwrap(),
            )
        };
        let before = count(&app);

        // Again, with the address in capitals, another password and another business.
        let upper = email.to_uppercase();
        let taken =
            app.post("/api/v1/vendors/register", None, register(&upper, "an intruder's password", "CV Lain")).await;
        assert_eq!((fresh.status, taken.status), (202, 202), "[{}] {}", app.name(), taken.body);
        assert_eq!(fresh.body, taken.body, "the same answer, word for word");
        assert_eq!(fresh.header("location"), taken.header("location"));
        assert_eq!(fresh.header("content-length"), taken.header("content-length"));
        assert_eq!(count(&app), before, "[{}] nothing was created", app.name());

        // The account's owner is told, and how to get in.
        let notice = |m: &pasar_tests::smtp::Received| {
            m.to == vec![email.clone()] && m.subject() == Some("[Pasar] Someone tried to register with your address")
        };
        app.eventually(20, "the notice to the owner", || sink.received().iter().any(notice)).await;
        let text = sink.received().into_iter().find(notice).unwrap().text();
        assert!(text.contains("log in") && text.contains("/lupa-sandi"), "{text}");
        assert!(!text.contains("an intruder's password"));
        // One verification mail in all: the second registration sent none.
        let verifications = app.mails_to(&email).iter().filter(|m| m.subject.contains("Confirm your email")).count();
        assert_eq!(verifications, 1);

        // The account is unchanged: the first password works, the second does not.
        app.login(&email, PASSWORD).await;
        app.post("/api/v1/auth/login", None, json!({ "email": email, "password": "an intruder's password" }))
            .await
            .expect_problem(401, "invalid_credentials");
    }
}
