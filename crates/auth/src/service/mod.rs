//! Account use cases. Each opens one transaction, checks the actor's right, applies
//! the rules and writes its audit entry (and mail, where someone must be told).

mod bootstrap;
mod caller;
mod organisations;
mod reset;
mod rooms;
mod sessions;
mod users;
mod verification;
mod views;

/// The filters of [`list_organizations`] and [`list_users`].
pub use crate::store::{OrganizationFilter, UserFilter};
pub use bootstrap::*;
pub use caller::*;
pub use organisations::*;
pub use reset::*;
pub use rooms::*;
pub use sessions::*;
pub use users::*;
pub use verification::*;
pub use views::*;

use crate::error::AuthError;
use crate::model::Role;
use crate::password::Argon2Params;
use chrono::TimeDelta;

/// Account rules that operators may tune.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub access_ttl: TimeDelta,
    pub refresh_ttl: TimeDelta,
    /// Failed logins allowed for one account from one client address within
    /// `failure_window` before that address is locked out of that account.
    pub max_failures_per_account_and_address: i32,
    /// Failed logins allowed for one account from all addresses together within
    /// `failure_window` (a ceiling against guessing from many addresses).
    pub max_failures_per_account: i32,
    /// Failed logins allowed per client address within `failure_window`.
    pub max_failures_per_address: i32,
    pub failure_window: TimeDelta,
    /// The first lockout of a key; each further one in a row lasts twice as long…
    pub lockout: TimeDelta,
    /// …up to this.
    pub max_lockout: TimeDelta,
    /// How long a password-reset link stays valid.
    pub password_reset_ttl: TimeDelta,
    /// Password-reset requests allowed for one email address within `failure_window`.
    pub password_resets_per_email: i32,
    /// Password-reset requests allowed from one client address within `failure_window`.
    pub password_resets_per_address: i32,
    pub argon2: Argon2Params,
    /// Shown in mails: "Pasar Kota Mojokerto".
    pub marketplace_name: String,
    /// Where people reach the marketplace, for links in mails.
    pub public_url: String,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            access_ttl: TimeDelta::minutes(15),
            refresh_ttl: TimeDelta::days(30),
            max_failures_per_account_and_address: 5,
            max_failures_per_account: 50,
            max_failures_per_address: 50,
            failure_window: TimeDelta::minutes(15),
            lockout: TimeDelta::minutes(15),
            max_lockout: TimeDelta::hours(1),
            password_reset_ttl: TimeDelta::hours(1),
            password_resets_per_email: 3,
            password_resets_per_address: 20,
            argon2: Argon2Params::default(),
            marketplace_name: "Pasar".into(),
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

impl AuthSettings {
    /// How long the `n`-th lockout in a row lasts: `lockout`, doubling, at most
    /// `max_lockout`.
    pub fn lockout_for(&self, n: i32) -> TimeDelta {
        let doublings = (n - 1).clamp(0, 30) as u32;
        let secs = self.lockout.num_seconds().saturating_mul(1i64 << doublings);
        TimeDelta::seconds(secs).min(self.max_lockout.max(self.lockout))
    }
}

/// Throttle key: failed logins to one account from one client address.
fn account_address_key(email: &str, address: Option<&str>) -> String {
    format!("{}{}", account_address_prefix(email), address.unwrap_or("unknown"))
}

/// What every [`account_address_key`] of one account starts with (emails hold no
/// spaces, so no other account's keys share it).
fn account_address_prefix(email: &str) -> String {
    format!("account:{email} from:")
}

/// Throttle key: failed logins to one account from anywhere (the ceiling).
fn account_key(email: &str) -> String {
    format!("account:{email}")
}

fn corrupt(e: impl std::fmt::Display) -> AuthError {
    AuthError::Db(pasar_db::DbError::corrupt(e))
}

fn parse_stored_id<T: std::str::FromStr>(s: &str) -> Result<T, AuthError> {
    s.parse().map_err(|_| corrupt(format!("stored id is not a UUID: {s}")))
}

fn parse_roles(stored: Vec<String>) -> Result<Vec<Role>, AuthError> {
    stored.iter().map(|r| Role::parse(r).map_err(corrupt)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lockout_in_a_row_doubles_up_to_the_cap() {
        let s = AuthSettings::default();
        let mins = |n| s.lockout_for(n).num_minutes();
        assert_eq!([mins(1), mins(2), mins(3), mins(4), mins(40)], [15, 30, 60, 60, 60]);
        assert_eq!(mins(0), 15, "never shorter than the first");
    }

    #[test]
    fn an_account_s_keys_from_every_address_share_a_prefix_no_other_account_has() {
        let key = account_address_key("budi@x.id", Some("10.0.0.1"));
        assert!(key.starts_with(&account_address_prefix("budi@x.id")));
        assert!(!key.starts_with(&account_address_prefix("bud@x.id")));
        assert!(!account_key("budi@x.id").starts_with(&account_address_prefix("budi@x.id")));
        assert_ne!(key, account_address_key("budi@x.id", Some("10.0.0.2")));
    }
}
