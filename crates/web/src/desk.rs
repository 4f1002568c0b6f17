//! What the vendor's and the curator's pages share: reading a submitted form, generic
//! form fields rendered by one macro (`desk_macros.html`), service field errors placed
//! beside the form's fields, the roles that show the desks in the header, and the
//! product photos served through the session.

use crate::ctx::{Ctx, PageError};
use crate::forms::Errors;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use pasar_api::{ApiError, AppState};
use pasar_auth::model::Role;
use pasar_auth::Actor;
use pasar_core::id::ProductId;
use pasar_core::Code;

/// Which desks the header links to.
impl Ctx {
    /// A user of a vendor (owner or staff): the shop's pages.
    pub fn is_vendor(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.actor.has_any(&[Role::VendorOwner, Role::VendorStaff]))
    }

    /// A curator or administrator: the curation queues.
    pub fn is_curator(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.actor.has_any(&[Role::Curator, Role::Admin]))
    }
}

/// A submitted urlencoded form as its pairs ([`crate::forms::read_form`]), for forms
/// whose fields are named at run time (remarks per field) or repeat (`image`).
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn parse(body: &web::Bytes) -> Form {
        Form(crate::forms::read_form(body))
    }

    /// The field's value as typed (empty when absent).
    pub fn get(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// The field's value, trimmed, or `None` when blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name);
        let v = v.trim();
        (!v.is_empty()).then(|| v.to_owned())
    }
}

/// One choice of a `<select>` or a group of radio buttons.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One form field: `id` is both the input's id and its name.
pub struct Field {
    pub id: &'static str,
    pub label: String,
    pub value: String,
    /// `text`, `email`, `password`, `tel`, `date`, `file`, `textarea` or `select`.
    pub kind: &'static str,
    pub hint: String,
    pub autocomplete: &'static str,
    pub choices: Vec<Choice>,
}

impl Field {
    pub fn new(id: &'static str, label: String, value: impl Into<String>) -> Field {
        Field {
            id,
            label,
            value: value.into(),
            kind: "text",
            hint: String::new(),
            autocomplete: "off",
            choices: Vec::new(),
        }
    }

    pub fn kind(mut self, kind: &'static str) -> Field {
        self.kind = kind;
        self
    }

    pub fn hint(mut self, hint: String) -> Field {
        self.hint = hint;
        self
    }

    pub fn autocomplete(mut self, a: &'static str) -> Field {
        self.autocomplete = a;
        self
    }

    /// A `<select>` of `choices` (value, label), with an empty first choice when
    /// `blank` is given.
    pub fn select(mut self, blank: Option<String>, choices: Vec<(String, String)>) -> Field {
        self.kind = "select";
        let current = self.value.clone();
        if let Some(label) = blank {
            self.choices.push(Choice { value: String::new(), label, selected: current.is_empty() });
        }
        self.choices.extend(choices.into_iter().map(|(value, label)| Choice {
            selected: value == current,
            value,
            label,
        }));
        self
    }
}

/// Fields under one heading (a `<fieldset>`).
pub struct Group {
    pub legend: String,
    pub fields: Vec<Field>,
}

/// The input id a service's field name is shown beside: `address.street` is
/// `address_street`, `kbli_codes[2]` is `kbli_codes`.
pub fn dom_id(service_field: &str) -> String {
    service_field.split('[').next().unwrap_or_default().replace('.', "_")
}

/// The service's refusal as messages beside the form's fields (`fields`: input id and
/// label), through [`Errors::from_service`].
pub fn service_errors(ctx: &Ctx, e: &ApiError, fields: &[(&str, String)]) -> Errors {
    let mut renamed = ApiError::new(e.code, e.detail.clone());
    for fe in &e.errors {
        renamed = renamed.with_field(dom_id(&fe.field), fe.message.clone());
    }
    Errors::from_service(ctx, &renamed, fields)
}

/// The labels of every field of `groups`, for [`service_errors`].
pub fn labels(groups: &[Group]) -> Vec<(&'static str, String)> {
    groups.iter().flat_map(|g| g.fields.iter().map(|f| (f.id, f.label.clone()))).collect()
}

/// The status a form page answers with after a service refused it.
pub fn refusal_status(e: &ApiError) -> StatusCode {
    StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
}

/// Whether a refusal is the service's business (shown in the form) or a failure (an
/// error page).
pub fn is_failure(e: &ApiError) -> bool {
    matches!(e.code, Code::Internal | Code::Unavailable | Code::NotFound | Code::Unauthenticated | Code::InvalidToken)
}

/// The logged-in user's actor, or the way to the login page.
pub fn actor(ctx: &Ctx) -> Result<Actor, PageError> {
    Ok(ctx.require_user()?.actor.clone())
}

/// A whole number as the catalogue's CSV import reads it (digits, thousands grouped
/// with dots): `Ok(None)` when blank, the reason otherwise.
pub fn whole(text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    pasar_catalog::import::parse_whole(t, pasar_catalog::import::Notation::Thousands).map(Some)
}

/// `GET /toko/produk/{id}/foto/{image}`: a product photo's thumbnail for whoever the
/// session is, by the same rule as the API's (unapproved photos for the vendor and the
/// curators only).
pub async fn photo(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let actor = ctx.user.as_ref().map(|u| u.actor.clone());
    let id: ProductId = pasar_api::extract::path_id(&path.0, "product").map_err(|e| ctx.fail(e))?;
    let image = pasar_api::extract::path_id::<uuid::Uuid>(&path.1, "image").map_err(|e| ctx.fail(e))?.to_string();
    let st = state.clone();
    let (content_type, bytes) = state
        .run(move |conn| {
            pasar_catalog::images::file(conn, st.files.as_ref(), &st.vendors, actor.as_ref(), &id, &image, true)
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(header::CacheControl(vec![header::CacheDirective::Private, header::CacheDirective::MaxAge(300)]))
        .body(bytes))
}

/// The page's address of a product photo's thumbnail.
pub fn photo_url(product: &str, image: &str) -> String {
    format!("/toko/produk/{product}/foto/{image}")
}

/// A short status word's message key under `prefix` (`toko.status.draft`).
pub fn status_text(ctx: &Ctx, prefix: &str, status: &str) -> String {
    ctx.t(&format!("{prefix}.{status}"))
}

/// Reads a multipart upload through the API's own reader (the same limits and checks).
pub async fn read_upload(
    req: &actix_web::HttpRequest,
    payload: web::Payload,
    state: &AppState,
    fields: &[&str],
) -> Result<pasar_vendor_onboarding::documents::Upload, ApiError> {
    pasar_api::documents::read_upload(req, payload, state.limits.upload_bytes, fields).await
}

#[cfg(test)]
mod tests {
    use crate::i18n::{catalogue, Lang};

    /// The keys the vendor's and curator's pages build from a value.
    #[test]
    fn every_key_the_desks_build_exists() {
        use pasar_catalog::model::{ProductStatus, Unit};
        use pasar_order::model::OrderState;
        use pasar_vendor_onboarding::model::{DocumentKind, LegalForm, TaxStatus, VendorStatus};
        let mut built = Vec::new();
        for s in VendorStatus::ALL {
            built.push(format!("toko.status.{}", s.as_str()));
            built.push(format!("toko.status_help.{}", s.as_str()));
        }
        built.extend(DocumentKind::ALL.iter().map(|k| format!("toko.doc_kind.{}", k.as_str())));
        built.extend(LegalForm::ALL.iter().map(|k| format!("legal_form.{}", k.as_str())));
        built.extend(TaxStatus::ALL.iter().map(|k| format!("toko.tax.{}", k.as_str())));
        built.extend(Unit::ALL.iter().map(|k| format!("toko.unit.{}", k.as_str())));
        built.extend(ProductStatus::ALL.iter().map(|k| format!("toko.product_status.{}", k.as_str())));
        built.extend(OrderState::ALL.iter().map(|k| format!("toko.order_state.{}", k.as_str())));
        built.extend(pasar_auth::Role::ALL.iter().map(|k| format!("toko.role.{}", k.as_str())));
        for d in ["approve", "request_revision", "reject"] {
            built.push(format!("toko.decision.{d}"));
        }
        for s in ["invoiced", "awaiting_payment", "paid", "completed"] {
            built.push(format!("toko.payment_state.{s}"));
        }
        for f in [
            "legal_name",
            "trade_name",
            "legal_form",
            "nib",
            "npwp",
            "kbli_codes",
            "address.street",
            "address.region_code",
            "address.postal_code",
            "contact.name",
            "contact.phone",
            "contact.email",
            "business_capital_idr",
            "annual_sales_idr",
            "tax_status",
            "pp55_valid_until",
            "bank_account.bank_name",
            "bank_account.account_number",
            "bank_account.account_holder",
        ] {
            built.push(format!("toko.field.{}", super::dom_id(f)));
        }
        for f in ["diklaim", "diputus", "fakta", "turun"] {
            built.push(format!("kurasi.done.{f}"));
        }
        for f in ["diterima", "ditolak", "dikirim", "bast"] {
            built.push(format!("toko.order_done.{f}"));
        }
        for lang in Lang::ALL {
            let missing: Vec<_> = built.iter().filter(|k| catalogue(lang).get(k).is_none()).collect();
            assert!(missing.is_empty(), "{}: missing {missing:?}", lang.code());
        }
    }
}
