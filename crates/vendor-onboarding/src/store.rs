//! Vendor queries (plain functions over `&mut DbConn`, no transactions). The vendor
//! tables arrive with the registration and curation use cases.
