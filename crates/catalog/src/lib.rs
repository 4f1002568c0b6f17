//! The catalogue: products, categories, the TKDN/BMP/PDN priority rules and search.
//! The local-content rules live in [`model`], the facts an order freezes in [`facts`],
//! products and curation in [`service`], search in [`search`].

pub mod error;
pub mod facts;
pub mod images;
pub mod import;
pub mod model;
pub mod search;
pub mod service;
pub mod stock;
pub mod store;

pub use error::CatalogError;
