//! `papi-server`: serves the built app from a folder (Trunk's dist/).
//!
//!     papi-server [--dist DIR] [--addr HOST:PORT]
//!
//! Hashed assets are cached for a year; index.html, the service worker and
//! the manifest are revalidated on every load so an update is seen at once.

use std::net::SocketAddr;
use std::path::PathBuf;

use papi_server::{app, Config};

fn parse_args() -> Result<Config, String> {
    let mut cfg = Config {
        dist: PathBuf::from("dist"),
        addr: "127.0.0.1:8080".parse().unwrap(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--dist" => cfg.dist = PathBuf::from(value("--dist")?),
            "--addr" => {
                let v = value("--addr")?;
                cfg.addr = v
                    .parse::<SocketAddr>()
                    .map_err(|e| format!("--addr {v}: {e}"))?
            }
            "-h" | "--help" => {
                println!("papi-server [--dist DIR] [--addr HOST:PORT]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if !cfg.dist.join("index.html").is_file() {
        return Err(format!(
            "{}: no index.html here; build the app first (trunk build --release)",
            cfg.dist.display()
        ));
    }
    Ok(cfg)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cfg = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("papi-server: {e}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(cfg.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("papi-server: cannot listen on {}: {e}", cfg.addr);
            std::process::exit(1);
        }
    };
    println!(
        "PAPI Tracker: http://{} (serving {})",
        cfg.addr,
        cfg.dist.display()
    );
    axum::serve(listener, app(&cfg))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("server");
}
