use pasar_core::{Code, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("No such virtual account.")]
    NotFound,
    #[error(transparent)]
    Db(#[from] pasar_db::DbError),
}

impl ErrorCode for PaymentError {
    fn code(&self) -> Code {
        match self {
            PaymentError::NotFound => Code::NotFound,
            PaymentError::Db(e) => e.code(),
        }
    }
}
