//! E-purchasing: the buyer's cart, checkout, the order's way from the PPK's approval to
//! the invoice, and the documents it collects.
//!
//! Layers, each using only those below it:
//! - [`model`]: states, actions and the one transition table; [`tax`]: invoice arithmetic;
//! - [`store`]: queries; [`access`]: who stands where towards an order;
//!   [`settings`]: what an operator configures;
//! - [`view`] (reading), [`notify`] (mails), [`documents`] (Surat Pesanan, invoice);
//! - use cases: [`cart`] (cart, checkout, budgets) and [`flow`] (everything after checkout).

pub mod access;
pub mod bulk;
pub mod cart;
pub mod documents;
pub mod error;
pub mod flow;
pub mod model;
pub mod notify;
pub mod settings;
pub mod store;
pub mod tax;
pub mod view;

pub use error::OrderError;
pub use settings::OrderSettings;
