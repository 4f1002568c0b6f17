//! `/api/v1/admin/webhooks`: webhook subscriptions of the pemda's other systems.
//! Administrators manage them; auditors may read them (never the secret). Deliveries
//! are outbox messages of kind `webhook`: their dead letters are on
//! `/api/v1/admin/outbox?kind=webhook` and are retried there. See `docs/WEBHOOKS.md`.

use crate::extract::{path_id, query, ApiJson, AuthUser, PageParams};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_auth::webhooks::{
    self as service, EventTypeView, NewSubscription, PingView, SubscriptionChanges, SubscriptionView,
    SubscriptionWithSecret,
};
use serde::Deserialize;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/webhook-events").route(web::get().to(event_types)))
        .service(
            web::resource("/admin/webhooks").route(web::get().to(list_subscriptions)).route(web::post().to(create)),
        )
        .service(
            web::resource("/admin/webhooks/{id}")
                .route(web::get().to(get_subscription))
                .route(web::patch().to(update))
                .route(web::delete().to(delete)),
        )
        .service(web::resource("/admin/webhooks/{id}/secret").route(web::post().to(rotate_secret)))
        .service(web::resource("/admin/webhooks/{id}/ping").route(web::post().to(ping)));
}

fn subscription_id(raw: &str) -> Result<String, ApiError> {
    Ok(path_id::<uuid::Uuid>(raw, "webhook subscription")?.to_string())
}

/// The event types a subscription can receive, with what each means (administrators
/// and auditors).
#[utoipa::path(get, path = "/api/v1/admin/webhook-events", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<EventTypeView>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn event_types(user: AuthUser) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    if !actor.reads_everything() {
        return Err(
            pasar_auth::AuthError::Forbidden("Only administrators and auditors see webhook subscriptions.").into()
        );
    }
    Ok(HttpResponse::Ok().json(service::event_types()))
}

/// A new subscription (the request body).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateSubscriptionRequest {
    /// `http` or `https`, without user name or password, at most 2000 characters.
    #[schema(
        example = "https://simda.mojokertokota.go.id/pasar/events",
        max_length = 2000,
        pattern = r"^https?://[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~/-]*)?$"
    )]
    pub url: String,
    /// Event types (`order.pay`), prefixes (`order.*`) or `*`; 1 to 50.
    #[schema(schema_with = event_list, example = json!(["order.*"]))]
    pub events: Vec<String>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// Default `true`.
    pub active: Option<bool>,
}

/// Subscribe a URL to events (administrators). The reply carries the subscription's
/// signing secret: it is shown this once (rotate it to get a new one).
#[utoipa::path(post, path = "/api/v1/admin/webhooks", tag = "admin", security(("bearer" = [])),
    request_body = CreateSubscriptionRequest,
    responses(
        (status = 201, body = SubscriptionWithSecret),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad URL or event type; `errors` names the field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<CreateSubscriptionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(body)) = (user, body);
    let now = state.now();
    let input =
        NewSubscription { url: body.url, events: body.events, description: body.description, active: body.active };
    let made = state.run(move |conn| service::create(conn, now, &actor, input)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/admin/webhooks/{}", made.subscription.id)))
        .json(made))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A page of subscriptions (for the OpenAPI document).
#[derive(ToSchema)]
pub struct SubscriptionPage {
    pub items: Vec<SubscriptionView>,
    pub next_cursor: Option<String>,
}

/// The subscriptions, oldest first, with the outcome of each one's latest delivery
/// attempt (administrators and auditors). Never their secrets.
#[utoipa::path(get, path = "/api/v1/admin/webhooks", tag = "admin", security(("bearer" = [])), params(SubscriptionQuery),
    responses(
        (status = 200, body = SubscriptionPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: SubscriptionQuery = query(&req)?;
    let page = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    let page = state.run(move |conn| service::list(conn, &actor, &page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One subscription (administrators and auditors), without its secret.
#[utoipa::path(get, path = "/api/v1/admin/webhooks/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, body = SubscriptionView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_subscription(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = subscription_id(&id)?;
    let view = state.run(move |conn| service::get(conn, &actor, &id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Changes to a subscription (the request body); fields left out stay.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateSubscriptionRequest {
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~/-]*)?$"
    )]
    pub url: Option<String>,
    #[schema(schema_with = event_list_or_null)]
    pub events: Option<Vec<String>>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// `false` stops new events; `true` starts them again.
    pub active: Option<bool>,
}

/// Change a subscription's URL or events, or (de)activate it (administrators).
#[utoipa::path(patch, path = "/api/v1/admin/webhooks/{id}", tag = "admin", security(("bearer" = [])),
    request_body = UpdateSubscriptionRequest,
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, body = SubscriptionView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad URL or event type; `errors` names the field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<UpdateSubscriptionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(body)) = (user, body);
    let id = subscription_id(&id)?;
    let now = state.now();
    let changes =
        SubscriptionChanges { url: body.url, events: body.events, description: body.description, active: body.active };
    let view = state.run(move |conn| service::update(conn, now, &actor, &id, changes)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Delete a subscription (administrators). Its messages still queued are not sent.
#[utoipa::path(delete, path = "/api/v1/admin/webhooks/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = subscription_id(&id)?;
    let now = state.now();
    state.run(move |conn| service::delete(conn, now, &actor, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Give a subscription a new signing secret (administrators): the old one stops working
/// at once, also for retries of messages already queued. The reply shows the new
/// secret, this once.
#[utoipa::path(post, path = "/api/v1/admin/webhooks/{id}/secret", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, body = SubscriptionWithSecret),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = subscription_id(&id)?;
    let now = state.now();
    let view = state.run(move |conn| service::rotate_secret(conn, now, &actor, &id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Queue a `webhook.ping` event for this subscription (administrators), delivered and
/// retried like any event; follow it on the outbox by its `delivery_id`.
#[utoipa::path(post, path = "/api/v1/admin/webhooks/{id}/ping", tag = "admin", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 202, body = PingView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ping(state: web::Data<AppState>, user: AuthUser, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = subscription_id(&id)?;
    let now = state.now();
    let view = state.run(move |conn| service::ping(conn, now, &actor, &id)).await?;
    Ok(HttpResponse::Accepted().json(view))
}

/// Everything a subscription may ask for: `*`, each event type, and each prefix of one
/// ending in `.*` (what `pasar_db::webhook::valid_pattern` accepts).
fn event_patterns() -> Vec<String> {
    let mut out = vec!["*".to_owned()];
    for (name, _) in pasar_db::webhook::EVENT_TYPES {
        for (i, _) in name.match_indices('.') {
            out.push(format!("{}*", &name[..=i]));
        }
        out.push((*name).to_owned());
    }
    out.sort();
    out.dedup();
    out
}

fn event_array(nullable: bool) -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let items = ObjectBuilder::new().schema_type(Type::String).enum_values(Some(event_patterns()));
    let kind = if nullable { SchemaType::from_iter([Type::Array, Type::Null]) } else { SchemaType::new(Type::Array) };
    ArrayBuilder::new().schema_type(kind).items(items).min_items(Some(1)).max_items(Some(50)).build()
}

fn event_list() -> utoipa::openapi::Array {
    event_array(false)
}

fn event_list_or_null() -> utoipa::openapi::Array {
    event_array(true)
}
