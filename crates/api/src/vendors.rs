//! `/api/v1/vendors/*`, `/api/v1/curation/vendors` and email verification.

use crate::extract::{path_id, query, request_id, ApiJson, AuthUser, MaybeAuthUser, PageParams};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_auth::service::{self as auth, UserView};
use pasar_core::id::OrganizationId;
use pasar_vendor_onboarding::facts::{self, FactsQueueItem, FactsReview};
use pasar_vendor_onboarding::model::VendorStatus;
use pasar_vendor_onboarding::service::{
    self as vendors, HistoryEntry, PublicVendorView, QueueItem, Registration, ReviewInput, VendorChanges, VendorView,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/verify-email").route(web::post().to(verify_email)))
        .service(web::resource("/auth/verify-email/resend").route(web::post().to(resend_verification)))
        .service(web::resource("/vendors/register").route(web::post().to(register)))
        .service(web::resource("/vendors").route(web::get().to(directory)))
        .service(web::resource("/vendors/{id}").route(web::get().to(get_vendor)).route(web::patch().to(update_vendor)))
        .service(web::resource("/vendors/{id}/submit").route(web::post().to(submit)))
        .service(web::resource("/vendors/{id}/claim").route(web::post().to(claim)))
        .service(web::resource("/vendors/{id}/review").route(web::post().to(review)))
        .service(web::resource("/vendors/{id}/suspend").route(web::post().to(suspend)))
        .service(web::resource("/vendors/{id}/reinstate").route(web::post().to(reinstate)))
        .service(web::resource("/vendors/{id}/history").route(web::get().to(history)))
        .service(web::resource("/vendors/{id}/facts/review").route(web::post().to(review_facts)))
        .service(web::resource("/curation/vendors").route(web::get().to(curation_queue)))
        .service(web::resource("/curation/vendor-facts").route(web::get().to(facts_queue)));
}

// --- registration and email verification ------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The owner's email: the login, and where the verification mail goes.
    #[schema(format = Email, max_length = 254, example = "owner@batikmajapahit.id")]
    pub email: String,
    /// 10 to 128 characters, not one character repeated.
    #[schema(min_length = 10, max_length = 128, pattern = r"^([\s\S])(?!\1*$)")]
    pub password: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        example = "Siti Aminah"
    )]
    pub owner_name: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        example = "UD Batik Majapahit"
    )]
    pub legal_name: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub trade_name: Option<String>,
    /// `perorangan`, `ud`, `cv`, `pt`, `firma`, `koperasi` or `bumdes`.
    #[schema(value_type = pasar_vendor_onboarding::model::LegalForm, example = "ud")]
    pub legal_form: String,
}

/// The answer to a registration: the same whether the address was free (a vendor and
/// its owner were created) or already had an account (its owner was mailed), so that
/// registering tells nobody who has an account. It therefore carries no ids: the owner
/// finds the vendor after logging in (`GET /api/v1/me`: the vendor's id is the
/// organisation's).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationAccepted {
    /// The address the mail goes to, as understood (trimmed, lower-case).
    #[schema(example = "owner@batikmajapahit.id")]
    pub email: String,
    pub detail: &'static str,
}

/// Register a vendor and its owner.
///
/// Creates the vendor (a draft profile) and the owner's account, and mails a
/// verification link. The owner can log in and fill in the profile at once, but
/// submits it for curation only after verifying the email address.
///
/// When the address already has an account, nothing is created and that account's
/// owner is mailed instead; the answer is the same `202` either way.
#[utoipa::path(post, path = "/api/v1/vendors/register", tag = "vendors", request_body = RegisterRequest,
    responses(
        (status = 202, description = "Accepted: a mail with the next steps is on its way", body = RegistrationAccepted),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this address, or for this email", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(b) = body;
    let rid = request_id(&req);
    let st = state.clone();
    let now = state.now();
    let input = Registration {
        email: b.email,
        password: b.password,
        owner_name: b.owner_name,
        legal_name: b.legal_name,
        trade_name: b.trade_name,
        legal_form: b.legal_form,
    };
    let address = crate::extract::client_address(&req);
    let email = pasar_auth::Email::parse(&input.email).map(|e| e.to_string()).unwrap_or_default();
    // Whatever happened, the same answer.
    let _: vendors::Registered = state
        .run(move |conn| vendors::register(conn, &st.auth, &st.vendors, now, input, rid.as_deref(), address.as_deref()))
        .await?;
    Ok(HttpResponse::Accepted().json(RegistrationAccepted { email, detail: vendors::REGISTRATION_ACCEPTED }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyEmailRequest {
    /// The token from the verification mail.
    pub token: String,
}

/// Confirm an email address with the token from the verification mail.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth", request_body = VerifyEmailRequest,
    responses(
        (status = 200, body = UserView),
        (status = 422, description = "Invalid, used or expired token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<VerifyEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(b) = body;
    let rid = request_id(&req);
    let now = state.now();
    let user = state.run(move |conn| auth::verify_email(conn, now, &b.token, rid.as_deref())).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Send the caller a new verification mail (at most one a minute, five a day).
#[utoipa::path(post, path = "/api/v1/auth/verify-email/resend", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 202, description = "Sent"),
        (status = 422, description = "Already verified", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too soon; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resend_verification(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let st = state.clone();
    let now = state.now();
    state.run(move |conn| auth::resend_verification(conn, &st.auth, now, &actor)).await?;
    Ok(HttpResponse::Accepted().finish())
}

// --- profile ------------------------------------------------------------------------------

fn vendor_id(raw: &str) -> Result<String, ApiError> {
    Ok(path_id::<OrganizationId>(raw, "vendor")?.to_string())
}

/// What `GET /vendors/{id}` answers (for the OpenAPI document).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum VendorReply {
    /// For the vendor's own users, curators, administrators and auditors.
    Full(Box<VendorView>),
    /// For anyone else, of an approved vendor.
    Public(PublicVendorView),
}

/// A vendor with what PPKs said of it after its orders (for the OpenAPI document).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct VendorProfile {
    #[serde(flatten)]
    pub vendor: VendorReply,
    pub rating: pasar_order::flow::VendorRating,
}

/// A vendor: in full for its own users, curators, administrators and auditors; the
/// public profile of an approved vendor for anyone else (login optional). Either way
/// with its rating by the PPKs of its orders.
#[utoipa::path(get, path = "/api/v1/vendors/{id}", tag = "vendors", security((), ("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses(
        (status = 200, description = "VendorView, or PublicVendorView for the public; with `rating`", body = VendorProfile),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_vendor(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let MaybeAuthUser(actor) = user;
    let id = vendor_id(&id)?;
    let st = state.clone();
    let (reply, rating) = state
        .run(move |conn| {
            let reply = vendors::get_vendor(conn, &st.vendors, actor.as_ref(), &id)?;
            let rating = pasar_order::flow::vendor_rating(conn, &id)?;
            Ok::<_, pasar_order::OrderError>((reply, rating))
        })
        .await?;
    let mut body = serde_json::to_value(&reply).map_err(|e| ApiError::internal(e.to_string()))?;
    if let Some(o) = body.as_object_mut() {
        o.insert("rating".into(), serde_json::to_value(&rating).map_err(|e| ApiError::internal(e.to_string()))?);
    }
    Ok(HttpResponse::Ok().json(body))
}

/// Update the profile (the vendor's own users; the bank account only by the owner).
///
/// The legal identity (name, form, NIB, NPWP, KBLI) changes only in draft or when a
/// revision was requested; nothing changes while the vendor is under review.
#[utoipa::path(patch, path = "/api/v1/vendors/{id}", tag = "vendors", security(("bearer" = [])), request_body = VendorChanges,
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses(
        (status = 200, body = VendorView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Under review, or NIB taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_vendor(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<VendorChanges>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(changes)) = (user, body);
    let id = vendor_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let view = state.run(move |conn| vendors::update_vendor(conn, &st.vendors, now, &actor, &id, changes)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Submit the profile for curation (verified owner or staff).
///
/// Refused with `422` listing everything still missing: fields, and required documents
/// that are absent or expired.
#[utoipa::path(post, path = "/api/v1/vendors/{id}/submit", tag = "vendors", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses(
        (status = 200, body = VendorView),
        (status = 403, description = "Email not verified", body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Incomplete: every missing item in `errors`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = vendor_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let view = state.run(move |conn| vendors::submit(conn, &st.vendors, now, &actor, &id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

// --- curation --------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `submitted` (default), `in_review`, `revision_requested`, `approved`, `rejected` or `suspended`.
    #[param(schema_with = vendor_queue_statuses)]
    pub status: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

fn vendor_queue_statuses() -> utoipa::openapi::Object {
    crate::extract::one_of(&["submitted", "in_review", "revision_requested", "approved", "rejected", "suspended"])
}

/// A page of the curation queue (for the OpenAPI document).
#[derive(ToSchema)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub next_cursor: Option<String>,
}

/// The curation queue, oldest submission first, with each vendor's waiting time
/// (curators, administrators, auditors).
#[utoipa::path(get, path = "/api/v1/curation/vendors", tag = "curation", security(("bearer" = [])), params(QueueQuery),
    responses(
        (status = 422, description = "The cursor is not one of this list", body = Problem, content_type = "application/problem+json"),
        (status = 200, body = QueuePage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn curation_queue(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: QueueQuery = query(&req)?;
    let page = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    let status = match q.status.as_deref() {
        None => VendorStatus::Submitted,
        Some("draft") => {
            return Err(ApiError::invalid_query("status", "drafts are not in the curation queue until submitted"))
        }
        Some(s) => VendorStatus::parse(s).map_err(|m| ApiError::invalid_query("status", m))?,
    };
    let st = state.clone();
    let now = state.now();
    let page = state.run(move |conn| vendors::queue(conn, &st.vendors, now, &actor, status, &page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 100 (default 20).
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of proposed changes (for the OpenAPI document).
#[derive(ToSchema)]
pub struct FactsQueuePage {
    pub items: Vec<FactsQueueItem>,
    pub next_cursor: Option<String>,
}

/// Approved vendors' proposed changes of the facts P3DN counts (legal form, capital,
/// sales, region, tax status), oldest first, each with the values in force beside the
/// proposed ones (curators, administrators, auditors).
#[utoipa::path(get, path = "/api/v1/curation/vendor-facts", tag = "curation", security(("bearer" = [])), params(PageQuery),
    responses(
        (status = 200, body = FactsQueuePage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A cursor that is not one of this list", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn facts_queue(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: PageQuery = query(&req)?;
    let page = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    let now = state.now();
    let page = state.run(move |conn| facts::queue(conn, now, &actor, &page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Approve or reject a vendor's proposed change of the facts P3DN counts (curators,
/// administrators). Approval puts the proposed values in force; a rejection needs a
/// reason. The owners are told by mail.
#[utoipa::path(post, path = "/api/v1/vendors/{id}/facts/review", tag = "curation", security(("bearer" = [])), request_body = FactsReview,
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses(
        (status = 200, body = VendorView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No change waits, or another was proposed since", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn review_facts(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<FactsReview>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(input)) = (user, body);
    let id = vendor_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let view = state.run(move |conn| facts::review(conn, &st.vendors, now, &actor, &id, input)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Claim a submitted vendor for review (curators, administrators).
#[utoipa::path(post, path = "/api/v1/vendors/{id}/claim", tag = "curation", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses(
        (status = 200, body = VendorView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn claim(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = vendor_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let view = state.run(move |conn| vendors::claim(conn, &st.vendors, now, &actor, &id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Decide on a vendor under review: `approve`, `request_revision` (with remarks per
/// field or document) or `reject` (with a reason). The owner is told by mail.
#[utoipa::path(post, path = "/api/v1/vendors/{id}/review", tag = "curation", security(("bearer" = [])), request_body = ReviewInput,
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses(
        (status = 200, body = VendorView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not under review, or claimed by another curator", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn review(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ReviewInput>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(input)) = (user, body);
    let id = vendor_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let view = state.run(move |conn| vendors::review(conn, &st.vendors, now, &actor, &id, input)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// Told to the vendor and kept in the audit log.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub reason: String,
}

async fn set_suspended(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ReasonRequest>,
    suspend: bool,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(b)) = (user, body);
    let id = vendor_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let view =
        state.run(move |conn| vendors::set_suspended(conn, &st.vendors, now, &actor, &id, suspend, &b.reason)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Suspend an approved vendor (administrators).
#[utoipa::path(post, path = "/api/v1/vendors/{id}/suspend", tag = "curation", security(("bearer" = [])), request_body = ReasonRequest,
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses(
        (status = 200, body = VendorView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn suspend(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    set_suspended(state, user, id, body, true).await
}

/// Reinstate a suspended vendor (administrators).
#[utoipa::path(post, path = "/api/v1/vendors/{id}/reinstate", tag = "curation", security(("bearer" = [])), request_body = ReasonRequest,
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses(
        (status = 200, body = VendorView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not suspended", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reinstate(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    set_suspended(state, user, id, body, false).await
}

/// The vendor's timeline: registration, submissions, decisions with reasons and remarks.
#[utoipa::path(get, path = "/api/v1/vendors/{id}/history", tag = "vendors", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses(
        (status = 200, body = Vec<HistoryEntry>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = vendor_id(&id)?;
    let entries = state.run(move |conn| vendors::history(conn, &actor, &id)).await?;
    Ok(HttpResponse::Ok().json(entries))
}

/// A page of public vendor profiles (for the OpenAPI document).
#[derive(ToSchema)]
pub struct DirectoryPage {
    pub items: Vec<PublicVendorView>,
    pub next_cursor: Option<String>,
}

/// Approved vendors' public profiles (anyone; no documents, NPWP, bank or capital).
#[utoipa::path(get, path = "/api/v1/vendors", tag = "vendors", params(PageParams),
    responses((status = 200, body = DirectoryPage), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn directory(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q: PageParams = query(&req)?;
    let page = q.parse()?;
    let st = state.clone();
    let page = state.run(move |conn| vendors::directory(conn, &st.vendors, &page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

// --- team ------------------------------------------------------------------------------------

pub fn configure_team(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/vendors/invitations/accept").route(web::post().to(accept_invitation)))
        .service(web::resource("/vendors/{id}/staff").route(web::get().to(team)).route(web::post().to(invite)))
        .service(web::resource("/vendors/{id}/staff/{user}").route(web::delete().to(remove_staff)));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    #[schema(format = Email, max_length = 254, example = "staff@batikmajapahit.id")]
    pub email: String,
}

/// Invite a staff member by email (the owner). The invitation is valid for 7 days.
///
/// An address that already has an account gets the same answer (and is listed as
/// pending like any other), but one address holds one account: that account's owner is
/// mailed instead of being sent an invitation to accept.
#[utoipa::path(post, path = "/api/v1/vendors/{id}/staff", tag = "vendors", security(("bearer" = [])), request_body = InviteRequest,
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses(
        (status = 201, body = pasar_vendor_onboarding::team::Invitation),
        (status = 403, description = "Not the owner, or the owner's email is not verified", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too many open invitations", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn invite(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(b)) = (user, body);
    let id = vendor_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let inv = state
        .run(move |conn| pasar_vendor_onboarding::team::invite(conn, &st.auth, now, &actor, &id, &b.email))
        .await?;
    Ok(HttpResponse::Created().json(inv))
}

/// The vendor's users and open invitations.
#[utoipa::path(get, path = "/api/v1/vendors/{id}/staff", tag = "vendors", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    responses((status = 200, body = pasar_vendor_onboarding::team::Team), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn team(state: web::Data<AppState>, user: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = vendor_id(&id)?;
    let now = state.now();
    let team = state.run(move |conn| pasar_vendor_onboarding::team::team(conn, now, &actor, &id)).await?;
    Ok(HttpResponse::Ok().json(team))
}

/// Remove a staff member (the owner): the account is deactivated.
#[utoipa::path(delete, path = "/api/v1/vendors/{id}/staff/{user}", tag = "vendors", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id"), ("user" = uuid::Uuid, Path, description = "User id")),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn remove_staff(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = vendor_id(&path.0)?;
    let member = path_id::<pasar_core::id::UserId>(&path.1, "user")?.to_string();
    let now = state.now();
    state.run(move |conn| pasar_vendor_onboarding::team::remove(conn, now, &actor, &id, &member)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    /// The token from the invitation mail.
    pub token: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// 10 to 128 characters, not one character repeated.
    #[schema(min_length = 10, max_length = 128, pattern = r"^([\s\S])(?!\1*$)")]
    pub password: String,
}

/// Accept a staff invitation: creates the account (no login needed).
#[utoipa::path(post, path = "/api/v1/vendors/invitations/accept", tag = "vendors", request_body = AcceptInvitationRequest,
    responses((status = 201, body = UserView), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    body: ApiJson<AcceptInvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    let ApiJson(b) = body;
    let st = state.clone();
    let now = state.now();
    let user = state
        .run(move |conn| pasar_vendor_onboarding::team::accept(conn, &st.auth, now, &b.token, &b.name, &b.password))
        .await?;
    Ok(HttpResponse::Created().json(user))
}
