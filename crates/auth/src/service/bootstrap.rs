//! The first administrator (`pasar create-admin`) and generated passwords.

use super::{corrupt, ensure_platform, insert_user_with_mail, AuthSettings};
use crate::error::AuthError;
use crate::model::{parse_name, Email, NewPassword, Role};
use crate::password::{self};
use crate::store;
use chrono::{DateTime, Utc};
use pasar_db::DbConn;
use rand::RngCore;

/// What [`bootstrap_admin`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// An administrator already existed; nothing was changed.
    AlreadyHadAdmin,
    /// Created with the given password.
    Created { email: String },
    /// Created with a generated password, to be shown once.
    CreatedWithGeneratedPassword { email: String, password: String },
}

/// An administrator to create from the command line or at first start.
#[derive(Debug, Clone, Copy)]
pub struct AdminAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    /// `None`: generate one, to be shown once.
    pub password: Option<&'a str>,
}

/// Creates the first administrator (in the platform organisation) unless one exists.
/// With `force`, creates another administrator even if one exists (`pasar create-admin`).
pub fn bootstrap_admin(
    conn: &mut DbConn,
    settings: &AuthSettings,
    now: DateTime<Utc>,
    platform_name: &str,
    account: AdminAccount<'_>,
    force: bool,
) -> Result<Bootstrap, AuthError> {
    let AdminAccount { email, name, password } = account;
    let platform_id = ensure_platform(conn, now, platform_name)?;
    if !force && store::any_user_with_role(conn, Role::Admin.as_str())? {
        return Ok(Bootstrap::AlreadyHadAdmin);
    }
    let email = Email::parse(email).map_err(|m| AuthError::field("email", m))?;
    let name = parse_name(name, 200).map_err(|m| AuthError::field("name", m))?;
    let (password, generated) = match password {
        Some(p) => (NewPassword::parse(p).map_err(|m| AuthError::field("password", m))?, false),
        None => (NewPassword::parse(&generate_password()).map_err(corrupt)?, true),
    };
    let hash = password::hash(password.expose(), &settings.argon2).map_err(corrupt)?;
    insert_user_with_mail(
        conn,
        settings,
        now,
        None,
        &platform_id,
        email.clone(),
        name,
        vec![Role::Admin],
        hash,
        "user.bootstrap_admin",
    )?;
    Ok(if generated {
        Bootstrap::CreatedWithGeneratedPassword { email: email.to_string(), password: password.expose().to_owned() }
    } else {
        Bootstrap::Created { email: email.to_string() }
    })
}

/// 20 characters from an alphabet without look-alikes (about 115 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}
