//! Vendor use cases (one function each: transaction, rights, rules, audit, outbox):
//! registration, profile, documents, submission and curation decisions.
