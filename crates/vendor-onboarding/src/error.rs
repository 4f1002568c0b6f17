use pasar_auth::AuthError;
use pasar_core::{Code, ErrorCode, FieldError};
use pasar_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum VendorError {
    #[error("{detail}")]
    Validation { detail: String, errors: Vec<FieldError> },
    #[error("No such vendor.")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    InvalidState(String),
    #[error("{detail}")]
    AlreadyExists { field: &'static str, detail: String },
    #[error("Verify your email address first: open the link in the verification mail (POST /api/v1/auth/verify-email/resend sends a new one).")]
    EmailNotVerified,
    #[error("file storage failed: {0}")]
    Storage(String),
    /// The file store failed: a 503 when it is unavailable, a 500 otherwise.
    #[error(transparent)]
    Files(#[from] pasar_core::storage::StorageError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for VendorError {
    fn from(e: diesel::result::Error) -> Self {
        VendorError::Db(DbError::Query(e))
    }
}

impl VendorError {
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        VendorError::Validation { detail: "Some fields are invalid.".into(), errors }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, message)])
    }
}

impl ErrorCode for VendorError {
    fn code(&self) -> Code {
        match self {
            VendorError::Validation { .. } => Code::ValidationFailed,
            VendorError::NotFound => Code::NotFound,
            VendorError::Forbidden(_) => Code::Forbidden,
            VendorError::InvalidState(_) => Code::InvalidState,
            VendorError::AlreadyExists { .. } => Code::AlreadyExists,
            VendorError::EmailNotVerified => Code::EmailNotVerified,
            VendorError::Storage(_) => Code::Internal,
            VendorError::Files(e) => e.code(),
            VendorError::Auth(e) => e.code(),
            VendorError::Db(e) => e.code(),
        }
    }

    fn detail(&self) -> String {
        match self {
            VendorError::Auth(e) => e.detail(),
            VendorError::Db(e) => e.detail(),
            other => other.to_string(),
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            VendorError::Validation { errors, .. } => errors.clone(),
            VendorError::AlreadyExists { field, .. } => vec![FieldError::new(*field, "is already registered")],
            VendorError::Auth(e) => e.field_errors(),
            _ => Vec::new(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            VendorError::Auth(e) => e.retry_after(),
            VendorError::Db(e) => e.retry_after(),
            VendorError::Files(e) => e.retry_after(),
            _ => None,
        }
    }
}
