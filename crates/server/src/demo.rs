//! `pasar seed-demo`: a small, plausible marketplace for Kota Mojokerto, so that a
//! newcomer can log in as every role and find something to look at.

use chrono::{DateTime, Utc};
use pasar_auth::model::{Actor, Email, Role};
use pasar_auth::service::{self as auth, NewOrganization, UserToInsert};
use pasar_core::id::UserId;
use pasar_db::{write_tx, DbConn};
use pasar_vendor_onboarding::model::{LegalForm, VendorStatus};
use pasar_vendor_onboarding::service::{seed_vendor, VendorSeed};

/// Every demo account's password.
pub const DEMO_PASSWORD: &str = "pasar-demo-2026";

/// One demo login, for the list printed at the end.
pub struct Login {
    pub role: &'static str,
    pub email: String,
    pub organization: String,
}

type Seeded = anyhow::Result<Vec<Login>>;

fn system_admin(conn: &mut DbConn) -> anyhow::Result<Actor> {
    let admin = pasar_auth::store::first_user_with_role(conn, "admin")?
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
    let existing = pasar_auth::store::list_organizations(
        conn,
        &pasar_auth::store::OrganizationFilter { kind: Some("pemda".into()), ..Default::default() },
        None,
        100,
    )?;
    if existing.iter().any(|o| o.name == "Pemerintah Kota Mojokerto") {
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
    let pemda = org(conn, admin, now, "pemda", "Pemerintah Kota Mojokerto", None)?;
    let diskop = org(conn, admin, now, "opd", "Dinas Koperasi, Usaha Mikro dan Perdagangan", Some(&pemda))?;
    let inspektorat = org(conn, admin, now, "opd", "Inspektorat Daerah", Some(&pemda))?;
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
        pasar_auth::store::set_email_verified(conn, &view.id.to_string(), now)?;
        logins.push(Login { role: label, email: email.into(), organization: org_name.into() });
        Ok(())
    };
    staff(
        conn,
        &diskop,
        "Diskopukmdag (rumah kurasi)",
        "kurator@mojokerto.test",
        "Dewi Kurniasih",
        Role::Curator,
        "curator",
    )?;
    staff(
        conn,
        &inspektorat,
        "Inspektorat Daerah",
        "auditor@mojokerto.test",
        "Bambang Santoso",
        Role::Auditor,
        "auditor",
    )?;

    let opds: [(&str, &[(&str, &str)]); 3] = [
        ("Dinas Pendidikan dan Kebudayaan", &[("SDN Kranggan 1", "sdn-kranggan1"), ("SMPN 2 Mojokerto", "smpn2")]),
        ("Dinas Kesehatan", &[("Puskesmas Kedundung", "pkm-kedundung")]),
        ("Sekretariat Daerah", &[("Bagian Umum Setda", "bagian-umum")]),
    ];
    for (opd_name, satkers) in opds {
        let opd = org(conn, admin, now, "opd", opd_name, Some(&pemda))?;
        for (satker_name, slug) in satkers.iter() {
            let satker = org(conn, admin, now, "satker", satker_name, Some(&opd))?;
            for (role, prefix, label, person) in [
                (Role::PejabatPengadaan, "pp", "pejabat_pengadaan", "Agus Prasetyo"),
                (Role::Ppk, "ppk", "ppk", "Sri Wahyuni"),
                (Role::Bendahara, "bendahara", "bendahara", "Yuli Astuti"),
            ] {
                staff(conn, &satker, satker_name, &format!("{prefix}.{slug}@mojokerto.test"), person, role, label)?;
            }
        }
    }

    use LegalForm::*;
    use VendorStatus::*;
    let vendors: [VendorSeed<'_>; 12] = [
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
    for v in &vendors {
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
                let name = format!("UD Bulk {tag} {i:05}");
                let email = format!("bulk-{tag}-{i}@vendor.test");
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
