//! A vendor's legal documents: upload (type told by content, size capped, SHA-256 kept),
//! list, download, replace; and the reminders before they expire.

use crate::error::VendorError;
use crate::model::{lapsed, parse_date, DocumentKind, VendorStatus};
use crate::service::VendorSettings;
use crate::store::{self, DocumentRow};
use chrono::{DateTime, NaiveDate, Utc};
use pasar_auth::access::{relation, Relation};
use pasar_auth::model::Actor;
use pasar_core::clock::{local_date, Zone};
use pasar_core::error::FieldErrors;
use pasar_core::id::DocumentId;
use pasar_core::storage::{FileStore, FileType};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::outbox::{self, NewMail};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// A document as listed (never its contents).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: String,
    pub kind: DocumentKind,
    pub number: Option<String>,
    /// `YYYY-MM-DD`.
    pub valid_until: Option<String>,
    /// Whether `valid_until` has passed.
    pub expired: bool,
    pub content_type: String,
    pub size_bytes: i64,
    /// Lower-hex SHA-256 of the file.
    pub sha256: String,
    pub file_name: String,
    pub uploaded_at: DateTime<Utc>,
    /// The newer document that replaced this one, if any.
    pub replaced_by: Option<String>,
}

impl DocumentView {
    fn from_row(row: DocumentRow, today: NaiveDate) -> Result<Self, VendorError> {
        Ok(DocumentView {
            kind: DocumentKind::parse(&row.kind).map_err(|e| VendorError::InvalidState(e.to_string()))?,
            expired: lapsed(row.valid_until.as_deref(), today),
            id: row.id,
            number: row.number,
            valid_until: row.valid_until,
            content_type: row.content_type,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            file_name: row.file_name,
            uploaded_at: from_db(row.created_at),
            replaced_by: row.replaced_by,
        })
    }
}

/// An uploaded document, as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub kind: Option<String>,
    pub number: Option<String>,
    pub valid_until: Option<String>,
    pub file_name: Option<String>,
    /// The Content-Type the client declared for the file part.
    pub declared_type: Option<String>,
    pub bytes: Vec<u8>,
}

struct CheckedUpload {
    kind: DocumentKind,
    number: Option<String>,
    valid_until: Option<String>,
    file_name: String,
    file_type: FileType,
}

fn check_upload(upload: &Upload, kind_fixed: Option<DocumentKind>) -> Result<CheckedUpload, VendorError> {
    let mut e = FieldErrors::new();
    let kind = match (kind_fixed, upload.kind.as_deref()) {
        (Some(k), None) => Some(k),
        (Some(k), Some(given)) if given == k.as_str() => Some(k),
        (Some(k), Some(_)) => {
            e.add("kind", format!("a replacement keeps the kind ({k})"));
            None
        }
        (None, Some(given)) => e.check("kind", DocumentKind::parse(given)),
        (None, None) => {
            e.add("kind", "is required");
            None
        }
    };
    let number = upload.number.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    if number.as_ref().is_some_and(|n| n.chars().count() > 100) {
        e.add("number", "must be at most 100 characters");
    }
    let valid_until = match upload.valid_until.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => e.check("valid_until", parse_date(d)).map(|d| d.to_string()),
        None => None,
    };
    let file_type = if upload.bytes.is_empty() {
        e.add("file", "is required");
        None
    } else {
        match FileType::sniff(&upload.bytes) {
            None => {
                e.add("file", "must be a PDF, JPEG or PNG file (judged by its content, not its name)");
                None
            }
            Some(t) => {
                let declared = upload
                    .declared_type
                    .as_deref()
                    .map(|d| d.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
                match declared.as_deref() {
                    Some(d) if !d.is_empty() && d != "application/octet-stream" && d != t.mime() => {
                        e.add("file", format!("claims to be {d} but its content is {}", t.mime()));
                        None
                    }
                    _ => Some(t),
                }
            }
        }
    };
    let file_name: String = upload
        .file_name
        .as_deref()
        .unwrap_or("document")
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
        .take(200)
        .collect();
    e.finish().map_err(VendorError::invalid)?;
    Ok(CheckedUpload {
        kind: kind.expect("checked"),
        number,
        valid_until,
        file_name: if file_name.is_empty() { "document".into() } else { file_name },
        file_type: file_type.expect("checked"),
    })
}

/// Only the vendor's own users upload, and not while the vendor is under review.
fn writable_vendor(conn: &mut DbConn, actor: &Actor, vendor_id: &str) -> Result<(), VendorError> {
    match relation(Some(actor), vendor_id) {
        Relation::Owner | Relation::Staff => {}
        Relation::Curation | Relation::Auditor => {
            return Err(VendorError::Forbidden("Only the vendor's own users upload its documents."))
        }
        Relation::Public => return Err(VendorError::NotFound),
    }
    let row = store::lock_vendor(conn, vendor_id)?.ok_or(VendorError::NotFound)?;
    let status = VendorStatus::parse(&row.status).map_err(VendorError::InvalidState)?;
    if matches!(status, VendorStatus::Submitted | VendorStatus::InReview | VendorStatus::Rejected) {
        return Err(VendorError::InvalidState(format!("Documents cannot change while the vendor is {status}.")));
    }
    Ok(())
}

fn readable_vendor(actor: &Actor, vendor_id: &str) -> Result<(), VendorError> {
    match relation(Some(actor), vendor_id) {
        Relation::Public => Err(VendorError::NotFound),
        _ => Ok(()),
    }
}

/// Stores a new document, or a replacement of `replaces`. `zone` is the marketplace's, for
/// the day `valid_until` is compared with.
#[allow(clippy::too_many_arguments)]
pub fn upload(
    conn: &mut DbConn,
    files: &dyn FileStore,
    now: DateTime<Utc>,
    zone: Zone,
    actor: &Actor,
    vendor_id: &str,
    replaces: Option<&DocumentId>,
    upload: Upload,
) -> Result<DocumentView, VendorError> {
    let replaces = replaces.map(|id| id.to_string());
    let replaces = replaces.as_deref();
    let old = match replaces {
        Some(id) => {
            readable_vendor(actor, vendor_id)?;
            let old = store::find_document(conn, vendor_id, id)?.ok_or(VendorError::NotFound)?;
            if old.replaced_by.is_some() {
                return Err(VendorError::InvalidState(
                    "This document was already replaced; replace the newer one.".into(),
                ));
            }
            Some(old)
        }
        None => None,
    };
    let fixed_kind =
        old.as_ref().map(|o| DocumentKind::parse(&o.kind)).transpose().map_err(VendorError::InvalidState)?;
    let checked = check_upload(&upload, fixed_kind)?;
    if checked.kind == DocumentKind::BankAccount && relation(Some(actor), vendor_id) == Relation::Staff {
        return Err(VendorError::Forbidden("Only the vendor's owner changes the bank account and its proof."));
    }
    // A cheap check before storing the file; the binding one is inside the transaction.
    writable_vendor(conn, actor, vendor_id)?;

    let id = uuid::Uuid::now_v7().to_string();
    let key = format!("vendors/{vendor_id}/{id}.{}", checked.file_type.extension());
    // The file first, then the row: a crash between them leaves an orphan file, never
    // a row pointing at nothing.
    files.put(&key, &upload.bytes)?;
    let row = DocumentRow {
        id: id.clone(),
        vendor_id: vendor_id.to_owned(),
        kind: checked.kind.as_str().into(),
        number: checked.number,
        valid_until: checked.valid_until,
        storage_key: key.clone(),
        content_type: checked.file_type.mime().into(),
        size_bytes: upload.bytes.len() as i64,
        sha256: hex::encode(Sha256::digest(&upload.bytes)),
        file_name: checked.file_name,
        uploaded_by: actor.user_id.to_string(),
        replaced_by: None,
        reminded_30_at: None,
        reminded_7_at: None,
        created_at: to_db(now),
    };
    let result = write_tx(conn, |conn| {
        writable_vendor(conn, actor, vendor_id)?;
        store::insert_document(conn, &row)?;
        if let Some(old) = &old {
            if store::mark_document_replaced(conn, &old.id, &id)? == 0 {
                return Err(VendorError::InvalidState(
                    "This document was already replaced; replace the newer one.".into(),
                ));
            }
        }
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: Some(&actor.user_id.to_string()),
                action: if old.is_some() { "vendor.document_replace" } else { "vendor.document_upload" },
                entity_type: "vendor",
                entity_id: vendor_id,
                before: old.as_ref().map(|o| json!({ "document": o.id })),
                after: Some(json!({ "document": id, "kind": row.kind, "number": row.number,
                                   "valid_until": row.valid_until, "sha256": row.sha256 })),
                request_id: actor.request_id.as_deref(),
            },
        )?;
        Ok::<_, VendorError>(())
    });
    if let Err(e) = result {
        if let Err(gone) = files.delete(&key) {
            tracing::warn!(key = %key, error = ?gone, "could not delete a document file no row points at");
        }
        return Err(e);
    }
    DocumentView::from_row(row, local_date(now, zone))
}

/// The vendor's current documents (with `all`, replaced ones too), newest first.
pub fn list(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    zone: Zone,
    actor: &Actor,
    vendor_id: &str,
    all: bool,
) -> Result<Vec<DocumentView>, VendorError> {
    readable_vendor(actor, vendor_id)?;
    store::find_vendor(conn, vendor_id)?.ok_or(VendorError::NotFound)?;
    store::documents(conn, vendor_id, all)?
        .into_iter()
        .map(|r| DocumentView::from_row(r, local_date(now, zone)))
        .collect()
}

/// A document and its bytes, for download.
pub fn download(
    conn: &mut DbConn,
    files: &dyn FileStore,
    now: DateTime<Utc>,
    zone: Zone,
    actor: &Actor,
    vendor_id: &str,
    id: &DocumentId,
) -> Result<(DocumentView, Vec<u8>), VendorError> {
    let id = id.to_string();
    let id = id.as_str();
    readable_vendor(actor, vendor_id)?;
    let row = store::find_document(conn, vendor_id, id)?.ok_or(VendorError::NotFound)?;
    let bytes = files.get(&row.storage_key)?;
    Ok((DocumentView::from_row(row, local_date(now, zone))?, bytes))
}

/// Mails each vendor's owners 30 and 7 days before a current document expires, once
/// each. Safe to run as often as wanted; returns the number of reminders queued.
pub fn send_expiry_reminders(
    conn: &mut DbConn,
    settings: &VendorSettings,
    now: DateTime<Utc>,
) -> Result<usize, VendorError> {
    let today = local_date(now, settings.time_zone);
    let horizon = (today + chrono::Days::new(30)).to_string();
    let mut sent = 0;
    for doc in store::documents_expiring_by(conn, &horizon, &today.to_string())? {
        let Some(until) = doc.valid_until.as_deref().and_then(|d| parse_date(d).ok()) else { continue };
        let days = (until - today).num_days();
        let stage = if days <= 7 && doc.reminded_7_at.is_none() {
            7
        } else if days <= 30 && doc.reminded_30_at.is_none() && doc.reminded_7_at.is_none() {
            30
        } else {
            continue;
        };
        let claimed = write_tx(conn, |conn| {
            // Claimed with a conditional update: another instance running the same pass
            // finds it taken and sends nothing.
            if store::mark_document_reminded(conn, &doc.id, stage, now)? == 0 {
                return Ok::<_, VendorError>(false);
            }
            let vendor = store::find_vendor(conn, &doc.vendor_id)?.ok_or(VendorError::NotFound)?;
            for (email, name) in store::owner_emails(conn, &doc.vendor_id)? {
                let body = format!(
                    "Halo {name},\n\nThe {kind} document{number} of {vendor} expires on {until} ({days} days from now).\n\
                     Upload the renewed document in time, or the vendor may be unable to sell.\n\n— {mp}\n",
                    kind = doc.kind,
                    number = doc.number.as_deref().map(|n| format!(" no. {n}")).unwrap_or_default(),
                    vendor = vendor.legal_name,
                    mp = settings.marketplace_name,
                );
                let subject = format!("[{}] A document expires in {days} days", settings.marketplace_name);
                outbox::enqueue_mail(
                    conn,
                    now,
                    NewMail { to: &email, subject: &subject, body: &body, expires_at: None },
                )?;
            }
            Ok(true)
        });
        match claimed {
            Ok(true) => sent += 1,
            Ok(false) => {}
            // One bad document must not stop the reminders of all the others.
            Err(e) => tracing::warn!(document = %doc.id, error = %e, "expiry reminder failed"),
        }
    }
    Ok(sent)
}
