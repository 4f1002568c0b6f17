//! The OpenAPI 3.1 document, generated from the handlers' annotations, at
//! `/api/v1/openapi.json`, and a browsable page at `/api/docs/`.

use crate::{
    accounts, admin, calendar, catalog, documents, exports, health, ocds, order_documents, orders, payments, problem,
    reports, vendors, webhooks,
};
use actix_web::{web, HttpResponse};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Type};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pasar API",
        description = "E-marketplace and e-catalogue for a regional government (pemda): UMKM vendors, \
curators, government buyers and treasurers.\n\nConventions: errors are `application/problem+json` with a \
stable `code`; money is whole rupiah in fields ending `_idr`; percentages are basis points in fields \
ending `_bp`; ids are UUID v7 strings; lists take `limit` and `cursor` and answer \
`{ items, next_cursor }`.",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(
        health::live,
        health::ready,
        accounts::login,
        accounts::refresh,
        accounts::logout,
        accounts::request_password_reset,
        accounts::confirm_password_reset,
        accounts::me,
        accounts::change_password,
        accounts::create_organization,
        accounts::list_organizations,
        accounts::get_organization,
        accounts::create_user,
        accounts::list_users,
        accounts::get_user,
        accounts::update_user,
        vendors::verify_email,
        vendors::resend_verification,
        vendors::register,
        vendors::directory,
        vendors::get_vendor,
        vendors::update_vendor,
        vendors::submit,
        vendors::history,
        vendors::curation_queue,
        vendors::claim,
        vendors::review,
        vendors::suspend,
        vendors::reinstate,
        vendors::facts_queue,
        vendors::review_facts,
        vendors::invite,
        vendors::team,
        vendors::remove_staff,
        vendors::accept_invitation,
        documents::upload,
        documents::replace,
        documents::list,
        documents::download,
        catalog::list_categories,
        catalog::create_category,
        catalog::update_category,
        catalog::search_products,
        catalog::create_product,
        catalog::get_product,
        catalog::update_product,
        catalog::delete_product,
        catalog::price_history,
        catalog::upload_image,
        catalog::list_images,
        catalog::image_file,
        catalog::image_thumbnail,
        catalog::delete_image,
        catalog::submit_product,
        catalog::review_product,
        catalog::take_down,
        catalog::vendor_products,
        catalog::import_products,
        catalog::product_queue,
        admin::list_outbox,
        admin::retry_outbox,
        admin::list_audit,
        admin::verify_audit,
        calendar::list_holidays,
        calendar::set_holiday,
        calendar::delete_holiday,
        orders::get_cart,
        orders::put_cart_line,
        orders::delete_cart_line,
        orders::checkout,
        orders::get_budgets,
        orders::put_budgets,
        orders::list_orders,
        orders::get_order,
        orders::negotiate,
        orders::approve,
        orders::reject,
        orders::cancel,
        orders::accept,
        orders::decline,
        orders::ship,
        orders::receive,
        orders::sign_bast,
        orders::countersign_bast,
        orders::invoice,
        orders::propose_addendum,
        orders::accept_addendum,
        orders::reject_addendum,
        orders::rate,
        orders::vendor_rating,
        payments::issue_virtual_account,
        payments::get_virtual_account,
        payments::create_reconciliation,
        payments::list_reconciliations,
        payments::get_reconciliation,
        reports::p3dn_report,
        reports::p3dn_lines,
        reports::red_flags,
        reports::p3dn_export,
        reports::p3dn_lines_export,
        order_documents::pdf,
        order_documents::verify,
        webhooks::event_types,
        webhooks::create,
        webhooks::list_subscriptions,
        webhooks::get_subscription,
        webhooks::update,
        webhooks::delete,
        webhooks::rotate_secret,
        webhooks::ping,
        ocds::releases,
        ocds::record,
        ocds::extension_file,
        ocds::extension_codelist,
        exports::export_orders,
        exports::export_invoices,
        exports::export_order_lines,
    ),
    components(schemas(problem::Problem, pasar_core::FieldError)),
    modifiers(&BearerAuth, &ProblemResponses, &PageParameters),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Login, tokens and the caller"),
        (name = "organizations", description = "The pemda, its OPD and satker, vendors, the platform"),
        (name = "users", description = "People and their roles"),
        (name = "vendors", description = "UMKM vendors: registration, profile, directory"),
        (name = "catalog", description = "Categories and products with their local content"),
        (name = "curation", description = "The curation desk: queue, claim, decisions, suspension"),
        (name = "admin", description = "The operator's tools: the outbox and its dead letters, the audit log, webhook subscriptions"),
        (name = "calendar", description = "Working days: national holidays and cuti bersama"),
        (name = "orders", description = "E-purchasing: cart, checkout, budgets, orders from the PPK's approval to the invoice"),
        (name = "reports", description = "P3DN realisation against its targets, the order lines behind every figure, red flags"),
        (name = "ocds", description = "Open contracting (OCDS 1.1): the public feed of releases and records, and Pasar's extension"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The problem replies every operation of a given shape can give, added to each
/// operation that does not document them itself — so that a handler's annotation only
/// lists what is particular to it (403, 404 of a lookup, 409, a domain 422, 429):
///
/// | the operation …                          | can answer                          |
/// |------------------------------------------|-------------------------------------|
/// | needs or accepts a bearer token          | 401                                 |
/// | has a path parameter (an id)             | 404                                 |
/// | has query parameters                     | 400 `invalid_query`                 |
/// | has a request body                       | 400, 413, 415, 422                  |
/// | reads the database                       | 503 `unavailable` with Retry-After  |
///
/// Each is a shared response in `components.responses`.
struct ProblemResponses;

/// Which operations do not touch the database (and so never answer 503 for it).
const WITHOUT_DATABASE: [&str; 1] = ["/health/live"];

fn problem_reply(description: &str, retry_after: bool, authenticate: bool) -> Response {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    let mut reply = ResponseBuilder::new().description(description).content("application/problem+json", content);
    if retry_after {
        reply = reply.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(utoipa::openapi::ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)))
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    if authenticate {
        reply = reply.header(
            "WWW-Authenticate",
            HeaderBuilder::new()
                .schema(utoipa::openapi::ObjectBuilder::new().schema_type(Type::String))
                .description(Some("`Bearer`."))
                .build(),
        );
    }
    reply.build()
}

/// The shared problem replies: (component name, status, description, Retry-After, WWW-Authenticate).
const SHARED: [(&str, &str, &str, bool, bool); 7] = [
    (
        "BadRequest",
        "400",
        "Malformed: a query parameter (`invalid_query`) or the body (`malformed_json`); `errors` names it",
        false,
        false,
    ),
    (
        "Unauthorized",
        "401",
        "No access token, or one that is malformed, expired or no longer stands for an active user",
        false,
        true,
    ),
    ("NotFound", "404", "No such resource, or not one the caller may see", false, false),
    ("PayloadTooLarge", "413", "The body is over the limit (JSON 1 MiB, uploads `uploads.max_bytes`)", false, false),
    ("UnsupportedMediaType", "415", "The body is not of the content type this operation takes", false, false),
    ("ValidationFailed", "422", "A field is missing or invalid; `errors` names each one", false, false),
    (
        "Unavailable",
        "503",
        "The database (or search engine) is briefly unavailable; retry after `Retry-After` seconds",
        true,
        false,
    ),
];

fn shared(status: &str) -> RefOr<Response> {
    let name = SHARED.iter().find(|s| s.1 == status).map(|s| s.0).unwrap_or("Unavailable");
    RefOr::Ref(Ref::new(format!("#/components/responses/{name}")))
}

fn is_secured(op: &Operation) -> bool {
    op.security.iter().flatten().any(|req| serde_json::to_value(req).is_ok_and(|v| v.get("bearer").is_some()))
}

fn has_parameter(op: &Operation, place: ParameterIn) -> bool {
    op.parameters.iter().flatten().any(|p| p.parameter_in == place)
}

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, _, description, retry_after, authenticate) in SHARED {
            components
                .responses
                .insert(name.to_owned(), RefOr::T(problem_reply(description, retry_after, authenticate)));
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                let mut statuses = Vec::new();
                if has_parameter(op, ParameterIn::Query) {
                    statuses.push("400");
                }
                if op.request_body.is_some() {
                    statuses.extend(["400", "413", "415", "422"]);
                }
                if is_secured(op) {
                    statuses.push("401");
                }
                if has_parameter(op, ParameterIn::Path) {
                    statuses.push("404");
                }
                if !WITHOUT_DATABASE.contains(&path.as_str()) {
                    statuses.push("503");
                }
                for status in statuses {
                    op.responses.responses.entry(status.to_owned()).or_insert_with(|| shared(status));
                }
                // A handler's own 429 or 503 says when to come back, like the shared ones.
                for status in ["429", "503"] {
                    if let Some(RefOr::T(reply)) = op.responses.responses.get_mut(status) {
                        if !reply.headers.contains_key("Retry-After") {
                            let with = problem_reply("", true, false);
                            reply.headers.extend(with.headers);
                        }
                    }
                }
            }
        }
    }
}

/// Every list's `limit` and `cursor` query parameters, typed as the server checks them
/// ([`pasar_core::page`]), whichever handler declares them.
struct PageParameters;

impl Modify for PageParameters {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use pasar_core::page::{CURSOR_PATTERN, DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT};
        use utoipa::openapi::ObjectBuilder;
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                for p in op.parameters.iter_mut().flatten().filter(|p| p.parameter_in == ParameterIn::Query) {
                    let schema = match p.name.as_str() {
                        "limit" => ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(1))
                            .maximum(Some(MAX_LIMIT))
                            .default(Some(DEFAULT_LIMIT.into())),
                        "cursor" => ObjectBuilder::new()
                            .schema_type(Type::String)
                            .max_length(Some(MAX_CURSOR_CHARS))
                            .pattern(Some(CURSOR_PATTERN)),
                        _ => continue,
                    };
                    p.schema = Some(RefOr::T(schema.build().into()));
                    if p.description.is_none() {
                        p.description = Some(match p.name.as_str() {
                            "limit" => format!("How many items (1–{MAX_LIMIT}, default {DEFAULT_LIMIT})."),
                            _ => "The `next_cursor` of the previous page.".to_owned(),
                        });
                    }
                }
            }
        }
    }
}

/// The document as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/docs").route(
            web::get()
                .to(|| async { HttpResponse::PermanentRedirect().insert_header(("Location", "/api/docs/")).finish() }),
        ),
    )
    .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/v1/openapi.json", openapi()));
}
