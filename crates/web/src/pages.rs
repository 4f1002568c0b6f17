//! The templates and what each one receives. `ctx` is always there (see [`Ctx`]).

use crate::ctx::Ctx;
use crate::forms::Errors;
use askama::Template;
use pasar_catalog::images::ImageView;
use pasar_catalog::service::{PricePoint, ProductView};

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub ctx: &'a Ctx,
    pub title: String,
    pub text: String,
}

/// A short message after an action, with an optional link onwards.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub ctx: &'a Ctx,
    pub title: String,
    pub text: String,
    pub link_href: String,
    pub link_text: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub email: String,
    pub back: String,
}

#[derive(Template)]
#[template(path = "forgot.html")]
pub struct ForgotPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub email: String,
}

#[derive(Template)]
#[template(path = "reset.html")]
pub struct ResetPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub token: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub token: String,
}

#[derive(Template)]
#[template(path = "invite.html")]
pub struct InvitePage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub token: String,
    /// (Not `name`: the form macros take a parameter of that name.)
    pub full_name: String,
}

/// A category to link to or choose.
pub struct CategoryOption {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage<'a> {
    pub ctx: &'a Ctx,
    pub categories: Vec<CategoryOption>,
}

/// A badge that explains a product's rank, in words (never colour alone).
pub struct Badge {
    pub text: String,
    pub class: &'static str,
}

/// A product in a list.
pub struct Hit {
    pub id: String,
    pub name: String,
    pub vendor_id: String,
    pub vendor_name: String,
    pub price: String,
    pub unit: String,
    pub thumbnail: Option<String>,
    pub badges: Vec<Badge>,
    /// Why it ranks where it does, in words.
    pub why: String,
    pub in_stock: bool,
}

pub struct SortOption {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

pub struct FacetLink {
    pub label: String,
    pub count: String,
    pub href: String,
    pub active: bool,
}

pub struct FacetGroup {
    pub title: String,
    pub items: Vec<FacetLink>,
}

pub struct PageLink {
    pub number: usize,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub q: String,
    pub min_price: String,
    pub max_price: String,
    pub pdn: bool,
    pub umkk: bool,
    pub in_stock: bool,
    /// The filters start open when one is in use (or wrong).
    pub filters_open: bool,
    pub categories: Vec<CategoryOption>,
    pub sorts: Vec<SortOption>,
    pub summary: String,
    pub unavailable: bool,
    pub hits: Vec<Hit>,
    pub facets: Vec<FacetGroup>,
    pub pages: Vec<PageLink>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "product.html")]
pub struct ProductPage<'a> {
    pub ctx: &'a Ctx,
    pub p: ProductView,
    pub badges: Vec<Badge>,
    pub why: String,
    pub images: Vec<ImageView>,
    pub prices: Vec<PricePoint>,
}

pub struct RatingLine {
    pub score: i32,
    pub comment: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "vendor.html")]
pub struct VendorPage<'a> {
    pub ctx: &'a Ctx,
    pub name: String,
    pub legal_name: String,
    pub legal_form: String,
    pub scale: String,
    pub region: String,
    pub badges: Vec<Badge>,
    pub rating_text: String,
    pub ratings: Vec<RatingLine>,
    pub hits: Vec<Hit>,
}
