//! Account types that can only hold valid values.

use pasar_core::id::{OrganizationId, UserId};
use pasar_core::string_enum;
use serde::Serialize;
use std::fmt;

string_enum!(
    /// What a user may do; see `domain.md` (People).
    Role {
        Admin => "admin",
        Curator => "curator",
        VendorOwner => "vendor_owner",
        VendorStaff => "vendor_staff",
        PejabatPengadaan => "pejabat_pengadaan",
        Ppk => "ppk",
        Bendahara => "bendahara",
        Auditor => "auditor",
    }
);

string_enum!(
    /// What an organisation is.
    OrgKind {
        Platform => "platform",
        Pemda => "pemda",
        Opd => "opd",
        Satker => "satker",
        Vendor => "vendor",
    }
);

impl Role {
    /// The kinds of organisation a user with this role may belong to.
    pub fn allowed_in(self) -> &'static [OrgKind] {
        use OrgKind::*;
        match self {
            Role::Admin | Role::Curator | Role::Auditor => &[Platform, Pemda, Opd],
            Role::VendorOwner | Role::VendorStaff => &[Vendor],
            Role::PejabatPengadaan | Role::Ppk | Role::Bendahara => &[Satker],
        }
    }
}

impl OrgKind {
    /// The kind its parent must be: an OPD belongs to a pemda, a satker to an OPD;
    /// the others stand alone.
    pub fn parent_kind(self) -> Option<OrgKind> {
        match self {
            OrgKind::Opd => Some(OrgKind::Pemda),
            OrgKind::Satker => Some(OrgKind::Opd),
            OrgKind::Platform | OrgKind::Pemda | OrgKind::Vendor => None,
        }
    }
}

/// A lower-cased email address of plausible shape (the mailbox is proven by the
/// verification mail, not by parsing).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Email, &'static str> {
        let s = s.trim().to_lowercase();
        if s.len() > 254 {
            return Err("must be at most 254 characters");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err("is not an email address");
        };
        let ok = !local.is_empty()
            && local.len() <= 64
            && domain.len() >= 3
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if ok {
            Ok(Email(s))
        } else {
            Err("is not an email address")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: 10 to 128 characters. Length beats composition rules (NIST SP
/// 800-63B), and the upper bound keeps argon2's input sane.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN: usize = 10;
    pub const MAX: usize = 128;

    pub fn parse(s: &str) -> Result<NewPassword, String> {
        let n = s.chars().count();
        if n < Self::MIN {
            Err(format!("must be at least {} characters", Self::MIN))
        } else if n > Self::MAX {
            Err(format!("must be at most {} characters", Self::MAX))
        } else if s.chars().all(|c| c == s.chars().next().unwrap_or(' ')) {
            Err("must not be one character repeated".into())
        } else {
            Ok(NewPassword(s.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A trimmed, non-empty name of at most `max` characters.
pub fn parse_name(s: &str, max: usize) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        Err("must not be empty".into())
    } else if t.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else if t.chars().any(|c| c.is_control()) {
        Err("must not contain control characters".into())
    } else {
        Ok(t.to_owned())
    }
}

/// Who is acting: taken from a verified access token by the API, passed to every
/// service function, and written into the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub organization_id: OrganizationId,
    pub roles: Vec<Role>,
    pub request_id: Option<String>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    /// Roles that may read every organisation's records.
    pub fn reads_everything(&self) -> bool {
        self.has_any(&[Role::Admin, Role::Auditor])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse("  Budi@Mojokertokota.go.id ").unwrap().as_str(), "budi@mojokertokota.go.id");
        for bad in ["", "budi", "budi@", "@x.id", "budi@localhost", "a b@x.id", "budi@x.id.", "a@b@c.id"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_length_not_tricks() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("aaaaaaaaaaaa").is_err());
        assert!(NewPassword::parse("kopi tubruk pagi").is_ok());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        assert_eq!(format!("{:?}", NewPassword::parse("kopi tubruk pagi").unwrap()), "NewPassword(***)");
    }

    #[test]
    fn roles_fit_organisation_kinds() {
        assert!(Role::Ppk.allowed_in().contains(&OrgKind::Satker));
        assert!(!Role::VendorOwner.allowed_in().contains(&OrgKind::Satker));
        assert_eq!(OrgKind::Satker.parent_kind(), Some(OrgKind::Opd));
        assert_eq!(Role::parse("ppk"), Ok(Role::Ppk));
        assert!(Role::parse("root").is_err());
    }
}
