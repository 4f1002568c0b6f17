//! The catalogue: products, categories, the TKDN/BMP/PDN priority rules and search.
//! The local-content rules live in [`model`], the facts an order freezes in [`facts`],
//! products and curation in [`service`], search in [`search`].
//!
//! # Layering
//!
//! A module depends only on the levels below its own, never on one beside or above:
//!
//! 1. [`store`], [`model`], [`error`]: rows and their queries, valid values, the
//!    crate's error.
//! 2. [`input`]: what a vendor sends for a product, unchecked (an API body, a CSV
//!    row); `shared`: what every use case needs (a product as the caller may read it,
//!    the vendor selling it, audit entries, corrupt rows); [`search_queue`]: what the
//!    search engine still has to learn, queued inside the change's transaction.
//! 3. [`facts`] (the facts an order freezes and search indexes), [`import`] (parses
//!    CSV into [`input`]), [`images`] (product photos and their thumbnails).
//! 4. [`service`] (one function per use case), [`stock`] (what orders reserve and
//!    release) and [`search`] (the engines and the
//!    worker that drains [`search_queue`]). Neither calls the other: search reads
//!    products through [`facts`] and `shared`.
//!
//! Other crates reach the catalogue through [`service`], [`facts`] and [`stock`] (and
//! [`search`] for the workers); [`store`] is the catalogue's own.

pub mod error;
pub mod facts;
pub mod images;
pub mod import;
pub mod input;
pub mod model;
pub mod search;
pub mod search_queue;
pub mod service;
mod shared;
pub mod stock;
pub mod store;

pub use error::CatalogError;
