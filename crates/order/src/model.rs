//! The e-purchasing order: its states, the actions that move it, and the one table
//! ([`TRANSITIONS`]) that says which action may happen in which state. `docs/ORDERS.md`
//! draws the same table; a test keeps the two in step.

use crate::error::OrderError;
use pasar_core::string_enum;

string_enum!(
    /// Where an order stands (the e-Katalog v6 flow, made explicit).
    OrderState {
        /// Waiting for the PPK to approve (3 working days, then it cancels itself).
        AwaitingPpkApproval => "awaiting_ppk_approval",
        /// Buyer and vendor are negotiating the unit prices.
        Negotiation => "negotiation",
        /// The PPK signed the Surat Pesanan; the vendor must confirm within 3 working days.
        SuratPesananSigned => "surat_pesanan_signed",
        /// The vendor countersigned the Surat Pesanan.
        AcceptedByVendor => "accepted_by_vendor",
        /// At least one shipment is on its way.
        Shipped => "shipped",
        /// The PPK inspected the delivery.
        Received => "received",
        /// The PPK signed the BAST; the vendor countersigns it.
        BastSigned => "bast_signed",
        /// Both signed the BAST and the invoice is issued.
        Invoiced => "invoiced",
        /// A virtual account is issued for the invoice.
        AwaitingPayment => "awaiting_payment",
        Paid => "paid",
        Completed => "completed",
        Cancelled => "cancelled",
    }
);

string_enum!(
    /// What someone does to an order.
    Action {
        /// The buyer offers lower unit prices, or answers a counter-offer with a new one.
        Offer => "offer",
        /// The vendor answers an offer with prices of its own.
        Counter => "counter",
        /// The other side accepts the last offer or counter-offer: those prices are agreed.
        AcceptPrices => "accept_prices",
        /// Either side ends the negotiation; the prices agreed before stay.
        EndNegotiation => "end_negotiation",
        /// The PPK approves and signs the Surat Pesanan.
        Approve => "approve",
        /// The PPK refuses the order.
        Reject => "reject",
        /// The buyer withdraws the order.
        Cancel => "cancel",
        /// Nobody acted before the deadline.
        Expire => "expire",
        /// The vendor countersigns the Surat Pesanan.
        Accept => "accept",
        /// The vendor refuses the Surat Pesanan.
        Decline => "decline",
        /// The vendor sends (part of) the goods.
        Ship => "ship",
        /// The PPK records the inspection of each line.
        Receive => "receive",
        /// The PPK signs the BAST.
        SignBast => "sign_bast",
        /// The vendor countersigns the BAST; the invoice is issued.
        CountersignBast => "countersign_bast",
        /// The PPK proposes, or the vendor accepts, an addendum.
        Amend => "amend",
        /// The PPK rates the vendor.
        Rate => "rate",
        /// The treasurer asks for a virtual account (the payment capability).
        RequestPayment => "request_payment",
        /// The bank reports the payment (the payment capability).
        Pay => "pay",
        /// The paid order is closed.
        Complete => "complete",
    }
);

use Action as A;
use OrderState as S;

/// Every allowed move: in any of `from`, `action` leads to `to` (`None`: the state
/// stays). Anything not listed is refused with `409 invalid_state`.
pub const TRANSITIONS: &[(Action, &[OrderState], Option<OrderState>)] = &[
    (A::Offer, &[S::AwaitingPpkApproval, S::Negotiation], Some(S::Negotiation)),
    (A::Counter, &[S::Negotiation], Some(S::Negotiation)),
    (A::AcceptPrices, &[S::Negotiation], Some(S::AwaitingPpkApproval)),
    (A::EndNegotiation, &[S::Negotiation], Some(S::AwaitingPpkApproval)),
    (A::Approve, &[S::AwaitingPpkApproval], Some(S::SuratPesananSigned)),
    (A::Reject, &[S::AwaitingPpkApproval, S::Negotiation], Some(S::Cancelled)),
    (A::Cancel, &[S::AwaitingPpkApproval, S::Negotiation], Some(S::Cancelled)),
    (A::Expire, &[S::AwaitingPpkApproval, S::SuratPesananSigned], Some(S::Cancelled)),
    (A::Accept, &[S::SuratPesananSigned], Some(S::AcceptedByVendor)),
    (A::Decline, &[S::SuratPesananSigned], Some(S::Cancelled)),
    (A::Ship, &[S::AcceptedByVendor, S::Shipped], Some(S::Shipped)),
    (A::Receive, &[S::Shipped], Some(S::Received)),
    (A::SignBast, &[S::Received], Some(S::BastSigned)),
    (A::CountersignBast, &[S::BastSigned], Some(S::Invoiced)),
    (A::Amend, &[S::SuratPesananSigned, S::AcceptedByVendor, S::Shipped], None),
    (A::Rate, &[S::Invoiced, S::AwaitingPayment, S::Paid, S::Completed], None),
    (A::RequestPayment, &[S::Invoiced], Some(S::AwaitingPayment)),
    (A::Pay, &[S::AwaitingPayment], Some(S::Paid)),
    (A::Complete, &[S::Paid], Some(S::Completed)),
];

impl OrderState {
    /// The state `action` leads to from `self`, or `409 invalid_state` naming `self`.
    pub fn after(self, action: Action) -> Result<OrderState, OrderError> {
        TRANSITIONS
            .iter()
            .find(|(a, from, _)| *a == action && from.contains(&self))
            .map(|(_, _, to)| to.unwrap_or(self))
            .ok_or(OrderError::InvalidState { state: self, action })
    }

    /// Whether the order has ended.
    pub fn is_final(self) -> bool {
        matches!(self, S::Completed | S::Cancelled)
    }

    /// Whether the order's stock is still held for it (not given back).
    pub fn holds_stock(self) -> bool {
        self != S::Cancelled
    }

    /// Whether the order counts against the satker's budget.
    pub fn commits_budget(self) -> bool {
        self != S::Cancelled
    }
}

string_enum!(
    /// How the order is procured.
    Method {
        /// E-purchasing from the catalogue (e-Katalog style).
        EPurchasing => "e_purchasing",
        /// Direct purchase from a micro or small business (Bela style), capped lower.
        PembelianLangsung => "pembelian_langsung",
    }
);

string_enum!(
    /// Where the money comes from.
    FundingSource {
        Apbd => "apbd",
        Apbn => "apbn",
        Dak => "dak",
        Dau => "dau",
        Blud => "blud",
        Bos => "bos",
        Hibah => "hibah",
        Other => "other",
    }
);

string_enum!(
    /// The state of the goods on one line at inspection.
    Condition {
        Good => "good",
        Damaged => "damaged",
        Incomplete => "incomplete",
        Late => "late",
    }
);

string_enum!(
    /// Who is acting on an order.
    Party {
        Buyer => "buyer",
        Vendor => "vendor",
    }
);

#[cfg(test)]
mod tests {
    use super::{Action, OrderState, TRANSITIONS};

    #[test]
    fn the_happy_path_is_allowed_and_cancelling_stops_at_the_surat_pesanan() {
        use Action::*;
        let mut s = OrderState::AwaitingPpkApproval;
        for a in [
            Offer,
            AcceptPrices,
            Approve,
            Accept,
            Ship,
            Ship,
            Receive,
            SignBast,
            CountersignBast,
            RequestPayment,
            Pay,
            Complete,
        ] {
            s = s.after(a).unwrap_or_else(|e| panic!("{a} in {s}: {e}"));
        }
        assert_eq!(s, OrderState::Completed);
        assert!(OrderState::AcceptedByVendor.after(Cancel).is_err());
        assert!(OrderState::Paid.after(Ship).is_err());
        assert!(OrderState::Completed.is_final());
    }

    #[test]
    fn the_documentation_draws_the_same_table() {
        let doc = include_str!("../../../docs/ORDERS.md");
        for (action, from, to) in TRANSITIONS {
            for f in *from {
                let line = format!("{f} --> {}: {action}", to.unwrap_or(*f));
                assert!(doc.contains(&line), "docs/ORDERS.md lacks `{line}`");
            }
        }
    }

    /// Every step of an order is a webhook event, and every `order.*` event is a step
    /// (or checkout, or a re-issued virtual account): `docs/WEBHOOKS.md` lists them.
    #[test]
    fn every_order_action_is_a_webhook_event_type() {
        use pasar_db::webhook::{is_event, EVENT_TYPES};
        for a in Action::ALL {
            assert!(is_event(&format!("order.{a}")), "order.{a} is missing from pasar_db::webhook::EVENT_TYPES");
        }
        let doc = include_str!("../../../docs/WEBHOOKS.md");
        for (name, _) in EVENT_TYPES {
            assert!(doc.contains(&format!("`{name}`")), "docs/WEBHOOKS.md lacks `{name}`");
            if let Some(action) = name.strip_prefix("order.") {
                assert!(
                    Action::parse(action).is_ok() || ["checkout", "reissue_virtual_account"].contains(&action),
                    "{name} is not an order action"
                );
            }
        }
    }
}
