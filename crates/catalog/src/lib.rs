//! The catalogue: products, categories, the TKDN/BMP/PDN priority rules and search.
//! The local-content rules live in [`model`], the facts an order freezes in [`facts`],
//! products and curation in [`service`], search in [`search`].
//!
//! # Layering
//!
//! Modules depend only on modules below them, never on one beside or above:
//!
//! ```text
//! service (categories, products, import, curation)   search (engines, sync)
//!    |           |          |                            |
//!    |        images      import (CSV)                   |
//!    |           |          |                            |
//!    +------ facts ---------+----------------------------+
//!                |          |
//!             shared      input
//!                |
//!     store, model, error
//! ```
//!
//! - [`store`], [`model`], [`error`]: rows, valid values, the crate's error.
//! - [`input`]: what a vendor sends for a product, unchecked (API body, CSV row).
//! - [`shared`]: what the use cases share: a product as the caller may read it, the
//!   vendor selling it, audit entries.
//! - [`facts`]: the facts an order freezes and search indexes.
//! - [`import`] (parses CSV into [`input`]), [`images`] (product photos).
//! - [`service`]: one function per use case; it calls the modules below.
//! - [`search`]: the engines and the queue worker; it reads products through
//!   [`facts`] and [`shared`], never through [`service`].

pub mod error;
pub mod facts;
pub mod images;
pub mod import;
pub mod input;
pub mod model;
pub mod search;
pub mod service;
mod shared;
pub mod store;

pub use error::CatalogError;
