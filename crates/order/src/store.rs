//! Order queries (plain functions over `&mut DbConn`, no transactions).
