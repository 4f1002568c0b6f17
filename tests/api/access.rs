//! Who may call each account endpoint, and who must get 403 or 404.

use pasar_tests::{backends, Options, TestApp, World};
use serde_json::json;

#[actix_web::test]
async fn only_admins_create_organizations_and_users() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        for role in ["curator", "auditor", "vendor_owner", "vendor_staff", "pejabat_pengadaan", "ppk", "bendahara"] {
            let t = w.token(role);
            app.post("/api/v1/organizations", Some(t), json!({ "kind": "vendor", "name": format!("CV {role}") }))
                .await
                .expect_problem(403, "forbidden");
            let body = json!({ "organization_id": w.satker_a, "email": format!("new-{role}@x.test"), "name": "X",
                               "roles": ["ppk"], "password": "a long enough password" });
            app.post("/api/v1/users", Some(t), body).await.expect_problem(403, "forbidden");
        }
    }
}

#[actix_web::test]
async fn organizations_are_visible_to_staff_roles_and_to_their_own_members_only() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        // Admins, auditors and curators see every organisation (platform + 6).
        for role in ["auditor", "curator"] {
            let page = app.get("/api/v1/organizations?limit=100", Some(w.token(role))).await.expect(200);
            assert_eq!(page["items"].as_array().unwrap().len(), 7, "[{}] {role}", app.name());
        }
        let all = app.get("/api/v1/organizations?limit=100", Some(&w.admin)).await.expect(200);
        assert_eq!(all["items"].as_array().unwrap().len(), 7);

        // Everyone else sees only their own organisation…
        let own = app.get("/api/v1/organizations", Some(w.token("ppk"))).await.expect(200);
        let ids: Vec<&str> = own["items"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec![w.satker_a.as_str()]);
        app.get(&format!("/api/v1/organizations/{}", w.satker_a), Some(w.token("ppk"))).await.expect(200);

        // …and another satker's or vendor's organisation is simply not there.
        app.get(&format!("/api/v1/organizations/{}", w.satker_b), Some(w.token("ppk")))
            .await
            .expect_problem(404, "not_found");
        app.get(&format!("/api/v1/organizations/{}", w.vendor_b), Some(w.token("vendor_owner")))
            .await
            .expect_problem(404, "not_found");
        let foreign = app.get("/api/v1/organizations?kind=vendor", Some(w.token("vendor_owner"))).await.expect(200);
        assert_eq!(foreign["items"].as_array().unwrap().len(), 1, "a vendor sees only itself");
        assert_eq!(foreign["items"][0]["id"], w.vendor_a.as_str());

        // Filters by kind and parent.
        let satkers = app
            .get(&format!("/api/v1/organizations?kind=satker&parent_id={}", w.opd), Some(&w.admin))
            .await
            .expect(200);
        assert_eq!(satkers["items"].as_array().unwrap().len(), 2);

        // Unauthenticated callers see nothing.
        app.get("/api/v1/organizations", None).await.expect_problem(401, "unauthenticated");
    }
}

#[actix_web::test]
async fn users_are_listed_by_admins_and_auditors_and_each_user_sees_themselves() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        for role in ["auditor"] {
            let page = app.get("/api/v1/users?limit=100", Some(w.token(role))).await.expect(200);
            assert_eq!(page["items"].as_array().unwrap().len(), 9, "admin + 8 users");
            let first = &page["items"][0];
            assert!(first.get("password_hash").is_none(), "no hashes over the API");
        }
        for role in ["curator", "vendor_owner", "vendor_staff", "pejabat_pengadaan", "ppk", "bendahara"] {
            app.get("/api/v1/users", Some(w.token(role))).await.expect_problem(403, "forbidden");
        }
        // Oneself: yes. Another user, even in the same satker: not found.
        let me = app.get(&format!("/api/v1/users/{}", w.user_id("ppk")), Some(w.token("ppk"))).await.expect(200);
        assert_eq!(me["roles"], json!(["ppk"]));
        app.get(&format!("/api/v1/users/{}", w.user_id("bendahara")), Some(w.token("ppk")))
            .await
            .expect_problem(404, "not_found");
        app.get(&format!("/api/v1/users/{}", w.user_id("vendor_owner_b")), Some(w.token("vendor_owner")))
            .await
            .expect_problem(404, "not_found");
        app.get(&format!("/api/v1/users/{}", w.user_id("ppk")), Some(w.token("auditor"))).await.expect(200);
        // Filter by organisation.
        let satker_users =
            app.get(&format!("/api/v1/users?organization_id={}", w.satker_a), Some(&w.admin)).await.expect(200);
        assert_eq!(satker_users["items"].as_array().unwrap().len(), 3);
    }
}

#[actix_web::test]
async fn organisation_and_user_rules_name_the_field() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let a = Some(w.admin.as_str());
        // A satker must hang under an OPD, with a region code.
        let r = app
            .post(
                "/api/v1/organizations",
                a,
                json!({ "kind": "satker", "name": "X", "parent_id": w.pemda, "region_code": "35.76" }),
            )
            .await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "parent_id");
        let r = app
            .post(
                "/api/v1/organizations",
                a,
                json!({ "kind": "opd", "name": "Dinas X", "parent_id": w.pemda, "region_code": "35.7" }),
            )
            .await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "region_code");
        let r = app
            .post("/api/v1/organizations", a, json!({ "kind": "kelurahan", "name": "" }))
            .await
            .expect_problem(422, "validation_failed");
        let fields: Vec<&str> = r["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"kind") && fields.contains(&"name"), "every bad field at once: {fields:?}");
        // Same name under the same parent: 409.
        app.post(
            "/api/v1/organizations",
            a,
            json!({ "kind": "opd", "name": "dinas pendidikan", "parent_id": w.pemda, "region_code": "35.76" }),
        )
        .await
        .expect_problem(409, "already_exists");

        // Roles must fit the organisation; emails are unique.
        let r = app
            .post("/api/v1/users", a, json!({ "organization_id": w.vendor_a, "email": "ppk2@x.test", "name": "X", "roles": ["ppk"], "password": "a long enough password" }))
            .await
            .expect_problem(422, "validation_failed");
        assert_eq!(r["errors"][0]["field"], "roles[0]");
        let r = app
            .post("/api/v1/users", a, json!({ "organization_id": w.satker_a, "email": "PPK@sdn1.test", "name": "X", "roles": ["ppk"], "password": "a long enough password" }))
            .await
            .expect_problem(409, "already_exists");
        assert_eq!(r["errors"][0]["field"], "email");
        let r = app
            .post("/api/v1/users", a, json!({ "organization_id": w.satker_a, "email": "x", "name": "X", "roles": ["boss"], "password": "short" }))
            .await
            .expect_problem(422, "validation_failed");
        let fields: Vec<&str> = r["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["email", "password", "roles[0]"]);
    }
}

#[actix_web::test]
async fn admins_deactivate_and_re_role_users_and_that_ends_their_sessions() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let ppk = w.user_id("ppk");
        let path = format!("/api/v1/users/{ppk}");
        let pair = app.login_pair("ppk@sdn1.test", pasar_tests::PASSWORD).await;

        // Only administrators; the caller's own satker colleague cannot.
        app.request("PATCH", &path, Some(w.token("bendahara")), Some(json!({ "active": false })))
            .await
            .expect_problem(403, "forbidden");

        // Re-roling checks the organisation, and ends the user's sessions.
        let r = app.request("PATCH", &path, Some(&w.admin), Some(json!({ "roles": ["vendor_owner"] }))).await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "roles[0]");
        let changed = app
            .request(
                "PATCH",
                &path,
                Some(&w.admin),
                Some(json!({ "roles": ["ppk", "pejabat_pengadaan"], "name": "Sri Wahyuni" })),
            )
            .await
            .expect(200);
        assert_eq!(changed["roles"], json!(["pejabat_pengadaan", "ppk"]));
        assert_eq!(changed["name"], "Sri Wahyuni");
        app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": pair["refresh_token"] }))
            .await
            .expect_problem(401, "invalid_token");

        // Deactivated: no login, no refresh, and `me` says the token no longer stands for anyone.
        let pair = app.login_pair("ppk@sdn1.test", pasar_tests::PASSWORD).await;
        app.request("PATCH", &path, Some(&w.admin), Some(json!({ "active": false }))).await.expect(200);
        app.post("/api/v1/auth/login", None, json!({ "email": "ppk@sdn1.test", "password": pasar_tests::PASSWORD }))
            .await
            .expect_problem(401, "invalid_credentials");
        app.post("/api/v1/auth/refresh", None, json!({ "refresh_token": pair["refresh_token"] }))
            .await
            .expect_problem(401, "invalid_token");
        app.get("/api/v1/me", pair["access_token"].as_str()).await.expect_problem(401, "invalid_token");
        app.get("/api/v1/organizations", pair["access_token"].as_str()).await.expect_problem(401, "invalid_token");
        app.request("PATCH", &path, Some(&w.admin), Some(json!({ "active": true }))).await.expect(200);
        app.login("ppk@sdn1.test", pasar_tests::PASSWORD).await;

        // An administrator cannot lock themselves out; unknown fields and ids are refused.
        let me = app.get("/api/v1/me", Some(&w.admin)).await.expect(200);
        let own = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
        let r = app.request("PATCH", &own, Some(&w.admin), Some(json!({ "active": false }))).await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "active");
        let r = app.request("PATCH", &own, Some(&w.admin), Some(json!({ "roles": ["auditor"] }))).await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "roles");
        let r = app.request("PATCH", &path, Some(&w.admin), Some(json!({ "password_hash": "x" }))).await;
        r.expect_problem(422, "validation_failed");
        app.request(
            "PATCH",
            &format!("/api/v1/users/{}", uuid::Uuid::now_v7()),
            Some(&w.admin),
            Some(json!({ "name": "X" })),
        )
        .await
        .expect_problem(404, "not_found");
    }
}

#[actix_web::test]
async fn a_deactivated_or_demoted_admin_loses_their_rights_at_once() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let second = app.create_platform_user(&w.admin, "admin2@pasar.test", &["admin"]).await;
        let token = app.login("admin2@pasar.test", pasar_tests::PASSWORD).await;
        let org = json!({ "kind": "vendor", "name": "CV Baru" });
        app.post("/api/v1/organizations", Some(&token), org.clone()).await.expect(201);

        // Demoted to auditor: the token still says admin, the database does not.
        app.request("PATCH", &format!("/api/v1/users/{second}"), Some(&w.admin), Some(json!({ "roles": ["auditor"] })))
            .await
            .expect(200);
        app.post("/api/v1/organizations", Some(&token), org.clone()).await.expect_problem(403, "forbidden");
        let fresh = app.login("admin2@pasar.test", pasar_tests::PASSWORD).await;
        app.post("/api/v1/organizations", Some(&fresh), org.clone()).await.expect_problem(403, "forbidden");

        // Deactivated: every endpoint refuses the token at once.
        app.request("PATCH", &format!("/api/v1/users/{second}"), Some(&w.admin), Some(json!({ "active": false })))
            .await
            .expect(200);
        app.get("/api/v1/users", Some(&fresh)).await.expect_problem(401, "invalid_token");
        app.post("/api/v1/organizations", Some(&fresh), org).await.expect_problem(401, "invalid_token");
    }
}
