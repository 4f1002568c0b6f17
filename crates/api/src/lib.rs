//! The one REST API under `/api/v1`.
//!
//! One module per capability mirrors the URL tree. A handler extracts and
//! authenticates, turns the body into domain input, calls one service function on the
//! blocking pool ([`state::AppState::run`]) and shapes the reply. Every error leaves as
//! `application/problem+json` ([`problem`]).

pub mod accounts;
pub mod admin;
pub mod calendar;
pub mod catalog;
pub mod docs;
pub mod documents;
pub mod exports;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod middleware;
pub mod ocds;
pub mod order_documents;
pub mod orders;
pub mod payments;
pub mod problem;
pub mod reports;
pub mod state;
pub mod vendors;
pub mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{web, App, Error};

pub use problem::ApiError;
pub use state::{AppState, Limits};

/// The whole application, middleware included: what the binary serves and what the
/// black-box tests drive.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    app_with_pages(state, |_| {})
}

/// The application with the web pages: `pages` registers them after the API, so that
/// they can take every path the API does not (`/api/v1/…` and `/v1.0/…` stay the
/// API's, with problem+json for paths nothing matches there).
pub fn app_with_pages(
    state: AppState,
    pages: impl FnOnce(&mut web::ServiceConfig),
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::not_found("No such resource.").into()))
        .wrap(middleware::problem_fallback())
        .wrap(actix_web::middleware::from_fn(middleware::request_context))
        .configure(health::configure)
        .configure(docs::configure)
        .service(
            web::scope("/api/v1")
                .configure(accounts::configure)
                .configure(vendors::configure_team)
                .configure(vendors::configure)
                .configure(documents::configure)
                .configure(catalog::configure)
                .configure(admin::configure)
                .configure(calendar::configure)
                // Before `orders`: `/orders/export` is not an order id.
                .configure(exports::configure)
                .configure(orders::configure)
                .configure(payments::configure)
                .configure(reports::configure)
                .configure(order_documents::configure)
                .configure(webhooks::configure)
                .configure(ocds::configure),
        )
        .service(web::scope("/v1.0").configure(payments::configure_bank))
        .configure(pages)
        .default_service(web::to(middleware::no_route))
}
