//! Who may see and change an organisation's rows: one place for the rules every room
//! applies, so that vendor-onboarding, the catalogue and the API answer alike.
//!
//! A row belongs to one organisation (a vendor's profile, documents and products belong
//! to the vendor). [`relation`] says how the caller stands to that organisation; each
//! use case then decides what that relation may do (a vendor's own users change its
//! rows, curators decide, auditors read, the public sees only what is published), and
//! answers "not found" rather than "forbidden" to whoever may not know the row exists.
//!
//! The answer is computed from the [`Actor`] alone, without the database: the token
//! names the caller's organisation and roles, and a vendor is its own organisation.
//!
//! # Satker rows: the organisation tree
//!
//! Buyers' rows (carts, orders, their payments) belong to a satker, and a satker sits in
//! a tree: pemda → OPD → satker ([`OrgKind::parent_kind`]). Their rules extend this
//! module without changing [`relation`]:
//!
//! - The caller's token names only its own organisation, so the satker's ancestors are
//!   read once by the use case, in its transaction (`organizations.parent_id`, two
//!   steps at most), and handed in as a path: `satker → OPD → pemda`.
//! - A `satker_relation(actor, path)` beside [`relation`] then answers from the actor
//!   and that path alone, still without the database: the satker's own users by role
//!   (pejabat pengadaan buys, PPK approves, bendahara pays); users of the OPD or the
//!   pemda above it with a reading role see the satker's rows (auditors), as do the
//!   platform's administrators and auditors; every other caller, vendors included,
//!   gets the public answer. The vendor side of an order keeps using [`relation`] with
//!   the order's vendor.
//! - The relation enum grows the variants those rules need (the satker's own buyer, its
//!   approver, a reader above it); matches on it elsewhere are exhaustive, so the
//!   compiler lists every place that must decide what a new variant may do.

use crate::model::{Actor, Role};

/// How the caller relates to an organisation that owns rows (today: a vendor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Owner,
    Staff,
    /// Curators and administrators: see all, decide.
    Curation,
    /// Auditors: see all, change nothing.
    Auditor,
    /// Everyone else, including the anonymous public.
    Public,
}

/// How `actor` (none: the anonymous public) relates to the vendor `vendor_id`.
pub fn relation(actor: Option<&Actor>, vendor_id: &str) -> Relation {
    let Some(a) = actor else { return Relation::Public };
    let own = a.organization_id.to_string() == vendor_id;
    if own && a.has(Role::VendorOwner) {
        Relation::Owner
    } else if own && a.has(Role::VendorStaff) {
        Relation::Staff
    } else if a.has_any(&[Role::Curator, Role::Admin]) {
        Relation::Curation
    } else if a.has(Role::Auditor) {
        Relation::Auditor
    } else {
        Relation::Public
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pasar_core::id::{OrganizationId, UserId};

    fn actor(org: OrganizationId, roles: &[Role]) -> Actor {
        Actor { user_id: UserId::new(), organization_id: org, roles: roles.to_vec(), request_id: None }
    }

    #[test]
    fn a_vendors_own_users_curators_auditors_and_the_public() {
        let vendor = OrganizationId::new();
        let id = vendor.to_string();
        assert_eq!(relation(None, &id), Relation::Public);
        assert_eq!(relation(Some(&actor(vendor, &[Role::VendorOwner])), &id), Relation::Owner);
        assert_eq!(relation(Some(&actor(vendor, &[Role::VendorStaff])), &id), Relation::Staff);
        assert_eq!(relation(Some(&actor(OrganizationId::new(), &[Role::VendorOwner])), &id), Relation::Public);
        assert_eq!(relation(Some(&actor(OrganizationId::new(), &[Role::Curator])), &id), Relation::Curation);
        assert_eq!(relation(Some(&actor(OrganizationId::new(), &[Role::Admin])), &id), Relation::Curation);
        assert_eq!(relation(Some(&actor(OrganizationId::new(), &[Role::Auditor])), &id), Relation::Auditor);
        assert_eq!(relation(Some(&actor(OrganizationId::new(), &[Role::Ppk])), &id), Relation::Public);
    }
}
