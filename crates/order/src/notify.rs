//! The mails an order sends, queued in the outbox inside the transaction that changes
//! the order: a mail goes out exactly when its change commits.

use crate::error::OrderError;
use crate::store::OrderRow;
use chrono::{DateTime, Utc};
use pasar_auth::model::Role;
use pasar_db::outbox::{self, NewMail};
use pasar_db::DbConn;

/// Who hears of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    /// The PPK named on the order.
    Ppk,
    /// The satker's PP and PPK (everyone who buys there).
    Buyers,
    /// The satker's treasurers.
    Treasurers,
    /// The vendor's owner and staff.
    Vendor,
}

fn addresses(conn: &mut DbConn, order: &OrderRow, to: &[To]) -> Result<Vec<String>, OrderError> {
    let mut out = Vec::new();
    // The PPK alone is one look-up; the satker's whole staff is read only when a role of
    // it is asked for.
    if to == [To::Ppk] {
        let ppk = pasar_auth::service::find_account(conn, &order.ppk_id)?;
        return Ok(ppk.filter(|a| a.active).map(|a| a.email).into_iter().collect());
    }
    let wants_satker = to.iter().any(|t| matches!(t, To::Ppk | To::Buyers | To::Treasurers));
    if wants_satker {
        for u in pasar_auth::service::users_of_organization(conn, &order.satker_id)? {
            let hit = to.iter().any(|t| match t {
                To::Ppk => u.id.to_string() == order.ppk_id,
                To::Buyers => u.roles.iter().any(|r| matches!(r, Role::PejabatPengadaan | Role::Ppk)),
                To::Treasurers => u.roles.contains(&Role::Bendahara),
                To::Vendor => false,
            });
            if hit && u.active {
                out.push(u.email);
            }
        }
    }
    if to.contains(&To::Vendor) {
        for u in pasar_auth::service::users_of_organization(conn, &order.vendor_id)? {
            if u.active && u.roles.iter().any(|r| matches!(r, Role::VendorOwner | Role::VendorStaff)) {
                out.push(u.email);
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Queues one mail about `order` to `address`.
pub fn send_to(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    order: &OrderRow,
    address: &str,
    subject: &str,
    body: &str,
) -> Result<(), OrderError> {
    let (subject, body) = compose(order, subject, body);
    outbox::enqueue_mail(conn, now, NewMail { to: address, subject: &subject, body: &body, expires_at: None })?;
    Ok(())
}

fn compose(order: &OrderRow, subject: &str, body: &str) -> (String, String) {
    let reference = order.sp_number.clone().unwrap_or_else(|| order.id.clone());
    (format!("{subject} ({reference})"), format!("{body}\n\nPesanan / order: {}\nStatus: {}\n", order.id, order.state))
}

/// Queues one mail about `order` to each of `to`.
pub fn send(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    order: &OrderRow,
    to: &[To],
    subject: &str,
    body: &str,
) -> Result<(), OrderError> {
    let (subject, body) = compose(order, subject, body);
    for address in addresses(conn, order, to)? {
        outbox::enqueue_mail(conn, now, NewMail { to: &address, subject: &subject, body: &body, expires_at: None })?;
    }
    Ok(())
}
