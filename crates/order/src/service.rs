//! Order use cases: checkout, negotiation, PPK approval, Surat Pesanan, shipping,
//! receipt, BAST, invoicing, and the P3DN reports.
