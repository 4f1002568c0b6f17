//! `/api/v1/categories`, `/api/v1/products/*`, `/api/v1/vendors/{id}/products`,
//! `/api/v1/curation/products`.

use crate::documents::read_upload;
use crate::extract::{path_id, query, ApiJson, AuthUser, MaybeAuthUser, PageParams};
use crate::idempotency::{self, Idempotent};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::vendors::ReasonRequest;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_catalog::images::{self, ImageView};
use pasar_catalog::model::ProductStatus;
use pasar_catalog::search::{self, params, SearchDoc, SearchError, Sort};
use pasar_catalog::service::{
    self as catalog, CategoryInput, CategoryView, PricePoint, ProductInput, ProductReview, ProductView,
};
use pasar_core::error::Code;
use pasar_core::id::{CategoryId, OrganizationId, ProductId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/categories").route(web::get().to(list_categories)).route(web::post().to(create_category)),
    )
    .service(web::resource("/categories/{id}").route(web::patch().to(update_category)))
    .service(web::resource("/products").route(web::get().to(search_products)).route(web::post().to(create_product)))
    .service(
        web::resource("/products/{id}")
            .route(web::get().to(get_product))
            .route(web::patch().to(update_product))
            .route(web::delete().to(delete_product)),
    )
    .service(web::resource("/products/{id}/price-history").route(web::get().to(price_history)))
    .service(
        web::resource("/products/{id}/images").route(web::get().to(list_images)).route(web::post().to(upload_image)),
    )
    .service(
        web::resource("/products/{id}/images/{image}")
            .route(web::get().to(image_file))
            .route(web::delete().to(delete_image)),
    )
    .service(web::resource("/products/{id}/images/{image}/thumbnail").route(web::get().to(image_thumbnail)))
    .service(web::resource("/products/{id}/submit").route(web::post().to(submit_product)))
    .service(web::resource("/products/{id}/review").route(web::post().to(review_product)))
    .service(web::resource("/products/{id}/takedown").route(web::post().to(take_down)))
    .service(web::resource("/vendors/{id}/products").route(web::get().to(vendor_products)))
    .service(web::resource("/vendors/{id}/products/import").route(web::post().to(import_products)))
    .service(web::resource("/curation/products").route(web::get().to(product_queue)));
}

/// One search hit: the product as the index holds it, and why it ranks where it does.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub product: SearchDoc,
    /// The priority facts behind its place among equally relevant products.
    pub why: String,
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchReply {
    pub items: Vec<SearchHit>,
    /// Every product that matches, not just this page.
    pub total: u64,
    pub page: usize,
    pub per_page: usize,
    pub total_pages: u64,
    /// `facet → value → count` over every match: `category_id`, `regency` (the vendor's
    /// kabupaten/kota), `umkk` and `pdn_priority` (`"true"`/`"false"`).
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    pub sort: Sort,
    /// How the items are ordered, first rule first: an explicit sort, then relevance,
    /// then the purchasing priority of Perpres 46/2025, UMKK and local vendors.
    pub ranking: Vec<&'static str>,
}

/// The search parameters (all optional; anything else is refused, naming it).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchParams {
    /// Words to find in the name, brand, vendor or description; typos are forgiven.
    #[param(max_length = 200)]
    q: Option<String>,
    /// A category id or slug; its descendants are included. An unknown one is a 404.
    #[param(min_length = 1, max_length = 100)]
    category: Option<String>,
    /// A region code (province `35`, regency `35.76`, …): vendors located there.
    #[param(pattern = r"^[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?$", example = "35.76")]
    region: Option<String>,
    /// A vendor id.
    vendor: Option<uuid::Uuid>,
    /// Only UMKK vendors' products (`true`), or only others' (`false`).
    umkk: Option<bool>,
    /// Only products with (`true`) or without (`false`) the PDN purchasing priority.
    pdn_priority: Option<bool>,
    /// Minimum TKDN in basis points.
    #[param(minimum = 0, maximum = 10000)]
    min_tkdn_bp: Option<u32>,
    /// Minimum unit price in rupiah.
    #[param(minimum = 0, maximum = 4611686018427387903i64)]
    min_price: Option<u64>,
    /// Maximum unit price in rupiah (below `min_price`: nothing matches).
    #[param(minimum = 0, maximum = 4611686018427387903i64)]
    max_price: Option<u64>,
    /// Only products with stock (`true`), or only those without (`false`).
    in_stock: Option<bool>,
    /// The order (default `relevance`).
    #[param(value_type = Option<Sort>)]
    sort: Option<String>,
    /// From 1; results go at most 100 pages deep.
    #[param(minimum = 1, maximum = 100)]
    page: Option<u32>,
    /// Results a page (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
}

/// Search the published catalogue (anyone). Typo-tolerant; filters, facets, sorts and
/// pages; among equally relevant products, the purchasing priority decides.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", params(SearchParams),
    responses(
        (status = 200, body = SearchReply),
        (status = 400, description = "A parameter is malformed or unknown; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The search engine is unavailable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn search_products(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let pairs: Vec<(String, String)> = query(&req)?;
    let categories =
        if pairs.iter().any(|(k, _)| k == "category") { state.run(params::category_tree).await? } else { Vec::new() };
    let q = params::parse(&pairs, &categories).map_err(|errors| {
        // A well-formed search for a category that does not exist is about an unknown
        // id (404); anything else wrong is a malformed query (400).
        if let [only] = errors.as_slice() {
            if only.field == "category" {
                return ApiError::not_found("No such category.").with_field("category", only.message.clone());
            }
        }
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let mut e = ApiError::new(Code::InvalidQuery, format!("Bad search parameter(s): {}.", names.join(", ")));
        e.errors = errors.clone();
        e
    })?;
    let res = state.search.search(&q).await.map_err(|e| match e {
        SearchError::Unavailable(why) => ApiError::unavailable(why),
        SearchError::Engine(why) => ApiError::internal(why),
    })?;
    let per_page = q.per_page as u64;
    Ok(HttpResponse::Ok().json(SearchReply {
        items: res.hits.into_iter().map(|d| SearchHit { why: search::explain(&d), product: d }).collect(),
        total: res.total,
        page: q.page,
        per_page: q.per_page,
        total_pages: res.total.div_ceil(per_page),
        facets: res.facets,
        sort: q.sort,
        ranking: search::ranking_rules(q.sort),
    }))
}

fn product_id(raw: &str) -> Result<ProductId, ApiError> {
    path_id::<ProductId>(raw, "product")
}

/// The category tree, flat, with each category's KBLI rule (anyone).
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalog", responses((status = 200, body = Vec<CategoryView>)))]
pub async fn list_categories(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let list = state.run(catalog::list_categories).await?;
    Ok(HttpResponse::Ok().json(list))
}

// For the OpenAPI document: the handler reads a `CategoryInput`, whose `slug` and
// `name` are required when creating.
/// A new category (`slug` and `name` are required).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewCategory {
    /// Lower-case letters, digits and dashes.
    #[schema(pattern = r"^[a-z0-9-]{2,60}$", example = "alat-tulis")]
    slug: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        example = "Alat tulis kantor"
    )]
    name: String,
    /// The parent category's id; absent or `""`: a top-level category.
    #[schema(pattern = r"^(?:|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")]
    parent_id: Option<String>,
    /// KBLI codes or prefixes (2 to 5 digits) a vendor needs to list here; empty: open to all.
    #[schema(value_type = Option<Vec<pasar_catalog::service::KbliPrefix>>)]
    kbli_prefixes: Option<Vec<String>>,
    position: Option<i32>,
    active: Option<bool>,
}

/// Add a category (administrators).
#[utoipa::path(post, path = "/api/v1/categories", tag = "catalog", security(("bearer" = [])), request_body = NewCategory,
    responses(
        (status = 201, body = CategoryView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_category(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<CategoryInput>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(input)) = (user, body);
    let now = state.now();
    let view = state.run(move |conn| catalog::create_category(conn, now, &actor, input)).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Rename, move, reopen or close a category, or change its KBLI rule (administrators).
#[utoipa::path(patch, path = "/api/v1/categories/{id}", tag = "catalog", security(("bearer" = [])), request_body = CategoryInput,
    params(("id" = uuid::Uuid, Path, description = "Category id")),
    responses(
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 200, body = CategoryView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_category(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<CategoryInput>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(input)) = (user, body);
    let id = path_id::<CategoryId>(&id, "category")?;
    let now = state.now();
    let view = state.run(move |conn| catalog::update_category(conn, now, &actor, &id, input)).await?;
    Ok(HttpResponse::Ok().json(view))
}

// For the OpenAPI document: the handler reads a `ProductInput`, whose `name`,
// `category_id`, `unit` and `unit_price_idr` are required when creating.
/// A new product (`name`, `category_id`, `unit` and `unit_price_idr` are required).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewProduct {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
        example = "Kursi kantor lipat"
    )]
    name: String,
    #[schema(max_length = 10000)]
    description: Option<String>,
    /// An open category whose KBLI rule the vendor meets.
    category_id: uuid::Uuid,
    #[schema(max_length = 100)]
    brand: Option<String>,
    /// The vendor's own code, unique among its products.
    #[schema(max_length = 64)]
    sku: Option<String>,
    #[schema(value_type = pasar_catalog::model::Unit)]
    unit: String,
    /// The highest unit price (HST), whole rupiah; negotiation may only lower it.
    #[schema(minimum = 1)]
    unit_price_idr: i64,
    #[schema(minimum = 1, maximum = 2147483647)]
    min_order: Option<i64>,
    #[schema(minimum = 0, maximum = 2147483647)]
    stock: Option<i64>,
    #[schema(minimum = 0, maximum = 2147483647)]
    weight_grams: Option<i64>,
    /// Specifications as key–value pairs (at most 50; keys 1 to 100 characters, values at most 500).
    specs: Option<BTreeMap<String, String>>,
    local_content: Option<pasar_catalog::service::LocalContentInput>,
}

/// List a new product, as a draft (users of an approved vendor).
///
/// With an `Idempotency-Key`, sending the same request again returns the first answer
/// instead of making a second product.
#[utoipa::path(post, path = "/api/v1/products", tag = "catalog", security(("bearer" = [])), request_body = NewProduct,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[A-Za-z0-9_.:~+/=-]+$",
        description = "Optional. 1–255 letters, digits or `-_.:~+/=` (a UUID is fine), new for each product. \
                       The same key with the same body within `server.idempotency_key_hours` (24 h) returns the \
                       first answer with `Idempotency-Replayed: true`; with another body it is a 422. Keys are \
                       the caller's own.")),
    responses(
        (status = 201, body = ProductView, headers(
            ("Location" = String, description = "The new product"),
            ("Idempotency-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same key"),
        )),
        (status = 400, description = "A malformed `Idempotency-Key` (`invalid_header`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an approved vendor", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SKU taken; or `idempotency_key_in_progress`: a request with this key is still being served (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; or `idempotency_key_reused`: the key was used for another request", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_product(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Idempotent<ProductInput>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), Idempotent { idempotency, body: input }) = (user, body);
    let st = state.clone();
    let now = state.now();
    let who = actor.clone();
    idempotency
        .run(&state, &who, move |conn| {
            let view = catalog::create_product(conn, &st.vendors, now, &actor, input)?;
            let reply = idempotency::json_reply(StatusCode::CREATED, &view)?;
            Ok(idempotency::with_header(reply, header::LOCATION, format!("/api/v1/products/{}", view.id)))
        })
        .await
}

/// A product: the approved version for buyers and the public; in full (working copy,
/// status, approved facts) for its vendor and the curation desk.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog", security((), ("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Product id")),
    responses((status = 200, body = ProductView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_product(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let MaybeAuthUser(actor) = user;
    let id = product_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let view = state.run(move |conn| catalog::get_product(conn, &st.vendors, now, actor.as_ref(), &id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Edit a product (the vendor's own users). Name, category and TKDN changes to a
/// published product go back to the curator; buyers see the approved version meanwhile.
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = [])), request_body = ProductInput,
    params(("id" = uuid::Uuid, Path, description = "Product id")),
    responses(
        (status = 200, body = ProductView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_product(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ProductInput>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(input)) = (user, body);
    let id = product_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let view = state.run(move |conn| catalog::update_product(conn, &st.vendors, now, &actor, &id, input)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Remove a product from the catalogue (the vendor's own users).
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Product id")),
    responses(
        (status = 403, body = Problem, content_type = "application/problem+json"),(status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_product(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = product_id(&id)?;
    let now = state.now();
    state.run(move |conn| catalog::delete_product(conn, now, &actor, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every price the product has had, oldest first (whoever may see the product).
#[utoipa::path(get, path = "/api/v1/products/{id}/price-history", tag = "catalog", security((), ("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Product id")),
    responses((status = 200, body = Vec<PricePoint>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn price_history(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let MaybeAuthUser(actor) = user;
    let id = product_id(&id)?;
    let st = state.clone();
    let list = state.run(move |conn| catalog::price_history(conn, &st.vendors, actor.as_ref(), &id)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Send a draft, rejected or taken-down product to the curator.
#[utoipa::path(post, path = "/api/v1/products/{id}/submit", tag = "catalog", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Product id")),
    responses((status = 200, body = ProductView), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn submit_product(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = product_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let view = state.run(move |conn| catalog::submit_product(conn, &st.vendors, now, &actor, &id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Approve or reject a submitted product or change (curators, administrators).
#[utoipa::path(post, path = "/api/v1/products/{id}/review", tag = "curation", security(("bearer" = [])), request_body = ProductReview,
    params(("id" = uuid::Uuid, Path, description = "Product id")),
    responses(
        (status = 200, body = ProductView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn review_product(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ProductReview>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(input)) = (user, body);
    let id = product_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let view = state.run(move |conn| catalog::review_product(conn, &st.vendors, now, &actor, &id, input)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Take a published product down (turun tayang), with a reason (curators, administrators).
#[utoipa::path(post, path = "/api/v1/products/{id}/takedown", tag = "curation", security(("bearer" = [])), request_body = ReasonRequest,
    params(("id" = uuid::Uuid, Path, description = "Product id")),
    responses(
        (status = 200, body = ProductView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn take_down(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let (AuthUser(actor), ApiJson(b)) = (user, body);
    let id = product_id(&id)?;
    let st = state.clone();
    let now = state.now();
    let view = state.run(move |conn| catalog::take_down(conn, &st.vendors, now, &actor, &id, &b.reason)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A page of products (for the OpenAPI document).
#[derive(ToSchema)]
pub struct ProductPage {
    pub items: Vec<ProductView>,
    pub next_cursor: Option<String>,
}

/// A vendor's own catalogue, drafts included (its users, curators, administrators, auditors).
#[utoipa::path(get, path = "/api/v1/vendors/{id}/products", tag = "catalog", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id"), PageParams),
    responses((status = 200, body = ProductPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn vendor_products(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let vendor = path_id::<OrganizationId>(&id, "vendor")?.to_string();
    let page = query::<PageParams>(&req)?.parse()?;
    let st = state.clone();
    let now = state.now();
    let page = state.run(move |conn| catalog::vendor_products(conn, &st.vendors, now, &actor, &vendor, &page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQueueQuery {
    /// `submitted` (default) or `changes_submitted`.
    #[param(schema_with = product_queue_statuses)]
    pub status: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

fn product_queue_statuses() -> utoipa::openapi::Object {
    crate::extract::one_of(&["submitted", "changes_submitted"])
}

/// Products waiting for the curator, oldest first (curators, administrators, auditors).
#[utoipa::path(get, path = "/api/v1/curation/products", tag = "curation", security(("bearer" = [])), params(ProductQueueQuery),
    responses(
        (status = 422, description = "The cursor is not one of this list", body = Problem, content_type = "application/problem+json"),(status = 200, body = ProductPage), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn product_queue(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: ProductQueueQuery = query(&req)?;
    let page = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    let status = match q.status.as_deref() {
        None | Some("submitted") => ProductStatus::Submitted,
        Some("changes_submitted") => ProductStatus::ChangesSubmitted,
        Some(_) => return Err(ApiError::invalid_query("status", "must be submitted or changes_submitted")),
    };
    let st = state.clone();
    let now = state.now();
    let page = state.run(move |conn| catalog::product_queue(conn, &st.vendors, now, &actor, status, &page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Import products from CSV (the vendor's own users), all or nothing.
///
/// Columns (header row, any order): `name`, `category` (slug or id), `unit`,
/// `unit_price_idr` required; `description`, `brand`, `sku`, `min_order`, `stock`,
/// `weight_grams`, `tkdn_certificate`, `tkdn_bp`, `bmp_bp`, `tkdn_valid_until`,
/// `specs` (`key=value; key=value`) optional. Every product is created as a draft. Any
/// bad row fails the import, with each problem named `rows[N].column`. Numbers are whole:
/// `unit_price_idr`, `min_order`, `stock` and `weight_grams` may group thousands with dots
/// (`1.250.000`), `tkdn_bp` and `bmp_bp` are digits only; decimals, commas, currency
/// signs and spaces are refused. A file with more rows than `catalog.import_max_rows`
/// (20,000 by default) is refused with 413 (field `rows`).
#[utoipa::path(post, path = "/api/v1/vendors/{id}/products/import", tag = "catalog", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 409, description = "A SKU is taken", body = Problem, content_type = "application/problem+json"),
        (status = 201, body = pasar_catalog::service::ImportReport),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Nothing imported: every problem by row and column", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn import_products(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let vendor = path_id::<OrganizationId>(&id, "vendor")?.to_string();
    crate::extract::require_csv(&req)?;
    let body = crate::extract::read_limited(payload, state.limits.upload_bytes, Some("file")).await?;
    let st = state.clone();
    let now = state.now();
    let report = state
        .run(move |conn| {
            catalog::import_products(
                conn,
                now,
                st.vendors.time_zone,
                catalog::Importer::User(&actor),
                &vendor,
                &body,
                Some(st.limits.import_rows),
                &|_| {},
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(report))
}

// --- photos -----------------------------------------------------------------------------------------

/// The multipart form of a photo upload (for the OpenAPI document).
#[derive(ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ImageForm {
    /// A JPEG or PNG picture (judged by content; it must decode), at most
    /// `uploads.max_bytes` and 10,000 pixels a side.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn image_ids(raw: &(String, String)) -> Result<(ProductId, String), ApiError> {
    Ok((product_id(&raw.0)?, path_id::<uuid::Uuid>(&raw.1, "image")?.to_string()))
}

/// Add a photo to a product; the first is the cover search results show (the vendor's
/// own users). A thumbnail of at most 320 pixels is made at once.
#[utoipa::path(post, path = "/api/v1/products/{id}/images", tag = "catalog", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Product id")),
    request_body(content = ImageForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = ImageView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Ten photos already", body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a JPEG or PNG picture", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The file store is unavailable (retry after `Retry-After` seconds)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload_image(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let id = product_id(&id)?;
    // Outsiders are refused before the body is read.
    let (a, pid) = (actor.clone(), id);
    state.run(move |conn| images::may_change(conn, &a, &pid)).await?;
    let form = read_upload(&req, payload, state.limits.upload_bytes, &[]).await?;
    let (st, now) = (state.clone(), state.now());
    let view = state.run(move |conn| images::upload(conn, st.files.as_ref(), now, &actor, &id, &form.bytes)).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, view.url.clone())).json(view))
}

/// A product's photos in display order (whoever may see the product).
#[utoipa::path(get, path = "/api/v1/products/{id}/images", tag = "catalog", security((), ("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Product id")),
    responses((status = 200, body = Vec<ImageView>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list_images(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let MaybeAuthUser(actor) = user;
    let id = product_id(&id)?;
    let st = state.clone();
    let list = state.run(move |conn| images::list(conn, &st.vendors, actor.as_ref(), &id)).await?;
    Ok(HttpResponse::Ok().json(list))
}

async fn serve_image(
    state: web::Data<AppState>,
    actor: Option<pasar_auth::Actor>,
    path: &(String, String),
    thumbnail: bool,
) -> Result<HttpResponse, ApiError> {
    let (id, image) = image_ids(path)?;
    let st = state.clone();
    let (content_type, bytes) = state
        .run(move |conn| images::file(conn, st.files.as_ref(), &st.vendors, actor.as_ref(), &id, &image, thumbnail))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(header::CacheControl(vec![header::CacheDirective::Private, header::CacheDirective::MaxAge(300)]))
        .body(bytes))
}

/// A photo as uploaded (whoever may see the product).
#[utoipa::path(get, path = "/api/v1/products/{id}/images/{image}", tag = "catalog", security((), ("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Product id"), ("image" = uuid::Uuid, Path, description = "Image id")),
    responses(
        (status = 200, description = "The picture", content_type = "image/jpeg"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The file store is unavailable (retry after `Retry-After` seconds)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn image_file(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    serve_image(state, user.0, &path, false).await
}

/// A photo's thumbnail: a JPEG of at most 320 pixels a side (whoever may see the product).
#[utoipa::path(get, path = "/api/v1/products/{id}/images/{image}/thumbnail", tag = "catalog", security((), ("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Product id"), ("image" = uuid::Uuid, Path, description = "Image id")),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/jpeg"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The file store is unavailable (retry after `Retry-After` seconds)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn image_thumbnail(
    state: web::Data<AppState>,
    user: MaybeAuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    serve_image(state, user.0, &path, true).await
}

/// Remove a photo (the vendor's own users).
#[utoipa::path(delete, path = "/api/v1/products/{id}/images/{image}", tag = "catalog", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Product id"), ("image" = uuid::Uuid, Path, description = "Image id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_image(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let (id, image) = image_ids(&path)?;
    let (st, now) = (state.clone(), state.now());
    state.run(move |conn| images::remove(conn, st.files.as_ref(), now, &actor, &id, &image)).await?;
    Ok(HttpResponse::NoContent().finish())
}
