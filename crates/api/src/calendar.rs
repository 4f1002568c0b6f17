//! `/api/v1/calendar/holidays`: the working-day calendar (national holidays and cuti
//! bersama), read by any signed-in user and kept by administrators.

use crate::extract::{query, ApiJson, AuthUser};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_auth::calendar::{self, HolidayInput, HolidayView, HolidayYear};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/calendar/holidays").route(web::get().to(list_holidays))).service(
        web::resource("/calendar/holidays/{date}")
            .route(web::put().to(set_holiday))
            .route(web::delete().to(delete_holiday)),
    );
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearQuery {
    year: Option<String>,
}

/// The national holidays and cuti bersama of a year (any signed-in user). Weekends are
/// not listed: Saturday and Sunday are never working days.
#[utoipa::path(get, path = "/api/v1/calendar/holidays", tag = "calendar", security(("bearer" = [])),
    params(("year" = Option<i32>, Query, minimum = 1970, maximum = 9999, description = "The year (default: this year in the marketplace's time zone)")),
    responses(
        (status = 200, body = HolidayYear),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_holidays(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: YearQuery = query(&req)?;
    let year = match q.year.as_deref() {
        None => chrono::Datelike::year(&state.vendors.time_zone.date(state.now())),
        Some(raw) => match raw.parse::<i32>().ok().and_then(|y| calendar::check_year(y).ok()) {
            Some(y) => y,
            None => return Err(ApiError::invalid_query("year", "must be a year between 1970 and 9999")),
        },
    };
    let list = state.run(move |conn| calendar::list_holidays(conn, &actor, year)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Make a day a national holiday or cuti bersama, or change its name or kind
/// (administrators).
#[utoipa::path(put, path = "/api/v1/calendar/holidays/{date}", tag = "calendar", security(("bearer" = [])),
    request_body = HolidayInput,
    params(("date" = String, Path, format = Date, pattern = "^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", description = "YYYY-MM-DD, a year from 1970 to 9999")),
    responses(
        (status = 200, description = "Changed", body = HolidayView),
        (status = 201, description = "Added", body = HolidayView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_holiday(
    state: web::Data<AppState>,
    user: AuthUser,
    date: web::Path<String>,
    body: ApiJson<HolidayInput>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(input), date) = (user, body, date.into_inner());
    let now = state.now();
    let (view, created) = state.run(move |conn| calendar::set_holiday(conn, now, &actor, &date, input)).await?;
    Ok(if created { HttpResponse::Created().json(view) } else { HttpResponse::Ok().json(view) })
}

/// Make a day a working day again (administrators).
#[utoipa::path(delete, path = "/api/v1/calendar/holidays/{date}", tag = "calendar", security(("bearer" = [])),
    params(("date" = String, Path, format = Date, pattern = "^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", description = "YYYY-MM-DD, a year from 1970 to 9999")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a day off", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_holiday(
    state: web::Data<AppState>,
    user: AuthUser,
    date: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), date) = (user, date.into_inner());
    let now = state.now();
    state.run(move |conn| calendar::delete_holiday(conn, now, &actor, &date)).await?;
    Ok(HttpResponse::NoContent().finish())
}
