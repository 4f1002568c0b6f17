use pasar_core::{Code, ErrorCode, FieldError};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("Some fields are invalid.")]
    Validation(Vec<FieldError>),
    #[error("No such product.")]
    NotFound,
    #[error(transparent)]
    Db(#[from] pasar_db::DbError),
}

impl ErrorCode for CatalogError {
    fn code(&self) -> Code {
        match self {
            CatalogError::Validation(_) => Code::ValidationFailed,
            CatalogError::NotFound => Code::NotFound,
            CatalogError::Db(e) => e.code(),
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            CatalogError::Validation(e) => e.clone(),
            _ => Vec::new(),
        }
    }
}
