//! The shared kernel of Pasar: identifiers, money, basis points, region codes,
//! the one table of error codes, pagination and the clock.
//!
//! Nothing here knows about HTTP or the database; every capability crate builds on it.

pub mod calendar;
pub mod clock;
pub mod enums;
pub mod error;
pub mod format;
pub mod id;
pub mod money;
pub mod page;
pub mod region;
pub mod storage;

pub use clock::{Clock, SystemClock, Zone};
pub use error::{Code, ErrorCode, FieldError};
pub use money::{BasisPoints, Rupiah};
pub use region::RegionCode;

#[doc(hidden)]
pub use serde as __serde;
#[doc(hidden)]
pub use utoipa as __utoipa;
