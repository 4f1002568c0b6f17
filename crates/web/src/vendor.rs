//! The vendor's pages: registering, the shop's dashboard (status, what is missing,
//! expiring documents, the curator's remarks), the profile, the legal documents,
//! submitting for curation, and the products (list, create, edit, photos, submit).
//! Every page calls the service function the REST API calls; the services decide who
//! may see and change what (another vendor's product is a 404 page).

use crate::ctx::{see_other, Ctx, PageError, PageResult};
use crate::desk::{self, actor, dom_id, is_failure, refusal_status, service_errors, whole, Field, Form, Group};
use crate::forms::Errors;
use crate::pages::MessagePage;
use crate::resource;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use askama::Template;
use chrono::NaiveDate;
use pasar_api::extract::{client_address, request_id};
use pasar_api::{ApiError, AppState};
use pasar_auth::Actor;
use pasar_catalog::images::ImageView;
use pasar_catalog::model::Unit;
use pasar_catalog::service::{self as catalog, LocalContentInput, ProductInput, ProductView};
use pasar_core::id::ProductId;
use pasar_core::page::PageRequest;
use pasar_vendor_onboarding::documents::{self, DocumentView};
use pasar_vendor_onboarding::model::{DocumentKind, LegalForm, TaxStatus, VendorStatus};
use pasar_vendor_onboarding::service::{
    self as vendors, Address, BankAccount, Contact, Registration, VendorChanges, VendorReply, VendorView,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/daftar").route(web::get().to(register_form)).route(web::post().to(register)))
        .service(resource("/toko").route(web::get().to(dashboard)))
        .service(resource("/toko/kirim").route(web::post().to(submit_vendor)))
        .service(resource("/toko/verifikasi-ulang").route(web::post().to(resend_verification)))
        .service(resource("/toko/profil").route(web::get().to(profile_form)).route(web::post().to(save_profile)))
        .service(resource("/toko/dokumen").route(web::get().to(documents_page)).route(web::post().to(upload_document)))
        .service(resource("/toko/produk").route(web::get().to(products_page)))
        .service(
            resource("/toko/produk/baru").route(web::get().to(new_product_form)).route(web::post().to(create_product)),
        )
        .service(resource("/toko/produk/{id}").route(web::get().to(product_form)).route(web::post().to(save_product)))
        .service(resource("/toko/produk/{id}/foto").route(web::post().to(upload_photo)))
        .service(resource("/toko/produk/{id}/foto/{image}").route(web::get().to(desk::photo)))
        .service(resource("/toko/produk/{id}/kirim").route(web::post().to(submit_product)));
}

/// The vendor the session's user belongs to: its id (the organisation's), or a 403 page
/// for users of other organisations.
fn my_vendor(ctx: &Ctx) -> Result<(Actor, String), PageError> {
    let actor = actor(ctx)?;
    if !ctx.is_vendor() {
        return Err(ctx.error_page(StatusCode::FORBIDDEN, Some(ctx.t("toko.not_vendor"))));
    }
    let id = actor.organization_id.to_string();
    Ok((actor, id))
}

// --- the generic form page --------------------------------------------------------------

/// A page with one form of [`Group`]s (registration, the profile, a new product).
#[derive(Template)]
#[template(path = "desk_form.html")]
pub struct FormPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub title: String,
    pub intro: String,
    /// Which tab of the shop's menu is current (empty: no menu).
    pub tab: &'static str,
    pub action: String,
    pub multipart: bool,
    pub groups: Vec<Group>,
    pub submit: String,
    /// The curator's remarks to fix, each linking to its field.
    pub remarks: Vec<RemarkLine>,
}

// --- registration -------------------------------------------------------------------------

fn legal_forms(ctx: &Ctx) -> Vec<(String, String)> {
    LegalForm::ALL.iter().map(|f| (f.as_str().to_owned(), ctx.t(&format!("legal_form.{}", f.as_str())))).collect()
}

fn register_groups(ctx: &Ctx, f: &Form) -> Vec<Group> {
    vec![
        Group {
            legend: ctx.t("toko.register_business"),
            fields: vec![
                Field::new("legal_name", ctx.t("toko.field.legal_name"), f.get("legal_name"))
                    .hint(ctx.t("toko.hint.legal_name"))
                    .autocomplete("organization"),
                Field::new("trade_name", ctx.t("toko.field.trade_name"), f.get("trade_name"))
                    .hint(ctx.t("toko.hint.optional")),
                Field::new("legal_form", ctx.t("toko.field.legal_form"), f.get("legal_form"))
                    .select(Some(ctx.t("toko.choose")), legal_forms(ctx)),
            ],
        },
        Group {
            legend: ctx.t("toko.register_owner"),
            fields: vec![
                Field::new("owner_name", ctx.t("toko.field.owner_name"), f.get("owner_name")).autocomplete("name"),
                Field::new("email", ctx.t("toko.field.email"), f.get("email"))
                    .kind("email")
                    .autocomplete("email")
                    .hint(ctx.t("toko.hint.email")),
                Field::new("password", ctx.t("toko.field.password"), "")
                    .kind("password")
                    .autocomplete("new-password")
                    .hint(ctx.t("toko.hint.password")),
            ],
        },
    ]
}

fn register_page<'a>(ctx: &'a Ctx, errors: Errors, f: &Form) -> FormPage<'a> {
    FormPage {
        ctx,
        errors,
        title: ctx.t("toko.register_title"),
        intro: ctx.t("toko.register_intro"),
        tab: "",
        action: "/daftar".into(),
        multipart: false,
        groups: register_groups(ctx, f),
        submit: ctx.t("toko.register_submit"),
        remarks: Vec::new(),
    }
}

/// `GET /daftar`: vendor registration.
pub async fn register_form(ctx: Ctx) -> PageResult {
    Ok(ctx.ok(&register_page(&ctx, Errors::none(), &Form(Vec::new()))))
}

/// `POST /daftar`: the API's registration (same throttling, same answer whether or
/// not the address already had an account).
pub async fn register(ctx: Ctx, state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> PageResult {
    let f = Form::parse(&body);
    let input = Registration {
        email: f.get("email"),
        password: f.get("password"),
        owner_name: f.get("owner_name"),
        legal_name: f.get("legal_name"),
        trade_name: f.opt("trade_name"),
        legal_form: f.get("legal_form"),
    };
    let (st, now, rid, address) = (state.clone(), state.now(), request_id(&req), client_address(&req));
    let done = state
        .run(move |conn| vendors::register(conn, &st.auth, &st.vendors, now, input, rid.as_deref(), address.as_deref()))
        .await;
    match done {
        Ok(_) => Ok(ctx.ok(&MessagePage {
            ctx: &ctx,
            title: ctx.t("toko.register_done_title"),
            text: ctx.t("toko.register_done"),
            link_href: "/masuk?kembali=%2Ftoko".into(),
            link_text: ctx.t("nav.login"),
        })),
        Err(e) if matches!(e.code, pasar_core::Code::Internal | pasar_core::Code::Unavailable) => Err(ctx.fail(e)),
        Err(e) => {
            let page = register_page(&ctx, Errors::none(), &f);
            let errors = service_errors(&ctx, &e, &desk::labels(&page.groups));
            Ok(ctx.page(refusal_status(&e), &FormPage { errors, ..page }))
        }
    }
}

// --- the dashboard ---------------------------------------------------------------------------

/// Something still to do before submitting, linking to where it is done.
pub struct Todo {
    pub text: String,
    pub href: String,
}

/// A document in a list.
pub struct DocLine {
    pub kind: String,
    pub number: String,
    pub valid_until: String,
    pub file_name: String,
    pub uploaded: String,
    pub expired: bool,
    pub expiring: bool,
}

/// A curator's remark.
pub struct RemarkLine {
    pub field: String,
    pub message: String,
    /// Where it is put right (a field of the profile, or the documents page).
    pub href: String,
}

#[derive(Template)]
#[template(path = "toko_dashboard.html")]
pub struct DashboardPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub tab: &'static str,
    pub name: String,
    pub status: String,
    pub status_class: &'static str,
    pub status_help: String,
    pub can_submit: bool,
    /// The user has not confirmed the email address yet (submitting needs it).
    pub unverified: bool,
    pub todo: Vec<Todo>,
    pub expiring: Vec<DocLine>,
    pub decision: String,
    pub reason: String,
    pub remarks: Vec<RemarkLine>,
}

/// The label of a profile field or document (`nib`, `address.street`, `documents.halal`).
fn field_label(ctx: &Ctx, service_field: &str) -> String {
    match service_field.strip_prefix("documents.") {
        Some(kind) => ctx.t_with("toko.doc_named", &[("kind", &ctx.t(&format!("toko.doc_kind.{kind}")))]),
        None => ctx.t(&format!("toko.field.{}", dom_id(service_field))),
    }
}

/// Where a missing item is put right.
fn todo_href(service_field: &str) -> String {
    if service_field.starts_with("documents.") {
        "/toko/dokumen".into()
    } else {
        format!("/toko/profil#{}", dom_id(service_field))
    }
}

fn doc_line(ctx: &Ctx, d: &DocumentView, today: NaiveDate) -> DocLine {
    let until = d.valid_until.as_deref().and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
    DocLine {
        kind: ctx.t(&format!("toko.doc_kind.{}", d.kind.as_str())),
        number: d.number.clone().unwrap_or_default(),
        valid_until: d.valid_until.as_deref().map(|s| ctx.iso_date(s)).unwrap_or_else(|| ctx.t("toko.no_expiry")),
        file_name: d.file_name.clone(),
        uploaded: ctx.date_time(&d.uploaded_at),
        expired: d.expired,
        expiring: !d.expired && until.is_some_and(|u| (u - today).num_days() <= 30),
    }
}

fn remark_line(ctx: &Ctx, r: &vendors::Remark) -> RemarkLine {
    RemarkLine { field: field_label(ctx, &r.field), message: r.message.clone(), href: todo_href(&r.field) }
}

/// The remarks of the curator's last decision, while the vendor is asked to revise.
async fn open_remarks(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    actor: &Actor,
    id: &str,
    v: &VendorView,
) -> Result<Vec<RemarkLine>, PageError> {
    if v.status != VendorStatus::RevisionRequested {
        return Ok(Vec::new());
    }
    let (a, vid) = (actor.clone(), id.to_owned());
    let history = state.run(move |conn| vendors::history(conn, &a, &vid)).await.map_err(|e| ctx.fail(e))?;
    Ok(history
        .iter()
        .rev()
        .find(|h| h.decision.is_some())
        .map(|h| h.remarks.iter().map(|r| remark_line(ctx, r)).collect())
        .unwrap_or_default())
}

fn status_class(status: VendorStatus) -> &'static str {
    match status {
        VendorStatus::Approved => "status-ok",
        VendorStatus::Rejected | VendorStatus::Suspended | VendorStatus::RevisionRequested => "status-warn",
        _ => "status-wait",
    }
}

async fn own_view(ctx: &Ctx, state: &web::Data<AppState>, actor: &Actor, id: &str) -> Result<VendorView, PageError> {
    let (st, a, id) = (state.clone(), actor.clone(), id.to_owned());
    let reply =
        state.run(move |conn| vendors::get_vendor(conn, &st.vendors, Some(&a), &id)).await.map_err(|e| ctx.fail(e))?;
    match reply {
        VendorReply::Full(v) => Ok(*v),
        VendorReply::Public(_) => Err(ctx.error_page(StatusCode::NOT_FOUND, None)),
    }
}

async fn dashboard_page<'a>(
    ctx: &'a Ctx,
    state: &web::Data<AppState>,
    errors: Errors,
) -> Result<DashboardPage<'a>, PageError> {
    let (actor, id) = my_vendor(ctx)?;
    let v = own_view(ctx, state, &actor, &id).await?;
    let (st, now, zone) = (state.clone(), state.now(), state.vendors.time_zone);
    let today = zone.date(now);
    let (a, vid) = (actor.clone(), id.clone());
    let (missing, docs, history, verified) = state
        .run(move |conn| {
            let verified =
                pasar_auth::service::find_account(conn, &a.user_id.to_string())?.is_some_and(|acc| acc.email_verified);
            // What the submission would refuse, by the submission's own rule.
            let missing = vendors::missing_now(conn, &st.vendors, now, &a, &vid)?;
            let docs = documents::list(conn, now, zone, &a, &vid, false)?;
            let history = vendors::history(conn, &a, &vid)?;
            Ok::<_, pasar_vendor_onboarding::error::VendorError>((missing, docs, history, verified))
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    let editable = matches!(v.status, VendorStatus::Draft | VendorStatus::RevisionRequested);
    let todo = if editable {
        missing.iter().map(|m| Todo { text: field_label(ctx, &m.field), href: todo_href(&m.field) }).collect()
    } else {
        Vec::new()
    };
    let expiring = docs.iter().map(|d| doc_line(ctx, d, today)).filter(|d| d.expired || d.expiring).collect();
    let last = history.iter().rev().find(|h| h.decision.is_some());
    let (decision, reason, remarks) = match last {
        Some(h) => (
            h.decision.as_deref().map(|d| ctx.t(&format!("toko.decision.{d}"))).unwrap_or_default(),
            h.reason.clone().unwrap_or_default(),
            h.remarks.iter().map(|r| remark_line(ctx, r)).collect(),
        ),
        None => (String::new(), String::new(), Vec::new()),
    };
    let s = v.status.as_str();
    Ok(DashboardPage {
        ctx,
        errors,
        tab: "dasbor",
        name: v.trade_name.clone().unwrap_or_else(|| v.legal_name.clone()),
        status: ctx.t(&format!("toko.status.{s}")),
        status_class: status_class(v.status),
        status_help: ctx.t(&format!("toko.status_help.{s}")),
        can_submit: editable,
        unverified: !verified,
        todo,
        expiring,
        decision,
        reason,
        remarks,
    })
}

/// `GET /toko`: the shop's status, what is missing, expiring documents, the curator's
/// remarks.
pub async fn dashboard(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    let page = dashboard_page(&ctx, &state, Errors::none()).await?;
    Ok(ctx.ok(&page))
}

/// `POST /toko/kirim`: submits the profile for curation; what is missing is listed.
pub async fn submit_vendor(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    let (actor, id) = my_vendor(&ctx)?;
    let (st, now) = (state.clone(), state.now());
    match state.run(move |conn| vendors::submit(conn, &st.vendors, now, &actor, &id)).await {
        Ok(_) => Ok(see_other("/toko?dikirim=1")),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let mut errors = Errors::none();
            if e.code == pasar_core::Code::EmailNotVerified {
                // The API's words name its own resend call; the dashboard has a button.
                errors.add("", String::new(), ctx.t("toko.unverified"));
            } else if e.errors.is_empty() {
                errors.add("", String::new(), ctx.service_message(&e.detail));
            } else {
                errors.add("", String::new(), ctx.t("toko.incomplete"));
            }
            let status = refusal_status(&e);
            let page = dashboard_page(&ctx, &state, errors).await?;
            Ok(ctx.page(status, &page))
        }
    }
}

/// `POST /toko/verifikasi-ulang`: a new verification mail (the API's resend, with its
/// limits).
pub async fn resend_verification(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    let (actor, _) = my_vendor(&ctx)?;
    let (st, now) = (state.clone(), state.now());
    match state.run(move |conn| pasar_auth::service::resend_verification(conn, &st.auth, now, &actor)).await {
        Ok(()) => Ok(see_other("/toko?surel=1")),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let errors = if e.code == pasar_core::Code::TooManyRequests {
                let seconds = e.retry_after.unwrap_or(60).to_string();
                Errors::general(ctx.t_with("toko.resend_throttled", &[("seconds", &seconds)]))
            } else {
                service_errors(&ctx, &e, &[])
            };
            let status = refusal_status(&e);
            let page = dashboard_page(&ctx, &state, errors).await?;
            Ok(ctx.page(status, &page))
        }
    }
}

// --- the profile ----------------------------------------------------------------------------

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn num(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// The profile's fields, with `value(id)` in each.
fn profile_groups(ctx: &Ctx, value: &dyn Fn(&str) -> String) -> Vec<Group> {
    let f = |id: &'static str| Field::new(id, ctx.t(&format!("toko.field.{id}")), value(id));
    let tax: Vec<(String, String)> =
        TaxStatus::ALL.iter().map(|t| (t.as_str().to_owned(), ctx.t(&format!("toko.tax.{}", t.as_str())))).collect();
    vec![
        Group {
            legend: ctx.t("toko.profile_identity"),
            fields: vec![
                f("legal_name").autocomplete("organization"),
                f("trade_name").hint(ctx.t("toko.hint.optional")),
                f("legal_form").select(None, legal_forms(ctx)),
                f("nib").hint(ctx.t("toko.hint.nib")),
                f("npwp").hint(ctx.t("toko.hint.npwp")),
                f("kbli_codes").hint(ctx.t("toko.hint.kbli")),
            ],
        },
        Group {
            legend: ctx.t("toko.profile_address"),
            fields: vec![
                f("address_street").autocomplete("street-address"),
                f("address_region_code").hint(ctx.t("toko.hint.region")),
                f("address_postal_code").autocomplete("postal-code"),
            ],
        },
        Group {
            legend: ctx.t("toko.profile_contact"),
            fields: vec![
                f("contact_name").autocomplete("name"),
                f("contact_phone").kind("tel").autocomplete("tel").hint(ctx.t("toko.hint.phone")),
                f("contact_email").kind("email").autocomplete("email"),
            ],
        },
        Group {
            legend: ctx.t("toko.profile_business"),
            fields: vec![
                f("business_capital_idr").hint(ctx.t("toko.hint.rupiah")),
                f("annual_sales_idr").hint(ctx.t("toko.hint.rupiah")),
                f("tax_status").select(Some(ctx.t("toko.choose")), tax),
                f("pp55_valid_until").kind("date").hint(ctx.t("toko.hint.pp55")),
            ],
        },
        Group {
            legend: ctx.t("toko.profile_bank"),
            fields: vec![
                f("bank_account_bank_name"),
                f("bank_account_account_number").hint(ctx.t("toko.hint.account_number")),
                f("bank_account_account_holder"),
            ],
        },
    ]
}

/// The stored profile's value of field `id`.
fn stored(v: &VendorView, id: &str) -> String {
    match id {
        "legal_name" => v.legal_name.clone(),
        "trade_name" => opt(&v.trade_name),
        "legal_form" => v.legal_form.as_str().to_owned(),
        "nib" => opt(&v.nib),
        "npwp" => opt(&v.npwp),
        "kbli_codes" => v.kbli_codes.join(", "),
        "address_street" => opt(&v.address.street),
        "address_region_code" => opt(&v.address.region_code),
        "address_postal_code" => opt(&v.address.postal_code),
        "contact_name" => opt(&v.contact.name),
        "contact_phone" => opt(&v.contact.phone),
        "contact_email" => opt(&v.contact.email),
        "business_capital_idr" => num(v.business_capital_idr),
        "annual_sales_idr" => num(v.annual_sales_idr),
        "tax_status" => v.tax_status.map(|t| t.as_str().to_owned()).unwrap_or_default(),
        "pp55_valid_until" => opt(&v.pp55_valid_until),
        "bank_account_bank_name" => opt(&v.bank_account.bank_name),
        "bank_account_account_number" => opt(&v.bank_account.account_number),
        "bank_account_account_holder" => opt(&v.bank_account.account_holder),
        _ => String::new(),
    }
}

fn profile_page<'a>(
    ctx: &'a Ctx,
    errors: Errors,
    groups: Vec<Group>,
    intro: String,
    remarks: Vec<RemarkLine>,
) -> FormPage<'a> {
    FormPage {
        remarks,
        ctx,
        errors,
        title: ctx.t("toko.profile_title"),
        intro,
        tab: "profil",
        action: "/toko/profil".into(),
        multipart: false,
        groups,
        submit: ctx.t("toko.save"),
    }
}

fn profile_intro(ctx: &Ctx, v: &VendorView) -> String {
    match v.status {
        VendorStatus::Submitted | VendorStatus::InReview => ctx.t("toko.profile_locked"),
        VendorStatus::Approved | VendorStatus::Suspended => ctx.t("toko.profile_approved"),
        _ => ctx.t("toko.profile_intro"),
    }
}

/// `GET /toko/profil`
pub async fn profile_form(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    let (actor, id) = my_vendor(&ctx)?;
    let v = own_view(&ctx, &state, &actor, &id).await?;
    let groups = profile_groups(&ctx, &|id| stored(&v, id));
    let saved = ctx.here.contains("disimpan=1");
    let intro = if saved { ctx.t("toko.saved") } else { profile_intro(&ctx, &v) };
    let remarks = open_remarks(&ctx, &state, &actor, &id, &v).await?;
    Ok(ctx.ok(&profile_page(&ctx, Errors::none(), groups, intro, remarks)))
}

/// The changes the form makes to `v`: only the fields whose value changed are sent, so
/// that an approved vendor may change its contact without touching its legal identity.
fn profile_changes(ctx: &Ctx, f: &Form, v: &VendorView, errors: &mut Errors) -> VendorChanges {
    let changed = |id: &str| -> Option<String> {
        let new = f.get(id).trim().to_owned();
        (new != stored(v, id)).then_some(new)
    };
    let mut c = VendorChanges {
        legal_name: changed("legal_name"),
        trade_name: changed("trade_name"),
        legal_form: changed("legal_form"),
        nib: changed("nib"),
        npwp: changed("npwp"),
        tax_status: changed("tax_status"),
        pp55_valid_until: changed("pp55_valid_until"),
        ..VendorChanges::default()
    };
    if let Some(list) = changed("kbli_codes") {
        c.kbli_codes =
            Some(list.split([',', ';', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect());
    }
    let (street, region, postal) =
        (changed("address_street"), changed("address_region_code"), changed("address_postal_code"));
    if street.is_some() || region.is_some() || postal.is_some() {
        c.address = Some(Address { street, region_code: region, postal_code: postal });
    }
    let (name, phone, email) = (changed("contact_name"), changed("contact_phone"), changed("contact_email"));
    if name.is_some() || phone.is_some() || email.is_some() {
        c.contact = Some(Contact { name, phone, email });
    }
    let (bank, number, holder) = (
        changed("bank_account_bank_name"),
        changed("bank_account_account_number"),
        changed("bank_account_account_holder"),
    );
    if bank.is_some() || number.is_some() || holder.is_some() {
        c.bank_account = Some(BankAccount { bank_name: bank, account_number: number, account_holder: holder });
    }
    for (id, target) in
        [("business_capital_idr", &mut c.business_capital_idr), ("annual_sales_idr", &mut c.annual_sales_idr)]
    {
        if changed(id).is_some() {
            match whole(&f.get(id)) {
                Ok(n) => *target = n,
                Err(m) => errors.add(id, ctx.t(&format!("toko.field.{id}")), ctx.service_message(&m)),
            }
        }
    }
    c
}

/// `POST /toko/profil`: the API's profile update; each refusal beside its field.
pub async fn save_profile(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let (actor, id) = my_vendor(&ctx)?;
    let v = own_view(&ctx, &state, &actor, &id).await?;
    let f = Form::parse(&body);
    let mut errors = Errors::none();
    let changes = profile_changes(&ctx, &f, &v, &mut errors);
    let groups = profile_groups(&ctx, &|id| f.get(id));
    if !errors.is_empty() {
        let intro = profile_intro(&ctx, &v);
        let remarks = open_remarks(&ctx, &state, &actor, &id, &v).await?;
        return Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &profile_page(&ctx, errors, groups, intro, remarks)));
    }
    let remarks = open_remarks(&ctx, &state, &actor, &id, &v).await?;
    let (st, now) = (state.clone(), state.now());
    match state.run(move |conn| vendors::update_vendor(conn, &st.vendors, now, &actor, &id, changes)).await {
        Ok(_) => Ok(see_other("/toko/profil?disimpan=1")),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let errors = service_errors(&ctx, &e, &desk::labels(&groups));
            let intro = profile_intro(&ctx, &v);
            Ok(ctx.page(refusal_status(&e), &profile_page(&ctx, errors, groups, intro, remarks)))
        }
    }
}

// --- documents --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "toko_documents.html")]
pub struct DocumentsPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub tab: &'static str,
    pub required: Vec<String>,
    pub docs: Vec<DocLine>,
    pub groups: Vec<Group>,
    pub action: String,
    pub saved: bool,
}

fn document_groups(ctx: &Ctx, kind: &str, number: &str, until: &str) -> Vec<Group> {
    let kinds = DocumentKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), ctx.t(&format!("toko.doc_kind.{}", k.as_str()))))
        .collect();
    vec![Group {
        legend: ctx.t("toko.doc_upload"),
        fields: vec![
            Field::new("kind", ctx.t("toko.doc_field.kind"), kind).select(Some(ctx.t("toko.choose")), kinds),
            Field::new("number", ctx.t("toko.doc_field.number"), number).hint(ctx.t("toko.hint.optional")),
            Field::new("valid_until", ctx.t("toko.doc_field.valid_until"), until)
                .kind("date")
                .hint(ctx.t("toko.hint.valid_until")),
            Field::new("file", ctx.t("toko.doc_field.file"), "").kind("file").hint(ctx.t("toko.hint.doc_file")),
        ],
    }]
}

async fn documents_view<'a>(
    ctx: &'a Ctx,
    state: &web::Data<AppState>,
    errors: Errors,
    groups: Vec<Group>,
) -> Result<DocumentsPage<'a>, PageError> {
    let (actor, id) = my_vendor(ctx)?;
    let (now, zone) = (state.now(), state.vendors.time_zone);
    let docs =
        state.run(move |conn| documents::list(conn, now, zone, &actor, &id, false)).await.map_err(|e| ctx.fail(e))?;
    let today = zone.date(now);
    Ok(DocumentsPage {
        ctx,
        errors,
        tab: "dokumen",
        required: state
            .vendors
            .required_documents
            .iter()
            .map(|k| ctx.t(&format!("toko.doc_kind.{}", k.as_str())))
            .collect(),
        docs: docs.iter().map(|d| doc_line(ctx, d, today)).collect(),
        groups,
        action: format!("/toko/dokumen?csrf={}", ctx.csrf),
        saved: ctx.here.contains("diunggah=1"),
    })
}

/// `GET /toko/dokumen`: the legal documents with their expiry dates, and an upload form.
pub async fn documents_page(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    let groups = document_groups(&ctx, "", "", "");
    let page = documents_view(&ctx, &state, Errors::none(), groups).await?;
    Ok(ctx.ok(&page))
}

/// `POST /toko/dokumen?csrf=…` (multipart): the API's document upload.
pub async fn upload_document(
    ctx: Ctx,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    let (actor, id) = my_vendor(&ctx)?;
    let mut kept = (String::new(), String::new(), String::new());
    let result: Result<DocumentView, ApiError> =
        match desk::read_upload(&req, payload, &state, &["kind", "number", "valid_until"]).await {
            Err(e) => Err(e),
            Ok(mut upload) => {
                // An empty optional field is no value (a browser sends every field).
                upload.number = upload.number.filter(|s| !s.trim().is_empty());
                upload.valid_until = upload.valid_until.filter(|s| !s.trim().is_empty());
                kept = (
                    upload.kind.clone().unwrap_or_default(),
                    upload.number.clone().unwrap_or_default(),
                    upload.valid_until.clone().unwrap_or_default(),
                );
                let (st, now) = (state.clone(), state.now());
                state
                    .run(move |conn| {
                        documents::upload(conn, st.files.as_ref(), now, st.vendors.time_zone, &actor, &id, None, upload)
                    })
                    .await
            }
        };
    match result {
        Ok(_) => Ok(see_other("/toko/dokumen?diunggah=1")),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let groups = document_groups(&ctx, &kept.0, &kept.1, &kept.2);
            let errors = service_errors(&ctx, &e, &desk::labels(&groups));
            let status = refusal_status(&e);
            let page = documents_view(&ctx, &state, errors, groups).await?;
            Ok(ctx.page(status, &page))
        }
    }
}

// --- products -----------------------------------------------------------------------------------

/// A product in the shop's list.
pub struct ProductLine {
    pub id: String,
    pub name: String,
    pub price: String,
    pub unit: String,
    pub stock: String,
    pub status: String,
    pub status_class: &'static str,
}

#[derive(Template)]
#[template(path = "toko_products.html")]
pub struct ProductsPage<'a> {
    pub ctx: &'a Ctx,
    pub tab: &'static str,
    pub products: Vec<ProductLine>,
    pub next: Option<String>,
}

fn product_status(ctx: &Ctx, p: &ProductView) -> (String, &'static str) {
    use pasar_catalog::model::ProductStatus as S;
    match p.status {
        Some(s) => (
            ctx.t(&format!("toko.product_status.{}", s.as_str())),
            match s {
                S::Published => "status-ok",
                S::Rejected | S::TakenDown => "status-warn",
                _ => "status-wait",
            },
        ),
        None => (String::new(), "status-wait"),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Cursor {
    lanjut: Option<String>,
}

/// `GET /toko/produk`: the shop's own catalogue, drafts included.
pub async fn products_page(ctx: Ctx, state: web::Data<AppState>, q: web::Query<Cursor>) -> PageResult {
    let (actor, id) = my_vendor(&ctx)?;
    let page = PageRequest::parse(Some(50), q.lanjut.as_deref())
        .map_err(|e| ctx.fail(ApiError::invalid_query(e.field, e.message)))?;
    let (st, now) = (state.clone(), state.now());
    let found = state
        .run(move |conn| catalog::vendor_products(conn, &st.vendors, now, &actor, &id, &page))
        .await
        .map_err(|e| ctx.fail(e))?;
    let products = found
        .items
        .iter()
        .map(|p| {
            let (status, status_class) = product_status(&ctx, p);
            ProductLine {
                id: p.id.clone(),
                name: p.name.clone(),
                price: ctx.money(&p.unit_price_idr),
                unit: p.unit.clone(),
                stock: p.stock.to_string(),
                status,
                status_class,
            }
        })
        .collect();
    let next = found
        .next_cursor
        .map(|c| format!("/toko/produk?{}", serde_urlencoded::to_string([("lanjut", c)]).unwrap_or_default()));
    Ok(ctx.ok(&ProductsPage { ctx: &ctx, tab: "produk", products, next }))
}

fn units(ctx: &Ctx) -> Vec<(String, String)> {
    Unit::ALL.iter().map(|u| (u.as_str().to_owned(), ctx.t(&format!("toko.unit.{}", u.as_str())))).collect()
}

async fn category_choices(ctx: &Ctx, state: &web::Data<AppState>) -> Result<Vec<(String, String)>, PageError> {
    let list = state.run(catalog::list_categories).await.map_err(|e| ctx.fail(e))?;
    let names: std::collections::HashMap<String, String> =
        list.iter().map(|c| (c.id.clone(), c.name.clone())).collect();
    let mut out: Vec<(String, String)> = list
        .iter()
        .filter(|c| c.active)
        .map(|c| {
            let label = match c.parent_id.as_ref().and_then(|p| names.get(p)) {
                Some(parent) => format!("{parent} › {}", c.name),
                None => c.name.clone(),
            };
            (c.id.clone(), label)
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// The product form's value of field `id` in a stored product.
fn product_value(p: &ProductView, id: &str) -> String {
    match id {
        "name" => p.name.clone(),
        "description" => p.description.clone(),
        "category_id" => p.category_id.clone(),
        "brand" => opt(&p.brand),
        "sku" => opt(&p.sku),
        "unit" => p.unit.clone(),
        "unit_price_idr" => p.unit_price_idr.to_string(),
        "min_order" => p.min_order.to_string(),
        "stock" => p.stock.to_string(),
        "weight_grams" => p.weight_grams.map(|w| w.to_string()).unwrap_or_default(),
        "local_content_certificate" => opt(&p.tkdn_certificate),
        "local_content_tkdn_bp" => p.tkdn_bp.map(|b| b.to_string()).unwrap_or_default(),
        "local_content_bmp_bp" => p.bmp_bp.map(|b| b.to_string()).unwrap_or_default(),
        "local_content_valid_until" => opt(&p.tkdn_valid_until),
        _ => String::new(),
    }
}

fn product_groups(ctx: &Ctx, categories: Vec<(String, String)>, value: &dyn Fn(&str) -> String) -> Vec<Group> {
    let f = |id: &'static str| Field::new(id, ctx.t(&format!("toko.pfield.{id}")), value(id));
    vec![
        Group {
            legend: ctx.t("toko.product_about"),
            fields: vec![
                f("name"),
                f("category_id").select(Some(ctx.t("toko.choose")), categories),
                f("description").kind("textarea").hint(ctx.t("toko.hint.optional")),
                f("brand").hint(ctx.t("toko.hint.optional")),
                f("sku").hint(ctx.t("toko.hint.sku")),
            ],
        },
        Group {
            legend: ctx.t("toko.product_sale"),
            fields: vec![
                f("unit").select(Some(ctx.t("toko.choose")), units(ctx)),
                f("unit_price_idr").hint(ctx.t("toko.hint.price")),
                f("min_order").hint(ctx.t("toko.hint.optional")),
                f("stock").hint(ctx.t("toko.hint.optional")),
                f("weight_grams").hint(ctx.t("toko.hint.optional")),
            ],
        },
        Group {
            legend: ctx.t("toko.product_tkdn"),
            fields: vec![
                f("local_content_certificate").hint(ctx.t("toko.hint.tkdn_certificate")),
                f("local_content_tkdn_bp").hint(ctx.t("toko.hint.bp")),
                f("local_content_bmp_bp").hint(ctx.t("toko.hint.bp")),
                f("local_content_valid_until").kind("date"),
            ],
        },
    ]
}

/// The product the form describes; numbers that are not numbers are put in `errors`.
/// `creating`: blank optional fields are left out (the service's defaults).
fn product_input(ctx: &Ctx, f: &Form, errors: &mut Errors) -> ProductInput {
    let mut number = |id: &'static str| -> Option<i64> {
        match whole(&f.get(id)) {
            Ok(n) => n,
            Err(m) => {
                errors.add(id, ctx.t(&format!("toko.pfield.{id}")), ctx.service_message(&m));
                None
            }
        }
    };
    let (price, min_order, stock, weight) =
        (number("unit_price_idr"), number("min_order"), number("stock"), number("weight_grams"));
    let (tkdn, bmp) = (number("local_content_tkdn_bp"), number("local_content_bmp_bp"));
    let certificate = f.opt("local_content_certificate");
    let valid_until = f.opt("local_content_valid_until");
    let any_tkdn = certificate.is_some() || valid_until.is_some() || tkdn.is_some() || bmp.is_some();
    ProductInput {
        name: Some(f.get("name")),
        description: Some(f.get("description")),
        category_id: f.opt("category_id"),
        brand: Some(f.get("brand")),
        sku: Some(f.get("sku")),
        unit: f.opt("unit"),
        unit_price_idr: price,
        min_order,
        stock,
        weight_grams: weight,
        specs: None,
        local_content: any_tkdn.then_some(LocalContentInput {
            certificate,
            tkdn_bp: tkdn,
            bmp_bp: bmp,
            valid_until,
            document_id: None,
        }),
    }
}

fn new_product_page<'a>(ctx: &'a Ctx, errors: Errors, groups: Vec<Group>) -> FormPage<'a> {
    FormPage {
        ctx,
        errors,
        title: ctx.t("toko.product_new"),
        intro: ctx.t("toko.product_new_intro"),
        tab: "produk",
        action: "/toko/produk/baru".into(),
        multipart: false,
        groups,
        submit: ctx.t("toko.product_create"),
        remarks: Vec::new(),
    }
}

/// `GET /toko/produk/baru`
pub async fn new_product_form(ctx: Ctx, state: web::Data<AppState>) -> PageResult {
    my_vendor(&ctx)?;
    let categories = category_choices(&ctx, &state).await?;
    let defaults = |id: &str| if id == "min_order" { "1".to_owned() } else { String::new() };
    let groups = product_groups(&ctx, categories, &defaults);
    Ok(ctx.ok(&new_product_page(&ctx, Errors::none(), groups)))
}

/// `POST /toko/produk/baru`: the API's product creation (a draft); then its page, to
/// add photos and submit.
pub async fn create_product(ctx: Ctx, state: web::Data<AppState>, body: web::Bytes) -> PageResult {
    let (actor, _) = my_vendor(&ctx)?;
    let f = Form::parse(&body);
    let categories = category_choices(&ctx, &state).await?;
    let groups = product_groups(&ctx, categories, &|id| f.get(id));
    let mut errors = Errors::none();
    let mut input = product_input(&ctx, &f, &mut errors);
    if !errors.is_empty() {
        return Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &new_product_page(&ctx, errors, groups)));
    }
    if input.min_order.is_none() {
        input.min_order = Some(1);
    }
    let (st, now) = (state.clone(), state.now());
    match state.run(move |conn| catalog::create_product(conn, &st.vendors, now, &actor, input)).await {
        Ok(p) => Ok(see_other(&format!("/toko/produk/{}?dibuat=1", p.id))),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let errors = service_errors(&ctx, &e, &desk::labels(&groups));
            Ok(ctx.page(refusal_status(&e), &new_product_page(&ctx, errors, groups)))
        }
    }
}

/// A photo on the product's page.
pub struct PhotoLine {
    pub src: String,
    pub alt: String,
    pub approved: bool,
}

#[derive(Template)]
#[template(path = "toko_product.html")]
pub struct ProductFormPage<'a> {
    pub ctx: &'a Ctx,
    pub errors: Errors,
    pub tab: &'static str,
    pub id: String,
    pub name: String,
    pub status: String,
    pub status_class: &'static str,
    pub review_note: String,
    pub notice: String,
    pub can_submit: bool,
    pub groups: Vec<Group>,
    pub photos: Vec<PhotoLine>,
    pub photo_action: String,
    pub photo_errors: Errors,
}

async fn load_product(
    ctx: &Ctx,
    state: &web::Data<AppState>,
    raw: &str,
) -> Result<(ProductId, ProductView, Vec<ImageView>), PageError> {
    let (actor, _) = my_vendor(ctx)?;
    let id: ProductId = pasar_api::extract::path_id(raw, "product").map_err(|e| ctx.fail(e))?;
    let (st, now, pid) = (state.clone(), state.now(), id);
    let (p, images) = state
        .run(move |conn| {
            let p = catalog::get_product(conn, &st.vendors, now, Some(&actor), &pid)?;
            let images = pasar_catalog::images::list(conn, &st.vendors, Some(&actor), &pid)?;
            Ok::<_, pasar_catalog::CatalogError>((p, images))
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    // Not one of this vendor's products: as if it did not exist (the public version of
    // another vendor's product is no business of this page).
    if p.status.is_none() {
        return Err(ctx.error_page(StatusCode::NOT_FOUND, None));
    }
    Ok((id, p, images))
}

fn product_form_page<'a>(
    ctx: &'a Ctx,
    p: &ProductView,
    images: &[ImageView],
    groups: Vec<Group>,
    errors: Errors,
    photo_errors: Errors,
    notice: String,
) -> ProductFormPage<'a> {
    let (status, status_class) = product_status(ctx, p);
    let can_submit = p.status.is_some_and(|s| s.can_submit());
    ProductFormPage {
        ctx,
        errors,
        tab: "produk",
        id: p.id.clone(),
        name: p.name.clone(),
        status,
        status_class,
        review_note: opt(&p.review_note),
        notice,
        can_submit,
        groups,
        photos: images
            .iter()
            .enumerate()
            .map(|(i, im)| PhotoLine {
                src: desk::photo_url(&p.id, &im.id),
                alt: ctx.t_with("product.photo_alt", &[("n", &(i + 1).to_string()), ("name", &p.name)]),
                approved: im.approved,
            })
            .collect(),
        photo_action: format!("/toko/produk/{}/foto?csrf={}", p.id, ctx.csrf),
        photo_errors,
    }
}

fn product_notice(ctx: &Ctx) -> String {
    for (flag, key) in [
        ("dibuat=1", "toko.product_created"),
        ("disimpan=1", "toko.saved"),
        ("foto=1", "toko.photo_added"),
        ("dikirim=1", "toko.product_submitted"),
    ] {
        if ctx.here.contains(flag) {
            return ctx.t(key);
        }
    }
    String::new()
}

/// `GET /toko/produk/{id}`: edit a product, add photos, submit it.
pub async fn product_form(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let (_, p, images) = load_product(&ctx, &state, &id).await?;
    let categories = category_choices(&ctx, &state).await?;
    let groups = product_groups(&ctx, categories, &|id| product_value(&p, id));
    let notice = product_notice(&ctx);
    Ok(ctx.ok(&product_form_page(&ctx, &p, &images, groups, Errors::none(), Errors::none(), notice)))
}

/// `POST /toko/produk/{id}`: the API's product update.
pub async fn save_product(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>, body: web::Bytes) -> PageResult {
    let (pid, p, images) = load_product(&ctx, &state, &id).await?;
    let (actor, _) = my_vendor(&ctx)?;
    let f = Form::parse(&body);
    let categories = category_choices(&ctx, &state).await?;
    let groups = product_groups(&ctx, categories, &|id| f.get(id));
    let mut errors = Errors::none();
    let input = product_input(&ctx, &f, &mut errors);
    if !errors.is_empty() {
        let page = product_form_page(&ctx, &p, &images, groups, errors, Errors::none(), String::new());
        return Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let (st, now) = (state.clone(), state.now());
    match state.run(move |conn| catalog::update_product(conn, &st.vendors, now, &actor, &pid, input)).await {
        Ok(p) => Ok(see_other(&format!("/toko/produk/{}?disimpan=1", p.id))),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let errors = service_errors(&ctx, &e, &desk::labels(&groups));
            let page = product_form_page(&ctx, &p, &images, groups, errors, Errors::none(), String::new());
            Ok(ctx.page(refusal_status(&e), &page))
        }
    }
}

/// `POST /toko/produk/{id}/foto?csrf=…` (multipart): the API's photo upload.
pub async fn upload_photo(
    ctx: Ctx,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> PageResult {
    let (pid, p, images) = load_product(&ctx, &state, &id).await?;
    let (actor, _) = my_vendor(&ctx)?;
    let result: Result<ImageView, ApiError> = async {
        let form = desk::read_upload(&req, payload, &state, &[]).await?;
        let (st, now) = (state.clone(), state.now());
        state
            .run(move |conn| pasar_catalog::images::upload(conn, st.files.as_ref(), now, &actor, &pid, &form.bytes))
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/toko/produk/{}?foto=1", p.id))),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let categories = category_choices(&ctx, &state).await?;
            let groups = product_groups(&ctx, categories, &|id| product_value(&p, id));
            let photo_errors = service_errors(&ctx, &e, &[("photo", ctx.t("toko.photo_file"))]);
            let photo_errors = Errors {
                items: photo_errors
                    .items
                    .into_iter()
                    .map(|mut i| {
                        if i.field.is_empty() || i.field == "file" {
                            i.field = "photo".into();
                            i.label = ctx.t("toko.photo_file");
                        }
                        i
                    })
                    .collect(),
            };
            let page = product_form_page(&ctx, &p, &images, groups, Errors::none(), photo_errors, String::new());
            Ok(ctx.page(refusal_status(&e), &page))
        }
    }
}

/// `POST /toko/produk/{id}/kirim`: sends the product to the curator.
pub async fn submit_product(ctx: Ctx, state: web::Data<AppState>, id: web::Path<String>) -> PageResult {
    let (pid, p, images) = load_product(&ctx, &state, &id).await?;
    let (actor, _) = my_vendor(&ctx)?;
    let (st, now) = (state.clone(), state.now());
    match state.run(move |conn| catalog::submit_product(conn, &st.vendors, now, &actor, &pid)).await {
        Ok(_) => Ok(see_other(&format!("/toko/produk/{}?dikirim=1", p.id))),
        Err(e) if is_failure(&e) => Err(ctx.fail(e)),
        Err(e) => {
            let categories = category_choices(&ctx, &state).await?;
            let groups = product_groups(&ctx, categories, &|id| product_value(&p, id));
            let errors = service_errors(&ctx, &e, &desk::labels(&groups));
            let page = product_form_page(&ctx, &p, &images, groups, errors, Errors::none(), String::new());
            Ok(ctx.page(refusal_status(&e), &page))
        }
    }
}
