//! Black-box tests: the real application over HTTP, on SQLite and PostgreSQL.
//! One test binary (compile time matters); one module per area.

mod access;
mod audit;
mod auth;
mod calendar;
mod catalog;
mod conventions;
mod documents_pdf;
mod exports;
mod files;
mod idempotency;
mod import;
mod mail;
mod migrations;
mod ocds;
mod orders;
mod outbox;
mod payments;
mod races;
mod reports;
mod search;
mod vendors;
mod webhooks;
