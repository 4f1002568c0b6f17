//! `/api/v1/orders/export`, `/api/v1/invoices/export`, `/api/v1/order-lines/export`: the
//! order list, the invoice list and the order lines with their frozen facts, as CSV or
//! XLSX, scoped exactly as `GET /api/v1/orders` is. See `docs/EXPORTS.md`.
//!
//! The query is checked and the caller's scope worked out before anything is sent, so a
//! bad format or filter is a problem naming it. Then a blocking thread reads the orders
//! page by page and writes the file into a small channel whose other end is the response
//! body: memory stays flat whatever the number of rows, and a client that hangs up stops
//! the work at the next chunk.

use crate::extract::{one_of, query, query_date, AuthUser};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use pasar_auth::Actor;
use pasar_order::model::OrderState;
use pasar_order::store::OrderFilter;
use pasar_order::view::{self, ListQuery};
use pasar_report::export::{self, Format};
use pasar_report::lists::{self, List, INVOICE_STATES};
use serde::Deserialize;
use std::io::{self, Write};
use tokio::sync::mpsc;
use utoipa::IntoParams;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/orders/export").route(web::get().to(export_orders)))
        .service(web::resource("/invoices/export").route(web::get().to(export_invoices)))
        .service(web::resource("/order-lines/export").route(web::get().to(export_order_lines)));
}

pub(crate) fn formats() -> utoipa::openapi::Object {
    one_of(Format::ALL)
}

fn order_states() -> utoipa::openapi::Object {
    one_of(&OrderState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

fn invoice_states() -> utoipa::openapi::Object {
    one_of(&INVOICE_STATES.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

/// An XLSX workbook (for the OpenAPI document).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Workbook(pub Vec<u8>);

/// The order list's filters, and the file format.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (the default) or `xlsx`.
    #[param(schema_with = formats)]
    pub format: Option<String>,
    /// Only orders in this state.
    #[param(schema_with = order_states)]
    pub state: Option<String>,
    #[param(value_type = Option<uuid::Uuid>)]
    pub vendor_id: Option<String>,
    #[param(value_type = Option<uuid::Uuid>)]
    pub satker_id: Option<String>,
    /// Created on or after this day (`YYYY-MM-DD`, the marketplace's time zone).
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Created on or before this day.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
}

/// The invoice list's filters (its states are the invoice's), and the file format.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceExportQuery {
    /// `csv` (the default) or `xlsx`.
    #[param(schema_with = formats)]
    pub format: Option<String>,
    /// Only invoices whose order is in this state.
    #[param(schema_with = invoice_states)]
    pub state: Option<String>,
    #[param(value_type = Option<uuid::Uuid>)]
    pub vendor_id: Option<String>,
    #[param(value_type = Option<uuid::Uuid>)]
    pub satker_id: Option<String>,
    /// Orders created on or after this day (`YYYY-MM-DD`, the marketplace's time zone).
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Orders created on or before this day.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
}

fn uuid_param(v: Option<String>, name: &str) -> Result<Option<String>, ApiError> {
    v.map(|s| {
        uuid::Uuid::parse_str(&s)
            .ok()
            .filter(|_| s.len() == 36)
            .map(|u| u.to_string())
            .ok_or_else(|| ApiError::invalid_query(name, "must be an id"))
    })
    .transpose()
}

/// Which file, of what, for whom: everything checked before the first byte is sent.
struct Request {
    format: Format,
    list: List,
    filter: Option<OrderFilter>,
}

fn parse(
    state: &AppState,
    actor: &Actor,
    list: List,
    q: ExportQuery,
    allowed: &[OrderState],
) -> Result<Request, ApiError> {
    let format = match q.format.as_deref() {
        None | Some("") => Format::Csv,
        Some(f) => Format::parse(f).map_err(|e| ApiError::invalid_query("format", e))?,
    };
    // An empty state is none of the states the document lists.
    let order_state = q
        .state
        .map(|s| {
            let parsed = OrderState::parse(&s).map_err(|e| ApiError::invalid_query("state", e))?;
            if allowed.contains(&parsed) {
                Ok(parsed)
            } else {
                let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
                Err(ApiError::invalid_query("state", format!("must be one of {}", names.join(", "))))
            }
        })
        .transpose()?;
    let lq = ListQuery {
        state: order_state,
        vendor_id: uuid_param(q.vendor_id, "vendor_id")?,
        satker_id: uuid_param(q.satker_id, "satker_id")?,
        from: query_date(q.from, "from")?,
        to: query_date(q.to, "to")?,
    };
    if let (Some(from), Some(to)) = (lq.from, lq.to) {
        if to < from {
            // Each day is well-formed; together they are not: 422, as for the order list.
            return Err(ApiError::new(pasar_core::Code::ValidationFailed, "The period is invalid.")
                .with_field("to", "must not be before from"));
        }
    }
    let filter = view::scoped_filter(&state.orders, actor, lq)?;
    Ok(Request { format, list, filter })
}

/// An `io::Write` whose bytes go, in chunks, into the response body's channel. Writing
/// fails once the client has gone (the receiver is dropped), which ends the export.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, ApiError>>,
    buf: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// Starts the export on a blocking thread and answers with its stream once the first
/// chunk (or the first error, as a problem) is there.
async fn stream(state: web::Data<AppState>, r: Request) -> Result<HttpResponse, ApiError> {
    let Request { format, list, filter } = r;
    stream_table(state, format, list.file_stem(), move || lists::table(list, filter)).await
}

/// Streams the table `make` gives (made on the blocking thread) as `format`, in a file
/// named `{stem}-{day}.{csv|xlsx}`. An error before the first byte (a refusal, say) is
/// answered as a problem.
pub async fn stream_table<F>(
    state: web::Data<AppState>,
    format: Format,
    stem: &'static str,
    make: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Box<dyn export::Table + Send> + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Result<Bytes, ApiError>>(4);
    let pool = state.pool.clone();
    let zone = state.orders.time_zone();
    // Detached: it ends when the table does or when the client goes away.
    drop(web::block(move || {
        let mut table = make();
        let result = pool.get().map_err(|e| ApiError::from(pasar_db::DbError::Pool(e))).and_then(|mut conn| {
            let mut out = ChannelWriter { tx: tx.clone(), buf: Vec::with_capacity(CHUNK) };
            export::write(format, table.as_mut(), &mut conn, zone, &mut out).map_err(ApiError::from)?;
            out.flush().map_err(|e| ApiError::from(pasar_report::export::ExportError::from(e)))
        });
        if let Err(e) = result {
            if !tx.is_closed() {
                if e.code == pasar_core::Code::Internal {
                    tracing::error!(list = stem, error = %e, "export failed");
                }
                let _ = tx.blocking_send(Err(e));
            }
        }
    }));
    let first = match rx.recv().await {
        Some(Ok(bytes)) => bytes,
        Some(Err(e)) => return Err(e),
        None => return Err(ApiError::internal("the export ended without a byte")),
    };
    // A failure after the first chunk can no longer change the status: the body ends
    // with an error, so the client sees a broken transfer, never a short file.
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item.map_err(|e| io::Error::other(e.to_string())), rx))
    });
    let body = futures_util::StreamExt::chain(futures_util::stream::once(async move { Ok(first) }), rest);
    let day = state.orders.time_zone().date(state.now());
    let file = format!("{stem}-{day}.{}", format.extension());
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// The export of `list` for `actor`, as the API answers it (the web pages' export
/// buttons use it too, with the session's actor): the query is checked, the scope
/// worked out, then the file streamed. Invoices take only the invoice's states.
pub async fn respond(
    state: web::Data<AppState>,
    actor: &Actor,
    list: List,
    q: ExportQuery,
) -> Result<HttpResponse, ApiError> {
    let allowed = if list == List::Invoices { INVOICE_STATES } else { OrderState::ALL };
    let r = parse(&state, actor, list, q, allowed)?;
    stream(state, r).await
}

/// The order list as a file: the columns of `GET /api/v1/orders` and the satker's and
/// vendor's names, newest first, with the same filters and the same scope (a satker's
/// PP, PPK and bendahara get the satker's orders, a vendor its own, administrators and
/// auditors all; a filter naming someone else's satker or vendor gets the header alone).
#[utoipa::path(get, path = "/api/v1/orders/export", tag = "orders", security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "The file, streamed (`Content-Disposition: attachment; filename=\"pesanan-YYYY-MM-DD.csv\"`)",
            content((String = "text/csv"), (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"…-YYYY-MM-DD.csv\"` (or `.xlsx`), the day in the marketplace's zone"))),
        (status = 400, description = "`invalid_query` naming `format`, `state`, `vendor_id`, `satker_id`, `from` or `to`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` before `from`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A role that has no orders (a curator)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_orders(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    respond(state, &actor, List::Orders, query(&req)?).await
}

/// The invoice list as a file: every order with an invoice (invoiced, awaiting payment,
/// paid, completed), with the invoice's figures — price before PPN, DPP, PPN, PPh 22,
/// what the bendahara pays and the vendor receives — and when it was paid. Scoped as the
/// order list is.
#[utoipa::path(get, path = "/api/v1/invoices/export", tag = "orders", security(("bearer" = [])),
    params(InvoiceExportQuery),
    responses(
        (status = 200, description = "The file, streamed (`tagihan-YYYY-MM-DD.csv` or `.xlsx`)",
            content((String = "text/csv"), (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"…-YYYY-MM-DD.csv\"` (or `.xlsx`), the day in the marketplace's zone"))),
        (status = 400, description = "`invalid_query` naming the parameter (a `state` an invoice cannot be in, too)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` before `from`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A role that has no orders", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_invoices(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let q: InvoiceExportQuery = query(&req)?;
    let q = ExportQuery {
        format: q.format,
        state: q.state,
        vendor_id: q.vendor_id,
        satker_id: q.satker_id,
        from: q.from,
        to: q.to,
    };
    respond(state, &actor, List::Invoices, q).await
}

/// The order lines of the listed orders as a file, one row per line with the facts
/// frozen at the Surat Pesanan: product, quantity, unit price, line value, TKDN %, BMP %,
/// PDN class, UMKK, local vendor, vendor scale and region, category. Same filters and
/// scope as the order list.
#[utoipa::path(get, path = "/api/v1/order-lines/export", tag = "orders", security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "The file, streamed (`rincian-pesanan-YYYY-MM-DD.csv` or `.xlsx`)",
            content((String = "text/csv"), (Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"…-YYYY-MM-DD.csv\"` (or `.xlsx`), the day in the marketplace's zone"))),
        (status = 400, description = "`invalid_query` naming the parameter", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` before `from`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A role that has no orders", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export_order_lines(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    respond(state, &actor, List::OrderLines, query(&req)?).await
}
