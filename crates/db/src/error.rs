use pasar_core::{Code, ErrorCode};

/// What can go wrong below the rules: the pool, a query, a migration.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database is busy; try again shortly")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
}

impl DbError {
    /// Whether this is a unique-constraint violation (a duplicate that slipped past
    /// the explicit checks, e.g. two requests racing).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
        )
    }
}

impl DbError {
    /// A stored value the code cannot read back (an unknown enum value, a malformed id):
    /// a bug or a hand-edited row, answered as a 500 and logged.
    pub fn corrupt(what: impl std::fmt::Display) -> DbError {
        DbError::Query(diesel::result::Error::DeserializationError(what.to_string().into()))
    }

    /// Whether SQLite gave up waiting for another writer (after the busy timeout).
    pub fn is_busy(&self) -> bool {
        match self {
            DbError::Query(diesel::result::Error::DatabaseError(_, info)) => {
                let m = info.message();
                m.contains("database is locked") || m.contains("database is busy")
            }
            _ => false,
        }
    }
}

impl ErrorCode for DbError {
    fn code(&self) -> Code {
        match self {
            DbError::Pool(_) => Code::Unavailable,
            _ if self.is_busy() => Code::Unavailable,
            _ if self.is_unique_violation() => Code::AlreadyExists,
            _ => Code::Internal,
        }
    }

    fn detail(&self) -> String {
        match self.code() {
            Code::Unavailable => "The database is busy; try again shortly.".into(),
            Code::AlreadyExists => "A record with the same unique value already exists.".into(),
            // Never show SQL or driver messages to clients; the log has them.
            _ => "An internal error occurred.".into(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        (matches!(self, DbError::Pool(_)) || self.is_busy()).then_some(1)
    }
}
