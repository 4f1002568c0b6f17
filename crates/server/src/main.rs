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
    /// for every role, a dozen vendors. Does nothing if it exists already.
    SeedDemo {
        /// Also add this many generated vendors waiting for curation (for benchmarks).
        #[arg(long, default_value_t = 0)]
        bulk_vendors: usize,
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
    /// Rebuild the search index from the database, with a progress bar. With the
    /// embedded engine, stop the server first (it holds the index).
    Reindex,
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
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
        Command::SeedDemo { bulk_vendors } => {
            let pool = open_database(&config)?;
            let clock: SharedClock = Arc::new(SystemClock);
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
        Command::Reindex => {
            let pool = open_database(&config)?;
            let mut conn = pool.get()?;
            let index = pasar_server::search::open_index(&config)?;
            let total = pasar_catalog::store::count_visible(&mut conn)? as u64;
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
        Command::Audit { command: AuditCommand::Verify } => {
            let pool = open_database(&config)?;
            let mut conn = pool.get()?;
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

fn print_bootstrap(outcome: &Bootstrap) {
    match outcome {
        Bootstrap::AlreadyHadAdmin => {}
        Bootstrap::Created { email } => println!("Created administrator {email}."),
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
        print_bootstrap(&app.bootstrap);
        println!(
            "Pasar {} is listening on http://{addr} (ready in {} ms)",
            env!("CARGO_PKG_VERSION"),
            started.elapsed().as_millis()
        );
        println!("  API docs:  {base}/api/docs/");
        println!("  OpenAPI:   {base}/api/v1/openapi.json");
        println!("  Health:    {base}/health/ready");
        println!("  Database:  {}", config.database_url()?.redacted());
        println!("  Mail:      {}", app.mail_transport);
        println!("  Search:    {}  (GET {base}/api/v1/products?q=…)", app.search_engine);
        println!("  Log in:    POST {base}/api/v1/auth/login");
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
