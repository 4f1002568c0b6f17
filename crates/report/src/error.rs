use pasar_core::error::FieldErrors;
use pasar_core::{Code, ErrorCode, FieldError};
use pasar_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{detail}")]
    Validation { detail: String, errors: Vec<FieldError> },
    #[error("No such {0}.")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ReportError {
    fn from(e: diesel::result::Error) -> Self {
        ReportError::Db(DbError::Query(e))
    }
}

impl From<FieldErrors> for ReportError {
    fn from(e: FieldErrors) -> Self {
        ReportError::invalid(e.0)
    }
}

impl ReportError {
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        ReportError::Validation { detail: "Some parameters are invalid.".into(), errors }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, message)])
    }
}

impl ErrorCode for ReportError {
    fn code(&self) -> Code {
        match self {
            ReportError::Validation { .. } => Code::ValidationFailed,
            ReportError::NotFound(_) => Code::NotFound,
            ReportError::Forbidden(_) => Code::Forbidden,
            ReportError::Db(e) => e.code(),
        }
    }

    fn detail(&self) -> String {
        match self {
            ReportError::Db(e) => e.detail(),
            other => other.to_string(),
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            ReportError::Validation { errors, .. } => errors.clone(),
            _ => Vec::new(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            ReportError::Db(e) => e.retry_after(),
            _ => None,
        }
    }
}
