//! `wangan`: the command line and the wiring of the crates.

// A command-line program: its output is what it prints.
#![allow(clippy::print_stdout)]

mod allocator;
mod backups;
mod config;
mod demo_farm;
mod runner;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use config::Config;
use std::path::PathBuf;
use wangan_core::Store;
use wangan_core::accounts::service::{self as accounts, GrantInput, NewUser};
use wangan_core::platform::access::Role;

#[derive(Parser)]
#[command(name = "wangan", version, about = "网安 Wangan — network and information security management platform")]
struct Cli {
    /// Configuration file (read when present).
    #[arg(long, global = true, default_value = "wangan.toml")]
    config: PathBuf,
    /// Data directory (overrides the file and WANGAN_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform (the default command).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Fill an empty database with the demo university first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Fill an empty database with the demo university.
    Demo,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Check the audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Import records from a spreadsheet.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Background jobs (escalation, notification delivery).
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Write a consistent copy of the live SQLite database to FILE.
    Backup { file: PathBuf },
    /// Run every site check once against URL and print what was found (no database needed).
    /// Exit 0: nothing of high or critical severity; 2: something; 1: the check could not run.
    Check {
        url: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Networks to allow beyond [network] (e.g. 127.0.0.0/8 for a site on this machine).
        #[arg(long, value_name = "NET")]
        allow: Vec<String>,
        /// ICP number registered for the site, to compare with the one shown.
        #[arg(long, default_value = "")]
        icp: String,
        /// Skip the exposed-file probes (17 extra requests).
        #[arg(long)]
        no_exposure: bool,
        /// Crawl the whole site too: sitemap.xml and links from the page, every page's content
        /// checked, the outbound links listed, the columns' last update.
        #[arg(long)]
        crawl: bool,
        /// Pages to crawl at most (with --crawl; [monitor] crawl_pages by default).
        #[arg(long, value_name = "N", requires = "crawl")]
        pages: Option<usize>,
    },
    /// Replace the SQLite database with FILE (stop the server first).
    Restore {
        file: PathBuf,
        /// Overwrite a database that already holds data.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account.
    Create {
        username: String,
        /// admin, officer, reviewer, leader, unit_admin or auditor.
        #[arg(long)]
        role: String,
        /// Unit code, for the unit roles leader and unit_admin.
        #[arg(long)]
        unit: Option<String>,
        /// Number of the person (人员) this account belongs to.
        #[arg(long)]
        person: Option<i64>,
        #[arg(long)]
        password: String,
        /// Require a new password at first sign-in.
        #[arg(long)]
        must_change: bool,
    },
    /// Give an account a new initial password (changed at next sign-in); lifts a lockout.
    ResetPassword {
        username: String,
        #[arg(long)]
        password: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue an API token; the token alone is printed on the last line.
    Create {
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// The systems inventory (.xlsx or .csv with the template's Chinese column names).
    /// Prints a line per row; exits 1 when a row fails. Nothing is written unless
    /// every row passes, or --partial is given.
    Systems {
        file: PathBuf,
        /// Check and report only.
        #[arg(long)]
        dry_run: bool,
        /// Write the good rows even when others fail.
        #[arg(long)]
        partial: bool,
    },
    /// Vulnerability notices (.xlsx or .csv with the columns 来源, 来源编号, 接收时间, 标题,
    /// 漏洞类型, 危害等级, 漏洞描述, 受影响系统, 整改期限). Prints a line per row; exits 1
    /// when a row fails, and then writes nothing.
    Notices {
        file: PathBuf,
        /// Check and report only.
        #[arg(long)]
        dry_run: bool,
    },
    /// People (.xlsx or .csv with the columns 姓名, 单位 (code or full name), 工号, 职务,
    /// 电话, 邮箱). A row with a staff number (工号) updates the person who has it, else
    /// the only person of that name in the unit, else adds one. Prints a line per row;
    /// exits 1 when a row fails, and then writes nothing.
    People {
        file: PathBuf,
        /// Check and report only.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Run every background job once and exit (for scripts and tests).
    RunOnce {
        /// Run as of this time (RFC 3339, e.g. 2026-11-24T09:00:00+08:00) instead of now.
        #[arg(long)]
        now: Option<String>,
        /// Also crawl the sites whose daily crawl is due (the whole site: deep pages, outbound links).
        #[arg(long)]
        crawl: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the chain; exit non-zero and name the first broken entry if any.
    Verify,
    /// Write the entries of a period, with the chain's hashes, for archiving
    /// (JSON lines after a header line); `verify-export` checks such a file.
    Export {
        /// First day (YYYY-MM-DD, in the configured time zone).
        #[arg(long)]
        from: String,
        /// Last day, included.
        #[arg(long)]
        to: String,
        /// Where to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check an export on its own: every entry's hash, every link, nothing missing.
    /// Exit 0 when whole, 2 and the first bad line otherwise.
    VerifyExport { file: PathBuf },
}

fn main() -> std::process::ExitCode {
    allocator::tune();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WANGAN_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // Before any thread exists: what the platform starts (the rendering
    // browser) keeps the low priority it is given, even when run as root.
    wangan_monitor::render::keep_priorities_from_rising();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(Cli::parse()));
    // A browser still starting when the command ends is held only by the
    // browser's own thread, which nothing stops: it would outlive us.
    wangan_monitor::render::stop_browsers();
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn open(cfg: &Config) -> anyhow::Result<Store> {
    open_with_clock(cfg, std::sync::Arc::new(wangan_core::SystemClock)).await
}

async fn open_with_clock(cfg: &Config, clock: std::sync::Arc<dyn wangan_core::Clock>) -> anyhow::Result<Store> {
    let url = cfg.database_url();
    let policy = cfg.registry.policy()?;
    let store = Store::connect_with_clock(&url, cfg.pool_size(), clock)
        .await
        .context("cannot open the database")?
        .with_registry_policy(policy)
        .with_notice_policy(cfg.notices.policy(&cfg.time_zone, &cfg.calendar)?)
        .with_documents(cfg.institution.names()?)
        .with_monitor_policy(cfg.monitor.policy()?)
        .with_sheet_limits(cfg.import.limits()?)
        .with_accountability_policy(cfg.accountability.policy()?)
        .with_score_weights(cfg.scorecard.weights()?)
        .with_reporting_policy(cfg.incidents.policy()?)
        .with_duty_policy(cfg.duty.policy()?)
        .with_sites_policy(cfg.institution.sites_policy()?)
        .with_attachments(cfg.data_dir.join("attachments"));
    // Nodes that start together take turns: one migrates, the others find it done.
    let lock = store.startup_lock().await.context("cannot take the start-up lock")?;
    store.migrate().await.context("cannot migrate the database")?;
    lock.release().await.context("cannot release the start-up lock")?;
    Ok(store)
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let mut cfg = Config::load(&cli.config, cli.config.as_os_str() != "wangan.toml")?;
    if let Some(d) = cli.data_dir {
        cfg.data_dir = d;
    }
    let ok = std::process::ExitCode::SUCCESS;
    match cli.command.unwrap_or(Command::Serve { listen: None, demo: false }) {
        Command::Serve { listen, demo } => {
            if let Some(l) = listen {
                cfg.listen = l;
            }
            serve(cfg, demo).await?;
        }
        Command::Migrate => {
            open(&cfg).await?;
            println!("migrations applied");
        }
        Command::Demo => {
            let store = open(&cfg).await?;
            seed_demo(&store).await?;
        }
        Command::User { command: UserCommand::Create { username, role, unit, person, password, must_change } } => {
            let store = open(&cfg).await?;
            let role = Role::parse(&role).with_context(|| format!("unknown role {role}"))?;
            let user = accounts::create_user(
                &store,
                None,
                NewUser {
                    username,
                    password,
                    must_change_password: must_change,
                    person_id: person,
                    grants: vec![GrantInput { role, unit }],
                },
            )
            .await
            .map_err(describe)?;
            println!("created {} ({})", user.username, role.as_str());
        }
        Command::User { command: UserCommand::ResetPassword { username, password } } => {
            let store = open(&cfg).await?;
            accounts::reset_password(&store, None, &username, &password).await.map_err(describe)?;
            println!("password of {username} reset; it must be changed at the next sign-in");
        }
        Command::Token { command: TokenCommand::Create { username, name } } => {
            let store = open(&cfg).await?;
            let token = accounts::create_token(&store, None, &username, &name).await.map_err(describe)?;
            println!("{token}");
        }
        Command::Audit { command: AuditCommand::Export { from, to, out } } => {
            let tz: chrono_tz::Tz =
                cfg.time_zone.parse().map_err(|_| anyhow::anyhow!("time_zone {:?} is not known", cfg.time_zone))?;
            let day = |s: &str, after: bool| -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
                let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                    .with_context(|| format!("{s:?} is not a day (YYYY-MM-DD)"))?;
                let d = if after { d + chrono::Duration::days(1) } else { d };
                d.and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(tz).earliest())
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .ok_or_else(|| anyhow::anyhow!("{s:?} has no midnight in {tz}"))
            };
            let (from, to) = (day(&from, false)?, day(&to, true)?);
            if from >= to {
                bail!("--from must not be after --to");
            }
            let store = open(&cfg).await?;
            let header = match &out {
                Some(path) => {
                    let file = std::fs::File::create_new(path)
                        .with_context(|| format!("cannot create {} (it must not exist)", path.display()))?;
                    let mut w = std::io::BufWriter::new(file);
                    wangan_core::platform::audit_export::export(store.db(), from, to, store.now(), &mut w)
                        .await
                        .map_err(describe)?
                }
                None => {
                    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                    wangan_core::platform::audit_export::export(store.db(), from, to, store.now(), &mut w)
                        .await
                        .map_err(describe)?
                }
            };
            if let Some(path) = out {
                println!(
                    "{} audit entries ({}–{}) written to {}",
                    header.entries,
                    header.first_seq.unwrap_or_default(),
                    header.last_seq.unwrap_or_default(),
                    path.display()
                );
            }
        }
        Command::Audit { command: AuditCommand::VerifyExport { file } } => {
            let f = std::fs::File::open(&file).with_context(|| format!("cannot read {}", file.display()))?;
            match wangan_core::platform::audit_export::verify(std::io::BufReader::new(f)) {
                Ok(c) => println!(
                    "export intact: {} entries ({}–{}), continues from {}, ends with {}",
                    c.header.entries,
                    c.header.first_seq.unwrap_or_default(),
                    c.header.last_seq.unwrap_or_default(),
                    c.continues_from.unwrap_or_default(),
                    c.ends_with.unwrap_or_default()
                ),
                Err(why) => {
                    println!("export broken: {why}");
                    return Ok(std::process::ExitCode::from(2));
                }
            }
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let store = open(&cfg).await?;
            let anchor = wangan_core::platform::audit_anchor::AnchorFile::in_dir(&cfg.data_dir);
            let outcome = anchor.verify(store.db()).await.map_err(describe)?;
            match outcome.broken {
                None => println!("audit chain intact: {} entries", outcome.checked),
                Some(b) => {
                    println!(
                        "audit chain BROKEN at entry {} ({}); {} entries before it are intact",
                        b.seq, b.reason, outcome.checked
                    );
                    return Ok(std::process::ExitCode::from(2));
                }
            }
        }
        Command::Import { command: ImportCommand::Systems { file, dry_run, partial } } => {
            return import_systems(&cfg, &file, dry_run, partial).await;
        }
        Command::Import { command: ImportCommand::Notices { file, dry_run } } => {
            return import_notices(&cfg, &file, dry_run).await;
        }
        Command::Import { command: ImportCommand::People { file, dry_run } } => {
            use wangan_core::registry::service::inventory::ImportMode;
            let mode = if dry_run { ImportMode::DryRun } else { ImportMode::AllOrNothing };
            return import_sheet::<wangan_core::platform::sheet_import::People>(&cfg, &file, mode).await;
        }
        Command::Backup { file } => {
            if !cfg.is_sqlite() {
                bail!("backup copies the embedded SQLite database; for PostgreSQL use pg_dump (see README)");
            }
            let store = open(&cfg).await?;
            wangan_core::platform::backup::sqlite(&store, &cfg.data_dir, &file).await.map_err(describe)?;
            let beside = wangan_core::platform::backup::anchor_beside(&file);
            println!("backup written to {} (audit anchor: {})", file.display(), beside.display());
        }
        Command::Restore { file, force } => restore(&cfg, &file, force).await?,
        Command::Check { url, json, allow, icp, no_exposure, crawl, pages } => {
            let crawl = crawl.then_some(pages);
            return check_url(&cfg, &url, json, &allow, &icp, no_exposure, crawl).await;
        }
        Command::Jobs { command: JobsCommand::RunOnce { now, crawl } } => {
            let clock: std::sync::Arc<dyn wangan_core::Clock> = match now {
                None => std::sync::Arc::new(wangan_core::SystemClock),
                Some(t) => {
                    let at = chrono::DateTime::parse_from_rfc3339(&t)
                        .with_context(|| format!("--now {t:?} is not an RFC 3339 time"))?;
                    std::sync::Arc::new(wangan_core::FixedClock::new(at.with_timezone(&chrono::Utc)))
                }
            };
            let store = open_with_clock(&cfg, clock).await?;
            if cfg.monitor.enabled {
                // No browser: a render outlives one pass, and this process ends with it (`serve` renders).
                let fetch = cfg.monitor.fetch_config(cfg.network.policy()?)?;
                let engine = monitor_engine(&cfg, store.clone(), fetch, false)?;
                let m = engine.run_once().await.map_err(describe)?;
                println!(
                    "monitoring: {} monitors created, {} checks, {} findings opened, {} resolved, {} notices",
                    m.sync.created, m.record.checks, m.record.opened, m.record.resolved, m.record.notices
                );
                if crawl && let Some(c) = cfg.monitor.crawl_config() {
                    let p = engine.crawl_once(&c).await.map_err(describe)?;
                    println!(
                        "crawl: {} sites, {} pages, {} findings opened, {} resolved, {} notices",
                        p.sites, p.pages, p.record.opened, p.record.resolved, p.record.notices
                    );
                }
            }
            let report = runner(&cfg, store.clone())?.run_once().await.map_err(describe)?;
            // As SQLite advises before closing: the command that grew the tables refreshes
            // their statistics, and the next command starts without doing it.
            if let Err(e) = store.optimize().await {
                tracing::warn!(error = %e, "refreshing the planner's statistics failed");
            }
            let (pass, reminded, delivered) = (report.escalation, report.reminders, report.delivered);
            println!(
                "escalation: {} reminders, {} overdue, {} shutdown orders proposed, {} issued, {} messages queued",
                pass.reminders, pass.overdue, pass.proposals, pass.shutdowns, pass.messages
            );
            println!(
                "filings: {} reminded of their MLPS filing, {} of a filing to update, {} messages queued",
                reminded.mlps_filing, reminded.filing_update, reminded.messages
            );
            let (i, a) = (report.inspections, report.accountability);
            println!(
                "inspections: {} campaigns launched, {} units reminded, {} missed their due date",
                i.launched, i.reminded, i.missed
            );
            println!(
                "accountability: {} facts, {} violations proposed, {} found corrected",
                a.facts, a.proposed, a.corrected
            );
            println!("delivery: {} sent, {} failed attempts", delivered.sent, delivered.failed_attempts);
            if let Some(job) = backups::BackupJob::new(&cfg, store.clone())? {
                use wangan_core::platform::backup::Pass;
                match job.pass().await.map_err(describe)? {
                    Pass::NotDue => println!("backup: not due yet"),
                    Pass::Done => println!("backup: today's is made"),
                    Pass::Made { file, bytes, removed } => {
                        println!("backup: {} ({bytes} bytes), {} old ones removed", file.display(), removed.len())
                    }
                    Pass::Failed(why) => println!("backup: failed: {why}"),
                }
            }
        }
    }
    Ok(ok)
}

async fn check_url(
    cfg: &Config,
    url: &str,
    json: bool,
    allow: &[String],
    icp: &str,
    no_exposure: bool,
    crawl: Option<Option<usize>>,
) -> anyhow::Result<std::process::ExitCode> {
    use wangan_monitor::check::{Checker, Target, render_text};
    let parsed = wangan_monitor::analyze::content::parse_site_url(url).map_err(|e| anyhow::anyhow!("{url:?}: {e}"))?;
    let mut network = cfg.network.clone();
    network.allow.extend(allow.iter().cloned());
    let fetch = cfg.monitor.fetch_config(network.policy()?)?;
    let mut checker =
        Checker::new(fetch, std::sync::Arc::new(cfg.monitor.dictionary()?)).map_err(|e| anyhow::anyhow!(e))?;
    checker.own = std::sync::Arc::new(wangan_monitor::analyze::content::Own::new(&cfg.institution.domains));
    checker.renderer = cfg.monitor.renderer(checker.fetcher.clone()).map(std::sync::Arc::new);
    let mut target = Target::new(parsed);
    target.icp_registered = icp.to_owned();
    target.probe_exposure = !no_exposure;
    target.tamper_threshold = cfg.monitor.tamper_threshold;
    // Every view, once.
    target.views = wangan_monitor::views::views(&cfg.monitor.spiders);
    let now = wangan_core::Clock::now(&wangan_core::SystemClock);
    let report = checker.run(&target, None, now).await;
    if report.health == wangan_monitor::check::Health::Denied {
        print!("{}", render_text(&report));
        return Ok(std::process::ExitCode::FAILURE);
    }
    // The whole site, with the default allow-list (the deployment's own is in its database).
    let crawled = match crawl {
        Some(pages) => {
            let options = cfg.monitor.crawl_options(pages);
            let crawl = checker.crawl(&target.url, &options, &Default::default(), now).await;
            let allow: Vec<String> = wangan_core::sites::rules::DEFAULT_ALLOW.iter().map(|d| (*d).to_owned()).collect();
            let external = wangan_monitor::crawl::external_findings(&crawl.outbound(), &allow);
            Some((crawl, external))
        }
        None => None,
    };
    if json {
        let value = match &crawled {
            Some((crawl, external)) => serde_json::json!({
                "check": report, "crawl": crawl, "outbound": crawl.outbound(), "external_links": external,
                "updated": crawl.updated(),
            }),
            None => serde_json::to_value(&report)?,
        };
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{}", render_text(&report));
        if let Some((crawl, external)) = &crawled {
            print!("{}", wangan_monitor::crawl::render_text(crawl));
            for f in external {
                println!("  {} {}", f.severity.as_str(), f.summary);
            }
        }
    }
    let high = |f: &wangan_monitor::finding::Finding| f.severity >= wangan_monitor::finding::Severity::High;
    let serious = report.findings.iter().any(high)
        || crawled.as_ref().is_some_and(|(c, e)| c.findings().any(high) || e.iter().any(high));
    Ok(if serious { std::process::ExitCode::from(2) } else { std::process::ExitCode::SUCCESS })
}

/// The monitoring engine as configured.
fn monitor_engine(
    cfg: &Config,
    store: Store,
    fetch: wangan_monitor::fetch::FetchConfig,
    render: bool,
) -> anyhow::Result<wangan_monitor::engine::Engine> {
    let m = &cfg.monitor;
    let mut checker = wangan_monitor::check::Checker::new(fetch, std::sync::Arc::new(m.dictionary()?))
        .map_err(|e| anyhow::anyhow!(e))?;
    checker.slow_ms = m.slow_ms;
    checker.own = std::sync::Arc::new(wangan_monitor::analyze::content::Own::new(&cfg.institution.domains));
    checker.renderer = if render { m.renderer(checker.fetcher.clone()).map(std::sync::Arc::new) } else { None };
    match &checker.renderer {
        Some(r) => tracing::info!(browser = %r.executable().display(), tabs = r.config.tabs, "rendered view on"),
        None if render => tracing::info!("rendered view off (no chromium, or [monitor] render = \"off\")"),
        None => {}
    }
    let config = wangan_monitor::engine::EngineConfig {
        concurrency: m.concurrency.max(1),
        failures_before_down: m.failures_before_down.max(1),
        down_notice_minutes: m.down_notice_minutes.max(0),
        tls_interval: chrono::Duration::seconds(i64::try_from(m.tls_interval_s).unwrap_or(i64::MAX / 1000)),
        exposure_interval: chrono::Duration::seconds(i64::try_from(m.exposure_interval_s).unwrap_or(i64::MAX / 1000)),
        views: wangan_monitor::views::views(&m.spiders),
        views_interval: chrono::Duration::seconds(i64::try_from(m.views_interval_s.max(60)).unwrap_or(3600)),
        render_interval: chrono::Duration::seconds(i64::try_from(m.render_interval_s.max(600)).unwrap_or(86_400)),
        content_memo: m.content_memo,
        ..Default::default()
    };
    Ok(wangan_monitor::engine::Engine::new(store, checker, config))
}

fn runner(cfg: &Config, store: Store) -> anyhow::Result<runner::Runner> {
    let sender = wangan_notify::Sender::new(&wangan_notify::DeliveryConfig {
        smtp: cfg.smtp.clone(),
        network: cfg.network.policy()?,
        hosts: cfg.network.routes()?,
        base_url: cfg.base_url.clone(),
        ..Default::default()
    })
    .map_err(|e| anyhow::anyhow!(e))?;
    Ok(runner::Runner { store, sender, retry: Default::default() })
}

/// Readable text for core errors on the terminal.
fn describe(e: wangan_core::CoreError) -> anyhow::Error {
    match e {
        wangan_core::CoreError::Invalid(fields) => {
            let list: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.code)).collect();
            anyhow::anyhow!("invalid input: {}", list.join(", "))
        }
        other => anyhow::anyhow!("{other}"),
    }
}

async fn seed_demo(store: &Store) -> anyhow::Result<()> {
    if wangan_core::demo::seed(store).await? {
        println!(
            "demo data created: 16 units, 80 people; demo accounts (password {}):",
            wangan_core::demo::DEMO_PASSWORD
        );
        for (user, what) in wangan_core::demo::account_list() {
            println!("  {user:<14} {what}");
        }
    } else {
        println!("the database already holds units; demo data not added");
    }
    Ok(())
}

/// Write the first admin password to `initial-admin-password` in the data
/// directory, readable by the service user only (mode 0600).
fn keep_initial_password(data_dir: &std::path::Path, pw: &str) -> anyhow::Result<std::path::PathBuf> {
    use std::io::Write;
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let path = data_dir.join("initial-admin-password");
    let _ = std::fs::remove_file(&path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&path).with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(f, "{pw}").with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

async fn serve(cfg: Config, demo: bool) -> anyhow::Result<()> {
    let mut store = open(&cfg).await?;
    let lock = store.startup_lock().await.context("cannot take the start-up lock")?;
    if let Some(pw) = accounts::bootstrap_admin(&store).await? {
        // Under a service manager stdout is a log file: the password goes to a
        // file only the service user can read, and to an interactive terminal.
        let file = keep_initial_password(&cfg.data_dir, &pw)?;
        use std::io::IsTerminal;
        let shown = if std::io::stdout().is_terminal() { format!("\n  密码 password: {pw}") } else { String::new() };
        println!(
            "\n  首次启动：已创建管理员账户 / first start: account created\n  用户名 username: admin{shown}\n  初始密码已写入 / initial password written to: {}\n  首次登录后须修改密码，之后请删除该文件 / change it at first sign-in, then delete the file.\n",
            file.display()
        );
    }
    if demo {
        seed_demo(&store).await?;
    } else if wangan_core::directory::service::units::all_visible(&store, &wangan_core::Principal::system("serve"))
        .await?
        .is_empty()
    {
        println!(
            "  数据库为空：可运行 `wangan demo`（或 serve --demo）载入演示数据 / empty database: `wangan demo` loads a demo university."
        );
    }
    // Evaluation and MLPS filing days follow the configured cadence (a changed
    // `[registry]` takes effect at once for every system).
    let recomputed = wangan_core::registry::service::systems::recompute_dues(&store, None).await?;
    if wangan_core::inspections::service::checklists::ensure_default(&store).await? {
        tracing::info!("the default self-inspection checklist installed");
    }
    if recomputed > 0 {
        tracing::info!(systems = recomputed, "evaluation and MLPS filing days recomputed");
    }
    lock.release().await.context("cannot release the start-up lock")?;
    let time_zone = cfg.time_zone.parse().map_err(|_| anyhow::anyhow!("unknown time zone {}", cfg.time_zone))?;
    // Keep the planner's statistics fresh as the registry grows.
    let maintenance = store.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        every.tick().await;
        loop {
            every.tick().await;
            if let Err(e) = maintenance.analyze().await {
                tracing::warn!(error = %e, "statistics refresh failed");
            }
        }
    });
    // The audit chain, checked against its anchor at start, then anchored
    // hourly and at shutdown. A broken chain is not anchored over: its
    // evidence stays as it was found.
    let anchor = wangan_core::platform::audit_anchor::AnchorFile::in_dir(&cfg.data_dir);
    let chain_intact = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let (store, anchor, intact) = (store.clone(), anchor.clone(), chain_intact.clone());
        tokio::spawn(async move {
            match anchor.verify(store.db()).await {
                Ok(outcome) => match outcome.broken {
                    None => {
                        intact.store(true, std::sync::atomic::Ordering::SeqCst);
                        tracing::info!(entries = outcome.checked, "audit chain intact");
                    }
                    Some(b) => {
                        tracing::error!(
                            seq = b.seq,
                            reason = b.reason,
                            "AUDIT CHAIN BROKEN: run `wangan audit verify`; it is not anchored until repaired"
                        );
                        eprintln!(
                            "警告 WARNING: 审计链在第 {} 条处断裂 / the audit chain is broken at entry {} ({})",
                            b.seq, b.seq, b.reason
                        );
                    }
                },
                Err(e) => tracing::error!(error = %e, "audit chain could not be checked"),
            }
            let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                every.tick().await;
                if intact.load(std::sync::atomic::Ordering::SeqCst)
                    && let Err(e) = anchor.anchor(store.db(), store.now()).await
                {
                    tracing::error!(error = %e, "audit anchor not written");
                }
            }
        });
    }
    if cfg.jobs.enabled
        && let Some(job) = backups::BackupJob::new(&cfg, store.clone())?
    {
        job.spawn();
    }
    if cfg.jobs.enabled {
        runner(&cfg, store.clone())?.spawn(
            std::time::Duration::from_secs(cfg.jobs.escalation_interval_s.max(1)),
            std::time::Duration::from_secs(cfg.jobs.delivery_interval_s.max(1)),
        );
    }
    let (stop_monitor, stop_rx) = tokio::sync::watch::channel(false);
    let mut monitor_task = None;
    let mut _demo_farm = None;
    let mut checker = None;
    let mut monitor_stats = None;
    if cfg.monitor.enabled {
        let mut fetch = cfg.monitor.fetch_config(cfg.network.policy()?)?;
        if let Some((farm, route)) = demo_farm::start(&store).await? {
            fetch.hosts.push(route);
            fetch.extra_roots.push(farm.ca_pem.clone().into_bytes());
            _demo_farm = Some(farm);
            // The demo university's own domain, unless the configuration names one (双非 by name).
            if cfg.institution.domains.is_empty() {
                let mut policy = store.sites_policy().clone();
                policy.domains = vec![demo_farm::DEMO_DOMAIN.to_owned()];
                store = store.with_sites_policy(policy);
            }
        }
        let engine = monitor_engine(&cfg, store.clone(), fetch, true)?;
        checker = Some(engine.checker().clone());
        if cfg.jobs.enabled {
            monitor_stats = Some(std::sync::Arc::clone(&engine.stats));
            if let Some(c) = cfg.monitor.crawl_config() {
                tokio::spawn(engine.clone().run_crawls(c, stop_rx.clone()));
            }
            monitor_task = Some(tokio::spawn(engine.run(stop_rx)));
        }
    }
    // Kept to the end: dropping it flushes the access log's last lines.
    let access = match cfg.logs.access {
        config::AccessLogTo::Off => None,
        config::AccessLogTo::Stdout => {
            let (log, guard) = wangan_web::platform::access_log::AccessLog::stdout();
            Some((log, guard))
        }
        config::AccessLogTo::File => {
            let dir = cfg.logs.dir.clone().unwrap_or_else(|| cfg.data_dir.join("logs"));
            let (log, guard) = wangan_web::platform::access_log::AccessLog::daily(&dir, cfg.logs.retain_days)
                .map_err(|e| anyhow::anyhow!("access log: {e}"))?;
            tracing::info!(dir = %dir.display(), retain_days = cfg.logs.retain_days, "access log");
            Some((log, guard))
        }
    };
    let (access_log, _access_guard) = access.unzip();
    let final_anchor = store.clone();
    let mut state = wangan_web::AppState::new(
        store,
        wangan_web::WebConfig {
            secure_cookies: cfg.secure_cookies,
            time_zone,
            signin: wangan_core::accounts::rules::ThrottlePolicy { per_minute: cfg.signin.failures_per_minute },
            trusted_proxies: cfg.signin.trusted_proxies.clone(),
            metrics_token: cfg.metrics.token.clone().filter(|t| !t.trim().is_empty()),
            base_url: cfg.base_url.clone(),
            sso: cfg.sso.clone(),
            require_totp_for_admin: cfg.signin.require_totp_for_admin,
            access_log,
            operations: wangan_core::platform::operations::Configured {
                backup_daily_at: cfg.backup.enabled.then(|| cfg.backup.daily_at.clone()),
                backup_keep: cfg.backup.keep,
                backup_dir: cfg
                    .backup
                    .dir
                    .clone()
                    .unwrap_or_else(|| cfg.data_dir.join("backups"))
                    .display()
                    .to_string(),
                access_log: match cfg.logs.access {
                    config::AccessLogTo::Off => None,
                    config::AccessLogTo::Stdout => Some("stdout".into()),
                    config::AccessLogTo::File => {
                        Some(cfg.logs.dir.clone().unwrap_or_else(|| cfg.data_dir.join("logs")).display().to_string())
                    }
                },
                access_retain_days: cfg.logs.retain_days,
            },
        },
    );
    if let Some(c) = checker {
        state = state.with_checker(c);
    }
    if let Some(s) = monitor_stats {
        state = state.with_monitor_stats(s);
    }
    let listener =
        tokio::net::TcpListener::bind(&cfg.listen).await.with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "wangan is serving");
    println!("网安 Wangan: http://{addr}/");
    wangan_web::serve(listener, state, shutdown_signal()).await?;
    let _ = stop_monitor.send(true);
    if let Some(t) = monitor_task {
        // Let checks in flight finish and their results be written.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(15), t).await;
    }
    if chain_intact.load(std::sync::atomic::Ordering::SeqCst)
        && let Err(e) = anchor.anchor(final_anchor.db(), final_anchor.now()).await
    {
        tracing::error!(error = %e, "audit anchor not written at shutdown");
    }
    tracing::info!("wangan stopped");
    Ok(())
}

async fn import_systems(
    cfg: &Config,
    file: &std::path::Path,
    dry_run: bool,
    partial: bool,
) -> anyhow::Result<std::process::ExitCode> {
    use wangan_core::registry::service::inventory::ImportMode;
    let mode = if dry_run {
        ImportMode::DryRun
    } else if partial {
        ImportMode::Partial
    } else {
        ImportMode::AllOrNothing
    };
    import_sheet::<wangan_core::platform::sheet_import::Systems>(cfg, file, mode).await
}

async fn import_notices(cfg: &Config, file: &std::path::Path, dry_run: bool) -> anyhow::Result<std::process::ExitCode> {
    use wangan_core::registry::service::inventory::ImportMode;
    let mode = if dry_run { ImportMode::DryRun } else { ImportMode::AllOrNothing };
    import_sheet::<wangan_core::platform::sheet_import::Notices>(cfg, file, mode).await
}

/// Import a spreadsheet into register `R`, printing every row's outcome; exit code 1 when a row failed.
async fn import_sheet<R: wangan_core::platform::sheet_import::SheetImport>(
    cfg: &Config,
    file: &std::path::Path,
    mode: wangan_core::registry::service::inventory::ImportMode,
) -> anyhow::Result<std::process::ExitCode> {
    use wangan_web::registry::inventory_text as text;
    let m = wangan_web::platform::i18n::msg("zh-CN");
    let fail = std::process::ExitCode::from(1);
    let size = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
    if size > wangan_office::MAX_BYTES as u64 {
        println!(
            "{}",
            text::office_problem(
                &m,
                &wangan_office::OfficeError::Limit(wangan_office::Limit::FileBytes(wangan_office::MAX_BYTES))
            )
        );
        return Ok(fail);
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = open(cfg).await?;
    let who = wangan_core::Principal::system("cli");
    let report =
        match wangan_core::platform::sheet_import::run::<R>(&store, &who, &bytes, mode).await.map_err(describe)? {
            Ok(report) => report,
            Err(u) => {
                println!("{}", text::unreadable(&m, &u));
                return Ok(fail);
            }
        };
    for l in &report.lines {
        println!("{}", text::line(&m, l));
    }
    println!("{}", text::summary(&m, &report));
    println!("{}", if report.written { m.t("import.written") } else { m.t("import.nothing_written") });
    Ok(if report.failed > 0 { fail } else { std::process::ExitCode::SUCCESS })
}

/// Ctrl-C, or SIGTERM from a service manager: finish the requests in flight, then stop.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn restore(cfg: &Config, file: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let url = cfg.database_url();
    let target = wangan_core::platform::store::sqlite_path(&url)
        .context("restore replaces the embedded SQLite database; for PostgreSQL use pg_restore / psql (see README)")?;
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    if target.exists() {
        let current = Store::connect(&url, 1).await?;
        let has_data = holds_data(&current).await?;
        current.close().await?;
        if has_data && !force {
            bail!("{} already holds data; add --force to overwrite it", target.display());
        }
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Work on a copy, so the backup file itself is never touched, and check
    // that it is a Wangan database before it replaces anything.
    let tmp = target.with_extension("db.restoring");
    std::fs::copy(file, &tmp)?;
    let check = async {
        let copy = Store::connect(&wangan_core::platform::store::sqlite_url_for(&tmp), 1).await?;
        let readable = wangan_core::platform::audit::verify(copy.db()).await;
        copy.close().await?;
        readable.map(|_| ())
    };
    if let Err(e) = check.await {
        let _ = std::fs::remove_file(&tmp);
        bail!("{} is not a Wangan database ({e})", file.display());
    }
    for ext in ["db-wal", "db-shm"] {
        let _ = std::fs::remove_file(target.with_extension(ext));
    }
    std::fs::rename(&tmp, &target)?;
    // The restored chain ends where the backup's did: its anchor replaces the
    // data directory's (which is kept aside, not deleted).
    let anchor = wangan_core::platform::audit_anchor::AnchorFile::in_dir(&cfg.data_dir);
    if anchor.path().exists() {
        let aside = anchor.path().with_extension(format!(
            "log.before-restore-{}",
            wangan_core::Clock::now(&wangan_core::SystemClock).format("%Y%m%d%H%M%S")
        ));
        std::fs::rename(anchor.path(), &aside)?;
        println!("the previous audit anchor is kept as {}", aside.display());
    }
    let beside = wangan_core::platform::backup::anchor_beside(file);
    if beside.exists() {
        std::fs::copy(&beside, anchor.path())?;
    }
    println!("restored {} from {}", target.display(), file.display());
    Ok(())
}

/// Where a backup's audit anchor is kept: beside it, `<backup>.audit-anchor.log`.
async fn holds_data(store: &Store) -> anyhow::Result<bool> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let users = match wangan_core::accounts::entity::user::Entity::find().count(store.db()).await {
        Ok(n) => n,
        Err(_) => return Ok(false), // no tables yet
    };
    let units = wangan_core::directory::entity::unit::Entity::find().count(store.db()).await.unwrap_or(0);
    Ok(users + units > 0)
}
