//! Extractors that answer in problem form: a JSON body that names the bad field, the
//! authenticated actor, the client address, and pagination parameters.

use crate::middleware::RequestId;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use pasar_auth::Actor;
use pasar_core::page::PageRequest;
use pasar_core::Code;
use serde::de::DeserializeOwned;
use std::future::ready;

/// A JSON body. Unlike actix's own extractor it says which field is wrong: a syntax
/// error is `400 malformed_json` with the line and column, a missing field or a value
/// of the wrong type is `422 validation_failed` naming the field's path; a body over
/// the limit is `413`, a body that is not JSON `415`.
pub struct ApiJson<T>(pub T);

fn state_of(req: &HttpRequest) -> Result<&AppState, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .map(|d| d.get_ref())
        .ok_or_else(|| ApiError::internal("AppState missing from app data"))
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        Code::PayloadTooLarge,
        format!("The request body is larger than the {limit} bytes this endpoint accepts."),
    )
}

/// Reads a whole body, refusing with 413 (naming `field`, if given) as soon as it
/// passes `limit` bytes, so that no body is ever held beyond the limit.
pub async fn read_limited<S>(mut payload: S, limit: usize, field: Option<&str>) -> Result<Vec<u8>, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::new(Code::MalformedJson, format!("The body could not be read: {e}.")))?;
        if body.len() + chunk.len() > limit {
            let err = too_large(limit);
            return Err(match field {
                Some(f) => err.with_field(f, format!("must be at most {limit} bytes")),
                None => err,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Turns a serde error into a problem naming the field.
pub fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.inner();
    let message = inner.to_string();
    if inner.is_syntax() || inner.is_eof() {
        return ApiError::new(Code::MalformedJson, format!("The body is not valid JSON: {message}."))
            .with_field("body", message);
    }
    // "missing field `email` at line 1 column 20" → field `email` under the path.
    let mut field = if path == "." { String::new() } else { path };
    let mut text = message.split(" at line ").next().unwrap_or(&message).to_owned();
    if let Some(rest) = text.strip_prefix("missing field `") {
        let name = rest.trim_end_matches('`');
        field = if field.is_empty() { name.to_owned() } else { format!("{field}.{name}") };
        text = "is required".into();
    }
    if field.is_empty() {
        field = "body".into();
    }
    ApiError::new(Code::ValidationFailed, format!("The field '{field}' is invalid: {text}.")).with_field(field, text)
}

/// JSON has one number type: `2.0` and `2e3` are whole numbers as much as `2` is (and
/// JSON Schema's `integer` says so), so they are taken where an integer is expected.
fn whole_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // Only where the float stands for exactly one integer.
            if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = json_body::<T>(req, payload);
        Box::pin(async move { body.await.map(|(value, _)| ApiJson(value)) })
    }
}

/// Reads and parses a JSON body as [`ApiJson`] does; gives the raw bytes too.
pub(crate) fn json_body<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<(T, Vec<u8>), ApiError>> {
    let limit = match state_of(req) {
        Ok(s) => s.limits.json_bytes,
        Err(e) => return Box::pin(ready(Err(e))),
    };
    if !is_json(req) {
        return Box::pin(ready(Err(ApiError::new(
            Code::UnsupportedMediaType,
            "Send the body as JSON, with 'Content-Type: application/json'.",
        )
        .with_field("content-type", "must be application/json"))));
    }
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Box::pin(ready(Err(too_large(limit))));
    }
    let payload = payload.take();
    Box::pin(async move {
        let body = read_limited(payload, limit, None).await?;
        let mut de = serde_json::Deserializer::from_slice(&body);
        let mut tree: serde_json::Value = serde_path_to_error::deserialize(&mut de).map_err(json_error)?;
        de.end().map_err(|e| {
            ApiError::new(Code::MalformedJson, format!("The body has more after the JSON value: {e}."))
                .with_field("body", e.to_string())
        })?;
        whole_numbers(&mut tree);
        let value = serde_path_to_error::deserialize(tree).map_err(json_error)?;
        Ok((value, body))
    })
}

/// The caller, from a valid `Authorization: Bearer` access token, checked against the
/// database on every request: a deactivated user, or a token older than the last
/// password change, is refused at once, and roles are today's, not the token's.
pub struct AuthUser(pub Actor);

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let claimed = claimed_actor(req);
        let state = state_of(req).cloned();
        Box::pin(async move {
            let (claimed, issued_at) = claimed?;
            let state = state?;
            let actor = state
                .run(move |conn| pasar_auth::service::current_actor(conn, claimed, issued_at))
                .await
                .map_err(|e| {
                    if e.code == Code::InvalidToken {
                        ApiError::new(
                            Code::InvalidToken,
                            "The access token no longer stands for an active user; log in again.",
                        )
                    } else {
                        e
                    }
                })?;
            Ok(AuthUser(actor))
        })
    }
}

/// The caller when a token is sent; `None` for anonymous callers. A token that is sent
/// but invalid is still refused.
pub struct MaybeAuthUser(pub Option<Actor>);

impl FromRequest for MaybeAuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().get(header::AUTHORIZATION).is_none() {
            return Box::pin(ready(Ok(MaybeAuthUser(None))));
        }
        let fut = AuthUser::from_request(req, payload);
        Box::pin(async move { fut.await.map(|AuthUser(a)| MaybeAuthUser(Some(a))) })
    }
}

fn claimed_actor(req: &HttpRequest) -> Result<(Actor, i64), ApiError> {
    let state = state_of(req)?;
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::new(
            Code::Unauthenticated,
            "Send an access token: 'Authorization: Bearer <token>' (from POST /api/v1/auth/login).",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::new(Code::InvalidToken, "The Authorization header must be 'Bearer <token>'."))?;
    let (mut actor, issued_at) = state.keys.verify(token).ok_or_else(|| {
        ApiError::new(Code::InvalidToken, "The access token is invalid or expired; log in or refresh.")
    })?;
    actor.request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    Ok((actor, issued_at))
}

/// The request id (for audit entries of unauthenticated actions).
pub fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(|r| r.0.clone())
}

/// The client's address, for throttling: the peer; or — only when configured to run
/// behind a reverse proxy — the last `X-Forwarded-For` entry, the one that proxy
/// appended (the entries before it are whatever the client chose to send).
pub fn client_address(req: &HttpRequest) -> Option<String> {
    let trust = state_of(req).map(|s| s.trust_forwarded_for).unwrap_or(false);
    if trust {
        let last = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .last();
        if let Some(ip) = last.and_then(|v| v.parse::<std::net::IpAddr>().ok()) {
            return Some(ip.to_string());
        }
    }
    req.peer_addr().map(|a| a.ip().to_string())
}

/// `?limit=&cursor=` as strings, parsed into a [`PageRequest`] with problems naming
/// the parameter.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items (1–100, default 20).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn parse(&self) -> Result<PageRequest, ApiError> {
        let limit = match self.limit.as_deref() {
            None => None,
            Some(s) => Some(s.parse::<i64>().map_err(|_| ApiError::invalid_query("limit", "must be a whole number"))?),
        };
        PageRequest::parse(limit, self.cursor.as_deref()).map_err(|e| ApiError::invalid_query(e.field, e.message))
    }
}

/// A `YYYY-MM-DD` query parameter; a bad one is a problem naming `name`.
pub fn query_date(value: Option<String>, name: &str) -> Result<Option<chrono::NaiveDate>, ApiError> {
    value
        .map(|s| {
            chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid_query(name, "must be a date, YYYY-MM-DD"))
        })
        .transpose()
}

/// Refuses a body that is not `text/csv`, naming the header.
pub fn require_csv(req: &HttpRequest) -> Result<(), ApiError> {
    let is_csv = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("text/csv"));
    if is_csv {
        Ok(())
    } else {
        Err(ApiError::new(Code::UnsupportedMediaType, "Send the file as text/csv.")
            .with_field("content-type", "must be text/csv"))
    }
}

/// The schema of a string parameter that takes one of `values` (for
/// `#[param(schema_with = …)]`).
pub fn one_of(values: &[&str]) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

/// Query strings whose values are all strings, so that a bad value is reported by the
/// handler (naming the parameter) rather than by the deserialiser.
pub fn query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    serde_urlencoded::from_str(req.query_string())
        .map_err(|e| ApiError::new(Code::InvalidQuery, format!("The query string is malformed: {e}.")))
}

/// Parses a path id; anything that is not a UUID in its hyphenated form (the one the
/// document's `format: uuid` means, and the only one the server hands out) is simply
/// not found.
pub fn path_id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    let not_found = || ApiError::not_found(format!("No such {what}."));
    if raw.len() != 36 {
        return Err(not_found());
    }
    raw.parse().map_err(|_| not_found())
}
