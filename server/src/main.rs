//! `papi-server`: the sync server and the app's web server; `--help` for use.

use papi_server::{db, ops, parse_args, Command, Config, USAGE};

/// mimalloc, not glibc's malloc: under churn (large uploads checked on
/// blocking threads, thousands of connections) glibc keeps freed memory in
/// per-thread arenas, and the service's resident memory grew past its
/// budget; mimalloc (v3) returns pages unused for a second to the system
/// (BENCHMARKS.md, "Sync server under abuse", has both figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cmd = match parse_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) if e == "help" => {
            println!("{USAGE}\n{}", ops::USAGE);
            return;
        }
        Err(e) => {
            eprintln!("papi-server: {e}");
            std::process::exit(2);
        }
    };
    let result = match cmd {
        Command::Serve(cfg) => serve(cfg),
        Command::Ops(c) => ops::run(c),
    };
    if let Err(e) = result {
        eprintln!("papi-server: {e}");
        std::process::exit(1);
    }
}

fn serve(cfg: Config) -> Result<(), String> {
    papi_server::telemetry::init(papi_server::telemetry::LogFormat::from_env()?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let db = db::Db::open_with(
            &cfg.db,
            db::DbOptions {
                units: cfg.units.clone(),
                ..Default::default()
            },
        )?;
        let limits = papi_server::limits::Limits::default();
        let router = papi_server::app_with(&cfg, db, limits.clone());
        let scheme = if cfg.tls.is_some() { "https" } else { "http" };
        let listener = papi_server::serve::listen(cfg.addr)
            .map_err(|e| format!("cannot listen on {}: {e}", cfg.addr))?;
        let tls = match &cfg.tls {
            Some((cert, key)) => Some(papi_server::tls::Tls::load(cert, key).await?),
            None => None,
        };
        // SIGHUP re-reads the certificate (and no longer stops a server
        // without TLS).
        papi_server::tls::reload_on_sighup(tls.clone())?;
        println!(
            "PAPI Tracker: {scheme}://{} (app from {}, batches in {})",
            cfg.addr,
            cfg.dist.display(),
            cfg.db.display()
        );
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            h.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
        });
        papi_server::serve::run(listener, router, &limits, tls.map(|t| t.config), handle)
            .await
            .map_err(|e| e.to_string())
    })
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
