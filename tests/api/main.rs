//! Black-box tests: the real application over HTTP, on SQLite and PostgreSQL.
//! One test binary (compile time matters); one module per area.

mod access;
mod audit;
mod auth;
mod catalog;
mod conventions;
mod import;
mod mail;
mod migrations;
mod search;
mod vendors;
