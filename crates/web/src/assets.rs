//! Static files compiled into the binary, served under `/static/<name>.<hash>.<ext>`:
//! the hash of the content is in the name, so a browser may keep each for a year and a
//! new release is fetched at once. Nothing comes from another host.

use crate::ctx::{Ctx, PageError};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// A file: its plain name, type and bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// Every static file. Add one here and link it with `ctx.asset("name")`.
const FILES: &[Asset] = &[
    Asset { name: "site.css", content_type: "text/css; charset=utf-8", bytes: include_bytes!("../static/site.css") },
    Asset { name: "icon.svg", content_type: "image/svg+xml", bytes: include_bytes!("../static/icon.svg") },
];

struct Served {
    asset: &'static Asset,
    /// `site.3f2a9c01b7.css`
    hashed: String,
}

fn served() -> &'static [Served] {
    static SERVED: OnceLock<Vec<Served>> = OnceLock::new();
    SERVED.get_or_init(|| {
        FILES
            .iter()
            .map(|asset| {
                let hash = hex::encode(&Sha256::digest(asset.bytes)[..5]);
                let hashed = match asset.name.rsplit_once('.') {
                    Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                    None => format!("{}.{hash}", asset.name),
                };
                Served { asset, hashed }
            })
            .collect()
    })
}

/// The address of a static file by its plain name (`site.css` →
/// `/static/site.3f2a9c01b7.css`). Panics on an unknown name: a typo shows in the first
/// test that renders the page.
pub fn url(name: &str) -> String {
    let s = served().iter().find(|s| s.asset.name == name).unwrap_or_else(|| panic!("no static file {name}"));
    format!("/static/{}", s.hashed)
}

/// `GET /static/{file}`: the file whose hashed name it is, cacheable for a year (an
/// old or unknown name: the 404 page).
pub async fn serve(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, PageError> {
    let Some(s) = served().iter().find(|s| s.hashed == *file) else {
        return Err(Ctx::anonymous(&req).error_page(StatusCode::NOT_FOUND, None));
    };
    Ok(HttpResponse::Ok()
        .content_type(s.asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(s.asset.bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_carry_the_content_hash() {
        let u = super::url("site.css");
        assert!(
            u.starts_with("/static/site.") && u.ends_with(".css") && u.len() == "/static/site..css".len() + 10,
            "{u}"
        );
    }
}
