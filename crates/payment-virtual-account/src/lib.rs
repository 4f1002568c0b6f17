//! Payment by bank virtual account, on Bank Indonesia's SNAP standard: issuing VA
//! numbers, answering the bank's inquiry and payment calls, reconciliation. The VA
//! number lives in [`model`]; the rest arrives with its issue.

pub mod error;
pub mod model;
pub mod service;
pub mod store;

pub use error::PaymentError;
