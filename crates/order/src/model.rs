//! The e-purchasing order states (the e-Katalog v6 flow, made explicit). The table in
//! [`OrderState::can_become`] is the documentation of which transitions exist.

use crate::error::OrderError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    CheckedOut,
    Negotiation,
    AwaitingPpkApproval,
    SuratPesananSigned,
    AcceptedByVendor,
    Shipped,
    Received,
    BastSigned,
    Invoiced,
    AwaitingPayment,
    Paid,
    Completed,
    Cancelled,
}

impl OrderState {
    pub fn as_str(self) -> &'static str {
        use OrderState::*;
        match self {
            CheckedOut => "checked_out",
            Negotiation => "negotiation",
            AwaitingPpkApproval => "awaiting_ppk_approval",
            SuratPesananSigned => "surat_pesanan_signed",
            AcceptedByVendor => "accepted_by_vendor",
            Shipped => "shipped",
            Received => "received",
            BastSigned => "bast_signed",
            Invoiced => "invoiced",
            AwaitingPayment => "awaiting_payment",
            Paid => "paid",
            Completed => "completed",
            Cancelled => "cancelled",
        }
    }

    /// Whether an order in `self` may move to `next`. Cancellation is possible only
    /// before the Surat Pesanan; after it, changes go through addenda.
    pub fn can_become(self, next: OrderState) -> bool {
        use OrderState::*;
        matches!(
            (self, next),
            (CheckedOut, Negotiation)
                | (CheckedOut, AwaitingPpkApproval)
                | (Negotiation, AwaitingPpkApproval)
                | (AwaitingPpkApproval, Negotiation)
                | (AwaitingPpkApproval, SuratPesananSigned)
                | (SuratPesananSigned, AcceptedByVendor)
                | (AcceptedByVendor, Shipped)
                | (Shipped, Received)
                | (Received, BastSigned)
                | (BastSigned, Invoiced)
                | (Invoiced, AwaitingPayment)
                | (AwaitingPayment, Paid)
                | (Paid, Completed)
                | (CheckedOut | Negotiation | AwaitingPpkApproval, Cancelled)
        )
    }

    pub fn transition(self, next: OrderState) -> Result<OrderState, OrderError> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(OrderError::InvalidTransition { from: self, to: next })
        }
    }

    /// Whether the order has ended.
    pub fn is_final(self) -> bool {
        matches!(self, OrderState::Completed | OrderState::Cancelled)
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderState::*;

    #[test]
    fn the_happy_path_is_allowed_and_cancelling_stops_at_the_surat_pesanan() {
        let path = [
            CheckedOut,
            AwaitingPpkApproval,
            SuratPesananSigned,
            AcceptedByVendor,
            Shipped,
            Received,
            BastSigned,
            Invoiced,
            AwaitingPayment,
            Paid,
            Completed,
        ];
        for w in path.windows(2) {
            assert!(w[0].can_become(w[1]), "{} -> {}", w[0], w[1]);
        }
        assert!(AwaitingPpkApproval.can_become(Cancelled));
        assert!(SuratPesananSigned.transition(Cancelled).is_err());
        assert!(Completed.is_final());
        assert!(Paid.transition(Shipped).is_err());
    }
}
