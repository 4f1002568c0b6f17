//! The marketplace's working-day calendar, kept by administrators: the national holidays
//! and cuti bersama of each year (weekends are implied). Any signed-in user may read it;
//! only administrators change it, each change one transaction with its audit entry. The
//! configured lists (`[calendar.holidays]`) are loaded once per year at start-up
//! ([`seed_year`]), so an administrator's later edits survive restarts.
//!
//! Counting working days is `pasar_core::calendar::WorkingCalendar`, loaded with
//! `pasar_db::calendar::working_calendar`.

use crate::{Actor, AuthError, Role};
use chrono::{DateTime, NaiveDate, Utc};
use pasar_core::calendar::HolidayKind;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::calendar::{self as store, HolidayRow, NewHoliday};
use pasar_db::{write_tx, DbConn};
use serde::{Deserialize, Serialize};

/// Longest holiday name accepted.
pub const MAX_NAME_CHARS: usize = 200;

/// A weekday that is not a working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HolidayView {
    /// `YYYY-MM-DD`, a day of the marketplace's time zone.
    #[schema(value_type = String, format = Date, example = "2026-08-17")]
    pub date: NaiveDate,
    pub name: String,
    pub kind: HolidayKind,
    /// Who last set it: `configuration` (seeded) or `administrator`.
    pub source: String,
    pub updated_at: DateTime<Utc>,
}

impl HolidayView {
    fn from_row(row: HolidayRow) -> Option<HolidayView> {
        Some(HolidayView {
            date: row.date()?,
            kind: HolidayKind::parse(&row.kind).ok()?,
            source: if row.updated_by.is_some() { "administrator" } else { "configuration" }.into(),
            name: row.name,
            updated_at: pasar_db::time::from_db(row.updated_at),
        })
    }
}

/// One year's days off.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HolidayYear {
    pub year: i32,
    /// In date order. A year holds a few dozen at most, so the list is not paged.
    pub items: Vec<HolidayView>,
}

/// A day off as an administrator sets it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayInput {
    /// E.g. `Hari Raya Idul Fitri 1448 H`.
    #[schema(
        required = true,
        value_type = String,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    /// `national_holiday` or `cuti_bersama`.
    #[schema(required = true, value_type = pasar_core::calendar::HolidayKind)]
    pub kind: Option<String>,
}

/// The years a calendar may hold.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

/// Parses a `YYYY-MM-DD` date; the error names `field`.
pub fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, AuthError> {
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) if raw.len() == 10 && YEARS.contains(&chrono::Datelike::year(&d)) => Ok(d),
        _ => Err(AuthError::field(field, "must be a date as YYYY-MM-DD")),
    }
}

/// Checks a year; the error names `year`.
pub fn check_year(year: i32) -> Result<i32, AuthError> {
    if YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(AuthError::field("year", format!("must be between {} and {}", YEARS.start(), YEARS.end())))
    }
}

/// The days off of `year` (any signed-in user).
pub fn list_holidays(conn: &mut DbConn, _actor: &Actor, year: i32) -> Result<HolidayYear, AuthError> {
    let year = check_year(year)?;
    let items = store::in_year(conn, year)?.into_iter().filter_map(HolidayView::from_row).collect();
    Ok(HolidayYear { year, items })
}

fn require_admin(actor: &Actor) -> Result<(), AuthError> {
    if actor.has(Role::Admin) {
        Ok(())
    } else {
        Err(AuthError::Forbidden("Only administrators change the holiday calendar."))
    }
}

fn audit_holiday(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    date: NaiveDate,
    before: Option<&HolidayView>,
    after: Option<&HolidayView>,
) -> Result<(), AuthError> {
    audit::append(
        conn,
        now,
        AuditEntry {
            actor_id: Some(&actor.user_id.to_string()),
            action,
            entity_type: "holiday",
            entity_id: &date.to_string(),
            before: before.and_then(|v| serde_json::to_value(v).ok()),
            after: after.and_then(|v| serde_json::to_value(v).ok()),
            request_id: actor.request_id.as_deref(),
        },
    )?;
    Ok(())
}

/// Makes `date` a national holiday or cuti bersama, or renames or reclassifies it
/// (administrators). Returns the day and whether it is new.
pub fn set_holiday(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    date: &str,
    input: HolidayInput,
) -> Result<(HolidayView, bool), AuthError> {
    require_admin(actor)?;
    let mut errors = Vec::new();
    let date = parse_date("date", date).map_err(|e| errors.extend(pasar_core::ErrorCode::field_errors(&e))).ok();
    let name = input.name.as_deref().map(str::trim).unwrap_or_default().to_owned();
    if name.is_empty() {
        errors.push(pasar_core::FieldError::new("name", "is required"));
    } else if let Err(m) = crate::model::parse_name(&name, MAX_NAME_CHARS) {
        errors.push(pasar_core::FieldError::new("name", m));
    }
    let kind = match input.kind.as_deref() {
        None => {
            errors.push(pasar_core::FieldError::new("kind", "is required"));
            None
        }
        Some(k) => HolidayKind::parse(k).map_err(|m| errors.push(pasar_core::FieldError::new("kind", m))).ok(),
    };
    let (Some(date), Some(kind), true) = (date, kind, errors.is_empty()) else {
        return Err(AuthError::Validation(errors));
    };
    write_tx(conn, |conn| {
        let before = store::find(conn, date)?.and_then(HolidayView::from_row);
        let who = actor.user_id.to_string();
        store::upsert(conn, &NewHoliday { day: date, name: &name, kind }, Some(&who), now)?;
        let after = store::find(conn, date)?.and_then(HolidayView::from_row).ok_or(AuthError::NotFound("holiday"))?;
        audit_holiday(conn, now, actor, "holiday.set", date, before.as_ref(), Some(&after))?;
        Ok((after, before.is_none()))
    })
}

/// Makes `date` a working day again (administrators). A date that is not a day off is
/// not found.
pub fn delete_holiday(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, date: &str) -> Result<(), AuthError> {
    require_admin(actor)?;
    let date = parse_date("date", date)?;
    write_tx(conn, |conn| {
        let before = store::find(conn, date)?.and_then(HolidayView::from_row).ok_or(AuthError::NotFound("holiday"))?;
        store::delete(conn, date)?;
        audit_holiday(conn, now, actor, "holiday.delete", date, Some(&before), None)
    })
}

/// A day of a configured list.
#[derive(Debug, Clone)]
pub struct ConfiguredHoliday {
    pub date: NaiveDate,
    pub name: String,
    pub kind: HolidayKind,
}

/// Loads `year`'s configured list if that year has never been loaded, in one
/// transaction with its audit entry (by the system). Days already in the calendar are
/// kept as they are. Returns how many days were added, or `None` when the year had been
/// loaded before (by this or another instance).
pub fn seed_year(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    year: i32,
    days: &[ConfiguredHoliday],
) -> Result<Option<usize>, AuthError> {
    let rows: Vec<NewHoliday<'_>> =
        days.iter().map(|h| NewHoliday { day: h.date, name: &h.name, kind: h.kind }).collect();
    write_tx(conn, |conn| {
        let Some(added) = store::seed_year(conn, year, &rows, now)? else {
            return Ok(None);
        };
        let after = serde_json::json!({
            "year": year,
            "added": added.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        });
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: None,
                action: "holiday.seed",
                entity_type: "holiday_year",
                entity_id: &year.to_string(),
                before: None,
                after: Some(after),
                request_id: None,
            },
        )?;
        Ok(Some(added.len()))
    })
}
