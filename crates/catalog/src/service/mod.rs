//! Catalogue use cases: the category tree, products with their local content, price
//! history, and product curation.
//!
//! A product's name, category and TKDN facts need a curator's approval; buyers see the
//! approved version of them (`published_*`) while a change waits. Everything else
//! (description, price, stock, …) applies at once. Only users of an approved vendor
//! list and edit products; a suspended vendor's products disappear from view.
//!
//! Ids arrive typed ([`pasar_core::id::ProductId`], [`pasar_core::id::CategoryId`]), so a
//! product id cannot be passed for a category or a vendor; the store keeps ids as text,
//! and each use case turns its id into text once, at the top.

mod categories;
mod curation;
mod import;
mod products;

pub use crate::input::{LocalContentInput, ProductInput};
pub use categories::*;
pub use curation::*;
pub use import::*;
pub use products::*;
