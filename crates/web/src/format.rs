//! Numbers and dates as people in Indonesia read them (`Rp1.250.000`, `45,67 %`,
//! `2 Desember 2026`, WIB/WITA/WIT): shared with the printed documents, so they live in
//! `pasar_core::format`.

pub use pasar_core::format::*;
