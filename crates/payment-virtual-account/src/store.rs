//! Virtual-account queries (plain functions over `&mut DbConn`, no transactions).
