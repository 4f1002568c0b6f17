//! `/api/v1/auth/*`, `/api/v1/me`, `/api/v1/organizations`, `/api/v1/users`.

use crate::extract::{client_address, path_id, query, request_id, ApiJson, AuthUser, PageParams};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_auth::model::OrgKind;
use pasar_auth::service::{self, MeView, NewOrganization, NewUser, OrganizationView, TokenPair, UserView};
use pasar_auth::service::{OrganizationFilter, UserFilter};
use pasar_core::id::{OrganizationId, UserId};
use pasar_core::page::Page;
use serde::Deserialize;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/login").route(web::post().to(login)))
        .service(web::resource("/auth/refresh").route(web::post().to(refresh)))
        .service(web::resource("/auth/logout").route(web::post().to(logout)))
        .service(web::resource("/auth/password-reset").route(web::post().to(request_password_reset)))
        .service(web::resource("/auth/password-reset/confirm").route(web::post().to(confirm_password_reset)))
        .service(web::resource("/me").route(web::get().to(me)))
        .service(web::resource("/me/password").route(web::post().to(change_password)))
        .service(
            web::resource("/organizations")
                .route(web::get().to(list_organizations))
                .route(web::post().to(create_organization)),
        )
        .service(web::resource("/organizations/{id}").route(web::get().to(get_organization)))
        .service(web::resource("/users").route(web::get().to(list_users)).route(web::post().to(create_user)))
        .service(web::resource("/users/{id}").route(web::get().to(get_user)).route(web::patch().to(update_user)));
}

fn created<T: serde::Serialize>(location: String, body: &T) -> HttpResponse {
    HttpResponse::Created().insert_header((header::LOCATION, location)).json(body)
}

// --- auth -------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(format = Email, max_length = 254, example = "admin@pasar.example")]
    pub email: String,
    /// At most 1024 bytes.
    #[schema(min_length = 1, max_length = 256)]
    pub password: String,
}

/// Log in with email and password.
///
/// Throttled: after repeated failures for one account from one address, for one
/// account from all addresses together (a higher ceiling), or from one address, further
/// attempts get `429` with `Retry-After` until the lockout ends; repeated lockouts last
/// longer. Guesses from one address do not lock the owner out from another.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Tokens for the session", body = TokenPair),
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed email", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let address = client_address(&req);
    let rid = request_id(&req);
    let st = state.clone();
    let now = state.now();
    let pair = state
        .run(move |conn| {
            let attempt = service::LoginAttempt {
                email: &body.email,
                password: &body.password,
                address: address.as_deref(),
                request_id: rid.as_deref(),
            };
            service::login(conn, &st.auth, &st.keys, now, attempt)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(header::CacheControl(vec![header::CacheDirective::NoStore])).json(pair))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchange a refresh token for a new pair.
///
/// The old refresh token stops working. Presenting it again ends the whole session
/// (someone has a copy).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "Unknown, used, revoked or expired refresh token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(state: web::Data<AppState>, body: ApiJson<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let st = state.clone();
    let now = state.now();
    let pair = state.run(move |conn| service::refresh(conn, &st.auth, &st.keys, now, &body.refresh_token)).await?;
    Ok(HttpResponse::Ok().insert_header(header::CacheControl(vec![header::CacheDirective::NoStore])).json(pair))
}

/// End the session a refresh token belongs to.
///
/// Access tokens already issued stay valid until they expire (minutes).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let rid = request_id(&req);
    let now = state.now();
    state.run(move |conn| service::logout(conn, now, &body.refresh_token, rid.as_deref())).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    #[schema(example = "owner@batikmajapahit.id")]
    pub email: String,
}

/// The answer to a password-reset request, the same for every email address.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PasswordResetRequested {
    #[schema(
        example = "If an account uses this email address, a mail with a link to choose a new password is on its way."
    )]
    pub detail: &'static str,
}

/// Ask for a password-reset mail.
///
/// The answer is the same whether or not an account uses the address, so it tells
/// nobody who has an account. The mail holds a link (and the token, for API clients)
/// valid for `auth.password_reset_ttl_secs`; a newer request replaces the older link.
/// Throttled per email address and per client address.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "Accepted, whether or not the address has an account", body = PasswordResetRequested),
        (status = 422, description = "Not an email address", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests for this address or from this client", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let address = client_address(&req);
    let rid = request_id(&req);
    let st = state.clone();
    let now = state.now();
    let from = address.clone();
    let email = state
        .run(move |conn| service::throttle_password_reset(conn, &st.auth, now, &body.email, from.as_deref()))
        .await?;
    // The answer leaves before the address is looked up, so that how long it takes
    // cannot tell whether an account uses it. The lookup, the token and the mail follow
    // in one transaction of their own.
    let st = state.clone();
    actix_web::rt::spawn(async move {
        let inner = st.clone();
        let rid_log = rid.clone();
        let sent = st
            .run(move |conn| {
                service::send_password_reset(conn, &inner.auth, now, &email, address.as_deref(), rid.as_deref())
            })
            .await;
        if let Err(e) = sent {
            tracing::error!(target: "pasar::auth", request_id = rid_log.as_deref().unwrap_or(""), "password-reset request not processed: {e:?}");
        }
    });
    Ok(HttpResponse::Accepted().json(PasswordResetRequested { detail: service::PASSWORD_RESET_REQUESTED }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetConfirmRequest {
    /// The token from the reset mail.
    pub token: String,
    /// 10 to 128 characters, not the current password.
    pub new_password: String,
}

/// Choose a new password with the token from a reset mail.
///
/// The token works once. Every session of the user ends (refresh tokens and access
/// tokens issued before), login lockouts of the account are lifted, and the user is
/// mailed that the password changed.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = PasswordResetConfirmRequest,
    responses(
        (status = 204, description = "Changed; log in with the new password"),
        (status = 422, description = "Invalid, used or expired `token`, or a weak `new_password`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<PasswordResetConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(body) = body;
    let rid = request_id(&req);
    let st = state.clone();
    let now = state.now();
    state
        .run(move |conn| {
            service::confirm_password_reset(conn, &st.auth, now, &body.token, &body.new_password, rid.as_deref())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who the caller is: user, roles and organisation.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = MeView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let view = state.run(move |conn| service::me(conn, &actor)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    #[schema(min_length = 1, max_length = 256)]
    pub current_password: String,
    /// 10 to 128 characters, not one character repeated, not the current one.
    #[schema(min_length = 10, max_length = 128, pattern = r"^([\s\S])(?!\1*$)")]
    pub new_password: String,
}

/// Change the caller's password. Ends every session of the caller and mails them.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses(
        (status = 429, description = "Too many wrong current passwords; see Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 204, description = "Changed; log in again"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password, or a weak new one", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(body)) = (user, body);
    let st = state.clone();
    let now = state.now();
    state
        .run(move |conn| {
            service::change_password(conn, &st.auth, now, &actor, &body.current_password, &body.new_password)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// --- organisations ------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateOrganizationRequest {
    /// `pemda`, `opd`, `satker` or `vendor`.
    #[schema(schema_with = new_organization_kinds)]
    pub kind: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        example = "Bagian Umum Sekretariat Daerah"
    )]
    pub name: String,
    /// Required for an OPD (its pemda) and a satker (its OPD).
    #[schema(value_type = Option<uuid::Uuid>)]
    pub parent_id: Option<String>,
    /// Kemendagri region code; required for government organisations.
    #[schema(pattern = r"^[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?$", example = "35.76")]
    pub region_code: Option<String>,
}

/// There is one platform organisation, made at first start; the rest are created here.
fn new_organization_kinds() -> utoipa::openapi::Object {
    let mut schema = crate::extract::one_of(&["pemda", "opd", "satker", "vendor"]);
    schema.examples = vec!["satker".into()];
    schema
}

/// Create an organisation (administrators).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", security(("bearer" = [])), request_body = CreateOrganizationRequest,
    responses(
        (status = 201, body = OrganizationView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Same name under the same parent", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_organization(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<CreateOrganizationRequest>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(body)) = (user, body);
    let now = state.now();
    let input =
        NewOrganization { kind: body.kind, name: body.name, parent_id: body.parent_id, region_code: body.region_code };
    let view = state.run(move |conn| service::create_organization(conn, now, &actor, input)).await?;
    Ok(created(format!("/api/v1/organizations/{}", view.id), &view))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationQuery {
    /// Only organisations of this kind.
    #[param(value_type = Option<OrgKind>)]
    pub kind: Option<String>,
    /// Only children of this organisation.
    #[param(value_type = Option<uuid::Uuid>)]
    pub parent_id: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// List organisations: all for administrators, auditors and curators; otherwise only
/// the caller's own.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", security(("bearer" = [])), params(OrganizationQuery),
    responses(
        (status = 200, body = OrganizationPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_organizations(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: OrganizationQuery = query(&req)?;
    let page = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    let kind = match q.kind.as_deref() {
        None => None,
        Some(k) => Some(OrgKind::parse(k).map_err(|m| ApiError::invalid_query("kind", m))?.as_str().to_owned()),
    };
    let parent_id = match q.parent_id.as_deref() {
        None => None,
        Some(p) => Some(
            OrganizationId::parse(p)
                .ok_or_else(|| ApiError::invalid_query("parent_id", "is not an organisation id"))?
                .to_string(),
        ),
    };
    let filter = OrganizationFilter { kind, parent_id, only_id: None };
    let page: Page<OrganizationView> =
        state.run(move |conn| service::list_organizations(conn, &actor, filter, &page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, body = OrganizationView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_organization(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id: OrganizationId = path_id(&id, "organisation")?;
    let view = state.run(move |conn| service::get_organization(conn, &actor, &id.to_string())).await?;
    Ok(HttpResponse::Ok().json(view))
}

// --- users --------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserRequest {
    #[schema(value_type = uuid::Uuid)]
    pub organization_id: String,
    #[schema(format = Email, max_length = 254, example = "ppk.umum@mojokertokota.go.id")]
    pub email: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        example = "Sri Wahyuni"
    )]
    pub name: String,
    /// Each must fit the organisation's kind (e.g. `ppk` in a satker).
    #[schema(value_type = Vec<pasar_auth::model::Role>, min_items = 1, example = json!(["ppk"]))]
    pub roles: Vec<String>,
    /// The initial password (10 to 128 characters); the user is asked to change it.
    #[schema(min_length = 10, max_length = 128, pattern = r"^([\s\S])(?!\1*$)")]
    pub password: String,
}

/// Create a user (administrators). The user is told by mail.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = CreateUserRequest,
    responses(
        (status = 201, body = UserView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Email taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_user(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(body)) = (user, body);
    let st = state.clone();
    let now = state.now();
    let input = NewUser {
        organization_id: body.organization_id,
        email: body.email,
        name: body.name,
        roles: body.roles,
        password: body.password,
    };
    let view = state.run(move |conn| service::create_user(conn, &st.auth, now, &actor, input)).await?;
    Ok(created(format!("/api/v1/users/{}", view.id), &view))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users of this organisation.
    #[param(value_type = Option<uuid::Uuid>)]
    pub organization_id: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// List users (administrators and auditors).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), params(UserQuery),
    responses(
        (status = 200, body = UserPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_users(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: UserQuery = query(&req)?;
    let page = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    let organization_id = match q.organization_id.as_deref() {
        None => None,
        Some(o) => Some(
            OrganizationId::parse(o)
                .ok_or_else(|| ApiError::invalid_query("organization_id", "is not an organisation id"))?
                .to_string(),
        ),
    };
    let filter = UserFilter { organization_id };
    let page: Page<UserView> = state.run(move |conn| service::list_users(conn, &actor, filter, &page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One user: any user for administrators and auditors, oneself for everyone else.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = UserView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id: UserId = path_id(&id, "user")?;
    let view = state.run(move |conn| service::get_user(conn, &actor, &id.to_string())).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: Option<String>,
    /// `false` disables the account and ends its sessions.
    pub active: Option<bool>,
    /// Replaces the user's roles; ends their sessions.
    #[schema(value_type = Option<Vec<pasar_auth::model::Role>>, min_items = 1)]
    pub roles: Option<Vec<String>>,
}

/// Rename, deactivate or re-role a user (administrators).
///
/// A deactivated user cannot log in or refresh; access tokens already issued expire
/// within `auth.access_token_ttl_secs`.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), request_body = UpdateUserRequest,
    params(("id" = uuid::Uuid, Path, description = "User id")),
    responses(
        (status = 200, body = UserView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(body)) = (user, body);
    let id: UserId = path_id(&id, "user")?;
    let now = state.now();
    let changes = service::UserChanges { name: body.name, active: body.active, roles: body.roles };
    let view = state.run(move |conn| service::update_user(conn, now, &actor, &id.to_string(), changes)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A page of organisations (for the OpenAPI document).
#[derive(ToSchema)]
pub struct OrganizationPage {
    pub items: Vec<OrganizationView>,
    pub next_cursor: Option<String>,
}

/// A page of users (for the OpenAPI document).
#[derive(ToSchema)]
pub struct UserPage {
    pub items: Vec<UserView>,
    pub next_cursor: Option<String>,
}
