//! `pasar seed-demo`: a small, plausible marketplace for Kota Mojokerto, so that a
//! newcomer can log in as every role and find something to look at.

use chrono::{DateTime, Utc};
use pasar_auth::model::{Actor, Email, Role};
use pasar_auth::service::{self as auth, NewOrganization, UserToInsert};
use pasar_core::id::UserId;
use pasar_db::{write_tx, DbConn};
use pasar_vendor_onboarding::model::{LegalForm, VendorStatus};
use pasar_vendor_onboarding::service::{seed_vendor, VendorSeed};
use std::collections::HashSet;

/// Every demo account's password.
pub const DEMO_PASSWORD: &str = "pasar-demo-2026";

/// One demo login, for the list printed at the end.
pub struct Login {
    pub role: &'static str,
    pub email: String,
    pub organization: String,
}

type Seeded = anyhow::Result<Vec<Login>>;

/// What the demo creates, in one place: `seed` creates it and `foreign_data` recognises it.
mod data {
    use pasar_vendor_onboarding::model::{LegalForm::*, VendorStatus::*};
    use pasar_vendor_onboarding::service::VendorSeed;

    pub const PEMDA: &str = "Pemerintah Kota Mojokerto";
    pub const DISKOP: &str = "Dinas Koperasi, Usaha Mikro dan Perdagangan";
    pub const INSPEKTORAT: &str = "Inspektorat Daerah";
    pub const CURATOR: &str = "kurator@mojokerto.test";
    pub const AUDITOR: &str = "auditor@mojokerto.test";
    /// The buyers' roles at every work unit: email prefix.
    pub const SATKER_PREFIXES: [&str; 3] = ["pp", "ppk", "bendahara"];
    /// Generated vendors (`--bulk-vendors`): name and email patterns.
    pub const BULK_NAME_PREFIX: &str = "UD Bulk ";
    pub const BULK_EMAIL_PREFIX: &str = "bulk-";
    pub const VENDOR_EMAIL_DOMAIN: &str = "@vendor.test";

    /// The agencies and their work units (name, email slug).
    pub const OPDS: [(&str, &[(&str, &str)]); 3] = [
        ("Dinas Pendidikan dan Kebudayaan", &[("SDN Kranggan 1", "sdn-kranggan1"), ("SMPN 2 Mojokerto", "smpn2")]),
        ("Dinas Kesehatan", &[("Puskesmas Kedundung", "pkm-kedundung")]),
        ("Sekretariat Daerah", &[("Bagian Umum Setda", "bagian-umum")]),
    ];

    pub const VENDORS: [VendorSeed<'static>; 12] = [
        VendorSeed {
            legal_name: "UD Onde-Onde Bu Tien",
            trade_name: "Onde-Onde Bu Tien",
            legal_form: Ud,
            nib: "9120001000011",
            kbli: &["10794"],
            region_code: "35.76.01",
            capital_idr: 150_000_000,
            status: Approved,
            owner_email: "onde@vendor.test",
            owner_name: "Tien Suryani",
        },
        VendorSeed {
            legal_name: "UD Keripik Tempe Sanan",
            trade_name: "Keripik Sanan",
            legal_form: Ud,
            nib: "9120001000022",
            kbli: &["10399"],
            region_code: "35.76.02",
            capital_idr: 400_000_000,
            status: Approved,
            owner_email: "keripik@vendor.test",
            owner_name: "Slamet Riyadi",
        },
        VendorSeed {
            legal_name: "Perorangan Sambal Bawang Mak Ni",
            trade_name: "Sambal Mak Ni",
            legal_form: Perorangan,
            nib: "9120001000033",
            kbli: &["10792"],
            region_code: "35.76.01",
            capital_idr: 50_000_000,
            status: Approved,
            owner_email: "sambal@vendor.test",
            owner_name: "Suningsih",
        },
        VendorSeed {
            legal_name: "CV Batik Majapahit",
            trade_name: "Batik Majapahit",
            legal_form: Cv,
            nib: "9120001000044",
            kbli: &["13134", "47711"],
            region_code: "35.76.02",
            capital_idr: 2_500_000_000,
            status: Approved,
            owner_email: "batik@vendor.test",
            owner_name: "Siti Aminah",
        },
        VendorSeed {
            legal_name: "UD Batik Tulis Surodinawan",
            trade_name: "Batik Surodinawan",
            legal_form: Ud,
            nib: "9120001000055",
            kbli: &["13134"],
            region_code: "35.76.01",
            capital_idr: 700_000_000,
            status: Approved,
            owner_email: "surodinawan@vendor.test",
            owner_name: "Hartono",
        },
        VendorSeed {
            legal_name: "UD Kerajinan Kuningan Trowulan",
            trade_name: "Kuningan Trowulan",
            legal_form: Ud,
            nib: "9120001000066",
            kbli: &["32901"],
            region_code: "35.76.02",
            capital_idr: 900_000_000,
            status: Approved,
            owner_email: "kuningan@vendor.test",
            owner_name: "Joko Susilo",
        },
        VendorSeed {
            legal_name: "CV Anyaman Bambu Sejahtera",
            trade_name: "Anyaman Bambu",
            legal_form: Cv,
            nib: "9120001000077",
            kbli: &["16292"],
            region_code: "35.76.01",
            capital_idr: 300_000_000,
            status: Approved,
            owner_email: "bambu@vendor.test",
            owner_name: "Rini Handayani",
        },
        VendorSeed {
            legal_name: "PT Mebel Jati Mojopahit",
            trade_name: "Mebel Jati",
            legal_form: Pt,
            nib: "9120001000088",
            kbli: &["31001"],
            region_code: "35.76.02",
            capital_idr: 8_000_000_000,
            status: Approved,
            owner_email: "mebel@vendor.test",
            owner_name: "Hendra Wijaya",
        },
        VendorSeed {
            legal_name: "CV Sinar ATK",
            trade_name: "Sinar ATK",
            legal_form: Cv,
            nib: "9120001000099",
            kbli: &["47612"],
            region_code: "35.76.01",
            capital_idr: 1_800_000_000,
            status: Approved,
            owner_email: "atk@vendor.test",
            owner_name: "Budi Hartanto",
        },
        VendorSeed {
            legal_name: "Koperasi Wanita Sejahtera Mojokerto",
            trade_name: "Kopwan Sejahtera",
            legal_form: Koperasi,
            nib: "9120001000100",
            kbli: &["46100", "10794"],
            region_code: "35.76.02",
            capital_idr: 12_000_000_000,
            status: Approved,
            owner_email: "kopwan@vendor.test",
            owner_name: "Endang Lestari",
        },
        VendorSeed {
            legal_name: "CV Berkah Printing Surabaya",
            trade_name: "Berkah Printing",
            legal_form: Cv,
            nib: "9120001000111",
            kbli: &["18111"],
            region_code: "35.78",
            capital_idr: 3_000_000_000,
            status: Approved,
            owner_email: "printing@vendor.test",
            owner_name: "Andi Saputra",
        },
        VendorSeed {
            legal_name: "UD Kue Kering Melati",
            trade_name: "Kue Melati",
            legal_form: Ud,
            nib: "9120001000122",
            kbli: &["10710"],
            region_code: "35.76.01",
            capital_idr: 80_000_000,
            status: Submitted,
            owner_email: "melati@vendor.test",
            owner_name: "Melati Putri",
        },
    ];
}

/// Users and organisations in the database that the demo did not create (beyond the
/// first administrator and the platform organisation): a few of each, and how many.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ForeignData {
    pub users: usize,
    pub user_examples: Vec<String>,
    pub organizations: usize,
    pub organization_examples: Vec<String>,
}

impl std::fmt::Display for ForeignData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        for (n, what, examples) in [
            (self.users, "user", &self.user_examples),
            (self.organizations, "organisation", &self.organization_examples),
        ] {
            if n > 0 {
                let plural = if n == 1 { "" } else { "s" };
                parts.push(format!("{n} {what}{plural} (e.g. {})", examples.join(", ")));
            }
        }
        write!(f, "{}", parts.join(" and "))
    }
}

fn demo_emails() -> HashSet<String> {
    let mut emails: HashSet<String> = [data::CURATOR, data::AUDITOR].iter().map(|e| e.to_string()).collect();
    for (_, satkers) in data::OPDS {
        for (_, slug) in satkers.iter() {
            emails.extend(data::SATKER_PREFIXES.iter().map(|p| format!("{p}.{slug}@mojokerto.test")));
        }
    }
    emails.extend(data::VENDORS.iter().map(|v| v.owner_email.to_owned()));
    emails
}

fn demo_organizations() -> HashSet<&'static str> {
    let mut names: HashSet<&str> = [data::PEMDA, data::DISKOP, data::INSPEKTORAT].into_iter().collect();
    for (opd, satkers) in data::OPDS {
        names.insert(opd);
        names.extend(satkers.iter().map(|(name, _)| *name));
    }
    names.extend(data::VENDORS.iter().map(|v| v.trade_name));
    names
}

/// What in the database is not the demo's own, if anything. `seed-demo` adds accounts
/// whose password is published, so it refuses a database holding anything else: only
/// the first administrator, the platform organisation and the demo's own users and
/// organisations (and what those did since, such as their products) may be there.
pub fn foreign_data(conn: &mut DbConn) -> anyhow::Result<Option<ForeignData>> {
    let admin = auth::first_admin(conn)?;
    let (emails, names) = (demo_emails(), demo_organizations());
    let mut found = ForeignData::default();
    let mut after: Option<String> = None;
    loop {
        let page = auth::accounts_page(conn, after.as_deref(), 500)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for u in &page {
            let own = admin.as_ref().is_some_and(|a| a.id == u.id)
                || emails.contains(&u.email)
                || (u.email.starts_with(data::BULK_EMAIL_PREFIX) && u.email.ends_with(data::VENDOR_EMAIL_DOMAIN));
            if !own {
                found.users += 1;
                if found.user_examples.len() < 3 {
                    found.user_examples.push(u.email.clone());
                }
            }
        }
    }
    let mut after: Option<String> = None;
    loop {
        let page = auth::organizations_page(conn, None, after.as_deref(), 500)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for o in &page {
            let own = admin.as_ref().is_some_and(|a| a.organization_id == o.id)
                || names.contains(o.name.as_str())
                || (o.kind == "vendor" && o.name.starts_with(data::BULK_NAME_PREFIX));
            if !own {
                found.organizations += 1;
                if found.organization_examples.len() < 3 {
                    found.organization_examples.push(o.name.clone());
                }
            }
        }
    }
    Ok((found != ForeignData::default()).then_some(found))
}

fn system_admin(conn: &mut DbConn) -> anyhow::Result<Actor> {
    let admin = auth::first_admin(conn)?
        .ok_or_else(|| anyhow::anyhow!("no administrator: start pasar once, or run pasar create-admin"))?;
    Ok(Actor {
        user_id: admin.id.parse()?,
        organization_id: admin.organization_id.parse()?,
        roles: vec![Role::Admin],
        request_id: Some("seed-demo".into()),
    })
}

/// Creates the demo marketplace unless the demo pemda already exists.
pub fn seed(
    conn: &mut DbConn,
    settings: &pasar_auth::AuthSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Vec<Login>>> {
    let admin = system_admin(conn)?;
    let existing = auth::organizations_page(conn, Some(pasar_auth::OrgKind::Pemda), None, 100)?;
    if existing.iter().any(|o| o.name == data::PEMDA) {
        return Ok(None);
    }
    // One hash for every demo account: they share a password, and argon2 is slow on purpose.
    let hash = pasar_auth::password::hash(DEMO_PASSWORD, &settings.argon2).map_err(anyhow::Error::msg)?;
    let logins = write_tx(conn, |conn| -> Seeded { seed_in_tx(conn, &admin, now, &hash) })?;
    Ok(Some(logins))
}

fn org(
    conn: &mut DbConn,
    admin: &Actor,
    now: DateTime<Utc>,
    kind: &str,
    name: &str,
    parent: Option<&str>,
) -> anyhow::Result<String> {
    let input = NewOrganization {
        kind: kind.into(),
        name: name.into(),
        parent_id: parent.map(str::to_owned),
        region_code: Some("35.76".into()),
    };
    Ok(auth::create_organization(conn, now, admin, input).map_err(|e| anyhow::anyhow!("{e}"))?.id.to_string())
}

fn seed_in_tx(conn: &mut DbConn, admin: &Actor, now: DateTime<Utc>, hash: &str) -> Seeded {
    let mut logins = Vec::new();
    let pemda = org(conn, admin, now, "pemda", data::PEMDA, None)?;
    let diskop = org(conn, admin, now, "opd", data::DISKOP, Some(&pemda))?;
    let inspektorat = org(conn, admin, now, "opd", data::INSPEKTORAT, Some(&pemda))?;
    let mut staff = |conn: &mut DbConn,
                     org_id: &str,
                     org_name: &str,
                     email: &str,
                     name: &str,
                     role: Role,
                     label: &'static str|
     -> anyhow::Result<()> {
        let u = UserToInsert {
            organization_id: org_id.into(),
            email: Email::parse(email).map_err(anyhow::Error::msg)?,
            name: name.into(),
            roles: vec![role],
            password_hash: hash.into(),
        };
        let (view, _) =
            auth::insert_user(conn, now, Some(admin), u, "user.seed").map_err(|e| anyhow::anyhow!("{e}"))?;
        auth::mark_email_verified(conn, &view.id.to_string(), now)?;
        logins.push(Login { role: label, email: email.into(), organization: org_name.into() });
        Ok(())
    };
    staff(conn, &diskop, "Diskopukmdag (rumah kurasi)", data::CURATOR, "Dewi Kurniasih", Role::Curator, "curator")?;
    staff(conn, &inspektorat, "Inspektorat Daerah", data::AUDITOR, "Bambang Santoso", Role::Auditor, "auditor")?;

    for (opd_name, satkers) in data::OPDS {
        let opd = org(conn, admin, now, "opd", opd_name, Some(&pemda))?;
        for (satker_name, slug) in satkers.iter() {
            let satker = org(conn, admin, now, "satker", satker_name, Some(&opd))?;
            for (role, prefix, label, person) in [
                (Role::PejabatPengadaan, data::SATKER_PREFIXES[0], "pejabat_pengadaan", "Agus Prasetyo"),
                (Role::Ppk, data::SATKER_PREFIXES[1], "ppk", "Sri Wahyuni"),
                (Role::Bendahara, data::SATKER_PREFIXES[2], "bendahara", "Yuli Astuti"),
            ] {
                staff(conn, &satker, satker_name, &format!("{prefix}.{slug}@mojokerto.test"), person, role, label)?;
            }
        }
    }

    for v in &data::VENDORS {
        seed_vendor(conn, now, v, hash).map_err(|e| anyhow::anyhow!("{e}"))?;
        logins.push(Login { role: "vendor_owner", email: v.owner_email.into(), organization: v.trade_name.into() });
    }
    Ok(logins)
}

/// `count` submitted vendors with generated names (for measuring the curation queue).
pub fn seed_bulk_vendors(
    conn: &mut DbConn,
    settings: &pasar_auth::AuthSettings,
    now: DateTime<Utc>,
    count: usize,
) -> anyhow::Result<()> {
    let hash = pasar_auth::password::hash(DEMO_PASSWORD, &settings.argon2).map_err(anyhow::Error::msg)?;
    let batch = UserId::new().to_string();
    let tag = &batch[batch.len() - 8..];
    for chunk in (0..count).collect::<Vec<_>>().chunks(1_000) {
        write_tx(conn, |conn| -> anyhow::Result<()> {
            for i in chunk {
                let name = format!("{}{tag} {i:05}", data::BULK_NAME_PREFIX);
                let email = format!("{}{tag}-{i}{}", data::BULK_EMAIL_PREFIX, data::VENDOR_EMAIL_DOMAIN);
                let nib =
                    format!("8{:012}", (u32::from_str_radix(tag, 16).unwrap_or(0) as usize % 1_000_000) * 100_000 + i);
                let seed = VendorSeed {
                    legal_name: &name,
                    trade_name: &name,
                    legal_form: LegalForm::Ud,
                    nib: &nib,
                    kbli: &["47711"],
                    region_code: if i % 5 == 0 { "35.78" } else { "35.76.01" },
                    capital_idr: 100_000_000 + (*i as i64 % 50) * 100_000_000,
                    status: VendorStatus::Submitted,
                    owner_email: &email,
                    owner_name: "Pemilik",
                };
                let at = now - chrono::TimeDelta::minutes((count - i) as i64);
                seed_vendor(conn, at, &seed, &hash).map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// How `pasar seed-demo --bulk-orders` spreads its orders.
#[derive(Debug, Clone, Copy)]
pub struct BulkOrders {
    pub count: usize,
    pub lines_per_order: usize,
    /// Over every demo work unit, rather than only the first (SDN Kranggan 1).
    pub every_satker: bool,
}

/// Orders of the demo's work units from its vendors' published products (for measuring
/// order lists and reports; see `pasar_order::bulk`).
pub fn seed_bulk_orders(
    conn: &mut DbConn,
    orders: &pasar_order::OrderSettings,
    now: DateTime<Utc>,
    bulk: BulkOrders,
) -> anyhow::Result<()> {
    let admin = system_admin(conn)?;
    let err = |e: &dyn std::fmt::Display| anyhow::anyhow!("{e}");
    let all = pasar_core::page::PageRequest { limit: 100, after: None };
    let satkers = auth::OrganizationFilter { kind: Some("satker".into()), ..Default::default() };
    let mut people = Vec::new();
    for satker in auth::list_organizations(conn, &admin, satkers, &all).map_err(|e| err(&e))?.items {
        if !bulk.every_satker && satker.name != data::OPDS[0].1[0].0 {
            continue;
        }
        let satker = satker.id.to_string();
        let users = auth::users_of_organization(conn, &satker).map_err(|e| err(&e))?;
        let with = |role: Role| users.iter().find(|u| u.roles.contains(&role)).map(|u| u.id.to_string());
        if let Some((buyer, ppk)) = with(Role::PejabatPengadaan).zip(with(Role::Ppk)) {
            people.push((satker, buyer, ppk));
        }
    }
    anyhow::ensure!(!people.is_empty(), "the demo marketplace is not there: run pasar seed-demo first");
    let vendors = auth::OrganizationFilter { kind: Some("vendor".into()), ..Default::default() };
    let mut products = Vec::new();
    for v in auth::list_organizations(conn, &admin, vendors, &all).map_err(|e| err(&e))?.items {
        let page = pasar_catalog::service::vendor_products(conn, &orders.vendors, now, &admin, &v.id.to_string(), &all)
            .map_err(|e| err(&e))?;
        let published: Vec<String> = page
            .items
            .into_iter()
            .filter(|p| p.status == Some(pasar_catalog::model::ProductStatus::Published))
            .map(|p| p.id.to_string())
            .take(8)
            .collect();
        if !published.is_empty() {
            products.push(published);
        }
    }
    anyhow::ensure!(!products.is_empty(), "no published product to order: publish one first");
    let who: Vec<pasar_order::bulk::Buyers<'_>> = people
        .iter()
        .map(|(satker_id, buyer_id, ppk_id)| pasar_order::bulk::Buyers { satker_id, buyer_id, ppk_id })
        .collect();
    pasar_order::bulk::seed_orders(conn, orders, now, &who, &products, bulk.count, bulk.lines_per_order)
        .map_err(|e| err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_recognises_all_it_creates_and_nothing_else() {
        let url = pasar_db::DbUrl::parse("sqlite://:memory:").unwrap();
        let mut conn = pasar_db::conn::establish(&url).unwrap();
        pasar_db::migrate::run_pending(&mut conn).unwrap();
        let mut settings =
            crate::config::Config::load_from(None, figment::providers::Env::prefixed("PASAR_NONE__"), None)
                .unwrap()
                .auth_settings();
        settings.argon2 = pasar_auth::password::Argon2Params { memory_kib: 8, iterations: 1, parallelism: 1 };
        let now = Utc::now();
        let account =
            auth::AdminAccount { email: "root@pemda.test", name: "Root", password: Some("a-long-password-1") };
        auth::bootstrap_admin(&mut conn, &settings, now, "Pasar", account, false).unwrap();
        assert_eq!(foreign_data(&mut conn).unwrap(), None, "only the first administrator");
        seed(&mut conn, &settings, now).unwrap().expect("seeded");
        seed_bulk_vendors(&mut conn, &settings, now, 3).unwrap();
        assert_eq!(foreign_data(&mut conn).unwrap(), None, "the demo's own data");
        let account = auth::AdminAccount { email: "ops@pemda.test", name: "Ops", password: Some("a-long-password-2") };
        auth::bootstrap_admin(&mut conn, &settings, now, "Pasar", account, true).unwrap();
        let found = foreign_data(&mut conn).unwrap().expect("a second administrator is not the demo's");
        assert_eq!((found.users, found.organizations), (1, 0));
        assert_eq!(found.to_string(), "1 user (e.g. ops@pemda.test)");
    }
}
