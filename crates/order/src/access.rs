//! Who stands where towards an order. A satker's orders belong to its own buyers (PP,
//! PPK) and its treasurer; a vendor's to its own users; administrators and auditors
//! read everything. Everyone else is told the order does not exist.

use crate::error::OrderError;
use crate::store::OrderRow;
use pasar_auth::model::{Actor, Role};

/// The caller's seat at an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seat {
    /// A PP or PPK of the buying satker; `order_ppk` when the caller is the PPK named on
    /// the order.
    Buyer { order_ppk: bool },
    /// The satker's treasurer (bendahara): reads, and pays with the payment capability.
    Treasurer,
    /// The selling vendor's owner or staff.
    Vendor,
    /// An administrator or auditor: reads only.
    Reader,
}

/// The caller's seat at `order`, or "not found" for anyone who may not see it.
pub fn seat(actor: &Actor, order: &OrderRow) -> Result<Seat, OrderError> {
    let org = actor.organization_id.to_string();
    if org == order.satker_id {
        if actor.has_any(&[Role::PejabatPengadaan, Role::Ppk]) {
            return Ok(Seat::Buyer { order_ppk: actor.has(Role::Ppk) && actor.user_id.to_string() == order.ppk_id });
        }
        if actor.has(Role::Bendahara) {
            return Ok(Seat::Treasurer);
        }
    }
    if org == order.vendor_id && actor.has_any(&[Role::VendorOwner, Role::VendorStaff]) {
        return Ok(Seat::Vendor);
    }
    if actor.reads_everything() {
        return Ok(Seat::Reader);
    }
    Err(OrderError::NotFound("order"))
}

/// The seat, which must be a buyer's.
pub fn buyer(actor: &Actor, order: &OrderRow) -> Result<(), OrderError> {
    match seat(actor, order)? {
        Seat::Buyer { .. } => Ok(()),
        _ => Err(OrderError::Forbidden("Only the buying satker's PP or PPK may do this.".into())),
    }
}

/// The seat, which must be the PPK named on the order.
pub fn order_ppk(actor: &Actor, order: &OrderRow) -> Result<(), OrderError> {
    match seat(actor, order)? {
        Seat::Buyer { order_ppk: true } => Ok(()),
        _ => Err(OrderError::Forbidden("Only the PPK named on this order may do this.".into())),
    }
}

/// The seat, which must be the vendor's.
pub fn vendor(actor: &Actor, order: &OrderRow) -> Result<(), OrderError> {
    match seat(actor, order)? {
        Seat::Vendor => Ok(()),
        _ => Err(OrderError::Forbidden("Only the vendor's own users may do this.".into())),
    }
}

/// A buyer of a satker: a PP or PPK (the only roles that check out and keep a cart).
pub fn satker_buyer(actor: &Actor) -> Result<String, OrderError> {
    if actor.has_any(&[Role::PejabatPengadaan, Role::Ppk]) {
        Ok(actor.organization_id.to_string())
    } else {
        Err(OrderError::Forbidden("Only a satker's pejabat pengadaan or PPK buys.".into()))
    }
}

/// Whether `actor` may read the satker's budgets and orders: its own PP, PPK and
/// treasurer, administrators and auditors.
pub fn reads_satker(actor: &Actor, satker_id: &str) -> bool {
    actor.reads_everything()
        || (actor.organization_id.to_string() == satker_id
            && actor.has_any(&[Role::PejabatPengadaan, Role::Ppk, Role::Bendahara]))
}
