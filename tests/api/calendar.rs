//! The working-day calendar (`/api/v1/calendar/holidays`) and the marketplace's time
//! zone: who may read and change the holidays, what bad input gets, that the 2026 list is
//! seeded and that an administrator's edits outlive a restart; and that validity dates
//! end at midnight of `marketplace.time_zone`.

use chrono::{NaiveDate, NaiveTime};
use pasar_core::calendar::HolidayKind;
use pasar_core::Zone;
use pasar_db::audit;
use pasar_server::config::HolidayConfig;
use pasar_tests::{backends, Options, TestApp, World, PDF};
use serde_json::{json, Value};

const HOLIDAYS: &str = "/api/v1/calendar/holidays";

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

fn day<'a>(list: &'a Value, date: &str) -> Option<&'a Value> {
    list["items"].as_array().unwrap().iter().find(|h| h["date"] == date)
}

#[actix_web::test]
async fn the_seeded_calendar_is_read_by_any_signed_in_user() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        app.get(&format!("{HOLIDAYS}?year=2026"), None).await.expect_problem(401, "unauthenticated");
        for role in ["ppk", "vendor_owner", "curator", "auditor"] {
            let list = app.get(&format!("{HOLIDAYS}?year=2026"), Some(w.token(role))).await.expect(200);
            assert_eq!(list["year"], 2026, "{}", app.name());
            let items = list["items"].as_array().unwrap();
            let count = |kind: &str| items.iter().filter(|h| h["kind"] == kind).count();
            assert_eq!((count("national_holiday"), count("cuti_bersama")), (17, 8), "{}: {list}", app.name());
            assert_eq!(day(&list, "2026-08-17").unwrap()["name"], "Proklamasi Kemerdekaan");
            assert_eq!(day(&list, "2026-03-21").unwrap()["kind"], "national_holiday");
            assert_eq!(day(&list, "2026-03-23").unwrap()["kind"], "cuti_bersama");
            assert_eq!(day(&list, "2026-12-24").unwrap()["source"], "configuration");
            assert!(day(&list, "2026-12-23").is_none());
            let dates: Vec<&str> = items.iter().map(|h| h["date"].as_str().unwrap()).collect();
            assert!(dates.windows(2).all(|p| p[0] < p[1]), "in date order: {dates:?}");
        }
        let y2027 = app.get(&format!("{HOLIDAYS}?year=2027"), Some(w.token("ppk"))).await.expect(200);
        assert_eq!(day(&y2027, "2027-03-10").unwrap()["kind"], "national_holiday");
        assert_eq!(y2027["items"].as_array().unwrap().len(), 26);
        let none = app.get(&format!("{HOLIDAYS}?year=2031"), Some(w.token("ppk"))).await.expect(200);
        assert_eq!(none["items"], json!([]));
        // Without a year: this year where the marketplace is.
        let this = app.get(HOLIDAYS, Some(w.token("ppk"))).await.expect(200);
        let today = Zone::JAKARTA.date(chrono::Utc::now());
        assert_eq!(this["year"], chrono::Datelike::year(&today));
        for bad in ["abc", "1800", "2026.5", ""] {
            let r = app.get(&format!("{HOLIDAYS}?year={bad}"), Some(w.token("ppk"))).await;
            assert_eq!(fields(&r.expect_problem(400, "invalid_query")), vec!["year"], "year={bad}");
        }
        let r = app.get(&format!("{HOLIDAYS}?month=3"), Some(w.token("ppk"))).await;
        r.expect_problem(400, "invalid_query");
    }
}

#[actix_web::test]
async fn only_administrators_change_the_calendar_and_each_change_is_audited() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let w = World::build(&app).await;
        let path = format!("{HOLIDAYS}/2026-11-20");
        let body = json!({ "name": "Hari Jadi Kota Mojokerto", "kind": "national_holiday" });
        for role in ["curator", "auditor", "ppk", "pejabat_pengadaan", "bendahara", "vendor_owner"] {
            let r = app.request("PUT", &path, Some(w.token(role)), Some(body.clone())).await;
            r.expect_problem(403, "forbidden");
            let r = app.request("DELETE", &format!("{HOLIDAYS}/2026-12-24"), Some(w.token(role)), None).await;
            r.expect_problem(403, "forbidden");
        }
        let r = app.request("PUT", &path, None, Some(body.clone())).await;
        r.expect_problem(401, "unauthenticated");

        let created = app.request("PUT", &path, Some(&w.admin), Some(body)).await.expect(201);
        assert_eq!(created["date"], "2026-11-20");
        assert_eq!(created["source"], "administrator");
        let changed = json!({ "name": "Cuti Bersama Hari Jadi", "kind": "cuti_bersama" });
        let updated = app.request("PUT", &path, Some(&w.admin), Some(changed)).await.expect(200);
        assert_eq!(
            (updated["name"].as_str(), updated["kind"].as_str()),
            (Some("Cuti Bersama Hari Jadi"), Some("cuti_bersama"))
        );
        let list = app.get(&format!("{HOLIDAYS}?year=2026"), Some(w.token("ppk"))).await.expect(200);
        assert_eq!(day(&list, "2026-11-20").unwrap()["name"], "Cuti Bersama Hari Jadi");

        app.request("DELETE", &format!("{HOLIDAYS}/2026-12-24"), Some(&w.admin), None).await.expect(204);
        let again = app.request("DELETE", &format!("{HOLIDAYS}/2026-12-24"), Some(&w.admin), None).await;
        again.expect_problem(404, "not_found");
        let list = app.get(&format!("{HOLIDAYS}?year=2026"), Some(w.token("ppk"))).await.expect(200);
        assert!(day(&list, "2026-12-24").is_none());

        let mut conn = app.db();
        let actions = |conn: &mut pasar_db::PooledConn, id: &str| -> Vec<String> {
            audit::for_entity(conn, "holiday", id).unwrap().into_iter().map(|r| r.action).collect()
        };
        assert_eq!(actions(&mut conn, "2026-11-20"), vec!["holiday.set", "holiday.set"], "{}", app.name());
        assert_eq!(actions(&mut conn, "2026-12-24"), vec!["holiday.delete"]);
        let seeded = audit::for_entity(&mut conn, "holiday_year", "2026").unwrap();
        assert_eq!(seeded.len(), 1);
        assert_eq!(seeded[0].action, "holiday.seed");
        let delete = &audit::for_entity(&mut conn, "holiday", "2026-12-24").unwrap()[0];
        assert_eq!(
            delete.actor_id.as_deref(),
            Some(app.get("/api/v1/me", Some(&w.admin)).await.expect(200)["id"].as_str().unwrap())
        );
        assert!(delete.before_json.as_deref().unwrap().contains("Cuti Bersama Kelahiran Yesus Kristus"));
    }
}

#[actix_web::test]
async fn bad_dates_kinds_and_names_are_422s_naming_the_field() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let admin = app.admin_token().await;
        let ok = json!({ "name": "Libur", "kind": "national_holiday" });
        for bad in ["2026-02-30", "20261120", "2026-1-5", "tomorrow", "0000-01-01"] {
            let r = app.request("PUT", &format!("{HOLIDAYS}/{bad}"), Some(&admin), Some(ok.clone())).await;
            assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["date"], "{bad}");
            let r = app.request("DELETE", &format!("{HOLIDAYS}/{bad}"), Some(&admin), None).await;
            assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["date"], "{bad}");
        }
        let path = format!("{HOLIDAYS}/2026-11-20");
        let cases = [
            (json!({ "name": "Libur", "kind": "weekend" }), vec!["kind"]),
            (json!({ "name": "Libur" }), vec!["kind"]),
            (json!({ "kind": "cuti_bersama" }), vec!["name"]),
            (json!({ "name": "   ", "kind": "cuti_bersama" }), vec!["name"]),
            (json!({ "name": "x".repeat(201), "kind": "cuti_bersama" }), vec!["name"]),
            (json!({}), vec!["name", "kind"]),
        ];
        for (body, expected) in cases {
            let r = app.request("PUT", &path, Some(&admin), Some(body.clone())).await;
            assert_eq!(fields(&r.expect_problem(422, "validation_failed")), expected, "{body}");
        }
        let r = app
            .request("PUT", "/api/v1/calendar/holidays/2026-13-01", Some(&admin), Some(json!({ "kind": "x" })))
            .await;
        assert_eq!(fields(&r.expect_problem(422, "validation_failed")), vec!["date", "name", "kind"]);
        let list = app.get(&format!("{HOLIDAYS}?year=2026"), Some(&admin)).await.expect(200);
        assert!(day(&list, "2026-11-20").is_none(), "nothing was stored");
    }
}

#[actix_web::test]
async fn an_administrators_edits_survive_a_restart_and_seeding_never_overwrites_them() {
    for backend in backends() {
        let app = TestApp::start(backend, Options::default()).await;
        let admin = app.admin_token().await;
        app.request("DELETE", &format!("{HOLIDAYS}/2026-12-24"), Some(&admin), None).await.expect(204);
        let renamed = json!({ "name": "HUT Kemerdekaan RI ke-81", "kind": "national_holiday" });
        app.request("PUT", &format!("{HOLIDAYS}/2026-08-17"), Some(&admin), Some(renamed)).await.expect(200);
        // A day of a year the configuration does not list yet, set by hand first.
        let own = json!({ "name": "Set by the administrator", "kind": "cuti_bersama" });
        app.request("PUT", &format!("{HOLIDAYS}/2028-01-03"), Some(&admin), Some(own)).await.expect(201);

        // Restart with the same configuration, plus a 2028 list that names 3 January too.
        let (other, handle) = app
            .start_another(|c| {
                let entry = |date: &str, kind: HolidayKind, name: &str| HolidayConfig {
                    date: date.into(),
                    kind: kind.as_str().into(),
                    name: name.into(),
                };
                c.calendar.holidays.insert(
                    "2028".into(),
                    vec![
                        entry("2028-01-01", HolidayKind::NationalHoliday, "Tahun Baru 2028 Masehi"),
                        entry("2028-01-03", HolidayKind::NationalHoliday, "From the configuration"),
                    ],
                );
            })
            .await;
        let y2026 = app.get_from(&other, &format!("{HOLIDAYS}?year=2026"), Some(&admin)).await.expect(200);
        assert!(day(&y2026, "2026-12-24").is_none(), "{}: the deleted day stays deleted", app.name());
        let aug = day(&y2026, "2026-08-17").unwrap();
        assert_eq!(
            (aug["name"].as_str(), aug["source"].as_str()),
            (Some("HUT Kemerdekaan RI ke-81"), Some("administrator"))
        );
        assert_eq!(y2026["items"].as_array().unwrap().len(), 24);
        let y2028 = app.get_from(&other, &format!("{HOLIDAYS}?year=2028"), Some(&admin)).await.expect(200);
        assert_eq!(day(&y2028, "2028-01-01").unwrap()["source"], "configuration");
        let jan3 = day(&y2028, "2028-01-03").unwrap();
        assert_eq!(
            (jan3["name"].as_str(), jan3["kind"].as_str()),
            (Some("Set by the administrator"), Some("cuti_bersama"))
        );

        // Once loaded, 2028 is the administrators' too: a second restart changes nothing.
        app.request("DELETE", &format!("{HOLIDAYS}/2028-01-01"), Some(&admin), None).await.expect(204);
        handle.stop(true).await;
        let (third, handle) = app
            .start_another(|c| {
                c.calendar.holidays.insert(
                    "2028".into(),
                    vec![HolidayConfig {
                        date: "2028-01-01".into(),
                        kind: "national_holiday".into(),
                        name: "Tahun Baru 2028 Masehi".into(),
                    }],
                );
            })
            .await;
        let y2028 = app.get_from(&third, &format!("{HOLIDAYS}?year=2028"), Some(&admin)).await.expect(200);
        assert!(day(&y2028, "2028-01-01").is_none(), "{}", app.name());
        handle.stop(true).await;
    }
}

/// A document valid until day D is current at 23:30 on D and expired at 00:30 on D + 1,
/// in the marketplace's zone: WIB by default; a WIT marketplace is past midnight two
/// hours earlier.
#[actix_web::test]
async fn validity_dates_end_at_midnight_of_the_marketplace_time_zone() {
    for backend in backends() {
        for (zone, expired_at_2330_wib) in [("Asia/Jakarta", false), ("Asia/Jayapura", true)] {
            let app = TestApp::start(backend, Options { time_zone: Some(zone.into()), ..Options::default() }).await;
            let (vendor, _) = app.register_vendor("owner@batik.test", "UD Batik Majapahit", "ud").await;
            let wib = Zone::JAKARTA;
            // Three days ahead in every Indonesian zone, so the upload is not refused as past.
            let until: NaiveDate = wib.date(chrono::Utc::now()) + chrono::Days::new(3);
            let owner = app.login("owner@batik.test", pasar_tests::PASSWORD).await;
            let until_text = until.to_string();
            let fields = [("kind", "halal"), ("number", "ID35110000123"), ("valid_until", until_text.as_str())];
            app.multipart(
                "POST",
                &format!("/api/v1/vendors/{vendor}/documents"),
                &owner,
                &fields,
                Some(("halal.pdf", "application/pdf", PDF)),
            )
            .await
            .expect(201);
            let expired = |list: &Value| list.as_array().unwrap()[0]["expired"].as_bool().unwrap();

            app.set_now(wib.at(until, NaiveTime::from_hms_opt(23, 30, 0).unwrap()));
            let owner = app.login("owner@batik.test", pasar_tests::PASSWORD).await;
            let list = app.get(&format!("/api/v1/vendors/{vendor}/documents"), Some(&owner)).await.expect(200);
            assert_eq!(expired(&list), expired_at_2330_wib, "{} in {zone}, 23:30 WIB on {until}", app.name());

            app.set_now(wib.at(until + chrono::Days::new(1), NaiveTime::from_hms_opt(0, 30, 0).unwrap()));
            let owner = app.login("owner@batik.test", pasar_tests::PASSWORD).await;
            let list = app.get(&format!("/api/v1/vendors/{vendor}/documents"), Some(&owner)).await.expect(200);
            assert!(expired(&list), "{} in {zone}, 00:30 WIB the day after {until}", app.name());
            // Timestamps stay UTC whatever the zone.
            assert!(list[0]["uploaded_at"].as_str().unwrap().ends_with('Z'), "{list}");
        }
    }
}
