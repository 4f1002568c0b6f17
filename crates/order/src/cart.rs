//! The buyer's cart, checkout, and the satker's budgets.

use crate::access::{self, satker_buyer};
use crate::error::OrderError;
use crate::model::{FundingSource, Method, OrderState};
use crate::notify::{self, To};
use crate::settings::OrderSettings;
use crate::store::{self, BudgetRow, CartLineRow, LineRow, Opening, OrderRow};
use crate::view::{self, audit_order, OrderView};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use pasar_auth::model::{Actor, Role};
use pasar_catalog::facts::ProductFacts;
use pasar_catalog::stock::{self, Offer};
use pasar_core::clock::local_date;
use pasar_core::error::FieldErrors;
use pasar_core::{FieldError, Rupiah};
use pasar_db::time::to_db;
use pasar_db::{write_tx, DbConn};
use pasar_vendor_onboarding::model::Scale;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The most units one line may ask for.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// One line of the cart, with what the catalogue says about it now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CartLine {
    pub product_id: String,
    pub quantity: i64,
    pub product_name: Option<String>,
    pub unit: Option<String>,
    pub vendor_id: Option<String>,
    pub vendor_name: Option<String>,
    /// The current price (HST), whole rupiah.
    pub unit_price_idr: Option<i64>,
    pub amount_idr: Option<i64>,
    pub min_order: Option<i64>,
    pub stock: Option<i64>,
    /// Whether the line can be checked out as it stands.
    pub buyable: bool,
    /// Why not, when it cannot.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CartView {
    pub lines: Vec<CartLine>,
    /// Sum of the buyable lines at current prices.
    pub total_idr: i64,
    /// How many orders a checkout would make (one per vendor).
    pub vendors: usize,
}

fn cart_line(row: &CartLineRow, offer: Option<&Offer>) -> CartLine {
    let Some(o) = offer else {
        return CartLine {
            product_id: row.product_id.clone(),
            quantity: row.quantity,
            product_name: None,
            unit: None,
            vendor_id: None,
            vendor_name: None,
            unit_price_idr: None,
            amount_idr: None,
            min_order: None,
            stock: None,
            buyable: false,
            problem: Some("the product no longer exists".into()),
        };
    };
    let problem = if let Some(why) = o.unavailable {
        Some(why.to_owned())
    } else if row.quantity < o.min_order {
        Some(format!("the minimum order is {}", o.min_order))
    } else if row.quantity > o.stock {
        Some(format!("only {} left", o.stock))
    } else {
        None
    };
    CartLine {
        product_id: row.product_id.clone(),
        quantity: row.quantity,
        product_name: Some(o.facts.product_name.clone()),
        unit: Some(o.facts.unit.clone()),
        vendor_id: Some(o.facts.vendor_id.clone()),
        vendor_name: Some(o.facts.vendor_name.clone()),
        unit_price_idr: Some(o.facts.unit_price_idr),
        amount_idr: o.facts.unit_price_idr.checked_mul(row.quantity),
        min_order: Some(o.min_order),
        stock: Some(o.stock),
        buyable: problem.is_none(),
        problem,
    }
}

/// The caller's cart.
pub fn get_cart(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<CartView, OrderError> {
    satker_buyer(actor)?;
    let today = local_date(now, settings.time_zone());
    let mut lines = Vec::new();
    let rows = store::cart(conn, &actor.user_id.to_string())?;
    let ids: Vec<&str> = rows.iter().map(|r| r.product_id.as_str()).collect();
    for (row, offer) in rows.iter().zip(stock::offers(conn, &settings.vendors, &ids, today)?) {
        lines.push(cart_line(row, offer.as_ref()));
    }
    let total_idr = lines.iter().filter(|l| l.buyable).filter_map(|l| l.amount_idr).fold(0i64, i64::saturating_add);
    let mut vendors: Vec<&str> = lines.iter().filter_map(|l| l.vendor_id.as_deref()).collect();
    vendors.sort_unstable();
    vendors.dedup();
    Ok(CartView { total_idr, vendors: vendors.len(), lines })
}

/// Puts `quantity` of a product in the caller's cart (replacing what was there).
pub fn put_cart_line(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    product_id: &str,
    quantity: i64,
) -> Result<CartView, OrderError> {
    satker_buyer(actor)?;
    let today = local_date(now, settings.time_zone());
    let offer = stock::offer(conn, &settings.vendors, product_id, today)?.ok_or(OrderError::NotFound("product"))?;
    if let Some(why) = offer.unavailable {
        return Err(OrderError::field("product_id", why));
    }
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(OrderError::field("quantity", format!("must be between 1 and {MAX_QUANTITY}")));
    }
    if quantity < offer.min_order {
        return Err(OrderError::field(
            "quantity",
            format!("must be at least the minimum order of {}", offer.min_order),
        ));
    }
    let user = actor.user_id.to_string();
    write_tx(conn, |conn| {
        store::put_cart_line(
            conn,
            &CartLineRow {
                user_id: user.clone(),
                product_id: product_id.to_owned(),
                quantity,
                added_at: to_db(now),
                updated_at: to_db(now),
            },
        )?;
        Ok::<_, OrderError>(())
    })?;
    get_cart(conn, settings, now, actor)
}

/// Takes a product out of the caller's cart.
pub fn delete_cart_line(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    product_id: &str,
) -> Result<CartView, OrderError> {
    satker_buyer(actor)?;
    let user = actor.user_id.to_string();
    let removed = write_tx(conn, |conn| store::delete_cart_line(conn, &user, product_id))?;
    if !removed {
        return Err(OrderError::NotFound("cart line"));
    }
    get_cart(conn, settings, now, actor)
}

/// What a checkout records.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CheckoutInput {
    /// `e_purchasing`, or `pembelian_langsung` (micro and small vendors only, capped lower).
    pub method: String,
    /// The Rencana Umum Pengadaan package code (digits).
    pub rup_code: String,
    /// The budget line (kode rekening), e.g. `5.1.02.01.01.0024`.
    pub budget_line: String,
    pub funding_source: String,
    pub delivery_address: String,
    /// `YYYY-MM-DD`, today or later.
    pub delivery_date: String,
    /// The PPK of the caller's satker who will approve.
    pub ppk_id: String,
    pub note: Option<String>,
}

struct Checkout {
    method: Method,
    funding: FundingSource,
    delivery_date: NaiveDate,
}

fn check_input(input: &CheckoutInput, today: NaiveDate) -> Result<Checkout, OrderError> {
    let mut errors = FieldErrors::new();
    let method = Method::parse(&input.method).map_err(|e| errors.add("method", e)).ok();
    let funding = FundingSource::parse(&input.funding_source).map_err(|e| errors.add("funding_source", e)).ok();
    if input.rup_code.is_empty() || input.rup_code.len() > 30 || !input.rup_code.bytes().all(|b| b.is_ascii_digit()) {
        errors.add("rup_code", "must be 1 to 30 digits");
    }
    let line_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 60
            && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && !s.starts_with('.')
            && !s.ends_with('.')
            && !s.contains("..")
    };
    if !line_ok(&input.budget_line) {
        errors.add("budget_line", "must be a kode rekening: digits in groups separated by dots, at most 60 characters");
    }
    let address = input.delivery_address.trim();
    if address.chars().count() < 5 || address.chars().count() > 500 {
        errors.add("delivery_address", "must be 5 to 500 characters");
    }
    let delivery_date = match NaiveDate::parse_from_str(&input.delivery_date, "%Y-%m-%d") {
        Ok(d) if d < today => {
            errors.add("delivery_date", "must be today or later");
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.add("delivery_date", "must be a date, YYYY-MM-DD");
            None
        }
    };
    if uuid::Uuid::parse_str(&input.ppk_id).is_err() {
        errors.add("ppk_id", "must be a user id");
    }
    if input.note.as_ref().is_some_and(|n| n.chars().count() > 2_000) {
        errors.add("note", "must be at most 2000 characters");
    }
    errors.finish().map_err(OrderError::invalid)?;
    Ok(Checkout {
        method: method.expect("checked"),
        funding: funding.expect("checked"),
        delivery_date: delivery_date.expect("checked"),
    })
}

/// A PPK who may approve the caller's checkout.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Approver {
    pub id: String,
    pub name: String,
}

/// The active PPKs of the caller's satker: whom a checkout may name as `ppk_id`.
pub fn approvers(conn: &mut DbConn, actor: &Actor) -> Result<Vec<Approver>, OrderError> {
    let satker_id = satker_buyer(actor)?;
    Ok(pasar_auth::service::users_of_organization(conn, &satker_id)?
        .into_iter()
        .filter(|u| u.active && u.roles.contains(&Role::Ppk))
        .map(|u| Approver { id: u.id.to_string(), name: u.name })
        .collect())
}

/// What a checkout made: one order per vendor, under one reference.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckoutView {
    pub checkout_ref: String,
    pub orders: Vec<OrderView>,
}

/// A cart line on its way into an order.
struct Picked {
    /// Index in the cart, for error paths (`lines[i].quantity`).
    index: usize,
    quantity: i64,
    facts: ProductFacts,
    amount: Rupiah,
}

/// Checks out the caller's whole cart: one order per vendor, in one transaction, at
/// each product's current price, with the stock reserved. See `docs/ORDERS.md`.
pub fn checkout(
    conn: &mut DbConn,
    settings: &OrderSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    input: CheckoutInput,
) -> Result<CheckoutView, OrderError> {
    let satker_id = satker_buyer(actor)?;
    let zone = settings.time_zone();
    let today = local_date(now, zone);
    let c = check_input(&input, today)?;
    let ppk = pasar_auth::service::find_account(conn, &input.ppk_id)?
        .filter(|a| a.active && a.organization_id == satker_id)
        .map(|a| Ok::<_, OrderError>((pasar_auth::service::account_roles(conn, &a.id)?.contains(&Role::Ppk), a)))
        .transpose()?
        .and_then(|(is_ppk, a)| is_ppk.then_some(a))
        .ok_or_else(|| OrderError::field("ppk_id", "must be an active PPK of your satker"))?;
    let year = today.year();
    let user = actor.user_id.to_string();
    let due = pasar_db::calendar::add_working_days(conn, now, settings.ppk_days, zone)?;
    write_tx(conn, |conn| {
        let cart = store::cart(conn, &user)?;
        if cart.is_empty() {
            return Err(OrderError::Conflict("The cart is empty.".into()));
        }
        // Every line, checked now and reported together.
        let mut problems = Vec::new();
        let mut picked = Vec::new();
        let ids: Vec<&str> = cart.iter().map(|l| l.product_id.as_str()).collect();
        let offers = stock::offers(conn, &settings.vendors, &ids, today)?;
        for ((index, line), offer) in cart.iter().enumerate().zip(offers) {
            let field = |f: &str| format!("lines[{index}].{f}");
            match offer {
                None => problems.push(FieldError::new(field("product_id"), "the product no longer exists")),
                Some(Offer { unavailable: Some(why), .. }) => problems.push(FieldError::new(field("product_id"), why)),
                Some(o) if line.quantity < o.min_order => {
                    problems.push(FieldError::new(field("quantity"), format!("the minimum order is {}", o.min_order)))
                }
                Some(o) => match Rupiah(o.facts.unit_price_idr).checked_mul(line.quantity) {
                    Some(amount) => picked.push(Picked { index, quantity: line.quantity, facts: o.facts, amount }),
                    None => problems.push(FieldError::new(field("quantity"), "the amount is too large")),
                },
            }
        }
        if !problems.is_empty() {
            return Err(OrderError::invalid(problems));
        }
        // One order per vendor, in the cart's order.
        let mut groups: Vec<(String, Vec<Picked>)> = Vec::new();
        for p in picked {
            match groups.iter_mut().find(|(v, _)| *v == p.facts.vendor_id) {
                Some((_, g)) => g.push(p),
                None => groups.push((p.facts.vendor_id.clone(), vec![p])),
            }
        }
        let mut totals = Vec::with_capacity(groups.len());
        for (_, g) in &groups {
            let total = g
                .iter()
                .try_fold(Rupiah::ZERO, |a, p| a.checked_add(p.amount))
                .ok_or_else(|| OrderError::field("lines", "the order's total is too large"))?;
            check_ceilings(settings, actor, &c, today, g, total)?;
            totals.push(total);
        }
        check_budget(conn, &satker_id, year, &input.budget_line, totals.iter().map(|t| t.0).sum())?;
        let checkout_ref = uuid::Uuid::now_v7().to_string();
        let mut views = Vec::with_capacity(groups.len());
        for ((vendor_id, g), total) in groups.iter().zip(totals) {
            let id = uuid::Uuid::now_v7().to_string();
            let row = OrderRow::from(Opening {
                id: id.clone(),
                checkout_ref: checkout_ref.clone(),
                satker_id: satker_id.clone(),
                vendor_id: vendor_id.clone(),
                buyer_id: user.clone(),
                ppk_id: input.ppk_id.clone(),
                state: OrderState::AwaitingPpkApproval.as_str().into(),
                method: c.method.as_str().into(),
                rup_code: input.rup_code.clone(),
                budget_line: input.budget_line.clone(),
                funding_source: c.funding.as_str().into(),
                fiscal_year: year,
                delivery_address: input.delivery_address.trim().to_owned(),
                delivery_date: c.delivery_date.to_string(),
                note: input.note.clone(),
                total_idr: total.0,
                due_at: Some(to_db(due)),
                at: to_db(now),
            });
            let lines: Vec<LineRow> =
                g.iter().enumerate().map(|(n, p)| line_row(&id, n as i32 + 1, p.quantity, &p.facts)).collect();
            store::insert_order(conn, &row, &lines)?;
            views.push(view::fresh(&row, &lines, &user)?);
            audit_order(
                conn,
                now,
                Some(actor),
                &id,
                "order.checkout",
                json!({ "checkout_ref": checkout_ref, "total_idr": total.0, "lines": lines.len(), "state": row.state }),
            )?;
            notify::send_to(
                conn,
                now,
                &row,
                &ppk.email,
                "Pesanan menunggu persetujuan PPK / An order awaits your approval",
                &format!(
                    "Sebuah pesanan senilai {total} menunggu persetujuan Anda.\nAn order of {total} awaits your approval before {}.",
                    local_date(due, zone)
                ),
            )?;
            notify::send(
                conn,
                now,
                &row,
                &[To::Vendor],
                "Pesanan baru / A new order",
                &format!("Pesanan baru senilai {total} menunggu persetujuan PPK.\nA new order of {total} awaits the PPK's approval."),
            )?;
        }
        let ids: Vec<String> = cart.iter().map(|l| l.product_id.clone()).collect();
        store::clear_cart(conn, &user, &ids)?;
        // Stock last: a product's row stays locked from here to the commit, so the
        // busiest rows of the marketplace are held for as short a time as possible; and
        // in product order, so that concurrent checkouts never wait on each other in a
        // circle. Failing here rolls back everything above.
        let mut by_product: Vec<&Picked> = groups.iter().flat_map(|(_, g)| g.iter()).collect();
        by_product.sort_by(|a, b| a.facts.product_id.cmp(&b.facts.product_id));
        for p in by_product {
            if !stock::reserve(conn, now, &p.facts.product_id, p.quantity)? {
                return Err(OrderError::InsufficientStock {
                    field: format!("lines[{}].quantity", p.index),
                    product: p.facts.product_name.clone(),
                    available: stock::available(conn, &p.facts.product_id)?,
                });
            }
        }
        Ok(CheckoutView { checkout_ref, orders: views })
    })
}

/// The line of a new order, its facts as the catalogue gives them today.
pub(crate) fn line_row(order_id: &str, line_no: i32, quantity: i64, f: &ProductFacts) -> LineRow {
    LineRow {
        order_id: order_id.to_owned(),
        line_no,
        product_id: f.product_id.clone(),
        quantity,
        hst_unit_price_idr: f.unit_price_idr,
        unit_price_idr: f.unit_price_idr,
        shipped_quantity: 0,
        accepted_quantity: None,
        condition: None,
        inspection_note: None,
        facts_json: String::new(),
        frozen_at: None,
        product_name: String::new(),
        unit: String::new(),
        tkdn_bp: 0,
        bmp_bp: 0,
        pdn_class: String::new(),
        umkk: false,
        local_vendor: false,
        vendor_scale: None,
        vendor_region_code: None,
        category_id: String::new(),
    }
    .with_facts(f)
}

impl LineRow {
    /// Copies the catalogue's facts onto the line (the JSON and the columns reports read).
    pub(crate) fn with_facts(mut self, f: &ProductFacts) -> LineRow {
        self.facts_json = serde_json::to_string(f).unwrap_or_default();
        self.product_name = f.product_name.clone();
        self.unit = f.unit.clone();
        self.tkdn_bp = f.tkdn_bp as i32;
        self.bmp_bp = f.bmp_bp as i32;
        self.pdn_class = f.pdn_class.as_str().into();
        self.umkk = f.umkk;
        self.local_vendor = f.local;
        self.vendor_scale = f
            .vendor_scale
            .map(|s| serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default());
        self.vendor_region_code = f.vendor_region_code.clone();
        self.category_id = f.category_id.clone();
        self
    }
}

fn check_ceilings(
    settings: &OrderSettings,
    actor: &Actor,
    c: &Checkout,
    today: NaiveDate,
    lines: &[Picked],
    total: Rupiah,
) -> Result<(), OrderError> {
    let ceilings = settings.ceilings_on(today);
    if c.method == Method::PembelianLangsung {
        let small = lines.iter().all(|p| matches!(p.facts.vendor_scale, Some(Scale::Mikro | Scale::Kecil)));
        if !small {
            return Err(OrderError::field(
                "method",
                format!(
                    "pembelian_langsung is for micro and small vendors only; {} is not one",
                    lines[0].facts.vendor_name
                ),
            ));
        }
        if total.0 > ceilings.direct_purchase_max_idr {
            return Err(OrderError::field(
                "method",
                format!(
                    "pembelian_langsung is capped at {} per order; the order with {} comes to {total}",
                    Rupiah(ceilings.direct_purchase_max_idr),
                    lines[0].facts.vendor_name
                ),
            ));
        }
    }
    if !actor.has(Role::Ppk) && total.0 > ceilings.pp_max_idr {
        return Err(OrderError::CeilingExceeded(format!(
            "The order with {} comes to {total}; a pejabat pengadaan may check out up to {}. Above it, the PPK checks out.",
            lines[0].facts.vendor_name,
            Rupiah(ceilings.pp_max_idr)
        )));
    }
    Ok(())
}

/// Refuses `adding` more against the satker's budget line when that would exceed it.
pub(crate) fn check_budget(
    conn: &mut DbConn,
    satker_id: &str,
    year: i32,
    line: &str,
    adding: i64,
) -> Result<(), OrderError> {
    let Some(budget) = store::lock_budget(conn, satker_id, year, line)? else { return Ok(()) };
    let committed = store::committed(conn, satker_id, year, line)?;
    let remaining = budget.amount_idr.saturating_sub(committed);
    if adding > remaining {
        return Err(OrderError::BudgetExceeded {
            budget_line: line.to_owned(),
            year,
            total: Rupiah(adding),
            remaining: Rupiah(remaining.max(0)),
        });
    }
    Ok(())
}

/// A budget line with what is committed against it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BudgetView {
    pub fiscal_year: i32,
    pub budget_line: String,
    pub amount_idr: i64,
    /// What the satker's orders that are not cancelled commit against it.
    pub committed_idr: i64,
    pub remaining_idr: i64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// Budgets to set, for one fiscal year.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BudgetInput {
    pub fiscal_year: i32,
    pub lines: Vec<BudgetLineInput>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BudgetLineInput {
    pub budget_line: String,
    pub amount_idr: i64,
}

fn budget_view(conn: &mut DbConn, b: BudgetRow) -> Result<BudgetView, OrderError> {
    let committed = store::committed(conn, &b.satker_id, b.fiscal_year, &b.budget_line)?;
    Ok(BudgetView {
        fiscal_year: b.fiscal_year,
        remaining_idr: b.amount_idr.saturating_sub(committed),
        committed_idr: committed,
        budget_line: b.budget_line,
        amount_idr: b.amount_idr,
        updated_by: b.updated_by,
        updated_at: pasar_db::time::from_db(b.updated_at),
    })
}

/// A satker the caller may read (its buyers and treasurer, administrators, auditors);
/// "not found" for anything else, including ids of other kinds of organisation.
fn readable_satker(conn: &mut DbConn, actor: &Actor, satker_id: &str) -> Result<(), OrderError> {
    let found = access::reads_satker(actor, satker_id)
        && pasar_auth::service::get_organization(conn, actor, satker_id)
            .map(|o| o.kind == pasar_auth::OrgKind::Satker)
            .or_else(|e| match e {
                pasar_auth::AuthError::NotFound(_) => Ok(false),
                other => Err(other),
            })?;
    if found {
        Ok(())
    } else {
        Err(OrderError::NotFound("satker"))
    }
}

/// The satker's budgets (its buyers and treasurer, administrators, auditors).
pub fn budgets(
    conn: &mut DbConn,
    actor: &Actor,
    satker_id: &str,
    year: Option<i32>,
) -> Result<Vec<BudgetView>, OrderError> {
    readable_satker(conn, actor, satker_id)?;
    let rows = store::budgets_of(conn, satker_id, year)?;
    rows.into_iter().map(|b| budget_view(conn, b)).collect()
}

/// Sets budget lines of one fiscal year (an administrator, or the satker's PPK). Lines
/// not named stay as they are; a budget cannot go below what is already committed.
pub fn put_budgets(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    satker_id: &str,
    input: BudgetInput,
) -> Result<Vec<BudgetView>, OrderError> {
    readable_satker(conn, actor, satker_id)?;
    let own_ppk = actor.organization_id.to_string() == satker_id && actor.has(Role::Ppk);
    if !(actor.has(Role::Admin) || own_ppk) {
        return Err(OrderError::Forbidden("Only an administrator or the satker's PPK sets its budgets.".into()));
    }
    let mut errors = FieldErrors::new();
    if !(2000..=2200).contains(&input.fiscal_year) {
        errors.add("fiscal_year", "must be a year between 2000 and 2200");
    }
    if input.lines.is_empty() || input.lines.len() > 500 {
        errors.add("lines", "must list 1 to 500 budget lines");
    }
    for (i, l) in input.lines.iter().enumerate() {
        if l.budget_line.is_empty()
            || l.budget_line.len() > 60
            || !l.budget_line.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            errors.add(
                format!("lines[{i}].budget_line"),
                "must be a kode rekening: digits and dots, at most 60 characters",
            );
        }
        if l.amount_idr < 0 {
            errors.add(format!("lines[{i}].amount_idr"), "must not be negative");
        }
    }
    errors.finish().map_err(OrderError::invalid)?;
    let user = actor.user_id.to_string();
    write_tx(conn, |conn| {
        for (i, l) in input.lines.iter().enumerate() {
            let _ = store::lock_budget(conn, satker_id, input.fiscal_year, &l.budget_line)?;
            let committed = store::committed(conn, satker_id, input.fiscal_year, &l.budget_line)?;
            if l.amount_idr < committed {
                return Err(OrderError::field(
                    format!("lines[{i}].amount_idr"),
                    format!("must be at least the {} already committed", Rupiah(committed)),
                ));
            }
            store::put_budget(
                conn,
                &BudgetRow {
                    satker_id: satker_id.to_owned(),
                    fiscal_year: input.fiscal_year,
                    budget_line: l.budget_line.clone(),
                    amount_idr: l.amount_idr,
                    updated_by: user.clone(),
                    updated_at: to_db(now),
                },
            )?;
        }
        pasar_db::audit::append(
            conn,
            now,
            pasar_db::audit::AuditEntry {
                actor_id: Some(&user),
                action: "budget.set",
                entity_type: "satker",
                entity_id: satker_id,
                before: None,
                after: Some(
                    json!({ "fiscal_year": input.fiscal_year, "lines": input.lines.iter().map(|l| json!({ "budget_line": l.budget_line, "amount_idr": l.amount_idr })).collect::<Vec<_>>() }),
                ),
                request_id: actor.request_id.as_deref(),
            },
        )?;
        Ok(())
    })?;
    budgets(conn, actor, satker_id, Some(input.fiscal_year))
}
