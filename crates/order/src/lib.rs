//! E-purchasing: carts, orders, the order state machine, ceilings, tax and the P3DN
//! realisation reports. The state machine lives in [`model`]; the rest arrives with
//! its issue.

pub mod error;
pub mod model;
pub mod service;
pub mod store;
pub mod tax;

pub use error::OrderError;
