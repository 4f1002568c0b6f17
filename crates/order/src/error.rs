use crate::model::OrderState;
use pasar_core::{Code, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    #[error("An order that is {from} cannot become {to}.")]
    InvalidTransition { from: OrderState, to: OrderState },
    #[error("No such order.")]
    NotFound,
    #[error(transparent)]
    Db(#[from] pasar_db::DbError),
}

impl ErrorCode for OrderError {
    fn code(&self) -> Code {
        match self {
            OrderError::InvalidTransition { .. } => Code::InvalidState,
            OrderError::NotFound => Code::NotFound,
            OrderError::Db(e) => e.code(),
        }
    }
}
