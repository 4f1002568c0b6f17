//! The API's conventions: problem+json for every error, request ids, pagination,
//! health, the OpenAPI document and the docs page.

use pasar_tests::{backends, Options, TestApp, World};
use serde_json::{json, Value};

#[actix_web::test]
async fn every_error_is_problem_json_with_a_stable_code() {
    for backend in backends() {
        let app = TestApp::start(backend, Options { json_limit_bytes: Some(4096), ..Options::default() }).await;
        // Unknown route and wrong method.
        let r = app.get("/api/v1/nothing-here", None).await.expect_problem(404, "not_found");
        assert_eq!(r["detail"], "Nothing is at /api/v1/nothing-here.");
        let r = app.request("DELETE", "/api/v1/auth/login", None, None).await;
        assert_eq!(r.header("allow"), Some("POST"));
        r.expect_problem(405, "method_not_allowed");

        // Malformed JSON: where it broke.
        let r = app.request_raw("POST", "/api/v1/auth/login", "application/json", b"{\"email\": ".to_vec()).await;
        let body = r.expect_problem(400, "malformed_json");
        assert_eq!(body["errors"][0]["field"], "body");
        assert!(body["detail"].as_str().unwrap().contains("line 1 column"), "{body}");

        // JSON followed by anything else.
        let r = app
            .request_raw(
                "POST",
                "/api/v1/auth/login",
                "application/json",
                br#"{"email":"a@b.id","password":"x"} trailing"#.to_vec(),
            )
            .await;
        r.expect_problem(400, "malformed_json");

        // Well-formed but wrong: which field.
        let r = app.post("/api/v1/auth/login", None, json!({ "email": ["a"], "password": "x" })).await;
        let body = r.expect_problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], "email");
        let r = app.post("/api/v1/auth/login", None, json!({ "email": "a@b.id" })).await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "password");

        // Not JSON at all; too large.
        app.request_raw("POST", "/api/v1/auth/login", "text/plain", b"hello".to_vec())
            .await
            .expect_problem(415, "unsupported_media_type");
        let big = json!({ "email": "a@b.id", "password": "x".repeat(10_000) }).to_string().into_bytes();
        app.request_raw("POST", "/api/v1/auth/login", "application/json", big)
            .await
            .expect_problem(413, "payload_too_large");

        // Bad query parameters name the parameter.
        let admin = app.admin_token().await;
        for (q, field) in [
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=ten", "limit"),
            ("cursor=%%%", "cursor"),
            ("cursor=AB", "cursor"),
            ("kind=kelurahan", "kind"),
            ("parent_id=42", "parent_id"),
        ] {
            let r = app.get(&format!("/api/v1/organizations?{q}"), Some(&admin)).await;
            let body = r.expect_problem(400, "invalid_query");
            assert_eq!(body["errors"][0]["field"], field, "{q}");
        }

        // A well-formed cursor this list did not issue is only a position in it.
        app.get("/api/v1/organizations?cursor=AA", Some(&admin)).await.expect(200);

        // An id that is not a UUID (in the hyphenated form the document means) is just
        // not found.
        app.get("/api/v1/organizations/42", Some(&admin)).await.expect_problem(404, "not_found");
        let me = app.get("/api/v1/me", Some(&admin)).await.expect(200);
        let org = me["organization"]["id"].as_str().unwrap().to_owned();
        app.get(&format!("/api/v1/organizations/{org}"), Some(&admin)).await.expect(200);
        let simple = org.replace('-', "");
        app.get(&format!("/api/v1/organizations/{simple}"), Some(&admin)).await.expect_problem(404, "not_found");

        // A whole number is a whole number however JSON writes it.
        // (serde_json writes an f64 3.0 as `3.0`.)
        let body = json!({ "slug": "angka-bulat", "name": "Angka bulat", "position": 3.0 });
        let r = app.request("POST", "/api/v1/categories", Some(&admin), Some(body)).await;
        assert_eq!(r.expect(201)["position"], 3);
        let body = json!({ "slug": "angka-pecahan", "name": "Angka pecahan", "position": 3.5 });
        let r = app.request("POST", "/api/v1/categories", Some(&admin), Some(body)).await;
        assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "position");
    }
}

#[actix_web::test]
async fn request_ids_are_returned_and_echoed() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let r = app.get("/health/live", None).await;
        let id = r.header("x-request-id").expect("request id").to_owned();
        assert!(uuid::Uuid::try_parse(&id).is_ok(), "{id}");
        let r = app.get("/api/v1/nowhere", None).await;
        let header_id = r.header("x-request-id").unwrap().to_owned();
        assert_eq!(r.body["request_id"], header_id.as_str(), "the problem carries the same id as the header");
        // Outside the API, a path that matches nothing is the web pages' 404 page.
        let r = app.get("/nowhere", None).await;
        assert_eq!((r.status, r.header("content-type")), (404, Some("text/html; charset=utf-8")));
        assert!(r.header("x-request-id").is_some());
    }
}

#[actix_web::test]
async fn lists_are_paginated_with_cursors() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let mut seen = Vec::new();
        let mut path = "/api/v1/organizations?limit=3".to_string();
        loop {
            let page = app.get(&path, Some(&w.admin)).await.expect(200);
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 3);
            seen.extend(items.iter().map(|o| o["id"].as_str().unwrap().to_owned()));
            match page["next_cursor"].as_str() {
                Some(c) => path = format!("/api/v1/organizations?limit=3&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 7, "[{}] every organisation exactly once", app.name());
        let mut dedup = seen.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup, seen, "in creation order, no repeats");
    }
}

#[actix_web::test]
async fn health_reports_liveness_and_database_readiness() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let live = app.get("/health/live", None).await.expect(200);
        assert_eq!(live["status"], "ok");
        let ready = app.get("/health/ready", None).await.expect(200);
        assert_eq!(ready["database"], app.name());
    }
}

#[actix_web::test]
async fn the_openapi_document_matches_its_snapshot_and_the_docs_page_is_served() {
    let app = TestApp::start(pasar_db::Backend::Sqlite, Options::default()).await;
    let doc = app.get("/api/v1/openapi.json", None).await.expect(200);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/organizations",
        "/api/v1/organizations/{id}",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/health/ready",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    let snapshot_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&snapshot_path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    }
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(&snapshot_path).expect(
        "tests/snapshots/openapi.json is missing: run `UPDATE_SNAPSHOTS=1 cargo test -p pasar-tests openapi` and review it",
    ))
    .unwrap();
    assert!(
        doc == expected,
        "The API changed. If that was intended, run `UPDATE_SNAPSHOTS=1 cargo test -p pasar-tests openapi` and review the diff of tests/snapshots/openapi.json."
    );

    let page = app.get("/api/docs/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.as_str().unwrap_or_default().contains("swagger"), "the docs page is Swagger UI");
    let r = app.get("/api/docs", None).await;
    assert_eq!(r.status, 308);
}

/// A client generated from the document must be able to search: every search
/// parameter is an optional query parameter, typed and bounded as the server checks it.
#[actix_web::test]
async fn the_search_parameters_are_optional_query_parameters_with_their_bounds() {
    let app = TestApp::start(pasar_db::Backend::Sqlite, Options::default()).await;
    let doc = app.get("/api/v1/openapi.json", None).await.expect(200);
    let params = doc["paths"]["/api/v1/products"]["get"]["parameters"].as_array().expect("parameters").clone();
    let names: Vec<&str> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        pasar_catalog::search::params::PARAMS.to_vec(),
        "the document lists exactly the parameters the server understands"
    );
    for p in &params {
        assert_eq!(p["in"], "query", "{p}");
        assert_ne!(p["required"], true, "{p}");
    }
    let schema = |name: &str| params.iter().find(|p| p["name"] == name).unwrap()["schema"].clone();
    assert_eq!((schema("per_page")["minimum"].clone(), schema("per_page")["maximum"].clone()), (json!(1), json!(100)));
    assert_eq!(schema("page")["maximum"], json!(pasar_catalog::search::params::MAX_PAGE));
    assert_eq!(schema("min_tkdn_bp")["maximum"], json!(10_000));
    assert_eq!(schema("vendor")["format"], "uuid");
    assert_eq!(schema("umkk")["type"], "boolean");
    let sort = &doc["components"]["schemas"]["Sort"]["enum"];
    assert_eq!(sort, &json!(["relevance", "price_asc", "price_desc", "tkdn_desc", "newest"]));

    // And a search built from the document works over HTTP.
    let r = app.get("/api/v1/products?q=kursi&umkk=true&min_tkdn_bp=2500&sort=price_asc&page=1&per_page=5", None).await;
    assert_eq!(r.expect(200)["per_page"], 5);
    // A value outside the document's bounds is refused, naming it.
    let r = app.get("/api/v1/products?page=101", None).await.expect_problem(400, "invalid_query");
    assert_eq!(r["errors"][0]["field"], "page");
    let r = app.get("/api/v1/products?umkk=1", None).await.expect_problem(400, "invalid_query");
    assert_eq!(r["errors"][0]["field"], "umkk");
}

/// Every operation documents the problem replies its shape allows: 401 where a token is
/// taken, 404 where an id is in the path, 400/413/415/422 where a body is read, each as
/// `application/problem+json`; ids are UUIDs and list limits are bounded.
#[actix_web::test]
async fn every_operation_documents_its_problem_replies_and_typed_ids() {
    let app = TestApp::start(pasar_db::Backend::Sqlite, Options::default()).await;
    let doc = app.get("/api/v1/openapi.json", None).await.expect(200);
    let shared = &doc["components"]["responses"];
    for (name, status) in [("Unauthorized", "401"), ("NotFound", "404"), ("ValidationFailed", "422")] {
        assert!(shared[name]["content"]["application/problem+json"]["schema"]["$ref"].is_string(), "{name} {status}");
    }
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let secured = op["security"].as_array().is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if secured {
                assert!(responses.contains_key("401"), "{method} {path} documents 401");
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path} documents {status}");
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    // Ids are UUIDs; a calendar day is a date; an addendum's version a number;
                    // any other string (an OCDS ocid, a file's name) has its shape documented.
                    let format = p["schema"]["format"].as_str();
                    let shaped = p["schema"]["pattern"].is_string() || p["schema"]["enum"].is_array();
                    assert!(
                        matches!(format, Some("uuid" | "date" | "int32")) || shaped,
                        "{method} {path}: {} is {format:?}",
                        p["name"]
                    );
                    assert!(responses.contains_key("404"), "{method} {path} documents 404");
                }
                if p["name"] == "limit" {
                    assert_eq!(p["schema"]["maximum"], 100, "{method} {path}");
                }
            }
            for (status, reply) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let reply = match reply.get("$ref").and_then(Value::as_str) {
                        Some(r) => &shared[r.rsplit('/').next().unwrap()],
                        None => reply,
                    };
                    assert!(
                        reply["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status} is problem+json"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} operations");
}

#[actix_web::test]
async fn a_server_error_is_opaque_but_carries_the_request_id() {
    use diesel::connection::SimpleConnection;
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let admin = app.admin_token().await;
        // Break the database under the running server.
        app.db().batch_execute("DROP TABLE user_roles").unwrap();
        let r = app.get("/api/v1/me", Some(&admin)).await;
        let id = r.header("x-request-id").unwrap().to_owned();
        let body = r.expect_problem(500, "internal");
        assert_eq!(body["request_id"], id.as_str());
        let text = body.to_string();
        assert!(!text.contains("user_roles") && !text.to_lowercase().contains("sql"), "no internals leak: {text}");
    }
}
