//! Form errors as people can fix them: a summary at the top linking to each field, and
//! the message again beside the field. The messages come from the services (the same
//! rules as the API); a page only decides which of its fields each one belongs to.

use crate::ctx::Ctx;
use actix_web::web::Bytes;
use pasar_api::ApiError;
use serde::Deserialize;

/// A submitted urlencoded form (the handler takes the body as `web::Bytes`), read
/// leniently: a missing or unreadable field is an empty one (`#[serde(default)]` on
/// each), and the service says what is wrong with it. No rule of its own here.
pub fn read_form<T: for<'de> Deserialize<'de> + Default>(body: &Bytes) -> T {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// One message: the field it belongs to (an input's `id`, or empty for the form as a
/// whole) and the text.
#[derive(Debug, Clone)]
pub struct FieldMessage {
    pub field: String,
    /// The field's label, which the summary puts before the message.
    pub label: String,
    pub message: String,
}

/// The errors of one submitted form.
#[derive(Debug, Clone, Default)]
pub struct Errors {
    pub items: Vec<FieldMessage>,
}

impl Errors {
    pub fn none() -> Errors {
        Errors::default()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// A message for the form as a whole (shown in the summary only).
    pub fn general(message: String) -> Errors {
        let mut errors = Errors::none();
        errors.add("", String::new(), message);
        errors
    }

    /// A message beside `field` (an input's id; empty: the whole form), whose label
    /// the summary names.
    pub fn add(&mut self, field: &str, label: String, message: String) {
        self.items.push(FieldMessage { field: field.to_owned(), label, message });
    }

    /// The service's field errors, each beside the form's field of the same name
    /// (`fields`: name and label), else in the summary only; a refusal without field
    /// errors becomes a message for the whole form.
    pub fn from_service(ctx: &Ctx, e: &ApiError, fields: &[(&str, String)]) -> Errors {
        let mut errors = Errors::none();
        for fe in &e.errors {
            let message = ctx.service_message(&fe.message);
            match fields.iter().find(|(name, _)| *name == fe.field) {
                Some((name, label)) => errors.add(name, label.clone(), message),
                None => errors.add("", String::new(), message),
            }
        }
        if errors.is_empty() {
            errors.add("", String::new(), ctx.service_message(&e.detail));
        }
        errors
    }

    /// The message beside `field`, if any (the first one).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.items.iter().find(|i| i.field == field).map(|i| i.message.as_str())
    }

    /// Whether `field` has a message (for `aria-invalid`).
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }
}
