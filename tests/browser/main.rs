//! Browser tests: the web pages in real headless Chromium, on SQLite and (with
//! `TEST_DATABASE_URL`) PostgreSQL. Each test reads like a user's visit; axe-core checks
//! every page type, and `UPDATE_SCREENSHOTS=1` saves them for the README.

mod admin;
mod buying;
mod documents;
mod harness;
mod public;
mod reports;
mod session;
mod vendor;
