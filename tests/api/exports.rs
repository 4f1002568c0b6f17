//! CSV and XLSX exports of the order list, the invoice list and the order lines, on both
//! databases: the files hold the lists' rows, each caller gets exactly the rows the
//! list shows them, and a bad query is refused naming the parameter.

use pasar_tests::{backends, Options, TestApp, World};
use serde_json::{json, Value};
use std::io::Read;

const BATIK: &str = "0193a000-0000-7000-8000-000000000031";

struct Shop {
    w: World,
    vendor: String,
    vendor_id: String,
    /// a second approved vendor, with no orders of satker A
    vendor_b: String,
    /// a PP and PPK of satker B
    pp_b: String,
    ppk_b_id: String,
}

async fn shop(app: &TestApp) -> Shop {
    let w = World::build(app).await;
    let curator = w.token("curator").to_owned();
    let (vendor_id, vendor) =
        app.approved_vendor(&curator, "jual@ekspor.test", "UD Tenun Ekspor", "9120002000101").await;
    let (_, vendor_b) = app.approved_vendor(&curator, "jual@lain.test", "CV Lain", "9120002000102").await;
    app.create_user(&w.admin, &w.satker_b, "pp@smpn2.test", &["pejabat_pengadaan"]).await;
    let ppk_b_id = app.create_user(&w.admin, &w.satker_b, "ppk@smpn2.test", &["ppk"]).await;
    let pp_b = app.login("pp@smpn2.test", pasar_tests::PASSWORD).await;
    Shop { w, vendor, vendor_id, vendor_b, pp_b, ppk_b_id }
}

/// A published product of the shop's vendor, with its local content.
async fn product(app: &TestApp, s: &Shop, name: &str, price: i64) -> String {
    let body = json!({
        "name": name, "category_id": BATIK, "unit": "pcs", "unit_price_idr": price, "stock": 1000,
        "local_content": { "certificate": "TKDN-77/2026", "tkdn_bp": 4567, "bmp_bp": 1000, "valid_until": "2030-01-01" },
    });
    let p = app.post("/api/v1/products", Some(&s.vendor), body).await.expect(201);
    let id = p["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/products/{id}/submit"), Some(&s.vendor), json!({})).await.expect(200);
    let curator = s.w.token("curator");
    app.post(&format!("/api/v1/products/{id}/review"), Some(curator), json!({ "decision": "approve" }))
        .await
        .expect(200);
    id
}

/// Checks out `lines` (product, quantity) as `pp`, to be approved by `ppk_id`; the order.
async fn order(app: &TestApp, pp: &str, ppk_id: &str, lines: &[(&str, i64)]) -> Value {
    for (product, qty) in lines {
        app.request("PUT", &format!("/api/v1/cart/lines/{product}"), Some(pp), Some(json!({ "quantity": qty })))
            .await
            .expect(200);
    }
    let body = json!({
        "method": "e_purchasing", "rup_code": "45678912", "budget_line": "5.1.02.01.01.0024",
        "funding_source": "apbd", "delivery_address": "=SUM(1,2) Jl. Kranggan 5, Mojokerto",
        "delivery_date": "2027-01-15", "ppk_id": ppk_id,
    });
    let key = uuid::Uuid::now_v7().to_string();
    let out = app
        .request_with("POST", "/api/v1/checkout", Some(pp), &[("idempotency-key", key.as_bytes())], Some(body))
        .await
        .expect(201);
    out["orders"][0].clone()
}

/// Takes the order from the PPK's approval to its invoice.
async fn invoice(app: &TestApp, s: &Shop, id: &str, lines: usize) {
    let ppk = s.w.token("ppk");
    let p = format!("/api/v1/orders/{id}");
    app.post(&format!("{p}/approve"), Some(ppk), json!({})).await.expect(200);
    app.post(&format!("{p}/accept"), Some(&s.vendor), json!({})).await.expect(200);
    let order = app.get(&p, Some(ppk)).await.expect(200);
    let all: Vec<(i64, i64)> = (0..lines)
        .map(|i| (order["lines"][i]["line"].as_i64().unwrap(), order["lines"][i]["quantity"].as_i64().unwrap()))
        .collect();
    let shipped: Vec<Value> = all.iter().map(|(l, q)| json!({ "line": l, "quantity": q })).collect();
    app.post(&format!("{p}/shipments"), Some(&s.vendor), json!({ "lines": shipped })).await.expect(200);
    let received: Vec<Value> =
        all.iter().map(|(l, q)| json!({ "line": l, "accepted_quantity": q, "condition": "good" })).collect();
    app.post(&format!("{p}/receipt"), Some(ppk), json!({ "lines": received })).await.expect(200);
    app.post(&format!("{p}/bast"), Some(ppk), json!({ "bast_number": "BAST/001/2026" })).await.expect(200);
    app.post(&format!("{p}/bast/countersign"), Some(&s.vendor), json!({})).await.expect(200);
}

/// An export: status, headers and bytes.
async fn export(app: &TestApp, path: &str, token: Option<&str>) -> (u16, awc::http::header::HeaderMap, Vec<u8>) {
    let client = awc::Client::default();
    let mut req = client.get(format!("{}{}", app.base, path));
    if let Some(t) = token {
        req = req.insert_header(("authorization", format!("Bearer {t}")));
    }
    let mut resp = req.send().await.expect("request sent");
    let bytes = resp.body().limit(50 << 20).await.expect("body").to_vec();
    (resp.status().as_u16(), resp.headers().clone(), bytes)
}

/// A CSV export's rows, each a map from the header's names to the fields.
async fn csv_rows(app: &TestApp, path: &str, token: &str) -> Vec<std::collections::HashMap<String, String>> {
    let (status, headers, bytes) = export(app, path, Some(token)).await;
    assert_eq!(status, 200, "[{}] {path}: {}", app.name(), String::from_utf8_lossy(&bytes));
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(ct.starts_with("text/csv"), "{ct}");
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let names: Vec<String> = r.headers().expect("a header row").iter().map(str::to_owned).collect();
    r.records()
        .map(|rec| names.iter().cloned().zip(rec.expect("a record").iter().map(str::to_owned)).collect())
        .collect()
}

fn ids(rows: &[std::collections::HashMap<String, String>], column: &str) -> Vec<String> {
    rows.iter().map(|r| r[column].clone()).collect()
}

/// The list's ids, newest first, as `GET /api/v1/orders` pages through them.
async fn list_ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let list = app.get(&format!("/api/v1/orders?limit=100{query}"), Some(token)).await.expect(200);
    assert!(list["next_cursor"].is_null());
    list["items"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect()
}

/// The named part of a ZIP archive, as text.
fn zip_part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a ZIP archive");
    let mut part = zip.by_name(name).unwrap_or_else(|_| panic!("{name} in the archive"));
    let mut text = String::new();
    part.read_to_string(&mut text).expect("UTF-8 XML");
    text
}

#[actix_web::test]
async fn exports_hold_the_rows_of_the_lists_each_caller_may_see() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let s = shop(&app).await;
        let (pp, ppk_id) = (s.w.token("pejabat_pengadaan").to_owned(), s.w.user_id("ppk").to_owned());
        let kain = product(&app, &s, "Kain Tenun Ikat", 450_000).await;
        let selendang = product(&app, &s, "Selendang Tenun", 150_000).await;
        let first = order(&app, &pp, &ppk_id, &[(&kain, 4), (&selendang, 2)]).await;
        let first_id = first["id"].as_str().unwrap().to_owned();
        invoice(&app, &s, &first_id, 2).await;
        let second = order(&app, &pp, &ppk_id, &[(&kain, 1)]).await;
        let second_id = second["id"].as_str().unwrap().to_owned();
        let other = order(&app, &s.pp_b, &s.ppk_b_id, &[(&selendang, 3)]).await;
        let other_id = other["id"].as_str().unwrap().to_owned();

        // The order list: the same rows as GET /api/v1/orders, newest first.
        let rows = csv_rows(&app, "/api/v1/orders/export?format=csv", &pp).await;
        assert_eq!(ids(&rows, "id"), list_ids(&app, &pp, "").await, "[{}]", app.name());
        assert_eq!(ids(&rows, "id"), vec![second_id.clone(), first_id.clone()]);
        let listed = app.get("/api/v1/orders?limit=100", Some(&pp)).await.expect(200);
        for (row, item) in rows.iter().zip(listed["items"].as_array().unwrap()) {
            assert_eq!(row["state"], item["state"].as_str().unwrap());
            assert_eq!(row["total_idr"], item["total_idr"].to_string());
            assert_eq!(row["satker_id"], item["satker_id"].as_str().unwrap());
            assert_eq!(row["vendor_name"], "UD Tenun Ekspor");
            assert_eq!(row["satker_name"], "SDN Kranggan 1");
            assert_eq!(row["delivery_date"], "2027-01-15");
            assert!(row["created_at"].ends_with("+07:00"), "local time with its offset: {}", row["created_at"]);
            // A text a spreadsheet would run as a formula is defused.
            assert!(row["delivery_address"].starts_with("'=SUM"), "{}", row["delivery_address"]);
        }
        assert_eq!(rows[1]["total_idr"], (4 * 450_000 + 2 * 150_000).to_string());
        // Filters are the list's.
        let rows = csv_rows(&app, "/api/v1/orders/export?state=awaiting_ppk_approval", &pp).await;
        assert_eq!(ids(&rows, "id"), list_ids(&app, &pp, "&state=awaiting_ppk_approval").await);
        assert_eq!(ids(&rows, "id"), vec![second_id.clone()]);

        // The order lines, with the facts frozen at the Surat Pesanan.
        let lines = csv_rows(&app, "/api/v1/order-lines/export", &pp).await;
        assert_eq!(lines.len(), 3, "[{}] {lines:?}", app.name());
        let full = app.get(&format!("/api/v1/orders/{first_id}"), Some(&pp)).await.expect(200);
        let mine: Vec<_> = lines.iter().filter(|l| l["order_id"] == first_id).collect();
        assert_eq!(mine.len(), 2);
        for (row, line) in mine.iter().zip(full["lines"].as_array().unwrap()) {
            assert_eq!(row["line"], line["line"].to_string());
            assert_eq!(row["product_name"], line["product_name"].as_str().unwrap());
            assert_eq!(row["quantity"], line["quantity"].to_string());
            assert_eq!(row["unit_price_idr"], line["unit_price_idr"].to_string());
            assert_eq!(row["amount_idr"], line["amount_idr"].to_string());
            assert_eq!(row["tkdn_percent"], "45.67");
            assert_eq!(row["bmp_percent"], "10.00");
            assert_eq!(row["category_id"], BATIK);
            assert!(!row["category_name"].is_empty());
            assert!(!row["pdn_class"].is_empty());
            assert!(["true", "false"].contains(&row["umkk"].as_str()));
            assert!(!row["frozen_at"].is_empty(), "frozen at the Surat Pesanan");
            assert_eq!(row["sp_number"], full["sp_number"].as_str().unwrap());
        }
        let unsigned = lines.iter().find(|l| l["order_id"] == second_id).expect("the second order's line");
        assert_eq!(unsigned["frozen_at"], "", "not frozen before the Surat Pesanan");

        // The invoice list: the orders with an invoice, and the invoice's figures.
        let invoices = csv_rows(&app, "/api/v1/invoices/export", s.w.token("bendahara")).await;
        assert_eq!(ids(&invoices, "order_id"), vec![first_id.clone()], "[{}]", app.name());
        let inv = app.get(&format!("/api/v1/orders/{first_id}/invoice"), Some(&pp)).await.expect(200);
        assert_eq!(invoices[0]["invoice_number"], inv["number"].as_str().unwrap());
        assert_eq!(invoices[0]["payable_idr"], inv["payable"].to_string());
        assert_eq!(invoices[0]["subtotal_idr"], (4 * 450_000 + 2 * 150_000).to_string());
        assert_eq!(invoices[0]["state"], "invoiced");
        assert_eq!(invoices[0]["paid_at"], "");

        // XLSX: a real workbook (a ZIP with the sheet), one row per order plus the header.
        let (status, headers, bytes) = export(&app, "/api/v1/order-lines/export?format=xlsx", Some(&pp)).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        assert_eq!(
            headers.get("content-type").unwrap(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let today = app.now().with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap()).date_naive();
        assert_eq!(
            headers.get("content-disposition").unwrap().to_str().unwrap(),
            format!("attachment; filename=\"rincian-pesanan-{today}.xlsx\"")
        );
        assert!(zip_part(&bytes, "xl/workbook.xml").contains("name=\"Rincian pesanan\""));
        let sheet = zip_part(&bytes, "xl/worksheets/sheet1.xml");
        assert_eq!(sheet.matches("<row ").count(), 1 + 3, "header and three lines");
        assert!(sheet.contains("Kain Tenun Ikat") && sheet.contains("Selendang Tenun"));
        assert!(sheet.contains("<v>0.4567</v>"), "TKDN as a fraction shown as a percentage");
        assert!(zip_part(&bytes, "xl/styles.xml").contains("[$Rp-421]#,##0"), "rupiah formatted");
        let (status, headers, bytes) = export(&app, "/api/v1/orders/export?format=xlsx", Some(&pp)).await;
        assert_eq!(status, 200);
        let disposition = headers.get("content-disposition").unwrap().to_str().unwrap().to_owned();
        assert_eq!(disposition, format!("attachment; filename=\"pesanan-{today}.xlsx\""));
        let sheet = zip_part(&bytes, "xl/worksheets/sheet1.xml");
        assert_eq!(sheet.matches("<row ").count(), 1 + 2);
        assert!(sheet.contains(&first_id) && sheet.contains(&second_id) && !sheet.contains(&other_id));
        let (_, headers, _) = export(&app, "/api/v1/invoices/export", Some(&pp)).await;
        assert_eq!(
            headers.get("content-disposition").unwrap().to_str().unwrap(),
            format!("attachment; filename=\"tagihan-{today}.csv\"")
        );

        // Scope: another satker sees its own order only; another vendor nothing; the
        // vendor its own; an auditor and an administrator everything.
        for path in ["/api/v1/orders/export", "/api/v1/order-lines/export"] {
            let col = if path.contains("lines") { "order_id" } else { "id" };
            let theirs = csv_rows(&app, path, &s.pp_b).await;
            assert_eq!(ids(&theirs, col), vec![other_id.clone()], "[{}] {path}", app.name());
            assert!(csv_rows(&app, path, &s.vendor_b).await.is_empty(), "{path}");
            let vendor = csv_rows(&app, path, &s.vendor).await;
            assert_eq!(vendor.len(), if col == "id" { 3 } else { 4 });
            assert_eq!(csv_rows(&app, path, s.w.token("auditor")).await.len(), vendor.len());
            assert_eq!(csv_rows(&app, path, &s.w.admin).await.len(), vendor.len());
            // A filter naming someone else's satker finds nothing, as the list does.
            let foreign = csv_rows(&app, &format!("{path}?satker_id={}", s.w.satker_a), &s.pp_b).await;
            assert!(foreign.is_empty());
            assert!(list_ids(&app, &s.pp_b, &format!("&satker_id={}", s.w.satker_a)).await.is_empty());
            let foreign = csv_rows(&app, &format!("{path}?vendor_id={}", s.vendor_id), &s.vendor_b).await;
            assert!(foreign.is_empty());
        }
        assert!(csv_rows(&app, "/api/v1/invoices/export", &s.pp_b).await.is_empty());
        assert!(csv_rows(&app, "/api/v1/invoices/export", &s.vendor_b).await.is_empty());
        assert_eq!(csv_rows(&app, "/api/v1/invoices/export", &s.vendor).await.len(), 1);
        // The header row alone still says what the columns are.
        let (_, _, empty) = export(&app, "/api/v1/invoices/export", Some(&s.vendor_b)).await;
        assert!(String::from_utf8(empty).unwrap().starts_with("invoice_number,"));
    }
}

#[actix_web::test]
async fn an_export_names_what_is_wrong_with_its_query_and_refuses_strangers() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let pp = w.token("pejabat_pengadaan");
        for path in ["/api/v1/orders/export", "/api/v1/invoices/export", "/api/v1/order-lines/export"] {
            let field = |q: &str| {
                let app = &app;
                let q = q.to_owned();
                async move {
                    let r = app.get(&format!("{path}?{q}"), Some(pp)).await;
                    r.expect_problem(400, "invalid_query")["errors"][0]["field"].as_str().unwrap().to_owned()
                }
            };
            assert_eq!(field("format=pdf").await, "format", "[{}] {path}", app.name());
            assert_eq!(field("format=xlsx&state=nonsense").await, "state");
            assert_eq!(field("vendor_id=42").await, "vendor_id");
            assert_eq!(field("satker_id=x").await, "satker_id");
            assert_eq!(field("from=2026-13-01").await, "from");
            // Days each well-formed that do not go together: 422.
            let r = app.get(&format!("{path}?from=2026-12-02&to=2026-12-01"), Some(pp)).await;
            assert_eq!(r.expect_problem(422, "validation_failed")["errors"][0]["field"], "to");
            // Who may call: a token is needed; a curator has no orders.
            app.get(path, None).await.expect_problem(401, "unauthenticated");
            app.get(path, Some(w.token("curator"))).await.expect_problem(403, "forbidden");
            // Everyone with orders may export (their own).
            for role in ["pejabat_pengadaan", "ppk", "bendahara", "vendor_owner", "vendor_staff", "auditor"] {
                let (status, _, _) = export(&app, path, Some(w.token(role))).await;
                assert_eq!(status, 200, "{role} {path}");
            }
        }
        // An invoice is never in a state before its invoice.
        let r = app.get("/api/v1/invoices/export?state=cancelled", Some(pp)).await;
        assert_eq!(r.expect_problem(400, "invalid_query")["errors"][0]["field"], "state");
    }
}
