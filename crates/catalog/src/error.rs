use pasar_core::{Code, ErrorCode, FieldError};
use pasar_db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{detail}")]
    Validation { detail: String, errors: Vec<FieldError> },
    #[error("No such {0}.")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    InvalidState(String),
    /// An import through the API with more rows than `catalog.import_max_rows`.
    #[error(
        "The file has more than {limit} rows, the most one import through the API may have. Split it into \
         smaller files (each is imported all or nothing), or ask an operator to run `pasar import-products`."
    )]
    TooManyRows { limit: usize },
    #[error("{detail}")]
    AlreadyExists { field: &'static str, detail: String },
    #[error(transparent)]
    Db(#[from] DbError),
    /// The file store failed (a 500: the cause is logged, not shown).
    #[error("file storage: {0}")]
    Storage(String),
    /// The file store failed: a 503 when it is unavailable, a 500 otherwise.
    #[error(transparent)]
    Files(#[from] pasar_core::storage::StorageError),
}

impl From<diesel::result::Error> for CatalogError {
    fn from(e: diesel::result::Error) -> Self {
        CatalogError::Db(DbError::Query(e))
    }
}

impl CatalogError {
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        CatalogError::Validation { detail: "Some fields are invalid.".into(), errors }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, message)])
    }
}

impl ErrorCode for CatalogError {
    fn code(&self) -> Code {
        match self {
            CatalogError::Validation { .. } => Code::ValidationFailed,
            CatalogError::NotFound(_) => Code::NotFound,
            CatalogError::Forbidden(_) => Code::Forbidden,
            CatalogError::InvalidState(_) => Code::InvalidState,
            CatalogError::TooManyRows { .. } => Code::PayloadTooLarge,
            CatalogError::AlreadyExists { .. } => Code::AlreadyExists,
            CatalogError::Db(e) => e.code(),
            CatalogError::Storage(_) => Code::Internal,
            CatalogError::Files(e) => e.code(),
        }
    }

    fn detail(&self) -> String {
        match self {
            CatalogError::Db(e) => e.detail(),
            other => other.to_string(),
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            CatalogError::Validation { errors, .. } => errors.clone(),
            CatalogError::AlreadyExists { field, .. } => vec![FieldError::new(*field, "is already taken")],
            CatalogError::TooManyRows { limit } => {
                vec![FieldError::new("rows", format!("at most {limit} rows per import"))]
            }
            _ => Vec::new(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            CatalogError::Db(e) => e.retry_after(),
            CatalogError::Files(e) => e.retry_after(),
            _ => None,
        }
    }
}
