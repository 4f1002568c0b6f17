//! Payment use cases: the bendahara asks for a VA for the invoice; the bank takes a
//! token, asks about the VA, pays it and asks what Pasar recorded. Every bank call is
//! verified (token, timestamp, signature, partner, external id) before its body is read,
//! and answered with a SNAP `responseCode`, never a problem document.

use crate::error::PaymentError;
use crate::model::{VaNumber, VaView};
use crate::settings::{Bank, BankSettings, PaymentSettings};
use crate::snap::{self, Code, INQUIRY, PAYMENT, STATUS, TOKEN};
use crate::store::{self, VaRow};
use chrono::{DateTime, TimeDelta, Utc};
use pasar_auth::model::Actor;
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn, DbError};
use pasar_order::access::{seat, Seat};
use pasar_order::OrderError;
use rand::Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

// ---- the bendahara's side ----

/// The bank a VA belongs to: by its code, or (for a VA issued before banks had codes)
/// by its prefix.
fn bank_of<'a>(settings: &'a PaymentSettings, row: &VaRow) -> Option<&'a Bank> {
    settings.banks.iter().find(|b| {
        if row.bank_code.is_empty() {
            b.padded_prefix() == row.partner_service_id
        } else {
            b.code == row.bank_code
        }
    })
}

fn view(settings: &PaymentSettings, row: &VaRow, now: DateTime<Utc>) -> VaView {
    let expires_at = from_db(row.expires_at);
    let state = if row.state == "active" && expires_at <= now { "expired".to_owned() } else { row.state.clone() };
    let bank = bank_of(settings, row);
    VaView {
        id: row.id.clone(),
        order_id: row.order_id.clone(),
        invoice_number: row.invoice_number.clone(),
        bank: bank.map_or_else(|| row.bank_code.clone(), |b| b.code.clone()),
        bank_name: bank.map_or_else(|| row.bank_code.clone(), |b| b.name.clone()),
        virtual_account_no: row.va_number.clone(),
        partner_service_id: row.partner_service_id.clone(),
        customer_no: row.customer_no.clone(),
        amount_idr: row.amount_idr,
        state,
        expires_at,
        created_at: from_db(row.created_at),
        paid_at: row.paid_at.map(from_db),
    }
}

fn customer_no(digits: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..digits).map(|i| char::from(b'0' + if i == 0 { rng.gen_range(1..10) } else { rng.gen_range(0..10) })).collect()
}

/// The end (in the marketplace's zone) of the `n`th working day after `now`'s day.
fn expiry(conn: &mut DbConn, settings: &PaymentSettings, now: DateTime<Utc>) -> Result<DateTime<Utc>, PaymentError> {
    let zone = settings.zone;
    let today = zone.date(now);
    let calendar = pasar_db::calendar::working_calendar(conn, today).map_err(DbError::Query)?;
    let last = calendar.working_days_after(today, settings.valid_working_days.max(1));
    let next = last.succ_opt().ok_or_else(|| PaymentError::Conflict("The calendar ends here.".into()))?;
    Ok(zone.start_of(next) - TimeDelta::seconds(1))
}

/// The satker's bendahara asks for payment: a closed-amount VA at `bank` (the first
/// configured when `None`) for the invoice's `payable`, valid until the end of the next
/// working day (by default). The order moves to `awaiting_payment`. One live VA per
/// invoice: an expired one is replaced, at the same bank or another.
pub fn issue(
    conn: &mut DbConn,
    settings: &PaymentSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    order_id: &str,
    bank: Option<&str>,
) -> Result<VaView, PaymentError> {
    write_tx(conn, |conn| {
        let order = pasar_order::flow::lock(conn, order_id)?;
        if seat(actor, &order)? != Seat::Treasurer {
            return Err(OrderError::Forbidden("Only the satker's bendahara asks for payment.".into()).into());
        }
        if settings.banks.is_empty() {
            return Err(PaymentError::Conflict("Payment by virtual account is not configured here.".into()));
        }
        let bank = settings.bank(bank).ok_or_else(|| {
            let known: Vec<&str> = settings.banks.iter().map(|b| b.code.as_str()).collect();
            PaymentError::field("bank", format!("must be one of: {}", known.join(", ")))
        })?;
        let latest = store::latest_of_order(conn, order_id)?;
        let reissue = match (order.state.as_str(), &latest) {
            ("invoiced", _) => false,
            ("awaiting_payment", Some(va)) if va.state == "active" => {
                if from_db(va.expires_at) > now {
                    return Err(PaymentError::Conflict(format!(
                        "Virtual account {} is live for this invoice until {}.",
                        va.va_number.trim(),
                        from_db(va.expires_at).to_rfc3339()
                    )));
                }
                store::mark_replaced(conn, &va.id)?;
                true
            }
            (state, _) => {
                return Err(PaymentError::Conflict(format!("The order is {state}: no virtual account can be issued.")))
            }
        };
        let invoice: Value = order
            .invoice_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .ok_or_else(|| PaymentError::Db(DbError::corrupt("the invoice of an invoiced order")))?;
        let amount = invoice["payable_idr"]
            .as_i64()
            .filter(|a| *a > 0)
            .ok_or_else(|| PaymentError::Conflict("The invoice has nothing to pay.".into()))?;
        let expires_at = expiry(conn, settings, now)?;
        let mut row = None;
        // Random numbers: a collision is unlikely but the unique index decides.
        for _ in 0..8 {
            let number =
                VaNumber::padded(&bank.partner_service_id, &customer_no(settings.customer_no_digits), bank.padding)
                    .map_err(|e| PaymentError::Conflict(e.into()))?;
            let candidate = VaRow {
                id: uuid::Uuid::now_v7().to_string(),
                order_id: order.id.clone(),
                va_number: number.full(),
                partner_service_id: number.partner_service_id.clone(),
                customer_no: number.customer_no.clone(),
                invoice_number: order.invoice_number.clone().unwrap_or_default(),
                amount_idr: amount,
                state: "active".into(),
                expires_at: to_db(expires_at),
                issued_by: actor.user_id.to_string(),
                created_at: to_db(now),
                paid_at: None,
                payment_request_id: None,
                payment_reference: None,
                payment_response: None,
                bank_code: bank.code.clone(),
            };
            match write_tx(conn, |c| store::insert(c, &candidate).map_err(|e| PaymentError::Db(DbError::Query(e)))) {
                Ok(()) => {
                    row = Some(candidate);
                    break;
                }
                Err(PaymentError::Db(e)) if e.is_unique_violation() => continue,
                Err(e) => return Err(e),
            }
        }
        let row = row.ok_or_else(|| PaymentError::Conflict("No free virtual-account number; try again.".into()))?;
        let detail = json!({
            "virtual_account_no": row.va_number, "bank": bank.code, "amount_idr": amount,
            "expires_at": expires_at.to_rfc3339(),
        });
        if reissue {
            let actor_id = actor.user_id.to_string();
            audit::append(
                conn,
                now,
                AuditEntry {
                    actor_id: Some(&actor_id),
                    action: "order.reissue_virtual_account",
                    entity_type: "order",
                    entity_id: &order.id,
                    before: None,
                    after: Some(detail),
                    request_id: None,
                },
            )?;
        } else {
            pasar_order::flow::request_payment(conn, now, actor, &order.id, detail)?;
        }
        Ok(view(settings, &row, now))
    })
}

/// The invoice's VA (the newest), for whoever may see the order.
pub fn current(
    conn: &mut DbConn,
    settings: &PaymentSettings,
    now: DateTime<Utc>,
    actor: &Actor,
    order_id: &str,
) -> Result<VaView, PaymentError> {
    let order = pasar_order::flow::find(conn, order_id)?;
    seat(actor, &order)?;
    let row = store::latest_of_order(conn, order_id)?.ok_or(PaymentError::NotFound)?;
    Ok(view(settings, &row, now))
}

// ---- the bank's side ----

/// How long the `X-EXTERNAL-ID`s of bank calls are kept: SNAP wants them unique per day,
/// and a week leaves room to look into a dispute.
pub const EXTERNAL_ID_RETENTION_DAYS: i64 = 7;

/// Forgets the external ids older than [`EXTERNAL_ID_RETENTION_DAYS`] (the worker's
/// housekeeping).
pub fn purge_external_ids(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, PaymentError> {
    let before = to_db(now - TimeDelta::days(EXTERNAL_ID_RETENTION_DAYS));
    Ok(write_tx(conn, |c| store::purge_external_ids(c, before).map_err(DbError::Query))?)
}

/// A SNAP answer: the HTTP status and the JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapReply {
    pub status: u16,
    pub body: Value,
}

impl SnapReply {
    fn new(code: Code, message: &str, mut extra: Value) -> SnapReply {
        let mut body = json!({ "responseCode": code.as_string(), "responseMessage": message });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object_mut()) {
            b.append(e);
        }
        SnapReply { status: code.status, body }
    }

    fn error(status: u16, service: u8, case: u8, message: impl AsRef<str>) -> SnapReply {
        SnapReply::new(Code::new(status, service, case), message.as_ref(), json!({}))
    }

    /// `400xx01`: a field in the wrong format, named.
    pub fn invalid(service: u8, field: &str) -> SnapReply {
        SnapReply::error(400, service, 1, format!("Invalid Field Format {field}"))
    }

    /// `400xx02`: a mandatory field missing, named.
    pub fn missing(service: u8, field: &str) -> SnapReply {
        SnapReply::error(400, service, 2, format!("Invalid Mandatory Field {field}"))
    }

    fn unauthorized(service: u8, why: &str) -> SnapReply {
        SnapReply::error(401, service, 0, format!("Unauthorized. {why}"))
    }

    /// `500xx01`.
    pub fn internal(service: u8) -> SnapReply {
        SnapReply::error(500, service, 1, "General Error")
    }
}

fn fresh(bank: &BankSettings, service: u8, timestamp: &str, now: DateTime<Utc>) -> Result<(), SnapReply> {
    let at = DateTime::parse_from_rfc3339(timestamp).map_err(|_| SnapReply::invalid(service, "X-TIMESTAMP"))?;
    if (now - at.with_timezone(&Utc)).num_seconds().abs() > bank.timestamp_window_secs {
        return Err(SnapReply::unauthorized(service, "X-TIMESTAMP is outside the allowed window"));
    }
    Ok(())
}

fn required<'a>(value: Option<&'a str>, service: u8, name: &str) -> Result<&'a str, SnapReply> {
    value.filter(|v| !v.trim().is_empty()).ok_or_else(|| SnapReply::missing(service, name))
}

/// The headers of a token request.
#[derive(Debug, Default)]
pub struct TokenHeaders<'a> {
    pub timestamp: Option<&'a str>,
    pub client_key: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// `POST /v1.0/access-token/b2b`: the bank proves itself with its RSA key, Pasar answers
/// with a 900-second bearer token.
pub fn access_token(settings: &PaymentSettings, now: DateTime<Utc>, h: &TokenHeaders<'_>, body: &[u8]) -> SnapReply {
    match access_token_inner(settings, now, h, body) {
        Ok(r) | Err(r) => r,
    }
}

fn access_token_inner(
    settings: &PaymentSettings,
    now: DateTime<Utc>,
    h: &TokenHeaders<'_>,
    body: &[u8],
) -> Result<SnapReply, SnapReply> {
    let timestamp = required(h.timestamp, TOKEN, "X-TIMESTAMP")?;
    let client_key = required(h.client_key, TOKEN, "X-CLIENT-KEY")?;
    let signature = required(h.signature, TOKEN, "X-SIGNATURE")?;
    let (_, bank) =
        settings.bank_by_client(client_key).ok_or_else(|| SnapReply::unauthorized(TOKEN, "Unknown client"))?;
    fresh(bank, TOKEN, timestamp, now)?;
    if !snap::verify_token_request(&bank.public_key, client_key, timestamp, signature) {
        return Err(SnapReply::unauthorized(TOKEN, "Signature"));
    }
    let body: Value = serde_json::from_slice(body).map_err(|_| SnapReply::invalid(TOKEN, "body"))?;
    match body.get("grantType").and_then(Value::as_str) {
        None => return Err(SnapReply::missing(TOKEN, "grantType")),
        Some("client_credentials") => {}
        Some(_) => return Err(SnapReply::invalid(TOKEN, "grantType")),
    }
    let token = snap::issue_token(&bank.client_secret, &bank.client_id, now);
    Ok(SnapReply::new(
        Code::new(200, TOKEN, 0),
        "Successful",
        json!({ "accessToken": token, "tokenType": "Bearer", "expiresIn": snap::TOKEN_SECONDS.to_string() }),
    ))
}

/// The headers of a service call.
#[derive(Debug, Default)]
pub struct CallHeaders<'a> {
    pub authorization: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub partner_id: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub channel_id: Option<&'a str>,
}

/// A service call, verified.
#[derive(Debug)]
pub struct Verified {
    pub service: u8,
    pub partner_id: String,
    pub external_id: String,
    /// The calling bank's code: it sees only the VAs of its own prefix.
    pub bank: String,
}

/// Checks a service call before its body is read: partner (which names the bank), bearer
/// token, timestamp window, HMAC-SHA512 signature over the raw body (constant-time),
/// channel and the form of the external id.
pub fn verify_call(
    settings: &PaymentSettings,
    now: DateTime<Utc>,
    service: u8,
    method: &str,
    path: &str,
    h: &CallHeaders<'_>,
    body: &[u8],
) -> Result<Verified, SnapReply> {
    let partner_id = required(h.partner_id, service, "X-PARTNER-ID")?;
    let (known, bank) =
        settings.bank_by_partner(partner_id).ok_or_else(|| SnapReply::unauthorized(service, "Unknown X-PARTNER-ID"))?;
    let authorization = required(h.authorization, service, "Authorization")?;
    let token = authorization
        .strip_prefix("Bearer ")
        .filter(|t| snap::verify_token(&bank.client_secret, &bank.client_id, t.trim(), now))
        .ok_or_else(|| SnapReply::error(401, service, 1, "Invalid Token (B2B)"))?
        .trim();
    let timestamp = required(h.timestamp, service, "X-TIMESTAMP")?;
    let signature = required(h.signature, service, "X-SIGNATURE")?;
    let external_id = required(h.external_id, service, "X-EXTERNAL-ID")?;
    required(h.channel_id, service, "CHANNEL-ID")?;
    fresh(bank, service, timestamp, now)?;
    let string_to_sign = snap::string_to_sign(method, path, token, body, timestamp);
    if !snap::verify_service(&bank.client_secret, &string_to_sign, signature, bank.signature_encoding) {
        return Err(SnapReply::unauthorized(service, "Signature"));
    }
    if external_id.len() > 36 || !external_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SnapReply::invalid(service, "X-EXTERNAL-ID"));
    }
    Ok(Verified {
        service,
        partner_id: partner_id.to_owned(),
        external_id: external_id.to_owned(),
        bank: known.code.clone(),
    })
}

/// Runs a verified service call: the external id is claimed and the answer kept in the
/// same transaction as the work, so the same id with the same request gets the same
/// answer, with another request `409xx00`.
pub fn handle(
    conn: &mut DbConn,
    settings: &PaymentSettings,
    now: DateTime<Utc>,
    call: &Verified,
    path: &str,
    body: &[u8],
) -> SnapReply {
    let service = call.service;
    let Some(bank) = settings.bank(Some(&call.bank)) else { return SnapReply::internal(service) };
    let prefix = bank.padded_prefix();
    let request: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return SnapReply::invalid(service, "body (not a JSON object)"),
    };
    let hash = hex::encode(Sha256::digest([path.as_bytes(), b"\n", body].concat()));
    let day = settings.zone.date(now).to_string();
    let result = write_tx(conn, |conn| -> Result<SnapReply, PaymentError> {
        let seen = store::claim_external_id(conn, &call.partner_id, &day, &call.external_id, &hash, to_db(now))?;
        if let Some((seen_hash, status, body)) = seen {
            if seen_hash == hash {
                if let (Some(status), Some(body)) = (status, body.and_then(|b| serde_json::from_str(&b).ok())) {
                    return Ok(SnapReply { status: status as u16, body });
                }
            }
            return Ok(SnapReply::error(409, service, 0, "Conflict: X-EXTERNAL-ID already used today"));
        }
        let reply = match service {
            INQUIRY => inquiry(conn, now, &prefix, &request)?,
            PAYMENT => payment(conn, now, settings.zone, &prefix, &request)?,
            _ => status(conn, &prefix, &request)?,
        };
        store::answer_external_id(
            conn,
            &call.partner_id,
            &day,
            &call.external_id,
            reply.status,
            &reply.body.to_string(),
        )?;
        Ok(reply)
    });
    result.unwrap_or_else(|e| {
        tracing::error!(error = %e, service, "a SNAP call failed");
        SnapReply::internal(service)
    })
}

/// The VA named by a request: `partnerServiceId`, `customerNo` and `virtualAccountNo`,
/// which must agree.
fn va_of(request: &Value, service: u8) -> Result<String, SnapReply> {
    let field = |name: &str| -> Result<&str, SnapReply> {
        match request.get(name) {
            None | Some(Value::Null) => Err(SnapReply::missing(service, name)),
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(_) => Err(SnapReply::invalid(service, name)),
        }
    };
    let (psid, customer, number) = (field("partnerServiceId")?, field("customerNo")?, field("virtualAccountNo")?);
    if psid.len() != 8 {
        return Err(SnapReply::invalid(service, "partnerServiceId"));
    }
    if customer.is_empty() || customer.len() > 20 || !customer.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SnapReply::invalid(service, "customerNo"));
    }
    if number != format!("{psid}{customer}") {
        return Err(SnapReply::invalid(service, "virtualAccountNo"));
    }
    Ok(number.to_owned())
}

/// The VA of that number, if it is the calling bank's: another bank's VA is unknown to it.
fn of_bank(conn: &mut DbConn, prefix: &str, number: &str) -> Result<Option<VaRow>, PaymentError> {
    Ok(store::by_number(conn, number)?.filter(|va| va.partner_service_id == prefix))
}

fn request_id<'a>(request: &'a Value, service: u8, name: &str) -> Result<&'a str, SnapReply> {
    match request.get(name) {
        None | Some(Value::Null) => Err(SnapReply::missing(service, name)),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 128 => Ok(s),
        Some(_) => Err(SnapReply::invalid(service, name)),
    }
}

fn amount_of(request: &Value, service: u8, name: &str) -> Result<i64, SnapReply> {
    let a = request.get(name).filter(|v| !v.is_null()).ok_or_else(|| SnapReply::missing(service, name))?;
    let value = a.get("value").and_then(Value::as_str);
    let currency = a.get("currency").and_then(Value::as_str);
    let (Some(value), Some(currency)) = (value, currency) else {
        return Err(SnapReply::invalid(service, &format!("{name}.value")));
    };
    snap::rupiah(value, currency).map_err(|why| {
        let field = if why.starts_with("currency") { "currency" } else { "value" };
        SnapReply::error(400, service, 1, format!("Invalid Field Format {name}.{field}: {why}"))
    })
}

fn va_fields(va: &VaRow) -> Value {
    json!({
        "partnerServiceId": va.partner_service_id,
        "customerNo": va.customer_no,
        "virtualAccountNo": va.va_number,
        "virtualAccountName": format!("Pasar {}", va.invoice_number),
    })
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

fn inquiry(conn: &mut DbConn, now: DateTime<Utc>, prefix: &str, request: &Value) -> Result<SnapReply, PaymentError> {
    let (number, inquiry_id) =
        match va_of(request, INQUIRY).and_then(|n| Ok((n, request_id(request, INQUIRY, "inquiryRequestId")?))) {
            Ok(x) => x,
            Err(r) => return Ok(r),
        };
    let Some(va) = of_bank(conn, prefix, &number)? else {
        return Ok(SnapReply::error(404, INQUIRY, 12, "Invalid Bill/Virtual Account [Not Found]"));
    };
    if va.state == "paid" {
        return Ok(SnapReply::error(404, INQUIRY, 14, "Paid Bill"));
    }
    if va.state != "active" || from_db(va.expires_at) <= now {
        return Ok(SnapReply::error(404, INQUIRY, 19, "Invalid Bill/Virtual Account [Expired]"));
    }
    let data = merge(
        va_fields(&va),
        json!({
            "inquiryStatus": "00",
            "inquiryReason": { "english": "Success", "indonesia": "Sukses" },
            "inquiryRequestId": inquiry_id,
            "totalAmount": snap::amount(va.amount_idr),
            "feeAmount": snap::amount(0),
            "billDetails": [],
            "freeTexts": [],
            "virtualAccountTrxType": "C",
        }),
    );
    Ok(SnapReply::new(Code::new(200, INQUIRY, 0), "Successful", json!({ "virtualAccountData": data })))
}

/// The answer to a VA that is paid already: the first answer again for the same
/// `paymentRequestId`, else "paid bill".
fn already_paid(va: &VaRow, payment_id: &str) -> SnapReply {
    if va.payment_request_id.as_deref() == Some(payment_id) {
        if let Some(body) = va.payment_response.as_deref().and_then(|b| serde_json::from_str(b).ok()) {
            return SnapReply { status: 200, body };
        }
    }
    SnapReply::error(404, PAYMENT, 14, "Paid Bill")
}

fn payment(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    zone: pasar_core::Zone,
    prefix: &str,
    request: &Value,
) -> Result<SnapReply, PaymentError> {
    let parsed = va_of(request, PAYMENT).and_then(|n| {
        let id = request_id(request, PAYMENT, "paymentRequestId")?;
        let paid = amount_of(request, PAYMENT, "paidAmount")?;
        Ok((n, id, paid))
    });
    let (number, payment_id, paid) = match parsed {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let reference = match request.get("referenceNo") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() <= 64 => Some(s.as_str()),
        Some(_) => return Ok(SnapReply::invalid(PAYMENT, "referenceNo")),
    };
    let Some(va) = of_bank(conn, prefix, &number)? else {
        return Ok(SnapReply::error(404, PAYMENT, 12, "Invalid Bill/Virtual Account [Not Found]"));
    };
    if va.state == "paid" {
        return Ok(already_paid(&va, payment_id));
    }
    if va.state != "active" || from_db(va.expires_at) <= now {
        return Ok(SnapReply::error(404, PAYMENT, 19, "Invalid Bill/Virtual Account [Expired]"));
    }
    if paid != va.amount_idr {
        return Ok(SnapReply::error(404, PAYMENT, 13, "Invalid Amount"));
    }
    let data = merge(
        va_fields(&va),
        json!({
            "paymentRequestId": payment_id,
            "paidAmount": snap::amount(paid),
            "totalAmount": snap::amount(va.amount_idr),
            "trxDateTime": now.to_rfc3339(),
            "referenceNo": reference,
            "paymentFlagStatus": "00",
            "paymentFlagReason": { "english": "Success", "indonesia": "Sukses" },
        }),
    );
    let reply = SnapReply::new(Code::new(200, PAYMENT, 0), "Successful", json!({ "virtualAccountData": data }));
    // The order first, then the VA, as issuing takes them: two transactions never wait
    // on each other in a circle.
    pasar_order::flow::lock(conn, &va.order_id)?;
    if store::mark_paid(conn, &va.id, to_db(now), payment_id, reference, &reply.body.to_string())? == 0 {
        // Another copy of this payment (or another payment) won the row meanwhile.
        let again = of_bank(conn, prefix, &number)?.ok_or(PaymentError::NotFound)?;
        return Ok(if again.state == "paid" {
            already_paid(&again, payment_id)
        } else {
            SnapReply::error(404, PAYMENT, 19, "Invalid Bill/Virtual Account [Expired]")
        });
    }
    pasar_order::flow::settle(
        conn,
        now,
        zone,
        &va.order_id,
        json!({
            "virtual_account_no": va.va_number, "amount_idr": paid, "payment_request_id": payment_id,
            "reference_no": reference,
        }),
    )?;
    Ok(reply)
}

fn status(conn: &mut DbConn, prefix: &str, request: &Value) -> Result<SnapReply, PaymentError> {
    let number = match va_of(request, STATUS) {
        Ok(n) => n,
        Err(r) => return Ok(r),
    };
    let Some(va) = of_bank(conn, prefix, &number)? else {
        return Ok(SnapReply::error(404, STATUS, 12, "Invalid Bill/Virtual Account [Not Found]"));
    };
    let paid = va.state == "paid";
    let data = merge(
        va_fields(&va),
        json!({
            "paymentRequestId": va.payment_request_id,
            "paidAmount": snap::amount(if paid { va.amount_idr } else { 0 }),
            "totalAmount": snap::amount(va.amount_idr),
            "trxDateTime": va.paid_at.map(|t| from_db(t).to_rfc3339()),
            "referenceNo": va.payment_reference,
            "paymentFlagStatus": if paid { "00" } else { "01" },
            "paymentFlagReason": if paid {
                json!({ "english": "Paid", "indonesia": "Lunas" })
            } else {
                json!({ "english": "Not paid", "indonesia": "Belum dibayar" })
            },
        }),
    );
    Ok(SnapReply::new(Code::new(200, STATUS, 0), "Successful", json!({ "virtualAccountData": data })))
}
