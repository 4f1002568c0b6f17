use pasar_core::{Code, ErrorCode, FieldError};

#[derive(Debug, thiserror::Error)]
pub enum VendorError {
    #[error("Some fields are invalid.")]
    Validation(Vec<FieldError>),
    #[error("No such vendor.")]
    NotFound,
    #[error(transparent)]
    Db(#[from] pasar_db::DbError),
}

impl ErrorCode for VendorError {
    fn code(&self) -> Code {
        match self {
            VendorError::Validation(_) => Code::ValidationFailed,
            VendorError::NotFound => Code::NotFound,
            VendorError::Db(e) => e.code(),
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            VendorError::Validation(e) => e.clone(),
            _ => Vec::new(),
        }
    }
}
