//! `papi-server`: the sync server and the app's web server; `--help` for use.

use papi_server::{db, parse_args, plan_and_units, tokens, Command, Config, USAGE};

fn main() {
    let cmd = match parse_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) if e == "help" => {
            println!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("papi-server: {e}");
            std::process::exit(2);
        }
    };
    let result = match cmd {
        Command::Serve(cfg) => serve(cfg),
        Command::UnitAdd {
            db,
            code,
            label,
            url,
        } => unit_add(&db, &code, &label, url.as_deref()),
        Command::UnitList { db } => unit_list(&db),
        Command::UnitRevoke { db, id } => db::Admin::open(&db)
            .and_then(|a| a.revoke(id, &now()))
            .and_then(|done| {
                if done {
                    println!("Token {id} revoked: it is refused from now on.");
                    Ok(())
                } else {
                    Err(format!(
                        "no live token with id {id} (see: papi-server unit list)"
                    ))
                }
            }),
    };
    if let Err(e) = result {
        eprintln!("papi-server: {e}");
        std::process::exit(1);
    }
}

fn now() -> String {
    papi_core::dates::format_instant(chrono::Utc::now())
}

fn unit_add(
    path: &std::path::Path,
    code: &str,
    label: &str,
    url: Option<&str>,
) -> Result<(), String> {
    let (_, units) = plan_and_units();
    let unit = units.get(code).ok_or_else(|| {
        format!(
            "{code} is not a unit code of the unit dataset ({})",
            units.id
        )
    })?;
    let admin = db::Admin::open(path)?;
    let token = tokens::generate()?;
    let label = if label.is_empty() {
        unit.name.as_str()
    } else {
        label
    };
    let id = admin.add_token(code, label, &tokens::hash(&token), &now())?;
    println!(
        "Token {id} for {} ({code}). It is shown only this once:",
        unit.name
    );
    println!("{token}");
    if let Some(url) = url {
        println!(
            "Enrolment link: {}/#enrol={token}",
            url.trim_end_matches('/')
        );
    }
    Ok(())
}

fn unit_list(path: &std::path::Path) -> Result<(), String> {
    let (_, units) = plan_and_units();
    let admin = db::Admin::open(path)?;
    println!(
        "{:>4}  {:<6} {:<32} {:<25} state",
        "id", "unit", "name", "created"
    );
    for t in admin.list()? {
        let name = units
            .get(&t.unit_code)
            .map(|u| u.name.as_str())
            .unwrap_or("?");
        let state = match &t.revoked_at {
            Some(at) => format!("revoked {at}"),
            None => "live".into(),
        };
        println!(
            "{:>4}  {:<6} {:<32} {:<25} {state}",
            t.id, t.unit_code, name, t.created_at
        );
    }
    Ok(())
}

fn serve(cfg: Config) -> Result<(), String> {
    papi_server::telemetry::init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let db = db::Db::open(&cfg.db)?;
        let limits = papi_server::limits::Limits::default();
        let router = papi_server::app_with(&cfg, db, limits.clone());
        let scheme = if cfg.tls.is_some() { "https" } else { "http" };
        let listener = papi_server::serve::listen(cfg.addr)
            .map_err(|e| format!("cannot listen on {}: {e}", cfg.addr))?;
        let tls = match &cfg.tls {
            Some((cert, key)) => Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                    .await
                    .map_err(|e| format!("TLS certificate or key: {e}"))?,
            ),
            None => None,
        };
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
        papi_server::serve::run(listener, router, &limits, tls, handle)
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
