use crate::model::{Action, OrderState};
use pasar_core::{Code, ErrorCode, FieldError, Rupiah};
use pasar_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    #[error("{detail}")]
    Validation { detail: String, errors: Vec<FieldError> },
    #[error("No such {0}.")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    /// The action is not one the order's current state allows.
    #[error("The order is {state}: it cannot {action} now.")]
    InvalidState { state: OrderState, action: Action },
    /// Another state conflict (a pending addendum, an empty cart, …).
    #[error("{0}")]
    Conflict(String),
    #[error("Only {available} left of \"{product}\"; lower the quantity or remove the line.")]
    InsufficientStock { field: String, product: String, available: i64 },
    #[error(
        "This order of {total} would exceed the budget of budget line {budget_line} for {year}: {remaining} remains."
    )]
    BudgetExceeded { budget_line: String, year: i32, total: Rupiah, remaining: Rupiah },
    #[error("{0}")]
    CeilingExceeded(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Catalog(#[from] pasar_catalog::CatalogError),
    #[error(transparent)]
    Auth(#[from] pasar_auth::AuthError),
    #[error(transparent)]
    Vendor(#[from] pasar_vendor_onboarding::VendorError),
}

impl From<diesel::result::Error> for OrderError {
    fn from(e: diesel::result::Error) -> Self {
        OrderError::Db(DbError::Query(e))
    }
}

impl OrderError {
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        OrderError::Validation { detail: "Some fields are invalid.".into(), errors }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, message)])
    }
}

/// A stored value that does not parse: the database holds what this version never wrote.
pub(crate) fn corrupt(what: impl std::fmt::Display) -> OrderError {
    OrderError::Db(DbError::corrupt(what))
}

impl ErrorCode for OrderError {
    fn code(&self) -> Code {
        match self {
            OrderError::Validation { .. } => Code::ValidationFailed,
            OrderError::NotFound(_) => Code::NotFound,
            OrderError::Forbidden(_) => Code::Forbidden,
            OrderError::InvalidState { .. } | OrderError::Conflict(_) => Code::InvalidState,
            OrderError::InsufficientStock { .. } => Code::InsufficientStock,
            OrderError::BudgetExceeded { .. } => Code::BudgetExceeded,
            OrderError::CeilingExceeded(_) => Code::CeilingExceeded,
            OrderError::Db(e) => e.code(),
            OrderError::Catalog(e) => e.code(),
            OrderError::Auth(e) => e.code(),
            OrderError::Vendor(e) => e.code(),
        }
    }

    fn detail(&self) -> String {
        match self {
            OrderError::Db(e) => e.detail(),
            OrderError::Catalog(e) => e.detail(),
            OrderError::Auth(e) => e.detail(),
            OrderError::Vendor(e) => e.detail(),
            other => other.to_string(),
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            OrderError::Validation { errors, .. } => errors.clone(),
            OrderError::InvalidState { state, .. } => vec![FieldError::new("state", state.as_str())],
            OrderError::InsufficientStock { field, available, .. } => {
                vec![FieldError::new(field.clone(), format!("only {available} left"))]
            }
            OrderError::BudgetExceeded { remaining, .. } => {
                vec![FieldError::new("budget_line", format!("{} remains", remaining.0))]
            }
            _ => Vec::new(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            OrderError::Db(e) => e.retry_after(),
            OrderError::Catalog(e) => e.retry_after(),
            _ => None,
        }
    }
}
