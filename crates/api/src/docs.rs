//! The OpenAPI 3.1 document, generated from the handlers' annotations, at
//! `/api/v1/openapi.json`, and a browsable page at `/api/docs/`.

use crate::{accounts, admin, calendar, catalog, documents, health, problem, vendors};
use actix_web::{web, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
        calendar::list_holidays,
        calendar::set_holiday,
        calendar::delete_holiday,
    ),
    components(schemas(problem::Problem, pasar_core::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Login, tokens and the caller"),
        (name = "organizations", description = "The pemda, its OPD and satker, vendors, the platform"),
        (name = "users", description = "People and their roles"),
        (name = "vendors", description = "UMKM vendors: registration, profile, directory"),
        (name = "catalog", description = "Categories and products with their local content"),
        (name = "curation", description = "The curation desk: queue, claim, decisions, suspension"),
        (name = "admin", description = "The operator's tools: the outbox and its dead letters"),
        (name = "calendar", description = "Working days: national holidays and cuti bersama"),
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
