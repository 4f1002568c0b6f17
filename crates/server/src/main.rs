//! `pasar`: the whole marketplace in one binary.

use anyhow::Context;
use clap::{Parser, Subcommand};
use pasar_auth::service::Bootstrap;
use pasar_core::clock::{Clock, SharedClock, SystemClock};
use pasar_server::config::Config;
use pasar_server::{init_logging, open_database, AdminSeed, Application};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "pasar", version, about = "Pasar: the e-marketplace and e-catalogue of a regional government")]
struct Cli {
    /// A TOML file overriding config/default.toml (environment variables override both).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator account.
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// The password; otherwise PASAR_ADMIN_PASSWORD, otherwise one is generated and printed.
        #[arg(long, env = "PASAR_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Create a demonstration marketplace (Kota Mojokerto): agencies, work units, a user
    /// for every role, a dozen vendors. Does nothing if it exists already. Refuses a
    /// database that holds anything but the demo and the first administrator.
    SeedDemo {
        /// Also add this many generated vendors waiting for curation (for benchmarks).
        #[arg(long, default_value_t = 0)]
        bulk_vendors: usize,
        /// Also add this many orders of the first demo work unit for the first published
        /// product (for measuring order lists).
        #[arg(long, default_value_t = 0)]
        bulk_orders: usize,
        /// Lines of each bulk order (one vendor's products, cycled).
        #[arg(long, default_value_t = 1)]
        lines_per_order: usize,
        /// Spread the bulk orders over every demo work unit and vendor (for reports).
        #[arg(long)]
        every_satker: bool,
        /// Seed even a database that holds other users or organisations (a test copy).
        #[arg(long)]
        force: bool,
    },
    /// Import products from a CSV file for an approved vendor, all or nothing (see the
    /// README for the columns). Every product is created as a draft.
    ImportProducts {
        /// The vendor's id.
        #[arg(long)]
        vendor: String,
        /// Publish the products at once instead of leaving drafts for the curator: for
        /// moving a catalogue that was curated elsewhere. Audited as the operator's
        /// approval.
        #[arg(long)]
        publish: bool,
        /// The CSV file.
        file: PathBuf,
    },
    /// Reconcile a bank's daily statement with the payments Pasar recorded, and keep the
    /// report for administrators and auditors (GET /api/v1/reconciliations). The CSV
    /// has a header row: va_number, amount, paid_at, bank_reference (see the README).
    /// Nothing is changed. Exit status 2 when anything differs, 1 on a bad file.
    Reconcile {
        /// The bank's code (payments.banks[].code).
        #[arg(long)]
        bank: String,
        /// The statement's first day (YYYY-MM-DD); the first day of its rows if absent.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// The statement's last day; the last day of its rows if absent.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// The statement, CSV.
        file: PathBuf,
    },
    /// Rebuild the search index from the database, with a progress bar. With the
    /// embedded engine, stop the server first (it holds the index).
    Reindex,
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The outbox: messages waiting for delivery, delivered, or given up on (dead letters).
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// List messages, newest first, as a table (never their content).
    List {
        /// Only messages in this state.
        #[arg(long, value_parser = ["pending", "dead", "sent"])]
        status: Option<String>,
        /// Only messages of this kind (mail, …).
        #[arg(long)]
        kind: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=10_000))]
        limit: i64,
    },
    /// Send dead letters again: each goes back to pending with its attempts reset, and is
    /// recorded in the audit log.
    Retry {
        /// The messages' ids.
        #[arg(required_unless_present = "all_dead", conflicts_with = "all_dead")]
        ids: Vec<String>,
        /// Every dead letter that can still be sent.
        #[arg(long)]
        all_dead: bool,
    },
    /// Delete dead letters for good, each recorded in the audit log.
    Remove {
        /// The messages' ids.
        #[arg(required = true)]
        ids: Vec<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain; report the first broken link. Exits 1 if broken.
    Verify,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pasar: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let config = Config::load(cli.config.as_deref())?;
    init_logging(&config);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Migrate => {
            let url = config.database_url()?;
            open_database(&config)?;
            println!("Database {} is up to date.", url.redacted());
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::CreateAdmin { email, password, name } => {
            let pool = open_database(&config)?;
            let clock: SharedClock = Arc::new(SystemClock);
            let mut conn = pool.get()?;
            let outcome = pasar_auth::service::bootstrap_admin(
                &mut conn,
                &config.auth_settings(),
                clock.now(),
                &config.marketplace.name,
                pasar_auth::service::AdminAccount { email: &email, name: &name, password: password.as_deref() },
                true,
            )
            .map_err(|e| anyhow::anyhow!("{e} {:?}", pasar_core::ErrorCode::field_errors(&e)))?;
            print_bootstrap(&outcome);
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::SeedDemo { bulk_vendors, bulk_orders, lines_per_order, every_satker, force } => {
            let pool = open_database(&config)?;
            let clock: SharedClock = Arc::new(SystemClock);
            if !force {
                if let Some(found) = pasar_server::demo::foreign_data(&mut *pool.get()?)? {
                    anyhow::bail!(
                        "refusing to seed the demo: {} already holds {found} that the demo did not create. \
                         The demo adds logins whose password is published, so it belongs on a fresh database; \
                         add --force if this database is only for trying Pasar out.",
                        config.database_url()?.redacted()
                    );
                }
            }
            print_bootstrap(&pasar_server::ensure_admin(&config, &pool, &clock, &AdminSeed::from_env())?);
            let mut conn = pool.get()?;
            let settings = config.auth_settings();
            match pasar_server::demo::seed(&mut conn, &settings, clock.now())? {
                None => println!("The demo marketplace exists already; nothing was changed."),
                Some(logins) => {
                    println!("Created the demo marketplace of Kota Mojokerto. Every demo login has the password");
                    println!("    {}", pasar_server::demo::DEMO_PASSWORD);
                    println!();
                    println!("{:<18} {:<40} organisation", "role", "email");
                    for l in logins {
                        println!("{:<18} {:<40} {}", l.role, l.email, l.organization);
                    }
                }
            }
            if bulk_vendors > 0 {
                let started = Instant::now();
                pasar_server::demo::seed_bulk_vendors(&mut conn, &settings, clock.now(), bulk_vendors)?;
                println!(
                    "Added {bulk_vendors} vendors waiting for curation in {:.1} s.",
                    started.elapsed().as_secs_f64()
                );
            }
            if bulk_orders > 0 {
                let started = Instant::now();
                let orders = config.order_settings(Arc::new(config.vendor_settings()));
                let bulk = pasar_server::demo::BulkOrders { count: bulk_orders, lines_per_order, every_satker };
                pasar_server::demo::seed_bulk_orders(&mut conn, &orders, clock.now(), bulk)?;
                println!("Added {bulk_orders} orders in {:.1} s.", started.elapsed().as_secs_f64());
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::ImportProducts { vendor, file, publish } => {
            let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let rows = text.iter().filter(|b| **b == b'\n').count().saturating_sub(1) as u64;
            let pool = open_database(&config)?;
            let mut conn = pool.get()?;
            let bar = progress_bar(rows, "rows");
            let started = Instant::now();
            let result = pasar_catalog::service::import_products(
                &mut conn,
                SystemClock.now(),
                config.time_zone()?,
                pasar_catalog::service::Importer::Operator { publish },
                &vendor,
                &text,
                None,
                &|n| bar.set_position(n as u64),
            );
            bar.finish_and_clear();
            match result {
                Ok(report) => {
                    println!(
                        "Imported {} products {} in {:.1} s.",
                        report.created,
                        if publish { "and published them" } else { "as drafts" },
                        started.elapsed().as_secs_f64()
                    );
                    Ok(std::process::ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("Nothing was imported: {e}");
                    for f in pasar_core::ErrorCode::field_errors(&e) {
                        eprintln!("  {}: {}", f.field, f.message);
                    }
                    Ok(std::process::ExitCode::from(1))
                }
            }
        }
        Command::Reconcile { bank, from, to, file } => {
            use pasar_payment_virtual_account::reconcile::{self, Reconciler, Request};
            let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let settings = config.payment_settings()?;
            let pool = open_database(&config)?;
            let mut conn = pool.get()?;
            let request = Request { bank: &bank, from, to };
            match reconcile::reconcile(&mut conn, &settings, SystemClock.now(), Reconciler::Operator, request, &text) {
                Ok(report) => {
                    print!("{}", reconcile::render_text(&report));
                    Ok(std::process::ExitCode::from(if report.balanced { 0 } else { 2 }))
                }
                Err(e) => {
                    eprintln!("The statement was not reconciled: {e}");
                    for f in pasar_core::ErrorCode::field_errors(&e) {
                        eprintln!("  {}: {}", f.field, f.message);
                    }
                    Ok(std::process::ExitCode::from(1))
                }
            }
        }
        Command::Reindex => {
            let pool = open_database(&config)?;
            let mut conn = pool.get()?;
            let index = pasar_server::search::open_index(&config)?;
            let total = pasar_catalog::search::sync::count_visible(&mut conn)? as u64;
            let bar = progress_bar(total, "products");
            let started = Instant::now();
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let result = runtime.block_on(pasar_catalog::search::sync::rebuild(
                &mut conn,
                &config.vendor_settings(),
                index.as_ref(),
                SystemClock.now(),
                &|done, _| bar.set_position(done),
            ));
            bar.finish_and_clear();
            let n = result.context("rebuilding the search index")?;
            println!(
                "Rebuilt the search index ({}): {n} products buyers can find, in {:.1} s.",
                pasar_server::search::describe(&config),
                started.elapsed().as_secs_f64()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Outbox { command } => {
            let pool = open_database(&config)?;
            let mut conn = pool.get()?;
            outbox_command(&mut conn, command)
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let pool = open_database(&config)?;
            let mut conn = pool.get()?;
            let sealed = pasar_db::audit::seal_pending(&mut conn).context("sealing the audit log")?;
            if sealed > 0 {
                println!("Sealed {sealed} audit entries that were committed but not yet linked into the chain.");
            }
            let report = pasar_db::audit::verify(&mut conn).context("reading the audit log")?;
            match report.first_broken {
                None => {
                    println!("Audit log intact: {} entries checked.", report.checked);
                    Ok(std::process::ExitCode::SUCCESS)
                }
                Some(link) => {
                    println!("Audit log BROKEN at entry {}: {}", link.seq, link.reason);
                    println!("({} entries checked up to and including it.)", report.checked);
                    Ok(std::process::ExitCode::from(1))
                }
            }
        }
    }
}

fn outbox_command(conn: &mut pasar_db::DbConn, command: OutboxCommand) -> anyhow::Result<std::process::ExitCode> {
    use pasar_auth::outbox::Operator;
    use pasar_db::outbox::{self, Filter, Status};
    match command {
        OutboxCommand::List { status, kind, limit } => {
            let filter =
                Filter { status: status.as_deref().and_then(Status::parse), kind, newest_first: true, after: None };
            let rows = outbox::list(conn, &filter, limit).context("reading the outbox")?;
            if rows.is_empty() {
                println!("No messages.");
                return Ok(std::process::ExitCode::SUCCESS);
            }
            println!(
                "{:<36}  {:<6} {:<7} {:>3}  {:<16}  {:<28}  {:<32}  last error",
                "id", "kind", "status", "try", "created (UTC)", "recipient", "subject"
            );
            for m in &rows {
                let expired = m.status() == Some(Status::Dead) && !m.retriable();
                println!(
                    "{:<36}  {:<6} {:<7} {:>3}  {:<16}  {:<28}  {:<32}  {}",
                    m.id,
                    m.kind,
                    if expired { format!("{}*", m.status) } else { m.status.clone() },
                    m.attempts,
                    m.created_at.format("%Y-%m-%d %H:%M"),
                    clip(&m.recipient, 28),
                    clip(&m.subject, 32),
                    clip(m.last_error.as_deref().unwrap_or("-"), 60),
                );
            }
            let dead_expired = rows.iter().filter(|m| m.status() == Some(Status::Dead) && !m.retriable()).count();
            println!("{} shown, newest first.", rows.len());
            if dead_expired > 0 {
                println!(
                    "* {dead_expired} dead letter(s) expired: a one-time link in them is no longer valid, so they \
                     cannot be sent again; `pasar outbox remove` them."
                );
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        OutboxCommand::Retry { ids, all_dead } => {
            let ids = if all_dead { dead_letters(conn)? } else { ids };
            if ids.is_empty() {
                println!("No dead letters to retry.");
                return Ok(std::process::ExitCode::SUCCESS);
            }
            let mut failed = 0;
            for id in ids {
                match pasar_auth::outbox::retry(conn, SystemClock.now(), Operator::Console, id.trim()) {
                    Ok(m) => println!("Queued again: {} ({} to {}: {})", m.id, m.kind, m.recipient, m.subject),
                    Err(e) if all_dead && matches!(e, pasar_auth::AuthError::InvalidState(_)) => {
                        println!("Skipped {id}: {e}");
                    }
                    Err(e) => {
                        failed += 1;
                        eprintln!("Not retried {id}: {e}");
                    }
                }
            }
            Ok(if failed > 0 { std::process::ExitCode::from(1) } else { std::process::ExitCode::SUCCESS })
        }
        OutboxCommand::Remove { ids } => {
            let mut failed = 0;
            for id in ids {
                match pasar_auth::outbox::remove(conn, SystemClock.now(), Operator::Console, id.trim()) {
                    Ok(()) => println!("Removed {id}."),
                    Err(e) => {
                        failed += 1;
                        eprintln!("Not removed {id}: {e}");
                    }
                }
            }
            Ok(if failed > 0 { std::process::ExitCode::from(1) } else { std::process::ExitCode::SUCCESS })
        }
    }
}

/// Every dead letter that can still be sent, oldest first.
fn dead_letters(conn: &mut pasar_db::DbConn) -> anyhow::Result<Vec<String>> {
    use pasar_db::outbox::{self, Filter, Status};
    let mut ids = Vec::new();
    let mut filter = Filter { status: Some(Status::Dead), ..Filter::default() };
    loop {
        let page = outbox::list(conn, &filter, 500).context("reading the outbox")?;
        let Some(last) = page.last() else { break };
        filter.after = Some(last.id.clone());
        ids.extend(page.into_iter().filter(|m| m.retriable()).map(|m| m.id));
    }
    Ok(ids)
}

/// `s` cut to `width` characters, with `…` where it was cut; on one line.
fn clip(s: &str, width: usize) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if s.chars().count() <= width {
        s
    } else {
        let mut out: String = s.chars().take(width - 1).collect();
        out.push('…');
        out
    }
}

fn print_bootstrap(outcome: &Bootstrap) {
    match outcome {
        Bootstrap::AlreadyHadAdmin => {}
        Bootstrap::Created { email } => println!("  Created administrator {email}."),
        Bootstrap::CreatedWithGeneratedPassword { email, password } => {
            println!();
            println!("  Created administrator {email} with the one-time password:");
            println!();
            println!("      {password}");
            println!();
            println!("  It is shown only now. Log in and change it (POST /api/v1/me/password),");
            println!("  or set PASAR_ADMIN_EMAIL and PASAR_ADMIN_PASSWORD before the first start.");
            println!();
        }
    }
}

fn serve(config: Config) -> anyhow::Result<std::process::ExitCode> {
    let started = Instant::now();
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&config, &AdminSeed::from_env())?;
        let addr = app.addr();
        let base = if config.server.public_url.is_empty() {
            format!("http://{addr}")
        } else {
            config.server.public_url.trim_end_matches('/').to_owned()
        };
        // The address people open comes first: it is what most readers look for.
        println!("Pasar {} is open at {base}/", env!("CARGO_PKG_VERSION"));
        println!("  Server:    listening on http://{addr} (ready in {} ms)", started.elapsed().as_millis());
        println!("  API docs:  {base}/api/docs/");
        println!("  OpenAPI:   {base}/api/v1/openapi.json");
        println!("  Health:    {base}/health/ready");
        println!("  Database:  {}", config.database_url()?.redacted());
        println!("  Mail:      {}", app.mail_transport);
        println!("  Search:    {}  (GET {base}/api/v1/products?q=…)", app.search_engine);
        println!("  Files:     {}", app.state.files.describe());
        println!("  Dates:     days of {} (marketplace.time_zone)", app.state.vendors.time_zone);
        print_bootstrap(&app.bootstrap);
        println!("  Log in:    {base}/masuk  (API: POST {base}/api/v1/auth/login)");
        app.run_until_stopped().await?;
        Ok(std::process::ExitCode::SUCCESS)
    })
}

fn progress_bar(len: u64, unit: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len.max(1));
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit}  {{per_sec}}  eta {{eta}}");
    bar.set_style(
        indicatif::ProgressStyle::with_template(&template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}
