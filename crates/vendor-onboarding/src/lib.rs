//! Vendor onboarding: UMKM and koperasi register, prove who they are with their legal
//! documents, and a curator admits them. The legal identifiers and the PP 7/2021 scale
//! rules live in [`model`]; registration, documents and curation arrive with their issue.

pub mod billing;
pub mod documents;
pub mod error;
pub mod facts;
pub mod model;
pub mod service;
pub mod store;
pub mod team;

pub use error::VendorError;
