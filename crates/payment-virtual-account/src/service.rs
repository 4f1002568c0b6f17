//! Payment use cases: issue a VA for an invoice, SNAP inquiry and payment (signature
//! checked first, idempotent on the bank's reference), expiry, reconciliation.
