//! The public pages: the home page, search, a product, a vendor. Anyone may read
//! them; a logged-in buyer sees the same (the services decide what each may see).

use crate::ctx::{Ctx, PageResult};
use crate::forms::Errors;
use crate::pages::{
    Badge, CategoryOption, FacetGroup, FacetLink, Hit, HomePage, PageLink, ProductPage, RatingLine, SearchPage,
    SortOption, VendorPage,
};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use pasar_api::AppState;
use pasar_catalog::model::PriorityTier;
use pasar_catalog::search::{params, SearchDoc, SearchError, Sort};
use pasar_catalog::service as catalog;
use pasar_catalog::store::CategoryRow;
use pasar_core::id::{OrganizationId, ProductId};
use std::collections::BTreeMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::resource("/").route(web::get().to(home)))
        .service(crate::resource("/produk").route(web::get().to(search_page)))
        .service(crate::resource("/produk/{id}").route(web::get().to(product_page)))
        .service(crate::resource("/penyedia/{id}").route(web::get().to(vendor_page)));
}

fn top_categories(rows: &[CategoryRow], selected: &str) -> Vec<CategoryOption> {
    let mut list: Vec<&CategoryRow> = rows.iter().filter(|c| c.active).collect();
    list.sort_by(|a, b| {
        (a.parent_id.is_some(), a.position, &a.name).cmp(&(b.parent_id.is_some(), b.position, &b.name))
    });
    list.into_iter()
        .map(|c| CategoryOption {
            id: c.id.clone(),
            name: c.name.clone(),
            selected: c.id == selected || c.slug == selected,
        })
        .collect()
}

/// `GET /`: the search box and the categories.
pub async fn home(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    let rows = state.run(params::category_tree).await.map_err(|e| ctx.fail(e))?;
    let categories = top_categories(&rows, "").into_iter().take(24).collect();
    Ok(ctx.ok(&HomePage { ctx: &ctx, categories }))
}

/// The badges of a product, in words.
pub fn badges(ctx: &Ctx, tkdn_bp: i64, pdn: bool, umkk: bool, local: bool) -> Vec<Badge> {
    let mut out = Vec::new();
    if tkdn_bp > 0 {
        let text = ctx.t_with("badge.tkdn", &[("percent", &ctx.percent_bp(&tkdn_bp))]);
        out.push(Badge { text, class: "badge-tkdn" });
    }
    if pdn {
        out.push(Badge { text: ctx.t("badge.pdn"), class: "badge-pdn" });
    }
    if umkk {
        out.push(Badge { text: ctx.t("badge.umkk"), class: "badge-umkk" });
    }
    if local {
        out.push(Badge { text: ctx.t("badge.local"), class: "badge-local" });
    }
    out
}

/// Why a product ranks where it does, in the page's language (the facts
/// `search::explain` gives the API).
pub fn why(ctx: &Ctx, tier: PriorityTier, umkk: bool, local: bool) -> String {
    let tier = match tier {
        PriorityTier::PdnPriority => ctx.t("rank.pdn_priority"),
        PriorityTier::Tkdn25 => ctx.t("rank.tkdn25"),
        PriorityTier::TkdnBelow25 => ctx.t("rank.tkdn_below25"),
        PriorityTier::Domestic => ctx.t("rank.domestic"),
        PriorityTier::Import => ctx.t("rank.import"),
    };
    let umkk = if umkk { ctx.t("rank.umkk") } else { ctx.t("rank.not_umkk") };
    let local = if local { ctx.t("rank.local") } else { ctx.t("rank.not_local") };
    ctx.t_with("rank.why", &[("tier", &tier), ("umkk", &umkk), ("local", &local)])
}

pub fn hit(ctx: &Ctx, d: SearchDoc) -> Hit {
    Hit {
        badges: badges(ctx, d.tkdn_bp, d.pdn_priority, d.umkk, d.local),
        why: why(ctx, d.priority_tier, d.umkk, d.local),
        price: ctx.money(&d.unit_price_idr),
        id: d.id,
        name: d.name,
        vendor_id: d.vendor_id,
        vendor_name: d.vendor_name,
        unit: d.unit,
        thumbnail: d.thumbnail_url,
        in_stock: d.in_stock,
    }
}

/// The search's own parameters as they came, without empty ones (an empty form field
/// means "no filter") and without anything the search does not know.
fn search_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs
        .into_iter()
        .filter(|(k, v)| params::PARAMS.contains(&k.as_str()) && k != "per_page" && !v.trim().is_empty())
        .collect()
}

fn href(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return "/produk".into();
    }
    format!("/produk?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

/// The same search with `key` set to `value` (or removed), from page 1.
fn with(pairs: &[(String, String)], key: &str, value: Option<&str>) -> String {
    let mut out: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != key && k != "page").cloned().collect();
    if let Some(v) = value {
        out.push((key.to_owned(), v.to_owned()));
    }
    href(&out)
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_default()
}

/// `GET /produk?q=…`: results with facets, filters, sorting and pages, through the same
/// parameter rules and search engine as `GET /api/v1/products`.
pub async fn search_page(ctx: Ctx, state: web::Data<AppState>, req: HttpRequest) -> PageResult {
    let pairs = search_pairs(&req);
    let rows = state.run(params::category_tree).await.map_err(|e| ctx.fail(e))?;
    let names: BTreeMap<&str, &str> = rows.iter().map(|c| (c.id.as_str(), c.name.as_str())).collect();
    let sort_value = value(&pairs, "sort");
    let sort_value = if sort_value.is_empty() { "relevance" } else { sort_value };
    let mut page = SearchPage {
        ctx: &ctx,
        errors: Errors::none(),
        q: value(&pairs, "q").to_owned(),
        min_price: value(&pairs, "min_price").to_owned(),
        max_price: value(&pairs, "max_price").to_owned(),
        pdn: value(&pairs, "pdn_priority") == "true",
        umkk: value(&pairs, "umkk") == "true",
        in_stock: value(&pairs, "in_stock") == "true",
        filters_open: pairs.iter().any(|(k, _)| k != "q" && k != "page"),
        categories: top_categories(&rows, value(&pairs, "category")),
        sorts: Sort::ALL
            .iter()
            .map(|(v, _)| SortOption { value: v, label: ctx.t(&format!("sort.{v}")), selected: *v == sort_value })
            .collect(),
        summary: String::new(),
        unavailable: false,
        hits: Vec::new(),
        facets: Vec::new(),
        pages: Vec::new(),
        prev: None,
        next: None,
    };
    let query = match params::parse(&pairs, &rows) {
        Ok(q) => q,
        Err(errors) => {
            // Beside the form's field of that name; other parameters (typed into the
            // address) in the summary only.
            let labels = [
                ("q", "search.q"),
                ("category", "search.category"),
                ("min_price", "search.min_price"),
                ("max_price", "search.max_price"),
                ("sort", "search.sort"),
            ];
            for e in errors {
                let message = ctx.service_message(&e.message);
                match labels.iter().find(|(name, _)| *name == e.field) {
                    Some((name, key)) => page.errors.add(name, ctx.t(key), message),
                    None => page.errors.add("", String::new(), format!("{}: {message}", e.field)),
                }
            }
            page.filters_open = true;
            page.summary = ctx.t("search.fix_filters");
            return Ok(ctx.page(StatusCode::BAD_REQUEST, &page));
        }
    };
    let found = match state.search.search(&query).await {
        Ok(found) => found,
        Err(SearchError::Unavailable(why)) => {
            tracing::warn!(%why, "search unavailable for a page");
            page.unavailable = true;
            page.summary = ctx.t("search.no_results");
            return Ok(ctx.page(StatusCode::SERVICE_UNAVAILABLE, &page));
        }
        Err(SearchError::Engine(why)) => {
            tracing::error!(%why, "search failed for a page");
            return Err(ctx.error_page(StatusCode::INTERNAL_SERVER_ERROR, None));
        }
    };
    page.summary = if found.total == 0 {
        ctx.t("search.no_results")
    } else {
        ctx.t_with("search.found", &[("n", &ctx.count(&found.total))])
    };
    page.hits = found.hits.into_iter().map(|d| hit(&ctx, d)).collect();
    // Facets: each value a link that narrows the search (or the current one, marked).
    let yes_no = |key: &str, yes: String, no: String| -> Vec<FacetLink> {
        let counts = found.facets.get(key);
        let current = value(&pairs, key);
        ["true", "false"]
            .iter()
            .filter_map(|v| {
                let n = *counts?.get(*v)?;
                Some(FacetLink {
                    label: if *v == "true" { yes.clone() } else { no.clone() },
                    count: ctx.count(&n),
                    href: with(&pairs, key, Some(v)),
                    active: current == *v,
                })
            })
            .collect()
    };
    let mut facets = Vec::new();
    if let Some(cats) = found.facets.get("category_id") {
        let current = value(&pairs, "category");
        let mut items: Vec<FacetLink> = cats
            .iter()
            .map(|(id, n)| FacetLink {
                label: names.get(id.as_str()).copied().unwrap_or(id).to_owned(),
                count: ctx.count(n),
                href: with(&pairs, "category", Some(id)),
                active: current == id,
            })
            .collect();
        items.sort_by(|a, b| a.label.cmp(&b.label));
        facets.push(FacetGroup { title: ctx.t("search.category"), items });
    }
    if let Some(regions) = found.facets.get("regency") {
        let items = regions
            .iter()
            .filter(|(code, _)| !code.is_empty())
            .map(|(code, n)| FacetLink {
                label: ctx.t_with("search.region_code", &[("code", code)]),
                count: ctx.count(n),
                href: with(&pairs, "region", Some(code)),
                active: value(&pairs, "region") == code,
            })
            .collect();
        facets.push(FacetGroup { title: ctx.t("search.region"), items });
    }
    facets.push(FacetGroup {
        title: ctx.t("badge.pdn"),
        items: yes_no("pdn_priority", ctx.t("search.yes"), ctx.t("search.no")),
    });
    facets.push(FacetGroup {
        title: ctx.t("search.umkk_vendors"),
        items: yes_no("umkk", ctx.t("search.yes"), ctx.t("search.no")),
    });
    page.facets = facets.into_iter().filter(|f| !f.items.is_empty()).collect();
    // Pages: at most 100 deep, as the search allows.
    let last = (found.total.div_ceil(query.per_page as u64) as usize).clamp(1, 100);
    if last > 1 {
        let current = query.page.min(last);
        let at = |n: usize| {
            let mut p: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "page").cloned().collect();
            if n > 1 {
                p.push(("page".into(), n.to_string()));
            }
            href(&p)
        };
        let from = current.saturating_sub(3).max(1);
        let to = (from + 6).min(last);
        page.pages = (from..=to).map(|n| PageLink { number: n, href: at(n), current: n == current }).collect();
        page.prev = (current > 1).then(|| at(current - 1));
        page.next = (current < last).then(|| at(current + 1));
    }
    Ok(ctx.ok(&page))
}

/// `GET /produk/{id}`: photos, facts, badges and the price history.
pub async fn product_page(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let id: ProductId = pasar_api::extract::path_id(&id, "product").map_err(|e| ctx.fail(e))?;
    let actor = ctx.user.as_ref().map(|u| u.actor.clone());
    let (st, now) = (state.clone(), state.now());
    let (p, images, prices) = state
        .run(move |conn| {
            let p = catalog::get_product(conn, &st.vendors, now, actor.as_ref(), &id)?;
            let images = pasar_catalog::images::list(conn, &st.vendors, actor.as_ref(), &id)?;
            let prices = catalog::price_history(conn, &st.vendors, actor.as_ref(), &id)?;
            Ok::<_, pasar_catalog::CatalogError>((p, images, prices))
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    let tkdn = if p.tkdn_lapsed { 0 } else { p.tkdn_bp.unwrap_or(0) as i64 };
    let badges = badges(&ctx, tkdn, p.pdn_priority, p.umkk, p.local);
    let why = why(&ctx, p.priority_tier, p.umkk, p.local);
    Ok(ctx.ok(&ProductPage { ctx: &ctx, p, badges, why, images, prices }))
}

fn text_of(v: &serde_json::Value, key: &str) -> String {
    v.get(key).and_then(|s| s.as_str()).unwrap_or_default().to_owned()
}

/// `GET /penyedia/{id}`: the vendor's public profile, rating and products.
pub async fn vendor_page(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let id: OrganizationId = pasar_api::extract::path_id(&id, "vendor").map_err(|e| ctx.fail(e))?;
    let actor = ctx.user.as_ref().map(|u| u.actor.clone());
    let st = state.clone();
    let vendor_id = id.to_string();
    let (reply, rating) = state
        .run(move |conn| {
            let id = id.to_string();
            let reply = pasar_vendor_onboarding::service::get_vendor(conn, &st.vendors, actor.as_ref(), &id)?;
            let rating = pasar_order::flow::vendor_rating(conn, &id)?;
            Ok::<_, pasar_order::OrderError>((reply, rating))
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    // Both the public and the full view name these the same way.
    let v = serde_json::to_value(&reply).unwrap_or_default();
    let legal_name = text_of(&v, "legal_name");
    let name = match (text_of(&v, "name"), text_of(&v, "trade_name")) {
        (n, _) if !n.is_empty() => n,
        (_, t) if !t.is_empty() => t,
        _ => legal_name.clone(),
    };
    let region = v
        .get("region_code")
        .or_else(|| v.get("address").and_then(|a| a.get("region_code")))
        .and_then(|r| r.as_str())
        .map(|code| ctx.t_with("search.region_code", &[("code", code)]))
        .unwrap_or_default();
    let umkk = v.get("umkk").and_then(|b| b.as_bool()).unwrap_or(false);
    let local = v.get("local").and_then(|b| b.as_bool()).unwrap_or(false);
    let legal_form = text_of(&v, "legal_form");
    let scale = text_of(&v, "scale");
    let rating_text = match rating.average {
        Some(avg) => ctx
            .t_with("vendor.rating_value", &[("average", &format!("{avg:.1}")), ("count", &rating.count.to_string())]),
        None => ctx.t("vendor.no_rating"),
    };
    let ratings = rating
        .recent
        .iter()
        .map(|r| RatingLine {
            score: r.score,
            comment: r.comment.clone().unwrap_or_default(),
            when: r.rated_at.map(|at| ctx.date_time(&at)).unwrap_or_default(),
        })
        .collect();
    // Its products: the search, filtered on the vendor, as buyers would find them.
    let pairs = vec![("vendor".to_owned(), vendor_id)];
    let hits = match params::parse(&pairs, &[]) {
        Ok(q) => match state.search.search(&q).await {
            Ok(found) => found.hits.into_iter().map(|d| hit(&ctx, d)).collect(),
            Err(e) => {
                tracing::warn!(error = ?e, "vendor page without products: search failed");
                Vec::new()
            }
        },
        Err(_) => Vec::new(),
    };
    let page = VendorPage {
        ctx: &ctx,
        badges: badges(&ctx, 0, false, umkk, local),
        legal_form: ctx.t(&format!("legal_form.{legal_form}")),
        scale: if scale.is_empty() { String::new() } else { ctx.t(&format!("scale.{scale}")) },
        name,
        legal_name,
        region,
        rating_text,
        ratings,
        hits,
    };
    Ok(ctx.ok(&page))
}
