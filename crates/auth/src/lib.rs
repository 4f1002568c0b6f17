//! Accounts: organisations, users and their roles, argon2id passwords, JWT access
//! tokens, rotating refresh tokens and login throttling.
//!
//! The furniture every capability crate shares: `model` (types that only hold valid
//! values), `store` (diesel queries, no transactions), `service` (one function per use
//! case: transaction, rights, rules, audit, outbox) and `error` (one enum, one code per
//! variant). Who may see which organisation's rows is decided in [`access`], for every
//! room.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod error;
pub mod jwt;
pub mod model;
pub mod outbox;
pub mod password;
pub mod service;
pub mod store;
pub mod token;
pub mod webhooks;

pub use error::AuthError;
pub use jwt::JwtKeys;
pub use model::{Actor, Email, OrgKind, Role};
pub use service::AuthSettings;
