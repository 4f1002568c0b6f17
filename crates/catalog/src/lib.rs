//! The catalogue: products, categories, the TKDN/BMP/PDN priority rules and search.
//! The local-content rules live in [`model`]; products and search arrive with their issue.

pub mod error;
pub mod import;
pub mod model;
pub mod service;
pub mod store;

pub use error::CatalogError;
