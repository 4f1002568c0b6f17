//! The export buttons of the order and invoice lists: `GET /ekspor/{pesanan|tagihan|
//! rincian-pesanan}?format=csv|xlsx&status=…` answers with the file, as the REST API's
//! `/api/v1/…/export` does and through the same function, for the signed-in person:
//! the same scope as the list (a satker's people their satker's, a vendor its own,
//! administrators and auditors all), streamed.

use crate::ctx::{Ctx, PageResult};
use crate::resource;
use actix_web::http::StatusCode;
use actix_web::web;
use pasar_api::exports::ExportQuery;
use pasar_api::AppState;
use pasar_report::lists::List;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/ekspor/{list}").route(web::get().to(export)));
}

#[derive(Deserialize, Default)]
pub struct Params {
    format: Option<String>,
    status: Option<String>,
}

/// A download button.
pub struct ExportLink {
    pub href: String,
    pub label: String,
}

/// The CSV and XLSX buttons of the list `list` (`pesanan`, `tagihan`) as the page shows
/// it: only the state of the selected tab, when one is.
pub fn links(ctx: &Ctx, list: &str, status: Option<&str>) -> Vec<ExportLink> {
    ["csv", "xlsx"]
        .into_iter()
        .map(|format| {
            let mut q = vec![("format", format)];
            if let Some(s) = status {
                q.push(("status", s));
            }
            ExportLink {
                href: format!("/ekspor/{list}?{}", serde_urlencoded::to_string(q).unwrap_or_default()),
                label: ctx.t(&format!("export.{format}")),
            }
        })
        .collect()
}

pub async fn export(
    ctx: Ctx,
    state: web::Data<AppState>,
    list: web::Path<String>,
    q: web::Query<Params>,
) -> PageResult {
    let user = ctx.require_user()?;
    let list = match list.as_str() {
        "pesanan" => List::Orders,
        "tagihan" => List::Invoices,
        "rincian-pesanan" => List::OrderLines,
        _ => return Err(ctx.error_page(StatusCode::NOT_FOUND, None)),
    };
    let Params { format, status } = q.into_inner();
    let query = ExportQuery { format, state: status, ..Default::default() };
    pasar_api::exports::respond(state, &user.actor, list, query).await.map_err(|e| ctx.fail(e))
}
