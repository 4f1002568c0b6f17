//! Personal identifiers — NPWP, NIK, bank account and phone numbers — in the audit log.
//!
//! The audit log is kept forever and travels with every back-up, so it never holds these
//! numbers in full. [`crate::audit::append`] passes every entry's `before` and `after`
//! through [`mask_personal`], which finds them by field name at any depth, so that no
//! caller can forget: each value is kept masked to its last four characters, with
//! `<field>_sha256` beside it, the [`digest`] that still proves which number was recorded
//! and that a change changed it.

use sha2::{Digest, Sha256};

/// Fields whose values are personal identifiers: NPWP, NIK, bank account numbers and
/// phone numbers. Wherever one of these names appears in an entry's `before` or `after`
/// (at any depth), [`crate::audit::append`] stores its value masked to the last four characters and
/// adds `<field>_sha256`, the [`digest`] of the full value. Name any new field holding
/// such a number here, or give it one of these names.
pub const PERSONAL_FIELDS: &[&str] = &[
    "npwp",
    "nik",
    "ktp",
    "account_number",
    "bank_account_number",
    "phone",
    "phone_number",
    "contact_phone",
    "mobile",
    "whatsapp",
];

/// Document kinds whose `number` is one of those identifiers: in an object with
/// `"kind": "npwp"` (or one of these), `number` is masked too.
pub const PERSONAL_DOCUMENT_KINDS: &[&str] = &["npwp", "nik", "ktp", "bank_account"];

/// The masked form: every character but the last four replaced by `*` (all of them
/// when the value is that short).
pub fn mask(value: &str) -> String {
    let n = value.chars().count();
    let keep = if n > 4 { 4 } else { 0 };
    value.chars().enumerate().map(|(i, c)| if i < n - keep { '*' } else { c }).collect()
}

/// SHA-256 (hex) of `<entity_type>/<entity_id>/<value>`: whoever knows a value can show
/// that it is the one recorded for that entity (and that a change changed it), while the
/// same number on two entities gives two unrelated digests. Identifiers are short
/// numbers, so a digest is no secret against someone who tries every number for one
/// entity: the log itself stays for auditors only.
pub fn digest(entity_type: &str, entity_id: &str, value: &str) -> String {
    let mut h = Sha256::new();
    h.update(entity_type.as_bytes());
    h.update(b"/");
    h.update(entity_id.as_bytes());
    h.update(b"/");
    h.update(value.as_bytes());
    hex::encode(h.finalize())
}

fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Masks every personal identifier in `value` (see [`PERSONAL_FIELDS`]), at any depth.
pub fn mask_personal(value: &mut serde_json::Value, entity_type: &str, entity_id: &str) {
    use serde_json::Value;
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| mask_personal(v, entity_type, entity_id)),
        Value::Object(map) => {
            let document = map
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| PERSONAL_DOCUMENT_KINDS.contains(&k.to_ascii_lowercase().as_str()));
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let lower = key.to_ascii_lowercase();
                let personal = PERSONAL_FIELDS.contains(&lower.as_str()) || (document && lower == "number");
                let Some(v) = map.get_mut(&key) else { continue };
                if !personal {
                    mask_personal(v, entity_type, entity_id);
                    continue;
                }
                let digests = match v {
                    Value::Array(items) => {
                        let mut digests = Vec::new();
                        for item in items.iter_mut() {
                            let text = scalar_text(item);
                            digests.push(text.as_deref().map_or(Value::Null, |t| {
                                *item = Value::String(mask(t));
                                Value::String(digest(entity_type, entity_id, t))
                            }));
                        }
                        Some(Value::Array(digests))
                    }
                    other => scalar_text(other).map(|t| {
                        *other = Value::String(mask(&t));
                        Value::String(digest(entity_type, entity_id, &t))
                    }),
                };
                if let Some(d) = digests {
                    map.insert(format!("{key}_sha256"), d);
                }
            }
        }
        _ => {}
    }
}

/// `value` masked ([`mask_personal`]) and serialised, as the audit log stores it.
pub fn masked_json(value: Option<serde_json::Value>, entity_type: &str, entity_id: &str) -> Option<String> {
    value.map(|mut v| {
        mask_personal(&mut v, entity_type, entity_id);
        v.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_identifiers_are_masked_at_any_depth_with_a_digest() {
        let mut v = json!({
            "npwp": "012345678901000",
            "contact": { "phone": "+6281234567890", "email": "a@b.test" },
            "bank_account": { "bank_name": "Bank Jatim", "account_number": "0011223344" },
            "documents": [ { "kind": "npwp", "number": "01.234.567.8-901.000" }, { "kind": "nib", "number": "9120001000011" } ],
            "nik": null,
        });
        mask_personal(&mut v, "vendor", "v1");
        assert_eq!(v["npwp"], "***********1000");
        assert_eq!(v["npwp_sha256"], digest("vendor", "v1", "012345678901000"));
        assert_eq!(v["contact"]["phone"], "**********7890");
        assert_eq!(v["contact"]["email"], "a@b.test");
        assert_eq!(v["bank_account"]["account_number"], "******3344");
        assert_eq!(v["bank_account"]["bank_name"], "Bank Jatim");
        assert_eq!(v["documents"][0]["number"], "****************.000");
        assert!(v["documents"][0]["number_sha256"].is_string());
        assert_eq!(v["documents"][1]["number"], "9120001000011", "an NIB is public");
        assert_eq!(v["nik"], serde_json::Value::Null);
        assert!(v.get("nik_sha256").is_none());
        let text = v.to_string();
        for secret in ["012345678901000", "81234567890", "0011223344", "567.8-901"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_ne!(digest("vendor", "v1", "x"), digest("vendor", "v2", "x"));
        assert_eq!(mask("1234"), "****");
    }
}
