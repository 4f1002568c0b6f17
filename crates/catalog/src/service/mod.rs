//! Catalogue use cases: the category tree, products with their local content, price
//! history, and product curation.
//!
//! A product's name, category and TKDN facts need a curator's approval; buyers see the
//! approved version of them (`published_*`) while a change waits. Everything else
//! (description, price, stock, …) applies at once. Only users of an approved vendor
//! list and edit products; a suspended vendor's products disappear from view.

mod categories;
mod curation;
mod import;
mod products;

pub use crate::input::{LocalContentInput, ProductInput};
pub use categories::*;
pub use curation::*;
pub use import::*;
pub use products::*;
