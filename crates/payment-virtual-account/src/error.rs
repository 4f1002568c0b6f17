use pasar_core::{Code, ErrorCode, FieldError};
use pasar_order::OrderError;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("No such virtual account.")]
    NotFound,
    /// A live VA exists already, or the invoice cannot be paid in its state.
    #[error("{0}")]
    Conflict(String),
    /// Fields of the request are wrong, named.
    #[error("Some fields are invalid.")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Order(#[from] OrderError),
    #[error(transparent)]
    Db(#[from] pasar_db::DbError),
}

impl PaymentError {
    pub fn field(field: &str, message: impl Into<String>) -> PaymentError {
        PaymentError::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<diesel::result::Error> for PaymentError {
    fn from(e: diesel::result::Error) -> Self {
        PaymentError::Db(pasar_db::DbError::Query(e))
    }
}

impl ErrorCode for PaymentError {
    fn code(&self) -> Code {
        match self {
            PaymentError::NotFound => Code::NotFound,
            PaymentError::Conflict(_) => Code::InvalidState,
            PaymentError::Invalid(_) => Code::ValidationFailed,
            PaymentError::Order(e) => e.code(),
            PaymentError::Db(e) => e.code(),
        }
    }

    fn detail(&self) -> String {
        match self {
            PaymentError::Order(e) => e.detail(),
            PaymentError::Db(e) => e.detail(),
            other => other.to_string(),
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            PaymentError::Order(e) => e.field_errors(),
            PaymentError::Invalid(errors) => errors.clone(),
            _ => Vec::new(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            PaymentError::Order(e) => e.retry_after(),
            PaymentError::Db(e) => e.retry_after(),
            _ => None,
        }
    }
}
