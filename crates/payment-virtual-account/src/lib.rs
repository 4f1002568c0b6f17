//! Payment by bank virtual account, on Bank Indonesia's SNAP standard: issuing a VA for
//! an invoice, and answering the bank's token, inquiry, payment and status calls.
//!
//! Layers: [`model`] (VA numbers, the view), [`snap`] (signatures, tokens, codes and
//! amounts, pure), [`store`] (queries), [`settings`], [`service`] (the use cases), [`reconcile`] (the bank's statements).

pub mod error;
pub mod model;
pub mod reconcile;
pub mod service;
pub mod settings;
pub mod snap;
pub mod store;

pub use error::PaymentError;
pub use settings::{Bank, BankSettings, PaymentSettings};
