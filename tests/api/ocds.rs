//! The open-contracting feed, on both databases: an order's releases appear as its
//! Surat Pesanan is signed and countersigned, an addendum accepted, its VA paid and the
//! order completed; the feed pages by date through `links.next`; a record compiles;
//! nothing about a person leaks; bad parameters are named.

use pasar_tests::snap::TestBank;
use pasar_tests::{backends, Options, TestApp, World};
use serde_json::{json, Value};

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";
const PRICE: i64 = 450_000;

fn options(bank: &TestBank) -> Options {
    let mut p = pasar_tests::default_config().payments;
    p.banks = vec![bank.config("jatim", "8808")];
    Options { payments: Some(p), ..Options::default() }
}

struct Market {
    w: World,
    vendor: String,
    vendor_id: String,
    curator: String,
    product: String,
}

async fn market(app: &TestApp) -> Market {
    let w = World::build(app).await;
    let curator = w.token("curator").to_owned();
    let (vendor_id, vendor) = app.approved_vendor(&curator, "jual@toko.test", "UD Tenun Ikat", "9120002000101").await;
    let body = json!({
        "name": "Kain Tenun Ikat", "category_id": BATIK, "unit": "pcs", "unit_price_idr": PRICE, "stock": 100,
        "local_content": { "certificate": "TKDN-77/2026", "tkdn_bp": 4567, "bmp_bp": 1000, "valid_until": "2030-01-01" },
    });
    let p = app.post("/api/v1/products", Some(&vendor), body).await.expect(201);
    let product = p["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/products/{product}/submit"), Some(&vendor), json!({})).await.expect(200);
    app.post(&format!("/api/v1/products/{product}/review"), Some(&curator), json!({ "decision": "approve" }))
        .await
        .expect(200);
    Market { w, vendor, vendor_id, curator, product }
}

/// An order of satker A for `qty` units, checked out (not yet approved).
async fn checked_out(app: &TestApp, m: &Market, qty: i64) -> String {
    let pp = m.w.token("pejabat_pengadaan");
    app.request("PUT", &format!("/api/v1/cart/lines/{}", m.product), Some(pp), Some(json!({ "quantity": qty })))
        .await
        .expect(200);
    let checkout = json!({
        "method": "e_purchasing", "rup_code": "45678912", "budget_line": "5.1.02.01.01.0024",
        "funding_source": "apbd", "delivery_address": "SDN Kranggan 1, Jl. Kranggan 5, Mojokerto",
        "delivery_date": "2027-01-15", "ppk_id": m.w.user_id("ppk"), "note": "Hubungi Bu Sri 0813-1111-2222",
    });
    let key = uuid::Uuid::now_v7().to_string();
    let out = app
        .request_with("POST", "/api/v1/checkout", Some(pp), &[("idempotency-key", key.as_bytes())], Some(checkout))
        .await
        .expect(201);
    out["orders"][0]["id"].as_str().unwrap().to_owned()
}

/// The whole feed, page by page through `links.next` (`limit` per page).
async fn whole_feed(app: &TestApp, limit: u32) -> (Vec<Value>, usize) {
    let mut path = format!("/api/v1/ocds/releases?limit={limit}");
    let (mut all, mut pages) = (Vec::new(), 0);
    loop {
        let page = app.get(&path, None).await.expect(200);
        pages += 1;
        assert!(page["releases"].as_array().unwrap().len() <= limit as usize);
        all.extend(page["releases"].as_array().unwrap().iter().cloned());
        let Some(next) = page["links"]["next"].as_str() else { break };
        // The link is absolute (server.public_url); follow its path and query here.
        path = next[next.find("/api/").unwrap()..].to_owned();
        assert!(pages < 50, "the feed does not end");
    }
    (all, pages)
}

fn ids(releases: &[Value]) -> Vec<String> {
    releases.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn each_event_of_an_order_is_a_release_and_the_record_compiles() {
    for backend in backends() {
        let bank = TestBank::new();
        let app = TestApp::start(backend, options(&bank)).await;
        let m = market(&app).await;
        let (ppk, vendor) = (m.w.token("ppk").to_owned(), m.vendor.clone());
        let id = checked_out(&app, &m, 3).await;
        let o = format!("/api/v1/orders/{id}");
        let ocid = format!("ocds-pasar0-{id}");
        let feed = "/api/v1/ocds/releases?limit=100";

        // Nothing is published before the Surat Pesanan.
        app.advance_secs(6);
        let empty = app.get(feed, None).await.expect(200);
        assert_eq!(empty["releases"], json!([]), "[{}]", app.name());
        assert_eq!(empty["version"], "1.1");
        assert!(empty["links"]["next"].is_null());
        app.get(&format!("/api/v1/ocds/records/{ocid}"), None).await.expect_problem(404, "not_found");

        // The Surat Pesanan: award and contract, once it has settled.
        app.post(&format!("{o}/approve"), Some(&ppk), json!({})).await.expect(200);
        assert_eq!(app.get(feed, None).await.expect(200)["releases"], json!([]), "not yet settled");
        app.advance_secs(6);
        let page = app.get(feed, None).await.expect(200);
        let r = &page["releases"][0];
        assert_eq!(page["releases"].as_array().unwrap().len(), 1, "{page}");
        assert_eq!(r["ocid"], ocid);
        assert_eq!(r["id"], format!("{ocid}-contract"));
        assert_eq!(r["tag"], json!(["award", "contract"]));
        assert_eq!(r["initiationType"], "tender");
        assert_eq!(r["tender"]["procurementMethod"], "direct");
        assert_eq!(r["buyer"]["id"], m.w.satker_a);
        let parties = r["parties"].as_array().unwrap();
        let buyer = parties.iter().find(|p| p["id"] == m.w.satker_a).unwrap();
        assert_eq!(buyer["name"], "SDN Kranggan 1");
        assert_eq!(buyer["roles"], json!(["buyer", "procuringEntity", "payer"]));
        assert_eq!(buyer["parentOrganizations"][0]["name"], "Dinas Pendidikan");
        assert_eq!(buyer["parentOrganizations"][1]["name"], "Pemerintah Kota Mojokerto");
        let supplier = parties.iter().find(|p| p["id"] == m.vendor_id).unwrap();
        assert_eq!(supplier["name"], "UD Tenun Ikat");
        assert_eq!(supplier["roles"], json!(["supplier", "payee"]));
        assert_eq!(supplier["details"]["scale"], "micro");
        let contract = &r["contracts"][0];
        let sp = app.get(&o, Some(&ppk)).await.expect(200)["sp_number"].as_str().unwrap().to_owned();
        assert_eq!(contract["id"], sp);
        assert_eq!(contract["status"], "pending");
        assert_eq!(contract["value"], json!({ "amount": 3 * PRICE, "currency": "IDR" }));
        let item = &contract["items"][0];
        assert_eq!(item["quantity"], 3);
        assert_eq!(item["unit"]["value"]["amount"], PRICE);
        let local = &item["localContent"];
        assert_eq!(local["tkdnPercentage"], 45.67);
        assert_eq!(local["bmpPercentage"], 10.0);
        assert_eq!(local["pdnClass"], "pdn");
        assert_eq!(local["umkk"], true);
        assert_eq!(local["localVendor"], true);
        assert_eq!(local["vendorScale"], "mikro");
        assert_eq!(local["vendorRegionCode"], "35.76.01");
        assert_eq!(local["tkdnCertificateNumber"], "TKDN-77/2026");
        assert_eq!(r["awards"][0]["items"], contract["items"]);
        assert!(page["extensions"][0].as_str().unwrap().ends_with("/api/v1/ocds/extension/extension.json"));

        // Countersigned, amended (3 → 4 units, later delivery), delivered, paid.
        app.post(&format!("{o}/accept"), Some(&vendor), json!({})).await.expect(200);
        let addendum = json!({ "lines": [{ "line": 1, "quantity": 4 }], "delivery_date": "2027-02-01",
                               "reason": "Tambahan satu kelas" });
        app.post(&format!("{o}/addenda"), Some(&ppk), addendum).await.expect(200);
        app.post(&format!("{o}/addenda/2/accept"), Some(&vendor), json!({})).await.expect(200);
        app.post(&format!("{o}/shipments"), Some(&vendor), json!({ "lines": [{ "line": 1, "quantity": 4 }] }))
            .await
            .expect(200);
        let receipt = json!({ "lines": [{ "line": 1, "accepted_quantity": 4, "condition": "good" }] });
        app.post(&format!("{o}/receipt"), Some(&ppk), receipt).await.expect(200);
        app.post(&format!("{o}/bast"), Some(&ppk), json!({ "bast_number": "BAST-RAHASIA-1" })).await.expect(200);
        app.post(&format!("{o}/bast/countersign"), Some(&vendor), json!({})).await.expect(200);
        let va = app.post(&format!("{o}/virtual-account"), Some(m.w.token("bendahara")), json!({})).await.expect(201);
        let number = va["virtual_account_no"].as_str().unwrap().to_owned();
        let amount = va["amount_idr"].as_i64().unwrap();
        assert_eq!(bank.pay(&app, &number, amount).await["responseCode"], "2002500");
        let va_id = va["id"].as_str().unwrap().to_owned();

        // Another order whose vendor declines the Surat Pesanan: cancelled after it.
        let declined = checked_out(&app, &m, 1).await;
        app.post(&format!("/api/v1/orders/{declined}/approve"), Some(&ppk), json!({})).await.expect(200);
        app.post(&format!("/api/v1/orders/{declined}/decline"), Some(&vendor), json!({ "reason": "Stok habis" }))
            .await
            .expect(200);
        app.advance_secs(6);

        let (all, _) = whole_feed(&app, 100).await;
        let declined_ocid = format!("ocds-pasar0-{declined}");
        assert_eq!(
            ids(&all),
            vec![
                format!("{ocid}-contract"),
                format!("{ocid}-signed"),
                format!("{ocid}-amendment-2"),
                format!("{ocid}-payment-{va_id}"),
                format!("{ocid}-completed"),
                format!("{declined_ocid}-contract"),
                format!("{declined_ocid}-cancelled"),
            ],
            "[{}]",
            app.name()
        );
        let dates: Vec<&str> = all.iter().map(|r| r["date"].as_str().unwrap()).collect();
        let mut sorted = dates.clone();
        sorted.sort_by_key(|d| chrono::DateTime::parse_from_rfc3339(d).unwrap());
        assert_eq!(dates, sorted, "oldest first");
        assert_eq!(all[1]["tag"], json!(["contractUpdate"]));
        assert_eq!(all[1]["contracts"][0]["status"], "active");
        assert!(all[1]["contracts"][0]["dateSigned"].is_string());
        let amended = &all[2]["contracts"][0];
        assert_eq!(all[2]["tag"], json!(["contractAmendment"]));
        assert_eq!(amended["value"]["amount"], 4 * PRICE);
        assert_eq!(amended["items"][0]["quantity"], 4);
        assert_eq!(amended["amendments"][0]["rationale"], "Tambahan satu kelas");
        assert_eq!(amended["amendments"][0]["amendsReleaseID"], format!("{ocid}-contract"));
        assert_eq!(amended["amendments"][0]["releaseID"], format!("{ocid}-amendment-2"));
        assert!(amended["period"]["endDate"].as_str().unwrap().starts_with("2027-02-01"));
        let tx = &all[3]["contracts"][0]["implementation"]["transactions"][0];
        assert_eq!(all[3]["tag"], json!(["implementation"]));
        assert_eq!(tx["value"], json!({ "amount": amount, "currency": "IDR" }));
        assert_eq!(tx["payer"]["id"], m.w.satker_a);
        assert_eq!(tx["payee"]["id"], m.vendor_id);
        assert_eq!(all[4]["tag"], json!(["contractTermination"]));
        assert_eq!(all[6]["tag"], json!(["awardCancellation", "contractUpdate"]));
        assert_eq!(all[6]["contracts"][0]["status"], "cancelled");

        // Paging: two at a time gives the same releases, in the same order.
        let (paged, pages) = whole_feed(&app, 2).await;
        assert_eq!(ids(&paged), ids(&all));
        assert_eq!(pages, 4);
        // `since` starts later: the payment and after.
        let since = all[3]["date"].as_str().unwrap();
        let later = app.get(&format!("{feed}&since={}", since.replace('+', "%2B")), None).await.expect(200);
        assert_eq!(ids(later["releases"].as_array().unwrap()), ids(&all[3..]));

        // The record: every release of the order and their compilation.
        let rec = app.get(&format!("/api/v1/ocds/records/{ocid}"), None).await.expect(200);
        let record = &rec["records"][0];
        assert_eq!(record["ocid"], ocid);
        assert_eq!(ids(record["releases"].as_array().unwrap()), ids(&all[..5]));
        let c = &record["compiledRelease"];
        assert_eq!(c["tag"], json!(["compiled"]));
        assert_eq!(c["ocid"], ocid);
        assert_eq!(c["parties"].as_array().unwrap().len(), 2);
        assert_eq!(c["awards"][0]["status"], "active");
        assert_eq!(c["awards"][0]["value"]["amount"], 3 * PRICE, "awarded as signed");
        let cc = &c["contracts"][0];
        assert_eq!(cc["status"], "terminated");
        assert_eq!(cc["value"]["amount"], 4 * PRICE);
        assert_eq!(cc["items"][0]["quantity"], 4);
        assert_eq!(cc["items"][0]["localContent"]["pdnClass"], "pdn");
        assert_eq!(cc["amendments"].as_array().unwrap().len(), 1);
        assert_eq!(cc["implementation"]["transactions"].as_array().unwrap().len(), 1);
        assert!(cc["dateSigned"].is_string());
        let declined_rec = app.get(&format!("/api/v1/ocds/records/{declined_ocid}"), None).await.expect(200);
        assert_eq!(declined_rec["records"][0]["compiledRelease"]["awards"][0]["status"], "cancelled");

        // Nothing private: no person, email, phone, address, note, VA number or BAST.
        let text = format!("{all:?}{rec}{declined_rec}");
        for secret in [
            "@",
            "Pemilik",
            "Kranggan 5",
            "Majapahit 17",
            "0812-3456-7890",
            "0813-1111-2222",
            "Bu Sri",
            "01.234.567.8-901.000",
            "0011223344",
            "BAST-RAHASIA",
            number.trim(),
            m.w.user_id("ppk"),
            m.w.user_id("pejabat_pengadaan"),
            "Stok habis",
        ] {
            assert!(!text.contains(secret), "[{}] the feed shows {secret:?}", app.name());
        }
        let _ = &m.curator;
    }
}

#[actix_web::test]
async fn bad_parameters_are_named_and_the_extension_is_served() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let feed = "/api/v1/ocds/releases";
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=lots", "limit"),
            ("cursor=%25%25", "cursor"),
            ("since=yesterday", "since"),
            ("since=2026-13-01", "since"),
        ] {
            let body = app.get(&format!("{feed}?{query}"), None).await.expect_problem(400, "invalid_query");
            assert_eq!(body["errors"][0]["field"], field, "[{}] {query}: {body}", app.name());
        }
        app.get(&format!("{feed}?since=2026-12-01T00:00:00Z&limit=5"), None).await.expect(200);
        // A well-formed cursor this server did not issue starts the feed over.
        app.get(&format!("{feed}?cursor=aGVsbG8"), None).await.expect(200);
        for ocid in [
            "nope",
            "ocds-pasar0-0193a000-0000-7000-8000-000000000031",
            "ocds-zzzzzz-0193a000-0000-7000-8000-000000000031",
        ] {
            app.get(&format!("/api/v1/ocds/records/{ocid}"), None).await.expect_problem(404, "not_found");
        }

        let ext = app.get("/api/v1/ocds/extension/extension.json", None).await.expect(200);
        assert!(ext["name"]["en"].as_str().unwrap().contains("local content"));
        assert!(ext["documentationUrl"]["en"].as_str().unwrap().starts_with("http://127.0.0.1"));
        let schema = app.get("/api/v1/ocds/extension/release-schema.json", None).await.expect(200);
        assert!(schema["definitions"]["LocalContent"]["properties"]["tkdnPercentage"].is_object());
        for listed in ext["codelists"].as_array().unwrap() {
            let r = app.get(&format!("/api/v1/ocds/extension/codelists/{}", listed.as_str().unwrap()), None).await;
            assert_eq!(r.status, 200, "{listed}");
        }
        app.get("/api/v1/ocds/extension/secret.txt", None).await.expect_problem(404, "not_found");
    }
}
