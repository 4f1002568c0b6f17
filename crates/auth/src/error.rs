use pasar_core::{Code, ErrorCode, FieldError};
use pasar_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("Some fields are invalid.")]
    Validation(Vec<FieldError>),
    #[error("The email or password is wrong.")]
    InvalidCredentials,
    #[error("Too many failed attempts; try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u64 },
    #[error("The token is invalid, revoked or expired.")]
    InvalidToken,
    #[error("This action needs a logged-in user.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("No such {0}.")]
    NotFound(&'static str),
    #[error("{detail}")]
    AlreadyExists { field: &'static str, detail: String },
    #[error("{0}")]
    InvalidState(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AuthError {
    fn from(e: diesel::result::Error) -> Self {
        AuthError::Db(DbError::Query(e))
    }
}

impl AuthError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AuthError::Validation(vec![FieldError::new(field, message)])
    }
}

impl ErrorCode for AuthError {
    fn code(&self) -> Code {
        match self {
            AuthError::Validation(_) => Code::ValidationFailed,
            AuthError::InvalidCredentials => Code::InvalidCredentials,
            AuthError::Throttled { .. } => Code::TooManyRequests,
            AuthError::InvalidToken => Code::InvalidToken,
            AuthError::Unauthenticated => Code::Unauthenticated,
            AuthError::Forbidden(_) => Code::Forbidden,
            AuthError::NotFound(_) => Code::NotFound,
            AuthError::AlreadyExists { .. } => Code::AlreadyExists,
            AuthError::InvalidState(_) => Code::InvalidState,
            AuthError::Db(e) => e.code(),
        }
    }

    fn detail(&self) -> String {
        match self {
            AuthError::Db(e) => e.detail(),
            other => other.to_string(),
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            AuthError::Validation(errors) => errors.clone(),
            AuthError::AlreadyExists { field, .. } => {
                vec![FieldError::new(*field, "is already taken")]
            }
            _ => Vec::new(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            AuthError::Throttled { retry_after_secs } => Some(*retry_after_secs),
            AuthError::Db(e) => e.retry_after(),
            _ => None,
        }
    }
}
